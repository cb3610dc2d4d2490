//! Persistence behind one async trait. Handlers only see `dyn Store`; the
//! SQLite store is the embedded default, DynamoDB the production one. Both pass
//! the same conformance suite (`tests/store_conformance.rs`).

mod cache;
pub mod dynamo;
mod sqlite;

use async_trait::async_trait;
use dk2020_model::{
    Act, Actor, Booking, BookingId, LocalTime, Municipalities, MunicipalityCode, Population,
    allocation::PlanParams,
    api::{BookingRequest, MailSettings},
    enrolment::{Rounds, StatusChange},
    lifecycle::{Event, Refusal},
    outbox::{Delivery, Message},
    scenario::{MAX_SCENARIOS, Scenario, ScenarioId},
    schedule::Availability,
    subscription::{CalendarId, MAX_CALENDARS, Subscription},
};
use jiff::Timestamp;
use serde::{Serialize, de::DeserializeOwned};

use dk2020_model::{
    audit::{AuditEntry, AuditFilter},
    credential::{Credential, CredentialKind},
};

use crate::manage_link::ManageLink;

pub use dynamo::DynamoStore;
pub use sqlite::SqliteStore;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0}")]
    NotFound(String),
    /// A concurrent change won, or the change conflicts with the stored state.
    #[error("{0}")]
    Conflict(String),
    /// The model refused the booking change inside the store's transaction.
    #[error("{0}")]
    Refused(Refusal),
    /// The store cannot be reached (network, throttling after retries).
    #[error("the database cannot be reached right now, try again in a moment: {0}")]
    Unavailable(String),
    #[error("store failure")]
    Internal(#[from] anyhow::Error),
}

pub type StoreResult<T> = Result<T, StoreError>;

impl StoreError {
    /// Stored data that cannot be read back: never a panic, an internal error.
    pub(crate) fn corrupt(what: impl std::fmt::Display, e: impl std::fmt::Display) -> Self {
        StoreError::Internal(anyhow::anyhow!("unreadable {what} in the database: {e}"))
    }
}

/// Which bookings to list.
#[derive(Debug, Clone, Default)]
pub struct BookingFilter {
    pub municipality: Option<MunicipalityCode>,
    /// Bookings that end after this instant.
    pub ends_after: Option<Timestamp>,
    /// Bookings that start before this instant.
    pub starts_before: Option<Timestamp>,
    pub include_cancelled: bool,
}

impl BookingFilter {
    /// Whether `booking` is one this filter lists: the stores narrow down with
    /// their indexes, then apply this exact test.
    pub fn admits(&self, booking: &Booking) -> bool {
        self.municipality.is_none_or(|m| booking.municipality == m)
            && (self.include_cancelled || booking.is_confirmed())
            && self.ends_after.is_none_or(|t| booking.end.timestamp() > t)
            && self.starts_before.is_none_or(|t| booking.start.timestamp() < t)
    }
}

/// A booking to make: what the municipality asked for, the id the API made
/// for it, who asks and when, and the key that makes a retry safe.
#[derive(Debug, Clone, Copy)]
pub struct NewBooking<'a> {
    pub request: &'a BookingRequest,
    pub id: &'a BookingId,
    pub by: Actor,
    pub idempotency_key: Option<&'a str>,
    pub now: Timestamp,
}

/// The result of creating a booking: `event` is `None` when an earlier request
/// with the same idempotency key already made it (nothing happened now).
#[derive(Debug, Clone)]
pub struct Created {
    pub booking: Booking,
    pub event: Option<Event>,
}

impl Created {
    /// Whether this request made the booking (not a replay).
    pub fn is_new(&self) -> bool {
        self.event.is_some()
    }
}

/// Everything the handlers use, in small parts: the settings, the
/// enrolment log, the bookings, the outbox, the manage links, the
/// calendar subscriptions, the budget scenarios, the credentials and the
/// audit log. Both stores implement each part and pass
/// the same conformance suite (`tests/store_conformance.rs`).
#[async_trait]
pub trait Store:
    Settings + EnrolmentLog + Bookings + Outbox + ManageLinks + Calendars + Scenarios + Credentials + AuditLog + 'static
{
    /// Whether the store answers.
    async fn health(&self) -> StoreResult<()>;
}

