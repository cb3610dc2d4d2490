//! The store conformance suite: every behaviour the API relies on, written once
//! against `dyn Store` and instantiated for each implementation with one line:
//!
//! ```ignore
//! conformance_suite!(sqlite, sqlite_fixture());
//! conformance_suite!(dynamodb, dynamodb_fixture()); // a Fixture on a fresh table
//! ```
//!
//! Each generated test gets a fresh, seeded store from the fixture expression.

use std::{any::Any, future::Future, pin::Pin, sync::Arc};

use dk2020_api::{
    manage_link::{ManageLink, key_hash},
    store::{BookingFilter, Created, DynamoStore, NewBooking, SendAgain, SettingsExt, SqliteStore, Store, StoreError},
};
use dk2020_model::{
    Act, Actor, Booking, BookingId, BookingStatus, ContactName, Email, LocalTime, Municipalities, MunicipalityCode,
    Population, SessionKind, Topic,
    allocation::{Key, PlanParams},
    api::BookingRequest,
    enrolment::{Enrolment, EnrolmentStatus, PILOT_MUNICIPALITIES, RoundNumber, Rounds, StatusChange},
    lifecycle::Refusal,
    outbox::{self, Delivery, Message},
    schedule::{Availability, BusyTime, DateException, RuleViolation},
    subscription::{CalendarId, CalendarLabel, FetchOutcome, FetchProblem, Subscription},
};
use jiff::{
    Timestamp,
    civil::{Date, date},
};

// ---------------------------------------------------------------------------
// Fixtures: how each store under test is made
// ---------------------------------------------------------------------------

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// A fresh, seeded store under test.
pub struct Fixture {
    pub store: Arc<dyn Store>,
    /// Opens the same data again through a new handle, as after a restart.
    pub reopen: Box<dyn Fn() -> BoxFuture<Arc<dyn Store>> + Send + Sync>,
    /// Whatever must live as long as the test (a temporary directory, a table).
    pub _guard: Box<dyn Any + Send + Sync>,
}

/// A new SQLite file in its own temporary directory.
async fn sqlite_fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("data").join("dk2020.sqlite");
    let store = SqliteStore::open(&path).expect("open a new SQLite store");
    Fixture {
        store: Arc::new(store),
        reopen: Box::new(move || {
            let path = path.clone();
            Box::pin(
                async move { Arc::new(SqliteStore::open(&path).expect("reopen the SQLite store")) as Arc<dyn Store> },
            )
        }),
        _guard: Box::new(dir),
    }
}

/// Generates one `#[tokio::test]` per behaviour of [`behaviours`] for the store
/// that `$fixture` (an expression of type `impl Future<Output = Fixture>`) makes.
macro_rules! conformance_suite {
    ($name:ident, $fixture:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            conformance_suite!(@fresh $fixture;
                health_answers,
                new_store_has_the_19_municipalities_with_the_2018_populations_of_the_2020_papers,
                new_store_has_no_status_changes_and_replays_to_the_known_enrolment,
                new_store_has_the_default_rounds_budget_params_and_availability,
            );

            conformance_suite!(@tests $fixture;
                population_update_is_kept_for_that_municipality_only,
                settings_round_trip_and_the_last_write_wins,
                status_changes_are_appended_in_order_and_replay,
                every_write_is_seen_by_the_next_read_after_earlier_reads,
                status_change_from_a_stale_status_is_a_conflict,
                status_change_dated_before_the_last_one_is_a_conflict,
                created_booking_reads_back_exactly,
                unknown_booking_is_not_found,
                bookings_are_listed_in_start_order,
                bookings_filter_by_municipality,
                bookings_filter_by_ends_after_exclusively,
                bookings_filter_by_starts_before_exclusively,
                bookings_list_hides_cancelled_unless_asked,
                bookings_filters_combine,
                the_rules_see_only_confirmed_bookings_ending_after_now,
                rejected_booking_writes_nothing,
                rejected_booking_does_not_use_up_its_idempotency_key,
                booking_with_an_existing_id_is_a_conflict,
                cancel_marks_the_booking_cancelled_by_whom_and_why,
                cancelling_twice_is_a_conflict,
                cancelling_an_unknown_booking_is_not_found,
                cancelled_time_can_be_booked_again,
                reschedule_moves_the_booking_and_its_old_time_does_not_block_it,
                failed_reschedule_leaves_the_booking_untouched,
                rescheduling_a_cancelled_booking_is_a_conflict,
                rescheduling_an_unknown_booking_is_not_found,
                idempotency_key_returns_the_first_booking_without_a_second_row,
                idempotency_key_is_per_municipality,
                data_survives_reopening,
                every_booking_change_owes_both_people_a_message_in_the_same_write,
                a_refused_change_or_a_replay_owes_no_message,
                due_messages_come_when_their_time_has_come_and_leave_once_sent,
                failed_messages_are_listed_and_can_be_sent_again,
                send_again_makes_only_a_failed_message_due,
                a_manage_link_is_found_by_its_keys_hash_until_its_bookings_links_are_revoked,
                calendar_subscriptions_are_kept_whole_updated_only_while_they_exist_and_limited_to_ten,
                a_booking_in_a_busy_time_of_a_subscribed_calendar_is_refused_by_the_store,
                budget_scenarios_are_kept_whole_changed_only_while_they_exist_and_limited_to_fifty,
                credentials_are_found_by_kind_and_hash_changed_while_they_exist_and_forgotten,
                the_audit_log_gives_back_the_entries_of_a_period_by_actor_and_kind,
                an_erased_booking_keeps_its_time_and_statistics_and_loses_its_contact_for_good,
                the_outbox_lists_every_message_and_forgets_one_on_request,
                an_audit_entry_is_saved_again_with_its_personal_details_erased,
                the_retention_erases_what_is_past_its_time_and_keeps_the_rest,
                a_person_erased_on_request_is_gone_from_bookings_mails_links_audit_and_sessions,
            );

            conformance_suite!(@concurrent $fixture;
                concurrent_bookings_of_one_slot_let_exactly_one_win,
                concurrent_retries_with_one_idempotency_key_make_one_booking,
                concurrent_status_changes_from_one_status_let_exactly_one_win,
                concurrent_reschedules_onto_one_slot_let_exactly_one_win,
            );
        }
    };
    // A store as it is created, seed only.
    (@fresh $fixture:expr; $($test:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $test() {
                if let Some(fx) = crate::MaybeFixture::into_fixture($fixture.await) {
                    crate::behaviours::$test(fx).await;
                }
            }
        )*
    };
    // A store with the test calendar (see `test_calendar`).
    (@tests $fixture:expr; $($test:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $test() {
                if let Some(fx) = crate::MaybeFixture::into_fixture($fixture.await) {
                    crate::use_test_calendar(&fx).await;
                    crate::behaviours::$test(fx).await;
                }
            }
        )*
    };
    (@concurrent $fixture:expr; $($test:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 8)]
            async fn $test() {
                if let Some(fx) = crate::MaybeFixture::into_fixture($fixture.await) {
                    crate::use_test_calendar(&fx).await;
                    crate::behaviours::$test(fx).await;
                }
            }
        )*
    };
}

conformance_suite!(sqlite, sqlite_fixture());
conformance_suite!(dynamodb, dynamodb_fixture());

/// A fixture, or `None` when the store under test is not available here (the
/// test is then skipped; see `support/dynamodb.rs`).
trait MaybeFixture {
    fn into_fixture(self) -> Option<Fixture>;
}

impl MaybeFixture for Fixture {
    fn into_fixture(self) -> Option<Fixture> {
        Some(self)
    }
}

impl MaybeFixture for Option<Fixture> {
    fn into_fixture(self) -> Option<Fixture> {
        self
    }
}

#[path = "support/dynamodb.rs"]
mod dynamodb_support;

/// A new, seeded table of its own on the local DynamoDB-compatible server
/// (`DK2020_TEST_DYNAMODB_ENDPOINT`), deleted after the test.
async fn dynamodb_fixture() -> Option<Fixture> {
    let endpoint = dynamodb_support::endpoint()?;
    let store = dynamodb_support::fresh_store(&endpoint).await;
    let table = store.table_name().to_string();
    Some(Fixture {
        store: Arc::new(store.clone()),
        reopen: Box::new(move || {
            let (endpoint, table) = (endpoint.clone(), table.clone());
            Box::pin(async move { Arc::new(DynamoStore::local(&endpoint, &table)) as Arc<dyn Store> })
        }),
        _guard: Box::new(dynamodb_support::DropTable(store)),
    })
}

// ---------------------------------------------------------------------------
// Test data
// ---------------------------------------------------------------------------

const SKIVE: u16 = 779;
const RANDERS: u16 = 730;
const VIBORG: u16 = 791;
const AARHUS: u16 = 751;

fn code(code: u16) -> MunicipalityCode {
    MunicipalityCode::new(code).expect("a municipality of the region")
}

/// Copenhagen wall-clock time in December 2026 (winter time).
fn dec(day: i8, hour: i8, minute: i8) -> LocalTime {
    LocalTime::from_local(date(2026, 12, day).at(hour, minute, 0, 0))
}

/// "Now" of most tests: Monday 23 November 2026, 08:00 Copenhagen.
fn now() -> Timestamp {
    LocalTime::from_local(date(2026, 11, 23).at(8, 0, 0, 0)).timestamp()
}

/// A creation time with nanoseconds, to see that instants are kept exactly.
fn created() -> Timestamp {
    "2026-11-20T10:15:30.123456789Z".parse().expect("timestamp")
}

