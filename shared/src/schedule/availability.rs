//! The coordinator's settings: weekly working hours, date exceptions (leave,
//! special hours), customary closed days and the booking rules. One serde
//! value that `GET/PUT /api/coordinator/availability` sends and stores.

use std::fmt;

use jiff::civil::{Date, Time, Weekday};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{
    fairness::TourDays,
    holidays::{ClosedDays, is_closed_day},
    travel::TravelRules,
};
use crate::booking::SessionKind;

/// The instants (whole seconds) of `hours` on `date` in Copenhagen, `None`
/// only at the very ends of the calendar.
pub(crate) fn window_of(date: Date, hours: WorkingHours) -> Option<(i64, i64)> {
    let at = |t: Time| {
        crate::time::COPENHAGEN.to_ambiguous_timestamp(date.to_datetime(t)).compatible().ok().map(|ts| ts.as_second())
    };
    Some((at(hours.start)?, at(hours.end)?))
}

/// Seconds since midnight of a time of day.
pub(crate) fn seconds_of_day(t: Time) -> i64 {
    i64::from(t.hour()) * 3600 + i64::from(t.minute()) * 60 + i64::from(t.second())
}

pub(crate) fn weekday_en(day: Weekday) -> &'static str {
    match day {
        Weekday::Monday => "Monday",
        Weekday::Tuesday => "Tuesday",
        Weekday::Wednesday => "Wednesday",
        Weekday::Thursday => "Thursday",
        Weekday::Friday => "Friday",
        Weekday::Saturday => "Saturday",
        Weekday::Sunday => "Sunday",
    }
}

/// `08:30`
fn hhmm(t: Time) -> String {
    format!("{:02}:{:02}", t.hour(), t.minute())
}

/// A working window of one day, e.g. 08:30-16:00 (local Copenhagen time).
/// Always whole minutes with the start before the end.
/// JSON: `{"start": "08:30", "end": "16:00"}` (`"08:30:00"` is accepted too).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "RawHours", into = "RawHours")]
pub struct WorkingHours {
    start: Time,
    end: Time,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HoursError {
    #[error("the working day must end after it starts ({start}-{end})")]
    EndNotAfterStart { start: String, end: String },
    #[error("working hours are whole minutes, e.g. 08:30 ({0} has seconds)")]
    NotWholeMinutes(String),
    #[error("{0:?} is not a time of day like 08:30")]
    BadTime(String),
}

impl WorkingHours {
    pub fn new(start: Time, end: Time) -> Result<Self, HoursError> {
        for t in [start, end] {
            if t.second() != 0 || t.subsec_nanosecond() != 0 {
                return Err(HoursError::NotWholeMinutes(t.to_string()));
            }
        }
        if start >= end {
            return Err(HoursError::EndNotAfterStart { start: hhmm(start), end: hhmm(end) });
        }
        Ok(Self { start, end })
    }

    /// From hours and minutes, e.g. `hm(8, 30, 16, 0)`.
    pub fn hm(start_h: i8, start_m: i8, end_h: i8, end_m: i8) -> Result<Self, HoursError> {
        let t = |h: i8, m: i8| Time::new(h, m, 0, 0).map_err(|_| HoursError::BadTime(format!("{h:02}:{m:02}")));
        Self::new(t(start_h, start_m)?, t(end_h, end_m)?)
    }

    pub fn start(self) -> Time {
        self.start
    }

    pub fn end(self) -> Time {
        self.end
    }

    /// Length of the window in minutes (wall clock).
    pub fn minutes(self) -> u32 {
        u32::try_from((seconds_of_day(self.end) - seconds_of_day(self.start)) / 60).unwrap_or(0)
    }
}

/// `08:30-16:00`
impl fmt::Display for WorkingHours {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", hhmm(self.start), hhmm(self.end))
    }
}

#[derive(Serialize, Deserialize)]
struct RawHours {
    #[serde(serialize_with = "ser_hhmm", deserialize_with = "de_time")]
    start: Time,
    #[serde(serialize_with = "ser_hhmm", deserialize_with = "de_time")]
    end: Time,
}

fn ser_hhmm<S: Serializer>(t: &Time, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&hhmm(*t))
}

fn de_time<'de, D: Deserializer<'de>>(d: D) -> Result<Time, D::Error> {
    let s = String::deserialize(d)?;
    s.trim().parse::<Time>().map_err(|_| serde::de::Error::custom(HoursError::BadTime(s)))
}

impl TryFrom<RawHours> for WorkingHours {
    type Error = HoursError;
    fn try_from(raw: RawHours) -> Result<Self, HoursError> {
        Self::new(raw.start, raw.end)
    }
}

impl From<WorkingHours> for RawHours {
    fn from(h: WorkingHours) -> Self {
        RawHours { start: h.start, end: h.end }
    }
}

/// The most working windows one day may have.
pub const MAX_WINDOWS: usize = 6;

/// The working windows of one day in time order, e.g. 08:30-12:00 and
/// 12:30-16:00. A session lies within one window; the gaps are breaks, in
/// which no session starts or runs, but which she may spend driving (a lunch
/// break may be eaten on the way to Lemvig): drives only have to fit between
/// the first opening and the last closing.
///
/// JSON: one window as an object, `{"start": "08:30", "end": "16:00"}` (the
/// form from before there could be several, so stored settings and older
/// clients keep working), several as an array of such objects. Overlapping
/// windows and too many windows are [`AvailabilityProblem`]s, so the editor
/// can say so in Danish.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct DayHours(Vec<WorkingHours>);

