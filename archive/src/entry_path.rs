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

/// A path in `paths` that another path uses as a folder (`a` beside `a/b`): such a set cannot
/// be unpacked, so writer and reader both refuse it.
pub fn file_used_as_folder<S: std::borrow::Borrow<str> + Ord>(
    paths: &std::collections::BTreeSet<S>,
) -> Option<&str> {
    paths.iter().find_map(|path| {
        let path: &str = path.borrow();
        path.match_indices('/')
            .map(|(at, _)| &path[..at])
            .find(|folder| paths.contains(*folder))
    })
}

#[cfg(test)]
mod tests {
    use super::{file_used_as_folder, is_safe};

    #[test]
    fn finds_a_file_used_as_a_folder() {
        let set = |v: &[&'static str]| v.iter().copied().collect::<std::collections::BTreeSet<_>>();
        assert_eq!(file_used_as_folder(&set(&["a", "a/b"])), Some("a"));
        assert_eq!(file_used_as_folder(&set(&["a/b/c", "a/b"])), Some("a/b"));
        assert_eq!(file_used_as_folder(&set(&["a/b", "a/c", "ab"])), None);
    }

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
