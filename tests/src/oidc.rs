//! The OpenID provider of the sign-in tests (`tests/oidc/provider.mjs`,
//! panva's `oidc-provider` from the npm tools), and a browser's part of the
//! code flow done over plain HTTP: follow the redirects, fill in the
//! provider's login form, stop at the redirect back to the app.
//!
//! The provider is started after the app: the app discovers it on the first
//! sign-in, and the provider must know the app's callback address.

use std::{
    io::{BufRead, BufReader},
    path::PathBuf,
    process::{Child, Command, Stdio},
};

use reqwest::{blocking::Client, redirect::Policy};

use crate::{ServerConfig, free_port};

/// The client the provider knows the app as.
pub const CLIENT_ID: &str = "dk2020";
pub const CLIENT_SECRET: &str = "dk2020-test-secret";
/// The groups that make the coordinator and the secretariat.
pub const COORDINATOR_GROUP: &str = "grp-coordinator";
pub const SECRETARIAT_GROUP: &str = "grp-secretariat";

/// Where `oidc-provider` is installed (`DK2020_NODE_MODULES`); `None` skips
/// the sign-in tests, unless `DK2020_REQUIRE_OIDC` is set (`cargo xtask test`).
pub fn node_modules() -> Option<PathBuf> {
    let dir = std::env::var_os("DK2020_NODE_MODULES").map(PathBuf::from).filter(|d| d.join("oidc-provider").is_dir());
    if dir.is_none() && std::env::var_os("DK2020_REQUIRE_OIDC").is_some() {
        panic!(
            "DK2020_REQUIRE_OIDC is set, but DK2020_NODE_MODULES holds no oidc-provider (cargo xtask test installs it)"
        );
    }
    dir
}

/// A port for the provider, and the app's configuration to sign in with it.
pub struct Planned {
    pub port: u16,
}

impl Planned {
    pub fn new() -> Self {
        Self { port: free_port() }
    }

    pub fn issuer(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// `config` signing in with this provider, on the machine's clock (the
    /// provider's tokens carry the real time).
    pub fn configure(&self, config: ServerConfig) -> ServerConfig {
        let mut config = config
            .env("DK2020_OIDC_ISSUER", &self.issuer())
            .env("DK2020_OIDC_CLIENT_ID", CLIENT_ID)
            .env("DK2020_OIDC_CLIENT_SECRET", CLIENT_SECRET)
            .env("DK2020_OIDC_COORDINATOR_GROUPS", COORDINATOR_GROUP)
            .env("DK2020_OIDC_SECRETARIAT_GROUPS", SECRETARIAT_GROUP);
        config.now = None;
        config
    }

    /// Starts the provider, sending people back to `callback`.
    pub fn start(self, modules: &std::path::Path, callback: &str) -> Provider {
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("oidc/provider.mjs");
        let mut child = Command::new("node")
            .arg(&script)
            .arg(self.port.to_string())
            .arg(callback)
            .env("DK2020_NODE_MODULES", modules)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting node with the OpenID provider");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("its stdout")).read_line(&mut line).expect("its first line");
        assert!(line.contains("\"issuer\""), "the provider did not start: {line:?}");
        Provider { child, issuer: self.issuer() }
    }
}

impl Default for Planned {
    fn default() -> Self {
        Self::new()
    }
}

/// A running provider; stopped when dropped.
pub struct Provider {
    child: Child,
    pub issuer: String,
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A browser at the provider: its cookies, no automatic redirects.
pub fn browser() -> Client {
    Client::builder().cookie_store(true).redirect(Policy::none()).build().expect("an HTTP client")
}

/// From the provider's authorize address (the app's `/auth/login`
/// redirect) through its login form as `user`, to the address it sends the
/// browser back to (the app's callback with `code` and `state`).
pub fn log_in(browser: &Client, authorize: &str, user: &str, callback: &str) -> String {
    let mut url = reqwest::Url::parse(authorize).expect("an absolute authorize address");
    for _ in 0..10 {
        let reply = browser.get(url.clone()).send().expect("the provider answers");
        if reply.status().is_redirection() {
            let location = reply.headers()["location"].to_str().expect("a location").to_string();
            let next = url.join(&location).expect("a valid location");
            if next.as_str().starts_with(callback) {
                return next.to_string();
            }
            url = next;
            continue;
        }
        let page = reply.text().expect("the login page");
        let action = page
            .split("action=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or_else(|| panic!("no login form at {url}: {page:.500}"));
        let action = url.join(action).expect("the form's address");
        let posted = browser
            .post(action.clone())
            .form(&[("prompt", "login"), ("login", user), ("password", "test")])
            .send()
            .expect("the provider takes the form");
        assert!(posted.status().is_redirection(), "the login form was refused: {}", posted.status());
        let location = posted.headers()["location"].to_str().expect("a location").to_string();
        url = action.join(&location).expect("a valid location");
    }
    panic!("no redirect back to {callback} after 10 steps");
}
