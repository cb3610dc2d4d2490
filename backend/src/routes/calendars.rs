//! The coordinator's calendar subscriptions: her Outlook, Google or
//! Nextcloud calendars, whose busy times block slots (`crate::subscriptions`).

use aide::{
    axum::{
        ApiRouter,
        routing::{delete_with, get_with, post_with},
    },
    transform::TransformOperation,
};
use axum::{
    Json,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use dk2020_model::{
    Role,
    api::{CalendarStatus, CalendarsResponse, NewCalendar},
    audit::AuditKind,
    subscription::CalendarId,
};
use jiff::Timestamp;

use crate::{
    audit::{self, Change},
    auth::Auth,
    error::ApiError,
    extract::{JsonBody, NoQuery, PathParam},
    openapi::docs::Describe,
    state::AppState,
    subscriptions::{self, AddRefused},
};

pub fn router() -> ApiRouter<AppState> {
    ApiRouter::new()
        .api_route("/coordinator/calendars", get_with(list, list_docs).post_with(add, add_docs))
        .api_route("/coordinator/calendars/{id}", delete_with(remove, remove_docs))
        .api_route("/coordinator/calendars/{id}/refresh", post_with(refresh, refresh_docs))
}

fn list_docs(o: TransformOperation) -> TransformOperation {
    o.op(
        "listCalendars",
        "coordinator",
        "The coordinator's calendar subscriptions",
        "Each subscribed calendar with the state of its last fetch: when it last succeeded, why the last one failed (the busy times of the last good fetch stay in force meanwhile, `failing_since` says since when), and how many busy times it holds. The server fetches each calendar every 15 minutes.",
    )
    .roles(&[Role::Coordinator], false)
    .ok("The subscriptions, the oldest first.")
    .errors(&[503])
}

fn add_docs(o: TransformOperation) -> TransformOperation {
    o.op(
        "addCalendar",
        "coordinator",
        "Subscribe to a calendar",
        "Adds a published ICS address (Outlook's \"publish calendar\" link, Google's secret address, a CalDAV server's export; `webcal://` is read as `https://`) and fetches it at once. Its busy times block slots: an online session that overlaps one (buffers included), an on-site visit whose session or drive there and back does. 422 `calendar_address_refused` for an address that is not http(s), holds a password or leads to a private, loopback or link-local network (never fetched); a calendar server that cannot be reached now is still added, with `last_error`. 409 when 10 calendars are subscribed already.",
    )
    .roles(&[Role::Coordinator], false)
    .json_response::<CalendarStatus>(201, "The new subscription after its first fetch.", serde_json::json!({}))
    .errors(&[409, 422, 503])
}

fn remove_docs(o: TransformOperation) -> TransformOperation {
    o.op(
        "deleteCalendar",
        "coordinator",
        "Unsubscribe from a calendar",
        "Removes the subscription and its busy times: they no longer block slots. 404 when there is no such subscription.",
    )
    .roles(&[Role::Coordinator], false)
    .path_parameter("CalendarIdPath")
    .answer(204, serde_json::json!({ "description": "Removed." }))
    .errors(&[404, 503])
}

fn refresh_docs(o: TransformOperation) -> TransformOperation {
    o.op(
        "refreshCalendar",
        "coordinator",
        "Fetch a calendar now",
        "Fetches the calendar at once instead of at the next quarter of an hour and answers its new status. A fetch that fails is not an error of this request: the answer says why in `last_error`, and the last good busy times stay in force.",
    )
    .roles(&[Role::Coordinator], false)
    .path_parameter("CalendarIdPath")
    .ok("The subscription after the fetch.")
    .errors(&[404, 503])
}

async fn list(auth: Auth, State(state): State<AppState>, _: NoQuery) -> Result<Json<CalendarsResponse>, ApiError> {
    auth.require(&[Role::Coordinator])?;
    let calendars = state.store.calendars().await?;
    Ok(Json(CalendarsResponse { calendars: calendars.iter().map(|c| c.status()).collect() }))
}

async fn add(
    auth: Auth,
    State(state): State<AppState>,
    _: NoQuery,
    JsonBody(request): JsonBody<NewCalendar>,
) -> Result<Response, ApiError> {
    auth.require(&[Role::Coordinator])?;
    let now = state.now();
    let added = subscriptions::add(state.store.as_ref(), state.calendar_fetch, request, new_calendar_id(now), now)
        .await
        .map_err(|e| match e {
            AddRefused::Address(e) => ApiError::CalendarAddress(e.to_string()),
            AddRefused::Store(e) => e.into(),
        })?;
    let summary = format!("Kalender «{}» tilføjet", added.label);
    audit::record(&state, &auth, AuditKind::CalendarsChanged, Change::new(summary).subject(&added.id)).await;
    tracing::info!(id = %added.id, busy = added.busy.len(), error = ?added.last_error.as_ref().map(|p| &p.code), "calendar subscribed");
    Ok((StatusCode::CREATED, Json(added.status())).into_response())
}

async fn remove(
    auth: Auth,
    State(state): State<AppState>,
    _: NoQuery,
    PathParam(id): PathParam,
) -> Result<StatusCode, ApiError> {
    auth.require(&[Role::Coordinator])?;
    state.store.delete_calendar(&calendar_id(&id)?).await?;
    audit::record(&state, &auth, AuditKind::CalendarsChanged, Change::new("Kalender fjernet").subject(&id)).await;
    tracing::info!(id = %id, "calendar unsubscribed");
    Ok(StatusCode::NO_CONTENT)
}

async fn refresh(
    auth: Auth,
    State(state): State<AppState>,
    _: NoQuery,
    PathParam(id): PathParam,
) -> Result<Json<CalendarStatus>, ApiError> {
    auth.require(&[Role::Coordinator])?;
    let id = calendar_id(&id)?;
    let refreshed = subscriptions::refresh(state.store.as_ref(), state.calendar_fetch, &id, state.now()).await?;
    Ok(Json(refreshed.status()))
}

fn calendar_id(raw: &str) -> Result<CalendarId, ApiError> {
    CalendarId::parse(raw).ok_or_else(|| ApiError::not_found(format!("calendar subscription {raw:?}")))
}

/// `cal_` + the time in milliseconds (hex) + 8 random characters ([`super::new_id`]).
fn new_calendar_id(now: Timestamp) -> CalendarId {
    CalendarId::parse(&super::new_id(CalendarId::PREFIX, now))
        .unwrap_or_else(|| unreachable!("lowercase hex and base 36 make a valid id"))
}
