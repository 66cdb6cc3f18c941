//! pybundle as a library: the build in stages (`pipeline`), the settings it runs from
//! (`settings`), and the commands that read finished bundles (`commands`). The `pybundle`
//! command (`main.rs`) is a thin layer over it; tests drive it in-process too.

pub mod about;
pub mod analysis;
pub mod app;
pub mod bootstrap;
pub mod cache;
pub mod cli;
pub mod closure;
pub mod commands;
pub mod compile;
pub mod contents;
pub mod elf;
pub mod error;
pub mod excludes;
pub mod interpreter;
pub mod interrupt;
pub mod layout;
pub mod module_store;
pub mod output;
pub mod packages;
pub mod pe;
pub mod pipeline;
pub mod progress;
pub mod pyzip;
pub mod record;
pub mod runtime;
pub mod settings;
pub mod spec_file;
pub mod specpath;
pub mod stub;
pub mod summary;
pub mod target;
pub mod unpack;
pub mod workpath;
