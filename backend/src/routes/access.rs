//! The secretariat's credentials: intranets' embed keys (issue, list,
//! revoke), revoking a machine token by its `jti`, and the e-mail domains
//! that make municipal staff at sign-in. Also `GET /api/session`, who is
//! signed in on this browser.

use aide::{
    axum::{
        ApiRouter,
        routing::{get_with, post_with},
    },
    transform::TransformOperation,
};
use axum::{
    Json,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use dk2020_model::{
    Role,
    api::{EmbedKeyInfo, EmbedKeysResponse, NewEmbedKey, RevokedToken, RevokedTokensResponse, SessionInfo},
    audit::{AuditKind, Via},
    credential::{Credential, CredentialKind, Grant, MAX_ORIGINS},
    sign_in::EmailDomains,
};

use crate::{
    audit::{self, Change},
    auth::Auth,
    error::ApiError,
    extract::{JsonBody, NoQuery, PathParam},
    openapi::docs::Describe,
    secret,
    state::AppState,
    store::{SettingsExt, StoreError},
};

pub fn router() -> ApiRouter<AppState> {
    ApiRouter::new()
        .api_route("/embed-keys", get_with(list_keys, list_keys_docs).post_with(issue_key, issue_key_docs))
        .api_route("/embed-keys/{id}/revoke", post_with(revoke_key, revoke_key_docs))
        .api_route("/tokens/revoked", get_with(revoked_tokens, revoked_tokens_docs))
        .api_route("/tokens/{jti}/revoke", post_with(revoke_token, revoke_token_docs))
        .api_route("/sign-in/domains", get_with(domains, domains_docs).put_with(set_domains, set_domains_docs))
        .api_route("/session", get_with(session, session_docs))
}

fn list_keys_docs(o: TransformOperation) -> TransformOperation {
    o.op(
        "listEmbedKeys",
        "access",
        "The intranets' embed keys",
        "Every key issued, the oldest first, revoked ones too, with the origins each may be used from and when it was last used. The keys themselves are not kept: only their SHA-256.",
    )
    .roles(&[Role::Secretariat], false)
    .ok("The keys.")
    .errors(&[503])
}

fn issue_key_docs(o: TransformOperation) -> TransformOperation {
    o.op(
        "issueEmbedKey",
        "access",
        "Issue an embed key for a municipality's intranet",
        "A publishable key for `<dk2020-widget view=\"booking\" key=\"…\">` on the listed origins: it lets the booking view list the municipality's slots, book for it, and list and cancel its bookings, nothing else. The answer carries `key` once; keep it in the intranet page. 422 for more than 10 origins or none.",
    )
    .roles(&[Role::Secretariat], false)
    .json_response::<EmbedKeyInfo>(201, "The key, with `key` (shown once).", serde_json::json!({}))
    .errors(&[422, 503])
}

fn revoke_key_docs(o: TransformOperation) -> TransformOperation {
    o.op(
        "revokeEmbedKey",
        "access",
        "Revoke an embed key",
        "From now on the key is refused (401 `embed_key_invalid`; on AWS within a minute). Revoking again changes nothing. 404 when there is no such key.",
    )
    .roles(&[Role::Secretariat], false)
    .path_parameter("EmbedKeyIdPath")
    .ok("The revoked key.")
    .errors(&[404, 503])
}

fn revoked_tokens_docs(o: TransformOperation) -> TransformOperation {
    o.op("listRevokedTokens", "access", "Revoked machine tokens", "Every token id (`jti`) revoked, the oldest first.")
        .roles(&[Role::Secretariat], false)
        .ok("The revoked tokens.")
        .errors(&[503])
}

fn revoke_token_docs(o: TransformOperation) -> TransformOperation {
    o.op(
        "revokeToken",
        "access",
        "Revoke a machine token",
        "The token with this `jti` (printed by `dk2020-api token`) is refused from now on (on AWS within a minute). Revoking again changes nothing.",
    )
    .roles(&[Role::Secretariat], false)
    .path_parameter("JtiPath")
    .ok("The revocation.")
    .errors(&[404, 503])
}

fn domains_docs(o: TransformOperation) -> TransformOperation {
    o.op(
        "getEmailDomains",
        "access",
        "The municipalities' e-mail domains",
        "At sign-in, a person in neither the coordinator's nor the secretariat's group is staff of the municipality their e-mail domain belongs to.",
    )
    .roles(&[Role::Secretariat], false)
    .ok("The table.")
    .errors(&[503])
}

fn set_domains_docs(o: TransformOperation) -> TransformOperation {
    o.op(
        "setEmailDomains",
        "access",
        "Change the municipalities' e-mail domains",
        "Replaces the table. 422 for an entry that is not a domain name.",
    )
    .roles(&[Role::Secretariat], false)
    .ok("The table as stored.")
    .errors(&[422, 503])
}

fn session_docs(o: TransformOperation) -> TransformOperation {
    o.op(
        "getSession",
        "access",
        "Who is signed in on this browser",
        "The session cookie's person and role, and the CSRF token the pages send as `X-CSRF-Token` with every change. 401 without a session (a token or embed key is no session).",
    )
    .roles(&[Role::Municipality, Role::Coordinator, Role::Secretariat], false)
    .ok("The session.")
    .errors(&[503])
}

async fn list_keys(auth: Auth, State(state): State<AppState>, _: NoQuery) -> Result<Json<EmbedKeysResponse>, ApiError> {
    auth.require(&[Role::Secretariat])?;
    let keys = state.store.credentials(CredentialKind::EmbedKey).await?;
    Ok(Json(EmbedKeysResponse { keys: keys.iter().filter_map(EmbedKeyInfo::of).collect() }))
}

/// Who issued something, as the lists show it.
fn issuer(auth: &Auth) -> String {
    match &auth.via {
        Via::Session { email: Some(email), .. } => format!("{} ({email})", auth.actor),
        other => format!("{} ({other})", auth.actor),
    }
}

async fn issue_key(
    auth: Auth,
    State(state): State<AppState>,
    _: NoQuery,
    JsonBody(request): JsonBody<NewEmbedKey>,
) -> Result<Response, ApiError> {
    auth.require(&[Role::Secretariat])?;
    let mut origins = request.origins;
    origins.sort();
    origins.dedup();
    if origins.is_empty() || origins.len() > MAX_ORIGINS {
        return Err(ApiError::Unprocessable(format!(
            "give 1-{MAX_ORIGINS} origins: the intranet pages' addresses, e.g. https://intranet.skive.dk"
        )));
    }
    let now = state.now();
    let key = secret::new_secret(CredentialKind::EmbedKey.secret_prefix());
    let credential = Credential {
        id: crate::routes::new_id(CredentialKind::EmbedKey.id_prefix(), now),
        hash: secret::hash(&key),
        label: request.label.to_string(),
        grant: Grant::EmbedKey { municipality: request.municipality, origins },
        created_by: issuer(&auth),
        created_at: now,
        last_used: None,
        revoked_at: None,
        expires_at: None,
    };
    state.store.add_credential(&credential).await?;
    state.access.forget();
    tracing::info!(id = %credential.id, municipality = %request.municipality, "embed key issued");
    let summary = format!("Indlejringsnøgle «{}» til {} Kommune", credential.label, request.municipality.name());
    audit::record(&state, &auth, AuditKind::CredentialIssued, Change::new(summary).subject(&credential.id)).await;
    let mut info = EmbedKeyInfo::of(&credential).expect("an embed key");
    info.key = Some(key);
    Ok((StatusCode::CREATED, Json(info)).into_response())
}

async fn revoke_key(
    auth: Auth,
    State(state): State<AppState>,
    _: NoQuery,
    PathParam(id): PathParam,
) -> Result<Json<EmbedKeyInfo>, ApiError> {
    auth.require(&[Role::Secretariat])?;
    let credential = state.store.credential_by_id(CredentialKind::EmbedKey, &id).await?;
    let revoked = credential.revoked(state.now());
    if credential.revoked_at.is_none() {
        state.store.save_credential(&revoked).await?;
        state.access.forget();
        tracing::info!(id = %id, "embed key revoked");
        let summary = format!("Indlejringsnøgle «{}» tilbagekaldt", credential.label);
        audit::record(&state, &auth, AuditKind::CredentialRevoked, Change::new(summary).subject(&id)).await;
    }
    Ok(Json(EmbedKeyInfo::of(&revoked).expect("an embed key")))
}

async fn revoked_tokens(
    auth: Auth,
    State(state): State<AppState>,
    _: NoQuery,
) -> Result<Json<RevokedTokensResponse>, ApiError> {
    auth.require(&[Role::Secretariat])?;
    let tokens = state.store.credentials(CredentialKind::RevokedToken).await?;
    Ok(Json(RevokedTokensResponse { tokens: tokens.iter().map(RevokedToken::of).collect() }))
}

/// A `jti` as `dk2020-api token` makes them (`tok_…`), or any other id a
/// token made elsewhere carries: 1-100 visible ASCII characters.
fn jti(raw: &str) -> Result<&str, ApiError> {
    let ok = !raw.is_empty() && raw.len() <= 100 && raw.bytes().all(|b| b.is_ascii_graphic());
    if ok { Ok(raw) } else { Err(ApiError::not_found(format!("token {raw:?}"))) }
}

async fn revoke_token(
    auth: Auth,
    State(state): State<AppState>,
    _: NoQuery,
    PathParam(raw): PathParam,
) -> Result<Json<RevokedToken>, ApiError> {
    auth.require(&[Role::Secretariat])?;
    let jti = jti(&raw)?;
    match state.store.credential(CredentialKind::RevokedToken, jti).await {
        Ok(existing) => return Ok(Json(RevokedToken::of(&existing))),
        Err(StoreError::NotFound(_)) => {}
        Err(e) => return Err(e.into()),
    }
    let now = state.now();
    let credential = Credential {
        id: jti.to_string(),
        hash: jti.to_string(),
        label: jti.to_string(),
        grant: Grant::RevokedToken,
        created_by: issuer(&auth),
        created_at: now,
        last_used: None,
        revoked_at: Some(now),
        expires_at: None,
    };
    match state.store.add_credential(&credential).await {
        Ok(()) | Err(StoreError::Conflict(_)) => {}
        Err(e) => return Err(e.into()),
    }
    state.access.forget();
    tracing::info!(jti = %jti, "token revoked");
    audit::record(&state, &auth, AuditKind::CredentialRevoked, Change::new("Token tilbagekaldt").subject(jti)).await;
    Ok(Json(RevokedToken::of(&credential)))
}

async fn domains(auth: Auth, State(state): State<AppState>, _: NoQuery) -> Result<Json<EmailDomains>, ApiError> {
    auth.require(&[Role::Secretariat])?;
    Ok(Json(state.store.setting::<EmailDomains>().await?))
}

async fn set_domains(
    auth: Auth,
    State(state): State<AppState>,
    _: NoQuery,
    JsonBody(request): JsonBody<EmailDomains>,
) -> Result<Json<EmailDomains>, ApiError> {
    auth.require(&[Role::Secretariat])?;
    let domains = request.checked().map_err(ApiError::Unprocessable)?;
    state.store.set_setting(&domains).await?;
    let summary = format!("{} e-maildomæner til log-in", domains.domains.len());
    audit::record(&state, &auth, AuditKind::SignInSettingsChanged, Change::new(summary)).await;
    Ok(Json(domains))
}

async fn session(
    auth: Auth,
    State(state): State<AppState>,
    _: NoQuery,
    headers: axum::http::HeaderMap,
) -> Result<Json<SessionInfo>, ApiError> {
    let no_session = || ApiError::Unauthorized("no session: sign in on the planner's own page".into());
    let Via::Session { email: Some(email), .. } = &auth.via else { return Err(no_session()) };
    let cookie = crate::session::from_cookie(&headers).ok_or_else(no_session)?;
    let session = crate::session::session(&state, cookie).await?.ok_or_else(no_session)?;
    let Grant::Session { csrf, .. } = &session.grant else { return Err(no_session()) };
    Ok(Json(SessionInfo {
        actor: auth.actor,
        email: email.clone(),
        csrf: csrf.clone(),
        expires_at: session.expires_at,
    }))
}
