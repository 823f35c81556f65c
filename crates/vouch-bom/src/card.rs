//! Hugging Face model and dataset cards: the YAML front matter of a `README.md`.
//!
//! Only the front matter is read (the Markdown body is free text vouch does not mine).
//! Scalar fields are read leniently (a string or a list of strings; maps and nested lists
//! skipped); the structured ones (`model-index`, `dataset_info`) are walked with bounds.

use serde::Deserialize;
use serde_json::Value;

/// One evaluation result of a model card's `model-index`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EvalResult {
    /// The task (`task.type`), e.g. `text-classification`.
    pub task: Option<String>,
    /// The dataset (`dataset.type`, else `dataset.name`).
    pub dataset: Option<String>,
    /// The split (`dataset.split`).
    pub split: Option<String>,
    /// The metric (`metrics[].type`, else its name), e.g. `accuracy`.
    pub metric: String,
    /// The value, as written.
    pub value: String,
}

/// A dataset split and its size, from a dataset card's `dataset_info.splits`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Split {
    /// `train`, `test`, ...
    pub name: String,
    /// `num_examples`.
    pub examples: Option<u64>,
}

/// The card fields vouch uses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Card {
    /// `license` (one or more licence ids or names); `license_name` when `license: other`.
    pub licenses: Vec<String>,
    /// `base_model` (model ids).
    pub base_model: Vec<String>,
    /// `base_model_relation` (`finetune`, `adapter`, `quantized`, `merge`).
    pub base_model_relation: Option<String>,
    /// `datasets` (dataset ids).
    pub datasets: Vec<String>,
    /// `pipeline_tag` (the task).
    pub pipeline_tag: Option<String>,
    /// `library_name` (`transformers`, `diffusers`, ...).
    pub library_name: Option<String>,
    /// `language`.
    pub language: Vec<String>,
    /// `tags`.
    pub tags: Vec<String>,
    /// `model-index` evaluation results (at most [`MAX_RESULTS`]).
    pub results: Vec<EvalResult>,
    /// Dataset cards: `pretty_name`.
    pub pretty_name: Option<String>,
    /// Dataset cards: `task_categories`.
    pub task_categories: Vec<String>,
    /// Dataset cards: `size_categories` (`1K<n<10K`, ...).
    pub size_categories: Vec<String>,
    /// Dataset cards: `source_datasets`.
    pub source_datasets: Vec<String>,
    /// Dataset cards: `dataset_info.features` as (name, dtype).
    pub features: Vec<(String, String)>,
    /// Dataset cards: `dataset_info.splits`.
    pub splits: Vec<Split>,
}

impl Card {
    /// Whether the front matter reads as a dataset card rather than a model card.
    pub fn is_dataset_card(&self) -> bool {
        self.base_model.is_empty()
            && self.pipeline_tag.is_none()
            && self.library_name.is_none()
            && self.results.is_empty()
            && (self.pretty_name.is_some()
                || !self.task_categories.is_empty()
                || !self.size_categories.is_empty()
                || !self.features.is_empty()
                || !self.splits.is_empty())
    }
}

/// The most `model-index` results kept.
pub const MAX_RESULTS: usize = 256;
/// The most dataset features or splits kept.
const MAX_FEATURES: usize = 1024;

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
                license_name: f("license_name"),
                base_model: f("base_model"),
                base_model_relation: f("base_model_relation"),
                datasets: f("datasets"),
                pipeline_tag: f("pipeline_tag"),
                library_name: f("library_name"),
                language: f("language"),
                tags: f("tags"),
                pretty_name: f("pretty_name"),
                task_categories: f("task_categories"),
                size_categories: f("size_categories"),
                source_datasets: f("source_datasets"),
            }
        }
    };
    // The structured parts, from a generic reading (absent when it fails).
    let generic: Option<Value> = serde_saphyr::from_str(yaml).ok();
    let get = |v: Option<Strings>| {
        v.map(|s| s.0)
            .unwrap_or_default()
            .into_iter()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
    };
    let mut licenses = get(raw.license);
    let license_name = get(raw.license_name);
    if licenses.iter().any(|l| l.eq_ignore_ascii_case("other")) && !license_name.is_empty() {
        licenses.retain(|l| !l.eq_ignore_ascii_case("other"));
        licenses.extend(license_name);
    }
    let first = |v: Option<Strings>| get(v).into_iter().next();
    Some(Card {
        licenses,
        base_model: get(raw.base_model),
        base_model_relation: first(raw.base_model_relation),
        datasets: get(raw.datasets),
        pipeline_tag: first(raw.pipeline_tag),
        library_name: first(raw.library_name),
        language: get(raw.language),
        tags: get(raw.tags),
        results: generic.as_ref().map(model_index).unwrap_or_default(),
        pretty_name: first(raw.pretty_name),
        task_categories: get(raw.task_categories),
        size_categories: get(raw.size_categories),
        source_datasets: get(raw.source_datasets),
        features: generic.as_ref().map(features).unwrap_or_default(),
        splits: generic.as_ref().map(splits).unwrap_or_default(),
    })
}

