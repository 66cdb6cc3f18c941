//! Wheels for another target: a distribution as the target needs it, fetched from the package
//! index by the build interpreter's pip (`pip download --only-binary=:all: --platform ...`,
//! which checks each file against the hash the index gives), kept in the user's cache, and
//! unpacked there into a folder laid out as site-packages (the wheel's `.data/purelib` and
//! `.data/platlib` moved to its top, as an installer would), which the site index then reads
//! like any other.
//!
//! Cache: `wheels/TARGET/cpXY/` holds the downloaded `.whl` files and, in `sites/`, one
//! unpacked folder per wheel. A pinned version (`==2.4.6`) found there is not asked of the
//! index again.
//!
//! For `macos-universal2`, a distribution with no universal2 wheel is taken from its arm64
//! and x86_64 wheels of the same version, joined file by file into one site folder (by
//! [`JoinSites`], which the pipeline gives: `native::macho::join`), kept beside the others.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use crate::bundle::target::Target;
use crate::error::Error;
use crate::python::interpreter::Interpreter;
use crate::python::runtime::Runtime;
use crate::python::unpack::{self, Kind};
use crate::python::user_cache;

/// Join a distribution's arm64 site folder and its x86_64 one into `into`, for both Mac CPUs.
pub type JoinSites = fn(arm64: &Path, x86_64: &Path, into: &Path) -> Result<(), Error>;

pub struct Fetcher<'a> {
    interp: &'a Interpreter,
    target: Target,
    /// `3.11`.
    python: String,
    downloads: PathBuf,
    sites: PathBuf,
    join: Option<JoinSites>,
}

impl<'a> Fetcher<'a> {
    /// Fetch wheels for `runtime`'s target and Python with `interp`'s pip.
    pub fn new(interp: &'a Interpreter, runtime: &Runtime) -> Result<Self, Error> {
        Fetcher::for_target(interp, runtime.target, &runtime.version_short)
    }

    fn for_target(interp: &'a Interpreter, target: Target, python: &str) -> Result<Self, Error> {
        let tag = format!("cp{}", python.replace('.', ""));
        let base = user_cache::dir("wheels")?.join(target.name()).join(tag);
        Ok(Fetcher {
            interp,
            target,
            python: python.to_string(),
            downloads: base.clone(),
            sites: base.join("sites"),
            join: None,
        })
    }

    /// Make a universal2 site of a distribution's two thin wheels with `join` when it has no
    /// universal2 wheel.
    pub fn joining(self, join: JoinSites) -> Self {
        Fetcher {
            join: Some(join),
            ..self
        }
    }

    /// The site folder holding the target's wheel of `name` at a version `spec` accepts
    /// (`==2.4.6`, `>=1.2,<2`, or empty for the newest).
    pub fn site_of(&self, name: &str, spec: &str) -> Result<PathBuf, Error> {
        match (self.wheel_of(name, spec), self.join) {
            (Err(Error::NoTargetWheel { .. }), Some(join))
                if self.target == Target::MacosUniversal2 =>
            {
                self.joined_site(name, spec, join)
            }
            (wheel, _) => self.unpacked(&wheel?),
        }
    }

    /// The wheel of `name` that `spec` accepts: from the cache when pinned, else from pip.
    fn wheel_of(&self, name: &str, spec: &str) -> Result<PathBuf, Error> {
        match pinned(spec).and_then(|v| self.cached(name, v)) {
            Some(wheel) => Ok(wheel),
            None => self.download(name, spec),
        }
    }

    /// The arm64 and x86_64 wheels of `name` at one version (the newest `spec` accepts for
    /// arm64), joined into one site folder.
    fn joined_site(&self, name: &str, spec: &str, join: JoinSites) -> Result<PathBuf, Error> {
        let arm = Fetcher::for_target(self.interp, Target::MacosArm64, &self.python)?;
        let arm_wheel = arm.wheel_of(name, spec)?;
        let file_name = |p: &Path| p.file_name().and_then(|n| n.to_str()).map(str::to_string);
        let arm_name = file_name(&arm_wheel).ok_or_else(|| Error::BadPath(arm_wheel.clone()))?;
        let version = arm_name.split('-').nth(1).unwrap_or_default();
        let x86 = Fetcher::for_target(self.interp, Target::MacosX86_64, &self.python)?;
        let x86_wheel = x86.wheel_of(name, &format!("=={version}"))?;
        let (arm_site, x86_site) = (arm.unpacked(&arm_wheel)?, x86.unpacked(&x86_wheel)?);
        let x86_name = file_name(&x86_wheel).ok_or_else(|| Error::BadPath(x86_wheel.clone()))?;
        let x86_tag = x86_name.rsplit('-').next().unwrap_or_default();
        let stem = arm_name.strip_suffix(".whl").unwrap_or(&arm_name);
        let site = self
            .sites
            .join(format!("{stem}+{}", x86_tag.trim_end_matches(".whl")));
        user_cache::once(&site, |fresh| join(&arm_site, &x86_site, fresh))?;
        Ok(site)
    }

