//! The harness of the browser tests: Debian's headless Chromium driven by
//! ChromeDriver through the `fantoccini` WebDriver client
//! ([`crate::webdriver`]), against `dk2020-api serve` with the built widget
//! (`target/widget`, made by `cargo xtask widget`).
//!
//! - [`Tools::find`] locates Chromium, ChromeDriver, axe-core and the built
//!   widget. Missing tools skip the tests with a message, unless
//!   `DK2020_BROWSER_TESTS=1` (set by `cargo xtask test`, which installs them)
//!   makes a missing tool a failure.
//! - [`Site`] is a server with the widget on a fresh database, the test clock
//!   ([`crate::TEST_NOW`]) and the test secret.
//! - [`Browser`] is a WebDriver session with helpers that reach into the
//!   widgets' shadow roots, run axe-core there and save screenshots under
//!   `target/browser-artifacts/`.
//!
//! The browser tests of one run take turns (a lock file), so that two
//! Chromiums never compete for this machine's two cores.

use std::{
    fs::File,
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use fantoccini::elements::Element;
use reqwest::blocking::Client;
use serde_json::{Value, json};

use crate::{
    TEST_NOW, TEST_SECRET, api_binary,
    webdriver::{ChromeDriver, Chromium, Session},
};

/// How long a condition may take to come true in the page.
pub const WAIT: Duration = Duration::from_secs(20);

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ is inside the workspace").to_path_buf()
}

/// Where screenshots go: `target/browser-artifacts/`.
pub fn artifacts_dir() -> PathBuf {
    let dir = workspace().join("target/browser-artifacts");
    std::fs::create_dir_all(&dir).expect("creating target/browser-artifacts");
    dir
}

/// What the browser tests need on this machine.
#[derive(Debug, Clone)]
pub struct Tools {
    pub chromium: PathBuf,
    pub chromedriver: PathBuf,
    /// axe-core's browser bundle, injected into the page.
    pub axe_js: String,
    /// The built widget: `dk2020-widget.js`, `full/`, `booking/`, `demo/`.
    pub widget_dir: PathBuf,
}

impl Tools {
    /// The tools, or `None` (after saying why) when some are missing and the
    /// tests were not asked to run (`DK2020_BROWSER_TESTS=1`), which makes a
    /// missing tool a failure.
    pub fn find(test: &str) -> Option<Tools> {
        let path = |var: &str, default: PathBuf| std::env::var_os(var).map(PathBuf::from).unwrap_or(default);
        let chromium = path("DK2020_CHROMIUM", "/usr/bin/chromium".into());
        let chromedriver = path("DK2020_CHROMEDRIVER", "/usr/bin/chromedriver".into());
        let axe = path("DK2020_AXE_JS", workspace().join(".tools/node_modules/axe-core/axe.min.js"));
        let widget_dir = path("DK2020_WIDGET_DIR", workspace().join("target/widget"));
        let mut missing = Vec::new();
        for (what, p) in [
            ("Chromium", &chromium),
            ("ChromeDriver", &chromedriver),
            ("axe-core", &axe),
            ("the built widget", &widget_dir.join("full/dk2020_widget_bg.wasm")),
            ("the built booking widget", &widget_dir.join("booking/dk2020_widget_bg.wasm")),
            ("the widget loader", &widget_dir.join("dk2020-widget.js")),
            ("the demo page", &widget_dir.join("demo/intranet.html")),
        ] {
            if !p.is_file() {
                missing.push(format!("{what} ({})", p.display()));
            }
        }
        if !missing.is_empty() {
            let message = format!(
                "browser test {test}: missing {}; `cargo xtask test` installs and builds them",
                missing.join(", ")
            );
            if std::env::var("DK2020_BROWSER_TESTS").is_ok_and(|v| v == "1") {
                panic!("{message}");
            }
            eprintln!("SKIPPED {message}");
            return None;
        }
        let axe_js = std::fs::read_to_string(&axe).expect("reading axe-core");
        Some(Tools { chromium, chromedriver, axe_js, widget_dir })
    }
}

