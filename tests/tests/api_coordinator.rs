//! The coordinator's endpoints: availability settings, the agenda with
//! driving legs, and the subscribable calendar feed.

use dk2020_e2e::{SAMSOE, SKIVE, TestServer, coordinator_token, expired_token, municipality_token, secretariat_token};
use serde_json::{Value, json};

fn availability(server: &TestServer) -> Value {
    server.get("/api/coordinator/availability").bearer(&coordinator_token()).send().expect_status(200).json()
}

fn put_availability(server: &TestServer, settings: &Value) -> dk2020_e2e::Reply {
    server.put("/api/coordinator/availability").bearer(&coordinator_token()).json(settings).send()
}

// ---------------------------------------------------------------------------
// Availability

#[test]
fn the_coordinator_reads_the_default_availability() {
    let server = TestServer::shared();
    let settings = availability(&server);
    assert_eq!(settings["weekly"]["monday"]["start"], "08:30");
    assert!(settings["weekly"]["sunday"].is_null());
    assert_eq!(settings["rules"]["min_notice_hours"], 48);
    assert_eq!(settings["rules"]["cap_per_municipality"], 2);
    assert!(settings["exceptions"].is_array());
}

#[test]
fn only_the_coordinator_reads_and_changes_availability() {
    let server = TestServer::shared();
    let path = "/api/coordinator/availability";
    let settings = availability(&server);
    for token in [municipality_token(SKIVE), secretariat_token()] {
        server.get(path).bearer(&token).send().expect_error(403);
        server.put(path).bearer(&token).json(&settings).send().expect_error(403);
    }
    server.get(path).send().expect_error(401);
    server.put(path).json(&settings).send().expect_error(401);
}

#[test]
fn a_closed_day_exception_removes_that_days_slots() {
    let server = TestServer::start();
    let token = municipality_token(SKIVE);
    let on_the_3rd = |server: &TestServer| server.slots(&token, SKIVE, "online", "2026-12-03", "2026-12-03").len();
    assert!(on_the_3rd(&server) > 0);

    let mut settings = availability(&server);
    settings["exceptions"] = json!([{"date": "2026-12-03", "hours": null, "note": "Kursus"}]);
    let saved = put_availability(&server, &settings).expect_status(200).json();
    assert_eq!(saved["exceptions"][0]["date"], "2026-12-03");
    assert_eq!(availability(&server)["exceptions"][0]["note"], "Kursus", "the change persists");
    assert_eq!(on_the_3rd(&server), 0, "no sessions on a closed day");
    let (code, _) = server.book(SKIVE, "online", "2026-12-03T10:00:00+01:00").expect_error(422);
    assert_eq!(code, "closed_day");
}

/// `HH:MM` of the online slots of Skive on `date`.
fn online_starts(server: &TestServer, date: &str) -> Vec<String> {
    let token = municipality_token(SKIVE);
    server.slots(&token, SKIVE, "online", date, date).into_iter().map(|s| s.start[11..16].to_string()).collect()
}

#[test]
fn a_lunch_break_and_a_steering_group_meeting_keep_their_hours_free() {
    let server = TestServer::start();
    let mut settings = availability(&server);
    settings["weekly"]["thursday"] = json!([{"start": "08:30", "end": "12:00"}, {"start": "12:30", "end": "16:00"}]);
    settings["blocked"] =
        json!([{"date": "2026-12-04", "hours": {"start": "09:00", "end": "11:00"}, "note": "Styregruppemøde"}]);
    let saved = put_availability(&server, &settings).expect_status(200).json();
    assert_eq!(saved["weekly"]["thursday"][1], json!({"start": "12:30", "end": "16:00"}));
    assert_eq!(availability(&server)["blocked"][0]["note"], "Styregruppemøde", "kept");

    let thursday = online_starts(&server, "2026-12-03");
    assert!(thursday.contains(&"11:00".to_string()) && thursday.contains(&"12:30".to_string()), "{thursday:?}");
    assert!(!thursday.contains(&"11:30".to_string()) && !thursday.contains(&"12:00".to_string()), "{thursday:?}");
    let (code, message) = server.book(SKIVE, "online", "2026-12-03T11:30:00+01:00").expect_error(422);
    assert_eq!(code, "outside_working_hours");
    assert!(message.contains("08:30-12:00, 12:30-16:00"), "{message}");

    let friday = online_starts(&server, "2026-12-04");
    for blocked in ["08:30", "09:00", "09:30", "10:00", "10:30"] {
        assert!(!friday.contains(&blocked.to_string()), "{blocked} is in the meeting or its buffer: {friday:?}");
    }
    assert!(friday.contains(&"11:30".to_string()), "{friday:?}");
    let (code, _) = server.book(SKIVE, "online", "2026-12-04T10:00:00+01:00").expect_error(409);
    assert_eq!(code, "coordinator_busy");

    settings["weekly"]["thursday"] = json!([{"start": "08:30", "end": "12:00"}, {"start": "11:00", "end": "16:00"}]);
    let (code, message) = put_availability(&server, &settings).expect_error(422);
    assert_eq!(code, "rule_violated");
    assert!(message.contains("08:30-12:00 and 11:00-16:00 of Thursday overlap"), "{message}");
    settings["weekly"]["thursday"] = json!([]);
    put_availability(&server, &settings).expect_error(400);
}

