//! A Lambda executable as the runtime-API tests drive it (`lambda_runtime.rs`,
//! `mailer_lambda.rs`): which file to run, the fixture events, and the
//! process, killed when the test is done with it.

use std::{
    fs::File,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use serde_json::Value;

use crate::lambda_runtime_api::{Report, RuntimeApi, lambda_environment};

/// A JSON event of `tests/fixtures/<dir>/`.
pub fn fixture(dir: &str, name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(dir).join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// The executable under test: the file `variable` names (an unzipped
/// `bootstrap` of `cargo xtask lambda`), or this build's `built`.
pub fn executable(variable: &str, built: &str) -> PathBuf {
    match std::env::var(variable) {
        Ok(path) if !path.trim().is_empty() => PathBuf::from(path.trim()),
        _ => PathBuf::from(built),
    }
}

/// The process under test; killed when dropped.
pub struct Function {
    pub child: Child,
    pub stdout: PathBuf,
    pub stderr: PathBuf,
}

impl Function {
    pub fn logs(&self) -> String {
        let read = |p: &Path| std::fs::read_to_string(p).unwrap_or_default();
        format!("--- stdout ---\n{}\n--- stderr ---\n{}", read(&self.stdout), read(&self.stderr))
    }
}

impl Drop for Function {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `executable` as Lambda starts `bootstrap` (a clean environment with
/// Lambda's variables and the function's own, `app_env`), hands it `event`
/// and returns its answer (or, as `Err`, the error Lambda was told, once the
/// process has asked for the next event: it lives on) and its logs.
#[allow(dead_code)] // Each test crate uses the parts it needs.
pub fn invoke(
    executable: &Path,
    function_name: &str,
    label: &str,
    event: &Value,
    app_env: &[(&str, String)],
    deadline: Duration,
) -> (Result<Value, String>, String) {
    let runtime_api = RuntimeApi::start().expect("the emulated runtime API");
    let request_id = "6f1b1e2c-0d7a-4c52-9d1e-5a0b3c2d1e0f";
    runtime_api.invoke(request_id, &event.to_string());
    let dir = tempfile::tempdir().expect("a temporary directory");
    let stdout = dir.path().join("stdout.log");
    let stderr = dir.path().join("stderr.log");
    let child = Command::new(executable)
        .env_clear()
        .current_dir(dir.path())
        .envs(lambda_environment(runtime_api.address(), function_name))
        .env("LAMBDA_TASK_ROOT", dir.path())
        .env("RUST_LOG", "info")
        .envs(app_env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(File::create(&stdout).expect("a log file"))
        .stderr(File::create(&stderr).expect("a log file"))
        .spawn()
        .unwrap_or_else(|e| panic!("starting {}: {e}", executable.display()));
    let mut function = Function { child, stdout, stderr };
    let started = Instant::now();
    let mut failed = None;
    loop {
        let left = deadline.checked_sub(started.elapsed()).unwrap_or_default();
        assert!(!left.is_zero(), "{label}: no answer within {deadline:?}\n{}", function.logs());
        let Some(report) = runtime_api.next_report(left.min(Duration::from_millis(250))) else {
            if let Some(status) = function.child.try_wait().expect("the process's status") {
                panic!("{label}: the function exited ({status}) before answering\n{}", function.logs());
            }
            continue;
        };
        match report {
            Report::Next { .. } => {
                if let Some(error) = failed.take() {
                    return (Err(error), function.logs());
                }
            }
            Report::Response { id, body, .. } => {
                assert_eq!(id, request_id, "{label}");
                let answer = serde_json::from_slice(&body)
                    .unwrap_or_else(|e| panic!("{label}: the answer is not JSON ({e}): {body:?}"));
                // Let the log lines of the invocation reach the files.
                std::thread::sleep(Duration::from_millis(100));
                return (Ok(answer), function.logs());
            }
            Report::Error { id, body, .. } => {
                assert_eq!(id, request_id, "{label}");
                failed = Some(String::from_utf8_lossy(&body).into_owned());
            }
            Report::InitError { body, .. } => {
                panic!("{label}: initialisation failed: {}\n{}", String::from_utf8_lossy(&body), function.logs())
            }
        }
    }
}
