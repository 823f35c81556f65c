//! CycloneDX 1.6 JSON output.
//!
//! The project is `metadata.component`; libraries, models (`machine-learning-model`, with a
//! `modelCard`, `pedigree` for base models and nested `file` components for a model
//! directory's files) and datasets (`data`, with nested files) are `components`; every edge
//! is in `dependencies`. Facts without a native field are `vouch:` properties.

use crate::model::{Bom, BomComponent, FileEntry, Kind};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

/// SPDX licence ids vouch emits as `license.id` (matched case-insensitively, as Hugging Face
/// cards spell them); every one is in the CycloneDX 1.6 schema's SPDX list (a test checks).
/// Any other licence becomes `license.name`.
pub(crate) const SPDX_IDS: &[&str] = &[
    "0BSD",
    "AFL-3.0",
    "AGPL-3.0",
    "AGPL-3.0-only",
    "AGPL-3.0-or-later",
    "Apache-2.0",
    "Artistic-2.0",
    "BSD-2-Clause",
    "BSD-3-Clause",
    "BSD-3-Clause-Clear",
    "BSL-1.0",
    "CC-BY-3.0",
    "CC-BY-4.0",
    "CC-BY-NC-4.0",
    "CC-BY-NC-ND-4.0",
    "CC-BY-NC-SA-4.0",
    "CC-BY-ND-4.0",
    "CC-BY-SA-3.0",
    "CC-BY-SA-4.0",
    "CC0-1.0",
    "CDLA-Permissive-1.0",
    "CDLA-Permissive-2.0",
    "CDLA-Sharing-1.0",
    "ECL-2.0",
    "EPL-1.0",
    "EPL-2.0",
    "GPL-2.0",
    "GPL-2.0-only",
    "GPL-2.0-or-later",
    "GPL-3.0",
    "GPL-3.0-only",
    "GPL-3.0-or-later",
    "HPND",
    "ISC",
    "LGPL-2.1",
    "LGPL-2.1-only",
    "LGPL-2.1-or-later",
    "LGPL-3.0",
    "LGPL-3.0-only",
    "LGPL-3.0-or-later",
    "MIT",
    "MIT-0",
    "MPL-2.0",
    "ODC-By-1.0",
    "ODbL-1.0",
    "OFL-1.1",
    "OpenSSL",
    "PDDL-1.0",
    "PSF-2.0",
    "Python-2.0",
    "Unicode-3.0",
    "Unicode-DFS-2016",
    "Unlicense",
    "WTFPL",
    "Zlib",
];

/// The canonical SPDX id of a licence spelled in any case, when vouch knows it.
pub(crate) fn spdx_id(l: &str) -> Option<&'static str> {
    SPDX_IDS
        .iter()
        .copied()
        .find(|id| id.eq_ignore_ascii_case(l.trim()))
}

/// Whether a licence string is an SPDX expression of known ids (`MIT OR Apache-2.0`).
pub(crate) fn is_expression(l: &str) -> bool {
    let words: Vec<&str> = l
        .split(|c: char| c.is_whitespace() || c == '(' || c == ')')
        .filter(|w| !w.is_empty())
        .collect();
    words.len() >= 3
        && words.iter().all(|w| {
            matches!(*w, "AND" | "OR" | "WITH")
                || spdx_id(w).is_some_and(|id| id == *w)
                || w.starts_with("LicenseRef-")
                || w.ends_with("-exception")
                || w.contains("-exception-")
        })
}

/// A licence list as CycloneDX: one expression, or ids and names (never both kinds).
fn licenses(ls: &[String]) -> Option<Value> {
    let ls: Vec<&str> = ls
        .iter()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty() && l.len() <= 200 && !l.contains('\n'))
        .collect();
    match ls.as_slice() {
        [] => None,
        [one] if is_expression(one) => Some(json!([{"expression": one}])),
        _ => Some(Value::Array(
            ls.iter()
                .map(|l| match spdx_id(l) {
                    Some(id) => json!({"license": {"id": id}}),
                    None => json!({"license": {"name": l}}),
                })
                .collect(),
        )),
    }
}

