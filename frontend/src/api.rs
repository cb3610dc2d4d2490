//! The HTTP client of the widget: `gloo-net` requests to the DK2020 API with
//! the bearer token, JSON through the `dk2020-model` types, and the API's
//! error body `{"error": {"code", "message"}}` turned into [`ApiError`] with a
//! Danish message for people.

use std::sync::Arc;

use gloo_net::http::{Method, RequestBuilder};
use serde::{Serialize, de::DeserializeOwned};

/// Where the API is and who calls it. Cheap to clone (shared strings).
#[derive(Clone, Debug, PartialEq)]
pub struct Api {
    base: Arc<str>,
    token: Option<Arc<str>>,
}

/// A failed call: the HTTP status (0 when the API could not be reached), the
/// API's error code and its (English) message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    pub status: u16,
    pub code: String,
    pub message: String,
}

impl ApiError {
    pub fn new(status: u16, code: impl Into<String>, message: impl Into<String>) -> Self {
        Self { status, code: code.into(), message: message.into() }
    }

    /// What went wrong, in Danish, by status and code.
    pub fn danish(&self) -> String {
        danish_message(self.status, &self.code)
    }

    pub fn is_slot_taken(&self) -> bool {
        self.status == 409
    }

    /// The municipality holds as many upcoming sessions as allowed (422).
    /// `GET /api/slots` says so with code `rule_violated` and the cap in the
    /// message; `POST /api/bookings` with code `cap_reached`.
    pub fn is_cap_reached(&self) -> bool {
        self.status == 422 && (self.code == "cap_reached" || self.message.contains("at most"))
    }
}

/// The Danish message for an API error.
pub fn danish_message(status: u16, code: &str) -> String {
    let text = match (status, code) {
        (0, _) => "API'et kan ikke nås lige nu. Tjek forbindelsen, og prøv igen om lidt.",
        (409, "slot_taken") => {
            "Tiden er netop blevet booket af en anden. Vælg en anden tid – listen over ledige tider er opdateret."
        }
        (409, _) => "Nogen har netop ændret det samme. Hent siden igen, og prøv en gang til.",
        (422, "cap_reached") => {
            "I har allerede det største antal kommende sessioner, en kommune må have ad gangen, så alle kommuner får \
             en tur. Book igen, når en af dem er afholdt eller aflyst."
        }
        (422, "too_short_notice") => "Tiden ligger for tæt på nu: sessioner skal bookes med længere varsel.",
        (422, "beyond_horizon") => "Tiden ligger for langt ude i fremtiden til at kunne bookes endnu.",
        (422, "closed_day") => "Koordinatoren holder lukket den dag (helligdag eller lukkedag).",
        (422, "outside_working_hours") | (422, "not_on_slot_grid") => {
            "Tiden ligger uden for koordinatorens arbejdstid."
        }
        (422, "too_many_onsite_visits") => "Koordinatoren har allerede det største antal besøg den dag.",
        (422, "cannot_reach_in_time") => {
            "Koordinatoren kan ikke nå frem og tilbage inden for arbejdsdagen med den tid. Vælg en anden tid."
        }
        (422, _) => "Det kan ikke lade sig gøre efter reglerne.",
        (400, _) => "Oplysningerne blev afvist som ugyldige.",
        (401, _) => "Du er ikke logget ind, eller dit log-in er udløbet. Hent et nyt link med adgangstoken.",
        (403, _) => "Du har ikke adgang til dette.",
        (404, _) => "Det findes ikke (længere).",
        (413, _) => "Der blev sendt for meget data på én gang.",
        (503, _) => "Tjenesten er midlertidigt utilgængelig. Prøv igen om lidt.",
        (500..=599, _) => "Der opstod en fejl på serveren. Prøv igen om lidt.",
        _ => "Der opstod en uventet fejl.",
    };
    text.to_string()
}

impl Api {
    pub fn new(base: &str, token: Option<&str>) -> Self {
        Self { base: base.trim().trim_end_matches('/').into(), token: token.map(Into::into) }
    }

