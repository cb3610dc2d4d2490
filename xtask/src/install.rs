//! Idempotent installs of the tools the tasks need: each checks first and
//! skips what is already there.

use std::path::{Path, PathBuf};

use crate::run::{cmd, output};

/// The wasm32 target for the model crate and the widget.
pub fn wasm_target() -> Result<(), String> {
    let installed = output("rustup", &["target", "list", "--installed"])?;
    if installed.lines().any(|l| l.trim() == "wasm32-unknown-unknown") {
        return Ok(());
    }
    cmd("rustup", &["target", "add", "wasm32-unknown-unknown"])
}

/// The standard library's source, for the widget's wasm built with its own
/// copy of `std` (see `widget::SMALL_STD`).
pub fn rust_src() -> Result<(), String> {
    let installed = output("rustup", &["component", "list", "--installed"])?;
    if installed.lines().any(|l| l.trim() == "rust-src") {
        return Ok(());
    }
    cmd("rustup", &["component", "add", "rust-src"])
}

/// Whether cargo-nextest is on this machine (it is optional: `cargo test` otherwise).
pub fn has_nextest() -> bool {
    output("cargo", &["nextest", "--version"]).is_ok()
}

/// The version of `package` in `Cargo.lock` (the first entry of that name).
pub fn locked_version(package: &str) -> Result<String, String> {
    let lock = std::fs::read_to_string(crate::run::root().join("Cargo.lock"))
        .map_err(|e| format!("reading Cargo.lock: {e}"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == format!("name = \"{package}\"")
            && let Some(version) = lines.next().and_then(|l| l.trim().strip_prefix("version = \""))
        {
            return Ok(version.trim_end_matches('"').to_string());
        }
    }
    Err(format!("{package} is not in Cargo.lock"))
}

/// The `wasm-bindgen` CLI of exactly the version the widget links against
/// (it must match the `wasm-bindgen` crate in `Cargo.lock`). Installed from
/// crates.io without `--locked`: the registry mirror lags that crate's lock file.
pub fn wasm_bindgen_cli() -> Result<(), String> {
    let version = locked_version("wasm-bindgen")?;
    if output(&cargo_bin("wasm-bindgen"), &["--version"])
        .is_ok_and(|v| v.split_whitespace().nth(1) == Some(version.as_str()))
    {
        return Ok(());
    }
    cmd("cargo", &["install", "wasm-bindgen-cli", "--version", &version])
}

/// A program `cargo install` put into `$CARGO_HOME/bin` (found there even when
/// that folder is not on the `PATH`), or the bare name.
pub fn cargo_bin(name: &str) -> String {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")));
    match home.map(|h| h.join("bin").join(name)) {
        Some(p) if p.is_file() => p.to_string_lossy().into_owned(),
        _ => name.to_string(),
    }
}

/// The folder of the project-local npm tools (`.tools/`, ignored by git).
pub fn tools_dir() -> PathBuf {
    crate::run::root().join(".tools")
}

/// npm packages the tasks use, pinned: `wasm-opt` from binaryen (Debian's
/// binaryen 108 produces a module that fails in Chromium), axe-core for
/// the accessibility checks of the browser tests and esbuild to minify the
/// widget's JavaScript, and panva's OpenID provider (an OpenID Certified
/// implementation) for the sign-in tests (`tests/oidc/provider.mjs`; version
/// 9 warns on Node 20 but works).
const NPM_TOOLS: [(&str, &str); 4] =
    [("binaryen", "132.0.0"), ("axe-core", "4.14.1"), ("esbuild", "0.28.2"), ("oidc-provider", "9.13.3")];

/// Installs the pinned npm tools into `.tools/node_modules` when missing.
pub fn npm_tools() -> Result<(), String> {
    let dir = tools_dir();
    let installed = |name: &str, version: &str| {
        std::fs::read_to_string(dir.join("node_modules").join(name).join("package.json"))
            .is_ok_and(|json| json.contains(&format!("\"version\": \"{version}\"")))
    };
    let missing: Vec<String> = NPM_TOOLS
        .iter()
        .filter(|(name, version)| !installed(name, version))
        .map(|(name, version)| format!("{name}@{version}"))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    std::fs::create_dir_all(&dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    let prefix = dir.to_string_lossy().into_owned();
    let mut args = vec!["install", "--prefix", prefix.as_str(), "--no-audit", "--no-fund", "--save-exact"];
    args.extend(missing.iter().map(String::as_str));
    cmd("npm", &args)
}

/// `wasm-opt` of the local binaryen.
pub fn wasm_opt() -> PathBuf {
    tools_dir().join("node_modules/.bin/wasm-opt")
}

/// `esbuild` of the local npm tools (minifies the widget's JavaScript).
pub fn esbuild() -> PathBuf {
    tools_dir().join("node_modules/.bin/esbuild")
}

/// The folder of the npm packages, for scripts that import them (the
/// OpenID provider of the sign-in tests).
pub fn node_modules() -> PathBuf {
    tools_dir().join("node_modules")
}

/// axe-core's browser bundle.
pub fn axe_core() -> PathBuf {
    tools_dir().join("node_modules/axe-core/axe.min.js")
}

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// Debian's Chromium and ChromeDriver for the browser tests (needs root, as
/// on the project's machines and CI).
pub fn chromium() -> Result<(), String> {
    if Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists() {
        return Ok(());
    }
    cmd("apt-get", &["update"])?;
    cmd("apt-get", &["install", "-y", "chromium", "chromium-driver"])
}

/// Debian's libfaketime, for the tests with the clock ahead (`clock.rs`):
/// the library's path, installed with apt when missing.
pub fn faketime() -> Result<PathBuf, String> {
    let find = || {
        let lib = Path::new("/usr/lib");
        std::fs::read_dir(lib).ok()?.flatten().map(|e| e.path().join("faketime/libfaketime.so.1")).find(|p| p.is_file())
    };
    if let Some(path) = find() {
        return Ok(path);
    }
    cmd("apt-get", &["update"])?;
    cmd("apt-get", &["install", "-y", "libfaketime"])?;
    find().ok_or_else(|| "apt installed libfaketime, but no /usr/lib/*/faketime/libfaketime.so.1 is there".into())
}
