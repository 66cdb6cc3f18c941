//! A shared library as a component of the SBOM: its name without a vendoring hash, its version
//! (OpenSSL's release read from it, its system package's, its PE version resource, or what its
//! file name carries) and, for one from the machine's packages, that package and its
//! copyright file.

use serde_json::{json, Value};

use crate::native::system_package::SystemPackage;

/// A shared library the link stage found outside any distribution (the runtime's libssl,
/// libffi, a system library the app needs), at `path` in the bundle, with its bytes' SHA-256
/// `hash`; `package` is the system package it came from, whose copyright file the bundle
/// carries at `licence_file`.
pub fn component(
    path: &str,
    bytes: &[u8],
    hash: String,
    package: Option<(&SystemPackage, &str)>,
) -> Value {
    let name = name(path);
    let mut properties = vec![json!({"name": "pybundle:path", "value": path})];
    let mut component = json!({
        "type": "library",
        "bom-ref": format!("file:{path}"),
        "name": name,
        "hashes": [{"alg": "SHA-256", "content": hash}],
    });
    let openssl = (name.starts_with("libssl") || name.starts_with("libcrypto"))
        .then(|| openssl_version(bytes))
        .flatten();
    if let Some(version) = &openssl {
        component["cpe"] = json!(format!("cpe:2.3:a:openssl:openssl:{version}:*:*:*:*:*:*:*"));
        component["description"] = json!(format!("OpenSSL {version}"));
    }
    let version = openssl
        .or_else(|| package.map(|(p, _)| p.upstream_version().to_string()))
        .or_else(|| version(path, bytes));
    if let Some(version) = version {
        component["version"] = json!(version);
    }
    if let Some((package, licence_file)) = package {
        component["purl"] = json!(package.purl());
        let distro = package.distro.as_deref().unwrap_or("the system");
        properties.push(json!({
            "name": "pybundle:package",
            "value": format!("{} {} ({distro})", package.name, package.version),
        }));
        properties.push(json!({"name": "pybundle:licence-file", "value": licence_file}));
    }
    component["properties"] = Value::Array(properties);
    component
}

/// libssl carries no version string of its own: give it the release and CPE libcrypto's
/// names, among `libraries` (components).
pub fn date_libssl(libraries: &mut [Value]) {
    let openssl = (libraries.iter())
        .find(|l| l["cpe"].as_str().is_some_and(|c| c.contains(":openssl:")))
        .map(|l| (l["version"].clone(), l["cpe"].clone()));
    let Some((version, cpe)) = openssl else {
        return;
    };
    for lib in libraries.iter_mut().filter(|l| l["cpe"].is_null()) {
        if lib["name"]
            .as_str()
            .is_some_and(|n| n.starts_with("libssl"))
        {
            lib["version"] = version.clone();
            lib["cpe"] = cpe.clone();
        }
    }
}

/// The version a library's own bytes or file name carry: a DLL's version resource, else the
/// soname's numbers.
pub fn version(path: &str, bytes: &[u8]) -> Option<String> {
    let lower = path.to_ascii_lowercase();
    if lower.ends_with(".dll") || lower.ends_with(".pyd") {
        return pe_version(bytes);
    }
    soname_version(path)
}

/// Is `path` (in a distribution) a shared library it carries, not an extension module?
pub fn is_vendored(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let lower = name.to_ascii_lowercase();
    let shared = lower.ends_with(".dll") || lower.contains(".so.") || lower.ends_with(".so");
    let extension_module = lower.ends_with(".pyd")
        || lower.contains(".cpython-")
        || lower.contains(".abi3.")
        || (lower.ends_with(".so") && !lower.starts_with("lib"));
    shared && !extension_module
}

/// A library's name from its file name: `libssl.so.3` → `libssl`; `libgfortran-040039e1.so.5.0.0`
/// (auditwheel's copy) → `libgfortran`; `Qt6Core.dll` → `Qt6Core`.
pub fn name(path: &str) -> String {
    let file = path.rsplit('/').next().unwrap_or(path);
    let stem = file
        .split(".so")
        .next()
        .unwrap_or(file)
        .trim_end_matches(".dll")
        .trim_end_matches(".DLL");
    // auditwheel appends `-<8 hex digits>` to the libraries it vendors, delvewheel 8 or 32,
    // once per wheel that vendored it (numpy's libgfortran came through scipy-openblas's).
    let mut name = stem;
    while let Some((base, hash)) = name.rsplit_once('-') {
        if !matches!(hash.len(), 8 | 32) || !hash.chars().all(|c| c.is_ascii_hexdigit()) {
            break;
        }
        name = base;
    }
    name.to_string()
}

