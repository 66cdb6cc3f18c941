//! The manifest: how to launch the app and which files make up its root.
//!
//! Binary, little-endian. Strings are a `u32` length and UTF-8 bytes. Every count and length is
//! checked against the bytes that remain before anything is allocated, so a damaged manifest is
//! an error, never an out-of-memory.
//!
//! ```text
//! "PBMF" u8:mode u8:flags u8[2]:0     mode 1 onefile, 2 onedir; flags below
//! str:name str:python str:bootstrap str:library_dir
//! u32:option_count { str:option }*    interpreter options (-O, -v, -X dev, ...)
//! [onedir] str:contents_dir           the folder beside the executable ("." = its own,
//!                                      "../NAME" beside its folder)
//! u8:has_runtime_tmpdir [str:runtime_tmpdir]
//! u32:chunk_count  { u64:offset u64:compressed_len u64:raw_len }*
//! u32:file_count   { str:path u32:mode u32:chunk u64:offset u64:size u64:xxh3 }*
//! ```
//!
//! Flags: bit 0 a onefile app unpacks into the user's cache; bit 1 the launcher ignores the
//! signals it would forward; bit 2 the launcher says what it does on stderr.
//!
//! Onefile: files are stored in chunk order and, within a chunk, back to back from offset 0,
//! so the launcher unpacks by streaming each chunk once. Onedir: there are no chunks; the
//! files are the ones written beside the executable, listed (chunk and offset zero) so that
//! `pybundle verify` can check each of them.

use std::collections::BTreeSet;

use crate::{entry_path, FormatError};

const MAGIC: &[u8; 4] = b"PBMF";

/// The most a zstd frame can expand: a block holds at most 128 KiB and even a one-byte RLE
/// block costs four bytes, so a chunk claiming more than this many bytes per compressed byte
/// is damage (and a size of 2^60 is refused here, not discovered while writing it out).
pub const MAX_EXPANSION: u64 = 32 * 1024;

/// At most this many interpreter options, each at most [`MAX_OPTION_LEN`] bytes.
const MAX_OPTIONS: usize = 64;
const MAX_OPTION_LEN: usize = 4096;

const FLAG_CACHED: u8 = 1;
const FLAG_IGNORE_SIGNALS: u8 = 2;
const FLAG_TRACE: u8 = 4;

/// Where a bundle's root is at run time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// The payload is unpacked at launch; see [`Unpack`].
    Onefile { unpack: Unpack },
    /// The root is a folder beside the executable; the payload is empty.
    Onedir {
        /// Its name: `_internal` by default, `.` for the executable's own folder.
        contents_dir: String,
    },
}

/// Where a onefile app unpacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unpack {
    /// A fresh private folder at each launch, removed when the app's processes are done.
    Temporary,
    /// Once into the user's cache, reused while intact (`--runtime-cache`).
    Cached,
}

/// What the launcher does with the signals a user or service manager sends it while a onefile
/// app runs as its child.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signals {
    /// Pass SIGINT, SIGTERM, SIGHUP and SIGQUIT on to the app (the default).
    Forward,
    /// Ignore them: whoever sent them signals the app's process group too
    /// (`--bootloader-ignore-signals`).
    Ignore,
}

/// How the launcher runs the app, as paths relative to the bundle root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Launch {
    /// The CPython shared library the launcher loads (`lib/libpython3.11.so.1.0`).
    pub python: String,
    /// The compiled bootstrap the interpreter runs first.
    pub bootstrap: String,
    /// Where the bundled shared libraries are (put on the loader's path); empty for the root
    /// itself (Windows bundles).
    pub library_dir: String,
    /// Interpreter command-line options, placed before the bootstrap (`-O`, `-v`, `-X dev`).
    pub options: Vec<String>,
    pub signals: Signals,
    /// The launcher says on stderr what it is doing (`--debug bootloader`).
    pub trace: bool,
}

/// One independently compressed zstd frame of the payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chunk {
    /// Offset from the start of the payload.
    pub offset: u64,
    pub compressed_len: u64,
    pub raw_len: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEntry {
    pub path: String,
    /// Unix permission bits.
    pub mode: u32,
    /// Onefile: the chunk holding the file. Onedir: zero.
    pub chunk: u32,
    /// Onefile: offset inside the chunk's decompressed bytes. Onedir: zero.
    pub offset: u64,
    pub size: u64,
    /// XXH3-64 of the file's bytes: checked as it is unpacked, and whenever an unpacked or
    /// onedir copy is checked for damage.
    pub hash: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    pub mode: Mode,
    pub name: String,
    pub launch: Launch,
    pub runtime_tmpdir: Option<String>,
    pub chunks: Vec<Chunk>,
    pub files: Vec<FileEntry>,
}