impl DayHours {
    /// The windows, sorted by start; `None` if there is none.
    pub fn new(mut windows: Vec<WorkingHours>) -> Option<Self> {
        if windows.is_empty() {
            return None;
        }
        windows.sort_by_key(|w| (w.start, w.end));
        Some(Self(windows))
    }

    /// The windows in time order (never empty).
    pub fn windows(&self) -> &[WorkingHours] {
        &self.0
    }

    /// The first opening of the day.
    pub fn opens(&self) -> Time {
        self.0.first().map_or(Time::MIN, |w| w.start)
    }

    /// The last closing of the day.
    pub fn closes(&self) -> Time {
        self.0.iter().map(|w| w.end).max().unwrap_or(Time::MIN)
    }

    /// Two windows that overlap or touch (they should be one window), if any.
    pub fn overlap(&self) -> Option<(WorkingHours, WorkingHours)> {
        self.0.windows(2).find(|p| p[1].start <= p[0].end).map(|p| (p[0], p[1]))
    }

    /// Minutes of work in the day (the windows' lengths added up).
    pub fn minutes(&self) -> u32 {
        self.0.iter().map(|w| w.minutes()).sum()
    }
}

impl From<WorkingHours> for DayHours {
    fn from(window: WorkingHours) -> Self {
        Self(vec![window])
    }
}

/// `08:30-12:00, 12:30-16:00`
impl fmt::Display for DayHours {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, w) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{w}")?;
        }
        Ok(())
    }
}

impl Serialize for DayHours {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0.as_slice() {
            [one] => one.serialize(s),
            many => many.serialize(s),
        }
    }
}

/// An object or an array, each read by `WorkingHours`' own deserializer so
/// its messages ("must end after it starts …") reach the client unchanged
/// (`#[serde(untagged)]` would replace them with "did not match any variant").
impl<'de> Deserialize<'de> for DayHours {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = DayHours;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(r#"working hours like {"start": "08:30", "end": "16:00"}, or an array of them"#)
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<DayHours, A::Error> {
                WorkingHours::deserialize(serde::de::value::MapAccessDeserializer::new(map)).map(DayHours::from)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<DayHours, A::Error> {
                let mut windows = Vec::new();
                while let Some(w) = seq.next_element::<WorkingHours>()? {
                    if windows.len() == MAX_WINDOWS {
                        return Err(serde::de::Error::custom(format!(
                            "a day has at most {MAX_WINDOWS} working windows"
                        )));
                    }
                    windows.push(w);
                }
                DayHours::new(windows).ok_or_else(|| {
                    serde::de::Error::custom("a day needs at least one working window; use null for a day off")
                })
            }
        }
        d.deserialize_any(Visitor)
    }
}

/// Working hours per weekday; `null` means not working that day.
/// JSON: `{"monday": {"start": "08:30", "end": "16:00"}, …, "saturday": null, "sunday": null}`;
/// a day with a break has an array (`[{"start": "08:30", "end": "12:00"}, {"start": "12:30", …}]`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct WeeklyHours {
    pub monday: Option<DayHours>,
    pub tuesday: Option<DayHours>,
    pub wednesday: Option<DayHours>,
    pub thursday: Option<DayHours>,
    pub friday: Option<DayHours>,
    pub saturday: Option<DayHours>,
    pub sunday: Option<DayHours>,
}

impl WeeklyHours {
    pub fn get(&self, day: Weekday) -> Option<&DayHours> {
        match day {
            Weekday::Monday => self.monday.as_ref(),
            Weekday::Tuesday => self.tuesday.as_ref(),
            Weekday::Wednesday => self.wednesday.as_ref(),
            Weekday::Thursday => self.thursday.as_ref(),
            Weekday::Friday => self.friday.as_ref(),
            Weekday::Saturday => self.saturday.as_ref(),
            Weekday::Sunday => self.sunday.as_ref(),
        }
    }

    /// Every weekday with its hours, Monday first.
    pub fn days(&self) -> [(Weekday, Option<&DayHours>); 7] {
        use Weekday::*;
        [Monday, Tuesday, Wednesday, Thursday, Friday, Saturday, Sunday].map(|d| (d, self.get(d)))
    }

    pub fn set(&mut self, day: Weekday, hours: Option<DayHours>) {
        let slot = match day {
            Weekday::Monday => &mut self.monday,
            Weekday::Tuesday => &mut self.tuesday,
            Weekday::Wednesday => &mut self.wednesday,
            Weekday::Thursday => &mut self.thursday,
            Weekday::Friday => &mut self.friday,
            Weekday::Saturday => &mut self.saturday,
            Weekday::Sunday => &mut self.sunday,
        };
        *slot = hours;
    }
}

/// A Danish office week: Monday-Thursday 08:30-16:00, Friday 08:30-15:00.
impl Default for WeeklyHours {
    fn default() -> Self {
        let long = WorkingHours { start: Time::constant(8, 30, 0, 0), end: Time::constant(16, 0, 0, 0) };
        let friday = WorkingHours { start: Time::constant(8, 30, 0, 0), end: Time::constant(15, 0, 0, 0) };
        Self {
            monday: Some(long.into()),
            tuesday: Some(long.into()),
            wednesday: Some(long.into()),
            thursday: Some(long.into()),
            friday: Some(friday.into()),
            saturday: None,
            sunday: None,
        }
    }
}

