//! The harness of the black-box API tests: start the real `dk2020-api` binary
//! on a free loopback port with a fresh SQLite database, call it over HTTP, and
//! mint tokens the way a deployment would.
//!
//! - [`api_binary`] brings the binary up to date with one
//!   `cargo build -p dk2020-api` per test run (into the test executable's own
//!   target directory and profile; a file lock makes parallel test processes,
//!   e.g. under cargo-nextest, share that one build) and takes its path from
//!   cargo's JSON messages. Set `DK2020_API_BIN` to use a binary built
//!   elsewhere instead (the clock step of `cargo xtask test` does, since cargo
//!   cannot run under libfaketime).
//! - [`TestServer::start`] starts a server with a fixed clock ([`TEST_NOW`], a
//!   Monday, so the offered slots are stable) and a fixed token secret
//!   ([`TEST_SECRET`]); it waits until `GET /api/health` answers and kills the
//!   server when dropped. [`TestServer::shared`] hands out one server to the
//!   read-only tests that run at the same time.
//! - [`token`] and friends sign HS256 tokens in-process with the test secret.

pub mod browser;
pub mod ics_server;
pub mod oidc;
pub mod schedule;
pub mod smtp;
pub mod webdriver;

use std::{
    fs::File,
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex, OnceLock, Weak},
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

pub use reqwest::Method;
use reqwest::{
    blocking::{Client, RequestBuilder},
    header::HeaderMap,
};
use serde::Deserialize;
use serde_json::{Value, json};

/// The token secret every test server is started with.
pub const TEST_SECRET: &str = "dk2020-e2e-test-secret-that-is-long-enough";

/// The secret before the last rotation: every test server still knows it
/// (`DK2020_JWT_RETIRED_SECRET`), but accepted its tokens only until
/// [`RETIRED_UNTIL`], before [`TEST_NOW`].
pub const RETIRED_SECRET: &str = "dk2020-e2e-the-secret-before-the-rotation";
pub const RETIRED_UNTIL: &str = "2026-11-15";

/// The server clock of the tests: Monday 30 November 2026, 08:00 in Copenhagen.
/// With the default rules (48 hours' notice) the first bookable day is
/// Wednesday 2 December.
pub const TEST_NOW: &str = "2026-11-30T08:00:00+01:00";

/// How long a server may take to answer its first health check.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);

// ---------------------------------------------------------------------------
// The binary

/// The `dk2020-api` binary under test, built if needed (once per test run).
pub fn api_binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        if let Some(path) = std::env::var_os("DK2020_API_BIN") {
            let path = PathBuf::from(path);
            assert!(path.is_file(), "DK2020_API_BIN={} is not a file", path.display());
            return path;
        }
        build_once_per_run(&profile_dir())
    })
}

/// `<target>/<profile>`: the test executable lives in `<target>/<profile>/deps/`.
fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test executable's path");
    let deps = exe.parent().expect("the test executable is in a directory");
    let dir = if deps.file_name().is_some_and(|n| n == "deps") { deps.parent().unwrap_or(deps) } else { deps };
    dir.to_path_buf()
}

/// Brings the binary up to date with `cargo build -p dk2020-api` (through
/// `escargot`, which reads cargo's JSON messages for the executable's path),
/// for the profile and target directory the tests were built with; cargo
/// itself decides whether anything needs rebuilding. Once per test run (same
/// `NEXTEST_RUN_ID`, or same process under `cargo test`): a file lock makes
/// parallel test processes wait for the first one's build, and a stamp file
/// beside it tells the others which binary that build named.
fn build_once_per_run(profile_dir: &Path) -> PathBuf {
    let run = std::env::var("NEXTEST_RUN_ID").unwrap_or_else(|_| format!("pid-{}", std::process::id()));
    let lock = File::create(profile_dir.join(".dk2020-e2e-build.lock")).expect("creating the build lock file");
    lock.lock().expect("locking the build lock file");
    let stamp = profile_dir.join(".dk2020-e2e-build.stamp");
    if let Ok(text) = std::fs::read_to_string(&stamp)
        && let Some((stamped_run, path)) = text.split_once('\n')
        && stamped_run == run
        && Path::new(path).is_file()
    {
        return PathBuf::from(path);
    }
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ is inside the workspace");
    let target_dir = profile_dir.parent().expect("the profile directory is inside the target directory");
    let mut build = escargot::CargoBuild::new()
        .manifest_path(workspace.join("Cargo.toml"))
        .package("dk2020-api")
        .bin("dk2020-api")
        .target_dir(target_dir);
    match profile_dir.file_name().and_then(|n| n.to_str()) {
        Some("debug") | None => {}
        Some("release") => build = build.release(),
        Some(profile) => build = build.profile(profile),
    }
    let built = build.run().unwrap_or_else(|e| panic!("cargo build -p dk2020-api failed: {e}"));
    let binary = built.path().to_path_buf();
    assert!(binary.is_file(), "cargo build named {}, which is not a file", binary.display());
    std::fs::write(&stamp, format!("{run}\n{}", binary.display())).expect("writing the build stamp");
    binary
}

