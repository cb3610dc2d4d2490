//! JSON Schemas (`schemars::JsonSchema`) of the types whose wire form is not
//! what a derive would see: newtypes read through `try_from`/`into`,
//! hand-written `Serialize` impls, flattened or re-spelt representations.
//! Everything else derives its schema next to its type
//! (`#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]`).
//!
//! Only with the `openapi` feature, which the API enables for its generated
//! OpenAPI document; the widget's wasm carries none of this.
//!
//! Where what the API accepts differs from what it sends, the schema follows
//! the generator's contract: `Contract::Deserialize` describes requests (what
//! the parser and the field checks accept), `Contract::Serialize` answers.

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::{Value, json};

use crate::{
    allocation::{MAX_TOTAL, MAX_YEARS, PlanParams},
    booking::{BookingId, ContactName, Email, Topic},
    enrolment::{EnrolmentStatus, MAX_NOTE_CHARS as MAX_STATUS_NOTE_CHARS, RoundNumber, Rounds, StatusChangeRequest},
    municipality::MunicipalityCode,
    schedule::{DayHours, MAX_NOTE_CHARS as MAX_EXCEPTION_NOTE_CHARS, MAX_WINDOWS, WorkingHours},
    subscription::CalendarLabel,
    time::LocalTime,
};

fn schema(value: Value) -> Schema {
    Schema::try_from(value).expect("a schema is a JSON object")
}

fn is_request(generator: &SchemaGenerator) -> bool {
    generator.contract().is_deserialize()
}

/// A character class of the control characters `char::is_control` finds
/// (Unicode category Cc), less tab and line feed.
const CONTROL_BUT_TAB_LF: &str = "\\u0000-\\u0008\\u000B-\\u001F\\u007F-\\u009F";

/// Text the model trims and checks (`booking::checked_text`): at least one
/// non-blank character, no control characters but tab and line feed.
fn checked_text(max: usize, description: &str) -> Value {
    let c = CONTROL_BUT_TAB_LF;
    json!({
        "type": "string",
        "minLength": 1,
        "maxLength": max,
        "pattern": format!("^[^{c}]*[^\\s{c}][^{c}]*$"),
        "description": description,
    })
}

/// `impl JsonSchema` with a fixed name and a schema built by `$body`.
macro_rules! schema_by_hand {
    ($ty:ty, $name:literal, |$generator:ident| $body:expr) => {
        impl JsonSchema for $ty {
            fn schema_name() -> Cow<'static, str> {
                Cow::Borrowed($name)
            }
            fn schema_id() -> Cow<'static, str> {
                Cow::Borrowed(concat!("dk2020_model::", $name))
            }
            fn json_schema($generator: &mut SchemaGenerator) -> Schema {
                schema($body)
            }
        }
    };
}

schema_by_hand!(MunicipalityCode, "MunicipalityCode", |_g| {
    let codes: Vec<u16> = MunicipalityCode::all().iter().map(|c| c.get()).collect();
    json!({
        "type": "integer",
        "enum": codes,
        "description": "The official code of one of the 19 municipalities of Region Midtjylland, e.g. 779 (Skive).",
        "examples": [779],
    })
});

schema_by_hand!(LocalTime, "LocalTime", |_g| json!({
    "type": "string",
    "format": "date-time",
    "description": "An instant as RFC 3339 with an offset. The API sends Copenhagen local time with that date's offset (`+01:00` or `+02:00`); it accepts any offset, `Z` included.",
    "examples": ["2026-12-01T09:00:00+01:00"],
}));

schema_by_hand!(RoundNumber, "RoundNumber", |_g| json!({
    "type": "integer",
    "minimum": 1,
    "maximum": 5,
    "description": "A DK2020 application round: 1 and 2 were opened in 2020-2021; a later one exists once the secretariat adds it (`PUT /api/enrolment/rounds`).",
}));

schema_by_hand!(BookingId, "BookingId", |_g| json!({
    "type": "string",
    "pattern": "^[A-Za-z0-9_-]{1,64}$",
    "description": "A booking's id, made by the API.",
    "examples": ["b01jbc2x3y4ab12cd34ef56g"],
}));

/// A text field of the model (`Topic`, `ContactName`): as a request it must
/// pass the model's check, as an answer it is the text as stored.
fn text_field(generator: &SchemaGenerator, max: usize, what: &str) -> Value {
    if is_request(generator) {
        checked_text(
            max,
            &format!("{what}: 1-{max} characters after trimming, no control characters but tab and line feed."),
        )
    } else {
        json!({ "type": "string", "minLength": 1, "maxLength": max, "description": format!("{what}.") })
    }
}

schema_by_hand!(CalendarLabel, "CalendarLabel", |g| text_field(
    g,
    CalendarLabel::MAX_CHARS,
    "Her name for a calendar subscription"
));

schema_by_hand!(Topic, "Topic", |g| text_field(g, Topic::MAX_CHARS, "What the session is about"));

