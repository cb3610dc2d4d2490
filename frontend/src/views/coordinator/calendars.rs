//! Her calendar subscriptions: the published ICS addresses of her Outlook,
//! Google or Nextcloud calendars, whose busy times block slots. Each shows
//! when it was last fetched and, when the last fetch failed, why and since
//! when (the busy times fetched before stay in force).

use dk2020_model::{
    LocalTime,
    api::{CalendarStatus, CalendarsResponse, NewCalendar},
    format,
    subscription::CalendarLabel,
};
use gloo_net::http::Method;
use leptos::{prelude::*, task::spawn_local};

use crate::{
    api::Api,
    components::{Notice, load_error, loading, notice_area},
};

/// The reason of a failed fetch in Danish, by its code.
pub fn problem_da(code: &str) -> &'static str {
    match code {
        "private_address" => "adressen peger på et lokalt eller privat netværk, som serveren ikke henter fra",
        "http_status" => {
            "kalenderserveren svarede med en fejl (den kan være nede, eller kalenderen er ikke længere delt)"
        }
        "timeout" => "kalenderserveren svarede ikke i tide",
        "too_large" => "kalenderen er for stor (højst 5 MiB): udgiv en kortere periode",
        "too_many_redirects" => "adressen viderestiller for mange gange: brug den endelige adresse",
        "network" => "kalenderserveren kunne ikke nås",
        "bad_url" => "adressen kan ikke bruges",
        "not_a_calendar" => "det hentede er ikke en kalender (ICS): tjek, at det er kalenderens ICS-adresse",
        "too_many_busy_times" => "kalenderen har for mange aftaler i bookingperioden",
        "too_complex" => "kalenderens gentagne aftaler er for mange eller for usædvanlige til at blive læst",
        _ => "kalenderen kunne ikke læses",
    }
}

/// "1 optaget tid", "12 optagede tider"
fn busy_times(n: u32) -> String {
    if n == 1 { "1 optaget tid".into() } else { format!("{n} optagede tider") }
}

/// "Hentet …, 12 optagede tider" or the warning of a stale copy.
fn status_line(c: &CalendarStatus) -> (bool, String) {
    let when = |t| format::date_time(LocalTime::new(t));
    match (&c.last_error_code, c.failing_since) {
        (Some(code), since) => {
            let since = since.map(|t| format!(" siden {}", when(t))).unwrap_or_default();
            let kept = match c.last_fetched {
                Some(t) => format!("{} hentet {} gælder stadig.", busy_times(c.busy_count), when(t)),
                None => "Kalenderen er endnu ikke hentet, så den blokerer ingen tider.".into(),
            };
            (true, format!("Kunne ikke hentes{since}: {}. {kept}", problem_da(code)))
        }
        (None, _) => match c.last_fetched {
            Some(t) => (false, format!("Hentet {}: {}.", when(t), busy_times(c.busy_count))),
            None => (false, "Endnu ikke hentet.".into()),
        },
    }
}

pub fn subscriptions(api: Api) -> impl IntoView {
    let refresh = RwSignal::new(0u32);
    let notice = RwSignal::new(None::<Notice>);
    let load_api = api.clone();
    let list = LocalResource::new(move || {
        refresh.get();
        let api = load_api.clone();
        async move { api.get::<CalendarsResponse>("/api/coordinator/calendars").await }
    });
    let items_api = api.clone();
    let items = move || match list.get() {
        None => loading().into_any(),
        Some(Err(e)) => load_error(&e, move || refresh.update(|n| *n += 1)).into_any(),
        Some(Ok(r)) if r.calendars.is_empty() => view! { <p class="empty">"Ingen kalendere tilføjet."</p> }.into_any(),
        Some(Ok(r)) => view! {
            <ul class="calendars">
                {r.calendars.into_iter().map(|c| item(items_api.clone(), c, notice, refresh)).collect_view()}
            </ul>
        }
        .into_any(),
    };
    view! {
        <section class="calendar-subscriptions" aria-labelledby="calendars-title">
            <h3 id="calendars-title">"Dine kalendere (optaget-tider)"</h3>
            <p class="hint">
                "Tider, hvor du er optaget i din egen kalender, kan ikke bookes, heller ikke hvis køreturen til et besøg "
                "ville ramme dem. Outlook: Indstillinger → Kalender → Delte kalendere → Publicer en kalender → "
                "kopiér ICS-linket. Kalenderne hentes hvert kvarter."
            </p>
            {notice_area(notice)}
            {items}
            {add_form(api, notice, refresh)}
        </section>
    }
}

