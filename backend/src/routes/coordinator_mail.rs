//! The coordinator's mail: the mails that could not be sent, with "send
//! again", and her own mail settings (name, address, meeting link).

use aide::{
    axum::{
        ApiRouter,
        routing::{get_with, post_with},
    },
    transform::TransformOperation,
};
use axum::{Json, extract::State};
use dk2020_model::{
    BookingId, Role,
    api::{FailedMail, FailedMailsResponse, MailSettings, ManageLinksRevoked, SentAgain},
    audit::AuditKind,
};
use serde_json::json;

use crate::{
    audit::{self, Change},
    auth::Auth,
    error::ApiError,
    extract::{JsonBody, NoQuery, PathParam},
    openapi::docs::Describe,
    state::AppState,
    store::{SendAgain, SettingsExt},
};

pub fn router() -> ApiRouter<AppState> {
    ApiRouter::new()
        .api_route("/coordinator/outbox", get_with(failed_mails, failed_mails_docs))
        .api_route("/coordinator/outbox/{id}/send-again", post_with(send_again, send_again_docs))
        .api_route("/coordinator/bookings/{id}/manage-links/revoke", post_with(revoke_links, revoke_links_docs))
        .api_route(
            "/coordinator/mail-settings",
            get_with(get_mail_settings, get_mail_settings_docs).put_with(set_mail_settings, set_mail_settings_docs),
        )
}

fn failed_mails_docs(o: TransformOperation) -> TransformOperation {
    o.op(
        "getFailedMails",
        "coordinator",
        "The mails that could not be sent",
        "Every booking mail the sender gave up on after its last attempt, the latest first: to whom (the contact or the coordinator), about which booking, and the mail server's last answer.",
    )
    .roles(&[Role::Coordinator], false)
    .ok("The failed mails (none: an empty list).")
    .errors(&[503])
}

fn send_again_docs(o: TransformOperation) -> TransformOperation {
    o.op(
        "sendMailAgain",
        "coordinator",
        "Send a failed mail again",
        "Makes a failed mail due now, with a fresh round of attempts, and wakes the sender; it is the same mail (the same `Message-ID`). 404 for an unknown id; 409 (`mail_not_failed`) when the mail is not failed (already due again, or sent).",
    )
    .roles(&[Role::Coordinator], false)
    .param(json!({
        "name": "id",
        "in": "path",
        "required": true,
        "schema": { "type": "string", "minLength": 1, "maxLength": 300 },
        "description": "The mail's id, as `GET /api/coordinator/outbox` lists it (404 when there is no such mail).",
    }))
    .ok("The mail is due again.")
    .errors(&[404, 409, 503])
}

fn revoke_links_docs(o: TransformOperation) -> TransformOperation {
    o.op(
        "revokeManageLinks",
        "coordinator",
        "Revoke a booking's manage links",
        "Every manage link sent to the booking's contact stops working at once (401 `manage_link_invalid`), e.g. when a mail reached the wrong person. The booking itself is unchanged; a later mail about it carries a new link.",
    )
    .roles(&[Role::Coordinator], false)
    .path_parameter("BookingIdPath")
    .ok("How many links were revoked.")
    .errors(&[503])
}

fn get_mail_settings_docs(o: TransformOperation) -> TransformOperation {
    o.op(
        "getMailSettings",
        "coordinator",
        "The coordinator's mail settings",
        "Her name and e-mail address (the organiser of every invitation; a copy of every mail goes to the address) and the link of her online meetings, as the mails use them: what she stored, else the server's configuration (`DK2020_COORDINATOR_NAME`, `DK2020_COORDINATOR_EMAIL`, `DK2020_MEETING_LINK`).",
    )
    .roles(&[Role::Coordinator], false)
    .ok("The settings in effect.")
    .errors(&[503])
}

fn set_mail_settings_docs(o: TransformOperation) -> TransformOperation {
    o.op(
        "setMailSettings",
        "coordinator",
        "Replace the coordinator's mail settings",
        "Stores her name (1-100 characters, no control characters), e-mail address and meeting link (an absolute http(s) URL, at most 500 characters); a missing or blank field takes the server's configured value. 400 for an address that is not one, 422 lists the other problems.",
    )
    .roles(&[Role::Coordinator], false)
    .ok("The settings now in effect.")
    .errors(&[422, 503])
}

async fn failed_mails(
    auth: Auth,
    State(state): State<AppState>,
    _: NoQuery,
) -> Result<Json<FailedMailsResponse>, ApiError> {
    auth.require(&[Role::Coordinator])?;
    let failed = state.store.failed_messages().await?;
    Ok(Json(FailedMailsResponse { mails: failed.iter().map(FailedMail::from).collect() }))
}

async fn send_again(
    auth: Auth,
    State(state): State<AppState>,
    _: NoQuery,
    PathParam(id): PathParam,
) -> Result<Json<SentAgain>, ApiError> {
    auth.require(&[Role::Coordinator])?;
    match state.store.send_again(&id, state.now()).await? {
        SendAgain::Due(message) => {
            state.mail_due();
            tracing::info!(id = %message.id, "failed mail sent again");
            Ok(Json(SentAgain { id: message.id, due: message.due }))
        }
        SendAgain::NotFailed(delivery) => Err(ApiError::MailNotFailed(format!(
            "the mail has not failed (it is {}): there is nothing to send again",
            delivery.as_str()
        ))),
    }
}

/// 404 for a booking that does not exist, so a typo is not "0 revoked".
async fn revoke_links(
    auth: Auth,
    State(state): State<AppState>,
    _: NoQuery,
    PathParam(id): PathParam,
) -> Result<Json<ManageLinksRevoked>, ApiError> {
    auth.require(&[Role::Coordinator])?;
    let id = BookingId::parse(&id).map_err(|_| ApiError::not_found(format!("booking {id:?}")))?;
    state.store.booking(&id).await?;
    let revoked = state.store.revoke_manage_links(&id).await?;
    let summary = format!("{revoked} link(s) i bookingmails tilbagekaldt");
    audit::record(&state, &auth, AuditKind::CredentialRevoked, Change::new(summary).subject(&id)).await;
    tracing::info!(id = %id, revoked, "manage links revoked");
    Ok(Json(ManageLinksRevoked { revoked }))
}

async fn get_mail_settings(
    auth: Auth,
    State(state): State<AppState>,
    _: NoQuery,
) -> Result<Json<MailSettings>, ApiError> {
    auth.require(&[Role::Coordinator])?;
    Ok(Json(state.store.setting::<MailSettings>().await?.or(&state.mail_defaults)))
}

async fn set_mail_settings(
    auth: Auth,
    State(state): State<AppState>,
    _: NoQuery,
    JsonBody(settings): JsonBody<MailSettings>,
) -> Result<Json<MailSettings>, ApiError> {
    auth.require(&[Role::Coordinator])?;
    let settings = settings.checked().map_err(|problems| {
        ApiError::Unprocessable(problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))
    })?;
    state.store.set_setting(&settings).await?;
    audit::record(&state, &auth, AuditKind::MailSettingsChanged, Change::new("Afsender og mødelink i mails")).await;
    Ok(Json(settings.or(&state.mail_defaults)))
}
