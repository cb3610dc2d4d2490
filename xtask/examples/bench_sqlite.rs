//! The baseline of the booking-writes benchmark (`cargo xtask bench`): a
//! plain loop of single-row inserts into the API's own `bookings` table (the
//! schema from `SqliteStore::MIGRATIONS`, so the baseline cannot drift from
//! the store's columns and indexes), each in its own transaction, with the
//! API's durability (WAL, `synchronous=FULL`). The PRAGMAs are set here, not
//! taken from the store: the baseline must not follow the store's tuning.
//! Prints `{"rows": N, "seconds": S}`.
//!
//! usage: bench_sqlite DB_PATH ROWS

use std::time::Instant;

use dk2020_api::store::SqliteStore;
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
    for step in SqliteStore::MIGRATIONS {
        conn.execute_batch(step)?;
    }
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
