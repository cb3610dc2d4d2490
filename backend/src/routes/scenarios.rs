//! The secretariat's budget scenarios: save, list, edit and delete named
//! plan parameters, and compare two of them (JSON, CSV, XLSX).

use aide::{
    axum::{
        ApiRouter,
        routing::{get_with, put_with},
    },
    transform::TransformOperation,
};
use axum::{
    Json,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use dk2020_model::{
    Role,
    api::{Comparison, Scenario, ScenarioRequest, ScenariosResponse},
    audit::AuditKind,
    scenario::{MAX_SCENARIOS, ScenarioId, compare},
};
use jiff::Timestamp;

use crate::{
    audit::{self, Change},
    auth::Auth,
    downloads::{self, DownloadFormat},
    error::ApiError,
    extract::{JsonBody, NoQuery, PathParam, QueryPairs},
    openapi::docs::{Describe, download_response, format_parameter},
    state::AppState,
};

pub fn router() -> ApiRouter<AppState> {
    ApiRouter::new()
        .api_route("/budget/scenarios", get_with(list, list_docs).post_with(add, add_docs))
        .api_route("/budget/scenarios/{id}", put_with(edit, edit_docs).delete_with(remove, remove_docs))
        .api_route("/budget/comparison", get_with(comparison, comparison_docs))
}

fn list_docs(o: TransformOperation) -> TransformOperation {
    o.op(
        "listScenarios",
        "budget",
        "The saved budget scenarios",
        "Every scenario the secretariat saved, the oldest first.",
    )
    .roles(&[Role::Secretariat], false)
    .ok("The scenarios.")
    .errors(&[503])
}

fn add_docs(o: TransformOperation) -> TransformOperation {
    let description = format!(
        "Saves named plan parameters (missing ones take the built-in defaults: 3000000 kr. over 2021-2023 per capita). 422 when they cannot make a plan (years outside 1-50, `frame_by_year` not one amount per year, everyone excluded); 409 when {MAX_SCENARIOS} scenarios are kept already."
    );
    o.op("addScenario", "budget", "Save a budget scenario", &description)
        .roles(&[Role::Secretariat], false)
        .json_response::<Scenario>(201, "The saved scenario with its id.", serde_json::json!({}))
        .errors(&[409, 422, 503])
}

fn edit_docs(o: TransformOperation) -> TransformOperation {
    o.op(
        "editScenario",
        "budget",
        "Change a budget scenario",
        "Replaces the scenario's name and parameters (checked as when saving: 422). 404 when there is no such scenario.",
    )
    .roles(&[Role::Secretariat], false)
    .path_parameter("ScenarioIdPath")
    .ok("The changed scenario.")
    .errors(&[404, 422, 503])
}

fn remove_docs(o: TransformOperation) -> TransformOperation {
    o.op("deleteScenario", "budget", "Delete a budget scenario", "404 when there is no such scenario.")
        .roles(&[Role::Secretariat], false)
        .path_parameter("ScenarioIdPath")
        .answer(204, serde_json::json!({ "description": "Deleted." }))
        .errors(&[404, 503])
}

fn comparison_docs(o: TransformOperation) -> TransformOperation {
    let id = serde_json::json!({ "type": "string", "pattern": "^scn_[a-z0-9]{1,60}$" });
    o.op(
        "compareScenarios",
        "budget",
        "Two budget scenarios side by side (JSON, CSV or XLSX)",
        "Every municipality's payment in scenario `a` and in scenario `b`, year by year, with the difference `b - a` per year and in all. Years line up by calendar year when both scenarios have a start year (so 2021-2023 next to 2022-2024 gives 2021-2024), else by number. A municipality that opted out of a scenario pays 0 there. The XLSX states each scenario's parameters above the table. 404 when either scenario does not exist.",
    )
    .roles(&[Role::Secretariat], false)
    .query("a", true, id.clone(), "The first scenario's id.")
    .query("b", true, id, "The second scenario's id.")
    .param(format_parameter("the comparison"))
    .answer(
        200,
        download_response::<Comparison>(
            "The comparison.",
            "Header `code,name,a_<year>,b_<year>,difference_<year>,…,a_total,b_total,difference_total` (years as `2021` or `år_1`), one row per municipality; whole kroner.",
            "dk2020-scenarier-sammenlignet",
        ),
    )
    .errors(&[404, 503])
}

async fn list(auth: Auth, State(state): State<AppState>, _: NoQuery) -> Result<Json<ScenariosResponse>, ApiError> {
    auth.require(&[Role::Secretariat])?;
    Ok(Json(ScenariosResponse { scenarios: state.store.scenarios().await? }))
}

async fn add(
    auth: Auth,
    State(state): State<AppState>,
    _: NoQuery,
    JsonBody(request): JsonBody<ScenarioRequest>,
) -> Result<Response, ApiError> {
    auth.require(&[Role::Secretariat])?;
    let now = state.now();
    let municipalities = state.store.municipalities().await?;
    let scenario = Scenario::new(new_scenario_id(now), request.name, request.params, &municipalities, now)
        .map_err(|e| ApiError::Unprocessable(e.to_string()))?;
    state.store.add_scenario(&scenario).await?;
    let summary = format!("Scenarie «{}»", scenario.name);
    audit::record(&state, &auth, AuditKind::ScenarioSaved, Change::new(summary).subject(&scenario.id)).await;
    tracing::info!(id = %scenario.id, "budget scenario saved");
    Ok((StatusCode::CREATED, Json(scenario)).into_response())
}

async fn edit(
    auth: Auth,
    State(state): State<AppState>,
    _: NoQuery,
    PathParam(id): PathParam,
    JsonBody(request): JsonBody<ScenarioRequest>,
) -> Result<Json<Scenario>, ApiError> {
    auth.require(&[Role::Secretariat])?;
    let old = state.store.scenario(&scenario_id(&id)?).await?;
    let municipalities = state.store.municipalities().await?;
    let edited = old
        .edited(request.name, request.params, &municipalities, state.now())
        .map_err(|e| ApiError::Unprocessable(e.to_string()))?;
    state.store.save_scenario(&edited).await?;
    let summary = format!("Scenarie «{}» ændret", edited.name);
    audit::record(&state, &auth, AuditKind::ScenarioSaved, Change::new(summary).subject(&edited.id)).await;
    Ok(Json(edited))
}

async fn remove(
    auth: Auth,
    State(state): State<AppState>,
    _: NoQuery,
    PathParam(id): PathParam,
) -> Result<StatusCode, ApiError> {
    auth.require(&[Role::Secretariat])?;
    state.store.delete_scenario(&scenario_id(&id)?).await?;
    audit::record(&state, &auth, AuditKind::ScenarioDeleted, Change::new("Scenarie slettet").subject(&id)).await;
    tracing::info!(id = %id, "budget scenario deleted");
    Ok(StatusCode::NO_CONTENT)
}

async fn comparison(auth: Auth, State(state): State<AppState>, query: QueryPairs) -> Result<Response, ApiError> {
    // The query first, as every GET: a misspelt parameter is named whoever asks.
    query.only(&["a", "b", "format"])?;
    auth.require(&[Role::Secretariat])?;
    let format = DownloadFormat::parse(query.get("format"))?;
    let id = |name: &str| match query.get(name) {
        Some(raw) => scenario_id(raw),
        None => Err(ApiError::bad_request(format!("{name} is required: the id of a scenario (scn_…)"))),
    };
    let (a, b) = (id("a")?, id("b")?);
    let (a, b) = (state.store.scenario(&a).await?, state.store.scenario(&b).await?);
    let municipalities = state.store.municipalities().await?;
    // Saved scenarios made a plan when saved; populations changed since may not.
    let compared = compare(&a, &b, &municipalities).map_err(|e| ApiError::Unprocessable(e.to_string()))?;
    let name = "dk2020-scenarier-sammenlignet";
    Ok(match format {
        DownloadFormat::Json => Json(compared).into_response(),
        DownloadFormat::Csv => {
            downloads::attachment(compared.to_csv().into_bytes(), downloads::CSV, &format!("{name}.csv"))
        }
        DownloadFormat::Xlsx => {
            downloads::attachment(downloads::comparison_xlsx(&compared)?, downloads::XLSX, &format!("{name}.xlsx"))
        }
    })
}

fn scenario_id(raw: &str) -> Result<ScenarioId, ApiError> {
    ScenarioId::parse(raw).ok_or_else(|| ApiError::not_found(format!("budget scenario {raw:?}")))
}

/// `scn_` + the time in milliseconds (hex) + 8 random characters ([`super::new_id`]).
fn new_scenario_id(now: Timestamp) -> ScenarioId {
    ScenarioId::parse(&super::new_id(ScenarioId::PREFIX, now))
        .unwrap_or_else(|| unreachable!("lowercase hex and base 36 make a valid id"))
}
