//! The secretariat's view: change a municipality's enrolment status with a
//! note and see its history; the application rounds (`rounds`); update the
//! population figures the cost sharing and the overview use; the visits
//! report, as the steering group reads it.

mod audit;
mod keys;
mod privacy;
mod rounds;
mod scenarios;

use dk2020_model::{
    MunicipalityCode, Role,
    api::{HistoryResponse, MunicipalitiesResponse, MunicipalityInfo, PopulationUpdate},
    enrolment::{EnrolmentOverview, EnrolmentStatus, RoundNumber, StatusChangeRequest, StatusKind},
    format,
};
use gloo_net::http::Method;
use leptos::{prelude::*, task::spawn_local};

use crate::{
    api::Api,
    components::{Notice, load_error, loading, notice_area, parse_date},
};

pub fn view(api: Api) -> impl IntoView {
    let notice = RwSignal::new(None::<Notice>);
    let refresh = RwSignal::new(0u32);
    let overview_api = api.clone();
    let overview = LocalResource::new(move || {
        refresh.get();
        let api = overview_api.clone();
        async move { api.get::<EnrolmentOverview>("/api/enrolment").await }
    });
    // The chosen municipality and its history outlive reloads of the overview.
    let chosen = RwSignal::new(None::<MunicipalityCode>);
    let history = RwSignal::new(None::<Result<HistoryResponse, crate::api::ApiError>>);
    let status_api = api.clone();
    let status_part = move || match overview.get() {
        None => loading().into_any(),
        Some(Err(e)) => load_error(&e, move || refresh.update(|n| *n += 1)).into_any(),
        Some(Ok(o)) => {
            let state = EditorState { chosen, history, notice, refresh };
            status_editor(status_api.clone(), o, state).into_any()
        }
    };
    view! {
        <section class="view secretariat" aria-labelledby="secretariat-title">
            <h2 id="secretariat-title">"Sekretariatet: tilmeldinger, indbyggertal, budgetscenarier, nøgler, revisionslog og personoplysninger"</h2>
            {notice_area(notice)}
            <h3>"Tilmeldingsstatus"</h3>
            {status_part}
            <h3>"Ansøgningsrunder"</h3>
            {rounds::editor(api.clone(), notice, refresh)}
            <h3>"Indbyggertal"</h3>
            {populations(api.clone(), notice)}
            {scenarios::section(api.clone(), notice)}
            {crate::views::visits::report(api.clone(), notice)}
            {keys::section(api.clone(), notice)}
            {audit::section(api.clone(), notice)}
            {privacy::section(api, notice)}
        </section>
    }
}

/// The request for a status change, or a Danish problem.
pub fn change_request(
    kind: StatusKind,
    round: &str,
    decided_on: &str,
    note: &str,
) -> Result<StatusChangeRequest, String> {
    let status = match kind {
        StatusKind::Enrolled => {
            let round =
                round.parse::<u8>().ok().and_then(|r| RoundNumber::new(r).ok()).ok_or("Vælg en af runderne.")?;
            let decided_on = parse_date(decided_on).ok_or("Angiv datoen for kommunalbestyrelsens beslutning.")?;
            EnrolmentStatus::Enrolled { round, decided_on }
        }
        other => EnrolmentStatus::from_parts(other, None, None).map_err(|_| "Ugyldig status.".to_string())?,
    };
    let note = note.trim();
    if note.chars().count() > dk2020_model::enrolment::MAX_NOTE_CHARS {
        return Err(format!("Noten må højst være {} tegn.", dk2020_model::enrolment::MAX_NOTE_CHARS));
    }
    Ok(StatusChangeRequest { status, note: (!note.is_empty()).then(|| note.to_string()) })
}

/// What the status editor shares with the rest of the view.
#[derive(Clone, Copy)]
struct EditorState {
    chosen: RwSignal<Option<MunicipalityCode>>,
    history: RwSignal<Option<Result<HistoryResponse, crate::api::ApiError>>>,
    notice: RwSignal<Option<Notice>>,
    refresh: RwSignal<u32>,
}

