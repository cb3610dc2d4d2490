//! Open slots, the check of a single booking request, and the coordinator's
//! driving legs of a day. See the module documentation of
//! [`crate::schedule`] for the rules.

use std::cell::{OnceCell, RefCell};

use jiff::{
    SignedDuration, Span, Timestamp,
    civil::{Date, DateTime, Time},
};
use serde::{Deserialize, Serialize};

use super::{
    availability::{
        Availability, DateException, DayHours, InvalidAvailability, Resolved, WorkingHours, seconds_of_day, weekday_en,
        window_of,
    },
    busy::{BusyIndex, BusyTime},
    fairness::TourArea,
    travel::{TravelRules, minutes_between, travel_home_minutes, travel_minutes},
};
use crate::{
    api::ErrorCode,
    booking::{Booking, BookingId, SessionKind},
    municipality::{GeoPoint, Municipalities, MunicipalityCode, TownHall},
    time::{COPENHAGEN, LocalTime},
};

/// The longest date range `open_slots` answers in one go, in days (from and
/// to included): the API's ranges' own limit.
pub const MAX_RANGE_DAYS: i32 = crate::dates::MAX_RANGE_DAYS;

/// A bookable time. JSON:
/// `{"start": "2026-12-01T09:00:00+01:00", "end": "2026-12-01T10:30:00+01:00", "kind": "onsite"}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Slot {
    pub start: LocalTime,
    pub end: LocalTime,
    pub kind: SessionKind,
}

/// What `open_slots` needs. `from` and `to` are Copenhagen dates, both
/// included. `existing` may hold every municipality's bookings; only the
/// confirmed ones count. `busy` holds the busy times of her calendars.
#[derive(Clone, Copy, Debug)]
pub struct SlotQuery<'a> {
    pub availability: &'a Availability,
    pub municipalities: &'a Municipalities,
    pub municipality: MunicipalityCode,
    pub kind: SessionKind,
    pub from: Date,
    pub to: Date,
    pub existing: &'a [Booking],
    pub busy: &'a [BusyTime],
    pub now: Timestamp,
}

/// What `check_booking` needs: one requested start, and the same facts as
/// [`SlotQuery`]. For a reschedule, leave the booking being moved out of
/// `existing`.
#[derive(Clone, Copy, Debug)]
pub struct BookingCheck<'a> {
    pub availability: &'a Availability,
    pub municipalities: &'a Municipalities,
    pub municipality: MunicipalityCode,
    pub kind: SessionKind,
    pub start: LocalTime,
    pub existing: &'a [Booking],
    pub busy: &'a [BusyTime],
    pub now: Timestamp,
}

/// Why `open_slots` gives no list.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "error", rename_all = "snake_case")]
pub enum SlotsError {
    #[error("the date range ends ({to}) before it starts ({from})")]
    RangeReversed { from: Date, to: Date },
    #[error("the date range {from} to {to} spans {days} days; ask for at most {max} days at a time")]
    RangeTooLong { from: Date, to: Date, days: i32, max: i32 },
    /// The municipality already holds as many upcoming sessions as allowed:
    /// no slot could be booked, so the reason is given instead of an empty list.
    #[error("{}", cap_message(*.cap, *.booked))]
    CapReached { cap: u32, booked: u32 },
    #[error("the coordinator's settings are invalid: {0}")]
    InvalidAvailability(InvalidAvailability),
}

impl SlotsError {
    /// The machine-readable code for the API's error JSON (the API picks the
    /// HTTP status: `backend/src/error.rs`).
    pub fn code(&self) -> ErrorCode {
        match self {
            SlotsError::RangeReversed { .. } | SlotsError::RangeTooLong { .. } => ErrorCode::BadRange,
            SlotsError::CapReached { .. } => ErrorCode::CapReached,
            SlotsError::InvalidAvailability(_) => ErrorCode::InvalidAvailability,
        }
    }
}

