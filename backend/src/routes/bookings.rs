//! Bookings: create (a municipality for itself), list, cancel, reschedule and
//! the .ics file. A municipality sees only its own bookings; of the others it
//! sees busy times.

use axum::{
    Json, Router,
    extract::{FromRequest, Request, State},
    http::{HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use dk2020_model::{
    Actor, Booking, BookingId, MunicipalityCode, Role,
    api::{BookingRequest, BookingsResponse, BusyTime, CancelRequest, RescheduleRequest},
    ical::{CalendarInfo, booking_to_ics},
    lifecycle::may_change,
};
use jiff::Timestamp;

use crate::{
    auth::Auth,
    error::ApiError,
    extract::{JsonBody, OptionalJsonBody, PathParam, QueryPairs},
    routes::slots::parse_date,
    state::AppState,
    store::BookingFilter,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/bookings", post(create).get(list))
        .route("/bookings/{id}/cancel", post(cancel))
        .route("/bookings/{id}/reschedule", post(reschedule))
        .route("/bookings/{id}/ics", get(ics))
}

/// Confirmed bookings of everyone that end after `now`: what the rules check against.
pub async fn confirmed_from(state: &AppState, now: Timestamp) -> Result<Vec<Booking>, ApiError> {
    let filter = BookingFilter { ends_after: Some(now), ..BookingFilter::default() };
    Ok(state.store.bookings(&filter).await?)
}

/// A new id: time-ordered, URL-safe, unguessable (`b` + 9 time + 12 random chars).
fn new_booking_id(now: Timestamp) -> BookingId {
    use rand::Rng;
    const ALPHABET: &[u8] = b"0123456789abcdefghjkmnpqrstvwxyz";
    let mut id = String::from("b");
    let mut t = now.as_millisecond().max(0) as u64;
    let mut time = [0u8; 9];
    for c in time.iter_mut().rev() {
        *c = ALPHABET[(t % 32) as usize];
        t /= 32;
    }
    id.extend(time.iter().map(|&c| c as char));
    let mut rng = rand::rng();
    id.extend((0..12).map(|_| ALPHABET[rng.random_range(0..32)] as char));
    BookingId::parse(&id).expect("the alphabet is URL-safe")
}

fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(value) = headers.get("idempotency-key") else { return Ok(None) };
    let key = value.to_str().map_err(|_| ApiError::bad_request("Idempotency-Key must be plain ASCII"))?.trim();
    if key.is_empty() || key.len() > 100 || !key.chars().all(|c| c.is_ascii_graphic()) {
        return Err(ApiError::bad_request("Idempotency-Key must be 1-100 visible ASCII characters"));
    }
    Ok(Some(key.to_string()))
}

async fn create(
    auth: Auth,
    State(state): State<AppState>,
    headers: HeaderMap,
    JsonBody(request): JsonBody<BookingRequest>,
) -> Result<Response, ApiError> {
    auth.require(&[Role::Municipality])?;
    let by = auth.may_act_for(request.municipality)?;
    let key = idempotency_key(&headers)?;
    let now = state.now();
    let created = state.store.create_booking(&request, new_booking_id(now), by, key.as_deref(), now).await?;
    tracing::info!(id = %created.booking.id, municipality = %created.booking.municipality, replay = !created.is_new(), "booking created");
    let mut response = (StatusCode::CREATED, Json(created.booking)).into_response();
    if created.event.is_none() {
        response.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    Ok(response)
}

/// `?from=&to=` (dates, Copenhagen), `?municipality=` (coordinator only),
/// `?include_cancelled=false` to leave cancelled ones out.
async fn list(
    auth: Auth,
    State(state): State<AppState>,
    query: QueryPairs,
) -> Result<Json<BookingsResponse>, ApiError> {
    query.only(&["from", "to", "municipality", "include_cancelled"])?;
    let actor = auth.require(&[Role::Municipality, Role::Coordinator])?;
    let mut filter = BookingFilter {
        include_cancelled: match query.get("include_cancelled") {
            None | Some("true") => true,
            Some("false") => false,
            Some(other) => {
                return Err(ApiError::bad_request(format!("include_cancelled {other:?}: use true or false")));
            }
        },
        ..BookingFilter::default()
    };
    if let Some(from) = query.get("from") {
        filter.ends_after =
            Some(dk2020_model::time::at_local(parse_date("from", from)?.to_datetime(jiff::civil::Time::midnight())));
    }
    if let Some(to) = query.get("to") {
        let day_after = parse_date("to", to)?.tomorrow().map_err(|_| ApiError::bad_request("to is out of range"))?;
        filter.starts_before = Some(dk2020_model::time::at_local(day_after.to_datetime(jiff::civil::Time::midnight())));
    }
    let requested =
        query.get("municipality").map(|m| m.parse::<MunicipalityCode>()).transpose().map_err(ApiError::bad_request)?;
    match actor {
        Actor::Municipality { municipality } => {
            if requested.is_some_and(|r| r != municipality) {
                return Err(ApiError::Forbidden("a municipality sees only its own bookings".into()));
            }
            filter.municipality = Some(municipality);
            let bookings = state.store.bookings(&filter).await?;
            let busy = confirmed_from(&state, state.now())
                .await?
                .into_iter()
                .filter(|b| b.municipality != municipality)
                .map(|b| BusyTime { start: b.start, end: b.end })
                .collect();
            Ok(Json(BookingsResponse { bookings, busy }))
        }
        _ => {
            filter.municipality = requested;
            let bookings = state.store.bookings(&filter).await?;
            Ok(Json(BookingsResponse { bookings, busy: Vec::new() }))
        }
    }
}

/// A booking id from the path; one that cannot exist is simply not found.
fn booking_id(raw: &str) -> Result<BookingId, ApiError> {
    BookingId::parse(raw).map_err(|_| ApiError::not_found(format!("booking {raw:?}")))
}

async fn cancel(
    auth: Auth,
    State(state): State<AppState>,
    PathParam(id): PathParam,
    body: Request,
) -> Result<Json<Booking>, ApiError> {
    let by = auth.require(&[Role::Municipality, Role::Coordinator])?;
    let id = booking_id(&id)?;
    // Whether the caller may cancel it is known before the (optional) body
    // is read, so a refused body stays unread (and the connection closes).
    may_change(by, &state.store.booking(&id).await?)?;
    let OptionalJsonBody(request) = OptionalJsonBody::<CancelRequest>::from_request(body, &state).await?;
    let event = state.store.cancel_booking(&id, by, request.reason.map(String::from), state.now()).await?;
    tracing::info!(id = %event.booking().id, by = %by.role(), "booking cancelled");
    Ok(Json(event.booking().clone()))
}

async fn reschedule(
    auth: Auth,
    State(state): State<AppState>,
    PathParam(id): PathParam,
    JsonBody(request): JsonBody<RescheduleRequest>,
) -> Result<Json<Booking>, ApiError> {
    let by = auth.require(&[Role::Municipality, Role::Coordinator])?;
    let event = state.store.reschedule_booking(&booking_id(&id)?, request.start, by, state.now()).await?;
    tracing::info!(id = %event.booking().id, "booking rescheduled");
    Ok(Json(event.booking().clone()))
}

async fn ics(auth: Auth, State(state): State<AppState>, PathParam(id): PathParam) -> Result<Response, ApiError> {
    let by = auth.require(&[Role::Municipality, Role::Coordinator])?;
    let booking = state.store.booking(&booking_id(&id)?).await?;
    may_change(by, &booking)?;
    let municipalities = state.store.municipalities().await?;
    let body = booking_to_ics(&booking, &municipalities, &CalendarInfo::default());
    Ok(crate::downloads::attachment(body.into_bytes(), crate::downloads::ICS, &format!("dk2020-{}.ics", booking.id)))
}
