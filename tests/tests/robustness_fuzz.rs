//! Fuzzing the API from its own OpenAPI description with schemathesis (PyPI,
//! installed into the project's `.venv/` by `cargo xtask test` and `cargo
//! xtask fuzz`), against a fresh `dk2020-api serve` per role: no token, a
//! municipality (Skive, 779), the coordinator and the secretariat. The tokens
//! are minted with `dk2020-api token` and the server's secret, and given for
//! both security schemes of the document (the bearer header and the
//! `?token=` of the calendar feed).
//!
//! Checks (every response of every generated request):
//! - `not_a_server_error`: no 5xx, whatever the input;
//! - `status_code_conformance`: only statuses the document lists;
//! - `content_type_conformance`, `response_headers_conformance`;
//! - `response_schema_conformance`: every body matches its documented schema;
//! - `missing_required_header`, `unsupported_method`, `allow_header_conformance`,
//!   `ignored_auth`, `use_after_free`, `ensure_resource_availability`.
//!
//! Left out, because they assert what a schema cannot express here:
//! - `positive_data_acceptance` wants every schema-valid request accepted,
//!   but rules that hold between values are refused with 400/422 by design:
//!   a booking must be 48 hours ahead, on the slot grid and free; `equal_percent`
//!   only goes with `key=hybrid`; and JSON Schema's `integer` admits `90.0`,
//!   which the API (serde's `u32`) refuses as not a whole number.
//! - `negative_data_rejection` wants every schema-invalid request refused with
//!   a status from its own list, which has no 413: a body over 64 KiB is
//!   refused with 413 before it is read (right, and documented); and an empty
//!   query value (`?to=`) counts as not given, by design (HTML forms send them).
//!
//! Bounded: `DK2020_FUZZ_MAX_EXAMPLES` examples per operation (20 by default;
//! `cargo xtask fuzz` asks for more) with a fixed seed (`DK2020_FUZZ_SEED`),
//! and a hard time limit per role (`DK2020_FUZZ_TIMEOUT_SECS`, 600 by default)
//! after which schemathesis is stopped and the test fails. Reports (JUnit XML
//! and the full output) go to `target/schemathesis/<role>/`.
//!
//! Without schemathesis the tests are skipped with a message, unless
//! `DK2020_REQUIRE_SCHEMATHESIS=1` (set by `cargo xtask test`) makes that a failure.

use std::{
    fs::File,
    path::{Path, PathBuf},
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use dk2020_e2e::{SKIVE, TestServer, run_cli};

const CHECKS: &str = "not_a_server_error,status_code_conformance,content_type_conformance,\
response_headers_conformance,response_schema_conformance,missing_required_header,unsupported_method,\
allow_header_conformance,ignored_auth,use_after_free,ensure_resource_availability";

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ is inside the workspace").to_path_buf()
}

fn env_number(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) => v.trim().parse().unwrap_or_else(|_| panic!("{name}={v:?} is not a number")),
        Err(_) => default,
    }
}

/// schemathesis, or `None` (after saying why) when it is not installed and
/// not required.
fn schemathesis() -> Option<PathBuf> {
    let path = std::env::var_os("DK2020_SCHEMATHESIS")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join(".venv/bin/schemathesis"));
    if path.is_file() {
        return Some(path);
    }
    assert!(
        std::env::var("DK2020_REQUIRE_SCHEMATHESIS").as_deref() != Ok("1"),
        "DK2020_REQUIRE_SCHEMATHESIS=1 but schemathesis is not at {}",
        path.display()
    );
    eprintln!("skipped: schemathesis is not installed at {}; `cargo xtask test` installs it", path.display());
    None
}

/// A token minted by the binary itself (`dk2020-api token`, with the test secret).
fn mint(args: &[&str]) -> String {
    let mut full = vec!["token"];
    full.extend_from_slice(args);
    let out = run_cli(&full);
    assert!(out.success, "dk2020-api token {args:?} failed: {}", out.stderr);
    out.stdout.trim().to_string()
}

/// Runs schemathesis against a fresh server as `role` (with `token`, if any)
/// and fails with its report when a check fails or time runs out.
fn fuzz(role: &str, token: Option<String>) {
    let Some(schemathesis) = schemathesis() else { return };
    let server = TestServer::config().store("sqlite").start();
    let out_dir = workspace().join("target/schemathesis").join(role);
    std::fs::create_dir_all(&out_dir).expect("creating target/schemathesis/<role>");
    let config = out_dir.join("schemathesis.toml");
    let auth = match &token {
        Some(t) => {
            format!("[auth.openapi]\nbearerAuth = {{ bearer = \"{t}\" }}\ncalendarToken = {{ api_key = \"{t}\" }}\n")
        }
        None => String::new(),
    };
    std::fs::write(&config, auth).expect("writing the schemathesis configuration");
    let max_examples = env_number("DK2020_FUZZ_MAX_EXAMPLES", 20);
    let seed = env_number("DK2020_FUZZ_SEED", 2020);
    let timeout = Duration::from_secs(env_number("DK2020_FUZZ_TIMEOUT_SECS", 600));
    let log_path = out_dir.join("output.txt");
    let log = File::create(&log_path).expect("creating the schemathesis log");

    let mut child = Command::new(&schemathesis)
        .arg("--config-file")
        .arg(&config)
        .arg("run")
        .arg(server.url("/api/openapi.json"))
        .args(["--checks", CHECKS])
        .args(["--max-examples", &max_examples.to_string()])
        .args(["--seed", &seed.to_string()])
        .args(["--workers", "1", "--generation-database", "none", "--no-color", "--output-truncate", "true"])
        .args(["--request-timeout", "30", "--report", "junit", "--report-dir"])
        .arg(&out_dir)
        .current_dir(&out_dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("the log file"))
        .stderr(log)
        .spawn()
        .unwrap_or_else(|e| panic!("starting {}: {e}", schemathesis.display()));
    // Bounded polling for the end of the run.
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting for schemathesis") {
            break Some(status);
        }
        if started.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let output = std::fs::read_to_string(&log_path).unwrap_or_default();
    let summary: String =
        output.lines().rev().take(12).collect::<Vec<_>>().into_iter().rev().collect::<Vec<_>>().join("\n");
    eprintln!(
        "schemathesis as {role} ({max_examples} examples per operation, seed {seed}, {:.0?}):\n{summary}",
        started.elapsed()
    );
    match status {
        Some(status) if status.success() => {}
        Some(status) => {
            panic!("schemathesis as {role} found failures ({status}); full report in {}:\n{output}", log_path.display())
        }
        None => panic!("schemathesis as {role} did not finish within {timeout:?}; output so far:\n{output}"),
    }
    assert!(output.contains("generated"), "schemathesis as {role} generated no test cases:\n{output}");
}

#[test]
fn fuzz_without_a_token() {
    fuzz("anonymous", None);
}

#[test]
fn fuzz_as_a_municipality() {
    fuzz("municipality", Some(mint(&["--role", "municipality", "--municipality", &SKIVE.to_string()])));
}

#[test]
fn fuzz_as_the_coordinator() {
    fuzz("coordinator", Some(mint(&["--role", "coordinator"])));
}

#[test]
fn fuzz_as_the_secretariat() {
    fuzz("secretariat", Some(mint(&["--role", "secretariat"])));
}
