//! `cargo xtask bench`: measured speed, every figure next to a baseline
//! measured in the same run (so the ratio holds on a noisy shared machine).
//! Never part of `cargo xtask test`: speed is measured here, not asserted.
//!
//! 1. **Model** (criterion, `shared/benches/model.rs`): open slots over 8
//!    weeks with 150 bookings, the 3-year cost-sharing plan, the enrolment
//!    overview; baseline: serialising the same result to JSON.
//! 2. **API** (wrk at 1, 16 and 64 connections) against `dk2020-api serve`
//!    (release, SQLite): `GET /api/slots`, `/api/enrolment`,
//!    `/api/budget/allocation`; baseline: the landing page `GET /`, a static
//!    page served from memory by the same binary (it does no work: no store,
//!    no auth, no JSON).
//! 3. **Booking writes** through the API (`synchronous=FULL`), one client and
//!    16 clients; baseline: a plain loop of single-row SQLite inserts with the
//!    same durability (WAL, `synchronous=FULL`, one transaction each),
//!    `xtask/examples/bench_sqlite.rs`.
//! 4. **Start-up**: process start to the first answered `GET /api/health`
//!    for `dk2020-api serve` and for the Lambda mode under an emulation of
//!    the Lambda Runtime API (`tests/shared/lambda_runtime_api.rs`, the one
//!    the Lambda test uses); baseline: a hello-world axum
//!    binary built with the same profile (`xtask/examples/bench_hello.rs`),
//!    in both modes.
//! 5. **Widget**: the bytes each view loads (raw, gzip -9, brotli) from
//!    `target/widget`, and the time in headless Chromium from navigation start
//!    to the first slot on the demo intranet page, next to the same page with
//!    only its static HTML.
//!
//! Prints a Markdown table, writes `target/bench/results.json` (and one JSON
//! per section) and `target/bench/table.md`; `--update-readme` puts the table
//! into README.md's "Performance" section.
//!
//! usage: cargo xtask bench [--quick] [--only model,api,writes,startup,widget] [--update-readme]

// The Lambda Runtime API emulation and the WebDriver session are the ones
// the tests use (one copy each, included here by path; the bench needs only
// a part of each).
#[allow(dead_code)]
#[path = "../../tests/shared/lambda_runtime_api.rs"]
mod lambda_runtime_api;
#[allow(dead_code)]
#[path = "../../tests/src/webdriver.rs"]
mod webdriver;

use std::{
    collections::BTreeMap,
    fs,
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::OnceLock,
    thread,
    time::{Duration, Instant},
};

use lambda_runtime_api::{Report, RuntimeApi, lambda_environment};
use reqwest::blocking::Client;
use serde_json::{Value, json};

use crate::{
    run::{cmd, output, root},
    venv::{self, Package},
};

/// The server clock of the benchmarks (a Monday; slots are stable).
const NOW: &str = "2026-11-30T08:00:00+01:00";
const SECRET: &str = "dk2020-bench-secret-that-is-long-enough-0123456789";
const SKIVE: u16 = 779;
const MUNICIPALITIES: [u16; 19] =
    [615, 657, 661, 665, 671, 706, 707, 710, 727, 730, 740, 741, 746, 751, 756, 760, 766, 779, 791];
const SECTIONS: [&str; 5] = ["model", "api", "writes", "startup", "widget"];
const BROTLI: Package = Package { name: "brotli", version: "1.2.1", extras: "" };
const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

struct Ctx {
    quick: bool,
    target: PathBuf,
    tmp: PathBuf,
}

impl Ctx {
    fn api(&self) -> PathBuf {
        self.target.join("release/dk2020-api")
    }

    fn example(&self, name: &str) -> PathBuf {
        self.target.join("release/examples").join(name)
    }
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| root().join("target"))
}

pub fn run(args: &[String]) -> Result<(), String> {
    let mut quick = false;
    let mut update_readme = false;
    let mut only: Vec<String> = SECTIONS.iter().map(|s| s.to_string()).collect();
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--quick" => quick = true,
            "--update-readme" => update_readme = true,
            "--only" => {
                let list = rest.next().ok_or("--only needs a list, e.g. --only api,writes")?;
                only = list.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
                if let Some(bad) = only.iter().find(|s| !SECTIONS.contains(&s.as_str())) {
                    return Err(format!("--only: unknown section {bad:?}; sections: {}", SECTIONS.join(", ")));
                }
            }
            other => return Err(format!("cargo xtask bench: unknown argument {other:?}")),
        }
    }
    let target = target_dir();
    let out = target.join("bench");
    let tmp = out.join("tmp");
    let _ = fs::remove_dir_all(&tmp);
    fs::create_dir_all(&tmp).map_err(|e| format!("creating {}: {e}", tmp.display()))?;
    let ctx = Ctx { quick, target, tmp };

    eprintln!("xtask: == build (release)");
    cmd(
        "cargo",
        &[
            "build",
            "--release",
            "-p",
            "dk2020-api",
            "-p",
            "xtask",
            "--bin",
            "dk2020-api",
            "--example",
            "bench_hello",
            "--example",
            "bench_sqlite",
        ],
    )?;

    let mut results = json!({
        "date": output("date", &["-u", "+%Y-%m-%d %H:%M UTC"]).unwrap_or_default().trim(),
        "machine": machine(),
        "quick": quick,
    });
    let mut failed = Vec::new();
    for section in SECTIONS {
        if !only.iter().any(|s| s == section) {
            continue;
        }
        eprintln!("xtask: == bench {section}");
        let started = Instant::now();
        let result = match section {
            "model" => model(&ctx),
            "api" => api(&ctx),
            "writes" => writes(&ctx),
            "startup" => startup(&ctx),
            _ => widget(&ctx),
        };
        let value = match result {
            Ok(v) => v,
            Err(e) => {
                eprintln!("xtask: bench {section}: {e}");
                if section != "widget" {
                    failed.push(section);
                }
                json!({"pending": e})
            }
        };
        eprintln!("xtask: == bench {section} done ({:.0?})", started.elapsed());
        write_json(&out.join(format!("{section}.json")), &value)?;
        results[section] = value;
    }
    write_json(&out.join("results.json"), &results)?;
    let table = render(&results);
    fs::write(out.join("table.md"), &table).map_err(|e| format!("writing table.md: {e}"))?;
    println!("{table}");
    eprintln!("xtask: results in {}", out.display());
    if update_readme {
        update_readme_section(&table)?;
        eprintln!("xtask: README.md's Performance section updated");
    }
    if failed.is_empty() { Ok(()) } else { Err(format!("bench sections failed: {}", failed.join(", "))) }
}

