//! `dk2020-widget`: the embeddable Leptos widget of the DK2020 planner.
//!
//! The small ES module `dk2020-widget.js` (in `static/`) defines the custom
//! element `<dk2020-widget view=… municipality=… api=… token=…>`, loads this
//! crate's wasm once per page and calls [`mount`] with the element's shadow
//! root; it keeps the returned [`Mounted`] handle and frees it when the element
//! leaves the page or an attribute changes (then it mounts again).
//!
//! Views: `booking` (a municipality books advisory sessions), `overview` (the
//! KKR enrolment overview), `budget` (the cost-sharing table), `coordinator`
//! (agenda with driving and the availability editor) and `secretariat`
//! (enrolment status with history, populations). Texts are Danish, formats
//! come from [`dk2020_model::format`], the API types from
//! [`dk2020_model::api`].

pub mod api;
pub mod components;
pub mod element;
pub mod views;
pub mod week;

pub use element::{Mounted, mount};
