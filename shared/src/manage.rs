//! The manage link: the key in the contact's mails that opens one booking on
//! a small page of its own, to see it, move it or cancel it without the
//! intranet (issue 13). A key is random and shown only in the mail; the
//! stores keep its SHA-256 hash, so a copy of the database opens nothing.
//! Each mail to the contact carries a key of its own, each revocable; every
//! key of a booking stops working once the session has ended.
//!
//! This module holds the rules: what a key looks like and when a known key
//! still opens its booking. Making keys and hashing them is the API's.

use jiff::Timestamp;

use crate::booking::Booking;

/// What every key starts with: a key found somewhere (a log, a paste) is
/// recognisably one of ours.
pub const KEY_PREFIX: &str = "dkm_";

/// The characters after the prefix: 32 random bytes, base64url without padding.
pub const KEY_CHARS: usize = 43;

/// Whether `key` has the shape of a key (prefix, length, alphabet): anything
/// else is refused before the store is asked.
pub fn is_key_shaped(key: &str) -> bool {
    key.strip_prefix(KEY_PREFIX).is_some_and(|rest| {
        rest.len() == KEY_CHARS && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    })
}

/// Why a manage link does not open its booking.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LinkRefusal {
    /// Not a key we issued, or one the coordinator revoked.
    #[error("the manage link is not valid (mistyped, incomplete or revoked)")]
    Unknown,
    /// The session has ended: nothing left to manage.
    #[error("the manage link has expired: the session has ended")]
    Expired,
}

/// Whether a known key still opens `booking` at `now`: until the session
/// has ended (cancelled ones too, to show that they are cancelled).
pub fn opens(booking: &Booking, now: Timestamp) -> Result<(), LinkRefusal> {
    if booking.end.timestamp() <= now { Err(LinkRefusal::Expired) } else { Ok(()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_keys_of_the_issued_shape_are_looked_up() {
        let good = format!("{KEY_PREFIX}{}", "aZ09-_".repeat(7) + "x");
        assert!(is_key_shaped(&good), "{good}");
        assert!(!is_key_shaped(&good[..good.len() - 1]), "one character short");
        assert!(!is_key_shaped(&format!("{good}x")), "one character long");
        assert!(!is_key_shaped(&good.replacen("dkm_", "dkx_", 1)), "another prefix");
        assert!(!is_key_shaped(&good.replacen('x', "=", 1)), "padding");
        assert!(!is_key_shaped(&good.replacen('x', "\n", 1)), "a line break");
        assert!(!is_key_shaped("eyJhbGciOiJIUzI1NiJ9.e30.sig"), "a bearer token");
    }

    #[test]
    fn a_link_opens_its_booking_until_the_session_has_ended_cancelled_or_not() {
        use jiff::{SignedDuration, civil::date};

        use crate::{
            Actor, BookingId, BookingStatus, ContactName, Email, LocalTime, MunicipalityCode, SessionKind, Topic,
        };
        let start = LocalTime::from_local(date(2026, 12, 8).at(9, 0, 0, 0));
        let end = LocalTime::new(start.timestamp() + SignedDuration::from_hours(1));
        let mut booking = Booking {
            id: BookingId::parse("b-1").unwrap(),
            municipality: MunicipalityCode::new(779).unwrap(),
            kind: SessionKind::Online,
            start,
            end,
            topic: Some(Topic::parse("Klimaplan").unwrap()),
            contact_name: Some(ContactName::parse("Ann Jensen").unwrap()),
            contact_email: Some(Email::parse("klima@skive.dk").unwrap()),
            status: BookingStatus::Confirmed,
            created_at: start.timestamp(),
            changed_at: start.timestamp(),
            sequence: 0,
            erased_at: None,
        };
        let second = SignedDuration::from_secs(1);
        assert_eq!(opens(&booking, start.timestamp() - SignedDuration::from_hours(48)), Ok(()));
        assert_eq!(opens(&booking, end.timestamp() - second), Ok(()), "during the session");
        assert_eq!(opens(&booking, end.timestamp()), Err(LinkRefusal::Expired));
        booking.status = BookingStatus::Cancelled { by: Actor::Coordinator, reason: None };
        assert_eq!(opens(&booking, start.timestamp()), Ok(()), "a cancelled booking is shown as cancelled");
    }
}
