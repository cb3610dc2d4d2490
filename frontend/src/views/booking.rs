//! The booking view: a municipality picks an open slot (on site or online)
//! week by week, books it with topic, contact name and e-mail, sees the
//! confirmation and its own bookings, moves ("Flyt": the same slot picker,
//! then one atomic reschedule) or cancels them and downloads the .ics.

use dk2020_model::{
    Booking, BookingId, BookingStatus, ContactName, Email, MunicipalityCode, SessionKind, Topic,
    api::{BookingRequest, BookingsResponse, RescheduleRequest, SlotsResponse},
    format, rfc3339,
    schedule::{ReservedDay, Slot},
};
use gloo_net::http::Method;
use jiff::civil::Date;
use leptos::{html, prelude::*, task::spawn_local};

use crate::{
    api::{Api, ApiError},
    components::{CancelTexts, FieldState, Notice, cancel_box, load_error, loading, notice_area, text_field, week_nav},
    week,
};

/// What the slot list was fetched for: kind, the week asked for (`None`: the
/// first weeks from today) and a counter that forces a fresh fetch.
/// What the open slots are asked for: the kind, the week, a reload count,
/// and the booking being moved (whose own time and place in the cap do not count).
type SlotKey = (SessionKind, Option<Date>, u32, Option<BookingId>);

pub fn view(api: Api, municipality: MunicipalityCode) -> impl IntoView {
    view_for(api, BookFor { municipality, path: "/api/bookings" }, RwSignal::new(0))
}

/// Whose booking view, and where its bookings are made: the municipality
/// itself (`/api/bookings`) or the coordinator on its behalf
/// (`/api/coordinator/bookings`).
#[derive(Clone, Copy)]
pub struct BookFor {
    pub municipality: MunicipalityCode,
    pub path: &'static str,
}

