//! Signing in and the credentials a municipal IT department asks about:
//! staff through a real OpenID provider (panva's `oidc-provider`), the dev
//! sign-in, sessions (sliding, signed out here or everywhere, CSRF and
//! origin on every change), intranets' embed keys bound to origins,
//! revocable machine tokens and the rotation of the signing key, and the
//! audit log of it all.

use dk2020_e2e::{
    RETIRED_SECRET, SKIVE, ServerConfig, TEST_NOW, TestServer, booking_body, coordinator_token, oidc,
    secretariat_token, sign_with_kid, token_with_id, unix_now,
};
use serde_json::{Value, json};

const RANDERS: u16 = 730;
const INTRANET: &str = "https://intranet.skive.dk";

/// A server signing in with a fresh provider, and the provider; `None`
/// when the provider is not installed (and not required).
fn with_provider() -> Option<(TestServer, oidc::Provider)> {
    let modules = oidc::node_modules()?;
    let planned = oidc::Planned::new();
    let server = planned.configure(ServerConfig::default()).start();
    let provider = planned.start(&modules, &server.url("/auth/callback"));
    Some((server, provider))
}

/// The app's `/auth/login` answer: the provider's address and the login cookie.
fn start_login(server: &TestServer) -> (String, String) {
    let reply = server.get("/auth/login").send().expect_status(303);
    let location = reply.header("location").expect("a redirect to the provider").to_string();
    let cookie = reply.set_cookie("dk2020_login").expect("the login cookie");
    (location, cookie)
}

/// The callback's query (`?code=…&state=…&iss=…`) from the provider's redirect.
fn query_of(callback_url: &str) -> String {
    callback_url.split_once('?').map(|(_, q)| q.to_string()).expect("a query")
}

/// Signs `user` in through the provider's login form: the session cookie.
fn sign_in_with_provider(server: &TestServer, user: &str) -> Result<String, (u16, String)> {
    let (authorize, login_cookie) = start_login(server);
    let back = oidc::log_in(&oidc::browser(), &authorize, user, &server.url("/auth/callback"));
    let reply = server.get(&format!("/auth/callback?{}", query_of(&back))).header("cookie", &login_cookie).send();
    if reply.status != 303 {
        return Err((reply.status, reply.text()));
    }
    reply.set_cookie("dk2020_session").ok_or((303, "no session cookie".into()))
}

fn session_info(server: &TestServer, cookie: &str) -> Value {
    server.get("/api/session").header("cookie", cookie).send().expect_status(200).json()
}

#[test]
fn staff_sign_in_with_the_provider_and_get_the_role_their_group_or_domain_gives() {
    let Some((server, _provider)) = with_provider() else { return };
    let coordinator = sign_in_with_provider(&server, "coordinator").expect("the coordinator signs in");
    let info = session_info(&server, &coordinator);
    assert_eq!(info["actor"]["role"], "coordinator", "{info}");
    assert_eq!(info["email"], "koordinator@aarhus.dk", "her group counts before her domain");
    // She sees her agenda; the staff page shows her views.
    server.get("/api/coordinator/agenda").header("cookie", &coordinator).send().expect_status(200);
    let page = server.get("/").header("cookie", &coordinator).send().expect_status(200).text();
    assert!(page.contains("view=\"coordinator\"") && page.contains("Log ud"), "{page:.2000}");

    let secretariat = sign_in_with_provider(&server, "secretariat").expect("the secretariat signs in");
    assert_eq!(session_info(&server, &secretariat)["actor"]["role"], "secretariat");

    // Skive's staff member books for Skive and cannot see Randers' bookings.
    let skive = sign_in_with_provider(&server, "skive").expect("Skive's staff signs in");
    let info = session_info(&server, &skive);
    assert_eq!(info["actor"], json!({"role": "municipality", "municipality": SKIVE}), "{info}");
    let csrf = info["csrf"].as_str().unwrap().to_string();
    let slots = server.get("/api/slots?kind=online").header("cookie", &skive).send().expect_status(200).json();
    let start = slots["slots"][0]["start"].as_str().expect("an open slot").to_string();
    server
        .post("/api/bookings")
        .header("cookie", &skive)
        .header("x-csrf-token", &csrf)
        .header("origin", server.base())
        .json(&booking_body(SKIVE, "online", &start))
        .send()
        .expect_status(201);
    server.get(&format!("/api/bookings?municipality={RANDERS}")).header("cookie", &skive).send().expect_error(403);
    server.get("/api/embed-keys").header("cookie", &skive).send().expect_error(403);

    // Someone whose domain is no municipality's and who is in no group gets no session.
    let (status, page) = sign_in_with_provider(&server, "stranger").expect_err("no role, no session");
    assert_eq!(status, 403);
    assert!(page.contains("har ikke adgang"), "{page:.1000}");
}

