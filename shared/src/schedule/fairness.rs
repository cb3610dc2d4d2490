//! Fair access for the distant municipalities: tour days and long-drive
//! days. Both are settings in [`super::Rules`]; `cargo xtask simulate`
//! (see [`crate::simulation`]) measured why they are the defaults.
//!
//! - **Tour days**: a weekday may be kept for one area of the region. Its
//!   on-site visits are offered only to that area's municipalities until
//!   `tour_open_days` before the day; from then on to everyone. Online
//!   sessions are not affected.
//! - **Long-drive days**: a drive from the office of at least
//!   `long_drive_minutes` may set off up to `long_drive_extra_minutes`
//!   before the day's first opening, and such a drive home may end as much
//!   after the last closing, so Lemvig fits into a short Friday. Sessions
//!   themselves stay within the working windows; the longest day is the
//!   working day plus twice the extra minutes.

use jiff::{
    Span,
    civil::{Date, Weekday},
};
use serde::{Deserialize, Serialize};

use super::{DayStatus, SlotQuery};
use crate::{booking::SessionKind, municipality::MunicipalityCode, time::COPENHAGEN};

/// An area of the region a tour day can be kept for. The grouping is data:
/// [`TourArea::members`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum TourArea {
    /// Herning, Holstebro, Ikast-Brande, Lemvig, Ringkøbing-Skjern, Struer.
    Vestjylland,
    /// Skive and Viborg.
    SkiveViborg,
    /// Norddjurs and Syddjurs.
    Djursland,
    /// Samsø (the ferry from Hou).
    Samsoe,
}

impl TourArea {
    pub const ALL: [TourArea; 4] =
        [TourArea::Vestjylland, TourArea::SkiveViborg, TourArea::Djursland, TourArea::Samsoe];

    /// The municipalities of the area, by code.
    pub fn members(self) -> &'static [u16] {
        match self {
            TourArea::Vestjylland => &[657, 661, 756, 665, 760, 671],
            TourArea::SkiveViborg => &[779, 791],
            TourArea::Djursland => &[707, 706],
            TourArea::Samsoe => &[741],
        }
    }

    pub fn contains(self, municipality: MunicipalityCode) -> bool {
        self.members().contains(&municipality.get())
    }

    /// The area's Danish name, as in "Onsdag er en turdag for Vestjylland".
    pub fn label_da(self) -> &'static str {
        match self {
            TourArea::Vestjylland => "Vestjylland",
            TourArea::SkiveViborg => "Skive og Viborg",
            TourArea::Djursland => "Djursland",
            TourArea::Samsoe => "Samsø",
        }
    }

    /// The JSON name, e.g. `vestjylland`.
    pub fn as_str(self) -> &'static str {
        match self {
            TourArea::Vestjylland => "vestjylland",
            TourArea::SkiveViborg => "skive_viborg",
            TourArea::Djursland => "djursland",
            TourArea::Samsoe => "samsoe",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

/// The tour day of each weekday, if any. JSON: `{"wednesday": "vestjylland"}`
/// (weekdays without a tour may be left out or `null`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct TourDays {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub monday: Option<TourArea>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tuesday: Option<TourArea>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wednesday: Option<TourArea>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thursday: Option<TourArea>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub friday: Option<TourArea>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub saturday: Option<TourArea>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sunday: Option<TourArea>,
}

impl TourDays {
    pub fn get(&self, day: Weekday) -> Option<TourArea> {
        *self.slot(day)
    }

    pub fn set(&mut self, day: Weekday, area: Option<TourArea>) {
        *self.slot_mut(day) = area;
    }

    fn slot(&self, day: Weekday) -> &Option<TourArea> {
        match day {
            Weekday::Monday => &self.monday,
            Weekday::Tuesday => &self.tuesday,
            Weekday::Wednesday => &self.wednesday,
            Weekday::Thursday => &self.thursday,
            Weekday::Friday => &self.friday,
            Weekday::Saturday => &self.saturday,
            Weekday::Sunday => &self.sunday,
        }
    }

    fn slot_mut(&mut self, day: Weekday) -> &mut Option<TourArea> {
        match day {
            Weekday::Monday => &mut self.monday,
            Weekday::Tuesday => &mut self.tuesday,
            Weekday::Wednesday => &mut self.wednesday,
            Weekday::Thursday => &mut self.thursday,
            Weekday::Friday => &mut self.friday,
            Weekday::Saturday => &mut self.saturday,
            Weekday::Sunday => &mut self.sunday,
        }
    }
}

/// A date of a slot query whose on-site visits are kept for another area:
/// what the widget explains ("Onsdag er en turdag for Vestjylland").
/// JSON: `{"date": "2027-01-13", "area": "vestjylland", "opens": "2026-12-30"}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct ReservedDay {
    #[cfg_attr(feature = "openapi", schemars(schema_with = "crate::openapi::civil_date"))]
    pub date: Date,
    pub area: TourArea,
    /// From this date everyone may book its visits.
    #[cfg_attr(feature = "openapi", schemars(schema_with = "crate::openapi::civil_date"))]
    pub opens: Date,
}

/// The working days of `query`'s range (within the horizon) that are tour
/// days of another area and not yet open to everyone: exactly the days on
/// which [`super::check_booking`] answers `ReservedForTour`. Empty for
/// online sessions and for the area's own municipalities.
pub fn reserved_days(query: &SlotQuery<'_>) -> Vec<ReservedDay> {
    let rules = &query.availability.rules;
    if query.kind != SessionKind::Onsite {
        return Vec::new();
    }
    let today = COPENHAGEN.to_datetime(query.now).date();
    let after = |days: u32| today.checked_add(Span::new().days(days)).unwrap_or(Date::MAX);
    let (open_until, last) = (after(rules.tour_open_days), after(rules.horizon_days));
    let mut out = Vec::new();
    let mut date = query.from.max(today);
    while date <= query.to.min(last) {
        if let Some(area) = rules.tour_days.get(date.weekday())
            && !area.contains(query.municipality)
            && date > open_until
            && matches!(query.availability.day_status(date), DayStatus::Open { .. })
        {
            let opens = date.checked_sub(Span::new().days(rules.tour_open_days)).unwrap_or(date);
            out.push(ReservedDay { date, area, opens });
        }
        match date.tomorrow() {
            Ok(next) => date = next,
            Err(_) => break,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_municipality_is_in_at_most_one_tour_area() {
        for code in MunicipalityCode::all() {
            let areas = TourArea::ALL.iter().filter(|a| a.contains(code)).count();
            assert!(areas <= 1, "{code:?} is in {areas} areas");
        }
        for area in TourArea::ALL {
            assert_eq!(TourArea::parse(area.as_str()), Some(area));
            for &code in area.members() {
                assert!(MunicipalityCode::new(code).is_ok(), "{code}");
            }
        }
    }

    #[test]
    fn tour_days_read_as_weekday_names() {
        let days: TourDays = serde_json::from_str(r#"{"wednesday": "vestjylland", "friday": null}"#).unwrap();
        assert_eq!(days.get(Weekday::Wednesday), Some(TourArea::Vestjylland));
        assert_eq!(days.get(Weekday::Friday), None);
        assert_eq!(serde_json::to_string(&days).unwrap(), r#"{"wednesday":"vestjylland"}"#);
        assert!(serde_json::from_str::<TourDays>(r#"{"wednesday": "fyn"}"#).is_err());
    }
}
