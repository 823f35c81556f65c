//! Third-party BOMs back into components: CycloneDX 1.4–1.6 JSON and SPDX 2.3 JSON.
//!
//! The package URL is the identity: ecosystem, name and version come from it when present
//! (`pkg:pypi/django@3.2.1`, `pkg:huggingface/org/model@rev`); otherwise from the BOM's own
//! name and version fields, with no ecosystem (such a component can still match by digest).
//! CycloneDX's nested `components` are followed to a bounded depth; the BOM's subject
//! (`metadata.component`) is not a dependency and is skipped.

use crate::component::{Component, ComponentKind, Ecosystem, Hash, Origin};
use crate::error::{Error, Result};
use crate::purl::Purl;
use serde::Deserialize;
use serde_json::Value;
use std::path::Path;

/// How deep nested CycloneDX components are followed.
const MAX_DEPTH: usize = 32;

/// Which BOM format a JSON document is, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BomKind {
    /// CycloneDX JSON.
    CycloneDx,
    /// SPDX 2.x JSON.
    Spdx,
}

/// Sniff a JSON text: CycloneDX has `"bomFormat": "CycloneDX"`, SPDX has `spdxVersion`.
pub fn sniff(text: &str) -> Option<BomKind> {
    let head: String = text.chars().take(4096).collect();
    if head.contains("\"bomFormat\"") && head.contains("CycloneDX") {
        Some(BomKind::CycloneDx)
    } else if head.contains("\"spdxVersion\"") || text.contains("\"spdxVersion\"") {
        Some(BomKind::Spdx)
    } else if text.contains("\"bomFormat\"") {
        Some(BomKind::CycloneDx)
    } else {
        None
    }
}

fn from_purl(purl: &str, kind: ComponentKind, origin: Origin) -> Option<Component> {
    let p = Purl::parse(purl).ok()?;
    let eco = Ecosystem::from_purl_type(&p.ty).unwrap_or_else(|| Ecosystem::Other(p.ty.clone()));
    let mut c = Component::library(eco, &p.package_name(), p.version.as_deref(), origin);
    c.kind = kind;
    c.purl = Some(purl.trim().to_owned());
    if c.ecosystem == Some(Ecosystem::HuggingFace) && kind == ComponentKind::Library {
        c.kind = if p
            .namespace
            .as_deref()
            .is_some_and(|n| n.starts_with("datasets"))
        {
            ComponentKind::Dataset
        } else {
            ComponentKind::Model
        };
    }
    Some(c)
}

#[derive(Deserialize)]
struct CdxBom {
    #[serde(default)]
    components: Vec<Value>,
}

/// Parse CycloneDX JSON text.
pub fn parse_cyclonedx(text: &str, path: &Path, display: &str) -> Result<Vec<Component>> {
    let bom: CdxBom = serde_json::from_str(text)
        .map_err(|e| Error::parse(path, u32::try_from(e.line()).ok(), e.to_string()))?;
    let mut out = Vec::new();
    for c in &bom.components {
        cdx_component(c, display, 0, &mut out);
    }
    Ok(out)
}

fn cdx_component(v: &Value, display: &str, depth: usize, out: &mut Vec<Component>) {
    if depth > MAX_DEPTH {
        return;
    }
    let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
    let kind = match s("type").as_deref() {
        Some("machine-learning-model") => ComponentKind::Model,
        Some("data") => ComponentKind::Dataset,
        Some("file") => ComponentKind::File,
        _ => ComponentKind::Library,
    };
    let origin = Origin {
        path: display.to_owned(),
        line: None,
    };
    let comp = match s("purl")
        .as_deref()
        .and_then(|p| from_purl(p, kind, origin.clone()))
    {
        Some(c) => Some(c),
        None => s("name").filter(|n| !n.trim().is_empty()).map(|name| {
            let name = match s("group").filter(|g| !g.is_empty()) {
                Some(g) => format!("{g}/{name}"),
                None => name,
            };
            Component {
                version: s("version"),
                ..Component::new(kind, &name, origin)
            }
        }),
    };
    if let Some(mut c) = comp {
        if let Some(hs) = v.get("hashes").and_then(Value::as_array) {
            for h in hs {
                if let (Some(alg), Some(content)) = (
                    h.get("alg").and_then(Value::as_str),
                    h.get("content").and_then(Value::as_str),
                ) {
                    c.hashes.extend(Hash::new(alg, content));
                }
            }
        }
        out.push(c);
    }
    if let Some(children) = v.get("components").and_then(Value::as_array) {
        for child in children {
            cdx_component(child, display, depth + 1, out);
        }
    }
}

#[derive(Deserialize)]
struct SpdxDoc {
    #[serde(default)]
    packages: Vec<SpdxPackage>,
}

