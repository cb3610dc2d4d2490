//! Credentials the product issues and can revoke one by one: the intranets'
//! embed keys, the coordinator's calendar-feed secrets, staff sessions and
//! the revocation list of machine tokens (their `jti`).
//!
//! Every credential is a random secret shown once; the store keeps only its
//! SHA-256 (the backend's `secret` module makes and hashes them), with who
//! made it, when, when it was last used and when it was revoked. What a
//! credential allows is its [`Grant`]; the rules of using one (revoked,
//! expired, the wrong origin, the sliding session) live here.

use std::fmt;

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::{actor::Actor, booking::Email, municipality::MunicipalityCode};

/// The kinds of credential, each with the prefix of its secret, so a
/// presented secret says where to look it up.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum CredentialKind {
    /// `<dk2020-widget key="dke_…">` on a municipality's intranet.
    EmbedKey,
    /// `GET /api/calendar/dkf_….ics`.
    CalendarFeed,
    /// A staff member's sign-in (the `dk2020_session` cookie, `dks_…`).
    Session,
    /// A machine token's `jti`, revoked before its `exp`.
    RevokedToken,
}

impl CredentialKind {
    pub const ALL: [CredentialKind; 4] =
        [CredentialKind::EmbedKey, CredentialKind::CalendarFeed, CredentialKind::Session, CredentialKind::RevokedToken];

    /// The prefix of the secret (and, for ids, `key_`, `feed_`, `ses_`).
    pub fn secret_prefix(self) -> &'static str {
        match self {
            CredentialKind::EmbedKey => "dke_",
            CredentialKind::CalendarFeed => "dkf_",
            CredentialKind::Session => "dks_",
            CredentialKind::RevokedToken => "",
        }
    }

    pub fn id_prefix(self) -> &'static str {
        match self {
            CredentialKind::EmbedKey => "key_",
            CredentialKind::CalendarFeed => "feed_",
            CredentialKind::Session => "ses_",
            CredentialKind::RevokedToken => "",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CredentialKind::EmbedKey => "embed_key",
            CredentialKind::CalendarFeed => "calendar_feed",
            CredentialKind::Session => "session",
            CredentialKind::RevokedToken => "revoked_token",
        }
    }

    /// What a message calls it.
    pub fn danish_name(self) -> &'static str {
        match self {
            CredentialKind::EmbedKey => "indlejringsnøgle",
            CredentialKind::CalendarFeed => "kalenderlink",
            CredentialKind::Session => "session",
            CredentialKind::RevokedToken => "tilbagekaldt token",
        }
    }

    /// Whether `secret` looks like one of this kind's (prefix and 43
    /// base64url characters: 32 random bytes), so junk is refused before
    /// any lookup.
    pub fn is_secret_shaped(self, secret: &str) -> bool {
        let prefix = self.secret_prefix();
        !prefix.is_empty()
            && secret.strip_prefix(prefix).is_some_and(|rest| {
                rest.len() == 43 && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            })
    }
}

impl fmt::Display for CredentialKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A web origin an embed key may be used from: `https://host[:port]`
/// (`http://` only for `localhost` and `127.0.0.1`, for demos and tests),
/// lower case, no path: exactly what a browser sends as `Origin`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(try_from = "String", into = "String")]
pub struct Origin(String);

