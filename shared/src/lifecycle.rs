//! The booking lifecycle: book, cancel, reschedule. Each is a pure function
//! over a [`Snapshot`] of what the rules look at, returning the new state of
//! the booking and the domain [`Event`] that happened (what e-mail, calendar
//! and audit features consume). Stores load the snapshot under the same guard
//! as their write, call one of these, and write the result: no booking
//! transition is written anywhere else.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::{
    actor::Actor,
    api::BookingRequest,
    booking::{Booking, BookingId, BookingStatus},
    municipality::Municipalities,
    schedule::{Availability, BookingCheck, BusyTime, RuleViolation, check_booking},
    time::LocalTime,
};

/// What the booking rules see, read by a store inside its write guard.
#[derive(Clone, Copy, Debug)]
pub struct Snapshot<'a> {
    pub availability: &'a Availability,
    pub municipalities: &'a Municipalities,
    /// The confirmed bookings that end after "now" (every municipality's).
    /// The booking being moved may be among them: [`reschedule`] leaves it out.
    pub confirmed: &'a [Booking],
    /// The busy times of her subscribed calendars.
    pub busy: &'a [BusyTime],
}

impl<'a> Snapshot<'a> {
    pub fn new(
        availability: &'a Availability,
        municipalities: &'a Municipalities,
        confirmed: &'a [Booking],
        busy: &'a [BusyTime],
    ) -> Self {
        Self { availability, municipalities, confirmed, busy }
    }
}

/// Who changes a booking, and when (the app's clock): what every change to a
/// booking is stamped with, and what its [`Event`] reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Act {
    pub by: Actor,
    pub at: Timestamp,
}

/// What happened to a booking, with who and when.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    Booked { booking: Booking, by: Actor, at: Timestamp },
    Rescheduled { booking: Booking, from: LocalTime, from_end: LocalTime, by: Actor, at: Timestamp },
    Cancelled { booking: Booking, by: Actor, at: Timestamp },
}

impl Event {
    /// When it happened.
    pub fn at(&self) -> Timestamp {
        match self {
            Event::Booked { at, .. } | Event::Rescheduled { at, .. } | Event::Cancelled { at, .. } => *at,
        }
    }

    /// The booking as it is after the event.
    pub fn booking(&self) -> &Booking {
        match self {
            Event::Booked { booking, .. } | Event::Rescheduled { booking, .. } | Event::Cancelled { booking, .. } => {
                booking
            }
        }
    }
}

/// Why a lifecycle step is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// A scheduling rule refuses the time.
    #[error("{0}")]
    Rule(RuleViolation),
    #[error("the booking is already cancelled")]
    AlreadyCancelled,
    #[error("a cancelled booking cannot be moved; book a new time")]
    CancelledCannotMove,
    /// The booking is another municipality's (or the caller is not one who
    /// books: the secretariat).
    #[error("this booking belongs to another municipality")]
    NotYours,
    /// A municipality cannot cancel a session that has begun.
    #[error("the session has already started; ask the coordinator")]
    AlreadyStarted,
}

impl From<RuleViolation> for Refusal {
    fn from(v: RuleViolation) -> Self {
        Refusal::Rule(v)
    }
}

/// Books what `request` asks for as booking `id` (made by the caller: the
/// model draws no random numbers) if every rule accepts its start.
pub fn book(
    snapshot: Snapshot<'_>,
    request: BookingRequest,
    id: BookingId,
    by: Actor,
    now: Timestamp,
) -> Result<(Booking, Event), Refusal> {
    let slot = check_booking(BookingCheck {
        availability: snapshot.availability,
        municipalities: snapshot.municipalities,
        municipality: request.municipality,
        kind: request.kind,
        start: request.start,
        existing: snapshot.confirmed,
        busy: snapshot.busy,
        now,
    })?;
    let booking = Booking {
        id,
        municipality: request.municipality,
        kind: request.kind,
        start: slot.start,
        end: slot.end,
        topic: Some(request.topic),
        contact_name: Some(request.contact_name),
        contact_email: Some(request.contact_email),
        status: BookingStatus::Confirmed,
        created_at: now,
        changed_at: now,
        sequence: 0,
        erased_at: None,
    };
    let event = Event::Booked { booking: booking.clone(), by, at: now };
    Ok((booking, event))
}

/// Whether `by` may see and change `booking`: its own municipality, or the
/// coordinator.
pub fn may_change(by: Actor, booking: &Booking) -> Result<(), Refusal> {
    match by {
        Actor::Coordinator => Ok(()),
        Actor::Municipality { municipality } if municipality == booking.municipality => Ok(()),
        Actor::Municipality { .. } | Actor::Secretariat => Err(Refusal::NotYours),
    }
}

/// Cancels a confirmed booking. A municipality may cancel only before the
/// session starts; the coordinator at any time.
pub fn cancel(
    booking: &Booking,
    by: Actor,
    reason: Option<String>,
    now: Timestamp,
) -> Result<(Booking, Event), Refusal> {
    may_change(by, booking)?;
    if !booking.is_confirmed() {
        return Err(Refusal::AlreadyCancelled);
    }
    if matches!(by, Actor::Municipality { .. }) && booking.start.timestamp() <= now {
        return Err(Refusal::AlreadyStarted);
    }
    let mut cancelled = booking.clone();
    cancelled.status = BookingStatus::Cancelled { by, reason };
    cancelled.changed_at = now;
    cancelled.sequence += 1;
    let event = Event::Cancelled { booking: cancelled.clone(), by, at: now };
    Ok((cancelled, event))
}

/// Moves a confirmed booking to `start` if the rules accept it against the
/// other confirmed bookings (its own old time does not count: it is freed by
/// the same write).
pub fn reschedule(
    snapshot: Snapshot<'_>,
    booking: &Booking,
    start: LocalTime,
    by: Actor,
    now: Timestamp,
) -> Result<(Booking, Event), Refusal> {
    may_change(by, booking)?;
    if !booking.is_confirmed() {
        return Err(Refusal::CancelledCannotMove);
    }
    let others: Vec<Booking> = snapshot.confirmed.iter().filter(|b| b.id != booking.id).cloned().collect();
    let slot = check_booking(BookingCheck {
        availability: snapshot.availability,
        municipalities: snapshot.municipalities,
        municipality: booking.municipality,
        kind: booking.kind,
        start,
        existing: &others,
        busy: snapshot.busy,
        now,
    })?;
    let mut moved = booking.clone();
    moved.start = slot.start;
    moved.end = slot.end;
    moved.changed_at = now;
    moved.sequence += 1;
    let event = Event::Rescheduled { booking: moved.clone(), from: booking.start, from_end: booking.end, by, at: now };
    Ok((moved, event))
}

#[cfg(test)]
mod tests;
