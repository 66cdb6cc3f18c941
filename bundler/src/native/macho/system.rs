//! The libraries every Mac has, which a bundle for macOS never carries: what lives under
//! `/usr/lib/` (libSystem, libc++, libz, libobjc...) and Apple's frameworks under
//! `/System/Library/`. Since macOS 11 most of them are not even files on disk (they are in the
//! shared cache), so they cannot be bundled anyway. Homebrew's `/usr/local/lib` and
//! `/opt/homebrew/lib` are not the system's.

/// Is `name`, as a load command spells it, a part of macOS?
pub fn is_system(name: &str) -> bool {
    name.starts_with("/usr/lib/") || name.starts_with("/System/Library/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_apples_folders_are_the_system() {
        assert!(is_system("/usr/lib/libSystem.B.dylib"));
        assert!(is_system(
            "/System/Library/Frameworks/Cocoa.framework/Versions/A/Cocoa"
        ));
        assert!(!is_system("/usr/local/lib/libssl.3.dylib"));
        assert!(!is_system("/opt/homebrew/lib/libffi.8.dylib"));
        assert!(!is_system("@rpath/libpython3.12.dylib"));
    }
}