impl Manifest {
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(MAGIC);
        let mut flags = 0;
        let mode = match &self.mode {
            Mode::Onefile { unpack } => {
                if *unpack == Unpack::Cached {
                    flags |= FLAG_CACHED;
                }
                1
            }
            Mode::Onedir { .. } => 2,
        };
        if self.launch.signals == Signals::Ignore {
            flags |= FLAG_IGNORE_SIGNALS;
        }
        if self.launch.trace {
            flags |= FLAG_TRACE;
        }
        out.extend_from_slice(&[mode, flags, 0, 0]);
        for s in [
            &self.name,
            &self.launch.python,
            &self.launch.bootstrap,
            &self.launch.library_dir,
        ] {
            put_str(&mut out, s);
        }
        out.extend_from_slice(&(self.launch.options.len() as u32).to_le_bytes());
        for option in &self.launch.options {
            put_str(&mut out, option);
        }
        if let Mode::Onedir { contents_dir } = &self.mode {
            put_str(&mut out, contents_dir);
        }
        match &self.runtime_tmpdir {
            Some(dir) => {
                out.push(1);
                put_str(&mut out, dir);
            }
            None => out.push(0),
        }
        out.extend_from_slice(&(self.chunks.len() as u32).to_le_bytes());
        for c in &self.chunks {
            for n in [c.offset, c.compressed_len, c.raw_len] {
                out.extend_from_slice(&n.to_le_bytes());
            }
        }
        out.extend_from_slice(&(self.files.len() as u32).to_le_bytes());
        for f in &self.files {
            put_str(&mut out, &f.path);
            out.extend_from_slice(&f.mode.to_le_bytes());
            out.extend_from_slice(&f.chunk.to_le_bytes());
            out.extend_from_slice(&f.offset.to_le_bytes());
            out.extend_from_slice(&f.size.to_le_bytes());
            out.extend_from_slice(&f.hash.to_le_bytes());
        }
        out
    }

    /// Parse and validate a manifest whose payload is `payload_len` bytes long.
    pub fn decode(bytes: &[u8], payload_len: u64) -> Result<Self, FormatError> {
        let mut r = Cursor { bytes, at: 0 };
        if r.take(4)? != MAGIC {
            return Err(FormatError::Damaged("the manifest has no magic"));
        }
        let header = r.take(4)?;
        let (mode, flags) = (header[0], header[1]);
        if header[2..] != [0, 0] || flags & !(FLAG_CACHED | FLAG_IGNORE_SIGNALS | FLAG_TRACE) != 0 {
            return Err(FormatError::Damaged("the manifest has unknown flags"));
        }
        let name = r.string()?;
        let python = r.safe_path()?;
        let bootstrap = r.safe_path()?;
        let library_dir = r.string()?;
        if !library_dir.is_empty() && !entry_path::is_safe(&library_dir) {
            return Err(FormatError::UnsafePath(library_dir));
        }
        let option_count = r.count(4)?;
        if option_count > MAX_OPTIONS {
            return Err(FormatError::Damaged("the manifest has too many options"));
        }
        let mut options = Vec::with_capacity(option_count);
        for _ in 0..option_count {
            let option = r.string()?;
            if option.is_empty() || option.len() > MAX_OPTION_LEN || option.contains('\0') {
                return Err(FormatError::Damaged("the manifest has a bad option"));
            }
            options.push(option);
        }
        let launch = Launch {
            python,
            bootstrap,
            library_dir,
            options,
            signals: if flags & FLAG_IGNORE_SIGNALS != 0 {
                Signals::Ignore
            } else {
                Signals::Forward
            },
            trace: flags & FLAG_TRACE != 0,
        };
        let mode = match mode {
            1 => Mode::Onefile {
                unpack: if flags & FLAG_CACHED != 0 {
                    Unpack::Cached
                } else {
                    Unpack::Temporary
                },
            },
            2 if flags & FLAG_CACHED == 0 => {
                let contents_dir = r.string()?;
                if !is_contents_dir(&contents_dir) {
                    return Err(FormatError::UnsafePath(contents_dir));
                }
                Mode::Onedir { contents_dir }
            }
            _ => return Err(FormatError::Damaged("the manifest names an unknown mode")),
        };
        let runtime_tmpdir = match r.u8()? {
            0 => None,
            1 => Some(r.string()?),
            _ => return Err(FormatError::Damaged("the manifest has a bad flag")),
        };

        let chunk_count = r.count(24)?;
        let mut chunks = Vec::with_capacity(chunk_count);
        let mut expected_offset = 0u64;
        for _ in 0..chunk_count {
            let chunk = Chunk {
                offset: r.u64()?,
                compressed_len: r.u64()?,
                raw_len: r.u64()?,
            };
            if chunk.raw_len > chunk.compressed_len.saturating_mul(MAX_EXPANSION) {
                return Err(FormatError::Damaged(
                    "a chunk claims more bytes than it can hold",
                ));
            }
            if chunk.offset != expected_offset {
                return Err(FormatError::Damaged("the chunks are not contiguous"));
            }
            expected_offset = chunk
                .offset
                .checked_add(chunk.compressed_len)
                .ok_or(FormatError::Damaged("a chunk length overflows"))?;
            chunks.push(chunk);
        }
        if expected_offset != payload_len {
            return Err(FormatError::Damaged(
                "the chunks do not fill the payload exactly",
            ));
        }
        let onedir = matches!(mode, Mode::Onedir { .. });
        if onedir && !chunks.is_empty() {
            return Err(FormatError::Damaged(
                "a folder-mode manifest carries a payload",
            ));
        }

        let file_count = r.count(4 + 4 + 4 + 8 + 8 + 8)?;
        let mut files = Vec::with_capacity(file_count);
        let mut seen = BTreeSet::new();
        // Where the next file of the current chunk must start.
        let mut cursor = (0u32, 0u64);
        for _ in 0..file_count {
            let entry = FileEntry {
                path: r.safe_path()?,
                mode: r.u32()?,
                chunk: r.u32()?,
                offset: r.u64()?,
                size: r.u64()?,
                hash: r.u64()?,
            };
            if entry.mode & !0o777 != 0 {
                return Err(FormatError::Damaged("a file has unknown mode bits"));
            }
            if onedir {
                if entry.chunk != 0 || entry.offset != 0 {
                    return Err(FormatError::Damaged(
                        "a folder-mode file claims a place in a payload",
                    ));
                }
            } else {
                if entry.chunk != cursor.0 {
                    // Moving on: the previous chunk must be exactly used up.
                    if entry.chunk != cursor.0 + 1 || !chunk_filled(&chunks, cursor) {
                        return Err(FormatError::Damaged("the files are out of chunk order"));
                    }
                    cursor = (entry.chunk, 0);
                }
                if entry.offset != cursor.1 {
                    return Err(FormatError::Damaged("the files are not back to back"));
                }
                cursor.1 = entry
                    .offset
                    .checked_add(entry.size)
                    .ok_or(FormatError::Damaged("a file size overflows"))?;
                let chunk = chunks
                    .get(entry.chunk as usize)
                    .ok_or(FormatError::Damaged("a file names a missing chunk"))?;
                if cursor.1 > chunk.raw_len {
                    return Err(FormatError::Damaged("a file runs past its chunk"));
                }
            }
            if !seen.insert(entry.path.clone()) {
                return Err(FormatError::DuplicatePath(entry.path));
            }
            files.push(entry);
        }
        let all_used = if chunks.is_empty() {
            onedir || files.is_empty()
        } else {
            cursor.0 as usize + 1 == chunks.len() && chunk_filled(&chunks, cursor)
        };
        if !all_used {
            return Err(FormatError::Damaged(
                "the files do not account for every chunk",
            ));
        }
        if let Some(path) = entry_path::file_used_as_folder(&seen) {
            return Err(FormatError::FileIsFolder(path.to_string()));
        }
        if r.at != bytes.len() {
            return Err(FormatError::Damaged("the manifest has trailing bytes"));
        }
        Ok(Manifest {
            mode,
            name,
            launch,
            runtime_tmpdir,
            chunks,
            files,
        })
    }
}

