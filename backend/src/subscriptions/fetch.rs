//! Fetching the published calendar (ICS) address a coordinator typed in.
//!
//! The server fetches a URL that a person chose, so this module is where server-side request
//! forgery is stopped: unless private addresses are explicitly allowed (local development,
//! tests), no connection is ever made to loopback, private, link-local (the cloud metadata
//! service at 169.254.169.254), or otherwise non-public addresses.
//!
//! Three places enforce that, because reqwest has three ways of reaching an address:
//! - IP literals in the typed URL are checked before the request is sent (reqwest connects to
//!   IP literals directly, without asking the resolver);
//! - host names go through [`GuardedResolver`], which drops forbidden addresses, so the
//!   connection only uses addresses that were checked (no gap for DNS rebinding);
//! - every redirect hop is checked by the redirect policy (scheme, credentials, IP literals;
//!   host names of the hop again go through the resolver).
//!
//! Proxies from the environment are disabled, since a proxy would resolve and connect for us.
//!
//! Error messages never contain the URL's path or query: published calendar addresses carry
//! their secret there (Google's "secret address", Outlook's publish link).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::header::{
    ACCEPT, ETAG, HeaderMap, HeaderName, HeaderValue, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED, USER_AGENT,
};
use reqwest::{StatusCode, redirect};
use url::{Host, Url};

const USER_AGENT_VALUE: &str = "dk2020-planner (calendar subscription)";
const ACCEPT_VALUE: &str = "text/calendar, */*;q=0.5";
/// Longer addresses are not calendar links but pasted text (and would bloat the store).
const MAX_ADDRESS_LEN: usize = 2048;

/// The cache validators of a fetched calendar, sent back on the next fetch so an unchanged
/// calendar costs a `304 Not Modified` instead of a full download.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// Bounds on one fetch, so a slow or hostile server cannot tie up the server or its memory.
#[derive(Clone, Copy, Debug)]
pub struct FetchLimits {
    /// The largest body accepted, in bytes.
    pub max_bytes: usize,
    /// The whole fetch: resolving, connecting, redirects and reading the body.
    pub timeout: Duration,
    /// How many redirects are followed before giving up.
    pub max_redirects: usize,
}

impl Default for FetchLimits {
    fn default() -> Self {
        // Large published calendars are a few hundred KiB; 5 MiB leaves ample room.
        Self { max_bytes: 5 * 1024 * 1024, timeout: Duration::from_secs(20), max_redirects: 3 }
    }
}

/// The outcome of a successful fetch.
#[derive(Debug)]
pub enum Fetched {
    /// The server confirmed that the calendar did not change since `validators` were taken.
    NotModified,
    /// The calendar's text, with the validators to send next time.
    Body { text: String, validators: Validators },
}

/// Why a calendar could not be fetched. The messages are meant for the coordinator, so they say
/// what to do; they name the host at most, never the path or query.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    #[error("The calendar address is not usable: {0}.")]
    BadUrl(String),
    #[error(
        "The calendar address leads to {host}, a local or private network address, which the server never fetches. \
         Use the calendar's public address."
    )]
    PrivateAddress { host: String },
    #[error("The calendar server answered with HTTP status {status}. {}", status_hint(*status))]
    Status { status: u16 },
    #[error("The calendar server did not answer in time. Try again later; if it keeps happening, check the address.")]
    Timeout,
    #[error("The calendar is larger than {}, the most the planner accepts. Publish a shorter period.", size(*max_bytes))]
    TooLarge { max_bytes: usize },
    #[error("The calendar address redirects more than {max} times. Open it in a browser and use the final address.")]
    TooManyRedirects { max: usize },
    #[error("The calendar server could not be reached ({0}). Check the address, or try again later.")]
    Network(String),
}

impl FetchError {
    /// A stable code for the API and the logs; the messages may be reworded, these never are.
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadUrl(_) => "bad_url",
            Self::PrivateAddress { .. } => "private_address",
            Self::Status { .. } => "http_status",
            Self::Timeout => "timeout",
            Self::TooLarge { .. } => "too_large",
            Self::TooManyRedirects { .. } => "too_many_redirects",
            Self::Network(_) => "network",
        }
    }
}

fn status_hint(status: u16) -> &'static str {
    match status {
        401 | 403 => "The calendar is not public: publish it again or copy its current ICS address.",
        404 | 410 => "The calendar was not found: it may no longer be published, or the address is incomplete.",
        429 => "The calendar service is limiting requests; the planner will try again later.",
        500..=599 => "The calendar service has a problem; the planner will try again later.",
        _ => "Check that the address is the calendar's ICS (iCalendar) address.",
    }
}

