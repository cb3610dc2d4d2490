//! The harness of the browser tests: Debian's headless Chromium driven by
//! ChromeDriver over the W3C WebDriver protocol (plain HTTP with the blocking
//! `reqwest` client the API tests use), against `dk2020-api serve` with the
//! built widget (`target/widget`, made by `cargo xtask widget`).
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

use reqwest::blocking::Client;
use serde_json::{Value, json};

use crate::{TEST_NOW, TEST_SECRET, api_binary};

/// The W3C name of a web element reference in JSON.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

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

/// A headless Chromium session through ChromeDriver.
pub struct Browser {
    driver: Child,
    endpoint: String,
    client: Client,
    name: String,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Starts ChromeDriver and a Chromium session; `name` labels screenshots.
    pub fn start(tools: &Tools, name: &str) -> Browser {
        let port = free_port();
        let mut driver = Command::new(&tools.chromedriver)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting chromedriver");
        let client = Client::builder().no_proxy().timeout(Duration::from_secs(120)).build().expect("an HTTP client");
        let base = format!("http://127.0.0.1:{port}");
        wait_for_http(&client, &format!("{base}/status"), &mut driver, "chromedriver");
        let profile = tempfile::Builder::new().prefix("dk2020-chromium-").tempdir().expect("a profile directory");
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": tools.chromium,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage", "--window-size=1280,1800", "--lang=da-DK",
                    format!("--user-data-dir={}", profile.path().display()),
                ],
            },
        }}});
        let response: Value = client
            .post(format!("{base}/session"))
            .json(&capabilities)
            .send()
            .and_then(|r| r.json())
            .expect("creating a WebDriver session");
        let session = response["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no WebDriver session: {response}"))
            .to_string();
        let mut browser = Browser {
            driver,
            endpoint: format!("{base}/session/{session}"),
            client,
            name: name.into(),
            _profile: profile,
        };
        browser.call("POST", "/timeouts", json!({"script": 30_000, "pageLoad": 60_000}));
        browser
    }

    fn call(&mut self, method: &str, path: &str, body: Value) -> Value {
        let url = format!("{}{path}", self.endpoint);
        let request = match method {
            "GET" => self.client.get(&url),
            "DELETE" => self.client.delete(&url),
            _ => self.client.post(&url).json(&body),
        };
        let response: Value = request.send().and_then(|r| r.json()).unwrap_or_else(|e| panic!("WebDriver {path}: {e}"));
        if let Some(error) = response["value"]["error"].as_str() {
            panic!("WebDriver {path}: {error}: {}", response["value"]["message"]);
        }
        response["value"].clone()
    }

    pub fn goto(&mut self, url: &str) {
        self.call("POST", "/url", json!({ "url": url }));
    }

    /// Runs `script` (a function body; `arguments` holds `args`) and returns its result.
    pub fn execute(&mut self, script: &str, args: Value) -> Value {
        self.call("POST", "/execute/sync", json!({ "script": script, "args": args }))
    }

    /// Runs an asynchronous `script`: it calls `arguments[arguments.length - 1]` with its result.
    pub fn execute_async(&mut self, script: &str, args: Value) -> Value {
        self.call("POST", "/execute/async", json!({ "script": script, "args": args }))
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
    pub fn widget_element(&mut self, host: &str, css: &str) -> String {
        let found = self.execute(
            "const root = document.querySelector(arguments[0])?.shadowRoot; return root ? root.querySelector(arguments[1]) : null;",
            json!([host, css]),
        );
        found[ELEMENT].as_str().unwrap_or_else(|| panic!("no {css} in {host}")).to_string()
    }

    /// A real click (scrolls into view, hit-tests) on an element of a widget.
    pub fn click(&mut self, host: &str, css: &str) {
        let id = self.widget_element(host, css);
        self.call("POST", &format!("/element/{id}/click"), json!({}));
    }

    /// Types `text` into a field of a widget, as a user would.
    pub fn type_into(&mut self, host: &str, css: &str, text: &str) {
        let id = self.widget_element(host, css);
        self.call("POST", &format!("/element/{id}/clear"), json!({}));
        self.call("POST", &format!("/element/{id}/value"), json!({ "text": text }));
    }

    /// Presses keys on whatever has the focus (`\u{E007}` is Enter, `\u{E004}` Tab).
    pub fn press(&mut self, keys: &str) {
        let mut actions = Vec::new();
        for key in keys.chars() {
            actions.push(json!({"type": "keyDown", "value": key.to_string()}));
            actions.push(json!({"type": "keyUp", "value": key.to_string()}));
        }
        self.call("POST", "/actions", json!({"actions": [{"type": "key", "id": "keyboard", "actions": actions}]}));
        self.call("DELETE", "/actions", Value::Null);
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
        let result = self.call("POST", "/execute/async", json!({"script": script, "args": [host]}));
        result
            .as_array()
            .map(|a| a.iter().map(|v| v.as_str().unwrap_or_default().to_string()).collect())
            .unwrap_or_default()
    }

    /// Saves a screenshot of the widget `host` (all of it, scrolled or not) as
    /// `target/browser-artifacts/<name>-<label>.png`.
    pub fn screenshot_widget(&mut self, host: &str, label: &str) -> PathBuf {
        let found = self.call("POST", "/element", json!({"using": "css selector", "value": host}));
        let id = found[ELEMENT].as_str().unwrap_or_else(|| panic!("no {host}")).to_string();
        let data = self.call("GET", &format!("/element/{id}/screenshot"), Value::Null);
        let png = base64_decode(data.as_str().unwrap_or_default());
        let file = artifacts_dir().join(format!("{}-{label}.png", self.name));
        std::fs::write(&file, png).expect("writing the screenshot");
        file
    }

    /// The handles of the open windows (tabs).
    pub fn window_handles(&mut self) -> Vec<String> {
        let handles = self.call("GET", "/window/handles", Value::Null);
        handles.as_array().map(|a| a.iter().filter_map(|h| h.as_str().map(String::from)).collect()).unwrap_or_default()
    }

    pub fn switch_to_window(&mut self, handle: &str) {
        self.call("POST", "/window", json!({ "handle": handle }));
    }

    /// Prints the current page to an A4 PDF (WebDriver's Print Page) saved as
    /// `target/browser-artifacts/<name>-<label>.pdf`; returns the PDF's bytes.
    pub fn print_pdf(&mut self, label: &str) -> Vec<u8> {
        let data = self.call(
            "POST",
            "/print",
            json!({"page": {"width": 21.0, "height": 29.7}, "margin": {"top": 1.5, "bottom": 1.5, "left": 1.5, "right": 1.5}, "background": true}),
        );
        let pdf = base64_decode(data.as_str().unwrap_or_default());
        std::fs::write(artifacts_dir().join(format!("{}-{label}.pdf", self.name)), &pdf).expect("writing the PDF");
        pdf
    }

    /// Saves a screenshot of the page as `target/browser-artifacts/<name>-<label>.png`.
    pub fn screenshot(&mut self, label: &str) -> PathBuf {
        let data = self.call("GET", "/screenshot", Value::Null);
        let png = base64_decode(data.as_str().unwrap_or_default());
        let file = artifacts_dir().join(format!("{}-{label}.png", self.name));
        std::fs::write(&file, png).expect("writing the screenshot");
        file
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.client.delete(&self.endpoint).send();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// Standard base64 (WebDriver's screenshots).
fn base64_decode(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut buffer, mut bits) = (0u32, 0);
    for sextet in text.bytes().filter_map(value) {
        buffer = (buffer << 6) | u32::from(sextet);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64_decodes_what_webdriver_sends() {
        assert_eq!(super::base64_decode("aGVsbG8="), b"hello");
        assert_eq!(super::base64_decode("iVBORw0KGgo="), b"\x89PNG\r\n\x1a\n");
    }
}
