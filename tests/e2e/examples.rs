//! The examples in `examples/`, built as a user would and run with Python hidden.

use std::path::Path;

use crate::harness::*;
use pybundle_e2e_macros::needs;

#[needs(root)]
fn hello_runs_in_both_modes_and_leaves_nothing_behind() {
    let script = repo().join("examples/hello/hello.py");
    for mode in ["-F", "-D"] {
        let dist = tempfile::tempdir().unwrap();
        let exe = build(&script, dist.path(), &[mode]);
        let (out, clean) = run_hermetic(&exe, &["one", "two words", "--exit=7"]);
        assert_eq!(out.status.code(), Some(7), "{mode}: {}", stderr(&out));
        let text = stdout(&out);
        assert!(text.starts_with("Hello from a bundled Python 3."), "{text}");
        assert!(
            text.contains("argv: ['one', 'two words', '--exit=7']"),
            "{text}"
        );
        assert!(clean, "{mode}: unpack folder left behind");
    }
}

#[needs(root)]
fn data_files_are_found_through_meipass_and_file() {
    check_both_modes(
        &repo().join("examples/data-files/app.py"),
        Path::new(&python()),
        &["--add-data", "config.json:.", "--add-data", "assets:assets"],
        &[],
        "Hello, data-files example!\nmessage: read from the bundle's assets folder\ntemplate: helpers 51\n",
    );
}

#[needs(root)]
fn a_process_pool_runs_in_both_modes() {
    check_both_modes(
        &repo().join("examples/process-pool/squares.py"),
        Path::new(&python()),
        &[],
        &[],
        "sum of squares below 1000: 332833500\n",
    );
}
