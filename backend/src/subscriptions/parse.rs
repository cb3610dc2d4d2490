//! Busy times from a subscribed iCalendar (ICS) feed: Outlook/Exchange "publish calendar", Google Calendar's secret
//! address, Nextcloud/Sabre, or anything else that writes RFC 5545.
//!
//! # Crates, and why
//! * `calcard` (Stalwart Labs) reads the text. It is maintained (it is the parser of the Stalwart mail and CalDAV
//!   server, which reads untrusted calendars), unfolds lines, reads parameters and TEXT escapes, and types the values
//!   needed here (DATE/DATE-TIME, DURATION, PERIOD, RECUR, UTC-OFFSET). Its parser is iterative (deeply nested BEGIN
//!   lines do not recurse) and tolerant (a bad line is dropped, the file is not refused). It also maps Windows time
//!   zone names (CLDR windowsZones, as Outlook writes them) and Outlook's display names to IANA zones
//!   (`calcard::common::timezone::Tz`), so no table is kept here. Passed over: `icalendar` (its nom parser recurses
//!   once per nested component and fails the whole file on one bad line), `ical` (no release since March 2024, and it leaves values untyped). For the
//!   Windows names, the `windows-timezones` crate would only duplicate what calcard already carries.
//! * `rrule` expands RRULE (the RFC 5545 algorithm, ported from python-dateutil); nothing here iterates recurrences.
//!   It works on chrono values: it is handed the event's *wall-clock* DTSTART labelled as UTC, so every occurrence
//!   keeps its local time of day (a weekly 09:00 stays 09:00 across the summer-time change), and jiff then places each
//!   wall-clock occurrence in the event's zone (a time in a spring-forward gap moves forward, a time in the autumn
//!   overlap takes the first instant: RFC 5545 §3.3.5).
//! * `jiff` (with its bundled tzdb, so no /usr/share/zoneinfo is needed on Lambda) does all zone arithmetic; a custom
//!   VTIMEZONE becomes a jiff POSIX-rule zone.
//!
//! # Decisions
//! * Time zone of a TZID: an IANA name; else a vendor-prefixed IANA name (`/freeassociation.sourceforge.net/…`,
//!   `/mozilla.org/…/`: every tail after a `/` is tried); else a Windows or Outlook name; else the VTIMEZONE's
//!   X-LIC-LOCATION or X-MICROSOFT-CDO-TZID; else the VTIMEZONE's current STANDARD/DAYLIGHT rules (yearly, one BYMONTH,
//!   one BYDAY such as -1SU or 2SU: what every producer writes); else Europe/Copenhagen. Floating times, all-day dates
//!   and unknown TZIDs are Europe/Copenhagen, where the coordinator works. `Z` times are UTC.
//! * Busy: STATUS:CANCELLED never is. X-MICROSOFT-CDO-BUSYSTATUS (else X-MICROSOFT-CDO-INTENDEDSTATUS) decides when
//!   present: BUSY and OOF are busy; FREE is not, nor WORKINGELSEWHERE (she is working, only not at her desk, and
//!   Outlook's scheduling assistant shows that as available); TENTATIVE as `tentative_is_busy` says. Otherwise
//!   TRANSP:TRANSPARENT is free, STATUS:TENTATIVE follows the option, and everything else is busy. VFREEBUSY FREEBUSY
//!   periods count unless FBTYPE=FREE (BUSY-TENTATIVE follows the option). VTODO and VJOURNAL are not busy time.
//! * An override (a VEVENT with the master's UID and a RECURRENCE-ID) replaces the occurrence at that instant: it is
//!   busy at its own time if it is busy at all (moved), and not at all if it is cancelled or free.
//! * All-day events block Copenhagen midnight to Copenhagen midnight; DTEND is exclusive, one day if missing. A timed
//!   event without DTEND or DURATION has no length and blocks nothing. DURATION days are calendar days (RFC 5545).
//! * An event that cannot be read (bad DTSTART/DTEND/RRULE) or expanded within the limits below is left out and
//!   counted in `Parsed::skipped`; an unreadable EXDATE or RDATE value alone is ignored.
//! * Limits, so hostile text costs bounded time and memory: a recurring event may need at most `MAX_EVENT_WORK` steps
//!   (RRULE periods from DTSTART to the window's end × days per period × times per day: FREQ=SECONDLY over a month is
//!   2.6 million) and `MAX_EVENT_OCCURRENCES` occurrences, else it is skipped; a calendar that takes longer than
//!   `MAX_PARSE_TIME` is `ParseError::TooComplex`. Spans are merged as they come, so memory follows `max_spans`, and
//!   more than `max_spans` of them is `ParseError::TooManySpans`. The text itself is read in one pass, nested
//!   components without recursion; its size is the caller's to limit when fetching it.
//!
//! Not handled: RECURRENCE-ID;RANGE=THISANDFUTURE (read as a single override), EXRULE, RSCALE (skipped),
//! ATTENDEE PARTSTAT (a declined invitation still blocks), VAVAILABILITY, VTIMEZONE rules other than the yearly
//! "n-th weekday of a month" shape (→ Copenhagen), leap seconds.

