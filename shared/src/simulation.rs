//! A season of bookings played through the model, to compare scheduling
//! rules by what they do to each municipality (`cargo xtask simulate`).
//!
//! Each of the 19 municipalities asks for sessions at times spread over the
//! season ([`Demand`]). A request arrives on a day, wishes a session from
//! some days later on, and books the first offered slot ([`open_slots`]) on
//! or after that wish, through [`lifecycle::book`] as the API does. When
//! nothing is offered (no free time, or the municipality already holds its
//! cap of upcoming sessions) it tries again the next morning, for at most
//! `patience_days`; then it counts as not served. Some bookings are
//! cancelled by the municipality before they take place: those requests are
//! withdrawn and count neither way.
//!
//! Deterministic: the same season and seed give the same result on every
//! machine and every version, which is why the random numbers come from
//! [`SplitMix64`] written out here (eight lines) rather than a crate whose
//! generators are not promised to stay value-stable between releases.

use jiff::{
    Timestamp, ToSpan,
    civil::{Date, Time},
};
use serde::{Deserialize, Serialize};

use crate::{
    actor::Actor,
    api::BookingRequest,
    booking::{Booking, BookingId, ContactName, Email, SessionKind, Topic},
    lifecycle::{self, Snapshot},
    municipality::{Municipalities, MunicipalityCode},
    schedule::{Availability, SlotQuery, SlotsError, open_slots},
    time::COPENHAGEN,
};

/// How the requests are spread over the municipalities and the season.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Demand {
    /// The same number of requests from every municipality, spread evenly.
    Equal,
    /// Requests in proportion to the population (at least one each).
    PerCapita,
    /// As `Equal`, but most requests arrive in the weeks before a deadline
    /// in the middle of the season.
    Burst,
}

impl Demand {
    pub const ALL: [Demand; 3] = [Demand::Equal, Demand::PerCapita, Demand::Burst];

    pub fn name(self) -> &'static str {
        match self {
            Demand::Equal => "equal",
            Demand::PerCapita => "per_capita",
            Demand::Burst => "burst",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.name() == s.replace('-', "_"))
    }
}

/// One season to play.
#[derive(Clone, Debug)]
pub struct Season {
    /// The first day requests arrive (a Monday is a natural choice).
    pub start: Date,
    /// Weeks in which requests arrive; the season is played on until every
    /// request is served or has given up.
    pub weeks: u32,
    pub demand: Demand,
    /// Requests per municipality (`Equal`, `Burst`), or the mean per
    /// municipality (`PerCapita`: 19 × this in all).
    pub requests_per_municipality: u32,
    /// Percent of requests that want an on-site visit; the rest online.
    pub onsite_percent: u32,
    /// Percent of bookings the municipality cancels again before the day.
    pub cancel_percent: u32,
    /// Days a request keeps trying before it gives up.
    pub patience_days: u32,
    pub seed: u64,
    /// Seasons played, with seeds `seed`, `seed + 1`, …; the result adds
    /// them up, so one lucky draw does not decide a comparison.
    pub runs: u32,
}

impl Season {
    /// A half-year from the first Monday of 2027, with demand above what one
    /// coordinator can serve: 24 requests per municipality (456 in all, 19
    /// a week), 75% of them on site; eight seasons added up.
    pub fn busy_half_year(demand: Demand, seed: u64) -> Self {
        Self {
            start: jiff::civil::date(2027, 1, 4),
            weeks: 24,
            demand,
            requests_per_municipality: 24,
            onsite_percent: 75,
            cancel_percent: 8,
            patience_days: 28,
            seed,
            runs: 8,
        }
    }
}

/// What one municipality got out of the season.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    pub municipality: MunicipalityCode,
    pub name: String,
    /// Requests made, less those withdrawn by a cancellation.
    pub requests: u32,
    /// Sessions held (booked and not cancelled).
    pub served: u32,
    pub onsite_served: u32,
    /// Requests that gave up after `patience_days`.
    pub gave_up: u32,
    /// The median of the days from a request's arrival to its session, for
    /// the requests served; `None` if none was.
    pub median_wait_days: Option<u32>,
}

impl Outcome {
    /// The share of requests served, 0.0-1.0 (1.0 when nothing was asked).
    pub fn share(&self) -> f64 {
        if self.requests == 0 { 1.0 } else { f64::from(self.served) / f64::from(self.requests) }
    }
}

/// The result of one season under one set of rules.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SeasonResult {
    /// In the order of [`Municipalities::iter`].
    pub outcomes: Vec<Outcome>,
}

impl SeasonResult {
    pub fn sessions_held(&self) -> u32 {
        self.outcomes.iter().map(|o| o.served).sum()
    }

    /// The least-served municipality's share ÷ the best-served one's, the
    /// fairness goal's measure (1.0 = everybody equally well served).
    pub fn fairness(&self) -> f64 {
        let shares = self.outcomes.iter().map(Outcome::share);
        let best = shares.clone().fold(0.0, f64::max);
        let least = shares.fold(1.0, f64::min);
        if best == 0.0 { 1.0 } else { least / best }
    }
}

