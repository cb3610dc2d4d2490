use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use super::*;

const ETAG_V1: &str = "\"v1\"";
const LAST_MODIFIED_V1: &str = "Wed, 21 Oct 2015 07:28:00 GMT";
const ICS: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n";

/// Every request the test server received, by its headers.
#[derive(Clone, Default)]
struct Seen(Arc<Mutex<Vec<HeaderMap>>>);

impl Seen {
    fn count(&self) -> usize {
        self.0.lock().unwrap().len()
    }
    fn last(&self) -> HeaderMap {
        self.0.lock().unwrap().last().cloned().unwrap()
    }
}

async fn calendar(State(seen): State<Seen>, headers: HeaderMap) -> Response {
    let unchanged = headers.get(header::IF_NONE_MATCH).is_some_and(|v| v == ETAG_V1);
    seen.0.lock().unwrap().push(headers);
    if unchanged {
        return StatusCode::NOT_MODIFIED.into_response();
    }
    let headers = [(header::ETAG, ETAG_V1), (header::LAST_MODIFIED, LAST_MODIFIED_V1)];
    (headers, format!("\u{feff}{ICS}")).into_response()
}

/// `/hop/n` redirects n times before answering with the calendar.
async fn hop(Path(n): Path<usize>) -> Response {
    match n {
        0 => ICS.into_response(),
        n => Redirect::to(&format!("/hop/{}", n - 1)).into_response(),
    }
}

/// Starts the test server on a loopback port; returns its address and what it received.
async fn server() -> (SocketAddr, Seen) {
    let seen = Seen::default();
    let record = |State(seen): State<Seen>, headers: HeaderMap| async move { seen.0.lock().unwrap().push(headers) };
    let router = Router::new()
        .route("/calendar.ics", get(calendar))
        .route("/error", get(|| async { StatusCode::INTERNAL_SERVER_ERROR }))
        .route("/large", get(|| async { vec![b'x'; 10 * 1024] }))
        .route("/hop/{n}", get(hop))
        .route("/to-credentials", get(|| async { Redirect::to("http://user:pw@127.0.0.1:1/") }))
        .fallback(record)
        .with_state(seen.clone());
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (addr, seen)
}

/// A raw server that reads the request and then answers with `response` (or nothing at all).
async fn raw_server(response: Option<Vec<u8>>) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let response = response.clone();
            tokio::spawn(async move {
                let mut request = [0; 4096];
                let _ = socket.read(&mut request).await;
                match response {
                    Some(response) => {
                        let _ = socket.write_all(&response).await;
                    }
                    // Hold the connection open without a word until the client gives up.
                    None => {
                        let _ = socket.read(&mut request).await;
                    }
                }
            });
        }
    });
    addr
}

fn fetcher(limits: FetchLimits, allow_private: bool) -> Fetcher {
    Fetcher::new(limits, allow_private).unwrap()
}

fn local() -> Fetcher {
    fetcher(FetchLimits::default(), true)
}

fn guarded() -> Fetcher {
    fetcher(FetchLimits::default(), false)
}

fn small() -> FetchLimits {
    FetchLimits { max_bytes: 1024, ..FetchLimits::default() }
}

#[tokio::test]
async fn calendar_comes_with_validators_and_unchanged_calendar_is_not_modified() {
    let (addr, seen) = server().await;
    let url = format!("http://{addr}/calendar.ics");
    let fetcher = local();

    let Fetched::Body { text, validators } = fetcher.fetch(&url, &Validators::default()).await.unwrap() else {
        panic!("expected a body");
    };
    assert_eq!(text, ICS, "the BOM is stripped");
    assert_eq!(validators.etag.as_deref(), Some(ETAG_V1));
    assert_eq!(validators.last_modified.as_deref(), Some(LAST_MODIFIED_V1));
    let first = seen.last();
    assert_eq!(first[header::USER_AGENT], "dk2020-planner (calendar subscription)");
    assert_eq!(first[header::ACCEPT], "text/calendar, */*;q=0.5");
    for never in [header::AUTHORIZATION, header::COOKIE, header::IF_NONE_MATCH, header::REFERER] {
        assert!(!first.contains_key(&never), "{never} was sent");
    }

    let again = fetcher.fetch(&url, &validators).await.unwrap();
    assert!(matches!(again, Fetched::NotModified), "{again:?}");
    let second = seen.last();
    assert_eq!(second[header::IF_NONE_MATCH], ETAG_V1);
    assert_eq!(second[header::IF_MODIFIED_SINCE], LAST_MODIFIED_V1);
}

