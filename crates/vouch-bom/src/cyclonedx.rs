//! CycloneDX 1.6 JSON output.

use crate::model::{Bom, BomComponent, Kind};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

/// SPDX ids vouch emits as `license.id` (matched case-insensitively, as Hugging Face
/// cards spell them); any other licence becomes `license.name`, which the schema accepts.
const SPDX_IDS: &[&str] = &[
    "Apache-2.0",
    "MIT",
    "BSD-2-Clause",
    "BSD-3-Clause",
    "CC-BY-4.0",
    "CC-BY-SA-4.0",
    "CC-BY-NC-4.0",
    "CC0-1.0",
    "MPL-2.0",
    "Unlicense",
];

/// The canonical SPDX id of a licence spelled in any case, when vouch knows it.
pub(crate) fn spdx_id(l: &str) -> Option<&'static str> {
    SPDX_IDS
        .iter()
        .copied()
        .find(|id| id.eq_ignore_ascii_case(l))
}

fn license(l: &str) -> Value {
    match spdx_id(l) {
        Some(id) => json!({"license": {"id": id}}),
        None => json!({"license": {"name": l}}),
    }
}

fn hash_alg(alg: &str) -> Option<&'static str> {
    Some(match alg {
        "md5" => "MD5",
        "sha1" => "SHA-1",
        "sha256" => "SHA-256",
        "sha384" => "SHA-384",
        "sha512" => "SHA-512",
        "blake3" => "BLAKE3",
        _ => return None,
    })
}

/// A purl for a Hugging Face model id, when the id is plain enough not to need escaping.
fn hf_purl(id: &str) -> Option<String> {
    let ok = !id.is_empty()
        && id.split('/').count() <= 2
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'/'));
    ok.then(|| format!("pkg:huggingface/{id}"))
}

fn prop(name: &str, value: impl Into<String>) -> Value {
    json!({"name": name, "value": value.into()})
}

fn component(c: &BomComponent) -> Value {
    let mut o = Map::new();
    let ty = match c.kind {
        Kind::Library => "library",
        Kind::MachineLearningModel => "machine-learning-model",
        Kind::Data => "data",
    };
    o.insert("type".into(), ty.into());
    o.insert("bom-ref".into(), c.bom_ref.clone().into());
    o.insert("name".into(), c.name.clone().into());
    if let Some(v) = &c.version {
        o.insert("version".into(), v.clone().into());
    }
    let hashes: Vec<Value> = c
        .hashes
        .iter()
        .filter_map(|h| Some(json!({"alg": hash_alg(&h.alg)?, "content": h.value})))
        .collect();
    if !hashes.is_empty() {
        o.insert("hashes".into(), hashes.into());
    }
    if !c.licenses.is_empty() {
        o.insert(
            "licenses".into(),
            c.licenses
                .iter()
                .map(|l| license(l))
                .collect::<Vec<_>>()
                .into(),
        );
    }
    if let Some(p) = &c.purl {
        o.insert("purl".into(), p.clone().into());
    }
    let card = c.card.as_ref();
    if c.kind == Kind::MachineLearningModel {
        let ancestors: Vec<Value> = card
            .map(|k| k.base_model.as_slice())
            .unwrap_or_default()
            .iter()
            .map(|b| {
                let mut a = json!({"type": "machine-learning-model", "name": b});
                if let (Some(p), Some(m)) = (hf_purl(b), a.as_object_mut()) {
                    m.insert("purl".into(), p.into());
                }
                a
            })
            .collect();
        if !ancestors.is_empty() {
            o.insert("pedigree".into(), json!({"ancestors": ancestors}));
        }
    }
    if let Some(tags) = card.map(|k| &k.tags).filter(|t| !t.is_empty()) {
        o.insert("tags".into(), tags.clone().into());
    }
    let mut props = Vec::new();
    if let Some(f) = &c.format {
        props.push(prop("vouch:format", f.clone()));
    }
    if let Some(s) = c.size {
        props.push(prop("vouch:size", s.to_string()));
    }
    for (k, v) in &c.metadata {
        let v = match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        props.push(prop(&format!("vouch:metadata:{k}"), v));
    }
    if !props.is_empty() {
        o.insert("properties".into(), props.into());
    }
    Value::Object(o)
}

