//! `cargo xtask widget`: builds the embeddable widget into `target/widget/`,
//! the folder `dk2020-api serve` serves under `/widget/` (and `/demo/`):
//!
//! 1. `cargo build -p dk2020-widget --target wasm32-unknown-unknown --profile wasm-release`
//!    (opt-level "z", LTO, one codegen unit, panic abort), twice: every view
//!    (`full/`), and the booking view alone (`booking/`, `--no-default-features`),
//!    which is what the municipalities' intranets load; with the standard
//!    library rebuilt for size (see [`SMALL_STD`]);
//! 2. `wasm-bindgen --target web --no-typescript` into `target/widget/<bundle>/`
//!    (the CLI version equals the `wasm-bindgen` crate in `Cargo.lock`);
//! 3. `wasm-opt --flatten --rereloop -Oz -Oz` (npm's binaryen 132, installed into `.tools/`);
//! 4. esbuild minifies wasm-bindgen's JavaScript glue and the loader
//!    `dk2020-widget.js` (from `frontend/static/`, with the demo intranet page);
//! 5. prints every file's size, raw and gzip.

use std::{
    fs,
    path::{Path, PathBuf},
    process::{Command, Stdio},
};

use crate::{
    install,
    run::{cmd, cmd_env, root},
};

/// Features the wasm of rustc and wasm-bindgen uses; wasm-opt must accept them.
const WASM_FEATURES: [&str; 5] = [
    "--enable-bulk-memory",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
    "--enable-reference-types",
    "--enable-mutable-globals",
];

pub fn out_dir() -> PathBuf {
    root().join("target/widget")
}

/// Installs what the build needs (skipping what is there) and builds.
pub fn build() -> Result<(), String> {
    install::wasm_target()?;
    install::wasm_bindgen_cli()?;
    install::npm_tools()?;

    let out = out_dir();
    // Start clean so no stale file is served.
    if out.exists() {
        fs::remove_dir_all(&out).map_err(|e| format!("removing {}: {e}", out.display()))?;
    }
    let small_std = small_std();
    for (bundle, features) in BUNDLES {
        bundle_build(&out.join(bundle), features, small_std)?;
    }
    let statics = root().join("frontend/static");
    minify_js(&statics.join("dk2020-widget.js"), &out.join("dk2020-widget.js"))?;
    copy(&statics.join("demo/intranet.html"), &out.join("demo/intranet.html"))?;
    copy(&statics.join("manage.html"), &out.join("manage.html"))?;
    print_sizes(&out)
}

/// The standard library compiled with the widget instead of rustup's
/// prebuilt copy (which is optimised for speed, opt-level 3): opt-level "z"
/// and `std`'s `optimize_for_size`, and panics that abort at once
/// (`-Cpanic=immediate-abort`) instead of formatting a message no one sees
/// (wasm32-unknown-unknown has no stderr; the widget installs no panic hook).
/// About 23 KB less gzip for the booking view. `-Zbuild-std` is a cargo
/// option of nightly toolchains; `RUSTC_BOOTSTRAP=1` lets the stable
/// toolchain the workspace uses accept it. Needs rustup's
/// `rust-src` component, installed like the wasm target. Set
/// `DK2020_WIDGET_PREBUILT_STD=1` (or lack `rust-src`) to build with the
/// prebuilt `std` instead: the same app, a larger wasm.
const SMALL_STD: [&str; 2] = ["-Zbuild-std=std,panic_abort", "-Zbuild-std-features=optimize_for_size"];
const SMALL_STD_RUSTFLAGS: &str = "-Zunstable-options -Cpanic=immediate-abort";

/// Whether to build with [`SMALL_STD`].
fn small_std() -> bool {
    if std::env::var_os("DK2020_WIDGET_PREBUILT_STD").is_some_and(|v| !v.is_empty() && v != "0") {
        return false;
    }
    match install::rust_src() {
        Ok(()) => true,
        Err(e) => {
            eprintln!("xtask: no rust-src ({e}): building the widget with the prebuilt std (a larger wasm)");
            false
        }
    }
}

/// The builds of the app: the folder and the cargo feature flags.
const BUNDLES: [(&str, &[&str]); 2] = [("full", &[]), ("booking", &["--no-default-features"])];

