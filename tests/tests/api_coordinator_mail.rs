//! The coordinator's mail through the API: the mails that could not be sent
//! and "send again", and her own mail settings. On the suite's store (SQLite,
//! and DynamoDB in the second HTTP run).

use std::time::{Duration, Instant};

use dk2020_e2e::{TestServer, coordinator_token, municipality_token, smtp::SmtpSink};
use serde_json::{Value, json};

const SKIVE: u16 = 779;
const COORDINATOR: &str = "klimakoordinator@example.dk";

/// A server whose mail server nobody answers, giving up after the first
/// attempt: every booking's mails fail at once.
fn server_failing_every_mail() -> TestServer {
    let nobody = format!("smtp://127.0.0.1:{}", dk2020_e2e::free_port());
    TestServer::config()
        .env("DK2020_SMTP_URL", &nobody)
        .env("DK2020_MAIL_ATTEMPTS", "1")
        .env("DK2020_COORDINATOR_EMAIL", COORDINATOR)
        .start()
}

fn failed_mails(server: &TestServer) -> Vec<Value> {
    let list = server.get("/api/coordinator/outbox").bearer(&coordinator_token()).send().expect_status(200).json();
    list["mails"].as_array().expect("a list of mails").clone()
}

/// Polls the list until `count` mails have failed (bounded: 30 seconds).
fn wait_for_failed(server: &TestServer, count: usize) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let mails = failed_mails(server);
        if mails.len() >= count {
            return mails;
        }
        assert!(Instant::now() < deadline, "{} of {count} mails failed: {mails:#?}", mails.len());
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn send_again(server: &TestServer, id: &str) -> dk2020_e2e::Reply {
    server.post(&format!("/api/coordinator/outbox/{id}/send-again")).bearer(&coordinator_token()).send()
}

#[test]
fn the_coordinator_sees_each_mail_that_could_not_be_sent_and_why() {
    let server = server_failing_every_mail();
    let booking = server.book_first_open(SKIVE, "online", "2026-12-02", "2026-12-31");
    let mails = wait_for_failed(&server, 2);
    assert_eq!(mails.len(), 2, "the contact's and the coordinator's: {mails:#?}");
    let mut recipients: Vec<&str> = mails.iter().map(|m| m["recipient"].as_str().unwrap()).collect();
    recipients.sort();
    assert_eq!(recipients, ["contact", "coordinator"]);
    for mail in &mails {
        assert_eq!(mail["kind"], "booked");
        assert_eq!(mail["booking_id"], booking["id"]);
        assert_eq!(mail["municipality"], SKIVE);
        assert_eq!(mail["start"], booking["start"]);
        assert_eq!(mail["attempts"], 1);
        let reason = mail["last_error"].as_str().unwrap_or_default();
        assert!(!reason.trim().is_empty(), "the reason is given: {mail}");
    }
    let contact = mails.iter().find(|m| m["recipient"] == "contact").unwrap();
    assert_eq!(contact["contact_email"], booking["contact_email"], "to whom the contact's mail was");
    // Only the coordinator sees them.
    server.get("/api/coordinator/outbox").bearer(&municipality_token(SKIVE)).send().expect_error(403);
}

