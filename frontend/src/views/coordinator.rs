//! The coordinator's view: the week's agenda with each day's sessions and
//! the driving between them, cancelling with a reason, the calendar-feed
//! link, the mails that could not be sent (with "Send igen"), booking and
//! moving on a municipality's behalf, her mail settings and the
//! availability editor (weekly hours, exceptions, rules).

mod availability;
mod calendars;
mod fair_access;
mod feeds;
mod mail;
mod on_behalf;

use dk2020_model::{
    Booking, SessionKind,
    api::{AgendaDay, AgendaResponse, ManageLinksRevoked},
    format,
    schedule::{Leg, Stop},
};
use gloo_net::http::Method;
use jiff::civil::Date;
use leptos::{prelude::*, task::spawn_local};

use crate::{
    api::{Api, ApiError},
    components::{CancelTexts, Notice, cancel_box, load_error, loading, notice_area, week_nav},
    views::booking::when,
    week,
};

pub fn view(api: Api) -> impl IntoView {
    let asked = RwSignal::new(None::<Date>);
    let refresh = RwSignal::new(0u32);
    let notice = RwSignal::new(None::<Notice>);
    let agenda_api = api.clone();
    let agenda = LocalResource::new(move || {
        let key = (asked.get(), refresh.get());
        let api = agenda_api.clone();
        async move {
            let path = match key.0 {
                Some(monday) => format!("/api/coordinator/agenda?from={monday}&to={}", week::sunday_of(monday)),
                None => "/api/coordinator/agenda".to_string(),
            };
            (key, api.get::<AgendaResponse>(&path).await)
        }
    });
    // The Monday of the week on screen (the API's default is the 7 days from its today).
    let shown = move || {
        asked.get().unwrap_or_else(|| {
            let from = agenda.with(|a| a.as_ref().and_then(|(_, r)| r.as_ref().ok().map(|r| r.from)));
            week::monday_of(from.unwrap_or_else(week::today))
        })
    };
    let heading = move || match asked.get() {
        Some(monday) => week::label(monday),
        None => agenda
            .with(|a| {
                a.as_ref()
                    .and_then(|(_, r)| r.as_ref().ok())
                    .map(|r| format!("De næste 7 dage: {} – {}", week::day_heading(r.from), week::day_heading(r.to)))
            })
            .unwrap_or_else(|| "De næste 7 dage".into()),
    };
    let go = move |weeks: i64| asked.set(Some(week::add_weeks(shown(), weeks)));
    let list_api = api.clone();
    let days = move || {
        let current = (asked.get(), refresh.get());
        match agenda.get() {
            None => loading().into_any(),
            Some((key, _)) if key != current => loading().into_any(),
            Some((_, Err(e))) => load_error(&e, move || refresh.update(|n| *n += 1)).into_any(),
            Some((_, Ok(a))) if a.days.is_empty() => {
                view! { <p class="empty">"Ingen sessioner i perioden."</p> }.into_any()
            }
            Some((_, Ok(a))) => {
                a.days.into_iter().map(|d| agenda_day(list_api.clone(), d, notice, refresh)).collect_view().into_any()
            }
        }
    };
    view! {
        <section class="view coordinator" aria-labelledby="coordinator-title">
            <h2 id="coordinator-title">"Klimakoordinatorens program"</h2>
            {notice_area(notice)}
            {mail::failed_mails(api.clone())}
            {week_nav(heading, go, || false)}
            <div class="agenda">{days}</div>
            {on_behalf::on_behalf(api.clone(), refresh)}
            {feeds::feeds(api.clone())}
            {mail::settings_editor(api.clone())}
            {calendars::subscriptions(api.clone())}
            {crate::views::visits::report(api.clone(), notice)}
            {availability::editor(api, notice)}
        </section>
    }
}

/// Where a leg starts or ends, in words.
fn stop_name(stop: &Stop) -> String {
    match stop {
        Stop::Office => "kontoret i Aarhus".into(),
        Stop::Visit { municipality, .. } => format!("{} Rådhus", municipality.name()),
    }
}

/// `Kørsel fra kontoret i Aarhus til Skive Rådhus kl. 08.54–10.30: 1 t 36 min`
fn leg_line(leg: &Leg) -> String {
    format!(
        "Kørsel fra {} til {} kl. {}–{}: {}",
        stop_name(&leg.from),
        stop_name(&leg.to),
        format::time(leg.depart.datetime().time()),
        format::time(leg.arrive.datetime().time()),
        format::duration(leg.minutes)
    )
}