fn size(bytes: usize) -> String {
    const MIB: usize = 1024 * 1024;
    match bytes {
        b if b >= MIB && b % MIB == 0 => format!("{} MiB", b / MIB),
        b if b >= 1024 && b % 1024 == 0 => format!("{} KiB", b / 1024),
        b => format!("{b} bytes"),
    }
}

/// Parses and checks a typed address without fetching: http/https only (`webcal://` and
/// `webcals://` are rewritten to https, as Outlook and Apple hand them out), no user:password in
/// the URL, host present, at most 2048 chars. Returns the normalized URL string.
pub fn check_address(input: &str) -> Result<String, FetchError> {
    parse_address(input).map(String::from)
}

fn parse_address(input: &str) -> Result<Url, FetchError> {
    let bad = |reason: &str| FetchError::BadUrl(reason.to_owned());
    let input = input.trim();
    if input.is_empty() {
        return Err(bad("it is empty"));
    }
    if input.len() > MAX_ADDRESS_LEN {
        return Err(bad("it is too long for a calendar address"));
    }
    // webcal is not a real protocol, only a hint for calendar apps; the servers that hand it out
    // all serve the same address over https.
    let rewritten = ["webcal://", "webcals://"]
        .iter()
        .find_map(|prefix| strip_prefix_ignore_case(input, prefix))
        .map(|rest| format!("https://{rest}"));
    let url = Url::parse(rewritten.as_deref().unwrap_or(input))
        .map_err(|_| bad("it is not a web address (it should start with https://)"))?;
    check_url(&url).map_err(bad)?;
    if url.as_str().len() > MAX_ADDRESS_LEN {
        return Err(bad("it is too long for a calendar address"));
    }
    Ok(url)
}

fn strip_prefix_ignore_case<'a>(input: &'a str, prefix: &str) -> Option<&'a str> {
    // `get` instead of slicing: the input may have a multi-byte character at the cut.
    let head = input.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then(|| &input[prefix.len()..])
}

/// The checks every address must pass, typed or redirected to. Returns the reason it fails.
fn check_url(url: &Url) -> Result<(), &'static str> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err("only http and https addresses can be fetched");
    }
    // reqwest would turn user:password into an Authorization header; the planner never sends
    // credentials anywhere.
    if !url.username().is_empty() || url.password().is_some() {
        return Err("addresses with a user name or password are not accepted");
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("it has no host name");
    }
    Ok(())
}

/// Refuses a URL whose host is a forbidden IP literal. Needed because reqwest connects to IP
/// literals without consulting the resolver. Host names are left to [`GuardedResolver`].
fn check_ip_literal(url: &Url, allow_private: bool) -> Result<(), FetchError> {
    let ip = match url.host() {
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip),
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip),
        Some(Host::Domain(_)) | None => return Ok(()),
    };
    if !allow_private && is_forbidden(ip) {
        let host = url.host_str().unwrap_or_default().to_owned();
        return Err(FetchError::PrivateAddress { host });
    }
    Ok(())
}

/// Decides on one redirect hop; `previous` is how many URLs were requested so far in the chain
/// (the first redirect sees 1).
fn check_redirect(next: &Url, previous: usize, max_redirects: usize, allow_private: bool) -> Result<(), FetchError> {
    if previous > max_redirects {
        return Err(FetchError::TooManyRedirects { max: max_redirects });
    }
    check_url(next).map_err(|reason| FetchError::BadUrl(format!("it redirects to an address where {reason}")))?;
    check_ip_literal(next, allow_private)
}

/// Whether an address is one the server must never fetch unless private addresses are allowed.
pub fn is_forbidden(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(ip) => is_forbidden_v4(ip),
        IpAddr::V6(ip) => is_forbidden_v6(ip),
    }
}

fn is_forbidden_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    a == 0 // "this network", 0.0.0.0 connects to the local host on Linux
        || a == 10 // private
        || a == 127 // loopback
        || (a == 100 && (64..128).contains(&b)) // carrier-grade NAT, 100.64/10
        || (a == 169 && b == 254) // link-local, includes the cloud metadata service
        || (a == 172 && (16..32).contains(&b)) // private
        || (a == 192 && b == 168) // private
        || (a == 192 && b == 0 && (c == 0 || c == 2)) // IETF protocol assignments, TEST-NET-1
        || (a == 198 && (b == 18 || b == 19)) // benchmarking, 198.18/15
        || (a == 198 && b == 51 && c == 100) // TEST-NET-2
        || (a == 203 && b == 0 && c == 113) // TEST-NET-3
        || a >= 224 // multicast 224/4, reserved 240/4, broadcast
}

