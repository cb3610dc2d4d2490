//! The calendars Lambda function (`dk2020-calendars`,
//! `backend/src/bin/dk2020-calendars.rs`): what the local server's timer
//! ([`super::run`]) does, as a function of its own that an EventBridge
//! schedule invokes every few minutes (infra/template.yaml). Each invocation
//! fetches the subscriptions that are due ([`super::refresh_due`]) and
//! answers the counts; nothing in the event is read.
//!
//! It has a role of its own: the calendar items of the table and its log
//! group, nothing else. The API's function fetches too, on "Hent nu" and when
//! a calendar is added.

use serde_json::Value;

use super::refresh_due;
use crate::{config::Config, telemetry};

pub async fn run(config: Config) -> Result<(), lambda_http::Error> {
    telemetry::init(true);
    let store = config.open_store().await.map_err(|e| format!("{e:#}"))?.shared();
    let policy = config.calendar_fetch();
    let clock = config.now.clone();
    let (store, clock) = (store.as_ref(), &clock);
    lambda_http::lambda_runtime::run(lambda_http::service_fn(move |_: lambda_http::LambdaEvent<Value>| async move {
        match refresh_due(store, policy, clock.now()).await {
            Ok(summary) => {
                tracing::info!(?summary, "calendar subscriptions refreshed");
                Ok::<_, lambda_http::Error>(summary)
            }
            Err(e) => {
                tracing::warn!(error = %e, "the calendar subscriptions could not be read or written");
                Err(format!("the calendar subscriptions could not be read or written: {e}").into())
            }
        }
    }))
    .await
}