#[test]
fn a_tampered_state_a_replayed_code_and_a_login_cookie_from_elsewhere_are_refused() {
    let Some((server, provider)) = with_provider() else { return };
    let callback = server.url("/auth/callback");
    let browser = oidc::browser();

    // A tampered state.
    let (authorize, cookie) = start_login(&server);
    let back = query_of(&oidc::log_in(&browser, &authorize, "coordinator", &callback));
    let tampered = back.replace("state=", "state=x");
    let reply = server.get(&format!("/auth/callback?{tampered}")).header("cookie", &cookie).send();
    assert_eq!(reply.status, 400, "{}", reply.text());
    assert!(reply.header("set-cookie").is_none_or(|c| !c.contains("dk2020_session=dks_")));

    // The right answer works once; the same code again is refused by the provider.
    let (authorize, cookie) = start_login(&server);
    let back = query_of(&oidc::log_in(&browser, &authorize, "coordinator", &callback));
    server.get(&format!("/auth/callback?{back}")).header("cookie", &cookie).send().expect_status(303);
    let replay = server.get(&format!("/auth/callback?{back}")).header("cookie", &cookie).send();
    assert_eq!(replay.status, 400, "a replayed code: {}", replay.text());

    // A login cookie altered (its nonce or verifier), missing, or from another sign-in.
    let (authorize, cookie) = start_login(&server);
    let back = query_of(&oidc::log_in(&browser, &authorize, "coordinator", &callback));
    let (name, value) = cookie.split_once('=').unwrap();
    let mut altered: Vec<char> = value.chars().collect();
    let middle = altered.len() / 2;
    altered[middle] = if altered[middle] == 'A' { 'B' } else { 'A' };
    let altered = format!("{name}={}", altered.into_iter().collect::<String>());
    assert_eq!(server.get(&format!("/auth/callback?{back}")).header("cookie", &altered).send().status, 400);
    assert_eq!(server.get(&format!("/auth/callback?{back}")).send().status, 400, "no login cookie");
    let (_, other_cookie) = start_login(&server);
    assert_eq!(server.get(&format!("/auth/callback?{back}")).header("cookie", &other_cookie).send().status, 400);
    // A response naming another issuer (RFC 9207).
    let foreign = back.replace("iss=http", "iss=https");
    assert_eq!(server.get(&format!("/auth/callback?{foreign}")).header("cookie", &cookie).send().status, 400);
    // After all that, the right answer still works: nothing was spent by the refusals but the state.
    server.get(&format!("/auth/callback?{back}")).header("cookie", &cookie).send().expect_status(303);
    // The sign-in goes only to the app's own pages: no `return_to` to open a redirect with.
    let page = server.get("/auth/login?return_to=https://evil.example").send();
    assert!(page.header("location").is_some_and(|l| l.starts_with(&provider.issuer)), "to the provider only");
}

