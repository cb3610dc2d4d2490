//! Who is calling. Four credentials, tried in this order:
//! - an intranet's embed key (`X-Embed-Key: dke_…`), from one of its origins:
//!   the booking view of one municipality and nothing else;
//! - a machine token (`Authorization: Bearer <JWT>`): HS256 with `role`,
//!   `municipality` (for the municipality role), `exp`, and from
//!   `dk2020-api token` also `jti` (revocable) and a `kid` header (the key
//!   it was signed with, so the secret can be rotated);
//! - a staff session (the `dk2020_session` cookie, `crate::session`), with
//!   the CSRF token in `X-CSRF-Token` and its own origin for every change.
//!
//! The [`Auth`] extractor turns them into an [`Actor`] and the [`Via`] it
//! came through (what the audit log records); handlers then ask it what it
//! may do.

use axum::{
    extract::FromRequestParts,
    http::{HeaderMap, Method, header, request::Parts},
};
use dk2020_model::{
    Actor, MunicipalityCode, Role,
    audit::Via,
    credential::{CredentialKind, CredentialRefusal, Grant},
};
use jiff::Timestamp;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::{error::ApiError, secret, state::AppState, store::StoreError};

/// The header an embedded widget sends its key in.
pub const EMBED_KEY_HEADER: &str = "x-embed-key";

/// The header a signed-in page sends its session's CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The claims of a token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub role: Role,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub municipality: Option<u16>,
    /// Expiry, seconds since the Unix epoch.
    pub exp: i64,
    /// Issued at, seconds since the Unix epoch. Optional when checking: the
    /// contract (DESIGN.md) is `role`, `municipality` and `exp`.
    #[serde(default)]
    pub iat: i64,
    /// The token's id, for revoking it alone (`POST /api/tokens/{jti}/revoke`).
    /// Tokens made by hand without one can be retired only with their key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
}

impl Claims {
    /// The actor the token speaks for, if its claims make sense together.
    pub fn actor(&self) -> Result<Actor, String> {
        match (self.role, self.municipality) {
            (Role::Municipality, Some(code)) => MunicipalityCode::new(code)
                .map(|municipality| Actor::Municipality { municipality })
                .map_err(|e| e.to_string()),
            (Role::Municipality, None) => Err("a municipality token must name its municipality".into()),
            (Role::Coordinator, _) => Ok(Actor::Coordinator),
            (Role::Secretariat, _) => Ok(Actor::Secretariat),
        }
    }
}

/// Clock skew forgiven on `exp`, as `jsonwebtoken`'s own default leeway does.
const LEEWAY_SECONDS: i64 = 30;

/// One signing secret and its key id (the first 16 hex digits of the
/// secret's SHA-256: names the key without revealing it).
#[derive(Clone)]
struct SigningKey {
    kid: String,
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl SigningKey {
    fn new(secret: &str, variable: &str) -> Result<Self, String> {
        if secret.len() < 32 {
            return Err(format!("{variable} must be at least 32 characters"));
        }
        // The length check above rules out the one refusal (an empty key).
        let refused = |e: jsonwebtoken::errors::Error| format!("{variable} is not a usable key: {e}");
        Ok(Self {
            kid: secret::hash(secret)[..16].to_string(),
            encoding: EncodingKey::from_secret(secret.as_bytes()).map_err(refused)?,
            decoding: DecodingKey::from_secret(secret.as_bytes()).map_err(refused)?,
        })
    }
}

/// Signs and checks tokens: the current secret signs; a retired one (the
/// one before a rotation) is still accepted until the date set for it.
#[derive(Clone)]
pub struct TokenKeys {
    current: SigningKey,
    retired: Option<(SigningKey, Timestamp)>,
}

/// A checked token: who it speaks for and its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenHolder {
    pub actor: Actor,
    pub jti: Option<String>,
}

impl TokenKeys {
    /// At least 32 bytes of secret, as HS256 wants.
    pub fn new(secret: &str) -> Result<Self, String> {
        Ok(Self { current: SigningKey::new(secret, "DK2020_JWT_SECRET")?, retired: None })
    }

    /// Also accepts tokens signed with `secret` (the previous one) until `until`.
    pub fn with_retired(mut self, secret: &str, until: Timestamp) -> Result<Self, String> {
        self.retired = Some((SigningKey::new(secret, "DK2020_JWT_RETIRED_SECRET")?, until));
        Ok(self)
    }

