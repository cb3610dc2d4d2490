//! The mailer Lambda function (`dk2020-mailer`, `backend/src/bin/dk2020-mailer.rs`):
//! the outbox sender of [`crate::mail`] as a function of its own, beside the
//! API's. The API only records mail in the outbox (in the same transaction as
//! the booking change); this function delivers it, through Amazon SES.
//!
//! Two things invoke it (infra/template.yaml):
//!
//! - the table's DynamoDB stream, filtered to new items in the partition
//!   `OUTBOX#due`: a booking change wakes it at once. The stream is
//!   `KEYS_ONLY`, so its records carry keys and no personal data, and they
//!   are only a wake-up: what is due is read from the table;
//! - an EventBridge schedule every few minutes: the reminders, whose time
//!   comes without a change, and the retries after a failed attempt.
//!
//! Each invocation does what one pass of the local server's loop
//! ([`crate::mail::run`]) does: records the reminders owed, then delivers due
//! messages in rounds until a round is not a full batch (or the invocation's
//! time runs short). Reserved concurrency 1 keeps two invocations from
//! sending the same message at once. A store error fails the invocation
//! (Lambda retries a stream batch a few times; the schedule comes anyway); a
//! refused mail is an outcome, recorded as a failed attempt. The logs and the
//! answer name counts only.

use std::time::{Duration, SystemTime};

use serde::Serialize;
use serde_json::Value;

use crate::{
    config::{Config, MailTransport},
    mail::{BATCH, Round, Sender},
    state::Clock,
    store::{Store, StoreResult},
    telemetry,
};

/// What woke the function (from the event's shape; nothing else in the event is read).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Wake {
    /// Records of the table's stream: new outbox items.
    Stream { records: usize },
    /// The EventBridge schedule.
    Schedule,
    /// Anything else, e.g. a test invoke from the console: delivers as well.
    Other,
}

impl Wake {
    pub fn of(event: &Value) -> Wake {
        if let Some(records) = event.get("Records").and_then(Value::as_array) {
            let from_stream = records.iter().filter(|r| r["eventSource"] == "aws:dynamodb").count();
            if from_stream > 0 {
                return Wake::Stream { records: from_stream };
            }
        }
        if event["source"] == "aws.events" || event["detail-type"] == "Scheduled Event" {
            return Wake::Schedule;
        }
        Wake::Other
    }
}

/// What one invocation did (its answer, and its log line).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub wake: Wake,
    pub reminders: usize,
    pub rounds: usize,
    pub sent: usize,
    pub retried: usize,
    pub failed: usize,
    pub dropped: usize,
}

/// No new round is started with less time than this left: a round of a full
/// batch through SES takes seconds, and an invocation cut off by its timeout
/// may leave a sent mail unmarked (sent again, with the same content, later).
pub const ROUND_MARGIN: Duration = Duration::from_secs(20);

/// Records the reminders owed, then delivers due messages round after round
/// while rounds come back full and `time_left` allows another. An error of
/// the store while delivering fails the invocation (the table is unreachable:
/// Lambda retries a stream batch, the schedule comes anyway).
pub async fn deliver(
    sender: &Sender,
    store: &dyn Store,
    clock: &Clock,
    wake: Wake,
    time_left: impl Fn() -> Duration,
) -> StoreResult<Summary> {
    // As in the local server's loop: reminders that cannot be recorded now
    // (e.g. one booking that cannot be read) must not hold up the mails due.
    let reminders = match sender.record_reminders(store, clock.now()).await {
        Ok(recorded) => recorded,
        Err(e) => {
            tracing::warn!(error = %e, "reminders could not be recorded; trying again on the next run");
            0
        }
    };
    let mut summary = Summary { wake, reminders, rounds: 0, sent: 0, retried: 0, failed: 0, dropped: 0 };
    loop {
        let Round { sent, retried, failed, dropped } = sender.deliver_due(store, clock.now()).await?;
        summary.rounds += 1;
        summary.sent += sent;
        summary.retried += retried;
        summary.failed += failed;
        summary.dropped += dropped;
        let full = sent + retried + failed + dropped == BATCH;
        if !full || time_left() < ROUND_MARGIN {
            break;
        }
    }
    Ok(summary)
}

/// The function's process: the configuration from the environment (the same
/// [`Config`] as everywhere, with `DK2020_MAIL_TRANSPORT=ses`), the store and
/// the sender made once, then one [`deliver`] per invocation.
pub async fn run(config: Config) -> Result<(), lambda_http::Error> {
    telemetry::init(true);
    // `.eml` files in a Lambda sandbox would reach nobody.
    if config.mail_transport != MailTransport::Ses && config.smtp_url.is_none() {
        return Err("the mailer sends through SES: set DK2020_MAIL_TRANSPORT=ses (or DK2020_SMTP_URL)".into());
    }
    let sender = config.mail_sender().map_err(|e| format!("{e:#}"))?;
    tracing::info!(transport = %sender.transport.describe(), "the mailer is ready");
    let store = config.open_store().await.map_err(|e| format!("{e:#}"))?.shared();
    let clock = config.now.clone();
    let (sender, store, clock) = (&sender, store.as_ref(), &clock);
    lambda_http::lambda_runtime::run(lambda_http::service_fn(
        move |event: lambda_http::LambdaEvent<Value>| async move {
            let wake = Wake::of(&event.payload);
            let deadline = event.context.deadline();
            let time_left = || deadline.duration_since(SystemTime::now()).unwrap_or_default();
            match deliver(sender, store, clock, wake, time_left).await {
                Ok(summary) => {
                    tracing::info!(?summary, "outbox delivered");
                    Ok::<_, lambda_http::Error>(summary)
                }
                Err(e) => {
                    tracing::warn!(error = %e, "the outbox could not be read or updated");
                    Err(format!("the outbox could not be read or updated: {e}").into())
                }
            }
        },
    ))
    .await
}

