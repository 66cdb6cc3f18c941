//! Windows executables and DLLs: the DLL closure of a bundle for Windows ([`closure`]), reading
//! a PE file's imports ([`read`]), and leaving Windows' own DLLs out ([`system`]). The
//! resources put on the launcher are the write stage's (`output/windows/`).

pub mod closure;
pub mod read;
pub mod system;
