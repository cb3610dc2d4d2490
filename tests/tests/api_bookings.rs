//! Slots and bookings: what a municipality may see and book, the rules that
//! refuse a booking, cancelling, rescheduling and the .ics file. The server's
//! clock is Monday 30 November 2026 08:00, so with 48 hours' notice the first
//! bookable day is Wednesday 2 December. Tests that book have their own server.

use dk2020_e2e::{
    AARHUS, ODDER, RANDERS, SKIVE, Slot, TestServer, VIBORG, booking_body, coordinator_token, municipality_token,
    secretariat_token,
};
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap_or_else(|e| panic!("{s:?} is not an RFC 3339 time: {e}"))
}

fn minutes_between(start: &str, end: &str) -> i64 {
    ts(start).duration_until(ts(end)).as_mins()
}

fn starts(slots: &[Slot]) -> Vec<String> {
    slots.iter().map(|s| s.start.clone()).collect()
}

/// The open online slots Skive sees in the first bookable week.
fn skive_online(server: &TestServer) -> Vec<Slot> {
    server.slots(&municipality_token(SKIVE), SKIVE, "online", "2026-12-02", "2026-12-04")
}

fn bookings_as(server: &TestServer, token: &str) -> Value {
    server.get("/api/bookings").bearer(token).send().expect_status(200).json()
}

fn booking_by_id(server: &TestServer, id: &str) -> Value {
    server.all_bookings().into_iter().find(|b| b["id"] == id).unwrap_or_else(|| panic!("booking {id} is listed"))
}

fn confirmed(server: &TestServer) -> Vec<Value> {
    server.all_bookings().into_iter().filter(|b| b["status"]["state"] == "confirmed").collect()
}

// ---------------------------------------------------------------------------
// Slots

#[test]
fn slots_have_the_contract_shape_with_the_december_offset() {
    let server = TestServer::shared();
    let slots = server.slots(&municipality_token(SKIVE), SKIVE, "onsite", "2026-12-01", "2026-12-31");
    assert!(!slots.is_empty());
    let earliest = ts("2026-12-02T08:00:00+01:00");
    for slot in &slots {
        assert_eq!(slot.kind, "onsite");
        assert!(slot.start.ends_with("+01:00") && slot.end.ends_with("+01:00"), "Copenhagen winter time: {slot:?}");
        assert_eq!(slot.start.len(), "2026-12-02T09:00:00+01:00".len(), "RFC 3339 to the second: {slot:?}");
        assert_eq!(minutes_between(&slot.start, &slot.end), 90, "an on-site session lasts 90 minutes");
        assert!(ts(&slot.start) >= earliest, "48 hours' notice: {slot:?}");
        let day = &slot.start[..10];
        for closed in ["2026-12-05", "2026-12-06", "2026-12-24", "2026-12-25", "2026-12-26", "2026-12-31"] {
            assert_ne!(day, closed, "no sessions on weekends and holidays: {slot:?}");
        }
    }
    let mut sorted = slots.clone();
    sorted.sort_by_key(|s| ts(&s.start));
    assert_eq!(slots, sorted, "slots come in time order");

    // The raw JSON is exactly {"slots": [{"start", "end", "kind"}]}.
    let raw = server
        .get(&format!("/api/slots?municipality={SKIVE}&kind=online&from=2026-12-02&to=2026-12-02"))
        .bearer(&municipality_token(SKIVE))
        .send()
        .expect_status(200)
        .json();
    let first = &raw["slots"][0];
    assert_eq!(first["start"], "2026-12-02T08:30:00+01:00", "the day opens at 08:30");
    assert_eq!(first["end"], "2026-12-02T09:30:00+01:00", "an online session lasts 60 minutes");
    assert_eq!(first["kind"], "online");
}

#[test]
fn slots_default_to_the_callers_municipality_and_onsite() {
    let server = TestServer::shared();
    let reply = server.get("/api/slots").bearer(&municipality_token(SKIVE)).send().expect_status(200);
    let slots = reply.json()["slots"].as_array().unwrap().clone();
    assert!(!slots.is_empty());
    assert!(slots.iter().all(|s| s["kind"] == "onsite"));
}

