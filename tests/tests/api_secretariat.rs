//! What the secretariat changes: populations, enrolment statuses (with their
//! history) and the default budget parameters. Each test that changes
//! something has its own server.

use dk2020_e2e::{SAMSOE, SKIVE, TestServer, VIBORG, coordinator_token, municipality_token, secretariat_token};
use serde_json::{Value, json};

fn overview_row(server: &TestServer, code: u16) -> Value {
    let body = server.get("/api/enrolment").send().expect_status(200).json();
    body["municipalities"].as_array().unwrap().iter().find(|m| m["code"] == code).expect("the municipality").clone()
}

fn population_of(server: &TestServer, code: u16) -> Value {
    let body = server.get("/api/municipalities").send().expect_status(200).json();
    body["municipalities"].as_array().unwrap().iter().find(|m| m["code"] == code).expect("the municipality").clone()
}

// ---------------------------------------------------------------------------
// Population

#[test]
fn the_secretariat_updates_a_population_and_it_persists() {
    let server = TestServer::start();
    let reply = server
        .put(&format!("/api/municipalities/{SKIVE}/population"))
        .bearer(&secretariat_token())
        .json(&json!({"inhabitants": 46_000, "as_of": "2026-01-01"}))
        .send()
        .expect_status(200);
    let updated = reply.json()["municipalities"].as_array().unwrap().iter().find(|m| m["code"] == SKIVE).cloned();
    assert_eq!(updated.unwrap()["population"], 46_000, "the answer shows the new figure");

    let skive = population_of(&server, SKIVE);
    assert_eq!(skive["population"], 46_000);
    assert_eq!(skive["population_as_of"], "2026-01-01");
    // The overview and the budget use the new figure.
    assert_eq!(overview_row(&server, SKIVE)["population"], 46_000);
    let plan = server.get("/api/budget/allocation").send().expect_status(200).json();
    let row = plan["rows"].as_array().unwrap().iter().find(|r| r["code"] == SKIVE).unwrap().clone();
    assert_eq!(row["population"], 46_000);
    let sum: i64 = plan["rows"].as_array().unwrap().iter().map(|r| r["years"][0].as_i64().unwrap()).sum();
    assert_eq!(sum, 1_000_000, "still exact after the change");
}

#[test]
fn only_the_secretariat_may_update_populations() {
    let server = TestServer::shared();
    let path = format!("/api/municipalities/{SKIVE}/population");
    let body = json!({"inhabitants": 1, "as_of": "2026-01-01"});
    server.put(&path).json(&body).send().expect_error(401);
    server.put(&path).bearer(&municipality_token(SKIVE)).json(&body).send().expect_error(403);
    server.put(&path).bearer(&coordinator_token()).json(&body).send().expect_error(403);
    assert_ne!(population_of(&server, SKIVE)["population"], 1, "nothing changed");
}

#[test]
fn a_population_update_with_a_bad_body_or_an_unknown_code_is_refused() {
    let server = TestServer::shared();
    let secretariat = secretariat_token();
    let path = format!("/api/municipalities/{SKIVE}/population");
    for body in [
        json!({"inhabitants": "many", "as_of": "2026-01-01"}),
        json!({"inhabitants": -5, "as_of": "2026-01-01"}),
        json!({"inhabitants": 46000}),
        json!({"inhabitants": 46000, "as_of": "yesterday"}),
        json!({"inhabitants": 46000, "as_of": "2026-01-01", "extra": true}),
    ] {
        server.put(&path).bearer(&secretariat).json(&body).send().expect_error(400);
    }
    server.put(&path).bearer(&secretariat).body("application/json", "{not json").send().expect_error(400);
    let good = json!({"inhabitants": 46000, "as_of": "2026-01-01"});
    server.put("/api/municipalities/999/population").bearer(&secretariat).json(&good).send().expect_error(404);
    // Zero inhabitants or a figure from the future is well-formed but refused.
    let zero = json!({"inhabitants": 0, "as_of": "2026-01-01"});
    server.put(&path).bearer(&secretariat).json(&zero).send().expect_error(422);
    let future = json!({"inhabitants": 46000, "as_of": "2027-01-01"});
    server.put(&path).bearer(&secretariat).json(&future).send().expect_error(422);
}

// ---------------------------------------------------------------------------
// Enrolment