fn is_forbidden_v6(ip: Ipv6Addr) -> bool {
    // An IPv6 address that carries an IPv4 one reaches that IPv4 host, so it is judged by it.
    if let Some(v4) = embedded_v4(ip) {
        return is_forbidden_v4(v4);
    }
    let first = ip.segments()[0];
    (first & 0xfe00) == 0xfc00 // unique local, fc00::/7
        || (first & 0xffc0) == 0xfe80 // link-local, fe80::/10
        || (first & 0xffc0) == 0xfec0 // site-local (deprecated), fec0::/10
        || (first & 0xff00) == 0xff00 // multicast
        || ip.segments()[..3] == [0x64, 0xff9b, 1] // local-use NAT64, 64:ff9b:1::/48
}

fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let [.., a, b, c, d] = ip.octets();
    let low = Ipv4Addr::new(a, b, c, d);
    match ip.segments() {
        [0, 0, 0, 0, 0, 0xffff, _, _] => Some(low),    // IPv4-mapped, ::ffff:0:0/96
        [0, 0, 0, 0, 0, 0, _, _] => Some(low),         // IPv4-compatible, ::/96 (also :: and ::1)
        [0x64, 0xff9b, 0, 0, 0, 0, _, _] => Some(low), // NAT64, 64:ff9b::/96
        [0x2002, high, low16, ..] => {
            // 6to4, 2002::/16: the IPv4 address follows the prefix.
            let [a, b] = high.to_be_bytes();
            let [c, d] = low16.to_be_bytes();
            Some(Ipv4Addr::new(a, b, c, d))
        }
        _ => None,
    }
}

/// Resolves host names and keeps only the addresses the server may connect to. Because reqwest
/// connects to exactly the addresses returned here, a name cannot resolve to a public address
/// for a check and to a private one for the connection.
struct GuardedResolver {
    allow_private: bool,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let not_found = || FetchError::Network(format!("the host name {host} could not be found"));
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await.map_err(|_| not_found())?.collect();
            if found.is_empty() {
                return Err(not_found().into());
            }
            let allowed: Vec<SocketAddr> =
                found.into_iter().filter(|a| allow_private || !is_forbidden(a.ip())).collect();
            if allowed.is_empty() {
                return Err(FetchError::PrivateAddress { host }.into());
            }
            Ok(Box::new(allowed.into_iter()) as Addrs)
        })
    }
}

/// Fetches calendars. Holds one `reqwest::Client`, so connections and TLS sessions are reused
/// between the periodic fetches; build it once and share it.
#[derive(Clone, Debug)]
pub struct Fetcher {
    client: reqwest::Client,
    limits: FetchLimits,
    allow_private: bool,
}

impl Fetcher {
    /// `allow_private` turns the SSRF guard off; only for local development and tests.
    ///
    /// Fails only when the TLS backend cannot be initialised.
    pub fn new(limits: FetchLimits, allow_private: bool) -> Result<Self, FetchError> {
        let max_redirects = limits.max_redirects;
        let policy = redirect::Policy::custom(move |attempt| {
            match check_redirect(attempt.url(), attempt.previous().len(), max_redirects, allow_private) {
                Ok(()) => attempt.follow(),
                Err(error) => attempt.error(error),
            }
        });
        let mut headers = HeaderMap::new();
        headers.insert(USER_AGENT, HeaderValue::from_static(USER_AGENT_VALUE));
        headers.insert(ACCEPT, HeaderValue::from_static(ACCEPT_VALUE));
        let client = reqwest::Client::builder()
            // A proxy would resolve and connect on our behalf, out of the guard's reach.
            .no_proxy()
            .dns_resolver(GuardedResolver { allow_private })
            .redirect(policy)
            // reqwest sends the previous URL as Referer on redirects by default; that would hand
            // the calendar's secret address to whichever host it redirects to.
            .referer(false)
            .timeout(limits.timeout)
            .default_headers(headers)
            .build()
            .map_err(|e| FetchError::Network(format!("the HTTP client could not be set up: {}", describe(&e))))?;
        Ok(Self { client, limits, allow_private })
    }

