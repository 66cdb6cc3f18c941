//! Windows executables and DLLs: the DLL closure of a bundle for Windows ([`closure`]), leaving
//! Windows' own DLLs out ([`system`]), and the resources pybundle puts on the launcher: icon,
//! version information, manifest and subsystem ([`resources`]).

pub mod closure;
pub mod read;
pub mod resources;
pub mod system;
pub mod version;
