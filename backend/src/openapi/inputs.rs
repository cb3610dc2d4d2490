//! What the API's own extractors and error type add to an operation's
//! description, so a handler's signature documents itself: a token
//! ([`Auth`]) means bearer security and 401/403, a JSON body
//! ([`JsonBody`]) its closed request schema and 400/413, a query string
//! ([`QueryPairs`], [`NoQuery`], [`Dates`]: unknown parameters are refused) 400, a path parameter
//! naming a municipality or booking ([`PathParam`]) 404.

use aide::{
    generate::GenContext,
    openapi::{Operation, SecurityRequirement},
    operation::{OperationInput, OperationOutput},
};
use schemars::JsonSchema;

use super::docs::{add_errors, set_request_body};
use crate::{
    auth::Auth,
    error::ApiError,
    extract::{Dates, JsonBody, NoQuery, OnlyDates, OptionalJsonBody, PathParam, QueryPairs},
    manage_link::ManageKey,
};

/// The name of the bearer security scheme in `components.securitySchemes`.
pub const BEARER: &str = "bearerAuth";
pub const MANAGE_LINK: &str = "manageLink";
pub const EMBED_KEY: &str = "embedKey";
pub const SESSION: &str = "sessionCookie";

/// A token or a session; the booking view's calls add the embed key
/// (`docs::Describe::embed_key`).
impl OperationInput for Auth {
    fn operation_input(_ctx: &mut GenContext, operation: &mut Operation) {
        operation.security.push(SecurityRequirement::from_iter([(BEARER.to_string(), Vec::new())]));
        operation.security.push(SecurityRequirement::from_iter([(SESSION.to_string(), Vec::new())]));
        add_errors(operation, &[401, 403]);
    }
}

impl OperationInput for ManageKey {
    fn operation_input(_ctx: &mut GenContext, operation: &mut Operation) {
        operation.security.push(SecurityRequirement::from_iter([(MANAGE_LINK.to_string(), Vec::new())]));
        add_errors(operation, &[401, 410]);
    }
}

impl<T: JsonSchema> OperationInput for JsonBody<T> {
    fn operation_input(_ctx: &mut GenContext, operation: &mut Operation) {
        set_request_body::<T>(operation, true);
        add_errors(operation, &[400, 413]);
    }
}

impl<T: JsonSchema> OperationInput for OptionalJsonBody<T> {
    fn operation_input(_ctx: &mut GenContext, operation: &mut Operation) {
        set_request_body::<T>(operation, false);
        add_errors(operation, &[400, 413]);
    }
}

impl OperationInput for QueryPairs {
    fn operation_input(_ctx: &mut GenContext, operation: &mut Operation) {
        add_errors(operation, &[400]);
    }
}

/// Any query parameter is refused: 400.
impl OperationInput for NoQuery {
    fn operation_input(_ctx: &mut GenContext, operation: &mut Operation) {
        add_errors(operation, &[400]);
    }
}

/// A date outside the service's dates, or a bad range: 400. The parameters
/// themselves are described by the operation (their defaults differ).
impl OperationInput for Dates {
    fn operation_input(_ctx: &mut GenContext, operation: &mut Operation) {
        add_errors(operation, &[400]);
    }
}

impl OperationInput for OnlyDates {
    fn operation_input(_ctx: &mut GenContext, operation: &mut Operation) {
        add_errors(operation, &[400]);
    }
}

impl OperationInput for PathParam {
    fn operation_input(_ctx: &mut GenContext, operation: &mut Operation) {
        add_errors(operation, &[404]);
    }
}

/// The statuses an `ApiError` can take depend on the handler; each
/// operation lists its own (`docs::Describe::errors`).
impl OperationOutput for ApiError {
    type Inner = ();
}
