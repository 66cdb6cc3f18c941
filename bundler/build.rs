//! Builds the launcher stubs and hands their paths to the bundler, which embeds them: always
//! the host's, and one for each other target whose Rust target and linker are installed (see
//! `tools/add-target`), or exactly those `PYBUNDLE_TARGETS` names.
//!
//! The stubs are built by a nested cargo into a target directory of its own under `OUT_DIR`:
//! reusing the outer target directory would wait forever on the lock the outer cargo holds.
//! zstd's decoder is trimmed to its small variants (one Huffman and one sequence decoder) to
//! keep the stub inside its size budget.

use std::env;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::Command;

/// How a target's stub is linked away from its own kind of machine.
#[derive(Clone, Copy)]
enum Linker {
    /// A C cross compiler on PATH, which `.cargo/config.toml` names for the target.
    Gcc(&'static str),
    /// zig's clang and libSystem stubs, through `tools/zig-cc` (the Apple targets).
    Zig,
}

/// Targets other than the host's that a stub can be built for here: name, Rust triple, and
/// how it is linked.
const CROSS: &[(&str, &str, Linker)] = &[
    (
        "linux-aarch64",
        "aarch64-unknown-linux-gnu",
        Linker::Gcc("aarch64-linux-gnu-gcc"),
    ),
    (
        "windows-x64",
        "x86_64-pc-windows-gnu",
        Linker::Gcc("x86_64-w64-mingw32-gcc"),
    ),
    ("macos-arm64", "aarch64-apple-darwin", Linker::Zig),
    ("macos-x86_64", "x86_64-apple-darwin", Linker::Zig),
];

impl Linker {
    /// Is it installed? And what to call it in messages.
    fn found(self, workspace: &std::path::Path) -> (bool, &'static str) {
        match self {
            Linker::Gcc(program) => (on_path(program), program),
            Linker::Zig => (zig(workspace).is_file(), "zig"),
        }
    }
}

/// Where `tools/zig-cc` finds zig: `PYBUNDLE_ZIG`, else where `tools/add-target` puts it.
fn zig(workspace: &std::path::Path) -> PathBuf {
    env::var_os("PYBUNDLE_ZIG")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace.join("target/zig/ziglang/zig"))
}

