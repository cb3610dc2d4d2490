//! `paths`: one operation per entry of `crate::routes::ROUTES`, each with the
//! parameters its handler accepts (`QueryPairs::only` lists them), its body,
//! and every status it can answer with.

use dk2020_model::schedule::MAX_RANGE_DAYS;
use serde_json::{Map, Value, json};

use super::schemas::{municipality_param_schema, r};
use crate::downloads::XLSX;

/// `{"$ref": "#/components/responses/<name>"}` for an error status.
fn error(status: u16) -> (String, Value) {
    let name = match status {
        400 => "BadRequest",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "NotFound",
        409 => "Conflict",
        413 => "PayloadTooLarge",
        422 => "Unprocessable",
        503 => "Unavailable",
        other => panic!("no error response for {other}"),
    };
    (status.to_string(), json!({ "$ref": format!("#/components/responses/{name}") }))
}

fn param(name: &str) -> Value {
    json!({ "$ref": format!("#/components/parameters/{name}") })
}

fn query(name: &str, required: bool, schema: Value, description: &str) -> Value {
    json!({ "name": name, "in": "query", "required": required, "schema": schema, "description": description })
}

/// A query parameter whose empty value (`?name=`) counts as missing.
fn query_empty_ok(name: &str, schema: Value, description: &str) -> Value {
    let mut q = query(name, false, schema, description);
    q["allowEmptyValue"] = json!(true);
    q
}

fn date_schema() -> Value {
    json!({ "type": "string", "format": "date", "examples": ["2026-12-01"] })
}

fn json_body(schema: Value, required: bool) -> Value {
    json!({ "required": required, "content": { "application/json": { "schema": schema } } })
}

fn json_response(description: &str, schema: Value) -> Value {
    json!({ "description": description, "content": { "application/json": { "schema": schema } } })
}

fn content_disposition(example: &str) -> Value {
    json!({
        "Content-Disposition": {
            "description": format!("With a file (not with JSON): its name, e.g. `attachment; filename=\"{example}\"`."),
            "schema": { "type": "string" },
        }
    })
}

/// The 200 of an endpoint offering JSON, CSV and XLSX (`?format=`).
fn download_response(description: &str, schema: Value, csv: &str, file: &str) -> Value {
    json!({
        "description": description,
        "headers": content_disposition(&format!("{file}.csv")),
        "content": {
            "application/json": { "schema": schema },
            "text/csv": {
                "schema": { "type": "string", "description": csv },
            },
            XLSX: {
                "schema": { "description": "An Excel workbook (Danish column names, number formats, a sum row)." },
            },
        },
    })
}

fn calendar_response(description: &str, file: &str) -> Value {
    json!({
        "description": description,
        "headers": content_disposition(file),
        "content": {
            "text/calendar": { "schema": { "type": "string", "description": "An iCalendar (RFC 5545) file." } },
        },
    })
}

/// An operation: `roles` empty means anyone (no token).
struct Op<'a> {
    id: &'a str,
    tag: &'a str,
    summary: &'a str,
    description: &'a str,
    roles: &'a [&'a str],
    parameters: Vec<Value>,
    body: Option<Value>,
    ok: (u16, Value),
    errors: &'a [u16],
    /// Whether the path names a booking, which a municipality may touch only if it is its own.
    path_booking: bool,
}

