//! macOS executables and libraries: reading what a Mach-O file asks of the loader ([`read`])
//! and rewriting it to find its libraries in the bundle ([`patch`]), the whole closure for a
//! bundle ([`closure`]),
//! where the loader would look for each library it names ([`search`]), and which libraries
//! are macOS's own and stay out of a bundle ([`system`]).

pub mod closure;
pub mod patch;
pub mod read;
pub mod search;
pub mod system;