    /// The absolute URL of an API path such as `/api/slots?…`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let mut request = RequestBuilder::new(&self.url(path)).method(method).header("Accept", "application/json");
        if let Some(token) = &self.token {
            request = request.header("Authorization", &format!("Bearer {token}"));
        }
        request
    }

    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ApiError> {
        decode(send(self.request(Method::GET, path), None).await?)
    }

    /// POST or PUT a JSON body; `idempotency_key` makes a retried POST safe.
    pub async fn send<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: &B,
        idempotency_key: Option<&str>,
    ) -> Result<T, ApiError> {
        let json = serde_json::to_string(body).map_err(|e| ApiError::new(400, "bad_request", e.to_string()))?;
        let mut request = self.request(method, path).header("Content-Type", "application/json");
        if let Some(key) = idempotency_key {
            request = request.header("Idempotency-Key", key);
        }
        decode(send(request, Some(json)).await?)
    }

    /// Fetches a file with the bearer token and offers it as a download.
    pub async fn download(&self, path: &str, filename: &str, mime: &str) -> Result<(), ApiError> {
        let response =
            self.request(Method::GET, path).send().await.map_err(|e| ApiError::new(0, "network", e.to_string()))?;
        if !response.ok() {
            let status = response.status();
            let text = response.text().await.unwrap_or_default();
            return Err(error_from_body(status, &text));
        }
        let bytes = response.binary().await.map_err(|e| ApiError::new(0, "network", e.to_string()))?;
        crate::components::save_file(&bytes, filename, mime).map_err(|e| ApiError::new(0, "download", e))
    }
}

/// Sends the request; the body text of a 2xx answer, or the error.
async fn send(request: RequestBuilder, body: Option<String>) -> Result<String, ApiError> {
    let network = |e: gloo_net::Error| ApiError::new(0, "network", e.to_string());
    let response = match body {
        Some(body) => request.body(body).map_err(network)?.send().await,
        None => request.send().await,
    }
    .map_err(network)?;
    let status = response.status();
    let text = response.text().await.map_err(network)?;
    if (200..300).contains(&status) { Ok(text) } else { Err(error_from_body(status, &text)) }
}

fn decode<T: DeserializeOwned>(text: String) -> Result<T, ApiError> {
    serde_json::from_str(&text).map_err(|e| ApiError::new(502, "bad_response", format!("unexpected answer: {e}")))
}

/// The API's `{"error": {"code", "message"}}`, or the status alone.
pub fn error_from_body(status: u16, body: &str) -> ApiError {
    #[derive(serde::Deserialize)]
    struct Body {
        error: Detail,
    }
    #[derive(serde::Deserialize)]
    struct Detail {
        code: String,
        message: String,
    }
    match serde_json::from_str::<Body>(body) {
        Ok(b) => ApiError::new(status, b.error.code, b.error.message),
        Err(_) => ApiError::new(status, "http", format!("HTTP {status}")),
    }
}

/// A fresh key for `Idempotency-Key`.
pub fn random_key() -> String {
    let a = (js_sys::Math::random() * 1e15) as u64;
    let b = (js_sys::Math::random() * 1e15) as u64;
    format!("w{a:x}{b:x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_bodies_become_danish_messages() {
        let e = error_from_body(409, r#"{"error":{"code":"slot_taken","message":"the time is no longer free"}}"#);
        assert_eq!(e.code, "slot_taken");
        assert!(e.is_slot_taken());
        assert!(e.danish().contains("netop blevet booket"));
        let e =
            error_from_body(422, r#"{"error":{"code":"rule_violated","message":"… may hold at most 2 at a time"}}"#);
        assert!(e.is_cap_reached());
        assert!(error_from_body(502, "<html>").danish().contains("serveren"));
        assert!(danish_message(0, "network").contains("kan ikke nås"));
        assert!(danish_message(401, "unauthorized").contains("logget ind"));
    }

    #[test]
    fn urls_join_without_double_slashes() {
        let api = Api::new("https://api.example.dk/", Some("tok"));
        assert_eq!(api.url("/api/enrolment"), "https://api.example.dk/api/enrolment");
        assert_eq!(api.token(), Some("tok"));
    }
}
