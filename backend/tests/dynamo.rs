//! The DynamoDB store beyond the conformance suite: the table it creates, the
//! seed, an unreachable or missing store (503, never 500), and how many
//! DynamoDB requests each API endpoint makes (counted by the SDK interceptor
//! of [`DynamoStore::request_counts`]).
//!
//! The tests that need the local server (`DK2020_TEST_DYNAMODB_ENDPOINT`) are
//! skipped without it, like the conformance suite's; the unreachable-store
//! tests need no server and always run.

use std::{collections::BTreeMap, sync::Arc, time::Instant};

use aws_sdk_dynamodb::types::{KeyType, ProjectionType};
use axum::{
    Router,
    body::Body,
    http::{Method, Request, StatusCode},
};
use dk2020_api::{
    app,
    auth::TokenKeys,
    state::{AppState, Clock},
    store::{
        Bookings, DynamoStore, EnrolmentLog, NewBooking, Settings, SettingsExt, Store, StoreError,
        dynamo::{TABLE, timeouts},
    },
};
use dk2020_model::{
    Act, Actor, Booking, BookingId, BookingStatus, ContactName, Email, LocalTime, MunicipalityCode, Population,
    SessionKind, Topic, schedule::Availability,
};
use http_body_util::BodyExt;
use jiff::{Timestamp, civil::date};
use serde_json::{Value, json};
use tower::ServiceExt;

#[path = "support/dynamodb.rs"]
mod support;

#[path = "support/calendar.rs"]
mod calendar;

/// The test calendar with an hour's notice (bookings from 1 December at 09:00).
async fn use_test_calendar(store: &DynamoStore) {
    store.set_setting(&calendar::test_calendar(1)).await.unwrap();
}

/// Staff of `b`'s municipality ask the store to book `b` at `now`.
async fn book(
    store: &DynamoStore,
    b: &Booking,
    key: Option<&str>,
    now: Timestamp,
) -> Result<dk2020_api::store::Created, StoreError> {
    let request = dk2020_model::api::BookingRequest::again(b).expect("a booking with its contact");
    let by = Actor::Municipality { municipality: b.municipality };
    store.create_booking(NewBooking { request: &request, id: &b.id, by, idempotency_key: key, now }).await
}

fn slot_taken(err: &StoreError) -> bool {
    use dk2020_model::{lifecycle::Refusal, schedule::RuleViolation};
    matches!(err, StoreError::Refused(Refusal::Rule(RuleViolation::SlotTaken { .. })))
}

const SECRET: &str = "dk2020-dynamo-test-secret-that-is-long-enough";
const NOW: &str = "2026-11-30T08:00:00+01:00";

fn now() -> Timestamp {
    NOW.parse().unwrap()
}

/// A confirmed one-hour online booking of Skive's, starting at `start` (UTC).
fn booking(id: &str, start: &str) -> Booking {
    booking_of(id, MunicipalityCode::new(779).unwrap(), start.parse().unwrap())
}

/// A confirmed one-hour online booking of `municipality`'s.
fn booking_of(id: &str, municipality: MunicipalityCode, start: Timestamp) -> Booking {
    Booking {
        id: BookingId::parse(id).unwrap(),
        municipality,
        kind: SessionKind::Online,
        start: LocalTime::new(start),
        end: LocalTime::new(start + jiff::SignedDuration::from_hours(1)),
        topic: Some(Topic::parse("Klimaplan").unwrap()),
        contact_name: Some(ContactName::parse("Anne").unwrap()),
        contact_email: Some(Email::parse("anne@skive.dk").unwrap()),
        status: BookingStatus::Confirmed,
        created_at: now(),
        changed_at: now(),
        sequence: 0,
        erased_at: None,
    }
}

fn router(store: Arc<dyn Store>) -> (Router, TokenKeys) {
    let keys = TokenKeys::new(SECRET).unwrap();
    // As Lambda runs it: the embed keys and revocations kept a minute.
    let state = AppState::new(store, keys.clone(), Clock::Fixed(now()))
        .with_access_lifetime(std::time::Duration::from_secs(60));
    (app::router(state, Vec::new()), keys)
}

