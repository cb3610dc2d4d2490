//! `GET /api/municipalities` (anyone) and population updates (secretariat).

use axum::{
    Json, Router,
    extract::State,
    routing::{get, put},
};
use dk2020_model::{MunicipalityCode, Population, Role, api::MunicipalitiesResponse};
use jiff::civil::Date;
use serde::Deserialize;

use crate::{
    auth::Auth,
    error::ApiError,
    extract::{JsonBody, PathParam},
    state::AppState,
};

pub fn router() -> Router<AppState> {
    Router::new().route("/municipalities", get(list)).route("/municipalities/{code}/population", put(set_population))
}

async fn list(State(state): State<AppState>) -> Result<Json<MunicipalitiesResponse>, ApiError> {
    let municipalities = state.store.municipalities().await?;
    Ok(Json(MunicipalitiesResponse::new(&municipalities)))
}

/// Body of `PUT /api/municipalities/{code}/population`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PopulationUpdate {
    inhabitants: u32,
    as_of: Date,
}

async fn set_population(
    auth: Auth,
    State(state): State<AppState>,
    PathParam(code): PathParam,
    JsonBody(body): JsonBody<PopulationUpdate>,
) -> Result<Json<MunicipalitiesResponse>, ApiError> {
    auth.require(&[Role::Secretariat])?;
    let code = parse_code(&code)?;
    if body.inhabitants == 0 {
        return Err(ApiError::Unprocessable("a municipality has more than 0 inhabitants".into()));
    }
    if body.as_of > state.now().to_zoned(dk2020_model::COPENHAGEN.clone()).date() {
        return Err(ApiError::Unprocessable("the population figure cannot refer to a future date".into()));
    }
    crate::routes::slots::check_date("as_of", body.as_of).map_err(ApiError::Unprocessable)?;
    state.store.set_population(code, Population { inhabitants: body.inhabitants, as_of: body.as_of }).await?;
    list(State(state)).await
}

/// A municipality code or slug from a path segment.
pub fn parse_code(raw: &str) -> Result<MunicipalityCode, ApiError> {
    raw.parse::<MunicipalityCode>().map_err(|e| ApiError::NotFound(e.to_string()))
}