/// One date that differs from the weekly hours: closed (`"hours": null` or
/// missing, e.g. leave) or special hours (which may also open a weekend day).
/// JSON: `{"date": "2026-07-06", "hours": null, "note": "Sommerferie"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct DateException {
    #[cfg_attr(feature = "openapi", schemars(schema_with = "crate::openapi::civil_date"))]
    pub date: Date,
    #[serde(default)]
    pub hours: Option<DayHours>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(schema_with = "crate::openapi::exception_note"))]
    pub note: Option<String>,
}

/// Hours on one date in which no session can be booked, though the day is
/// open otherwise, e.g. 14:00-16:00 "Styregruppemøde". She is busy in them as
/// in a meeting from her calendar ([`super::BusyTime`]): no session, and no
/// drive to or from a visit, overlaps them.
/// JSON: `{"date": "2026-12-03", "hours": {"start": "14:00", "end": "16:00"}, "note": "Styregruppemøde"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct BlockedHours {
    #[cfg_attr(feature = "openapi", schemars(schema_with = "crate::openapi::civil_date"))]
    pub date: Date,
    pub hours: WorkingHours,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(schema_with = "crate::openapi::exception_note"))]
    pub note: Option<String>,
}

/// Session lengths, notice, horizon, buffers and limits.
/// Every field has a default, so older stored settings gain new fields; an
/// unknown field is ignored here (settings a newer version stored still read)
/// and refused in API requests, so a misspelt rule is an error there instead
/// of silently the default.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct Rules {
    /// Length of an on-site session, 15-480 minutes (default 90).
    #[cfg_attr(feature = "openapi", schemars(range(min = 15, max = 480)))]
    pub onsite_minutes: u32,
    /// Length of an online session, 15-480 minutes (default 60).
    #[cfg_attr(feature = "openapi", schemars(range(min = 15, max = 480)))]
    pub online_minutes: u32,
    /// A session must start at least this many hours after the booking is
    /// made, 0-720 (default 48).
    #[cfg_attr(feature = "openapi", schemars(range(min = 0, max = 720)))]
    pub min_notice_hours: u32,
    /// Sessions can be booked up to and including today + this many days,
    /// 1-366 (default 56 = 8 weeks).
    #[cfg_attr(feature = "openapi", schemars(range(min = 1, max = 366)))]
    pub horizon_days: u32,
    /// Free minutes after every session before the next session starts or
    /// the coordinator sets off driving, 0-240 (default 15).
    #[cfg_attr(feature = "openapi", schemars(range(min = 0, max = 240)))]
    pub buffer_minutes: u32,
    /// On-site visits a day at most, 0-10 (default 2; 0 = online only).
    #[cfg_attr(feature = "openapi", schemars(range(min = 0, max = 10)))]
    pub max_onsite_per_day: u32,
    /// Sessions start every this many minutes from the start of the
    /// working day, 5-240 (default 30).
    #[cfg_attr(feature = "openapi", schemars(range(min = 5, max = 240)))]
    pub slot_step_minutes: u32,
    /// Confirmed sessions a municipality may have in the future at once,
    /// 1-100 (default 2), so no municipality can crowd out the others.
    #[cfg_attr(feature = "openapi", schemars(range(min = 1, max = 100)))]
    pub cap_per_municipality: u32,
    pub travel: TravelRules,
    /// Weekdays whose on-site visits are kept for one area of the region
    /// (fair access: [`super::fairness`]), e.g. `{"wednesday": "vestjylland"}`.
    pub tour_days: TourDays,
    /// From this many days before a tour day, 0-56 (default 14), everyone
    /// may book its visits.
    #[cfg_attr(feature = "openapi", schemars(range(min = 0, max = 56)))]
    pub tour_open_days: u32,
    /// A drive from or to the office of at least this many minutes, 0-480
    /// (default 75), is a long drive.
    #[cfg_attr(feature = "openapi", schemars(range(min = 0, max = 480)))]
    pub long_drive_minutes: u32,
    /// A long drive may set off this many minutes before the day's first
    /// opening, or end as many after its last closing, 0-180 (default 60).
    #[cfg_attr(feature = "openapi", schemars(range(min = 0, max = 180)))]
    pub long_drive_extra_minutes: u32,
}

impl Default for Rules {
    fn default() -> Self {
        Self {
            onsite_minutes: 90,
            online_minutes: 60,
            min_notice_hours: 48,
            horizon_days: 56,
            buffer_minutes: 15,
            max_onsite_per_day: 2,
            slot_step_minutes: 30,
            cap_per_municipality: 2,
            travel: TravelRules::default(),
            tour_days: TourDays::default(),
            tour_open_days: 14,
            long_drive_minutes: 75,
            long_drive_extra_minutes: 60,
        }
    }
}

impl Rules {
    /// The rules without fair access (no tour days, no long-drive
    /// allowance): first come, first served, as before `cargo xtask
    /// simulate` measured the difference.
    pub fn first_come_first_served() -> Self {
        Self { tour_days: TourDays::default(), long_drive_extra_minutes: 0, ..Self::default() }
    }

    /// The length of a session of `kind` in minutes.
    pub fn duration_minutes(&self, kind: SessionKind) -> u32 {
        match kind {
            SessionKind::Onsite => self.onsite_minutes,
            SessionKind::Online => self.online_minutes,
        }
    }
}

