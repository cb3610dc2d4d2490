//! The configuration, in one place. Every setting the app reads is a field of
//! [`Config`], with its `DK2020_*` variable and a flag of `serve` (a flag wins
//! over its variable), so `dk2020-api serve --help` lists them all. `main`
//! reads it once: from the command line and the environment for `serve` and
//! `token`, from the environment alone under Lambda ([`Config::from_env`]).
//! Values are checked while they are read; a bad one stops the program with a
//! message that names its variable.

use std::{
    ffi::OsString,
    fmt,
    net::SocketAddr,
    path::{Path, PathBuf},
    sync::Arc,
};

use anyhow::Context;
use aws_config::{BehaviorVersion, timeout::TimeoutConfig};
use axum::http::HeaderValue;
use clap::Parser;
use jiff::Timestamp;

use dk2020_model::{Email, ical::Organizer};
use lettre::message::Mailbox;

use crate::{
    auth::TokenKeys,
    mail::{Sender, Transport},
    state::Clock,
    store::{DynamoStore, SqliteStore, Store, dynamo},
};

/// The local database, unless `--db` or `DK2020_DB` says otherwise.
pub const DEFAULT_DB: &str = "data/dk2020.sqlite";

/// Every setting of the API. `addr` and `widget_dir` only matter to the local
/// server; the rest also to Lambda and `token`.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Configuration (each flag can be given by its variable instead)")]
pub struct Config {
    /// The address the local server listens on.
    #[arg(long, env = "DK2020_ADDR", default_value = "127.0.0.1:8080", value_parser = parse_addr)]
    pub addr: SocketAddr,

    /// The SQLite file, created and seeded on first start. One server process owns it; its
    /// directory also keeps the local token secret (`jwt-secret`).
    #[arg(long, env = "DK2020_DB", default_value = DEFAULT_DB, value_parser = parse_db)]
    pub db: PathBuf,

    /// The store: `sqlite` (the file `--db`) or `dynamodb` (the table `--table`).
    #[arg(long, env = "DK2020_STORE", default_value = "sqlite", value_parser = parse_store)]
    pub store: StoreKind,

    /// The DynamoDB table (needed with `--store dynamodb`). Region and credentials come from the
    /// usual AWS chain (`AWS_REGION`, `AWS_PROFILE`, `AWS_ACCESS_KEY_ID`, …).
    #[arg(long, env = "DK2020_TABLE", value_name = "NAME")]
    pub table: Option<String>,

    /// Another DynamoDB endpoint, e.g. a local server (`cargo xtask dynamo`).
    #[arg(long, env = "AWS_ENDPOINT_URL", value_name = "URL")]
    pub aws_endpoint_url: Option<String>,

