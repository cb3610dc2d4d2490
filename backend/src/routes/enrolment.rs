//! The enrolment overview (anyone; JSON, CSV, XLSX) and status changes with
//! history (secretariat).

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
    response::{IntoResponse, Response},
};
use dk2020_model::{
    COPENHAGEN, Role,
    api::{HistoryResponse, RoundsBody},
    audit::AuditKind,
    enrolment::{Enrolment, EnrolmentOverview, Rounds, StatusChangeRequest, overview},
};
use jiff::civil::Date;

use crate::{
    audit::{self, Change},
    auth::Auth,
    downloads::{self, DownloadFormat},
    error::ApiError,
    extract::{JsonBody, NoQuery, PathParam, QueryPairs},
    openapi::docs::{Describe, date_schema, download_response, format_parameter},
    routes::municipalities::parse_code,
    state::AppState,
    store::SettingsExt,
    store::StoreError,
};

pub fn router() -> ApiRouter<AppState> {
    ApiRouter::new()
        .api_route("/enrolment", get_with(get_overview, overview_docs))
        .api_route("/enrolment/rounds", get_with(get_rounds, get_rounds_docs).put_with(set_rounds, set_rounds_docs))
        .api_route("/enrolment/{code}", put_with(set_status, set_status_docs))
        .api_route("/enrolment/{code}/history", get_with(history, history_docs))
}

fn overview_docs(o: TransformOperation) -> TransformOperation {
    o.op(
        "getEnrolmentOverview",
        "enrolment",
        "The KKR enrolment overview (JSON, CSV or XLSX)",
        "Every municipality's DK2020 status as of a date, with the groups the KKR reads (already in from the pilot, per round against the expected range, in DK2020 overall, considering, undecided, declined), their counts, populations and shares of the region.",
    )
    .roles(&[], false)
    .query_empty_ok("as_of", date_schema(), "Statuses as they were at the end of this Copenhagen date (default today).")
    .param(format_parameter("the overview"))
    .answer(
        200,
        download_response::<EnrolmentOverview>(
            "The overview.",
            "Header `code,name,population,status,round,decided_on`, one row per municipality; `round` and `decided_on` empty unless enrolled.",
            "dk2020-tilmelding-2020-11-13",
        ),
    )
    .errors(&[503])
}

fn get_rounds_docs(o: TransformOperation) -> TransformOperation {
    o.op(
        "getRounds",
        "enrolment",
        "The application rounds",
        "Each round's deadline (`deadline_expected` while it is only expected, as round 2's \"expected October 2021\") and how many municipalities are expected in it.",
    )
    .roles(&[], false)
    .ok("The rounds.")
    .errors(&[503])
}

fn set_rounds_docs(o: TransformOperation) -> TransformOperation {
    o.op(
        "setRounds",
        "enrolment",
        "Change the application rounds",
        "Replaces the rounds' deadlines and expected ranges (e.g. round 2's firm date once it is known). Each round once, deadlines in order, the expected minimum not above the maximum (400); rounds 1 and 2 must both be given, and a later round (3-5, if DK2020 opens one) may be added, and removed again only while no municipality was ever enrolled in it (422).",
    )
    .roles(&[Role::Secretariat], false)
    .ok("The stored rounds.")
    .errors(&[422, 503])
}

fn set_status_docs(o: TransformOperation) -> TransformOperation {
    o.op(
        "setEnrolmentStatus",
        "enrolment",
        "Set a municipality's status (kept in history)",
        "Records a status change at the current time. Impossible changes are refused with 422 (an undefined round, a decision date in the future, the same status again, a pilot municipality enrolling in a round, an overlong note); 409 when someone else changed the status at the same moment. Answers with the municipality's history.",
    )
    .roles(&[Role::Secretariat], false)
    .path_parameter("MunicipalityPath")
    .ok("The municipality's history including the new change.")
    .errors(&[409, 422, 503])
}