fn hash_alg(alg: &str) -> Option<&'static str> {
    Some(match alg {
        "md5" => "MD5",
        "sha1" => "SHA-1",
        "sha256" => "SHA-256",
        "sha384" => "SHA-384",
        "sha512" => "SHA-512",
        "sha3256" => "SHA3-256",
        "sha3384" => "SHA3-384",
        "sha3512" => "SHA3-512",
        "blake2b256" => "BLAKE2b-256",
        "blake2b384" => "BLAKE2b-384",
        "blake2b512" => "BLAKE2b-512",
        "blake3" => "BLAKE3",
        _ => return None,
    })
}

/// Expected hex length per algorithm (the schema checks it).
fn hash_len_ok(alg: &str, hex: &str) -> bool {
    let n = match alg {
        "MD5" => 32,
        "SHA-1" => 40,
        "SHA-256" | "SHA3-256" | "BLAKE2b-256" => 64,
        "SHA-384" | "SHA3-384" | "BLAKE2b-384" => 96,
        "SHA-512" | "SHA3-512" | "BLAKE2b-512" => 128,
        _ => return !hex.is_empty(),
    };
    hex.len() == n
}

/// A purl for a Hugging Face model id, when the id is plain enough not to need escaping.
pub(crate) fn hf_purl(id: &str) -> Option<String> {
    let ok = !id.is_empty()
        && id.split('/').count() == 2
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'/'));
    ok.then(|| format!("pkg:huggingface/{id}"))
}

fn prop(name: &str, value: impl Into<String>) -> Value {
    json!({"name": name, "value": value.into()})
}

fn hashes(hs: &[vouch_inventory::Hash]) -> Option<Value> {
    let v: Vec<Value> = hs
        .iter()
        .filter_map(|h| {
            let alg = hash_alg(&h.alg)?;
            hash_len_ok(alg, &h.value).then(|| json!({"alg": alg, "content": h.value}))
        })
        .collect();
    (!v.is_empty()).then_some(Value::Array(v))
}

fn file_component(parent: &str, f: &FileEntry) -> Value {
    let mut o = Map::new();
    o.insert("type".into(), "file".into());
    o.insert("bom-ref".into(), format!("{parent}#file:{}", f.path).into());
    o.insert("name".into(), f.path.clone().into());
    if let Some(d) = &f.sha256 {
        o.insert("hashes".into(), json!([{"alg": "SHA-256", "content": d}]));
    }
    let mut props = vec![prop("vouch:size", f.size.to_string())];
    if let Some(fm) = &f.format {
        props.push(prop("vouch:format", fm.clone()));
    }
    if let Some(r) = f.rows {
        props.push(prop("vouch:rows", r.to_string()));
    }
    o.insert("properties".into(), props.into());
    Value::Object(o)
}