schema_by_hand!(ContactName, "ContactName", |g| text_field(
    g,
    ContactName::MAX_CHARS,
    "The municipality's contact person"
));

schema_by_hand!(Email, "Email", |g| if is_request(g) {
    json!({
        "type": "string",
        "format": "email",
        "maxLength": 254,
        "description": "An e-mail address: one `@`, a dotted domain, no spaces, at most 64 characters before the `@`.",
    })
} else {
    json!({ "type": "string", "minLength": 3, "maxLength": 254, "description": "The contact's e-mail address." })
});

schema_by_hand!(crate::allocation::Percent, "Percent", |_g| json!({
    "type": "number",
    "minimum": 0,
    "maximum": 100,
    "description": "A percentage from 0 to 100 with at most two decimals.",
}));

schema_by_hand!(DayHours, "DayHours", |g| {
    let one = g.subschema_for::<WorkingHours>();
    json!({
        "description": "The working windows of a day: one window as an object, or several (e.g. 08:30-12:00 and 12:30-16:00) as an array in time order. Sessions lie within one window.",
        "oneOf": [one, {"type": "array", "items": one, "minItems": 1, "maxItems": MAX_WINDOWS}],
    })
});

schema_by_hand!(Rounds, "Rounds", |g| {
    let number = g.subschema_for::<RoundNumber>();
    let count = json!({ "type": "integer", "minimum": 0, "maximum": 19 });
    json!({
        "type": "array",
        "description": "The rounds, each once; a later round's deadline after the earlier one's (400 otherwise). Rounds 1 and 2 must both be given (422).",
        "items": {
            "type": "object",
            "required": ["number", "deadline", "expected_min", "expected_max"],
            "additionalProperties": false,
            "properties": {
                "number": number,
                "deadline": { "type": "string", "format": "date", "description": "The application deadline (Copenhagen date)." },
                "expected_min": count,
                "expected_max": count,
                "deadline_expected": { "type": "boolean", "description": "The deadline is only expected (shown as its month, e.g. \"forventet oktober 2021\"); `false` once the date is firm." },
            },
        },
    })
});

schema_by_hand!(WorkingHours, "WorkingHours", |g| {
    let (pattern, description) = if is_request(g) {
        (
            // jiff's time parser; seconds must be zero.
            "^\\s*([01][0-9]|2[0-3]):[0-5][0-9](:00(\\.0+)?)?\\s*$",
            "A working window in Copenhagen wall-clock time, whole minutes (`08:30`; `08:30:00` is accepted), ending after it starts (400 otherwise).",
        )
    } else {
        (
            "^([01][0-9]|2[0-3]):[0-5][0-9]$",
            "A working window in Copenhagen wall-clock time (`HH:MM`), ending after it starts.",
        )
    };
    json!({
        "type": "object",
        "description": description,
        "required": ["start", "end"],
        "properties": {
            "start": { "type": "string", "pattern": pattern, "examples": ["08:30"] },
            "end": { "type": "string", "pattern": pattern, "examples": ["16:00"] },
        },
    })
});

// schemars implements `JsonSchema` for jiff 0.2 only (its `jiff02` feature),
// so the model's jiff 1 fields name these two: the same schemas jiff02 gave.

/// A `jiff::civil::Date` field: `YYYY-MM-DD`.
pub fn civil_date(_g: &mut SchemaGenerator) -> Schema {
    schema(json!({ "type": "string", "format": "date" }))
}

/// An `Option<jiff::civil::Date>` field: a date or `null`.
pub fn optional_civil_date(_g: &mut SchemaGenerator) -> Schema {
    schema(json!({ "type": ["string", "null"], "format": "date" }))
}

/// A `jiff::Timestamp` field: RFC 3339 with an offset.
pub fn timestamp(_g: &mut SchemaGenerator) -> Schema {
    schema(json!({ "type": "string", "format": "date-time" }))
}

/// An `Option<jiff::Timestamp>` field: RFC 3339 or `null`.
pub fn optional_timestamp(_g: &mut SchemaGenerator) -> Schema {
    schema(json!({ "type": ["string", "null"], "format": "date-time" }))
}

/// `DateException::note`: at most 200 characters, no control characters.
pub fn exception_note(_g: &mut SchemaGenerator) -> Schema {
    schema(json!({
        "oneOf": [
            { "type": "string", "maxLength": MAX_EXCEPTION_NOTE_CHARS, "pattern": "^[^\\u0000-\\u001F\\u007F-\\u009F]*$" },
            { "type": "null" },
        ],
        "description": format!("At most {MAX_EXCEPTION_NOTE_CHARS} characters, no control characters (422 otherwise)."),
    }))
}

fn date(description: &str) -> Value {
    json!({ "type": "string", "format": "date", "description": description, "examples": ["2026-12-01"] })
}

const NOT_ENROLLED: [&str; 4] = ["undecided", "council_considering", "already_in", "declined"];

