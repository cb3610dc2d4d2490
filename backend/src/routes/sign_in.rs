//! Staff sign-in, outside `/api` (browser pages and redirects, not API
//! calls): `GET /auth/login` (to the OpenID provider, or the dev sign-in
//! page), `GET /auth/callback`, `POST /auth/logout` (this browser, or
//! `everywhere`), `POST /auth/dev` (a demo user, loopback only), and the
//! staff page `/`: the Danish sign-in page before, the role's views after.

use axum::{
    Form, Router,
    extract::{Query, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{Html, IntoResponse, Redirect, Response},
    routing::{get, post},
};
use dk2020_model::{
    Actor, Email, MunicipalityCode,
    audit::{AuditKind, Via},
    credential::{CredentialKind, Grant},
    sign_in::{self, EmailDomains},
};
use jiff::SignedDuration;
use serde::{Deserialize, Serialize};

use crate::{
    audit::{Change, record_as},
    error::ApiError,
    oidc::PendingLogin,
    secret,
    session::{self, Provider},
    state::AppState,
    store::SettingsExt,
};

/// The cookie that carries a sign-in in progress (signed, 10 minutes).
const LOGIN_COOKIE: &str = "dk2020_login";
const LOGIN_MINUTES: i64 = 10;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(staff_page))
        .route("/auth/login", get(login))
        .route("/auth/callback", get(callback))
        .route("/auth/logout", post(logout))
        .route("/auth/dev", post(dev_sign_in))
        .route("/dev/demo-key", get(demo_key))
}

/// A sign-in in progress, as the login cookie keeps it.
#[derive(Debug, Serialize, Deserialize)]
struct Pending {
    #[serde(flatten)]
    login: PendingLogin,
    /// Until when it counts (Unix seconds, the app's clock).
    until: i64,
}

pub(crate) fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

/// A page of the sign-in, in Danish, with the product's look, served at
/// the root (`/`, `/privatliv`).
pub(crate) fn page(status: StatusCode, title: &str, body: &str) -> Response {
    page_at("", status, title, body)
}

/// A page served under `/auth/`: its links lead one level up.
fn auth_page(status: StatusCode, title: &str, body: &str) -> Response {
    page_at("../", status, title, body)
}

/// Links are relative (`root` leads to the root), so the pages work under
/// API Gateway's stage as on the local server.
fn page_at(root: &str, status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        r#"<!doctype html>
<html lang="da">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · DK2020-planlægger</title>
<style>{STYLE}</style>
</head>
<body>
<header><h1>DK2020-planlægger · Region Midtjylland</h1></header>
<main>
<h2>{title}</h2>
{body}
</main>
<footer><p><a href="{root}privatliv">Sådan behandler vi personoplysninger</a></p></footer>
</body>
</html>
"#,
        title = escape(title),
    );
    // `same-origin`, not the API's `no-referrer`: under that a browser sends
    // `Origin: null` with the page's forms, and the origin check needs it.
    (status, [(header::CONTENT_SECURITY_POLICY, CSP), (header::REFERRER_POLICY, "same-origin")], Html(html))
        .into_response()
}

/// The pages' policy: everything from the app itself; `blob:` for the
/// downloads the widget makes (an .ics, a CSV), which a page may read back.
const CSP: &str = "default-src 'self'; script-src 'self' 'unsafe-inline' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; connect-src 'self' blob:; form-action 'self'; frame-ancestors 'none'";