fn agenda_day(api: Api, day: AgendaDay, notice: RwSignal<Option<Notice>>, refresh: RwSignal<u32>) -> impl IntoView {
    let mut items = Vec::new();
    for b in &day.bookings {
        let arriving = day.legs.iter().find(|l| matches!(&l.to, Stop::Visit { booking, .. } if *booking == b.id));
        if let Some(leg) = arriving {
            items.push(view! { <li class="leg">{leg_line(leg)}</li> }.into_any());
        }
        items.push(agenda_item(api.clone(), b.clone(), notice, refresh).into_any());
    }
    if let Some(home) = day.legs.iter().find(|l| matches!(l.to, Stop::Office)) {
        items.push(view! { <li class="leg">{leg_line(home)}</li> }.into_any());
    }
    let driving = if day.driving_minutes > 0 {
        format!("Køretid i alt: {}", week::duration(day.driving_minutes))
    } else {
        "Ingen kørsel".to_string()
    };
    view! {
        <div class="agenda-day">
            <h4>{format::date_with_weekday(day.date)}</h4>
            <p class="muted">{driving}</p>
            <ul class="agenda-list">{items}</ul>
        </div>
    }
}

fn agenda_item(api: Api, b: Booking, notice: RwSignal<Option<Notice>>, refresh: RwSignal<u32>) -> impl IntoView {
    let open = RwSignal::new(false);
    let id = b.id.to_string();
    let label = when(b.start, b.end);
    let who = format!("{} Kommune", b.municipality.name());
    let cancelled = format!("{label}, {who}");
    let done = move |answer: Result<Booking, ApiError>| match answer {
        Ok(_) => {
            notice.set(Some(Notice::ok(format!("Sessionen {cancelled} er aflyst."))));
            refresh.update(|n| *n += 1);
        }
        Err(e) => notice.set(Some(Notice::api(&e))),
    };
    // The manage links in the contact's mails stop working (a mail reached the wrong person).
    let revoke_links = {
        let (api, id, who) = (api.clone(), id.clone(), who.clone());
        move || {
            let (api, id, who) = (api.clone(), id.clone(), who.clone());
            spawn_local(async move {
                let path = format!("/api/coordinator/bookings/{id}/manage-links/revoke");
                match api.send::<_, ManageLinksRevoked>(Method::POST, &path, &(), None).await {
                    Ok(r) => {
                        let what = match r.revoked {
                            0 => format!("Kontaktpersonen i {who} havde ingen åbne links til sessionen."),
                            1 => format!("Linket i mailen til kontaktpersonen i {who} virker ikke længere."),
                            n => format!("De {n} links i mails til kontaktpersonen i {who} virker ikke længere."),
                        };
                        notice.set(Some(Notice::ok(format!("{what} Næste mail om sessionen får et nyt link."))));
                    }
                    Err(e) => notice.set(Some(Notice::api(&e))),
                }
            });
        }
    };
    let place = match b.kind {
        SessionKind::Onsite => format!("Besøg på {} Rådhus", b.municipality.name()),
        SessionKind::Online => b.kind.label_da().to_string(),
    };
    view! {
        <li class="session">
            <p>
                <strong>{label}</strong>
                " · "
                {who}
            </p>
            <p>{format!("{place} · {}", crate::components::topic_text(&b))}</p>
            {match (&b.contact_name, &b.contact_email) {
                (Some(name), Some(email)) => view! {
                    <p class="muted">
                        {format!("Kontakt: {name} ")}
                        <a href=format!("mailto:{email}")>{email.to_string()}</a>
                    </p>
                }.into_any(),
                _ => view! { <p class="muted">"Kontaktpersonens oplysninger er slettet."</p> }.into_any(),
            }}
            {move || {
                if open.get() {
                    let texts = CancelTexts { reason_label: "Begrundelse til kommunen", confirm: "Aflys sessionen" };
                    let path = format!("/api/bookings/{id}/cancel");
                    cancel_box(api.clone(), id.clone(), path, texts, move || open.set(false), done.clone()).into_any()
                } else {
                    let revoke = revoke_links.clone();
                    view! {
                        <div class="actions">
                            <button type="button" class="danger" on:click=move |_| open.set(true)>
                                "Aflys …"
                            </button>
                            <button type="button" class="secondary revoke-links" on:click=move |_| revoke()>
                                "Luk kontaktens links"
                            </button>
                        </div>
                    }
                        .into_any()
                }
            }}
        </li>
    }
}