#[tokio::test]
async fn server_error_is_reported_with_its_status() {
    let (addr, _) = server().await;
    let error = local().fetch(&format!("http://{addr}/error"), &Validators::default()).await.unwrap_err();
    assert_eq!(error, FetchError::Status { status: 500 });
    assert_eq!(error.code(), "http_status");
}

#[tokio::test]
async fn silent_server_times_out() {
    let addr = raw_server(None).await;
    let limits = FetchLimits { timeout: Duration::from_millis(300), ..FetchLimits::default() };
    let error = fetcher(limits, true).fetch(&format!("http://{addr}/"), &Validators::default()).await.unwrap_err();
    assert_eq!(error, FetchError::Timeout);
}

#[tokio::test]
async fn streamed_body_over_the_cap_is_too_large() {
    // Chunked, so no Content-Length warns in advance: the cap must hold while reading.
    let mut response = b"HTTP/1.1 200 OK\r\nContent-Type: text/calendar\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    for _ in 0..10 {
        response.extend_from_slice(b"400\r\n");
        response.extend_from_slice(&[b'x'; 1024]);
        response.extend_from_slice(b"\r\n");
    }
    response.extend_from_slice(b"0\r\n\r\n");
    let addr = raw_server(Some(response)).await;
    let error = fetcher(small(), true).fetch(&format!("http://{addr}/"), &Validators::default()).await.unwrap_err();
    assert_eq!(error, FetchError::TooLarge { max_bytes: 1024 });
}

#[tokio::test]
async fn declared_length_over_the_cap_is_too_large() {
    let (addr, _) = server().await;
    let error =
        fetcher(small(), true).fetch(&format!("http://{addr}/large"), &Validators::default()).await.unwrap_err();
    assert_eq!(error, FetchError::TooLarge { max_bytes: 1024 });
    assert!(error.to_string().contains("1 KiB"), "{error}");
}

#[tokio::test]
async fn redirects_within_the_limit_are_followed() {
    let (addr, _) = server().await;
    let fetched = local().fetch(&format!("http://{addr}/hop/3"), &Validators::default()).await.unwrap();
    assert!(matches!(fetched, Fetched::Body { ref text, .. } if text == ICS), "{fetched:?}");
}

#[tokio::test]
async fn redirect_chain_over_the_limit_is_refused() {
    let (addr, _) = server().await;
    let error = local().fetch(&format!("http://{addr}/hop/4"), &Validators::default()).await.unwrap_err();
    assert_eq!(error, FetchError::TooManyRedirects { max: 3 });
}

#[tokio::test]
async fn redirect_to_an_address_with_credentials_is_refused() {
    let (addr, _) = server().await;
    let error = local().fetch(&format!("http://{addr}/to-credentials"), &Validators::default()).await.unwrap_err();
    assert_eq!(error.code(), "bad_url", "{error}");
}

#[tokio::test]
async fn loopback_addresses_are_refused_without_a_request() {
    let (addr, seen) = server().await;
    let port = addr.port();
    for url in [
        format!("http://127.0.0.1:{port}/calendar.ics"),
        format!("http://[::ffff:127.0.0.1]:{port}/calendar.ics"),
        format!("http://2130706433:{port}/calendar.ics"),
        format!("webcal://127.1:{port}/calendar.ics"),
    ] {
        let error = guarded().fetch(&url, &Validators::default()).await.unwrap_err();
        assert!(matches!(error, FetchError::PrivateAddress { .. }), "{url}: {error:?}");
    }
    assert_eq!(seen.count(), 0);
}

