//! Staff sessions: after a sign-in (OpenID Connect, `crate::oidc`, or the
//! local dev sign-in) a [`Credential`] of kind `session` in the store,
//! referenced by the `dk2020_session` cookie (`HttpOnly; SameSite=Lax`, and
//! `Secure` when the app is reached over https). A change made with the
//! cookie needs the session's CSRF token in `X-CSRF-Token` and, when the
//! browser names one, the app's own `Origin`: another site can make the
//! browser send the cookie, but cannot read the token.

use axum::http::{HeaderMap, HeaderValue, Method, header};
use dk2020_model::{
    Actor, Email,
    audit::Via,
    credential::{Credential, CredentialKind, CredentialRefusal, Grant, SESSION_MAX},
};

use crate::{
    auth::{Auth, CSRF_HEADER, is_write},
    error::ApiError,
    secret,
    state::AppState,
    store::StoreError,
};

/// The session cookie's name.
pub const COOKIE: &str = "dk2020_session";

/// How staff sign in, and where the app is.
#[derive(Debug, Clone, Default)]
pub struct SignIn {
    /// The address people reach the app at, e.g. `https://dk2020.kdnet.dk`
    /// (no trailing slash): the sign-in's redirect address, the cookie's
    /// `Secure` flag and the origin a change must come from.
    pub public_url: Option<String>,
    pub provider: Provider,
    /// Where the staff page loads the widget from: `/widget` on the local
    /// server, the CDN's address on AWS.
    pub widget_url: Option<String>,
    /// The dev sign-in's embed key for the demo intranet page (`/dev/demo-key`).
    pub demo_key: Option<String>,
}

/// Who vouches for staff.
#[derive(Debug, Clone, Default)]
pub enum Provider {
    /// No staff sign-in: tokens and embed keys only.
    #[default]
    None,
    /// Demo users to pick from, on a loopback address only (`cargo xtask serve`).
    Dev,
    /// An OpenID provider (Entra ID).
    Oidc(std::sync::Arc<crate::oidc::Oidc>),
}

impl SignIn {
    /// The app's origin (`scheme://host[:port]`), if configured.
    pub fn origin(&self) -> Option<&str> {
        let url = self.public_url.as_deref()?;
        let after_scheme = url.find("://").map_or(0, |i| i + 3);
        Some(match url[after_scheme..].find('/') {
            Some(slash) => &url[..after_scheme + slash],
            None => url,
        })
    }

    pub fn widget_base(&self) -> String {
        self.widget_url.as_deref().unwrap_or("/widget").trim_end_matches('/').to_string()
    }

    fn secure(&self) -> bool {
        self.public_url.as_deref().is_some_and(|u| u.starts_with("https://"))
    }

    /// `Set-Cookie` for a new session's secret.
    pub fn session_cookie(&self, secret: &str) -> HeaderValue {
        let secure = if self.secure() { "; Secure" } else { "" };
        let max_age = SESSION_MAX.as_secs();
        HeaderValue::from_str(&format!("{COOKIE}={secret}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"))
            .expect("a secret is a valid header value")
    }

    /// `Set-Cookie` that removes the session cookie.
    pub fn cleared_cookie(&self) -> HeaderValue {
        let secure = if self.secure() { "; Secure" } else { "" };
        HeaderValue::from_str(&format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}"))
            .expect("a valid header value")
    }
}

/// The value of the request's cookie `name`, if it has a non-empty one.
pub fn cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, value)| value.trim())
        .filter(|v| !v.is_empty())
}

/// The session secret the request's cookie carries, if any.
pub fn from_cookie(headers: &HeaderMap) -> Option<&str> {
    cookie_value(headers, COOKIE)
}

/// The session a cookie's secret opens, checked at the app's now (not
/// revoked, not expired); `None` when there is none.
pub async fn session(state: &AppState, secret_value: &str) -> Result<Option<Credential>, ApiError> {
    if !CredentialKind::Session.is_secret_shaped(secret_value) {
        return Ok(None);
    }
    let hash = secret::hash(secret_value);
    let session = match state.store.credential(CredentialKind::Session, &hash).await {
        Ok(session) => session,
        Err(StoreError::NotFound(_)) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    match session.check(state.now(), None) {
        Ok(()) => Ok(Some(session)),
        Err(CredentialRefusal::Expired) => {
            // Gone for good: the store may forget it now (DynamoDB's TTL would later).
            let _ = state.store.delete_credential(CredentialKind::Session, &hash).await;
            Ok(None)
        }
        Err(_) => Ok(None),
    }
}

/// The caller of a request with the session cookie.
pub async fn authenticate(
    secret_value: &str,
    method: &Method,
    headers: &HeaderMap,
    state: &AppState,
) -> Result<Auth, ApiError> {
    let session = session(state, secret_value)
        .await?
        .ok_or_else(|| ApiError::Unauthorized("the session has ended: sign in again".into()))?;
    let Grant::Session { actor, email, csrf } = &session.grant else {
        return Err(ApiError::Unauthorized("the session has ended: sign in again".into()));
    };
    if is_write(method) {
        check_same_origin(headers, state)?;
        let sent = headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()).unwrap_or_default();
        if !secret::same(sent, csrf) {
            return Err(ApiError::Forbidden(
                "a change made with the session cookie needs the page's X-CSRF-Token: reload the page".into(),
            ));
        }
    }
    if let Some(used) = session.used(state.now()) {
        // The sliding expiry: a failed write only shortens the session.
        if let Err(e) = state.store.save_credential(&used).await {
            tracing::warn!(error = %e, "could not extend a session");
        }
    }
    Ok(Auth { actor: *actor, via: Via::Session { id: session.id.clone(), email: Some(email.clone()) } })
}

