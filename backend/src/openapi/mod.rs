//! `GET /api/openapi.json`, the OpenAPI 3.1 description of the API, and
//! `GET /api/docs`, a reference page that reads it.
//!
//! The document is generated, not written: the operations are the routes of
//! `crate::routes::router()` (an `aide::axum::ApiRouter`: a route is mounted
//! and described by the same call), each with what its handler's signature
//! tells (the JSON it answers, its request body, its token, query string and
//! path parameter: `inputs`) and what the route module adds next to the
//! handler (`docs::Describe`: who may call it, the errors its body returns,
//! its query parameters). Schemas are the model's types' `schemars` schemas
//! (`dk2020-model`'s `openapi` feature): answers under the serialize contract,
//! request bodies under the deserialize contract (what serde accepts) and
//! closed (`additionalProperties: false`), because `extract::JsonBody`
//! refuses unknown fields at every depth; a request schema that differs from
//! the answer of the same type is named `…Input`.
//!
//! `tests/openapi.rs` drives every operation into every status it documents
//! and validates each answer against the document.

pub mod docs;
mod inputs;

use std::{
    collections::{BTreeMap, BTreeSet},
    sync::LazyLock,
};

use aide::{
    axum::{ApiRouter, routing::get_with},
    openapi::OpenApi,
    redoc::Redoc,
};
use axum::{
    Router,
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
};
use schemars::generate::SchemaSettings;
use serde_json::{Map, Value, json};

use self::docs::{Describe, municipality_param_schema};
use crate::{extract::NoQuery, state::AppState};

/// Where the document and the reference page are served (under `/api`).
pub const DOCUMENT_PATH: &str = "/openapi.json";
pub const DOCS_PATH: &str = "/docs";

/// The document's and the reference page's routes, relative to `/api`.
pub fn router() -> ApiRouter<AppState> {
    // Relative: the page is `…/api/docs`, so this is `…/api/openapi.json`
    // also behind API Gateway's stage prefix (`/prod/api/…`).
    let page = Redoc::new(DOCUMENT_PATH.trim_start_matches('/')).with_title("dk2020-planner API").html();
    ApiRouter::new()
        .api_route(
            DOCUMENT_PATH,
            get_with(serve, |o| {
                o.op(
                    "openapi",
                    "system",
                    "This OpenAPI 3.1 document",
                    "The description of every endpoint of the API, its parameters, bodies, responses and errors, generated from the router and the model's types.",
                )
                .roles(&[], false)
                .answer(
                    200,
                    json!({
                        "description": "The OpenAPI document.",
                        "content": { "application/json": { "schema": {
                            "type": "object",
                            "required": ["openapi", "info", "paths"],
                            "properties": { "openapi": { "type": "string", "pattern": "^3\\.1\\.\\d+$" } },
                        } } },
                    }),
                )
            }),
        )
        .api_route(
            DOCS_PATH,
            get_with(move |_: NoQuery| std::future::ready(axum::response::Html(page.clone())), |o| {
                o.op(
                    "docs",
                    "system",
                    "An interactive reference of this API",
                    "A page (Redoc) that shows this document: every endpoint with its parameters, bodies, answers and errors. Its JavaScript is served inside the page, from the API itself.",
                )
                .roles(&[], false)
                .answer(
                    200,
                    json!({
                        "description": "The reference page.",
                        "content": { "text/html": { "schema": { "type": "string" } } },
                    }),
                )
            }),
        )
}

async fn serve(_: NoQuery) -> Response {
    ([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], SERVED.as_str()).into_response()
}

/// The document, generated once.
static DOCUMENT: LazyLock<Value> = LazyLock::new(generate);
/// … and serialised once.
static SERVED: LazyLock<String> = LazyLock::new(|| DOCUMENT.to_string());

/// The OpenAPI 3.1 document.
pub fn document() -> Value {
    DOCUMENT.clone()
}

/// The axum `Router` of `api`, its description dropped (the served document
/// is generated from the same routes by [`document`]).
pub fn into_router(api: ApiRouter<AppState>) -> Router<AppState> {
    docs::reset_request_definitions();
    let router = api.finish_api(&mut OpenApi::default());
    docs::reset_request_definitions();
    router
}

fn generate() -> Value {
    // Answers: what the API sends (the serialize contract), in the
    // document's components.
    aide::generate::in_context(|ctx| {
        ctx.schema = SchemaSettings::draft2020_12()
            .with(|s| {
                s.definitions_path = "#/components/schemas/".into();
                s.meta_schema = None;
            })
            .for_serialize()
            .into_generator();
    });
    docs::reset_request_definitions();
    let mut api = OpenApi::default();
    let _router: Router<AppState> = ApiRouter::new().nest("/api", crate::routes::router()).finish_api(&mut api);
    let requests = docs::take_request_definitions();
    let mut doc = serde_json::to_value(&api).expect("the document serialises");
    complete(&mut doc, requests);
    doc
}

