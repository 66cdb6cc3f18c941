//! The two Pythons of a build: the interpreter it is built from (`interpreter`, which also
//! compiles the app's bytecode, `compile`), and the CPython the bundle carries (`runtime`: that
//! interpreter's own, or a `--runtime` folder or archive, unpacked into the user's cache by
//! `unpack` and `user_cache`).

pub mod compile;
pub mod interpreter;
pub mod runtime;
pub mod unpack;
pub mod user_cache;
pub mod versions;
