//! Fuzzing the API from its OpenAPI description with schemathesis (PyPI,
//! pinned, in the project's `.venv/`). The fuzzing itself is the test
//! `tests/tests/robustness_fuzz.rs` (a fresh server per role, tokens minted
//! with `dk2020-api token`); `cargo xtask test` runs it with a few examples
//! per operation, `cargo xtask fuzz` with many more.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::{
    run::cmd_env,
    venv::{self, Package},
};

/// schemathesis, pinned (4.x: `--checks`, `--max-examples`, a TOML
/// configuration for the tokens of both security schemes).
pub const SCHEMATHESIS: Package = Package { name: "schemathesis", version: "4.32.5", extras: "" };

/// Installs schemathesis into `.venv/` when it is missing.
pub fn install() -> Result<(), String> {
    venv::install(&[SCHEMATHESIS])
}

/// What the tests are told: where schemathesis is, and that the fuzz tests
/// must run (a missing tool is a failure, not a skip).
pub fn test_env() -> Vec<(&'static str, String)> {
    vec![
        ("DK2020_SCHEMATHESIS", venv::bin("schemathesis").to_string_lossy().into_owned()),
        ("DK2020_REQUIRE_SCHEMATHESIS", "1".into()),
    ]
}

/// `cargo xtask fuzz [--max-examples N] [--seed N] [--timeout SECS]`: the
/// fuzz tests with many examples per operation (default 300) and a new seed
/// each run (printed, so a finding can be replayed with `--seed`).
pub fn run(args: &[String]) -> Result<(), String> {
    let mut max_examples = "300".to_string();
    let mut seed = SystemTime::now().duration_since(UNIX_EPOCH).map_or(1, |d| d.as_secs() % 1_000_000).to_string();
    let mut timeout = "3600".to_string();
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        let value = || rest.clone().next().cloned().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--max-examples" => max_examples = value()?,
            "--seed" => seed = value()?,
            "--timeout" => timeout = value()?,
            other => return Err(format!("cargo xtask fuzz: unknown argument {other:?}")),
        }
        rest.next();
    }
    for (name, value) in [("--max-examples", &max_examples), ("--seed", &seed), ("--timeout", &timeout)] {
        value.parse::<u64>().map_err(|_| format!("{name} {value:?} is not a number"))?;
    }
    install()?;
    eprintln!("xtask: fuzzing with {max_examples} examples per operation and role, seed {seed}");
    let mut env = test_env();
    env.push(("DK2020_FUZZ_MAX_EXAMPLES", max_examples));
    env.push(("DK2020_FUZZ_SEED", seed.clone()));
    env.push(("DK2020_FUZZ_TIMEOUT_SECS", timeout));
    let result = cmd_env(
        "cargo",
        &["test", "-p", "dk2020-e2e", "--test", "robustness_fuzz", "--", "--nocapture", "--test-threads", "2"],
        &env,
    );
    eprintln!("xtask: reports in target/schemathesis/<role>/ (seed {seed})");
    result
}
