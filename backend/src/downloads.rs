//! CSV and XLSX downloads of the enrolment overview and the budget plan. CSV is
//! for machines (plain numbers, English column names of DESIGN.md); XLSX is
//! for people (Danish column names, number formats, a sum row).

use axum::{
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
};
use dk2020_model::{
    allocation::Plan,
    enrolment::{EnrolmentOverview, StatusKind},
};
use rust_xlsxwriter::{Format, Workbook, XlsxError};

use crate::error::ApiError;

/// `?format=` of the download endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DownloadFormat {
    #[default]
    Json,
    Csv,
    Xlsx,
}

impl DownloadFormat {
    pub fn parse(value: Option<&str>) -> Result<Self, ApiError> {
        match value.map(str::trim) {
            None | Some("") | Some("json") => Ok(Self::Json),
            Some("csv") => Ok(Self::Csv),
            Some("xlsx") => Ok(Self::Xlsx),
            Some(other) => {
                Err(ApiError::bad_request(format!("format {other:?} is not offered: use json, csv or xlsx")))
            }
        }
    }
}

/// A file response with a download name.
pub fn attachment(body: Vec<u8>, content_type: &'static str, filename: &str) -> Response {
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\""))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"));
    ([(header::CONTENT_TYPE, HeaderValue::from_static(content_type)), (header::CONTENT_DISPOSITION, disposition)], body)
        .into_response()
}

pub const CSV: &str = "text/csv; charset=utf-8";
pub const TEXT: &str = "text/plain; charset=utf-8";
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn csv_bytes(header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> Result<Vec<u8>, ApiError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| ApiError::Internal(e.into());
    w.write_record(header).map_err(fail)?;
    for row in rows {
        w.write_record(&row).map_err(fail)?;
    }
    w.into_inner().map_err(|e| ApiError::Internal(anyhow::anyhow!("{e}")))
}

fn xlsx_fail(e: XlsxError) -> ApiError {
    ApiError::Internal(anyhow::anyhow!("xlsx: {e}"))
}

const VISIT_COLUMNS: [&str; 11] = [
    "code",
    "name",
    "part",
    "onsite",
    "online",
    "onsite_minutes",
    "driving_minutes",
    "cancelled_by_municipality",
    "cancelled_by_coordinator",
    "share_percent",
    "fair_share_percent",
];

/// The visits report, one row per municipality ([`VISIT_COLUMNS`]).
pub fn visits_csv(report: &dk2020_model::report::VisitsReport) -> Result<Vec<u8>, ApiError> {
    csv_bytes(
        &VISIT_COLUMNS,
        report.municipalities.iter().map(|r| {
            vec![
                r.municipality.to_string(),
                r.name.clone(),
                serde_json::to_value(r.part).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default(),
                r.onsite.to_string(),
                r.online.to_string(),
                r.onsite_minutes.to_string(),
                r.driving_minutes.to_string(),
                r.cancelled_by_municipality.to_string(),
                r.cancelled_by_coordinator.to_string(),
                format!("{:.2}", r.share_percent),
                format!("{:.2}", r.fair_share_percent),
            ]
        }),
    )
}

