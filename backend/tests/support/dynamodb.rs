//! Fresh tables on the local DynamoDB-compatible server for the backend tests.
//!
//! `cargo xtask test` starts the server (moto) and sets
//! `DK2020_TEST_DYNAMODB_ENDPOINT` and `DK2020_REQUIRE_DYNAMODB=1`. Without the
//! endpoint the DynamoDB tests are skipped with a note, so that a plain
//! `cargo test` works without the server; with `DK2020_REQUIRE_DYNAMODB=1` a
//! missing endpoint fails them instead.

#![allow(dead_code)]

use std::sync::atomic::{AtomicU32, Ordering};

use dk2020_api::store::DynamoStore;

pub const ENDPOINT_VAR: &str = "DK2020_TEST_DYNAMODB_ENDPOINT";
pub const REQUIRE_VAR: &str = "DK2020_REQUIRE_DYNAMODB";

/// The local server's URL, or `None` (after a note) when the tests are to be skipped.
pub fn endpoint() -> Option<String> {
    match std::env::var(ENDPOINT_VAR) {
        Ok(url) if !url.trim().is_empty() => Some(url.trim().to_string()),
        _ if std::env::var(REQUIRE_VAR).is_ok_and(|v| v == "1") => panic!(
            "{REQUIRE_VAR}=1 but {ENDPOINT_VAR} is not set: the DynamoDB tests need the local server \
             (`cargo xtask test` starts one)"
        ),
        _ => {
            println!(
                "note: skipping a DynamoDB test: {ENDPOINT_VAR} is not set (`cargo xtask test` starts a local server)"
            );
            None
        }
    }
}

/// A table name no other test (or test process) uses.
pub fn unique_table_name(prefix: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    format!("{prefix}-{}-{}-{nanos}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed))
}

/// A new, seeded table on the local server.
pub async fn fresh_store(endpoint: &str) -> DynamoStore {
    let store = DynamoStore::local(endpoint, &unique_table_name("dk2020-test"));
    let created = store.create_table_if_missing().await.expect("creating a fresh table on the local DynamoDB server");
    assert!(created, "the table {} existed already", store.table_name());
    store
}

/// Deletes its table when dropped (from a thread of its own: the test's
/// runtime may be the one dropping it).
pub struct DropTable(pub DynamoStore);

impl Drop for DropTable {
    fn drop(&mut self) {
        let store = self.0.clone();
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
            let _ = runtime.block_on(store.delete_table());
        })
        .join();
    }
}