/// One build of the app: cargo, wasm-bindgen and wasm-opt into `dir`.
fn bundle_build(dir: &Path, features: &[&str], small_std: bool) -> Result<(), String> {
    let mut args =
        vec!["build", "-p", "dk2020-widget", "--target", "wasm32-unknown-unknown", "--profile", "wasm-release"];
    args.extend(features);
    if small_std {
        args.extend(SMALL_STD);
        // With `--target`, RUSTFLAGS reach the wasm crates only, not build scripts or proc macros.
        let env = [("RUSTC_BOOTSTRAP", "1".to_string()), ("RUSTFLAGS", SMALL_STD_RUSTFLAGS.to_string())];
        cmd_env("cargo", &args, &env)?;
    } else {
        cmd("cargo", &args)?;
    }
    let wasm = root().join("target/wasm32-unknown-unknown/wasm-release/dk2020_widget.wasm");
    fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    cmd(
        &install::cargo_bin("wasm-bindgen"),
        &["--target", "web", "--no-typescript", "--out-dir", &path(dir), "--out-name", "dk2020_widget", &path(&wasm)],
    )?;
    let glue = dir.join("dk2020_widget.js");
    minify_js(&glue, &glue)?;
    let bg = path(&dir.join("dk2020_widget_bg.wasm"));
    // Flattening and re-looping before two -Oz rounds: about 1 KB less gzip
    // than -Oz alone (`--converge` gave a smaller raw but a larger gzip file).
    let mut args = vec!["--flatten", "--rereloop", "-Oz", "-Oz", "--strip-debug", "--strip-producers"];
    args.extend(WASM_FEATURES);
    args.extend(["-o", bg.as_str(), bg.as_str()]);
    cmd(&path(&install::wasm_opt()), &args)
}

/// An ES module minified by esbuild (names of exports, imports and
/// properties stay; about 2 KB less gzip for wasm-bindgen's glue).
fn minify_js(from: &Path, to: &Path) -> Result<(), String> {
    if let Some(dir) = to.parent() {
        fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    }
    let outfile = format!("--outfile={}", path(to));
    cmd(
        &path(&install::esbuild()),
        &[&path(from), "--minify", "--format=esm", "--log-level=warning", "--allow-overwrite", &outfile],
    )
}

fn path(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

fn copy(from: &Path, to: &Path) -> Result<(), String> {
    if let Some(dir) = to.parent() {
        fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    }
    fs::copy(from, to).map(drop).map_err(|e| format!("copying {} to {}: {e}", from.display(), to.display()))
}

/// Bytes of `file` after `gzip -9`.
fn gzip_size(file: &Path) -> Result<u64, String> {
    let out = Command::new("gzip")
        .args(["-9", "-c"])
        .arg(file)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("could not start gzip: {e}"))?;
    if !out.status.success() {
        return Err(format!("gzip {} failed", file.display()));
    }
    Ok(out.stdout.len() as u64)
}

fn files(dir: &Path, found: &mut Vec<PathBuf>) -> Result<(), String> {
    let entries = fs::read_dir(dir).map_err(|e| format!("reading {}: {e}", dir.display()))?;
    for entry in entries {
        let p = entry.map_err(|e| e.to_string())?.path();
        if p.is_dir() { files(&p, found)? } else { found.push(p) }
    }
    Ok(())
}

/// Every file's size, raw and gzip, and what a page transfers for the
/// booking view and for the other views (loader + wasm-bindgen JS + wasm;
/// the CSS is inside the wasm).
fn print_sizes(out: &Path) -> Result<(), String> {
    let mut all = Vec::new();
    files(out, &mut all)?;
    all.sort();
    eprintln!("xtask: widget files in {}:", out.display());
    eprintln!("xtask:   {:>10} {:>10}  file", "raw B", "gzip B");
    let mut totals = [(0, 0); 2];
    for file in &all {
        let raw = fs::metadata(file).map_err(|e| e.to_string())?.len();
        let gz = gzip_size(file)?;
        let name = file.strip_prefix(out).unwrap_or(file).display().to_string();
        for (i, bundle) in ["booking/", "full/"].into_iter().enumerate() {
            if name.starts_with(bundle) || name == "dk2020-widget.js" {
                totals[i].0 += raw;
                totals[i].1 += gz;
            }
        }
        eprintln!("xtask:   {raw:>10} {gz:>10}  {name}");
    }
    let [booking, full] = totals;
    eprintln!("xtask:   {:>10} {:>10}  the booking view's transfer (loader + booking/)", booking.0, booking.1);
    eprintln!("xtask:   {:>10} {:>10}  the other views' transfer (loader + full/)", full.0, full.1);
    Ok(())
}
