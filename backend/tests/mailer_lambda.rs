//! The `dk2020-mailer` executable the way Lambda runs it (its own function in
//! infra/template.yaml), under the local emulation of the Lambda Runtime API
//! (`tests/shared/lambda_runtime_api.rs`, as in `lambda_runtime.rs`), on the
//! DynamoDB store of the local server and moto's SES v2:
//!
//! 1. a booking made through the store records its two mails in the outbox;
//!    the table's stream wakes the mailer (the checked-in event: the keys of
//!    the two new `OUTBOX#due` items, as a `KEYS_ONLY` stream delivers them);
//!    both mails reach SES and are marked sent in the table;
//! 2. a day later (another cold start, the app's clock 23 hours before the
//!    session) the EventBridge schedule invokes it: it records the contact's
//!    reminder and sends it; nothing is sent twice.
//!
//! Each invocation's answer is the summary of what it did (counts only).
//! Skipped without the local DynamoDB server (`DK2020_TEST_DYNAMODB_ENDPOINT`).
//! The executable is this build's `dk2020-mailer`; to check a packaged build
//! instead, point `DK2020_MAILER_BOOTSTRAP` at its unzipped `bootstrap` (e.g.
//! `target/lambda/x86_64/dk2020-mailer/bootstrap`).

#[path = "support/calendar.rs"]
mod calendar;
#[path = "support/dynamodb.rs"]
mod dynamodb_support;
#[path = "support/function.rs"]
mod function;

// Shared with `cargo xtask bench`; this test needs only a part of it.
#[allow(dead_code)]
#[path = "../../tests/shared/lambda_runtime_api.rs"]
mod lambda_runtime_api;
#[path = "support/ses.rs"]
mod ses_support;

use std::{
    collections::BTreeSet,
    path::PathBuf,
    process::{Command, Stdio},
    time::Duration,
};

use dk2020_api::store::{Bookings, ManageLinks, NewBooking, Outbox, SettingsExt};
use dk2020_model::{
    Actor, Booking, BookingId, BookingStatus, ContactName, Email, LocalTime, MunicipalityCode, SessionKind, Topic,
    outbox::{self, Delivery},
};
use jiff::{SignedDuration, Timestamp};
use lambda_runtime_api::lambda_environment;
use serde_json::{Value, json};

const FUNCTION_NAME: &str = "dk2020-mailer-test";
const BOOKED_AT: &str = "2026-11-30T08:00:00+01:00";
const START: &str = "2026-12-02T09:00:00+01:00";
const FROM: &str = "dk2020@kommuner.test";
const COORDINATOR: &str = "koordinator@klima.test";
/// How long one invocation may take before the test gives up (it takes well
/// under a second; the bound only stops a hang).
const DEADLINE: Duration = Duration::from_secs(60);

fn ts(text: &str) -> Timestamp {
    text.parse().unwrap()
}

fn fixture(name: &str) -> Value {
    function::fixture("mailer", name)
}

/// The executable under test: `DK2020_MAILER_BOOTSTRAP`, or this build's `dk2020-mailer`.
fn executable() -> PathBuf {
    function::executable("DK2020_MAILER_BOOTSTRAP", env!("CARGO_BIN_EXE_dk2020-mailer"))
}

/// Starts `dk2020-mailer` as Lambda starts `bootstrap` (a clean environment
/// with Lambda's variables and the function's own, `app_env`), hands it
/// `event` and returns its answer and its logs.
fn invoke(label: &str, event: &Value, app_env: &[(&str, String)]) -> (Value, String) {
    match invoke_for_outcome(label, event, app_env) {
        (Ok(answer), logs) => (answer, logs),
        (Err(error), logs) => panic!("{label}: the invocation failed: {error}\n{logs}"),
    }
}

/// [`invoke`], with a failed invocation as `Err` (the error Lambda was told).
fn invoke_for_outcome(label: &str, event: &Value, app_env: &[(&str, String)]) -> (Result<Value, String>, String) {
    function::invoke(&executable(), FUNCTION_NAME, label, event, app_env, DEADLINE)
}

fn booking() -> Booking {
    let start = ts(START);
    Booking {
        id: BookingId::parse("mailer-1").unwrap(),
        municipality: MunicipalityCode::new(779).unwrap(),
        kind: SessionKind::Online,
        start: LocalTime::new(start),
        end: LocalTime::new(start + SignedDuration::from_hours(1)),
        topic: Some(Topic::parse("Klimaplan").unwrap()),
        contact_name: Some(ContactName::parse("Anne Jensen").unwrap()),
        contact_email: Some(Email::parse("anne@skive.dk").unwrap()),
        status: BookingStatus::Confirmed,
        created_at: ts(BOOKED_AT),
        changed_at: ts(BOOKED_AT),
        sequence: 0,
        erased_at: None,
    }
}

