//! Crash durability of the SQLite store (WAL, `synchronous=FULL`): 32 clients
//! book different slots while the server is killed with SIGKILL (`kill -9`:
//! no shutdown, nothing flushed on the way out), twice. After each restart on
//! the same file:
//! - every booking that was answered 201 is there and confirmed;
//! - nothing else is there but bookings the clients asked for (a request
//!   cut off by the kill may or may not have been stored: both are fine);
//! - no two bookings overlap, and every rule holds for every booking
//!   (re-checked with the model's `check_booking` against all the others);
//! - the file passes `PRAGMA integrity_check`.
//!
//! The bookings are planned up front so that all of them are valid together
//! (different municipalities, kinds and days, with the cap per municipality
//! raised so that each client has several to make); so before the kill,
//! every answer must be 201.

use std::{
    collections::{BTreeMap, BTreeSet},
    path::Path,
    sync::{
        Arc, Barrier, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    thread,
    time::{Duration, Instant},
};

use dk2020_e2e::{
    TestServer, booking_body, municipality_token,
    schedule::{Planned, all_bookings, availability, plan_bookings, schedule_violations, server_now, set_rules},
};
use serde_json::{Value, json};

const CLIENTS: usize = 32;
/// Kill rounds: each books part of the plan and is cut off by a kill.
const ROUNDS: usize = 2;
/// How long a round may run before the test gives up waiting for answers.
const ROUND_DEADLINE: Duration = Duration::from_secs(60);

/// What the clients of a round saw: the bookings answered 201 (plan index
/// and id), the ones cut off by the kill, and any other answer.
#[derive(Default, Debug)]
struct Outcome {
    created: Vec<(usize, String)>,
    cut_off: Vec<usize>,
    unexpected: Vec<(usize, u16, String)>,
}

/// Runs `CLIENTS` clients over `todo` (plan indexes, dealt out in turn),
/// kills the server once `kill_after` bookings have been answered 201 (or
/// all are done), and returns what the clients saw.
fn round(server: &mut TestServer, plan: &[Planned], todo: &[usize], kill_after: usize) -> Outcome {
    let outcome = Arc::new(Mutex::new(Outcome::default()));
    let acknowledged = Arc::new(AtomicUsize::new(0));
    let finished = Arc::new(AtomicUsize::new(0));
    let barrier = Arc::new(Barrier::new(CLIENTS + 1));
    let url = server.url("/api/bookings");
    let clients: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let mine: Vec<(usize, Planned)> =
                todo.iter().skip(c).step_by(CLIENTS).map(|&i| (i, plan[i].clone())).collect();
            let (outcome, acknowledged, finished, barrier, url) =
                (outcome.clone(), acknowledged.clone(), finished.clone(), barrier.clone(), url.clone());
            thread::spawn(move || {
                let client = reqwest::blocking::Client::builder()
                    .no_proxy()
                    .timeout(Duration::from_secs(30))
                    .build()
                    .expect("an HTTP client");
                barrier.wait();
                for (i, p) in mine {
                    let request = client
                        .post(&url)
                        .bearer_auth(municipality_token(p.municipality))
                        .json(&booking_body(p.municipality, p.kind, &p.start));
                    // A reply that does not come back whole (connection
                    // refused or reset, a body cut short) was cut off by the kill.
                    let reply = request.send().and_then(|r| {
                        let status = r.status().as_u16();
                        r.json::<Value>().map(|body| (status, body))
                    });
                    let mut outcome = outcome.lock().expect("the outcome");
                    match reply {
                        Ok((201, body)) => {
                            let id = body["id"].as_str().expect("a created booking has an id").to_string();
                            outcome.created.push((i, id));
                            acknowledged.fetch_add(1, Ordering::SeqCst);
                        }
                        Ok((status, body)) => outcome.unexpected.push((i, status, body.to_string())),
                        Err(_) => {
                            outcome.cut_off.push(i);
                            break;
                        }
                    }
                }
                finished.fetch_add(1, Ordering::SeqCst);
            })
        })
        .collect();
    barrier.wait();
    // Bounded polling: kill as soon as enough bookings are acknowledged.
    let started = Instant::now();
    while acknowledged.load(Ordering::SeqCst) < kill_after && finished.load(Ordering::SeqCst) < CLIENTS {
        assert!(started.elapsed() < ROUND_DEADLINE, "the clients got no answers for {ROUND_DEADLINE:?}");
        thread::sleep(Duration::from_millis(1));
    }
    server.kill();
    for client in clients {
        client.join().expect("a client thread");
    }
    Arc::try_unwrap(outcome).expect("the clients are done").into_inner().expect("the outcome")
}

