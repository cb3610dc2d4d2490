//! The embedded store: one SQLite file (WAL, `synchronous=FULL`), schema
//! migrations versioned in code and tracked with `PRAGMA user_version`.
//!
//! rusqlite is synchronous, so every operation runs on tokio's blocking pool
//! with the one connection held behind an async mutex. A booking change runs
//! in a single `BEGIN IMMEDIATE` transaction: it reads the settings and the
//! bookings the rules look at, lets the model decide
//! ([`dk2020_model::lifecycle`]) and writes the result, all with SQLite's write
//! lock held, so nothing can slip in between the check and the write.
//!
//! Layout:
//! - `settings(key, json)`: rounds, budget parameters and availability as JSON.
//! - `populations(code, inhabitants, as_of)`: the current figure of each of the
//!   19 (names, town halls etc. are built in).
//! - `status_changes(seq, municipality, change)`: the enrolment history only;
//!   the state is the model's initial state with these replayed in `seq` order.
//! - `bookings(...)`: one row a booking, instants as UTC epoch seconds (plus the
//!   sub-second part, so an instant reads back exactly).
//! - `idempotency_keys(municipality, key) -> booking_id`.
//!
//! Settings, populations, the enrolment history and the confirmed bookings
//! are read on nearly every request and change far less often: the store keeps
//! them in memory ([`Caches`]), filled on first read and updated by its own
//! writes. So one process owns a database file: `open` takes an exclusive lock
//! on `<file>.lock` (released by the kernel even on `kill -9`) and refuses to
//! open a file another process holds. Booking checks never use the copy: they
//! read the file inside their write transaction.

use std::{
    collections::BTreeMap,
    fs::{File, TryLockError},
    ops::{Deref, DerefMut},
    path::{Path, PathBuf},
    sync::Arc,
    time::Duration,
};

use anyhow::Context as _;
use async_trait::async_trait;
use dk2020_model::{
    Act, Booking, BookingId, BookingStatus, ContactName, Email, LocalTime, Municipalities, MunicipalityCode,
    Population, SessionKind, Topic,
    allocation::PlanParams,
    enrolment::{Rounds, StatusChange},
    lifecycle::{self, Event, Snapshot},
    outbox::{self, Message},
    privacy,
    scenario::{MAX_SCENARIOS, Scenario, ScenarioId},
    schedule::{Availability, BusyTime},
    subscription::{self, CalendarId, MAX_CALENDARS, Subscription},
};
use jiff::{Timestamp, civil::Date};
use rusqlite::{Connection, ErrorCode, OptionalExtension, Row, params};
use tokio::sync::{Mutex, OwnedMutexGuard};

use super::{
    BookingFilter, Bookings, Calendars, Created, EnrolmentLog, ManageLinks, NewBooking, Outbox, Scenarios, Setting,
    Settings, Store, StoreError, StoreResult, cache::Cached, no_such_calendar, no_such_scenario, parse_setting,
    too_many_calendars, too_many_scenarios,
};
use crate::manage_link::ManageLink;

mod access;

