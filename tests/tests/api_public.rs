//! The endpoints anyone may call, on one shared server (these tests only
//! read): health, municipalities, the enrolment overview and its downloads,
//! the budget plan and its downloads, the OpenAPI document, and what every
//! response carries (error shape, security headers).

use std::{collections::BTreeMap, io::Cursor};

use calamine::{Data, Reader, Xlsx};
use dk2020_e2e::{AARHUS, LEMVIG, MUNICIPALITY_CODES, Method, RANDERS, Reply, SAMSOE, TestServer};
use serde_json::Value;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn rows_of(reply: &Reply) -> Vec<Value> {
    reply.json()["rows"].as_array().expect("rows is an array").clone()
}

/// The sum of year column `year` (0-based) over all rows.
fn year_sum(rows: &[Value], year: usize) -> i64 {
    rows.iter().map(|r| r["years"][year].as_i64().expect("a whole number of kroner")).sum()
}

/// The rows of the one sheet `name` of an XLSX file.
fn xlsx_rows(body: &[u8], name: &str) -> Vec<Vec<Data>> {
    assert!(body.starts_with(b"PK\x03\x04"), "an XLSX file is a zip archive");
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(body.to_vec())).expect("the XLSX opens");
    assert!(book.sheet_names().contains(&name.to_string()), "no sheet {name:?} in {:?}", book.sheet_names());
    let range = book.worksheet_range(name).expect("the sheet reads");
    assert_eq!(range.start(), Some((0, 0)), "the sheet starts in A1");
    range.rows().map(<[Data]>::to_vec).collect()
}

