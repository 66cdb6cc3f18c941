//! The commands that read finished bundles: `inspect`, `extract` and `verify`. Each takes a
//! onefile executable, a onedir executable, or a onedir folder (whatever it was renamed to).
//! And `cache list|clean`, over the runtime cache `--runtime-cache` apps unpack into,
//! `import-spec` and `completions SHELL`.
//! What they print goes to stdout in one piece; a reader that stops early (`| head`) ends the
//! command quietly.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use pybundle_archive::cache;
use pybundle_archive::{Bundle, Difference, Mode, Signals, Unpack};

use crate::about;
use crate::error::Error;
use crate::record::Record;

/// A bundle and the folder its files are in (onedir), opened from what the user named.
struct Opened {
    exe: PathBuf,
    bundle: Bundle,
}

impl Opened {
    fn open(path: &Path) -> Result<Self, Error> {
        let exe = executable_of(path)?;
        let bundle = Bundle::open(&exe).map_err(|e| Error::BadBundle {
            path: exe.clone(),
            why: e.to_string(),
        })?;
        Ok(Opened { exe, bundle })
    }

    /// What the bundle is for: its target, CPython and glibc floor.
    fn about(&self) -> Result<about::About, Error> {
        let read_err = |path: &Path| {
            let path = path.to_path_buf();
            move |source| Error::Read { path, source }
        };
        let mut launcher = Vec::new();
        fs::File::open(&self.exe)
            .and_then(|f| {
                f.take(self.bundle.trailer.archive_offset)
                    .read_to_end(&mut launcher)
            })
            .map_err(read_err(&self.exe))?;
        let mut about = about::About::of_launcher(&launcher);
        let m = &self.bundle.manifest;
        let root = self.onedir_root();
        for f in (m.files.iter()).filter(|f| about::may_be_elf(&f.path, f.mode)) {
            let bytes = match &root {
                Some(root) => fs::read(root.join(&f.path)).ok(),
                None => self
                    .bundle
                    .read_file(&f.path)
                    .map_err(|e| Error::BadBundle {
                        path: self.exe.clone(),
                        why: e.to_string(),
                    })?,
            };
            if let Some(bytes) = bytes {
                about.add(&f.path, &bytes, &m.launch.python);
            }
        }
        Ok(about)
    }

    /// The build's record, from the module store; `None` for a bundle made before pybundle
    /// kept one.
    fn record(&self) -> Result<Option<Record>, Error> {
        let store = match self.onedir_root() {
            Some(root) => fs::read(root.join(crate::layout::MODULE_STORE)).ok(),
            None => self
                .bundle
                .read_file(crate::layout::MODULE_STORE)
                .map_err(|e| Error::BadBundle {
                    path: self.exe.clone(),
                    why: e.to_string(),
                })?,
        };
        let record = store.and_then(|s| crate::module_store::read_record(&s));
        Ok(record.and_then(|bytes| serde_json::from_slice(&bytes).ok()))
    }

    /// A onedir bundle's root: the folder beside the executable that holds its files.
    fn onedir_root(&self) -> Option<PathBuf> {
        let Mode::Onedir { contents_dir } = &self.bundle.manifest.mode else {
            return None;
        };
        let dir = self.exe.parent()?;
        Some(if contents_dir == "." {
            dir.to_path_buf()
        } else {
            dir.join(contents_dir)
        })
    }
}

