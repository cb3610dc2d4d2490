//! The vocabulary the route modules describe their operations with, next to
//! their handlers: `get_with(handler, |o| o.op(…).roles(…).errors(…))`.
//! What the handler's signature tells (body, token, query string, path
//! parameter, JSON answer) comes from `inputs` and aide; these add what only
//! the handler body knows: who may call it, which rules refuse what, the
//! query parameters `QueryPairs::only` lists.

use std::cell::RefCell;

use aide::{
    openapi::{MediaType, Operation, ReferenceOr, RequestBody, Response, SchemaObject, StatusCode},
    transform::TransformOperation,
};
use dk2020_model::Role;
use schemars::{JsonSchema, SchemaGenerator, generate::SchemaSettings};
use serde_json::{Value, json};

thread_local! {
    /// Request bodies get their schemas from their own generator, with the
    /// deserialize contract (what the API accepts: serde defaults make fields
    /// optional). `super::document` merges its definitions into the
    /// components, closed and renamed where they differ from the answers'.
    static REQUESTS: RefCell<SchemaGenerator> = RefCell::new(request_generator());
}

fn request_generator() -> SchemaGenerator {
    SchemaSettings::draft2020_12()
        .with(|s| {
            s.definitions_path = "#/components/schemas/".into();
            s.meta_schema = None;
        })
        .for_deserialize()
        .into_generator()
}

/// The request schemas' definitions gathered since the last call.
pub(super) fn take_request_definitions() -> serde_json::Map<String, Value> {
    REQUESTS.with(|g| std::mem::replace(&mut *g.borrow_mut(), request_generator()).take_definitions(true))
}

/// Forgets request schemas gathered by an earlier, unfinished build.
pub(super) fn reset_request_definitions() {
    REQUESTS.with(|g| *g.borrow_mut() = request_generator());
}

/// A JSON request body of type `T`.
pub fn set_request_body<T: JsonSchema>(operation: &mut Operation, required: bool) {
    let json_schema = REQUESTS.with(|g| g.borrow_mut().subschema_for::<T>());
    let media = MediaType {
        schema: Some(SchemaObject { json_schema, external_docs: None, example: None }),
        ..MediaType::default()
    };
    operation.request_body = Some(ReferenceOr::Item(RequestBody {
        content: [("application/json".to_string(), media)].into_iter().collect(),
        required,
        ..RequestBody::default()
    }));
}

/// The name of an error status's entry in `components.responses`.
pub fn error_response_name(status: u16) -> Option<&'static str> {
    Some(match status {
        400 => "BadRequest",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "NotFound",
        409 => "Conflict",
        410 => "Gone",
        413 => "PayloadTooLarge",
        422 => "Unprocessable",
        503 => "Unavailable",
        _ => return None,
    })
}

/// References the shared error responses for `statuses` (once each).
pub fn add_errors(operation: &mut Operation, statuses: &[u16]) {
    let responses = operation.responses.get_or_insert_with(Default::default);
    for &status in statuses {
        let name = error_response_name(status).unwrap_or_else(|| panic!("no error response for {status}"));
        responses.responses.entry(StatusCode::Code(status)).or_insert_with(|| ReferenceOr::Reference {
            reference: format!("#/components/responses/{name}"),
            summary: None,
            description: None,
        });
    }
}

/// `{"$ref": "#/components/schemas/…"}` of `T` in the answers' generator.
pub fn response_schema<T: JsonSchema>() -> schemars::Schema {
    aide::generate::in_context(|ctx| ctx.schema.subschema_for::<T>())
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Municipality => "municipality",
        Role::Coordinator => "coordinator",
        Role::Secretariat => "secretariat",
    }
}

/// The date format of the query parameters.
pub fn date_schema() -> Value {
    json!({ "type": "string", "format": "date", "examples": ["2026-12-01"] })
}

/// The codes and slugs a path or query parameter naming a municipality accepts.
pub fn municipality_param_schema() -> Value {
    let all = dk2020_model::MunicipalityCode::all();
    let mut values: Vec<String> = all.iter().map(|c| c.get().to_string()).collect();
    values.extend(all.iter().map(|c| c.slug().to_string()));
    json!({
        "type": "string",
        "enum": values,
        "description": "A municipality of Region Midtjylland: its official code (`779`) or its slug (`skive`, case-insensitive).",
        "examples": ["779", "skive"],
    })
}

/// The description of an operation, added to what its handler's signature gave.
pub trait Describe: Sized {
    fn operation(&mut self) -> &mut Operation;

    /// Its id, tag, summary and description.
    fn op(mut self, id: &str, tag: &str, summary: &str, description: &str) -> Self {
        let o = self.operation();
        o.operation_id = Some(id.to_string());
        o.tags = vec![tag.to_string()];
        o.summary = Some(summary.to_string());
        o.description = Some(description.to_string());
        self
    }

    /// Who may call it (`x-roles`, and said in the description); no roles:
    /// anyone, without a token. `own_booking`: a municipality only for its
    /// own bookings.
    fn roles(mut self, roles: &[Role], own_booking: bool) -> Self {
        let o = self.operation();
        let names: Vec<&str> = roles.iter().map(|&r| role_name(r)).collect();
        if !names.is_empty() {
            let mut who = format!("\n\nWho: {}.", names.join(", "));
            if own_booking {
                who.push_str(" A municipality only for its own bookings (403 for another's).");
            }
            o.description.get_or_insert_with(String::new).push_str(&who);
        }
        o.extensions.insert("x-roles".into(), json!(names));
        self
    }

