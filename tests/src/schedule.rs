//! Scheduling invariants for the robustness tests, checked with the model
//! crate's own rules: the coordinator's settings and the stored bookings are
//! read over HTTP and handed to `dk2020_model::schedule`, so a test checks
//! what the server stored against exactly the rules the server enforces.
//!
//! - [`availability`] and [`set_rules`] read and change the coordinator's
//!   settings as the coordinator;
//! - [`confirmed_bookings`] is every confirmed booking as model values;
//! - [`schedule_violations`] re-checks every confirmed booking against all
//!   the others (overlap with the buffer, driving time, on-site visits a day,
//!   the per-municipality cap) and lists what is wrong;
//! - [`plan_bookings`] picks a set of bookings that are all valid together,
//!   from the slots the API offers, for tests that need many 201s;
//! - [`Rng`] is a small deterministic generator (no dependency for it).

use std::collections::BTreeMap;

use dk2020_model::{
    Booking, BookingId, BookingStatus, ContactName, Email, LocalTime, Municipalities, MunicipalityCode, SessionKind,
    Topic,
    schedule::{Availability, BookingCheck, check_booking},
};
use jiff::Timestamp;
use serde_json::Value;

use crate::{MUNICIPALITY_CODES, TestServer, coordinator_token, municipality_token};

/// The coordinator's settings as the server has them.
pub fn availability(server: &TestServer) -> Availability {
    server.get("/api/coordinator/availability").bearer(&coordinator_token()).send().expect_status(200).json_as()
}

/// Changes some of the coordinator's rules (`rules` is merged into the
/// stored `rules` object, e.g. `{"cap_per_municipality": 4}`) and returns
/// the settings now in force.
pub fn set_rules(server: &TestServer, rules: Value) -> Availability {
    let token = coordinator_token();
    let mut current: Value =
        server.get("/api/coordinator/availability").bearer(&token).send().expect_status(200).json();
    for (key, value) in rules.as_object().expect("rules is a JSON object") {
        current["rules"][key] = value.clone();
    }
    server.put("/api/coordinator/availability").bearer(&token).json(&current).send().expect_status(200).json_as()
}

/// The server's clock (`DK2020_NOW` of its configuration).
pub fn server_now(server: &TestServer) -> Timestamp {
    let now = server.pinned_now().expect("the robustness tests pin the server's clock");
    now.parse().unwrap_or_else(|e| panic!("DK2020_NOW {now:?}: {e}"))
}

/// Every booking as the coordinator sees them, as model values (which also
/// checks that each one reads back as a valid booking).
pub fn all_bookings(server: &TestServer) -> Vec<Booking> {
    server
        .all_bookings()
        .into_iter()
        .map(|b| {
            serde_json::from_value(b.clone()).unwrap_or_else(|e| panic!("a stored booking does not parse ({e}): {b}"))
        })
        .collect()
}

/// The confirmed ones of [`all_bookings`].
pub fn confirmed_bookings(server: &TestServer) -> Vec<Booking> {
    all_bookings(server).into_iter().filter(Booking::is_confirmed).collect()
}

/// What is wrong with a set of confirmed bookings under `availability` at
/// `now`: each booking is checked with `check_booking` against all the
/// others (so two overlapping bookings, a visit the coordinator cannot drive
/// to in time, a day with too many visits or a municipality over its cap all
/// show up), and, independently of that function, every pair is checked for
/// an overlap including the buffer, and every municipality's count against
/// the cap. Empty when the schedule is sound.
pub fn schedule_violations(bookings: &[Booking], availability: &Availability, now: Timestamp) -> Vec<String> {
    let municipalities = Municipalities::builtin();
    let confirmed: Vec<&Booking> = bookings.iter().filter(|b| b.is_confirmed()).collect();
    let mut problems = Vec::new();
    for (i, b) in confirmed.iter().enumerate() {
        let others: Vec<Booking> =
            confirmed.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, o)| (*o).clone()).collect();
        if let Err(violation) = recheck(availability, &municipalities, b, &others, now) {
            problems.push(format!("{} ({} {} {}): {violation}", b.id, b.municipality, b.kind, b.start));
        }
    }
    let buffer = jiff::SignedDuration::from_mins(i64::from(availability.rules.buffer_minutes));
    for (i, a) in confirmed.iter().enumerate() {
        for b in &confirmed[i + 1..] {
            let (a_end, b_end) = (a.end.timestamp() + buffer, b.end.timestamp() + buffer);
            if a.start.timestamp() < b_end && b.start.timestamp() < a_end {
                problems.push(format!("{} ({}-{}) and {} ({}-{}) overlap", a.id, a.start, a.end, b.id, b.start, b.end));
            }
        }
    }
    let mut per_municipality: BTreeMap<MunicipalityCode, u32> = BTreeMap::new();
    for b in confirmed.iter().filter(|b| b.start.timestamp() > now) {
        *per_municipality.entry(b.municipality).or_default() += 1;
    }
    for (m, n) in per_municipality {
        if n > availability.rules.cap_per_municipality {
            problems.push(format!(
                "{m} holds {n} future sessions, over the cap {}",
                availability.rules.cap_per_municipality
            ));
        }
    }
    problems
}

