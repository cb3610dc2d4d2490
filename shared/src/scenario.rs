//! The secretariat's budget scenarios: named sets of plan parameters
//! ([`PlanParams`]) it keeps, and two of them side by side with the
//! difference per municipality and year, as the GovTech annex compared the
//! key for 19 participants with the key for 17 by hand.

use std::fmt;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::{
    allocation::{AllocationError, Kroner, Plan, PlanParams, plan},
    booking::{FieldError, text_field},
    municipality::{Municipalities, MunicipalityCode},
};

/// The most scenarios the secretariat may keep.
pub const MAX_SCENARIOS: usize = 50;

text_field!(
    /// A scenario's name ("19 deltagere", "Uden Viborg og Samsø"), trimmed, 1-80 characters.
    ScenarioName, "name", 80
);

/// A scenario's id: `scn_` and 1-60 more of `a-z 0-9` (the API makes them).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ScenarioId(String);

impl ScenarioId {
    pub const PREFIX: &'static str = "scn_";

    pub fn parse(value: &str) -> Option<Self> {
        let rest = value.strip_prefix(Self::PREFIX)?;
        let ok =
            !rest.is_empty() && rest.len() <= 60 && rest.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
        ok.then(|| Self(value.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ScenarioId {
    type Error = String;
    fn try_from(value: String) -> Result<Self, String> {
        Self::parse(&value).ok_or_else(|| format!("{value:?} is not a scenario id (scn_…)"))
    }
}

impl From<ScenarioId> for String {
    fn from(value: ScenarioId) -> String {
        value.0
    }
}

impl fmt::Display for ScenarioId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One saved scenario. JSON: `{"id": "scn_…", "name": "19 deltagere",
/// "params": {…PlanParams…}, "created_at": "…", "updated_at": "…"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Scenario {
    #[cfg_attr(feature = "openapi", schemars(with = "String"))]
    pub id: ScenarioId,
    #[cfg_attr(feature = "openapi", schemars(with = "String"))]
    pub name: ScenarioName,
    pub params: PlanParams,
    #[cfg_attr(feature = "openapi", schemars(schema_with = "crate::openapi::timestamp"))]
    pub created_at: Timestamp,
    #[cfg_attr(feature = "openapi", schemars(schema_with = "crate::openapi::timestamp"))]
    pub updated_at: Timestamp,
}

impl Scenario {
    /// A scenario whose parameters make a plan; the plan's error otherwise,
    /// so nothing is saved that cannot be shown.
    pub fn new(
        id: ScenarioId,
        name: ScenarioName,
        params: PlanParams,
        municipalities: &Municipalities,
        now: Timestamp,
    ) -> Result<Self, AllocationError> {
        plan(&params, municipalities)?;
        Ok(Self { id, name, params, created_at: now, updated_at: now })
    }

    /// This scenario with a new name and parameters (checked as in [`Scenario::new`]).
    pub fn edited(
        &self,
        name: ScenarioName,
        params: PlanParams,
        municipalities: &Municipalities,
        now: Timestamp,
    ) -> Result<Self, AllocationError> {
        plan(&params, municipalities)?;
        Ok(Self { name, params, updated_at: now, ..self.clone() })
    }
}

/// One column of a comparison: a year of either plan, labelled by its
/// calendar year when both plans have one ("2021"), else by its number ("År 1").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct ComparedYear {
    pub label: String,
    /// What the municipalities pay together that year in A and in B.
    pub a: Kroner,
    pub b: Kroner,
}

/// One municipality in both scenarios. A municipality that opted out of a
/// scenario pays 0 there (`in_a`/`in_b` say whether it takes part).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct ComparedRow {
    pub code: MunicipalityCode,
    pub name: String,
    pub in_a: bool,
    pub in_b: bool,
    /// Per column of [`Comparison::years`].
    pub a: Vec<Kroner>,
    pub b: Vec<Kroner>,
    /// `b - a` per column: what B asks more (positive) or less of it.
    pub difference: Vec<i64>,
    pub a_total: Kroner,
    pub b_total: Kroner,
    pub difference_total: i64,
}

/// Scenario A next to scenario B. JSON:
/// `{"a": {…Scenario…}, "b": {…}, "years": [{"label": "2021", "a": …, "b": …}],
/// "rows": [{"code": 751, "name": "Aarhus", "a": […], "b": […], "difference": […], …}]}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Comparison {
    pub a: Scenario,
    pub b: Scenario,
    pub years: Vec<ComparedYear>,
    /// Every municipality of the region, by code.
    pub rows: Vec<ComparedRow>,
}

fn signed(n: Kroner) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The columns of two plans: by calendar year when both have a start year
/// (so 2021-2023 next to 2022-2024 gives 2021-2024), else by year number.
/// Each column holds the index of the year in A and in B, if it has one.
/// A column's label and the index of its year in A and in B, if any.
type Column = (String, Option<usize>, Option<usize>);

fn columns(a: &Plan, b: &Plan) -> Vec<Column> {
    match (a.params.start_year, b.params.start_year) {
        (Some(sa), Some(sb)) => {
            let end = |start: i16, p: &Plan| i32::from(start) + p.years.len() as i32;
            let (first, last) = (i32::from(sa.min(sb)), end(sa, a).max(end(sb, b)));
            (first..last)
                .map(|year| {
                    let index = |start: i16, p: &Plan| {
                        usize::try_from(year - i32::from(start)).ok().filter(|&i| i < p.years.len())
                    };
                    (year.to_string(), index(sa, a), index(sb, b))
                })
                .collect()
        }
        _ => (0..a.years.len().max(b.years.len()))
            .map(|i| (format!("År {}", i + 1), (i < a.years.len()).then_some(i), (i < b.years.len()).then_some(i)))
            .collect(),
    }
}

/// Scenario A next to scenario B, every municipality with the difference
/// per year and in all.
pub fn compare(a: &Scenario, b: &Scenario, municipalities: &Municipalities) -> Result<Comparison, AllocationError> {
    let (plan_a, plan_b) = (plan(&a.params, municipalities)?, plan(&b.params, municipalities)?);
    let columns = columns(&plan_a, &plan_b);
    let pick = |p: &Plan, i: Option<usize>| i.map_or(0, |i| p.years[i].shared);
    let years = columns
        .iter()
        .map(|(label, ia, ib)| ComparedYear { label: label.clone(), a: pick(&plan_a, *ia), b: pick(&plan_b, *ib) })
        .collect();
    let mut codes: Vec<MunicipalityCode> = municipalities.iter().map(|m| m.code).collect();
    codes.sort();
    let rows = codes
        .into_iter()
        .map(|code| {
            let ra = plan_a.rows.iter().find(|r| r.code == code);
            let rb = plan_b.rows.iter().find(|r| r.code == code);
            // The amount of each column, from the year of the plan it has there.
            let amounts = |row: Option<&crate::allocation::PlanRow>, index: &dyn Fn(&Column) -> Option<usize>| {
                columns.iter().map(|c| row.and_then(|r| index(c).map(|i| r.years[i])).unwrap_or(0)).collect::<Vec<_>>()
            };
            let a = amounts(ra, &|c| c.1);
            let b = amounts(rb, &|c| c.2);
            let difference = a.iter().zip(&b).map(|(&x, &y)| signed(y) - signed(x)).collect();
            let (a_total, b_total) = (a.iter().sum::<Kroner>(), b.iter().sum::<Kroner>());
            ComparedRow {
                code,
                name: municipalities.get(code).name.clone(),
                in_a: ra.is_some(),
                in_b: rb.is_some(),
                difference,
                difference_total: signed(b_total) - signed(a_total),
                a,
                b,
                a_total,
                b_total,
            }
        })
        .collect();
    Ok(Comparison { a: a.clone(), b: b.clone(), years, rows })
}

/// A scenario's parameters in one Danish sentence, as the comparison's
/// workbook and the secretariat's list state them: "3.000.000 kr. over 3 år
/// (2021-2023), 25 % ligeligt og resten efter indbyggertal; KD-Nets ramme
/// 0 kr. pr. år; bidrag udefra 500.000 kr. pr. år; fravalgt: Samsø, Viborg".
pub fn describe_da(params: &PlanParams) -> String {
    let kr = |n: Kroner| crate::format::kroner(signed(n));
    let years = match params.start_year {
        Some(start) => {
            format!("{} år ({}-{})", params.years, start, i64::from(start) + i64::from(params.years.max(1)) - 1)
        }
        None => format!("{} år", params.years),
    };
    let key = match params.key {
        crate::allocation::Key::PerCapita => "efter indbyggertal".to_string(),
        crate::allocation::Key::Hybrid { equal_percent } => {
            format!("{} ligeligt og resten efter indbyggertal", crate::format::percent(equal_percent.as_f64(), 0))
        }
    };
    let frame = if params.frame_by_year.is_empty() {
        format!("{} pr. år", kr(params.frame_per_year))
    } else {
        params.frame_by_year.iter().map(|&f| kr(f)).collect::<Vec<_>>().join(" / ")
    };
    let mut out = format!(
        "{} over {years}, {key}; KD-Nets ramme {frame}; bidrag udefra {} pr. år",
        kr(params.total),
        kr(params.contribution_per_year)
    );
    if !params.exclude.is_empty() {
        let names: Vec<&str> = params.exclude.iter().map(|c| c.name()).collect();
        out.push_str(&format!("; fravalgt: {}", names.join(", ")));
    }
    out
}

impl Comparison {
    /// As CSV: `code,name,` then per column `a_<label>,b_<label>,difference_<label>`,
    /// then `a_total,b_total,difference_total`; whole kroner, CRLF lines.
    pub fn to_csv(&self) -> String {
        let mut out = String::from("code,name");
        for y in &self.years {
            let label = y.label.replace(' ', "_").to_lowercase();
            out.push_str(&format!(",a_{label},b_{label},difference_{label}"));
        }
        out.push_str(",a_total,b_total,difference_total\r\n");
        for r in &self.rows {
            out.push_str(&format!("{},{}", r.code, csv_field(&r.name)));
            for i in 0..self.years.len() {
                out.push_str(&format!(",{},{},{}", r.a[i], r.b[i], r.difference[i]));
            }
            out.push_str(&format!(",{},{},{}\r\n", r.a_total, r.b_total, r.difference_total));
        }
        out
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\r', '\n']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_string() }
}

#[cfg(test)]
mod tests;
