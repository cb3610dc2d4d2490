//! The project's Python virtual environment, `.venv/` at the workspace root
//! (ignored by git): the PyPI tools the tasks use are installed into it, pinned,
//! when missing, and run from it. One environment for all of them (moto for the
//! local DynamoDB server, cfn-lint, cargo-lambda and ziglang, ...).

use std::{
    path::PathBuf,
    process::{Command, Stdio},
};

use crate::run::{cmd, root};

/// A package from PyPI, pinned.
#[derive(Debug, Clone, Copy)]
pub struct Package {
    /// The distribution's name (as `pip show` knows it).
    pub name: &'static str,
    pub version: &'static str,
    /// Extras to install with it (e.g. `server` for `moto[server]`), comma separated; empty for none.
    pub extras: &'static str,
}

impl Package {
    fn requirement(&self) -> String {
        if self.extras.is_empty() {
            format!("{}=={}", self.name, self.version)
        } else {
            format!("{}[{}]=={}", self.name, self.extras, self.version)
        }
    }
}

/// `.venv/`.
pub fn dir() -> PathBuf {
    root().join(".venv")
}

/// An executable of the environment (`.venv/bin/NAME`).
pub fn bin(name: &str) -> PathBuf {
    dir().join("bin").join(name)
}

/// `PATH` with the environment's `bin/` first, for tools that look for other
/// tools on the path (cargo-lambda finds `cargo-lambda` and `python3 -m ziglang` there).
pub fn path_env() -> String {
    let mut paths = vec![dir().join("bin")];
    if let Some(path) = std::env::var_os("PATH") {
        paths.extend(std::env::split_paths(&path));
    }
    std::env::join_paths(paths).map(|p| p.to_string_lossy().into_owned()).unwrap_or_default()
}

/// Creates `.venv/` when it does not exist (Python 3's own `venv` module).
pub fn create() -> Result<(), String> {
    if bin("python").exists() {
        return Ok(());
    }
    let target = dir().to_string_lossy().into_owned();
    cmd("python3", &["-m", "venv", &target])
}

/// Whether `package` is installed in `.venv/` in its pinned version.
pub fn has(package: &Package) -> bool {
    let python = bin("python");
    if !python.exists() {
        return false;
    }
    Command::new(python)
        .args([
            "-c",
            "import importlib.metadata as m, sys; sys.exit(m.version(sys.argv[1]) != sys.argv[2])",
            package.name,
            package.version,
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Creates `.venv/` if needed and installs the `packages` that are missing or
/// in another version, in one `pip install`; does nothing when all are there.
pub fn install(packages: &[Package]) -> Result<(), String> {
    create()?;
    let missing: Vec<String> = packages.iter().filter(|p| !has(p)).map(Package::requirement).collect();
    if missing.is_empty() {
        return Ok(());
    }
    let pip = bin("pip").to_string_lossy().into_owned();
    let mut args = vec!["install", "--disable-pip-version-check", "--quiet"];
    args.extend(missing.iter().map(String::as_str));
    cmd(&pip, &args)
}
