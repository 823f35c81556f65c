//! Facts from the small files beside a model's weights: `config.json`, `tokenizer_config.json`,
//! `generation_config.json`, `adapter_config.json` (PEFT) and training configuration
//! (`training_args.json`, `trainer_state.json`, hyperparameter YAML/JSON).
//!
//! Every file is optional and read with a size cap; a file that does not parse is skipped
//! with a warning, never an error: the weights are still inventoried.

use serde_json::Value;
use sha2::{Digest, Sha256};
use std::path::Path;

/// The largest side file read, in bytes.
pub const MAX_SIDE_FILE: u64 = 8 << 20;
/// The most hyperparameters kept from one model directory.
const MAX_HYPERPARAMETERS: usize = 200;
/// How deep a hyperparameter file's nested maps are flattened.
const MAX_FLATTEN_DEPTH: usize = 3;

/// Names of files that are part of a model directory besides its weights.
pub const SIDE_FILES: &[&str] = &[
    "config.json",
    "generation_config.json",
    "tokenizer_config.json",
    "tokenizer.json",
    "special_tokens_map.json",
    "adapter_config.json",
    "preprocessor_config.json",
    "vocab.txt",
    "vocab.json",
    "merges.txt",
    "tokenizer.model",
    "README.md",
];

/// Hyperparameter files, read as training configuration (besides `training_args.json` and
/// `trainer_state.json`).
pub const HYPERPARAMETER_FILES: &[&str] = &[
    "hparams.yaml",
    "hparams.yml",
    "hparams.json",
    "hyperparameters.json",
    "hyperparameters.yaml",
    "hyperparameters.yml",
    "training_config.json",
    "training_config.yaml",
    "training_config.yml",
    "train_config.json",
    "train_config.yaml",
    "train_config.yml",
];

/// Whether a file name is training configuration.
pub fn is_training_file(name: &str) -> bool {
    name == "training_args.json"
        || name == "trainer_state.json"
        || HYPERPARAMETER_FILES.contains(&name)
}

/// What the side files of one model directory say.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ModelFacts {
    /// `config.json` `model_type`.
    pub model_type: Option<String>,
    /// `config.json` `architectures[0]`.
    pub architecture: Option<String>,
    /// `config.json` `id2label` values, in id order.
    pub labels: Vec<String>,
    /// `config.json` `transformers_version`.
    pub transformers_version: Option<String>,
    /// `adapter_config.json` `base_model_name_or_path` (a PEFT adapter's base model).
    pub adapter_base: Option<String>,
    /// Facts as (name, value): sizes, dtype, quantisation, chat template digest, ...
    pub properties: Vec<(String, String)>,
    /// Training configuration as (key, value), first file first.
    pub hyperparameters: Vec<(String, String)>,
    /// The training configuration files read.
    pub training_files: Vec<String>,
    /// Files that could not be read or parsed.
    pub warnings: Vec<String>,
}

fn read_json(path: &Path, warnings: &mut Vec<String>) -> Option<Value> {
    let bytes = read_capped(path, MAX_SIDE_FILE, warnings)?;
    match serde_json::from_slice(&bytes) {
        Ok(v) => Some(v),
        Err(e) => {
            warnings.push(format!("{}: not valid JSON ({e}); skipped", path.display()));
            None
        }
    }
}

/// A small file (a side file, a card) read whole when it is at most `limit` bytes; too big or
/// unreadable is a warning. A missing file is `None` without one.
pub(crate) fn read_capped(path: &Path, limit: u64, warnings: &mut Vec<String>) -> Option<Vec<u8>> {
    let meta = std::fs::metadata(path).ok()?;
    if meta.len() > limit {
        warnings.push(format!(
            "{}: {} bytes, larger than the {} MiB read for side files and cards; skipped",
            path.display(),
            meta.len(),
            limit >> 20
        ));
        return None;
    }
    match std::fs::read(path) {
        Ok(b) => Some(b),
        Err(e) => {
            warnings.push(format!("{}: cannot read: {e}", path.display()));
            None
        }
    }
}

