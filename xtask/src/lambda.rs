//! Deployment tasks: `cargo xtask lambda` packages the two Lambda functions
//! (the API, the mailer and the calendar refresher), and the template check that `cargo xtask test`
//! runs (cfn-lint on `infra/template.yaml`).
//!
//! `cargo xtask lambda [--x86_64]`:
//! 1. installs, when missing, the Rust target and into `.venv/` the pinned
//!    `cargo-lambda` and `ziglang` from PyPI (cargo-lambda cross-compiles with
//!    zig as the linker, against a glibc no newer than Amazon Linux 2023's, without Docker);
//! 2. for each binary of [`FUNCTIONS`], `cargo lambda build --release --arm64
//!    -p dk2020-api --bin <binary> --output-format zip`, with its own target
//!    directory `target/lambda-build/` (so the release cross build neither
//!    waits for nor invalidates the debug builds in `target/debug/`); the
//!    second build reuses the first one's compiled dependencies;
//! 3. checks each zip (one executable `bootstrap` at its root, for the right
//!    machine) and prints its size.
//!
//! The zips: `target/lambda/<binary>/bootstrap.zip` for arm64 (what
//! `infra/template.yaml` deploys), `target/lambda/x86_64/<binary>/bootstrap.zip`
//! with `--x86_64`. cargo-lambda builds with its release settings: symbols
//! stripped, `panic = "abort"`, and for arm64 `-C target-cpu=neoverse-n1`
//! (Graviton2, the oldest CPU Lambda's arm64 runs on).

use std::{
    path::{Path, PathBuf},
    process::Command,
};

use crate::{
    run::{cmd, output, root},
    venv::{self, Package},
};

/// The prebuilt cargo-lambda from PyPI (`cargo install cargo-lambda` takes over ten minutes).
const CARGO_LAMBDA: Package = Package { name: "cargo-lambda", version: "1.9.2", extras: "" };
/// zig, the cross linker cargo-lambda uses (found as `python3 -m ziglang`).
const ZIGLANG: Package = Package { name: "ziglang", version: "0.17.1", extras: "" };
/// The CloudFormation linter (it expands the SAM transform before it checks).
pub const CFN_LINT: Package = Package { name: "cfn-lint", version: "1.58.0", extras: "" };

/// The binaries of `dk2020-api` that are Lambda functions: the API
/// (`ApiFunction`), the outbox sender (`MailerFunction`) and the calendar
/// refresher (`CalendarsFunction`).
pub const FUNCTIONS: [&str; 4] = ["dk2020-api", "dk2020-mailer", "dk2020-calendars", "dk2020-retention"];

/// The template `cargo xtask test` checks and the deploy guide deploys.
pub const TEMPLATE: &str = "infra/template.yaml";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arch {
    Arm64,
    X86_64,
}

impl Arch {
    fn triple(self) -> &'static str {
        match self {
            Arch::Arm64 => "aarch64-unknown-linux-gnu",
            Arch::X86_64 => "x86_64-unknown-linux-gnu",
        }
    }

    fn cargo_lambda_flag(self) -> &'static str {
        match self {
            Arch::Arm64 => "--arm64",
            Arch::X86_64 => "--x86-64",
        }
    }

    /// ELF `e_machine` of a binary for this architecture.
    fn elf_machine(self) -> u16 {
        match self {
            Arch::Arm64 => 183,
            Arch::X86_64 => 62,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Arch::Arm64 => "linux arm64",
            Arch::X86_64 => "linux x86_64",
        }
    }

    /// Where cargo-lambda puts `<binary>/bootstrap.zip`.
    pub fn lambda_dir(self) -> PathBuf {
        match self {
            Arch::Arm64 => root().join("target/lambda"),
            Arch::X86_64 => root().join("target/lambda/x86_64"),
        }
    }

    pub fn zip(self, binary: &str) -> PathBuf {
        self.lambda_dir().join(binary).join("bootstrap.zip")
    }
}

