//! Enrolment in DK2020: which municipalities take part, in which round, and
//! the overview the KKR November meeting gets.
//!
//! Every municipality has one [`EnrolmentStatus`]. Each change is kept as a
//! [`StatusChange`] (who, when, from what to what, an optional note), so the
//! [`overview`] can show the state "as of" any date by replaying the history.
//!
//! The known state before any change is recorded ([`Enrolment::initial_state`]):
//! Aarhus, Randers, Samsø and Lemvig are already in from the pilot, the other 15
//! are undecided. That baseline carries no history entry: it holds for every
//! date before the first recorded change, so an overview as of any date shows
//! the four pilots as already in.

use std::{cmp::Ordering, fmt};

use jiff::{
    Timestamp,
    civil::{Date, date},
};
use serde::{Deserialize, Serialize};

use crate::{
    actor::Actor,
    municipality::{Municipalities, Municipality, MunicipalityCode},
    time::local,
};

// ---------------------------------------------------------------------------
// Rounds
// ---------------------------------------------------------------------------

/// The number of a DK2020 application round: 1 and 2 were opened in
/// 2020-2021; the secretariat may add a later one (up to [`RoundNumber::MAX`])
/// if DK2020 opens it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct RoundNumber(u8);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0} is not a DK2020 round: use a round from 1 to {max}", max = RoundNumber::MAX)]
pub struct BadRoundNumber(pub u8);

impl RoundNumber {
    pub const FIRST: RoundNumber = RoundNumber(1);
    pub const SECOND: RoundNumber = RoundNumber(2);
    /// The highest round number the model accepts.
    pub const MAX: u8 = 5;

    pub fn new(number: u8) -> Result<Self, BadRoundNumber> {
        match number {
            1..=Self::MAX => Ok(Self(number)),
            other => Err(BadRoundNumber(other)),
        }
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

impl TryFrom<u8> for RoundNumber {
    type Error = BadRoundNumber;
    fn try_from(number: u8) -> Result<Self, Self::Error> {
        Self::new(number)
    }
}

impl From<RoundNumber> for u8 {
    fn from(number: RoundNumber) -> u8 {
        number.0
    }
}

impl fmt::Display for RoundNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// One application round: its deadline and how many of the region's
/// municipalities are expected to join in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "StoredRound")]
pub struct Round {
    pub number: RoundNumber,
    pub deadline: Date,
    pub expected_min: u8,
    pub expected_max: u8,
    /// The deadline is only expected (the papers say "expected October
    /// 2021"): shown as its month until the secretariat sets the firm date.
    pub deadline_expected: bool,
}

/// A round as stored: settings written before `deadline_expected` existed
/// hold round 2's placeholder date, which is the expected one.
#[derive(Deserialize)]
struct StoredRound {
    number: RoundNumber,
    deadline: Date,
    expected_min: u8,
    expected_max: u8,
    deadline_expected: Option<bool>,
}

impl From<StoredRound> for Round {
    fn from(r: StoredRound) -> Self {
        let placeholder = Round::default_for(r.number);
        let deadline_expected =
            r.deadline_expected.unwrap_or(placeholder.deadline_expected && r.deadline == placeholder.deadline);
        Round {
            number: r.number,
            deadline: r.deadline,
            expected_min: r.expected_min,
            expected_max: r.expected_max,
            deadline_expected,
        }
    }
}

impl Round {
    /// The round as the 2020 papers describe it: round 1 closes on
    /// 21 October 2020; round 2 is "expected October 2021", taken here as
    /// 31 October 2021 until the real date is entered. 7-8 expected in each.
    pub fn default_for(number: RoundNumber) -> Self {
        let (deadline, deadline_expected) = match number.get() {
            1 => (date(2020, 10, 21), false),
            _ => (date(2021, 10, 31), true),
        };
        Round { number, deadline, expected_min: 7, expected_max: 8, deadline_expected }
    }

    /// "21. oktober 2020", or "forventet oktober 2021" while only expected.
    pub fn deadline_da(deadline: Date, expected: bool) -> String {
        if expected {
            format!("forventet {} {}", crate::format::month_name(deadline.month()), deadline.year())
        } else {
            crate::format::date(deadline)
        }
    }

    /// Whether `count` municipalities are below, within or above the expected range.
    pub fn compare(&self, count: usize) -> ExpectedRange {
        if count < usize::from(self.expected_min) {
            ExpectedRange::Below
        } else if count > usize::from(self.expected_max) {
            ExpectedRange::Above
        } else {
            ExpectedRange::Within
        }
    }
}

/// Why a list of rounds was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoundsError {
    #[error("round {0} is defined twice; give each round once")]
    Duplicate(RoundNumber),
    #[error("round {round}: the expected minimum {min} is larger than the expected maximum {max}")]
    ExpectedRange { round: RoundNumber, min: u8, max: u8 },
    #[error("round 2's deadline {second} must be after round 1's deadline {first}")]
    DeadlineOrder { first: Date, second: Date },
}

/// The defined rounds, ordered by number. JSON: an array of [`Round`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<Round>", into = "Vec<Round>")]
pub struct Rounds(Vec<Round>);

impl Rounds {
    pub fn new(mut rounds: Vec<Round>) -> Result<Self, RoundsError> {
        rounds.sort_by_key(|r| r.number);
        for pair in rounds.windows(2) {
            if pair[0].number == pair[1].number {
                return Err(RoundsError::Duplicate(pair[0].number));
            }
            if pair[1].deadline <= pair[0].deadline {
                return Err(RoundsError::DeadlineOrder { first: pair[0].deadline, second: pair[1].deadline });
            }
        }
        if let Some(r) = rounds.iter().find(|r| r.expected_min > r.expected_max) {
            return Err(RoundsError::ExpectedRange { round: r.number, min: r.expected_min, max: r.expected_max });
        }
        Ok(Self(rounds))
    }

    pub fn get(&self, number: RoundNumber) -> Option<&Round> {
        self.0.iter().find(|r| r.number == number)
    }

    /// A round of DK2020 these definitions leave out: the secretariat edits
    /// the rounds, it cannot drop one (municipalities may be enrolled in it).
    pub fn missing(&self) -> Option<RoundNumber> {
        [RoundNumber::FIRST, RoundNumber::SECOND].into_iter().find(|&n| self.get(n).is_none())
    }

    /// A round of these definitions that `replacement` leaves out although
    /// a municipality was enrolled in it at some time (`changes`): removing
    /// it would drop them from the overview of that time.
    pub fn removed_in_use(&self, replacement: &Rounds, changes: &[StatusChange]) -> Option<RoundNumber> {
        let used = |n: RoundNumber| changes.iter().any(|c| c.to.round() == Some(n) || c.from.round() == Some(n));
        self.0.iter().map(|r| r.number).find(|&n| replacement.get(n).is_none() && used(n))
    }

    /// The next round the secretariat may add: one after the last, with the
    /// deadline a year after the last one's, expected, and 7-8 expected in it;
    /// `None` at [`RoundNumber::MAX`].
    pub fn next_round(&self) -> Option<Round> {
        let last = self.0.last()?;
        let number = RoundNumber::new(last.number.get().checked_add(1)?).ok()?;
        let deadline = last.deadline.checked_add(jiff::Span::new().years(1)).ok()?;
        Some(Round { number, deadline, expected_min: 7, expected_max: 8, deadline_expected: true })
    }

