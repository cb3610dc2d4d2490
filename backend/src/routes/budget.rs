//! The cost-sharing plan (anyone; JSON, CSV, XLSX) and its stored default
//! parameters (secretariat).

use aide::{
    axum::{ApiRouter, routing::get_with},
    transform::TransformOperation,
};
use axum::{
    Json,
    extract::State,
    response::{IntoResponse, Response},
};
use dk2020_model::{
    Role,
    allocation::{PlanParams, plan},
    audit::AuditKind,
};

use crate::{
    audit::{self, Change},
    auth::Auth,
    downloads::{self, DownloadFormat},
    error::ApiError,
    extract::{JsonBody, NoQuery, QueryPairs},
    openapi::docs::{Describe, download_response, format_parameter, municipality_param_schema},
    state::AppState,
    store::SettingsExt,
};

pub fn router() -> ApiRouter<AppState> {
    ApiRouter::new()
        .api_route("/budget/allocation", get_with(allocation, allocation_docs))
        .api_route("/budget/params", get_with(get_params, get_params_docs).put_with(set_params, set_params_docs))
}

fn allocation_docs(o: TransformOperation) -> TransformOperation {
    let kroner = |maximum: u64| serde_json::json!({ "type": "integer", "minimum": 0, "maximum": maximum });
    o.op(
        "getBudgetAllocation",
        "budget",
        "The cost-sharing plan per municipality and year (JSON, CSV or XLSX)",
        "Splits the total over the years (odd kroner to the earliest years) and each year between the participating municipalities by the key, in whole kroner that add up exactly. Every parameter given overrides the stored default (`GET /api/budget/params`); an empty value counts as not given, except `exclude=`, which excludes nobody. Unparsable values are a 400; values that cannot make a plan (years outside 1-50, a total above 2^53-1, everyone excluded) a 422.",
    )
    .roles(&[], false)
    .query_empty_ok(
        "total",
        kroner(dk2020_model::allocation::MAX_TOTAL),
        "The whole amount over all years, in kroner (digits only); above 2^53-1 the plan is refused (422).",
    )
    .query_empty_ok(
        "years",
        serde_json::json!({ "type": "integer", "minimum": 1, "maximum": dk2020_model::allocation::MAX_YEARS }),
        "Number of years.",
    )
    .query_empty_ok(
        "key",
        serde_json::json!({ "type": "string", "enum": ["per-capita", "hybrid"] }),
        "The cost-sharing key: `per-capita` (also `per_capita`, `percapita`, any case) or `hybrid` (needs `equal_percent`).",
    )
    .query_empty_ok(
        "equal_percent",
        serde_json::json!({ "type": "number", "minimum": 0, "maximum": 100 }),
        "The part split equally under the hybrid key, 0-100 with at most two decimals (`12.5`, `12,5` and `12.5%` are accepted). Only 0 with the per-capita key.",
    )
    .query_empty_ok(
        "frame_per_year",
        kroner(u64::MAX),
        "What KD-Net's own budget frame covers of each year, in kroner (at most the year's amount is used).",
    )
    .param(serde_json::json!({
        "name": "frame_by_year",
        "in": "query",
        "required": false,
        "allowEmptyValue": true,
        "style": "form",
        "explode": false,
        "schema": { "type": "array", "items": kroner(u64::MAX), "examples": [[100000, 200000, 0]] },
        "description": "The frame year by year when it differs: one amount per year separated by commas (`frame_by_year=100000,200000,0`), replacing `frame_per_year`. Not one per year: 422. An empty `frame_by_year=` clears a stored list.",
    }))
    .query_empty_ok(
        "contribution_per_year",
        kroner(u64::MAX),
        "Outside money each year, e.g. the region's 500000 kr., taken off after the frame and before the municipalities' share.",
    )
    .query_empty_ok(
        "start_year",
        serde_json::json!({ "type": "string", "pattern": "^(20[0-9][0-9]|2100|none)$", "examples": ["2021", "none"] }),
        "The calendar year of the plan's first year (default 2021), so the years are labelled 2021, 2022, …; `none` for \"År 1\", \"År 2\", ….",
    )
    .param(serde_json::json!({
        "name": "exclude",
        "in": "query",
        "required": false,
        "allowEmptyValue": true,
        "style": "form",
        "explode": false,
        "schema": { "type": "array", "items": municipality_param_schema(), "examples": [["741", "lemvig"]] },
        "description": "Municipalities that opted out, as codes or slugs separated by commas (`exclude=741,lemvig`; semicolons and spaces also separate). An empty `exclude=` excludes nobody (overriding a stored opt-out list). The total stays the same; excluding all is refused (422).",
    }))
    .param(format_parameter("the plan"))
    .answer(
        200,
        download_response::<dk2020_model::Plan>(
            "The plan.",
            "Header `code,name,population,year_1,…,year_N,total`, one row per participating municipality; amounts in whole kroner without separators.",
            "dk2020-fordeling-3000000-kr-3-aar",
        ),
    )
    .errors(&[422, 503])
}

fn get_params_docs(o: TransformOperation) -> TransformOperation {
    o.op(
        "getBudgetParams",
        "budget",
        "The stored default cost-sharing parameters",
        "The parameters `GET /api/budget/allocation` starts from.",
    )
    .roles(&[], false)
    .ok("The parameters.")
    .errors(&[503])
}

fn set_params_docs(o: TransformOperation) -> TransformOperation {
    o.op(
        "setBudgetParams",
        "budget",
        "Replace the default cost-sharing parameters",
        "Stores new defaults after checking that they make a plan (422 otherwise).",
    )
    .roles(&[Role::Secretariat], false)
    .ok("The stored parameters.")
    .errors(&[422, 503])
}

const PARAMS: [&str; 9] = [
    "total",
    "years",
    "key",
    "equal_percent",
    "frame_per_year",
    "frame_by_year",
    "contribution_per_year",
    "start_year",
    "exclude",
];

/// Query parameters override the stored defaults one by one.
async fn allocation(State(state): State<AppState>, query: QueryPairs) -> Result<Response, ApiError> {
    let mut known = PARAMS.to_vec();
    known.push("format");
    query.only(&known)?;
    let format = DownloadFormat::parse(query.get("format"))?;
    let given = query.iter().filter(|(n, _)| PARAMS.contains(n));
    let params = state
        .store
        .setting::<PlanParams>()
        .await?
        .overridden_by(given)
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
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

async fn get_params(State(state): State<AppState>, _: NoQuery) -> Result<Json<PlanParams>, ApiError> {
    Ok(Json(state.store.setting::<PlanParams>().await?))
}

async fn set_params(
    auth: Auth,
    State(state): State<AppState>,
    _: NoQuery,
    JsonBody(params): JsonBody<PlanParams>,
) -> Result<Json<PlanParams>, ApiError> {
    auth.require(&[Role::Secretariat])?;
    // Refuse parameters that cannot make a plan, before they become the default.
    let municipalities = state.store.municipalities().await?;
    plan(&params, &municipalities).map_err(|e| ApiError::Unprocessable(e.to_string()))?;
    state.store.set_setting(&params).await?;
    audit::record(&state, &auth, AuditKind::BudgetChanged, Change::new("Budgettets standardparametre")).await;
    Ok(Json(params))
}