/// The coordinator's whole calendar and rules. `Default` is a Danish office
/// calendar with the default rules.
///
/// ```json
/// {"weekly": {"monday": {"start": "08:30", "end": "16:00"}, …, "sunday": null},
///  "exceptions": [{"date": "2026-07-06", "hours": null, "note": "Ferie"}],
///  "blocked": [{"date": "2026-12-03", "hours": {"start": "14:00", "end": "16:00"}, "note": "Styregruppemøde"}],
///  "closed_days": {"christmas_eve": true, "constitution_day": true, "new_years_eve": true},
///  "rules": {"onsite_minutes": 90, "online_minutes": 60, "min_notice_hours": 48,
///            "horizon_days": 56, "buffer_minutes": 15, "max_onsite_per_day": 2,
///            "slot_step_minutes": 30, "cap_per_municipality": 2,
///            "travel": {"road_factor": 1.3, "speed_kmh": 70.0}}}
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct Availability {
    pub weekly: WeeklyHours,
    #[cfg_attr(feature = "openapi", schemars(length(max = MAX_EXCEPTIONS)))]
    pub exceptions: Vec<DateException>,
    /// Hours blocked on single dates (meetings she keeps out of the tool's
    /// reach), at most [`MAX_BLOCKED`].
    #[cfg_attr(feature = "openapi", schemars(length(max = MAX_BLOCKED)))]
    pub blocked: Vec<BlockedHours>,
    pub closed_days: ClosedDays,
    pub rules: Rules,
}

/// What the settings say about one date. JSON: `{"state": "open", "hours":
/// {...}, "note": null}`, `{"state": "holiday", "name": "Juledag"}`,
/// `{"state": "closed", "note": "Ferie"}` or `{"state": "day_off"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum DayStatus {
    /// A working day with these hours (from the week, or an exception with
    /// its note).
    Open { hours: DayHours, note: Option<String> },
    /// A public holiday or a customary closed day (Danish name).
    Holiday { name: String },
    /// Closed by a date exception.
    Closed { note: Option<String> },
    /// The weekly hours have no hours for this weekday.
    DayOff,
}

/// The borrowed form of [`DayStatus`] that the slot search uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Resolved<'a> {
    Open(&'a DayHours),
    Holiday(&'static str),
    Closed(Option<&'a str>),
    DayOff,
}

/// The most date exceptions the settings may hold.
pub const MAX_EXCEPTIONS: usize = 1000;
/// The most blocked hours the settings may hold.
pub const MAX_BLOCKED: usize = 1000;
/// The longest note of a date exception, in characters.
pub const MAX_NOTE_CHARS: usize = 200;
/// The shortest and longest session, in minutes.
pub const SESSION_MINUTES: std::ops::RangeInclusive<u32> = 15..=480;

/// Why settings were refused: one message per problem, each naming the field.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[error("{}", .0.join("; "))]
#[serde(transparent)]
pub struct InvalidAvailability(pub Vec<String>);

impl InvalidAvailability {
    pub fn problems(&self) -> &[String] {
        &self.0
    }
}

/// A rule of the settings with a range of allowed values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleField {
    OnsiteMinutes,
    OnlineMinutes,
    MinNoticeHours,
    HorizonDays,
    BufferMinutes,
    MaxOnsitePerDay,
    SlotStepMinutes,
    CapPerMunicipality,
    TourOpenDays,
    LongDriveMinutes,
    LongDriveExtraMinutes,
}

impl RuleField {
    /// The field's name in the JSON.
    pub fn json_name(self) -> &'static str {
        match self {
            RuleField::OnsiteMinutes => "onsite_minutes",
            RuleField::OnlineMinutes => "online_minutes",
            RuleField::MinNoticeHours => "min_notice_hours",
            RuleField::HorizonDays => "horizon_days",
            RuleField::BufferMinutes => "buffer_minutes",
            RuleField::MaxOnsitePerDay => "max_onsite_per_day",
            RuleField::SlotStepMinutes => "slot_step_minutes",
            RuleField::CapPerMunicipality => "cap_per_municipality",
            RuleField::TourOpenDays => "tour_open_days",
            RuleField::LongDriveMinutes => "long_drive_minutes",
            RuleField::LongDriveExtraMinutes => "long_drive_extra_minutes",
        }
    }

    fn english(self) -> &'static str {
        match self {
            RuleField::OnsiteMinutes => "An on-site session's length in minutes",
            RuleField::OnlineMinutes => "An online session's length in minutes",
            RuleField::MinNoticeHours => "The minimum notice in hours",
            RuleField::HorizonDays => "The booking horizon in days",
            RuleField::BufferMinutes => "The buffer between sessions in minutes",
            RuleField::MaxOnsitePerDay => "The number of on-site visits a day",
            RuleField::SlotStepMinutes => "The step between session starts in minutes",
            RuleField::CapPerMunicipality => "The number of upcoming sessions one municipality may hold",
            RuleField::TourOpenDays => "The days before a tour day from which everyone may book it",
            RuleField::LongDriveMinutes => "The minutes from which a drive counts as long",
            RuleField::LongDriveExtraMinutes => "The minutes a long drive may lie outside the working hours",
        }
    }
}

