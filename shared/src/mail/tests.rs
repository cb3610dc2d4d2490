use jiff::{
    Timestamp,
    civil::{DateTime, date},
};

use super::*;
use crate::{
    api::BookingRequest,
    booking::{BookingId, ContactName, Topic},
    ical::unfold,
    lifecycle::{self, Snapshot},
    municipality::MunicipalityCode,
    schedule::Availability,
};

fn skive() -> MunicipalityCode {
    MunicipalityCode::new(779).unwrap()
}

fn skive_staff() -> Actor {
    Actor::Municipality { municipality: skive() }
}

fn at(dt: DateTime) -> LocalTime {
    LocalTime::from_local(dt)
}

/// Monday 30 November 2026, 08:00 in Copenhagen: the default rules book from
/// Wednesday 2 December.
fn winter_now() -> Timestamp {
    at(date(2026, 11, 30).at(8, 0, 0, 0)).timestamp()
}

const MEETING_LINK: &str = "https://teams.microsoft.com/l/meetup-join/klima?a=1&b=2";
const MANAGE_LINK: &str = "https://planner.example.dk/booking/b1?token=s3cret&x=1";

/// The coordinator's settings and the municipalities, that a [`MailContext`] borrows.
struct World {
    availability: Availability,
    municipalities: Municipalities,
    coordinator: Organizer,
}

impl World {
    fn new() -> Self {
        Self {
            availability: Availability::default(),
            municipalities: Municipalities::builtin(),
            coordinator: Organizer {
                name: "Mette Klimakoordinator".into(),
                email: Email::parse("klimakoordinator@aarhus.dk").unwrap(),
            },
        }
    }

    /// No meeting link, no manage link.
    fn ctx(&self) -> MailContext<'_> {
        MailContext {
            municipalities: &self.municipalities,
            coordinator: &self.coordinator,
            meeting_link: None,
            manage_link: None,
        }
    }

    fn ctx_with_links(&self) -> MailContext<'_> {
        MailContext { meeting_link: Some(MEETING_LINK), manage_link: Some(MANAGE_LINK), ..self.ctx() }
    }

    fn snapshot<'a>(&'a self, confirmed: &'a [Booking]) -> Snapshot<'a> {
        Snapshot { availability: &self.availability, municipalities: &self.municipalities, confirmed, busy: &[] }
    }

    /// Skive's staff book `start` (the rules must accept it), as asked at `now`.
    fn book(&self, kind: SessionKind, start: DateTime, now: Timestamp, topic: &str, name: &str) -> Event {
        let request = BookingRequest {
            municipality: skive(),
            kind,
            start: at(start),
            topic: Topic::parse(topic).unwrap(),
            contact_name: ContactName::parse(name).unwrap(),
            contact_email: Email::parse("klima@skive.dk").unwrap(),
        };
        let id = BookingId::parse("b1").unwrap();
        lifecycle::book(self.snapshot(&[]), request, id, skive_staff(), now).unwrap().1
    }

    /// An online session on Tuesday 8 December 2026 at 09:00 (winter time).
    fn booked(&self) -> Event {
        self.book(SessionKind::Online, date(2026, 12, 8).at(9, 0, 0, 0), winter_now(), "Klimaplan", "Ann Jensen")
    }

    fn moved(&self, booking: &Booking, start: DateTime) -> Event {
        let confirmed = [booking.clone()];
        let later = winter_now() + jiff::SignedDuration::from_mins(10);
        lifecycle::reschedule(self.snapshot(&confirmed), booking, at(start), skive_staff(), later).unwrap().1
    }
}

fn cancelled(booking: &Booking, by: Actor, reason: Option<&str>) -> Event {
    let later = winter_now() + jiff::SignedDuration::from_mins(20);
    lifecycle::cancel(booking, by, reason.map(str::to_string), later).unwrap().1
}

/// The invitation's content lines, unfolded.
fn lines(mail: &Mail) -> Vec<String> {
    unfold(&mail.invitation.ics).split("\r\n").map(str::to_string).collect()
}