/// Runs the binary with `args` (no server), e.g. the `allocate` subcommand.
pub fn run_cli(args: &[&str]) -> CliOutput {
    let out = Command::new(api_binary())
        .args(args)
        .env("DK2020_JWT_SECRET", TEST_SECRET)
        // The CLI's clock is the test servers' clock (a token it prints is valid on it).
        .env("DK2020_NOW", TEST_NOW)
        .env_remove("AWS_LAMBDA_RUNTIME_API")
        .stdin(Stdio::null())
        .output()
        .expect("running dk2020-api");
    CliOutput {
        success: out.status.success(),
        code: out.status.code(),
        stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
    }
}

/// What a run of the binary printed.
#[derive(Debug)]
pub struct CliOutput {
    pub success: bool,
    /// `None` when killed by a signal.
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

// ---------------------------------------------------------------------------
// The server

/// How to start a [`TestServer`].
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// `DK2020_NOW`; `None` runs on the system clock.
    pub now: Option<String>,
    /// `DK2020_ALLOWED_ORIGINS`.
    pub allowed_origins: Option<String>,
    /// The store of this server: `Some("sqlite")` or `Some("dynamodb")`;
    /// `None` is the suite's [`store_under_test`].
    pub store: Option<&'static str>,
    /// More environment variables for the server (e.g. `DK2020_SMTP_URL`).
    pub env: Vec<(String, String)>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self { now: Some(TEST_NOW.to_string()), allowed_origins: None, store: None, env: Vec::new() }
    }
}

impl ServerConfig {
    pub fn env(mut self, name: &str, value: &str) -> Self {
        self.env.push((name.to_string(), value.to_string()));
        self
    }

    pub fn allowed_origins(mut self, origins: &str) -> Self {
        self.allowed_origins = Some(origins.to_string());
        self
    }

    /// Runs this server on `store` (`sqlite` or `dynamodb`) whatever
    /// `DK2020_E2E_STORE` says; `dynamodb` needs `DK2020_TEST_DYNAMODB_ENDPOINT`
    /// (see [`dynamodb_endpoint`]).
    pub fn store(mut self, store: &'static str) -> Self {
        assert!(matches!(store, "sqlite" | "dynamodb"), "store {store:?}: use sqlite or dynamodb");
        self.store = Some(store);
        self
    }

    pub fn start(self) -> TestServer {
        TestServer::start_with(self)
    }
}

/// A running `dk2020-api serve` on its own database; killed when dropped.
pub struct TestServer {
    child: Child,
    base: String,
    client: Client,
    dir: tempfile::TempDir,
    /// How it was started, its SQLite file and (with DynamoDB) its table:
    /// what [`TestServer::restart`] starts again on.
    config: ServerConfig,
    db: PathBuf,
    table: Option<String>,
    starts: u32,
}

impl TestServer {
    /// A fresh server with the default [`ServerConfig`]: for tests that change state.
    pub fn start() -> Self {
        Self::start_with(ServerConfig::default())
    }

    pub fn config() -> ServerConfig {
        ServerConfig::default()
    }

    /// One default server for the tests of this process that only read. It
    /// lives while any test holds it, so it is stopped (not leaked) when the
    /// last holder is done, whichever test runner runs the tests.
    pub fn shared() -> Arc<TestServer> {
        static SHARED: Mutex<Weak<TestServer>> = Mutex::new(Weak::new());
        let mut slot = SHARED.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(server) = slot.upgrade() {
            return server;
        }
        let server = Arc::new(TestServer::start());
        *slot = Arc::downgrade(&server);
        server
    }