#[tokio::test]
async fn host_name_resolving_to_loopback_is_refused_without_a_request() {
    let (addr, seen) = server().await;
    let url = format!("http://localhost:{}/calendar.ics", addr.port());
    let error = guarded().fetch(&url, &Validators::default()).await.unwrap_err();
    assert_eq!(error, FetchError::PrivateAddress { host: "localhost".into() });
    assert_eq!(seen.count(), 0);
}

#[tokio::test]
async fn metadata_address_is_refused_without_a_request() {
    let url = "http://169.254.169.254/latest/meta-data/?token=s3cret";
    let error = guarded().fetch(url, &Validators::default()).await.unwrap_err();
    assert_eq!(error, FetchError::PrivateAddress { host: "169.254.169.254".into() });
    assert_eq!(error.code(), "private_address");
    let message = error.to_string();
    assert!(!message.contains("meta-data") && !message.contains("s3cret"), "{message}");
}

#[tokio::test]
async fn private_and_ipv6_loopback_literals_are_refused() {
    for url in
        ["http://[::1]/", "http://10.0.0.1/", "http://[fd00::1]/", "http://0.0.0.0/", "http://[64:ff9b::a9fe:a9fe]/"]
    {
        let error = guarded().fetch(url, &Validators::default()).await.unwrap_err();
        assert!(matches!(error, FetchError::PrivateAddress { .. }), "{url}: {error:?}");
    }
}

#[test]
fn redirect_to_the_metadata_address_is_refused() {
    let next = Url::parse("http://169.254.169.254/latest/meta-data/").unwrap();
    assert_eq!(check_redirect(&next, 1, 3, false), Err(FetchError::PrivateAddress { host: "169.254.169.254".into() }));
    assert_eq!(check_redirect(&next, 1, 3, true), Ok(()), "allowed when private addresses are allowed");
    let mapped = Url::parse("http://[::ffff:169.254.169.254]/").unwrap();
    assert!(matches!(check_redirect(&mapped, 1, 3, false), Err(FetchError::PrivateAddress { .. })));
}

#[test]
fn redirect_checks_scheme_credentials_and_count() {
    let public = Url::parse("https://example.com/cal.ics").unwrap();
    assert_eq!(check_redirect(&public, 3, 3, false), Ok(()));
    assert_eq!(check_redirect(&public, 4, 3, false), Err(FetchError::TooManyRedirects { max: 3 }));
    for next in ["ftp://example.com/cal.ics", "file:///etc/passwd", "https://user:pw@example.com/"] {
        let next = Url::parse(next).unwrap();
        assert!(matches!(check_redirect(&next, 1, 3, false), Err(FetchError::BadUrl(_))), "{next}");
    }
}

#[test]
fn webcal_addresses_become_https() {
    assert_eq!(
        check_address("webcal://p01-calendars.icloud.com/published/2/abc").unwrap(),
        "https://p01-calendars.icloud.com/published/2/abc"
    );
    assert_eq!(check_address(" WEBCALS://Example.com/x.ics ").unwrap(), "https://example.com/x.ics");
    let google = "https://calendar.google.com/calendar/ical/a%40b.dk/private-123/basic.ics";
    assert_eq!(check_address(google).unwrap(), google);
}

#[test]
fn unusable_addresses_are_refused() {
    let long = format!("https://example.com/{}", "a".repeat(2048));
    for input in [
        "",
        "   ",
        "garbage",
        "calendar.google.com/basic.ics",
        "ftp://example.com/cal.ics",
        "mailto:someone@example.com",
        "https://user:pw@example.com/cal.ics",
        "https://user@example.com/cal.ics",
        "https://",
        "wébcal://example.com/",
        "webcal://",
        long.as_str(),
    ] {
        let error = check_address(input).unwrap_err();
        assert_eq!(error.code(), "bad_url", "{input:?}: {error:?}");
        assert!(!error.to_string().contains("pw"), "{error}");
    }
}

