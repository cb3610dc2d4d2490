//! The manage page: the contact of a booking opens the link in a mail and
//! sees that one booking, moves it to another open slot or cancels it,
//! without the intranet. The link's key is the fragment of the page's
//! address (`…/manage.html#dkm_…`, never sent to a server by the browser);
//! the widget sends it to the API as its bearer (`/api/manage…`).

use dk2020_model::{
    Booking, BookingStatus,
    api::{ErrorCode, RescheduleRequest, SlotsResponse},
    rfc3339,
    schedule::Slot,
};
use gloo_net::http::Method;
use jiff::civil::Date;
use leptos::{prelude::*, task::spawn_local};

use crate::{
    api::{Api, ApiError},
    components::{CancelTexts, Notice, cancel_box, load_error, loading, notice_area, problem, week_nav},
    views::booking::{slot_days, when},
    week,
};

/// The key in the page's address: the fragment, if it has one.
pub fn key_of_page() -> Option<String> {
    let hash = web_sys::window()?.location().hash().ok()?;
    let key = hash.trim_start_matches('#').trim();
    (!key.is_empty()).then(|| key.to_string())
}

/// The API the page talks to: `?api=` of the page's address (the manage
/// page on the CDN names the API so), else the page's own origin (the local
/// server serves both).
pub fn api_of_page() -> Option<String> {
    let location = web_sys::window()?.location();
    let search = location.search().ok().unwrap_or_default();
    let named = web_sys::UrlSearchParams::new_with_str(&search).ok().and_then(|p| p.get("api"));
    named.filter(|a| !a.trim().is_empty()).or_else(|| location.origin().ok())
}

/// A refusal of the link itself: there is nothing to retry.
fn link_refused(e: &ApiError) -> bool {
    matches!(e.code, ErrorCode::ManageLinkInvalid | ErrorCode::ManageLinkExpired | ErrorCode::Unauthorized)
}

pub fn view(api: Api) -> impl IntoView {
    let refresh = RwSignal::new(0u32);
    let notice = RwSignal::new(None::<Notice>);
    let moving = RwSignal::new(false);
    let cancelling = RwSignal::new(false);
    let booking_api = api.clone();
    let booking = LocalResource::new(move || {
        refresh.get();
        let api = booking_api.clone();
        async move { api.get::<Booking>("/api/manage").await }
    });
    let reload = move || refresh.update(|n| *n += 1);
    let content = move || match booking.get() {
        None => loading().into_any(),
        Some(Err(e)) if link_refused(&e) => problem("Linket kan ikke bruges", e.danish()).into_any(),
        Some(Err(e)) => load_error(&e, reload).into_any(),
        Some(Ok(b)) => {
            let signals = Signals { refresh, notice, moving, cancelling };
            booking_details(api.clone(), b, signals).into_any()
        }
    };
    view! {
        <section class="view manage" aria-labelledby="manage-title">
            <h2 id="manage-title">"Jeres møde med klimakoordinatoren"</h2>
            {notice_area(notice)}
            {content}
        </section>
    }
}

#[derive(Clone, Copy)]
struct Signals {
    refresh: RwSignal<u32>,
    notice: RwSignal<Option<Notice>>,
    moving: RwSignal<bool>,
    cancelling: RwSignal<bool>,
}

fn booking_details(api: Api, b: Booking, signals: Signals) -> impl IntoView {
    let Signals { refresh, notice, moving, cancelling } = signals;
    let status = match &b.status {
        BookingStatus::Confirmed => "Bekræftet".to_string(),
        BookingStatus::Cancelled { by, reason: Some(r) } => format!("Aflyst af {by}: {r}"),
        BookingStatus::Cancelled { by, reason: None } => format!("Aflyst af {by}"),
    };
    let confirmed = b.is_confirmed();
    let label = when(b.start, b.end);
    let done = move |answer: Result<Booking, ApiError>| match answer {
        Ok(_) => {
            notice.set(Some(Notice::ok("Mødet er aflyst. I og koordinatoren får en bekræftelse på mail.")));
            cancelling.set(false);
            refresh.update(|n| *n += 1);
        }
        Err(e) => notice.set(Some(Notice::api(&e))),
    };
    let id = b.id.to_string();
    let actions = move || {
        if !confirmed {
            return view! {
                <p>"Vil I stadig gerne have vejledning, kan I booke en ny tid på bookingsiden på jeres intranet."</p>
            }
            .into_any();
        }
        if cancelling.get() {
            let texts = CancelTexts { reason_label: "Begrundelse (valgfri)", confirm: "Ja, aflys mødet" };
            let path = "/api/manage/cancel".to_string();
            return cancel_box(api.clone(), id.clone(), path, texts, move || cancelling.set(false), done).into_any();
        }
        if moving.get() {
            return move_picker(api.clone(), signals).into_any();
        }
        view! {
            <div class="actions">
                <button type="button" class="secondary move" on:click=move |_| moving.set(true)>
                    "Flyt til en anden tid"
                </button>
                <button type="button" class="danger cancel" on:click=move |_| cancelling.set(true)>
                    "Aflys mødet"
                </button>
            </div>
        }
        .into_any()
    };
    view! {
        <div class="booking-item" class:cancelled=!confirmed data-id=b.id.to_string()>
            <p class="when">
                <strong>{label}</strong>
            </p>
            <p>{format!("{} · {} Kommune", b.kind.label_da(), b.municipality.name())}</p>
            <p>{format!("Emne: {}", crate::components::topic_text(&b))}</p>
            <p class="muted">{format!("Kontaktperson: {}", crate::components::contact_text(&b))}</p>
            <p class="status">{format!("Status: {status}")}</p>
        </div>
        {actions}
    }
}

