//! The coordinator's mail endpoints: the mails that could not be sent
//! (`GET /api/coordinator/outbox`, `POST …/{id}/send-again`) and her mail
//! settings (`GET`/`PUT /api/coordinator/mail-settings`), and revoking a
//! booking's manage links (`POST …/bookings/{id}/manage-links/revoke`).

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::{
    booking::{BookingId, Email},
    mail::{MailKind, Recipient},
    municipality::MunicipalityCode,
    outbox::Message,
    time::LocalTime,
};

/// A message given up on, as the coordinator's list shows it: whose mail,
/// about which booking, and why it failed (not the whole event).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct FailedMail {
    /// The message's id (its `Message-ID`): what `send-again` takes.
    pub id: String,
    /// The booking's contact person or the coordinator herself.
    pub recipient: Recipient,
    pub kind: MailKind,
    pub booking_id: BookingId,
    pub municipality: MunicipalityCode,
    /// The session's start as the mail gave it.
    pub start: LocalTime,
    /// The contact's address when the mail was for the contact.
    pub contact_email: Option<Email>,
    pub attempts: u32,
    /// What the mail server or transport said at the last attempt.
    pub last_error: Option<String>,
    /// When it was given up.
    #[cfg_attr(feature = "openapi", schemars(schema_with = "crate::openapi::timestamp"))]
    pub failed_at: Timestamp,
}

impl From<&Message> for FailedMail {
    fn from(message: &Message) -> Self {
        let booking = message.notice.booking();
        Self {
            id: message.id.clone(),
            recipient: message.recipient,
            kind: message.notice.kind(),
            booking_id: booking.id.clone(),
            municipality: booking.municipality,
            start: booking.start,
            contact_email: booking.contact_email.clone().filter(|_| message.recipient == Recipient::Contact),
            attempts: message.attempts,
            last_error: message.last_error.clone(),
            failed_at: message.due,
        }
    }
}

/// `GET /api/coordinator/outbox`: the failed mails, the latest first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct FailedMailsResponse {
    pub mails: Vec<FailedMail>,
}

/// `POST /api/coordinator/outbox/{id}/send-again`: the mail is due again.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct SentAgain {
    pub id: String,
    /// When the sender tries it (now).
    #[cfg_attr(feature = "openapi", schemars(schema_with = "crate::openapi::timestamp"))]
    pub due: Timestamp,
}

/// The coordinator's own mail settings (`GET`/`PUT
/// /api/coordinator/mail-settings`): the name and address the mails and
/// invitations give as organiser (her copy of every mail goes to the
/// address), and the link of her online meetings. A missing field takes the
/// server's configured value (`DK2020_COORDINATOR_NAME`,
/// `DK2020_COORDINATOR_EMAIL`, `DK2020_MEETING_LINK`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct MailSettings {
    /// 1-100 characters, no control characters; blank or missing: the configured name.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(length(max = MailSettings::MAX_NAME_CHARS)))]
    pub coordinator_name: Option<String>,
    #[serde(default)]
    pub coordinator_email: Option<Email>,
    /// An absolute `http://` or `https://` address, at most 500 characters; blank or missing: the configured link.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(length(max = MailSettings::MAX_LINK_CHARS)))]
    pub meeting_link: Option<String>,
}

/// Why mail settings are refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MailSettingsProblem {
    #[error("coordinator_name must be 1-100 characters without control characters")]
    Name,
    #[error("meeting_link must be an absolute http(s) URL of at most 500 characters")]
    MeetingLink,
}

impl MailSettingsProblem {
    /// The problem in Danish, for the widget.
    pub fn danish(self) -> &'static str {
        match self {
            MailSettingsProblem::Name => "Navnet skal være 1-100 tegn (uden linjeskift og andre styretegn).",
            MailSettingsProblem::MeetingLink => {
                "Mødelinket skal være en fuld adresse, der begynder med https:// (højst 500 tegn)."
            }
        }
    }
}

impl MailSettings {
    pub const MAX_NAME_CHARS: usize = 100;
    pub const MAX_LINK_CHARS: usize = 500;

