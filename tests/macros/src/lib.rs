//! `#[needs(...)]`, the end-to-end tests' one spelling of "this test needs root" (and, for
//! some, another target's launcher): it expands to `#[test]` and the `cfg_attr(..., ignore =
//! "why")` that turns the test into an ignored one, with its reason, where the need is not met
//! (`bundler/build.rs` sets `pybundle_e2e_root` as root, `pybundle_stub = "..."` for each
//! launcher it built). `.ci/run` fails on any ignored test, so on CI every need is met.
//!
//! `#[needs(root)]`, `#[needs(root, linux_aarch64)]`, `#[needs(root, windows_x64)]`,
//! `#[needs(windows_x64)]`, `#[needs(macos)]`. Only the proc_macro API: no dependency.

use proc_macro::TokenStream;

#[proc_macro_attribute]
pub fn needs(args: TokenStream, item: TokenStream) -> TokenStream {
    let words: Vec<String> = args
        .to_string()
        .split(',')
        .map(|w| w.trim().to_string())
        .filter(|w| !w.is_empty())
        .collect();
    let mut cfgs = Vec::new();
    let mut why = Vec::new();
    for word in &words {
        match word.as_str() {
            "root" => {
                cfgs.push("pybundle_e2e_root".to_string());
                why.push("root, as CI has (it hides every Python in a mount namespace, mounts or chroots)");
            }
            "linux_aarch64" => {
                cfgs.push("pybundle_stub = \"linux-aarch64\"".to_string());
                why.push(
                    "the linux-aarch64 launcher (tools/add-target linux-aarch64) and qemu-user",
                );
            }
            "windows_x64" => {
                cfgs.push("pybundle_stub = \"windows-x64\"".to_string());
                why.push("the windows-x64 launcher (tools/add-target windows-x64) and wine64");
            }
            "macos" => {
                cfgs.push("pybundle_stub = \"macos-arm64\"".to_string());
                cfgs.push("pybundle_stub = \"macos-x86_64\"".to_string());
                why.push("the macOS launchers and zig (tools/add-target macos-arm64)");
            }
            other => {
                let message = format!(
                    "compile_error!(\"#[needs({other})]: the needs are root, linux_aarch64, windows_x64 and macos\");"
                );
                return message.parse().unwrap_or_default();
            }
        }
    }
    if cfgs.is_empty() {
        return "compile_error!(\"#[needs(...)] names what the test needs: root, linux_aarch64, windows_x64\");"
            .parse()
            .unwrap_or_default();
    }
    let reason = format!("needs {}", why.join(", and "));
    let attrs = format!(
        "#[test] #[cfg_attr(not(all({})), ignore = {reason:?})]",
        cfgs.join(", ")
    );
    let mut out: TokenStream = attrs.parse().unwrap_or_default();
    out.extend(item);
    out
}
