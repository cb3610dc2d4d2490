//! Personal data (issue 17): how long the product keeps it, and what
//! erasing it leaves. The municipalities are the data controllers; this
//! module holds their rules, the API's `privacy` module applies them to a
//! store.
//!
//! What is personal here: a booking's topic, contact name and e-mail and its
//! cancellation reason; the mails owed about a booking (they carry the
//! booking); the manage links that open one; the person an audit entry
//! concerns and the e-mail of the session a change came through; staff
//! sessions; the e-mail in a credential's "issued by".
//!
//! Erasing a booking keeps what the statistics need: municipality, kind,
//! start, end and status (who cancelled, not why).

use jiff::{SignedDuration, Span, Timestamp};

use crate::{
    COPENHAGEN,
    audit::{AuditEntry, Via},
    booking::{Booking, BookingStatus, Email},
    credential::{Credential, Grant},
    outbox::{Delivery, Message},
};

/// How long each kind of personal data is kept (`DK2020_RETENTION_MONTHS`
/// sets the bookings'; the others are fixed, and shorter).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Retention {
    /// A booking's personal data, counted from the end of its session; the
    /// audit log's personal details, counted from the entry.
    pub booking_months: u32,
    /// Mails sent (or not to be sent), counted from when that was settled.
    pub delivered_mail: SignedDuration,
    /// Embed keys and calendar feeds, counted from their revocation (their
    /// lists show them as revoked meanwhile).
    pub revoked_credentials: SignedDuration,
}

impl Default for Retention {
    fn default() -> Self {
        Self {
            booking_months: Self::DEFAULT_BOOKING_MONTHS,
            delivered_mail: SignedDuration::from_hours(30 * 24),
            revoked_credentials: SignedDuration::from_hours(90 * 24),
        }
    }
}

impl Retention {
    pub const DEFAULT_BOOKING_MONTHS: u32 = 12;
    /// The longest a setting may ask for: ten years.
    pub const MAX_BOOKING_MONTHS: u32 = 120;

    /// With `months` for the bookings; refused outside 1 to 120.
    pub fn with_booking_months(months: u32) -> Result<Self, String> {
        if !(1..=Self::MAX_BOOKING_MONTHS).contains(&months) {
            return Err(format!("{months} months: give 1 to {} months", Self::MAX_BOOKING_MONTHS));
        }
        Ok(Self { booking_months: months, ..Self::default() })
    }

    /// Bookings whose session ended before this instant lose their personal
    /// data at `now`: `now` less the months, as calendar months in
    /// Copenhagen (12 months before 15 March 2028 10:00 is 15 March 2027 10:00).
    pub fn booking_cutoff(&self, now: Timestamp) -> Timestamp {
        let months = Span::new().months(i64::from(self.booking_months));
        now.to_zoned_datetime(COPENHAGEN.clone()).checked_sub(months).map_or(Timestamp::MIN, |z| z.timestamp())
    }

    /// Whether `booking` is past its retention at `now` (and still holds its data).
    pub fn booking_expired(&self, booking: &Booking, now: Timestamp) -> bool {
        !booking.is_erased() && booking.end.timestamp() <= self.booking_cutoff(now)
    }

    /// Whether `message` may go at `now` for its own sake: sent or dropped
    /// long enough ago. (Due and failed ones go with their booking's data.)
    pub fn message_expired(&self, message: &Message, now: Timestamp) -> bool {
        matches!(message.delivery, Delivery::Sent | Delivery::Dropped) && message.due + self.delivered_mail <= now
    }

    /// Whether `credential` may be forgotten at `now`: spent (an ended
    /// session, a revoked token past its `exp`) or revoked long enough ago.
    pub fn credential_expired(&self, credential: &Credential, now: Timestamp) -> bool {
        credential.is_spent(now) || credential.revoked_at.is_some_and(|at| at + self.revoked_credentials <= now)
    }

    /// Whether `entry` still names a person at `now` though it is past the retention.
    pub fn audit_details_expired(&self, entry: &AuditEntry, now: Timestamp) -> bool {
        names_a_person(entry) && entry.at <= self.booking_cutoff(now)
    }
}

/// `booking` without its contact's personal data, erased at `at`; an erased
/// booking stays as it is (the first erasure's time is kept).
pub fn erase_booking(booking: &Booking, at: Timestamp) -> Booking {
    let mut erased = booking.clone();
    erased.topic = None;
    erased.contact_name = None;
    erased.contact_email = None;
    if let BookingStatus::Cancelled { reason, .. } = &mut erased.status {
        *reason = None;
    }
    erased.erased_at = Some(booking.erased_at.unwrap_or(at));
    erased
}

/// Whether a message is about `booking` (any mail owed by one of its changes, or its reminder).
pub fn message_about(message: &Message, booking: &Booking) -> bool {
    message.notice.booking().id == booking.id
}

/// Whether an audit entry names a person: the one it concerns, or the
/// e-mail of the session it came through.
pub fn names_a_person(entry: &AuditEntry) -> bool {
    entry.person.is_some() || matches!(&entry.via, Via::Session { email: Some(_), .. })
}

/// Whether an audit entry names `email`.
pub fn audit_names(entry: &AuditEntry, email: &Email) -> bool {
    entry.person.as_ref().is_some_and(|p| p.same_address(email))
        || matches!(&entry.via, Via::Session { email: Some(e), .. } if e.same_address(email))
}

/// `entry` without the person it names; what changed, when and by which
/// role stays (the summaries never carry a person's data).
pub fn erase_audit_details(entry: &AuditEntry) -> AuditEntry {
    let mut erased = entry.clone();
    erased.person = None;
    if let Via::Session { email, .. } = &mut erased.via {
        *email = None;
    }
    erased
}

/// Whether a credential belongs to `email`: a session signed in with it,
/// or one issued by it.
pub fn credential_of(credential: &Credential, email: &Email) -> bool {
    matches!(&credential.grant, Grant::Session { email: e, .. } if e.same_address(email))
        || issued_by(credential, email)
}

/// Whether `email` appears in a credential's "issued by" ("sekretariatet (sek@kl.dk)").
pub fn issued_by(credential: &Credential, email: &Email) -> bool {
    credential.created_by.to_ascii_lowercase().contains(&email.as_str().to_ascii_lowercase())
}

/// A credential's "issued by" without `email` in it.
pub fn erase_issuer(credential: &Credential, email: &Email) -> Credential {
    let mut erased = credential.clone();
    let lower = erased.created_by.to_ascii_lowercase();
    let needle = email.as_str().to_ascii_lowercase();
    if let Some(at) = lower.find(&needle) {
        erased.created_by.replace_range(at..at + needle.len(), "slettet");
    }
    erased
}

#[cfg(test)]
mod tests;