/// The week's open slots the booking could move to, and the move itself.
fn move_picker(api: Api, signals: Signals) -> impl IntoView {
    let Signals { refresh, notice, moving, .. } = signals;
    let asked_week = RwSignal::new(None::<Date>);
    let selected = RwSignal::new(None::<Slot>);
    let busy = RwSignal::new(false);
    let slots_api = api.clone();
    let slots = LocalResource::new(move || {
        let week = asked_week.get();
        let api = slots_api.clone();
        async move {
            let path = match week {
                Some(monday) => format!(
                    "/api/manage/slots?from={}&to={}",
                    rfc3339::date(monday),
                    rfc3339::date(week::sunday_of(monday))
                ),
                None => "/api/manage/slots".to_string(),
            };
            (week, api.get::<SlotsResponse>(&path).await)
        }
    });
    let shown_week = move || {
        asked_week.get().unwrap_or_else(|| {
            let first = slots.with(|s| {
                s.as_ref().and_then(|(_, r)| r.as_ref().ok().and_then(|r| r.slots.first().map(|s| s.start.date())))
            });
            week::monday_of(first.unwrap_or_else(week::today))
        })
    };
    let go_week = move |weeks: i64| {
        selected.set(None);
        asked_week.set(Some(week::add_weeks(shown_week(), weeks)));
    };
    let slot_list = move || match slots.get() {
        Some((week, _)) if week != asked_week.get() => loading().into_any(),
        None => loading().into_any(),
        Some((_, Err(e))) => load_error(&e, move || asked_week.set(asked_week.get_untracked())).into_any(),
        Some((_, Ok(response))) => {
            let monday = shown_week();
            let sunday = week::sunday_of(monday);
            let of_week: Vec<Slot> =
                response.slots.into_iter().filter(|s| (monday..=sunday).contains(&s.start.date())).collect();
            slot_days(of_week, selected).into_any()
        }
    };
    let confirm = move |_| {
        let Some(slot) = selected.get_untracked() else { return };
        let api = api.clone();
        busy.set(true);
        notice.set(None);
        spawn_local(async move {
            let body = RescheduleRequest { start: slot.start };
            match api.send::<_, Booking>(Method::POST, "/api/manage/reschedule", &body, None).await {
                Ok(moved) => {
                    notice.set(Some(Notice::ok(format!(
                        "Mødet er flyttet til {}. I og koordinatoren får en ny kalenderinvitation på mail.",
                        when(moved.start, moved.end)
                    ))));
                    moving.set(false);
                    refresh.update(|n| *n += 1);
                }
                Err(e) => {
                    notice.set(Some(Notice::api(&e)));
                    selected.set(None);
                    asked_week.set(asked_week.get_untracked());
                }
            }
            busy.set(false);
        });
    };
    view! {
        <div class="move-banner">
            <h3>"Vælg en ny tid"</h3>
            <button type="button" class="secondary" on:click=move |_| moving.set(false)>
                "Fortryd flytning"
            </button>
        </div>
        {week_nav(move || week::label(shown_week()), go_week, || false)}
        <div class="slots">{slot_list}</div>
        {move || {
            selected.get().map(|slot| {
                view! {
                    <div class="book-form move-form">
                        <p class="chosen">
                            "Ny tid: "
                            <strong>{when(slot.start, slot.end)}</strong>
                        </p>
                        <div class="actions">
                            <button type="button" class="primary" disabled=move || busy.get() on:click=confirm.clone()>
                                {move || if busy.get() { "Flytter …" } else { "Flyt mødet" }}
                            </button>
                        </div>
                    </div>
                }
            })
        }}
    }
}