/// Why a requested start cannot be booked. One variant per rule.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum RuleViolation {
    #[error("sessions must be booked at least {hours} hours ahead; the earliest possible start now is {earliest}")]
    TooShortNotice { hours: u32, earliest: LocalTime },
    #[error("sessions can be booked at most {days} days ahead, that is up to and including {last}")]
    BeyondHorizon { days: u32, last: Date },
    #[error("no sessions can be booked on {date}: {name}")]
    ClosedDay { date: Date, name: String },
    #[error("{}", outside_message(*.date, .hours.as_ref()))]
    OutsideWorkingHours { date: Date, hours: Option<DayHours> },
    #[error("sessions start every {step} minutes from the start of the working day ({hours})")]
    NotOnSlotGrid { step: u32, hours: WorkingHours },
    #[error("the time is no longer free: it overlaps another session or the {buffer} minutes kept between sessions")]
    SlotTaken { buffer: u32 },
    /// Her calendar or her blocked hours say she is busy (the appointment
    /// itself is not named: municipalities see only that she is busy).
    #[error(
        "the coordinator is busy at this time (a meeting in her calendar or hours she has blocked), \
         counting the {buffer} minutes kept around sessions and, for a visit, the drive there and back; \
         choose another time"
    )]
    CoordinatorBusy { buffer: u32 },
    /// A tour day kept for another area of the region; everyone may book
    /// its visits from `opens` on.
    #[error(
        "{date} is a tour day for {}: its on-site visits are kept for that area's municipalities \
         until {opens}, when everyone may book them; choose another day or an online session",
        .area.label_da()
    )]
    ReservedForTour { date: Date, area: TourArea, opens: Date },
    #[error("{}", onsite_message(*.date, *.max))]
    TooManyOnsiteVisits { date: Date, max: u32 },
    #[error(
        "the coordinator cannot fit the driving around this session into the working day on {date} \
         (from Aarhus, between visits and home again, ferry included)"
    )]
    CannotReachInTime { date: Date },
    #[error("{}", cap_message(*.cap, *.booked))]
    CapReached { cap: u32, booked: u32 },
    #[error("the coordinator's settings are invalid: {0}")]
    InvalidAvailability(InvalidAvailability),
}

impl RuleViolation {
    /// The machine-readable code for the API's error JSON (the API picks the
    /// HTTP status: `backend/src/error.rs`).
    pub fn code(&self) -> ErrorCode {
        match self {
            RuleViolation::TooShortNotice { .. } => ErrorCode::TooShortNotice,
            RuleViolation::BeyondHorizon { .. } => ErrorCode::BeyondHorizon,
            RuleViolation::ClosedDay { .. } => ErrorCode::ClosedDay,
            RuleViolation::OutsideWorkingHours { .. } => ErrorCode::OutsideWorkingHours,
            RuleViolation::NotOnSlotGrid { .. } => ErrorCode::NotOnSlotGrid,
            RuleViolation::SlotTaken { .. } => ErrorCode::SlotTaken,
            RuleViolation::CoordinatorBusy { .. } => ErrorCode::CoordinatorBusy,
            RuleViolation::ReservedForTour { .. } => ErrorCode::ReservedForTour,
            RuleViolation::TooManyOnsiteVisits { .. } => ErrorCode::TooManyOnsiteVisits,
            RuleViolation::CannotReachInTime { .. } => ErrorCode::CannotReachInTime,
            RuleViolation::CapReached { .. } => ErrorCode::CapReached,
            RuleViolation::InvalidAvailability(_) => ErrorCode::InvalidAvailability,
        }
    }
}

fn cap_message(cap: u32, booked: u32) -> String {
    format!(
        "the municipality already has {booked} upcoming session(s) booked and may hold at most {cap} at a time, \
         so that every municipality gets its turn; book again when one has taken place or is cancelled"
    )
}

fn outside_message(date: Date, hours: Option<&DayHours>) -> String {
    match hours {
        Some(h) if h.windows().len() > 1 => {
            format!("the session must lie within one of the working windows {h} on {date}")
        }
        Some(h) => format!("the session must lie within the working hours {h} on {date}"),
        None => format!("the coordinator does not work on {date} ({})", weekday_en(date.weekday())),
    }
}

fn onsite_message(date: Date, max: u32) -> String {
    if max == 0 {
        "on-site visits are not offered at the moment; book an online session".to_string()
    } else {
        format!(
            "the coordinator already has {max} on-site visit(s) on {date}, the most in one day; \
             choose another day or an online session"
        )
    }
}

// ---------------------------------------------------------------------------
// Time helpers: whole seconds since the Unix epoch, never panicking.