/// The visits report as a Danish workbook: the municipalities, then the two parts.
pub fn visits_xlsx(report: &dk2020_model::report::VisitsReport) -> Result<Vec<u8>, ApiError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let percent = Format::new().set_num_format("0.0%");
    let sheet = book.add_worksheet();
    sheet.set_name("Besøg").map_err(xlsx_fail)?;
    let title = format!(
        "Sessioner afholdt {} – {} (rimelig andel efter nøglen {})",
        dk2020_model::format::date(report.from),
        dk2020_model::format::date(report.to),
        report.key
    );
    sheet.write_string_with_format(0, 0, &title, &bold).map_err(xlsx_fail)?;
    let header = [
        "Kode",
        "Kommune",
        "Del af regionen",
        "Besøg",
        "Online",
        "Minutter på stedet",
        "Minutters kørsel",
        "Aflyst af kommunen",
        "Aflyst af koordinatoren",
        "Andel af sessionerne",
        "Rimelig andel",
    ];
    for (c, h) in header.iter().enumerate() {
        sheet.write_string_with_format(2, c as u16, *h, &bold).map_err(xlsx_fail)?;
    }
    for (i, r) in report.municipalities.iter().enumerate() {
        let row = 3 + i as u32;
        let counts = [
            r.onsite,
            r.online,
            r.onsite_minutes,
            r.driving_minutes,
            r.cancelled_by_municipality,
            r.cancelled_by_coordinator,
        ];
        sheet.write_number(row, 0, f64::from(r.municipality.get())).map_err(xlsx_fail)?;
        sheet.write_string(row, 1, &r.name).map_err(xlsx_fail)?;
        sheet.write_string(row, 2, r.part.label_da()).map_err(xlsx_fail)?;
        for (c, n) in counts.iter().enumerate() {
            sheet.write_number(row, 3 + c as u16, f64::from(*n)).map_err(xlsx_fail)?;
        }
        sheet.write_number_with_format(row, 9, r.share_percent / 100.0, &percent).map_err(xlsx_fail)?;
        sheet.write_number_with_format(row, 10, r.fair_share_percent / 100.0, &percent).map_err(xlsx_fail)?;
    }
    let mut row = 4 + report.municipalities.len() as u32;
    for (c, h) in ["Del af regionen", "Sessioner", "Minutter på stedet", "Minutters kørsel", "Andel", "Rimelig andel"]
        .iter()
        .enumerate()
    {
        sheet.write_string_with_format(row, c as u16, *h, &bold).map_err(xlsx_fail)?;
    }
    for p in &report.parts {
        row += 1;
        sheet.write_string(row, 0, p.part.label_da()).map_err(xlsx_fail)?;
        for (c, n) in [p.sessions, p.onsite_minutes, p.driving_minutes].iter().enumerate() {
            sheet.write_number(row, 1 + c as u16, f64::from(*n)).map_err(xlsx_fail)?;
        }
        sheet.write_number_with_format(row, 4, p.share_percent / 100.0, &percent).map_err(xlsx_fail)?;
        sheet.write_number_with_format(row, 5, p.fair_share_percent / 100.0, &percent).map_err(xlsx_fail)?;
    }
    sheet.autofit();
    book.save_to_buffer().map_err(xlsx_fail)
}

/// `code,name,population,status,round,decided_on`, one row per municipality.
pub fn enrolment_csv(overview: &EnrolmentOverview) -> Result<Vec<u8>, ApiError> {
    csv_bytes(
        &["code", "name", "population", "status", "round", "decided_on"],
        overview.municipalities.iter().map(|m| {
            vec![
                m.code.to_string(),
                m.name.clone(),
                m.population.to_string(),
                m.status.as_str().to_string(),
                m.round.map(|r| r.to_string()).unwrap_or_default(),
                m.decided_on.map(|d| d.to_string()).unwrap_or_default(),
            ]
        }),
    )
}

