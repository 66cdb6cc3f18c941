//! The glibc a bundle needs: the newest `GLIBC_x.y` symbol version any of its ELF files asks
//! the loader for. A system with an older glibc cannot load that file, so this is the floor
//! of the Linux distributions the bundle runs on (manylinux wheels name the same number).

use std::fmt;

use goblin::elf::Elf;

/// A glibc version, `2.17`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct GlibcVersion(Vec<u32>);

impl GlibcVersion {
    /// `GLIBC_2.17` → 2.17; other version names (`GLIBC_PRIVATE`, `GLIBCXX_3.4`) → `None`.
    pub fn from_symbol_version(name: &str) -> Option<Self> {
        let numbers = name.strip_prefix("GLIBC_")?;
        let parts: Option<Vec<u32>> = numbers.split('.').map(|p| p.parse().ok()).collect();
        parts.filter(|p| p.len() >= 2).map(GlibcVersion)
    }
}

impl fmt::Display for GlibcVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.0.iter().map(u32::to_string).collect();
        f.write_str(&parts.join("."))
    }
}

/// The newest glibc version `elf` needs, if it needs any.
pub fn needed(elf: &Elf) -> Option<GlibcVersion> {
    let verneed = elf.verneed.as_ref()?;
    verneed
        .iter()
        .flat_map(|need| need.iter().collect::<Vec<_>>())
        .filter_map(|aux| elf.dynstrtab.get_at(aux.vna_name))
        .filter_map(GlibcVersion::from_symbol_version)
        .max()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_order_as_numbers() {
        let v = |s| GlibcVersion::from_symbol_version(s).unwrap();
        assert!(v("GLIBC_2.3.4") < v("GLIBC_2.17"));
        assert!(v("GLIBC_2.9") < v("GLIBC_2.17"));
        assert!(v("GLIBC_2.34") > v("GLIBC_2.3.4"));
        assert_eq!(v("GLIBC_2.28").to_string(), "2.28");
        assert_eq!(GlibcVersion::from_symbol_version("GLIBC_PRIVATE"), None);
        assert_eq!(GlibcVersion::from_symbol_version("GLIBCXX_3.4.29"), None);
    }

    #[test]
    fn this_test_binary_needs_some_glibc() {
        let bytes = std::fs::read(std::env::current_exe().unwrap()).unwrap();
        let elf = Elf::parse(&bytes).unwrap();
        let floor = needed(&elf).expect("a glibc-linked test binary");
        assert!(floor >= GlibcVersion(vec![2, 2]), "{floor}");
    }
}
