//! Europe/Copenhagen time. The zone's rules are embedded at compile time (only
//! this zone), so the widget needs no time-zone database.

use std::{fmt, str::FromStr};

use jiff::{
    Timestamp, ZonedDateTime,
    civil::{Date, DateTime},
    tz::TimeZone,
};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The one time zone of the product.
pub static COPENHAGEN: TimeZone = jiff::tz::get!("Europe/Copenhagen");

/// Local Copenhagen wall-clock time of an instant.
pub fn local(ts: Timestamp) -> ZonedDateTime {
    ts.to_zoned_datetime(COPENHAGEN.clone())
}

/// The instant of a Copenhagen wall-clock time. In the spring gap (02:00-03:00
/// on the last Sunday of March) the later offset is used; in the autumn overlap
/// the earlier one ("compatible" disambiguation, as RFC 5545 does).
pub fn at_local(dt: DateTime) -> Timestamp {
    COPENHAGEN
        .to_ambiguous_timestamp(dt)
        .compatible()
        .expect("local times of the product's years are within jiff's range")
}

/// An instant shown as Copenhagen local time with its offset, e.g.
/// `2026-12-01T09:00:00+01:00` (RFC 3339). Parses any RFC 3339 time with an
/// offset (`Z` included) and keeps the instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LocalTime(Timestamp);

impl LocalTime {
    pub fn new(ts: Timestamp) -> Self {
        Self(ts)
    }

    /// From a Copenhagen wall-clock time (see [`at_local`]).
    pub fn from_local(dt: DateTime) -> Self {
        Self(at_local(dt))
    }

    pub fn timestamp(self) -> Timestamp {
        self.0
    }

    pub fn zoned(self) -> ZonedDateTime {
        local(self.0)
    }

    /// The Copenhagen calendar date.
    pub fn date(self) -> Date {
        self.datetime().date()
    }

    /// The Copenhagen wall-clock time (as `zoned().datetime()`, without
    /// building a [`ZonedDateTime`]).
    pub fn datetime(self) -> DateTime {
        COPENHAGEN.to_offset(self.0).to_datetime(self.0)
    }
}

impl From<Timestamp> for LocalTime {
    fn from(ts: Timestamp) -> Self {
        Self(ts)
    }
}

/// `2026-12-01T09:00:00+01:00`: whole seconds, the Copenhagen offset (as
/// `strftime("%Y-%m-%dT%H:%M:%S%:z")` writes it, without its weight in the
/// widget's wasm).
impl fmt::Display for LocalTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        crate::rfc3339::write_offset_datetime(f, self.0, COPENHAGEN.to_offset(self.0))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a date and time with an offset, e.g. 2026-12-01T09:00:00+01:00")]
pub struct BadLocalTime(pub String);

/// The API's form (see [`crate::rfc3339::parse_timestamp`]); on native
/// targets also every other spelling of an instant jiff reads.
impl FromStr for LocalTime {
    type Err = BadLocalTime;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_instant(s.trim()).map(Self).map_err(|_| BadLocalTime(s.to_string()))
    }
}

/// The API's form by hand, then (native only: the widget leaves jiff's
/// parser out of its wasm) jiff's parser for everything else it accepts.
fn parse_instant(s: &str) -> Result<Timestamp, JiffOrRfc3339Error> {
    match crate::rfc3339::parse_timestamp(s) {
        Ok(ts) => Ok(ts),
        #[cfg(not(target_arch = "wasm32"))]
        Err(_) => s.parse::<Timestamp>().map_err(JiffOrRfc3339Error::Jiff),
        #[cfg(target_arch = "wasm32")]
        Err(e) => Err(JiffOrRfc3339Error::Rfc3339(e)),
    }
}

#[derive(Debug)]
enum JiffOrRfc3339Error {
    #[cfg(not(target_arch = "wasm32"))]
    Jiff(jiff::Error),
    #[cfg(target_arch = "wasm32")]
    Rfc3339(crate::rfc3339::Rfc3339Error),
}

impl fmt::Display for JiffOrRfc3339Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            #[cfg(not(target_arch = "wasm32"))]
            Self::Jiff(e) => fmt::Display::fmt(e, f),
            #[cfg(target_arch = "wasm32")]
            Self::Rfc3339(e) => fmt::Display::fmt(e, f),
        }
    }
}

/// `#[serde(deserialize_with)]` for a [`Timestamp`]: what jiff's own
/// `Deserialize` does (same accepted texts, same messages), with the API's
/// form read by hand first, and in the widget's wasm that form only.
pub fn deserialize_timestamp<'de, D: Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
    struct Visitor;

    impl serde::de::Visitor<'_> for Visitor {
        type Value = Timestamp;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a timestamp string")
        }

        fn visit_bytes<E: serde::de::Error>(self, value: &[u8]) -> Result<Timestamp, E> {
            match std::str::from_utf8(value) {
                Ok(s) => self.visit_str(s),
                #[cfg(not(target_arch = "wasm32"))]
                Err(_) => jiff::fmt::temporal::DateTimeParser::new().parse_timestamp(value).map_err(E::custom),
                #[cfg(target_arch = "wasm32")]
                Err(e) => Err(E::custom(e)),
            }
        }

        fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<Timestamp, E> {
            parse_instant(value).map_err(E::custom)
        }
    }

    d.deserialize_str(Visitor)
}