fn property<'a>(lines: &'a [String], name: &str) -> Vec<&'a str> {
    lines.iter().filter(|l| l.starts_with(name)).map(String::as_str).collect()
}

#[test]
fn each_event_has_a_danish_subject_and_the_calendar_method_that_applies_it() {
    let world = World::new();
    let ctx = world.ctx();
    let booked = world.booked();
    let moved = world.moved(booked.booking(), date(2026, 12, 9).at(10, 0, 0, 0));
    let cancelled = cancelled(moved.booking(), skive_staff(), None);

    let mail = compose(&booked, Recipient::Contact, &ctx).expect("a mail");
    assert_eq!(mail.subject, "Bekræftet: 1:1-vejledning med DK2020-koordinatoren tirsdag 8. december 2026 kl. 09.00");
    assert_eq!(mail.invitation.method, Method::Request);
    assert!(lines(&mail).contains(&"METHOD:REQUEST".to_string()));
    assert_eq!(mail.invitation.content_type(), "text/calendar; charset=utf-8; method=REQUEST");
    assert_eq!(
        compose(&booked, Recipient::Coordinator, &ctx).expect("a mail").subject,
        "Bekræftet: 1:1-vejledning med Skive Kommune tirsdag 8. december 2026 kl. 09.00"
    );

    let mail = compose(&moved, Recipient::Contact, &ctx).expect("a mail");
    assert_eq!(mail.subject, "Flyttet: 1:1-vejledning med DK2020-koordinatoren til onsdag 9. december 2026 kl. 10.00");
    assert_eq!(mail.invitation.method, Method::Request);
    assert!(lines(&mail).contains(&"METHOD:REQUEST".to_string()));

    let mail = compose(&cancelled, Recipient::Contact, &ctx).expect("a mail");
    assert_eq!(mail.subject, "Aflyst: 1:1-vejledning med DK2020-koordinatoren onsdag 9. december 2026 kl. 10.00");
    assert_eq!(mail.invitation.method, Method::Cancel);
    assert_eq!(mail.invitation.content_type(), "text/calendar; charset=utf-8; method=CANCEL");
    let l = lines(&mail);
    assert!(l.contains(&"METHOD:CANCEL".to_string()) && l.contains(&"STATUS:CANCELLED".to_string()), "{l:#?}");
    assert!(!l.contains(&"METHOD:REQUEST".to_string()));

    let mail = reminder(moved.booking(), Recipient::Contact, &ctx).expect("a mail");
    assert_eq!(mail.subject, "Påmindelse: 1:1-vejledning med DK2020-koordinatoren onsdag 9. december 2026 kl. 10.00");
    assert_eq!(mail.invitation.method, Method::Request);
    assert!(mail.text.contains("Husk jeres 1:1-vejledning"));
}