    /// DynamoDB timeouts: `standard` (connect 2 s, each attempt 2 s, a whole call with retries
    /// 5 s), or whole seconds (1-600) for each attempt and call, for a slow local server only.
    #[arg(
        long,
        env = "DK2020_DYNAMODB_TIMEOUT_SECS",
        default_value = "standard",
        value_name = "SECONDS",
        value_parser = parse_dynamodb_timeouts
    )]
    pub dynamodb_timeout_secs: DynamoTimeouts,

    /// The token signing secret, at least 32 characters. Required under Lambda; the local server
    /// otherwise makes one and keeps it in `jwt-secret` beside the database. Prefer the variable:
    /// other users of the machine can read a command line.
    #[arg(long, env = "DK2020_JWT_SECRET", hide_env_values = true, value_name = "SECRET", value_parser = parse_secret)]
    pub jwt_secret: Option<Secret>,

    /// Origins allowed to call the API from a browser (CORS), comma separated, e.g.
    /// `https://intranet.skive.dk,https://intra.randers.dk`. None by default.
    #[arg(
        long,
        env = "DK2020_ALLOWED_ORIGINS",
        default_value = "",
        hide_default_value = true,
        value_name = "ORIGINS",
        value_parser = parse_allowed_origins
    )]
    pub allowed_origins: AllowedOrigins,

    /// "Now" for every time decision (slots, rules, token expiry): `system` (the machine's
    /// clock) or a fixed RFC 3339 time like `2026-11-30T08:00:00+01:00`, for demos and tests.
    #[arg(long, env = "DK2020_NOW", default_value = "system", value_name = "TIME", value_parser = parse_clock)]
    pub now: Clock,

    /// Serve the widget (`/widget/…`) and the demo page (`/demo/…`) from this folder, e.g.
    /// `target/widget` after `cargo xtask widget`, instead of the copy built into the binary.
    #[arg(long, env = "DK2020_WIDGET_DIR", value_name = "DIR", value_parser = parse_widget_dir)]
    pub widget_dir: Option<PathBuf>,

    /// The mail server for the booking mails: `smtp://host:25` (STARTTLS if offered, add
    /// `?tls=required` to insist), `smtps://host:465` (TLS), user and password in the URL or below.
    /// Without it the mails are written as `.eml` files to `--outbox-dir`.
    #[arg(long, env = "DK2020_SMTP_URL", hide_env_values = true, value_name = "URL", value_parser = parse_secret)]
    pub smtp_url: Option<Secret>,

    /// The SMTP user, when the URL has none.
    #[arg(long, env = "DK2020_SMTP_USER", value_name = "USER")]
    pub smtp_user: Option<String>,

    /// The SMTP password, when the URL has none.
    #[arg(long, env = "DK2020_SMTP_PASSWORD", hide_env_values = true, value_name = "PASSWORD", value_parser = parse_secret)]
    pub smtp_password: Option<Secret>,

    /// How the booking mails leave: `auto` (the SMTP server `--smtp-url` if set, else `.eml` files
    /// in `--outbox-dir`) or `ses`: Amazon SES (API v2), as the mailer Lambda function sends, from
    /// a sending domain verified in SES (infra/README.md, "Mail"); region, credentials and
    /// endpoint from the AWS chain (`AWS_REGION`, …, `AWS_ENDPOINT_URL_SESV2` or `AWS_ENDPOINT_URL`).
    #[arg(long, env = "DK2020_MAIL_TRANSPORT", default_value = "auto", value_name = "TRANSPORT", value_parser = parse_mail_transport)]
    pub mail_transport: MailTransport,

    /// The sender of the booking mails, e.g. `DK2020-sekretariatet <dk2020@kdnet.dk>`.
    #[arg(long, env = "DK2020_MAIL_FROM", default_value = "DK2020-planner <noreply@dk2020.invalid>", value_name = "MAILBOX", value_parser = parse_mailbox)]
    pub mail_from: Mailbox,

    /// The coordinator's e-mail address: the organiser of every invitation, and a copy of every mail.
    #[arg(long, env = "DK2020_COORDINATOR_EMAIL", default_value = "koordinator@dk2020.invalid", value_name = "ADDRESS", value_parser = parse_email)]
    pub coordinator_email: Email,

    /// The coordinator's name, as the mails and invitations show it.
    #[arg(long, env = "DK2020_COORDINATOR_NAME", default_value = "DK2020-koordinatoren", value_name = "NAME")]
    pub coordinator_name: String,

    /// The link of the coordinator's online meetings (Teams, Zoom, …), given in the mails of online sessions.
    #[arg(long, env = "DK2020_MEETING_LINK", value_name = "URL")]
    pub meeting_link: Option<String>,

    /// The page of the manage links in the contact's mails, where one booking is seen, moved or
    /// cancelled; the link's key is added as its fragment (`…#dkm_…`). By default the local
    /// server's own `/widget/manage.html`; on AWS the widget's `manage.html` (infra/template.yaml sets it).
    #[arg(long, env = "DK2020_MANAGE_URL", value_name = "URL", value_parser = parse_manage_url)]
    pub manage_url: Option<String>,

    /// Where the mails are written as `.eml` files without `--smtp-url`; by default the folder
    /// `outbox` beside the database.
    #[arg(long, env = "DK2020_OUTBOX_DIR", value_name = "DIR")]
    pub outbox_dir: Option<PathBuf>,

    /// Attempts to deliver a mail before it is marked failed and listed for the coordinator
    /// (1-20; the waits between them double from 2 minutes up to 2 hours).
    #[arg(long, env = "DK2020_MAIL_ATTEMPTS", default_value_t = dk2020_model::outbox::DEFAULT_MAX_ATTEMPTS, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=20))]
    pub mail_attempts: u32,

    /// Fetch calendar subscriptions on private, loopback and link-local addresses too (1, true,
    /// yes). Off by default: the server fetches addresses a person typed, and must not reach
    /// the machine's own network (169.254.169.254 above all). For tests and a calendar server
    /// on the same machine; `cargo xtask serve` sets it.
    #[arg(long, env = "DK2020_CALENDAR_ALLOW_PRIVATE", default_value = "false", value_name = "BOOL", value_parser = clap::builder::BoolishValueParser::new(), action = clap::ArgAction::Set)]
    pub calendar_allow_private: bool,

    /// Seconds one calendar fetch may take in all (connecting, redirects, reading), 1-120.
    #[arg(long, env = "DK2020_CALENDAR_TIMEOUT_SECS", default_value_t = 20, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=120))]
    pub calendar_timeout_secs: u64,

    /// The previous token secret, after a rotation: tokens signed with it still work until
    /// `DK2020_JWT_RETIRED_UNTIL`, so nobody is signed out at once (infra/README.md, "Rotate").
    #[arg(long, env = "DK2020_JWT_RETIRED_SECRET", hide_env_values = true, value_name = "SECRET", value_parser = parse_secret)]
    pub jwt_retired_secret: Option<Secret>,

    /// Until when the retired secret's tokens are accepted: an RFC 3339 time or a date
    /// (`2027-03-01`, midnight UTC). Required with `DK2020_JWT_RETIRED_SECRET`.
    #[arg(long, env = "DK2020_JWT_RETIRED_UNTIL", value_name = "TIME", value_parser = parse_until)]
    pub jwt_retired_until: Option<Timestamp>,

    /// The address people reach the app at, e.g. `https://dk2020.kdnet.dk`: the sign-in's
    /// redirect address (`…/auth/callback`, registered with the provider), the session cookie's
    /// `Secure` flag and the origin changes must come from. By default the local server's own.
    #[arg(long, env = "DK2020_PUBLIC_URL", value_name = "URL", value_parser = parse_public_url)]
    pub public_url: Option<String>,

    /// The OpenID provider staff sign in with (Entra ID: `https://login.microsoftonline.com/<tenant>/v2.0`).
    /// Without it, a server on a loopback address offers demo users instead.
    #[arg(long, env = "DK2020_OIDC_ISSUER", value_name = "URL")]
    pub oidc_issuer: Option<String>,

    /// The app's client id at the provider.
    #[arg(long, env = "DK2020_OIDC_CLIENT_ID", value_name = "ID")]
    pub oidc_client_id: Option<String>,

    /// The app's client secret at the provider (on AWS from Secrets Manager).
    #[arg(long, env = "DK2020_OIDC_CLIENT_SECRET", hide_env_values = true, value_name = "SECRET", value_parser = parse_secret)]
    pub oidc_client_secret: Option<Secret>,

    /// Values of the `groups` claim that make the coordinator, comma separated (Entra ID: group object ids).
    #[arg(
        long,
        env = "DK2020_OIDC_COORDINATOR_GROUPS",
        default_value = "",
        hide_default_value = true,
        value_name = "GROUPS"
    )]
    pub oidc_coordinator_groups: String,

    /// Values of the `groups` claim that make a secretariat member, comma separated.
    #[arg(
        long,
        env = "DK2020_OIDC_SECRETARIAT_GROUPS",
        default_value = "",
        hide_default_value = true,
        value_name = "GROUPS"
    )]
    pub oidc_secretariat_groups: String,

    /// The dev sign-in (demo users, no provider): `auto` (on when no issuer is set and the
    /// server listens on a loopback address), `on` (refuses to start on any other address) or `off`.
    #[arg(long, env = "DK2020_DEV_SIGN_IN", default_value = "auto", value_name = "MODE", value_parser = ["auto", "on", "off"])]
    pub dev_sign_in: String,

    /// Where the staff page (`/`) loads the widget from: the local server's `/widget` by
    /// default, the CDN's address on AWS.
    #[arg(long, env = "DK2020_WIDGET_URL", value_name = "URL")]
    pub widget_url: Option<String>,

    /// Hours before a session its contact gets a reminder (0: no reminders). Not for sessions
    /// booked or moved within that time.
    #[arg(long, env = "DK2020_REMINDER_HOURS", default_value_t = 24, value_name = "HOURS", value_parser = clap::value_parser!(u16).range(0..=336))]
    pub reminder_hours: u16,

    /// Months after a session's end when its contact's name, e-mail, topic and cancellation reason
    /// (and its mails and manage links) are erased, keeping municipality, kind, time and status
    /// for the statistics (1-120).
    #[arg(long, env = "DK2020_RETENTION_MONTHS", default_value_t = dk2020_model::privacy::Retention::DEFAULT_BOOKING_MONTHS, value_name = "MONTHS", value_parser = clap::value_parser!(u32).range(1..=120))]
    pub retention_months: u32,

    /// The data controller the privacy notice (`/privatliv`) names.
    #[arg(
        long,
        env = "DK2020_DATA_CONTROLLER",
        default_value = "KKR Midtjylland på vegne af de 19 kommuner i Region Midtjylland",
        value_name = "NAME"
    )]
    pub data_controller: String,

    /// Where people ask for insight or erasure, as the privacy notice says (an e-mail address).
    #[arg(long, env = "DK2020_PRIVACY_CONTACT", value_name = "ADDRESS", value_parser = parse_email)]
    pub privacy_contact: Option<Email>,
}