#[test]
fn invalid_availability_is_422_with_the_problem_and_changes_nothing() {
    let server = TestServer::start();
    let before = availability(&server);
    let mut bad = before.clone();
    bad["rules"]["onsite_minutes"] = json!(5);
    let (_, message) = put_availability(&server, &bad).expect_error(422);
    assert!(message.contains("onsite_minutes"), "the message names the field: {message}");
    let mut bad = before.clone();
    bad["rules"]["cap_per_municipality"] = json!(0);
    put_availability(&server, &bad).expect_error(422);
    let mut closed = before.clone();
    for day in ["monday", "tuesday", "wednesday", "thursday", "friday"] {
        closed["weekly"][day] = Value::Null;
    }
    put_availability(&server, &closed).expect_error(422);
    // Malformed settings are 400.
    let mut reversed = before.clone();
    reversed["weekly"]["monday"] = json!({"start": "16:00", "end": "08:30"});
    put_availability(&server, &reversed).expect_error(400);
    let mut nonsense = before.clone();
    nonsense["weekly"]["monday"] = json!({"start": "quarter past", "end": "16:00"});
    put_availability(&server, &nonsense).expect_error(400);
    server
        .put("/api/coordinator/availability")
        .bearer(&coordinator_token())
        .body("application/json", "{")
        .send()
        .expect_error(400);

    assert_eq!(availability(&server), before, "nothing changed");
}

#[test]
fn slots_after_the_summer_time_change_carry_the_summer_offset() {
    let server = TestServer::start();
    let mut settings = availability(&server);
    settings["rules"]["horizon_days"] = json!(200);
    put_availability(&server, &settings).expect_status(200);
    // Summer time starts on Sunday 28 March 2027, which is also Easter Sunday:
    // Maundy Thursday, Good Friday and Easter Monday around it are holidays.
    let slots = server.slots(&coordinator_token(), SKIVE, "online", "2027-03-23", "2027-03-30");
    let on = |date: &str| slots.iter().filter(|s| s.start.starts_with(date)).collect::<Vec<_>>();
    for holiday in ["2027-03-25", "2027-03-26", "2027-03-29"] {
        assert!(on(holiday).is_empty(), "{holiday} is a holiday");
    }
    let winter = on("2027-03-23");
    let summer = on("2027-03-30");
    assert_eq!(winter.first().map(|s| s.start.as_str()), Some("2027-03-23T08:30:00+01:00"));
    assert_eq!(summer.first().map(|s| s.start.as_str()), Some("2027-03-30T08:30:00+02:00"), "08:30 local still");
    assert!(winter.iter().all(|s| s.start.ends_with("+01:00") && s.end.ends_with("+01:00")));
    assert!(summer.iter().all(|s| s.start.ends_with("+02:00") && s.end.ends_with("+02:00")));
    // Booking in summer time works with the summer offset.
    let booking = server.book(SKIVE, "online", "2027-03-30T08:30:00+02:00").expect_status(201).json();
    assert_eq!(booking["end"], "2027-03-30T09:30:00+02:00");
}

// ---------------------------------------------------------------------------
// Agenda

