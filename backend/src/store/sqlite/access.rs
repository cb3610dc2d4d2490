//! The SQLite store's credentials and audit log: each row whole as JSON,
//! with the columns lookups and filters need beside it.

use async_trait::async_trait;
use dk2020_model::{
    audit::{AuditEntry, AuditFilter},
    credential::{Credential, CredentialKind},
};
use rusqlite::{OptionalExtension, params};

use super::{Db, SqliteStore};
use crate::store::{AuditLog, Credentials, StoreError, StoreResult};

fn to_json<T: serde::Serialize>(value: &T) -> StoreResult<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Internal(e.into()))
}

fn from_json<T: serde::de::DeserializeOwned>(json: &str, what: &str) -> StoreResult<T> {
    serde_json::from_str(json).map_err(|e| StoreError::corrupt(what, e))
}

#[async_trait]
impl Credentials for SqliteStore {
    async fn add_credential(&self, credential: &Credential) -> StoreResult<()> {
        let json = to_json(credential)?;
        let (kind, hash, created) =
            (credential.kind().as_str(), credential.hash.clone(), credential.created_at.as_second());
        self.run(move |conn| {
            let inserted = conn
                .execute(
                    "INSERT OR IGNORE INTO credentials (kind, hash, created_s, json) VALUES (?1, ?2, ?3, ?4)",
                    params![kind, hash, created, json],
                )
                .db()?;
            match inserted {
                0 => Err(StoreError::Conflict("that credential exists already".into())),
                _ => Ok(()),
            }
        })
        .await
    }

    async fn credential(&self, kind: CredentialKind, hash: &str) -> StoreResult<Credential> {
        let hash = hash.to_string();
        let json: Option<String> = self
            .run(move |conn| {
                conn.query_row(
                    "SELECT json FROM credentials WHERE kind = ?1 AND hash = ?2",
                    params![kind.as_str(), hash],
                    |row| row.get(0),
                )
                .optional()
                .db()
            })
            .await?;
        match json {
            Some(json) => from_json(&json, "a credential"),
            None => Err(StoreError::NotFound(format!("there is no such {}", kind.danish_name()))),
        }
    }

    async fn credentials(&self, kind: CredentialKind) -> StoreResult<Vec<Credential>> {
        let rows: Vec<String> = self
            .run(move |conn| {
                let mut stmt = conn
                    .prepare_cached("SELECT json FROM credentials WHERE kind = ?1 ORDER BY created_s, hash")
                    .db()?;
                let rows = stmt.query_map([kind.as_str()], |row| row.get::<_, String>(0)).db()?;
                rows.collect::<rusqlite::Result<Vec<_>>>().db()
            })
            .await?;
        rows.iter().map(|json| from_json(json, "a credential")).collect()
    }

    async fn save_credential(&self, credential: &Credential) -> StoreResult<()> {
        let json = to_json(credential)?;
        let (kind, hash) = (credential.kind().as_str(), credential.hash.clone());
        self.run(move |conn| {
            match conn
                .execute("UPDATE credentials SET json = ?3 WHERE kind = ?1 AND hash = ?2", params![kind, hash, json])
                .db()?
            {
                0 => Err(StoreError::NotFound("that credential is gone".into())),
                _ => Ok(()),
            }
        })
        .await
    }

    async fn delete_credential(&self, kind: CredentialKind, hash: &str) -> StoreResult<()> {
        let hash = hash.to_string();
        self.run(move |conn| {
            conn.execute("DELETE FROM credentials WHERE kind = ?1 AND hash = ?2", params![kind.as_str(), hash]).db()?;
            Ok(())
        })
        .await
    }
}

#[async_trait]
impl AuditLog for SqliteStore {
    async fn record_audit(&self, entry: &AuditEntry) -> StoreResult<()> {
        let json = to_json(entry)?;
        let (id, at) = (entry.id.clone(), entry.at.as_millisecond());
        self.run(move |conn| {
            conn.execute("INSERT INTO audit (id, at_ms, json) VALUES (?1, ?2, ?3)", params![id, at, json]).db()?;
            Ok(())
        })
        .await
    }

    async fn audit(&self, filter: &AuditFilter) -> StoreResult<Vec<AuditEntry>> {
        let (from, to) = (filter.from.as_millisecond(), filter.to.as_millisecond());
        let rows: Vec<String> = self
            .run(move |conn| {
                let mut stmt = conn
                    .prepare_cached("SELECT json FROM audit WHERE at_ms >= ?1 AND at_ms < ?2 ORDER BY at_ms, id")
                    .db()?;
                let rows = stmt.query_map([from, to], |row| row.get::<_, String>(0)).db()?;
                rows.collect::<rusqlite::Result<Vec<_>>>().db()
            })
            .await?;
        let mut entries = Vec::new();
        for json in &rows {
            let entry: AuditEntry = from_json(json, "an audit entry")?;
            if filter.matches(&entry) {
                entries.push(entry);
            }
        }
        Ok(entries)
    }

    async fn save_audit(&self, entry: &AuditEntry) -> StoreResult<()> {
        let json = to_json(entry)?;
        let id = entry.id.clone();
        self.run(move |conn| {
            match conn.execute("UPDATE audit SET json = ?2 WHERE id = ?1", params![id, json]).db()? {
                0 => Err(StoreError::NotFound(format!("there is no audit entry {id:?}"))),
                _ => Ok(()),
            }
        })
        .await
    }
}
