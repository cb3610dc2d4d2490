//! What every handler gets: the store, the token keys and the clock.

use std::sync::Arc;

use dk2020_model::{Email, api::MailSettings};
use jiff::Timestamp;
use tokio::sync::Notify;

use crate::{access::Access, auth::TokenKeys, store::Store, subscriptions::FetchPolicy};

/// "Now" comes from here, so tests and demos can pin it (`DK2020_NOW`).
#[derive(Clone, Debug, Default)]
pub enum Clock {
    #[default]
    System,
    Fixed(Timestamp),
}

impl Clock {
    pub fn now(&self) -> Timestamp {
        match self {
            Clock::System => Timestamp::now(),
            Clock::Fixed(ts) => *ts,
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub keys: TokenKeys,
    pub clock: Clock,
    /// Wakes the mail sender ([`crate::mail::run`]) when a change made mail due.
    pub mail_wake: Arc<Notify>,
    /// The coordinator's name, address and meeting link as the server is
    /// configured (`DK2020_COORDINATOR_*`, `DK2020_MEETING_LINK`): what her
    /// own [`MailSettings`] fall back on, field by field.
    pub mail_defaults: Arc<MailSettings>,
    /// How calendar subscriptions are fetched (`DK2020_CALENDAR_ALLOW_PRIVATE`).
    pub calendar_fetch: FetchPolicy,
    /// The embed keys and revoked tokens, as recently read ([`Access`]).
    pub access: Arc<Access>,
    /// Staff sign-in: the OpenID provider or the dev sign-in, and the
    /// address the app is reached at (`crate::session`).
    pub sign_in: Arc<crate::session::SignIn>,
    /// How long personal data is kept, and who answers for it (`/privatliv`).
    pub privacy: Arc<Privacy>,
}

/// The retention and the privacy notice's facts (`DK2020_RETENTION_MONTHS`,
/// `DK2020_DATA_CONTROLLER`, `DK2020_PRIVACY_CONTACT`).
#[derive(Debug, Clone)]
pub struct Privacy {
    pub retention: dk2020_model::privacy::Retention,
    pub controller: String,
    pub contact: Option<dk2020_model::Email>,
}

impl Default for Privacy {
    fn default() -> Self {
        Self {
            retention: Default::default(),
            controller: "KKR Midtjylland på vegne af de 19 kommuner i Region Midtjylland".into(),
            contact: None,
        }
    }
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, keys: TokenKeys, clock: Clock) -> Self {
        Self {
            store,
            keys,
            clock,
            mail_wake: Arc::default(),
            mail_defaults: Arc::new(default_mail_settings()),
            calendar_fetch: FetchPolicy::default(),
            access: Arc::default(),
            sign_in: Arc::default(),
            privacy: Arc::default(),
        }
    }

    /// With the retention and the privacy notice as configured.
    pub fn with_privacy(mut self, privacy: Privacy) -> Self {
        self.privacy = Arc::new(privacy);
        self
    }

    /// With copies of the embed keys and revocations kept up to `lifetime`
    /// (a shared DynamoDB table: see [`Access`]).
    pub fn with_access_lifetime(mut self, lifetime: std::time::Duration) -> Self {
        self.access = Arc::new(Access::new(lifetime));
        self
    }

    /// With staff sign-in as configured.
    pub fn with_sign_in(mut self, sign_in: crate::session::SignIn) -> Self {
        self.sign_in = Arc::new(sign_in);
        self
    }

    /// With calendar fetches as configured.
    pub fn with_calendar_fetch(mut self, policy: FetchPolicy) -> Self {
        self.calendar_fetch = policy;
        self
    }

    /// With the configured coordinator and meeting link (the server and
    /// Lambda fill these from the `Config`).
    pub fn with_mail_defaults(mut self, defaults: MailSettings) -> Self {
        self.mail_defaults = Arc::new(defaults);
        self
    }

    /// A booking change recorded mail in the outbox: send it now, not at the
    /// sender's next look.
    pub fn mail_due(&self) {
        self.mail_wake.notify_one();
    }

    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }
}

/// The `Config`'s own defaults of the coordinator's name and address, no
/// meeting link: for states built without a configuration (tests).
pub fn default_mail_settings() -> MailSettings {
    MailSettings {
        coordinator_name: Some("DK2020-koordinatoren".into()),
        coordinator_email: Email::parse("koordinator@dk2020.invalid").ok(),
        meeting_link: None,
    }
}