#[test]
fn a_municipality_may_not_ask_for_another_municipalitys_slots() {
    let server = TestServer::shared();
    let path = format!("/api/slots?municipality={VIBORG}&kind=onsite&from=2026-12-02&to=2026-12-04");
    server.get(&path).bearer(&municipality_token(SKIVE)).send().expect_error(403);
    server.get(&path).bearer(&secretariat_token()).send().expect_error(403);
    server.get(&path).send().expect_error(401);
    let reply = server.get(&path).bearer(&coordinator_token()).send().expect_status(200);
    assert!(!reply.json()["slots"].as_array().unwrap().is_empty(), "the coordinator may look for anyone");
}

#[test]
fn bad_slot_queries_are_400() {
    let server = TestServer::shared();
    let token = municipality_token(SKIVE);
    for query in [
        "kind=bike",
        "from=tomorrow",
        "to=2026-02-30",
        "from=2026-12-10&to=2026-12-01",
        "from=2026-12-01&to=2027-12-01",
        "municipality=999",
        "colour=red",
    ] {
        let reply = server.get(&format!("/api/slots?{query}")).bearer(&token).send();
        assert_eq!(reply.status, 400, "{query}: {}", reply.text());
        reply.expect_error(400);
    }
}

// ---------------------------------------------------------------------------
// Booking

#[test]
fn booking_a_slot_returns_201_with_an_id_and_takes_the_slot() {
    let server = TestServer::start();
    let slot = skive_online(&server)[0].clone();
    let reply = server.book(SKIVE, "online", &slot.start).expect_status(201);
    let booking = reply.json();
    assert!(booking["id"].as_str().is_some_and(|id| !id.is_empty()), "a string id: {booking}");
    assert_eq!(booking["municipality"], SKIVE);
    assert_eq!(booking["kind"], "online");
    assert_eq!(ts(booking["start"].as_str().unwrap()), ts(&slot.start));
    let end = booking["end"].as_str().unwrap();
    assert_eq!(ts(end), ts(&slot.start).checked_add(SignedDuration::from_mins(60)).unwrap());
    assert!(end.ends_with("+01:00"), "{end}");
    assert_eq!(booking["status"]["state"], "confirmed");
    assert_eq!(booking["topic"], "Klimahandleplan: CO2-opgørelse");

    assert!(!starts(&skive_online(&server)).contains(&slot.start), "the slot is no longer offered");
    let viborg = server.slots(&municipality_token(VIBORG), VIBORG, "online", "2026-12-02", "2026-12-04");
    assert!(!starts(&viborg).contains(&slot.start), "the coordinator is one person: taken for everyone");
}

#[test]
fn a_start_in_another_offset_is_the_same_instant_and_comes_back_in_copenhagen_time() {
    let server = TestServer::start();
    // 08:30 UTC is 09:30 in Copenhagen in December.
    let booking = server.book(SKIVE, "online", "2026-12-03T08:30:00Z").expect_status(201).json();
    assert_eq!(booking["start"], "2026-12-03T09:30:00+01:00");
    assert_eq!(booking["end"], "2026-12-03T10:30:00+01:00");
}

