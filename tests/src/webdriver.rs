//! Debian's headless Chromium driven through Debian's ChromeDriver with the
//! `fantoccini` WebDriver client, behind a small synchronous API: the browser
//! tests and `cargo xtask bench` are plain threads, so each [`Session`] owns a
//! single-threaded tokio runtime and blocks on every command.
//!
//! One copy for both users: `dk2020_e2e::browser` has it as a module, and
//! `xtask/src/bench.rs` includes this file with `#[path]` (so it uses nothing
//! else of the e2e crate).
//!
//! Why fantoccini and not thirtyfour: thirtyfour's default features download
//! drivers at run time, and it switches on serde_json's `preserve_order` for
//! the whole workspace (which would change the key order of the API's JSON).
//! fantoccini, built without its TLS features, talks plain HTTP to the local
//! ChromeDriver and downloads nothing, at build time or later.

use std::{
    future::Future,
    net::{TcpListener, TcpStream},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use fantoccini::{
    Client, ClientBuilder,
    actions::{InputSource, KeyAction, KeyActions},
    elements::{Element, ElementRef},
    error::CmdError,
    wd::{PrintConfiguration, PrintMargins, PrintSize, TimeoutConfiguration, WindowHandle},
};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Map, Value, json};

/// The W3C name of a web element reference in JSON (what a script returns for a DOM element).
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// ChromeDriver on a free loopback port; killed when dropped.
pub struct ChromeDriver {
    child: Child,
    url: String,
}

impl ChromeDriver {
    /// Starts `binary` (e.g. `/usr/bin/chromedriver`) with its log going to
    /// `log`, and waits until it accepts connections.
    pub fn start(binary: &Path, log: Stdio) -> Result<ChromeDriver, String> {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .map_err(|e| format!("finding a free port for chromedriver: {e}"))?;
        let child = Command::new(binary)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .map_err(|e| format!("starting {}: {e}", binary.display()))?;
        let mut driver = ChromeDriver { child, url: format!("http://127.0.0.1:{port}") };
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = driver.child.try_wait() {
                return Err(format!("chromedriver exited with {status}"));
            }
            if started.elapsed() > Duration::from_secs(30) {
                return Err("chromedriver did not listen within 30 s".into());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(driver)
    }
}

impl Drop for ChromeDriver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// How to start Chromium for a [`Session`].
#[derive(Debug, Clone)]
pub struct Chromium {
    pub binary: PathBuf,
    /// A fresh profile directory (`--user-data-dir`).
    pub profile: PathBuf,
    /// `--window-size`, e.g. `(1280, 1800)`.
    pub window: (u32, u32),
    /// `--lang`, e.g. `da-DK`.
    pub lang: Option<String>,
    /// `pageLoadStrategy: eager`: navigation returns at DOMContentLoaded.
    pub eager: bool,
}

impl Chromium {
    fn capabilities(&self) -> Map<String, Value> {
        let mut args: Vec<String> = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
        ]
        .map(String::from)
        .into();
        args.push(format!("--window-size={},{}", self.window.0, self.window.1));
        if let Some(lang) = &self.lang {
            args.push(format!("--lang={lang}"));
        }
        args.push(format!("--user-data-dir={}", self.profile.display()));
        let mut capabilities = Map::new();
        capabilities.insert("browserName".into(), json!("chrome"));
        capabilities.insert("goog:chromeOptions".into(), json!({"binary": self.binary, "args": args}));
        if self.eager {
            capabilities.insert("pageLoadStrategy".into(), json!("eager"));
        }
        capabilities
    }
}

/// A WebDriver session (one Chromium); deleted when dropped.
pub struct Session {
    client: Option<Client>,
    runtime: tokio::runtime::Runtime,
}

