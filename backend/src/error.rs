//! The one error type of the API. Every failure a handler can meet becomes an
//! `ApiError`, rendered as `{"error": {"code": "...", "message": "..."}}` with a
//! fitting status. Client mistakes are 4xx; only our own faults are 5xx.

use axum::{
    Json,
    extract::rejection::QueryRejection,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use dk2020_model::{
    lifecycle::Refusal,
    schedule::{RuleViolation, SlotsError},
};
use serde::Serialize;

use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: malformed JSON, a bad parameter.
    #[error("{0}")]
    BadRequest(String),
    /// 401: no token, an invalid or expired one.
    #[error("{0}")]
    Unauthorized(String),
    /// 403: a valid token that may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// 404
    #[error("{0}")]
    NotFound(String),
    /// 409: the slot was just taken, or a concurrent change won.
    #[error("{0}")]
    Conflict(String),
    /// 413
    #[error("the request body is larger than {0} bytes")]
    PayloadTooLarge(usize),
    /// 422: well-formed, but a rule of the domain refuses it.
    #[error("{0}")]
    Unprocessable(String),
    /// A scheduling rule refused a booking: 409 when the time was just taken,
    /// 422 otherwise; the rule's own code (e.g. `too_short_notice`).
    #[error("{0}")]
    Rule(RuleViolation),
    /// 503: the store cannot be reached right now.
    #[error("{0}")]
    Unavailable(String),
    /// 500: our own fault; the details go to the log, not to the client.
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Rule(v) => StatusCode::from_u16(v.http_status()).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY),
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// A stable, machine-readable code for clients.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::BadRequest(_) => "bad_request",
            ApiError::Unauthorized(_) => "unauthorized",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::NotFound(_) => "not_found",
            ApiError::Conflict(_) => "conflict",
            ApiError::PayloadTooLarge(_) => "payload_too_large",
            ApiError::Unprocessable(_) => "rule_violated",
            ApiError::Rule(v) => v.code(),
            ApiError::Unavailable(_) => "unavailable",
            ApiError::Internal(_) => "internal",
        }
    }

    pub fn bad_request(message: impl ToString) -> Self {
        ApiError::BadRequest(message.to_string())
    }

    pub fn not_found(what: impl std::fmt::Display) -> Self {
        ApiError::NotFound(format!("{what} was not found"))
    }
}

/// The JSON body of every error response.
#[derive(Serialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize)]
pub struct ErrorDetail {
    /// `bad_request`, `unauthorized`, `forbidden`, `not_found`, `conflict`,
    /// `payload_too_large`, `rule_violated` (or the rule's own code, e.g.
    /// `too_short_notice`, `slot_taken`), `unavailable` or `internal`.
    pub code: String,
    pub message: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(e) = &self {
            tracing::error!(error = ?e, "internal error");
        }
        let body = ErrorBody { error: ErrorDetail { code: self.code().to_string(), message: self.to_string() } };
        // (`Connection: close` after a refused body: `app::close_after_refused_body`.)
        (self.status(), Json(body)).into_response()
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => ApiError::NotFound(what),
            StoreError::Conflict(why) => ApiError::Conflict(why),
            StoreError::Refused(refusal) => refusal.into(),
            StoreError::Unavailable(why) => ApiError::Unavailable(why),
            StoreError::Internal(e) => ApiError::Internal(e),
        }
    }
}

/// The model's refusal of a booking change: a rule's own code (409 or 422),
/// 409 for a state that does not allow the change, 403 for someone else's
/// booking, 422 for a session that has begun.
impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::Rule(v) => ApiError::Rule(v),
            Refusal::AlreadyCancelled | Refusal::CancelledCannotMove => ApiError::Conflict(refusal.to_string()),
            Refusal::NotYours => ApiError::Forbidden(refusal.to_string()),
            Refusal::AlreadyStarted => ApiError::Unprocessable(refusal.to_string()),
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        ApiError::BadRequest(r.body_text())
    }
}

impl From<SlotsError> for ApiError {
    fn from(e: SlotsError) -> Self {
        // At the cap the client gets the same code as when booking (`cap_reached`), so it can say why.
        if let SlotsError::CapReached { cap, booked } = e {
            return ApiError::Rule(RuleViolation::CapReached { cap, booked });
        }
        match e.http_status() {
            400 => ApiError::BadRequest(e.to_string()),
            422 => ApiError::Unprocessable(e.to_string()),
            _ => ApiError::Internal(anyhow::anyhow!("{e}")),
        }
    }
}