#[cfg(test)]
mod tests {
    use dk2020_model::{
        Actor, Booking, BookingId, BookingStatus, ContactName, Email, Event, LocalTime, MunicipalityCode, SessionKind,
        Topic, outbox,
    };
    use jiff::{SignedDuration, Timestamp};
    use serde_json::json;

    use super::*;
    use crate::store::{Outbox, SqliteStore};

    fn now() -> Timestamp {
        "2026-11-30T08:00:00+01:00".parse().unwrap()
    }

    /// `n` bookings' confirmations (two mails each), due now, in a fresh
    /// SQLite store; a sender writing `.eml` files.
    async fn burst(n: usize, dir: &std::path::Path) -> (SqliteStore, Sender) {
        let store = SqliteStore::open(dir.join("outbox.sqlite")).unwrap();
        for i in 0..n {
            let start = now() + SignedDuration::from_hours(48 + i as i64);
            let booking = Booking {
                id: BookingId::parse(&format!("burst-{i}")).unwrap(),
                municipality: MunicipalityCode::new(779).unwrap(),
                kind: SessionKind::Online,
                start: LocalTime::new(start),
                end: LocalTime::new(start + SignedDuration::from_hours(1)),
                topic: Some(Topic::parse("Klimaplan").unwrap()),
                contact_name: Some(ContactName::parse("Anne").unwrap()),
                contact_email: Some(Email::parse("anne@skive.dk").unwrap()),
                status: BookingStatus::Confirmed,
                created_at: now(),
                changed_at: now(),
                sequence: 0,
                erased_at: None,
            };
            let event =
                Event::Booked { by: Actor::Municipality { municipality: booking.municipality }, booking, at: now() };
            for message in outbox::owed_by(&event) {
                store.update_message(&message).await.unwrap();
            }
        }
        // The configured sender (from, coordinator, attempts), writing `.eml` files.
        let eml = dir.join("eml").to_string_lossy().into_owned();
        let config = Config::from_args(["--mail-transport", "auto", "--outbox-dir", eml.as_str()]).unwrap();
        let mut sender = config.mail_sender().unwrap();
        sender.transport = crate::mail::Transport::files(dir.join("eml")).unwrap();
        (store, sender)
    }

    #[tokio::test]
    async fn a_burst_larger_than_a_batch_is_sent_in_one_invocation() {
        let dir = tempfile::tempdir().unwrap();
        // 60 mails: a full round of 50, then one of 10.
        let (store, sender) = burst(30, dir.path()).await;
        let clock = Clock::Fixed(now());
        let summary = deliver(&sender, &store, &clock, Wake::Schedule, || Duration::from_secs(50)).await.unwrap();
        assert_eq!((summary.rounds, summary.sent, summary.failed), (2, 60, 0), "{summary:?}");
        assert!(store.due_messages(now(), 100).await.unwrap().is_empty());
        assert_eq!(std::fs::read_dir(dir.path().join("eml")).unwrap().count(), 60, "60 .eml files");
    }

    #[tokio::test]
    async fn no_round_is_started_when_the_invocation_is_nearly_out_of_time() {
        let dir = tempfile::tempdir().unwrap();
        let (store, sender) = burst(30, dir.path()).await;
        let clock = Clock::Fixed(now());
        let summary = deliver(&sender, &store, &clock, Wake::Other, || ROUND_MARGIN / 2).await.unwrap();
        assert_eq!((summary.rounds, summary.sent), (1, BATCH), "{summary:?}");
        // The rest waits for the next invocation.
        assert_eq!(store.due_messages(now(), 100).await.unwrap().len(), 60 - BATCH);
    }

    #[test]
    fn the_wake_up_is_told_by_the_events_shape() {
        let stream = json!({"Records": [
            {"eventSource": "aws:dynamodb", "eventName": "INSERT", "dynamodb": {"Keys": {"pk": {"S": "OUTBOX#due"}}}},
            {"eventSource": "aws:dynamodb", "eventName": "INSERT", "dynamodb": {"Keys": {"pk": {"S": "OUTBOX#due"}}}}
        ]});
        assert_eq!(Wake::of(&stream), Wake::Stream { records: 2 });
        let schedule = json!({"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}});
        assert_eq!(Wake::of(&schedule), Wake::Schedule);
        assert_eq!(Wake::of(&json!({})), Wake::Other);
        assert_eq!(Wake::of(&json!({"Records": [{"eventSource": "aws:sqs"}]})), Wake::Other);
        assert_eq!(Wake::of(&json!("text")), Wake::Other);
    }
}
