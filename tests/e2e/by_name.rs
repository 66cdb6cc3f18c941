//! Parts an app finds by name, which no import statement shows (docs/rules.md): the app's own
//! package loading its modules by computed names, a standard-library module named in a string
//! and imported by a computed name, a user's PyInstaller hook (`--additional-hooks-dir`) with
//! hidden imports, data files and imports not to follow, a hook that fails, and the error a
//! pruned standard-library module gives. Built with the community's hooks off, so what is
//! tested is pybundle's own analysis and the user's hook.

use std::path::Path;
use std::process::Command;

use crate::harness::*;
use pybundle_e2e_macros::needs;

#[needs(root)]
fn parts_found_by_name_and_a_users_hook_are_bundled() {
    let dir = fixture("by_name");
    let hooks = dir.join("hooks");
    let dist = tempfile::tempdir().unwrap();
    let built = Build::new(&dir.join("app.py"), dist.path())
        .args(&[
            "-D",
            "-v",
            "--additional-hooks-dir",
            hooks.to_str().unwrap(),
        ])
        .env("PYBUNDLE_NO_PYINSTALLER_HOOKS", Path::new(""))
        .run();
    // The failing hook is a warning that names it; the build goes on.
    assert!(
        built
            .stderr
            .contains("warning: the PyInstaller hook hook-plugins.py")
            && built.stderr.contains("broken on purpose"),
        "{}",
        built.stderr
    );
    assert!(
        built.stderr.contains("hook-helpers ran"),
        "{}",
        built.stderr
    );
    let (out, clean) = run_hermetic(&built.exe, &[]);
    assert_eq!(
        stdout(&out),
        "plugins: ['alpha', 'beta']\nlazy: ConfigParser\nhook: (0.0, 1.0, 1.0)\n\
         data: hello from a hook's datas\npruned: True\n",
        "{}",
        stderr(&out)
    );
    assert!(clean);

    let root = Root(built.exe.parent().unwrap().join("_internal"));
    assert!(
        !root.stdlib_zip_holds("unittest/__init__.pyc"),
        "the hook's excludedimports were followed"
    );
    let why = Command::new(PYBUNDLE)
        .args(["inspect", "--why", "assets/greeting.txt"])
        .arg(&built.exe)
        .output()
        .unwrap();
    assert!(
        stdout(&why).contains("the PyInstaller hook hook-helpers.py"),
        "{}{}",
        stdout(&why),
        stderr(&why)
    );
}
