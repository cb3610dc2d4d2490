//! `dk2020-model`: the domain of the DK2020 planner. Types, rules and
//! calculations only: no I/O, no clock, no async. Compiles for native and
//! `wasm32-unknown-unknown`, so the API and the widget share every type.

pub mod actor;
pub mod booking;
pub mod format;
pub mod municipality;
pub mod time;

pub use actor::{Actor, Role};
pub use booking::{Booking, BookingId, BookingStatus, ContactName, Email, FieldError, SessionKind, Topic};
pub use municipality::{GeoPoint, Municipalities, Municipality, MunicipalityCode, Population, TownHall};
pub use time::{COPENHAGEN, LocalTime};

pub mod allocation;
pub mod enrolment;
pub mod ical;
pub mod schedule;
