//! Extractors whose rejections are `ApiError`s, so a malformed body or query
//! gets the API's JSON error shape and a 400 (413 when too large).

use axum::{
    body::Bytes,
    extract::{FromRequest, FromRequestParts, Path, Query, Request},
    http::{HeaderMap, StatusCode, header, request::Parts},
};
use dk2020_model::dates::DateBounds;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// A JSON request body read into `T`, with the API's errors. Unknown fields
/// are refused at any depth, naming them: a misspelt optional field (say
/// `"rules": {"cap_per_municipalty": 3}`) must not be dropped while the rest
/// takes its defaults. The model's types themselves stay lenient, because the
/// same types are stored and answered: an older binary reading a setting that
/// a newer one wrote, or an older widget reading a newer answer, keeps working.
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(req.headers()) {
            return Err(ApiError::bad_request("send the body as JSON with `Content-Type: application/json`"));
        }
        parse_strict(&body_bytes(req, state).await?).map(Self)
    }
}

/// A JSON body that may be left out (empty or only white space: `T`'s
/// default), read as strictly as [`JsonBody`] when given. For
/// `POST /api/bookings/{id}/cancel`, whose reason is optional. The extractor
/// only takes the bytes (413 when too large); [`OptionalJsonBody::parse`]
/// reads them once the handler knows the caller may send them.
pub struct OptionalJsonBody<T>(Bytes, std::marker::PhantomData<T>);

impl<S: Send + Sync, T> FromRequest<S> for OptionalJsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(body_bytes(req, state).await?, std::marker::PhantomData))
    }
}

impl<T: DeserializeOwned + Default> OptionalJsonBody<T> {
    pub fn parse(self) -> Result<T, ApiError> {
        if self.0.iter().all(u8::is_ascii_whitespace) { Ok(T::default()) } else { parse_strict(&self.0) }
    }
}

async fn body_bytes<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, ApiError> {
    Bytes::from_request(req, state).await.map_err(|e| match e.status() {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge(crate::app::BODY_LIMIT),
        _ => ApiError::bad_request(e.body_text()),
    })
}

/// `application/json` or any `application/…+json`, as axum's `Json` accepts.
fn is_json(headers: &HeaderMap) -> bool {
    let Some(mime) = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else { return false };
    let essence = mime.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
}

fn parse_strict<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let invalid = |e: serde_json::Error| match e.classify() {
        serde_json::error::Category::Data => {
            ApiError::bad_request(format!("Failed to deserialize the JSON body into the target type: {e}"))
        }
        _ => ApiError::bad_request(format!("Failed to parse the request body as JSON: {e}")),
    };
    let mut unknown = Vec::new();
    let mut de = serde_json::Deserializer::from_slice(bytes);
    // serde_ignored writes an `Option`'s inside as `?`: people do not need it.
    let value = serde_ignored::deserialize(&mut de, |path| unknown.push(format!("`{path}`").replace(".?", "")))
        .map_err(invalid)?;
    de.end().map_err(invalid)?;
    match unknown.as_slice() {
        [] => Ok(value),
        [one] => Err(ApiError::bad_request(format!("unknown field {one}: check its spelling in the API description"))),
        many => Err(ApiError::bad_request(format!(
            "unknown fields {}: check their spelling in the API description",
            many.join(", ")
        ))),
    }
}

/// The query string as name/value pairs (repeated names allowed).
pub struct QueryPairs(pub Vec<(String, String)>);

impl QueryPairs {
    /// The last value given for `name`; an empty value counts as not given.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().rev().find(|(n, _)| n == name).map(|(_, v)| v.trim()).filter(|v| !v.is_empty())
    }

    /// Whether `name` was given at all, even empty.
    pub fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(n, _)| n == name)
    }

    /// Fails on names this endpoint does not know, so typos are not ignored.
    pub fn only(&self, known: &[&str]) -> Result<(), ApiError> {
        match self.0.iter().find(|(n, _)| !known.contains(&n.as_str())) {
            Some((n, _)) => Err(ApiError::bad_request(format!(
                "unknown query parameter {n:?}; this endpoint takes: {}",
                known.join(", ")
            ))),
            None => Ok(()),
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for QueryPairs {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Query(pairs) = Query::<Vec<(String, String)>>::from_request_parts(parts, state).await?;
        Ok(Self(pairs))
    }
}

/// For an endpoint that takes no query parameters: any parameter is a 400
/// that names it, so a misspelt or misplaced one is not silently ignored.
pub struct NoQuery;

impl<S: Send + Sync> FromRequestParts<S> for NoQuery {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let query = QueryPairs::from_request_parts(parts, state).await?;
        match query.0.first() {
            Some((name, _)) => {
                Err(ApiError::bad_request(format!("unknown query parameter {name:?}; this endpoint takes none")))
            }
            None => Ok(Self),
        }
    }
}