/// The generator: SplitMix64 (Steele, Lea and Flood 2014), whose output for
/// a seed is fixed by its definition.
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0; the tiny modulo bias does not matter here).
    pub fn below(&mut self, n: u32) -> u32 {
        (self.next_u64() % u64::from(n.max(1))) as u32
    }
}

/// When in the day a session suits a municipality: a third want mornings
/// (starting before noon), a third afternoons, a third any time.
#[derive(Clone, Copy, PartialEq, Eq)]
enum DayPart {
    Morning,
    Afternoon,
    Any,
}

impl DayPart {
    fn suits(self, start: Timestamp) -> bool {
        let hour = COPENHAGEN.to_datetime(start).hour();
        match self {
            DayPart::Morning => hour < 12,
            DayPart::Afternoon => hour >= 12,
            DayPart::Any => true,
        }
    }
}

struct Request {
    municipality: MunicipalityCode,
    kind: SessionKind,
    arrives: Date,
    wish: Date,
    /// The part of the day that suits it.
    part: DayPart,
    cancels: bool,
    state: RequestState,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum RequestState {
    Waiting,
    Booked { booking: usize, day: Date },
    GaveUp,
}

/// The requests of a season, in arrival order.
fn requests(season: &Season, municipalities: &Municipalities, rng: &mut SplitMix64) -> Vec<Request> {
    let days = season.weeks.max(1) * 7;
    let n = season.requests_per_municipality;
    let total_population = municipalities.total_population().max(1);
    let count = |population: u64| match season.demand {
        Demand::Equal | Demand::Burst => n,
        Demand::PerCapita => {
            let all = u64::from(n) * municipalities.len() as u64;
            u32::try_from((all * population + total_population / 2) / total_population).unwrap_or(u32::MAX).max(1)
        }
    };
    let mut out = Vec::new();
    for m in municipalities.iter() {
        let k = count(u64::from(m.population.inhabitants));
        for i in 0..k {
            let day = match season.demand {
                // Evenly spread, each at a random day of its share of the season.
                Demand::Equal | Demand::PerCapita => (i * days + rng.below(days)) / k.max(1),
                // Two in three in the three weeks before the deadline at the
                // middle of the season, the rest spread over the season.
                Demand::Burst if rng.below(3) < 2 => (days / 2).saturating_sub(21) + rng.below(21),
                Demand::Burst => rng.below(days),
            };
            let arrives = season.start.checked_add(i64::from(day).days()).unwrap_or(season.start);
            let lead = 7 + rng.below(15);
            out.push(Request {
                municipality: m.code,
                kind: if rng.below(100) < season.onsite_percent { SessionKind::Onsite } else { SessionKind::Online },
                arrives,
                wish: arrives.checked_add(i64::from(lead).days()).unwrap_or(arrives),
                part: [DayPart::Morning, DayPart::Afternoon, DayPart::Any][rng.below(3) as usize],
                cancels: rng.below(100) < season.cancel_percent,
                state: RequestState::Waiting,
            });
        }
    }
    out.sort_by_key(|r| r.arrives);
    out
}

/// 07:00 in Copenhagen on `date`: when the simulated municipalities book.
fn morning(date: Date) -> Timestamp {
    COPENHAGEN
        .to_ambiguous_timestamp(date.to_datetime(Time::constant(7, 0, 0, 0)))
        .compatible()
        .unwrap_or(Timestamp::UNIX_EPOCH)
}

/// Plays `season` under `availability` (the rules to compare) and reports
/// per municipality, its runs added up. The random draws do not depend on
/// the rules, so two rule sets meet exactly the same requests.
pub fn play(season: &Season, availability: &Availability, municipalities: &Municipalities) -> SeasonResult {
    let mut tally: Vec<Tally> = municipalities.iter().map(|_| Tally::default()).collect();
    for run in 0..season.runs.max(1) {
        let (requests, bookings) =
            play_once(season, season.seed.wrapping_add(u64::from(run)), availability, municipalities);
        for (m, t) in municipalities.iter().zip(&mut tally) {
            t.add(requests.iter().filter(|r| r.municipality == m.code), &bookings);
        }
    }
    let outcomes = municipalities.iter().zip(tally).map(|(m, t)| t.outcome(m.code)).collect();
    SeasonResult { outcomes }
}

fn play_once(
    season: &Season,
    seed: u64,
    availability: &Availability,
    municipalities: &Municipalities,
) -> (Vec<Request>, Vec<Booking>) {
    let mut rng = SplitMix64::new(seed);
    let mut requests = requests(season, municipalities, &mut rng);
    // The order in which the waiting requests try each morning: shuffled
    // once per day, from a generator of its own so it is the same under
    // every rule set.
    let mut order_rng = SplitMix64::new(seed ^ 0x005E_ED0F_DA7E);
    let mut bookings: Vec<Booking> = Vec::new();
    let last_arrival = requests.last().map_or(season.start, |r| r.arrives);
    let end = last_arrival
        .checked_add(i64::from(season.patience_days + availability.rules.horizon_days + 1).days())
        .unwrap_or(last_arrival);
    let contact =
        (Topic::parse("Simulering").ok(), ContactName::parse("Simulering").ok(), Email::parse("sim@example.dk").ok());
    let (Some(topic), Some(name), Some(email)) = contact else { return (requests, bookings) };

    let mut day = season.start;
    while day <= end {
        let now = morning(day);
        // Cancellations: a booking to be cancelled is cancelled a week
        // before its day (or at once, if that is sooner).
        for r in requests.iter_mut().filter(|r| r.cancels) {
            if let RequestState::Booked { booking, day: session_day } = r.state
                && session_day.checked_sub(7.days()).map_or(true, |d| d <= day)
                && bookings[booking].is_confirmed()
                && let Ok((cancelled, _)) = lifecycle::cancel(
                    &bookings[booking],
                    Actor::Municipality { municipality: r.municipality },
                    None,
                    now,
                )
            {
                bookings[booking] = cancelled;
            }
        }
        let mut waiting: Vec<usize> = (0..requests.len())
            .filter(|&i| requests[i].arrives <= day && requests[i].state == RequestState::Waiting)
            .collect();
        for i in (1..waiting.len()).rev() {
            waiting.swap(i, order_rng.below(i as u32 + 1) as usize);
        }
        for i in waiting {
            let r = &requests[i];
            let confirmed: Vec<Booking> =
                bookings.iter().filter(|b| b.is_confirmed() && b.end.timestamp() > now).cloned().collect();
            let from = r.wish.max(day);
            let to = from.checked_add(i64::from(crate::dates::MAX_RANGE_DAYS - 1).days()).unwrap_or(from);
            let slots = open_slots(SlotQuery {
                availability,
                municipalities,
                municipality: r.municipality,
                kind: r.kind,
                from,
                to,
                existing: &confirmed,
                busy: &[],
                now,
            });
            let first = match slots {
                Ok(slots) => slots.into_iter().find(|s| r.part.suits(s.start.timestamp())),
                Err(SlotsError::CapReached { .. }) => None,
                Err(_) => None,
            };
            let booked = first.and_then(|slot| {
                let request = BookingRequest {
                    municipality: r.municipality,
                    kind: r.kind,
                    start: slot.start,
                    topic: topic.clone(),
                    contact_name: name.clone(),
                    contact_email: email.clone(),
                };
                let id = BookingId::parse(&format!("sim{:06}", bookings.len())).ok()?;
                let snapshot = Snapshot::new(availability, municipalities, &confirmed, &[]);
                let by = Actor::Municipality { municipality: r.municipality };
                lifecycle::book(snapshot, request, id, by, now).ok().map(|(b, _)| b)
            });
            let r = &mut requests[i];
            match booked {
                Some(booking) => {
                    let session_day = COPENHAGEN.to_datetime(booking.start.timestamp()).date();
                    r.state = RequestState::Booked { booking: bookings.len(), day: session_day };
                    bookings.push(booking);
                }
                None if r.arrives.checked_add(i64::from(season.patience_days).days()).is_ok_and(|d| d <= day) => {
                    r.state = RequestState::GaveUp;
                }
                None => {}
            }
        }
        day = match day.tomorrow() {
            Ok(next) => next,
            Err(_) => break,
        };
    }
    (requests, bookings)
}

/// One municipality's counts over the runs.
#[derive(Default)]
struct Tally {
    asked: u32,
    served: u32,
    onsite: u32,
    gave_up: u32,
    waits: Vec<u32>,
}

impl Tally {
    fn add<'a>(&mut self, requests: impl Iterator<Item = &'a Request>, bookings: &[Booking]) {
        for r in requests {
            match r.state {
                RequestState::Booked { booking, day } if bookings[booking].is_confirmed() => {
                    self.asked += 1;
                    self.served += 1;
                    self.onsite += u32::from(r.kind == SessionKind::Onsite);
                    self.waits.push(r.arrives.until(day).map_or(0, |s| u32::try_from(s.get_days()).unwrap_or(0)));
                }
                // Withdrawn by its own cancellation.
                RequestState::Booked { .. } => {}
                RequestState::GaveUp => {
                    self.asked += 1;
                    self.gave_up += 1;
                }
                // Still waiting at the end cannot happen (the season runs
                // past every request's patience); count it as not served.
                RequestState::Waiting => self.asked += 1,
            }
        }
    }

    fn outcome(mut self, municipality: MunicipalityCode) -> Outcome {
        self.waits.sort_unstable();
        Outcome {
            municipality,
            name: municipality.name().to_string(),
            requests: self.asked,
            served: self.served,
            onsite_served: self.onsite,
            gave_up: self.gave_up,
            median_wait_days: self.waits.get(self.waits.len() / 2).copied(),
        }
    }
}

#[cfg(test)]
mod tests;
