use jiff::{SignedDuration, civil::date};

use super::*;
use crate::{
    booking::{BookingId, ContactName, Email, Topic},
    time::LocalTime,
};

fn code(n: u16) -> MunicipalityCode {
    MunicipalityCode::new(n).unwrap()
}

fn booking(id: &str, municipality: u16, kind: SessionKind, day: i8, hour: i8, minutes: i64) -> Booking {
    let start = LocalTime::from_local(date(2026, 12, day).at(hour, 0, 0, 0));
    Booking {
        id: BookingId::parse(id).unwrap(),
        municipality: code(municipality),
        kind,
        start,
        end: LocalTime::new(start.timestamp() + SignedDuration::from_mins(minutes)),
        topic: Some(Topic::parse("Klimaplan").unwrap()),
        contact_name: Some(ContactName::parse("Anne Jensen").unwrap()),
        contact_email: Some(Email::parse("anne@example.dk").unwrap()),
        status: BookingStatus::Confirmed,
        created_at: Timestamp::UNIX_EPOCH,
        changed_at: Timestamp::UNIX_EPOCH,
        sequence: 0,
        erased_at: None,
    }
}

fn cancelled(mut b: Booking, by: Actor) -> Booking {
    b.status = BookingStatus::Cancelled { by, reason: None };
    b
}

const LEMVIG: u16 = 665;
const AARHUS: u16 = 751;
const SKIVE: u16 = 779;

#[test]
fn sessions_held_hours_driving_and_cancellations_are_counted_per_municipality_and_part() {
    let munis = Municipalities::builtin();
    let bookings = [
        booking("lemvig-visit", LEMVIG, SessionKind::Onsite, 1, 11, 90),
        booking("aarhus-online", AARHUS, SessionKind::Online, 2, 9, 60),
        booking("skive-later", SKIVE, SessionKind::Online, 20, 9, 60),
        cancelled(
            booking("skive-off", SKIVE, SessionKind::Onsite, 3, 10, 90),
            Actor::Municipality { municipality: code(SKIVE) },
        ),
        cancelled(booking("aarhus-off", AARHUS, SessionKind::Online, 3, 13, 60), Actor::Coordinator),
    ];
    let now = LocalTime::from_local(date(2026, 12, 10).at(12, 0, 0, 0)).timestamp();
    let report = visits_report(
        &bookings,
        &munis,
        &TravelRules::default(),
        Key::PerCapita,
        (date(2026, 12, 1), date(2026, 12, 31)),
        now,
    );
    let row = |c: u16| report.municipalities.iter().find(|r| r.municipality == code(c)).unwrap();
    let lemvig = row(LEMVIG);
    assert_eq!((lemvig.onsite, lemvig.online, lemvig.onsite_minutes), (1, 0, 90));
    assert!(lemvig.driving_minutes > 4 * 60, "there and back, over two hours each way: {}", lemvig.driving_minutes);
    assert_eq!(lemvig.part, RegionPart::West);
    assert_eq!((row(AARHUS).online, row(AARHUS).driving_minutes), (1, 0), "online: no drive");
    assert_eq!(row(SKIVE).online, 0, "the session of the 20th has not been held yet");
    assert_eq!((row(SKIVE).cancelled_by_municipality, row(SKIVE).cancelled_by_coordinator), (1, 0));
    assert_eq!((row(AARHUS).cancelled_by_municipality, row(AARHUS).cancelled_by_coordinator), (0, 1));
    assert_eq!((lemvig.share_percent, row(AARHUS).share_percent), (50.0, 50.0));
    let fair: f64 = report.municipalities.iter().map(|r| r.fair_share_percent).sum();
    assert!((fair - 100.0).abs() < 0.01, "{fair}");
    assert!(row(AARHUS).fair_share_percent > 25.0, "Aarhus has a quarter of the region's inhabitants");
    let west = report.parts.iter().find(|p| p.part == RegionPart::West).unwrap();
    assert_eq!((west.sessions, west.share_percent), (1, 50.0));
    assert_eq!(report.municipalities.iter().filter(|r| r.part == RegionPart::West).count(), 8);
}

#[test]
fn an_equal_key_gives_every_municipality_the_same_fair_share() {
    let report = visits_report(
        &[],
        &Municipalities::builtin(),
        &TravelRules::default(),
        "hybrid:100".parse().unwrap(),
        (date(2026, 12, 1), date(2026, 12, 31)),
        Timestamp::UNIX_EPOCH,
    );
    for r in &report.municipalities {
        assert!((r.fair_share_percent - 100.0 / 19.0).abs() < 0.01, "{r:?}");
        assert_eq!(r.share_percent, 0.0, "no sessions, no share");
    }
}
