//! Writing the result into `--distpath`: one executable (onefile) or one folder (onedir),
//! always built beside the destination under a temporary name and moved into place in one
//! step, so an interrupted build leaves the previous output as it was.

mod frames;
pub mod launcher;
pub mod macos;
mod replace;
pub mod signing;
pub mod windows;

use std::fs::{self, DirBuilder, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use std::borrow::Cow;

use pybundle_archive::writer::{self, ArchiveSpec, FileData, Header, InputFile};
use pybundle_archive::{FileEntry, Launch, Mode, Unpack};

use crate::bundle::contents::{Contents, Source};
use crate::error::Error;

use crate::progress::Progress;

pub use replace::check_replaceable;
pub use signing::Signing;

/// What every archive of a build shares.
pub struct Plan<'a> {
    pub dist: &'a Path,
    pub name: &'a str,
    /// The executable's file name (`NAME`, `NAME.exe`).
    pub executable: &'a str,
    /// Onedir: the folder's name (`NAME`, or the project's beside companions).
    pub folder: &'a str,
    /// Onedir: more executables in the folder, sharing its files (`-D --all-entry-points`):
    /// each one's file name, name and bootstrap.
    pub companions: Vec<(String, String, String)>,
    pub stub: &'a [u8],
    /// How each launcher is signed once its archive or listing is in it.
    pub signing: Signing<'a>,
    /// macOS `--windowed`: the output is `FOLDER.app`.
    pub app: Option<macos::app::App<'a>>,
    pub launch: Launch,
    pub runtime_tmpdir: Option<String>,
    pub level: i32,
    /// `--workpath`'s compressed-chunk cache.
    pub frames: PathBuf,
    /// `SOURCE_DATE_EPOCH`: every file and folder written gets this modification time, so
    /// an archive of the output (a onedir tarball in CI) is reproducible too.
    pub timestamp: Option<SystemTime>,
}

/// Where the output went and how big it is.
pub struct Written {
    /// The executable (onefile), the folder (onedir) or the `.app`.
    pub path: PathBuf,
    /// The executable to run: `path` itself, or the launcher inside it.
    pub executable: PathBuf,
    /// A onedir's root, which holds its files.
    pub root: Option<PathBuf>,
    pub bytes: u64,
}

impl Plan<'_> {
    fn header(&self, mode: Mode) -> Header {
        Header {
            mode,
            name: self.name.to_string(),
            launch: self.launch.clone(),
            runtime_tmpdir: self.runtime_tmpdir.clone(),
        }
    }
}

pub fn onefile(
    plan: Plan,
    unpack: Unpack,
    contents: &Contents,
    progress: &Progress,
) -> Result<Written, Error> {
    // Files on disk are read when their chunk is compressed: the build never holds every
    // input at once, only what it made itself (compiled modules, stripped libraries).
    let mut files = Vec::with_capacity(contents.len());
    let mut total = 0u64;
    for (dest, item) in contents.iter() {
        let data = match &item.source {
            Source::Bytes(bytes) => FileData::Bytes(Cow::Borrowed(bytes)),
            Source::File(path) => FileData::Path(path.clone()),
        };
        total += item.size()?;
        files.push(InputFile {
            path: dest.clone(),
            mode: item.mode,
            data,
        });
    }
    progress.bytes("Compressing", total);
    let spec = ArchiveSpec {
        header: plan.header(Mode::Onefile { unpack }),
        files,
    };
    let store = frames::FrameDir::new(plan.frames);
    let archive = writer::compress(spec, plan.level, Some(&store), &|n| progress.advance(n))
        .map_err(|e| Error::Internal(format!("writing the archive failed: {e}")))?;
    store.trim();
    progress.step("Writing");
    let path = match &plan.app {
        Some(app) => app.path(plan.dist, plan.folder),
        None => plan.dist.join(plan.executable),
    };
    let mut bytes = 0u64;
    replace::install(plan.dist, &path, |tmp| {
        let exe = match &plan.app {
            Some(_) => {
                let dir = tmp.join(macos::app::EXECUTABLES);
                DirBuilder::new().recursive(true).mode(0o755).create(&dir)?;
                dir.join(plan.executable)
            }
            None => tmp.to_path_buf(),
        };
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o755)
            .open(&exe)?;
        let mut out = std::io::BufWriter::new(file);
        bytes = match &plan.signing {
            // Streamed: a onefile may be larger than is wise to hold.
            Signing::Unsigned => archive
                .write_to(&mut out, plan.stub)
                .map_err(std::io::Error::other)?,
            signing => {
                let signed = signing
                    .launcher(plan.stub, |out, code| archive.write_to(out, code))
                    .map_err(std::io::Error::other)?;
                out.write_all(&signed)?;
                signed.len() as u64
            }
        };
        let file = out.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        drop(file);
        if let Some(app) = &plan.app {
            app.write_parts(tmp, plan.executable, false)?;
            app.seal(tmp)?;
        }
        match plan.timestamp {
            Some(time) if plan.app.is_some() => stamp_tree(tmp, time),
            Some(time) => stamp(tmp, time),
            None => Ok(()),
        }
    })?;
    let executable = match &plan.app {
        Some(_) => path.join(macos::app::EXECUTABLES).join(plan.executable),
        None => path.clone(),
    };
    Ok(Written {
        path,
        executable,
        root: None,
        bytes,
    })
}

