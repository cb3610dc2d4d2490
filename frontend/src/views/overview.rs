//! The KKR enrolment overview (public): per round the municipalities and
//! their count against the expected 7-8, the population covered and its
//! share of the region; the pilot municipalities, those still deciding and
//! those that declined; an SVG bar chart; "as of" a date or one of KKR's
//! meetings (the printed page then names the meeting); print and download.

use dk2020_model::{
    enrolment::{EnrolmentOverview, ExpectedRange, Group, KKR_MEETINGS, Round, StatusKind, kkr_meeting},
    format,
};
use leptos::{html, prelude::*};

use crate::{
    api::Api,
    components::{Figure, MapTile, load_error, loading, parse_date, print_clean, region_map, svg_figure},
};

pub fn view(api: Api) -> impl IntoView {
    let as_of = RwSignal::new(String::new());
    let refresh = RwSignal::new(0u32);
    let fetch_api = api.clone();
    let overview = LocalResource::new(move || {
        refresh.get();
        let date = parse_date(&as_of.get());
        let api = fetch_api.clone();
        async move {
            let path = match date {
                Some(d) => format!("/api/enrolment?as_of={d}"),
                None => "/api/enrolment".to_string(),
            };
            api.get::<EnrolmentOverview>(&path).await
        }
    });
    let section = NodeRef::<html::Section>::new();
    let print = move |_| {
        if let Some(node) = section.get_untracked() {
            let title = match parse_date(&as_of.get_untracked()).and_then(kkr_meeting) {
                Some(meeting) => format!("DK2020-tilmelding – oversigt til {}", meeting.name),
                None => "DK2020-tilmelding – oversigt til KKR Midtjylland".to_string(),
            };
            print_clean(&node, &title);
        }
    };
    let download = move |format: &'static str| {
        let mut path = format!("/api/enrolment?format={format}");
        if let Some(d) = parse_date(&as_of.get()) {
            path.push_str(&format!("&as_of={d}"));
        }
        api.url(&path)
    };
    let download_csv = download.clone();
    let body = move || match overview.get() {
        None => loading().into_any(),
        Some(Err(e)) => load_error(&e, move || refresh.update(|n| *n += 1)).into_any(),
        Some(Ok(o)) => overview_body(o).into_any(),
    };
    view! {
        <section class="view overview" aria-labelledby="overview-title" node_ref=section>
            <h2 id="overview-title">"DK2020 i Region Midtjylland: tilmeldingsoversigt"</h2>
            <div class="toolbar no-print">
                <div class="field inline">
                    <label for="as-of">"Status pr. dato"</label>
                    <input
                        id="as-of"
                        type="date"
                        prop:value=move || as_of.get()
                        on:change=move |ev| as_of.set(event_target_value(&ev))
                    />
                </div>
                <div class="presets" role="group" aria-label="Status til et KKR-møde">
                    {KKR_MEETINGS
                        .iter()
                        .map(|m| {
                            let date = m.date.to_string();
                            let pressed = {
                                let date = date.clone();
                                move || if as_of.get() == date { "true" } else { "false" }
                            };
                            view! {
                                <button
                                    type="button"
                                    class="secondary preset"
                                    aria-pressed=pressed
                                    on:click=move |_| as_of.set(date.clone())
                                >
                                    {format!("KKR {}", format::date(m.date))}
                                </button>
                            }
                        })
                        .collect_view()}
                </div>
                <button type="button" class="secondary print" on:click=print>
                    "Udskriv (A4)"
                </button>
                <a class="button-link" href=move || download_csv("csv") download>
                    "Hent CSV"
                </a>
                <a class="button-link" href=move || download("xlsx") download>
                    "Hent Excel (XLSX)"
                </a>
            </div>
            {body}
        </section>
    }
}

fn compared(range: ExpectedRange) -> &'static str {
    match range {
        ExpectedRange::Below => "færre end forventet",
        ExpectedRange::Within => "som forventet",
        ExpectedRange::Above => "flere end forventet",
    }
}