/// One problem of the settings ([`Availability::problems`]); `Display` is
/// the API's English sentence.
#[derive(Clone, Debug, PartialEq)]
pub enum AvailabilityProblem {
    OutOfRange {
        field: RuleField,
        min: u32,
        max: u32,
        value: u32,
    },
    RoadFactor {
        value: f64,
    },
    Speed {
        value: f64,
    },
    NoticeBeyondHorizon {
        hours: u32,
        days: u32,
    },
    NoWorkingHours,
    TooManyExceptions {
        count: usize,
    },
    DuplicateException {
        date: Date,
    },
    NoteTooLong {
        date: Date,
    },
    NoteControlCharacters {
        date: Date,
    },
    /// Special hours on a holiday or closed day; `name` is its Danish name.
    HoursOnClosedDay {
        date: Date,
        name: &'static str,
        hours: DayHours,
    },
    /// Two working windows of a weekday (`date: None`) or a date exception
    /// overlap or touch.
    OverlappingWindows {
        weekday: Option<Weekday>,
        date: Option<Date>,
        first: WorkingHours,
        second: WorkingHours,
    },
    TooManyBlocked {
        count: usize,
    },
    BlockedNoteTooLong {
        date: Date,
    },
    BlockedNoteControlCharacters {
        date: Date,
    },
}

impl std::fmt::Display for AvailabilityProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AvailabilityProblem::OutOfRange { field, min, max, value } => {
                write!(f, "{} must be between {min} and {max} ({} is {value})", field.english(), field.json_name())
            }
            AvailabilityProblem::RoadFactor { value } => {
                write!(f, "The road factor must be between 1.0 and 3.0 (road_factor is {value})")
            }
            AvailabilityProblem::Speed { value } => {
                write!(f, "The average driving speed must be between 10 and 130 km/h (speed_kmh is {value})")
            }
            AvailabilityProblem::NoticeBeyondHorizon { hours, days } => write!(
                f,
                "The minimum notice ({hours} hours) is longer than the booking horizon ({days} days), so nothing could ever be booked"
            ),
            AvailabilityProblem::NoWorkingHours => {
                f.write_str("No working hours on any day: give at least one weekday hours")
            }
            AvailabilityProblem::TooManyExceptions { count } => {
                write!(f, "There are {count} date exceptions; at most {MAX_EXCEPTIONS} are kept: remove old ones")
            }
            AvailabilityProblem::DuplicateException { date } => {
                write!(f, "{date} has more than one date exception: keep one")
            }
            AvailabilityProblem::NoteTooLong { date } => {
                write!(f, "The note of {date} is too long: at most {MAX_NOTE_CHARS} characters")
            }
            AvailabilityProblem::NoteControlCharacters { date } => {
                write!(f, "The note of {date} must not contain control characters")
            }
            AvailabilityProblem::HoursOnClosedDay { date, name, hours } => {
                let hint = match *name {
                    "Juleaftensdag" | "Grundlovsdag" | "Nytårsaftensdag" => {
                        " unless the office is set to stay open on that day (closed_days)"
                    }
                    _ => "",
                };
                write!(
                    f,
                    "{date} is {name}, a closed day: the special hours {hours} cannot apply{hint}; remove the exception"
                )
            }
            AvailabilityProblem::OverlappingWindows { weekday, date, first, second } => {
                let day = match (weekday, date) {
                    (_, Some(date)) => date.to_string(),
                    (Some(weekday), None) => weekday_en(*weekday).to_string(),
                    (None, None) => "a day".to_string(),
                };
                write!(f, "The working windows {first} and {second} of {day} overlap or touch: make them one window")
            }
            AvailabilityProblem::TooManyBlocked { count } => {
                write!(f, "There are {count} blocked hours; at most {MAX_BLOCKED} are kept: remove old ones")
            }
            AvailabilityProblem::BlockedNoteTooLong { date } => {
                write!(f, "The note of the blocked hours on {date} is too long: at most {MAX_NOTE_CHARS} characters")
            }
            AvailabilityProblem::BlockedNoteControlCharacters { date } => {
                write!(f, "The note of the blocked hours on {date} must not contain control characters")
            }
        }
    }
}

impl Availability {
    /// The exception for `date`, if any (the first, should there be several).
    pub fn exception(&self, date: Date) -> Option<&DateException> {
        self.exceptions.iter().find(|e| e.date == date)
    }

    /// Whether and when the coordinator works on `date`. Holidays and closed
    /// days always win, even over an exception with hours (which
    /// [`Availability::validate`] refuses).
    pub fn day_status(&self, date: Date) -> DayStatus {
        let exception = self.exception(date);
        match self.resolve(date, exception) {
            Resolved::Open(hours) => {
                DayStatus::Open { hours: hours.clone(), note: exception.and_then(|e| e.note.clone()) }
            }
            Resolved::Holiday(name) => DayStatus::Holiday { name: name.to_string() },
            Resolved::Closed(note) => DayStatus::Closed { note: note.map(str::to_string) },
            Resolved::DayOff => DayStatus::DayOff,
        }
    }

    /// `exception` must be the exception for `date` (or none).
    pub(crate) fn resolve<'a>(&'a self, date: Date, exception: Option<&'a DateException>) -> Resolved<'a> {
        if let Some(name) = is_closed_day(date, &self.closed_days) {
            return Resolved::Holiday(name);
        }
        match exception {
            Some(DateException { hours: Some(hours), .. }) => Resolved::Open(hours),
            Some(DateException { hours: None, note, .. }) => Resolved::Closed(note.as_deref()),
            None => match self.weekly.get(date.weekday()) {
                Some(hours) => Resolved::Open(hours),
                None => Resolved::DayOff,
            },
        }
    }

