//! Hostile input: what an attacker or a broken client may send. Whatever
//! arrives, the server answers with a 4xx (a JSON error of the API's shape
//! wherever a handler sees the request), keeps running, still answers its
//! health check, and stores nothing for a request it refused.
//!
//! - bodies over the 64 KiB limit (413), deeply nested JSON (400, no stack
//!   overflow), invalid UTF-8 in bodies, query strings and paths (400);
//! - a 100 KB query string and a 100 KB header (a clean 4xx);
//! - dates far in the past or future (400/422, never a 500 or a dropped connection);
//! - municipality codes that are not one of the 19 (400, or 404 in a path);
//! - HTML and script in text fields: stored and returned verbatim as JSON,
//!   and in the .ics files only as RFC 5545 TEXT, so a line break in a topic
//!   cannot add iCalendar properties (`ATTENDEE:`, `END:VEVENT`).

use std::{
    io::{Read, Write},
    net::TcpStream,
    time::Duration,
};

use dk2020_e2e::{
    Method, Reply, SKIVE, TestServer, VIBORG, booking_body, coordinator_token, municipality_token, secretariat_token,
};
use serde_json::{Value, json};

/// Asserts that the server survived `what`: the process runs, health answers
/// 200, and the number of bookings is `bookings` (nothing stored by a refused request).
#[track_caller]
fn assert_unharmed(server: &mut TestServer, what: &str, bookings: usize) {
    assert!(server.is_running(), "the server process died after {what}");
    let health = server.get("/api/health").send();
    assert_eq!(health.status, 200, "health after {what}: {}", health.text());
    assert_eq!(server.all_bookings().len(), bookings, "bookings stored after {what}");
}

/// Asserts `reply` is a 4xx JSON error of the API's shape, with one of `statuses`.
#[track_caller]
fn assert_refused(reply: &Reply, statuses: &[u16], what: &str) -> (String, String) {
    assert!(
        statuses.contains(&reply.status),
        "{what}: expected one of {statuses:?}, got {}: {}",
        reply.status,
        String::from_utf8_lossy(&reply.body)
    );
    reply.expect_error(reply.status)
}

/// A first open online slot of Skive's.
fn open_start(server: &TestServer) -> String {
    server.slots(&municipality_token(SKIVE), SKIVE, "online", "2026-12-02", "2026-12-11")[0].start.clone()
}

/// A confirmed booking of Skive's (id).
fn skive_booking(server: &TestServer) -> String {
    server.book_first_open(SKIVE, "online", "2026-12-02", "2026-12-11")["id"].as_str().expect("an id").to_string()
}

/// Every endpoint with a JSON body, with a token that may use it: (method, path, token).
fn json_endpoints(booking_id: &str) -> Vec<(Method, String, String)> {
    vec![
        (Method::POST, "/api/bookings".into(), municipality_token(SKIVE)),
        (Method::POST, format!("/api/bookings/{booking_id}/cancel"), municipality_token(SKIVE)),
        (Method::POST, format!("/api/bookings/{booking_id}/reschedule"), municipality_token(SKIVE)),
        (Method::PUT, "/api/coordinator/availability".into(), coordinator_token()),
        (Method::PUT, "/api/budget/params".into(), secretariat_token()),
        (Method::PUT, format!("/api/enrolment/{SKIVE}"), secretariat_token()),
        (Method::PUT, format!("/api/municipalities/{SKIVE}/population"), secretariat_token()),
    ]
}

/// Sends raw bytes on a new connection (for what an HTTP client library
/// would refuse to send) and returns the status code of the answer.
fn raw_status(server: &TestServer, request: &[u8]) -> u16 {
    raw_request(server, request).0
}

/// [`raw_status`] with the whole answer (head and body) as text.
fn raw_request(server: &TestServer, request: &[u8]) -> (u16, String) {
    let address = server.base().trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).expect("connecting to the server");
    stream.set_read_timeout(Some(Duration::from_secs(30))).expect("a read timeout");
    // The server may answer (and stop reading) before all of it is sent.
    let _ = stream.write_all(request);
    let mut answer = Vec::new();
    // The request says `Connection: close`, and a refused request closes it anyway.
    let _ = stream.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer).to_string();
    let status = answer.strip_prefix("HTTP/1.1 ").and_then(|rest| rest.get(..3)).and_then(|s| s.parse().ok());
    (status.unwrap_or_else(|| panic!("no HTTP status in the answer: {answer:?}")), answer)
}