    pub fn iter(&self) -> impl Iterator<Item = &Round> {
        self.0.iter()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Default for Rounds {
    /// Round 1 (deadline 21 October 2020) and round 2 (31 October 2021), 7-8 each.
    fn default() -> Self {
        Self(vec![Round::default_for(RoundNumber::FIRST), Round::default_for(RoundNumber::SECOND)])
    }
}

impl TryFrom<Vec<Round>> for Rounds {
    type Error = RoundsError;
    fn try_from(rounds: Vec<Round>) -> Result<Self, Self::Error> {
        Self::new(rounds)
    }
}

impl From<Rounds> for Vec<Round> {
    fn from(rounds: Rounds) -> Self {
        rounds.0
    }
}

// ---------------------------------------------------------------------------
// Status
// ---------------------------------------------------------------------------

/// The status without its data; the `"status"` value of the API.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum StatusKind {
    Undecided,
    CouncilConsidering,
    AlreadyIn,
    Enrolled,
    Declined,
}

impl StatusKind {
    pub const ALL: [StatusKind; 5] = [
        StatusKind::Undecided,
        StatusKind::CouncilConsidering,
        StatusKind::AlreadyIn,
        StatusKind::Enrolled,
        StatusKind::Declined,
    ];

    /// The API name, e.g. `council_considering`.
    pub fn as_str(self) -> &'static str {
        match self {
            StatusKind::Undecided => "undecided",
            StatusKind::CouncilConsidering => "council_considering",
            StatusKind::AlreadyIn => "already_in",
            StatusKind::Enrolled => "enrolled",
            StatusKind::Declined => "declined",
        }
    }

    /// Danish label for the widget and the downloads.
    pub fn label_da(self) -> &'static str {
        match self {
            StatusKind::Undecided => "Ikke afklaret",
            StatusKind::CouncilConsidering => "Til behandling i kommunalbestyrelsen",
            StatusKind::AlreadyIn => "Med fra pilotfasen",
            StatusKind::Enrolled => "Tilmeldt",
            StatusKind::Declined => "Takket nej",
        }
    }
}

impl fmt::Display for StatusKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for StatusKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        StatusKind::ALL.into_iter().find(|k| k.as_str() == s).ok_or_else(|| {
            format!("unknown status {s:?}: use undecided, council_considering, already_in, enrolled or declined")
        })
    }
}

/// A municipality's place in DK2020.
///
/// JSON (flat, so it can be flattened into a row or a request):
/// `{"status": "enrolled", "round": 1, "decided_on": "2020-10-20"}`,
/// `{"status": "undecided", "round": null}`. `enrolled` needs `round` and
/// `decided_on`; the other statuses take neither (a `null` is accepted).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "StatusRepr", into = "StatusRepr")]
pub enum EnrolmentStatus {
    Undecided,
    /// The city council has the question on its agenda.
    CouncilConsidering,
    /// In DK2020 from the earlier pilot (before round 1).
    AlreadyIn,
    /// The council decided to apply in `round`.
    Enrolled {
        round: RoundNumber,
        decided_on: Date,
    },
    Declined,
}

impl EnrolmentStatus {
    pub fn kind(self) -> StatusKind {
        match self {
            EnrolmentStatus::Undecided => StatusKind::Undecided,
            EnrolmentStatus::CouncilConsidering => StatusKind::CouncilConsidering,
            EnrolmentStatus::AlreadyIn => StatusKind::AlreadyIn,
            EnrolmentStatus::Enrolled { .. } => StatusKind::Enrolled,
            EnrolmentStatus::Declined => StatusKind::Declined,
        }
    }

    pub fn round(self) -> Option<RoundNumber> {
        match self {
            EnrolmentStatus::Enrolled { round, .. } => Some(round),
            _ => None,
        }
    }

    pub fn decided_on(self) -> Option<Date> {
        match self {
            EnrolmentStatus::Enrolled { decided_on, .. } => Some(decided_on),
            _ => None,
        }
    }

    /// In DK2020: already in from the pilot, or enrolled in a round.
    pub fn is_in_dk2020(self) -> bool {
        matches!(self, EnrolmentStatus::AlreadyIn | EnrolmentStatus::Enrolled { .. })
    }

    /// Builds a status from its flat parts, as the API and the CSV carry them.
    pub fn from_parts(kind: StatusKind, round: Option<RoundNumber>, decided_on: Option<Date>) -> Result<Self, String> {
        let plain = |status: EnrolmentStatus| {
            if round.is_some() {
                Err(format!("\"round\" is only given with status \"enrolled\", not with \"{kind}\""))
            } else if decided_on.is_some() {
                Err(format!("\"decided_on\" is only given with status \"enrolled\", not with \"{kind}\""))
            } else {
                Ok(status)
            }
        };
        match kind {
            StatusKind::Undecided => plain(EnrolmentStatus::Undecided),
            StatusKind::CouncilConsidering => plain(EnrolmentStatus::CouncilConsidering),
            StatusKind::AlreadyIn => plain(EnrolmentStatus::AlreadyIn),
            StatusKind::Declined => plain(EnrolmentStatus::Declined),
            StatusKind::Enrolled => match (round, decided_on) {
                (Some(round), Some(decided_on)) => Ok(EnrolmentStatus::Enrolled { round, decided_on }),
                (None, _) => Err("status \"enrolled\" needs \"round\": 1 or 2".to_string()),
                (_, None) => Err(
                    "status \"enrolled\" needs \"decided_on\": the date of the council's decision, e.g. \"2020-10-20\""
                        .to_string(),
                ),
            },
        }
    }

    /// Danish label, e.g. `Tilmeldt runde 1`.
    pub fn label_da(self) -> String {
        match self {
            EnrolmentStatus::Enrolled { round, .. } => format!("Tilmeldt runde {round}"),
            other => other.kind().label_da().to_string(),
        }
    }
}

/// English description for error messages, e.g. `enrolled in round 1 (decided 2020-10-20)`.
impl fmt::Display for EnrolmentStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EnrolmentStatus::Undecided => f.write_str("undecided"),
            EnrolmentStatus::CouncilConsidering => f.write_str("being considered by the council"),
            EnrolmentStatus::AlreadyIn => f.write_str("already in from the pilot"),
            EnrolmentStatus::Enrolled { round, decided_on } => {
                write!(f, "enrolled in round {round} (decided {decided_on})")
            }
            EnrolmentStatus::Declined => f.write_str("declined"),
        }
    }
}

/// The flat wire form of [`EnrolmentStatus`].
#[derive(Clone, Debug, Serialize, Deserialize)]
struct StatusRepr {
    status: StatusKind,
    #[serde(default)]
    round: Option<RoundNumber>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    decided_on: Option<Date>,
}

impl TryFrom<StatusRepr> for EnrolmentStatus {
    type Error = String;
    fn try_from(repr: StatusRepr) -> Result<Self, Self::Error> {
        EnrolmentStatus::from_parts(repr.status, repr.round, repr.decided_on)
    }
}

impl From<EnrolmentStatus> for StatusRepr {
    fn from(status: EnrolmentStatus) -> Self {
        StatusRepr { status: status.kind(), round: status.round(), decided_on: status.decided_on() }
    }
}