    /// Called with a manage link's key (`Authorization: Bearer dkm_…`), not
    /// a token: its booking's municipality acts.
    fn manage_link(mut self) -> Self {
        let o = self.operation();
        o.description.get_or_insert_with(String::new).push_str(
            "\n\nWho: the holder of the booking's manage link (the key in the mails to its contact), as the booking's municipality. No booking id in the path: the key names the booking.",
        );
        o.extensions.insert("x-roles".into(), json!(["manage_link"]));
        self
    }

    /// Also callable with an intranet's embed key (the booking view's calls).
    fn embed_key(mut self) -> Self {
        let o = self.operation();
        o.security
            .push(aide::openapi::SecurityRequirement::from_iter([(super::inputs::EMBED_KEY.to_string(), Vec::new())]));
        o.description
            .get_or_insert_with(String::new)
            .push_str(" Also with an intranet's embed key, for its own municipality.");
        self
    }

    /// The error statuses the handler body can answer with, beyond those
    /// its extractors add.
    fn errors(mut self, statuses: &[u16]) -> Self {
        add_errors(self.operation(), statuses);
        self
    }

    /// A parameter, as its OpenAPI JSON (`{"name", "in", "schema", …}`).
    fn param(mut self, parameter: Value) -> Self {
        let parameter = serde_json::from_value(parameter).expect("a valid parameter object");
        self.operation().parameters.push(ReferenceOr::Item(parameter));
        self
    }

    /// A query parameter.
    fn query(self, name: &str, required: bool, schema: Value, description: &str) -> Self {
        self.param(
            json!({ "name": name, "in": "query", "required": required, "schema": schema, "description": description }),
        )
    }

    /// An optional query parameter whose empty value (`?name=`) counts as missing.
    fn query_empty_ok(self, name: &str, schema: Value, description: &str) -> Self {
        self.param(json!({ "name": name, "in": "query", "required": false, "allowEmptyValue": true, "schema": schema, "description": description }))
    }

    /// A path parameter shared by several operations (`components.parameters`).
    fn path_parameter(mut self, component: &str) -> Self {
        self.operation().parameters.push(ReferenceOr::Reference {
            reference: format!("#/components/parameters/{component}"),
            summary: None,
            description: None,
        });
        self
    }

    /// The description of the success answer the handler's type gave.
    fn ok(mut self, description: &str) -> Self {
        let responses = self.operation().responses.get_or_insert_with(Default::default);
        match responses.responses.get_mut(&StatusCode::Code(200)) {
            Some(ReferenceOr::Item(response)) => response.description = description.to_string(),
            _ => panic!("no inferred 200 answer to describe"),
        }
        self
    }

    /// An answer written out (downloads, headers, statuses other than 200).
    fn answer(mut self, status: u16, response: Value) -> Self {
        let response: Response = serde_json::from_value(response).expect("a valid response object");
        let responses = self.operation().responses.get_or_insert_with(Default::default);
        responses.responses.insert(StatusCode::Code(status), ReferenceOr::Item(response));
        self
    }

    /// A JSON answer of type `T` with `status`.
    fn json_response<T: JsonSchema>(self, status: u16, description: &str, headers: Value) -> Self {
        let schema = response_schema::<T>();
        self.answer(
            status,
            json!({ "description": description, "headers": headers, "content": { "application/json": { "schema": schema } } }),
        )
    }

    /// An optional JSON request body of type `T` (the body may be empty),
    /// replacing what the handler's raw-bytes extractor said.
    fn optional_body<T: JsonSchema>(mut self) -> Self {
        set_request_body::<T>(self.operation(), false);
        self
    }

    /// Replaces the security requirement the extractors gave.
    fn security(mut self, scheme: &str) -> Self {
        let o = self.operation();
        o.security = vec![aide::openapi::SecurityRequirement::from_iter([(scheme.to_string(), Vec::new())])];
        self
    }
}

impl Describe for TransformOperation<'_> {
    fn operation(&mut self) -> &mut Operation {
        self.inner_mut()
    }
}

/// An operation described from scratch, for a handler whose signature aide
/// cannot read (`ApiRouter::api_route_docs`).
pub struct Bare(pub Operation);

impl Describe for Bare {
    fn operation(&mut self) -> &mut Operation {
        &mut self.0
    }
}

/// `Content-Disposition` of a download.
pub fn content_disposition(example: &str) -> Value {
    json!({
        "Content-Disposition": {
            "description": format!("With a file (not with JSON): its name, e.g. `attachment; filename=\"{example}\"`."),
            "schema": { "type": "string" },
        }
    })
}

/// The 200 of an endpoint offering JSON, CSV and XLSX (`?format=`).
pub fn download_response<T: JsonSchema>(description: &str, csv: &str, file: &str) -> Value {
    json!({
        "description": description,
        "headers": content_disposition(&format!("{file}.csv")),
        "content": {
            "application/json": { "schema": response_schema::<T>() },
            "text/csv": { "schema": { "type": "string", "description": csv } },
            crate::downloads::XLSX: {
                "schema": { "description": "An Excel workbook (Danish column names, number formats, a sum row)." },
            },
        },
    })
}

/// The 200 of an iCalendar download.
pub fn calendar_response(description: &str, file: &str) -> Value {
    json!({
        "description": description,
        "headers": content_disposition(file),
        "content": {
            "text/calendar": { "schema": { "type": "string", "description": "An iCalendar (RFC 5545) file." } },
        },
    })
}

/// `?format=json|csv|xlsx`.
pub fn format_parameter(what: &str) -> Value {
    json!({
        "name": "format",
        "in": "query",
        "required": false,
        "allowEmptyValue": true,
        "schema": { "type": "string", "enum": ["json", "csv", "xlsx"], "default": "json" },
        "description": format!("`json` (default), `csv` or `xlsx` (download of {what})."),
    })
}