/// How long a statement waits for another connection's lock before giving up
/// with `SQLITE_BUSY` (reported as [`StoreError::Unavailable`]).
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The schema, one step per version. `PRAGMA user_version` is the number of
/// steps applied. Append new steps; never edit a released one.
const MIGRATIONS: &[&str] = &[
    // 1: the first schema.
    r#"
    CREATE TABLE settings (
        key        TEXT PRIMARY KEY,
        json       TEXT NOT NULL
    ) STRICT;

    CREATE TABLE populations (
        code        INTEGER PRIMARY KEY,
        inhabitants INTEGER NOT NULL CHECK (inhabitants >= 0),
        as_of       TEXT NOT NULL
    ) STRICT;

    CREATE TABLE status_changes (
        seq          INTEGER PRIMARY KEY AUTOINCREMENT,
        municipality INTEGER NOT NULL,
        at           TEXT NOT NULL,
        change       TEXT NOT NULL
    ) STRICT;
    CREATE INDEX status_changes_by_municipality ON status_changes (municipality, seq);

    CREATE TABLE bookings (
        id            TEXT PRIMARY KEY,
        municipality  INTEGER NOT NULL,
        kind          TEXT NOT NULL CHECK (kind IN ('onsite', 'online')),
        start_s       INTEGER NOT NULL,
        start_ns      INTEGER NOT NULL DEFAULT 0,
        end_s         INTEGER NOT NULL,
        end_ns        INTEGER NOT NULL DEFAULT 0,
        topic         TEXT NOT NULL,
        contact_name  TEXT NOT NULL,
        contact_email TEXT NOT NULL,
        state         TEXT NOT NULL CHECK (state IN ('confirmed', 'cancelled')),
        status        TEXT NOT NULL,
        created_at    TEXT NOT NULL,
        changed_at    TEXT NOT NULL
    ) STRICT;
    CREATE INDEX bookings_by_start ON bookings (start_s);
    CREATE INDEX bookings_by_municipality_start ON bookings (municipality, start_s);

    CREATE TABLE idempotency_keys (
        municipality INTEGER NOT NULL,
        key          TEXT NOT NULL,
        booking_id   TEXT NOT NULL REFERENCES bookings (id),
        PRIMARY KEY (municipality, key)
    ) STRICT;
    "#,
    // 2: how often each booking changed (its iCalendar SEQUENCE).
    r#"
    ALTER TABLE bookings ADD COLUMN sequence INTEGER NOT NULL DEFAULT 0;
    "#,
    // 3: the outbox (`dk2020_model::outbox`): the whole message as JSON, and
    // its delivery state and due time as columns to find the due ones by.
    r#"
    CREATE TABLE outbox (
        id         TEXT PRIMARY KEY,
        delivery   TEXT NOT NULL CHECK (delivery IN ('due', 'sent', 'failed', 'dropped')),
        due_s      INTEGER NOT NULL,
        json       TEXT NOT NULL
    ) STRICT;
    CREATE INDEX outbox_by_delivery_due ON outbox (delivery, due_s);
    "#,
    // 4: the manage links' keys, by their SHA-256 (`crate::manage_link`).
    r#"
    CREATE TABLE manage_links (
        hash       TEXT PRIMARY KEY,
        booking_id TEXT NOT NULL REFERENCES bookings (id),
        created_s  INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX manage_links_by_booking ON manage_links (booking_id);
    "#,
    // 5: the coordinator's calendar subscriptions
    // (`dk2020_model::subscription`), each whole as JSON with its busy times.
    r#"
    CREATE TABLE calendars (
        id         TEXT PRIMARY KEY,
        added_s    INTEGER NOT NULL,
        json       TEXT NOT NULL
    ) STRICT;
    "#,
    // 6: the secretariat's budget scenarios (`dk2020_model::scenario`),
    // each whole as JSON.
    r#"
    CREATE TABLE scenarios (
        id         TEXT PRIMARY KEY,
        created_s  INTEGER NOT NULL,
        json       TEXT NOT NULL
    ) STRICT;
    "#,
    // 7: the credentials (`dk2020_model::credential`) under their secrets'
    // SHA-256, and the audit log (`dk2020_model::audit`), each row whole as JSON.
    r#"
    CREATE TABLE credentials (
        kind       TEXT NOT NULL,
        hash       TEXT NOT NULL,
        created_s  INTEGER NOT NULL,
        json       TEXT NOT NULL,
        PRIMARY KEY (kind, hash)
    ) STRICT;
    CREATE TABLE audit (
        id         TEXT PRIMARY KEY,
        at_ms      INTEGER NOT NULL,
        json       TEXT NOT NULL
    ) STRICT;
    CREATE INDEX audit_by_time ON audit (at_ms);
    "#,
    // 8: when a booking's personal data was erased (`dk2020_model::privacy`).
    r#"
    ALTER TABLE bookings ADD COLUMN erased_at TEXT;
    "#,
];

/// The SQLite store. Cheap to clone; clones share the connection and caches.
#[derive(Clone)]
pub struct SqliteStore {
    conn: Arc<Mutex<Connection>>,
    caches: Arc<Caches>,
    path: Option<PathBuf>,
    /// The open `<file>.lock`, locked while any clone of the store lives.
    _owner: Option<Arc<File>>,
}

/// The in-memory copies (see the module documentation). Each is filled and
/// changed only while the connection is held, so it always matches the file.
#[derive(Debug, Default)]
struct Caches {
    municipalities: Cached<Municipalities>,
    status_changes: Cached<Vec<StatusChange>>,
    /// Every row of `settings` (key to JSON): three small rows, read together.
    settings: Cached<Arc<BTreeMap<String, String>>>,
    /// Every confirmed booking, in the order of [`list_bookings`]. Dropped by
    /// every booking write and read again on the next listing.
    confirmed: Cached<Arc<Vec<Booking>>>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore").field("path", &self.path).finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// The schema's migration steps, in order (each a batch of SQL), for
    /// programs that need the same tables without this store, e.g. the
    /// baseline of `cargo xtask bench` (`xtask/examples/bench_sqlite.rs`).
    pub const MIGRATIONS: &'static [&'static str] = MIGRATIONS;

    /// Opens (creating it and its parent directories if needed) the database
    /// file, applies pending migrations and seeds what is missing.
    pub fn open(path: impl AsRef<Path>) -> anyhow::Result<Self> {
        let path = path.as_ref();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).with_context(|| format!("cannot create the directory {}", dir.display()))?;
        }
        let owner = lock_owner(path)?;
        let conn =
            Connection::open(path).with_context(|| format!("cannot open the SQLite database {}", path.display()))?;
        let store = Self::setup(conn, Some(path.to_path_buf()))
            .with_context(|| format!("cannot prepare the SQLite database {}", path.display()))?;
        Ok(Self { _owner: owner.map(Arc::new), ..store })
    }

    /// A private in-memory database with the same schema and seed, for tests.
    /// It behaves like a file except that it is gone when the store is dropped
    /// (and has no WAL, which only matters for other processes).
    pub fn in_memory() -> anyhow::Result<Self> {
        let conn = Connection::open_in_memory().context("cannot open an in-memory SQLite database")?;
        Self::setup(conn, None)
    }

    /// The database file, `None` for an in-memory store.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    fn setup(mut conn: Connection, path: Option<PathBuf>) -> anyhow::Result<Self> {
        conn.busy_timeout(BUSY_TIMEOUT)?;
        let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
        if path.is_some() && !mode.eq_ignore_ascii_case("wal") {
            tracing::warn!(journal_mode = %mode, "SQLite could not switch to WAL; concurrent readers will wait for writers");
        }
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        migrate(&mut conn)?;
        seed(&mut conn)?;
        Ok(Self { conn: Arc::new(Mutex::new(conn)), caches: Arc::default(), path, _owner: None })
    }

    async fn lock(&self) -> Locked {
        Locked(self.conn.clone().lock_owned().await)
    }

    /// Runs `f` on the blocking pool with the connection to itself.
    async fn run<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> StoreResult<T> + Send + 'static,
    {
        let locked = self.lock().await;
        blocking(locked, f).await.map(|(_, t)| t)
    }

    /// A cached value, read from the file (with the connection held) on a miss.
    async fn read_cached<T>(
        &self,
        cached: fn(&Caches) -> &Cached<T>,
        read: fn(&Connection) -> StoreResult<T>,
    ) -> StoreResult<T>
    where
        T: Clone + Send + Sync + 'static,
    {
        if let Some(value) = cached(&self.caches).get() {
            return Ok(value);
        }
        let caches = self.caches.clone();
        self.run(move |conn| {
            let cache = cached(&caches);
            if let Some(value) = cache.get() {
                return Ok(value);
            }
            let value = read(conn)?;
            cache.set(value.clone());
            Ok(value)
        })
        .await
    }

    /// Runs a write that changes a cached value: the copy is dropped before the
    /// write and, if it succeeds, replaced by `after` (or refilled on the next
    /// read when `after` gives `None`), all with the connection held.
    async fn write_cached<T, R, F>(
        &self,
        cached: fn(&Caches) -> &Cached<T>,
        write: F,
        after: fn(&R) -> Option<T>,
    ) -> StoreResult<R>
    where
        T: Clone + Send + Sync + 'static,
        R: Send + 'static,
        F: FnOnce(&mut Connection) -> StoreResult<R> + Send + 'static,
    {
        let caches = self.caches.clone();
        self.run(move |conn| {
            let cache = cached(&caches);
            cache.clear();
            let result = write(conn)?;
            if let Some(value) = after(&result) {
                cache.set(value);
            }
            Ok(result)
        })
        .await
    }
}

