//! The coordinator's calendar subscriptions: the published ICS addresses of
//! her Outlook, Google or Nextcloud calendars, whose busy times block slots
//! ([`crate::schedule::BusyTime`]). The server fetches each one every
//! [`REFRESH_MINUTES`]; this module decides what a fetch's outcome does to
//! the stored subscription, so both stores and both runtimes (the local
//! server's timer, the scheduled Lambda function) agree.
//!
//! A failed fetch never empties her calendar: the last good busy times stay
//! in force, and the status says since when the copy is stale and why.

use std::fmt;

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::{
    booking::{FieldError, text_field},
    schedule::BusyTime,
};

/// The most calendars she may subscribe to.
pub const MAX_CALENDARS: usize = 10;
/// The most busy times one calendar may hold over the horizon: a calendar
/// with more is refused as a whole (it is not a person's calendar).
pub const MAX_BUSY: usize = 4000;
/// How often each calendar is fetched.
pub const REFRESH_MINUTES: i64 = 15;
/// How long a conditional fetch may keep the busy times computed from the
/// last full download: they were expanded over the horizon of that day, so
/// once a day the whole calendar is downloaded and expanded again.
pub const EXPAND_AGAIN_AFTER_HOURS: i64 = 24;
/// Busy times are kept from a day before the fetch (a session's buffer may
/// reach back) to this many days after it; more than any booking horizon
/// the settings allow (366 days) would cost space for nothing.
pub const BUSY_DAYS_AHEAD: i64 = 380;

text_field!(
    /// Her name for a calendar ("Outlook", "Privat"), trimmed, 1-80 characters.
    CalendarLabel, "label", 80
);

/// A calendar subscription's id: `cal_` and 1-60 more of `a-z 0-9 _ -`
/// (the API makes them).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CalendarId(String);

impl CalendarId {
    pub const PREFIX: &'static str = "cal_";

    pub fn parse(value: &str) -> Option<Self> {
        let rest = value.strip_prefix(Self::PREFIX)?;
        let ok = !rest.is_empty()
            && rest.len() <= 60
            && rest.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
        ok.then(|| Self(value.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for CalendarId {
    type Error = String;
    fn try_from(value: String) -> Result<Self, String> {
        Self::parse(&value).ok_or_else(|| format!("{value:?} is not a calendar id (cal_…)"))
    }
}

impl From<CalendarId> for String {
    fn from(value: CalendarId) -> String {
        value.0
    }
}

impl fmt::Display for CalendarId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why the last fetch failed: a stable code the widget says in Danish, and
/// the English message of the API. Neither holds the address (its path and
/// query are the calendar's secret).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FetchProblem {
    /// `private_address`, `http_status`, `timeout`, `too_large`,
    /// `too_many_redirects`, `network`, `bad_url`, `not_a_calendar`,
    /// `too_many_busy_times`, `too_complex`.
    pub code: String,
    pub message: String,
}

/// What one fetch of a calendar gave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FetchOutcome {
    /// A full download, read into busy times.
    Busy {
        busy: Vec<BusyTime>,
        etag: Option<String>,
        last_modified: Option<String>,
    },
    /// The server says nothing changed since the validators we sent.
    NotModified,
    Failed(FetchProblem),
}

/// A subscription as stored: the address, the fetch state and the last good
/// busy times (times only: no titles, no attendees).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subscription {
    pub id: CalendarId,
    pub label: CalendarLabel,
    /// The checked, normalised address (`webcal://` read as `https://`).
    pub url: String,
    /// Whether events marked tentative block slots (default: yes, as in
    /// Outlook's own scheduling assistant).
    pub tentative_is_busy: bool,
    pub added_at: Timestamp,
    /// The last fetch that succeeded (a download or "not modified").
    pub last_fetched: Option<Timestamp>,
    /// The last attempt, successful or not.
    pub last_attempt: Option<Timestamp>,
    /// Why the last attempt failed; `None` after a success.
    pub last_error: Option<FetchProblem>,
    /// The first of the failures in a row; `None` after a success.
    pub failing_since: Option<Timestamp>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// When `busy` was read from a full download.
    pub expanded_at: Option<Timestamp>,
    /// Stored as `[start, end]` pairs of Unix seconds: [`MAX_BUSY`] of them
    /// stay far below DynamoDB's 400 KB item limit.
    #[serde(with = "busy_seconds")]
    pub busy: Vec<BusyTime>,
}

mod busy_seconds {
    use jiff::Timestamp;
    use serde::{Deserialize, Deserializer, Serializer, de::Error, ser::SerializeSeq};

