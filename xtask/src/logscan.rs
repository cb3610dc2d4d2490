//! The last step of `cargo xtask test`: no personal data in the logs
//! (issue 17). Every server the HTTP and browser tests start writes its log
//! (at debug level for the API and every request) into [`log_dir`]; this
//! scan looks there for the tests' own personal data, taken from the test
//! sources themselves, so a new test's name or address is covered without
//! being listed anywhere: every e-mail address in a string literal, and
//! every literal given as a contact's name, a topic or a cancellation reason.

use std::{collections::BTreeSet, path::PathBuf};

use crate::run::root;

/// Where the test servers' logs go (`DK2020_TEST_LOG_DIR`).
pub fn log_dir() -> PathBuf {
    root().join("target").join("test-logs")
}

/// What the test steps are told; the folder starts empty for each run.
pub fn test_env() -> Result<Vec<(&'static str, String)>, String> {
    let dir = log_dir();
    if dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(|e| format!("cannot empty {}: {e}", dir.display()))?;
    }
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    Ok(vec![("DK2020_TEST_LOG_DIR", dir.to_string_lossy().into_owned())])
}

/// Addresses that are not a person's: the product's own sender and
/// placeholders of the configuration (`.invalid` is reserved, RFC 2606).
fn is_personal_address(address: &str) -> bool {
    !address.ends_with(".invalid")
}

/// The string literals of `source` (Rust, no raw strings needed here).
fn literals(source: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let bytes = source.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'"' && (i == 0 || bytes[i - 1] != b'\'') {
            let start = i + 1;
            let mut j = start;
            while j < bytes.len() && bytes[j] != b'"' {
                j += if bytes[j] == b'\\' { 2 } else { 1 };
            }
            if j <= bytes.len() {
                out.push((i, source[start..j.min(bytes.len())].to_string()));
            }
            i = j + 1;
        } else {
            i += 1;
        }
    }
    out
}

/// Whether a literal is an e-mail address (one `@`, a dotted domain, no spaces).
fn is_address(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else { return false };
    !local.is_empty()
        && domain.contains('.')
        && !domain.contains('@')
        && !domain.ends_with('.')
        && text.chars().all(|c| c.is_ascii_alphanumeric() || "@.-_+".contains(c))
}

/// The personal data of the tests: addresses anywhere, and the literals
/// given to `contact_name`, `topic` and `reason` (JSON keys or fields).
pub fn needles(sources: &[String]) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for source in sources {
        for (at, text) in literals(source) {
            if is_address(&text) && is_personal_address(&text) {
                found.insert(text.to_lowercase());
                continue;
            }
            let before = &source[source[..at].rfind('\n').map_or(0, |n| n + 1)..at];
            let key = before.trim_end_matches([':', ',', ' ', '"', '(', '=']).to_ascii_lowercase();
            let key = key.strip_suffix("&str").map_or(key.as_str(), |k| k.trim_end_matches([':', ' ']));
            let personal_field = ["name", "topic", "reason", "contactname::parse", "topic::parse"]
                .iter()
                .any(|field| key.ends_with(field));
            // Short words ("x", "Syg") would match anything; the tests' people have names.
            if personal_field && text.chars().count() >= 8 && text.contains(' ') {
                found.insert(text.to_lowercase());
            }
        }
    }
    found
}

fn rust_files(dir: &std::path::Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The scan of `dir` (by default [`log_dir`]): fails with the file and the data found.
pub fn scan(dir: Option<PathBuf>) -> Result<(), String> {
    let dir = dir.unwrap_or_else(log_dir);
    let mut files = Vec::new();
    for dir in ["tests/tests", "tests/src", "backend/tests"] {
        rust_files(&root().join(dir), &mut files);
    }
    let sources: Vec<String> = files.iter().filter_map(|f| std::fs::read_to_string(f).ok()).collect();
    let needles = needles(&sources);
    if std::env::var_os("DK2020_LOGSCAN_LIST").is_some() {
        eprintln!("xtask: looking for {needles:?}");
    }
    if needles.len() < 10 {
        return Err(format!("the scan found only {} personal data in the tests' sources: {needles:?}", needles.len()));
    }
    let mut logs = Vec::new();
    if let Ok(entries) = std::fs::read_dir(&dir) {
        logs.extend(entries.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|e| e == "log")));
    }
    if logs.is_empty() {
        return Err(format!("no server logs in {}: the tests did not keep them", dir.display()));
    }
    let (mut bytes, mut problems) = (0, Vec::new());
    for log in &logs {
        let text = std::fs::read_to_string(log).unwrap_or_default().to_lowercase();
        bytes += text.len();
        for needle in &needles {
            if let Some(at) = text.find(needle.as_str()) {
                let line = text[..at].rfind('\n').map_or(0, |n| n + 1);
                let end = text[at..].find('\n').map_or(text.len(), |n| at + n);
                problems.push(format!("{}: {needle:?} in {:?}", log.display(), &text[line..end]));
            }
        }
    }
    eprintln!(
        "xtask: {} server logs ({} KB) scanned for {} names, addresses and topics of the tests",
        logs.len(),
        bytes / 1024,
        needles.len()
    );
    if problems.is_empty() {
        Ok(())
    } else {
        problems.truncate(20);
        Err(format!("personal data in the logs:\n{}", problems.join("\n")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tests_people_are_found_in_their_sources() {
        let source = r#"
            json!({"topic": "Varmeplan for Jebjerg", "contact_name": "Birgitte Holm", "contact_email": "b@skive.dk"});
            contact_name: Some(ContactName::parse("Søren Ærø Larsen").unwrap()),
            let reason = "x";
            const NAME: &str = "Vagn Vestergaard-Hald";
            "noreply@dk2020.invalid"
        "#;
        let found = needles(&[source.to_string()]);
        let expected: BTreeSet<String> =
            ["varmeplan for jebjerg", "birgitte holm", "b@skive.dk", "søren ærø larsen", "vagn vestergaard-hald"]
                .map(String::from)
                .into();
        assert_eq!(found, expected);
    }
}
