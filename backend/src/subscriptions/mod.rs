//! The coordinator's calendar subscriptions at work: download each
//! calendar ([`fetch`], behind the SSRF guard), read its busy times
//! ([`parse`]), and record the outcome with the model's rules
//! ([`dk2020_model::subscription::Subscription::record`]).
//!
//! Who calls it: the API's `POST /api/coordinator/calendars` (the first
//! fetch, at once) and `POST …/{id}/refresh`; the local server's timer
//! ([`run`]) and, under Lambda, the scheduled `dk2020-calendars` function
//! ([`refresh_due`]), every
//! [`dk2020_model::subscription::REFRESH_MINUTES`]. Logs name counts and codes
//! only: a calendar's address holds its secret.

pub mod fetch;
pub mod lambda;
pub mod parse;

use std::{sync::Arc, time::Duration};

use dk2020_model::{
    api::NewCalendar,
    schedule::BusyTime,
    subscription::{CalendarId, FetchOutcome, FetchProblem, MAX_BUSY, Subscription},
};
use jiff::Timestamp;
use serde::Serialize;

use self::{
    fetch::{FetchError, FetchLimits, Fetched, Fetcher, Validators, check_address},
    parse::{ParseOptions, busy_spans},
};
use crate::{
    state::Clock,
    store::{Store, StoreError, StoreResult},
};

/// How the server fetches calendars.
#[derive(Clone, Copy, Debug, Default)]
pub struct FetchPolicy {
    pub limits: FetchLimits,
    /// Fetch addresses on private networks too (`DK2020_CALENDAR_ALLOW_PRIVATE`):
    /// for tests and a calendar server on the same machine, never on AWS.
    pub allow_private: bool,
}

/// Why adding a calendar was refused.
#[derive(Debug, thiserror::Error)]
pub enum AddRefused {
    /// The address is not one the server will fetch (checked before and
    /// by the first fetch).
    #[error("{0}")]
    Address(FetchError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Adds a subscription and fetches it at once, so her view shows its busy
/// times (or why there are none) straight away. An address that is not
/// http(s), holds a password or leads to a private network is refused and
/// not stored; a calendar server that is down now is stored, with the error.
pub async fn add(
    store: &dyn Store,
    policy: FetchPolicy,
    request: NewCalendar,
    id: CalendarId,
    now: Timestamp,
) -> Result<Subscription, AddRefused> {
    let url = check_address(&request.url).map_err(AddRefused::Address)?;
    let fresh = Subscription::new(id, request.label, url, request.tentative_is_busy, now);
    let outcome = match download(policy, &fresh, now).await {
        Err(e @ (FetchError::PrivateAddress { .. } | FetchError::BadUrl(_))) => return Err(AddRefused::Address(e)),
        other => outcome_of(other, &fresh, now),
    };
    let recorded = fresh.record(outcome, now);
    store.add_calendar(&recorded).await?;
    Ok(recorded)
}

/// Fetches one subscription now and stores the outcome.
pub async fn refresh(
    store: &dyn Store,
    policy: FetchPolicy,
    id: &CalendarId,
    now: Timestamp,
) -> StoreResult<Subscription> {
    let calendar = store.calendar(id).await?;
    refresh_one(store, policy, calendar, now).await
}

async fn refresh_one(
    store: &dyn Store,
    policy: FetchPolicy,
    calendar: Subscription,
    now: Timestamp,
) -> StoreResult<Subscription> {
    let fetched = download(policy, &calendar, now).await;
    let outcome = outcome_of(fetched, &calendar, now);
    let recorded = calendar.record(outcome, now);
    store.save_calendar(&recorded).await?;
    Ok(recorded)
}

/// What one round of the timer did (its log line, and the Lambda answer).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RefreshSummary {
    pub calendars: usize,
    pub fetched: usize,
    pub not_modified: usize,
    pub failed: usize,
}

/// Fetches every subscription that is due ([`Subscription::is_due`]).
pub async fn refresh_due(store: &dyn Store, policy: FetchPolicy, now: Timestamp) -> StoreResult<RefreshSummary> {
    let calendars = store.calendars().await?;
    let mut summary = RefreshSummary { calendars: calendars.len(), ..RefreshSummary::default() };
    for calendar in calendars.into_iter().filter(|c| c.is_due(now)) {
        let before = calendar.expanded_at;
        match refresh_one(store, policy, calendar, now).await {
            Ok(after) if after.last_error.is_some() => summary.failed += 1,
            Ok(after) if after.expanded_at != before => summary.fetched += 1,
            Ok(_) => summary.not_modified += 1,
            // Deleted while it was being fetched: nothing to record.
            Err(StoreError::NotFound(_)) => {}
            // One calendar that cannot be written does not hold up the others.
            Err(e) => {
                tracing::warn!(error = %e, "a calendar subscription's fetch could not be recorded");
                summary.failed += 1;
            }
        }
    }
    Ok(summary)
}

/// The local server's timer: a round every minute; each calendar is
/// fetched when it is due ([`Subscription::is_due`]). Store trouble is logged and
/// the next round tries again.
pub async fn run(store: Arc<dyn Store>, policy: FetchPolicy, clock: Clock) {
    let mut tick = tokio::time::interval(Duration::from_secs(60));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match refresh_due(store.as_ref(), policy, clock.now()).await {
            Ok(summary) if summary.fetched + summary.not_modified + summary.failed > 0 => {
                tracing::info!(?summary, "calendar subscriptions refreshed");
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "calendar subscriptions could not be refreshed"),
        }
    }
}

async fn download(policy: FetchPolicy, calendar: &Subscription, now: Timestamp) -> Result<Fetched, FetchError> {
    let fetcher = Fetcher::new(policy.limits, policy.allow_private)?;
    let (etag, last_modified) = calendar.validators(now);
    let validators = Validators { etag: etag.map(str::to_string), last_modified: last_modified.map(str::to_string) };
    fetcher.fetch(&calendar.url, &validators).await
}

/// A download read into busy times, or why not.
fn outcome_of(fetched: Result<Fetched, FetchError>, calendar: &Subscription, now: Timestamp) -> FetchOutcome {
    let problem = |code: &str, message: String| FetchOutcome::Failed(FetchProblem { code: code.into(), message });
    match fetched {
        Ok(Fetched::NotModified) => FetchOutcome::NotModified,
        Err(e) => problem(e.code(), e.to_string()),
        Ok(Fetched::Body { text, validators }) => {
            let (from, to) = Subscription::busy_window(now);
            let options = ParseOptions { from, to, tentative_is_busy: calendar.tentative_is_busy, max_spans: MAX_BUSY };
            match busy_spans(&text, &options) {
                Ok(parsed) => FetchOutcome::Busy {
                    busy: parsed.spans.into_iter().map(|s| BusyTime { start: s.start, end: s.end }).collect(),
                    etag: validators.etag,
                    last_modified: validators.last_modified,
                },
                Err(e) => problem(e.code(), e.to_string()),
            }
        }
    }
}
