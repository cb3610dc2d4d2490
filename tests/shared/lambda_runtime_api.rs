//! A local emulation of the AWS Lambda Runtime API, for running the real
//! `dk2020-api` executable the way Lambda runs `bootstrap`. One copy, included
//! with `#[path]` by `backend/tests/lambda_runtime.rs` (does the executable
//! answer invocations?) and `xtask/src/bench.rs` (how fast does it start?).
//!
//! Hand-written because no maintained crate offers one as a library:
//! `lambda_runtime` is the client side of this API; cargo-lambda's emulator
//! lives inside its `cargo lambda watch` binary; AWS's Runtime Interface
//! Emulator is a Go binary from GitHub (nothing may be downloaded from there).
//!
//! What it serves (an axum server on a free loopback port, on a thread of its
//! own, so synchronous callers can use it):
//!
//! - `GET /2018-06-01/runtime/invocation/next` hands out the next queued event
//!   ([`RuntimeApi::invoke`]) with the headers Lambda sends
//!   (`Lambda-Runtime-Aws-Request-Id`, `-Deadline-Ms`, `-Invoked-Function-Arn`,
//!   `-Trace-Id`); when the queue is empty it keeps the request open, as
//!   Lambda does until the next invocation (a process that asked too early
//!   never takes an event queued later for another process);
//! - `POST /2018-06-01/runtime/invocation/{id}/response` takes the answer;
//! - `…/{id}/error` and `/2018-06-01/runtime/init/error` take failures.
//!
//! Each request is reported ([`Report`], with the instant it arrived) through
//! [`RuntimeApi::next_report`].

use std::{
    collections::VecDeque,
    sync::{Arc, Mutex, mpsc},
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use axum::{
    Router,
    body::Bytes,
    extract::{Path as UrlPath, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::{get, post},
};

/// The function's ARN in the `Lambda-Runtime-Invoked-Function-Arn` header.
pub const FUNCTION_ARN: &str = "arn:aws:lambda:eu-north-1:123456789012:function:dk2020-api-test:live";

/// What the emulated runtime API received, and when.
#[derive(Debug)]
pub enum Report {
    Next { at: Instant },
    Response { id: String, body: Bytes, at: Instant },
    Error { id: String, body: Bytes, at: Instant },
    InitError { body: Bytes, at: Instant },
}

#[derive(Clone)]
struct Shared {
    events: Arc<Mutex<VecDeque<(String, String)>>>,
    reports: mpsc::Sender<Report>,
}

/// The emulated runtime API; stops (dropping any held requests) when dropped.
pub struct RuntimeApi {
    address: String,
    events: Arc<Mutex<VecDeque<(String, String)>>>,
    reports: mpsc::Receiver<Report>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl RuntimeApi {
    /// Starts the emulation on a free loopback port, with no events queued.
    pub fn start() -> Result<RuntimeApi, String> {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| format!("a free loopback port: {e}"))?;
        listener.set_nonblocking(true).map_err(|e| e.to_string())?;
        let address = listener.local_addr().map_err(|e| e.to_string())?.to_string();
        let (reports, received) = mpsc::channel();
        let events = Arc::new(Mutex::new(VecDeque::new()));
        let shared = Shared { events: events.clone(), reports };
        let app = Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .route("/2018-06-01/runtime/invocation/{id}/response", post(response))
            .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
            .route("/2018-06-01/runtime/init/error", post(init_error))
            .with_state(shared);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("a tokio runtime for the emulated runtime API: {e}"))?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            runtime.block_on(async move {
                let Ok(listener) = tokio::net::TcpListener::from_std(listener) else { return };
                // Not a graceful shutdown: held `next` requests never finish.
                tokio::select! {
                    _ = axum::serve(listener, app) => {}
                    _ = stopped => {}
                }
            });
        });
        Ok(RuntimeApi { address, events, reports: received, stop: Some(stop), thread: Some(thread) })
    }

    /// `host:port`, the value of `AWS_LAMBDA_RUNTIME_API`.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// Queues an invocation: the next `GET …/invocation/next` gets `event` (JSON text) as `request_id`.
    pub fn invoke(&self, request_id: &str, event: &str) {
        self.events.lock().expect("the event queue").push_back((request_id.to_string(), event.to_string()));
    }

    /// The next request the emulation received, waiting at most `timeout`.
    pub fn next_report(&self, timeout: Duration) -> Option<Report> {
        self.reports.recv_timeout(timeout).ok()
    }

    /// Forgets the reports not read yet (e.g. from a process that is gone).
    pub fn discard_reports(&self) {
        while self.reports.try_recv().is_ok() {}
    }
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The variables Lambda sets for a function's process, with the runtime API at
/// `runtime_api`; the caller adds the function's own and `LAMBDA_TASK_ROOT`.
pub fn lambda_environment(runtime_api: &str, function_name: &str) -> Vec<(&'static str, String)> {
    vec![
        ("AWS_LAMBDA_RUNTIME_API", runtime_api.to_string()),
        ("AWS_LAMBDA_FUNCTION_NAME", function_name.to_string()),
        ("AWS_LAMBDA_FUNCTION_VERSION", "1".into()),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256".into()),
        ("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand".into()),
        ("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{function_name}")),
        ("AWS_LAMBDA_LOG_STREAM_NAME", "2026/11/28/[1]0123456789abcdef0123456789abcdef".into()),
        ("AWS_EXECUTION_ENV", "AWS_Lambda_provided.al2023".into()),
        ("AWS_REGION", "eu-north-1".into()),
        ("AWS_DEFAULT_REGION", "eu-north-1".into()),
        ("_HANDLER", "bootstrap".into()),
        ("TZ", ":UTC".into()),
    ]
}

async fn next(State(shared): State<Shared>) -> Response {
    let _ = shared.reports.send(Report::Next { at: Instant::now() });
    let Some((id, event)) = shared.events.lock().expect("the event queue").pop_front() else {
        // No more invocations: Lambda keeps this request open (and freezes the
        // sandbox) until there is one. The caller ends the process before.
        return std::future::pending().await;
    };
    // The deadline is a wall-clock time in Lambda's protocol; 30 s ahead.
    let deadline = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default() + Duration::from_secs(30);
    (
        [
            ("content-type", "application/json".to_string()),
            ("lambda-runtime-aws-request-id", id),
            ("lambda-runtime-deadline-ms", deadline.as_millis().to_string()),
            ("lambda-runtime-invoked-function-arn", FUNCTION_ARN.to_string()),
            (
                "lambda-runtime-trace-id",
                "Root=1-674a1c2e-3f0b6d2a1c9e8f7a6b5c4d3e;Parent=9a9197af755a6419;Sampled=0".into(),
            ),
        ],
        event,
    )
        .into_response()
}

async fn response(State(shared): State<Shared>, UrlPath(id): UrlPath<String>, body: Bytes) -> StatusCode {
    let _ = shared.reports.send(Report::Response { id, body, at: Instant::now() });
    StatusCode::ACCEPTED
}

async fn error(State(shared): State<Shared>, UrlPath(id): UrlPath<String>, body: Bytes) -> StatusCode {
    let _ = shared.reports.send(Report::Error { id, body, at: Instant::now() });
    StatusCode::ACCEPTED
}

async fn init_error(State(shared): State<Shared>, body: Bytes) -> StatusCode {
    let _ = shared.reports.send(Report::InitError { body, at: Instant::now() });
    StatusCode::ACCEPTED
}
