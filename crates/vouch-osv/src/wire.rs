//! The OSV record as it travels: a faithful, lenient serde model of the JSON (and YAML) text.
//!
//! Private on purpose: [`crate::advisory`] turns it into the domain model. Every field is
//! optional and unknown fields are ignored, so that a record from a newer schema version or a
//! sloppy exporter still loads; fields whose type varies between databases (scores, flags)
//! are read with [`Lenient`], which keeps strings and drops anything else.

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::fmt;

#[derive(Debug, Deserialize)]
pub(crate) struct Record {
    pub id: Option<String>,
    #[serde(default)]
    pub modified: Option<String>,
    #[serde(default)]
    pub published: Option<String>,
    #[serde(default)]
    pub withdrawn: Option<String>,
    #[serde(default)]
    pub aliases: Option<Vec<String>>,
    #[serde(default)]
    pub summary: Option<String>,
    #[serde(default)]
    pub details: Option<String>,
    #[serde(default)]
    pub severity: Option<Vec<Severity>>,
    #[serde(default)]
    pub affected: Option<Vec<Affected>>,
    #[serde(default)]
    pub references: Option<Vec<Reference>>,
    #[serde(default)]
    pub database_specific: Option<DatabaseSpecific>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Severity {
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub score: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Affected {
    #[serde(default)]
    pub package: Option<Package>,
    #[serde(default)]
    pub severity: Option<Vec<Severity>>,
    #[serde(default)]
    pub ranges: Option<Vec<Range>>,
    #[serde(default)]
    pub versions: Option<Vec<String>>,
    #[serde(default)]
    pub ecosystem_specific: Option<EcosystemSpecific>,
    #[serde(default)]
    pub database_specific: Option<DatabaseSpecific>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Package {
    #[serde(default)]
    pub ecosystem: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub purl: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Range {
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub events: Option<Vec<Event>>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Event {
    #[serde(default)]
    pub introduced: Option<String>,
    #[serde(default)]
    pub fixed: Option<String>,
    #[serde(default)]
    pub last_affected: Option<String>,
    #[serde(default)]
    pub limit: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Reference {
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
}

/// The parts of `database_specific` vouch reads: GitHub's `severity` word, RustSec's
/// `informational` kind.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct DatabaseSpecific {
    #[serde(default)]
    pub severity: Lenient,
    #[serde(default)]
    pub informational: Lenient,
}

/// The parts of `affected[].ecosystem_specific` vouch reads: the AI feed's `artifacts`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct EcosystemSpecific {
    #[serde(default)]
    pub artifacts: Option<Vec<Artifact>>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Artifact {
    #[serde(default)]
    pub sha256: Lenient,
    #[serde(default)]
    pub path: Lenient,
    #[serde(default)]
    pub kind: Lenient,
}

/// A string when the value is a string; `None` for null, numbers, lists or maps.
#[derive(Debug, Default)]
pub(crate) struct Lenient(pub Option<String>);

impl<'de> Deserialize<'de> for Lenient {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Lenient;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any value")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Lenient, E> {
                Ok(Lenient(Some(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Lenient, E> {
                Ok(Lenient(Some(v)))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Lenient, E> {
                Ok(Lenient(None))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Lenient, E> {
                Ok(Lenient(None))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Lenient, E> {
                Ok(Lenient(None))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Lenient, E> {
                Ok(Lenient(None))
            }
            fn visit_none<E: de::Error>(self) -> Result<Lenient, E> {
                Ok(Lenient(None))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Lenient, E> {
                Ok(Lenient(None))
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Lenient, D::Error> {
                Lenient::deserialize(d)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Lenient, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Lenient(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Lenient, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Lenient(None))
            }
        }
        d.deserialize_any(V)
    }
}

/// Parse JSON text.
pub(crate) fn from_json(bytes: &[u8]) -> Result<Record, String> {
    serde_json::from_slice(bytes).map_err(|e| e.to_string())
}

/// Parse YAML text (pypa/advisory-database's encoding). Versions and timestamps are read as the
/// text they are written as, whether quoted or not.
pub(crate) fn from_yaml(bytes: &[u8]) -> Result<Record, String> {
    let text = std::str::from_utf8(bytes).map_err(|e| format!("not UTF-8: {e}"))?;
    serde_saphyr::from_str(text).map_err(|e| first_line(&e.to_string()))
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or("").to_owned()
}
