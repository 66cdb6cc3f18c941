//! pybundle as a library: the build in stages (`pipeline`), the settings it runs from
//! (`settings`), and the commands that read finished bundles (`commands`). The `pybundle`
//! command (`main.rs`) is a thin layer over it; tests drive it in-process too.

pub mod analysis;
pub mod bundle;
pub mod cli;
pub mod collect;
pub mod commands;
pub mod error;
pub mod interrupt;
pub mod native;
pub mod output;
pub mod packages;
pub mod pipeline;
pub mod progress;
pub mod python;
pub mod sbom;
pub mod settings;
pub mod store;
