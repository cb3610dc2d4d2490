//! Configuration from the environment, in one place. Every setting has a
//! `DK2020_*` variable; the CLI flags of `serve` override the local ones.

use std::path::Path;

use axum::http::HeaderValue;
use jiff::Timestamp;

use crate::{auth::TokenKeys, state::Clock};

/// Origins allowed to call the API from a browser (`DK2020_ALLOWED_ORIGINS`,
/// comma separated, e.g. `https://intranet.skive.dk,https://intra.randers.dk`).
pub fn allowed_origins() -> Result<Vec<HeaderValue>, String> {
    parse_origins(&std::env::var("DK2020_ALLOWED_ORIGINS").unwrap_or_default())
}

pub fn parse_origins(list: &str) -> Result<Vec<HeaderValue>, String> {
    list.split(',')
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .map(|o| {
            let o = o.trim_end_matches('/');
            if !(o.starts_with("https://") || o.starts_with("http://")) || o.matches('/').count() != 2 {
                return Err(format!("DK2020_ALLOWED_ORIGINS: {o:?} is not an origin like https://intranet.skive.dk"));
            }
            HeaderValue::from_str(o).map_err(|_| format!("DK2020_ALLOWED_ORIGINS: {o:?} is not a valid origin"))
        })
        .collect()
}

/// The clock: the system's, or a fixed instant from `DK2020_NOW` (RFC 3339) for
/// demos and tests that need stable slots.
pub fn clock() -> Result<Clock, String> {
    match std::env::var("DK2020_NOW") {
        Ok(s) if !s.trim().is_empty() => s
            .trim()
            .parse::<Timestamp>()
            .map(Clock::Fixed)
            .map_err(|_| format!("DK2020_NOW: {s:?} is not an RFC 3339 time like 2026-11-30T08:00:00+01:00")),
        _ => Ok(Clock::System),
    }
}

/// The token secret: `DK2020_JWT_SECRET`, or for local use a random one kept in
/// `jwt-secret` beside the database (made on first use), so tokens printed by
/// `dk2020-api token` keep working across restarts of `serve`.
pub fn token_keys(local_dir: Option<&Path>) -> anyhow::Result<TokenKeys> {
    if let Ok(secret) = std::env::var("DK2020_JWT_SECRET") {
        return TokenKeys::new(&secret).map_err(anyhow::Error::msg);
    }
    let Some(dir) = local_dir else {
        anyhow::bail!("set DK2020_JWT_SECRET (at least 32 characters)");
    };
    let file = dir.join("jwt-secret");
    let secret = match std::fs::read_to_string(&file) {
        Ok(s) => s.trim().to_string(),
        Err(_) => {
            std::fs::create_dir_all(dir)?;
            let secret = random_secret();
            write_private(&file, &secret)?;
            secret
        }
    };
    TokenKeys::new(&secret).map_err(anyhow::Error::msg)
}

fn random_secret() -> String {
    use rand::Rng;
    let bytes: [u8; 32] = rand::rng().random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn write_private(file: &Path, contents: &str) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::{io::Write, os::unix::fs::OpenOptionsExt};
        let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(file)?;
        f.write_all(contents.as_bytes())
    }
    #[cfg(not(unix))]
    std::fs::write(file, contents)
}

/// Which store the environment asks for (`DK2020_STORE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreKind {
    /// `sqlite` (the default): the file `DK2020_DB`.
    Sqlite,
    /// `dynamodb`: the table `DK2020_TABLE`, AWS settings from the environment
    /// (`AWS_REGION`, credentials, `AWS_ENDPOINT_URL` for a local server).
    DynamoDb,
}

pub fn store_kind() -> anyhow::Result<StoreKind> {
    match std::env::var("DK2020_STORE").as_deref().map(str::trim) {
        Err(_) | Ok("") | Ok("sqlite") => Ok(StoreKind::Sqlite),
        Ok("dynamodb") => Ok(StoreKind::DynamoDb),
        Ok(other) => anyhow::bail!("DK2020_STORE={other:?} is not a store this build has: use sqlite or dynamodb"),
    }
}

/// The DynamoDB table, `DK2020_TABLE` (required with `DK2020_STORE=dynamodb`).
pub fn dynamodb_table() -> anyhow::Result<String> {
    match std::env::var("DK2020_TABLE") {
        Ok(table) if !table.trim().is_empty() => Ok(table.trim().to_string()),
        _ => anyhow::bail!("DK2020_STORE=dynamodb needs DK2020_TABLE, the name of the DynamoDB table"),
    }
}

/// The store the environment asks for: `DK2020_STORE=sqlite` (default, the file
/// `DK2020_DB`) or `dynamodb` (the table `DK2020_TABLE`, which must exist).
pub async fn store_from_env() -> anyhow::Result<std::sync::Arc<dyn crate::store::Store>> {
    match store_kind()? {
        StoreKind::Sqlite => {
            let path = std::env::var("DK2020_DB").unwrap_or_else(|_| crate::cli::DEFAULT_DB.into());
            Ok(std::sync::Arc::new(crate::store::SqliteStore::open(Path::new(&path))?))
        }
        StoreKind::DynamoDb => {
            let table = dynamodb_table()?;
            Ok(std::sync::Arc::new(crate::store::DynamoStore::from_env(&table).await?))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_checked() {
        assert_eq!(parse_origins("https://a.dk, http://localhost:3000/").unwrap().len(), 2);
        assert!(parse_origins("a.dk").is_err());
        assert!(parse_origins("https://a.dk/path").is_err());
        assert!(parse_origins("").unwrap().is_empty());
    }
}
