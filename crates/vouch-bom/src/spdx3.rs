//! SPDX 3.0.1 JSON-LD output (minimal): `software_Package`, `ai_AIPackage` and
//! `dataset_DatasetPackage` elements with SHA-256 `verifiedUsing`, declared licences as
//! `hasDeclaredLicense` relationships to `simplelicensing_LicenseExpression`s, and
//! `dependsOn` / `trainedOn` relationships (model → dataset).
//!
//! Not yet: the AI and Dataset profile conformance fields (`suppliedBy`, `releaseTime`,
//! `hasConcludedLicense`, ...), which need facts vouch does not have; base-model lineage.

use crate::model::{Bom, Kind};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const CREATION: &str = "_:creationinfo";

fn short(s: &str) -> String {
    let d = Sha256::digest(s.as_bytes());
    hex::encode(d.get(..8).unwrap_or(&[]))
}

/// An SPDX licence expression: known ids canonical, anything else as `LicenseRef-<name>`.
fn expression(licenses: &[String]) -> String {
    licenses
        .iter()
        .map(|l| match crate::cyclonedx::spdx_id(l) {
            Some(id) => id.to_owned(),
            None => {
                let r: String = l
                    .chars()
                    .map(|ch| {
                        if ch.is_ascii_alphanumeric() || ch == '.' || ch == '-' {
                            ch
                        } else {
                            '-'
                        }
                    })
                    .collect();
                format!("LicenseRef-{r}")
            }
        })
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// The BOM as SPDX 3.0.1 JSON-LD. `reproducible`: `created` is the Unix epoch and the
/// document namespace is derived from the content only.
pub fn to_spdx3(bom: &Bom, reproducible: bool) -> Value {
    let content: Vec<&str> = bom.components.iter().map(|c| c.bom_ref.as_str()).collect();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let ns_seed = if reproducible {
        json!(content).to_string()
    } else {
        format!("{}{}", json!(content), now.as_nanos())
    };
    let ns = format!("https://vouch.invalid/spdx/{}", short(&ns_seed));
    let created = crate::cyclonedx::rfc3339(if reproducible { 0 } else { now.as_secs() });
    let agent = format!("{ns}#agent-vouch");
    let tool = format!("{ns}#tool-vouch");
    let id_of = |r: &str| format!("{ns}#pkg-{}", short(r));
    let mut graph = vec![
        json!({"type": "CreationInfo", "@id": CREATION, "specVersion": "3.0.1",
               "created": created, "createdBy": [agent], "createdUsing": [tool]}),
        json!({"type": "SoftwareAgent", "spdxId": agent, "creationInfo": CREATION, "name": "vouch"}),
        json!({"type": "Tool", "spdxId": tool, "creationInfo": CREATION,
               "name": format!("vouch {}", env!("CARGO_PKG_VERSION"))}),
    ];
    let mut elements = Vec::new();
    let mut rels = Vec::new();
    let mut n_rel = 0usize;
    let mut rel = |from: &str, ty: &str, to: Vec<String>, rels: &mut Vec<Value>| {
        n_rel += 1;
        rels.push(
            json!({"type": "Relationship", "spdxId": format!("{ns}#rel-{n_rel}"),
            "creationInfo": CREATION, "from": from, "relationshipType": ty, "to": to}),
        );
    };
    for c in &bom.components {
        let id = id_of(&c.bom_ref);
        let ty = match c.kind {
            Kind::Library => "software_Package",
            Kind::MachineLearningModel => "ai_AIPackage",
            Kind::Data => "dataset_DatasetPackage",
        };
        let mut e = json!({"type": ty, "spdxId": id, "creationInfo": CREATION, "name": c.name});
        if let Some(o) = e.as_object_mut() {
            if let Some(v) = &c.version {
                o.insert("software_packageVersion".into(), v.clone().into());
            }
            if let Some(p) = &c.purl {
                o.insert("software_packageUrl".into(), p.clone().into());
            }
            let hashes: Vec<Value> = c
                .hashes
                .iter()
                .filter(|h| h.alg == "sha256" || h.alg == "sha512")
                .map(|h| json!({"type": "Hash", "algorithm": h.alg, "hashValue": h.value}))
                .collect();
            if !hashes.is_empty() {
                o.insert("verifiedUsing".into(), hashes.into());
            }
            match c.kind {
                Kind::Library => {
                    o.insert("software_primaryPurpose".into(), "library".into());
                }
                Kind::MachineLearningModel => {
                    o.insert("software_primaryPurpose".into(), "model".into());
                    if let Some(f) = &c.architecture_family {
                        o.insert("ai_typeOfModel".into(), json!([f]));
                    }
                    if let Some(t) = c.card.as_ref().and_then(|k| k.pipeline_tag.as_ref()) {
                        o.insert("ai_domain".into(), json!([t]));
                    }
                }
                Kind::Data => {
                    o.insert("software_primaryPurpose".into(), "data".into());
                    let kind = match c.format.as_deref() {
                        Some("csv" | "tsv" | "parquet" | "arrow") => "structured",
                        _ => "noAssertion",
                    };
                    o.insert("dataset_datasetType".into(), json!([kind]));
                    if let Some(s) = c.size {
                        o.insert("dataset_datasetSize".into(), s.into());
                    }
                }
            }
        }
        graph.push(e);
        elements.push(id.clone());
        if !c.licenses.is_empty() {
            let lid = format!("{ns}#license-{}", short(&c.bom_ref));
            graph.push(
                json!({"type": "simplelicensing_LicenseExpression", "spdxId": lid,
                "creationInfo": CREATION,
                "simplelicensing_licenseExpression": expression(&c.licenses)}),
            );
            elements.push(lid.clone());
            rel(&id, "hasDeclaredLicense", vec![lid], &mut rels);
        }
    }
    for (r, deps) in &bom.dependencies {
        if deps.is_empty() {
            continue;
        }
        let from_model = bom
            .components
            .iter()
            .any(|c| &c.bom_ref == r && c.kind == Kind::MachineLearningModel);
        let ty = if from_model { "trainedOn" } else { "dependsOn" };
        rel(
            &id_of(r),
            ty,
            deps.iter().map(|d| id_of(d)).collect(),
            &mut rels,
        );
    }
    for r in &rels {
        if let Some(id) = r.get("spdxId").and_then(Value::as_str) {
            elements.push(id.to_owned());
        }
    }
    graph.extend(rels);
    let sbom = format!("{ns}#sbom");
    let roots: Vec<String> = bom.components.iter().map(|c| id_of(&c.bom_ref)).collect();
    graph.push(
        json!({"type": "software_Sbom", "spdxId": sbom, "creationInfo": CREATION,
        "rootElement": roots, "element": elements, "software_sbomType": ["analyzed"]}),
    );
    graph.push(
        json!({"type": "SpdxDocument", "spdxId": format!("{ns}#document"),
        "creationInfo": CREATION, "name": "vouch AI-BOM", "rootElement": [sbom],
        "element": [sbom], "profileConformance": ["core", "software", "ai", "dataset"]}),
    );
    json!({"@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld", "@graph": graph})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn license_expressions() {
        let l = |v: &[&str]| expression(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(l(&["apache-2.0"]), "Apache-2.0");
        assert_eq!(l(&["mit", "llama 3"]), "MIT AND LicenseRef-llama-3");
    }

    #[test]
    fn empty_bom_has_document_and_sbom() {
        let v = to_spdx3(&Bom::default(), true);
        let types: Vec<&str> = v["@graph"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["type"].as_str())
            .collect();
        assert_eq!(
            types,
            [
                "CreationInfo",
                "SoftwareAgent",
                "Tool",
                "software_Sbom",
                "SpdxDocument"
            ]
        );
    }
}
