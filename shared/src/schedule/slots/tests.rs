use jiff::civil::{Weekday, date};
use proptest::prelude::*;

use super::*;
use crate::{
    actor::Actor,
    api::ErrorCode,
    booking::{BookingStatus, ContactName, Email, Topic},
    schedule::holidays::ClosedDays,
};

// ---------------------------------------------------------------------------
// Helpers

fn code(slug: &str) -> MunicipalityCode {
    slug.parse().unwrap()
}

fn at(d: Date, h: i8, m: i8) -> LocalTime {
    LocalTime::from_local(d.at(h, m, 0, 0))
}

fn ts(d: Date, h: i8, m: i8) -> Timestamp {
    at(d, h, m).timestamp()
}

fn booking(n: usize, municipality: MunicipalityCode, kind: SessionKind, start: LocalTime, minutes: i64) -> Booking {
    let end = LocalTime::new(Timestamp::from_second(start.timestamp().as_second() + minutes * 60).unwrap());
    Booking {
        id: BookingId::parse(&format!("b{n}")).unwrap(),
        municipality,
        kind,
        start,
        end,
        topic: Some(Topic::parse("Klimaplan").unwrap()),
        contact_name: Some(ContactName::parse("Ann Jensen").unwrap()),
        contact_email: Some(Email::parse("klima@example.dk").unwrap()),
        status: BookingStatus::Confirmed,
        created_at: Timestamp::UNIX_EPOCH,
        changed_at: Timestamp::UNIX_EPOCH,
        sequence: 0,
        erased_at: None,
    }
}

fn cancelled(mut b: Booking) -> Booking {
    b.status = BookingStatus::Cancelled { by: Actor::Coordinator, reason: None };
    b
}

/// 2026-12-01 is a Tuesday; the default rules book it from Friday 20 November.
const TUESDAY: Date = date(2026, 12, 1);

fn november_20() -> Timestamp {
    ts(date(2026, 11, 20), 12, 0)
}

/// The default settings without fair access (no long-drive allowance, no
/// tour days): the plain driving rules.
fn without_fair_access() -> Availability {
    Availability { rules: Rules::first_come_first_served(), ..Availability::default() }
}

static MUNICIPALITIES: std::sync::LazyLock<Municipalities> = std::sync::LazyLock::new(Municipalities::builtin);

/// The query of `slug`'s slots, with no busy times.
fn query<'a>(
    av: &'a Availability,
    slug: &str,
    kind: SessionKind,
    from: Date,
    to: Date,
    existing: &'a [Booking],
    now: Timestamp,
) -> SlotQuery<'a> {
    SlotQuery {
        availability: av,
        municipalities: &MUNICIPALITIES,
        municipality: code(slug),
        kind,
        from,
        to,
        existing,
        busy: &[],
        now,
    }
}

fn slots(
    av: &Availability,
    slug: &str,
    kind: SessionKind,
    from: Date,
    to: Date,
    existing: &[Booking],
    now: Timestamp,
) -> Result<Vec<Slot>, SlotsError> {
    open_slots(query(av, slug, kind, from, to, existing, now))
}

/// The local start times `HH:MM` of the slots on `d`.
fn starts_on(list: &[Slot], d: Date) -> Vec<String> {
    list.iter().filter(|s| s.start.date() == d).map(|s| s.start.zoned().strftime("%H:%M").to_string()).collect()
}

fn day_starts(av: &Availability, slug: &str, kind: SessionKind, d: Date, existing: &[Booking]) -> Vec<String> {
    let list = slots(av, slug, kind, d, d, existing, november_20()).unwrap();
    starts_on(&list, d)
}

fn check(
    av: &Availability,
    slug: &str,
    kind: SessionKind,
    start: LocalTime,
    existing: &[Booking],
    now: Timestamp,
) -> Result<Slot, RuleViolation> {
    check_busy(av, slug, kind, start, existing, &[], now)
}

fn check_busy(
    av: &Availability,
    slug: &str,
    kind: SessionKind,
    start: LocalTime,
    existing: &[Booking],
    busy: &[BusyTime],
    now: Timestamp,
) -> Result<Slot, RuleViolation> {
    check_booking(BookingCheck {
        availability: av,
        municipalities: &Municipalities::builtin(),
        municipality: code(slug),
        kind,
        start,
        existing,
        busy,
        now,
    })
}

fn hhmm_range(from: (i8, i8), to: (i8, i8), step: i8) -> Vec<String> {
    let mut out = Vec::new();
    let (mut h, mut m) = from;
    while (h, m) <= to {
        out.push(format!("{h:02}:{m:02}"));
        m += step;
        h += m / 60;
        m %= 60;
    }
    out
}

// ---------------------------------------------------------------------------
// The basic offer and its JSON

#[test]
fn a_free_tuesday_offers_a_session_every_half_hour_within_the_working_day() {
    let av = Availability::default();
    // 08:30-16:00; on-site in Aarhus itself needs no drive: 90 minutes end by 16:00.
    assert_eq!(day_starts(&av, "aarhus", SessionKind::Onsite, TUESDAY, &[]), hhmm_range((8, 30), (14, 30), 30));
    assert_eq!(day_starts(&av, "aarhus", SessionKind::Online, TUESDAY, &[]), hhmm_range((8, 30), (15, 0), 30));
    // Friday closes at 15:00.
    assert_eq!(day_starts(&av, "skive", SessionKind::Online, date(2026, 12, 4), &[]), hhmm_range((8, 30), (14, 0), 30));
}

#[test]
fn slots_are_sent_as_the_api_promises() {
    let av = Availability::default();
    let list = slots(&av, "aarhus", SessionKind::Onsite, TUESDAY, TUESDAY, &[], november_20()).unwrap();
    let nine = list.iter().find(|s| s.start == at(TUESDAY, 9, 0)).unwrap();
    assert_eq!(
        serde_json::to_string(nine).unwrap(),
        r#"{"start":"2026-12-01T09:00:00+01:00","end":"2026-12-01T10:30:00+01:00","kind":"onsite"}"#
    );
    let back: Slot = serde_json::from_str(&serde_json::to_string(nine).unwrap()).unwrap();
    assert_eq!(&back, nine);
}

#[test]
fn weekends_offer_nothing_unless_an_exception_opens_them() {
    let mut av = Availability::default();
    let saturday = date(2026, 12, 5);
    assert!(day_starts(&av, "aarhus", SessionKind::Online, saturday, &[]).is_empty());
    assert!(matches!(
        check(&av, "aarhus", SessionKind::Online, at(saturday, 10, 0), &[], november_20()),
        Err(RuleViolation::OutsideWorkingHours { hours: None, .. })
    ));
    av.exceptions.push(DateException {
        date: saturday,
        hours: Some(WorkingHours::hm(10, 0, 13, 0).unwrap().into()),
        note: Some("Klimadag".into()),
    });
    assert_eq!(
        day_starts(&av, "aarhus", SessionKind::Online, saturday, &[]),
        ["10:00", "10:30", "11:00", "11:30", "12:00"]
    );
}