// ---------------------------------------------------------------------------
// Size and shape of the body

/// A body refused before it is read (no token, someone else's booking) is
/// left in the connection; the answer says the connection closes, so the
/// client's next request on its pool goes over a new one, not a broken pipe.
#[test]
fn a_large_body_refused_unread_closes_the_connection_and_says_so() {
    let mut server = TestServer::start();
    let id = skive_booking(&server);
    let body = format!("{{\"topic\": \"{}\"}}", "x".repeat(60 * 1024));
    let viborg = municipality_token(VIBORG);
    for (path, token, status) in
        [("/api/bookings".to_string(), None, 401), (format!("/api/bookings/{id}/cancel"), Some(viborg.as_str()), 403)]
    {
        let what = format!("POST {path} with a 60 KiB body ({status})");
        let mut call = server.post(&path);
        if let Some(token) = token {
            call = call.bearer(token);
        }
        let reply = call.body("application/json", body.clone()).send();
        assert_refused(&reply, &[status], &what);
        assert_eq!(reply.header("connection"), Some("close"), "{what}");
        assert_unharmed(&mut server, &what, 1);
    }
}

#[test]
fn a_body_over_64_kib_is_413_on_every_endpoint_that_takes_a_body() {
    let mut server = TestServer::start();
    let id = skive_booking(&server);
    for size in [64 * 1024 + 1, 256 * 1024] {
        for (method, path, token) in json_endpoints(&id) {
            // Valid JSON all the way: a long string in a field each endpoint knows.
            let body = format!("{{\"topic\": \"{}\", \"reason\": \"x\"}}", "x".repeat(size));
            let what = format!("{method} {path} with {size} bytes");
            let reply = server.request(method, &path).bearer(&token).body("application/json", body).send();
            let (code, message) = assert_refused(&reply, &[413], &what);
            assert_eq!(code, "payload_too_large", "{what}");
            // The unread rest of the body ends the connection: the client is
            // told, so its next request (the health check below, from the same
            // pool) goes over a new one instead of a broken pipe.
            assert_eq!(reply.header("connection"), Some("close"), "{what}");
            assert!(message.contains("65536"), "the message names the limit: {message}");
            assert_unharmed(&mut server, &what, 1);
        }
    }
    let listed = server.all_bookings();
    assert_eq!(listed[0]["status"]["state"], "confirmed", "the booking was not cancelled by an oversized body");

    // Without a Content-Length (chunked, 80 KiB), the limit holds while reading.
    let chunk = "x".repeat(16 * 1024);
    let mut request = format!(
        "POST /api/bookings HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        municipality_token(SKIVE)
    );
    for _ in 0..5 {
        request.push_str(&format!("{:x}\r\n{chunk}\r\n", chunk.len()));
    }
    request.push_str("0\r\n\r\n");
    let (status, answer) = raw_request(&server, request.as_bytes());
    assert_eq!(status, 413, "a chunked body over the limit: {answer}");
    assert!(answer.contains("payload_too_large") && answer.to_lowercase().contains("connection: close"), "{answer}");
    assert_unharmed(&mut server, "a chunked body over the limit", 1);
}

#[test]
fn ten_thousand_levels_of_nested_json_are_a_400_not_a_crash() {
    let mut server = TestServer::start();
    let id = skive_booking(&server);
    let depth = 10_000;
    let bodies = [
        ("[".repeat(depth), "unclosed ["),
        (format!("{}{}", "[".repeat(depth), "]".repeat(depth)), "closed []"),
        (format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth)), "nested objects"),
        // Nesting where a value of any shape might be skipped over: inside a field.
        (format!("{{\"note\": {}{}}}", "[".repeat(depth), "]".repeat(depth)), "nested in a field"),
        (format!("{{\"x\": {}{}}}", "{\"y\":".repeat(depth), "}".repeat(depth)), "nested in an unknown field"),
    ];
    for (method, path, token) in json_endpoints(&id) {
        for (body, shape) in &bodies {
            let what = format!("{method} {path} with {shape} ({depth} levels)");
            let reply =
                server.request(method.clone(), &path).bearer(&token).body("application/json", body.clone()).send();
            assert_refused(&reply, &[400], &what);
            assert_unharmed(&mut server, &what, 1);
        }
    }
}

