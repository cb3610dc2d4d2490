//! The HTTP client of the widget: `gloo-net` requests to the DK2020 API with
//! the bearer token, JSON through the `dk2020-model` types, and the API's
//! error body `{"error": {"code", "message"}}` turned into [`ApiError`] with a
//! Danish message for people.

use std::sync::Arc;

use dk2020_model::api::{ErrorBody, ErrorCode};
use gloo_net::http::{Method, RequestBuilder};
use serde::{Serialize, de::DeserializeOwned};

/// Where the API is and who calls it. Cheap to clone (shared strings).
#[derive(Clone, Debug, PartialEq)]
pub struct Api {
    base: Arc<str>,
    credential: Credential,
}

/// What the widget shows the API: a bearer token (machine clients, the
/// manage page's key), an intranet's embed key (`key="…"`, sent as
/// `X-Embed-Key`), the staff page's session (the cookie goes by itself; the
/// page's CSRF token, `session="…"`, goes as `X-CSRF-Token`), or nothing.
#[derive(Clone, Debug, PartialEq, Default)]
pub enum Credential {
    #[default]
    None,
    Token(Arc<str>),
    EmbedKey(Arc<str>),
    Session(Arc<str>),
}

impl Credential {
    /// From the element's attributes: an embed key first (an intranet page),
    /// then the session, then a token; empty values count as missing.
    pub fn from_attributes(token: Option<&str>, key: Option<&str>, session: Option<&str>) -> Self {
        let given = |v: Option<&str>| v.map(str::trim).filter(|v| !v.is_empty()).map(Arc::<str>::from);
        if let Some(key) = given(key) {
            Credential::EmbedKey(key)
        } else if let Some(csrf) = given(session) {
            Credential::Session(csrf)
        } else if let Some(token) = given(token) {
            Credential::Token(token)
        } else {
            Credential::None
        }
    }

    pub fn is_none(&self) -> bool {
        matches!(self, Credential::None)
    }
}

/// A failed call: the HTTP status (0 when the API could not be reached) and
/// the API's error code. The API's English message is not kept: people are
/// told what went wrong in Danish, by the code ([`ApiError::danish`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ApiError {
    pub status: u16,
    pub code: ErrorCode,
}

impl ApiError {
    pub fn new(status: u16, code: ErrorCode) -> Self {
        Self { status, code }
    }

    /// No answer: the network or the browser refused the call.
    fn unreachable() -> Self {
        Self::new(0, ErrorCode::Unknown)
    }

    /// What went wrong, in Danish, by code (and status, for codes this build does not know).
    pub fn danish(&self) -> String {
        danish_message(self.status, self.code).to_string()
    }

    /// The time is no longer free: another booking, or her calendar, took it
    /// after it was offered. The booking view shows fresh slots.
    pub fn is_slot_taken(&self) -> bool {
        matches!(self.code, ErrorCode::SlotTaken | ErrorCode::CoordinatorBusy)
            || (self.status == 409 && self.code == ErrorCode::Unknown)
    }

    /// The municipality holds as many upcoming sessions as allowed: both
    /// `GET /api/slots` and `POST /api/bookings` say so with `cap_reached`.
    pub fn is_cap_reached(&self) -> bool {
        self.code == ErrorCode::CapReached
    }
}

