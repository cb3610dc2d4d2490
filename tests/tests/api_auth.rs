//! Tokens and CORS: who gets in, and which browser origins may call.

use dk2020_e2e::{
    Method, SKIVE, TEST_SECRET, TestServer, coordinator_token, expired_token, municipality_token, run_cli,
    secretariat_token, sign, token, unix_now,
};
use serde_json::json;

/// An endpoint every signed-in role may at least reach (the coordinator's
/// availability: 200 for the coordinator, 403 for the others).
const PROTECTED: &str = "/api/coordinator/availability";

#[test]
fn a_missing_token_is_401_with_a_hint() {
    let server = TestServer::shared();
    let (code, message) = server.get(PROTECTED).send().expect_error(401);
    assert_eq!(code, "unauthorized");
    assert!(message.contains("Bearer"), "the message says how to sign in: {message}");
}

#[test]
fn a_valid_token_of_each_role_gets_past_authentication() {
    let server = TestServer::shared();
    server.get(PROTECTED).bearer(&coordinator_token()).send().expect_status(200);
    server.get(PROTECTED).bearer(&municipality_token(SKIVE)).send().expect_error(403);
    server.get(PROTECTED).bearer(&secretariat_token()).send().expect_error(403);
}

#[test]
fn an_expired_token_is_401_and_says_so() {
    let server = TestServer::shared();
    let (_, message) = server.get(PROTECTED).bearer(&expired_token()).send().expect_error(401);
    assert!(message.to_lowercase().contains("expired"), "the message mentions expiry: {message}");
}

#[test]
fn a_token_signed_with_another_secret_is_401() {
    let server = TestServer::shared();
    let now = unix_now();
    let forged =
        sign(&json!({"role": "coordinator", "iat": now, "exp": now + 3600}), "some-other-secret-of-enough-length-0123");
    server.get(PROTECTED).bearer(&forged).send().expect_error(401);
}

#[test]
fn malformed_authorization_headers_are_401() {
    let server = TestServer::shared();
    let good = coordinator_token();
    for header in [
        "".to_string(),
        "Bearer".to_string(),
        "Bearer ".to_string(),
        format!("Token {good}"),
        format!("Basic {good}"),
        "Bearer not.a.jwt".to_string(),
        "Bearer abc".to_string(),
        format!("Bearer {}x", good),
    ] {
        let reply = server.get(PROTECTED).header("authorization", &header).send();
        reply.expect_error(401);
    }
}

#[test]
fn tokens_with_impossible_claims_are_401() {
    let server = TestServer::shared();
    let now = unix_now();
    let cases = [
        // A municipality token must name its municipality, one of the 19.
        json!({"role": "municipality", "iat": now, "exp": now + 3600}),
        json!({"role": "municipality", "municipality": 101, "iat": now, "exp": now + 3600}),
        // Unknown role.
        json!({"role": "mayor", "iat": now, "exp": now + 3600}),
        // No expiry.
        json!({"role": "coordinator", "iat": now}),
    ];
    for claims in cases {
        let reply = server.get(PROTECTED).bearer(&sign(&claims, TEST_SECRET)).send();
        assert_eq!(reply.status, 401, "claims {claims} were accepted: {}", reply.text());
    }
}

#[test]
fn a_token_made_by_the_cli_works_on_the_server() {
    let server = TestServer::shared();
    let out = run_cli(&["token", "--role", "coordinator", "--days", "1"]);
    assert!(out.success, "{}", out.stderr);
    server.get(PROTECTED).bearer(out.stdout.trim()).send().expect_status(200);
    let out = run_cli(&["token", "--role", "municipality", "--municipality", "779"]);
    assert!(out.success, "{}", out.stderr);
    let reply = server.get("/api/bookings").bearer(out.stdout.trim()).send().expect_status(200);
    assert!(reply.json()["bookings"].is_array());
}

#[test]
fn the_token_helper_matches_the_server() {
    // Guards the harness itself: a token with the test secret is accepted.
    let server = TestServer::shared();
    server.get("/api/bookings").bearer(&token("coordinator", None)).send().expect_status(200);
}

// ---------------------------------------------------------------------------
// CORS

fn preflight(server: &TestServer, origin: &str) -> dk2020_e2e::Reply {
    server
        .request(Method::OPTIONS, "/api/bookings")
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "authorization,content-type")
        .send()
}

#[test]
fn cors_allows_only_the_configured_origins() {
    let server = TestServer::config().allowed_origins("https://intranet.skive.dk").start();

    let allowed = preflight(&server, "https://intranet.skive.dk");
    assert!(allowed.status < 300, "preflight status {}", allowed.status);
    assert_eq!(allowed.header("access-control-allow-origin"), Some("https://intranet.skive.dk"));
    let methods = allowed.header("access-control-allow-methods").unwrap_or_default().to_ascii_uppercase();
    assert!(methods.contains("POST"), "allow-methods: {methods}");
    let headers = allowed.header("access-control-allow-headers").unwrap_or_default().to_ascii_lowercase();
    assert!(headers.contains("authorization") && headers.contains("content-type"), "allow-headers: {headers}");

    let evil = preflight(&server, "https://evil.example");
    assert_eq!(evil.header("access-control-allow-origin"), None);

    // Simple requests too.
    let get = server.get("/api/municipalities").header("origin", "https://intranet.skive.dk").send();
    assert_eq!(get.header("access-control-allow-origin"), Some("https://intranet.skive.dk"));
    let get = server.get("/api/municipalities").header("origin", "https://evil.example").send();
    assert_eq!(get.header("access-control-allow-origin"), None);
    // A look-alike of an allowed origin is not allowed.
    let get = server.get("/api/municipalities").header("origin", "https://intranet.skive.dk.evil.example").send();
    assert_eq!(get.header("access-control-allow-origin"), None);
}

#[test]
fn a_token_with_just_the_claims_of_the_design_is_accepted() {
    // DESIGN.md: `role`, `municipality` where the role needs it, `exp`. An
    // identity provider need not add `iat`.
    let server = TestServer::shared();
    let exp = unix_now() + 3600;
    let coordinator = sign(&json!({"role": "coordinator", "exp": exp}), TEST_SECRET);
    server.get(PROTECTED).bearer(&coordinator).send().expect_status(200);
    let skive = sign(&json!({"role": "municipality", "municipality": SKIVE, "exp": exp}), TEST_SECRET);
    server.get("/api/bookings").bearer(&skive).send().expect_status(200);
}
