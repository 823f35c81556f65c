//! The rule catalog: every finding vouch can emit has a stable code, a default severity and a
//! documentation page (`docs/rules/<code>.md`, embedded here for `vouch rules CODE`).

use vouch_core::Severity;

/// One rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// Stable kebab-case code, `family.name`.
    pub code: &'static str,
    /// Default severity.
    pub severity: Severity,
    /// The documentation page (Markdown).
    pub doc: &'static str,
}

impl Rule {
    /// The one-line summary: the first sentence after the severity on the page's second paragraph.
    pub fn summary(&self) -> &'static str {
        self.doc
            .lines()
            .find_map(|l| l.strip_prefix("Severity: **"))
            .and_then(|l| l.split_once("**. "))
            .map(|(_, s)| s)
            .unwrap_or("")
    }
}

macro_rules! rules {
    ($($konst:ident = $code:literal, $sev:ident;)*) => {
        $(
            #[doc = concat!("`", $code, "`")]
            pub const $konst: Rule = Rule {
                code: $code,
                severity: Severity::$sev,
                doc: include_str!(concat!("../../../docs/rules/", $code, ".md")),
            };
        )*
        /// Every rule, in catalog order.
        pub const ALL: &[Rule] = &[$($konst),*];
    };
}

rules! {
    PICKLE_DANGEROUS_CALLABLE = "pickle.dangerous-callable", Critical;
    PICKLE_DANGEROUS_IMPORT = "pickle.dangerous-import", High;
    PICKLE_UNKNOWN_CALLABLE = "pickle.unknown-callable", Medium;
    PICKLE_UNKNOWN_IMPORT = "pickle.unknown-import", Low;
    PICKLE_EXTENSION_CODE = "pickle.extension-code", Medium;
    PICKLE_MALFORMED = "pickle.malformed", Medium;
    PICKLE_LIMIT_EXCEEDED = "pickle.limit-exceeded", Medium;
    PICKLE_TRAILING_DATA = "pickle.trailing-data", Low;
    ARCHIVE_PATH_TRAVERSAL = "archive.path-traversal", High;
    ARCHIVE_BOMB = "archive.bomb", High;
    ARCHIVE_TOO_MANY_ENTRIES = "archive.too-many-entries", Medium;
    ARCHIVE_MEMBER_TOO_LARGE = "archive.member-too-large", Medium;
    ARCHIVE_DUPLICATE_NAME = "archive.duplicate-name", High;
    ARCHIVE_SYMLINK = "archive.symlink", High;
    ARCHIVE_ENCRYPTED = "archive.encrypted", Medium;
    ARCHIVE_CORRUPT = "archive.corrupt", Medium;
    ARCHIVE_TOO_DEEP = "archive.too-deep", Medium;
    NUMPY_MALFORMED_HEADER = "numpy.malformed-header", Medium;
    FILE_UNREADABLE = "file.unreadable", Medium;
    SAFETENSORS_HEADER_INVALID = "safetensors.header-invalid", High;
    SAFETENSORS_DUPLICATE_KEY = "safetensors.duplicate-key", High;
    SAFETENSORS_TENSOR_INVALID = "safetensors.tensor-invalid", High;
    SAFETENSORS_UNKNOWN_DTYPE = "safetensors.unknown-dtype", Medium;
    SAFETENSORS_UNKNOWN_FIELD = "safetensors.unknown-field", Low;
    SAFETENSORS_SIZE_MISMATCH = "safetensors.size-mismatch", High;
    SAFETENSORS_OUT_OF_BOUNDS = "safetensors.out-of-bounds", High;
    SAFETENSORS_OVERLAPPING_TENSORS = "safetensors.overlapping-tensors", High;
    SAFETENSORS_HIDDEN_BYTES = "safetensors.hidden-bytes", Medium;
    SAFETENSORS_METADATA_INVALID = "safetensors.metadata-invalid", Medium;
    SAFETENSORS_LIMIT_EXCEEDED = "safetensors.limit-exceeded", Medium;
    GGUF_MALFORMED = "gguf.malformed", Medium;
    GGUF_OUT_OF_BOUNDS = "gguf.out-of-bounds", High;
    GGUF_OVERLAPPING_TENSORS = "gguf.overlapping-tensors", High;
    GGUF_DUPLICATE_NAME = "gguf.duplicate-name", Medium;
    GGUF_HIDDEN_BYTES = "gguf.hidden-bytes", Medium;
    GGUF_LIMIT_EXCEEDED = "gguf.limit-exceeded", Medium;
    GGUF_TEMPLATE_SANDBOX_ESCAPE = "gguf.template-sandbox-escape", Critical;
    GGUF_TEMPLATE_INJECTION = "gguf.template-injection", Medium;
    GGUF_TEMPLATE_INVALID = "gguf.template-invalid", Low;
    ONNX_MALFORMED = "onnx.malformed", Medium;
    ONNX_LIMIT_EXCEEDED = "onnx.limit-exceeded", Medium;
    ONNX_EXTERNAL_DATA_TRAVERSAL = "onnx.external-data-traversal", High;
    ONNX_CUSTOM_OPERATOR = "onnx.custom-operator", Medium;
    ONNX_VENDOR_OPERATOR = "onnx.vendor-operator", Low;
    KERAS_SAFE_MODE_BYPASS = "keras.safe-mode-bypass", Critical;
    KERAS_LAMBDA_LAYER = "keras.lambda-layer", High;
    KERAS_LAMBDA_DANGEROUS_CODE = "keras.lambda-dangerous-code", Critical;
    KERAS_CUSTOM_OBJECT = "keras.custom-object", Medium;
    KERAS_FILE_REFERENCE = "keras.file-reference", High;
    KERAS_MALFORMED = "keras.malformed", Medium;
    TF_DANGEROUS_OP = "tf.dangerous-op", High;
    TF_ASSET_TRAVERSAL = "tf.asset-traversal", High;
    TF_MALFORMED = "tf.malformed", Medium;
    FORMAT_EXTENSION_MISMATCH = "format.extension-mismatch", High;
}

/// Look a rule up by code.
pub fn find(code: &str) -> Option<&'static Rule> {
    ALL.iter().find(|r| r.code == code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn codes_are_unique_kebab_case_and_documented() {
        let mut seen = BTreeSet::new();
        for r in ALL {
            assert!(seen.insert(r.code), "duplicate code {}", r.code);
            let (family, name) = r.code.split_once('.').expect("family.name");
            for part in [family, name] {
                assert!(
                    !part.is_empty()
                        && part
                            .chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                    "{} is not kebab-case",
                    r.code
                );
            }
            assert!(
                r.doc.starts_with(&format!("# {}\n", r.code)),
                "{} doc title",
                r.code
            );
            assert!(
                r.doc.contains(&format!("Severity: **{}**.", r.severity)),
                "{} doc states another severity",
                r.code
            );
            for section in [
                "## What it means",
                "## Why it is dangerous",
                "## What to do",
            ] {
                assert!(r.doc.contains(section), "{} doc lacks {section}", r.code);
            }
            assert!(!r.summary().is_empty());
        }
    }

    #[test]
    fn every_doc_page_is_a_registered_rule() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/rules");
        for entry in std::fs::read_dir(dir).expect("docs/rules") {
            let name = entry
                .expect("entry")
                .file_name()
                .into_string()
                .expect("utf-8");
            if let Some(code) = name.strip_suffix(".md") {
                assert!(find(code).is_some(), "docs/rules/{name} documents no rule");
            }
        }
    }
}
