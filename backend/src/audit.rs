//! Recording changes in the audit log (`dk2020_model::audit`). Called by a
//! handler after its change succeeded; a failure to record is logged (the
//! kind and what it concerned, never a person's data) and does not undo or
//! fail the change, which has happened.

use dk2020_model::{
    Actor, Email,
    audit::{AuditEntry, AuditKind, Via},
};

use crate::{auth::Auth, state::AppState};

/// What a change concerned, for its audit entry.
#[derive(Debug, Default)]
pub struct Change {
    pub summary: String,
    pub subject: Option<String>,
    pub person: Option<Email>,
}

impl Change {
    pub fn new(summary: impl Into<String>) -> Self {
        Self { summary: summary.into(), ..Self::default() }
    }

    pub fn subject(mut self, subject: impl ToString) -> Self {
        self.subject = Some(subject.to_string());
        self
    }

    pub fn person(mut self, person: &Email) -> Self {
        self.person = Some(person.clone());
        self
    }
}

/// Records a change made by `auth`'s caller.
pub async fn record(state: &AppState, auth: &Auth, kind: AuditKind, change: Change) {
    record_as(state, auth.actor, auth.via.clone(), kind, change).await;
}

/// Records a change made by `actor` through `via` (sign-ins, manage links).
pub async fn record_as(state: &AppState, actor: Actor, via: Via, kind: AuditKind, change: Change) {
    let at = state.now();
    let entry = AuditEntry {
        id: crate::routes::new_id("aud_", at),
        at,
        actor,
        via,
        kind,
        summary: change.summary,
        subject: change.subject,
        person: change.person,
    };
    if let Err(e) = state.store.record_audit(&entry).await {
        tracing::error!(kind = %kind, subject = ?entry.subject, error = %e, "could not record a change in the audit log");
    }
}