fn component(bom: &Bom, c: &BomComponent) -> Value {
    let mut o = Map::new();
    let ty = match c.kind {
        Kind::Application => "application",
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
    if let Some(p) = c.card.as_ref().and_then(|k| k.pretty_name.as_ref()) {
        o.insert("description".into(), p.clone().into());
    }
    if c.kind == Kind::Library && c.dev {
        o.insert("scope".into(), "optional".into());
    }
    if let Some(h) = hashes(&c.hashes) {
        o.insert("hashes".into(), h);
    }
    if let Some(l) = licenses(&c.licenses) {
        o.insert("licenses".into(), l);
    }
    if let Some(p) = &c.purl {
        o.insert("purl".into(), p.clone().into());
    }
    if let Some(card) = &c.card_path {
        // A relative reference: the card beside the files, wherever the tree is.
        let ty = match c.kind {
            Kind::MachineLearningModel => "model-card",
            _ => "documentation",
        };
        o.insert(
            "externalReferences".into(),
            json!([{"type": ty, "url": card, "comment": "card (README.md front matter) read for this BOM"}]),
        );
    }
    if !c.base_models.is_empty() {
        let ancestors: Vec<Value> = c
            .base_models
            .iter()
            .map(|b| {
                let mut a = Map::new();
                a.insert("type".into(), "machine-learning-model".into());
                a.insert("name".into(), b.id.clone().into());
                if let Some(p) = hf_purl(&b.id) {
                    a.insert("purl".into(), p.into());
                }
                Value::Object(a)
            })
            .collect();
        let notes = c
            .base_models
            .iter()
            .map(|b| match &b.relation {
                Some(r) => format!("{}: {r} (from {})", b.id, b.source),
                None => format!("{} (from {})", b.id, b.source),
            })
            .collect::<Vec<_>>()
            .join("; ");
        o.insert(
            "pedigree".into(),
            json!({"ancestors": ancestors, "notes": notes}),
        );
    }
    if let Some(tags) = c.card.as_ref().map(|k| &k.tags).filter(|t| !t.is_empty()) {
        o.insert("tags".into(), tags.clone().into());
    }
    let mut props: Vec<Value> = c
        .properties
        .iter()
        .map(|(k, v)| prop(&format!("vouch:{k}"), v.clone()))
        .collect();
    if let Some(s) = c.size {
        props.push(prop("vouch:size", s.to_string()));
    }
    if c.kind == Kind::Library && c.dev {
        props.push(prop("vouch:dev", "true"));
    }
    if c.files_omitted > 0 {
        props.push(prop("vouch:files-omitted", c.files_omitted.to_string()));
    }
    if !props.is_empty() {
        o.insert("properties".into(), props.into());
    }
    if !c.files.is_empty() {
        o.insert(
            "components".into(),
            c.files
                .iter()
                .map(|f| file_component(&c.bom_ref, f))
                .collect::<Vec<_>>()
                .into(),
        );
    }
    match c.kind {
        Kind::MachineLearningModel => {
            if let Some(mc) = model_card(bom, c) {
                o.insert("modelCard".into(), mc);
            }
        }
        Kind::Data => {
            let mut d = Map::new();
            d.insert("type".into(), "dataset".into());
            d.insert("name".into(), c.name.clone().into());
            let mut contents = Vec::new();
            if let Some(r) = c.rows {
                contents.push(prop("rows", r.to_string()));
            }
            for col in c.columns.iter().take(1024) {
                contents.push(prop(&format!("column:{}", col.name), col.dtype.clone()));
            }
            if !contents.is_empty() {
                d.insert("contents".into(), json!({"properties": contents}));
            }
            let desc: Vec<String> = c
                .card
                .as_ref()
                .map(|k| k.task_categories.clone())
                .unwrap_or_default();
            if !desc.is_empty() {
                d.insert(
                    "description".into(),
                    format!("task categories: {}", desc.join(", ")).into(),
                );
            }
            o.insert("data".into(), json!([d]));
        }
        _ => {}
    }
    Value::Object(o)
}

/// The model card of a model component.
fn model_card(bom: &Bom, c: &BomComponent) -> Option<Value> {
    let mut mp = Map::new();
    if let Some(t) = c.card.as_ref().and_then(|k| k.pipeline_tag.as_ref()) {
        mp.insert("task".into(), t.clone().into());
    }
    if let Some(f) = &c.architecture_family {
        mp.insert("architectureFamily".into(), f.clone().into());
    }
    if let Some(a) = &c.model_architecture {
        mp.insert("modelArchitecture".into(), a.clone().into());
    }
    let datasets: Vec<Value> = bom
        .depends_on(&c.bom_ref)
        .iter()
        .filter(|r| bom.get(r).is_some_and(|d| d.kind == Kind::Data))
        .map(|r| json!({"ref": r}))
        .collect();
    if !datasets.is_empty() {
        mp.insert("datasets".into(), datasets.into());
    }
    if !c.labels.is_empty() {
        let shown: Vec<&str> = c.labels.iter().take(100).map(String::as_str).collect();
        mp.insert(
            "outputs".into(),
            json!([{"format": format!("label: {}", shown.join("|"))}]),
        );
    }
    let mut mc = Map::new();
    if !mp.is_empty() {
        mc.insert("modelParameters".into(), Value::Object(mp));
    }
    if !c.metrics.is_empty() {
        let m: Vec<Value> = c
            .metrics
            .iter()
            .map(|m| {
                let mut o = json!({"type": m.kind, "value": m.value});
                if let (Some(s), Some(obj)) = (&m.slice, o.as_object_mut()) {
                    obj.insert("slice".into(), s.clone().into());
                }
                o
            })
            .collect();
        mc.insert(
            "quantitativeAnalysis".into(),
            json!({"performanceMetrics": m}),
        );
    }
    if !c.hyperparameters.is_empty() {
        let p: Vec<Value> = c
            .hyperparameters
            .iter()
            .map(|(k, v)| prop(&format!("vouch:training:{k}"), v.clone()))
            .collect();
        mc.insert("properties".into(), p.into());
    }
    (!mc.is_empty()).then_some(Value::Object(mc))
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
    let components: Vec<Value> = bom.components.iter().map(|c| component(bom, c)).collect();
    let dependencies: Vec<Value> = bom
        .dependencies
        .iter()
        .map(|(r, d)| json!({"ref": r, "dependsOn": d}))
        .collect();
    let project = component(bom, &bom.project);
    // The serial number digests the content, serialised straight into the hash.
    let mut h = Sha256::new();
    let _ = serde_json::to_writer(HashWriter(&mut h), &(&project, &components, &dependencies));
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
    metadata.insert("component".into(), project);
    let mut doc = Map::new();
    doc.insert("bomFormat".into(), "CycloneDX".into());
    doc.insert("specVersion".into(), "1.6".into());
    doc.insert("serialNumber".into(), serial.into());
    doc.insert("version".into(), 1.into());
    doc.insert("metadata".into(), Value::Object(metadata));
    doc.insert("components".into(), Value::Array(components));
    doc.insert("dependencies".into(), Value::Array(dependencies));
    Value::Object(doc)
}

/// `io::Write` into a SHA-256.
struct HashWriter<'a>(&'a mut Sha256);