#[test]
fn send_again_delivers_the_same_mail_once_the_mail_server_answers_and_it_leaves_the_list() {
    let Some(sink) = SmtpSink::start() else { return };
    let mut server = server_failing_every_mail();
    let booking = server.book_first_open(SKIVE, "online", "2026-12-02", "2026-12-31");
    let mails = wait_for_failed(&server, 2);
    // The mail server is up now; failed mails stay failed until she says otherwise.
    server.restart_with(|config| {
        config.env.retain(|(k, _)| k != "DK2020_SMTP_URL");
        config.env.push(("DK2020_SMTP_URL".into(), sink.url()));
    });
    assert_eq!(failed_mails(&server).len(), 2, "nothing is resent by itself");
    let contact = mails.iter().find(|m| m["recipient"] == "contact").unwrap();
    let id = contact["id"].as_str().unwrap();

    let again = send_again(&server, id).expect_status(200).json();
    assert_eq!(again["id"], id);
    let received = sink.wait_for(1);
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].message_id, format!("<{id}>"), "the same mail, recognisably");
    assert!(received[0].rcpt_to.contains(booking["contact_email"].as_str().unwrap()));
    let left = failed_mails(&server);
    assert_eq!(left.len(), 1, "{left:#?}");
    assert_eq!(left[0]["recipient"], "coordinator");

    // Pressed twice: the mail is no longer failed, nothing is sent twice.
    let (code, _) = send_again(&server, id).expect_error(409);
    assert_eq!(code, "mail_not_failed");
    let (code, _) = send_again(&server, "no-such-mail@dk2020-planner").expect_error(404);
    assert_eq!(code, "not_found");
    send_again(&server, left[0]["id"].as_str().unwrap()).expect_status(200);
    let received = sink.wait_for(2);
    assert!(received.iter().any(|m| m.rcpt_to.contains(COORDINATOR)), "{received:#?}");
    assert!(failed_mails(&server).is_empty());
    assert_eq!(sink.received().len(), 2, "each mail once");
}

#[test]
fn a_mail_that_was_sent_cannot_be_sent_again() {
    // Without a mail server the mails are written as .eml files: sent at once.
    let server = TestServer::start();
    let booking = server.book_first_open(SKIVE, "online", "2026-12-02", "2026-12-31");
    let id = format!("{}.0.booked.contact@dk2020-planner", booking["id"].as_str().unwrap());
    let outbox = server.dir().join("outbox");
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::fs::read_dir(&outbox).map_or(0, |d| d.count()) < 2 {
        assert!(Instant::now() < deadline, "the two .eml files in {}", outbox.display());
        std::thread::sleep(Duration::from_millis(50));
    }
    let (code, _) = send_again(&server, &id).expect_error(409);
    assert_eq!(code, "mail_not_failed");
    assert!(failed_mails(&server).is_empty());
}

#[test]
fn the_coordinator_s_mail_settings_start_from_the_configuration_and_keep_what_she_saves() {
    let mut server = TestServer::config()
        .env("DK2020_COORDINATOR_EMAIL", COORDINATOR)
        .env("DK2020_COORDINATOR_NAME", "Klimakoordinatoren")
        .env("DK2020_MEETING_LINK", "https://teams.example.dk/konfigureret")
        .start();
    let coord = coordinator_token();
    let path = "/api/coordinator/mail-settings";
    let configured = server.get(path).bearer(&coord).send().expect_status(200).json();
    assert_eq!(
        configured,
        json!({
            "coordinator_name": "Klimakoordinatoren",
            "coordinator_email": COORDINATOR,
            "meeting_link": "https://teams.example.dk/konfigureret",
        })
    );
    let hers = json!({
        "coordinator_name": "Karen Klimasen",
        "coordinator_email": "karen.klimasen@example.dk",
        "meeting_link": "https://teams.example.dk/l/meetup-join/karen",
    });
    assert_eq!(server.put(path).bearer(&coord).json(&hers).send().expect_status(200).json(), hers);
    server.restart();
    assert_eq!(server.get(path).bearer(&coord).send().expect_status(200).json(), hers, "kept across a restart");

    // A field she leaves blank takes the configured value again.
    let blank_link = json!({"coordinator_name": "Karen Klimasen", "coordinator_email": "karen.klimasen@example.dk", "meeting_link": "  "});
    let saved = server.put(path).bearer(&coord).json(&blank_link).send().expect_status(200).json();
    assert_eq!(saved["meeting_link"], "https://teams.example.dk/konfigureret");

    // Refused, and nothing changes.
    server.put(path).bearer(&coord).json(&json!({"coordinator_email": "karen@"})).send().expect_error(400);
    server.put(path).bearer(&coord).json(&json!({"meeting_link": "javascript:alert(1)"})).send().expect_error(422);
    server
        .put(path)
        .bearer(&coord)
        .json(&json!({"coordinator_name": "Karen\r\nBcc: x@example.org"}))
        .send()
        .expect_error(422);
    assert_eq!(server.get(path).bearer(&coord).send().expect_status(200).json(), saved);
    server.put(path).bearer(&municipality_token(SKIVE)).json(&hers).send().expect_error(403);
}
