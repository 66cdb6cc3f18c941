//! What the write stage puts on a Windows launcher: its icon, version information, manifest
//! and subsystem ([`resources`]), the version information built from the project's fields
//! ([`version`]).

pub mod resources;
pub mod version;