#[test]
fn leave_entered_as_an_exception_closes_the_day_with_its_note() {
    let mut av = Availability::default();
    av.exceptions.push(DateException { date: TUESDAY, hours: None, note: Some("Ferie".into()) });
    assert!(day_starts(&av, "aarhus", SessionKind::Online, TUESDAY, &[]).is_empty());
    assert_eq!(
        check(&av, "aarhus", SessionKind::Online, at(TUESDAY, 9, 0), &[], november_20()),
        Err(RuleViolation::ClosedDay { date: TUESDAY, name: "Ferie".into() })
    );
    // Shorter hours on a day: slots follow the new window and its grid.
    av.exceptions[0].hours = Some(WorkingHours::hm(12, 15, 15, 0).unwrap().into());
    assert_eq!(day_starts(&av, "aarhus", SessionKind::Online, TUESDAY, &[]), ["12:15", "12:45", "13:15", "13:45"]);
}

// ---------------------------------------------------------------------------
// Holidays

#[test]
fn no_slots_on_easter_monday_2027() {
    let av = Availability::default();
    let now = ts(date(2027, 3, 10), 9, 0);
    let list = slots(&av, "aarhus", SessionKind::Online, date(2027, 3, 25), date(2027, 3, 30), &[], now).unwrap();
    // Skærtorsdag, Langfredag, the weekend and 2. påskedag are closed; Tuesday is open.
    for d in 25..=29 {
        assert!(starts_on(&list, date(2027, 3, d)).is_empty(), "2027-03-{d}");
    }
    assert!(!starts_on(&list, date(2027, 3, 30)).is_empty());
    assert_eq!(
        check(&av, "aarhus", SessionKind::Online, at(date(2027, 3, 29), 9, 0), &[], now),
        Err(RuleViolation::ClosedDay { date: date(2027, 3, 29), name: "2. påskedag".into() })
    );
}

#[test]
fn store_bededag_was_closed_in_2023_and_is_a_working_day_in_2024() {
    let av = Availability::default();
    let now = ts(date(2023, 4, 20), 9, 0);
    let list = slots(&av, "aarhus", SessionKind::Online, date(2023, 5, 5), date(2023, 5, 5), &[], now).unwrap();
    assert!(list.is_empty());
    let err = check(&av, "aarhus", SessionKind::Online, at(date(2023, 5, 5), 9, 0), &[], now).unwrap_err();
    assert_eq!(err.to_string(), "no sessions can be booked on 2023-05-05: Store bededag");

    let now = ts(date(2024, 4, 10), 9, 0);
    let friday = date(2024, 4, 26);
    assert_eq!(friday.weekday(), Weekday::Friday);
    let list = slots(&av, "aarhus", SessionKind::Online, friday, friday, &[], now).unwrap();
    assert_eq!(starts_on(&list, friday), hhmm_range((8, 30), (14, 0), 30));
}

#[test]
fn christmas_eve_is_closed_by_default_and_open_when_configured() {
    let mut av = Availability::default();
    let eve = date(2026, 12, 24);
    assert!(day_starts(&av, "aarhus", SessionKind::Online, eve, &[]).is_empty());
    av.closed_days.christmas_eve = false;
    assert_eq!(day_starts(&av, "aarhus", SessionKind::Online, eve, &[]), hhmm_range((8, 30), (15, 0), 30));
    // Christmas Day stays closed whatever the settings.
    av.closed_days = ClosedDays::NONE;
    assert!(day_starts(&av, "aarhus", SessionKind::Online, date(2026, 12, 25), &[]).is_empty());
}

// ---------------------------------------------------------------------------
// Notice and horizon

#[test]
fn nothing_is_offered_inside_the_minimum_notice() {
    let av = Availability::default();
    let now = ts(TUESDAY, 10, 0); // earliest start: Thursday 10:00
    let list = slots(&av, "aarhus", SessionKind::Online, TUESDAY, date(2026, 12, 3), &[], now).unwrap();
    assert!(starts_on(&list, TUESDAY).is_empty());
    assert!(starts_on(&list, date(2026, 12, 2)).is_empty());
    assert_eq!(starts_on(&list, date(2026, 12, 3)), hhmm_range((10, 0), (15, 0), 30));
    let err = check(&av, "aarhus", SessionKind::Online, at(date(2026, 12, 3), 9, 30), &[], now).unwrap_err();
    assert_eq!(err, RuleViolation::TooShortNotice { hours: 48, earliest: at(date(2026, 12, 3), 10, 0) });
    assert_eq!(err.code(), ErrorCode::TooShortNotice);
    // Times already past are refused the same way.
    assert!(matches!(
        check(&av, "aarhus", SessionKind::Online, at(date(2026, 11, 30), 9, 0), &[], now),
        Err(RuleViolation::TooShortNotice { .. })
    ));
}

#[test]
fn nothing_is_offered_beyond_the_eight_week_horizon() {
    let av = Availability::default();
    let now = november_20(); // + 56 days = Friday 15 January 2027
    let list = slots(&av, "aarhus", SessionKind::Online, date(2027, 1, 11), date(2027, 1, 22), &[], now).unwrap();
    assert!(!starts_on(&list, date(2027, 1, 15)).is_empty());
    assert!(list.iter().all(|s| s.start.date() <= date(2027, 1, 15)));
    assert_eq!(
        check(&av, "aarhus", SessionKind::Online, at(date(2027, 1, 18), 9, 0), &[], now),
        Err(RuleViolation::BeyondHorizon { days: 56, last: date(2027, 1, 15) })
    );
}

// ---------------------------------------------------------------------------
// Other sessions, buffers and the on-site limit

#[test]
fn another_municipalitys_session_and_its_buffer_are_not_offered_to_anyone() {
    let av = Availability::default();
    let randers = booking(1, code("randers"), SessionKind::Online, at(TUESDAY, 10, 0), 60);
    let starts = day_starts(&av, "aarhus", SessionKind::Online, TUESDAY, std::slice::from_ref(&randers));
    // 09:00-10:00 would end within 15 minutes of 10:00, 11:00 starts within 15 minutes of 11:00.
    for taken in ["09:00", "09:30", "10:00", "10:30", "11:00"] {
        assert!(!starts.iter().any(|s| s == taken), "{taken} offered: {starts:?}");
    }
    assert!(starts.iter().any(|s| s == "08:30") && starts.iter().any(|s| s == "11:30"));
    let err =
        check(&av, "aarhus", SessionKind::Online, at(TUESDAY, 11, 0), std::slice::from_ref(&randers), november_20())
            .unwrap_err();
    assert_eq!(err, RuleViolation::SlotTaken { buffer: 15 });
    assert_eq!(err.code(), ErrorCode::SlotTaken);

    // Without a buffer the neighbouring times open up.
    let mut tight = av.clone();
    tight.rules.buffer_minutes = 0;
    let starts = day_starts(&tight, "aarhus", SessionKind::Online, TUESDAY, &[randers]);
    assert!(starts.iter().any(|s| s == "09:00") && starts.iter().any(|s| s == "11:00"));
}

#[test]
fn a_cancelled_session_frees_its_time() {
    let av = Availability::default();
    let b = cancelled(booking(1, code("randers"), SessionKind::Online, at(TUESDAY, 10, 0), 60));
    assert_eq!(day_starts(&av, "aarhus", SessionKind::Online, TUESDAY, &[b]), hhmm_range((8, 30), (15, 0), 30));
}