    /// The id of the key new tokens are signed with.
    pub fn current_kid(&self) -> &str {
        &self.current.kid
    }

    /// A token for `actor`, valid for `days` days from `now` (Unix seconds),
    /// with a new random `jti`; returns the token and its `jti`.
    pub fn issue_with_id(&self, actor: Actor, days: u32, now: i64) -> (String, String) {
        let jti = crate::routes::new_id("tok_", Timestamp::from_second(now).unwrap_or(Timestamp::UNIX_EPOCH));
        let claims = Claims {
            role: actor.role(),
            municipality: actor.municipality().map(MunicipalityCode::get),
            iat: now,
            exp: now + i64::from(days) * 86_400,
            jti: Some(jti.clone()),
        };
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(self.current.kid.clone());
        let token = jsonwebtoken::encode(&header, &claims, &self.current.encoding)
            .expect("HS256 signing of plain claims cannot fail");
        (token, jti)
    }

    /// A token for `actor`, valid for `days` days from `now` (Unix seconds).
    pub fn issue(&self, actor: Actor, days: u32, now: i64) -> String {
        self.issue_with_id(actor, days, now).0
    }

    /// `value` signed with the current key (HS256), for a value the
    /// browser keeps for a short while and must not alter (a sign-in in
    /// progress, `crate::oidc::PendingLogin`).
    pub fn sign_value<T: Serialize>(&self, value: &T) -> String {
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(self.current.kid.clone());
        jsonwebtoken::encode(&header, value, &self.current.encoding).expect("HS256 signing of plain values cannot fail")
    }

    /// A value [`TokenKeys::sign_value`] signed, unaltered; its own fields
    /// say until when it counts.
    pub fn verify_value<T: serde::de::DeserializeOwned>(&self, signed: &str) -> Option<T> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.validate_exp = false;
        validation.required_spec_claims.clear();
        jsonwebtoken::decode::<T>(signed, &self.current.decoding, &validation).ok().map(|data| data.claims)
    }

    /// The holder of a valid token that has not expired at `now`.
    ///
    /// Expiry is judged here against the app's clock, not by `jsonwebtoken`
    /// (which reads the machine's clock): a pinned clock (`DK2020_NOW`) must pin
    /// every time decision, or tokens issued from it expire with the calendar.
    pub fn verify(&self, token: &str, now: Timestamp) -> Result<TokenHolder, ApiError> {
        let invalid = || ApiError::Unauthorized("the token is not valid".into());
        let header = jsonwebtoken::decode_header(token).map_err(|_| invalid())?;
        let retired = self.retired.as_ref().filter(|(_, until)| now < *until).map(|(key, _)| key);
        // A `kid` names its key; a token without one (made by hand, as the
        // contract allows) is tried with the current key, then the retired.
        let candidates: Vec<&SigningKey> = match header.kid.as_deref() {
            Some(kid) if kid == self.current.kid => vec![&self.current],
            Some(kid) if retired.is_some_and(|k| k.kid == kid) => retired.into_iter().collect(),
            Some(kid) if self.retired.as_ref().is_some_and(|(k, _)| k.kid == kid) => {
                return Err(ApiError::Unauthorized(
                    "the token was signed with a retired key: ask for a new one".into(),
                ));
            }
            Some(_) => return Err(invalid()),
            None => std::iter::once(&self.current).chain(retired).collect(),
        };
        let mut validation = Validation::new(Algorithm::HS256);
        validation.validate_exp = false;
        validation.set_required_spec_claims(&["exp"]);
        let claims = candidates
            .iter()
            .find_map(|key| jsonwebtoken::decode::<Claims>(token, &key.decoding, &validation).ok())
            .ok_or_else(invalid)?
            .claims;
        if claims.exp.saturating_add(LEEWAY_SECONDS) < now.as_second() {
            return Err(ApiError::Unauthorized("the token has expired: ask for a new one".into()));
        }
        let actor = claims.actor().map_err(ApiError::Unauthorized)?;
        Ok(TokenHolder { actor, jti: claims.jti })
    }
}

