//! Judging GGUF files: layout violations and lying lengths from the parser, and the chat
//! templates (Jinja programs run on every conversation) through [`super::jinja`].

use super::{clip, jinja, put_metadata};
use crate::engine::Ctx;
use crate::rules;
use serde_json::{Map, Value, json};
use vouch_archive::ReadSeek;
use vouch_gguf::{Gguf, Issue, Limits};

pub(crate) fn scan(ctx: &mut Ctx<'_>, member: Option<&str>, r: &mut Box<dyn ReadSeek>) {
    let limits = Limits::default();
    let g = match vouch_gguf::read(&mut **r, &limits) {
        Ok(g) => g,
        Err(e) => {
            ctx.push(
                &rules::FILE_UNREADABLE,
                member,
                format!("cannot read the GGUF file: {e}"),
            );
            return;
        }
    };
    for issue in &g.issues {
        judge(ctx, member, issue);
    }
    for kv in &g.kv {
        let is_template =
            kv.key == "tokenizer.chat_template" || kv.key.starts_with("tokenizer.chat_template.");
        let vouch_gguf::Value::String {
            text, truncated, ..
        } = &kv.value
        else {
            continue;
        };
        if !is_template {
            continue;
        }
        if *truncated {
            ctx.push(
                &rules::GGUF_LIMIT_EXCEEDED,
                member,
                format!(
                    "chat template {:?} is longer than {} bytes; only its start was analysed",
                    clip(&kv.key, 100),
                    limits.max_kept_string
                ),
            )
            .location = Some(vouch_core::Location::offset(kv.offset));
        }
        jinja::judge(ctx, member, &kv.key, text, kv.offset);
    }
    put_metadata(ctx, member, metadata(&g));
}

