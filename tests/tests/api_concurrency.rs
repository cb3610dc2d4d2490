//! Many clients booking one time at once: exactly one wins, the others get
//! 409, and the store holds one booking. Online sessions, so that only the
//! overlap decides (no limit of on-site visits a day, no driving).

use std::{
    sync::{Arc, Barrier},
    thread,
    time::Duration,
};

use dk2020_e2e::{MUNICIPALITY_CODES, TestServer, booking_body, municipality_token};
use serde_json::Value;

const CLIENTS: usize = 50;

/// Sends `CLIENTS` bookings at the same moment, client `i` for municipality
/// `MUNICIPALITY_CODES[i % 19]` at `starts[i % starts.len()]`, each with its
/// own connection and token. Returns (status, error code or id) per client.
fn race(server: &TestServer, starts: &[&str]) -> Vec<(u16, String)> {
    let barrier = Arc::new(Barrier::new(CLIENTS));
    let url = server.url("/api/bookings");
    let handles: Vec<_> = (0..CLIENTS)
        .map(|i| {
            let barrier = Arc::clone(&barrier);
            let url = url.clone();
            let municipality = MUNICIPALITY_CODES[i % MUNICIPALITY_CODES.len()];
            let body = booking_body(municipality, "online", starts[i % starts.len()]);
            let token = municipality_token(municipality);
            thread::spawn(move || {
                let client = reqwest::blocking::Client::builder()
                    .no_proxy()
                    .timeout(Duration::from_secs(60))
                    .build()
                    .expect("an HTTP client");
                let request = client.post(&url).bearer_auth(token).json(&body);
                barrier.wait();
                let response = request.send().expect("the server answers");
                let status = response.status().as_u16();
                let body: Value = response.json().expect("a JSON answer");
                let what = if status == 201 { body["id"].as_str() } else { body["error"]["code"].as_str() };
                (status, what.unwrap_or_default().to_string())
            })
        })
        .collect();
    handles.into_iter().map(|h| h.join().expect("a client thread")).collect()
}

fn confirmed_at(server: &TestServer, start: &str) -> Vec<Value> {
    let instant: jiff::Timestamp = start.parse().unwrap();
    server
        .all_bookings()
        .into_iter()
        .filter(|b| b["status"]["state"] == "confirmed")
        .filter(|b| b["start"].as_str().unwrap().parse::<jiff::Timestamp>().unwrap() == instant)
        .collect()
}

#[test]
fn fifty_clients_booking_the_same_slot_get_one_201_and_49_409() {
    let server = TestServer::start();
    let start = "2026-12-09T10:00:00+01:00";
    let results = race(&server, &[start]);
    let won: Vec<_> = results.iter().filter(|(s, _)| *s == 201).collect();
    let taken = results.iter().filter(|(s, code)| *s == 409 && code == "slot_taken").count();
    assert_eq!(won.len(), 1, "exactly one booking succeeds: {results:?}");
    assert_eq!(taken, CLIENTS - 1, "all the others are told the slot was taken: {results:?}");

    let stored = confirmed_at(&server, start);
    assert_eq!(stored.len(), 1, "the store holds one booking: {stored:?}");
    assert_eq!(stored[0]["id"].as_str(), Some(won[0].1.as_str()));
    assert_eq!(server.all_bookings().len(), 1, "and nothing else");
}

#[test]
fn clients_booking_overlapping_times_at_once_cannot_both_win() {
    let server = TestServer::start();
    // 10:00-11:00 and 10:30-11:30 overlap: whichever comes first wins both.
    let starts = ["2026-12-10T10:00:00+01:00", "2026-12-10T10:30:00+01:00"];
    let results = race(&server, &starts);
    let won = results.iter().filter(|(s, _)| *s == 201).count();
    assert_eq!(won, 1, "one booking for the overlapping times: {results:?}");
    assert!(results.iter().all(|(s, _)| *s == 201 || *s == 409), "{results:?}");
    let confirmed: Vec<_> = server.all_bookings().into_iter().filter(|b| b["status"]["state"] == "confirmed").collect();
    assert_eq!(confirmed.len(), 1, "{confirmed:?}");
}