/// The authenticated caller: who, and through what. Rejects with 401 when
/// no credential comes with the request or it does not work, 403 when an
/// embed key comes from an origin not on its list.
#[derive(Debug, Clone)]
pub struct Auth {
    pub actor: Actor,
    pub via: Via,
}

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if let Some(key) = parts.headers.get(EMBED_KEY_HEADER) {
            return embed_key(key.to_str().unwrap_or_default().trim(), &parts.headers, state).await;
        }
        if let Some(token) = bearer(&parts.headers) {
            let token = token
                .ok_or_else(|| ApiError::Unauthorized("the Authorization header must be `Bearer <token>`".into()))?;
            let holder = state.keys.verify(token, state.now())?;
            if let Some(jti) = &holder.jti
                && state.access.is_revoked(state.store.as_ref(), jti).await?
            {
                return Err(ApiError::Unauthorized("this token has been revoked: ask for a new one".into()));
            }
            return Ok(Auth { actor: holder.actor, via: Via::Token { jti: holder.jti } });
        }
        if let Some(session) = crate::session::from_cookie(&parts.headers) {
            return crate::session::authenticate(session, &parts.method, &parts.headers, state).await;
        }
        Err(ApiError::Unauthorized(
            "sign in: send `Authorization: Bearer <token>`, an embed key (`X-Embed-Key`) or the session cookie".into(),
        ))
    }
}

/// The caller of a request with an embed key.
async fn embed_key(key: &str, headers: &HeaderMap, state: &AppState) -> Result<Auth, ApiError> {
    let refused = |message: &str| ApiError::EmbedKey { wrong_origin: false, message: message.into() };
    let unknown = || refused("the embed key is not known: ask the secretariat for a new one");
    if !CredentialKind::EmbedKey.is_secret_shaped(key) {
        return Err(unknown());
    }
    let hash = secret::hash(key);
    let keys = state.access.embed_keys(state.store.as_ref()).await?;
    let credential = keys.iter().find(|k| secret::same(&k.hash, &hash)).ok_or_else(unknown)?;
    let origin = crate::session::request_origin(headers, state);
    match credential.check(state.now(), origin.as_deref()) {
        Ok(()) => {}
        Err(CredentialRefusal::WrongOrigin) => {
            return Err(ApiError::EmbedKey {
                wrong_origin: true,
                message: "this embed key may not be used from this page's address: the secretariat lists the intranet's address with the key".into(),
            });
        }
        Err(CredentialRefusal::Revoked) => {
            return Err(refused("the embed key has been revoked: ask the secretariat for a new one"));
        }
        Err(CredentialRefusal::Expired) => {
            return Err(refused("the embed key has expired: ask the secretariat for a new one"));
        }
    }
    let Grant::EmbedKey { municipality, .. } = credential.grant else { return Err(unknown()) };
    if let Some(used) = credential.used(state.now()) {
        // Knowing when a key was last used helps the secretariat retire
        // unused ones; a failed write of it must not fail the booking.
        match state.store.save_credential(&used).await {
            Ok(()) | Err(StoreError::NotFound(_)) => state.access.forget(),
            Err(e) => tracing::warn!(error = %e, "could not note an embed key's use"),
        }
    }
    Ok(Auth {
        actor: Actor::Municipality { municipality },
        via: Via::EmbedKey { id: credential.id.clone(), label: credential.label.clone() },
    })
}

/// What an `Authorization: Bearer <credential>` header carries: `None`
/// without the header, `Some(None)` when it is not of that form. Tokens and
/// manage-link keys (`crate::manage_link`) travel the same way.
pub fn bearer(headers: &HeaderMap) -> Option<Option<&str>> {
    let header = headers.get(header::AUTHORIZATION)?;
    Some(
        header
            .to_str()
            .ok()
            .and_then(|h| h.strip_prefix("Bearer ").or_else(|| h.strip_prefix("bearer ")))
            .map(str::trim),
    )
}