#[test]
fn the_secretariat_enrols_a_municipality_and_the_overview_and_history_show_it() {
    let server = TestServer::start();
    let reply = server
        .put(&format!("/api/enrolment/{SKIVE}"))
        .bearer(&secretariat_token())
        .json(&json!({"status": "enrolled", "round": 1, "decided_on": "2020-10-20", "note": "Byrådet 20/10"}))
        .send()
        .expect_status(200);
    let history = reply.json();
    assert_eq!(history["municipality"], SKIVE);
    assert_eq!(history["history"].as_array().unwrap().len(), 1);

    let row = overview_row(&server, SKIVE);
    assert_eq!(row["status"], "enrolled");
    assert_eq!(row["round"], 1);
    let overview = server.get("/api/enrolment").send().json();
    let round_1 = overview["rounds"].as_array().unwrap().iter().find(|r| r["number"] == 1).expect("round 1").clone();
    assert!(round_1["municipalities"].as_array().unwrap().iter().any(|m| m["code"] == SKIVE), "{round_1}");

    // The history says who, when and why.
    let body =
        server.get(&format!("/api/enrolment/{SKIVE}/history")).bearer(&secretariat_token()).send().expect_status(200);
    let changes = body.json()["history"].as_array().unwrap().clone();
    assert_eq!(changes.len(), 1);
    let change = &changes[0];
    assert_eq!(change["by"]["role"], "secretariat");
    assert_eq!(change["note"], "Byrådet 20/10");
    assert_eq!(change["from"]["status"], "undecided");
    assert_eq!(change["to"]["status"], "enrolled");
    assert_eq!(change["to"]["round"], 1);
    let at: jiff::Timestamp = change["at"].as_str().expect("at is a time").parse().expect("RFC 3339");
    assert_eq!(at, "2026-11-30T08:00:00+01:00".parse::<jiff::Timestamp>().unwrap(), "recorded at the server's now");

    // The CSV download shows it as well.
    let csv = server.get("/api/enrolment?format=csv").send().expect_status(200).text();
    assert!(csv.lines().any(|l| l.starts_with("779,Skive,") && l.contains(",enrolled,1")), "{csv}");
}

#[test]
fn the_overview_as_of_a_day_before_a_change_shows_the_old_status() {
    let server = TestServer::start();
    server
        .put(&format!("/api/enrolment/{VIBORG}"))
        .bearer(&secretariat_token())
        .json(&json!({"status": "declined"}))
        .send()
        .expect_status(200);
    let status = |as_of: &str| {
        let body = server.get(&format!("/api/enrolment?as_of={as_of}")).send().expect_status(200).json();
        body["municipalities"].as_array().unwrap().iter().find(|m| m["code"] == VIBORG).unwrap()["status"].clone()
    };
    assert_eq!(status("2026-11-30"), "declined");
    assert_eq!(status("2026-11-29"), "undecided");
}

#[test]
fn a_status_change_to_an_undefined_round_is_refused_with_a_message() {
    let server = TestServer::shared();
    let reply = server
        .put(&format!("/api/enrolment/{SKIVE}"))
        .bearer(&secretariat_token())
        .json(&json!({"status": "enrolled", "round": 3, "decided_on": "2020-10-20"}))
        .send();
    assert!(reply.status == 400 || reply.status == 422, "status {}: {}", reply.status, reply.text());
    let (_, message) = reply.expect_error(reply.status);
    assert!(message.contains('3') || message.to_lowercase().contains("round"), "{message}");
    assert_eq!(overview_row(&server, SKIVE)["status"], "undecided", "nothing changed");
}

#[test]
fn impossible_status_changes_are_422_and_bad_bodies_400() {
    let server = TestServer::shared();
    let secretariat = secretariat_token();
    let path = format!("/api/enrolment/{SKIVE}");
    // Enrolled needs a decision date; an unknown status is not one.
    for body in [
        json!({"status": "enrolled", "round": 1}),
        json!({"status": "maybe"}),
        json!({"round": 1}),
        json!({"status": "undecided", "round": 1}),
    ] {
        server.put(&path).bearer(&secretariat).json(&body).send().expect_error(400);
    }
    server.put(&path).bearer(&secretariat).body("application/json", "{").send().expect_error(400);
    // Unchanged status, a pilot enrolling, a decision in the future: rules.
    server.put(&path).bearer(&secretariat).json(&json!({"status": "undecided"})).send().expect_error(422);
    let pilot = json!({"status": "enrolled", "round": 2, "decided_on": "2021-05-01"});
    server.put(&format!("/api/enrolment/{SAMSOE}")).bearer(&secretariat).json(&pilot).send().expect_error(422);
    let future = json!({"status": "enrolled", "round": 1, "decided_on": "2027-01-01"});
    server.put(&path).bearer(&secretariat).json(&future).send().expect_error(422);
    // An unknown municipality.
    server.put("/api/enrolment/999").bearer(&secretariat).json(&json!({"status": "declined"})).send().expect_error(404);
}

