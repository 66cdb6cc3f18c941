//! The CPython versions pybundle bundles, and why one outside them cannot be (a leaf, so the
//! interpreter's query and the error it becomes can both name it).

/// The CPython minor versions pybundle bundles: 3.8 to 3.15 (docs/cli.md says how each is
/// tested).
pub const SUPPORTED_MINORS: std::ops::RangeInclusive<u32> = 8..=15;

/// `3.8 to 3.15`.
pub fn supported() -> String {
    format!(
        "3.{} to 3.{}",
        SUPPORTED_MINORS.start(),
        SUPPORTED_MINORS.end()
    )
}

fn supported_oldest() -> String {
    format!("3.{}", SUPPORTED_MINORS.start())
}

/// Why CPython `version` (`3.14.2`), free-threaded or not, cannot be bundled; `None` when it
/// can.
pub fn unsupported(version: &str, gil_disabled: bool) -> Option<Unsupported> {
    let mut parts = version.split('.').map(|p| p.parse::<u32>().ok());
    let (Some(Some(3)), Some(Some(minor))) = (parts.next(), parts.next()) else {
        return Some(Unsupported::TooOld);
    };
    if minor < *SUPPORTED_MINORS.start() {
        return Some(Unsupported::TooOld);
    }
    if minor > *SUPPORTED_MINORS.end() {
        return Some(Unsupported::TooNew);
    }
    gil_disabled.then_some(Unsupported::FreeThreaded { minor })
}

/// Why an interpreter's version cannot be bundled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unsupported {
    #[error(
        "is older than pybundle supports ({}); pass --python with a CPython {} or newer",
        supported(),
        supported_oldest()
    )]
    TooOld,
    #[error(
        "is newer than pybundle supports ({}); pass --python with one of those",
        supported()
    )]
    TooNew,
    #[error("is a free-threaded build (PEP 703), which pybundle cannot bundle yet: its extension modules and library differ; pass --python with the same version's default build (python3.{minor}, not python3.{minor}t)")]
    FreeThreaded { minor: u32 },
}
