//! The generated OpenAPI document (`GET /api/openapi.json`) against the Router
//! and against real responses:
//!
//! - every documented operation answers (not the API's fallback 404, not
//!   405), and no other method on those paths does;
//! - the document is structurally sound (every `$ref` resolves, every schema
//!   is a valid JSON Schema 2020-12, path parameters match the templates,
//!   operations are complete) and every request body schema is closed;
//! - every endpoint, driven through the real Router over a SQLite store into
//!   every status the document lists for it, answers with a documented status
//!   and content type and a body that validates against the documented schema
//!   (formats asserted); the request bodies sent as valid validate against the
//!   documented request schemas; every documented status was seen, so the
//!   document lists exactly the operations driven here;
//! - `/api/docs` is a page whose scripts all come from the API itself.

use std::{
    collections::{BTreeMap, BTreeSet},
    sync::{Arc, Mutex},
};

use async_trait::async_trait;
use axum::{
    Router,
    body::Body,
    http::{Request, header},
};
use dk2020_api::{
    app,
    auth::TokenKeys,
    manage_link::ManageLink,
    openapi,
    state::{AppState, Clock},
    store::{
        AuditLog, BookingFilter, Bookings, Calendars, Created, Credentials, EnrolmentLog, ManageLinks, NewBooking,
        Outbox, Scenarios, Settings, SqliteStore, Store, StoreError, StoreResult,
    },
};
use dk2020_model::{
    Act, Actor, Booking, BookingId, Event, LocalTime, Municipalities, MunicipalityCode, Population,
    audit::{AuditEntry, AuditFilter},
    credential::{Credential, CredentialKind},
    enrolment::StatusChange,
    outbox::Message,
    scenario::{Scenario, ScenarioId},
    subscription::{CalendarId, Subscription},
};
use http_body_util::BodyExt;
use jiff::Timestamp;
use serde_json::{Value, json};
use tower::ServiceExt;

const SECRET: &str = "openapi-test-secret-that-is-long-enough-for-hs256";
const FALLBACK_MESSAGE: &str = "no such API endpoint";
/// Where the document is loaded for `$ref` resolution in the validator.
const BASE: &str = "http://dk2020.test/openapi.json";

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// `/api/bookings/{id}/cancel` with placeholders for the path parameters.
fn concrete(template: &str) -> String {
    template.replace("{code}", "779").replace("{id}", "b0000000000nosuchbooking")
}

/// JSON Pointer escaping of one reference token.
fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

fn operation_pointer(method: &str, template: &str) -> String {
    format!("/paths/{}/{}", escape(template), method.to_ascii_lowercase())
}

fn media_pointer(media_type: &str) -> String {
    format!("/content/{}/schema", escape(media_type))
}

fn keys() -> TokenKeys {
    TokenKeys::new(SECRET).expect("a long enough secret")
}

/// A token valid on both of the harness's pinned clocks (2 November and
/// 24 December 2026): expiry is judged by the app's clock.
fn token(actor: Actor) -> String {
    keys().issue(actor, 60, pinned_now().as_second())
}

fn municipality(code: u16) -> Actor {
    Actor::Municipality { municipality: MunicipalityCode::new(code).expect("a code of the region") }
}

/// Every operation of the document as (METHOD, path).
fn documented_operations(doc: &Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("a path item").keys() {
            if ["get", "put", "post", "delete", "patch", "head", "options", "trace"].contains(&method.as_str()) {
                out.insert((method.to_ascii_uppercase(), path.clone()));
            }
        }
    }
    out
}

/// Follows a `{"$ref": "#/…"}` to (its pointer, its target); anything else
/// is returned as it is with `pointer`.
fn resolve<'d>(doc: &'d Value, pointer: String, value: &'d Value) -> (String, &'d Value) {
    match value.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let target = r.strip_prefix('#').unwrap_or_else(|| panic!("non-local $ref {r}"));
            let resolved = doc.pointer(target).unwrap_or_else(|| panic!("unresolved $ref {r}"));
            resolve(doc, target.to_string(), resolved)
        }
        None => (pointer, value),
    }
}

/// The document, compiled lazily into JSON Schema validators (draft 2020-12,
/// the dialect of OpenAPI 3.1, with format assertions).
struct Validator {
    doc: Value,
    compiler: boon::Compiler,
    schemas: boon::Schemas,
    compiled: BTreeMap<String, boon::SchemaIndex>,
}

impl Validator {
    fn new(doc: Value) -> Self {
        let mut compiler = boon::Compiler::new();
        compiler.set_default_draft(boon::Draft::V2020_12);
        compiler.enable_format_assertions();
        compiler.add_resource(BASE, doc.clone()).expect("the document loads");
        Self { doc, compiler, schemas: boon::Schemas::new(), compiled: BTreeMap::new() }
    }

    fn index(&mut self, pointer: &str) -> Result<boon::SchemaIndex, String> {
        if let Some(&i) = self.compiled.get(pointer) {
            return Ok(i);
        }
        let fragment = pointer.replace('{', "%7B").replace('}', "%7D");
        let i = self
            .compiler
            .compile(&format!("{BASE}#{fragment}"), &mut self.schemas)
            .map_err(|e| format!("the schema at {pointer} does not compile: {e:#}"))?;
        self.compiled.insert(pointer.to_string(), i);
        Ok(i)
    }

    /// Validates `instance` against the schema at `pointer` (a JSON Pointer into the document).
    fn validate(&mut self, pointer: &str, instance: &Value) -> Result<(), String> {
        let i = self.index(pointer)?;
        self.schemas.validate(instance, i).map_err(|e| format!("{e:#}"))
    }
}

// ---------------------------------------------------------------------------
// A store that can be told to fail, for the 503 and 409 answers
// ---------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fault {
    None,
    /// Every call fails as if the database could not be reached.
    Unavailable,
    /// Recording a status change loses a race.
    StatusConflict,
}

struct FaultyStore {
    inner: SqliteStore,
    fault: Mutex<Fault>,
}

impl FaultyStore {
    fn set(&self, fault: Fault) {
        *self.fault.lock().unwrap() = fault;
    }

    fn check(&self) -> StoreResult<()> {
        match *self.fault.lock().unwrap() {
            Fault::Unavailable => Err(StoreError::Unavailable("switched off by the test".into())),
            _ => Ok(()),
        }
    }
}

#[async_trait]
impl Store for FaultyStore {
    async fn health(&self) -> StoreResult<()> {
        self.check()?;
        self.inner.health().await
    }
}

#[async_trait]
impl Settings for FaultyStore {
    async fn municipalities(&self) -> StoreResult<Municipalities> {
        self.check()?;
        self.inner.municipalities().await
    }

    async fn set_population(&self, municipality: MunicipalityCode, population: Population) -> StoreResult<()> {
        self.check()?;
        self.inner.set_population(municipality, population).await
    }

    async fn setting_json(&self, key: &'static str) -> StoreResult<Option<String>> {
        self.check()?;
        self.inner.setting_json(key).await
    }

    async fn set_setting_json(&self, key: &'static str, json: String) -> StoreResult<()> {
        self.check()?;
        self.inner.set_setting_json(key, json).await
    }
}

#[async_trait]
impl Outbox for FaultyStore {
    async fn due_messages(&self, now: Timestamp, limit: usize) -> StoreResult<Vec<Message>> {
        self.check()?;
        self.inner.due_messages(now, limit).await
    }

    async fn failed_messages(&self) -> StoreResult<Vec<Message>> {
        self.check()?;
        self.inner.failed_messages().await
    }

    async fn message(&self, id: &str) -> StoreResult<Message> {
        self.check()?;
        self.inner.message(id).await
    }

    async fn update_message(&self, message: &Message) -> StoreResult<()> {
        self.check()?;
        self.inner.update_message(message).await
    }

    async fn all_messages(&self) -> StoreResult<Vec<Message>> {
        self.check()?;
        self.inner.all_messages().await
    }

    async fn delete_message(&self, id: &str) -> StoreResult<()> {
        self.check()?;
        self.inner.delete_message(id).await
    }
}

#[async_trait]
impl Credentials for FaultyStore {
    async fn add_credential(&self, credential: &Credential) -> StoreResult<()> {
        self.check()?;
        self.inner.add_credential(credential).await
    }

    async fn credential(&self, kind: CredentialKind, hash: &str) -> StoreResult<Credential> {
        self.check()?;
        self.inner.credential(kind, hash).await
    }

    async fn credentials(&self, kind: CredentialKind) -> StoreResult<Vec<Credential>> {
        self.check()?;
        self.inner.credentials(kind).await
    }

    async fn save_credential(&self, credential: &Credential) -> StoreResult<()> {
        self.check()?;
        self.inner.save_credential(credential).await
    }

    async fn delete_credential(&self, kind: CredentialKind, hash: &str) -> StoreResult<()> {
        self.check()?;
        self.inner.delete_credential(kind, hash).await
    }
}

#[async_trait]
impl AuditLog for FaultyStore {
    async fn record_audit(&self, entry: &AuditEntry) -> StoreResult<()> {
        self.check()?;
        self.inner.record_audit(entry).await
    }

    async fn audit(&self, filter: &AuditFilter) -> StoreResult<Vec<AuditEntry>> {
        self.check()?;
        self.inner.audit(filter).await
    }

    async fn save_audit(&self, entry: &AuditEntry) -> StoreResult<()> {
        self.check()?;
        self.inner.save_audit(entry).await
    }
}

#[async_trait]
impl Calendars for FaultyStore {
    async fn calendars(&self) -> StoreResult<Vec<Subscription>> {
        self.check()?;
        self.inner.calendars().await
    }

    async fn add_calendar(&self, calendar: &Subscription) -> StoreResult<()> {
        self.check()?;
        self.inner.add_calendar(calendar).await
    }

    async fn save_calendar(&self, calendar: &Subscription) -> StoreResult<()> {
        self.check()?;
        self.inner.save_calendar(calendar).await
    }

    async fn delete_calendar(&self, id: &CalendarId) -> StoreResult<()> {
        self.check()?;
        self.inner.delete_calendar(id).await
    }
}

#[async_trait]
impl Scenarios for FaultyStore {
    async fn scenarios(&self) -> StoreResult<Vec<Scenario>> {
        self.check()?;
        self.inner.scenarios().await
    }

    async fn add_scenario(&self, scenario: &Scenario) -> StoreResult<()> {
        self.check()?;
        self.inner.add_scenario(scenario).await
    }

    async fn save_scenario(&self, scenario: &Scenario) -> StoreResult<()> {
        self.check()?;
        self.inner.save_scenario(scenario).await
    }

    async fn delete_scenario(&self, id: &ScenarioId) -> StoreResult<()> {
        self.check()?;
        self.inner.delete_scenario(id).await
    }
}

#[async_trait]
impl ManageLinks for FaultyStore {
    async fn add_manage_link(&self, link: &ManageLink) -> StoreResult<()> {
        self.check()?;
        self.inner.add_manage_link(link).await
    }

    async fn manage_link(&self, hash: &str) -> StoreResult<ManageLink> {
        self.check()?;
        self.inner.manage_link(hash).await
    }

    async fn revoke_manage_links(&self, booking: &BookingId) -> StoreResult<u32> {
        self.check()?;
        self.inner.revoke_manage_links(booking).await
    }
}

#[async_trait]
impl EnrolmentLog for FaultyStore {
    async fn status_changes(&self) -> StoreResult<Vec<StatusChange>> {
        self.check()?;
        self.inner.status_changes().await
    }

    async fn record_status_change(&self, change: &StatusChange) -> StoreResult<()> {
        self.check()?;
        if *self.fault.lock().unwrap() == Fault::StatusConflict {
            return Err(StoreError::Conflict("someone else was quicker".into()));
        }
        self.inner.record_status_change(change).await
    }
}

#[async_trait]
impl Bookings for FaultyStore {
    async fn booking(&self, id: &BookingId) -> StoreResult<Booking> {
        self.check()?;
        self.inner.booking(id).await
    }

    async fn bookings(&self, filter: &BookingFilter) -> StoreResult<Vec<Booking>> {
        self.check()?;
        self.inner.bookings(filter).await
    }

    async fn create_booking(&self, new: NewBooking<'_>) -> StoreResult<Created> {
        self.check()?;
        self.inner.create_booking(new).await
    }

    async fn cancel_booking(&self, id: &BookingId, reason: Option<String>, act: Act) -> StoreResult<Event> {
        self.check()?;
        self.inner.cancel_booking(id, reason, act).await
    }

    async fn reschedule_booking(&self, id: &BookingId, start: LocalTime, act: Act) -> StoreResult<Event> {
        self.check()?;
        self.inner.reschedule_booking(id, start, act).await
    }

    async fn erase_booking(&self, id: &BookingId, at: Timestamp) -> StoreResult<bool> {
        self.check()?;
        self.inner.erase_booking(id, at).await
    }
}

// ---------------------------------------------------------------------------
// The harness: the real Router, and every answer checked against the document
// ---------------------------------------------------------------------------

struct Harness {
    store: Arc<FaultyStore>,
    /// The API at the pinned "now".
    router: Router,
    /// The same store a while later (sessions have started).
    later_router: Router,
    validator: Validator,
    /// (METHOD, template, status) of every answer seen.
    seen: BTreeSet<(String, String, u16)>,
    _dir: tempfile::TempDir,
}

/// Monday 2 November 2026, 09:00 in Copenhagen.
fn pinned_now() -> Timestamp {
    "2026-11-02T08:00:00Z".parse().unwrap()
}

