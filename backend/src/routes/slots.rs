//! `GET /api/slots?municipality=&kind=&from=&to=`: open slots for one
//! municipality (its own token, or the coordinator's).

use axum::{Json, Router, extract::State, routing::get};
use dk2020_model::{
    COPENHAGEN, MunicipalityCode, Role, SessionKind,
    api::SlotsResponse,
    schedule::{SlotQuery, open_slots},
};
use jiff::{ToSpan, civil::Date};

use crate::{auth::Auth, error::ApiError, extract::QueryPairs, routes::bookings::confirmed_from, state::AppState};

pub fn router() -> Router<AppState> {
    Router::new().route("/slots", get(slots))
}

pub fn parse_date(name: &str, value: &str) -> Result<Date, ApiError> {
    value
        .trim()
        .parse::<Date>()
        .map_err(|_| ApiError::bad_request(format!("{name} {value:?} is not a date like 2026-12-01")))
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
