//! One `router()` per resource, merged here. Handlers are thin: parse,
//! authorise, call the model and the store, map to HTTP.

pub mod access;
pub mod audit;
pub mod bookings;
pub mod budget;
pub mod calendar;
pub mod calendars;
pub mod coordinator;
pub mod coordinator_mail;
pub mod dev_mail;
pub mod enrolment;
pub mod health;
pub mod manage;
pub mod municipalities;
pub mod privacy;
pub mod privacy_notice;
pub mod reports;
pub mod scenarios;
pub mod sign_in;
pub mod site;
pub mod slots;

use aide::axum::ApiRouter;

use crate::state::AppState;

/// Every API route, relative to `/api`, each described where it is mounted
/// (`aide`: the OpenAPI document is generated from this router, see
/// `crate::openapi`).
pub fn router() -> ApiRouter<AppState> {
    ApiRouter::new()
        .merge(health::router())
        .merge(municipalities::router())
        .merge(enrolment::router())
        .merge(budget::router())
        .merge(scenarios::router())
        .merge(slots::router())
        .merge(bookings::router())
        .merge(calendar::router())
        .merge(calendars::router())
        .merge(coordinator::router())
        .merge(coordinator_mail::router())
        .merge(manage::router())
        .merge(reports::router())
        .merge(access::router())
        .merge(audit::router())
        .merge(privacy::router())
        .merge(crate::openapi::router())
}

/// A new id: `prefix`, the time in milliseconds (hex) and 8 random
/// characters of `0-9 a-z`, so ids sort roughly by creation and never clash.
pub(crate) fn new_id(prefix: &str, now: jiff::Timestamp) -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut rng = rand::rng();
    let random: String = (0..8).map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char).collect();
    format!("{prefix}{:x}{random}", now.as_millisecond().max(0))
}
