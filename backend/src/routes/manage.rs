//! The manage page's API: the holder of a manage link (the key in a mail to
//! the booking's contact, `crate::manage_link`) sees that one booking, the
//! times it could move to, moves it or cancels it, as its municipality.
//! There is no booking id in these paths: the key names the booking, so a
//! key can reach its own booking and nothing else.

use aide::{
    axum::{
        ApiRouter,
        routing::{get_with, post_with},
    },
    transform::TransformOperation,
};
use axum::{Json, extract::State};
use dk2020_model::{
    Act, Booking,
    api::{CancelRequest, RescheduleRequest, SlotsResponse},
    audit::{AuditKind, Via},
    lifecycle::Refusal,
};

use crate::{
    audit,
    error::ApiError,
    extract::{JsonBody, NoQuery, OnlyDates, OptionalJsonBody},
    manage_link::ManageKey,
    openapi::docs::{Describe, date_schema},
    routes::slots::open_for,
    state::AppState,
};

pub fn router() -> ApiRouter<AppState> {
    ApiRouter::new()
        .api_route("/manage", get_with(show, show_docs))
        .api_route("/manage/slots", get_with(slots, slots_docs))
        .api_route("/manage/reschedule", post_with(reschedule, reschedule_docs))
        .api_route("/manage/cancel", post_with(cancel, cancel_docs))
}

fn show_docs(o: TransformOperation) -> TransformOperation {
    o.op(
        "getManagedBooking",
        "manage",
        "The booking a manage link opens",
        "The one booking the link's key opens, in its current state (moved or cancelled ones too), until its session has ended.",
    )
    .manage_link()
    .ok("The booking.")
    .errors(&[503])
}

fn slots_docs(o: TransformOperation) -> TransformOperation {
    o.op(
        "listManagedBookingSlots",
        "manage",
        "Times the booking could move to",
        "The open slots of the booking's municipality and kind, as `GET /api/slots?moving=` gives them: its own time and its place in the cap do not count. 409 when the booking is cancelled.",
    )
    .manage_link()
    .query("from", false, date_schema(), "First Copenhagen date (default today).")
    .query("to", false, date_schema(), "Last Copenhagen date, inclusive (default `from` + 27 days).")
    .ok("The open slots.")
    .errors(&[409, 503])
}

fn reschedule_docs(o: TransformOperation) -> TransformOperation {
    o.op(
        "rescheduleManagedBooking",
        "manage",
        "Move the booking",
        "Moves the booking to another open slot in one atomic step, as its municipality would (`POST /api/bookings/{id}/reschedule`); the contact and the coordinator get the moved invitation.",
    )
    .manage_link()
    .ok("The moved booking.")
    .errors(&[409, 422, 503])
}

fn cancel_docs(o: TransformOperation) -> TransformOperation {
    o.op(
        "cancelManagedBooking",
        "manage",
        "Cancel the booking",
        "Cancels the booking as its municipality would, with an optional reason (the body may be empty). 409 when it is already cancelled, 422 when the session has started.",
    )
    .manage_link()
    .ok("The cancelled booking.")
    .errors(&[409, 422, 503])
}

// The query comes first in each handler: a misspelt parameter is a 400
// naming it, whatever the key, as everywhere in the API.

async fn show(_: NoQuery, key: ManageKey) -> Json<Booking> {
    Json(key.booking)
}

async fn slots(
    OnlyDates(dates): OnlyDates,
    key: ManageKey,
    State(state): State<AppState>,
) -> Result<Json<SlotsResponse>, ApiError> {
    let booking = &key.booking;
    if !booking.is_confirmed() {
        return Err(Refusal::CancelledCannotMove.into());
    }
    Ok(Json(open_for(&state, booking.municipality, booking.kind, dates, Some(&booking.id)).await?))
}

async fn reschedule(
    _: NoQuery,
    key: ManageKey,
    State(state): State<AppState>,
    JsonBody(request): JsonBody<RescheduleRequest>,
) -> Result<Json<Booking>, ApiError> {
    let act = Act { by: key.actor(), at: state.now() };
    let event = state.store.reschedule_booking(&key.booking.id, request.start, act).await?;
    state.mail_due();
    let change = super::bookings::booking_change(event.booking());
    audit::record_as(&state, act.by, Via::ManageLink, AuditKind::BookingMoved, change).await;
    tracing::info!(id = %key.booking.id, "booking rescheduled through its manage link");
    Ok(Json(event.booking().clone()))
}

async fn cancel(
    _: NoQuery,
    key: ManageKey,
    State(state): State<AppState>,
    body: OptionalJsonBody<CancelRequest>,
) -> Result<Json<Booking>, ApiError> {
    let reason = body.parse()?.reason.map(String::from);
    let act = Act { by: key.actor(), at: state.now() };
    let event = state.store.cancel_booking(&key.booking.id, reason, act).await?;
    state.mail_due();
    let change = super::bookings::booking_change(event.booking());
    audit::record_as(&state, act.by, Via::ManageLink, AuditKind::BookingCancelled, change).await;
    tracing::info!(id = %key.booking.id, "booking cancelled through its manage link");
    Ok(Json(event.booking().clone()))
}
