//! A tile map of the region: each municipality one square tile, placed on a
//! grid by its town hall's position (a tile map keeps every municipality
//! equally visible, Samsø as much as Aarhus, and needs no boundary data).
//! Placement is deterministic: each tile goes to the free cell nearest its
//! town hall, the westernmost first.

use crate::municipality::{Municipalities, MunicipalityCode};

/// The grid's size in tiles.
pub const COLUMNS: i32 = 9;
pub const ROWS: i32 = 6;
/// Kilometres a tile stands for.
const TILE_KM: f64 = 19.0;

/// Where a municipality's tile goes: column from the west, row from the north.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tile {
    pub municipality: MunicipalityCode,
    pub column: i32,
    pub row: i32,
}

pub fn tiles(municipalities: &Municipalities) -> Vec<Tile> {
    let points: Vec<(MunicipalityCode, f64, f64)> =
        municipalities.iter().map(|m| (m.code, m.town_hall.location.lon, m.town_hall.location.lat)).collect();
    let west = points.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
    let north = points.iter().map(|p| p.2).fold(f64::NEG_INFINITY, f64::max);
    // Kilometres east and south of the region's north-west corner (a degree of
    // longitude is about 62 km at 56° N).
    let mut wanted: Vec<(MunicipalityCode, f64, f64)> = points
        .iter()
        .map(|&(c, lon, lat)| (c, (lon - west) * 62.0 / TILE_KM, (north - lat) * 111.0 / TILE_KM))
        .collect();
    wanted.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
    let mut placed: Vec<Tile> = Vec::with_capacity(wanted.len());
    for (municipality, x, y) in wanted {
        let free = (0..ROWS)
            .flat_map(|row| (0..COLUMNS).map(move |column| (column, row)))
            .filter(|&(c, r)| !placed.iter().any(|t| t.column == c && t.row == r));
        let nearest = free.min_by(|a, b| {
            let d = |(c, r): (i32, i32)| (f64::from(c) - x).powi(2) + (f64::from(r) - y).powi(2);
            d(*a).total_cmp(&d(*b))
        });
        if let Some((column, row)) = nearest {
            placed.push(Tile { municipality, column, row });
        }
    }
    placed.sort_by_key(|t| t.municipality);
    placed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_municipality_gets_a_tile_of_its_own_roughly_where_it_lies() {
        let all = Municipalities::builtin();
        let map = tiles(&all);
        assert_eq!(map.len(), 19);
        for (i, a) in map.iter().enumerate() {
            assert!((0..COLUMNS).contains(&a.column) && (0..ROWS).contains(&a.row), "{a:?}");
            assert!(map[i + 1..].iter().all(|b| (a.column, a.row) != (b.column, b.row)), "{a:?} shares its cell");
        }
        let at = |slug: &str| *map.iter().find(|t| t.municipality == all.by_slug(slug).unwrap().code).unwrap();
        assert!(at("lemvig").column < at("aarhus").column, "Lemvig lies west of Aarhus");
        assert!(at("horsens").row > at("skive").row, "Horsens lies south of Skive");
        assert!(at("norddjurs").column >= at("randers").column, "Djursland is in the east");
    }
}