#[test]
fn a_calendar_keeps_one_event_per_booking_whose_sequence_rises_with_each_change() {
    let world = World::new();
    let ctx = world.ctx();
    let booked = world.booked();
    let moved = world.moved(booked.booking(), date(2026, 12, 9).at(10, 0, 0, 0));
    let cancelled = cancelled(moved.booking(), Actor::Coordinator, Some("Sygdom"));
    let mails: Vec<Mail> =
        [&booked, &moved, &cancelled].map(|e| compose(e, Recipient::Contact, &ctx).expect("a mail")).into();

    for (mail, sequence) in mails.iter().zip(["SEQUENCE:0", "SEQUENCE:1", "SEQUENCE:2"]) {
        let l = lines(mail);
        assert_eq!(property(&l, "UID"), ["UID:b1@dk2020-planner"]);
        assert_eq!(property(&l, "SEQUENCE"), [sequence]);
        assert_eq!(property(&l, "BEGIN:VEVENT").len(), 1);
        assert_eq!(
            property(&l, "ORGANIZER"),
            ["ORGANIZER;CN=Mette Klimakoordinator:mailto:klimakoordinator@aarhus.dk"]
        );
        assert_eq!(
            property(&l, "ATTENDEE"),
            ["ATTENDEE;CN=Ann Jensen;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=FALSE:mailto:klima@skive.dk"]
        );
    }
    // The coordinator's copy carries the same invitation as the contact's.
    for (event, mail) in [&booked, &moved, &cancelled].into_iter().zip(&mails) {
        assert_eq!(compose(event, Recipient::Coordinator, &ctx).expect("a mail").invitation, mail.invitation);
    }
    // The reminder repeats the latest invitation as it is: a calendar sees nothing new.
    assert_eq!(reminder(moved.booking(), Recipient::Contact, &ctx).expect("a mail").invitation, mails[1].invitation);
    // DTSTAMP is the change that made the message, so the later message also wins on time.
    let stamp = |m: &Mail| property(&lines(m), "DTSTAMP")[0].to_string();
    assert!(stamp(&mails[0]) < stamp(&mails[1]) && stamp(&mails[1]) < stamp(&mails[2]));
}

#[test]
fn the_invitation_starts_at_the_booked_time_in_copenhagen_in_winter_and_in_summer() {
    let world = World::new();
    let ctx = world.ctx();

    let winter = world.booked();
    assert_eq!(winter.booking().start.timestamp(), "2026-12-08T08:00:00Z".parse::<Timestamp>().unwrap());
    let l = lines(&compose(&winter, Recipient::Contact, &ctx).expect("a mail"));
    assert_eq!(property(&l, "DTSTART;"), ["DTSTART;TZID=Europe/Copenhagen:20261208T090000"]);
    assert_eq!(property(&l, "DTEND;"), ["DTEND;TZID=Europe/Copenhagen:20261208T100000"]);
    assert_eq!(property(&l, "DTSTAMP"), ["DTSTAMP:20261130T070000Z"]);
    assert!(l.contains(&"BEGIN:VTIMEZONE".to_string()) && l.contains(&"TZID:Europe/Copenhagen".to_string()));

    // Monday 25 May 2026: summer time, two hours ahead of UTC.
    let now = at(date(2026, 5, 25).at(8, 0, 0, 0)).timestamp();
    let summer = world.book(SessionKind::Online, date(2026, 6, 2).at(9, 0, 0, 0), now, "Klimaplan", "Ann Jensen");
    assert_eq!(summer.booking().start.timestamp(), "2026-06-02T07:00:00Z".parse::<Timestamp>().unwrap());
    let mail = compose(&summer, Recipient::Contact, &ctx).expect("a mail");
    let l = lines(&mail);
    assert_eq!(property(&l, "DTSTART;"), ["DTSTART;TZID=Europe/Copenhagen:20260602T090000"]);
    assert_eq!(property(&l, "DTEND;"), ["DTEND;TZID=Europe/Copenhagen:20260602T100000"]);
    assert!(mail.text.contains("Hvornår: tirsdag 2. juni 2026 kl. 09.00–10.00\n"), "{}", mail.text);
}

#[test]
fn a_moved_session_names_the_new_and_the_old_time() {
    let world = World::new();
    let booked = world.booked();
    let moved = world.moved(booked.booking(), date(2026, 12, 9).at(10, 0, 0, 0));
    for recipient in [Recipient::Contact, Recipient::Coordinator] {
        let mail = compose(&moved, recipient, &world.ctx()).expect("a mail");
        assert!(mail.text.contains("Nyt tidspunkt: onsdag 9. december 2026 kl. 10.00–11.00\n"), "{}", mail.text);
        assert!(mail.text.contains("Tidligere tidspunkt: tirsdag 8. december 2026 kl. 09.00–10.00\n"));
        assert!(mail.text.contains("Flyttet af: Skive Kommune\n"));
        assert!(!mail.text.contains("Hvornår:"));
        assert!(mail.html.contains("onsdag 9. december 2026 kl. 10.00–11.00"));
        assert!(mail.html.contains(
            "<th scope=\"row\" style=\"text-align:left;vertical-align:top;padding:4px 16px 4px 0;font-weight:bold\">\
             Tidligere tidspunkt</th><td style=\"vertical-align:top;padding:4px 0\">\
             tirsdag 8. december 2026 kl. 09.00–10.00</td>"
        ));
    }
    let mail = compose(&moved, Recipient::Contact, &world.ctx()).expect("a mail");
    assert!(mail.text.starts_with("Jeres 1:1-vejledning er flyttet\n"));
}

