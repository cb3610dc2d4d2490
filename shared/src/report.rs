//! The visits report for the coordinator and the steering group: per
//! municipality and period the sessions held (on site, online), hours on
//! site, the driving they cost, the cancellations and by whom, grouped west
//! and east, next to the municipality's fair share by a chosen key.
//! `GET /api/reports/visits` serves it as JSON, CSV and XLSX.

use jiff::{Timestamp, civil::Date};
use serde::{Deserialize, Serialize};

use crate::{
    actor::Actor,
    allocation::{Key, allocate},
    booking::{Booking, BookingStatus, SessionKind},
    municipality::{Municipalities, MunicipalityCode},
    schedule::{Stop, TravelRules, day_route},
};

/// A part of the region, as its two business regions divide it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum RegionPart {
    /// Business Region MidtVest: Herning, Holstebro, Ikast-Brande, Lemvig,
    /// Ringkøbing-Skjern, Skive, Struer, Viborg.
    West,
    /// Business Region Aarhus: the other eleven.
    East,
}

impl RegionPart {
    pub fn label_da(self) -> &'static str {
        match self {
            RegionPart::West => "Vest",
            RegionPart::East => "Øst",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            RegionPart::West => "West",
            RegionPart::East => "East",
        }
    }
}

/// The western municipalities (Business Region MidtVest) by code: the
/// grouping is data, kept here in one place.
pub const WEST: [u16; 8] = [657, 661, 756, 665, 760, 779, 671, 791];

pub fn part_of(code: MunicipalityCode) -> RegionPart {
    if WEST.contains(&code.get()) { RegionPart::West } else { RegionPart::East }
}

/// One municipality's line of the report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct VisitRow {
    pub municipality: MunicipalityCode,
    pub name: String,
    pub part: RegionPart,
    /// Sessions held (confirmed and ended by "now"), on site and online.
    pub onsite: u32,
    pub online: u32,
    /// Minutes of on-site sessions held.
    pub onsite_minutes: u32,
    /// Minutes the coordinator drove for its visits: to each visit, and home
    /// (or on) after the last one of the day.
    pub driving_minutes: u32,
    pub cancelled_by_municipality: u32,
    pub cancelled_by_coordinator: u32,
    /// Its share of all sessions held in the period, in percent.
    pub share_percent: f64,
    /// Its share by the chosen key, in percent.
    pub fair_share_percent: f64,
}

/// The sums of one part of the region.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct PartTotal {
    pub part: RegionPart,
    pub sessions: u32,
    pub onsite_minutes: u32,
    pub driving_minutes: u32,
    pub share_percent: f64,
    pub fair_share_percent: f64,
}

/// `GET /api/reports/visits`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct VisitsReport {
    #[cfg_attr(feature = "openapi", schemars(schema_with = "crate::openapi::civil_date"))]
    pub from: Date,
    #[cfg_attr(feature = "openapi", schemars(schema_with = "crate::openapi::civil_date"))]
    pub to: Date,
    /// The key the fair shares follow: `per-capita`, `equal` or `hybrid:25`.
    pub key: String,
    /// All 19, ordered by code.
    pub municipalities: Vec<VisitRow>,
    pub parts: Vec<PartTotal>,
}

/// The report of the sessions starting from `from` to `to` (Copenhagen
/// dates, both included): held ones are those confirmed and ended by `now`.
pub fn visits_report(
    bookings: &[Booking],
    municipalities: &Municipalities,
    travel: &TravelRules,
    key: Key,
    (from, to): (Date, Date),
    now: Timestamp,
) -> VisitsReport {
    let in_period: Vec<&Booking> = bookings.iter().filter(|b| (from..=to).contains(&b.start.date())).collect();
    let held: Vec<Booking> =
        in_period.iter().filter(|b| b.is_confirmed() && b.end.timestamp() <= now).map(|b| (*b).clone()).collect();
    let participants: Vec<(MunicipalityCode, u32)> =
        municipalities.iter().map(|m| (m.code, m.population.inhabitants)).collect();
    // The key's shares of a million points: the model's own rounding, read as percent.
    let points = allocate(1_000_000, &participants, key).unwrap_or_default();
    let fair =
        |code: MunicipalityCode| points.iter().find(|s| s.code == code).map_or(0.0, |s| s.amount as f64 / 10_000.0);
    let mut driving: Vec<(MunicipalityCode, u32)> = Vec::new();
    let mut dates: Vec<Date> = held.iter().filter(|b| b.kind == SessionKind::Onsite).map(|b| b.start.date()).collect();
    dates.dedup();
    for date in dates {
        for leg in day_route(date, &held, municipalities, travel) {
            let visited = match (&leg.to, &leg.from) {
                (Stop::Visit { municipality, .. }, _) | (Stop::Office, Stop::Visit { municipality, .. }) => {
                    *municipality
                }
                (Stop::Office, Stop::Office) => continue,
            };
            driving.push((visited, leg.minutes));
        }
    }
    let total_held = u32::try_from(held.len()).unwrap_or(u32::MAX);
    let percent = |n: u32| if total_held == 0 { 0.0 } else { f64::from(n) * 100.0 / f64::from(total_held) };
    let count = |f: &dyn Fn(&Booking) -> bool| u32::try_from(held.iter().filter(|b| f(b)).count()).unwrap_or(u32::MAX);
    let cancelled = |code: MunicipalityCode, by_municipality: bool| {
        let n = in_period
            .iter()
            .filter(|b| b.municipality == code)
            .filter(|b| match &b.status {
                BookingStatus::Cancelled { by, .. } => matches!(by, Actor::Municipality { .. }) == by_municipality,
                BookingStatus::Confirmed => false,
            })
            .count();
        u32::try_from(n).unwrap_or(u32::MAX)
    };
    let rows: Vec<VisitRow> = municipalities
        .iter()
        .map(|m| {
            let code = m.code;
            let onsite = count(&|b| b.municipality == code && b.kind == SessionKind::Onsite);
            let online = count(&|b| b.municipality == code && b.kind == SessionKind::Online);
            let onsite_minutes =
                held.iter().filter(|b| b.municipality == code && b.kind == SessionKind::Onsite).map(minutes).sum();
            VisitRow {
                municipality: code,
                name: m.name.clone(),
                part: part_of(code),
                onsite,
                online,
                onsite_minutes,
                driving_minutes: driving.iter().filter(|(c, _)| *c == code).map(|(_, m)| m).sum(),
                cancelled_by_municipality: cancelled(code, true),
                cancelled_by_coordinator: cancelled(code, false),
                share_percent: percent(onsite + online),
                fair_share_percent: fair(code),
            }
        })
        .collect();
    let parts = [RegionPart::West, RegionPart::East]
        .into_iter()
        .map(|part| {
            let of = || rows.iter().filter(move |r| r.part == part);
            let sessions = of().map(|r| r.onsite + r.online).sum();
            PartTotal {
                part,
                sessions,
                onsite_minutes: of().map(|r| r.onsite_minutes).sum(),
                driving_minutes: of().map(|r| r.driving_minutes).sum(),
                share_percent: percent(sessions),
                fair_share_percent: of().map(|r| r.fair_share_percent).sum(),
            }
        })
        .collect();
    VisitsReport { from, to, key: key.to_string(), municipalities: rows, parts }
}

fn minutes(b: &Booking) -> u32 {
    u32::try_from(b.end.timestamp().duration_since(b.start.timestamp()).as_mins()).unwrap_or(0)
}

#[cfg(test)]
mod tests;
