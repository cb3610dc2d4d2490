//! The DynamoDB store's credentials and audit log.
//!
//! Credentials: one partition per kind (`CREDENTIALS#embed_key`, …), the
//! secret's hash as sort key, so a presented secret is one GetItem and a
//! kind's list one Query. Sessions and revoked tokens carry `expires` (epoch
//! seconds), the table's TTL attribute: DynamoDB removes them by itself
//! within a day or two of that time, and until then the model's own
//! `Credential::check` refuses them.
//!
//! The audit log: one partition per month (`AUDIT#2030-01`), sort key the
//! time and the id, so a range of dates is one Query per month.

use async_trait::async_trait;
use dk2020_model::{
    audit::{AuditEntry, AuditFilter},
    credential::{Credential, CredentialKind},
};
use jiff::{Timestamp, tz::TimeZone};

use super::{DynamoStore, errors::sdk_error, items};
use crate::store::{AuditLog, Credentials, StoreError, StoreResult};

fn partition(kind: CredentialKind) -> String {
    format!("CREDENTIALS#{}", kind.as_str())
}

fn credential_key(kind: CredentialKind, hash: &str) -> items::Item {
    items::key(partition(kind), hash.to_string())
}

fn credential_item(credential: &Credential) -> StoreResult<items::Item> {
    let mut item = credential_key(credential.kind(), &credential.hash);
    item.insert("type".into(), items::s("credential"));
    item.insert("created_s".into(), items::n(credential.created_at.as_second()));
    // Embed keys and feed secrets stay listed after they expire or are
    // revoked (the secretariat sees what was issued); sessions and revoked
    // tokens are worth nothing afterwards.
    if let (CredentialKind::Session | CredentialKind::RevokedToken, Some(expires)) =
        (credential.kind(), credential.expires_at)
    {
        item.insert(items::TTL.into(), items::n(expires.as_second()));
    }
    let json = serde_json::to_string(credential).map_err(|e| StoreError::Internal(e.into()))?;
    item.insert("json".into(), items::s(json));
    Ok(item)
}

fn parse<T: serde::de::DeserializeOwned>(item: &items::Item, what: &str) -> StoreResult<T> {
    serde_json::from_str(items::get_s(item, "json", what)?).map_err(|e| StoreError::corrupt(what, e))
}

fn gone() -> StoreError {
    StoreError::NotFound("that credential is gone".into())
}

#[async_trait]
impl Credentials for DynamoStore {
    async fn add_credential(&self, credential: &Credential) -> StoreResult<()> {
        let written = self
            .client
            .put_item()
            .table_name(&*self.table)
            .set_item(Some(credential_item(credential)?))
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", items::PK)
            .send()
            .await;
        match written {
            Ok(_) => Ok(()),
            Err(e) if e.as_service_error().is_some_and(|e| e.is_conditional_check_failed_exception()) => {
                Err(StoreError::Conflict("that credential exists already".into()))
            }
            Err(e) => Err(sdk_error("PutItem", e)),
        }
    }

    async fn credential(&self, kind: CredentialKind, hash: &str) -> StoreResult<Credential> {
        match self.get(credential_key(kind, hash)).await? {
            Some(item) => parse(&item, "a credential"),
            None => Err(StoreError::NotFound(format!("there is no such {}", kind.danish_name()))),
        }
    }

    async fn credentials(&self, kind: CredentialKind) -> StoreResult<Vec<Credential>> {
        let mut all = self
            .query_all(self.query_partition(&partition(kind)))
            .await?
            .iter()
            .map(|item| parse::<Credential>(item, "a credential"))
            .collect::<StoreResult<Vec<_>>>()?;
        all.sort_by(|a, b| (a.created_at, &a.hash).cmp(&(b.created_at, &b.hash)));
        Ok(all)
    }

    async fn save_credential(&self, credential: &Credential) -> StoreResult<()> {
        self.replace(credential_item(credential)?, gone).await
    }

    async fn delete_credential(&self, kind: CredentialKind, hash: &str) -> StoreResult<()> {
        match self.remove(credential_key(kind, hash), gone).await {
            Err(StoreError::NotFound(_)) => Ok(()),
            other => other,
        }
    }
}

/// The month partition of an instant (UTC: partitions need no time zone).
fn month(at: Timestamp) -> String {
    let date = at.to_zoned_datetime(TimeZone::UTC).date();
    format!("AUDIT#{:04}-{:02}", date.year(), date.month())
}

fn audit_item(entry: &AuditEntry) -> StoreResult<items::Item> {
    let mut item = items::key(month(entry.at), format!("{}#{}", items::time_key(entry.at), entry.id));
    item.insert("type".into(), items::s("audit"));
    let json = serde_json::to_string(entry).map_err(|e| StoreError::Internal(e.into()))?;
    item.insert("json".into(), items::s(json));
    Ok(item)
}

/// The months from `from` to `to`, both included.
fn months(from: Timestamp, to: Timestamp) -> Vec<String> {
    let mut out = Vec::new();
    let mut date = from.to_zoned_datetime(TimeZone::UTC).date().first_of_month();
    let last = to.to_zoned_datetime(TimeZone::UTC).date();
    while date <= last && out.len() < 1200 {
        out.push(format!("AUDIT#{:04}-{:02}", date.year(), date.month()));
        match date.checked_add(jiff::Span::new().months(1)) {
            Ok(next) => date = next,
            Err(_) => break,
        }
    }
    out
}

#[async_trait]
impl AuditLog for DynamoStore {
    async fn record_audit(&self, entry: &AuditEntry) -> StoreResult<()> {
        self.put(audit_item(entry)?).await
    }

    /// The same key (month, time and id): the entry is replaced in place.
    async fn save_audit(&self, entry: &AuditEntry) -> StoreResult<()> {
        self.replace(audit_item(entry)?, || StoreError::NotFound("there is no such audit entry".into())).await
    }

    /// One Query per month in the range.
    async fn audit(&self, filter: &AuditFilter) -> StoreResult<Vec<AuditEntry>> {
        let (from, to) = (filter.from, filter.to);
        let mut entries = Vec::new();
        for pk in months(from, to) {
            for item in self.query_all(self.query_partition(&pk)).await? {
                let entry: AuditEntry = parse(&item, "an audit entry")?;
                if filter.matches(&entry) {
                    entries.push(entry);
                }
            }
        }
        entries.sort_by(|a, b| (a.at, &a.id).cmp(&(b.at, &b.id)));
        Ok(entries)
    }
}