#[test]
fn municipalities_see_their_own_bookings_and_others_only_as_busy() {
    let server = TestServer::start();
    let booking = server.book_first_open(SKIVE, "online", "2026-12-02", "2026-12-04");
    let id = booking["id"].as_str().unwrap();

    let own = bookings_as(&server, &municipality_token(SKIVE));
    let list = own["bookings"].as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["id"], id);
    assert_eq!(list[0]["contact_email"], "anne.jensen@example.dk");

    let reply = server.get("/api/bookings").bearer(&municipality_token(VIBORG)).send().expect_status(200);
    let other = reply.json();
    assert!(other["bookings"].as_array().unwrap().is_empty(), "Viborg has no bookings of its own");
    let busy = other["busy"].as_array().expect("busy times");
    assert_eq!(busy.len(), 1);
    assert_eq!(ts(busy[0]["start"].as_str().unwrap()), ts(booking["start"].as_str().unwrap()));
    assert_eq!(ts(busy[0]["end"].as_str().unwrap()), ts(booking["end"].as_str().unwrap()));
    let text = reply.text();
    for secret in [id, "Anne Jensen", "anne.jensen@example.dk", "Klimahandleplan", "779"] {
        assert!(!text.contains(secret), "Viborg must not see {secret:?} of Skive's booking: {text}");
    }
    server
        .get(&format!("/api/bookings?municipality={SKIVE}"))
        .bearer(&municipality_token(VIBORG))
        .send()
        .expect_error(403);

    let all = bookings_as(&server, &coordinator_token());
    assert_eq!(all["bookings"].as_array().unwrap().len(), 1);
    assert_eq!(all["bookings"][0]["contact_name"], "Anne Jensen");
    let filtered = server.get(&format!("/api/bookings?municipality={VIBORG}")).bearer(&coordinator_token()).send();
    assert!(filtered.expect_status(200).json()["bookings"].as_array().unwrap().is_empty());

    server.get("/api/bookings").bearer(&secretariat_token()).send().expect_error(403);
    server.get("/api/bookings").send().expect_error(401);
    server.get("/api/bookings?from=someday").bearer(&coordinator_token()).send().expect_error(400);
}

#[test]
fn nobody_books_for_another_municipality() {
    let server = TestServer::start();
    let slot = skive_online(&server)[0].clone();
    let body = booking_body(SKIVE, "online", &slot.start);
    // The coordinator books on a municipality's behalf at her own endpoint (below), not here.
    for token in [municipality_token(VIBORG), coordinator_token(), secretariat_token()] {
        server.post("/api/bookings").bearer(&token).json(&body).send().expect_error(403);
    }
    server.post("/api/bookings").json(&body).send().expect_error(401);
    assert!(server.all_bookings().is_empty());
}

#[test]
fn the_coordinator_books_on_a_municipalitys_behalf_under_the_same_rules() {
    let server = TestServer::start();
    let slots = skive_online(&server);
    let coordinator = coordinator_token();
    let booked = server
        .post("/api/coordinator/bookings")
        .bearer(&coordinator)
        .json(&booking_body(SKIVE, "online", &slots[0].start))
        .send()
        .expect_status(201)
        .json();
    assert_eq!(booked["municipality"], SKIVE);
    // Skive sees it as its own, and can cancel or move it.
    let own = bookings_as(&server, &municipality_token(SKIVE));
    assert_eq!(own["bookings"][0]["id"], booked["id"]);
    // The same rules: a taken time is taken, and Skive's cap holds for her too.
    let (code, _) = server
        .post("/api/coordinator/bookings")
        .bearer(&coordinator)
        .json(&booking_body(VIBORG, "online", &slots[0].start))
        .send()
        .expect_error(409);
    assert_eq!(code, "slot_taken");
    server
        .post("/api/coordinator/bookings")
        .bearer(&coordinator)
        .json(&booking_body(SKIVE, "online", &slots[4].start))
        .send()
        .expect_status(201);
    let (code, _) = server
        .post("/api/coordinator/bookings")
        .bearer(&coordinator)
        .json(&booking_body(SKIVE, "online", &slots[8].start))
        .send()
        .expect_error(422);
    assert_eq!(code, "cap_reached");
    // Her endpoint is hers: not the secretariat's, not a municipality's.
    let body = booking_body(VIBORG, "online", &slots[8].start);
    for token in [secretariat_token(), municipality_token(VIBORG)] {
        server.post("/api/coordinator/bookings").bearer(&token).json(&body).send().expect_error(403);
    }
}

