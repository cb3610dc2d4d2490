//! The booking mails through Amazon SES (`mail::Transport::Ses`, what the
//! mailer Lambda function sends with), against moto's SES v2 and the DynamoDB
//! store on the local server:
//!
//! - a booking's two mails and, a day later, the contact's reminder reach SES
//!   as the MIME message lettre builds (the same `Message-ID`, subject, text,
//!   HTML and invitation an SMTP server gets), to the right recipients, and
//!   are marked sent; the DynamoDB requests the sender made are exactly what
//!   the mailer's role in infra/template.yaml allows;
//! - SES refusing a mail (a sender it has not verified) is a failed attempt,
//!   retried later, with SES's reason for the coordinator's list.
//!
//! Skipped without the local DynamoDB server (`DK2020_TEST_DYNAMODB_ENDPOINT`),
//! like the other DynamoDB tests; `support/ses.rs` starts the SES server.

#[path = "support/calendar.rs"]
mod calendar;
#[path = "support/dynamodb.rs"]
mod dynamodb_support;
#[path = "support/ses.rs"]
mod ses_support;
#[path = "support/template.rs"]
mod template_support;

use std::collections::{BTreeMap, BTreeSet};

use dk2020_api::{
    config::Config,
    mail::{Sender, Transport},
    store::{Bookings, DynamoStore, NewBooking, Outbox, SettingsExt},
};
use dk2020_model::{
    Actor, Booking, BookingId, BookingStatus, ContactName, Email, LocalTime, MunicipalityCode, SessionKind, Topic,
    ical::event_uid,
    outbox::{self, Delivery, Message},
};
use jiff::{SignedDuration, Timestamp};
use ses_support::{LocalSes, Sent};

/// When the booking is made (the calendar takes bookings from 1 December at 09:00).
const BOOKED_AT: &str = "2026-11-30T08:00:00+01:00";
/// The session: Wednesday 2 December, 09:00-10:00 in Copenhagen.
const START: &str = "2026-12-02T09:00:00+01:00";
const COORDINATOR: &str = "koordinator@klima.test";

fn ts(text: &str) -> Timestamp {
    text.parse().unwrap()
}

fn booking(id: &str) -> Booking {
    let start = ts(START);
    Booking {
        id: BookingId::parse(id).unwrap(),
        municipality: MunicipalityCode::new(779).unwrap(),
        kind: SessionKind::Online,
        start: LocalTime::new(start),
        end: LocalTime::new(start + SignedDuration::from_hours(1)),
        topic: Some(Topic::parse("Klimaplan og varmeplan").unwrap()),
        contact_name: Some(ContactName::parse("Anne Jensen").unwrap()),
        contact_email: Some(Email::parse("anne@skive.dk").unwrap()),
        status: BookingStatus::Confirmed,
        created_at: ts(BOOKED_AT),
        changed_at: ts(BOOKED_AT),
        sequence: 0,
        erased_at: None,
    }
}

/// A fresh table with the test calendar and `b` booked by Skive's staff:
/// the two messages the booking owes.
async fn booked(store: &DynamoStore, b: &Booking) -> Vec<Message> {
    store.set_setting(&calendar::test_calendar(1)).await.unwrap();
    let request = dk2020_model::api::BookingRequest::again(b).expect("a booking with its contact");
    let by = Actor::Municipality { municipality: b.municipality };
    let created = store
        .create_booking(NewBooking { request: &request, id: &b.id, by, idempotency_key: None, now: ts(BOOKED_AT) })
        .await
        .unwrap();
    outbox::owed_by(&created.event.expect("a new booking"))
}

/// The sender as the mailer's configuration makes it, through SES at `ses`.
fn ses_sender(from: &str, ses: &LocalSes) -> Sender {
    let config = Config::from_args([
        "--mail-transport",
        "ses",
        "--mail-from",
        &format!("DK2020-planner <{from}>"),
        "--coordinator-email",
        COORDINATOR,
        "--coordinator-name",
        "Klimakoordinatoren",
        "--reminder-hours",
        "24",
        "--mail-attempts",
        "3",
    ])
    .unwrap();
    let mut sender = config.mail_sender().unwrap();
    assert!(matches!(sender.transport, Transport::Ses(_)), "{}", sender.transport.describe());
    // The endpoint the Lambda function gets from the AWS chain.
    sender.transport = Transport::ses(Some(ses.endpoint().to_string()));
    sender
}

