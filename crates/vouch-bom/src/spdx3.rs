//! SPDX 3.0.1 JSON-LD output with the AI and Dataset profiles.
//!
//! - the project and libraries are `software_Package`s, models `ai_AIPackage`s, datasets
//!   `dataset_DatasetPackage`s, the files of model and dataset directories `software_File`s
//!   (`contains` / `hasDataFile`), each with its SHA-256 in `verifiedUsing`;
//! - every package has exactly one `hasDeclaredLicense` (the card's or the package's licence
//!   expression, else `NoAssertionLicense`) and one `hasConcludedLicense` (`NoAssertionLicense`:
//!   vouch states what is declared, it does not conclude);
//! - edges: `dependsOn` (packages, the project, model → framework), `trainedOn` and
//!   `testedOn` (model → dataset), `ancestorOf` (base model → model);
//! - AI fields: `ai_typeOfModel`, `ai_domain`, `ai_hyperparameter`, `ai_metric`,
//!   `ai_informationAboutTraining`; Dataset fields: `dataset_datasetType`,
//!   `dataset_datasetSize`, `dataset_intendedUse`.
//!
//! Facts vouch cannot know from files are left out rather than invented: `releaseTime`,
//! `builtTime`, `software_downloadLocation`; `suppliedBy` is the Hugging Face organisation
//! for hub models and `NoAssertionElement` otherwise.

use crate::model::{Bom, BomComponent, Kind};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

const CREATION: &str = "_:creationinfo";
const NO_ASSERTION_ELEMENT: &str = "https://spdx.org/rdf/3.0.1/terms/Core/NoAssertionElement";
const NO_ASSERTION_LICENSE: &str =
    "https://spdx.org/rdf/3.0.1/terms/ExpandedLicensing/NoAssertionLicense";

fn short(s: &str) -> String {
    let d = Sha256::digest(s.as_bytes());
    hex::encode(d.get(..8).unwrap_or(&[]))
}

