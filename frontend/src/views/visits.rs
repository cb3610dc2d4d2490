//! The visits report, in the coordinator's view and the secretariat's (for
//! the steering group): per municipality the sessions held in a
//! period, minutes on site and driving, cancellations, west and east, and a
//! chart of each one's share of the sessions next to its fair share by the
//! chosen key (per capita, or 25 % equally and the rest per capita).

use dk2020_model::{
    format,
    report::{VisitRow, VisitsReport},
};
use leptos::{prelude::*, task::spawn_local};

use crate::{
    api::Api,
    components::{Figure, MapTile, Notice, load_error, loading, parse_date, region_map, svg_figure},
};

pub fn report(api: Api, notice: RwSignal<Option<Notice>>) -> impl IntoView {
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let hybrid = RwSignal::new(false);
    let query = move || {
        let mut q = String::from(if hybrid.get() { "key=hybrid&equal_percent=25" } else { "key=per-capita" });
        for (name, value) in [("from", from.get()), ("to", to.get())] {
            if let Some(d) = parse_date(&value) {
                q.push_str(&format!("&{name}={d}"));
            }
        }
        q
    };
    let load_api = api.clone();
    let report = LocalResource::new(move || {
        let (api, q) = (load_api.clone(), query());
        async move { api.get::<VisitsReport>(&format!("/api/reports/visits?{q}")).await }
    });
    let download = move |format: &'static str| {
        let (api, q) = (api.clone(), query());
        let (mime, ext) = match format {
            "csv" => ("text/csv", "csv"),
            _ => ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
        };
        spawn_local(async move {
            let path = format!("/api/reports/visits?{q}&format={format}");
            if let Err(e) = api.download(&path, &format!("dk2020-besoeg.{ext}"), mime).await {
                notice.set(Some(Notice::api(&e)));
            }
        });
    };
    let csv = download.clone();
    let body = move || match report.get() {
        None => loading().into_any(),
        Some(Err(e)) => load_error(&e, move || report.refetch()).into_any(),
        Some(Ok(r)) => report_body(r).into_any(),
    };
    view! {
        <section class="visits" aria-labelledby="visits-title">
            <h3 id="visits-title">"Besøgsrapport"</h3>
            <div class="toolbar">
                <div class="field inline">
                    <label for="visits-from">"Fra"</label>
                    <input id="visits-from" type="date" on:change=move |ev| from.set(event_target_value(&ev)) />
                </div>
                <div class="field inline">
                    <label for="visits-to">"Til"</label>
                    <input id="visits-to" type="date" on:change=move |ev| to.set(event_target_value(&ev)) />
                </div>
                <label class="choice">
                    <input type="checkbox" on:change=move |ev| hybrid.set(event_target_checked(&ev)) />
                    "Rimelig andel: 25 % ligeligt, resten efter indbyggertal"
                </label>
                <button type="button" class="secondary" on:click=move |_| csv("csv")>
                    "Hent CSV"
                </button>
                <button type="button" class="secondary" on:click=move |_| download("xlsx")>
                    "Hent Excel (XLSX)"
                </button>
            </div>
            {body}
        </section>
    }
}

