//! The secretariat's budget scenarios: save the budget form's parameters
//! under a name, edit and delete them, and put two side by side with the
//! difference per municipality and year (`/api/budget/scenarios`,
//! `/api/budget/comparison`), on screen and as CSV or XLSX.

// As in the budget view: the form's per-field errors are not worth a box.
#![allow(clippy::result_large_err)]

use dk2020_model::{
    api::{Comparison, Scenario, ScenarioRequest, ScenariosResponse},
    format,
    scenario::{ScenarioId, ScenarioName, describe_da},
};
use gloo_net::http::Method;
use leptos::{prelude::*, task::spawn_local};

use crate::{
    api::{Api, ApiError},
    components::{Notice, load_error, loading},
    views::budget::{Form, params_fields},
};

pub fn section(api: Api, notice: RwSignal<Option<Notice>>) -> impl IntoView {
    let refresh = RwSignal::new(0u32);
    let list_api = api.clone();
    let scenarios = LocalResource::new(move || {
        refresh.get();
        let api = list_api.clone();
        async move { api.get::<ScenariosResponse>("/api/budget/scenarios").await }
    });
    let form = Form::new();
    form.fill(&Default::default());
    let name = RwSignal::new(String::new());
    let editing = RwSignal::new(None::<ScenarioId>);
    let a = RwSignal::new(String::new());
    let b = RwSignal::new(String::new());

    let compare_api = api.clone();
    let editor_api = api.clone();
    let list = move || match scenarios.get() {
        None => loading().into_any(),
        Some(Err(e)) => load_error(&e, move || refresh.update(|n| *n += 1)).into_any(),
        Some(Ok(response)) => {
            scenario_list(api.clone(), response.scenarios, Editing { form, name, editing }, notice, refresh).into_any()
        }
    };
    let options = move || scenarios.get().and_then(Result::ok).map(|r| r.scenarios).unwrap_or_default();
    view! {
        <h3>"Budgetscenarier"</h3>
        <p class="hint">
            "Gem forudsætningerne for fordelingen under et navn, fx «19 deltagere» og «Uden Viborg og Samsø», og "
            "sammenlign to scenarier: forskellen pr. kommune og år vises, og kan hentes som CSV eller Excel."
        </p>
        {list}
        {editor(editor_api, Editing { form, name, editing }, notice, refresh)}
        <h4>"Sammenlign to scenarier"</h4>
        <div class="compare-pickers">
            {picker("compare-a", "Scenarie A", a, options)}
            {picker("compare-b", "Scenarie B", b, options)}
        </div>
        {move || comparison(compare_api.clone(), a.get(), b.get())}
    }
}

/// What the editor works on: the budget form, the name, and the scenario
/// being changed (`None`: a new one).
#[derive(Clone, Copy)]
struct Editing {
    form: Form,
    name: RwSignal<String>,
    editing: RwSignal<Option<ScenarioId>>,
}