fn write_json(path: &Path, value: &Value) -> Result<(), String> {
    let text = serde_json::to_string_pretty(value).map_err(|e| e.to_string())?;
    fs::write(path, text + "\n").map_err(|e| format!("writing {}: {e}", path.display()))
}

/// Cores, CPU model, memory, kernel and compiler.
fn machine() -> Value {
    let cpuinfo = fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let field = |text: &str, name: &str| {
        text.lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_once(':'))
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    let meminfo = fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_gib = field(&meminfo, "MemTotal")
        .split_whitespace()
        .next()
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0 / 1024.0);
    json!({
        "cores": thread::available_parallelism().map_or(1, |n| n.get()),
        "cpu": field(&cpuinfo, "model name"),
        "memory_gib": (mem_gib * 10.0).round() / 10.0,
        "kernel": output("uname", &["-sr"]).unwrap_or_default().trim(),
        "rustc": output("rustc", &["--version"]).unwrap_or_default().trim(),
    })
}

// ---------------------------------------------------------------------------
// 1. The model (criterion)

fn model(ctx: &Ctx) -> Result<Value, String> {
    let (warm_up, measure) = if ctx.quick { ("0.5", "1") } else { ("1", "4") };
    cmd(
        "cargo",
        &[
            "bench",
            "-p",
            "dk2020-model",
            "--bench",
            "model",
            "--",
            "--warm-up-time",
            warm_up,
            "--measurement-time",
            measure,
            "--noplot",
        ],
    )?;
    let median = |name: &str| -> Result<f64, String> {
        let path = ctx.target.join("criterion").join(name).join("new/estimates.json");
        let text = fs::read_to_string(&path).map_err(|e| format!("reading {}: {e}", path.display()))?;
        let v: Value = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        v["median"]["point_estimate"].as_f64().ok_or_else(|| format!("no median in {}", path.display()))
    };
    let what = [
        ("open_slots", "open slots, one municipality, 8 weeks, 150 bookings"),
        ("plan", "cost-sharing plan, 19 municipalities, 3 years"),
        ("overview", "enrolment overview"),
    ];
    let mut benches = Vec::new();
    for (name, description) in what {
        let ns = median(name)?;
        let baseline = median(&format!("{name}_baseline_json"))?;
        benches.push(json!({
            "name": name,
            "what": description,
            "median_ns": ns,
            "baseline": "serialising the same result to JSON",
            "baseline_median_ns": baseline,
            "ratio": ns / baseline,
            "goal_ns": 1_000_000,
            "met": ns < 1_000_000.0,
        }));
    }
    Ok(json!({ "benches": benches }))
}

// ---------------------------------------------------------------------------
// 2. API throughput and latency (wrk)

fn ensure_wrk() -> Result<(), String> {
    if Path::new("/usr/bin/wrk").exists() {
        return Ok(());
    }
    if cmd("apt-get", &["install", "-y", "wrk"]).is_err() {
        cmd("apt-get", &["update"])?;
        cmd("apt-get", &["install", "-y", "wrk"])?;
    }
    Ok(())
}

fn api(ctx: &Ctx) -> Result<Value, String> {
    ensure_wrk()?;
    let dir = ctx.tmp.join("api");
    let server = Server::serve(ctx, &dir, &dir.join("no-widget"))?;
    let tokens = Tokens::mint(ctx)?;
    let seeded = seed_bookings(&server.addr, &tokens)?;
    let slots_path = format!("/api/slots?municipality={SKIVE}&kind=onsite&from=2026-11-30&to=2027-01-25");
    let skive = tokens.municipality(SKIVE).to_string();
    let endpoints: Vec<(&str, String, Option<String>)> = vec![
        ("GET / (baseline: static landing page)", "/".into(), None),
        ("GET /api/slots (Skive, on-site, 8 weeks)", slots_path.clone(), Some(skive.clone())),
        ("GET /api/enrolment", "/api/enrolment".into(), None),
        ("GET /api/budget/allocation", "/api/budget/allocation".into(), None),
    ];
    // Each answers 200 before it is measured (a 401 or 422 would be fast and meaningless).
    for (name, path, token) in &endpoints {
        let (status, body) = http_call(&server.addr, "GET", path, token.as_deref(), None)?;
        if status != 200 {
            return Err(format!("{name}: {status} {}", String::from_utf8_lossy(&body)));
        }
    }
    let (_, slots) = http_call(&server.addr, "GET", &slots_path, Some(&skive), None)?;
    let slot_count = serde_json::from_slice::<Value>(&slots)
        .ok()
        .and_then(|v| v["slots"].as_array().map(Vec::len))
        .unwrap_or_default();
    let duration = if ctx.quick { 2 } else { 5 };
    // Warm up the server and the page cache.
    for (_, path, token) in &endpoints {
        wrk(&server.addr, path, token.as_deref(), 16, 1)?;
    }
    let mut rows = Vec::new();
    for connections in [1, 16, 64] {
        let mut baseline_rps = None;
        for (name, path, token) in &endpoints {
            let mut m = wrk(&server.addr, path, token.as_deref(), connections, duration)?;
            let rps = m["requests_per_second"].as_f64().unwrap_or_default();
            let base = *baseline_rps.get_or_insert(rps);
            m["endpoint"] = json!(name);
            m["path"] = json!(path);
            m["connections"] = json!(connections);
            m["fraction_of_baseline"] = json!(rps / base);
            rows.push(m);
        }
    }
    Ok(json!({
        "tool": "wrk",
        "seconds_per_cell": duration,
        "store": "SQLite (WAL, synchronous=FULL)",
        "bookings_in_store": seeded,
        "slots_returned": slot_count,
        "baseline": "GET / (the landing page: static, from memory, same binary)",
        "rows": rows,
    }))
}

/// 2 bookings for each municipality but Skive (whose slots are measured):
/// the store holds what the default cap allows. Returns how many were made.
fn seed_bookings(addr: &str, tokens: &Tokens) -> Result<usize, String> {
    let mut made = 0;
    for (i, &m) in MUNICIPALITIES.iter().filter(|&&m| m != SKIVE).enumerate() {
        for round in 0..2 {
            let kind = if (i + round) % 3 == 0 { "onsite" } else { "online" };
            let path = format!("/api/slots?municipality={m}&kind={kind}&from=2026-12-02&to=2027-01-25");
            let (status, body) = http_call(addr, "GET", &path, Some(tokens.municipality(m)), None)?;
            let slots: Value = serde_json::from_slice(&body).map_err(|e| format!("slots: {e}"))?;
            let Some(list) = slots["slots"].as_array().filter(|l| status == 200 && !l.is_empty()) else { continue };
            // Spread over the weeks: a different slot for each municipality.
            let slot = &list[(i * 7 + round * 13) % list.len()];
            let body = booking_body(m, kind, slot["start"].as_str().unwrap_or_default());
            let (status, _) = http_call(addr, "POST", "/api/bookings", Some(tokens.municipality(m)), Some(&body))?;
            if status == 201 {
                made += 1;
            }
        }
    }
    Ok(made)
}