#[derive(Deserialize)]
struct SpdxPackage {
    #[serde(default)]
    name: Option<String>,
    #[serde(default, rename = "versionInfo")]
    version: Option<String>,
    #[serde(default, rename = "externalRefs")]
    external_refs: Vec<SpdxRef>,
    #[serde(default)]
    checksums: Vec<SpdxChecksum>,
    #[serde(default, rename = "primaryPackagePurpose")]
    purpose: Option<String>,
}

#[derive(Deserialize)]
struct SpdxRef {
    #[serde(default, rename = "referenceType")]
    ty: Option<String>,
    #[serde(default, rename = "referenceLocator")]
    locator: Option<String>,
}

#[derive(Deserialize)]
struct SpdxChecksum {
    #[serde(default)]
    algorithm: Option<String>,
    #[serde(default, rename = "checksumValue")]
    value: Option<String>,
}

/// Parse SPDX 2.x JSON text.
pub fn parse_spdx(text: &str, path: &Path, display: &str) -> Result<Vec<Component>> {
    let doc: SpdxDoc = serde_json::from_str(text)
        .map_err(|e| Error::parse(path, u32::try_from(e.line()).ok(), e.to_string()))?;
    let mut out = Vec::new();
    for p in doc.packages {
        let origin = Origin {
            path: display.to_owned(),
            line: None,
        };
        let kind = match p.purpose.as_deref() {
            Some("FILE") => ComponentKind::File,
            Some("DATA") => ComponentKind::Dataset,
            _ => ComponentKind::Library,
        };
        let purl = p
            .external_refs
            .iter()
            .find(|r| r.ty.as_deref() == Some("purl"))
            .and_then(|r| r.locator.clone());
        let c = purl
            .and_then(|u| from_purl(&u, kind, origin.clone()))
            .or_else(|| {
                p.name
                    .clone()
                    .filter(|n| !n.trim().is_empty())
                    .map(|name| Component {
                        version: p.version.clone().filter(|v| v != "NOASSERTION"),
                        ..Component::new(kind, &name, origin)
                    })
            });
        if let Some(mut c) = c {
            for ck in &p.checksums {
                if let (Some(a), Some(v)) = (&ck.algorithm, &ck.value) {
                    c.hashes.extend(Hash::new(a, v));
                }
            }
            out.push(c);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cyclonedx_nested_purls_hashes() {
        let text = r#"{"bomFormat": "CycloneDX", "specVersion": "1.6",
          "metadata": {"component": {"type": "application", "name": "me"}},
          "components": [
            {"type": "library", "name": "django", "version": "3.2.1", "purl": "pkg:pypi/django@3.2.1",
             "hashes": [{"alg": "SHA-256", "content": "AB12"}],
             "components": [{"type": "library", "name": "inner", "purl": "pkg:cargo/smallvec@1.6.0"}]},
            {"type": "machine-learning-model", "name": "bert", "purl": "pkg:huggingface/google/bert@abc123"},
            {"type": "file", "name": "weights.bin", "hashes": [{"alg": "SHA-256", "content": "cd34"}]}
          ]}"#;
        assert_eq!(sniff(text), Some(BomKind::CycloneDx));
        let c = parse_cyclonedx(text, Path::new("bom.json"), "bom.json").unwrap();
        let got: Vec<_> = c
            .iter()
            .map(|c| {
                (
                    c.ecosystem.as_ref().map(|e| e.as_str().to_owned()),
                    c.name.as_str(),
                    c.version.as_deref(),
                    c.kind,
                    c.hashes.len(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (
                    Some("PyPI".into()),
                    "django",
                    Some("3.2.1"),
                    ComponentKind::Library,
                    1
                ),
                (
                    Some("crates.io".into()),
                    "smallvec",
                    Some("1.6.0"),
                    ComponentKind::Library,
                    0
                ),
                (
                    Some("HuggingFace".into()),
                    "google/bert",
                    Some("abc123"),
                    ComponentKind::Model,
                    0
                ),
                (None, "weights.bin", None, ComponentKind::File, 1),
            ]
        );
    }

    #[test]
    fn spdx_packages() {
        let text = r#"{"spdxVersion": "SPDX-2.3", "packages": [
            {"name": "requests", "versionInfo": "2.25.0", "externalRefs": [
              {"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": "pkg:pypi/requests@2.25.0"}],
             "checksums": [{"algorithm": "SHA256", "checksumValue": "ff00"}]},
            {"name": "thing", "versionInfo": "NOASSERTION"}]}"#;
        assert_eq!(sniff(text), Some(BomKind::Spdx));
        let c = parse_spdx(text, Path::new("s.json"), "s.json").unwrap();
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].purl.as_deref(), Some("pkg:pypi/requests@2.25.0"));
        assert_eq!(c[0].hashes[0].alg, "sha256");
        assert_eq!((c[1].ecosystem.clone(), c[1].version.clone()), (None, None));
    }
}