/// A scalar JSON value as text; `None` for null, arrays and maps.
fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.chars().take(256).collect()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Size and precision keys of `config.json` recorded as properties (first spelling found).
const CONFIG_KEYS: &[(&str, &[&str])] = &[
    ("hidden_size", &["hidden_size", "d_model", "dim", "n_embd"]),
    (
        "num_hidden_layers",
        &["num_hidden_layers", "n_layers", "num_layers", "n_layer"],
    ),
    (
        "num_attention_heads",
        &["num_attention_heads", "n_heads", "n_head"],
    ),
    ("vocab_size", &["vocab_size"]),
    (
        "max_position_embeddings",
        &["max_position_embeddings", "n_positions", "max_seq_len"],
    ),
    ("torch_dtype", &["torch_dtype", "dtype"]),
];

/// Training arguments kept from `training_args.json` (Hugging Face `TrainingArguments`).
const TRAINING_ARGS: &[&str] = &[
    "learning_rate",
    "num_train_epochs",
    "max_steps",
    "per_device_train_batch_size",
    "per_device_eval_batch_size",
    "gradient_accumulation_steps",
    "weight_decay",
    "warmup_steps",
    "warmup_ratio",
    "lr_scheduler_type",
    "optim",
    "seed",
    "fp16",
    "bf16",
    "max_grad_norm",
    "adam_beta1",
    "adam_beta2",
    "adam_epsilon",
    "label_smoothing_factor",
];

/// Read the side files present in `dir` (by name: `names` are the directory's file names).
pub fn read(dir: &Path, names: &[&str]) -> ModelFacts {
    let mut f = ModelFacts::default();
    let has = |n: &str| names.contains(&n);
    if has("config.json")
        && let Some(v) = read_json(&dir.join("config.json"), &mut f.warnings)
    {
        config(&v, &mut f);
    }
    if has("tokenizer_config.json")
        && let Some(v) = read_json(&dir.join("tokenizer_config.json"), &mut f.warnings)
    {
        chat_template(&v, &mut f);
    }
    if has("generation_config.json")
        && let Some(v) = read_json(&dir.join("generation_config.json"), &mut f.warnings)
    {
        for k in [
            "max_new_tokens",
            "max_length",
            "temperature",
            "top_p",
            "top_k",
        ] {
            if let Some(s) = v.get(k).and_then(scalar) {
                f.properties.push((format!("generation:{k}"), s));
            }
        }
    }
    if has("adapter_config.json")
        && let Some(v) = read_json(&dir.join("adapter_config.json"), &mut f.warnings)
    {
        f.adapter_base = v
            .get("base_model_name_or_path")
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned);
        for k in ["peft_type", "r", "lora_alpha", "task_type"] {
            if let Some(s) = v.get(k).and_then(scalar) {
                f.properties.push((format!("adapter:{k}"), s));
            }
        }
    }
    training(dir, names, &mut f);
    f
}