use std::collections::{HashMap, HashSet};
use std::str::FromStr as _;
use std::time::{Duration, Instant};

use calcard::common::{CalendarScale, PartialDateTime, timezone::Tz};
use calcard::icalendar::{
    ICalendar, ICalendarComponent, ICalendarComponentType as Kind, ICalendarDuration, ICalendarFreeBusyType as FbType,
    ICalendarFrequency as Freq, ICalendarParameterName, ICalendarParameterValue, ICalendarPeriod,
    ICalendarProperty as Prop, ICalendarRecurrenceRule, ICalendarStatus, ICalendarTransparency,
    ICalendarValue as Value,
};
use chrono::{Datelike as _, TimeZone as _, Timelike as _};
use jiff::tz::{Offset, TimeZone};
use jiff::{SignedDuration, Span, Timestamp, civil};

#[cfg(test)]
mod tests;

/// Floating times, all-day dates and zones that cannot be read are the coordinator's own zone.
static COPENHAGEN: TimeZone = jiff::tz::get!("Europe/Copenhagen");

/// The UIDs of the planner's own events (`dk2020_model::ical`).
const OWN_UID_SUFFIX: &str = "@dk2020-planner";

/// Steps one recurring event may cost; a weekly series started ten years before the window costs about 4 000.
const MAX_EVENT_WORK: u64 = 2_000_000;
/// Occurrences read from one recurring event, those before the window included.
const MAX_EVENT_OCCURRENCES: usize = 100_000;
/// Time one calendar may take. Real calendars take milliseconds; this is the backstop for rules that make rrule walk
/// long stretches without an occurrence (BYMONTH=2;BYMONTHDAY=30 walks to year 9999 looking for one), which no count
/// made beforehand can foresee.
const MAX_PARSE_TIME: Duration = Duration::from_secs(2);

/// A time the calendar says the coordinator is busy: [start, end), start < end.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BusySpan {
    pub start: Timestamp,
    pub end: Timestamp,
}

#[derive(Clone, Copy, Debug)]
pub struct ParseOptions {
    /// Only spans overlapping [from, to) are returned, clipped to it.
    pub from: Timestamp,
    pub to: Timestamp,
    /// STATUS:TENTATIVE / X-MICROSOFT-CDO-BUSYSTATUS:TENTATIVE events count as busy iff true.
    pub tentative_is_busy: bool,
    /// Hard cap on the result (e.g. 5000): more is an error, never unbounded work.
    pub max_spans: usize,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Parsed {
    /// Sorted; overlapping and touching spans merged.
    pub spans: Vec<BusySpan>,
    /// Events that could not be read and were left out.
    pub skipped: usize,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error(
        "the calendar address did not return an iCalendar file (no BEGIN:VCALENDAR was found); check that it is the \
         calendar's ICS/iCal subscription address and not a web page, a login page or an expired link"
    )]
    NotICalendar,
    #[error(
        "the calendar has more than {max} separate busy periods in the requested time window; ask for a shorter window"
    )]
    TooManySpans { max: usize },
    #[error(
        "the calendar's repeating events are too many or too unusual to expand in reasonable time; end or delete old \
         repeating series in the calendar, or subscribe to a calendar with fewer of them"
    )]
    TooComplex,
    #[error("the requested time window is empty: its start ({from}) must be before its end ({to})")]
    EmptyWindow { from: Timestamp, to: Timestamp },
}

impl ParseError {
    /// A stable code for the API and the widget (`dk2020_model::subscription::FetchProblem`).
    pub fn code(&self) -> &'static str {
        match self {
            ParseError::NotICalendar | ParseError::EmptyWindow { .. } => "not_a_calendar",
            ParseError::TooManySpans { .. } => "too_many_busy_times",
            ParseError::TooComplex => "too_complex",
        }
    }
}

/// The busy spans of an ICS text within `options`' window.
pub fn busy_spans(ics: &str, options: &ParseOptions) -> Result<Parsed, ParseError> {
    if options.from >= options.to {
        return Err(ParseError::EmptyWindow { from: options.from, to: options.to });
    }
    let deadline = Instant::now() + MAX_PARSE_TIME;
    let calendars = read_calendars(ics)?;
    let mut reader = Reader { options, spans: Vec::new(), skipped: 0, deadline };
    for calendar in &calendars {
        reader.calendar(calendar)?;
    }
    merge(&mut reader.spans);
    if reader.spans.len() > options.max_spans {
        return Err(ParseError::TooManySpans { max: options.max_spans });
    }
    Ok(Parsed { spans: reader.spans, skipped: reader.skipped })
}

