//! The baseline of the start-up benchmark (`cargo xtask bench`): a minimal
//! axum server that answers `GET /api/health` with `{"status":"ok"}` and
//! nothing else, started the way `dk2020-api` starts (a multi-threaded tokio
//! runtime; under `lambda_http::run` when `AWS_LAMBDA_RUNTIME_API` is set,
//! otherwise on `--addr`). Built with the same release profile as the API.
//!
//! usage: bench_hello [--addr 127.0.0.1:8080]

use axum::{Json, Router, routing::get};
use serde_json::{Value, json};

async fn health() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let app = Router::new().route("/api/health", get(health));
    if std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some() {
        return runtime.block_on(lambda_http::run(app));
    }
    let args: Vec<String> = std::env::args().collect();
    let addr = args.iter().position(|a| a == "--addr").and_then(|i| args.get(i + 1)).map_or("127.0.0.1:8080", |a| a);
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        axum::serve(listener, app).await?;
        Ok(())
    })
}