/// The view, reloading its slots and list whenever `refresh` changes, and
/// changing it after each booking, move or cancellation: the coordinator's
/// agenda shares it, so either shows what the other did.
pub fn view_for(api: Api, book_for: BookFor, refresh: RwSignal<u32>) -> impl IntoView {
    let municipality = book_for.municipality;
    let kind = RwSignal::new(SessionKind::Onsite);
    let asked_week = RwSignal::new(None::<Date>);
    let selected = RwSignal::new(None::<Slot>);
    let notice = RwSignal::new(None::<Notice>);
    let confirmed = RwSignal::new(None::<Booking>);
    // The booking being moved: the slot picker then chooses its new time.
    let moving = RwSignal::new(None::<Booking>);
    let move_heading = NodeRef::<html::H3>::new();
    let list_heading = NodeRef::<html::H3>::new();

    let moving_id = move || moving.with(|m| m.as_ref().map(|b| b.id.clone()));
    let slots_api = api.clone();
    let slots = LocalResource::new(move || {
        let key: SlotKey = (kind.get(), asked_week.get(), refresh.get(), moving_id());
        let api = slots_api.clone();
        async move {
            let mut path = format!("/api/slots?municipality={}&kind={}", municipality.get(), key.0.as_str());
            if let Some(id) = &key.3 {
                path.push_str(&format!("&moving={id}"));
            }
            if let Some(monday) = key.1 {
                path.push_str(&format!(
                    "&from={}&to={}",
                    rfc3339::date(monday),
                    rfc3339::date(week::sunday_of(monday))
                ));
            }
            (key, api.get::<SlotsResponse>(&path).await)
        }
    });
    let list_api = api.clone();
    let bookings = LocalResource::new(move || {
        refresh.get();
        let api = list_api.clone();
        // Named, so the coordinator booking on its behalf sees this municipality's list only.
        async move { api.get::<BookingsResponse>(&format!("/api/bookings?municipality={}", municipality.get())).await }
    });
    let reload = move || refresh.update(|n| *n += 1);

    // The week on screen: the one asked for, or the week of the first open slot.
    let shown_week = move || {
        asked_week.get().unwrap_or_else(|| {
            let first = slots.with(|s| {
                s.as_ref().and_then(|(_, r)| r.as_ref().ok().and_then(|r| r.slots.first().map(|s| s.start.date())))
            });
            week::monday_of(first.unwrap_or_else(week::today))
        })
    };
    let go_week = move |weeks: i64| {
        let monday = week::add_weeks(shown_week(), weeks);
        selected.set(None);
        asked_week.set(Some(monday));
    };

    // At the cap there is nothing to browse: the explanation stands alone.
    let at_cap = move || slots.with(|s| matches!(s, Some((_, Err(e))) if e.is_cap_reached()));
    let slot_list = move || {
        let current: SlotKey = (kind.get(), asked_week.get(), refresh.get(), moving_id());
        match slots.get() {
            Some((key, _)) if key != current => loading().into_any(),
            None => loading().into_any(),
            Some((_, Err(e))) if e.is_cap_reached() => cap_reached().into_any(),
            Some((_, Err(e))) => load_error(&e, reload).into_any(),
            Some((_, Ok(response))) => {
                let monday = shown_week();
                let sunday = week::sunday_of(monday);
                let of_week: Vec<Slot> =
                    response.slots.into_iter().filter(|s| (monday..=sunday).contains(&s.start.date())).collect();
                let kept: Vec<ReservedDay> =
                    response.reserved.into_iter().filter(|r| (monday..=sunday).contains(&r.date)).collect();
                view! {
                    {tour_notes(kept)}
                    {slot_days(of_week, selected)}
                }
                .into_any()
            }
        }
    };

    let form = booking_form(api.clone(), book_for, selected, notice, confirmed, refresh, moving);
    let move_form = move_form(api.clone(), selected, notice, confirmed, refresh, moving, list_heading);
    let start_move = move |b: Booking| {
        selected.set(None);
        kind.set(b.kind);
        moving.set(Some(b));
        // The banner above the slot picker says what is being moved; focus goes there.
        request_animation_frame(move || {
            if let Some(h) = move_heading.get_untracked() {
                let _ = h.focus();
            }
        });
    };
    let list = move || match bookings.get() {
        None => loading().into_any(),
        Some(Err(e)) => load_error(&e, reload).into_any(),
        Some(Ok(response)) => {
            let signals = Signals { cancelling: RwSignal::new(None), notice, confirmed, refresh };
            own_bookings(api.clone(), response.bookings, signals, start_move).into_any()
        }
    };
    let banner = move || {
        moving.get().map(|b| {
            view! {
                <div class="move-banner">
                    <h3 id="move-title" tabindex="-1" node_ref=move_heading>
                        {format!("Flyt sessionen {}", when(b.start, b.end))}
                    </h3>
                    <p>"Vælg en ny ledig tid herunder."</p>
                    <button
                        type="button"
                        class="secondary"
                        on:click=move |_| {
                            moving.set(None);
                            selected.set(None);
                        }
                    >
                        "Fortryd flytning"
                    </button>
                </div>
            }
        })
    };

    view! {
        <section class="view booking" aria-labelledby="booking-title">
            <h2 id="booking-title">"Book klimakoordinatoren"</h2>
            <p class="lead">
                {format!("{} Kommune", municipality.name())}
                " · 1:1-vejledning om jeres klimahandleplan (DK2020)"
            </p>
            {notice_area(notice)}
            {move || confirmed.get().map(|b| confirmation(&b))}
            {banner}
            <fieldset class="kinds" disabled=move || moving.with(Option::is_some)>
                <legend>"Mødeform"</legend>
                {[SessionKind::Onsite, SessionKind::Online]
                    .into_iter()
                    .map(|k| {
                        view! {
                            <label class="choice">
                                <input
                                    type="radio"
                                    name="kind"
                                    value=k.as_str()
                                    prop:checked=move || kind.get() == k
                                    on:change=move |_| {
                                        selected.set(None);
                                        kind.set(k);
                                    }
                                />
                                {k.label_da()}
                            </label>
                        }
                    })
                    .collect_view()}
            </fieldset>
            {week_nav(move || week::label(shown_week()), go_week, at_cap)}
            <div class="slots">{slot_list}</div>
            {form}
            {move_form}
            <h3 id="own-bookings-title" tabindex="-1" node_ref=list_heading>
                "Jeres bookinger"
            </h3>
            {list}
        </section>
    }
}

