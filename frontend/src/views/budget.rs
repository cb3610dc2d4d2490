//! The budget view (public): the per-municipality payment table per year
//! from `GET /api/budget/allocation`, with controls for the key (per capita
//! or hybrid with a percentage split equally), the total, the years and the
//! first calendar year, what KD-Net's frame covers each year (the same, or
//! year by year), outside contributions and opt-outs; CSV and XLSX download.
//! The form ([`Form`], [`params_fields`]) is also the secretariat's
//! scenario editor.

// The form's errors are one message per field, made per edit and shown at
// once: boxing them (what `result_large_err` suggests) would buy nothing.
#![allow(clippy::result_large_err)]

use std::collections::BTreeSet;

use dk2020_model::{
    MunicipalityCode,
    allocation::{Key, KeyKind, Percent, Plan, PlanParams, START_YEARS},
    format,
};
use leptos::{prelude::*, task::spawn_local};

use crate::{
    api::Api,
    components::{Notice, load_error, loading, notice_area},
};

/// The form's raw values.
#[derive(Clone, Copy)]
pub struct Form {
    total: RwSignal<String>,
    years: RwSignal<String>,
    start_year: RwSignal<String>,
    key: RwSignal<KeyKind>,
    percent: RwSignal<String>,
    frame: RwSignal<String>,
    frames: RwSignal<String>,
    contribution: RwSignal<String>,
    excluded: RwSignal<BTreeSet<MunicipalityCode>>,
}

/// The equal share offered when she switches to the hybrid key: the seed's
/// 25 % split equally, 75 % per capita.
const HYBRID_DEFAULT_PERCENT: &str = "25";

impl Default for Form {
    fn default() -> Self {
        Self::new()
    }
}

impl Form {
    pub fn new() -> Self {
        let text = || RwSignal::new(String::new());
        Self {
            total: text(),
            years: text(),
            start_year: text(),
            key: RwSignal::new(KeyKind::PerCapita),
            percent: RwSignal::new(HYBRID_DEFAULT_PERCENT.into()),
            frame: text(),
            frames: text(),
            contribution: text(),
            excluded: RwSignal::new(BTreeSet::new()),
        }
    }

    pub fn fill(&self, p: &PlanParams) {
        self.total.set(p.total.to_string());
        self.years.set(p.years.to_string());
        self.start_year.set(p.start_year.map(|y| y.to_string()).unwrap_or_default());
        self.key.set(p.key.kind());
        self.percent.set(match p.key {
            Key::Hybrid { equal_percent } => equal_percent.to_string(),
            // The hybrid key of the seed's papers: 25 % equally, 75 % per capita.
            Key::PerCapita => HYBRID_DEFAULT_PERCENT.into(),
        });
        self.frame.set(p.frame_per_year.to_string());
        let frames: Vec<String> = p.frame_by_year.iter().map(|f| f.to_string()).collect();
        self.frames.set(frames.join("; "));
        self.contribution.set(p.contribution_per_year.to_string());
        self.excluded.set(p.exclude.clone());
    }

    /// The parameters the form says (tracked: call it in a memo), or the
    /// problems by field.
    pub fn params(&self) -> Result<PlanParams, FormErrors> {
        params_from(
            &FormValues {
                total: &self.total.get(),
                years: &self.years.get(),
                start_year: &self.start_year.get(),
                key: self.key.get(),
                percent: &self.percent.get(),
                frame: &self.frame.get(),
                frames: &self.frames.get(),
                contribution: &self.contribution.get(),
            },
            &self.excluded.get(),
        )
    }
}

/// The form's texts, as typed.
pub struct FormValues<'a> {
    pub total: &'a str,
    pub years: &'a str,
    pub start_year: &'a str,
    pub key: KeyKind,
    pub percent: &'a str,
    pub frame: &'a str,
    pub frames: &'a str,
    pub contribution: &'a str,
}