/// Takes the exclusive lock that makes this process the file's only user (see
/// the module documentation). A file system without locks only gets a warning.
fn lock_owner(db: &Path) -> anyhow::Result<Option<File>> {
    let mut name = db.as_os_str().to_owned();
    name.push(".lock");
    let path = PathBuf::from(name);
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("cannot create the lock file {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(Some(file)),
        Err(TryLockError::WouldBlock) => anyhow::bail!(
            "the database {} is in use by another dk2020-api process (it holds {}): stop that one, \
             or give this one a database of its own (--db or DK2020_DB)",
            db.display(),
            path.display()
        ),
        Err(TryLockError::Error(e)) => {
            tracing::warn!(lock = %path.display(), error = %e, "cannot lock the database file; make sure no other dk2020-api uses it");
            Ok(None)
        }
    }
}

// ---------------------------------------------------------------------------
// Connection handling
// ---------------------------------------------------------------------------

/// The connection, held exclusively. A transaction left open (an error, a
/// rejected check, a request dropped halfway) is rolled back when it is
/// dropped, so the next user always starts clean.
struct Locked(OwnedMutexGuard<Connection>);

impl Deref for Locked {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        &self.0
    }
}

impl DerefMut for Locked {
    fn deref_mut(&mut self) -> &mut Connection {
        &mut self.0
    }
}

impl Drop for Locked {
    fn drop(&mut self) {
        if !self.0.is_autocommit()
            && let Err(e) = self.0.execute_batch("ROLLBACK")
        {
            tracing::error!(error = %e, "SQLite rollback failed");
        }
    }
}

/// Runs `f` with the held connection on tokio's blocking pool and hands the
/// connection back, so a caller can continue the same transaction.
async fn blocking<T, F>(mut locked: Locked, f: F) -> StoreResult<(Locked, T)>
where
    T: Send + 'static,
    F: FnOnce(&mut Connection) -> StoreResult<T> + Send + 'static,
{
    tokio::task::spawn_blocking(move || f(&mut locked).map(|t| (locked, t))).await.map_err(|e| {
        if e.is_panic() {
            StoreError::Internal(anyhow::anyhow!("a database task panicked"))
        } else {
            StoreError::Unavailable("the server is shutting down".to_string())
        }
    })?
}

/// SQLite errors as store errors: lock contention and I/O trouble are
/// "unavailable" (503, try again), the rest are our own faults.
fn db_err(e: rusqlite::Error) -> StoreError {
    match e.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
            StoreError::Unavailable("the database is busy with another write".to_string())
        }
        Some(
            ErrorCode::SystemIoFailure
            | ErrorCode::CannotOpen
            | ErrorCode::DiskFull
            | ErrorCode::ReadOnly
            | ErrorCode::PermissionDenied
            | ErrorCode::FileLockingProtocolFailed,
        ) => StoreError::Unavailable(format!("the database file cannot be read or written ({e})")),
        _ => StoreError::Internal(anyhow::Error::new(e).context("SQLite")),
    }
}

trait Db<T> {
    fn db(self) -> StoreResult<T>;
}

impl<T> Db<T> for rusqlite::Result<T> {
    fn db(self) -> StoreResult<T> {
        self.map_err(db_err)
    }
}

fn begin_immediate(conn: &Connection) -> StoreResult<()> {
    conn.execute_batch("BEGIN IMMEDIATE").db()
}

fn commit(conn: &Connection) -> StoreResult<()> {
    conn.execute_batch("COMMIT").db()
}

// ---------------------------------------------------------------------------
// Migrations and seed
// ---------------------------------------------------------------------------

fn migrate(conn: &mut Connection) -> anyhow::Result<()> {
    // Under the write lock, so two processes opening a new file at once do not
    // both apply a step.
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let version: i64 = tx.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    let known = MIGRATIONS.len() as i64;
    if version > known {
        anyhow::bail!(
            "the database has schema version {version}, newer than this program knows ({known}); use a newer dk2020-api"
        );
    }
    for (step, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        tx.execute_batch(sql).with_context(|| format!("schema migration {} failed", step + 1))?;
        tx.pragma_update(None, "user_version", step as i64 + 1)?;
    }
    tx.commit()?;
    Ok(())
}

/// Fills in what a new database lacks: the 19 populations and the default
/// settings. Idempotent: existing rows are never overwritten.
fn seed(conn: &mut Connection) -> anyhow::Result<()> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    {
        let mut insert =
            tx.prepare("INSERT OR IGNORE INTO populations (code, inhabitants, as_of) VALUES (?1, ?2, ?3)")?;
        for m in Municipalities::builtin().iter() {
            insert.execute(params![m.code.get(), m.population.inhabitants, m.population.as_of.to_string()])?;
        }
        let mut insert = tx.prepare("INSERT OR IGNORE INTO settings (key, json) VALUES (?1, ?2)")?;
        insert.execute(params![Rounds::KEY, serde_json::to_string(&Rounds::default())?])?;
        insert.execute(params![PlanParams::KEY, serde_json::to_string(&PlanParams::default())?])?;
        insert.execute(params![Availability::KEY, serde_json::to_string(&Availability::default())?])?;
    }
    tx.commit()?;
    Ok(())
}

// ---------------------------------------------------------------------------
// Settings
// ---------------------------------------------------------------------------

fn read_setting<S: Setting>(conn: &Connection) -> StoreResult<S> {
    let json: Option<String> =
        conn.query_row("SELECT json FROM settings WHERE key = ?1", [S::KEY], |row| row.get(0)).optional().db()?;
    parse_setting(S::KEY, json.as_deref())
}

fn read_settings(conn: &Connection) -> StoreResult<Arc<BTreeMap<String, String>>> {
    let mut stmt = conn.prepare_cached("SELECT key, json FROM settings").db()?;
    let rows = stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?))).db()?;
    Ok(Arc::new(rows.collect::<rusqlite::Result<_>>().db()?))
}

fn write_setting(conn: &Connection, key: &str, json: &str) -> StoreResult<()> {
    conn.execute(
        "INSERT INTO settings (key, json) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET json = excluded.json",
        params![key, json],
    )
    .db()?;
    Ok(())
}

// ---------------------------------------------------------------------------
// Populations and the enrolment history
// ---------------------------------------------------------------------------

