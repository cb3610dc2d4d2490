//! What every request with an embed key or a token needs from the store,
//! kept in memory: the embed keys (their hashes, municipalities and
//! origins; also CORS's list of allowed origins) and the revoked tokens'
//! ids.
//!
//! How long a copy may be used is the store's matter: the local server is
//! the only writer of its SQLite file, so it reads afresh every time
//! (`Duration::ZERO`: a revocation works at once); Lambda's instances share
//! a table that others write, so each keeps its copy up to a minute (a
//! revocation works within a minute there), and one Query a minute is all
//! the keys cost. The instance that revokes forgets its copy at once.
//!
//! The age of a copy is measured with the machine's monotonic clock: it is a
//! cache's freshness, not a time decision of the product (a pinned
//! `DK2020_NOW` must not keep a revoked key alive).

use std::{
    collections::HashSet,
    sync::{Arc, Mutex, PoisonError},
    time::{Duration, Instant},
};

use dk2020_model::credential::{Credential, CredentialKind, Grant};

use crate::store::{Store, StoreResult};

#[derive(Debug, Clone)]
struct Copy {
    read_at: Instant,
    embed_keys: Arc<Vec<Credential>>,
    revoked_tokens: Arc<HashSet<String>>,
}

/// The copies, and how long they last.
#[derive(Debug, Default)]
pub struct Access {
    lifetime: Duration,
    copy: Mutex<Option<Copy>>,
}

impl Access {
    /// Copies used for up to `lifetime` (zero: read every time).
    pub fn new(lifetime: Duration) -> Self {
        Self { lifetime, copy: Mutex::new(None) }
    }

    /// How long a copy is kept.
    pub fn lifetime(&self) -> Duration {
        self.lifetime
    }

    async fn current(&self, store: &dyn Store) -> StoreResult<Copy> {
        if !self.lifetime.is_zero() {
            let copy = self.copy.lock().unwrap_or_else(PoisonError::into_inner).clone();
            if let Some(copy) = copy.filter(|c| c.read_at.elapsed() < self.lifetime) {
                return Ok(copy);
            }
        }
        let embed_keys = Arc::new(store.credentials(CredentialKind::EmbedKey).await?);
        let revoked_tokens =
            Arc::new(store.credentials(CredentialKind::RevokedToken).await?.into_iter().map(|c| c.id).collect());
        let copy = Copy { read_at: Instant::now(), embed_keys, revoked_tokens };
        if !self.lifetime.is_zero() {
            *self.copy.lock().unwrap_or_else(PoisonError::into_inner) = Some(copy.clone());
        }
        Ok(copy)
    }

    /// Every embed key, revoked ones included (the caller checks).
    pub async fn embed_keys(&self, store: &dyn Store) -> StoreResult<Arc<Vec<Credential>>> {
        Ok(self.current(store).await?.embed_keys)
    }

    /// Whether the token with this `jti` was revoked.
    pub async fn is_revoked(&self, store: &dyn Store, jti: &str) -> StoreResult<bool> {
        Ok(self.current(store).await?.revoked_tokens.contains(jti))
    }

    /// Whether `origin` is one a working embed key may be used from (CORS).
    pub async fn is_embed_origin(&self, store: &dyn Store, origin: &str, now: jiff::Timestamp) -> bool {
        match self.embed_keys(store).await {
            Ok(keys) => keys.iter().any(|key| {
                key.revoked_at.is_none_or(|at| at > now)
                    && matches!(&key.grant, Grant::EmbedKey { origins, .. } if origins.iter().any(|o| o.as_str() == origin))
            }),
            // Unknown now: refused (the request itself would fail anyway).
            Err(_) => false,
        }
    }

    /// After a change to keys or revocations made here.
    pub fn forget(&self) {
        *self.copy.lock().unwrap_or_else(PoisonError::into_inner) = None;
    }
}
