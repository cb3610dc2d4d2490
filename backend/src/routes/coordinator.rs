//! The coordinator's own endpoints: availability (working hours, exceptions,
//! rules) and the agenda with driving time between visits.

use aide::{
    axum::{ApiRouter, routing::get_with},
    transform::TransformOperation,
};
use axum::{Json, extract::State};
use dk2020_model::{
    COPENHAGEN, Role,
    api::AgendaResponse,
    audit::AuditKind,
    schedule::{Availability, agenda_days},
};

use crate::{
    audit::{self, Change},
    auth::Auth,
    error::ApiError,
    extract::{Dates, JsonBody, NoQuery, QueryPairs},
    openapi::docs::{Describe, date_schema},
    state::AppState,
    store::{BookingFilter, SettingsExt},
};

pub fn router() -> ApiRouter<AppState> {
    ApiRouter::new()
        .api_route(
            "/coordinator/availability",
            get_with(get_availability, get_availability_docs).put_with(set_availability, set_availability_docs),
        )
        .api_route("/coordinator/agenda", get_with(agenda, agenda_docs))
}

fn get_availability_docs(o: TransformOperation) -> TransformOperation {
    o.op(
        "getAvailability",
        "coordinator",
        "The coordinator's working hours, exceptions and rules",
        "The settings open slots are computed from.",
    )
    .roles(&[Role::Coordinator], false)
    .ok("The settings.")
    .errors(&[503])
}

fn set_availability_docs(o: TransformOperation) -> TransformOperation {
    o.op(
        "setAvailability",
        "coordinator",
        "Replace the coordinator's working hours, exceptions and rules",
        "Validates and stores the settings; existing bookings stay (they are the coordinator's to cancel), new slots follow the new settings. A missing field takes its default. 422 lists every problem at once (ranges, duplicate or overlong exceptions, hours on a holiday, no working day at all).",
    )
    .roles(&[Role::Coordinator], false)
    .ok("The stored settings.")
    .errors(&[422, 503])
}

fn agenda_docs(o: TransformOperation) -> TransformOperation {
    o.op(
        "getAgenda",
        "coordinator",
        "The coordinator's agenda with driving",
        "The confirmed sessions of each day in the range (days without sessions are left out) and the drives between the office in Aarhus and the day's on-site visits. At most 92 days at a time; `to` may not be before `from` (400).",
    )
    .roles(&[Role::Coordinator], false)
    .query("from", false, date_schema(), "First Copenhagen date (default today).")
    .query("to", false, date_schema(), "Last Copenhagen date, inclusive (default `from` + 6 days).")
    .ok("The agenda.")
    .errors(&[503])
}

async fn get_availability(
    auth: Auth,
    State(state): State<AppState>,
    _: NoQuery,
) -> Result<Json<Availability>, ApiError> {
    auth.require(&[Role::Coordinator])?;
    Ok(Json(state.store.setting::<Availability>().await?))
}

/// Replaces the settings; existing bookings stay (they are the coordinator's
/// to cancel), new slots follow the new settings.
async fn set_availability(
    auth: Auth,
    State(state): State<AppState>,
    _: NoQuery,
    JsonBody(availability): JsonBody<Availability>,
) -> Result<Json<Availability>, ApiError> {
    auth.require(&[Role::Coordinator])?;
    availability.validate().map_err(|e| ApiError::Unprocessable(e.problems().join("; ")))?;
    state.store.set_setting(&availability).await?;
    audit::record(&state, &auth, AuditKind::AvailabilityChanged, Change::new("Arbejdstider, lukkedage og regler"))
        .await;
    Ok(Json(availability))
}

/// `?from=&to=` (Copenhagen dates, default this week from today, at most 92 days).
async fn agenda(
    auth: Auth,
    State(state): State<AppState>,
    query: QueryPairs,
    Dates(dates): Dates,
) -> Result<Json<AgendaResponse>, ApiError> {
    auth.require(&[Role::Coordinator])?;
    query.only(&["from", "to"])?;
    let today = state.now().to_zoned_datetime(COPENHAGEN.clone()).date();
    // A week from `from` unless told otherwise.
    let range = dates.or_default(today, 7)?;
    let (from, to) = (range.from(), range.to());
    let start_of = |d: jiff::civil::Date| dk2020_model::time::at_local(d.to_datetime(jiff::civil::Time::midnight()));
    let filter = BookingFilter {
        ends_after: Some(start_of(from)),
        starts_before: Some(start_of(to.tomorrow().map_err(|_| ApiError::bad_request("to is out of range"))?)),
        include_cancelled: false,
        ..BookingFilter::default()
    };
    let bookings = state.store.bookings(&filter).await?;
    let municipalities = state.store.municipalities().await?;
    let travel = state.store.setting::<Availability>().await?.rules.travel;
    let days = agenda_days(from, to, &bookings, &municipalities, &travel);
    Ok(Json(AgendaResponse { from, to, days }))
}