fn read_municipalities(conn: &Connection) -> StoreResult<Municipalities> {
    let mut stmt = conn.prepare_cached("SELECT code, inhabitants, as_of FROM populations").db()?;
    let rows = stmt
        .query_map([], |row| Ok((row.get::<_, i64>(0)?, row.get::<_, i64>(1)?, row.get::<_, String>(2)?)))
        .db()?
        .collect::<rusqlite::Result<Vec<_>>>()
        .db()?;
    let mut updates = Vec::with_capacity(rows.len());
    for (code, inhabitants, as_of) in rows {
        let what = format!("population of municipality {code}");
        let code = u16::try_from(code)
            .ok()
            .and_then(|c| MunicipalityCode::new(c).ok())
            .ok_or_else(|| StoreError::corrupt(&what, "not a municipality of the region"))?;
        let inhabitants = u32::try_from(inhabitants).map_err(|e| StoreError::corrupt(&what, e))?;
        let as_of = as_of.parse::<Date>().map_err(|e| StoreError::corrupt(&what, e))?;
        updates.push((code, Population { inhabitants, as_of }));
    }
    Ok(Municipalities::builtin().with_populations(updates))
}

fn read_status_changes(conn: &Connection) -> StoreResult<Vec<StatusChange>> {
    let mut stmt = conn.prepare_cached("SELECT seq, change FROM status_changes ORDER BY seq").db()?;
    let rows = stmt
        .query_map([], |row| Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?)))
        .db()?
        .collect::<rusqlite::Result<Vec<_>>>()
        .db()?;
    rows.iter().map(|(seq, json)| parse_change(*seq, json)).collect()
}

fn parse_change(seq: i64, json: &str) -> StoreResult<StatusChange> {
    serde_json::from_str(json).map_err(|e| StoreError::corrupt(format_args!("status change #{seq}"), e))
}

fn last_change(conn: &Connection, municipality: MunicipalityCode) -> StoreResult<Option<StatusChange>> {
    let row: Option<(i64, String)> = conn
        .query_row(
            "SELECT seq, change FROM status_changes WHERE municipality = ?1 ORDER BY seq DESC LIMIT 1",
            [municipality.get()],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()
        .db()?;
    row.map(|(seq, json)| parse_change(seq, &json)).transpose()
}

fn append_change(conn: &Connection, change: &StatusChange) -> StoreResult<()> {
    let last = last_change(conn, change.municipality)?;
    super::check_appendable(change, last.as_ref())?;
    let json = serde_json::to_string(change).map_err(|e| StoreError::Internal(e.into()))?;
    conn.execute(
        "INSERT INTO status_changes (municipality, at, change) VALUES (?1, ?2, ?3)",
        params![change.municipality.get(), change.at.to_string(), json],
    )
    .db()?;
    Ok(())
}

// ---------------------------------------------------------------------------
// Bookings
// ---------------------------------------------------------------------------

/// An erased booking keeps its row: `topic`, `contact_name` and
/// `contact_email` become '' (the columns are `NOT NULL` since version 1, and
/// SQLite cannot drop that without rebuilding the table) and `erased_at` says when.
const BOOKING_COLUMNS: &str = "id, municipality, kind, start_s, start_ns, end_s, end_ns, topic, contact_name, \
     contact_email, status, created_at, changed_at, sequence, erased_at";

/// A `bookings` row as stored, before it is checked back into a [`Booking`].
struct BookingRow {
    id: String,
    municipality: i64,
    kind: String,
    start: (i64, i64),
    end: (i64, i64),
    topic: String,
    contact_name: String,
    contact_email: String,
    status: String,
    created_at: String,
    changed_at: String,
    sequence: i64,
    erased_at: Option<String>,
}

impl BookingRow {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: row.get(0)?,
            municipality: row.get(1)?,
            kind: row.get(2)?,
            start: (row.get(3)?, row.get(4)?),
            end: (row.get(5)?, row.get(6)?),
            topic: row.get(7)?,
            contact_name: row.get(8)?,
            contact_email: row.get(9)?,
            status: row.get(10)?,
            created_at: row.get(11)?,
            changed_at: row.get(12)?,
            sequence: row.get(13)?,
            erased_at: row.get(14)?,
        })
    }

    fn into_booking(self) -> StoreResult<Booking> {
        let what = format!("booking {:?}", self.id);
        let bad = |e: &dyn std::fmt::Display| StoreError::corrupt(&what, e);
        let instant = |(s, ns): (i64, i64)| -> StoreResult<Timestamp> {
            let ns = i32::try_from(ns).map_err(|e| bad(&e))?;
            Timestamp::new(s, ns).map_err(|e| bad(&e))
        };
        let timestamp = |s: &str| s.parse::<Timestamp>().map_err(|e| bad(&e));
        Ok(Booking {
            id: BookingId::parse(&self.id).map_err(|e| bad(&e))?,
            municipality: u16::try_from(self.municipality)
                .map_err(|e| bad(&e))
                .and_then(|code| MunicipalityCode::new(code).map_err(|e| bad(&e)))?,
            kind: self.kind.parse::<SessionKind>().map_err(|e| bad(&e))?,
            start: LocalTime::new(instant(self.start)?),
            end: LocalTime::new(instant(self.end)?),
            topic: kept(&self.topic).map(Topic::parse).transpose().map_err(|e| bad(&e))?,
            contact_name: kept(&self.contact_name).map(ContactName::parse).transpose().map_err(|e| bad(&e))?,
            contact_email: kept(&self.contact_email).map(Email::parse).transpose().map_err(|e| bad(&e))?,
            status: serde_json::from_str(&self.status).map_err(|e| bad(&e))?,
            created_at: timestamp(&self.created_at)?,
            changed_at: timestamp(&self.changed_at)?,
            sequence: u32::try_from(self.sequence).map_err(|e| bad(&e))?,
            erased_at: self.erased_at.as_deref().map(timestamp).transpose()?,
        })
    }
}

/// '' in an erased row (see [`BOOKING_COLUMNS`]).
fn kept(value: &str) -> Option<&str> {
    Some(value).filter(|v| !v.is_empty())
}

fn split(t: LocalTime) -> (i64, i32) {
    let ts = t.timestamp();
    (ts.as_second(), ts.subsec_nanosecond())
}

fn status_json(status: &BookingStatus) -> StoreResult<String> {
    serde_json::to_string(status).map_err(|e| StoreError::Internal(e.into()))
}