async fn call(
    router: &Router,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Vec<u8>) {
    let mut request = Request::builder().method(method).uri(path);
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let request = match body {
        Some(body) => request.header("content-type", "application/json").body(Body::from(body.to_string())),
        None => request.body(Body::empty()),
    }
    .unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    (status, response.into_body().collect().await.unwrap().to_bytes().to_vec())
}

fn json(body: &[u8]) -> Value {
    serde_json::from_slice(body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(body)))
}

/// A store whose server does not answer (nothing listens on the port).
fn unreachable_store() -> DynamoStore {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    DynamoStore::local_with_timeouts(&format!("http://127.0.0.1:{port}"), "dk2020-nowhere", timeouts())
}

// ---------------------------------------------------------------------------
// Without a server

#[tokio::test]
async fn an_unreachable_store_is_unavailable_quickly_after_the_sdk_retries() {
    let store = unreachable_store();
    let started = Instant::now();
    let err = store.health().await.unwrap_err();
    assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");
    assert!(err.to_string().contains("no connection"), "{err}");
    assert!(started.elapsed().as_secs() < 6, "took {:?}", started.elapsed());
    // Every attempt of the standard retry mode was made.
    assert_eq!(store.request_counts().get("GetItem"), Some(&u64::from(dk2020_api::store::dynamo::SDK_MAX_ATTEMPTS)));
    for result in [
        store.municipalities().await.map(drop),
        store.setting::<Availability>().await.map(drop),
        store.bookings(&Default::default()).await.map(drop),
        store
            .set_population(MunicipalityCode::new(779).unwrap(), Population { inhabitants: 1, as_of: date(2026, 1, 1) })
            .await,
    ] {
        assert!(matches!(result, Err(StoreError::Unavailable(_))), "{result:?}");
    }
}

#[tokio::test]
async fn the_api_on_an_unreachable_store_answers_503_with_a_clear_message() {
    let (router, keys) = router(Arc::new(unreachable_store()));
    let (status, body) = call(&router, Method::GET, "/api/health", None, None).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(json(&body)["store"], "unreachable");

    let (status, body) = call(&router, Method::GET, "/api/municipalities", None, None).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    let body = json(&body);
    assert_eq!(body["error"]["code"], "unavailable");
    let message = body["error"]["message"].as_str().unwrap();
    assert_eq!(
        message,
        "the database cannot be reached right now (DynamoDB Query: no connection); try again in a moment"
    );

    let token =
        keys.issue(Actor::Municipality { municipality: MunicipalityCode::new(779).unwrap() }, 1, now().as_second());
    let booking = json!({"municipality": 779, "kind": "online", "start": "2026-12-02T09:00:00+01:00",
        "topic": "Klimaplan", "contact_name": "Anne", "contact_email": "anne@skive.dk"});
    let (status, body) = call(&router, Method::POST, "/api/bookings", Some(&token), Some(booking)).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{}", String::from_utf8_lossy(&body));
}