    /// Fetches `url` (a typed address, checked by [`check_address`]) conditionally on `validators`.
    pub async fn fetch(&self, url: &str, validators: &Validators) -> Result<Fetched, FetchError> {
        let url = parse_address(url)?;
        check_ip_literal(&url, self.allow_private)?;
        // reqwest's own timeout covers the request too, but this one also bounds reading the
        // body chunk by chunk and resolving, whatever reqwest does internally.
        tokio::time::timeout(self.limits.timeout, self.fetch_checked(url, validators))
            .await
            .unwrap_or(Err(FetchError::Timeout))
    }

    async fn fetch_checked(&self, url: Url, validators: &Validators) -> Result<Fetched, FetchError> {
        let mut request = self.client.get(url);
        let conditional = [(IF_NONE_MATCH, &validators.etag), (IF_MODIFIED_SINCE, &validators.last_modified)];
        let mut sent_validator = false;
        for (name, value) in conditional {
            // A stored validator that is not a valid header value is skipped, not an error: the
            // fetch then simply downloads the full calendar.
            if let Some(value) = value.as_deref().and_then(|v| HeaderValue::from_str(v).ok()) {
                request = request.header(name, value);
                sent_validator = true;
            }
        }
        let mut response = request.send().await.map_err(from_reqwest)?;
        let status = response.status();
        // A 304 only means something when validators were sent; otherwise there is nothing to reuse.
        if status == StatusCode::NOT_MODIFIED && sent_validator {
            return Ok(Fetched::NotModified);
        }
        if !status.is_success() {
            return Err(FetchError::Status { status: status.as_u16() });
        }
        let max_bytes = self.limits.max_bytes;
        let too_large = FetchError::TooLarge { max_bytes };
        let declared = response.content_length().unwrap_or(0);
        if declared > max_bytes as u64 {
            return Err(too_large);
        }
        let validators = Validators {
            etag: header_text(response.headers(), &ETAG),
            last_modified: header_text(response.headers(), &LAST_MODIFIED),
        };
        // The cap is enforced while reading, since Content-Length may be absent or wrong.
        let mut body = Vec::with_capacity(declared as usize);
        while let Some(chunk) = response.chunk().await.map_err(from_reqwest)? {
            if body.len().saturating_add(chunk.len()) > max_bytes {
                return Err(too_large);
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Fetched::Body { text: decode(&body), validators })
    }
}

/// A validator as the server sent it; a longer one than any real server's is
/// dropped (the next fetch is then a full one), so it cannot bloat the stored
/// subscription past DynamoDB's item limit.
fn header_text(headers: &HeaderMap, name: &HeaderName) -> Option<String> {
    const MAX_VALIDATOR: usize = 256;
    let value = headers.get(name)?.to_str().ok()?.trim();
    (!value.is_empty() && value.len() <= MAX_VALIDATOR).then(|| value.to_owned())
}

/// ICS is UTF-8 by specification (RFC 5545); a stray invalid byte should not lose the calendar.
fn decode(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    String::from_utf8_lossy(bytes).into_owned()
}

/// Maps a reqwest error to ours. Errors raised by the resolver and the redirect policy are
/// `FetchError`s inside reqwest's error chain and come back out unchanged.
fn from_reqwest(error: reqwest::Error) -> FetchError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&error);
    while let Some(e) = source {
        if let Some(ours) = e.downcast_ref::<FetchError>() {
            return ours.clone();
        }
        source = e.source();
    }
    if error.is_timeout() {
        return FetchError::Timeout;
    }
    let what = if error.is_connect() {
        "could not connect"
    } else if error.is_body() || error.is_decode() {
        "the connection broke while downloading"
    } else {
        "the request failed"
    };
    FetchError::Network(format!("{what}: {}", describe(&error)))
}

/// The innermost cause outside reqwest (an I/O, TLS or HTTP protocol error). reqwest's own
/// errors print the full URL, secret included, so their text is never used.
fn describe(error: &reqwest::Error) -> String {
    let mut cause = None;
    let mut source = std::error::Error::source(error);
    while let Some(e) = source {
        if !e.is::<reqwest::Error>() {
            cause = Some(e);
        }
        source = e.source();
    }
    cause.map_or_else(|| "no further detail".to_owned(), ToString::to_string)
}

#[cfg(test)]
mod tests;