    /// The site folder of `wheel`, unpacked once.
    fn unpacked(&self, wheel: &Path) -> Result<PathBuf, Error> {
        let stem = wheel
            .file_stem()
            .and_then(|s| s.to_str())
            .ok_or_else(|| Error::BadPath(wheel.to_path_buf()))?;
        let site = self.sites.join(stem);
        user_cache::once(&site, |fresh| {
            unpack::unpack(wheel, Kind::Zip, fresh)?;
            lift_data(fresh)
        })?;
        Ok(site)
    }

    /// A wheel of `name` at `version` already downloaded for this target.
    fn cached(&self, name: &str, version: &str) -> Option<PathBuf> {
        let wanted = (wheel_name(name), version.to_string());
        let entries = fs::read_dir(&self.downloads).ok()?;
        let mut found: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                let file = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
                let mut parts = file.strip_suffix(".whl").unwrap_or("").split('-');
                let (n, v) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
                (wheel_name(n), v.to_string()) == wanted
            })
            .collect();
        found.sort();
        found.pop()
    }

    /// Ask pip for the wheel; the path of the `.whl` it fetched, moved into the cache.
    fn download(&self, name: &str, spec: &str) -> Result<PathBuf, Error> {
        let fetch_err = |why: String| Error::WheelFetch {
            distribution: name.to_string(),
            target: self.target,
            why,
        };
        let cache_err = |source| Error::Cache {
            path: self.downloads.clone(),
            source,
        };
        fs::create_dir_all(&self.downloads).map_err(cache_err)?;
        let scratch = tempfile::Builder::new()
            .prefix(".download-")
            .tempdir_in(&self.downloads)
            .map_err(cache_err)?;
        let mut cmd = crate::python::interpreter::helper(&self.interp.requested);
        cmd.args([
            "-m",
            "pip",
            "download",
            "--quiet",
            "--disable-pip-version-check",
        ])
        .args(["--no-deps", "--only-binary=:all:", "--implementation", "cp"])
        .args(["--python-version", &self.python]);
        for platform in self.target.wheel_platforms() {
            cmd.args(["--platform", &platform]);
        }
        let out = cmd
            .arg("--dest")
            .arg(scratch.path())
            .arg(format!("{name}{spec}"))
            .stdin(Stdio::null())
            .output()
            .map_err(|e| {
                fetch_err(format!(
                    "{} could not be run ({e})",
                    self.interp.described()
                ))
            })?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        if !out.status.success() {
            if stderr.contains("No module named pip") {
                return Err(fetch_err(format!(
                    "pip, which fetches them, is not installed for {}; install it with `python -m ensurepip`",
                    self.interp.described()
                )));
            }
            if stderr.contains("No matching distribution")
                || stderr.contains("Could not find a version")
            {
                return Err(Error::NoTargetWheel {
                    distribution: name.to_string(),
                    version: if spec.is_empty() {
                        "(any version)".into()
                    } else {
                        spec.trim_start_matches("==").to_string()
                    },
                    target: self.target,
                    python: self.python.clone(),
                });
            }
            let last = stderr.lines().map(str::trim).rfind(|l| !l.is_empty());
            return Err(fetch_err(format!(
                "pip said: {}",
                last.unwrap_or("nothing, and failed")
            )));
        }
        let wheel = fs::read_dir(scratch.path())
            .map_err(cache_err)?
            .flatten()
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|e| e == "whl"))
            .ok_or_else(|| fetch_err("pip fetched no wheel".into()))?;
        let file_name = wheel.file_name().unwrap_or_default().to_os_string();
        let dest = self.downloads.join(file_name);
        fs::rename(&wheel, &dest).map_err(cache_err)?;
        Ok(dest)
    }
}

