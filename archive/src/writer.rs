//! Writing an archive: group files into chunks, compress the chunks in parallel, and append
//! payload, manifest and trailer after a launcher ([`write`], onefile). A onedir launcher
//! carries no payload, only the list of the files written beside it ([`write_listing`]). The
//! output depends only on the inputs: files are taken in path order and every chunk is
//! compressed the same way each time.

use std::io::{self, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use crate::trailer::{FORMAT_VERSION, TRAILER_LEN};
use crate::{entry_path, Chunk, FileEntry, FormatError, Launch, Manifest, Mode, Trailer};

/// Files are grouped until a chunk holds about this many bytes; a bigger file is a chunk alone.
pub const CHUNK_TARGET: u64 = 4 << 20;

/// One file to store.
#[derive(Debug, Clone)]
pub struct InputFile {
    pub path: String,
    pub mode: u32,
    pub data: Vec<u8>,
}

/// What a manifest says besides its files.
#[derive(Debug, Clone)]
pub struct Header {
    pub mode: Mode,
    pub name: String,
    pub launch: Launch,
    pub runtime_tmpdir: Option<String>,
}

/// Everything that goes into one onefile archive.
#[derive(Debug)]
pub struct ArchiveSpec {
    pub header: Header,
    pub files: Vec<InputFile>,
}

/// Where compressed chunks from earlier builds are kept, so a rebuild with unchanged inputs
/// does not compress them again. Keys identify the chunk's bytes, the level and the format;
/// whatever `get` returns is checked (decompressed and hashed) before it is used.
pub trait FrameStore: Sync {
    fn get(&self, key: &str) -> Option<Vec<u8>>;
    fn put(&self, key: &str, frame: &[u8]);
}

/// Write `launcher ++ archive` to `out`; returns the bytes written. `on_progress` gets the
/// uncompressed bytes of each chunk as it finishes.
pub fn write<W: Write>(
    out: &mut W,
    launcher: &[u8],
    spec: ArchiveSpec,
    level: i32,
    on_progress: &(dyn Fn(u64) + Sync),
) -> Result<u64, FormatError> {
    write_with_store(out, launcher, spec, level, None, on_progress)
}

/// [`write`], reusing and keeping compressed chunks in `store`.
pub fn write_with_store<W: Write>(
    out: &mut W,
    launcher: &[u8],
    mut spec: ArchiveSpec,
    level: i32,
    store: Option<&dyn FrameStore>,
    on_progress: &(dyn Fn(u64) + Sync),
) -> Result<u64, FormatError> {
    if !matches!(spec.header.mode, Mode::Onefile { .. }) {
        return Err(FormatError::Damaged(
            "a folder-mode archive carries no payload; write its listing instead",
        ));
    }
    spec.files.sort_by(|a, b| a.path.cmp(&b.path));
    check_paths(spec.files.iter().map(|f| f.path.as_str()))?;

    let groups = group(&spec.files);
    let frames = compress_all(&spec.files, &groups, level, store, on_progress)?;

    let mut chunks = Vec::with_capacity(groups.len());
    let mut entries = Vec::with_capacity(spec.files.len());
    let mut offset = 0u64;
    for (index, (range, frame)) in groups.iter().zip(&frames).enumerate() {
        let mut in_chunk = 0u64;
        for f in &spec.files[range.clone()] {
            entries.push(FileEntry {
                path: f.path.clone(),
                mode: f.mode & 0o777,
                chunk: index as u32,
                offset: in_chunk,
                size: f.data.len() as u64,
                hash: xxhash_rust::xxh3::xxh3_64(&f.data),
            });
            in_chunk += f.data.len() as u64;
        }
        chunks.push(Chunk {
            offset,
            compressed_len: frame.len() as u64,
            raw_len: in_chunk,
        });
        offset += frame.len() as u64;
    }
    let manifest = manifest(spec.header, chunks, entries).encode();
    finish(out, launcher, &frames, &manifest)
}

/// Write a onedir launcher: `launcher ++ manifest ++ trailer`, the manifest listing `files`
/// (each with its size, permission bits and XXH3-64, chunk and offset zero) as written into
/// the folder beside it. Returns the bytes written.
pub fn write_listing<W: Write>(
    out: &mut W,
    launcher: &[u8],
    header: Header,
    mut files: Vec<FileEntry>,
) -> Result<u64, FormatError> {
    if !matches!(header.mode, Mode::Onedir { .. }) {
        return Err(FormatError::Damaged(
            "only a folder-mode archive is a bare listing",
        ));
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    check_paths(files.iter().map(|f| f.path.as_str()))?;
    for f in &mut files {
        f.mode &= 0o777;
        f.chunk = 0;
        f.offset = 0;
    }
    let manifest = manifest(header, Vec::new(), files).encode();
    finish(out, launcher, &[], &manifest)
}

fn manifest(header: Header, chunks: Vec<Chunk>, files: Vec<FileEntry>) -> Manifest {
    Manifest {
        mode: header.mode,
        name: header.name,
        launch: header.launch,
        runtime_tmpdir: header.runtime_tmpdir,
        chunks,
        files,
    }
}

/// Sorted `paths` must be unique, safe, and never both a file and a folder.
fn check_paths<'a>(paths: impl Iterator<Item = &'a str> + Clone) -> Result<(), FormatError> {
    let list: Vec<&str> = paths.collect();
    for pair in list.windows(2) {
        if pair[0] == pair[1] {
            return Err(FormatError::DuplicatePath(pair[0].to_string()));
        }
    }
    if let Some(bad) = list.iter().find(|p| !entry_path::is_safe(p)) {
        return Err(FormatError::UnsafePath(bad.to_string()));
    }
    let set: std::collections::HashSet<&str> = list.iter().copied().collect();
    if let Some(path) = entry_path::file_used_as_folder(&set) {
        return Err(FormatError::FileIsFolder(path.to_string()));
    }
    Ok(())
}

/// Append payload `frames`, `manifest` and the trailer after `launcher`.
fn finish<W: Write>(
    out: &mut W,
    launcher: &[u8],
    frames: &[Vec<u8>],
    manifest: &[u8],
) -> Result<u64, FormatError> {
    let mut hasher = crate::new_hasher();
    out.write_all(launcher)?;
    let mut offset = 0u64;
    for frame in frames {
        hasher.update(frame);
        out.write_all(frame)?;
        offset += frame.len() as u64;
    }
    hasher.update(manifest);
    out.write_all(manifest)?;
    let mut trailer = Trailer {
        archive_offset: launcher.len() as u64,
        payload_len: offset,
        manifest_len: manifest.len() as u64,
        version: FORMAT_VERSION,
        hash: 0,
    };
    hasher.update(&trailer.hashed_prefix());
    trailer.hash = hasher.digest128();
    out.write_all(&trailer.encode())?;
    Ok(launcher.len() as u64 + offset + manifest.len() as u64 + TRAILER_LEN as u64)
}

/// Does `frame` decompress to exactly `raw` (whose XXH3-128 is `digest`)?
fn frame_holds(frame: &[u8], raw: &[u8], digest: u128) -> bool {
    zstd::bulk::decompress(frame, raw.len())
        .is_ok_and(|out| out.len() == raw.len() && xxhash_rust::xxh3::xxh3_128(&out) == digest)
}

/// A compressor at `level` whose frames need a window of at most [`crate::WINDOW_LOG`].
fn new_compressor(level: i32) -> io::Result<zstd::bulk::Compressor<'static>> {
    use zstd::stream::raw::CParameter;
    let mut compressor = zstd::bulk::Compressor::new(level)?;
    compressor.set_parameter(CParameter::WindowLog(crate::WINDOW_LOG))?;
    compressor.set_parameter(CParameter::ContentSizeFlag(true))?;
    Ok(compressor)
}