/// Every VCALENDAR in the text (a feed is one, but concatenated files exist); none at all is an error.
fn read_calendars(ics: &str) -> Result<Vec<ICalendar>, ParseError> {
    let mut parser = calcard::Parser::new(ics);
    let mut calendars = Vec::new();
    // Each entry consumes at least one byte, so the length bounds the loop even if the parser stopped advancing.
    for _ in 0..=ics.len() {
        match parser.entry() {
            calcard::Entry::ICalendar(calendar)
                if calendar.components.first().is_some_and(|root| root.component_type == Kind::VCalendar) =>
            {
                calendars.push(calendar);
            }
            calcard::Entry::Eof => break,
            // Stray lines, vCards, components outside a VCALENDAR.
            _ => {}
        }
    }
    if calendars.is_empty() { Err(ParseError::NotICalendar) } else { Ok(calendars) }
}

struct Reader<'o> {
    options: &'o ParseOptions,
    spans: Vec<BusySpan>,
    skipped: usize,
    deadline: Instant,
}

/// Occurrences that an override VEVENT replaces: (UID, RECURRENCE-ID instant).
type Replaced<'c> = HashSet<(&'c str, Timestamp)>;

impl Reader<'_> {
    fn calendar(&mut self, calendar: &ICalendar) -> Result<(), ParseError> {
        let Some(root) = calendar.components.first() else { return Ok(()) };
        let children: Vec<&ICalendarComponent> =
            root.component_ids.iter().filter_map(|id| calendar.component_by_id(*id)).collect();
        let mut zones = Zones::new(calendar, &children);

        // First every override, so a master's occurrence is dropped whichever comes first in the file.
        let mut replaced = Replaced::new();
        for event in children.iter().filter(|c| c.component_type == Kind::VEvent) {
            if let (Some(uid), Some(rid)) = (event.uid(), event.property(&Prop::RecurrenceId))
                && let Some(Value::PartialDateTime(p)) = rid.values.first()
                && let Some(instant) = zones.when(p, rid.tz_id()).and_then(|w| w.instant())
            {
                replaced.insert((uid, instant));
            }
        }
        for component in children {
            match component.component_type {
                // The planner's own sessions and drives, as her mail's invitations or an
                // imported feed put them in her calendar: the bookings already block
                // their times, and a moved or cancelled one must not block its old time.
                Kind::VEvent if component.uid().is_some_and(|uid| uid.ends_with(OWN_UID_SUFFIX)) => {}
                Kind::VEvent if is_busy(component, self.options.tentative_is_busy) => {
                    self.event(component, &mut zones, &replaced)?;
                }
                Kind::VFreebusy => self.freebusy(component, &mut zones)?,
                _ => {}
            }
        }
        Ok(())
    }

    fn event<'c>(
        &mut self,
        component: &'c ICalendarComponent,
        zones: &mut Zones<'c>,
        replaced: &Replaced<'_>,
    ) -> Result<(), ParseError> {
        if Instant::now() > self.deadline {
            return Err(ParseError::TooComplex);
        }
        let mut found = Vec::new();
        let readable = match zones.event(component) {
            Some(event) => self.occurrences(&event, replaced, &mut found)?,
            None => false,
        };
        if !readable {
            self.skipped += 1;
            return Ok(());
        }
        for span in found {
            self.push(span)?;
        }
        Ok(())
    }

    /// The event's occurrences overlapping the window, into `found`; false if it cannot be expanded within the limits.
    fn occurrences(
        &mut self,
        event: &Event<'_>,
        replaced: &Replaced<'_>,
        found: &mut Vec<BusySpan>,
    ) -> Result<bool, ParseError> {
        let options = self.options;
        let zone = event.start.zone().clone();
        let first = event.start.wall();
        let excluded: HashSet<Timestamp> = event.exdates.iter().filter_map(When::instant).collect();
        let excluded_days: HashSet<civil::Date> =
            event.exdates.iter().filter_map(|w| if let When::Date(d) = w { Some(*d) } else { None }).collect();
        let is_replaced =
            |start: Timestamp| !event.is_override && event.uid.is_some_and(|uid| replaced.contains(&(uid, start)));
        // Some(false): this occurrence starts after the window, so do all later ones. None: unreadable.
        let mut add = |wall: civil::DateTime, length: &Length| -> Option<bool> {
            let start = at(&zone, wall)?;
            if start >= options.to {
                return Some(false);
            }
            if excluded.contains(&start) || excluded_days.contains(&wall.date()) || is_replaced(start) {
                return Some(true);
            }
            found.extend(clip(start, length.end(&zone, wall, start)?, options));
            Some(true)
        };

        if add(first, &event.length).is_none() {
            return Ok(false);
        }
        for (rdate, length) in &event.rdates {
            // An RDATE may be written in another zone than DTSTART; its wall time counts in the event's zone.
            let wall = match rdate {
                When::Date(d) => Some(d.to_datetime(civil::Time::midnight())),
                When::Time(..) => rdate.instant().map(|instant| zone.to_datetime(instant)),
            };
            if wall.and_then(|wall| add(wall, length.as_ref().unwrap_or(&event.length))).is_none() {
                return Ok(false);
            }
        }
        let Some(rule) = event.rule else { return Ok(true) };

        let until = match &rule.until {
            Some(until) => match until_wall(until, &zone) {
                Some(wall) => Some(wall),
                None => return Ok(false),
            },
            None => None,
        };
        // Some producers end a one-off "series" before it starts: DTSTART alone is the event then.
        if until.is_some_and(|until| until < first) {
            return Ok(true);
        }
        let horizon = zone.to_datetime(options.to);
        let work = expansion_work(rule, first, until.map_or(horizon, |until| until.min(horizon)));
        if work > MAX_EVENT_WORK {
            return Ok(false);
        }
        let until = match until.map(as_chrono) {
            Some(None) => return Ok(false),
            until => until.flatten(),
        };
        let Some(start) = as_chrono(first) else { return Ok(false) };
        let Some(Ok(rule)) = to_rrule(rule, until).map(|rule| rule.validate(start)) else { return Ok(false) };
        for (n, occurrence) in rrule::RRuleSet::new(start).rrule(rule).limit().into_iter().enumerate() {
            if n >= MAX_EVENT_OCCURRENCES {
                return Ok(false);
            }
            if Instant::now() > self.deadline {
                return Err(ParseError::TooComplex);
            }
            // Past year 9999 (jiff's range) is past any window.
            let Some(wall) = from_chrono(occurrence) else { break };
            if wall == first {
                continue; // DTSTART is already in.
            }
            match add(wall, &event.length) {
                Some(true) => {}
                Some(false) => break,
                None => return Ok(false),
            }
        }
        Ok(true)
    }

    fn freebusy<'c>(&mut self, component: &'c ICalendarComponent, zones: &mut Zones<'c>) -> Result<(), ParseError> {
        for entry in component.properties(&Prop::Freebusy) {
            // RFC 5545 §3.2.9: FBTYPE defaults to BUSY, and unknown types are to be read as BUSY.
            let busy = match entry.parameter(&ICalendarParameterName::Fbtype) {
                Some(ICalendarParameterValue::Fbtype(FbType::Free)) => false,
                Some(ICalendarParameterValue::Fbtype(FbType::BusyTentative)) => self.options.tentative_is_busy,
                _ => true,
            };
            for value in entry.values.iter().filter(|_| busy) {
                let Value::Period(period) = value else { continue };
                let span = match period {
                    ICalendarPeriod::Range { start, end } => zones
                        .when(start, None)
                        .and_then(|s| s.instant())
                        .zip(zones.when(end, None).and_then(|e| e.instant())),
                    ICalendarPeriod::Duration { start, duration } => zones.when(start, None).and_then(|start| {
                        let instant = start.instant()?;
                        Some((instant, length_of(duration)?.end(start.zone(), start.wall(), instant)?))
                    }),
                };
                match span {
                    Some((start, end)) => {
                        if let Some(span) = clip(start, end, self.options) {
                            self.push(span)?;
                        }
                    }
                    None => self.skipped += 1,
                }
            }
        }
        Ok(())
    }

    fn push(&mut self, span: BusySpan) -> Result<(), ParseError> {
        self.spans.push(span);
        // Merging now and then keeps memory proportional to max_spans, however many occurrences arrive.
        if self.spans.len() > self.options.max_spans.saturating_mul(2).saturating_add(1024) {
            merge(&mut self.spans);
            if self.spans.len() > self.options.max_spans {
                return Err(ParseError::TooManySpans { max: self.options.max_spans });
            }
        }
        Ok(())
    }
}