    pub fn start_with(config: ServerConfig) -> Self {
        let mut dir = tempfile::Builder::new().prefix("dk2020-e2e-").tempdir().expect("a temporary directory");
        let client = Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(30))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("an HTTP client");
        let store = config.store.unwrap_or_else(store_under_test);
        let table = (store == "dynamodb").then(new_table_name);
        // Another process may take the port between our probe and the
        // server's bind: then start again on another port.
        let mut last_failure = String::new();
        for attempt in 0..3 {
            let db = dir.path().join(format!("dk2020-{attempt}.sqlite"));
            let (child, base) = spawn_serve(dir.path(), &db, table.as_deref(), &config, attempt);
            let mut server = TestServer {
                child,
                base,
                client: client.clone(),
                dir,
                config: config.clone(),
                db,
                table: table.clone(),
                starts: attempt + 1,
            };
            match server.wait_until_healthy() {
                Ok(()) => return server,
                Err((failure, port_taken)) => {
                    last_failure = failure;
                    server.stop();
                    if !port_taken {
                        break;
                    }
                    dir = std::mem::replace(&mut server.dir, tempfile::tempdir().expect("a temporary directory"));
                }
            }
        }
        panic!("dk2020-api serve did not come up: {last_failure}");
    }

    /// Kills the server at once with SIGKILL (`kill -9`: no shutdown, no
    /// flushing) and waits for it to be gone. The database stays for
    /// [`TestServer::restart`].
    pub fn kill(&mut self) {
        self.stop();
    }

    /// Whether the server process is still running.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Like [`TestServer::restart`], with a changed configuration (e.g. a
    /// later clock, another mail server).
    pub fn restart_with(&mut self, change: impl FnOnce(&mut ServerConfig)) {
        change(&mut self.config);
        self.restart();
    }

    /// Starts the server again (after [`TestServer::kill`], or killing it
    /// first) on the same database (SQLite file or DynamoDB table), with the
    /// same configuration, on a new port; waits until it is healthy.
    pub fn restart(&mut self) {
        self.stop();
        let mut last_failure = String::new();
        for _ in 0..3 {
            let attempt = self.starts;
            self.starts += 1;
            (self.child, self.base) =
                spawn_serve(self.dir.path(), &self.db, self.table.as_deref(), &self.config, attempt);
            match self.wait_until_healthy() {
                Ok(()) => return,
                Err((failure, port_taken)) => {
                    last_failure = failure;
                    self.stop();
                    if !port_taken {
                        break;
                    }
                }
            }
        }
        panic!("dk2020-api serve did not come up again: {last_failure}");
    }

    /// The SQLite file the server runs on (also when the store is DynamoDB,
    /// where it stays unused).
    pub fn db_path(&self) -> &Path {
        &self.db
    }

    /// The server's fixed clock (`DK2020_NOW`), `None` on the system clock.
    pub fn pinned_now(&self) -> Option<&str> {
        self.config.now.as_deref()
    }

    /// The store this server runs on: `sqlite` or `dynamodb`.
    pub fn store(&self) -> &'static str {
        if self.table.is_some() { "dynamodb" } else { "sqlite" }
    }

    /// Polls `GET /api/health` with a short backoff until it answers 200. On
    /// failure: what happened with the server's log, and whether the port
    /// was taken (worth another try).
    fn wait_until_healthy(&mut self) -> Result<(), (String, bool)> {
        let log = server_log(self.dir.path(), self.starts - 1);
        self.poll_health().map_err(|failure| {
            let log = std::fs::read_to_string(&log).unwrap_or_default();
            let port_taken = log.contains("listening on") || log.contains("in use");
            (format!("{failure}\n--- server log ---\n{log}"), port_taken)
        })
    }

    fn poll_health(&mut self) -> Result<(), String> {
        let started = Instant::now();
        let mut pause = Duration::from_millis(5);
        let url = self.url("/api/health");
        loop {
            if let Some(status) = self.child.try_wait().map_err(|e| e.to_string())? {
                return Err(format!("the server exited with {status}"));
            }
            match self.client.get(&url).timeout(Duration::from_secs(2)).send() {
                Ok(r) if r.status().is_success() => return Ok(()),
                Ok(r) => {
                    if started.elapsed() > STARTUP_TIMEOUT {
                        return Err(format!("GET /api/health still answers {}", r.status()));
                    }
                }
                Err(e) => {
                    if started.elapsed() > STARTUP_TIMEOUT {
                        return Err(format!("GET /api/health does not answer: {e}"));
                    }
                }
            }
            std::thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_millis(100));
        }
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// `http://127.0.0.1:PORT`
    pub fn base(&self) -> &str {
        &self.base
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The server's temporary directory (its database lives there).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn request(&self, method: Method, path: &str) -> Call {
        Call(self.client.request(method, self.url(path)))
    }

    pub fn get(&self, path: &str) -> Call {
        self.request(Method::GET, path)
    }

    pub fn post(&self, path: &str) -> Call {
        self.request(Method::POST, path)
    }

    pub fn put(&self, path: &str) -> Call {
        self.request(Method::PUT, path)
    }

    /// A new calendar-feed address of the coordinator's, as a path
    /// (`/api/calendar/dkf_….ics`).
    pub fn calendar_feed(&self) -> String {
        let reply = self
            .post("/api/calendar/feeds")
            .bearer(&coordinator_token())
            .json(&serde_json::json!({"label": "Testkalender"}))
            .send()
            .expect_status(201)
            .json();
        let url = reply["url"].as_str().expect("the feed's address").to_string();
        url[url.find("/api/").expect("an API address")..].to_string()
    }

    /// A new embed key for `municipality`, usable from `origins`: its id and the key.
    pub fn embed_key(&self, municipality: u16, origins: &[&str]) -> (String, String) {
        let reply = self
            .post("/api/embed-keys")
            .bearer(&secretariat_token())
            .json(&serde_json::json!({"municipality": municipality, "label": "Testintranet", "origins": origins}))
            .send()
            .expect_status(201)
            .json();
        (reply["id"].as_str().unwrap().to_string(), reply["key"].as_str().unwrap().to_string())
    }

    /// Signs in with the dev sign-in as `user` (`coordinator`, `secretariat`
    /// or a municipality's code), as a browser on the server's own page does.
    pub fn sign_in(&self, user: &str) -> Session {
        let reply = self
            .post("/auth/dev")
            .header("origin", &self.base)
            .body("application/x-www-form-urlencoded", format!("user={user}"))
            .send()
            .expect_status(303);
        let cookie = reply.set_cookie("dk2020_session").expect("a session cookie");
        let info = self.get("/api/session").header("cookie", &cookie).send().expect_status(200).json();
        let csrf = info["csrf"].as_str().expect("the CSRF token").to_string();
        Session { cookie, csrf, origin: self.base.clone() }
    }

    // --- helpers for the booking flows --------------------------------------

    /// The open slots `token` sees for `municipality` and `kind` from `from` to `to` (dates).
    pub fn slots(&self, token: &str, municipality: u16, kind: &str, from: &str, to: &str) -> Vec<Slot> {
        let reply = self
            .get(&format!("/api/slots?municipality={municipality}&kind={kind}&from={from}&to={to}"))
            .bearer(token)
            .send()
            .expect_status(200);
        reply.json_as::<SlotsBody>().slots
    }

    /// `POST /api/bookings` for `municipality` with its own token.
    pub fn book(&self, municipality: u16, kind: &str, start: &str) -> Reply {
        self.post("/api/bookings")
            .bearer(&municipality_token(municipality))
            .json(&booking_body(municipality, kind, start))
            .send()
    }

    /// Books the first open slot of `kind` for `municipality` on or after `from`; the created booking.
    pub fn book_first_open(&self, municipality: u16, kind: &str, from: &str, to: &str) -> Value {
        let token = municipality_token(municipality);
        let slot = self.slots(&token, municipality, kind, from, to).into_iter().next().expect("an open slot");
        self.book(municipality, kind, &slot.start).expect_status(201).json()
    }

    /// Every booking, as the coordinator sees them.
    pub fn all_bookings(&self) -> Vec<Value> {
        let reply = self.get("/api/bookings").bearer(&coordinator_token()).send().expect_status(200);
        reply.json()["bookings"].as_array().expect("bookings is an array").clone()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// `DK2020_E2E_STORE`: `sqlite` (the default) or `dynamodb`. With
/// `dynamodb` every [`TestServer`] runs `serve --create-table` on a fresh
/// table of the local DynamoDB-compatible server at
/// `DK2020_TEST_DYNAMODB_ENDPOINT` (`cargo xtask test` starts one and runs
/// this suite once with each store).
pub fn store_under_test() -> &'static str {
    static STORE: OnceLock<&'static str> = OnceLock::new();
    STORE.get_or_init(|| match std::env::var("DK2020_E2E_STORE").as_deref().map(str::trim) {
        Err(_) | Ok("") | Ok("sqlite") => "sqlite",
        Ok("dynamodb") => "dynamodb",
        Ok(other) => panic!("DK2020_E2E_STORE={other:?}: use sqlite or dynamodb"),
    })
}