#[test]
fn the_coordinators_cancellation_tells_who_cancelled_and_her_reason() {
    let world = World::new();
    let booked = world.booked();
    let event = cancelled(booked.booking(), Actor::Coordinator, Some("Sygdom; jeg vender tilbage med en ny tid"));
    let mail = compose(&event, Recipient::Contact, &world.ctx()).expect("a mail");
    assert!(mail.text.contains("Klimakoordinatoren har desværre måttet aflyse jeres 1:1-vejledning."));
    assert!(mail.text.contains("Aflyst af: Klimakoordinatoren\n"));
    assert!(mail.text.contains("Begrundelse: Sygdom; jeg vender tilbage med en ny tid\n"), "{}", mail.text);
    assert!(mail.html.contains("Sygdom; jeg vender tilbage med en ny tid"));
    assert!(mail.text.contains("kan I booke en ny tid på bookingsiden på jeres intranet"));
    assert!(!mail.text.contains("Flyt eller aflys"), "a cancelled session has nothing left to move");
    let description = property(&lines(&mail), "DESCRIPTION")[0].to_string();
    assert!(description.ends_with("\\nAflyst af klimakoordinatoren: Sygdom\\; jeg vender tilbage med en ny tid"));

    // The municipality's own cancellation, without a reason, gives none.
    let event = cancelled(booked.booking(), skive_staff(), None);
    let mail = compose(&event, Recipient::Coordinator, &world.ctx()).expect("a mail");
    assert!(mail.text.contains("Aflyst af: Skive Kommune\n"));
    assert!(mail.text.contains("En 1:1-vejledning med Skive Kommune er aflyst."));
    assert!(!mail.text.contains("Begrundelse"));
}

#[test]
fn an_online_session_says_onlinemoede_and_gives_the_meeting_link() {
    let world = World::new();
    let booked = world.booked();
    let mail = compose(&booked, Recipient::Contact, &world.ctx_with_links()).expect("a mail");
    assert!(mail.text.contains(&format!("Hvor: Onlinemøde\nMødelink: {MEETING_LINK}\n")), "{}", mail.text);
    let href = "https://teams.microsoft.com/l/meetup-join/klima?a=1&amp;b=2";
    assert!(mail.html.contains(&format!("<a href=\"{href}\">{href}</a>")), "{}", mail.html);
    let l = lines(&mail);
    assert_eq!(property(&l, "LOCATION"), [format!("LOCATION:Onlinemøde: {MEETING_LINK}")]);
    assert!(property(&l, "DESCRIPTION")[0].contains(&format!("\\nMødelink: {MEETING_LINK}")));

    // Without a link of hers, the session is still plainly online.
    let mail = compose(&booked, Recipient::Contact, &world.ctx()).expect("a mail");
    assert!(mail.text.contains("Hvor: Onlinemøde\n") && !mail.text.contains("Mødelink"));
    assert_eq!(property(&lines(&mail), "LOCATION"), ["LOCATION:Onlinemøde"]);

    // Once cancelled, there is no meeting to join.
    let event = cancelled(booked.booking(), Actor::Coordinator, None);
    let mail = compose(&event, Recipient::Contact, &world.ctx_with_links()).expect("a mail");
    assert!(mail.text.contains("Hvor: Onlinemøde\n") && !mail.text.contains(MEETING_LINK), "{}", mail.text);
    assert!(!mail.html.contains("teams.microsoft.com"));
}