#[test]
fn invalid_utf8_in_a_body_is_a_400_and_stores_nothing() {
    let mut server = TestServer::start();
    let id = skive_booking(&server);
    let start = open_start(&server);
    let valid = booking_body(SKIVE, "online", &start).to_string();
    let (before, after) = valid.split_once("Klimahandleplan").expect("the topic in the body");
    let in_topic = [before.as_bytes(), &[0xff, 0xfe, 0xc3, 0x28], after.as_bytes()].concat();
    let cases: Vec<(Method, String, String, Vec<u8>)> = vec![
        (Method::POST, "/api/bookings".into(), municipality_token(SKIVE), in_topic),
        (Method::POST, "/api/bookings".into(), municipality_token(SKIVE), vec![0xff, 0xfe, 0xfd]),
        (
            Method::POST,
            format!("/api/bookings/{id}/cancel"),
            municipality_token(SKIVE),
            b"{\"reason\": \"\xff\xff\"}".to_vec(),
        ),
        (
            Method::POST,
            format!("/api/bookings/{id}/reschedule"),
            municipality_token(SKIVE),
            b"{\"start\": \"\xc3\x28\"}".to_vec(),
        ),
        (
            Method::PUT,
            format!("/api/enrolment/{SKIVE}"),
            secretariat_token(),
            b"{\"status\": \"\xe2\x28\xa1\"}".to_vec(),
        ),
        (Method::PUT, "/api/budget/params".into(), secretariat_token(), b"{\"key\": \"\xf0\x28\x8c\xbc\"}".to_vec()),
    ];
    for (method, path, token, body) in cases {
        let what = format!("{method} {path} with invalid UTF-8");
        let reply = server.request(method, &path).bearer(&token).body("application/json", body).send();
        assert_refused(&reply, &[400], &what);
        assert_unharmed(&mut server, &what, 1);
    }
    assert_eq!(server.all_bookings()[0]["status"]["state"], "confirmed");
    // Nothing of it reached the enrolment history either.
    let history = server.get(&format!("/api/enrolment/{SKIVE}/history")).bearer(&secretariat_token()).send();
    assert_eq!(history.expect_status(200).json()["history"], json!([]));
}

#[test]
fn invalid_utf8_in_a_query_or_a_path_is_a_400() {
    let mut server = TestServer::start();
    let id = skive_booking(&server);
    let skive = municipality_token(SKIVE);
    let coordinator = coordinator_token();
    let secretariat = secretariat_token();
    // Percent-encoded bytes that are not UTF-8: the request reaches the API.
    let cases: Vec<(Method, String, Option<&str>)> = vec![
        (Method::GET, "/api/slots?from=%FF%FE".into(), Some(&skive)),
        (Method::GET, "/api/slots?municipality=%C3%28".into(), Some(&skive)),
        (Method::GET, "/api/slots?%FF=1".into(), Some(&skive)),
        (Method::GET, "/api/bookings?from=%E2%28%A1".into(), Some(&skive)),
        (Method::GET, "/api/coordinator/agenda?to=%FF".into(), Some(&coordinator)),
        (Method::GET, "/api/enrolment?as_of=%FF".into(), None),
        (Method::GET, "/api/enrolment?format=%FF".into(), None),
        (Method::GET, "/api/budget/allocation?total=%FF".into(), None),
        (Method::GET, "/api/budget/allocation?exclude=%FF%FE".into(), None),
        (Method::GET, "/api/calendar/%FF%FE.ics".into(), None),
        (Method::GET, "/api/bookings/%FF%FE/ics".into(), Some(&skive)),
        (Method::POST, "/api/bookings/%C3%28/cancel".into(), Some(&skive)),
        (Method::GET, "/api/enrolment/%FF/history".into(), Some(&secretariat)),
    ];
    for (method, path, token) in cases {
        let what = format!("{method} {path}");
        let mut call = server.request(method, &path);
        if let Some(token) = token {
            call = call.bearer(token);
        }
        let reply = call.send();
        let allowed: &[u16] = &[400];
        assert_refused(&reply, allowed, &what);
        assert_unharmed(&mut server, &what, 1);
    }
    let reply = server.post("/api/bookings/%FF/reschedule").bearer(&skive).json(&json!({"start": open_start(&server)}));
    assert_refused(&reply.send(), &[400], "reschedule with an invalid UTF-8 id");
    assert_unharmed(&mut server, "reschedule with an invalid UTF-8 id", 1);

    // Raw bytes that are not UTF-8 in the request line: refused by the HTTP
    // layer before any handler (hyper answers 400 without a body).
    let auth = format!("Authorization: Bearer {skive}\r\n");
    for target in [
        b"/api/slots?from=\xff\xfe".to_vec(),
        b"/api/enrolment?as_of=\xc3\x28".to_vec(),
        [b"/api/bookings/".as_slice(), id.as_bytes(), b"\xff/ics"].concat(),
        b"/api/\xff\xfe".to_vec(),
    ] {
        let request = [
            b"GET ".as_slice(),
            &target,
            b" HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n",
            auth.as_bytes(),
            b"\r\n",
        ]
        .concat();
        let status = raw_status(&server, &request);
        let what = format!("GET {} (raw bytes)", String::from_utf8_lossy(&target));
        assert!((400..500).contains(&status), "{what}: {status}");
        assert_unharmed(&mut server, &what, 1);
    }
}

