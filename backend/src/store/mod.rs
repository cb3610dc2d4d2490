//! Persistence behind one async trait. Handlers only see `dyn Store`; the
//! SQLite store is the embedded default, DynamoDB the production one. Both pass
//! the same conformance suite (`tests/store_conformance.rs`).

mod cache;
pub mod dynamo;
mod sqlite;

use async_trait::async_trait;
use dk2020_model::{
    Actor, Booking, BookingId, LocalTime, Municipalities, MunicipalityCode, Population,
    allocation::PlanParams,
    enrolment::{Rounds, StatusChange},
    schedule::{Availability, RuleViolation},
};
use jiff::Timestamp;

pub use dynamo::DynamoStore;
pub use sqlite::SqliteStore;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0}")]
    NotFound(String),
    /// A concurrent change won, or the change conflicts with the stored state.
    #[error("{0}")]
    Conflict(String),
    /// The booking check refused the booking inside the store's transaction.
    #[error("{0}")]
    Rejected(RuleViolation),
    /// The store cannot be reached (network, throttling after retries).
    #[error("the database cannot be reached right now, try again in a moment: {0}")]
    Unavailable(String),
    #[error("store failure")]
    Internal(#[from] anyhow::Error),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Checks a booking against the confirmed bookings that end after "now", inside
/// the store's write transaction, so the check and the write cannot race.
pub type BookingCheck<'a> = &'a (dyn Fn(&[Booking]) -> Result<(), RuleViolation> + Send + Sync);

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

/// The result of creating a booking: `created` is false when an earlier request
/// with the same idempotency key already made it.
#[derive(Debug, Clone)]
pub struct Created {
    pub booking: Booking,
    pub created: bool,
}

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Whether the store answers.
    async fn health(&self) -> StoreResult<()>;

    /// The 19 with their current populations.
    async fn municipalities(&self) -> StoreResult<Municipalities>;
    async fn set_population(&self, municipality: MunicipalityCode, population: Population) -> StoreResult<()>;

    /// Every enrolment status change, oldest first; replay them on the initial state.
    async fn status_changes(&self) -> StoreResult<Vec<StatusChange>>;
    /// Appends a change if the municipality's current status is still `change.from`.
    async fn record_status_change(&self, change: &StatusChange) -> StoreResult<()>;

    async fn rounds(&self) -> StoreResult<Rounds>;
    async fn set_rounds(&self, rounds: &Rounds) -> StoreResult<()>;

    /// The default cost-sharing parameters the budget view starts from.
    async fn budget_params(&self) -> StoreResult<PlanParams>;
    async fn set_budget_params(&self, params: &PlanParams) -> StoreResult<()>;

    /// The coordinator's working hours, exceptions and rules.
    async fn availability(&self) -> StoreResult<Availability>;
    async fn set_availability(&self, availability: &Availability) -> StoreResult<()>;

    async fn booking(&self, id: &BookingId) -> StoreResult<Booking>;
    /// Ordered by start.
    async fn bookings(&self, filter: &BookingFilter) -> StoreResult<Vec<Booking>>;

    /// Writes `booking` if `check` accepts it against the confirmed bookings
    /// ending after `now`, atomically. With an idempotency key that was seen
    /// before (for the same municipality), returns the booking made then.
    async fn create_booking(
        &self,
        booking: &Booking,
        idempotency_key: Option<&str>,
        now: Timestamp,
        check: BookingCheck<'_>,
    ) -> StoreResult<Created>;

    /// Marks a confirmed booking cancelled.
    async fn cancel_booking(
        &self,
        id: &BookingId,
        by: Actor,
        reason: Option<String>,
        at: Timestamp,
    ) -> StoreResult<Booking>;

    /// Moves a confirmed booking in one atomic step: `check` sees the other
    /// confirmed bookings (without this one); the old time is freed only if the
    /// new one is written.
    async fn reschedule_booking(
        &self,
        id: &BookingId,
        start: LocalTime,
        end: LocalTime,
        at: Timestamp,
        check: BookingCheck<'_>,
    ) -> StoreResult<Booking>;
}

/// Whether `change` may follow `last` (the municipality's last recorded change,
/// `None` before the first): it must start from the current status and not be
/// dated before `last`, so the stored history always replays. Both stores call
/// this inside their write, so a concurrent change is a `Conflict`.
pub(crate) fn check_appendable(change: &StatusChange, last: Option<&StatusChange>) -> StoreResult<()> {
    let name = change.municipality.name();
    let current = match last {
        Some(last) => last.to,
        None => dk2020_model::enrolment::Enrolment::initial_state().status(change.municipality),
    };
    if current != change.from {
        return Err(StoreError::Conflict(format!(
            "the status of {name} was changed meanwhile: it is now \"{current}\", not \"{}\"; reload and try again",
            change.from
        )));
    }
    if let Some(last) = last
        && change.at < last.at
    {
        return Err(StoreError::Conflict(format!(
            "the change of {name} is dated {}, before its last recorded change at {}",
            change.at, last.at
        )));
    }
    Ok(())
}
