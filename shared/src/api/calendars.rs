//! The coordinator's calendar subscriptions (`GET`/`POST
//! /api/coordinator/calendars`, `DELETE …/{id}`, `POST …/{id}/refresh`):
//! what she sends to add one, and the status the API answers.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::subscription::{CalendarId, CalendarLabel};

/// `POST /api/coordinator/calendars`:
/// `{"label": "Outlook", "url": "https://outlook.office365.com/owa/calendar/…/calendar.ics"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct NewCalendar {
    pub label: CalendarLabel,
    /// The calendar's published ICS address: `https://`, `http://` or
    /// `webcal://` (read as https); not on a private network; no password in it.
    #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = 2048)))]
    pub url: String,
    /// Whether tentative events block slots (default true).
    #[serde(default = "yes")]
    pub tentative_is_busy: bool,
}

fn yes() -> bool {
    true
}

/// One subscription as the coordinator sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct CalendarStatus {
    #[cfg_attr(feature = "openapi", schemars(with = "String"))]
    pub id: CalendarId,
    pub label: CalendarLabel,
    pub url: String,
    pub tentative_is_busy: bool,
    /// The last successful fetch; `null` before the first.
    #[cfg_attr(feature = "openapi", schemars(schema_with = "crate::openapi::optional_timestamp"))]
    pub last_fetched: Option<Timestamp>,
    /// Why the last fetch failed (English); `null` when it succeeded. The
    /// busy times of the last good fetch stay in force meanwhile.
    pub last_error: Option<String>,
    /// The failure as a code: `private_address`, `http_status`, `timeout`,
    /// `too_large`, `too_many_redirects`, `network`, `bad_url`,
    /// `not_a_calendar`, `too_many_busy_times`, `too_complex`.
    pub last_error_code: Option<String>,
    /// The first failure in a row: the busy times are as old as
    /// `last_fetched` since then.
    #[cfg_attr(feature = "openapi", schemars(schema_with = "crate::openapi::optional_timestamp"))]
    pub failing_since: Option<Timestamp>,
    /// Busy times in force from this calendar.
    pub busy_count: u32,
}

/// `GET /api/coordinator/calendars`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct CalendarsResponse {
    pub calendars: Vec<CalendarStatus>,
}
