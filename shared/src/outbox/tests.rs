use jiff::civil::date;

use super::*;
use crate::{
    Actor, Booking, BookingId, BookingStatus, ContactName, Email, LocalTime, MunicipalityCode, SessionKind, Topic,
};

fn at(hour: i8, minute: i8) -> Timestamp {
    LocalTime::from_local(date(2026, 11, 30).at(hour, minute, 0, 0)).timestamp()
}

fn booked() -> Event {
    let start = LocalTime::from_local(date(2026, 12, 8).at(9, 0, 0, 0));
    let booking = Booking {
        id: BookingId::parse("b-1").unwrap(),
        municipality: MunicipalityCode::new(779).unwrap(),
        kind: SessionKind::Online,
        start,
        end: LocalTime::new(start.timestamp() + SignedDuration::from_hours(1)),
        topic: Some(Topic::parse("Klimaplan").unwrap()),
        contact_name: Some(ContactName::parse("Ann Jensen").unwrap()),
        contact_email: Some(Email::parse("klima@skive.dk").unwrap()),
        status: BookingStatus::Confirmed,
        created_at: at(8, 0),
        changed_at: at(8, 0),
        sequence: 0,
        erased_at: None,
    };
    Event::Booked { booking, by: Actor::Coordinator, at: at(8, 0) }
}

#[test]
fn a_booking_owes_one_mail_to_the_contact_and_one_to_the_coordinator_due_at_once() {
    let event = booked();
    let owed = owed_by(&event);
    assert_eq!(owed.iter().map(|m| m.recipient).collect::<Vec<_>>(), [Recipient::Contact, Recipient::Coordinator]);
    assert!(owed.iter().all(|m| m.delivery == Delivery::Due && m.due == at(8, 0) && m.attempts == 0));
    assert_eq!(owed[0].id, "b-1.0.booked.contact@dk2020-planner");
    assert_ne!(owed[0].id, owed[1].id);
}

#[test]
fn the_same_event_always_gives_the_same_message_ids_and_a_later_change_new_ones() {
    let event = booked();
    assert_eq!(owed_by(&event), owed_by(&event));
    let Event::Booked { mut booking, .. } = event.clone() else { unreachable!() };
    booking.status = BookingStatus::Cancelled { by: Actor::Coordinator, reason: None };
    booking.sequence = 1;
    let cancelled = Event::Cancelled { booking, by: Actor::Coordinator, at: at(9, 0) };
    assert_eq!(owed_by(&cancelled)[0].id, "b-1.1.cancelled.contact@dk2020-planner");
}

#[test]
fn a_failed_attempt_waits_longer_each_time_and_gives_up_after_the_last() {
    let mut message = owed_by(&booked()).remove(0);
    let mut waits = Vec::new();
    for _ in 1..DEFAULT_MAX_ATTEMPTS {
        let now = message.due;
        message = message.attempt_failed("451 try later", now, DEFAULT_MAX_ATTEMPTS);
        assert_eq!(message.delivery, Delivery::Due);
        waits.push((message.due - now).as_mins());
    }
    assert_eq!(waits, [2, 4, 8, 16, 32, 64, 120]);
    let now = message.due;
    let failed = message.attempt_failed("550 no such user", now, DEFAULT_MAX_ATTEMPTS);
    assert_eq!((failed.delivery, failed.attempts), (Delivery::Failed, DEFAULT_MAX_ATTEMPTS));
    assert_eq!(failed.last_error.as_deref(), Some("550 no such user"));
    // The coordinator sends it again: due now, a fresh round of attempts.
    let again = failed.send_again(at(12, 0));
    assert_eq!((again.delivery, again.due, again.attempts), (Delivery::Due, at(12, 0), 0));
}

#[test]
fn a_sent_message_records_when_and_forgets_earlier_errors() {
    let message = owed_by(&booked()).remove(1).attempt_failed("timeout", at(8, 0), DEFAULT_MAX_ATTEMPTS).sent(at(8, 2));
    assert_eq!((message.delivery, message.due, message.attempts), (Delivery::Sent, at(8, 2), 2));
    assert_eq!(message.last_error, None);
    // "Send again" only revives failed messages.
    assert_eq!(message.clone().send_again(at(9, 0)), message);
}

fn booking_of(event: &Event) -> Booking {
    event.booking().clone()
}

#[test]
fn a_reminder_is_owed_within_a_day_of_a_session_booked_earlier_and_only_to_the_contact() {
    let booking = booking_of(&booked());
    let day = SignedDuration::from_hours(24);
    let start = booking.start.timestamp();
    assert_eq!(reminder(&booking, day, start - SignedDuration::from_hours(25)), None, "not yet");
    let at = start - SignedDuration::from_hours(23);
    let owed = reminder(&booking, day, at).expect("a reminder");
    assert_eq!((owed.recipient, owed.due, owed.delivery), (Recipient::Contact, at, Delivery::Due));
    assert_eq!(owed.id, "b-1.0.reminder.contact@dk2020-planner");
    assert_eq!(reminder(&booking, day, start), None, "not once it has begun");
}

#[test]
fn no_reminder_for_a_session_booked_inside_the_window_or_cancelled() {
    let mut booking = booking_of(&booked());
    let start = booking.start.timestamp();
    let day = SignedDuration::from_hours(24);
    let at = start - SignedDuration::from_hours(2);
    booking.changed_at = start - SignedDuration::from_hours(5);
    assert_eq!(reminder(&booking, day, at), None, "booked (or moved) five hours before");
    booking.changed_at = start - SignedDuration::from_hours(48);
    booking.status = BookingStatus::Cancelled { by: Actor::Coordinator, reason: None };
    assert_eq!(reminder(&booking, day, at), None);
}

#[test]
fn a_reminder_of_a_session_moved_or_cancelled_since_is_dropped_but_change_mails_always_go() {
    let booking = booking_of(&booked());
    let start = booking.start.timestamp();
    let owed = reminder(&booking, SignedDuration::from_hours(24), start - SignedDuration::from_hours(1)).unwrap();
    assert!(still_current(&owed, Some(&booking)));
    let mut moved = booking.clone();
    moved.sequence = 1;
    assert!(!still_current(&owed, Some(&moved)));
    assert!(!still_current(&owed, None));
    let change = owed_by(&booked()).remove(0);
    assert!(still_current(&change, Some(&moved)) && still_current(&change, None));
    let dropped = owed.dropped(start);
    assert_eq!((dropped.delivery, dropped.due), (Delivery::Dropped, start));
}