/// The app's own origin as the request reached it: the configured public
/// address, else the `Host` the request names.
fn own_origin(headers: &HeaderMap, state: &AppState) -> Option<String> {
    state
        .sign_in
        .origin()
        .map(str::to_string)
        .or_else(|| headers.get(header::HOST).and_then(|h| h.to_str().ok()).map(|host| format!("http://{host}")))
}

/// The origin of the page that sent the request: its `Origin`, or the app's
/// own when the browser says the request is same-origin (`Sec-Fetch-Site`)
/// and names no origin (`Origin` is left out of same-origin GETs and is
/// `null` under a strict referrer policy). `None` when unknown.
pub fn request_origin(headers: &HeaderMap, state: &AppState) -> Option<String> {
    let origin = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()).filter(|o| *o != "null");
    match origin {
        Some(origin) => Some(origin.to_string()),
        None => {
            let same = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) == Some("same-origin");
            if same { own_origin(headers, state) } else { None }
        }
    }
}

/// A change with the cookie must come from the app's own pages: a browser
/// names the page's origin (or says it is the same origin) on every request
/// another site makes it send.
pub fn check_same_origin(headers: &HeaderMap, state: &AppState) -> Result<(), ApiError> {
    let named = headers.contains_key(header::ORIGIN) || headers.contains_key("sec-fetch-site");
    if !named {
        // Not a browser (a script with the cookie): the CSRF token decides.
        return Ok(());
    }
    match (request_origin(headers, state), own_origin(headers, state)) {
        (Some(origin), Some(own)) if origin.eq_ignore_ascii_case(&own) => Ok(()),
        _ => Err(ApiError::Forbidden("this change comes from another site: the session cookie is not enough".into())),
    }
}

/// Starts a session for `actor` signed in as `email`: the store's record
/// and the secret for the cookie.
pub async fn start(state: &AppState, actor: Actor, email: Email) -> Result<(String, Credential), ApiError> {
    let now = state.now();
    let secret_value = secret::new_secret(CredentialKind::Session.secret_prefix());
    let csrf = secret::new_secret("");
    let id = crate::routes::new_id(CredentialKind::Session.id_prefix(), now);
    let session = Credential::session(id, secret::hash(&secret_value), actor, email, csrf, now);
    state.store.add_credential(&session).await?;
    Ok((secret_value, session))
}

/// Ends every session of the person signed in as `email`; how many.
pub async fn end_everywhere(state: &AppState, email: &Email) -> Result<usize, ApiError> {
    let sessions = state.store.credentials(CredentialKind::Session).await?;
    let mut ended = 0;
    for session in sessions {
        if matches!(&session.grant, Grant::Session { email: e, .. } if e == email) {
            state.store.delete_credential(CredentialKind::Session, &session.hash).await?;
            ended += 1;
        }
    }
    Ok(ended)
}

/// Forgets the sessions that are over (expired, or signed out but not yet
/// deleted): the local server's hourly sweep. DynamoDB removes them by its
/// TTL instead. How many went.
pub async fn sweep(store: &dyn crate::store::Store, now: jiff::Timestamp) -> crate::store::StoreResult<usize> {
    let mut gone = 0;
    for session in store.credentials(CredentialKind::Session).await? {
        if session.is_spent(now) {
            store.delete_credential(CredentialKind::Session, &session.hash).await?;
            gone += 1;
        }
    }
    Ok(gone)
}

/// [`sweep`] every hour, for as long as the server runs.
pub async fn sweep_every_hour(store: std::sync::Arc<dyn crate::store::Store>, clock: crate::state::Clock) {
    let mut hourly = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        hourly.tick().await;
        match sweep(store.as_ref(), clock.now()).await {
            Ok(0) => {}
            Ok(gone) => tracing::info!(gone, "expired sessions removed"),
            Err(e) => tracing::warn!(error = %e, "could not remove expired sessions"),
        }
    }
}