#[test]
fn a_third_on_site_visit_on_one_day_is_refused_but_online_is_still_offered() {
    let av = Availability::default();
    let existing = [
        booking(1, code("aarhus"), SessionKind::Onsite, at(TUESDAY, 8, 30), 90),
        booking(2, code("aarhus"), SessionKind::Onsite, at(TUESDAY, 10, 30), 90),
    ];
    assert!(day_starts(&av, "favrskov", SessionKind::Onsite, TUESDAY, &existing).is_empty());
    assert_eq!(
        check(&av, "favrskov", SessionKind::Onsite, at(TUESDAY, 14, 0), &existing, november_20()),
        Err(RuleViolation::TooManyOnsiteVisits { date: TUESDAY, max: 2 })
    );
    assert!(!day_starts(&av, "favrskov", SessionKind::Online, TUESDAY, &existing).is_empty());
    // The next day is unaffected.
    assert!(!day_starts(&av, "favrskov", SessionKind::Onsite, date(2026, 12, 2), &existing).is_empty());
}

// ---------------------------------------------------------------------------
// The cap per municipality

#[test]
fn a_municipality_at_its_cap_is_told_why_instead_of_getting_slots() {
    let av = Availability::default();
    let skive = code("skive");
    let existing = [
        booking(1, skive, SessionKind::Online, at(date(2026, 12, 2), 9, 0), 60),
        booking(2, skive, SessionKind::Onsite, at(date(2026, 12, 8), 11, 0), 90),
    ];
    let err =
        slots(&av, "skive", SessionKind::Online, TUESDAY, date(2026, 12, 31), &existing, november_20()).unwrap_err();
    assert_eq!(err, SlotsError::CapReached { cap: 2, booked: 2 });
    assert_eq!(err.code(), ErrorCode::CapReached);
    assert!(err.to_string().contains("at most 2 at a time"), "{err}");
    assert_eq!(
        check(&av, "skive", SessionKind::Online, at(TUESDAY, 13, 0), &existing, november_20()),
        Err(RuleViolation::CapReached { cap: 2, booked: 2 })
    );
    // Other municipalities are not affected.
    assert!(slots(&av, "lemvig", SessionKind::Online, TUESDAY, TUESDAY, &existing, november_20()).is_ok());
    // Once a session has taken place (or is cancelled) Skive can book again.
    let later = ts(date(2026, 12, 2), 10, 0);
    assert!(slots(&av, "skive", SessionKind::Online, date(2026, 12, 14), date(2026, 12, 18), &existing, later).is_ok());
    let freed = [existing[0].clone(), cancelled(existing[1].clone())];
    assert!(slots(&av, "skive", SessionKind::Online, TUESDAY, TUESDAY, &freed, november_20()).is_ok());
}

// ---------------------------------------------------------------------------
// Driving

#[test]
fn samsoe_cannot_be_visited_at_opening_time_because_of_the_drive_and_the_ferry() {
    let av = without_fair_access();
    assert_eq!(
        check(&av, "samsoe", SessionKind::Onsite, at(TUESDAY, 8, 30), &[], november_20()),
        Err(RuleViolation::CannotReachInTime { date: TUESDAY })
    );
    // 109 minutes to Tranebjerg (ferry included): the first half hour after 10:19 is 10:30;
    // the way home (109 minutes after the 15-minute buffer) must end by 16:00.
    assert_eq!(day_starts(&av, "samsoe", SessionKind::Onsite, TUESDAY, &[]), ["10:30", "11:00", "11:30", "12:00"]);
    // Online sessions need no ferry.
    assert_eq!(day_starts(&av, "samsoe", SessionKind::Online, TUESDAY, &[]), hhmm_range((8, 30), (15, 0), 30));
}

#[test]
fn a_lemvig_visit_cannot_be_followed_by_a_samsoe_visit_a_quarter_of_an_hour_later() {
    let av = without_fair_access();
    let lemvig = [booking(1, code("lemvig"), SessionKind::Onsite, at(TUESDAY, 11, 0), 90)];
    // 12:45 is free of the buffer, but Lemvig-Samsø takes about four hours.
    assert_eq!(
        check(&av, "samsoe", SessionKind::Onsite, at(TUESDAY, 12, 45), &lemvig, november_20()).map_err(|e| e.code()),
        Err(ErrorCode::NotOnSlotGrid)
    );
    let mut quarter = av.clone();
    quarter.rules.slot_step_minutes = 15;
    assert_eq!(
        check(&quarter, "samsoe", SessionKind::Onsite, at(TUESDAY, 12, 45), &lemvig, november_20()),
        Err(RuleViolation::CannotReachInTime { date: TUESDAY })
    );
    assert!(day_starts(&av, "samsoe", SessionKind::Onsite, TUESDAY, &lemvig).is_empty());
    assert!(day_starts(&quarter, "samsoe", SessionKind::Onsite, TUESDAY, &lemvig).is_empty());
    // Even with the day extended to 18:00, Samsø is out of reach after Lemvig,
    // while nearby Struer fits (13:30-15:00, home by 17:14).
    let mut long = av.clone();
    long.exceptions.push(DateException {
        date: TUESDAY,
        hours: Some(WorkingHours::hm(8, 30, 18, 0).unwrap().into()),
        note: None,
    });
    assert!(day_starts(&long, "samsoe", SessionKind::Onsite, TUESDAY, &lemvig).is_empty());
    assert_eq!(day_starts(&long, "struer", SessionKind::Onsite, TUESDAY, &lemvig), ["13:30", "14:00"]);
    assert!(day_starts(&av, "struer", SessionKind::Onsite, TUESDAY, &lemvig).is_empty());
}

#[test]
fn lemvig_cannot_be_visited_on_a_short_friday() {
    // 139 minutes each way plus a 90-minute session do not fit 08:30-15:00.
    let av = without_fair_access();
    let friday = date(2026, 12, 4);
    assert!(day_starts(&av, "lemvig", SessionKind::Onsite, friday, &[]).is_empty());
    assert_eq!(day_starts(&av, "lemvig", SessionKind::Onsite, TUESDAY, &[]), ["11:00", "11:30"]);
}

#[test]
fn a_long_drive_may_set_off_before_opening_so_lemvig_fits_a_short_friday() {
    // The default allowance: a drive of 75 minutes or more may start up to an
    // hour before 08:30 and end up to an hour after 15:00.
    let av = Availability::default();
    let friday = date(2026, 12, 4);
    assert_eq!(day_starts(&av, "lemvig", SessionKind::Onsite, friday, &[]), ["10:00", "10:30", "11:00", "11:30"]);
    // The session itself stays within the working hours.
    assert_eq!(
        check(&av, "lemvig", SessionKind::Onsite, at(friday, 14, 0), &[], november_20()).map_err(|e| e.code()),
        Err(ErrorCode::OutsideWorkingHours)
    );
    // A short drive gains nothing: Skanderborg's visits are the same either way.
    assert_eq!(
        day_starts(&av, "skanderborg", SessionKind::Onsite, friday, &[]),
        day_starts(&without_fair_access(), "skanderborg", SessionKind::Onsite, friday, &[])
    );
    let mut none = av.clone();
    none.rules.long_drive_extra_minutes = 0;
    assert!(day_starts(&none, "lemvig", SessionKind::Onsite, friday, &[]).is_empty());
}

