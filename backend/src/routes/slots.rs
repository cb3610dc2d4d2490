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
    schedule::{Availability, SlotQuery, open_slots},
};

use crate::{
    auth::Auth,
    error::ApiError,
    extract::{Dates, QueryPairs},
    openapi::docs::{Describe, date_schema, municipality_param_schema},
    routes::bookings::confirmed_from,
    state::AppState,
    store::SettingsExt,
};

/// Days answered when `to` is left out, `from` included.
const DEFAULT_DAYS: i32 = 28;

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

async fn slots(
    auth: Auth,
    State(state): State<AppState>,
    query: QueryPairs,
    Dates(dates): Dates,
) -> Result<Json<SlotsResponse>, ApiError> {
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
    let today = now.to_zoned_datetime(COPENHAGEN.clone()).date();
    let range = dates.or_default(today, DEFAULT_DAYS)?;
    let availability = state.store.setting::<Availability>().await?;
    let municipalities = state.store.municipalities().await?;
    let existing = confirmed_from(&state, now).await?;
    let slots = open_slots(SlotQuery {
        availability: &availability,
        municipalities: &municipalities,
        municipality,
        kind,
        from: range.from(),
        to: range.to(),
        existing: &existing,
        now,
    })?;
    Ok(Json(SlotsResponse { slots }))
}
