//! The coordinator's subscribable calendar feed, each subscriber with a
//! secret of its own: `GET /api/calendar/{secret}.ics` (read-only: the
//! secret opens the feed and nothing else), and the coordinator's list of
//! them (`GET`/`POST /api/calendar/feeds`, `POST …/{id}/revoke`). The old
//! `GET /api/calendar.ics?token=…` put a token that could change everything
//! into a URL; it answers 410 with a pointer to the new link.

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
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use dk2020_model::{
    Role,
    api::{CalendarFeedInfo, CalendarFeedsResponse, NewCalendarFeed},
    audit::AuditKind,
    credential::{Credential, CredentialKind, Grant},
    ical::{CalendarInfo, calendar_feed},
    schedule::Availability,
};
use jiff::SignedDuration;

use crate::{
    audit::{self, Change},
    auth::Auth,
    error::ApiError,
    extract::{JsonBody, NoQuery, PathParam},
    openapi::docs::{Describe, calendar_response},
    secret,
    state::AppState,
    store::{BookingFilter, SettingsExt, StoreError},
};

pub fn router() -> ApiRouter<AppState> {
    ApiRouter::new()
        // Not in the OpenAPI document any more: only a pointer to the new address.
        .route("/calendar.ics", axum::routing::get(old_feed))
        .api_route("/calendar/feeds", get_with(list, list_docs).post_with(issue, issue_docs))
        .api_route("/calendar/feeds/{id}/revoke", post_with(revoke, revoke_docs))
        .api_route("/calendar/{feed}", get_with(feed, feed_docs))
}

fn feed_docs(o: TransformOperation) -> TransformOperation {
    o.op(
        "getCalendarFeed",
        "bookings",
        "The coordinator's subscribable calendar feed",
        "Every confirmed booking ending in the last 90 days or later, as one iCalendar feed for calendar clients, and each drive of her days with visits as its own event (`CATEGORIES:Kørsel`, e.g. \"Kørsel Aarhus → Lemvig, ca. 2 t 19 min\"; arriving as the session starts, home as the last one ends). The path is the feed secret and `.ics` (`/api/calendar/dkf_….ics`); it opens this feed and nothing else, and the coordinator can revoke it. 404 for a secret that is unknown or revoked.",
    )
    .roles(&[], false)
    .param(serde_json::json!({
        "name": "feed", "in": "path", "required": true,
        "schema": { "type": "string", "pattern": "^dkf_[A-Za-z0-9_-]{43}\\.ics$" },
        "description": "The feed secret followed by `.ics`.",
    }))
    .answer(200, calendar_response("The feed (served inline).", "dk2020-koordinator.ics"))
    .errors(&[404, 503])
}

fn list_docs(o: TransformOperation) -> TransformOperation {
    o.op(
        "listCalendarFeeds",
        "bookings",
        "The coordinator's feed secrets",
        "Every feed secret made, the oldest first, revoked ones too. The secrets themselves are not kept.",
    )
    .roles(&[Role::Coordinator], false)
    .ok("The feeds.")
    .errors(&[503])
}

fn issue_docs(o: TransformOperation) -> TransformOperation {
    o.op(
        "issueCalendarFeed",
        "bookings",
        "A new feed address for one subscriber",
        "A new read-only secret; the answer's `url` (shown once) is the address to subscribe to in Outlook or on a phone.",
    )
    .roles(&[Role::Coordinator], false)
    .json_response::<CalendarFeedInfo>(201, "The feed, with `url` (shown once).", serde_json::json!({}))
    .errors(&[503])
}

fn revoke_docs(o: TransformOperation) -> TransformOperation {
    o.op(
        "revokeCalendarFeed",
        "bookings",
        "Revoke a feed address",
        "The address answers 404 from now on. Revoking again changes nothing. 404 when there is no such feed.",
    )
    .roles(&[Role::Coordinator], false)
    .path_parameter("FeedIdPath")
    .ok("The revoked feed.")
    .errors(&[404, 503])
}