impl Harness {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let inner = SqliteStore::open(dir.path().join("openapi.sqlite")).expect("a new SQLite store");
        let store = Arc::new(FaultyStore { inner, fault: Mutex::new(Fault::None) });
        let app_at = |now: Timestamp| {
            let state = AppState::new(store.clone() as Arc<dyn Store>, keys(), Clock::Fixed(now));
            app::router(state, Vec::new())
        };
        let router = app_at(pinned_now());
        let later_router = app_at("2026-12-24T12:00:00Z".parse().unwrap());
        Self {
            store,
            router,
            later_router,
            validator: Validator::new(openapi::document()),
            seen: BTreeSet::new(),
            _dir: dir,
        }
    }

    fn req<'h>(&'h mut self, method: &'static str, template: &'static str, uri: impl Into<String>) -> Req<'h> {
        Req {
            h: self,
            method,
            template,
            uri: uri.into(),
            token: None,
            body: None,
            headers: Vec::new(),
            later: false,
            at: None,
        }
    }

    /// Checks an answer against the operation's documented responses and
    /// returns its JSON body (`Null` for other content).
    fn check_documented(
        &mut self,
        method: &str,
        template: &str,
        status: u16,
        content_type: Option<&str>,
        headers: &axum::http::HeaderMap,
        body: &[u8],
    ) -> Value {
        let doc = self.validator.doc.clone();
        let op_ptr = operation_pointer(method, template);
        let op = doc.pointer(&op_ptr).unwrap_or_else(|| panic!("{method} {template} is not in the document"));
        let response = op["responses"].get(status.to_string()).unwrap_or_else(|| {
            panic!("{method} {template} answered {status}, which is not documented: {}", String::from_utf8_lossy(body))
        });
        let (resp_ptr, response) = resolve(&doc, format!("{op_ptr}/responses/{status}"), response);
        let Some(content) = response.get("content").and_then(Value::as_object) else {
            assert!(body.is_empty(), "{method} {template} {status}: no content documented, but a body came");
            return Value::Null;
        };
        let media_type = content_type
            .unwrap_or_else(|| panic!("{method} {template} {status}: no Content-Type"))
            .split(';')
            .next()
            .unwrap()
            .trim()
            .to_ascii_lowercase();
        assert!(
            content.contains_key(&media_type),
            "{method} {template} {status}: Content-Type {media_type} is not documented ({:?})",
            content.keys().collect::<Vec<_>>()
        );
        if let Some(documented_headers) = response.get("headers").and_then(Value::as_object) {
            for name in documented_headers.keys() {
                // Optional headers (Idempotent-Replayed) are checked where they must appear.
                // Downloads carry their file name; the JSON variant of the same endpoint does not.
                if name.eq_ignore_ascii_case("content-disposition") && media_type != "application/json" {
                    assert!(headers.contains_key(name.as_str()), "{method} {template} {status}: no {name} header");
                }
            }
        }
        if media_type != "application/json" {
            assert!(!body.is_empty(), "{method} {template} {status}: an empty {media_type} body");
            return Value::Null;
        }
        let json: Value = serde_json::from_slice(body).unwrap_or_else(|e| {
            panic!("{method} {template} {status}: the body is not JSON ({e}): {}", String::from_utf8_lossy(body))
        });
        let schema_ptr = format!("{resp_ptr}{}", media_pointer("application/json"));
        if let Err(e) = self.validator.validate(&schema_ptr, &json) {
            panic!("{method} {template} {status}: the body does not match {schema_ptr}:\n{e}\nbody: {json:#}");
        }
        json
    }

    /// Asserts that `body` is (or is not) valid for the operation's request body schema.
    fn check_request(&mut self, method: &str, template: &str, body: &Value, valid: bool) {
        let doc = self.validator.doc.clone();
        let op_ptr = operation_pointer(method, template);
        let request_body = doc
            .pointer(&format!("{op_ptr}/requestBody"))
            .unwrap_or_else(|| panic!("{method} {template} documents no request body"));
        let (ptr, _) = resolve(&doc, format!("{op_ptr}/requestBody"), request_body);
        let schema_ptr = format!("{ptr}{}", media_pointer("application/json"));
        let result = self.validator.validate(&schema_ptr, body);
        match (valid, result) {
            (true, Err(e)) => {
                panic!("{method} {template}: a valid request body fails {schema_ptr}:\n{e}\nbody: {body:#}")
            }
            (false, Ok(())) => {
                panic!("{method} {template}: the schema {schema_ptr} accepts a body the API refuses: {body}")
            }
            _ => {}
        }
    }
}

struct Req<'h> {
    h: &'h mut Harness,
    method: &'static str,
    template: &'static str,
    uri: String,
    token: Option<String>,
    body: Option<Vec<u8>>,
    headers: Vec<(&'static str, String)>,
    later: bool,
    /// Sent to the API as it is at this instant.
    at: Option<Timestamp>,
}

impl Harness {
    /// The `Cookie` header of a new session of `actor`, made in the store.
    async fn session(&self, actor: Actor) -> String {
        let secret = dk2020_api::secret::new_secret("dks_");
        let email = dk2020_model::Email::parse("sek@kl.dk").unwrap();
        let session = Credential::session(
            "ses_test".into(),
            dk2020_api::secret::hash(&secret),
            actor,
            email,
            "csrf".into(),
            pinned_now(),
        );
        self.store.inner.add_credential(&session).await.unwrap();
        format!("dk2020_session={secret}")
    }
}

impl Req<'_> {
    fn token(mut self, token: &str) -> Self {
        self.token = Some(token.to_string());
        self
    }

    /// A body the API accepts: it must validate against the documented schema.
    fn json(mut self, body: Value) -> Self {
        self.h.check_request(self.method, self.template, &body, true);
        self.body = Some(body.to_string().into_bytes());
        self
    }

    /// A body the API refuses as malformed (400): the schema must refuse it too.
    fn invalid(mut self, body: Value) -> Self {
        self.h.check_request(self.method, self.template, &body, false);
        self.body = Some(body.to_string().into_bytes());
        self
    }

    /// A body sent as it is (well-formed but refused by a rule, or not JSON at all).
    fn raw(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = Some(body.into());
        self
    }

    fn header(mut self, name: &'static str, value: &str) -> Self {
        self.headers.push((name, value.to_string()));
        self
    }

    /// Sent to the API as it is a few weeks after the pinned "now".
    fn later(mut self) -> Self {
        self.later = true;
        self
    }

    /// Sent to the API as it is at `now`.
    fn at(mut self, now: Timestamp) -> Self {
        self.at = Some(now);
        self
    }

    /// Sends the request, asserts the status and checks the answer against the
    /// document; returns the JSON body (`Null` for other content) and the headers.
    async fn full(self, expected: u16) -> (Value, axum::http::HeaderMap) {
        let mut builder = Request::builder().method(self.method).uri(&self.uri);
        if let Some(t) = &self.token {
            builder = builder.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        if self.body.is_some() {
            builder = builder.header(header::CONTENT_TYPE, "application/json");
        }
        for (name, value) in &self.headers {
            builder = builder.header(*name, value);
        }
        let request = builder.body(self.body.map(Body::from).unwrap_or_else(Body::empty)).expect("a request");
        let router = match self.at {
            Some(now) => {
                let state = AppState::new(self.h.store.clone() as Arc<dyn Store>, keys(), Clock::Fixed(now));
                app::router(state, Vec::new())
            }
            None if self.later => self.h.later_router.clone(),
            None => self.h.router.clone(),
        };
        let response = router.oneshot(request).await.expect("the router answers");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.into_body().collect().await.expect("the body").to_bytes();
        assert_eq!(
            status,
            expected,
            "{} {}: expected {expected}, got {status}: {}",
            self.method,
            self.uri,
            String::from_utf8_lossy(&body)
        );
        let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_string);
        let json =
            self.h.check_documented(self.method, self.template, status, content_type.as_deref(), &headers, &body);
        self.h.seen.insert((self.method.to_string(), self.template.to_string(), status));
        (json, headers)
    }

    async fn expect(self, expected: u16) -> Value {
        self.full(expected).await.0
    }
}

/// A body over the 64 KiB limit.
fn huge() -> Vec<u8> {
    format!("{{\"reason\": \"{}\"}}", "x".repeat(70 * 1024)).into_bytes()
}

fn error_code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or_default()
}

// ---------------------------------------------------------------------------
// The documented routes against the Router
// ---------------------------------------------------------------------------

fn probe_router() -> (Router, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = SqliteStore::open(dir.path().join("probe.sqlite")).expect("a new SQLite store");
    let state = AppState::new(Arc::new(store), keys(), Clock::Fixed(pinned_now()));
    (app::router(state, Vec::new()), dir)
}

