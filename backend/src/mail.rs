//! Delivering the outbox (`dk2020_model::outbox`): the sender reads the
//! messages that are due, composes each mail with the model
//! (`dk2020_model::mail`), hands it to the transport (an SMTP server through
//! `lettre`, Amazon SES under Lambda ([`ses`]), or `.eml` files in a folder
//! when no server is configured) and
//! writes the outcome back, as the model decides it (sent, retried later with
//! a longer wait, or failed after the last attempt).
//!
//! The local server runs [`run`] beside the HTTP server; a booking change
//! wakes it at once ([`crate::state::AppState::mail_due`]). A message is
//! marked sent only after the transport accepted it, so a crash in between
//! sends it again after the restart, with the same `Message-ID`.
//! Under Lambda the mailer function (`crate::mailer`) runs the same rounds.
//! Nothing personal reaches the logs: they name message ids and counts only.

pub mod ses;

use std::{path::PathBuf, sync::Arc, time::Duration};

use anyhow::Context;
use dk2020_model::{
    Municipalities,
    api::MailSettings,
    ical::Organizer,
    mail::{self, Mail, MailContext, Recipient},
    manage,
    outbox::{self, Delivery, Message, Notice},
};
use jiff::{SignedDuration, Timestamp};
use lettre::{
    AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Tokio1Executor,
    message::{Attachment, Mailbox, MultiPart, SinglePart, header::ContentType},
    transport::smtp::authentication::Credentials,
};
use tokio::sync::Notify;

use crate::{
    manage_link::{self, ManageLink},
    state::Clock,
    store::{BookingFilter, SettingsExt, Store, StoreError, StoreResult},
};

/// Messages read per round: a burst larger than this is sent over rounds.
pub const BATCH: usize = 50;

/// How often the sender looks for due messages when nothing wakes it: for
/// retries, whose time comes without a booking change.
pub const POLL: Duration = Duration::from_secs(30);

/// Where the mails go.
pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// `.eml` files in a folder: what `cargo xtask serve` does without a server.
    Files(AsyncFileTransport<Tokio1Executor>, PathBuf),
    /// Amazon SES, the mailer Lambda function's (`DK2020_MAIL_TRANSPORT=ses`).
    Ses(ses::Ses),
}

impl Transport {
    /// The SMTP server at `url` (`smtp://host:port`, `smtps://host:port`; see
    /// lettre's `from_url`), with `user` and `password` when the URL has none.
    pub fn smtp(url: &str, user: Option<&str>, password: Option<&str>) -> anyhow::Result<Self> {
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| anyhow::anyhow!("DK2020_SMTP_URL is not a usable SMTP address: {e}"))?;
        if let (Some(user), Some(password)) = (user, password) {
            builder = builder.credentials(Credentials::new(user.to_string(), password.to_string()));
        }
        Ok(Transport::Smtp(builder.timeout(Some(Duration::from_secs(20))).build()))
    }

    /// Mails as `.eml` files in `dir` (created if missing).
    pub fn files(dir: PathBuf) -> anyhow::Result<Self> {
        std::fs::create_dir_all(&dir).with_context(|| format!("cannot create the outbox folder {}", dir.display()))?;
        Ok(Transport::Files(AsyncFileTransport::new(&dir), dir))
    }

    /// Amazon SES, at `endpoint_url` when given (a local server), else as the
    /// AWS chain configures it.
    pub fn ses(endpoint_url: Option<String>) -> Self {
        Transport::Ses(ses::Ses::new(endpoint_url))
    }

    /// The folder of the `.eml` files, if the mails go there.
    pub fn files_dir(&self) -> Option<&std::path::Path> {
        match self {
            Transport::Files(_, dir) => Some(dir),
            Transport::Smtp(_) | Transport::Ses(_) => None,
        }
    }

    /// What the startup line says about it (no credentials).
    pub fn describe(&self) -> String {
        match self {
            Transport::Smtp(_) => "an SMTP server (DK2020_SMTP_URL)".to_string(),
            Transport::Files(_, dir) => format!(".eml files in {}", dir.display()),
            Transport::Ses(_) => "Amazon SES (DK2020_MAIL_TRANSPORT=ses)".to_string(),
        }
    }

    async fn send(&self, message: lettre::Message) -> Result<(), String> {
        match self {
            Transport::Smtp(smtp) => smtp.send(message).await.map(drop).map_err(|e| e.to_string()),
            Transport::Files(files, _) => files.send(message).await.map(drop).map_err(|e| e.to_string()),
            Transport::Ses(ses) => ses.send(&message).await,
        }
    }
}