/// What the secretariat and the coordinator set: the municipalities'
/// populations, and the [`Setting`]s (the rounds, the budget's default
/// parameters, the coordinator's availability), each stored whole as JSON
/// under its key; the last write wins. Read and write a setting with
/// [`SettingsExt::setting`] and [`SettingsExt::set_setting`].
#[async_trait]
pub trait Settings: Send + Sync {
    /// The 19 with their current populations.
    async fn municipalities(&self) -> StoreResult<Municipalities>;
    async fn set_population(&self, municipality: MunicipalityCode, population: Population) -> StoreResult<()>;

    /// The stored JSON of the setting `key`, `None` if it was never written.
    async fn setting_json(&self, key: &'static str) -> StoreResult<Option<String>>;
    /// Replaces the setting `key` with `json`.
    async fn set_setting_json(&self, key: &'static str, json: String) -> StoreResult<()>;
}

/// A value stored whole under its own key (SQLite: a row of `settings`;
/// DynamoDB: the item `SETTINGS#<key>`); its `Default` until first written.
pub trait Setting: Serialize + DeserializeOwned + Default + Send + Sync + 'static {
    const KEY: &'static str;
}

impl Setting for Rounds {
    const KEY: &'static str = "rounds";
}

impl Setting for PlanParams {
    const KEY: &'static str = "budget_params";
}

impl Setting for Availability {
    const KEY: &'static str = "availability";
}

/// What the coordinator set herself; a field never set reads as the server's
/// configured value (`AppState::mail_defaults`).
impl Setting for MailSettings {
    const KEY: &'static str = "mail_settings";
}

impl Setting for dk2020_model::sign_in::EmailDomains {
    const KEY: &'static str = "email_domains";
}

/// Typed reads and writes of any [`Setting`], for every [`Settings`] store
/// (`dyn Store` included: the generic methods live here, not on the trait).
#[async_trait]
pub trait SettingsExt: Settings {
    async fn setting<S: Setting>(&self) -> StoreResult<S> {
        parse_setting(S::KEY, self.setting_json(S::KEY).await?.as_deref())
    }

    async fn set_setting<S: Setting>(&self, value: &S) -> StoreResult<()> {
        let json = serde_json::to_string(value).map_err(|e| StoreError::Internal(e.into()))?;
        self.set_setting_json(S::KEY, json).await
    }
}

impl<T: Settings + ?Sized> SettingsExt for T {}

/// A setting from its stored JSON; a missing one (never written, or a row
/// that went missing) reads as its default.
pub(crate) fn parse_setting<S: Setting>(key: &str, json: Option<&str>) -> StoreResult<S> {
    match json {
        Some(json) => serde_json::from_str(json).map_err(|e| StoreError::corrupt(format_args!("setting {key:?}"), e)),
        None => Ok(S::default()),
    }
}

/// The enrolment history: an append-only log of status changes.
#[async_trait]
pub trait EnrolmentLog: Send + Sync {
    /// Every enrolment status change, oldest first; replay them on the initial state.
    async fn status_changes(&self) -> StoreResult<Vec<StatusChange>>;
    /// Appends a change if it may follow the municipality's last one
    /// ([`check_appendable`], inside the store's write).
    async fn record_status_change(&self, change: &StatusChange) -> StoreResult<()>;
}

/// The bookings. Every change is decided by the model's lifecycle
/// ([`dk2020_model::lifecycle`]) on a snapshot read under the store's guard.
#[async_trait]
pub trait Bookings: Send + Sync {
    async fn booking(&self, id: &BookingId) -> StoreResult<Booking>;
    /// Ordered by start.
    async fn bookings(&self, filter: &BookingFilter) -> StoreResult<Vec<Booking>>;

