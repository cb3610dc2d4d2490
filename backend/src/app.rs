//! The one `Router`: every module's routes merged, plus the layers every
//! response passes through (body limit, CORS, security headers, tracing), and
//! for the local server compression.

use axum::{
    Json, Router,
    extract::DefaultBodyLimit,
    http::{HeaderName, HeaderValue, Method, StatusCode, header},
};
use dk2020_model::api::{ErrorBody, ErrorCode};
use tower_http::{
    compression::{
        CompressionLayer,
        predicate::{NotForContentType, Predicate, SizeAbove},
    },
    cors::{AllowOrigin, CorsLayer},
    set_header::SetResponseHeaderLayer,
    trace::TraceLayer,
};

use crate::{config::WidgetSource, error::ApiError, routes, state::AppState};

/// Largest request body the API accepts (413 above).
pub const BODY_LIMIT: usize = 64 * 1024;

/// The API under `/api`, with CORS for `allowed_origins` only.
pub fn router(state: AppState, allowed_origins: Vec<HeaderValue>) -> Router {
    let api = crate::openapi::into_router(routes::router())
        .fallback(|| async { ApiError::NotFound("no such API endpoint: see /api/openapi.json".into()) })
        .method_not_allowed_fallback(method_not_allowed)
        .layer(SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static("no-store")));
    let app = Router::new()
        .nest("/api", api)
        .merge(routes::sign_in::router())
        .merge(routes::privacy_notice::router())
        .with_state(state.clone());
    with_common_layers(app, allowed_origins, state)
}

/// 405 in the API's JSON error shape (axum keeps the `Allow` header).
async fn method_not_allowed(method: Method) -> (StatusCode, Json<ErrorBody>) {
    let message = format!("{method} is not supported here: see /api/openapi.json");
    (StatusCode::METHOD_NOT_ALLOWED, Json(ErrorBody::new(ErrorCode::MethodNotAllowed, message)))
}

/// The local server: the API plus the landing page, the built widget and the
/// demo pages, every answer compressed when the client accepts it.
pub fn router_with_site(state: AppState, allowed_origins: Vec<HeaderValue>, widget: &WidgetSource) -> Router {
    let site = routes::site::router(widget);
    router(state, allowed_origins).merge(site).layer(compression())
}

/// gzip or brotli, as the request's `Accept-Encoding` prefers (brotli at
/// quality 4, tower-http's default for answers made on the fly). Not for
/// bodies under 1 KiB (they fit one packet anyway, and a small JSON error
/// would barely shrink), nor for what is compressed already (images, the
/// XLSX downloads, which are ZIP files). Request bodies are never
/// decompressed, so the 64 KiB limit stays a limit on what is read.
/// Lambda runs without it: see `lambda::router_from_config`.
fn compression() -> CompressionLayer<impl Predicate> {
    let predicate = SizeAbove::new(1024)
        .and(NotForContentType::IMAGES)
        .and(NotForContentType::const_new("application/vnd.openxmlformats"))
        .and(NotForContentType::const_new("application/zip"));
    CompressionLayer::new().gzip(true).br(true).compress_when(predicate)
}

/// CORS: the configured origins (`DK2020_ALLOWED_ORIGINS`) and exactly the
/// origins of the embed keys that work now (revoked ones drop out as the
/// keys' copy is read again: see `crate::access`).
fn with_common_layers(app: Router, allowed_origins: Vec<HeaderValue>, state: AppState) -> Router {
    let allow = AllowOrigin::async_predicate(move |origin: HeaderValue, _parts: &axum::http::request::Parts| {
        let (state, configured) = (state.clone(), allowed_origins.contains(&origin));
        async move {
            if configured {
                return true;
            }
            let Ok(origin) = origin.to_str() else { return false };
            state.access.is_embed_origin(state.store.as_ref(), origin, state.now()).await
        }
    });
    let cors = CorsLayer::new()
        .allow_origin(allow)
        .allow_methods([Method::GET, Method::POST, Method::PUT, Method::DELETE, Method::OPTIONS])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            HeaderName::from_static("idempotency-key"),
            HeaderName::from_static(crate::auth::EMBED_KEY_HEADER),
        ])
        .expose_headers([header::CONTENT_DISPOSITION])
        .max_age(std::time::Duration::from_secs(600));
    let security_headers = [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::STRICT_TRANSPORT_SECURITY, "max-age=31536000"),
        (HeaderName::from_static("cross-origin-resource-policy"), "cross-origin"),
    ];
    let mut app = app
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn(close_after_refused_body))
        .layer(cors)
        .layer(TraceLayer::new_for_http().make_span_with(request_span));
    for (name, value) in security_headers {
        app = app.layer(SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value)));
    }
    app
}

/// A request refused before its body was read (no token, no such booking, too
/// large) leaves the body in the connection, and hyper then closes it: say so
/// (`Connection: close`), or a client that sends its next request on the same
/// connection gets a broken pipe. Any refusal of a request with a body counts:
/// whether the body was read is not known here, and a reconnect after an
/// error costs little.
async fn close_after_refused_body(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let headers = request.headers();
    let has_body = headers.contains_key(header::TRANSFER_ENCODING)
        || headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .is_some_and(|n| n > 0);
    let mut response = next.run(request).await;
    if has_body && response.status().is_client_error() {
        response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    response
}

/// The span of a request in the logs: its method and path, never the query
/// (`GET /api/privacy/subjects?email=…` carries an address) nor headers.
/// A calendar feed's path is its secret: only its kind is logged.
fn request_span(request: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    let path = request.uri().path();
    let path = if path.starts_with("/api/calendar/dkf_") { "/api/calendar/{feed}" } else { path };
    tracing::debug_span!("request", method = %request.method(), path = %path)
}
