//! Request and response bodies of the HTTP API, shared by the backend and the
//! widget so the two cannot drift. Shapes fixed by DESIGN.md are marked.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::{
    booking::{Booking, CancelReason, ContactName, Email, SessionKind, Topic},
    enrolment::StatusChange,
    municipality::{Municipalities, MunicipalityCode},
    schedule::{Leg, Slot},
    time::LocalTime,
};

/// One municipality in `GET /api/municipalities`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct MunicipalityInfo {
    pub code: MunicipalityCode,
    pub slug: String,
    pub name: String,
    /// Inhabitants.
    pub population: u32,
    /// The date the population figure refers to.
    pub population_as_of: Date,
    /// The town the town hall stands in.
    pub town_hall: String,
    pub lat: f64,
    pub lon: f64,
    pub ferry_minutes: u16,
}

/// `GET /api/municipalities`: `{"municipalities": [...], "total_population": N}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct MunicipalitiesResponse {
    pub municipalities: Vec<MunicipalityInfo>,
    pub total_population: u64,
}

impl MunicipalitiesResponse {
    pub fn new(all: &Municipalities) -> Self {
        Self {
            municipalities: all
                .iter()
                .map(|m| MunicipalityInfo {
                    code: m.code,
                    slug: m.slug.clone(),
                    name: m.name.clone(),
                    population: m.population.inhabitants,
                    population_as_of: m.population.as_of,
                    town_hall: m.town_hall.town.clone(),
                    lat: m.town_hall.location.lat,
                    lon: m.town_hall.location.lon,
                    ferry_minutes: m.town_hall.ferry_minutes,
                })
                .collect(),
            total_population: all.total_population(),
        }
    }
}

/// `GET /api/slots` (contract): `{"slots": [{"start", "end", "kind"}, …]}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct SlotsResponse {
    pub slots: Vec<Slot>,
}

/// `POST /api/bookings` (contract). The end follows from the kind's duration.
/// The text fields are the domain's own types (trimmed, lengths, e-mail
/// shape), so a request that deserialises is valid, in the API and in the
/// widget alike. [`crate::lifecycle::book`] takes it as it is.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct BookingRequest {
    pub municipality: MunicipalityCode,
    pub kind: SessionKind,
    pub start: LocalTime,
    pub topic: Topic,
    pub contact_name: ContactName,
    pub contact_email: Email,
}

/// A time the coordinator is busy with another municipality: all a
/// municipality may see of others' bookings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct BusyTime {
    pub start: LocalTime,
    pub end: LocalTime,
}

/// `GET /api/bookings`: the caller's bookings (all for the coordinator), and
/// for a municipality the others' confirmed future bookings as busy times.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct BookingsResponse {
    pub bookings: Vec<Booking>,
    #[serde(default)]
    pub busy: Vec<BusyTime>,
}

/// `POST /api/bookings/{id}/cancel`; the body is optional. A blank reason is
/// no reason.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CancelRequest {
    /// Why, at most [`MAX_REASON_CHARS`] characters after trimming; blank
    /// counts as none.
    #[serde(default, deserialize_with = "blank_is_none")]
    #[cfg_attr(feature = "openapi", schemars(with = "Option<String>", length(max = MAX_REASON_CHARS)))]
    pub reason: Option<CancelReason>,
}

/// The longest cancellation reason kept, in characters.
pub const MAX_REASON_CHARS: usize = CancelReason::MAX_CHARS;

fn blank_is_none<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<CancelReason>, D::Error> {
    match Option::<String>::deserialize(d)? {
        Some(text) if !text.trim().is_empty() => CancelReason::parse(&text).map(Some).map_err(serde::de::Error::custom),
        _ => Ok(None),
    }
}

/// `POST /api/bookings/{id}/reschedule`: the start of another open slot.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RescheduleRequest {
    pub start: LocalTime,
}

/// `GET /api/enrolment/{code}/history`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct HistoryResponse {
    pub municipality: MunicipalityCode,
    pub name: String,
    pub history: Vec<StatusChange>,
}

/// One day of the coordinator's agenda: the confirmed sessions in time order
/// and the driving legs of the day's on-site visits.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct AgendaDay {
    pub date: Date,
    pub bookings: Vec<Booking>,
    pub legs: Vec<Leg>,
    /// Minutes behind the wheel (ferry included) that day.
    pub driving_minutes: u32,
}

/// `GET /api/coordinator/agenda?from=&to=`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct AgendaResponse {
    pub from: Date,
    pub to: Date,
    pub days: Vec<AgendaDay>,
}

/// `GET /api/health`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct HealthResponse {
    pub status: String,
    pub store: String,
}