    /// Checks every rule and returns all problems at once, each a sentence
    /// a coordinator can act on (in English: [`AvailabilityProblem`]'s `Display`).
    /// Working hours are valid by construction.
    pub fn validate(&self) -> Result<(), InvalidAvailability> {
        let problems = self.problems();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(InvalidAvailability(problems.iter().map(ToString::to_string).collect()))
        }
    }

    /// Every problem of the settings, as data, so each client can say it in
    /// its own language (the widget in Danish).
    pub fn problems(&self) -> Vec<AvailabilityProblem> {
        let mut out = Vec::new();
        let r = &self.rules;
        let mut range = |value: u32, range: std::ops::RangeInclusive<u32>, field: RuleField| {
            if !range.contains(&value) {
                out.push(AvailabilityProblem::OutOfRange { field, min: *range.start(), max: *range.end(), value });
            }
        };
        range(r.onsite_minutes, SESSION_MINUTES, RuleField::OnsiteMinutes);
        range(r.online_minutes, SESSION_MINUTES, RuleField::OnlineMinutes);
        range(r.min_notice_hours, 0..=720, RuleField::MinNoticeHours);
        range(r.horizon_days, 1..=366, RuleField::HorizonDays);
        range(r.buffer_minutes, 0..=240, RuleField::BufferMinutes);
        range(r.max_onsite_per_day, 0..=10, RuleField::MaxOnsitePerDay);
        range(r.slot_step_minutes, 5..=240, RuleField::SlotStepMinutes);
        range(r.cap_per_municipality, 1..=100, RuleField::CapPerMunicipality);
        range(r.tour_open_days, 0..=56, RuleField::TourOpenDays);
        range(r.long_drive_minutes, 0..=480, RuleField::LongDriveMinutes);
        range(r.long_drive_extra_minutes, 0..=180, RuleField::LongDriveExtraMinutes);
        if !TravelRules::ROAD_FACTOR_RANGE.contains(&r.travel.road_factor) {
            out.push(AvailabilityProblem::RoadFactor { value: r.travel.road_factor });
        }
        if !TravelRules::SPEED_KMH_RANGE.contains(&r.travel.speed_kmh) {
            out.push(AvailabilityProblem::Speed { value: r.travel.speed_kmh });
        }
        if u64::from(r.min_notice_hours) > u64::from(r.horizon_days) * 24 {
            out.push(AvailabilityProblem::NoticeBeyondHorizon { hours: r.min_notice_hours, days: r.horizon_days });
        }
        if self.weekly.days().iter().all(|(_, hours)| hours.is_none())
            && self.exceptions.iter().all(|e| e.hours.is_none())
        {
            out.push(AvailabilityProblem::NoWorkingHours);
        }

        if self.exceptions.len() > MAX_EXCEPTIONS {
            out.push(AvailabilityProblem::TooManyExceptions { count: self.exceptions.len() });
        } else {
            let mut dates: Vec<Date> = self.exceptions.iter().map(|e| e.date).collect();
            dates.sort();
            let mut reported = None;
            for pair in dates.windows(2) {
                if pair[0] == pair[1] && reported != Some(pair[0]) {
                    reported = Some(pair[0]);
                    out.push(AvailabilityProblem::DuplicateException { date: pair[0] });
                }
            }
            for e in &self.exceptions {
                if let Some(note) = &e.note {
                    if note.chars().count() > MAX_NOTE_CHARS {
                        out.push(AvailabilityProblem::NoteTooLong { date: e.date });
                    }
                    if note.chars().any(char::is_control) {
                        out.push(AvailabilityProblem::NoteControlCharacters { date: e.date });
                    }
                }
                if let (Some(hours), Some(name)) = (&e.hours, is_closed_day(e.date, &self.closed_days)) {
                    out.push(AvailabilityProblem::HoursOnClosedDay { date: e.date, name, hours: hours.clone() });
                }
                if let Some((first, second)) = e.hours.as_ref().and_then(DayHours::overlap) {
                    out.push(AvailabilityProblem::OverlappingWindows {
                        weekday: None,
                        date: Some(e.date),
                        first,
                        second,
                    });
                }
            }
        }
        for (weekday, hours) in self.weekly.days() {
            if let Some((first, second)) = hours.and_then(DayHours::overlap) {
                out.push(AvailabilityProblem::OverlappingWindows { weekday: Some(weekday), date: None, first, second });
            }
        }
        if self.blocked.len() > MAX_BLOCKED {
            out.push(AvailabilityProblem::TooManyBlocked { count: self.blocked.len() });
        } else {
            for b in &self.blocked {
                if let Some(note) = &b.note {
                    if note.chars().count() > MAX_NOTE_CHARS {
                        out.push(AvailabilityProblem::BlockedNoteTooLong { date: b.date });
                    }
                    if note.chars().any(char::is_control) {
                        out.push(AvailabilityProblem::BlockedNoteControlCharacters { date: b.date });
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn the_default_calendar_is_a_danish_office_week() {
        let a = Availability::default();
        assert!(a.validate().is_ok());
        assert_eq!(a.weekly.get(Weekday::Monday).unwrap().to_string(), "08:30-16:00");
        assert_eq!(a.weekly.get(Weekday::Thursday).unwrap().to_string(), "08:30-16:00");
        assert_eq!(a.weekly.get(Weekday::Friday).unwrap().to_string(), "08:30-15:00");
        assert_eq!(a.weekly.get(Weekday::Saturday), None);
        assert_eq!(a.weekly.get(Weekday::Sunday), None);
        assert_eq!(a.rules.duration_minutes(SessionKind::Onsite), 90);
        assert_eq!(a.rules.duration_minutes(SessionKind::Online), 60);
        assert_eq!(a.rules.min_notice_hours, 48);
        assert_eq!(a.rules.horizon_days, 56);
        assert_eq!(a.rules.buffer_minutes, 15);
        assert_eq!(a.rules.max_onsite_per_day, 2);
        assert_eq!(a.rules.slot_step_minutes, 30);
        assert_eq!(a.rules.cap_per_municipality, 2);
        assert_eq!(a.closed_days, ClosedDays::ALL);
    }

    #[test]
    fn settings_travel_as_readable_json_and_back() {
        let mut a = Availability::default();
        a.exceptions.push(DateException { date: date(2026, 7, 6), hours: None, note: Some("Sommerferie".into()) });
        a.exceptions.push(DateException {
            date: date(2026, 11, 28),
            hours: Some(WorkingHours::hm(10, 0, 14, 0).unwrap().into()),
            note: None,
        });
        let json = serde_json::to_value(&a).unwrap();
        assert_eq!(json["weekly"]["monday"], serde_json::json!({"start": "08:30", "end": "16:00"}));
        assert_eq!(json["weekly"]["saturday"], serde_json::Value::Null);
        assert_eq!(
            json["exceptions"][0],
            serde_json::json!({"date": "2026-07-06", "hours": null, "note": "Sommerferie"})
        );
        assert_eq!(json["exceptions"][1]["hours"]["start"], "10:00");
        assert_eq!(json["closed_days"]["christmas_eve"], true);
        assert_eq!(json["rules"]["onsite_minutes"], 90);
        assert_eq!(json["rules"]["travel"]["road_factor"], 1.3);
        assert_eq!(json["rules"]["travel"]["speed_kmh"], 70.0);
        let back: Availability = serde_json::from_value(json).unwrap();
        assert_eq!(back, a);
    }

    #[test]
    fn missing_settings_take_their_defaults_and_times_may_have_seconds() {
        let a: Availability = serde_json::from_str(
            r#"{"weekly": {"friday": {"start": "09:00:00", "end": "12:00"}, "monday": null},
                "rules": {"buffer_minutes": 30},
                "exceptions": [{"date": "2026-08-03"}]}"#,
        )
        .unwrap();
        assert_eq!(a.weekly.monday, None);
        assert_eq!(a.weekly.tuesday, WeeklyHours::default().tuesday);
        assert_eq!(a.weekly.friday.unwrap().to_string(), "09:00-12:00");
        assert_eq!(a.rules.buffer_minutes, 30);
        assert_eq!(a.rules.onsite_minutes, 90);
        assert_eq!(a.exceptions[0].hours, None, "an exception without hours closes the day");
        assert_eq!(serde_json::from_str::<Availability>("{}").unwrap(), Availability::default());
        // A field this version does not know (written by a newer one) is
        // ignored, so stored settings still read after a rollback. Requests
        // are stricter: the API refuses unknown fields (`JsonBody`).
        let newer = r#"{"rules": {"buffer_minutes": 20, "video_link": "x"}, "weekly": {"monday": null}}"#;
        let read = serde_json::from_str::<Availability>(newer).unwrap();
        assert_eq!((read.rules.buffer_minutes, read.weekly.monday), (20, None));
    }

    #[test]
    fn a_working_day_that_ends_before_it_starts_is_refused() {
        let err = serde_json::from_str::<WorkingHours>(r#"{"start": "16:00", "end": "08:30"}"#).unwrap_err();
        assert!(err.to_string().contains("must end after it starts (16:00-08:30)"), "{err}");
        assert!(serde_json::from_str::<WorkingHours>(r#"{"start": "9", "end": "noon"}"#).is_err());
        assert!(serde_json::from_str::<WorkingHours>(r#"{"start": "08:30:15", "end": "12:00"}"#).is_err());
        assert!(WorkingHours::hm(9, 0, 9, 0).is_err());
        assert!(WorkingHours::hm(25, 0, 26, 0).is_err());
        assert_eq!(WorkingHours::hm(8, 30, 16, 0).unwrap().minutes(), 450);
    }

    #[test]
    fn every_bad_rule_is_named_in_a_message_a_person_can_act_on() {
        let mut a = Availability::default();
        a.rules.onsite_minutes = 5;
        a.rules.online_minutes = 600;
        a.rules.cap_per_municipality = 0;
        a.rules.slot_step_minutes = 0;
        a.rules.horizon_days = 0;
        a.rules.travel.speed_kmh = 0.0;
        a.rules.travel.road_factor = f64::NAN;
        let problems = a.validate().unwrap_err().0;
        for field in [
            "onsite_minutes is 5",
            "online_minutes is 600",
            "cap_per_municipality is 0",
            "slot_step_minutes is 0",
            "horizon_days is 0",
            "speed_kmh is 0",
            "road_factor is NaN",
            "longer than the booking horizon",
        ] {
            assert!(problems.iter().any(|p| p.contains(field)), "{field} not in {problems:#?}");
        }
    }

    #[test]
    fn exceptions_are_checked_for_duplicates_notes_and_holidays() {
        let mut a = Availability::default();
        let leave = DateException { date: date(2026, 7, 6), hours: None, note: Some("Ferie".into()) };
        a.exceptions = vec![leave.clone(), leave.clone(), leave];
        a.exceptions.push(DateException {
            date: date(2026, 12, 24),
            hours: Some(WorkingHours::hm(9, 0, 12, 0).unwrap().into()),
            note: None,
        });
        a.exceptions.push(DateException { date: date(2026, 8, 3), hours: None, note: Some("x".repeat(201)) });
        let problems = a.validate().unwrap_err().0;
        assert_eq!(problems.len(), 3, "{problems:#?}");
        assert!(problems[0].contains("2026-07-06 has more than one"));
        assert!(problems.iter().any(|p| p.contains("2026-12-24 is Juleaftensdag") && p.contains("closed_days")));
        assert!(problems.iter().any(|p| p.contains("note of 2026-08-03 is too long")));

        // Opening Christmas Eve in the settings makes the special hours valid.
        a.exceptions.drain(..3);
        a.exceptions.pop();
        a.closed_days.christmas_eve = false;
        assert!(a.validate().is_ok(), "{:?}", a.validate());
    }

    #[test]
    fn the_status_of_a_day_explains_why_it_is_closed() {
        let mut a = Availability::default();
        a.exceptions.push(DateException { date: date(2026, 7, 6), hours: None, note: Some("Ferie".into()) });
        a.exceptions.push(DateException {
            date: date(2026, 11, 28),
            hours: Some(WorkingHours::hm(10, 0, 14, 0).unwrap().into()),
            note: Some("Lørdagsmøde".into()),
        });
        assert_eq!(a.day_status(date(2026, 12, 25)), DayStatus::Holiday { name: "Juledag".into() });
        assert_eq!(a.day_status(date(2026, 7, 6)), DayStatus::Closed { note: Some("Ferie".into()) });
        assert_eq!(a.day_status(date(2026, 11, 29)), DayStatus::DayOff);
        assert_eq!(
            a.day_status(date(2026, 11, 28)),
            DayStatus::Open {
                hours: WorkingHours::hm(10, 0, 14, 0).unwrap().into(), note: Some("Lørdagsmøde".into())
            }
        );
        assert_eq!(
            serde_json::to_value(a.day_status(date(2026, 12, 1))).unwrap(),
            serde_json::json!({"state": "open", "hours": {"start": "08:30", "end": "16:00"}, "note": null})
        );
    }

    #[test]
    fn one_working_window_is_an_object_and_a_day_with_a_break_an_array() {
        let mut a = Availability::default();
        let split =
            DayHours::new(vec![WorkingHours::hm(12, 30, 16, 0).unwrap(), WorkingHours::hm(8, 30, 12, 0).unwrap()]);
        a.weekly.set(Weekday::Tuesday, split);
        let json = serde_json::to_value(&a).unwrap();
        assert_eq!(json["weekly"]["monday"], serde_json::json!({"start": "08:30", "end": "16:00"}));
        assert_eq!(
            json["weekly"]["tuesday"],
            serde_json::json!([{"start": "08:30", "end": "12:00"}, {"start": "12:30", "end": "16:00"}]),
            "windows in time order"
        );
        let back: Availability = serde_json::from_value(json).unwrap();
        assert_eq!(back, a);
        assert_eq!(back.weekly.get(Weekday::Tuesday).unwrap().to_string(), "08:30-12:00, 12:30-16:00");
        let empty = serde_json::from_str::<WeeklyHours>(r#"{"monday": []}"#).unwrap_err();
        assert!(empty.to_string().contains("use null for a day off"), "{empty}");
        let reversed = serde_json::from_str::<WeeklyHours>(r#"{"monday": [{"start": "12:00", "end": "08:00"}]}"#);
        assert!(reversed.unwrap_err().to_string().contains("must end after it starts (12:00-08:00)"));
    }

    #[test]
    fn overlapping_windows_and_bad_blocked_hours_are_named() {
        let mut a = Availability::default();
        let overlapping =
            DayHours::new(vec![WorkingHours::hm(8, 30, 12, 0).unwrap(), WorkingHours::hm(11, 0, 16, 0).unwrap()]);
        a.weekly.set(Weekday::Wednesday, overlapping.clone());
        a.exceptions.push(DateException { date: date(2026, 12, 3), hours: overlapping, note: None });
        a.blocked.push(BlockedHours {
            date: date(2026, 12, 4),
            hours: WorkingHours::hm(14, 0, 16, 0).unwrap(),
            note: Some("x".repeat(201)),
        });
        let problems = a.validate().unwrap_err().0;
        assert_eq!(problems.len(), 3, "{problems:#?}");
        assert!(problems.iter().any(|p| p.contains("08:30-12:00 and 11:00-16:00 of Wednesday overlap")));
        assert!(problems.iter().any(|p| p.contains("of 2026-12-03 overlap")));
        assert!(problems.iter().any(|p| p.contains("blocked hours on 2026-12-04 is too long")));
        let json = serde_json::to_value(&a.blocked[0]).unwrap();
        assert_eq!(json["hours"], serde_json::json!({"start": "14:00", "end": "16:00"}));
    }
}