/// Consecutive ranges of `files` that form one chunk each.
fn group(files: &[InputFile]) -> Vec<std::ops::Range<usize>> {
    let mut groups = Vec::new();
    let mut start = 0;
    let mut size = 0u64;
    for (i, f) in files.iter().enumerate() {
        let len = f.data.len() as u64;
        if i > start && size + len > CHUNK_TARGET {
            groups.push(start..i);
            start = i;
            size = 0;
        }
        size += len;
    }
    if start < files.len() {
        groups.push(start..files.len());
    }
    groups
}

fn compress_all(
    files: &[InputFile],
    groups: &[std::ops::Range<usize>],
    level: i32,
    store: Option<&dyn FrameStore>,
    on_progress: &(dyn Fn(u64) + Sync),
) -> io::Result<Vec<Vec<u8>>> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<io::Result<Vec<u8>>>>> =
        Mutex::new((0..groups.len()).map(|_| None).collect());
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(groups.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                let mut compressor = new_compressor(level);
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(range) = groups.get(index) else {
                        break;
                    };
                    let group = &files[range.clone()];
                    let mut raw = Vec::with_capacity(group.iter().map(|f| f.data.len()).sum());
                    for f in group {
                        raw.extend_from_slice(&f.data);
                    }
                    let digest = xxhash_rust::xxh3::xxh3_128(&raw);
                    let key = format!(
                        "{digest:032x}-{}-l{level}-w{}-v{}",
                        raw.len(),
                        crate::WINDOW_LOG,
                        zstd::zstd_safe::version_number()
                    );
                    let reused = store
                        .and_then(|s| s.get(&key))
                        .filter(|frame| frame_holds(frame, &raw, digest));
                    let frame = match (reused, &mut compressor) {
                        (Some(frame), _) => Ok(frame),
                        (None, Ok(c)) => c.compress(&raw).inspect(|frame| {
                            if let Some(s) = store {
                                s.put(&key, frame);
                            }
                        }),
                        (None, Err(e)) => Err(io::Error::new(e.kind(), e.to_string())),
                    };
                    on_progress(raw.len() as u64);
                    if let Ok(mut slots) = results.lock() {
                        slots[index] = Some(frame);
                    }
                }
            });
        }
    });
    results
        .into_inner()
        .map_err(|_| io::Error::other("a compression worker panicked"))?
        .into_iter()
        .map(|slot| slot.unwrap_or_else(|| Err(io::Error::other("a chunk was not compressed"))))
        .collect()
}

/// Recompute the hash of a whole executable held in memory (`launcher ++ archive`), whose
/// trailer is otherwise well formed. Tests and the fuzzer use it to get a mutated archive past
/// the hash check, so the checks behind it are exercised too. Returns false when `bytes` has no
/// trailer whose lengths match.
pub fn reseal(bytes: &mut [u8]) -> bool {
    let Some(at) = bytes.len().checked_sub(TRAILER_LEN) else {
        return false;
    };
    let mut raw = [0u8; TRAILER_LEN];
    raw.copy_from_slice(&bytes[at..]);
    let Ok(mut trailer) = Trailer::decode(&raw, bytes.len() as u64) else {
        return false;
    };
    let mut hasher = crate::new_hasher();
    hasher.update(&bytes[trailer.archive_offset as usize..at]);
    hasher.update(&trailer.hashed_prefix());
    trailer.hash = hasher.digest128();
    bytes[at..].copy_from_slice(&trailer.encode());
    true
}
