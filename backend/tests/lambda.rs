//! The Lambda entry point, driven by checked-in API Gateway events.
//!
//! Every fixture in `tests/fixtures/lambda/` is a real event shape (HTTP API
//! payload format 2.0 in `v2_*.json`, a REST API proxy event in `v1_*.json`,
//! like aws-lambda-rust-runtime's `lambda-http/tests/data/`). Each one takes
//! the path `lambda_http::run(lambda::handler(router))` takes in Lambda:
//! the JSON is deserialized into `lambda_http::request::LambdaRequest` (what
//! `lambda_runtime` does with the invocation body), handed to
//! `lambda_http::Adapter` (what `lambda_http::run` wraps the service in: it
//! turns the event into an `http::Request<lambda_http::Body>`, calls the
//! service and turns the response into the event response of the request's
//! origin), and the `LambdaResponse` is serialized to the JSON Lambda would
//! return to API Gateway. The Router is the one `lambda::router_from_config`
//! builds, on a fresh SQLite file, with a test secret and the clock pinned to
//! [`NOW`].
//!
//! To add a fixture:
//! 1. Copy the closest `v2_*.json` (or `v1_*.json`) and change `rawPath` and
//!    `requestContext.http.path` (both, same value), `rawQueryString` and
//!    `queryStringParameters`, `requestContext.http.method`, the headers (lower
//!    case in v2) and `body`/`isBase64Encoded`. Keep `stage` `$default` unless
//!    the test is about stages (then `rawPath` starts with `/{stage}`).
//! 2. Write `Bearer __TOKEN__` where a valid token is needed: [`Lambda::fixture`]
//!    puts a freshly minted token for Skive Kommune (779) in its place.
//! 3. Add the file name to [`FIXTURES`] (a test checks the list and the
//!    directory agree) and a test that calls [`Lambda::invoke`] with it and
//!    asserts status, headers and body.

use std::{collections::BTreeSet, path::PathBuf, sync::Arc};

use dk2020_api::{
    auth::TokenKeys,
    config,
    lambda::{self, LambdaConfig},
    state::Clock,
    store::SqliteStore,
};
use dk2020_model::{Actor, MunicipalityCode};
use jiff::{SignedDuration, Timestamp};
use lambda_http::{
    Adapter, Body, Context, LambdaEvent,
    request::{LambdaRequest, RequestOrigin},
    tower::{Service, ServiceExt},
};
use serde_json::Value;

/// Every fixture file, each used by a test below.
const FIXTURES: &[&str] = &[
    "v1_rest_get_budget_allocation.json",
    "v2_bad_token.json",
    "v2_get_budget_allocation_csv.json",
    "v2_get_budget_allocation_xlsx.json",
    "v2_get_enrolment.json",
    "v2_get_health.json",
    "v2_get_slots.json",
    "v2_named_stage_health.json",
    "v2_post_booking.json",
    "v2_post_booking_base64.json",
    "v2_preflight.json",
    "v2_preflight_foreign_origin.json",
    "v2_unknown_path.json",
];

const SECRET: &str = "lambda-fixture-test-secret-0123456789abcdef";
/// The only origin `DK2020_ALLOWED_ORIGINS` lists in these tests.
const ORIGIN: &str = "https://intranet.skive.dk";
/// "Now" for the slots and the booking rules (`DK2020_NOW`).
const NOW: &str = "2026-11-30T08:00:00+01:00";

fn now() -> Timestamp {
    NOW.parse().expect("an RFC 3339 time")
}
/// The start the booking fixtures book (Thursday, 3 days after [`NOW`]).
const BOOKED_START: &str = "2026-12-03T10:30:00+01:00";
const BOOKED_END: &str = "2026-12-03T12:00:00+01:00";
const SKIVE: u16 = 779;
const SAMSOE: u16 = 741;

const SECURITY_HEADERS: [(&str, &str); 5] = [
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
    ("x-frame-options", "DENY"),
    ("strict-transport-security", "max-age=31536000"),
    ("cross-origin-resource-policy", "cross-origin"),
];

fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lambda")
}

/// The Lambda handler over a fresh store, and the keys to mint tokens with.
struct Lambda {
    handler: lambda::Handler,
    keys: TokenKeys,
    _dir: tempfile::TempDir,
}

