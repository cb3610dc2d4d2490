//! Danish public holidays ("helligdage") for any year, and the three days the
//! coordinator's office is closed by custom (configurable).
//!
//! Statutory holidays: Nytårsdag (1 January), Skærtorsdag, Langfredag,
//! Påskedag, 2. påskedag, Store bededag (the fourth Friday after Easter; a
//! holiday up to and including 2023, abolished from 2024), Kristi
//! himmelfartsdag, Pinsedag, 2. pinsedag, Juledag and 2. juledag. Easter comes
//! from the Anonymous Gregorian algorithm (Meeus/Jones/Butcher).
//!
//! Closed by custom, each on by default ([`ClosedDays`]): Juleaftensdag
//! (24 December), Grundlovsdag (5 June) and Nytårsaftensdag (31 December).

use jiff::{
    Span,
    civil::{Date, Weekday},
};
use serde::{Deserialize, Serialize};

/// Which of the customary (non-statutory) closing days the office keeps.
/// JSON: `{"christmas_eve": true, "constitution_day": true, "new_years_eve": true}`;
/// a missing field is `true`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct ClosedDays {
    /// Juleaftensdag, 24 December.
    pub christmas_eve: bool,
    /// Grundlovsdag, 5 June.
    pub constitution_day: bool,
    /// Nytårsaftensdag, 31 December.
    pub new_years_eve: bool,
}

impl ClosedDays {
    /// Only the statutory holidays close the office.
    pub const NONE: ClosedDays = ClosedDays { christmas_eve: false, constitution_day: false, new_years_eve: false };
    /// All three customary days are closed (the default).
    pub const ALL: ClosedDays = ClosedDays { christmas_eve: true, constitution_day: true, new_years_eve: true };
}

impl Default for ClosedDays {
    fn default() -> Self {
        Self::ALL
    }
}

/// The last year in which Store bededag was a public holiday (abolished by
/// law from 2024).
pub const LAST_STORE_BEDEDAG_YEAR: i16 = 2023;

/// Easter Sunday of `year` (Gregorian calendar, Anonymous Gregorian
/// algorithm). `None` only for years outside jiff's range (-9999..=9999).
pub fn easter_sunday(year: i16) -> Option<Date> {
    let y = i32::from(year);
    let a = y.rem_euclid(19);
    let b = y.div_euclid(100);
    let c = y.rem_euclid(100);
    let d = b.div_euclid(4);
    let e = b.rem_euclid(4);
    let f = (b + 8).div_euclid(25);
    let g = (b - f + 1).div_euclid(3);
    let h = (19 * a + b - d - g + 15).rem_euclid(30);
    let i = c.div_euclid(4);
    let k = c.rem_euclid(4);
    let l = (32 + 2 * e + 2 * i - h - k).rem_euclid(7);
    let m = (a + 11 * h + 22 * l).div_euclid(451);
    let n = h + l - 7 * m + 114;
    let month = i8::try_from(n.div_euclid(31)).ok()?;
    let day = i8::try_from(n.rem_euclid(31) + 1).ok()?;
    Date::new(year, month, day).ok()
}

fn plus_days(d: Date, days: i64) -> Option<Date> {
    d.checked_add(Span::new().try_days(days).ok()?).ok()
}

/// The public holidays and closed days of `year` with their Danish names,
/// in date order. Empty for years outside jiff's range.
pub fn holidays(year: i16, closed: &ClosedDays) -> Vec<(Date, &'static str)> {
    let mut out = Vec::with_capacity(14);
    let Some(easter) = easter_sunday(year) else {
        return out;
    };
    let fixed = |month: i8, day: i8| Date::new(year, month, day).ok();
    let mut push = |d: Option<Date>, name: &'static str| {
        if let Some(d) = d {
            out.push((d, name));
        }
    };
    push(fixed(1, 1), "Nytårsdag");
    push(plus_days(easter, -3), "Skærtorsdag");
    push(plus_days(easter, -2), "Langfredag");
    push(Some(easter), "Påskedag");
    push(plus_days(easter, 1), "2. påskedag");
    if year <= LAST_STORE_BEDEDAG_YEAR {
        push(plus_days(easter, 26), "Store bededag");
    }
    push(plus_days(easter, 39), "Kristi himmelfartsdag");
    push(plus_days(easter, 49), "Pinsedag");
    push(plus_days(easter, 50), "2. pinsedag");
    if closed.constitution_day {
        push(fixed(6, 5), "Grundlovsdag");
    }
    if closed.christmas_eve {
        push(fixed(12, 24), "Juleaftensdag");
    }
    push(fixed(12, 25), "Juledag");
    push(fixed(12, 26), "2. juledag");
    if closed.new_years_eve {
        push(fixed(12, 31), "Nytårsaftensdag");
    }
    // Whitsun can fall after 5 June (as late as 14 June): keep date order.
    out.sort_by_key(|&(d, _)| d);
    out
}

