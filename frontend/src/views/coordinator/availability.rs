//! The availability editor: weekly working hours (one or more windows a
//! day), date exceptions (leave, special hours), blocked hours on a date,
//! customary closed days and the booking rules. Checked with the model's
//! own `Availability::problems` before it is sent.
//!
//! A day's hours are one text field, "08.30-12.00, 12.30-16.00": one field
//! says any number of windows, reads the same in every browser (time inputs
//! show a 12-hour clock in some), and a screen reader reads it as it is.

use dk2020_model::{
    format,
    schedule::{
        Availability, AvailabilityProblem, BlockedHours, ClosedDays, DateException, DayHours, MAX_BLOCKED,
        MAX_EXCEPTIONS, MAX_NOTE_CHARS, MAX_WINDOWS, Rules, WeeklyHours, WorkingHours,
    },
};
use gloo_net::http::Method;
use jiff::civil::Weekday;
use leptos::{prelude::*, task::spawn_local};

use super::fair_access::{self, FairFields};
use crate::{
    api::{Api, ApiError},
    components::{Notice, load_error, loading, parse_date},
};

const WEEKDAYS: [(Weekday, &str); 7] = [
    (Weekday::Monday, "Mandag"),
    (Weekday::Tuesday, "Tirsdag"),
    (Weekday::Wednesday, "Onsdag"),
    (Weekday::Thursday, "Torsdag"),
    (Weekday::Friday, "Fredag"),
    (Weekday::Saturday, "Lørdag"),
    (Weekday::Sunday, "Søndag"),
];

/// `08:30` or `08.30` → (8, 30)
pub fn parse_hhmm(value: &str) -> Option<(i8, i8)> {
    let (h, m) = value.trim().split_once([':', '.'])?;
    let (h, m) = (h.parse::<i8>().ok()?, m.get(..2)?.parse::<i8>().ok()?);
    ((0..24).contains(&h) && (0..60).contains(&m)).then_some((h, m))
}

/// Working hours from two `HH:MM` fields, or a Danish problem.
pub fn hours_from(start: &str, end: &str) -> Result<WorkingHours, String> {
    let (Some((sh, sm)), Some((eh, em))) = (parse_hhmm(start), parse_hhmm(end)) else {
        return Err("skriv tiderne som tt.mm, fx 08.30".into());
    };
    WorkingHours::hm(sh, sm, eh, em).map_err(|_| "sluttiden skal ligge efter starttiden".into())
}

/// `08.30-12.00`: one window from "start-end" (a hyphen or a dash between).
pub fn window_from(text: &str) -> Result<WorkingHours, String> {
    let Some((start, end)) = text.split_once(['-', '–', '—']) else {
        return Err(format!("«{}» skal skrives som fra-til, fx 08.30-12.00", text.trim()));
    };
    hours_from(start, end)
}

/// `08.30-12.00, 12.30-16.00` → the day's windows, or a Danish problem.
pub fn day_hours_from(text: &str) -> Result<DayHours, String> {
    let windows = text
        .split([',', ';'])
        .flat_map(|part| part.split(" og "))
        .filter(|part| !part.trim().is_empty())
        .map(window_from)
        .collect::<Result<Vec<_>, _>>()?;
    if windows.len() > MAX_WINDOWS {
        return Err(format!("højst {MAX_WINDOWS} tidsrum pr. dag"));
    }
    DayHours::new(windows).ok_or_else(|| "skriv mindst ét tidsrum, fx 08.30-16.00".to_string())
}

/// `08.30-12.00, 12.30-16.00`
pub fn day_hours_text(hours: &DayHours) -> String {
    hours.windows().iter().map(window_text).collect::<Vec<_>>().join(", ")
}

fn window_text(w: &WorkingHours) -> String {
    format!("{}-{}", format::time(w.start()), format::time(w.end()))
}

/// One editable day: open or not, and its windows as text.
#[derive(Clone, Copy)]
struct Window {
    open: RwSignal<bool>,
    text: RwSignal<String>,
}

impl Window {
    fn new(hours: Option<&DayHours>) -> Self {
        Self {
            open: RwSignal::new(hours.is_some()),
            text: RwSignal::new(hours.map(day_hours_text).unwrap_or_else(|| "08.30-16.00".into())),
        }
    }

