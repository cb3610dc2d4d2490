//! Europe/Copenhagen time. The zone's rules are embedded at compile time (only
//! this zone), so the widget needs no time-zone database.

use std::{fmt, str::FromStr};

use jiff::{
    Timestamp, Zoned,
    civil::{Date, DateTime},
    tz::TimeZone,
};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The one time zone of the product.
pub static COPENHAGEN: TimeZone = jiff::tz::get!("Europe/Copenhagen");

/// Local Copenhagen wall-clock time of an instant.
pub fn local(ts: Timestamp) -> Zoned {
    ts.to_zoned(COPENHAGEN.clone())
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

    pub fn zoned(self) -> Zoned {
        local(self.0)
    }

    /// The Copenhagen calendar date.
    pub fn date(self) -> Date {
        self.zoned().date()
    }

    pub fn datetime(self) -> DateTime {
        self.zoned().datetime()
    }
}

impl From<Timestamp> for LocalTime {
    fn from(ts: Timestamp) -> Self {
        Self(ts)
    }
}

impl fmt::Display for LocalTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let z = self.zoned();
        write!(f, "{}", z.strftime("%Y-%m-%dT%H:%M:%S%:z"))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a date and time with an offset, e.g. 2026-12-01T09:00:00+01:00")]
pub struct BadLocalTime(pub String);

impl FromStr for LocalTime {
    type Err = BadLocalTime;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.trim().parse::<Timestamp>().map(Self).map_err(|_| BadLocalTime(s.to_string()))
    }
}

impl Serialize for LocalTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
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
    fn times_parse_from_any_offset_and_keep_the_instant() {
        let a: LocalTime = "2026-12-01T08:00:00Z".parse().unwrap();
        assert_eq!(a.to_string(), "2026-12-01T09:00:00+01:00");
        assert!("2026-12-01 09:00".parse::<LocalTime>().is_err());
        assert!("tomorrow".parse::<LocalTime>().is_err());
        let json = serde_json::to_string(&a).unwrap();
        assert_eq!(json, "\"2026-12-01T09:00:00+01:00\"");
        assert_eq!(serde_json::from_str::<LocalTime>(&json).unwrap(), a);
    }
}
