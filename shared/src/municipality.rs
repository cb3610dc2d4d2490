//! The 19 municipalities of Region Midtjylland: codes, names, populations and
//! town-hall locations. The built-in table comes from `data/municipalities.csv`.

use std::{fmt, str::FromStr};

use jiff::civil::{Date, date};
use serde::{Deserialize, Serialize};

/// One row of the built-in table, generated at compile time by `build.rs`.
#[derive(Debug)]
struct BuiltinMunicipality {
    code: u16,
    slug: &'static str,
    name: &'static str,
    population: u32,
    town_hall: &'static str,
    lat: f64,
    lon: f64,
    ferry_minutes: u16,
}

const BUILTIN: &[BuiltinMunicipality] = include!(concat!(env!("OUT_DIR"), "/municipalities.rs"));

/// The date the built-in populations refer to. KD-Net's 2020 papers use
/// Statistics Denmark's counts of 1 January 2018 (FOLK1A, 2018Q1: the region
/// 1,313,596).
pub const BUILTIN_POPULATION_DATE: Date = date(2018, 1, 1);

/// The date earlier versions stored the built-in figures under (wrongly):
/// such a stored figure that equals the built-in one is the built-in one.
const MISLABELLED_BUILTIN_DATE: Date = date(2020, 1, 1);

/// The official code of one of the region's 19 municipalities. Only codes of
/// the built-in table can be constructed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u16", into = "u16")]
pub struct MunicipalityCode(u16);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not the code or slug of a municipality in Region Midtjylland")]
pub struct UnknownMunicipality(pub String);

impl MunicipalityCode {
    pub fn new(code: u16) -> Result<Self, UnknownMunicipality> {
        if BUILTIN.iter().any(|m| m.code == code) { Ok(Self(code)) } else { Err(UnknownMunicipality(code.to_string())) }
    }

    pub fn get(self) -> u16 {
        self.0
    }

    /// All 19 codes in ascending order.
    pub fn all() -> Vec<Self> {
        let mut codes: Vec<Self> = BUILTIN.iter().map(|m| Self(m.code)).collect();
        codes.sort();
        codes
    }

    fn builtin(self) -> &'static BuiltinMunicipality {
        BUILTIN.iter().find(|m| m.code == self.0).expect("a MunicipalityCode is always in the built-in table")
    }

    /// The built-in slug, e.g. `ringkoebing-skjern`.
    pub fn slug(self) -> &'static str {
        self.builtin().slug
    }

    /// The built-in name, e.g. `Ringkøbing-Skjern`.
    pub fn name(self) -> &'static str {
        self.builtin().name
    }
}

impl TryFrom<u16> for MunicipalityCode {
    type Error = UnknownMunicipality;
    fn try_from(code: u16) -> Result<Self, Self::Error> {
        Self::new(code)
    }
}

impl From<MunicipalityCode> for u16 {
    fn from(code: MunicipalityCode) -> u16 {
        code.0
    }
}

impl fmt::Display for MunicipalityCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Accepts the numeric code (`779`) or the slug (`skive`).
impl FromStr for MunicipalityCode {
    type Err = UnknownMunicipality;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if let Ok(code) = s.parse::<u16>() {
            return Self::new(code).map_err(|_| UnknownMunicipality(s.to_string()));
        }
        BUILTIN
            .iter()
            .find(|m| m.slug.eq_ignore_ascii_case(s))
            .map(|m| Self(m.code))
            .ok_or_else(|| UnknownMunicipality(s.to_string()))
    }
}

/// A WGS84 position.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct GeoPoint {
    pub lat: f64,
    pub lon: f64,
}

impl GeoPoint {
    /// The coordinator's base: Aarhus City Hall.
    pub const AARHUS_CITY_HALL: GeoPoint = GeoPoint { lat: 56.1529, lon: 10.2039 };

    /// Great-circle distance in kilometres (haversine, mean Earth radius).
    pub fn distance_km(self, other: GeoPoint) -> f64 {
        const EARTH_RADIUS_KM: f64 = 6371.0088;
        let (lat1, lat2) = (self.lat.to_radians(), other.lat.to_radians());
        let dlat = lat2 - lat1;
        let dlon = (other.lon - self.lon).to_radians();
        let a = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
        2.0 * EARTH_RADIUS_KM * a.sqrt().asin()
    }
}

/// Where on-site sessions take place.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TownHall {
    /// The town the town hall stands in, e.g. `Tranebjerg`.
    pub town: String,
    pub location: GeoPoint,
    /// Extra crossing time to get there (Samsø: the Hou-Sælvig ferry).
    pub ferry_minutes: u16,
}

/// Inhabitants and the date the figure refers to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Population {
    pub inhabitants: u32,
    pub as_of: Date,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Municipality {
    pub code: MunicipalityCode,
    pub slug: String,
    pub name: String,
    pub population: Population,
    pub town_hall: TownHall,
}