/// An SPDX licence expression: an expression of known ids as it is, known ids canonical,
/// anything else as `LicenseRef-<name>`.
fn expression(licenses: &[String]) -> String {
    licenses
        .iter()
        .filter(|l| !l.trim().is_empty() && l.len() <= 200 && !l.contains('\n'))
        .map(|l| {
            if crate::cyclonedx::is_expression(l) {
                return format!("({})", l.trim());
            }
            match crate::cyclonedx::spdx_id(l) {
                Some(id) => id.to_owned(),
                None => {
                    let r: String = l
                        .trim()
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
            }
        })
        .collect::<Vec<_>>()
        .join(" AND ")
}

struct Graph {
    ns: String,
    items: Vec<Value>,
    elements: Vec<String>,
    n_rel: usize,
    orgs: BTreeMap<String, String>,
}

impl Graph {
    fn push(&mut self, v: Value) {
        if let Some(id) = v.get("spdxId").and_then(Value::as_str) {
            self.elements.push(id.to_owned());
        }
        self.items.push(v);
    }

    fn rel(&mut self, from: &str, ty: &str, to: Vec<String>) {
        if to.is_empty() {
            return;
        }
        self.n_rel += 1;
        let id = format!("{}#rel-{}", self.ns, self.n_rel);
        self.push(
            json!({"type": "Relationship", "spdxId": id, "creationInfo": CREATION,
            "from": from, "relationshipType": ty, "to": to}),
        );
    }

    fn id_of(&self, r: &str) -> String {
        format!("{}#pkg-{}", self.ns, short(r))
    }

    /// The Organization element of a Hugging Face namespace.
    fn org(&mut self, name: &str) -> String {
        if let Some(id) = self.orgs.get(name) {
            return id.clone();
        }
        let id = format!("{}#org-{}", self.ns, short(name));
        self.orgs.insert(name.to_owned(), id.clone());
        self.push(
            json!({"type": "Organization", "spdxId": id, "creationInfo": CREATION,
            "name": name}),
        );
        id
    }
}

fn dict(entries: impl Iterator<Item = (String, String)>) -> Vec<Value> {
    entries
        .map(|(k, v)| json!({"type": "DictionaryEntry", "key": k, "value": v}))
        .collect()
}

/// The `vouch:` facts without an SPDX field, as the element's `comment`.
fn facts_comment(c: &BomComponent, o: &mut serde_json::Map<String, Value>) {
    let facts: Vec<String> = c
        .properties
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    if !facts.is_empty() {
        o.insert("comment".into(), facts.join("; ").into());
    }
}

fn hashes(c: &BomComponent) -> Vec<Value> {
    c.hashes
        .iter()
        .filter_map(|h| {
            let alg = match h.alg.as_str() {
                "sha256" => "sha256",
                "sha384" => "sha384",
                "sha512" => "sha512",
                "sha1" => "sha1",
                "md5" => "md5",
                "blake3" => "blake3",
                _ => return None,
            };
            Some(json!({"type": "Hash", "algorithm": alg, "hashValue": h.value}))
        })
        .collect()
}

fn package(g: &mut Graph, c: &BomComponent) -> String {
    let id = g.id_of(&c.bom_ref);
    let ty = match c.kind {
        Kind::Application | Kind::Library => "software_Package",
        Kind::MachineLearningModel => "ai_AIPackage",
        Kind::Data => "dataset_DatasetPackage",
    };
    let mut e = json!({"type": ty, "spdxId": id, "creationInfo": CREATION, "name": c.name});
    let hub_org = match (&c.purl, c.kind) {
        (Some(p), Kind::MachineLearningModel | Kind::Data) if p.starts_with("pkg:huggingface/") => {
            let id = c.name.split('/').next().filter(|_| c.name.contains('/'));
            id.map(str::to_owned)
        }
        _ => None,
    };
    let supplier = match hub_org {
        Some(o) => g.org(&o),
        None => NO_ASSERTION_ELEMENT.to_owned(),
    };
    if let Some(o) = e.as_object_mut() {
        if let Some(v) = &c.version {
            o.insert("software_packageVersion".into(), v.clone().into());
        }
        if let Some(p) = &c.purl {
            o.insert("software_packageUrl".into(), p.clone().into());
        }
        let hs = hashes(c);
        if !hs.is_empty() {
            o.insert("verifiedUsing".into(), hs.into());
        }
        match c.kind {
            Kind::Application => {
                o.insert("software_primaryPurpose".into(), "application".into());
            }
            Kind::Library => {
                o.insert("software_primaryPurpose".into(), "library".into());
            }
            Kind::MachineLearningModel => {
                o.insert("software_primaryPurpose".into(), "model".into());
                o.insert("suppliedBy".into(), supplier.into());
                let types: Vec<&String> = c
                    .architecture_family
                    .iter()
                    .chain(&c.model_architecture)
                    .collect();
                if !types.is_empty() {
                    o.insert("ai_typeOfModel".into(), json!(types));
                }
                if let Some(t) = c.card.as_ref().and_then(|k| k.pipeline_tag.as_ref()) {
                    o.insert("ai_domain".into(), json!([t]));
                }
                if !c.hyperparameters.is_empty() {
                    o.insert(
                        "ai_hyperparameter".into(),
                        dict(c.hyperparameters.iter().cloned()).into(),
                    );
                    let files = c.property("training-config").unwrap_or("");
                    o.insert(
                        "ai_informationAboutTraining".into(),
                        format!("training configuration read from: {files}").into(),
                    );
                }
                if !c.metrics.is_empty() {
                    o.insert(
                        "ai_metric".into(),
                        dict(c.metrics.iter().map(|m| {
                            let k = match &m.slice {
                                Some(s) => format!("{} ({s})", m.kind),
                                None => m.kind.clone(),
                            };
                            (k, m.value.clone())
                        }))
                        .into(),
                    );
                }
                facts_comment(c, o);
            }
            Kind::Data => {
                o.insert("software_primaryPurpose".into(), "data".into());
                o.insert("originatedBy".into(), json!([supplier]));
                let types: Vec<&str> = c
                    .modalities
                    .iter()
                    .filter_map(|m| {
                        Some(match m.as_str() {
                            "structured" => "structured",
                            "text" => "text",
                            "image" => "image",
                            "audio" => "audio",
                            "video" => "video",
                            _ => return None,
                        })
                    })
                    .collect();
                let types = if types.is_empty() {
                    vec!["noAssertion"]
                } else {
                    types
                };
                o.insert("dataset_datasetType".into(), json!(types));
                if let Some(s) = c.size {
                    o.insert("dataset_datasetSize".into(), s.into());
                }
                if let Some(t) = c
                    .card
                    .as_ref()
                    .map(|k| k.task_categories.join(", "))
                    .filter(|t| !t.is_empty())
                {
                    o.insert("dataset_intendedUse".into(), t.into());
                }
                facts_comment(c, o);
            }
        }
    }
    g.push(e);
    // Licences: one declared, one concluded.
    let declared = if c.licenses.is_empty() {
        NO_ASSERTION_LICENSE.to_owned()
    } else {
        let lid = format!("{}#license-{}", g.ns, short(&c.bom_ref));
        g.push(
            json!({"type": "simplelicensing_LicenseExpression", "spdxId": lid,
            "creationInfo": CREATION,
            "simplelicensing_licenseExpression": expression(&c.licenses)}),
        );
        lid
    };
    g.rel(&id, "hasDeclaredLicense", vec![declared]);
    g.rel(
        &id,
        "hasConcludedLicense",
        vec![NO_ASSERTION_LICENSE.to_owned()],
    );
    // Files.
    if !c.files.is_empty() {
        let mut file_ids = Vec::new();
        for f in &c.files {
            let fid = format!(
                "{}#file-{}",
                g.ns,
                short(&format!("{}#{}", c.bom_ref, f.path))
            );
            let mut fe = json!({"type": "software_File", "spdxId": fid, "creationInfo": CREATION,
                "name": f.path});
            if let (Some(d), Some(o)) = (&f.sha256, fe.as_object_mut()) {
                o.insert(
                    "verifiedUsing".into(),
                    json!([{"type": "Hash", "algorithm": "sha256", "hashValue": d}]),
                );
            }
            g.push(fe);
            file_ids.push(fid);
        }
        let ty = if c.kind == Kind::Data {
            "hasDataFile"
        } else {
            "contains"
        };
        g.rel(&id, ty, file_ids);
    }
    // Base models.
    for b in &c.base_models {
        let bid = format!("{}#base-{}", g.ns, short(&b.id));
        if !g.elements.contains(&bid) {
            let purl = crate::cyclonedx::hf_purl(&b.id);
            let supplier = match (&purl, b.id.split_once('/')) {
                (Some(_), Some((org, _))) => g.org(org),
                _ => NO_ASSERTION_ELEMENT.to_owned(),
            };
            let mut be = json!({"type": "ai_AIPackage", "spdxId": bid, "creationInfo": CREATION,
                "name": b.id, "software_primaryPurpose": "model", "suppliedBy": supplier});
            if let (Some(p), Some(o)) = (purl, be.as_object_mut()) {
                o.insert("software_packageUrl".into(), p.into());
            }
            g.push(be);
            // Nothing is known of the base model's licence.
            g.rel(
                &bid,
                "hasDeclaredLicense",
                vec![NO_ASSERTION_LICENSE.to_owned()],
            );
            g.rel(
                &bid,
                "hasConcludedLicense",
                vec![NO_ASSERTION_LICENSE.to_owned()],
            );
        }
        g.rel(&bid, "ancestorOf", vec![id.clone()]);
    }
    id
}

/// The BOM as SPDX 3.0.1 JSON-LD. `reproducible`: `created` is the Unix epoch and the
/// document namespace is derived from the content only.
pub fn to_spdx3(bom: &Bom, reproducible: bool) -> Value {
    let content: Vec<&str> = std::iter::once(bom.project.bom_ref.as_str())
        .chain(bom.components.iter().map(|c| c.bom_ref.as_str()))
        .collect();
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
    let mut g = Graph {
        ns: ns.clone(),
        items: vec![
            json!({"type": "CreationInfo", "@id": CREATION, "specVersion": "3.0.1",
                   "created": created, "createdBy": [agent], "createdUsing": [tool]}),
        ],
        elements: Vec::new(),
        n_rel: 0,
        orgs: BTreeMap::new(),
    };
    g.push(json!({"type": "SoftwareAgent", "spdxId": agent, "creationInfo": CREATION, "name": "vouch"}));
    g.push(
        json!({"type": "Tool", "spdxId": tool, "creationInfo": CREATION,
               "name": format!("vouch {}", env!("CARGO_PKG_VERSION"))}),
    );
    let root = package(&mut g, &bom.project);
    for c in &bom.components {
        package(&mut g, c);
    }
    for (r, deps) in &bom.dependencies {
        if deps.is_empty() {
            continue;
        }
        let from = bom.get(r);
        let from_model = from.is_some_and(|c| c.kind == Kind::MachineLearningModel);
        let (mut trained, mut tested, mut other) = (Vec::new(), Vec::new(), Vec::new());
        for d in deps {
            let to_data = bom.get(d).is_some_and(|c| c.kind == Kind::Data);
            if !(from_model && to_data) {
                other.push(g.id_of(d));
                continue;
            }
            let evaluated = from.is_some_and(|c| c.evaluated_on.contains(d));
            let named_for_training = from.is_some_and(|c| c.trained_on.contains(d));
            if evaluated {
                tested.push(g.id_of(d));
            }
            if named_for_training || !evaluated {
                trained.push(g.id_of(d));
            }
        }
        let id = g.id_of(r);
        g.rel(&id, "trainedOn", trained);
        g.rel(&id, "testedOn", tested);
        g.rel(&id, "dependsOn", other);
    }
    let sbom = format!("{ns}#sbom");
    let mut elements = g.elements.clone();
    elements.sort();
    elements.dedup();
    let mut graph = g.items;
    graph.push(
        json!({"type": "software_Sbom", "spdxId": sbom, "creationInfo": CREATION,
        "rootElement": [root], "element": elements, "software_sbomType": ["analyzed"]}),
    );
    graph.push(
        json!({"type": "SpdxDocument", "spdxId": format!("{ns}#document"),
        "creationInfo": CREATION, "name": format!("AI-BOM of {}", bom.project.name),
        "rootElement": [sbom], "element": [sbom],
        "profileConformance": ["core", "software", "ai", "dataset"]}),
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
        assert_eq!(l(&["MIT OR Apache-2.0"]), "(MIT OR Apache-2.0)");
    }

    #[test]
    fn empty_bom_has_project_document_and_sbom() {
        let b = Bom {
            project: BomComponent::new(Kind::Application, "project:x", "x"),
            ..Bom::default()
        };
        let v = to_spdx3(&b, true);
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
                "software_Package",
                "Relationship",
                "Relationship",
                "software_Sbom",
                "SpdxDocument"
            ]
        );
    }
}
