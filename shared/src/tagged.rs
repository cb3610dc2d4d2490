//! `Deserialize` by hand for the two internally tagged enums the booking
//! widget reads, [`Actor`] (`{"role": …}`) and [`BookingStatus`]
//! (`{"state": …}`).
//!
//! serde's derive reads an internally tagged enum by first buffering the
//! whole object in its generic `Content` tree, code that alone is a sizeable
//! part of the widget's wasm. These visitors read the fields in one pass.
//! They are what the wasm uses; native builds keep the derive (the tests
//! below check the two agree). Unknown fields are ignored, as with the derive.

use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};

use crate::{
    actor::{Actor, Role},
    booking::BookingStatus,
    municipality::MunicipalityCode,
};

/// A field name, as its index in `names` (`names.len()` for another name).
struct Field<const N: usize> {
    index: usize,
}

impl<const N: usize> Field<N> {
    fn read<'de, A: MapAccess<'de>>(map: &mut A, names: &'static [&'static str; N]) -> Result<Option<usize>, A::Error> {
        Ok(map.next_key_seed(FieldSeed(names))?.map(|f: Field<N>| f.index))
    }
}

struct FieldSeed<const N: usize>(&'static [&'static str; N]);

impl<'de, const N: usize> de::DeserializeSeed<'de> for FieldSeed<N> {
    type Value = Field<N>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Field<N>, D::Error> {
        d.deserialize_identifier(self)
    }
}

impl<'de, const N: usize> Visitor<'de> for FieldSeed<N> {
    type Value = Field<N>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Field<N>, E> {
        Ok(Field { index: self.0.iter().position(|n| *n == v).unwrap_or(N) })
    }
}

fn duplicate<E: de::Error>(name: &'static str) -> E {
    E::duplicate_field(name)
}

/// `{"role": "municipality", "municipality": 779}`, `{"role": "coordinator"}`.
pub fn actor<'de, D: Deserializer<'de>>(d: D) -> Result<Actor, D::Error> {
    struct ActorVisitor;

    impl<'de> Visitor<'de> for ActorVisitor {
        type Value = Actor;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an actor with a role")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Actor, A::Error> {
            const NAMES: [&str; 2] = ["role", "municipality"];
            let (mut role, mut municipality) = (None::<Role>, None::<MunicipalityCode>);
            while let Some(field) = Field::read(&mut map, &NAMES)? {
                match field {
                    0 if role.is_some() => return Err(duplicate("role")),
                    0 => role = Some(map.next_value()?),
                    1 if municipality.is_some() => return Err(duplicate("municipality")),
                    1 => municipality = Some(map.next_value()?),
                    _ => drop(map.next_value::<IgnoredAny>()?),
                }
            }
            match role.ok_or_else(|| de::Error::missing_field("role"))? {
                Role::Municipality => Ok(Actor::Municipality {
                    municipality: municipality.ok_or_else(|| de::Error::missing_field("municipality"))?,
                }),
                Role::Coordinator => Ok(Actor::Coordinator),
                Role::Secretariat => Ok(Actor::Secretariat),
            }
        }
    }

    d.deserialize_map(ActorVisitor)
}

/// `{"state": "confirmed"}`, `{"state": "cancelled", "by": {…}, "reason": …}`.
pub fn booking_status<'de, D: Deserializer<'de>>(d: D) -> Result<BookingStatus, D::Error> {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum State {
        Confirmed,
        Cancelled,
    }

    struct ActorSeed;

    impl<'de> de::DeserializeSeed<'de> for ActorSeed {
        type Value = Actor;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Actor, D::Error> {
            actor(d)
        }
    }

    struct StatusVisitor;

    impl<'de> Visitor<'de> for StatusVisitor {
        type Value = BookingStatus;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a booking status with a state")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<BookingStatus, A::Error> {
            const NAMES: [&str; 3] = ["state", "by", "reason"];
            let (mut state, mut by, mut reason) = (None::<State>, None::<Actor>, None::<Option<String>>);
            while let Some(field) = Field::read(&mut map, &NAMES)? {
                match field {
                    0 if state.is_some() => return Err(duplicate("state")),
                    0 => state = Some(map.next_value()?),
                    1 if by.is_some() => return Err(duplicate("by")),
                    1 => by = Some(map.next_value_seed(ActorSeed)?),
                    2 if reason.is_some() => return Err(duplicate("reason")),
                    2 => reason = Some(map.next_value()?),
                    _ => drop(map.next_value::<IgnoredAny>()?),
                }
            }
            match state.ok_or_else(|| de::Error::missing_field("state"))? {
                State::Confirmed => Ok(BookingStatus::Confirmed),
                State::Cancelled => Ok(BookingStatus::Cancelled {
                    by: by.ok_or_else(|| de::Error::missing_field("by"))?,
                    reason: reason.flatten(),
                }),
            }
        }
    }

    d.deserialize_map(StatusVisitor)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn by_hand<T>(
        json: &str,
        f: fn(&mut serde_json::Deserializer<serde_json::de::StrRead<'_>>) -> Result<T, serde_json::Error>,
    ) -> Option<T> {
        let mut d = serde_json::Deserializer::from_str(json);
        f(&mut d).ok()
    }

    #[test]
    fn actors_read_as_the_derive_reads_them() {
        for json in [
            r#"{"role":"municipality","municipality":779}"#,
            r#"{"municipality":779,"role":"municipality"}"#,
            r#"{"role":"coordinator"}"#,
            r#"{"role":"secretariat","note":[1,2.5,{"x":null}]}"#,
            r#"{"role":"municipality"}"#,
            r#"{"role":"municipality","municipality":101}"#,
            r#"{"role":"mayor"}"#,
            r#"{"municipality":779}"#,
            r#"{"role":"coordinator","role":"secretariat"}"#,
            r#""coordinator""#,
            r#"{}"#,
        ] {
            let derived = serde_json::from_str::<Actor>(json).ok();
            assert_eq!(by_hand(json, |d| actor(d)), derived, "{json}");
        }
    }

    #[test]
    fn booking_statuses_read_as_the_derive_reads_them() {
        for json in [
            r#"{"state":"confirmed"}"#,
            r#"{"state":"cancelled","by":{"role":"coordinator"},"reason":"Syg"}"#,
            r#"{"reason":null,"by":{"role":"municipality","municipality":779},"state":"cancelled"}"#,
            r#"{"state":"cancelled","by":{"role":"secretariat"}}"#,
            r#"{"state":"cancelled","reason":"Syg"}"#,
            r#"{"state":"cancelled","by":{"role":"nobody"}}"#,
            r#"{"state":"moved"}"#,
            r#"{"state":"confirmed","extra":true}"#,
            r#"{"by":{"role":"coordinator"}}"#,
            r#"{"state":"cancelled","by":{"role":"coordinator"},"reason":5}"#,
            r#"[]"#,
        ] {
            let derived = serde_json::from_str::<BookingStatus>(json).ok();
            assert_eq!(by_hand(json, |d| booking_status(d)), derived, "{json}");
        }
        let mut d = serde_json::Deserializer::from_str(r#"{"state":"cancelled"}"#);
        let err = booking_status(&mut d).unwrap_err().to_string();
        assert!(err.contains("missing field `by`"), "{err}");
    }
}