fn instant(dt: DateTime) -> Option<i64> {
    COPENHAGEN.to_ambiguous_timestamp(dt).compatible().ok().map(Timestamp::as_second)
}

fn civil(ts: Timestamp) -> DateTime {
    COPENHAGEN.to_datetime(ts)
}

fn offset(sec: i64) -> Option<jiff::tz::Offset> {
    Timestamp::from_second(sec).ok().map(|t| COPENHAGEN.to_offset(t))
}

fn local_time(sec: i64) -> Option<LocalTime> {
    Timestamp::from_second(sec).ok().map(LocalTime::new)
}

/// The time of day `secs` seconds after midnight.
fn time_of_day(secs: i64) -> Option<Time> {
    if !(0..86_400).contains(&secs) {
        return None;
    }
    // In range by the check above.
    Time::new((secs / 3600) as i8, (secs / 60 % 60) as i8, (secs % 60) as i8, 0).ok()
}

fn plus_days(d: Date, days: u32) -> Date {
    Span::new().try_days(i64::from(days)).ok().and_then(|span| d.checked_add(span).ok()).unwrap_or(Date::MAX)
}

/// The working window of a date as instants, `None` if it cannot be
/// represented (only at the very ends of the calendar).
fn window(date: Date, hours: WorkingHours) -> Option<(i64, i64)> {
    window_of(date, hours)
}

// ---------------------------------------------------------------------------
// Places and travel.

/// Where the coordinator is: the office (`None`) or a municipality's town hall.
type Place = Option<MunicipalityCode>;

struct Geo<'a> {
    municipalities: &'a Municipalities,
    fallback: OnceCell<Municipalities>,
    rules: TravelRules,
    /// Minutes already worked out: a day's search asks for the same few
    /// pairs of places again and again.
    cache: RefCell<Vec<(Place, Place, u32)>>,
}

impl<'a> Geo<'a> {
    fn new(municipalities: &'a Municipalities, rules: TravelRules) -> Self {
        Self { municipalities, fallback: OnceCell::new(), rules, cache: RefCell::new(Vec::new()) }
    }

    fn hall(&self, code: MunicipalityCode) -> &TownHall {
        match self.municipalities.iter().find(|m| m.code == code) {
            Some(m) => &m.town_hall,
            // A list without this municipality (e.g. a trimmed stored list):
            // every code has a built-in town hall.
            None => &self.fallback.get_or_init(Municipalities::builtin).get(code).town_hall,
        }
    }

    fn minutes(&self, from: Place, to: Place) -> u32 {
        if from == to {
            return 0;
        }
        if let Ok(cache) = self.cache.try_borrow()
            && let Some(&(_, _, m)) = cache.iter().find(|&&(a, b, _)| a == from && b == to)
        {
            return m;
        }
        let m = self.compute(from, to);
        if let Ok(mut cache) = self.cache.try_borrow_mut() {
            cache.push((from, to, m));
        }
        m
    }

    fn compute(&self, from: Place, to: Place) -> u32 {
        match (from, to) {
            (None, None) => 0,
            (None, Some(to)) => travel_minutes(GeoPoint::AARHUS_CITY_HALL, self.hall(to), &self.rules),
            (Some(from), None) => travel_home_minutes(self.hall(from), &self.rules),
            (Some(a), Some(b)) if a == b => 0,
            (Some(a), Some(b)) => minutes_between(self.hall(a), self.hall(b), &self.rules),
        }
    }
}

// ---------------------------------------------------------------------------
// Sessions already booked.

#[derive(Clone, Copy, Debug)]
struct Sess {
    start: i64,
    end: i64,
    kind: SessionKind,
    municipality: MunicipalityCode,
    date: Date,
    /// Index into the caller's bookings (for the route view).
    index: usize,
}

impl Sess {
    fn place(&self) -> Place {
        match self.kind {
            SessionKind::Onsite => Some(self.municipality),
            SessionKind::Online => None,
        }
    }
}

