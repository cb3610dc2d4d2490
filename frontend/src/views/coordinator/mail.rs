//! The coordinator's mail: the mails that could not be sent, each with
//! "Send igen", and her own mail settings (name, address, meeting link).

use dk2020_model::{
    Email, LocalTime,
    api::{FailedMail, FailedMailsResponse, MailSettings, MailSettingsProblem, SentAgain},
    format,
    mail::{MailKind, Recipient},
};
use gloo_net::http::Method;
use leptos::{html, prelude::*, task::spawn_local};

use crate::{
    api::Api,
    components::{Notice, field_error_da, load_error, loading, notice_area},
};

/// "Mails der ikke kunne sendes": the list, or one line when there are none.
pub fn failed_mails(api: Api) -> impl IntoView {
    let refresh = RwSignal::new(0u32);
    let notice = RwSignal::new(None::<Notice>);
    // Mails sent again from this page: gone from the list without a reload.
    let sent = RwSignal::new(Vec::<String>::new());
    let heading = NodeRef::<html::H3>::new();
    let load_api = api.clone();
    let mails = LocalResource::new(move || {
        refresh.get();
        let api = load_api.clone();
        async move { api.get::<FailedMailsResponse>("/api/coordinator/outbox").await }
    });
    let list = move || match mails.get() {
        None => loading().into_any(),
        Some(Err(e)) => load_error(&e, move || refresh.update(|n| *n += 1)).into_any(),
        Some(Ok(response)) => {
            let left: Vec<FailedMail> =
                response.mails.into_iter().filter(|m| sent.with(|s| !s.contains(&m.id))).collect();
            if left.is_empty() {
                view! { <p class="empty">"Alle mails er sendt."</p> }.into_any()
            } else {
                let api = api.clone();
                view! {
                    <ul class="failed-mails">
                        {left
                            .into_iter()
                            .map(|m| failed_item(api.clone(), m, notice, sent, heading))
                            .collect_view()}
                    </ul>
                }
                .into_any()
            }
        }
    };
    view! {
        <section class="failed-mail" aria-labelledby="failed-mail-title">
            <h3 id="failed-mail-title" tabindex="-1" node_ref=heading>
                "Mails der ikke kunne sendes"
            </h3>
            {notice_area(notice)}
            {list}
        </section>
    }
}

fn kind_da(kind: MailKind) -> &'static str {
    match kind {
        MailKind::Booked => "Bekræftelse",
        MailKind::Rescheduled => "Flytning",
        MailKind::Cancelled => "Aflysning",
        MailKind::Reminder => "Påmindelse",
    }
}

fn failed_item(
    api: Api,
    mail: FailedMail,
    notice: RwSignal<Option<Notice>>,
    sent: RwSignal<Vec<String>>,
    heading: NodeRef<html::H3>,
) -> impl IntoView {
    let to = match (mail.recipient, &mail.contact_email) {
        (Recipient::Contact, Some(email)) => format!("Til kontaktpersonen ({email})"),
        (Recipient::Contact, None) => "Til kontaktpersonen".to_string(),
        (Recipient::Coordinator, _) => "Til dig (koordinatorens kopi)".to_string(),
    };
    let about = format!(
        "{} af sessionen {} med {} Kommune",
        kind_da(mail.kind),
        format::date_time(mail.start),
        mail.municipality.name()
    );
    let failed_at = format!("Opgivet {}", format::date_time(LocalTime::new(mail.failed_at)));
    let reason = mail.last_error.clone().unwrap_or_else(|| "ingen besked fra mailserveren".into());
    let busy = RwSignal::new(false);
    let label = format!("Send igen: {}, {}", kind_da(mail.kind), to.to_lowercase());
    let id = mail.id.clone();
    let what = format!("{} ({})", kind_da(mail.kind), to.to_lowercase());
    let again = move |_| {
        let (api, id, what) = (api.clone(), id.clone(), what.clone());
        busy.set(true);
        spawn_local(async move {
            let path =
                format!("/api/coordinator/outbox/{}/send-again", String::from(js_sys::encode_uri_component(&id)));
            match api.send::<_, SentAgain>(Method::POST, &path, &(), None).await {
                Ok(_) => {
                    notice.set(Some(Notice::ok(format!("Mailen er sendt igen: {what}."))));
                    sent.update(|s| s.push(id));
                    // The button is gone with its item: focus goes to the section's heading.
                    if let Some(h) = heading.get_untracked() {
                        let _ = h.focus();
                    }
                }
                Err(e) => {
                    notice.set(Some(Notice::api(&e)));
                    busy.set(false);
                }
            }
        });
    };
    view! {
        <li class="failed" data-id=mail.id.clone()>
            <p>
                <strong>{about}</strong>
            </p>
            <p>{to}</p>
            <p class="muted">{format!("{failed_at} efter {} forsøg. Årsag: {reason}", mail.attempts)}</p>
            <div class="actions">
                <button
                    type="button"
                    class="secondary send-again"
                    aria-label=label
                    disabled=move || busy.get()
                    on:click=again
                >
                    "Send igen"
                </button>
            </div>
        </li>
    }
}