/// Who the mails are from and what they say about the coordinator.
pub struct Sender {
    pub transport: Transport,
    pub from: Mailbox,
    pub coordinator: Organizer,
    pub meeting_link: Option<String>,
    /// The manage page (`DK2020_MANAGE_URL`): the contact's mails carry a
    /// link to it with a new key each ([`crate::manage_link`]); `None`: no link.
    pub manage_page: Option<String>,
    /// Attempts before a message is marked failed (`DK2020_MAIL_ATTEMPTS`).
    pub max_attempts: u32,
    /// How long before a session its contact is reminded; `None`: no reminders
    /// (`DK2020_REMINDER_HOURS=0`).
    pub reminder_lead: Option<SignedDuration>,
}

/// What one round did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Round {
    pub sent: usize,
    pub retried: usize,
    pub failed: usize,
    pub dropped: usize,
}

impl Sender {
    /// Records the reminders owed at `now` ([`outbox::reminder`]) that are not
    /// recorded yet: the sessions starting within the lead.
    pub async fn record_reminders(&self, store: &dyn Store, now: Timestamp) -> StoreResult<usize> {
        let Some(lead) = self.reminder_lead else { return Ok(0) };
        let filter =
            BookingFilter { ends_after: Some(now), starts_before: Some(now + lead), ..BookingFilter::default() };
        let mut recorded = 0;
        for booking in store.bookings(&filter).await? {
            let Some(reminder) = outbox::reminder(&booking, lead, now) else { continue };
            match store.message(&reminder.id).await {
                Ok(_) => {}
                Err(StoreError::NotFound(_)) => {
                    store.update_message(&reminder).await?;
                    recorded += 1;
                }
                Err(e) => return Err(e),
            }
        }
        Ok(recorded)
    }

    /// Sends every message due at `now` (at most [`BATCH`]) and stores each
    /// outcome.
    pub async fn deliver_due(&self, store: &dyn Store, now: Timestamp) -> StoreResult<Round> {
        let mut round = Round::default();
        let due = store.due_messages(now, BATCH).await?;
        // Most rounds find nothing due: read what composing needs only then.
        if due.is_empty() {
            return Ok(round);
        }
        let municipalities = store.municipalities().await?;
        let who = self.coordinator_as_set(store.setting::<MailSettings>().await?);
        for message in due {
            if let Notice::Reminder { booking } = &message.notice {
                let current = match store.booking(&booking.id).await {
                    Ok(b) => Some(b),
                    Err(StoreError::NotFound(_)) => None,
                    Err(e) => return Err(e),
                };
                if !outbox::still_current(&message, current.as_ref()) {
                    store.update_message(&message.dropped(now)).await?;
                    round.dropped += 1;
                    continue;
                }
            }
            let manage_link = self.manage_link_for(store, &message, now).await?;
            let outcome = match self.mail_of(&message, &municipalities, &who, manage_link.as_deref(), now) {
                Ok(mail) => self.transport.send(mail).await,
                Err(e) => Err(e),
            };
            let after = match outcome {
                Ok(()) => message.sent(now),
                Err(e) => message.attempt_failed(e, now, self.max_attempts),
            };
            match after.delivery {
                Delivery::Sent => round.sent += 1,
                Delivery::Due => round.retried += 1,
                Delivery::Failed => round.failed += 1,
                Delivery::Dropped => round.dropped += 1,
            }
            if after.delivery != Delivery::Sent {
                tracing::warn!(message = %after.id, attempts = after.attempts, "a mail could not be delivered");
            }
            store.update_message(&after).await?;
        }
        Ok(round)
    }

    /// A new manage link for a mail to the contact about a booking that can
    /// still be managed (not cancelled, not ended), its key recorded first:
    /// a mail never carries a key the store does not know. Each attempt
    /// makes its own; the keys of attempts that failed were never seen.
    async fn manage_link_for(
        &self,
        store: &dyn Store,
        message: &Message,
        now: Timestamp,
    ) -> StoreResult<Option<String>> {
        let Some(page) = &self.manage_page else { return Ok(None) };
        let booking = match &message.notice {
            Notice::Event { event } => event.booking(),
            Notice::Reminder { booking } => booking,
        };
        if message.recipient != Recipient::Contact || !booking.is_confirmed() || manage::opens(booking, now).is_err() {
            return Ok(None);
        }
        let (key, record) = ManageLink::issue(&booking.id, now);
        store.add_manage_link(&record).await?;
        Ok(Some(manage_link::link(page, &key)))
    }