/// Only the [`Config`], parsed from the environment: what Lambda starts with
/// (its bootstrap gets no arguments).
#[derive(Debug, Parser)]
#[command(name = "dk2020-api", no_binary_name = true)]
struct EnvOnly {
    #[command(flatten)]
    config: Config,
}

impl Config {
    /// The configuration from the environment alone (Lambda).
    pub fn from_env() -> anyhow::Result<Self> {
        Self::from_args(std::iter::empty::<OsString>())
    }

    /// The configuration from `args` (flags only, no program name) and the
    /// environment: [`Config::from_env`] with flags, for tests.
    pub fn from_args<I, T>(args: I) -> anyhow::Result<Self>
    where
        I: IntoIterator<Item = T>,
        T: Into<OsString> + Clone,
    {
        match EnvOnly::try_parse_from(args) {
            Ok(parsed) => parsed.config.checked(),
            // clap's own text says which flag or variable and why; its usage
            // lines and "try --help" are no help in a Lambda log.
            Err(e) => {
                let text = e.to_string();
                let first = text.split("\n\n").next().unwrap_or(&text).trim();
                anyhow::bail!("{}", first.strip_prefix("error: ").unwrap_or(first))
            }
        }
    }

    /// The retention and the privacy notice's facts.
    pub fn privacy(&self) -> crate::state::Privacy {
        crate::state::Privacy {
            retention: dk2020_model::privacy::Retention::with_booking_months(self.retention_months).unwrap_or_default(),
            controller: self.data_controller.trim().to_string(),
            contact: self.privacy_contact.clone(),
        }
    }