#[test]
fn only_the_secretariat_changes_statuses_and_reads_the_history() {
    let server = TestServer::shared();
    let path = format!("/api/enrolment/{SKIVE}");
    let body = json!({"status": "declined"});
    server.put(&path).json(&body).send().expect_error(401);
    server.put(&path).bearer(&municipality_token(SKIVE)).json(&body).send().expect_error(403);
    server.put(&path).bearer(&coordinator_token()).json(&body).send().expect_error(403);
    let history = format!("/api/enrolment/{SKIVE}/history");
    server.get(&history).send().expect_error(401);
    server.get(&history).bearer(&municipality_token(SKIVE)).send().expect_error(403);
    assert_eq!(overview_row(&server, SKIVE)["status"], "undecided", "nothing changed");
}

// ---------------------------------------------------------------------------
// Budget parameters

#[test]
fn the_secretariat_sets_the_default_budget_parameters() {
    let server = TestServer::start();
    let params = json!({"total": 2_400_000, "years": 2, "key": "hybrid", "equal_percent": 10, "frame_per_year": 0, "exclude": [741]});
    server.put("/api/budget/params").bearer(&secretariat_token()).json(&params).send().expect_status(200);
    let stored = server.get("/api/budget/params").send().expect_status(200).json();
    assert_eq!(stored["total"], 2_400_000);
    assert_eq!(stored["years"], 2);
    assert_eq!(stored["key"], "hybrid");
    // The plan without parameters now starts from them.
    let plan = server.get("/api/budget/allocation").send().expect_status(200).json();
    let rows = plan["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 18, "Samsø opted out");
    assert!(rows.iter().all(|r| r["years"].as_array().unwrap().len() == 2));
    let year_1: i64 = rows.iter().map(|r| r["years"][0].as_i64().unwrap()).sum();
    assert_eq!(year_1, 1_200_000);
    // A query parameter still overrides the default one by one.
    let plan = server.get("/api/budget/allocation?key=per-capita&exclude=").send().expect_status(200).json();
    assert_eq!(plan["rows"].as_array().unwrap().len(), 19);
}

#[test]
fn only_the_secretariat_sets_budget_parameters_and_only_valid_ones() {
    let server = TestServer::shared();
    let params = json!({"total": 1_000_000, "years": 1, "key": "per-capita", "frame_per_year": 0, "exclude": []});
    server.put("/api/budget/params").json(&params).send().expect_error(401);
    server.put("/api/budget/params").bearer(&municipality_token(SKIVE)).json(&params).send().expect_error(403);
    server.put("/api/budget/params").bearer(&coordinator_token()).json(&params).send().expect_error(403);
    let secretariat = secretariat_token();
    server.put("/api/budget/params").bearer(&secretariat).body("application/json", "[").send().expect_error(400);
    let bad = json!({"total": 3_000_000, "years": 0, "key": "per-capita", "frame_per_year": 0, "exclude": []});
    let reply = server.put("/api/budget/params").bearer(&secretariat).json(&bad).send();
    assert!(reply.status == 400 || reply.status == 422, "years 0: {} {}", reply.status, reply.text());
    reply.expect_error(reply.status);
    let stored = server.get("/api/budget/params").send().expect_status(200).json();
    assert_eq!(stored["total"], 3_000_000, "nothing changed");
}

#[test]
fn the_secretariat_sets_round_twos_firm_deadline_and_the_overview_shows_it() {
    let server = TestServer::start();
    let rounds = server.get("/api/enrolment/rounds").send().expect_status(200).json();
    assert_eq!(rounds["rounds"][1]["deadline_expected"], true, "round 2 is only expected: {rounds}");
    let mut firm = rounds.clone();
    firm["rounds"][1]["deadline"] = json!("2021-10-29");
    firm["rounds"][1]["deadline_expected"] = json!(false);
    let saved = server.put("/api/enrolment/rounds").bearer(&secretariat_token()).json(&firm).send().expect_status(200);
    assert_eq!(saved.json(), firm);
    let overview = server.get("/api/enrolment").send().expect_status(200).json();
    assert_eq!(overview["rounds"][1]["deadline"], "2021-10-29");
    assert_eq!(overview["rounds"][1]["deadline_expected"], false);

    let mut dropped = firm.clone();
    dropped["rounds"].as_array_mut().unwrap().pop();
    let (code, message) =
        server.put("/api/enrolment/rounds").bearer(&secretariat_token()).json(&dropped).send().expect_error(422);
    assert_eq!(code, "rule_violated");
    assert!(message.contains("round 2 is missing"), "{message}");
    let mut reversed = firm.clone();
    reversed["rounds"][1]["deadline"] = json!("2020-01-01");
    let (_, message) =
        server.put("/api/enrolment/rounds").bearer(&secretariat_token()).json(&reversed).send().expect_error(400);
    assert!(message.contains("must be after round 1's deadline"), "{message}");
    server.put("/api/enrolment/rounds").bearer(&coordinator_token()).json(&firm).send().expect_error(403);
    assert_eq!(server.get("/api/enrolment/rounds").send().expect_status(200).json(), firm, "unchanged by the refusals");
}