/// Problems with the form's values, by field.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FormErrors {
    pub total: Option<String>,
    pub years: Option<String>,
    pub percent: Option<String>,
    pub frame: Option<String>,
    pub frames: Option<String>,
    pub contribution: Option<String>,
    pub start_year: Option<String>,
    pub participants: Option<String>,
}

/// `3.000.000`, `3 000 000` and `3000000` are all 3 million kroner.
pub fn parse_kroner(value: &str) -> Option<u64> {
    let digits: String = value.chars().filter(|c| !matches!(c, '.' | ' ' | '\u{a0}')).collect();
    let digits = digits.trim_end_matches("kr").trim();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// The plan parameters from the form's values, or Danish errors per field.
pub fn params_from(v: &FormValues<'_>, excluded: &BTreeSet<MunicipalityCode>) -> Result<PlanParams, FormErrors> {
    let mut errors = FormErrors::default();
    let total = parse_kroner(v.total).filter(|t| *t > 0);
    if total.is_none() {
        errors.total = Some("Skriv beløbet i hele kroner, fx 3.000.000.".into());
    }
    let years = v.years.trim().parse::<u32>().ok().filter(|y| (1..=50).contains(y));
    if years.is_none() {
        errors.years = Some("Skriv et antal år fra 1 til 50.".into());
    }
    let start_year = match v.start_year.trim() {
        "" => Some(None),
        text => text.parse::<i16>().ok().filter(|y| START_YEARS.contains(y)).map(Some),
    };
    if start_year.is_none() {
        errors.start_year =
            Some("Skriv et årstal fra 2000 til 2100, fx 2021, eller lad feltet stå tomt for «År 1, År 2 …».".into());
    }
    let key = match v.key {
        KeyKind::PerCapita => Some(Key::PerCapita),
        KeyKind::Hybrid => match v.percent.parse::<Percent>() {
            Ok(equal_percent) => Some(Key::Hybrid { equal_percent }),
            Err(_) => {
                errors.percent = Some("Skriv en procentsats fra 0 til 100, fx 25 eller 12,5.".into());
                None
            }
        },
    };
    let frame = parse_kroner(v.frame);
    if frame.is_none() {
        errors.frame = Some("Skriv beløbet i hele kroner (0, hvis rammen ikke dækker noget).".into());
    }
    let frames: Option<Vec<u64>> =
        v.frames.split(';').map(str::trim).filter(|f| !f.is_empty()).map(parse_kroner).collect();
    match (&frames, years) {
        (None, _) => {
            errors.frames = Some("Skriv beløbene i hele kroner adskilt af semikolon, fx 100.000; 200.000; 0.".into());
        }
        (Some(f), Some(y)) if !f.is_empty() && f.len() != y as usize => {
            errors.frames = Some(format!("Skriv ét beløb for hvert af de {y} år, eller lad feltet stå tomt."));
        }
        _ => {}
    }
    let contribution = parse_kroner(v.contribution);
    if contribution.is_none() {
        errors.contribution = Some("Skriv beløbet i hele kroner (0, hvis ingen bidrager udefra).".into());
    }
    if excluded.len() >= MunicipalityCode::all().len() {
        errors.participants = Some("Mindst én kommune skal deltage.".into());
    }
    match (total, years, key, frame, frames, contribution, start_year) {
        (
            Some(total),
            Some(years),
            Some(key),
            Some(frame_per_year),
            Some(frame_by_year),
            Some(contribution_per_year),
            Some(start_year),
        ) if errors == FormErrors::default() => Ok(PlanParams {
            total,
            years,
            key,
            frame_per_year,
            frame_by_year,
            contribution_per_year,
            start_year,
            exclude: excluded.clone(),
        }),
        _ => Err(errors),
    }
}

pub fn view(api: Api) -> impl IntoView {
    let form = Form::new();
    let ready = RwSignal::new(false);
    let notice = RwSignal::new(None::<Notice>);
    let refresh = RwSignal::new(0u32);

    // The stored defaults first (public); the built-in defaults if they fail.
    let defaults_api = api.clone();
    spawn_local(async move {
        match defaults_api.get::<PlanParams>("/api/budget/params").await {
            Ok(p) => form.fill(&p),
            Err(e) => {
                form.fill(&PlanParams::default());
                notice.set(Some(Notice::error(format!(
                    "De gemte forudsætninger kunne ikke hentes; beregningen bruger KD-Nets beslutning fra 2020. {}",
                    e.danish()
                ))));
            }
        }
        ready.set(true);
    });

    let params = Memo::new(move |_| form.params());
    let errors = Memo::new(move |_| params.get().err().unwrap_or_default());

    let plan_api = api.clone();
    let plan = LocalResource::new(move || {
        refresh.get();
        let wanted = ready.get().then(|| params.get().ok()).flatten();
        let api = plan_api.clone();
        async move {
            match wanted {
                Some(p) => Some(api.get::<Plan>(&format!("/api/budget/allocation?{}", p.to_query())).await),
                None => None,
            }
        }
    });

    let table = move || {
        if !ready.get() {
            return loading().into_any();
        }
        if params.with(Result::is_err) {
            return view! { <p class="empty">"Ret forudsætningerne ovenfor for at se fordelingen."</p> }.into_any();
        }
        match plan.get() {
            None | Some(None) => loading().into_any(),
            Some(Some(Err(e))) => load_error(&e, move || refresh.update(|n| *n += 1)).into_any(),
            Some(Some(Ok(plan))) => plan_table(&api, plan).into_any(),
        }
    };

    view! {
        <section class="view budget" aria-labelledby="budget-title">
            <h2 id="budget-title">"Fordeling af udgifterne til den fælles klimaindsats"</h2>
            <p class="lead">
                "KD-Net har afsat 3 mio. kr. over tre år. Den del, KD-Nets egen ramme ikke dækker, "
                "fordeles på kommunerne og opkræves sammen med den årlige KD-Net-betaling."
            </p>
            {notice_area(notice)}
            <form class="budget-form" on:submit=|ev| ev.prevent_default() novalidate>
                {params_fields("", form, errors)}
            </form>
            <div aria-live="polite">{table}</div>
        </section>
    }
}

/// The form's fieldsets: the amounts and years, the key and the
/// participants. `prefix` keeps the ids apart when a page has two forms.
pub fn params_fields(prefix: &'static str, form: Form, errors: Memo<FormErrors>) -> impl IntoView {
    let id = move |name: &str| format!("{prefix}{name}");
    let field = move |name: &str, label: &'static str, value, error: fn(FormErrors) -> Option<String>| {
        number_field(id(name), label, value, Signal::derive(move || error(errors.get())))
    };
    let key_name = id("key");
    view! {
        <fieldset>
            <legend>"Forudsætninger"</legend>
            {field("total", "Samlet beløb (kr.)", form.total, |e| e.total)}
            {field("years", "Antal år", form.years, |e| e.years)}
            {field("start_year", "Første år (fx 2021; tomt: År 1, År 2 …)", form.start_year, |e| e.start_year)}
            {field("frame", "KD-Nets ramme dækker pr. år (kr.)", form.frame, |e| e.frame)}
            {field(
                "frames",
                "Eller rammen år for år (kr., adskilt af semikolon)",
                form.frames,
                |e| e.frames,
            )}
            {field(
                "contribution",
                "Bidrag udefra pr. år, fx regionens (kr.)",
                form.contribution,
                |e| e.contribution,
            )}
        </fieldset>
        <fieldset>
            <legend>"Fordelingsnøgle"</legend>
            <label class="choice">
                <input
                    type="radio"
                    name=key_name.clone()
                    value="per-capita"
                    prop:checked=move || form.key.get() == KeyKind::PerCapita
                    on:change=move |_| form.key.set(KeyKind::PerCapita)
                />
                "Efter indbyggertal"
            </label>
            <label class="choice">
                <input
                    type="radio"
                    name=key_name
                    value="hybrid"
                    prop:checked=move || form.key.get() == KeyKind::Hybrid
                    on:change=move |_| form.key.set(KeyKind::Hybrid)
                />
                "Blandet: en del ligeligt, resten efter indbyggertal"
            </label>
            {move || {
                (form.key.get() == KeyKind::Hybrid)
                    .then(|| field("percent", "Andel fordelt ligeligt (%)", form.percent, |e| e.percent))
            }}
        </fieldset>
        <fieldset>
            <legend>"Deltagende kommuner (fjern fluebenet for at fravælge)"</legend>
            <div class="optouts">
                {MunicipalityCode::all()
                    .into_iter()
                    .map(|code| {
                        view! {
                            <label>
                                <input
                                    type="checkbox"
                                    value=code.get().to_string()
                                    prop:checked=move || !form.excluded.with(|e| e.contains(&code))
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        form.excluded
                                            .update(|e| {
                                                if on {
                                                    e.remove(&code);
                                                } else {
                                                    e.insert(code);
                                                }
                                            });
                                    }
                                />
                                {code.name()}
                            </label>
                        }
                    })
                    .collect_view()}
            </div>
            <p class="field-error">{move || errors.get().participants}</p>
        </fieldset>
    }
}

