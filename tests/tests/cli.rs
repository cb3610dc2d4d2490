//! The binary's own commands: `allocate` prints the cost-sharing plan without
//! a server, `token` prints a bearer token, `serve --help` documents the whole
//! configuration; bad input fails cleanly.

use dk2020_e2e::{SAMSOE, TEST_NOW, TEST_SECRET, api_binary, run_cli};
use serde_json::Value;

/// CSV records (header first).
fn csv_records(text: &str) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(text.as_bytes());
    reader.records().map(|r| r.expect("a CSV record").iter().map(str::to_string).collect()).collect()
}

fn column_sum(records: &[Vec<String>], column: &str) -> i64 {
    let c = records[0].iter().position(|h| h == column).unwrap_or_else(|| panic!("no column {column}"));
    records[1..].iter().map(|r| r[c].parse::<i64>().unwrap_or_else(|_| panic!("{:?} is a plain number", r[c]))).sum()
}

#[track_caller]
fn succeeds(args: &[&str]) -> String {
    let out = run_cli(args);
    assert!(out.success, "dk2020-api {args:?} failed ({:?}): {}", out.code, out.stderr);
    out.stdout
}

#[track_caller]
fn fails_cleanly(args: &[&str]) -> String {
    let out = run_cli(args);
    assert!(!out.success, "dk2020-api {args:?} should fail, printed: {}", out.stdout);
    assert!(out.code.is_some(), "exited, not killed by a signal");
    assert!(!out.stderr.trim().is_empty(), "dk2020-api {args:?}: a message on stderr");
    assert!(!out.stderr.contains("panicked"), "dk2020-api {args:?} panicked: {}", out.stderr);
    out.stderr
}

#[test]
fn allocate_prints_the_csv_contract_with_exact_year_sums() {
    let stdout = succeeds(&["allocate", "--total", "3000000", "--years", "3", "--format", "csv"]);
    assert_eq!(stdout.lines().next(), Some("code,name,population,year_1,year_2,year_3,total"));
    let records = csv_records(&stdout);
    assert_eq!(records.len(), 1 + 19);
    for year in ["year_1", "year_2", "year_3"] {
        assert_eq!(column_sum(&records, year), 1_000_000, "{year}");
    }
    assert_eq!(column_sum(&records, "total"), 3_000_000);
    for r in &records[1..] {
        let years: i64 = r[3..6].iter().map(|v| v.parse::<i64>().unwrap()).sum();
        assert_eq!(r[6].parse::<i64>().unwrap(), years, "total is the row's sum: {r:?}");
    }
}

#[test]
fn allocate_with_exclude_drops_samsoe() {
    let stdout = succeeds(&["allocate", "--total", "3000000", "--years", "3", "--exclude", "741", "--format", "csv"]);
    let records = csv_records(&stdout);
    assert_eq!(records.len(), 1 + 18);
    assert!(records[1..].iter().all(|r| r[0] != SAMSOE.to_string()));
    assert_eq!(column_sum(&records, "year_1"), 1_000_000, "the others carry the whole amount");
    // By slug too.
    let by_slug = succeeds(&["allocate", "--total", "3000000", "--exclude", "samsoe", "--format", "csv"]);
    assert_eq!(by_slug, stdout);
}

