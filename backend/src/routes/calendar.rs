//! `GET /api/calendar.ics?token=…`: the coordinator's subscribable feed of all
//! confirmed bookings. Calendar clients cannot send headers, hence the token in
//! the query string (a coordinator token; make a long-lived one for this).

use axum::{
    Router,
    extract::State,
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
    routing::get,
};
use dk2020_model::{
    Role,
    ical::{CalendarInfo, calendar_feed},
};
use jiff::SignedDuration;

use crate::{auth::Auth, error::ApiError, extract::QueryPairs, state::AppState, store::BookingFilter};

pub fn router() -> Router<AppState> {
    Router::new().route("/calendar.ics", get(feed))
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
    let body = calendar_feed(&bookings, &municipalities, &CalendarInfo::default());
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(crate::downloads::ICS)),
            (header::CONTENT_DISPOSITION, HeaderValue::from_static("inline; filename=\"dk2020-koordinator.ics\"")),
        ],
        body,
    )
        .into_response())
}