fn booking_body(municipality: u16, kind: &str, start: &str) -> Value {
    json!({
        "municipality": municipality,
        "kind": kind,
        "start": start,
        "topic": "Klimahandleplan: CO2-opgørelse",
        "contact_name": "Anne Jensen",
        "contact_email": "anne.jensen@example.dk",
    })
}

/// One wrk run: requests/s and latency percentiles.
fn wrk(addr: &str, path: &str, token: Option<&str>, connections: u32, seconds: u32) -> Result<Value, String> {
    let threads = connections.min(2).to_string();
    let mut args = vec![
        "-t".to_string(),
        threads,
        "-c".into(),
        connections.to_string(),
        "-d".into(),
        format!("{seconds}s"),
        "--latency".into(),
    ];
    if let Some(token) = token {
        args.push("-H".into());
        args.push(format!("Authorization: Bearer {token}"));
    }
    args.push(format!("http://{addr}{path}"));
    let out = Command::new("wrk").args(&args).output().map_err(|e| format!("running wrk: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.status.success() {
        return Err(format!("wrk failed: {text}{}", String::from_utf8_lossy(&out.stderr)));
    }
    let mut percentiles = BTreeMap::new();
    let mut rps = None;
    let mut non_2xx = 0u64;
    let mut socket_errors = String::new();
    for line in text.lines().map(str::trim) {
        if let Some(rest) = line.strip_prefix("Requests/sec:") {
            rps = rest.trim().parse::<f64>().ok();
        } else if let Some(rest) = line.strip_prefix("Non-2xx or 3xx responses:") {
            non_2xx = rest.trim().parse().unwrap_or(u64::MAX);
        } else if line.starts_with("Socket errors:") {
            socket_errors = line.to_string();
        } else if let Some((p, value)) = line.split_once('%')
            && let (Ok(p), Some(ms)) = (p.trim().parse::<u32>(), duration_ms(value.trim()))
        {
            percentiles.insert(p, ms);
        }
    }
    let rps = rps.ok_or_else(|| format!("no Requests/sec in wrk's output:\n{text}"))?;
    if non_2xx > 0 {
        return Err(format!("{path}: {non_2xx} answers were not 2xx/3xx:\n{text}"));
    }
    Ok(json!({
        "requests_per_second": rps,
        "p50_ms": percentiles.get(&50),
        "p90_ms": percentiles.get(&90),
        "p99_ms": percentiles.get(&99),
        "socket_errors": socket_errors,
    }))
}

/// wrk's `1.23ms`, `456.00us`, `1.20s` in milliseconds.
fn duration_ms(text: &str) -> Option<f64> {
    let (number, factor) = if let Some(n) = text.strip_suffix("us") {
        (n, 0.001)
    } else if let Some(n) = text.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = text.strip_suffix('m') {
        (n, 60_000.0)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1000.0)
    } else {
        return None;
    };
    number.trim().parse::<f64>().ok().map(|n| n * factor)
}

// ---------------------------------------------------------------------------
// 3. Booking writes

fn writes(ctx: &Ctx) -> Result<Value, String> {
    let per_run: usize = if ctx.quick { 100 } else { 300 };
    let concurrency = 16;
    let dir = ctx.tmp.join("writes");
    let server = Server::serve(ctx, &dir, &dir.join("no-widget"))?;
    let tokens = Tokens::mint(ctx)?;
    // Room for many bookings: 15-minute online sessions back to back, a year ahead, 100 per municipality.
    let (status, current) =
        http_call(&server.addr, "GET", "/api/coordinator/availability", Some(&tokens.coordinator), None)?;
    if status != 200 {
        return Err(format!("GET availability: {status}"));
    }
    let mut availability: Value = serde_json::from_slice(&current).map_err(|e| e.to_string())?;
    for (key, value) in [
        ("cap_per_municipality", 100),
        ("horizon_days", 366),
        ("online_minutes", 15),
        ("buffer_minutes", 0),
        ("slot_step_minutes", 15),
    ] {
        availability["rules"][key] = json!(value);
    }
    let (status, body) = http_call(
        &server.addr,
        "PUT",
        "/api/coordinator/availability",
        Some(&tokens.coordinator),
        Some(&availability),
    )?;
    if status != 200 {
        return Err(format!("PUT availability: {status} {}", String::from_utf8_lossy(&body)));
    }
    // The starts to book: Skive's open online slots, 92 days at a time.
    let mut starts: Vec<String> = Vec::new();
    for (from, to) in [("2026-12-02", "2027-03-03"), ("2027-03-04", "2027-06-03")] {
        let path = format!("/api/slots?municipality={SKIVE}&kind=online&from={from}&to={to}");
        let (_, body) = http_call(&server.addr, "GET", &path, Some(tokens.municipality(SKIVE)), None)?;
        let slots: Value = serde_json::from_slice(&body).map_err(|e| e.to_string())?;
        starts.extend(
            slots["slots"].as_array().into_iter().flatten().filter_map(|s| s["start"].as_str().map(String::from)),
        );
        if starts.len() >= 2 * per_run {
            break;
        }
    }
    if starts.len() < 2 * per_run {
        return Err(format!("only {} open slots for {} bookings", starts.len(), 2 * per_run));
    }
    let requests: Vec<(String, Vec<u8>)> = starts
        .iter()
        .take(2 * per_run)
        .enumerate()
        .map(|(i, start)| {
            let m = MUNICIPALITIES[i % MUNICIPALITIES.len()];
            let body = booking_body(m, "online", start).to_string().into_bytes();
            (tokens.municipality(m).to_string(), body)
        })
        .collect();

    // One client, one keep-alive connection.
    let (sequential, concurrent) = requests.split_at(per_run);
    let started = Instant::now();
    post_all(&server.addr, sequential)?;
    let sequential_s = started.elapsed().as_secs_f64();
    // 16 clients at once, each with its own connection.
    let started = Instant::now();
    let chunk = concurrent.len().div_ceil(concurrency);
    let handles: Vec<_> = concurrent
        .chunks(chunk)
        .map(|part| {
            let part = part.to_vec();
            let addr = server.addr.clone();
            thread::spawn(move || post_all(&addr, &part))
        })
        .collect();
    for h in handles {
        h.join().map_err(|_| "a writer thread panicked".to_string())??;
    }
    let concurrent_s = started.elapsed().as_secs_f64();
    drop(server);

    // The plain loop, same number of rows, same disk.
    let out = Command::new(ctx.example("bench_sqlite"))
        .arg(dir.join("plain.sqlite"))
        .arg(per_run.to_string())
        .output()
        .map_err(|e| format!("running bench_sqlite: {e}"))?;
    if !out.status.success() {
        return Err(format!("bench_sqlite failed: {}", String::from_utf8_lossy(&out.stderr)));
    }
    let plain: Value = serde_json::from_slice(&out.stdout).map_err(|e| format!("bench_sqlite's output: {e}"))?;
    let plain_s = plain["seconds"].as_f64().ok_or("bench_sqlite: no seconds")?;
    let plain_rate = per_run as f64 / plain_s;
    let sequential_rate = per_run as f64 / sequential_s;
    let concurrent_rate = per_run as f64 / concurrent_s;
    Ok(json!({
        "bookings_per_run": per_run,
        "store": "SQLite (WAL, synchronous=FULL)",
        "api_one_client_per_second": sequential_rate,
        "api_16_clients_per_second": concurrent_rate,
        "plain_sqlite_inserts_per_second": plain_rate,
        "baseline": "plain loop of single-row SQLite inserts, WAL + synchronous=FULL, one transaction each",
        "fraction_one_client": sequential_rate / plain_rate,
        "fraction_16_clients": concurrent_rate / plain_rate,
        "goal_fraction": 0.5,
    }))
}