/// Model card of a model component; `datasets` are the refs it depends on.
fn model_card(c: &BomComponent, datasets: &[String]) -> Option<Value> {
    let mut mp = Map::new();
    if let Some(t) = c.card.as_ref().and_then(|k| k.pipeline_tag.as_ref()) {
        mp.insert("task".into(), t.clone().into());
    }
    let family = c.architecture_family.as_deref().or_else(|| {
        ["architecture", "model_type", "general.architecture"]
            .iter()
            .find_map(|k| c.metadata.get(*k).and_then(Value::as_str))
    });
    if let Some(f) = family {
        mp.insert("architectureFamily".into(), f.into());
    }
    if let Some(a) = &c.model_architecture {
        mp.insert("modelArchitecture".into(), a.clone().into());
    }
    if !datasets.is_empty() {
        mp.insert(
            "datasets".into(),
            datasets
                .iter()
                .map(|r| json!({"ref": r}))
                .collect::<Vec<_>>()
                .into(),
        );
    }
    (!mp.is_empty()).then(|| json!({"modelParameters": mp}))
}

/// A v4-shaped UUID URN from the first 16 bytes of a digest.
fn uuid_urn(d: &[u8]) -> String {
    let mut b = [0u8; 16];
    for (o, i) in b.iter_mut().zip(d) {
        *o = *i;
    }
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!(
        "urn:uuid:{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// RFC 3339 UTC timestamp of seconds since the Unix epoch.
pub(crate) fn rfc3339(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil from days (Howard Hinnant).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// The BOM as CycloneDX 1.6 JSON. `reproducible`: no timestamp, and a serial number
/// derived from the content only, so the same input gives the same bytes.
pub fn to_cyclonedx(bom: &Bom, reproducible: bool) -> Value {
    let deps_of = |r: &str| {
        bom.dependencies
            .iter()
            .find(|(k, _)| k == r)
            .map(|(_, d)| d.as_slice())
            .unwrap_or_default()
    };
    let components: Vec<Value> = bom
        .components
        .iter()
        .map(|c| {
            let mut v = component(c);
            if let Some(o) = v.as_object_mut() {
                if c.kind == Kind::MachineLearningModel
                    && let Some(mc) = model_card(c, deps_of(&c.bom_ref))
                {
                    o.insert("modelCard".into(), mc);
                }
                if c.kind == Kind::Data {
                    o.insert("data".into(), json!([{"type": "dataset", "name": c.name}]));
                }
            }
            v
        })
        .collect();
    let dependencies: Vec<Value> = bom
        .dependencies
        .iter()
        .map(|(r, d)| json!({"ref": r, "dependsOn": d}))
        .collect();
    let content = json!([components, dependencies]).to_string();
    let mut h = Sha256::new();
    h.update(content.as_bytes());
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    if !reproducible {
        h.update(now.as_nanos().to_le_bytes());
        h.update(std::process::id().to_le_bytes());
    }
    let serial = uuid_urn(&h.finalize());
    let mut metadata = Map::new();
    if !reproducible {
        metadata.insert("timestamp".into(), rfc3339(now.as_secs()).into());
    }
    metadata.insert(
        "tools".into(),
        json!({"components": [{"type": "application", "name": "vouch", "version": env!("CARGO_PKG_VERSION")}]}),
    );
    json!({
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "serialNumber": serial,
        "version": 1,
        "metadata": metadata,
        "components": components,
        "dependencies": dependencies,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_795_333_992), "2026-11-22T07:53:12Z");
    }

    #[test]
    fn uuid_shape() {
        let u = uuid_urn(&[0xff; 32]);
        assert_eq!(u, "urn:uuid:ffffffff-ffff-4fff-bfff-ffffffffffff");
        assert_eq!(uuid_urn(&[]).len(), u.len());
    }

    #[test]
    fn licenses_map_to_ids_or_names() {
        assert_eq!(
            license("apache-2.0"),
            json!({"license": {"id": "Apache-2.0"}})
        );
        assert_eq!(
            license("openrail"),
            json!({"license": {"name": "openrail"}})
        );
    }

    #[test]
    fn serial_is_random_unless_reproducible() {
        let b = Bom::default();
        assert_eq!(to_cyclonedx(&b, true), to_cyclonedx(&b, true));
        assert!(
            to_cyclonedx(&b, true)["metadata"]
                .get("timestamp")
                .is_none()
        );
        assert!(to_cyclonedx(&b, false)["metadata"]["timestamp"].is_string());
    }
}