#[test]
fn the_table_definition_has_string_keys_and_two_indexes_for_cloudformation() {
    let properties = TABLE.cloudformation_properties();
    assert_eq!(properties["BillingMode"], "PAY_PER_REQUEST");
    assert_eq!(properties["KeySchema"][0], json!({"AttributeName": "pk", "KeyType": "HASH"}));
    assert_eq!(properties["KeySchema"][1], json!({"AttributeName": "sk", "KeyType": "RANGE"}));
    let indexes: Vec<&str> = properties["GlobalSecondaryIndexes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["IndexName"].as_str().unwrap())
        .collect();
    assert_eq!(indexes, ["by_end", "by_municipality"]);
    let attributes = properties["AttributeDefinitions"].as_array().unwrap();
    assert_eq!(attributes.len(), 6);
    assert!(attributes.iter().all(|a| a["AttributeType"] == "S"));
    assert_eq!(DynamoStore::table_definition(), &TABLE);
}

// ---------------------------------------------------------------------------
// On the local server

#[tokio::test]
async fn the_created_table_matches_the_definition() {
    let Some(endpoint) = support::endpoint() else { return };
    let store = support::fresh_store(&endpoint).await;
    let _drop = support::DropTable(store.clone());
    let table = store.client().describe_table().table_name(store.table_name()).send().await.unwrap().table.unwrap();
    let keys = |schema: &[aws_sdk_dynamodb::types::KeySchemaElement]| -> (String, String) {
        let of = |kind: KeyType| schema.iter().find(|k| k.key_type == kind).unwrap().attribute_name.clone();
        (of(KeyType::Hash), of(KeyType::Range))
    };
    assert_eq!(keys(table.key_schema()), (TABLE.partition_key.to_string(), TABLE.sort_key.to_string()));
    let indexes = table.global_secondary_indexes();
    assert_eq!(indexes.len(), TABLE.indexes.len());
    for expected in TABLE.indexes {
        let index = indexes.iter().find(|i| i.index_name() == Some(expected.name)).expect(expected.name);
        assert_eq!(keys(index.key_schema()), (expected.partition_key.to_string(), expected.sort_key.to_string()));
        assert_eq!(index.projection().and_then(|p| p.projection_type()), Some(&ProjectionType::All));
    }
    // Creating it again is a no-op.
    assert!(!store.create_table_if_missing().await.unwrap());
}

#[tokio::test]
async fn seeding_again_overwrites_nothing() {
    let Some(endpoint) = support::endpoint() else { return };
    let store = support::fresh_store(&endpoint).await;
    let _drop = support::DropTable(store.clone());
    let skive = MunicipalityCode::new(779).unwrap();
    let figure = Population { inhabitants: 46_500, as_of: date(2024, 1, 1) };
    store.set_population(skive, figure).await.unwrap();
    let mut availability = store.setting::<Availability>().await.unwrap();
    availability.rules.buffer_minutes = 45;
    store.set_setting(&availability).await.unwrap();
    store.seed().await.unwrap();
    assert_eq!(store.municipalities().await.unwrap().get(skive).population, figure);
    assert_eq!(store.setting::<Availability>().await.unwrap(), availability);
}

#[tokio::test]
async fn a_missing_table_is_unavailable_and_says_so() {
    let Some(endpoint) = support::endpoint() else { return };
    let store = DynamoStore::local(&endpoint, &support::unique_table_name("dk2020-missing"));
    let err = store.health().await.unwrap_err();
    assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");
    assert!(err.to_string().contains("does not exist"), "{err}");
}

/// Calls every endpoint once on a fresh table and reports the DynamoDB
/// requests each made. Asserts the properties the design promises: one
/// request for each store read, one transaction for a booking change, never
/// a scan.
#[tokio::test]
async fn requests_per_endpoint() {
    let Some(endpoint) = support::endpoint() else { return };
    let store = support::fresh_store(&endpoint).await;
    let _drop = support::DropTable(store.clone());
    let (router, keys) = router(Arc::new(store.clone()));
    let at = now().as_second();
    let skive = keys.issue(Actor::Municipality { municipality: MunicipalityCode::new(779).unwrap() }, 1, at);
    let coordinator = keys.issue(Actor::Coordinator, 1, at);
    let secretariat = keys.issue(Actor::Secretariat, 1, at);

    let mut report: Vec<(String, BTreeMap<String, u64>)> = Vec::new();
    let mut measure = async |method: Method, path: &str, token: Option<&str>, body: Option<Value>| -> Value {
        let before = store.request_counts();
        let (status, bytes) = call(&router, method.clone(), path, token, body).await;
        assert!(status.is_success(), "{method} {path}: {status} {}", String::from_utf8_lossy(&bytes));
        let mut used = store.request_counts();
        for (op, n) in &before {
            *used.get_mut(op).unwrap() -= n;
        }
        used.retain(|_, n| *n > 0);
        report.push((format!("{method} {path}"), used));
        serde_json::from_slice(&bytes).unwrap_or(Value::Null)
    };

    measure(Method::GET, "/api/health", None, None).await;
    measure(Method::GET, "/api/municipalities", None, None).await;
    measure(Method::GET, "/api/enrolment", None, None).await;
    measure(Method::GET, "/api/budget/allocation?total=3000000&years=3", None, None).await;
    measure(Method::GET, "/api/budget/params", None, None).await;
    let slots = measure(
        Method::GET,
        "/api/slots?municipality=779&kind=online&from=2026-12-02&to=2026-12-04",
        Some(&skive),
        None,
    )
    .await;
    let first = slots["slots"][0]["start"].as_str().unwrap().to_string();
    let second = slots["slots"][3]["start"].as_str().unwrap().to_string();
    let booking = json!({"municipality": 779, "kind": "online", "start": first,
        "topic": "Klimaplan", "contact_name": "Anne", "contact_email": "anne@skive.dk"});
    let made = measure(Method::POST, "/api/bookings", Some(&skive), Some(booking)).await;
    let id = made["id"].as_str().unwrap().to_string();
    measure(Method::GET, "/api/bookings", Some(&skive), None).await;
    measure(Method::GET, "/api/bookings", Some(&coordinator), None).await;
    measure(Method::GET, &format!("/api/bookings/{id}/ics"), Some(&skive), None).await;
    measure(Method::POST, &format!("/api/bookings/{id}/reschedule"), Some(&skive), Some(json!({"start": second})))
        .await;
    measure(Method::POST, &format!("/api/bookings/{id}/cancel"), Some(&skive), Some(json!({"reason": "Flyttet"})))
        .await;
    let feed =
        measure(Method::POST, "/api/calendar/feeds", Some(&coordinator), Some(json!({"label": "Outlook"}))).await;
    let feed = feed["url"].as_str().unwrap();
    measure(Method::GET, &feed[feed.find("/api/").unwrap()..], None, None).await;
    let availability = measure(Method::GET, "/api/coordinator/availability", Some(&coordinator), None).await;
    measure(Method::PUT, "/api/coordinator/availability", Some(&coordinator), Some(availability)).await;
    measure(Method::GET, "/api/coordinator/agenda?from=2026-12-01&to=2026-12-07", Some(&coordinator), None).await;
    measure(
        Method::PUT,
        "/api/enrolment/779",
        Some(&secretariat),
        Some(json!({"status": "council_considering", "note": "Byrådsmøde"})),
    )
    .await;
    measure(Method::GET, "/api/enrolment/779/history", Some(&secretariat), None).await;

    println!("DynamoDB requests per endpoint (a fresh table, one call each):");
    for (endpoint, used) in &report {
        let total: u64 = used.values().sum();
        let detail: Vec<String> = used.iter().map(|(op, n)| format!("{n} {op}")).collect();
        println!("  {endpoint:<60} {total:>2}  ({})", detail.join(", "));
    }
    for (endpoint, used) in &report {
        assert!(!used.contains_key("Scan"), "{endpoint} scans the table");
        let transactions = used.get("TransactWriteItems").copied().unwrap_or(0);
        if endpoint.starts_with("POST /api/bookings") || endpoint.starts_with("PUT /api/enrolment") {
            assert_eq!(transactions, 1, "{endpoint}: one transaction, {used:?}");
        } else {
            assert_eq!(transactions, 0, "{endpoint}: {used:?}");
        }
    }
}

/// The schedule item keeps only what checks can still need: a cancelled
/// booking leaves it at once, an ended one with the first write a week later.
#[tokio::test]
async fn the_schedule_item_sheds_cancelled_and_long_ended_bookings() {
    let Some(endpoint) = support::endpoint() else { return };
    let store = support::fresh_store(&endpoint).await;
    let _drop = support::DropTable(store.clone());
    let open_ids = async || -> Vec<String> {
        let item = store
            .client()
            .get_item()
            .table_name(store.table_name())
            .key("pk", aws_sdk_dynamodb::types::AttributeValue::S("SCHEDULE".into()))
            .key("sk", aws_sdk_dynamodb::types::AttributeValue::S("SCHEDULE".into()))
            .consistent_read(true)
            .send()
            .await
            .unwrap()
            .item
            .unwrap();
        let mut ids: Vec<String> = item["open"].as_m().unwrap().keys().cloned().collect();
        ids.sort();
        ids
    };
    use_test_calendar(&store).await;
    for (id, start) in [("ended", "2026-12-01T08:00:00Z"), ("dropped", "2026-12-02T08:00:00Z")] {
        book(&store, &booking(id, start), None, now()).await.unwrap();
    }
    assert_eq!(open_ids().await, ["dropped", "ended"]);
    store
        .cancel_booking(&BookingId::parse("dropped").unwrap(), None, Act { by: Actor::Coordinator, at: now() })
        .await
        .unwrap();
    assert_eq!(open_ids().await, ["ended"]);
    // Less than a week after "ended" ended it stays; more than a week after, the next write drops it.
    let later = |days: i64| now() + jiff::SignedDuration::from_hours(24 * days);
    book(&store, &booking("b", "2026-12-20T08:00:00Z"), None, later(7)).await.unwrap();
    assert_eq!(open_ids().await, ["b", "ended"]);
    book(&store, &booking("c", "2026-12-21T08:00:00Z"), None, later(9)).await.unwrap();
    assert_eq!(open_ids().await, ["b", "c"]);
    // The booking itself is kept, of course.
    assert!(store.booking(&BookingId::parse("ended").unwrap()).await.unwrap().is_confirmed());
}

/// How the store behaves under contention, with the numbers printed (run with
/// `--nocapture`): 32 tasks booking one slot at once (one wins, every other is
/// told the slot is taken), and all 19 municipalities booking 19 different
/// slots at once (all succeed: a lost race is read, checked and tried again).
#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn contention_one_slot_and_many_slots() {
    let Some(endpoint) = support::endpoint() else { return };
    for (same_slot, tasks_n) in [(true, 32), (false, 19)] {
        let store = support::fresh_store(&endpoint).await;
        let _drop = support::DropTable(store.clone());
        use_test_calendar(&store).await;
        let before = store.request_counts();
        let barrier = Arc::new(tokio::sync::Barrier::new(tasks_n));
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..tasks_n {
            let (store, barrier) = (store.clone(), barrier.clone());
            // One slot, or 09:00 on 19 different days.
            let days = if same_slot { 0 } else { i as i64 };
            let start =
                "2026-12-02T08:00:00Z".parse::<Timestamp>().unwrap() + jiff::SignedDuration::from_hours(24 * days);
            let b = booking_of(&format!("task-{i}"), MunicipalityCode::all()[i % 19], start);
            tasks.spawn(async move {
                barrier.wait().await;
                book(&store, &b, None, now()).await
            });
        }
        let (mut won, mut taken) = (0, 0);
        while let Some(result) = tasks.join_next().await {
            match result.unwrap() {
                Ok(_) => won += 1,
                Err(e) if slot_taken(&e) => taken += 1,
                Err(other) => panic!("unexpected {other:?}"),
            }
        }
        let after = store.request_counts();
        let used = |op: &str| after.get(op).unwrap_or(&0) - before.get(op).unwrap_or(&0);
        println!(
            "{tasks_n} tasks, {}: {won} booked, {taken} told the slot is taken; {} TransactWriteItems \
             ({} cancelled by a lost race), {} schedule reads",
            if same_slot { "one slot" } else { "different slots" },
            used("TransactWriteItems"),
            used("TransactWriteItems") - won as u64,
            used("GetItem"),
        );
        if same_slot {
            assert_eq!((won, taken), (1, tasks_n - 1));
        } else {
            assert_eq!((won, taken), (tasks_n, 0));
        }
        assert_eq!(store.bookings(&Default::default()).await.unwrap().len(), won);
    }
}