/// A raw mail's header `name` (decoded), or "".
fn header(mail: &mailparse::ParsedMail, name: &str) -> String {
    use mailparse::MailHeaderMap;
    mail.headers.get_first_value(name).unwrap_or_default()
}

/// Every part's decoded body with its content type, depth first.
fn parts(mail: &mailparse::ParsedMail, out: &mut Vec<(String, String)>) {
    if mail.subparts.is_empty() {
        out.push((mail.ctype.mimetype.clone(), mail.get_body().unwrap_or_default()));
    }
    for part in &mail.subparts {
        parts(part, out);
    }
}

/// The raw mail SES got with our `Message-ID` `<id>`.
fn by_message_id<'a>(sent: &'a [Sent], id: &str) -> &'a Sent {
    sent.iter()
        .find(|s| {
            let mail = mailparse::parse_mail(s.raw.as_bytes()).expect("a MIME message");
            header(&mail, "Message-ID") == format!("<{id}>")
        })
        .unwrap_or_else(|| panic!("SES got no mail with Message-ID <{id}>: {sent:#?}"))
}

/// The IAM actions of the DynamoDB requests counted (`DynamoStore::request_counts`).
fn iam_actions(counts: &BTreeMap<String, u64>) -> BTreeSet<String> {
    let mut actions = BTreeSet::new();
    for operation in counts.keys() {
        match operation.as_str() {
            // The sender's only transaction is `update_message`: a Put into the
            // new state's partition and Deletes from the others, each authorised
            // as its own action (IAM has no TransactWriteItems action).
            "TransactWriteItems" => actions.extend(["dynamodb:PutItem".to_string(), "dynamodb:DeleteItem".to_string()]),
            other => {
                actions.insert(format!("dynamodb:{other}"));
            }
        }
    }
    actions
}

#[tokio::test]
async fn the_mails_and_the_reminder_reach_ses_as_the_mime_message_smtp_gets() {
    let Some(endpoint) = dynamodb_support::endpoint() else { return };
    let store = dynamodb_support::fresh_store(&endpoint).await;
    let _drop = dynamodb_support::DropTable(store.clone());
    let Some(ses) = LocalSes::start() else { return };
    ses.verify_domain("kommuner.test").await;
    let sender = ses_sender("dk2020@kommuner.test", &ses);

    let b = booking("ses-1");
    let owed = booked(&store, &b).await;
    // A day later, 23 hours before the session: the booking's mails went
    // unsent so far (the mailer was not woken), and the reminder is owed.
    let now = ts(START) - SignedDuration::from_hours(23);
    let before = store.request_counts();
    assert_eq!(sender.record_reminders(&store, now).await.unwrap(), 1, "the reminder is recorded");
    let round = sender.deliver_due(&store, now).await.unwrap();
    assert_eq!((round.sent, round.retried, round.failed, round.dropped), (3, 0, 0, 0), "{round:?}");

    let sent = ses.sent();
    assert_eq!(sent.len(), 3, "{sent:#?}");
    let reminder = outbox::reminder(&b, SignedDuration::from_hours(24), now).expect("owed");
    let expected = [
        (&owed[0], "anne@skive.dk", "Bekræftet: ", "METHOD:REQUEST"),
        (&owed[1], COORDINATOR, "Bekræftet: ", "METHOD:REQUEST"),
        (&reminder, "anne@skive.dk", "Påmindelse: ", "METHOD:REQUEST"),
    ];
    for (message, to, subject, method) in expected {
        let got = by_message_id(&sent, &message.id);
        // The envelope: from the configured sender to the one recipient.
        assert_eq!(got.source, "dk2020@kommuner.test", "{}", message.id);
        assert!(got.destinations.iter().any(|d| d.ends_with(to) || d.ends_with(&format!("<{to}>"))), "{got:?}");
        assert!(got.destinations.iter().all(|d| d.contains(to)), "to {to} only: {:?}", got.destinations);
        let mail = mailparse::parse_mail(got.raw.as_bytes()).expect("a MIME message");
        assert!(header(&mail, "To").contains(to), "{}", header(&mail, "To"));
        assert_eq!(header(&mail, "From"), "DK2020-planner <dk2020@kommuner.test>");
        assert!(header(&mail, "Subject").starts_with(subject), "{}", header(&mail, "Subject"));
        if message.recipient == dk2020_model::mail::Recipient::Contact {
            // Her answer reaches the coordinator.
            assert!(header(&mail, "Reply-To").contains(COORDINATOR), "{}", header(&mail, "Reply-To"));
        }
        let mut found = Vec::new();
        parts(&mail, &mut found);
        let types: Vec<&str> = found.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(types, ["text/plain", "text/html", "text/calendar", "text/calendar"], "{}", message.id);
        let (_, text) = &found[0];
        assert!(text.contains("1:1-vejledning"), "the Danish text: {text}");
        for (_, ics) in &found[2..] {
            assert!(ics.contains(method), "{ics}");
            assert!(ics.contains(&format!("UID:{}", event_uid(&b.id))), "{ics}");
            assert!(ics.contains("DTSTART;TZID=Europe/Copenhagen:20261202T090000"), "{ics}");
            assert!(ics.contains(&format!("ORGANIZER;CN=Klimakoordinatoren:mailto:{COORDINATOR}")), "{ics}");
        }
        let stored = store.message(&message.id).await.unwrap();
        assert_eq!((stored.delivery, stored.attempts), (Delivery::Sent, 1), "{stored:?}");
    }

    // The mailer's role allows exactly the requests this path made.
    let after = store.request_counts();
    let made: BTreeMap<String, u64> = after
        .iter()
        .map(|(op, n)| (op.clone(), n - before.get(op).copied().unwrap_or(0)))
        .filter(|(_, n)| *n > 0)
        .collect();
    let template = template_support::template();
    let allowed =
        template_support::action_set(template_support::role_statement(&template, "MailerRole", "table", "Items"));
    assert_eq!(iam_actions(&made), allowed, "requests made {made:?}; MailerRole allows {allowed:?}");

    // Nothing is due any more: a second round sends nothing again.
    let again = sender.deliver_due(&store, now).await.unwrap();
    assert_eq!(again.sent, 0, "{again:?}");
    assert_eq!(ses.sent().len(), 3);
}