    /// How calendar subscriptions are fetched.
    pub fn calendar_fetch(&self) -> crate::subscriptions::FetchPolicy {
        let mut policy =
            crate::subscriptions::FetchPolicy { allow_private: self.calendar_allow_private, ..Default::default() };
        policy.limits.timeout = std::time::Duration::from_secs(self.calendar_timeout_secs);
        policy
    }

    /// The sender of the booking mails: to Amazon SES (`mail_transport`), to
    /// the SMTP server `smtp_url`, or into `.eml` files in `outbox_dir` (by
    /// default `outbox/` beside the database).
    pub fn mail_sender(&self) -> anyhow::Result<Sender> {
        let transport = match &self.smtp_url {
            _ if self.mail_transport == MailTransport::Ses => Transport::ses(None),
            Some(url) => {
                Transport::smtp(&url.0, self.smtp_user.as_deref(), self.smtp_password.as_ref().map(|p| p.0.as_str()))?
            }
            None => Transport::files(self.outbox_dir.clone().unwrap_or_else(|| self.local_dir().join("outbox")))?,
        };
        Ok(Sender {
            transport,
            from: self.mail_from.clone(),
            coordinator: Organizer { name: self.coordinator_name.clone(), email: self.coordinator_email.clone() },
            meeting_link: self.meeting_link.clone(),
            manage_page: self.manage_url.clone(),
            max_attempts: self.mail_attempts,
            reminder_lead: (self.reminder_hours > 0)
                .then(|| jiff::SignedDuration::from_hours(self.reminder_hours.into())),
        })
    }

    /// The configuration, if its settings go together (each one alone was
    /// checked while parsing): checked before anything is opened or created.
    pub fn checked(self) -> anyhow::Result<Self> {
        if self.store == StoreKind::DynamoDb {
            self.dynamodb_table()?;
        }
        if let Some(secret) = &self.jwt_secret {
            TokenKeys::new(&secret.0).map_err(anyhow::Error::msg)?;
        }
        if self.mail_transport == MailTransport::Ses && self.smtp_url.as_ref().is_some_and(|u| !u.0.trim().is_empty()) {
            anyhow::bail!(
                "DK2020_MAIL_TRANSPORT=ses and DK2020_SMTP_URL are both set: the mails go one way, choose one"
            );
        }
        Ok(self)
    }

    /// The directory beside the database that keeps the local token secret.
    pub fn local_dir(&self) -> &Path {
        self.db.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."))
    }

    /// The DynamoDB table, required with `DK2020_STORE=dynamodb`.
    pub fn dynamodb_table(&self) -> anyhow::Result<&str> {
        match self.table.as_deref().map(str::trim) {
            Some(table) if !table.is_empty() => Ok(table),
            _ => anyhow::bail!("DK2020_STORE=dynamodb needs DK2020_TABLE, the name of the DynamoDB table"),
        }
    }

    fn endpoint_url(&self) -> Option<&str> {
        self.aws_endpoint_url.as_deref().map(str::trim).filter(|u| !u.is_empty())
    }

    /// The widget files to serve: a folder (`--widget-dir`), or the ones built
    /// into the binary.
    pub fn widget_source(&self) -> WidgetSource {
        match &self.widget_dir {
            Some(dir) if !dir.as_os_str().is_empty() => WidgetSource::Dir(dir.clone()),
            _ => WidgetSource::Embedded,
        }
    }

