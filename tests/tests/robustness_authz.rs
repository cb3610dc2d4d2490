//! The authorisation matrix: every endpoint of the API (each method and path
//! of the OpenAPI document) against every kind of caller, with the status
//! each one must get written down in one table, [`MATRIX`].
//!
//! Callers (the table's columns):
//! - `anon`: no token at all;
//! - `own`: Skive's municipality token, acting on Skive's own things (its
//!   bookings, its slots, its own code in a path);
//! - `other`: Viborg's municipality token acting on those same Skive things
//!   (Skive's booking, `?municipality=779`, a booking for Skive);
//! - `coord`, `secr`: the coordinator and the secretariat;
//! - `expired`, `forged`, `none`: a coordinator token that expired an hour
//!   ago, one signed with another secret, and one with `alg: none` (no
//!   signature at all). The three bad tokens claim the most powerful role,
//!   so a hole in token checking cannot hide behind a 403;
//! - `s-own`, `s-coord`, `s-secr`: staff signed in (the session cookie from
//!   the dev sign-in, with the page's CSRF token and origin); `x-site`: the
//!   coordinator's cookie sent from another site;
//! - `key`, `key-orig`, `key-rev`: Skive's embed key from its intranet, from
//!   another origin, and a revoked one;
//! - `tok-rev`, `retired`: a coordinator token whose `jti` was revoked, and
//!   one signed with the key retired before the server's "now".
//!
//! The first eight are columns of the table; the others follow from them by
//! the rules of `Row::expected` (what a session, a key or a dead token may
//! do is the same for every operation).
//!
//! Every request is valid apart from who sends it (bookable starts come from
//! the server's own slots at its pinned clock), so a status says what the
//! caller may do, not what was wrong with the input. Cells are independent:
//! each cell that acts on a booking gets a fresh booking of its own, each
//! write that succeeds either writes what was already there (settings,
//! population) or books a new slot, and the one status change of the table
//! can succeed only once (for the secretariat).
//!
//! Also: the table covers exactly the operations of `GET /api/openapi.json`
//! (a new endpoint without a row fails), every refusal is a JSON error of the
//! API's shape, and no answer to one municipality's token shows another
//! municipality's contact name, e-mail or topic.

use std::collections::BTreeSet;

use dk2020_e2e::{
    Method, Reply, SKIVE, Session, TEST_SECRET, TestServer, VIBORG, coordinator_token, expired_token,
    municipality_token, retired_key_token, schedule::set_rules, secretariat_token, sign, token_with_id, unix_now,
};
use serde_json::{Value, json};

// ---------------------------------------------------------------------------
// The callers

/// The callers, in order: the table's eight columns, then the callers whose
/// statuses follow from those by [`Row::expected`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Caller {
    Anonymous,
    Own,
    OtherMunicipality,
    Coordinator,
    Secretariat,
    Expired,
    Forged,
    AlgNone,
    /// Skive's, the coordinator's and the secretariat's staff signed in
    /// (session cookie, CSRF token, the app's own origin).
    SessionOwn,
    SessionCoordinator,
    SessionSecretariat,
    /// The coordinator's session cookie, sent from another site.
    CrossSite,
    /// Skive's embed key from its intranet, from another origin, and a revoked one.
    Key,
    KeyWrongOrigin,
    KeyRevoked,
    /// A coordinator token whose `jti` was revoked; one signed with the retired key.
    RevokedToken,
    RetiredKey,
}

const CALLERS: [Caller; 17] = [
    Caller::Anonymous,
    Caller::Own,
    Caller::OtherMunicipality,
    Caller::Coordinator,
    Caller::Secretariat,
    Caller::Expired,
    Caller::Forged,
    Caller::AlgNone,
    Caller::SessionOwn,
    Caller::SessionCoordinator,
    Caller::SessionSecretariat,
    Caller::CrossSite,
    Caller::Key,
    Caller::KeyWrongOrigin,
    Caller::KeyRevoked,
    Caller::RevokedToken,
    Caller::RetiredKey,
];

/// The intranet Skive's test key may be used from.
const INTRANET: &str = "https://intranet.skive.dk";

/// The `jti` the seeded server has revoked.
const REVOKED_JTI: &str = "tok_revoked_by_the_matrix";

impl Caller {
    fn label(self) -> &'static str {
        match self {
            Caller::Anonymous => "anon",
            Caller::Own => "own",
            Caller::OtherMunicipality => "other",
            Caller::Coordinator => "coord",
            Caller::Secretariat => "secr",
            Caller::Expired => "expired",
            Caller::Forged => "forged",
            Caller::AlgNone => "alg-none",
            Caller::SessionOwn => "s-own",
            Caller::SessionCoordinator => "s-coord",
            Caller::SessionSecretariat => "s-secr",
            Caller::CrossSite => "x-site",
            Caller::Key => "key",
            Caller::KeyWrongOrigin => "key-orig",
            Caller::KeyRevoked => "key-rev",
            Caller::RevokedToken => "tok-rev",
            Caller::RetiredKey => "retired",
        }
    }

    /// The token this caller sends, if any.
    fn token(self) -> Option<String> {
        match self {
            Caller::Own => Some(municipality_token(SKIVE)),
            Caller::OtherMunicipality => Some(municipality_token(VIBORG)),
            Caller::Coordinator => Some(coordinator_token()),
            Caller::Secretariat => Some(secretariat_token()),
            Caller::Expired => Some(expired_token()),
            Caller::Forged => Some(sign(&coordinator_claims(), "another-secret-that-is-long-enough-for-hs256")),
            Caller::AlgNone => Some(unsigned_token(&coordinator_claims())),
            Caller::RevokedToken => Some(token_with_id(REVOKED_JTI)),
            Caller::RetiredKey => Some(retired_key_token()),
            _ => None,
        }
    }

    /// The municipality whose token, session or key this is, if any.
    fn municipality(self) -> Option<u16> {
        match self {
            Caller::Own | Caller::SessionOwn | Caller::Key | Caller::KeyWrongOrigin | Caller::KeyRevoked => Some(SKIVE),
            Caller::OtherMunicipality => Some(VIBORG),
            _ => None,
        }
    }
}

