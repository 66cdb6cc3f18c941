//! Writing an archive: group files into chunks, compress the chunks in parallel, and append
//! payload, manifest and trailer after a launcher ([`write`], onefile). A onedir launcher
//! carries no payload, only the list of the files written beside it ([`write_listing`]). The
//! output depends only on the inputs: files are taken in path order and every chunk is
//! compressed the same way each time.

use std::borrow::Cow;
use std::io::{self, Read, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use crate::trailer::{FORMAT_VERSION, TRAILER_LEN};
use crate::{entry_path, Chunk, FileEntry, FormatError, Launch, Manifest, Mode, Trailer};

/// Files are grouped until a chunk holds about this many bytes; a bigger file is a chunk alone.
pub const CHUNK_TARGET: u64 = 4 << 20;
/// ... and at most this many files: creating a file can cost more than writing its bytes
/// (about a millisecond on some disks), so many small files are spread over chunks the
/// launcher unpacks side by side.
pub const CHUNK_FILES: usize = 32;

/// Where a file's bytes come from: memory, or a file on disk that is read only when its chunk
/// is compressed, so a build never holds every input at once.
#[derive(Debug, Clone)]
pub enum FileData<'a> {
    Bytes(Cow<'a, [u8]>),
    /// Read when compressed; it must keep the size it had when the archive was planned.
    Path(PathBuf),
}

impl FileData<'_> {
    fn len(&self) -> io::Result<u64> {
        match self {
            FileData::Bytes(b) => Ok(b.len() as u64),
            FileData::Path(p) => Ok(std::fs::metadata(p)?.len()),
        }
    }

    /// Append the bytes to `out`; exactly `expected` of them, or an error.
    fn append_to(&self, out: &mut Vec<u8>, expected: u64) -> io::Result<()> {
        match self {
            FileData::Bytes(b) => out.extend_from_slice(b),
            FileData::Path(p) => {
                let before = out.len();
                std::fs::File::open(p)?
                    .take(expected + 1)
                    .read_to_end(out)?;
                if (out.len() - before) as u64 != expected {
                    return Err(io::Error::other(format!(
                        "{} changed while it was being bundled",
                        p.display()
                    )));
                }
            }
        }
        Ok(())
    }
}

/// One file to store.
#[derive(Debug, Clone)]
pub struct InputFile<'a> {
    pub path: String,
    pub mode: u32,
    pub data: FileData<'a>,
}

impl InputFile<'static> {
    /// A file held in memory.
    pub fn bytes(path: &str, mode: u32, data: Vec<u8>) -> Self {
        InputFile {
            path: path.to_string(),
            mode,
            data: FileData::Bytes(Cow::Owned(data)),
        }
    }
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
pub struct ArchiveSpec<'a> {
    pub header: Header,
    pub files: Vec<InputFile<'a>>,
}

/// A onefile archive compressed and ready to follow a launcher: its frames and manifest, the
/// inputs no longer needed.
#[derive(Debug)]
pub struct Compressed {
    frames: Vec<Vec<u8>>,
    manifest: Vec<u8>,
}

impl Compressed {
    /// Write `launcher ++ archive` to `out`; returns the bytes written.
    pub fn write_to<W: Write>(&self, out: &mut W, launcher: &[u8]) -> Result<u64, FormatError> {
        finish(out, launcher, &self.frames, &self.manifest)
    }
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
    compress(spec, level, None, on_progress)?.write_to(out, launcher)
}

/// Group and compress `spec`'s files, reusing and keeping compressed chunks in `store`. Files
/// given by path are read chunk by chunk, on as many threads as there are cores.
pub fn compress(
    mut spec: ArchiveSpec,
    level: i32,
    store: Option<&dyn FrameStore>,
    on_progress: &(dyn Fn(u64) + Sync),
) -> Result<Compressed, FormatError> {
    if !matches!(spec.header.mode, Mode::Onefile { .. }) {
        return Err(FormatError::Damaged(
            "a folder-mode archive carries no payload; write its listing instead",
        ));
    }
    spec.files.sort_by(|a, b| a.path.cmp(&b.path));
    check_paths(spec.files.iter().map(|f| f.path.as_str()))?;
    let sizes: Vec<u64> = (spec.files.iter())
        .map(|f| f.data.len())
        .collect::<io::Result<_>>()?;

    let groups = group(&sizes);
    let compressed = compress_all(&spec.files, &sizes, &groups, level, store, on_progress)?;

    let mut chunks = Vec::with_capacity(groups.len());
    let mut entries = Vec::with_capacity(spec.files.len());
    let mut offset = 0u64;
    for (index, (range, (frame, hashes))) in groups.iter().zip(&compressed).enumerate() {
        let mut in_chunk = 0u64;
        for ((f, size), hash) in spec.files[range.clone()]
            .iter()
            .zip(&sizes[range.clone()])
            .zip(hashes)
        {
            entries.push(FileEntry {
                path: f.path.clone(),
                mode: f.mode & 0o777,
                chunk: index as u32,
                offset: in_chunk,
                size: *size,
                hash: *hash,
            });
            in_chunk += size;
        }
        chunks.push(Chunk {
            offset,
            compressed_len: frame.len() as u64,
            raw_len: in_chunk,
        });
        offset += frame.len() as u64;
    }
    let manifest = manifest(spec.header, chunks, entries).encode();
    let frames = compressed.into_iter().map(|(frame, _)| frame).collect();
    Ok(Compressed { frames, manifest })
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
    let set: std::collections::BTreeSet<&str> = list.iter().copied().collect();
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

/// Consecutive ranges of files (by their `sizes`) that form one chunk each.
fn group(sizes: &[u64]) -> Vec<std::ops::Range<usize>> {
    let mut groups = Vec::new();
    let mut start = 0;
    let mut size = 0u64;
    for (i, &len) in sizes.iter().enumerate() {
        if i > start && (size + len > CHUNK_TARGET || i - start == CHUNK_FILES) {
            groups.push(start..i);
            start = i;
            size = 0;
        }
        size += len;
    }
    if start < sizes.len() {
        groups.push(start..sizes.len());
    }
    groups
}

/// A chunk's frame, and the XXH3-64 of each of its files.
type Frame = (Vec<u8>, Vec<u64>);

fn compress_all(
    files: &[InputFile],
    sizes: &[u64],
    groups: &[std::ops::Range<usize>],
    level: i32,
    store: Option<&dyn FrameStore>,
    on_progress: &(dyn Fn(u64) + Sync),
) -> io::Result<Vec<Frame>> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<io::Result<Frame>>>> =
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
                    let mut raw =
                        Vec::with_capacity(sizes[range.clone()].iter().sum::<u64>() as usize);
                    let mut hashes = Vec::with_capacity(range.len());
                    let mut read = Ok(());
                    for (f, &size) in files[range.clone()].iter().zip(&sizes[range.clone()]) {
                        let start = raw.len();
                        read = f.data.append_to(&mut raw, size);
                        if read.is_err() {
                            break;
                        }
                        hashes.push(xxhash_rust::xxh3::xxh3_64(&raw[start..]));
                    }
                    if let Err(e) = read {
                        if let Ok(mut slots) = results.lock() {
                            slots[index] = Some(Err(e));
                        }
                        continue;
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
                        slots[index] = Some(frame.map(|frame| (frame, hashes)));
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
