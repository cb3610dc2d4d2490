//! Her calendar-feed addresses: one per subscriber (her Outlook, her
//! phone), each a read-only secret she can revoke on its own. The address
//! is shown once, when it is made.

use dk2020_model::{
    LocalTime,
    api::{CalendarFeedInfo, CalendarFeedsResponse, CredentialLabel, NewCalendarFeed},
    format,
};
use gloo_net::http::Method;
use leptos::{prelude::*, task::spawn_local};

use crate::{
    api::Api,
    components::{Notice, load_error, loading, notice_area},
};

fn when(t: jiff::Timestamp) -> String {
    format::date_time(LocalTime::new(t))
}

pub fn feeds(api: Api) -> impl IntoView {
    let refresh = RwSignal::new(0u32);
    let notice = RwSignal::new(None::<Notice>);
    let made = RwSignal::new(None::<String>);
    let load_api = api.clone();
    let list = LocalResource::new(move || {
        refresh.get();
        let api = load_api.clone();
        async move { api.get::<CalendarFeedsResponse>("/api/calendar/feeds").await }
    });
    let items_api = api.clone();
    let items = move || match list.get() {
        None => loading().into_any(),
        Some(Err(e)) => load_error(&e, move || refresh.update(|n| *n += 1)).into_any(),
        Some(Ok(r)) if r.feeds.is_empty() => view! { <p class="empty">"Ingen kalenderlinks endnu."</p> }.into_any(),
        Some(Ok(r)) => view! {
            <ul class="feeds">
                {r.feeds.into_iter().map(|f| item(items_api.clone(), f, notice, refresh)).collect_view()}
            </ul>
        }
        .into_any(),
    };
    let shown = move || {
        made.get().map(|url| {
            view! {
                <div class="field feed" role="status">
                    <label for="feed-url">"Det nye kalenderlink – kopiér det nu, det vises kun denne ene gang"</label>
                    <input id="feed-url" type="text" readonly prop:value=url.clone() on:focus=move |ev| {
                        if let Some(input) = ev.target().and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlInputElement>(t).ok()) {
                            input.select();
                        }
                    } />
                    <p class="hint">"Outlook: Tilføj kalender → Fra internettet. Linket kan kun læse kalenderen."</p>
                </div>
            }
        })
    };
    view! {
        <section class="calendar-feeds" aria-labelledby="feeds-title">
            <h3 id="feeds-title">"Kalenderlinks (abonnement på dine sessioner)"</h3>
            <p class="hint">
                "Et link til hver kalender, der skal vise alle bekræftede sessioner og køreturene. Linket kan kun "
                "læse; tilbagekald det, hvis det er blevet delt med nogen, der ikke skal have det."
            </p>
            {notice_area(notice)}
            {items}
            {shown}
            {add_form(api, notice, refresh, made)}
        </section>
    }
}

fn item(api: Api, f: CalendarFeedInfo, notice: RwSignal<Option<Notice>>, refresh: RwSignal<u32>) -> impl IntoView {
    let busy = RwSignal::new(false);
    let label = f.label.clone();
    let line = match (f.revoked_at, f.last_used) {
        (Some(t), _) => format!("Tilbagekaldt {}.", when(t)),
        (None, Some(t)) => format!("Lavet {}, sidst hentet {}.", when(f.created_at), when(t)),
        (None, None) => format!("Lavet {}, endnu ikke hentet.", when(f.created_at)),
    };
    let revoked = f.revoked_at.is_some();
    let path = format!("/api/calendar/feeds/{}/revoke", f.id);
    let revoke_label = label.clone();
    let revoke = move |_| {
        let (api, path, label) = (api.clone(), path.clone(), revoke_label.clone());
        busy.set(true);
        spawn_local(async move {
            match api.send::<_, CalendarFeedInfo>(Method::POST, &path, &(), None).await {
                Ok(_) => {
                    notice.set(Some(Notice::ok(format!("{label} er tilbagekaldt: linket virker ikke længere."))));
                    refresh.update(|n| *n += 1);
                }
                Err(e) => notice.set(Some(Notice::api(&e))),
            }
            busy.set(false);
        });
    };
    view! {
        <li class="feed" data-id=f.id.clone()>
            <p><strong>{label.clone()}</strong>" "<span class="muted">{line}</span></p>
            {(!revoked).then(|| view! {
                <div class="actions">
                    <button type="button" class="danger" aria-label=format!("Tilbagekald: {label}")
                        disabled=move || busy.get() on:click=revoke.clone()>
                        "Tilbagekald"
                    </button>
                </div>
            })}
        </li>
    }
}

fn add_form(
    api: Api,
    notice: RwSignal<Option<Notice>>,
    refresh: RwSignal<u32>,
    made: RwSignal<Option<String>>,
) -> impl IntoView {
    let label = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(name) = CredentialLabel::parse(&label.get_untracked()) else {
            notice.set(Some(Notice::error("Giv linket et navn (højst 80 tegn), fx «Outlook på telefonen».")));
            return;
        };
        busy.set(true);
        let api = api.clone();
        spawn_local(async move {
            match api
                .send::<_, CalendarFeedInfo>(
                    Method::POST,
                    "/api/calendar/feeds",
                    &NewCalendarFeed { label: name },
                    None,
                )
                .await
            {
                Ok(f) => {
                    made.set(f.url);
                    label.set(String::new());
                    refresh.update(|n| *n += 1);
                }
                Err(e) => notice.set(Some(Notice::api(&e))),
            }
            busy.set(false);
        });
    };
    view! {
        <form class="add-feed" on:submit=submit novalidate>
            <div class="field">
                <label for="feed-label">"Navn på det nye link"</label>
                <input id="feed-label" type="text" maxlength=CredentialLabel::MAX_CHARS autocomplete="off"
                    prop:value=move || label.get() on:input=move |ev| label.set(event_target_value(&ev)) />
            </div>
            <button type="submit" disabled=move || busy.get()>"Lav kalenderlink"</button>
        </form>
    }
}
