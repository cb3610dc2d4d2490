//! The `dk2020-api` executable under a local emulation of the Lambda Runtime API.
//!
//! `tests/lambda.rs` drives the Router the way `lambda_http` does, inside the
//! test process. This test runs the real executable the way Lambda runs
//! `bootstrap`: a process with `AWS_LAMBDA_RUNTIME_API` and the other variables
//! Lambda sets, talking HTTP to the runtime API, which here is the emulation of
//! `tests/shared/lambda_runtime_api.rs` (shared with `cargo xtask bench`):
//! it hands out the checked-in fixtures (API Gateway HTTP API payload 2.0)
//! with the headers Lambda sends and takes the answers.
//!
//! Two invocations: `GET /api/health` on the `$default` stage, then on a named
//! stage (`/prod/api/health`, the URLs `infra/template.yaml` gives). Both must
//! come back as a 200 with `{"status": "ok"}`. The time from starting the
//! process to the first answered invocation and the process's peak memory are
//! printed (not asserted: they depend on the machine); run with `--nocapture`
//! to see them.
//!
//! The executable is the ordinary build of `dk2020-api` (an x86_64 Linux
//! binary on these machines, like `cargo xtask lambda --x86_64` makes), on a
//! fresh SQLite file; against the local DynamoDB-compatible server too when
//! `cargo xtask test` provides one (`DK2020_TEST_DYNAMODB_ENDPOINT`), which is
//! the production configuration but for the endpoint. To check a packaged
//! build instead, point `DK2020_LAMBDA_BOOTSTRAP` at its unzipped `bootstrap`
//! (e.g. `target/lambda/x86_64/dk2020-api/bootstrap`).

#[path = "support/dynamodb.rs"]
mod dynamodb_support;
#[path = "support/function.rs"]
mod function;

use function::Function;
// Shared with `cargo xtask bench`; this test needs only a part of it.
#[allow(dead_code)]
#[path = "../../tests/shared/lambda_runtime_api.rs"]
mod lambda_runtime_api;