/// Confirmed bookings as sessions, sorted by start.
fn sessions(existing: &[Booking]) -> Vec<Sess> {
    let mut out: Vec<Sess> = existing
        .iter()
        .enumerate()
        .filter(|(_, b)| b.is_confirmed())
        .map(|(index, b)| {
            let start = b.start.timestamp();
            Sess {
                start: start.as_second(),
                end: b.end.timestamp().as_second(),
                kind: b.kind,
                municipality: b.municipality,
                date: civil(start).date(),
                index,
            }
        })
        .collect();
    out.sort_by_key(|s| (s.start, s.end, s.index));
    out
}

/// Whether a drive of `minutes` fits between `depart_after` and `arrive_by`
/// without overlapping the sessions in between (sorted by start). After a
/// session the buffer is kept before setting off; a session may start on
/// arrival.
fn drive_fits(
    depart_after: i64,
    arrive_by: i64,
    between: impl IntoIterator<Item = (i64, i64)>,
    minutes: u32,
    buffer: i64,
) -> bool {
    if minutes == 0 {
        return true;
    }
    let need = i64::from(minutes) * 60;
    let mut cursor = depart_after;
    for (start, end) in between {
        if start.min(arrive_by).saturating_sub(cursor) >= need {
            return true;
        }
        cursor = cursor.max(end.saturating_add(buffer));
    }
    arrive_by.saturating_sub(cursor) >= need
}

/// The times of sessions, for [`drive_fits`].
fn span(sessions: &[Sess]) -> impl Iterator<Item = (i64, i64)> + '_ {
    sessions.iter().map(|s| (s.start, s.end))
}

/// One candidate session.
#[derive(Clone, Copy, Debug)]
struct Cand {
    start: i64,
    end: i64,
    place: Place,
    kind: SessionKind,
}

/// Whether the drives around `cand` fit into the day: for an on-site visit,
/// from the previous stop (or the office, leaving no earlier than `ws`) and
/// on to the next stop (or home by `we`); for an online session, the drive
/// between the on-site stops around it must still fit around it. Drives the
/// candidate does not touch are not re-checked, so an old booking that no
/// longer fits (e.g. after the hours changed) does not block the whole day.
fn route_fits(day: &[Sess], cand: Cand, bounds: DriveBounds, buffer: i64, geo: &Geo<'_>) -> bool {
    let DriveBounds { ws, we, .. } = bounds;
    let i = day.partition_point(|s| s.start < cand.start);
    let prev = day[..i].iter().rposition(|s| s.kind == SessionKind::Onsite);
    let next = day[i..].iter().position(|s| s.kind == SessionKind::Onsite).map(|k| k + i);
    let (from, depart_after, lo) = match prev {
        Some(p) => (day[p].place(), day[p].end.saturating_add(buffer), p + 1),
        None => (None, ws, 0),
    };
    let (to, arrive_by, hi) = match next {
        Some(q) => (day[q].place(), day[q].start, q),
        None => (None, we, day.len()),
    };
    // A long drive from the office may set off before the opening, and a
    // long drive home may end after the closing.
    let depart = |minutes: u32| if prev.is_none() { depart_after - bounds.extra(minutes) } else { depart_after };
    let arrive = |minutes: u32| if next.is_none() { arrive_by + bounds.extra(minutes) } else { arrive_by };
    match cand.kind {
        SessionKind::Onsite => {
            let (there, back) = (geo.minutes(from, cand.place), geo.minutes(cand.place, to));
            drive_fits(depart(there), cand.start, span(&day[lo..i]), there, buffer)
                && drive_fits(cand.end.saturating_add(buffer), arrive(back), span(&day[i..hi]), back, buffer)
        }
        SessionKind::Online => {
            let minutes = geo.minutes(from, to);
            if minutes == 0 {
                return true;
            }
            let between = span(&day[lo..i]).chain(std::iter::once((cand.start, cand.end))).chain(span(&day[i..hi]));
            drive_fits(depart(minutes), arrive(minutes), between, minutes, buffer)
        }
    }
}

/// Between when the day's drives lie: from the first opening (`ws`) to the
/// last closing (`we`), and, for a drive from or to the office of at least
/// `long` minutes, `extra` seconds before and after.
#[derive(Clone, Copy, Debug)]
struct DriveBounds {
    ws: i64,
    we: i64,
    long: u32,
    extra: i64,
}

impl DriveBounds {
    fn extra(self, minutes: u32) -> i64 {
        if minutes >= self.long && minutes > 0 { self.extra } else { 0 }
    }
}

