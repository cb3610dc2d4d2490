//! A Lambda executable as the runtime-API tests drive it (`lambda_runtime.rs`,
//! `mailer_lambda.rs`): which file to run, the fixture events, and the
//! process, killed when the test is done with it.

use std::{
    path::{Path, PathBuf},
    process::Child,
};

use serde_json::Value;

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