/// The OpenSSL release a libssl or libcrypto carries in its version string
/// (`OpenSSL 3.0.17 1 Jul 2025`).
fn openssl_version(bytes: &[u8]) -> Option<String> {
    const MARK: &[u8] = b"OpenSSL ";
    let mut at = 0;
    while let Some(i) = bytes[at..].windows(MARK.len()).position(|w| w == MARK) {
        let rest = &bytes[at + i + MARK.len()..];
        let version: Vec<u8> = (rest.iter())
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'.')
            .copied()
            .collect();
        let text = String::from_utf8(version).ok()?;
        let mut parts = text.split('.');
        let numbered = parts.next().is_some_and(|p| p.parse::<u32>().is_ok())
            && parts.next().is_some_and(|p| p.parse::<u32>().is_ok());
        if numbered && rest.get(text.len()) == Some(&b' ') {
            return Some(text);
        }
        at += i + MARK.len();
    }
    None
}

/// The version a shared library's file name carries (`libsqlite3.so.0.8.6` → `0.8.6`).
fn soname_version(path: &str) -> Option<String> {
    let file = path.rsplit('/').next().unwrap_or(path);
    let (_, version) = file.split_once(".so.")?;
    version
        .split('.')
        .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
        .then(|| version.to_string())
}

/// A PE file's version as its version resource's fixed part says (`VS_FIXEDFILEINFO`'s file
/// version: `14.38.33135.0` for vcruntime140.dll).
fn pe_version(bytes: &[u8]) -> Option<String> {
    // The fixed part starts with its signature, then its structure's version (1.0), then the
    // file version's two halves.
    const SIGNATURE: [u8; 8] = [0xbd, 0x04, 0xef, 0xfe, 0x00, 0x00, 0x01, 0x00];
    let at = bytes.windows(8).position(|w| w == SIGNATURE)?;
    let word = |i: usize| -> Option<u32> {
        let b = bytes.get(at + i..at + i + 4)?;
        Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    let (high, low) = (word(8)?, word(12)?);
    Some(format!(
        "{}.{}.{}.{}",
        high >> 16,
        high & 0xffff,
        low >> 16,
        low & 0xffff
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libraries_are_named_without_their_vendoring_hash() {
        assert_eq!(name("libssl.so.3"), "libssl");
        assert_eq!(
            name("numpy.libs/libgfortran-040039e1.so.5.0.0"),
            "libgfortran"
        );
        assert_eq!(name("PySide6/Qt6Core.dll"), "Qt6Core");
        assert_eq!(
            name(
                "numpy.libs/libopenblas64__v0.3.23-gcc_10_3_0-2bde3a66a51006b2b53eb373ff767a3f.dll"
            ),
            "libopenblas64__v0.3.23-gcc_10_3_0"
        );
        assert_eq!(
            soname_version("lib/libsqlite3.so.0.8.6").as_deref(),
            Some("0.8.6")
        );
        assert_eq!(soname_version("libffi.so"), None);
        assert_eq!(
            name("numpy.libs/libgfortran-040039e1-0352e75f.so.5.0.0"),
            "libgfortran"
        );
        let lib = b"\0OpenSSL 1.1.1 x\0OpenSSL 3.0.17 1 Jul 2025\0";
        assert_eq!(openssl_version(b"OpenSSL version %s\0"), None);
        assert_eq!(openssl_version(lib).as_deref(), Some("1.1.1"));
    }

    #[test]
    fn extension_modules_are_not_vendored_libraries() {
        assert!(is_vendored("numpy.libs/libscipy_openblas64_-ff651d7f.so"));
        assert!(is_vendored("PySide6/Qt/lib/libQt6Core.so.6"));
        assert!(!is_vendored(
            "numpy/_core/_multiarray_umath.cpython-311-x86_64-linux-gnu.so"
        ));
        assert!(!is_vendored("yaml/_yaml.pyd"));
        assert!(!is_vendored("numpy/__init__.pyc"));
    }

    #[test]
    fn a_dlls_version_is_its_version_resources() {
        let mut dll = b"MZ....".to_vec();
        dll.extend([0xbd, 0x04, 0xef, 0xfe, 0, 0, 1, 0]);
        dll.extend((14u32 << 16 | 38).to_le_bytes());
        dll.extend((33135u32 << 16).to_le_bytes());
        assert_eq!(
            version("VCRUNTIME140.dll", &dll).as_deref(),
            Some("14.38.33135.0")
        );
        assert_eq!(version("VCRUNTIME140.dll", b"MZ no resource"), None);
        assert_eq!(version("lib/libffi.so.8", b""), Some("8".into()));
    }
}
