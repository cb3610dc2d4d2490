//! The audit log: every change, who made it, when and through what
//! credential. The secretariat reads it (`GET /api/audit`); a municipal IT
//! department asks for it when a booking or a key is disputed.
//!
//! Entries may name the person a change concerns (a booker's e-mail in
//! [`AuditEntry::person`]): the audit store is personal data and is erased
//! with the rest of a person's data; the logs never carry it.

use std::fmt;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::{actor::Actor, booking::Email};

/// What kind of change an entry records (`?kind=` of `GET /api/audit`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum AuditKind {
    BookingMade,
    BookingMoved,
    BookingCancelled,
    AvailabilityChanged,
    CalendarsChanged,
    MailSettingsChanged,
    EnrolmentChanged,
    PopulationChanged,
    BudgetChanged,
    ScenarioSaved,
    ScenarioDeleted,
    CredentialIssued,
    CredentialRevoked,
    SignedIn,
    SignedOut,
    SignInSettingsChanged,
    /// Insight: the secretariat read what the product holds about a person.
    PersonalDataViewed,
    /// Erasure on request, or by the retention.
    PersonalDataErased,
}

impl AuditKind {
    pub const ALL: [AuditKind; 18] = [
        AuditKind::BookingMade,
        AuditKind::BookingMoved,
        AuditKind::BookingCancelled,
        AuditKind::AvailabilityChanged,
        AuditKind::CalendarsChanged,
        AuditKind::MailSettingsChanged,
        AuditKind::EnrolmentChanged,
        AuditKind::PopulationChanged,
        AuditKind::BudgetChanged,
        AuditKind::ScenarioSaved,
        AuditKind::ScenarioDeleted,
        AuditKind::CredentialIssued,
        AuditKind::CredentialRevoked,
        AuditKind::SignedIn,
        AuditKind::SignedOut,
        AuditKind::SignInSettingsChanged,
        AuditKind::PersonalDataViewed,
        AuditKind::PersonalDataErased,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AuditKind::BookingMade => "booking_made",
            AuditKind::BookingMoved => "booking_moved",
            AuditKind::BookingCancelled => "booking_cancelled",
            AuditKind::AvailabilityChanged => "availability_changed",
            AuditKind::CalendarsChanged => "calendars_changed",
            AuditKind::MailSettingsChanged => "mail_settings_changed",
            AuditKind::EnrolmentChanged => "enrolment_changed",
            AuditKind::PopulationChanged => "population_changed",
            AuditKind::BudgetChanged => "budget_changed",
            AuditKind::ScenarioSaved => "scenario_saved",
            AuditKind::ScenarioDeleted => "scenario_deleted",
            AuditKind::CredentialIssued => "credential_issued",
            AuditKind::CredentialRevoked => "credential_revoked",
            AuditKind::SignedIn => "signed_in",
            AuditKind::SignedOut => "signed_out",
            AuditKind::SignInSettingsChanged => "sign_in_settings_changed",
            AuditKind::PersonalDataViewed => "personal_data_viewed",
            AuditKind::PersonalDataErased => "personal_data_erased",
        }
    }

    /// The Danish name the secretariat's view shows.
    pub fn danish(self) -> &'static str {
        match self {
            AuditKind::BookingMade => "Booking oprettet",
            AuditKind::BookingMoved => "Booking flyttet",
            AuditKind::BookingCancelled => "Booking aflyst",
            AuditKind::AvailabilityChanged => "Tilgængelighed ændret",
            AuditKind::CalendarsChanged => "Kalenderabonnement ændret",
            AuditKind::MailSettingsChanged => "Mailindstillinger ændret",
            AuditKind::EnrolmentChanged => "Tilmeldingsstatus ændret",
            AuditKind::PopulationChanged => "Indbyggertal ændret",
            AuditKind::BudgetChanged => "Budgetparametre ændret",
            AuditKind::ScenarioSaved => "Scenarie gemt",
            AuditKind::ScenarioDeleted => "Scenarie slettet",
            AuditKind::CredentialIssued => "Nøgle udstedt",
            AuditKind::CredentialRevoked => "Nøgle tilbagekaldt",
            AuditKind::SignedIn => "Logget ind",
            AuditKind::SignedOut => "Logget ud",
            AuditKind::SignInSettingsChanged => "Log-in-indstillinger ændret",
            AuditKind::PersonalDataViewed => "Indsigt i personoplysninger",
            AuditKind::PersonalDataErased => "Personoplysninger slettet",
        }
    }
}

impl fmt::Display for AuditKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for AuditKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        AuditKind::ALL.into_iter().find(|k| k.as_str() == s).ok_or_else(|| {
            let known: Vec<&str> = AuditKind::ALL.iter().map(|k| k.as_str()).collect();
            format!("unknown kind {s:?}; use one of {}", known.join(", "))
        })
    }
}

/// The credential a change was made through.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(tag = "through", rename_all = "snake_case")]
pub enum Via {
    /// A staff session (`ses_…`), signed in as `email` (`None` once that
    /// person's data was erased, [`crate::privacy`]).
    Session {
        id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        email: Option<Email>,
    },
    /// An intranet's embed key (`key_…`) and its label.
    EmbedKey { id: String, label: String },
    /// A machine token; `jti` when it has one.
    Token { jti: Option<String> },
    /// A contact's manage link from a booking mail.
    ManageLink,
    /// The product itself (a sign-in before there is a session).
    System,
}

