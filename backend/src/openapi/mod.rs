//! `GET /api/openapi.json`: the OpenAPI 3.1 description of the API.
//!
//! Written by hand as JSON (`serde_json::json!`) rather than derived: the wire
//! shapes come from serde attributes a derive does not see (`try_from`/`into`
//! representations, flattened enums, tagged enums, hand-written `Serialize`
//! impls such as `Percent`'s). `tests/openapi.rs` keeps it honest: the
//! document must list exactly `crate::routes::ROUTES`, every `$ref` must
//! resolve and every schema compile, and real responses of every endpoint
//! (success and error statuses) must validate against the documented schemas.

mod paths;
mod schemas;

use std::sync::LazyLock;

use axum::{
    Router,
    http::{HeaderValue, header},
    response::IntoResponse,
    routing::get,
};
use serde_json::{Value, json};

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/openapi.json", get(serve))
}

/// The document, serialised once.
static DOCUMENT: LazyLock<String> = LazyLock::new(|| document().to_string());

async fn serve() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], DOCUMENT.as_str())
}

/// The OpenAPI 3.1 document.
pub fn document() -> Value {
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "dk2020-planner API",
            "version": env!("CARGO_PKG_VERSION"),
            "summary": "DK2020 climate-plan coordination in Region Midtjylland: enrolment, cost sharing and advisory sessions.",
            "description": DESCRIPTION,
            "license": { "name": "MIT", "identifier": "MIT" },
        },
        "tags": [
            { "name": "system", "description": "Health and this document." },
            { "name": "municipalities", "description": "The 19 municipalities and their populations." },
            { "name": "enrolment", "description": "Who is in DK2020: the KKR overview and status changes with history." },
            { "name": "budget", "description": "Sharing the cost of the coordinator between the municipalities." },
            { "name": "bookings", "description": "Open slots, bookings of advisory sessions and their calendar files." },
            { "name": "coordinator", "description": "The coordinator's availability and agenda." },
        ],
        "paths": paths::paths(),
        "components": {
            "schemas": schemas::schemas(),
            "parameters": paths::parameters(),
            "responses": error_responses(),
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": "`Authorization: Bearer <token>`: an HS256 JWT with the claims `role` (`municipality`, `coordinator` or `secretariat`), `municipality` (the code, for the municipality role) and `exp`. `dk2020-api token --role … [--municipality CODE] [--days N]` prints one. Missing, invalid or expired: 401; a valid token of a role that may not do this: 403.",
                },
                "calendarToken": {
                    "type": "apiKey",
                    "in": "query",
                    "name": "token",
                    "description": "The same JWT (a coordinator's) in the query string, for `GET /api/calendar.ics`: calendar clients cannot send headers.",
                },
            },
        },
    })
}

const DESCRIPTION: &str = "Every response is JSON unless a download is asked for (CSV, XLSX, iCalendar). \
Errors are `{\"error\": {\"code\": \"…\", \"message\": \"…\"}}` with a fitting status: 400 bad input \
(malformed JSON, a body that is not JSON, an unknown or malformed query parameter), 401 no, invalid or \
expired token, 403 a token that may not do this, 404 unknown resource, 409 the slot was just taken or \
a concurrent change won, 413 a body over 64 KiB, 422 a rule refused a well-formed request, 503 the \
store cannot be reached. Times are RFC 3339 with the Copenhagen offset of their date; dates are \
`YYYY-MM-DD` in Copenhagen.";

/// One error response per status, each with the codes it can carry.
fn error_responses() -> Value {
    let error = |description: &str, codes: &[&str]| {
        json!({
            "description": description,
            "content": {
                "application/json": {
                    "schema": {
                        "allOf": [schemas::r("Error")],
                        "properties": {
                            "error": { "properties": { "code": { "enum": codes } } },
                        },
                    },
                },
            },
        })
    };
    let mut unprocessable = vec!["rule_violated"];
    unprocessable.extend(schemas::rule_codes());
    json!({
        "BadRequest": error(
            "Bad input: malformed or non-JSON body, a field of the wrong type or shape, an unknown or malformed query parameter.",
            &["bad_request"],
        ),
        "Unauthorized": error("No token, or an invalid or expired one.", &["unauthorized"]),
        "Forbidden": error(
            "The token's role may not do this, or the resource belongs to another municipality.",
            &["forbidden"],
        ),
        "NotFound": error("No such municipality or booking.", &["not_found"]),
        "Conflict": error(
            "The slot was just taken (`slot_taken`), or the resource changed meanwhile (`conflict`).",
            &["conflict", "slot_taken"],
        ),
        "PayloadTooLarge": error("The request body is larger than 64 KiB.", &["payload_too_large"]),
        "Unprocessable": error(
            "Well-formed, but a rule refuses it: `rule_violated`, or the scheduling rule's own code.",
            &unprocessable,
        ),
        "Unavailable": error("The store cannot be reached right now; try again shortly.", &["unavailable"]),
    })
}