fn status_editor(api: Api, o: EnrolmentOverview, state: EditorState) -> impl IntoView {
    let EditorState { chosen, history, notice, refresh } = state;
    let rows = o.municipalities.clone();
    if chosen.get_untracked().is_none() {
        chosen.set(rows.first().map(|r| r.code));
    }
    let kind = RwSignal::new(StatusKind::Undecided);
    let round = RwSignal::new("1".to_string());
    let decided = RwSignal::new(String::new());
    let note = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);

    let statuses = rows.clone();
    // Preset the form with the chosen municipality's current status; load its history.
    let history_api = api.clone();
    Effect::new(move |_| {
        let Some(code) = chosen.get() else { return };
        if let Some(row) = statuses.iter().find(|r| r.code == code) {
            kind.set(row.status);
            round.set(row.round.map(|r| r.get()).unwrap_or(1).to_string());
            decided.set(row.decided_on.map(|d| d.to_string()).unwrap_or_default());
        }
        note.set(String::new());
        let api = history_api.clone();
        spawn_local(async move {
            let h = api.get::<HistoryResponse>(&format!("/api/enrolment/{}/history", code.get())).await;
            history.set(Some(h));
        });
    });

    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(code) = chosen.get_untracked() else { return };
        let request = match change_request(
            kind.get_untracked(),
            &round.get_untracked(),
            &decided.get_untracked(),
            &note.get_untracked(),
        ) {
            Ok(r) => r,
            Err(e) => {
                error.set(Some(e));
                return;
            }
        };
        error.set(None);
        busy.set(true);
        let api = api.clone();
        spawn_local(async move {
            let path = format!("/api/enrolment/{}", code.get());
            match api.send::<_, HistoryResponse>(Method::PUT, &path, &request, None).await {
                Ok(h) => {
                    notice.set(Some(Notice::ok(format!(
                        "{} Kommune har nu status: {}.",
                        code.name(),
                        request.status.label_da()
                    ))));
                    history.set(Some(Ok(h)));
                    refresh.update(|n| *n += 1);
                }
                Err(e) => notice.set(Some(Notice::api(&e))),
            }
            busy.set(false);
        });
    };

    let table_rows = rows
        .iter()
        .map(|r| {
            let status =
                r.enrolment_status().map(EnrolmentStatus::label_da).unwrap_or_else(|| r.status.label_da().into());
            view! {
                <tr data-code=r.code.get().to_string()>
                    <th scope="row">{r.name.clone()}</th>
                    <td class="status">{status}</td>
                </tr>
            }
        })
        .collect_view();
    let options =
        rows.iter().map(|r| view! { <option value=r.code.get().to_string()>{r.name.clone()}</option> }).collect_view();
    let rounds = o.rounds.iter().map(|r| r.number.get()).collect::<Vec<_>>();
    view! {
        <form class="status-form" on:submit=save novalidate>
            <div class="field inline">
                <label for="status-municipality">"Kommune"</label>
                <select
                    id="status-municipality"
                    prop:value=move || chosen.get().map(|c| c.get().to_string()).unwrap_or_default()
                    on:change=move |ev| chosen.set(event_target_value(&ev).parse::<MunicipalityCode>().ok())
                >
                    {options}
                </select>
            </div>
            <div class="field inline">
                <label for="status-kind">"Ny status"</label>
                <select
                    id="status-kind"
                    prop:value=move || kind.get().as_str()
                    on:change=move |ev| {
                        if let Ok(k) = event_target_value(&ev).parse::<StatusKind>() {
                            kind.set(k);
                        }
                    }
                >
                    {StatusKind::ALL
                        .into_iter()
                        .map(|k| view! { <option value=k.as_str()>{k.label_da()}</option> })
                        .collect_view()}
                </select>
            </div>
            {move || {
                (kind.get() == StatusKind::Enrolled)
                    .then(|| {
                        let rounds = rounds.clone();
                        view! {
                            <div class="field inline">
                                <label for="status-round">"Runde"</label>
                                <select
                                    id="status-round"
                                    prop:value=move || round.get()
                                    on:change=move |ev| round.set(event_target_value(&ev))
                                >
                                    {rounds
                                        .into_iter()
                                        .map(|n| view! { <option value=n.to_string()>{format!("Runde {n}")}</option> })
                                        .collect_view()}
                                </select>
                            </div>
                            <div class="field inline">
                                <label for="status-decided">"Byrådets beslutning"</label>
                                <input
                                    id="status-decided"
                                    type="date"
                                    prop:value=move || decided.get()
                                    on:change=move |ev| decided.set(event_target_value(&ev))
                                />
                            </div>
                        }
                    })
            }}
            <div class="field">
                <label for="status-note">"Note (valgfri)"</label>
                <input
                    id="status-note"
                    type="text"
                    maxlength=dk2020_model::enrolment::MAX_NOTE_CHARS
                    prop:value=move || note.get()
                    on:input=move |ev| note.set(event_target_value(&ev))
                    aria-describedby=move || error.with(|e| e.as_ref().map(|_| "status-error"))
                />
            </div>
            <p class="field-error" id="status-error">
                {move || error.get()}
            </p>
            <div class="actions">
                <button type="submit" class="primary" disabled=move || busy.get()>
                    "Gem status"
                </button>
            </div>
        </form>
        <h4>
            {move || chosen.get().map(|c| format!("Historik for {} Kommune", c.name())).unwrap_or_default()}
        </h4>
        <div class="history-box">
            {move || match history.get() {
                None => loading().into_any(),
                Some(Ok(h)) if Some(h.municipality) != chosen.get() => loading().into_any(),
                Some(Err(e)) => {
                    view! {
                        <div class="notice error">
                            <p>{e.danish()}</p>
                        </div>
                    }
                        .into_any()
                }
                Some(Ok(h)) if h.history.is_empty() => {
                    view! { <p class="empty">"Ingen ændringer registreret."</p> }.into_any()
                }
                Some(Ok(h)) => {
                    view! {
                        <ul class="history">
                            {h
                                .history
                                .into_iter()
                                .rev()
                                .map(|c| {
                                    let at = format::date_time(dk2020_model::LocalTime::new(c.at));
                                    let by = match c.by.role() {
                                        Role::Secretariat => "sekretariatet".to_string(),
                                        _ => c.by.to_string(),
                                    };
                                    view! {
                                        <li>
                                            <p>
                                                <strong>{format!("{} → {}", c.from.label_da(), c.to.label_da())}</strong>
                                            </p>
                                            <p class="muted">{format!("{at} · af {by}")}</p>
                                            {c.note.map(|n| view! { <p>{format!("Note: {n}")}</p> })}
                                        </li>
                                    }
                                })
                                .collect_view()}
                        </ul>
                    }
                        .into_any()
                }
            }}
        </div>
        <table class="data statuses">
            <caption>"Status for alle kommuner"</caption>
            <thead>
                <tr>
                    <th scope="col">"Kommune"</th>
                    <th scope="col">"Status"</th>
                </tr>
            </thead>
            <tbody>{table_rows}</tbody>
        </table>
    }
}