#[test]
fn an_on_site_session_is_at_the_town_hall_of_the_municipality() {
    let world = World::new();
    // Thursday 10 December 2026 at noon: time to drive from Aarhus to Skive.
    let event =
        world.book(SessionKind::Onsite, date(2026, 12, 10).at(12, 0, 0, 0), winter_now(), "Klimaplan", "Ann Jensen");
    let mail = compose(&event, Recipient::Contact, &world.ctx_with_links()).expect("a mail");
    assert!(mail.text.contains("Hvor: Skive Rådhus, Skive Kommune\n"), "{}", mail.text);
    assert!(mail.text.contains("Hvornår: torsdag 10. december 2026 kl. 12.00–13.30\n"));
    assert!(!mail.text.contains("Onlinemøde") && !mail.text.contains(MEETING_LINK));
    assert!(!mail.html.contains("teams.microsoft.com"));
    let l = lines(&mail);
    assert_eq!(property(&l, "LOCATION"), ["LOCATION:Skive Rådhus\\, Skive Kommune"]);
    assert_eq!(property(&l, "GEO").len(), 1);
}

#[test]
fn the_contacts_mail_links_to_her_booking_and_the_coordinators_copy_does_not() {
    let world = World::new();
    let booked = world.booked();
    let ctx = world.ctx_with_links();

    let mail = compose(&booked, Recipient::Contact, &ctx).expect("a mail");
    assert!(
        mail.text
            .contains(&format!("Skal mødet flyttes eller aflyses? Se, flyt eller aflys jeres booking: {MANAGE_LINK}"))
    );
    let href = "https://planner.example.dk/booking/b1?token=s3cret&amp;x=1";
    assert!(mail.html.contains(&format!("<a href=\"{href}\">Se, flyt eller aflys jeres booking</a>")), "{}", mail.html);

    let copy = compose(&booked, Recipient::Coordinator, &ctx).expect("a mail");
    assert!(!copy.text.contains("s3cret") && !copy.html.contains("s3cret") && !copy.invitation.ics.contains("s3cret"));
    assert!(copy.text.contains("Du kan flytte eller aflyse bookingen i koordinatorvisningen."));

    // No manage link yet: the intranet page, or an answer to the mail.
    let mail = compose(&booked, Recipient::Contact, &world.ctx()).expect("a mail");
    assert!(mail.text.contains("Brug bookingsiden på jeres intranet, eller svar på denne mail."));
    assert!(!mail.html.contains("<a "), "no link but the given ones: {}", mail.html);
}

#[test]
fn the_coordinators_copy_goes_to_her_and_names_the_municipality_and_the_contact() {
    let world = World::new();
    let booked = world.booked();
    let mail = compose(&booked, Recipient::Coordinator, &world.ctx()).expect("a mail");
    assert_eq!((mail.to.as_str(), mail.to_name.as_str()), ("klimakoordinator@aarhus.dk", "Mette Klimakoordinator"));
    assert!(mail.text.starts_with("Ny booking: Skive Kommune\n\nDer er booket en 1:1-vejledning med Skive Kommune."));
    assert!(mail.text.contains("Kommune: Skive Kommune\n"));
    assert!(mail.text.contains("Kontaktperson: Ann Jensen (klima@skive.dk)\n"));
    assert!(mail.text.contains("Emne: Klimaplan\n"));
    assert!(mail.text.contains("Booket af: Skive Kommune\n"));

    let mail = compose(&booked, Recipient::Contact, &world.ctx()).expect("a mail");
    assert_eq!((mail.to.as_str(), mail.to_name.as_str()), ("klima@skive.dk", "Ann Jensen"));
    assert!(mail.text.contains("Hej Ann Jensen\n"));
    assert!(mail.text.contains("Venlig hilsen\nMette Klimakoordinator\nklimakoordinator@aarhus.dk\n"));
}

