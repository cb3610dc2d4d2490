//! `GET /api/municipalities` (anyone) and population updates (secretariat).

use aide::{
    axum::{
        ApiRouter,
        routing::{get_with, put_with},
    },
    transform::TransformOperation,
};
use axum::{Json, extract::State};
use dk2020_model::{
    MunicipalityCode, Population, Role,
    api::{MunicipalitiesResponse, PopulationUpdate},
    audit::AuditKind,
    dates::check_date,
};

use crate::{
    audit::{self, Change},
    auth::Auth,
    error::ApiError,
    extract::{JsonBody, NoQuery, PathParam},
    openapi::docs::Describe,
    state::AppState,
};

pub fn router() -> ApiRouter<AppState> {
    ApiRouter::new()
        .api_route("/municipalities", get_with(list, list_docs))
        .api_route("/municipalities/{code}/population", put_with(set_population, set_population_docs))
}

fn list_docs(o: TransformOperation) -> TransformOperation {
    o.op(
        "listMunicipalities",
        "municipalities",
        "The 19 municipalities with their populations",
        "The municipalities of Region Midtjylland ordered by code, with the current population (and the date it refers to), the town hall's town and position and the ferry minutes to get there, plus the region's total population.",
    )
    .roles(&[], false)
    .ok("The municipalities.")
    .errors(&[503])
}

fn set_population_docs(o: TransformOperation) -> TransformOperation {
    o.op(
        "setPopulation",
        "municipalities",
        "Update a municipality's population",
        "Sets the inhabitants of one municipality and the date the figure refers to (not in the future). The cost-sharing plans use the new figure from now on. Answers with all 19 municipalities.",
    )
    .roles(&[Role::Secretariat], false)
    .path_parameter("MunicipalityPath")
    .ok("The municipalities with the new figure.")
    .errors(&[422, 503])
}

async fn list(State(state): State<AppState>, _: NoQuery) -> Result<Json<MunicipalitiesResponse>, ApiError> {
    let municipalities = state.store.municipalities().await?;
    Ok(Json(MunicipalitiesResponse::new(&municipalities)))
}

async fn set_population(
    auth: Auth,
    State(state): State<AppState>,
    _: NoQuery,
    PathParam(code): PathParam,
    JsonBody(body): JsonBody<PopulationUpdate>,
) -> Result<Json<MunicipalitiesResponse>, ApiError> {
    auth.require(&[Role::Secretariat])?;
    let code = parse_code(&code)?;
    if body.inhabitants == 0 {
        return Err(ApiError::Unprocessable("a municipality has more than 0 inhabitants".into()));
    }
    if body.as_of > state.now().to_zoned_datetime(dk2020_model::COPENHAGEN.clone()).date() {
        return Err(ApiError::Unprocessable("the population figure cannot refer to a future date".into()));
    }
    check_date("as_of", body.as_of).map_err(|e| ApiError::Unprocessable(e.to_string()))?;
    state.store.set_population(code, Population { inhabitants: body.inhabitants, as_of: body.as_of }).await?;
    let summary = format!("{} Kommune: {} indbyggere pr. {}", code.name(), body.inhabitants, body.as_of);
    audit::record(&state, &auth, AuditKind::PopulationChanged, Change::new(summary).subject(code.get())).await;
    list(State(state), NoQuery).await
}

/// A municipality code or slug from a path segment.
pub fn parse_code(raw: &str) -> Result<MunicipalityCode, ApiError> {
    raw.parse::<MunicipalityCode>().map_err(|e| ApiError::NotFound(e.to_string()))
}