    use crate::schedule::BusyTime;

    pub fn serialize<S: Serializer>(busy: &[BusyTime], s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(busy.len()))?;
        for b in busy {
            seq.serialize_element(&[b.start.as_second(), b.end.as_second()])?;
        }
        seq.end()
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<BusyTime>, D::Error> {
        let pairs = Vec::<[i64; 2]>::deserialize(d)?;
        pairs
            .into_iter()
            .map(|[start, end]| {
                let at = |s| Timestamp::from_second(s).map_err(D::Error::custom);
                Ok(BusyTime { start: at(start)?, end: at(end)? })
            })
            .collect()
    }
}

impl Subscription {
    pub fn new(id: CalendarId, label: CalendarLabel, url: String, tentative_is_busy: bool, now: Timestamp) -> Self {
        Self {
            id,
            label,
            url,
            tentative_is_busy,
            added_at: now,
            last_fetched: None,
            last_attempt: None,
            last_error: None,
            failing_since: None,
            etag: None,
            last_modified: None,
            expanded_at: None,
            busy: Vec::new(),
        }
    }

    /// Whether the timer should fetch it now: never tried, or the last
    /// attempt is [`REFRESH_MINUTES`] old.
    pub fn is_due(&self, now: Timestamp) -> bool {
        self.last_attempt.is_none_or(|t| now.duration_since(t) >= SignedDuration::from_mins(REFRESH_MINUTES))
    }

    /// The validators to send, if a "not modified" answer may keep the busy
    /// times we have: only while they were expanded less than
    /// [`EXPAND_AGAIN_AFTER_HOURS`] ago (the horizon moves on every day).
    pub fn validators(&self, now: Timestamp) -> (Option<&str>, Option<&str>) {
        let fresh = self
            .expanded_at
            .is_some_and(|t| now.duration_since(t) < SignedDuration::from_hours(EXPAND_AGAIN_AFTER_HOURS));
        if fresh { (self.etag.as_deref(), self.last_modified.as_deref()) } else { (None, None) }
    }

    /// The window a download's events are expanded over.
    pub fn busy_window(now: Timestamp) -> (Timestamp, Timestamp) {
        let day = SignedDuration::from_hours(24);
        (now - day, now + day * i32::try_from(BUSY_DAYS_AHEAD).unwrap_or(i32::MAX))
    }

    /// The subscription after a fetch at `now`. A failure keeps the busy
    /// times in force and records why, and since when.
    pub fn record(mut self, outcome: FetchOutcome, now: Timestamp) -> Self {
        self.last_attempt = Some(now);
        match outcome {
            FetchOutcome::Busy { busy, etag, last_modified } => {
                self.busy = busy;
                self.etag = etag;
                self.last_modified = last_modified;
                self.expanded_at = Some(now);
                self.succeeded(now);
            }
            FetchOutcome::NotModified => self.succeeded(now),
            FetchOutcome::Failed(problem) => {
                self.failing_since = self.failing_since.or(Some(now));
                self.last_error = Some(problem);
            }
        }
        self
    }

    fn succeeded(&mut self, now: Timestamp) {
        self.last_fetched = Some(now);
        self.last_error = None;
        self.failing_since = None;
    }

