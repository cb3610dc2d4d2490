//! The booking mails, end to end: the real server delivers through a real SMTP
//! server (aiosmtpd, see `dk2020_e2e::smtp`), and the mails are read back with
//! Python's `email` and `icalendar`, as a recipient's programs read them. On
//! the suite's store (SQLite, and DynamoDB in the second HTTP run).

use dk2020_e2e::{
    TEST_NOW, TEST_SECRET, TestServer, booking_body, coordinator_token, municipality_token, sign,
    smtp::{ReceivedMail, SmtpSink},
};
use serde_json::{Value, json};

const SKIVE: u16 = 779;
const CONTACT: &str = "anne.jensen@example.dk";
const COORDINATOR: &str = "klimakoordinator@example.dk";

fn server_mailing_to(sink: &SmtpSink) -> TestServer {
    TestServer::config()
        .env("DK2020_SMTP_URL", &sink.url())
        .env("DK2020_COORDINATOR_EMAIL", COORDINATOR)
        .env("DK2020_MAIL_FROM", "DK2020-planner <dk2020@example.dk>")
        .start()
}

/// The mails of `booking` whose Message-ID names `what`, the contact's first.
fn mails_about<'a>(mails: &'a [ReceivedMail], booking: &Value, what: &str) -> Vec<&'a ReceivedMail> {
    let id = booking["id"].as_str().expect("a booking id");
    let mut found: Vec<&ReceivedMail> =
        mails.iter().filter(|m| m.message_id.starts_with(&format!("<{id}.")) && m.message_id.contains(what)).collect();
    found.sort_by_key(|m| !m.rcpt_to.contains(CONTACT));
    assert_eq!(found.len(), 2, "two mails about {what}: {mails:#?}");
    found
}

#[test]
fn booking_moving_and_cancelling_each_send_the_contact_and_the_coordinator_an_outlook_invitation() {
    let Some(sink) = SmtpSink::start() else { return };
    let server = server_mailing_to(&sink);
    let booking = server.book_first_open(SKIVE, "online", "2026-12-02", "2026-12-31");
    let id = booking["id"].as_str().unwrap().to_string();

    let mails = sink.wait_for(2);
    let [contact, coordinator] = mails_about(&mails, &booking, ".booked.")[..] else { unreachable!() };
    assert!(contact.rcpt_to.contains(CONTACT) && contact.to.contains("Anne Jensen"), "{contact:#?}");
    assert!(coordinator.rcpt_to.contains(COORDINATOR), "{coordinator:#?}");
    assert!(contact.subject.starts_with("Bekræftet"), "{}", contact.subject);
    assert!(contact.reply_to.as_deref().is_some_and(|r| r.contains(COORDINATOR)), "answers reach the coordinator");
    let text = contact.text.as_deref().expect("a plain-text body");
    assert!(text.contains("Klimahandleplan: CO2-opgørelse") && text.contains("Onlinemøde"), "{text}");
    assert!(contact.html.as_deref().is_some_and(|h| h.contains("lang=\"da\"")), "an HTML body in Danish");
    for mail in [contact, coordinator] {
        assert_eq!(mail.method(), "REQUEST");
        let calendar = &mail.calendars[0];
        assert_eq!(calendar.method_param.as_deref(), Some("REQUEST"), "the part says its method to Outlook");
        assert!(calendar.has_vtimezone);
        let event = mail.invitation();
        assert_eq!(event.uid, format!("{id}@dk2020-planner"));
        assert_eq!(event.sequence, 0);
        assert_eq!(event.dtstart_tzid, "Europe/Copenhagen");
        let start: jiff::Timestamp = booking["start"].as_str().unwrap().parse().unwrap();
        let local = start.to_zoned_datetime(dk2020_model::COPENHAGEN.clone());
        assert!(event.dtstart_local.starts_with(&local.datetime().strftime("%Y-%m-%dT%H:%M:%S").to_string()));
        assert!(event.organizer.contains(COORDINATOR) && event.attendees.iter().any(|a| a.contains(CONTACT)));
        assert!(mail.calendars.iter().any(|c| c.filename.as_deref() == Some("invitation.ics")), "also a file");
    }

    // Moved to the next open slot: the same event, one sequence later.
    let token = municipality_token(SKIVE);
    let later = server
        .slots(&token, SKIVE, "online", "2026-12-02", "2026-12-31")
        .into_iter()
        .find(|s| s.start != booking["start"].as_str().unwrap())
        .expect("another open slot");
    let moved = server
        .post(&format!("/api/bookings/{id}/reschedule"))
        .bearer(&token)
        .json(&json!({ "start": later.start }))
        .send()
        .expect_status(200)
        .json();
    let mails = sink.wait_for(4);
    let [contact, _] = mails_about(&mails, &moved, ".rescheduled.")[..] else { unreachable!() };
    assert!(contact.subject.starts_with("Flyttet"), "{}", contact.subject);
    assert_eq!((contact.method(), contact.invitation().sequence), ("REQUEST", 1));
    assert_eq!(contact.invitation().uid, format!("{id}@dk2020-planner"));

    // Cancelled by the coordinator with her reason: METHOD:CANCEL, same UID.
    let cancelled = server
        .post(&format!("/api/bookings/{id}/cancel"))
        .bearer(&coordinator_token())
        .json(&json!({ "reason": "Sygdom" }))
        .send()
        .expect_status(200)
        .json();
    let mails = sink.wait_for(6);
    let [contact, coordinator] = mails_about(&mails, &cancelled, ".cancelled.")[..] else { unreachable!() };
    assert!(contact.subject.starts_with("Aflyst"), "{}", contact.subject);
    assert!(contact.text.as_deref().unwrap().contains("Sygdom"), "her reason is given");
    for mail in [contact, coordinator] {
        assert_eq!(mail.method(), "CANCEL");
        let event = mail.invitation();
        assert_eq!(
            (event.uid.as_str(), event.sequence, event.status.as_str()),
            (&*format!("{id}@dk2020-planner"), 2, "CANCELLED")
        );
    }
    assert_eq!(sink.received().len(), 6, "nothing more than the six");
}

