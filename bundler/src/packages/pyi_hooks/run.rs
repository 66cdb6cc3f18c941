//! Running hooks: the build interpreter runs `runner.py` in a process of its own (`-I`, an
//! empty working folder), against pybundle's stand-in for PyInstaller (`compat/`, written into
//! the workpath), as PyInstaller runs its hooks in isolated subprocesses. Each answer is
//! cached in the workpath by the hook's text, the stand-in's, the target and the installed
//! distributions' versions, so a rebuild runs no hook again. A hook that kills its process
//! costs only itself: the runner writes each answer as it has it, and the hooks after the one
//! that died run again in a new process.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::Xxh3;

use crate::bundle::workpath;
use crate::python::interpreter::Interpreter;

const RUNNER: &str = include_str!("runner.py");

/// The stand-in for PyInstaller: (path under the compat folder, text).
const COMPAT: &[(&str, &str)] = &[
    (
        "PyInstaller/__init__.py",
        include_str!("compat/PyInstaller/__init__.py"),
    ),
    (
        "PyInstaller/compat.py",
        include_str!("compat/PyInstaller/compat.py"),
    ),
    (
        "PyInstaller/config.py",
        include_str!("compat/PyInstaller/config.py"),
    ),
    (
        "PyInstaller/isolated.py",
        include_str!("compat/PyInstaller/isolated.py"),
    ),
    (
        "PyInstaller/log.py",
        include_str!("compat/PyInstaller/log.py"),
    ),
    (
        "PyInstaller/depend/__init__.py",
        include_str!("compat/PyInstaller/depend/__init__.py"),
    ),
    (
        "PyInstaller/depend/utils.py",
        include_str!("compat/PyInstaller/depend/utils.py"),
    ),
    (
        "PyInstaller/depend/bytecode.py",
        include_str!("compat/PyInstaller/depend/bytecode.py"),
    ),
    (
        "PyInstaller/depend/bindepend.py",
        include_str!("compat/PyInstaller/depend/bindepend.py"),
    ),
    (
        "PyInstaller/lib/__init__.py",
        include_str!("compat/PyInstaller/lib/__init__.py"),
    ),
    (
        "PyInstaller/lib/modulegraph/__init__.py",
        include_str!("compat/PyInstaller/lib/modulegraph/__init__.py"),
    ),
    (
        "PyInstaller/lib/modulegraph/modulegraph.py",
        include_str!("compat/PyInstaller/lib/modulegraph/modulegraph.py"),
    ),
    (
        "PyInstaller/utils/__init__.py",
        include_str!("compat/PyInstaller/utils/__init__.py"),
    ),
    (
        "PyInstaller/utils/hooks/__init__.py",
        include_str!("compat/PyInstaller/utils/hooks/__init__.py"),
    ),
    (
        "PyInstaller/utils/hooks/conda.py",
        include_str!("compat/PyInstaller/utils/hooks/conda.py"),
    ),
    (
        "PyInstaller/utils/hooks/django.py",
        include_str!("compat/PyInstaller/utils/hooks/django.py"),
    ),
    (
        "PyInstaller/utils/hooks/gi.py",
        include_str!("compat/PyInstaller/utils/hooks/gi.py"),
    ),
    (
        "PyInstaller/utils/hooks/qt.py",
        include_str!("compat/PyInstaller/utils/hooks/qt.py"),
    ),
    (
        "PyInstaller/utils/hooks/setuptools.py",
        include_str!("compat/PyInstaller/utils/hooks/setuptools.py"),
    ),
    (
        "PyInstaller/utils/hooks/tcl_tk.py",
        include_str!("compat/PyInstaller/utils/hooks/tcl_tk.py"),
    ),
];

/// How long one process of hooks may take; hooks not answered by then are reported as failed.
const TIME_LIMIT: Duration = Duration::from_secs(300);

/// What one hook said (its module-level names and what its `hook()` added).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Said {
    pub module: String,
    pub file: PathBuf,
    /// Why it did not run to its end, if it did not.
    pub error: Option<String>,
    pub hiddenimports: Vec<String>,
    pub excludedimports: Vec<String>,
    /// (file, destination folder relative to the bundle's root).
    pub datas: Vec<(PathBuf, String)>,
    pub binaries: Vec<(PathBuf, String)>,
    /// (module or package, PyInstaller's collection mode: `pyz`, `pyc`, `py`, `pyz+py`).
    pub collection_mode: Vec<(String, String)>,
    /// What it logged, for `-v`.
    pub log: Vec<String>,
}

/// What the runner is told about the build's target (PyInstaller.compat's answers).
#[derive(Debug, Clone, Serialize)]
pub struct TargetFacts {
    pub os: &'static str,
    pub machine: &'static str,
}