fn scenario_list(
    api: Api,
    scenarios: Vec<Scenario>,
    edit: Editing,
    notice: RwSignal<Option<Notice>>,
    refresh: RwSignal<u32>,
) -> impl IntoView {
    if scenarios.is_empty() {
        return view! { <p class="empty">"Ingen gemte scenarier endnu."</p> }.into_any();
    }
    let rows = scenarios
        .into_iter()
        .map(|s| {
            let api = api.clone();
            let label = s.name.as_str().to_string();
            let chosen = s.clone();
            let start_edit = move |_| {
                edit.form.fill(&chosen.params);
                edit.name.set(chosen.name.as_str().to_string());
                edit.editing.set(Some(chosen.id.clone()));
            };
            let id = s.id.clone();
            let name = label.clone();
            let remove = move |_| {
                let (api, id, name) = (api.clone(), id.clone(), name.clone());
                spawn_local(async move {
                    match api.delete(&format!("/api/budget/scenarios/{id}")).await {
                        Ok(()) => {
                            notice.set(Some(Notice::ok(format!("Scenariet «{name}» er slettet."))));
                            if edit.editing.get_untracked().as_ref() == Some(&id) {
                                edit.editing.set(None);
                            }
                        }
                        Err(e) => notice.set(Some(Notice::api(&e))),
                    }
                    refresh.update(|n| *n += 1);
                });
            };
            view! {
                <tr>
                    <th scope="row">{label.clone()}</th>
                    <td>{describe_da(&s.params)}</td>
                    <td>{format::date_time(dk2020_model::LocalTime::new(s.updated_at))}</td>
                    <td class="actions">
                        <button type="button" class="secondary" on:click=start_edit>
                            "Redigér"
                            <span class="visually-hidden">{format!(" {label}")}</span>
                        </button>
                        <button type="button" class="secondary" on:click=remove>
                            "Slet"
                            <span class="visually-hidden">{format!(" {label}")}</span>
                        </button>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap" tabindex="0" role="region" aria-label="Gemte scenarier">
            <table class="data scenarios">
                <caption>"Gemte scenarier"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Navn"</th>
                        <th scope="col">"Forudsætninger"</th>
                        <th scope="col">"Ændret"</th>
                        <th scope="col">"Handlinger"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}

fn editor(api: Api, edit: Editing, notice: RwSignal<Option<Notice>>, refresh: RwSignal<u32>) -> impl IntoView {
    let params = Memo::new(move |_| edit.form.params());
    let errors = Memo::new(move |_| params.get().err().unwrap_or_default());
    let name_error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let name = match ScenarioName::parse(&edit.name.get_untracked()) {
            Ok(name) => {
                name_error.set(None);
                name
            }
            Err(_) => {
                name_error.set(Some("Giv scenariet et navn på højst 80 tegn.".into()));
                return;
            }
        };
        let Ok(params) = params.get_untracked() else {
            notice.set(Some(Notice::error("Scenariet er ikke gemt: ret forudsætningerne i formularen.")));
            return;
        };
        let request = ScenarioRequest { name, params };
        let api = api.clone();
        busy.set(true);
        spawn_local(async move {
            let saved: Result<Scenario, ApiError> = match edit.editing.get_untracked() {
                Some(id) => api.send(Method::PUT, &format!("/api/budget/scenarios/{id}"), &request, None).await,
                None => api.send(Method::POST, "/api/budget/scenarios", &request, None).await,
            };
            match saved {
                Ok(s) => {
                    notice.set(Some(Notice::ok(format!("Scenariet «{}» er gemt.", s.name.as_str()))));
                    edit.editing.set(Some(s.id));
                    refresh.update(|n| *n += 1);
                }
                Err(e) => notice.set(Some(Notice::api(&e))),
            }
            busy.set(false);
        });
    };
    let new_one = move |_| {
        edit.editing.set(None);
        edit.name.set(String::new());
        edit.form.fill(&Default::default());
    };
    view! {
        <form class="budget-form scenario-form" on:submit=save novalidate>
            <h4>
                {move || {
                    if edit.editing.with(Option::is_some) { "Redigér scenariet" } else { "Nyt scenarie" }
                }}
            </h4>
            <div class="field" class:invalid=move || name_error.with(Option::is_some)>
                <label for="scenario-name">"Navn på scenariet"</label>
                <input
                    id="scenario-name"
                    type="text"
                    maxlength="80"
                    prop:value=move || edit.name.get()
                    on:change=move |ev| edit.name.set(event_target_value(&ev))
                    aria-invalid=move || if name_error.with(Option::is_some) { "true" } else { "false" }
                    aria-describedby="scenario-name-error"
                />
                <p class="field-error" id="scenario-name-error">
                    {move || name_error.get()}
                </p>
            </div>
            {params_fields("scenario-", edit.form, errors)}
            <div class="actions">
                <button type="submit" class="primary" disabled=move || busy.get()>
                    {move || if edit.editing.with(Option::is_some) { "Gem ændringer" } else { "Gem scenariet" }}
                </button>
                <button type="button" class="secondary" on:click=new_one>
                    "Nyt scenarie"
                </button>
            </div>
        </form>
    }
}

fn picker(
    id: &'static str,
    label: &'static str,
    value: RwSignal<String>,
    options: impl Fn() -> Vec<Scenario> + Copy + Send + Sync + 'static,
) -> impl IntoView {
    view! {
        <div class="field inline">
            <label for=id>{label}</label>
            <select id=id prop:value=move || value.get() on:change=move |ev| value.set(event_target_value(&ev))>
                <option value="">"Vælg et scenarie"</option>
                {move || {
                    options()
                        .into_iter()
                        .map(|s| {
                            let id = s.id.to_string();
                            let selected = value.get_untracked() == id;
                            view! {
                                <option value=id selected=selected>
                                    {s.name.as_str().to_string()}
                                </option>
                            }
                        })
                        .collect_view()
                }}
            </select>
        </div>
    }
}

fn signed_kr(n: i64) -> String {
    if n > 0 { format!("+{}", format::kroner(n)) } else { format::kroner(n) }
}

fn kr(n: u64) -> String {
    format::kroner(i64::try_from(n).unwrap_or(i64::MAX))
}

/// The comparison of the two chosen scenarios, once both are chosen.
fn comparison(api: Api, a: String, b: String) -> impl IntoView {
    if a.is_empty() || b.is_empty() {
        return view! { <p class="empty">"Vælg to scenarier for at se forskellen."</p> }.into_any();
    }
    let path = format!("/api/budget/comparison?a={a}&b={b}");
    let load_api = api.clone();
    let load_path = path.clone();
    let result = LocalResource::new(move || {
        let (api, path) = (load_api.clone(), load_path.clone());
        async move { api.get::<Comparison>(&path).await }
    });
    view! {
        {move || match result.get() {
            None => loading().into_any(),
            Some(Err(e)) => load_error(&e, || {}).into_any(),
            Some(Ok(c)) => comparison_table(api.clone(), &path, c).into_any(),
        }}
    }
    .into_any()
}

fn comparison_table(api: Api, path: &str, c: Comparison) -> impl IntoView {
    let download = |format: &'static str, mime: &'static str| {
        let (api, path) = (api.clone(), format!("{path}&format={format}"));
        move |_| {
            let (api, path) = (api.clone(), path.clone());
            spawn_local(async move {
                let file = format!("dk2020-scenarier-sammenlignet.{format}");
                let _ = api.download(&path, &file, mime).await;
            });
        }
    };
    let year_heads = c
        .years
        .iter()
        .map(|y| {
            view! {
                <th scope="col" class="num">{format!("{} A", y.label)}</th>
                <th scope="col" class="num">{format!("{} B", y.label)}</th>
                <th scope="col" class="num difference">{format!("{} forskel", y.label)}</th>
            }
        })
        .collect_view();
    let rows = c
        .rows
        .iter()
        .map(|r| {
            let cells = (0..c.years.len())
                .map(|i| {
                    view! {
                        <td class="num">{kr(r.a[i])}</td>
                        <td class="num">{kr(r.b[i])}</td>
                        <td class="num difference">{signed_kr(r.difference[i])}</td>
                    }
                })
                .collect_view();
            let note = match (r.in_a, r.in_b) {
                (true, false) => " (fravalgt i B)",
                (false, true) => " (fravalgt i A)",
                (false, false) => " (fravalgt i begge)",
                (true, true) => "",
            };
            view! {
                <tr data-code=r.code.get().to_string()>
                    <th scope="row">{format!("{}{note}", r.name)}</th>
                    {cells}
                    <td class="num">{kr(r.a_total)}</td>
                    <td class="num">{kr(r.b_total)}</td>
                    <td class="num difference">{signed_kr(r.difference_total)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <dl class="scenario-params">
            <dt>{format!("A: {}", c.a.name.as_str())}</dt>
            <dd>{describe_da(&c.a.params)}</dd>
            <dt>{format!("B: {}", c.b.name.as_str())}</dt>
            <dd>{describe_da(&c.b.params)}</dd>
        </dl>
        <div class="toolbar">
            <button type="button" class="secondary" on:click=download("csv", "text/csv")>
                "Hent sammenligningen som CSV"
            </button>
            <button
                type="button"
                class="secondary"
                on:click=download("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            >
                "Hent sammenligningen som Excel (XLSX)"
            </button>
        </div>
        <div class="table-wrap" tabindex="0" role="region" aria-label="Sammenligning af scenarierne pr. kommune">
            <table class="data comparison">
                <caption>"Betaling pr. kommune i A og B; forskel = B - A (plus: B koster kommunen mere)"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Kommune"</th>
                        {year_heads}
                        <th scope="col" class="num">"I alt A"</th>
                        <th scope="col" class="num">"I alt B"</th>
                        <th scope="col" class="num difference">"I alt forskel"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}