async fn old_feed() -> ApiError {
    ApiError::Gone(
        "Kalenderadressen med token er lukket. Lav et nyt kalenderlink på koordinatorens side (\"Kalenderlinks\") \
         og abonnér på det: /api/calendar/<hemmelighed>.ics."
            .into(),
    )
}

async fn feed(State(state): State<AppState>, _: NoQuery, PathParam(path): PathParam) -> Result<Response, ApiError> {
    let unknown = || ApiError::NotFound("there is no such calendar feed (it may have been revoked)".into());
    let secret_value = path.strip_suffix(".ics").ok_or_else(unknown)?;
    if !CredentialKind::CalendarFeed.is_secret_shaped(secret_value) {
        return Err(unknown());
    }
    let credential = match state.store.credential(CredentialKind::CalendarFeed, &secret::hash(secret_value)).await {
        Ok(credential) => credential,
        Err(StoreError::NotFound(_)) => return Err(unknown()),
        Err(e) => return Err(e.into()),
    };
    credential.check(state.now(), None).map_err(|_| unknown())?;
    if let Some(used) = credential.used(state.now()) {
        // Calendar clients poll every few hours: when each feed was last
        // read tells her which ones are still in use.
        let _ = state.store.save_credential(&used).await;
    }
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

async fn list(auth: Auth, State(state): State<AppState>, _: NoQuery) -> Result<Json<CalendarFeedsResponse>, ApiError> {
    auth.require(&[Role::Coordinator])?;
    let feeds = state.store.credentials(CredentialKind::CalendarFeed).await?;
    Ok(Json(CalendarFeedsResponse { feeds: feeds.iter().map(CalendarFeedInfo::of).collect() }))
}

/// The API's own address as the caller reached it: the configured public
/// address, else the request's `Host` (the local server).
fn api_base(state: &AppState, headers: &HeaderMap) -> String {
    match state.sign_in.public_url.as_deref() {
        Some(url) => url.trim_end_matches('/').to_string(),
        None => {
            let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
            format!("http://{host}")
        }
    }
}

async fn issue(
    auth: Auth,
    State(state): State<AppState>,
    _: NoQuery,
    headers: HeaderMap,
    JsonBody(request): JsonBody<NewCalendarFeed>,
) -> Result<Response, ApiError> {
    auth.require(&[Role::Coordinator])?;
    let now = state.now();
    let secret_value = secret::new_secret(CredentialKind::CalendarFeed.secret_prefix());
    let credential = Credential {
        id: crate::routes::new_id(CredentialKind::CalendarFeed.id_prefix(), now),
        hash: secret::hash(&secret_value),
        label: request.label.to_string(),
        grant: Grant::CalendarFeed,
        created_by: auth.actor.to_string(),
        created_at: now,
        last_used: None,
        revoked_at: None,
        expires_at: None,
    };
    state.store.add_credential(&credential).await?;
    tracing::info!(id = %credential.id, "calendar feed issued");
    let summary = format!("Kalenderlink «{}»", credential.label);
    audit::record(&state, &auth, AuditKind::CredentialIssued, Change::new(summary).subject(&credential.id)).await;
    let mut info = CalendarFeedInfo::of(&credential);
    info.url = Some(format!("{}/api/calendar/{secret_value}.ics", api_base(&state, &headers)));
    Ok((StatusCode::CREATED, Json(info)).into_response())
}

async fn revoke(
    auth: Auth,
    State(state): State<AppState>,
    _: NoQuery,
    PathParam(id): PathParam,
) -> Result<Json<CalendarFeedInfo>, ApiError> {
    auth.require(&[Role::Coordinator])?;
    let credential = state.store.credential_by_id(CredentialKind::CalendarFeed, &id).await?;
    let revoked = credential.revoked(state.now());
    if credential.revoked_at.is_none() {
        state.store.save_credential(&revoked).await?;
        tracing::info!(id = %id, "calendar feed revoked");
        let summary = format!("Kalenderlink «{}» tilbagekaldt", credential.label);
        audit::record(&state, &auth, AuditKind::CredentialRevoked, Change::new(summary).subject(&id)).await;
    }
    Ok(Json(CalendarFeedInfo::of(&revoked)))
}
