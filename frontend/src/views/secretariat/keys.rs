//! The intranets' embed keys: the secretariat issues one per intranet (the
//! municipality, a label, the intranet's addresses), sees each once, lists
//! them with when they were last used, and revokes them. Also revoking a
//! machine token by its id.

use dk2020_model::{
    LocalTime, MunicipalityCode,
    api::{CredentialLabel, EmbedKeyInfo, EmbedKeysResponse, NewEmbedKey, RevokedToken},
    credential::Origin,
    format,
};
use gloo_net::http::Method;
use leptos::{prelude::*, task::spawn_local};

use crate::{
    api::Api,
    components::{Notice, load_error, loading},
};

fn when(t: jiff::Timestamp) -> String {
    format::date_time(LocalTime::new(t))
}

/// The HTML an intranet pastes, with the new key.
fn snippet(api: &Api, key: &EmbedKeyInfo) -> String {
    format!(
        "<script type=\"module\" src=\"{}/widget/dk2020-widget.js\"></script>\n<dk2020-widget view=\"booking\" municipality=\"{}\" api=\"{}\" key=\"{}\"></dk2020-widget>",
        api.url(""),
        key.municipality.get(),
        api.url(""),
        key.key.clone().unwrap_or_default()
    )
}

pub fn section(api: Api, notice: RwSignal<Option<Notice>>) -> impl IntoView {
    let refresh = RwSignal::new(0u32);
    let issued = RwSignal::new(None::<EmbedKeyInfo>);
    let load_api = api.clone();
    let list = LocalResource::new(move || {
        refresh.get();
        let api = load_api.clone();
        async move { api.get::<EmbedKeysResponse>("/api/embed-keys").await }
    });
    let rows_api = api.clone();
    let rows = move || {
        match list.get() {
        None => loading().into_any(),
        Some(Err(e)) => load_error(&e, move || refresh.update(|n| *n += 1)).into_any(),
        Some(Ok(r)) if r.keys.is_empty() => view! { <p class="empty">"Ingen nøgler udstedt endnu."</p> }.into_any(),
        Some(Ok(r)) => view! {
            <div class="table-wrap" tabindex="0" role="region" aria-label="Indlejringsnøgler">
                <table class="keys">
                    <thead><tr>
                        <th scope="col">"Kommune"</th><th scope="col">"Navn"</th><th scope="col">"Adresser"</th>
                        <th scope="col">"Udstedt"</th><th scope="col">"Sidst brugt"</th><th scope="col">"Status"</th>
                    </tr></thead>
                    <tbody>{r.keys.into_iter().map(|k| row(rows_api.clone(), k, notice, refresh)).collect_view()}</tbody>
                </table>
            </div>
        }
        .into_any(),
    }
    };
    let snippet_api = api.clone();
    let shown = move || {
        issued.get().map(|key| {
            let html = snippet(&snippet_api, &key);
            view! {
                <div class="field issued-key" role="status">
                    <label for="issued-key">"Den nye nøgle til intranettet – kopiér den nu, den vises kun denne ene gang"</label>
                    <textarea id="issued-key" readonly rows="3" prop:value=html></textarea>
                </div>
            }
        })
    };
    view! {
        <section class="embed-keys" aria-labelledby="keys-title">
            <h3 id="keys-title">"Nøgler til kommunernes intranet"</h3>
            <p class="hint">
                "En nøgle lader bookingvisningen på ét intranet vise kommunens ledige tider, booke og aflyse for "
                "kommunen – intet andet, og kun fra de adresser, der står ved nøglen."
            </p>
            {rows}
            {shown}
            {issue_form(api.clone(), notice, refresh, issued)}
            {revoke_token_form(api, notice)}
        </section>
    }
}

fn row(api: Api, k: EmbedKeyInfo, notice: RwSignal<Option<Notice>>, refresh: RwSignal<u32>) -> impl IntoView {
    let busy = RwSignal::new(false);
    let label = k.label.clone();
    let path = format!("/api/embed-keys/{}/revoke", k.id);
    let revoke_label = label.clone();
    let revoke = move |_| {
        let (api, path, label) = (api.clone(), path.clone(), revoke_label.clone());
        busy.set(true);
        spawn_local(async move {
            match api.send::<_, EmbedKeyInfo>(Method::POST, &path, &(), None).await {
                Ok(_) => {
                    notice.set(Some(Notice::ok(format!(
                        "Nøglen «{label}» er tilbagekaldt: intranettet kan ikke længere booke med den."
                    ))));
                    refresh.update(|n| *n += 1);
                }
                Err(e) => notice.set(Some(Notice::api(&e))),
            }
            busy.set(false);
        });
    };
    let origins = k.origins.iter().map(Origin::as_str).collect::<Vec<_>>().join(", ");
    let status = match k.revoked_at {
        Some(t) => view! { <span>{format!("Tilbagekaldt {}", when(t))}</span> }.into_any(),
        None => view! {
            <button type="button" class="danger" aria-label=format!("Tilbagekald nøglen {label}")
                disabled=move || busy.get() on:click=revoke>
                "Tilbagekald"
            </button>
        }
        .into_any(),
    };
    view! {
        <tr data-id=k.id.clone()>
            <td>{k.municipality.name()}</td>
            <td>{label.clone()}</td>
            <td>{origins}</td>
            <td>{when(k.created_at)}</td>
            <td>{k.last_used.map(when).unwrap_or_else(|| "Aldrig".into())}</td>
            <td>{status}</td>
        </tr>
    }
}