#[tokio::test]
async fn a_mail_ses_refuses_is_a_failed_attempt_with_its_reason() {
    let Some(endpoint) = dynamodb_support::endpoint() else { return };
    let store = dynamodb_support::fresh_store(&endpoint).await;
    let _drop = dynamodb_support::DropTable(store.clone());
    let Some(ses) = LocalSes::start() else { return };
    // SES knows another domain, not the sender's.
    ses.verify_domain("kommuner.test").await;
    let sender = ses_sender("dk2020@unverified.test", &ses);

    let owed = booked(&store, &booking("ses-2")).await;
    let now = ts(BOOKED_AT);
    let round = sender.deliver_due(&store, now).await.unwrap();
    assert_eq!((round.sent, round.retried, round.failed), (0, 2, 0), "{round:?}");
    assert!(ses.sent().is_empty(), "{:#?}", ses.sent());
    for message in &owed {
        let stored = store.message(&message.id).await.unwrap();
        assert_eq!((stored.delivery, stored.attempts), (Delivery::Due, 1), "{stored:?}");
        assert!(stored.due > now, "retried later, not at once: {stored:?}");
        let reason = stored.last_error.clone().unwrap_or_default();
        assert!(reason.starts_with("SES refused the mail: "), "{reason}");
        assert!(reason.contains("MessageRejected") && reason.contains("unverified.test"), "SES's reason: {reason}");
    }

    // After the last attempt it is failed, listed for the coordinator with the reason.
    let mut at = now;
    for _ in 0..2 {
        at = store.message(&owed[0].id).await.unwrap().due.max(store.message(&owed[1].id).await.unwrap().due);
        sender.deliver_due(&store, at).await.unwrap();
    }
    let failed = store.failed_messages().await.unwrap();
    assert_eq!(failed.len(), 2, "{failed:?}");
    assert!(
        failed
            .iter()
            .all(|m| m.attempts == 3 && m.last_error.as_deref().is_some_and(|e| e.contains("MessageRejected")))
    );
    assert!(at > now);
}
