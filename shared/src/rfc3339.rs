//! The API's fixed time formats, read and written by hand: an instant as
//! `2026-12-01T09:00:00+01:00` (RFC 3339, optional fraction, `Z` for UTC) and
//! a date as `2026-12-01`.
//!
//! jiff's general parsers and printers (ISO 8601/Temporal, strftime) and their
//! error messages are most of the widget's WebAssembly otherwise; these few
//! functions cover exactly what the API writes. For what they accept they give
//! the same values as jiff (the tests check this against jiff); on native
//! targets [`crate::LocalTime`] and the bookings' timestamps still fall back to
//! jiff's parser for the rarer spellings jiff also accepts, so the backend
//! reads everything it read before.

use std::fmt;

use jiff::{
    Timestamp,
    civil::{Date, DateTime, Time},
    tz::Offset,
};

/// Why a text is not one of the API's time formats; `at` is the byte where
/// reading stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{what} at byte {at}")]
pub struct Rfc3339Error {
    pub what: &'static str,
    pub at: usize,
}

fn fail<T>(what: &'static str, at: usize) -> Result<T, Rfc3339Error> {
    Err(Rfc3339Error { what, at })
}

/// A little cursor over the bytes of the text.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    /// Exactly `n` ASCII digits.
    fn digits(&mut self, n: usize, what: &'static str) -> Result<u32, Rfc3339Error> {
        let mut value = 0u32;
        for _ in 0..n {
            match self.peek() {
                Some(b @ b'0'..=b'9') => value = value * 10 + u32::from(b - b'0'),
                _ => return fail(what, self.at),
            }
            self.at += 1;
        }
        Ok(value)
    }

    fn byte(&mut self, expected: &[u8], what: &'static str) -> Result<u8, Rfc3339Error> {
        match self.peek() {
            Some(b) if expected.contains(&b) => {
                self.at += 1;
                Ok(b)
            }
            _ => fail(what, self.at),
        }
    }

    /// A number from `min` to `max` in exactly `n` digits.
    fn field(&mut self, n: usize, min: u32, max: u32, what: &'static str) -> Result<u32, Rfc3339Error> {
        let start = self.at;
        let value = self.digits(n, what)?;
        if value < min || value > max {
            return fail(what, start);
        }
        Ok(value)
    }

    /// `YYYY-MM-DD`, a real calendar day.
    fn date(&mut self) -> Result<Date, Rfc3339Error> {
        let start = self.at;
        let year = self.field(4, 0, 9999, "expected a four-digit year")?;
        self.byte(b"-", "expected `-` after the year")?;
        let month = self.field(2, 1, 12, "expected a month 01-12")?;
        self.byte(b"-", "expected `-` after the month")?;
        let day = self.field(2, 1, 31, "expected a day 01-31")?;
        // The ranges above fit the integer types; only the day of the month can still be wrong.
        Date::new(year as i16, month as i8, day as i8).or_else(|_| fail("no such day in that month", start + 8))
    }

    fn end(&self) -> Result<(), Rfc3339Error> {
        if self.at == self.bytes.len() { Ok(()) } else { fail("unexpected text after the end", self.at) }
    }
}

