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
    body::Bytes,
    extract::{State, rejection::BytesRejection},
    http::{HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use dk2020_model::{
    Actor, Booking, BookingId, BookingStatus, ContactName, Email, LocalTime, MunicipalityCode, Role, Topic,
    api::{BookingRequest, BookingsResponse, BusyTime, CancelRequest, MAX_REASON_CHARS, RescheduleRequest},
    ical::{CalendarInfo, booking_to_ics},
    schedule::check_booking,
};
use jiff::{SignedDuration, Timestamp};

use crate::{
    auth::Auth,
    error::ApiError,
    extract::{JsonBody, PathParam, QueryPairs},
    openapi::docs::{Describe, calendar_response, date_schema, municipality_param_schema},
    routes::slots::parse_date,
    state::AppState,
    store::{BookingFilter, StoreError},
};

pub fn router() -> ApiRouter<AppState> {
    ApiRouter::new()
        .api_route("/bookings", post_with(create, create_docs).get_with(list, list_docs))
        .api_route("/bookings/{id}/cancel", post_with(cancel, cancel_docs))
        .api_route("/bookings/{id}/reschedule", post_with(reschedule, reschedule_docs))
        .api_route("/bookings/{id}/ics", get_with(ics, ics_docs))
}

fn create_docs(o: TransformOperation) -> TransformOperation {
    o.op(
        "createBooking",
        "bookings",
        "Book a session",
        "Books the start of an open slot for the token's own municipality. The check of the scheduling rules and the write happen in one transaction: 409 (`slot_taken`) when another booking got the time first, 422 with the broken rule's code otherwise (e.g. `too_short_notice`, `not_on_slot_grid`, `cap_reached`). With an `Idempotency-Key`, repeating the request returns the booking made the first time (201 with `Idempotent-Replayed: true`).",
    )
    .roles(&[Role::Municipality], false)
    .param(serde_json::json!({
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
    .path_parameter("BookingIdPath")
    // The handler reads the optional body as bytes, then as a `CancelRequest`.
    .optional_body::<CancelRequest>()
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

fn end_of(start: LocalTime, minutes: u32) -> Result<LocalTime, ApiError> {
    start
        .timestamp()
        .checked_add(SignedDuration::from_mins(i64::from(minutes)))
        .map(LocalTime::new)
        .map_err(|_| ApiError::bad_request("start is out of range"))
}

async fn create(
    auth: Auth,
    State(state): State<AppState>,
    headers: HeaderMap,
    JsonBody(request): JsonBody<BookingRequest>,
) -> Result<Response, ApiError> {
    auth.require(&[Role::Municipality])?;
    auth.may_act_for(request.municipality)?;
    let key = idempotency_key(&headers)?;
    let topic = Topic::parse(&request.topic).map_err(ApiError::bad_request)?;
    let contact_name = ContactName::parse(&request.contact_name).map_err(ApiError::bad_request)?;
    let contact_email = Email::parse(&request.contact_email).map_err(ApiError::bad_request)?;
    let now = state.now();
    let availability = state.store.availability().await?;
    let municipalities = state.store.municipalities().await?;
    let end = end_of(request.start, availability.rules.duration_minutes(request.kind))?;
    let booking = Booking {
        id: new_booking_id(now),
        municipality: request.municipality,
        kind: request.kind,
        start: request.start,
        end,
        topic,
        contact_name,
        contact_email,
        status: BookingStatus::Confirmed,
        created_at: now,
        changed_at: now,
    };
    let check = |existing: &[Booking]| {
        check_booking(&availability, &municipalities, booking.municipality, booking.kind, booking.start, existing, now)
            .map(drop)
    };
    let created = state.store.create_booking(&booking, key.as_deref(), now, &check).await?;
    tracing::info!(id = %created.booking.id, municipality = %created.booking.municipality, replay = !created.created, "booking created");
    let mut response = (StatusCode::CREATED, Json(created.booking)).into_response();
    if !created.created {
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

/// The booking, if the caller may see and change it: its municipality or the coordinator.
async fn owned_booking(auth: Auth, state: &AppState, raw_id: &str) -> Result<(Actor, Booking), ApiError> {
    let actor = auth.require(&[Role::Municipality, Role::Coordinator])?;
    let id = BookingId::parse(raw_id).map_err(|_| ApiError::not_found(format!("booking {raw_id:?}")))?;
    let booking = state.store.booking(&id).await?;
    if let Actor::Municipality { municipality } = actor
        && municipality != booking.municipality
    {
        return Err(ApiError::Forbidden("this booking belongs to another municipality".into()));
    }
    Ok((actor, booking))
}

async fn cancel(
    auth: Auth,
    State(state): State<AppState>,
    PathParam(id): PathParam,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Booking>, ApiError> {
    // The body is optional, hence raw bytes; its rejections still get the API's JSON errors.
    let body = body.map_err(|r| match r.status() {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge(crate::app::BODY_LIMIT),
        _ => ApiError::bad_request(r.body_text()),
    })?;
    let (actor, booking) = owned_booking(auth, &state, &id).await?;
    let request: CancelRequest = if body.iter().all(u8::is_ascii_whitespace) {
        CancelRequest::default()
    } else {
        serde_json::from_slice(&body)
            .map_err(|e| ApiError::bad_request(format!("the body must be {{\"reason\": \"…\"}}: {e}")))?
    };
    let reason = request.reason.map(|r| r.trim().to_string()).filter(|r| !r.is_empty());
    if reason.as_ref().is_some_and(|r| r.chars().count() > MAX_REASON_CHARS) {
        return Err(ApiError::bad_request(format!("the reason is too long: at most {MAX_REASON_CHARS} characters")));
    }
    let now = state.now();
    if matches!(actor, Actor::Municipality { .. }) && booking.start.timestamp() <= now {
        return Err(ApiError::Unprocessable("the session has already started; ask the coordinator".into()));
    }
    let cancelled = state.store.cancel_booking(&booking.id, actor, reason, now).await.map_err(|e| match e {
        StoreError::Conflict(_) => ApiError::Conflict("the booking is already cancelled".into()),
        other => other.into(),
    })?;
    tracing::info!(id = %cancelled.id, by = %actor.role(), "booking cancelled");
    Ok(Json(cancelled))
}

async fn reschedule(
    auth: Auth,
    State(state): State<AppState>,
    PathParam(id): PathParam,
    JsonBody(request): JsonBody<RescheduleRequest>,
) -> Result<Json<Booking>, ApiError> {
    let (_, booking) = owned_booking(auth, &state, &id).await?;
    if !booking.is_confirmed() {
        return Err(ApiError::Conflict("a cancelled booking cannot be moved; book a new time".into()));
    }
    let now = state.now();
    let availability = state.store.availability().await?;
    let municipalities = state.store.municipalities().await?;
    let end = end_of(request.start, availability.rules.duration_minutes(booking.kind))?;
    let check = |others: &[Booking]| {
        check_booking(&availability, &municipalities, booking.municipality, booking.kind, request.start, others, now)
            .map(drop)
    };
    let moved = state.store.reschedule_booking(&booking.id, request.start, end, now, &check).await?;
    tracing::info!(id = %moved.id, "booking rescheduled");
    Ok(Json(moved))
}

async fn ics(auth: Auth, State(state): State<AppState>, PathParam(id): PathParam) -> Result<Response, ApiError> {
    let (_, booking) = owned_booking(auth, &state, &id).await?;
    let municipalities = state.store.municipalities().await?;
    let body = booking_to_ics(&booking, &municipalities, &CalendarInfo::default());
    Ok(crate::downloads::attachment(body.into_bytes(), crate::downloads::ICS, &format!("dk2020-{}.ics", booking.id)))
}