/// Body of `PUT /api/enrolment/{code}`:
/// `{"status": "enrolled", "round": 1, "decided_on": "2020-10-20", "note": "…"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "StatusChangeRepr")]
pub struct StatusChangeRequest {
    #[serde(flatten)]
    pub status: EnrolmentStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// [`StatusChangeRequest`] read field by field rather than through
/// `#[serde(flatten)]`, so the API's check for unknown fields in request
/// bodies sees a misspelt `"notes"`.
#[derive(Deserialize)]
struct StatusChangeRepr {
    status: StatusKind,
    #[serde(default)]
    round: Option<RoundNumber>,
    #[serde(default)]
    decided_on: Option<Date>,
    #[serde(default)]
    note: Option<String>,
}

impl TryFrom<StatusChangeRepr> for StatusChangeRequest {
    type Error = String;
    fn try_from(repr: StatusChangeRepr) -> Result<Self, Self::Error> {
        let status = EnrolmentStatus::from_parts(repr.status, repr.round, repr.decided_on)?;
        Ok(Self { status, note: repr.note })
    }
}

// ---------------------------------------------------------------------------
// History and transitions
// ---------------------------------------------------------------------------

/// One recorded change of a municipality's status.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct StatusChange {
    pub municipality: MunicipalityCode,
    pub from: EnrolmentStatus,
    pub to: EnrolmentStatus,
    pub by: Actor,
    #[cfg_attr(feature = "openapi", schemars(schema_with = "crate::openapi::timestamp"))]
    pub at: Timestamp,
    pub note: Option<String>,
}

impl StatusChange {
    /// The Copenhagen date the change was recorded on.
    pub fn date(&self) -> Date {
        local(self.at).date()
    }
}

/// The longest note kept with a change, in characters.
pub const MAX_NOTE_CHARS: usize = 500;

/// Why a status change was refused. The messages tell the secretariat what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("round {round} is not defined{}; choose one of the defined rounds", defined_rounds(.defined))]
    UnknownRound { round: RoundNumber, defined: Vec<RoundNumber> },
    #[error(
        "the council decision date {decided_on} is after the date of this change ({today}); enter the date the council actually decided"
    )]
    DecisionInFuture { decided_on: Date, today: Date },
    #[error("the status of {} is already \"{status}\"; nothing was changed", .municipality.name())]
    Unchanged { municipality: MunicipalityCode, status: EnrolmentStatus },
    #[error(
        "{} is already in DK2020 from the pilot and does not enrol in a round; if it was marked as a pilot by mistake, set it to undecided first",
        .municipality.name()
    )]
    PilotCannotEnrol { municipality: MunicipalityCode },
    #[error("the note has {chars} characters; shorten it to at most {max}")]
    NoteTooLong { chars: usize, max: usize },
    #[error("the note contains control characters; use plain text (line breaks are fine)")]
    NoteControlCharacters,
    #[error(
        "the change is dated {at}, before the last recorded change of {} at {last}; check the clock or the order of the changes",
        .municipality.name()
    )]
    BeforeLastChange { municipality: MunicipalityCode, at: Timestamp, last: Timestamp },
    #[error(
        "the status of {} was changed meanwhile: it is now \"{current}\", not \"{from}\"; reload and try again",
        .municipality.name()
    )]
    StaleFrom { municipality: MunicipalityCode, from: EnrolmentStatus, current: EnrolmentStatus },
}

fn defined_rounds(defined: &[RoundNumber]) -> String {
    if defined.is_empty() {
        " (no rounds are defined)".to_string()
    } else {
        let list: Vec<String> = defined.iter().map(|r| r.to_string()).collect();
        format!(" (defined: {})", list.join(", "))
    }
}

/// Why a saved enrolment state could not be restored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnrolmentStateError {
    #[error("municipality {0} appears more than once")]
    Duplicate(MunicipalityCode),
    #[error("municipality {0} is missing")]
    Missing(MunicipalityCode),
    #[error("{} has a history entry for {other}", .municipality.name())]
    ForeignEntry { municipality: MunicipalityCode, other: MunicipalityCode },
    #[error("{} has status \"{status}\" but its last change was to \"{last}\"", .municipality.name())]
    StatusMismatch { municipality: MunicipalityCode, status: EnrolmentStatus, last: EnrolmentStatus },
    #[error(transparent)]
    Transition(#[from] TransitionError),
}

/// One municipality's current status and its history, oldest change first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MunicipalityEnrolment {
    pub municipality: MunicipalityCode,
    pub status: EnrolmentStatus,
    pub history: Vec<StatusChange>,
}

impl MunicipalityEnrolment {
    /// The status at the end of the Copenhagen date `as_of`: the last change
    /// recorded on or before that date, or the status before the first change.
    pub fn status_as_of(&self, as_of: Date) -> EnrolmentStatus {
        let mut status = self.history.first().map_or(self.status, |c| c.from);
        for change in &self.history {
            if change.date() > as_of {
                break;
            }
            status = change.to;
        }
        status
    }
}

/// The enrolment state of all 19 municipalities, ordered by code.
/// JSON: an array of [`MunicipalityEnrolment`]; restoring checks that every
/// municipality is there once and that each history is consistent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<MunicipalityEnrolment>", into = "Vec<MunicipalityEnrolment>")]
pub struct Enrolment(Vec<MunicipalityEnrolment>);

/// The pilot municipalities, in DK2020 before round 1: Aarhus, Randers, Samsø, Lemvig.
pub const PILOT_MUNICIPALITIES: [u16; 4] = [751, 730, 741, 665];

/// A meeting of KKR Midtjylland the secretariat prints the overview for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KkrMeeting {
    pub date: Date,
    /// Danish, e.g. "KKR Midtjyllands møde 9. september 2020".
    pub name: &'static str,
}

/// The meetings of KKR Midtjylland in the seed's papers where DK2020's
/// enrolment was on the agenda: the overview offers them as "as of" dates.
pub const KKR_MEETINGS: [KkrMeeting; 2] = [
    KkrMeeting { date: jiff::civil::date(2020, 9, 9), name: "KKR Midtjyllands møde 9. september 2020" },
    KkrMeeting { date: jiff::civil::date(2020, 11, 13), name: "KKR Midtjyllands møde 13. november 2020" },
];

/// The KKR meeting held on `date`, if any.
pub fn kkr_meeting(date: Date) -> Option<&'static KkrMeeting> {
    KKR_MEETINGS.iter().find(|m| m.date == date)
}

impl Enrolment {
    /// The known state of August 2020: Aarhus (751), Randers (730), Samsø (741)
    /// and Lemvig (665) already in, the other 15 undecided, no history.
    pub fn initial_state() -> Self {
        Self(
            MunicipalityCode::all()
                .into_iter()
                .map(|code| MunicipalityEnrolment {
                    municipality: code,
                    status: if PILOT_MUNICIPALITIES.contains(&code.get()) {
                        EnrolmentStatus::AlreadyIn
                    } else {
                        EnrolmentStatus::Undecided
                    },
                    history: Vec::new(),
                })
                .collect(),
        )
    }

    /// The initial state with recorded changes applied in order (e.g. as a
    /// store keeps them); see [`Enrolment::record`].
    pub fn replay(changes: impl IntoIterator<Item = StatusChange>) -> Result<Self, TransitionError> {
        let mut state = Self::initial_state();
        for change in changes {
            state.record(change)?;
        }
        Ok(state)
    }

    pub fn get(&self, municipality: MunicipalityCode) -> &MunicipalityEnrolment {
        self.0.iter().find(|e| e.municipality == municipality).expect("the enrolment state holds all 19 municipalities")
    }