fn get_booking(conn: &Connection, id: &str) -> StoreResult<Option<Booking>> {
    let row = conn
        .query_row(&format!("SELECT {BOOKING_COLUMNS} FROM bookings WHERE id = ?1"), [id], BookingRow::from_row)
        .optional()
        .db()?;
    row.map(BookingRow::into_booking).transpose()
}

fn require_booking(conn: &Connection, id: &str) -> StoreResult<Booking> {
    get_booking(conn, id)?.ok_or_else(|| StoreError::NotFound(format!("there is no booking with id {id:?}")))
}

fn list_bookings(conn: &Connection, filter: &BookingFilter, except: Option<&str>) -> StoreResult<Vec<Booking>> {
    // The seconds columns narrow the rows down (inclusively, via the indexes);
    // the exact comparison on the full instants follows below.
    let mut sql = format!("SELECT {BOOKING_COLUMNS} FROM bookings WHERE 1 = 1");
    let mut args: Vec<rusqlite::types::Value> = Vec::new();
    if let Some(m) = filter.municipality {
        args.push(i64::from(m.get()).into());
        sql.push_str(&format!(" AND municipality = ?{}", args.len()));
    }
    if let Some(t) = filter.ends_after {
        args.push(t.as_second().saturating_sub(1).into());
        sql.push_str(&format!(" AND end_s >= ?{}", args.len()));
    }
    if let Some(t) = filter.starts_before {
        args.push(t.as_second().saturating_add(1).into());
        sql.push_str(&format!(" AND start_s <= ?{}", args.len()));
    }
    if !filter.include_cancelled {
        sql.push_str(" AND state = 'confirmed'");
    }
    if let Some(id) = except {
        args.push(id.to_string().into());
        sql.push_str(&format!(" AND id <> ?{}", args.len()));
    }
    sql.push_str(" ORDER BY start_s, start_ns, id");
    let mut stmt = conn.prepare_cached(&sql).db()?;
    let rows = stmt
        .query_map(rusqlite::params_from_iter(args), BookingRow::from_row)
        .db()?
        .collect::<rusqlite::Result<Vec<_>>>()
        .db()?;
    let mut bookings = rows.into_iter().map(BookingRow::into_booking).collect::<StoreResult<Vec<_>>>()?;
    bookings.retain(|b| filter.admits(b));
    Ok(bookings)
}

/// The confirmed bookings that end after `now`: what a booking check sees.
fn confirmed_ending_after(conn: &Connection, now: Timestamp, except: Option<&str>) -> StoreResult<Vec<Booking>> {
    let filter = BookingFilter { ends_after: Some(now), ..BookingFilter::default() };
    list_bookings(conn, &filter, except)
}

fn insert_booking(conn: &Connection, b: &Booking) -> StoreResult<()> {
    let (start_s, start_ns) = split(b.start);
    let (end_s, end_ns) = split(b.end);
    let result = conn.execute(
        &format!("INSERT INTO bookings ({BOOKING_COLUMNS}, state) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)"),
        params![
            b.id.as_str(),
            b.municipality.get(),
            b.kind.as_str(),
            start_s,
            start_ns,
            end_s,
            end_ns,
            b.topic.as_ref().map_or("", |t| t.as_str()),
            b.contact_name.as_ref().map_or("", |n| n.as_str()),
            b.contact_email.as_ref().map_or("", |e| e.as_str()),
            status_json(&b.status)?,
            b.created_at.to_string(),
            b.changed_at.to_string(),
            b.sequence,
            b.erased_at.map(|t| t.to_string()),
            b.status.state(),
        ],
    );
    match result {
        Ok(_) => Ok(()),
        Err(rusqlite::Error::SqliteFailure(e, _)) if e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY => {
            Err(StoreError::Conflict(format!("a booking with id {:?} already exists", b.id.as_str())))
        }
        Err(e) => Err(db_err(e)),
    }
}

// ---------------------------------------------------------------------------
// The trait
// ---------------------------------------------------------------------------

#[async_trait]
impl Store for SqliteStore {
    async fn health(&self) -> StoreResult<()> {
        self.run(|conn| {
            conn.query_row("SELECT count(*) FROM settings", [], |row| row.get::<_, i64>(0)).db()?;
            Ok(())
        })
        .await
    }
}

#[async_trait]
impl Settings for SqliteStore {
    async fn municipalities(&self) -> StoreResult<Municipalities> {
        self.read_cached(|c| &c.municipalities, read_municipalities).await
    }

    async fn set_population(&self, municipality: MunicipalityCode, population: Population) -> StoreResult<()> {
        let write = move |conn: &mut Connection| {
            conn.execute(
                "INSERT INTO populations (code, inhabitants, as_of) VALUES (?1, ?2, ?3)
                 ON CONFLICT (code) DO UPDATE SET inhabitants = excluded.inhabitants, as_of = excluded.as_of",
                params![municipality.get(), population.inhabitants, population.as_of.to_string()],
            )
            .db()?;
            Ok(())
        };
        self.write_cached(|c| &c.municipalities, write, |_| None).await
    }

    async fn setting_json(&self, key: &'static str) -> StoreResult<Option<String>> {
        Ok(self.read_cached(|c| &c.settings, read_settings).await?.get(key).cloned())
    }

    async fn set_setting_json(&self, key: &'static str, json: String) -> StoreResult<()> {
        let write = move |conn: &mut Connection| write_setting(conn, key, &json);
        // Read back from the file on the next read rather than kept as given,
        // so every read sees what the file holds.
        self.write_cached(|c| &c.settings, write, |()| None).await
    }
}

#[async_trait]
impl EnrolmentLog for SqliteStore {
    async fn status_changes(&self) -> StoreResult<Vec<StatusChange>> {
        self.read_cached(|c| &c.status_changes, read_status_changes).await
    }

    async fn record_status_change(&self, change: &StatusChange) -> StoreResult<()> {
        let change = change.clone();
        let write = move |conn: &mut Connection| {
            begin_immediate(conn)?;
            append_change(conn, &change)?;
            commit(conn)
        };
        self.write_cached(|c| &c.status_changes, write, |_| None).await
    }
}

#[async_trait]
impl Bookings for SqliteStore {
    async fn booking(&self, id: &BookingId) -> StoreResult<Booking> {
        let id = id.clone();
        self.run(move |conn| require_booking(conn, id.as_str())).await
    }