/// The open slots of the week, a group of buttons per day.
pub fn slot_days(slots: Vec<Slot>, selected: RwSignal<Option<Slot>>) -> impl IntoView {
    if slots.is_empty() {
        return view! { <p class="empty">"Ingen ledige tider i denne uge. Prøv en anden uge."</p> }.into_any();
    }
    let mut days: Vec<(Date, Vec<Slot>)> = Vec::new();
    for slot in slots {
        let date = slot.start.date();
        match days.last_mut() {
            Some((d, list)) if *d == date => list.push(slot),
            _ => days.push((date, vec![slot])),
        }
    }
    days.into_iter()
        .map(|(date, slots)| {
            let heading_id = format!("day-{}", rfc3339::date(date));
            view! {
                <div class="day" role="group" aria-labelledby=heading_id.clone()>
                    <h4 id=heading_id.clone()>{week::day_heading(date)}</h4>
                    <ul class="slot-list">
                        {slots
                            .into_iter()
                            .map(|slot| {
                                let text = time_range(slot.start, slot.end);
                                view! {
                                    <li>
                                        <button
                                            type="button"
                                            class="slot"
                                            data-start=slot.start.to_string()
                                            aria-pressed=move || {
                                                if selected.get() == Some(slot) { "true" } else { "false" }
                                            }
                                            on:click=move |_| selected.set(Some(slot))
                                        >
                                            {text}
                                        </button>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                </div>
            }
        })
        .collect_view()
        .into_any()
}

/// `09.00–10.30`
fn time_range(start: dk2020_model::LocalTime, end: dk2020_model::LocalTime) -> String {
    format!("{}–{}", format::time(start.datetime().time()), format::time(end.datetime().time()))
}

/// `tirsdag 1. december 2026 kl. 09.00–10.30`
pub fn when(start: dk2020_model::LocalTime, end: dk2020_model::LocalTime) -> String {
    format!("{}–{}", format::date_time(start), format::time(end.datetime().time()))
}

fn cap_reached() -> impl IntoView {
    view! {
        <div class="notice info">
            <p>
                "I har allerede det største antal kommende sessioner, en kommune må have ad gangen – "
                "så alle 19 kommuner får en tur. Book igen, når en af jeres sessioner er afholdt eller aflyst."
            </p>
        </div>
    }
}

fn booking_form(
    api: Api,
    BookFor { municipality, path }: BookFor,
    selected: RwSignal<Option<Slot>>,
    notice: RwSignal<Option<Notice>>,
    confirmed: RwSignal<Option<Booking>>,
    refresh: RwSignal<u32>,
    moving: RwSignal<Option<Booking>>,
) -> impl IntoView {
    let topic = FieldState::new("");
    let name = FieldState::new("");
    let email = FieldState::new("");
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(slot) = selected.get_untracked() else { return };
        let checked = (topic.check(Topic::parse), name.check(ContactName::parse), email.check(Email::parse));
        let (Some(t), Some(n), Some(e)) = checked else {
            for field in [topic, name, email] {
                if field.error.get_untracked().is_some() {
                    field.focus();
                    break;
                }
            }
            notice.set(Some(Notice::error("Ret de markerede felter, før du booker.")));
            return;
        };
        let request = BookingRequest {
            municipality,
            kind: slot.kind,
            start: slot.start,
            topic: t,
            contact_name: n,
            contact_email: e,
        };
        let api = api.clone();
        busy.set(true);
        notice.set(None);
        spawn_local(async move {
            let key = crate::api::random_key();
            match api.send::<_, Booking>(Method::POST, path, &request, Some(&key)).await {
                Ok(booking) => {
                    notice.set(Some(Notice::ok(format!("Sessionen er booket: {}.", when(booking.start, booking.end)))));
                    confirmed.set(Some(booking));
                    selected.set(None);
                    topic.value.set(String::new());
                }
                Err(e) if e.is_slot_taken() => {
                    notice.set(Some(Notice::error(
                        "Tiden blev netop booket af en anden kommune. Vælg en anden tid – listen er opdateret.",
                    )));
                    selected.set(None);
                }
                Err(e) => notice.set(Some(Notice::api(&e))),
            }
            busy.set(false);
            refresh.update(|n| *n += 1);
        });
    };

    move || {
        selected.get().filter(|_| moving.with(Option::is_none)).map(|slot| {
            view! {
                <form class="book-form" on:submit=submit.clone() novalidate>
                    <h3>"Book tiden"</h3>
                    <p class="chosen">
                        <strong>{slot.kind.label_da()}</strong>
                        ", "
                        {when(slot.start, slot.end)}
                    </p>
                    {text_field("topic", "Emne for sessionen", "text", "off", Topic::MAX_CHARS, topic)}
                    {text_field("contact-name", "Kontaktperson", "text", "name", ContactName::MAX_CHARS, name)}
                    {text_field("contact-email", "E-mail", "email", "email", Email::MAX_CHARS, email)}
                    <div class="actions">
                        <button type="submit" class="primary" disabled=move || busy.get()>
                            {move || if busy.get() { "Booker …" } else { "Book tiden" }}
                        </button>
                        <button type="button" class="secondary" on:click=move |_| selected.set(None)>
                            "Fortryd"
                        </button>
                    </div>
                </form>
            }
        })
    }
}

/// Moving a booking to the chosen slot: one atomic reschedule. A time taken
/// meanwhile gives fresh slots to choose from.
fn move_form(
    api: Api,
    selected: RwSignal<Option<Slot>>,
    notice: RwSignal<Option<Notice>>,
    confirmed: RwSignal<Option<Booking>>,
    refresh: RwSignal<u32>,
    moving: RwSignal<Option<Booking>>,
    list_heading: NodeRef<html::H3>,
) -> impl IntoView {
    let busy = RwSignal::new(false);
    let confirm = move |_| {
        let (Some(slot), Some(booking)) = (selected.get_untracked(), moving.get_untracked()) else { return };
        let api = api.clone();
        busy.set(true);
        notice.set(None);
        spawn_local(async move {
            let path = format!("/api/bookings/{}/reschedule", booking.id);
            match api.send::<_, Booking>(Method::POST, &path, &RescheduleRequest { start: slot.start }, None).await {
                Ok(moved) => {
                    notice.set(Some(Notice::ok(format!("Sessionen er flyttet til {}.", when(moved.start, moved.end)))));
                    if confirmed.with_untracked(|c| c.as_ref().is_some_and(|c| c.id == moved.id)) {
                        confirmed.set(Some(moved));
                    }
                    moving.set(None);
                    // The picker and the list are drawn anew: focus on the list, not lost.
                    if let Some(h) = list_heading.get_untracked() {
                        let _ = h.focus();
                    }
                }
                Err(e) if e.is_slot_taken() => notice.set(Some(Notice::error(
                    "Tiden blev netop booket af en anden kommune. Vælg en anden tid – listen er opdateret.",
                ))),
                Err(e) => notice.set(Some(Notice::api(&e))),
            }
            selected.set(None);
            busy.set(false);
            refresh.update(|n| *n += 1);
        });
    };
    move || {
        selected.get().filter(|_| moving.with(Option::is_some)).map(|slot| {
            view! {
                <div class="book-form move-form">
                    <p class="chosen">
                        "Ny tid: "
                        <strong>{when(slot.start, slot.end)}</strong>
                    </p>
                    <div class="actions">
                        <button type="button" class="primary" disabled=move || busy.get() on:click=confirm.clone()>
                            {move || if busy.get() { "Flytter …" } else { "Flyt sessionen" }}
                        </button>
                        <button type="button" class="secondary" on:click=move |_| selected.set(None)>
                            "Vælg en anden tid"
                        </button>
                    </div>
                </div>
            }
        })
    }
}

fn confirmation(b: &Booking) -> impl IntoView + use<> {
    view! {
        <div class="confirmation">
            <h3>"Bekræftet"</h3>
            <p>{format!("{}: {}", b.kind.label_da(), when(b.start, b.end))}</p>
            <p>{format!("Emne: {}", crate::components::topic_text(b))}</p>
            <p class="muted">"Hent kalenderfilen under “Jeres bookinger” for at lægge sessionen i jeres kalender."</p>
        </div>
    }
}

fn own_bookings(
    api: Api,
    mut bookings: Vec<Booking>,
    signals: Signals,
    start_move: impl Fn(Booking) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    if bookings.is_empty() {
        return view! { <p class="empty">"I har ingen bookinger endnu."</p> }.into_any();
    }
    bookings.sort_by_key(|b| (!b.is_confirmed(), b.start));
    view! {
        <ul class="bookings">
            {bookings.into_iter().map(|b| booking_item(api.clone(), b, signals, start_move)).collect_view()}
        </ul>
    }
    .into_any()
}

/// The signals a booking in the list works with.
#[derive(Clone, Copy)]
struct Signals {
    cancelling: RwSignal<Option<String>>,
    notice: RwSignal<Option<Notice>>,
    confirmed: RwSignal<Option<Booking>>,
    refresh: RwSignal<u32>,
}

fn booking_item(
    api: Api,
    b: Booking,
    signals: Signals,
    start_move: impl Fn(Booking) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let Signals { cancelling, notice, confirmed: confirmation, refresh } = signals;
    let id = b.id.to_string();
    let status = match &b.status {
        BookingStatus::Confirmed => "Bekræftet".to_string(),
        BookingStatus::Cancelled { by, reason } => match reason {
            Some(r) => format!("Aflyst af {by}: {r}"),
            None => format!("Aflyst af {by}"),
        },
    };
    let confirmed = b.is_confirmed();
    // An intranet's embed key opens listing, booking and cancelling only:
    // the invitation comes by mail, and moving is done from the mail's link.
    let full = !api.is_embed_key();
    let ics_api = api.clone();
    let ics_id = id.clone();
    let download = move |_| {
        let api = ics_api.clone();
        let id = ics_id.clone();
        spawn_local(async move {
            let path = format!("/api/bookings/{id}/ics");
            if let Err(e) = api.download(&path, &format!("dk2020-{id}.ics"), "text/calendar").await {
                notice.set(Some(Notice::error(format!("Kalenderfilen kunne ikke hentes. {}", e.danish()))));
            }
        });
    };
    let label = when(b.start, b.end);
    let (cancelled_label, cancelled_id) = (label.clone(), id.clone());
    let done = move |answer: Result<Booking, ApiError>| match answer {
        Ok(_) => {
            notice.set(Some(Notice::ok(format!("Sessionen {cancelled_label} er aflyst."))));
            if confirmation.with_untracked(|c| c.as_ref().is_some_and(|c| c.id.as_str() == cancelled_id)) {
                confirmation.set(None);
            }
            cancelling.set(None);
            refresh.update(|n| *n += 1);
        }
        Err(e) => notice.set(Some(Notice::api(&e))),
    };
    let open_id = id.clone();
    let is_open = move || cancelling.get().as_deref() == Some(open_id.as_str());
    let box_id = id.clone();
    let to_move = b.clone();
    view! {
        <li class="booking-item" class:cancelled=!confirmed data-id=id.clone()>
            <p class="when">
                <strong>{label}</strong>
            </p>
            <p>{format!("{} · {}", b.kind.label_da(), crate::components::topic_text(&b))}</p>
            <p class="muted">{format!("{} · {status}", crate::components::contact_text(&b))}</p>
            {confirmed
                .then(|| {
                    let id2 = id.clone();
                    view! {
                        <div class="actions">
                            {full.then(|| view! {
                                <button type="button" class="secondary ics" on:click=download.clone()>
                                    "Hent kalenderfil (.ics)"
                                </button>
                            })}
                            {
                                let is_open = is_open.clone();
                                move || {
                                    let id3 = id2.clone();
                                    let to_move = to_move.clone();
                                    (!is_open())
                                        .then(|| {
                                            view! {
                                                {full.then(|| view! {
                                                    <button
                                                        type="button"
                                                        class="secondary move"
                                                        on:click=move |_| start_move(to_move.clone())
                                                    >
                                                        "Flyt"
                                                    </button>
                                                })}
                                                <button
                                                    type="button"
                                                    class="danger cancel"
                                                    on:click=move |_| cancelling.set(Some(id3.clone()))
                                                >
                                                    "Aflys"
                                                </button>
                                            }
                                        })
                                }
                            }
                        </div>
                    }
                })}
            {
                let is_open = is_open.clone();
                move || {
                    is_open()
                        .then(|| {
                            let texts =
                                CancelTexts { reason_label: "Begrundelse (valgfri)", confirm: "Ja, aflys sessionen" };
                            let path = format!("/api/bookings/{box_id}/cancel");
                            cancel_box(api.clone(), box_id.clone(), path, texts, move || cancelling.set(None), done.clone())
                        })
                }
            }
        </li>
    }
}

/// Why a day of the week has no visits: it is another area's tour day
/// ("Onsdag 9. december er en turdag for Vestjylland …").
fn tour_notes(kept: Vec<ReservedDay>) -> impl IntoView {
    (!kept.is_empty()).then(|| {
        view! {
            <ul class="tour-notes">
                {kept
                    .into_iter()
                    .map(|r| {
                        let text = format!(
                            "{} er en turdag for {}: besøg den dag er forbeholdt kommunerne dér og kan bookes af alle \
                             fra {}. Onlinemøder kan bookes som ellers.",
                            capitalised(&format::date_with_weekday(r.date)),
                            r.area.label_da(),
                            format::date(r.opens)
                        );
                        view! { <li>{text}</li> }
                    })
                    .collect_view()}
            </ul>
        }
    })
}

fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}
