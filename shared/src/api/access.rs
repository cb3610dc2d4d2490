//! Credentials on the wire: the secretariat's embed keys (`GET`/`POST
//! /api/embed-keys`, `POST …/{id}/revoke`), the coordinator's calendar
//! feeds (`GET`/`POST /api/calendar/feeds`, `POST …/{id}/revoke`), revoked
//! machine tokens (`GET /api/tokens/revoked`, `POST /api/tokens/{jti}/revoke`),
//! the signed-in person (`GET /api/session`) and the audit log
//! (`GET /api/audit`). A secret is in the answer that creates it, once.

use std::fmt;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::{
    actor::Actor,
    audit::AuditEntry,
    booking::{Email, FieldError, text_field},
    credential::{Credential, Grant, Origin},
    municipality::MunicipalityCode,
};

text_field!(
    /// What a key or feed is for ("Skives intranet", "Outlook på telefonen"), trimmed, 1-80 characters.
    CredentialLabel, "label", 80
);

/// `POST /api/embed-keys`:
/// `{"municipality": 779, "label": "Skives intranet", "origins": ["https://intranet.skive.dk"]}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct NewEmbedKey {
    pub municipality: MunicipalityCode,
    #[cfg_attr(feature = "openapi", schemars(with = "String", length(min = 1, max = 80)))]
    pub label: CredentialLabel,
    /// The intranet pages' origins (`https://host[:port]`), 1-10 (422 otherwise).
    #[cfg_attr(feature = "openapi", schemars(with = "Vec<String>"))]
    pub origins: Vec<Origin>,
}

/// One embed key as the secretariat sees it; `key` only in the answer
/// that creates it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct EmbedKeyInfo {
    pub id: String,
    pub municipality: MunicipalityCode,
    pub label: String,
    #[cfg_attr(feature = "openapi", schemars(with = "Vec<String>"))]
    pub origins: Vec<Origin>,
    pub created_by: String,
    #[cfg_attr(feature = "openapi", schemars(with = "String"))]
    pub created_at: Timestamp,
    #[cfg_attr(feature = "openapi", schemars(schema_with = "crate::openapi::optional_timestamp"))]
    pub last_used: Option<Timestamp>,
    #[cfg_attr(feature = "openapi", schemars(schema_with = "crate::openapi::optional_timestamp"))]
    pub revoked_at: Option<Timestamp>,
    /// The key itself (`dke_…`), for the widget's `key` attribute: shown once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

impl EmbedKeyInfo {
    /// The list entry of a stored key; `None` for another kind of credential.
    pub fn of(credential: &Credential) -> Option<Self> {
        let Grant::EmbedKey { municipality, origins } = &credential.grant else { return None };
        Some(Self {
            id: credential.id.clone(),
            municipality: *municipality,
            label: credential.label.clone(),
            origins: origins.clone(),
            created_by: credential.created_by.clone(),
            created_at: credential.created_at,
            last_used: credential.last_used,
            revoked_at: credential.revoked_at,
            key: None,
        })
    }
}

/// `GET /api/embed-keys`: every key, the oldest first, revoked ones too.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct EmbedKeysResponse {
    pub keys: Vec<EmbedKeyInfo>,
}

/// `POST /api/calendar/feeds`: `{"label": "Outlook på telefonen"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct NewCalendarFeed {
    #[cfg_attr(feature = "openapi", schemars(with = "String", length(min = 1, max = 80)))]
    pub label: CredentialLabel,
}

/// One feed secret as the coordinator sees it; `url` (with the secret)
/// only in the answer that creates it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct CalendarFeedInfo {
    pub id: String,
    pub label: String,
    #[cfg_attr(feature = "openapi", schemars(with = "String"))]
    pub created_at: Timestamp,
    #[cfg_attr(feature = "openapi", schemars(schema_with = "crate::openapi::optional_timestamp"))]
    pub last_used: Option<Timestamp>,
    #[cfg_attr(feature = "openapi", schemars(schema_with = "crate::openapi::optional_timestamp"))]
    pub revoked_at: Option<Timestamp>,
    /// The subscription address, `…/api/calendar/dkf_….ics`: shown once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

impl CalendarFeedInfo {
    pub fn of(credential: &Credential) -> Self {
        Self {
            id: credential.id.clone(),
            label: credential.label.clone(),
            created_at: credential.created_at,
            last_used: credential.last_used,
            revoked_at: credential.revoked_at,
            url: None,
        }
    }
}

/// `GET /api/calendar/feeds`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct CalendarFeedsResponse {
    pub feeds: Vec<CalendarFeedInfo>,
}

/// A revoked machine token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct RevokedToken {
    pub jti: String,
    #[cfg_attr(feature = "openapi", schemars(with = "String"))]
    pub revoked_at: Timestamp,
    pub revoked_by: String,
}

impl RevokedToken {
    pub fn of(credential: &Credential) -> Self {
        Self {
            jti: credential.id.clone(),
            revoked_at: credential.revoked_at.unwrap_or(credential.created_at),
            revoked_by: credential.created_by.clone(),
        }
    }
}

/// `GET /api/tokens/revoked`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct RevokedTokensResponse {
    pub tokens: Vec<RevokedToken>,
}

/// `GET /api/session`: who is signed in on this browser, and the CSRF token
/// its pages send with every change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct SessionInfo {
    pub actor: Actor,
    pub email: Email,
    pub csrf: String,
    #[cfg_attr(feature = "openapi", schemars(schema_with = "crate::openapi::optional_timestamp"))]
    pub expires_at: Option<Timestamp>,
}

/// `GET /api/audit`: the entries, the oldest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct AuditResponse {
    pub entries: Vec<AuditEntry>,
}
