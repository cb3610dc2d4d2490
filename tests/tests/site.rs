//! What `dk2020-api serve` sends besides the API: the widget and the demo page
//! built into the binary, so an installed binary serves them from any folder,
//! and answers compressed with gzip or brotli when the client asks.

use std::{
    io::Read,
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use dk2020_e2e::{Reply, TestServer, api_binary};

/// The built widget the binary embeds (`cargo xtask widget` writes it), or
/// `None` after saying why the test skips: without the widget the binary has
/// nothing to embed. Under `cargo xtask test` (`DK2020_BROWSER_TESTS=1`), which
/// builds the widget before the binary, a missing one is a failure.
fn built_widget(test: &str) -> Option<PathBuf> {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ is inside the workspace");
    let dir =
        std::env::var_os("DK2020_WIDGET_DIR").map(PathBuf::from).unwrap_or_else(|| workspace.join("target/widget"));
    if dir.join("dk2020-widget.js").is_file() {
        return Some(dir);
    }
    let message = format!("{test}: no built widget in {}; `cargo xtask widget` builds it", dir.display());
    if std::env::var("DK2020_BROWSER_TESTS").is_ok_and(|v| v == "1") {
        panic!("{message}");
    }
    eprintln!("SKIPPED {message}");
    None
}

/// A `dk2020-api serve` started by hand; killed when dropped.
struct Served {
    child: Child,
    base: String,
    log: PathBuf,
}

impl Served {
    /// `binary serve --addr …` in `cwd`, with no `DK2020_*` variable set: the
    /// defaults an operator gets.
    fn start(binary: &Path, cwd: &Path) -> Self {
        let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port();
        let log = cwd.join("server.log");
        let mut cmd = Command::new(binary);
        cmd.current_dir(cwd)
            .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
            .env_remove("AWS_LAMBDA_RUNTIME_API")
            .env_remove("AWS_ENDPOINT_URL")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("a log file"));
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("DK2020_") {
                cmd.env_remove(name);
            }
        }
        let child = cmd.spawn().unwrap_or_else(|e| panic!("starting {}: {e}", binary.display()));
        let mut served = Served { child, base: format!("http://127.0.0.1:{port}"), log };
        served.wait_until_healthy();
        served
    }

    fn wait_until_healthy(&mut self) {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("the server's status") {
                panic!("the server exited with {status}: {}", std::fs::read_to_string(&self.log).unwrap_or_default());
            }
            if get(&format!("{}/api/health", self.base), None).is_some_and(|r| r.status == 200) {
                return;
            }
            assert!(started.elapsed() < Duration::from_secs(30), "the server did not come up");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// GET `url` with `Accept-Encoding: encoding` (none when `None`), the body as
/// it came over the wire; `None` when nothing answers.
fn get(url: &str, encoding: Option<&str>) -> Option<Reply> {
    let client = reqwest::blocking::Client::builder().no_proxy().timeout(Duration::from_secs(30)).build().ok()?;
    let mut request = client.get(url);
    if let Some(encoding) = encoding {
        request = request.header("accept-encoding", encoding);
    }
    let response = request.send().ok()?;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.bytes().ok()?.to_vec();
    Some(Reply { status, headers, body })
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes).read_to_end(&mut out).expect("a gzip body");
    out
}

fn unbrotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    brotli::Decompressor::new(bytes, 4096).read_to_end(&mut out).expect("a brotli body");
    out
}