fn agenda_day(server: &TestServer, date: &str) -> Value {
    let reply = server.get(&format!("/api/coordinator/agenda?from={date}&to={date}")).bearer(&coordinator_token());
    let agenda = reply.send().expect_status(200).json();
    let days = agenda["days"].as_array().expect("days").clone();
    days.into_iter().find(|d| d["date"] == date).unwrap_or_else(|| panic!("no agenda for {date}: {agenda}"))
}

#[test]
fn the_agenda_lists_an_onsite_visit_with_its_drives_from_and_to_aarhus() {
    let server = TestServer::start();
    let booking = server.book_first_open(SKIVE, "onsite", "2026-12-02", "2026-12-11");
    let id = booking["id"].as_str().unwrap();
    let date = &booking["start"].as_str().unwrap()[..10];

    let day = agenda_day(&server, date);
    let bookings = day["bookings"].as_array().unwrap();
    assert_eq!(bookings.len(), 1);
    assert_eq!(bookings[0]["id"], id);
    let legs = day["legs"].as_array().unwrap();
    assert_eq!(legs.len(), 2, "to the visit and home: {legs:?}");
    assert_eq!(legs[0]["from"]["type"], "office");
    assert_eq!(legs[0]["to"]["type"], "visit");
    assert_eq!(legs[0]["to"]["booking"], id);
    assert_eq!(legs[0]["to"]["municipality"], SKIVE);
    assert_eq!(legs[1]["from"]["booking"], id);
    assert_eq!(legs[1]["to"]["type"], "office");
    let minutes: Vec<u64> = legs.iter().map(|l| l["minutes"].as_u64().unwrap()).collect();
    assert!(minutes.iter().all(|&m| (30..=180).contains(&m)), "Aarhus-Skive is a real drive: {minutes:?}");
    assert_eq!(day["driving_minutes"].as_u64().unwrap(), minutes.iter().sum::<u64>());
}

#[test]
fn the_drive_to_samsoe_includes_the_ferry() {
    let server = TestServer::start();
    let booking = server.book_first_open(SAMSOE, "onsite", "2026-12-02", "2026-12-11");
    let day = agenda_day(&server, &booking["start"].as_str().unwrap()[..10]);
    let legs = day["legs"].as_array().unwrap();
    assert!(legs.iter().all(|l| l["minutes"].as_u64().unwrap() >= 60), "at least the ferry each way: {legs:?}");
}

#[test]
fn an_online_session_has_no_drive() {
    let server = TestServer::start();
    server.book(SKIVE, "online", "2026-12-03T10:00:00+01:00").expect_status(201);
    let day = agenda_day(&server, "2026-12-03");
    assert_eq!(day["bookings"].as_array().unwrap().len(), 1);
    assert!(day["legs"].as_array().unwrap().is_empty());
    assert_eq!(day["driving_minutes"], 0);
}

#[test]
fn the_agenda_is_the_coordinators_and_checks_its_range() {
    let server = TestServer::shared();
    let ok = server.get("/api/coordinator/agenda").bearer(&coordinator_token()).send().expect_status(200).json();
    assert!(ok["days"].is_array());
    server.get("/api/coordinator/agenda").bearer(&municipality_token(SKIVE)).send().expect_error(403);
    server.get("/api/coordinator/agenda").bearer(&secretariat_token()).send().expect_error(403);
    server.get("/api/coordinator/agenda").send().expect_error(401);
    let coordinator = coordinator_token();
    for query in ["from=2026-12-10&to=2026-12-01", "from=2026-01-01&to=2026-12-31", "from=monday", "week=49"] {
        server.get(&format!("/api/coordinator/agenda?{query}")).bearer(&coordinator).send().expect_error(400);
    }
}

// ---------------------------------------------------------------------------
// Calendar feed