/// Makes the browser tests of this run take turns (across test processes).
pub struct Turn(#[allow(dead_code)] File);

pub fn take_turn() -> Turn {
    let dir = workspace().join("target");
    std::fs::create_dir_all(&dir).expect("creating target/");
    let file = File::create(dir.join(".dk2020-browser-tests.lock")).expect("creating the browser lock file");
    file.lock().expect("locking the browser lock file");
    Turn(file)
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free loopback port")
}

fn wait_for_http(client: &Client, url: &str, child: &mut Child, what: &str) {
    let started = Instant::now();
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("{what} exited with {status}");
        }
        if client.get(url).timeout(Duration::from_secs(2)).send().is_ok_and(|r| r.status().is_success()) {
            return;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "{what} did not answer {url} within 30 s");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `dk2020-api serve` with the built widget on a fresh database.
pub struct Site {
    child: Child,
    base: String,
    _dir: tempfile::TempDir,
    pub client: Client,
}

impl Site {
    pub fn start(tools: &Tools) -> Site {
        Self::start_with_env(tools, &[])
    }

    /// [`Site::start`] with more environment for the server (e.g. a mail server that does not answer).
    pub fn start_with_env(tools: &Tools, env: &[(&str, &str)]) -> Site {
        let dir = tempfile::Builder::new().prefix("dk2020-browser-").tempdir().expect("a temporary directory");
        let port = free_port();
        let log = File::create(dir.path().join("server.log")).expect("creating the server log");
        let mut child = Command::new(api_binary())
            .current_dir(dir.path())
            .arg("serve")
            .args(["--addr", &format!("127.0.0.1:{port}")])
            .arg("--db")
            .arg(dir.path().join("dk2020.sqlite"))
            .arg("--widget-dir")
            .arg(&tools.widget_dir)
            .env("DK2020_JWT_SECRET", TEST_SECRET)
            .env("DK2020_NOW", TEST_NOW)
            .env("RUST_LOG", "warn")
            .env_remove("AWS_LAMBDA_RUNTIME_API")
            .env_remove("DK2020_STORE")
            .env_remove("DK2020_ALLOWED_ORIGINS")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("starting dk2020-api serve");
        let client = Client::builder().no_proxy().build().expect("an HTTP client");
        let base = format!("http://127.0.0.1:{port}");
        wait_for_http(&client, &format!("{base}/api/health"), &mut child, "dk2020-api serve");
        Site { child, base, _dir: dir, client }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// `GET` an API path (with a token when given) and return its JSON.
    pub fn api_get(&self, path: &str, token: Option<&str>) -> Value {
        let mut request = self.client.get(self.url(path));
        if let Some(t) = token {
            request = request.bearer_auth(t);
        }
        let response = request.send().expect("calling the API");
        assert!(response.status().is_success(), "GET {path}: {}", response.status());
        response.json().expect("JSON from the API")
    }

    /// `POST` JSON to an API path with a token; the status and the JSON.
    pub fn api_post(&self, path: &str, token: &str, body: &Value) -> (u16, Value) {
        let response = self.client.post(self.url(path)).bearer_auth(token).json(body).send().expect("calling the API");
        let status = response.status().as_u16();
        (status, response.json().unwrap_or(Value::Null))
    }
}

impl Drop for Site {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A headless Chromium session through ChromeDriver (see [`crate::webdriver`]).
/// Every method panics with the WebDriver error: these are test helpers.
pub struct Browser {
    // Dropped in this order: the session, then the driver, then the profile.
    session: Session,
    _driver: ChromeDriver,
    name: String,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Starts ChromeDriver and a Chromium session; `name` labels screenshots.
    pub fn start(tools: &Tools, name: &str) -> Browser {
        let driver = ChromeDriver::start(&tools.chromedriver, Stdio::null()).unwrap_or_else(|e| panic!("{e}"));
        let profile = tempfile::Builder::new().prefix("dk2020-chromium-").tempdir().expect("a profile directory");
        let chromium = Chromium {
            binary: tools.chromium.clone(),
            profile: profile.path().to_path_buf(),
            window: (1280, 1800),
            lang: Some("da-DK".into()),
            eager: false,
        };
        let session = Session::start(&driver, &chromium).unwrap_or_else(|e| panic!("{e}"));
        session.set_timeouts(Duration::from_secs(30), Duration::from_secs(60)).unwrap_or_else(|e| panic!("{e}"));
        Browser { session, _driver: driver, name: name.into(), _profile: profile }
    }

    pub fn goto(&mut self, url: &str) {
        self.session.goto(url).unwrap_or_else(|e| panic!("{e}"));
    }

    /// Signs in on `site`'s staff page with the dev sign-in as `user`
    /// (`coordinator`, `secretariat` or a municipality's code), as a person
    /// clicks it, and waits for the signed-in page.
    pub fn sign_in(&mut self, site: &Site, user: &str) {
        self.goto(&site.url("/auth/login"));
        let button = self.session.find(&format!("button[data-user=\"{user}\"]")).unwrap_or_else(|e| panic!("{e}"));
        self.session.click(&button).unwrap_or_else(|e| panic!("{e}"));
        let started = Instant::now();
        while self.execute("return !!document.querySelector('form[action=\"auth/logout\"]');", json!([])) != json!(true)
        {
            if started.elapsed() > WAIT {
                self.screenshot(&format!("sign-in-{user}"));
                let page = self.execute("return location.href + ' ' + document.body.innerText;", json!([]));
                panic!("the sign-in as {user} did not reach the staff page: {page}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Types into a field of the page itself (not a widget), e.g. a provider's login form.
    pub fn type_in_page(&mut self, css: &str, text: &str) {
        let element = self.session.find(css).unwrap_or_else(|e| panic!("{e}"));
        self.session.type_into(&element, text).unwrap_or_else(|e| panic!("{e}"));
    }

    /// Clicks an element of the page itself.
    pub fn click_in_page(&mut self, css: &str) {
        let element = self.session.find(css).unwrap_or_else(|e| panic!("{e}"));
        self.session.click(&element).unwrap_or_else(|e| panic!("{e}"));
    }

    /// Waits until `script` (a function body on the page) returns true.
    pub fn wait_for_page(&mut self, script: &str, what: &str) {
        let started = Instant::now();
        while self.execute(script, json!([])) != json!(true) {
            if started.elapsed() > WAIT {
                self.screenshot(&format!("timeout-{}", what.replace(' ', "-")));
                let page = self.execute("return location.href + ' ' + document.body.innerText;", json!([]));
                panic!("waited {WAIT:?} for {what}: {page}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Signs in as `user` and opens `view` of the staff page.
    pub fn open_as(&mut self, site: &Site, user: &str, view: &str) {
        self.sign_in(site, user);
        self.goto(&site.url(&format!("/?view={view}")));
    }

    /// Runs `script` (a function body; `arguments` holds `args`) and returns its result.
    pub fn execute(&mut self, script: &str, args: Value) -> Value {
        self.session.execute(script, arguments(args)).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Runs an asynchronous `script`: it calls `arguments[arguments.length - 1]` with its result.
    pub fn execute_async(&mut self, script: &str, args: Value) -> Value {
        self.session.execute_async(script, arguments(args)).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Runs `body` with `root` bound to the shadow root of the element `host`
    /// (a CSS selector of the light DOM); `null` while there is none.
    pub fn in_widget(&mut self, host: &str, body: &str) -> Value {
        let script = format!(
            "const host = document.querySelector(arguments[0]); const root = host && host.shadowRoot;\n\
             if (!root) return null;\n{body}"
        );
        self.execute(&script, json!([host]))
    }

    /// Waits until `body` (run as in [`Browser::in_widget`]) returns something
    /// truthy, and returns it.
    pub fn wait_in_widget(&mut self, host: &str, body: &str, what: &str) -> Value {
        let started = Instant::now();
        loop {
            let value = self.in_widget(host, body);
            let truthy = match &value {
                Value::Null | Value::Bool(false) => false,
                Value::String(s) => !s.is_empty(),
                Value::Number(n) => n.as_f64() != Some(0.0),
                _ => true,
            };
            if truthy {
                return value;
            }
            if started.elapsed() > WAIT {
                self.screenshot(&format!("timeout-{}", what.replace(' ', "-")));
                let text = self.in_widget(host, "return root.textContent;");
                panic!("waited {WAIT:?} for {what} in {host}; the widget shows: {text}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The element matching `css` inside the shadow root of `host`.
    pub fn widget_element(&mut self, host: &str, css: &str) -> Element {
        let found = self.execute(
            "const root = document.querySelector(arguments[0])?.shadowRoot; return root ? root.querySelector(arguments[1]) : null;",
            json!([host, css]),
        );
        self.session.element(&found).unwrap_or_else(|| panic!("no {css} in {host}"))
    }

    /// A real click (scrolls into view, hit-tests) on an element of a widget.
    pub fn click(&mut self, host: &str, css: &str) {
        let element = self.widget_element(host, css);
        self.session.click(&element).unwrap_or_else(|e| panic!("{e}"));
    }

    /// Types `text` into a field of a widget, as a user would.
    pub fn type_into(&mut self, host: &str, css: &str, text: &str) {
        let element = self.widget_element(host, css);
        self.session.type_into(&element, text).unwrap_or_else(|e| panic!("{e}"));
    }

    /// Presses keys on whatever has the focus (`\u{E007}` is Enter, `\u{E004}` Tab).
    pub fn press(&mut self, keys: &str) {
        self.session.press(keys).unwrap_or_else(|e| panic!("{e}"));
    }

    /// Runs axe-core (WCAG 2.0/2.1 A and AA rules) on the widget `host`,
    /// shadow root included, and returns the violations as readable lines.
    pub fn axe_violations(&mut self, tools: &Tools, host: &str) -> Vec<String> {
        let loaded = self.execute("return typeof window.axe === 'object';", json!([]));
        if loaded != Value::Bool(true) {
            self.execute(&format!("{}\nreturn true;", tools.axe_js), json!([]));
        }
        let script = "const done = arguments[arguments.length - 1];\n\
            const host = document.querySelector(arguments[0]);\n\
            axe.run(host, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}, resultTypes: ['violations']})\n\
              .then(r => done(r.violations.map(v => v.id + ' (' + v.impact + '): ' + v.help + ' at ' + v.nodes.map(n => JSON.stringify(n.target) + ' ' + n.failureSummary).join(' | '))))\n\
              .catch(e => done(['axe failed: ' + e]));";
        let result = self.execute_async(script, json!([host]));
        result
            .as_array()
            .map(|a| a.iter().map(|v| v.as_str().unwrap_or_default().to_string()).collect())
            .unwrap_or_default()
    }

    /// Saves a screenshot of the widget `host` (all of it, scrolled or not) as
    /// `target/browser-artifacts/<name>-<label>.png`.
    pub fn screenshot_widget(&mut self, host: &str, label: &str) -> PathBuf {
        let element = self.session.find(host).unwrap_or_else(|e| panic!("no {host}: {e}"));
        let png = self.session.element_screenshot(&element).unwrap_or_else(|e| panic!("{e}"));
        let file = artifacts_dir().join(format!("{}-{label}.png", self.name));
        std::fs::write(&file, png).expect("writing the screenshot");
        file
    }

    /// The handles of the open windows (tabs).
    pub fn window_handles(&mut self) -> Vec<String> {
        self.session.windows().unwrap_or_else(|e| panic!("{e}"))
    }

    pub fn switch_to_window(&mut self, handle: &str) {
        self.session.switch_to_window(handle).unwrap_or_else(|e| panic!("{e}"));
    }

    /// Prints the current page to an A4 PDF (WebDriver's Print Page) saved as
    /// `target/browser-artifacts/<name>-<label>.pdf`; returns the PDF's bytes.
    pub fn print_pdf(&mut self, label: &str) -> Vec<u8> {
        let pdf = self.session.print_a4().unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(artifacts_dir().join(format!("{}-{label}.pdf", self.name)), &pdf).expect("writing the PDF");
        pdf
    }

    /// Saves a screenshot of the page as `target/browser-artifacts/<name>-<label>.png`.
    pub fn screenshot(&mut self, label: &str) -> PathBuf {
        let png = self.session.screenshot().unwrap_or_else(|e| panic!("{e}"));
        let file = artifacts_dir().join(format!("{}-{label}.png", self.name));
        std::fs::write(&file, png).expect("writing the screenshot");
        file
    }
}

/// A script's arguments: the elements of a JSON array (what the tests pass).
fn arguments(args: Value) -> Vec<Value> {
    match args {
        Value::Array(list) => list,
        Value::Null => Vec::new(),
        one => vec![one],
    }
}