/// In production the table comes from CloudFormation and nobody seeds it:
/// every operation works on a bare table, the first writes creating the
/// schedule and the enrolment head (conditioned on their still not existing).
#[tokio::test]
async fn a_bare_unseeded_table_works_like_a_seeded_one() {
    use aws_sdk_dynamodb::types::AttributeValue;
    use dk2020_model::{
        Municipalities,
        enrolment::{EnrolmentStatus, StatusChange},
        schedule::Availability,
    };
    let Some(endpoint) = support::endpoint() else { return };
    let store = support::fresh_store(&endpoint).await;
    let _drop = support::DropTable(store.clone());
    // Strip the seed.
    let scan = store.client().scan().table_name(store.table_name()).send().await.unwrap();
    for item in scan.items() {
        let key = [("pk", item["pk"].clone()), ("sk", item["sk"].clone())];
        let mut delete = store.client().delete_item().table_name(store.table_name());
        for (name, value) in key {
            delete = delete.key(name, value);
        }
        delete.send().await.unwrap();
    }
    let empty = store.client().scan().table_name(store.table_name()).send().await.unwrap();
    assert_eq!(empty.count, 0);

    assert_eq!(store.municipalities().await.unwrap(), Municipalities::builtin());
    assert_eq!(store.setting::<Availability>().await.unwrap(), Availability::default());
    assert!(store.status_changes().await.unwrap().is_empty());

    // A cancellation before any booking ever made the schedule.
    let lonely = booking("lonely", "2026-12-01T08:00:00Z");
    store
        .client()
        .put_item()
        .table_name(store.table_name())
        .set_item(Some(
            [
                ("pk", "BOOKING#lonely"),
                ("sk", "BOOKING"),
                ("id", "lonely"),
                ("kind", "online"),
                ("start", "2026-12-01T08:00:00Z"),
                ("end", "2026-12-01T09:00:00Z"),
                ("topic", "Klimaplan"),
                ("contact_name", "Anne"),
                ("contact_email", "anne@skive.dk"),
                ("state", "confirmed"),
                ("status", "{\"state\":\"confirmed\"}"),
                ("created_at", "2026-11-30T07:00:00Z"),
                ("changed_at", "2026-11-30T07:00:00Z"),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), AttributeValue::S(v.to_string())))
            .chain([
                ("municipality".to_string(), AttributeValue::N("779".into())),
                ("rev".to_string(), AttributeValue::N("0".into())),
            ])
            .collect(),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(store.booking(&lonely.id).await.unwrap(), lonely);
    let cancelled = store.cancel_booking(&lonely.id, None, Act { by: Actor::Coordinator, at: now() }).await.unwrap();
    assert!(!cancelled.booking().is_confirmed());

    // The first booking creates the schedule, the second finds it.
    // The settings item was stripped too: writing the test calendar makes it.
    use_test_calendar(&store).await;
    let first = booking("first", "2026-12-02T08:00:00Z");
    assert!(book(&store, &first, Some("k1"), now()).await.unwrap().is_new());
    let clash = booking("clash", "2026-12-02T08:30:00Z");
    let err = book(&store, &clash, None, now()).await.unwrap_err();
    assert!(slot_taken(&err), "{err:?}");
    let second = booking("second", "2026-12-03T08:00:00Z");
    assert!(book(&store, &second, None, now()).await.unwrap().is_new());
    let again = booking("again", "2026-12-02T08:00:00Z");
    let replay = book(&store, &again, Some("k1"), now()).await.unwrap();
    assert_eq!((replay.booking, replay.event), (first.clone(), None));
    let moved =
        store.reschedule_booking(&first.id, clash.start, Act { by: Actor::Coordinator, at: now() }).await.unwrap();
    let moved = moved.booking().clone();
    assert_eq!(moved.start, clash.start);
    store.cancel_booking(&second.id, None, Act { by: Actor::Coordinator, at: now() }).await.unwrap();
    let confirmed = store.bookings(&Default::default()).await.unwrap();
    assert_eq!(confirmed, vec![moved]);

    // The first status change creates the enrolment head, the second finds it.
    let change = |from, to, at: &str| StatusChange {
        municipality: MunicipalityCode::new(779).unwrap(),
        from,
        to,
        by: Actor::Secretariat,
        at: at.parse().unwrap(),
        note: None,
    };
    let one = change(EnrolmentStatus::Undecided, EnrolmentStatus::CouncilConsidering, "2020-09-01T10:00:00Z");
    let two = change(EnrolmentStatus::CouncilConsidering, EnrolmentStatus::Declined, "2020-09-02T10:00:00Z");
    store.record_status_change(&one).await.unwrap();
    store.record_status_change(&two).await.unwrap();
    assert_eq!(store.status_changes().await.unwrap(), vec![one, two]);
}