#[test]
fn hostile_text_in_topic_and_name_adds_no_header_recipient_or_calendar_line() {
    let Some(sink) = SmtpSink::start() else { return };
    let server = server_mailing_to(&sink);
    let token = municipality_token(SKIVE);
    let slot = server.slots(&token, SKIVE, "online", "2026-12-02", "2026-12-31").remove(0);
    let mut body = booking_body(SKIVE, "online", &slot.start);
    body["topic"] =
        json!("Plan\nBcc: evil@example.org\nATTENDEE:mailto:evil@example.org\nEND:VEVENT <script>x</script>");
    body["contact_name"] = json!("Anne\nCc: evil@example.org");
    let booking = server.post("/api/bookings").bearer(&token).json(&body).send().expect_status(201).json();
    let mails = sink.wait_for(2);
    for mail in mails_about(&mails, &booking, ".booked.") {
        assert!(!mail.header_names.iter().any(|h| h == "bcc" || h == "cc"), "{:?}", mail.header_names);
        assert!(!mail.rcpt_to.contains("evil"), "{}", mail.rcpt_to);
        assert!(!mail.subject.contains('\n'));
        let event = mail.invitation();
        assert_eq!(event.attendees.len(), 1, "{:?}", event.attendees);
        assert!(!event.attendees[0].contains("evil"));
        assert_eq!(mail.calendars[0].events.len(), 1, "one event, whatever the topic says");
        assert!(!mail.html.as_deref().unwrap().contains("<script>"), "escaped in the HTML");
    }
}

#[test]
fn a_mail_that_could_not_be_sent_before_a_crash_goes_out_after_the_restart() {
    let Some(sink) = SmtpSink::start() else { return };
    // First no mail server answers: the booking is confirmed, its mails wait.
    let nobody = format!("smtp://127.0.0.1:{}", dk2020_e2e::free_port());
    let mut server =
        TestServer::config().env("DK2020_SMTP_URL", &nobody).env("DK2020_COORDINATOR_EMAIL", COORDINATOR).start();
    let booking = server.book_first_open(SKIVE, "online", "2026-12-02", "2026-12-31");
    assert_eq!(server.all_bookings().len(), 1);
    // kill -9, then start again with the mail server up and the clock past
    // the first retry's time (2 minutes after the failed attempt).
    server.kill();
    server.restart_with(|config| {
        config.env.retain(|(k, _)| k != "DK2020_SMTP_URL");
        config.env.push(("DK2020_SMTP_URL".into(), sink.url()));
        let later = TEST_NOW.parse::<jiff::Timestamp>().unwrap() + jiff::SignedDuration::from_mins(3);
        config.now = Some(later.to_string());
    });
    let mails = sink.wait_for(2);
    let [contact, coordinator] = mails_about(&mails, &booking, ".booked.")[..] else { unreachable!() };
    assert!(contact.rcpt_to.contains(CONTACT) && coordinator.rcpt_to.contains(COORDINATOR));
    assert_eq!(server.all_bookings().len(), 1, "the booking survived");
}

