//! What compiled modules import from C. No source shows it, and Cython compresses the strings
//! that would, yet numpy's `random.bit_generator` imports `secrets`, pandas'
//! `_libs.testing` imports `cmath`, and PySide6's `QtWidgets` imports `QtGui` and `QtCore` as
//! they load. So the build interpreter imports the compiled modules the app reaches, in one
//! isolated process (`-I`, an empty working folder), and reports the modules that were then
//! loaded; those join what the app reaches. PyInstaller runs package code at build time for
//! its hooks in the same way. The answer is cached in `--workpath`, keyed by the modules'
//! files.

use std::collections::BTreeSet;
use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use xxhash_rust::xxh3::Xxh3;

use crate::bundle::workpath;
use crate::python::interpreter::Interpreter;

const PROBE: &str = include_str!("probe.py");

/// How long the imports may take in all; what they reported by then is used.
const TIME_LIMIT: Duration = Duration::from_secs(120);

/// A compiled module of a bundled distribution: its dotted name and its file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Compiled {
    pub module: String,
    pub file: PathBuf,
}

/// What importing some compiled modules loaded.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Loaded {
    /// Standard-library modules.
    pub stdlib: BTreeSet<String>,
    /// Every other module: the distributions'.
    pub others: BTreeSet<String>,
}

impl Loaded {
    fn parse(text: &str) -> Loaded {
        let mut loaded = Loaded::default();
        for line in text.lines() {
            if let Some(name) = line.strip_prefix("module\t") {
                loaded.stdlib.insert(name.to_string());
            } else if let Some(name) = line.strip_prefix("loaded\t") {
                loaded.others.insert(name.to_string());
            }
        }
        loaded
    }
}

/// The modules loaded once every module of `compiled` is imported by `interp`, from the
/// cache in `cache_dir` when the same files were probed before. `None` when the interpreter
/// could not be run at all (or `cache_dir` made).
pub fn loaded_by(interp: &Interpreter, compiled: &[Compiled], cache_dir: &Path) -> Option<Loaded> {
    if compiled.is_empty() {
        return Some(Loaded::default());
    }
    let cache = cache_dir.join(format!("{:032x}.txt", key(interp, compiled)));
    if let Ok(text) = fs::read_to_string(&cache) {
        return Some(Loaded::parse(&text));
    }
    fs::create_dir_all(cache_dir).ok()?;
    let text = run(interp, compiled, cache_dir)?;
    // A cache that cannot be written costs the next build time, nothing else.
    let _ = workpath::write_whole(&cache, text.as_bytes());
    Some(Loaded::parse(&text))
}

/// The interpreter, the probe and every module's name, size and modification time.
fn key(interp: &Interpreter, compiled: &[Compiled]) -> u128 {
    let mut hash = Xxh3::new();
    hash.update(interp.requested.as_os_str().as_encoded_bytes());
    hash.update(interp.magic.as_bytes());
    hash.update(PROBE.as_bytes());
    for c in compiled {
        hash.update(c.module.as_bytes());
        hash.update(c.file.as_os_str().as_encoded_bytes());
        if let Ok(meta) = fs::metadata(&c.file) {
            hash.update(&meta.len().to_le_bytes());
            let modified = meta.modified().ok();
            let since = modified.and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok());
            hash.update(&since.unwrap_or_default().as_nanos().to_le_bytes());
        }
    }
    hash.digest128()
}

/// Run the probe in `cwd` (any folder: `-I` keeps it off `sys.path`); what it reported.
fn run(interp: &Interpreter, compiled: &[Compiled], cwd: &Path) -> Option<String> {
    // Absolute, as the child starts in `cwd`; not canonical, or a virtualenv's python would
    // turn into its base interpreter and lose the environment's site-packages.
    let python = std::path::absolute(&interp.requested).ok()?;
    let mut child = crate::python::interpreter::helper(&python)
        .args(["-I", "-c", PROBE])
        .current_dir(cwd)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let names: String = compiled.iter().map(|c| format!("{}\n", c.module)).collect();
    let mut stdin = child.stdin.take()?;
    let feeder = std::thread::spawn(move || stdin.write_all(names.as_bytes()));
    let mut stdout = child.stdout.take()?;
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout.read_to_string(&mut text);
        text
    });
    let deadline = Instant::now() + TIME_LIMIT;
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                break;
            }
        }
    }
    let _ = feeder.join();
    let text = reader.join().ok()?;
    Some(
        text.lines()
            .filter(|l| l.starts_with("module\t") || l.starts_with("loaded\t"))
            .map(|l| format!("{l}\n"))
            .collect(),
    )
}
