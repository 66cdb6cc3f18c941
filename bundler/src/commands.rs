//! The commands that read finished bundles: `inspect`, `extract` and `verify`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use pybundle_archive::{Bundle, Mode};

use crate::error::Error;
use crate::layout;

/// A onefile executable, a onedir executable, or a onedir folder → the executable to open.
fn executable_of(path: &Path) -> PathBuf {
    if path.is_dir() {
        if let Some(name) = path.file_name() {
            return path.join(name);
        }
    }
    path.to_path_buf()
}

fn open(path: &Path) -> Result<Bundle, Error> {
    let exe = executable_of(path);
    Bundle::open(&exe).map_err(|e| Error::BadBundle {
        path: exe,
        why: format!("cannot be read: {e}"),
    })
}

pub fn inspect(path: &Path) -> Result<(), Error> {
    let bundle = open(path)?;
    let m = &bundle.manifest;
    let mode = match m.mode {
        Mode::Onefile => "onefile",
        Mode::Onedir => "onedir",
    };
    println!("name: {}", m.name);
    println!("mode: {mode}");
    println!("interpreter: {}", m.launch.interpreter);
    if let Some(dir) = &m.runtime_tmpdir {
        println!("runtime tmpdir: {dir}");
    }
    match m.mode {
        Mode::Onefile => {
            let raw: u64 = m.files.iter().map(|f| f.size).sum();
            println!(
                "files: {} ({raw} bytes, {} compressed in {} chunks)",
                m.files.len(),
                bundle.trailer.payload_len,
                m.chunks.len()
            );
            for f in &m.files {
                println!("{:>12}  {:o}  {}", f.size, f.mode, f.path);
            }
        }
        Mode::Onedir => {
            let root = executable_of(path)
                .parent()
                .map(|p| p.join(layout::ONEDIR_INTERNAL))
                .unwrap_or_default();
            let mut files = Vec::new();
            list(&root, "", &mut files);
            files.sort();
            println!("files: {} in {}", files.len(), root.display());
            for (rel, size) in files {
                println!("{size:>12}  {rel}");
            }
        }
    }
    Ok(())
}

fn list(dir: &Path, rel: &str, out: &mut Vec<(String, u64)>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let child = if rel.is_empty() {
            name
        } else {
            format!("{rel}/{name}")
        };
        match entry.metadata() {
            Ok(meta) if meta.is_dir() => list(&entry.path(), &child, out),
            Ok(meta) => out.push((child, meta.len())),
            Err(_) => {}
        }
    }
}

pub fn extract(exe: &Path, dest: &Path) -> Result<(), Error> {
    let bundle = open(exe)?;
    if bundle.manifest.mode == Mode::Onedir {
        return Err(Error::BadBundle {
            path: exe.to_path_buf(),
            why: "is a onedir launcher; its files are already in the _internal folder beside it"
                .into(),
        });
    }
    if fs::read_dir(dest).is_ok_and(|mut d| d.next().is_some()) {
        return Err(Error::Write {
            path: dest.to_path_buf(),
            source: std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                "the folder is not empty; choose an empty or new DEST",
            ),
        });
    }
    fs::create_dir_all(dest).map_err(|source| Error::Write {
        path: dest.to_path_buf(),
        source,
    })?;
    bundle
        .extract_all(dest, 0o755)
        .map_err(|e| Error::BadBundle {
            path: exe.to_path_buf(),
            why: format!("could not be extracted: {e}"),
        })?;
    println!(
        "{} files written to {}",
        bundle.manifest.files.len(),
        dest.display()
    );
    Ok(())
}

pub fn verify(exe: &Path) -> ExitCode {
    match open(exe) {
        Ok(bundle) => {
            println!(
                "{}: intact ({} files)",
                exe.display(),
                bundle.manifest.files.len()
            );
            ExitCode::SUCCESS
        }
        Err(err) => {
            println!("{err}");
            ExitCode::FAILURE
        }
    }
}
