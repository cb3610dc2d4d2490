//! Weeks for the slot picker and the agenda: Monday to Sunday, Danish ISO
//! week numbers, and today's date from the browser.

use dk2020_model::format;
use jiff::{
    Span,
    civil::{Date, Weekday},
};

/// `days` days later (earlier when negative); `date` itself beyond jiff's
/// range. (`ToSpan::days` would panic there, and its panic message brings
/// jiff's error texts into the wasm.)
fn plus_days(date: Date, days: i64) -> Date {
    Span::new().try_days(days).ok().and_then(|span| date.checked_add(span).ok()).unwrap_or(date)
}

/// The Monday of the week `date` lies in.
pub fn monday_of(date: Date) -> Date {
    let back = i64::from(date.weekday().to_monday_zero_offset());
    plus_days(date, -back)
}

/// The same weekday `weeks` weeks later (or earlier when negative).
pub fn add_weeks(monday: Date, weeks: i64) -> Date {
    plus_days(monday, weeks * 7)
}

pub fn sunday_of(monday: Date) -> Date {
    plus_days(monday, 6)
}

/// `Uge 49 · 30. november – 6. december 2026`
pub fn label(monday: Date) -> String {
    let sunday = sunday_of(monday);
    let week = monday.iso_week_date().week();
    let first = if monday.year() == sunday.year() {
        if monday.month() == sunday.month() {
            format!("{}.", monday.day())
        } else {
            format!("{}. {}", monday.day(), format::month_name(monday.month()))
        }
    } else {
        format::date(monday)
    };
    format!("Uge {week} · {first} – {}", format::date(sunday))
}

/// `tirsdag 1. december`
pub fn day_heading(date: Date) -> String {
    format!("{} {}. {}", format::weekday_name(date.weekday()), date.day(), format::month_name(date.month()))
}

/// The weekdays Monday to Sunday of the week starting `monday`.
pub fn days(monday: Date) -> impl Iterator<Item = Date> {
    (0..7).map(move |i: i64| plus_days(monday, i))
}

/// Today in the browser's clock (the Copenhagen date for Danish users).
pub fn today() -> Date {
    let now = js_sys::Date::new_0();
    Date::new(now.get_full_year() as i16, (now.get_month() + 1) as i8, now.get_date() as i8)
        .unwrap_or(jiff::civil::date(2026, 1, 1))
}

pub fn is_weekend(date: Date) -> bool {
    matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday)
}

/// `1 t 35 min`, `45 min`, `2 t`
/// `2 t 19 min` (the model's `format::duration`).
pub use dk2020_model::format::duration;

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn weeks_run_monday_to_sunday_with_iso_numbers() {
        assert_eq!(monday_of(date(2026, 12, 3)), date(2026, 11, 30));
        assert_eq!(monday_of(date(2026, 11, 30)), date(2026, 11, 30));
        assert_eq!(monday_of(date(2026, 12, 6)), date(2026, 11, 30));
        assert_eq!(label(date(2026, 11, 30)), "Uge 49 · 30. november – 6. december 2026");
        assert_eq!(label(date(2026, 12, 7)), "Uge 50 · 7. – 13. december 2026");
        assert_eq!(label(date(2026, 12, 28)), "Uge 53 · 28. december 2026 – 3. januar 2027");
        assert_eq!(add_weeks(date(2026, 11, 30), -1), date(2026, 11, 23));
        assert_eq!(days(date(2026, 11, 30)).count(), 7);
        assert_eq!(day_heading(date(2026, 12, 1)), "tirsdag 1. december");
    }
}