/// Starts `dk2020-api serve` on a free port with the database `db` (and the
/// DynamoDB `table`, when given), its log in `dir/server-{attempt}.log`.
/// Returns the process and its base URL.
fn spawn_serve(dir: &Path, db: &Path, table: Option<&str>, config: &ServerConfig, attempt: u32) -> (Child, String) {
    let binary = api_binary();
    let port = free_port();
    let log_file = File::create(server_log(dir, attempt)).expect("creating the server log");
    let mut cmd = Command::new(binary);
    cmd.current_dir(dir)
        .arg("serve")
        .args(["--addr", &format!("127.0.0.1:{port}")])
        .arg("--db")
        .arg(db)
        .arg("--widget-dir")
        .arg(dir.join("no-widget"))
        .env("DK2020_JWT_SECRET", TEST_SECRET)
        .env("DK2020_JWT_RETIRED_SECRET", RETIRED_SECRET)
        .env("DK2020_JWT_RETIRED_UNTIL", RETIRED_UNTIL)
        .env("RUST_LOG", log_filter())
        .env_remove("AWS_LAMBDA_RUNTIME_API")
        .env_remove("DK2020_STORE")
        .env_remove("DK2020_ADDR")
        .env_remove("DK2020_DB")
        .env_remove("DK2020_WIDGET_DIR")
        .env_remove("DK2020_SMTP_URL")
        .env_remove("DK2020_OUTBOX_DIR")
        .envs(config.env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        // The log lines (stdout) and anything on stderr (a panic), in one file.
        .stdout(log_file.try_clone().expect("a second handle of the server log"))
        .stderr(log_file);
    match &config.now {
        Some(now) => cmd.env("DK2020_NOW", now),
        None => cmd.env_remove("DK2020_NOW"),
    };
    match &config.allowed_origins {
        Some(origins) => cmd.env("DK2020_ALLOWED_ORIGINS", origins),
        None => cmd.env_remove("DK2020_ALLOWED_ORIGINS"),
    };
    if let Some(table) = table {
        use_dynamodb(&mut cmd, table);
    }
    let child = cmd.spawn().unwrap_or_else(|e| panic!("starting {}: {e}", binary.display()));
    (child, format!("http://127.0.0.1:{port}"))
}

/// Where a server writes its log: `dir/server-{attempt}.log`, or with
/// `DK2020_TEST_LOG_DIR` (which `cargo xtask test` sets) a file of its own
/// there, kept after the test, for the scan for personal data in the logs
/// (`xtask/src/logscan.rs`).
fn server_log(dir: &Path, attempt: u32) -> PathBuf {
    match std::env::var_os("DK2020_TEST_LOG_DIR").filter(|d| !d.is_empty()) {
        Some(logs) => {
            let logs = PathBuf::from(logs);
            std::fs::create_dir_all(&logs).expect("creating DK2020_TEST_LOG_DIR");
            let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            logs.join(format!("server-{}{name}-{attempt}.log", std::process::id()))
        }
        None => dir.join(format!("server-{attempt}.log")),
    }
}

/// What the servers log: warnings only, unless their logs are kept for the
/// scan, which should see every request and everything the API says.
fn log_filter() -> &'static str {
    if std::env::var_os("DK2020_TEST_LOG_DIR").is_some_and(|d| !d.is_empty()) {
        "info,dk2020_api=debug,tower_http=debug"
    } else {
        "warn"
    }
}

