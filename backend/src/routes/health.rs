//! `GET /api/health`: the process answers and the store is reachable.

use aide::axum::{ApiRouter, routing::ApiMethodDocs};
use axum::{Json, extract::State, http::StatusCode, routing::get};
use dk2020_model::api::HealthResponse;
use serde_json::json;

use crate::{
    extract::NoQuery,
    openapi::docs::{Bare, Describe, response_schema},
    state::AppState,
};

pub fn router() -> ApiRouter<AppState> {
    // Described by hand: aide cannot read a `(StatusCode, Json)` answer.
    ApiRouter::new().route("/health", get(health)).api_route_docs("/health", ApiMethodDocs::new("get", docs().0))
}

fn docs() -> Bare {
    let health = |status: &str, store: &str| {
        json!({
            "allOf": [response_schema::<HealthResponse>()],
            "properties": { "status": { "const": status }, "store": { "const": store } },
        })
    };
    Bare(Default::default())
        .op(
            "health",
            "system",
            "Liveness and store reachability",
            "200 when the process answers and the store is reachable; 503 with `status: degraded` when the store cannot be reached. Takes no parameters (400 for any).",
        )
        .roles(&[], false)
        .answer(
            200,
            json!({ "description": "The API and its store work.", "content": { "application/json": { "schema": health("ok", "ok") } } }),
        )
        .errors(&[400])
        .answer(
            503,
            json!({ "description": "The store cannot be reached.", "content": { "application/json": { "schema": health("degraded", "unreachable") } } }),
        )
}

async fn health(State(state): State<AppState>, _: NoQuery) -> (StatusCode, Json<HealthResponse>) {
    match state.store.health().await {
        Ok(()) => (StatusCode::OK, Json(HealthResponse::ok())),
        Err(e) => {
            tracing::warn!(error = %e, "health check: store unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, Json(HealthResponse::degraded()))
        }
    }
}