/// What the seeded server issued for the callers: sessions, keys, a feed.
struct Credentials {
    session_own: Session,
    session_coordinator: Session,
    session_secretariat: Session,
    key: String,
    revoked_key: String,
    feed: String,
}

fn coordinator_claims() -> Value {
    let now = unix_now();
    json!({"role": "coordinator", "iat": now, "exp": now + 3600})
}

/// A JWT with the header `{"alg":"none","typ":"JWT"}` and no signature.
fn unsigned_token(claims: &Value) -> String {
    let header = base64url(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = base64url(claims.to_string().as_bytes());
    format!("{header}.{payload}.")
}

/// Base64url without padding (RFC 7515).
fn base64url(bytes: &[u8]) -> String {
    base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, bytes)
}

// ---------------------------------------------------------------------------
// The table

/// The request body of a row, made valid for the server's current state.
#[derive(Debug, Clone, Copy)]
enum Body {
    None,
    /// A booking for Skive at an open online slot.
    Booking,
    /// `{"start": <an open online slot of Skive>}`
    Reschedule,
    /// `{"reason": "…"}`
    Cancel,
    /// Skive's population as it is, with a past reference date.
    Population,
    /// Skive's status: undecided → council considering.
    Enrolment,
    /// The stored budget parameters, unchanged.
    BudgetParams,
    /// The stored rounds, unchanged.
    Rounds,
    /// The coordinator's settings, unchanged.
    Availability,
    /// The coordinator's mail settings, unchanged.
    MailSettings,
    /// A calendar subscription at an address that never resolves (`.invalid`):
    /// added, with the failed first fetch as its `last_error`.
    Calendar,
    /// A budget scenario with 17 participants.
    Scenario,
    /// An embed key for Skive's intranet.
    EmbedKey,
    /// A calendar feed for one subscriber.
    Feed,
    /// The stored e-mail domains, unchanged.
    Domains,
    /// A person the product holds nothing about (insight, erasure).
    Subject,
}

/// One endpoint (or one variant of it): the operation as the OpenAPI
/// document names it, the request actually sent, and the status of each caller.
struct Row {
    method: &'static str,
    /// The path as in the OpenAPI document.
    path: &'static str,
    /// What is sent: `{code}` is Skive's code, `{id}` a fresh booking of
    /// Skive's, `{unknown}` a booking id that does not exist (`{unknown_calendar}`
    /// a calendar subscription's, `{unknown_scenario}` a budget scenario's), and `{token}`
    /// the caller's token (in the query, where the calendar feed takes it;
    /// elsewhere it goes in `Authorization: Bearer`).
    target: &'static str,
    body: Body,
    expect: [u16; 8],
    /// What the three sessions get where it is not what the same role's
    /// token gets (only `GET /api/session`, which is for sessions).
    sessions: Option<[u16; 3]>,
}

const fn row(method: &'static str, path: &'static str, target: &'static str, body: Body, expect: [u16; 8]) -> Row {
    Row { method, path, target, body, expect, sessions: None }
}

/// The operations the booking view calls: the only ones an embed key opens.
const BOOKING_VIEW: [(&str, &str); 4] =
    [("GET", "/api/slots"), ("GET", "/api/bookings"), ("POST", "/api/bookings"), ("POST", "/api/bookings/{id}/cancel")];

impl Row {
    /// The status `caller` must get. The table's columns say it for the
    /// tokens; the other callers follow these rules:
    /// - a public operation (anonymous callers get through) ignores every
    ///   credential: as anonymous;
    /// - a manage-link operation takes only its key: 401 for all;
    /// - a session gets what its role's token gets; a change with the cookie
    ///   from another site is refused (403), a read is the coordinator's;
    /// - an embed key from its origin is Skive's token on the booking view's
    ///   operations and 403 elsewhere; from another origin 403; revoked 401;
    /// - a revoked token and one signed with the retired key: 401; so is any
    ///   credential but a session where only sessions get through.
    fn expected(&self, caller: Caller) -> u16 {
        let [anon, own, _, coord, secr, ..] = self.expect;
        let column = CALLERS.iter().position(|c| *c == caller).expect("a caller");
        if column < 8 {
            return self.expect[column];
        }
        if anon != 401 {
            return anon;
        }
        if self.path.starts_with("/api/manage") {
            return 401;
        }
        let booking_view = BOOKING_VIEW.contains(&(self.method, self.path));
        // For sessions only (no token gets through): nothing else does either.
        let sessions_only = self.expect[1..5].iter().all(|&s| s == 401);
        match caller {
            Caller::SessionOwn => self.sessions.map_or(own, |s| s[0]),
            Caller::SessionCoordinator => self.sessions.map_or(coord, |s| s[1]),
            Caller::SessionSecretariat => self.sessions.map_or(secr, |s| s[2]),
            Caller::CrossSite if self.method == "GET" => self.sessions.map_or(coord, |s| s[1]),
            Caller::CrossSite => 403,
            Caller::Key if booking_view => own,
            Caller::Key if !sessions_only => 403,
            Caller::KeyWrongOrigin => 403,
            _ => 401,
        }
    }
}