use std::{
    fs::File,
    path::{Path, PathBuf},
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use lambda_runtime_api::{Report, RuntimeApi, lambda_environment};
use serde_json::Value;

const FUNCTION_NAME: &str = "dk2020-api-test";
const SECRET: &str = "a-test-secret-that-is-long-enough-for-hs256-0123456789";

/// How long the whole exchange may take before the test gives up (a debug
/// build starts in well under a second; the bound only stops a hang).
const DEADLINE: Duration = Duration::from_secs(60);

fn fixture(name: &str) -> Value {
    function::fixture("lambda", name)
}

/// The executable under test: `DK2020_LAMBDA_BOOTSTRAP`, or this build's `dk2020-api`.
fn executable() -> PathBuf {
    function::executable("DK2020_LAMBDA_BOOTSTRAP", env!("CARGO_BIN_EXE_dk2020-api"))
}

/// Starts the executable the way Lambda starts `bootstrap`: a clean
/// environment with Lambda's variables, plus the function's own (`app_env`).
fn start_function(runtime_api: &str, dir: &Path, app_env: &[(&str, String)]) -> Function {
    let stdout = dir.join("stdout.log");
    let stderr = dir.join("stderr.log");
    let mut command = Command::new(executable());
    command
        .env_clear()
        .current_dir(dir)
        .envs(lambda_environment(runtime_api, FUNCTION_NAME))
        .env("LAMBDA_TASK_ROOT", dir)
        .env("RUST_LOG", "info")
        .env("DK2020_JWT_SECRET", SECRET)
        .env("DK2020_ALLOWED_ORIGINS", "https://intranet.skive.dk")
        .envs(app_env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(File::create(&stdout).expect("a log file"))
        .stderr(File::create(&stderr).expect("a log file"));
    let child = command.spawn().unwrap_or_else(|e| panic!("starting {}: {e}", executable().display()));
    Function { child, stdout, stderr }
}

/// The peak resident memory of process `pid` (Linux: `VmHWM` in `/proc/{pid}/status`).
fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Plays the runtime API for the two health invocations; returns the time from
/// process start to the first request for an event and to the first answer.
fn health_invocations(label: &str, app_env: &[(&str, String)]) -> (Duration, Duration) {
    let events = [
        ("c6af9ac6-7b61-11e6-9a41-93e812345678", fixture("v2_get_health.json")),
        ("d7b0ab07-8c72-11e6-9a41-93e812345679", fixture("v2_named_stage_health.json")),
    ];
    let ids: Vec<String> = events.iter().map(|(id, _)| id.to_string()).collect();
    let runtime_api = RuntimeApi::start().expect("the emulated runtime API");
    for (id, event) in &events {
        runtime_api.invoke(id, &event.to_string());
    }
    let dir = tempfile::tempdir().expect("a temporary directory");

    let started = Instant::now();
    let mut function = start_function(runtime_api.address(), dir.path(), app_env);
    let mut first_next = None;
    let mut first_answer = None;
    let mut answers = Vec::new();
    while answers.len() < ids.len() {
        let left = DEADLINE.checked_sub(started.elapsed()).unwrap_or_default();
        assert!(!left.is_zero(), "{label}: no answer within {DEADLINE:?}\n{}", function.logs());
        // Wait for the next report, a little at a time, to notice an exit.
        let Some(report) = runtime_api.next_report(left.min(Duration::from_millis(250))) else {
            if let Some(status) = function.child.try_wait().expect("the process's status") {
                panic!("{label}: the function exited ({status}) before answering\n{}", function.logs());
            }
            continue;
        };
        match report {
            Report::Next { at } => {
                first_next.get_or_insert(at.saturating_duration_since(started));
            }
            Report::Response { id, body, at } => {
                first_answer.get_or_insert(at.saturating_duration_since(started));
                assert_eq!(id, ids[answers.len()], "{label}: answers come in the order of the invocations");
                answers.push(body);
            }
            Report::Error { id, body, .. } => {
                panic!("{label}: invocation {id} failed: {}\n{}", String::from_utf8_lossy(&body), function.logs())
            }
            Report::InitError { body, .. } => {
                panic!("{label}: initialisation failed: {}\n{}", String::from_utf8_lossy(&body), function.logs())
            }
        }
    }
    assert!(function.child.try_wait().expect("the process's status").is_none(), "{label}: still running");
    let peak_memory = peak_rss_kib(function.child.id());
    drop(function);

    for (body, id) in answers.iter().zip(&ids) {
        let response: Value = serde_json::from_slice(body)
            .unwrap_or_else(|e| panic!("{label}: the answer to {id} is not JSON ({e}): {body:?}"));
        assert_eq!(response["statusCode"], 200, "{label}: {id}: {response}");
        assert!(
            response["headers"]["content-type"].as_str().is_some_and(|t| t.starts_with("application/json")),
            "{label}: {id}: {response}"
        );
        let text = response["body"].as_str().unwrap_or_else(|| panic!("{label}: {id}: a text body: {response}"));
        let health: Value = serde_json::from_str(text).unwrap_or_else(|e| panic!("{label}: {id}: {e}: {text}"));
        assert_eq!(health["status"], "ok", "{label}: {id}: {health}");
        assert_eq!(health["store"], "ok", "{label}: {id}: {health}");
    }
    let first_next = first_next.expect("the function asked for an event");
    let first_answer = first_answer.expect("an answer");
    println!(
        "lambda runtime emulation ({label}, {}): first request for an event {:.1} ms and first invocation answered \
         {:.1} ms after the process started; peak memory {}",
        executable().display(),
        first_next.as_secs_f64() * 1e3,
        first_answer.as_secs_f64() * 1e3,
        peak_memory.map_or("unknown".into(), |kib| format!("{:.1} MiB", kib as f64 / 1024.0)),
    );
    (first_next, first_answer)
}

#[test]
fn the_executable_answers_invocations_on_sqlite() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let db = dir.path().join("lambda.sqlite").to_string_lossy().into_owned();
    health_invocations("sqlite", &[("DK2020_STORE", "sqlite".into()), ("DK2020_DB", db)]);
}

#[tokio::test]
async fn the_executable_answers_invocations_on_dynamodb() {
    let Some(endpoint) = dynamodb_support::endpoint() else { return };
    let store = dynamodb_support::fresh_store(&endpoint).await;
    let table = store.table_name().to_string();
    let _drop = dynamodb_support::DropTable(store);
    // What infra/template.yaml sets, with the local server's endpoint and dummy credentials.
    health_invocations(
        "dynamodb",
        &[
            ("DK2020_STORE", "dynamodb".into()),
            ("DK2020_TABLE", table),
            ("AWS_ENDPOINT_URL", endpoint),
            ("AWS_ACCESS_KEY_ID", "test".into()),
            ("AWS_SECRET_ACCESS_KEY", "test".into()),
            ("AWS_SESSION_TOKEN", "test".into()),
        ],
    );
}
