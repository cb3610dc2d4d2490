//! Bearer tokens: HS256 JWTs with `role`, `municipality` (for the municipality
//! role) and `exp`. The `Auth` extractor turns a request's token into an
//! [`Actor`]; handlers then ask it what it may do.

use axum::{extract::FromRequestParts, http::request::Parts};
use dk2020_model::{Actor, MunicipalityCode, Role};
use jiff::Timestamp;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::{error::ApiError, state::AppState};

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

/// Signs and checks tokens with one shared secret.
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl TokenKeys {
    /// At least 32 bytes of secret, as HS256 wants.
    pub fn new(secret: &str) -> Result<Self, String> {
        if secret.len() < 32 {
            return Err("DK2020_JWT_SECRET must be at least 32 characters".into());
        }
        // The length check above rules out the one refusal (an empty key).
        let refused = |e: jsonwebtoken::errors::Error| format!("DK2020_JWT_SECRET is not a usable key: {e}");
        Ok(Self {
            encoding: EncodingKey::from_secret(secret.as_bytes()).map_err(refused)?,
            decoding: DecodingKey::from_secret(secret.as_bytes()).map_err(refused)?,
        })
    }

    /// A token for `actor`, valid for `days` days from `now` (Unix seconds).
    pub fn issue(&self, actor: Actor, days: u32, now: i64) -> String {
        let claims = Claims {
            role: actor.role(),
            municipality: actor.municipality().map(MunicipalityCode::get),
            iat: now,
            exp: now + i64::from(days) * 86_400,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .expect("HS256 signing of plain claims cannot fail")
    }

    /// The actor of a valid token that has not expired at `now`.
    ///
    /// Expiry is judged here against the app's clock, not by `jsonwebtoken`
    /// (which reads the machine's clock): a pinned clock (`DK2020_NOW`) must pin
    /// every time decision, or tokens issued from it expire with the calendar.
    pub fn verify(&self, token: &str, now: Timestamp) -> Result<Actor, ApiError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.validate_exp = false;
        validation.set_required_spec_claims(&["exp"]);
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation)
            .map_err(|_| ApiError::Unauthorized("the token is not valid".into()))?;
        if data.claims.exp.saturating_add(LEEWAY_SECONDS) < now.as_second() {
            return Err(ApiError::Unauthorized("the token has expired: ask for a new one".into()));
        }
        data.claims.actor().map_err(ApiError::Unauthorized)
    }
}

/// The authenticated caller. Rejects with 401 when the `Authorization: Bearer`
/// header is missing or its token is invalid.
#[derive(Debug, Clone, Copy)]
pub struct Auth(pub Actor);

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = bearer(&parts.headers)
            .ok_or_else(|| ApiError::Unauthorized("sign in: send `Authorization: Bearer <token>`".into()))?
            .ok_or_else(|| ApiError::Unauthorized("the Authorization header must be `Bearer <token>`".into()))?;
        state.keys.verify(token, state.now()).map(Auth)
    }
}

/// What an `Authorization: Bearer <credential>` header carries: `None`
/// without the header, `Some(None)` when it is not of that form. Tokens and
/// manage-link keys (`crate::manage_link`) travel the same way.
pub fn bearer(headers: &axum::http::HeaderMap) -> Option<Option<&str>> {
    let header = headers.get(axum::http::header::AUTHORIZATION)?;
    Some(
        header
            .to_str()
            .ok()
            .and_then(|h| h.strip_prefix("Bearer ").or_else(|| h.strip_prefix("bearer ")))
            .map(str::trim),
    )
}

impl Auth {
    /// Only these roles may go on.
    pub fn require(self, roles: &[Role]) -> Result<Actor, ApiError> {
        if roles.contains(&self.0.role()) {
            Ok(self.0)
        } else {
            let allowed: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
            Err(ApiError::Forbidden(format!("this needs the role {}", allowed.join(" or "))))
        }
    }

    /// A municipality may act only for itself; the coordinator for anyone.
    pub fn may_act_for(self, municipality: MunicipalityCode) -> Result<Actor, ApiError> {
        match self.0 {
            Actor::Coordinator => Ok(self.0),
            Actor::Municipality { municipality: own } if own == municipality => Ok(self.0),
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
        assert_eq!(keys.verify(&keys.issue(skive, 1, now.as_second()), now).unwrap(), skive);
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
        assert_eq!(keys.verify(&token, pinned).unwrap(), Actor::Coordinator);
        let next_day = pinned + jiff::SignedDuration::from_hours(25);
        assert!(matches!(keys.verify(&token, next_day), Err(ApiError::Unauthorized(m)) if m.contains("expired")));
    }

    #[test]
    fn short_secrets_are_refused() {
        assert!(TokenKeys::new("short").is_err());
    }
}
