//! Personal data in a store (issue 17): insight, erasure on request and the
//! retention, each one pass over the store's small parts with the model's
//! rules (`dk2020_model::privacy`). Every write goes through the store's own
//! guarded operations, so a pass that is cut off is simply run again: erasing
//! twice finds nothing left to erase.
//!
//! The data sets are small (one coordinator's bookings, a few mails each):
//! reading a whole part and filtering here is cheaper to keep right than an
//! index per person in each store.

use dk2020_model::{
    Booking, Email,
    api::{Erasure, SubjectCredential, SubjectMail, SubjectReport},
    audit::{AuditEntry, AuditFilter},
    credential::CredentialKind,
    outbox::Message,
    privacy::{self, Retention},
};
use jiff::Timestamp;

use crate::store::{BookingFilter, Store, StoreResult};

fn every_booking() -> BookingFilter {
    BookingFilter { include_cancelled: true, ..BookingFilter::default() }
}

/// Everything the store holds about `email` at `now` (GDPR article 15).
pub async fn subject(store: &dyn Store, email: &Email, now: Timestamp) -> StoreResult<SubjectReport> {
    let bookings: Vec<_> =
        store.bookings(&every_booking()).await?.into_iter().filter(|b| b.is_contact(email)).collect();
    let mails = store
        .all_messages()
        .await?
        .iter()
        .filter(|m| m.notice.booking().is_contact(email) || bookings.iter().any(|b| privacy::message_about(m, b)))
        .map(SubjectMail::from)
        .collect();
    let audit = store
        .audit(&AuditFilter::whole_log(now))
        .await?
        .into_iter()
        .filter(|e| privacy::audit_names(e, email))
        .collect();
    let mut credentials = Vec::new();
    for kind in [CredentialKind::Session, CredentialKind::EmbedKey, CredentialKind::CalendarFeed] {
        let mine = store.credentials(kind).await?;
        credentials.extend(mine.iter().filter(|c| privacy::credential_of(c, email)).map(SubjectCredential::from));
    }
    Ok(SubjectReport { email: email.clone(), generated_at: now, bookings, mails, audit, credentials })
}

/// Erases everything about `email` at `now` (GDPR article 17): the
/// contact's data in its bookings, the mails and manage links of those
/// bookings, the address in the audit log, its sessions, and its address in
/// what it issued (the keys themselves stay: an intranet relies on them).
pub async fn erase(store: &dyn Store, email: &Email, now: Timestamp) -> StoreResult<Erasure> {
    let bookings: Vec<_> =
        store.bookings(&every_booking()).await?.into_iter().filter(|b| b.is_contact(email)).collect();
    // Also the mails whose copy of the booking names the address though the
    // booking no longer does.
    let mut erased = erase_bookings(store, &bookings, now, |m| m.notice.booking().is_contact(email)).await?;
    erased.audit_entries += erase_audit(store, now, |e| privacy::audit_names(e, email)).await?;
    for session in store.credentials(CredentialKind::Session).await? {
        if privacy::credential_of(&session, email) {
            store.delete_credential(CredentialKind::Session, &session.hash).await?;
            erased.credentials += 1;
        }
    }
    for kind in [CredentialKind::EmbedKey, CredentialKind::CalendarFeed] {
        for credential in store.credentials(kind).await? {
            if privacy::issued_by(&credential, email) {
                store.save_credential(&privacy::erase_issuer(&credential, email)).await?;
                erased.credentials += 1;
            }
        }
    }
    Ok(erased)
}

/// The bookings' personal data, their manage links, and the mails about
/// them or that `also` selects (one pass over the outbox).
async fn erase_bookings(
    store: &dyn Store,
    bookings: &[Booking],
    now: Timestamp,
    also: impl Fn(&Message) -> bool,
) -> StoreResult<Erasure> {
    let mut erased = Erasure::default();
    for booking in bookings {
        if store.erase_booking(&booking.id, now).await? {
            erased.bookings += 1;
        }
        erased.manage_links += store.revoke_manage_links(&booking.id).await?;
    }
    for message in store.all_messages().await? {
        if also(&message) || bookings.iter().any(|b| privacy::message_about(&message, b)) {
            store.delete_message(&message.id).await?;
            erased.mails += 1;
        }
    }
    Ok(erased)
}