/// Every endpoint × every caller. `own` is Skive on Skive's things, `other`
/// is Viborg on Skive's things; the three bad tokens claim to be the coordinator.
#[rustfmt::skip]
const MATRIX: &[Row] = &[
    //  method  OpenAPI path                               request sent                                                    body                 anon own  other coord secr expired forged alg-none
    //  (the sessions, keys, revoked and retired tokens: `Row::expected`)
    row("GET",  "/api/health",                             "/api/health",                                                  Body::None,          [200, 200, 200, 200, 200, 200, 200, 200]),
    row("GET",  "/api/openapi.json",                       "/api/openapi.json",                                            Body::None,          [200, 200, 200, 200, 200, 200, 200, 200]),
    row("GET",  "/api/docs",                               "/api/docs",                                                    Body::None,          [200, 200, 200, 200, 200, 200, 200, 200]),
    row("GET",  "/api/municipalities",                     "/api/municipalities",                                          Body::None,          [200, 200, 200, 200, 200, 200, 200, 200]),
    row("PUT",  "/api/municipalities/{code}/population",   "/api/municipalities/{code}/population",                        Body::Population,    [401, 403, 403, 403, 200, 401, 401, 401]),
    row("GET",  "/api/enrolment",                          "/api/enrolment",                                               Body::None,          [200, 200, 200, 200, 200, 200, 200, 200]),
    row("GET",  "/api/enrolment",                          "/api/enrolment?format=csv",                                    Body::None,          [200, 200, 200, 200, 200, 200, 200, 200]),
    row("GET",  "/api/enrolment/rounds",                   "/api/enrolment/rounds",                                        Body::None,          [200, 200, 200, 200, 200, 200, 200, 200]),
    row("PUT",  "/api/enrolment/rounds",                   "/api/enrolment/rounds",                                        Body::Rounds,        [401, 403, 403, 403, 200, 401, 401, 401]),
    // The secretariat's session comes after its token: the same change again is a broken rule (422).
    Row { sessions: Some([403, 403, 422]),
      ..row("PUT",  "/api/enrolment/{code}",               "/api/enrolment/{code}",                                        Body::Enrolment,     [401, 403, 403, 403, 200, 401, 401, 401]) },
    row("GET",  "/api/enrolment/{code}/history",           "/api/enrolment/{code}/history",                                Body::None,          [401, 403, 403, 403, 200, 401, 401, 401]),
    row("GET",  "/api/budget/allocation",                  "/api/budget/allocation",                                       Body::None,          [200, 200, 200, 200, 200, 200, 200, 200]),
    row("GET",  "/api/budget/params",                      "/api/budget/params",                                           Body::None,          [200, 200, 200, 200, 200, 200, 200, 200]),
    row("PUT",  "/api/budget/params",                      "/api/budget/params",                                           Body::BudgetParams,  [401, 403, 403, 403, 200, 401, 401, 401]),
    row("GET",  "/api/budget/scenarios",                   "/api/budget/scenarios",                                        Body::None,          [401, 403, 403, 403, 200, 401, 401, 401]),
    row("POST", "/api/budget/scenarios",                   "/api/budget/scenarios",                                        Body::Scenario,      [401, 403, 403, 403, 201, 401, 401, 401]),
    row("PUT",  "/api/budget/scenarios/{id}",              "/api/budget/scenarios/{unknown_scenario}",                     Body::Scenario,      [401, 403, 403, 403, 404, 401, 401, 401]),
    row("DELETE", "/api/budget/scenarios/{id}",            "/api/budget/scenarios/{unknown_scenario}",                     Body::None,          [401, 403, 403, 403, 404, 401, 401, 401]),
    row("GET",  "/api/budget/comparison",                  "/api/budget/comparison?a={unknown_scenario}&b={unknown_scenario}", Body::None,      [401, 403, 403, 403, 404, 401, 401, 401]),
    row("GET",  "/api/slots",                              "/api/slots?municipality={code}&kind=online&from=2026-12-02&to=2026-12-04", Body::None, [401, 200, 403, 200, 403, 401, 401, 401]),
    row("GET",  "/api/bookings",                           "/api/bookings?municipality={code}",                            Body::None,          [401, 200, 403, 200, 403, 401, 401, 401]),
    row("GET",  "/api/bookings",                           "/api/bookings",                                                Body::None,          [401, 200, 200, 200, 403, 401, 401, 401]),
    row("POST", "/api/bookings",                           "/api/bookings",                                                Body::Booking,       [401, 201, 403, 403, 403, 401, 401, 401]),
    row("POST", "/api/coordinator/bookings",               "/api/coordinator/bookings",                                    Body::Booking,       [401, 403, 403, 201, 403, 401, 401, 401]),
    row("POST", "/api/bookings/{id}/cancel",               "/api/bookings/{id}/cancel",                                    Body::Cancel,        [401, 200, 403, 200, 403, 401, 401, 401]),
    row("POST", "/api/bookings/{id}/cancel",               "/api/bookings/{unknown}/cancel",                               Body::Cancel,        [401, 404, 404, 404, 403, 401, 401, 401]),
    row("POST", "/api/bookings/{id}/reschedule",           "/api/bookings/{id}/reschedule",                                Body::Reschedule,    [401, 200, 403, 200, 403, 401, 401, 401]),
    row("POST", "/api/bookings/{id}/reschedule",           "/api/bookings/{unknown}/reschedule",                           Body::Reschedule,    [401, 404, 404, 404, 403, 401, 401, 401]),
    row("GET",  "/api/bookings/{id}/ics",                  "/api/bookings/{id}/ics",                                       Body::None,          [401, 200, 403, 200, 403, 401, 401, 401]),
    row("GET",  "/api/bookings/{id}/ics",                  "/api/bookings/{unknown}/ics",                                  Body::None,          [401, 404, 404, 404, 403, 401, 401, 401]),
    row("GET",  "/api/calendar/{feed}",                    "/api/calendar/{feed}",                                         Body::None,          [200, 200, 200, 200, 200, 200, 200, 200]),
    row("GET",  "/api/calendar/feeds",                     "/api/calendar/feeds",                                          Body::None,          [401, 403, 403, 200, 403, 401, 401, 401]),
    row("POST", "/api/calendar/feeds",                     "/api/calendar/feeds",                                          Body::Feed,          [401, 403, 403, 201, 403, 401, 401, 401]),
    row("POST", "/api/calendar/feeds/{id}/revoke",         "/api/calendar/feeds/{unknown_feed}/revoke",                    Body::None,          [401, 403, 403, 404, 403, 401, 401, 401]),
    row("GET",  "/api/embed-keys",                         "/api/embed-keys",                                              Body::None,          [401, 403, 403, 403, 200, 401, 401, 401]),
    row("POST", "/api/embed-keys",                         "/api/embed-keys",                                              Body::EmbedKey,      [401, 403, 403, 403, 201, 401, 401, 401]),
    row("POST", "/api/embed-keys/{id}/revoke",             "/api/embed-keys/{unknown_key}/revoke",                         Body::None,          [401, 403, 403, 403, 404, 401, 401, 401]),
    row("GET",  "/api/tokens/revoked",                     "/api/tokens/revoked",                                          Body::None,          [401, 403, 403, 403, 200, 401, 401, 401]),
    row("POST", "/api/tokens/{jti}/revoke",                "/api/tokens/{jti}/revoke",                                     Body::None,          [401, 403, 403, 403, 200, 401, 401, 401]),
    row("GET",  "/api/sign-in/domains",                    "/api/sign-in/domains",                                         Body::None,          [401, 403, 403, 403, 200, 401, 401, 401]),
    row("PUT",  "/api/sign-in/domains",                    "/api/sign-in/domains",                                         Body::Domains,       [401, 403, 403, 403, 200, 401, 401, 401]),
    Row { sessions: Some([200, 200, 200]),
      ..row("GET", "/api/session",                         "/api/session",                                                 Body::None,          [401, 401, 401, 401, 401, 401, 401, 401]) },
    row("GET",  "/api/audit",                              "/api/audit",                                                   Body::None,          [401, 403, 403, 403, 200, 401, 401, 401]),
    row("GET",  "/api/privacy/subjects",                   "/api/privacy/subjects?email=ingen@example.dk",                 Body::None,          [401, 403, 403, 403, 200, 401, 401, 401]),
    row("POST", "/api/privacy/subjects/erase",             "/api/privacy/subjects/erase",                                  Body::Subject,       [401, 403, 403, 403, 200, 401, 401, 401]),
    row("GET",  "/api/coordinator/availability",           "/api/coordinator/availability",                                Body::None,          [401, 403, 403, 200, 403, 401, 401, 401]),
    row("PUT",  "/api/coordinator/availability",           "/api/coordinator/availability",                                Body::Availability,  [401, 403, 403, 200, 403, 401, 401, 401]),
    row("GET",  "/api/coordinator/agenda",                 "/api/coordinator/agenda?from=2026-12-01&to=2026-12-31",        Body::None,          [401, 403, 403, 200, 403, 401, 401, 401]),
    row("GET",  "/api/coordinator/outbox",                 "/api/coordinator/outbox",                                      Body::None,          [401, 403, 403, 200, 403, 401, 401, 401]),
    row("POST", "/api/coordinator/outbox/{id}/send-again", "/api/coordinator/outbox/{unknown}/send-again",                 Body::None,          [401, 403, 403, 404, 403, 401, 401, 401]),
    row("GET",  "/api/coordinator/mail-settings",          "/api/coordinator/mail-settings",                               Body::None,          [401, 403, 403, 200, 403, 401, 401, 401]),
    row("PUT",  "/api/coordinator/mail-settings",          "/api/coordinator/mail-settings",                               Body::MailSettings,  [401, 403, 403, 200, 403, 401, 401, 401]),
    row("POST", "/api/coordinator/bookings/{id}/manage-links/revoke", "/api/coordinator/bookings/{id}/manage-links/revoke", Body::None,       [401, 403, 403, 200, 403, 401, 401, 401]),
    row("POST", "/api/coordinator/bookings/{id}/manage-links/revoke", "/api/coordinator/bookings/{unknown}/manage-links/revoke", Body::None,  [401, 403, 403, 404, 403, 401, 401, 401]),
    row("GET",  "/api/reports/visits",                     "/api/reports/visits",                                          Body::None,          [401, 403, 403, 200, 200, 401, 401, 401]),
    row("GET",  "/api/coordinator/calendars",              "/api/coordinator/calendars",                                   Body::None,          [401, 403, 403, 200, 403, 401, 401, 401]),
    row("POST", "/api/coordinator/calendars",              "/api/coordinator/calendars",                                   Body::Calendar,      [401, 403, 403, 201, 403, 401, 401, 401]),
    row("DELETE", "/api/coordinator/calendars/{id}",       "/api/coordinator/calendars/{unknown_calendar}",                Body::None,          [401, 403, 403, 404, 403, 401, 401, 401]),
    row("POST", "/api/coordinator/calendars/{id}/refresh", "/api/coordinator/calendars/{unknown_calendar}/refresh",        Body::None,          [401, 403, 403, 404, 403, 401, 401, 401]),
    // A manage link's key, not a token, opens these: every token is refused (the keys: tests/api_manage.rs).
    row("GET",  "/api/manage",                             "/api/manage",                                                  Body::None,          [401, 401, 401, 401, 401, 401, 401, 401]),
    row("GET",  "/api/manage/slots",                       "/api/manage/slots",                                            Body::None,          [401, 401, 401, 401, 401, 401, 401, 401]),
    row("POST", "/api/manage/reschedule",                  "/api/manage/reschedule",                                       Body::Reschedule,    [401, 401, 401, 401, 401, 401, 401, 401]),
    row("POST", "/api/manage/cancel",                      "/api/manage/cancel",                                           Body::Cancel,        [401, 401, 401, 401, 401, 401, 401, 401]),
];