fn item(api: Api, c: CalendarStatus, notice: RwSignal<Option<Notice>>, refresh: RwSignal<u32>) -> impl IntoView {
    let (warn, line) = status_line(&c);
    let busy = RwSignal::new(false);
    let label = c.label.to_string();
    let path = format!("/api/coordinator/calendars/{}", c.id);
    let (refresh_api, refresh_path, refresh_label) = (api.clone(), format!("{path}/refresh"), label.clone());
    let fetch_now = move |_| {
        let (api, path, label) = (refresh_api.clone(), refresh_path.clone(), refresh_label.clone());
        busy.set(true);
        spawn_local(async move {
            match api.send::<_, CalendarStatus>(Method::POST, &path, &(), None).await {
                Ok(c) => {
                    let (warn, line) = status_line(&c);
                    let text = format!("{label}: {line}");
                    notice.set(Some(if warn { Notice::error(text) } else { Notice::ok(text) }));
                    refresh.update(|n| *n += 1);
                }
                Err(e) => notice.set(Some(Notice::api(&e))),
            }
            busy.set(false);
        });
    };
    let (remove_label, remove_path) = (label.clone(), path.clone());
    let remove = move |_| {
        let (api, path, label) = (api.clone(), remove_path.clone(), remove_label.clone());
        busy.set(true);
        spawn_local(async move {
            match api.delete(&path).await {
                Ok(()) => {
                    notice.set(Some(Notice::ok(format!("{label} er fjernet: dens tider blokerer ikke længere."))));
                    refresh.update(|n| *n += 1);
                }
                Err(e) => {
                    notice.set(Some(Notice::api(&e)));
                    busy.set(false);
                }
            }
        });
    };
    view! {
        <li class="calendar" class:stale=warn data-id=c.id.to_string()>
            <p>
                <strong>{label.clone()}</strong>
                <span class="muted url">{format!(" · {}", c.url)}</span>
            </p>
            <p class=if warn { "warning" } else { "muted" } role=warn.then_some("status")>{line}</p>
            <div class="actions">
                <button
                    type="button"
                    class="secondary refresh"
                    aria-label=format!("Hent nu: {label}")
                    disabled=move || busy.get()
                    on:click=fetch_now
                >
                    "Hent nu"
                </button>
                <button
                    type="button"
                    class="danger"
                    aria-label=format!("Fjern: {label}")
                    disabled=move || busy.get()
                    on:click=remove
                >
                    "Fjern"
                </button>
            </div>
        </li>
    }
}