#[tokio::test]
async fn the_mailer_function_sends_what_the_stream_and_the_schedule_wake_it_for() {
    let Some(endpoint) = dynamodb_support::endpoint() else { return };
    let store = dynamodb_support::fresh_store(&endpoint).await;
    let table = store.table_name().to_string();
    let _drop = dynamodb_support::DropTable(store.clone());
    let Some(ses) = ses_support::LocalSes::start() else { return };
    ses.verify_domain("kommuner.test").await;

    // A real booking, through the store: its transaction records the two mails.
    store.set_setting(&calendar::test_calendar(1)).await.unwrap();
    let b = booking();
    let request = dk2020_model::api::BookingRequest::again(&b).expect("a booking with its contact");
    let by = Actor::Municipality { municipality: b.municipality };
    let created = store
        .create_booking(NewBooking { request: &request, id: &b.id, by, idempotency_key: None, now: ts(BOOKED_AT) })
        .await
        .unwrap();
    let owed = outbox::owed_by(&created.event.expect("a new booking"));

    // The stream's records name exactly those two items (keys only).
    let stream_event = fixture("dynamodb_stream_outbox_inserts.json");
    let keys: BTreeSet<&str> = stream_event["Records"]
        .as_array()
        .expect("records")
        .iter()
        .map(|r| {
            assert_eq!(r["dynamodb"]["StreamViewType"], "KEYS_ONLY");
            assert_eq!(r["dynamodb"]["Keys"]["pk"]["S"], "OUTBOX#due");
            r["dynamodb"]["Keys"]["sk"]["S"].as_str().expect("a sort key")
        })
        .collect();
    assert_eq!(keys, owed.iter().map(|m| m.id.as_str()).collect(), "the fixture's keys are the booking's messages");

    // What infra/template.yaml sets, with the local servers and dummy credentials.
    let env = |now: Timestamp| {
        vec![
            ("DK2020_STORE", "dynamodb".to_string()),
            ("DK2020_TABLE", table.clone()),
            ("DK2020_MAIL_TRANSPORT", "ses".into()),
            ("DK2020_MAIL_FROM", format!("\"DK2020-planner\" <{FROM}>")),
            ("DK2020_COORDINATOR_EMAIL", COORDINATOR.into()),
            ("DK2020_COORDINATOR_NAME", "Klimakoordinatoren".into()),
            ("DK2020_REMINDER_HOURS", "24".into()),
            ("DK2020_MANAGE_URL", "https://cdn.example/manage.html?api=https://api.example/prod".into()),
            ("DK2020_NOW", now.to_string()),
            // moto answers one request at a time, and the other tests share it.
            ("DK2020_DYNAMODB_TIMEOUT_SECS", "60".into()),
            ("AWS_ENDPOINT_URL", endpoint.clone()),
            ("AWS_ENDPOINT_URL_SESV2", ses.endpoint().to_string()),
            ("AWS_ACCESS_KEY_ID", "test".into()),
            ("AWS_SECRET_ACCESS_KEY", "test".into()),
            ("AWS_SESSION_TOKEN", "test".into()),
        ]
    };

    // 1. The stream wakes it a moment after the booking.
    let (answer, logs) = invoke("stream", &stream_event, &env(ts(BOOKED_AT) + SignedDuration::from_secs(2)));
    assert_eq!(
        answer,
        json!({"wake": {"stream": {"records": 2}}, "reminders": 0, "rounds": 1, "sent": 2, "retried": 0, "failed": 0, "dropped": 0}),
        "{logs}"
    );
    let sent = ses.sent();
    assert_eq!(sent.len(), 2, "{sent:#?}");
    for message in &owed {
        let stored = store.message(&message.id).await.unwrap();
        assert_eq!(stored.delivery, Delivery::Sent, "{stored:?}");
        let mail = sent
            .iter()
            .find(|s| s.raw.contains(&format!("Message-ID: <{}>", message.id)))
            .unwrap_or_else(|| panic!("SES got {}: {sent:#?}", message.id));
        assert_eq!(mail.source, FROM);
        assert!(mail.raw.contains("Subject: =?utf-8?") || mail.raw.contains("Subject: Bekr"), "{}", mail.raw);
        assert!(mail.raw.contains("Content-Type: text/calendar"), "the invitation: {}", mail.raw);
    }
    // The contact's mail carried a manage link, its key recorded by the mailer (the coordinator's none).
    assert_eq!(store.revoke_manage_links(&b.id).await.unwrap(), 1, "one key, for the contact's mail");
    let to: BTreeSet<String> =
        sent.iter().flat_map(|s| s.destinations.iter().filter(|d| !d.contains('<')).cloned()).collect();
    assert_eq!(to, ["anne@skive.dk".to_string(), COORDINATOR.to_string()].into());
    // Nothing personal in its log: ids and counts only.
    for personal in ["anne@skive.dk", "Anne Jensen", "Klimaplan", COORDINATOR] {
        assert!(!logs.contains(personal), "the log names {personal:?}:\n{logs}");
    }
    assert!(logs.contains(&owed[0].id), "the log names the message ids:\n{logs}");

    // 2. The schedule, 23 hours before the session: the reminder, nothing else.
    let now = ts(START) - SignedDuration::from_hours(23);
    let (answer, logs) = invoke("schedule", &fixture("eventbridge_schedule.json"), &env(now));
    assert_eq!(
        answer,
        json!({"wake": "schedule", "reminders": 1, "rounds": 1, "sent": 1, "retried": 0, "failed": 0, "dropped": 0}),
        "{logs}"
    );
    let sent = ses.sent();
    assert_eq!(sent.len(), 3, "the two mails were not sent again: {sent:#?}");
    let reminder = outbox::reminder(&b, SignedDuration::from_hours(24), now).expect("owed");
    assert_eq!(store.message(&reminder.id).await.unwrap().delivery, Delivery::Sent);
    let mail = sent.iter().find(|s| s.raw.contains(&format!("Message-ID: <{}>", reminder.id))).expect("the reminder");
    assert!(mail.destinations.iter().all(|d| d.contains("anne@skive.dk")), "{mail:?}");
    assert!(store.due_messages(now, 10).await.unwrap().is_empty(), "nothing left due");
}