/// A booking as the model has it, for planning.
fn planned(
    n: usize,
    municipality: MunicipalityCode,
    kind: SessionKind,
    start: LocalTime,
    minutes: u32,
    now: Timestamp,
) -> Booking {
    let end = LocalTime::new(start.timestamp() + jiff::SignedDuration::from_mins(i64::from(minutes)));
    Booking {
        id: BookingId::parse(&format!("plan{n}")).expect("a valid id"),
        municipality,
        kind,
        start,
        end,
        topic: Some(Topic::parse("plan").expect("a topic")),
        contact_name: Some(ContactName::parse("plan").expect("a name")),
        contact_email: Some(Email::parse("plan@example.dk").expect("an e-mail")),
        status: BookingStatus::Confirmed,
        created_at: now,
        changed_at: now,
        sequence: 0,
        erased_at: None,
    }
}

/// One booking to make: who, what and when (a start the API offered).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    pub municipality: u16,
    pub kind: &'static str,
    pub start: String,
}

/// Up to `max` bookings that the server accepts in any order: on `dates`
/// (Copenhagen, `from` to `to`), municipalities in turn, on-site and online
/// mixed, each start one the API offers, each checked with the model's
/// `check_booking` against the ones picked before, and the whole set checked
/// once more at the end (so that every one of them is valid against all the
/// others whatever order they arrive in). There are no bookings on the
/// server yet when this is called.
pub fn plan_bookings(server: &TestServer, from: &str, to: &str, max: usize) -> Vec<Planned> {
    let availability = availability(server);
    let now = server_now(server);
    let municipalities = Municipalities::builtin();
    let mut offered: Vec<(MunicipalityCode, SessionKind, LocalTime)> = Vec::new();
    for code in MUNICIPALITY_CODES {
        let token = municipality_token(code);
        for kind in ["onsite", "online"] {
            for slot in server.slots(&token, code, kind, from, to) {
                let start: LocalTime =
                    serde_json::from_value(Value::String(slot.start.clone())).expect("an RFC 3339 start");
                offered.push((
                    MunicipalityCode::new(code).expect("a known code"),
                    kind.parse().expect("a kind"),
                    start,
                ));
            }
        }
    }
    // By start; among the same start, an order of municipality and kind that
    // turns with every start, so that every municipality and both kinds get
    // their turn at being picked first.
    let rank = |m: MunicipalityCode, k: SessionKind, s: LocalTime| {
        let index = MUNICIPALITY_CODES.iter().position(|&c| c == m.get()).unwrap_or(0) as i64;
        let kind = if k == SessionKind::Onsite { 0 } else { 19 };
        (index + kind + s.timestamp().as_second() / 1800).rem_euclid(38)
    };
    offered.sort_by_key(|&(m, k, s)| (s, rank(m, k, s)));
    let mut picked: Vec<Booking> = Vec::new();
    for (municipality, kind, start) in offered {
        if picked.len() >= max {
            break;
        }
        if check_booking(BookingCheck {
            availability: &availability,
            municipalities: &municipalities,
            municipality,
            kind,
            start,
            existing: &picked,
            busy: &[],
            now,
        })
        .is_ok()
        {
            let minutes = availability.rules.duration_minutes(kind);
            picked.push(planned(picked.len(), municipality, kind, start, minutes, now));
        }
    }
    // Greedy picks are valid against their predecessors; drop any that a
    // later pick made invalid (e.g. a drive that no longer fits) until the
    // whole set holds.
    loop {
        let bad = (0..picked.len()).find(|&i| {
            let others: Vec<Booking> =
                picked.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, b)| b.clone()).collect();
            recheck(&availability, &municipalities, &picked[i], &others, now).is_err()
        });
        match bad {
            Some(i) => {
                picked.remove(i);
            }
            None => break,
        }
    }
    picked
        .into_iter()
        .map(|b| Planned {
            municipality: b.municipality.get(),
            kind: match b.kind {
                SessionKind::Onsite => "onsite",
                SessionKind::Online => "online",
            },
            start: serde_json::to_value(b.start).ok().and_then(|v| v.as_str().map(str::to_string)).expect("a start"),
        })
        .collect()
}

/// A small deterministic pseudo-random generator (xorshift64*), so that a
/// failing run can be repeated exactly.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

/// `booking` checked again as if it were requested now among `others`.
fn recheck(
    availability: &Availability,
    municipalities: &Municipalities,
    booking: &Booking,
    others: &[Booking],
    now: Timestamp,
) -> Result<dk2020_model::schedule::Slot, dk2020_model::schedule::RuleViolation> {
    check_booking(BookingCheck {
        availability,
        municipalities,
        municipality: booking.municipality,
        kind: booking.kind,
        start: booking.start,
        existing: others,
        busy: &[],
        now,
    })
}