fn booking(id: &str, municipality: u16, start: LocalTime, minutes: i64) -> Booking {
    let end = LocalTime::new(start.timestamp() + jiff::SignedDuration::from_mins(minutes));
    Booking {
        id: BookingId::parse(id).expect("booking id"),
        municipality: code(municipality),
        kind: SessionKind::Online,
        start,
        end,
        topic: Some(Topic::parse("Klimaplanens første skridt").expect("topic")),
        contact_name: Some(ContactName::parse("Søren Ærø").expect("name")),
        contact_email: Some(Email::parse("klima@skive.dk").expect("e-mail")),
        status: BookingStatus::Confirmed,
        created_at: created(),
        changed_at: created(),
        sequence: 0,
        erased_at: None,
    }
}

fn id(s: &str) -> BookingId {
    BookingId::parse(s).expect("booking id")
}

#[path = "support/calendar.rs"]
mod calendar;

/// The calendar of the booking tests, with the default 48 hours' notice.
fn test_calendar() -> Availability {
    calendar::test_calendar(48)
}

async fn use_test_calendar(fx: &Fixture) {
    fx.store.set_setting(&test_calendar()).await.expect("set the test calendar");
}

/// Staff of `b`'s municipality.
fn staff(b: &Booking) -> Actor {
    Actor::Municipality { municipality: b.municipality }
}

/// Asks the store to book `b` (as `b.id`, by its municipality) at `now`.
async fn book(store: &dyn Store, b: &Booking, key: Option<&str>, now: Timestamp) -> Result<Created, StoreError> {
    let request = BookingRequest::again(b).expect("a booking with its contact");
    store.create_booking(NewBooking { request: &request, id: &b.id, by: staff(b), idempotency_key: key, now }).await
}

/// The event of [`create`]: `b` booked by its municipality at [`created`].
fn lifecycle_booked(b: &Booking) -> dk2020_model::Event {
    dk2020_model::Event::Booked { booking: b.clone(), by: staff(b), at: created() }
}

/// Books `b` at [`created`] ("now" with nanoseconds): the booking made is `b`.
async fn create(store: &dyn Store, b: &Booking) -> Booking {
    let made = book(store, b, None, created()).await.expect("create booking");
    assert!(made.is_new());
    assert_eq!(&made.booking, b, "the store made the booking as asked");
    made.booking
}

fn is_rule(err: &StoreError, rule: fn(&RuleViolation) -> bool) -> bool {
    matches!(err, StoreError::Refused(Refusal::Rule(v)) if rule(v))
}

fn slot_taken(v: &RuleViolation) -> bool {
    matches!(v, RuleViolation::SlotTaken { .. })
}

fn change(municipality: u16, from: EnrolmentStatus, to: EnrolmentStatus, at: &str) -> StatusChange {
    StatusChange {
        municipality: code(municipality),
        from,
        to,
        by: Actor::Secretariat,
        at: at.parse().expect("timestamp"),
        note: Some("Byrådsmøde".to_string()),
    }
}

fn enrolled(round: u8, decided_on: Date) -> EnrolmentStatus {
    EnrolmentStatus::Enrolled { round: RoundNumber::new(round).expect("round"), decided_on }
}

fn ids(bookings: &[Booking]) -> Vec<&str> {
    bookings.iter().map(|b| b.id.as_str()).collect()
}

fn all_bookings() -> BookingFilter {
    BookingFilter { include_cancelled: true, ..BookingFilter::default() }
}

// ---------------------------------------------------------------------------
// The behaviours
// ---------------------------------------------------------------------------

mod behaviours {
    use super::*;

    pub async fn health_answers(fx: Fixture) {
        fx.store.health().await.expect("healthy");
    }

    pub async fn new_store_has_the_19_municipalities_with_the_2018_populations_of_the_2020_papers(fx: Fixture) {
        let all = fx.store.municipalities().await.unwrap();
        assert_eq!(all.len(), 19);
        assert_eq!(all.total_population(), 1_313_596);
        assert_eq!(all, Municipalities::builtin());
    }

    pub async fn new_store_has_no_status_changes_and_replays_to_the_known_enrolment(fx: Fixture) {
        let changes = fx.store.status_changes().await.unwrap();
        assert!(changes.is_empty(), "{changes:?}");
        let state = Enrolment::replay(changes).unwrap();
        assert_eq!(state, Enrolment::initial_state());
        for pilot in PILOT_MUNICIPALITIES {
            assert_eq!(state.status(code(pilot)), EnrolmentStatus::AlreadyIn, "{pilot}");
        }
        assert_eq!(state.status(code(SKIVE)), EnrolmentStatus::Undecided);
    }

    pub async fn new_store_has_the_default_rounds_budget_params_and_availability(fx: Fixture) {
        assert_eq!(fx.store.setting::<Rounds>().await.unwrap(), Rounds::default());
        assert_eq!(fx.store.setting::<PlanParams>().await.unwrap(), PlanParams::default());
        assert_eq!(fx.store.setting::<Availability>().await.unwrap(), Availability::default());
    }

    pub async fn population_update_is_kept_for_that_municipality_only(fx: Fixture) {
        let figure = Population { inhabitants: 46_500, as_of: date(2024, 1, 1) };
        fx.store.set_population(code(SKIVE), figure).await.unwrap();
        let all = fx.store.municipalities().await.unwrap();
        assert_eq!(all.get(code(SKIVE)).population, figure);
        let builtin = Municipalities::builtin();
        let before = builtin.get(code(SKIVE)).population.inhabitants;
        assert_eq!(all.total_population(), 1_313_596 - u64::from(before) + 46_500);
        for m in builtin.iter().filter(|m| m.code != code(SKIVE)) {
            assert_eq!(all.get(m.code), m);
        }
        // A second update replaces the first.
        let newer = Population { inhabitants: 46_600, as_of: date(2025, 1, 1) };
        fx.store.set_population(code(SKIVE), newer).await.unwrap();
        assert_eq!(fx.store.municipalities().await.unwrap().get(code(SKIVE)).population, newer);
    }

    pub async fn settings_round_trip_and_the_last_write_wins(fx: Fixture) {
        let mut rounds: Vec<_> = Rounds::default().iter().copied().collect();
        rounds[1].deadline = date(2021, 10, 15);
        rounds[1].expected_max = 9;
        let rounds = Rounds::new(rounds).unwrap();
        fx.store.set_setting(&rounds).await.unwrap();
        assert_eq!(fx.store.setting::<Rounds>().await.unwrap(), rounds);

        let params = PlanParams {
            total: 4_500_000,
            years: 4,
            key: Key::Hybrid { equal_percent: "12.5".parse().unwrap() },
            frame_per_year: 250_000,
            frame_by_year: vec![100_000, 200_000, 0, 50_000],
            contribution_per_year: 500_000,
            start_year: Some(2022),
            exclude: [code(741), code(SKIVE)].into_iter().collect(),
        };
        fx.store.set_setting(&params).await.unwrap();
        assert_eq!(fx.store.setting::<PlanParams>().await.unwrap(), params);
        let params = PlanParams { total: 5_000_000, ..params };
        fx.store.set_setting(&params).await.unwrap();
        assert_eq!(fx.store.setting::<PlanParams>().await.unwrap(), params);

        let mut availability = Availability::default();
        availability.rules.buffer_minutes = 30;
        availability.rules.travel.road_factor = 1.37;
        availability.weekly.friday = None;
        availability.exceptions.push(DateException {
            date: date(2026, 12, 4),
            hours: None,
            note: Some("Kursus i København".to_string()),
        });
        fx.store.set_setting(&availability).await.unwrap();
        assert_eq!(fx.store.setting::<Availability>().await.unwrap(), availability);
        // Writing one setting leaves the others alone.
        assert_eq!(fx.store.setting::<Rounds>().await.unwrap(), rounds);
    }

    pub async fn status_changes_are_appended_in_order_and_replay(fx: Fixture) {
        let first =
            change(SKIVE, EnrolmentStatus::Undecided, EnrolmentStatus::CouncilConsidering, "2020-09-01T10:00:00Z");
        let second = change(
            SKIVE,
            EnrolmentStatus::CouncilConsidering,
            enrolled(1, date(2020, 10, 20)),
            "2020-10-20T18:30:00.5Z",
        );
        let other = change(VIBORG, EnrolmentStatus::Undecided, EnrolmentStatus::Declined, "2020-09-15T09:00:00Z");
        fx.store.record_status_change(&first).await.unwrap();
        fx.store.record_status_change(&other).await.unwrap();
        fx.store.record_status_change(&second).await.unwrap();

        let changes = fx.store.status_changes().await.unwrap();
        assert_eq!(changes, vec![first, other, second]);
        let state = Enrolment::replay(changes).unwrap();
        assert_eq!(state.status(code(SKIVE)), enrolled(1, date(2020, 10, 20)));
        assert_eq!(state.status(code(VIBORG)), EnrolmentStatus::Declined);
        assert_eq!(state.history(code(SKIVE)).len(), 2);
    }