/// The Danish name of the holiday or closed day `date` is, if any.
pub fn is_closed_day(date: Date, closed: &ClosedDays) -> Option<&'static str> {
    let (month, day) = (date.month(), date.day());
    match (month, day) {
        (1, 1) => return Some("Nytårsdag"),
        (12, 25) => return Some("Juledag"),
        (12, 26) => return Some("2. juledag"),
        (12, 24) if closed.christmas_eve => return Some("Juleaftensdag"),
        (12, 31) if closed.new_years_eve => return Some("Nytårsaftensdag"),
        (6, 5) if closed.constitution_day => return Some("Grundlovsdag"),
        _ => {}
    }
    // Easter-based holidays fall between 19 March and 14 June.
    if !(3..=6).contains(&month) {
        return None;
    }
    // Thursdays, Fridays, Sundays and Mondays only.
    if matches!(date.weekday(), Weekday::Tuesday | Weekday::Wednesday | Weekday::Saturday) {
        return None;
    }
    let easter = easter_sunday(date.year())?;
    let offset = easter.until(date).ok()?.get_days();
    match offset {
        -3 => Some("Skærtorsdag"),
        -2 => Some("Langfredag"),
        0 => Some("Påskedag"),
        1 => Some("2. påskedag"),
        26 if date.year() <= LAST_STORE_BEDEDAG_YEAR => Some("Store bededag"),
        39 => Some("Kristi himmelfartsdag"),
        49 => Some("Pinsedag"),
        50 => Some("2. pinsedag"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn easter_falls_on_the_dates_in_the_almanac() {
        for (year, month, day) in [
            (2020, 4, 12),
            (2021, 4, 4),
            (2023, 4, 9),
            (2024, 3, 31),
            (2025, 4, 20),
            (2026, 4, 5),
            (2027, 3, 28),
            (2038, 4, 25),
            (2285, 3, 22),
            (1943, 4, 25),
        ] {
            assert_eq!(easter_sunday(year), Some(date(year, month, day)), "{year}");
        }
    }

    #[test]
    fn the_holidays_of_2026_carry_their_danish_names() {
        let list = holidays(2026, &ClosedDays::default());
        let expected = [
            (date(2026, 1, 1), "Nytårsdag"),
            (date(2026, 4, 2), "Skærtorsdag"),
            (date(2026, 4, 3), "Langfredag"),
            (date(2026, 4, 5), "Påskedag"),
            (date(2026, 4, 6), "2. påskedag"),
            (date(2026, 5, 14), "Kristi himmelfartsdag"),
            (date(2026, 5, 24), "Pinsedag"),
            (date(2026, 5, 25), "2. pinsedag"),
            (date(2026, 6, 5), "Grundlovsdag"),
            (date(2026, 12, 24), "Juleaftensdag"),
            (date(2026, 12, 25), "Juledag"),
            (date(2026, 12, 26), "2. juledag"),
            (date(2026, 12, 31), "Nytårsaftensdag"),
        ];
        assert_eq!(list, expected);
        for (d, name) in expected {
            assert_eq!(is_closed_day(d, &ClosedDays::default()), Some(name), "{d}");
        }
    }

    #[test]
    fn store_bededag_is_a_holiday_until_2023_and_a_working_day_from_2024() {
        let all = ClosedDays::default();
        assert_eq!(is_closed_day(date(2023, 5, 5), &all), Some("Store bededag"));
        assert!(holidays(2023, &all).contains(&(date(2023, 5, 5), "Store bededag")));
        assert_eq!(is_closed_day(date(2020, 5, 8), &all), Some("Store bededag"));
        assert_eq!(is_closed_day(date(2024, 4, 26), &all), None);
        assert_eq!(is_closed_day(date(2025, 5, 16), &all), None);
        assert!(holidays(2024, &all).iter().all(|&(_, n)| n != "Store bededag"));
    }

    #[test]
    fn customary_closing_days_follow_the_settings() {
        let none = ClosedDays::NONE;
        let all = ClosedDays::ALL;
        for d in [date(2026, 12, 24), date(2026, 6, 5), date(2026, 12, 31)] {
            assert!(is_closed_day(d, &all).is_some(), "{d}");
            assert_eq!(is_closed_day(d, &none), None, "{d}");
        }
        assert_eq!(holidays(2026, &none).len(), 10);
        let only_eve = ClosedDays { christmas_eve: true, ..ClosedDays::NONE };
        assert_eq!(is_closed_day(date(2026, 12, 24), &only_eve), Some("Juleaftensdag"));
        assert_eq!(is_closed_day(date(2026, 12, 31), &only_eve), None);
    }

    #[test]
    fn a_missing_closed_day_setting_means_closed() {
        let c: ClosedDays = serde_json::from_str(r#"{"christmas_eve": false}"#).unwrap();
        assert_eq!(c, ClosedDays { christmas_eve: false, ..ClosedDays::ALL });
    }

    #[test]
    fn ordinary_days_are_not_holidays() {
        let all = ClosedDays::default();
        for d in [date(2026, 12, 1), date(2026, 4, 7), date(2026, 3, 30), date(2026, 6, 4)] {
            assert_eq!(is_closed_day(d, &all), None, "{d}");
        }
    }

    #[test]
    fn holidays_agree_with_the_day_check_for_every_day_of_many_years() {
        let all = ClosedDays::default();
        for year in [1990i16, 2020, 2023, 2024, 2027, 2030, 2100] {
            let list = holidays(year, &all);
            let mut d = date(year, 1, 1);
            while d.year() == year {
                let listed = list.iter().find(|&&(h, _)| h == d).map(|&(_, n)| n);
                assert_eq!(is_closed_day(d, &all), listed, "{d}");
                d = d.tomorrow().unwrap();
            }
        }
    }

    #[test]
    fn extreme_years_do_not_panic() {
        for year in [i16::MIN, -9999, -1, 0, 1, 1582, 9999, 10000, i16::MAX] {
            let list = holidays(year, &ClosedDays::default());
            if (-9999..=9999).contains(&year) {
                assert!(list.len() >= 10, "{year}");
            } else {
                assert!(list.is_empty());
            }
        }
        assert_eq!(is_closed_day(Date::MAX, &ClosedDays::default()), Some("Nytårsaftensdag"));
        assert_eq!(is_closed_day(Date::MIN, &ClosedDays::default()), Some("Nytårsdag"));
    }
}