    /// Makes `new` if [`dk2020_model::lifecycle::book`] accepts it. With an
    /// idempotency key seen before (for the same municipality), returns the
    /// booking made then, and no event.
    async fn create_booking(&self, new: NewBooking<'_>) -> StoreResult<Created>;

    /// Cancels a booking as [`dk2020_model::lifecycle::cancel`] decides.
    async fn cancel_booking(&self, id: &BookingId, reason: Option<String>, act: Act) -> StoreResult<Event>;

    /// Moves a booking to `start` in one atomic step, as
    /// [`dk2020_model::lifecycle::reschedule`] decides: the old time is freed
    /// only if the new one is written.
    async fn reschedule_booking(&self, id: &BookingId, start: LocalTime, act: Act) -> StoreResult<Event>;

    /// Erases the contact's personal data from a booking at `at`
    /// ([`dk2020_model::privacy::erase_booking`]) under the same guard as
    /// the changes above, so a move or cancellation at the same moment can
    /// never write the data back. `false` when it was erased already.
    async fn erase_booking(&self, id: &BookingId, at: Timestamp) -> StoreResult<bool>;
}

/// The messages the booking changes owe (`dk2020_model::outbox`). Each
/// booking write records its event's messages in the same transaction; the
/// sender (`crate::mail`) reads what is due and writes back each outcome.
#[async_trait]
pub trait Outbox: Send + Sync {
    /// Messages due at `now` (`due <= now`), earliest first, at most `limit`.
    async fn due_messages(&self, now: Timestamp, limit: usize) -> StoreResult<Vec<Message>>;
    /// Messages given up on, the latest first (for the coordinator's view).
    async fn failed_messages(&self) -> StoreResult<Vec<Message>>;
    async fn message(&self, id: &str) -> StoreResult<Message>;
    /// Stores a message's new delivery state (after an attempt, or "send again").
    async fn update_message(&self, message: &Message) -> StoreResult<()>;
    /// Every message kept, whatever its delivery (for insight, erasure and
    /// the retention; the sent ones are kept for 30 days only).
    async fn all_messages(&self) -> StoreResult<Vec<Message>>;
    /// Forgets a message; gone already is fine.
    async fn delete_message(&self, id: &str) -> StoreResult<()>;

    /// The coordinator's "send again": a failed message due at `now`
    /// ([`Message::send_again`]), written back; a message that is not failed
    /// is left alone and reported as it is. The sender never writes a failed
    /// message, so nothing else races this read and write.
    async fn send_again(&self, id: &str, now: Timestamp) -> StoreResult<SendAgain> {
        let message = self.message(id).await?;
        if message.delivery != Delivery::Failed {
            return Ok(SendAgain::NotFailed(message.delivery));
        }
        let again = message.send_again(now);
        self.update_message(&again).await?;
        Ok(SendAgain::Due(Box::new(again)))
    }
}

/// The manage links' keys, by their hash (`crate::manage_link`): the sender
/// records one for each mail to a booking's contact, a request with the key
/// finds its booking, the coordinator revokes a booking's links.
#[async_trait]
pub trait ManageLinks: Send + Sync {
    async fn add_manage_link(&self, link: &ManageLink) -> StoreResult<()>;
    /// The link whose key has this hash; `NotFound` when none was issued or it was revoked.
    async fn manage_link(&self, hash: &str) -> StoreResult<ManageLink>;
    /// Revokes every link to `booking`; how many there were.
    async fn revoke_manage_links(&self, booking: &BookingId) -> StoreResult<u32>;
}

/// The coordinator's calendar subscriptions, each stored whole with its
/// last good busy times (`dk2020_model::subscription`). The booking writes
/// read every calendar's busy times into their snapshot.
#[async_trait]
pub trait Calendars: Send + Sync {
    /// Every subscription, the oldest first.
    async fn calendars(&self) -> StoreResult<Vec<Subscription>>;
    /// Adds one; `Conflict` when she has [`MAX_CALENDARS`] already.
    async fn add_calendar(&self, calendar: &Subscription) -> StoreResult<()>;
    /// Writes a subscription's new fetch state; `NotFound` when it was
    /// deleted meanwhile (a refresh never brings a deleted calendar back).
    async fn save_calendar(&self, calendar: &Subscription) -> StoreResult<()>;
    async fn delete_calendar(&self, id: &CalendarId) -> StoreResult<()>;