/// A onefile executable, a onedir executable, or a onedir folder → the executable to open. In
/// a folder: `FOLDER/FOLDER` when that is a bundle, else the one file in it that is.
fn executable_of(path: &Path) -> Result<PathBuf, Error> {
    if !path.is_dir() {
        return Ok(path.to_path_buf());
    }
    if let Some(name) = path.file_name() {
        let same_name = path.join(name);
        if pybundle_archive::trailer_of(&same_name).is_ok() {
            return Ok(same_name);
        }
    }
    let mut found: Vec<PathBuf> = fs::read_dir(path)
        .map_err(|source| Error::Read {
            path: path.to_path_buf(),
            source,
        })?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file() && pybundle_archive::trailer_of(p).is_ok())
        .collect();
    found.sort();
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => Err(Error::BadBundle {
            path: path.to_path_buf(),
            why: "it is a folder that holds no pybundle executable; pass the executable itself, or the folder pybundle wrote (dist/NAME)".into(),
        }),
        _ => Err(Error::BadBundle {
            path: path.to_path_buf(),
            why: format!(
                "it holds {} pybundle executables; pass the one you mean",
                found.len()
            ),
        }),
    }
}

pub fn inspect(path: &Path) -> Result<(), Error> {
    let opened = Opened::open(path)?;
    let m = &opened.bundle.manifest;
    let mut out = String::new();
    let _ = writeln!(out, "name: {}", m.name);
    let _ = writeln!(out, "executable: {}", opened.exe.display());
    let mode = match &m.mode {
        Mode::Onefile {
            unpack: Unpack::Temporary,
        } => "onefile".to_string(),
        Mode::Onefile {
            unpack: Unpack::Cached,
        } => "onefile, unpacked into the user's cache (--runtime-cache)".to_string(),
        Mode::Onedir { contents_dir } => format!("onedir, files in {contents_dir}"),
    };
    let _ = writeln!(out, "mode: {mode}");
    let about = opened.about()?;
    let unknown = || "unknown".to_string();
    let target = about.target.map(|t| t.to_string());
    let _ = writeln!(out, "target: {}", target.unwrap_or_else(unknown));
    let _ = writeln!(
        out,
        "python: CPython {}, loaded from {}",
        about.python.unwrap_or_else(unknown),
        m.launch.python
    );
    let is_linux = about
        .target
        .is_none_or(|t| t.os() == crate::target::Os::Linux);
    if is_linux {
        let glibc = about.glibc.map(|g| format!("{g} or newer"));
        let _ = writeln!(
            out,
            "glibc: {}",
            glibc.unwrap_or_else(|| "none needed".into())
        );
    }
    if !m.launch.options.is_empty() {
        let _ = writeln!(out, "interpreter options: {}", m.launch.options.join(" "));
    }
    if m.launch.signals == Signals::Ignore {
        let _ = writeln!(out, "signals: ignored by the launcher");
    }
    if let Some(dir) = &m.runtime_tmpdir {
        let _ = writeln!(out, "runtime tmpdir: {dir}");
    }
    let raw: u64 = m.files.iter().map(|f| f.size).sum();
    match opened.onedir_root() {
        Some(root) => {
            let _ = writeln!(
                out,
                "files: {} ({raw} bytes) in {}",
                m.files.len(),
                root.display()
            );
        }
        None => {
            let _ = writeln!(
                out,
                "files: {} ({raw} bytes, {} compressed in {} chunks)",
                m.files.len(),
                opened.bundle.trailer.payload_len,
                m.chunks.len()
            );
        }
    }
    for f in &m.files {
        let _ = writeln!(
            out,
            "{:>12}  {:o}  {:016x}  {}",
            f.size, f.mode, f.hash, f.path
        );
    }
    print_all(&out)
}

