use jiff::civil::date;

use super::*;
use crate::{
    Actor, BookingId, ContactName, LocalTime, MunicipalityCode, SessionKind, Topic,
    lifecycle::Event,
    mail::Recipient,
    outbox::{self, Delivery},
};

fn copenhagen(y: i16, m: i8, d: i8, h: i8) -> Timestamp {
    LocalTime::from_local(date(y, m, d).at(h, 0, 0, 0)).timestamp()
}

fn booking(ends: Timestamp) -> Booking {
    Booking {
        id: BookingId::parse("b-1").unwrap(),
        municipality: MunicipalityCode::new(779).unwrap(),
        kind: SessionKind::Onsite,
        start: LocalTime::new(ends - SignedDuration::from_hours(2)),
        end: LocalTime::new(ends),
        topic: Some(Topic::parse("Varmeplan og skovrejsning").unwrap()),
        contact_name: Some(ContactName::parse("Mette Sørensen").unwrap()),
        contact_email: Some(Email::parse("Mette@Skive.dk").unwrap()),
        status: BookingStatus::Cancelled { by: Actor::Coordinator, reason: Some("Mette er syg".into()) },
        created_at: ends - SignedDuration::from_hours(240),
        changed_at: ends - SignedDuration::from_hours(48),
        sequence: 1,
        erased_at: None,
    }
}

#[test]
fn a_session_ended_twelve_calendar_months_ago_is_past_its_retention() {
    let retention = Retention::default();
    let ended = copenhagen(2027, 3, 15, 11);
    let b = booking(ended);
    assert!(!retention.booking_expired(&b, copenhagen(2028, 3, 15, 10)), "an hour short of twelve months");
    assert!(retention.booking_expired(&b, copenhagen(2028, 3, 15, 11)));
    // Across summer time: months are Copenhagen's calendar months, not 30-day blocks.
    assert_eq!(retention.booking_cutoff(copenhagen(2028, 7, 1, 9)), copenhagen(2027, 7, 1, 9));
    let six = Retention::with_booking_months(6).unwrap();
    assert!(six.booking_expired(&b, copenhagen(2027, 9, 15, 11)));
    assert!(Retention::with_booking_months(0).is_err() && Retention::with_booking_months(121).is_err());
}

#[test]
fn erasing_keeps_what_the_statistics_need_and_nothing_personal() {
    let b = booking(copenhagen(2027, 3, 15, 11));
    let at = copenhagen(2028, 3, 16, 3);
    let erased = erase_booking(&b, at);
    assert_eq!((&erased.topic, &erased.contact_name, &erased.contact_email), (&None, &None, &None));
    assert_eq!(erased.status, BookingStatus::Cancelled { by: Actor::Coordinator, reason: None }, "who, not why");
    assert_eq!((erased.municipality, erased.kind, erased.start, erased.end), (b.municipality, b.kind, b.start, b.end));
    assert_eq!(erased.erased_at, Some(at));
    let json = serde_json::to_string(&erased).unwrap();
    for personal in ["Mette", "Skive.dk", "Varmeplan", "syg"] {
        assert!(!json.contains(personal), "{personal} in {json}");
    }
    // Erasing again keeps the first time; the retention passes it by.
    assert_eq!(erase_booking(&erased, at + SignedDuration::from_hours(24)).erased_at, Some(at));
    assert!(!Retention::default().booking_expired(&erased, at + SignedDuration::from_hours(24 * 400)));
}

#[test]
fn an_erased_booking_owes_its_contact_no_mail_and_the_coordinator_hers() {
    let mut b = erase_booking(&booking(copenhagen(2027, 3, 15, 11)), copenhagen(2027, 3, 1, 9));
    b.status = BookingStatus::Confirmed;
    let event = Event::Booked { booking: b.clone(), by: Actor::Coordinator, at: b.created_at };
    let owed = outbox::owed_by(&event);
    assert_eq!(owed.iter().map(|m| m.recipient).collect::<Vec<_>>(), [Recipient::Coordinator]);
    let lead = SignedDuration::from_hours(24);
    assert!(outbox::reminder(&b, lead, b.start.timestamp() - SignedDuration::from_hours(1)).is_none());
}

#[test]
fn addresses_match_whatever_their_case() {
    let b = booking(copenhagen(2027, 3, 15, 11));
    assert!(b.is_contact(&Email::parse("mette@skive.DK").unwrap()));
    assert!(!b.is_contact(&Email::parse("mette@randers.dk").unwrap()));
}

#[test]
fn delivered_mails_go_after_thirty_days_and_pending_ones_stay() {
    let retention = Retention::default();
    let b = booking(copenhagen(2027, 3, 15, 11));
    let event = Event::Booked { booking: b, by: Actor::Coordinator, at: copenhagen(2027, 3, 1, 9) };
    let due = outbox::owed_by(&event).remove(0);
    let sent = due.clone().sent(copenhagen(2027, 3, 1, 9));
    let later = copenhagen(2027, 4, 1, 9);
    assert_eq!(sent.delivery, Delivery::Sent);
    assert!(retention.message_expired(&sent, later));
    assert!(!retention.message_expired(&sent, copenhagen(2027, 3, 30, 9)));
    assert!(!retention.message_expired(&due, later), "a mail not yet sent stays until its booking's data goes");
}

#[test]
fn an_audit_entry_loses_the_person_it_names_and_keeps_what_changed() {
    let entry = AuditEntry {
        id: "aud_1".into(),
        at: copenhagen(2027, 3, 1, 9),
        actor: Actor::Secretariat,
        via: Via::Session { id: "ses_1".into(), email: Some(Email::parse("sek@kl.dk").unwrap()) },
        kind: crate::audit::AuditKind::BookingMade,
        summary: "Skive Kommune: onsite 15. marts 2027 kl. 09.00".into(),
        subject: Some("b-1".into()),
        person: Some(Email::parse("mette@skive.dk").unwrap()),
    };
    assert!(audit_names(&entry, &Email::parse("SEK@kl.dk").unwrap()));
    assert!(audit_names(&entry, &Email::parse("mette@skive.dk").unwrap()));
    let erased = erase_audit_details(&entry);
    assert!(!names_a_person(&erased));
    assert_eq!((erased.summary, erased.subject, erased.at), (entry.summary.clone(), entry.subject.clone(), entry.at));
    let retention = Retention::default();
    assert!(retention.audit_details_expired(&entry, copenhagen(2028, 3, 2, 9)));
    assert!(!retention.audit_details_expired(&entry, copenhagen(2028, 2, 28, 9)));
}
