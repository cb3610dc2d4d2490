//! Driving time estimates: great-circle distance × road factor ÷ average
//! speed, rounded up to whole minutes, plus the ferry crossing of a town hall
//! on an island (Samsø: Hou-Sælvig). The coordinator starts and ends each day
//! at the office in Aarhus ([`GeoPoint::AARHUS_CITY_HALL`]).

use serde::{Deserialize, Serialize};

use crate::municipality::{GeoPoint, TownHall};

/// How driving time is estimated. JSON: `{"road_factor": 1.3, "speed_kmh": 70.0}`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct TravelRules {
    /// Road distance ÷ great-circle distance (roads are not straight), 1.0-3.0.
    #[cfg_attr(feature = "openapi", schemars(range(min = 1.0, max = 3.0)))]
    pub road_factor: f64,
    /// Average speed door to door, km/h, 10-130.
    #[cfg_attr(feature = "openapi", schemars(range(min = 10.0, max = 130.0)))]
    pub speed_kmh: f64,
}

impl Default for TravelRules {
    fn default() -> Self {
        Self { road_factor: 1.3, speed_kmh: 70.0 }
    }
}

impl TravelRules {
    pub const ROAD_FACTOR_RANGE: std::ops::RangeInclusive<f64> = 1.0..=3.0;
    pub const SPEED_KMH_RANGE: std::ops::RangeInclusive<f64> = 10.0..=130.0;

    /// Problems a person can act on; empty when the rules are usable.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if !Self::ROAD_FACTOR_RANGE.contains(&self.road_factor) {
            out.push(format!("The road factor must be between 1.0 and 3.0 (road_factor is {})", self.road_factor));
        }
        if !Self::SPEED_KMH_RANGE.contains(&self.speed_kmh) {
            out.push(format!(
                "The average driving speed must be between 10 and 130 km/h (speed_kmh is {})",
                self.speed_kmh
            ));
        }
        out
    }
}

/// Minutes of driving between two points, rounded up. Never panics: absurd
/// rules (speed 0) give `u32::MAX`, i.e. unreachable.
pub fn drive_minutes(from: GeoPoint, to: GeoPoint, rules: &TravelRules) -> u32 {
    let km = from.distance_km(to);
    let minutes = (km * rules.road_factor / rules.speed_kmh * 60.0).ceil();
    if minutes.is_nan() {
        // 0/0 (same point, speed 0) or nonsense coordinates.
        return if km == 0.0 { 0 } else { u32::MAX };
    }
    // `as` saturates: +inf -> u32::MAX, negatives -> 0.
    minutes as u32
}

/// Minutes from a point (usually the office) to a town hall, the town hall's
/// ferry included.
pub fn travel_minutes(from: GeoPoint, to: &TownHall, rules: &TravelRules) -> u32 {
    drive_minutes(from, to.location, rules).saturating_add(u32::from(to.ferry_minutes))
}

/// Minutes from a town hall back to the office in Aarhus, the town hall's
/// ferry included (the ferry counts both ways).
pub fn travel_home_minutes(from: &TownHall, rules: &TravelRules) -> u32 {
    drive_minutes(from.location, GeoPoint::AARHUS_CITY_HALL, rules).saturating_add(u32::from(from.ferry_minutes))
}

/// Minutes from one town hall to another: the drive plus the ferries of
/// both ends (leaving one island, reaching another). Zero for the same town
/// hall.
pub fn minutes_between(from: &TownHall, to: &TownHall, rules: &TravelRules) -> u32 {
    if from == to {
        return 0;
    }
    drive_minutes(from.location, to.location, rules)
        .saturating_add(u32::from(from.ferry_minutes))
        .saturating_add(u32::from(to.ferry_minutes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::municipality::Municipalities;

    fn hall(slug: &str) -> TownHall {
        Municipalities::builtin().by_slug(slug).unwrap().town_hall.clone()
    }

    #[test]
    fn the_aarhus_town_hall_is_no_drive_from_the_office() {
        let rules = TravelRules::default();
        assert_eq!(travel_minutes(GeoPoint::AARHUS_CITY_HALL, &hall("aarhus"), &rules), 0);
        assert_eq!(travel_home_minutes(&hall("aarhus"), &rules), 0);
    }

    #[test]
    fn driving_time_is_distance_times_road_factor_over_speed_rounded_up() {
        let rules = TravelRules::default();
        let lemvig = hall("lemvig");
        let km = GeoPoint::AARHUS_CITY_HALL.distance_km(lemvig.location);
        let expected = (km * 1.3 / 70.0 * 60.0).ceil() as u32;
        assert_eq!(travel_minutes(GeoPoint::AARHUS_CITY_HALL, &lemvig, &rules), expected);
        assert_eq!(travel_home_minutes(&lemvig, &rules), expected);
        // About two and a quarter hours.
        assert!((120..150).contains(&expected), "{expected}");
        // Slower driving takes longer.
        let slow = TravelRules { speed_kmh: 50.0, ..rules };
        assert!(travel_minutes(GeoPoint::AARHUS_CITY_HALL, &lemvig, &slow) > expected);
    }

    #[test]
    fn samsoe_costs_the_ferry_on_the_way_out_and_home() {
        let rules = TravelRules::default();
        let samsoe = hall("samsoe");
        let drive = drive_minutes(GeoPoint::AARHUS_CITY_HALL, samsoe.location, &rules);
        assert_eq!(travel_minutes(GeoPoint::AARHUS_CITY_HALL, &samsoe, &rules), drive + 60);
        assert_eq!(travel_home_minutes(&samsoe, &rules), drive + 60);
        let odder = hall("odder");
        let between = drive_minutes(odder.location, samsoe.location, &rules);
        assert_eq!(minutes_between(&odder, &samsoe, &rules), between + 60);
        assert_eq!(minutes_between(&samsoe, &odder, &rules), between + 60);
        assert_eq!(minutes_between(&samsoe, &samsoe, &rules), 0);
    }

    #[test]
    fn absurd_travel_rules_do_not_panic() {
        let lemvig = hall("lemvig");
        let stopped = TravelRules { road_factor: 1.3, speed_kmh: 0.0 };
        assert_eq!(travel_minutes(GeoPoint::AARHUS_CITY_HALL, &lemvig, &stopped), u32::MAX);
        assert_eq!(drive_minutes(lemvig.location, lemvig.location, &stopped), 0);
        let nan = TravelRules { road_factor: f64::NAN, speed_kmh: 70.0 };
        assert_eq!(drive_minutes(GeoPoint::AARHUS_CITY_HALL, lemvig.location, &nan), u32::MAX);
        assert!(!stopped.problems().is_empty());
        assert!(TravelRules::default().problems().is_empty());
    }
}
