//! The coordinator's agenda: her confirmed sessions day by day, with the
//! drives of each day.

use jiff::civil::Date;

use super::{TravelRules, day_route};
use crate::{api::AgendaDay, booking::Booking, municipality::Municipalities};

/// The days from `from` to `to` (Copenhagen dates, both included) that hold
/// a confirmed session of `bookings`, in date order, each with its sessions
/// in time order, the driving legs and the minutes behind the wheel. Days
/// without a session are left out.
pub fn agenda_days(
    from: Date,
    to: Date,
    bookings: &[Booking],
    municipalities: &Municipalities,
    travel: &TravelRules,
) -> Vec<AgendaDay> {
    let mut confirmed: Vec<&Booking> =
        bookings.iter().filter(|b| b.is_confirmed() && (from..=to).contains(&b.start.date())).collect();
    confirmed.sort_by_key(|b| b.start);
    let mut days: Vec<AgendaDay> = Vec::new();
    for booking in confirmed {
        let date = booking.start.date();
        match days.last_mut() {
            Some(day) if day.date == date => day.bookings.push(booking.clone()),
            _ => days.push(AgendaDay { date, bookings: vec![booking.clone()], legs: Vec::new(), driving_minutes: 0 }),
        }
    }
    for day in &mut days {
        day.legs = day_route(day.date, &day.bookings, municipalities, travel);
        day.driving_minutes = day.legs.iter().map(|l| l.minutes).sum();
    }
    days
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;
    use crate::{
        BookingId, BookingStatus, ContactName, Email, LocalTime, MunicipalityCode, SessionKind, Topic, actor::Actor,
    };

    fn booking(id: &str, municipality: u16, day: i8, hour: i8, kind: SessionKind) -> Booking {
        let start = LocalTime::from_local(date(2026, 12, day).at(hour, 0, 0, 0));
        Booking {
            id: BookingId::parse(id).unwrap(),
            municipality: MunicipalityCode::new(municipality).unwrap(),
            kind,
            start,
            end: LocalTime::new(start.timestamp() + jiff::SignedDuration::from_mins(90)),
            topic: Some(Topic::parse("Klimaplan").unwrap()),
            contact_name: Some(ContactName::parse("Ann").unwrap()),
            contact_email: Some(Email::parse("ann@skive.dk").unwrap()),
            status: BookingStatus::Confirmed,
            created_at: jiff::Timestamp::UNIX_EPOCH,
            changed_at: jiff::Timestamp::UNIX_EPOCH,
            sequence: 0,
            erased_at: None,
        }
    }

    #[test]
    fn the_agenda_lists_the_days_with_sessions_in_order_with_their_drives() {
        let mut cancelled = booking("gone", 779, 2, 9, SessionKind::Onsite);
        cancelled.status = BookingStatus::Cancelled { by: Actor::Coordinator, reason: None };
        let bookings = [
            booking("late", 779, 3, 13, SessionKind::Onsite),
            booking("online", 665, 3, 9, SessionKind::Online),
            booking("first", 727, 1, 10, SessionKind::Onsite),
            booking("outside", 779, 20, 10, SessionKind::Onsite),
            cancelled,
        ];
        let days = agenda_days(
            date(2026, 12, 1),
            date(2026, 12, 7),
            &bookings,
            &Municipalities::builtin(),
            &TravelRules::default(),
        );
        let shape: Vec<(i8, Vec<&str>)> =
            days.iter().map(|d| (d.date.day(), d.bookings.iter().map(|b| b.id.as_str()).collect())).collect();
        assert_eq!(shape, [(1, vec!["first"]), (3, vec!["online", "late"])]);
        // On-site days drive there and back; the minutes are the legs' sum.
        for day in &days {
            assert_eq!(day.legs.len(), 2, "{:?}", day.legs);
            assert_eq!(day.driving_minutes, day.legs.iter().map(|l| l.minutes).sum::<u32>());
            assert!(day.driving_minutes > 0);
        }
    }
}
