//! Hugging Face model and dataset cards: the YAML front matter of a `README.md`.

use serde::Deserialize;
use serde_json::Value;

/// The card fields vouch uses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Card {
    /// `license` (one or more licence ids or names).
    pub licenses: Vec<String>,
    /// `base_model` (model ids).
    pub base_model: Vec<String>,
    /// `datasets` (dataset ids).
    pub datasets: Vec<String>,
    /// `pipeline_tag` (the task).
    pub pipeline_tag: Option<String>,
    /// `tags`.
    pub tags: Vec<String>,
}

/// The largest front matter parsed, in bytes.
const MAX_FRONT_MATTER: usize = 256 << 10;

/// Parse the front matter of a card (text between a leading `---` line and the next
/// `---` line). `None` when there is none or it is not a YAML mapping.
pub fn parse(text: &str) -> Option<Card> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let rest = text
        .strip_prefix("---\n")
        .or_else(|| text.strip_prefix("---\r\n"))?;
    let end = rest.match_indices("\n---").map(|(i, _)| i).find(|&i| {
        let after = rest.get(i + 4..).unwrap_or("");
        after.is_empty() || after.starts_with('\n') || after.starts_with("\r\n")
    })?;
    let yaml = rest.get(..end)?;
    if yaml.len() > MAX_FRONT_MATTER {
        return None;
    }
    // Typed first (list items read as strings, so `- y` stays "y", not YAML 1.1 `true`);
    // when an item is not a scalar, fall back to a generic value and keep what is text.
    let raw: Raw = match serde_saphyr::from_str(yaml) {
        Ok(r) => r,
        Err(_) => {
            let v: Value = serde_saphyr::from_str(yaml).ok()?;
            let m = v.as_object()?;
            let f = |k: &str| Some(Strings(loose(m.get(k))));
            Raw {
                license: f("license"),
                base_model: f("base_model"),
                datasets: f("datasets"),
                pipeline_tag: f("pipeline_tag"),
                tags: f("tags"),
            }
        }
    };
    let get = |v: Option<Strings>| {
        v.map(|s| s.0)
            .unwrap_or_default()
            .into_iter()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
    };
    Some(Card {
        licenses: get(raw.license),
        base_model: get(raw.base_model),
        datasets: get(raw.datasets),
        pipeline_tag: get(raw.pipeline_tag).into_iter().next(),
        tags: get(raw.tags),
    })
}

/// A string or a list of strings from a generic value (other scalars as text).
fn loose(v: Option<&Value>) -> Vec<String> {
    let one = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    };
    match v {
        Some(Value::Array(a)) => a.iter().filter_map(one).collect(),
        Some(v) => one(v).into_iter().collect(),
        None => Vec::new(),
    }
}

/// The front matter fields read; other keys are ignored.
#[derive(Deserialize)]
struct Raw {
    #[serde(default)]
    license: Option<Strings>,
    #[serde(default)]
    base_model: Option<Strings>,
    #[serde(default)]
    datasets: Option<Strings>,
    #[serde(default)]
    pipeline_tag: Option<Strings>,
    #[serde(default)]
    tags: Option<Strings>,
}

/// A scalar or a list of scalars, as strings. List items are asked for as strings, so
/// `- y` stays `"y"`; other shapes (maps, nested lists) are skipped, not errors.
struct Strings(Vec<String>);

impl<'de> Deserialize<'de> for Strings {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Strings;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string or a list of strings")
            }
            fn visit_str<E>(self, v: &str) -> Result<Strings, E> {
                Ok(Strings(vec![v.to_owned()]))
            }
            fn visit_bool<E>(self, v: bool) -> Result<Strings, E> {
                Ok(Strings(vec![v.to_string()]))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Strings, E> {
                Ok(Strings(vec![v.to_string()]))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Strings, E> {
                Ok(Strings(vec![v.to_string()]))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Strings, E> {
                Ok(Strings(vec![v.to_string()]))
            }
            fn visit_unit<E>(self) -> Result<Strings, E> {
                Ok(Strings(Vec::new()))
            }
            fn visit_none<E>(self) -> Result<Strings, E> {
                Ok(Strings(Vec::new()))
            }
            fn visit_some<D2: serde::Deserializer<'de>>(self, d: D2) -> Result<Strings, D2::Error> {
                d.deserialize_any(V)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Strings, A::Error> {
                let mut out = Vec::new();
                while let Some(item) = seq.next_element::<Option<Scalar>>()? {
                    if let Some(Scalar(Some(s))) = item {
                        out.push(s);
                    }
                }
                Ok(Strings(out))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Strings, A::Error> {
                while map
                    .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
                    .is_some()
                {}
                Ok(Strings(Vec::new()))
            }
        }
        d.deserialize_any(V)
    }
}

/// A list item: a string when it is one, `None` for a map or list.
struct Scalar(Option<String>);

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Scalar;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E>(self, v: &str) -> Result<Scalar, E> {
                Ok(Scalar(Some(v.to_owned())))
            }
            fn visit_bool<E>(self, v: bool) -> Result<Scalar, E> {
                Ok(Scalar(Some(v.to_string())))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Scalar, E> {
                Ok(Scalar(Some(v.to_string())))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Scalar, E> {
                Ok(Scalar(Some(v.to_string())))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Scalar, E> {
                Ok(Scalar(Some(v.to_string())))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Scalar, A::Error> {
                while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                Ok(Scalar(None))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Scalar, A::Error> {
                while map
                    .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
                    .is_some()
                {}
                Ok(Scalar(None))
            }
        }
        d.deserialize_string(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_matter() {
        let c = parse("---\nlicense: mit\nother: {a: 1}\nbase_model: a/b\ndatasets:\n  - x\n  - y\npipeline_tag: fill-mask\ntags: [t]\n---\n# hi\n").unwrap();
        assert_eq!(c.licenses, ["mit"]);
        assert_eq!(c.base_model, ["a/b"]);
        assert_eq!(c.datasets, ["x", "y"]);
        assert_eq!(c.pipeline_tag.as_deref(), Some("fill-mask"));
        assert_eq!(c.tags, ["t"]);
    }

    #[test]
    fn odd_list_items_are_skipped() {
        let c = parse("---\ndatasets:\n  - {name: a}\n  - [b]\n  - c\n---\n").unwrap();
        assert_eq!(c.datasets, ["c"]);
    }

    #[test]
    fn no_or_bad_front_matter() {
        assert_eq!(parse("# just markdown"), None);
        assert_eq!(parse("---\nlicense: [unclosed\n---\n"), None);
        assert_eq!(parse("---\n- a list\n---\n"), None);
        assert_eq!(parse("---\nlicense: mit\n"), None);
    }
}