#[test]
fn allocate_as_json_has_the_rows() {
    let stdout = succeeds(&["allocate", "--total", "3000000", "--years", "3", "--format", "json"]);
    let plan: Value = serde_json::from_str(&stdout).expect("JSON");
    let rows = plan["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 19);
    for row in rows {
        assert!(row["code"].is_u64() && row["name"].is_string() && row["population"].is_u64());
        assert_eq!(row["years"].as_array().unwrap().len(), 3);
    }
    let year_2: i64 = rows.iter().map(|r| r["years"][1].as_i64().unwrap()).sum();
    assert_eq!(year_2, 1_000_000);
}

#[test]
fn allocate_with_the_hybrid_key_adds_up() {
    let stdout = succeeds(&[
        "allocate",
        "--total",
        "3000000",
        "--years",
        "3",
        "--key",
        "hybrid",
        "--equal-percent",
        "20",
        "--format",
        "csv",
    ]);
    let records = csv_records(&stdout);
    assert_eq!(records.len(), 1 + 19);
    for year in ["year_1", "year_2", "year_3"] {
        assert_eq!(column_sum(&records, year), 1_000_000);
    }
    let per_capita = csv_records(&succeeds(&["allocate", "--total", "3000000", "--format", "csv"]));
    let samsoe = |records: &[Vec<String>]| records.iter().find(|r| r[0] == "741").unwrap()[6].parse::<i64>().unwrap();
    assert!(samsoe(&records) > samsoe(&per_capita), "the equal part helps the smallest");
}

#[test]
fn allocate_as_a_table_is_readable() {
    let stdout = succeeds(&["allocate", "--total", "3000000"]);
    assert!(stdout.contains("Samsø") && stdout.contains("I alt"), "{stdout}");
}

#[test]
fn allocate_refuses_bad_input_with_a_message_and_no_panic() {
    for args in [
        &["allocate", "--total", "-1"][..],
        &["allocate", "--total", "abc"],
        &["allocate", "--total", "3000000", "--years", "0"],
        &["allocate", "--total", "3000000", "--key", "foo"],
        &["allocate", "--total", "3000000", "--key", "hybrid", "--equal-percent", "150"],
        &["allocate", "--total", "3000000", "--exclude", "999"],
        &["allocate", "--total", "3000000", "--format", "pdf"],
        &["allocate"],
    ] {
        fails_cleanly(args);
    }
    let message = fails_cleanly(&["allocate", "--total", "3000000", "--years", "0"]);
    assert!(message.to_lowercase().contains("year"), "the message names the problem: {message}");
}

#[test]
fn token_prints_a_jwt_for_a_role() {
    let stdout = succeeds(&["token", "--role", "secretariat", "--days", "2"]);
    let token = stdout.trim();
    assert_eq!(token.split('.').count(), 3, "a JWT: {token}");
    let stdout = succeeds(&["token", "--role", "municipality", "--municipality", "skive"]);
    assert_eq!(stdout.trim().split('.').count(), 3);
}

#[test]
fn token_for_a_municipality_without_one_fails_clearly() {
    let message = fails_cleanly(&["token", "--role", "municipality"]);
    assert!(message.contains("--municipality"), "the message says what is missing: {message}");
    fails_cleanly(&["token", "--role", "municipality", "--municipality", "999"]);
    fails_cleanly(&["token", "--role", "mayor"]);
    fails_cleanly(&["token", "--role", "coordinator", "--municipality", "779"]);
    fails_cleanly(&["token", "--role", "coordinator", "--days", "0"]);
}

/// One process owns a database file (the server keeps settings and bookings
/// in memory): a second `serve` on the same file stops at once and says why,
/// instead of serving what the first one no longer shows.
#[test]
fn a_second_server_on_the_same_database_refuses_to_start_and_says_why() {
    let server = dk2020_e2e::TestServer::start();
    let mut second = std::process::Command::new(dk2020_e2e::api_binary())
        .args(["serve", "--addr", "127.0.0.1:0", "--db"])
        .arg(server.db_path())
        .env("DK2020_JWT_SECRET", dk2020_e2e::TEST_SECRET)
        .env_remove("AWS_LAMBDA_RUNTIME_API")
        .env_remove("DK2020_STORE")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("starting a second dk2020-api serve");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let status = loop {
        if let Some(status) = second.try_wait().expect("waiting for the second server") {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = second.kill();
            panic!("a second server on the same database kept running");
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    };
    let out = second.wait_with_output().expect("its output");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!status.success());
    assert!(stderr.contains("in use by another dk2020-api process"), "{stderr}");
    // The first one is unharmed.
    server.get("/api/health").send().expect_status(200);
}

/// Every variable the API reads, as `serve --help` must show it.
const VARIABLES: [&str; 24] = [
    "DK2020_ADDR",
    "DK2020_DB",
    "DK2020_STORE",
    "DK2020_TABLE",
    "AWS_ENDPOINT_URL",
    "DK2020_DYNAMODB_TIMEOUT_SECS",
    "DK2020_JWT_SECRET",
    "DK2020_ALLOWED_ORIGINS",
    "DK2020_NOW",
    "DK2020_WIDGET_DIR",
    "DK2020_SMTP_URL",
    "DK2020_SMTP_USER",
    "DK2020_SMTP_PASSWORD",
    "DK2020_MAIL_TRANSPORT",
    "DK2020_MAIL_FROM",
    "DK2020_COORDINATOR_EMAIL",
    "DK2020_COORDINATOR_NAME",
    "DK2020_MEETING_LINK",
    "DK2020_OUTBOX_DIR",
    "DK2020_MAIL_ATTEMPTS",
    "DK2020_REMINDER_HOURS",
    "DK2020_MANAGE_URL",
    "DK2020_CALENDAR_ALLOW_PRIVATE",
    "DK2020_CALENDAR_TIMEOUT_SECS",
];

/// An operator finds every setting in `serve --help`, each with its variable;
/// the token secret's value is never printed, even when it is set.
#[test]
fn serve_help_lists_every_variable_and_never_shows_the_secret() {
    let help = succeeds(&["serve", "--help"]);
    for variable in VARIABLES {
        assert!(help.contains(&format!("[env: {variable}")), "serve --help lists {variable}:\n{help}");
    }
    for flag in ["--addr", "--db", "--widget-dir", "--create-table"] {
        assert!(help.contains(flag), "serve --help lists {flag}:\n{help}");
    }
    assert!(help.contains("[default: 127.0.0.1:8080]") && help.contains("[default: data/dk2020.sqlite]"), "{help}");
    assert!(help.contains("RUST_LOG") && help.contains("AWS_LAMBDA_RUNTIME_API"), "{help}");
    // run_cli sets DK2020_JWT_SECRET to the test secret.
    assert!(!help.contains(TEST_SECRET), "the secret's value is hidden:\n{help}");
}

/// The SMTP address (it may hold a password) and the password are never
/// printed by `serve --help`, even when they are set.
#[test]
fn serve_help_never_shows_the_mail_servers_password() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_with_env(
        &["serve", "--help"],
        &[("DK2020_SMTP_URL", "smtps://user:hunter2-in-url@mail.example.dk"), ("DK2020_SMTP_PASSWORD", "hunter2")],
        dir.path(),
    );
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && help.contains("[env: DK2020_SMTP_PASSWORD"), "{help}");
    assert!(!help.contains("hunter2"), "{help}");
}

