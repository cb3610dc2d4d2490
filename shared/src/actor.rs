//! Who does something: a municipality (acting for itself), the coordinator or
//! the KD-Net/KKR secretariat. The same three roles as the API's tokens.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::municipality::MunicipalityCode;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Municipality,
    Coordinator,
    Secretariat,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Municipality => "municipality",
            Role::Coordinator => "coordinator",
            Role::Secretariat => "secretariat",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "municipality" => Ok(Role::Municipality),
            "coordinator" => Ok(Role::Coordinator),
            "secretariat" => Ok(Role::Secretariat),
            other => Err(format!("unknown role {other:?}: use municipality, coordinator or secretariat")),
        }
    }
}

/// A role, with the municipality when the role is `municipality`.
/// JSON: `{"role": "municipality", "municipality": 779}` or `{"role": "coordinator"}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(Deserialize))]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(tag = "role", rename_all = "snake_case")]
pub enum Actor {
    Municipality { municipality: MunicipalityCode },
    Coordinator,
    Secretariat,
}

/// In the wasm: read by hand, without serde's buffering (see [`crate::tagged`]).
#[cfg(target_arch = "wasm32")]
impl<'de> Deserialize<'de> for Actor {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crate::tagged::actor(d)
    }
}

impl Actor {
    pub fn role(self) -> Role {
        match self {
            Actor::Municipality { .. } => Role::Municipality,
            Actor::Coordinator => Role::Coordinator,
            Actor::Secretariat => Role::Secretariat,
        }
    }

    pub fn municipality(self) -> Option<MunicipalityCode> {
        match self {
            Actor::Municipality { municipality } => Some(municipality),
            _ => None,
        }
    }
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Actor::Municipality { municipality } => write!(f, "{} Kommune", municipality.name()),
            Actor::Coordinator => f.write_str("klimakoordinatoren"),
            Actor::Secretariat => f.write_str("sekretariatet"),
        }
    }
}
