//! The tasks themselves, and small helpers to run commands.

use std::{
    path::PathBuf,
    process::{Command, Stdio},
    time::Instant,
};

use crate::{clock, dynamo, fuzz, install, lambda, logscan, smtp, widget};

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

/// Like [`cmd`], with extra environment variables for the child.
pub fn cmd_env(program: &str, args: &[&str], envs: &[(&str, String)]) -> Result<(), String> {
    eprintln!("xtask: $ {program} {}", args.join(" "));
    let status = Command::new(program)
        .args(args)
        .envs(envs.iter().map(|(k, v)| (k, v)))
        .current_dir(root())
        .status()
        .map_err(|e| format!("could not start {program}: {e}"))?;
    if status.success() { Ok(()) } else { Err(format!("`{program} {}` failed ({status})", args.join(" "))) }
}

/// What the browser tests are told: run (a missing tool is a failure) and where the tools are.
fn browser_test_env() -> Vec<(&'static str, String)> {
    vec![
        ("DK2020_BROWSER_TESTS", "1".into()),
        ("DK2020_WIDGET_DIR", widget::out_dir().to_string_lossy().into_owned()),
        ("DK2020_AXE_JS", install::axe_core().to_string_lossy().into_owned()),
        ("DK2020_CHROMIUM", install::CHROMIUM.into()),
        ("DK2020_CHROMEDRIVER", install::CHROMEDRIVER.into()),
        // The OpenID provider of the sign-in tests (installed with the npm tools).
        ("DK2020_REQUIRE_OIDC", "1".into()),
        ("DK2020_NODE_MODULES", install::node_modules().to_string_lossy().into_owned()),
    ]
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
    // The widget before any step that compiles dk2020-api: the binary embeds
    // target/widget/ (backend/build.rs recompiles it when that changes), and
    // the tests check it serves what was just built. The browser tests also
    // need Chromium, ChromeDriver and axe-core.
    step("widget", widget::build)?;
    step("browser tools", install::chromium)?;
    step("format", || cmd("cargo", &["fmt", "--all", "--check"]))?;
    step("lints", || cmd("cargo", &["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"]))?;
    step("infra template (cfn-lint)", lambda::check_template)?;
    step("model for wasm32", || cmd("cargo", &["build", "-p", "dk2020-model", "--target", "wasm32-unknown-unknown"]))?;
    // The local DynamoDB-compatible server for the DynamoDB store's tests;
    // stopped when `dynamo` is dropped, whatever the outcome.
    let dynamo = dynamo::LocalDynamo::start(None)?;
    step("fuzzing tools (schemathesis)", fuzz::install)?;
    step("mail test tools (aiosmtpd, icalendar)", smtp::install)?;
    // Every test server keeps its log for the last step's scan.
    let logs = logscan::test_env()?;
    let env = [browser_test_env(), dynamo.test_env(), fuzz::test_env(), smtp::test_env(), logs.clone()].concat();
    step("tests", || {
        if install::has_nextest() {
            cmd_env("cargo", &["nextest", "run", "--workspace", "--no-fail-fast"], &env)?;
            cmd("cargo", &["test", "--workspace", "--doc"])
        } else {
            cmd_env("cargo", &["test", "--workspace", "--no-fail-fast"], &env)
        }
    })?;
    let dynamo_env = [smtp::test_env(), logs.clone()].concat();
    step("HTTP API tests on DynamoDB", || dynamo::http_suite_on_dynamodb(&dynamo, &dynamo_env))?;
    let clock_env = [dynamo.test_env(), smtp::test_env(), logs].concat();
    step(&format!("model, API and HTTP tests with the clock {} (faketime)", clock::AHEAD), || {
        clock::run_ahead(&clock_env)
    })?;
    step("no personal data in the test servers' logs", || logscan::scan(None))?;
    eprintln!("xtask: all checks passed in {:.0?}", started.elapsed());
    Ok(())
}

/// `cargo xtask serve`: build and start the local server.
pub fn serve(args: &[String]) -> Result<(), String> {
    // First: `cargo run` then compiles the API with this widget built in.
    step("widget", widget::build)?;
    let mut full = vec!["run", "--release", "-p", "dk2020-api", "--", "serve"];
    full.extend(args.iter().map(String::as_str));
    // On a developer's machine a calendar server on localhost (a Nextcloud in
    // a container, a test file) may be subscribed to; never on AWS.
    let allow_private = std::env::var("DK2020_CALENDAR_ALLOW_PRIVATE").unwrap_or_else(|_| "1".into());
    cmd_env("cargo", &full, &[("DK2020_CALENDAR_ALLOW_PRIVATE", allow_private)])
}