    fn get_mut(&mut self, municipality: MunicipalityCode) -> &mut MunicipalityEnrolment {
        self.0
            .iter_mut()
            .find(|e| e.municipality == municipality)
            .expect("the enrolment state holds all 19 municipalities")
    }

    pub fn status(&self, municipality: MunicipalityCode) -> EnrolmentStatus {
        self.get(municipality).status
    }

    pub fn history(&self, municipality: MunicipalityCode) -> &[StatusChange] {
        &self.get(municipality).history
    }

    /// Every recorded change of every municipality, oldest first (ties by code).
    pub fn all_changes(&self) -> Vec<&StatusChange> {
        let mut all: Vec<&StatusChange> = self.0.iter().flat_map(|e| e.history.iter()).collect();
        all.sort_by_key(|c| (c.at, c.municipality));
        all
    }

    pub fn iter(&self) -> impl Iterator<Item = &MunicipalityEnrolment> {
        self.0.iter()
    }

    /// Sets a municipality's status, keeping the change in its history.
    ///
    /// `at` is when the change is made; `decided_on` of an enrolment may not
    /// be after `at`'s Copenhagen date. The note is trimmed (empty means none)
    /// and at most [`MAX_NOTE_CHARS`] characters. Refused: a round `rounds`
    /// does not define, the same status again, enrolling a pilot municipality
    /// in a round, and a change dated before the last one. Everything else is
    /// allowed, as councils may change their minds (e.g. declined, then
    /// enrolled in round 2). Who may change is the API's concern.
    pub fn change(
        &mut self,
        municipality: MunicipalityCode,
        new_status: EnrolmentStatus,
        by: Actor,
        at: Timestamp,
        note: Option<String>,
        rounds: &Rounds,
    ) -> Result<StatusChange, TransitionError> {
        let note = checked_note(note)?;
        if let EnrolmentStatus::Enrolled { round, decided_on } = new_status {
            if rounds.get(round).is_none() {
                return Err(TransitionError::UnknownRound {
                    round,
                    defined: rounds.iter().map(|r| r.number).collect(),
                });
            }
            let today = local(at).date();
            if decided_on > today {
                return Err(TransitionError::DecisionInFuture { decided_on, today });
            }
        }
        let current = self.status(municipality);
        if current == new_status {
            return Err(TransitionError::Unchanged { municipality, status: current });
        }
        if current == EnrolmentStatus::AlreadyIn && new_status.kind() == StatusKind::Enrolled {
            return Err(TransitionError::PilotCannotEnrol { municipality });
        }
        let change = StatusChange { municipality, from: current, to: new_status, by, at, note };
        self.record(change.clone())?;
        Ok(change)
    }

    /// Appends a change that was made earlier (e.g. loaded from a store). It
    /// must start from the current status and not be dated before the last
    /// change; the rules of [`Enrolment::change`] are not checked again, so a
    /// history made under other rounds still loads.
    pub fn record(&mut self, change: StatusChange) -> Result<(), TransitionError> {
        let entry = self.get_mut(change.municipality);
        follows(&change, entry.status, entry.history.last())?;
        entry.status = change.to;
        entry.history.push(change);
        Ok(())
    }
}

/// Whether `change` may be appended to a stored history whose last change of
/// that municipality is `last` (`None` before its first: the initial state
/// applies), by the rules of [`Enrolment::record`]. Stores call this inside
/// their write, so that a concurrent change makes it fail.
pub fn may_follow(change: &StatusChange, last: Option<&StatusChange>) -> Result<(), TransitionError> {
    let current = last.map_or_else(|| Enrolment::initial_state().status(change.municipality), |l| l.to);
    follows(change, current, last)
}

fn follows(
    change: &StatusChange,
    current: EnrolmentStatus,
    last: Option<&StatusChange>,
) -> Result<(), TransitionError> {
    if change.from != current {
        return Err(TransitionError::StaleFrom { municipality: change.municipality, from: change.from, current });
    }
    if let Some(last) = last
        && change.at < last.at
    {
        return Err(TransitionError::BeforeLastChange {
            municipality: change.municipality,
            at: change.at,
            last: last.at,
        });
    }
    Ok(())
}

impl Default for Enrolment {
    fn default() -> Self {
        Self::initial_state()
    }
}

impl TryFrom<Vec<MunicipalityEnrolment>> for Enrolment {
    type Error = EnrolmentStateError;
    fn try_from(mut entries: Vec<MunicipalityEnrolment>) -> Result<Self, Self::Error> {
        entries.sort_by_key(|e| e.municipality);
        for pair in entries.windows(2) {
            if pair[0].municipality == pair[1].municipality {
                return Err(EnrolmentStateError::Duplicate(pair[0].municipality));
            }
        }
        if let Some(code) = MunicipalityCode::all().into_iter().find(|c| entries.iter().all(|e| e.municipality != *c)) {
            return Err(EnrolmentStateError::Missing(code));
        }
        for entry in &entries {
            let mut at = None;
            for (i, change) in entry.history.iter().enumerate() {
                if change.municipality != entry.municipality {
                    return Err(EnrolmentStateError::ForeignEntry {
                        municipality: entry.municipality,
                        other: change.municipality,
                    });
                }
                if i > 0 && change.from != entry.history[i - 1].to {
                    return Err(TransitionError::StaleFrom {
                        municipality: entry.municipality,
                        from: change.from,
                        current: entry.history[i - 1].to,
                    }
                    .into());
                }
                if let Some(last) = at
                    && change.at < last
                {
                    return Err(TransitionError::BeforeLastChange {
                        municipality: entry.municipality,
                        at: change.at,
                        last,
                    }
                    .into());
                }
                at = Some(change.at);
            }
            if let Some(last) = entry.history.last()
                && last.to != entry.status
            {
                return Err(EnrolmentStateError::StatusMismatch {
                    municipality: entry.municipality,
                    status: entry.status,
                    last: last.to,
                });
            }
        }
        Ok(Self(entries))
    }
}

impl From<Enrolment> for Vec<MunicipalityEnrolment> {
    fn from(enrolment: Enrolment) -> Self {
        enrolment.0
    }
}

fn checked_note(note: Option<String>) -> Result<Option<String>, TransitionError> {
    let Some(note) = note else { return Ok(None) };
    let note = note.trim();
    if note.is_empty() {
        return Ok(None);
    }
    let chars = note.chars().count();
    if chars > MAX_NOTE_CHARS {
        return Err(TransitionError::NoteTooLong { chars, max: MAX_NOTE_CHARS });
    }
    if note.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
        return Err(TransitionError::NoteControlCharacters);
    }
    Ok(Some(note.to_string()))
}

// ---------------------------------------------------------------------------
// Overview
// ---------------------------------------------------------------------------

/// How a round's count compares with the expected range.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ExpectedRange {
    Below,
    Within,
    Above,
}

/// One municipality of the overview table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct OverviewRow {
    pub code: MunicipalityCode,
    pub name: String,
    /// Inhabitants.
    pub population: u32,
    pub status: StatusKind,
    /// 1 or 2 when enrolled, otherwise `null`.
    pub round: Option<RoundNumber>,
    /// The council's decision date when enrolled, otherwise `null`.
    #[cfg_attr(feature = "openapi", schemars(schema_with = "crate::openapi::optional_civil_date"))]
    pub decided_on: Option<Date>,
}