/// POSTs each (token, body) to `/api/bookings` over one keep-alive connection
/// (a client of its own, whose pool reuses the connection); all must be 201.
fn post_all(addr: &str, requests: &[(String, Vec<u8>)]) -> Result<(), String> {
    let client = Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(60))
        .build()
        .map_err(|e| format!("an HTTP client: {e}"))?;
    for (token, body) in requests {
        let response = client
            .post(format!("http://{addr}/api/bookings"))
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .map_err(|e| format!("POST /api/bookings: {e}"))?;
        let status = response.status().as_u16();
        // Read to the end: only a finished response gives the connection back to the pool.
        let answer = response.text().map_err(|e| format!("POST /api/bookings: {e}"))?;
        if status != 201 {
            return Err(format!("POST /api/bookings: {status} {answer}"));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// 4. Start-up

fn startup(ctx: &Ctx) -> Result<Value, String> {
    let runs = if ctx.quick { 5 } else { 20 };
    let dir = ctx.tmp.join("startup");
    fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let db = dir.join("dk2020.sqlite");
    // Create the database once (migrations and seed), so every measured start opens an existing file.
    drop(Server::serve_on(ctx, &db, &dir.join("no-widget"))?);

    let hello = ctx.example("bench_hello");
    let emulator = Emulator::start()?;
    let event = fs::read_to_string(root().join("backend/tests/fixtures/lambda/v2_get_health.json"))
        .unwrap_or_else(|_| HEALTH_EVENT.to_string());
    let mut times: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    for _ in 0..runs {
        // Interleaved, so that the machine's noise falls on all four alike.
        let port = free_port()?;
        let mut api = Command::new(ctx.api());
        api.arg("serve")
            .args(["--addr", &format!("127.0.0.1:{port}")])
            .arg("--db")
            .arg(&db)
            .arg("--widget-dir")
            .arg(dir.join("no-widget"))
            .env("DK2020_JWT_SECRET", SECRET)
            .env_remove("AWS_LAMBDA_RUNTIME_API")
            .env_remove("DK2020_STORE");
        times.entry("serve").or_default().push(time_to_health(api, port)?);

        let port = free_port()?;
        let mut baseline = Command::new(&hello);
        baseline.args(["--addr", &format!("127.0.0.1:{port}")]).env_remove("AWS_LAMBDA_RUNTIME_API");
        times.entry("serve_hello").or_default().push(time_to_health(baseline, port)?);

        let mut api = Command::new(ctx.api());
        api.env("DK2020_STORE", "sqlite").env("DK2020_DB", &db).env("DK2020_JWT_SECRET", SECRET);
        times.entry("lambda").or_default().push(emulator.time_to_response(api, &event)?);

        let baseline = Command::new(&hello);
        times.entry("lambda_hello").or_default().push(emulator.time_to_response(baseline, &event)?);
    }
    let median = |name: &str| median(&times[name]);
    Ok(json!({
        "runs": runs,
        "serve_median_ms": median("serve"),
        "serve_hello_median_ms": median("serve_hello"),
        "serve_ratio": median("serve") / median("serve_hello"),
        "lambda_median_ms": median("lambda"),
        "lambda_hello_median_ms": median("lambda_hello"),
        "lambda_ratio": median("lambda") / median("lambda_hello"),
        "lambda_store": "SQLite file (DK2020_STORE=sqlite), so the figure is the binary's, not a remote table's",
        "baseline": "hello-world axum binary (xtask/examples/bench_hello.rs), same release profile",
        "goal_ratio": 1.5,
        "times_ms": times,
    }))
}

fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// Milliseconds from spawning `command` (a server on `port`) to its first
/// 200 to `GET /api/health`; the process is killed afterwards.
fn time_to_health(mut command: Command, port: u16) -> Result<f64, String> {
    command.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null());
    let addr = format!("127.0.0.1:{port}");
    let started = Instant::now();
    let child = command.spawn().map_err(|e| format!("starting {command:?}: {e}"))?;
    let mut process = Proc(child);
    loop {
        if let Ok(Some(status)) = process.0.try_wait() {
            return Err(format!("{command:?} exited with {status} before answering"));
        }
        if let Ok((200, _)) = http_call(&addr, "GET", "/api/health", None, None) {
            return Ok(started.elapsed().as_secs_f64() * 1000.0);
        }
        if started.elapsed() > Duration::from_secs(30) {
            return Err(format!("{command:?} did not answer GET /api/health within 30 s"));
        }
        thread::sleep(Duration::from_micros(200));
    }
}

/// An API Gateway HTTP API (v2) event for `GET /api/health`, used when the
/// fixture of the Lambda tests is not there.
const HEALTH_EVENT: &str = r#"{"version":"2.0","routeKey":"$default","rawPath":"/api/health","rawQueryString":"",
"headers":{"accept":"application/json","host":"example.execute-api.eu-north-1.amazonaws.com"},
"requestContext":{"accountId":"123456789012","apiId":"example","domainName":"example.execute-api.eu-north-1.amazonaws.com",
"domainPrefix":"example","http":{"method":"GET","path":"/api/health","protocol":"HTTP/1.1","sourceIp":"203.0.113.19",
"userAgent":"bench"},"requestId":"bench","routeKey":"$default","stage":"$default","time":"30/Nov/2026:07:00:00 +0000",
"timeEpoch":1796022000000},"isBase64Encoded":false}"#;