#[test]
fn bad_booking_fields_are_400() {
    let server = TestServer::start();
    let slot = skive_online(&server)[0].clone();
    let token = municipality_token(SKIVE);
    let good = booking_body(SKIVE, "online", &slot.start);
    let with = |field: &str, value: Value| {
        let mut body = good.clone();
        body[field] = value;
        body
    };
    let mut missing = good.clone();
    missing.as_object_mut().unwrap().remove("contact_email");
    let mut unknown = good.clone();
    unknown["room"] = json!("B12");
    for body in [
        with("contact_email", json!("not-an-email")),
        with("contact_email", json!("anne@")),
        with("topic", json!("")),
        with("topic", json!("   ")),
        with("topic", json!("x".repeat(201))),
        with("contact_name", json!("")),
        with("kind", json!("bike")),
        with("start", json!("tomorrow at nine")),
        with("municipality", json!(999)),
        missing,
        unknown,
    ] {
        let reply = server.post("/api/bookings").bearer(&token).json(&body).send();
        assert_eq!(reply.status, 400, "{body}: {}", reply.text());
        reply.expect_error(400);
    }
    assert!(server.all_bookings().is_empty(), "nothing was booked");
}

#[test]
fn malformed_json_is_400_in_the_error_shape() {
    let server = TestServer::shared();
    let token = municipality_token(SKIVE);
    let (code, _) = server
        .post("/api/bookings")
        .bearer(&token)
        .body("application/json", "{\"municipality\": 779,")
        .send()
        .expect_error(400);
    assert_eq!(code, "bad_request");
    server.post("/api/bookings").bearer(&token).body("application/json", "").send().expect_error(400);
    server.post("/api/bookings").bearer(&token).body("text/plain", "{}").send().expect_error(400);
}

#[test]
fn a_body_over_64_kib_is_413() {
    let server = TestServer::shared();
    let token = municipality_token(SKIVE);
    let mut body = booking_body(SKIVE, "online", "2026-12-03T10:00:00+01:00");
    body["topic"] = json!("x".repeat(70 * 1024));
    let (code, _) = server.post("/api/bookings").bearer(&token).json(&body).send().expect_error(413);
    assert_eq!(code, "payload_too_large");
    let big = format!("{{\"reason\": \"{}\"}}", "x".repeat(70 * 1024));
    let reply = server.post("/api/bookings/bsomething/cancel").bearer(&token).body("application/json", big).send();
    reply.expect_error(413);
}

#[test]
fn too_short_notice_is_422_too_short_notice() {
    let server = TestServer::start();
    for start in ["2026-11-30T14:00:00+01:00", "2026-12-01T10:00:00+01:00", "2026-11-20T10:00:00+01:00"] {
        let reply = server.book(SKIVE, "online", start);
        let (code, message) = reply.expect_error(422);
        assert_eq!(code, "too_short_notice", "{start}: {message}");
        assert!(message.contains("48"), "the message names the notice: {message}");
    }
    assert!(server.all_bookings().is_empty());
}

#[test]
fn starts_the_rules_refuse_are_422_with_the_rule() {
    let server = TestServer::start();
    for (start, rule) in [
        ("2026-12-25T10:00:00+01:00", "closed_day"),
        ("2026-12-24T10:00:00+01:00", "closed_day"),
        ("2027-01-01T10:00:00+01:00", "closed_day"),
        ("2026-12-05T10:00:00+01:00", "outside_working_hours"),
        ("2026-12-03T07:00:00+01:00", "outside_working_hours"),
        ("2026-12-03T15:30:00+01:00", "outside_working_hours"),
        ("2026-12-03T08:45:00+01:00", "not_on_slot_grid"),
        ("2027-03-01T10:00:00+01:00", "beyond_horizon"),
    ] {
        let (code, message) = server.book(SKIVE, "online", start).expect_error(422);
        assert_eq!(code, rule, "{start}: {message}");
    }
    assert!(server.all_bookings().is_empty());
}

#[test]
fn the_same_slot_twice_is_409_slot_taken() {
    let server = TestServer::start();
    let start = "2026-12-03T10:00:00+01:00";
    server.book(SKIVE, "online", start).expect_status(201);
    let (code, _) = server.book(VIBORG, "online", start).expect_error(409);
    assert_eq!(code, "slot_taken");
    // An overlapping start is taken as well; so is the same start by the same municipality.
    server.book(VIBORG, "online", "2026-12-03T10:30:00+01:00").expect_error(409);
    server.book(SKIVE, "online", start).expect_error(409);
    assert_eq!(confirmed(&server).len(), 1);
}