/// The local DynamoDB-compatible server of this run
/// (`DK2020_TEST_DYNAMODB_ENDPOINT`, which `cargo xtask test` sets), if any.
pub fn dynamodb_endpoint() -> Option<String> {
    std::env::var("DK2020_TEST_DYNAMODB_ENDPOINT").ok().map(|e| e.trim().to_string()).filter(|e| !e.is_empty())
}

/// A table name of its own for each server of this process.
fn new_table_name() -> String {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    format!("dk2020-e2e-{}-{n}-{nanos}", std::process::id())
}

/// Points a `serve` command at `table` of the local DynamoDB-compatible
/// server (`serve --create-table` creates it if missing, so a restart finds
/// the same table).
fn use_dynamodb(cmd: &mut Command, table: &str) {
    let endpoint = dynamodb_endpoint()
        .expect("a server on DynamoDB needs DK2020_TEST_DYNAMODB_ENDPOINT, the local DynamoDB-compatible server");
    cmd.arg("--create-table")
        .env("DK2020_STORE", "dynamodb")
        .env("DK2020_TABLE", table)
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_REGION", "eu-north-1")
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        // moto answers one request at a time: under the concurrency tests a
        // request may wait longer in its queue than the production timeouts allow.
        .env("DK2020_DYNAMODB_TIMEOUT_SECS", "60")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_PROFILE");
}