/// Write `NAME/NAME` (`NAME/NAME.exe`: the launcher, listing every file with its hash) and the root beside it,
/// in `NAME/CONTENTS_DIR` (`.`: `NAME` itself).
pub fn onedir(
    plan: Plan,
    contents_dir: &str,
    contents: &Contents,
    progress: &Progress,
) -> Result<Written, Error> {
    progress.step("Writing");
    // An `.app` has its executables in `Contents/MacOS` and its root in `Contents/Resources`.
    let (path, executables_dir, root_dir, contents_dir) = match &plan.app {
        Some(app) => (
            app.path(plan.dist, plan.folder),
            macos::app::EXECUTABLES,
            macos::app::ROOT,
            macos::app::ROOT_FROM_EXECUTABLE,
        ),
        None => (plan.dist.join(plan.folder), ".", contents_dir, contents_dir),
    };
    let mode = Mode::Onedir {
        contents_dir: contents_dir.to_string(),
    };
    let header = plan.header(mode.clone());
    let mut bytes = 0u64;
    replace::install(plan.dist, &path, |tmp| {
        DirBuilder::new().mode(0o755).create(tmp)?;
        let made = |rel: &str| -> std::io::Result<PathBuf> {
            if rel == "." {
                return Ok(tmp.to_path_buf());
            }
            let dir = tmp.join(rel);
            DirBuilder::new().recursive(true).mode(0o755).create(&dir)?;
            Ok(dir)
        };
        let root = made(root_dir)?;
        let exe_dir = made(executables_dir)?;
        let mut listing = Vec::with_capacity(contents.len());
        for (dest, item) in contents.iter() {
            let target = root.join(dest);
            if let Some(parent) = target.parent() {
                DirBuilder::new()
                    .recursive(true)
                    .mode(0o755)
                    .create(parent)?;
            }
            let (size, hash) = match &item.source {
                Source::File(src) => copy_hashed(src, &target)?,
                Source::Bytes(data) => {
                    fs::write(&target, data)?;
                    (data.len() as u64, xxhash_rust::xxh3::xxh3_64(data))
                }
            };
            bytes += size;
            fs::set_permissions(&target, fs::Permissions::from_mode(item.mode))?;
            listing.push(FileEntry {
                path: dest.clone(),
                mode: item.mode,
                chunk: 0,
                offset: 0,
                size,
                hash,
            });
        }
        // An app's icon is beside its files, and listed with them.
        if let Some((name, icon)) = plan.app.as_ref().and_then(|a| a.icon_file(plan.executable)) {
            let target = root.join(&name);
            OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&target)?
                .write_all(icon)?;
            bytes += icon.len() as u64;
            listing.push(FileEntry {
                path: name,
                mode: 0o644,
                chunk: 0,
                offset: 0,
                size: icon.len() as u64,
                hash: xxhash_rust::xxh3::xxh3_64(icon),
            });
        }
        let mut executables = vec![(plan.executable.to_string(), header)];
        for (file, name, bootstrap) in &plan.companions {
            let mut header = plan.header(mode.clone());
            header.name = name.clone();
            header.launch.bootstrap = bootstrap.clone();
            executables.push((file.clone(), header));
        }
        for (file, header) in executables {
            let launcher = (plan.signing)
                .launcher(plan.stub, |out, code| {
                    writer::write_listing(out, code, header, listing.clone())
                })
                .map_err(std::io::Error::other)?;
            bytes += launcher.len() as u64;
            let mut exe = OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o755)
                .open(exe_dir.join(file))?;
            exe.write_all(&launcher)?;
        }
        if let Some(app) = &plan.app {
            app.write_parts(tmp, plan.executable, true)?;
            app.seal(tmp)?;
        }
        match plan.timestamp {
            Some(time) => stamp_tree(tmp, time),
            None => Ok(()),
        }
    })?;
    let inside = |rel: &str| match rel {
        "." => path.clone(),
        rel => path.join(rel),
    };
    Ok(Written {
        executable: inside(executables_dir).join(plan.executable),
        root: Some(inside(root_dir)),
        path,
        bytes,
    })
}

/// Copy `src` to a new file `dst`; returns its size and XXH3-64.
fn copy_hashed(src: &Path, dst: &Path) -> std::io::Result<(u64, u64)> {
    use std::io::Read;
    let mut input = fs::File::open(src)?;
    let mut output = OpenOptions::new().write(true).create_new(true).open(dst)?;
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    let mut buf = vec![0u8; 256 * 1024];
    let mut size = 0u64;
    loop {
        let n = match input.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        hasher.update(&buf[..n]);
        output.write_all(&buf[..n])?;
        size += n as u64;
    }
    Ok((size, hasher.digest()))
}

/// Give the file at `path` modification and access time `time`.
fn stamp(path: &Path, time: SystemTime) -> std::io::Result<()> {
    let times = fs::FileTimes::new().set_modified(time).set_accessed(time);
    fs::File::open(path)?.set_times(times)
}

/// Give `dir`, and everything in it, modification and access time `time` (children first:
/// stamping a file would otherwise not move its folder's time, but creating it did).
fn stamp_tree(dir: &Path, time: SystemTime) -> std::io::Result<()> {
    let times = fs::FileTimes::new().set_modified(time).set_accessed(time);
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            stamp_tree(&entry.path(), time)?;
        } else {
            // The owner may set times through a read-only handle.
            fs::File::open(entry.path())?.set_times(times)?;
        }
    }
    fs::File::open(dir)?.set_times(times)
}