/// A labelled text input for a number that updates on change.
fn number_field(
    id: String,
    label: &'static str,
    value: RwSignal<String>,
    error: Signal<Option<String>>,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    let described = error_id.clone();
    view! {
        <div class="field inline" class:invalid=move || error.with(Option::is_some)>
            <label for=id.clone()>{label}</label>
            <input
                id=id
                type="text"
                inputmode="decimal"
                size="12"
                prop:value=move || value.get()
                on:change=move |ev| value.set(event_target_value(&ev))
                aria-invalid=move || if error.with(Option::is_some) { "true" } else { "false" }
                aria-describedby=move || error.with(|e| e.as_ref().map(|_| described.clone()))
            />
            <p class="field-error" id=error_id>
                {move || error.get()}
            </p>
        </div>
    }
}

fn kr(n: u64) -> String {
    format::kroner(i64::try_from(n).unwrap_or(i64::MAX))
}

fn plan_table(api: &Api, plan: Plan) -> impl IntoView + use<> {
    let query = plan.params.to_query();
    let csv = api.url(&format!("/api/budget/allocation?{query}&format=csv"));
    let xlsx = api.url(&format!("/api/budget/allocation?{query}&format=xlsx"));
    let label = |year: u32| plan.params.year_label(year);
    let year_heads =
        plan.years.iter().map(|y| view! { <th scope="col" class="num">{label(y.year)}</th> }).collect_view();
    let summary = plan
        .years
        .iter()
        .map(|y| {
            view! {
                <tr>
                    <th scope="row">{label(y.year)}</th>
                    <td class="num">{kr(y.amount)}</td>
                    <td class="num">{kr(y.frame)}</td>
                    <td class="num">{kr(y.contribution)}</td>
                    <td class="num">{kr(y.shared)}</td>
                </tr>
            }
        })
        .collect_view();
    let rows = plan
        .rows
        .iter()
        .map(|r| {
            let years = r.years.iter().map(|&a| view! { <td class="num">{kr(a)}</td> }).collect_view();
            view! {
                <tr data-code=r.code.get().to_string()>
                    <th scope="row">{r.name.clone()}</th>
                    <td class="num">{format::integer(i64::from(r.population))}</td>
                    {years}
                    <td class="num">{kr(r.total)}</td>
                </tr>
            }
        })
        .collect_view();
    let totals = plan.totals.years.iter().map(|&a| view! { <td class="num">{kr(a)}</td> }).collect_view();
    let population: u64 = plan.rows.iter().map(|r| u64::from(r.population)).sum();
    let key = match plan.params.key {
        Key::PerCapita => "efter indbyggertal".to_string(),
        Key::Hybrid { equal_percent } => {
            format!("{} ligeligt, resten efter indbyggertal", format::percent(equal_percent.as_f64(), 0))
        }
    };
    view! {
        <p class="summary">
            {format!(
                "{} over {} år{}, fordelt {} på {} kommuner. KD-Nets ramme dækker {}, bidrag udefra {}, og kommunerne betaler {}",
                kr(plan.totals.total + plan.totals.frame + plan.totals.contribution),
                plan.params.years,
                plan.params.start_year.map(|_| format!(" ({}-{})", label(1), label(plan.params.years))).unwrap_or_default(),
                key,
                plan.rows.len(),
                kr(plan.totals.frame),
                kr(plan.totals.contribution),
                kr(plan.totals.total),
            )}
        </p>
        <div class="toolbar">
            <a class="button-link" href=csv download>
                "Hent CSV"
            </a>
            <a class="button-link" href=xlsx download>
                "Hent Excel (XLSX)"
            </a>
        </div>
        <div class="table-wrap">
            <table class="data years">
                <caption>"År for år"</caption>
                <thead>
                    <tr>
                        <th scope="col">"År"</th>
                        <th scope="col" class="num">"Udgift"</th>
                        <th scope="col" class="num">"Dækket af KD-Nets ramme"</th>
                        <th scope="col" class="num">"Bidrag udefra"</th>
                        <th scope="col" class="num">"Fordeles på kommunerne"</th>
                    </tr>
                </thead>
                <tbody>{summary}</tbody>
            </table>
        </div>
        <div class="table-wrap">
            <table class="data plan">
                <caption>"Betaling pr. kommune"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Kommune"</th>
                        <th scope="col" class="num">"Indbyggere"</th>
                        {year_heads}
                        <th scope="col" class="num">"I alt"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
                <tfoot>
                    <tr>
                        <th scope="row">"I alt"</th>
                        <td class="num">{format::integer(population as i64)}</td>
                        {totals}
                        <td class="num grand-total">{kr(plan.totals.total)}</td>
                    </tr>
                </tfoot>
            </table>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_may_be_written_the_danish_way() {
        assert_eq!(parse_kroner("3.000.000"), Some(3_000_000));
        assert_eq!(parse_kroner("3 000 000 kr"), Some(3_000_000));
        assert_eq!(parse_kroner("0"), Some(0));
        assert_eq!(parse_kroner("3,5"), None);
        assert_eq!(parse_kroner(""), None);
    }

    #[test]
    fn the_form_gives_plan_parameters_or_errors_by_field() {
        let none = BTreeSet::new();
        let values = FormValues {
            total: "3.000.000",
            years: "3",
            start_year: "2021",
            key: KeyKind::Hybrid,
            percent: "12,5",
            frame: "250000",
            frames: "",
            contribution: "500.000",
        };
        let p = params_from(&values, &none).unwrap();
        assert_eq!(p.total, 3_000_000);
        assert_eq!(p.key, Key::Hybrid { equal_percent: "12.5".parse().unwrap() });
        assert_eq!(
            p.to_query(),
            "total=3000000&years=3&key=hybrid&equal_percent=12.5&frame_per_year=250000&frame_by_year=\
             &contribution_per_year=500000&start_year=2021&exclude="
        );
        let by_year =
            params_from(&FormValues { frames: "100.000; 0;200 000", start_year: "", ..values }, &none).unwrap();
        assert_eq!((by_year.frame_by_year, by_year.start_year), (vec![100_000, 0, 200_000], None));
        let bad = FormValues {
            total: "x",
            years: "0",
            start_year: "21",
            key: KeyKind::Hybrid,
            percent: "120",
            frame: "",
            frames: "1; lots",
            contribution: "-1",
        };
        let e = params_from(&bad, &none).unwrap_err();
        assert!(e.total.is_some() && e.years.is_some() && e.percent.is_some() && e.frame.is_some());
        assert!(e.frames.is_some() && e.contribution.is_some() && e.start_year.is_some());
        let two_frames = params_from(&FormValues { frames: "1; 2", ..values }, &none).unwrap_err();
        assert!(two_frames.frames.unwrap().contains("3 år"));
        let all: BTreeSet<_> = MunicipalityCode::all().into_iter().collect();
        assert!(params_from(&values, &all).unwrap_err().participants.is_some());
    }
}
