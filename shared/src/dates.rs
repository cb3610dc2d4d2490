//! The dates the service works with and the `?from=&to=` ranges the API's
//! list endpoints take (open slots, bookings, the coordinator's agenda):
//! parsed and checked once, here, so the three endpoints cannot drift.

use jiff::{ToSpan, civil::Date};

/// The first date the service works with (date parameters, council
/// decisions, population figures): dates outside
/// [`FIRST_DATE`]..=[`LAST_DATE`] are refused with a clear message rather
/// than computed with (year 1 or 9999 has no sessions, and its local
/// midnight may not even be an instant jiff can represent).
pub const FIRST_DATE: Date = jiff::civil::date(2000, 1, 1);
/// The last date the service works with; see [`FIRST_DATE`].
pub const LAST_DATE: Date = jiff::civil::date(2099, 12, 31);
/// The longest date range answered in one go, in days (from and to included).
pub const MAX_RANGE_DAYS: i32 = 92;

/// Why a date or a date range was refused; the message names the parameter.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error("{name} {value:?} is not a date like 2026-12-01")]
    NotADate { name: &'static str, value: String },
    #[error("{name} {date} is outside the dates this service handles: use a date from {FIRST_DATE} to {LAST_DATE}")]
    OutOfBounds { name: &'static str, date: Date },
    #[error("the date range ends ({to}) before it starts ({from})")]
    Reversed { from: Date, to: Date },
    #[error("the date range {from} to {to} spans {days} days; ask for at most {max} days at a time")]
    TooLong { from: Date, to: Date, days: i32, max: i32 },
}

/// `date` if it is within [`FIRST_DATE`]..=[`LAST_DATE`]; `name` says
/// which field it is, for the message.
pub fn check_date(name: &'static str, date: Date) -> Result<Date, DateError> {
    if (FIRST_DATE..=LAST_DATE).contains(&date) { Ok(date) } else { Err(DateError::OutOfBounds { name, date }) }
}

/// A date written `YYYY-MM-DD` (surrounding white space allowed), within
/// the bounds of [`check_date`].
pub fn parse_date(name: &'static str, value: &str) -> Result<Date, DateError> {
    let date = value.trim().parse::<Date>().map_err(|_| DateError::NotADate { name, value: value.to_string() })?;
    check_date(name, date)
}

/// `?from=&to=` as the caller gave them: each may be left out; each given
/// one is a date within the service's bounds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DateBounds {
    pub from: Option<Date>,
    pub to: Option<Date>,
}

impl DateBounds {
    /// Reads both ends; an empty value counts as not given.
    pub fn parse(from: Option<&str>, to: Option<&str>) -> Result<Self, DateError> {
        let read =
            |name, value: Option<&str>| value.filter(|v| !v.trim().is_empty()).map(|v| parse_date(name, v)).transpose();
        Ok(Self { from: read("from", from)?, to: read("to", to)? })
    }

    /// A whole range: `from` defaults to `today`, `to` to the last day of
    /// `default_days` days from `from`.
    pub fn or_default(self, today: Date, default_days: i32) -> Result<DateRange, DateError> {
        let from = self.from.unwrap_or(today);
        let to = match self.to {
            Some(to) => to,
            // Within the bounds `from` is far from jiff's last date, so this cannot fail.
            None => from.saturating_add(default_days.saturating_sub(1).max(0).days()),
        };
        DateRange::new(from, to)
    }
}

/// A date range with both ends, from no later than to, at most
/// [`MAX_RANGE_DAYS`] days, within the service's dates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DateRange {
    from: Date,
    to: Date,
}

impl DateRange {
    pub fn new(from: Date, to: Date) -> Result<Self, DateError> {
        let (from, to) = (check_date("from", from)?, check_date("to", to)?);
        if to < from {
            return Err(DateError::Reversed { from, to });
        }
        let days = from.until(to).map(|s| s.get_days()).unwrap_or(i32::MAX).saturating_add(1);
        if days > MAX_RANGE_DAYS {
            return Err(DateError::TooLong { from, to, days, max: MAX_RANGE_DAYS });
        }
        Ok(Self { from, to })
    }

    pub fn from(self) -> Date {
        self.from
    }

    /// The last day, included.
    pub fn to(self) -> Date {
        self.to
    }

    /// Every day of the range, in order.
    pub fn days(self) -> impl Iterator<Item = Date> {
        let to = self.to;
        self.from.series(1.day()).take_while(move |d| *d <= to)
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    #[test]
    fn dates_outside_2000_to_2099_are_refused_naming_the_parameter() {
        assert_eq!(parse_date("from", " 2026-12-01 "), Ok(date(2026, 12, 1)));
        assert_eq!(parse_date("from", "2000-01-01"), Ok(FIRST_DATE));
        assert_eq!(parse_date("to", "2099-12-31"), Ok(LAST_DATE));
        let err = parse_date("to", "2100-01-01").unwrap_err();
        assert_eq!(err, DateError::OutOfBounds { name: "to", date: date(2100, 1, 1) });
        assert!(err.to_string().starts_with("to 2100-01-01 is outside the dates"), "{err}");
        assert!(matches!(parse_date("from", "1999-12-31"), Err(DateError::OutOfBounds { name: "from", .. })));
        let err = parse_date("from", "1.12.2026").unwrap_err();
        assert_eq!(err.to_string(), "from \"1.12.2026\" is not a date like 2026-12-01");
    }

    #[test]
    fn a_range_defaults_from_today_and_counts_both_ends() {
        let today = date(2026, 12, 1);
        let r = DateBounds::default().or_default(today, 28).unwrap();
        assert_eq!((r.from(), r.to()), (today, date(2026, 12, 28)));
        assert_eq!(r.days().count(), 28);
        let given = DateBounds::parse(Some("2026-12-10"), Some("")).unwrap();
        assert_eq!(given, DateBounds { from: Some(date(2026, 12, 10)), to: None });
        assert_eq!(given.or_default(today, 7).unwrap().to(), date(2026, 12, 16));
        let one = DateRange::new(today, today).unwrap();
        assert_eq!(one.days().collect::<Vec<_>>(), [today]);
    }

    #[test]
    fn reversed_and_too_long_ranges_are_refused() {
        let from = date(2026, 12, 1);
        assert_eq!(DateRange::new(from, date(2026, 11, 30)), Err(DateError::Reversed { from, to: date(2026, 11, 30) }));
        let last = from.checked_add((MAX_RANGE_DAYS - 1).days()).unwrap();
        assert_eq!(DateRange::new(from, last).unwrap().days().count(), MAX_RANGE_DAYS as usize);
        let too_far = last.tomorrow().unwrap();
        assert!(matches!(DateRange::new(from, too_far), Err(DateError::TooLong { days: 93, max: 92, .. })));
        // The default never escapes the bounds check either.
        assert!(DateBounds { from: Some(LAST_DATE), to: None }.or_default(from, 28).is_err());
    }
}
