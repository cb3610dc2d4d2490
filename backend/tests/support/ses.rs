//! A local Amazon SES (API v2) for the mail tests: moto's server mode, a
//! process of its own per test, so that what it "sent" can be read back.
//!
//! moto keeps every message SES accepted (`RawMessage`: source, recipients,
//! the raw MIME text) and lists them in `/moto-api/data.json`, with every other
//! object it holds. The shared server of `cargo xtask test` holds the items of
//! every DynamoDB test too, and producing that listing would take it minutes
//! (under its one-request-at-a-time lock, stalling the other tests), so each
//! test starts its own small server for SES and keeps using the shared one
//! (`DK2020_TEST_DYNAMODB_ENDPOINT`) for the table.
//!
//! The server is `xtask/src/moto_server.py` run by `DK2020_PYTHON` (the
//! project's `.venv` Python, which has moto; `cargo xtask test` sets it). Like
//! the DynamoDB tests these run only when `DK2020_TEST_DYNAMODB_ENDPOINT` is
//! set; with `DK2020_REQUIRE_DYNAMODB=1` a missing Python or a server that
//! does not start fails them.

#![allow(dead_code)]

use std::{
    io::{Read, Write},
    net::{SocketAddr, TcpListener, TcpStream},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use aws_sdk_sesv2::config::{BehaviorVersion, Credentials, Region};
use serde_json::Value;

/// The DynamoDB tests' switch (`support/dynamodb.rs`): with it set, these run or fail.
const REQUIRE_VAR: &str = "DK2020_REQUIRE_DYNAMODB";

/// A mail SES accepted, as moto recorded it.
#[derive(Debug, Clone)]
pub struct Sent {
    pub source: String,
    pub destinations: Vec<String>,
    pub raw: String,
}

/// The local SES server; stopped when dropped.
pub struct LocalSes {
    child: Child,
    endpoint: String,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

fn required() -> bool {
    std::env::var(REQUIRE_VAR).is_ok_and(|v| v == "1")
}

impl LocalSes {
    /// Starts one, or `None` (after a note) when the tests are to be skipped.
    pub fn start() -> Option<LocalSes> {
        let python = match std::env::var("DK2020_PYTHON") {
            Ok(python) if !python.trim().is_empty() => python,
            _ if required() => panic!(
                "{REQUIRE_VAR}=1 but DK2020_PYTHON (a Python with moto) is not set: the SES tests need it \
                 (`cargo xtask test` sets it)"
            ),
            _ => {
                println!("note: skipping an SES test: DK2020_PYTHON (a Python with moto) is not set");
                return None;
            }
        };
        let launcher = Path::new(env!("CARGO_MANIFEST_DIR")).join("../xtask/src/moto_server.py");
        let dir = tempfile::tempdir().expect("a temporary directory");
        let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port();
        let log = dir.path().join("moto-ses.log");
        let out = std::fs::File::create(&log).expect("a log file");
        let child = Command::new(&python)
            .arg(&launcher)
            .args(["127.0.0.1", &port.to_string()])
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(out.try_clone().expect("a log file"))
            .stderr(out)
            .spawn()
            .unwrap_or_else(|e| panic!("starting moto for SES with {python}: {e}"));
        let mut server = LocalSes { child, endpoint: format!("http://127.0.0.1:{port}"), log, _dir: dir };
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let started = Instant::now();
        while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!("moto for SES exited ({status}) at start:\n{}", server.log_text());
            }
            assert!(started.elapsed() < Duration::from_secs(60), "moto for SES did not start:\n{}", server.log_text());
            std::thread::sleep(Duration::from_millis(100));
        }
        Some(server)
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// `http://127.0.0.1:PORT`
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// A client of this server, with the local servers' dummy credentials.
    pub fn client(&self) -> aws_sdk_sesv2::Client {
        let config = aws_sdk_sesv2::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            // The region the code under test gets from the AWS chain (moto keeps identities per region).
            .region(Region::new(std::env::var("AWS_REGION").unwrap_or_else(|_| "eu-north-1".into())))
            .credentials_provider(Credentials::new("test", "test", None, None, "dk2020-tests"))
            .endpoint_url(&self.endpoint)
            .build();
        aws_sdk_sesv2::Client::from_conf(config)
    }

    /// Makes `domain` a sending identity. moto lets an identity send as soon
    /// as it exists (SES itself once it found the DNS records, see
    /// infra/README.md); a domain without one is refused.
    pub async fn verify_domain(&self, domain: &str) {
        let out = self.client().create_email_identity().email_identity(domain).send().await;
        let out = out.unwrap_or_else(|e| panic!("creating the SES identity {domain}: {e:?}"));
        assert_eq!(out.identity_type(), Some(&aws_sdk_sesv2::types::IdentityType::Domain), "{out:?}");
    }

    /// Every mail this server accepted, in order.
    pub fn sent(&self) -> Vec<Sent> {
        let data = http_get(&self.endpoint, "/moto-api/data.json");
        let data: Value = serde_json::from_str(&data).unwrap_or_else(|e| panic!("moto's data.json: {e}: {data}"));
        let raw = data["ses"]["RawMessage"].as_array().cloned().unwrap_or_default();
        raw.iter()
            .map(|m| Sent {
                source: m["source"].as_str().unwrap_or_default().to_string(),
                destinations: m["destinations"]
                    .as_array()
                    .map(|d| d.iter().filter_map(Value::as_str).map(str::to_string).collect())
                    .unwrap_or_default(),
                raw: m["raw_data"].as_str().unwrap_or_default().to_string(),
            })
            .collect()
    }
}

impl Drop for LocalSes {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The body of `GET path` (HTTP/1.0: the server closes the connection after it).
fn http_get(endpoint: &str, path: &str) -> String {
    let host = endpoint.trim_start_matches("http://");
    let mut stream = TcpStream::connect(host).unwrap_or_else(|e| panic!("connecting to {host}: {e}"));
    stream.set_read_timeout(Some(Duration::from_secs(30))).expect("a read timeout");
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {host}\r\n\r\n").expect("sending a request");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).expect("reading the answer");
    let response = String::from_utf8_lossy(&response).into_owned();
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    assert!(head.starts_with("HTTP/1.0 200") || head.starts_with("HTTP/1.1 200"), "GET {path}: {head}");
    body.to_string()
}