impl Lambda {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        // What `Config::open_store` opens for DK2020_STORE=sqlite, DK2020_DB=<file>.
        let store = SqliteStore::open(dir.path().join("dk2020.sqlite")).expect("a new SQLite store");
        let keys = TokenKeys::new(SECRET).expect("a long enough secret");
        let config = LambdaConfig {
            store: Arc::new(store),
            keys: keys.clone(),
            clock: Clock::Fixed(now()),
            allowed_origins: config::parse_origins(ORIGIN).expect("an origin"),
            mail_defaults: dk2020_api::state::default_mail_settings(),
            calendar_fetch: Default::default(),
            sign_in: Default::default(),
            privacy: Default::default(),
        };
        Self { handler: lambda::handler(lambda::router_from_config(config)), keys, _dir: dir }
    }

    /// The fixture's text with `__TOKEN__` replaced by a valid token for Skive.
    /// (JWT expiry is checked against the app's pinned clock, so it is minted from it.)
    fn fixture(&self, name: &str) -> String {
        let text = std::fs::read_to_string(fixture_dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        let skive = Actor::Municipality { municipality: MunicipalityCode::new(SKIVE).unwrap() };
        text.replace("__TOKEN__", &self.keys.issue(skive, 1, now().as_second()))
    }

    /// Runs the fixture through `lambda_http::Adapter` as `lambda_http::run`
    /// does and returns the JSON Lambda would send back to API Gateway.
    async fn invoke(&self, name: &str) -> Reply {
        let payload: LambdaRequest =
            serde_json::from_str(&self.fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        let v2 = match payload.request_origin() {
            RequestOrigin::ApiGatewayV2 => true,
            RequestOrigin::ApiGatewayV1 => false,
            other => panic!("{name}: not an API Gateway event but {other:?}"),
        };
        let mut adapter = Adapter::from(self.handler.clone());
        let event = LambdaEvent::new(payload, Context::default());
        let response = adapter.ready().await.unwrap().call(event).await.unwrap();
        let raw = serde_json::to_value(&response).expect("the Lambda response serializes");
        Reply::new(name, v2, raw)
    }
}

/// A serialized Lambda response (API Gateway v2 or v1 shape).
#[derive(Debug)]
struct Reply {
    name: String,
    raw: Value,
}

impl Reply {
    fn new(name: &str, v2: bool, raw: Value) -> Self {
        let obj = raw.as_object().unwrap_or_else(|| panic!("{name}: the response is not an object: {raw}"));
        assert!(obj["statusCode"].is_u64(), "{name}: statusCode in {raw}");
        assert!(obj["isBase64Encoded"].is_boolean(), "{name}: isBase64Encoded in {raw}");
        if v2 {
            // Payload format 2.0: single-valued headers, cookies apart.
            assert!(obj["headers"].as_object().unwrap().values().all(Value::is_string), "{name}: {raw}");
            assert_eq!(obj["cookies"], serde_json::json!([]), "{name}: no cookies are set");
        } else {
            // REST: everything in multiValueHeaders, `headers` left empty so
            // API Gateway does not merge duplicates.
            assert_eq!(obj["headers"], serde_json::json!({}), "{name}: {raw}");
            assert!(obj["multiValueHeaders"].as_object().unwrap().values().all(Value::is_array), "{name}: {raw}");
        }
        Self { name: name.to_string(), raw }
    }

    fn status(&self) -> u64 {
        self.raw["statusCode"].as_u64().unwrap()
    }

    fn is_base64(&self) -> bool {
        self.raw["isBase64Encoded"].as_bool().unwrap()
    }

    fn header(&self, name: &str) -> Option<&str> {
        if let Some(v) = self.raw["headers"].get(name) {
            return v.as_str();
        }
        self.raw["multiValueHeaders"].get(name).and_then(|v| v[0].as_str())
    }

    fn expect_header(&self, name: &str) -> &str {
        self.header(name).unwrap_or_else(|| panic!("{}: no {name} header in {}", self.name, self.raw))
    }

    /// The body as text, absent for an empty body.
    fn text(&self) -> Option<&str> {
        self.raw.get("body").and_then(Value::as_str)
    }

    /// The body's bytes, base64-decoded the way API Gateway decodes it.
    fn bytes(&self) -> Vec<u8> {
        let text = self.text().unwrap_or_default();
        Body::from_maybe_encoded(self.is_base64(), text).to_vec()
    }

    fn json(&self) -> Value {
        assert_eq!(self.expect_header("content-type"), "application/json", "{}", self.name);
        assert!(!self.is_base64(), "{}: JSON goes back as text", self.name);
        serde_json::from_str(self.text().expect("a body")).unwrap_or_else(|e| panic!("{}: {e}", self.name))
    }

    fn assert_status(&self, status: u64) -> &Self {
        assert_eq!(self.status(), status, "{}: {}", self.name, self.raw);
        self
    }

    fn assert_security_headers(&self) -> &Self {
        for (name, value) in SECURITY_HEADERS {
            assert_eq!(self.header(name), Some(value), "{}: {name}", self.name);
        }
        self
    }

    fn assert_error(&self, status: u64, code: &str) {
        self.assert_status(status).assert_security_headers();
        let body = self.json();
        assert_eq!(body["error"]["code"], code, "{}: {body}", self.name);
        assert!(body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{}: {body}", self.name);
    }
}

#[test]
fn the_fixture_list_and_the_directory_agree() {
    let on_disk: BTreeSet<String> = std::fs::read_dir(fixture_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".json"))
        .collect();
    let listed: BTreeSet<String> = FIXTURES.iter().map(|s| s.to_string()).collect();
    assert_eq!(on_disk, listed, "add new fixtures to FIXTURES (and a test)");
}

/// Every fixture reads with `lambda_http::request::from_str` into the request
/// the service gets: method, path and query from the event, the host of the
/// API, and the token in place.
#[test]
fn every_fixture_reads_with_lambda_http() {
    let lambda = Lambda::new();
    for name in FIXTURES {
        let text = lambda.fixture(name);
        assert!(!text.contains("__TOKEN__"));
        let request = lambda_http::request::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let event: Value = serde_json::from_str(&text).unwrap();
        let (method, path) = if name.starts_with("v2_") {
            assert_eq!(event["version"], "2.0", "{name}");
            (event["requestContext"]["http"]["method"].as_str(), event["rawPath"].as_str())
        } else {
            (event["httpMethod"].as_str(), event["path"].as_str())
        };
        assert_eq!(request.method().as_str(), method.unwrap(), "{name}");
        let stage = event["requestContext"]["stage"].as_str().unwrap();
        let expected_path = match (stage, path.unwrap()) {
            ("$default", path) => path.to_string(),
            (stage, path) if path.starts_with(&format!("/{stage}/")) => path.to_string(),
            // What `lambda_http` does to a REST API's path: the stage goes in front.
            (stage, path) => format!("/{stage}{path}"),
        };
        assert_eq!(request.uri().path(), expected_path, "{name}");
        assert!(request.uri().host().is_some_and(|h| h.ends_with(".execute-api.eu-north-1.amazonaws.com")), "{name}");
        if let Some(query) = event["rawQueryString"].as_str().filter(|q| !q.is_empty()) {
            assert_eq!(request.uri().query(), Some(query), "{name}");
        }
        if text.contains("Bearer ") && !name.contains("bad_token") {
            let header = request.headers()["authorization"].to_str().unwrap();
            let token = header.strip_prefix("Bearer ").unwrap();
            assert!(lambda.keys.verify(token, now()).is_ok(), "{name}: the substituted token is valid");
        }
    }
}

/// `lambda::without_stage` gives the Router `/api/…` whatever the stage.
#[test]
fn the_stage_is_taken_off_the_path() {
    let lambda = Lambda::new();
    for (name, expected) in [
        ("v2_named_stage_health.json", "/api/health"),
        ("v1_rest_get_budget_allocation.json", "/api/budget/allocation"),
    ] {
        let request = lambda_http::request::from_str(&lambda.fixture(name)).unwrap();
        assert!(request.uri().path().starts_with("/prod/api/"), "{name}: lambda_http hands over {}", request.uri());
        let request = lambda::without_stage(request);
        assert_eq!(request.uri().path(), expected, "{name}");
    }
    let request = lambda_http::request::from_str(&lambda.fixture("v2_get_budget_allocation_csv.json")).unwrap();
    let before = request.uri().clone();
    assert_eq!(lambda::without_stage(request).uri(), &before, "a $default stage leaves the path as it is");
}

#[tokio::test]
async fn health() {
    let lambda = Lambda::new();
    let reply = lambda.invoke("v2_get_health.json").await;
    reply.assert_status(200).assert_security_headers();
    assert_eq!(reply.expect_header("cache-control"), "no-store");
    assert_eq!(reply.json(), serde_json::json!({"status": "ok", "store": "ok"}));
    // The whole serialized v2 response, as API Gateway receives it.
    let raw = &reply.raw;
    assert_eq!(raw["statusCode"], 200);
    assert_eq!(raw["isBase64Encoded"], false);
    assert_eq!(raw["body"], r#"{"status":"ok","store":"ok"}"#);
    assert_eq!(raw["headers"]["content-type"], "application/json");
    assert_eq!(raw["multiValueHeaders"], serde_json::json!({}));
    assert_eq!(raw["cookies"], serde_json::json!([]));
}

#[tokio::test]
async fn health_on_a_named_stage() {
    let lambda = Lambda::new();
    let reply = lambda.invoke("v2_named_stage_health.json").await;
    reply.assert_status(200).assert_security_headers();
    assert_eq!(reply.json()["status"], "ok");
}

#[tokio::test]
async fn enrolment_overview() {
    let lambda = Lambda::new();
    let reply = lambda.invoke("v2_get_enrolment.json").await;
    reply.assert_status(200).assert_security_headers();
    let body = reply.json();
    let municipalities = body["municipalities"].as_array().expect("municipalities");
    assert_eq!(municipalities.len(), 19);
    let statuses = ["undecided", "council_considering", "already_in", "enrolled", "declined"];
    for m in municipalities {
        assert!(m["code"].is_u64() && m["name"].is_string(), "{m}");
        assert!(statuses.contains(&m["status"].as_str().unwrap()), "{m}");
        assert!(m["round"].is_null() || [1, 2].contains(&m["round"].as_u64().unwrap()), "{m}");
    }
    assert!(municipalities.iter().any(|m| m["code"] == SKIVE && m["name"] == "Skive"), "{body}");
}

#[tokio::test]
async fn budget_plan_as_csv() {
    let lambda = Lambda::new();
    let reply = lambda.invoke("v2_get_budget_allocation_csv.json").await;
    reply.assert_status(200).assert_security_headers();
    assert_eq!(reply.expect_header("content-type"), "text/csv; charset=utf-8");
    assert!(
        reply.expect_header("content-disposition").starts_with("attachment; filename=\"dk2020-fordeling-3000000-kr-")
    );
    assert!(!reply.is_base64(), "text/csv goes back as text");
    let csv = reply.text().expect("a CSV body");
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(header[..3], ["code", "name", "population"]);
    assert_eq!(header[3], "year_1");
    assert_eq!(*header.last().unwrap(), "total");
    let years = header.len() - 4;
    assert_eq!(header[3..3 + years], (1..=years).map(|y| format!("year_{y}")).collect::<Vec<_>>()[..]);
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 18, "19 municipalities, Samsø excluded");
    assert!(rows.iter().all(|r| r.len() == header.len() && r[0] != SAMSOE.to_string()), "{csv}");
    let total: u64 = rows.iter().map(|r| r.last().unwrap().parse::<u64>().unwrap()).sum();
    assert_eq!(total, 3_000_000);
}

/// A binary download goes back base64-encoded, as API Gateway wants it.
#[tokio::test]
async fn budget_plan_as_xlsx() {
    let lambda = Lambda::new();
    let reply = lambda.invoke("v2_get_budget_allocation_xlsx.json").await;
    reply.assert_status(200).assert_security_headers();
    assert_eq!(
        reply.expect_header("content-type"),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert!(reply.expect_header("content-disposition").ends_with(".xlsx\""));
    assert!(reply.is_base64(), "an XLSX body is binary");
    let bytes = reply.bytes();
    assert!(bytes.len() > 1000 && bytes.starts_with(b"PK\x03\x04"), "a ZIP (XLSX) file");
}

#[tokio::test]
async fn budget_plan_over_a_rest_api() {
    let lambda = Lambda::new();
    let reply = lambda.invoke("v1_rest_get_budget_allocation.json").await;
    reply.assert_status(200).assert_security_headers();
    assert_eq!(reply.raw["multiValueHeaders"]["content-type"], serde_json::json!(["application/json"]));
    let body = reply.json();
    let rows = body["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 18);
    assert!(rows.iter().all(|r| r["code"] != SAMSOE && r["years"].as_array().unwrap().len() == 3), "{body}");
    for year in 0..3 {
        let sum: u64 = rows.iter().map(|r| r["years"][year].as_u64().unwrap()).sum();
        assert_eq!(sum, 1_000_000, "year {}", year + 1);
    }
}

/// Slots, then the booking, then the slot is gone.
async fn book(fixture: &str) {
    let lambda = Lambda::new();
    let slots = lambda.invoke("v2_get_slots.json").await;
    slots.assert_status(200).assert_security_headers();
    let offered = slots.json();
    let offered = offered["slots"].as_array().expect("slots");
    assert!(
        offered.iter().any(|s| s["start"] == BOOKED_START && s["end"] == BOOKED_END && s["kind"] == "onsite"),
        "{BOOKED_START} is offered: {offered:?}"
    );

    let reply = lambda.invoke(fixture).await;
    reply.assert_status(201).assert_security_headers();
    assert_eq!(reply.expect_header("access-control-allow-origin"), ORIGIN);
    let booking = reply.json();
    assert!(booking["id"].as_str().is_some_and(|id| !id.is_empty()), "{booking}");
    assert_eq!(booking["municipality"], SKIVE);
    assert_eq!(booking["kind"], "onsite");
    assert_eq!(booking["status"]["state"], "confirmed");
    assert_eq!(booking["start"], BOOKED_START);
    let start: Timestamp = booking["start"].as_str().unwrap().parse().unwrap();
    let end: Timestamp = booking["end"].as_str().unwrap().parse().unwrap();
    assert_eq!(end.duration_since(start), SignedDuration::from_mins(90), "onsite lasts 90 minutes");
    assert_eq!(booking["end"], BOOKED_END);
    assert_eq!(booking["contact_name"], "Mette Sørensen");

    let after = lambda.invoke("v2_get_slots.json").await.json();
    assert!(!after["slots"].as_array().unwrap().iter().any(|s| s["start"] == BOOKED_START), "{after}");
    // The same request again: the time is taken now.
    lambda.invoke(fixture).await.assert_error(409, "slot_taken");
}

#[tokio::test]
async fn booking_with_a_json_body() {
    book("v2_post_booking.json").await;
}

#[tokio::test]
async fn booking_with_a_base64_encoded_body() {
    book("v2_post_booking_base64.json").await;
}

/// The two booking fixtures carry the same booking once `lambda_http` has
/// decoded the body.
#[test]
fn both_booking_fixtures_carry_the_same_body() {
    let lambda = Lambda::new();
    let plain = lambda_http::request::from_str(&lambda.fixture("v2_post_booking.json")).unwrap();
    let encoded = lambda_http::request::from_str(&lambda.fixture("v2_post_booking_base64.json")).unwrap();
    assert!(matches!(plain.body(), Body::Text(_)));
    assert!(matches!(encoded.body(), Body::Binary(_)));
    assert_eq!(plain.body().as_ref(), encoded.body().as_ref());
}

#[tokio::test]
async fn a_bad_token_is_refused() {
    Lambda::new().invoke("v2_bad_token.json").await.assert_error(401, "unauthorized");
}

#[tokio::test]
async fn an_unknown_path_is_not_found() {
    Lambda::new().invoke("v2_unknown_path.json").await.assert_error(404, "not_found");
}

#[tokio::test]
async fn cors_preflight_from_an_allowed_origin() {
    let reply = Lambda::new().invoke("v2_preflight.json").await;
    reply.assert_status(200).assert_security_headers();
    assert_eq!(reply.expect_header("access-control-allow-origin"), ORIGIN);
    let methods = reply.expect_header("access-control-allow-methods");
    assert!(methods.split(',').any(|m| m.trim() == "POST"), "{methods}");
    let headers = reply.expect_header("access-control-allow-headers").to_ascii_lowercase();
    assert!(headers.contains("authorization") && headers.contains("content-type"), "{headers}");
    assert_eq!(reply.expect_header("access-control-max-age"), "600");
    assert!(reply.text().is_none_or(str::is_empty), "a preflight has no body: {:?}", reply.raw);
}

#[tokio::test]
async fn cors_preflight_from_another_origin_gets_no_cors_headers() {
    let reply = Lambda::new().invoke("v2_preflight_foreign_origin.json").await;
    assert!(reply.header("access-control-allow-origin").is_none(), "{:?}", reply.raw);
}