/// The region's municipalities, ordered by code. Populations may differ from
/// the built-in ones once the secretariat has entered newer figures.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Municipalities(Vec<Municipality>);

impl Municipalities {
    /// The 19 with the populations of KD-Net's 2020 papers (1 January 2018).
    pub fn builtin() -> Self {
        let mut list: Vec<Municipality> = BUILTIN
            .iter()
            .map(|m| Municipality {
                code: MunicipalityCode(m.code),
                slug: m.slug.to_string(),
                name: m.name.to_string(),
                population: Population { inhabitants: m.population, as_of: BUILTIN_POPULATION_DATE },
                town_hall: TownHall {
                    town: m.town_hall.to_string(),
                    location: GeoPoint { lat: m.lat, lon: m.lon },
                    ferry_minutes: m.ferry_minutes,
                },
            })
            .collect();
        list.sort_by_key(|m| m.code);
        Self(list)
    }

    /// The built-in list with some populations replaced.
    /// A stored seed of an earlier version (the built-in figure, dated
    /// 1 January 2020) reads as the built-in figure with its true date.
    pub fn with_populations(mut self, updates: impl IntoIterator<Item = (MunicipalityCode, Population)>) -> Self {
        for (code, population) in updates {
            if let Some(m) = self.0.iter_mut().find(|m| m.code == code) {
                let old_seed =
                    population.as_of == MISLABELLED_BUILTIN_DATE && population.inhabitants == m.population.inhabitants;
                if !old_seed {
                    m.population = population;
                }
            }
        }
        self
    }

    pub fn get(&self, code: MunicipalityCode) -> &Municipality {
        self.0.iter().find(|m| m.code == code).expect("the list always holds all 19 municipalities")
    }

    pub fn by_slug(&self, slug: &str) -> Option<&Municipality> {
        self.0.iter().find(|m| m.slug.eq_ignore_ascii_case(slug))
    }

    pub fn iter(&self) -> impl Iterator<Item = &Municipality> {
        self.0.iter()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Inhabitants of the whole region.
    pub fn total_population(&self) -> u64 {
        self.0.iter().map(|m| u64::from(m.population.inhabitants)).sum()
    }
}

impl Default for Municipalities {
    fn default() -> Self {
        Self::builtin()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_region_has_nineteen_municipalities_with_the_papers_total_population() {
        let all = Municipalities::builtin();
        assert_eq!(all.len(), 19);
        assert_eq!(all.total_population(), 1_313_596);
    }

    #[test]
    fn the_built_in_figures_are_the_counts_of_1_january_2018_also_when_stored_under_the_old_label() {
        let skive: MunicipalityCode = "skive".parse().unwrap();
        let builtin = Municipalities::builtin().get(skive).population;
        assert_eq!(builtin.as_of, date(2018, 1, 1));
        let old_seed = Population { inhabitants: builtin.inhabitants, as_of: date(2020, 1, 1) };
        let read = Municipalities::builtin().with_populations([(skive, old_seed)]);
        assert_eq!(read.get(skive).population, builtin, "an earlier version's seed reads as the 2018 count");
        let entered = Population { inhabitants: 46_500, as_of: date(2020, 1, 1) };
        let read = Municipalities::builtin().with_populations([(skive, entered)]);
        assert_eq!(read.get(skive).population, entered, "a figure the secretariat entered stays as entered");
    }

    #[test]
    fn municipalities_are_found_by_code_or_slug() {
        let skive: MunicipalityCode = "779".parse().unwrap();
        assert_eq!(skive.name(), "Skive");
        let samsoe: MunicipalityCode = "samsoe".parse().unwrap();
        assert_eq!(samsoe.get(), 741);
        assert_eq!(Municipalities::builtin().get(samsoe).town_hall.ferry_minutes, 60);
        assert_eq!(Municipalities::builtin().by_slug("ringkoebing-skjern").unwrap().name, "Ringkøbing-Skjern");
    }

    #[test]
    fn codes_outside_the_region_are_rejected() {
        assert!(MunicipalityCode::new(101).is_err()); // Copenhagen
        assert!("odense".parse::<MunicipalityCode>().is_err());
        assert!(serde_json::from_str::<MunicipalityCode>("999").is_err());
        assert_eq!(serde_json::from_str::<MunicipalityCode>("751").unwrap().get(), 751);
    }

    #[test]
    fn distances_between_town_halls_are_plausible() {
        let all = Municipalities::builtin();
        let lemvig = all.by_slug("lemvig").unwrap().town_hall.location;
        let km = GeoPoint::AARHUS_CITY_HALL.distance_km(lemvig);
        // Aarhus-Lemvig is about 120 km as the crow flies.
        assert!((110.0..135.0).contains(&km), "{km}");
    }
}