fn cell_text(cell: &Data) -> String {
    match cell {
        Data::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn cell_number(cell: &Data) -> f64 {
    match cell {
        Data::Int(i) => *i as f64,
        Data::Float(f) => *f,
        other => panic!("{other:?} is not a number"),
    }
}

/// CSV records (header first) of a CSV body.
fn csv_records(body: &str) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(body.as_bytes());
    reader.records().map(|r| r.expect("a CSV record").iter().map(str::to_string).collect()).collect()
}

// ---------------------------------------------------------------------------
// Health and municipalities

#[test]
fn health_reports_the_server_and_its_store_as_ok() {
    let server = TestServer::shared();
    let reply = server.get("/api/health").send().expect_status(200);
    assert_eq!(reply.json()["status"], "ok");
    assert_eq!(reply.json()["store"], "ok");
}

#[test]
fn municipalities_lists_the_nineteen_with_their_population() {
    let server = TestServer::shared();
    let body = server.get("/api/municipalities").send().expect_status(200).json();
    let list = body["municipalities"].as_array().expect("municipalities is an array");
    assert_eq!(list.len(), 19);
    let mut codes: Vec<u64> = list.iter().map(|m| m["code"].as_u64().expect("a numeric code")).collect();
    codes.sort_unstable();
    assert_eq!(codes, MUNICIPALITY_CODES.iter().map(|&c| u64::from(c)).collect::<Vec<_>>());
    let sum: u64 = list.iter().map(|m| m["population"].as_u64().expect("a population")).sum();
    assert_eq!(sum, 1_313_596);
    assert_eq!(body["total_population"], 1_313_596);
    let samsoe = list.iter().find(|m| m["code"] == SAMSOE).expect("Samsø is listed");
    assert_eq!(samsoe["name"], "Samsø");
    assert_eq!(samsoe["slug"], "samsoe");
    assert!(samsoe["population_as_of"].as_str().is_some_and(|d| d.len() == 10), "a date: {samsoe}");
}

// ---------------------------------------------------------------------------
// Enrolment overview

#[test]
fn enrolment_overview_has_the_contract_shape_and_the_four_pilots() {
    let server = TestServer::shared();
    let body = server.get("/api/enrolment").send().expect_status(200).json();
    let rows = body["municipalities"].as_array().expect("municipalities is an array");
    assert_eq!(rows.len(), 19);
    const STATUSES: [&str; 5] = ["undecided", "council_considering", "already_in", "enrolled", "declined"];
    for row in rows {
        assert!(row["code"].is_u64(), "code: {row}");
        assert!(row["name"].is_string(), "name: {row}");
        let status = row["status"].as_str().unwrap_or_else(|| panic!("status: {row}"));
        assert!(STATUSES.contains(&status), "status {status:?}");
        let round = row.get("round").unwrap_or_else(|| panic!("round must be present (null or 1/2): {row}"));
        assert!(round.is_null() || round == 1 || round == 2, "round: {row}");
        assert_eq!(status == "enrolled", !round.is_null(), "only an enrolled municipality has a round: {row}");
    }
    let mut pilots: Vec<u64> =
        rows.iter().filter(|r| r["status"] == "already_in").map(|r| r["code"].as_u64().unwrap()).collect();
    pilots.sort_unstable();
    let mut expected = vec![u64::from(LEMVIG), u64::from(RANDERS), u64::from(SAMSOE), u64::from(AARHUS)];
    expected.sort_unstable();
    assert_eq!(pilots, expected, "Randers, Aarhus, Samsø and Lemvig are in from the pilot");
    assert_eq!(body["as_of"], "2026-11-30", "as_of defaults to the server's today");
    assert_eq!(body["already_in"]["count"], 4);
    assert_eq!(body["region_population"], 1_313_596);
}

#[test]
fn enrolment_csv_has_a_header_and_one_row_per_municipality() {
    let server = TestServer::shared();
    let reply = server.get("/api/enrolment?format=csv").send().expect_status(200);
    assert!(reply.header("content-type").is_some_and(|c| c.starts_with("text/csv")), "{:?}", reply.headers);
    assert!(reply.header("content-disposition").is_some_and(|d| d.contains("attachment") && d.contains(".csv")));
    let records = csv_records(&reply.text());
    assert_eq!(records[0][..4], ["code", "name", "population", "status"]);
    assert!(records[0].contains(&"round".to_string()), "{:?}", records[0]);
    assert_eq!(records.len(), 1 + 19);
    let status_col = records[0].iter().position(|c| c == "status").unwrap();
    let pilots = records[1..].iter().filter(|r| r[status_col] == "already_in").count();
    assert_eq!(pilots, 4);
    for r in &records[1..] {
        assert!(r[2].chars().all(|c| c.is_ascii_digit()), "population is a plain number: {r:?}");
    }
}

#[test]
fn enrolment_xlsx_is_a_spreadsheet_with_all_nineteen() {
    let server = TestServer::shared();
    let reply = server.get("/api/enrolment?format=xlsx").send().expect_status(200);
    assert_eq!(reply.header("content-type"), Some(XLSX));
    assert!(reply.header("content-disposition").is_some_and(|d| d.contains(".xlsx")));
    let rows = xlsx_rows(&reply.body, "Tilmelding");
    let header = rows.iter().position(|r| r.first().map(cell_text).as_deref() == Some("Kode")).expect("a header row");
    assert_eq!(cell_text(&rows[header][1]), "Kommune");
    let codes: Vec<f64> = rows[header + 1..header + 20].iter().map(|r| cell_number(&r[0])).collect();
    let mut codes: Vec<u16> = codes.into_iter().map(|c| c as u16).collect();
    codes.sort_unstable();
    assert_eq!(codes, MUNICIPALITY_CODES);
}

#[test]
fn enrolment_refuses_an_unknown_format_and_a_bad_date() {
    let server = TestServer::shared();
    server.get("/api/enrolment?format=pdf").send().expect_error(400);
    server.get("/api/enrolment?as_of=bad").send().expect_error(400);
    server.get("/api/enrolment?as_of=2020-13-45").send().expect_error(400);
    server.get("/api/enrolment?colour=red").send().expect_error(400);
}

#[test]
fn enrolment_as_of_an_earlier_date_answers_too() {
    let server = TestServer::shared();
    let body = server.get("/api/enrolment?as_of=2020-11-13").send().expect_status(200).json();
    assert_eq!(body["as_of"], "2020-11-13");
    assert_eq!(body["municipalities"].as_array().unwrap().len(), 19);
}

// ---------------------------------------------------------------------------
// Budget

#[test]
fn budget_allocation_has_the_contract_shape_and_exact_year_sums() {
    let server = TestServer::shared();
    let reply = server.get("/api/budget/allocation?total=3000000&years=3").send().expect_status(200);
    let rows = rows_of(&reply);
    assert_eq!(rows.len(), 19);
    for row in &rows {
        assert!(row["code"].is_u64() && row["name"].is_string() && row["population"].is_u64(), "{row}");
        let years = row["years"].as_array().expect("years is an array");
        assert_eq!(years.len(), 3);
        assert!(years.iter().all(Value::is_i64), "whole kroner: {row}");
        let sum: i64 = years.iter().map(|y| y.as_i64().unwrap()).sum();
        assert_eq!(row["total"].as_i64(), Some(sum), "total is the sum of the years: {row}");
    }
    for year in 0..3 {
        assert_eq!(year_sum(&rows, year), 1_000_000, "year {}", year + 1);
    }
    // Per capita: the biggest municipality pays the most.
    let aarhus = rows.iter().find(|r| r["code"] == AARHUS).unwrap();
    assert!(rows.iter().all(|r| r["total"].as_i64() <= aarhus["total"].as_i64()));
}

#[test]
fn budget_allocation_defaults_to_three_million_over_three_years() {
    let server = TestServer::shared();
    let rows = rows_of(&server.get("/api/budget/allocation").send().expect_status(200));
    assert_eq!(rows.len(), 19);
    assert_eq!((0..3).map(|y| year_sum(&rows, y)).collect::<Vec<_>>(), [1_000_000; 3]);
}

#[test]
fn budget_allocation_hybrid_splits_a_share_equally_and_still_adds_up() {
    let server = TestServer::shared();
    let per_capita = rows_of(&server.get("/api/budget/allocation?total=3000000&years=3").send().expect_status(200));
    let hybrid = rows_of(
        &server
            .get("/api/budget/allocation?total=3000000&years=3&key=hybrid&equal_percent=20")
            .send()
            .expect_status(200),
    );
    assert_eq!(hybrid.len(), 19);
    for year in 0..3 {
        assert_eq!(year_sum(&hybrid, year), 1_000_000);
    }
    // 20 % of a year's million split equally: every municipality pays at least 200000/19.
    assert!(hybrid.iter().all(|r| r["years"][0].as_i64().unwrap() >= 200_000 / 19));
    // The smallest (Samsø) pays more under the hybrid key, the biggest (Aarhus) less.
    let total = |rows: &[Value], code: u16| rows.iter().find(|r| r["code"] == code).unwrap()["total"].as_i64().unwrap();
    assert!(total(&hybrid, SAMSOE) > total(&per_capita, SAMSOE));
    assert!(total(&hybrid, AARHUS) < total(&per_capita, AARHUS));
}

#[test]
fn budget_allocation_subtracts_the_frame_per_year() {
    let server = TestServer::shared();
    let reply = server.get("/api/budget/allocation?total=3000000&years=3&frame_per_year=100000").send();
    let rows = rows_of(&reply.expect_status(200));
    for year in 0..3 {
        assert_eq!(year_sum(&rows, year), 900_000, "the frame covers 100000 of each year's million");
    }
}

#[test]
fn budget_allocation_without_samsoe_leaves_it_out_and_the_others_pay_more() {
    let server = TestServer::shared();
    let all = rows_of(&server.get("/api/budget/allocation?total=3000000&years=3").send().expect_status(200));
    let without =
        rows_of(&server.get("/api/budget/allocation?total=3000000&years=3&exclude=741").send().expect_status(200));
    assert_eq!(without.len(), 18);
    assert!(without.iter().all(|r| r["code"] != SAMSOE), "Samsø has no row");
    for year in 0..3 {
        assert_eq!(year_sum(&without, year), 1_000_000, "the amount stays the same");
    }
    let before: BTreeMap<u64, i64> =
        all.iter().map(|r| (r["code"].as_u64().unwrap(), r["total"].as_i64().unwrap())).collect();
    for row in &without {
        let code = row["code"].as_u64().unwrap();
        assert!(row["total"].as_i64().unwrap() >= before[&code], "{code} does not pay less without Samsø");
    }
    let aarhus = without.iter().find(|r| r["code"] == AARHUS).unwrap();
    assert!(aarhus["total"].as_i64().unwrap() > before[&u64::from(AARHUS)], "the others' shares grow");
}

#[test]
fn budget_csv_follows_the_column_contract_with_plain_numbers() {
    let server = TestServer::shared();
    let reply = server.get("/api/budget/allocation?total=3000000&years=3&format=csv").send().expect_status(200);
    assert!(reply.header("content-type").is_some_and(|c| c.starts_with("text/csv")));
    assert!(reply.header("content-disposition").is_some_and(|d| d.contains("attachment") && d.contains(".csv")));
    let text = reply.text();
    assert_eq!(text.lines().next(), Some("code,name,population,year_1,year_2,year_3,total"));
    let records = csv_records(&text);
    assert_eq!(records.len(), 1 + 19, "a header and 19 rows, no sum row");
    for r in &records[1..] {
        for cell in [&r[0], &r[2], &r[3], &r[4], &r[5], &r[6]] {
            assert!(!cell.is_empty() && cell.chars().all(|c| c.is_ascii_digit()), "plain number: {cell:?} in {r:?}");
        }
    }
    for col in 3..=5 {
        let sum: i64 = records[1..].iter().map(|r| r[col].parse::<i64>().unwrap()).sum();
        assert_eq!(sum, 1_000_000, "column {}", records[0][col]);
    }
}

#[test]
fn budget_csv_with_exclusions_has_no_row_for_them() {
    let server = TestServer::shared();
    let reply = server.get("/api/budget/allocation?total=3000000&years=3&exclude=741&format=csv").send();
    let records = csv_records(&reply.expect_status(200).text());
    assert_eq!(records.len(), 1 + 18);
    assert!(records[1..].iter().all(|r| r[0] != "741"));
}

#[test]
fn budget_xlsx_reads_back_with_the_same_amounts() {
    let server = TestServer::shared();
    let json = rows_of(&server.get("/api/budget/allocation?total=3000000&years=3").send().expect_status(200));
    let reply = server.get("/api/budget/allocation?total=3000000&years=3&format=xlsx").send().expect_status(200);
    assert_eq!(reply.header("content-type"), Some(XLSX));
    let rows = xlsx_rows(&reply.body, "Fordeling");
    assert_eq!(cell_text(&rows[0][0]), "Kode");
    assert_eq!(rows[0].len(), 3 + 3 + 1, "code, name, population, three years, total");
    for (sheet_row, json_row) in rows[1..20].iter().zip(&json) {
        assert_eq!(cell_number(&sheet_row[0]) as u64, json_row["code"].as_u64().unwrap());
        for year in 0..3 {
            assert_eq!(cell_number(&sheet_row[3 + year]) as i64, json_row["years"][year].as_i64().unwrap());
        }
    }
    let column_sum: f64 = rows[1..20].iter().map(|r| cell_number(&r[3])).sum();
    assert_eq!(column_sum as i64, 1_000_000);
}

#[test]
fn budget_allocation_refuses_bad_parameters_with_400() {
    let server = TestServer::shared();
    for query in [
        "total=-5",
        "total=abc",
        "years=abc",
        "key=foo",
        "key=hybrid",
        "key=hybrid&equal_percent=150",
        "exclude=999",
        "exclude=odense",
        "format=pdf",
        "colour=red",
    ] {
        let reply = server.get(&format!("/api/budget/allocation?{query}")).send();
        assert_eq!(reply.status, 400, "{query}: {}", reply.text());
        let (_, message) = reply.expect_error(400);
        assert!(message.len() > 5, "{query}: a message that says what is wrong, got {message:?}");
    }
}

/// Well-formed numbers that cannot make a plan are a 422, as the OpenAPI
/// document describes the endpoint ("unparsable values are a 400; values that
/// cannot make a plan a 422").
#[test]
fn budget_allocation_refuses_parameters_that_cannot_make_a_plan_with_422() {
    let server = TestServer::shared();
    let every_code = MUNICIPALITY_CODES.map(|c| c.to_string()).join(",");
    for query in ["years=0".to_string(), "years=51".to_string(), format!("exclude={every_code}")] {
        let reply = server.get(&format!("/api/budget/allocation?{query}")).send();
        assert_eq!(reply.status, 422, "{query}: {}", reply.text());
        let (_, message) = reply.expect_error(422);
        assert!(!message.is_empty());
    }
}

#[test]
fn budget_params_are_readable_by_anyone() {
    let server = TestServer::shared();
    let body = server.get("/api/budget/params").send().expect_status(200).json();
    assert_eq!(body["total"], 3_000_000);
    assert_eq!(body["years"], 3);
}

// ---------------------------------------------------------------------------
// OpenAPI, errors and headers

#[test]
fn openapi_document_answers_as_json() {
    let server = TestServer::shared();
    let reply = server.get("/api/openapi.json").send().expect_status(200);
    assert!(reply.header("content-type").is_some_and(|c| c.starts_with("application/json")));
    let doc = reply.json();
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with('3')), "OpenAPI 3: {}", doc["openapi"]);
    assert!(doc["paths"].is_object());
}

