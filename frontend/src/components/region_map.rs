//! The region as a tile map (`dk2020_model::tile_map`): one square a
//! municipality, placed by its town hall, with its name and a short label
//! on it (colour is never the only carrier) and a text alternative. The
//! enrolment overview colours it by status, the visits report by visits.

use dk2020_model::{MunicipalityCode, tile_map};
use leptos::prelude::*;

use super::{Figure, svg_figure};

/// What one tile shows: its colour class and the label under the name.
pub struct MapTile {
    pub municipality: MunicipalityCode,
    pub name: String,
    pub class: &'static str,
    pub label: String,
}

/// The map with `tiles` (municipalities without a tile are left out);
/// `figure.description` is made here from the tiles' names and labels.
pub fn region_map(mut figure: Figure, tiles: Vec<MapTile>) -> impl IntoView {
    const TILE: f64 = 84.0;
    const GAP: f64 = 4.0;
    let placed = tile_map::tiles(&dk2020_model::Municipalities::builtin());
    let mut description = Vec::new();
    let cells = placed
        .iter()
        .filter_map(|p| tiles.iter().find(|t| t.municipality == p.municipality).map(|t| (p, t)))
        .map(|(p, t)| {
            let (x, y) = (f64::from(p.column) * (TILE + GAP), f64::from(p.row) * (TILE + GAP));
            description.push(format!("{}: {}", t.name, t.label));
            view! {
                <g>
                    <rect class=t.class x=x y=y width=TILE height=TILE rx="6" />
                    {name_lines(&t.name, x + TILE / 2.0, y + 36.0)}
                    <text class="map-status" x=x + TILE / 2.0 y=y + 54.0 text-anchor="middle">
                        {t.label.clone()}
                    </text>
                </g>
            }
        })
        .collect_view();
    figure.width = f64::from(tile_map::COLUMNS) * (TILE + GAP);
    figure.height = f64::from(tile_map::ROWS) * (TILE + GAP);
    figure.description = description.join("; ");
    svg_figure(figure, cells)
}

/// A municipality's name on its tile; a long double name on two lines
/// ("Ringkøbing-" above "Skjern"), so it fits.
fn name_lines(name: &str, x: f64, y: f64) -> impl IntoView + use<> {
    let lines: Vec<String> = match name.split_once('-') {
        Some((first, second)) if name.chars().count() > 12 => vec![format!("{first}-"), second.to_string()],
        _ => vec![name.to_string()],
    };
    let top = y - 6.0 * (lines.len() as f64 - 1.0);
    lines
        .into_iter()
        .enumerate()
        .map(|(i, line)| {
            view! {
                <text class="map-name" x=x y=top + 12.0 * i as f64 text-anchor="middle">
                    {line}
                </text>
            }
        })
        .collect_view()
}