#[test]
fn forbidden_addresses_cover_non_public_ranges() {
    let forbidden = [
        "127.0.0.1",
        "127.255.255.254",
        "10.1.2.3",
        "172.16.0.1",
        "172.31.255.255",
        "192.168.1.1",
        "169.254.169.254",
        "0.0.0.0",
        "0.1.2.3",
        "100.64.0.1",
        "100.127.255.255",
        "224.0.0.1",
        "239.255.255.250",
        "255.255.255.255",
        "240.0.0.1",
        "192.0.0.8",
        "198.18.0.1",
        "198.19.255.255",
        "::",
        "::1",
        "fc00::1",
        "fd12:3456::1",
        "fe80::1",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:169.254.169.254",
        "::ffff:10.0.0.1",
        "::127.0.0.1",
        "64:ff9b::7f00:1",
        "64:ff9b::a9fe:a9fe",
        "2002:7f00:1::",
        "2002:a9fe:a9fe::1",
    ];
    let allowed = [
        "1.1.1.1",
        "8.8.8.8",
        "172.15.255.255",
        "172.32.0.1",
        "100.63.255.255",
        "100.128.0.1",
        "192.0.1.1",
        "198.20.0.1",
        "2a00:1450::1",
        "2606:4700:4700::1111",
        "::ffff:8.8.8.8",
        "64:ff9b::808:808",
        "2002:808:808::1",
    ];
    for ip in forbidden {
        assert!(is_forbidden(ip.parse().unwrap()), "{ip} should be forbidden");
    }
    for ip in allowed {
        assert!(!is_forbidden(ip.parse().unwrap()), "{ip} should be allowed");
    }
}

#[test]
fn error_codes_are_stable() {
    let codes = [
        (FetchError::BadUrl("x".into()), "bad_url"),
        (FetchError::PrivateAddress { host: "h".into() }, "private_address"),
        (FetchError::Status { status: 404 }, "http_status"),
        (FetchError::Timeout, "timeout"),
        (FetchError::TooLarge { max_bytes: 1 }, "too_large"),
        (FetchError::TooManyRedirects { max: 3 }, "too_many_redirects"),
        (FetchError::Network("x".into()), "network"),
    ];
    for (error, code) in codes {
        assert_eq!(error.code(), code);
    }
}

#[tokio::test]
async fn refused_connection_is_a_network_error_without_the_secret() {
    // Bind then drop, so the port is (almost certainly) closed.
    let port = TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap().port();
    let url = format!("http://127.0.0.1:{port}/private-s3cret/basic.ics");
    let error = local().fetch(&url, &Validators::default()).await.unwrap_err();
    assert_eq!(error.code(), "network", "{error:?}");
    assert!(!error.to_string().contains("s3cret"), "{error}");
}

#[tokio::test]
async fn extreme_limits_do_not_panic() {
    let (addr, _) = server().await;
    let url = format!("http://{addr}/calendar.ics");
    let unbounded = FetchLimits { max_bytes: usize::MAX, timeout: Duration::MAX, max_redirects: usize::MAX };
    assert!(matches!(fetcher(unbounded, true).fetch(&url, &Validators::default()).await, Ok(Fetched::Body { .. })));
    let nothing = FetchLimits { max_bytes: 0, timeout: Duration::from_secs(5), max_redirects: 0 };
    let fetcher = fetcher(nothing, true);
    assert_eq!(fetcher.fetch(&url, &Validators::default()).await.unwrap_err(), FetchError::TooLarge { max_bytes: 0 });
    let error = fetcher.fetch(&format!("http://{addr}/hop/1"), &Validators::default()).await.unwrap_err();
    assert_eq!(error, FetchError::TooManyRedirects { max: 0 });
    let odd = Validators { etag: Some("bad\nvalue".into()), last_modified: Some(String::new()) };
    assert!(local().fetch(&url, &odd).await.is_ok(), "invalid stored validators are skipped");
}