#[test]
fn without_a_mail_server_the_mails_are_written_as_eml_files_beside_the_database() {
    let server = TestServer::start();
    let booking = server.book_first_open(SKIVE, "online", "2026-12-02", "2026-12-31");
    let id = booking["id"].as_str().unwrap();
    let outbox = server.dir().join("outbox");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let files = loop {
        let files: Vec<String> = std::fs::read_dir(&outbox)
            .map(|d| d.flatten().filter_map(|e| std::fs::read_to_string(e.path()).ok()).collect())
            .unwrap_or_default();
        if files.len() >= 2 || std::time::Instant::now() > deadline {
            break files;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert_eq!(files.len(), 2, "one .eml for the contact and one for the coordinator in {}", outbox.display());
    for recipient in ["contact", "coordinator"] {
        let id_header = format!("<{id}.0.booked.{recipient}@dk2020-planner>");
        assert!(files.iter().any(|f| f.contains(&id_header)), "{id_header} in {files:#?}");
    }
}

#[test]
fn the_contact_is_reminded_when_the_clock_reaches_a_day_before_the_session() {
    let Some(sink) = SmtpSink::start() else { return };
    let mut server = server_mailing_to(&sink);
    let booking = server.book_first_open(SKIVE, "online", "2026-12-03", "2026-12-31");
    sink.wait_for(2);
    let start: jiff::Timestamp = booking["start"].as_str().unwrap().parse().unwrap();
    let reminders = |mails: &[ReceivedMail]| -> Vec<ReceivedMail> {
        mails.iter().filter(|m| m.message_id.contains(".reminder.")).cloned().collect()
    };
    // With the app's clock at `hours` before the session, the sender has
    // looked for reminders once another booking's mails have arrived (it
    // looks before it sends, in the same round).
    // (Each probe for another municipality: each may hold two bookings.)
    let mut at_hours_before = |hours: i64, probe: u16, mails_so_far: usize| -> Vec<ReceivedMail> {
        let now = start - jiff::SignedDuration::from_hours(hours);
        server.restart_with(|config| config.now = Some(now.to_string()));
        // A token valid at the server's clock, which has moved on.
        let t = now.as_second();
        let token =
            sign(&json!({"role": "municipality", "municipality": probe, "iat": t, "exp": t + 3600}), TEST_SECRET);
        let slot = server.slots(&token, probe, "online", "2027-01-11", "2027-01-31").remove(0);
        let body = booking_body(probe, "online", &slot.start);
        server.post("/api/bookings").bearer(&token).json(&body).send().expect_status(201);
        sink.wait_for(mails_so_far + 2)
    };
    let mails = at_hours_before(25, 791, 2);
    assert!(reminders(&mails).is_empty(), "no reminder more than a day before: {mails:#?}");
    let mails = at_hours_before(23, 751, 4);
    let sent = reminders(&mails);
    assert_eq!(sent.len(), 1, "one reminder, to the contact only: {mails:#?}");
    let reminder = &sent[0];
    assert!(reminder.message_id.starts_with(&format!("<{}.", booking["id"].as_str().unwrap())));
    assert!(reminder.rcpt_to.contains(CONTACT) && reminder.subject.starts_with("Påmindelse"), "{reminder:#?}");
    assert_eq!((reminder.method(), reminder.invitation().sequence), ("REQUEST", 0));
    // Later in the window, after a restart: no second reminder.
    let mails = at_hours_before(22, 730, 7);
    assert_eq!(reminders(&mails).len(), 1, "{mails:#?}");
}

#[test]
fn the_local_server_shows_the_mails_it_wrote_at_dev_mail() {
    let server = TestServer::start();
    let booking = server.book_first_open(SKIVE, "online", "2026-12-02", "2026-12-31");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let list = loop {
        let page = server.get("/dev/mail").send().expect_status(200).text();
        if page.matches("/dev/mail/").count() >= 2 || std::time::Instant::now() > deadline {
            break page;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert!(list.contains("lang=\"da\"") && list.contains("Bekræftet: 1:1-vejledning"), "{list}");
    assert!(list.contains("Anne Jensen"), "{list}");
    let link =
        list.split("href=\"/dev/mail/").nth(1).and_then(|rest| rest.split('"').next()).expect("a link to a mail");
    let mail = server.get(&format!("/dev/mail/{link}")).send().expect_status(200).text();
    assert!(mail.contains("BEGIN:VCALENDAR") && mail.contains(booking["id"].as_str().unwrap()), "{mail}");
    let raw = server.get(&format!("/dev/mail/{link}/raw")).send().expect_status(200);
    assert_eq!(raw.header("content-type"), Some("message/rfc822"));
    for wrong in ["nope.eml", "..%2Fdk2020-0.sqlite", "x.txt"] {
        server.get(&format!("/dev/mail/{wrong}")).send().expect_status(404);
    }
}

#[test]
fn with_a_mail_server_configured_there_is_no_dev_mail_page() {
    let nobody = format!("smtp://127.0.0.1:{}", dk2020_e2e::free_port());
    let server = TestServer::config().env("DK2020_SMTP_URL", &nobody).start();
    server.get("/dev/mail").send().expect_status(404);
}

#[test]
fn a_mail_the_server_refuses_for_a_while_is_delivered_on_a_later_retry_as_the_same_mail() {
    // The mail server says "try again later" to the booking's two mails.
    let Some(sink) = SmtpSink::start_refusing(2) else { return };
    let mut server = server_mailing_to(&sink);
    let booking = server.book_first_open(SKIVE, "online", "2026-12-02", "2026-12-31");
    sink.wait_for_refusals(2);
    assert!(sink.received().is_empty());
    // The first retry is due 2 minutes after the refusal: the app's clock past it.
    server.restart_with(|config| {
        let later = TEST_NOW.parse::<jiff::Timestamp>().unwrap() + jiff::SignedDuration::from_mins(3);
        config.now = Some(later.to_string());
    });
    let mails = sink.wait_for(2);
    let id = booking["id"].as_str().unwrap();
    let mut ids: Vec<&str> = mails.iter().map(|m| m.message_id.as_str()).collect();
    ids.sort();
    let contact = format!("<{id}.0.booked.contact@dk2020-planner>");
    let coordinator = format!("<{id}.0.booked.coordinator@dk2020-planner>");
    assert_eq!(ids, [contact.as_str(), coordinator.as_str()], "the same mails, by their Message-ID");
}

#[test]
fn the_mails_follow_the_coordinators_own_settings_over_the_servers() {
    let Some(sink) = SmtpSink::start() else { return };
    let server = server_mailing_to(&sink);
    let settings = json!({
        "coordinator_name": "Mette Klimakoordinator",
        "coordinator_email": "mette@kdnet.example.dk",
        "meeting_link": "https://teams.example.dk/meet/dk2020",
    });
    server.put("/api/coordinator/mail-settings").bearer(&coordinator_token()).json(&settings).send().expect_status(200);
    let booking = server.book_first_open(SKIVE, "online", "2026-12-02", "2026-12-31");
    let mails = sink.wait_for(2);
    let [contact, coordinator] = mails_about(&mails, &booking, ".booked.")[..] else { unreachable!() };
    assert!(coordinator.rcpt_to.contains("mette@kdnet.example.dk") && !coordinator.rcpt_to.contains(COORDINATOR));
    assert!(contact.reply_to.as_deref().is_some_and(|r| r.contains("Mette Klimakoordinator")), "{contact:#?}");
    assert!(contact.invitation().organizer.contains("mette@kdnet.example.dk"));
    assert!(contact.text.as_deref().unwrap().contains("https://teams.example.dk/meet/dk2020"), "the online link");
}

#[test]
fn a_session_the_coordinator_books_on_a_municipalitys_behalf_says_she_booked_it() {
    let Some(sink) = SmtpSink::start() else { return };
    let server = server_mailing_to(&sink);
    let slot = server.slots(&municipality_token(SKIVE), SKIVE, "online", "2026-12-02", "2026-12-31").remove(0);
    let booking = server
        .post("/api/coordinator/bookings")
        .bearer(&coordinator_token())
        .json(&booking_body(SKIVE, "online", &slot.start))
        .send()
        .expect_status(201)
        .json();
    let mails = sink.wait_for(2);
    for mail in mails_about(&mails, &booking, ".booked.") {
        let text = mail.text.as_deref().expect("a plain-text body");
        assert!(text.contains("Booket af: Klimakoordinatoren"), "{text}");
        assert_eq!(mail.method(), "REQUEST");
    }
}
