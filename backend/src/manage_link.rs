//! Manage links (`dk2020_model::manage`): making a key for a mail, hashing
//! it for the store, and the [`ManageKey`] extractor that turns a request's
//! key into the one booking it opens.
//!
//! The key travels as `Authorization: Bearer dkm_…`, never in a URL's path
//! or query: the page reads it from its link's fragment (`…/manage#dkm_…`),
//! which browsers send to no server and put in no `Referer`.

use axum::{extract::FromRequestParts, http::request::Parts};
use dk2020_model::{
    Actor, Booking, BookingId,
    manage::{self, KEY_PREFIX, LinkRefusal},
};
use jiff::Timestamp;

use crate::{auth::bearer, error::ApiError, state::AppState, store::StoreError};

/// A new key: 32 random bytes from the operating system's generator.
pub fn new_key() -> String {
    crate::secret::new_secret(KEY_PREFIX)
}

/// What the store keeps of a key: its SHA-256, hex ([`crate::secret::hash`]).
pub fn key_hash(key: &str) -> String {
    crate::secret::hash(key)
}

/// The address in a mail: the page, and the key in its fragment.
pub fn link(page: &str, key: &str) -> String {
    format!("{}#{key}", page.trim_end_matches('#'))
}

/// A record of an issued key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManageLink {
    /// [`key_hash`] of the key.
    pub hash: String,
    pub booking: BookingId,
    /// When the mail carrying it was composed.
    pub created: Timestamp,
}

impl ManageLink {
    /// A new key for `booking` and the record the store keeps of it.
    pub fn issue(booking: &BookingId, now: Timestamp) -> (String, ManageLink) {
        let key = new_key();
        let record = ManageLink { hash: key_hash(&key), booking: booking.clone(), created: now };
        (key, record)
    }
}

/// A request with a manage link's key: the booking it opens (read now, in
/// its current state), and who acts when it is changed (its municipality).
#[derive(Debug, Clone)]
pub struct ManageKey {
    pub booking: Booking,
}

impl ManageKey {
    /// The booking's municipality acts through its contact's link.
    pub fn actor(&self) -> Actor {
        Actor::Municipality { municipality: self.booking.municipality }
    }
}

impl FromRequestParts<AppState> for ManageKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let key = bearer(&parts.headers)
            .flatten()
            .filter(|key| manage::is_key_shaped(key))
            .ok_or(ApiError::ManageLink(LinkRefusal::Unknown))?;
        let link = match state.store.manage_link(&key_hash(key)).await {
            Ok(link) => link,
            Err(StoreError::NotFound(_)) => return Err(ApiError::ManageLink(LinkRefusal::Unknown)),
            Err(e) => return Err(e.into()),
        };
        let booking = match state.store.booking(&link.booking).await {
            Ok(booking) => booking,
            // The booking is gone (removed by retention): the link opens nothing.
            Err(StoreError::NotFound(_)) => return Err(ApiError::ManageLink(LinkRefusal::Unknown)),
            Err(e) => return Err(e.into()),
        };
        manage::opens(&booking, state.now()).map_err(ApiError::ManageLink)?;
        Ok(ManageKey { booking })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_of_the_checked_shape_and_differ_every_time() {
        let (a, b) = (new_key(), new_key());
        assert!(manage::is_key_shaped(&a), "{a}");
        assert_ne!(a, b);
    }

    #[test]
    fn the_store_keeps_a_hash_that_does_not_reveal_the_key() {
        let key = new_key();
        let hash = key_hash(&key);
        assert_eq!(hash.len(), 64);
        assert_eq!(hash, key_hash(&key), "the same key, the same hash");
        assert!(!hash.contains(&key[KEY_PREFIX.len()..]));
    }

    #[test]
    fn the_key_goes_into_the_links_fragment() {
        assert_eq!(
            link("https://cdn.example/manage.html?api=x", "dkm_k"),
            "https://cdn.example/manage.html?api=x#dkm_k"
        );
    }
}