// ---------------------------------------------------------------------------
// The people whose details must not leak

/// A municipality's contact person, distinctive enough to search for.
struct Contact {
    municipality: u16,
    name: &'static str,
    email: &'static str,
    topic: &'static str,
}

const SKIVE_CONTACT: Contact = Contact {
    municipality: SKIVE,
    name: "Solveig Saltbæk-Durup",
    email: "solveig.saltbaek@kontakt-a.example",
    topic: "Fjernvarme i Durup og Glyngøre",
};

const VIBORG_CONTACT: Contact = Contact {
    municipality: VIBORG,
    name: "Vagn Vestergaard-Hald",
    email: "vagn.vestergaard@kontakt-b.example",
    topic: "Biogas ved Bjerringbro",
};

impl Contact {
    fn booking(&self, kind: &str, start: &str) -> Value {
        json!({
            "municipality": self.municipality,
            "kind": kind,
            "start": start,
            "topic": self.topic,
            "contact_name": self.name,
            "contact_email": self.email,
        })
    }

    /// What another municipality must never see of this one.
    fn secrets(&self) -> [&'static str; 3] {
        [self.name, self.email, self.topic]
    }
}

/// The contact details `municipality`'s token must never be shown.
fn foreign_secrets(municipality: u16) -> Vec<&'static str> {
    [&SKIVE_CONTACT, &VIBORG_CONTACT]
        .into_iter()
        .filter(|c| c.municipality != municipality)
        .flat_map(Contact::secrets)
        .collect()
}

