//! `GET /api/calendar.ics?token=…`: the coordinator's subscribable feed of all
//! confirmed bookings. Calendar clients cannot send headers, hence the token in
//! the query string (a coordinator token; make a long-lived one for this).

use aide::{
    axum::{ApiRouter, routing::get_with},
    transform::TransformOperation,
};
use axum::{
    extract::State,
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
};
use dk2020_model::{
    Role,
    ical::{CalendarInfo, calendar_feed},
    schedule::Availability,
};
use jiff::SignedDuration;

use crate::{
    auth::Auth,
    error::ApiError,
    extract::QueryPairs,
    openapi::docs::{Describe, calendar_response},
    state::AppState,
    store::{BookingFilter, SettingsExt},
};

pub fn router() -> ApiRouter<AppState> {
    ApiRouter::new().api_route("/calendar.ics", get_with(feed, feed_docs))
}

fn feed_docs(o: TransformOperation) -> TransformOperation {
    o.op(
        "getCalendarFeed",
        "bookings",
        "The coordinator's subscribable calendar feed",
        "Every confirmed booking ending in the last 90 days or later, as one iCalendar feed for calendar clients, and each drive of her days with visits as its own event (`CATEGORIES:Kørsel`, e.g. \"Kørsel Aarhus → Lemvig, ca. 2 t 19 min\"; arriving as the session starts, home as the last one ends). They cannot send headers, so the coordinator's token goes in the query string (`?token=`); make a long-lived one for the subscription.",
    )
    .roles(&[Role::Coordinator], false)
    .security("calendarToken")
    .query("token", true, serde_json::json!({ "type": "string" }), "A coordinator token (401 when missing or invalid, 403 for another role).")
    .answer(200, calendar_response("The feed (served inline).", "dk2020-koordinator.ics"))
    .errors(&[401, 403, 503])
}

async fn feed(State(state): State<AppState>, query: QueryPairs) -> Result<Response, ApiError> {
    query.only(&["token"])?;
    let token = query.get("token").ok_or_else(|| ApiError::Unauthorized("add ?token=<coordinator token>".into()))?;
    Auth(state.keys.verify(token, state.now())?).require(&[Role::Coordinator])?;
    // The last 90 days and everything ahead.
    let since = state.now().checked_sub(SignedDuration::from_hours(90 * 24)).unwrap_or(state.now());
    let filter = BookingFilter { ends_after: Some(since), ..BookingFilter::default() };
    let bookings = state.store.bookings(&filter).await?;
    let municipalities = state.store.municipalities().await?;
    let travel = state.store.setting::<Availability>().await?.rules.travel;
    let body = calendar_feed(&bookings, &municipalities, &travel, &CalendarInfo::default());
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(crate::downloads::ICS)),
            (header::CONTENT_DISPOSITION, HeaderValue::from_static("inline; filename=\"dk2020-koordinator.ics\"")),
        ],
        body,
    )
        .into_response())
}
