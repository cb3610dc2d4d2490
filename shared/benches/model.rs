//! The model's hot paths, each next to a baseline measured in the same run:
//! serialising the same result to JSON (what the API does with it on every
//! request), so the ratio says what the computation costs relative to writing
//! its answer, whatever the machine's speed.
//!
//! - `open_slots`: one municipality's on-site slots over an 8-week horizon
//!   with 150 existing bookings of the others;
//! - `plan`: the cost-sharing plan for the 19 municipalities over 3 years;
//! - `overview`: the enrolment overview after a season of status changes.
//!
//! Goal: each under 1 ms. `cargo xtask bench` runs these and reads criterion's
//! estimates from `target/criterion/`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use dk2020_model::{
    Actor, Booking, BookingId, BookingStatus, ContactName, Email, EnrolmentStatus, LocalTime, Municipalities,
    MunicipalityCode, PlanParams, RoundNumber, Rounds, SessionKind, Topic,
    enrolment::Enrolment,
    overview, plan,
    schedule::{Availability, BookingCheck, SlotQuery, check_booking, open_slots},
};
use jiff::{SignedDuration, Timestamp, civil::date};

/// Monday 30 November 2026, 08:00 in Copenhagen.
fn now() -> Timestamp {
    "2026-11-30T07:00:00Z".parse().expect("a timestamp")
}

/// Skive, whose slots are asked for.
const SKIVE: u16 = 779;

/// 150 bookings of the other 18 municipalities in the 8 weeks from 2 December
/// that are valid together (each checked with `check_booking` against the ones
/// before it), on-site and online mixed, under `availability` (cap raised).
fn existing_bookings(availability: &Availability, municipalities: &Municipalities) -> Vec<Booking> {
    let others: Vec<MunicipalityCode> = municipalities.iter().map(|m| m.code).filter(|c| c.get() != SKIVE).collect();
    let mut bookings: Vec<Booking> = Vec::new();
    let mut day = date(2026, 12, 2);
    let mut turn = 0usize;
    while bookings.len() < 150 && day <= date(2027, 1, 25) {
        for minutes in (8 * 60 + 30..16 * 60).step_by(30) {
            let start = LocalTime::from_local(day.at((minutes / 60) as i8, (minutes % 60) as i8, 0, 0));
            let municipality = others[turn % others.len()];
            let preferred = if turn.is_multiple_of(4) { SessionKind::Onsite } else { SessionKind::Online };
            let fits = |kind| {
                check_booking(BookingCheck {
                    availability,
                    municipalities,
                    municipality,
                    kind,
                    start,
                    existing: &bookings,
                    busy: &[],
                    now: now(),
                })
            };
            let kind = match (fits(preferred), preferred) {
                (Ok(_), kind) => Some(kind),
                (Err(_), SessionKind::Onsite) => fits(SessionKind::Online).ok().map(|_| SessionKind::Online),
                (Err(_), SessionKind::Online) => None,
            };
            if let Some(kind) = kind {
                let end =
                    start.timestamp() + SignedDuration::from_mins(availability.rules.duration_minutes(kind).into());
                bookings.push(Booking {
                    id: BookingId::parse(&format!("bench{}", bookings.len())).expect("an id"),
                    municipality,
                    kind,
                    start,
                    end: LocalTime::new(end),
                    topic: Some(Topic::parse("Klimahandleplan").expect("a topic")),
                    contact_name: Some(ContactName::parse("Anne Jensen").expect("a name")),
                    contact_email: Some(Email::parse("anne@example.dk").expect("an e-mail")),
                    status: BookingStatus::Confirmed,
                    created_at: now(),
                    changed_at: now(),
                    sequence: 0,
                    erased_at: None,
                });
                turn += 1;
                if bookings.len() == 150 {
                    break;
                }
            }
        }
        day = day.tomorrow().expect("a next day");
    }
    assert_eq!(bookings.len(), 150, "150 bookings fit in 8 weeks");
    bookings
}

fn slots(c: &mut Criterion) {
    let municipalities = Municipalities::builtin();
    let mut availability = Availability::default();
    availability.rules.cap_per_municipality = 100;
    availability.rules.max_onsite_per_day = 4;
    let existing = existing_bookings(&availability, &municipalities);
    let query = SlotQuery {
        availability: &availability,
        municipalities: &municipalities,
        municipality: MunicipalityCode::new(SKIVE).expect("Skive"),
        kind: SessionKind::Onsite,
        from: date(2026, 11, 30),
        to: date(2027, 1, 25),
        existing: &existing,
        busy: &[],
        now: now(),
    };
    let result = open_slots(query).expect("slots");
    assert!(!result.is_empty());
    c.bench_function("open_slots", |b| b.iter(|| open_slots(black_box(query))));
    c.bench_function("open_slots_baseline_json", |b| b.iter(|| serde_json::to_string(black_box(&result))));
}

fn cost_sharing(c: &mut Criterion) {
    let municipalities = Municipalities::builtin();
    let params = PlanParams::default();
    assert_eq!(params.years, 3);
    let result = plan(&params, &municipalities).expect("a plan");
    assert_eq!(result.rows.len(), 19);
    c.bench_function("plan", |b| b.iter(|| plan(black_box(&params), black_box(&municipalities))));
    c.bench_function("plan_baseline_json", |b| b.iter(|| serde_json::to_string(black_box(&result))));
}

fn enrolment(c: &mut Criterion) {
    let municipalities = Municipalities::builtin();
    let rounds = Rounds::default();
    // Round 1: eight councils decide in October 2020, two decline, three consider.
    let mut enrolment = Enrolment::initial_state();
    let mut at: Timestamp = "2020-09-01T08:00:00Z".parse().expect("a timestamp");
    let round1 = RoundNumber::new(1).expect("round 1");
    let undecided: Vec<MunicipalityCode> = municipalities
        .iter()
        .map(|m| m.code)
        .filter(|&code| enrolment.status(code) == EnrolmentStatus::Undecided)
        .collect();
    for (i, code) in undecided.into_iter().enumerate() {
        at += SignedDuration::from_hours(24);
        let to = match i {
            0..=7 => EnrolmentStatus::Enrolled { round: round1, decided_on: date(2020, 9, 1) },
            8..=9 => EnrolmentStatus::Declined,
            10..=12 => EnrolmentStatus::CouncilConsidering,
            _ => continue,
        };
        enrolment.change(code, to, Actor::Secretariat, at, Some("KKR-møde".into()), &rounds).expect("a change");
    }
    let as_of = date(2020, 11, 1);
    let result = overview(&enrolment, &municipalities, &rounds, as_of);
    c.bench_function("overview", |b| {
        b.iter(|| overview(black_box(&enrolment), black_box(&municipalities), black_box(&rounds), as_of))
    });
    c.bench_function("overview_baseline_json", |b| b.iter(|| serde_json::to_string(black_box(&result))));
}

criterion_group!(benches, slots, cost_sharing, enrolment);
criterion_main!(benches);