/// `dk2020-api ARGS` with the variables `env` (and none of the test run's
/// other `DK2020_*` ones) in the empty folder `cwd`.
fn run_with_env(args: &[&str], env: &[(&str, &str)], cwd: &std::path::Path) -> std::process::Output {
    let mut cmd = std::process::Command::new(api_binary());
    cmd.args(args).current_dir(cwd).env_remove("AWS_LAMBDA_RUNTIME_API").stdin(std::process::Stdio::null());
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("DK2020_") {
            cmd.env_remove(name);
        }
    }
    cmd.envs(env.iter().copied()).output().expect("running dk2020-api")
}

/// A bad value in the environment stops the program at once with a message
/// that names the variable, for `serve`, for `token` and under Lambda, and
/// no secret is echoed.
#[test]
fn a_bad_setting_stops_the_program_with_a_message_naming_its_variable() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let lambda = ("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9");
    for (args, env, variable) in [
        (&["serve"][..], vec![("DK2020_NOW", "tomorrow")], "DK2020_NOW"),
        (&["serve"], vec![("DK2020_STORE", "postgres")], "DK2020_STORE"),
        (&["serve"], vec![("DK2020_ADDR", "localhost")], "DK2020_ADDR"),
        (&["serve"], vec![("DK2020_ALLOWED_ORIGINS", "intranet.skive.dk")], "DK2020_ALLOWED_ORIGINS"),
        (&["serve"], vec![("DK2020_DYNAMODB_TIMEOUT_SECS", "forever")], "DK2020_DYNAMODB_TIMEOUT_SECS"),
        (&["serve"], vec![("DK2020_STORE", "dynamodb")], "DK2020_TABLE"),
        (&["serve"], vec![("DK2020_JWT_SECRET", "too-short-secret")], "DK2020_JWT_SECRET"),
        (&["token", "--role", "coordinator"], vec![("DK2020_NOW", "2026-13-01")], "DK2020_NOW"),
        (&[], vec![lambda, ("DK2020_JWT_SECRET", TEST_SECRET), ("DK2020_NOW", "tomorrow")], "DK2020_NOW"),
        (&[], vec![lambda], "DK2020_JWT_SECRET"),
        (&[], vec![lambda, ("DK2020_JWT_SECRET", "too-short-secret")], "DK2020_JWT_SECRET"),
    ] {
        let out = run_with_env(args, &env, dir.path());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success() && out.status.code().is_some(), "{args:?} {env:?}: exits with an error");
        assert!(stderr.contains(variable), "{args:?} {env:?}: the message names {variable}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?} {env:?}: {stderr}");
        assert!(!stderr.contains("too-short-secret"), "{args:?} {env:?}: the secret is not echoed: {stderr}");
    }
    assert!(!dir.path().join("data").exists(), "nothing was opened or created before the check");
}

/// A token printed by `token` is dated by the app's clock (`DK2020_NOW`), so
/// a server pinned to the same day accepts it whatever the machine's date.
#[test]
fn token_is_dated_by_the_apps_clock() {
    let stdout = succeeds(&["token", "--role", "coordinator", "--days", "2"]);
    let key = jsonwebtoken::DecodingKey::from_secret(TEST_SECRET.as_bytes()).expect("a non-empty test secret");
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
    validation.validate_exp = false;
    let claims =
        jsonwebtoken::decode::<Value>(stdout.trim(), &key, &validation).expect("a token signed with the secret");
    let now = TEST_NOW.parse::<jiff::Timestamp>().unwrap().as_second();
    assert_eq!(claims.claims["exp"], now + 2 * 86_400, "{}", claims.claims);
}
