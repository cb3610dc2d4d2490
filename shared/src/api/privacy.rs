//! Insight and erasure on request (GDPR articles 15 and 17): what the
//! product holds about one e-mail address (`GET /api/privacy/subjects?email=…`,
//! JSON or a Danish text), and erasing it (`POST /api/privacy/subjects/erase`).

use std::fmt::Write as _;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::{
    actor::Actor,
    audit::AuditEntry,
    booking::{Booking, BookingId, BookingStatus, Email},
    credential::{Credential, CredentialKind, Grant},
    format,
    mail::{MailKind, Recipient},
    municipality::Municipalities,
    outbox::{Delivery, Message},
    time::LocalTime,
};

/// `POST /api/privacy/subjects/erase`: `{"email": "anne@skive.dk"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct SubjectRequest {
    pub email: Email,
}

/// A mail about one of the person's bookings, without its text.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct SubjectMail {
    pub id: String,
    pub booking_id: BookingId,
    pub recipient: Recipient,
    pub kind: MailKind,
    pub delivery: Delivery,
    /// When it is due, or when it was sent or given up.
    #[cfg_attr(feature = "openapi", schemars(schema_with = "crate::openapi::timestamp"))]
    pub at: Timestamp,
}

impl From<&Message> for SubjectMail {
    fn from(message: &Message) -> Self {
        Self {
            id: message.id.clone(),
            booking_id: message.notice.booking().id.clone(),
            recipient: message.recipient,
            kind: message.notice.kind(),
            delivery: message.delivery,
            at: message.due,
        }
    }
}

/// A credential of the person's: a session signed in with the address, or
/// a key or feed issued by it. Never the secret (the store has only its hash).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct SubjectCredential {
    pub id: String,
    pub kind: CredentialKind,
    pub label: String,
    /// The role of a session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<Actor>,
    pub created_by: String,
    #[cfg_attr(feature = "openapi", schemars(schema_with = "crate::openapi::timestamp"))]
    pub created_at: Timestamp,
    #[cfg_attr(feature = "openapi", schemars(schema_with = "crate::openapi::optional_timestamp"))]
    pub last_used: Option<Timestamp>,
    #[cfg_attr(feature = "openapi", schemars(schema_with = "crate::openapi::optional_timestamp"))]
    pub revoked_at: Option<Timestamp>,
}

impl From<&Credential> for SubjectCredential {
    fn from(c: &Credential) -> Self {
        Self {
            id: c.id.clone(),
            kind: c.kind(),
            label: c.label.clone(),
            actor: match &c.grant {
                Grant::Session { actor, .. } => Some(*actor),
                _ => None,
            },
            created_by: c.created_by.clone(),
            created_at: c.created_at,
            last_used: c.last_used,
            revoked_at: c.revoked_at,
        }
    }
}

/// `GET /api/privacy/subjects?email=…`: everything the product holds about
/// one address (article 15), as of `generated_at`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct SubjectReport {
    pub email: Email,
    #[cfg_attr(feature = "openapi", schemars(schema_with = "crate::openapi::timestamp"))]
    pub generated_at: Timestamp,
    /// The bookings with this contact address, by start.
    pub bookings: Vec<Booking>,
    /// The mails about those bookings still kept.
    pub mails: Vec<SubjectMail>,
    /// The audit entries that name the address.
    pub audit: Vec<AuditEntry>,
    /// Its sessions, and the keys and feeds it issued.
    pub credentials: Vec<SubjectCredential>,
}

/// `POST /api/privacy/subjects/erase`, and what a run of the retention
/// removed: how many of each.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Erasure {
    /// Bookings whose personal data was erased (municipality, kind, time and status stay).
    pub bookings: u32,
    /// Mails deleted.
    pub mails: u32,
    /// Manage links deleted.
    pub manage_links: u32,
    /// Audit entries whose personal details were erased (the entries stay).
    pub audit_entries: u32,
    /// Sessions, keys and feeds deleted, or their issuer's address erased.
    pub credentials: u32,
}

impl Erasure {
    pub fn total(&self) -> u32 {
        self.bookings + self.mails + self.manage_links + self.audit_entries + self.credentials
    }

    pub fn add(&mut self, other: Erasure) {
        self.bookings += other.bookings;
        self.mails += other.mails;
        self.manage_links += other.manage_links;
        self.audit_entries += other.audit_entries;
        self.credentials += other.credentials;
    }

    /// In Danish, for the audit log and the secretariat's view.
    pub fn danish(&self) -> String {
        format!(
            "{} bookinger, {} mails, {} administrationslinks, {} logposter, {} sessioner og nøgler",
            self.bookings, self.mails, self.manage_links, self.audit_entries, self.credentials
        )
    }
}

fn date_time(at: Timestamp) -> String {
    format::date_time(LocalTime::new(at))
}

impl SubjectReport {
    /// The readable Danish version (`?format=text`): what a person asking
    /// for insight is sent.
    pub fn danish_text(&self, municipalities: &Municipalities) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "Oplysninger om {} i DK2020-planlæggeren", self.email);
        let _ = writeln!(out, "Udtrukket {}\n", date_time(self.generated_at));
        let _ = writeln!(out, "Bookinger af vejledning ({})", self.bookings.len());
        if self.bookings.is_empty() {
            let _ = writeln!(out, "  Ingen.");
        }
        for b in &self.bookings {
            let kommune = &municipalities.get(b.municipality).name;
            let _ = writeln!(
                out,
                "- {}, {} Kommune, {}",
                format::date_time_span(b.start, b.end),
                kommune,
                b.kind.label_da()
            );
            if let Some(topic) = &b.topic {
                let _ = writeln!(out, "  Emne: {topic}");
            }
            if let (Some(name), Some(email)) = (&b.contact_name, &b.contact_email) {
                let _ = writeln!(out, "  Kontaktperson: {name} ({email})");
            }
            match &b.status {
                BookingStatus::Confirmed => {
                    let _ = writeln!(out, "  Status: bekræftet");
                }
                BookingStatus::Cancelled { reason, .. } => {
                    let _ = writeln!(out, "  Status: aflyst");
                    if let Some(reason) = reason {
                        let _ = writeln!(out, "  Begrundelse: {reason}");
                    }
                }
            }
            let _ = writeln!(out, "  Booket {}", date_time(b.created_at));
        }
        let _ = writeln!(out, "\nMails om bookingerne ({})", self.mails.len());
        for m in &self.mails {
            let to = match m.recipient {
                Recipient::Contact => "til kontaktpersonen",
                Recipient::Coordinator => "til koordinatoren",
            };
            let state = match m.delivery {
                Delivery::Due => "venter på afsendelse",
                Delivery::Sent => "sendt",
                Delivery::Failed => "kunne ikke sendes",
                Delivery::Dropped => "ikke sendt",
            };
            let _ = writeln!(out, "- {} {to}, {state} {}", m.kind.danish(), date_time(m.at));
        }
        let _ = writeln!(out, "\nLogposter, der nævner adressen ({})", self.audit.len());
        for e in &self.audit {
            let _ = writeln!(out, "- {}: {}: {}", date_time(e.at), e.kind.danish(), e.summary);
        }
        let _ = writeln!(out, "\nLog-ind og nøgler ({})", self.credentials.len());
        for c in &self.credentials {
            let _ = writeln!(out, "- {} «{}», oprettet {}", c.kind.danish_name(), c.label, date_time(c.created_at));
        }
        out
    }
}