/// The Lambda Runtime API emulation with one function process at a time.
struct Emulator {
    api: RuntimeApi,
    runs: std::cell::Cell<u64>,
}

impl Emulator {
    fn start() -> Result<Emulator, String> {
        Ok(Emulator { api: RuntimeApi::start()?, runs: std::cell::Cell::new(0) })
    }

    /// Milliseconds from spawning `command` as a Lambda function to its answer
    /// of the `GET /api/health` event (which must be a 200).
    fn time_to_response(&self, mut command: Command, event: &str) -> Result<f64, String> {
        let run = self.runs.get() + 1;
        self.runs.set(run);
        let id = format!("bench-{run}");
        // What the previous process reported after its answer is of no interest.
        self.api.discard_reports();
        self.api.invoke(&id, event);
        command
            .envs(lambda_environment(self.api.address(), "dk2020-api-bench"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let started = Instant::now();
        let child = command.spawn().map_err(|e| format!("starting {command:?}: {e}"))?;
        let mut process = Proc(child);
        loop {
            match self.api.next_report(Duration::from_millis(5)) {
                Some(Report::Response { id: answered, body, at }) if answered == id => {
                    let body = String::from_utf8_lossy(&body);
                    if !body.contains("\"statusCode\":200") {
                        return Err(format!("the Lambda answer is not a 200: {body}"));
                    }
                    return Ok(at.saturating_duration_since(started).as_secs_f64() * 1000.0);
                }
                Some(Report::Error { body, .. } | Report::InitError { body, .. }) => {
                    return Err(format!("the function reported an error: {}", String::from_utf8_lossy(&body)));
                }
                Some(_) => {}
                None => {
                    if let Ok(Some(status)) = process.0.try_wait() {
                        return Err(format!("{command:?} exited with {status} before answering"));
                    }
                    if started.elapsed() > Duration::from_secs(30) {
                        return Err(format!("{command:?} did not answer the event within 30 s"));
                    }
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------
// 5. The widget

fn widget(ctx: &Ctx) -> Result<Value, String> {
    let dir = root().join("target/widget");
    let loader = dir.join("dk2020-widget.js");
    if !loader.is_file() {
        return Err("target/widget is not built yet: run `cargo xtask widget`".into());
    }
    // The builds of the app (a folder with a wasm module each) and which view loads which.
    let mut bundles: Vec<String> = fs::read_dir(&dir)
        .map_err(|e| format!("reading {}: {e}", dir.display()))?
        .flatten()
        .filter(|e| e.path().is_dir())
        .filter(|e| {
            fs::read_dir(e.path())
                .into_iter()
                .flatten()
                .flatten()
                .any(|f| f.file_name().to_string_lossy().ends_with("_bg.wasm"))
        })
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    bundles.sort();
    if bundles.is_empty() {
        return Err("target/widget has no wasm module yet".into());
    }
    let bundle_of = |view: &str| -> String {
        let preferred: &[&str] = if view == "booking" { &["booking", "full", "pkg"] } else { &["full", "pkg"] };
        preferred.iter().find(|b| bundles.iter().any(|x| x == *b)).map_or_else(|| bundles[0].clone(), |b| b.to_string())
    };
    venv::install(&[BROTLI])?;
    let mut files_cache: BTreeMap<PathBuf, Value> = BTreeMap::new();
    let mut views = Vec::new();
    for view in ["booking", "overview", "budget", "coordinator", "secretariat"] {
        let bundle = bundle_of(view);
        let mut files = vec![loader.clone()];
        let mut in_bundle: Vec<PathBuf> = fs::read_dir(dir.join(&bundle))
            .map_err(|e| e.to_string())?
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "js" || x == "wasm" || x == "css"))
            .collect();
        in_bundle.sort();
        files.extend(in_bundle);
        files.extend(
            fs::read_dir(&dir)
                .map_err(|e| e.to_string())?
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "css")),
        );
        let (mut raw, mut gzip, mut brotli) = (0u64, 0u64, 0u64);
        let mut listed = Vec::new();
        for file in &files {
            if !files_cache.contains_key(file) {
                files_cache.insert(file.clone(), sizes(file)?);
            }
            let s = &files_cache[file];
            raw += s["raw"].as_u64().unwrap_or_default();
            gzip += s["gzip"].as_u64().unwrap_or_default();
            brotli += s["brotli"].as_u64().unwrap_or_default();
            listed.push(file.strip_prefix(&dir).unwrap_or(file).to_string_lossy().into_owned());
        }
        views.push(json!({
            "view": view,
            "bundle": bundle,
            "files": listed,
            "raw": raw,
            "gzip": gzip,
            "brotli": brotli,
            "goal_gzip": if view == "booking" { json!(150 * 1024) } else { Value::Null },
        }));
    }
    let files: BTreeMap<String, Value> = files_cache
        .into_iter()
        .map(|(p, v)| (p.strip_prefix(&dir).unwrap_or(&p).to_string_lossy().into_owned(), v))
        .collect();
    let timing = match page_timing(ctx, &dir) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("xtask: widget timing pending: {e}");
            json!({"pending": e})
        }
    };
    Ok(json!({
        "views": views,
        "files": files,
        "css": "inlined into the app (a shadow-root style element), so no separate CSS file is loaded",
        "timing": timing,
    }))
}

/// Raw, `gzip -9` and brotli (quality 11) sizes of a file.
fn sizes(file: &Path) -> Result<Value, String> {
    let raw = fs::metadata(file).map_err(|e| format!("{}: {e}", file.display()))?.len();
    let gz = Command::new("gzip").arg("-9").arg("-c").arg(file).output().map_err(|e| format!("gzip: {e}"))?;
    if !gz.status.success() {
        return Err(format!("gzip -9 {} failed", file.display()));
    }
    let script = "import brotli, sys; print(len(brotli.compress(open(sys.argv[1], 'rb').read(), quality=11)))";
    let br = Command::new(venv::bin("python"))
        .args(["-c", script])
        .arg(file)
        .output()
        .map_err(|e| format!("python brotli: {e}"))?;
    let brotli: u64 = String::from_utf8_lossy(&br.stdout)
        .trim()
        .parse()
        .map_err(|_| format!("brotli of {} failed: {}", file.display(), String::from_utf8_lossy(&br.stderr)))?;
    Ok(json!({"raw": raw, "gzip": gz.stdout.len(), "brotli": brotli}))
}

/// Headless Chromium (a fresh profile each time, driven by ChromeDriver):
/// navigation start to the first slot button in the booking widget on the demo
/// intranet page, and to the load event of the same page without its scripts.
fn page_timing(ctx: &Ctx, widget_dir: &Path) -> Result<Value, String> {
    for tool in [CHROMIUM, CHROMEDRIVER] {
        if !Path::new(tool).exists() {
            return Err(format!("{tool} is not installed (`cargo xtask test` installs it)"));
        }
    }
    let demo = widget_dir.join("demo/intranet.html");
    let html = fs::read_to_string(&demo).map_err(|e| format!("{}: {e}", demo.display()))?;
    // A copy of the widget folder with the static-only page beside the demo page.
    let copy = ctx.tmp.join("widget");
    copy_dir(widget_dir, &copy)?;
    fs::write(copy.join("demo/intranet-static.html"), strip_scripts(&html)).map_err(|e| e.to_string())?;
    let dir = ctx.tmp.join("page");
    let server = Server::serve(ctx, &dir, &copy)?;
    let token = Tokens::mint(ctx)?.municipality(SKIVE).to_string();
    let runs = if ctx.quick { 3 } else { 10 };
    let driver = Driver::start(&dir)?;
    let widget_url = format!("http://{}/demo/intranet.html?token={token}", server.addr);
    let static_url = format!("http://{}/demo/intranet-static.html?token={token}", server.addr);
    let mut widget_ms = Vec::new();
    let mut static_ms = Vec::new();
    let mut early = 0;
    for run in 0..runs {
        let profile = dir.join(format!("profile-{run}"));
        let (ms, was_early) = driver.measure(&profile, &widget_url, FIRST_SLOT_SCRIPT)?;
        widget_ms.push(ms);
        early += usize::from(was_early);
        let (ms, _) = driver.measure(&dir.join(format!("profile-static-{run}")), &static_url, LOAD_SCRIPT)?;
        static_ms.push(ms);
    }
    Ok(json!({
        "runs": runs,
        "page": "/demo/intranet.html (booking and overview widgets)",
        "first_slot_median_ms": median(&widget_ms),
        "static_html_load_median_ms": median(&static_ms),
        "first_slot_ms": widget_ms,
        "static_html_load_ms": static_ms,
        "slot_already_there_at_first_look": early,
        "browser": output(CHROMIUM, &["--version"]).unwrap_or_default().trim(),
    }))
}

fn copy_dir(from: &Path, to: &Path) -> Result<(), String> {
    fs::create_dir_all(to).map_err(|e| format!("creating {}: {e}", to.display()))?;
    for entry in fs::read_dir(from).map_err(|e| format!("reading {}: {e}", from.display()))?.flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            fs::copy(entry.path(), &target).map_err(|e| format!("copying {}: {e}", entry.path().display()))?;
        }
    }
    Ok(())
}

