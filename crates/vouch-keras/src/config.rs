//! Reading a Keras model config (`config.json` of a `.keras` archive, or the `model_config`
//! attribute of a legacy `.h5`) for what loading it would import, call or read.
//!
//! Every serialized Keras object is `{"module", "class_name", "config", "registered_name"}`
//! (Keras 3) or `{"class_name", "config"}` (Keras 2); loading imports `module` and looks up
//! `class_name` in it. Lambda layers carry Python bytecode (base64 of `marshal.dumps`), which
//! [`crate::marshal`] decodes into the names it loads. Layers that read files name them in
//! their config (`vocabulary`, `filepath`).

use crate::marshal::{CodeFacts, base64, code_facts};
use serde_json::Value;

/// A serialized object in the config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Object {
    /// Where, as a JSON path (`config.layers[2].config.function`).
    pub path: String,
    /// `module`, when given.
    pub module: Option<String>,
    /// `class_name`.
    pub class_name: String,
    /// `registered_name`, when given.
    pub registered_name: Option<String>,
    /// The enclosing layer's name.
    pub layer: Option<String>,
    /// For `class_name: "function"`: the function's name (`config`).
    pub function: Option<String>,
}

/// Bytecode of a lambda.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lambda {
    /// Where.
    pub path: String,
    /// The layer it belongs to.
    pub layer: Option<String>,
    /// What the bytecode refers to, or why it could not be decoded.
    pub code: Result<CodeFacts, String>,
}

/// A file or URL a layer reads when it is built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRef {
    /// Where.
    pub path: String,
    /// The layer class.
    pub class_name: String,
    /// The config key (`vocabulary`, `filepath`).
    pub key: String,
    /// The value.
    pub value: String,
}

/// Everything of interest in a config.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfigFacts {
    /// The top-level class (`Sequential`, `Functional`, a subclass ...).
    pub model_class: Option<String>,
    /// Layers (entries of every `layers` list, nested models included).
    pub layers: u64,
    /// Layer classes and how many times each appears.
    pub layer_classes: std::collections::BTreeMap<String, u64>,
    /// Serialized objects.
    pub objects: Vec<Object>,
    /// Lambdas with bytecode.
    pub lambdas: Vec<Lambda>,
    /// Files and URLs layers read.
    pub file_refs: Vec<FileRef>,
    /// Objects not recorded because of the limit.
    pub dropped: u64,
}

/// Objects recorded per config.
pub const MAX_OBJECTS: usize = 100_000;

fn s(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_owned)
}

fn lambda_from(code: &str, path: &str, layer: &Option<String>) -> Lambda {
    Lambda {
        path: path.to_owned(),
        layer: layer.clone(),
        code: base64(code)
            .ok_or_else(|| "the code is not base64".to_string())
            .and_then(|b| code_facts(&b)),
    }
}

/// Analyse a parsed config.
pub fn analyse(v: &Value) -> ConfigFacts {
    let mut f = ConfigFacts {
        model_class: s(v, "class_name"),
        ..ConfigFacts::default()
    };
    walk(v, "", &None, &mut f, 0);
    f
}

fn walk(v: &Value, path: &str, layer: &Option<String>, f: &mut ConfigFacts, depth: usize) {
    if depth > 256 {
        return;
    }
    match v {
        Value::Array(items) => {
            for (i, x) in items.iter().enumerate() {
                walk(x, &format!("{path}[{i}]"), layer, f, depth + 1);
            }
        }
        Value::Object(map) => {
            let mut layer = layer.clone();
            if let Some(class) = s(v, "class_name") {
                let cfg = v.get("config");
                if path.ends_with(']')
                    && path.contains("layers[")
                    && let Some(n) = cfg.and_then(|c| s(c, "name"))
                {
                    layer = Some(n);
                }
                object(v, &class, cfg, path, &layer, f);
            }
            for (k, x) in map {
                let sub = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                if k == "layers"
                    && let Value::Array(items) = x
                {
                    f.layers += items.len() as u64;
                    for item in items {
                        if let Some(c) = s(item, "class_name") {
                            *f.layer_classes.entry(c).or_insert(0) += 1;
                        }
                    }
                }
                walk(x, &sub, &layer, f, depth + 1);
            }
        }
        _ => {}
    }
}