/// Whether a VEVENT blocks time at all (see the module documentation).
fn is_busy(event: &ICalendarComponent, tentative_is_busy: bool) -> bool {
    if event.status() == Some(&ICalendarStatus::Cancelled) {
        return false;
    }
    let outlook = ["X-MICROSOFT-CDO-BUSYSTATUS", "X-MICROSOFT-CDO-INTENDEDSTATUS"].iter().find_map(|name| {
        event
            .entries
            .iter()
            .find(|e| matches!(&e.name, Prop::Other(n) if n.eq_ignore_ascii_case(name)))
            .and_then(|e| e.values.first())
            .and_then(Value::as_text)
    });
    if let Some(status) = outlook.map(|s| s.trim().to_ascii_uppercase()) {
        match status.as_str() {
            "BUSY" | "OOF" => return true,
            "FREE" | "WORKINGELSEWHERE" => return false,
            "TENTATIVE" => return tentative_is_busy,
            _ => {} // An unknown value: the standard properties decide.
        }
    }
    if event.transparency() == Some(&ICalendarTransparency::Transparent) {
        return false;
    }
    event.status() != Some(&ICalendarStatus::Tentative) || tentative_is_busy
}

/// A DATE or DATE-TIME value. All-day dates live in Copenhagen.
#[derive(Clone, Debug)]
enum When {
    Date(civil::Date),
    Time(civil::DateTime, TimeZone),
}