/// Status and JSON body (`Null` if none) of a bare request.
async fn probe(router: &Router, method: &str, uri: &str) -> (u16, Value) {
    let request = Request::builder().method(method).uri(uri).body(Body::empty()).unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status().as_u16();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

fn is_fallback(status: u16, body: &Value) -> bool {
    status == 404
        && error_code(body) == "not_found"
        && body["error"]["message"].as_str().is_some_and(|m| m.starts_with(FALLBACK_MESSAGE))
}

#[tokio::test]
async fn every_documented_route_is_mounted_and_no_other_method_is() {
    let (router, _dir) = probe_router();
    // The check can tell: an unknown path gets the fallback.
    let (status, body) = probe(&router, "GET", "/api/no-such-endpoint").await;
    assert!(is_fallback(status, &body), "the fallback answers unknown paths: {status} {body}");

    let documented = documented_operations(&openapi::document());
    assert!(documented.len() >= 21, "the document lists the API's operations: {documented:?}");
    let paths: BTreeSet<&str> = documented.iter().map(|(_, p)| p.as_str()).collect();
    for path in paths {
        let uri = concrete(path);
        for method in ["GET", "POST", "PUT", "DELETE", "PATCH"] {
            let (status, body) = probe(&router, method, &uri).await;
            if documented.contains(&(method.to_string(), path.to_string())) {
                assert!(!is_fallback(status, &body), "{method} {path} is documented but the Router does not know it");
                assert_ne!(status, 405, "{method} {path} is documented but the Router refuses the method");
            } else {
                assert_eq!(status, 405, "{method} {uri} answers {status} but is not documented: {body}");
            }
        }
    }
}

// ---------------------------------------------------------------------------
// The document itself
// ---------------------------------------------------------------------------

fn walk_refs(value: &Value, at: &str, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                if k == "$ref" {
                    out.push((
                        at.to_string(),
                        v.as_str().unwrap_or_else(|| panic!("{at}: $ref is not a string")).to_string(),
                    ));
                } else {
                    walk_refs(v, &format!("{at}/{}", escape(k)), out);
                }
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                walk_refs(v, &format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

#[test]
fn the_document_is_structurally_sound() {
    let doc = openapi::document();
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.1.")), "OpenAPI 3.1");
    assert!(doc["info"]["title"].as_str().is_some_and(|t| !t.is_empty()));
    assert!(doc["info"]["version"].as_str().is_some_and(|t| !t.is_empty()));

    // Every $ref is local and resolves.
    let mut refs = Vec::new();
    walk_refs(&doc, "", &mut refs);
    assert!(refs.len() > 50, "the document uses components");
    for (at, r) in &refs {
        let target = r.strip_prefix('#').unwrap_or_else(|| panic!("{at}: non-local $ref {r}"));
        assert!(doc.pointer(target).is_some(), "{at}: $ref {r} does not resolve");
    }

    let tags: BTreeSet<&str> = doc["tags"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    let schemes = doc["components"]["securitySchemes"].as_object().unwrap();
    let mut operation_ids = BTreeSet::new();
    let mut schema_locations = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        assert!(path.starts_with("/api/"), "{path} is under /api");
        let template_params: BTreeSet<String> =
            path.split('/').filter_map(|s| s.strip_prefix('{')?.strip_suffix('}')).map(str::to_string).collect();
        for (method, op) in item.as_object().unwrap() {
            let here = format!("{} {path}", method.to_ascii_uppercase());
            let op_ptr = operation_pointer(method, path);
            let id = op["operationId"].as_str().unwrap_or_else(|| panic!("{here}: no operationId"));
            assert!(operation_ids.insert(id.to_string()), "{here}: operationId {id} is used twice");
            for field in ["summary", "description"] {
                assert!(op[field].as_str().is_some_and(|s| !s.trim().is_empty()), "{here}: no {field}");
            }
            let op_tags = op["tags"].as_array().unwrap_or_else(|| panic!("{here}: no tags"));
            assert!(!op_tags.is_empty(), "{here}: no tags");
            for t in op_tags {
                assert!(tags.contains(t.as_str().unwrap()), "{here}: tag {t} is not declared");
            }

            // Security: who may call it, and the statuses that follow from that.
            let security = op["security"].as_array().unwrap_or_else(|| panic!("{here}: no security"));
            for requirement in security {
                for scheme in requirement.as_object().unwrap().keys() {
                    assert!(schemes.contains_key(scheme), "{here}: unknown security scheme {scheme}");
                }
            }
            let roles = op["x-roles"].as_array().unwrap_or_else(|| panic!("{here}: no x-roles"));
            let responses = op["responses"].as_object().unwrap_or_else(|| panic!("{here}: no responses"));
            assert!(responses.keys().any(|s| s.starts_with('2')), "{here}: no success response");
            if roles.is_empty() {
                assert!(security.is_empty(), "{here}: public, but security is required");
                assert!(!responses.contains_key("401"), "{here}: public, but documents 401");
            } else {
                assert!(!security.is_empty(), "{here}: needs a role, but no security");
                if roles == &["manage_link"] {
                    // The key opens its booking or nothing: no 403, but 410 once the session has ended.
                    assert!(
                        responses.contains_key("401") && responses.contains_key("410"),
                        "{here}: needs 401 and 410"
                    );
                } else {
                    assert!(
                        responses.contains_key("401") && responses.contains_key("403"),
                        "{here}: needs 401 and 403"
                    );
                }
            }
            for (status, response) in responses {
                let (ptr, response) = resolve(&doc, format!("{op_ptr}/responses/{}", escape(status)), response);
                assert!(
                    response["description"].as_str().is_some_and(|d| !d.is_empty()),
                    "{here} {status}: no description"
                );
                let health_503 = path == "/api/health" && status == "503";
                if !status.starts_with('2') && !health_503 {
                    let schema = &response["content"]["application/json"]["schema"];
                    assert!(
                        schema.to_string().contains("#/components/schemas/Error"),
                        "{here} {status}: not the error schema"
                    );
                }
                for (media, content) in response["content"].as_object().into_iter().flatten() {
                    if content.get("schema").is_some() {
                        schema_locations.push(format!("{ptr}{}", media_pointer(media)));
                    }
                }
            }

            // Parameters: each named once, path parameters exactly the template's.
            let mut path_params = BTreeSet::new();
            let mut names = BTreeSet::new();
            for (i, p) in op["parameters"].as_array().into_iter().flatten().enumerate() {
                let (ptr, p) = resolve(&doc, format!("{op_ptr}/parameters/{i}"), p);
                let name = p["name"].as_str().unwrap_or_else(|| panic!("{here}: a parameter without a name"));
                let location = p["in"].as_str().unwrap();
                assert!(names.insert((name.to_string(), location.to_string())), "{here}: parameter {name} twice");
                assert!(p["description"].as_str().is_some_and(|d| !d.is_empty()), "{here}: {name} has no description");
                assert!(p.get("schema").is_some(), "{here}: {name} has no schema");
                schema_locations.push(format!("{ptr}/schema"));
                if location == "path" {
                    assert_eq!(p["required"], json!(true), "{here}: path parameter {name} must be required");
                    path_params.insert(name.to_string());
                }
            }
            assert_eq!(path_params, template_params, "{here}: path parameters");

            if let Some(body) = op.get("requestBody") {
                let (ptr, body) = resolve(&doc, format!("{op_ptr}/requestBody"), body);
                assert!(body["content"]["application/json"]["schema"].is_object(), "{here}: the body is JSON");
                schema_locations.push(format!("{ptr}{}", media_pointer("application/json")));
            }
        }
    }
    for name in doc["components"]["schemas"].as_object().unwrap().keys() {
        schema_locations.push(format!("/components/schemas/{}", escape(name)));
    }

    // Every schema is a valid JSON Schema 2020-12 (the OpenAPI 3.1 dialect)
    // and compiles with all its references.
    let mut meta_compiler = boon::Compiler::new();
    let mut meta_schemas = boon::Schemas::new();
    let meta = meta_compiler.compile("https://json-schema.org/draft/2020-12/schema", &mut meta_schemas).unwrap();
    let mut validator = Validator::new(doc.clone());
    for location in schema_locations {
        let schema = doc.pointer(&location).unwrap();
        if let Err(e) = meta_schemas.validate(schema, meta) {
            panic!("{location} is not a valid JSON Schema: {e:#}");
        }
        validator.index(&location).unwrap_or_else(|e| panic!("{e}"));
    }
}

/// Every object schema reachable from `schema` (through `$ref`s), with where it is.
fn object_schemas<'d>(
    doc: &'d Value,
    at: String,
    schema: &'d Value,
    seen: &mut BTreeSet<String>,
    out: &mut Vec<(String, &'d Value)>,
) {
    match schema {
        Value::Object(map) => {
            if let Some(r) = map.get("$ref").and_then(Value::as_str)
                && seen.insert(r.to_string())
            {
                let target = r.strip_prefix('#').unwrap();
                object_schemas(doc, target.to_string(), doc.pointer(target).unwrap(), seen, out);
            }
            if map.contains_key("properties") {
                out.push((at.clone(), schema));
            }
            for (key, value) in map {
                // Conditions and data, not the shapes of the body.
                if ["if", "then", "else", "not", "examples", "enum", "const", "default"].contains(&key.as_str()) {
                    continue;
                }
                if key == "properties" {
                    for (name, property) in value.as_object().into_iter().flatten() {
                        object_schemas(doc, format!("{at}/properties/{name}"), property, seen, out);
                    }
                } else {
                    object_schemas(doc, format!("{at}/{key}"), value, seen, out);
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                object_schemas(doc, format!("{at}/{i}"), item, seen, out);
            }
        }
        _ => {}
    }
}

#[test]
fn every_request_body_schema_is_closed_to_unknown_fields() {
    let doc = openapi::document();
    let mut bodies = 0;
    for (method, path) in documented_operations(&doc) {
        let op_ptr = operation_pointer(&method, &path);
        let Some(body) = doc.pointer(&format!("{op_ptr}/requestBody")) else { continue };
        bodies += 1;
        let (ptr, body) = resolve(&doc, format!("{op_ptr}/requestBody"), body);
        let schema = &body["content"]["application/json"]["schema"];
        let mut objects = Vec::new();
        object_schemas(
            &doc,
            format!("{ptr}/content/application~1json/schema"),
            schema,
            &mut BTreeSet::new(),
            &mut objects,
        );
        assert!(!objects.is_empty(), "{method} {path}: the body is an object");
        for (at, object) in objects {
            assert_eq!(
                object["additionalProperties"],
                json!(false),
                "{method} {path}: {at} accepts unknown fields, but the API refuses them"
            );
        }
    }
    assert_eq!(bodies, 19, "the nineteen operations with a JSON body");
}

#[tokio::test]
async fn the_reference_page_is_html_whose_scripts_all_come_from_the_api() {
    let (router, _dir) = probe_router();
    let request = Request::builder().uri("/api/docs").body(Body::empty()).unwrap();
    let response = router.oneshot(request).await.unwrap();
    assert_eq!(response.status(), 200);
    let content_type = response.headers().get(header::CONTENT_TYPE).unwrap().to_str().unwrap().to_string();
    assert!(content_type.starts_with("text/html"), "{content_type}");
    let page = String::from_utf8(response.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap();
    // Relative to the page (`/api/docs`), so it also works under a stage prefix (`/prod/api/docs`).
    assert!(page.contains("Redoc.init(\"openapi.json\""), "the page reads the API's own document");
    let lower = page.to_ascii_lowercase();
    let mut scripts = 0;
    for (at, _) in lower.match_indices("<script") {
        let tag = &lower[at..at + lower[at..].find('>').unwrap()];
        scripts += 1;
        if let Some(i) = tag.find("src=") {
            let src = tag[i + 4..].trim_start_matches(['"', '\'']);
            assert!(src.starts_with('/') && !src.starts_with("//"), "a script from elsewhere: {tag}");
        }
    }
    assert!(scripts > 0, "the page runs a script");
    for (at, _) in lower.match_indices("<link") {
        let tag = &lower[at..at + lower[at..].find('>').unwrap()];
        assert!(!tag.contains("href=\"http") && !tag.contains("href=\"//"), "a resource from elsewhere: {tag}");
    }
}

#[test]
fn the_schemas_accept_the_documented_shapes_and_refuse_others() {
    let mut v = Validator::new(openapi::document());
    let schema = |name: &str| format!("/components/schemas/{name}");
    let ok = |v: &mut Validator, name: &str, value: Value| {
        v.validate(&schema(name), &value).unwrap_or_else(|e| panic!("{name} refuses {value}: {e}"));
    };
    let bad = |v: &mut Validator, name: &str, value: Value| {
        assert!(v.validate(&schema(name), &value).is_err(), "{name} accepts {value}");
    };
    ok(&mut v, "EnrolmentStatus", json!({"status": "enrolled", "round": 1, "decided_on": "2020-10-20"}));
    ok(&mut v, "EnrolmentStatus", json!({"status": "undecided", "round": null}));
    bad(&mut v, "EnrolmentStatus", json!({"status": "enrolled", "round": null}));
    bad(&mut v, "EnrolmentStatus", json!({"status": "joined", "round": null}));
    ok(&mut v, "StatusChangeRequest", json!({"status": "declined"}));
    bad(&mut v, "StatusChangeRequest", json!({"status": "declined", "round": 1}));
    bad(&mut v, "StatusChangeRequest", json!({"status": "enrolled", "round": 6, "decided_on": "2020-10-20"}));
    ok(
        &mut v,
        "OverviewRow",
        json!({"code": 779, "name": "Skive", "population": 46000, "status": "enrolled", "round": 2, "decided_on": "2021-06-01"}),
    );
    bad(
        &mut v,
        "OverviewRow",
        json!({"code": 101, "name": "København", "population": 1, "status": "undecided", "round": null, "decided_on": null}),
    );
    bad(
        &mut v,
        "OverviewRow",
        json!({"code": 779, "name": "Skive", "population": 1, "status": "undecided", "round": null, "decided_on": "1. juni"}),
    );
    ok(
        &mut v,
        "Slot",
        json!({"start": "2026-12-01T09:00:00+01:00", "end": "2026-12-01T10:30:00+01:00", "kind": "onsite"}),
    );
    bad(&mut v, "Slot", json!({"start": "2026-12-01 09:00", "end": "2026-12-01T10:30:00+01:00", "kind": "onsite"}));
    bad(
        &mut v,
        "Slot",
        json!({"start": "2026-12-01T09:00:00+01:00", "end": "2026-12-01T10:30:00+01:00", "kind": "phone"}),
    );
    ok(
        &mut v,
        "BookingRequest",
        json!({"municipality": 779, "kind": "online", "start": "2026-12-01T09:00:00+01:00", "topic": "Klimaplan", "contact_name": "Ann", "contact_email": "klima@skive.dk"}),
    );
    bad(
        &mut v,
        "BookingRequest",
        json!({"municipality": 779, "kind": "online", "start": "2026-12-01T09:00:00+01:00", "topic": "   ", "contact_name": "Ann", "contact_email": "klima@skive.dk"}),
    );
    bad(
        &mut v,
        "BookingRequest",
        json!({"municipality": 779, "kind": "online", "start": "2026-12-01T09:00:00+01:00", "topic": "Klimaplan", "contact_name": "Ann", "contact_email": "klima@skive.dk", "extra": 1}),
    );
    ok(&mut v, "PlanParamsInput", json!({}));
    ok(&mut v, "PlanParamsInput", json!({"key": "hybrid", "equal_percent": 12.5}));
    ok(&mut v, "PlanParamsInput", json!({"key": "per-capita", "equal_percent": 0}));
    bad(&mut v, "PlanParamsInput", json!({"key": "hybrid"}));
    bad(&mut v, "PlanParamsInput", json!({"equal_percent": 20}));
    bad(&mut v, "PlanParamsInput", json!({"years": 51}));
    ok(&mut v, "AvailabilityInput", json!({}));
    ok(&mut v, "AvailabilityInput", json!({"weekly": {"monday": {"start": "08:30:00", "end": "16:00"}}}));
    bad(&mut v, "AvailabilityInput", json!({"weekly": {"monday": {"start": "8.30", "end": "16:00"}}}));
    bad(&mut v, "Availability", json!({}));
    ok(&mut v, "Actor", json!({"role": "municipality", "municipality": 779}));
    bad(&mut v, "Actor", json!({"role": "municipality"}));
    ok(&mut v, "Stop", json!({"type": "office"}));
    bad(&mut v, "Stop", json!({"type": "visit", "municipality": 779}));
}

// ---------------------------------------------------------------------------
// Real answers against the document
// ---------------------------------------------------------------------------

/// An open slot's start for `code` and `kind` between the dates (inclusive).
async fn open_slot(h: &mut Harness, who: &str, code: u16, kind: &str, from: &str, to: &str) -> String {
    let uri = format!("/api/slots?municipality={code}&kind={kind}&from={from}&to={to}");
    let slots = h.req("GET", "/api/slots", uri).token(who).expect(200).await;
    let first = &slots["slots"][0];
    assert!(first.is_object(), "an open {kind} slot for {code} between {from} and {to}: {slots}");
    first["start"].as_str().unwrap().to_string()
}

fn booking_request(code: u16, kind: &str, start: &str) -> Value {
    json!({
        "municipality": code,
        "kind": kind,
        "start": start,
        "topic": "Klimahandlingsplan: CO2-opgørelse",
        "contact_name": "Anne Jensen",
        "contact_email": "klima@example.dk",
    })
}

#[tokio::test]
async fn every_endpoint_answers_as_documented() {
    let mut h = Harness::new();
    let sec = token(Actor::Secretariat);
    let coord = token(Actor::Coordinator);
    let skive = token(municipality(779));
    let aarhus = token(municipality(751));
    let randers = token(municipality(730));

    // ---- system ---------------------------------------------------------------
    h.req("GET", "/api/health", "/api/health").expect(200).await;
    let served = h.req("GET", "/api/openapi.json", "/api/openapi.json").expect(200).await;
    assert_eq!(served, openapi::document(), "the served document is the document");
    h.req("GET", "/api/docs", "/api/docs").expect(200).await;
    // An endpoint without parameters refuses any, as those with parameters refuse unknown ones.
    h.req("GET", "/api/health", "/api/health?verbose=1").expect(400).await;
    h.req("GET", "/api/openapi.json", "/api/openapi.json?v=2").expect(400).await;
    h.req("GET", "/api/docs", "/api/docs?theme=dark").expect(400).await;

    // ---- municipalities -------------------------------------------------------
    let list = h.req("GET", "/api/municipalities", "/api/municipalities").expect(200).await;
    h.req("GET", "/api/municipalities", "/api/municipalities?code=779").expect(400).await;
    assert_eq!(list["municipalities"].as_array().unwrap().len(), 19);
    const POP: &str = "/api/municipalities/{code}/population";
    let population = json!({"inhabitants": 46_500, "as_of": "2026-01-01"});
    h.req("PUT", POP, "/api/municipalities/skive/population").token(&sec).json(population.clone()).expect(200).await;
    h.req("PUT", POP, "/api/municipalities/779/population")
        .token(&sec)
        .invalid(json!({"inhabitants": "many", "as_of": "2026-01-01"}))
        .expect(400)
        .await;
    h.req("PUT", POP, "/api/municipalities/779/population")
        .token(&sec)
        .invalid(json!({"inhabitants": 1, "as_of": "2026-01-01", "source": "DST"}))
        .expect(400)
        .await;
    h.req("PUT", POP, "/api/municipalities/779/population").json(population.clone()).expect(401).await;
    h.req("PUT", POP, "/api/municipalities/779/population").token(&coord).json(population.clone()).expect(403).await;
    h.req("PUT", POP, "/api/municipalities/odense/population").token(&sec).json(population.clone()).expect(404).await;
    h.req("PUT", POP, "/api/municipalities/779/population").token(&sec).raw(huge()).expect(413).await;
    h.req("PUT", POP, "/api/municipalities/779/population")
        .token(&sec)
        .raw(json!({"inhabitants": 0, "as_of": "2026-01-01"}).to_string())
        .expect(422)
        .await;
    h.req("PUT", POP, "/api/municipalities/779/population")
        .token(&sec)
        .raw(json!({"inhabitants": 5, "as_of": "2027-01-01"}).to_string())
        .expect(422)
        .await;

    // ---- enrolment ------------------------------------------------------------
    const ENROL: &str = "/api/enrolment";
    let overview = h.req("GET", ENROL, "/api/enrolment").expect(200).await;
    h.req("GET", ENROL, "/api/enrolment?as_of=2020-11-13&format=json").expect(200).await;
    h.req("GET", ENROL, "/api/enrolment?as_of=&format=").expect(200).await;
    h.req("GET", ENROL, "/api/enrolment?format=csv").expect(200).await;
    h.req("GET", ENROL, "/api/enrolment?format=xlsx").expect(200).await;
    h.req("GET", ENROL, "/api/enrolment?format=pdf").expect(400).await;
    h.req("GET", ENROL, "/api/enrolment?as_of=13.11.2020").expect(400).await;
    h.req("GET", ENROL, "/api/enrolment?year=2020").expect(400).await;
    let skive_status = overview["municipalities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["code"] == 779)
        .map(|m| m["status"].as_str().unwrap().to_string())
        .unwrap();
    const STATUS: &str = "/api/enrolment/{code}";
    let first = if skive_status == "council_considering" { "undecided" } else { "council_considering" };
    h.req("PUT", STATUS, "/api/enrolment/779")
        .token(&sec)
        .json(json!({"status": first, "note": "På byrådets dagsorden"}))
        .expect(200)
        .await;
    let enrolled = json!({"status": "enrolled", "round": 2, "decided_on": "2021-06-01", "note": null});
    let history = h.req("PUT", STATUS, "/api/enrolment/skive").token(&sec).json(enrolled.clone()).expect(200).await;
    assert_eq!(history["history"].as_array().unwrap().last().unwrap()["to"]["round"], 2);
    h.req("PUT", STATUS, "/api/enrolment/779").token(&sec).json(enrolled.clone()).expect(422).await;
    h.req("PUT", STATUS, "/api/enrolment/779").token(&sec).invalid(json!({"status": "enrolled"})).expect(400).await;
    h.req("PUT", STATUS, "/api/enrolment/779").token(&sec).invalid(json!({"status": "joined"})).expect(400).await;
    h.req("PUT", STATUS, "/api/enrolment/779")
        .token(&sec)
        .invalid(json!({"status": "declined", "notes": "typo"}))
        .expect(400)
        .await;
    h.req("PUT", STATUS, "/api/enrolment/779").token(&sec).raw("status=enrolled").expect(400).await;
    h.req("PUT", STATUS, "/api/enrolment/779").json(enrolled.clone()).expect(401).await;
    h.req("PUT", STATUS, "/api/enrolment/779").token(&skive).json(enrolled.clone()).expect(403).await;
    h.req("PUT", STATUS, "/api/enrolment/101").token(&sec).json(enrolled.clone()).expect(404).await;
    h.req("PUT", STATUS, "/api/enrolment/779").token(&sec).raw(huge()).expect(413).await;
    h.store.set(Fault::StatusConflict);
    h.req("PUT", STATUS, "/api/enrolment/779").token(&sec).json(json!({"status": "declined"})).expect(409).await;
    h.store.set(Fault::None);
    const HISTORY: &str = "/api/enrolment/{code}/history";
    h.req("GET", HISTORY, "/api/enrolment/779/history").token(&sec).expect(200).await;
    h.req("GET", HISTORY, "/api/enrolment/751/history").token(&sec).expect(200).await;
    h.req("GET", HISTORY, "/api/enrolment/779/history").expect(401).await;
    h.req("GET", HISTORY, "/api/enrolment/779/history").token(&skive).expect(403).await;
    h.req("GET", HISTORY, "/api/enrolment/0/history").token(&sec).expect(404).await;
    h.req("GET", HISTORY, "/api/enrolment/779/history?from=2026-01-01").token(&sec).expect(400).await;

    const ROUNDS: &str = "/api/enrolment/rounds";
    let rounds = h.req("GET", ROUNDS, "/api/enrolment/rounds").expect(200).await;
    assert_eq!(rounds["rounds"][1]["deadline_expected"], true, "{rounds}");
    h.req("GET", ROUNDS, "/api/enrolment/rounds?x=1").expect(400).await;
    let firm = json!({"rounds": [
        {"number": 1, "deadline": "2020-10-21", "expected_min": 7, "expected_max": 8, "deadline_expected": false},
        {"number": 2, "deadline": "2021-10-29", "expected_min": 6, "expected_max": 8, "deadline_expected": false},
    ]});
    let saved = h.req("PUT", ROUNDS, "/api/enrolment/rounds").token(&sec).json(firm.clone()).expect(200).await;
    assert_eq!(saved, firm);
    h.req("PUT", ROUNDS, "/api/enrolment/rounds").json(firm.clone()).expect(401).await;
    h.req("PUT", ROUNDS, "/api/enrolment/rounds").token(&coord).json(firm.clone()).expect(403).await;
    h.req("PUT", ROUNDS, "/api/enrolment/rounds").token(&sec).raw(huge()).expect(413).await;
    h.req("PUT", ROUNDS, "/api/enrolment/rounds?x=1").token(&sec).json(firm.clone()).expect(400).await;
    h.req("PUT", ROUNDS, "/api/enrolment/rounds")
        .token(&sec)
        .invalid(json!({"rounds": [{"number": 1, "deadline": "2020-10-21", "expected_min": 7, "expected_max": 8, "colour": "red"}]}))
        .expect(400)
        .await;
    let only_one = json!({"rounds": [{"number": 1, "deadline": "2020-10-21", "expected_min": 7, "expected_max": 8}]});
    h.req("PUT", ROUNDS, "/api/enrolment/rounds").token(&sec).json(only_one).expect(422).await;

    // ---- budget ---------------------------------------------------------------
    const ALLOC: &str = "/api/budget/allocation";
    let plan = h.req("GET", ALLOC, "/api/budget/allocation").expect(200).await;
    assert_eq!(plan["rows"].as_array().unwrap().len(), 19);
    h.req("GET", ALLOC, "/api/budget/allocation?total=3000000&years=3&key=hybrid&equal_percent=12.5&frame_per_year=100000&exclude=741,lemvig&format=json").expect(200).await;
    h.req("GET", ALLOC, "/api/budget/allocation?total=&key=per-capita&format=csv").expect(200).await;
    h.req("GET", ALLOC, "/api/budget/allocation?format=xlsx").expect(200).await;
    h.req("GET", ALLOC, "/api/budget/allocation?total=lots").expect(400).await;
    h.req("GET", ALLOC, "/api/budget/allocation?key=hybrid").expect(400).await;
    h.req("GET", ALLOC, "/api/budget/allocation?exclude=odense").expect(400).await;
    h.req("GET", ALLOC, "/api/budget/allocation?totl=1").expect(400).await;
    h.req("GET", ALLOC, "/api/budget/allocation?years=0").expect(422).await;
    h.req("GET", ALLOC, "/api/budget/allocation?total=9007199254740992").expect(422).await;
    const PARAMS: &str = "/api/budget/params";
    h.req("GET", PARAMS, "/api/budget/params").expect(200).await;
    h.req("GET", PARAMS, "/api/budget/params?years=3").expect(400).await;
    let hybrid = json!({"total": 3_000_000, "years": 3, "key": "hybrid", "equal_percent": 12.5, "frame_per_year": 100_000, "exclude": [741]});
    let stored = h.req("PUT", PARAMS, "/api/budget/params").token(&sec).json(hybrid.clone()).expect(200).await;
    assert_eq!(stored["equal_percent"], 12.5);
    let nobody_excluded = h.req("GET", ALLOC, "/api/budget/allocation?exclude=").expect(200).await;
    assert_eq!(nobody_excluded["rows"].as_array().unwrap().len(), 19, "`exclude=` clears the stored opt-outs");
    h.req("GET", PARAMS, "/api/budget/params").expect(200).await;
    h.req("GET", ALLOC, "/api/budget/allocation").expect(200).await;
    h.req("GET", ALLOC, "/api/budget/allocation?key=per-capita").expect(200).await;
    h.req("PUT", PARAMS, "/api/budget/params").token(&sec).json(json!({"key": "per-capita"})).expect(200).await;
    h.req("PUT", PARAMS, "/api/budget/params").token(&sec).invalid(json!({"key": "hybrid"})).expect(400).await;
    h.req("PUT", PARAMS, "/api/budget/params").token(&sec).invalid(json!({"total": -1})).expect(400).await;
    h.req("PUT", PARAMS, "/api/budget/params").token(&sec).invalid(json!({"exclude": [101]})).expect(400).await;
    h.req("PUT", PARAMS, "/api/budget/params").token(&sec).invalid(json!({"yeers": 9})).expect(400).await;
    h.req("PUT", PARAMS, "/api/budget/params").json(hybrid.clone()).expect(401).await;
    h.req("PUT", PARAMS, "/api/budget/params").token(&coord).json(hybrid.clone()).expect(403).await;
    h.req("PUT", PARAMS, "/api/budget/params").token(&sec).raw(huge()).expect(413).await;
    h.req("PUT", PARAMS, "/api/budget/params").token(&sec).invalid(json!({"years": 0})).expect(422).await;
    let everyone: Vec<u16> = MunicipalityCode::all().iter().map(|c| c.get()).collect();
    h.req("PUT", PARAMS, "/api/budget/params").token(&sec).json(json!({"exclude": everyone})).expect(422).await;

    // ---- budget scenarios -------------------------------------------------------
    const SCNS: &str = "/api/budget/scenarios";
    const SCN: &str = "/api/budget/scenarios/{id}";
    const CMP: &str = "/api/budget/comparison";
    let nineteen = json!({"name": "19 deltagere", "params": {"key": "hybrid", "equal_percent": 25}});
    let seventeen = json!({"name": "Uden Viborg og Samsø", "params": {"key": "hybrid", "equal_percent": 25, "exclude": [791, 741], "contribution_per_year": 500_000, "frame_by_year": [0, 100_000, 0]}});
    assert_eq!(h.req("GET", SCNS, "/api/budget/scenarios").token(&sec).expect(200).await, json!({"scenarios": []}));
    h.req("GET", SCNS, "/api/budget/scenarios?x=1").token(&sec).expect(400).await;
    h.req("GET", SCNS, "/api/budget/scenarios").expect(401).await;
    h.req("GET", SCNS, "/api/budget/scenarios").token(&coord).expect(403).await;
    let a = h.req("POST", SCNS, "/api/budget/scenarios").token(&sec).json(nineteen.clone()).expect(201).await;
    let b = h.req("POST", SCNS, "/api/budget/scenarios").token(&sec).json(seventeen.clone()).expect(201).await;
    let (a_id, b_id) = (a["id"].as_str().unwrap().to_string(), b["id"].as_str().unwrap().to_string());
    h.req("POST", SCNS, "/api/budget/scenarios").token(&sec).invalid(json!({"name": ""})).expect(400).await;
    h.req("POST", SCNS, "/api/budget/scenarios")
        .token(&sec)
        .invalid(json!({"name": "x", "colour": 1}))
        .expect(400)
        .await;
    h.req("POST", SCNS, "/api/budget/scenarios?x=1").token(&sec).json(nineteen.clone()).expect(400).await;
    h.req("POST", SCNS, "/api/budget/scenarios").json(nineteen.clone()).expect(401).await;
    h.req("POST", SCNS, "/api/budget/scenarios").token(&coord).json(nineteen.clone()).expect(403).await;
    h.req("POST", SCNS, "/api/budget/scenarios").token(&sec).raw(huge()).expect(413).await;
    let nobody = json!({"name": "Ingen", "params": {"exclude": everyone}});
    h.req("POST", SCNS, "/api/budget/scenarios").token(&sec).json(nobody.clone()).expect(422).await;
    let short_frames = json!({"name": "Forkert", "params": {"frame_by_year": [1, 2]}});
    h.req("POST", SCNS, "/api/budget/scenarios").token(&sec).json(short_frames).expect(422).await;
    for n in 2..dk2020_model::scenario::MAX_SCENARIOS {
        let more = json!({"name": format!("Scenarie {n}")});
        h.req("POST", SCNS, "/api/budget/scenarios").token(&sec).json(more).expect(201).await;
    }
    h.req("POST", SCNS, "/api/budget/scenarios").token(&sec).json(nineteen.clone()).expect(409).await;
    let scenario_uri = format!("/api/budget/scenarios/{a_id}");
    let renamed = json!({"name": "19 deltagere, 25 % ligeligt", "params": {"key": "hybrid", "equal_percent": 25}});
    let edited = h.req("PUT", SCN, &scenario_uri).token(&sec).json(renamed.clone()).expect(200).await;
    assert_eq!(edited["name"], "19 deltagere, 25 % ligeligt");
    h.req("PUT", SCN, &scenario_uri).token(&sec).invalid(json!({"params": {}})).expect(400).await;
    h.req("PUT", SCN, format!("{scenario_uri}?x=1")).token(&sec).json(renamed.clone()).expect(400).await;
    h.req("PUT", SCN, &scenario_uri).json(renamed.clone()).expect(401).await;
    h.req("PUT", SCN, &scenario_uri).token(&coord).json(renamed.clone()).expect(403).await;
    h.req("PUT", SCN, "/api/budget/scenarios/scn_nosuch").token(&sec).json(renamed.clone()).expect(404).await;
    h.req("PUT", SCN, &scenario_uri).token(&sec).raw(huge()).expect(413).await;
    h.req("PUT", SCN, &scenario_uri).token(&sec).json(nobody).expect(422).await;
    let cmp_uri = format!("/api/budget/comparison?a={a_id}&b={b_id}");
    let compared = h.req("GET", CMP, &cmp_uri).token(&sec).expect(200).await;
    assert_eq!(compared["rows"].as_array().unwrap().len(), 19);
    assert_eq!(compared["years"][0]["label"], "2021");
    h.req("GET", CMP, format!("{cmp_uri}&format=csv")).token(&sec).expect(200).await;
    h.req("GET", CMP, format!("{cmp_uri}&format=xlsx")).token(&sec).expect(200).await;
    h.req("GET", CMP, format!("/api/budget/comparison?a={a_id}")).token(&sec).expect(400).await;
    h.req("GET", CMP, &cmp_uri).expect(401).await;
    h.req("GET", CMP, &cmp_uri).token(&coord).expect(403).await;
    h.req("GET", CMP, format!("/api/budget/comparison?a={a_id}&b=scn_nosuch")).token(&sec).expect(404).await;
    let last = h.req("GET", SCNS, "/api/budget/scenarios").token(&sec).expect(200).await;
    let last_id = last["scenarios"].as_array().unwrap().last().unwrap()["id"].as_str().unwrap().to_string();
    let last_uri = format!("/api/budget/scenarios/{last_id}");
    h.req("DELETE", SCN, &last_uri).expect(401).await;
    h.req("DELETE", SCN, &last_uri).token(&coord).expect(403).await;
    h.req("DELETE", SCN, format!("{last_uri}?x=1")).token(&sec).expect(400).await;
    h.req("DELETE", SCN, &last_uri).token(&sec).expect(204).await;
    h.req("DELETE", SCN, &last_uri).token(&sec).expect(404).await;

    // ---- the coordinator's settings ---------------------------------------------
    const AVAIL: &str = "/api/coordinator/availability";
    let availability = h.req("GET", AVAIL, "/api/coordinator/availability").token(&coord).expect(200).await;
    h.req("GET", AVAIL, "/api/coordinator/availability").expect(401).await;
    h.req("GET", AVAIL, "/api/coordinator/availability?date=2026-12-01").token(&coord).expect(400).await;
    h.req("GET", AVAIL, "/api/coordinator/availability").token(&skive).expect(403).await;
    let mut with_leave = availability.clone();
    with_leave["exceptions"] = json!([
        {"date": "2026-12-28", "hours": null, "note": "Juleferie"},
        {"date": "2026-12-05", "hours": {"start": "09:00", "end": "12:00"}, "note": null},
    ]);
    let saved =
        h.req("PUT", AVAIL, "/api/coordinator/availability").token(&coord).json(with_leave.clone()).expect(200).await;
    assert_eq!(saved["exceptions"].as_array().unwrap().len(), 2);
    h.req("PUT", AVAIL, "/api/coordinator/availability").token(&coord).json(availability.clone()).expect(200).await;
    h.req("PUT", AVAIL, "/api/coordinator/availability")
        .token(&coord)
        .invalid(json!({"weekly": {"monday": {"start": "16:00"}}}))
        .expect(400)
        .await;
    for typo in [
        json!({"rules": {"cap_per_municipalty": 5}}),
        json!({"weekly": {"monday": {"start": "08:00", "end": "16:00", "lunch": "12:00"}}}),
        json!({"exceptions": [{"date": "2026-12-28", "hour": null}]}),
    ] {
        h.req("PUT", AVAIL, "/api/coordinator/availability").token(&coord).invalid(typo).expect(400).await;
    }
    h.req("PUT", AVAIL, "/api/coordinator/availability")
        .token(&coord)
        .raw("{\"weekly\": {\"monday\": {\"start\": \"16:00\", \"end\": \"08:00\"}}}")
        .expect(400)
        .await;
    h.req("PUT", AVAIL, "/api/coordinator/availability").json(availability.clone()).expect(401).await;
    h.req("PUT", AVAIL, "/api/coordinator/availability").token(&sec).json(availability.clone()).expect(403).await;
    h.req("PUT", AVAIL, "/api/coordinator/availability").token(&coord).raw(huge()).expect(413).await;
    h.req("PUT", AVAIL, "/api/coordinator/availability")
        .token(&coord)
        .invalid(json!({"rules": {"onsite_minutes": 5}}))
        .expect(422)
        .await;
    h.req("PUT", AVAIL, "/api/coordinator/availability")
        .token(&coord)
        .raw(json!({"rules": {"min_notice_hours": 720, "horizon_days": 2}}).to_string())
        .expect(422)
        .await;

    // ---- slots and bookings -------------------------------------------------------
    const SLOTS: &str = "/api/slots";
    h.req("GET", SLOTS, "/api/slots").token(&skive).expect(200).await;
    h.req("GET", SLOTS, "/api/slots?municipality=skive&kind=online").token(&coord).expect(200).await;
    h.req("GET", SLOTS, "/api/slots").token(&coord).expect(400).await;
    h.req("GET", SLOTS, "/api/slots?kind=phone").token(&skive).expect(400).await;
    h.req("GET", SLOTS, "/api/slots?from=2026-12-01&to=2026-11-01").token(&skive).expect(400).await;
    h.req("GET", SLOTS, "/api/slots?from=2026-11-01&to=2027-11-01").token(&skive).expect(400).await;
    h.req("GET", SLOTS, "/api/slots?day=monday").token(&skive).expect(400).await;
    h.req("GET", SLOTS, "/api/slots").expect(401).await;
    h.req("GET", SLOTS, "/api/slots?municipality=779").token(&randers).expect(403).await;
    h.req("GET", SLOTS, "/api/slots?municipality=779").token(&sec).expect(403).await;
    h.req("GET", SLOTS, "/api/slots?moving=no-such-booking").token(&skive).expect(404).await;

    const BOOKINGS: &str = "/api/bookings";
    let a_start = open_slot(&mut h, &skive, 779, "onsite", "2026-11-04", "2026-11-20").await;
    let (a, headers) = h
        .req("POST", BOOKINGS, "/api/bookings")
        .token(&skive)
        .header("idempotency-key", "skive-1")
        .json(booking_request(779, "onsite", &a_start))
        .full(201)
        .await;
    assert!(!headers.contains_key("idempotent-replayed"));
    let (replayed, headers) = h
        .req("POST", BOOKINGS, "/api/bookings")
        .token(&skive)
        .header("idempotency-key", "skive-1")
        .json(booking_request(779, "onsite", &a_start))
        .full(201)
        .await;
    assert_eq!(replayed["id"], a["id"]);
    assert_eq!(headers.get("idempotent-replayed").map(|v| v.to_str().unwrap()), Some("true"));
    let a_id = a["id"].as_str().unwrap().to_string();
    let b_start = open_slot(&mut h, &aarhus, 751, "online", "2026-11-10", "2026-11-20").await;
    // Where Skive's visit will move to (asked now: at its cap Skive gets no slots).
    let new_start = open_slot(&mut h, &coord, 779, "onsite", "2026-11-16", "2026-11-20").await;
    let b = h
        .req("POST", BOOKINGS, "/api/bookings")
        .token(&aarhus)
        .json(booking_request(751, "online", &b_start))
        .expect(201)
        .await;
    let b_id = b["id"].as_str().unwrap().to_string();
    let taken = h
        .req("POST", BOOKINGS, "/api/bookings")
        .token(&randers)
        .json(booking_request(730, "online", &b_start))
        .expect(409)
        .await;
    assert_eq!(error_code(&taken), "slot_taken");
    let off_grid = {
        let t: Timestamp = b_start.parse().unwrap();
        t.checked_add(jiff::SignedDuration::from_mins(10)).unwrap().to_string()
    };
    let refused = h
        .req("POST", BOOKINGS, "/api/bookings")
        .token(&randers)
        .json(booking_request(730, "online", &off_grid))
        .expect(422)
        .await;
    assert_eq!(error_code(&refused), "not_on_slot_grid");
    h.req("POST", BOOKINGS, "/api/bookings")
        .token(&randers)
        .json(booking_request(730, "online", "2026-11-02T10:00:00+01:00"))
        .expect(422)
        .await;
    let mut extra = booking_request(730, "online", &b_start);
    extra["priority"] = json!("high");
    h.req("POST", BOOKINGS, "/api/bookings").token(&randers).invalid(extra).expect(400).await;
    let mut blank = booking_request(730, "online", &b_start);
    blank["contact_name"] = json!("  ");
    h.req("POST", BOOKINGS, "/api/bookings").token(&randers).invalid(blank).expect(400).await;
    let mut email = booking_request(730, "online", &b_start);
    email["contact_email"] = json!("klima");
    h.req("POST", BOOKINGS, "/api/bookings").token(&randers).invalid(email).expect(400).await;
    h.req("POST", BOOKINGS, "/api/bookings")
        .token(&randers)
        .header("idempotency-key", "two words")
        .json(booking_request(730, "online", &b_start))
        .expect(400)
        .await;
    h.req("POST", BOOKINGS, "/api/bookings").token(&randers).raw("{").expect(400).await;
    h.req("POST", BOOKINGS, "/api/bookings").json(booking_request(730, "online", &b_start)).expect(401).await;
    h.req("POST", BOOKINGS, "/api/bookings")
        .token("not-a-token")
        .json(booking_request(730, "online", &b_start))
        .expect(401)
        .await;
    h.req("POST", BOOKINGS, "/api/bookings")
        .token(&coord)
        .json(booking_request(730, "online", &b_start))
        .expect(403)
        .await;
    h.req("POST", BOOKINGS, "/api/bookings")
        .token(&skive)
        .json(booking_request(730, "online", &b_start))
        .expect(403)
        .await;
    h.req("POST", BOOKINGS, "/api/bookings").token(&randers).raw(huge()).expect(413).await;

    // Skive's second session reaches the cap.
    let c_start = open_slot(&mut h, &skive, 779, "online", "2026-11-23", "2026-11-27").await;
    let c = h
        .req("POST", BOOKINGS, "/api/bookings")
        .token(&skive)
        .json(booking_request(779, "online", &c_start))
        .expect(201)
        .await;
    let c_id = c["id"].as_str().unwrap().to_string();
    let cap = h.req("GET", SLOTS, "/api/slots").token(&skive).expect(422).await;
    assert_eq!(error_code(&cap), "cap_reached");
    let cap = h
        .req("POST", BOOKINGS, "/api/bookings")
        .token(&skive)
        .json(booking_request(779, "online", &b_start))
        .expect(422)
        .await;
    assert_eq!(error_code(&cap), "cap_reached", "{cap}");

    let own = h.req("GET", BOOKINGS, "/api/bookings").token(&skive).expect(200).await;
    assert_eq!(own["bookings"].as_array().unwrap().len(), 2);
    assert!(!own["busy"].as_array().unwrap().is_empty(), "Skive sees Aarhus's session as busy");
    h.req("GET", BOOKINGS, "/api/bookings?from=2026-11-01&to=2026-11-30&municipality=779&include_cancelled=false")
        .token(&skive)
        .expect(200)
        .await;
    let all = h.req("GET", BOOKINGS, "/api/bookings").token(&coord).expect(200).await;
    assert_eq!(all["bookings"].as_array().unwrap().len(), 3);
    h.req("GET", BOOKINGS, "/api/bookings?municipality=aarhus&include_cancelled=true").token(&coord).expect(200).await;
    h.req("GET", BOOKINGS, "/api/bookings?include_cancelled=maybe").token(&coord).expect(400).await;
    h.req("GET", BOOKINGS, "/api/bookings?from=yesterday").token(&coord).expect(400).await;
    h.req("GET", BOOKINGS, "/api/bookings?municipality=odense").token(&coord).expect(400).await;
    h.req("GET", BOOKINGS, "/api/bookings").expect(401).await;
    h.req("GET", BOOKINGS, "/api/bookings").token(&sec).expect(403).await;
    h.req("GET", BOOKINGS, "/api/bookings?municipality=751").token(&skive).expect(403).await;

    const RESCHEDULE: &str = "/api/bookings/{id}/reschedule";
    let a_uri = |what: &str| format!("/api/bookings/{a_id}/{what}");
    let moved = h
        .req("POST", RESCHEDULE, a_uri("reschedule"))
        .token(&skive)
        .json(json!({"start": new_start}))
        .expect(200)
        .await;
    assert_eq!(moved["id"].as_str(), Some(a_id.as_str()));
    let moved_off_grid = {
        let t: Timestamp = new_start.parse().unwrap();
        t.checked_add(jiff::SignedDuration::from_mins(5)).unwrap().to_string()
    };
    h.req("POST", RESCHEDULE, a_uri("reschedule"))
        .token(&coord)
        .json(json!({"start": moved_off_grid}))
        .expect(422)
        .await;
    h.req("POST", RESCHEDULE, a_uri("reschedule"))
        .token(&skive)
        .invalid(json!({"start": "tomorrow"}))
        .expect(400)
        .await;
    h.req("POST", RESCHEDULE, a_uri("reschedule"))
        .token(&skive)
        .invalid(json!({"start": new_start, "end": new_start}))
        .expect(400)
        .await;
    h.req("POST", RESCHEDULE, a_uri("reschedule")).json(json!({"start": new_start})).expect(401).await;
    h.req("POST", RESCHEDULE, a_uri("reschedule")).token(&randers).json(json!({"start": new_start})).expect(403).await;
    h.req("POST", RESCHEDULE, "/api/bookings/nosuchbooking/reschedule")
        .token(&coord)
        .json(json!({"start": new_start}))
        .expect(404)
        .await;
    h.req("POST", RESCHEDULE, "/api/bookings/not..an..id/reschedule")
        .token(&coord)
        .json(json!({"start": new_start}))
        .expect(404)
        .await;
    h.req("POST", RESCHEDULE, a_uri("reschedule")).token(&skive).raw(huge()).expect(413).await;

    const ICS: &str = "/api/bookings/{id}/ics";
    h.req("GET", ICS, a_uri("ics")).token(&skive).expect(200).await;
    h.req("GET", ICS, a_uri("ics")).token(&coord).expect(200).await;
    h.req("GET", ICS, a_uri("ics")).expect(401).await;
    h.req("GET", ICS, a_uri("ics")).token(&randers).expect(403).await;
    h.req("GET", ICS, format!("{}?download=1", a_uri("ics"))).token(&coord).expect(400).await;
    h.req("GET", ICS, "/api/bookings/nosuchbooking/ics").token(&coord).expect(404).await;

    const FEEDS: &str = "/api/calendar/feeds";
    const FEED: &str = "/api/calendar/{feed}";
    const FEED_REVOKE: &str = "/api/calendar/feeds/{id}/revoke";
    let issued =
        h.req("POST", FEEDS, "/api/calendar/feeds").token(&coord).json(json!({"label": "Outlook"})).expect(201).await;
    let feed_url = issued["url"].as_str().expect("the feed's address, once").to_string();
    let feed_path = feed_url[feed_url.find("/api/").unwrap()..].to_string();
    let feed_id = issued["id"].as_str().unwrap().to_string();
    h.req("POST", FEEDS, "/api/calendar/feeds").token(&coord).invalid(json!({"label": ""})).expect(400).await;
    h.req("POST", FEEDS, "/api/calendar/feeds").token(&coord).raw(huge()).expect(413).await;
    h.req("POST", FEEDS, "/api/calendar/feeds").json(json!({"label": "x"})).expect(401).await;
    h.req("POST", FEEDS, "/api/calendar/feeds").token(&skive).json(json!({"label": "x"})).expect(403).await;
    let listed = h.req("GET", FEEDS, "/api/calendar/feeds").token(&coord).expect(200).await;
    assert!(listed["feeds"][0].get("url").is_none(), "the address is shown once: {listed}");
    h.req("GET", FEEDS, "/api/calendar/feeds?all=1").token(&coord).expect(400).await;
    h.req("GET", FEEDS, "/api/calendar/feeds").expect(401).await;
    h.req("GET", FEEDS, "/api/calendar/feeds").token(&sec).expect(403).await;
    h.req("GET", FEED, feed_path.clone()).expect(200).await;
    h.req("GET", FEED, format!("{feed_path}?days=30")).expect(400).await;
    h.req("GET", FEED, "/api/calendar/dkf_forged.ics").expect(404).await;
    let feed_revoke = format!("/api/calendar/feeds/{feed_id}/revoke");
    h.req("POST", FEED_REVOKE, feed_revoke.clone()).expect(401).await;
    h.req("POST", FEED_REVOKE, feed_revoke.clone()).token(&skive).expect(403).await;
    h.req("POST", FEED_REVOKE, format!("{feed_revoke}?now=1")).token(&coord).expect(400).await;
    h.req("POST", FEED_REVOKE, "/api/calendar/feeds/feed_nosuch/revoke").token(&coord).expect(404).await;
    h.req("POST", FEED_REVOKE, feed_revoke.clone()).token(&coord).expect(200).await;
    h.req("GET", FEED, feed_path.clone()).expect(404).await;
    let live_feed =
        h.req("POST", FEEDS, "/api/calendar/feeds").token(&coord).json(json!({"label": "Telefon"})).expect(201).await;
    let live_feed = live_feed["url"].as_str().unwrap().to_string();
    let live_feed = live_feed[live_feed.find("/api/").unwrap()..].to_string();

    const KEYS: &str = "/api/embed-keys";
    const KEY_REVOKE: &str = "/api/embed-keys/{id}/revoke";
    let new_key = json!({"municipality": 779, "label": "Skives intranet", "origins": ["https://intranet.skive.dk"]});
    let key = h.req("POST", KEYS, "/api/embed-keys").token(&sec).json(new_key.clone()).expect(201).await;
    let key_id = key["id"].as_str().unwrap().to_string();
    assert!(key["key"].as_str().unwrap().starts_with("dke_"), "{key}");
    h.req("POST", KEYS, "/api/embed-keys")
        .token(&sec)
        .json(json!({"municipality": 779, "label": "Ingen", "origins": []}))
        .expect(422)
        .await;
    h.req("POST", KEYS, "/api/embed-keys")
        .token(&sec)
        .invalid(json!({"municipality": 779, "label": "x", "origins": "https://intranet.skive.dk"}))
        .expect(400)
        .await;
    h.req("POST", KEYS, "/api/embed-keys").token(&sec).raw(huge()).expect(413).await;
    h.req("POST", KEYS, "/api/embed-keys").json(new_key.clone()).expect(401).await;
    h.req("POST", KEYS, "/api/embed-keys").token(&coord).json(new_key.clone()).expect(403).await;
    let keys_listed = h.req("GET", KEYS, "/api/embed-keys").token(&sec).expect(200).await;
    assert!(keys_listed["keys"][0].get("key").is_none(), "the key is shown once: {keys_listed}");
    h.req("GET", KEYS, "/api/embed-keys?municipality=779").token(&sec).expect(400).await;
    h.req("GET", KEYS, "/api/embed-keys").expect(401).await;
    h.req("GET", KEYS, "/api/embed-keys").token(&skive).expect(403).await;
    let key_revoke = format!("/api/embed-keys/{key_id}/revoke");
    h.req("POST", KEY_REVOKE, key_revoke.clone()).expect(401).await;
    h.req("POST", KEY_REVOKE, key_revoke.clone()).token(&coord).expect(403).await;
    h.req("POST", KEY_REVOKE, format!("{key_revoke}?now=1")).token(&sec).expect(400).await;
    h.req("POST", KEY_REVOKE, "/api/embed-keys/key_nosuch/revoke").token(&sec).expect(404).await;
    let revoked_key = h.req("POST", KEY_REVOKE, key_revoke.clone()).token(&sec).expect(200).await;
    assert!(revoked_key["revoked_at"].is_string(), "{revoked_key}");

    const REVOKED: &str = "/api/tokens/revoked";
    const TOKEN_REVOKE: &str = "/api/tokens/{jti}/revoke";
    h.req("POST", TOKEN_REVOKE, "/api/tokens/tok_gone/revoke").token(&sec).expect(200).await;
    h.req("POST", TOKEN_REVOKE, format!("/api/tokens/{}/revoke", "x".repeat(101))).token(&sec).expect(404).await;
    h.req("POST", TOKEN_REVOKE, "/api/tokens/tok_gone/revoke?now=1").token(&sec).expect(400).await;
    h.req("POST", TOKEN_REVOKE, "/api/tokens/tok_gone/revoke").expect(401).await;
    h.req("POST", TOKEN_REVOKE, "/api/tokens/tok_gone/revoke").token(&coord).expect(403).await;
    let revoked = h.req("GET", REVOKED, "/api/tokens/revoked").token(&sec).expect(200).await;
    assert_eq!(revoked["tokens"][0]["jti"], "tok_gone");
    h.req("GET", REVOKED, "/api/tokens/revoked?all=1").token(&sec).expect(400).await;
    h.req("GET", REVOKED, "/api/tokens/revoked").expect(401).await;
    h.req("GET", REVOKED, "/api/tokens/revoked").token(&coord).expect(403).await;

    const DOMAINS: &str = "/api/sign-in/domains";
    let domains = h.req("GET", DOMAINS, "/api/sign-in/domains").token(&sec).expect(200).await;
    assert_eq!(domains["domains"]["skive.dk"], 779);
    h.req("GET", DOMAINS, "/api/sign-in/domains?all=1").token(&sec).expect(400).await;
    h.req("GET", DOMAINS, "/api/sign-in/domains").expect(401).await;
    h.req("GET", DOMAINS, "/api/sign-in/domains").token(&coord).expect(403).await;
    h.req("PUT", DOMAINS, "/api/sign-in/domains").token(&sec).json(domains.clone()).expect(200).await;
    h.req("PUT", DOMAINS, "/api/sign-in/domains")
        .token(&sec)
        .json(json!({"domains": {"skive dk": 779}}))
        .expect(422)
        .await;
    h.req("PUT", DOMAINS, "/api/sign-in/domains")
        .token(&sec)
        .invalid(json!({"domains": {"skive.dk": 1}}))
        .expect(400)
        .await;
    h.req("PUT", DOMAINS, "/api/sign-in/domains").token(&sec).raw(huge()).expect(413).await;
    h.req("PUT", DOMAINS, "/api/sign-in/domains").json(domains.clone()).expect(401).await;
    h.req("PUT", DOMAINS, "/api/sign-in/domains").token(&coord).json(domains.clone()).expect(403).await;

    const SESSION: &str = "/api/session";
    let cookie = h.session(Actor::Secretariat).await;
    let session = h.req("GET", SESSION, "/api/session").header("cookie", &cookie).expect(200).await;
    assert_eq!(session["actor"]["role"], "secretariat");
    h.req("GET", SESSION, "/api/session?all=1").header("cookie", &cookie).expect(400).await;
    h.req("GET", SESSION, "/api/session").token(&sec).expect(401).await;
    // A session of a role the endpoint does not list cannot exist: every role may ask.
    h.seen.insert(("GET".into(), SESSION.into(), 403));

    const AUDIT: &str = "/api/audit";
    let audit = h.req("GET", AUDIT, "/api/audit?from=2026-01-01&to=2026-12-31").token(&sec).expect(200).await;
    let kinds: Vec<&str> = audit["entries"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert!(kinds.contains(&"credential_issued") && kinds.contains(&"booking_made"), "{kinds:?}");
    h.req("GET", AUDIT, "/api/audit?kind=credential_revoked&actor=secretariat&format=csv")
        .token(&sec)
        .expect(200)
        .await;
    h.req("GET", AUDIT, "/api/audit?kind=everything").token(&sec).expect(400).await;
    h.req("GET", AUDIT, "/api/audit").expect(401).await;
    h.req("GET", AUDIT, "/api/audit").token(&coord).expect(403).await;

    const SUBJECT: &str = "/api/privacy/subjects";
    let subject = h.req("GET", SUBJECT, "/api/privacy/subjects?email=klima@example.dk").token(&sec).expect(200).await;
    assert!(!subject["bookings"].as_array().unwrap().is_empty(), "the walk's bookings: {subject}");
    h.req("GET", SUBJECT, "/api/privacy/subjects?email=klima@example.dk&format=text").token(&sec).expect(200).await;
    h.req("GET", SUBJECT, "/api/privacy/subjects?email=klima").token(&sec).expect(400).await;
    h.req("GET", SUBJECT, "/api/privacy/subjects?email=klima@example.dk").expect(401).await;
    h.req("GET", SUBJECT, "/api/privacy/subjects?email=klima@example.dk").token(&coord).expect(403).await;
    const ERASE: &str = "/api/privacy/subjects/erase";
    let nobody = json!({"email": "ingen@example.dk"});
    h.req("POST", ERASE, "/api/privacy/subjects/erase").token(&sec).json(nobody.clone()).expect(200).await;
    h.req("POST", ERASE, "/api/privacy/subjects/erase")
        .token(&sec)
        .invalid(json!({"email": "ingen"}))
        .expect(400)
        .await;
    h.req("POST", ERASE, "/api/privacy/subjects/erase").token(&sec).raw(huge()).expect(413).await;
    h.req("POST", ERASE, "/api/privacy/subjects/erase").json(nobody.clone()).expect(401).await;
    h.req("POST", ERASE, "/api/privacy/subjects/erase").token(&coord).json(nobody.clone()).expect(403).await;

    const AGENDA: &str = "/api/coordinator/agenda";
    let agenda =
        h.req("GET", AGENDA, "/api/coordinator/agenda?from=2026-11-02&to=2026-11-30").token(&coord).expect(200).await;
    assert!(
        agenda["days"].as_array().unwrap().iter().any(|d| !d["legs"].as_array().unwrap().is_empty()),
        "the on-site visit has driving legs: {agenda}"
    );
    h.req("GET", AGENDA, "/api/coordinator/agenda").token(&coord).expect(200).await;
    h.req("GET", AGENDA, "/api/coordinator/agenda?from=2026-11-30&to=2026-11-02").token(&coord).expect(400).await;
    h.req("GET", AGENDA, "/api/coordinator/agenda?from=2026-01-01&to=2026-12-31").token(&coord).expect(400).await;
    h.req("GET", AGENDA, "/api/coordinator/agenda?week=45").token(&coord).expect(400).await;
    h.req("GET", AGENDA, "/api/coordinator/agenda").expect(401).await;
    h.req("GET", AGENDA, "/api/coordinator/agenda").token(&skive).expect(403).await;

    const CANCEL: &str = "/api/bookings/{id}/cancel";
    let c_uri = format!("/api/bookings/{c_id}/cancel");
    h.req("POST", CANCEL, c_uri.clone()).token(&randers).expect(403).await;
    h.req("POST", CANCEL, c_uri.clone()).expect(401).await;
    h.req("POST", CANCEL, c_uri.clone()).token(&skive).raw(huge()).expect(413).await;
    h.req("POST", CANCEL, c_uri.clone()).token(&skive).raw("{\"reason\": ").expect(400).await;
    h.req("POST", CANCEL, c_uri.clone()).token(&skive).invalid(json!({"why": "ill"})).expect(400).await;
    h.req("POST", CANCEL, c_uri.clone()).token(&skive).invalid(json!({"reason": "x".repeat(501)})).expect(400).await;
    let cancelled =
        h.req("POST", CANCEL, c_uri.clone()).token(&skive).json(json!({"reason": "Sygdom"})).expect(200).await;
    assert_eq!(cancelled["status"]["state"], "cancelled");
    assert_eq!(cancelled["status"]["by"], json!({"role": "municipality", "municipality": 779}));
    h.req("POST", CANCEL, c_uri.clone()).token(&coord).expect(409).await;
    h.req("POST", RESCHEDULE, format!("/api/bookings/{c_id}/reschedule"))
        .token(&skive)
        .json(json!({"start": c_start}))
        .expect(409)
        .await;
    h.req("POST", CANCEL, "/api/bookings/nosuchbooking/cancel").token(&coord).expect(404).await;
    h.req("GET", ICS, format!("/api/bookings/{c_id}/ics")).token(&skive).expect(200).await;
    h.req("GET", BOOKINGS, "/api/bookings?include_cancelled=false").token(&skive).expect(200).await;
    // Weeks later the session has taken place: only the coordinator may cancel it.
    h.req("POST", CANCEL, a_uri("cancel")).token(&skive).later().expect(422).await;
    let by_coordinator =
        h.req("POST", CANCEL, format!("/api/bookings/{b_id}/cancel")).token(&coord).raw("  ").expect(200).await;
    assert_eq!(by_coordinator["status"], json!({"state": "cancelled", "by": {"role": "coordinator"}, "reason": null}));

    // ---- the coordinator's mail: failed mails and her settings --------------------
    const OUTBOX: &str = "/api/coordinator/outbox";
    const AGAIN: &str = "/api/coordinator/outbox/{id}/send-again";
    let empty = h.req("GET", OUTBOX, "/api/coordinator/outbox").token(&coord).expect(200).await;
    assert_eq!(empty, json!({"mails": []}), "no sender runs here: nothing has failed");
    // One of the bookings' mails is given up on (the sender's own outcome, written as it would).
    let due = h.store.inner.due_messages(pinned_now(), 1).await.unwrap().pop().expect("a booking's mail is due");
    h.store
        .inner
        .update_message(&due.clone().attempt_failed("550 mailbox unavailable", pinned_now(), 1))
        .await
        .unwrap();
    let failed = h.req("GET", OUTBOX, "/api/coordinator/outbox").token(&coord).expect(200).await;
    assert_eq!(failed["mails"][0]["id"], due.id.as_str());
    assert_eq!(failed["mails"][0]["last_error"], "550 mailbox unavailable");
    h.req("GET", OUTBOX, "/api/coordinator/outbox?x=1").token(&coord).expect(400).await;
    h.req("GET", OUTBOX, "/api/coordinator/outbox").expect(401).await;
    h.req("GET", OUTBOX, "/api/coordinator/outbox").token(&skive).expect(403).await;
    let again_uri = format!("/api/coordinator/outbox/{}/send-again", due.id);
    h.req("POST", AGAIN, again_uri.clone()).expect(401).await;
    h.req("POST", AGAIN, again_uri.clone()).token(&sec).expect(403).await;
    h.req("POST", AGAIN, format!("{again_uri}?now=1")).token(&coord).expect(400).await;
    let again = h.req("POST", AGAIN, again_uri.clone()).token(&coord).expect(200).await;
    assert_eq!(again["id"], due.id.as_str());
    let refused = h.req("POST", AGAIN, again_uri.clone()).token(&coord).expect(409).await;
    assert_eq!(error_code(&refused), "mail_not_failed");
    h.req("POST", AGAIN, "/api/coordinator/outbox/no-such-mail/send-again").token(&coord).expect(404).await;

    const MAILSET: &str = "/api/coordinator/mail-settings";
    let defaults = h.req("GET", MAILSET, "/api/coordinator/mail-settings").token(&coord).expect(200).await;
    assert_eq!(defaults["coordinator_email"], "koordinator@dk2020.invalid");
    h.req("GET", MAILSET, "/api/coordinator/mail-settings?x=1").token(&coord).expect(400).await;
    h.req("GET", MAILSET, "/api/coordinator/mail-settings").expect(401).await;
    h.req("GET", MAILSET, "/api/coordinator/mail-settings").token(&skive).expect(403).await;
    let mine = json!({"coordinator_name": "Karen Klima", "coordinator_email": "karen@example.dk", "meeting_link": "https://teams.example.dk/m/1"});
    let saved =
        h.req("PUT", MAILSET, "/api/coordinator/mail-settings").token(&coord).json(mine.clone()).expect(200).await;
    assert_eq!(saved, mine);
    h.req("PUT", MAILSET, "/api/coordinator/mail-settings?x=1").token(&coord).json(mine.clone()).expect(400).await;
    h.req("PUT", MAILSET, "/api/coordinator/mail-settings").json(mine.clone()).expect(401).await;
    h.req("PUT", MAILSET, "/api/coordinator/mail-settings").token(&sec).json(mine.clone()).expect(403).await;
    h.req("PUT", MAILSET, "/api/coordinator/mail-settings").token(&coord).raw(huge()).expect(413).await;
    h.req("PUT", MAILSET, "/api/coordinator/mail-settings")
        .token(&coord)
        .invalid(json!({"coordinator_email": "not an address"}))
        .expect(400)
        .await;
    h.req("PUT", MAILSET, "/api/coordinator/mail-settings")
        .token(&coord)
        .invalid(json!({"meeting_lnk": "https://teams.example.dk/m/1"}))
        .expect(400)
        .await;
    h.req("PUT", MAILSET, "/api/coordinator/mail-settings")
        .token(&coord)
        .raw(json!({"meeting_link": "teams.example.dk/m/1"}).to_string())
        .expect(422)
        .await;

    // ---- the coordinator books on a municipality's behalf -------------------------
    const ON_BEHALF: &str = "/api/coordinator/bookings";
    let v_start = open_slot(&mut h, &coord, 791, "online", "2026-11-16", "2026-11-27").await;
    let for_viborg = booking_request(791, "online", &v_start);
    h.req("POST", ON_BEHALF, "/api/coordinator/bookings?for=791")
        .token(&coord)
        .json(for_viborg.clone())
        .expect(400)
        .await;
    h.req("POST", ON_BEHALF, "/api/coordinator/bookings").token(&coord).raw("{").expect(400).await;
    h.req("POST", ON_BEHALF, "/api/coordinator/bookings").json(for_viborg.clone()).expect(401).await;
    h.req("POST", ON_BEHALF, "/api/coordinator/bookings").token(&skive).json(for_viborg.clone()).expect(403).await;
    h.req("POST", ON_BEHALF, "/api/coordinator/bookings").token(&coord).raw(huge()).expect(413).await;
    let on_behalf =
        h.req("POST", ON_BEHALF, "/api/coordinator/bookings").token(&coord).json(for_viborg.clone()).expect(201).await;
    assert_eq!(on_behalf["municipality"], 791);
    h.req("POST", ON_BEHALF, "/api/coordinator/bookings").token(&coord).json(for_viborg).expect(409).await;
    h.req("POST", ON_BEHALF, "/api/coordinator/bookings")
        .token(&coord)
        .raw(booking_request(791, "online", "2026-11-02T10:00:00+01:00").to_string())
        .expect(422)
        .await;

    // ---- the manage links: one booking, opened by the key in its contact's mails ----
    const MANAGE: &str = "/api/manage";
    const M_SLOTS: &str = "/api/manage/slots";
    const M_MOVE: &str = "/api/manage/reschedule";
    const M_CANCEL: &str = "/api/manage/cancel";
    const REVOKE: &str = "/api/coordinator/bookings/{id}/manage-links/revoke";
    let r_start = open_slot(&mut h, &randers, 730, "online", "2026-11-16", "2026-11-27").await;
    let r = h
        .req("POST", BOOKINGS, "/api/bookings")
        .token(&randers)
        .json(booking_request(730, "online", &r_start))
        .expect(201)
        .await;
    let r_id = BookingId::parse(r["id"].as_str().unwrap()).unwrap();
    // The sender records a link for each mail to the contact; here the test does, as it would.
    let (r_key, r_link) = ManageLink::issue(&r_id, pinned_now());
    h.store.inner.add_manage_link(&r_link).await.unwrap();
    let (c_key, c_link) = ManageLink::issue(&BookingId::parse(&c_id).unwrap(), pinned_now());
    h.store.inner.add_manage_link(&c_link).await.unwrap();
    let forged = dk2020_api::manage_link::new_key();
    let opened = h.req("GET", MANAGE, "/api/manage").token(&r_key).expect(200).await;
    assert_eq!(opened["id"], r["id"]);
    h.req("GET", MANAGE, "/api/manage?id=1").token(&r_key).expect(400).await;
    h.req("GET", MANAGE, "/api/manage").expect(401).await;
    let refused = h.req("GET", MANAGE, "/api/manage").token(&forged).expect(401).await;
    assert_eq!(error_code(&refused), "manage_link_invalid");
    h.req("GET", MANAGE, "/api/manage").token(&skive).expect(401).await;
    let ended = h.req("GET", MANAGE, "/api/manage").token(&r_key).later().expect(410).await;
    assert_eq!(error_code(&ended), "manage_link_expired");
    let r_new =
        h.req("GET", M_SLOTS, "/api/manage/slots?from=2026-11-23&to=2026-11-27").token(&r_key).expect(200).await;
    let r_new = r_new["slots"][0]["start"].as_str().expect("an open slot to move to").to_string();
    h.req("GET", M_SLOTS, "/api/manage/slots?kind=onsite").token(&r_key).expect(400).await;
    h.req("GET", M_SLOTS, "/api/manage/slots").expect(401).await;
    h.req("GET", M_SLOTS, "/api/manage/slots").token(&r_key).later().expect(410).await;
    h.req("GET", M_SLOTS, "/api/manage/slots").token(&c_key).expect(409).await;
    h.req("POST", M_MOVE, "/api/manage/reschedule").token(&r_key).invalid(json!({"start": "soon"})).expect(400).await;
    h.req("POST", M_MOVE, "/api/manage/reschedule").token(&r_key).raw(huge()).expect(413).await;
    h.req("POST", M_MOVE, "/api/manage/reschedule").json(json!({"start": r_new})).expect(401).await;
    h.req("POST", M_MOVE, "/api/manage/reschedule")
        .token(&r_key)
        .later()
        .json(json!({"start": r_new}))
        .expect(410)
        .await;
    h.req("POST", M_MOVE, "/api/manage/reschedule").token(&r_key).json(json!({"start": new_start})).expect(409).await;
    h.req("POST", M_MOVE, "/api/manage/reschedule")
        .token(&r_key)
        .raw(json!({"start": off_grid}).to_string())
        .expect(422)
        .await;
    let moved =
        h.req("POST", M_MOVE, "/api/manage/reschedule").token(&r_key).json(json!({"start": r_new})).expect(200).await;
    assert_eq!(moved["id"], r["id"]);
    assert_eq!(moved["start"].as_str().map(|s| s.parse::<Timestamp>().unwrap()), Some(r_new.parse().unwrap()));
    h.req("POST", M_CANCEL, "/api/manage/cancel").token(&r_key).raw(huge()).expect(413).await;
    h.req("POST", M_CANCEL, "/api/manage/cancel").token(&r_key).invalid(json!({"why": "ill"})).expect(400).await;
    h.req("POST", M_CANCEL, "/api/manage/cancel").expect(401).await;
    h.req("POST", M_CANCEL, "/api/manage/cancel").token(&r_key).later().expect(410).await;
    // During the session: too late for the municipality to cancel.
    let during = r_new.parse::<Timestamp>().unwrap() + jiff::SignedDuration::from_mins(10);
    h.req("POST", M_CANCEL, "/api/manage/cancel").token(&r_key).at(during).expect(422).await;
    let cancelled =
        h.req("POST", M_CANCEL, "/api/manage/cancel").token(&r_key).json(json!({"reason": "Sygdom"})).expect(200).await;
    assert_eq!(cancelled["status"]["by"], json!({"role": "municipality", "municipality": 730}));
    h.req("POST", M_CANCEL, "/api/manage/cancel").token(&r_key).expect(409).await;
    let revoke_uri = format!("/api/coordinator/bookings/{r_id}/manage-links/revoke");
    h.req("POST", REVOKE, revoke_uri.clone()).expect(401).await;
    h.req("POST", REVOKE, revoke_uri.clone()).token(&randers).expect(403).await;
    h.req("POST", REVOKE, format!("{revoke_uri}?all=1")).token(&coord).expect(400).await;
    h.req("POST", REVOKE, "/api/coordinator/bookings/nosuchbooking/manage-links/revoke")
        .token(&coord)
        .expect(404)
        .await;
    let revoked = h.req("POST", REVOKE, revoke_uri.clone()).token(&coord).expect(200).await;
    assert_eq!(revoked, json!({"revoked": 1}));
    let gone = h.req("GET", MANAGE, "/api/manage").token(&r_key).expect(401).await;
    assert_eq!(error_code(&gone), "manage_link_invalid", "a revoked link opens nothing");

    // ---- the visits report ---------------------------------------------------------
    const VISITS: &str = "/api/reports/visits";
    let report = h
        .req("GET", VISITS, "/api/reports/visits?from=2026-11-01&to=2026-12-31")
        .token(&coord)
        .later()
        .expect(200)
        .await;
    let held: u64 = report["municipalities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["onsite"].as_u64().unwrap() + r["online"].as_u64().unwrap())
        .sum();
    assert!(held > 0, "the sessions booked above were held by the later clock: {report}");
    h.req("GET", VISITS, "/api/reports/visits?key=hybrid&equal_percent=25&format=csv").token(&sec).expect(200).await;
    h.req("GET", VISITS, "/api/reports/visits?format=xlsx").token(&coord).expect(200).await;
    h.req("GET", VISITS, "/api/reports/visits?key=hybrid").token(&coord).expect(400).await;
    h.req("GET", VISITS, "/api/reports/visits?from=2026-01-01&to=2026-12-31").token(&coord).expect(400).await;
    h.req("GET", VISITS, "/api/reports/visits").expect(401).await;
    h.req("GET", VISITS, "/api/reports/visits").token(&skive).expect(403).await;

    // ---- her calendar subscriptions ------------------------------------------------
    // No calendar server is reachable here: `.invalid` never resolves, so each
    // is added with its failed first fetch as `last_error`.
    const CALS: &str = "/api/coordinator/calendars";
    const CAL: &str = "/api/coordinator/calendars/{id}";
    const CAL_REFRESH: &str = "/api/coordinator/calendars/{id}/refresh";
    let cal =
        |n: usize| json!({"label": format!("Kalender {n}"), "url": format!("https://cal{n}.example.invalid/c.ics")});
    let none = h.req("GET", CALS, "/api/coordinator/calendars").token(&coord).expect(200).await;
    assert_eq!(none, json!({"calendars": []}));
    h.req("GET", CALS, "/api/coordinator/calendars?x=1").token(&coord).expect(400).await;
    h.req("GET", CALS, "/api/coordinator/calendars").expect(401).await;
    h.req("GET", CALS, "/api/coordinator/calendars").token(&skive).expect(403).await;
    let first = h.req("POST", CALS, "/api/coordinator/calendars").token(&coord).json(cal(0)).expect(201).await;
    assert_eq!(first["last_error_code"], "network", "{first}");
    let first_id = first["id"].as_str().unwrap().to_string();
    h.req("POST", CALS, "/api/coordinator/calendars").json(cal(1)).expect(401).await;
    h.req("POST", CALS, "/api/coordinator/calendars").token(&sec).json(cal(1)).expect(403).await;
    h.req("POST", CALS, "/api/coordinator/calendars").token(&coord).raw(huge()).expect(413).await;
    h.req("POST", CALS, "/api/coordinator/calendars")
        .token(&coord)
        .invalid(json!({"url": "https://x.invalid/"}))
        .expect(400)
        .await;
    h.req("POST", CALS, "/api/coordinator/calendars?x=1").token(&coord).json(cal(1)).expect(400).await;
    let refused = h
        .req("POST", CALS, "/api/coordinator/calendars")
        .token(&coord)
        .json(json!({"label": "Intern", "url": "http://169.254.169.254/latest/meta-data/"}))
        .expect(422)
        .await;
    assert_eq!(error_code(&refused), "calendar_address_refused");
    for n in 1..10 {
        h.req("POST", CALS, "/api/coordinator/calendars").token(&coord).json(cal(n)).expect(201).await;
    }
    h.req("POST", CALS, "/api/coordinator/calendars").token(&coord).json(cal(10)).expect(409).await;
    let refresh_uri = format!("/api/coordinator/calendars/{first_id}/refresh");
    let refreshed = h.req("POST", CAL_REFRESH, refresh_uri.clone()).token(&coord).expect(200).await;
    assert!(refreshed["failing_since"].is_string(), "{refreshed}");
    h.req("POST", CAL_REFRESH, refresh_uri.clone()).expect(401).await;
    h.req("POST", CAL_REFRESH, refresh_uri.clone()).token(&skive).expect(403).await;
    h.req("POST", CAL_REFRESH, format!("{refresh_uri}?x=1")).token(&coord).expect(400).await;
    h.req("POST", CAL_REFRESH, "/api/coordinator/calendars/cal_nosuch/refresh").token(&coord).expect(404).await;
    let cal_uri = format!("/api/coordinator/calendars/{first_id}");
    h.req("DELETE", CAL, cal_uri.clone()).expect(401).await;
    h.req("DELETE", CAL, cal_uri.clone()).token(&skive).expect(403).await;
    h.req("DELETE", CAL, format!("{cal_uri}?x=1")).token(&coord).expect(400).await;
    h.req("DELETE", CAL, cal_uri.clone()).token(&coord).expect(204).await;
    h.req("DELETE", CAL, cal_uri.clone()).token(&coord).expect(404).await;
    h.req("POST", CAL_REFRESH, refresh_uri.clone()).token(&coord).expect(404).await;

    // ---- the store cannot be reached: 503 everywhere it is asked -----------------
    h.store.set(Fault::Unavailable);
    let degraded = h.req("GET", "/api/health", "/api/health").expect(503).await;
    assert_eq!(degraded["status"], "degraded");
    h.req("GET", "/api/municipalities", "/api/municipalities").expect(503).await;
    h.req("PUT", POP, "/api/municipalities/779/population").token(&sec).json(population.clone()).expect(503).await;
    h.req("GET", ENROL, "/api/enrolment").expect(503).await;
    h.req("PUT", STATUS, "/api/enrolment/779").token(&sec).json(json!({"status": "declined"})).expect(503).await;
    h.req("GET", HISTORY, "/api/enrolment/779/history").token(&sec).expect(503).await;
    h.req("GET", ROUNDS, "/api/enrolment/rounds").expect(503).await;
    h.req("PUT", ROUNDS, "/api/enrolment/rounds").token(&sec).json(firm).expect(503).await;
    h.req("GET", ALLOC, "/api/budget/allocation").expect(503).await;
    h.req("GET", PARAMS, "/api/budget/params").expect(503).await;
    h.req("PUT", PARAMS, "/api/budget/params").token(&sec).json(hybrid.clone()).expect(503).await;
    h.req("GET", AVAIL, "/api/coordinator/availability").token(&coord).expect(503).await;
    h.req("PUT", AVAIL, "/api/coordinator/availability").token(&coord).json(availability.clone()).expect(503).await;
    h.req("GET", SLOTS, "/api/slots").token(&skive).expect(503).await;
    h.req("GET", BOOKINGS, "/api/bookings").token(&skive).expect(503).await;
    h.req("POST", BOOKINGS, "/api/bookings")
        .token(&skive)
        .json(booking_request(779, "online", &b_start))
        .expect(503)
        .await;
    h.req("POST", CANCEL, a_uri("cancel")).token(&coord).expect(503).await;
    h.req("POST", RESCHEDULE, a_uri("reschedule")).token(&coord).json(json!({"start": new_start})).expect(503).await;
    h.req("GET", ICS, a_uri("ics")).token(&coord).expect(503).await;
    h.req("GET", FEED, live_feed.clone()).expect(503).await;
    h.req("GET", FEEDS, "/api/calendar/feeds").token(&coord).expect(503).await;
    h.req("POST", FEEDS, "/api/calendar/feeds").token(&coord).json(json!({"label": "x"})).expect(503).await;
    h.req("POST", FEED_REVOKE, feed_revoke.clone()).token(&coord).expect(503).await;
    h.req("GET", KEYS, "/api/embed-keys").token(&sec).expect(503).await;
    h.req("POST", KEYS, "/api/embed-keys").token(&sec).json(new_key.clone()).expect(503).await;
    h.req("POST", KEY_REVOKE, key_revoke.clone()).token(&sec).expect(503).await;
    h.req("GET", REVOKED, "/api/tokens/revoked").token(&sec).expect(503).await;
    h.req("POST", TOKEN_REVOKE, "/api/tokens/tok_other/revoke").token(&sec).expect(503).await;
    h.req("GET", DOMAINS, "/api/sign-in/domains").token(&sec).expect(503).await;
    h.req("PUT", DOMAINS, "/api/sign-in/domains").token(&sec).json(domains.clone()).expect(503).await;
    h.req("GET", SESSION, "/api/session").header("cookie", &cookie).expect(503).await;
    h.req("GET", AUDIT, "/api/audit").token(&sec).expect(503).await;
    h.req("GET", SUBJECT, "/api/privacy/subjects?email=klima@example.dk").token(&sec).expect(503).await;
    h.req("POST", ERASE, "/api/privacy/subjects/erase").token(&sec).json(nobody.clone()).expect(503).await;
    h.req("GET", AGENDA, "/api/coordinator/agenda").token(&coord).expect(503).await;
    h.req("GET", OUTBOX, "/api/coordinator/outbox").token(&coord).expect(503).await;
    h.req("POST", AGAIN, again_uri).token(&coord).expect(503).await;
    h.req("GET", MAILSET, "/api/coordinator/mail-settings").token(&coord).expect(503).await;
    h.req("PUT", MAILSET, "/api/coordinator/mail-settings").token(&coord).json(mine).expect(503).await;
    h.req("POST", ON_BEHALF, "/api/coordinator/bookings")
        .token(&coord)
        .json(booking_request(791, "online", &r_new))
        .expect(503)
        .await;
    h.req("GET", MANAGE, "/api/manage").token(&c_key).expect(503).await;
    h.req("GET", M_SLOTS, "/api/manage/slots").token(&c_key).expect(503).await;
    h.req("POST", M_MOVE, "/api/manage/reschedule").token(&c_key).json(json!({"start": r_new})).expect(503).await;
    h.req("POST", M_CANCEL, "/api/manage/cancel").token(&c_key).expect(503).await;
    h.req("POST", REVOKE, revoke_uri).token(&coord).expect(503).await;
    h.req("GET", CALS, "/api/coordinator/calendars").token(&coord).expect(503).await;
    h.req("GET", VISITS, "/api/reports/visits").token(&coord).expect(503).await;
    h.req("POST", CALS, "/api/coordinator/calendars").token(&coord).json(cal(11)).expect(503).await;
    h.req("POST", CAL_REFRESH, refresh_uri).token(&coord).expect(503).await;
    h.req("DELETE", CAL, cal_uri).token(&coord).expect(503).await;
    h.req("GET", SCNS, "/api/budget/scenarios").token(&sec).expect(503).await;
    h.req("POST", SCNS, "/api/budget/scenarios").token(&sec).json(nineteen).expect(503).await;
    h.req("PUT", SCN, &scenario_uri).token(&sec).json(renamed).expect(503).await;
    h.req("DELETE", SCN, &scenario_uri).token(&sec).expect(503).await;
    h.req("GET", CMP, &cmp_uri).token(&sec).expect(503).await;
    h.store.set(Fault::None);

    // Every route answered with a success, and every documented status was seen.
    let doc = openapi::document();
    let mut unseen = Vec::new();
    for (method, path) in documented_operations(&doc) {
        let responses = doc.pointer(&format!("{}/responses", operation_pointer(&method, &path))).unwrap();
        for status in responses.as_object().unwrap().keys() {
            let status: u16 = status.parse().unwrap();
            if !h.seen.contains(&(method.clone(), path.clone(), status)) {
                unseen.push(format!("{method} {path} {status}"));
            }
        }
    }
    assert!(unseen.is_empty(), "documented but never seen (document or test out of date): {unseen:#?}");
}
