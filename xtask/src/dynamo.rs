//! The local DynamoDB-compatible server: moto's server mode from PyPI,
//! installed into `.venv/` when missing and run on a loopback port.
//!
//! - `cargo xtask test` starts it on a free port before the tests, tells the
//!   tests where it is (`DK2020_TEST_DYNAMODB_ENDPOINT`, with
//!   `DK2020_REQUIRE_DYNAMODB=1` so that a missing server fails instead of
//!   skipping), runs the HTTP API suite a second time against the binary on
//!   the DynamoDB store, and stops the server whatever the outcome
//!   ([`LocalDynamo`] kills it when dropped).
//! - `cargo xtask dynamo` starts it on 127.0.0.1:8000 (or a free port) and
//!   runs `dk2020-api serve --create-table` against it, to try the production
//!   store by hand. The data lives in moto's memory: gone when it stops.
//!
//! moto is started through `moto_server.py` (beside this file), which applies
//! one request at a time: the stock `moto_server` runs requests on parallel
//! threads without isolating them, so concurrent conditional transactions can
//! both commit, and a cancelled transaction's rollback can erase another's
//! write (observed: two and three winners for one slot). DynamoDB itself is
//! atomic and isolated per request.

use std::{
    fs::File,
    net::{SocketAddr, TcpListener, TcpStream},
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use crate::{
    run::{cmd, cmd_env, root},
    venv::{self, Package},
};

/// moto with its server extras (Flask), pinned.
pub const MOTO: Package = Package { name: "moto", version: "5.2.5", extras: "server" };

/// The launcher that serializes requests (see the module documentation).
const LAUNCHER: &str = include_str!("moto_server.py");

/// The table `cargo xtask dynamo` serves from.
pub const LOCAL_TABLE: &str = "dk2020-local";
/// The port `cargo xtask dynamo` prefers (DynamoDB Local's usual one).
const PREFERRED_PORT: u16 = 8000;
/// Local servers accept any region and credentials; these are what we send.
const REGION: &str = "eu-north-1";

/// Installs moto (with its server extras) into `.venv/` when it is missing.
pub fn install() -> Result<(), String> {
    venv::install(&[MOTO])?;
    let server_extras = Command::new(venv::bin("python"))
        .args(["-c", "import moto.server, flask, flask_cors"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if server_extras {
        return Ok(());
    }
    let pip = venv::bin("pip").to_string_lossy().into_owned();
    cmd(&pip, &["install", "--disable-pip-version-check", "--quiet", &format!("moto[server]=={}", MOTO.version)])
}

/// A running local server; killed when dropped.
pub struct LocalDynamo {
    child: Child,
    endpoint: String,
    log: PathBuf,
}

impl LocalDynamo {
    /// Starts moto on `127.0.0.1:port` (a free port when `None`) and waits
    /// until it answers.
    pub fn start(port: Option<u16>) -> Result<Self, String> {
        install()?;
        let dir = root().join("target").join("dk2020-moto");
        std::fs::create_dir_all(&dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
        let launcher = dir.join("moto_server.py");
        std::fs::write(&launcher, LAUNCHER).map_err(|e| format!("writing {}: {e}", launcher.display()))?;
        let port = match port {
            Some(port) => port,
            None => free_port()?,
        };
        let log = dir.join(format!("moto-{port}.log"));
        let log_file = File::create(&log).map_err(|e| format!("creating {}: {e}", log.display()))?;
        let log_err = log_file.try_clone().map_err(|e| format!("opening {}: {e}", log.display()))?;
        eprintln!("xtask: starting the local DynamoDB server (moto) on 127.0.0.1:{port}, log {}", log.display());
        let child = Command::new(venv::bin("python"))
            .arg(&launcher)
            .args(["127.0.0.1", &port.to_string()])
            .current_dir(&dir)
            .stdin(Stdio::null())
            .stdout(log_file)
            .stderr(log_err)
            .spawn()
            .map_err(|e| format!("could not start moto: {e}"))?;
        let mut server = Self { child, endpoint: format!("http://127.0.0.1:{port}"), log };
        server.wait_until_up(port)?;
        Ok(server)
    }

    fn wait_until_up(&mut self, port: u16) -> Result<(), String> {
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let started = Instant::now();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("moto exited with {status} at start:\n{}", self.log_tail()));
            }
            if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                return Ok(());
            }
            if started.elapsed() > Duration::from_secs(60) {
                return Err(format!("moto did not answer on {addr} within a minute:\n{}", self.log_tail()));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    /// `http://127.0.0.1:PORT`
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The AWS settings of a client of this server: fixed test credentials and region.
    fn aws_env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ACCESS_KEY_ID", "test".into()),
            ("AWS_SECRET_ACCESS_KEY", "test".into()),
            ("AWS_REGION", REGION.into()),
        ]
    }

    /// What the test run is told: where the server is, and that the DynamoDB
    /// tests must run (fail rather than skip).
    pub fn test_env(&self) -> Vec<(&'static str, String)> {
        let mut env = self.aws_env();
        env.push(("DK2020_TEST_DYNAMODB_ENDPOINT", self.endpoint.clone()));
        env.push(("DK2020_REQUIRE_DYNAMODB", "1".into()));
        env
    }
}

impl Drop for LocalDynamo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        eprintln!("xtask: stopped the local DynamoDB server");
    }
}

/// A loopback port that was free a moment ago.
fn free_port() -> Result<u16, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("finding a free port: {e}"))?;
    listener.local_addr().map(|a| a.port()).map_err(|e| format!("finding a free port: {e}"))
}

/// The HTTP API suite (`tests/tests/api_*.rs`) once more, every test server
/// on a fresh table of `server` instead of a SQLite file.
pub fn http_suite_on_dynamodb(server: &LocalDynamo, extra_env: &[(&'static str, String)]) -> Result<(), String> {
    let mut env = server.test_env();
    env.extend(extra_env.iter().cloned());
    env.push(("DK2020_E2E_STORE", "dynamodb".into()));
    cmd_env("cargo", &["test", "-p", "dk2020-e2e", "--test", "api_*", "--no-fail-fast"], &env)
}

/// `cargo xtask dynamo [serve arguments]`: moto on 127.0.0.1:8000 (or a free
/// port), then `dk2020-api serve --create-table` on the table `dk2020-local`.
pub fn serve(args: &[String]) -> Result<(), String> {
    // The same site as `cargo xtask serve`: the widget first.
    crate::widget::build()?;
    let preferred_free = TcpListener::bind(("127.0.0.1", PREFERRED_PORT)).is_ok();
    let server = LocalDynamo::start(preferred_free.then_some(PREFERRED_PORT))?;
    eprintln!(
        "xtask: the local DynamoDB server is at {} (in memory: its data is gone when this stops)",
        server.endpoint()
    );
    let mut env = server.aws_env();
    env.push(("DK2020_STORE", "dynamodb".into()));
    env.push(("DK2020_TABLE", LOCAL_TABLE.into()));
    env.push(("AWS_ENDPOINT_URL", server.endpoint().to_string()));
    let mut full = vec!["run", "--release", "-p", "dk2020-api", "--", "serve", "--create-table"];
    full.extend(args.iter().map(String::as_str));
    // `server` is dropped (moto stopped) when `serve` ends, however it ends.
    cmd_env("cargo", &full, &env)
}
