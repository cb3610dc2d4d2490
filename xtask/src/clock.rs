//! The clock step of `cargo xtask test`: the model, API and HTTP test binaries
//! run again with the machine's clock 400 days ahead (Debian's libfaketime), so
//! a test bound to today's date fails on the day it is written, not a year
//! later. Every time decision of the product reads the app's clock, and the
//! tests pin that clock; the machine's clock must not matter.
//!
//! Cargo itself hangs under libfaketime, so the binaries are built first and
//! then run directly, with `DK2020_API_BIN` telling the HTTP tests which
//! server binary to start (they would otherwise ask cargo to build it).

use std::{
    path::{Path, PathBuf},
    process::{Command, Stdio},
};

use serde_json::Value;

use crate::run::root;

/// How far ahead the faked clock runs.
pub const AHEAD: &str = "+400d";

/// The test binaries that run under the faked clock: every test of the model
/// and the API crate, and the HTTP suites of the e2e crate (`api_*`, `cli`).
/// Left out: the browser tests (Chromium would run under the faked clock
/// too, and its own certificate and profile checks then fail) and the
/// robustness suites, which add minutes and no date logic of their own.
fn runs_under_faked_clock(package: &str, target: &str) -> bool {
    match package {
        "dk2020-model" | "dk2020-api" => true,
        "dk2020-e2e" => target.starts_with("api_") || target == "cli",
        _ => false,
    }
}

/// A test executable cargo built, with what it tests.
struct TestBinary {
    package: String,
    target: String,
    path: PathBuf,
    /// The package's folder: cargo runs a test binary there, and some tests
    /// read files relative to it.
    dir: PathBuf,
}

/// Builds the test binaries (and the server binary the HTTP tests start)
/// and lists their paths, from cargo's JSON messages.
fn build() -> Result<(Vec<TestBinary>, PathBuf), String> {
    let tests = cargo_artifacts(&["test", "--workspace", "--no-run", "--message-format=json-render-diagnostics"])?;
    let binaries = tests
        .iter()
        .filter(|a| a["profile"]["test"].as_bool() == Some(true))
        .filter_map(|a| {
            let path = a["executable"].as_str()?;
            let package = a["package_id"].as_str().and_then(package_name)?;
            let target = a["target"]["name"].as_str()?.to_string();
            let dir = Path::new(a["manifest_path"].as_str()?).parent()?.to_path_buf();
            Some(TestBinary { package, target, path: PathBuf::from(path), dir })
        })
        .collect();
    let api = cargo_artifacts(&[
        "build",
        "-p",
        "dk2020-api",
        "--bin",
        "dk2020-api",
        "--message-format=json-render-diagnostics",
    ])?
    .iter()
    .find_map(|a| a["executable"].as_str().map(PathBuf::from))
    .ok_or("cargo build -p dk2020-api named no executable")?;
    Ok((binaries, api))
}

/// The `compiler-artifact` messages of a cargo command.
fn cargo_artifacts(args: &[&str]) -> Result<Vec<Value>, String> {
    eprintln!("xtask: $ cargo {}", args.join(" "));
    let out = Command::new("cargo")
        .args(args)
        .current_dir(root())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("could not start cargo: {e}"))?;
    if !out.status.success() {
        return Err(format!("`cargo {}` failed ({})", args.join(" "), out.status));
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|m| m["reason"] == "compiler-artifact")
        .collect())
}

/// `dk2020-model` from a package id: `path+file:///…/shared#dk2020-model@0.1.0`
/// (or the older `dk2020-model 0.1.0 (path+file://…)`).
fn package_name(id: &str) -> Option<String> {
    if let Some((_, tail)) = id.rsplit_once('#') {
        return Some(tail.split('@').next()?.to_string());
    }
    id.split_whitespace().next().map(str::to_string)
}

/// Runs the chosen test binaries with the clock [`AHEAD`]; `env` is what the
/// ordinary test step passes (the DynamoDB endpoint among it).
pub fn run_ahead(env: &[(&str, String)]) -> Result<(), String> {
    let library = crate::install::faketime()?;
    let (binaries, api) = build()?;
    let chosen: Vec<&TestBinary> = binaries.iter().filter(|b| runs_under_faked_clock(&b.package, &b.target)).collect();
    if chosen.is_empty() {
        return Err("cargo built no test binaries to run under the faked clock".into());
    }
    let mut failed = Vec::new();
    for binary in chosen {
        eprintln!("xtask: $ FAKETIME={AHEAD} {} ({} {})", binary.path.display(), binary.package, binary.target);
        if !run_one(binary, &library, &api, env)? {
            failed.push(format!("{} {}", binary.package, binary.target));
        }
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!("with the clock {AHEAD} these tests failed (a test bound to today's date?): {}", failed.join(", ")))
    }
}

fn run_one(test: &TestBinary, library: &Path, api: &Path, env: &[(&str, String)]) -> Result<bool, String> {
    let status = Command::new(&test.path)
        .current_dir(&test.dir)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .env("DK2020_API_BIN", api)
        .env("LD_PRELOAD", library)
        .env("FAKETIME", AHEAD)
        // Timeouts and waits measure with the monotonic clock: keep it real.
        .env("FAKETIME_DONT_FAKE_MONOTONIC", "1")
        // The browser tests stay out (see `runs_under_faked_clock`).
        .env_remove("DK2020_BROWSER_TESTS")
        .status()
        .map_err(|e| format!("could not start {}: {e}", test.path.display()))?;
    Ok(status.success())
}

/// `cargo xtask clock`: the step on its own, with its own local DynamoDB server.
pub fn run() -> Result<(), String> {
    let dynamo = crate::dynamo::LocalDynamo::start(None)?;
    crate::smtp::install()?;
    run_ahead(&[dynamo.test_env(), crate::smtp::test_env()].concat())
}