#[test]
fn an_unknown_api_path_is_a_json_404() {
    let server = TestServer::shared();
    let (code, _) = server.get("/api/no-such-thing").send().expect_error(404);
    assert_eq!(code, "not_found");
    server.post("/api/bookings/x/y/z").send().expect_error(404);
}

#[test]
fn every_response_carries_the_security_headers() {
    let server = TestServer::shared();
    let replies = [
        server.get("/api/health").send(),
        server.get("/api/no-such-thing").send(),
        server.get("/api/slots").send(),
        server.get("/api/enrolment?format=csv").send(),
    ];
    for reply in replies {
        assert_eq!(reply.header("x-content-type-options"), Some("nosniff"), "status {}", reply.status);
        assert!(reply.header("x-frame-options").is_some_and(|v| v.eq_ignore_ascii_case("deny")));
        assert!(reply.header("referrer-policy").is_some());
        assert!(reply.header("strict-transport-security").is_some());
    }
    let api = server.get("/api/enrolment").send();
    assert_eq!(api.header("cache-control"), Some("no-store"), "API answers are not cached");
}

#[test]
fn without_allowed_origins_no_origin_gets_cors_access() {
    let server = TestServer::shared();
    let reply = server
        .request(Method::OPTIONS, "/api/bookings")
        .header("origin", "https://intranet.skive.dk")
        .header("access-control-request-method", "POST")
        .send();
    assert_eq!(reply.header("access-control-allow-origin"), None);
}

#[test]
fn a_method_the_endpoint_does_not_take_is_a_json_405_with_allow() {
    let server = TestServer::shared();
    let reply = server.request(Method::DELETE, "/api/bookings").send();
    let (code, _) = reply.expect_error(405);
    assert_eq!(code, "method_not_allowed");
    let allow = reply.header("allow").unwrap_or_default().to_ascii_uppercase();
    assert!(allow.contains("GET") && allow.contains("POST"), "allow: {allow}");
    server.post("/api/health").send().expect_error(405);
    server.request(Method::PATCH, "/api/enrolment/779").send().expect_error(405);
}

#[test]
fn the_staff_page_offers_the_sign_in_in_danish_and_links_the_public_views_and_the_api() {
    let server = TestServer::shared();
    let reply = server.get("/").send().expect_status(200);
    assert!(reply.header("content-type").is_some_and(|c| c.starts_with("text/html")));
    let page = reply.text();
    assert!(page.contains("lang=\"da\"") && page.contains("Log ind"), "{page:.500}");
    assert!(page.contains("href=\"auth/login\""), "the sign-in");
    assert!(page.contains("?view=overview") && page.contains("api/docs"), "the public views and the API");
    assert!(!page.contains("token"), "no token in the page");
}