#[test]
fn a_municipality_may_hold_two_upcoming_sessions_and_no_more() {
    let server = TestServer::start();
    server.book(SKIVE, "online", "2026-12-03T09:00:00+01:00").expect_status(201);
    server.book(SKIVE, "online", "2026-12-04T09:00:00+01:00").expect_status(201);
    let (code, message) = server.book(SKIVE, "online", "2026-12-08T09:00:00+01:00").expect_error(422);
    assert_eq!(code, "cap_reached", "{message}");
    // Its slot list says why instead of being empty.
    let reply = server.get("/api/slots?kind=online").bearer(&municipality_token(SKIVE)).send();
    assert_eq!(reply.expect_error(422).0, "cap_reached");
    // The others are not affected.
    server.book(VIBORG, "online", "2026-12-08T09:00:00+01:00").expect_status(201);
}

#[test]
fn an_idempotency_key_retry_returns_the_same_booking_and_books_nothing_more() {
    let server = TestServer::start();
    let token = municipality_token(SKIVE);
    let body = booking_body(SKIVE, "online", "2026-12-03T10:00:00+01:00");
    let post = |token: &str, body: &Value| {
        server.post("/api/bookings").bearer(token).header("idempotency-key", "retry-7f3a").json(body).send()
    };
    let first = post(&token, &body).expect_status(201).json();
    let retry = post(&token, &body);
    assert!(retry.status == 201 || retry.status == 200, "a retry succeeds: {} {}", retry.status, retry.text());
    assert_eq!(retry.json()["id"], first["id"], "the same booking");
    assert_eq!(confirmed(&server).len(), 1, "no second booking");
    // The key is the municipality's own: another one using it books for itself.
    let viborg = post(&municipality_token(VIBORG), &booking_body(VIBORG, "online", "2026-12-04T10:00:00+01:00"));
    let viborg = viborg.expect_status(201).json();
    assert_ne!(viborg["id"], first["id"]);
    assert_eq!(viborg["municipality"], VIBORG);
    // A bad key is refused.
    let bad = server.post("/api/bookings").bearer(&token).header("idempotency-key", "").json(&body).send();
    bad.expect_error(400);
}

// ---------------------------------------------------------------------------
// Cancelling

#[test]
fn the_owner_cancels_and_the_slot_is_free_again() {
    let server = TestServer::start();
    let booking = server.book_first_open(SKIVE, "online", "2026-12-02", "2026-12-04");
    let id = booking["id"].as_str().unwrap();
    let start = booking["start"].as_str().unwrap().to_string();
    assert!(!starts(&skive_online(&server)).contains(&start));

    let path = format!("/api/bookings/{id}/cancel");
    let token = municipality_token(SKIVE);
    let cancelled = server.post(&path).bearer(&token).json(&json!({"reason": "Sygdom"})).send().expect_status(200);
    let cancelled = cancelled.json();
    assert_eq!(cancelled["status"]["state"], "cancelled");
    assert_eq!(cancelled["status"]["by"]["role"], "municipality");
    assert_eq!(cancelled["status"]["reason"], "Sygdom");
    assert!(starts(&skive_online(&server)).contains(&start), "the slot is offered again");

    let (code, _) = server.post(&path).bearer(&token).send().expect_error(409);
    assert_eq!(code, "conflict");
    // The owner still sees it, as cancelled; it can be left out.
    let own = bookings_as(&server, &token);
    assert_eq!(own["bookings"][0]["status"]["state"], "cancelled");
    let open = server.get("/api/bookings?include_cancelled=false").bearer(&token).send().expect_status(200);
    assert!(open.json()["bookings"].as_array().unwrap().is_empty());
    // Someone else may now book the time.
    server.book(VIBORG, "online", &start).expect_status(201);
}

