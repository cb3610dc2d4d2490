//! Idempotent installs of the tools the tasks need: each checks first and
//! skips what is already there.

use crate::run::{cmd, output};

/// The wasm32 target for the model crate and the widget.
pub fn wasm_target() -> Result<(), String> {
    let installed = output("rustup", &["target", "list", "--installed"])?;
    if installed.lines().any(|l| l.trim() == "wasm32-unknown-unknown") {
        return Ok(());
    }
    cmd("rustup", &["target", "add", "wasm32-unknown-unknown"])
}

/// Whether cargo-nextest is on this machine (it is optional: `cargo test` otherwise).
pub fn has_nextest() -> bool {
    output("cargo", &["nextest", "--version"]).is_ok()
}