pub fn enrolment_xlsx(overview: &EnrolmentOverview) -> Result<Vec<u8>, ApiError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let thousands = Format::new().set_num_format("#,##0");
    let percent = Format::new().set_num_format("0.0%");
    let sheet = book.add_worksheet();
    sheet.set_name("Tilmelding").map_err(xlsx_fail)?;
    let title = format!("DK2020-tilmelding i Region Midtjylland pr. {}", dk2020_model::format::date(overview.as_of));
    sheet.write_string_with_format(0, 0, &title, &bold).map_err(xlsx_fail)?;
    let header = ["Kode", "Kommune", "Indbyggere", "Status", "Runde", "Besluttet"];
    for (c, h) in header.iter().enumerate() {
        sheet.write_string_with_format(2, c as u16, *h, &bold).map_err(xlsx_fail)?;
    }
    for (i, m) in overview.municipalities.iter().enumerate() {
        let r = 3 + i as u32;
        sheet.write_number(r, 0, f64::from(m.code.get())).map_err(xlsx_fail)?;
        sheet.write_string(r, 1, &m.name).map_err(xlsx_fail)?;
        sheet.write_number_with_format(r, 2, f64::from(m.population), &thousands).map_err(xlsx_fail)?;
        sheet.write_string(r, 3, m.status.label_da()).map_err(xlsx_fail)?;
        if let Some(round) = m.round {
            sheet.write_number(r, 4, f64::from(round.get())).map_err(xlsx_fail)?;
        }
        if let Some(d) = m.decided_on {
            sheet.write_string(r, 5, dk2020_model::format::date(d)).map_err(xlsx_fail)?;
        }
    }
    // The summary the KKR reads: per group the count, population and share.
    let mut r = 4 + overview.municipalities.len() as u32;
    for (c, h) in ["Gruppe", "Antal", "Indbyggere", "Andel af regionen", "Forventet"].iter().enumerate() {
        sheet.write_string_with_format(r, c as u16, *h, &bold).map_err(xlsx_fail)?;
    }
    let mut groups: Vec<(String, &dk2020_model::enrolment::Group, String)> =
        vec![("Allerede med (pilot)".into(), &overview.already_in, String::new())];
    for round in &overview.rounds {
        groups.push((
            format!(
                "Runde {} (frist {})",
                round.number,
                dk2020_model::enrolment::Round::deadline_da(round.deadline, round.deadline_expected)
            ),
            &round.group,
            format!("{}-{}", round.expected_min, round.expected_max),
        ));
    }
    groups.push(("Med i DK2020 i alt".into(), &overview.in_dk2020, String::new()));
    groups.push((StatusKind::CouncilConsidering.label_da().into(), &overview.council_considering, String::new()));
    groups.push((StatusKind::Undecided.label_da().into(), &overview.undecided, String::new()));
    groups.push((StatusKind::Declined.label_da().into(), &overview.declined, String::new()));
    for (label, group, expected) in groups {
        r += 1;
        sheet.write_string(r, 0, &label).map_err(xlsx_fail)?;
        sheet.write_number(r, 1, group.count as f64).map_err(xlsx_fail)?;
        sheet.write_number_with_format(r, 2, group.population as f64, &thousands).map_err(xlsx_fail)?;
        sheet.write_number_with_format(r, 3, group.share_of_region / 100.0, &percent).map_err(xlsx_fail)?;
        sheet.write_string(r, 4, &expected).map_err(xlsx_fail)?;
    }
    sheet.set_column_width(0, 34).map_err(xlsx_fail)?;
    sheet.set_column_width(1, 20).map_err(xlsx_fail)?;
    sheet.set_column_width(2, 12).map_err(xlsx_fail)?;
    sheet.set_column_width(3, 22).map_err(xlsx_fail)?;
    book.save_to_buffer().map_err(xlsx_fail)
}

/// The plan's CSV as DESIGN.md fixes it: `code,name,population,year_1…year_N,total`.
pub fn plan_csv(plan: &Plan) -> Vec<u8> {
    plan.to_csv().into_bytes()
}