#[test]
fn the_calendar_feed_serves_the_coordinator_every_confirmed_booking() {
    let server = TestServer::start();
    let booking = server.book_first_open(SKIVE, "onsite", "2026-12-02", "2026-12-11");
    let id = booking["id"].as_str().unwrap();
    let feed = server.calendar_feed();
    let reply = server.get(&feed).send().expect_status(200);
    assert!(reply.header("content-type").is_some_and(|c| c.starts_with("text/calendar")));
    let body = reply.text();
    assert!(body.starts_with("BEGIN:VCALENDAR\r\n"));
    assert!(body.contains("BEGIN:VTIMEZONE"));
    assert!(body.contains(&format!("UID:{id}@")), "the booking's UID: {body}");
    // Her drives to Skive and back, each an event of its own that ends as the visit starts / starts as it ends.
    let unfolded = body.replace("\r\n ", "");
    let drive = |key: &str| {
        let uid = format!("UID:drive-{key}-{id}@dk2020-planner");
        let at = unfolded.find(&uid).unwrap_or_else(|| panic!("{uid} in {unfolded}"));
        unfolded[at..].split("END:VEVENT").next().unwrap().to_string()
    };
    let (there, home) = (drive("to"), drive("home"));
    assert!(there.contains("SUMMARY:Kørsel Aarhus → Skive\\, ca. 1 t 36 min"), "{there}");
    assert!(home.contains("SUMMARY:Kørsel Skive → Aarhus\\, ca. 1 t 36 min"), "{home}");
    let local = |t: &str| {
        let t: jiff::Timestamp = t.parse().unwrap();
        t.to_zoned_datetime(dk2020_model::COPENHAGEN.clone()).datetime().strftime("%Y%m%dT%H%M%S").to_string()
    };
    let (start, end) = (local(booking["start"].as_str().unwrap()), local(booking["end"].as_str().unwrap()));
    assert!(there.contains(&format!("DTEND;TZID=Europe/Copenhagen:{start}")), "arrives as the visit starts: {there}");
    assert!(home.contains(&format!("DTSTART;TZID=Europe/Copenhagen:{end}")), "leaves as it ends: {home}");

    // A cancelled booking does not stay in the feed as a confirmed one.
    server.post(&format!("/api/bookings/{id}/cancel")).bearer(&coordinator_token()).send().expect_status(200);
    let body = server.get(&feed).send().expect_status(200).text();
    if body.contains(&format!("UID:{id}@")) {
        assert!(body.contains("STATUS:CANCELLED"), "a cancelled event is marked so: {body}");
    }
}

#[test]
fn a_feed_address_opens_the_feed_until_it_is_revoked_and_the_old_token_address_is_gone() {
    let server = TestServer::start();
    let issued = server
        .post("/api/calendar/feeds")
        .bearer(&coordinator_token())
        .json(&serde_json::json!({"label": "Outlook"}))
        .send()
        .expect_status(201)
        .json();
    let url = issued["url"].as_str().unwrap();
    let feed = url[url.find("/api/").unwrap()..].to_string();
    let other = server.calendar_feed();
    assert_ne!(feed, other, "one secret per subscriber");
    server.get(&feed).send().expect_status(200);
    // The list shows both, without their secrets.
    let list = server.get("/api/calendar/feeds").bearer(&coordinator_token()).send().expect_status(200).json();
    let feeds = list["feeds"].as_array().unwrap();
    assert_eq!(feeds.len(), 2);
    assert!(!list.to_string().contains("dkf_"), "no secret in the list: {list}");
    // Revoked: that address is dead at once, the other one lives on.
    let id = issued["id"].as_str().unwrap();
    server.post(&format!("/api/calendar/feeds/{id}/revoke")).bearer(&coordinator_token()).send().expect_status(200);
    server.get(&feed).send().expect_error(404);
    server.get(&other).send().expect_status(200);
    // The secret opens the feed and nothing else.
    let secret = feed.trim_start_matches("/api/calendar/").trim_end_matches(".ics").to_string();
    server.get("/api/bookings").bearer(&secret).send().expect_error(401);
    // Only the coordinator makes feed addresses.
    for token in [municipality_token(SKIVE), secretariat_token()] {
        server
            .post("/api/calendar/feeds")
            .bearer(&token)
            .json(&serde_json::json!({"label": "x"}))
            .send()
            .expect_error(403);
    }
    // The old address with a token in it answers 410 with a pointer to the new one.
    let (code, message) =
        server.get(&format!("/api/calendar.ics?token={}", coordinator_token())).send().expect_error(410);
    assert_eq!(code, "gone");
    assert!(message.contains("/api/calendar/"), "{message}");
    server.get("/api/calendar.ics").send().expect_error(410);
    let _ = expired_token();
}

