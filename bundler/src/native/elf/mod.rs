//! Shared libraries: reading an ELF file's dependencies ([`read`]), finding them the way the
//! dynamic loader would ([`search`]), leaving the base OS's own libraries out ([`system`]),
//! pointing bundled files at the bundle's library folder ([`patch`]), dropping debug
//! information and, with `--strip`, symbol tables ([`strip`]), the glibc they need
//! ([`glibc`]), and walking the whole closure for a bundle ([`closure`]).

pub mod closure;
pub mod glibc;
pub mod patch;
pub mod read;
pub mod search;
pub mod strip;
pub mod system;