fn integrity_check(db: &Path) -> String {
    let conn = rusqlite::Connection::open(db).expect("opening the database file after the crash");
    let result: Vec<String> = conn
        .prepare("PRAGMA integrity_check")
        .and_then(|mut stmt| stmt.query_map([], |row| row.get(0))?.collect())
        .expect("PRAGMA integrity_check runs");
    result.join("; ")
}

#[test]
fn every_booking_answered_201_survives_kill_9_and_nothing_overlaps() {
    let mut server = TestServer::config().store("sqlite").start();
    let rules = set_rules(&server, json!({"cap_per_municipality": 100})).rules;
    assert_eq!(rules.cap_per_municipality, 100);
    let plan = plan_bookings(&server, "2026-12-02", "2027-01-24", usize::MAX);
    assert!(plan.len() >= 4 * CLIENTS, "enough valid bookings for {CLIENTS} clients: {}", plan.len());
    let kinds: BTreeSet<&str> = plan.iter().map(|p| p.kind).collect();
    let municipalities: BTreeSet<u16> = plan.iter().map(|p| p.municipality).collect();
    assert!(kinds.len() == 2 && municipalities.len() >= 10, "a mixed plan: {kinds:?} {municipalities:?}");

    let mut remaining: Vec<usize> = (0..plan.len()).collect();
    let mut created: BTreeMap<String, usize> = BTreeMap::new();
    for r in 0..ROUNDS {
        // Kill somewhere in the middle of this round's share.
        let share = remaining.len() / (ROUNDS - r);
        let todo: Vec<usize> = remaining.drain(..share).collect();
        let outcome = round(&mut server, &plan, &todo, share / 2);
        assert!(outcome.unexpected.is_empty(), "round {r}: answers other than 201: {:?}", outcome.unexpected);
        assert!(!outcome.created.is_empty(), "round {r}: nothing was booked before the kill");
        eprintln!(
            "round {r}: {} bookings answered 201, {} cut off by the kill, {} not sent",
            outcome.created.len(),
            outcome.cut_off.len(),
            todo.len() - outcome.created.len() - outcome.cut_off.len()
        );
        created.extend(outcome.created.into_iter().map(|(i, id)| (id, i)));

        let integrity = integrity_check(server.db_path());
        assert_eq!(integrity, "ok", "round {r}: PRAGMA integrity_check after kill -9");

        server.restart();
        let stored = all_bookings(&server);
        let by_id: BTreeMap<&str, _> = stored.iter().map(|b| (b.id.as_str(), b)).collect();
        for (id, &i) in &created {
            let booking = by_id.get(id.as_str()).unwrap_or_else(|| {
                panic!("round {r}: booking {id} ({:?}) was answered 201 but is gone after the restart", plan[i])
            });
            assert!(booking.is_confirmed(), "round {r}: {id} is no longer confirmed: {booking:?}");
        }
        for b in &stored {
            let asked = plan.iter().any(|p| {
                p.municipality == b.municipality.get()
                    && p.kind == b.kind.to_string()
                    && p.start.parse::<jiff::Timestamp>().ok() == Some(b.start.timestamp())
            });
            assert!(asked, "round {r}: a booking nobody asked for: {b:?}");
        }
        let problems = schedule_violations(&stored, &availability(&server), server_now(&server));
        assert!(problems.is_empty(), "round {r}: the stored schedule breaks the rules:\n{}", problems.join("\n"));
    }
    server.kill();
    assert_eq!(integrity_check(server.db_path()), "ok", "PRAGMA integrity_check at the end");
}