fn main() {
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let workspace = manifest_dir
        .parent()
        .expect("bundler/ lives in the workspace");
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("set by cargo"));
    let host = env::var("TARGET").expect("set by cargo");
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());

    for watched in [
        "stub",
        "archive",
        "Cargo.toml",
        "Cargo.lock",
        ".cargo",
        "tools/zig-cc",
    ] {
        println!(
            "cargo:rerun-if-changed={}",
            workspace.join(watched).display()
        );
    }
    println!("cargo:rerun-if-env-changed=PYBUNDLE_TARGETS");
    println!("cargo:rerun-if-env-changed=PYBUNDLE_ZIG");
    // zig appearing (tools/add-target macos-arm64) brings the Apple launchers along.
    println!("cargo:rerun-if-changed={}", zig(workspace).display());
    let sysroot = rust_sysroot();
    if let Some(sysroot) = &sysroot {
        // `rustup target add` changes this folder; the stub for that target then comes along.
        println!(
            "cargo:rerun-if-changed={}",
            sysroot.join("lib/rustlib").display()
        );
    }

    let mut triples = vec![host.clone()];
    let mut names = Vec::new();
    let wanted = env::var("PYBUNDLE_TARGETS").ok();
    let mut zig_linked = Vec::new();
    for &(name, triple, linker) in CROSS.iter().filter(|(_, t, _)| *t != host) {
        let installed = sysroot
            .as_ref()
            .is_some_and(|s| s.join("lib/rustlib").join(triple).join("lib").is_dir());
        let (linkable, linker_name) = linker.found(workspace);
        match &wanted {
            Some(list) if list.split([',', ' ']).any(|w| w == name || w == triple) => {
                assert!(
                    installed && linkable,
                    "PYBUNDLE_TARGETS names {name}, but {} is not installed; run tools/add-target {name}",
                    if installed { linker_name } else { triple }
                );
            }
            Some(_) => continue,
            None if installed && !linkable => {
                // Half a toolchain: say so, rather than leave that target's launcher out in
                // silence (tools/add-target installs the rest).
                println!(
                    "cargo:warning=no {name} launcher: the Rust target {triple} is installed but its linker {linker_name} is not; run tools/add-target {name}"
                );
                continue;
            }
            None if !installed => continue,
            None => {}
        }
        triples.push(triple.to_string());
        names.push(name);
        if let Linker::Zig = linker {
            zig_linked.push(triple);
        }
    }

    // pybundle itself built for a Mac away from one (a release binary made on Linux): its own
    // launcher is linked by zig too.
    let build_machine = env::var("HOST").unwrap_or_default();
    if host.contains("-apple-") && !build_machine.contains("-apple-") {
        zig_linked.push(host.as_str());
    }

    let stub_target_dir = out_dir.join("stub-target");
    let mut cflags =
        String::from("-DZSTD_FORCE_DECOMPRESS_SEQUENCES_SHORT -DHUF_FORCE_DECOMPRESS_X1 -DZSTD_STRIP_ERROR_STRINGS -DDYNAMIC_BMI2=0");
    if let Ok(user) = env::var("CFLAGS") {
        cflags = format!("{user} {cflags}");
    }
    let mut cmd = Command::new(cargo);
    cmd.current_dir(workspace)
        .args(["build", "--profile", "stub", "-p", "pybundle-stub"]);
    for triple in &triples {
        cmd.arg("--target").arg(triple);
    }
    cmd.arg("--target-dir")
        .arg(&stub_target_dir)
        .env("CFLAGS", cflags)
        // The outer build's wrappers and flags are not the stub's.
        .env_remove("RUSTC_WORKSPACE_WRAPPER")
        .env_remove("RUSTC_WRAPPER")
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_BUILD_TARGET");
    // Nor are the compilers and linkers a wrapper chose for the outer build (maturin's and
    // cargo-zigbuild's zig, for a wheel whose pybundle runs on glibc 2.17): each stub builds
    // with its target's own toolchain (.cargo/config.toml), the same however pybundle is built.
    for (key, _) in env::vars_os() {
        let Some(key) = key.to_str() else { continue };
        let per_target = [
            "CC_",
            "CXX_",
            "AR_",
            "RANLIB_",
            "CMAKE_TOOLCHAIN_FILE_",
            "CFLAGS_",
        ]
        .iter()
        .any(|p| key.starts_with(p));
        let wrapper = key.starts_with("CARGO_ZIGBUILD")
            || key == "ZIG_COMMAND"
            || key.ends_with("TARGET_APPLIES_TO_HOST")
            || key.starts_with("__CARGO_TEST_CHANNEL_OVERRIDE")
            || (key.starts_with("CARGO_TARGET_") && key.ends_with("_LINKER"))
            || matches!(
                key,
                "CC" | "CXX" | "AR" | "TARGET_CC" | "TARGET_CXX" | "TARGET_AR"
            );
        if per_target || wrapper {
            cmd.env_remove(key);
        }
    }
    // The Apple stubs, away from a Mac: zig compiles zstd's C and links.
    let zig_cc = workspace.join("tools/zig-cc");
    for triple in &zig_linked {
        let upper = triple.to_uppercase().replace('-', "_");
        cmd.env(format!("CARGO_TARGET_{upper}_LINKER"), &zig_cc)
            .env(format!("CC_{}", triple.replace('-', "_")), &zig_cc)
            .env("PYBUNDLE_ZIG", zig(workspace));
    }
    let lld = lld_flags(sysroot.as_deref());
    for triple in &triples {
        let key = format!(
            "CARGO_TARGET_{}_RUSTFLAGS",
            triple.to_uppercase().replace('-', "_")
        );
        if zig_linked.contains(&triple.as_str()) {
            // Cargo does not see the linker's script change; a flag that names its content
            // makes the launcher link again when it does (the deployment target it passes).
            cmd.env(key, format!("-Cmetadata=zig-cc-{:016x}", fnv1a(&zig_cc)));
        } else if triple.contains("-linux-") {
            cmd.env(key, &lld);
        } else if triple.contains("-windows-gnu") {
            // MinGW's linker stamps the link time into the PE header: without it, the same
            // sources give the same launcher, and so the same Windows bundles, from any build.
            cmd.env(key, "-Clink-arg=-Wl,--no-insert-timestamp");
        }
    }
    let status = cmd.status().expect("cannot run cargo to build the stub");
    assert!(status.success(), "building the launcher stubs failed");

    // The stubs, as a table the bundler includes: (triple, bytes).
    let mut table = String::from("pub static STUBS: &[(&str, &[u8])] = &[\n");
    for triple in &triples {
        let file = if triple.contains("-windows-") {
            "pybundle-stub.exe"
        } else {
            "pybundle-stub"
        };
        let built = stub_target_dir.join(triple).join("stub").join(file);
        let _ = writeln!(table, "    ({triple:?}, include_bytes!({:?})),", built);
    }
    table.push_str("];\n");
    std::fs::write(out_dir.join("stubs.rs"), table).expect("cannot write stubs.rs");
    println!("cargo:rustc-env=PYBUNDLE_STUB_TARGET={host}");
    // `pybundle --version` lists the launchers it carries.
    let host_name = match host.as_str() {
        "x86_64-unknown-linux-gnu" => "linux-x86_64",
        "aarch64-unknown-linux-gnu" => "linux-aarch64",
        "x86_64-pc-windows-gnu" | "x86_64-pc-windows-msvc" => "windows-x64",
        "aarch64-apple-darwin" => "macos-arm64",
        "x86_64-apple-darwin" => "macos-x86_64",
        other => other,
    };
    let carried: Vec<&str> = std::iter::once(host_name)
        .chain(names.iter().copied())
        .collect();
    println!(
        "cargo:rustc-env=PYBUNDLE_STUB_LAUNCHERS={}",
        carried.join(", ")
    );

    // Tests of a target run where its stub was built in.
    println!(
        "cargo:rustc-check-cfg=cfg(pybundle_stub, values({}))",
        CROSS
            .iter()
            .map(|(name, _, _)| format!("{name:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    for name in names {
        println!("cargo:rustc-cfg=pybundle_stub=\"{name}\"");
    }

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

/// Linux stubs link with the toolchain's own lld where it ships one (as x86_64 Linux builds
/// do by default): GNU ld pads the aarch64 stub by 60 KB to page-align its RELRO segment, lld
/// does not. (Flags for one target's variable are split at spaces: a sysroot path with a space
/// in it links with the default linker instead.) The Windows stub links with MinGW's own.
fn lld_flags(sysroot: Option<&std::path::Path>) -> String {
    let host = env::var("HOST").unwrap_or_default();
    let gcc_ld = sysroot.map(|s| s.join("lib/rustlib").join(host).join("bin/gcc-ld"));
    match gcc_ld.filter(|dir| dir.join("ld.lld").is_file() && !dir.to_string_lossy().contains(' '))
    {
        Some(dir) => format!("-Clink-arg=-B{} -Clink-arg=-fuse-ld=lld", dir.display()),
        None => String::new(),
    }
}

/// The Rust toolchain's sysroot, where each installed target has `lib/rustlib/TRIPLE`.
fn rust_sysroot() -> Option<PathBuf> {
    let rustc = env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let out = Command::new(rustc)
        .args(["--print", "sysroot"])
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    out.status
        .success()
        .then(|| PathBuf::from(text.trim()))
        .filter(|p| p.is_dir())
}

fn on_path(program: &str) -> bool {
    let path = env::var_os("PATH").unwrap_or_default();
    env::split_paths(&path).any(|dir| dir.join(program).is_file())
}

/// This process's effective user id, from `/proc/self/status`.
fn effective_uid() -> Option<u32> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("Uid:"))?;
    line.split_whitespace().nth(2)?.parse().ok()
}

/// FNV-1a of the file at `path` (empty if unreadable): a fingerprint, not a checksum.
fn fnv1a(path: &std::path::Path) -> u64 {
    let bytes = std::fs::read(path).unwrap_or_default();
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, b| {
        (hash ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}
