//! The audit log for the secretariat: who changed what, when and through
//! what, for a period and a kind, with a CSV download.

use dk2020_model::{LocalTime, api::AuditResponse, audit::AuditKind, format};
use leptos::{prelude::*, task::spawn_local};

use crate::{
    api::Api,
    components::{Notice, load_error, loading},
};

pub fn section(api: Api, notice: RwSignal<Option<Notice>>) -> impl IntoView {
    let kind = RwSignal::new(String::new());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let query = move || {
        let mut q = Vec::new();
        for (name, value) in [("from", from.get()), ("to", to.get()), ("kind", kind.get())] {
            if !value.is_empty() {
                q.push(format!("{name}={value}"));
            }
        }
        q.join("&")
    };
    let load_api = api.clone();
    let entries = LocalResource::new(move || {
        let (api, q) = (load_api.clone(), query());
        async move { api.get::<AuditResponse>(&format!("/api/audit?{q}")).await }
    });
    let rows = move || match entries.get() {
        None => loading().into_any(),
        Some(Err(e)) => load_error(&e, move || kind.update(|_| {})).into_any(),
        Some(Ok(r)) if r.entries.is_empty() => view! { <p class="empty">"Ingen ændringer i perioden."</p> }.into_any(),
        Some(Ok(r)) => view! {
            <div class="table-wrap" tabindex="0" role="region" aria-label="Revisionslog">
                <table class="audit">
                    <thead><tr>
                        <th scope="col">"Tidspunkt"</th><th scope="col">"Ændring"</th><th scope="col">"Hvem"</th>
                        <th scope="col">"Via"</th><th scope="col">"Hvad"</th>
                    </tr></thead>
                    <tbody>
                        {r.entries.into_iter().rev().map(|e| view! {
                            <tr>
                                <td>{format::date_time(LocalTime::new(e.at))}</td>
                                <td>{e.kind.danish()}</td>
                                <td>{e.actor.to_string()}</td>
                                <td>{e.via.to_string()}</td>
                                <td>{e.summary}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        }
        .into_any(),
    };
    let download = move |_| {
        let (api, q) = (api.clone(), query());
        spawn_local(async move {
            let path = format!("/api/audit?{q}&format=csv");
            if let Err(e) = api.download(&path, "dk2020-revisionslog.csv", "text/csv").await {
                notice.set(Some(Notice::api(&e)));
            }
        });
    };
    view! {
        <section class="audit-log" aria-labelledby="audit-title">
            <h3 id="audit-title">"Revisionslog"</h3>
            <div class="filters">
                <div class="field">
                    <label for="audit-from">"Fra dato"</label>
                    <input id="audit-from" type="date" on:change=move |ev| from.set(event_target_value(&ev)) />
                </div>
                <div class="field">
                    <label for="audit-to">"Til dato"</label>
                    <input id="audit-to" type="date" on:change=move |ev| to.set(event_target_value(&ev)) />
                </div>
                <div class="field">
                    <label for="audit-kind">"Ændring"</label>
                    <select id="audit-kind" on:change=move |ev| kind.set(event_target_value(&ev))>
                        <option value="">"Alle"</option>
                        {AuditKind::ALL.iter().map(|k| view! { <option value=k.as_str()>{k.danish()}</option> }).collect_view()}
                    </select>
                </div>
                <button type="button" class="secondary" on:click=download>"Hent som CSV"</button>
            </div>
            {rows}
        </section>
    }
}