/// Started by hand, outside Lambda, it says where it belongs instead of
/// panicking; under Lambda a bad setting stops it with the variable named.
#[test]
fn the_mailer_outside_lambda_or_misconfigured_says_why_and_stops() {
    let run = |env: &[(&str, String)]| {
        let out = Command::new(executable())
            .env_clear()
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .output()
            .expect("running dk2020-mailer");
        (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
    };
    let (code, stderr) = run(&[]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("AWS Lambda only") && stderr.contains("AWS_LAMBDA_RUNTIME_API"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");

    let mut env = lambda_environment("127.0.0.1:9", FUNCTION_NAME);
    env.push(("DK2020_MAIL_TRANSPORT", "sendmail".into()));
    let (code, stderr) = run(&env);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("DK2020_MAIL_TRANSPORT") && !stderr.contains("panicked"), "{stderr}");

    // Without SES (or SMTP) its mails would be files in the sandbox: it refuses to start.
    env.pop();
    let (code, stderr) = run(&env);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("set DK2020_MAIL_TRANSPORT=ses") && !stderr.contains("panicked"), "{stderr}");
}

/// A table it cannot read (here: one that does not exist) fails the
/// invocation with a clear error, which Lambda retries; the process itself
/// goes on to the next event.
#[tokio::test]
async fn a_table_it_cannot_read_fails_the_invocation_not_the_process() {
    let Some(endpoint) = dynamodb_support::endpoint() else { return };
    // The server answers (a fresh table is made and dropped), the mailer's table is not there.
    let store = dynamodb_support::fresh_store(&endpoint).await;
    drop(dynamodb_support::DropTable(store));
    let env = [
        ("DK2020_STORE", "dynamodb".to_string()),
        ("DK2020_TABLE", dynamodb_support::unique_table_name("dk2020-missing")),
        ("DK2020_MAIL_TRANSPORT", "ses".into()),
        ("DK2020_NOW", BOOKED_AT.into()),
        ("DK2020_DYNAMODB_TIMEOUT_SECS", "60".into()),
        ("AWS_ENDPOINT_URL", endpoint.clone()),
        ("AWS_ACCESS_KEY_ID", "test".into()),
        ("AWS_SECRET_ACCESS_KEY", "test".into()),
    ];
    let (outcome, logs) = invoke_for_outcome("missing table", &fixture("eventbridge_schedule.json"), &env);
    let error = outcome.expect_err("the invocation fails");
    let error: Value = serde_json::from_str(&error).unwrap_or_else(|e| panic!("Lambda's error JSON ({e}): {error}"));
    let message = error["errorMessage"].as_str().unwrap_or_default();
    assert!(message.starts_with("the outbox could not be read or updated"), "{error}\n{logs}");
    assert!(!logs.contains("panicked"), "{logs}");
}
