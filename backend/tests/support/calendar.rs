//! The coordinator's calendar of the store tests: every day of the week
//! 07:00-18:00 on a 30-minute grid, room for 50 upcoming sessions a
//! municipality, `min_notice_hours` of notice, otherwise the default rules
//! (60-minute online sessions, 15 minutes' buffer, 56 days ahead). The stores
//! decide every booking change by the model's real rules with it.

use dk2020_model::schedule::{Availability, DayHours, WeeklyHours, WorkingHours};

pub fn test_calendar(min_notice_hours: u32) -> Availability {
    let day: Option<DayHours> = Some(WorkingHours::hm(7, 0, 18, 0).expect("valid hours").into());
    let mut availability = Availability {
        weekly: WeeklyHours {
            monday: day.clone(),
            tuesday: day.clone(),
            wednesday: day.clone(),
            thursday: day.clone(),
            friday: day.clone(),
            saturday: day.clone(),
            sunday: day,
        },
        ..Availability::default()
    };
    availability.rules.cap_per_municipality = 50;
    availability.rules.min_notice_hours = min_notice_hours;
    availability
}