impl Origin {
    pub fn parse(value: &str) -> Result<Self, String> {
        let value = value.trim().trim_end_matches('/').to_ascii_lowercase();
        let refused = || {
            format!(
                "{value:?} is not an origin: give the intranet's scheme and host, e.g. https://intranet.skive.dk (no path)"
            )
        };
        let (scheme, rest) = value.split_once("://").ok_or_else(refused)?;
        let host = rest.rsplit_once(':').map_or(rest, |(host, port)| {
            if !port.is_empty() && port.len() <= 5 && port.bytes().all(|b| b.is_ascii_digit()) { host } else { rest }
        });
        let host_ok = !host.is_empty()
            && host.len() <= 253
            && host.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
            && !host.starts_with(['.', '-']);
        if !host_ok || rest.contains(['/', '?', '#', '@']) {
            return Err(refused());
        }
        match scheme {
            "https" => Ok(Self(value)),
            "http" if host == "localhost" || host == "127.0.0.1" => Ok(Self(value)),
            "http" => Err(format!("{value:?} must use https:// (http:// only for localhost)")),
            _ => Err(refused()),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Origin {
    type Error = String;
    fn try_from(value: String) -> Result<Self, String> {
        Self::parse(&value)
    }
}

impl From<Origin> for String {
    fn from(value: Origin) -> String {
        value.0
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The most origins one embed key may name.
pub const MAX_ORIGINS: usize = 10;

/// What a credential allows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Grant {
    /// The booking view of one municipality, from the listed origins only.
    EmbedKey { municipality: MunicipalityCode, origins: Vec<Origin> },
    /// Reading the coordinator's feed.
    CalendarFeed,
    /// Acting as `actor`, signed in as `email`; `csrf` must come back with
    /// every change made with the cookie.
    Session { actor: Actor, email: Email, csrf: String },
    /// A machine token (by its `jti`) that is refused from now on.
    RevokedToken,
}

impl Grant {
    pub fn kind(&self) -> CredentialKind {
        match self {
            Grant::EmbedKey { .. } => CredentialKind::EmbedKey,
            Grant::CalendarFeed => CredentialKind::CalendarFeed,
            Grant::Session { .. } => CredentialKind::Session,
            Grant::RevokedToken => CredentialKind::RevokedToken,
        }
    }
}

/// Sessions: valid for 8 hours after their last use, and never longer than
/// 7 days after sign-in.
pub const SESSION_IDLE: SignedDuration = SignedDuration::from_hours(8);
pub const SESSION_MAX: SignedDuration = SignedDuration::from_hours(7 * 24);

/// How stale `last_used` may get before a use writes it again: one write
/// every five minutes at most per credential, not one per request.
pub const LAST_USED_RESOLUTION: SignedDuration = SignedDuration::from_mins(5);

/// One issued credential, as the store keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credential {
    /// Public and stable (`key_…`, `feed_…`, `ses_…`; a token's `jti`): what
    /// lists show and revocation names.
    pub id: String,
    /// SHA-256 (hex) of the secret; for a revoked token its `jti`.
    pub hash: String,
    /// A person's description of it ("Skives intranet", "Outlook på telefonen").
    pub label: String,
    pub grant: Grant,
    /// Who issued it ("sekretariatet (sek@kl.dk)").
    pub created_by: String,
    pub created_at: Timestamp,
    #[serde(default)]
    pub last_used: Option<Timestamp>,
    #[serde(default)]
    pub revoked_at: Option<Timestamp>,
    /// When it stops working by itself (sessions; a revoked token's `exp`,
    /// after which its entry is no longer needed).
    #[serde(default)]
    pub expires_at: Option<Timestamp>,
}

/// Why a presented credential does not work.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CredentialRefusal {
    #[error("this credential has been revoked")]
    Revoked,
    #[error("this credential has expired")]
    Expired,
    #[error("this embed key may not be used from this web page's address")]
    WrongOrigin,
}

impl Credential {
    pub fn kind(&self) -> CredentialKind {
        self.grant.kind()
    }

    /// A new session for `actor`, signed in at `now`.
    pub fn session(id: String, hash: String, actor: Actor, email: Email, csrf: String, now: Timestamp) -> Self {
        Credential {
            id,
            hash,
            label: email.to_string(),
            created_by: email.to_string(),
            grant: Grant::Session { actor, email, csrf },
            created_at: now,
            last_used: Some(now),
            revoked_at: None,
            expires_at: Some(now + SESSION_IDLE),
        }
    }

    /// Whether it may be used at `now` (from `origin`, for embed keys).
    pub fn check(&self, now: Timestamp, origin: Option<&str>) -> Result<(), CredentialRefusal> {
        if self.revoked_at.is_some_and(|at| at <= now) {
            return Err(CredentialRefusal::Revoked);
        }
        if self.expires_at.is_some_and(|at| at <= now) {
            return Err(CredentialRefusal::Expired);
        }
        if let Grant::EmbedKey { origins, .. } = &self.grant {
            let allowed = origin.is_some_and(|o| origins.iter().any(|allowed| allowed.as_str() == o));
            if !allowed {
                return Err(CredentialRefusal::WrongOrigin);
            }
        }
        Ok(())
    }

    /// The credential after a use at `now`, if that use should be written
    /// (its `last_used` is stale, or a session's idle expiry moves on).
    pub fn used(&self, now: Timestamp) -> Option<Credential> {
        let stale = self.last_used.is_none_or(|at| now.duration_since(at) >= LAST_USED_RESOLUTION);
        if !stale {
            return None;
        }
        let mut used = self.clone();
        used.last_used = Some(now);
        if let Grant::Session { .. } = self.grant {
            let ceiling = self.created_at + SESSION_MAX;
            used.expires_at = Some((now + SESSION_IDLE).min(ceiling));
        }
        Some(used)
    }

    /// Revoked at `now`; revoking twice keeps the first time.
    pub fn revoked(&self, now: Timestamp) -> Credential {
        let mut revoked = self.clone();
        revoked.revoked_at = Some(self.revoked_at.unwrap_or(now));
        revoked
    }

    /// Whether it is over for good at `now` (expired; or revoked, for
    /// sessions, which nobody lists): the store may forget it.
    pub fn is_spent(&self, now: Timestamp) -> bool {
        self.expires_at.is_some_and(|at| at <= now)
            || (matches!(self.grant, Grant::Session { .. }) && self.revoked_at.is_some())
    }
}

#[cfg(test)]
mod tests;
