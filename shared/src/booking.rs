//! Advisory sessions booked with the coordinator, and the validated fields a
//! booking carries.

use std::fmt;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::{actor::Actor, municipality::MunicipalityCode, time::LocalTime};

/// On site at the municipality's town hall, or online.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum SessionKind {
    Onsite,
    Online,
}

impl SessionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SessionKind::Onsite => "onsite",
            SessionKind::Online => "online",
        }
    }

    /// Danish label for the UI and the calendar.
    pub fn label_da(self) -> &'static str {
        match self {
            SessionKind::Onsite => "Besøg på rådhuset",
            SessionKind::Online => "Onlinemøde",
        }
    }
}

impl fmt::Display for SessionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for SessionKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "onsite" => Ok(SessionKind::Onsite),
            "online" => Ok(SessionKind::Online),
            other => Err(format!("unknown session kind {other:?}: use onsite or online")),
        }
    }
}

/// Why a field of a booking request was refused; the message is for people.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldError {
    #[error("{field} must not be empty")]
    Empty { field: &'static str },
    #[error("{field} is too long: at most {max} characters")]
    TooLong { field: &'static str, max: usize },
    #[error("{field} must not contain control characters")]
    ControlCharacters { field: &'static str },
    #[error("{0:?} is not a valid e-mail address")]
    Email(String),
    #[error("{0:?} is not a valid booking id")]
    BookingId(String),
}

pub(crate) fn checked_text(field: &'static str, value: &str, max: usize) -> Result<String, FieldError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(FieldError::Empty { field });
    }
    if value.chars().count() > max {
        return Err(FieldError::TooLong { field, max });
    }
    if value.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(FieldError::ControlCharacters { field });
    }
    Ok(value.to_string())
}

