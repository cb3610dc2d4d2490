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

mod access;
mod calendars;
mod mail;
mod privacy;
mod scenarios;

/// `GET`/`PUT /api/enrolment/rounds`: the application rounds, each with its
/// deadline (firm, or only expected) and the expected number of municipalities.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct RoundsBody {
    pub rounds: crate::enrolment::Rounds,
}
pub use access::{
    AuditResponse, CalendarFeedInfo, CalendarFeedsResponse, CredentialLabel, EmbedKeyInfo, EmbedKeysResponse,
    NewCalendarFeed, NewEmbedKey, RevokedToken, RevokedTokensResponse, SessionInfo,
};
pub use calendars::{CalendarStatus, CalendarsResponse, NewCalendar};
pub use mail::{FailedMail, FailedMailsResponse, MailSettings, MailSettingsProblem, ManageLinksRevoked, SentAgain};
pub use privacy::{Erasure, SubjectCredential, SubjectMail, SubjectReport, SubjectRequest};
pub use scenarios::{ComparedRow, ComparedYear, Comparison, Scenario, ScenarioRequest, ScenariosResponse};

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
    #[cfg_attr(feature = "openapi", schemars(schema_with = "crate::openapi::civil_date"))]
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
    /// On-site requests: the days of the range kept for another area's tour,
    /// so the widget can say why they have no visits.
    #[serde(default)]
    pub reserved: Vec<crate::schedule::ReservedDay>,
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

impl BookingRequest {
    /// What was asked to make `booking`: its municipality, kind, start and
    /// contact fields (to book the same again, e.g. in tests of the stores);
    /// `None` once its contact's data was erased.
    pub fn again(booking: &Booking) -> Option<Self> {
        Some(Self {
            municipality: booking.municipality,
            kind: booking.kind,
            start: booking.start,
            topic: booking.topic.clone()?,
            contact_name: booking.contact_name.clone()?,
            contact_email: booking.contact_email.clone()?,
        })
    }
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
    #[cfg_attr(feature = "openapi", schemars(schema_with = "crate::openapi::civil_date"))]
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
    #[cfg_attr(feature = "openapi", schemars(schema_with = "crate::openapi::civil_date"))]
    pub from: Date,
    #[cfg_attr(feature = "openapi", schemars(schema_with = "crate::openapi::civil_date"))]
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

/// The machine-readable code of every error the API answers, the same on
/// both sides: the API picks one (and, in `backend/src/error.rs` only, the
/// HTTP status that goes with it); the widget matches it to say what went
/// wrong in Danish, never reading the English message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// A malformed body, a bad or unknown query parameter.
    BadRequest,
    /// No token, an invalid or expired one.
    Unauthorized,
    /// A valid token that may not do this.
    Forbidden,
    NotFound,
    /// A method the path does not take.
    MethodNotAllowed,
    /// A concurrent change won, or the state does not allow the change.
    Conflict,
    PayloadTooLarge,
    /// Well-formed, but a rule of the domain refuses it.
    RuleViolated,
    /// The store cannot be reached right now.
    Unavailable,
    /// The API's own fault.
    Internal,
    TooShortNotice,
    BeyondHorizon,
    ClosedDay,
    OutsideWorkingHours,
    NotOnSlotGrid,
    SlotTaken,
    /// Her calendar or her blocked hours say she is busy then.
    CoordinatorBusy,
    /// A tour day kept for another area of the region, not yet open to all.
    ReservedForTour,
    TooManyOnsiteVisits,
    CannotReachInTime,
    CapReached,
    InvalidAvailability,
    BadRange,
    /// "Send again" on a mail that has not failed (it is due or sent already).
    MailNotFailed,
    /// A manage link that is not (or no longer) one we issued.
    ManageLinkInvalid,
    /// A manage link whose session has ended.
    ManageLinkExpired,
    /// A calendar address the server will not fetch: not http(s), with a
    /// password in it, or on a private network.
    CalendarAddressRefused,
    /// An embed key that is unknown, revoked or expired (401).
    EmbedKeyInvalid,
    /// An embed key used from a page whose origin is not on its list (403).
    EmbedKeyWrongOrigin,
    /// An address that is no longer served (410), e.g. the old calendar feed.
    Gone,
    /// A code this build does not know yet (a newer API): read, never sent.
    #[serde(other)]
    #[cfg_attr(feature = "openapi", schemars(skip))]
    Unknown,
}

impl ErrorCode {
    /// Every code the API sends ([`ErrorCode::Unknown`] is only read).
    pub const ALL: [ErrorCode; 30] = [
        ErrorCode::BadRequest,
        ErrorCode::Unauthorized,
        ErrorCode::Forbidden,
        ErrorCode::NotFound,
        ErrorCode::MethodNotAllowed,
        ErrorCode::Conflict,
        ErrorCode::PayloadTooLarge,
        ErrorCode::RuleViolated,
        ErrorCode::Unavailable,
        ErrorCode::Internal,
        ErrorCode::TooShortNotice,
        ErrorCode::BeyondHorizon,
        ErrorCode::ClosedDay,
        ErrorCode::OutsideWorkingHours,
        ErrorCode::NotOnSlotGrid,
        ErrorCode::SlotTaken,
        ErrorCode::CoordinatorBusy,
        ErrorCode::ReservedForTour,
        ErrorCode::TooManyOnsiteVisits,
        ErrorCode::CannotReachInTime,
        ErrorCode::CapReached,
        ErrorCode::InvalidAvailability,
        ErrorCode::BadRange,
        ErrorCode::MailNotFailed,
        ErrorCode::ManageLinkInvalid,
        ErrorCode::ManageLinkExpired,
        ErrorCode::CalendarAddressRefused,
        ErrorCode::EmbedKeyInvalid,
        ErrorCode::EmbedKeyWrongOrigin,
        ErrorCode::Gone,
    ];

