//! The DLLs every Windows installation provides, which a bundle leaves to the system. They are
//! data, in `windows-dlls.txt` beside this file, each section naming its source: the API sets
//! (`api-ms-win-*`, `ext-ms-*`), the KnownDLLs, and what System32 holds on Windows 10 1809 and
//! later (`icuuc.dll`, `d3d11.dll`, `dwmapi.dll`, ...). The Visual C++ runtime
//! (`vcruntime140.dll`, `msvcp140.dll`) is not among them: a bundle carries it, as python.org's
//! CPython does.

use std::sync::OnceLock;

const LIST: &str = include_str!("windows-dlls.txt");

/// The list's names in lower case, and its prefixes (names that end in `*`).
struct Known {
    names: Vec<&'static str>,
    prefixes: Vec<&'static str>,
}

fn known() -> &'static Known {
    static KNOWN: OnceLock<Known> = OnceLock::new();
    KNOWN.get_or_init(|| {
        let entries = LIST
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with('['));
        let (prefixes, mut names): (Vec<&str>, Vec<&str>) = entries.partition(|e| e.ends_with('*'));
        names.sort_unstable();
        Known {
            names,
            prefixes: prefixes.iter().map(|p| p.trim_end_matches('*')).collect(),
        }
    })
}

/// Is `name` (any case) a DLL that Windows itself provides?
pub fn is_system(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let known = known();
    known.prefixes.iter().any(|p| lower.starts_with(p))
        || known.names.binary_search(&lower.as_str()).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_own_dlls_stay_out_redistributables_come_along() {
        assert!(is_system("KERNEL32.dll") && is_system("api-ms-win-crt-runtime-l1-1-0.dll"));
        assert!(is_system("icuuc.dll") && is_system("UIAutomationCore.DLL"));
        assert!(is_system("d3d11.dll") && is_system("dxgi.dll") && is_system("dwmapi.dll"));
        for carried in [
            "VCRUNTIME140.dll",
            "vcruntime140_1.dll",
            "MSVCP140.dll",
            "msvcp140_2.dll",
            "concrt140.dll",
            "libcrypto-3.dll",
            "python311.dll",
            "Qt6Core.dll",
        ] {
            assert!(!is_system(carried), "{carried}");
        }
    }

    #[test]
    fn every_entry_is_a_lower_case_file_name_in_a_section() {
        let mut section = false;
        for line in LIST.lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if line.starts_with('[') {
                assert!(
                    line.ends_with(']') && line.contains(':'),
                    "{line}: name its source"
                );
                section = true;
                continue;
            }
            assert!(section, "{line} is in no section");
            assert_eq!(line, line.to_ascii_lowercase(), "{line}");
            assert!(!line.contains(char::is_whitespace), "{line}");
            assert!(
                line.ends_with('*') || line.ends_with(".dll") || line.ends_with(".drv"),
                "{line}"
            );
        }
    }
}