/// A scalar as text (strings trimmed; numbers and booleans printed).
fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// `model-index[].results[].metrics[]`, flattened, bounded.
fn model_index(front: &Value) -> Vec<EvalResult> {
    let mut out = Vec::new();
    let models = front.get("model-index").and_then(Value::as_array);
    for m in models.into_iter().flatten() {
        for r in m
            .get("results")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let task = text(r.pointer("/task/type")).or_else(|| text(r.pointer("/task/name")));
            let dataset =
                text(r.pointer("/dataset/type")).or_else(|| text(r.pointer("/dataset/name")));
            let split = text(r.pointer("/dataset/split"));
            for x in r
                .get("metrics")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let (Some(metric), Some(value)) = (
                    text(x.get("type")).or_else(|| text(x.get("name"))),
                    text(x.get("value")),
                ) else {
                    continue;
                };
                if out.len() >= MAX_RESULTS {
                    return out;
                }
                out.push(EvalResult {
                    task: task.clone(),
                    dataset: dataset.clone(),
                    split: split.clone(),
                    metric,
                    value,
                });
            }
        }
    }
    out
}

/// `dataset_info` is a map, or a list of maps (one per config): each map, bounded.
fn dataset_infos(front: &Value) -> Vec<&Value> {
    match front.get("dataset_info") {
        Some(Value::Array(a)) => a.iter().take(64).collect(),
        Some(v @ Value::Object(_)) => vec![v],
        _ => Vec::new(),
    }
}

/// `dataset_info.features[]` as (name, dtype): `dtype` when a scalar, else the feature's kind
/// (`class_label`, `sequence`, `list`, `struct`).
fn features(front: &Value) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for info in dataset_infos(front) {
        for f in info
            .get("features")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(name) = text(f.get("name")) else {
                continue;
            };
            let dtype = text(f.get("dtype")).unwrap_or_else(|| {
                [
                    "class_label",
                    "sequence",
                    "list",
                    "struct",
                    "image",
                    "audio",
                ]
                .into_iter()
                .find(|k| f.get(*k).is_some())
                .unwrap_or("unknown")
                .to_owned()
            });
            if out.len() < MAX_FEATURES && !out.iter().any(|(n, _)| *n == name) {
                out.push((name, dtype));
            }
        }
    }
    out
}

/// `dataset_info.splits[]` (summed over configs by split name).
fn splits(front: &Value) -> Vec<Split> {
    let mut out: Vec<Split> = Vec::new();
    for info in dataset_infos(front) {
        for s in info
            .get("splits")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(name) = text(s.get("name")) else {
                continue;
            };
            let n = s.get("num_examples").and_then(Value::as_u64);
            let len = out.len();
            match out.iter_mut().find(|x| x.name == name) {
                Some(x) => {
                    x.examples = match (x.examples, n) {
                        (Some(a), Some(b)) => Some(a.saturating_add(b)),
                        (a, b) => a.or(b),
                    }
                }
                None if len < MAX_FEATURES => out.push(Split { name, examples: n }),
                None => {}
            }
        }
    }
    out
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
    license_name: Option<Strings>,
    #[serde(default)]
    base_model: Option<Strings>,
    #[serde(default)]
    base_model_relation: Option<Strings>,
    #[serde(default)]
    datasets: Option<Strings>,
    #[serde(default)]
    pipeline_tag: Option<Strings>,
    #[serde(default)]
    library_name: Option<Strings>,
    #[serde(default)]
    language: Option<Strings>,
    #[serde(default)]
    tags: Option<Strings>,
    #[serde(default)]
    pretty_name: Option<Strings>,
    #[serde(default)]
    task_categories: Option<Strings>,
    #[serde(default)]
    size_categories: Option<Strings>,
    #[serde(default)]
    source_datasets: Option<Strings>,
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
    fn model_index_and_license_other() {
        let c = parse(
            "---\nlicense: other\nlicense_name: llama3\nlibrary_name: transformers\nmodel-index:\n- name: m\n  results:\n  - task: {type: text-classification}\n    dataset: {name: Tickets, type: acme/tickets, split: test}\n    metrics:\n    - {type: accuracy, value: 0.912}\n    - {name: F1, value: 0.9}\n    - {type: broken}\n---\n",
        )
        .unwrap();
        assert_eq!(c.licenses, ["llama3"]);
        assert_eq!(c.library_name.as_deref(), Some("transformers"));
        assert_eq!(c.results.len(), 2);
        assert_eq!(c.results[0].metric, "accuracy");
        assert_eq!(c.results[0].value, "0.912");
        assert_eq!(c.results[0].dataset.as_deref(), Some("acme/tickets"));
        assert_eq!(c.results[0].split.as_deref(), Some("test"));
        assert_eq!(c.results[1].metric, "F1");
        assert!(!c.is_dataset_card());
    }

    #[test]
    fn dataset_card() {
        let c = parse(
            "---\npretty_name: Tickets\ntask_categories: [text-classification]\nsize_categories: [n<1K]\ndataset_info:\n  features:\n  - {name: text, dtype: string}\n  - name: label\n    class_label: {names: {0: a}}\n  splits:\n  - {name: train, num_examples: 3}\n---\n",
        )
        .unwrap();
        assert!(c.is_dataset_card());
        assert_eq!(
            c.features,
            [
                ("text".to_owned(), "string".to_owned()),
                ("label".to_owned(), "class_label".to_owned())
            ]
        );
        assert_eq!(
            c.splits,
            [Split {
                name: "train".into(),
                examples: Some(3)
            }]
        );
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