fn issue_form(
    api: Api,
    notice: RwSignal<Option<Notice>>,
    refresh: RwSignal<u32>,
    issued: RwSignal<Option<EmbedKeyInfo>>,
) -> impl IntoView {
    let municipality = RwSignal::new(None::<MunicipalityCode>);
    let label = RwSignal::new(String::new());
    let origins = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(code) = municipality.get_untracked() else {
            notice.set(Some(Notice::error("Vælg kommunen, hvis intranet nøglen er til.")));
            return;
        };
        let Ok(name) = CredentialLabel::parse(&label.get_untracked()) else {
            notice.set(Some(Notice::error("Giv nøglen et navn (højst 80 tegn), fx «Skives intranet».")));
            return;
        };
        let parsed: Result<Vec<Origin>, String> = origins
            .get_untracked()
            .split([',', '\n', ' '])
            .filter(|o| !o.trim().is_empty())
            .map(|o| Origin::parse(o).map_err(|_| o.trim().to_string()))
            .collect();
        let list = match parsed {
            Ok(list) if !list.is_empty() => list,
            Ok(_) => {
                notice.set(Some(Notice::error("Skriv intranettets adresse, fx https://intranet.skive.dk.")));
                return;
            }
            Err(bad) => {
                notice.set(Some(Notice::error(format!(
                    "«{bad}» er ikke en adresse som https://intranet.skive.dk (uden sti)."
                ))));
                return;
            }
        };
        busy.set(true);
        let api = api.clone();
        let request = NewEmbedKey { municipality: code, label: name, origins: list };
        spawn_local(async move {
            match api.send::<_, EmbedKeyInfo>(Method::POST, "/api/embed-keys", &request, None).await {
                Ok(key) => {
                    notice.set(Some(Notice::ok(format!("Nøglen til {} er udstedt.", key.municipality.name()))));
                    issued.set(Some(key));
                    label.set(String::new());
                    refresh.update(|n| *n += 1);
                }
                Err(e) => notice.set(Some(Notice::api(&e))),
            }
            busy.set(false);
        });
    };
    view! {
        <form class="issue-key" on:submit=submit novalidate>
            <div class="field">
                <label for="key-municipality">"Kommune"</label>
                <select id="key-municipality" on:change=move |ev| municipality.set(event_target_value(&ev).parse().ok())>
                    <option value="">"Vælg kommune …"</option>
                    {MunicipalityCode::all()
                        .iter()
                        .map(|c| view! { <option value=c.get().to_string()>{c.name()}</option> })
                        .collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="key-label">"Navn"</label>
                <input id="key-label" type="text" maxlength=CredentialLabel::MAX_CHARS autocomplete="off"
                    prop:value=move || label.get() on:input=move |ev| label.set(event_target_value(&ev)) />
            </div>
            <div class="field">
                <label for="key-origins">"Intranettets adresser (fx https://intranet.skive.dk; flere adskilt af komma)"</label>
                <input id="key-origins" type="text" autocomplete="off" spellcheck="false"
                    prop:value=move || origins.get() on:input=move |ev| origins.set(event_target_value(&ev)) />
            </div>
            <button type="submit" disabled=move || busy.get()>"Udsted nøgle"</button>
        </form>
    }
}

fn revoke_token_form(api: Api, notice: RwSignal<Option<Notice>>) -> impl IntoView {
    let jti = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let id = jti.get_untracked().trim().to_string();
        if id.is_empty() {
            notice.set(Some(Notice::error("Skriv tokenets id (tok_…), som dk2020-api token skrev det.")));
            return;
        }
        busy.set(true);
        let api = api.clone();
        spawn_local(async move {
            let path = format!("/api/tokens/{}/revoke", js_sys::encode_uri_component(&id));
            match api.send::<_, RevokedToken>(Method::POST, &path, &(), None).await {
                Ok(t) => {
                    notice.set(Some(Notice::ok(format!("Tokenet {} er tilbagekaldt.", t.jti))));
                    jti.set(String::new());
                }
                Err(e) => notice.set(Some(Notice::api(&e))),
            }
            busy.set(false);
        });
    };
    view! {
        <form class="revoke-token" on:submit=submit novalidate>
            <div class="field">
                <label for="token-id">"Tilbagekald et maskintoken (id fra dk2020-api token)"</label>
                <input id="token-id" type="text" autocomplete="off" spellcheck="false"
                    prop:value=move || jti.get() on:input=move |ev| jti.set(event_target_value(&ev)) />
            </div>
            <button type="submit" class="secondary" disabled=move || busy.get()>"Tilbagekald token"</button>
        </form>
    }
}