#[test]
fn a_tour_day_keeps_its_visits_for_its_area_until_two_weeks_before() {
    let mut av = Availability::default();
    av.rules.tour_days.set(Weekday::Wednesday, Some(TourArea::Vestjylland));
    // Booking on Friday 20 November: Wednesday 2 December is within 14 days
    // and open to all; Wednesday 9 December is kept for Vestjylland.
    let (open, kept) = (date(2026, 12, 2), date(2026, 12, 9));
    assert!(!day_starts(&av, "aarhus", SessionKind::Onsite, open, &[]).is_empty());
    assert!(day_starts(&av, "aarhus", SessionKind::Onsite, kept, &[]).is_empty());
    let refused = check(&av, "aarhus", SessionKind::Onsite, at(kept, 9, 0), &[], november_20()).unwrap_err();
    assert_eq!(
        refused,
        RuleViolation::ReservedForTour { date: kept, area: TourArea::Vestjylland, opens: date(2026, 11, 25) }
    );
    assert_eq!(refused.code(), ErrorCode::ReservedForTour);
    assert!(refused.to_string().contains("Vestjylland"), "{refused}");
    // Lemvig and Herning may book it; online sessions are not affected.
    assert!(!day_starts(&av, "lemvig", SessionKind::Onsite, kept, &[]).is_empty());
    assert!(!day_starts(&av, "herning", SessionKind::Onsite, kept, &[]).is_empty());
    assert!(!day_starts(&av, "aarhus", SessionKind::Online, kept, &[]).is_empty());
    // The slot answer names the kept days of the range, for the widget to explain.
    let q = |slug: &str, kind| query(&av, slug, kind, TUESDAY, date(2026, 12, 31), &[], november_20());
    let reserved: Vec<Date> = reserved_days(&q("aarhus", SessionKind::Onsite)).iter().map(|r| r.date).collect();
    assert_eq!(reserved, [kept, date(2026, 12, 16), date(2026, 12, 23), date(2026, 12, 30)]);
    assert!(reserved_days(&q("lemvig", SessionKind::Onsite)).is_empty());
    assert!(reserved_days(&q("aarhus", SessionKind::Online)).is_empty());
    // From 25 November everyone may book it.
    let later = ts(date(2026, 11, 25), 8, 0);
    assert!(check(&av, "aarhus", SessionKind::Onsite, at(kept, 9, 0), &[], later).is_ok());
}

#[test]
fn online_sessions_are_not_offered_while_the_coordinator_drives() {
    let av = without_fair_access();
    // Herning is 85 minutes away: out 08:30-11:00 at the latest, home after 12:45.
    let herning = [booking(1, code("herning"), SessionKind::Onsite, at(TUESDAY, 11, 0), 90)];
    assert_eq!(day_starts(&av, "aarhus", SessionKind::Online, TUESDAY, &herning), ["13:00", "14:30", "15:00"]);
    assert_eq!(
        check(&av, "aarhus", SessionKind::Online, at(TUESDAY, 9, 0), &herning, november_20()),
        Err(RuleViolation::CannotReachInTime { date: TUESDAY })
    );
}

#[test]
fn the_coordinator_agenda_shows_each_drive_of_the_day() {
    let samsoe = booking(1, code("samsoe"), SessionKind::Onsite, at(TUESDAY, 10, 30), 90);
    let odder = booking(2, code("odder"), SessionKind::Onsite, at(TUESDAY, 14, 0), 90);
    let online = booking(3, code("skive"), SessionKind::Online, at(TUESDAY, 13, 0), 60);
    let gone = cancelled(booking(4, code("lemvig"), SessionKind::Onsite, at(TUESDAY, 8, 30), 60));
    let rules = TravelRules::default();
    let legs = day_route(TUESDAY, &[odder.clone(), online, gone, samsoe.clone()], &Municipalities::builtin(), &rules);
    let all = Municipalities::builtin();
    let hall = |slug: &str| all.by_slug(slug).unwrap().town_hall.clone();
    let visit = |b: &Booking| Stop::Visit { booking: b.id.clone(), municipality: b.municipality };
    let between = minutes_between(&hall("samsoe"), &hall("odder"), &rules);
    let home = travel_home_minutes(&hall("odder"), &rules);
    let before = |t: LocalTime, minutes: u32| LocalTime::new(t.timestamp() - SignedDuration::from_mins(minutes.into()));
    let after = |t: LocalTime, minutes: u32| LocalTime::new(t.timestamp() + SignedDuration::from_mins(minutes.into()));
    assert_eq!(
        legs,
        [
            // She leaves the office just in time for Samsø, ferry included…
            Leg {
                from: Stop::Office,
                to: visit(&samsoe),
                minutes: 109,
                depart: before(samsoe.start, 109),
                arrive: samsoe.start
            },
            // …arrives in Odder as that session starts…
            Leg {
                from: visit(&samsoe),
                to: visit(&odder),
                minutes: between,
                depart: before(odder.start, between),
                arrive: odder.start
            },
            // …and drives home when it ends.
            Leg {
                from: visit(&odder),
                to: Stop::Office,
                minutes: home,
                depart: odder.end,
                arrive: after(odder.end, home)
            },
        ]
    );
    assert_eq!(legs[0].depart.datetime(), TUESDAY.at(8, 41, 0, 0), "10.30 less 1 h 49 min");
    assert!(legs[1].minutes > 60, "the ferry counts on the way from Samsø");
    assert_eq!(
        serde_json::to_value(&legs[0]).unwrap(),
        serde_json::json!({"from": {"type": "office"}, "to": {"type": "visit", "booking": "b1", "municipality": 741}, "minutes": 109,
            "depart": "2026-12-01T08:41:00+01:00", "arrive": "2026-12-01T10:30:00+01:00"})
    );
    assert!(day_route(date(2026, 12, 2), &[samsoe], &Municipalities::builtin(), &rules).is_empty());
}

// ---------------------------------------------------------------------------
// Summer time

#[test]
fn slots_start_at_the_same_local_time_on_both_sides_of_the_summer_time_changes() {
    let av = Availability::default();
    for (friday, monday, before, after) in [
        (date(2026, 3, 27), date(2026, 3, 30), "+01:00", "+02:00"),
        (date(2026, 10, 23), date(2026, 10, 26), "+02:00", "+01:00"),
    ] {
        let now = ts(friday, 0, 0) - jiff::SignedDuration::from_hours(24 * 7);
        let list = slots(&av, "skanderborg", SessionKind::Onsite, friday, monday, &[], now).unwrap();
        let fri = starts_on(&list, friday);
        let mon = starts_on(&list, monday);
        assert_eq!(fri.first().map(String::as_str), Some("09:00"), "{friday}");
        assert_eq!(mon.first().map(String::as_str), Some("09:00"), "{monday}");
        assert_eq!(fri, day_starts(&av, "skanderborg", SessionKind::Onsite, date(2026, 12, 4), &[]));
        assert_eq!(mon, day_starts(&av, "skanderborg", SessionKind::Onsite, date(2026, 12, 7), &[]));
        let first = |d: Date| list.iter().find(|s| s.start.date() == d).unwrap().start.to_string();
        assert_eq!(first(friday), format!("{friday}T09:00:00{before}"));
        assert_eq!(first(monday), format!("{monday}T09:00:00{after}"));
        // Sessions last their full length in real time.
        for s in &list {
            assert_eq!(s.end.timestamp().as_second() - s.start.timestamp().as_second(), 90 * 60);
        }
    }
}