#[test]
fn the_visits_report_counts_the_sessions_held_with_their_driving_next_to_the_fair_share() {
    let mut server = TestServer::start();
    let lemvig = municipality_token(dk2020_e2e::LEMVIG);
    let visit = server.slots(&lemvig, dk2020_e2e::LEMVIG, "onsite", "2026-12-02", "2026-12-04")[0].start.clone();
    server.book(dk2020_e2e::LEMVIG, "onsite", &visit).expect_status(201);
    server.book_first_open(SKIVE, "online", "2026-12-02", "2026-12-04");
    // A month later both have been held.
    server.restart_with(|c| c.now = Some("2027-01-04T08:00:00+01:00".into()));
    let now = "2027-01-04T08:00:00+01:00".parse::<jiff::Timestamp>().unwrap().as_second();
    let token =
        dk2020_e2e::sign(&json!({"role": "coordinator", "iat": now, "exp": now + 3600}), dk2020_e2e::TEST_SECRET);
    let report = server
        .get("/api/reports/visits?from=2026-12-01&to=2026-12-31&key=hybrid&equal_percent=25")
        .bearer(&token)
        .send()
        .expect_status(200)
        .json();
    let row = |code: u16| report["municipalities"].as_array().unwrap().iter().find(|r| r["code"] == code).cloned();
    let row = |code: u16| {
        row(code)
            .or_else(|| {
                report["municipalities"].as_array().unwrap().iter().find(|r| r["municipality"] == code).cloned()
            })
            .unwrap()
    };
    let lemvig_row = row(dk2020_e2e::LEMVIG);
    assert_eq!((lemvig_row["onsite"].as_u64(), lemvig_row["part"].as_str()), (Some(1), Some("west")), "{lemvig_row}");
    assert!(lemvig_row["driving_minutes"].as_u64().unwrap() > 240, "to Lemvig and back: {lemvig_row}");
    assert_eq!(row(SKIVE)["online"], 1);
    assert_eq!(report["key"], "hybrid:25");
    let csv = server
        .get("/api/reports/visits?from=2026-12-01&to=2026-12-31&format=csv")
        .bearer(&token)
        .send()
        .expect_status(200);
    assert!(csv.header("content-disposition").is_some_and(|d| d.contains("dk2020-besoeg-2026-12-01-2026-12-31.csv")));
    let text = csv.text();
    assert!(text.starts_with("code,name,part,onsite,online,onsite_minutes,driving_minutes,cancelled_by_municipality,cancelled_by_coordinator,share_percent,fair_share_percent\n"), "{text}");
    assert!(text.contains("665,Lemvig,west,1,0,90,"), "{text}");
}

#[test]
fn a_tour_day_keeps_its_visits_for_vestjylland_and_the_slots_say_why() {
    let server = TestServer::start();
    let mut settings = availability(&server);
    settings["rules"]["tour_days"] = json!({"wednesday": "vestjylland"});
    put_availability(&server, &settings).expect_status(200);
    // Booking on Monday 30 November: Wednesday 16 December is more than 14 days ahead.
    let week = "from=2026-12-14&to=2026-12-20";
    let slots_of = |code: u16, kind: &str| {
        server
            .get(&format!("/api/slots?municipality={code}&kind={kind}&{week}"))
            .bearer(&municipality_token(code))
            .send()
            .expect_status(200)
            .json()
    };
    let on_the_16th = |answer: &Value| {
        answer["slots"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["start"].as_str().unwrap().starts_with("2026-12-16"))
            .count()
    };
    let aarhus = slots_of(751, "onsite");
    assert_eq!(on_the_16th(&aarhus), 0, "{aarhus}");
    assert_eq!(aarhus["reserved"], json!([{"date": "2026-12-16", "area": "vestjylland", "opens": "2026-12-02"}]));
    let lemvig = slots_of(665, "onsite");
    assert!(on_the_16th(&lemvig) > 0, "{lemvig}");
    assert_eq!(lemvig["reserved"], json!([]));
    assert!(on_the_16th(&slots_of(751, "online")) > 0, "online sessions are not kept");
    let refused = server.book(751, "onsite", "2026-12-16T09:00:00+01:00");
    let (code, message) = refused.expect_error(422);
    assert_eq!(code, "reserved_for_tour");
    assert!(message.contains("Vestjylland") && message.contains("2026-12-02"), "{message}");
}
