use jiff::civil::date;

use super::*;
use crate::schedule::{SlotQuery, open_slots};
use crate::{
    booking::{ContactName, Email, SessionKind, Topic},
    municipality::MunicipalityCode,
    time::LocalTime,
};

fn skive() -> MunicipalityCode {
    MunicipalityCode::new(779).unwrap()
}

fn aarhus() -> MunicipalityCode {
    MunicipalityCode::new(751).unwrap()
}

/// Monday 30 November 2026, 08:00 in Copenhagen: the default rules (48 hours'
/// notice) book from Wednesday 2 December.
fn now() -> Timestamp {
    LocalTime::from_local(date(2026, 11, 30).at(8, 0, 0, 0)).timestamp()
}

fn draft(municipality: MunicipalityCode, start: LocalTime) -> BookingRequest {
    BookingRequest {
        municipality,
        kind: SessionKind::Online,
        start,
        topic: Topic::parse("Klimaplan").unwrap(),
        contact_name: ContactName::parse("Ann Jensen").unwrap(),
        contact_email: Email::parse("klima@skive.dk").unwrap(),
    }
}

fn id(s: &str) -> BookingId {
    BookingId::parse(s).unwrap()
}

/// The first start the rules offer `municipality` online from `now()`.
fn first_open(availability: &Availability, confirmed: &[Booking], municipality: MunicipalityCode) -> LocalTime {
    open_slots(SlotQuery {
        availability,
        municipalities: &Municipalities::builtin(),
        municipality,
        kind: SessionKind::Online,
        from: date(2026, 11, 30),
        to: date(2026, 12, 31),
        existing: confirmed,
        busy: &[],
        now: now(),
    })
    .unwrap()[0]
        .start
}

fn skive_staff() -> Actor {
    Actor::Municipality { municipality: skive() }
}

/// Skive's staff book the first open online slot of an empty calendar.
fn skive_booked(availability: &Availability, municipalities: &Municipalities) -> Booking {
    let snapshot = Snapshot { availability, municipalities, confirmed: &[], busy: &[] };
    let start = first_open(availability, &[], skive());
    book(snapshot, draft(skive(), start), id("b1"), skive_staff(), now()).unwrap().0
}

#[test]
fn booking_an_open_slot_confirms_it_with_the_end_from_the_kinds_duration_and_says_who_booked() {
    let availability = Availability::default();
    let municipalities = Municipalities::builtin();
    let snapshot = Snapshot { availability: &availability, municipalities: &municipalities, confirmed: &[], busy: &[] };
    let start = first_open(&availability, &[], skive());
    let by = Actor::Municipality { municipality: skive() };
    let (booking, event) = book(snapshot, draft(skive(), start), id("b1"), by, now()).unwrap();
    assert!(booking.is_confirmed());
    let minutes = availability.rules.duration_minutes(SessionKind::Online);
    assert_eq!(booking.end.timestamp().as_second() - booking.start.timestamp().as_second(), i64::from(minutes) * 60);
    assert_eq!((booking.created_at, booking.changed_at), (now(), now()));
    assert_eq!(event, Event::Booked { booking: booking.clone(), by, at: now() });
}

#[test]
fn a_taken_slot_is_refused_with_the_rule_that_says_so() {
    let availability = Availability::default();
    let municipalities = Municipalities::builtin();
    let start = first_open(&availability, &[], skive());
    let none = Snapshot { availability: &availability, municipalities: &municipalities, confirmed: &[], busy: &[] };
    let by = Actor::Municipality { municipality: aarhus() };
    let (taken, _) = book(none, draft(aarhus(), start), id("b1"), by, now()).unwrap();
    let confirmed = [taken];
    let snapshot =
        Snapshot { availability: &availability, municipalities: &municipalities, confirmed: &confirmed, busy: &[] };
    let by = Actor::Municipality { municipality: skive() };
    let refusal = book(snapshot, draft(skive(), start), id("b2"), by, now()).unwrap_err();
    assert!(matches!(refusal, Refusal::Rule(RuleViolation::SlotTaken { .. })), "{refusal:?}");
}