    async fn bookings(&self, filter: &BookingFilter) -> StoreResult<Vec<Booking>> {
        if filter.include_cancelled {
            let filter = filter.clone();
            return self.run(move |conn| list_bookings(conn, &filter, None)).await;
        }
        let confirmed = self
            .read_cached(|c| &c.confirmed, |conn| list_bookings(conn, &BookingFilter::default(), None).map(Arc::new))
            .await?;
        Ok(confirmed.iter().filter(|b| filter.admits(b)).cloned().collect())
    }

    async fn create_booking(&self, new: NewBooking<'_>) -> StoreResult<Created> {
        let NewBooking { request, id, by, idempotency_key, now } = new;
        let (draft, id) = (request.clone(), id.clone());
        let key = idempotency_key.map(str::to_string);
        self.booking_write(move |conn| {
            let municipality = draft.municipality.get();
            if let Some(key) = &key {
                let earlier: Option<String> = conn
                    .query_row(
                        "SELECT booking_id FROM idempotency_keys WHERE municipality = ?1 AND key = ?2",
                        params![municipality, key],
                        |row| row.get(0),
                    )
                    .optional()
                    .db()?;
                if let Some(earlier) = earlier {
                    return Ok(Created { booking: require_booking(conn, &earlier)?, event: None });
                }
            }
            let (availability, municipalities, confirmed, busy) = snapshot(conn, now)?;
            let snapshot = Snapshot::new(&availability, &municipalities, &confirmed, &busy);
            let (booking, event) = lifecycle::book(snapshot, draft, id, by, now).map_err(StoreError::Refused)?;
            insert_booking(conn, &booking)?;
            record_owed(conn, &event)?;
            if let Some(key) = key {
                conn.execute(
                    "INSERT INTO idempotency_keys (municipality, key, booking_id) VALUES (?1, ?2, ?3)",
                    params![municipality, key, booking.id.as_str()],
                )
                .db()?;
            }
            Ok(Created { booking, event: Some(event) })
        })
        .await
    }

    async fn cancel_booking(&self, id: &BookingId, reason: Option<String>, act: Act) -> StoreResult<Event> {
        let Act { by, at: now } = act;
        let id = id.clone();
        self.booking_write(move |conn| {
            let booking = require_booking(conn, id.as_str())?;
            let (cancelled, event) = lifecycle::cancel(&booking, by, reason, now).map_err(StoreError::Refused)?;
            update_booking(conn, &cancelled)?;
            record_owed(conn, &event)?;
            Ok(event)
        })
        .await
    }

    async fn reschedule_booking(&self, id: &BookingId, start: LocalTime, act: Act) -> StoreResult<Event> {
        let Act { by, at: now } = act;
        let id = id.clone();
        self.booking_write(move |conn| {
            let booking = require_booking(conn, id.as_str())?;
            let (availability, municipalities, confirmed, busy) = snapshot(conn, now)?;
            let snapshot = Snapshot::new(&availability, &municipalities, &confirmed, &busy);
            let (moved, event) =
                lifecycle::reschedule(snapshot, &booking, start, by, now).map_err(StoreError::Refused)?;
            update_booking(conn, &moved)?;
            record_owed(conn, &event)?;
            Ok(event)
        })
        .await
    }

    async fn erase_booking(&self, id: &BookingId, at: Timestamp) -> StoreResult<bool> {
        let id = id.clone();
        self.booking_write(move |conn| {
            let booking = require_booking(conn, id.as_str())?;
            if booking.is_erased() {
                return Ok(false);
            }
            let erased = privacy::erase_booking(&booking, at);
            conn.execute(
                "UPDATE bookings SET topic = '', contact_name = '', contact_email = '', status = ?2, erased_at = ?3
                 WHERE id = ?1",
                params![id.as_str(), status_json(&erased.status)?, erased.erased_at.map(|t| t.to_string())],
            )
            .db()?;
            Ok(true)
        })
        .await
    }
}

/// What the booking rules look at, read inside the write transaction: the
/// settings as they are now, and the confirmed bookings that can conflict.
#[allow(clippy::type_complexity)]
fn snapshot(
    conn: &Connection,
    now: Timestamp,
) -> StoreResult<(Availability, Municipalities, Vec<Booking>, Vec<BusyTime>)> {
    let busy = subscription::busy_times(&read_calendars(conn)?);
    Ok((
        read_setting::<Availability>(conn)?,
        read_municipalities(conn)?,
        confirmed_ending_after(conn, now, None)?,
        busy,
    ))
}

/// Writes a changed booking's state and times (its id, municipality, kind
/// and contact never change).
fn update_booking(conn: &Connection, b: &Booking) -> StoreResult<()> {
    let (start_s, start_ns) = split(b.start);
    let (end_s, end_ns) = split(b.end);
    conn.execute(
        "UPDATE bookings SET start_s = ?2, start_ns = ?3, end_s = ?4, end_ns = ?5, state = ?6, status = ?7,
         changed_at = ?8, sequence = ?9 WHERE id = ?1",
        params![
            b.id.as_str(),
            start_s,
            start_ns,
            end_s,
            end_ns,
            b.status.state(),
            status_json(&b.status)?,
            b.changed_at.to_string(),
            b.sequence
        ],
    )
    .db()?;
    Ok(())
}

// ---------------------------------------------------------------------------
// The outbox
// ---------------------------------------------------------------------------

/// Records the messages `event` owes, in the caller's transaction (the
/// booking change's own), so they commit or roll back with it.
fn record_owed(conn: &Connection, event: &Event) -> StoreResult<()> {
    for message in outbox::owed_by(event) {
        write_message(conn, &message)?;
    }
    Ok(())
}

fn write_message(conn: &Connection, message: &Message) -> StoreResult<()> {
    let json = serde_json::to_string(message).map_err(|e| StoreError::Internal(e.into()))?;
    conn.execute(
        "INSERT INTO outbox (id, delivery, due_s, json) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (id) DO UPDATE SET delivery = excluded.delivery, due_s = excluded.due_s, json = excluded.json",
        params![message.id, message.delivery.as_str(), message.due.as_second(), json],
    )
    .db()?;
    Ok(())
}