#[test]
fn a_100_kb_query_string_or_header_gets_a_clean_4xx() {
    let mut server = TestServer::start();
    skive_booking(&server);
    let skive = municipality_token(SKIVE);
    let huge = "x".repeat(100 * 1024);
    // Over the 64 KiB an HTTP URI may have here (HTTP client libraries refuse
    // to send them, hence raw requests): the HTTP layer refuses them (414).
    for target in [
        format!("/api/slots?from={huge}"),
        format!("/api/municipalities?{huge}"),
        format!("/api/budget/allocation?{}", "exclude=779&".repeat(100 * 1024 / 12)),
        format!("/api/calendar/{huge}.ics"),
        format!("/api/bookings/{huge}/ics"),
    ] {
        let request = format!(
            "GET {target} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {skive}\r\nConnection: close\r\n\r\n"
        );
        let status = raw_status(&server, request.as_bytes());
        let what = format!("GET {}… ({} bytes)", &target[..40], target.len());
        assert!((400..500).contains(&status), "{what}: {status}");
        assert_unharmed(&mut server, &what, 1);
    }
    // Under that, the API itself answers, in its own words.
    let long = "x".repeat(60 * 1024);
    for path in [
        format!("/api/slots?from={long}"),
        format!("/api/enrolment?as_of={long}"),
        format!("/api/budget/allocation?exclude={long}"),
        format!("/api/bookings/{long}/ics"),
        format!("/api/coordinator/agenda?{long}=1"),
    ] {
        let reply = server.get(&path).bearer(&skive).send();
        let what = format!("GET {}… (60 KB)", &path[..30]);
        assert!(reply.status == 400 || reply.status == 404 || reply.status == 403, "{what}: {}", reply.status);
        assert_refused(&reply, &[reply.status], &what);
        assert_unharmed(&mut server, &what, 1);
    }
    let reply = server.get(&format!("/api/slots?{}", "kind=online&".repeat(5000))).bearer(&skive).send();
    assert_eq!(reply.status, 200, "a repeated parameter is fine: {}", reply.text());
    // A 100 KB header: a token that is not one (401), or the HTTP layer's 431.
    let reply = server.get("/api/bookings").header("authorization", &format!("Bearer {huge}")).send();
    assert!([401, 431].contains(&reply.status), "100 KB Authorization header: {} {}", reply.status, reply.text());
    if reply.status == 401 {
        reply.expect_error(401);
    }
    let reply = server.get("/api/health").header("x-padding", &huge).send();
    assert!(reply.status == 200 || (400..500).contains(&reply.status), "100 KB header: {}", reply.status);
    assert_unharmed(&mut server, "100 KB headers", 1);
}

