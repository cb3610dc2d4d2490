//! `/dev/mail`: the mails the local server wrote as `.eml` files (no SMTP
//! server configured), listed and shown, so someone trying the product sees
//! exactly what would have been sent. Mounted by `serve` only when the mails
//! go to files and the server listens on a loopback address: the pages show
//! the contacts' names and addresses, which only the machine's own user may see.

use std::path::{Path, PathBuf};

use axum::{
    Router,
    extract::{Path as UrlPath, State},
    http::{StatusCode, header},
    response::{Html, IntoResponse, Response},
    routing::get,
};
use mailparse::{MailHeaderMap, ParsedMail};

/// The routes, reading the mails in `dir`.
pub fn router(dir: PathBuf) -> Router {
    Router::new()
        .route("/dev/mail", get(list))
        .route("/dev/mail/{file}", get(show))
        .route("/dev/mail/{file}/raw", get(raw))
        .with_state(dir)
}

/// One mail's headers, as the list shows them.
struct Summary {
    file: String,
    date: String,
    to: String,
    subject: String,
}

async fn list(State(dir): State<PathBuf>) -> Html<String> {
    let mut mails: Vec<(std::time::SystemTime, Summary)> = Vec::new();
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for entry in entries.flatten() {
            let Some(file) = eml_name(&entry.path()) else { continue };
            let Ok(bytes) = std::fs::read(entry.path()) else { continue };
            let Ok(mail) = mailparse::parse_mail(&bytes) else { continue };
            let modified = entry.metadata().and_then(|m| m.modified()).unwrap_or(std::time::UNIX_EPOCH);
            let header = |name: &str| mail.headers.get_first_value(name).unwrap_or_default();
            mails
                .push((modified, Summary { file, date: header("Date"), to: header("To"), subject: header("Subject") }));
        }
    }
    mails.sort_by_key(|m| std::cmp::Reverse(m.0));
    let rows: String = mails
        .iter()
        .map(|(_, m)| {
            format!(
                "<tr><td>{}</td><td>{}</td><td><a href=\"/dev/mail/{}\">{}</a></td></tr>\n",
                escape(&m.date),
                escape(&m.to),
                escape(&m.file),
                escape(&m.subject)
            )
        })
        .collect();
    let body = if mails.is_empty() {
        "<p>Der er ikke sendt nogen mails endnu.</p>".to_string()
    } else {
        format!(
            "<table><caption>{} mails, nyeste først</caption><thead><tr><th scope=\"col\">Sendt</th>\
             <th scope=\"col\">Til</th><th scope=\"col\">Emne</th></tr></thead><tbody>\n{rows}</tbody></table>",
            mails.len()
        )
    };
    Html(page(
        "Sendte mails (lokalt)",
        &format!(
            "<p>Uden en mailserver (<code>DK2020_SMTP_URL</code>) skriver serveren hver mail som en fil i \
             <code>{}</code>. Her er de, som modtagerne ville have fået dem.</p>{body}",
            escape(&dir.display().to_string())
        ),
    ))
}

async fn show(State(dir): State<PathBuf>, UrlPath(file): UrlPath<String>) -> Response {
    let Some(bytes) = read_eml(&dir, &file) else { return not_found() };
    let Ok(mail) = mailparse::parse_mail(&bytes) else { return not_found() };
    let mut headers = String::new();
    let names = [
        ("From", "Fra"),
        ("To", "Til"),
        ("Reply-To", "Svar til"),
        ("Subject", "Emne"),
        ("Date", "Dato"),
        ("Message-ID", "Message-ID"),
    ];
    for (name, label) in names {
        if let Some(value) = mail.headers.get_first_value(name) {
            headers.push_str(&format!("<dt>{label}</dt><dd>{}</dd>", escape(&value)));
        }
    }
    let mut parts = String::new();
    for part in leaves(&mail) {
        let kind = part.ctype.mimetype.clone();
        let Ok(text) = part.get_body() else { continue };
        let shown = match kind.as_str() {
            // The HTML as sent, in a sandbox: no scripts, no requests.
            "text/html" => format!(
                "<iframe title=\"Mailen som HTML\" sandbox srcdoc=\"{}\" style=\"width:100%;height:30em\"></iframe>",
                escape(&text)
            ),
            _ => format!("<pre>{}</pre>", escape(&text)),
        };
        parts.push_str(&format!("<section><h2>{}</h2>{shown}</section>", escape(&kind)));
    }
    let body = format!(
        "<p><a href=\"/dev/mail\">Alle mails</a> · <a href=\"/dev/mail/{}/raw\">Hent .eml (åbn i Outlook)</a></p>\
         <dl>{headers}</dl>{parts}",
        escape(&file)
    );
    let subject = mail.headers.get_first_value("Subject").unwrap_or_default();
    Html(page(&subject, &body)).into_response()
}

async fn raw(State(dir): State<PathBuf>, UrlPath(file): UrlPath<String>) -> Response {
    match read_eml(&dir, &file) {
        Some(bytes) => (
            [
                (header::CONTENT_TYPE, "message/rfc822"),
                (header::CONTENT_DISPOSITION, "attachment; filename=\"mail.eml\""),
            ],
            bytes,
        )
            .into_response(),
        None => not_found(),
    }
}

/// The parts of a mail that hold content (not the multipart containers).
fn leaves<'a>(mail: &'a ParsedMail<'a>) -> Vec<&'a ParsedMail<'a>> {
    if mail.subparts.is_empty() { vec![mail] } else { mail.subparts.iter().flat_map(leaves).collect() }
}

/// `file` if it names a mail the transport wrote (`<uuid>.eml`): never a path.
fn read_eml(dir: &Path, file: &str) -> Option<Vec<u8>> {
    let valid = file
        .strip_suffix(".eml")
        .is_some_and(|stem| !stem.is_empty() && stem.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
    if !valid {
        return None;
    }
    std::fs::read(dir.join(file)).ok()
}

fn eml_name(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_str()?;
    name.ends_with(".eml").then(|| name.to_string())
}

fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        Html(page("Ikke fundet", "<p>Den mail findes ikke. <a href=\"/dev/mail\">Alle mails</a></p>")),
    )
        .into_response()
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"da\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{t}</title>\
         <style>body{{font-family:system-ui,sans-serif;max-width:60em;margin:2em auto;padding:0 1em;color:#1a1a1a}}\
         table{{border-collapse:collapse;width:100%}}th,td{{text-align:left;padding:.3em .6em;border-bottom:1px solid #ccc}}\
         caption{{text-align:left;font-weight:bold}}pre{{white-space:pre-wrap;background:#f4f4f4;padding:1em}}\
         dt{{font-weight:bold}}a{{color:#0b4f8a}}</style></head><body><main><h1>{t}</h1>{body}</main></body></html>",
        t = escape(title)
    )
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}
