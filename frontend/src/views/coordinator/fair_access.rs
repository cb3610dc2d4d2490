//! The availability editor's "Fair adgang" part: the long-drive allowance
//! and the tour days, each explained in Danish, as settings of the
//! coordinator's rules (`dk2020_model::schedule::fairness`).

use dk2020_model::schedule::{Rules, TourArea, TourDays};
use jiff::civil::Weekday;
use leptos::prelude::*;

/// The weekdays a tour day can be set for (the working week).
const TOUR_WEEKDAYS: [(Weekday, &str); 5] = [
    (Weekday::Monday, "Mandag"),
    (Weekday::Tuesday, "Tirsdag"),
    (Weekday::Wednesday, "Onsdag"),
    (Weekday::Thursday, "Torsdag"),
    (Weekday::Friday, "Fredag"),
];

/// The form's fields: one area (or none) per weekday, and three numbers.
#[derive(Clone, Copy)]
pub struct FairFields {
    tours: [(Weekday, &'static str, RwSignal<String>); 5],
    weekend: TourDays,
    open_days: RwSignal<String>,
    long_minutes: RwSignal<String>,
    extra_minutes: RwSignal<String>,
}

impl FairFields {
    pub fn new(rules: &Rules) -> Self {
        let area = |day| RwSignal::new(rules.tour_days.get(day).map_or("", TourArea::as_str).to_string());
        Self {
            tours: TOUR_WEEKDAYS.map(|(day, name)| (day, name, area(day))),
            weekend: rules.tour_days,
            open_days: RwSignal::new(rules.tour_open_days.to_string()),
            long_minutes: RwSignal::new(rules.long_drive_minutes.to_string()),
            extra_minutes: RwSignal::new(rules.long_drive_extra_minutes.to_string()),
        }
    }

    /// Writes the fields into `rules`; a field that is not a number is a
    /// Danish problem (the ranges are the model's `Availability::problems`).
    pub fn apply(&self, rules: &mut Rules, problems: &mut Vec<String>) {
        // Weekend tour days are not in the form: kept as they were.
        let mut tours = self.weekend;
        for (day, _, area) in self.tours {
            tours.set(day, TourArea::parse(&area.get_untracked()));
        }
        rules.tour_days = tours;
        for (signal, target, label) in [
            (self.open_days, &mut rules.tour_open_days, OPEN_DAYS_LABEL),
            (self.long_minutes, &mut rules.long_drive_minutes, LONG_MINUTES_LABEL),
            (self.extra_minutes, &mut rules.long_drive_extra_minutes, EXTRA_MINUTES_LABEL),
        ] {
            match signal.get_untracked().trim().parse::<u32>() {
                Ok(v) => *target = v,
                Err(_) => problems.push(format!("{label}: skriv et helt tal.")),
            }
        }
    }
}

pub const OPEN_DAYS_LABEL: &str = "Turdage kan bookes af alle fra (dage før)";
pub const LONG_MINUTES_LABEL: &str = "Lang køretur fra (minutter én vej)";
pub const EXTRA_MINUTES_LABEL: &str = "Lang køretur må ligge uden for arbejdstiden (minutter)";

/// The Danish label of a rule field of fair access, by its JSON name.
pub fn label(json_name: &str) -> Option<&'static str> {
    match json_name {
        "tour_open_days" => Some(OPEN_DAYS_LABEL),
        "long_drive_minutes" => Some(LONG_MINUTES_LABEL),
        "long_drive_extra_minutes" => Some(EXTRA_MINUTES_LABEL),
        _ => None,
    }
}

fn number(id: &'static str, label: &'static str, value: RwSignal<String>, hint: &'static str) -> impl IntoView {
    let hint_id = format!("{id}-hint");
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <input
                id=id
                type="text"
                inputmode="numeric"
                aria-describedby=hint_id.clone()
                prop:value=move || value.get()
                on:change=move |ev| value.set(event_target_value(&ev))
            />
            <p class="hint" id=hint_id>
                {hint}
            </p>
        </div>
    }
}

pub fn fieldset(fields: FairFields) -> impl IntoView {
    view! {
        <fieldset class="fair-access">
            <legend>"Fair adgang for de fjerne kommuner"</legend>
            <p class="hint">
                "Lange køreture gør, at Lemvig, Ringkøbing-Skjern og Samsø ellers kun får de dage, de nære kommuner \
                 lader være tomme. En simulering af et travlt halvår viste, at det mest retfærdige er at lade en lang \
                 køretur begynde lidt før arbejdstiden eller slutte lidt efter: så kan de fjerne kommuner også besøges \
                 på en kort fredag, og der holdes flere møder i alt. Selve møderne ligger altid inden for arbejdstiden."
            </p>
            <div class="rules">
                {number(
                    "rule-long_drive_minutes",
                    LONG_MINUTES_LABEL,
                    fields.long_minutes,
                    "En køretur hjemmefra eller hjem af mindst så mange minutter er lang (standard 75).",
                )}
                {number(
                    "rule-long_drive_extra_minutes",
                    EXTRA_MINUTES_LABEL,
                    fields.extra_minutes,
                    "Så mange minutter før arbejdsdagen må en lang tur begynde, og efter den må den slutte (standard 60; 0 slår det fra).",
                )}
            </div>
            <table class="data tour-days">
                <caption>
                    "Turdage "
                    <span class="hint" id="tour-hint">
                        "(besøg den dag er forbeholdt kommunerne i området, indtil dagen kan bookes af alle; onlinemøder kan altid bookes)"
                    </span>
                </caption>
                <thead>
                    <tr>
                        <th scope="col">"Dag"</th>
                        <th scope="col">"Turdag for"</th>
                    </tr>
                </thead>
                <tbody>
                    {fields
                        .tours
                        .into_iter()
                        .map(|(day, name, area)| {
                            let id = format!("tour-{day:?}");
                            view! {
                                <tr>
                                    <th scope="row">
                                        <label for=id.clone()>{name}</label>
                                    </th>
                                    <td>
                                        <select
                                            id=id
                                            aria-describedby="tour-hint"
                                            prop:value=move || area.get()
                                            on:change=move |ev| area.set(event_target_value(&ev))
                                        >
                                            <option value="">"Ingen turdag"</option>
                                            {TourArea::ALL
                                                .into_iter()
                                                .map(|a| {
                                                    view! {
                                                        <option value=a.as_str()>{area_option(a)}</option>
                                                    }
                                                })
                                                .collect_view()}
                                        </select>
                                    </td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
            <div class="rules">
                {number(
                    "rule-tour_open_days",
                    OPEN_DAYS_LABEL,
                    fields.open_days,
                    "Fra så mange dage før en turdag kan alle kommuner booke besøg den dag (standard 14).",
                )}
            </div>
        </fieldset>
    }
}

/// "Vestjylland (Herning, Holstebro, …)": the area with its municipalities.
fn area_option(area: TourArea) -> String {
    let names: Vec<&str> =
        area.members().iter().filter_map(|&c| dk2020_model::MunicipalityCode::new(c).ok()).map(|c| c.name()).collect();
    format!("{} ({})", area.label_da(), names.join(", "))
}