macro_rules! text_field {
    ($(#[$doc:meta])* $name:ident, $field:literal, $max:literal) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub const MAX_CHARS: usize = $max;
            pub fn parse(value: &str) -> Result<Self, FieldError> {
                $crate::booking::checked_text($field, value, $max).map(Self)
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = FieldError;
            fn try_from(value: String) -> Result<Self, FieldError> {
                Self::parse(&value)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

pub(crate) use text_field;

text_field!(
    /// What the session is about, trimmed, 1-200 characters.
    Topic, "topic", 200
);
text_field!(
    /// The municipality's contact person, trimmed, 1-100 characters.
    ContactName, "contact_name", 100
);
text_field!(
    /// Why a session was cancelled, trimmed, 1-500 characters.
    CancelReason, "reason", 500
);

/// A plausible e-mail address (one `@`, a dotted domain, no spaces), at most 254 characters.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    /// The longest address RFC 5321 allows.
    pub const MAX_CHARS: usize = 254;

    pub fn parse(value: &str) -> Result<Self, FieldError> {
        let value = value.trim();
        let bad = || FieldError::Email(value.to_string());
        if value.is_empty() {
            return Err(FieldError::Empty { field: "contact_email" });
        }
        if value.len() > Self::MAX_CHARS || value.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad());
        }
        let (local, domain) = value.split_once('@').ok_or_else(bad)?;
        let domain_ok = !domain.contains('@')
            && domain.contains('.')
            && domain.split('.').all(|label| !label.is_empty() && !label.starts_with('-') && !label.ends_with('-'));
        if local.is_empty() || local.len() > 64 || !domain_ok {
            return Err(bad());
        }
        Ok(Self(value.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the two are the same mailbox: domains are case-insensitive,
    /// and in practice so are the local parts of every Danish municipality's mail.
    pub fn same_address(&self, other: &Email) -> bool {
        self.0.eq_ignore_ascii_case(&other.0)
    }
}

impl TryFrom<String> for Email {
    type Error = FieldError;
    fn try_from(value: String) -> Result<Self, FieldError> {
        Self::parse(&value)
    }
}

impl From<Email> for String {
    fn from(value: Email) -> String {
        value.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A booking's id: 1-64 characters of `A-Z a-z 0-9 - _`. The API makes them.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct BookingId(String);

impl BookingId {
    pub fn parse(value: &str) -> Result<Self, FieldError> {
        let ok = !value.is_empty()
            && value.len() <= 64
            && value.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if ok { Ok(Self(value.to_string())) } else { Err(FieldError::BookingId(value.to_string())) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for BookingId {
    type Error = FieldError;
    fn try_from(value: String) -> Result<Self, FieldError> {
        Self::parse(&value)
    }
}

impl From<BookingId> for String {
    fn from(value: BookingId) -> String {
        value.0
    }
}

impl fmt::Display for BookingId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// JSON: `{"state": "confirmed"}` or `{"state": "cancelled", "by": {...}, "reason": "…"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(Deserialize))]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum BookingStatus {
    Confirmed,
    Cancelled { by: Actor, reason: Option<String> },
}

impl BookingStatus {
    /// `confirmed` or `cancelled`: the `state` of the JSON, and what the
    /// stores index bookings by.
    pub fn state(&self) -> &'static str {
        match self {
            BookingStatus::Confirmed => "confirmed",
            BookingStatus::Cancelled { .. } => "cancelled",
        }
    }
}

/// In the wasm: read by hand, without serde's buffering (see [`crate::tagged`]).
#[cfg(target_arch = "wasm32")]
impl<'de> Deserialize<'de> for BookingStatus {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crate::tagged::booking_status(d)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Booking {
    pub id: BookingId,
    pub municipality: MunicipalityCode,
    pub kind: SessionKind,
    pub start: LocalTime,
    pub end: LocalTime,
    /// The contact's fields: personal data, `None` once erased (by the
    /// retention or on request, [`crate::privacy`]); then `erased_at` says when.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<Topic>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_name: Option<ContactName>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_email: Option<Email>,
    pub status: BookingStatus,
    #[serde(deserialize_with = "crate::time::deserialize_timestamp")]
    #[cfg_attr(feature = "openapi", schemars(schema_with = "crate::openapi::timestamp"))]
    pub created_at: Timestamp,
    #[serde(deserialize_with = "crate::time::deserialize_timestamp")]
    #[cfg_attr(feature = "openapi", schemars(schema_with = "crate::openapi::timestamp"))]
    pub changed_at: Timestamp,
    /// How often the booking changed since it was made: 0 when booked, one
    /// more for each move and for the cancellation. The iCalendar `SEQUENCE`
    /// of its invitations, so a calendar applies the latest. (Absent in
    /// bookings stored before it existed: 0.)
    #[serde(default)]
    pub sequence: u32,
    /// When the contact's personal data was erased; `None` while it is kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schemars(schema_with = "crate::openapi::optional_timestamp"))]
    pub erased_at: Option<Timestamp>,
}

impl Booking {
    pub fn is_confirmed(&self) -> bool {
        matches!(self.status, BookingStatus::Confirmed)
    }

    /// Whether its contact's personal data has been erased.
    pub fn is_erased(&self) -> bool {
        self.erased_at.is_some()
    }

    /// Whether `email` is its contact's address (case does not matter).
    pub fn is_contact(&self, email: &Email) -> bool {
        self.contact_email.as_ref().is_some_and(|e| e.same_address(email))
    }

    /// Whether `[start, end)` of the two overlap.
    pub fn overlaps(&self, start: LocalTime, end: LocalTime) -> bool {
        self.start < end && start < self.end
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contact_fields_are_trimmed_and_checked() {
        assert_eq!(Topic::parse("  Klimaplan  ").unwrap().as_str(), "Klimaplan");
        assert!(matches!(Topic::parse("   "), Err(FieldError::Empty { .. })));
        assert!(matches!(ContactName::parse(&"x".repeat(101)), Err(FieldError::TooLong { max: 100, .. })));
        assert!(ContactName::parse("Ann\u{0}").is_err());
    }

    #[test]
    fn e_mail_addresses_must_look_like_e_mail_addresses() {
        assert!(Email::parse("klima@skive.dk").is_ok());
        assert!(Email::parse("first.last+tag@sub.randers.dk").is_ok());
        for bad in ["", "klima", "klima@", "@skive.dk", "klima@skive", "a b@skive.dk", "a@b@c.dk", "a@.dk"] {
            assert!(Email::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn booking_ids_are_url_safe() {
        assert!(BookingId::parse("01HX-abc_9").is_ok());
        assert!(BookingId::parse("../etc").is_err());
        assert!(BookingId::parse("").is_err());
    }

    #[test]
    fn session_kinds_use_the_api_names() {
        assert_eq!(serde_json::to_string(&SessionKind::Onsite).unwrap(), "\"onsite\"");
        assert_eq!("online".parse::<SessionKind>().unwrap(), SessionKind::Online);
    }
}