// ---------------------------------------------------------------------------
// Running a cell

/// The first open online slot of `municipality` in the bookable weeks.
fn open_online_start(server: &TestServer, municipality: u16) -> String {
    let slots = server.slots(&coordinator_token(), municipality, "online", "2026-12-02", "2027-01-20");
    slots.into_iter().next().unwrap_or_else(|| panic!("an open online slot for {municipality}")).start
}

/// Books `contact`'s municipality at its first open online slot; the booking's id.
fn book(server: &TestServer, contact: &Contact) -> String {
    let start = open_online_start(server, contact.municipality);
    let reply = server
        .post("/api/bookings")
        .bearer(&municipality_token(contact.municipality))
        .json(&contact.booking("online", &start))
        .send()
        .expect_status(201);
    reply.json()["id"].as_str().expect("a booking id").to_string()
}

/// A server with both municipalities' contact people in it: Viborg has a
/// booking; the cap per municipality is raised so that Skive can hold a
/// fresh booking for every cell that needs one.
fn seeded_server() -> TestServer {
    let server = TestServer::start();
    set_rules(&server, json!({"cap_per_municipality": 100}));
    book(&server, &VIBORG_CONTACT);
    server
}

/// Sessions, keys (one revoked), a feed and a revoked token on `server`.
fn issue_credentials(server: &TestServer) -> Credentials {
    let (_, key) = server.embed_key(SKIVE, &[INTRANET]);
    let (revoked_id, revoked_key) = server.embed_key(SKIVE, &[INTRANET]);
    server.post(&format!("/api/embed-keys/{revoked_id}/revoke")).bearer(&secretariat_token()).send().expect_status(200);
    server.post(&format!("/api/tokens/{REVOKED_JTI}/revoke")).bearer(&secretariat_token()).send().expect_status(200);
    Credentials {
        session_own: server.sign_in(&SKIVE.to_string()),
        session_coordinator: server.sign_in("coordinator"),
        session_secretariat: server.sign_in("secretariat"),
        key,
        revoked_key,
        feed: server.calendar_feed(),
    }
}