#[test]
fn a_working_day_across_the_night_of_the_change_skips_the_missing_hour_and_repeats_nothing() {
    let mut av = Availability::default();
    av.rules.min_notice_hours = 0;
    for sunday in [date(2026, 3, 29), date(2026, 10, 25)] {
        av.exceptions = vec![DateException {
            date: sunday,
            hours: Some(WorkingHours::hm(0, 0, 23, 59).unwrap().into()),
            note: None,
        }];
        let now = ts(sunday, 0, 0) - jiff::SignedDuration::from_hours(24);
        let list = slots(&av, "aarhus", SessionKind::Online, sunday, sunday, &[], now).unwrap();
        let starts = starts_on(&list, sunday);
        let mut unique = starts.clone();
        unique.dedup();
        assert_eq!(unique, starts, "{sunday}");
        assert!(list.windows(2).all(|w| w[0].start < w[1].start));
        if sunday.month() == 3 {
            assert!(!starts.iter().any(|s| s.starts_with("02:")), "{starts:?}");
        }
        // Every quarter hour of the day in real time: accepted exactly when offered.
        let midnight = ts(sunday, 0, 0);
        for k in 0..(25 * 4) {
            let start = LocalTime::new(midnight + jiff::SignedDuration::from_mins(k * 15));
            let offered = list.iter().find(|s| s.start == start).copied();
            assert_eq!(check(&av, "aarhus", SessionKind::Online, start, &[], now).ok(), offered, "{start}");
        }
        if sunday.month() == 10 {
            let second_two = "2026-10-25T02:00:00+01:00".parse::<LocalTime>().unwrap();
            assert!(starts.iter().any(|s| s == "02:00"));
            assert!(matches!(
                check(&av, "aarhus", SessionKind::Online, second_two, &[], now),
                Err(RuleViolation::NotOnSlotGrid { .. })
            ));
        }
    }
}

// ---------------------------------------------------------------------------
// Bad requests

#[test]
fn a_start_off_the_grid_or_outside_the_hours_is_refused_with_the_reason() {
    let av = Availability::default();
    let now = november_20();
    let err = check(&av, "aarhus", SessionKind::Online, at(TUESDAY, 8, 45), &[], now).unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotOnSlotGrid);
    assert_eq!(err.to_string(), "sessions start every 30 minutes from the start of the working day (08:30-16:00)");
    let odd_second = LocalTime::new(ts(TUESDAY, 9, 0) + jiff::SignedDuration::from_millis(500));
    assert_eq!(
        check(&av, "aarhus", SessionKind::Online, odd_second, &[], now).map_err(|e| e.code()),
        Err(ErrorCode::NotOnSlotGrid)
    );
    assert_eq!(
        check(&av, "aarhus", SessionKind::Online, at(TUESDAY, 7, 0), &[], now),
        Err(RuleViolation::OutsideWorkingHours {
            date: TUESDAY,
            hours: Some(WorkingHours::hm(8, 30, 16, 0).unwrap().into())
        })
    );
    // On-site at 15:00 would end at 16:30.
    assert!(matches!(
        check(&av, "aarhus", SessionKind::Onsite, at(TUESDAY, 15, 0), &[], now),
        Err(RuleViolation::OutsideWorkingHours { .. })
    ));
    let ok = check(&av, "aarhus", SessionKind::Onsite, at(TUESDAY, 14, 30), &[], now).unwrap();
    assert_eq!(ok.end, at(TUESDAY, 16, 0));
}

#[test]
fn reversed_or_overlong_date_ranges_are_refused() {
    let av = Availability::default();
    let now = november_20();
    assert_eq!(
        slots(&av, "aarhus", SessionKind::Online, TUESDAY, date(2026, 11, 30), &[], now),
        Err(SlotsError::RangeReversed { from: TUESDAY, to: date(2026, 11, 30) })
    );
    let err = slots(&av, "aarhus", SessionKind::Online, TUESDAY, date(2027, 3, 3), &[], now).unwrap_err();
    assert!(matches!(err, SlotsError::RangeTooLong { days: 93, max: 92, .. }), "{err:?}");
    assert_eq!(err.code(), ErrorCode::BadRange);
    assert!(slots(&av, "aarhus", SessionKind::Online, TUESDAY, date(2027, 3, 2), &[], now).is_ok());
    // The far ends of the calendar do not panic.
    assert!(slots(&av, "aarhus", SessionKind::Online, Date::MIN, Date::MIN, &[], now).unwrap().is_empty());
    assert!(slots(&av, "aarhus", SessionKind::Online, date(9999, 12, 1), Date::MAX, &[], Timestamp::MAX).is_ok());
    assert!(check(&av, "aarhus", SessionKind::Online, LocalTime::new(Timestamp::MAX), &[], Timestamp::MIN).is_err());
    assert!(check(&av, "aarhus", SessionKind::Online, LocalTime::new(Timestamp::MIN), &[], Timestamp::MAX).is_err());
}

#[test]
fn invalid_settings_are_reported_not_used() {
    let mut av = Availability::default();
    av.rules.slot_step_minutes = 0;
    let err = slots(&av, "aarhus", SessionKind::Online, TUESDAY, TUESDAY, &[], november_20()).unwrap_err();
    assert!(matches!(err, SlotsError::InvalidAvailability(_)));
    assert!(matches!(
        check(&av, "aarhus", SessionKind::Online, at(TUESDAY, 9, 0), &[], november_20()),
        Err(RuleViolation::InvalidAvailability(_))
    ));
}

// ---------------------------------------------------------------------------
// Busy times, blocked hours and breaks

fn busy_on(d: Date, from: (i8, i8), to: (i8, i8)) -> BusyTime {
    BusyTime { start: ts(d, from.0, from.1), end: ts(d, to.0, to.1) }
}

fn starts_with_busy(av: &Availability, slug: &str, kind: SessionKind, d: Date, busy: &[BusyTime]) -> Vec<String> {
    let list = open_slots(SlotQuery { busy, ..query(av, slug, kind, d, d, &[], november_20()) }).unwrap();
    starts_on(&list, d)
}

fn check_with_busy(slug: &str, kind: SessionKind, start: LocalTime, busy: &[BusyTime]) -> Result<Slot, RuleViolation> {
    check_busy(&without_fair_access(), slug, kind, start, &[], busy, november_20())
}

#[test]
fn a_meeting_in_her_calendar_removes_the_online_slots_around_it_buffer_included() {
    let av = Availability::default();
    let meeting = [busy_on(TUESDAY, (9, 0), (9, 30))];
    assert_eq!(
        starts_with_busy(&av, "skive", SessionKind::Online, TUESDAY, &meeting),
        hhmm_range((10, 0), (15, 0), 30)
    );
    let refused = check_with_busy("skive", SessionKind::Online, at(TUESDAY, 9, 30), &meeting).unwrap_err();
    assert_eq!(refused.code(), ErrorCode::CoordinatorBusy);
    assert!(refused.to_string().contains("busy"), "{refused}");
    assert!(check_with_busy("skive", SessionKind::Online, at(TUESDAY, 10, 0), &meeting).is_ok());
}

