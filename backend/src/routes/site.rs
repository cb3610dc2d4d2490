//! The local server's pages: a landing page that opens each view of the widget,
//! the built widget files (`/widget/`) and the demo intranet page (`/demo/`).
//! Lambda serves only the API; there the widget comes from S3/CloudFront.

use std::path::Path;

use axum::{
    Router,
    http::{HeaderValue, header},
    response::{Html, IntoResponse},
    routing::get,
};
use tower_http::{services::ServeDir, set_header::SetResponseHeaderLayer};

const LANDING: &str = include_str!("landing.html");

pub fn router(widget_dir: &Path) -> Router {
    let files = Router::new()
        .nest_service("/widget", ServeDir::new(widget_dir))
        .nest_service("/demo", ServeDir::new(widget_dir.join("demo")))
        .layer(SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, HeaderValue::from_static("no-cache")));
    Router::new().route("/", get(landing)).merge(files)
}

async fn landing() -> impl IntoResponse {
    (
        [(
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; script-src 'self' 'unsafe-inline' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'",
        )],
        Html(LANDING),
    )
}