/// `pybundle inspect --why [WHAT]`: why each distribution is in the bundle and what put the
/// largest files there; with WHAT, that distribution or file alone.
pub fn inspect_why(path: &Path, what: &str) -> Result<(), Error> {
    let opened = Opened::open(path)?;
    let Some(record) = opened.record()? else {
        return print_all("this bundle keeps no record of why things are in it (it was built by an older pybundle)\n");
    };
    let sizes: BTreeMap<&str, u64> = (opened.bundle.manifest.files.iter())
        .map(|f| (f.path.as_str(), f.size))
        .collect();
    let mut out = String::new();
    let why_of = |d: &crate::record::Distribution, out: &mut String| {
        let _ = writeln!(out, "{} {}", d.name, d.version);
        for line in &d.why {
            let _ = writeln!(out, "  {line}");
        }
    };
    if what.is_empty() {
        let _ = writeln!(out, "distributions, and how the app reaches each:");
        for d in &record.distributions {
            why_of(d, &mut out);
        }
        let mut largest: Vec<(&str, u64)> = sizes.iter().map(|(p, s)| (*p, *s)).collect();
        largest.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let _ = writeln!(out, "largest files, and what put each there:");
        for (file, size) in largest.iter().take(15) {
            let origin = record.files.get(*file).map_or("the build", String::as_str);
            let _ = writeln!(out, "{:>10.1} MB  {file}  ({origin})", *size as f64 / 1e6);
        }
        return print_all(&out);
    }
    let norm = |s: &str| s.to_ascii_lowercase().replace(['-', '.'], "_");
    if let Some(d) = record
        .distributions
        .iter()
        .find(|d| norm(&d.name) == norm(what))
    {
        why_of(d, &mut out);
        let mine: Vec<(&String, &String)> = (record.files.iter())
            .filter(|(_, origin)| origin.ends_with(&format!("({})", d.name)))
            .collect();
        let on_disk: Vec<u64> = (mine.iter())
            .filter_map(|(p, _)| sizes.get(p.as_str()).copied())
            .collect();
        let _ = writeln!(
            out,
            "files: {} ({:.1} MB), {} more served from the module store with its modules",
            on_disk.len(),
            on_disk.iter().sum::<u64>() as f64 / 1e6,
            mine.len() - on_disk.len()
        );
        return print_all(&out);
    }
    if let Some(origin) = record.files.get(what) {
        let _ = writeln!(out, "{what}: {origin}");
        let dist =
            (record.distributions.iter()).find(|d| origin.ends_with(&format!("({})", d.name)));
        if let Some(d) = dist {
            why_of(d, &mut out);
        }
        return print_all(&out);
    }
    Err(Error::NotInBundle {
        what: what.to_string(),
        path: path.to_path_buf(),
    })
}

/// `pybundle inspect --json`: what `inspect` shows, and the build's record, as one object.
pub fn inspect_json(path: &Path) -> Result<(), Error> {
    let opened = Opened::open(path)?;
    let m = &opened.bundle.manifest;
    let about = opened.about()?;
    let (mode, unpack) = match &m.mode {
        Mode::Onefile { unpack } => (
            "onefile",
            Some(if *unpack == Unpack::Cached {
                "cache"
            } else {
                "temporary"
            }),
        ),
        Mode::Onedir { .. } => ("onedir", None),
    };
    let files: Vec<serde_json::Value> = (m.files.iter())
        .map(|f| serde_json::json!({"path": f.path, "bytes": f.size, "mode": format!("{:o}", f.mode)}))
        .collect();
    let value = serde_json::json!({
        "schema": 1,
        "name": m.name,
        "executable": opened.exe,
        "mode": mode,
        "unpack": unpack,
        "target": about.target.map(|t| t.to_string()),
        "python": about.python,
        "glibc": about.glibc.map(|g| g.to_string()),
        "files": files,
        "record": opened.record()?,
    });
    print_all(&format!("{value}\n"))
}