#[test]
fn a_visit_is_not_offered_when_the_drive_there_or_home_would_cross_a_meeting() {
    let av = without_fair_access();
    assert_eq!(starts_with_busy(&av, "lemvig", SessionKind::Onsite, TUESDAY, &[]), ["11:00", "11:30"]);
    // She would have to leave Aarhus around 08:30 for an 11:00 visit in Lemvig.
    let morning = [busy_on(TUESDAY, (9, 0), (9, 30))];
    assert!(starts_with_busy(&av, "lemvig", SessionKind::Onsite, TUESDAY, &morning).is_empty());
    assert_eq!(
        check_with_busy("lemvig", SessionKind::Onsite, at(TUESDAY, 11, 0), &morning).map_err(|e| e.code()),
        Err(ErrorCode::CoordinatorBusy)
    );
    // …and she is on the road home until after 15:00.
    let afternoon = [busy_on(TUESDAY, (15, 0), (15, 30))];
    assert!(starts_with_busy(&av, "lemvig", SessionKind::Onsite, TUESDAY, &afternoon).is_empty());
    // An online session at 11:00 only needs 10:45-12:15 free.
    assert!(check_with_busy("lemvig", SessionKind::Online, at(TUESDAY, 11, 0), &morning).is_ok());
}

#[test]
fn blocked_hours_on_a_date_block_sessions_like_a_meeting() {
    let mut av = Availability::default();
    av.blocked.push(BlockedHours {
        date: TUESDAY,
        hours: WorkingHours::hm(14, 0, 16, 0).unwrap(),
        note: Some("Styregruppemøde".into()),
    });
    assert_eq!(starts_with_busy(&av, "skive", SessionKind::Online, TUESDAY, &[]), hhmm_range((8, 30), (12, 30), 30));
    let wednesday = TUESDAY.tomorrow().unwrap();
    assert_eq!(starts_with_busy(&av, "skive", SessionKind::Online, wednesday, &[]), hhmm_range((8, 30), (15, 0), 30));
}

fn with_lunch_break() -> Availability {
    let mut av = Availability::default();
    let day = DayHours::new(vec![WorkingHours::hm(12, 30, 16, 0).unwrap(), WorkingHours::hm(8, 30, 12, 0).unwrap()]);
    av.weekly.set(Weekday::Tuesday, day);
    av
}

#[test]
fn a_lunch_break_splits_the_day_into_two_grids_and_no_session_spans_it() {
    let av = with_lunch_break();
    let mut expected = hhmm_range((8, 30), (11, 0), 30);
    expected.extend(hhmm_range((12, 30), (15, 0), 30));
    assert_eq!(starts_with_busy(&av, "skive", SessionKind::Online, TUESDAY, &[]), expected);
    let across = check(&av, "skive", SessionKind::Online, at(TUESDAY, 11, 30), &[], november_20()).unwrap_err();
    assert_eq!(across.code(), ErrorCode::OutsideWorkingHours);
    assert!(across.to_string().contains("one of the working windows 08:30-12:00, 12:30-16:00"), "{across}");
    let off_grid = check(&av, "skive", SessionKind::Online, at(TUESDAY, 12, 45), &[], november_20()).unwrap_err();
    assert_eq!(off_grid.code(), ErrorCode::NotOnSlotGrid);
}

#[test]
fn she_may_drive_to_a_visit_through_her_lunch_break() {
    let av = with_lunch_break();
    let starts = starts_with_busy(&av, "horsens", SessionKind::Onsite, TUESDAY, &[]);
    assert!(starts.contains(&"12:30".to_string()), "{starts:?}");
    assert!(!starts.contains(&"11:00".to_string()), "a visit 11:00-12:30 would run into the break: {starts:?}");
}

/// Every start of `d` on a 5-minute grid: offered exactly when accepted.
fn offered_exactly_when_accepted(av: &Availability, d: Date) {
    let now = ts(date(2026, 3, 1), 8, 0);
    let list = slots(av, "skive", SessionKind::Online, d, d, &[], now).unwrap();
    let midnight = ts(d, 0, 0);
    for k in 0..(24 * 12) {
        let start = LocalTime::new(midnight + jiff::SignedDuration::from_mins(k * 5));
        let offered = list.iter().any(|s| s.start == start);
        let accepted = check(av, "skive", SessionKind::Online, start, &[], now).is_ok();
        assert_eq!(offered, accepted, "{start}: offered {offered}, accepted {accepted}");
    }
}

#[test]
fn windows_around_the_spring_gap_offer_exactly_what_is_accepted() {
    // Sunday 29 March 2026: 02:00-03:00 does not exist in Copenhagen.
    let sunday = date(2026, 3, 29);
    // (windows as hours and minutes, step, session minutes)
    type Case = (Vec<(i8, i8, i8, i8)>, u32, u32);
    let cases: [Case; 3] =
        [(vec![(0, 0, 2, 30)], 5, 15), (vec![(2, 30, 5, 0)], 45, 15), (vec![(1, 10, 2, 30), (3, 0, 5, 0)], 30, 30)];
    for (windows, step, minutes) in cases {
        let mut av = Availability::default();
        av.rules.slot_step_minutes = step;
        av.rules.online_minutes = minutes;
        av.rules.buffer_minutes = 0;
        let hours = windows.iter().map(|&(a, b, c, d)| WorkingHours::hm(a, b, c, d).unwrap()).collect();
        av.exceptions.push(DateException { date: sunday, hours: DayHours::new(hours), note: None });
        offered_exactly_when_accepted(&av, sunday);
    }
}

// ---------------------------------------------------------------------------
// Properties

const DAYS: [Date; 8] = [
    date(2026, 10, 21),
    date(2026, 10, 22),
    date(2026, 10, 23),
    date(2026, 10, 24),
    date(2026, 10, 25),
    date(2026, 10, 26),
    date(2026, 10, 27),
    date(2026, 10, 28),
];

fn all_codes() -> Vec<MunicipalityCode> {
    MunicipalityCode::all()
}

#[derive(Clone, Debug)]
struct Scenario {
    av: Availability,
    existing: Vec<Booking>,
    /// Busy times from her calendars.
    busy: Vec<BusyTime>,
    requester: MunicipalityCode,
    kind: SessionKind,
    now: Timestamp,
}

impl Scenario {
    /// The requester's slots over the scenario's days.
    fn query(&self) -> SlotQuery<'_> {
        SlotQuery {
            municipality: self.requester,
            busy: &self.busy,
            ..query(&self.av, "skive", self.kind, DAYS[0], DAYS[DAYS.len() - 1], &self.existing, self.now)
        }
    }
}

fn kind_of(onsite: bool) -> SessionKind {
    if onsite { SessionKind::Onsite } else { SessionKind::Online }
}

