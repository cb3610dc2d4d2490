//! The manage link, end to end: the link in the mail the contact receives
//! (through a real SMTP server) opens that one booking, moves it and cancels
//! it; a wrong, revoked or expired link gets a clear refusal. On the suite's
//! store (SQLite, and DynamoDB in the second HTTP run).

use dk2020_e2e::{
    TestServer, coordinator_token, municipality_token,
    smtp::{ReceivedMail, SmtpSink},
};
use serde_json::{Value, json};

const SKIVE: u16 = 779;
const CONTACT: &str = "anne.jensen@example.dk";

fn server_mailing_to(sink: &SmtpSink) -> TestServer {
    TestServer::config().env("DK2020_SMTP_URL", &sink.url()).start()
}

/// The manage link in a mail's text and its key (the fragment).
fn manage_link(mail: &ReceivedMail) -> (String, String) {
    let text = mail.text.as_deref().expect("a plain-text body");
    let link = text
        .split_whitespace()
        .find(|w| w.contains("/manage.html#dkm_"))
        .unwrap_or_else(|| panic!("a manage link in the mail: {text}"))
        .trim_matches(|c: char| c == '<' || c == '>' || c == '(' || c == ')')
        .to_string();
    let key = link.split_once('#').expect("a fragment").1.to_string();
    (link, key)
}

/// The contact's mail about `booking` whose Message-ID names `what`.
fn contact_mail<'a>(mails: &'a [ReceivedMail], booking: &Value, what: &str) -> &'a ReceivedMail {
    let id = booking["id"].as_str().expect("a booking id");
    mails
        .iter()
        .find(|m| {
            m.message_id.starts_with(&format!("<{id}.")) && m.message_id.contains(what) && m.rcpt_to.contains(CONTACT)
        })
        .unwrap_or_else(|| panic!("the contact's {what} mail: {mails:#?}"))
}