pub fn extract(exe: &Path, dest: &Path) -> Result<(), Error> {
    let opened = Opened::open(exe)?;
    if let Some(root) = opened.onedir_root() {
        return Err(Error::BadBundle {
            path: opened.exe,
            why: format!(
                "it is a onedir launcher; its files are already in {}",
                root.display()
            ),
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
    opened
        .bundle
        .extract_all(dest, 0o755)
        .map_err(|e| Error::BadBundle {
            path: opened.exe.clone(),
            why: format!("it could not be extracted: {e}"),
        })?;
    print_all(&format!(
        "{} files written to {}\n",
        opened.bundle.manifest.files.len(),
        dest.display()
    ))
}

/// Exit 0 when the executable's archive (and a onedir's every file) is as built; else one
/// line per problem on stderr and exit 1.
pub fn verify(path: &Path) -> Result<ExitCode, Error> {
    let opened = match Opened::open(path) {
        Ok(opened) => opened,
        Err(err) => {
            eprintln!("error: {err}");
            return Ok(ExitCode::FAILURE);
        }
    };
    let files = opened.bundle.manifest.files.len();
    let Some(root) = opened.onedir_root() else {
        print_all(&format!(
            "{}: intact ({files} files)\n",
            opened.exe.display()
        ))?;
        return Ok(ExitCode::SUCCESS);
    };
    let launcher_name = opened
        .exe
        .file_name()
        .map(|n| n.to_string_lossy().into_owned());
    let differences: Vec<Difference> = (opened.bundle.differences(&root).into_iter())
        // With `--contents-directory .` the launcher sits among the files.
        .filter(|d| !matches!(d, Difference::Added(p) if Some(p) == launcher_name.as_ref()))
        .collect();
    if differences.is_empty() {
        print_all(&format!(
            "{}: intact ({files} files in {}, each checked)\n",
            opened.exe.display(),
            root.display()
        ))?;
        return Ok(ExitCode::SUCCESS);
    }
    for d in &differences {
        let line = match d {
            Difference::Missing(p) => format!("{p} is missing"),
            Difference::Changed(p, why) => format!("{p} changed: it {why}"),
            Difference::Added(p) => format!("{p} was not in the bundle"),
        };
        eprintln!("error: {}: {line}", root.display());
    }
    eprintln!(
        "error: {} is damaged ({} of {files} files differ); rebuild it or copy it again",
        opened.exe.display(),
        differences.len()
    );
    Ok(ExitCode::FAILURE)
}

/// Write `text` to stdout; a closed pipe (`| head`) is not an error.
fn print_all(text: &str) -> Result<(), Error> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Error::Write {
            path: PathBuf::from("<stdout>"),
            source: e,
        }),
        _ => Ok(()),
    }
}

/// `pybundle cache list`: each entry of the runtime cache, with its size, when it was last
/// used and whether an app runs from it now.
pub fn cache_list() -> Result<(), Error> {
    let Some(base) = cache::base_dir() else {
        return print_all("no runtime cache: neither XDG_CACHE_HOME nor HOME is set\n");
    };
    let mut entries = cache::entries(&base);
    entries.sort_by(|a, b| a.path.cmp(&b.path));
    if entries.is_empty() {
        return print_all(&format!("the runtime cache {} is empty\n", base.display()));
    }
    let mut out = format!("runtime cache: {}\n", base.display());
    let mut total = 0;
    for entry in &entries {
        let size = folder_size(&entry.path);
        total += size;
        let state = if in_use(&entry.path) {
            "in use"
        } else {
            "idle"
        };
        let _ = writeln!(
            out,
            "{:<24} {:>9}  used {:<14} {:<6}  {}",
            entry.app,
            megabytes(size),
            ago(entry.last_used),
            state,
            entry.path.file_name().unwrap_or_default().to_string_lossy()
        );
    }
    let _ = writeln!(out, "{} entries, {}", entries.len(), megabytes(total));
    print_all(&out)
}

