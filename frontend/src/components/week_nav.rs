//! "Forrige uge · <the week> · Næste uge": the week navigation of the
//! booking view, the manage page and the coordinator's agenda.

use leptos::prelude::*;

/// `label` names the week shown (announced when it changes), `go(-1)` and
/// `go(1)` step a week back and forth, `hidden` hides the whole bar (the
/// booking view at its cap has nothing to browse).
pub fn week_nav(
    label: impl Fn() -> String + Send + Sync + 'static,
    go: impl Fn(i64) + Copy + Send + Sync + 'static,
    hidden: impl Fn() -> bool + Send + Sync + 'static,
) -> impl IntoView {
    view! {
        <div class="weeknav" hidden=hidden>
            <button type="button" class="secondary" on:click=move |_| go(-1)>
                <span aria-hidden="true">"‹ "</span>
                "Forrige uge"
            </button>
            <h3 aria-live="polite">{label}</h3>
            <button type="button" class="secondary" on:click=move |_| go(1)>
                "Næste uge"
                <span aria-hidden="true">" ›"</span>
            </button>
        </div>
    }
}
