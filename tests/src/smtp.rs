//! A real SMTP server for the mail tests: PyPI's `aiosmtpd` (installed into
//! `.venv/` by `cargo xtask test`), started on a free loopback port with its
//! `Mailbox` handler, which stores every mail it accepts in a Maildir. The
//! mails are read back with `tests/support/read_mail.py` (Python's `email`
//! and the `icalendar` package), the way a recipient's programs read them.
//!
//! `DK2020_PYTHON` names the Python that has both packages; without it the
//! mail tests are skipped, unless `DK2020_REQUIRE_SMTP=1` (set by xtask) makes
//! that a failure.

use std::{
    net::TcpStream,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use serde::Deserialize;

use crate::free_port;

/// How long a test waits for mail to arrive.
const ARRIVAL: Duration = Duration::from_secs(30);

/// The running SMTP server; stopped when dropped.
pub struct SmtpSink {
    child: Child,
    port: u16,
    python: PathBuf,
    maildir: tempfile::TempDir,
}

/// A mail as its recipient's programs read it (see `read_mail.py`).
#[derive(Debug, Clone, Deserialize)]
pub struct ReceivedMail {
    pub to: String,
    pub rcpt_to: String,
    pub from: String,
    pub reply_to: Option<String>,
    pub subject: String,
    pub message_id: String,
    pub header_names: Vec<String>,
    pub text: Option<String>,
    pub html: Option<String>,
    pub calendars: Vec<ReceivedCalendar>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ReceivedCalendar {
    pub content_type: String,
    pub method_param: Option<String>,
    pub filename: Option<String>,
    pub method: String,
    pub has_vtimezone: bool,
    pub events: Vec<ReceivedEvent>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ReceivedEvent {
    pub uid: String,
    pub sequence: i64,
    pub status: String,
    pub summary: String,
    pub location: String,
    pub description: String,
    pub organizer: String,
    pub attendees: Vec<String>,
    pub dtstart_local: String,
    pub dtstart_tzid: String,
    pub dtstart_utc: String,
    pub dtend_utc: String,
}

impl ReceivedMail {
    /// The invitation sent as an alternative of the text (what Outlook applies).
    pub fn invitation(&self) -> &ReceivedEvent {
        let calendar = self.calendars.first().unwrap_or_else(|| panic!("no invitation in {self:#?}"));
        calendar.events.first().unwrap_or_else(|| panic!("no event in {calendar:#?}"))
    }

    pub fn method(&self) -> &str {
        &self.calendars.first().unwrap_or_else(|| panic!("no invitation in {self:#?}")).method
    }
}

impl SmtpSink {
    /// Starts the server, or `None` (the test is skipped) without `DK2020_PYTHON`.
    pub fn start() -> Option<SmtpSink> {
        Self::start_refusing(0)
    }

    /// Like [`SmtpSink::start`], refusing the first `refusals` mails with a
    /// temporary error (451, `tests/support/refusing_smtp.py`).
    pub fn start_refusing(refusals: u32) -> Option<SmtpSink> {
        let python = match std::env::var("DK2020_PYTHON") {
            Ok(p) if !p.trim().is_empty() => PathBuf::from(p.trim()),
            _ if std::env::var("DK2020_REQUIRE_SMTP").is_ok_and(|v| v == "1") => {
                panic!("DK2020_REQUIRE_SMTP=1 but DK2020_PYTHON is not set: run `cargo xtask test`")
            }
            _ => {
                eprintln!("skipped: no SMTP test server (DK2020_PYTHON with aiosmtpd; `cargo xtask test` sets it)");
                return None;
            }
        };
        let mut maildir = tempfile::Builder::new().prefix("dk2020-smtp-").tempdir().expect("a temporary directory");
        for attempt in 0..3 {
            let port = free_port();
            let support = Path::new(env!("CARGO_MANIFEST_DIR")).join("support");
            let child = Command::new(&python)
                .env("PYTHONPATH", &support)
                .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}")])
                .args(["-c", "refusing_smtp.RefuseFirst", &refusals.to_string()])
                .arg(maildir.path().join("mail"))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| panic!("starting aiosmtpd with {}: {e}", python.display()));
            let mut sink = SmtpSink { child, port, python: python.clone(), maildir };
            if sink.wait_until_listening() {
                return Some(sink);
            }
            let _ = sink.child.kill();
            let _ = sink.child.wait();
            assert!(attempt < 2, "aiosmtpd did not come up on a free port");
            maildir = std::mem::replace(&mut sink.maildir, tempfile::tempdir().expect("a temporary directory"));
        }
        unreachable!()
    }

    /// `smtp://127.0.0.1:<port>`, for `DK2020_SMTP_URL`.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    fn wait_until_listening(&mut self) -> bool {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return false;
            }
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }

    fn files(&self) -> Vec<PathBuf> {
        let new = self.maildir.path().join("mail").join("new");
        let mut files: Vec<PathBuf> =
            std::fs::read_dir(&new).map(|d| d.flatten().map(|e| e.path()).collect()).unwrap_or_default();
        files.sort();
        files
    }

    /// Waits until at least `count` mails arrived in all, and returns them
    /// all (in no particular order); panics after [`ARRIVAL`].
    pub fn wait_for(&self, count: usize) -> Vec<ReceivedMail> {
        let deadline = Instant::now() + ARRIVAL;
        loop {
            let files = self.files();
            if files.len() >= count {
                return self.read(&files);
            }
            assert!(Instant::now() < deadline, "{} of {count} mails arrived", files.len());
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until the server has refused `count` mails in all; panics after [`ARRIVAL`].
    pub fn wait_for_refusals(&self, count: usize) {
        let deadline = Instant::now() + ARRIVAL;
        while !self.maildir.path().join(format!("refused-{count}")).exists() {
            assert!(Instant::now() < deadline, "the SMTP server did not refuse {count} mails");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Every mail received so far.
    pub fn received(&self) -> Vec<ReceivedMail> {
        self.read(&self.files())
    }

    fn read(&self, files: &[PathBuf]) -> Vec<ReceivedMail> {
        if files.is_empty() {
            return Vec::new();
        }
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("support/read_mail.py");
        let out = Command::new(&self.python).arg(script).args(files).output().expect("running read_mail.py");
        assert!(out.status.success(), "read_mail.py failed: {}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).expect("read_mail.py prints JSON")
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