/// Whether a request changes something (and so needs a session's CSRF token).
pub fn is_write(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

impl Auth {
    /// Only these roles may go on, and not with an embed key (which only
    /// serves the booking view: [`Auth::require_in_booking_view`]).
    pub fn require(&self, roles: &[Role]) -> Result<Actor, ApiError> {
        if matches!(self.via, Via::EmbedKey { .. }) {
            return Err(ApiError::Forbidden(
                "an embed key only lists slots, books, and lists and cancels its municipality's bookings".into(),
            ));
        }
        self.require_in_booking_view(roles)
    }

    /// As [`Auth::require`], embed keys included: for the booking view's
    /// own calls (slots, booking, listing and cancelling bookings).
    pub fn require_in_booking_view(&self, roles: &[Role]) -> Result<Actor, ApiError> {
        if roles.contains(&self.actor.role()) {
            Ok(self.actor)
        } else {
            let allowed: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
            Err(ApiError::Forbidden(format!("this needs the role {}", allowed.join(" or "))))
        }
    }

    /// A municipality may act only for itself; the coordinator for anyone.
    pub fn may_act_for(&self, municipality: MunicipalityCode) -> Result<Actor, ApiError> {
        match self.actor {
            Actor::Coordinator => Ok(self.actor),
            Actor::Municipality { municipality: own } if own == municipality => Ok(self.actor),
            Actor::Municipality { .. } => {
                Err(ApiError::Forbidden(format!("this token may not act for {} Kommune", municipality.name())))
            }
            Actor::Secretariat => Err(ApiError::Forbidden("the secretariat does not book sessions".into())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "a-test-secret-that-is-long-enough-for-hs256";

    #[test]
    fn a_municipality_token_names_its_municipality() {
        let keys = TokenKeys::new(SECRET).unwrap();
        let skive = Actor::Municipality { municipality: MunicipalityCode::new(779).unwrap() };
        let now: Timestamp = "2030-06-01T12:00:00Z".parse().unwrap();
        assert_eq!(keys.verify(&keys.issue(skive, 1, now.as_second()), now).unwrap().actor, skive);
    }

    #[test]
    fn expired_and_foreign_tokens_are_refused() {
        let keys = TokenKeys::new(SECRET).unwrap();
        let now: Timestamp = "2030-06-01T12:00:00Z".parse().unwrap();
        let expired = keys.issue(Actor::Coordinator, 1, now.as_second() - 3 * 86_400);
        assert!(matches!(keys.verify(&expired, now), Err(ApiError::Unauthorized(m)) if m.contains("expired")));
        let other = TokenKeys::new("another-secret-that-is-long-enough-for-hs256").unwrap();
        assert!(keys.verify(&other.issue(Actor::Coordinator, 1, now.as_second()), now).is_err());
        assert!(keys.verify("not.a.token", now).is_err());
    }

    #[test]
    fn expiry_is_judged_by_the_apps_clock_not_the_machines() {
        let keys = TokenKeys::new(SECRET).unwrap();
        // A clock pinned far from the machine's: a token issued from it is
        // valid on that clock for its day, and expired the day after.
        let pinned: Timestamp = "2001-03-05T08:00:00Z".parse().unwrap();
        let token = keys.issue(Actor::Coordinator, 1, pinned.as_second());
        assert_eq!(keys.verify(&token, pinned).unwrap().actor, Actor::Coordinator);
        let next_day = pinned + jiff::SignedDuration::from_hours(25);
        assert!(matches!(keys.verify(&token, next_day), Err(ApiError::Unauthorized(m)) if m.contains("expired")));
    }

    #[test]
    fn a_retired_key_is_accepted_until_its_date_and_not_after() {
        let now: Timestamp = "2030-06-01T12:00:00Z".parse().unwrap();
        let old = TokenKeys::new(SECRET).unwrap();
        let old_token = old.issue(Actor::Coordinator, 30, now.as_second());
        let until: Timestamp = "2030-06-15T00:00:00Z".parse().unwrap();
        let rotated = TokenKeys::new("the-next-secret-that-is-long-enough-for-hs256")
            .unwrap()
            .with_retired(SECRET, until)
            .unwrap();
        assert_eq!(rotated.verify(&old_token, now).unwrap().actor, Actor::Coordinator);
        let after = "2030-06-15T00:00:01Z".parse().unwrap();
        assert!(matches!(rotated.verify(&old_token, after), Err(ApiError::Unauthorized(m)) if m.contains("retired")));
        // New tokens carry the new key's id and an id of their own.
        let (token, jti) = rotated.issue_with_id(Actor::Secretariat, 1, now.as_second());
        assert_eq!(jsonwebtoken::decode_header(&token).unwrap().kid.as_deref(), Some(rotated.current_kid()));
        assert_eq!(rotated.verify(&token, now).unwrap().jti, Some(jti));
        assert_ne!(rotated.current_kid(), old.current_kid());
    }

    #[test]
    fn short_secrets_are_refused() {
        assert!(TokenKeys::new("short").is_err());
    }
}