/// Sends `row`'s request as `caller`, with fresh state where the row needs it.
fn run_cell(server: &TestServer, issued: &Credentials, row: &Row, caller: Caller) -> Reply {
    let token = caller.token();
    let feed = issued.feed.trim_start_matches("/api/calendar/").to_string();
    let mut target = row
        .target
        .replace("{code}", &SKIVE.to_string())
        .replace("{unknown}", "bnosuchbooking000000000")
        .replace("{unknown_calendar}", "cal_nosuchcalendar")
        .replace("{unknown_scenario}", "scn_nosuchscenario")
        .replace("{unknown_feed}", "feed_nosuchfeed")
        .replace("{unknown_key}", "key_nosuchkey")
        .replace("{jti}", "tok_some_other_machine")
        .replace("{feed}", &feed);
    if target.contains("{id}") {
        target = target.replace("{id}", &book(server, &SKIVE_CONTACT));
    }
    let body = match row.body {
        Body::None => None,
        Body::Booking => Some(SKIVE_CONTACT.booking("online", &open_online_start(server, SKIVE))),
        Body::Reschedule => Some(json!({"start": open_online_start(server, SKIVE)})),
        Body::Cancel => Some(json!({"reason": "Robusthedstest"})),
        Body::Population => {
            let list = server.get("/api/municipalities").send().expect_status(200).json();
            let skive = list["municipalities"]
                .as_array()
                .and_then(|all| all.iter().find(|m| m["code"] == SKIVE))
                .expect("Skive is listed")
                .clone();
            Some(json!({"inhabitants": skive["population"], "as_of": "2026-01-01"}))
        }
        Body::Enrolment => Some(json!({"status": "council_considering", "note": "Byrådet behandler sagen"})),
        Body::BudgetParams => Some(server.get("/api/budget/params").send().expect_status(200).json()),
        Body::Rounds => Some(server.get("/api/enrolment/rounds").send().expect_status(200).json()),
        Body::Availability => Some(
            server.get("/api/coordinator/availability").bearer(&coordinator_token()).send().expect_status(200).json(),
        ),
        Body::MailSettings => Some(
            server.get("/api/coordinator/mail-settings").bearer(&coordinator_token()).send().expect_status(200).json(),
        ),
        Body::Calendar => {
            Some(json!({"label": "Outlook", "url": "https://calendar.example.invalid/reachcalendar.ics"}))
        }
        Body::Scenario => Some(json!({"name": "Uden Viborg og Samsø", "params": {"exclude": [791, 741]}})),
        Body::EmbedKey => Some(json!({"municipality": SKIVE, "label": "Skives intranet", "origins": [INTRANET]})),
        Body::Feed => Some(json!({"label": "Outlook på telefonen"})),
        Body::Domains => {
            Some(server.get("/api/sign-in/domains").bearer(&secretariat_token()).send().expect_status(200).json())
        }
        Body::Subject => Some(json!({"email": "ingen@example.dk"})),
    };
    let method = Method::from_bytes(row.method.as_bytes()).expect("an HTTP method");
    let mut call = server.request(method, &target);
    if let Some(token) = &token {
        call = call.bearer(token);
    }
    call = match caller {
        Caller::SessionOwn => call.session(&issued.session_own),
        Caller::SessionCoordinator => call.session(&issued.session_coordinator),
        Caller::SessionSecretariat => call.session(&issued.session_secretariat),
        Caller::CrossSite => {
            call.session(&Session { origin: "https://evil.example".into(), ..issued.session_coordinator.clone() })
        }
        Caller::Key => call.embed_key(&issued.key, INTRANET),
        Caller::KeyWrongOrigin => call.embed_key(&issued.key, "https://evil.example"),
        Caller::KeyRevoked => call.embed_key(&issued.revoked_key, INTRANET),
        _ => call,
    };
    if let Some(body) = &body {
        call = call.json(body);
    }
    call.send()
}

/// Whether `reply` is `{"error": {"code", "message"}}` as JSON, with a code and a message.
fn is_api_error(reply: &Reply) -> bool {
    let json = reply.header("content-type").is_some_and(|c| c.starts_with("application/json"));
    let body: Value = serde_json::from_slice(&reply.body).unwrap_or(Value::Null);
    let filled = |v: &Value| v.as_str().is_some_and(|s| !s.trim().is_empty());
    json && filled(&body["error"]["code"]) && filled(&body["error"]["message"])
}