fn history_docs(o: TransformOperation) -> TransformOperation {
    o.op(
        "getEnrolmentHistory",
        "enrolment",
        "A municipality's status history",
        "Every recorded status change of the municipality, oldest first, with who made it and when.",
    )
    .roles(&[Role::Secretariat], false)
    .path_parameter("MunicipalityPath")
    .ok("The history.")
    .errors(&[503])
}

async fn current_enrolment(state: &AppState) -> Result<Enrolment, ApiError> {
    let changes = state.store.status_changes().await?;
    Enrolment::replay(changes).map_err(|e| ApiError::Internal(anyhow::anyhow!("stored enrolment history: {e}")))
}

async fn build_overview(state: &AppState, as_of: Date) -> Result<EnrolmentOverview, ApiError> {
    let enrolment = current_enrolment(state).await?;
    let municipalities = state.store.municipalities().await?;
    let rounds = state.store.setting::<Rounds>().await?;
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
            .and_then(|d| dk2020_model::dates::check_date("as_of", d).map_err(ApiError::from))?,
        None => state.now().to_zoned_datetime(COPENHAGEN.clone()).date(),
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

async fn get_rounds(State(state): State<AppState>, _: NoQuery) -> Result<Json<RoundsBody>, ApiError> {
    Ok(Json(RoundsBody { rounds: state.store.setting::<Rounds>().await? }))
}

async fn set_rounds(
    auth: Auth,
    State(state): State<AppState>,
    _: NoQuery,
    JsonBody(body): JsonBody<RoundsBody>,
) -> Result<Json<RoundsBody>, ApiError> {
    auth.require(&[Role::Secretariat])?;
    if let Some(number) = body.rounds.missing() {
        return Err(ApiError::Unprocessable(format!(
            "round {number} is missing: give both rounds (a round cannot be removed, municipalities may be enrolled in it)"
        )));
    }
    let stored = state.store.setting::<Rounds>().await?;
    let changes = state.store.status_changes().await?;
    if let Some(number) = stored.removed_in_use(&body.rounds, &changes) {
        return Err(ApiError::Unprocessable(format!(
            "round {number} cannot be removed: municipalities have been enrolled in it"
        )));
    }
    state.store.set_setting(&body.rounds).await?;
    audit::record(&state, &auth, AuditKind::EnrolmentChanged, Change::new("Ansøgningsrunder")).await;
    Ok(Json(body))
}

/// Sets a municipality's status; the model refuses impossible changes (422), a
/// concurrent change by someone else is a 409.
async fn set_status(
    auth: Auth,
    State(state): State<AppState>,
    _: NoQuery,
    PathParam(code): PathParam,
    JsonBody(body): JsonBody<StatusChangeRequest>,
) -> Result<Json<HistoryResponse>, ApiError> {
    let by = auth.require(&[Role::Secretariat])?;
    let code = parse_code(&code)?;
    if let Some(decided_on) = body.status.decided_on() {
        dk2020_model::dates::check_date("the council decision date", decided_on)
            .map_err(|e| ApiError::Unprocessable(e.to_string()))?;
    }
    let mut enrolment = current_enrolment(&state).await?;
    let rounds = state.store.setting::<Rounds>().await?;
    let change = enrolment
        .change(code, body.status, by, state.now(), body.note, &rounds)
        .map_err(|e| ApiError::Unprocessable(e.to_string()))?;
    state.store.record_status_change(&change).await.map_err(|e| match e {
        StoreError::Conflict(_) => {
            ApiError::Conflict("someone else changed this municipality's status just now: reload and try again".into())
        }
        other => other.into(),
    })?;
    let summary = format!("{} Kommune: {} → {}", code.name(), change.from.label_da(), change.to.label_da());
    audit::record(&state, &auth, AuditKind::EnrolmentChanged, Change::new(summary).subject(code.get())).await;
    history_of(&state, code).await
}

async fn history(
    auth: Auth,
    State(state): State<AppState>,
    _: NoQuery,
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