/// An instant in the API's format: `YYYY-MM-DDTHH:MM:SS`, an optional
/// fraction of up to nine digits, and `Z` or an offset `±HH:MM`. `t`, `z`
/// and a space instead of the `T` are accepted, as RFC 3339 allows; leap
/// seconds (`:60`) are not.
pub fn parse_timestamp(text: &str) -> Result<Timestamp, Rfc3339Error> {
    let mut r = Reader { bytes: text.as_bytes(), at: 0 };
    let date = r.date()?;
    r.byte(b"Tt ", "expected `T` between the date and the time")?;
    let hour = r.field(2, 0, 23, "expected an hour 00-23")?;
    r.byte(b":", "expected `:` after the hour")?;
    let minute = r.field(2, 0, 59, "expected minutes 00-59")?;
    r.byte(b":", "expected `:` after the minutes")?;
    let second = r.field(2, 0, 59, "expected seconds 00-59")?;
    let mut nanos = 0u32;
    if r.peek() == Some(b'.') {
        r.at += 1;
        let start = r.at;
        while let Some(b @ b'0'..=b'9') = r.peek() {
            if r.at - start == 9 {
                return fail("at most nine digits of a fraction of a second", r.at);
            }
            nanos = nanos * 10 + u32::from(b - b'0');
            r.at += 1;
        }
        let digits = r.at - start;
        if digits == 0 {
            return fail("expected digits after the decimal point", r.at);
        }
        nanos *= 10u32.pow((9 - digits) as u32);
    }
    let offset_at = r.at;
    let seconds = match r.byte(b"Zz+-", "expected `Z` or an offset such as `+01:00`")? {
        b'Z' | b'z' => 0,
        sign => {
            let hours = r.field(2, 0, 23, "expected offset hours 00-23")?;
            r.byte(b":", "expected `:` in the offset")?;
            let minutes = r.field(2, 0, 59, "expected offset minutes 00-59")?;
            let seconds = (hours * 3600 + minutes * 60) as i32;
            if sign == b'-' { -seconds } else { seconds }
        }
    };
    r.end()?;
    let time = Time::new(hour as i8, minute as i8, second as i8, nanos as i32)
        .or_else(|_| fail("expected a time of day", 11))?;
    let offset = Offset::from_seconds(seconds).or_else(|_| fail("offset out of range", offset_at))?;
    offset.to_timestamp(DateTime::from_parts(date, time)).or_else(|_| fail("instant out of range", 0))
}

/// A date in the API's format `YYYY-MM-DD`.
pub fn parse_date(text: &str) -> Result<Date, Rfc3339Error> {
    let mut r = Reader { bytes: text.as_bytes(), at: 0 };
    let date = r.date()?;
    r.end()?;
    Ok(date)
}

/// Writes `n` in decimal with at least `width` digits.
fn write_padded(out: &mut impl fmt::Write, n: u32, width: u32) -> fmt::Result {
    let digits = n.checked_ilog10().unwrap_or(0) + 1;
    for _ in digits..width {
        out.write_char('0')?;
    }
    let mut div = 10u32.pow(digits - 1);
    while div > 0 {
        out.write_char(char::from(b'0' + (n / div % 10) as u8))?;
        div /= 10;
    }
    Ok(())
}

/// A year as jiff writes it in dates and with `%Y`: four digits from 0000
/// to 9999, or `-` and (at least) three digits before year 0.
fn write_year(out: &mut impl fmt::Write, year: i16) -> fmt::Result {
    if year < 0 {
        out.write_char('-')?;
        write_padded(out, u32::from(year.unsigned_abs()), 3)
    } else {
        write_padded(out, u32::from(year.unsigned_abs()), 4)
    }
}

/// `YYYY-MM-DD` (jiff's `Display` of a date for the years 0 to 9999).
pub fn write_date(out: &mut impl fmt::Write, date: Date) -> fmt::Result {
    if date.year() < 0 {
        // jiff writes years before 0 with six digits here: `-000001-01-01`.
        out.write_char('-')?;
        write_padded(out, u32::from(date.year().unsigned_abs()), 6)?;
    } else {
        write_year(out, date.year())?;
    }
    out.write_char('-')?;
    write_padded(out, date.month() as u32, 2)?;
    out.write_char('-')?;
    write_padded(out, date.day() as u32, 2)
}

/// `YYYY-MM-DDTHH:MM:SS±HH:MM`: the wall-clock time at `offset`, whole
/// seconds, as jiff's `strftime("%Y-%m-%dT%H:%M:%S%:z")` writes it (seconds
/// of an offset, as in the 19th century's local mean time, are added as
/// `:SS`).
pub fn write_offset_datetime(out: &mut impl fmt::Write, ts: Timestamp, offset: Offset) -> fmt::Result {
    let dt = offset.to_datetime(ts);
    write_year(out, dt.year())?;
    for (sep, n) in [('-', dt.month()), ('-', dt.day()), ('T', dt.hour()), (':', dt.minute()), (':', dt.second())] {
        out.write_char(sep)?;
        write_padded(out, n as u32, 2)?;
    }
    let total = offset.seconds();
    out.write_char(if total < 0 { '-' } else { '+' })?;
    let total = total.unsigned_abs();
    write_padded(out, total / 3600, 2)?;
    out.write_char(':')?;
    write_padded(out, total / 60 % 60, 2)?;
    if !total.is_multiple_of(60) {
        out.write_char(':')?;
        write_padded(out, total % 60, 2)?;
    }
    Ok(())
}

