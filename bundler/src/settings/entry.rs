//! What a build bundles, as the user named it: a script file, an entry point
//! (`package.module:function`), or a project (a folder with a `pyproject.toml`, `setup.cfg`
//! or `setup.py`, whose console scripts [`super::scripts`] finds; with no argument, the
//! current folder's). An entry point becomes the small script pip writes for a console
//! script, so the rest of the build sees a script like any other.

use std::fs;
use std::path::{Path, PathBuf};

use super::scripts::{Declared, EntryPoint, Project};
use crate::error::Error;

/// What the command line named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Named {
    Script(PathBuf),
    /// `package.module:function`, run with the current folder (and its `src/`) on the path,
    /// as `python -c` would.
    EntryPoint(EntryPoint),
    /// A project's folder (the one named, or the current one).
    Project(Project),
    /// Nothing, in a folder that is no project: only `--entry-point` can say what to build
    /// (an installed distribution's console script).
    Nothing,
}

/// What `arg` names; with none, the project in `cwd` if it is one.
pub fn name(arg: Option<&Path>, cwd: &Path) -> Result<Named, Error> {
    let Some(arg) = arg else {
        return Ok(Project::at(cwd).map_or(Named::Nothing, Named::Project));
    };
    if arg.is_dir() {
        return Project::at(arg)
            .map(Named::Project)
            .ok_or_else(|| Error::FolderWithoutProject(arg.to_path_buf()));
    }
    if !arg.exists() {
        if let Some(text) = arg.to_str().filter(|t| t.contains(':')) {
            let top = text.split(['.', ':']).next().unwrap_or(text).trim();
            return EntryPoint::parse(top, text, false)
                .map(Named::EntryPoint)
                .ok_or_else(|| Error::BadEntryPoint(text.to_string()));
        }
    }
    Ok(Named::Script(arg.to_path_buf()))
}

/// The console script to build when none is named: the only one declared (`None` when
/// there is none).
pub fn only(declared: &Declared) -> Result<Option<EntryPoint>, Error> {
    match declared.scripts.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(one.clone())),
        several => Err(Error::ManyEntryPoints {
            place: declared.source.clone(),
            names: (several.iter())
                .map(|e| e.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        }),
    }
}

/// The console script called `name`, if `declared` has it.
pub fn named(declared: &Declared, name: &str) -> Option<EntryPoint> {
    declared.scripts.iter().find(|e| e.name == name).cloned()
}

/// Where a project's own modules are, when they are not installed: its `src/` (the src
/// layout), else its folder.
pub fn source_folder(project_dir: &Path) -> PathBuf {
    let src = project_dir.join("src");
    if src.is_dir() {
        src
    } else {
        project_dir.to_path_buf()
    }
}

/// Write `entry`'s script into `dir` (a folder of the workpath, its own per entry point) and
/// return its path.
pub fn write_script(entry: &EntryPoint, dir: &Path) -> Result<PathBuf, Error> {
    let folder = dir.join(&entry.name);
    let path = folder.join(format!("{}.py", entry.name));
    fs::create_dir_all(&folder)
        .and_then(|()| fs::write(&path, entry.script()))
        .map_err(|source| Error::Workpath {
            path: path.clone(),
            source,
        })?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_points_parse_as_the_specification_writes_them() {
        let e = EntryPoint::parse("tool", "pkg.cli : main [extra]", false).unwrap();
        assert_eq!((e.module.as_str(), e.attr.as_str()), ("pkg.cli", "main"));
        let dotted = EntryPoint::parse("t", "pkg:App.run", true).unwrap();
        assert!(dotted.script().contains("from pkg import App\n"));
        assert!(dotted.script().contains("sys.exit(App.run())"));
        for bad in ["pkg", "pkg:", ":main", "pkg-x:main", "pkg:1main", "a b:c"] {
            assert_eq!(EntryPoint::parse("t", bad, false), None, "{bad}");
        }
    }

    #[test]
    fn one_console_script_is_chosen_by_name_or_by_being_alone() {
        let script = |name: &str| EntryPoint::parse(name, "x.cli:main", false).unwrap();
        let mut declared = Declared {
            scripts: vec![script("bye"), script("hello")],
            source: "[project.scripts] of pyproject.toml".into(),
        };
        let err = only(&declared).unwrap_err().to_string();
        assert!(
            err.contains("bye, hello") && err.contains("--entry-point"),
            "{err}"
        );
        assert_eq!(named(&declared, "hello").unwrap().name, "hello");
        assert_eq!(named(&declared, "nope"), None);
        declared.scripts.pop();
        assert_eq!(only(&declared).unwrap().unwrap().name, "bye");
        declared.scripts.pop();
        assert_eq!(only(&declared).unwrap(), None);
    }

    #[test]
    fn what_the_argument_names() {
        let dir = tempfile::tempdir().unwrap();
        let cwd = dir.path();
        assert!(matches!(
            name(Some(Path::new("pkg.cli:main")), cwd),
            Ok(Named::EntryPoint(EntryPoint { ref name, .. })) if name == "pkg"
        ));
        assert_eq!(name(None, cwd).unwrap(), Named::Nothing);
        fs::write(cwd.join("setup.py"), "").unwrap();
        assert!(matches!(name(None, cwd), Ok(Named::Project(_))));
        assert!(matches!(
            name(Some(cwd), Path::new("/")),
            Ok(Named::Project(_))
        ));
        assert!(matches!(
            name(Some(Path::new("app.py")), cwd),
            Ok(Named::Script(_))
        ));
        let err = name(Some(Path::new("pkg cli:main")), cwd)
            .unwrap_err()
            .to_string();
        assert!(err.contains("package.module:function"), "{err}");
    }
}
