//! `components.schemas`: the JSON the API really sends and accepts, written
//! from the model's serde shapes (`dk2020_model`). Response schemas list every
//! field the API always sends as `required` but leave additional properties
//! open (fields may be added); request schemas require what the handler
//! requires and are closed, because every request body refuses unknown fields
//! (`extract::JsonBody`). Where serde fills in defaults, the input schema
//! (`…Input`) requires nothing the handler would default.

use dk2020_model::{
    MunicipalityCode,
    allocation::{MAX_TOTAL, MAX_YEARS},
    api::MAX_REASON_CHARS,
    enrolment::MAX_NOTE_CHARS as MAX_STATUS_NOTE_CHARS,
    schedule::{MAX_EXCEPTIONS, MAX_NOTE_CHARS as MAX_EXCEPTION_NOTE_CHARS, SESSION_MINUTES},
};
use serde_json::{Map, Value, json};

/// `{"$ref": "#/components/schemas/<name>"}`.
pub fn r(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

/// `{"type": "object", "required": [...], "properties": {...}}`; no
/// `required` when `required` is empty.
fn object(description: &str, required: &[&str], properties: Value) -> Value {
    let mut o = Map::new();
    o.insert("type".into(), json!("object"));
    if !description.is_empty() {
        o.insert("description".into(), json!(description));
    }
    if !required.is_empty() {
        o.insert("required".into(), json!(required));
    }
    o.insert("properties".into(), properties);
    Value::Object(o)
}

/// The same object closed to unknown fields (request bodies: `JsonBody`).
fn closed(mut schema: Value) -> Value {
    schema["additionalProperties"] = json!(false);
    schema
}

fn nullable(schema: Value) -> Value {
    json!({ "oneOf": [schema, { "type": "null" }] })
}

fn uint(max: u64, description: &str) -> Value {
    let mut v = json!({ "type": "integer", "minimum": 0, "maximum": max });
    if !description.is_empty() {
        v["description"] = json!(description);
    }
    v
}

fn range(min: u64, max: u64, description: &str) -> Value {
    json!({ "type": "integer", "minimum": min, "maximum": max, "description": description })
}

fn date(description: &str) -> Value {
    json!({ "type": "string", "format": "date", "description": description, "examples": ["2026-12-01"] })
}

fn u32max() -> u64 {
    u64::from(u32::MAX)
}

/// A character class of the control characters Rust's `char::is_control`
/// finds (Unicode category Cc), less tab and line feed.
const CONTROL_BUT_TAB_LF: &str = "\\u0000-\\u0008\\u000B-\\u001F\\u007F-\\u009F";

/// Text the API trims and checks: at least one non-blank character, no
/// control characters except tab and line feed.
fn checked_text(max: usize, description: &str) -> Value {
    let c = CONTROL_BUT_TAB_LF;
    json!({
        "type": "string",
        "minLength": 1,
        "maxLength": max,
        "pattern": format!("^[^{c}]*[^\\s{c}][^{c}]*$"),
        "description": description,
    })
}

/// The codes and slugs a path or query parameter naming a municipality accepts.
pub fn municipality_param_schema() -> Value {
    let mut values: Vec<String> = MunicipalityCode::all().iter().map(|c| c.get().to_string()).collect();
    values.extend(MunicipalityCode::all().iter().map(|c| c.slug().to_string()));
    json!({
        "type": "string",
        "enum": values,
        "description": "A municipality of Region Midtjylland: its official code (`779`) or its slug (`skive`, case-insensitive).",
        "examples": ["779", "skive"],
    })
}

pub fn schemas() -> Value {
    let codes: Vec<u16> = MunicipalityCode::all().iter().map(|c| c.get()).collect();
    let statuses = ["undecided", "council_considering", "already_in", "enrolled", "declined"];
    let not_enrolled = ["undecided", "council_considering", "already_in", "declined"];
    let rule_codes = rule_codes();
    let mut s = Map::new();
    let mut add = |name: &str, schema: Value| {
        s.insert(name.to_string(), schema);
    };

    // ---- basic values -----------------------------------------------------
    add(
        "MunicipalityCode",
        json!({
            "type": "integer",
            "enum": codes,
            "description": "The official code of one of the 19 municipalities of Region Midtjylland, e.g. 779 (Skive).",
            "examples": [779],
        }),
    );
    add(
        "LocalTime",
        json!({
            "type": "string",
            "format": "date-time",
            "description": "An instant as RFC 3339 with an offset. The API sends Copenhagen local time with that date's offset (`+01:00` or `+02:00`); it accepts any offset, `Z` included.",
            "examples": ["2026-12-01T09:00:00+01:00"],
        }),
    );
    add(
        "Timestamp",
        json!({
            "type": "string",
            "format": "date-time",
            "description": "An instant as RFC 3339 in UTC, possibly with fractional seconds.",
            "examples": ["2026-11-02T08:00:00Z"],
        }),
    );
    add(
        "SessionKind",
        json!({ "type": "string", "enum": ["onsite", "online"], "description": "On site at the municipality's town hall, or online." }),
    );
    add("Role", json!({ "type": "string", "enum": ["municipality", "coordinator", "secretariat"] }));
    add(
        "Actor",
        json!({
            "description": "Who did something: a municipality (with its code), the coordinator or the secretariat.",
            "oneOf": [
                object("", &["role", "municipality"], json!({
                    "role": { "const": "municipality" },
                    "municipality": r("MunicipalityCode"),
                })),
                object("", &["role"], json!({ "role": { "const": "coordinator" } })),
                object("", &["role"], json!({ "role": { "const": "secretariat" } })),
            ],
        }),
    );

    // ---- municipalities ---------------------------------------------------
    add(
        "MunicipalityInfo",
        object(
            "One municipality with its current population and town hall.",
            &["code", "slug", "name", "population", "population_as_of", "town_hall", "lat", "lon", "ferry_minutes"],
            json!({
                "code": r("MunicipalityCode"),
                "slug": { "type": "string", "examples": ["skive"] },
                "name": { "type": "string", "examples": ["Skive"] },
                "population": uint(u32max(), "Inhabitants."),
                "population_as_of": date("The date the population figure refers to."),
                "town_hall": { "type": "string", "description": "The town the town hall stands in." },
                "lat": { "type": "number", "description": "Latitude of the town hall (WGS84)." },
                "lon": { "type": "number", "description": "Longitude of the town hall (WGS84)." },
                "ferry_minutes": uint(u64::from(u16::MAX), "Extra crossing time to get there (Samsø: 60)."),
            }),
        ),
    );
    add(
        "MunicipalitiesResponse",
        object(
            "The 19 municipalities, ordered by code.",
            &["municipalities", "total_population"],
            json!({
                "municipalities": { "type": "array", "items": r("MunicipalityInfo") },
                "total_population": uint(u64::MAX, "Inhabitants of the whole region."),
            }),
        ),
    );
    add(
        "PopulationUpdate",
        closed(object(
            "A new population figure. `inhabitants` must be above 0 and `as_of` not in the future (422 otherwise).",
            &["inhabitants", "as_of"],
            json!({
                "inhabitants": { "type": "integer", "minimum": 1, "maximum": u32::MAX, "description": "Inhabitants, more than 0." },
                "as_of": date("The date the figure refers to; not after today."),
            }),
        )),
    );

    // ---- enrolment ----------------------------------------------------------
    add("StatusKind", json!({ "type": "string", "enum": statuses, "description": "A municipality's DK2020 status." }));
    add("RoundNumber", json!({ "type": "integer", "enum": [1, 2], "description": "A DK2020 application round." }));
    add(
        "EnrolmentStatus",
        json!({
            "description": "A status with its data: `enrolled` carries the `round` and the council's `decided_on` date; every other status has `round: null` and no `decided_on`.",
            "oneOf": [
                object("", &["status", "round", "decided_on"], json!({
                    "status": { "const": "enrolled" },
                    "round": r("RoundNumber"),
                    "decided_on": date("The date of the council's decision."),
                })),
                object("", &["status", "round"], json!({
                    "status": { "enum": not_enrolled },
                    "round": { "type": "null" },
                })),
            ],
        }),
    );
    let note = json!({
        "oneOf": [
            { "type": "string", "maxLength": MAX_STATUS_NOTE_CHARS, "pattern": "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$" },
            { "type": "null" },
        ],
        "description": format!("A note kept with the change (blank counts as none): at most {MAX_STATUS_NOTE_CHARS} characters after trimming, no control characters but tab, line feed and carriage return (422 otherwise)."),
    });
    add(
        "StatusChangeRequest",
        json!({
            "description": "The new status of a municipality. `enrolled` needs `round` and `decided_on` (not after today); the other statuses take neither (a `null` is accepted). Unknown fields are refused (400).",
            "oneOf": [
                closed(object("", &["status", "round", "decided_on"], json!({
                    "status": { "const": "enrolled" },
                    "round": r("RoundNumber"),
                    "decided_on": date("The date of the council's decision, not after today."),
                    "note": note,
                }))),
                closed(object("", &["status"], json!({
                    "status": { "enum": not_enrolled },
                    "round": { "type": "null" },
                    "decided_on": { "type": "null" },
                    "note": note,
                }))),
            ],
            "examples": [
                { "status": "enrolled", "round": 1, "decided_on": "2020-10-20", "note": "Byrådets beslutning" },
                { "status": "council_considering" },
            ],
        }),
    );
    add(
        "StatusChange",
        object(
            "One recorded change of a municipality's status.",
            &["municipality", "from", "to", "by", "at", "note"],
            json!({
                "municipality": r("MunicipalityCode"),
                "from": r("EnrolmentStatus"),
                "to": r("EnrolmentStatus"),
                "by": r("Actor"),
                "at": r("Timestamp"),
                "note": { "type": ["string", "null"] },
            }),
        ),
    );
    add(
        "HistoryResponse",
        object(
            "A municipality's status changes, oldest first.",
            &["municipality", "name", "history"],
            json!({
                "municipality": r("MunicipalityCode"),
                "name": { "type": "string" },
                "history": { "type": "array", "items": r("StatusChange") },
            }),
        ),
    );
    add(
        "OverviewRow",
        object(
            "One municipality of the overview table.",
            &["code", "name", "population", "status", "round", "decided_on"],
            json!({
                "code": r("MunicipalityCode"),
                "name": { "type": "string" },
                "population": uint(u32max(), "Inhabitants."),
                "status": r("StatusKind"),
                "round": { "type": ["integer", "null"], "enum": [1, 2, null], "description": "1 or 2 when enrolled, otherwise null." },
                "decided_on": { "type": ["string", "null"], "format": "date", "description": "The council's decision date when enrolled, otherwise null." },
            }),
        ),
    );
    add(
        "GroupMember",
        object(
            "",
            &["code", "name", "population"],
            json!({
                "code": r("MunicipalityCode"),
                "name": { "type": "string" },
                "population": uint(u32max(), "Inhabitants."),
            }),
        ),
    );
    let group_properties = json!({
        "count": uint(u64::MAX, "Number of members."),
        "population": uint(u64::MAX, "Inhabitants of the members."),
        "share_of_region": { "type": "number", "minimum": 0, "maximum": 100, "description": "The members' share of the region's population, in percent." },
        "municipalities": { "type": "array", "items": r("GroupMember") },
    });
    let group_required = ["count", "population", "share_of_region", "municipalities"];
    add(
        "Group",
        object("A set of municipalities with the population they cover.", &group_required, group_properties.clone()),
    );
    let mut round_properties = json!({
        "number": r("RoundNumber"),
        "deadline": date("The round's application deadline."),
        "expected_min": uint(255, ""),
        "expected_max": uint(255, ""),
        "compared_to_expected": { "type": "string", "enum": ["below", "within", "above"] },
    });
    for (k, v) in group_properties.as_object().expect("an object") {
        round_properties[k] = v.clone();
    }
    let mut round_required = vec!["number", "deadline", "expected_min", "expected_max", "compared_to_expected"];
    round_required.extend(group_required);
    add(
        "RoundSummary",
        object(
            "The municipalities enrolled in one round, against the expected range.",
            &round_required,
            round_properties,
        ),
    );
    add(
        "EnrolmentOverview",
        object(
            "The KKR's enrolment overview as of a date.",
            &[
                "as_of",
                "region_population",
                "municipalities",
                "rounds",
                "already_in",
                "enrolled",
                "in_dk2020",
                "council_considering",
                "undecided",
                "declined",
            ],
            json!({
                "as_of": date("Statuses as they were at the end of this Copenhagen date."),
                "region_population": uint(u64::MAX, "Inhabitants of the whole region."),
                "municipalities": { "type": "array", "items": r("OverviewRow"), "description": "All 19, ordered by name." },
                "rounds": { "type": "array", "items": r("RoundSummary") },
                "already_in": r("Group"),
                "enrolled": r("Group"),
                "in_dk2020": r("Group"),
                "council_considering": r("Group"),
                "undecided": r("Group"),
                "declined": r("Group"),
            }),
        ),
    );

    // ---- budget -------------------------------------------------------------
    add("Kroner", json!({ "type": "integer", "minimum": 0, "description": "Whole Danish kroner." }));
    add(
        "KeyKind",
        json!({ "type": "string", "enum": ["per-capita", "hybrid"], "description": "The cost-sharing key." }),
    );
    add(
        "Percent",
        json!({ "type": "number", "minimum": 0, "maximum": 100, "description": "A percentage from 0 to 100 with at most two decimals." }),
    );
    let total = json!({ "type": "integer", "minimum": 0, "maximum": MAX_TOTAL, "description": "The whole amount over all years, in kroner." });
    let years = json!({ "type": "integer", "minimum": 1, "maximum": MAX_YEARS, "description": "Number of years." });
    let exclude = json!({
        "type": "array",
        "items": r("MunicipalityCode"),
        "description": "Municipalities that opted out; the total stays the same. Not all of them.",
    });
    add(
        "PlanParams",
        object(
            "Cost-sharing parameters. `equal_percent` is present exactly when `key` is `hybrid`.",
            &["total", "years", "key", "frame_per_year", "exclude"],
            json!({
                "total": total,
                "years": years,
                "key": r("KeyKind"),
                "equal_percent": { "$ref": "#/components/schemas/Percent", "description": "The part split equally (hybrid key only)." },
                "frame_per_year": r("Kroner"),
                "exclude": exclude,
            }),
        ),
    );
    add(
        "PlanParamsInput",
        json!({
            "type": "object",
            "description": "Cost-sharing parameters; a missing field takes its default (3000000 kr. over 3 years, per capita, no frame, nobody excluded). The `hybrid` key needs `equal_percent`; the per-capita key takes none (or 0). Parameters that cannot make a plan (years outside 1-50, a total above 2^53-1, everyone excluded) are refused with 422. Unknown fields are refused (400).",
            "additionalProperties": false,
            "properties": {
                "total": total,
                "years": { "type": "integer", "minimum": 1, "maximum": MAX_YEARS, "description": "Number of years." },
                "key": r("KeyKind"),
                "equal_percent": r("Percent"),
                "frame_per_year": { "$ref": "#/components/schemas/Kroner", "description": "What KD-Net's own frame covers of each year." },
                "exclude": exclude,
            },
            "if": { "properties": { "key": { "const": "hybrid" } }, "required": ["key"] },
            "then": { "required": ["equal_percent"] },
            "else": { "properties": { "equal_percent": { "const": 0 } } },
            "examples": [{ "total": 3000000, "years": 3, "key": "hybrid", "equal_percent": 20, "frame_per_year": 0, "exclude": [741] }],
        }),
    );
    add(
        "YearSummary",
        object(
            "One year of the plan: `amount = frame + shared`.",
            &["year", "amount", "frame", "shared"],
            json!({
                "year": uint(u32max(), "1 for the first year."),
                "amount": r("Kroner"),
                "frame": { "$ref": "#/components/schemas/Kroner", "description": "What KD-Net's frame covers." },
                "shared": { "$ref": "#/components/schemas/Kroner", "description": "What the municipalities pay together." },
            }),
        ),
    );
    add(
        "PlanRow",
        object(
            "What one municipality pays.",
            &["code", "name", "population", "years", "total"],
            json!({
                "code": r("MunicipalityCode"),
                "name": { "type": "string" },
                "population": uint(u32max(), "Inhabitants."),
                "years": { "type": "array", "items": r("Kroner"), "description": "The amount of each year, first year first." },
                "total": { "$ref": "#/components/schemas/Kroner", "description": "The sum of `years`." },
            }),
        ),
    );
    add(
        "PlanTotals",
        object(
            "The column sums of the rows.",
            &["years", "frame", "total"],
            json!({
                "years": { "type": "array", "items": r("Kroner") },
                "frame": r("Kroner"),
                "total": r("Kroner"),
            }),
        ),
    );
    add(
        "Plan",
        object(
            "The per-municipality payment table, year by year. Each year's rows add up to that year's `shared` exactly.",
            &["params", "years", "rows", "totals"],
            json!({
                "params": r("PlanParams"),
                "years": { "type": "array", "items": r("YearSummary") },
                "rows": { "type": "array", "items": r("PlanRow"), "description": "One row per participating municipality, ordered by code." },
                "totals": r("PlanTotals"),
            }),
        ),
    );

    // ---- scheduling ---------------------------------------------------------
    add(
        "BookingId",
        json!({ "type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$", "description": "A booking's id, made by the API.", "examples": ["b01jbc2x3y4ab12cd34ef56g"] }),
    );
    add(
        "Slot",
        object(
            "An open slot.",
            &["start", "end", "kind"],
            json!({ "start": r("LocalTime"), "end": r("LocalTime"), "kind": r("SessionKind") }),
        ),
    );
    add(
        "SlotsResponse",
        object("Open slots in time order.", &["slots"], json!({ "slots": { "type": "array", "items": r("Slot") } })),
    );
    add(
        "BookingStatus",
        json!({
            "oneOf": [
                object("", &["state"], json!({ "state": { "const": "confirmed" } })),
                object("", &["state", "by", "reason"], json!({
                    "state": { "const": "cancelled" },
                    "by": r("Actor"),
                    "reason": { "type": ["string", "null"] },
                })),
            ],
        }),
    );
    add(
        "Booking",
        object(
            "An advisory session with the coordinator.",
            &[
                "id",
                "municipality",
                "kind",
                "start",
                "end",
                "topic",
                "contact_name",
                "contact_email",
                "status",
                "created_at",
                "changed_at",
            ],
            json!({
                "id": r("BookingId"),
                "municipality": r("MunicipalityCode"),
                "kind": r("SessionKind"),
                "start": r("LocalTime"),
                "end": { "$ref": "#/components/schemas/LocalTime", "description": "The start plus the kind's duration." },
                "topic": { "type": "string", "minLength": 1, "maxLength": 200 },
                "contact_name": { "type": "string", "minLength": 1, "maxLength": 100 },
                "contact_email": { "type": "string", "minLength": 3, "maxLength": 254 },
                "status": r("BookingStatus"),
                "created_at": r("Timestamp"),
                "changed_at": r("Timestamp"),
            }),
        ),
    );
    add(
        "BookingRequest",
        closed(object(
            "A booking of an open slot's start. The text fields are trimmed; the end follows from the kind's duration.",
            &["municipality", "kind", "start", "topic", "contact_name", "contact_email"],
            json!({
                "municipality": { "$ref": "#/components/schemas/MunicipalityCode", "description": "The token's own municipality (403 otherwise)." },
                "kind": r("SessionKind"),
                "start": { "$ref": "#/components/schemas/LocalTime", "description": "The start of an open slot (`GET /api/slots`)." },
                "topic": checked_text(200, "What the session is about: 1-200 characters after trimming, no control characters but tab and line feed."),
                "contact_name": checked_text(100, "The municipality's contact person: 1-100 characters after trimming, no control characters but tab and line feed."),
                "contact_email": {
                    "type": "string",
                    "format": "email",
                    "maxLength": 254,
                    "description": "An e-mail address: one `@`, a dotted domain, no spaces, at most 64 characters before the `@`.",
                },
            }),
        )),
    );
    add(
        "BusyTime",
        object(
            "A time the coordinator is busy with another municipality.",
            &["start", "end"],
            json!({ "start": r("LocalTime"), "end": r("LocalTime") }),
        ),
    );
    add(
        "BookingsResponse",
        object(
            "Bookings in start order; for a municipality also the other municipalities' confirmed upcoming sessions as busy times (empty for the coordinator).",
            &["bookings", "busy"],
            json!({
                "bookings": { "type": "array", "items": r("Booking") },
                "busy": { "type": "array", "items": r("BusyTime") },
            }),
        ),
    );
    add(
        "CancelRequest",
        closed(object(
            "An optional reason; the body may also be empty.",
            &[],
            json!({
                "reason": {
                    "type": ["string", "null"],
                    "maxLength": MAX_REASON_CHARS,
                    "description": format!("Why, at most {MAX_REASON_CHARS} characters after trimming; blank counts as none."),
                },
            }),
        )),
    );
    add(
        "RescheduleRequest",
        closed(object(
            "The new start: the start of another open slot of the booking's kind.",
            &["start"],
            json!({ "start": r("LocalTime") }),
        )),
    );
    add(
        "Stop",
        json!({
            "description": "Where a drive starts or ends: the office at Aarhus City Hall, or an on-site visit.",
            "oneOf": [
                object("", &["type"], json!({ "type": { "const": "office" } })),
                object("", &["type", "booking", "municipality"], json!({
                    "type": { "const": "visit" },
                    "booking": r("BookingId"),
                    "municipality": r("MunicipalityCode"),
                })),
            ],
        }),
    );
    add(
        "Leg",
        object(
            "One drive of the coordinator's day; `minutes` includes ferries and may be 0.",
            &["from", "to", "minutes"],
            json!({ "from": r("Stop"), "to": r("Stop"), "minutes": uint(u32max(), "") }),
        ),
    );
    add(
        "AgendaDay",
        object(
            "A day with confirmed sessions, in time order, and the drives of its on-site visits.",
            &["date", "bookings", "legs", "driving_minutes"],
            json!({
                "date": date("A Copenhagen date."),
                "bookings": { "type": "array", "items": r("Booking") },
                "legs": { "type": "array", "items": r("Leg") },
                "driving_minutes": uint(u32max(), "Minutes behind the wheel (ferry included) that day."),
            }),
        ),
    );
    add(
        "AgendaResponse",
        object(
            "The coordinator's agenda; only days with sessions are listed.",
            &["from", "to", "days"],
            json!({
                "from": date(""),
                "to": date(""),
                "days": { "type": "array", "items": r("AgendaDay") },
            }),
        ),
    );

    // ---- availability (response and input forms) ----------------------------
    for input in [false, true] {
        for (name, schema) in availability_schemas(input) {
            add(&name, schema);
        }
    }

    // ---- system -------------------------------------------------------------
    add(
        "Health",
        object(
            "",
            &["status", "store"],
            json!({
                "status": { "type": "string", "enum": ["ok", "degraded"] },
                "store": { "type": "string", "enum": ["ok", "unreachable"] },
            }),
        ),
    );
    let mut all_codes = vec![
        "bad_request",
        "unauthorized",
        "forbidden",
        "not_found",
        "conflict",
        "payload_too_large",
        "rule_violated",
        "unavailable",
        "internal",
    ];
    all_codes.extend(rule_codes.iter().copied());
    all_codes.push("slot_taken");
    all_codes.push("invalid_availability");
    add(
        "Error",
        object(
            "Every error response of the API.",
            &["error"],
            json!({
                "error": object("", &["code", "message"], json!({
                    "code": {
                        "type": "string",
                        "description": format!("A stable machine-readable code: {}.", all_codes.join(", ")),
                    },
                    "message": { "type": "string", "description": "For people; may change." },
                })),
            }),
        ),
    );
    Value::Object(s)
}

/// The codes of the scheduling rules that give 422 (`RuleViolation::code`
/// less `slot_taken`, a 409, and `invalid_availability`, a server fault).
pub fn rule_codes() -> Vec<&'static str> {
    vec![
        "too_short_notice",
        "beyond_horizon",
        "closed_day",
        "outside_working_hours",
        "not_on_slot_grid",
        "too_many_onsite_visits",
        "cannot_reach_in_time",
        "cap_reached",
    ]
}

