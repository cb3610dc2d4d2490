//! The tasks themselves, and small helpers to run commands.

use std::{
    path::PathBuf,
    process::{Command, Stdio},
    time::Instant,
};

use crate::install;

/// The workspace root (xtask lives one level below it).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask is inside the workspace").to_path_buf()
}

/// Runs a command in the workspace root, inheriting stdio; fails on a non-zero exit.
pub fn cmd(program: &str, args: &[&str]) -> Result<(), String> {
    eprintln!("xtask: $ {program} {}", args.join(" "));
    let status = Command::new(program)
        .args(args)
        .current_dir(root())
        .status()
        .map_err(|e| format!("could not start {program}: {e}"))?;
    if status.success() { Ok(()) } else { Err(format!("`{program} {}` failed ({status})", args.join(" "))) }
}

/// Runs a command and returns its stdout; fails on a non-zero exit.
pub fn output(program: &str, args: &[&str]) -> Result<String, String> {
    let out = Command::new(program)
        .args(args)
        .current_dir(root())
        .stderr(Stdio::null())
        .output()
        .map_err(|e| format!("could not start {program}: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!("`{program} {}` failed ({})", args.join(" "), out.status))
    }
}

fn step(name: &str, f: impl FnOnce() -> Result<(), String>) -> Result<(), String> {
    let started = Instant::now();
    eprintln!("xtask: == {name}");
    f()?;
    eprintln!("xtask: == {name}: ok ({:.0?})", started.elapsed());
    Ok(())
}

/// `cargo xtask test`: format, lints, the wasm build of the model, every test.
pub fn test(_args: &[String]) -> Result<(), String> {
    let started = Instant::now();
    step("install", install::wasm_target)?;
    step("format", || cmd("cargo", &["fmt", "--all", "--check"]))?;
    step("lints", || cmd("cargo", &["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"]))?;
    step("model for wasm32", || {
        cmd("cargo", &["build", "-p", "dk2020-model", "--target", "wasm32-unknown-unknown"])
    })?;
    step("tests", || {
        if install::has_nextest() {
            cmd("cargo", &["nextest", "run", "--workspace", "--no-fail-fast"])?;
            cmd("cargo", &["test", "--workspace", "--doc"])
        } else {
            cmd("cargo", &["test", "--workspace", "--no-fail-fast"])
        }
    })?;
    eprintln!("xtask: all checks passed in {:.0?}", started.elapsed());
    Ok(())
}

/// `cargo xtask serve`: build and start the local server.
pub fn serve(args: &[String]) -> Result<(), String> {
    let mut full = vec!["run", "--release", "-p", "dk2020-api", "--", "serve"];
    full.extend(args.iter().map(String::as_str));
    cmd("cargo", &full)
}