#[test]
fn the_link_in_the_contacts_mail_moves_and_cancels_its_own_booking_and_nothing_else() {
    let Some(sink) = SmtpSink::start() else { return };
    let server = server_mailing_to(&sink);
    let mine = server.book_first_open(SKIVE, "online", "2026-12-02", "2026-12-31");
    let mails = sink.wait_for(2);
    let (link, key) = manage_link(contact_mail(&mails, &mine, ".booked."));
    assert!(link.starts_with(&server.url("/widget/manage.html#dkm_")), "the local server's own page: {link}");
    assert!(!link.contains('?'), "no key in a query: {link}");
    let coordinators = mails.iter().find(|m| !m.rcpt_to.contains(CONTACT)).unwrap();
    assert!(!coordinators.text.as_deref().unwrap().contains("#dkm_"), "the coordinator's mail carries no key");
    // Another booking of another municipality, which the link must not reach.
    let other = server.book_first_open(751, "online", "2026-12-02", "2026-12-31");
    sink.wait_for(4);

    let opened = server.get("/api/manage").bearer(&key).send().expect_status(200).json();
    assert_eq!(opened["id"], mine["id"]);
    let slots =
        server.get("/api/manage/slots?from=2026-12-02&to=2026-12-31").bearer(&key).send().expect_status(200).json();
    let to = slots["slots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["start"].as_str().unwrap().to_string())
        .find(|s| s != mine["start"].as_str().unwrap())
        .expect("another open slot");
    let moved = server
        .post("/api/manage/reschedule")
        .bearer(&key)
        .json(&json!({ "start": to }))
        .send()
        .expect_status(200)
        .json();
    assert_eq!((moved["id"].clone(), moved["sequence"].clone()), (mine["id"].clone(), json!(1)));
    // The move's mail carries a link of its own; the first one still opens the booking.
    let mails = sink.wait_for(6);
    let (_, second_key) = manage_link(contact_mail(&mails, &moved, ".rescheduled."));
    assert_ne!(second_key, key);
    let cancelled = server
        .post("/api/manage/cancel")
        .bearer(&second_key)
        .json(&json!({ "reason": "Sygdom" }))
        .send()
        .expect_status(200)
        .json();
    assert_eq!(cancelled["status"]["by"], json!({ "role": "municipality", "municipality": SKIVE }));
    // The other booking is as it was.
    let all = server.get("/api/bookings").bearer(&coordinator_token()).send().expect_status(200).json();
    let theirs = all["bookings"].as_array().unwrap().iter().find(|b| b["id"] == other["id"]).unwrap().clone();
    assert_eq!(theirs, other, "untouched by Skive's link");
    // Cancelled, the link still shows the booking, and refuses to change it again.
    let shown = server.get("/api/manage").bearer(&key).send().expect_status(200).json();
    assert_eq!(shown["status"]["state"], "cancelled");
    server.post("/api/manage/cancel").bearer(&key).send().expect_status(409);
    let mails = sink.wait_for(8);
    let cancel_mail = contact_mail(&mails, &cancelled, ".cancelled.");
    assert!(!cancel_mail.text.as_deref().unwrap().contains("#dkm_"), "nothing left to manage: no new link");
}

#[test]
fn a_wrong_revoked_or_expired_link_is_refused_with_a_reason_and_changes_nothing() {
    let Some(sink) = SmtpSink::start() else { return };
    let mut server = server_mailing_to(&sink);
    let booking = server.book_first_open(SKIVE, "online", "2026-12-02", "2026-12-31");
    let (_, key) = manage_link(contact_mail(&sink.wait_for(2), &booking, ".booked."));
    let code = |reply: dk2020_e2e::Reply| reply.json()["error"]["code"].as_str().unwrap().to_string();

    // Mistyped (one character changed), truncated, or a token of another kind.
    let mut mistyped = key.clone();
    let last = if mistyped.ends_with('A') { 'B' } else { 'A' };
    mistyped.pop();
    mistyped.push(last);
    for wrong in [mistyped.as_str(), &key[..key.len() - 5], &municipality_token(SKIVE)] {
        let refused = server.post("/api/manage/cancel").bearer(wrong).send().expect_status(401);
        assert_eq!(code(refused), "manage_link_invalid");
    }
    // The key in the query instead of the header is refused, and opens nothing.
    assert_eq!(code(server.get(&format!("/api/manage?key={key}")).send().expect_status(400)), "bad_request");
    let unchanged = server.get("/api/manage").bearer(&key).send().expect_status(200).json();
    assert_eq!(unchanged["status"]["state"], "confirmed");

    // Revoked by the coordinator: it stops working at once.
    let id = booking["id"].as_str().unwrap();
    let revoked = server
        .post(&format!("/api/coordinator/bookings/{id}/manage-links/revoke"))
        .bearer(&coordinator_token())
        .send()
        .expect_status(200)
        .json();
    assert_eq!(revoked, json!({ "revoked": 1 }));
    assert_eq!(code(server.get("/api/manage").bearer(&key).send().expect_status(401)), "manage_link_invalid");

    // A new mail (here the reminder) brings a new link, which expires with the session.
    let start: jiff::Timestamp = booking["start"].as_str().unwrap().parse().unwrap();
    server.restart_with(|config| config.now = Some((start - jiff::SignedDuration::from_hours(2)).to_string()));
    let mails = sink.wait_for(3);
    let (_, fresh) = manage_link(contact_mail(&mails, &booking, ".reminder."));
    server.get("/api/manage").bearer(&fresh).send().expect_status(200);
    let end: jiff::Timestamp = booking["end"].as_str().unwrap().parse().unwrap();
    server.restart_with(|config| config.now = Some(end.to_string()));
    assert_eq!(code(server.get("/api/manage").bearer(&fresh).send().expect_status(410)), "manage_link_expired");
    assert_eq!(code(server.post("/api/manage/cancel").bearer(&fresh).send().expect_status(410)), "manage_link_expired");
}
