//! The Lambda entry point: the same Router as the local server, driven by
//! `lambda_http` (API Gateway HTTP API v2 and REST events). Configuration from
//! the environment only: the same [`Config`] as the local server's, read by
//! [`Config::from_env`].
//!
//! The path of a request: `lambda_http::run(handler(router))` deserializes the
//! event into a `LambdaRequest`, turns it into an `http::Request<Body>`,
//! [`handler`] takes the API Gateway stage off the path, the Router answers,
//! and `lambda_http` turns the response into the event response of the
//! request's origin (`tests/lambda.rs` drives exactly this path with fixtures).

use std::sync::Arc;

use axum::{
    Router,
    http::{HeaderValue, Uri, uri::PathAndQuery},
};
use dk2020_model::api::MailSettings;
use lambda_http::{RequestExt, request::RequestContext};

use crate::{
    app,
    auth::TokenKeys,
    config::Config,
    state::{AppState, Clock},
    store::Store,
    subscriptions::FetchPolicy,
    telemetry,
};

/// Everything the Lambda Router is built from.
pub struct LambdaConfig {
    pub store: Arc<dyn Store>,
    pub keys: TokenKeys,
    pub clock: Clock,
    pub allowed_origins: Vec<HeaderValue>,
    /// The configured coordinator and meeting link (`AppState::mail_defaults`).
    pub mail_defaults: MailSettings,
    pub calendar_fetch: FetchPolicy,
    /// Staff sign-in (the OpenID provider; never the dev sign-in).
    pub sign_in: crate::session::SignIn,
    /// The retention (run by dk2020-retention) and the privacy notice's facts.
    pub privacy: crate::state::Privacy,
}

impl LambdaConfig {
    /// From the [`Config`]: its store (`DK2020_STORE`, `DK2020_TABLE`, …),
    /// `DK2020_JWT_SECRET` (required: Lambda has nowhere to keep a secret of
    /// its own), `DK2020_NOW`, `DK2020_ALLOWED_ORIGINS`.
    pub async fn new(config: &Config) -> anyhow::Result<Self> {
        // The secret first: a missing one is told before anything is opened.
        let keys = config.required_token_keys()?;
        Ok(Self {
            store: config.open_store().await?.shared(),
            keys,
            clock: config.now.clone(),
            allowed_origins: config.allowed_origins.0.clone(),
            mail_defaults: crate::server::mail_defaults(config),
            calendar_fetch: config.calendar_fetch(),
            sign_in: config.sign_in(None)?,
            privacy: config.privacy(),
        })
    }
}

/// The Router Lambda runs, from explicit configuration (the fixture tests use
/// this; [`run`] builds it from the [`Config`]).
///
/// Only the API, and without the local server's response compression
/// (`app::router_with_site`): `lambda_http` sends a body with
/// `Content-Encoding` back base64-encoded, which API Gateway decodes again, so
/// compressing would work, but it turns every JSON and CSV answer into
/// base64 (a third larger than the compressed bytes, opaque in API
/// Gateway's logs and the fixture tests, which read the JSON as text) to
/// save little: the API's answers are small, and the widget, the large
/// files, comes compressed from CloudFront.
pub fn router_from_config(config: LambdaConfig) -> Router {
    let state = AppState::new(config.store, config.keys, config.clock)
        .with_mail_defaults(config.mail_defaults)
        .with_calendar_fetch(config.calendar_fetch)
        .with_sign_in(config.sign_in)
        .with_privacy(config.privacy)
        // Other instances write the same table: each keeps the keys a minute.
        .with_access_lifetime(std::time::Duration::from_secs(60));
    app::router(state, config.allowed_origins)
}

/// The service `lambda_http::run` drives: the Router, behind [`without_stage`].
pub type Handler = tower::util::MapRequest<Router, fn(lambda_http::Request) -> lambda_http::Request>;

/// Wraps the Router for `lambda_http`.
pub fn handler(router: Router) -> Handler {
    tower::util::MapRequest::new(router, without_stage as fn(lambda_http::Request) -> lambda_http::Request)
}

/// `lambda_http` puts a named API Gateway stage in front of the path: a REST
/// API's `/api/health` on stage `prod` reaches the service as
/// `/prod/api/health`, and an HTTP API's `rawPath` already carries its named
/// stage. Every route lives under `/api`, `/auth` or is the staff page `/`,
/// so when the path is `/{stage}/api…`, `/{stage}/auth…` or `/{stage}/` the
/// stage is taken off again; `$default` stages (and a
/// stage that is itself called `api`) leave the path as it is.
pub fn without_stage(mut request: lambda_http::Request) -> lambda_http::Request {
    let stage = match request.request_context_ref() {
        Some(RequestContext::ApiGatewayV1(context)) => context.stage.as_deref(),
        Some(RequestContext::ApiGatewayV2(context)) => context.stage.as_deref(),
        _ => None,
    };
    let Some(stage) = stage.filter(|s| !s.is_empty() && *s != "$default") else { return request };
    let Some(rest) = request.uri().path().strip_prefix('/').and_then(|p| p.strip_prefix(stage)) else {
        return request;
    };
    // The API, the sign-in (`/auth/…`), the staff page (`/`) and the privacy notice.
    let ours = rest.is_empty()
        || rest == "/"
        || rest == "/privatliv"
        || ["/api", "/auth"].iter().any(|p| rest == *p || rest.starts_with(&format!("{p}/")));
    if !ours {
        return request;
    }
    let rest = if rest.is_empty() { "/" } else { rest };
    let path_and_query = match request.uri().query() {
        Some(query) => format!("{rest}?{query}"),
        None => rest.to_string(),
    };
    let mut parts = request.uri().clone().into_parts();
    let Ok(path_and_query) = path_and_query.parse::<PathAndQuery>() else { return request };
    parts.path_and_query = Some(path_and_query);
    if let Ok(uri) = Uri::from_parts(parts) {
        *request.uri_mut() = uri;
    }
    request
}

pub async fn run(config: Config) -> Result<(), lambda_http::Error> {
    telemetry::init(true);
    let parts = LambdaConfig::new(&config).await.map_err(|e| format!("{e:#}"))?;
    lambda_http::run(handler(router_from_config(parts))).await
}

/// What Lambda sets for every function process (`lambda_runtime` needs them all).
const LAMBDA_VARIABLES: [&str; 4] = [
    "AWS_LAMBDA_RUNTIME_API",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
];

/// The `main` of a function of its own beside the API's (`dk2020-mailer`,
/// `dk2020-calendars`): refuses to start outside Lambda (saying what does the
/// job locally), reads the [`Config`] from the environment and runs `run`.
pub fn function_main<F, Fut>(name: &str, locally: &str, run: F) -> std::process::ExitCode
where
    F: FnOnce(Config) -> Fut,
    Fut: std::future::Future<Output = Result<(), lambda_http::Error>>,
{
    use std::process::ExitCode;
    if let Some(missing) = LAMBDA_VARIABLES.iter().find(|v| std::env::var_os(v).is_none()) {
        eprintln!("{name}: runs under AWS Lambda only ({missing} is not set); locally, {locally}");
        return ExitCode::FAILURE;
    }
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(e) => {
            eprintln!("{name}: {e:#}");
            return ExitCode::FAILURE;
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("{name}: no tokio runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{name}: {e}");
            ExitCode::FAILURE
        }
    }
}