fn parse_args(args: &[String]) -> Result<Arch, String> {
    match args {
        [] => Ok(Arch::Arm64),
        [flag] if matches!(flag.as_str(), "--arm64" | "--aarch64") => Ok(Arch::Arm64),
        [flag] if matches!(flag.as_str(), "--x86_64" | "--x86-64") => Ok(Arch::X86_64),
        _ => Err(format!("usage: cargo xtask lambda [--x86_64]   (got {args:?})")),
    }
}

/// Adds the Rust standard library for `triple` when it is missing.
fn rust_target(triple: &str) -> Result<(), String> {
    let installed = output("rustup", &["target", "list", "--installed"])?;
    if installed.lines().any(|l| l.trim() == triple) {
        return Ok(());
    }
    cmd("rustup", &["target", "add", triple])
}

/// `cargo xtask lambda [--x86_64]`.
pub fn build(args: &[String]) -> Result<(), String> {
    let arch = parse_args(args)?;
    rust_target(arch.triple())?;
    venv::install(&[CARGO_LAMBDA, ZIGLANG])?;

    for binary in FUNCTIONS {
        package(arch, binary)?;
    }
    Ok(())
}

/// Builds and checks the zip of `binary`.
fn package(arch: Arch, binary: &str) -> Result<(), String> {
    let zip = arch.zip(binary);
    if zip.exists() {
        // A failed build must not leave the previous package looking fresh.
        std::fs::remove_file(&zip).map_err(|e| format!("removing {}: {e}", zip.display()))?;
    }
    let lambda_dir = arch.lambda_dir().to_string_lossy().into_owned();
    let args = [
        "lambda",
        "build",
        "--release",
        arch.cargo_lambda_flag(),
        "-p",
        "dk2020-api",
        "--bin",
        binary,
        "--output-format",
        "zip",
        "--lambda-dir",
        &lambda_dir,
    ];
    eprintln!("xtask: $ CARGO_TARGET_DIR=target/lambda-build cargo {}", args.join(" "));
    let status = Command::new("cargo")
        .args(args)
        .current_dir(root())
        .env("PATH", venv::path_env())
        .env("CARGO_TARGET_DIR", root().join("target/lambda-build"))
        .status()
        .map_err(|e| format!("could not start cargo lambda: {e}"))?;
    if !status.success() {
        return Err(format!("`cargo lambda build` of {binary} failed ({status})"));
    }
    let package = inspect(&zip)?;
    if package.machine != arch.elf_machine() {
        return Err(format!(
            "{}: bootstrap is for ELF machine {}, not {} ({})",
            zip.display(),
            package.machine,
            arch.elf_machine(),
            arch.name()
        ));
    }
    eprintln!(
        "xtask: {}: {} B zipped (bootstrap {} B, {}, mode {:o}, needs glibc 2.{} of AL2023's 2.{AL2023_GLIBC_MINOR})",
        relative(&zip),
        package.zip_bytes,
        package.bootstrap_bytes,
        arch.name(),
        package.mode,
        package.glibc_minor,
    );
    Ok(())
}

/// What [`inspect`] found in a Lambda zip.
#[derive(Debug)]
struct PackageInfo {
    zip_bytes: u64,
    bootstrap_bytes: u64,
    mode: u32,
    machine: u16,
    /// The newest glibc symbol version it needs (2.N), 0 for none.
    glibc_minor: u64,
}

/// Amazon Linux 2023 (the `provided.al2023` runtime) has glibc 2.34.
const AL2023_GLIBC_MINOR: u64 = 34;