const STYLE: &str = r#"
  body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #1a1a1a; background: #f6f7f5; }
  header { background: #0b5d3b; color: #fff; padding: 1rem 1.5rem; }
  header h1 { margin: 0; font-size: 1.4rem; }
  main { max-width: 64rem; margin: 0 auto; padding: 1.5rem; }
  footer { max-width: 64rem; margin: 0 auto; padding: 0 1.5rem 2rem; font-size: 0.9rem; }
  footer a { color: #0b5d3b; }
  nav ul { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: .5rem; }
  nav a, button, .button { display: inline-block; padding: .5rem .9rem; border-radius: .4rem; background: #fff; color: #0b5d3b; border: 1px solid #0b5d3b; text-decoration: none; font: inherit; cursor: pointer; }
  nav a[aria-current="page"], .primary { background: #0b5d3b; color: #fff; }
  nav a:focus, nav a:hover, button:focus, button:hover, .button:focus, .button:hover { outline: 3px solid #f2a900; outline-offset: 2px; }
  .who { display: flex; flex-wrap: wrap; gap: .75rem; align-items: center; }
  .who form { display: inline; margin: 0; }
  .users { list-style: none; padding: 0; display: grid; grid-template-columns: repeat(auto-fill, minmax(14rem, 1fr)); gap: .5rem; }
  .users button { width: 100%; text-align: left; }
  .problem { background: #fff4d6; border: 1px solid #b37f00; padding: 1rem; border-radius: .4rem; }
  #missing { background: #fff4d6; border: 1px solid #b37f00; padding: 1rem; border-radius: .4rem; }
"#;

/// The staff page: the public address's root (under API Gateway's stage).
fn home(state: &AppState) -> String {
    match state.sign_in.public_url.as_deref() {
        Some(url) => format!("{}/", url.trim_end_matches('/')),
        None => "/".into(),
    }
}

fn sign_in_not_set_up() -> Response {
    auth_page(
        StatusCode::SERVICE_UNAVAILABLE,
        "Log-in er ikke sat op",
        "<p class=\"problem\">Denne installation har ingen log-in-tjeneste (DK2020_OIDC_ISSUER). Kontakt den, der driver DK2020-planlæggeren.</p>",
    )
}

fn cookie(name: &str, value: &str, path: &str, max_age: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!("{name}={value}; Path={path}; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"))
        .expect("a valid cookie")
}

async fn login(State(state): State<AppState>) -> Response {
    match &state.sign_in.provider {
        Provider::None => sign_in_not_set_up(),
        Provider::Dev => dev_page(),
        Provider::Oidc(oidc) => match oidc.authorize_url().await {
            Ok((url, login)) => {
                let until = (state.now() + SignedDuration::from_mins(LOGIN_MINUTES)).as_second();
                let signed = state.keys.sign_value(&Pending { login, until });
                let secure = state.sign_in.public_url.as_deref().is_some_and(|u| u.starts_with("https://"));
                let mut response = Redirect::to(&url).into_response();
                response
                    .headers_mut()
                    .insert(header::SET_COOKIE, cookie(LOGIN_COOKIE, &signed, "/", LOGIN_MINUTES * 60, secure));
                response
            }
            Err(e) => {
                tracing::error!(error = %e, "the OpenID provider cannot be reached");
                auth_page(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "Log-in-tjenesten svarer ikke",
                    "<p class=\"problem\">Log-in-tjenesten kan ikke nås lige nu. Prøv igen om lidt.</p>",
                )
            }
        },
    }
}

#[derive(Debug, Deserialize)]
struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    iss: Option<String>,
    error: Option<String>,
}

fn refused(message: &str) -> Response {
    let body = format!(
        "<p class=\"problem\">{}</p><p><a class=\"button\" href=\"login\">Prøv at logge ind igen</a></p>",
        escape(message)
    );
    auth_page(StatusCode::BAD_REQUEST, "Log-in mislykkedes", &body)
}

async fn callback(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<CallbackQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Provider::Oidc(oidc) = &state.sign_in.provider else { return sign_in_not_set_up() };
    let Ok(Query(query)) = query else { return refused("Svaret fra log-in-tjenesten kunne ikke læses.") };
    if query.error.is_some() {
        return refused("Log-in-tjenesten afviste log-in. Prøv igen, eller kontakt jeres it-afdeling.");
    }
    let pending = session::cookie_value(&headers, LOGIN_COOKIE)
        .and_then(|signed| state.keys.verify_value::<Pending>(signed))
        .filter(|p| p.until > state.now().as_second());
    let Some(pending) = pending else {
        return refused("Log-in tog for lang tid, eller det blev startet i en anden browser. Start forfra.");
    };
    let state_matches = query.state.as_deref().is_some_and(|s| secret::same(s, &pending.login.state));
    let issuer_matches =
        query.iss.as_deref().is_none_or(|iss| iss.trim_end_matches('/') == oidc.settings.issuer.trim_end_matches('/'));
    let (Some(code), true, true) = (query.code.as_deref(), state_matches, issuer_matches) else {
        tracing::warn!("a sign-in callback with a state or issuer that does not match was refused");
        return refused("Svaret fra log-in-tjenesten hører ikke til dette log-in. Start forfra.");
    };
    let identity = match oidc.finish(code, &pending.login, state.now()).await {
        Ok(identity) => identity,
        Err(e) => {
            tracing::warn!(error = %e, "a sign-in was refused");
            return refused("Log-in kunne ikke bekræftes. Start forfra.");
        }
    };
    let email = identity.email.as_deref().and_then(|e| Email::parse(e).ok());
    let domains = match state.store.setting::<EmailDomains>().await {
        Ok(domains) => domains,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let roles = sign_in::RoleGroups {
        coordinator: oidc.settings.coordinator_groups.clone(),
        secretariat: oidc.settings.secretariat_groups.clone(),
    };
    match sign_in::actor_for(email.as_ref(), &identity.groups, &roles, &domains) {
        Ok(actor) => signed_in(&state, actor, email.expect("an actor has an e-mail")).await,
        Err(refusal) => auth_page(
            StatusCode::FORBIDDEN,
            "Ingen adgang",
            &format!("<p class=\"problem\">{}</p>", escape(&refusal.danish())),
        ),
    }
}

/// A session for `actor`, its cookie set, and on to the staff page.
async fn signed_in(state: &AppState, actor: Actor, email: Email) -> Response {
    let (secret_value, session) = match session::start(state, actor, email.clone()).await {
        Ok(started) => started,
        Err(e) => return e.into_response(),
    };
    let via = Via::Session { id: session.id.clone(), email: Some(email) };
    record_as(state, actor, via, AuditKind::SignedIn, Change::new(format!("{actor} loggede ind"))).await;
    let mut response = Redirect::to(&home(state)).into_response();
    let headers = response.headers_mut();
    headers.append(header::SET_COOKIE, state.sign_in.session_cookie(&secret_value));
    headers.append(header::SET_COOKIE, cookie(LOGIN_COOKIE, "", "/", 0, false));
    response
}

#[derive(Debug, Deserialize)]
struct LogoutForm {
    csrf: String,
    #[serde(default)]
    everywhere: Option<String>,
}

async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<LogoutForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    if let Err(e) = session::check_same_origin(&headers, &state) {
        return e.into_response();
    }
    let session = match session::from_cookie(&headers) {
        Some(value) => match session::session(&state, value).await {
            Ok(session) => session,
            Err(e) => return e.into_response(),
        },
        None => None,
    };
    let mut response = Redirect::to(&home(&state)).into_response();
    response.headers_mut().insert(header::SET_COOKIE, state.sign_in.cleared_cookie());
    let Some(session) = session else { return response };
    let Grant::Session { actor, email, csrf } = &session.grant else { return response };
    let Ok(Form(form)) = form else { return ApiError::bad_request("the sign-out form is incomplete").into_response() };
    if !secret::same(&form.csrf, csrf) {
        return ApiError::Forbidden("reload the page and sign out again".into()).into_response();
    }
    let everywhere = form.everywhere.is_some();
    let ended = if everywhere {
        session::end_everywhere(&state, email).await
    } else {
        state.store.delete_credential(CredentialKind::Session, &session.hash).await.map(|()| 1).map_err(Into::into)
    };
    if let Err(e) = ended {
        return e.into_response();
    }
    let summary = if everywhere { format!("{actor} loggede ud alle steder") } else { format!("{actor} loggede ud") };
    let via = Via::Session { id: session.id.clone(), email: Some(email.clone()) };
    record_as(&state, *actor, via, AuditKind::SignedOut, Change::new(summary)).await;
    response
}

/// The demo users of the dev sign-in: the coordinator, the secretariat and
/// one person in each municipality (`demo@<its domain>`).
fn demo_users() -> Vec<(String, Actor, Email)> {
    let mut users = vec![
        ("coordinator".to_string(), Actor::Coordinator, Email::parse("koordinator@dk2020.invalid").expect("valid")),
        ("secretariat".to_string(), Actor::Secretariat, Email::parse("sekretariat@dk2020.invalid").expect("valid")),
    ];
    let domains = EmailDomains::default();
    let mut municipal: Vec<_> = domains.domains.iter().collect();
    municipal.sort_by_key(|(_, code)| code.name());
    for (domain, code) in municipal {
        let email = Email::parse(&format!("demo@{domain}")).expect("valid");
        users.push((code.get().to_string(), Actor::Municipality { municipality: *code }, email));
    }
    users
}

fn dev_page() -> Response {
    let mut list = String::new();
    for (user, actor, email) in demo_users() {
        let name = match actor {
            Actor::Coordinator => "Klimakoordinatoren".to_string(),
            Actor::Secretariat => "Sekretariatet (KKR)".to_string(),
            Actor::Municipality { municipality } => format!("{} Kommune", municipality.name()),
        };
        list.push_str(&format!(
            "<li><form method=\"post\" action=\"dev\"><input type=\"hidden\" name=\"user\" value=\"{}\"><button type=\"submit\" data-user=\"{}\">{} <small>({})</small></button></form></li>\n",
            escape(&user),
            escape(&user),
            escape(&name),
            escape(email.as_str())
        ));
    }
    let body = format!(
        "<p>Udviklings-log-in: ingen log-in-tjeneste er sat op, og serveren lytter kun på denne maskine. Vælg en demobruger.</p>\n<ul class=\"users\">\n{list}</ul>"
    );
    auth_page(StatusCode::OK, "Log ind som demobruger", &body)
}

#[derive(Debug, Deserialize)]
struct DevForm {
    user: String,
}

async fn dev_sign_in(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<DevForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    if !matches!(state.sign_in.provider, Provider::Dev) {
        return ApiError::NotFound("there is no dev sign-in here".into()).into_response();
    }
    if let Err(e) = session::check_same_origin(&headers, &state) {
        return e.into_response();
    }
    let Ok(Form(form)) = form else { return ApiError::bad_request("choose a demo user").into_response() };
    match demo_users().into_iter().find(|(user, _, _)| *user == form.user) {
        Some((_, actor, email)) => signed_in(&state, actor, email).await,
        None => ApiError::bad_request(format!("there is no demo user {:?}", form.user)).into_response(),
    }
}

/// The views of each role on the staff page, with their Danish names.
fn views_of(actor: Actor) -> &'static [(&'static str, &'static str)] {
    match actor {
        Actor::Coordinator => &[("coordinator", "Kalender, tilgængelighed og besøg")],
        Actor::Secretariat => &[
            ("secretariat", "Tilmelding, indbyggertal, nøgler og revisionslog"),
            ("overview", "Tilmeldingsoversigt"),
            ("budget", "Budget og fordeling"),
        ],
        Actor::Municipality { .. } => &[("booking", "Book DK2020-vejledning")],
    }
}

/// Views anyone may open without signing in.
const PUBLIC_VIEWS: [(&str, &str); 2] = [("overview", "Tilmeldingsoversigt (KKR)"), ("budget", "Budget og fordeling")];

#[derive(Debug, Deserialize)]
struct PageQuery {
    view: Option<String>,
}

async fn staff_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<PageQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let wanted = query.ok().and_then(|Query(q)| q.view);
    let session = match session::from_cookie(&headers) {
        Some(value) => session::session(&state, value).await.ok().flatten(),
        None => None,
    };
    let Some(session) = session else {
        let public = wanted.as_deref().and_then(|w| PUBLIC_VIEWS.iter().find(|(v, _)| *v == w));
        return signed_out_page(public.map(|(v, _)| *v), &state);
    };
    let Grant::Session { actor, email, csrf } = &session.grant else { return signed_out_page(None, &state) };
    let views = views_of(*actor);
    let view = wanted.as_deref().and_then(|w| views.iter().find(|(v, _)| *v == w)).unwrap_or(&views[0]).0;
    let nav: String = views
        .iter()
        .map(|(v, name)| {
            let current = if *v == view { " aria-current=\"page\"" } else { "" };
            format!("<li><a href=\"?view={v}\"{current}>{}</a></li>", escape(name))
        })
        .collect();
    let municipality =
        actor.municipality().map(|m: MunicipalityCode| format!(" municipality=\"{}\"", m.get())).unwrap_or_default();
    let body = format!(
        r#"<div class="who"><span>Logget ind som <strong>{who}</strong> ({email})</span>
<form method="post" action="auth/logout"><input type="hidden" name="csrf" value="{csrf}"><button type="submit">Log ud</button></form>
<form method="post" action="auth/logout"><input type="hidden" name="csrf" value="{csrf}"><input type="hidden" name="everywhere" value="1"><button type="submit">Log ud alle steder</button></form></div>
<nav aria-label="Visninger"><ul>{nav}</ul></nav>
<div id="app"><dk2020-widget view="{view}" api="" session="{csrf}"{municipality}></dk2020-widget></div>
<p id="missing" hidden>Widgetten er ikke bygget endnu. Kør <code>cargo xtask serve</code> (eller <code>cargo xtask widget</code>) for at bygge den.</p>
<script type="module">
  const el = document.querySelector("dk2020-widget");
  el.setAttribute("api", location.origin);
  import("{widget}/dk2020-widget.js").catch(() => {{ document.getElementById("missing").hidden = false; }});
</script>"#,
        who = escape(&actor.to_string()),
        email = escape(email.as_str()),
        csrf = escape(csrf),
        widget = escape(&state.sign_in.widget_base()),
    );
    page(StatusCode::OK, "Din side", &body)
}

fn signed_out_page(public_view: Option<&str>, state: &AppState) -> Response {
    let nav: String = PUBLIC_VIEWS
        .iter()
        .map(|(v, name)| {
            let current = if Some(*v) == public_view { " aria-current=\"page\"" } else { "" };
            format!("<li><a href=\"?view={v}\"{current}>{}</a></li>", escape(name))
        })
        .collect();
    let widget = match public_view {
        Some(view) => format!(
            r#"<div id="app"><dk2020-widget view="{view}" api=""></dk2020-widget></div>
<p id="missing" hidden>Widgetten er ikke bygget endnu. Kør <code>cargo xtask serve</code> (eller <code>cargo xtask widget</code>) for at bygge den.</p>
<script type="module">
  document.querySelector("dk2020-widget").setAttribute("api", location.origin);
  import("{}/dk2020-widget.js").catch(() => {{ document.getElementById("missing").hidden = false; }});
</script>"#,
            escape(&state.sign_in.widget_base())
        ),
        None => String::new(),
    };
    let body = format!(
        r#"<p>Klimakoordinatoren, sekretariatet og kommunernes medarbejdere logger ind med deres arbejdskonto.</p>
<p><a class="button primary" href="auth/login">Log ind</a></p>
<nav aria-label="Offentlige visninger"><ul>{nav}<li><a href="api/docs">API-beskrivelse</a></li></ul></nav>
{widget}"#
    );
    page(StatusCode::OK, "Log ind", &body)
}

/// The demo embed key's label: each start of the dev server revokes the
/// previous one and makes a new one.
const DEMO_KEY_LABEL: &str = "Demo-intranetsiden (cargo xtask serve)";

/// A fresh embed key for Skive, usable from the dev server's own origin
/// (its demo intranet page), the earlier ones revoked.
pub async fn issue_demo_key(
    store: &dyn crate::store::Store,
    now: jiff::Timestamp,
    origin: &str,
) -> anyhow::Result<String> {
    use dk2020_model::credential::{Credential, Origin};
    for old in store.credentials(CredentialKind::EmbedKey).await? {
        if old.label == DEMO_KEY_LABEL && old.revoked_at.is_none() {
            store.save_credential(&old.revoked(now)).await?;
        }
    }
    let key = secret::new_secret(CredentialKind::EmbedKey.secret_prefix());
    let origins = vec![Origin::parse(origin).map_err(anyhow::Error::msg)?];
    let skive = MunicipalityCode::new(779).expect("Skive is one of the 19");
    let credential = Credential {
        id: crate::routes::new_id(CredentialKind::EmbedKey.id_prefix(), now),
        hash: secret::hash(&key),
        label: DEMO_KEY_LABEL.into(),
        grant: Grant::EmbedKey { municipality: skive, origins },
        created_by: "dk2020-api serve".into(),
        created_at: now,
        last_used: None,
        revoked_at: None,
        expires_at: None,
    };
    store.add_credential(&credential).await?;
    Ok(key)
}

/// The demo intranet page's key, on the dev server only: the page plays an
/// intranet, whose HTML would hold its key.
async fn demo_key(State(state): State<AppState>) -> Response {
    match (&state.sign_in.provider, &state.sign_in.demo_key) {
        (Provider::Dev, Some(key)) => ([(header::CACHE_CONTROL, "no-store")], key.clone()).into_response(),
        _ => ApiError::NotFound("there is no demo key here".into()).into_response(),
    }
}
