//! The outbox: every message a booking change owes someone. A store records
//! [`owed_by`] the event in the same write as the change, so a confirmed
//! booking always has its mails due and a refused or rolled-back one has none;
//! a sender then delivers what is due, and this module decides what an
//! attempt's outcome makes of the message (sent, due again later, failed).
//! Reminders are owed by time, not by a change: the sender records
//! [`reminder`] when a session comes within the reminder's lead.

use jiff::{SignedDuration, Timestamp};

use crate::booking::Booking;
use serde::{Deserialize, Serialize};

use crate::{
    lifecycle::Event,
    mail::{MailKind, Recipient, message_id},
};

/// Where a message is in its delivery.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    /// To be sent at `due`.
    Due,
    /// Accepted by the mail server at `due`.
    Sent,
    /// Given up after the last attempt (at `due`); the coordinator may send it again.
    Failed,
    /// Not sent, and never to be: a reminder of a session that was moved or
    /// cancelled before the reminder went out (at `due`).
    Dropped,
}

impl Delivery {
    pub fn as_str(self) -> &'static str {
        match self {
            Delivery::Due => "due",
            Delivery::Sent => "sent",
            Delivery::Failed => "failed",
            Delivery::Dropped => "dropped",
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
    /// What the message is about.
    pub notice: Notice,
    pub delivery: Delivery,
    /// When to try next (due), or when it was sent or given up.
    pub due: Timestamp,
    /// Attempts made so far.
    pub attempts: u32,
    /// Why the last attempt failed, as the mail server or transport said.
    pub last_error: Option<String>,
}

/// What a message is about.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "notice", rename_all = "snake_case")]
pub enum Notice {
    /// A change: the booking as it is after it, who and when.
    Event { event: Event },
    /// The session is near: the booking as it was when the reminder was made.
    Reminder { booking: Booking },
}

impl Notice {
    pub fn booking(&self) -> &Booking {
        match self {
            Notice::Event { event } => event.booking(),
            Notice::Reminder { booking } => booking,
        }
    }

    pub fn kind(&self) -> MailKind {
        match self {
            Notice::Event { event } => MailKind::of(event),
            Notice::Reminder { .. } => MailKind::Reminder,
        }
    }
}

fn due_now(notice: Notice, recipient: Recipient, at: Timestamp) -> Message {
    Message {
        id: message_id(notice.booking(), notice.kind(), recipient),
        recipient,
        notice,
        delivery: Delivery::Due,
        due: at,
        attempts: 0,
        last_error: None,
    }
}

/// The messages `event` owes: one to the contact (unless the booking's
/// personal data was erased) and one to the coordinator, due at once.
pub fn owed_by(event: &Event) -> Vec<Message> {
    let has_contact = event.booking().contact_email.is_some();
    [Recipient::Contact, Recipient::Coordinator]
        .into_iter()
        .filter(|r| *r == Recipient::Coordinator || has_contact)
        .map(|recipient| due_now(Notice::Event { event: event.clone() }, recipient, event.at()))
        .collect()
}

/// The reminder `booking`'s contact is owed at `now`, with reminders `lead`
/// before a session: when the session is confirmed and starts within the lead
/// from now, and was booked (or last moved) before the lead began, since a
/// session booked at short notice needs no reminder. The same booking and
/// sequence always give the same message, so recording it twice is harmless.
pub fn reminder(booking: &Booking, lead: SignedDuration, now: Timestamp) -> Option<Message> {
    let start = booking.start.timestamp();
    let window_opens = start - lead;
    let owed = booking.is_confirmed()
        && booking.contact_email.is_some()
        && window_opens <= now
        && now < start
        && booking.changed_at < window_opens;
    owed.then(|| due_now(Notice::Reminder { booking: booking.clone() }, Recipient::Contact, now))
}

/// Whether a due message is still worth sending, given the booking as it is
/// now (`None`: gone): a reminder only while its booking is confirmed and
/// unchanged since the reminder was made. Mails about changes always go.
pub fn still_current(message: &Message, booking: Option<&Booking>) -> bool {
    match &message.notice {
        Notice::Event { .. } => true,
        Notice::Reminder { booking: then } => {
            booking.is_some_and(|now| now.is_confirmed() && now.sequence == then.sequence)
        }
    }
}

impl Message {
    /// Not to be sent after all (see [`still_current`]), decided at `now`.
    pub fn dropped(mut self, now: Timestamp) -> Self {
        self.delivery = Delivery::Dropped;
        self.due = now;
        self
    }

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