#[test]
fn only_the_owner_or_the_coordinator_cancels() {
    let server = TestServer::start();
    let booking = server.book_first_open(SKIVE, "online", "2026-12-02", "2026-12-04");
    let path = format!("/api/bookings/{}/cancel", booking["id"].as_str().unwrap());
    server.post(&path).bearer(&municipality_token(VIBORG)).send().expect_error(403);
    server.post(&path).bearer(&secretariat_token()).send().expect_error(403);
    server.post(&path).send().expect_error(401);
    assert_eq!(confirmed(&server).len(), 1, "still confirmed");

    let reply = server.post(&path).bearer(&coordinator_token()).json(&json!({"reason": "Kursus"})).send();
    let cancelled = reply.expect_status(200).json();
    assert_eq!(cancelled["status"]["by"]["role"], "coordinator");
    assert!(confirmed(&server).is_empty());
}

#[test]
fn cancelling_an_unknown_booking_is_404_and_a_bad_body_400() {
    let server = TestServer::start();
    let token = municipality_token(SKIVE);
    server.post("/api/bookings/bnosuchbooking000000000/cancel").bearer(&token).send().expect_error(404);
    server.post("/api/bookings/no%20such/cancel").bearer(&token).send().expect_error(404);
    let booking = server.book_first_open(SKIVE, "online", "2026-12-02", "2026-12-04");
    let path = format!("/api/bookings/{}/cancel", booking["id"].as_str().unwrap());
    server.post(&path).bearer(&token).body("application/json", "{reason").send().expect_error(400);
    let long = json!({"reason": "x".repeat(501)});
    server.post(&path).bearer(&token).json(&long).send().expect_error(400);
    assert_eq!(confirmed(&server).len(), 1);
}

// ---------------------------------------------------------------------------
// Rescheduling

#[test]
fn rescheduling_to_an_open_slot_moves_the_booking_and_frees_the_old_time() {
    let server = TestServer::start();
    let booking = server.book(SKIVE, "online", "2026-12-03T09:00:00+01:00").expect_status(201).json();
    let id = booking["id"].as_str().unwrap();
    let path = format!("/api/bookings/{id}/reschedule");
    let reply =
        server.post(&path).bearer(&municipality_token(SKIVE)).json(&json!({"start": "2026-12-04T13:00:00+01:00"}));
    let moved = reply.send().expect_status(200).json();
    assert_eq!(moved["id"], id, "the same booking, moved");
    assert_eq!(moved["start"], "2026-12-04T13:00:00+01:00");
    assert_eq!(moved["end"], "2026-12-04T14:00:00+01:00");
    assert_eq!(moved["status"]["state"], "confirmed");
    let offered = starts(&skive_online(&server));
    assert!(offered.contains(&"2026-12-03T09:00:00+01:00".to_string()), "the old time is free again");
    assert!(!offered.contains(&"2026-12-04T13:00:00+01:00".to_string()));
    assert_eq!(confirmed(&server).len(), 1);

    // A move that overlaps the booking's own time only is fine.
    let coordinator = coordinator_token();
    let later = server.post(&path).bearer(&coordinator).json(&json!({"start": "2026-12-04T13:30:00+01:00"})).send();
    assert_eq!(later.expect_status(200).json()["start"], "2026-12-04T13:30:00+01:00");
}