#[test]
fn a_session_ends_here_or_everywhere_and_changes_need_its_csrf_token_and_the_apps_origin() {
    let mut server = TestServer::start();
    let first = server.sign_in("coordinator");
    let second = server.sign_in("coordinator");
    let availability = server.get("/api/coordinator/availability").bearer(&coordinator_token()).send().json();
    let put = |session: &dk2020_e2e::Session| {
        server.put("/api/coordinator/availability").session(session).json(&availability).send()
    };
    put(&first).expect_status(200);
    // Without the CSRF token, with another's, or from another site: refused.
    let no_csrf = server
        .put("/api/coordinator/availability")
        .header("cookie", &first.cookie)
        .header("origin", server.base())
        .json(&availability)
        .send();
    assert_eq!(no_csrf.expect_error(403).0, "forbidden");
    let wrong = dk2020_e2e::Session { csrf: second.csrf.clone(), ..first.clone() };
    put(&wrong).expect_error(403);
    let cross_site = dk2020_e2e::Session { origin: "https://evil.example".into(), ..first.clone() };
    let (_, message) = put(&cross_site).expect_error(403);
    assert!(message.contains("another site"), "{message}");

    // Sign out: this browser's session ends, the other one lives on.
    server
        .post("/auth/logout")
        .header("cookie", &first.cookie)
        .header("origin", server.base())
        .body("application/x-www-form-urlencoded", format!("csrf={}", first.csrf))
        .send()
        .expect_status(303);
    server.get("/api/session").header("cookie", &first.cookie).send().expect_error(401);
    server.get("/api/session").header("cookie", &second.cookie).send().expect_status(200);
    // Sign out everywhere: every session of the person ends.
    let third = server.sign_in("coordinator");
    server
        .post("/auth/logout")
        .header("cookie", &third.cookie)
        .header("origin", server.base())
        .body("application/x-www-form-urlencoded", format!("csrf={}&everywhere=1", third.csrf))
        .send()
        .expect_status(303);
    server.get("/api/session").header("cookie", &second.cookie).send().expect_error(401);

    // A session unused for more than 8 hours has ended (the app's clock moved on).
    let idle = server.sign_in("secretariat");
    server.restart_with(|c| c.now = Some("2026-11-30T16:30:00+01:00".into()));
    server.get("/api/session").header("cookie", &idle.cookie).send().expect_error(401);
    let page = server.get("/").header("cookie", &idle.cookie).send().expect_status(200).text();
    assert!(page.contains("Log ind"), "the sign-in page again: {page:.500}");
}

