//! Logging: readable lines locally, JSON under Lambda (CloudWatch). Level from
//! `RUST_LOG` (default `info`). Never log personal data (names, e-mails).

use tracing_subscriber::{EnvFilter, fmt};

pub fn init(json: bool) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,tower_http=info"));
    let builder = fmt().with_env_filter(filter).with_target(false);
    // A second init (tests) is harmless: keep the first subscriber.
    let _ = if json { builder.json().without_time().try_init() } else { builder.try_init() };
}