impl TargetFacts {
    pub fn of(target: crate::bundle::target::Target) -> TargetFacts {
        use crate::bundle::target::{Os, Target};
        TargetFacts {
            os: match target.os() {
                Os::Linux => "linux",
                Os::Windows => "windows",
                Os::Macos => "macos",
            },
            machine: match target {
                // A universal bundle's hooks run as for Apple silicon, as its markers are judged.
                Target::LinuxAarch64 | Target::MacosArm64 | Target::MacosUniversal2 => "aarch64",
                Target::MacosX86_64 => "x86_64",
                Target::LinuxX86_64 | Target::WindowsX64 => "x86_64",
            },
        }
    }
}

/// Runs hooks with one interpreter, for one target, caching in one folder.
pub struct Runner<'a> {
    pub interp: &'a Interpreter,
    pub target: TargetFacts,
    /// The workpath's hooks bucket.
    pub cache_dir: PathBuf,
    /// The installed distributions, as (name, version): hooks read them.
    pub installed: Vec<(String, String)>,
}

#[derive(Serialize)]
struct Request<'a> {
    target: &'a TargetFacts,
    /// Folders added at the end of sys.path (a fetched pyinstaller-hooks-contrib).
    paths: &'a [PathBuf],
    /// The app's own modules, (name, file), which a hook may read (`get_code_using`).
    code_users: &'a [(String, PathBuf)],
    #[serde(skip_serializing_if = "Option::is_none")]
    entry_points: Option<Vec<(String, String)>>,
    hooks: Vec<(String, PathBuf)>,
}

#[derive(Deserialize)]
struct HookDirsLine {
    hook_dirs: Vec<(String, Vec<PathBuf>)>,
}

