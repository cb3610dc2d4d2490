//! `GET /api/slots?municipality=&kind=&from=&to=`: open slots for one
//! municipality (its own token, or the coordinator's).

use aide::{
    axum::{ApiRouter, routing::get_with},
    transform::TransformOperation,
};
use axum::{Json, extract::State};
use dk2020_model::{
    COPENHAGEN, MunicipalityCode, Role, SessionKind,
    api::SlotsResponse,
    schedule::{SlotQuery, open_slots},
};
use jiff::{ToSpan, civil::Date};

use crate::{
    auth::Auth,
    error::ApiError,
    extract::QueryPairs,
    openapi::docs::{Describe, date_schema, municipality_param_schema},
    routes::bookings::confirmed_from,
    state::AppState,
};

pub fn router() -> ApiRouter<AppState> {
    ApiRouter::new().api_route("/slots", get_with(slots, slots_docs))
}

fn slots_docs(o: TransformOperation) -> TransformOperation {
    let description = format!(
        "The starts a municipality could book now, in time order, each with its end and kind. Times are RFC 3339 with the Copenhagen offset of that date. At most {} days at a time (400 beyond, or when `to` is before `from`). When the municipality already holds as many upcoming sessions as allowed, 422 (`cap_reached`) says so instead of an empty list. A municipality may ask for itself only.",
        dk2020_model::schedule::MAX_RANGE_DAYS
    );
    o.op("listSlots", "bookings", "Open slots for a municipality", &description)
        .roles(&[Role::Municipality, Role::Coordinator], false)
        .query(
            "municipality",
            false,
            municipality_param_schema(),
            "Whose slots; defaults to the token's municipality, required for the coordinator.",
        )
        .query(
            "kind",
            false,
            serde_json::json!({ "type": "string", "enum": ["onsite", "online"], "default": "onsite" }),
            "The kind of session (default `onsite`).",
        )
        .query("from", false, date_schema(), "First Copenhagen date (default today).")
        .query("to", false, date_schema(), "Last Copenhagen date, inclusive (default `from` + 27 days).")
        .ok("The open slots.")
        .errors(&[422, 503])
}

/// The first date the API works with (date parameters, council decisions,
/// population figures): dates outside [`FIRST_DATE`]..=[`LAST_DATE`] are
/// refused with a clear message rather than computed with (year 1 or 9999
/// has no sessions, and its local midnight may not even be an instant jiff
/// can represent, which made `at_local` panic).
pub const FIRST_DATE: Date = jiff::civil::date(2000, 1, 1);
/// The last date the API works with; see [`FIRST_DATE`].
pub const LAST_DATE: Date = jiff::civil::date(2099, 12, 31);

/// `date` if it is within [`FIRST_DATE`]..=[`LAST_DATE`]; otherwise a
/// message for people that names the field (`name`) and the dates allowed.
pub fn check_date(name: &str, date: Date) -> Result<Date, String> {
    if (FIRST_DATE..=LAST_DATE).contains(&date) {
        Ok(date)
    } else {
        Err(format!(
            "{name} {date} is outside the dates this service handles: use a date from {FIRST_DATE} to {LAST_DATE}"
        ))
    }
}

/// A date query parameter, within the dates the API handles ([`check_date`]):
/// a far-off year is a 400, not a panic.
pub fn parse_date(name: &str, value: &str) -> Result<Date, ApiError> {
    let date = value
        .trim()
        .parse::<Date>()
        .map_err(|_| ApiError::bad_request(format!("{name} {value:?} is not a date like 2026-12-01")))?;
    check_date(name, date).map_err(ApiError::BadRequest)
}

async fn slots(auth: Auth, State(state): State<AppState>, query: QueryPairs) -> Result<Json<SlotsResponse>, ApiError> {
    auth.require(&[Role::Municipality, Role::Coordinator])?;
    query.only(&["municipality", "kind", "from", "to"])?;
    let municipality = match query.get("municipality") {
        Some(m) => m.parse::<MunicipalityCode>().map_err(ApiError::bad_request)?,
        None => auth.0.municipality().ok_or_else(|| ApiError::bad_request("municipality is required"))?,
    };
    auth.may_act_for(municipality)?;
    let kind = match query.get("kind") {
        Some(k) => k.parse::<SessionKind>().map_err(ApiError::bad_request)?,
        None => SessionKind::Onsite,
    };
    let now = state.now();
    let today = now.to_zoned(COPENHAGEN.clone()).date();
    let from = query.get("from").map(|v| parse_date("from", v)).transpose()?.unwrap_or(today);
    let to = match query.get("to") {
        Some(v) => parse_date("to", v)?,
        None => from.checked_add(27.days()).map_err(|_| ApiError::bad_request("from is out of range"))?,
    };
    let availability = state.store.availability().await?;
    let municipalities = state.store.municipalities().await?;
    let existing = confirmed_from(&state, now).await?;
    let slots = open_slots(SlotQuery {
        availability: &availability,
        municipalities: &municipalities,
        municipality,
        kind,
        from,
        to,
        existing: &existing,
        now,
    })?;
    Ok(Json(SlotsResponse { slots }))
}