    /// What the API answers about it.
    pub fn status(&self) -> crate::api::CalendarStatus {
        crate::api::CalendarStatus {
            id: self.id.clone(),
            label: self.label.clone(),
            url: self.url.clone(),
            tentative_is_busy: self.tentative_is_busy,
            last_fetched: self.last_fetched,
            last_error: self.last_error.as_ref().map(|p| p.message.clone()),
            last_error_code: self.last_error.as_ref().map(|p| p.code.clone()),
            failing_since: self.failing_since,
            busy_count: u32::try_from(self.busy.len()).unwrap_or(u32::MAX),
        }
    }
}

/// Every subscription's busy times, for the slot search.
pub fn busy_times(subscriptions: &[Subscription]) -> Vec<BusyTime> {
    subscriptions.iter().flat_map(|s| s.busy.iter().copied()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minutes: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + minutes * 60).unwrap()
    }

    fn busy(n: usize) -> Vec<BusyTime> {
        (0..n).map(|i| BusyTime { start: at(i as i64 * 120), end: at(i as i64 * 120 + 60) }).collect()
    }

    fn subscription() -> Subscription {
        Subscription::new(
            CalendarId::parse("cal_1").unwrap(),
            CalendarLabel::parse("Outlook").unwrap(),
            "https://outlook.office365.com/owa/calendar/x/reachcalendar.ics".into(),
            true,
            at(0),
        )
    }

    #[test]
    fn a_failed_fetch_keeps_the_last_good_busy_times_and_says_since_when() {
        let ok = subscription()
            .record(FetchOutcome::Busy { busy: busy(3), etag: Some("\"v1\"".into()), last_modified: None }, at(0));
        let problem = FetchProblem { code: "http_status".into(), message: "the server answered 500".into() };
        let failed = ok.clone().record(FetchOutcome::Failed(problem.clone()), at(15));
        let again = failed.clone().record(FetchOutcome::Failed(problem), at(30));
        assert_eq!(again.busy, busy(3), "the copy stays in force");
        assert_eq!(again.failing_since, Some(at(15)), "since the first failure");
        assert_eq!(again.last_fetched, Some(at(0)));
        let status = again.status();
        assert_eq!((status.busy_count, status.last_error_code.as_deref()), (3, Some("http_status")));
        let back = again.record(FetchOutcome::NotModified, at(45));
        assert_eq!((back.last_error, back.failing_since, back.last_fetched), (None, None, Some(at(45))));
        assert_eq!(back.busy, busy(3));
    }

    #[test]
    fn it_is_fetched_every_quarter_and_downloaded_whole_once_a_day() {
        let fresh = subscription();
        assert!(fresh.is_due(at(0)), "a new calendar is fetched at once");
        let ok = fresh.record(
            FetchOutcome::Busy { busy: busy(1), etag: Some("\"v1\"".into()), last_modified: Some("x".into()) },
            at(0),
        );
        assert!(!ok.is_due(at(14)));
        assert!(ok.is_due(at(15)));
        assert_eq!(ok.validators(at(60)), (Some("\"v1\""), Some("x")));
        assert_eq!(ok.validators(at(24 * 60)), (None, None), "a day later the horizon has moved: download again");
    }

    #[test]
    fn busy_times_are_stored_as_pairs_of_seconds() {
        let mut s = subscription();
        s.busy = busy(2);
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(json["busy"][1], serde_json::json!([1_800_007_200, 1_800_010_800]));
        assert_eq!(serde_json::from_value::<Subscription>(json).unwrap(), s);
    }

    #[test]
    fn calendar_ids_are_ours_only() {
        assert!(CalendarId::parse("cal_0a1b").is_some());
        for bad in ["", "cal_", "0a1b", "cal_A", "cal_../x", &format!("cal_{}", "a".repeat(61))] {
            assert!(CalendarId::parse(bad).is_none(), "{bad}");
        }
    }
}
