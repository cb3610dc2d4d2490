//! A calendar server for the subscription tests: serves one ICS text over
//! HTTP on a loopback port, the way Outlook's or Google's publishing servers
//! do (with an `ETag`, answering `304 Not Modified` to a matching
//! `If-None-Match`), and can be switched to fail: a 500, a page that is no
//! calendar, or no answer at all. It counts the requests it got.
//!
//! Hand-written on `std::net` (one thread, one request per connection,
//! `Connection: close`): the tests need nothing of HTTP beyond this, and it
//! keeps an async runtime out of the blocking test harness.

use std::{
    io::{BufRead, BufReader, Write},
    net::{TcpListener, TcpStream},
    sync::{Arc, Mutex},
    thread,
    time::Duration,
};

/// What the server answers.
#[derive(Clone, Debug)]
pub enum Answer {
    /// The calendar, with this `ETag`.
    Calendar {
        ics: String,
        etag: String,
    },
    Status(u16),
    /// A 200 with an HTML login page: what a wrong or expired link may give.
    NotACalendar,
    /// Accepts the connection and never answers.
    Silence,
}

#[derive(Debug, Default)]
struct Log {
    requests: usize,
    if_none_match: Vec<Option<String>>,
    authorization_seen: bool,
}

pub struct IcsServer {
    port: u16,
    answer: Arc<Mutex<Answer>>,
    log: Arc<Mutex<Log>>,
}

impl IcsServer {
    pub fn start(answer: Answer) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port for the calendar server");
        let port = listener.local_addr().expect("its address").port();
        let answer = Arc::new(Mutex::new(answer));
        let log = Arc::new(Mutex::new(Log::default()));
        let (a, l) = (answer.clone(), log.clone());
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (a, l) = (a.clone(), l.clone());
                thread::spawn(move || serve(stream, &a, &l));
            }
        });
        Self { port, answer, log }
    }

    /// `http://127.0.0.1:PORT/<path>`
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}/{}", self.port, path.trim_start_matches('/'))
    }

    pub fn answer(&self, answer: Answer) {
        *self.answer.lock().unwrap_or_else(|e| e.into_inner()) = answer;
    }

    pub fn requests(&self) -> usize {
        self.log.lock().unwrap_or_else(|e| e.into_inner()).requests
    }

    /// The `If-None-Match` of each request, in order.
    pub fn if_none_match(&self) -> Vec<Option<String>> {
        self.log.lock().unwrap_or_else(|e| e.into_inner()).if_none_match.clone()
    }

    /// Whether any request carried an `Authorization` or `Cookie` header.
    pub fn saw_credentials(&self) -> bool {
        self.log.lock().unwrap_or_else(|e| e.into_inner()).authorization_seen
    }
}

fn serve(stream: TcpStream, answer: &Mutex<Answer>, log: &Mutex<Log>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut reader = BufReader::new(match stream.try_clone() {
        Ok(s) => s,
        Err(_) => return,
    });
    let mut if_none_match = None;
    let mut credentials = false;
    let mut line = String::new();
    loop {
        line.clear();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) if line == "\r\n" || line == "\n" => break,
            Ok(_) => {
                let lower = line.to_ascii_lowercase();
                if let Some(value) = lower.strip_prefix("if-none-match:") {
                    if_none_match = Some(line[line.len() - value.len()..].trim().to_string());
                }
                credentials |= lower.starts_with("authorization:") || lower.starts_with("cookie:");
            }
        }
    }
    {
        let mut log = log.lock().unwrap_or_else(|e| e.into_inner());
        log.requests += 1;
        log.if_none_match.push(if_none_match.clone());
        log.authorization_seen |= credentials;
    }
    let answer = answer.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let (status, headers, body) = match answer {
        Answer::Calendar { etag, .. } if if_none_match.as_deref() == Some(etag.as_str()) => {
            (304, format!("ETag: {etag}\r\n"), String::new())
        }
        Answer::Calendar { ics, etag } => (200, format!("ETag: {etag}\r\nContent-Type: text/calendar\r\n"), ics),
        Answer::Status(status) => (status, String::new(), "Internal Server Error".into()),
        Answer::NotACalendar => (
            200,
            "Content-Type: text/html\r\n".into(),
            "<!doctype html><title>Log ind</title><p>Log ind for at se kalenderen.</p>".into(),
        ),
        Answer::Silence => {
            // Hold the connection open until the client gives up and closes it.
            let mut rest = String::new();
            while matches!(reader.read_line(&mut rest), Ok(n) if n > 0) {
                rest.clear();
            }
            return;
        }
    };
    let mut stream = stream;
    let head = format!("HTTP/1.1 {status} X\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n", body.len());
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(body.as_bytes());
}
