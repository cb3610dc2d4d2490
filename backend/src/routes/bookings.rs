//! Bookings: create (a municipality for itself), list, cancel, reschedule and
//! the .ics file. A municipality sees only its own bookings; of the others it
//! sees busy times.

use aide::{
    axum::{
        ApiRouter,
        routing::{get_with, post_with},
    },
    transform::TransformOperation,
};
use axum::{
    Json,
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use dk2020_model::{
    Act, Actor, Booking, BookingId, MunicipalityCode, Role,
    api::{BookingRequest, BookingsResponse, BusyTime, CancelRequest, RescheduleRequest},
    audit::AuditKind,
    ical::{CalendarInfo, booking_to_ics},
    lifecycle::may_change,
};
use jiff::Timestamp;

use crate::{
    audit::{self, Change},
    auth::Auth,
    error::ApiError,
    extract::{Dates, JsonBody, NoQuery, OptionalJsonBody, PathParam, QueryPairs},
    openapi::docs::{Describe, calendar_response, date_schema, municipality_param_schema},
    state::AppState,
    store::{BookingFilter, NewBooking},
};

pub fn router() -> ApiRouter<AppState> {
    ApiRouter::new()
        .api_route("/bookings", post_with(create, create_docs).get_with(list, list_docs))
        .api_route("/coordinator/bookings", post_with(create_on_behalf, create_on_behalf_docs))
        .api_route("/bookings/{id}/cancel", post_with(cancel, cancel_docs))
        .api_route("/bookings/{id}/reschedule", post_with(reschedule, reschedule_docs))
        .api_route("/bookings/{id}/ics", get_with(ics, ics_docs))
}

fn create_docs(o: TransformOperation) -> TransformOperation {
    o.op(
        "createBooking",
        "bookings",
        "Book a session",
        "Books the start of an open slot for the token's own municipality (the coordinator books on a municipality's behalf with `POST /api/coordinator/bookings`). The check of the scheduling rules and the write happen in one transaction: 409 (`slot_taken`) when another booking got the time first, 422 with the broken rule's code otherwise (e.g. `too_short_notice`, `not_on_slot_grid`, `cap_reached`). With an `Idempotency-Key`, repeating the request returns the booking made the first time (201 with `Idempotent-Replayed: true`).",
    )
    .roles(&[Role::Municipality], false)
    .embed_key()
    .with(idempotent_booking)
}

fn create_on_behalf_docs(o: TransformOperation) -> TransformOperation {
    o.op(
        "createBookingOnBehalf",
        "coordinator",
        "Book a session on a municipality's behalf",
        "The coordinator books for the municipality the request names (after a phone call), with exactly the rules and answers of `POST /api/bookings`: 409 (`slot_taken`), 422 with the rule's code (`cap_reached`, …), `Idempotency-Key` per municipality. The mails say she booked it.",
    )
    .roles(&[Role::Coordinator], false)
    .with(idempotent_booking)
}

/// What both ways of booking take and answer: the `Idempotency-Key`, 201
/// with the booking, 409 and 422.
fn idempotent_booking(o: TransformOperation) -> TransformOperation {
    o.param(serde_json::json!({
        "name": "Idempotency-Key",
        "in": "header",
        "required": false,
        "schema": { "type": "string", "pattern": "^[!-~]{1,100}$" },
        "description": "1-100 visible ASCII characters naming this booking attempt, per municipality.",
    }))
    .json_response::<Booking>(
        201,
        "The booking.",
        serde_json::json!({
            "Idempotent-Replayed": {
                "description": "`true` when an earlier request with the same `Idempotency-Key` made this booking.",
                "schema": { "type": "string", "enum": ["true"] },
            },
        }),
    )
    .errors(&[409, 422, 503])
}

fn list_docs(o: TransformOperation) -> TransformOperation {
    o.op(
        "listBookings",
        "bookings",
        "List bookings",
        "A municipality gets its own bookings, and of the others only the busy times of their confirmed upcoming sessions; the coordinator gets every booking (and no busy times). In start order.",
    )
    .roles(&[Role::Municipality, Role::Coordinator], false)
    .embed_key()
    .query("from", false, date_schema(), "Only bookings ending after the start of this Copenhagen date.")
    .query("to", false, date_schema(), "Only bookings starting before the end of this Copenhagen date.")
    .query(
        "municipality",
        false,
        municipality_param_schema(),
        "Only this municipality's bookings (the coordinator); a municipality may name only itself (403 otherwise).",
    )
    .query(
        "include_cancelled",
        false,
        serde_json::json!({ "type": "boolean", "default": true }),
        "`false` leaves cancelled bookings out.",
    )
    .ok("The bookings.")
    .errors(&[503])
}

fn cancel_docs(o: TransformOperation) -> TransformOperation {
    o.op(
        "cancelBooking",
        "bookings",
        "Cancel a booking",
        "Cancels a confirmed booking, with an optional reason (the body may be empty). 409 when it is already cancelled; a municipality cannot cancel a session that has started (422: ask the coordinator).",
    )
    .roles(&[Role::Municipality, Role::Coordinator], true)
    .embed_key()
    .path_parameter("BookingIdPath")
    .ok("The cancelled booking.")
    .errors(&[400, 409, 413, 422, 503])
}

fn reschedule_docs(o: TransformOperation) -> TransformOperation {
    o.op(
        "rescheduleBooking",
        "bookings",
        "Move a booking to another open slot",
        "Moves a confirmed booking in one atomic step: the old time is freed only if the new one is booked, so a refused move leaves the booking as it was. 409 when the booking is cancelled or the new time was just taken (`slot_taken`), 422 with the broken rule's code otherwise.",
    )
    .roles(&[Role::Municipality, Role::Coordinator], true)
    .path_parameter("BookingIdPath")
    .ok("The moved booking.")
    .errors(&[409, 422, 503])
}

fn ics_docs(o: TransformOperation) -> TransformOperation {
    o.op(
        "getBookingIcs",
        "bookings",
        "A booking as an iCalendar file",
        "The booking as a one-event `.ics` download (a cancelled booking as a cancelled event).",
    )
    .roles(&[Role::Municipality, Role::Coordinator], true)
    .path_parameter("BookingIdPath")
    .answer(200, calendar_response("The iCalendar file.", "dk2020-b01jbc2x3y4ab12cd34ef56g.ics"))
    .errors(&[503])
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
    _: NoQuery,
    headers: HeaderMap,
    JsonBody(request): JsonBody<BookingRequest>,
) -> Result<Response, ApiError> {
    auth.require_in_booking_view(&[Role::Municipality])?;
    let by = auth.may_act_for(request.municipality)?;
    book(&state, &auth, by, &headers, request).await
}

/// The coordinator, for the municipality the request names.
async fn create_on_behalf(
    auth: Auth,
    State(state): State<AppState>,
    _: NoQuery,
    headers: HeaderMap,
    JsonBody(request): JsonBody<BookingRequest>,
) -> Result<Response, ApiError> {
    let by = auth.require(&[Role::Coordinator])?;
    book(&state, &auth, by, &headers, request).await
}

/// Books `request` as `by`: one store call, the same for a municipality and
/// for the coordinator on its behalf.
async fn book(
    state: &AppState,
    auth: &Auth,
    by: Actor,
    headers: &HeaderMap,
    request: BookingRequest,
) -> Result<Response, ApiError> {
    let key = idempotency_key(headers)?;
    let now = state.now();
    let id = new_booking_id(now);
    let new = NewBooking { request: &request, id: &id, by, idempotency_key: key.as_deref(), now };
    let created = state.store.create_booking(new).await?;
    if created.is_new() {
        state.mail_due();
        audit::record(state, auth, AuditKind::BookingMade, booking_change(&created.booking)).await;
    }
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
    Dates(dates): Dates,
) -> Result<Json<BookingsResponse>, ApiError> {
    query.only(&["from", "to", "municipality", "include_cancelled"])?;
    let actor = auth.require_in_booking_view(&[Role::Municipality, Role::Coordinator])?;
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
    // Each end on its own: a list, not a range, so neither is required.
    if let Some(from) = dates.from {
        filter.ends_after = Some(dk2020_model::time::at_local(from.to_datetime(jiff::civil::Time::midnight())));
    }
    if let Some(to) = dates.to {
        let day_after = to.tomorrow().map_err(|_| ApiError::bad_request("to is out of range"))?;
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

/// A booking's audit entry: its municipality, kind and time (the contact
/// in `person`, for insight and erasure).
pub(crate) fn booking_change(booking: &Booking) -> Change {
    let summary = format!(
        "{} Kommune: {} {}",
        booking.municipality.name(),
        booking.kind.as_str(),
        dk2020_model::format::date_time(booking.start)
    );
    let change = Change::new(summary).subject(&booking.id);
    match &booking.contact_email {
        Some(email) => change.person(email),
        None => change,
    }
}

/// A booking id from the path; one that cannot exist is simply not found.
fn booking_id(raw: &str) -> Result<BookingId, ApiError> {
    BookingId::parse(raw).map_err(|_| ApiError::not_found(format!("booking {raw:?}")))
}

async fn cancel(
    auth: Auth,
    State(state): State<AppState>,
    _: NoQuery,
    PathParam(id): PathParam,
    body: OptionalJsonBody<CancelRequest>,
) -> Result<Json<Booking>, ApiError> {
    let by = auth.require_in_booking_view(&[Role::Municipality, Role::Coordinator])?;
    let id = booking_id(&id)?;
    // Whether the caller may cancel it is known before the (optional) body is
    // parsed: someone else's reason is not looked at.
    may_change(by, &state.store.booking(&id).await?)?;
    let reason = body.parse()?.reason.map(String::from);
    let event = state.store.cancel_booking(&id, reason, Act { by, at: state.now() }).await?;
    state.mail_due();
    audit::record(&state, &auth, AuditKind::BookingCancelled, booking_change(event.booking())).await;
    tracing::info!(id = %id, by = %by.role(), "booking cancelled");
    Ok(Json(event.booking().clone()))
}

async fn reschedule(
    auth: Auth,
    State(state): State<AppState>,
    _: NoQuery,
    PathParam(id): PathParam,
    JsonBody(request): JsonBody<RescheduleRequest>,
) -> Result<Json<Booking>, ApiError> {
    let by = auth.require(&[Role::Municipality, Role::Coordinator])?;
    let event = state.store.reschedule_booking(&booking_id(&id)?, request.start, Act { by, at: state.now() }).await?;
    state.mail_due();
    audit::record(&state, &auth, AuditKind::BookingMoved, booking_change(event.booking())).await;
    tracing::info!(id = %event.booking().id, "booking rescheduled");
    Ok(Json(event.booking().clone()))
}

async fn ics(
    auth: Auth,
    State(state): State<AppState>,
    _: NoQuery,
    PathParam(id): PathParam,
) -> Result<Response, ApiError> {
    let by = auth.require(&[Role::Municipality, Role::Coordinator])?;
    let booking = state.store.booking(&booking_id(&id)?).await?;
    may_change(by, &booking)?;
    let municipalities = state.store.municipalities().await?;
    let body = booking_to_ics(&booking, &municipalities, &CalendarInfo::default());
    Ok(crate::downloads::attachment(body.into_bytes(), crate::downloads::ICS, &format!("dk2020-{}.ics", booking.id)))
}
