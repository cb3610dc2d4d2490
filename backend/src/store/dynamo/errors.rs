//! SDK errors as store errors. What a retry (by the SDK, or later by the
//! client) can cure is `Unavailable` (503): no connection, timeouts,
//! throttling after the SDK's own retries, DynamoDB's 5xx, a missing table or
//! refused credentials (the deployment's trouble, not the request's). The rest
//! is our own fault (500).

use aws_sdk_dynamodb::{
    error::{DisplayErrorContext, ProvideErrorMetadata, SdkError},
    operation::transact_write_items::TransactWriteItemsError,
};

use crate::store::StoreError;

/// Service error codes that mean "not now" rather than "never".
const UNAVAILABLE_CODES: &[&str] = &[
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "LimitExceededException",
    "InternalServerError",
    "ServiceUnavailable",
    "TransactionInProgressException",
    "TransactionConflictException",
];

/// Codes of credentials DynamoDB does not accept.
const CREDENTIAL_CODES: &[&str] = &[
    "AccessDeniedException",
    "UnrecognizedClientException",
    "InvalidSignatureException",
    "ExpiredTokenException",
    "MissingAuthenticationTokenException",
    "IncompleteSignatureException",
];

pub fn sdk_error<E, R>(operation: &str, err: SdkError<E, R>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    let detail = DisplayErrorContext(&err).to_string();
    // The message goes to the client (503): what happened, in a sentence; the
    // details go to the log.
    let unavailable = |reason: &str| {
        tracing::warn!(operation, error = %detail, "DynamoDB unavailable");
        StoreError::Unavailable(format!("the database cannot be reached right now ({reason}); try again in a moment"))
    };
    match &err {
        SdkError::TimeoutError(_) => unavailable(&format!("DynamoDB {operation} timed out")),
        SdkError::DispatchFailure(failure) => {
            let why = if failure.is_timeout() {
                "timed out"
            } else if failure.is_io() {
                "no connection"
            } else {
                "the request could not be sent"
            };
            unavailable(&format!("DynamoDB {operation}: {why}"))
        }
        SdkError::ResponseError(_) => unavailable(&format!("DynamoDB {operation}: an unreadable answer")),
        SdkError::ServiceError(service) => {
            let code = service.err().code().unwrap_or("unknown");
            if UNAVAILABLE_CODES.contains(&code) {
                unavailable(&format!("DynamoDB {operation}: {code}, still after retries"))
            } else if code == "ResourceNotFoundException" {
                unavailable(&format!("DynamoDB {operation}: the table does not exist"))
            } else if CREDENTIAL_CODES.contains(&code) {
                unavailable(&format!("DynamoDB {operation}: the credentials were refused ({code})"))
            } else {
                StoreError::Internal(anyhow::anyhow!("DynamoDB {operation} failed: {detail}"))
            }
        }
        _ => StoreError::Internal(anyhow::anyhow!("DynamoDB {operation} failed: {detail}")),
    }
}

/// Why a `TransactWriteItems` did not happen.
#[derive(Debug)]
pub enum TxError {
    /// DynamoDB cancelled it: see [`Cancelled`].
    Cancelled(Cancelled),
    Other(StoreError),
}

/// The cancellation reasons of a transaction, one per item, each with the
/// name the item was given when the transaction was built ([`Tx`]), so a
/// failed condition is told by what it guards, not by its position.
#[derive(Debug)]
pub struct Cancelled(Vec<(&'static str, Option<String>)>);

impl Cancelled {
    /// Whether the item named `name` failed its condition.
    pub fn failed(&self, name: &str) -> bool {
        self.0.iter().any(|(n, r)| *n == name && r.as_deref() == Some("ConditionalCheckFailed"))
    }

    /// Whether the transaction may succeed when tried again as it is
    /// (another transaction held an item, or DynamoDB throttled it).
    pub fn transient(&self) -> bool {
        self.0
            .iter()
            .filter_map(|(_, r)| r.as_deref())
            .any(|r| matches!(r, "TransactionConflict" | "ThrottlingError" | "ProvisionedThroughputExceeded"))
    }

    /// A cancellation that nothing here explains: a validation error (e.g. an
    /// item grown past 400 KB) is our fault.
    pub fn unexplained(&self, operation: &str) -> StoreError {
        StoreError::Internal(anyhow::anyhow!("DynamoDB cancelled the {operation} transaction: {:?}", self.0))
    }
}

/// The items of one `TransactWriteItems`, each with a name for its
/// cancellation reason.
#[derive(Default)]
pub struct Tx {
    names: Vec<&'static str>,
    items: Vec<aws_sdk_dynamodb::types::TransactWriteItem>,
}

impl Tx {
    pub fn with(mut self, name: &'static str, item: aws_sdk_dynamodb::types::TransactWriteItem) -> Self {
        self.names.push(name);
        self.items.push(item);
        self
    }

    pub fn into_items(self) -> (Vec<&'static str>, Vec<aws_sdk_dynamodb::types::TransactWriteItem>) {
        (self.names, self.items)
    }
}

impl TxError {
    /// The SDK's error, with the cancellation reasons named after `names`
    /// (the items in the order they were sent).
    pub fn from_sdk<R>(err: SdkError<TransactWriteItemsError, R>, names: &[&'static str]) -> Self
    where
        R: std::fmt::Debug + Send + Sync + 'static,
    {
        if let Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) = err.as_service_error() {
            let reasons = cancelled
                .cancellation_reasons()
                .iter()
                .map(|r| r.code().filter(|c| !c.is_empty() && *c != "None").map(str::to_string));
            return TxError::Cancelled(Cancelled(names.iter().copied().zip(reasons).collect()));
        }
        TxError::Other(sdk_error("TransactWriteItems", err))
    }
}