/// `cargo install --path backend`, then `dk2020-api serve` in a folder of
/// one's own: the binary (copied away from the workspace) started in an
/// empty folder, without `DK2020_WIDGET_DIR`, serves the widget's loader, its
/// wasm and the demo page, byte for byte what `cargo xtask widget` built.
#[test]
fn an_installed_binary_serves_the_widget_and_the_demo_page_from_any_folder() {
    let Some(widget) = built_widget("an_installed_binary_serves_the_widget_and_the_demo_page_from_any_folder") else {
        return;
    };
    let install = tempfile::tempdir().expect("a temporary directory");
    let binary = install.path().join(api_binary().file_name().expect("the binary's name"));
    std::fs::copy(api_binary(), &binary).expect("copying the binary");
    let elsewhere = tempfile::tempdir().expect("a temporary directory");
    let server = Served::start(&binary, elsewhere.path());

    for (path, file, content_type) in [
        ("/widget/dk2020-widget.js", "dk2020-widget.js", "javascript"),
        ("/widget/booking/dk2020_widget_bg.wasm", "booking/dk2020_widget_bg.wasm", "application/wasm"),
        ("/widget/full/dk2020_widget.js", "full/dk2020_widget.js", "javascript"),
        ("/demo/intranet.html", "demo/intranet.html", "text/html"),
    ] {
        let reply = get(&format!("{}{path}", server.base), None).expect("the server answers");
        let built = std::fs::read(widget.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(reply.status, 200, "{path}: {}", reply.text());
        assert!(reply.header("content-type").is_some_and(|c| c.contains(content_type)), "{path}: {reply:?}");
        assert!(reply.body == built, "{path}: the binary serves what `cargo xtask widget` built (rebuild the API?)");
    }
    let missing = get(&format!("{}/widget/no-such-file.js", server.base), None).expect("the server answers");
    assert_eq!(missing.status, 404);
    assert!(elsewhere.path().join("data/dk2020.sqlite").is_file(), "its database is where it runs");
}

/// Every large answer comes compressed with what the client accepts (gzip or
/// brotli), and decodes to exactly the plain answer; small ones and the
/// already-compressed XLSX downloads come as they are. The security headers
/// stay on a compressed answer.
#[test]
fn answers_are_compressed_when_the_client_accepts_it_and_decode_to_the_plain_answer() {
    let server = TestServer::shared();
    let document = server.url("/api/openapi.json");
    let plain = get(&document, None).expect("the server answers");
    assert_eq!(plain.status, 200);
    assert!(plain.header("content-encoding").is_none(), "{:?}", plain.headers);
    assert!(plain.body.len() > 1024, "a large answer to compress");
    let identity = get(&document, Some("identity")).expect("the server answers");
    assert!(identity.header("content-encoding").is_none() && identity.body == plain.body);

    for (accept, encoding, decode) in [
        ("gzip", "gzip", gunzip as fn(&[u8]) -> Vec<u8>),
        ("br", "br", unbrotli),
        ("gzip, deflate, br", "br", unbrotli),
        ("br;q=0.5, gzip", "gzip", gunzip),
    ] {
        let reply = get(&document, Some(accept)).expect("the server answers");
        assert_eq!(reply.status, 200, "{accept}");
        assert_eq!(reply.header("content-encoding"), Some(encoding), "Accept-Encoding: {accept}");
        assert!(
            reply.body.len() < plain.body.len() / 2,
            "{accept}: {} of {} bytes",
            reply.body.len(),
            plain.body.len()
        );
        assert!(decode(&reply.body) == plain.body, "{accept}: decodes to the plain answer");
        let vary = reply.headers.get_all("vary").iter().filter_map(|v| v.to_str().ok()).collect::<Vec<_>>().join(", ");
        assert!(vary.to_ascii_lowercase().contains("accept-encoding"), "{accept}: caches keep the encodings apart");
        assert_eq!(reply.header("x-content-type-options"), Some("nosniff"), "{accept}");
        assert_eq!(reply.header("content-type"), plain.header("content-type"), "{accept}");
    }

    let small = get(&server.url("/api/health"), Some("gzip, br")).expect("the server answers");
    assert_eq!(small.status, 200);
    assert!(small.header("content-encoding").is_none(), "a tiny answer goes as it is: {:?}", small.headers);
    let xlsx = get(&server.url("/api/budget/allocation?total=3000000&format=xlsx"), Some("gzip, br"))
        .expect("the server answers");
    assert_eq!(xlsx.status, 200);
    assert!(xlsx.header("content-encoding").is_none(), "an XLSX file is a ZIP already: {:?}", xlsx.headers);
    assert!(xlsx.body.starts_with(b"PK\x03\x04"));
}

/// The widget's wasm, the largest file, travels brotli-compressed to a
/// browser and arrives intact.
#[test]
fn the_widget_travels_compressed() {
    if built_widget("the_widget_travels_compressed").is_none() {
        return;
    }
    let dir = tempfile::tempdir().expect("a temporary directory");
    let server = Served::start(api_binary(), dir.path());
    let url = format!("{}/widget/booking/dk2020_widget_bg.wasm", server.base);
    let plain = get(&url, None).expect("the server answers");
    let compressed = get(&url, Some("gzip, deflate, br, zstd")).expect("the server answers");
    assert_eq!((plain.status, compressed.status), (200, 200));
    assert_eq!(compressed.header("content-encoding"), Some("br"));
    assert!(compressed.body.len() < plain.body.len() / 2, "{} of {} bytes", compressed.body.len(), plain.body.len());
    assert!(unbrotli(&compressed.body) == plain.body);
}