fn scenario() -> impl Strategy<Value = Scenario> {
    let one = (0usize..19, any::<bool>(), 0usize..DAYS.len(), 0i64..44, prop::bool::weighted(0.85));
    (
        prop::collection::vec(one, 0..14),
        0usize..19,
        any::<bool>(),
        0i64..120,
        prop::sample::select(vec![0u32, 15, 30]),
        prop::sample::select(vec![15u32, 30, 45]),
        1u32..=3,
        1u32..=4,
        // Busy times: day, start quarter from 07:00, length in quarters.
        prop::collection::vec((0usize..DAYS.len(), 0i64..44, 1i64..12), 0..4),
        // A lunch break on weekdays, and blocked hours on one day.
        any::<bool>(),
        prop::option::of((0usize..DAYS.len(), 0i64..28, 1i64..8)),
        // Fair access: the long-drive allowance and its threshold, a tour
        // day (weekday, area) and the days before it opens to everyone.
        (
            prop::sample::select(vec![0u32, 30, 60, 90]),
            prop::sample::select(vec![0u32, 75, 120]),
            prop::option::of((0usize..5, 0usize..TourArea::ALL.len())),
            prop::sample::select(vec![0u32, 14, 40]),
        ),
    )
        .prop_map(
            |(raw, requester, onsite, now_hours, buffer, step, max_onsite, cap, busy, lunch, blocked, fair)| {
                let mut av = Availability::default();
                let (extra, long, tour, open) = fair;
                av.rules.long_drive_extra_minutes = extra;
                av.rules.long_drive_minutes = long;
                av.rules.tour_open_days = open;
                if let Some((weekday, area)) = tour {
                    let days =
                        [Weekday::Monday, Weekday::Tuesday, Weekday::Wednesday, Weekday::Thursday, Weekday::Friday];
                    av.rules.tour_days.set(days[weekday], Some(TourArea::ALL[area]));
                }
                if lunch {
                    let day = DayHours::new(vec![
                        WorkingHours::hm(8, 30, 12, 0).unwrap(),
                        WorkingHours::hm(12, 30, 16, 0).unwrap(),
                    ]);
                    for weekday in [Weekday::Monday, Weekday::Wednesday, Weekday::Thursday] {
                        av.weekly.set(weekday, day.clone());
                    }
                }
                let quarter = |d: usize, q: i64| ts(DAYS[d], 7, 0) + jiff::SignedDuration::from_mins(q * 15);
                if let Some((d, q, len)) = blocked {
                    let start = quarter(d, q).to_zoned_datetime(crate::time::COPENHAGEN.clone()).time();
                    let end = quarter(d, q + len).to_zoned_datetime(crate::time::COPENHAGEN.clone()).time();
                    if let Ok(hours) = WorkingHours::new(start, end) {
                        av.blocked.push(BlockedHours { date: DAYS[d], hours, note: Some("Styregruppemøde".into()) });
                    }
                }
                let busy = busy
                    .into_iter()
                    .map(|(d, q, len)| BusyTime { start: quarter(d, q), end: quarter(d, q + len) })
                    .collect();
                av.rules.buffer_minutes = buffer;
                av.rules.slot_step_minutes = step;
                av.rules.max_onsite_per_day = max_onsite;
                av.rules.cap_per_municipality = cap;
                let codes = all_codes();
                let buffer_s = i64::from(buffer) * 60;
                let mut existing: Vec<Booking> = Vec::new();
                for (n, (m, onsite, day, quarter, confirmed)) in raw.into_iter().enumerate() {
                    let kind = kind_of(onsite);
                    let start = LocalTime::new(ts(DAYS[day], 7, 0) + jiff::SignedDuration::from_mins(quarter * 15));
                    let minutes = i64::from(av.rules.duration_minutes(kind));
                    let b = booking(n, codes[m], kind, start, minutes);
                    // Existing bookings never overlap each other (they were booked under the same rules).
                    let s = b.start.timestamp().as_second();
                    let e = b.end.timestamp().as_second();
                    let clash = existing.iter().any(|o| {
                        o.is_confirmed()
                            && o.start.timestamp().as_second() < e + buffer_s
                            && s < o.end.timestamp().as_second() + buffer_s
                    });
                    existing.push(if confirmed && !clash { b } else { cancelled(b) });
                }
                Scenario {
                    av,
                    existing,
                    busy,
                    requester: codes[requester],
                    kind: kind_of(onsite),
                    now: ts(date(2026, 10, 19), 8, 0) + jiff::SignedDuration::from_hours(now_hours),
                }
            },
        )
}

/// A brute-force, independent check that a day's confirmed sessions can be
/// driven: for every drive between consecutive stops (office, on-site visits
/// in time order, office) some departure minute exists at which the drive
/// touches no session nor its buffer, leaving no earlier than opening time
/// or the end of the previous visit plus the buffer, arriving by the next
/// visit or closing time.
fn day_is_drivable(
    sessions: &[(i64, i64, SessionKind, MunicipalityCode)],
    ws: i64,
    we: i64,
    av: &Availability,
) -> bool {
    let all = Municipalities::builtin();
    let rules = &av.rules.travel;
    let buffer = i64::from(av.rules.buffer_minutes) * 60;
    let hall = |c: MunicipalityCode| &all.get(c).town_hall;
    let minutes = |a: Option<MunicipalityCode>, b: Option<MunicipalityCode>| -> i64 {
        i64::from(match (a, b) {
            (None, None) => 0,
            (None, Some(b)) => travel_minutes(GeoPoint::AARHUS_CITY_HALL, hall(b), rules),
            (Some(a), None) => travel_home_minutes(hall(a), rules),
            (Some(a), Some(b)) if a == b => 0,
            (Some(a), Some(b)) => minutes_between(hall(a), hall(b), rules),
        }) * 60
    };
    let mut sorted = sessions.to_vec();
    sorted.sort_by_key(|s| s.0);
    let visits: Vec<_> = sorted.iter().filter(|s| s.2 == SessionKind::Onsite).collect();
    let mut stops: Vec<(Option<MunicipalityCode>, i64, i64)> = vec![(None, ws, ws)];
    stops.extend(visits.iter().map(|v| (Some(v.3), v.0, v.1)));
    stops.push((None, we, we));
    for pair in stops.windows(2) {
        let (from, _, from_end) = pair[0];
        let (to, to_start, _) = pair[1];
        let t = minutes(from, to);
        if t == 0 {
            continue;
        }
        // A long drive from or to the office may lie partly outside the hours.
        let extra = if t >= i64::from(av.rules.long_drive_minutes) * 60 {
            i64::from(av.rules.long_drive_extra_minutes) * 60
        } else {
            0
        };
        let lo = if from.is_none() { ws - extra } else { from_end + buffer };
        let hi = if to.is_none() { to_start + extra - t } else { to_start - t };
        let mut d = lo;
        let mut found = false;
        while d <= hi {
            if sorted.iter().all(|s| d >= s.1 + buffer || d + t <= s.0) {
                found = true;
                break;
            }
            d += 60;
        }
        if !found {
            return false;
        }
    }
    true
}

fn day_sessions(existing: &[Booking], d: Date) -> Vec<(i64, i64, SessionKind, MunicipalityCode)> {
    existing
        .iter()
        .filter(|b| b.is_confirmed() && b.start.date() == d)
        .map(|b| (b.start.timestamp().as_second(), b.end.timestamp().as_second(), b.kind, b.municipality))
        .collect()
}

fn window_of(av: &Availability, d: Date) -> Option<(i64, i64)> {
    match av.day_status(d) {
        DayStatus::Open { hours, .. } => Some((
            LocalTime::from_local(d.to_datetime(hours.opens())).timestamp().as_second(),
            LocalTime::from_local(d.to_datetime(hours.closes())).timestamp().as_second(),
        )),
        _ => None,
    }
}

