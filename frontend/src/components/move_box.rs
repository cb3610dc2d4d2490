//! Moving a booking to another open slot of its kind (the atomic
//! reschedule): the municipality's booking list asks with a choice of times.

use dk2020_model::{
    Booking, MunicipalityCode, SessionKind,
    api::{RescheduleRequest, SlotsResponse},
    schedule::Slot,
};
use gloo_net::http::Method;
use leptos::{html, prelude::*, task::spawn_local};

use crate::api::{Api, ApiError};

/// The open times of `kind` in a labelled choice, with "move" and "keep"
/// buttons. Sends the move itself and hands the API's answer to `done`;
/// focus goes to the choice once the times are there.
pub fn move_box(
    api: Api,
    id: String,
    municipality: MunicipalityCode,
    kind: SessionKind,
    keep: impl Fn() + 'static,
    done: impl Fn(Result<Booking, ApiError>) + Clone + 'static,
) -> impl IntoView {
    let refresh = RwSignal::new(0u32);
    let chosen = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let taken = RwSignal::new(false);
    let select = NodeRef::<html::Select>::new();
    let load_api = api.clone();
    let slots = LocalResource::new(move || {
        refresh.get();
        let api = load_api.clone();
        let path = format!("/api/slots?municipality={}&kind={}", municipality.get(), kind.as_str());
        async move { api.get::<SlotsResponse>(&path).await }
    });
    let choice_id = format!("move-{id}");
    let confirm = move |_| {
        let start = chosen.get_untracked();
        let Some(slot) = slots.with_untracked(|s| {
            s.as_ref()
                .and_then(|r| r.as_ref().ok())
                .and_then(|r| r.slots.iter().find(|s| s.start.to_string() == start).copied())
        }) else {
            return;
        };
        let (api, id, done) = (api.clone(), id.clone(), done.clone());
        busy.set(true);
        taken.set(false);
        spawn_local(async move {
            let body = RescheduleRequest { start: slot.start };
            let answer = api.send(Method::POST, &format!("/api/bookings/{id}/reschedule"), &body, None).await;
            if answer.as_ref().is_err_and(ApiError::is_slot_taken) {
                // Taken meanwhile: a fresh list to choose from.
                taken.set(true);
                refresh.update(|n| *n += 1);
            }
            done(answer);
            busy.set(false);
        });
    };
    let choice = move || match slots.get() {
        None => view! { <p class="loading">"Henter ledige tider …"</p> }.into_any(),
        Some(Err(e)) if e.is_cap_reached() => view! {
            <p>
                "Ledige tider kan ikke vises, mens I har det største antal kommende sessioner. "
                "Kontakt koordinatoren for at flytte sessionen."
            </p>
        }
        .into_any(),
        Some(Err(e)) => view! { <p>{e.danish()}</p> }.into_any(),
        Some(Ok(r)) if r.slots.is_empty() => view! { <p>"Der er ingen andre ledige tider lige nu."</p> }.into_any(),
        Some(Ok(r)) => {
            let first = r.slots[0].start.to_string();
            if !r.slots.iter().any(|s| s.start.to_string() == chosen.get_untracked()) {
                chosen.set(first);
            }
            // Focus the choice once it is in the page.
            request_animation_frame(move || {
                if let Some(s) = select.get_untracked() {
                    let _ = s.focus();
                }
            });
            let options = r.slots.into_iter().map(|s: Slot| {
                let value = s.start.to_string();
                let selected = value == chosen.get_untracked();
                view! {
                    <option value=value selected=selected>
                        {crate::views::booking::when(s.start, s.end)}
                    </option>
                }
            });
            view! {
                <label for=choice_id.clone()>"Vælg en ny tid"</label>
                <select
                    id=choice_id.clone()
                    node_ref=select
                    prop:value=move || chosen.get()
                    on:change=move |ev| chosen.set(event_target_value(&ev))
                >
                    {options.collect_view()}
                </select>
            }
            .into_any()
        }
    };
    let has_times = move || slots.with(|s| s.as_ref().is_some_and(|r| r.as_ref().is_ok_and(|r| !r.slots.is_empty())));
    view! {
        <div class="move-box">
            {choice}
            <div class="actions">
                <button
                    type="button"
                    class="primary"
                    hidden=move || !has_times()
                    disabled=move || busy.get()
                    on:click=confirm
                >
                    {move || if busy.get() { "Flytter …" } else { "Flyt sessionen" }}
                </button>
                <button type="button" class="secondary" on:click=move |_| keep()>
                    "Fortryd"
                </button>
            </div>
        </div>
    }
}
