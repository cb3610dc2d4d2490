//! The cost-sharing plan (anyone; JSON, CSV, XLSX) and its stored default
//! parameters (secretariat).

use axum::{
    Json, Router,
    extract::State,
    response::{IntoResponse, Response},
    routing::get,
};
use dk2020_model::{
    Role,
    allocation::{PlanParams, plan},
};

use crate::{
    auth::Auth,
    downloads::{self, DownloadFormat},
    error::ApiError,
    extract::{JsonBody, QueryPairs},
    state::AppState,
};

pub fn router() -> Router<AppState> {
    Router::new().route("/budget/allocation", get(allocation)).route("/budget/params", get(get_params).put(set_params))
}

const PARAMS: [&str; 6] = ["total", "years", "key", "equal_percent", "frame_per_year", "exclude"];

/// Query parameters override the stored defaults one by one.
async fn allocation(State(state): State<AppState>, query: QueryPairs) -> Result<Response, ApiError> {
    let mut known = PARAMS.to_vec();
    known.push("format");
    query.only(&known)?;
    let format = DownloadFormat::parse(query.get("format"))?;
    let stored = state.store.budget_params().await?;
    let defaults = stored.to_query();
    let defaults = defaults.split('&').filter_map(|p| p.split_once('='));
    let given = query.iter().filter(|(n, _)| PARAMS.contains(n));
    // A hybrid default must not force equal_percent onto a per-capita request,
    // and `exclude=` (empty) must be able to clear a stored opt-out list
    // (`from_pairs` skips empty values, so the default would stay).
    let overrides_key = query.get("key").is_some();
    let overrides_exclude = query.has("exclude");
    let defaults = defaults
        .filter(|(n, _)| !(overrides_key && *n == "equal_percent"))
        .filter(|(n, _)| !(overrides_exclude && *n == "exclude"));
    let params = PlanParams::from_pairs(defaults.chain(given)).map_err(|e| ApiError::bad_request(e.to_string()))?;
    let municipalities = state.store.municipalities().await?;
    let plan = plan(&params, &municipalities).map_err(|e| ApiError::Unprocessable(e.to_string()))?;
    let name = format!("dk2020-fordeling-{}-kr-{}-aar", params.total, params.years);
    Ok(match format {
        DownloadFormat::Json => Json(plan).into_response(),
        DownloadFormat::Csv => {
            downloads::attachment(downloads::plan_csv(&plan), downloads::CSV, &format!("{name}.csv"))
        }
        DownloadFormat::Xlsx => {
            downloads::attachment(downloads::plan_xlsx(&plan)?, downloads::XLSX, &format!("{name}.xlsx"))
        }
    })
}

async fn get_params(State(state): State<AppState>) -> Result<Json<PlanParams>, ApiError> {
    Ok(Json(state.store.budget_params().await?))
}

async fn set_params(
    auth: Auth,
    State(state): State<AppState>,
    JsonBody(params): JsonBody<PlanParams>,
) -> Result<Json<PlanParams>, ApiError> {
    auth.require(&[Role::Secretariat])?;
    // Refuse parameters that cannot make a plan, before they become the default.
    let municipalities = state.store.municipalities().await?;
    plan(&params, &municipalities).map_err(|e| ApiError::Unprocessable(e.to_string()))?;
    state.store.set_budget_params(&params).await?;
    Ok(Json(params))
}