impl Session {
    /// Starts Chromium through `driver`.
    pub fn start(driver: &ChromeDriver, chromium: &Chromium) -> Result<Session, String> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("a tokio runtime for WebDriver: {e}"))?;
        let client = runtime
            .block_on(
                ClientBuilder::new(HttpConnector::new()).capabilities(chromium.capabilities()).connect(&driver.url),
            )
            .map_err(|e| format!("creating a WebDriver session: {e}"))?;
        Ok(Session { client: Some(client), runtime })
    }

    fn client(&self) -> &Client {
        self.client.as_ref().expect("the client lives until the session is dropped")
    }

    fn block<T>(&self, what: &str, command: impl Future<Output = Result<T, CmdError>>) -> Result<T, String> {
        self.runtime.block_on(command).map_err(|e| format!("WebDriver {what}: {e}"))
    }

    /// The script timeout (`execute_async`) and the page load timeout.
    pub fn set_timeouts(&self, script: Duration, page_load: Duration) -> Result<(), String> {
        let timeouts = TimeoutConfiguration::new(Some(script), Some(page_load), None);
        self.block("timeouts", self.client().update_timeouts(timeouts))
    }

    pub fn goto(&self, url: &str) -> Result<(), String> {
        self.block(&format!("navigating to {url}"), self.client().goto(url))
    }

    /// Runs `script` (a function body; `arguments` holds `args`) and returns its result.
    pub fn execute(&self, script: &str, args: Vec<Value>) -> Result<Value, String> {
        self.block("execute", self.client().execute(script, args))
    }

    /// Runs an asynchronous `script`: it calls `arguments[arguments.length - 1]` with its result.
    pub fn execute_async(&self, script: &str, args: Vec<Value>) -> Result<Value, String> {
        self.block("execute_async", self.client().execute_async(script, args))
    }

    /// The element a script returned, if it returned one.
    pub fn element(&self, value: &Value) -> Option<Element> {
        let id = value[ELEMENT].as_str()?;
        Some(Element::from_element_id(self.client().clone(), ElementRef::from(id.to_string())))
    }

    /// The first element of the light DOM matching `css`.
    pub fn find(&self, css: &str) -> Result<Element, String> {
        self.block(&format!("finding {css}"), self.client().find(fantoccini::Locator::Css(css)))
    }

    /// A real click (scrolls into view, hit-tests).
    pub fn click(&self, element: &Element) -> Result<(), String> {
        self.block("click", element.click())
    }

    /// Empties a field and types `text` into it, as a user would.
    pub fn type_into(&self, element: &Element, text: &str) -> Result<(), String> {
        self.block("clear", element.clear())?;
        self.block("send keys", element.send_keys(text))
    }

    /// Presses keys on whatever has the focus (`\u{E007}` is Enter, `\u{E004}` Tab).
    pub fn press(&self, keys: &str) -> Result<(), String> {
        let mut actions = KeyActions::new("keyboard".into());
        for key in keys.chars() {
            actions = actions.then(KeyAction::Down { value: key }).then(KeyAction::Up { value: key });
        }
        self.block("key actions", self.client().perform_actions(actions))?;
        self.block("releasing actions", self.client().release_actions())
    }

    /// A PNG of the viewport.
    pub fn screenshot(&self) -> Result<Vec<u8>, String> {
        self.block("screenshot", self.client().screenshot())
    }

    /// A PNG of one element (all of it, scrolled or not).
    pub fn element_screenshot(&self, element: &Element) -> Result<Vec<u8>, String> {
        self.block("element screenshot", element.screenshot())
    }

    /// The page printed to an A4 PDF with 1.5 cm margins and backgrounds.
    pub fn print_a4(&self) -> Result<Vec<u8>, String> {
        let margins = PrintMargins { top: 1.5, bottom: 1.5, left: 1.5, right: 1.5 };
        let config = PrintConfiguration::builder()
            .size(PrintSize::A4)
            .margins(margins)
            .background(true)
            .build()
            .map_err(|e| format!("print configuration: {e}"))?;
        self.block("print", self.client().print(config))
    }

    /// The handles of the open windows (tabs).
    pub fn windows(&self) -> Result<Vec<String>, String> {
        let handles = self.block("window handles", self.client().windows())?;
        Ok(handles.into_iter().map(String::from).collect())
    }

    pub fn switch_to_window(&self, handle: &str) -> Result<(), String> {
        let handle = WindowHandle::try_from(handle).map_err(|e| format!("window handle {handle:?}: {e}"))?;
        self.block("switching window", self.client().switch_to_window(handle))
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if let Some(client) = self.client.take() {
            let _ = self.runtime.block_on(client.close());
        }
    }
}
