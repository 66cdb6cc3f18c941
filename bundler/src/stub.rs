//! The launcher stubs this pybundle carries, chosen by target: the one place that knows which
//! stub goes with which platform. `build.rs` builds the host's stub; other targets come later.

/// The target triple the embedded stub was built for.
pub const HOST_TARGET: &str = env!("PYBUNDLE_STUB_TARGET");

static HOST_STUB: &[u8] = include_bytes!(env!("PYBUNDLE_STUB"));

/// The launcher for bundles that run on `target`, if this pybundle carries one.
pub fn for_target(target: &str) -> Option<&'static [u8]> {
    (target == HOST_TARGET).then_some(HOST_STUB)
}