/// `2026-12-01`.
pub fn date(date: Date) -> String {
    let mut out = String::with_capacity(10);
    let _ = write_date(&mut out, date);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::{civil, tz::TimeZone};
    use proptest::prelude::*;

    fn ts(s: &str) -> Timestamp {
        parse_timestamp(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn written(ts: Timestamp, offset: Offset) -> String {
        let mut out = String::new();
        write_offset_datetime(&mut out, ts, offset).unwrap();
        out
    }

    #[test]
    fn api_times_parse_in_winter_and_summer() {
        let winter = ts("2026-12-01T09:00:00+01:00");
        assert_eq!(winter, "2026-12-01T08:00:00Z".parse::<Timestamp>().unwrap());
        let summer = ts("2026-06-02T09:00:00+02:00");
        assert_eq!(summer, "2026-06-02T07:00:00Z".parse::<Timestamp>().unwrap());
        assert_eq!(ts("2026-12-01T08:00:00Z"), winter);
        assert_eq!(ts("2026-12-01t08:00:00z"), winter);
        assert_eq!(ts("2026-12-01 08:00:00Z"), winter);
        assert_eq!(ts("2026-12-01T03:30:00-04:30"), winter);
        assert_eq!(ts("2026-11-28T05:03:12.5Z").subsec_nanosecond(), 500_000_000);
        assert_eq!(ts("2026-11-28T05:03:12.123456789Z").subsec_nanosecond(), 123_456_789);
        assert_eq!(ts("2026-11-28T05:03:12.000001+00:00").subsec_nanosecond(), 1_000);
    }

    #[test]
    fn every_spelling_read_here_jiff_reads_alike() {
        for s in [
            "2026-12-01T08:00:00Z",
            "2026-12-01t08:00:00z",
            "2026-12-01 08:00:00Z",
            "2026-12-01T08:00:00-00:00",
            "2026-12-01T08:00:00+00:00",
            "2026-12-01T09:00:00.1+01:00",
            "0000-01-01T00:00:00+23:59",
            "9999-12-30T23:59:59.999999999+23:59",
            "2028-02-29T23:59:59Z",
        ] {
            assert_eq!(ts(s), s.parse::<Timestamp>().unwrap(), "{s}");
        }
        // Beyond jiff's range of instants: neither reads it.
        for s in ["9999-12-31T23:59:59-23:59", "0000-01-01T00:00:00Z"] {
            assert_eq!(parse_timestamp(s).ok(), s.parse::<Timestamp>().ok(), "{s}");
        }
    }

    #[test]
    fn malformed_times_are_refused_with_the_place_and_reason() {
        let err = |s: &str| parse_timestamp(s).unwrap_err();
        assert_eq!(err(""), Rfc3339Error { what: "expected a four-digit year", at: 0 });
        assert_eq!(err("tomorrow").at, 0);
        assert_eq!(err("2026-12-01 09:00").what, "expected `:` after the minutes");
        assert_eq!(err("2026-12-01T09:00:00").what, "expected `Z` or an offset such as `+01:00`");
        assert_eq!(err("2026-12-01T09:00:00+0100").what, "expected `:` in the offset");
        assert_eq!(err("2026-12-01T09:00:00+01:00[Europe/Copenhagen]").what, "unexpected text after the end");
        assert_eq!(err("2026-13-01T09:00:00Z").what, "expected a month 01-12");
        assert_eq!(err("2026-02-29T09:00:00Z"), Rfc3339Error { what: "no such day in that month", at: 8 });
        assert_eq!(err("2026-12-01T24:00:00Z").what, "expected an hour 00-23");
        assert_eq!(err("2026-12-31T23:59:60Z").what, "expected seconds 00-59");
        assert_eq!(err("2026-12-01T09:00:00.Z").what, "expected digits after the decimal point");
        assert_eq!(err("2026-12-01T09:00:00.1234567891Z").what, "at most nine digits of a fraction of a second");
        assert_eq!(err("2026-12-01T09:00:00+24:00").what, "expected offset hours 00-23");
        assert_eq!(err("+2026-12-01T09:00:00Z").at, 0);
        assert_eq!(err("2026-12-01T09:00:00Z ").at, 20);
        assert_eq!(err("2026-12-01T09:00:00+01").to_string(), "expected `:` in the offset at byte 22");
    }

    #[test]
    fn dates_parse_and_write() {
        assert_eq!(parse_date("2026-12-01").unwrap(), civil::date(2026, 12, 1));
        assert_eq!(parse_date("2028-02-29").unwrap(), civil::date(2028, 2, 29));
        assert!(parse_date("2026-02-29").is_err());
        assert!(parse_date("2026-12-1").is_err());
        assert!(parse_date("2026-12-01T").is_err());
        assert_eq!(date(civil::date(2026, 3, 9)), "2026-03-09");
        for year in -9999..=9999 {
            let d = civil::date(year, 1, 2);
            assert_eq!(date(d), d.to_string());
        }
    }

    #[test]
    fn copenhagen_times_are_written_with_the_offset_of_their_date() {
        let tz = jiff::tz::get!("Europe/Copenhagen");
        for (s, expected) in [
            ("2026-03-29T00:59:59Z", "2026-03-29T01:59:59+01:00"),
            ("2026-03-29T01:00:00Z", "2026-03-29T03:00:00+02:00"),
            ("2026-10-25T00:59:59Z", "2026-10-25T02:59:59+02:00"),
            ("2026-10-25T01:00:00Z", "2026-10-25T02:00:00+01:00"),
        ] {
            let t = ts(s);
            assert_eq!(written(t, tz.to_offset(t)), expected);
            assert_eq!(ts(expected), t, "{expected}");
        }
        // Local mean time before 1894: an offset with seconds, written as
        // jiff writes it, and (not being the API's form) not read back.
        let t = ts("1880-01-01T00:00:00Z");
        assert_eq!(written(t, tz.to_offset(t)), "1880-01-01T00:53:28+00:53:28");
        assert!(parse_timestamp("1880-01-01T00:53:28+00:53:28").is_err());
    }

    proptest! {
        #[test]
        fn writing_matches_jiffs_strftime(
            secs in Timestamp::MIN.as_second()..=Timestamp::MAX.as_second(),
            nanos in 0..1_000_000_000i32,
            offset in -93_599..=93_599i32,
        ) {
            let t = Timestamp::new(secs, if secs == Timestamp::MIN.as_second() { 0 } else { nanos }).unwrap();
            let offset = Offset::from_seconds(offset).unwrap();
            let expected = t.to_zoned_datetime(TimeZone::fixed(offset)).strftime("%Y-%m-%dT%H:%M:%S%:z").to_string();
            prop_assert_eq!(written(t, offset), expected);
        }

        #[test]
        fn reading_agrees_with_jiff_and_round_trips(
            secs in -62_135_596_800i64..=253_402_207_200i64,
            nanos in 0..1_000_000_000i32,
            minutes in -(23 * 60 + 59)..=(23 * 60 + 59i32),
            digits in 0..=9usize,
        ) {
            let t = Timestamp::new(secs, nanos).unwrap();
            let offset = Offset::from_seconds(minutes * 60).unwrap();
            let dt = offset.to_datetime(t);
            if !(0..=9999).contains(&dt.year()) {
                return Ok(());
            }
            let mut text = written(t, offset);
            if digits > 0 {
                let fraction = format!(".{:09}", dt.subsec_nanosecond());
                text.insert_str(19, &fraction[..=digits]);
            }
            let jiff: Timestamp = text.parse().unwrap();
            prop_assert_eq!(parse_timestamp(&text).unwrap(), jiff);
            if digits == 9 {
                prop_assert_eq!(jiff, t);
            }
        }

        #[test]
        fn whatever_is_read_jiff_reads_the_same(text in "[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,9})?([Zz]|[+-][0-9]{2}:[0-9]{2})") {
            if let Ok(ours) = parse_timestamp(&text) {
                prop_assert_eq!(Ok(ours), text.parse::<Timestamp>().map_err(|e| e.to_string()));
            }
        }
    }
}
