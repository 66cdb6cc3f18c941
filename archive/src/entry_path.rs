//! Which relative paths an archive may hold. Both the writer and the reader apply the same rule,
//! so a bundle that builds is a bundle that unpacks, and a hand-made archive cannot escape the
//! folder it is unpacked into.

/// Longest path accepted, in bytes.
pub const MAX_PATH_LEN: usize = 4096;

/// True when `path` is a plain relative path: `/`-separated, no empty, `.` or `..` components,
/// no leading `/`, no NUL or backslash.
pub fn is_safe(path: &str) -> bool {
    !path.is_empty()
        && path.len() <= MAX_PATH_LEN
        && !path.contains(['\0', '\\'])
        && path
            .split('/')
            .all(|part| !part.is_empty() && part != "." && part != "..")
}

#[cfg(test)]
mod tests {
    use super::is_safe;

    #[test]
    fn accepts_plain_relative_paths() {
        assert!(is_safe("app.pyc"));
        assert!(is_safe("_python/lib/python3.11/os.pyc"));
        assert!(is_safe("..data/x"));
    }

    #[test]
    fn refuses_escapes_and_oddities() {
        for bad in [
            "",
            "/etc/passwd",
            "a/../../b",
            "..",
            ".",
            "a//b",
            "a/",
            "./a",
            "a\\b",
            "a\0b",
        ] {
            assert!(!is_safe(bad), "{bad:?} accepted");
        }
        assert!(!is_safe(&"a".repeat(MAX_PATH_LEN + 1)));
    }

    use super::MAX_PATH_LEN;
}