/// The page without any `<script>` element: only its static HTML and CSS.
fn strip_scripts(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        out.push_str(&rest[..start]);
        match rest[start..].find("</script>") {
            Some(end) => rest = &rest[start + end + "</script>".len()..],
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// Waits (polling every 2 ms) for the first slot button in the booking
/// widget's shadow root; returns `[ms since navigation start, whether it was
/// already there at the first look]`.
const FIRST_SLOT_SCRIPT: &str = r#"
const done = arguments[arguments.length - 1];
const started = Date.now();
const found = () => {
  const host = document.querySelector('dk2020-widget#booking') || document.querySelector('dk2020-widget');
  return !!(host && host.shadowRoot && host.shadowRoot.querySelector('button.slot'));
};
const early = found();
(function poll() {
  if (found()) { done([performance.now(), early]); return; }
  if (Date.now() - started > 30000) { done(null); return; }
  setTimeout(poll, 2);
})();
"#;

/// Waits for the load event's end; returns `[loadEventEnd, false]`.
const LOAD_SCRIPT: &str = r#"
const done = arguments[arguments.length - 1];
const started = Date.now();
(function poll() {
  const nav = performance.getEntriesByType('navigation')[0];
  if (nav && nav.loadEventEnd > 0) { done([nav.loadEventEnd, false]); return; }
  if (Date.now() - started > 30000) { done(null); return; }
  setTimeout(poll, 2);
})();
"#;

/// ChromeDriver (its log in `dir`); a new Chromium with a fresh profile per measurement.
struct Driver {
    driver: webdriver::ChromeDriver,
}

impl Driver {
    fn start(dir: &Path) -> Result<Driver, String> {
        fs::create_dir_all(dir).map_err(|e| e.to_string())?;
        let log = fs::File::create(dir.join("chromedriver.log")).map_err(|e| e.to_string())?;
        Ok(Driver { driver: webdriver::ChromeDriver::start(Path::new(CHROMEDRIVER), log.into())? })
    }

    /// Opens `url` in a new browser with the profile `profile` and runs `script` (async).
    fn measure(&self, profile: &Path, url: &str, script: &str) -> Result<(f64, bool), String> {
        let chromium = webdriver::Chromium {
            binary: CHROMIUM.into(),
            profile: profile.to_path_buf(),
            window: (1280, 900),
            lang: None,
            eager: true,
        };
        let session = webdriver::Session::start(&self.driver, &chromium)?;
        session.set_timeouts(Duration::from_secs(40), Duration::from_secs(40))?;
        session.goto(url)?;
        let value = session.execute_async(script, Vec::new())?;
        let ms = value[0].as_f64().ok_or_else(|| format!("{url}: nothing rendered within 30 s ({value})"))?;
        Ok((ms, value[1].as_bool().unwrap_or(false)))
    }
}

// ---------------------------------------------------------------------------
// Servers, tokens, HTTP

/// A child process, killed when dropped.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `dk2020-api serve` (release) on a free port with the bench clock and secret.
struct Server {
    addr: String,
    _process: Proc,
}

impl Server {
    fn serve(ctx: &Ctx, dir: &Path, widget_dir: &Path) -> Result<Server, String> {
        Self::serve_on(ctx, &dir.join("dk2020.sqlite"), widget_dir)
    }

    fn serve_on(ctx: &Ctx, db: &Path, widget_dir: &Path) -> Result<Server, String> {
        let dir = db.parent().ok_or("the database has a folder")?;
        fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
        let port = free_port()?;
        let log = fs::File::create(dir.join("server.log")).map_err(|e| e.to_string())?;
        let child = Command::new(ctx.api())
            .arg("serve")
            .args(["--addr", &format!("127.0.0.1:{port}")])
            .arg("--db")
            .arg(db)
            .arg("--widget-dir")
            .arg(widget_dir)
            .env("DK2020_JWT_SECRET", SECRET)
            .env("DK2020_NOW", NOW)
            .env_remove("AWS_LAMBDA_RUNTIME_API")
            .env_remove("DK2020_STORE")
            .env_remove("DK2020_ALLOWED_ORIGINS")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .map_err(|e| format!("starting {}: {e}", ctx.api().display()))?;
        let server = Server { addr: format!("127.0.0.1:{port}"), _process: Proc(child) };
        let started = Instant::now();
        while http_call(&server.addr, "GET", "/api/health", None, None).map(|(s, _)| s) != Ok(200) {
            if started.elapsed() > Duration::from_secs(30) {
                let log = fs::read_to_string(dir.join("server.log")).unwrap_or_default();
                return Err(format!("dk2020-api serve did not come up within 30 s:\n{log}"));
            }
            thread::sleep(Duration::from_millis(10));
        }
        Ok(server)
    }
}

/// Tokens minted by the binary (`dk2020-api token`) with the bench secret.
struct Tokens {
    coordinator: String,
    municipalities: BTreeMap<u16, String>,
}

impl Tokens {
    fn mint(ctx: &Ctx) -> Result<Tokens, String> {
        let mint = |args: &[&str]| -> Result<String, String> {
            let out = Command::new(ctx.api())
                .arg("token")
                .args(args)
                .env("DK2020_JWT_SECRET", SECRET)
                .env_remove("AWS_LAMBDA_RUNTIME_API")
                .output()
                .map_err(|e| format!("dk2020-api token: {e}"))?;
            if !out.status.success() {
                return Err(format!("dk2020-api token {args:?}: {}", String::from_utf8_lossy(&out.stderr)));
            }
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
        };
        let mut municipalities = BTreeMap::new();
        for m in MUNICIPALITIES {
            municipalities.insert(m, mint(&["--role", "municipality", "--municipality", &m.to_string()])?);
        }
        Ok(Tokens { coordinator: mint(&["--role", "coordinator"])?, municipalities })
    }

    fn municipality(&self, code: u16) -> &str {
        &self.municipalities[&code]
    }
}

fn free_port() -> Result<u16, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("finding a free port: {e}"))?;
    listener.local_addr().map(|a| a.port()).map_err(|e| e.to_string())
}

