//! The launcher stubs this pybundle carries, chosen by target: the one place that knows which
//! stub goes with which platform. `build.rs` builds the host's stub; other targets come later.

use crate::settings::Target;

/// The target triple the embedded stub was built for.
pub const HOST_TARGET: &str = env!("PYBUNDLE_STUB_TARGET");

static HOST_STUB: &[u8] = include_bytes!(env!("PYBUNDLE_STUB"));

/// The launcher for bundles that run on `target`, if this pybundle carries one.
pub fn for_target(target: Target) -> Option<&'static [u8]> {
    match target {
        Target::Host => Some(HOST_STUB),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_host_stub_is_the_one_built_for_this_machine() {
        assert!(HOST_TARGET.contains(std::env::consts::ARCH));
        assert_eq!(for_target(Target::Host), Some(HOST_STUB));
    }

    /// Every byte of the launcher is in every bundle; uv's trampoline is 45 KB. Ours holds the
    /// archive reader and zstd's decoder, and must stay under this.
    const STUB_BUDGET: usize = 512 * 1024;

    #[test]
    fn the_host_stub_fits_its_budget() {
        assert!(
            HOST_STUB.len() <= STUB_BUDGET,
            "the launcher is {} bytes, over its budget of {STUB_BUDGET}",
            HOST_STUB.len()
        );
    }
}
