//! Her calendar subscriptions over HTTP, against a local calendar server
//! that serves the Outlook, Google and Nextcloud fixtures
//! (`tests/fixtures/calendars/`): busy times block slots (drives included),
//! a failing calendar keeps its last good busy times and says why, and
//! addresses on private networks are refused without a request.
//!
//! The servers run on a clock in March 2027, where the fixtures' events are.

use dk2020_e2e::{
    LEMVIG, Reply, SKIVE, TEST_SECRET, TestServer,
    ics_server::{Answer, IcsServer},
    sign,
};
use serde_json::{Value, json};

const NOW: &str = "2027-03-01T08:00:00+01:00";

fn fixture(name: &str) -> String {
    let path = format!("{}/fixtures/calendars/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn outlook() -> Answer {
    Answer::Calendar { ics: fixture("outlook.ics"), etag: "\"outlook-1\"".into() }
}

/// A token valid at [`NOW`] (the harness's own tokens are for its November clock).
fn token_at(role: &str, municipality: Option<u16>) -> String {
    let now = NOW.parse::<jiff::Timestamp>().unwrap().as_second();
    let mut claims = json!({"role": role, "iat": now, "exp": now + 3600});
    if let Some(code) = municipality {
        claims["municipality"] = json!(code);
    }
    sign(&claims, TEST_SECRET)
}

fn coordinator() -> String {
    token_at("coordinator", None)
}

/// A server that may fetch from the loopback calendar server.
fn server() -> TestServer {
    let mut config =
        TestServer::config().env("DK2020_CALENDAR_ALLOW_PRIVATE", "1").env("DK2020_CALENDAR_TIMEOUT_SECS", "1");
    config.now = Some(NOW.into());
    config.start()
}

fn add(server: &TestServer, label: &str, url: &str) -> Reply {
    server.post("/api/coordinator/calendars").bearer(&coordinator()).json(&json!({"label": label, "url": url})).send()
}

fn refresh(server: &TestServer, id: &str) -> Value {
    server
        .post(&format!("/api/coordinator/calendars/{id}/refresh"))
        .bearer(&coordinator())
        .send()
        .expect_status(200)
        .json()
}

/// `HH:MM` of the slots of `date`.
fn starts(server: &TestServer, municipality: u16, kind: &str, date: &str) -> Vec<String> {
    let token = token_at("municipality", Some(municipality));
    let reply = server
        .get(&format!("/api/slots?municipality={municipality}&kind={kind}&from={date}&to={date}"))
        .bearer(&token)
        .send()
        .expect_status(200)
        .json();
    reply["slots"].as_array().unwrap().iter().map(|s| s["start"].as_str().unwrap()[11..16].to_string()).collect()
}

fn online(server: &TestServer, date: &str) -> Vec<String> {
    starts(server, SKIVE, "online", date)
}

const TUESDAY: &str = "2027-03-09";
const AFTER_SUMMER_TIME: &str = "2027-03-30";

#[test]
fn a_weekly_meeting_in_her_outlook_calendar_blocks_the_slots_around_it_and_the_drives_to_lemvig() {
    let calendars = IcsServer::start(outlook());
    let server = server();
    assert!(online(&server, TUESDAY).contains(&"09:00".to_string()), "free before the calendar is added");
    let lemvig_before = starts(&server, LEMVIG, "onsite", TUESDAY);
    assert!(!lemvig_before.is_empty(), "Lemvig can be visited on a free Tuesday");

    let added = add(&server, "Outlook", &calendars.url("owa/calendar/abc/reachcalendar.ics")).expect_status(201).json();
    assert_eq!(added["label"], "Outlook");
    assert!(added["id"].as_str().unwrap().starts_with("cal_"));
    assert!(added["last_error"].is_null(), "{added}");
    assert!(added["busy_count"].as_u64().unwrap() > 0, "{added}");
    assert_eq!(added["last_fetched"].as_str().map(|t| t.parse::<jiff::Timestamp>().is_ok()), Some(true));

    // 09:00-10:00 is the steering group: an online hour must keep 15 minutes from it.
    let tuesday = online(&server, TUESDAY);
    for blocked in ["08:30", "09:00", "09:30", "10:00"] {
        assert!(!tuesday.contains(&blocked.to_string()), "{blocked} overlaps the meeting: {tuesday:?}");
    }
    assert!(tuesday.contains(&"10:30".to_string()), "{tuesday:?}");
    // Summer time began on 28 March: the meeting is still at 09:00 local.
    let later = online(&server, AFTER_SUMMER_TIME);
    assert!(!later.contains(&"09:00".to_string()) && later.contains(&"10:30".to_string()), "{later:?}");
    // The drive to Lemvig leaves Aarhus around 08:30: no visit fits that Tuesday.
    assert!(starts(&server, LEMVIG, "onsite", TUESDAY).is_empty(), "the drive would cross the meeting");
    // The occurrence moved to 13:00 on the 16th and the one cancelled on the 23rd.
    let sixteenth = online(&server, "2027-03-16");
    assert!(sixteenth.contains(&"09:00".to_string()) && !sixteenth.contains(&"13:00".to_string()), "{sixteenth:?}");
    assert!(online(&server, "2027-03-23").contains(&"09:00".to_string()), "EXDATE frees the 23rd");

    let skive = token_at("municipality", Some(SKIVE));
    let body = json!({"municipality": SKIVE, "kind": "online", "start": format!("{TUESDAY}T09:00:00+01:00"),
                      "topic": "Varmeplan", "contact_name": "Karen Klima", "contact_email": "karen@skive.dk"});
    let (code, message) = server.post("/api/bookings").bearer(&skive).json(&body).send().expect_error(409);
    assert_eq!(code, "coordinator_busy");
    assert!(message.contains("busy"), "{message}");
    assert!(!message.contains("Styregruppe"), "the meeting's title is not told: {message}");
    assert!(!calendars.saw_credentials(), "no credentials are sent to a calendar server");

    let id = added["id"].as_str().unwrap();
    server
        .request(dk2020_e2e::Method::DELETE, &format!("/api/coordinator/calendars/{id}"))
        .bearer(&coordinator())
        .send()
        .expect_status(204);
    assert!(online(&server, TUESDAY).contains(&"09:00".to_string()), "its busy times go with it");
    let listed = server.get("/api/coordinator/calendars").bearer(&coordinator()).send().expect_status(200).json();
    assert_eq!(listed["calendars"], json!([]));
}

#[test]
fn a_calendar_that_fails_keeps_its_last_good_busy_times_and_says_why() {
    let calendars = IcsServer::start(outlook());
    let server = server();
    let added = add(&server, "Outlook", &calendars.url("calendar.ics")).expect_status(201).json();
    let id = added["id"].as_str().unwrap().to_string();
    let busy = added["busy_count"].clone();

    // Unchanged: the server is asked with the ETag and answers 304.
    let same = refresh(&server, &id);
    assert!(same["last_error"].is_null(), "{same}");
    assert_eq!(calendars.if_none_match().last().cloned().flatten().as_deref(), Some("\"outlook-1\""));

    for (answer, code) in
        [(Answer::Status(500), "http_status"), (Answer::NotACalendar, "not_a_calendar"), (Answer::Silence, "timeout")]
    {
        calendars.answer(answer);
        let stale = refresh(&server, &id);
        assert_eq!(stale["last_error_code"], code, "{stale}");
        assert!(!stale["last_error"].as_str().unwrap().is_empty());
        assert!(!stale["last_error"].as_str().unwrap().contains("calendar.ics"), "no secret address in {stale}");
        assert_eq!(stale["busy_count"], busy, "the last good copy stays in force");
        assert!(stale["failing_since"].is_string(), "{stale}");
        assert!(!online(&server, TUESDAY).contains(&"09:00".to_string()), "still blocked after {code}");
    }
    let listed = server.get("/api/coordinator/calendars").bearer(&coordinator()).send().expect_status(200).json();
    assert_eq!(listed["calendars"][0]["last_error_code"], "timeout");

    calendars.answer(Answer::Calendar { ics: fixture("google.ics"), etag: "\"google-1\"".into() });
    let back = refresh(&server, &id);
    assert!(back["last_error"].is_null() && back["failing_since"].is_null(), "{back}");
    assert!(online(&server, TUESDAY).contains(&"09:00".to_string()), "the new calendar replaced the old one");
}

#[test]
fn addresses_on_private_networks_are_refused_without_a_request() {
    let calendars = IcsServer::start(outlook());
    let mut config = TestServer::config();
    config.now = Some(NOW.into());
    let server = config.start();
    for url in [
        calendars.url("calendar.ics"),
        calendars.url("calendar.ics").replace("127.0.0.1", "localhost"),
        "http://169.254.169.254/latest/meta-data/iam/security-credentials/".to_string(),
        "http://[::1]/calendar.ics".to_string(),
        "http://10.0.0.8/calendar.ics".to_string(),
    ] {
        let (code, message) = add(&server, "Intern", &url).expect_error(422);
        assert_eq!(code, "calendar_address_refused", "{url}");
        assert!(message.contains("private") || message.contains("local"), "{url}: {message}");
    }
    for url in ["ftp://example.dk/cal.ics", "https://user:secret@example.dk/cal.ics", "kalender", ""] {
        let (code, _) = add(&server, "Forkert", url).expect_error(422);
        assert_eq!(code, "calendar_address_refused", "{url:?}");
    }
    assert_eq!(calendars.requests(), 0, "nothing was fetched");
    let listed = server.get("/api/coordinator/calendars").bearer(&coordinator()).send().expect_status(200).json();
    assert_eq!(listed["calendars"], json!([]), "nothing was stored");
}

#[test]
fn only_the_coordinator_manages_calendars_and_mistakes_are_told() {
    let calendars = IcsServer::start(outlook());
    let server = server();
    let skive = token_at("municipality", Some(SKIVE));
    server.get("/api/coordinator/calendars").bearer(&skive).send().expect_error(403);
    server.get("/api/coordinator/calendars").send().expect_error(401);
    let body = json!({"label": "Outlook", "url": calendars.url("c.ics")});
    server.post("/api/coordinator/calendars").bearer(&skive).json(&body).send().expect_error(403);
    assert_eq!(calendars.requests(), 0);

    let c = coordinator();
    let (code, _) = server
        .post("/api/coordinator/calendars")
        .bearer(&c)
        .json(&json!({"url": calendars.url("c.ics")}))
        .send()
        .expect_error(400);
    assert_eq!(code, "bad_request");
    let (code, _) = server
        .post("/api/coordinator/calendars")
        .bearer(&c)
        .json(&json!({"label": "  ", "url": calendars.url("c.ics")}))
        .send()
        .expect_error(400);
    assert_eq!(code, "bad_request");
    let unknown = json!({"label": "Outlook", "url": calendars.url("c.ics"), "colour": "blue"});
    server.post("/api/coordinator/calendars").bearer(&c).json(&unknown).send().expect_error(400);
    server.post("/api/coordinator/calendars/cal_nope/refresh").bearer(&c).send().expect_error(404);
    server
        .request(dk2020_e2e::Method::DELETE, "/api/coordinator/calendars/cal_nope")
        .bearer(&c)
        .send()
        .expect_error(404);
    server.request(dk2020_e2e::Method::DELETE, "/api/coordinator/calendars/../x").bearer(&c).send().expect_error(404);

    for n in 0..10 {
        add(&server, &format!("Kalender {n}"), &calendars.url(&format!("c{n}.ics"))).expect_status(201);
    }
    let (code, message) = add(&server, "Den ellevte", &calendars.url("c11.ics")).expect_error(409);
    assert_eq!(code, "conflict");
    assert!(message.contains("at most 10"), "{message}");
}