    fn hours(&self) -> Result<Option<DayHours>, String> {
        if !self.open.get_untracked() {
            return Ok(None);
        }
        day_hours_from(&self.text.get_untracked()).map(Some)
    }
}

/// One row of blocked hours.
#[derive(Clone, Copy)]
struct BlockedRow {
    id: u32,
    date: RwSignal<String>,
    hours: RwSignal<String>,
    note: RwSignal<String>,
}

#[derive(Clone, Copy)]
struct ExceptionRow {
    id: u32,
    date: RwSignal<String>,
    hours: Window,
    note: RwSignal<String>,
}

/// The rules as text fields: name, label, value.
#[derive(Clone, Copy)]
struct RuleField {
    name: &'static str,
    label: &'static str,
    value: RwSignal<String>,
}

struct Editor {
    weekly: Vec<(Weekday, &'static str, Window)>,
    exceptions: RwSignal<Vec<ExceptionRow>>,
    blocked: RwSignal<Vec<BlockedRow>>,
    next_id: StoredValue<u32>,
    closed: [(RwSignal<bool>, &'static str); 3],
    rules: Vec<RuleField>,
    fair: FairFields,
    /// Everything of the settings the form does not show (kept as it was).
    base: Availability,
}

fn rule_values(r: &Rules) -> Vec<(&'static str, &'static str, String)> {
    vec![
        ("onsite_minutes", "Besøg på rådhuset (minutter)", r.onsite_minutes.to_string()),
        ("online_minutes", "Onlinemøde (minutter)", r.online_minutes.to_string()),
        ("min_notice_hours", "Mindste varsel (timer)", r.min_notice_hours.to_string()),
        ("horizon_days", "Kan bookes op til (dage frem)", r.horizon_days.to_string()),
        ("buffer_minutes", "Pause efter hver session (minutter)", r.buffer_minutes.to_string()),
        ("max_onsite_per_day", "Højst antal besøg pr. dag", r.max_onsite_per_day.to_string()),
        ("slot_step_minutes", "Starttider hvert (minutter)", r.slot_step_minutes.to_string()),
        ("cap_per_municipality", "Kommende sessioner pr. kommune højst", r.cap_per_municipality.to_string()),
        ("road_factor", "Vejfaktor (vejlængde ÷ luftlinje)", r.travel.road_factor.to_string().replace('.', ",")),
        ("speed_kmh", "Gennemsnitsfart (km/t)", r.travel.speed_kmh.to_string().replace('.', ",")),
    ]
}

/// A problem the model finds in the settings, in Danish, naming the field as the form does.
fn problem_da(problem: &AvailabilityProblem) -> String {
    let label = |name: &str| match fair_access::label(name) {
        Some(label) => label.to_string(),
        None => rule_values(&Rules::default())
            .into_iter()
            .find(|(n, _, _)| *n == name)
            .map_or(name.to_string(), |f| f.1.into()),
    };
    match problem {
        AvailabilityProblem::OutOfRange { field, min, max, .. } => {
            format!("{}: skal være mellem {min} og {max}.", label(field.json_name()))
        }
        AvailabilityProblem::RoadFactor { .. } => format!("{}: skal være mellem 1,0 og 3,0.", label("road_factor")),
        AvailabilityProblem::Speed { .. } => format!("{}: skal være mellem 10 og 130.", label("speed_kmh")),
        AvailabilityProblem::NoticeBeyondHorizon { hours, days } => {
            format!("Mindste varsel ({hours} timer) er længere end bookingperioden ({days} dage), så intet kan bookes.")
        }
        AvailabilityProblem::NoWorkingHours => "Angiv arbejdstider for mindst én ugedag.".into(),
        AvailabilityProblem::TooManyExceptions { count } => {
            format!("Der er {count} undtagelser; højst {MAX_EXCEPTIONS} gemmes. Fjern gamle undtagelser.")
        }
        AvailabilityProblem::DuplicateException { date } => {
            format!("{}: der er mere end én undtagelse for datoen. Behold én.", format::date(*date))
        }
        AvailabilityProblem::NoteTooLong { date } => {
            format!("{}: noten må højst være {MAX_NOTE_CHARS} tegn.", format::date(*date))
        }
        AvailabilityProblem::NoteControlCharacters { date } => {
            format!("{}: noten må ikke indeholde kontroltegn.", format::date(*date))
        }
        AvailabilityProblem::HoursOnClosedDay { date, name, .. } => format!(
            "{}: {name} er en lukkedag, så særlige åbningstider gælder ikke. Fjern undtagelsen, eller hold kontoret \
             åbent den dag under lukkedage.",
            format::date(*date)
        ),
        AvailabilityProblem::OverlappingWindows { weekday, date, first, second } => {
            let day = match (date, weekday) {
                (Some(d), _) => format::date(*d),
                (None, Some(w)) => {
                    WEEKDAYS.iter().find(|(d, _)| d == w).map_or_else(|| format!("{w:?}"), |(_, n)| n.to_string())
                }
                (None, None) => "En dag".into(),
            };
            format!(
                "{day}: tidsrummene {} og {} overlapper eller støder op til hinanden. Skriv dem som ét tidsrum.",
                window_text(first),
                window_text(second)
            )
        }
        AvailabilityProblem::TooManyBlocked { count } => {
            format!("Der er {count} blokerede tider; højst {MAX_BLOCKED} gemmes. Fjern gamle.")
        }
        AvailabilityProblem::BlockedNoteTooLong { date } => {
            format!("{}: noten til den blokerede tid må højst være {MAX_NOTE_CHARS} tegn.", format::date(*date))
        }
        AvailabilityProblem::BlockedNoteControlCharacters { date } => {
            format!("{}: noten til den blokerede tid må ikke indeholde kontroltegn.", format::date(*date))
        }
    }
}

impl Editor {
    fn new(a: Availability) -> Self {
        let exceptions: Vec<ExceptionRow> = a
            .exceptions
            .iter()
            .enumerate()
            .map(|(i, e)| ExceptionRow {
                id: i as u32,
                date: RwSignal::new(e.date.to_string()),
                hours: Window::new(e.hours.as_ref()),
                note: RwSignal::new(e.note.clone().unwrap_or_default()),
            })
            .collect();
        let blocked: Vec<BlockedRow> = a
            .blocked
            .iter()
            .enumerate()
            .map(|(i, b)| BlockedRow {
                id: (exceptions.len() + i) as u32,
                date: RwSignal::new(b.date.to_string()),
                hours: RwSignal::new(window_text(&b.hours)),
                note: RwSignal::new(b.note.clone().unwrap_or_default()),
            })
            .collect();
        let next = (exceptions.len() + blocked.len()) as u32;
        Self {
            weekly: WEEKDAYS.iter().map(|&(d, name)| (d, name, Window::new(a.weekly.get(d)))).collect(),
            exceptions: RwSignal::new(exceptions),
            blocked: RwSignal::new(blocked),
            next_id: StoredValue::new(next),
            closed: [
                (RwSignal::new(a.closed_days.christmas_eve), "Juleaftensdag (24. december)"),
                (RwSignal::new(a.closed_days.constitution_day), "Grundlovsdag (5. juni)"),
                (RwSignal::new(a.closed_days.new_years_eve), "Nytårsaftensdag (31. december)"),
            ],
            rules: rule_values(&a.rules)
                .into_iter()
                .map(|(name, label, value)| RuleField { name, label, value: RwSignal::new(value) })
                .collect(),
            fair: FairFields::new(&a.rules),
            base: a,
        }
    }

    /// The settings the form describes, or the problems in Danish.
    fn availability(&self) -> Result<Availability, Vec<String>> {
        let mut problems = Vec::new();
        let mut weekly = WeeklyHours::default();
        for (day, name, window) in &self.weekly {
            match window.hours() {
                Ok(h) => weekly.set(*day, h),
                Err(p) => problems.push(format!("{name}: {p}.")),
            }
        }
        let mut exceptions = Vec::new();
        for row in self.exceptions.get_untracked() {
            let Some(date) = parse_date(&row.date.get_untracked()) else {
                problems.push("En undtagelse mangler en gyldig dato.".into());
                continue;
            };
            let hours = match row.hours.hours() {
                Ok(h) => h,
                Err(p) => {
                    problems.push(format!("{date}: {p}."));
                    None
                }
            };
            let note = row.note.get_untracked().trim().to_string();
            exceptions.push(DateException { date, hours, note: (!note.is_empty()).then_some(note) });
        }
        let mut blocked = Vec::new();
        for row in self.blocked.get_untracked() {
            let Some(date) = parse_date(&row.date.get_untracked()) else {
                problems.push("En blokeret tid mangler en gyldig dato.".into());
                continue;
            };
            match window_from(&row.hours.get_untracked()) {
                Ok(hours) => {
                    let note = row.note.get_untracked().trim().to_string();
                    blocked.push(BlockedHours { date, hours, note: (!note.is_empty()).then_some(note) });
                }
                Err(p) => problems.push(format!("Blokeret {}: {p}.", format::date(date))),
            }
        }
        let mut rules = self.base.rules;
        for field in &self.rules {
            let text = field.value.get_untracked().trim().replace(',', ".");
            let bad = || format!("{}: skriv et tal.", field.label);
            match field.name {
                "road_factor" | "speed_kmh" => match text.parse::<f64>() {
                    Ok(v) if field.name == "road_factor" => rules.travel.road_factor = v,
                    Ok(v) => rules.travel.speed_kmh = v,
                    Err(_) => problems.push(bad()),
                },
                name => match text.parse::<u32>() {
                    Ok(v) => match name {
                        "onsite_minutes" => rules.onsite_minutes = v,
                        "online_minutes" => rules.online_minutes = v,
                        "min_notice_hours" => rules.min_notice_hours = v,
                        "horizon_days" => rules.horizon_days = v,
                        "buffer_minutes" => rules.buffer_minutes = v,
                        "max_onsite_per_day" => rules.max_onsite_per_day = v,
                        "slot_step_minutes" => rules.slot_step_minutes = v,
                        "cap_per_municipality" => rules.cap_per_municipality = v,
                        _ => {}
                    },
                    Err(_) => problems.push(bad()),
                },
            }
        }
        self.fair.apply(&mut rules, &mut problems);
        let [(eve, _), (constitution, _), (new_year, _)] = self.closed;
        let closed_days = ClosedDays {
            christmas_eve: eve.get_untracked(),
            constitution_day: constitution.get_untracked(),
            new_years_eve: new_year.get_untracked(),
        };
        if !problems.is_empty() {
            return Err(problems);
        }
        let a = Availability { weekly, exceptions, blocked, closed_days, rules };
        let problems: Vec<String> = a.problems().iter().map(problem_da).collect();
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(a)
    }
}

pub fn editor(api: Api, notice: RwSignal<Option<Notice>>) -> impl IntoView {
    let refresh = RwSignal::new(0u32);
    let load_api = api.clone();
    let settings = LocalResource::new(move || {
        refresh.get();
        let api = load_api.clone();
        async move { api.get::<Availability>("/api/coordinator/availability").await }
    });
    view! {
        <h3>"Arbejdstider og regler for booking"</h3>
        {move || match settings.get() {
            None => loading().into_any(),
            Some(Err(e)) => load_error(&e, move || refresh.update(|n| *n += 1)).into_any(),
            Some(Ok(a)) => form(api.clone(), a, notice).into_any(),
        }}
    }
}

/// A day's windows as text, e.g. "08.30-12.00, 12.30-16.00".
fn hours_input(id: String, label: String, value: RwSignal<String>, enabled: RwSignal<bool>) -> impl IntoView {
    view! {
        <label class="visually-hidden" for=id.clone()>{label}</label>
        <input
            id=id
            type="text"
            class="hours"
            autocomplete="off"
            aria-describedby="hours-hint"
            disabled=move || !enabled.get()
            prop:value=move || value.get()
            on:change=move |ev| value.set(event_target_value(&ev))
        />
    }
}

fn form(api: Api, a: Availability, notice: RwSignal<Option<Notice>>) -> impl IntoView {
    let editor = StoredValue::new_local(Editor::new(a));
    let problems = RwSignal::new(Vec::<String>::new());
    let busy = RwSignal::new(false);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let result = editor.with_value(Editor::availability);
        let settings = match result {
            Ok(s) => s,
            Err(p) => {
                problems.set(p);
                notice.set(Some(Notice::error("Indstillingerne er ikke gemt: ret problemerne under formularen.")));
                return;
            }
        };
        problems.set(Vec::new());
        busy.set(true);
        let api = api.clone();
        spawn_local(async move {
            let saved: Result<Availability, ApiError> =
                api.send(Method::PUT, "/api/coordinator/availability", &settings, None).await;
            match saved {
                Ok(_) => notice.set(Some(Notice::ok("Arbejdstider og regler er gemt. Nye ledige tider følger dem."))),
                Err(e) => notice.set(Some(Notice::api(&e))),
            }
            busy.set(false);
        });
    };
    let weekly = editor.with_value(|e| e.weekly.clone());
    let closed = editor.with_value(|e| e.closed);
    let rules = editor.with_value(|e| e.rules.clone());
    let fair = editor.with_value(|e| e.fair);
    let exceptions = editor.with_value(|e| e.exceptions);
    let blocked = editor.with_value(|e| e.blocked);
    let next_id = editor.with_value(|e| e.next_id);
    let add_blocked = move |_| {
        let id = next_id.get_value();
        next_id.set_value(id + 1);
        blocked.update(|list| {
            list.push(BlockedRow {
                id,
                date: RwSignal::new(String::new()),
                hours: RwSignal::new("14.00-16.00".into()),
                note: RwSignal::new(String::new()),
            })
        });
    };
    let add = move |_| {
        let id = next_id.get_value();
        next_id.set_value(id + 1);
        exceptions.update(|list| {
            list.push(ExceptionRow {
                id,
                date: RwSignal::new(String::new()),
                hours: Window::new(None),
                note: RwSignal::new(String::new()),
            })
        });
    };
    view! {
        <form class="availability" on:submit=save novalidate>
            <table class="data hours-table">
                <caption>
                    "Ugentlige arbejdstider "
                    <span id="hours-hint" class="hint">
                        "(fx 08.30-16.00; med pause: 08.30-12.00, 12.30-16.00)"
                    </span>
                </caption>
                <thead>
                    <tr>
                        <th scope="col">"Dag"</th>
                        <th scope="col">"Arbejdsdag"</th>
                        <th scope="col">"Arbejdstider"</th>
                    </tr>
                </thead>
                <tbody>
                    {weekly
                        .into_iter()
                        .map(|(day, name, w)| {
                            let check_id = format!("open-{day:?}");
                            view! {
                                <tr>
                                    <th scope="row">{name}</th>
                                    <td>
                                        <input
                                            id=check_id.clone()
                                            type="checkbox"
                                            prop:checked=move || w.open.get()
                                            on:change=move |ev| w.open.set(event_target_checked(&ev))
                                        />
                                        <label class="visually-hidden" for=check_id>
                                            {format!("{name} er arbejdsdag")}
                                        </label>
                                    </td>
                                    <td>
                                        {hours_input(
                                            format!("hours-{day:?}"),
                                            format!("{name}: arbejdstider"),
                                            w.text,
                                            w.open,
                                        )}
                                    </td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
            <fieldset>
                <legend>"Undtagelser (ferie, lukkedage, særlige tider)"</legend>
                {move || {
                    let rows = exceptions.get();
                    if rows.is_empty() {
                        return view! { <p class="empty">"Ingen undtagelser."</p> }.into_any();
                    }
                    view! {
                        <table class="data">
                            <thead>
                                <tr>
                                    <th scope="col">"Dato"</th>
                                    <th scope="col">"Åbent"</th>
                                    <th scope="col">"Arbejdstider"</th>
                                    <th scope="col">"Note"</th>
                                    <th scope="col">"Fjern"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {rows
                                    .into_iter()
                                    .map(|row| exception_row(row, exceptions))
                                    .collect_view()}
                            </tbody>
                        </table>
                    }
                        .into_any()
                }}
                <button type="button" class="secondary" on:click=add>
                    "Tilføj undtagelse"
                </button>
            </fieldset>
            <fieldset>
                <legend>"Blokerede tider (møder på en bestemt dato)"</legend>
                {move || {
                    let rows = blocked.get();
                    if rows.is_empty() {
                        return view! { <p class="empty">"Ingen blokerede tider."</p> }.into_any();
                    }
                    view! {
                        <table class="data">
                            <thead>
                                <tr>
                                    <th scope="col">"Dato"</th>
                                    <th scope="col">"Tidsrum"</th>
                                    <th scope="col">"Note"</th>
                                    <th scope="col">"Fjern"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {rows.into_iter().map(|row| blocked_row(row, blocked)).collect_view()}
                            </tbody>
                        </table>
                    }
                        .into_any()
                }}
                <button type="button" class="secondary" on:click=add_blocked>
                    "Tilføj blokeret tid"
                </button>
            </fieldset>
            <fieldset>
                <legend>"Lukkedage ud over helligdagene"</legend>
                {closed
                    .into_iter()
                    .map(|(on, label)| {
                        view! {
                            <label class="choice">
                                <input
                                    type="checkbox"
                                    prop:checked=move || on.get()
                                    on:change=move |ev| on.set(event_target_checked(&ev))
                                />
                                {label}
                            </label>
                        }
                    })
                    .collect_view()}
            </fieldset>
            <fieldset>
                <legend>"Regler"</legend>
                <div class="rules">
                    {rules
                        .into_iter()
                        .map(|f| {
                            let id = format!("rule-{}", f.name);
                            view! {
                                <div class="field">
                                    <label for=id.clone()>{f.label}</label>
                                    <input
                                        id=id
                                        type="text"
                                        inputmode="decimal"
                                        prop:value=move || f.value.get()
                                        on:change=move |ev| f.value.set(event_target_value(&ev))
                                    />
                                </div>
                            }
                        })
                        .collect_view()}
                </div>
            </fieldset>
            {fair_access::fieldset(fair)}
            {move || {
                let list = problems.get();
                (!list.is_empty())
                    .then(|| {
                        view! {
                            <div class="notice error" role="alert">
                                <p>"Indstillingerne kan ikke gemmes:"</p>
                                <ul class="problems">
                                    {list.into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}
                                </ul>
                            </div>
                        }
                    })
            }}
            <div class="actions">
                <button type="submit" class="primary" disabled=move || busy.get()>
                    "Gem arbejdstider og regler"
                </button>
            </div>
        </form>
    }
}

fn exception_row(row: ExceptionRow, list: RwSignal<Vec<ExceptionRow>>) -> impl IntoView {
    let id = row.id;
    let w = row.hours;
    view! {
        <tr>
            {date_cell(format!("ex-date-{id}"), row.date)}
            <td>
                <input
                    id=format!("ex-open-{id}")
                    type="checkbox"
                    prop:checked=move || w.open.get()
                    on:change=move |ev| w.open.set(event_target_checked(&ev))
                />
                <label for=format!("ex-open-{id}")>"Åbent med særlige tider"</label>
            </td>
            <td>{hours_input(format!("ex-hours-{id}"), "Arbejdstider".into(), w.text, w.open)}</td>
            {note_cell(format!("ex-note-{id}"), row.note)}
            {remove_cell(" undtagelsen", move || list.update(|l| l.retain(|r| r.id != id)))}
        </tr>
    }
}

fn blocked_row(row: BlockedRow, list: RwSignal<Vec<BlockedRow>>) -> impl IntoView {
    let id = row.id;
    view! {
        <tr>
            {date_cell(format!("bl-date-{id}"), row.date)}
            <td>
                <label class="visually-hidden" for=format!("bl-hours-{id}")>"Tidsrum, fx 14.00-16.00"</label>
                <input
                    id=format!("bl-hours-{id}")
                    type="text"
                    class="hours"
                    autocomplete="off"
                    prop:value=move || row.hours.get()
                    on:change=move |ev| row.hours.set(event_target_value(&ev))
                />
            </td>
            {note_cell(format!("bl-note-{id}"), row.note)}
            {remove_cell(" den blokerede tid", move || list.update(|l| l.retain(|r| r.id != id)))}
        </tr>
    }
}

/// The date of a row of exceptions or blocked hours.
fn date_cell(id: String, value: RwSignal<String>) -> impl IntoView {
    view! {
        <td>
            <label class="visually-hidden" for=id.clone()>"Dato"</label>
            <input
                id=id
                type="date"
                prop:value=move || value.get()
                on:change=move |ev| value.set(event_target_value(&ev))
            />
        </td>
    }
}

fn note_cell(id: String, value: RwSignal<String>) -> impl IntoView {
    view! {
        <td>
            <label class="visually-hidden" for=id.clone()>"Note"</label>
            <input
                id=id
                type="text"
                maxlength=MAX_NOTE_CHARS
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
            />
        </td>
    }
}

/// "Fjern", with `what` for screen readers (" undtagelsen").
fn remove_cell(what: &'static str, remove: impl Fn() + 'static) -> impl IntoView {
    view! {
        <td>
            <button type="button" class="danger" on:click=move |_| remove()>
                "Fjern"
                <span class="visually-hidden">{what}</span>
            </button>
        </td>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn working_hours_come_from_two_time_fields() {
        assert_eq!(parse_hhmm("08:30"), Some((8, 30)));
        assert_eq!(parse_hhmm("8:05"), Some((8, 5)));
        assert_eq!(parse_hhmm("08:30:00"), Some((8, 30)));
        assert_eq!(parse_hhmm("25:00"), None);
        assert!(hours_from("08:30", "16:00").is_ok());
        assert!(hours_from("16:00", "08:30").unwrap_err().contains("efter"));
        assert!(hours_from("", "08:30").unwrap_err().contains("tt.mm"));
    }

    #[test]
    fn a_day_with_a_lunch_break_is_written_as_two_windows() {
        let day = day_hours_from("08.30-12.00, 12:30–16:00").unwrap();
        assert_eq!(day.windows().len(), 2);
        assert_eq!(day_hours_text(&day), "08.30-12.00, 12.30-16.00");
        assert_eq!(day_hours_from("8.30-12 og 13.00-15.00").unwrap_err(), "skriv tiderne som tt.mm, fx 08.30");
        assert!(day_hours_from("08.30").unwrap_err().contains("fra-til"));
        assert!(day_hours_from(" , ").unwrap_err().contains("mindst ét tidsrum"));
        assert!(day_hours_from("16.00-08.00").unwrap_err().contains("efter"));
    }
}

#[cfg(test)]
mod problem_tests {
    use dk2020_model::schedule::{DateException, RuleField};
    use jiff::civil::date;

    use super::*;

    #[test]
    fn every_settings_problem_the_model_finds_is_told_in_danish() {
        let mut a = Availability::default();
        a.rules.onsite_minutes = 5;
        a.rules.min_notice_hours = 700;
        a.rules.horizon_days = 2;
        a.rules.travel.road_factor = 9.0;
        a.rules.travel.speed_kmh = 500.0;
        let christmas = date(2026, 12, 25);
        let hours = WorkingHours::new(jiff::civil::time(9, 0, 0, 0), jiff::civil::time(12, 0, 0, 0)).unwrap();
        let exception = DateException { date: christmas, hours: Some(hours.into()), note: Some("x\u{7}".repeat(150)) };
        a.exceptions = vec![exception.clone(), exception];
        let overlapping = DayHours::new(vec![hours, WorkingHours::hm(11, 0, 15, 0).unwrap()]);
        a.weekly.set(Weekday::Monday, overlapping);
        a.blocked.push(BlockedHours { date: christmas, hours, note: Some("x".repeat(300)) });
        let problems = a.problems();
        assert!(problems.contains(&AvailabilityProblem::OutOfRange {
            field: RuleField::OnsiteMinutes,
            min: 15,
            max: 480,
            value: 5
        }));
        assert!(problems.len() >= 7, "{problems:?}");
        for p in &problems {
            let text = problem_da(p);
            let lower = format!(" {} ", text.to_lowercase());
            for english in [" the ", " must ", " is ", " note of ", "between", "exception", "closed day", "minutes"] {
                assert!(!lower.contains(english), "English {english:?} in {text:?}");
            }
            assert!(text.ends_with('.'), "{text}");
        }
        assert_eq!(problem_da(&problems[0]), "Besøg på rådhuset (minutter): skal være mellem 15 og 480.");
        assert!(problem_da(&AvailabilityProblem::NoWorkingHours).contains("arbejdstider"));
    }
}
