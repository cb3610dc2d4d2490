//! The scheduling invariant under concurrency: 1,000 booking attempts from 50
//! concurrent clients over a small set of slots (four days, on-site and online
//! mixed, six municipalities including the island Samsø and far-off Lemvig),
//! with the cap per municipality raised to 3. Every answer must be 201, 409 or
//! 422; afterwards the confirmed bookings are exactly the ones answered 201,
//! no two of them overlap once the buffer is included, every one of them still
//! passes the model's `check_booking` against all the others (driving time
//! from Aarhus, between visits and home again, ferry included; on-site visits
//! a day), and no municipality holds more than the cap.
//!
//! Against the SQLite store always, and against the DynamoDB store when the
//! local DynamoDB-compatible server is there (`DK2020_TEST_DYNAMODB_ENDPOINT`,
//! provided by `cargo xtask test`; with `DK2020_REQUIRE_DYNAMODB=1` its
//! absence is a failure).

use std::{
    collections::{BTreeMap, BTreeSet},
    sync::{Arc, Barrier},
    thread,
    time::Duration,
};

use dk2020_e2e::{
    LEMVIG, ODDER, SAMSOE, SKIVE, TestServer, VIBORG, booking_body, dynamodb_endpoint, municipality_token,
    schedule::{Rng, availability, confirmed_bookings, schedule_violations, server_now, set_rules},
};
use serde_json::{Value, json};

const CLIENTS: usize = 50;
const ATTEMPTS: usize = 1000;
const CAP: u32 = 3;
/// Randers (730) is in too: an already-enrolled municipality like the others.
const MUNICIPALITIES: [u16; 6] = [SKIVE, SAMSOE, LEMVIG, ODDER, VIBORG, 730];
const FROM: &str = "2026-12-02";
const TO: &str = "2026-12-07";

/// One attempt: who books what when.
#[derive(Debug, Clone)]
struct Attempt {
    municipality: u16,
    kind: &'static str,
    start: String,
}

/// The attempts: a fixed pseudo-random mix over the starts the API offers
/// (before anything is booked) for these municipalities and days.
fn attempts(server: &TestServer, seed: u64) -> Vec<Attempt> {
    let mut starts: BTreeMap<&'static str, BTreeSet<String>> = BTreeMap::new();
    for m in MUNICIPALITIES {
        for kind in ["onsite", "online"] {
            let slots = server.slots(&municipality_token(m), m, kind, FROM, TO);
            starts.entry(kind).or_default().extend(slots.into_iter().map(|s| s.start));
        }
    }
    let starts: BTreeMap<&str, Vec<String>> = starts.into_iter().map(|(k, s)| (k, s.into_iter().collect())).collect();
    assert!(starts.values().all(|s| s.len() >= 8), "slots to fight over: {starts:?}");
    let mut rng = Rng::new(seed);
    (0..ATTEMPTS)
        .map(|_| {
            let kind = if rng.below(2) == 0 { "onsite" } else { "online" };
            let options = &starts[kind];
            Attempt {
                municipality: MUNICIPALITIES[rng.below(MUNICIPALITIES.len())],
                kind,
                start: options[rng.below(options.len())].clone(),
            }
        })
        .collect()
}

/// Sends the attempts from `CLIENTS` threads (client `c` takes every
/// `CLIENTS`-th one), all starting together. Returns (attempt, status, id or
/// error code) for each.
fn storm(server: &TestServer, attempts: &[Attempt]) -> Vec<(Attempt, u16, String)> {
    let barrier = Arc::new(Barrier::new(CLIENTS));
    let url = server.url("/api/bookings");
    let clients: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let mine: Vec<Attempt> = attempts.iter().skip(c).step_by(CLIENTS).cloned().collect();
            let (barrier, url) = (barrier.clone(), url.clone());
            thread::spawn(move || {
                let client = reqwest::blocking::Client::builder()
                    .no_proxy()
                    .timeout(Duration::from_secs(120))
                    .build()
                    .expect("an HTTP client");
                barrier.wait();
                mine.into_iter()
                    .map(|a| {
                        let response = client
                            .post(&url)
                            .bearer_auth(municipality_token(a.municipality))
                            .json(&booking_body(a.municipality, a.kind, &a.start))
                            .send()
                            .expect("the server answers");
                        let status = response.status().as_u16();
                        let body: Value = response.json().expect("a JSON answer");
                        let what = if status == 201 { &body["id"] } else { &body["error"]["code"] };
                        (a, status, what.as_str().unwrap_or_default().to_string())
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    clients.into_iter().flat_map(|c| c.join().expect("a client thread")).collect()
}

fn concurrency_invariant(server: TestServer) {
    let rules = set_rules(&server, json!({"cap_per_municipality": CAP})).rules;
    assert_eq!(rules.cap_per_municipality, CAP);
    let attempts = attempts(&server, 0x0dc2_020a);
    let results = storm(&server, &attempts);
    assert_eq!(results.len(), ATTEMPTS);

    let mut by_status: BTreeMap<(u16, &str), usize> = BTreeMap::new();
    for (_, status, what) in &results {
        *by_status.entry((*status, if *status == 201 { "created" } else { what })).or_default() += 1;
    }
    eprintln!("{} store: answers {by_status:?}", server.store());
    let unexpected: Vec<_> = results.iter().filter(|(_, s, _)| !matches!(s, 201 | 409 | 422)).collect();
    assert!(unexpected.is_empty(), "answers other than 201, 409 or 422: {unexpected:?}");

    let created: BTreeSet<&str> = results.iter().filter(|(_, s, _)| *s == 201).map(|(_, _, id)| id.as_str()).collect();
    assert!(!created.is_empty(), "some attempts must win");
    let confirmed = confirmed_bookings(&server);
    let stored: BTreeSet<&str> = confirmed.iter().map(|b| b.id.as_str()).collect();
    assert_eq!(stored, created, "the confirmed bookings are exactly those answered 201");

    let availability = availability(&server);
    assert_eq!(availability.rules.cap_per_municipality, CAP);
    let problems = schedule_violations(&confirmed, &availability, server_now(&server));
    assert!(problems.is_empty(), "the confirmed bookings break the rules:\n{}", problems.join("\n"));
    let mut per_municipality: BTreeMap<u16, u32> = BTreeMap::new();
    for b in &confirmed {
        *per_municipality.entry(b.municipality.get()).or_default() += 1;
    }
    assert!(per_municipality.values().all(|&n| n <= CAP), "the cap of {CAP} holds: {per_municipality:?}");
    eprintln!(
        "{} store: {} confirmed bookings, per municipality {per_municipality:?}",
        server.store(),
        confirmed.len()
    );
}

#[test]
fn a_thousand_concurrent_attempts_keep_the_schedule_sound_on_sqlite() {
    concurrency_invariant(TestServer::config().store("sqlite").start());
}

#[test]
fn a_thousand_concurrent_attempts_keep_the_schedule_sound_on_dynamodb() {
    if dynamodb_endpoint().is_none() {
        assert!(
            std::env::var("DK2020_REQUIRE_DYNAMODB").as_deref() != Ok("1"),
            "DK2020_REQUIRE_DYNAMODB=1 but DK2020_TEST_DYNAMODB_ENDPOINT is not set"
        );
        eprintln!(
            "skipped: no local DynamoDB-compatible server (DK2020_TEST_DYNAMODB_ENDPOINT); `cargo xtask test` starts one"
        );
        return;
    }
    concurrency_invariant(TestServer::config().store("dynamodb").start());
}