/// `?from=&to=`, each a `YYYY-MM-DD` date within the service's dates or
/// left out (the model's [`DateBounds`]: the rules are there, this only
/// reads the query). The endpoint still lists its parameters with
/// [`QueryPairs::only`].
pub struct Dates(pub DateBounds);

impl<S: Send + Sync> FromRequestParts<S> for Dates {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let query = QueryPairs::from_request_parts(parts, state).await?;
        Ok(Self(DateBounds::parse(query.get("from"), query.get("to"))?))
    }
}

/// `?from=&to=` as [`Dates`] reads them, and no other parameter: for an
/// endpoint whose query is only its dates, checked before what follows it
/// in the handler (a manage link's key, say), like [`NoQuery`].
pub struct OnlyDates(pub DateBounds);

impl<S: Send + Sync> FromRequestParts<S> for OnlyDates {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let query = QueryPairs::from_request_parts(parts, state).await?;
        query.only(&["from", "to"])?;
        Ok(Self(DateBounds::parse(query.get("from"), query.get("to"))?))
    }
}

/// One path parameter as text, with the API's errors (e.g. invalid UTF-8 → 400 JSON).
pub struct PathParam(pub String);

impl<S: Send + Sync> FromRequestParts<S> for PathParam {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path(value) =
            Path::<String>::from_request_parts(parts, state).await.map_err(|r| ApiError::BadRequest(r.body_text()))?;
        Ok(Self(value))
    }
}

#[cfg(test)]
mod tests {
    use dk2020_model::{allocation::PlanParams, enrolment::StatusChangeRequest, schedule::Availability};

    use super::*;

    fn message(e: ApiError) -> String {
        match e {
            ApiError::BadRequest(m) => m,
            other => panic!("expected a 400, got {other:?}"),
        }
    }

    #[test]
    fn a_misspelt_field_at_any_depth_is_refused_and_named() {
        for (typo, path) in [
            (r#"{"rule": {"cap_per_municipality": 5}}"#, "`rule`"),
            (r#"{"rules": {"cap_per_municipalty": 5}}"#, "`rules.cap_per_municipalty`"),
            (r#"{"rules": {"travel": {"speed_kmph": 90}}}"#, "`rules.travel.speed_kmph`"),
            (r#"{"weekly": {"mondag": null}}"#, "`weekly.mondag`"),
            (
                r#"{"weekly": {"monday": {"start": "08:00", "end": "16:00", "lunch": "12:00"}}}"#,
                "`weekly.monday.lunch`",
            ),
            (r#"{"closed_days": {"christmas": false}}"#, "`closed_days.christmas`"),
            (r#"{"exceptions": [{"date": "2026-08-03", "hour": null}]}"#, "`exceptions.0.hour`"),
        ] {
            let err = message(parse_strict::<Availability>(typo.as_bytes()).map(|_| ()).unwrap_err());
            assert!(err.contains("unknown field") && err.contains(path), "{typo}: {err}");
        }
        let err = message(parse_strict::<PlanParams>(br#"{"total": 600000, "yeers": 9}"#).unwrap_err());
        assert!(err.contains("unknown field `yeers`"), "{err}");
        let change = br#"{"status": "declined", "notes": "x"}"#;
        let err = message(parse_strict::<StatusChangeRequest>(change).unwrap_err());
        assert!(err.contains("unknown field `notes`"), "{err}");
    }

    #[test]
    fn known_fields_and_missing_ones_with_defaults_are_accepted() {
        let a: Availability = parse_strict(br#"{"rules": {"buffer_minutes": 20}}"#).unwrap();
        assert_eq!(a.rules.buffer_minutes, 20);
        let p: PlanParams = parse_strict(br#"{"total": 600000, "key": "hybrid", "equal_percent": 20}"#).unwrap();
        assert_eq!(p.total, 600_000);
    }

    #[test]
    fn broken_json_and_trailing_garbage_are_refused() {
        for body in [&b"{"[..], b"{} x", b"[1, 2]", b"\"nested\"", b"{\"rules\": 5}"] {
            let err = message(parse_strict::<Availability>(body).map(|_| ()).unwrap_err());
            assert!(err.starts_with("Failed to"), "{err}");
        }
    }

    #[test]
    fn json_content_types_are_recognised() {
        let with = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::CONTENT_TYPE, value.parse().unwrap());
            is_json(&headers)
        };
        assert!(with("application/json"));
        assert!(with("Application/JSON; charset=utf-8"));
        assert!(with("application/merge-patch+json"));
        assert!(!with("text/plain"));
        assert!(!with("application/jsonx"));
        assert!(!is_json(&HeaderMap::new()));
    }
}