schema_by_hand!(EnrolmentStatus, "EnrolmentStatus", |g| json!({
    "description": "A status with its data: `enrolled` carries the `round` and the council's `decided_on` date; every other status has `round: null` and no `decided_on`.",
    "oneOf": [
        {
            "type": "object",
            "required": ["status", "round", "decided_on"],
            "properties": {
                "status": { "const": "enrolled" },
                "round": g.subschema_for::<RoundNumber>(),
                "decided_on": date("The date of the council's decision."),
            },
        },
        {
            "type": "object",
            "required": ["status", "round"],
            "properties": {
                "status": { "enum": NOT_ENROLLED },
                "round": { "type": "null" },
            },
        },
    ],
}));

schema_by_hand!(StatusChangeRequest, "StatusChangeRequest", |g| {
    let note = json!({
        "oneOf": [
            { "type": "string", "maxLength": MAX_STATUS_NOTE_CHARS, "pattern": "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$" },
            { "type": "null" },
        ],
        "description": format!("A note kept with the change (blank counts as none): at most {MAX_STATUS_NOTE_CHARS} characters after trimming, no control characters but tab, line feed and carriage return (422 otherwise)."),
    });
    json!({
        "description": "The new status of a municipality. `enrolled` needs `round` and `decided_on` (not after today); the other statuses take neither (a `null` is accepted).",
        "oneOf": [
            {
                "type": "object",
                "required": ["status", "round", "decided_on"],
                "properties": {
                    "status": { "const": "enrolled" },
                    "round": g.subschema_for::<RoundNumber>(),
                    "decided_on": date("The date of the council's decision, not after today."),
                    "note": note,
                },
            },
            {
                "type": "object",
                "required": ["status"],
                "properties": {
                    "status": { "enum": NOT_ENROLLED },
                    "round": { "type": "null" },
                    "decided_on": { "type": "null" },
                    "note": note,
                },
            },
        ],
        "examples": [
            { "status": "enrolled", "round": 1, "decided_on": "2020-10-20", "note": "Byrådets beslutning" },
            { "status": "council_considering" },
        ],
    })
});

schema_by_hand!(PlanParams, "PlanParams", |g| {
    let total = json!({ "type": "integer", "minimum": 0, "maximum": MAX_TOTAL, "description": "The whole amount over all years, in kroner." });
    let years = json!({ "type": "integer", "minimum": 1, "maximum": MAX_YEARS, "description": "Number of years." });
    let kroner = json!({ "type": "integer", "minimum": 0, "description": "Whole Danish kroner." });
    let key = g.subschema_for::<crate::allocation::KeyKind>();
    let percent = g.subschema_for::<crate::allocation::Percent>();
    let exclude = json!({
        "type": "array",
        "items": g.subschema_for::<MunicipalityCode>(),
        "uniqueItems": true,
        "description": "Municipalities that opted out; the total stays the same. Not all of them.",
    });
    let properties = json!({
        "total": total,
        "years": years,
        "key": key,
        "equal_percent": { "allOf": [percent], "description": "The part split equally (hybrid key only)." },
        "frame_per_year": { "allOf": [kroner], "description": "What KD-Net's own budget frame covers of each year." },
        "frame_by_year": { "type": "array", "items": kroner, "maxItems": MAX_YEARS, "description": "The frame year by year when it differs: one amount per year (as many as `years`), replacing `frame_per_year`; empty to use `frame_per_year`." },
        "contribution_per_year": { "allOf": [kroner], "description": "Outside money each year (e.g. the region's 500000 kr.), taken off after the frame and before the municipalities' share." },
        "start_year": { "type": ["integer", "null"], "minimum": 2000, "maximum": 2100, "description": "The calendar year of the first year (2021 by default), so years are labelled 2021, 2022, …; null for \"År 1\", \"År 2\", …" },
        "exclude": exclude,
    });
    if is_request(g) {
        json!({
            "type": "object",
            "description": "Cost-sharing parameters; a missing field takes its default (3000000 kr. over the 3 years from 2021, per capita, no frame or outside contribution, nobody excluded). The `hybrid` key needs `equal_percent`; the per-capita key takes none (or 0). Parameters that cannot make a plan (years outside 1-50, a total above 2^53-1, `frame_by_year` not one amount per year, everyone excluded) are refused with 422.",
            "properties": properties,
            "if": { "properties": { "key": { "const": "hybrid" } }, "required": ["key"] },
            "then": { "required": ["equal_percent"] },
            "else": { "properties": { "equal_percent": { "const": 0 } } },
            "examples": [{ "total": 3000000, "years": 3, "key": "hybrid", "equal_percent": 25, "frame_per_year": 0, "contribution_per_year": 500000, "start_year": 2021, "exclude": [741] }],
        })
    } else {
        json!({
            "type": "object",
            "description": "Cost-sharing parameters. `equal_percent` is present exactly when `key` is `hybrid`.",
            "required": ["total", "years", "key", "frame_per_year", "frame_by_year", "contribution_per_year", "start_year", "exclude"],
            "properties": properties,
        })
    }
});
