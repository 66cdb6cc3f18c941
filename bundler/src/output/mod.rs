//! Writing the result into `--distpath`: one executable (onefile) or one folder (onedir),
//! always built beside the destination under a temporary name and moved into place in one
//! step, so an interrupted build leaves the previous output as it was.

mod frames;
mod replace;

use std::fs::{self, DirBuilder, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use pybundle_archive::writer::{self, ArchiveSpec, InputFile};
use pybundle_archive::{Launch, Mode};

use crate::contents::{Contents, Source};
use crate::error::Error;
use crate::layout;
use crate::progress::Progress;

pub use replace::check_replaceable;

/// What every archive of a build shares.
pub struct Plan<'a> {
    pub dist: &'a Path,
    pub name: &'a str,
    pub stub: &'a [u8],
    pub launch: Launch,
    pub runtime_tmpdir: Option<String>,
    /// Onefile: unpack into the user's cache and reuse it.
    pub cached: bool,
    pub level: i32,
    /// `--workpath`'s compressed-chunk cache.
    pub frames: PathBuf,
    /// `SOURCE_DATE_EPOCH`: every file and folder written gets this modification time, so
    /// an archive of the output (a onedir tarball in CI) is reproducible too.
    pub timestamp: Option<SystemTime>,
}

/// Where the output went and how big it is.
pub struct Written {
    pub path: PathBuf,
    pub bytes: u64,
}

pub fn onefile(plan: Plan, contents: &Contents, progress: &Progress) -> Result<Written, Error> {
    let mut files = Vec::with_capacity(contents.len());
    let mut total = 0u64;
    for (dest, item) in contents.iter() {
        let data = item.read()?;
        total += data.len() as u64;
        files.push(InputFile {
            path: dest.clone(),
            mode: item.mode,
            data,
        });
    }
    progress.bytes("Compressing", total);
    let spec = ArchiveSpec {
        mode: Mode::Onefile,
        name: plan.name.to_string(),
        launch: plan.launch,
        runtime_tmpdir: plan.runtime_tmpdir,
        cached: plan.cached,
        files,
    };
    let mut image = Vec::new();
    let store = frames::FrameDir::new(plan.frames);
    writer::write_with_store(
        &mut image,
        plan.stub,
        spec,
        plan.level,
        Some(&store),
        &|n| progress.advance(n),
    )
    .map_err(|e| Error::Internal(format!("writing the archive failed: {e}")))?;
    store.trim();
    progress.step("Writing");
    let path = plan.dist.join(plan.name);
    replace::install(plan.dist, &path, |tmp| {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o755)
            .open(tmp)?;
        file.write_all(&image)?;
        if let Some(time) = plan.timestamp {
            file.set_times(fs::FileTimes::new().set_modified(time).set_accessed(time))?;
        }
        file.sync_all()
    })?;
    Ok(Written {
        path,
        bytes: image.len() as u64,
    })
}

pub fn onedir(plan: Plan, contents: &Contents, progress: &Progress) -> Result<Written, Error> {
    progress.step("Writing");
    let spec = ArchiveSpec {
        mode: Mode::Onedir,
        name: plan.name.to_string(),
        launch: plan.launch,
        runtime_tmpdir: plan.runtime_tmpdir,
        cached: false,
        files: Vec::new(),
    };
    let mut launcher = Vec::new();
    writer::write(&mut launcher, plan.stub, spec, plan.level, &|_| {})
        .map_err(|e| Error::Internal(format!("writing the launcher failed: {e}")))?;
    let path = plan.dist.join(plan.name);
    let mut bytes = launcher.len() as u64;
    replace::install(plan.dist, &path, |tmp| {
        DirBuilder::new().mode(0o755).create(tmp)?;
        let root = tmp.join(layout::ONEDIR_INTERNAL);
        DirBuilder::new().mode(0o755).create(&root)?;
        for (dest, item) in contents.iter() {
            let target = root.join(dest);
            if let Some(parent) = target.parent() {
                DirBuilder::new()
                    .recursive(true)
                    .mode(0o755)
                    .create(parent)?;
            }
            match &item.source {
                Source::File(src) => {
                    bytes += fs::copy(src, &target)?;
                }
                Source::Bytes(data) => {
                    fs::write(&target, data)?;
                    bytes += data.len() as u64;
                }
            }
            fs::set_permissions(&target, fs::Permissions::from_mode(item.mode))?;
        }
        let mut exe = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o755)
            .open(tmp.join(plan.name))?;
        exe.write_all(&launcher)?;
        drop(exe);
        match plan.timestamp {
            Some(time) => stamp_tree(tmp, time),
            None => Ok(()),
        }
    })?;
    Ok(Written { path, bytes })
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