impl Op<'_> {
    fn build(self) -> Value {
        let mut o = Map::new();
        o.insert("operationId".into(), json!(self.id));
        o.insert("tags".into(), json!([self.tag]));
        o.insert("summary".into(), json!(self.summary));
        let mut description = self.description.to_string();
        if !self.roles.is_empty() {
            description.push_str(&format!("\n\nWho: {}.", self.roles.join(", ")));
            if self.path_booking {
                description.push_str(" A municipality only for its own bookings (403 for another's).");
            }
        }
        o.insert("description".into(), json!(description));
        let security = if self.roles.is_empty() { json!([]) } else { json!([{ "bearerAuth": [] }]) };
        o.insert("security".into(), security);
        o.insert("x-roles".into(), json!(self.roles));
        if !self.parameters.is_empty() {
            o.insert("parameters".into(), Value::Array(self.parameters));
        }
        if let Some(body) = self.body {
            o.insert("requestBody".into(), body);
        }
        let mut responses = Map::new();
        responses.insert(self.ok.0.to_string(), self.ok.1);
        for &status in self.errors {
            let (k, v) = error(status);
            responses.insert(k, v);
        }
        o.insert("responses".into(), Value::Object(responses));
        Value::Object(o)
    }
}

pub fn paths() -> Value {
    let mut paths = Map::new();
    let mut add = |path: &str, method: &str, op: Value| {
        let item = paths.entry(path.to_string()).or_insert_with(|| json!({}));
        item[method] = op;
    };

    // ---- system -------------------------------------------------------------
    add(
        "/api/health",
        "get",
        json!({
            "operationId": "health",
            "tags": ["system"],
            "summary": "Liveness and store reachability",
            "description": "200 when the process answers and the store is reachable; 503 with `status: degraded` when the store cannot be reached. Takes no parameters.",
            "security": [],
            "x-roles": [],
            "responses": {
                "200": json_response("The API and its store work.", json!({
                    "allOf": [r("Health")],
                    "properties": { "status": { "const": "ok" }, "store": { "const": "ok" } },
                })),
                "503": json_response("The store cannot be reached.", json!({
                    "allOf": [r("Health")],
                    "properties": { "status": { "const": "degraded" }, "store": { "const": "unreachable" } },
                })),
            },
        }),
    );
    add(
        "/api/openapi.json",
        "get",
        json!({
            "operationId": "openapi",
            "tags": ["system"],
            "summary": "This OpenAPI 3.1 document",
            "description": "The description of every endpoint of the API, its parameters, bodies, responses and errors.",
            "security": [],
            "x-roles": [],
            "responses": {
                "200": json_response("The OpenAPI document.", json!({
                    "type": "object",
                    "required": ["openapi", "info", "paths"],
                    "properties": { "openapi": { "type": "string", "pattern": "^3\\.1\\.\\d+$" } },
                })),
            },
        }),
    );

    // ---- municipalities -----------------------------------------------------
    add(
        "/api/municipalities",
        "get",
        Op {
            id: "listMunicipalities",
            tag: "municipalities",
            summary: "The 19 municipalities with their populations",
            description: "The municipalities of Region Midtjylland ordered by code, with the current population (and the date it refers to), the town hall's town and position and the ferry minutes to get there, plus the region's total population.",
            roles: &[],
            parameters: vec![],
            body: None,
            ok: (200, json_response("The municipalities.", r("MunicipalitiesResponse"))),
            path_booking: false,
            errors: &[503],
        }
        .build(),
    );
    add(
        "/api/municipalities/{code}/population",
        "put",
        Op {
            id: "setPopulation",
            tag: "municipalities",
            summary: "Update a municipality's population",
            description: "Sets the inhabitants of one municipality and the date the figure refers to (not in the future). The cost-sharing plans use the new figure from now on. Answers with all 19 municipalities.",
            roles: &["secretariat"],
            parameters: vec![param("MunicipalityPath")],
            body: Some(json_body(r("PopulationUpdate"), true)),
            ok: (200, json_response("The municipalities with the new figure.", r("MunicipalitiesResponse"))),
            path_booking: false,
            errors: &[400, 401, 403, 404, 413, 422, 503],
        }
        .build(),
    );

    // ---- enrolment ------------------------------------------------------------
    let format = |what: &str| {
        query_empty_ok(
            "format",
            json!({ "type": "string", "enum": ["json", "csv", "xlsx"], "default": "json" }),
            &format!("`json` (default), `csv` or `xlsx` (download of {what})."),
        )
    };
    add(
        "/api/enrolment",
        "get",
        Op {
            id: "getEnrolmentOverview",
            tag: "enrolment",
            summary: "The KKR enrolment overview (JSON, CSV or XLSX)",
            description: "Every municipality's DK2020 status as of a date, with the groups the KKR reads (already in from the pilot, per round against the expected range, in DK2020 overall, considering, undecided, declined), their counts, populations and shares of the region.",
            roles: &[],
            parameters: vec![
                query_empty_ok("as_of", date_schema(), "Statuses as they were at the end of this Copenhagen date (default today)."),
                format("the overview"),
            ],
            body: None,
            ok: (
                200,
                download_response(
                    "The overview.",
                    r("EnrolmentOverview"),
                    "Header `code,name,population,status,round,decided_on`, one row per municipality; `round` and `decided_on` empty unless enrolled.",
                    "dk2020-tilmelding-2020-11-13",
                ),
            ),
            path_booking: false,
            errors: &[400, 503],
        }
        .build(),
    );
    add(
        "/api/enrolment/{code}",
        "put",
        Op {
            id: "setEnrolmentStatus",
            tag: "enrolment",
            summary: "Set a municipality's status (kept in history)",
            description: "Records a status change at the current time. Impossible changes are refused with 422 (an undefined round, a decision date in the future, the same status again, a pilot municipality enrolling in a round, an overlong note); 409 when someone else changed the status at the same moment. Answers with the municipality's history.",
            roles: &["secretariat"],
            parameters: vec![param("MunicipalityPath")],
            body: Some(json_body(r("StatusChangeRequest"), true)),
            ok: (200, json_response("The municipality's history including the new change.", r("HistoryResponse"))),
            path_booking: false,
            errors: &[400, 401, 403, 404, 409, 413, 422, 503],
        }
        .build(),
    );
    add(
        "/api/enrolment/{code}/history",
        "get",
        Op {
            id: "getEnrolmentHistory",
            tag: "enrolment",
            summary: "A municipality's status history",
            description: "Every recorded status change of the municipality, oldest first, with who made it and when.",
            roles: &["secretariat"],
            parameters: vec![param("MunicipalityPath")],
            body: None,
            ok: (200, json_response("The history.", r("HistoryResponse"))),
            path_booking: false,
            errors: &[401, 403, 404, 503],
        }
        .build(),
    );

    // ---- budget ---------------------------------------------------------------
    let kroner = |name: &str, maximum: u64, description: &str| {
        query_empty_ok(name, json!({ "type": "integer", "minimum": 0, "maximum": maximum }), description)
    };
    add(
        "/api/budget/allocation",
        "get",
        Op {
            id: "getBudgetAllocation",
            tag: "budget",
            summary: "The cost-sharing plan per municipality and year (JSON, CSV or XLSX)",
            description: "Splits the total over the years (odd kroner to the earliest years) and each year between the participating municipalities by the key, in whole kroner that add up exactly. Every parameter given overrides the stored default (`GET /api/budget/params`); an empty value counts as not given, except `exclude=`, which excludes nobody. Unparsable values are a 400; values that cannot make a plan (years outside 1-50, a total above 2^53-1, everyone excluded) a 422.",
            roles: &[],
            parameters: vec![
                kroner(
                    "total",
                    dk2020_model::allocation::MAX_TOTAL,
                    "The whole amount over all years, in kroner (digits only); above 2^53-1 the plan is refused (422).",
                ),
                query_empty_ok(
                    "years",
                    json!({ "type": "integer", "minimum": 1, "maximum": dk2020_model::allocation::MAX_YEARS }),
                    "Number of years.",
                ),
                query_empty_ok(
                    "key",
                    json!({ "type": "string", "enum": ["per-capita", "hybrid"] }),
                    "The cost-sharing key: `per-capita` (also `per_capita`, `percapita`, any case) or `hybrid` (needs `equal_percent`).",
                ),
                query_empty_ok(
                    "equal_percent",
                    json!({ "type": "number", "minimum": 0, "maximum": 100 }),
                    "The part split equally under the hybrid key, 0-100 with at most two decimals (`12.5`, `12,5` and `12.5%` are accepted). Only 0 with the per-capita key.",
                ),
                kroner(
                    "frame_per_year",
                    u64::MAX,
                    "What KD-Net's own budget frame covers of each year, in kroner (at most the year's amount is used).",
                ),
                {
                    let mut exclude = query_empty_ok(
                        "exclude",
                        json!({ "type": "array", "items": municipality_param_schema(), "examples": [["741", "lemvig"]] }),
                        "Municipalities that opted out, as codes or slugs separated by commas (`exclude=741,lemvig`; semicolons and spaces also separate). An empty `exclude=` excludes nobody (overriding a stored opt-out list). The total stays the same; excluding all is refused (422).",
                    );
                    exclude["style"] = json!("form");
                    exclude["explode"] = json!(false);
                    exclude
                },
                format("the plan"),
            ],
            body: None,
            ok: (
                200,
                download_response(
                    "The plan.",
                    r("Plan"),
                    "Header `code,name,population,year_1,…,year_N,total`, one row per participating municipality; amounts in whole kroner without separators.",
                    "dk2020-fordeling-3000000-kr-3-aar",
                ),
            ),
            path_booking: false,
            errors: &[400, 422, 503],
        }
        .build(),
    );
    add(
        "/api/budget/params",
        "get",
        Op {
            id: "getBudgetParams",
            tag: "budget",
            summary: "The stored default cost-sharing parameters",
            description: "The parameters `GET /api/budget/allocation` starts from.",
            roles: &[],
            parameters: vec![],
            body: None,
            ok: (200, json_response("The parameters.", r("PlanParams"))),
            path_booking: false,
            errors: &[503],
        }
        .build(),
    );
    add(
        "/api/budget/params",
        "put",
        Op {
            id: "setBudgetParams",
            tag: "budget",
            summary: "Replace the default cost-sharing parameters",
            description: "Stores new defaults after checking that they make a plan (422 otherwise).",
            roles: &["secretariat"],
            parameters: vec![],
            body: Some(json_body(r("PlanParamsInput"), true)),
            ok: (200, json_response("The stored parameters.", r("PlanParams"))),
            path_booking: false,
            errors: &[400, 401, 403, 413, 422, 503],
        }
        .build(),
    );

    // ---- slots and bookings ---------------------------------------------------
    let municipality_query = |description: &str| query("municipality", false, municipality_param_schema(), description);
    add(
        "/api/slots",
        "get",
        Op {
            id: "listSlots",
            tag: "bookings",
            summary: "Open slots for a municipality",
            description: &format!(
                "The starts a municipality could book now, in time order, each with its end and kind. Times are RFC 3339 with the Copenhagen offset of that date. At most {MAX_RANGE_DAYS} days at a time (400 beyond, or when `to` is before `from`). When the municipality already holds as many upcoming sessions as allowed, 422 (`cap_reached`) says so instead of an empty list. A municipality may ask for itself only."
            ),
            roles: &["municipality", "coordinator"],
            parameters: vec![
                municipality_query("Whose slots; defaults to the token's municipality, required for the coordinator."),
                query(
                    "kind",
                    false,
                    json!({ "type": "string", "enum": ["onsite", "online"], "default": "onsite" }),
                    "The kind of session (default `onsite`).",
                ),
                query("from", false, date_schema(), "First Copenhagen date (default today)."),
                query("to", false, date_schema(), "Last Copenhagen date, inclusive (default `from` + 27 days)."),
            ],
            body: None,
            ok: (200, json_response("The open slots.", r("SlotsResponse"))),
            path_booking: false,
            errors: &[400, 401, 403, 422, 503],
        }
        .build(),
    );
    add(
        "/api/bookings",
        "get",
        Op {
            id: "listBookings",
            tag: "bookings",
            summary: "List bookings",
            description: "A municipality gets its own bookings, and of the others only the busy times of their confirmed upcoming sessions; the coordinator gets every booking (and no busy times). In start order.",
            roles: &["municipality", "coordinator"],
            parameters: vec![
                query("from", false, date_schema(), "Only bookings ending after the start of this Copenhagen date."),
                query("to", false, date_schema(), "Only bookings starting before the end of this Copenhagen date."),
                municipality_query("Only this municipality's bookings (the coordinator); a municipality may name only itself (403 otherwise)."),
                query(
                    "include_cancelled",
                    false,
                    json!({ "type": "boolean", "default": true }),
                    "`false` leaves cancelled bookings out.",
                ),
            ],
            body: None,
            ok: (200, json_response("The bookings.", r("BookingsResponse"))),
            path_booking: false,
            errors: &[400, 401, 403, 503],
        }
        .build(),
    );
    add(
        "/api/bookings",
        "post",
        Op {
            id: "createBooking",
            tag: "bookings",
            summary: "Book a session",
            description: "Books the start of an open slot for the token's own municipality. The check of the scheduling rules and the write happen in one transaction: 409 (`slot_taken`) when another booking got the time first, 422 with the broken rule's code otherwise (e.g. `too_short_notice`, `not_on_slot_grid`, `cap_reached`). With an `Idempotency-Key`, repeating the request returns the booking made the first time (201 with `Idempotent-Replayed: true`).",
            roles: &["municipality"],
            parameters: vec![json!({
                "name": "Idempotency-Key",
                "in": "header",
                "required": false,
                "schema": { "type": "string", "pattern": "^[!-~]{1,100}$" },
                "description": "1-100 visible ASCII characters naming this booking attempt, per municipality.",
            })],
            body: Some(json_body(r("BookingRequest"), true)),
            ok: (
                201,
                json!({
                    "description": "The booking.",
                    "headers": {
                        "Idempotent-Replayed": {
                            "description": "`true` when an earlier request with the same `Idempotency-Key` made this booking.",
                            "schema": { "type": "string", "enum": ["true"] },
                        },
                    },
                    "content": { "application/json": { "schema": r("Booking") } },
                }),
            ),
            path_booking: false,
            errors: &[400, 401, 403, 409, 413, 422, 503],
        }
        .build(),
    );
    add(
        "/api/bookings/{id}/cancel",
        "post",
        Op {
            id: "cancelBooking",
            tag: "bookings",
            summary: "Cancel a booking",
            description: "Cancels a confirmed booking, with an optional reason (the body may be empty). 409 when it is already cancelled; a municipality cannot cancel a session that has started (422: ask the coordinator).",
            roles: &["municipality", "coordinator"],
            parameters: vec![param("BookingIdPath")],
            body: Some(json_body(r("CancelRequest"), false)),
            ok: (200, json_response("The cancelled booking.", r("Booking"))),
            path_booking: true,
            errors: &[400, 401, 403, 404, 409, 413, 422, 503],
        }
        .build(),
    );
    add(
        "/api/bookings/{id}/reschedule",
        "post",
        Op {
            id: "rescheduleBooking",
            tag: "bookings",
            summary: "Move a booking to another open slot",
            description: "Moves a confirmed booking in one atomic step: the old time is freed only if the new one is booked, so a refused move leaves the booking as it was. 409 when the booking is cancelled or the new time was just taken (`slot_taken`), 422 with the broken rule's code otherwise.",
            roles: &["municipality", "coordinator"],
            parameters: vec![param("BookingIdPath")],
            body: Some(json_body(r("RescheduleRequest"), true)),
            ok: (200, json_response("The moved booking.", r("Booking"))),
            path_booking: true,
            errors: &[400, 401, 403, 404, 409, 413, 422, 503],
        }
        .build(),
    );
    add(
        "/api/bookings/{id}/ics",
        "get",
        Op {
            id: "getBookingIcs",
            tag: "bookings",
            summary: "A booking as an iCalendar file",
            description: "The booking as a one-event `.ics` download (a cancelled booking as a cancelled event).",
            roles: &["municipality", "coordinator"],
            parameters: vec![param("BookingIdPath")],
            body: None,
            ok: (200, calendar_response("The iCalendar file.", "dk2020-b01jbc2x3y4ab12cd34ef56g.ics")),
            path_booking: true,
            errors: &[401, 403, 404, 503],
        }
        .build(),
    );
    let mut feed = Op {
        id: "getCalendarFeed",
        tag: "bookings",
        summary: "The coordinator's subscribable calendar feed",
        description: "Every confirmed booking ending in the last 90 days or later, as one iCalendar feed for calendar clients. They cannot send headers, so the coordinator's token goes in the query string (`?token=`); make a long-lived one for the subscription.",
        roles: &["coordinator"],
        parameters: vec![query(
            "token",
            true,
            json!({ "type": "string" }),
            "A coordinator token (401 when missing or invalid, 403 for another role).",
        )],
        body: None,
        ok: (200, calendar_response("The feed (served inline).", "dk2020-koordinator.ics")),
        path_booking: false,
        errors: &[400, 401, 403, 503],
    }
    .build();
    feed["security"] = json!([{ "calendarToken": [] }]);
    add("/api/calendar.ics", "get", feed);

    // ---- coordinator ------------------------------------------------------------
    add(
        "/api/coordinator/availability",
        "get",
        Op {
            id: "getAvailability",
            tag: "coordinator",
            summary: "The coordinator's working hours, exceptions and rules",
            description: "The settings open slots are computed from.",
            roles: &["coordinator"],
            parameters: vec![],
            body: None,
            ok: (200, json_response("The settings.", r("Availability"))),
            path_booking: false,
            errors: &[401, 403, 503],
        }
        .build(),
    );
    add(
        "/api/coordinator/availability",
        "put",
        Op {
            id: "setAvailability",
            tag: "coordinator",
            summary: "Replace the coordinator's working hours, exceptions and rules",
            description: "Validates and stores the settings; existing bookings stay (they are the coordinator's to cancel), new slots follow the new settings. 422 lists every problem at once.",
            roles: &["coordinator"],
            parameters: vec![],
            body: Some(json_body(r("AvailabilityInput"), true)),
            ok: (200, json_response("The stored settings.", r("Availability"))),
            path_booking: false,
            errors: &[400, 401, 403, 413, 422, 503],
        }
        .build(),
    );
    add(
        "/api/coordinator/agenda",
        "get",
        Op {
            id: "getAgenda",
            tag: "coordinator",
            summary: "The coordinator's agenda with driving",
            description: "The confirmed sessions of each day in the range (days without sessions are left out) and the drives between the office in Aarhus and the day's on-site visits. At most 92 days at a time; `to` may not be before `from` (400).",
            roles: &["coordinator"],
            parameters: vec![
                query("from", false, date_schema(), "First Copenhagen date (default today)."),
                query("to", false, date_schema(), "Last Copenhagen date, inclusive (default `from` + 6 days)."),
            ],
            body: None,
            ok: (200, json_response("The agenda.", r("AgendaResponse"))),
            path_booking: false,
            errors: &[400, 401, 403, 503],
        }
        .build(),
    );

    Value::Object(paths)
}

/// `components.parameters`: the path parameters several operations share.
pub fn parameters() -> Value {
    json!({
        "MunicipalityPath": {
            "name": "code",
            "in": "path",
            "required": true,
            "schema": municipality_param_schema(),
            "description": "The municipality's code or slug (404 for anything else).",
        },
        "BookingIdPath": {
            "name": "id",
            "in": "path",
            "required": true,
            "schema": r("BookingId"),
            "description": "The booking's id (404 when there is no such booking).",
        },
    })
}