    /// A store may keep rarely changed data in memory: what it read before a
    /// write must not be what it answers after.
    pub async fn every_write_is_seen_by_the_next_read_after_earlier_reads(fx: Fixture) {
        let store = &fx.store;
        let (_, _, _, _, _) = (
            store.municipalities().await.unwrap(),
            store.status_changes().await.unwrap(),
            store.setting::<Rounds>().await.unwrap(),
            store.setting::<PlanParams>().await.unwrap(),
            store.setting::<Availability>().await.unwrap(),
        );
        let figure = Population { inhabitants: 47_000, as_of: date(2025, 1, 1) };
        store.set_population(code(SKIVE), figure).await.unwrap();
        assert_eq!(store.municipalities().await.unwrap().get(code(SKIVE)).population, figure);

        let first =
            change(SKIVE, EnrolmentStatus::Undecided, EnrolmentStatus::CouncilConsidering, "2020-09-01T10:00:00Z");
        store.record_status_change(&first).await.unwrap();
        assert_eq!(store.status_changes().await.unwrap(), vec![first.clone()]);
        let second =
            change(SKIVE, EnrolmentStatus::CouncilConsidering, EnrolmentStatus::Declined, "2020-10-01T10:00:00Z");
        store.record_status_change(&second).await.unwrap();
        assert_eq!(store.status_changes().await.unwrap(), vec![first, second]);

        let mut rounds: Vec<_> = Rounds::default().iter().copied().collect();
        rounds[1].expected_max = 7;
        let rounds = Rounds::new(rounds).unwrap();
        store.set_setting(&rounds).await.unwrap();
        assert_eq!(store.setting::<Rounds>().await.unwrap(), rounds);

        let params = PlanParams { total: 3_300_000, ..PlanParams::default() };
        store.set_setting(&params).await.unwrap();
        assert_eq!(store.setting::<PlanParams>().await.unwrap(), params);

        let mut availability = Availability::default();
        availability.rules.buffer_minutes = 20;
        store.set_setting(&availability).await.unwrap();
        assert_eq!(store.setting::<Availability>().await.unwrap(), availability);

        let confirmed = BookingFilter::default();
        assert!(store.bookings(&confirmed).await.unwrap().is_empty());
        let first = create(store.as_ref(), &booking("first", SKIVE, dec(2, 9, 0), 60)).await;
        assert_eq!(ids(&store.bookings(&confirmed).await.unwrap()), ["first"]);
        let (start, end) = (dec(3, 9, 0), dec(3, 10, 0));
        let moved =
            store.reschedule_booking(&first.id, start, Act { by: Actor::Coordinator, at: now() }).await.unwrap();
        assert_eq!(moved.booking().end, end);
        assert_eq!(store.bookings(&confirmed).await.unwrap()[0].start, start);
        store.cancel_booking(&first.id, None, Act { by: Actor::Coordinator, at: now() }).await.unwrap();
        assert!(store.bookings(&confirmed).await.unwrap().is_empty());
        // A refused booking (off the slot grid) leaves the listing as it was.
        let refused = booking("refused", SKIVE, dec(4, 9, 7), 60);
        book(store.as_ref(), &refused, None, now()).await.unwrap_err();
        assert!(store.bookings(&confirmed).await.unwrap().is_empty());
    }

    pub async fn status_change_from_a_stale_status_is_a_conflict(fx: Fixture) {
        let first =
            change(SKIVE, EnrolmentStatus::Undecided, EnrolmentStatus::CouncilConsidering, "2020-09-01T10:00:00Z");
        fx.store.record_status_change(&first).await.unwrap();
        // Someone else's form still showed "undecided".
        let stale = change(SKIVE, EnrolmentStatus::Undecided, EnrolmentStatus::Declined, "2020-09-02T10:00:00Z");
        let err = fx.store.record_status_change(&stale).await.unwrap_err();
        assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
        // A pilot is "already in" before any change is recorded.
        let wrong_start = change(AARHUS, EnrolmentStatus::Undecided, EnrolmentStatus::Declined, "2020-09-02T10:00:00Z");
        let err = fx.store.record_status_change(&wrong_start).await.unwrap_err();
        assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
        assert_eq!(fx.store.status_changes().await.unwrap(), vec![first]);
    }

    pub async fn status_change_dated_before_the_last_one_is_a_conflict(fx: Fixture) {
        let first =
            change(SKIVE, EnrolmentStatus::Undecided, EnrolmentStatus::CouncilConsidering, "2020-09-10T10:00:00Z");
        fx.store.record_status_change(&first).await.unwrap();
        let earlier =
            change(SKIVE, EnrolmentStatus::CouncilConsidering, EnrolmentStatus::Declined, "2020-09-01T10:00:00Z");
        let err = fx.store.record_status_change(&earlier).await.unwrap_err();
        assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
        // The history stays replayable.
        Enrolment::replay(fx.store.status_changes().await.unwrap()).unwrap();
    }

    pub async fn created_booking_reads_back_exactly(fx: Fixture) {
        let mut b = booking("b-1", SKIVE, dec(1, 10, 0), 90);
        b.kind = SessionKind::Onsite;
        // Made at an instant with nanoseconds (`created`): kept exactly.
        let made = book(&*fx.store, &b, None, created()).await.unwrap();
        assert!(made.is_new());
        assert_eq!(made.booking, b);
        let Some(dk2020_model::Event::Booked { booking, by, at }) = made.event else { panic!("{:?}", made.event) };
        assert_eq!((booking, by, at), (b.clone(), staff(&b), created()));
        assert_eq!(fx.store.booking(&b.id).await.unwrap(), b);
        assert_eq!(fx.store.bookings(&BookingFilter::default()).await.unwrap(), vec![b]);
    }

    pub async fn unknown_booking_is_not_found(fx: Fixture) {
        create(&*fx.store, &booking("b-1", SKIVE, dec(1, 9, 0), 60)).await;
        let err = fx.store.booking(&id("nope")).await.unwrap_err();
        assert!(matches!(err, StoreError::NotFound(_)), "{err:?}");
    }

    pub async fn bookings_are_listed_in_start_order(fx: Fixture) {
        for (name, day, hour) in [("c", 3, 9), ("a", 1, 13), ("d", 10, 9), ("b", 1, 9)] {
            create(&*fx.store, &booking(name, SKIVE, dec(day, hour, 0), 60)).await;
        }
        let all = fx.store.bookings(&BookingFilter::default()).await.unwrap();
        assert_eq!(ids(&all), ["b", "a", "c", "d"]);
    }

    pub async fn bookings_filter_by_municipality(fx: Fixture) {
        create(&*fx.store, &booking("skive-1", SKIVE, dec(1, 9, 0), 60)).await;
        create(&*fx.store, &booking("viborg-1", VIBORG, dec(1, 11, 0), 60)).await;
        create(&*fx.store, &booking("skive-2", SKIVE, dec(2, 9, 0), 60)).await;
        let filter = BookingFilter { municipality: Some(code(SKIVE)), ..BookingFilter::default() };
        assert_eq!(ids(&fx.store.bookings(&filter).await.unwrap()), ["skive-1", "skive-2"]);
        let filter = BookingFilter { municipality: Some(code(AARHUS)), ..BookingFilter::default() };
        assert!(fx.store.bookings(&filter).await.unwrap().is_empty());
    }

    pub async fn bookings_filter_by_ends_after_exclusively(fx: Fixture) {
        create(&*fx.store, &booking("early", SKIVE, dec(1, 9, 0), 60)).await; // ends 10:00
        create(&*fx.store, &booking("late", SKIVE, dec(1, 11, 0), 60)).await; // ends 12:00
        let after = |t: LocalTime| BookingFilter { ends_after: Some(t.timestamp()), ..BookingFilter::default() };
        assert_eq!(ids(&fx.store.bookings(&after(dec(1, 9, 59))).await.unwrap()), ["early", "late"]);
        assert_eq!(ids(&fx.store.bookings(&after(dec(1, 10, 0))).await.unwrap()), ["late"]);
        // Sub-second precision counts.
        let just_before_end = LocalTime::new(dec(1, 12, 0).timestamp() - jiff::SignedDuration::from_millis(1));
        assert_eq!(ids(&fx.store.bookings(&after(just_before_end)).await.unwrap()), ["late"]);
        assert!(fx.store.bookings(&after(dec(1, 12, 0))).await.unwrap().is_empty());
    }

    pub async fn bookings_filter_by_starts_before_exclusively(fx: Fixture) {
        create(&*fx.store, &booking("early", SKIVE, dec(1, 9, 0), 60)).await;
        create(&*fx.store, &booking("late", SKIVE, dec(1, 11, 0), 60)).await;
        let before = |t: LocalTime| BookingFilter { starts_before: Some(t.timestamp()), ..BookingFilter::default() };
        assert!(fx.store.bookings(&before(dec(1, 9, 0))).await.unwrap().is_empty());
        let just_after_start = LocalTime::new(dec(1, 9, 0).timestamp() + jiff::SignedDuration::from_millis(1));
        assert_eq!(ids(&fx.store.bookings(&before(just_after_start)).await.unwrap()), ["early"]);
        assert_eq!(ids(&fx.store.bookings(&before(dec(1, 11, 0))).await.unwrap()), ["early"]);
        assert_eq!(ids(&fx.store.bookings(&before(dec(1, 11, 1))).await.unwrap()), ["early", "late"]);
    }

    pub async fn bookings_list_hides_cancelled_unless_asked(fx: Fixture) {
        create(&*fx.store, &booking("kept", SKIVE, dec(1, 9, 0), 60)).await;
        create(&*fx.store, &booking("dropped", SKIVE, dec(1, 11, 0), 60)).await;
        fx.store.cancel_booking(&id("dropped"), None, Act { by: Actor::Coordinator, at: now() }).await.unwrap();
        assert_eq!(ids(&fx.store.bookings(&BookingFilter::default()).await.unwrap()), ["kept"]);
        let all = fx.store.bookings(&all_bookings()).await.unwrap();
        assert_eq!(ids(&all), ["kept", "dropped"]);
        assert!(!all[1].is_confirmed());
    }