impl Runner<'_> {
    /// The folders each `(distribution, module:function)` entry point names; cached by the
    /// entry points and the installed versions. `None` when the interpreter could not be run.
    pub fn hook_dirs(&self, entry_points: &[(String, String)]) -> Option<Vec<Vec<PathBuf>>> {
        if entry_points.is_empty() {
            return Some(Vec::new());
        }
        let mut key = self.base_key();
        key.update(b"hook-dirs");
        for (dist, reference) in entry_points {
            key.update(dist.as_bytes());
            key.update(reference.as_bytes());
        }
        let cache = self
            .cache_dir
            .join(format!("dirs-{:032x}.json", key.digest128()));
        if let Some(dirs) = fs::read(&cache)
            .ok()
            .and_then(|b| serde_json::from_slice::<Vec<Vec<PathBuf>>>(&b).ok())
        {
            return Some(dirs);
        }
        let request = Request {
            target: &self.target,
            paths: &[],
            code_users: &[],
            entry_points: Some(entry_points.to_vec()),
            hooks: Vec::new(),
        };
        let lines = self.run_process(&request)?;
        let answer: HookDirsLine = lines.first().and_then(|l| serde_json::from_str(l).ok())?;
        let dirs: Vec<Vec<PathBuf>> = answer.hook_dirs.into_iter().map(|(_, d)| d).collect();
        if let Ok(bytes) = serde_json::to_vec(&dirs) {
            let _ = workpath::write_whole(&cache, &bytes);
        }
        Some(dirs)
    }

    /// Run `hooks` ((module, file)) with `paths` at the end of sys.path, the app's modules
    /// `code_users` to read; what each said, in the same order. A hook the runner could not
    /// finish says why in `error`.
    pub fn run(
        &self,
        hooks: &[(String, PathBuf)],
        paths: &[PathBuf],
        code_users: &[(String, PathBuf)],
    ) -> Vec<Said> {
        let mut said: BTreeMap<usize, Said> = BTreeMap::new();
        let mut pending: Vec<(usize, String, PathBuf, PathBuf)> = Vec::new();
        for (i, (module, file)) in hooks.iter().enumerate() {
            let cache = self.cache_file(module, file, code_users);
            let cached = cache.as_ref().and_then(|c| {
                fs::read(c)
                    .ok()
                    .and_then(|b| serde_json::from_slice::<Said>(&b).ok())
            });
            match (cached, cache) {
                (Some(hit), _) => {
                    said.insert(i, hit);
                }
                (None, Some(cache)) => pending.push((i, module.clone(), file.clone(), cache)),
                (None, None) => {
                    said.insert(i, failed(module, file, "its file cannot be read".into()));
                }
            }
        }
        while !pending.is_empty() {
            let request = Request {
                target: &self.target,
                paths,
                code_users,
                entry_points: None,
                hooks: (pending.iter())
                    .map(|(_, m, f, _)| (m.clone(), f.clone()))
                    .collect(),
            };
            let answers: Vec<Said> = self
                .run_process(&request)
                .unwrap_or_default()
                .iter()
                .filter_map(|line| serde_json::from_str(line).ok())
                .collect();
            let answered = answers.len();
            for ((i, _, _, cache), answer) in pending.iter().zip(answers) {
                if let Ok(bytes) = serde_json::to_vec(&answer) {
                    let _ = workpath::write_whole(cache, &bytes);
                }
                said.insert(*i, answer);
            }
            // The next hook is the one the process died in (or ran out of time in).
            let rest = pending.split_off(answered.min(pending.len()));
            let mut rest = rest.into_iter();
            if let Some((i, module, file, _)) = rest.next() {
                said.insert(
                    i,
                    failed(
                        &module,
                        &file,
                        "the interpreter running it ended or ran out of time".into(),
                    ),
                );
            }
            pending = rest.collect();
        }
        said.into_values().collect()
    }

    /// Everything an answer depends on besides the hook itself.
    fn base_key(&self) -> Xxh3 {
        let mut key = Xxh3::new();
        key.update(self.interp.requested.as_os_str().as_encoded_bytes());
        key.update(self.interp.magic.as_bytes());
        key.update(RUNNER.as_bytes());
        for (path, text) in COMPAT {
            key.update(path.as_bytes());
            key.update(text.as_bytes());
        }
        key.update(self.target.os.as_bytes());
        key.update(self.target.machine.as_bytes());
        for (name, version) in &self.installed {
            key.update(name.as_bytes());
            key.update(version.as_bytes());
        }
        key
    }

    fn cache_file(
        &self,
        module: &str,
        file: &Path,
        code_users: &[(String, PathBuf)],
    ) -> Option<PathBuf> {
        let text = fs::read(file).ok()?;
        let mut key = self.base_key();
        key.update(module.as_bytes());
        key.update(file.as_os_str().as_encoded_bytes());
        key.update(&text);
        // A hook that reads the app's code answers by it.
        if text.windows(14).any(|w| w == b"get_code_using") {
            for (name, user) in code_users {
                key.update(name.as_bytes());
                key.update(&fs::read(user).unwrap_or_default());
            }
        }
        Some(
            self.cache_dir
                .join(format!("{:032x}.json", key.digest128())),
        )
    }

    /// The stand-in for PyInstaller, written once into the cache folder.
    fn compat_dir(&self) -> Option<PathBuf> {
        let mut key = Xxh3::new();
        for (path, text) in COMPAT {
            key.update(path.as_bytes());
            key.update(text.as_bytes());
        }
        let dir = self.cache_dir.join(format!("compat-{:016x}", key.digest()));
        if !dir.join("PyInstaller/__init__.py").is_file() {
            for (path, text) in COMPAT {
                let file = dir.join(path);
                fs::create_dir_all(file.parent()?).ok()?;
                workpath::write_whole(&file, text.as_bytes()).ok()?;
            }
        }
        Some(dir)
    }

    /// One runner process for `request`: the lines it answered.
    fn run_process(&self, request: &Request) -> Option<Vec<String>> {
        fs::create_dir_all(&self.cache_dir).ok()?;
        let compat = self.compat_dir()?;
        let scratch = tempfile::Builder::new()
            .prefix(".run-")
            .tempdir_in(&self.cache_dir)
            .ok()?;
        let runner = scratch.path().join("runner.py");
        let request_file = scratch.path().join("request.json");
        let results = scratch.path().join("results.jsonl");
        fs::write(&runner, RUNNER).ok()?;
        fs::write(&request_file, serde_json::to_vec(request).ok()?).ok()?;
        let cwd = scratch.path().join("cwd");
        fs::create_dir_all(&cwd).ok()?;
        // Absolute, as the child starts in `cwd`; not canonical, or a virtualenv's python
        // would turn into its base interpreter and lose the environment's site-packages.
        let python = std::path::absolute(&self.interp.requested).ok()?;
        let mut child = crate::python::interpreter::helper(&python)
            .arg("-I")
            .arg(&runner)
            .arg(&compat)
            .arg(&request_file)
            .arg(&results)
            .current_dir(&cwd)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        let deadline = Instant::now() + TIME_LIMIT;
        loop {
            match child.try_wait() {
                Ok(Some(_)) => break,
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20))
                }
                _ => {
                    let _ = child.kill();
                    let _ = child.wait();
                    break;
                }
            }
        }
        let text = fs::read_to_string(&results).unwrap_or_default();
        Some(text.lines().map(String::from).collect())
    }
}

fn failed(module: &str, file: &Path, why: String) -> Said {
    Said {
        module: module.to_string(),
        file: file.to_path_buf(),
        error: Some(why),
        ..Said::default()
    }
}