    /// The token keys from `DK2020_JWT_SECRET`, or for local use a random
    /// secret kept in `jwt-secret` beside the database (made on first use), so
    /// tokens printed by `dk2020-api token` keep working across restarts of
    /// `serve`.
    pub fn token_keys(&self) -> anyhow::Result<TokenKeys> {
        if let Some(secret) = &self.jwt_secret {
            return self.with_retired(TokenKeys::new(&secret.0).map_err(anyhow::Error::msg)?);
        }
        let dir = self.local_dir();
        let file = dir.join("jwt-secret");
        let secret = match std::fs::read_to_string(&file) {
            Ok(s) => s.trim().to_string(),
            Err(_) => {
                std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
                let secret = random_secret();
                write_private(&file, &secret).with_context(|| format!("writing {}", file.display()))?;
                secret
            }
        };
        self.with_retired(TokenKeys::new(&secret).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?)
    }

    /// `keys` also accepting the retired secret, when one is configured.
    fn with_retired(&self, keys: TokenKeys) -> anyhow::Result<TokenKeys> {
        match (&self.jwt_retired_secret, self.jwt_retired_until) {
            (None, _) => Ok(keys),
            (Some(secret), Some(until)) => keys.with_retired(&secret.0, until).map_err(anyhow::Error::msg),
            (Some(_), None) => anyhow::bail!(
                "DK2020_JWT_RETIRED_SECRET needs DK2020_JWT_RETIRED_UNTIL: until when its tokens are accepted"
            ),
        }
    }

    /// How staff sign in on a server listening on `addr` (`None`: Lambda,
    /// which never offers the dev sign-in).
    pub fn sign_in(&self, addr: Option<SocketAddr>) -> anyhow::Result<crate::session::SignIn> {
        use crate::session::{Provider, SignIn};
        let public_url = self.public_url.clone().or_else(|| addr.map(|a| format!("http://{a}")));
        let issuer = self.oidc_issuer.as_deref().map(str::trim).filter(|i| !i.is_empty());
        let loopback = addr.is_some_and(|a| a.ip().is_loopback());
        let provider = match (issuer, self.dev_sign_in.as_str()) {
            (Some(_), "on") => anyhow::bail!("DK2020_DEV_SIGN_IN=on and DK2020_OIDC_ISSUER are both set: choose one"),
            (Some(issuer), _) => {
                let (Some(client_id), Some(secret)) =
                    (self.oidc_client_id.as_deref(), self.oidc_client_secret.as_ref())
                else {
                    anyhow::bail!("DK2020_OIDC_ISSUER needs DK2020_OIDC_CLIENT_ID and DK2020_OIDC_CLIENT_SECRET");
                };
                let Some(public_url) = public_url.as_deref() else {
                    anyhow::bail!(
                        "DK2020_OIDC_ISSUER needs DK2020_PUBLIC_URL: the address the provider sends people back to"
                    );
                };
                let groups =
                    |list: &str| list.split(',').map(str::trim).filter(|g| !g.is_empty()).map(String::from).collect();
                let settings = crate::oidc::OidcSettings {
                    issuer: issuer.to_string(),
                    client_id: client_id.trim().to_string(),
                    client_secret: secret.0.clone(),
                    redirect_uri: format!("{}/auth/callback", public_url.trim_end_matches('/')),
                    coordinator_groups: groups(&self.oidc_coordinator_groups),
                    secretariat_groups: groups(&self.oidc_secretariat_groups),
                };
                Provider::Oidc(Arc::new(crate::oidc::Oidc::new(settings)?))
            }
            (None, "on") if !loopback => anyhow::bail!(
                "DK2020_DEV_SIGN_IN=on offers demo users to anyone who reaches the server: it only runs on a loopback address (127.0.0.1), not on {}",
                addr.map_or("Lambda".to_string(), |a| a.to_string())
            ),
            (None, "on") => Provider::Dev,
            (None, "auto") if loopback => Provider::Dev,
            (None, _) => Provider::None,
        };
        Ok(SignIn {
            public_url: public_url.map(|u| u.trim_end_matches('/').to_string()),
            provider,
            widget_url: self.widget_url.clone(),
            demo_key: None,
        })
    }

    /// The token keys from `DK2020_JWT_SECRET` only (Lambda has no place to
    /// keep a secret of its own).
    pub fn required_token_keys(&self) -> anyhow::Result<TokenKeys> {
        match &self.jwt_secret {
            Some(secret) => self.with_retired(TokenKeys::new(&secret.0).map_err(anyhow::Error::msg)?),
            None => anyhow::bail!("set DK2020_JWT_SECRET (at least 32 characters)"),
        }
    }