/// The version `==X` pins, if it pins one exactly.
fn pinned(spec: &str) -> Option<&str> {
    let version = spec.strip_prefix("==")?;
    (!version.is_empty() && !version.contains([',', '*', ';'])).then_some(version)
}

/// A distribution name as wheel file names spell it: runs of `-_.` as one `_`, lower case.
fn wheel_name(name: &str) -> String {
    super::markers::normalize(name).replace('-', "_")
}

/// Move `NAME.data/purelib/*` and `NAME.data/platlib/*` of an unpacked wheel to its top, and
/// rewrite RECORD's paths to match, as an installer does; the rest of `.data` (scripts,
/// headers) is of no use in a bundle and stays where it is.
fn lift_data(site: &Path) -> Result<(), Error> {
    let read_err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Read { path, source }
    };
    let entries: Vec<String> = fs::read_dir(site)
        .map_err(read_err(site))?
        .flatten()
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    let Some(data) = entries.iter().find(|n| n.ends_with(".data")) else {
        return Ok(());
    };
    let mut prefixes = Vec::new();
    for scheme in ["purelib", "platlib"] {
        let dir = site.join(data).join(scheme);
        if !dir.is_dir() {
            continue;
        }
        for entry in fs::read_dir(&dir).map_err(read_err(&dir))?.flatten() {
            let to = site.join(entry.file_name());
            if !to.exists() {
                fs::rename(entry.path(), &to).map_err(|source| Error::Write {
                    path: to.clone(),
                    source,
                })?;
            }
        }
        prefixes.push(format!("{data}/{scheme}/"));
    }
    let Some(dist_info) = entries.iter().find(|n| n.ends_with(".dist-info")) else {
        return Ok(());
    };
    let record = site.join(dist_info).join("RECORD");
    let text = fs::read_to_string(&record).map_err(read_err(&record))?;
    let lifted: String = text
        .lines()
        .map(|line| {
            let unquoted = line.trim_start_matches('"');
            let lead = &line[..line.len() - unquoted.len()];
            match prefixes
                .iter()
                .find_map(|p| unquoted.strip_prefix(p.as_str()))
            {
                Some(rest) => format!("{lead}{rest}\n"),
                None => format!("{line}\n"),
            }
        })
        .collect();
    fs::write(&record, lifted).map_err(|source| Error::Write {
        path: record,
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_and_names() {
        assert_eq!(pinned("==2.4.6"), Some("2.4.6"));
        assert_eq!(pinned(">=1,<2"), None);
        assert_eq!(pinned("==1.*"), None);
        assert_eq!(pinned(""), None);
        assert_eq!(wheel_name("PyYAML"), "pyyaml");
        assert_eq!(wheel_name("typing-extensions"), "typing_extensions");
        assert_eq!(wheel_name("zope.interface"), "zope_interface");
    }

    #[test]
    fn data_folders_are_lifted_to_the_top_with_their_record() {
        let site = tempfile::tempdir().unwrap();
        let root = site.path();
        fs::create_dir_all(root.join("pkg-1.0.data/platlib/pkg")).unwrap();
        fs::create_dir_all(root.join("pkg-1.0.data/scripts")).unwrap();
        fs::create_dir_all(root.join("pkg-1.0.dist-info")).unwrap();
        fs::write(root.join("pkg-1.0.data/platlib/pkg/_x.so"), b"").unwrap();
        fs::write(
            root.join("pkg-1.0.dist-info/RECORD"),
            "pkg-1.0.data/platlib/pkg/_x.so,sha256=a,0\n\"pkg-1.0.data/scripts/tool\",,\npkg-1.0.dist-info/RECORD,,\n",
        )
        .unwrap();
        lift_data(root).unwrap();
        assert!(root.join("pkg/_x.so").is_file());
        let record = fs::read_to_string(root.join("pkg-1.0.dist-info/RECORD")).unwrap();
        assert_eq!(
            record,
            "pkg/_x.so,sha256=a,0\n\"pkg-1.0.data/scripts/tool\",,\npkg-1.0.dist-info/RECORD,,\n"
        );
    }
}