fn judge(ctx: &mut Ctx<'_>, member: Option<&str>, issue: &Issue) {
    let (rule, msg, offset, evidence): (&rules::Rule, String, Option<u64>, Value) = match issue {
        Issue::Truncated { offset, what } => (
            &rules::GGUF_MALFORMED,
            format!("the file ends inside {what}"),
            Some(*offset),
            Value::Null,
        ),
        Issue::LengthBeyondFile {
            offset,
            what,
            value,
            left,
        } => (
            &rules::GGUF_OUT_OF_BOUNDS,
            format!("declares {value} {what} where only {left} bytes are left in the file"),
            Some(*offset),
            json!({"what": what, "value": value, "left": left}),
        ),
        Issue::UnsupportedVersion { version } => (
            &rules::GGUF_MALFORMED,
            format!("GGUF version {version} does not exist (1 to 3 do)"),
            Some(4),
            json!({"version": version}),
        ),
        Issue::BadValueType {
            offset,
            key,
            value_type,
        } => (
            &rules::GGUF_MALFORMED,
            format!(
                "metadata {:?} has value type {value_type}, which GGUF does not define",
                clip(key, 200)
            ),
            Some(*offset),
            json!({"key": clip(key, 200), "value_type": value_type}),
        ),
        Issue::BadBool { offset, key, byte } => (
            &rules::GGUF_MALFORMED,
            format!(
                "metadata {:?} is a bool stored as {byte}, not 0 or 1",
                clip(key, 200)
            ),
            Some(*offset),
            json!({"key": clip(key, 200), "byte": byte}),
        ),
        Issue::InvalidUtf8 { offset, key } => (
            &rules::GGUF_MALFORMED,
            format!("a string of {:?} is not valid UTF-8", clip(key, 200)),
            Some(*offset),
            json!({"key": clip(key, 200)}),
        ),
        Issue::DuplicateKey { offset, key } => (
            &rules::GGUF_DUPLICATE_NAME,
            format!(
                "metadata key {:?} appears twice; readers keep different ones",
                clip(key, 200)
            ),
            Some(*offset),
            json!({"key": clip(key, 200)}),
        ),
        Issue::DuplicateTensor { offset, name } => (
            &rules::GGUF_DUPLICATE_NAME,
            format!("tensor {:?} is defined twice", clip(name, 200)),
            Some(*offset),
            json!({"tensor": clip(name, 200)}),
        ),
        Issue::LimitExceeded {
            offset,
            what,
            value,
            limit,
        } => (
            &rules::GGUF_LIMIT_EXCEEDED,
            format!("{value} {what} exceed the limit of {limit}; the rest was not read"),
            Some(*offset),
            json!({"what": what, "value": value, "limit": limit}),
        ),
        Issue::BadAlignment {
            offset,
            value,
            value_type,
        } => (
            &rules::GGUF_MALFORMED,
            format!(
                "general.alignment is {} of type {}, not a non-zero power of two of type uint32",
                value.map_or("not an integer".to_string(), |v| v.to_string()),
                vouch_gguf::value_type::name(*value_type)
            ),
            Some(*offset),
            json!({"value": value, "value_type": value_type}),
        ),
        Issue::UnknownTensorType {
            offset,
            name,
            ggml_type,
        } => (
            &rules::GGUF_MALFORMED,
            format!(
                "tensor {:?} has ggml type {ggml_type}, which ggml does not define",
                clip(name, 200)
            ),
            Some(*offset),
            json!({"tensor": clip(name, 200), "ggml_type": ggml_type}),
        ),
        Issue::BadShape { offset, name, dims } => (
            &rules::GGUF_OUT_OF_BOUNDS,
            format!(
                "tensor {:?} has dimensions {dims:?} whose size overflows",
                clip(name, 200)
            ),
            Some(*offset),
            json!({"tensor": clip(name, 200), "dims": dims}),
        ),
        Issue::BlockMisaligned {
            offset,
            name,
            ne0,
            block,
        } => (
            &rules::GGUF_MALFORMED,
            format!(
                "tensor {:?} has rows of {ne0} elements, not a multiple of its type's block of {block}",
                clip(name, 200)
            ),
            Some(*offset),
            json!({"tensor": clip(name, 200), "ne0": ne0, "block": block}),
        ),
        Issue::OffsetMisaligned {
            offset,
            name,
            data_offset,
            alignment,
        } => (
            &rules::GGUF_MALFORMED,
            format!(
                "tensor {:?} starts at {data_offset}, not a multiple of the alignment {alignment}",
                clip(name, 200)
            ),
            Some(*offset),
            json!({"tensor": clip(name, 200), "data_offset": data_offset, "alignment": alignment}),
        ),
        Issue::OutOfBounds {
            offset,
            name,
            end,
            data_len,
        } => (
            &rules::GGUF_OUT_OF_BOUNDS,
            format!(
                "tensor {:?} ends at byte {end} of a {data_len}-byte data section",
                clip(name, 200)
            ),
            Some(*offset),
            json!({"tensor": clip(name, 200), "end": end, "data_len": data_len}),
        ),
        Issue::Overlap {
            offset,
            name,
            other,
        } => (
            &rules::GGUF_OVERLAPPING_TENSORS,
            format!(
                "tensor {:?} overlaps tensor {:?}",
                clip(name, 200),
                clip(other, 200)
            ),
            Some(*offset),
            json!({"tensor": clip(name, 200), "other": clip(other, 200)}),
        ),
        Issue::Gap { offset, len } => (
            &rules::GGUF_HIDDEN_BYTES,
            format!("{len} bytes between tensors (beyond alignment padding) belong to no tensor"),
            Some(*offset),
            json!({"len": len, "where": "gap"}),
        ),
        Issue::TrailingBytes { offset, len } => (
            &rules::GGUF_HIDDEN_BYTES,
            format!("{len} bytes after the last tensor belong to no tensor"),
            Some(*offset),
            json!({"len": len, "where": "trailing"}),
        ),
        Issue::TooManyIssues { limit, dropped } => (
            &rules::GGUF_LIMIT_EXCEEDED,
            format!("more than {limit} problems; {dropped} more were not recorded"),
            None,
            json!({"limit": limit, "dropped": dropped}),
        ),
        other => (
            &rules::GGUF_MALFORMED,
            format!("{other:?}"),
            None,
            Value::Null,
        ),
    };
    ctx.push_at(rule, member, msg, offset, evidence);
}

