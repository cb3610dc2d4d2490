//! `GET /api/audit`: the secretariat reads the audit log, as JSON or CSV.

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
    api::AuditResponse,
    audit::{AuditEntry, AuditFilter, AuditKind},
};
use jiff::{Timestamp, civil::Date};

use crate::{
    auth::Auth,
    error::ApiError,
    extract::QueryPairs,
    openapi::docs::{Describe, download_response},
    state::AppState,
};

pub fn router() -> ApiRouter<AppState> {
    ApiRouter::new().api_route("/audit", get_with(list, list_docs))
}

fn list_docs(o: TransformOperation) -> TransformOperation {
    let date = serde_json::json!({ "type": "string", "format": "date" });
    let kinds: Vec<&str> = AuditKind::ALL.iter().map(|k| k.as_str()).collect();
    o.op(
        "getAudit",
        "access",
        "The audit log",
        "Every change with who made it, when and through what (a session and its e-mail, an embed key and its label, a token's id, a manage link): bookings made, moved and cancelled, availability, calendars, enrolment statuses, populations, budget parameters and scenarios, keys and feed secrets issued and revoked, sign-ins and sign-outs. The oldest first. Dates are Copenhagen days; `from` defaults to 30 days before today, `to` (included) to today.",
    )
    .roles(&[Role::Secretariat], false)
    .query("from", false, date.clone(), "The first day (YYYY-MM-DD).")
    .query("to", false, date, "The last day (YYYY-MM-DD), included.")
    .query("actor", false, serde_json::json!({ "type": "string" }), "A role (`coordinator`, `secretariat`, `municipality`), a municipality code or a signed-in person's e-mail.")
    .query("kind", false, serde_json::json!({ "type": "string", "enum": kinds }), "One kind of change.")
    .query("format", false, serde_json::json!({ "type": "string", "enum": ["json", "csv"] }), "`json` (default) or `csv`.")
    .answer(
        200,
        download_response::<AuditResponse>(
            "The entries.",
            "Header `at,kind,actor,via,summary,subject,person`, one row per entry.",
            "dk2020-revisionslog",
        ),
    )
    .errors(&[503])
}

/// A date within the service's dates (`dates::parse_date`), so every
/// instant computed from it exists.
fn day(query: &QueryPairs, name: &'static str) -> Result<Option<Date>, ApiError> {
    query.get(name).map(|raw| dk2020_model::dates::parse_date(name, raw).map_err(ApiError::bad_request)).transpose()
}

fn start_of(date: Date) -> Timestamp {
    dk2020_model::time::at_local(date.to_datetime(jiff::civil::Time::midnight()))
}

async fn list(auth: Auth, State(state): State<AppState>, query: QueryPairs) -> Result<Response, ApiError> {
    query.only(&["from", "to", "actor", "kind", "format"])?;
    auth.require(&[Role::Secretariat])?;
    let csv = match query.get("format") {
        None | Some("json") => false,
        Some("csv") => true,
        Some(other) => return Err(ApiError::bad_request(format!("format {other:?}: use json or csv"))),
    };
    let today = state.now().to_zoned_datetime(dk2020_model::COPENHAGEN.clone()).date();
    let to_day = day(&query, "to")?.unwrap_or(today);
    let from_day = match day(&query, "from")? {
        Some(from) => from,
        None => to_day.checked_sub(jiff::Span::new().days(30)).unwrap_or(to_day),
    };
    if from_day > to_day {
        return Err(ApiError::bad_request("from is after to"));
    }
    if to_day.since(from_day).map(|s| s.get_days()).unwrap_or(i32::MAX) > 3700 {
        return Err(ApiError::bad_request("ask for at most ten years at a time"));
    }
    let end = to_day.tomorrow().map(start_of).unwrap_or_else(|_| start_of(to_day));
    let mut filter = AuditFilter::between(start_of(from_day), end);
    filter.actor = query.get("actor").map(str::to_string);
    filter.kind = query.get("kind").map(str::parse::<AuditKind>).transpose().map_err(ApiError::bad_request)?;
    let entries = state.store.audit(&filter).await?;
    if csv {
        let body = to_csv(&entries).map_err(|e| ApiError::Internal(e.into()))?;
        return Ok(crate::downloads::attachment(body, crate::downloads::CSV, "dk2020-revisionslog.csv"));
    }
    Ok(Json(AuditResponse { entries }).into_response())
}

fn to_csv(entries: &[AuditEntry]) -> Result<Vec<u8>, csv::Error> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(["at", "kind", "actor", "via", "summary", "subject", "person"])?;
    for e in entries {
        out.write_record([
            e.at.to_string(),
            e.kind.as_str().to_string(),
            e.actor.to_string(),
            e.via.to_string(),
            e.summary.clone(),
            e.subject.clone().unwrap_or_default(),
            e.person.as_ref().map(|p| p.to_string()).unwrap_or_default(),
        ])?;
    }
    out.into_inner().map_err(|e| e.into_error().into())
}
