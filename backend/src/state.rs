//! What every handler gets: the store, the token keys and the clock.

use std::sync::Arc;

use jiff::Timestamp;
use tokio::sync::Notify;

use crate::{auth::TokenKeys, store::Store};

/// "Now" comes from here, so tests and demos can pin it (`DK2020_NOW`).
#[derive(Clone, Debug, Default)]
pub enum Clock {
    #[default]
    System,
    Fixed(Timestamp),
}

impl Clock {
    pub fn now(&self) -> Timestamp {
        match self {
            Clock::System => Timestamp::now(),
            Clock::Fixed(ts) => *ts,
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub keys: TokenKeys,
    pub clock: Clock,
    /// Wakes the mail sender ([`crate::mail::run`]) when a change made mail due.
    pub mail_wake: Arc<Notify>,
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, keys: TokenKeys, clock: Clock) -> Self {
        Self { store, keys, clock, mail_wake: Arc::default() }
    }

    /// A booking change recorded mail in the outbox: send it now, not at the
    /// sender's next look.
    pub fn mail_due(&self) {
        self.mail_wake.notify_one();
    }

    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }
}
