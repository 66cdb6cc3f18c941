//! The pybundle archive format, shared by the bundler (which writes it) and the launcher stub
//! (which reads it). `docs/format.md` is the prose specification; this crate is its only
//! implementation.
//!
//! An executable is `stub ++ payload ++ manifest ++ trailer`. The fixed-size [`trailer`] at the
//! very end locates the rest and carries a hash over all of it; the [`manifest`] describes how to
//! launch the app and where each file's bytes live in the payload's zstd chunks. Nothing here is
//! target-specific: the same format carries Linux, Windows and macOS payloads.

pub mod cache;
pub mod entry_path;
pub mod error;
pub mod manifest;
mod platform;
pub mod reader;
mod signed;
pub mod trailer;
#[cfg(feature = "write")]
pub mod writer;

pub use error::FormatError;
pub use manifest::{Chunk, FileEntry, Launch, Manifest, Mode, Signals, Unpack};
pub use reader::{trailer_of, Bundle, Difference};
pub use trailer::Trailer;

/// Every chunk's zstd frame uses a window of at most 2^20 bytes. The launcher decodes with
/// no larger window, so its memory stays small (about 1 MiB per unpacking thread) and a
/// frame asking for more is refused as damage rather than allocated.
pub const WINDOW_LOG: u32 = 20;

/// The hash that guards trailer, manifest and payload.
pub(crate) fn new_hasher() -> xxhash_rust::xxh3::Xxh3 {
    xxhash_rust::xxh3::Xxh3::new()
}