/// The table as it came out, for the failure message: the expected status,
/// and `expected→got` where they differ.
fn render(rows: &[(&Row, Vec<u16>)]) -> String {
    let mut out = format!("{:<6} {:<74}", "", "request");
    for caller in CALLERS {
        out.push_str(&format!(" {:>9}", caller.label()));
    }
    out.push('\n');
    for (row, got) in rows {
        out.push_str(&format!("{:<6} {:<74}", row.method, row.target));
        for (caller, got) in CALLERS.iter().zip(got) {
            let expected = &row.expected(*caller);
            let cell = if expected == got { expected.to_string() } else { format!("{expected}→{got}") };
            out.push_str(&format!(" {cell:>9}"));
        }
        out.push('\n');
    }
    out
}

// ---------------------------------------------------------------------------
// The tests

#[test]
fn every_endpoint_answers_every_kind_of_caller_as_the_matrix_says() {
    let server = seeded_server();
    let issued = issue_credentials(&server);
    let mut results = Vec::new();
    let mut problems = Vec::new();
    for row in MATRIX {
        let mut got = Vec::new();
        for caller in CALLERS {
            let expected = row.expected(caller);
            let reply = run_cell(&server, &issued, row, caller);
            got.push(reply.status);
            let cell = format!("{} {} as {}", row.method, row.target, caller.label());
            let text = String::from_utf8_lossy(&reply.body).to_string();
            if reply.status != expected {
                problems.push(format!("{cell}: expected {expected}, got {}: {text:.300}", reply.status));
            }
            if reply.status >= 400 && !is_api_error(&reply) {
                problems
                    .push(format!("{cell}: the {} is not a JSON error of the API's shape: {text:.300}", reply.status));
            }
            // The feed shows the coordinator's whole calendar to the holder of
            // its secret, whatever else the request carries.
            let opened_by_secret = row.path == "/api/calendar/{feed}";
            if let Some(municipality) = caller.municipality().filter(|_| !opened_by_secret) {
                for secret in foreign_secrets(municipality) {
                    if text.contains(secret) {
                        problems.push(format!("{cell}: shows another municipality's {secret:?}: {text:.300}"));
                    }
                }
            }
        }
        results.push((row, got));
    }
    assert!(server.get("/api/health").send().status == 200, "the server still answers after the matrix");
    let table = render(&results);
    eprintln!("{} rows × {} callers = {} cells:\n{table}", MATRIX.len(), CALLERS.len(), MATRIX.len() * CALLERS.len());
    assert!(problems.is_empty(), "{} cell(s) wrong:\n{}\n\n{table}", problems.len(), problems.join("\n"));
}

#[test]
fn the_matrix_has_a_row_for_every_operation_of_the_openapi_document() {
    let server = TestServer::shared();
    let doc = server.get("/api/openapi.json").send().expect_status(200).json();
    let paths = doc["paths"].as_object().expect("the document has paths");
    let documented: BTreeSet<(String, String)> = paths
        .iter()
        .flat_map(|(path, item)| {
            let item = item.as_object().expect("a path item is an object");
            item.keys()
                .filter(|m| ["get", "put", "post", "delete", "patch", "head", "options", "trace"].contains(&m.as_str()))
                .map(|m| (m.to_uppercase(), path.clone()))
                .collect::<Vec<_>>()
        })
        .collect();
    let in_table: BTreeSet<(String, String)> =
        MATRIX.iter().map(|r| (r.method.to_string(), r.path.to_string())).collect();
    let missing: Vec<_> = documented.difference(&in_table).collect();
    let stale: Vec<_> = in_table.difference(&documented).collect();
    assert!(missing.is_empty(), "endpoints without a row in MATRIX (add one, with every caller's status): {missing:?}");
    assert!(stale.is_empty(), "rows of MATRIX for operations the OpenAPI document does not have: {stale:?}");
    // Each row's request is an instance of its documented path.
    for row in MATRIX {
        let sent = row.target.split('?').next().unwrap_or_default();
        let pattern: Vec<&str> = row.path.split('/').collect();
        let actual: Vec<&str> = sent.split('/').collect();
        let fits = pattern.len() == actual.len()
            && pattern.iter().zip(&actual).all(|(p, a)| p == a || (p.starts_with('{') && a.starts_with('{')));
        assert!(fits, "the row for {} {} sends {}", row.method, row.path, row.target);
    }
}

#[test]
fn an_unsigned_alg_none_token_is_refused_even_for_a_municipality_on_its_own_bookings() {
    // The matrix's alg-none caller claims to be the coordinator; a municipality
    // claim, on the municipality's own data, is refused as well.
    let server = TestServer::shared();
    let now = unix_now();
    let skive = unsigned_token(&json!({"role": "municipality", "municipality": SKIVE, "exp": now + 3600}));
    let (_, message) = server.get("/api/bookings").bearer(&skive).send().expect_error(401);
    assert!(message.contains("not valid"), "{message}");
    // Also with a signature part that is not empty, and with `alg` in other spellings.
    for header in [r#"{"alg":"none"}"#, r#"{"alg":"None","typ":"JWT"}"#, r#"{"alg":"NONE","typ":"JWT"}"#] {
        let payload = base64url(json!({"role": "coordinator", "exp": now + 3600}).to_string().as_bytes());
        for signature in ["", "c2lnbmF0dXJl"] {
            let token = format!("{}.{payload}.{signature}", base64url(header.as_bytes()));
            server.get("/api/coordinator/availability").bearer(&token).send().expect_error(401);
        }
    }
    // A token signed with the right secret but another HMAC algorithm is refused too.
    let key = jsonwebtoken::EncodingKey::from_secret(TEST_SECRET.as_bytes()).expect("a non-empty test secret");
    let hs512 = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS512),
        &json!({"role": "coordinator", "exp": now + 3600}),
        &key,
    )
    .expect("signing with HS512");
    server.get("/api/coordinator/availability").bearer(&hs512).send().expect_error(401);
}