fn populations(api: Api, notice: RwSignal<Option<Notice>>) -> impl IntoView {
    let refresh = RwSignal::new(0u32);
    let list_api = api.clone();
    let list = LocalResource::new(move || {
        refresh.get();
        let api = list_api.clone();
        async move { api.get::<MunicipalitiesResponse>("/api/municipalities").await }
    });
    move || match list.get() {
        None => loading().into_any(),
        Some(Err(e)) => load_error(&e, move || refresh.update(|n| *n += 1)).into_any(),
        Some(Ok(m)) => {
            let total = m.total_population;
            let rows = m
                .municipalities
                .into_iter()
                .map(|info| population_row(api.clone(), info, notice, refresh))
                .collect_view();
            view! {
                <table class="data populations">
                    <caption>
                        {format!("Regionens befolkning i alt: {} indbyggere", format::integer(total as i64))}
                    </caption>
                    <thead>
                        <tr>
                            <th scope="col">"Kommune"</th>
                            <th scope="col" class="num">"Indbyggere"</th>
                            <th scope="col">"Opgjort"</th>
                            <th scope="col">"Nyt tal"</th>
                            <th scope="col">"Pr. dato"</th>
                            <th scope="col">
                                <span class="visually-hidden">"Gem"</span>
                            </th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            }
            .into_any()
        }
    }
}