use crate::schedule::{BlockedHours, DayHours, DayStatus, Rules, reserved_days};

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn offered_slots_never_overlap_a_confirmed_booking_or_its_buffer(sc in scenario()) {
        let Ok(list) = open_slots(sc.query()) else {
            return Ok(());
        };
        let buffer = jiff::SignedDuration::from_mins(i64::from(sc.av.rules.buffer_minutes));
        for s in &list {
            let lo = LocalTime::new(s.start.timestamp() - buffer);
            let hi = LocalTime::new(s.end.timestamp() + buffer);
            for b in sc.existing.iter().filter(|b| b.is_confirmed()) {
                prop_assert!(!b.overlaps(lo, hi), "{s:?} clashes with {b:?}");
            }
            prop_assert!(s.start.timestamp() >= sc.now + jiff::SignedDuration::from_hours(48));
            prop_assert_eq!(s.kind, sc.kind);
        }
    }

    #[test]
    fn a_booking_request_is_accepted_exactly_when_its_start_is_offered(sc in scenario(), odd_minute in 1i64..15) {
        let munis = Municipalities::builtin();
        let result = open_slots(sc.query());
        let list = match result {
            Ok(list) => list,
            Err(SlotsError::CapReached { cap, booked }) => {
                let r = check_booking(BookingCheck { availability: &sc.av, municipalities: &munis, municipality: sc.requester, kind: sc.kind, start: at(DAYS[3], 10, 0), existing: &sc.existing, busy: &sc.busy, now: sc.now });
                prop_assert_eq!(r, Err(RuleViolation::CapReached { cap, booked }));
                return Ok(());
            }
            Err(other) => return Err(TestCaseError::fail(format!("{other}"))),
        };
        for d in DAYS {
            let base = ts(d, 6, 0);
            for k in 0..(13 * 4) {
                for extra in [0, odd_minute] {
                    let start = LocalTime::new(base + jiff::SignedDuration::from_mins(k * 15 + extra));
                    let offered = list.iter().find(|s| s.start == start);
                    let checked = check_booking(BookingCheck { availability: &sc.av, municipalities: &munis, municipality: sc.requester, kind: sc.kind, start, existing: &sc.existing, busy: &sc.busy, now: sc.now });
                    match (offered, &checked) {
                        (Some(s), Ok(c)) => prop_assert_eq!(s, c),
                        (None, Err(_)) => {}
                        _ => prop_assert!(false, "{start}: offered {offered:?}, checked {checked:?}"),
                    }
                }
            }
        }
    }

    #[test]
    fn offered_slots_keep_clear_of_busy_times_blocked_hours_and_breaks(sc in scenario()) {
        let Ok(list) = open_slots(sc.query()) else {
            return Ok(());
        };
        let buffer = i64::from(sc.av.rules.buffer_minutes) * 60;
        let blocked = sc.av.blocked.iter().map(|b| BusyTime {
            start: ts(b.date, b.hours.start().hour(), b.hours.start().minute()),
            end: ts(b.date, b.hours.end().hour(), b.hours.end().minute()),
        });
        let busy: Vec<BusyTime> = sc.busy.iter().copied().chain(blocked).collect();
        for s in &list {
            let (lo, hi) = (s.start.timestamp().as_second() - buffer, s.end.timestamp().as_second() + buffer);
            for b in &busy {
                prop_assert!(!(b.start.as_second() < hi && lo < b.end.as_second()), "{s:?} overlaps busy {b:?}");
            }
            let DayStatus::Open { hours, .. } = sc.av.day_status(s.start.date()) else {
                return Err(TestCaseError::fail("a slot on a closed day"));
            };
            let (t0, t1) = (s.start.zoned().time(), s.end.zoned().time());
            prop_assert!(hours.windows().iter().any(|w| w.start() <= t0 && t1 <= w.end()), "{s:?} is not inside one of {hours}");
        }
    }

    #[test]
    fn every_offered_slot_keeps_the_day_drivable(sc in scenario()) {
        let Ok(list) = open_slots(sc.query()) else {
            return Ok(());
        };
        for s in &list {
            let d = s.start.date();
            let (ws, we) = window_of(&sc.av, d).expect("slots only on open days");
            let mut day = day_sessions(&sc.existing, d);
            let before = day_is_drivable(&day, ws, we, &sc.av);
            day.push((s.start.timestamp().as_second(), s.end.timestamp().as_second(), s.kind, sc.requester));
            prop_assert!(s.start.timestamp().as_second() >= ws && s.end.timestamp().as_second() <= we);
            if before {
                prop_assert!(day_is_drivable(&day, ws, we, &sc.av), "{s:?} breaks the route of {d}");
            }
            let onsite = day.iter().filter(|x| x.2 == SessionKind::Onsite).count() as u32;
            if s.kind == SessionKind::Onsite {
                prop_assert!(onsite <= sc.av.rules.max_onsite_per_day);
            }
        }
    }

    #[test]
    fn bookings_made_through_the_rules_always_leave_every_day_drivable(
        requests in prop::collection::vec((0usize..19, any::<bool>(), 0usize..DAYS.len(), 0i64..44), 1..40),
    ) {
        let mut av = Availability::default();
        av.rules.slot_step_minutes = 15;
        av.rules.cap_per_municipality = 100;
        let munis = Municipalities::builtin();
        let codes = all_codes();
        let now = ts(date(2026, 10, 12), 8, 0);
        let mut booked: Vec<Booking> = Vec::new();
        for (n, (m, onsite, day, quarter)) in requests.into_iter().enumerate() {
            let kind = kind_of(onsite);
            let start = LocalTime::new(ts(DAYS[day], 7, 0) + jiff::SignedDuration::from_mins(quarter * 15));
            if let Ok(slot) = check_booking(BookingCheck { availability: &av, municipalities: &munis, municipality: codes[m], kind, start, existing: &booked, busy: &[], now }) {
                let minutes = (slot.end.timestamp().as_second() - slot.start.timestamp().as_second()) / 60;
                booked.push(booking(n, codes[m], kind, slot.start, minutes));
                let (ws, we) = window_of(&av, DAYS[day]).unwrap();
                prop_assert!(day_is_drivable(&day_sessions(&booked, DAYS[day]), ws, we, &av));
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Speed (run with `cargo test --release -p dk2020-model -- --ignored eight_weeks --nocapture`)

#[test]
#[ignore = "timing; run in release"]
fn eight_weeks_for_one_municipality_with_150_bookings_is_fast() {
    let mut av = Availability::default();
    av.rules.cap_per_municipality = 100; // measure the whole search
    av.rules.max_onsite_per_day = 3;
    let munis = Municipalities::builtin();
    let codes = all_codes();
    let now = november_20();
    let mut existing = Vec::new();
    let mut d = date(2026, 11, 23);
    let mut n = 0;
    while existing.len() < 150 {
        if matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday) {
            d = d.tomorrow().unwrap();
            continue;
        }
        for (h, onsite) in [(9, false), (11, true), (13, false), (14, true)] {
            let kind = kind_of(onsite);
            let b = booking(n, codes[n % 19], kind, at(d, h, 0), 60);
            existing.push(if n % 5 == 0 { cancelled(b) } else { b });
            n += 1;
        }
        d = d.tomorrow().unwrap();
    }
    for kind in [SessionKind::Onsite, SessionKind::Online] {
        let query = SlotQuery {
            availability: &av,
            municipalities: &munis,
            municipality: code("viborg"),
            kind,
            from: date(2026, 11, 20),
            to: date(2027, 1, 15),
            existing: &existing,
            busy: &[],
            now,
        };
        let runs = 200;
        let started = std::time::Instant::now();
        let mut total = 0;
        for _ in 0..runs {
            total += open_slots(query).unwrap().len();
        }
        let per_call = started.elapsed() / runs;
        println!("{kind} over 8 weeks with 150 bookings: {per_call:?} per call ({} slots)", total / runs as usize);
    }
}