fn read_messages(conn: &Connection, sql: &str, args: impl rusqlite::Params) -> StoreResult<Vec<Message>> {
    let mut stmt = conn.prepare_cached(sql).db()?;
    let rows = stmt
        .query_map(args, |row| Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?)))
        .db()?
        .collect::<rusqlite::Result<Vec<_>>>()
        .db()?;
    rows.into_iter()
        .map(|(id, json)| {
            serde_json::from_str(&json).map_err(|e| StoreError::corrupt(format_args!("message {id:?}"), e))
        })
        .collect()
}

#[async_trait]
impl Outbox for SqliteStore {
    async fn due_messages(&self, now: Timestamp, limit: usize) -> StoreResult<Vec<Message>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.run(move |conn| {
            let sql = "SELECT id, json FROM outbox WHERE delivery = 'due' AND due_s <= ?1 ORDER BY due_s, id LIMIT ?2";
            let mut due = read_messages(conn, sql, params![now.as_second(), limit])?;
            // The column holds whole seconds: the exact instant decides.
            due.retain(|m| m.due <= now);
            Ok(due)
        })
        .await
    }

    async fn failed_messages(&self) -> StoreResult<Vec<Message>> {
        self.run(|conn| {
            read_messages(conn, "SELECT id, json FROM outbox WHERE delivery = 'failed' ORDER BY due_s DESC, id", [])
        })
        .await
    }

    async fn message(&self, id: &str) -> StoreResult<Message> {
        let id = id.to_string();
        self.run(move |conn| {
            read_messages(conn, "SELECT id, json FROM outbox WHERE id = ?1", [&id])?
                .pop()
                .ok_or_else(|| StoreError::NotFound(format!("there is no message with id {id:?}")))
        })
        .await
    }

    async fn update_message(&self, message: &Message) -> StoreResult<()> {
        let message = message.clone();
        self.run(move |conn| write_message(conn, &message)).await
    }

    async fn all_messages(&self) -> StoreResult<Vec<Message>> {
        self.run(|conn| read_messages(conn, "SELECT id, json FROM outbox ORDER BY due_s, id", [])).await
    }

    async fn delete_message(&self, id: &str) -> StoreResult<()> {
        let id = id.to_string();
        self.run(move |conn| {
            conn.execute("DELETE FROM outbox WHERE id = ?1", [&id]).db()?;
            Ok(())
        })
        .await
    }
}

#[async_trait]
impl ManageLinks for SqliteStore {
    async fn add_manage_link(&self, link: &ManageLink) -> StoreResult<()> {
        let link = link.clone();
        self.run(move |conn| {
            conn.execute(
                "INSERT INTO manage_links (hash, booking_id, created_s) VALUES (?1, ?2, ?3)",
                params![link.hash, link.booking.as_str(), link.created.as_second()],
            )
            .db()?;
            Ok(())
        })
        .await
    }

    async fn manage_link(&self, hash: &str) -> StoreResult<ManageLink> {
        let hash = hash.to_string();
        self.run(move |conn| {
            let found = conn
                .query_row("SELECT booking_id, created_s FROM manage_links WHERE hash = ?1", [&hash], |row| {
                    Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?))
                })
                .optional()
                .db()?;
            let Some((booking, created)) = found else {
                return Err(StoreError::NotFound("there is no such manage link".into()));
            };
            let booking = BookingId::parse(&booking).map_err(|e| StoreError::corrupt("a manage link's booking", e))?;
            let created =
                Timestamp::from_second(created).map_err(|e| StoreError::corrupt("a manage link's time", e))?;
            Ok(ManageLink { hash, booking, created })
        })
        .await
    }

    async fn revoke_manage_links(&self, booking: &BookingId) -> StoreResult<u32> {
        let booking = booking.to_string();
        self.run(move |conn| {
            let removed = conn.execute("DELETE FROM manage_links WHERE booking_id = ?1", [&booking]).db()?;
            Ok(u32::try_from(removed).unwrap_or(u32::MAX))
        })
        .await
    }
}

fn read_calendars(conn: &Connection) -> StoreResult<Vec<Subscription>> {
    let mut stmt = conn.prepare_cached("SELECT json FROM calendars ORDER BY added_s, id").db()?;
    let rows = stmt.query_map([], |row| row.get::<_, String>(0)).db()?;
    let mut out = Vec::new();
    for json in rows {
        let json = json.db()?;
        out.push(serde_json::from_str(&json).map_err(|e| StoreError::corrupt("a calendar subscription", e))?);
    }
    Ok(out)
}

fn calendar_json(calendar: &Subscription) -> StoreResult<String> {
    serde_json::to_string(calendar).map_err(|e| StoreError::Internal(e.into()))
}

fn read_scenarios(conn: &Connection) -> StoreResult<Vec<Scenario>> {
    let mut stmt = conn.prepare_cached("SELECT json FROM scenarios ORDER BY created_s, id").db()?;
    let rows = stmt.query_map([], |row| row.get::<_, String>(0)).db()?;
    let mut out = Vec::new();
    for json in rows {
        let json = json.db()?;
        out.push(serde_json::from_str(&json).map_err(|e| StoreError::corrupt("a budget scenario", e))?);
    }
    Ok(out)
}

fn scenario_json(scenario: &Scenario) -> StoreResult<String> {
    serde_json::to_string(scenario).map_err(|e| StoreError::Internal(e.into()))
}

#[async_trait]
impl Scenarios for SqliteStore {
    async fn scenarios(&self) -> StoreResult<Vec<Scenario>> {
        self.run(|conn| read_scenarios(conn)).await
    }

    async fn add_scenario(&self, scenario: &Scenario) -> StoreResult<()> {
        let json = scenario_json(scenario)?;
        let (id, created) = (scenario.id.to_string(), scenario.created_at.as_second());
        // The count and the insert under one held connection: nothing comes between.
        self.run(move |conn| {
            let count: i64 = conn.query_row("SELECT COUNT(*) FROM scenarios", [], |row| row.get(0)).db()?;
            if usize::try_from(count).unwrap_or(usize::MAX) >= MAX_SCENARIOS {
                return Err(too_many_scenarios());
            }
            conn.execute("INSERT INTO scenarios (id, created_s, json) VALUES (?1, ?2, ?3)", params![id, created, json])
                .db()?;
            Ok(())
        })
        .await
    }

