//! Editable installs (`pip install -e`): the distribution's RECORD holds only its metadata and
//! a `.pth` file, and its code stays in the project folder. Two kinds of `.pth` point there:
//! a folder to add to `sys.path` (setuptools for src layouts, hatchling, flit), or an import
//! of setuptools' `__editable___*_finder` module, whose `MAPPING` names each top-level
//! package's folder. This finds the code those point at, so it is bundled like any installed
//! package (into the bundle's site-packages; the project folder is not needed at run time).

use std::fs;
use std::path::{Path, PathBuf};

/// The files an editable distribution's `.pth` files point at: (path under site-packages,
/// where the file is). `tops` are the distribution's top-level names (`top_level.txt`);
/// without them, every package and module in a `.pth` folder counts.
pub fn linked_files(site: &Path, record: &[String], tops: &[String]) -> Vec<(String, PathBuf)> {
    let mut locations: Vec<(String, PathBuf)> = Vec::new();
    for pth in record
        .iter()
        .filter(|f| f.ends_with(".pth") && !f.contains('/'))
    {
        let Ok(text) = fs::read_to_string(site.join(pth)) else {
            continue;
        };
        for line in text.lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if let Some(finder) = finder_module(line) {
                let source = fs::read_to_string(site.join(format!("{finder}.py")));
                locations.extend(source.map(|s| mapping(&s)).unwrap_or_default());
            } else if !line.starts_with("import") && Path::new(line).is_dir() {
                locations.extend(packages_in(Path::new(line), tops));
            }
        }
    }
    let mut files = Vec::new();
    for (top, location) in locations {
        if location.is_dir() {
            walk(&location, &top, &mut files, 0);
        } else if location.is_file() {
            files.push((format!("{top}.py"), location));
        }
    }
    files.sort();
    files.dedup_by(|a, b| a.0 == b.0);
    files
}

/// Is the RECORD path `rel` one of the files that hook an editable install into `sys.path`
/// (a top-level `.pth`, setuptools' finder module)?
pub fn is_hook(rel: &str) -> bool {
    !rel.contains('/')
        && (rel.ends_with(".pth") || (rel.starts_with("__editable__") && rel.ends_with(".py")))
}

/// `import __editable___x_1_0_finder; ...install()` → the finder module's name.
fn finder_module(line: &str) -> Option<&str> {
    let name = line.strip_prefix("import ")?.split(';').next()?.trim();
    (name.starts_with("__editable__") && name.ends_with("_finder")).then_some(name)
}

/// The `MAPPING = {'pkg': '/path/to/pkg', ...}` of a setuptools finder module.
fn mapping(source: &str) -> Vec<(String, PathBuf)> {
    let Some(line) = source.lines().find(|l| l.starts_with("MAPPING")) else {
        return Vec::new();
    };
    let Some(body) = line.split_once('{').and_then(|(_, b)| b.rsplit_once('}')) else {
        return Vec::new();
    };
    let strings = quoted_strings(body.0);
    strings
        .chunks_exact(2)
        .map(|pair| (pair[0].clone(), PathBuf::from(&pair[1])))
        .collect()
}

/// The contents of the `'...'` and `"..."` literals in `text`, in order (paths and package
/// names: no escapes to undo beyond `\\`).
fn quoted_strings(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\'' && c != '"' {
            continue;
        }
        let mut value = String::new();
        while let Some(d) = chars.next() {
            match d {
                '\\' => value.extend(chars.next()),
                d if d == c => break,
                d => value.push(d),
            }
        }
        out.push(value);
    }
    out
}

/// Top-level packages and modules in a `sys.path` folder: those named in `tops`, or all.
fn packages_in(dir: &Path, tops: &[String]) -> Vec<(String, PathBuf)> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        let Some(name) = entry.file_name().to_str().map(String::from) else {
            continue;
        };
        let top = if path.join("__init__.py").is_file() {
            name
        } else if let Some(stem) = name.strip_suffix(".py").filter(|_| path.is_file()) {
            stem.to_string()
        } else {
            continue;
        };
        if tops.is_empty() || tops.contains(&top) {
            found.push((top, path));
        }
    }
    found
}

/// Every file under a package folder, as `top/...` paths; caches and hidden files skipped.
pub(super) fn walk(dir: &Path, rel: &str, out: &mut Vec<(String, PathBuf)>, depth: usize) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    if depth > 32 {
        return;
    }
    for entry in entries.flatten() {
        let Some(name) = entry.file_name().to_str().map(String::from) else {
            continue;
        };
        if name.starts_with('.') || name == "__pycache__" || name.ends_with(".pyc") {
            continue;
        }
        let path = entry.path();
        let child = format!("{rel}/{name}");
        if path.is_dir() {
            walk(&path, &child, out, depth + 1);
        } else if path.is_file() {
            out.push((child, path));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_setuptools_finder_mapping() {
        let source =
            "import sys\nMAPPING: dict[str, str] = {'flat': '/p/flat', \"two\": '/p/x\\\\y'}\n";
        assert_eq!(
            mapping(source),
            [
                ("flat".to_string(), PathBuf::from("/p/flat")),
                ("two".to_string(), PathBuf::from("/p/x\\y"))
            ]
        );
        assert_eq!(
            finder_module(
                "import __editable___flat_0_1_finder; __editable___flat_0_1_finder.install()"
            ),
            Some("__editable___flat_0_1_finder")
        );
        assert_eq!(finder_module("import os; os.environ"), None);
    }

    #[test]
    fn follows_path_lines_and_finders_to_the_code() {
        let site = tempfile::tempdir().unwrap();
        let project = tempfile::tempdir().unwrap();
        let src = project.path().join("src");
        fs::create_dir_all(src.join("lib/sub/__pycache__")).unwrap();
        fs::write(src.join("lib/__init__.py"), "").unwrap();
        fs::write(src.join("lib/sub/m.py"), "").unwrap();
        fs::write(src.join("lib/sub/data.json"), "{}").unwrap();
        fs::write(src.join("lib/sub/__pycache__/m.cpython-311.pyc"), "").unwrap();
        fs::create_dir_all(src.join("tests")).unwrap();
        fs::write(src.join("tests/__init__.py"), "").unwrap();
        fs::create_dir_all(project.path().join("flat")).unwrap();
        fs::write(project.path().join("flat/__init__.py"), "").unwrap();
        fs::write(site.path().join("_lib.pth"), format!("{}\n", src.display())).unwrap();
        fs::write(
            site.path().join("__editable__.flat-1.pth"),
            "import __editable___flat_1_finder; __editable___flat_1_finder.install()\n",
        )
        .unwrap();
        fs::write(
            site.path().join("__editable___flat_1_finder.py"),
            format!(
                "MAPPING = {{'flat': '{}'}}\n",
                project.path().join("flat").display()
            ),
        )
        .unwrap();
        let record = vec![
            "_lib.pth".to_string(),
            "__editable__.flat-1.pth".to_string(),
        ];
        let files = linked_files(site.path(), &record, &["lib".into(), "flat".into()]);
        let rels: Vec<&str> = files.iter().map(|(r, _)| r.as_str()).collect();
        assert_eq!(
            rels,
            [
                "flat/__init__.py",
                "lib/__init__.py",
                "lib/sub/data.json",
                "lib/sub/m.py"
            ]
        );
    }
}
