//! The link stage: the shared libraries a bundle's native files need, found as each format's
//! loader would find them and added to the bundle (`elf/` for Linux, `pe/` for Windows,
//! `macho/` for macOS), with what they found in one result (`closure`); and which system
//! package a library came from (`system_package`, for the SBOM).

pub mod closure;
pub mod elf;
pub mod macho;
pub mod pe;
pub mod system_package;
