//! Small building blocks shared by the views: messages (loading, errors,
//! a live status area), labelled form fields with their error text, file
//! downloads, the clean print window, the box that cancels a booking, the
//! frame of a chart and the tile map of the region.

mod cancel_box;
mod field;
mod files;
#[cfg(any(feature = "overview", feature = "coordinator", feature = "secretariat"))]
mod region_map;
#[cfg(any(feature = "overview", feature = "coordinator", feature = "secretariat"))]
mod svg_figure;
mod week_nav;

pub use cancel_box::{CancelTexts, cancel_box};
pub use field::{FieldState, field_error_da, text_field};
pub use files::{print_clean, save_file};
#[cfg(any(feature = "overview", feature = "coordinator", feature = "secretariat"))]
pub use region_map::{MapTile, region_map};
#[cfg(any(feature = "overview", feature = "coordinator", feature = "secretariat"))]
pub use svg_figure::{Figure, svg_figure};
pub use week_nav::week_nav;

use leptos::prelude::*;

use crate::api::ApiError;

/// A message for the live status area: a confirmation or an error.
#[derive(Clone, Debug, PartialEq)]
pub struct Notice {
    pub ok: bool,
    pub text: String,
}

impl Notice {
    pub fn ok(text: impl Into<String>) -> Self {
        Self { ok: true, text: text.into() }
    }

    pub fn error(text: impl Into<String>) -> Self {
        Self { ok: false, text: text.into() }
    }

    /// The Danish message of an API error (never the API's English words).
    pub fn api(e: &ApiError) -> Self {
        Self::error(e.danish())
    }
}

/// A polite live region that announces what `notice` holds. It is always in
/// the page, so screen readers pick up changes to it.
pub fn notice_area(notice: RwSignal<Option<Notice>>) -> impl IntoView {
    view! {
        <div class="notice-area" role="status" aria-live="polite" aria-atomic="true">
            {move || notice.get().map(notice_box)}
        </div>
    }
}

fn notice_box(n: Notice) -> impl IntoView {
    view! {
        <div class=if n.ok { "notice ok" } else { "notice error" }>
            <p>{n.text}</p>
        </div>
    }
}

/// Shown while data is on its way.
pub fn loading() -> impl IntoView {
    view! { <p class="loading">"Henter …"</p> }
}

/// A failed load: the Danish message and a retry button.
pub fn load_error<R: Fn() + 'static>(e: &ApiError, retry: R) -> impl IntoView + use<R> {
    view! {
        <div class="notice error" role="alert">
            <p>{e.danish()}</p>
            <button type="button" class="secondary" on:click=move |_| retry()>
                "Prøv igen"
            </button>
        </div>
    }
}

/// A problem that stops the widget (bad attributes, no token).
/// A booking's topic as the views show it; "(slettet)" once its personal
/// data was erased (issue 17).
pub fn topic_text(b: &dk2020_model::Booking) -> String {
    b.topic.as_ref().map_or_else(|| "(slettet)".to_string(), |t| t.to_string())
}

/// "Name (address)", or that the contact's data was erased.
pub fn contact_text(b: &dk2020_model::Booking) -> String {
    match (&b.contact_name, &b.contact_email) {
        (Some(name), Some(email)) => format!("{name} ({email})"),
        _ => "Kontaktpersonens oplysninger er slettet".to_string(),
    }
}

pub fn problem(title: &'static str, message: String) -> impl IntoView {
    view! {
        <div class="notice error" role="alert">
            <p>
                <strong>{title}</strong>
            </p>
            <p>{message}</p>
        </div>
    }
}

/// `2026-12-01` from a date input, or `None` when empty or malformed.
pub fn parse_date(value: &str) -> Option<jiff::civil::Date> {
    value.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notices_say_the_api_error_in_danish() {
        let e = crate::api::error_from_body(503, r#"{"error":{"code":"unavailable","message":"store down"}}"#);
        let n = Notice::api(&e);
        assert!(!n.ok);
        assert!(n.text.contains("utilgængelig"));
        assert!(!n.text.contains("store down"));
        assert_eq!(parse_date("2026-12-01").unwrap().to_string(), "2026-12-01");
        assert!(parse_date("1.12.2026").is_none());
    }
}