#[test]
fn a_municipality_never_sees_another_municipalitys_contact_details_in_any_answer() {
    let server = seeded_server();
    let skive_id = book(&server, &SKIVE_CONTACT);
    let viborg = municipality_token(VIBORG);
    let viborg_booking = server.get("/api/bookings").bearer(&viborg).send().expect_status(200).json();
    let viborg_id = viborg_booking["bookings"][0]["id"].as_str().expect("Viborg's booking").to_string();
    let skive_booking = server.all_bookings().into_iter().find(|b| b["id"] == skive_id.as_str()).expect("listed");
    let skive_start = skive_booking["start"].as_str().expect("a start").to_string();

    // Everything Viborg can try that touches Skive, and what it may see of its own.
    let replies = [
        server.get("/api/bookings").bearer(&viborg).send(),
        server.get("/api/bookings?include_cancelled=true&from=2026-12-01&to=2027-01-31").bearer(&viborg).send(),
        server.get(&format!("/api/bookings?municipality={SKIVE}")).bearer(&viborg).send(),
        server.get(&format!("/api/bookings/{skive_id}/ics")).bearer(&viborg).send(),
        server.post(&format!("/api/bookings/{skive_id}/cancel")).bearer(&viborg).send(),
        server
            .post(&format!("/api/bookings/{skive_id}/reschedule"))
            .bearer(&viborg)
            .json(&json!({"start": skive_start}))
            .send(),
        // Its own booking onto Skive's time, and a new booking there: 409, saying nothing of whose time it is.
        server
            .post(&format!("/api/bookings/{viborg_id}/reschedule"))
            .bearer(&viborg)
            .json(&json!({"start": skive_start}))
            .send(),
        server.post("/api/bookings").bearer(&viborg).json(&VIBORG_CONTACT.booking("online", &skive_start)).send(),
        server.post("/api/bookings").bearer(&viborg).json(&SKIVE_CONTACT.booking("online", &skive_start)).send(),
        server
            .get(&format!("/api/slots?municipality={VIBORG}&kind=online&from=2026-12-02&to=2026-12-31"))
            .bearer(&viborg)
            .send(),
        server.get(&format!("/api/slots?municipality={SKIVE}")).bearer(&viborg).send(),
        server.get("/api/coordinator/agenda?from=2026-12-01&to=2026-12-31").bearer(&viborg).send(),
        server.get("/api/audit").bearer(&viborg).send(),
        server.get("/api/enrolment").bearer(&viborg).send(),
        server.get(&format!("/api/enrolment/{SKIVE}/history")).bearer(&viborg).send(),
    ];
    let statuses: Vec<u16> = replies.iter().map(|r| r.status).collect();
    assert_eq!(
        statuses,
        [200, 200, 403, 403, 403, 403, 409, 409, 403, 200, 403, 403, 403, 200, 403],
        "Viborg's answers"
    );
    for reply in &replies {
        let text = String::from_utf8_lossy(&reply.body);
        for secret in SKIVE_CONTACT.secrets().into_iter().chain([skive_id.as_str()]) {
            assert!(!text.contains(secret), "Viborg was shown Skive's {secret:?}: {text}");
        }
    }
    // Viborg sees Skive's time only as busy, and its own booking in full.
    let own = replies[0].json();
    assert_eq!(own["bookings"].as_array().map(Vec::len), Some(1), "{own}");
    assert_eq!(own["bookings"][0]["contact_email"], VIBORG_CONTACT.email);
    assert!(own["busy"].as_array().is_some_and(|b| !b.is_empty()), "Skive's booking shows as busy: {own}");
    // And the other way round: Skive sees nothing of Viborg.
    let skive = municipality_token(SKIVE);
    for reply in [
        server.get("/api/bookings").bearer(&skive).send(),
        server.get(&format!("/api/bookings/{viborg_id}/ics")).bearer(&skive).send(),
        server.post(&format!("/api/bookings/{viborg_id}/cancel")).bearer(&skive).send(),
    ] {
        let text = String::from_utf8_lossy(&reply.body);
        for secret in VIBORG_CONTACT.secrets().into_iter().chain([viborg_id.as_str()]) {
            assert!(!text.contains(secret), "Skive was shown Viborg's {secret:?}: {text}");
        }
    }
    // Nothing Viborg tried changed Skive's booking.
    let after = server.all_bookings().into_iter().find(|b| b["id"] == skive_id.as_str()).expect("still listed");
    assert_eq!(after, skive_booking, "Skive's booking is untouched");
}