// ---------------------------------------------------------------------------
// The shared evaluation of open_slots and check_booking.

struct Ctx<'a> {
    availability: &'a Availability,
    geo: Geo<'a>,
    sessions: Vec<Sess>,
    busy: BusyIndex,
    longest: i64,
    /// The earliest allowed start (now + notice), whole seconds rounded up.
    earliest: i64,
    last_day: Date,
    /// Tour days up to this date are open to everyone.
    tours_open_until: Date,
    buffer: i64,
}

/// A working day, ready for candidates.
struct DayCtx<'a> {
    date: Date,
    hours: &'a DayHours,
    /// The first opening and the last closing as instants: the drives of
    /// the day fit between them (she may drive through a break).
    ws: i64,
    we: i64,
    /// Sessions of this date (`Ctx::sessions[day]`).
    day: std::ops::Range<usize>,
    /// Sessions that may come within the buffer of the window.
    near: std::ops::Range<usize>,
    onsite: u32,
    /// The area whose tour day it is, if it is one.
    tour: Option<TourArea>,
}

impl<'a> Ctx<'a> {
    fn new(
        availability: &'a Availability,
        municipalities: &'a Municipalities,
        existing: &[Booking],
        busy: &[BusyTime],
        now: Timestamp,
    ) -> Self {
        let rules = &availability.rules;
        let sessions = sessions(existing);
        let longest = sessions.iter().map(|s| s.end - s.start).max().unwrap_or(0).max(0);
        let round_up = i64::from(now.subsec_nanosecond() > 0);
        let earliest =
            now.as_second().saturating_add(round_up).saturating_add(i64::from(rules.min_notice_hours) * 3600);
        let today = civil(now).date();
        Self {
            availability,
            geo: Geo::new(municipalities, rules.travel),
            sessions,
            busy: BusyIndex::new(availability, busy),
            longest,
            earliest,
            last_day: plus_days(today, rules.horizon_days),
            tours_open_until: plus_days(today, rules.tour_open_days),
            buffer: i64::from(rules.buffer_minutes) * 60,
        }
    }

