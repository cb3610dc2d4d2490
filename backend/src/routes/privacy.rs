//! Insight and erasure on request (GDPR articles 15 and 17), for the
//! secretariat: `GET /api/privacy/subjects?email=…` (JSON, or `format=text`
//! for the Danish summary a person is sent) and
//! `POST /api/privacy/subjects/erase`. Both are recorded in the audit log
//! without the address: that an insight or erasure happened, by whom, when.

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
    response::{IntoResponse, Response},
};
use dk2020_model::{
    Email, Role,
    api::{Erasure, SubjectReport, SubjectRequest},
    audit::AuditKind,
};

use crate::{
    audit::{self, Change},
    auth::Auth,
    error::ApiError,
    extract::{JsonBody, NoQuery, QueryPairs},
    openapi::docs::{Describe, content_disposition, response_schema},
    privacy,
    state::AppState,
};

pub fn router() -> ApiRouter<AppState> {
    ApiRouter::new()
        .api_route("/privacy/subjects", get_with(subject, subject_docs))
        .api_route("/privacy/subjects/erase", post_with(erase, erase_docs))
}

fn subject_docs(o: TransformOperation) -> TransformOperation {
    o.op(
        "getPrivacySubject",
        "privacy",
        "Everything held about one e-mail address (insight, GDPR art. 15)",
        "The bookings with this contact address (with topic, name and cancellation reason), the mails about them still kept, the audit entries that name the address, and its sessions and the keys it issued (never a secret). `format=text` gives the same as a readable Danish text to send to the person. The insight itself is recorded in the audit log, without the address.",
    )
    .roles(&[Role::Secretariat], false)
    .query("email", true, serde_json::json!({ "type": "string", "format": "email" }), "The person's e-mail address (case does not matter).")
    .query("format", false, serde_json::json!({ "type": "string", "enum": ["json", "text"] }), "`json` (default) or `text`.")
    .answer(
        200,
        serde_json::json!({
            "description": "What the product holds about the address.",
            "headers": content_disposition("dk2020-indsigt.txt"),
            "content": {
                "application/json": { "schema": response_schema::<SubjectReport>() },
                "text/plain": { "schema": { "type": "string", "description": "The same in Danish, for the person." } },
            },
        }),
    )
    .errors(&[503])
}

fn erase_docs(o: TransformOperation) -> TransformOperation {
    o.op(
        "erasePrivacySubject",
        "privacy",
        "Erase everything about one e-mail address (erasure, GDPR art. 17)",
        "The contact's name, e-mail, topic and cancellation reason in every booking with this address (municipality, kind, time and status stay for the statistics; a future session stays booked, without a contact to mail), the mails about those bookings, their manage links, the address in the audit log, its sessions, and the address in what it issued. Answers how many of each. Erasing again finds nothing: all counts 0. Recorded in the audit log, without the address.",
    )
    .roles(&[Role::Secretariat], false)
    .errors(&[503])
}

async fn subject(auth: Auth, State(state): State<AppState>, query: QueryPairs) -> Result<Response, ApiError> {
    query.only(&["email", "format"])?;
    auth.require(&[Role::Secretariat])?;
    let text = match query.get("format") {
        None | Some("json") => false,
        Some("text") => true,
        Some(other) => return Err(ApiError::bad_request(format!("format {other:?}: use json or text"))),
    };
    let raw = query.get("email").ok_or_else(|| ApiError::bad_request("give the person's e-mail address: ?email=…"))?;
    let email = Email::parse(raw).map_err(|e| ApiError::bad_request(format!("email: {e}")))?;
    let report = privacy::subject(state.store.as_ref(), &email, state.now()).await?;
    let summary = format!(
        "Indsigt: {} bookinger, {} mails, {} logposter, {} sessioner og nøgler",
        report.bookings.len(),
        report.mails.len(),
        report.audit.len(),
        report.credentials.len()
    );
    audit::record(&state, &auth, AuditKind::PersonalDataViewed, Change::new(summary)).await;
    if text {
        let body = report.danish_text(&state.store.municipalities().await?);
        return Ok(crate::downloads::attachment(body.into_bytes(), crate::downloads::TEXT, "dk2020-indsigt.txt"));
    }
    Ok(Json(report).into_response())
}

async fn erase(
    auth: Auth,
    State(state): State<AppState>,
    _: NoQuery,
    JsonBody(request): JsonBody<SubjectRequest>,
) -> Result<Json<Erasure>, ApiError> {
    auth.require(&[Role::Secretariat])?;
    let erased = privacy::erase(state.store.as_ref(), &request.email, state.now()).await?;
    // Counts only, here and in the log: the address is what was erased.
    tracing::info!(?erased, "personal data erased on request");
    audit::record(&state, &auth, AuditKind::PersonalDataErased, Change::new(format!("Sletning: {}", erased.danish())))
        .await;
    Ok(Json(erased))
}