/// The Danish message for an API error: by its code, and by the status for a
/// code this build does not know (a newer API) or no answer at all.
pub fn danish_message(status: u16, code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::SlotTaken => {
            "Tiden er netop blevet booket af en anden. Vælg en anden tid – listen over ledige tider er opdateret."
        }
        ErrorCode::CoordinatorBusy => {
            "Koordinatoren er optaget på det tidspunkt (et møde i hendes kalender, køretiden medregnet). Vælg en \
             anden tid – listen over ledige tider er opdateret."
        }
        ErrorCode::CalendarAddressRefused => {
            "Adressen kan ikke bruges: den skal begynde med https://, http:// eller webcal://, må ikke indeholde en \
             adgangskode og må ikke pege på et lokalt netværk. Brug kalenderens offentlige ICS-adresse."
        }
        ErrorCode::EmbedKeyInvalid => {
            "Der kan ikke længere bookes fra denne side: sidens nøgle til DK2020-planlæggeren er trukket tilbage \
             eller ukendt. Kontakt jeres it-afdeling eller DK2020-sekretariatet for en ny nøgle."
        }
        ErrorCode::EmbedKeyWrongOrigin => {
            "Der kan ikke bookes fra denne sides adresse: nøglen er kun godkendt til jeres intranet. Kontakt \
             jeres it-afdeling eller DK2020-sekretariatet."
        }
        ErrorCode::Gone => "Adressen bruges ikke længere. Hent det nye link hos koordinatoren.",
        ErrorCode::Conflict => "Nogen har netop ændret det samme. Hent siden igen, og prøv en gang til.",
        ErrorCode::CapReached => {
            "I har allerede det største antal kommende sessioner, en kommune må have ad gangen, så alle kommuner får \
             en tur. Book igen, når en af dem er afholdt eller aflyst."
        }
        ErrorCode::TooShortNotice => "Tiden ligger for tæt på nu: sessioner skal bookes med længere varsel.",
        ErrorCode::BeyondHorizon => "Tiden ligger for langt ude i fremtiden til at kunne bookes endnu.",
        ErrorCode::ClosedDay => "Koordinatoren holder lukket den dag (helligdag eller lukkedag).",
        ErrorCode::OutsideWorkingHours | ErrorCode::NotOnSlotGrid => "Tiden ligger uden for koordinatorens arbejdstid.",
        ErrorCode::TooManyOnsiteVisits => "Koordinatoren har allerede det største antal besøg den dag.",
        ErrorCode::ReservedForTour => {
            "Dagen er en turdag for en anden del af regionen: besøgene er forbeholdt kommunerne dér, indtil kort før \
             dagen. Vælg en anden dag eller et onlinemøde."
        }
        ErrorCode::CannotReachInTime => {
            "Koordinatoren kan ikke nå frem og tilbage inden for arbejdsdagen med den tid. Vælg en anden tid."
        }
        ErrorCode::RuleViolated => "Det kan ikke lade sig gøre efter reglerne.",
        ErrorCode::InvalidAvailability => {
            "Koordinatorens indstillinger for arbejdstider og regler er ugyldige. Kontakt koordinatoren."
        }
        ErrorCode::BadRange => "Datoperioden er ugyldig: vælg en kortere periode, der slutter efter den begynder.",
        ErrorCode::MailNotFailed => "Mailen er allerede sendt igen eller på vej. Listen er opdateret.",
        ErrorCode::ManageLinkInvalid => {
            "Linket virker ikke. Det kan være kopieret forkert eller kun delvist, eller koordinatoren har trukket det \
             tilbage. Brug linket i den seneste mail om mødet, eller svar på mailen."
        }
        ErrorCode::ManageLinkExpired => "Linket er udløbet, fordi mødet er afholdt. Book en ny tid via jeres intranet.",
        ErrorCode::BadRequest => "Oplysningerne blev afvist som ugyldige.",
        ErrorCode::Unauthorized => "Du er ikke logget ind, eller dit log-in er udløbet. Log ind igen.",
        ErrorCode::Forbidden => "Du har ikke adgang til dette.",
        ErrorCode::NotFound => "Det findes ikke (længere).",
        ErrorCode::MethodNotAllowed => "Widgetten og API'et passer ikke sammen. Hent siden igen.",
        ErrorCode::PayloadTooLarge => "Der blev sendt for meget data på én gang.",
        ErrorCode::Unavailable => "Tjenesten er midlertidigt utilgængelig. Prøv igen om lidt.",
        ErrorCode::Internal => "Der opstod en fejl på serveren. Prøv igen om lidt.",
        ErrorCode::Unknown => match status {
            0 => "API'et kan ikke nås lige nu. Tjek forbindelsen, og prøv igen om lidt.",
            409 => "Nogen har netop ændret det samme. Hent siden igen, og prøv en gang til.",
            422 => "Det kan ikke lade sig gøre efter reglerne.",
            400 => "Oplysningerne blev afvist som ugyldige.",
            401 => "Du er ikke logget ind, eller dit log-in er udløbet. Log ind igen.",
            403 => "Du har ikke adgang til dette.",
            404 => "Det findes ikke (længere).",
            410 => "Linket er udløbet, fordi mødet er afholdt. Book en ny tid via jeres intranet.",
            413 => "Der blev sendt for meget data på én gang.",
            503 => "Tjenesten er midlertidigt utilgængelig. Prøv igen om lidt.",
            500..=599 => "Der opstod en fejl på serveren. Prøv igen om lidt.",
            _ => "Der opstod en uventet fejl.",
        },
    }
}

impl Api {
    pub fn new(base: &str, credential: Credential) -> Self {
        Self { base: base.trim().trim_end_matches('/').into(), credential }
    }

    /// The absolute URL of an API path such as `/api/slots?…`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Whether an intranet's embed key is calling: the booking view then
    /// offers only what the key opens (no moving, no .ics download).
    pub fn is_embed_key(&self) -> bool {
        matches!(self.credential, Credential::EmbedKey(_))
    }

    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let request = RequestBuilder::new(&self.url(path)).method(method).header("Accept", "application/json");
        match &self.credential {
            Credential::None => request,
            Credential::Token(token) => request.header("Authorization", &format!("Bearer {token}")),
            Credential::EmbedKey(key) => request.header("X-Embed-Key", key),
            Credential::Session(csrf) => request.header("X-CSRF-Token", csrf),
        }
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
        let json = serde_json::to_string(body).map_err(|_| ApiError::new(400, ErrorCode::BadRequest))?;
        let mut request = self.request(method, path).header("Content-Type", "application/json");
        if let Some(key) = idempotency_key {
            request = request.header("Idempotency-Key", key);
        }
        decode(send(request, Some(json)).await?)
    }

    /// DELETE; the answer has no body (204).
    pub async fn delete(&self, path: &str) -> Result<(), ApiError> {
        send(self.request(Method::DELETE, path), None).await.map(|_| ())
    }

    /// Fetches a file with the bearer token and offers it as a download.
    pub async fn download(&self, path: &str, filename: &str, mime: &str) -> Result<(), ApiError> {
        let response = self.request(Method::GET, path).send().await.map_err(|_| ApiError::unreachable())?;
        if !response.ok() {
            let status = response.status();
            let text = response.text().await.unwrap_or_default();
            return Err(error_from_body(status, &text));
        }
        let bytes = response.binary().await.map_err(|_| ApiError::unreachable())?;
        crate::components::save_file(&bytes, filename, mime).map_err(|_| ApiError::unreachable())
    }
}

