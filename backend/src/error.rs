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
    api::{ErrorBody, ErrorCode},
    dates::DateError,
    lifecycle::Refusal,
    manage::LinkRefusal,
    schedule::{RuleViolation, SlotsError},
};

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
    /// 409: "send again" on a mail that has not failed.
    #[error("{0}")]
    MailNotFailed(String),
    /// 422: a calendar address the server will not fetch.
    #[error("{0}")]
    CalendarAddress(String),
    /// A manage link that opens nothing (401) or whose session has ended (410).
    #[error("{0}")]
    ManageLink(LinkRefusal),
    /// An embed key that opens nothing (401) or comes from a page not on its list (403).
    #[error("{message}")]
    EmbedKey { wrong_origin: bool, message: String },
    /// 410: an address that is no longer served.
    #[error("{0}")]
    Gone(String),
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
            ApiError::Conflict(_) | ApiError::MailNotFailed(_) => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::ManageLink(LinkRefusal::Unknown) => StatusCode::UNAUTHORIZED,
            ApiError::ManageLink(LinkRefusal::Expired) => StatusCode::GONE,
            ApiError::Unprocessable(_) | ApiError::CalendarAddress(_) => StatusCode::UNPROCESSABLE_ENTITY,
            // The time was just taken: another booking got there first.
            ApiError::Rule(RuleViolation::SlotTaken { .. }) => StatusCode::CONFLICT,
            // Her calendar took the time after it was offered (or it was never offered).
            ApiError::Rule(RuleViolation::CoordinatorBusy { .. }) => StatusCode::CONFLICT,
            // Stored settings are validated on every PUT: failing now is our fault.
            ApiError::Rule(RuleViolation::InvalidAvailability(_)) => StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::Rule(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::EmbedKey { wrong_origin: false, .. } => StatusCode::UNAUTHORIZED,
            ApiError::EmbedKey { wrong_origin: true, .. } => StatusCode::FORBIDDEN,
            ApiError::Gone(_) => StatusCode::GONE,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// A stable, machine-readable code for clients.
    pub fn code(&self) -> ErrorCode {
        match self {
            ApiError::BadRequest(_) => ErrorCode::BadRequest,
            ApiError::Unauthorized(_) => ErrorCode::Unauthorized,
            ApiError::Forbidden(_) => ErrorCode::Forbidden,
            ApiError::NotFound(_) => ErrorCode::NotFound,
            ApiError::Conflict(_) => ErrorCode::Conflict,
            ApiError::MailNotFailed(_) => ErrorCode::MailNotFailed,
            ApiError::ManageLink(LinkRefusal::Unknown) => ErrorCode::ManageLinkInvalid,
            ApiError::ManageLink(LinkRefusal::Expired) => ErrorCode::ManageLinkExpired,
            ApiError::PayloadTooLarge(_) => ErrorCode::PayloadTooLarge,
            ApiError::Unprocessable(_) => ErrorCode::RuleViolated,
            ApiError::CalendarAddress(_) => ErrorCode::CalendarAddressRefused,
            ApiError::Rule(v) => v.code(),
            ApiError::EmbedKey { wrong_origin: false, .. } => ErrorCode::EmbedKeyInvalid,
            ApiError::EmbedKey { wrong_origin: true, .. } => ErrorCode::EmbedKeyWrongOrigin,
            ApiError::Gone(_) => ErrorCode::Gone,
            ApiError::Unavailable(_) => ErrorCode::Unavailable,
            ApiError::Internal(_) => ErrorCode::Internal,
        }
    }

    pub fn bad_request(message: impl ToString) -> Self {
        ApiError::BadRequest(message.to_string())
    }

    pub fn not_found(what: impl std::fmt::Display) -> Self {
        ApiError::NotFound(format!("{what} was not found"))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(e) = &self {
            tracing::error!(error = ?e, "internal error");
        }
        let body = ErrorBody::new(self.code(), self.to_string());
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
        match e {
            SlotsError::RangeReversed { .. } | SlotsError::RangeTooLong { .. } => ApiError::BadRequest(e.to_string()),
            // Stored settings are validated on every PUT: failing now is our fault.
            _ => ApiError::Internal(anyhow::anyhow!("{e}")),
        }
    }
}

/// A date or `?from=&to=` range the caller gave: 400, whatever the rule.
impl From<DateError> for ApiError {
    fn from(e: DateError) -> Self {
        ApiError::BadRequest(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use dk2020_model::schedule::InvalidAvailability;
    use jiff::civil::date;

    use super::*;

    #[test]
    fn a_taken_time_is_409_other_rules_422_and_broken_settings_500() {
        let taken = ApiError::Rule(RuleViolation::SlotTaken { buffer: 15 });
        assert_eq!((taken.status(), taken.code()), (StatusCode::CONFLICT, ErrorCode::SlotTaken));
        let closed = ApiError::Rule(RuleViolation::ClosedDay { date: date(2026, 12, 24), name: "Juleaften".into() });
        assert_eq!((closed.status(), closed.code()), (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ClosedDay));
        let broken = ApiError::Rule(RuleViolation::InvalidAvailability(InvalidAvailability(vec!["x".into()])));
        assert_eq!(broken.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }

    #[test]
    fn slot_list_errors_are_400_for_a_bad_range_and_422_cap_reached_at_the_cap() {
        let from = date(2026, 12, 1);
        let reversed = ApiError::from(SlotsError::RangeReversed { from, to: date(2026, 11, 30) });
        assert_eq!((reversed.status(), reversed.code()), (StatusCode::BAD_REQUEST, ErrorCode::BadRequest));
        let long = ApiError::from(SlotsError::RangeTooLong { from, to: date(2027, 3, 3), days: 93, max: 92 });
        assert_eq!(long.status(), StatusCode::BAD_REQUEST);
        let cap = ApiError::from(SlotsError::CapReached { cap: 2, booked: 2 });
        assert_eq!((cap.status(), cap.code()), (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::CapReached));
        let broken = ApiError::from(SlotsError::InvalidAvailability(InvalidAvailability(vec!["x".into()])));
        assert_eq!(broken.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }
}