    /// The name, address and link as given, trimmed, blank ones as none,
    /// checked: every problem at once.
    pub fn checked(self) -> Result<Self, Vec<MailSettingsProblem>> {
        let blank_none = |v: Option<String>| v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
        let settings = Self {
            coordinator_name: blank_none(self.coordinator_name),
            coordinator_email: self.coordinator_email,
            meeting_link: blank_none(self.meeting_link),
        };
        let mut problems = Vec::new();
        if settings.coordinator_name.as_deref().is_some_and(|n| !name_ok(n)) {
            problems.push(MailSettingsProblem::Name);
        }
        if settings.meeting_link.as_deref().is_some_and(|l| !link_ok(l)) {
            problems.push(MailSettingsProblem::MeetingLink);
        }
        if problems.is_empty() { Ok(settings) } else { Err(problems) }
    }

    /// Each field as stored, else as in `defaults` (the server's configuration).
    pub fn or(self, defaults: &MailSettings) -> MailSettings {
        MailSettings {
            coordinator_name: self.coordinator_name.or_else(|| defaults.coordinator_name.clone()),
            coordinator_email: self.coordinator_email.or_else(|| defaults.coordinator_email.clone()),
            meeting_link: self.meeting_link.or_else(|| defaults.meeting_link.clone()),
        }
    }
}

fn name_ok(name: &str) -> bool {
    let chars = name.chars().count();
    (1..=MailSettings::MAX_NAME_CHARS).contains(&chars) && !name.chars().any(char::is_control)
}

/// An absolute http(s) URL with a host, no spaces, control characters or
/// characters that would break out of a mail's HTML attribute or a header.
fn link_ok(link: &str) -> bool {
    if link.chars().count() > MailSettings::MAX_LINK_CHARS
        || link.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '"' | '<' | '>' | '\\' | '`'))
    {
        return false;
    }
    let lower = link.to_ascii_lowercase();
    let Some(rest) = lower.strip_prefix("https://").or_else(|| lower.strip_prefix("http://")) else { return false };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority.rsplit('@').next().unwrap_or_default();
    let host = host.split(':').next().unwrap_or_default();
    !host.is_empty() && host.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '[' | ']'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(name: Option<&str>, link: Option<&str>) -> MailSettings {
        MailSettings {
            coordinator_name: name.map(Into::into),
            coordinator_email: None,
            meeting_link: link.map(Into::into),
        }
    }

    #[test]
    fn names_and_meeting_links_are_checked_and_blank_is_none() {
        let ok =
            settings(Some("  Karen Klima "), Some("https://teams.microsoft.com/l/meetup-join/19%3a?x=1")).checked();
        assert_eq!(ok.unwrap().coordinator_name.as_deref(), Some("Karen Klima"));
        assert_eq!(settings(Some("  "), Some("")).checked().unwrap(), MailSettings::default());
        assert_eq!(settings(Some(&"x".repeat(100)), None).checked().map(|_| ()), Ok(()));
        assert_eq!(settings(Some(&"x".repeat(101)), None).checked(), Err(vec![MailSettingsProblem::Name]));
        assert_eq!(settings(Some("Karen\r\nBcc: x@y.dk"), None).checked(), Err(vec![MailSettingsProblem::Name]));
        for bad in [
            "teams.microsoft.com/x",
            "ftp://example.dk",
            "javascript:alert(1)",
            "https://",
            "https:///path",
            "https://exa mple.dk",
            "https://example.dk/\"><script>",
            &format!("https://example.dk/{}", "a".repeat(490)),
        ] {
            assert_eq!(
                settings(None, Some(bad)).checked(),
                Err(vec![MailSettingsProblem::MeetingLink]),
                "{bad:?} was accepted"
            );
        }
        assert_eq!(settings(Some(""), Some("http://zoom.us:8080/j/1")).checked().map(|_| ()), Ok(()));
    }

    #[test]
    fn a_field_not_stored_takes_the_configured_value() {
        let defaults = MailSettings {
            coordinator_name: Some("DK2020-koordinatoren".into()),
            coordinator_email: Some(Email::parse("koordinator@dk2020.invalid").unwrap()),
            meeting_link: Some("https://zoom.us/j/1".into()),
        };
        let stored = settings(Some("Karen"), None);
        let effective = stored.or(&defaults);
        assert_eq!(effective.coordinator_name.as_deref(), Some("Karen"));
        assert_eq!(effective.coordinator_email, defaults.coordinator_email);
        assert_eq!(effective.meeting_link, defaults.meeting_link);
    }
}

/// The answer to revoking a booking's manage links.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct ManageLinksRevoked {
    /// How many links stopped working (one per mail sent to the contact).
    pub revoked: u32,
}