impl OverviewRow {
    /// The row's status as a value, if its parts are consistent.
    pub fn enrolment_status(&self) -> Option<EnrolmentStatus> {
        EnrolmentStatus::from_parts(self.status, self.round, self.decided_on).ok()
    }
}

/// A municipality as a member of a group.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct GroupMember {
    pub code: MunicipalityCode,
    pub name: String,
    pub population: u32,
}

/// A set of municipalities with their count and the population they cover.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Group {
    pub count: usize,
    /// Inhabitants of the members.
    pub population: u64,
    /// The members' share of the region's population, in percent (0-100).
    #[cfg_attr(feature = "openapi", schemars(range(min = 0.0, max = 100.0)))]
    pub share_of_region: f64,
    /// Ordered like the overview's rows.
    pub municipalities: Vec<GroupMember>,
}

/// The municipalities enrolled in one round, against the expected range.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct RoundSummary {
    pub number: RoundNumber,
    #[cfg_attr(feature = "openapi", schemars(schema_with = "crate::openapi::civil_date"))]
    pub deadline: Date,
    pub expected_min: u8,
    pub expected_max: u8,
    /// The deadline is only expected: say its month, not the day.
    pub deadline_expected: bool,
    pub compared_to_expected: ExpectedRange,
    #[serde(flatten)]
    pub group: Group,
}

/// The enrolment overview for the KKR (`GET /api/enrolment`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct EnrolmentOverview {
    /// Statuses as they were at the end of this (Copenhagen) date.
    #[cfg_attr(feature = "openapi", schemars(schema_with = "crate::openapi::civil_date"))]
    pub as_of: Date,
    /// Inhabitants of the whole region.
    pub region_population: u64,
    /// All municipalities, ordered by name (Danish alphabet, then code).
    pub municipalities: Vec<OverviewRow>,
    /// One entry per defined round, by number (plus any round someone is
    /// enrolled in that is no longer defined, with its default definition).
    pub rounds: Vec<RoundSummary>,
    /// In from the pilot.
    pub already_in: Group,
    /// Enrolled in any round.
    pub enrolled: Group,
    /// In DK2020 overall: already in plus enrolled.
    pub in_dk2020: Group,
    pub council_considering: Group,
    pub undecided: Group,
    pub declined: Group,
}

impl EnrolmentOverview {
    pub fn round(&self, number: RoundNumber) -> Option<&RoundSummary> {
        self.rounds.iter().find(|r| r.number == number)
    }
}

/// The overview of the enrolment as it was at the end of `as_of`: changes
/// recorded (Copenhagen date of [`StatusChange::at`]) after that date are
/// ignored. Populations come from `municipalities`.
pub fn overview(
    enrolment: &Enrolment,
    municipalities: &Municipalities,
    rounds: &Rounds,
    as_of: Date,
) -> EnrolmentOverview {
    let region_population = municipalities.total_population();
    let mut list: Vec<(&Municipality, EnrolmentStatus)> =
        municipalities.iter().map(|m| (m, enrolment.get(m.code).status_as_of(as_of))).collect();
    list.sort_by(|(a, _), (b, _)| danish_cmp(&a.name, &b.name).then(a.code.cmp(&b.code)));

    let group = |pred: &dyn Fn(EnrolmentStatus) -> bool| {
        let members: Vec<GroupMember> = list
            .iter()
            .filter(|(_, s)| pred(*s))
            .map(|(m, _)| GroupMember { code: m.code, name: m.name.clone(), population: m.population.inhabitants })
            .collect();
        let population: u64 = members.iter().map(|m| u64::from(m.population)).sum();
        Group {
            count: members.len(),
            population,
            share_of_region: share_percent(population, region_population),
            municipalities: members,
        }
    };

    let mut round_defs: Vec<Round> = rounds.iter().copied().collect();
    for (_, status) in &list {
        if let Some(number) = status.round()
            && !round_defs.iter().any(|r| r.number == number)
        {
            round_defs.push(Round::default_for(number));
        }
    }
    round_defs.sort_by_key(|r| r.number);

    let round_summaries = round_defs
        .iter()
        .map(|round| {
            let group = group(&|s| s.round() == Some(round.number));
            RoundSummary {
                number: round.number,
                deadline: round.deadline,
                expected_min: round.expected_min,
                expected_max: round.expected_max,
                deadline_expected: round.deadline_expected,
                compared_to_expected: round.compare(group.count),
                group,
            }
        })
        .collect();

    EnrolmentOverview {
        as_of,
        region_population,
        municipalities: list
            .iter()
            .map(|(m, s)| OverviewRow {
                code: m.code,
                name: m.name.clone(),
                population: m.population.inhabitants,
                status: s.kind(),
                round: s.round(),
                decided_on: s.decided_on(),
            })
            .collect(),
        rounds: round_summaries,
        already_in: group(&|s| s == EnrolmentStatus::AlreadyIn),
        enrolled: group(&|s| s.kind() == StatusKind::Enrolled),
        in_dk2020: group(&|s| s.is_in_dk2020()),
        council_considering: group(&|s| s == EnrolmentStatus::CouncilConsidering),
        undecided: group(&|s| s == EnrolmentStatus::Undecided),
        declined: group(&|s| s == EnrolmentStatus::Declined),
    }
}

fn share_percent(part: u64, whole: u64) -> f64 {
    if whole == 0 { 0.0 } else { part as f64 * 100.0 / whole as f64 }
}