/// The coordinator's settings. Responses carry every field; inputs may leave
/// any out (serde defaults), except a date exception's `date` and both ends of
/// working hours.
fn availability_schemas(input: bool) -> Vec<(String, Value)> {
    let suffix = if input { "Input" } else { "" };
    let name = |base: &str| format!("{base}{suffix}");
    let req = |fields: &'static [&'static str]| if input { &[][..] } else { fields };
    // Requests refuse unknown fields (`JsonBody`); answers may gain fields.
    let object = |description: &str, required: &[&str], properties: Value| {
        let o = object(description, required, properties);
        if input { closed(o) } else { o }
    };
    let hours_pattern = if input {
        // jiff's time parser; seconds must be zero.
        "^\\s*([01][0-9]|2[0-3]):[0-5][0-9](:00(\\.0+)?)?\\s*$"
    } else {
        "^([01][0-9]|2[0-3]):[0-5][0-9]$"
    };
    let hours = object(
        if input {
            "A working window in Copenhagen wall-clock time, whole minutes (`08:30`; `08:30:00` is accepted), ending after it starts (400 otherwise)."
        } else {
            "A working window in Copenhagen wall-clock time (`HH:MM`), ending after it starts."
        },
        &["start", "end"],
        json!({
            "start": { "type": "string", "pattern": hours_pattern, "examples": ["08:30"] },
            "end": { "type": "string", "pattern": hours_pattern, "examples": ["16:00"] },
        }),
    );
    let hours_ref = r(&name("WorkingHours"));
    let day = nullable(hours_ref.clone());
    let days = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
    let mut weekly_props = Map::new();
    for d in days {
        weekly_props.insert(d.to_string(), day.clone());
    }
    let weekly = object(
        "Working hours per weekday; `null` means no work that day.",
        req(&["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]),
        Value::Object(weekly_props),
    );
    let exception = object(
        "One date that differs from the weekly hours: closed (`hours` null or missing) or special hours. Public holidays cannot get hours (422).",
        if input { &["date"] } else { &["date", "hours", "note"] },
        json!({
            "date": date(""),
            "hours": nullable(hours_ref),
            "note": {
                "oneOf": [
                    { "type": "string", "maxLength": MAX_EXCEPTION_NOTE_CHARS, "pattern": "^[^\\u0000-\\u001F\\u007F-\\u009F]*$" },
                    { "type": "null" },
                ],
                "description": format!("At most {MAX_EXCEPTION_NOTE_CHARS} characters, no control characters (422 otherwise)."),
            },
        }),
    );
    let closed_days = object(
        "Which customary closing days the office keeps (a missing field is true).",
        req(&["christmas_eve", "constitution_day", "new_years_eve"]),
        json!({
            "christmas_eve": { "type": "boolean", "description": "Juleaftensdag, 24 December." },
            "constitution_day": { "type": "boolean", "description": "Grundlovsdag, 5 June." },
            "new_years_eve": { "type": "boolean", "description": "Nytårsaftensdag, 31 December." },
        }),
    );
    let travel = object(
        "How driving time is estimated.",
        req(&["road_factor", "speed_kmh"]),
        json!({
            "road_factor": { "type": "number", "minimum": 1.0, "maximum": 3.0, "description": "Road distance ÷ great-circle distance (default 1.3)." },
            "speed_kmh": { "type": "number", "minimum": 10.0, "maximum": 130.0, "description": "Average speed door to door (default 70)." },
        }),
    );
    let (smin, smax) = (u64::from(*SESSION_MINUTES.start()), u64::from(*SESSION_MINUTES.end()));
    let rules = object(
        "Session lengths, notice, horizon, buffers and limits. Values outside the ranges are refused with 422, as is a minimum notice longer than the horizon.",
        req(&[
            "onsite_minutes",
            "online_minutes",
            "min_notice_hours",
            "horizon_days",
            "buffer_minutes",
            "max_onsite_per_day",
            "slot_step_minutes",
            "cap_per_municipality",
            "travel",
        ]),
        json!({
            "onsite_minutes": range(smin, smax, "Length of an on-site session (default 90)."),
            "online_minutes": range(smin, smax, "Length of an online session (default 60)."),
            "min_notice_hours": range(0, 720, "A session starts at least this many hours after booking (default 48)."),
            "horizon_days": range(1, 366, "Sessions can be booked up to today + this many days (default 56)."),
            "buffer_minutes": range(0, 240, "Free minutes after every session (default 15)."),
            "max_onsite_per_day": range(0, 10, "On-site visits a day at most (default 2; 0 = online only)."),
            "slot_step_minutes": range(5, 240, "Sessions start every this many minutes from the start of the working day (default 30)."),
            "cap_per_municipality": range(1, 100, "Upcoming confirmed sessions one municipality may hold (default 2)."),
            "travel": r(&name("TravelRules")),
        }),
    );
    let availability = object(
        if input {
            "The coordinator's settings; a missing field takes its default. Refused with 422 when they do not validate (ranges, duplicate or overlong exceptions, hours on a holiday, no working day at all)."
        } else {
            "The coordinator's working hours, date exceptions, closed days and booking rules."
        },
        req(&["weekly", "exceptions", "closed_days", "rules"]),
        json!({
            "weekly": r(&name("WeeklyHours")),
            "exceptions": { "type": "array", "items": r(&name("DateException")), "maxItems": MAX_EXCEPTIONS },
            "closed_days": r(&name("ClosedDays")),
            "rules": r(&name("Rules")),
        }),
    );
    vec![
        (name("WorkingHours"), hours),
        (name("WeeklyHours"), weekly),
        (name("DateException"), exception),
        (name("ClosedDays"), closed_days),
        (name("TravelRules"), travel),
        (name("Rules"), rules),
        (name("Availability"), availability),
    ]
}
