//! macOS executables and libraries: reading what a Mach-O file asks of the loader ([`read`]),
//! where the loader would look for each library it names ([`search`]), which libraries are
//! macOS's own and stay out of a bundle ([`system`]), rewriting a file to find its libraries
//! in the bundle ([`patch`]) and signing it again, ad hoc ([`sign`]) or with a Developer ID
//! ([`signer`]), and the whole closure for a bundle ([`closure`]). Universal files are taken
//! apart and put together by [`fat`]; two trees built one per CPU are joined by [`join`].

pub mod closure;
pub mod fat;
pub mod join;
pub mod patch;
pub mod read;
pub mod search;
pub mod sign;
pub mod signer;
pub mod system;