fn population_row(
    api: Api,
    info: MunicipalityInfo,
    notice: RwSignal<Option<Notice>>,
    refresh: RwSignal<u32>,
) -> impl IntoView {
    let code = info.code;
    let inhabitants = RwSignal::new(info.population.to_string());
    let as_of = RwSignal::new(info.population_as_of.to_string());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let name = info.name.clone();
    let save = move |_| {
        let n = inhabitants.get_untracked().replace(['.', ' '], "").parse::<u32>().ok().filter(|n| *n > 0);
        let date = parse_date(&as_of.get_untracked());
        let (Some(inhabitants), Some(as_of)) = (n, date) else {
            error.set(Some("Skriv et helt antal indbyggere og en dato.".into()));
            return;
        };
        error.set(None);
        busy.set(true);
        let api = api.clone();
        spawn_local(async move {
            let path = format!("/api/municipalities/{}/population", code.get());
            let body = PopulationUpdate { inhabitants, as_of };
            match api.send::<_, MunicipalitiesResponse>(Method::PUT, &path, &body, None).await {
                Ok(_) => {
                    notice.set(Some(Notice::ok(format!(
                        "{} Kommune: {} indbyggere pr. {} er gemt.",
                        code.name(),
                        format::integer(i64::from(inhabitants)),
                        format::date(as_of)
                    ))));
                    refresh.update(|n| *n += 1);
                }
                Err(e) => notice.set(Some(Notice::api(&e))),
            }
            busy.set(false);
        });
    };
    let c = code.get();
    view! {
        <tr data-code=c.to_string()>
            <th scope="row">{name.clone()}</th>
            <td class="num">{format::integer(i64::from(info.population))}</td>
            <td>{format::date(info.population_as_of)}</td>
            <td>
                <label class="visually-hidden" for=format!("pop-{c}")>{format!("Nyt indbyggertal for {name}")}</label>
                <input
                    id=format!("pop-{c}")
                    class="population-input"
                    type="text"
                    inputmode="numeric"
                    prop:value=move || inhabitants.get()
                    on:input=move |ev| inhabitants.set(event_target_value(&ev))
                    aria-invalid=move || if error.with(Option::is_some) { "true" } else { "false" }
                    aria-describedby=move || error.with(|e| e.as_ref().map(|_| format!("pop-error-{c}")))
                />
                <p class="field-error" id=format!("pop-error-{c}")>
                    {move || error.get()}
                </p>
            </td>
            <td>
                <label class="visually-hidden" for=format!("pop-date-{c}")>{format!("Dato for tallet for {name}")}</label>
                <input
                    id=format!("pop-date-{c}")
                    type="date"
                    prop:value=move || as_of.get()
                    on:change=move |ev| as_of.set(event_target_value(&ev))
                />
            </td>
            <td>
                <button type="button" class="secondary" disabled=move || busy.get() on:click=save>
                    "Gem"
                    <span class="visually-hidden">{format!(" tallet for {name}")}</span>
                </button>
            </td>
        </tr>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_changes_are_checked_before_they_are_sent() {
        let r = change_request(StatusKind::Enrolled, "1", "2020-10-20", " ok ").unwrap();
        assert_eq!(r.status.round().map(RoundNumber::get), Some(1));
        assert_eq!(r.note.as_deref(), Some("ok"));
        assert!(change_request(StatusKind::Enrolled, "1", "", "").unwrap_err().contains("beslutning"));
        assert!(change_request(StatusKind::Enrolled, "6", "2020-10-20", "").unwrap_err().contains("runde"));
        let plain = change_request(StatusKind::Declined, "1", "2020-10-20", "").unwrap();
        assert_eq!(plain.status, EnrolmentStatus::Declined);
        assert_eq!(plain.note, None);
    }
}