#[test]
fn a_misspelt_field_in_the_settings_is_refused_instead_of_resetting_them() {
    let mut server = TestServer::start();
    let coordinator = coordinator_token();
    let secretariat = secretariat_token();
    let availability =
        server.get("/api/coordinator/availability").bearer(&coordinator).send().expect_status(200).json();
    let params = server.get("/api/budget/params").send().expect_status(200).json();
    // Change something first, so that a reset to the defaults would show.
    let mut changed = availability.clone();
    changed["rules"]["cap_per_municipality"] = json!(5);
    server.put("/api/coordinator/availability").bearer(&coordinator).json(&changed).send().expect_status(200);
    let mut hybrid = params.clone();
    hybrid["key"] = json!("hybrid");
    hybrid["equal_percent"] = json!(20);
    server.put("/api/budget/params").bearer(&secretariat).json(&hybrid).send().expect_status(200);

    let mut typo_in_rules = changed.clone();
    typo_in_rules["rules"]["cap_per_municipalty"] = json!(7);
    let mut typo_in_travel = changed.clone();
    typo_in_travel["rules"]["travel"]["speed_kmph"] = json!(90);
    let mut typo_in_hours = changed.clone();
    typo_in_hours["weekly"]["mondag"] = json!({"start": "09:00", "end": "15:00"});
    for (what, body) in [
        ("a misspelt top-level field", json!({"rule": {"cap_per_municipality": 7}})),
        ("an unknown field only", json!({"x": 1})),
        ("a misspelt rule", typo_in_rules),
        ("a misspelt travel rule", typo_in_travel),
        ("a misspelt weekday", typo_in_hours),
    ] {
        let reply = server.put("/api/coordinator/availability").bearer(&coordinator).json(&body).send();
        let (_, message) = assert_refused(&reply, &[400], what);
        assert!(message.contains("unknown field"), "{what}: the message names the field: {message}");
    }
    let mut typo_in_params = hybrid.clone();
    typo_in_params["yeers"] = json!(9);
    for (what, body) in
        [("params with a misspelt field", typo_in_params), ("params with an unknown field only", json!({"totl": 5}))]
    {
        let reply = server.put("/api/budget/params").bearer(&secretariat).json(&body).send();
        let (_, message) = assert_refused(&reply, &[400], what);
        assert!(message.contains("unknown field"), "{what}: the message names the field: {message}");
    }
    let now = server.get("/api/coordinator/availability").bearer(&coordinator).send().expect_status(200).json();
    assert_eq!(now, changed, "the coordinator's settings are as they were");
    let now = server.get("/api/budget/params").send().expect_status(200).json();
    assert_eq!(now["key"], "hybrid", "the budget parameters are as they were: {now}");
    assert_eq!(now["equal_percent"], 20, "{now}");
    // Leaving fields out still means their defaults, as documented.
    let reply = server.put("/api/budget/params").bearer(&secretariat).json(&json!({"total": 4500000})).send();
    assert_eq!(reply.expect_status(200).json()["years"], 3);
    assert_unharmed(&mut server, "misspelt settings", 0);
}

// ---------------------------------------------------------------------------
// Values out of range

#[test]
fn dates_far_in_the_past_or_future_are_a_clear_400_or_422() {
    let mut server = TestServer::start();
    let id = skive_booking(&server);
    let skive = municipality_token(SKIVE);
    let coordinator = coordinator_token();
    let secretariat = secretariat_token();
    let far = ["-009999-01-01", "0001-01-01", "1000-06-15", "9999-12-31"];
    for date in far {
        let queries: Vec<(String, Option<&str>)> = vec![
            (format!("/api/slots?from={date}&to={date}"), Some(&skive)),
            (format!("/api/slots?from={date}"), Some(&skive)),
            (format!("/api/slots?to={date}"), Some(&skive)),
            (format!("/api/coordinator/agenda?from={date}&to={date}"), Some(&coordinator)),
            (format!("/api/coordinator/agenda?from={date}"), Some(&coordinator)),
            (format!("/api/coordinator/agenda?to={date}"), Some(&coordinator)),
            (format!("/api/bookings?from={date}"), Some(&skive)),
            (format!("/api/bookings?from={date}&to={date}"), Some(&coordinator)),
            (format!("/api/bookings?to={date}"), Some(&coordinator)),
            (format!("/api/enrolment?as_of={date}"), None),
            (format!("/api/enrolment?as_of={date}&format=csv"), None),
            (format!("/api/enrolment?as_of={date}&format=xlsx"), None),
        ];
        for (path, token) in queries {
            let mut call = server.get(&path);
            if let Some(token) = token {
                call = call.bearer(token);
            }
            let reply = call.send();
            let (_, message) = assert_refused(&reply, &[400], &path);
            // The message says which dates are handled, so a person can correct it.
            assert!(message.contains("2000-01-01") && message.contains("2099-12-31"), "{path}: {message}");
            assert_unharmed(&mut server, &path, 1);
        }
        // Dates in bodies: a booking's start, a council decision, a population figure.
        let writes: Vec<(Method, String, &str, Value)> = vec![
            (
                Method::POST,
                "/api/bookings".into(),
                &skive,
                booking_body(SKIVE, "online", &format!("{date}T10:00:00+01:00")),
            ),
            (
                Method::POST,
                format!("/api/bookings/{id}/reschedule"),
                &skive,
                json!({"start": format!("{date}T10:00:00+01:00")}),
            ),
            (
                Method::PUT,
                format!("/api/enrolment/{VIBORG}"),
                &secretariat,
                json!({"status": "enrolled", "round": 1, "decided_on": date}),
            ),
            (
                Method::PUT,
                format!("/api/municipalities/{SKIVE}/population"),
                &secretariat,
                json!({"inhabitants": 46000, "as_of": date}),
            ),
        ];
        for (method, path, token, body) in writes {
            let what = format!("{method} {path} with {date}");
            let reply = server.request(method, &path).bearer(token).json(&body).send();
            assert_refused(&reply, &[400, 422], &what);
            assert_unharmed(&mut server, &what, 1);
        }
    }
    // Nothing changed: Viborg is not enrolled, Skive's population is the built-in one.
    let history = server.get(&format!("/api/enrolment/{VIBORG}/history")).bearer(&secretariat).send();
    assert_eq!(history.expect_status(200).json()["history"], json!([]), "no enrolment was recorded");
    let municipalities = server.get("/api/municipalities").send().expect_status(200).json();
    let skive_row = municipalities["municipalities"].as_array().unwrap().iter().find(|m| m["code"] == SKIVE).unwrap();
    assert_eq!(skive_row["population_as_of"], "2018-01-01", "{skive_row}");
    // The budget plan counts years, not dates: far too many is a 422, nonsense a 400.
    for (query, status) in
        [("years=9999", 422), ("years=0", 422), ("years=-1", 400), ("total=99999999999999999999", 400)]
    {
        let reply = server.get(&format!("/api/budget/allocation?{query}")).send();
        assert_refused(&reply, &[status], query);
    }
    assert_unharmed(&mut server, "budget years", 1);
}