    fn day(&self, date: Date, exception: Option<&'a DateException>) -> Result<DayCtx<'a>, RuleViolation> {
        let hours = match self.availability.resolve(date, exception) {
            Resolved::Open(hours) => hours,
            Resolved::Holiday(name) => {
                return Err(RuleViolation::ClosedDay { date, name: name.to_string() });
            }
            Resolved::Closed(note) => {
                return Err(RuleViolation::ClosedDay {
                    date,
                    name: note
                        .filter(|n| !n.trim().is_empty())
                        .unwrap_or("the coordinator is not available")
                        .to_string(),
                });
            }
            Resolved::DayOff => return Err(RuleViolation::OutsideWorkingHours { date, hours: None }),
        };
        let span = WorkingHours::new(hours.opens(), hours.closes()).ok();
        let Some((ws, we)) = span.and_then(|span| window(date, span)) else {
            return Err(RuleViolation::OutsideWorkingHours { date, hours: None });
        };
        let s = &self.sessions;
        let day_lo = s.partition_point(|x| x.date < date);
        let day_hi = s.partition_point(|x| x.date <= date);
        let near_lo = s.partition_point(|x| x.start < ws.saturating_sub(self.buffer).saturating_sub(self.longest));
        let near_hi = s.partition_point(|x| x.start < we.saturating_add(self.buffer));
        let onsite = s[day_lo..day_hi].iter().filter(|x| x.kind == SessionKind::Onsite).count();
        Ok(DayCtx {
            date,
            hours,
            ws,
            we,
            day: day_lo..day_hi,
            near: near_lo..near_hi.max(near_lo),
            onsite: u32::try_from(onsite).unwrap_or(u32::MAX),
            tour: self.availability.rules.tour_days.get(date.weekday()),
        })
    }

    /// The rules that depend on the exact time: notice, other sessions,
    /// busy times, on-site count and driving. The day, window and grid are
    /// checked by the caller.
    fn check(&self, day: &DayCtx<'_>, cand: Cand) -> Result<(), RuleViolation> {
        let rules = &self.availability.rules;
        if cand.start < self.earliest {
            return Err(RuleViolation::TooShortNotice {
                hours: rules.min_notice_hours,
                earliest: local_time(self.earliest).unwrap_or(LocalTime::new(Timestamp::MAX)),
            });
        }
        if let (Some(area), Some(municipality)) = (day.tour, cand.place)
            && !area.contains(municipality)
            && day.date > self.tours_open_until
        {
            let opens = day.date.checked_sub(Span::new().days(rules.tour_open_days)).unwrap_or(day.date);
            return Err(RuleViolation::ReservedForTour { date: day.date, area, opens });
        }
        let (lo, hi) = (cand.start - self.buffer, cand.end + self.buffer);
        if self.sessions[day.near.clone()].iter().any(|s| s.start < hi && lo < s.end) {
            return Err(RuleViolation::SlotTaken { buffer: rules.buffer_minutes });
        }
        if self.busy_around(&self.sessions[day.day.clone()], cand) {
            return Err(RuleViolation::CoordinatorBusy { buffer: rules.buffer_minutes });
        }
        if cand.kind == SessionKind::Onsite && day.onsite >= rules.max_onsite_per_day {
            return Err(RuleViolation::TooManyOnsiteVisits { date: day.date, max: rules.max_onsite_per_day });
        }
        let bounds = DriveBounds {
            ws: day.ws,
            we: day.we,
            long: rules.long_drive_minutes,
            extra: i64::from(rules.long_drive_extra_minutes) * 60,
        };
        if !route_fits(&self.sessions[day.day.clone()], cand, bounds, self.buffer, &self.geo) {
            return Err(RuleViolation::CannotReachInTime { date: day.date });
        }
        Ok(())
    }

    /// Whether a busy time overlaps the candidate with its buffers and, for
    /// a visit, the drive to it from the previous stop of the day (or the
    /// office) and on to the next stop (or home), driven right before and
    /// after it. A busy time may be anywhere (a meeting in Aarhus), so she
    /// is not assumed to wait at the town hall through it.
    fn busy_around(&self, day: &[Sess], cand: Cand) -> bool {
        let (drive_in, drive_out) = match cand.kind {
            SessionKind::Online => (0, 0),
            SessionKind::Onsite => {
                let i = day.partition_point(|s| s.start < cand.start);
                let prev = day[..i].iter().rev().find(|s| s.kind == SessionKind::Onsite).and_then(Sess::place);
                let next = day[i..].iter().find(|s| s.kind == SessionKind::Onsite).and_then(Sess::place);
                let minutes = |from, to| i64::from(self.geo.minutes(from, to)) * 60;
                (minutes(prev, cand.place), minutes(cand.place, next))
            }
        };
        let lo = cand.start.saturating_sub(drive_in).saturating_sub(self.buffer);
        let hi = cand.end.saturating_add(self.buffer).saturating_add(drive_out);
        self.busy.overlaps(lo, hi)
    }
}

/// Confirmed bookings of `municipality` that start after `now`.
fn upcoming(existing: &[Booking], municipality: MunicipalityCode, now: Timestamp) -> u32 {
    let n = existing
        .iter()
        .filter(|b| b.municipality == municipality && b.is_confirmed() && b.start.timestamp() > now)
        .count();
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn place_of(kind: SessionKind, municipality: MunicipalityCode) -> Place {
    match kind {
        SessionKind::Onsite => Some(municipality),
        SessionKind::Online => None,
    }
}

/// The times `query.municipality` can book a session of `query.kind` between
/// `query.from` and `query.to` (Copenhagen dates, both included), in time
/// order. A start is offered exactly when [`check_booking`] would accept it.
///
/// Errors: the range is reversed or longer than [`MAX_RANGE_DAYS`]; the
/// municipality has reached its cap of upcoming sessions
/// ([`SlotsError::CapReached`], so the widget can say why instead of showing
/// an empty list); the settings do not validate.
pub fn open_slots(query: SlotQuery<'_>) -> Result<Vec<Slot>, SlotsError> {
    let SlotQuery { availability, municipalities, municipality, kind, from, to, existing, busy, now } = query;
    if to < from {
        return Err(SlotsError::RangeReversed { from, to });
    }
    let days = from.until(to).map(|s| s.get_days()).unwrap_or(i32::MAX).saturating_add(1);
    if days > MAX_RANGE_DAYS {
        return Err(SlotsError::RangeTooLong { from, to, days, max: MAX_RANGE_DAYS });
    }
    availability.validate().map_err(SlotsError::InvalidAvailability)?;
    let rules = &availability.rules;
    let booked = upcoming(existing, municipality, now);
    if booked >= rules.cap_per_municipality {
        return Err(SlotsError::CapReached { cap: rules.cap_per_municipality, booked });
    }

    let ctx = Ctx::new(availability, municipalities, existing, busy, now);
    // Days before today only hold times before now; days after the horizon
    // are never offered.
    let first = from.max(civil(now).date());
    let last = to.min(ctx.last_day);
    let duration = i64::from(rules.duration_minutes(kind)) * 60;
    let step = i64::from(rules.slot_step_minutes.max(1)) * 60;
    let place = place_of(kind, municipality);
    let mut exceptions: Vec<&DateException> =
        availability.exceptions.iter().filter(|e| first <= e.date && e.date <= last).collect();
    exceptions.sort_by_key(|e| e.date);

    let mut slots = Vec::new();
    let mut date = first;
    while date <= last {
        let exception = exceptions.iter().find(|e| e.date == date).copied();
        if let Ok(day) = ctx.day(date, exception) {
            for &hours in day.hours.windows() {
                let Some((ws, we)) = window(date, hours) else { continue };
                for start in grid(date, hours, ws, we, step) {
                    let end = start.saturating_add(duration);
                    if end > we {
                        break;
                    }
                    let cand = Cand { start, end, place, kind };
                    if ctx.check(&day, cand).is_ok()
                        && let (Some(start), Some(end)) = (local_time(start), local_time(end))
                    {
                        slots.push(Slot { start, end, kind });
                    }
                }
            }
        }
        match date.tomorrow() {
            Ok(next) => date = next,
            Err(_) => break,
        }
    }
    Ok(slots)
}

/// The starts of a window's slot grid as instants, in order: its opening
/// plus multiples of `step` in wall-clock time, skipping wall-clock times
/// that do not exist (the spring gap).
fn grid(date: Date, hours: WorkingHours, ws: i64, we: i64, step: i64) -> impl Iterator<Item = i64> {
    let open = seconds_of_day(hours.start());
    // Except on the two days of a summer-time change the UTC offset is the
    // same all window long, and wall-clock steps are instants. (A window
    // whose opening or closing falls in the spring gap is not steady: its
    // instants are not its wall-clock times.)
    let exact = |at: i64, t: Time| Timestamp::from_second(at).map(civil).ok() == Some(date.to_datetime(t));
    let steady = offset(ws).is_some() && offset(ws) == offset(we) && exact(ws, hours.start()) && exact(we, hours.end());
    let close = seconds_of_day(hours.end());
    (0..)
        .map(move |k: i64| open + k * step)
        .take_while(move |&tod| tod < close)
        .filter_map(move |tod| {
            if steady {
                return Some(ws + (tod - open));
            }
            let dt = date.to_datetime(time_of_day(tod)?);
            instant(dt).filter(|&start| Timestamp::from_second(start).map(civil).ok() == Some(dt))
        })
        .filter(move |&start| start >= ws)
}

/// Checks one booking request against every rule, exactly as
/// [`open_slots`] does: `Ok` with the slot (its end follows from the kind's
/// duration) iff `open_slots` offers this start.
pub fn check_booking(request: BookingCheck<'_>) -> Result<Slot, RuleViolation> {
    let BookingCheck { availability, municipalities, municipality, kind, start, existing, busy, now } = request;
    availability.validate().map_err(RuleViolation::InvalidAvailability)?;
    let rules = &availability.rules;
    let booked = upcoming(existing, municipality, now);
    if booked >= rules.cap_per_municipality {
        return Err(RuleViolation::CapReached { cap: rules.cap_per_municipality, booked });
    }
    let ctx = Ctx::new(availability, municipalities, existing, busy, now);
    let ts = start.timestamp();
    let dt = civil(ts);
    let date = dt.date();
    if date > ctx.last_day {
        return Err(RuleViolation::BeyondHorizon { days: rules.horizon_days, last: ctx.last_day });
    }
    let day = ctx.day(date, availability.exception(date))?;
    let start_sec = ts.as_second();
    let end_sec = start_sec.saturating_add(i64::from(rules.duration_minutes(kind)) * 60);
    // The window the start lies in on the wall clock (as the grid counts),
    // and whose instants hold the whole session.
    let t = dt.time();
    let within = day.hours.windows().iter().find(|&&w| {
        w.start() <= t && t < w.end() && window(date, w).is_some_and(|(ws, we)| ws <= start_sec && end_sec <= we)
    });
    let Some(&hours) = within else {
        return Err(RuleViolation::OutsideWorkingHours { date, hours: Some(day.hours.clone()) });
    };
    let step = i64::from(rules.slot_step_minutes.max(1)) * 60;
    let offset = seconds_of_day(dt.time()) - seconds_of_day(hours.start());
    let on_grid = ts.subsec_nanosecond() == 0 && offset >= 0 && offset % step == 0 && instant(dt) == Some(start_sec);
    if !on_grid {
        return Err(RuleViolation::NotOnSlotGrid { step: rules.slot_step_minutes, hours });
    }
    ctx.check(&day, Cand { start: start_sec, end: end_sec, place: place_of(kind, municipality), kind })?;
    match (local_time(start_sec), local_time(end_sec)) {
        (Some(start), Some(end)) => Ok(Slot { start, end, kind }),
        _ => Err(RuleViolation::OutsideWorkingHours { date, hours: Some(day.hours.clone()) }),
    }
}

// ---------------------------------------------------------------------------
// The coordinator's driving legs of a day.

/// Where a leg starts or ends. JSON: `{"type": "office"}` or
/// `{"type": "visit", "booking": "…", "municipality": 779}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Stop {
    /// The office at Aarhus City Hall, where every day starts and ends.
    Office,
    /// An on-site session at a municipality's town hall.
    Visit { booking: BookingId, municipality: MunicipalityCode },
}

/// One drive of the coordinator's day. `minutes` includes ferries and may
/// be 0 (a visit in Aarhus, or two visits at the same town hall).
/// JSON: `{"from": {"type": "office"}, "to": {"type": "visit", …}, "minutes": 105,
/// "depart": "2026-12-01T08:45:00+01:00", "arrive": "2026-12-01T10:30:00+01:00"}`.
///
/// When: a drive to a visit arrives as the session starts (she leaves just
/// in time, the latest she can), the drive home leaves as the last session
/// ends. Her calendar feed shows each drive as its own event at these times.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Leg {
    pub from: Stop,
    pub to: Stop,
    pub minutes: u32,
    pub depart: LocalTime,
    pub arrive: LocalTime,
}