/// `3 kommuner · 123.456 indbyggere · 9,4 % af regionen`
fn group_line(g: &Group) -> String {
    let noun = if g.count == 1 { "kommune" } else { "kommuner" };
    format!(
        "{} {noun} · {} indbyggere · {} af regionens befolkning",
        g.count,
        format::integer(g.population as i64),
        format::percent(g.share_of_region, 1)
    )
}

fn names(g: &Group) -> String {
    if g.municipalities.is_empty() {
        "Ingen".to_string()
    } else {
        g.municipalities.iter().map(|m| m.name.as_str()).collect::<Vec<_>>().join(", ")
    }
}

fn group_card(title: String, g: &Group, extra: Option<String>) -> impl IntoView + use<> {
    view! {
        <div class="card">
            <h4>{title}</h4>
            {extra.map(|e| view! { <p class="expected">{e}</p> })}
            <p>{group_line(g)}</p>
            <p class="names">{names(g)}</p>
        </div>
    }
}

fn overview_body(o: EnrolmentOverview) -> impl IntoView {
    let rounds = o
        .rounds
        .iter()
        .map(|r| {
            let title =
                format!("Runde {} · ansøgningsfrist {}", r.number, Round::deadline_da(r.deadline, r.deadline_expected));
            let expected = format!(
                "{} tilmeldt – forventet {}–{}: {}",
                r.group.count,
                r.expected_min,
                r.expected_max,
                compared(r.compared_to_expected)
            );
            group_card(title, &r.group, Some(expected))
        })
        .collect_view();
    let rows = o
        .municipalities
        .iter()
        .map(|m| {
            let status = match m.enrolment_status() {
                Some(s) => s.label_da(),
                None => m.status.label_da().to_string(),
            };
            let decided = m.decided_on.map(format::date).unwrap_or_default();
            view! {
                <tr>
                    <th scope="row">{m.name.clone()}</th>
                    <td class="num">{format::integer(i64::from(m.population))}</td>
                    <td>{status}</td>
                    <td>{decided}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <p class="as-of">
            {format!(
                "Opgjort pr. {}{} · regionens befolkning {} indbyggere i 19 kommuner",
                format::date(o.as_of),
                kkr_meeting(o.as_of).map_or("", |_| " (KKR Midtjyllands møde)"),
                format::integer(o.region_population as i64),
            )}
        </p>
        <div class="card highlight">
            <h3>"Med i DK2020 i alt"</h3>
            <p>{group_line(&o.in_dk2020)}</p>
        </div>
        {chart(&o)}
        {map(&o)}
        <div class="cards">
            {group_card("Med fra pilotfasen".into(), &o.already_in, None)}
            {rounds}
            {group_card("Til behandling i kommunalbestyrelsen".into(), &o.council_considering, None)}
            {group_card("Ikke afklaret".into(), &o.undecided, None)}
            {group_card("Takket nej".into(), &o.declined, None)}
        </div>
        <table class="data">
            <caption>"Alle 19 kommuner"</caption>
            <thead>
                <tr>
                    <th scope="col">"Kommune"</th>
                    <th scope="col" class="num">"Indbyggere"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col">"Besluttet"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

/// One bar of the chart: label, count, colour class and the expected range.
struct Bar {
    label: String,
    count: usize,
    class: &'static str,
    expected: Option<(u8, u8)>,
}

/// The region as a tile map coloured by status, the status written on each
/// tile too (colour is never the only carrier), with a text alternative.
fn map(o: &EnrolmentOverview) -> impl IntoView + use<> {
    let class = |status: StatusKind| match status {
        StatusKind::AlreadyIn => "bar-pilot",
        StatusKind::Enrolled => "bar-round",
        StatusKind::CouncilConsidering => "bar-considering",
        StatusKind::Undecided => "bar-undecided",
        StatusKind::Declined => "bar-declined",
    };
    let short = |status: StatusKind, round: Option<dk2020_model::enrolment::RoundNumber>| match (status, round) {
        (StatusKind::AlreadyIn, _) => "Pilot".to_string(),
        (StatusKind::Enrolled, Some(r)) => format!("Runde {r}"),
        (StatusKind::Enrolled, None) => "Tilmeldt".to_string(),
        (StatusKind::CouncilConsidering, _) => "Behandles".to_string(),
        (StatusKind::Undecided, _) => "Ikke afklaret".to_string(),
        (StatusKind::Declined, _) => "Nej tak".to_string(),
    };
    let tiles = o
        .municipalities
        .iter()
        .map(|r| MapTile {
            municipality: r.code,
            name: r.name.clone(),
            class: class(r.status),
            label: short(r.status, r.round),
        })
        .collect();
    let figure = Figure {
        class: "chart map",
        id: "map",
        width: 0.0,
        height: 0.0,
        title: "Region Midtjylland: hver kommunes status",
        description: String::new(),
        caption: "Hver kommune er en flise placeret efter rådhusets beliggenhed; farven og teksten viser status. Tabellen nedenfor har de samme oplysninger.",
    };
    region_map(figure, tiles)
}

fn chart(o: &EnrolmentOverview) -> impl IntoView + use<> {
    let mut bars =
        vec![Bar { label: "Med fra pilotfasen".into(), count: o.already_in.count, class: "bar-pilot", expected: None }];
    for r in &o.rounds {
        bars.push(Bar {
            label: format!("Runde {}", r.number),
            count: r.group.count,
            class: "bar-round",
            expected: Some((r.expected_min, r.expected_max)),
        });
    }
    for (label, g, class) in [
        ("Til behandling", &o.council_considering, "bar-considering"),
        ("Ikke afklaret", &o.undecided, "bar-undecided"),
        ("Takket nej", &o.declined, "bar-declined"),
    ] {
        bars.push(Bar { label: label.into(), count: g.count, class, expected: None });
    }
    const LEFT: f64 = 170.0;
    const WIDTH: f64 = 380.0;
    const ROW: f64 = 40.0;
    let max = 19.0;
    let x = move |n: f64| LEFT + n / max * WIDTH;
    let height = ROW * bars.len() as f64 + 30.0;
    let description = bars
        .iter()
        .map(|b| match b.expected {
            Some((lo, hi)) => format!("{}: {} (forventet {lo}–{hi})", b.label, b.count),
            None => format!("{}: {}", b.label, b.count),
        })
        .collect::<Vec<_>>()
        .join("; ");
    let rows = bars
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let y = 10.0 + ROW * i as f64;
            let band = b.expected.map(|(lo, hi)| {
                view! {
                    <rect
                        class="expected-band"
                        x=x(f64::from(lo) - 0.5)
                        y=y - 4.0
                        width=x(f64::from(hi) + 0.5) - x(f64::from(lo) - 0.5)
                        height=ROW - 4.0
                    />
                }
            });
            let bar_width = (x(b.count as f64) - LEFT).max(1.0);
            view! {
                <g>
                    {band}
                    <text class="chart-label" x="0" y=y + 19.0>
                        {b.label.clone()}
                    </text>
                    <rect class=b.class x=LEFT y=y width=bar_width height="24" />
                    <text class="chart-count" x=LEFT + bar_width + 6.0 y=y + 18.0>
                        {b.count.to_string()}
                    </text>
                </g>
            }
        })
        .collect_view();
    let axis_y = height - 14.0;
    let body = view! {
        {rows}
        <line class="axis" x1=LEFT y1="4" x2=LEFT y2=axis_y - 6.0 />
        <text class="chart-axis" x=LEFT y=axis_y + 8.0>
            "0"
        </text>
        <text class="chart-axis" x=x(19.0) y=axis_y + 8.0 text-anchor="end">
            "19 kommuner"
        </text>
    };
    let figure = Figure {
        class: "chart",
        id: "chart",
        width: 600.0,
        height,
        title: "Antal kommuner pr. status",
        description,
        caption: "Antal kommuner pr. status. Den stiplede ramme viser de forventede 7–8 kommuner pr. runde.",
    };
    svg_figure(figure, body)
}