#[test]
fn unknown_municipality_codes_are_refused_everywhere() {
    let mut server = TestServer::start();
    let start = open_start(&server);
    let coordinator = coordinator_token();
    let secretariat = secretariat_token();
    // 101 is Copenhagen: a real municipality, but not one of the 19.
    for code in ["999", "0", "101", "-1", "99999999999999999999"] {
        let queries: Vec<(Method, String, &str, Option<Value>, u16)> = vec![
            (Method::GET, format!("/api/slots?municipality={code}"), &coordinator, None, 400),
            (Method::GET, format!("/api/bookings?municipality={code}"), &coordinator, None, 400),
            (Method::GET, format!("/api/budget/allocation?exclude={code}"), &coordinator, None, 400),
            (Method::GET, format!("/api/enrolment/{code}/history"), &secretariat, None, 404),
            (
                Method::PUT,
                format!("/api/enrolment/{code}"),
                &secretariat,
                Some(json!({"status": "council_considering"})),
                404,
            ),
            (
                Method::PUT,
                format!("/api/municipalities/{code}/population"),
                &secretariat,
                Some(json!({"inhabitants": 1000, "as_of": "2026-01-01"})),
                404,
            ),
        ];
        for (method, path, token, body, status) in queries {
            let what = format!("{method} {path}");
            let mut call = server.request(method, &path).bearer(token);
            if let Some(body) = &body {
                call = call.json(body);
            }
            let (_, message) = assert_refused(&call.send(), &[status], &what);
            assert!(
                message.contains("Region Midtjylland"),
                "{what}: the message says which codes are valid: {message}"
            );
            assert_unharmed(&mut server, &what, 0);
        }
        // A booking for such a municipality, as a raw JSON number (or what the client sends).
        let body = format!(
            r#"{{"municipality": {code}, "kind": "online", "start": "{start}", "topic": "Test", "contact_name": "Anne", "contact_email": "anne@example.dk"}}"#
        );
        let reply =
            server.post("/api/bookings").bearer(&municipality_token(SKIVE)).body("application/json", body).send();
        assert_refused(&reply, &[400], &format!("a booking for {code}"));
        assert_unharmed(&mut server, &format!("a booking for {code}"), 0);
    }
    // A token for a municipality that is not one of the 19 gets nowhere.
    for code in [999u16, 0, 101] {
        let token = dk2020_e2e::token("municipality", Some(code));
        let reply = server.get("/api/bookings").bearer(&token).send();
        assert_refused(&reply, &[401], &format!("a token for municipality {code}"));
        let reply = server.post("/api/bookings").bearer(&token).json(&booking_body(SKIVE, "online", &start)).send();
        assert_refused(&reply, &[401], &format!("a booking with a token for {code}"));
    }
    assert_unharmed(&mut server, "tokens for unknown municipalities", 0);
}

