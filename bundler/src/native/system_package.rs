//! Which of this machine's packages a shared library came from, as Debian's package database
//! (`dpkg`) knows it: the package, its version and source package, and its copyright file. The
//! SBOM names them so scanners can match the distribution's own advisories, and the bundle
//! carries the copyright file. A library no package owns (a pyenv build's, one in a virtual
//! environment, a `--runtime`'s) has none; on a machine without dpkg, none has one.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A package of the machine's distribution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SystemPackage {
    /// `libssl3`.
    pub name: String,
    /// `3.0.22-1~deb12u2`, as the distribution numbers it.
    pub version: String,
    /// `amd64`.
    pub arch: String,
    /// The source package it was built from (`openssl`), which advisories name.
    pub source: String,
    /// The distribution and its release (`debian-12`), from `/etc/os-release`.
    pub distro: Option<String>,
}

impl SystemPackage {
    /// The upstream release the version packages: `1:1.2.13.dfsg-1` → `1.2.13.dfsg`.
    pub fn upstream_version(&self) -> &str {
        let v = self
            .version
            .split_once(':')
            .map_or(&*self.version, |(_, v)| v);
        v.rsplit_once('-').map_or(v, |(upstream, _)| upstream)
    }

    /// The distribution it belongs to (`debian`, `ubuntu`): dpkg's own when
    /// `/etc/os-release` says nothing.
    pub fn vendor(&self) -> &str {
        (self.distro.as_deref())
            .and_then(|d| d.split('-').next())
            .unwrap_or("debian")
    }

    /// Its package URL: `pkg:deb/debian/libssl3@3.0.22-1~deb12u2?arch=amd64&distro=debian-12&upstream=openssl`.
    pub fn purl(&self) -> String {
        let mut purl = format!(
            "pkg:deb/{}/{}@{}?arch={}",
            self.vendor(),
            self.name,
            percent_encoded(&self.version),
            self.arch
        );
        if let Some(distro) = &self.distro {
            purl.push_str(&format!("&distro={distro}"));
        }
        if self.source != self.name {
            purl.push_str(&format!("&upstream={}", self.source));
        }
        purl
    }

    /// Its copyright file, where Debian policy puts it: every licence of what it installs.
    pub fn copyright(&self) -> PathBuf {
        Path::new("/usr/share/doc")
            .join(&self.name)
            .join("copyright")
    }
}

/// `text` with every byte but the PURL spec's unreserved ones percent-encoded (`1:1.2-5+b1` →
/// `1%3A1.2-5%2Bb1`).
fn percent_encoded(text: &str) -> String {
    (text.bytes())
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The package each of `files` came from, for those a package owns.
pub fn owners(files: &[PathBuf]) -> BTreeMap<PathBuf, SystemPackage> {
    let package_of = package_names(files);
    let mut names: Vec<&str> = package_of.values().map(String::as_str).collect();
    names.sort();
    names.dedup();
    let packages = describe(&names);
    (package_of.into_iter())
        .filter_map(|(file, name)| {
            let package =
                (packages.get(&name)).or_else(|| packages.values().find(|p| p.name == name))?;
            Some((file, package.clone()))
        })
        .collect()
}

/// The name of the package (`libssl3:amd64`) that installed each of `files` (`dpkg -S`).
fn package_names(files: &[PathBuf]) -> BTreeMap<PathBuf, String> {
    // dpkg knows a file by the path its package installed it at: on a merged-/usr system
    // `/lib/x86_64-linux-gnu/libz.so.1` is also `/usr/lib/...`, and a link's target is not
    // always listed where the link is.
    let mut asked: BTreeMap<PathBuf, &PathBuf> = BTreeMap::new();
    for file in files {
        let real = file.canonicalize().unwrap_or_else(|_| file.clone());
        for path in [file.clone(), real] {
            let other = match path.strip_prefix("/usr") {
                Ok(rest) => Path::new("/").join(rest),
                Err(_) => Path::new("/usr").join(path.strip_prefix("/").unwrap_or(&path)),
            };
            asked.entry(path).or_insert(file);
            asked.entry(other).or_insert(file);
        }
    }
    let Some(found) = run("dpkg", &["-S"], asked.keys().map(|p| p.as_os_str())) else {
        return BTreeMap::new();
    };
    let mut package_of = BTreeMap::new();
    for line in found.lines() {
        // `libssl3:amd64: /usr/lib/x86_64-linux-gnu/libssl.so.3`; `a, b: /path` when shared.
        let Some((packages, path)) = line.split_once(": /") else {
            continue;
        };
        let path = PathBuf::from(format!("/{path}"));
        let (Some(file), Some(package)) = (asked.get(&path), packages.split(", ").next()) else {
            continue;
        };
        package_of
            .entry((*file).clone())
            .or_insert_with(|| package.to_string());
    }
    package_of
}

/// The packages `names` as `dpkg-query` describes them, by their name as given and as
/// `name:arch`.
fn describe(names: &[&str]) -> BTreeMap<String, SystemPackage> {
    let format = "${binary:Package}\t${Version}\t${Architecture}\t${source:Package}\n";
    let Some(listed) = run(
        "dpkg-query",
        &["-W", "-f", format],
        names.iter().map(std::ffi::OsStr::new),
    ) else {
        return BTreeMap::new();
    };
    let distro = distro();
    let mut packages = BTreeMap::new();
    for line in listed.lines() {
        let fields: Vec<&str> = line.split('\t').collect();
        let [qualified, version, arch, source] = fields[..] else {
            continue;
        };
        let name = qualified.split(':').next().unwrap_or(qualified);
        let package = SystemPackage {
            name: name.to_string(),
            version: version.to_string(),
            arch: arch.to_string(),
            source: if source.is_empty() { name } else { source }.to_string(),
            distro: distro.clone(),
        };
        packages.insert(qualified.to_string(), package.clone());
        packages.insert(format!("{name}:{arch}"), package);
    }
    packages
}

/// `program args... paths...`'s standard output, when it ran; it exits non-zero when some
/// path is unknown, which still says what it knows.
fn run<'a>(
    program: &str,
    args: &[&str],
    more: impl Iterator<Item = &'a std::ffi::OsStr>,
) -> Option<String> {
    let out = Command::new(program)
        .args(args)
        .args(more)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    String::from_utf8(out.stdout).ok()
}

/// `debian-12`: the machine's distribution and release, from `/etc/os-release`.
fn distro() -> Option<String> {
    let text = std::fs::read_to_string("/etc/os-release").ok()?;
    let field = |key: &str| {
        (text.lines())
            .find_map(|l| l.strip_prefix(key)?.strip_prefix('='))
            .map(|v| v.trim_matches('"').to_string())
    };
    Some(format!("{}-{}", field("ID")?, field("VERSION_ID")?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_and_purls_are_debians() {
        let zlib = SystemPackage {
            name: "zlib1g".into(),
            version: "1:1.2.13.dfsg-1".into(),
            arch: "amd64".into(),
            source: "zlib".into(),
            distro: Some("debian-12".into()),
        };
        assert_eq!(zlib.upstream_version(), "1.2.13.dfsg");
        assert_eq!(zlib.vendor(), "debian");
        assert_eq!(percent_encoded("1.0.8-5+b1"), "1.0.8-5%2Bb1");
        assert_eq!(
            zlib.purl(),
            "pkg:deb/debian/zlib1g@1%3A1.2.13.dfsg-1?arch=amd64&distro=debian-12&upstream=zlib"
        );
        assert_eq!(
            zlib.copyright(),
            Path::new("/usr/share/doc/zlib1g/copyright")
        );
    }
}
