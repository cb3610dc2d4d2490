//! Makes sure the folder `routes::site` embeds exists, and that cargo compiles
//! this crate again when it changes.
//!
//! The widget is built by `cargo xtask widget` into `<workspace>/target/widget/`
//! (always there, whatever `CARGO_TARGET_DIR` says). On a fresh clone it does
//! not exist yet: the folder is created empty, so the crate compiles with
//! nothing embedded and the server says how to build the widget. Watching a
//! folder that exists (cargo looks at every file in it) recompiles the crate
//! when the widget is rebuilt, added files included, which rust-embed alone
//! cannot tell cargo; a missing one would make cargo run this script, and
//! compile the crate, on every build.

use std::path::PathBuf;

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let widget = manifest.join("../target/widget");
    if let Err(e) = std::fs::create_dir_all(&widget) {
        println!("cargo::warning=could not create {}: {e}", widget.display());
    }
    println!("cargo::rerun-if-changed={}", widget.display());
}