    /// Opens the store this configuration names: the one place that does.
    /// Only connects: a DynamoDB table must exist (`serve --create-table`
    /// creates one, Lambda's is made by the stack).
    pub async fn open_store(&self) -> anyhow::Result<OpenedStore> {
        match self.store {
            StoreKind::Sqlite => {
                let store = SqliteStore::open(&self.db).with_context(|| format!("opening {}", self.db.display()))?;
                Ok(OpenedStore::Sqlite(store))
            }
            StoreKind::DynamoDb => {
                let table = self.dynamodb_table()?;
                let timeouts = self.dynamodb_timeout_secs.timeout_config();
                let mut sdk = aws_config::defaults(BehaviorVersion::latest())
                    .retry_config(dynamo::retry_config())
                    .timeout_config(timeouts.clone());
                if let Some(url) = self.endpoint_url() {
                    sdk = sdk.endpoint_url(url);
                }
                let store = DynamoStore::from_sdk_config(&sdk.load().await, table, timeouts)?;
                Ok(OpenedStore::DynamoDb(store))
            }
        }
    }

    /// How to name the store in messages: the file or the table (and where).
    pub fn store_label(&self) -> String {
        match self.store {
            StoreKind::Sqlite => format!("database {}", self.db.display()),
            StoreKind::DynamoDb => {
                let table = self.table.as_deref().unwrap_or_default().trim();
                match self.endpoint_url() {
                    Some(url) => format!("DynamoDB table {table} at {url}"),
                    None => format!("DynamoDB table {table}"),
                }
            }
        }
    }
}

/// A store [`Config::open_store`] opened, still of its own type (the local
/// server may have a DynamoDB table created first).
pub enum OpenedStore {
    Sqlite(SqliteStore),
    DynamoDb(DynamoStore),
}

impl OpenedStore {
    pub fn shared(self) -> Arc<dyn Store> {
        match self {
            OpenedStore::Sqlite(store) => Arc::new(store),
            OpenedStore::DynamoDb(store) => Arc::new(store),
        }
    }
}

/// Where `/widget/` and `/demo/` come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WidgetSource {
    /// The files built into the binary (see `routes::site`).
    Embedded,
    /// A folder laid out like `target/widget/`.
    Dir(PathBuf),
}

/// Which store to run on (`DK2020_STORE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreKind {
    /// `sqlite` (the default): the file `DK2020_DB`.
    Sqlite,
    /// `dynamodb`: the table `DK2020_TABLE`.
    DynamoDb,
}

fn parse_store(s: &str) -> Result<StoreKind, String> {
    match s.trim() {
        "" | "sqlite" => Ok(StoreKind::Sqlite),
        "dynamodb" => Ok(StoreKind::DynamoDb),
        other => Err(format!("DK2020_STORE={other:?} is not a store this build has: use sqlite or dynamodb")),
    }
}

/// How the mails leave (`DK2020_MAIL_TRANSPORT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailTransport {
    /// `auto` (the default): SMTP when `DK2020_SMTP_URL` is set, else `.eml` files.
    Auto,
    /// `ses`: Amazon SES.
    Ses,
}

fn parse_mail_transport(s: &str) -> Result<MailTransport, String> {
    match s.trim() {
        "" | "auto" => Ok(MailTransport::Auto),
        "ses" => Ok(MailTransport::Ses),
        other => Err(format!("DK2020_MAIL_TRANSPORT={other:?} is not a transport this build has: use auto or ses")),
    }
}

fn parse_db(s: &str) -> Result<PathBuf, String> {
    match s.trim() {
        "" => Err("DK2020_DB is empty: name the SQLite file, e.g. data/dk2020.sqlite".into()),
        _ => Ok(PathBuf::from(s)),
    }
}

/// Any folder; an empty value means none (the built-in widget), like an unset variable.
fn parse_widget_dir(s: &str) -> Result<PathBuf, String> {
    Ok(PathBuf::from(s.trim()))
}

/// An absolute http(s) address without a fragment (the key becomes the fragment).
fn parse_manage_url(s: &str) -> Result<String, String> {
    let url = s.trim();
    let refused = |why: &str| format!("DK2020_MANAGE_URL={s:?} {why}");
    let Some(rest) = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://")) else {
        return Err(refused("must start with https:// (or http:// for a local server)"));
    };
    if rest.is_empty() || rest.starts_with('/') {
        return Err(refused("has no host"));
    }
    if url.contains('#') {
        return Err(refused("must not have a fragment (#…): the link's key goes there"));
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control() || c == '"' || c == '<' || c == '>') {
        return Err(refused("has characters a link cannot hold"));
    }
    Ok(url.to_string())
}

/// An RFC 3339 time, or a date (midnight UTC).
fn parse_until(s: &str) -> Result<Timestamp, String> {
    let s = s.trim();
    let date = || {
        s.parse::<jiff::civil::Date>()
            .ok()?
            .to_datetime(jiff::civil::Time::midnight())
            .to_zoned_datetime(jiff::tz::TimeZone::UTC)
            .ok()
            .map(|z| z.timestamp())
    };
    s.parse::<Timestamp>().ok().or_else(date).ok_or(()).map_err(|_| {
        format!("DK2020_JWT_RETIRED_UNTIL={s:?} is not a time like 2027-03-01T00:00:00Z or a date like 2027-03-01")
    })
}