    pub async fn bookings_filters_combine(fx: Fixture) {
        create(&*fx.store, &booking("s1", SKIVE, dec(1, 9, 0), 60)).await;
        create(&*fx.store, &booking("v1", VIBORG, dec(2, 9, 0), 60)).await;
        create(&*fx.store, &booking("s2", SKIVE, dec(3, 9, 0), 60)).await;
        create(&*fx.store, &booking("s3", SKIVE, dec(4, 9, 0), 60)).await;
        create(&*fx.store, &booking("s4", SKIVE, dec(7, 9, 0), 60)).await;
        fx.store.cancel_booking(&id("s3"), None, Act { by: Actor::Coordinator, at: now() }).await.unwrap();
        let mut filter = BookingFilter {
            municipality: Some(code(SKIVE)),
            ends_after: Some(dec(2, 0, 0).timestamp()),
            starts_before: Some(dec(5, 0, 0).timestamp()),
            include_cancelled: false,
        };
        assert_eq!(ids(&fx.store.bookings(&filter).await.unwrap()), ["s2"]);
        filter.include_cancelled = true;
        assert_eq!(ids(&fx.store.bookings(&filter).await.unwrap()), ["s2", "s3"]);
    }

    pub async fn the_rules_see_only_confirmed_bookings_ending_after_now(fx: Fixture) {
        // Ended before "now" (23 Nov 08:00), begun at "now", cancelled, future:
        // each booked when it was still ahead.
        let past = booking("past", SKIVE, LocalTime::from_local(date(2026, 11, 20).at(9, 0, 0, 0)), 60);
        let running = booking("running", VIBORG, LocalTime::from_local(date(2026, 11, 23).at(7, 30, 0, 0)), 60);
        let cancelled = booking("cancelled", SKIVE, dec(2, 9, 0), 60);
        let future = booking("future", AARHUS, dec(3, 9, 0), 60);
        let earlier = LocalTime::from_local(date(2026, 11, 10).at(8, 0, 0, 0)).timestamp();
        for b in [&past, &running, &cancelled, &future] {
            assert!(book(&*fx.store, b, None, earlier).await.unwrap().is_new());
        }
        fx.store.cancel_booking(&cancelled.id, None, Act { by: Actor::Coordinator, at: now() }).await.unwrap();
        let mut availability = test_calendar();
        availability.rules.cap_per_municipality = 1;
        fx.store.set_setting(&availability).await.unwrap();

        // Skive's ended and cancelled sessions do not count against its cap of one...
        book(&*fx.store, &booking("new", SKIVE, dec(8, 9, 0), 60), None, now()).await.unwrap();
        let err = book(&*fx.store, &booking("one-more", SKIVE, dec(9, 9, 0), 60), None, now()).await.unwrap_err();
        assert!(is_rule(&err, |v| matches!(v, RuleViolation::CapReached { cap: 1, booked: 1 })), "{err:?}");
        // ...the future booking blocks its time, the cancelled one does not.
        let err = book(&*fx.store, &booking("clash", VIBORG, future.start, 60), None, now()).await.unwrap_err();
        assert!(is_rule(&err, slot_taken), "{err:?}");
        book(&*fx.store, &booking("freed", VIBORG, cancelled.start, 60), None, now()).await.unwrap();
    }

    pub async fn rejected_booking_writes_nothing(fx: Fixture) {
        // Seven minutes past the slot grid.
        let b = booking("b-1", SKIVE, dec(1, 9, 7), 60);
        let err = book(&*fx.store, &b, None, now()).await.unwrap_err();
        assert!(is_rule(&err, |v| matches!(v, RuleViolation::NotOnSlotGrid { step: 30, .. })), "{err:?}");
        assert!(matches!(fx.store.booking(&b.id).await, Err(StoreError::NotFound(_))));
        assert!(fx.store.bookings(&all_bookings()).await.unwrap().is_empty());
        // The store is usable afterwards (nothing left locked or half-done).
        create(&*fx.store, &booking("b-1", SKIVE, dec(1, 9, 0), 60)).await;
    }

    pub async fn rejected_booking_does_not_use_up_its_idempotency_key(fx: Fixture) {
        let off_grid = booking("b-1", SKIVE, dec(1, 9, 7), 60);
        let err = book(&*fx.store, &off_grid, Some("key-1"), now()).await.unwrap_err();
        assert!(matches!(err, StoreError::Refused(_)), "{err:?}");
        let made = book(&*fx.store, &booking("b-1", SKIVE, dec(1, 9, 0), 60), Some("key-1"), now()).await.unwrap();
        assert!(made.is_new());
    }

    pub async fn booking_with_an_existing_id_is_a_conflict(fx: Fixture) {
        let first = create(&*fx.store, &booking("same", SKIVE, dec(1, 9, 0), 60)).await;
        let again = booking("same", VIBORG, dec(2, 9, 0), 60);
        let err = book(&*fx.store, &again, None, now()).await.unwrap_err();
        assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
        assert_eq!(fx.store.booking(&first.id).await.unwrap(), first);
    }

    pub async fn cancel_marks_the_booking_cancelled_by_whom_and_why(fx: Fixture) {
        let b = create(&*fx.store, &booking("b-1", SKIVE, dec(1, 9, 0), 60)).await;
        let at: Timestamp = "2026-11-24T12:00:00.987Z".parse().unwrap();
        let by = Actor::Municipality { municipality: code(SKIVE) };
        let event = fx
            .store
            .cancel_booking(&b.id, Some("Byrådet har flyttet mødet".to_string()), Act { by, at })
            .await
            .unwrap();
        let cancelled = event.booking().clone();
        assert_eq!(event, dk2020_model::Event::Cancelled { booking: cancelled.clone(), by, at });
        let expected = Booking {
            status: BookingStatus::Cancelled { by, reason: Some("Byrådet har flyttet mødet".to_string()) },
            changed_at: at,
            sequence: 1,
            ..b
        };
        assert_eq!(cancelled, expected);
        assert_eq!(fx.store.booking(&expected.id).await.unwrap(), expected);
    }