    async fn save_scenario(&self, scenario: &Scenario) -> StoreResult<()> {
        let json = scenario_json(scenario)?;
        let id = scenario.id.to_string();
        self.run(move |conn| {
            match conn.execute("UPDATE scenarios SET json = ?2 WHERE id = ?1", params![id, json]).db()? {
                0 => Err(no_such_scenario()),
                _ => Ok(()),
            }
        })
        .await
    }

    async fn delete_scenario(&self, id: &ScenarioId) -> StoreResult<()> {
        let id = id.to_string();
        self.run(move |conn| match conn.execute("DELETE FROM scenarios WHERE id = ?1", [&id]).db()? {
            0 => Err(no_such_scenario()),
            _ => Ok(()),
        })
        .await
    }
}

#[async_trait]
impl Calendars for SqliteStore {
    async fn calendars(&self) -> StoreResult<Vec<Subscription>> {
        self.run(|conn| read_calendars(conn)).await
    }

    async fn add_calendar(&self, calendar: &Subscription) -> StoreResult<()> {
        let json = calendar_json(calendar)?;
        let (id, added) = (calendar.id.to_string(), calendar.added_at.as_second());
        // One connection, held for the count and the insert: no other
        // write comes in between (another process cannot open the file).
        self.run(move |conn| {
            let count: i64 = conn.query_row("SELECT COUNT(*) FROM calendars", [], |row| row.get(0)).db()?;
            if usize::try_from(count).unwrap_or(usize::MAX) >= MAX_CALENDARS {
                return Err(too_many_calendars());
            }
            conn.execute("INSERT INTO calendars (id, added_s, json) VALUES (?1, ?2, ?3)", params![id, added, json])
                .db()?;
            Ok(())
        })
        .await
    }

    async fn save_calendar(&self, calendar: &Subscription) -> StoreResult<()> {
        let json = calendar_json(calendar)?;
        let id = calendar.id.to_string();
        self.run(move |conn| {
            match conn.execute("UPDATE calendars SET json = ?2 WHERE id = ?1", params![id, json]).db()? {
                0 => Err(no_such_calendar()),
                _ => Ok(()),
            }
        })
        .await
    }

    async fn delete_calendar(&self, id: &CalendarId) -> StoreResult<()> {
        let id = id.to_string();
        self.run(move |conn| match conn.execute("DELETE FROM calendars WHERE id = ?1", [&id]).db()? {
            0 => Err(no_such_calendar()),
            _ => Ok(()),
        })
        .await
    }
}

impl SqliteStore {
    /// Runs one booking change in a single `BEGIN IMMEDIATE` transaction: the
    /// reads of `f`, the model's decision and the writes happen with SQLite's
    /// write lock held, so no other write slips in between. A refusal rolls
    /// back. The copy of the confirmed bookings is dropped first, with the
    /// connection held, so no listing can refill it before the commit.
    async fn booking_write<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
    {
        let caches = self.caches.clone();
        self.run(move |conn| {
            caches.confirmed.clear();
            begin_immediate(conn)?;
            let result = f(conn)?;
            commit(conn)?;
            Ok(result)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::SettingsExt;

    #[test]
    fn a_new_database_gets_every_migration_and_the_seed() {
        let store = SqliteStore::in_memory().unwrap();
        let conn = store.conn.try_lock().unwrap();
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(version, MIGRATIONS.len() as i64);
        let populations: i64 = conn.query_row("SELECT count(*) FROM populations", [], |r| r.get(0)).unwrap();
        assert_eq!(populations, 19);
        let settings: i64 = conn.query_row("SELECT count(*) FROM settings", [], |r| r.get(0)).unwrap();
        assert_eq!(settings, 3);
    }

    #[test]
    fn a_file_is_opened_in_wal_mode_with_full_sync_and_foreign_keys() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/dir/dk2020.sqlite");
        let store = SqliteStore::open(&path).unwrap();
        assert_eq!(store.path(), Some(path.as_path()));
        let conn = store.conn.try_lock().unwrap();
        let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
        assert_eq!(mode, "wal");
        let sync: i64 = conn.query_row("PRAGMA synchronous", [], |r| r.get(0)).unwrap();
        assert_eq!(sync, 2, "FULL");
        let fk: i64 = conn.query_row("PRAGMA foreign_keys", [], |r| r.get(0)).unwrap();
        assert_eq!(fk, 1);
    }

    #[test]
    fn a_file_in_use_by_another_store_is_refused_until_that_one_is_gone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("dk2020.sqlite");
        let first = SqliteStore::open(&path).unwrap();
        let err = SqliteStore::open(&path).unwrap_err();
        assert!(format!("{err:#}").contains("in use by another dk2020-api process"), "{err:#}");
        let clone = first.clone();
        drop(first);
        assert!(SqliteStore::open(&path).is_err(), "a clone still owns the file");
        drop(clone);
        SqliteStore::open(&path).unwrap();
    }

    #[test]
    fn a_database_from_a_newer_version_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("future.sqlite");
        drop(SqliteStore::open(&path).unwrap());
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", MIGRATIONS.len() as i64 + 1).unwrap();
        drop(conn);
        let err = SqliteStore::open(&path).unwrap_err();
        assert!(format!("{err:#}").contains("newer"), "{err:#}");
    }

    #[tokio::test]
    async fn unreadable_rows_are_errors_not_panics() {
        let store = SqliteStore::in_memory().unwrap();
        store
            .run(|conn| {
                conn.execute_batch(
                    "INSERT INTO bookings (id, municipality, kind, start_s, end_s, topic, contact_name,
                         contact_email, state, status, created_at, changed_at)
                     VALUES ('bad', 999, 'onsite', 0, 60, 't', 'n', 'a@b.dk', 'confirmed',
                             '{\"state\":\"confirmed\"}', 'x', 'y');
                     UPDATE settings SET json = '{' WHERE key = 'rounds';
                     INSERT INTO status_changes (municipality, at, change) VALUES (779, 'x', 'nonsense');",
                )
                .db()
            })
            .await
            .unwrap();
        let id = BookingId::parse("bad").unwrap();
        assert!(matches!(store.booking(&id).await, Err(StoreError::Internal(_))));
        assert!(matches!(store.bookings(&BookingFilter::default()).await, Err(StoreError::Internal(_))));
        assert!(matches!(store.setting::<Rounds>().await, Err(StoreError::Internal(_))));
        assert!(matches!(store.status_changes().await, Err(StoreError::Internal(_))));
        // The store still works afterwards.
        store.health().await.unwrap();
    }
}
