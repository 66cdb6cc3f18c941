//! Builds the launcher stub and hands its path to the bundler, which embeds it.
//!
//! The stub is built by a nested cargo into a target directory of its own under `OUT_DIR`:
//! reusing the outer target directory would wait forever on the lock the outer cargo holds.
//! zstd's decoder is trimmed to its small variants (one Huffman and one sequence decoder) to
//! keep the stub inside its size budget.

use std::env;
use std::path::PathBuf;
use std::process::Command;

fn main() {
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let workspace = manifest_dir
        .parent()
        .expect("bundler/ lives in the workspace");
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("set by cargo"));
    let target = env::var("TARGET").expect("set by cargo");
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());

    for watched in ["stub", "archive", "Cargo.toml", "Cargo.lock"] {
        println!(
            "cargo:rerun-if-changed={}",
            workspace.join(watched).display()
        );
    }

    let stub_target_dir = out_dir.join("stub-target");
    let mut cflags =
        String::from("-DZSTD_FORCE_DECOMPRESS_SEQUENCES_SHORT -DHUF_FORCE_DECOMPRESS_X1 -DZSTD_STRIP_ERROR_STRINGS -DDYNAMIC_BMI2=0");
    if let Ok(user) = env::var("CFLAGS") {
        cflags = format!("{user} {cflags}");
    }
    let status = Command::new(cargo)
        .current_dir(workspace)
        .args([
            "build",
            "--profile",
            "stub",
            "-p",
            "pybundle-stub",
            "--target",
        ])
        .arg(&target)
        .arg("--target-dir")
        .arg(&stub_target_dir)
        .env("CFLAGS", cflags)
        // The outer build's wrappers and flags are not the stub's.
        .env_remove("RUSTC_WORKSPACE_WRAPPER")
        .env_remove("RUSTC_WRAPPER")
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_BUILD_TARGET")
        .status()
        .expect("cannot run cargo to build the stub");
    assert!(status.success(), "building the launcher stub failed");

    let built = stub_target_dir
        .join(&target)
        .join("stub")
        .join("pybundle-stub");
    println!("cargo:rustc-env=PYBUNDLE_STUB={}", built.display());
    println!("cargo:rustc-env=PYBUNDLE_STUB_TARGET={target}");

    // End-to-end tests that hide every Python in a mount namespace need root; without it they
    // are reported as ignored, with the reason, instead of failing. (Rebuilt when the user
    // changes: a build as root, then tests as someone else, are told apart by HOME.)
    println!("cargo:rustc-check-cfg=cfg(pybundle_e2e_root)");
    println!("cargo:rerun-if-env-changed=HOME");
    println!("cargo:rerun-if-env-changed=USER");
    if effective_uid() == Some(0) {
        println!("cargo:rustc-cfg=pybundle_e2e_root");
    }
}

/// This process's effective user id, from `/proc/self/status`.
fn effective_uid() -> Option<u32> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("Uid:"))?;
    line.split_whitespace().nth(2)?.parse().ok()
}