// ---------------------------------------------------------------------------
// Markup and line breaks in text fields

const SCRIPT: &str = "<script>alert(1);</script><img src=x onerror=\"alert(1),alert(2)\">";

/// The .ics files of a booking: its own download (as `token`) and the coordinator's feed.
fn ics_files(server: &TestServer, id: &str, token: &str) -> Vec<(String, String)> {
    let own = server.get(&format!("/api/bookings/{id}/ics")).bearer(token).send().expect_status(200);
    let feed = server.get(&server.calendar_feed()).send().expect_status(200);
    for reply in [&own, &feed] {
        let content_type = reply.header("content-type").unwrap_or_default();
        assert!(content_type.starts_with("text/calendar"), "an .ics is never HTML: {content_type}");
        assert_eq!(reply.header("x-content-type-options"), Some("nosniff"), "browsers must not sniff it as HTML");
    }
    vec![("the booking's .ics".into(), own.text()), ("the coordinator's feed".into(), feed.text())]
}

/// The content lines of an iCalendar text (unfolded), checking that every
/// physical line ends with CRLF and holds no other line break.
fn content_lines(what: &str, text: &str) -> Vec<String> {
    assert!(text.ends_with("\r\n"), "{what}: ends with CRLF");
    for line in text.split("\r\n") {
        assert!(!line.contains('\r') && !line.contains('\n'), "{what}: a bare line break in {line:?}");
    }
    text.replace("\r\n ", "").replace("\r\n\t", "").split("\r\n").filter(|l| !l.is_empty()).map(String::from).collect()
}

/// The property names of the content lines (`DESCRIPTION`, `DTSTART`, …).
fn property_names(lines: &[String]) -> Vec<String> {
    lines.iter().map(|l| l.split([':', ';']).next().unwrap_or_default().to_string()).collect()
}

#[test]
fn script_in_a_topic_and_contact_name_is_stored_verbatim_and_only_escaped_text_in_the_ics() {
    let mut server = TestServer::start();
    let start = open_start(&server);
    let token = municipality_token(SKIVE);
    let mut body = booking_body(SKIVE, "online", &start);
    body["topic"] = json!(format!("Emne {SCRIPT}"));
    body["contact_name"] = json!(format!("Navn {SCRIPT}"));
    let created = server.post("/api/bookings").bearer(&token).json(&body).send().expect_status(201);
    assert!(created.header("content-type").unwrap_or_default().starts_with("application/json"));
    let booking = created.json();
    let id = booking["id"].as_str().expect("an id").to_string();
    // JSON carries it verbatim, everywhere it is shown.
    assert_eq!(booking["topic"], body["topic"]);
    assert_eq!(booking["contact_name"], body["contact_name"]);
    let own = server.get("/api/bookings").bearer(&token).send().expect_status(200).json();
    assert_eq!(own["bookings"][0]["topic"], body["topic"]);
    let all = server.all_bookings();
    assert_eq!(all[0]["contact_name"], body["contact_name"]);
    let agenda =
        server.get("/api/coordinator/agenda?from=2026-12-01&to=2026-12-31").bearer(&coordinator_token()).send();
    let agenda = agenda.expect_status(200).json();
    assert_eq!(agenda["days"][0]["bookings"][0]["topic"], body["topic"], "{agenda}");

    for (what, text) in ics_files(&server, &id, &token) {
        let lines = content_lines(&what, &text);
        let description = lines.iter().find(|l| l.starts_with("DESCRIPTION:")).expect("a DESCRIPTION");
        // RFC 5545 TEXT: `;` and `,` escaped, the markup itself is plain text there.
        let escaped = SCRIPT.replace(';', "\\;").replace(',', "\\,");
        assert!(description.contains(&format!("Emne: Emne {escaped}")), "{what}: {description}");
        assert!(description.contains(&format!("Kontakt: Navn {escaped}")), "{what}: {description}");
        assert!(!description.contains(SCRIPT), "{what}: unescaped: {description}");
        assert_eq!(lines.iter().filter(|l| l.contains("<script>")).count(), 1, "{what}: only in the DESCRIPTION");
    }
    assert_unharmed(&mut server, "a booking with markup", 1);
}