#[test]
fn the_html_is_an_accessible_danish_document_without_remote_content() {
    let world = World::new();
    let booked = world.booked();
    let cancelled = cancelled(booked.booking(), Actor::Coordinator, Some("Sygdom"));
    for event in [&booked, &cancelled] {
        for recipient in [Recipient::Contact, Recipient::Coordinator] {
            let mail = compose(event, recipient, &world.ctx_with_links()).expect("a mail");
            let html = &mail.html;
            assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"da\">"));
            assert!(html.contains(&format!("<title>{}</title>", mail.subject)));
            assert_eq!(html.matches("<h1").count(), 1);
            assert!(html.contains("<th scope=\"row\""));
            for remote in ["<img", "<script", "src=", "<link", "<iframe", "url("] {
                assert!(!html.contains(remote), "{remote} in {html}");
            }
        }
    }
}

#[test]
fn hostile_text_in_topic_and_name_cannot_add_html_header_lines_or_calendar_lines() {
    // A topic cannot hold a CR at all; an LF it can.
    assert!(Topic::parse("Klimaplan\r\nBcc: x@evil.dk").is_err());
    let world = World::new();
    let topic = "<script>alert(1)</script> \"q\" & 'a'\nATTENDEE:mailto:x@evil.dk\nEND:VEVENT\nBcc: x@evil.dk";
    let name = "Eve <b>Ond</b>\n\tBcc: x@evil.dk;ROLE=CHAIR:mailto:x@evil.dk";
    let event = world.book(SessionKind::Online, date(2026, 12, 8).at(9, 0, 0, 0), winter_now(), topic, name);
    let event = cancelled(event.booking(), Actor::Coordinator, Some("Syg\r\nBcc: x@evil.dk <i>x</i>"));

    for recipient in [Recipient::Contact, Recipient::Coordinator] {
        let mail = compose(&event, recipient, &world.ctx_with_links()).expect("a mail");
        // HTML: every value is text.
        assert!(!mail.html.contains("<script") && !mail.html.contains("<b>") && !mail.html.contains("<i>"));
        assert!(mail.html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &quot;q&quot; &amp; &#39;a&#39;"));
        assert!(mail.html.contains("Eve &lt;b&gt;Ond&lt;/b&gt;"));
        // Headers: one line each.
        for header in [&mail.subject, &mail.to_name] {
            assert!(!header.chars().any(char::is_control), "{header:?}");
        }
        // iCalendar: no line but those the writer makes.
        let ics = &mail.invitation.ics;
        assert!(!ics.replace("\r\n", "").contains(['\r', '\n']), "a bare line break in {ics:?}");
        let l = lines(&mail);
        assert_eq!(property(&l, "ATTENDEE").len(), 1, "{l:#?}");
        assert_eq!(property(&l, "ORGANIZER").len(), 1);
        assert_eq!(property(&l, "END:VEVENT").len(), 1);
        assert!(!l.iter().any(|x| x.starts_with("ATTENDEE:") || x.starts_with("Bcc") || x.starts_with('\t')));
        // The contact's name stays one parameter value of the one attendee.
        assert_eq!(
            property(&l, "ATTENDEE")[0],
            "ATTENDEE;CN=\"Eve <b>Ond</b>Bcc: x@evil.dk;ROLE=CHAIR:mailto:x@evil.dk\";\
             ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=FALSE:mailto:klima@skive.dk"
        );
    }
    if let Some(l) = lines(&compose(&event, Recipient::Contact, &world.ctx()).expect("a mail"))
        .iter()
        .find(|l| !l.is_empty() && !l.chars().next().is_some_and(|c| c.is_ascii_uppercase()))
    {
        panic!("a line that is no property: {l:?}");
    }
}

#[test]
fn a_meeting_link_that_is_not_a_web_address_is_shown_but_not_linked() {
    let world = World::new();
    let booked = world.booked();
    let ctx = MailContext { meeting_link: Some("javascript:alert(1)"), ..world.ctx() };
    let mail = compose(&booked, Recipient::Contact, &ctx).expect("a mail");
    assert!(!mail.html.contains("<a "), "{}", mail.html);
    assert!(mail.text.contains("Mødelink: javascript:alert(1)\n"));
}

#[test]
fn a_reminder_of_a_cancelled_session_repeats_the_cancellation() {
    let world = World::new();
    let booked = world.booked();
    let cancelled = cancelled(booked.booking(), Actor::Coordinator, Some("Sygdom"));
    let mail = reminder(cancelled.booking(), Recipient::Contact, &world.ctx()).expect("a mail");
    assert_eq!(mail.invitation, compose(&cancelled, Recipient::Contact, &world.ctx()).expect("a mail").invitation);
    assert!(mail.subject.starts_with("Aflyst: "));
    assert!(!mail.text.contains("Husk"));
}

#[test]
fn message_ids_are_stable_and_differ_per_recipient_and_event() {
    let world = World::new();
    let booked = world.booked();
    let moved = world.moved(booked.booking(), date(2026, 12, 9).at(10, 0, 0, 0));
    let again = world.moved(moved.booking(), date(2026, 12, 9).at(13, 0, 0, 0));
    let b = booked.booking();
    assert_eq!(message_id(b, MailKind::Booked, Recipient::Contact), "b1.0.booked.contact@dk2020-planner");
    assert_eq!(
        message_id(b, MailKind::of(&booked), Recipient::Contact),
        message_id(b, MailKind::Booked, Recipient::Contact)
    );
    let ids = [
        message_id(b, MailKind::Booked, Recipient::Contact),
        message_id(b, MailKind::Booked, Recipient::Coordinator),
        message_id(moved.booking(), MailKind::of(&moved), Recipient::Contact),
        message_id(again.booking(), MailKind::of(&again), Recipient::Contact),
        message_id(again.booking(), MailKind::Reminder, Recipient::Contact),
    ];
    for (i, a) in ids.iter().enumerate() {
        assert!(!a.contains(['<', '>', ' ']), "{a}");
        for other in &ids[i + 1..] {
            assert_ne!(a, other);
        }
    }
    assert_eq!(ids[3], "b1.2.rescheduled.contact@dk2020-planner");
}

proptest::proptest! {
    #[test]
    fn no_topic_or_name_changes_the_shape_of_the_invitation_or_the_html(
        topic in "[a-zæøå<>&\"'\n\t:;,\\\\ =/A-Z]{1,120}",
        name in "[a-zæø<>&\"'\n\t:;,\\\\ =A-Z]{1,60}",
    ) {
        let (Ok(_), Ok(_)) = (Topic::parse(&topic), ContactName::parse(&name)) else { return Ok(()) };
        let world = World::new();
        let start = date(2026, 12, 8).at(9, 0, 0, 0);
        let plain = world.book(SessionKind::Online, start, winter_now(), "Klimaplan", "Ann Jensen");
        let hostile = world.book(SessionKind::Online, start, winter_now(), &topic, &name);
        for recipient in [Recipient::Contact, Recipient::Coordinator] {
            let (a, b) = (compose(&plain, recipient, &world.ctx()).expect("a mail"), compose(&hostile, recipient, &world.ctx()).expect("a mail"));
            // The same properties, in the same order: the text changed values, never lines.
            let names = |m: &Mail| -> Vec<String> {
                lines(m).iter().map(|l| l.split([':', ';']).next().unwrap_or_default().to_string()).collect()
            };
            proptest::prop_assert_eq!(names(&a), names(&b));
            // The same elements (but the line breaks of a topic of several lines): the text changed no markup.
            let tags = |m: &Mail| m.html.replace("<br>", "").matches('<').count();
            proptest::prop_assert_eq!(tags(&a), tags(&b));
            proptest::prop_assert!(!b.subject.chars().any(char::is_control) && !b.to_name.chars().any(char::is_control));
        }
    }
}