#[test]
fn cancelling_keeps_who_and_why_and_a_second_cancel_is_refused() {
    let (availability, municipalities) = (Availability::default(), Municipalities::builtin());
    let booking = skive_booked(&availability, &municipalities);
    let later = now() + jiff::SignedDuration::from_mins(5);
    let (cancelled, event) = cancel(&booking, Actor::Coordinator, Some("Syg".into()), later).unwrap();
    assert_eq!(cancelled.status, BookingStatus::Cancelled { by: Actor::Coordinator, reason: Some("Syg".into()) });
    assert_eq!(cancelled.changed_at, later);
    assert_eq!(event, Event::Cancelled { booking: cancelled.clone(), by: Actor::Coordinator, at: later });
    assert_eq!(cancel(&cancelled, Actor::Coordinator, None, later), Err(Refusal::AlreadyCancelled));
}

#[test]
fn a_municipality_cannot_cancel_a_session_that_has_begun_but_the_coordinator_can() {
    let (availability, municipalities) = (Availability::default(), Municipalities::builtin());
    let booking = skive_booked(&availability, &municipalities);
    let (start, by) = (booking.start, skive_staff());
    let during = start.timestamp() + jiff::SignedDuration::from_mins(10);
    assert_eq!(cancel(&booking, by, None, during), Err(Refusal::AlreadyStarted));
    assert!(cancel(&booking, Actor::Coordinator, None, during).is_ok());
}

#[test]
fn moving_a_booking_by_less_than_its_length_is_allowed_and_the_event_names_the_old_time() {
    let (availability, municipalities) = (Availability::default(), Municipalities::builtin());
    let booking = skive_booked(&availability, &municipalities);
    let (start, by) = (booking.start, skive_staff());
    // One slot step later overlaps the old time, which the move frees.
    let step = jiff::SignedDuration::from_mins(i64::from(availability.rules.slot_step_minutes));
    let new_start = LocalTime::new(start.timestamp() + step);
    let confirmed = [booking.clone()];
    let snapshot =
        Snapshot { availability: &availability, municipalities: &municipalities, confirmed: &confirmed, busy: &[] };
    let (moved, event) = reschedule(snapshot, &booking, new_start, by, now()).unwrap();
    assert_eq!(moved.start, new_start);
    assert_eq!(moved.id, booking.id);
    assert_eq!(moved.sequence, 1);
    assert!(
        matches!(&event, Event::Rescheduled { from, from_end, .. } if *from == booking.start && *from_end == booking.end)
    );
    let (cancelled, _) = cancel(&booking, Actor::Coordinator, None, now()).unwrap();
    assert_eq!(reschedule(snapshot, &cancelled, new_start, by, now()), Err(Refusal::CancelledCannotMove));
}

#[test]
fn every_change_raises_the_sequence_calendars_apply_invitations_by() {
    let (availability, municipalities) = (Availability::default(), Municipalities::builtin());
    let booking = skive_booked(&availability, &municipalities);
    assert_eq!(booking.sequence, 0);
    let step = jiff::SignedDuration::from_mins(i64::from(availability.rules.slot_step_minutes));
    let confirmed = [booking.clone()];
    let snapshot =
        Snapshot { availability: &availability, municipalities: &municipalities, confirmed: &confirmed, busy: &[] };
    let later = LocalTime::new(booking.start.timestamp() + step);
    let (moved, _) = reschedule(snapshot, &booking, later, skive_staff(), now()).unwrap();
    let (cancelled, event) = cancel(&moved, Actor::Coordinator, None, now()).unwrap();
    assert_eq!((moved.sequence, cancelled.sequence), (1, 2));
    assert_eq!(event.booking().sequence, 2);
}

#[test]
fn only_the_owner_municipality_and_the_coordinator_may_change_a_booking() {
    let (availability, municipalities) = (Availability::default(), Municipalities::builtin());
    let booking = skive_booked(&availability, &municipalities);
    let (start, skive_staff) = (booking.start, skive_staff());
    let snapshot = Snapshot { availability: &availability, municipalities: &municipalities, confirmed: &[], busy: &[] };
    let aarhus_staff = Actor::Municipality { municipality: aarhus() };
    assert_eq!(cancel(&booking, aarhus_staff, None, now()), Err(Refusal::NotYours));
    assert_eq!(cancel(&booking, Actor::Secretariat, None, now()), Err(Refusal::NotYours));
    assert_eq!(reschedule(snapshot, &booking, start, aarhus_staff, now()), Err(Refusal::NotYours));
    assert!(may_change(Actor::Coordinator, &booking).is_ok() && may_change(skive_staff, &booking).is_ok());
}