fn object(
    v: &Value,
    class: &str,
    cfg: Option<&Value>,
    path: &str,
    layer: &Option<String>,
    f: &mut ConfigFacts,
) {
    if f.objects.len() >= MAX_OBJECTS {
        f.dropped += 1;
        return;
    }
    f.objects.push(Object {
        path: path.to_owned(),
        module: s(v, "module"),
        class_name: class.to_owned(),
        registered_name: s(v, "registered_name"),
        layer: layer.clone(),
        function: if class == "function" {
            cfg.and_then(Value::as_str).map(str::to_owned)
        } else {
            None
        },
    });
    let Some(cfg) = cfg else { return };
    // Keras 3: {"class_name": "__lambda__", "config": {"code": base64}}
    if class == "__lambda__"
        && let Some(code) = s(cfg, "code")
    {
        f.lambdas.push(lambda_from(&code, path, layer));
    }
    // Keras 2: Lambda {"function": [base64, defaults, closure], "function_type": "lambda"}
    // or {"function": "name", "function_type": "function", "module": "pkg"}.
    if class == "Lambda" {
        match cfg.get("function") {
            Some(Value::Array(parts)) => {
                if let Some(code) = parts.first().and_then(Value::as_str) {
                    f.lambdas
                        .push(lambda_from(code, &format!("{path}.config.function"), layer));
                }
            }
            Some(Value::String(name)) if f.objects.len() < MAX_OBJECTS => f.objects.push(Object {
                path: format!("{path}.config.function"),
                module: s(cfg, "module"),
                class_name: "function".into(),
                registered_name: None,
                layer: layer.clone(),
                function: Some(name.clone()),
            }),
            _ => {}
        }
        for key in ["output_shape", "mask"] {
            if let Some(Value::Array(parts)) = cfg.get(key)
                && s(cfg, &format!("{key}_type")).as_deref() == Some("lambda")
                && let Some(code) = parts.first().and_then(Value::as_str)
            {
                f.lambdas
                    .push(lambda_from(code, &format!("{path}.config.{key}"), layer));
            }
        }
    }
    for key in ["vocabulary", "filepath", "vocabulary_path"] {
        if let Some(Value::String(value)) = cfg.get(key) {
            f.file_refs.push(FileRef {
                path: format!("{path}.config.{key}"),
                class_name: class.to_owned(),
                key: key.to_owned(),
                value: value.clone(),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn finds_lambdas_modules_and_files() {
        let cfg = json!({
            "module": "keras", "class_name": "Sequential",
            "config": {"name": "s", "layers": [
                {"module": "keras.layers", "class_name": "Lambda", "config": {"name": "lam",
                    "function": {"class_name": "__lambda__", "config": {"code": "4wEAAAAAAAAAAAAAAAIAAAADAAAA8wwAAACXAHwAZAF6BQAAUwApAk7pAgAAAKkAKQHaAXhzAQAA\nACD6CDxzdHJpbmc++gg8bGFtYmRhPnIGAAAAAwAAAHMKAAAAgADAccgxwXWAAPMAAAAA\n"}}}},
                {"module": "my_pkg.layers", "class_name": "Custom", "config": {"name": "c"}, "registered_name": "my_pkg>Custom"},
                {"module": "keras.layers", "class_name": "StringLookup", "config": {"name": "lookup", "vocabulary": "/etc/passwd"}},
                {"class_name": "Lambda", "config": {"name": "k2", "function": ["bm90IG1hcnNoYWw=", null, null], "function_type": "lambda"}}
            ]}
        });
        let f = analyse(&cfg);
        assert_eq!(f.model_class.as_deref(), Some("Sequential"));
        assert_eq!(f.layers, 4);
        assert_eq!(f.lambdas.len(), 2);
        assert!(f.lambdas[0].code.is_ok());
        assert_eq!(f.lambdas[0].layer.as_deref(), Some("lam"));
        assert!(f.lambdas[1].code.is_err());
        assert!(
            f.objects
                .iter()
                .any(|o| o.module.as_deref() == Some("my_pkg.layers"))
        );
        assert_eq!(f.file_refs.len(), 1);
        assert_eq!(f.file_refs[0].value, "/etc/passwd");
    }
}