/// Written into a buffer on the stack and handed over whole: `collect_str`
/// would run serde_json's escaping once per formatted piece, which made this
/// the most expensive part of a slots answer.
impl Serialize for LocalTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut buf = StackStr::default();
        fmt::Write::write_fmt(&mut buf, format_args!("{self}")).map_err(serde::ser::Error::custom)?;
        s.serialize_str(buf.as_str())
    }
}

/// A short string on the stack (an RFC 3339 time is 25 bytes).
#[derive(Default)]
struct StackStr {
    bytes: [u8; 32],
    len: usize,
}

impl StackStr {
    fn as_str(&self) -> &str {
        // Only whole `&str`s are ever appended (`write_str`).
        std::str::from_utf8(&self.bytes[..self.len]).unwrap_or_default()
    }
}

impl fmt::Write for StackStr {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len + s.len();
        self.bytes.get_mut(self.len..end).ok_or(fmt::Error)?.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

impl<'de> Deserialize<'de> for LocalTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn nine_oclock_has_the_winter_offset_in_december_and_summer_offset_in_june() {
        let winter = LocalTime::from_local(date(2026, 12, 1).at(9, 0, 0, 0));
        assert_eq!(winter.to_string(), "2026-12-01T09:00:00+01:00");
        let summer = LocalTime::from_local(date(2026, 6, 2).at(9, 0, 0, 0));
        assert_eq!(summer.to_string(), "2026-06-02T09:00:00+02:00");
    }

    #[test]
    fn nine_oclock_stays_nine_oclock_across_both_summer_time_changes() {
        // Last Sundays of March and October 2026: the 29th and the 25th.
        for (d1, d2, before, after) in [
            (date(2026, 3, 27), date(2026, 3, 30), "+01:00", "+02:00"),
            (date(2026, 10, 23), date(2026, 10, 26), "+02:00", "+01:00"),
        ] {
            let a = LocalTime::from_local(d1.at(9, 0, 0, 0));
            let b = LocalTime::from_local(d2.at(9, 0, 0, 0));
            assert!(a.to_string().ends_with(&format!("T09:00:00{before}")), "{a}");
            assert!(b.to_string().ends_with(&format!("T09:00:00{after}")), "{b}");
            assert_eq!(a.datetime().time(), b.datetime().time());
        }
    }

    #[test]
    fn timestamps_deserialize_as_jiff_deserializes_them() {
        #[derive(Debug, serde::Deserialize)]
        struct At {
            #[serde(deserialize_with = "deserialize_timestamp")]
            at: Timestamp,
        }
        for text in [
            "2026-11-28T05:03:12.123456789Z",
            "2026-11-28T06:03:12+01:00",
            "2026-11-28T05:03:12Z[UTC]",
            "2026-11-28T05:03:12.5-00:00",
            "20261128T050312Z",
            "2026-11-28T05:03Z",
            "2026-11-28",
            "later",
        ] {
            let json = format!(r#"{{"at":{text:?}}}"#);
            let ours = serde_json::from_str::<At>(&json).map(|a| a.at).map_err(|e| e.to_string());
            let jiffs = serde_json::from_str::<Timestamp>(&format!("{text:?}")).map_err(|e| e.to_string());
            match (ours, jiffs) {
                (Ok(a), Ok(b)) => assert_eq!(a, b, "{text}"),
                (Err(a), Err(b)) => assert!(a.starts_with(b.split(" at line").next().unwrap()), "{a} / {b}"),
                (a, b) => panic!("{text}: {a:?} / {b:?}"),
            }
        }
        let err = serde_json::from_str::<At>(r#"{"at":5}"#).unwrap_err().to_string();
        assert!(err.contains("expected a timestamp string"), "{err}");
    }

    #[test]
    fn times_parse_from_any_offset_and_keep_the_instant() {
        let a: LocalTime = "2026-12-01T08:00:00Z".parse().unwrap();
        assert_eq!(a.to_string(), "2026-12-01T09:00:00+01:00");
        assert!("2026-12-01 09:00".parse::<LocalTime>().is_err());
        // Other spellings jiff reads are still read on native targets.
        let b: LocalTime = "2026-12-01T09:00:00+01:00[Europe/Copenhagen]".parse().unwrap();
        assert_eq!(b, a);
        let c: LocalTime = " 2026-12-01T08:00:00.000+00:00 ".parse().unwrap();
        assert_eq!(c, a);
        assert_eq!(
            "x".parse::<LocalTime>().unwrap_err().to_string(),
            "\"x\" is not a date and time with an offset, e.g. 2026-12-01T09:00:00+01:00"
        );
        assert!("tomorrow".parse::<LocalTime>().is_err());
        let json = serde_json::to_string(&a).unwrap();
        assert_eq!(json, "\"2026-12-01T09:00:00+01:00\"");
        assert_eq!(serde_json::from_str::<LocalTime>(&json).unwrap(), a);
    }
}