fn chunk_filled(chunks: &[Chunk], (index, end): (u32, u64)) -> bool {
    chunks.get(index as usize).is_some_and(|c| c.raw_len == end)
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as u32).to_le_bytes());
    out.extend_from_slice(s.as_bytes());
}

struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], FormatError> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&end| end <= self.bytes.len())
            .ok_or_else(FormatError::truncated)?;
        let out = &self.bytes[self.at..end];
        self.at = end;
        Ok(out)
    }

    fn u8(&mut self) -> Result<u8, FormatError> {
        Ok(self.take(1)?[0])
    }

    fn u32(&mut self) -> Result<u32, FormatError> {
        let mut b = [0u8; 4];
        b.copy_from_slice(self.take(4)?);
        Ok(u32::from_le_bytes(b))
    }

    fn u64(&mut self) -> Result<u64, FormatError> {
        let mut b = [0u8; 8];
        b.copy_from_slice(self.take(8)?);
        Ok(u64::from_le_bytes(b))
    }

    /// A count of records of at least `min_record` bytes each, checked against what remains.
    fn count(&mut self, min_record: usize) -> Result<usize, FormatError> {
        let n = self.u32()? as usize;
        let remaining = self.bytes.len() - self.at;
        if n.checked_mul(min_record)
            .is_none_or(|need| need > remaining)
        {
            return Err(FormatError::Damaged(
                "the manifest claims more entries than it holds",
            ));
        }
        Ok(n)
    }

    fn string(&mut self) -> Result<String, FormatError> {
        let len = self.u32()? as usize;
        let raw = self.take(len)?;
        String::from_utf8(raw.to_vec())
            .map_err(|_| FormatError::Damaged("the manifest holds a string that is not UTF-8"))
    }

    fn safe_path(&mut self) -> Result<String, FormatError> {
        let path = self.string()?;
        if entry_path::is_safe(&path) {
            Ok(path)
        } else {
            Err(FormatError::UnsafePath(path))
        }
    }
}