/// The editor of her name, address and meeting link.
pub fn settings_editor(api: Api) -> impl IntoView {
    let refresh = RwSignal::new(0u32);
    let load_api = api.clone();
    let settings = LocalResource::new(move || {
        refresh.get();
        let api = load_api.clone();
        async move { api.get::<MailSettings>("/api/coordinator/mail-settings").await }
    });
    view! {
        <section class="mail-settings" aria-labelledby="mail-settings-title">
            <h3 id="mail-settings-title">"Dine oplysninger i mails og kalenderinvitationer"</h3>
            {move || match settings.get() {
                None => loading().into_any(),
                Some(Err(e)) => load_error(&e, move || refresh.update(|n| *n += 1)).into_any(),
                Some(Ok(s)) => settings_form(api.clone(), s).into_any(),
            }}
        </section>
    }
}

/// One labelled input with its explanation and error, both tied to it.
#[allow(clippy::too_many_arguments)]
fn input(
    id: &'static str,
    label: &'static str,
    hint: &'static str,
    input_type: &'static str,
    autocomplete: &'static str,
    max: usize,
    value: RwSignal<String>,
    error: RwSignal<Option<String>>,
    node: NodeRef<html::Input>,
) -> impl IntoView {
    let (hint_id, error_id) = (format!("{id}-hint"), format!("{id}-error"));
    let described = format!("{hint_id} {error_id}");
    view! {
        <div class="field" class:invalid=move || error.with(Option::is_some)>
            <label for=id>{label}</label>
            <input
                id=id
                type=input_type
                autocomplete=autocomplete
                maxlength=max
                node_ref=node
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
                aria-invalid=move || if error.with(Option::is_some) { "true" } else { "false" }
                aria-describedby=described
            />
            <p class="hint" id=hint_id>
                {hint}
            </p>
            <p class="field-error" id=error_id>
                {move || error.get()}
            </p>
        </div>
    }
}

fn settings_form(api: Api, s: MailSettings) -> impl IntoView {
    let notice = RwSignal::new(None::<Notice>);
    let name = RwSignal::new(s.coordinator_name.unwrap_or_default());
    let email = RwSignal::new(s.coordinator_email.map(String::from).unwrap_or_default());
    let link = RwSignal::new(s.meeting_link.unwrap_or_default());
    let errors = [RwSignal::new(None::<String>), RwSignal::new(None), RwSignal::new(None)];
    let nodes = [NodeRef::<html::Input>::new(), NodeRef::new(), NodeRef::new()];
    let busy = RwSignal::new(false);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        for e in errors {
            e.set(None);
        }
        let address = email.get_untracked();
        let address = match address.trim() {
            "" => Ok(None),
            a => Email::parse(a).map(Some),
        };
        let checked = address.map_err(|e| errors[1].set(Some(field_error_da(&e)))).ok().and_then(|address| {
            let wanted = MailSettings {
                coordinator_name: Some(name.get_untracked()),
                coordinator_email: address,
                meeting_link: Some(link.get_untracked()),
            };
            wanted
                .checked()
                .map_err(|problems| {
                    for p in problems {
                        let at = if p == MailSettingsProblem::Name { 0 } else { 2 };
                        errors[at].set(Some(p.danish().to_string()));
                    }
                })
                .ok()
        });
        let Some(settings) = checked.filter(|_| errors.iter().all(|e| e.with_untracked(Option::is_none))) else {
            if let Some(at) = errors.iter().position(|e| e.with_untracked(Option::is_some))
                && let Some(input) = nodes[at].get_untracked()
            {
                let _ = input.focus();
            }
            notice.set(Some(Notice::error("Oplysningerne er ikke gemt: ret de markerede felter.")));
            return;
        };
        busy.set(true);
        notice.set(None);
        let api = api.clone();
        spawn_local(async move {
            match api.send::<_, MailSettings>(Method::PUT, "/api/coordinator/mail-settings", &settings, None).await {
                Ok(saved) => {
                    name.set(saved.coordinator_name.unwrap_or_default());
                    email.set(saved.coordinator_email.map(String::from).unwrap_or_default());
                    link.set(saved.meeting_link.unwrap_or_default());
                    notice.set(Some(Notice::ok("Dine oplysninger er gemt. De gælder for de næste mails.")));
                }
                Err(e) => notice.set(Some(Notice::api(&e))),
            }
            busy.set(false);
        });
    };
    view! {
        <form class="mail-settings-form" on:submit=save novalidate>
            <p class="hint">"Et tomt felt bruger serverens standardværdi."</p>
            {input(
                "mail-name",
                "Dit navn",
                "Står som arrangør i kalenderinvitationerne og i mailene til kommunerne.",
                "text",
                "name",
                MailSettings::MAX_NAME_CHARS,
                name,
                errors[0],
                nodes[0],
            )}
            {input(
                "mail-email",
                "Din e-mailadresse",
                "Modtager en kopi af hver mail og står som arrangør i kalenderinvitationerne.",
                "email",
                "email",
                Email::MAX_CHARS,
                email,
                errors[1],
                nodes[1],
            )}
            {input(
                "mail-link",
                "Dit link til onlinemøder",
                "Teams-, Zoom- eller andet mødelink, der står i mails om onlinesessioner. Skal begynde med https://.",
                "url",
                "url",
                MailSettings::MAX_LINK_CHARS,
                link,
                errors[2],
                nodes[2],
            )}
            <div class="actions">
                <button type="submit" class="primary" disabled=move || busy.get()>
                    {move || if busy.get() { "Gemmer …" } else { "Gem oplysninger" }}
                </button>
            </div>
            {notice_area(notice)}
        </form>
    }
}