impl fmt::Display for Via {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Via::Session { id, email: Some(email) } => write!(f, "session {id} ({email})"),
            Via::Session { id, email: None } => write!(f, "session {id}"),
            Via::EmbedKey { id, label } => write!(f, "indlejringsnøgle {id} «{label}»"),
            Via::Token { jti: Some(jti) } => write!(f, "token {jti}"),
            Via::Token { jti: None } => f.write_str("token uden id"),
            Via::ManageLink => f.write_str("link i bookingmail"),
            Via::System => f.write_str("systemet"),
        }
    }
}

/// One recorded change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct AuditEntry {
    /// `aud_…`, sorting by time.
    pub id: String,
    #[cfg_attr(feature = "openapi", schemars(with = "String"))]
    pub at: Timestamp,
    pub actor: Actor,
    pub via: Via,
    pub kind: AuditKind,
    /// What changed, in Danish ("Skive Kommune: onsite 3. marts 2027 kl. 09.00").
    pub summary: String,
    /// What it concerns: a booking id, a municipality code, a key id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// The person it concerns (a booker's e-mail), for insight and erasure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person: Option<Email>,
}

/// The first day the audit log can have an entry of: it came with the
/// release of November 2026, and every entry is dated by the app's clock.
/// The whole log is from here to now, a bounded range (DynamoDB reads a
/// partition per month: 2000-2099 would be 1,200 queries).
pub const LOG_SINCE: jiff::civil::Date = jiff::civil::date(2026, 11, 1);

/// `GET /api/audit`'s filter: from `from` up to `to` (exclusive), by
/// `actor` (a role, a municipality code or an e-mail, as it appears in the
/// entry) and `kind`. The API fills in the dates left out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditFilter {
    pub from: Timestamp,
    pub to: Timestamp,
    pub actor: Option<String>,
    pub kind: Option<AuditKind>,
}

impl AuditFilter {
    /// The whole log as of `now`: from [`LOG_SINCE`] on, a day's margin past `now`.
    pub fn whole_log(now: Timestamp) -> Self {
        let since = crate::time::at_local(LOG_SINCE.to_datetime(jiff::civil::Time::midnight()));
        Self::between(since, now + jiff::SignedDuration::from_hours(24))
    }

    /// Everything from `from` up to `to`.
    pub fn between(from: Timestamp, to: Timestamp) -> Self {
        Self { from, to, actor: None, kind: None }
    }

    pub fn matches(&self, entry: &AuditEntry) -> bool {
        entry.at >= self.from
            && entry.at < self.to
            && self.kind.is_none_or(|kind| entry.kind == kind)
            && self.actor.as_deref().is_none_or(|actor| entry.is_by(actor))
    }
}

impl AuditEntry {
    /// Whether `who` names this entry's actor: its role, its municipality's
    /// code, or the e-mail of the session it came through.
    pub fn is_by(&self, who: &str) -> bool {
        let who = who.trim();
        who.eq_ignore_ascii_case(self.actor.role().as_str())
            || self.actor.municipality().is_some_and(|m| m.get().to_string() == who)
            || matches!(&self.via, Via::Session { email: Some(email), .. } if email.as_str().eq_ignore_ascii_case(who))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::municipality::MunicipalityCode;

    fn entry(actor: Actor, via: Via, kind: AuditKind, at: &str) -> AuditEntry {
        AuditEntry {
            id: "aud_1".into(),
            at: at.parse().unwrap(),
            actor,
            via,
            kind,
            summary: String::new(),
            subject: None,
            person: None,
        }
    }

    #[test]
    fn the_filter_selects_by_time_actor_and_kind() {
        let skive = Actor::Municipality { municipality: MunicipalityCode::new(779).unwrap() };
        let email = Email::parse("sek@kl.dk").unwrap();
        let made = entry(skive, Via::Token { jti: None }, AuditKind::BookingMade, "2030-01-01T10:00:00Z");
        let signed_in = entry(
            Actor::Secretariat,
            Via::Session { id: "ses_1".into(), email: Some(email) },
            AuditKind::SignedIn,
            "2030-01-02T10:00:00Z",
        );
        let all =
            AuditFilter::between("2030-01-01T00:00:00Z".parse().unwrap(), "2031-01-01T00:00:00Z".parse().unwrap());
        let by = |filter: AuditFilter| [&made, &signed_in].into_iter().filter(|e| filter.matches(e)).count();
        assert_eq!(by(all.clone()), 2);
        assert_eq!(by(AuditFilter { actor: Some("779".into()), ..all.clone() }), 1);
        assert_eq!(by(AuditFilter { actor: Some("SEK@kl.dk".into()), ..all.clone() }), 1);
        assert_eq!(by(AuditFilter { actor: Some("coordinator".into()), ..all.clone() }), 0);
        assert_eq!(by(AuditFilter { kind: Some(AuditKind::SignedIn), ..all.clone() }), 1);
        let to = "2030-01-02T10:00:00Z".parse().unwrap();
        assert_eq!(by(AuditFilter { to, ..all }), 1, "`to` is exclusive");
    }

    #[test]
    fn every_kind_reads_back_from_its_name() {
        for kind in AuditKind::ALL {
            assert_eq!(kind.as_str().parse::<AuditKind>(), Ok(kind));
        }
        assert!("booking".parse::<AuditKind>().is_err());
    }
}