/// Compares names in Danish alphabetical order: case-insensitive, with æ, ø
/// and å after z. ("Aarhus" is kept under A, as the municipality itself and
/// KL's lists do.)
fn danish_cmp(a: &str, b: &str) -> Ordering {
    // Spaces, hyphens and digits first, then a-z, then æ ø å, then the rest.
    fn weight(c: char) -> u32 {
        let c = c.to_lowercase().next().unwrap_or(c);
        match c {
            'æ' | 'ä' => 1_000 + 26,
            'ø' | 'ö' => 1_000 + 27,
            'å' => 1_000 + 28,
            'a'..='z' => 1_000 + (c as u32 - 'a' as u32),
            c if c.is_ascii() => c as u32,
            c => 2_000 + c as u32,
        }
    }
    a.chars().map(weight).cmp(b.chars().map(weight)).then_with(|| a.cmp(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(n: u16) -> MunicipalityCode {
        MunicipalityCode::new(n).unwrap()
    }

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn enrolled(round: u8, decided_on: Date) -> EnrolmentStatus {
        EnrolmentStatus::Enrolled { round: RoundNumber::new(round).unwrap(), decided_on }
    }

    const ROUND_1_EIGHT: [u16; 8] = [779, 615, 791, 740, 657, 746, 661, 760];

    fn with_eight_in_round_1() -> Enrolment {
        let mut e = Enrolment::initial_state();
        for (i, c) in ROUND_1_EIGHT.into_iter().enumerate() {
            let at = ts("2020-10-15T10:00:00Z") + jiff::SignedDuration::from_mins(i as i64);
            e.change(code(c), enrolled(1, date(2020, 10, 14)), Actor::Secretariat, at, None, &Rounds::default())
                .unwrap();
        }
        e
    }

    #[test]
    fn the_initial_overview_shows_the_four_pilots_already_in() {
        let o =
            overview(&Enrolment::initial_state(), &Municipalities::builtin(), &Rounds::default(), date(2020, 8, 28));
        assert_eq!(o.already_in.count, 4);
        let codes: Vec<u16> = o.already_in.municipalities.iter().map(|m| m.code.get()).collect();
        assert_eq!(codes, [751, 665, 730, 741]); // Aarhus, Lemvig, Randers, Samsø
        assert_eq!(o.already_in.population, 340_421 + 98_265 + 3_720 + 20_133);
        let expected = (340_421.0 + 98_265.0 + 3_720.0 + 20_133.0) * 100.0 / 1_313_596.0;
        assert!((o.already_in.share_of_region - expected).abs() < 1e-9, "{}", o.already_in.share_of_region);
        assert_eq!(o.undecided.count, 15);
        assert_eq!(o.in_dk2020.count, 4);
        assert_eq!(o.enrolled.count, 0);
        assert_eq!(o.region_population, 1_313_596);
        for r in &o.rounds {
            assert_eq!(r.group.count, 0);
            assert_eq!(r.compared_to_expected, ExpectedRange::Below);
        }
    }

    #[test]
    fn eight_enrolled_in_round_1_are_within_the_expected_seven_to_eight() {
        let o = overview(&with_eight_in_round_1(), &Municipalities::builtin(), &Rounds::default(), date(2020, 11, 13));
        let r1 = o.round(RoundNumber::FIRST).unwrap();
        assert_eq!(r1.group.count, 8);
        assert_eq!(r1.compared_to_expected, ExpectedRange::Within);
        assert_eq!(r1.deadline, date(2020, 10, 21));
        let population: u64 = ROUND_1_EIGHT
            .iter()
            .map(|c| u64::from(Municipalities::builtin().get(code(*c)).population.inhabitants))
            .sum();
        assert_eq!(r1.group.population, population);
        assert_eq!(o.round(RoundNumber::SECOND).unwrap().group.count, 0);
        assert_eq!(o.in_dk2020.count, 12);
        assert_eq!(o.in_dk2020.population, population + 462_539);
        assert_eq!(o.undecided.count, 7);
    }

    #[test]
    fn a_ninth_enrolment_in_a_round_is_above_the_expected_range() {
        let mut e = with_eight_in_round_1();
        e.change(
            code(710),
            enrolled(1, date(2020, 10, 20)),
            Actor::Secretariat,
            ts("2020-10-21T08:00:00Z"),
            None,
            &Rounds::default(),
        )
        .unwrap();
        let o = overview(&e, &Municipalities::builtin(), &Rounds::default(), date(2020, 11, 13));
        assert_eq!(o.round(RoundNumber::FIRST).unwrap().compared_to_expected, ExpectedRange::Above);
    }

    #[test]
    fn a_change_recorded_after_the_as_of_date_is_not_counted() {
        let mut e = Enrolment::initial_state();
        let rounds = Rounds::default();
        e.change(
            code(779),
            enrolled(1, date(2020, 10, 1)),
            Actor::Secretariat,
            ts("2020-10-01T12:00:00Z"),
            None,
            &rounds,
        )
        .unwrap();
        // Recorded at 23:30 Copenhagen time on 20 October (21:30 UTC, summer time).
        e.change(
            code(615),
            enrolled(1, date(2020, 10, 20)),
            Actor::Secretariat,
            ts("2020-10-20T21:30:00Z"),
            None,
            &rounds,
        )
        .unwrap();
        // Recorded on 22 October: after the as_of date.
        e.change(code(779), EnrolmentStatus::Declined, Actor::Secretariat, ts("2020-10-22T09:00:00Z"), None, &rounds)
            .unwrap();

        let o = overview(&e, &Municipalities::builtin(), &rounds, date(2020, 10, 20));
        let r1 = o.round(RoundNumber::FIRST).unwrap();
        let names: Vec<&str> = r1.group.municipalities.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["Horsens", "Skive"]);
        assert_eq!(o.declined.count, 0);

        let before = overview(&e, &Municipalities::builtin(), &rounds, date(2020, 9, 30));
        assert_eq!(before.enrolled.count, 0);
        assert_eq!(before.undecided.count, 15);

        let after = overview(&e, &Municipalities::builtin(), &rounds, date(2020, 10, 22));
        assert_eq!(after.round(RoundNumber::FIRST).unwrap().group.count, 1);
        assert_eq!(after.declined.municipalities[0].name, "Skive");
    }

    #[test]
    fn enrolling_in_a_round_that_is_not_defined_is_refused() {
        let only_round_1 = Rounds::new(vec![Round::default_for(RoundNumber::FIRST)]).unwrap();
        let mut e = Enrolment::initial_state();
        let err = e
            .change(
                code(779),
                enrolled(2, date(2020, 10, 1)),
                Actor::Secretariat,
                ts("2020-10-02T08:00:00Z"),
                None,
                &only_round_1,
            )
            .unwrap_err();
        assert!(matches!(err, TransitionError::UnknownRound { .. }));
        assert_eq!(err.to_string(), "round 2 is not defined (defined: 1); choose one of the defined rounds");
        assert_eq!(e.status(code(779)), EnrolmentStatus::Undecided);
        assert!(e.history(code(779)).is_empty());
        // Round 6 cannot even be expressed; round 3 only once the secretariat adds it.
        assert!(RoundNumber::new(6).is_err());
        assert!(
            serde_json::from_str::<EnrolmentStatus>(r#"{"status":"enrolled","round":6,"decided_on":"2020-10-20"}"#)
                .is_err()
        );
    }

    #[test]
    fn history_keeps_who_when_and_the_note_in_order() {
        let mut e = Enrolment::initial_state();
        let rounds = Rounds::default();
        let skive = code(779);
        let t1 = ts("2020-09-01T08:00:00Z");
        let t2 = ts("2020-10-20T14:00:00Z");
        let t3 = ts("2021-03-01T09:00:00Z");
        let t4 = ts("2021-09-30T09:00:00Z");
        e.change(
            skive,
            EnrolmentStatus::CouncilConsidering,
            Actor::Secretariat,
            t1,
            Some("  På byrådsmødet 29/9  ".into()),
            &rounds,
        )
        .unwrap();
        e.change(skive, EnrolmentStatus::Declined, Actor::Secretariat, t2, None, &rounds).unwrap();
        e.change(skive, EnrolmentStatus::CouncilConsidering, Actor::Coordinator, t3, Some(String::new()), &rounds)
            .unwrap();
        let last = e
            .change(
                skive,
                enrolled(2, date(2021, 9, 28)),
                Actor::Secretariat,
                t4,
                Some("Ny beslutning".into()),
                &rounds,
            )
            .unwrap();

        let h = e.history(skive);
        assert_eq!(h.len(), 4);
        assert_eq!(h.iter().map(|c| c.at).collect::<Vec<_>>(), [t1, t2, t3, t4]);
        assert_eq!(h[0].from, EnrolmentStatus::Undecided);
        assert_eq!(h[0].note.as_deref(), Some("På byrådsmødet 29/9"));
        assert_eq!(h[1].to, EnrolmentStatus::Declined);
        assert_eq!(h[2].by, Actor::Coordinator);
        assert_eq!(h[2].note, None);
        assert_eq!(h[3], last);
        assert_eq!(e.status(skive), enrolled(2, date(2021, 9, 28)));
        for pair in h.windows(2) {
            assert_eq!(pair[0].to, pair[1].from);
        }
        assert_eq!(e.all_changes().len(), 4);
    }

    #[test]
    fn the_same_status_again_is_reported_as_unchanged() {
        let mut e = Enrolment::initial_state();
        let err = e
            .change(
                code(751),
                EnrolmentStatus::AlreadyIn,
                Actor::Secretariat,
                ts("2020-09-01T08:00:00Z"),
                None,
                &Rounds::default(),
            )
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "the status of Aarhus is already \"already in from the pilot\"; nothing was changed"
        );
        assert!(e.history(code(751)).is_empty());
    }

    #[test]
    fn a_pilot_municipality_cannot_enrol_in_a_round() {
        let mut e = Enrolment::initial_state();
        let err = e
            .change(
                code(730),
                enrolled(1, date(2020, 10, 1)),
                Actor::Secretariat,
                ts("2020-10-02T08:00:00Z"),
                None,
                &Rounds::default(),
            )
            .unwrap_err();
        assert_eq!(err, TransitionError::PilotCannotEnrol { municipality: code(730) });
        assert!(err.to_string().starts_with("Randers is already in DK2020 from the pilot"));
    }

    #[test]
    fn a_council_decision_dated_in_the_future_is_refused() {
        let mut e = Enrolment::initial_state();
        // 23:30 on 20 October in Copenhagen is still the 20th: the 20th is fine, the 21st is not.
        let at = ts("2020-10-20T21:30:00Z");
        let err = e
            .change(code(779), enrolled(1, date(2020, 10, 21)), Actor::Secretariat, at, None, &Rounds::default())
            .unwrap_err();
        assert_eq!(
            err,
            TransitionError::DecisionInFuture { decided_on: date(2020, 10, 21), today: date(2020, 10, 20) }
        );
        assert!(
            e.change(code(779), enrolled(1, date(2020, 10, 20)), Actor::Secretariat, at, None, &Rounds::default())
                .is_ok()
        );
    }

    #[test]
    fn notes_longer_than_500_characters_are_refused() {
        let mut e = Enrolment::initial_state();
        let at = ts("2020-09-01T08:00:00Z");
        let long = "æ".repeat(501);
        let err = e
            .change(
                code(779),
                EnrolmentStatus::CouncilConsidering,
                Actor::Secretariat,
                at,
                Some(long),
                &Rounds::default(),
            )
            .unwrap_err();
        assert_eq!(err, TransitionError::NoteTooLong { chars: 501, max: 500 });
        assert!(
            e.change(
                code(779),
                EnrolmentStatus::CouncilConsidering,
                Actor::Secretariat,
                at,
                Some("ø".repeat(500)),
                &Rounds::default()
            )
            .is_ok()
        );
    }

    #[test]
    fn a_council_can_change_its_mind_from_declined_to_round_2() {
        let mut e = Enrolment::initial_state();
        let rounds = Rounds::default();
        e.change(code(706), EnrolmentStatus::Declined, Actor::Secretariat, ts("2020-10-20T08:00:00Z"), None, &rounds)
            .unwrap();
        e.change(
            code(706),
            enrolled(2, date(2021, 8, 30)),
            Actor::Secretariat,
            ts("2021-09-01T08:00:00Z"),
            None,
            &rounds,
        )
        .unwrap();
        let o = overview(&e, &Municipalities::builtin(), &rounds, date(2021, 11, 1));
        assert_eq!(o.round(RoundNumber::SECOND).unwrap().group.municipalities[0].name, "Syddjurs");
    }

    #[test]
    fn a_change_dated_before_the_last_one_is_refused() {
        let mut e = Enrolment::initial_state();
        let rounds = Rounds::default();
        e.change(code(779), EnrolmentStatus::Declined, Actor::Secretariat, ts("2020-10-20T08:00:00Z"), None, &rounds)
            .unwrap();
        let err = e
            .change(
                code(779),
                EnrolmentStatus::Undecided,
                Actor::Secretariat,
                ts("2020-10-19T08:00:00Z"),
                None,
                &rounds,
            )
            .unwrap_err();
        assert!(matches!(err, TransitionError::BeforeLastChange { .. }));
    }

    #[test]
    fn a_status_has_the_flat_json_of_the_api() {
        let s = enrolled(1, date(2020, 10, 20));
        assert_eq!(serde_json::to_string(&s).unwrap(), r#"{"status":"enrolled","round":1,"decided_on":"2020-10-20"}"#);
        assert_eq!(
            serde_json::to_string(&EnrolmentStatus::Undecided).unwrap(),
            r#"{"status":"undecided","round":null}"#
        );
        assert_eq!(
            serde_json::to_string(&EnrolmentStatus::CouncilConsidering).unwrap(),
            r#"{"status":"council_considering","round":null}"#
        );
        for status in [s, EnrolmentStatus::AlreadyIn, EnrolmentStatus::Declined, EnrolmentStatus::Undecided] {
            let json = serde_json::to_string(&status).unwrap();
            assert_eq!(serde_json::from_str::<EnrolmentStatus>(&json).unwrap(), status);
        }
        assert_eq!(
            serde_json::from_str::<EnrolmentStatus>(r#"{"status":"declined"}"#).unwrap(),
            EnrolmentStatus::Declined
        );
    }

    #[test]
    fn an_inconsistent_status_is_refused_with_what_is_missing() {
        let err = serde_json::from_str::<EnrolmentStatus>(r#"{"status":"enrolled","round":1}"#).unwrap_err();
        assert!(err.to_string().contains("decided_on"), "{err}");
        let err =
            serde_json::from_str::<EnrolmentStatus>(r#"{"status":"enrolled","decided_on":"2020-10-20"}"#).unwrap_err();
        assert!(err.to_string().contains("round"), "{err}");
        assert!(serde_json::from_str::<EnrolmentStatus>(r#"{"status":"declined","round":2}"#).is_err());
        assert!(serde_json::from_str::<EnrolmentStatus>(r#"{"status":"joined"}"#).is_err());
    }

    #[test]
    fn a_put_request_carries_the_status_and_a_note() {
        let req: StatusChangeRequest =
            serde_json::from_str(r#"{"status":"enrolled","round":1,"decided_on":"2020-10-20","note":"Byrådet 20/10"}"#)
                .unwrap();
        assert_eq!(req.status, enrolled(1, date(2020, 10, 20)));
        assert_eq!(req.note.as_deref(), Some("Byrådet 20/10"));
        let req: StatusChangeRequest = serde_json::from_str(r#"{"status":"undecided","round":null}"#).unwrap();
        assert_eq!(req, StatusChangeRequest { status: EnrolmentStatus::Undecided, note: None });
        assert!(serde_json::from_str::<StatusChangeRequest>(r#"{"status":"enrolled","note":"x"}"#).is_err());
    }

    #[test]
    fn the_overview_json_has_flat_status_and_round_per_municipality() {
        let e = with_eight_in_round_1();
        let o = overview(&e, &Municipalities::builtin(), &Rounds::default(), date(2020, 11, 13));
        let v = serde_json::to_value(&o).unwrap();
        assert_eq!(v["as_of"], "2020-11-13");
        let rows = v["municipalities"].as_array().unwrap();
        assert_eq!(rows.len(), 19);
        assert_eq!(rows[0]["name"], "Aarhus");
        assert_eq!(rows[0]["code"], 751);
        assert_eq!(rows[0]["status"], "already_in");
        assert!(rows[0]["round"].is_null());
        assert!(rows[0]["decided_on"].is_null());
        let skive = rows.iter().find(|r| r["code"] == 779).unwrap();
        assert_eq!(skive["status"], "enrolled");
        assert_eq!(skive["round"], 1);
        assert_eq!(skive["decided_on"], "2020-10-14");
        assert_eq!(skive["population"], 46_599);
        let r1 = &v["rounds"][0];
        assert_eq!(r1["number"], 1);
        assert_eq!(r1["deadline"], "2020-10-21");
        assert_eq!(r1["count"], 8);
        assert_eq!(r1["expected_min"], 7);
        assert_eq!(r1["expected_max"], 8);
        assert_eq!(r1["compared_to_expected"], "within");
        assert_eq!(r1["municipalities"].as_array().unwrap().len(), 8);
        assert_eq!(v["rounds"][1]["deadline"], "2021-10-31");
        for key in ["already_in", "enrolled", "in_dk2020", "council_considering", "undecided", "declined"] {
            assert!(v[key]["count"].is_u64(), "{key}");
            assert!(v[key]["share_of_region"].is_f64(), "{key}");
        }
        let back: EnrolmentOverview = serde_json::from_value(v).unwrap();
        assert_eq!(back, o);
    }

    #[test]
    fn the_overview_lists_municipalities_in_danish_alphabetical_order() {
        let o =
            overview(&Enrolment::initial_state(), &Municipalities::builtin(), &Rounds::default(), date(2020, 8, 28));
        let names: Vec<&str> = o.municipalities.iter().map(|r| r.name.as_str()).collect();
        let mut sorted = names.clone();
        sorted.sort_by(|a, b| danish_cmp(a, b));
        assert_eq!(names, sorted);
        assert_eq!(names.first(), Some(&"Aarhus"));
        assert_eq!(names.last(), Some(&"Viborg"));
        assert_eq!(danish_cmp("Ærø", "Viborg"), Ordering::Greater);
        assert_eq!(danish_cmp("Åbenrå", "Ærø"), Ordering::Greater);
    }

    #[test]
    fn a_saved_state_loads_back_and_a_tampered_one_is_refused() {
        let e = with_eight_in_round_1();
        let json = serde_json::to_string(&e).unwrap();
        assert_eq!(serde_json::from_str::<Enrolment>(&json).unwrap(), e);

        let mut entries: Vec<MunicipalityEnrolment> = e.clone().into();
        entries.retain(|m| m.municipality != code(779) || m.history.is_empty());
        assert_eq!(Enrolment::try_from(entries), Err(EnrolmentStateError::Missing(code(779))));

        let mut entries: Vec<MunicipalityEnrolment> = e.clone().into();
        let skive = entries.iter_mut().find(|m| m.municipality == code(779)).unwrap();
        skive.status = EnrolmentStatus::Declined;
        assert!(matches!(Enrolment::try_from(entries), Err(EnrolmentStateError::StatusMismatch { .. })));

        let replayed = Enrolment::replay(e.all_changes().into_iter().cloned()).unwrap();
        assert_eq!(replayed, e);
    }

    #[test]
    fn rounds_are_data_with_checked_definitions() {
        let rounds = Rounds::default();
        assert_eq!(rounds.len(), 2);
        assert_eq!(rounds.get(RoundNumber::FIRST).unwrap().deadline, date(2020, 10, 21));
        let json = serde_json::to_string(&rounds).unwrap();
        assert_eq!(
            json,
            r#"[{"number":1,"deadline":"2020-10-21","expected_min":7,"expected_max":8,"deadline_expected":false},{"number":2,"deadline":"2021-10-31","expected_min":7,"expected_max":8,"deadline_expected":true}]"#
        );
        assert_eq!(serde_json::from_str::<Rounds>(&json).unwrap(), rounds);
        let r1 = Round::default_for(RoundNumber::FIRST);
        assert_eq!(Rounds::new(vec![r1, r1]), Err(RoundsError::Duplicate(RoundNumber::FIRST)));
        let bad = Round { expected_min: 9, ..r1 };
        assert!(matches!(Rounds::new(vec![bad]), Err(RoundsError::ExpectedRange { .. })));
        let early = Round { number: RoundNumber::SECOND, deadline: date(2020, 1, 1), ..r1 };
        assert!(matches!(Rounds::new(vec![r1, early]), Err(RoundsError::DeadlineOrder { .. })));
    }

    #[test]
    fn a_later_round_can_be_added_and_removed_only_while_nobody_was_enrolled_in_it() {
        let rounds = Rounds::default();
        let third = rounds.next_round().unwrap();
        assert_eq!((third.number.get(), third.deadline, third.deadline_expected), (3, date(2022, 10, 31), true));
        assert!(RoundNumber::new(3).is_ok() && RoundNumber::new(6).is_err() && RoundNumber::new(0).is_err());
        let with_third = Rounds::new(rounds.iter().copied().chain([third]).collect()).unwrap();
        assert_eq!(with_third.len(), 3);
        // Nobody enrolled in round 3: it may go again.
        assert_eq!(with_third.removed_in_use(&rounds, &[]), None);
        let mut e = Enrolment::initial_state();
        let skive = code(779);
        let decided = EnrolmentStatus::Enrolled { round: third.number, decided_on: date(2022, 6, 1) };
        let change =
            e.change(skive, decided, Actor::Secretariat, ts("2022-06-02T10:00:00Z"), None, &with_third).unwrap();
        // Round 3 is not defined by default: enrolling in it is refused there.
        assert!(
            Enrolment::initial_state()
                .change(skive, decided, Actor::Secretariat, ts("2022-06-02T10:00:00Z"), None, &rounds)
                .is_err()
        );
        assert_eq!(e.status(skive), decided);
        assert_eq!(with_third.removed_in_use(&rounds, &[change]), Some(third.number));
        let sixth = Round { number: RoundNumber(6), ..third };
        assert!(Rounds(vec![sixth]).next_round().is_none());
    }

    #[test]
    fn the_overview_knows_kkrs_meetings_by_their_date() {
        assert_eq!(kkr_meeting(date(2020, 11, 13)).map(|m| m.name), Some("KKR Midtjyllands møde 13. november 2020"));
        assert_eq!(kkr_meeting(date(2020, 9, 9)).map(|m| m.name), Some("KKR Midtjyllands møde 9. september 2020"));
        assert!(kkr_meeting(date(2020, 11, 12)).is_none());
    }

    #[test]
    fn round_twos_deadline_is_shown_as_expected_until_it_is_set() {
        let second = Round::default_for(RoundNumber::SECOND);
        assert!(second.deadline_expected);
        assert_eq!(Round::deadline_da(second.deadline, second.deadline_expected), "forventet oktober 2021");
        let first = Round::default_for(RoundNumber::FIRST);
        assert_eq!(Round::deadline_da(first.deadline, first.deadline_expected), "21. oktober 2020");
        let set: Round =
            serde_json::from_str(r#"{"number": 2, "deadline": "2021-10-29", "expected_min": 7, "expected_max": 8}"#)
                .unwrap();
        assert!(!set.deadline_expected, "a date the secretariat set is firm");
        let seeded: Round =
            serde_json::from_str(r#"{"number": 2, "deadline": "2021-10-31", "expected_min": 7, "expected_max": 8}"#)
                .unwrap();
        assert!(seeded.deadline_expected, "an earlier seed's placeholder is still only expected");
    }
}
