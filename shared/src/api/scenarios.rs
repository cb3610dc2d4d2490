//! The secretariat's budget scenarios (`GET`/`POST /api/budget/scenarios`,
//! `PUT`/`DELETE …/{id}`, `GET /api/budget/comparison?a=&b=`): what it
//! sends to save one, and the list the API answers. The scenario and the
//! comparison themselves are [`crate::scenario`]'s.

use serde::{Deserialize, Serialize};

pub use crate::scenario::{ComparedRow, ComparedYear, Comparison, Scenario};
use crate::{allocation::PlanParams, scenario::ScenarioName};

/// `POST /api/budget/scenarios` and `PUT /api/budget/scenarios/{id}`:
/// `{"name": "Uden Viborg og Samsø", "params": {"key": "hybrid", "equal_percent": 25, "exclude": [791, 741]}}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct ScenarioRequest {
    #[cfg_attr(feature = "openapi", schemars(with = "String", length(min = 1, max = 80)))]
    pub name: ScenarioName,
    #[serde(default)]
    pub params: PlanParams,
}

/// `GET /api/budget/scenarios`: every saved scenario, the oldest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct ScenariosResponse {
    pub scenarios: Vec<Scenario>,
}
