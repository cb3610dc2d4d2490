//! Insight and erasure for the secretariat (GDPR articles 15 and 17): look a
//! person up by e-mail, see what the product holds, download it as JSON or
//! as the Danish text the person is sent, and erase it after a confirmation.

use dk2020_model::{
    Email, LocalTime,
    api::{Erasure, SubjectReport, SubjectRequest},
    format,
};
use gloo_net::http::Method;
use leptos::{prelude::*, task::spawn_local};

use crate::{api::Api, components::Notice};

fn subject_path(email: &Email, format: &str) -> String {
    format!(
        "/api/privacy/subjects?email={}&format={format}",
        String::from(js_sys::encode_uri_component(email.as_str()))
    )
}

pub fn section(api: Api, notice: RwSignal<Option<Notice>>) -> impl IntoView {
    let input = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let report = RwSignal::new(None::<SubjectReport>);
    let confirming = RwSignal::new(false);
    let email = move || Email::parse(&input.get()).map_err(|_| "Skriv en gyldig e-mailadresse, fx navn@skive.dk.");

    let look_up_api = api.clone();
    let look_up = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        confirming.set(false);
        let email = match email() {
            Ok(e) => e,
            Err(message) => return error.set(Some(message.into())),
        };
        error.set(None);
        let api = look_up_api.clone();
        spawn_local(async move {
            match api.get::<SubjectReport>(&subject_path(&email, "json")).await {
                Ok(r) => report.set(Some(r)),
                Err(e) => notice.set(Some(Notice::api(&e))),
            }
        });
    };
    let download_api = api.clone();
    let download = move |format: &'static str| {
        let api = download_api.clone();
        move |_| {
            let Some(r) = report.get_untracked() else { return };
            let api = api.clone();
            spawn_local(async move {
                let (file, mime) = match format {
                    "text" => ("dk2020-indsigt.txt", "text/plain"),
                    _ => ("dk2020-indsigt.json", "application/json"),
                };
                if let Err(e) = api.download(&subject_path(&r.email, format), file, mime).await {
                    notice.set(Some(Notice::api(&e)));
                }
            });
        }
    };
    let erase = move |_| {
        let Some(r) = report.get_untracked() else { return };
        let api = api.clone();
        spawn_local(async move {
            let request = SubjectRequest { email: r.email.clone() };
            match api.send::<_, Erasure>(Method::POST, "/api/privacy/subjects/erase", &request, None).await {
                Ok(erased) => {
                    confirming.set(false);
                    report.set(None);
                    notice.set(Some(Notice::ok(format!("Slettet: {}.", erased.danish()))));
                }
                Err(e) => notice.set(Some(Notice::api(&e))),
            }
        });
    };

    let found = move || {
        report.get().map(|r| {
            let (erase, download) = (erase.clone(), download.clone());
            let bookings = r.bookings.len();
            view! {
                <div class="subject" aria-live="polite">
                    <h4>{format!("Oplysninger om {}", r.email)}</h4>
                    <ul>
                        <li>{format!("{bookings} bookinger")}</li>
                        <li>{format!("{} mails", r.mails.len())}</li>
                        <li>{format!("{} poster i revisionsloggen", r.audit.len())}</li>
                        <li>{format!("{} log-in og nøgler", r.credentials.len())}</li>
                    </ul>
                    {(bookings > 0).then(|| view! {
                        <ul class="subject-bookings">
                            {r.bookings.iter().map(|b| view! {
                                <li>{format!(
                                    "{}, {} Kommune{}",
                                    format::date_time_span(b.start, b.end),
                                    b.municipality.name(),
                                    b.topic.as_ref().map(|t| format!(": {t}")).unwrap_or_default()
                                )}</li>
                            }).collect_view()}
                        </ul>
                    })}
                    <p class="muted">{format!("Udtrukket {}", format::date_time(LocalTime::new(r.generated_at)))}</p>
                    <div class="actions">
                        <button type="button" class="secondary" on:click=download("text")>"Hent som tekst"</button>
                        <button type="button" class="secondary" on:click=download("json")>"Hent som JSON"</button>
                        <button type="button" class="danger" on:click=move |_| confirming.set(true)>"Slet oplysningerne"</button>
                    </div>
                    <Show when=move || confirming.get()>
                        <div class="confirm" role="alertdialog" aria-labelledby="erase-question">
                            <p id="erase-question">
                                "Navn, mail, emne og begrundelser slettes fra alle bookinger med adressen, og mails, links, log-in og adressen i revisionsloggen slettes. Det kan ikke fortrydes. Kommune, tidspunkt og status bliver til statistikken."
                            </p>
                            <button type="button" class="danger" on:click=erase.clone()>"Ja, slet"</button>
                            <button type="button" class="secondary" on:click=move |_| confirming.set(false)>"Fortryd"</button>
                        </div>
                    </Show>
                </div>
            }
        })
    };

    view! {
        <section class="privacy" aria-labelledby="privacy-title">
            <h3 id="privacy-title">"Indsigt og sletning"</h3>
            <p class="muted">"Når en person beder om indsigt i eller sletning af sine oplysninger (databeskyttelsesforordningens artikel 15 og 17)."</p>
            <form class="filters" on:submit=look_up novalidate>
                <div class="field">
                    <label for="privacy-email">"Personens e-mailadresse"</label>
                    <input
                        id="privacy-email"
                        type="email"
                        autocomplete="off"
                        prop:value=move || input.get()
                        on:input=move |ev| input.set(event_target_value(&ev))
                        aria-invalid=move || error.get().is_some().to_string()
                        aria-describedby="privacy-email-error"
                    />
                    <p id="privacy-email-error" class="field-error">{move || error.get()}</p>
                </div>
                <button type="submit">"Find oplysninger"</button>
            </form>
            {found}
        </section>
    }
}