/// A loopback port that was free a moment ago.
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("binding a probe socket");
    listener.local_addr().expect("the probe's address").port()
}

/// One offered slot (`GET /api/slots`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Slot {
    pub start: String,
    pub end: String,
    pub kind: String,
}

#[derive(Deserialize)]
struct SlotsBody {
    slots: Vec<Slot>,
}

/// The body of `POST /api/bookings`.
pub fn booking_body(municipality: u16, kind: &str, start: &str) -> Value {
    json!({
        "municipality": municipality,
        "kind": kind,
        "start": start,
        "topic": "Klimahandleplan: CO2-opgørelse",
        "contact_name": "Anne Jensen",
        "contact_email": "anne.jensen@example.dk",
    })
}

// ---------------------------------------------------------------------------
// Requests and replies

/// A signed-in browser: its session cookie, the page's CSRF token and the
/// page's origin.
#[derive(Debug, Clone)]
pub struct Session {
    pub cookie: String,
    pub csrf: String,
    pub origin: String,
}

/// A request being built; [`Call::send`] sends it.
pub struct Call(RequestBuilder);

impl Call {
    /// `Authorization: Bearer <token>`
    pub fn bearer(self, token: &str) -> Self {
        Self(self.0.bearer_auth(token))
    }

    pub fn header(self, name: &str, value: &str) -> Self {
        Self(self.0.header(name, value))
    }

    /// As the signed-in page sends it: the cookie, the CSRF token, its origin.
    pub fn session(self, session: &Session) -> Self {
        self.header("cookie", &session.cookie).header("x-csrf-token", &session.csrf).header("origin", &session.origin)
    }

    /// `X-Embed-Key` from a page at `origin`, as the embedded widget sends it.
    pub fn embed_key(self, key: &str, origin: &str) -> Self {
        self.header("x-embed-key", key).header("origin", origin)
    }

    pub fn json(self, body: &Value) -> Self {
        Self(self.0.json(body))
    }

    /// A raw body with the given content type.
    pub fn body(self, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        Self(self.0.header("content-type", content_type).body(body.into()))
    }

    pub fn send(self) -> Reply {
        let response = self.0.send().expect("the server answers");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.bytes().expect("the response body").to_vec();
        Reply { status, headers, body }
    }
}

/// A whole response.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn text(&self) -> String {
        String::from_utf8(self.body.clone()).expect("the body is UTF-8")
    }

    /// The body as JSON (panics with the body when it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("the body is not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn json_as<T: for<'de> Deserialize<'de>>(&self) -> T {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("unexpected body ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// `name=value` of the cookie `name` the answer sets, as a `Cookie` header sends it back.
    pub fn set_cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|c| c.starts_with(&format!("{name}=")))
            .and_then(|c| c.split(';').next())
            .map(str::to_string)
    }

    /// Asserts the status, showing the body when it differs.
    #[track_caller]
    pub fn expect_status(self, status: u16) -> Self {
        assert_eq!(self.status, status, "unexpected status; body: {}", String::from_utf8_lossy(&self.body));
        self
    }

    /// Asserts an error of the API's shape, `{"error": {"code", "message"}}`
    /// with a non-empty message and a JSON content type; returns the code and
    /// the message.
    #[track_caller]
    pub fn expect_error(&self, status: u16) -> (String, String) {
        assert_eq!(self.status, status, "unexpected status; body: {}", String::from_utf8_lossy(&self.body));
        assert!(
            self.header("content-type").is_some_and(|c| c.starts_with("application/json")),
            "an error is JSON, got content-type {:?}",
            self.header("content-type")
        );
        let body = self.json();
        let code = body["error"]["code"].as_str().unwrap_or_else(|| panic!("no error.code in {body}")).to_string();
        let message =
            body["error"]["message"].as_str().unwrap_or_else(|| panic!("no error.message in {body}")).to_string();
        assert!(!code.is_empty() && !message.trim().is_empty(), "empty error code or message in {body}");
        (code, message)
    }
}