    async fn calendar(&self, id: &CalendarId) -> StoreResult<Subscription> {
        self.calendars().await?.into_iter().find(|c| &c.id == id).ok_or_else(no_such_calendar)
    }
}

/// The secretariat's budget scenarios (`dk2020_model::scenario`), each
/// stored whole. Saving one scenario never touches another; two people
/// saving the same scenario at once: the last write wins.
#[async_trait]
pub trait Scenarios: Send + Sync {
    /// Every scenario, the oldest first.
    async fn scenarios(&self) -> StoreResult<Vec<Scenario>>;
    /// Adds one; `Conflict` when there are [`MAX_SCENARIOS`] already.
    async fn add_scenario(&self, scenario: &Scenario) -> StoreResult<()>;
    /// Replaces one; `NotFound` when it was deleted meanwhile.
    async fn save_scenario(&self, scenario: &Scenario) -> StoreResult<()>;
    async fn delete_scenario(&self, id: &ScenarioId) -> StoreResult<()>;

    async fn scenario(&self, id: &ScenarioId) -> StoreResult<Scenario> {
        self.scenarios().await?.into_iter().find(|s| &s.id == id).ok_or_else(no_such_scenario)
    }
}

/// The credentials the product issued (`dk2020_model::credential`): embed
/// keys, calendar-feed secrets, sessions and revoked tokens, each under the
/// SHA-256 of its secret (a revoked token under its `jti`).
#[async_trait]
pub trait Credentials: Send + Sync {
    /// Adds one; `Conflict` if its hash is taken (it never is: 256 random bits).
    async fn add_credential(&self, credential: &Credential) -> StoreResult<()>;
    /// The credential of `kind` under `hash`; `NotFound` when there is none.
    async fn credential(&self, kind: CredentialKind, hash: &str) -> StoreResult<Credential>;
    /// Every credential of `kind`, the oldest first.
    async fn credentials(&self, kind: CredentialKind) -> StoreResult<Vec<Credential>>;
    /// Replaces one (a use, a revocation); `NotFound` when it is gone.
    async fn save_credential(&self, credential: &Credential) -> StoreResult<()>;
    /// Forgets one (a sign-out, an expired session); gone already is fine.
    async fn delete_credential(&self, kind: CredentialKind, hash: &str) -> StoreResult<()>;

    /// The credential of `kind` with the public `id`.
    async fn credential_by_id(&self, kind: CredentialKind, id: &str) -> StoreResult<Credential> {
        self.credentials(kind)
            .await?
            .into_iter()
            .find(|c| c.id == id)
            .ok_or_else(|| StoreError::NotFound(format!("there is no {} with the id {id:?}", kind.danish_name())))
    }
}

/// The audit log (`dk2020_model::audit`): appended to, read by the secretariat.
#[async_trait]
pub trait AuditLog: Send + Sync {
    async fn record_audit(&self, entry: &AuditEntry) -> StoreResult<()>;
    /// The entries `filter` selects, the oldest first.
    async fn audit(&self, filter: &AuditFilter) -> StoreResult<Vec<AuditEntry>>;
    /// Replaces an entry with the same id and time (its personal details
    /// erased); the only change the log allows.
    async fn save_audit(&self, entry: &AuditEntry) -> StoreResult<()>;
}

pub(crate) fn no_such_scenario() -> StoreError {
    StoreError::NotFound("there is no such budget scenario".into())
}

pub(crate) fn too_many_scenarios() -> StoreError {
    StoreError::Conflict(format!(
        "at most {MAX_SCENARIOS} budget scenarios can be kept; delete one before adding another"
    ))
}

pub(crate) fn no_such_calendar() -> StoreError {
    StoreError::NotFound("there is no such calendar subscription".into())
}

pub(crate) fn too_many_calendars() -> StoreError {
    StoreError::Conflict(format!(
        "at most {MAX_CALENDARS} calendars can be subscribed to; remove one before adding another"
    ))
}

/// What [`Outbox::send_again`] did.
#[derive(Debug, Clone, PartialEq)]
pub enum SendAgain {
    /// The message is due again.
    Due(Box<Message>),
    /// It was not failed: due or sent already (e.g. sent again by another click).
    NotFailed(Delivery),
}

/// Whether `change` may follow `last` (the municipality's last recorded
/// change), by the model's own rule ([`dk2020_model::enrolment::may_follow`]):
/// both stores call this inside their write, so a concurrent change is a
/// `Conflict`.
pub(crate) fn check_appendable(change: &StatusChange, last: Option<&StatusChange>) -> StoreResult<()> {
    dk2020_model::enrolment::may_follow(change, last).map_err(|e| StoreError::Conflict(e.to_string()))
}