impl When {
    fn wall(&self) -> civil::DateTime {
        match self {
            When::Date(date) => date.to_datetime(civil::Time::midnight()),
            When::Time(wall, _) => *wall,
        }
    }

    fn zone(&self) -> &TimeZone {
        match self {
            When::Date(_) => &COPENHAGEN,
            When::Time(_, zone) => zone,
        }
    }

    fn instant(&self) -> Option<Timestamp> {
        at(self.zone(), self.wall())
    }
}

/// The instant of a wall-clock time: in a spring-forward gap it moves forward, in the autumn overlap it is the first.
fn at(zone: &TimeZone, wall: civil::DateTime) -> Option<Timestamp> {
    zone.to_ambiguous_timestamp(wall).compatible().ok()
}

/// How long each occurrence lasts.
#[derive(Clone, Debug)]
enum Length {
    /// DTEND − DTSTART of timed events: the same exact length for every occurrence (RFC 5545 §3.8.5.3).
    Exact(SignedDuration),
    /// All-day events and DURATION: calendar days on the local clock, then exact time.
    Days { days: i64, then: SignedDuration },
}

impl Length {
    fn end(&self, zone: &TimeZone, wall: civil::DateTime, start: Timestamp) -> Option<Timestamp> {
        match self {
            Length::Exact(length) => start.checked_add(*length).ok(),
            Length::Days { days, then } => {
                at(zone, wall.checked_add(Span::new().try_days(*days).ok()?).ok()?)?.checked_add(*then).ok()
            }
        }
    }
}

fn length_between(start: &When, end: &When) -> Option<Length> {
    if let (When::Date(start), When::Date(end)) = (start, end) {
        // DTEND = DTSTART is written for one-day events now and then: one day rather than nothing.
        let days = (end.duration_since(*start).as_secs() / 86_400).max(1);
        return Some(Length::Days { days, then: SignedDuration::ZERO });
    }
    let length = end.instant()?.duration_since(start.instant()?);
    (!length.is_negative()).then_some(Length::Exact(length))
}

fn length_of(duration: &ICalendarDuration) -> Option<Length> {
    if duration.neg {
        return None;
    }
    let days = i64::from(duration.weeks) * 7 + i64::from(duration.days);
    let seconds = i64::from(duration.hours) * 3600 + i64::from(duration.minutes) * 60 + i64::from(duration.seconds);
    Some(Length::Days { days, then: SignedDuration::from_secs(seconds) })
}

/// A VEVENT as far as busy time goes.
struct Event<'c> {
    uid: Option<&'c str>,
    start: When,
    length: Length,
    rule: Option<&'c ICalendarRecurrenceRule>,
    rdates: Vec<(When, Option<Length>)>,
    exdates: Vec<When>,
    is_override: bool,
}

/// Time zones of one VCALENDAR, each TZID resolved once.
struct Zones<'c> {
    calendar: &'c ICalendar,
    definitions: HashMap<&'c str, &'c ICalendarComponent>,
    resolved: HashMap<&'c str, TimeZone>,
}