    /// The coordinator and her meeting link: as she set them in her view,
    /// else as configured.
    fn coordinator_as_set(&self, set: MailSettings) -> (Organizer, Option<String>) {
        let organizer = Organizer {
            name: set.coordinator_name.unwrap_or_else(|| self.coordinator.name.clone()),
            email: set.coordinator_email.unwrap_or_else(|| self.coordinator.email.clone()),
        };
        (organizer, set.meeting_link.or_else(|| self.meeting_link.clone()))
    }

    /// The mail of `message`, composed by the model, as lettre sends it.
    fn mail_of(
        &self,
        message: &Message,
        municipalities: &Municipalities,
        (coordinator, meeting_link): &(Organizer, Option<String>),
        manage_link: Option<&str>,
        now: Timestamp,
    ) -> Result<lettre::Message, String> {
        let context = MailContext { municipalities, coordinator, meeting_link: meeting_link.as_deref(), manage_link };
        let mail = match &message.notice {
            Notice::Event { event } => mail::compose(event, message.recipient, &context),
            Notice::Reminder { booking } => mail::reminder(booking, message.recipient, &context),
        }
        .ok_or_else(|| "the contact's personal data was erased: there is no address to send to".to_string())?;
        // The contact's mail says "answer this mail": the answer reaches her.
        let reply_to = match message.recipient {
            Recipient::Contact => {
                let address = coordinator.email.as_str().parse().map_err(|e| format!("{e}"))?;
                Some(Mailbox::new(Some(coordinator.name.clone()), address))
            }
            Recipient::Coordinator => None,
        };
        self.build(&message.id, reply_to, mail, now)
    }

    fn build(
        &self,
        id: &str,
        reply_to: Option<Mailbox>,
        mail: Mail,
        now: Timestamp,
    ) -> Result<lettre::Message, String> {
        let to = Mailbox::new(Some(mail.to_name.clone()), mail.to.as_str().parse().map_err(|e| format!("{e}"))?);
        // Outlook applies the invitation only when `method=` matches its METHOD.
        let calendar = ContentType::parse(&mail.invitation.content_type()).map_err(|e| format!("{e}"))?;
        // The text, the HTML and the invitation as alternatives (what Outlook
        // reads as an invitation), and the invitation again as a file for the
        // programs that only import attachments.
        let body = MultiPart::alternative()
            .singlepart(SinglePart::plain(mail.text))
            .singlepart(SinglePart::html(mail.html))
            .singlepart(SinglePart::builder().header(calendar.clone()).body(mail.invitation.ics.clone()));
        let attachment = Attachment::new("invitation.ics".to_string()).body(mail.invitation.ics, calendar);
        // `Date` by the app's clock, like every other time the product states.
        let date = std::time::SystemTime::try_from(now).map_err(|e| e.to_string())?;
        let mut builder =
            lettre::Message::builder().message_id(Some(format!("<{id}>"))).date(date).from(self.from.clone()).to(to);
        if let Some(reply_to) = reply_to {
            builder = builder.reply_to(reply_to);
        }
        builder
            .subject(mail.subject)
            .multipart(MultiPart::mixed().multipart(body).singlepart(attachment))
            .map_err(|e| e.to_string())
    }
}

/// The local server's sender: a round whenever a booking change wakes it, and
/// every [`POLL`] for retries, until the process ends.
pub async fn run(sender: Arc<Sender>, store: Arc<dyn Store>, clock: Clock, wake: Arc<Notify>) {
    loop {
        if let Err(e) = sender.record_reminders(store.as_ref(), clock.now()).await {
            tracing::warn!(error = %e, "reminders could not be recorded; trying again later");
        }
        match sender.deliver_due(store.as_ref(), clock.now()).await {
            // A full batch: more may be due at once.
            Ok(round) if round.sent + round.retried + round.failed + round.dropped == BATCH => continue,
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "the outbox could not be read; trying again later"),
        }
        let _ = tokio::time::timeout(POLL, wake.notified()).await;
    }
}