/// Sends the request; the body text of a 2xx answer, or the error.
async fn send(request: RequestBuilder, body: Option<String>) -> Result<String, ApiError> {
    let network = |_: gloo_net::Error| ApiError::unreachable();
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
    serde_json::from_str(&text).map_err(|_| ApiError::new(502, ErrorCode::Unknown))
}

/// The API's [`ErrorBody`], or the status alone (a proxy's HTML page, say).
pub fn error_from_body(status: u16, body: &str) -> ApiError {
    let code = serde_json::from_str::<ErrorBody>(body).map_or(ErrorCode::Unknown, |b| b.error.code);
    ApiError::new(status, code)
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
        assert_eq!(e.code, ErrorCode::SlotTaken);
        assert!(e.is_slot_taken());
        assert!(e.danish().contains("netop blevet booket"));
        // The cap is told by its code, whatever the English message says.
        let e = error_from_body(422, r#"{"error":{"code":"cap_reached","message":"anything"}}"#);
        assert!(e.is_cap_reached());
        let e =
            error_from_body(422, r#"{"error":{"code":"rule_violated","message":"… may hold at most 2 at a time"}}"#);
        assert!(!e.is_cap_reached());
        assert!(error_from_body(502, "<html>").danish().contains("serveren"));
        assert!(danish_message(0, ErrorCode::Unknown).contains("kan ikke nås"));
        assert!(danish_message(401, ErrorCode::Unauthorized).contains("logget ind"));
        // A code from a newer API falls back on the status.
        let e = error_from_body(403, r#"{"error":{"code":"quota_exceeded","message":"x"}}"#);
        assert_eq!((e.code, e.danish().as_str()), (ErrorCode::Unknown, "Du har ikke adgang til dette."));
    }

    /// English words the API's messages use; none may reach a person.
    const ENGLISH: [&str; 14] = [
        " the ",
        " is ",
        " not ",
        " at most",
        " must ",
        "error",
        "invalid",
        "request",
        "found",
        "slot",
        "booking",
        "range",
        "please",
        "try again",
    ];

    fn assert_danish(text: &str) {
        let padded = format!(" {} ", text.to_lowercase());
        assert!(text.len() > 10 && text.ends_with('.'), "not a sentence: {text:?}");
        for word in ENGLISH {
            assert!(!padded.contains(word), "English {word:?} in {text:?}");
        }
    }

    #[test]
    fn every_error_code_has_a_danish_text_of_its_own() {
        for code in ErrorCode::ALL {
            assert_danish(danish_message(422, code));
        }
        for status in [0, 400, 401, 403, 404, 409, 410, 413, 418, 422, 500, 502, 503] {
            assert_danish(danish_message(status, ErrorCode::Unknown));
        }
        // The rules each say which rule refused (two grid rules share one text).
        let rules = [
            ErrorCode::TooShortNotice,
            ErrorCode::BeyondHorizon,
            ErrorCode::ClosedDay,
            ErrorCode::OutsideWorkingHours,
            ErrorCode::TooManyOnsiteVisits,
            ErrorCode::CannotReachInTime,
            ErrorCode::CapReached,
            ErrorCode::SlotTaken,
            ErrorCode::CoordinatorBusy,
            ErrorCode::ReservedForTour,
        ];
        let texts: std::collections::BTreeSet<_> = rules.iter().map(|c| danish_message(422, *c)).collect();
        assert_eq!(texts.len(), rules.len());
        assert_ne!(danish_message(422, ErrorCode::TooShortNotice), danish_message(422, ErrorCode::RuleViolated));
    }

    #[test]
    fn urls_join_without_double_slashes() {
        let api = Api::new("https://api.example.dk/", Credential::Token("tok".into()));
        assert_eq!(api.url("/api/enrolment"), "https://api.example.dk/api/enrolment");
        assert!(!api.is_embed_key());
    }

    #[test]
    fn an_embed_key_wins_over_a_session_and_a_token() {
        assert_eq!(
            Credential::from_attributes(Some("t"), Some("dke_k"), Some("c")),
            Credential::EmbedKey("dke_k".into())
        );
        assert_eq!(Credential::from_attributes(Some("t"), Some(" "), Some("c")), Credential::Session("c".into()));
        assert_eq!(Credential::from_attributes(Some("t"), None, None), Credential::Token("t".into()));
        assert!(Credential::from_attributes(None, None, Some("")).is_none());
    }
}
