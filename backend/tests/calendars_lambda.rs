//! The `dk2020-calendars` executable the way Lambda runs it (its own function
//! in infra/template.yaml, on an EventBridge schedule), under the local
//! emulation of the Lambda Runtime API, on the DynamoDB store of the local
//! server, against a local calendar server serving the Outlook fixture:
//!
//! 1. a new subscription is fetched at the first invocation, its busy times
//!    stored;
//! 2. five minutes later it is not due yet: nothing is fetched;
//! 3. a quarter of an hour after the fetch it is due: fetched with its ETag,
//!    answered `304`, the busy times kept.
//!
//! Each answer is the summary of what it did (counts only); the log never
//! shows the calendar's address. Skipped without the local DynamoDB server
//! (`DK2020_TEST_DYNAMODB_ENDPOINT`). To check a packaged build, point
//! `DK2020_CALENDARS_BOOTSTRAP` at its unzipped `bootstrap`.

#[path = "support/dynamodb.rs"]
mod dynamodb_support;
#[path = "support/function.rs"]
mod function;
// The calendar server of the API tests; this test needs only a part of it.
#[allow(dead_code)]
#[path = "../../tests/src/ics_server.rs"]
mod ics_server;
// Shared with `cargo xtask bench`; this test needs only a part of it.
#[allow(dead_code)]
#[path = "../../tests/shared/lambda_runtime_api.rs"]
mod lambda_runtime_api;

use std::{path::PathBuf, time::Duration};

use dk2020_api::store::Calendars;
use dk2020_model::subscription::{CalendarId, CalendarLabel, Subscription};
use ics_server::{Answer, IcsServer};
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

const FUNCTION_NAME: &str = "dk2020-calendars-test";
const NOW: &str = "2027-03-01T08:00:00+01:00";
/// How long one invocation may take before the test gives up (well under a
/// second; the bound only stops a hang).
const DEADLINE: Duration = Duration::from_secs(60);

fn executable() -> PathBuf {
    function::executable("DK2020_CALENDARS_BOOTSTRAP", env!("CARGO_BIN_EXE_dk2020-calendars"))
}

fn invoke(label: &str, env: &[(&str, String)]) -> (Value, String) {
    let event = function::fixture("mailer", "eventbridge_schedule.json");
    match function::invoke(&executable(), FUNCTION_NAME, label, &event, env, DEADLINE) {
        (Ok(answer), logs) => (answer, logs),
        (Err(error), logs) => panic!("{label}: the invocation failed: {error}\n{logs}"),
    }
}

#[tokio::test]
async fn the_calendars_function_fetches_each_subscription_when_it_is_due_and_keeps_its_busy_times() {
    let Some(endpoint) = dynamodb_support::endpoint() else { return };
    let store = dynamodb_support::fresh_store(&endpoint).await;
    let table = store.table_name().to_string();
    let _drop = dynamodb_support::DropTable(store.clone());
    let ics = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/calendars/outlook.ics"))
        .expect("the Outlook fixture");
    let calendars = IcsServer::start(Answer::Calendar { ics, etag: "\"outlook-1\"".into() });
    let now: Timestamp = NOW.parse().unwrap();
    let id = CalendarId::parse("cal_outlook").unwrap();
    let url = calendars.url("owa/calendar/secret123/reachcalendar.ics");
    store
        .add_calendar(&Subscription::new(id.clone(), CalendarLabel::parse("Outlook").unwrap(), url, true, now))
        .await
        .unwrap();

    // What infra/template.yaml sets, with the local servers, dummy credentials
    // and (for the loopback calendar server only) private addresses allowed.
    let env = |at: Timestamp| {
        vec![
            ("DK2020_STORE", "dynamodb".to_string()),
            ("DK2020_TABLE", table.clone()),
            ("DK2020_NOW", at.to_string()),
            ("DK2020_CALENDAR_ALLOW_PRIVATE", "1".into()),
            ("DK2020_DYNAMODB_TIMEOUT_SECS", "60".into()),
            ("AWS_ENDPOINT_URL", endpoint.clone()),
            ("AWS_ACCESS_KEY_ID", "test".into()),
            ("AWS_SECRET_ACCESS_KEY", "test".into()),
            ("AWS_SESSION_TOKEN", "test".into()),
        ]
    };

    let (answer, logs) = invoke("first", &env(now));
    assert_eq!(answer, json!({"calendars": 1, "fetched": 1, "not_modified": 0, "failed": 0}), "{logs}");
    let fetched = store.calendar(&id).await.unwrap();
    assert!(!fetched.busy.is_empty() && fetched.last_error.is_none(), "{fetched:?}");
    assert_eq!(fetched.last_fetched, Some(now));
    assert!(!logs.contains("secret123") && !logs.contains("reachcalendar"), "the address is not logged:\n{logs}");

    let (answer, logs) = invoke("not due", &env(now + SignedDuration::from_mins(5)));
    assert_eq!(answer, json!({"calendars": 1, "fetched": 0, "not_modified": 0, "failed": 0}), "{logs}");
    assert_eq!(calendars.requests(), 1);

    let later = now + SignedDuration::from_mins(15);
    let (answer, logs) = invoke("due again", &env(later));
    assert_eq!(answer, json!({"calendars": 1, "fetched": 0, "not_modified": 1, "failed": 0}), "{logs}");
    assert_eq!(calendars.if_none_match(), vec![None, Some("\"outlook-1\"".to_string())]);
    let kept = store.calendar(&id).await.unwrap();
    assert_eq!((kept.busy, kept.last_fetched), (fetched.busy, Some(later)));
}

/// Started by hand, outside Lambda, it says where it belongs instead of panicking.
#[test]
fn the_calendars_function_outside_lambda_says_why_and_stops() {
    let out = std::process::Command::new(executable()).env_clear().output().expect("running dk2020-calendars");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("AWS Lambda only") && stderr.contains("fetches the calendars itself"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