impl std::io::Write for HashWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
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
    fn licenses_map_to_ids_names_or_one_expression() {
        let l = |v: &[&str]| licenses(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(
            l(&["apache-2.0"]),
            Some(json!([{"license": {"id": "Apache-2.0"}}]))
        );
        assert_eq!(
            l(&["openrail"]),
            Some(json!([{"license": {"name": "openrail"}}]))
        );
        assert_eq!(
            l(&["MIT OR Apache-2.0"]),
            Some(json!([{"expression": "MIT OR Apache-2.0"}]))
        );
        // Two licences, one of them an expression: names, not a mix.
        assert_eq!(
            l(&["MIT OR Apache-2.0", "mit"]),
            Some(json!([{"license": {"name": "MIT OR Apache-2.0"}}, {"license": {"id": "MIT"}}]))
        );
        assert_eq!(l(&["line\nbreak"]), None);
    }

    #[test]
    fn every_emitted_id_is_in_the_schema_list() {
        let p = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/specs/cyclonedx-1.6/spdx.schema.json"
        );
        let Ok(text) = std::fs::read_to_string(p) else {
            assert!(
                std::env::var_os("CI").is_none(),
                "{p} missing: CI has ../shared beside the clone"
            );
            return;
        };
        let v: Value = serde_json::from_str(&text).unwrap();
        let ids: Vec<&str> = v["enum"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        for id in SPDX_IDS {
            assert!(ids.contains(id), "{id} is not in the CycloneDX SPDX list");
        }
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