/// An absolute http(s) address of the app, without a path's trailing slash.
fn parse_public_url(s: &str) -> Result<String, String> {
    let url = s.trim().trim_end_matches('/');
    let ok = (url.starts_with("https://") || url.starts_with("http://"))
        && url.split("://").nth(1).is_some_and(|rest| !rest.is_empty() && !rest.contains(['?', '#', ' ']));
    if ok {
        Ok(url.to_string())
    } else {
        Err(format!("DK2020_PUBLIC_URL={s:?} is not an address like https://dk2020.kdnet.dk"))
    }
}

fn parse_addr(s: &str) -> Result<SocketAddr, String> {
    s.trim().parse().map_err(|_| format!("DK2020_ADDR={s:?} is not an address and port like 127.0.0.1:8080"))
}

/// The DynamoDB client's timeouts (`DK2020_DYNAMODB_TIMEOUT_SECS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DynamoTimeouts {
    /// [`dynamo::timeouts`]: what production runs with.
    Standard,
    /// Each attempt and each call may take this long ([`dynamo::local_timeouts`]):
    /// a local server such as moto answers one request at a time, so under the
    /// tests' load a request can wait seconds in its queue.
    Seconds(u64),
}

impl DynamoTimeouts {
    pub fn timeout_config(self) -> TimeoutConfig {
        match self {
            DynamoTimeouts::Standard => dynamo::timeouts(),
            DynamoTimeouts::Seconds(seconds) => dynamo::local_timeouts(seconds),
        }
    }
}

fn parse_dynamodb_timeouts(s: &str) -> Result<DynamoTimeouts, String> {
    match s.trim() {
        "" | "standard" => Ok(DynamoTimeouts::Standard),
        v => v
            .parse::<u64>()
            .ok()
            .filter(|s| (1..=600).contains(s))
            .map(DynamoTimeouts::Seconds)
            .ok_or_else(|| format!("DK2020_DYNAMODB_TIMEOUT_SECS={s:?} is not a number of seconds from 1 to 600")),
    }
}

/// A secret: never shown, not even in `{:?}` of the [`Config`].
#[derive(Clone)]
pub struct Secret(String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(…)")
    }
}

/// Takes any value: its length is checked by [`TokenKeys::new`] when the keys
/// are made, because clap's message for a refused value would repeat the
/// value, and a secret must not end up in a terminal or a log.
fn parse_secret(s: &str) -> Result<Secret, String> {
    Ok(Secret(s.to_string()))
}

fn parse_mailbox(s: &str) -> Result<Mailbox, String> {
    s.trim().parse().map_err(|e| format!("{s:?} is not a sender like `Name <address@domain>`: {e}"))
}

fn parse_email(s: &str) -> Result<Email, String> {
    Email::parse(s).map_err(|e| e.to_string())
}

/// The origins CORS allows (`DK2020_ALLOWED_ORIGINS`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowedOrigins(pub Vec<HeaderValue>);

fn parse_allowed_origins(s: &str) -> Result<AllowedOrigins, String> {
    parse_origins(s).map(AllowedOrigins)
}

/// A comma-separated list of origins such as `https://intranet.skive.dk`.
pub fn parse_origins(list: &str) -> Result<Vec<HeaderValue>, String> {
    list.split(',')
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .map(|o| {
            let o = o.trim_end_matches('/');
            if !(o.starts_with("https://") || o.starts_with("http://")) || o.matches('/').count() != 2 {
                return Err(format!("DK2020_ALLOWED_ORIGINS: {o:?} is not an origin like https://intranet.skive.dk"));
            }
            HeaderValue::from_str(o).map_err(|_| format!("DK2020_ALLOWED_ORIGINS: {o:?} is not a valid origin"))
        })
        .collect()
}

/// The clock: the system's, or a fixed instant (RFC 3339) for demos and tests
/// that need stable slots.
fn parse_clock(s: &str) -> Result<Clock, String> {
    match s.trim() {
        "" | "system" => Ok(Clock::System),
        t => t
            .parse::<Timestamp>()
            .map(Clock::Fixed)
            .map_err(|_| format!("DK2020_NOW={s:?} is not an RFC 3339 time like 2026-11-30T08:00:00+01:00")),
    }
}