pub fn plan_xlsx(plan: &Plan) -> Result<Vec<u8>, ApiError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let kroner = Format::new().set_num_format("#,##0 \"kr.\"");
    let kroner_bold = Format::new().set_num_format("#,##0 \"kr.\"").set_bold();
    let thousands = Format::new().set_num_format("#,##0");
    let sheet = book.add_worksheet();
    sheet.set_name("Fordeling").map_err(xlsx_fail)?;
    let mut header = vec!["Kode".to_string(), "Kommune".into(), "Indbyggere".into()];
    header.extend(plan.years.iter().map(|y| plan.params.year_label(y.year)));
    header.push("I alt".into());
    for (c, h) in header.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, h, &bold).map_err(xlsx_fail)?;
    }
    let years = plan.years.len() as u16;
    for (i, row) in plan.rows.iter().enumerate() {
        let r = 1 + i as u32;
        sheet.write_number(r, 0, f64::from(row.code.get())).map_err(xlsx_fail)?;
        sheet.write_string(r, 1, &row.name).map_err(xlsx_fail)?;
        sheet.write_number_with_format(r, 2, f64::from(row.population), &thousands).map_err(xlsx_fail)?;
        for (y, amount) in row.years.iter().enumerate() {
            sheet.write_number_with_format(r, 3 + y as u16, *amount as f64, &kroner).map_err(xlsx_fail)?;
        }
        sheet.write_number_with_format(r, 3 + years, row.total as f64, &kroner).map_err(xlsx_fail)?;
    }
    let r = 1 + plan.rows.len() as u32;
    sheet.write_string_with_format(r, 1, "I alt", &bold).map_err(xlsx_fail)?;
    for (y, amount) in plan.totals.years.iter().enumerate() {
        sheet.write_number_with_format(r, 3 + y as u16, *amount as f64, &kroner_bold).map_err(xlsx_fail)?;
    }
    sheet.write_number_with_format(r, 3 + years, plan.totals.total as f64, &kroner_bold).map_err(xlsx_fail)?;
    if plan.totals.frame > 0 {
        let note = format!("KD-Nets ramme dækker i alt {}", dk2020_model::format::kroner(plan.totals.frame as i64));
        sheet.write_string(r + 2, 1, &note).map_err(xlsx_fail)?;
    }
    if plan.totals.contribution > 0 {
        let note =
            format!("Bidrag udefra dækker i alt {}", dk2020_model::format::kroner(plan.totals.contribution as i64));
        sheet.write_string(r + 3, 1, &note).map_err(xlsx_fail)?;
    }
    sheet.set_column_width(1, 20).map_err(xlsx_fail)?;
    for c in 2..=3 + years {
        sheet.set_column_width(c, 14).map_err(xlsx_fail)?;
    }
    book.save_to_buffer().map_err(xlsx_fail)
}

/// Two scenarios side by side as a Danish workbook: each scenario's
/// parameters, then per municipality and year A, B and the difference.
pub fn comparison_xlsx(c: &dk2020_model::api::Comparison) -> Result<Vec<u8>, ApiError> {
    use dk2020_model::scenario::describe_da;
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let kroner = Format::new().set_num_format("#,##0 \"kr.\";-#,##0 \"kr.\"");
    let sheet = book.add_worksheet();
    sheet.set_name("Sammenligning").map_err(xlsx_fail)?;
    sheet.write_string_with_format(0, 0, "Scenarie A", &bold).map_err(xlsx_fail)?;
    sheet.write_string(0, 1, format!("{}: {}", c.a.name.as_str(), describe_da(&c.a.params))).map_err(xlsx_fail)?;
    sheet.write_string_with_format(1, 0, "Scenarie B", &bold).map_err(xlsx_fail)?;
    sheet.write_string(1, 1, format!("{}: {}", c.b.name.as_str(), describe_da(&c.b.params))).map_err(xlsx_fail)?;
    sheet.write_string(2, 1, "Forskel = B - A: positiv, når B koster kommunen mere.").map_err(xlsx_fail)?;
    let mut header = vec!["Kode".to_string(), "Kommune".into()];
    for y in &c.years {
        header.extend([format!("{} A", y.label), format!("{} B", y.label), format!("{} forskel", y.label)]);
    }
    header.extend(["I alt A".into(), "I alt B".into(), "I alt forskel".into()]);
    for (col, h) in header.iter().enumerate() {
        sheet.write_string_with_format(4, col as u16, h, &bold).map_err(xlsx_fail)?;
    }
    for (i, r) in c.rows.iter().enumerate() {
        let row = 5 + i as u32;
        sheet.write_number(row, 0, f64::from(r.code.get())).map_err(xlsx_fail)?;
        sheet.write_string(row, 1, &r.name).map_err(xlsx_fail)?;
        let values = (0..c.years.len()).flat_map(|y| [r.a[y] as f64, r.b[y] as f64, r.difference[y] as f64]).chain([
            r.a_total as f64,
            r.b_total as f64,
            r.difference_total as f64,
        ]);
        for (col, v) in (2u16..).zip(values) {
            sheet.write_number_with_format(row, col, v, &kroner).map_err(xlsx_fail)?;
        }
    }
    sheet.set_column_width(1, 20).map_err(xlsx_fail)?;
    for col in 2..header.len() as u16 {
        sheet.set_column_width(col, 14).map_err(xlsx_fail)?;
    }
    book.save_to_buffer().map_err(xlsx_fail)
}

pub const ICS: &str = "text/calendar; charset=utf-8";
