//! End-to-end tests: real bundles built by the real pybundle from the machine's CPython, run
//! with Python hidden. Compiled as an integration test of the `pybundle` crate so cargo builds
//! the binary first (see `bundler/Cargo.toml`).

mod harness;

mod bad_input;
mod by_name;
mod cache;
mod ci;
mod cli;
mod corpus;
mod cross;
mod damage;
mod examples;
mod faults;
mod lifecycle;
mod macos;
mod output;
mod packages;
mod projects;
mod pyinstaller;
mod pythons;
mod qt;
mod real_projects;
mod run_time;
mod sbom;
mod sid;
mod store;
mod wheel;
mod windows;
