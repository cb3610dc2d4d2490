//! Personal data over HTTP (issue 17), on the store under test: the
//! retention with the app's clock moved forward, insight and erasure on
//! request, and the privacy notice.

use dk2020_e2e::{TEST_SECRET, TestServer, coordinator_token, municipality_token, secretariat_token, sign};
use serde_json::{Value, json};

const SKIVE: u16 = 779;

/// A person of this test alone: nothing else in the suite books as her.
const NAME: &str = "Birgitte Privatsen-Holm";
const EMAIL: &str = "birgitte.privatsen@privat-test.example";
const TOPIC: &str = "Fortroligt: varmeplan for Jebjerg";
const REASON: &str = "Birgitte er på barsel";

fn her_booking(start: &str) -> Value {
    json!({
        "municipality": SKIVE, "kind": "online", "start": start,
        "topic": TOPIC, "contact_name": NAME, "contact_email": EMAIL,
    })
}

fn book_two(server: &TestServer) -> (String, String) {
    let token = municipality_token(SKIVE);
    let slots = server.slots(&token, SKIVE, "online", "2026-12-07", "2026-12-31");
    // Two on different days: offered slots of one day overlap each other.
    let first = slots.first().expect("open slots");
    let other_day = slots.iter().find(|s| s.start[..10] != first.start[..10]).expect("slots on another day");
    let ids: Vec<String> = [first, other_day]
        .iter()
        .map(|slot| {
            let made = server.post("/api/bookings").bearer(&token).json(&her_booking(&slot.start)).send();
            made.expect_status(201).json()["id"].as_str().expect("an id").to_string()
        })
        .collect();
    server
        .post(&format!("/api/bookings/{}/cancel", ids[1]))
        .bearer(&token)
        .json(&json!({"reason": REASON}))
        .send()
        .expect_status(200);
    (ids[0].clone(), ids[1].clone())
}

fn assert_nothing_of_her(what: &str, text: &str) {
    for personal in [NAME, EMAIL, TOPIC, REASON] {
        assert!(!text.contains(personal), "{what} still holds {personal:?}: {text}");
    }
}

/// A token for `role` judged by a server whose clock reads `now` (RFC 3339).
fn token_at(now: &str, role: &str) -> String {
    let at = now.parse::<jiff::Timestamp>().expect("RFC 3339").as_second();
    sign(&json!({"role": role, "iat": at, "exp": at + 3600}), TEST_SECRET)
}

#[test]
fn a_session_past_the_retention_loses_its_personal_data_and_keeps_its_statistics() {
    let mut server = TestServer::start();
    let (held, cancelled) = book_two(&server);
    let before = server.all_bookings();
    let original = before.iter().find(|b| b["id"] == held.as_str()).expect("her booking").clone();
    assert_eq!(original["contact_email"], EMAIL);

    // Thirteen months on, by the app's clock: the server erases at start-up.
    let later = "2028-01-04T08:00:00+01:00";
    server.restart_with(|c| c.now = Some(later.into()));
    let coordinator = token_at(later, "coordinator");
    let listed = server.get("/api/bookings?include_cancelled=true").bearer(&coordinator).send().expect_status(200);
    assert_nothing_of_her("the bookings", &listed.text());
    let bookings = listed.json()["bookings"].as_array().expect("bookings").clone();
    let kept = bookings.iter().find(|b| b["id"] == held.as_str()).expect("the booking stays for the statistics");
    for field in ["municipality", "kind", "start", "end", "status"] {
        assert_eq!(kept[field], original[field], "{field} is kept");
    }
    assert!(kept.get("contact_name").is_none() && kept["erased_at"].is_string(), "{kept}");
    let gone = bookings.iter().find(|b| b["id"] == cancelled.as_str()).expect("the cancelled one stays too");
    assert_eq!(gone["status"]["state"], "cancelled");
    // The visits report still counts both.
    let report = server
        .get("/api/reports/visits?from=2026-12-01&to=2026-12-31&format=csv")
        .bearer(&coordinator)
        .send()
        .expect_status(200);
    assert_nothing_of_her("the visits report", &report.text());
    let secretariat = token_at(later, "secretariat");
    let audit = server.get("/api/audit?from=2026-11-01&to=2026-12-31").bearer(&secretariat).send().expect_status(200);
    assert_nothing_of_her("the audit log", &audit.text());
    let entries = audit.json()["entries"].as_array().expect("entries").len();
    assert!(entries >= 3, "the entries themselves stay: {entries}");
}