    pub async fn cancelling_twice_is_a_conflict(fx: Fixture) {
        let b = create(&*fx.store, &booking("b-1", SKIVE, dec(1, 9, 0), 60)).await;
        let first = fx.store.cancel_booking(&b.id, None, Act { by: Actor::Coordinator, at: now() }).await.unwrap();
        let err = fx
            .store
            .cancel_booking(&b.id, Some("igen".into()), Act { by: Actor::Coordinator, at: now() })
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Refused(Refusal::AlreadyCancelled)), "{err:?}");
        // The first cancellation stands.
        assert_eq!(&fx.store.booking(&b.id).await.unwrap(), first.booking());
    }

    pub async fn cancelling_an_unknown_booking_is_not_found(fx: Fixture) {
        let err =
            fx.store.cancel_booking(&id("nope"), None, Act { by: Actor::Coordinator, at: now() }).await.unwrap_err();
        assert!(matches!(err, StoreError::NotFound(_)), "{err:?}");
    }

    pub async fn cancelled_time_can_be_booked_again(fx: Fixture) {
        let start = dec(1, 9, 0);
        let first = create(&*fx.store, &booking("first", SKIVE, start, 60)).await;
        let second = booking("second", VIBORG, start, 60);
        let err = book(&*fx.store, &second, None, now()).await.unwrap_err();
        assert!(is_rule(&err, slot_taken), "{err:?}");
        fx.store.cancel_booking(&first.id, None, Act { by: Actor::Coordinator, at: now() }).await.unwrap();
        let made = book(&*fx.store, &second, None, now()).await.unwrap();
        assert!(made.is_new());
    }

    pub async fn reschedule_moves_the_booking_and_its_old_time_does_not_block_it(fx: Fixture) {
        let b = create(&*fx.store, &booking("moving", SKIVE, dec(1, 9, 0), 60)).await;
        let other = create(&*fx.store, &booking("other", VIBORG, dec(1, 11, 30), 60)).await;
        let at: Timestamp = "2026-11-24T12:00:00Z".parse().unwrap();
        // Moving by half an hour overlaps the old time, which the move frees.
        let (start, end) = (dec(1, 9, 30), dec(1, 10, 30));
        let moved = fx.store.reschedule_booking(&b.id, start, Act { by: staff(&b), at }).await.unwrap();
        let expected = Booking { start, end, changed_at: at, sequence: 1, ..b.clone() };
        let dk2020_model::Event::Rescheduled { booking, from, from_end, by, at: when } = moved else {
            panic!("{moved:?}")
        };
        assert_eq!((booking.clone(), from, from_end, by, when), (expected.clone(), b.start, b.end, staff(&b), at));
        // The other booking still blocks its own time (and its buffer).
        let err = fx.store.reschedule_booking(&b.id, dec(1, 11, 0), Act { by: staff(&b), at }).await.unwrap_err();
        assert!(is_rule(&err, slot_taken), "{err:?} (other: {other:?})");
        assert_eq!(fx.store.booking(&expected.id).await.unwrap(), expected);
        assert_eq!(ids(&fx.store.bookings(&all_bookings()).await.unwrap()), ["moving", "other"]);
    }

    pub async fn failed_reschedule_leaves_the_booking_untouched(fx: Fixture) {
        let b = create(&*fx.store, &booking("moving", SKIVE, dec(1, 9, 0), 60)).await;
        create(&*fx.store, &booking("blocker", VIBORG, dec(2, 9, 0), 60)).await;
        let err =
            fx.store.reschedule_booking(&b.id, dec(2, 9, 30), Act { by: staff(&b), at: now() }).await.unwrap_err();
        assert!(is_rule(&err, slot_taken), "{err:?}");
        let still = fx.store.booking(&b.id).await.unwrap();
        assert_eq!(still, b);
        assert!(still.is_confirmed());
        // And its old time is still taken.
        let err = book(&*fx.store, &booking("x", AARHUS, b.start, 60), None, now()).await.unwrap_err();
        assert!(is_rule(&err, slot_taken), "{err:?}");
    }

    pub async fn rescheduling_a_cancelled_booking_is_a_conflict(fx: Fixture) {
        let b = create(&*fx.store, &booking("b-1", SKIVE, dec(1, 9, 0), 60)).await;
        let cancelled = fx.store.cancel_booking(&b.id, None, Act { by: Actor::Coordinator, at: now() }).await.unwrap();
        let err = fx
            .store
            .reschedule_booking(&b.id, dec(2, 9, 0), Act { by: Actor::Coordinator, at: now() })
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Refused(Refusal::CancelledCannotMove)), "{err:?}");
        assert_eq!(&fx.store.booking(&b.id).await.unwrap(), cancelled.booking());
    }

    pub async fn rescheduling_an_unknown_booking_is_not_found(fx: Fixture) {
        let err = fx
            .store
            .reschedule_booking(&id("nope"), dec(2, 9, 0), Act { by: Actor::Coordinator, at: now() })
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::NotFound(_)), "{err:?}");
    }

    pub async fn every_booking_change_owes_both_people_a_message_in_the_same_write(fx: Fixture) {
        let b = create(&*fx.store, &booking("b-1", SKIVE, dec(1, 9, 0), 60)).await;
        let moved = fx.store.reschedule_booking(&b.id, dec(2, 9, 0), Act { by: staff(&b), at: now() }).await.unwrap();
        let cancelled = fx
            .store
            .cancel_booking(&b.id, Some("Syg".into()), Act { by: Actor::Coordinator, at: now() })
            .await
            .unwrap();
        let due = fx.store.due_messages(now(), 100).await.unwrap();
        let mut expected: Vec<Message> =
            [outbox::owed_by(&lifecycle_booked(&b)), outbox::owed_by(&moved), outbox::owed_by(&cancelled)].concat();
        expected.sort_by(|a, b| a.due.cmp(&b.due).then_with(|| a.id.cmp(&b.id)));
        assert_eq!(due, expected);
        assert_eq!(due.len(), 6);
        // Each is found by its id.
        assert_eq!(fx.store.message(&due[0].id).await.unwrap(), due[0]);
        assert!(matches!(fx.store.message("nope@dk2020-planner").await, Err(StoreError::NotFound(_))));
    }

    pub async fn a_manage_link_is_found_by_its_keys_hash_until_its_bookings_links_are_revoked(fx: Fixture) {
        let b = create(&*fx.store, &booking("b-1", SKIVE, dec(1, 9, 0), 60)).await;
        let other = create(&*fx.store, &booking("b-2", SKIVE, dec(2, 9, 0), 60)).await;
        let (key, first) = ManageLink::issue(&b.id, now());
        let (_, second) = ManageLink::issue(&b.id, now());
        let (_, of_other) = ManageLink::issue(&other.id, now());
        for link in [&first, &second, &of_other] {
            fx.store.add_manage_link(link).await.unwrap();
        }
        assert_eq!(fx.store.manage_link(&key_hash(&key)).await.unwrap(), first);
        assert!(matches!(fx.store.manage_link(&key_hash("dkm_never-issued")).await, Err(StoreError::NotFound(_))));
        assert!(
            matches!(fx.store.manage_link(&key).await, Err(StoreError::NotFound(_))),
            "the key itself is not stored"
        );
        assert_eq!(fx.store.revoke_manage_links(&b.id).await.unwrap(), 2);
        for link in [&first, &second] {
            assert!(matches!(fx.store.manage_link(&link.hash).await, Err(StoreError::NotFound(_))));
        }
        assert_eq!(
            fx.store.manage_link(&of_other.hash).await.unwrap(),
            of_other,
            "another booking's link still opens it"
        );
        assert_eq!(fx.store.revoke_manage_links(&b.id).await.unwrap(), 0);
    }

    fn subscription(n: usize, busy: Vec<BusyTime>) -> Subscription {
        let id = CalendarId::parse(&format!("cal_{n}")).unwrap();
        let label = CalendarLabel::parse(&format!("Kalender {n}")).unwrap();
        let fresh = Subscription::new(id, label, format!("https://cal.example.dk/{n}.ics"), true, now());
        let etag = Some(format!("\"v{n}\""));
        fresh.record(FetchOutcome::Busy { busy, etag, last_modified: None }, now())
    }

    fn busy_at(start: LocalTime, minutes: i64) -> BusyTime {
        BusyTime { start: start.timestamp(), end: start.timestamp() + jiff::SignedDuration::from_mins(minutes) }
    }

    pub async fn calendar_subscriptions_are_kept_whole_updated_only_while_they_exist_and_limited_to_ten(fx: Fixture) {
        assert!(fx.store.calendars().await.unwrap().is_empty());
        let first = subscription(1, vec![busy_at(dec(1, 9, 0), 60), busy_at(dec(2, 9, 0), 30)]);
        fx.store.add_calendar(&first).await.unwrap();
        assert_eq!(fx.store.calendars().await.unwrap(), vec![first.clone()], "read back exactly");
        let failed = first.clone().record(
            FetchOutcome::Failed(FetchProblem { code: "timeout".into(), message: "no answer".into() }),
            now() + jiff::SignedDuration::from_mins(15),
        );
        fx.store.save_calendar(&failed).await.unwrap();
        assert_eq!(fx.store.calendar(&first.id).await.unwrap(), failed);
        for n in 2..=10 {
            fx.store.add_calendar(&subscription(n, Vec::new())).await.unwrap();
        }
        let err = fx.store.add_calendar(&subscription(11, Vec::new())).await.unwrap_err();
        assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
        assert_eq!(fx.store.calendars().await.unwrap().len(), 10);
        fx.store.delete_calendar(&first.id).await.unwrap();
        assert!(matches!(fx.store.delete_calendar(&first.id).await, Err(StoreError::NotFound(_))));
        assert!(
            matches!(fx.store.save_calendar(&failed).await, Err(StoreError::NotFound(_))),
            "a refresh that ends after the delete does not bring the calendar back"
        );
        assert!(matches!(fx.store.calendar(&first.id).await, Err(StoreError::NotFound(_))));
        drop(fx.store);
        let reopened = (fx.reopen)().await;
        assert_eq!(reopened.calendars().await.unwrap().len(), 9);
    }

    fn scenario(n: usize) -> dk2020_model::scenario::Scenario {
        use dk2020_model::scenario::{Scenario, ScenarioId, ScenarioName};
        let params = PlanParams { contribution_per_year: 500_000, ..PlanParams::default() };
        let id = ScenarioId::parse(&format!("scn_{n:03}")).unwrap();
        let name = ScenarioName::parse(&format!("Scenarie {n}")).unwrap();
        let at = now() + jiff::SignedDuration::from_secs(n as i64);
        Scenario::new(id, name, params, &Municipalities::builtin(), at).unwrap()
    }

    pub async fn budget_scenarios_are_kept_whole_changed_only_while_they_exist_and_limited_to_fifty(fx: Fixture) {
        use dk2020_model::scenario::{MAX_SCENARIOS, ScenarioName};
        assert!(fx.store.scenarios().await.unwrap().is_empty());
        let first = scenario(1);
        fx.store.add_scenario(&first).await.unwrap();
        assert_eq!(fx.store.scenarios().await.unwrap(), vec![first.clone()], "read back exactly");
        let seventeen = PlanParams { exclude: [code(791), code(741)].into_iter().collect(), ..first.params.clone() };
        let edited = first
            .edited(ScenarioName::parse("Uden Viborg og Samsø").unwrap(), seventeen, &Municipalities::builtin(), now())
            .unwrap();
        fx.store.save_scenario(&edited).await.unwrap();
        assert_eq!(fx.store.scenario(&first.id).await.unwrap(), edited);
        for n in 2..=MAX_SCENARIOS {
            fx.store.add_scenario(&scenario(n)).await.unwrap();
        }
        let err = fx.store.add_scenario(&scenario(MAX_SCENARIOS + 1)).await.unwrap_err();
        assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
        let listed = fx.store.scenarios().await.unwrap();
        assert_eq!(listed.len(), MAX_SCENARIOS);
        assert_eq!(listed[0], edited, "the oldest first");
        fx.store.delete_scenario(&first.id).await.unwrap();
        assert!(matches!(fx.store.delete_scenario(&first.id).await, Err(StoreError::NotFound(_))));
        assert!(matches!(fx.store.save_scenario(&edited).await, Err(StoreError::NotFound(_))), "not brought back");
        drop(fx.store);
        let reopened = (fx.reopen)().await;
        assert_eq!(reopened.scenarios().await.unwrap().len(), MAX_SCENARIOS - 1);
    }

    fn credential(n: usize, grant: dk2020_model::credential::Grant) -> dk2020_model::credential::Credential {
        dk2020_model::credential::Credential {
            id: format!("key_{n}"),
            hash: format!("{n:064x}"),
            label: format!("Nøgle {n}"),
            grant,
            created_by: "sekretariatet".into(),
            created_at: now() + jiff::SignedDuration::from_secs(n as i64),
            last_used: None,
            revoked_at: None,
            expires_at: None,
        }
    }

    pub async fn credentials_are_found_by_kind_and_hash_changed_while_they_exist_and_forgotten(fx: Fixture) {
        use dk2020_model::credential::{CredentialKind, Grant, Origin};
        let grant = Grant::EmbedKey {
            municipality: code(SKIVE),
            origins: vec![Origin::parse("https://intranet.skive.dk").unwrap()],
        };
        let key = credential(1, grant.clone());
        fx.store.add_credential(&key).await.unwrap();
        assert!(
            matches!(fx.store.add_credential(&key).await, Err(StoreError::Conflict(_))),
            "one hash, one credential"
        );
        fx.store.add_credential(&credential(2, grant)).await.unwrap();
        fx.store.add_credential(&credential(3, Grant::CalendarFeed)).await.unwrap();
        assert_eq!(fx.store.credential(CredentialKind::EmbedKey, &key.hash).await.unwrap(), key, "read back exactly");
        assert!(
            matches!(fx.store.credential(CredentialKind::CalendarFeed, &key.hash).await, Err(StoreError::NotFound(_))),
            "by kind"
        );
        let keys = fx.store.credentials(CredentialKind::EmbedKey).await.unwrap();
        assert_eq!(keys.iter().map(|k| k.id.as_str()).collect::<Vec<_>>(), ["key_1", "key_2"], "the oldest first");
        assert_eq!(fx.store.credential_by_id(CredentialKind::CalendarFeed, "key_3").await.unwrap().id, "key_3");
        let revoked = key.revoked(now());
        fx.store.save_credential(&revoked).await.unwrap();
        assert_eq!(fx.store.credential(CredentialKind::EmbedKey, &key.hash).await.unwrap().revoked_at, Some(now()));
        // A session with its expiry (DynamoDB's TTL attribute), signed out.
        let email = dk2020_model::Email::parse("koordinator@aarhus.dk").unwrap();
        let session = dk2020_model::credential::Credential::session(
            "ses_1".into(),
            "f".repeat(64),
            Actor::Coordinator,
            email,
            "c".into(),
            now(),
        );
        fx.store.add_credential(&session).await.unwrap();
        assert_eq!(fx.store.credential(CredentialKind::Session, &session.hash).await.unwrap(), session);
        // Eight idle hours later the sweep forgets it.
        let later = now() + jiff::SignedDuration::from_hours(9);
        assert_eq!(dk2020_api::session::sweep(&*fx.store, now()).await.unwrap(), 0, "not yet");
        assert_eq!(dk2020_api::session::sweep(&*fx.store, later).await.unwrap(), 1);
        fx.store.delete_credential(CredentialKind::Session, &session.hash).await.unwrap();
        assert!(matches!(fx.store.save_credential(&session).await, Err(StoreError::NotFound(_))), "not brought back");
        drop(fx.store);
        let reopened = (fx.reopen)().await;
        assert_eq!(reopened.credentials(CredentialKind::EmbedKey).await.unwrap()[0], revoked);
        assert!(reopened.credentials(CredentialKind::Session).await.unwrap().is_empty());
    }

    pub async fn the_audit_log_gives_back_the_entries_of_a_period_by_actor_and_kind(fx: Fixture) {
        use dk2020_model::audit::{AuditEntry, AuditFilter, AuditKind, Via};
        let entry = |n: i64, days: i64, actor: Actor, kind: AuditKind| AuditEntry {
            id: format!("aud_{n:03}"),
            at: now() + jiff::SignedDuration::from_hours(24 * days),
            actor,
            via: Via::Token { jti: None },
            kind,
            summary: format!("Ændring {n}"),
            subject: None,
            person: None,
        };
        let skive = Actor::Municipality { municipality: code(SKIVE) };
        // Across a month's end (DynamoDB keeps a partition per month).
        let entries = [
            entry(1, 0, skive, AuditKind::BookingMade),
            entry(2, 20, Actor::Coordinator, AuditKind::AvailabilityChanged),
            entry(3, 40, skive, AuditKind::BookingCancelled),
        ];
        for e in entries.iter().rev() {
            fx.store.record_audit(e).await.unwrap();
        }
        let all = AuditFilter::between(now(), now() + jiff::SignedDuration::from_hours(24 * 60));
        assert_eq!(fx.store.audit(&all).await.unwrap(), entries.to_vec(), "the oldest first, read back exactly");
        let first_month = AuditFilter { to: now() + jiff::SignedDuration::from_hours(24 * 20), ..all.clone() };
        assert_eq!(fx.store.audit(&first_month).await.unwrap(), entries[..1].to_vec(), "`to` is exclusive");
        let by_skive = AuditFilter { actor: Some(SKIVE.to_string()), ..all.clone() };
        assert_eq!(fx.store.audit(&by_skive).await.unwrap().len(), 2);
        let cancelled = AuditFilter { kind: Some(AuditKind::BookingCancelled), ..all };
        assert_eq!(fx.store.audit(&cancelled).await.unwrap(), entries[2..].to_vec());
    }

    pub async fn an_erased_booking_keeps_its_time_and_statistics_and_loses_its_contact_for_good(fx: Fixture) {
        let b = create(&*fx.store, &booking("b-1", SKIVE, dec(1, 9, 0), 60)).await;
        assert!(fx.store.erase_booking(&b.id, now()).await.unwrap());
        let erased = fx.store.booking(&b.id).await.unwrap();
        assert_eq!(erased, dk2020_model::privacy::erase_booking(&b, now()), "read back exactly as the model erases");
        assert!(!fx.store.erase_booking(&b.id, now()).await.unwrap(), "erased already");
        // Still booked: its time is taken, and the rules' copy has no contact either.
        let same_time = booking("b-2", RANDERS, dec(1, 9, 0), 60);
        assert!(is_rule(&book(&*fx.store, &same_time, None, now()).await.unwrap_err(), slot_taken));
        let listed = fx.store.bookings(&BookingFilter { ends_after: Some(now()), ..all_bookings() }).await.unwrap();
        assert_eq!(listed, vec![erased.clone()]);
        // A later change never brings the data back.
        let by = Act { by: Actor::Coordinator, at: now() };
        fx.store.cancel_booking(&b.id, Some("Syg".into()), by).await.unwrap();
        let cancelled = fx.store.booking(&b.id).await.unwrap();
        assert_eq!((cancelled.contact_email, cancelled.erased_at), (None, Some(now())));
        assert!(matches!(fx.store.erase_booking(&id("nope"), now()).await, Err(StoreError::NotFound(_))));
        // And after a restart (one process owns a SQLite file: this one first lets go).
        drop(fx.store);
        let reopened = (fx.reopen)().await;
        assert_eq!(reopened.booking(&b.id).await.unwrap().contact_name, None);
    }

    pub async fn the_outbox_lists_every_message_and_forgets_one_on_request(fx: Fixture) {
        create(&*fx.store, &booking("b-1", SKIVE, dec(1, 9, 0), 60)).await;
        let all = fx.store.all_messages().await.unwrap();
        assert_eq!(all.len(), 2, "one for the contact, one for the coordinator");
        fx.store.update_message(&all[0].clone().sent(now())).await.unwrap();
        assert_eq!(fx.store.all_messages().await.unwrap().len(), 2, "sent ones too");
        fx.store.delete_message(&all[0].id).await.unwrap();
        fx.store.delete_message(&all[0].id).await.unwrap();
        assert_eq!(fx.store.all_messages().await.unwrap(), vec![all[1].clone()]);
    }

    pub async fn an_audit_entry_is_saved_again_with_its_personal_details_erased(fx: Fixture) {
        use dk2020_model::audit::{AuditEntry, AuditFilter, AuditKind, Via};
        let entry = AuditEntry {
            id: "aud_1".into(),
            at: now(),
            actor: Actor::Secretariat,
            via: Via::Session { id: "ses_1".into(), email: Some(Email::parse("sek@kl.dk").unwrap()) },
            kind: AuditKind::BookingMade,
            summary: "Skive Kommune".into(),
            subject: Some("b-1".into()),
            person: Some(Email::parse("klima@skive.dk").unwrap()),
        };
        fx.store.record_audit(&entry).await.unwrap();
        let erased = dk2020_model::privacy::erase_audit_details(&entry);
        fx.store.save_audit(&erased).await.unwrap();
        let all = AuditFilter::between(now(), now() + jiff::SignedDuration::from_hours(1));
        assert_eq!(fx.store.audit(&all).await.unwrap(), vec![erased], "replaced, not added");
    }

    pub async fn the_retention_erases_what_is_past_its_time_and_keeps_the_rest(fx: Fixture) {
        use dk2020_model::{credential::CredentialKind, privacy::Retention};
        let old = create(&*fx.store, &booking("b-1", SKIVE, dec(1, 9, 0), 60)).await;
        let (_, link) = ManageLink::issue(&old.id, now());
        fx.store.add_manage_link(&link).await.unwrap();
        // A year and a month later, the second one booked meanwhile.
        let later = LocalTime::from_local(date(2028, 1, 4).at(8, 0, 0, 0)).timestamp();
        let recent_start = LocalTime::from_local(date(2027, 12, 6).at(9, 0, 0, 0));
        let recent = booking("b-2", RANDERS, recent_start, 60);
        let made =
            book(&*fx.store, &recent, None, LocalTime::from_local(date(2027, 11, 29).at(8, 0, 0, 0)).timestamp())
                .await
                .unwrap();
        let session = dk2020_model::credential::Credential::session(
            "ses_1".into(),
            "e".repeat(64),
            Actor::Coordinator,
            Email::parse("koordinator@aarhus.dk").unwrap(),
            "c".into(),
            now(),
        );
        fx.store.add_credential(&session).await.unwrap();
        let erased = dk2020_api::privacy::apply_retention(&*fx.store, &Retention::default(), later).await.unwrap();
        assert_eq!((erased.bookings, erased.manage_links, erased.credentials), (1, 1, 1), "{erased:?}");
        let kept = fx.store.booking(&old.id).await.unwrap();
        assert_eq!(
            (kept.municipality, kept.kind, kept.start, kept.end),
            (old.municipality, old.kind, old.start, old.end)
        );
        assert_eq!((kept.topic, kept.contact_name, kept.contact_email), (None, None, None));
        assert_eq!(fx.store.booking(&recent.id).await.unwrap(), made.booking, "within its retention");
        let mails = fx.store.all_messages().await.unwrap();
        assert!(mails.iter().all(|m| m.notice.booking().id == recent.id), "the old booking's mails are gone");
        assert!(matches!(fx.store.manage_link(&link.hash).await, Err(StoreError::NotFound(_))));
        assert!(fx.store.credentials(CredentialKind::Session).await.unwrap().is_empty(), "the ended session");
        let again = dk2020_api::privacy::apply_retention(&*fx.store, &Retention::default(), later).await.unwrap();
        assert_eq!(again.total(), 0, "nothing twice: {again:?}");
    }

    pub async fn a_person_erased_on_request_is_gone_from_bookings_mails_links_audit_and_sessions(fx: Fixture) {
        use dk2020_model::audit::{AuditEntry, AuditKind, Via};
        let theirs = create(&*fx.store, &booking("b-1", SKIVE, dec(1, 9, 0), 60)).await;
        let mut other = booking("b-2", SKIVE, dec(2, 9, 0), 60);
        other.contact_email = Some(Email::parse("anden@skive.dk").unwrap());
        let other = create(&*fx.store, &other).await;
        let (_, link) = ManageLink::issue(&theirs.id, now());
        fx.store.add_manage_link(&link).await.unwrap();
        let person = Email::parse("KLIMA@skive.dk").unwrap();
        fx.store
            .record_audit(&AuditEntry {
                id: "aud_1".into(),
                at: now(),
                actor: Actor::Municipality { municipality: code(SKIVE) },
                via: Via::Token { jti: None },
                kind: AuditKind::BookingMade,
                summary: "Skive Kommune".into(),
                subject: Some("b-1".into()),
                person: Some(Email::parse("klima@skive.dk").unwrap()),
            })
            .await
            .unwrap();
        let report = dk2020_api::privacy::subject(&*fx.store, &person, now()).await.unwrap();
        assert_eq!(ids(&report.bookings), ["b-1"]);
        assert_eq!((report.mails.len(), report.audit.len()), (2, 1));
        let erased = dk2020_api::privacy::erase(&*fx.store, &person, now()).await.unwrap();
        assert_eq!((erased.bookings, erased.mails, erased.manage_links, erased.audit_entries), (1, 2, 1, 1));
        let after = dk2020_api::privacy::subject(&*fx.store, &person, now()).await.unwrap();
        assert!(after.bookings.is_empty() && after.mails.is_empty() && after.audit.is_empty(), "{after:?}");
        assert_eq!(fx.store.booking(&theirs.id).await.unwrap().contact_email, None);
        assert_eq!(fx.store.booking(&other.id).await.unwrap(), other, "another person's booking is untouched");
        assert_eq!(fx.store.all_messages().await.unwrap().len(), 2, "the other booking's mails stay");
    }

    pub async fn a_booking_in_a_busy_time_of_a_subscribed_calendar_is_refused_by_the_store(fx: Fixture) {
        fx.store.add_calendar(&subscription(1, vec![busy_at(dec(1, 10, 0), 60)])).await.unwrap();
        let during = booking("b-1", SKIVE, dec(1, 10, 0), 60);
        let err = book(&*fx.store, &during, None, now()).await.unwrap_err();
        assert!(is_rule(&err, |v| matches!(v, RuleViolation::CoordinatorBusy { .. })), "{err:?}");
        let buffer = booking("b-2", SKIVE, dec(1, 11, 0), 60);
        assert!(book(&*fx.store, &buffer, None, now()).await.is_err(), "the buffer after the meeting is kept");
        let after = create(&*fx.store, &booking("b-3", SKIVE, dec(1, 11, 30), 60)).await;
        let err = fx
            .store
            .reschedule_booking(&after.id, dec(1, 9, 0), Act { by: staff(&after), at: now() })
            .await
            .unwrap_err();
        assert!(is_rule(&err, |v| matches!(v, RuleViolation::CoordinatorBusy { .. })), "moving into it: {err:?}");
        assert!(fx.store.due_messages(now(), 100).await.unwrap().len() == 2, "only the one booking's mails");
    }

    pub async fn a_refused_change_or_a_replay_owes_no_message(fx: Fixture) {
        let b = booking("b-1", SKIVE, dec(1, 9, 7), 60);
        book(&*fx.store, &b, None, now()).await.unwrap_err();
        assert!(fx.store.due_messages(now(), 100).await.unwrap().is_empty());
        let first = booking("first", SKIVE, dec(1, 9, 0), 60);
        book(&*fx.store, &first, Some("k"), created()).await.unwrap();
        book(&*fx.store, &booking("again", SKIVE, dec(1, 9, 0), 60), Some("k"), now()).await.unwrap();
        let err = fx
            .store
            .reschedule_booking(&first.id, dec(1, 9, 7), Act { by: staff(&first), at: now() })
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Refused(_)), "{err:?}");
        assert_eq!(fx.store.due_messages(now(), 100).await.unwrap().len(), 2, "only the first booking's two");
    }

    pub async fn due_messages_come_when_their_time_has_come_and_leave_once_sent(fx: Fixture) {
        let b = create(&*fx.store, &booking("b-1", SKIVE, dec(1, 9, 0), 60)).await;
        let before = created() - jiff::SignedDuration::from_nanos(1);
        assert!(fx.store.due_messages(before, 100).await.unwrap().is_empty(), "not before the booking");
        let due = fx.store.due_messages(created(), 100).await.unwrap();
        assert_eq!(due.len(), 2);
        assert_eq!(fx.store.due_messages(now(), 1).await.unwrap(), due[..1], "at most the limit, earliest first");
        // One is sent, the other fails once and waits for its retry.
        let sent = due[0].clone().sent(now());
        fx.store.update_message(&sent).await.unwrap();
        let retry = due[1].clone().attempt_failed("451 try later", now(), outbox::DEFAULT_MAX_ATTEMPTS);
        fx.store.update_message(&retry).await.unwrap();
        assert!(fx.store.due_messages(now(), 100).await.unwrap().is_empty());
        assert_eq!(fx.store.due_messages(retry.due, 100).await.unwrap(), std::slice::from_ref(&retry));
        assert_eq!(fx.store.message(&sent.id).await.unwrap(), sent);
        assert_eq!(b.sequence, 0);
    }

    pub async fn failed_messages_are_listed_and_can_be_sent_again(fx: Fixture) {
        create(&*fx.store, &booking("b-1", SKIVE, dec(1, 9, 0), 60)).await;
        let mut message = fx.store.due_messages(now(), 1).await.unwrap().remove(0);
        while message.delivery == Delivery::Due {
            message = message.attempt_failed("550 mailbox unavailable", now(), 3);
        }
        fx.store.update_message(&message).await.unwrap();
        assert_eq!(fx.store.failed_messages().await.unwrap(), [message.clone()]);
        let later = now() + jiff::SignedDuration::from_hours(10);
        let again = message.send_again(later);
        fx.store.update_message(&again).await.unwrap();
        assert!(fx.store.failed_messages().await.unwrap().is_empty());
        assert!(fx.store.due_messages(later, 100).await.unwrap().contains(&again));
    }

    /// The coordinator's "send again" (`Outbox::send_again`): one call that
    /// reads, applies the model and writes back.
    pub async fn send_again_makes_only_a_failed_message_due(fx: Fixture) {
        create(&*fx.store, &booking("b-1", SKIVE, dec(1, 9, 0), 60)).await;
        let due = fx.store.due_messages(now(), 1).await.unwrap().remove(0);
        let later = now() + jiff::SignedDuration::from_hours(10);
        assert_eq!(fx.store.send_again(&due.id, later).await.unwrap(), SendAgain::NotFailed(Delivery::Due));
        assert_eq!(fx.store.message(&due.id).await.unwrap(), due, "a due message is left as it was");
        let failed = due.clone().attempt_failed("550 mailbox unavailable", now(), 1);
        fx.store.update_message(&failed).await.unwrap();
        let SendAgain::Due(again) = fx.store.send_again(&due.id, later).await.unwrap() else {
            panic!("a failed message is due again")
        };
        assert_eq!((again.delivery, again.due, again.attempts), (Delivery::Due, later, 0));
        assert_eq!(fx.store.message(&due.id).await.unwrap(), *again, "written back");
        assert!(fx.store.failed_messages().await.unwrap().is_empty());
        let sent = (*again).clone().sent(later);
        fx.store.update_message(&sent).await.unwrap();
        assert_eq!(fx.store.send_again(&due.id, later).await.unwrap(), SendAgain::NotFailed(Delivery::Sent));
        assert!(matches!(fx.store.send_again("no-such-message", later).await, Err(StoreError::NotFound(_))));
    }

    pub async fn idempotency_key_returns_the_first_booking_without_a_second_row(fx: Fixture) {
        let start = dec(1, 9, 0);
        let first = booking("first", SKIVE, start, 60);
        let made = book(&*fx.store, &first, Some("retry-me"), created()).await.unwrap();
        assert!(made.is_new());
        // The retry carries a new id (the API makes one per request) and would
        // fail the rules against the first booking: it still gets the first.
        let retry = booking("second", SKIVE, start, 60);
        let Created { booking: again, event } = book(&*fx.store, &retry, Some("retry-me"), now()).await.unwrap();
        assert!(event.is_none(), "a replay is no new event");
        assert_eq!(again, first);
        assert_eq!(ids(&fx.store.bookings(&all_bookings()).await.unwrap()), ["first"]);
        assert!(matches!(fx.store.booking(&retry.id).await, Err(StoreError::NotFound(_))));
        // A different key is a different request.
        let other = booking("third", SKIVE, dec(2, 9, 0), 60);
        let made = book(&*fx.store, &other, Some("another"), created()).await.unwrap();
        assert!(made.is_new());
        assert_eq!(made.booking, other);
    }

    pub async fn idempotency_key_is_per_municipality(fx: Fixture) {
        let skive = booking("skive", SKIVE, dec(1, 9, 0), 60);
        let viborg = booking("viborg", VIBORG, dec(2, 9, 0), 60);
        assert!(book(&*fx.store, &skive, Some("k"), created()).await.unwrap().is_new());
        let made = book(&*fx.store, &viborg, Some("k"), created()).await.unwrap();
        assert!(made.is_new());
        assert_eq!(made.booking, viborg);
        assert_eq!(ids(&fx.store.bookings(&all_bookings()).await.unwrap()), ["skive", "viborg"]);
    }

    pub async fn data_survives_reopening(fx: Fixture) {
        let store = fx.store;
        let figure = Population { inhabitants: 46_500, as_of: date(2024, 1, 1) };
        store.set_population(code(SKIVE), figure).await.unwrap();
        let first =
            change(SKIVE, EnrolmentStatus::Undecided, EnrolmentStatus::CouncilConsidering, "2020-09-01T10:00:00Z");
        store.record_status_change(&first).await.unwrap();
        let mut rounds: Vec<_> = Rounds::default().iter().copied().collect();
        rounds[0].expected_min = 6;
        let rounds = Rounds::new(rounds).unwrap();
        store.set_setting(&rounds).await.unwrap();
        let params = PlanParams { total: 1_234_567, ..PlanParams::default() };
        store.set_setting(&params).await.unwrap();
        let mut availability = Availability::default();
        availability.rules.cap_per_municipality = 3;
        store.set_setting(&availability).await.unwrap();
        let kept =
            book(&*store, &booking("kept", SKIVE, dec(1, 9, 0), 60), Some("k"), created()).await.unwrap().booking;
        create(&*store, &booking("dropped", VIBORG, dec(2, 9, 0), 60)).await;
        let dropped = store
            .cancel_booking(&id("dropped"), None, Act { by: Actor::Coordinator, at: now() })
            .await
            .unwrap()
            .booking()
            .clone();
        drop(store);

        let store = (fx.reopen)().await;
        let all = store.municipalities().await.unwrap();
        assert_eq!(all.get(code(SKIVE)).population, figure);
        assert_eq!(store.status_changes().await.unwrap(), vec![first]);
        assert_eq!(store.setting::<Rounds>().await.unwrap(), rounds);
        assert_eq!(store.setting::<PlanParams>().await.unwrap(), params);
        assert_eq!(store.setting::<Availability>().await.unwrap(), availability);
        assert_eq!(store.bookings(&all_bookings()).await.unwrap(), vec![kept.clone(), dropped]);
        // The idempotency key is remembered too.
        let retry = book(&*store, &booking("retry", SKIVE, dec(1, 9, 0), 60), Some("k"), now()).await.unwrap();
        assert!(!retry.is_new());
        assert_eq!(retry.booking, kept);
    }

    // -- Concurrency (multi-threaded runtime) --------------------------------

    const TASKS: usize = 32;

    /// 32 tasks of different municipalities book the same online slot at once,
    /// each with the model's real check: exactly one wins, the rest are told
    /// the slot is taken, and the store holds one booking.
    pub async fn concurrent_bookings_of_one_slot_let_exactly_one_win(fx: Fixture) {
        let codes = MunicipalityCode::all();
        // Tuesday 1 December 2026, 09:00: open, on the grid, with notice.
        let start = dec(1, 9, 0);
        let barrier = Arc::new(tokio::sync::Barrier::new(TASKS));
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..TASKS {
            let (store, barrier) = (fx.store.clone(), barrier.clone());
            let municipality = codes[i % codes.len()];
            tasks.spawn(async move {
                let b = booking(&format!("task-{i}"), municipality.get(), start, 60);
                barrier.wait().await;
                book(&*store, &b, None, now()).await
            });
        }
        let (mut won, mut taken) = (0, 0);
        while let Some(result) = tasks.join_next().await {
            match result.expect("task") {
                Ok(made) => {
                    assert!(made.is_new());
                    won += 1;
                }
                Err(e) if is_rule(&e, slot_taken) => taken += 1,
                Err(other) => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!((won, taken), (1, TASKS - 1));
        let all = fx.store.bookings(&all_bookings()).await.unwrap();
        assert_eq!(all.len(), 1, "{:?}", ids(&all));
        assert_eq!(all[0].start, start);
    }

    /// A client retrying the same request many times at once gets one booking.
    pub async fn concurrent_retries_with_one_idempotency_key_make_one_booking(fx: Fixture) {
        let barrier = Arc::new(tokio::sync::Barrier::new(TASKS));
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..TASKS {
            let (store, barrier) = (fx.store.clone(), barrier.clone());
            tasks.spawn(async move {
                let b = booking(&format!("try-{i}"), SKIVE, dec(1, 9, 0), 60);
                barrier.wait().await;
                book(&*store, &b, Some("one-request"), now()).await
            });
        }
        let mut results = Vec::new();
        while let Some(result) = tasks.join_next().await {
            results.push(result.expect("task").expect("every retry succeeds"));
        }
        let created: Vec<_> = results.iter().filter(|r| r.is_new()).collect();
        assert_eq!(created.len(), 1);
        let winner = &created[0].booking;
        assert!(results.iter().all(|r| r.booking == *winner));
        assert_eq!(fx.store.bookings(&all_bookings()).await.unwrap(), vec![winner.clone()]);
    }

    /// Two secretaries saving the same municipality at once: one change wins.
    pub async fn concurrent_status_changes_from_one_status_let_exactly_one_win(fx: Fixture) {
        let barrier = Arc::new(tokio::sync::Barrier::new(TASKS));
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..TASKS {
            let (store, barrier) = (fx.store.clone(), barrier.clone());
            tasks.spawn(async move {
                let to = if i % 2 == 0 { EnrolmentStatus::Declined } else { EnrolmentStatus::CouncilConsidering };
                let c = change(SKIVE, EnrolmentStatus::Undecided, to, "2020-09-01T10:00:00Z");
                barrier.wait().await;
                store.record_status_change(&c).await
            });
        }
        let (mut won, mut conflicts) = (0, 0);
        while let Some(result) = tasks.join_next().await {
            match result.expect("task") {
                Ok(()) => won += 1,
                Err(StoreError::Conflict(_)) => conflicts += 1,
                Err(other) => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!((won, conflicts), (1, TASKS - 1));
        let changes = fx.store.status_changes().await.unwrap();
        assert_eq!(changes.len(), 1);
        Enrolment::replay(changes).unwrap();
    }

    /// Many bookings moved onto the same free time at once: one move wins, the
    /// others stay where they were.
    pub async fn concurrent_reschedules_onto_one_slot_let_exactly_one_win(fx: Fixture) {
        const MOVERS: usize = 8;
        let mut originals = Vec::new();
        for i in 0..MOVERS {
            let day = 1 + i as i8;
            originals.push(create(&*fx.store, &booking(&format!("m-{i}"), SKIVE, dec(day, 9, 0), 60)).await);
        }
        let (start, end) = (dec(15, 13, 0), dec(15, 14, 0));
        let barrier = Arc::new(tokio::sync::Barrier::new(MOVERS));
        let mut tasks = tokio::task::JoinSet::new();
        for b in &originals {
            let (store, barrier, id, by) = (fx.store.clone(), barrier.clone(), b.id.clone(), staff(b));
            tasks.spawn(async move {
                barrier.wait().await;
                store.reschedule_booking(&id, start, Act { by, at: now() }).await
            });
        }
        let mut won = Vec::new();
        while let Some(result) = tasks.join_next().await {
            match result.expect("task") {
                Ok(moved) => won.push(moved.booking().clone()),
                Err(e) if is_rule(&e, slot_taken) => {}
                Err(other) => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!(won.len(), 1);
        for b in &originals {
            let now_stored = fx.store.booking(&b.id).await.unwrap();
            if b.id == won[0].id {
                assert_eq!((now_stored.start, now_stored.end), (start, end));
            } else {
                assert_eq!(&now_stored, b, "a losing move changed its booking");
            }
        }
    }
}