#[test]
fn the_dev_sign_in_offers_demo_users_on_loopback_and_refuses_to_start_elsewhere() {
    let server = TestServer::start();
    let page = server.get("/auth/login").send().expect_status(200).text();
    assert!(page.contains("Log ind som demobruger") && page.contains("Skive Kommune"), "{page:.500}");
    // Another site cannot sign a browser in (login CSRF).
    server
        .post("/auth/dev")
        .header("origin", "https://evil.example")
        .body("application/x-www-form-urlencoded", "user=coordinator")
        .send()
        .expect_error(403);
    // `DK2020_DEV_SIGN_IN=on` on an address others can reach: the server does not start.
    let dir = tempfile::tempdir().unwrap();
    let output = std::process::Command::new(dk2020_e2e::api_binary())
        .current_dir(dir.path())
        .args(["serve", "--addr", &format!("0.0.0.0:{}", dk2020_e2e::free_port())])
        .env("DK2020_DEV_SIGN_IN", "on")
        .env("DK2020_JWT_SECRET", "a-secret-that-is-long-enough-for-hs256-tokens")
        .env_remove("DK2020_OIDC_ISSUER")
        .output()
        .expect("running dk2020-api serve");
    assert!(!output.status.success(), "the dev sign-in started on 0.0.0.0");
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("loopback"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn an_embed_key_books_only_from_its_origins_and_stops_at_once_when_revoked() {
    let server = TestServer::start();
    let (id, key) = server.embed_key(SKIVE, &[INTRANET]);
    let call = |method: reqwest::Method, path: &str, origin: &str| server.request(method, path).embed_key(&key, origin);
    let slots = call(reqwest::Method::GET, "/api/slots?kind=online&from=2026-12-02&to=2026-12-04", INTRANET)
        .send()
        .expect_status(200)
        .json();
    let start = slots["slots"][0]["start"].as_str().unwrap().to_string();
    let booked = call(reqwest::Method::POST, "/api/bookings", INTRANET)
        .json(&booking_body(SKIVE, "online", &start))
        .send()
        .expect_status(201)
        .json();
    let booking = booked["id"].as_str().unwrap().to_string();
    let listed = call(reqwest::Method::GET, "/api/bookings", INTRANET).send().expect_status(200).json();
    assert_eq!(listed["bookings"].as_array().unwrap().len(), 1);
    // Nothing beyond the booking view: no other municipality, no moving, no coordinator's or secretariat's things.
    call(reqwest::Method::GET, &format!("/api/bookings?municipality={RANDERS}"), INTRANET).send().expect_error(403);
    call(reqwest::Method::GET, &format!("/api/bookings/{booking}/ics"), INTRANET).send().expect_error(403);
    call(reqwest::Method::GET, "/api/coordinator/availability", INTRANET).send().expect_error(403);
    call(reqwest::Method::GET, "/api/embed-keys", INTRANET).send().expect_error(403);
    // From a page elsewhere: refused, with its own code.
    let (code, _) = call(reqwest::Method::GET, "/api/bookings", "https://evil.example").send().expect_error(403);
    assert_eq!(code, "embed_key_wrong_origin");
    server.get("/api/bookings").header("x-embed-key", &key).send().expect_error(403);
    // CORS lets the intranet read the answers, and no one else.
    let preflight = |origin: &str| {
        server
            .request(reqwest::Method::OPTIONS, "/api/bookings")
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "x-embed-key,content-type")
            .send()
    };
    assert_eq!(preflight(INTRANET).header("access-control-allow-origin"), Some(INTRANET));
    assert_eq!(preflight("https://evil.example").header("access-control-allow-origin"), None);
    // The key cancels its own booking.
    call(reqwest::Method::POST, &format!("/api/bookings/{booking}/cancel"), INTRANET).send().expect_status(200);
    // Listed for the secretariat, without the key, with when it was last used.
    let keys = server.get("/api/embed-keys").bearer(&secretariat_token()).send().expect_status(200).json();
    assert!(!keys.to_string().contains(&key), "the key is shown once");
    let ours = keys["keys"].as_array().unwrap().iter().find(|k| k["id"] == id.as_str()).expect("listed");
    assert!(ours["last_used"].is_string(), "{keys}");
    // Revoked: the next request is refused at once, and CORS forgets the origin.
    server.post(&format!("/api/embed-keys/{id}/revoke")).bearer(&secretariat_token()).send().expect_status(200);
    let (code, _) = call(reqwest::Method::GET, "/api/bookings", INTRANET).send().expect_error(401);
    assert_eq!(code, "embed_key_invalid");
    assert_eq!(preflight(INTRANET).header("access-control-allow-origin"), None);
    // Keys are only for origins a browser sends.
    server
        .post("/api/embed-keys")
        .bearer(&secretariat_token())
        .json(&json!({"municipality": SKIVE, "label": "x", "origins": ["http://intranet.skive.dk"]}))
        .send()
        .expect_error(400);
}

#[test]
fn a_revoked_token_is_refused_and_the_retired_key_works_until_its_date() {
    let mut server = TestServer::start();
    let token = token_with_id("tok_for_a_script");
    server.get("/api/coordinator/availability").bearer(&token).send().expect_status(200);
    server.post("/api/tokens/tok_for_a_script/revoke").bearer(&secretariat_token()).send().expect_status(200);
    let (_, message) = server.get("/api/coordinator/availability").bearer(&token).send().expect_error(401);
    assert!(message.contains("revoked"), "{message}");
    // Others are not touched: no mass sign-out.
    server.get("/api/coordinator/availability").bearer(&token_with_id("tok_other")).send().expect_status(200);
    let listed = server.get("/api/tokens/revoked").bearer(&secretariat_token()).send().expect_status(200).json();
    assert_eq!(listed["tokens"][0]["jti"], "tok_for_a_script");

    // A token of the key before the rotation: refused after its date …
    let now = unix_now();
    let old = sign_with_kid(&json!({"role": "coordinator", "iat": now, "exp": now + 3600}), RETIRED_SECRET);
    let (_, message) = server.get("/api/coordinator/availability").bearer(&old).send().expect_error(401);
    assert!(message.contains("retired"), "{message}");
    // … and accepted until it.
    server.restart_with(|c| c.env.push(("DK2020_JWT_RETIRED_UNTIL".into(), "2026-12-31".into())));
    server.get("/api/coordinator/availability").bearer(&old).send().expect_status(200);
    let _ = TEST_NOW;
}

#[test]
fn the_audit_log_says_who_changed_what_and_through_which_credential() {
    let server = TestServer::start();
    let (_, key) = server.embed_key(SKIVE, &[INTRANET]);
    let start = server.slots(&coordinator_token(), SKIVE, "online", "2026-12-02", "2026-12-04")[0].start.clone();
    server
        .post("/api/bookings")
        .embed_key(&key, INTRANET)
        .json(&booking_body(SKIVE, "online", &start))
        .send()
        .expect_status(201);
    let session = server.sign_in("coordinator");
    let availability = server.get("/api/coordinator/availability").bearer(&coordinator_token()).send().json();
    server.put("/api/coordinator/availability").session(&session).json(&availability).send().expect_status(200);

    let audit = server.get("/api/audit").bearer(&secretariat_token()).send().expect_status(200).json();
    let entries = audit["entries"].as_array().unwrap();
    let find = |kind: &str| entries.iter().find(|e| e["kind"] == kind).unwrap_or_else(|| panic!("{kind} in {audit}"));
    assert_eq!(find("credential_issued")["actor"]["role"], "secretariat");
    let booked = find("booking_made");
    assert_eq!(booked["via"]["through"], "embed_key", "{booked}");
    assert_eq!(booked["via"]["label"], "Testintranet");
    assert_eq!(booked["person"], "anne.jensen@example.dk", "the audit store names the booker");
    let changed = find("availability_changed");
    assert_eq!(changed["via"]["through"], "session");
    assert_eq!(changed["via"]["email"], "koordinator@dk2020.invalid");
    assert_eq!(find("signed_in")["actor"]["role"], "coordinator");
    // Filters and CSV.
    let only = server.get("/api/audit?kind=booking_made").bearer(&secretariat_token()).send().json();
    assert_eq!(only["entries"].as_array().unwrap().len(), 1);
    let by_email = server.get("/api/audit?actor=koordinator@dk2020.invalid").bearer(&secretariat_token()).send().json();
    assert!(by_email["entries"].as_array().unwrap().iter().all(|e| e["via"]["through"] == "session"));
    let csv = server.get("/api/audit?format=csv").bearer(&secretariat_token()).send().expect_status(200).text();
    assert!(csv.starts_with("at,kind,actor,via,summary,subject,person"), "{csv:.200}");
    server.get("/api/audit").bearer(&coordinator_token()).send().expect_error(403);
    // The names and addresses of bookers stay out of the server's log.
    let log = std::fs::read_dir(server.dir())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("server-"))
        .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
        .collect::<String>();
    assert!(!log.contains("anne.jensen@example.dk") && !log.contains("Anne Jensen"), "{log:.2000}");
}
