//! `GET /api/openapi.json`: the OpenAPI 3 description of the API.

use axum::{Json, Router, routing::get};
use serde_json::Value;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/openapi.json", get(|| async { Json(document()) }))
}

/// The document (being written).
pub fn document() -> Value {
    serde_json::json!({"openapi": "3.1.0", "info": {"title": "dk2020-planner API", "version": env!("CARGO_PKG_VERSION")}, "paths": {}})
}
