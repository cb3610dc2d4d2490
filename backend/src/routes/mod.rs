//! One `router()` per resource, merged here. Handlers are thin: parse,
//! authorise, call the model and the store, map to HTTP.

pub mod bookings;
pub mod budget;
pub mod calendar;
pub mod coordinator;
pub mod enrolment;
pub mod health;
pub mod municipalities;
pub mod site;
pub mod slots;

use axum::Router;

use crate::state::AppState;

/// Every route of [`router`] as `(method, path)`, with the `/api` prefix it is
/// mounted under. axum cannot list a `Router`'s routes, so this list is kept by
/// hand; `tests/openapi.rs` checks it against the `Router` (each entry answers,
/// no other method does, and the `.route(…)` calls in the sources match it) and
/// against the OpenAPI document (`crate::openapi`), which must describe exactly
/// these operations.
pub const ROUTES: &[(&str, &str)] = &[
    ("GET", "/api/health"),
    ("GET", "/api/municipalities"),
    ("PUT", "/api/municipalities/{code}/population"),
    ("GET", "/api/enrolment"),
    ("PUT", "/api/enrolment/{code}"),
    ("GET", "/api/enrolment/{code}/history"),
    ("GET", "/api/budget/allocation"),
    ("GET", "/api/budget/params"),
    ("PUT", "/api/budget/params"),
    ("GET", "/api/slots"),
    ("GET", "/api/bookings"),
    ("POST", "/api/bookings"),
    ("POST", "/api/bookings/{id}/cancel"),
    ("POST", "/api/bookings/{id}/reschedule"),
    ("GET", "/api/bookings/{id}/ics"),
    ("GET", "/api/calendar.ics"),
    ("GET", "/api/coordinator/availability"),
    ("PUT", "/api/coordinator/availability"),
    ("GET", "/api/coordinator/agenda"),
    ("GET", "/api/openapi.json"),
];

/// Every API route, relative to `/api`.
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(health::router())
        .merge(municipalities::router())
        .merge(enrolment::router())
        .merge(budget::router())
        .merge(slots::router())
        .merge(bookings::router())
        .merge(calendar::router())
        .merge(coordinator::router())
        .merge(crate::openapi::router())
}