/// A onedir's root: `contents_dir` in `exe_dir`, the executable's folder, with a leading `../`
/// taken as its parent (`Contents/Resources` for `Contents/MacOS` of an app), so that
/// `sys._MEIPASS` and what pybundle prints name it plainly.
pub fn onedir_root(exe_dir: &std::path::Path, contents_dir: &str) -> std::path::PathBuf {
    match contents_dir.strip_prefix("../") {
        _ if contents_dir == "." => exe_dir.to_path_buf(),
        Some(rest) => exe_dir.parent().unwrap_or(exe_dir).join(rest),
        None => exe_dir.join(contents_dir),
    }
}

/// May a onedir manifest name `dir` as its root, beside the executable? `.` (the executable's
/// own folder), a safe relative path (`_internal`), or one beside the executable's folder
/// (`../Resources`: a macOS app's root, seen from `Contents/MacOS`).
pub fn is_contents_dir(dir: &str) -> bool {
    dir == "." || entry_path::is_safe(dir.strip_prefix("../").unwrap_or(dir))
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn sample() -> Manifest {
        Manifest {
            mode: Mode::Onefile {
                unpack: Unpack::Cached,
            },
            name: "hello".into(),
            launch: Launch {
                python: "lib/libpython3.11.so.1.0".into(),
                bootstrap: "_pybundle_boot.pyc".into(),
                library_dir: "lib".into(),
                options: vec!["-O".into(), "-X".into(), "dev".into()],
                signals: Signals::Ignore,
                trace: true,
            },
            runtime_tmpdir: Some("/var/tmp".into()),
            chunks: vec![
                Chunk {
                    offset: 0,
                    compressed_len: 10,
                    raw_len: 30,
                },
                Chunk {
                    offset: 10,
                    compressed_len: 5,
                    raw_len: 7,
                },
            ],
            files: vec![
                FileEntry {
                    path: "a".into(),
                    mode: 0o644,
                    chunk: 0,
                    offset: 0,
                    size: 10,
                    hash: 1,
                },
                FileEntry {
                    path: "b/c".into(),
                    mode: 0o755,
                    chunk: 0,
                    offset: 10,
                    size: 20,
                    hash: 2,
                },
                FileEntry {
                    path: "d".into(),
                    mode: 0o644,
                    chunk: 1,
                    offset: 0,
                    size: 7,
                    hash: 3,
                },
            ],
        }
    }

    #[test]
    fn round_trips() {
        let m = sample();
        assert_eq!(Manifest::decode(&m.encode(), 15).unwrap(), m);
    }

    /// A onedir manifest: no payload, the files listed for `verify`.
    fn onedir_sample() -> Manifest {
        let mut m = sample();
        m.mode = Mode::Onedir {
            contents_dir: "_internal".into(),
        };
        m.launch.signals = Signals::Forward;
        m.chunks.clear();
        for f in &mut m.files {
            f.chunk = 0;
            f.offset = 0;
        }
        m
    }

    #[test]
    fn onedir_round_trips_and_lists_its_files() {
        let m = onedir_sample();
        assert_eq!(Manifest::decode(&m.encode(), 0).unwrap(), m);
        let mut dot = onedir_sample();
        dot.mode = Mode::Onedir {
            contents_dir: ".".into(),
        };
        assert_eq!(Manifest::decode(&dot.encode(), 0).unwrap(), dot);
        let mut app = onedir_sample();
        app.mode = Mode::Onedir {
            contents_dir: "../Resources".into(),
        };
        assert_eq!(Manifest::decode(&app.encode(), 0).unwrap(), app);
        let root = |exe_dir: &str, dir: &str| onedir_root(std::path::Path::new(exe_dir), dir);
        assert_eq!(
            root("/a/App.app/Contents/MacOS", "../Resources"),
            std::path::Path::new("/a/App.app/Contents/Resources")
        );
        assert_eq!(
            root("/a/app", "_internal"),
            std::path::Path::new("/a/app/_internal")
        );
        assert_eq!(root("/a/app", "."), std::path::Path::new("/a/app"));
        assert_eq!(root("/", "../x"), std::path::Path::new("/x"));
        for bad in ["..", "/abs", "a/../b", "", "../..", "../../x", "../", "./x"] {
            let mut m = onedir_sample();
            m.mode = Mode::Onedir {
                contents_dir: bad.into(),
            };
            assert!(Manifest::decode(&m.encode(), 0).is_err(), "{bad:?}");
        }
        // A onedir file cannot claim a place in a payload.
        let mut m = onedir_sample();
        m.files[1].offset = 3;
        assert!(Manifest::decode(&m.encode(), 0).is_err());
        // Nor can a onedir manifest carry one.
        let mut m = onedir_sample();
        m.chunks = sample().chunks;
        assert!(Manifest::decode(&m.encode(), 15).is_err());
    }

    #[test]
    fn options_are_bounded() {
        let mut m = sample();
        m.launch.options = vec!["-v".into(); MAX_OPTIONS + 1];
        assert!(Manifest::decode(&m.encode(), 15).is_err());
        let mut m = sample();
        m.launch.options = vec![String::new()];
        assert!(Manifest::decode(&m.encode(), 15).is_err());
    }

    #[test]
    fn every_truncation_is_an_error() {
        let bytes = sample().encode();
        for len in 0..bytes.len() {
            assert!(
                Manifest::decode(&bytes[..len], 15).is_err(),
                "accepted {len} bytes"
            );
        }
    }

    #[test]
    fn refuses_inconsistent_tables() {
        let mut m = sample();
        m.files[1].path = "../escape".into();
        assert!(matches!(
            Manifest::decode(&m.encode(), 15),
            Err(FormatError::UnsafePath(_))
        ));

        let mut m = sample();
        m.files[1].path = "/etc/passwd".into();
        assert!(matches!(
            Manifest::decode(&m.encode(), 15),
            Err(FormatError::UnsafePath(_))
        ));

        let mut m = sample();
        m.files[1].path = "a/c".into();
        assert!(matches!(
            Manifest::decode(&m.encode(), 15),
            Err(FormatError::FileIsFolder(p)) if p == "a"
        ));

        // setuid, setgid, sticky or file-type bits: only permission bits are stored.
        for mode in [0o4755, 0o2755, 0o1755, 0o120777] {
            let mut m = sample();
            m.files[0].mode = mode;
            assert!(Manifest::decode(&m.encode(), 15).is_err(), "{mode:o}");
        }

        let mut m = sample();
        m.files[2].path = "a".into();
        assert!(matches!(
            Manifest::decode(&m.encode(), 15),
            Err(FormatError::DuplicatePath(_))
        ));

        let mut m = sample();
        m.files[1].size = 19;
        assert!(Manifest::decode(&m.encode(), 15).is_err());

        let mut m = sample();
        m.files.pop();
        assert!(Manifest::decode(&m.encode(), 15).is_err());

        assert!(Manifest::decode(&sample().encode(), 16).is_err());
    }

    #[test]
    fn huge_counts_do_not_allocate() {
        let mut bytes = sample().encode();
        // The chunk count sits after the fixed header and strings; find it by re-encoding.
        let m = sample();
        let header_len = bytes.len()
            - 4
            - 24 * m.chunks.len()
            - 4
            - m.files.iter().map(|f| 4 + f.path.len() + 32).sum::<usize>();
        bytes[header_len..header_len + 4].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(Manifest::decode(&bytes, 15).is_err());
    }
}
