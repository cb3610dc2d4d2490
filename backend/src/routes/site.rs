//! The local server's files: the built widget files (`/widget/`) and the demo intranet page (`/demo/`).
//! Lambda serves only the API; there the widget comes from S3/CloudFront.
//!
//! The widget files are built into the binary ([`Built`]), so an installed
//! `dk2020-api serve` serves them from whatever folder it runs in;
//! `--widget-dir` serves a folder instead (development: rebuild the widget
//! without rebuilding the API).

use axum::{
    Router,
    extract::Path,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use tower_http::{services::ServeDir, set_header::SetResponseHeaderLayer};

use crate::config::WidgetSource;

/// The loader every page links to: without it nothing of the widget was built in.
const LOADER: &str = "dk2020-widget.js";

/// `target/widget/` as `cargo xtask widget` leaves it (the loader, `booking/`,
/// `full/`, `demo/intranet.html`), read when this crate is compiled.
///
/// Embedded in every build, debug ones too (rust-embed's `debug-embed`
/// feature). Without it a debug build reads the files at run time from this
/// clone's `target/widget/` (rust-embed 8 keeps the absolute path): a debug
/// binary copied elsewhere, or whose clone was cleaned, would serve nothing,
/// and the tests, which run debug builds, would not exercise what an
/// installed (release) binary serves. The cost: the ~1.4 MB of the widget in
/// each debug build of this crate.
///
/// `build.rs` creates the folder when it is missing (a fresh clone), so this
/// compiles with nothing embedded (the pages then say to build the widget),
/// and tells cargo to compile again when `cargo xtask widget` changes it.
#[derive(rust_embed::Embed)]
#[folder = "../target/widget/"]
#[allow_missing = true]
struct Built;

/// Whether this binary has the widget built in.
pub fn has_embedded_widget() -> bool {
    Built::get(LOADER).is_some()
}

pub fn router(widget: &WidgetSource) -> Router {
    match widget {
        WidgetSource::Dir(dir) => Router::new()
            .nest_service("/widget", ServeDir::new(dir))
            .nest_service("/demo", ServeDir::new(dir.join("demo"))),
        WidgetSource::Embedded => {
            Router::new().route("/widget/{*path}", get(widget_file)).route("/demo/{*path}", get(demo_file))
        }
    }
    // Always asked again (cheap with the ETag): the files keep their names
    // from one build of the widget to the next.
    .layer(SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, HeaderValue::from_static("no-cache")))
}

async fn widget_file(Path(path): Path<String>, headers: HeaderMap) -> Response {
    embedded(&path, &headers)
}

async fn demo_file(Path(path): Path<String>, headers: HeaderMap) -> Response {
    embedded(&format!("demo/{path}"), &headers)
}

/// One built-in file, with its type and a validator (`ETag`: its SHA-256, so
/// a browser's `If-None-Match` gets 304 until the widget changes). Weak,
/// because the response may be compressed on the way out.
fn embedded(path: &str, headers: &HeaderMap) -> Response {
    if !has_embedded_widget() {
        return (
            StatusCode::NOT_FOUND,
            "This dk2020-api was built without the widget. Run `cargo xtask widget`, then build or install \
             dk2020-api again (or serve the built files with `--widget-dir target/widget`).\n",
        )
            .into_response();
    }
    let Some(file) = Built::get(path) else {
        return (StatusCode::NOT_FOUND, "No such file in the widget.\n").into_response();
    };
    let tag = format!("\"{}\"", file.metadata.sha256_hash().iter().map(|b| format!("{b:02x}")).collect::<String>());
    // If-None-Match compares weakly: `W/` or not, the same tag is the same file.
    let fresh = headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .any(|t| t == "*" || t.trim_start_matches("W/") == tag);
    let Ok(etag) = HeaderValue::from_str(&format!("W/{tag}")) else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let content_type = HeaderValue::from_str(file.metadata.mimetype())
        .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
    let reply_headers = [(header::CONTENT_TYPE, content_type), (header::ETAG, etag)];
    if fresh {
        return (StatusCode::NOT_MODIFIED, reply_headers).into_response();
    }
    (reply_headers, file.data).into_response()
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    use super::*;

    async fn get(router: &Router, path: &str, if_none_match: Option<&str>) -> Response {
        let mut request = axum::http::Request::get(path);
        if let Some(tag) = if_none_match {
            request = request.header(header::IF_NONE_MATCH, tag);
        }
        router.clone().oneshot(request.body(Body::empty()).unwrap()).await.unwrap()
    }

    /// With the widget built in: its files with their types, a 304 for a
    /// copy the browser has, 404 for anything else. Without it: a 404 that
    /// says how to build it.
    #[tokio::test]
    async fn the_built_in_widget_is_served_or_its_absence_explained() {
        let router = router(&WidgetSource::Embedded);
        let loader = get(&router, "/widget/dk2020-widget.js", None).await;
        assert_eq!(loader.status() == StatusCode::OK, has_embedded_widget());
        if !has_embedded_widget() {
            assert_eq!(loader.status(), StatusCode::NOT_FOUND);
            let body = loader.into_body().collect().await.unwrap().to_bytes();
            assert!(String::from_utf8_lossy(&body).contains("cargo xtask widget"));
            return;
        }
        assert!(loader.headers()[header::CONTENT_TYPE].to_str().unwrap().contains("javascript"));
        assert_eq!(loader.headers()[header::CACHE_CONTROL], "no-cache");
        let etag = loader.headers()[header::ETAG].to_str().unwrap().to_string();
        assert!(etag.starts_with("W/\""), "{etag}");
        let body = loader.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(&body[..], &Built::get(LOADER).unwrap().data[..]);

        let again = get(&router, "/widget/dk2020-widget.js", Some(&etag)).await;
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
        let other = get(&router, "/widget/dk2020-widget.js", Some("W/\"0000\"")).await;
        assert_eq!(other.status(), StatusCode::OK);

        let wasm = get(&router, "/widget/booking/dk2020_widget_bg.wasm", None).await;
        assert_eq!(wasm.status(), StatusCode::OK);
        assert_eq!(wasm.headers()[header::CONTENT_TYPE], "application/wasm");
        let demo = get(&router, "/demo/intranet.html", None).await;
        assert_eq!(demo.status(), StatusCode::OK);
        assert!(demo.headers()[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/html"));
        for missing in ["/widget/nothing.js", "/widget/../Cargo.toml", "/demo/../dk2020-widget.js.map"] {
            assert_eq!(get(&router, missing, None).await.status(), StatusCode::NOT_FOUND, "{missing}");
        }
    }
}