/// The drives of `date` (Copenhagen): from the office to the first
/// confirmed on-site visit, between visits in time order, and home. Empty
/// when the day has no on-site visit.
pub fn day_route(date: Date, bookings: &[Booking], municipalities: &Municipalities, rules: &TravelRules) -> Vec<Leg> {
    let geo = Geo::new(municipalities, *rules);
    let visits: Vec<Sess> =
        sessions(bookings).into_iter().filter(|s| s.date == date && s.kind == SessionKind::Onsite).collect();
    if visits.is_empty() {
        return Vec::new();
    }
    let stop = |s: &Sess| Stop::Visit { booking: bookings[s.index].id.clone(), municipality: s.municipality };
    let drive = |minutes: u32| SignedDuration::from_mins(i64::from(minutes));
    let mut legs = Vec::with_capacity(visits.len() + 1);
    let mut from = (Stop::Office, None);
    for v in &visits {
        let to = (stop(v), v.place());
        let minutes = geo.minutes(from.1, to.1);
        let arrive = bookings[v.index].start;
        let depart = LocalTime::new(arrive.timestamp() - drive(minutes));
        legs.push(Leg { from: from.0, to: to.0.clone(), minutes, depart, arrive });
        from = to;
    }
    let last = visits.last().expect("at least one visit");
    let minutes = geo.minutes(from.1, None);
    let depart = bookings[last.index].end;
    let arrive = LocalTime::new(depart.timestamp() + drive(minutes));
    legs.push(Leg { minutes, from: from.0, to: Stop::Office, depart, arrive });
    legs
}

#[cfg(test)]
mod tests;
