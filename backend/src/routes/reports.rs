//! The visits report (coordinator and secretariat): per municipality the
//! sessions held, hours on site, driving and cancellations, west and east,
//! next to each one's fair share by a key (`dk2020_model::report`).

use aide::{
    axum::{ApiRouter, routing::get_with},
    transform::TransformOperation,
};
use axum::{
    Json,
    extract::State,
    response::{IntoResponse, Response},
};
use dk2020_model::{
    COPENHAGEN, Role,
    allocation::{Key, KeyKind},
    dates::DateRange,
    report::{VisitsReport, visits_report},
    schedule::Availability,
};
use jiff::ToSpan;

use crate::{
    auth::Auth,
    downloads::{self, DownloadFormat},
    error::ApiError,
    extract::{Dates, QueryPairs},
    openapi::docs::{Describe, date_schema, download_response, format_parameter},
    state::AppState,
    store::{BookingFilter, SettingsExt},
};

pub fn router() -> ApiRouter<AppState> {
    ApiRouter::new().api_route("/reports/visits", get_with(visits, visits_docs))
}

fn visits_docs(o: TransformOperation) -> TransformOperation {
    o.op(
        "getVisitsReport",
        "reports",
        "Sessions held per municipality (JSON, CSV or XLSX)",
        "For each of the 19 municipalities, the sessions held in the period (confirmed and ended), on site and online, minutes on site, the minutes the coordinator drove for its visits, cancellations by the municipality and by the coordinator, its share of the sessions and its fair share by the key; sums for the west (Business Region MidtVest) and the east. At most 92 days; default the 92 days up to today.",
    )
    .roles(&[Role::Coordinator, Role::Secretariat], false)
    .query("from", false, date_schema(), "First Copenhagen date (default today − 91 days).")
    .query("to", false, date_schema(), "Last Copenhagen date, inclusive (default today).")
    .query("key", false, serde_json::json!({ "type": "string", "enum": ["per-capita", "hybrid"], "default": "per-capita" }), "The key of the fair shares.")
    .query("equal_percent", false, serde_json::json!({ "type": "number", "minimum": 0, "maximum": 100 }), "With `key=hybrid`: the percentage split equally.")
    .param(format_parameter("the report"))
    .answer(
        200,
        download_response::<VisitsReport>(
            "The report.",
            "Header `code,name,part,onsite,online,onsite_minutes,driving_minutes,cancelled_by_municipality,cancelled_by_coordinator,share_percent,fair_share_percent`, one row per municipality.",
            "dk2020-besoeg-2026-10-01-2026-12-31",
        ),
    )
    .errors(&[503])
}

async fn visits(
    auth: Auth,
    State(state): State<AppState>,
    query: QueryPairs,
    Dates(dates): Dates,
) -> Result<Response, ApiError> {
    query.only(&["from", "to", "key", "equal_percent", "format"])?;
    auth.require(&[Role::Coordinator, Role::Secretariat])?;
    let format = DownloadFormat::parse(query.get("format"))?;
    let kind = match query.get("key").filter(|k| !k.is_empty()) {
        Some(k) => k.parse::<KeyKind>().map_err(ApiError::bad_request)?,
        None => KeyKind::PerCapita,
    };
    let percent = query
        .get("equal_percent")
        .filter(|p| !p.is_empty())
        .map(|p| p.parse().map_err(ApiError::bad_request))
        .transpose()?;
    let key = Key::new(kind, percent).map_err(ApiError::bad_request)?;
    let now = state.now();
    let today = now.to_zoned_datetime(COPENHAGEN.clone()).date();
    let to = dates.to.unwrap_or(today);
    let from = dates.from.unwrap_or_else(|| to.saturating_sub(91.days()));
    let range = DateRange::new(from, to)?;
    let start_of = |d: jiff::civil::Date| dk2020_model::time::at_local(d.to_datetime(jiff::civil::Time::midnight()));
    let filter = BookingFilter {
        ends_after: Some(start_of(range.from())),
        starts_before: Some(start_of(range.to().tomorrow().map_err(|_| ApiError::bad_request("to is out of range"))?)),
        include_cancelled: true,
        ..BookingFilter::default()
    };
    let bookings = state.store.bookings(&filter).await?;
    let municipalities = state.store.municipalities().await?;
    let travel = state.store.setting::<Availability>().await?.rules.travel;
    let report = visits_report(&bookings, &municipalities, &travel, key, (range.from(), range.to()), now);
    let name = format!("dk2020-besoeg-{}-{}", range.from(), range.to());
    Ok(match format {
        DownloadFormat::Json => Json(report).into_response(),
        DownloadFormat::Csv => {
            downloads::attachment(downloads::visits_csv(&report)?, downloads::CSV, &format!("{name}.csv"))
        }
        DownloadFormat::Xlsx => {
            downloads::attachment(downloads::visits_xlsx(&report)?, downloads::XLSX, &format!("{name}.xlsx"))
        }
    })
}
