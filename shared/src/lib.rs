//! `dk2020-model`: the domain of the DK2020 planner. Types, rules and
//! calculations only: no I/O, no clock, no async. Compiles for native and
//! `wasm32-unknown-unknown`, so the API and the widget share every type.

pub mod actor;
pub mod booking;
pub mod credential;
pub mod dates;
pub mod format;
pub mod municipality;
pub mod rfc3339;
pub mod tagged;
pub mod time;

#[cfg(feature = "openapi")]
mod openapi;

pub use actor::{Actor, Role};
pub use booking::{
    Booking, BookingId, BookingStatus, CancelReason, ContactName, Email, FieldError, SessionKind, Topic,
};
pub use municipality::{GeoPoint, Municipalities, Municipality, MunicipalityCode, Population, TownHall};
pub use time::{COPENHAGEN, LocalTime};

pub mod allocation;
pub mod api;
pub mod audit;
pub mod enrolment;
pub mod ical;
pub mod lifecycle;
pub mod mail;
pub mod manage;
pub mod outbox;
pub mod privacy;
pub mod report;
pub mod scenario;
pub mod schedule;
pub mod sign_in;
pub mod simulation;
pub mod subscription;
pub mod tile_map;
pub use allocation::{
    AllocationError, Key, KeyKind, Kroner, Percent, Plan, PlanParams, PlanRow, PlanTotals, Share, YearSummary,
    allocate, plan,
};
pub use enrolment::{
    Enrolment, EnrolmentOverview, EnrolmentStatus, Round, RoundNumber, Rounds, StatusChange, StatusChangeRequest,
    StatusKind, TransitionError, overview,
};
pub use ical::{CalendarInfo, Organizer, booking_to_ics, calendar_feed};
pub use lifecycle::{Act, Event, Refusal, Snapshot};
pub use schedule::{
    Availability, ClosedDays, DateException, DayStatus, InvalidAvailability, Leg, RuleViolation, Rules, Slot,
    SlotQuery, SlotsError, Stop, TravelRules, WeeklyHours, WorkingHours, check_booking, day_route, open_slots,
};