    /// The code as it is written on the wire, e.g. `cap_reached`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BadRequest => "bad_request",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::NotFound => "not_found",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::Conflict => "conflict",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::RuleViolated => "rule_violated",
            ErrorCode::Unavailable => "unavailable",
            ErrorCode::Internal => "internal",
            ErrorCode::TooShortNotice => "too_short_notice",
            ErrorCode::BeyondHorizon => "beyond_horizon",
            ErrorCode::ClosedDay => "closed_day",
            ErrorCode::OutsideWorkingHours => "outside_working_hours",
            ErrorCode::NotOnSlotGrid => "not_on_slot_grid",
            ErrorCode::SlotTaken => "slot_taken",
            ErrorCode::CoordinatorBusy => "coordinator_busy",
            ErrorCode::ReservedForTour => "reserved_for_tour",
            ErrorCode::TooManyOnsiteVisits => "too_many_onsite_visits",
            ErrorCode::CannotReachInTime => "cannot_reach_in_time",
            ErrorCode::CapReached => "cap_reached",
            ErrorCode::InvalidAvailability => "invalid_availability",
            ErrorCode::BadRange => "bad_range",
            ErrorCode::MailNotFailed => "mail_not_failed",
            ErrorCode::ManageLinkInvalid => "manage_link_invalid",
            ErrorCode::ManageLinkExpired => "manage_link_expired",
            ErrorCode::CalendarAddressRefused => "calendar_address_refused",
            ErrorCode::EmbedKeyInvalid => "embed_key_invalid",
            ErrorCode::EmbedKeyWrongOrigin => "embed_key_wrong_origin",
            ErrorCode::Gone => "gone",
            ErrorCode::Unknown => "unknown",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The body of every error answer (contract): `{"error": {"code", "message"}}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// The inside of [`ErrorBody`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct ErrorDetail {
    pub code: ErrorCode,
    /// For people, in English; may change. The widget says it in Danish by the code.
    pub message: String,
}

impl ErrorBody {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { error: ErrorDetail { code, message: message.into() } }
    }
}

/// `PUT /api/municipalities/{code}/population`: a new population figure.
/// `inhabitants` must be above 0 and `as_of` not in the future (422 otherwise).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct PopulationUpdate {
    /// Inhabitants, more than 0.
    #[cfg_attr(feature = "openapi", schemars(range(min = 1)))]
    pub inhabitants: u32,
    /// The date the figure refers to; not after today.
    #[cfg_attr(feature = "openapi", schemars(schema_with = "crate::openapi::civil_date"))]
    pub as_of: Date,
}

impl HealthResponse {
    /// The process answers and the store is reachable: `{"status": "ok", "store": "ok"}`.
    pub fn ok() -> Self {
        Self { status: "ok".into(), store: "ok".into() }
    }

    /// The store cannot be reached: `{"status": "degraded", "store": "unreachable"}`.
    pub fn degraded() -> Self {
        Self { status: "degraded".into(), store: "unreachable".into() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_code_keeps_its_wire_string_and_reads_back() {
        for code in ErrorCode::ALL {
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
            assert_eq!(serde_json::from_str::<ErrorCode>(&json).unwrap(), code);
        }
        let wire: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        for today in [
            "bad_request",
            "unauthorized",
            "forbidden",
            "not_found",
            "method_not_allowed",
            "conflict",
            "payload_too_large",
            "rule_violated",
            "unavailable",
            "internal",
            "too_short_notice",
            "beyond_horizon",
            "closed_day",
            "outside_working_hours",
            "not_on_slot_grid",
            "slot_taken",
            "too_many_onsite_visits",
            "cannot_reach_in_time",
            "cap_reached",
            "invalid_availability",
            "bad_range",
            "mail_not_failed",
        ] {
            assert!(wire.contains(&today), "{today} is missing");
        }
    }

    #[test]
    fn a_code_from_a_newer_api_reads_as_unknown() {
        let body: ErrorBody = serde_json::from_str(r#"{"error":{"code":"quota_exceeded","message":"x"}}"#).unwrap();
        assert_eq!(body.error.code, ErrorCode::Unknown);
        let body = ErrorBody::new(ErrorCode::CapReached, "at the cap");
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            serde_json::json!({"error": {"code": "cap_reached", "message": "at the cap"}})
        );
    }

    #[test]
    fn health_answers_keep_their_shape() {
        assert_eq!(
            serde_json::to_value(HealthResponse::ok()).unwrap(),
            serde_json::json!({"status": "ok", "store": "ok"})
        );
        assert_eq!(
            serde_json::to_value(HealthResponse::degraded()).unwrap(),
            serde_json::json!({"status": "degraded", "store": "unreachable"})
        );
    }
}