fn add_form(api: Api, notice: RwSignal<Option<Notice>>, refresh: RwSignal<u32>) -> impl IntoView {
    let label = RwSignal::new(String::new());
    let url = RwSignal::new(String::new());
    let tentative = RwSignal::new(true);
    let problem = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let name = match CalendarLabel::parse(&label.get_untracked()) {
            Ok(name) => name,
            Err(_) => {
                problem.set(Some("Giv kalenderen et navn (højst 80 tegn), fx «Outlook».".into()));
                return;
            }
        };
        let address = url.get_untracked().trim().to_string();
        if address.is_empty() {
            problem.set(Some("Indsæt kalenderens ICS-adresse.".into()));
            return;
        }
        problem.set(None);
        busy.set(true);
        let request = NewCalendar { label: name, url: address, tentative_is_busy: tentative.get_untracked() };
        let api = api.clone();
        spawn_local(async move {
            match api.send::<_, CalendarStatus>(Method::POST, "/api/coordinator/calendars", &request, None).await {
                Ok(c) => {
                    let (warn, line) = status_line(&c);
                    let text = format!("{} er tilføjet. {line}", c.label);
                    notice.set(Some(if warn { Notice::error(text) } else { Notice::ok(text) }));
                    label.set(String::new());
                    url.set(String::new());
                    refresh.update(|n| *n += 1);
                }
                Err(e) => notice.set(Some(Notice::api(&e))),
            }
            busy.set(false);
        });
    };
    view! {
        <form class="add-calendar" on:submit=submit novalidate>
            <div class="field">
                <label for="calendar-label">"Navn"</label>
                <input
                    id="calendar-label"
                    type="text"
                    maxlength=CalendarLabel::MAX_CHARS
                    autocomplete="off"
                    prop:value=move || label.get()
                    on:input=move |ev| label.set(event_target_value(&ev))
                />
            </div>
            <div class="field">
                <label for="calendar-url">"Kalenderens ICS-adresse (https:// eller webcal://)"</label>
                <input
                    id="calendar-url"
                    type="url"
                    autocomplete="off"
                    spellcheck="false"
                    prop:value=move || url.get()
                    on:input=move |ev| url.set(event_target_value(&ev))
                />
            </div>
            <label class="choice">
                <input
                    type="checkbox"
                    prop:checked=move || tentative.get()
                    on:change=move |ev| tentative.set(event_target_checked(&ev))
                />
                "Foreløbige aftaler blokerer også"
            </label>
            {move || problem.get().map(|p| view! { <p class="field-error" role="alert">{p}</p> })}
            <div class="actions">
                <button type="submit" class="primary" disabled=move || busy.get()>
                    "Tilføj kalender"
                </button>
            </div>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(error: Option<&str>, busy: u32) -> CalendarStatus {
        let at = |s: &str| Some(s.parse::<jiff::Timestamp>().unwrap());
        CalendarStatus {
            id: dk2020_model::subscription::CalendarId::parse("cal_1").unwrap(),
            label: CalendarLabel::parse("Outlook").unwrap(),
            url: "https://outlook.office365.com/owa/calendar/x/calendar.ics".into(),
            tentative_is_busy: true,
            last_fetched: at("2026-12-01T07:00:00Z"),
            last_error: error.map(|_| "The calendar server answered with HTTP status 500.".into()),
            last_error_code: error.map(str::to_string),
            failing_since: error.and_then(|_| at("2026-12-01T09:15:00Z")),
            busy_count: busy,
        }
    }

    #[test]
    fn a_stale_calendar_says_since_when_why_and_that_its_busy_times_still_count() {
        let (warn, line) = status_line(&status(Some("http_status"), 14));
        assert!(warn);
        assert_eq!(
            line,
            "Kunne ikke hentes siden tirsdag 1. december 2026 kl. 10.15: kalenderserveren svarede med en fejl (den \
             kan være nede, eller kalenderen er ikke længere delt). 14 optagede tider hentet tirsdag 1. december 2026 \
             kl. 08.00 gælder stadig."
        );
        let (warn, line) = status_line(&status(None, 1));
        assert!(!warn);
        assert_eq!(line, "Hentet tirsdag 1. december 2026 kl. 08.00: 1 optaget tid.");
    }

    #[test]
    fn every_fetch_problem_is_told_in_danish() {
        for code in [
            "private_address",
            "http_status",
            "timeout",
            "too_large",
            "too_many_redirects",
            "network",
            "bad_url",
            "not_a_calendar",
            "too_many_busy_times",
            "too_complex",
            "something_new",
        ] {
            let text = problem_da(code);
            assert!(!text.is_empty() && !text.contains(" the "), "{code}: {text}");
        }
        assert_ne!(problem_da("timeout"), problem_da("something_new"));
    }
}
