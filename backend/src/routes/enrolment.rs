//! The enrolment overview (anyone; JSON, CSV, XLSX) and status changes with
//! history (secretariat).

use axum::{
    Json, Router,
    extract::State,
    response::{IntoResponse, Response},
    routing::{get, put},
};
use dk2020_model::{
    COPENHAGEN, Role,
    api::HistoryResponse,
    enrolment::{Enrolment, EnrolmentOverview, StatusChangeRequest, overview},
};
use jiff::civil::Date;

use crate::{
    auth::Auth,
    downloads::{self, DownloadFormat},
    error::ApiError,
    extract::{JsonBody, PathParam, QueryPairs},
    routes::municipalities::parse_code,
    state::AppState,
    store::StoreError,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/enrolment", get(get_overview))
        .route("/enrolment/{code}", put(set_status))
        .route("/enrolment/{code}/history", get(history))
}

async fn current_enrolment(state: &AppState) -> Result<Enrolment, ApiError> {
    let changes = state.store.status_changes().await?;
    Enrolment::replay(changes).map_err(|e| ApiError::Internal(anyhow::anyhow!("stored enrolment history: {e}")))
}

async fn build_overview(state: &AppState, as_of: Date) -> Result<EnrolmentOverview, ApiError> {
    let enrolment = current_enrolment(state).await?;
    let municipalities = state.store.municipalities().await?;
    let rounds = state.store.rounds().await?;
    Ok(overview(&enrolment, &municipalities, &rounds, as_of))
}

/// `?as_of=YYYY-MM-DD` (default today) and `?format=json|csv|xlsx`.
async fn get_overview(State(state): State<AppState>, query: QueryPairs) -> Result<Response, ApiError> {
    query.only(&["as_of", "format"])?;
    let format = DownloadFormat::parse(query.get("format"))?;
    let as_of = match query.get("as_of").map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => s
            .parse::<Date>()
            .map_err(|_| ApiError::bad_request(format!("as_of {s:?} is not a date like 2020-11-13")))
            .and_then(|d| crate::routes::slots::check_date("as_of", d).map_err(ApiError::BadRequest))?,
        None => state.now().to_zoned(COPENHAGEN.clone()).date(),
    };
    let overview = build_overview(&state, as_of).await?;
    let name = format!("dk2020-tilmelding-{as_of}");
    Ok(match format {
        DownloadFormat::Json => Json(overview).into_response(),
        DownloadFormat::Csv => {
            downloads::attachment(downloads::enrolment_csv(&overview)?, downloads::CSV, &format!("{name}.csv"))
        }
        DownloadFormat::Xlsx => {
            downloads::attachment(downloads::enrolment_xlsx(&overview)?, downloads::XLSX, &format!("{name}.xlsx"))
        }
    })
}

/// Sets a municipality's status; the model refuses impossible changes (422), a
/// concurrent change by someone else is a 409.
async fn set_status(
    auth: Auth,
    State(state): State<AppState>,
    PathParam(code): PathParam,
    JsonBody(body): JsonBody<StatusChangeRequest>,
) -> Result<Json<HistoryResponse>, ApiError> {
    let by = auth.require(&[Role::Secretariat])?;
    let code = parse_code(&code)?;
    if let Some(decided_on) = body.status.decided_on() {
        crate::routes::slots::check_date("the council decision date", decided_on).map_err(ApiError::Unprocessable)?;
    }
    let mut enrolment = current_enrolment(&state).await?;
    let rounds = state.store.rounds().await?;
    let change = enrolment
        .change(code, body.status, by, state.now(), body.note, &rounds)
        .map_err(|e| ApiError::Unprocessable(e.to_string()))?;
    state.store.record_status_change(&change).await.map_err(|e| match e {
        StoreError::Conflict(_) => {
            ApiError::Conflict("someone else changed this municipality's status just now: reload and try again".into())
        }
        other => other.into(),
    })?;
    history_of(&state, code).await
}

async fn history(
    auth: Auth,
    State(state): State<AppState>,
    PathParam(code): PathParam,
) -> Result<Json<HistoryResponse>, ApiError> {
    auth.require(&[Role::Secretariat])?;
    history_of(&state, parse_code(&code)?).await
}

async fn history_of(state: &AppState, code: dk2020_model::MunicipalityCode) -> Result<Json<HistoryResponse>, ApiError> {
    let enrolment = current_enrolment(state).await?;
    Ok(Json(HistoryResponse {
        municipality: code,
        name: code.name().to_string(),
        history: enrolment.history(code).to_vec(),
    }))
}
