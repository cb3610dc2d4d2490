//! Amazon SES (API v2) as a transport: what the mailer Lambda function sends
//! through (`DK2020_MAIL_TRANSPORT=ses`).
//!
//! The mail goes as raw content (`EmailContent::raw`): the very MIME message
//! lettre builds for SMTP (`lettre::Message::formatted`), so the text, the
//! HTML and the invitation are byte for byte what an SMTP server gets. The
//! recipients and the sender are the message's envelope, as with SMTP
//! (`RCPT TO`, `MAIL FROM`). SES replaces `Message-ID` and `Date` with its own
//! (SES developer guide, "Amazon SES header fields"); the invitation's `UID`
//! and `SEQUENCE`, which calendars go by, are untouched.
//!
//! Region, credentials and endpoint come from the usual AWS chain (under
//! Lambda: the function's region and role; for a local server
//! `AWS_ENDPOINT_URL_SESV2`, or `AWS_ENDPOINT_URL` for every service). The client is made on the first mail, so configuring the
//! transport needs no runtime and a process that sends nothing never loads
//! the AWS configuration.

use std::time::Duration;

use aws_config::{BehaviorVersion, timeout::TimeoutConfig};
use aws_sdk_sesv2::{
    Client,
    error::{DisplayErrorContext, ProvideErrorMetadata, SdkError},
    operation::send_email::SendEmailError,
    primitives::Blob,
    types::{Destination, EmailContent, RawMessage},
};
use tokio::sync::OnceCell;

/// The SES client, made on first use.
pub struct Ses {
    client: OnceCell<Client>,
    endpoint_url: Option<String>,
}

impl Ses {
    /// SES as the AWS chain configures it; at `endpoint_url` instead, when given.
    pub fn new(endpoint_url: Option<String>) -> Self {
        Self { client: OnceCell::new(), endpoint_url }
    }

    async fn client(&self) -> &Client {
        self.client
            .get_or_init(|| async {
                // SES answers a send in well under a second; a call still
                // waiting after these is better retried in a later round.
                let timeouts = TimeoutConfig::builder()
                    .connect_timeout(Duration::from_secs(3))
                    .operation_attempt_timeout(Duration::from_secs(10))
                    .operation_timeout(Duration::from_secs(20))
                    .build();
                let mut loader = aws_config::defaults(BehaviorVersion::latest()).timeout_config(timeouts);
                if let Some(url) = &self.endpoint_url {
                    loader = loader.endpoint_url(url);
                }
                Client::new(&loader.load().await)
            })
            .await
    }

    /// Hands `message` to SES; the reason when SES refuses it or cannot be
    /// reached (the outbox records it as a failed attempt).
    pub async fn send(&self, message: &lettre::Message) -> Result<(), String> {
        let envelope = message.envelope();
        let from = envelope.from().ok_or_else(|| "the mail has no sender address".to_string())?.to_string();
        let to: Vec<String> = envelope.to().iter().map(ToString::to_string).collect();
        let raw = RawMessage::builder().data(Blob::new(message.formatted())).build().map_err(|e| e.to_string())?;
        let sent = self
            .client()
            .await
            .send_email()
            .from_email_address(from)
            .destination(Destination::builder().set_to_addresses(Some(to)).build())
            .content(EmailContent::builder().raw(raw).build())
            .send()
            .await
            .map_err(refusal)?;
        // Ids only: which outbox message became which SES message.
        tracing::info!(
            mail = message.headers().get_raw("Message-ID").unwrap_or_default(),
            ses_message = sent.message_id().unwrap_or_default(),
            "SES accepted a mail"
        );
        Ok(())
    }
}

/// What the coordinator's list of failed mails says about a failed send.
fn refusal(e: SdkError<SendEmailError>) -> String {
    match e.as_service_error() {
        Some(refused) => format!(
            "SES refused the mail: {}: {}",
            refused.code().unwrap_or("error"),
            refused.message().unwrap_or("no reason given")
        ),
        None => format!("SES could not be reached: {}", DisplayErrorContext(&e)),
    }
}