/// What the routes do not say: the document's head, the shared parameters,
/// error responses and security schemes, the request schemas, and an
/// explicit `security: []` on the public operations.
fn complete(doc: &mut Value, requests: Map<String, Value>) {
    doc["openapi"] = json!("3.1.0");
    doc["info"] = json!({
        "title": "dk2020-planner API",
        "version": env!("CARGO_PKG_VERSION"),
        "summary": "DK2020 climate-plan coordination in Region Midtjylland: enrolment, cost sharing and advisory sessions.",
        "description": DESCRIPTION,
        "license": { "name": "MIT", "identifier": "MIT" },
    });
    doc["tags"] = json!([
        { "name": "system", "description": "Health, this document and its reference page." },
        { "name": "municipalities", "description": "The 19 municipalities and their populations." },
        { "name": "enrolment", "description": "Who is in DK2020: the KKR overview and status changes with history." },
        { "name": "budget", "description": "Sharing the cost of the coordinator between the municipalities." },
        { "name": "bookings", "description": "Open slots, bookings of advisory sessions and their calendar files." },
        { "name": "coordinator", "description": "The coordinator's availability, agenda, mail settings and the mails that could not be sent." },
        { "name": "manage", "description": "One booking, opened by the manage link in its contact's mails: see, move, cancel." },
        { "name": "reports", "description": "The visits report for the coordinator and the steering group." },
        { "name": "access", "description": "Sign-in, embed keys for the intranets, revoked tokens and the audit log." },
        { "name": "privacy", "description": "Insight and erasure on request: what the product holds about a person's e-mail address, and erasing it." },
    ]);
    if !doc["components"].is_object() {
        doc["components"] = json!({});
    }
    let components = &mut doc["components"];
    if !components["schemas"].is_object() {
        components["schemas"] = json!({});
    }
    components["schemas"]["Error"] = error_schema();
    components["responses"] = error_responses();
    components["parameters"] = json!({
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
            "schema": { "$ref": "#/components/schemas/BookingId" },
            "description": "The booking's id (404 when there is no such booking).",
        },
        "CalendarIdPath": {
            "name": "id",
            "in": "path",
            "required": true,
            "schema": { "type": "string", "pattern": "^cal_[a-z0-9_-]{1,60}$" },
            "description": "The calendar subscription's id, as `GET /api/coordinator/calendars` lists it (404 when there is no such subscription).",
        },
        "FeedIdPath": {
            "name": "id",
            "in": "path",
            "required": true,
            "schema": { "type": "string", "pattern": "^feed_[a-z0-9]{1,60}$" },
            "description": "The feed's id, as `GET /api/calendar/feeds` lists it (404 when there is no such feed).",
        },
        "EmbedKeyIdPath": {
            "name": "id",
            "in": "path",
            "required": true,
            "schema": { "type": "string", "pattern": "^key_[a-z0-9]{1,60}$" },
            "description": "The embed key's id, as `GET /api/embed-keys` lists it (404 when there is no such key).",
        },
        "JtiPath": {
            "name": "jti",
            "in": "path",
            "required": true,
            "schema": { "type": "string", "minLength": 1, "maxLength": 100 },
            "description": "The token's `jti` claim, as `dk2020-api token` prints it (404 for one that cannot be a token id).",
        },
        "ScenarioIdPath": {
            "name": "id",
            "in": "path",
            "required": true,
            "schema": { "type": "string", "pattern": "^scn_[a-z0-9]{1,60}$" },
            "description": "The budget scenario's id, as `GET /api/budget/scenarios` lists it (404 when there is no such scenario).",
        },
    });
    components["securitySchemes"] = json!({
        inputs::BEARER: {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "`Authorization: Bearer <token>`: an HS256 JWT with the claims `role` (`municipality`, `coordinator` or `secretariat`), `municipality` (the code, for the municipality role) and `exp`. `dk2020-api token --role … [--municipality CODE] [--days N]` prints one. Missing, invalid or expired: 401; a valid token of a role that may not do this: 403.",
        },
        inputs::MANAGE_LINK: {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "dkm_ key",
            "description": "`Authorization: Bearer dkm_…`: the key of a manage link, from the fragment of the link in a mail to the booking's contact (never in a URL's path or query). It opens that one booking until its session has ended; the coordinator can revoke a booking's links. Unknown or revoked: 401 `manage_link_invalid`; the session has ended: 410 `manage_link_expired`.",
        },
        inputs::EMBED_KEY: {
            "type": "apiKey",
            "in": "header",
            "name": "X-Embed-Key",
            "description": "`X-Embed-Key: dke_…`: an intranet's publishable key (`<dk2020-widget key=\"…\">`), issued by the secretariat for one municipality and the intranet's origins. Only the booking view's calls take it: listing the municipality's slots, booking for it, listing and cancelling its bookings. Unknown, revoked or expired: 401 `embed_key_invalid`; from an origin not on its list: 403 `embed_key_wrong_origin`.",
        },
        inputs::SESSION: {
            "type": "apiKey",
            "in": "cookie",
            "name": "dk2020_session",
            "description": "The staff session after signing in at `/auth/login` (OpenID Connect). A change made with it also needs `X-CSRF-Token` (from `GET /api/session`) and, when the browser sends one, the app's own `Origin` (403 otherwise).",
        },
    });
    merge_request_schemas(doc, requests);
    for item in doc["paths"].as_object_mut().into_iter().flat_map(|p| p.values_mut()) {
        for operation in item.as_object_mut().into_iter().flat_map(|i| i.values_mut()) {
            if operation.get("security").is_none() {
                operation["security"] = json!([]);
            }
        }
    }
}