impl<'c> Zones<'c> {
    fn new(calendar: &'c ICalendar, children: &[&'c ICalendarComponent]) -> Self {
        let definitions = children
            .iter()
            .filter(|c| c.component_type == Kind::VTimezone)
            .filter_map(|c| Some((c.property(&Prop::Tzid)?.values.first()?.as_text()?, *c)))
            .collect();
        Zones { calendar, definitions, resolved: HashMap::new() }
    }

    fn zone(&mut self, tzid: &'c str) -> TimeZone {
        if let Some(zone) = self.resolved.get(tzid) {
            return zone.clone();
        }
        let definition = self.definitions.get(tzid).copied();
        let zone = zone_by_name(tzid)
            .or_else(|| definition.and_then(|d| d.timezone()).and_then(|(_, tz)| jiff_zone(tz)))
            .or_else(|| definition.and_then(|d| zone_from_rules(self.calendar, d)))
            .unwrap_or_else(|| COPENHAGEN.clone());
        self.resolved.insert(tzid, zone.clone());
        zone
    }

    fn when(&mut self, value: &PartialDateTime, tzid: Option<&'c str>) -> Option<When> {
        let (date, time) = civil_of(value)?;
        let Some(time) = time else { return Some(When::Date(date)) };
        let zone = match (offset_of(value), tzid) {
            (Some(offset), _) => TimeZone::fixed(offset?),
            (None, Some(tzid)) => self.zone(tzid),
            (None, None) => COPENHAGEN.clone(),
        };
        Some(When::Time(date.to_datetime(time), zone))
    }

    /// The event's times, or None if any of DTSTART, DTEND, DURATION or RRULE cannot be read.
    fn event(&mut self, component: &'c ICalendarComponent) -> Option<Event<'c>> {
        let (mut start, mut end, mut duration, mut rule, mut is_override) = (None, None, None, None, false);
        let (mut rdates, mut exdates) = (Vec::new(), Vec::new());
        for entry in &component.entries {
            let tzid = entry.tz_id();
            match (&entry.name, entry.values.first()) {
                (Prop::Dtstart, Some(Value::PartialDateTime(p))) => start = Some(self.when(p, tzid)?),
                (Prop::Dtend, Some(Value::PartialDateTime(p))) => end = Some(self.when(p, tzid)?),
                (Prop::Duration, Some(Value::Duration(d))) => duration = Some(length_of(d)?),
                (Prop::Rrule, Some(Value::RecurrenceRule(r))) => rule = rule.or(Some(&**r)),
                (Prop::Dtstart | Prop::Dtend | Prop::Duration | Prop::Rrule, _) => return None,
                (Prop::RecurrenceId, _) => is_override = true,
                (Prop::Rdate | Prop::Exdate, _) => {
                    for value in &entry.values {
                        match value {
                            Value::PartialDateTime(p) => match self.when(p, tzid) {
                                Some(when) if entry.name == Prop::Exdate => exdates.push(when),
                                Some(when) => rdates.push((when, None)),
                                None => {}
                            },
                            Value::Period(ICalendarPeriod::Range { start, end }) => {
                                if let (Some(s), Some(e)) = (self.when(start, tzid), self.when(end, tzid))
                                    && let Some(length) = length_between(&s, &e)
                                {
                                    rdates.push((s, Some(length)));
                                }
                            }
                            Value::Period(ICalendarPeriod::Duration { start, duration }) => {
                                if let Some(s) = self.when(start, tzid) {
                                    rdates.push((s, length_of(duration)));
                                }
                            }
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
        let start = start?;
        let length = match (end, duration) {
            (Some(end), _) => length_between(&start, &end)?,
            (None, Some(duration)) => duration,
            (None, None) if matches!(start, When::Date(_)) => Length::Days { days: 1, then: SignedDuration::ZERO },
            (None, None) => Length::Exact(SignedDuration::ZERO),
        };
        // An override is one occurrence; whatever RRULE it repeats belongs to its master.
        let rule = rule.filter(|_| !is_override);
        Some(Event { uid: component.uid(), start, length, rule, rdates, exdates, is_override })
    }
}

/// The date and, for a DATE-TIME, the time of a value; None if it is no real date.
fn civil_of(value: &PartialDateTime) -> Option<(civil::Date, Option<civil::Time>)> {
    let date = civil::Date::new(
        i16::try_from(value.year?).ok()?,
        i8::try_from(value.month?).ok()?,
        i8::try_from(value.day?).ok()?,
    )
    .ok()?;
    let (Some(hour), Some(minute)) = (value.hour, value.minute) else { return Some((date, None)) };
    let second = value.second.unwrap_or(0);
    let time = civil::Time::new(i8::try_from(hour).ok()?, i8::try_from(minute).ok()?, i8::try_from(second).ok()?, 0);
    Some((date, Some(time.ok()?)))
}

/// None: the value has no offset (floating or TZID). Some(None): an offset that is out of range.
fn offset_of(value: &PartialDateTime) -> Option<Option<Offset>> {
    let seconds = i32::from(value.tz_hour?) * 3600 + i32::from(value.tz_minute.unwrap_or(0)) * 60;
    Some(Offset::from_seconds(if value.tz_minus { -seconds } else { seconds }).ok())
}

/// The last wall-clock time in the event's zone that UNTIL still allows.
fn until_wall(until: &PartialDateTime, zone: &TimeZone) -> Option<civil::DateTime> {
    let (date, time) = civil_of(until)?;
    let Some(time) = time else { return Some(date.at(23, 59, 59, 0)) };
    match offset_of(until) {
        Some(offset) => Some(zone.to_datetime(offset?.to_timestamp(date.to_datetime(time)).ok()?)),
        None => Some(date.to_datetime(time)),
    }
}

/// A zone from its name alone, without a VTIMEZONE.
fn zone_by_name(name: &str) -> Option<TimeZone> {
    let name = name.trim();
    if let Ok(zone) = TimeZone::get(name) {
        return Some(zone);
    }
    // A leading '/' marks a vendor-prefixed name ("/freeassociation.sourceforge.net/Europe/Copenhagen",
    // "/freeassociation.sourceforge.net/Tzfile/Europe/Copenhagen", "/mozilla.org/20050126_1/Europe/Copenhagen").
    if name.starts_with('/')
        && let Some(zone) = name.match_indices('/').find_map(|(i, _)| TimeZone::get(&name[i + 1..]).ok())
    {
        return Some(zone);
    }
    // Windows names ("Romance Standard Time") and Outlook's display names ("(UTC+01:00) Brussels, Copenhagen, …").
    Tz::from_str(name).ok().and_then(jiff_zone)
}

fn jiff_zone(zone: Tz) -> Option<TimeZone> {
    match zone {
        Tz::Fixed(offset) => Some(TimeZone::fixed(Offset::from_seconds(offset.local_minus_utc()).ok()?)),
        Tz::Floating => None,
        Tz::Tz(_) => TimeZone::get(&zone.name()?).ok(),
    }
}

/// A VTIMEZONE whose name says nothing (Outlook's "Customized Time Zone", an invented TZID), read from its current
/// STANDARD and DAYLIGHT observances into a POSIX TZ rule for jiff.
fn zone_from_rules(calendar: &ICalendar, vtimezone: &ICalendarComponent) -> Option<TimeZone> {
    let (mut standard, mut daylight) = (None::<Observance<'_>>, None::<Observance<'_>>);
    for component in vtimezone.component_ids.iter().filter_map(|id| calendar.component_by_id(*id)) {
        let slot = match component.component_type {
            Kind::Standard => &mut standard,
            Kind::Daylight => &mut daylight,
            _ => continue,
        };
        // Historic observances come along (Outlook starts at 1601); the latest to start is in force.
        if let Some(observance) = Observance::read(component)
            && slot.as_ref().is_none_or(|current| current.start < observance.start)
        {
            *slot = Some(observance);
        }
    }
    let standard = standard?;
    // Without a daylight rule that still runs, the standard offset holds all year.
    let Some(daylight) = daylight.filter(|d| d.rule.is_some_and(|r| r.until.is_none())) else {
        return Some(TimeZone::fixed(standard.offset));
    };
    let posix = format!(
        "STD{}DST{},{},{}",
        posix_offset(standard.offset),
        posix_offset(daylight.offset),
        daylight.posix_rule()?,
        standard.posix_rule()?
    );
    TimeZone::posix(&posix).ok()
}

struct Observance<'c> {
    start: civil::DateTime,
    offset: Offset,
    rule: Option<&'c ICalendarRecurrenceRule>,
}

impl<'c> Observance<'c> {
    fn read(component: &'c ICalendarComponent) -> Option<Self> {
        let value = |prop: &Prop| match component.property(prop)?.values.first()? {
            Value::PartialDateTime(p) => Some(&**p),
            _ => None,
        };
        let (date, time) = civil_of(value(&Prop::Dtstart)?)?;
        let offset = offset_of(value(&Prop::Tzoffsetto)?)??;
        let rule = match component.property(&Prop::Rrule).and_then(|e| e.values.first()) {
            Some(Value::RecurrenceRule(rule)) => Some(&**rule),
            _ => None,
        };
        Some(Observance { start: date.to_datetime(time.unwrap_or(civil::Time::midnight())), offset, rule })
    }

    /// "M3.5.0/2:00:00" for FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU starting at 02:00, the shape producers write.
    fn posix_rule(&self) -> Option<String> {
        let rule = self.rule?;
        let plain = rule.freq == Freq::Yearly
            && rule.interval.unwrap_or(1) == 1
            && rule.bymonthday.is_empty()
            && rule.byyearday.is_empty()
            && rule.byweekno.is_empty()
            && rule.bysetpos.is_empty();
        let ([month], [day], true) = (rule.bymonth.as_slice(), rule.byday.as_slice(), plain) else { return None };
        let week = match day.ordwk {
            Some(week @ 1..=4) => week,
            Some(-1) => 5,
            _ => return None,
        };
        let weekday = chrono::Weekday::from(day.weekday).num_days_from_sunday();
        let time = self.start.time();
        Some(format!("M{}.{week}.{weekday}/{}:{:02}:{:02}", month.month(), time.hour(), time.minute(), time.second()))
    }
}

/// POSIX counts hours west of Greenwich: UTC+01:00 is "-1:00:00".
fn posix_offset(offset: Offset) -> String {
    let west = -offset.seconds();
    let (sign, seconds) = if west < 0 { ("-", -west) } else { ("", west) };
    format!("{sign}{}:{:02}:{:02}", seconds / 3600, seconds / 60 % 60, seconds % 60)
}

/// An upper bound on the steps rrule takes to get from `start` to `end`: periods × days per period × times per day.
/// It bounds the empty periods rrule walks through as well as the occurrences it returns.
fn expansion_work(rule: &ICalendarRecurrenceRule, start: civil::DateTime, end: civil::DateTime) -> u64 {
    let (period, days): (u64, u64) = match rule.freq {
        Freq::Yearly => (31_556_952, 366),
        Freq::Monthly => (2_629_746, 31),
        Freq::Weekly => (604_800, 7),
        Freq::Daily => (86_400, 1),
        Freq::Hourly => (3_600, 1),
        Freq::Minutely => (60, 1),
        Freq::Secondly => (1, 1),
    };
    let seconds = u64::try_from(end.duration_since(start).as_secs()).unwrap_or(0);
    let periods = seconds / period.saturating_mul(u64::from(rule.interval.unwrap_or(1).max(1))) + 2;
    let times: u64 = [rule.byhour.len(), rule.byminute.len(), rule.bysecond.len()]
        .iter()
        .map(|n| (*n).max(1) as u64)
        .fold(1, u64::saturating_mul);
    periods.saturating_mul(days).saturating_mul(times)
}

/// The rrule crate's rule for calcard's reading of RRULE; None for what rrule cannot do (RSCALE, leap months).
fn to_rrule(
    rule: &ICalendarRecurrenceRule,
    until: Option<chrono::DateTime<rrule::Tz>>,
) -> Option<rrule::RRule<rrule::Unvalidated>> {
    if rule.rscale.as_ref().is_some_and(|scale| *scale != CalendarScale::Gregorian) || rule.skip.is_some() {
        return None;
    }
    let freq = match rule.freq {
        Freq::Yearly => rrule::Frequency::Yearly,
        Freq::Monthly => rrule::Frequency::Monthly,
        Freq::Weekly => rrule::Frequency::Weekly,
        Freq::Daily => rrule::Frequency::Daily,
        Freq::Hourly => rrule::Frequency::Hourly,
        Freq::Minutely => rrule::Frequency::Minutely,
        Freq::Secondly => rrule::Frequency::Secondly,
    };
    let interval = rule.interval.unwrap_or(1);
    let months = rule
        .bymonth
        .iter()
        .map(|m| chrono::Month::try_from(m.month()).ok().filter(|_| !m.is_leap()))
        .collect::<Option<Vec<_>>>()?;
    let mut out = rrule::RRule::new(freq)
        .interval(interval)
        .week_start(rule.wkst.map_or(chrono::Weekday::Mon, Into::into))
        .by_set_pos(rule.bysetpos.clone())
        .by_month(&months)
        .by_month_day(rule.bymonthday.clone())
        .by_year_day(rule.byyearday.clone())
        .by_week_no(rule.byweekno.clone())
        .by_weekday(rule.byday.iter().map(|d| rrule::NWeekday::new(d.ordwk, d.weekday.into())).collect())
        .by_hour(rule.byhour.clone())
        .by_minute(rule.byminute.clone())
        .by_second(rule.bysecond.clone());
    if let Some(count) = rule.count {
        out = out.count(count);
    }
    if let Some(until) = until {
        out = out.until(until);
    }
    (interval > 0).then_some(out)
}

/// A wall-clock time as the UTC-labelled chrono value rrule expands in. jiff's fields are in range and positive, so
/// the casts lose nothing.
fn as_chrono(wall: civil::DateTime) -> Option<chrono::DateTime<rrule::Tz>> {
    let date = chrono::NaiveDate::from_ymd_opt(wall.year().into(), wall.month() as u32, wall.day() as u32)?;
    let naive = date.and_hms_opt(wall.hour() as u32, wall.minute() as u32, wall.second() as u32)?;
    Some(rrule::Tz::UTC.from_utc_datetime(&naive))
}

/// Back from rrule: only the year can leave jiff's range (rrule goes to year 10 000); the other fields are small.
fn from_chrono(value: chrono::DateTime<rrule::Tz>) -> Option<civil::DateTime> {
    let n = value.naive_utc();
    let year = i16::try_from(n.year()).ok()?;
    civil::DateTime::new(year, n.month() as i8, n.day() as i8, n.hour() as i8, n.minute() as i8, n.second() as i8, 0)
        .ok()
}

fn clip(start: Timestamp, end: Timestamp, options: &ParseOptions) -> Option<BusySpan> {
    let (start, end) = (start.max(options.from), end.min(options.to));
    (start < end).then_some(BusySpan { start, end })
}

/// Sorts and merges overlapping and touching spans.
fn merge(spans: &mut Vec<BusySpan>) {
    spans.sort_unstable();
    spans.dedup_by(|next, kept| {
        let joins = next.start <= kept.end;
        if joins {
            kept.end = kept.end.max(next.end);
        }
        joins
    });
}