/// One request on a connection of its own (the shared client keeps no idle
/// connections, so a server started on a reused port is never asked on a
/// stale one): (status, body).
fn http_call(
    addr: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> Result<(u16, Vec<u8>), String> {
    static CLIENT: OnceLock<Client> = OnceLock::new();
    let client = match CLIENT.get() {
        Some(client) => client,
        None => {
            let client = Client::builder()
                .no_proxy()
                .pool_max_idle_per_host(0)
                .timeout(Duration::from_secs(60))
                .build()
                .map_err(|e| format!("an HTTP client: {e}"))?;
            CLIENT.get_or_init(|| client)
        }
    };
    let method = reqwest::Method::from_bytes(method.as_bytes()).map_err(|e| format!("{method}: {e}"))?;
    let mut request = client.request(method.clone(), format!("http://{addr}{path}"));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(body);
    }
    let response = request.send().map_err(|e| format!("{method} {path}: {e}"))?;
    let status = response.status().as_u16();
    let body = response.bytes().map_err(|e| format!("{method} {path}: {e}"))?;
    Ok((status, body.to_vec()))
}

// ---------------------------------------------------------------------------
// The table

fn f(value: &Value) -> f64 {
    value.as_f64().unwrap_or(f64::NAN)
}

fn ms(value: f64) -> String {
    if value < 1.0 { format!("{:.0} µs", value * 1000.0) } else { format!("{value:.1} ms") }
}

fn yes(met: bool) -> &'static str {
    if met { "yes" } else { "**no**" }
}

fn kb(bytes: f64) -> String {
    format!("{:.1} KB", bytes / 1024.0)
}

fn pending(section: &Value) -> Option<String> {
    section.get("pending").and_then(Value::as_str).map(|p| format!("_pending: {p}_\n"))
}

