//! The Lambda entry point: the same Router as the local server, driven by
//! `lambda_http` (API Gateway HTTP API v2 and REST events). Configuration from
//! the environment only.

use std::sync::Arc;

use crate::{app, config, state::AppState, store::Store, telemetry};

/// Builds the Router the way Lambda runs it (also used by the fixture tests).
pub async fn router_from_env() -> anyhow::Result<axum::Router> {
    let store: Arc<dyn Store> = config::store_from_env().await?;
    let keys = config::token_keys(None)?;
    let clock = config::clock().map_err(anyhow::Error::msg)?;
    let origins = config::allowed_origins().map_err(anyhow::Error::msg)?;
    Ok(app::router(AppState::new(store, keys, clock), origins))
}

pub async fn run() -> Result<(), lambda_http::Error> {
    telemetry::init(true);
    let router = router_from_env().await.map_err(|e| format!("{e:#}"))?;
    lambda_http::run(router).await
}