/// Adds the request bodies' schemas to `components.schemas`: closed, and
/// under `…Input` where the answers' schema of the same name differs (and
/// wherever a schema refers to one that does).
fn merge_request_schemas(doc: &mut Value, mut requests: Map<String, Value>) {
    for schema in requests.values_mut() {
        close(schema);
    }
    let answers = doc["components"]["schemas"].as_object().cloned().unwrap_or_default();
    let refs: BTreeMap<String, BTreeSet<String>> =
        requests.iter().map(|(name, schema)| (name.clone(), referenced(schema))).collect();
    let mut renamed: BTreeSet<String> = requests
        .iter()
        .filter(|(name, schema)| answers.get(*name).is_some_and(|answer| answer != *schema))
        .map(|(name, _)| name.clone())
        .collect();
    loop {
        let more: Vec<String> = refs
            .iter()
            .filter(|(name, to)| {
                !renamed.contains(*name) && answers.contains_key(*name) && to.iter().any(|t| renamed.contains(t))
            })
            .map(|(name, _)| name.clone())
            .collect();
        if more.is_empty() {
            break;
        }
        renamed.extend(more);
    }
    let name_of = |name: &str| if renamed.contains(name) { format!("{name}Input") } else { name.to_string() };
    let schemas = doc["components"]["schemas"].as_object_mut().expect("components.schemas");
    for (name, mut schema) in requests {
        rename_refs(&mut schema, &name_of);
        if renamed.contains(&name) || !schemas.contains_key(&name) {
            schemas.insert(name_of(&name), schema);
        }
    }
    for item in doc["paths"].as_object_mut().into_iter().flat_map(|p| p.values_mut()) {
        for operation in item.as_object_mut().into_iter().flat_map(|i| i.values_mut()) {
            if let Some(body) = operation.get_mut("requestBody") {
                rename_refs(body, &name_of);
            }
        }
    }
}

/// Keywords whose values are data or conditions, not schemas to close.
const NOT_CLOSED: [&str; 8] = ["if", "then", "else", "not", "examples", "enum", "const", "default"];

/// `additionalProperties: false` on every object schema with `properties`.
fn close(schema: &mut Value) {
    let Value::Object(map) = schema else { return };
    if map.contains_key("properties") && !map.contains_key("additionalProperties") {
        map.insert("additionalProperties".into(), json!(false));
    }
    for (key, value) in map.iter_mut() {
        if NOT_CLOSED.contains(&key.as_str()) {
            continue;
        }
        match value {
            Value::Object(inner) if key == "properties" || key == "$defs" => {
                inner.values_mut().for_each(close);
            }
            Value::Array(items) => items.iter_mut().for_each(close),
            Value::Object(_) => close(value),
            _ => {}
        }
    }
}

const SCHEMA_REF: &str = "#/components/schemas/";