/// `pybundle cache clean [APP...]`: remove the entries nobody runs from (of the apps named, or
/// all); an entry in use stays and is named.
pub fn cache_clean(apps: &[String]) -> Result<(), Error> {
    let Some(base) = cache::base_dir() else {
        return print_all("no runtime cache: neither XDG_CACHE_HOME nor HOME is set\n");
    };
    let mut out = String::new();
    let (mut removed, mut freed) = (0, 0);
    for entry in cache::entries(&base) {
        if !apps.is_empty() && !apps.iter().any(|a| cache::safe_name(a) == entry.app) {
            continue;
        }
        let size = folder_size(&entry.path);
        match cache::remove_idle(&entry.path) {
            Ok(true) => {
                removed += 1;
                freed += size;
            }
            Ok(false) => {
                let _ = writeln!(out, "kept {}: an app runs from it", entry.path.display());
            }
            Err(source) => {
                return Err(Error::Write {
                    path: entry.path.clone(),
                    source,
                })
            }
        }
    }
    let _ = writeln!(out, "removed {removed} entries ({})", megabytes(freed));
    print_all(&out)
}

/// Whether an app runs from the entry `dir` (it holds a shared lock on it).
fn in_use(dir: &Path) -> bool {
    cache::lock_dir(dir, cache::Hold::Exclusive, cache::Inherit::No).is_none()
}

fn folder_size(dir: &Path) -> u64 {
    let Ok(read) = fs::read_dir(dir) else {
        return 0;
    };
    (read.flatten())
        .map(|item| match item.file_type() {
            Ok(t) if t.is_dir() => folder_size(&item.path()),
            Ok(t) if t.is_file() => item.metadata().map_or(0, |m| m.len()),
            _ => 0,
        })
        .sum()
}

fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

/// How long ago `when` was, roughly.
fn ago(when: std::time::SystemTime) -> String {
    let secs = when.elapsed().map_or(0, |d| d.as_secs());
    match secs {
        0..=119 => "just now".to_string(),
        120..=7199 => format!("{} min ago", secs / 60),
        7200..=172_799 => format!("{} h ago", secs / 3600),
        _ => format!("{} days ago", secs / 86_400),
    }
}

/// `pybundle completions SHELL`: the completion script clap writes for the whole command line.
pub fn completions(shell: clap_complete::Shell, command: &mut clap::Command) -> Result<(), Error> {
    let mut script = Vec::new();
    clap_complete::generate(shell, command, "pybundle", &mut script);
    print_all(&String::from_utf8_lossy(&script))
}

/// `pybundle import-spec X.spec`: the spec's settings as a `[tool.pybundle]` table, paths
/// relative to the spec's folder, and what was not carried over as comments.
pub fn import_spec(spec: &Path) -> Result<(), Error> {
    use clap::Parser as _;
    let imported = crate::spec_file::read(spec)?;
    let argv = ["pybundle", "build"]
        .into_iter()
        .map(String::from)
        .chain(imported.args.iter().cloned());
    let cli = crate::cli::Cli::try_parse_from(argv).map_err(|e| Error::BadSpec {
        path: spec.to_path_buf(),
        why: e.to_string().lines().next().unwrap_or_default().to_string(),
    })?;
    let crate::cli::Command::Build(args) = cli.command else {
        return Err(Error::Internal("a spec's arguments are a build's".into()));
    };
    let options = crate::settings::options::Options::from_cli(&args)?;
    let script = args.script.clone().unwrap_or_default();
    let dir = std::path::absolute(spec)
        .ok()
        .and_then(|p| p.parent().map(Path::to_path_buf))
        .unwrap_or_default();
    let stem = script.file_stem().unwrap_or_default().to_string_lossy();
    let name = options.name.clone().unwrap_or_else(|| stem.to_string());
    let body = crate::specpath::table(&dir, &name, &options)?;
    let shown = script
        .strip_prefix(&dir)
        .unwrap_or(&script)
        .display()
        .to_string();
    let mut out = format!(
        "# {} as pybundle settings. Put this table in the pyproject.toml beside the spec\n\
         # (paths are relative to its folder), then: pybundle build {shown}\n",
        spec.display()
    );
    for warning in imported.warnings_for(spec) {
        eprintln!("warning: {warning}");
        let _ = writeln!(out, "# {warning}");
    }
    let _ = write!(out, "[tool.pybundle]\n{body}");
    print_all(&out)
}