#[test]
fn line_breaks_in_a_topic_cannot_inject_icalendar_properties() {
    let mut server = TestServer::start();
    let token = municipality_token(SKIVE);
    let injection = "ATTENDEE;RSVP=TRUE:mailto:evil@example.com\nEND:VEVENT\nBEGIN:VEVENT\nSUMMARY:Gratis penge";

    // A carriage return is a control character: the booking is refused and nothing is stored.
    for crlf in ["Anne\r\nATTENDEE:mailto:evil@example.com\r\nEND:VEVENT", "Anne\rATTENDEE:mailto:evil@example.com"] {
        for field in ["topic", "contact_name"] {
            let mut body = booking_body(SKIVE, "online", &open_start(&server));
            body[field] = json!(crlf);
            let reply = server.post("/api/bookings").bearer(&token).json(&body).send();
            let (_, message) = assert_refused(&reply, &[400], &format!("{field} with CR"));
            assert!(message.contains(field) && message.contains("control characters"), "{message}");
            assert_unharmed(&mut server, &format!("{field} with CR"), 0);
        }
    }

    // A line feed is allowed (a topic may have several lines): stored as given,
    // and in the .ics only as the two characters `\n` inside one TEXT value.
    let mut body = booking_body(SKIVE, "online", &open_start(&server));
    body["topic"] = json!(format!("Klimaplan\n{injection}"));
    body["contact_name"] = json!("Anne\nORGANIZER:mailto:evil@example.com");
    let booking = server.post("/api/bookings").bearer(&token).json(&body).send().expect_status(201).json();
    assert_eq!(booking["topic"], body["topic"], "stored as given");
    assert_eq!(booking["contact_name"], body["contact_name"], "stored as given");
    let id = booking["id"].as_str().expect("an id").to_string();
    // A second, ordinary booking: the feed must show exactly two events.
    let viborg = server.book_first_open(VIBORG, "online", "2026-12-02", "2026-12-11");

    for (what, text) in ics_files(&server, &id, &token) {
        let lines = content_lines(&what, &text);
        let names = property_names(&lines);
        let events = if what.contains("feed") { 2 } else { 1 };
        assert_eq!(lines.iter().filter(|l| *l == "BEGIN:VEVENT").count(), events, "{what}: {names:?}");
        assert_eq!(lines.iter().filter(|l| *l == "END:VEVENT").count(), events, "{what}: {names:?}");
        for injected in ["ATTENDEE", "SUMMARY:Gratis penge"] {
            assert!(!lines.iter().any(|l| l.starts_with(injected)), "{what}: an injected {injected} line");
        }
        assert!(!lines.iter().any(|l| l.starts_with("ORGANIZER") && l.contains("evil")), "{what}: injected ORGANIZER");
        let description =
            lines.iter().find(|l| l.starts_with("DESCRIPTION:") && l.contains("Klimaplan")).expect("ours");
        let escaped = injection.replace(';', "\\;").replace(',', "\\,").replace('\n', "\\n");
        assert!(description.contains(&format!("Emne: Klimaplan\\n{escaped}")), "{what}: {description}");
        assert!(description.contains("Kontakt: Anne\\nORGANIZER:mailto:evil@example.com"), "{what}: {description}");
        if what.contains("feed") {
            assert!(text.contains(&format!("UID:{}@", viborg["id"].as_str().unwrap())), "{what}: Viborg's event");
        }
    }
    assert_unharmed(&mut server, "bookings with line breaks", 2);
}

/// A misspelt or misplaced query parameter is never silently ignored: every
/// GET operation of the OpenAPI document, those that take parameters and
/// those that take none, answers 400 naming it.
#[test]
fn an_unknown_query_parameter_is_refused_by_every_get_endpoint() {
    let server = TestServer::shared();
    let doc = server.get("/api/openapi.json").send().expect_status(200).json();
    let coordinator = coordinator_token();
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().expect("the document has paths") {
        if item.get("get").is_none() {
            continue;
        }
        // Path parameters only need to be well-formed: the query is read first.
        let concrete = path.replace("{code}", "779").replace("{id}", "b0000000000000000");
        let target = format!("{concrete}?tokn=x");
        let reply = server.get(&target).bearer(&coordinator).send();
        let (code, message) = reply.expect_error(400);
        assert_eq!(code, "bad_request", "GET {path}");
        assert!(message.contains("\"tokn\""), "GET {path} should name the parameter: {message}");
        checked += 1;
    }
    assert!(checked >= 14, "only {checked} GET operations in the document");
}
