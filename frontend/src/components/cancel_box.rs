//! Cancelling a booking with an optional reason: the municipality's booking
//! list, the coordinator's agenda and the manage page ask the same way.

use dk2020_model::{Booking, CancelReason, api::CancelRequest};
use gloo_net::http::Method;
use leptos::{prelude::*, task::spawn_local};

use crate::api::{Api, ApiError};

/// What the box says: the reason field's label and the confirm button.
pub struct CancelTexts {
    pub reason_label: &'static str,
    pub confirm: &'static str,
}

/// The reason field with "cancel" and "keep" buttons. Sends the cancellation
/// of booking `id` to `path` (a blank reason is none) and hands the API's
/// answer to `done`.
pub fn cancel_box(
    api: Api,
    id: String,
    path: String,
    texts: CancelTexts,
    keep: impl Fn() + 'static,
    done: impl Fn(Result<Booking, ApiError>) + Clone + 'static,
) -> impl IntoView {
    let reason = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let reason_id = format!("reason-{id}");
    let confirm = move |_| {
        let (api, path, done) = (api.clone(), path.clone(), done.clone());
        let text = reason.get_untracked().trim().to_string();
        busy.set(true);
        spawn_local(async move {
            // The field holds at most `CancelReason::MAX_CHARS` characters of one
            // line, so a reason typed there always parses; blank is no reason.
            let body = CancelRequest { reason: CancelReason::parse(&text).ok() };
            done(api.send(Method::POST, &path, &body, None).await);
            busy.set(false);
        });
    };
    view! {
        <div class="cancel-box">
            <label for=reason_id.clone()>{texts.reason_label}</label>
            <input
                id=reason_id
                type="text"
                maxlength=CancelReason::MAX_CHARS
                prop:value=move || reason.get()
                on:input=move |ev| reason.set(event_target_value(&ev))
            />
            <div class="actions">
                <button type="button" class="danger confirm-cancel" disabled=move || busy.get() on:click=confirm>
                    {texts.confirm}
                </button>
                <button type="button" class="secondary" on:click=move |_| keep()>
                    "Behold"
                </button>
            </div>
        </div>
    }
}