#[test]
fn rescheduling_to_a_taken_slot_is_409_and_leaves_the_booking_untouched() {
    let server = TestServer::start();
    let mine = server.book(SKIVE, "online", "2026-12-03T09:00:00+01:00").expect_status(201).json();
    let theirs = server.book(VIBORG, "online", "2026-12-03T13:00:00+01:00").expect_status(201).json();
    let id = mine["id"].as_str().unwrap();
    let path = format!("/api/bookings/{id}/reschedule");
    let token = municipality_token(SKIVE);
    let (code, _) = server.post(&path).bearer(&token).json(&json!({"start": theirs["start"]})).send().expect_error(409);
    assert_eq!(code, "slot_taken");
    let after = booking_by_id(&server, id);
    assert_eq!(after["start"], mine["start"], "not moved");
    assert_eq!(after["end"], mine["end"]);
    assert_eq!(after["status"]["state"], "confirmed");
    assert!(!starts(&skive_online(&server)).contains(&"2026-12-03T09:00:00+01:00".to_string()), "still held");

    // Other refusals leave it untouched too.
    server.post(&path).bearer(&token).json(&json!({"start": "2026-12-25T10:00:00+01:00"})).send().expect_error(422);
    server.post(&path).bearer(&token).json(&json!({"start": "soon"})).send().expect_error(400);
    server.post(&path).bearer(&token).json(&json!({})).send().expect_error(400);
    server
        .post(&path)
        .bearer(&municipality_token(VIBORG))
        .json(&json!({"start": "2026-12-04T09:00:00+01:00"}))
        .send()
        .expect_error(403);
    server.post(&path).json(&json!({"start": "2026-12-04T09:00:00+01:00"})).send().expect_error(401);
    let unknown = "/api/bookings/bnosuchbooking000000000/reschedule";
    server.post(unknown).bearer(&token).json(&json!({"start": "2026-12-04T09:00:00+01:00"})).send().expect_error(404);
    assert_eq!(booking_by_id(&server, id)["start"], mine["start"]);
}

#[test]
fn a_cancelled_booking_cannot_be_rescheduled() {
    let server = TestServer::start();
    let booking = server.book(SKIVE, "online", "2026-12-03T09:00:00+01:00").expect_status(201).json();
    let id = booking["id"].as_str().unwrap();
    let token = municipality_token(SKIVE);
    server.post(&format!("/api/bookings/{id}/cancel")).bearer(&token).send().expect_status(200);
    let reply = server.post(&format!("/api/bookings/{id}/reschedule")).bearer(&token);
    reply.json(&json!({"start": "2026-12-04T09:00:00+01:00"})).send().expect_error(409);
    assert!(confirmed(&server).is_empty());
}

// ---------------------------------------------------------------------------
// The .ics file

#[test]
fn the_owner_downloads_an_ics_file_that_outlook_imports() {
    let server = TestServer::start();
    let booking = server.book_first_open(SKIVE, "onsite", "2026-12-02", "2026-12-11");
    let id = booking["id"].as_str().unwrap();
    let path = format!("/api/bookings/{id}/ics");
    let reply = server.get(&path).bearer(&municipality_token(SKIVE)).send().expect_status(200);
    assert!(reply.header("content-type").is_some_and(|c| c.starts_with("text/calendar")), "{:?}", reply.headers);
    let body = reply.text();
    assert!(body.starts_with("BEGIN:VCALENDAR\r\n"), "{body}");
    assert!(body.ends_with("END:VCALENDAR\r\n"), "{body}");
    assert!(body.split("\r\n").all(|line| !line.contains('\n') && !line.contains('\r')), "CRLF line ends only");
    for needle in ["VERSION:2.0", "BEGIN:VTIMEZONE", "TZID:Europe/Copenhagen", "BEGIN:VEVENT", "END:VEVENT"] {
        assert!(body.contains(needle), "{needle} missing: {body}");
    }
    assert!(body.contains(&format!("UID:{id}@")), "the booking's UID: {body}");
    assert!(body.lines().all(|l| l.len() <= 75), "lines are folded at 75 octets");

    server.get(&path).bearer(&coordinator_token()).send().expect_status(200);
    server.get(&path).bearer(&municipality_token(RANDERS)).send().expect_error(403);
    server.get(&path).bearer(&secretariat_token()).send().expect_error(403);
    server.get(&path).send().expect_error(401);
    server.get("/api/bookings/bnosuchbooking000000000/ics").bearer(&coordinator_token()).send().expect_error(404);
}

