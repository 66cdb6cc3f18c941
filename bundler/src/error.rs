//! Everything a build or a bundle command can fail with. Each message is one sentence naming
//! the problem and, where there is one, the fix; `main` prints it and exits non-zero.

use std::io;
use std::path::PathBuf;

use crate::bundle::origin::DataFlag;
use crate::bundle::target::Target;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("name the bundle to inspect: pybundle inspect dist/app")]
    NoBundleNamed,
    #[error("the script {0} does not exist; check the path")]
    ScriptMissing(PathBuf),
    #[error("the script {0} is not a file; pass the path of a .py file")]
    ScriptNotFile(PathBuf),
    #[error("nothing to bundle: {0} is not a project's folder (no pyproject.toml, setup.cfg or setup.py); pass the app's script (pybundle build app.py), an entry point (pkg.module:func), a project's folder, or an installed console script with --entry-point NAME")]
    NothingToBundle(PathBuf),
    #[error("{0} is a folder without a pyproject.toml, setup.cfg or setup.py; pass the app's script, an entry point (pkg.module:func), or a project's folder")]
    FolderWithoutProject(PathBuf),
    #[error(
        "{0} is neither a file nor an entry point; write an entry point as package.module:function"
    )]
    BadEntryPoint(String),
    #[error("{project} declares no console script ([project.scripts], [tool.poetry.scripts] or setup.cfg's [options.entry_points]){installed}; pass the app's script instead")]
    NoEntryPoints { project: PathBuf, installed: String },
    #[error("{place} declares several console scripts ({names}): pick one with --entry-point NAME, or build each with --all-entry-points")]
    ManyEntryPoints { place: String, names: String },
    #[error("{place} declares no console script {name}, and no distribution installed for {python} does; it declares: {names}")]
    UnknownEntryPoint {
        name: String,
        place: String,
        names: String,
        python: String,
    },
    #[error("no distribution installed for {python} declares a console script {name}; install the tool there (pip install ...), or check the name")]
    NoConsoleScript { name: String, python: String },
    #[error("--name and --all-entry-points go together badly: each executable takes its console script's name; drop --name")]
    NameWithAllEntryPoints,
    #[error("--entry-point and --all-entry-points go together badly: one builds one console script, the other all of them; drop one")]
    EntryPointWithAllEntryPoints,
    #[error("{what} is neither a distribution nor a file of {path}; `pybundle inspect {path} --why` lists them")]
    NotInBundle { what: String, path: PathBuf },
    #[error("{path} cannot be read as a PyInstaller spec: {why}")]
    BadSpec { path: PathBuf, why: String },
    #[error("--entry-point and --all-entry-points pick console scripts of a project or an installed tool; {0} is a script, so drop them, or name the project's folder instead")]
    EntryPointWithoutProject(String),
    #[error(
        "no Python interpreter found: activate a virtualenv, put python3 on PATH, or pass --python"
    )]
    NoInterpreter,
    #[error("{path} is not a Python interpreter pybundle can use: {why}; pass --python with a CPython 3.8+ executable")]
    NotPython { path: PathBuf, why: String },
    #[error("CPython {version} at {path} {why}")]
    UnsupportedPython {
        path: PathBuf,
        version: String,
        why: crate::python::versions::Unsupported,
    },
    #[error("CPython {version} at {path} has no shared library (libpython3.X.so), which a bundle's launcher loads; install it (Debian: libpython3.X) or use a CPython built with --enable-shared (pyenv: PYTHON_CONFIGURE_OPTS=--enable-shared)")]
    NoSharedPython { path: PathBuf, version: String },
    #[error("{flag} {spec:?} has no destination; write SRC:DEST (DEST '.' is the bundle's root)")]
    DataNoDest { flag: DataFlag, spec: String },
    #[error("{flag} {spec:?} has no source; write SRC:DEST, SRC a file, folder or glob")]
    DataNoSource { flag: DataFlag, spec: String },
    #[error("{flag} source {spec:?} does not exist and matches no file; check the path (relative paths start from the current folder)")]
    DataMissing { flag: DataFlag, spec: String },
    #[error("{flag} destination {dest:?} must be a relative path inside the bundle, like '.' or 'assets/icons'")]
    DataBadDest { flag: DataFlag, dest: String },
    #[error("{path} is {kind}, not a regular file or folder; {flag} takes files and folders only, so remove it or point at the files you mean")]
    DataNotRegular {
        flag: DataFlag,
        path: PathBuf,
        kind: &'static str,
    },
    #[error("{path} is a link to {target}, outside the folder given to {flag}; copy the file into that folder or add it with its own {flag}")]
    DataLinkOutside {
        flag: DataFlag,
        path: PathBuf,
        target: PathBuf,
    },
    #[error("{path} would be placed at {dest}, which pybundle reserves for the runtime; choose another destination")]
    Reserved { path: PathBuf, dest: String },
    #[error("two different files would be placed at {dest} ({first} and {second}); give one of them another destination")]
    Collision {
        dest: String,
        first: String,
        second: String,
    },
    #[error(
        "the output folder {output} lies inside the input {input}; choose a --distpath outside it"
    )]
    OutputInsideInput { output: PathBuf, input: PathBuf },
    #[error("cannot write to {path}: {source}; {}", output_fix(.source))]
    Unwritable { path: PathBuf, source: io::Error },
    #[error("cannot use the work folder {path}: {source}; choose another --workpath")]
    Workpath { path: PathBuf, source: io::Error },
    #[error(
        "{0} exists and is not a pybundle output; remove it or choose another --name or --distpath"
    )]
    NotOurOutput(PathBuf),
    #[error("{0} exists; pass -y to replace it")]
    OutputExists(PathBuf),
    #[error("--name {0:?} is not a plain file name; pick one without '/' or a leading '.'")]
    BadName(String),
    #[error("cannot compile {file}: {message}; fix the error (it would fail under python too)", file = .file.display())]
    Compile { file: PathBuf, message: String },
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: io::Error },
    #[error("the path {0} contains characters pybundle cannot store (not UTF-8, a tab or a newline); rename it")]
    BadPath(PathBuf),
    #[error("{path}: {why}")]
    BadBundle { path: PathBuf, why: String },
    #[error(
        "SOURCE_DATE_EPOCH={0:?} is not a whole number of seconds since 1970; fix it or unset it"
    )]
    BadEpoch(String),
    #[error("{path} [tool.pybundle]: {why}")]
    Config { path: PathBuf, why: String },
    #[error("--icon {path}: {why}")]
    BadIcon { path: PathBuf, why: &'static str },
    #[error("--compression-level {0} is out of range; use 1 (fastest) to 22 (smallest)")]
    BadLevel(i32),
    #[error("--optimize {0} is out of range; use 0, 1 (no asserts) or 2 (no docstrings either)")]
    BadOptimize(u8),
    #[error("{option} {name}: no distribution of that name is installed for the interpreter; install it or check the name")]
    NoSuchDistribution { option: &'static str, name: String },
    #[error("--runtime-hook {0} is not a file; check the path")]
    RuntimeHookMissing(PathBuf),
    #[error("--debug {0:?} is not one of imports, bootloader, noarchive or all")]
    BadDebug(String),
    #[error("--python-option {0:?} is not one pybundle passes on; use v, u, \"W <warning control>\", \"X <option>\" or hash_seed=N")]
    BadPythonOption(String),
    #[error("--log-level {0:?} is not a level; use TRACE, DEBUG, INFO, WARN, DEPRECATION, ERROR or FATAL")]
    BadLogLevel(String),
    #[error("--contents-directory {0:?} must be '.' or a relative folder name inside the output folder, other than the app's name")]
    BadContentsDir(String),
    #[error("cannot write {path}: {source}")]
    Write { path: PathBuf, source: io::Error },
    #[error("cannot write {path}: {source}; {}", output_fix(.source))]
    WriteOutput { path: PathBuf, source: io::Error },
    #[error("the app uses tkinter, but the interpreter's Tcl/Tk cannot be found ({why}); install Tcl/Tk (Debian: tcl8.6 and tk8.6) or pass --python with an interpreter that has it")]
    TclMissing { why: String },
    #[error("--target {0:?} is not a platform pybundle builds for; use linux-x86_64, linux-aarch64, windows-x64, macos-arm64, macos-x86_64 or macos-universal2 (or a Rust target triple)")]
    UnknownTarget(String),
    #[error("--runtime was given {0} times; a macos-universal2 build takes a universal2 CPython once, or python-build-standalone's arm64 and x86_64 archives, one each")]
    TooManyRuntimes(usize),
    #[error("--target-arch {0:?} is not a Mac CPU; give arm64, x86_64 or universal2")]
    BadTargetArch(String),
    #[error("--target {target} and --target-arch {} disagree; give one of them", .arch.name().trim_start_matches("macos-"))]
    TargetArchDisagrees { target: Target, arch: Target },
    #[error("--target {0} needs that platform's CPython: pass --runtime with {hint}", hint = .0.runtime_hint())]
    TargetNeedsRuntime(Target),
    #[error("this pybundle carries no launcher for {0} (`pybundle --version` lists those it carries); build one into it from pybundle's source folder with `tools/add-target {0}`, or install a pybundle wheel, which carries every launcher")]
    NoStub(Target),
    #[error("--runtime {path} is not a CPython pybundle can use for {target}: {why}")]
    BadRuntime {
        path: PathBuf,
        target: Target,
        why: String,
    },
    /// A file an option names (`--version-file`, `--codesign-identity`) that cannot be used.
    #[error("{flag} {path}: {why}")]
    BadOptionFile {
        flag: &'static str,
        path: PathBuf,
        why: String,
    },
    #[error("{} has no room in its load commands for the names of the bundle's libraries{}; relink it with -headerpad_max_install_names (or ask its maintainers to), or leave it out with --exclude-module", .0.first().map(String::as_str).unwrap_or_default(), match .0.len() { 0 | 1 => String::new(), n => format!(" (and {} more files)", n - 1) })]
    MachoNoRoom(Vec<String>),
    #[error("{file} has no {cpu} code, which a {target} bundle needs{}; {}", match more { 0 => String::new(), n => format!(" (nor have {n} more files)") }, if *target == Target::MacosUniversal2 { "every library of a universal2 bundle needs both CPUs' code: give a universal2 runtime (or both CPUs', --runtime twice), leave out the package that carries this file for one CPU only, or build one bundle for macos-arm64 and one for macos-x86_64" } else { "it was built for another Mac: take the package's wheel for this target, or leave it out with --exclude-module" })]
    MachoWrongCpu {
        file: String,
        cpu: &'static str,
        target: Target,
        more: usize,
    },
    #[error("--osx-bundle-identifier {0:?} is not a bundle identifier; use letters, digits, '-' and '.', reverse-DNS style (org.example.app)")]
    BadBundleIdentifier(String),
    #[error("--codesign-identity needs the .p12 file's password in the environment variable PYBUNDLE_CODESIGN_PASSWORD (empty if it has none)")]
    NoCodesignPassword,
    #[error("the package rules in {path} cannot be used: {why}")]
    BadRules { path: PathBuf, why: String },
    #[error("--target-package {0:?} is not a requirement; give a distribution's name, with a version if you like (pywin32, pywin32==311)")]
    BadTargetPackage(String),
    #[error("the hooks folder {0} does not exist; give --additional-hooks-dir (or the spec's hookspath) a folder of hook-*.py files or *.toml rules")]
    NoHooksDir(PathBuf),
    #[error("cannot write {what} into the Windows executable: {why}; check that it is a valid file of its kind (an icon must be .ico or .png)")]
    WindowsResource { what: String, why: String },
    #[error("the app uses tkinter, but {runtime} has no _tkinter (python.org's embeddable zip carries no Tcl/Tk); make a runtime with it, `tools/windows-runtime --tk DEST.zip` (docs/windows.md), or leave tkinter out with --exclude-module tkinter")]
    NoTkinter { runtime: String },
    #[error("--runtime {path} is CPython {runtime}, but {python}, which compiles the bytecode and holds the app's packages, is {host}; pass --python with a CPython {runtime}")]
    RuntimeVersion {
        path: PathBuf,
        runtime: String,
        python: String,
        host: String,
    },
    #[error("{distribution} {version} has no wheel for {target} (CPython {python}) on the package index; pick a version of it that has one, or leave its modules out with --exclude-module")]
    NoTargetWheel {
        distribution: String,
        version: String,
        target: Target,
        python: String,
    },
    #[error("cannot fetch {distribution}'s wheel for {target}: {why}")]
    WheelFetch {
        distribution: String,
        target: Target,
        why: String,
    },
    #[error("{path} is not an archive pybundle can read ({why}); download it again")]
    BadArchive { path: PathBuf, why: String },
    #[error("cannot use the cache folder {path}: {source}; set PYBUNDLE_CACHE_DIR to a folder you can write")]
    Cache { path: PathBuf, source: io::Error },
    #[error("--strict: {count} import{s} the app needs {were} found nowhere: {list}; install {them} into {python}{elsewhere}, or leave {them} out with --exclude-module", s = if *.count == 1 { "" } else { "s" }, were = if *.count == 1 { "was" } else { "were" }, them = if *.count == 1 { "it" } else { "them" })]
    MissingImports {
        count: usize,
        list: String,
        python: String,
        /// For a build for another platform: how to name what only that platform can install.
        elsewhere: String,
    },
    #[error("cannot fetch {what}, whose PyInstaller hooks pybundle uses: {why}")]
    HooksFetch { what: String, why: String },
    #[error("pybundle hit an internal error: {0}; please report it")]
    Internal(String),
}

/// The way out when the output cannot be written, by what went wrong.
fn output_fix(e: &io::Error) -> &'static str {
    match e.raw_os_error() {
        Some(libc::ENOSPC) | Some(libc::EDQUOT) => {
            "make room on that disk or choose another --distpath"
        }
        Some(libc::EROFS) => "that file system is read-only; choose another --distpath",
        Some(libc::EACCES) | Some(libc::EPERM) => {
            "you may not write there; choose another --distpath or fix the folder's permissions"
        }
        _ => "choose another --distpath",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unwritable_output_names_the_fix_for_its_cause() {
        let err = |errno| Error::WriteOutput {
            path: "dist/app".into(),
            source: io::Error::from_raw_os_error(errno),
        };
        assert!(err(libc::ENOSPC).to_string().contains("make room"));
        assert!(err(libc::EROFS).to_string().contains("read-only"));
        assert!(err(libc::EACCES).to_string().contains("permissions"));
        assert!(!err(libc::EROFS).to_string().contains("make room"));
    }
}
