//! The real SMTP server of the mail tests (`tests/tests/api_mail.rs`): PyPI's
//! aiosmtpd, and the `icalendar` package that reads the invitations back the
//! way a calendar program does, both pinned, in the project's `.venv/`.

use crate::venv::{self, Package};

pub const AIOSMTPD: Package = Package { name: "aiosmtpd", version: "1.4.6", extras: "" };
pub const ICALENDAR: Package = Package { name: "icalendar", version: "7.3.2", extras: "" };

/// Installs both into `.venv/` when missing.
pub fn install() -> Result<(), String> {
    venv::install(&[AIOSMTPD, ICALENDAR])
}

/// What the tests are told: the Python that has both, and that the mail tests
/// must run (a missing tool is a failure, not a skip).
pub fn test_env() -> Vec<(&'static str, String)> {
    vec![("DK2020_PYTHON", venv::bin("python").to_string_lossy().into_owned()), ("DK2020_REQUIRE_SMTP", "1".into())]
}