fn random_secret() -> String {
    use rand::Rng;
    let bytes: [u8; 32] = rand::rng().random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn write_private(file: &Path, contents: &str) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::{io::Write, os::unix::fs::OpenOptionsExt};
        let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(file)?;
        f.write_all(contents.as_bytes())
    }
    #[cfg(not(unix))]
    std::fs::write(file, contents)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn origins_are_checked() {
        assert_eq!(parse_origins("https://a.dk, http://localhost:3000/").unwrap().len(), 2);
        assert!(parse_origins("a.dk").is_err());
        assert!(parse_origins("https://a.dk/path").is_err());
        assert!(parse_origins("").unwrap().is_empty());
    }

    #[test]
    fn flags_are_read_and_empty_values_mean_the_default() {
        let config = Config::from_args([
            "--store",
            "dynamodb",
            "--table",
            "t1",
            "--now",
            "2026-11-30T08:00:00+01:00",
            "--allowed-origins",
            "https://a.dk",
            "--dynamodb-timeout-secs",
            "60",
        ])
        .unwrap();
        assert_eq!(config.store, StoreKind::DynamoDb);
        assert_eq!(config.dynamodb_table().unwrap(), "t1");
        let pinned: Timestamp = "2026-11-30T07:00:00Z".parse().unwrap();
        assert!(matches!(config.now, Clock::Fixed(t) if t == pinned), "{:?}", config.now);
        assert_eq!(config.allowed_origins.0.len(), 1);
        assert_eq!(config.dynamodb_timeout_secs, DynamoTimeouts::Seconds(60));
        let timeouts = config.dynamodb_timeout_secs.timeout_config();
        assert_eq!(timeouts.operation_timeout(), Some(Duration::from_secs(60)));

        let empty = Config::from_args(["--store", "", "--now", "", "--dynamodb-timeout-secs", "", "--table", ""]);
        let empty = empty.unwrap();
        assert_eq!(empty.store, StoreKind::Sqlite);
        assert!(matches!(empty.now, Clock::System));
        assert_eq!(empty.dynamodb_timeout_secs, DynamoTimeouts::Standard);
        assert!(empty.dynamodb_table().unwrap_err().to_string().contains("DK2020_TABLE"));
    }

    #[test]
    fn a_bad_value_is_refused_with_its_variable_named() {
        for (args, variable) in [
            (&["--store", "postgres"][..], "DK2020_STORE"),
            (&["--now", "tomorrow"], "DK2020_NOW"),
            (&["--addr", "localhost"], "DK2020_ADDR"),
            (&["--allowed-origins", "intranet.skive.dk"], "DK2020_ALLOWED_ORIGINS"),
            (&["--dynamodb-timeout-secs", "0"], "DK2020_DYNAMODB_TIMEOUT_SECS"),
            (&["--store", "dynamodb", "--table", ""], "DK2020_TABLE"),
            (&["--db", ""], "DK2020_DB"),
            (&["--mail-transport", "sendmail"], "DK2020_MAIL_TRANSPORT"),
            (&["--mail-transport", "ses", "--smtp-url", "smtp://127.0.0.1:25"], "DK2020_SMTP_URL"),
        ] {
            let message = Config::from_args(args).unwrap_err().to_string();
            assert!(message.contains(variable), "{args:?}: {message}");
            assert!(!message.contains("Usage") && !message.contains("--help"), "{args:?}: {message}");
        }
    }

    #[test]
    fn a_short_secret_is_refused_without_showing_it() {
        let message = Config::from_args(["--jwt-secret", "short-and-secret"]).unwrap_err().to_string();
        assert!(message.contains("DK2020_JWT_SECRET") && !message.contains("short-and-secret"), "{message}");
        let long = "a-secret-that-is-long-enough-for-hs256";
        let config = Config::from_args(["--jwt-secret", long]).unwrap();
        assert!(!format!("{config:?}").contains(long), "{config:?}");
        assert!(config.required_token_keys().is_ok() && config.token_keys().is_ok());
    }

    #[test]
    fn lambda_needs_a_secret_of_its_own() {
        let mut config = Config::from_args(["--db", "/nonexistent/dk2020.sqlite"]).unwrap();
        // Whatever the environment of this test run says.
        config.jwt_secret = None;
        let message = config.required_token_keys().err().expect("no secret").to_string();
        assert!(message.contains("DK2020_JWT_SECRET"), "{message}");
    }

    #[test]
    fn the_mails_go_through_ses_only_when_asked() {
        let ses = Config::from_args(["--mail-transport", "ses"]).unwrap();
        let sender = ses.mail_sender().unwrap();
        assert!(matches!(sender.transport, Transport::Ses(_)), "{}", sender.transport.describe());
        assert_eq!(Config::from_args(["--mail-transport", ""]).unwrap().mail_transport, MailTransport::Auto);
    }

    #[test]
    fn the_widget_comes_from_the_binary_unless_a_folder_is_named() {
        assert_eq!(Config::from_args(["--widget-dir", ""]).unwrap().widget_source(), WidgetSource::Embedded);
        assert_eq!(
            Config::from_args(["--widget-dir", "target/widget"]).unwrap().widget_source(),
            WidgetSource::Dir("target/widget".into())
        );
    }
}