// ---------------------------------------------------------------------------
// Tokens

/// "Now" of the test servers ([`TEST_NOW`]) in Unix seconds: tokens are judged
/// by the server's clock, so they are issued from it, never from the machine's.
pub fn unix_now() -> i64 {
    TEST_NOW.parse::<jiff::Timestamp>().expect("TEST_NOW is RFC 3339").as_second()
}

/// Signs `claims` with HS256 and `secret`.
pub fn sign(claims: &Value, secret: &str) -> String {
    let key = jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()).expect("a non-empty test secret");
    jsonwebtoken::encode(&jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256), claims, &key)
        .expect("signing test claims")
}

/// A token for `role` (and `municipality`), valid for an hour, signed with the test secret.
pub fn token(role: &str, municipality: Option<u16>) -> String {
    let now = unix_now();
    let mut claims = json!({"role": role, "iat": now, "exp": now + 3600});
    if let Some(code) = municipality {
        claims["municipality"] = json!(code);
    }
    sign(&claims, TEST_SECRET)
}

pub fn municipality_token(code: u16) -> String {
    token("municipality", Some(code))
}

pub fn coordinator_token() -> String {
    token("coordinator", None)
}

pub fn secretariat_token() -> String {
    token("secretariat", None)
}

/// The key id the API gives a secret: the first 16 hex digits of its SHA-256.
pub fn kid(secret: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(secret.as_bytes()).iter().map(|b| format!("{b:02x}")).collect::<String>()[..16].to_string()
}

/// Signs `claims` with HS256 and `secret`, naming the key in `kid`.
pub fn sign_with_kid(claims: &Value, secret: &str) -> String {
    let key = jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()).expect("a non-empty test secret");
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    header.kid = Some(kid(secret));
    jsonwebtoken::encode(&header, claims, &key).expect("signing test claims")
}

/// A coordinator token signed with the retired key (refused: its date has passed).
pub fn retired_key_token() -> String {
    let now = unix_now();
    sign_with_kid(&json!({"role": "coordinator", "iat": now, "exp": now + 3600, "jti": "tok_retired"}), RETIRED_SECRET)
}

/// A coordinator token with the id `jti`, signed with the current key.
pub fn token_with_id(jti: &str) -> String {
    let now = unix_now();
    sign_with_kid(&json!({"role": "coordinator", "iat": now, "exp": now + 3600, "jti": jti}), TEST_SECRET)
}

/// A coordinator token that expired an hour ago (well past any leeway).
pub fn expired_token() -> String {
    let now = unix_now();
    sign(&json!({"role": "coordinator", "iat": now - 7200, "exp": now - 3600}), TEST_SECRET)
}

// ---------------------------------------------------------------------------
// Test data

/// The 19 municipalities of Region Midtjylland by official code.
pub const MUNICIPALITY_CODES: [u16; 19] =
    [615, 657, 661, 665, 671, 706, 707, 710, 727, 730, 740, 741, 746, 751, 756, 760, 766, 779, 791];

/// Skive.
pub const SKIVE: u16 = 779;
/// Randers.
pub const RANDERS: u16 = 730;
/// Samsø (an island: the ferry counts in the driving time).
pub const SAMSOE: u16 = 741;
/// Lemvig.
pub const LEMVIG: u16 = 665;
/// Aarhus (the coordinator's office is there).
pub const AARHUS: u16 = 751;
/// Odder (close to Aarhus).
pub const ODDER: u16 = 727;
/// Viborg.
pub const VIBORG: u16 = 791;