/// Replaces every entry `names` selects with its personal details erased; how many.
async fn erase_audit(store: &dyn Store, now: Timestamp, names: impl Fn(&AuditEntry) -> bool) -> StoreResult<u32> {
    let mut count = 0;
    for entry in store.audit(&AuditFilter::whole_log(now)).await?.iter().filter(|e| names(e)) {
        store.save_audit(&privacy::erase_audit_details(entry)).await?;
        count += 1;
    }
    Ok(count)
}

/// What the retention removes at `now`: the personal data of bookings whose
/// session ended longer ago than the retention (with their mails and manage
/// links), mails delivered long enough ago, the person in old audit
/// entries, spent sessions and tokens, long-revoked keys and feeds.
pub async fn apply_retention(store: &dyn Store, retention: &Retention, now: Timestamp) -> StoreResult<Erasure> {
    let ended = BookingFilter { starts_before: Some(retention.booking_cutoff(now)), ..every_booking() };
    let expired: Vec<_> =
        store.bookings(&ended).await?.into_iter().filter(|b| retention.booking_expired(b, now)).collect();
    let mut erased = erase_bookings(store, &expired, now, |m| retention.message_expired(m, now)).await?;
    erased.audit_entries += erase_audit(store, now, |e| retention.audit_details_expired(e, now)).await?;
    for kind in CredentialKind::ALL {
        for credential in store.credentials(kind).await? {
            if retention.credential_expired(&credential, now) {
                store.delete_credential(kind, &credential.hash).await?;
                erased.credentials += 1;
            }
        }
    }
    Ok(erased)
}

/// [`apply_retention`] once, its counts logged (never what was erased).
pub async fn run_once(store: &dyn Store, retention: &Retention, now: Timestamp) {
    match apply_retention(store, retention, now).await {
        Ok(erased) if erased.total() == 0 => {}
        Ok(erased) => tracing::info!(?erased, "retention: personal data past its time removed"),
        Err(e) => tracing::warn!(error = %e, "retention: could not remove personal data past its time"),
    }
}

/// [`run_once`] every day after the one at start-up (`crate::server`), for
/// as long as the local server runs.
pub async fn run_daily(store: std::sync::Arc<dyn Store>, retention: Retention, clock: crate::state::Clock) {
    let mut daily = tokio::time::interval(std::time::Duration::from_secs(24 * 3600));
    // The first tick is now, and start-up has just run it.
    daily.tick().await;
    loop {
        daily.tick().await;
        run_once(store.as_ref(), &retention, clock.now()).await;
    }
}

/// The retention Lambda function (`dk2020-retention`,
/// `backend/src/bin/dk2020-retention.rs`): [`apply_retention`] when an
/// EventBridge schedule invokes it, once a day; nothing in the event is read.
pub mod lambda {
    use serde_json::Value;

    use crate::{config::Config, telemetry};

    pub async fn run(config: Config) -> Result<(), lambda_http::Error> {
        telemetry::init(true);
        let store = config.open_store().await.map_err(|e| format!("{e:#}"))?.shared();
        let retention = config.privacy().retention;
        let clock = config.now.clone();
        let (store, clock) = (store.as_ref(), &clock);
        lambda_http::lambda_runtime::run(lambda_http::service_fn(
            move |_: lambda_http::LambdaEvent<Value>| async move {
                match super::apply_retention(store, &retention, clock.now()).await {
                    Ok(erased) => {
                        tracing::info!(?erased, "retention: personal data past its time removed");
                        Ok::<_, lambda_http::Error>(erased)
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "retention: could not remove personal data past its time");
                        Err(format!("the retention could not read or write the table: {e}").into())
                    }
                }
            },
        ))
        .await
    }
}
