//! What `--exclude-module` keeps out: the named modules and everything inside them, and the
//! extension modules that exist only to serve one of them (`tkinter` takes `_tkinter`, and
//! with it Tcl/Tk; `ssl` takes `_ssl`, and OpenSSL's libssl once nothing else loads it). A
//! companion needed by something still bundled stays: `_hashlib` serves `hashlib`, not `ssl`,
//! so excluding `ssl` keeps it (and libcrypto) when `hashlib` is reached.

/// Extension modules of the standard library that exist for one Python module each.
const COMPANIONS: &[(&str, &[&str])] = &[
    ("tkinter", &["_tkinter"]),
    ("sqlite3", &["_sqlite3"]),
    ("ssl", &["_ssl"]),
    ("hashlib", &["_hashlib"]),
    ("ctypes", &["_ctypes"]),
    ("decimal", &["_decimal"]),
    ("lzma", &["_lzma"]),
    ("bz2", &["_bz2"]),
    ("curses", &["_curses", "_curses_panel"]),
    ("dbm", &["_dbm", "_gdbm"]),
    ("readline", &[]),
    ("uuid", &["_uuid"]),
    ("zoneinfo", &["_zoneinfo"]),
    ("multiprocessing", &["_multiprocessing", "_posixshmem"]),
];

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Excludes {
    /// As the user named them.
    named: Vec<String>,
    /// `(companion, the excluded module it serves)`.
    implied: Vec<(String, String)>,
}

impl Excludes {
    pub fn new(named: &[String]) -> Self {
        let mut implied = Vec::new();
        for name in named {
            for (module, companions) in COMPANIONS {
                if name == module {
                    for c in *companions {
                        if !named.iter().any(|n| n == c) {
                            implied.push((c.to_string(), name.clone()));
                        }
                    }
                }
            }
        }
        Excludes {
            named: named.to_vec(),
            implied,
        }
    }

    /// Is `module` excluded: one of the names, inside one, or a companion of one?
    pub fn contains(&self, module: &str) -> bool {
        (self.named.iter()).any(|e| crate::bundle::module_name::is_within(module, e))
            || (self.implied.iter()).any(|(c, _)| crate::bundle::module_name::is_within(module, c))
    }

    /// Companions left out with them, and why: `(companion, excluded module)`.
    pub fn implied(&self) -> &[(String, String)] {
        &self.implied
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_module_takes_its_submodules_and_companions_along() {
        let e = Excludes::new(&["tkinter".into(), "ssl".into()]);
        assert!(e.contains("tkinter") && e.contains("tkinter.ttk"));
        assert!(e.contains("_tkinter") && e.contains("_ssl"));
        assert!(!e.contains("_hashlib") && !e.contains("tkinterx") && !e.contains("hashlib"));
        assert_eq!(
            e.implied(),
            [
                ("_tkinter".to_string(), "tkinter".to_string()),
                ("_ssl".to_string(), "ssl".to_string())
            ]
        );
    }
}
