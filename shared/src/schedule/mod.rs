//! Scheduling the coordinator's 1:1 advisory sessions: Danish holidays, the
//! coordinator's availability settings, driving time, open slots and the
//! check of a booking request. No I/O and no clock: "now" is a parameter.
//!
//! # The rules
//!
//! All times are Europe/Copenhagen wall-clock times (jiff, with summer time):
//! a 09:00 slot is 09:00 local on both sides of the summer-time changes.
//!
//! A start is offered ([`open_slots`]) and accepted ([`check_booking`]) iff:
//!
//! 1. **Settings** validate ([`Availability::validate`]).
//! 2. **Cap**: the municipality has fewer than `cap_per_municipality`
//!    confirmed bookings that start after now (default 2). At the cap,
//!    `open_slots` returns [`SlotsError::CapReached`] rather than
//!    an empty list, so the widget can say why.
//! 3. **Horizon**: its Copenhagen date is at most today + `horizon_days`
//!    (default 56).
//! 4. **Working day**: not a public holiday or customary closed day
//!    ([`holidays`]; these win over exceptions), not closed by a date
//!    exception, and the weekday (or the exception) has hours.
//! 5. **Working hours and grid**: start and end (start + the kind's
//!    duration) lie within one of the day's working windows (a day may have
//!    several, e.g. 08:30-12:00 and 12:30-16:00), and the start is that
//!    window's opening time plus a multiple of `slot_step_minutes` (default
//!    30), in wall-clock time.
//! 6. **Notice**: start ≥ now + `min_notice_hours` (default 48).
//! 7. **Free**: no confirmed booking of any municipality (the coordinator is
//!    one person) lies within `buffer_minutes` (default 15) of it.
//!    **Busy**: no busy time ([`BusyTime`]: her subscribed calendars, and
//!    the settings' blocked hours of a date) overlaps the session with its
//!    buffers, nor, for an on-site visit, the drive to it from the previous
//!    stop of the day (or Aarhus) right before it and the drive on to the
//!    next stop (or home) right after it.
//! 8. **Tour days** ([`fairness`]): an on-site visit on a weekday kept for
//!    an area of the region is for that area's municipalities until
//!    `tour_open_days` before the day ([`reserved_days`] lists such days).
//! 9. **On-site visits a day**: for on-site, fewer than `max_onsite_per_day`
//!    (default 2) confirmed on-site visits that day.
//! 10. **Driving**: the coordinator leaves the office in Aarhus no earlier
//!     than the day's first opening, drives to each on-site visit in time order and
//!     is back by the last closing time (she may drive through a break); a
//!     long drive (`long_drive_minutes`) may set off up to
//!     `long_drive_extra_minutes` before the opening, or end as much after
//!     the closing ([`fairness`]). Drive minutes = ⌈great-circle km × road factor
//!     ÷ speed × 60⌉ + the ferry minutes of each island end (Samsø 60, both
//!     ways). The coordinator is busy while driving: online sessions are held
//!     wherever the coordinator is, but not in the car. After every session
//!     the buffer is kept before the next session or before setting off; a
//!     session may start on arrival. Only the drives the new session changes
//!     are checked, so one old booking that no longer fits does not block the
//!     whole day.
//!
//! [`RuleViolation`] names the broken rule ([`RuleViolation::code`]); the
//! API chooses the HTTP status for each (`backend/src/error.rs`).

mod agenda;
mod availability;
mod busy;
pub mod fairness;
mod holidays;
mod slots;
mod travel;

pub use agenda::agenda_days;
pub use availability::{
    Availability, AvailabilityProblem, BlockedHours, DateException, DayHours, DayStatus, HoursError,
    InvalidAvailability, MAX_BLOCKED, MAX_EXCEPTIONS, MAX_NOTE_CHARS, MAX_WINDOWS, RuleField, Rules, SESSION_MINUTES,
    WeeklyHours, WorkingHours,
};
pub use busy::BusyTime;
pub use fairness::{ReservedDay, TourArea, TourDays, reserved_days};
pub use holidays::{ClosedDays, LAST_STORE_BEDEDAG_YEAR, easter_sunday, holidays, is_closed_day};
pub use slots::{
    BookingCheck, Leg, MAX_RANGE_DAYS, RuleViolation, Slot, SlotQuery, SlotsError, Stop, check_booking, day_route,
    open_slots,
};
pub use travel::{TravelRules, drive_minutes, minutes_between, travel_home_minutes, travel_minutes};