/// Checks that `zip` is what Lambda's `provided.al2023` runtime expects: exactly
/// one entry, the executable ELF file `bootstrap`, at the root, needing no newer
/// glibc than Amazon Linux 2023's. Python's zipfile
/// reads it (keeps xtask free of dependencies; `.venv/` is there anyway).
fn inspect(zip: &Path) -> Result<PackageInfo, String> {
    const CHECK: &str = r#"
import re, struct, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
names = z.namelist()
if names != ["bootstrap"]:
    sys.exit(f"expected exactly one entry, bootstrap, at the root; found {names}")
info = z.getinfo("bootstrap")
data = z.read("bootstrap")
if data[:4] != b"\x7fELF":
    sys.exit("bootstrap is not an ELF executable")
glibc = max([int(m) for m in re.findall(rb"GLIBC_2\.([0-9]+)", data)] or [0])
print(info.file_size, (info.external_attr >> 16) & 0o7777, struct.unpack("<H", data[18:20])[0], glibc)
"#;
    let zip_bytes = std::fs::metadata(zip)
        .map_err(|e| format!("{}: {e} (cargo lambda did not write the zip where expected)", zip.display()))?
        .len();
    let out = Command::new(venv::bin("python"))
        .args(["-c", CHECK])
        .arg(zip)
        .output()
        .map_err(|e| format!("could not start python: {e}"))?;
    if !out.status.success() {
        return Err(format!("{}: {}", zip.display(), String::from_utf8_lossy(&out.stderr).trim()));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let fields: Vec<u64> = text.split_whitespace().filter_map(|f| f.parse().ok()).collect();
    let [bootstrap_bytes, mode, machine, glibc_minor] = fields[..] else {
        return Err(format!("{}: unexpected check output {text:?}", zip.display()));
    };
    if mode & 0o111 == 0 {
        return Err(format!("{}: bootstrap is not executable (mode {mode:o})", zip.display()));
    }
    if glibc_minor > AL2023_GLIBC_MINOR {
        return Err(format!(
            "{}: bootstrap needs glibc 2.{glibc_minor}, but provided.al2023 has 2.{AL2023_GLIBC_MINOR}",
            zip.display()
        ));
    }
    Ok(PackageInfo { zip_bytes, bootstrap_bytes, mode: mode as u32, machine: machine as u16, glibc_minor })
}

fn relative(path: &Path) -> String {
    path.strip_prefix(root()).unwrap_or(path).display().to_string()
}

/// The template check of `cargo xtask test`: `cfn-lint infra/template.yaml`
/// (installed into `.venv/` when missing). Errors fail; warnings and
/// informational findings are printed and allowed.
pub fn check_template() -> Result<(), String> {
    venv::install(&[CFN_LINT])?;
    eprintln!("xtask: $ cfn-lint {TEMPLATE}");
    let status = Command::new(venv::bin("cfn-lint"))
        .arg(TEMPLATE)
        .current_dir(root())
        .status()
        .map_err(|e| format!("could not start cfn-lint: {e}"))?;
    // cfn-lint's exit code is a bit set: 2 errors, 4 warnings, 8 informational
    // (1 when it could not run at all).
    match status.code() {
        Some(0) => Ok(()),
        Some(code) if code & 0b11 == 0 => {
            let kinds = [(4, "warnings"), (8, "informational findings")]
                .iter()
                .filter(|(bit, _)| code & bit != 0)
                .map(|(_, kind)| *kind)
                .collect::<Vec<_>>()
                .join(" and ");
            eprintln!("xtask: cfn-lint reported {kinds} for {TEMPLATE} (above); allowed, no errors");
            Ok(())
        }
        _ => Err(format!("cfn-lint found errors in {TEMPLATE} ({status})")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments() {
        assert_eq!(parse_args(&[]), Ok(Arch::Arm64));
        assert_eq!(parse_args(&["--x86_64".into()]), Ok(Arch::X86_64));
        assert_eq!(parse_args(&["--x86-64".into()]), Ok(Arch::X86_64));
        assert!(parse_args(&["--release".into()]).is_err());
    }

    #[test]
    fn the_template_deploys_the_arm64_zips() {
        let template = std::fs::read_to_string(root().join(TEMPLATE)).expect("the template");
        for binary in FUNCTIONS {
            let zip = Arch::Arm64.zip(binary);
            let from_infra = format!("../{}", relative(&zip));
            assert!(template.contains(&format!("CodeUri: {from_infra}")), "{TEMPLATE} deploys {from_infra}");
            // A binary of the package, so that `cargo lambda build --bin` finds it.
            let source =
                if binary == "dk2020-api" { "src/main.rs".to_string() } else { format!("src/bin/{binary}.rs") };
            assert!(root().join("backend").join(&source).is_file(), "backend/{source} is the {binary} binary");
        }
        assert_eq!(template.matches("CodeUri: ").count(), FUNCTIONS.len(), "{TEMPLATE}: one package per function");
    }
}