#[test]
fn onsite_visits_are_limited_per_day_and_must_leave_time_to_drive() {
    let server = TestServer::start();
    // Skive is more than half an hour from the office in Aarhus: not at opening time.
    let (code, _) = server.book(SKIVE, "onsite", "2026-12-08T08:30:00+01:00").expect_error(422);
    assert_eq!(code, "cannot_reach_in_time");
    // Two visits in Aarhus itself (no drive) fill the day's on-site quota of two.
    server.book(AARHUS, "onsite", "2026-12-08T09:00:00+01:00").expect_status(201);
    server.book(AARHUS, "onsite", "2026-12-08T12:00:00+01:00").expect_status(201);
    let (code, _) = server.book(ODDER, "onsite", "2026-12-08T14:30:00+01:00").expect_error(422);
    assert_eq!(code, "too_many_onsite_visits");
    // An online session still fits that day.
    server.book(ODDER, "online", "2026-12-08T14:30:00+01:00").expect_status(201);
    let onsite_slots = server.slots(&municipality_token(ODDER), ODDER, "onsite", "2026-12-08", "2026-12-08");
    assert!(onsite_slots.is_empty(), "no on-site slots are offered on a full day: {onsite_slots:?}");
}

#[test]
fn a_topic_with_line_breaks_and_punctuation_survives_into_a_valid_ics() {
    let server = TestServer::start();
    let mut body = booking_body(SKIVE, "online", "2026-12-03T10:00:00+01:00");
    body["topic"] = json!("Klimaplan; CO2, transport\nog landbrug – æøå");
    let token = municipality_token(SKIVE);
    let booking = server.post("/api/bookings").bearer(&token).json(&body).send().expect_status(201).json();
    assert_eq!(booking["topic"], "Klimaplan; CO2, transport\nog landbrug – æøå", "stored as given");
    let ics = server.get(&format!("/api/bookings/{}/ics", booking["id"].as_str().unwrap())).bearer(&token).send();
    let text = ics.expect_status(200).text();
    assert!(text.split("\r\n").all(|line| !line.contains('\n')), "no bare line feed from the topic: {text:?}");
    let unfolded = text.replace("\r\n ", "");
    assert!(unfolded.contains("Klimaplan\\; CO2\\, transport\\nog landbrug – æøå"), "RFC 5545 escaping: {unfolded}");
}

/// A municipality at its cap gets no new times, yet may move a booking: the
/// slots for a move leave that booking's own time and place in the cap out,
/// and are exactly what the reschedule then accepts.
#[test]
fn a_municipality_at_its_cap_sees_the_times_its_booking_could_move_to() {
    let server = TestServer::start();
    let token = municipality_token(SKIVE);
    let first = server.book_first_open(SKIVE, "online", "2026-12-02", "2026-12-31");
    server.book_first_open(SKIVE, "online", "2026-12-10", "2026-12-31");
    let path = format!("/api/slots?municipality={SKIVE}&kind=online&from=2026-12-02&to=2026-12-31");
    let (code, _) = server.get(&path).bearer(&token).send().expect_error(422);
    assert_eq!(code, "cap_reached");

    let id = first["id"].as_str().unwrap();
    let reply = server.get(&format!("{path}&moving={id}")).bearer(&token).send().expect_status(200).json();
    let starts: Vec<&str> = reply["slots"].as_array().unwrap().iter().map(|s| s["start"].as_str().unwrap()).collect();
    assert!(starts.contains(&first["start"].as_str().unwrap()), "its own time counts as free");
    let target = starts.iter().find(|s| **s != first["start"].as_str().unwrap()).expect("another time");
    let moved = server
        .post(&format!("/api/bookings/{id}/reschedule"))
        .bearer(&token)
        .json(&json!({ "start": target }))
        .send()
        .expect_status(200)
        .json();
    assert_eq!(moved["start"].as_str(), Some(*target));

    // Someone else's booking, or none: no such list.
    let viborg = format!("/api/slots?municipality={VIBORG}&kind=online&moving={id}");
    server.get(&viborg).bearer(&municipality_token(VIBORG)).send().expect_error(403);
    server.get(&format!("{path}&moving=nope")).bearer(&token).send().expect_error(404);
}