fn referenced(schema: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    fn walk(v: &Value, out: &mut BTreeSet<String>) {
        match v {
            Value::Object(map) => {
                if let Some(r) = map.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix(SCHEMA_REF)) {
                    out.insert(r.to_string());
                }
                map.values().for_each(|v| walk(v, out));
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    walk(schema, &mut out);
    out
}

fn rename_refs(value: &mut Value, name_of: &impl Fn(&str) -> String) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get_mut("$ref")
                && let Some(name) = r.strip_prefix(SCHEMA_REF)
            {
                *r = format!("{SCHEMA_REF}{}", name_of(name));
            }
            map.values_mut().for_each(|v| rename_refs(v, name_of));
        }
        Value::Array(items) => items.iter_mut().for_each(|v| rename_refs(v, name_of)),
        _ => {}
    }
}

const DESCRIPTION: &str = "Every response is JSON unless a download is asked for (CSV, XLSX, iCalendar). \
Errors are `{\"error\": {\"code\": \"…\", \"message\": \"…\"}}` with a fitting status: 400 bad input \
(malformed JSON, a body that is not JSON, an unknown or malformed query parameter), 401 no, invalid or \
expired token, 403 a token that may not do this, 404 unknown resource, 409 the slot was just taken or \
a concurrent change won, 413 a body over 64 KiB, 422 a rule refused a well-formed request, 503 the \
store cannot be reached. Times are RFC 3339 with the Copenhagen offset of their date; dates are \
`YYYY-MM-DD` in Copenhagen. An interactive reference of this document is served at `/api/docs`.";

/// The codes of the scheduling rules that give 422 (`RuleViolation::code`
/// less `slot_taken`, a 409, and `invalid_availability`, a server fault).
const RULE_CODES: [&str; 8] = [
    "too_short_notice",
    "beyond_horizon",
    "closed_day",
    "outside_working_hours",
    "not_on_slot_grid",
    "too_many_onsite_visits",
    "cannot_reach_in_time",
    "cap_reached",
];

/// `dk2020_model::api::ErrorBody`, the body of every error answer.
fn error_schema() -> Value {
    let codes: Vec<&str> = dk2020_model::api::ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
    json!({
        "type": "object",
        "description": "Every error response of the API.",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": {
                        "type": "string",
                        "description": format!("A stable machine-readable code: {}.", codes.join(", ")),
                    },
                    "message": { "type": "string", "description": "For people; may change." },
                },
            },
        },
    })
}

/// One error response per status, each with the codes it can carry.
fn error_responses() -> Value {
    let error = |description: &str, codes: &[&str]| {
        json!({
            "description": description,
            "content": {
                "application/json": {
                    "schema": {
                        "allOf": [{ "$ref": format!("{SCHEMA_REF}Error") }],
                        "properties": {
                            "error": { "properties": { "code": { "enum": codes } } },
                        },
                    },
                },
            },
        })
    };
    let mut unprocessable = vec!["rule_violated", "calendar_address_refused"];
    unprocessable.extend(RULE_CODES);
    let mut out = Map::new();
    for (status, description, codes) in [
        (
            400,
            "Bad input: malformed or non-JSON body, a field of the wrong type or shape, an unknown or malformed query parameter.",
            &["bad_request"][..],
        ),
        (
            401,
            "No token, or an invalid, expired or revoked one, or an ended session (`unauthorized`); a manage link's key that opens nothing: mistyped, incomplete or revoked (`manage_link_invalid`); an embed key that is unknown or revoked (`embed_key_invalid`).",
            &["unauthorized", "manage_link_invalid", "embed_key_invalid"],
        ),
        (
            403,
            "The token's role may not do this, the resource belongs to another municipality, an embed key asks for more than the booking view, or a change with the session cookie lacks its CSRF token or comes from another site (`forbidden`); an embed key from a page whose origin is not on its list (`embed_key_wrong_origin`).",
            &["forbidden", "embed_key_wrong_origin"],
        ),
        (404, "No such municipality, booking or calendar subscription.", &["not_found"]),
        (
            409,
            "The slot was just taken (`slot_taken`) or her calendar says she is busy then (`coordinator_busy`), the resource changed meanwhile or a limit is reached (`conflict`), or a mail to send again has not failed (`mail_not_failed`).",
            &["conflict", "slot_taken", "coordinator_busy", "mail_not_failed"],
        ),
        (410, "The manage link's session has ended: there is nothing left to manage.", &["manage_link_expired"]),
        (413, "The request body is larger than 64 KiB.", &["payload_too_large"]),
        (
            422,
            "Well-formed, but a rule refuses it: `rule_violated`, the scheduling rule's own code, or a calendar address the server will not fetch (`calendar_address_refused`).",
            &unprocessable,
        ),
        (503, "The store cannot be reached right now; try again shortly.", &["unavailable"]),
    ] {
        let name = docs::error_response_name(status).expect("a named error status");
        out.insert(name.to_string(), error(description, codes));
    }
    Value::Object(out)
}
