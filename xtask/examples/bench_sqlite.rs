//! The baseline of the booking-writes benchmark (`cargo xtask bench`): a
//! plain loop of single-row inserts into a table shaped like the API's
//! `bookings` table (same columns and indexes), each in its own transaction,
//! with the API's durability settings (WAL, `synchronous=FULL`). Prints
//! `{"rows": N, "seconds": S}`.
//!
//! usage: bench_sqlite DB_PATH ROWS

use std::time::Instant;

use rusqlite::{Connection, params};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(path), Some(rows)) = (args.get(1), args.get(2)) else {
        return Err("usage: bench_sqlite DB_PATH ROWS".into());
    };
    let rows: u32 = rows.parse()?;
    let _ = std::fs::remove_file(path);
    let conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
    assert!(mode.eq_ignore_ascii_case("wal"), "WAL mode, got {mode}");
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.execute_batch(
        "CREATE TABLE bookings (
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
        CREATE INDEX bookings_by_municipality_start ON bookings (municipality, start_s);",
    )?;
    let started = Instant::now();
    for i in 0..rows {
        let start = 1_796_000_000_i64 + i64::from(i) * 900;
        conn.execute_batch("BEGIN IMMEDIATE")?;
        conn.execute(
            "INSERT INTO bookings (id, municipality, kind, start_s, end_s, topic, contact_name, contact_email,
                                   state, status, created_at, changed_at)
             VALUES (?1, ?2, 'online', ?3, ?4, 'Klimahandleplan', 'Anne Jensen', 'anne@example.dk',
                     'confirmed', '{\"state\":\"confirmed\"}', '2026-11-30T07:00:00Z', '2026-11-30T07:00:00Z')",
            params![format!("b{i:020}"), 779, start, start + 900],
        )?;
        conn.execute_batch("COMMIT")?;
    }
    let seconds = started.elapsed().as_secs_f64();
    println!("{{\"rows\": {rows}, \"seconds\": {seconds}}}");
    Ok(())
}