fn config(v: &Value, f: &mut ModelFacts) {
    let s = |k: &str| {
        v.get(k)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    f.model_type = s("model_type");
    f.architecture = v
        .get("architectures")
        .and_then(|a| a.get(0))
        .and_then(Value::as_str)
        .map(str::to_owned);
    f.transformers_version = s("transformers_version");
    for (name, spellings) in CONFIG_KEYS {
        if let Some(x) = spellings.iter().find_map(|k| v.get(*k).and_then(scalar)) {
            f.properties.push(((*name).to_owned(), x));
        }
    }
    if let Some(q) = v.get("quantization_config").and_then(Value::as_object) {
        let method = q
            .get("quant_method")
            .and_then(scalar)
            .unwrap_or_else(|| "unknown".into());
        f.properties.push(("quantization".into(), method));
        if let Some(bits) = q.get("bits").and_then(scalar).or_else(|| {
            q.get("load_in_4bit")
                .and_then(Value::as_bool)
                .filter(|b| *b)
                .map(|_| "4".to_owned())
        }) {
            f.properties.push(("quantization_bits".into(), bits));
        }
    }
    if let Some(m) = v.get("id2label").and_then(Value::as_object) {
        let mut labels: Vec<(u64, String)> = m
            .iter()
            .take(10_000)
            .filter_map(|(k, v)| Some((k.parse().ok()?, scalar(v)?)))
            .collect();
        labels.sort();
        f.labels = labels.into_iter().map(|(_, l)| l).collect();
    }
}

fn chat_template(v: &Value, f: &mut ModelFacts) {
    // A string, or a list of {name, template}.
    let mut templates: Vec<(String, String)> = Vec::new();
    match v.get("chat_template") {
        Some(Value::String(t)) => templates.push(("default".into(), t.clone())),
        Some(Value::Array(a)) => {
            for t in a.iter().take(64) {
                if let (Some(n), Some(body)) = (
                    t.get("name").and_then(Value::as_str),
                    t.get("template").and_then(Value::as_str),
                ) {
                    templates.push((n.to_owned(), body.to_owned()));
                }
            }
        }
        _ => {}
    }
    for (name, body) in templates {
        let d = hex::encode(Sha256::digest(body.as_bytes()));
        let key = if name == "default" {
            "chat_template_sha256".to_owned()
        } else {
            format!("chat_template_sha256:{name}")
        };
        f.properties.push((key, d));
    }
}

fn push_hp(f: &mut ModelFacts, key: String, value: String) {
    if f.hyperparameters.len() < MAX_HYPERPARAMETERS
        && !f.hyperparameters.iter().any(|(k, _)| *k == key)
    {
        f.hyperparameters.push((key, value));
    }
}

fn training(dir: &Path, names: &[&str], f: &mut ModelFacts) {
    if names.contains(&"training_args.json")
        && let Some(v) = read_json(&dir.join("training_args.json"), &mut f.warnings)
    {
        f.training_files.push("training_args.json".into());
        for k in TRAINING_ARGS {
            if let Some(s) = v.get(*k).and_then(scalar) {
                push_hp(f, (*k).to_owned(), s);
            }
        }
    }
    if names.contains(&"trainer_state.json")
        && let Some(v) = read_json(&dir.join("trainer_state.json"), &mut f.warnings)
    {
        f.training_files.push("trainer_state.json".into());
        for k in [
            "global_step",
            "epoch",
            "max_steps",
            "train_batch_size",
            "best_metric",
        ] {
            if let Some(s) = v.get(k).and_then(scalar) {
                push_hp(f, format!("trainer_state.{k}"), s);
            }
        }
        // The last logged training loss.
        if let Some(loss) = v
            .get("log_history")
            .and_then(Value::as_array)
            .and_then(|h| {
                h.iter().rev().find_map(|e| {
                    e.get("train_loss")
                        .or_else(|| e.get("loss"))
                        .and_then(scalar)
                })
            })
        {
            push_hp(f, "trainer_state.train_loss".into(), loss);
        }
    }
    for name in HYPERPARAMETER_FILES {
        if !names.contains(name) {
            continue;
        }
        let path = dir.join(name);
        let Some(bytes) = read_capped(&path, MAX_SIDE_FILE, &mut f.warnings) else {
            continue;
        };
        let parsed: Option<Value> = if name.ends_with(".json") {
            serde_json::from_slice(&bytes).ok()
        } else {
            std::str::from_utf8(&bytes)
                .ok()
                .and_then(|t| serde_saphyr::from_str(t).ok())
        };
        let Some(v) = parsed else {
            f.warnings
                .push(format!("{}: does not parse; skipped", path.display()));
            continue;
        };
        f.training_files.push((*name).to_owned());
        // Flatten scalars to dotted keys, breadth-first, bounded (no recursion).
        let mut queue: std::collections::VecDeque<(String, &Value, usize)> =
            std::collections::VecDeque::from([(String::new(), &v, 0)]);
        while let Some((prefix, v, depth)) = queue.pop_front() {
            let Some(m) = v.as_object() else { continue };
            for (k, x) in m {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                match x {
                    Value::Object(_) if depth + 1 < MAX_FLATTEN_DEPTH => {
                        queue.push_back((key, x, depth + 1));
                    }
                    _ => {
                        if let Some(s) = scalar(x) {
                            push_hp(f, key, s);
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_side_files_and_training_config() {
        let t = tempfile::tempdir().unwrap();
        let d = t.path();
        std::fs::write(
            d.join("config.json"),
            r#"{"model_type":"distilbert","architectures":["DistilBertForSequenceClassification"],
               "dim":768,"n_layers":6,"vocab_size":30522,"torch_dtype":"float32",
               "id2label":{"1":"technical","0":"billing"},"transformers_version":"4.57.0",
               "quantization_config":{"quant_method":"bitsandbytes","load_in_4bit":true}}"#,
        )
        .unwrap();
        std::fs::write(
            d.join("tokenizer_config.json"),
            r#"{"chat_template":"{{ messages }}"}"#,
        )
        .unwrap();
        std::fs::write(
            d.join("training_args.json"),
            r#"{"learning_rate":5e-05,"num_train_epochs":3,"seed":42,"output_dir":"/x"}"#,
        )
        .unwrap();
        std::fs::write(
            d.join("trainer_state.json"),
            r#"{"global_step":120,"epoch":3.0,"log_history":[{"loss":0.9},{"train_loss":0.41}]}"#,
        )
        .unwrap();
        std::fs::write(
            d.join("hparams.yaml"),
            "optimizer:\n  name: adamw\n  lr: 0.001\nseed: 7\n",
        )
        .unwrap();
        let names = [
            "config.json",
            "tokenizer_config.json",
            "training_args.json",
            "trainer_state.json",
            "hparams.yaml",
        ];
        let f = read(d, &names);
        assert_eq!(f.model_type.as_deref(), Some("distilbert"));
        assert_eq!(
            f.architecture.as_deref(),
            Some("DistilBertForSequenceClassification")
        );
        assert_eq!(f.labels, ["billing", "technical"]);
        let p = |k: &str| {
            f.properties
                .iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(p("hidden_size"), Some("768"));
        assert_eq!(p("num_hidden_layers"), Some("6"));
        assert_eq!(p("quantization"), Some("bitsandbytes"));
        assert_eq!(p("quantization_bits"), Some("4"));
        assert_eq!(
            p("chat_template_sha256"),
            Some(hex::encode(Sha256::digest(b"{{ messages }}")).as_str())
        );
        let h = |k: &str| {
            f.hyperparameters
                .iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(h("learning_rate"), Some("0.00005"));
        assert_eq!(h("seed"), Some("42"));
        assert_eq!(h("output_dir"), None);
        assert_eq!(h("trainer_state.global_step"), Some("120"));
        assert_eq!(h("trainer_state.train_loss"), Some("0.41"));
        assert_eq!(h("optimizer.lr"), Some("0.001"));
        assert_eq!(
            f.training_files,
            ["training_args.json", "trainer_state.json", "hparams.yaml"]
        );
        assert!(f.warnings.is_empty(), "{:?}", f.warnings);
    }

    #[test]
    fn broken_side_files_are_warnings() {
        let t = tempfile::tempdir().unwrap();
        std::fs::write(t.path().join("config.json"), "{nope").unwrap();
        std::fs::write(t.path().join("hparams.yaml"), ": : [").unwrap();
        let f = read(t.path(), &["config.json", "hparams.yaml"]);
        assert_eq!(f.model_type, None);
        assert_eq!(f.warnings.len(), 2, "{:?}", f.warnings);
    }
}
