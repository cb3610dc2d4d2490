//! The outbox: every message a booking change owes someone. A store records
//! [`owed_by`] the event in the same write as the change, so a confirmed
//! booking always has its mails due and a refused or rolled-back one has none;
//! a sender then delivers what is due, and this module decides what an
//! attempt's outcome makes of the message (sent, due again later, failed).

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::{
    lifecycle::Event,
    mail::{MailKind, Recipient, message_id},
};

/// Where a message is in its delivery.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    /// To be sent at `due`.
    Due,
    /// Accepted by the mail server at `due`.
    Sent,
    /// Given up after the last attempt (at `due`); the coordinator may send it again.
    Failed,
}

impl Delivery {
    pub fn as_str(self) -> &'static str {
        match self {
            Delivery::Due => "due",
            Delivery::Sent => "sent",
            Delivery::Failed => "failed",
        }
    }
}

/// Attempts before a message is marked failed, unless configured otherwise
/// (`DK2020_MAIL_ATTEMPTS`): with the backoff below, the last one is made
/// about four hours after the first.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 8;

/// The wait before the first retry; doubled for each further one.
pub const FIRST_RETRY: SignedDuration = SignedDuration::from_mins(2);

/// The longest wait between two attempts.
pub const LONGEST_RETRY: SignedDuration = SignedDuration::from_hours(2);

/// One message owed to one person.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// Stable for this event and recipient ([`message_id`]): the mail's
    /// `Message-ID`, so a resend after a crash is recognisably the same mail.
    pub id: String,
    pub recipient: Recipient,
    /// What happened: the booking as it is after the change, who and when.
    pub event: Event,
    pub delivery: Delivery,
    /// When to try next (due), or when it was sent or given up.
    pub due: Timestamp,
    /// Attempts made so far.
    pub attempts: u32,
    /// Why the last attempt failed, as the mail server or transport said.
    pub last_error: Option<String>,
}

/// The messages `event` owes: one to the contact and one to the coordinator,
/// due at once.
pub fn owed_by(event: &Event) -> Vec<Message> {
    [Recipient::Contact, Recipient::Coordinator]
        .into_iter()
        .map(|recipient| Message {
            id: message_id(event.booking(), MailKind::of(event), recipient),
            recipient,
            event: event.clone(),
            delivery: Delivery::Due,
            due: event.at(),
            attempts: 0,
            last_error: None,
        })
        .collect()
}

impl Message {
    /// The mail server accepted it at `now`.
    pub fn sent(mut self, now: Timestamp) -> Self {
        self.attempts += 1;
        self.delivery = Delivery::Sent;
        self.due = now;
        self.last_error = None;
        self
    }

    /// An attempt at `now` failed with `error`: due again after the backoff,
    /// or failed when it was the `max_attempts`-th.
    pub fn attempt_failed(mut self, error: impl Into<String>, now: Timestamp, max_attempts: u32) -> Self {
        self.attempts += 1;
        self.last_error = Some(error.into());
        if self.attempts >= max_attempts {
            self.delivery = Delivery::Failed;
            self.due = now;
        } else {
            self.due = now + retry_wait(self.attempts);
        }
        self
    }

    /// The coordinator's "send again" on a failed message: due now, with a
    /// fresh round of attempts. A message that is due or sent stays as it is.
    pub fn send_again(mut self, now: Timestamp) -> Self {
        if self.delivery == Delivery::Failed {
            self.delivery = Delivery::Due;
            self.due = now;
            self.attempts = 0;
        }
        self
    }
}

/// The wait after the `attempts`-th failed attempt: [`FIRST_RETRY`],
/// doubled each time, at most [`LONGEST_RETRY`].
pub fn retry_wait(attempts: u32) -> SignedDuration {
    let doublings = attempts.saturating_sub(1).min(16);
    let wait = FIRST_RETRY.as_secs().saturating_mul(1 << doublings);
    SignedDuration::from_secs(wait.min(LONGEST_RETRY.as_secs()))
}

#[cfg(test)]
mod tests;
