//! `GET /api/slots?municipality=&kind=&from=&to=&moving=`: open slots for one
//! municipality (its own token, or the coordinator's), or the times one of its
//! bookings could move to.

use aide::{
    axum::{ApiRouter, routing::get_with},
    transform::TransformOperation,
};
use axum::{Json, extract::State};
use dk2020_model::{
    BookingId, COPENHAGEN, MunicipalityCode, Role, SessionKind,
    api::SlotsResponse,
    dates::DateBounds,
    lifecycle::may_change,
    schedule::{Availability, SlotQuery, open_slots, reserved_days},
    subscription,
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
        .embed_key()
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
        .query(
            "moving",
            false,
            serde_json::json!({ "type": "string" }),
            "The id of a booking of this municipality being moved: the times it could move to, as `POST /api/bookings/{id}/reschedule` accepts them. Its own time and its place in the cap do not count (a move adds no session). 404 when there is no such booking, 403 when it is not the caller's.",
        )
        .ok("The open slots.")
        .errors(&[403, 404, 422, 503])
}

async fn slots(
    auth: Auth,
    State(state): State<AppState>,
    query: QueryPairs,
    Dates(dates): Dates,
) -> Result<Json<SlotsResponse>, ApiError> {
    query.only(&["municipality", "kind", "from", "to", "moving"])?;
    auth.require_in_booking_view(&[Role::Municipality, Role::Coordinator])?;
    let municipality = match query.get("municipality") {
        Some(m) => m.parse::<MunicipalityCode>().map_err(ApiError::bad_request)?,
        None => auth.actor.municipality().ok_or_else(|| ApiError::bad_request("municipality is required"))?,
    };
    auth.may_act_for(municipality)?;
    let kind = match query.get("kind") {
        Some(k) => k.parse::<SessionKind>().map_err(ApiError::bad_request)?,
        None => SessionKind::Onsite,
    };
    let moving = match query.get("moving") {
        Some(raw) => {
            let id = BookingId::parse(raw).map_err(|_| ApiError::not_found(format!("booking {raw:?}")))?;
            let moving = state.store.booking(&id).await?;
            may_change(auth.require(&[Role::Municipality, Role::Coordinator])?, &moving)?;
            if moving.municipality != municipality {
                return Err(ApiError::bad_request("moving: the booking is another municipality's"));
            }
            Some(id)
        }
        None => None,
    };
    Ok(Json(open_for(&state, municipality, kind, dates, moving.as_ref()).await?))
}

/// The open slots of `municipality` in the asked dates (default: from today,
/// [`DEFAULT_DAYS`]); with `moving`, as if that booking were not there (its
/// own time and its place in the cap do not count).
pub async fn open_for(
    state: &AppState,
    municipality: MunicipalityCode,
    kind: SessionKind,
    dates: DateBounds,
    moving: Option<&BookingId>,
) -> Result<SlotsResponse, ApiError> {
    let now = state.now();
    let today = now.to_zoned_datetime(COPENHAGEN.clone()).date();
    let range = dates.or_default(today, DEFAULT_DAYS)?;
    let availability = state.store.setting::<Availability>().await?;
    let municipalities = state.store.municipalities().await?;
    let mut existing = confirmed_from(state, now).await?;
    let busy = subscription::busy_times(&state.store.calendars().await?);
    if let Some(id) = moving {
        existing.retain(|b| &b.id != id);
    }
    let query = SlotQuery {
        availability: &availability,
        municipalities: &municipalities,
        municipality,
        kind,
        from: range.from(),
        to: range.to(),
        existing: &existing,
        busy: &busy,
        now,
    };
    Ok(SlotsResponse { slots: open_slots(query)?, reserved: reserved_days(&query) })
}