#[test]
fn the_secretariat_sees_everything_held_about_a_person_and_erases_it() {
    let server = TestServer::start();
    let (held, _) = book_two(&server);
    let sec = secretariat_token();
    // Case does not matter; the address is in the query, as the contract says.
    let lookup = format!("/api/privacy/subjects?email={}", EMAIL.to_uppercase());
    let report = server.get(&lookup).bearer(&sec).send().expect_status(200).json();
    assert_eq!(report["bookings"].as_array().unwrap().len(), 2, "{report}");
    assert_eq!(report["bookings"][0]["topic"], TOPIC);
    assert!(report["mails"].as_array().unwrap().len() >= 4, "booked twice, cancelled once: {report}");
    assert!(report["audit"].as_array().unwrap().len() >= 3, "{report}");
    let text = server.get(&format!("{lookup}&format=text")).bearer(&sec).send().expect_status(200);
    assert!(text.header("content-type").unwrap_or_default().starts_with("text/plain"));
    let text = text.text();
    assert!(text.contains("Oplysninger om") && text.contains(TOPIC) && text.contains(REASON), "{text}");

    let erased = server
        .post("/api/privacy/subjects/erase")
        .bearer(&sec)
        .json(&json!({"email": EMAIL}))
        .send()
        .expect_status(200);
    let counts = erased.json();
    assert_eq!(counts["bookings"], 2, "{counts}");
    assert!(counts["mails"].as_u64().unwrap() >= 4 && counts["audit_entries"].as_u64().unwrap() >= 3, "{counts}");

    for (what, path, token) in [
        ("the bookings", "/api/bookings?include_cancelled=true".to_string(), coordinator_token()),
        ("the booking's calendar file", format!("/api/bookings/{held}/ics"), coordinator_token()),
        ("the audit log", "/api/audit?from=2026-11-01&to=2026-12-31".to_string(), sec.clone()),
        ("the audit log as CSV", "/api/audit?from=2026-11-01&to=2026-12-31&format=csv".to_string(), sec.clone()),
        ("the failed mails", "/api/coordinator/outbox".to_string(), coordinator_token()),
        ("the agenda", "/api/coordinator/agenda?from=2026-12-01&to=2026-12-31".to_string(), coordinator_token()),
        (
            "the visits report",
            "/api/reports/visits?from=2026-12-01&to=2026-12-31&format=csv".to_string(),
            coordinator_token(),
        ),
    ] {
        let reply = server.get(&path).bearer(&token).send().expect_status(200);
        assert_nothing_of_her(what, &reply.text());
    }
    let after = server.get(&lookup).bearer(&sec).send().expect_status(200).json();
    for part in ["bookings", "mails", "audit", "credentials"] {
        assert!(after[part].as_array().unwrap().is_empty(), "{part} after the erasure: {after}");
    }
    // That it happened is in the log, by whom and when, without her.
    let audit = server.get("/api/audit?kind=personal_data_erased").bearer(&sec).send().expect_status(200).json();
    let entry = &audit["entries"][0];
    assert_eq!(entry["actor"]["role"], "secretariat");
    assert_nothing_of_her("the erasure's own entry", &entry.to_string());
    let viewed = server.get("/api/audit?kind=personal_data_viewed").bearer(&sec).send().expect_status(200).json();
    assert_eq!(viewed["entries"].as_array().unwrap().len(), 3, "three look-ups: {viewed}");
    // Erasing again finds nothing.
    let again = server
        .post("/api/privacy/subjects/erase")
        .bearer(&sec)
        .json(&json!({"email": EMAIL}))
        .send()
        .expect_status(200);
    assert_eq!(again.json()["bookings"], 0);
    // The time stays booked: another booking of it is refused.
    let start = server.all_bookings().into_iter().find(|b| b["id"] == held.as_str()).unwrap()["start"].clone();
    let again = server
        .post("/api/bookings")
        .bearer(&municipality_token(SKIVE))
        .json(&her_booking(start.as_str().unwrap()))
        .send();
    assert_eq!(again.status, 409, "{}", again.text());
}

#[test]
fn only_the_secretariat_looks_people_up_and_an_address_must_be_one() {
    let server = TestServer::shared();
    let sec = secretariat_token();
    let (status, message) = server.get("/api/privacy/subjects").bearer(&sec).send().expect_error(400);
    assert_eq!(status, "bad_request");
    assert!(message.contains("e-mail"), "{message}");
    server.get("/api/privacy/subjects?email=ikke-en-adresse").bearer(&sec).send().expect_error(400);
    server.get("/api/privacy/subjects?email=a@b.dk&format=pdf").bearer(&sec).send().expect_error(400);
    server.get(&format!("/api/privacy/subjects?email={EMAIL}")).bearer(&coordinator_token()).send().expect_error(403);
    server.post("/api/privacy/subjects/erase").bearer(&sec).json(&json!({"email": "x"})).send().expect_error(400);
    server
        .post("/api/privacy/subjects/erase")
        .bearer(&municipality_token(SKIVE))
        .json(&json!({"email": EMAIL}))
        .send()
        .expect_error(403);
}

#[test]
fn the_privacy_notice_is_danish_and_says_who_answers_and_how_long_data_is_kept() {
    let config = TestServer::config()
        .env("DK2020_RETENTION_MONTHS", "18")
        .env("DK2020_DATA_CONTROLLER", "Skive Kommune, Torvegade 10, 7800 Skive")
        .env("DK2020_PRIVACY_CONTACT", "dpo@skive.dk");
    let server = config.start();
    let page = server.get("/privatliv").send().expect_status(200);
    assert!(page.header("content-type").unwrap_or_default().starts_with("text/html"));
    let html = page.text();
    assert!(html.contains("<html lang=\"da\">"), "{html}");
    for said in ["Skive Kommune, Torvegade 10, 7800 Skive", "18 måneder", "mailto:dpo@skive.dk", "Datatilsynet"] {
        assert!(html.contains(said), "the notice does not say {said:?}");
    }
    // The staff page links to it.
    assert!(server.get("/").send().expect_status(200).text().contains("href=\"privatliv\""));
}