/// The results as Markdown (the README's "Performance" section body).
fn render(r: &Value) -> String {
    let m = &r["machine"];
    let mut t = String::new();
    t.push_str(&format!(
        "Measured {} by `cargo xtask bench`{} on {} cores ({}), {} GiB RAM, {}; {}. \
         Release build, SQLite store. Every figure next to a baseline from the same run.\n\n",
        r["date"].as_str().unwrap_or("?"),
        if r["quick"].as_bool() == Some(true) { " --quick" } else { "" },
        m["cores"],
        m["cpu"].as_str().unwrap_or("?"),
        m["memory_gib"],
        m["kernel"].as_str().unwrap_or("?"),
        m["rustc"].as_str().unwrap_or("?"),
    ));

    if let Some(model) = r.get("model") {
        t.push_str("**Model** (criterion, median; baseline: serialising the same result to JSON)\n\n");
        match pending(model) {
            Some(p) => t.push_str(&p),
            None => {
                t.push_str("| computation | time | baseline | ratio | goal < 1 ms |\n|---|---:|---:|---:|:--:|\n");
                for b in model["benches"].as_array().into_iter().flatten() {
                    t.push_str(&format!(
                        "| {} | {} | {} | {:.1}x | {} |\n",
                        b["what"].as_str().unwrap_or("?"),
                        ms(f(&b["median_ns"]) / 1e6),
                        ms(f(&b["baseline_median_ns"]) / 1e6),
                        f(&b["ratio"]),
                        yes(b["met"].as_bool() == Some(true)),
                    ));
                }
            }
        }
        t.push('\n');
    }

    if let Some(api) = r.get("api") {
        t.push_str(&format!(
            "**API** (wrk, {} s per cell, wrk and server on the same cores; baseline: `GET /`, the static landing page of the same binary)\n\n",
            api["seconds_per_cell"]
        ));
        match pending(api) {
            Some(p) => t.push_str(&p),
            None => {
                t.push_str("| endpoint | conns | req/s | p50 | p99 | of baseline | goals (≥ 50%; p99 < 5 ms at 16) |\n|---|---:|---:|---:|---:|---:|:--:|\n");
                for row in api["rows"].as_array().into_iter().flatten() {
                    let baseline = row["path"] == "/";
                    let fraction = f(&row["fraction_of_baseline"]);
                    let conns = row["connections"].as_u64().unwrap_or_default();
                    let p99 = f(&row["p99_ms"]);
                    let goal = if baseline {
                        "—".to_string()
                    } else {
                        let mut g = yes(fraction >= 0.5).to_string();
                        if conns == 16 {
                            g = format!("{g} / {}", yes(p99 < 5.0));
                        }
                        g
                    };
                    t.push_str(&format!(
                        "| {} | {} | {:.0} | {} | {} | {:.0}% | {} |\n",
                        row["endpoint"].as_str().unwrap_or("?"),
                        conns,
                        f(&row["requests_per_second"]),
                        ms(f(&row["p50_ms"])),
                        ms(p99),
                        fraction * 100.0,
                        goal,
                    ));
                }
                t.push_str(&format!(
                    "\nThe store held {} bookings; the slots answer listed {} slots.\n",
                    api["bookings_in_store"], api["slots_returned"]
                ));
            }
        }
        t.push('\n');
    }

    if let Some(w) = r.get("writes") {
        t.push_str("**Booking writes** (`POST /api/bookings`, WAL + `synchronous=FULL`; baseline: a plain loop of single-row SQLite inserts with the same durability, one transaction each)\n\n");
        match pending(w) {
            Some(p) => t.push_str(&p),
            None => {
                let plain = f(&w["plain_sqlite_inserts_per_second"]);
                t.push_str("| what | per second | of baseline | goal ≥ 50% |\n|---|---:|---:|:--:|\n");
                t.push_str(&format!("| plain SQLite inserts (baseline) | {plain:.0} | 100% | — |\n"));
                for (label, key, fraction) in [
                    ("bookings through the API, 1 client", "api_one_client_per_second", "fraction_one_client"),
                    ("bookings through the API, 16 clients", "api_16_clients_per_second", "fraction_16_clients"),
                ] {
                    let fr = f(&w[fraction]);
                    t.push_str(&format!("| {label} | {:.0} | {:.0}% | {} |\n", f(&w[key]), fr * 100.0, yes(fr >= 0.5)));
                }
                t.push_str(&format!("\n{} bookings per run.\n", w["bookings_per_run"]));
            }
        }
        t.push('\n');
    }

    if let Some(s) = r.get("startup") {
        t.push_str(&format!(
            "**Start-up** (process start to the first answered `GET /api/health`, median of {}; baseline: a hello-world axum binary, same profile)\n\n",
            s["runs"]
        ));
        match pending(s) {
            Some(p) => t.push_str(&p),
            None => {
                t.push_str("| mode | dk2020-api | hello-world | ratio | goal ≤ 1.5x |\n|---|---:|---:|---:|:--:|\n");
                for (label, a, b, ratio) in [
                    ("`serve` (SQLite file)", "serve_median_ms", "serve_hello_median_ms", "serve_ratio"),
                    (
                        "Lambda, runtime API emulated (SQLite store)",
                        "lambda_median_ms",
                        "lambda_hello_median_ms",
                        "lambda_ratio",
                    ),
                ] {
                    let ratio = f(&s[ratio]);
                    t.push_str(&format!(
                        "| {label} | {} | {} | {ratio:.2}x | {} |\n",
                        ms(f(&s[a])),
                        ms(f(&s[b])),
                        yes(ratio <= 1.5)
                    ));
                }
            }
        }
        t.push('\n');
    }

    if let Some(w) = r.get("widget") {
        t.push_str("**Widget** (what each view loads from `target/widget`: the loader, the app's JS glue and wasm; CSS is inlined)\n\n");
        match pending(w) {
            Some(p) => t.push_str(&p),
            None => {
                t.push_str("| view | build | raw | gzip -9 | brotli | goal (booking ≤ 150 KB gzip) |\n|---|---|---:|---:|---:|:--:|\n");
                for v in w["views"].as_array().into_iter().flatten() {
                    let gzip = f(&v["gzip"]);
                    let goal = if v["goal_gzip"].is_null() { "—" } else { yes(gzip <= f(&v["goal_gzip"])) };
                    t.push_str(&format!(
                        "| {} | {} | {} | {} | {} | {} |\n",
                        v["view"].as_str().unwrap_or("?"),
                        v["bundle"].as_str().unwrap_or("?"),
                        kb(f(&v["raw"])),
                        kb(gzip),
                        kb(f(&v["brotli"])),
                        goal
                    ));
                }
                let timing = &w["timing"];
                t.push('\n');
                match pending(timing) {
                    Some(p) => t.push_str(&format!("Time in headless Chromium: {p}")),
                    None => t.push_str(&format!(
                        "Headless Chromium ({}), fresh profile each run, median of {}: navigation start to the first slot on \
                         `/demo/intranet.html` **{}**; the same page with only its static HTML (load event) {}.\n",
                        timing["browser"].as_str().unwrap_or("?"),
                        timing["runs"],
                        ms(f(&timing["first_slot_median_ms"])),
                        ms(f(&timing["static_html_load_median_ms"])),
                    )),
                }
            }
        }
        t.push('\n');
    }
    t
}

const README_START: &str = "<!-- bench:start (cargo xtask bench --update-readme) -->";
const README_END: &str = "<!-- bench:end -->";

/// Puts `table` between the markers in README.md's "Performance" section
/// (adding the section at the end when it is missing).
fn update_readme_section(table: &str) -> Result<(), String> {
    let path = root().join("README.md");
    let readme = fs::read_to_string(&path).map_err(|e| format!("reading README.md: {e}"))?;
    let block = format!("{README_START}\n{}\n{README_END}", table.trim_end());
    let updated = match (readme.find(README_START), readme.find(README_END)) {
        (Some(start), Some(end)) if start < end => {
            format!("{}{block}{}", &readme[..start], &readme[end + README_END.len()..])
        }
        _ => format!("{}\n\n## Performance\n\n{block}\n", readme.trim_end()),
    };
    fs::write(&path, updated).map_err(|e| format!("writing README.md: {e}"))
}