fn report_body(r: VisitsReport) -> impl IntoView {
    let period = format!("{} – {}", format::date(r.from), format::date(r.to));
    let parts = r
        .parts
        .iter()
        .map(|p| {
            format!(
                "{}: {} sessioner ({} af dem, rimelig andel {}), {} på stedet, {} kørsel",
                p.part.label_da(),
                p.sessions,
                format::percent(p.share_percent, 0),
                format::percent(p.fair_share_percent, 0),
                format::duration(p.onsite_minutes),
                format::duration(p.driving_minutes),
            )
        })
        .collect::<Vec<_>>()
        .join(" · ");
    let rows = r.municipalities.iter().map(row).collect_view();
    view! {
        <p class="as-of">{format!("Afholdte sessioner {period}. {parts}.")}</p>
        {chart(&r.municipalities)}
        {map(&r.municipalities)}
        <table class="data visits-table">
            <thead>
                <tr>
                    <th scope="col">"Kommune"</th>
                    <th scope="col">"Del"</th>
                    <th scope="col" class="num">"Besøg"</th>
                    <th scope="col" class="num">"Online"</th>
                    <th scope="col" class="num">"På stedet"</th>
                    <th scope="col" class="num">"Kørsel"</th>
                    <th scope="col" class="num">"Aflyst af kommunen"</th>
                    <th scope="col" class="num">"Aflyst af koordinatoren"</th>
                    <th scope="col" class="num">"Andel"</th>
                    <th scope="col" class="num">"Rimelig andel"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

fn row(r: &VisitRow) -> impl IntoView + use<> {
    view! {
        <tr>
            <th scope="row">{r.name.clone()}</th>
            <td>{r.part.label_da()}</td>
            <td class="num">{r.onsite}</td>
            <td class="num">{r.online}</td>
            <td class="num">{format::duration(r.onsite_minutes)}</td>
            <td class="num">{format::duration(r.driving_minutes)}</td>
            <td class="num">{r.cancelled_by_municipality}</td>
            <td class="num">{r.cancelled_by_coordinator}</td>
            <td class="num">{format::percent(r.share_percent, 1)}</td>
            <td class="num">{format::percent(r.fair_share_percent, 1)}</td>
        </tr>
    }
}

/// The region as a tile map: each municipality's sessions held written on
/// its tile, the colour saying how its share compares with its fair share.
fn map(rows: &[VisitRow]) -> impl IntoView + use<> {
    let class = |r: &VisitRow| {
        if r.share_percent >= r.fair_share_percent {
            "bar-round"
        } else if r.share_percent * 2.0 >= r.fair_share_percent {
            "bar-considering"
        } else {
            "bar-declined"
        }
    };
    let tiles = rows
        .iter()
        .map(|r| {
            let sessions = r.onsite + r.online;
            MapTile {
                municipality: r.municipality,
                name: r.name.clone(),
                class: class(r),
                label: if sessions == 1 { "1 session".into() } else { format!("{sessions} sessioner") },
            }
        })
        .collect();
    let figure = Figure {
        class: "chart map",
        id: "visits-map",
        width: 0.0,
        height: 0.0,
        title: "Region Midtjylland: afholdte sessioner pr. kommune",
        description: String::new(),
        caption: "Hver kommune er en flise placeret efter rådhusets beliggenhed med antallet af afholdte sessioner. Grøn: mindst den rimelige andel; gul: mindst halvdelen af den; rød: under halvdelen. Tabellen har tallene.",
    };
    region_map(figure, tiles)
}

/// Each municipality's share of the sessions as a bar, its fair share as a mark.
fn chart(rows: &[VisitRow]) -> impl IntoView + use<> {
    const LEFT: f64 = 150.0;
    const WIDTH: f64 = 400.0;
    const ROW: f64 = 22.0;
    let max = rows.iter().map(|r| r.share_percent.max(r.fair_share_percent)).fold(10.0, f64::max);
    let x = move |p: f64| LEFT + p / max * WIDTH;
    let height = ROW * rows.len() as f64 + 24.0;
    let description = rows
        .iter()
        .map(|r| {
            format!(
                "{}: {} af sessionerne, rimelig andel {}",
                r.name,
                format::percent(r.share_percent, 1),
                format::percent(r.fair_share_percent, 1)
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    let bars = rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let y = 6.0 + ROW * i as f64;
            let class = if r.part == dk2020_model::report::RegionPart::West { "bar-west" } else { "bar-east" };
            view! {
                <g>
                    <text class="chart-label" x="0" y=y + 14.0>
                        {r.name.clone()}
                    </text>
                    <rect class=class x=LEFT y=y width=(x(r.share_percent) - LEFT).max(1.0) height="16" />
                    <line class="fair-mark" x1=x(r.fair_share_percent) y1=y - 2.0 x2=x(r.fair_share_percent) y2=y + 18.0 />
                </g>
            }
        })
        .collect_view();
    let figure = Figure {
        class: "chart",
        id: "visits-chart",
        width: 600.0,
        height,
        title: "Andel af sessionerne pr. kommune og rimelig andel",
        description,
        caption: "Søjlen er kommunens andel af de afholdte sessioner (grøn: vest, blå: øst); stregen er dens rimelige andel efter nøglen.",
    };
    svg_figure(figure, bars)
}
