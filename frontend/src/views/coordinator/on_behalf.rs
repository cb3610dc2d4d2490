//! Booking on a municipality's behalf (after a phone call): she picks the
//! municipality and gets its booking view, the same slots, rules and form
//! the municipality has, and its list with "Flyt" and "Aflys", sharing the
//! agenda's reloads (a booking made there shows in the agenda). It books
//! through her own `POST /api/coordinator/bookings`, so the mails say she
//! booked it.

use dk2020_model::MunicipalityCode;
use leptos::prelude::*;

use crate::{api::Api, views::booking};

/// `refresh`: the agenda's reload counter, shared with the booking view.
pub fn on_behalf(api: Api, refresh: RwSignal<u32>) -> impl IntoView {
    let chosen = RwSignal::new(None::<MunicipalityCode>);
    let choose = move |ev: leptos::ev::Event| chosen.set(event_target_value(&ev).parse::<MunicipalityCode>().ok());
    view! {
        <h3 id="on-behalf-title">"Book eller flyt for en kommune"</h3>
        <p class="muted">
            "Efter en telefonsamtale: vælg kommunen, og book, flyt eller aflys som kommunen selv ville – med de samme regler. Mailene siger, at du har booket."
        </p>
        <div class="field">
            <label for="on-behalf-municipality">"Kommune"</label>
            <select id="on-behalf-municipality" on:change=choose>
                <option value="">"Vælg kommune …"</option>
                {MunicipalityCode::all()
                    .iter()
                    .map(|c| view! { <option value=c.get().to_string()>{c.name()}</option> })
                    .collect_view()}
            </select>
        </div>
        <div class="on-behalf">{move || {
            chosen.get().map(|municipality| {
                let book_for = booking::BookFor { municipality, path: "/api/coordinator/bookings" };
                booking::view_for(api.clone(), book_for, refresh)
            })
        }}</div>
    }
}