/// llama.cpp's `llama_ftype` names (`general.file_type`).
fn file_type_name(t: u64) -> Option<&'static str> {
    Some(match t {
        0 => "ALL_F32",
        1 => "MOSTLY_F16",
        2 => "MOSTLY_Q4_0",
        3 => "MOSTLY_Q4_1",
        7 => "MOSTLY_Q8_0",
        8 => "MOSTLY_Q5_0",
        9 => "MOSTLY_Q5_1",
        10 => "MOSTLY_Q2_K",
        11 => "MOSTLY_Q3_K_S",
        12 => "MOSTLY_Q3_K_M",
        13 => "MOSTLY_Q3_K_L",
        14 => "MOSTLY_Q4_K_S",
        15 => "MOSTLY_Q4_K_M",
        16 => "MOSTLY_Q5_K_S",
        17 => "MOSTLY_Q5_K_M",
        18 => "MOSTLY_Q6_K",
        19 => "MOSTLY_IQ2_XXS",
        20 => "MOSTLY_IQ2_XS",
        21 => "MOSTLY_Q2_K_S",
        22 => "MOSTLY_IQ3_XS",
        23 => "MOSTLY_IQ3_XXS",
        24 => "MOSTLY_IQ1_S",
        25 => "MOSTLY_IQ4_NL",
        26 => "MOSTLY_IQ3_S",
        27 => "MOSTLY_IQ3_M",
        28 => "MOSTLY_IQ2_S",
        29 => "MOSTLY_IQ2_M",
        30 => "MOSTLY_IQ4_XS",
        31 => "MOSTLY_IQ1_M",
        32 => "MOSTLY_BF16",
        36 => "MOSTLY_TQ1_0",
        37 => "MOSTLY_TQ2_0",
        38 => "MOSTLY_MXFP4_MOE",
        _ => return None,
    })
}

fn scalar(v: &vouch_gguf::Value) -> Option<Value> {
    use vouch_gguf::Value as G;
    Some(match v {
        G::Uint(x) => json!(x),
        G::Int(x) => json!(x),
        G::Float(x) => json!(x),
        G::Bool(b) => json!(b),
        G::String { text, .. } => json!(clip(text, 256)),
        G::Array { .. } => return None,
    })
}

fn metadata(g: &Gguf) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("format".into(), "gguf".into());
    m.insert("version".into(), g.version.into());
    if g.endian == vouch_gguf::Endian::Big {
        m.insert("endian".into(), "big".into());
    }
    m.insert("tensors".into(), g.tensor_count.into());
    m.insert("metadata_entries".into(), g.kv_count.into());
    let params = g
        .tensors
        .iter()
        .fold(0u64, |a, t| a.saturating_add(t.elements().unwrap_or(0)));
    m.insert("parameters".into(), params.into());
    let bytes = g
        .tensors
        .iter()
        .fold(0u64, |a, t| a.saturating_add(t.bytes().unwrap_or(0)));
    m.insert("tensor_bytes".into(), bytes.into());
    m.insert("tensor_types".into(), json!(g.tensor_types()));
    m.insert("alignment".into(), g.alignment.into());
    let arch = g
        .get("general.architecture")
        .and_then(vouch_gguf::Value::as_str)
        .map(str::to_owned);
    let mut wanted: Vec<(&str, String)> = [
        "general.name",
        "general.basename",
        "general.size_label",
        "general.license",
        "general.quantization_version",
        "general.organization",
        "general.finetune",
        "tokenizer.ggml.model",
    ]
    .iter()
    .map(|k| (k.rsplit('.').next().unwrap_or(k), (*k).to_owned()))
    .collect();
    if let Some(a) = &arch {
        m.insert("architecture".into(), a.clone().into());
        for k in [
            "context_length",
            "embedding_length",
            "block_count",
            "expert_count",
        ] {
            wanted.push((k, format!("{a}.{k}")));
        }
    }
    for (name, key) in wanted {
        if let Some(v) = g.get(&key).and_then(scalar) {
            let name = if key == "tokenizer.ggml.model" {
                "tokenizer"
            } else {
                name
            };
            m.insert(name.into(), v);
        }
    }
    if let Some(ft) = g
        .get("general.file_type")
        .and_then(vouch_gguf::Value::as_u64)
    {
        m.insert(
            "file_type".into(),
            file_type_name(ft).map_or_else(|| json!(ft), |n| json!(n)),
        );
    }
    let templates = g.chat_templates();
    if !templates.is_empty() {
        let keys: Vec<&str> = templates.iter().map(|(k, _, _)| *k).collect();
        m.insert("chat_templates".into(), json!(keys));
        // The digest identifies the template (a BOM records it); a truncated one is not
        // the whole template, so it gets none.
        let digests: Map<String, Value> = templates
            .iter()
            .filter(|(_, _, truncated)| !truncated)
            .map(|(k, text, _)| {
                use sha2::Digest;
                (
                    (*k).to_owned(),
                    json!(hex::encode(sha2::Sha256::digest(text.as_bytes()))),
                )
            })
            .collect();
        if !digests.is_empty() {
            m.insert("chat_template_sha256".into(), Value::Object(digests));
        }
    }
    m
}
