//! Third-party BOMs back into components: CycloneDX 1.4–1.6 JSON, SPDX 2.3 JSON and SPDX
//! 3.0.x JSON-LD.
//!
//! The package URL is the identity: ecosystem, name and version come from it when present
//! (`pkg:pypi/django@3.2.1`, `pkg:huggingface/org/model@rev`); otherwise from the BOM's own
//! name and version fields, with no ecosystem (such a component can still match by digest).
//!
//! Each reader also keeps licences, digests and the dependency graph the BOM records: an edge
//! to an element that is not a component of the same document is dropped, an edge from a
//! component to itself too; cycles are kept as written (nothing here walks the graph).
//!
//! **The BOM's subject.** CycloneDX `metadata.component`, the package(s) an SPDX 2.3 document
//! DESCRIBES and the `rootElement` of an SPDX 3 SBOM become one [`ComponentKind::Project`]
//! component whose `depends_on` are the direct dependencies the BOM records for it. Two
//! exceptions, both so that nothing that should be audited silently is not:
//! - a subject that is a model or a dataset (CycloneDX `machine-learning-model`/`data`, a
//!   `pkg:huggingface` purl, SPDX 3 `ai_AIPackage`/`dataset_DatasetPackage`) keeps its kind:
//!   an AI-BOM *about* a model is exactly the model one wants audited;
//! - when an SPDX document names more than one subject (some generators, vouch's own SPDX 3
//!   output among them, list every package as a root), none becomes a Project.
//!
//! **CycloneDX specifics.** Nested `components` are followed iteratively to [`MAX_DEPTH`]
//! levels. A duplicated `bom-ref` keeps both components (both are audited) but the reference
//! means the first one. `scope: "excluded"` marks the component `dev` (listed, and audited as
//! a development dependency is; it is not part of what runs); `scope: "optional"` is read
//! like `required`. Digests come from `hashes` and from the `hashes` of `distribution`
//! external references (where `cyclonedx-py requirements` puts `--hash` values).
//!
//! **SPDX 2.3 specifics.** The purl is the `PACKAGE-MANAGER`/`purl` external reference;
//! licences are `licenseDeclared` then `licenseConcluded` (NOASSERTION and NONE dropped);
//! `DEPENDS_ON` is an edge A→B, `DEPENDENCY_OF` (and its `DEV_`, `BUILD_`, ... kinds) B→A;
//! `CONTAINS` is not a dependency. The subject is what `documentDescribes` or a DESCRIBES /
//! DESCRIBED_BY relationship with the document names.
//!
//! **SPDX 3.0.x specifics.** `@graph` elements of type `software_Package` (a `model` or
//! `data` primary purpose makes it a Model or Dataset), `ai_AIPackage` (Model),
//! `dataset_DatasetPackage` (Dataset) and `software_File` (File, only when `verifiedUsing`
//! has a hash: a file is matched by digest or not at all). Type names are read in compact
//! (`software_Package`), prefixed (`spdx:Software/Package`) and full-IRI form; property names
//! in compact form only. The purl is `software_packageUrl` or a `packageUrl` external
//! identifier. Licences come from `hasDeclaredLicense` / `hasConcludedLicense` relationships to
//! `simplelicensing_LicenseExpression` elements, other licence elements (their name), or bare
//! licence IRIs (`https://spdx.org/licenses/MIT` → `MIT`). `dependsOn`, `trainedOn` and
//! `testedOn` are edges; `contains`, `hasDataFile` and the rest are not. The subject is the
//! `rootElement` of the `software_Sbom` (or other `Bom`/`SpdxDocument`) when it is a package.
//!
//! Everything is bounded: the JSON nesting (serde_json's 128 levels), the number of
//! components and elements, licences per component, `to` lists per SPDX 3 relationship, and
//! the total number and bytes of dependency edges.

use crate::component::{Component, ComponentKind, Ecosystem, Hash, Origin};
use crate::error::{Error, Result};
use crate::purl::Purl;
use serde_json::{Map, Value};
use std::collections::{BTreeSet, HashMap};
use std::path::Path;

/// How deep nested CycloneDX components are followed.
pub const MAX_DEPTH: usize = 32;
/// The most components (CycloneDX) or elements (SPDX) one BOM may hold.
pub const MAX_COMPONENTS: usize = 200_000;
/// The most dependency edges read from one BOM.
pub const MAX_EDGES: usize = 1_000_000;
/// The most bytes of `depends_on` identifiers produced from one BOM.
pub const MAX_EDGE_BYTES: usize = 64 << 20;
/// The most licences kept per component.
pub const MAX_LICENSES: usize = 64;
/// The most targets read from one SPDX 3 relationship's `to` list.
pub const MAX_REL_TARGETS: usize = 100_000;

/// Which BOM format a JSON document is, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BomKind {
    /// CycloneDX JSON.
    CycloneDx,
    /// SPDX 2.x JSON or SPDX 3.0.x JSON-LD.
    Spdx,
}

/// Sniff a JSON text: CycloneDX has `"bomFormat": "CycloneDX"`, SPDX 2 has `spdxVersion`,
/// SPDX 3 JSON-LD has an `@context` or `@graph` naming `spdx.org/rdf/3`.
pub fn sniff(text: &str) -> Option<BomKind> {
    let head: String = text.chars().take(4096).collect();
    let spdx3 = |t: &str| {
        (t.contains("\"@context\"") || t.contains("\"@graph\"")) && t.contains("spdx.org/rdf/3")
    };
    if head.contains("\"bomFormat\"") && head.contains("CycloneDX") {
        Some(BomKind::CycloneDx)
    } else if head.contains("\"spdxVersion\"") || spdx3(&head) {
        Some(BomKind::Spdx)
    } else if text.contains("\"bomFormat\"") {
        Some(BomKind::CycloneDx)
    } else if text.contains("\"spdxVersion\"") || spdx3(text) {
        Some(BomKind::Spdx)
    } else {
        None
    }
}

/// Parse JSON, with errors that say where and what to do.
fn parse_json(text: &str, path: &Path, what: &str) -> Result<Map<String, Value>> {
    let v: Value = serde_json::from_str(text).map_err(|e| {
        let line = u32::try_from(e.line()).ok();
        if e.to_string().contains("recursion limit") {
            Error::parse(
                path,
                line,
                format!(
                    "JSON nested more than 128 levels deep; not a {what} vouch reads (is the file corrupt?)"
                ),
            )
        } else {
            Error::parse(path, line, format!("not valid {what} JSON: {e}"))
        }
    })?;
    match v {
        Value::Object(m) => Ok(m),
        other => Err(Error::parse(
            path,
            None,
            format!(
                "a {what} document is a JSON object, this is {}",
                json_type(&other)
            ),
        )),
    }
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// An optional array field: absent or null is empty, anything else but an array an error.
fn array_field<'a>(
    obj: &'a Map<String, Value>,
    key: &str,
    path: &Path,
    what: &str,
) -> Result<&'a [Value]> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(a)) => Ok(a),
        Some(other) => Err(Error::parse(
            path,
            None,
            format!(
                "{what} `{key}` must be an array, it is {}",
                json_type(other)
            ),
        )),
    }
}

fn str_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

fn arr_of<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

fn too_many(path: &Path, what: &str, limit: usize) -> Error {
    Error::parse(
        path,
        None,
        format!("more than {limit} {what}; vouch reads BOMs up to that size (split the BOM)"),
    )
}

fn origin(display: &str) -> Origin {
    Origin {
        path: display.to_owned(),
        line: None,
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

/// A component from a purl when it parses, else from the name (and version) as spelled.
fn make_component(
    purl: Option<&str>,
    name: Option<&str>,
    version: Option<&str>,
    kind: ComponentKind,
    display: &str,
) -> Option<Component> {
    let version = version
        .map(str::trim)
        .filter(|v| !v.is_empty() && *v != "NOASSERTION" && *v != "NONE");
    if let Some(mut c) = purl.and_then(|p| from_purl(p, kind, origin(display))) {
        if c.version.is_none() {
            c.version = version.map(str::to_owned);
        }
        return Some(c);
    }
    let name = name.map(str::trim).filter(|n| !n.is_empty())?;
    Some(Component {
        version: version.map(str::to_owned),
        ..Component::new(kind, name, origin(display))
    })
}

/// Add a licence unless it is empty, NOASSERTION/NONE, already there or one too many;
/// the bytes added.
fn push_license(c: &mut Component, l: &str) -> usize {
    let l = l.trim();
    if l.is_empty()
        || l == "NOASSERTION"
        || l == "NONE"
        || c.licenses.len() >= MAX_LICENSES
        || c.licenses.iter().any(|x| x == l)
    {
        return 0;
    }
    c.licenses.push(l.to_owned());
    l.len()
}

/// A subject becomes a Project unless it is a model or a dataset (see the module docs).
fn make_subject(c: &mut Component) {
    if !matches!(c.kind, ComponentKind::Model | ComponentKind::Dataset) {
        c.kind = ComponentKind::Project;
    }
}

/// Components plus a graph over them by index, turned into `depends_on` at the end.
#[derive(Default)]
struct Graph {
    comps: Vec<Component>,
    /// Document identifier (bom-ref, SPDXID, spdxId) → index; the first one wins.
    ids: HashMap<String, usize>,
    edges: BTreeSet<(usize, usize)>,
}

impl Graph {
    fn add(&mut self, id: Option<&str>, c: Component, path: &Path) -> Result<usize> {
        if self.comps.len() >= MAX_COMPONENTS {
            return Err(too_many(path, "components", MAX_COMPONENTS));
        }
        let i = self.comps.len();
        self.comps.push(c);
        if let Some(id) = id {
            self.ids.entry(id.to_owned()).or_insert(i);
        }
        Ok(i)
    }

    /// An edge between two document identifiers; unknown ones and self-edges are dropped.
    fn edge(&mut self, from: &str, to: &str, path: &Path) -> Result<()> {
        if let (Some(&a), Some(&b)) = (self.ids.get(from), self.ids.get(to))
            && a != b
        {
            if self.edges.len() >= MAX_EDGES {
                return Err(too_many(path, "dependency edges", MAX_EDGES));
            }
            self.edges.insert((a, b));
        }
        Ok(())
    }

    fn finish(self, path: &Path) -> Result<Vec<Component>> {
        let Graph {
            mut comps, edges, ..
        } = self;
        let refs: Vec<String> = comps.iter().map(Component::dep_ref).collect();
        let mut sets: Vec<BTreeSet<&str>> = vec![BTreeSet::new(); comps.len()];
        let mut bytes = 0usize;
        for (a, b) in edges {
            if let (Some(set), Some(r)) = (sets.get_mut(a), refs.get(b)) {
                if set.insert(r.as_str()) {
                    bytes = bytes.saturating_add(r.len());
                }
                if bytes > MAX_EDGE_BYTES {
                    return Err(too_many(
                        path,
                        "bytes of dependency identifiers",
                        MAX_EDGE_BYTES,
                    ));
                }
            }
        }
        for (c, set) in comps.iter_mut().zip(sets) {
            let own = c.dep_ref();
            c.depends_on = set
                .into_iter()
                .filter(|r| *r != own)
                .map(str::to_owned)
                .collect();
        }
        Ok(comps)
    }
}

// ------------------------------------------------------------------------------ CycloneDX

/// Parse CycloneDX JSON text (1.4, 1.5 and 1.6; older versions read as far as they agree).
pub fn parse_cyclonedx(text: &str, path: &Path, display: &str) -> Result<Vec<Component>> {
    let bom = parse_json(text, path, "CycloneDX")?;
    let mut g = Graph::default();
    if let Some(mc) = bom.get("metadata").and_then(|m| m.get("component"))
        && let Some(mut c) = cdx_component(mc, display)
    {
        make_subject(&mut c);
        g.add(str_of(mc, "bom-ref"), c, path)?;
    }
    // Pre-order over nested components without recursion: a stack of (value, depth),
    // children pushed in reverse so they come out in document order.
    let top = array_field(&bom, "components", path, "CycloneDX")?;
    if top.len() > MAX_COMPONENTS {
        return Err(too_many(path, "components", MAX_COMPONENTS));
    }
    let mut stack: Vec<(&Value, usize)> = top.iter().rev().map(|v| (v, 0)).collect();
    while let Some((v, depth)) = stack.pop() {
        if let Some(c) = cdx_component(v, display) {
            g.add(str_of(v, "bom-ref"), c, path)?;
        }
        if depth < MAX_DEPTH {
            for child in arr_of(v, "components").iter().rev() {
                if stack.len() >= MAX_COMPONENTS {
                    return Err(too_many(path, "components", MAX_COMPONENTS));
                }
                stack.push((child, depth + 1));
            }
        }
    }
    for d in array_field(&bom, "dependencies", path, "CycloneDX")? {
        let Some(from) = str_of(d, "ref") else {
            continue;
        };
        for to in arr_of(d, "dependsOn") {
            // Strings since 1.2; `{"ref": ...}` objects accepted too.
            let to = to
                .as_str()
                .or_else(|| to.get("ref").and_then(Value::as_str));
            if let Some(to) = to {
                g.edge(from, to.trim(), path)?;
            }
        }
    }
    g.finish(path)
}

fn cdx_component(v: &Value, display: &str) -> Option<Component> {
    let kind = match str_of(v, "type") {
        Some("machine-learning-model") => ComponentKind::Model,
        Some("data") => ComponentKind::Dataset,
        Some("file") => ComponentKind::File,
        _ => ComponentKind::Library,
    };
    let name = str_of(v, "name").map(|n| match str_of(v, "group") {
        Some(g) => format!("{g}/{n}"),
        None => n.to_owned(),
    });
    let mut c = make_component(
        str_of(v, "purl"),
        name.as_deref(),
        str_of(v, "version"),
        kind,
        display,
    )?;
    for h in arr_of(v, "hashes") {
        cdx_hash(&mut c, h);
    }
    for r in arr_of(v, "externalReferences") {
        if matches!(
            str_of(r, "type"),
            Some("distribution" | "distribution-intake")
        ) {
            for h in arr_of(r, "hashes") {
                cdx_hash(&mut c, h);
            }
        }
    }
    for l in arr_of(v, "licenses") {
        if let Some(e) = str_of(l, "expression") {
            push_license(&mut c, e);
        } else if let Some(lic) = l.get("license")
            && let Some(id) = str_of(lic, "id").or_else(|| str_of(lic, "name"))
        {
            push_license(&mut c, id);
        }
    }
    if str_of(v, "scope") == Some("excluded") {
        c.dev = true;
    }
    Some(c)
}

fn cdx_hash(c: &mut Component, h: &Value) {
    if let (Some(alg), Some(content)) = (str_of(h, "alg"), str_of(h, "content"))
        && let Some(h) = Hash::new(alg, content)
        && !c.hashes.contains(&h)
    {
        c.hashes.push(h);
    }
}

// ------------------------------------------------------------------------------ SPDX

/// Parse SPDX JSON text: SPDX 2.x JSON (`spdxVersion`) or SPDX 3.0.x JSON-LD (`@graph`).
pub fn parse_spdx(text: &str, path: &Path, display: &str) -> Result<Vec<Component>> {
    let doc = parse_json(text, path, "SPDX")?;
    if doc.contains_key("@graph") || doc.contains_key("@context") {
        parse_spdx3(&doc, path, display)
    } else if doc.contains_key("spdxVersion") || doc.contains_key("packages") {
        parse_spdx2(&doc, path, display)
    } else {
        Err(Error::parse(
            path,
            None,
            "neither SPDX 2 JSON (no `spdxVersion`) nor SPDX 3 JSON-LD (no `@graph`)",
        ))
    }
}

fn parse_spdx2(doc: &Map<String, Value>, path: &Path, display: &str) -> Result<Vec<Component>> {
    let mut g = Graph::default();
    let packages = array_field(doc, "packages", path, "SPDX 2")?;
    if packages.len() > MAX_COMPONENTS {
        return Err(too_many(path, "packages", MAX_COMPONENTS));
    }
    for p in packages {
        let kind = match str_of(p, "primaryPackagePurpose") {
            Some("FILE") => ComponentKind::File,
            Some("DATA") => ComponentKind::Dataset,
            _ => ComponentKind::Library,
        };
        let purl = arr_of(p, "externalRefs")
            .iter()
            .find(|r| {
                str_of(r, "referenceType") == Some("purl")
                    && matches!(
                        str_of(r, "referenceCategory"),
                        None | Some("PACKAGE-MANAGER" | "PACKAGE_MANAGER")
                    )
            })
            .and_then(|r| str_of(r, "referenceLocator"));
        let Some(mut c) = make_component(
            purl,
            str_of(p, "name"),
            str_of(p, "versionInfo"),
            kind,
            display,
        ) else {
            continue;
        };
        for ck in arr_of(p, "checksums") {
            if let (Some(a), Some(v)) = (str_of(ck, "algorithm"), str_of(ck, "checksumValue"))
                && let Some(h) = Hash::new(a, v)
                && !c.hashes.contains(&h)
            {
                c.hashes.push(h);
            }
        }
        for key in ["licenseDeclared", "licenseConcluded"] {
            if let Some(l) = str_of(p, key) {
                push_license(&mut c, l);
            }
        }
        g.add(str_of(p, "SPDXID"), c, path)?;
    }

    let doc_id = doc
        .get("SPDXID")
        .and_then(Value::as_str)
        .unwrap_or("SPDXRef-DOCUMENT");
    let mut described: BTreeSet<usize> = BTreeSet::new();
    for d in array_field(doc, "documentDescribes", path, "SPDX 2")? {
        if let Some(&i) = d.as_str().and_then(|d| g.ids.get(d)) {
            described.insert(i);
        }
    }
    let relationships = array_field(doc, "relationships", path, "SPDX 2")?;
    if relationships.len() > MAX_EDGES {
        return Err(too_many(path, "relationships", MAX_EDGES));
    }
    for r in relationships {
        let (Some(a), Some(b), Some(ty)) = (
            str_of(r, "spdxElementId"),
            str_of(r, "relatedSpdxElement"),
            str_of(r, "relationshipType"),
        ) else {
            continue;
        };
        match ty {
            "DEPENDS_ON" => g.edge(a, b, path)?,
            // DEPENDENCY_OF and its DEV_/BUILD_/RUNTIME_/OPTIONAL_/TEST_/PROVIDED_ kinds:
            // "A is a dependency of B", so B depends on A.
            t if t.ends_with("DEPENDENCY_OF") => g.edge(b, a, path)?,
            "DESCRIBES" if a == doc_id => {
                described.extend(g.ids.get(b).copied());
            }
            "DESCRIBED_BY" if b == doc_id => {
                described.extend(g.ids.get(a).copied());
            }
            _ => {}
        }
    }
    mark_subjects(&mut g, &described);
    g.finish(path)
}

/// One subject becomes the Project; several are left as they are (see the module docs).
fn mark_subjects(g: &mut Graph, subjects: &BTreeSet<usize>) {
    if subjects.len() == 1
        && let Some(c) = subjects.first().and_then(|&i| g.comps.get_mut(i))
    {
        make_subject(c);
    }
}

/// An SPDX 3 type name in compact form (`software_Package`, `Relationship`), from the compact,
/// `spdx:`-prefixed or full-IRI spellings.
fn spdx3_type(t: &str) -> String {
    let t = t.trim();
    let t = t
        .strip_prefix("spdx:")
        .or_else(|| {
            t.strip_prefix("https://spdx.org/rdf/3.")
                .and_then(|r| r.split_once("/terms/"))
                .map(|(_, r)| r)
        })
        .unwrap_or(t);
    match t.split_once('/') {
        Some(("Core", name)) => name.to_owned(),
        Some((ns, name)) => format!("{}_{name}", ns.to_ascii_lowercase()),
        None => t.to_owned(),
    }
}

fn spdx3_id(e: &Value) -> Option<&str> {
    str_of(e, "spdxId").or_else(|| str_of(e, "@id"))
}

/// A one-or-many IRI field (`to`, `rootElement`) as a bounded list of strings.
fn iri_list(v: Option<&Value>) -> impl Iterator<Item = &str> {
    let (one, many): (Option<&str>, &[Value]) = match v {
        Some(Value::String(s)) => (Some(s.as_str()), &[]),
        Some(Value::Array(a)) => (None, a.as_slice()),
        Some(Value::Object(o)) => (o.get("@id").and_then(Value::as_str), &[]),
        _ => (None, &[]),
    };
    one.into_iter()
        .chain(
            many.iter()
                .filter_map(|x| x.as_str().or_else(|| x.get("@id").and_then(Value::as_str))),
        )
        .map(str::trim)
        .take(MAX_REL_TARGETS)
}

fn parse_spdx3(doc: &Map<String, Value>, path: &Path, display: &str) -> Result<Vec<Component>> {
    let graph = array_field(doc, "@graph", path, "SPDX 3")?;
    if graph.len() > MAX_COMPONENTS {
        return Err(too_many(path, "elements", MAX_COMPONENTS));
    }
    let mut g = Graph::default();
    // Licence elements by id: the expression or name they stand for.
    let mut licenses: HashMap<&str, String> = HashMap::new();
    let mut relationships = Vec::new();
    let mut roots: Vec<&str> = Vec::new();
    for e in graph {
        let Some(ty) = str_of(e, "type").or_else(|| str_of(e, "@type")) else {
            continue;
        };
        let ty = spdx3_type(ty);
        let kind = match ty.as_str() {
            "software_Package" => match str_of(e, "software_primaryPurpose") {
                Some("model") => ComponentKind::Model,
                Some("data") => ComponentKind::Dataset,
                _ => ComponentKind::Library,
            },
            "ai_AIPackage" => ComponentKind::Model,
            "dataset_DatasetPackage" => ComponentKind::Dataset,
            "software_File" => ComponentKind::File,
            "Relationship" | "LifecycleScopedRelationship" => {
                relationships.push(e);
                continue;
            }
            "SpdxDocument" | "software_Sbom" | "ai_AIBom" | "Bom" | "Bundle" => {
                let room = MAX_EDGES.saturating_sub(roots.len());
                roots.extend(iri_list(e.get("rootElement")).take(room));
                continue;
            }
            "simplelicensing_LicenseExpression" => {
                if let (Some(id), Some(x)) =
                    (spdx3_id(e), str_of(e, "simplelicensing_licenseExpression"))
                {
                    licenses.insert(id, x.to_owned());
                }
                continue;
            }
            t if t.starts_with("expandedlicensing_") && t.ends_with("License") => {
                if let Some(id) = spdx3_id(e) {
                    let name = str_of(e, "name")
                        .map(str::to_owned)
                        .unwrap_or_else(|| license_from_iri(id));
                    licenses.insert(id, name);
                }
                continue;
            }
            _ => continue,
        };
        let purl = str_of(e, "software_packageUrl").or_else(|| {
            arr_of(e, "externalIdentifier")
                .iter()
                .find(|x| str_of(x, "externalIdentifierType") == Some("packageUrl"))
                .and_then(|x| str_of(x, "identifier"))
        });
        let Some(mut c) = make_component(
            purl,
            str_of(e, "name"),
            str_of(e, "software_packageVersion"),
            kind,
            display,
        ) else {
            continue;
        };
        for h in arr_of(e, "verifiedUsing") {
            if let (Some(a), Some(v)) = (str_of(h, "algorithm"), str_of(h, "hashValue"))
                && let Some(h) = Hash::new(a, v)
                && !c.hashes.contains(&h)
            {
                c.hashes.push(h);
            }
        }
        // A file is a component only when it can be matched by digest.
        if kind == ComponentKind::File && c.hashes.is_empty() {
            continue;
        }
        g.add(spdx3_id(e), c, path)?;
    }

    // (component, licence IRI), resolved after all relationships are seen so that declared
    // licences come first; bounded, since one licence element can be named by every package.
    let mut declared: Vec<(usize, &str)> = Vec::new();
    let mut concluded: Vec<(usize, &str)> = Vec::new();
    for r in relationships {
        let (Some(from), Some(ty)) = (str_of(r, "from"), str_of(r, "relationshipType")) else {
            continue;
        };
        let ty = ty.rsplit(['/', ':']).next().unwrap_or(ty);
        match ty {
            "dependsOn" | "trainedOn" | "testedOn" => {
                for to in iri_list(r.get("to")) {
                    g.edge(from, to, path)?;
                }
            }
            "hasDeclaredLicense" | "hasConcludedLicense" => {
                let Some(&i) = g.ids.get(from) else {
                    continue;
                };
                let list = if ty == "hasDeclaredLicense" {
                    &mut declared
                } else {
                    &mut concluded
                };
                for to in iri_list(r.get("to")).take(MAX_LICENSES) {
                    if list.len() >= MAX_EDGES {
                        return Err(too_many(path, "licence relationships", MAX_EDGES));
                    }
                    list.push((i, to));
                }
            }
            _ => {}
        }
    }
    let mut license_bytes = 0usize;
    for (i, to) in declared.into_iter().chain(concluded) {
        if let Some(c) = g.comps.get_mut(i) {
            let added = match licenses.get(to) {
                Some(l) => push_license(c, l),
                None => push_license(c, &license_from_iri(to)),
            };
            license_bytes = license_bytes.saturating_add(added);
            if license_bytes > MAX_EDGE_BYTES {
                return Err(too_many(path, "bytes of licences", MAX_EDGE_BYTES));
            }
        }
    }

    let subjects: BTreeSet<usize> = roots
        .iter()
        .filter_map(|r| g.ids.get(*r).copied())
        .collect();
    mark_subjects(&mut g, &subjects);
    g.finish(path)
}

/// The licence a bare IRI names: the listed-licence id after `spdx.org/licenses/`, `NONE` /
/// `NOASSERTION` for the SPDX individuals (dropped later), else the IRI's last segment.
fn license_from_iri(iri: &str) -> String {
    let iri = iri.trim();
    if let Some((_, id)) = iri.split_once("spdx.org/licenses/") {
        return id.trim_end_matches(".html").to_owned();
    }
    if iri.ends_with("NoAssertionLicense") {
        return "NOASSERTION".into();
    }
    if iri.ends_with("NoneLicense") {
        return "NONE".into();
    }
    iri.rsplit(['/', '#']).next().unwrap_or(iri).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cdx(text: &str) -> Vec<Component> {
        assert_eq!(sniff(text), Some(BomKind::CycloneDx), "{text}");
        parse_cyclonedx(text, Path::new("bom.json"), "bom.json").unwrap()
    }

    fn spdx(text: &str) -> Vec<Component> {
        assert_eq!(sniff(text), Some(BomKind::Spdx), "{text}");
        parse_spdx(text, Path::new("s.json"), "s.json").unwrap()
    }

    fn by_name<'a>(c: &'a [Component], name: &str) -> &'a Component {
        c.iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("no {name} in {c:#?}"))
    }

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
        let c = cdx(text);
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
                (None, "me", None, ComponentKind::Project, 0),
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
    fn cyclonedx_edges_licences_scope_duplicates() {
        let text = r#"{"bomFormat": "CycloneDX", "specVersion": "1.5",
          "metadata": {"component": {"type": "application", "bom-ref": "app", "name": "app", "version": "1"}},
          "components": [
            {"type": "framework", "bom-ref": "a", "name": "a", "version": "1.0", "purl": "pkg:npm/a@1.0",
             "licenses": [{"license": {"id": "MIT"}}, {"license": {"name": "Custom thing"}}, {"license": {"id": "MIT"}}]},
            {"type": "library", "bom-ref": "b", "name": "b", "version": "2.0",
             "licenses": [{"expression": "Apache-2.0 OR MIT"}], "scope": "excluded"},
            {"type": "library", "bom-ref": "a", "name": "a-dup", "purl": "pkg:npm/a-dup@9"},
            {"type": "library", "bom-ref": "c", "name": "c", "scope": "optional"}
          ],
          "dependencies": [
            {"ref": "app", "dependsOn": ["a", "c", "ghost"]},
            {"ref": "a", "dependsOn": ["b", "a", {"ref": "c"}]},
            {"ref": "b", "dependsOn": ["a"]},
            {"ref": "ghost", "dependsOn": ["a"]},
            {"ref": "a", "dependsOn": ["b"]},
            {"dependsOn": ["a"]}
          ]}"#;
        let c = cdx(text);
        assert_eq!(c.len(), 5);
        let app = by_name(&c, "app");
        assert_eq!(app.kind, ComponentKind::Project);
        assert_eq!(app.depends_on, ["c", "pkg:npm/a@1.0"]);
        let a = by_name(&c, "a");
        assert_eq!(a.kind, ComponentKind::Library);
        assert_eq!(a.licenses, ["MIT", "Custom thing"]);
        // Self-edge dropped, duplicate entries merged, object form read; cycle a <-> b kept.
        assert_eq!(a.depends_on, ["b@2.0", "c"]);
        let b = by_name(&c, "b");
        assert_eq!(
            (b.dev, b.depends_on.as_slice()),
            (true, &["pkg:npm/a@1.0".to_owned()][..])
        );
        assert_eq!(b.licenses, ["Apache-2.0 OR MIT"]);
        // The duplicate bom-ref is kept as a component, but the reference means the first.
        assert!(by_name(&c, "a-dup").depends_on.is_empty());
        assert!(!by_name(&c, "c").dev);
    }

    #[test]
    fn cyclonedx_model_subject_stays_a_model() {
        let c = cdx(
            r#"{"bomFormat": "CycloneDX", "specVersion": "1.6", "metadata": {"component":
            {"type": "machine-learning-model", "bom-ref": "m", "name": "org/m", "purl": "pkg:huggingface/org/m@abc"}},
            "components": [{"type": "data", "bom-ref": "d", "name": "train"}],
            "dependencies": [{"ref": "m", "dependsOn": ["d"]}]}"#,
        );
        assert_eq!(c[0].kind, ComponentKind::Model);
        assert_eq!(c[0].depends_on, ["train"]);
        assert_eq!(c[1].kind, ComponentKind::Dataset);
    }

    #[test]
    fn cyclonedx_distribution_hashes_and_version_fallback() {
        let c = cdx(
            r#"{"bomFormat": "CycloneDX", "components": [{"type": "library", "name": "x",
            "version": "1.2", "purl": "pkg:pypi/x",
            "externalReferences": [{"type": "distribution", "url": "https://registry.invalid/x",
              "hashes": [{"alg": "SHA-256", "content": "aa"}, {"alg": "SHA-256", "content": "AA"}]},
              {"type": "website", "hashes": [{"alg": "SHA-256", "content": "bb"}]}]}]}"#,
        );
        assert_eq!(c[0].version.as_deref(), Some("1.2"));
        assert_eq!(c[0].sha256().collect::<Vec<_>>(), ["aa"]);
    }

    #[test]
    fn cyclonedx_depth_is_capped_without_recursion() {
        // MAX_DEPTH + 5 levels of nesting fit serde_json's limit; the deepest are not read.
        let levels = MAX_DEPTH + 5;
        let mut text = String::from(r#"{"bomFormat": "CycloneDX", "components": "#);
        for i in 0..levels {
            text.push_str(&format!(r#"[{{"name": "n{i}", "components": "#));
        }
        text.push_str("[]");
        for _ in 0..levels {
            text.push_str("}]");
        }
        text.push('}');
        // 2 JSON levels per component level: well under serde_json's 128.
        let c = parse_cyclonedx(&text, Path::new("b"), "b").unwrap();
        assert_eq!(c.len(), MAX_DEPTH + 1);
        assert_eq!(c.last().map(|c| c.name.as_str()), Some("n32"));
    }

    #[test]
    fn wrong_shapes_are_errors_or_skipped() {
        for (text, want) in [
            ("[1, 2]", "is an array"),
            ("not json", "not valid CycloneDX JSON"),
            (
                r#"{"bomFormat": "CycloneDX", "components": "x"}"#,
                "`components` must be an array",
            ),
            (
                r#"{"bomFormat": "CycloneDX", "dependencies": {}}"#,
                "`dependencies` must be an array",
            ),
        ] {
            let e = parse_cyclonedx(text, Path::new("b.json"), "b.json")
                .unwrap_err()
                .to_string();
            assert!(e.contains(want), "{text}: {e}");
        }
        // Wrongly typed fields inside components are skipped.
        let c = cdx(
            r#"{"bomFormat": "CycloneDX", "components": [1, "x", {"name": 3},
            {"name": "ok", "purl": 5, "hashes": "x", "licenses": [1, {"license": 2}], "components": {}}],
            "dependencies": [1, {"ref": 2}, {"ref": "ok", "dependsOn": "x"}]}"#,
        );
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].name, "ok");
        let e = parse_spdx(
            r#"{"spdxVersion": "SPDX-2.3", "packages": 7}"#,
            Path::new("s"),
            "s",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("`packages` must be an array"), "{e}");
        let e = parse_spdx(r#"{"@graph": {}}"#, Path::new("s"), "s")
            .unwrap_err()
            .to_string();
        assert!(e.contains("`@graph` must be an array"), "{e}");
        let e = parse_spdx(r#"{"hello": 1}"#, Path::new("s"), "s")
            .unwrap_err()
            .to_string();
        assert!(e.contains("neither SPDX 2"), "{e}");
    }

    #[test]
    fn deep_nesting_is_a_clean_error() {
        let deep = format!(
            r#"{{"bomFormat": "CycloneDX", "components": {}{}}}"#,
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        let e = parse_cyclonedx(&deep, Path::new("b"), "b")
            .unwrap_err()
            .to_string();
        assert!(e.contains("nested more than 128 levels"), "{e}");
        let deep = format!(
            r#"{{"@graph": {}{}}}"#,
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        assert!(parse_spdx(&deep, Path::new("s"), "s").is_err());
    }

    #[test]
    fn spdx2_packages_relationships_subject() {
        let text = r#"{"spdxVersion": "SPDX-2.3", "SPDXID": "SPDXRef-DOCUMENT",
          "documentDescribes": ["SPDXRef-app"],
          "packages": [
            {"SPDXID": "SPDXRef-app", "name": "app", "versionInfo": "1.0", "licenseDeclared": "MIT"},
            {"SPDXID": "SPDXRef-req", "name": "requests", "versionInfo": "2.25.0", "externalRefs": [
              {"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": "pkg:pypi/requests@2.25.0"}],
             "checksums": [{"algorithm": "SHA256", "checksumValue": "ff00"}],
             "licenseDeclared": "NOASSERTION", "licenseConcluded": "Apache-2.0"},
            {"SPDXID": "SPDXRef-u3", "name": "urllib3", "versionInfo": "1.26.4", "licenseConcluded": "NONE"},
            {"SPDXID": "SPDXRef-thing", "name": "thing", "versionInfo": "NOASSERTION"},
            {"SPDXID": "SPDXRef-dev", "name": "pytest", "versionInfo": "8.0"}],
          "relationships": [
            {"spdxElementId": "SPDXRef-app", "relatedSpdxElement": "SPDXRef-req", "relationshipType": "DEPENDS_ON"},
            {"spdxElementId": "SPDXRef-u3", "relatedSpdxElement": "SPDXRef-req", "relationshipType": "DEPENDENCY_OF"},
            {"spdxElementId": "SPDXRef-dev", "relatedSpdxElement": "SPDXRef-app", "relationshipType": "DEV_DEPENDENCY_OF"},
            {"spdxElementId": "SPDXRef-app", "relatedSpdxElement": "SPDXRef-thing", "relationshipType": "CONTAINS"},
            {"spdxElementId": "SPDXRef-req", "relatedSpdxElement": "NOASSERTION", "relationshipType": "DEPENDS_ON"},
            {"spdxElementId": "SPDXRef-req", "relatedSpdxElement": "DocumentRef-x:SPDXRef-y", "relationshipType": "DEPENDS_ON"}]}"#;
        let c = spdx(text);
        assert_eq!(c.len(), 5);
        let app = by_name(&c, "app");
        assert_eq!(app.kind, ComponentKind::Project);
        assert_eq!(app.licenses, ["MIT"]);
        assert_eq!(app.depends_on, ["pkg:pypi/requests@2.25.0", "pytest@8.0"]);
        let req = by_name(&c, "requests");
        assert_eq!(req.kind, ComponentKind::Library);
        assert_eq!(req.licenses, ["Apache-2.0"]);
        assert_eq!(req.hashes[0].alg, "sha256");
        assert_eq!(req.depends_on, ["urllib3@1.26.4"]);
        assert!(by_name(&c, "urllib3").licenses.is_empty());
        let thing = by_name(&c, "thing");
        assert_eq!(
            (thing.ecosystem.clone(), thing.version.clone()),
            (None, None)
        );
    }

    #[test]
    fn spdx2_several_subjects_stay_audited() {
        let c = spdx(
            r#"{"spdxVersion": "SPDX-2.3", "packages": [
            {"SPDXID": "SPDXRef-a", "name": "a"}, {"SPDXID": "SPDXRef-b", "name": "b"}],
            "relationships": [
              {"spdxElementId": "SPDXRef-DOCUMENT", "relatedSpdxElement": "SPDXRef-a", "relationshipType": "DESCRIBES"},
              {"spdxElementId": "SPDXRef-b", "relatedSpdxElement": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBED_BY"}]}"#,
        );
        assert!(c.iter().all(|c| c.kind == ComponentKind::Library), "{c:?}");
        let c = spdx(
            r#"{"spdxVersion": "SPDX-2.3", "packages": [{"SPDXID": "SPDXRef-b", "name": "b"}],
            "relationships": [{"spdxElementId": "SPDXRef-b", "relatedSpdxElement": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBED_BY"}]}"#,
        );
        assert_eq!(c[0].kind, ComponentKind::Project);
    }

    #[test]
    fn spdx3_elements_relationships_licences() {
        let text = r#"{"@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld", "@graph": [
          {"type": "SpdxDocument", "spdxId": "urn:doc", "rootElement": ["urn:sbom"]},
          {"type": "software_Sbom", "spdxId": "urn:sbom", "rootElement": "urn:app"},
          {"type": "software_Package", "spdxId": "urn:app", "name": "app", "software_packageVersion": "1"},
          {"type": "spdx:Software/Package", "spdxId": "urn:np", "name": "numpy",
           "externalIdentifier": [{"type": "ExternalIdentifier", "externalIdentifierType": "packageUrl", "identifier": "pkg:pypi/numpy@1.19.5"}],
           "verifiedUsing": [{"type": "Hash", "algorithm": "sha256", "hashValue": "0A0B"}]},
          {"type": "ai_AIPackage", "spdxId": "urn:m", "name": "org/m", "software_packageUrl": "pkg:huggingface/org/m@r1"},
          {"type": "https://spdx.org/rdf/3.0.1/terms/Dataset/DatasetPackage", "@id": "urn:d", "name": "ds"},
          {"type": "software_File", "spdxId": "urn:f1", "name": "w.bin", "verifiedUsing": [{"type": "Hash", "algorithm": "sha256", "hashValue": "cc"}]},
          {"type": "software_File", "spdxId": "urn:f2", "name": "README.md"},
          {"type": "simplelicensing_LicenseExpression", "spdxId": "urn:lic1", "simplelicensing_licenseExpression": "MIT OR Apache-2.0"},
          {"type": "Relationship", "spdxId": "urn:r1", "from": "urn:app", "relationshipType": "dependsOn", "to": ["urn:np", "urn:m", "urn:f2", "urn:nowhere"]},
          {"type": "LifecycleScopedRelationship", "from": "urn:m", "relationshipType": "trainedOn", "to": ["urn:d"]},
          {"type": "Relationship", "from": "urn:m", "relationshipType": "testedOn", "to": ["urn:d", "urn:m"]},
          {"type": "Relationship", "from": "urn:app", "relationshipType": "contains", "to": ["urn:f1"]},
          {"type": "Relationship", "from": "urn:np", "relationshipType": "hasConcludedLicense", "to": ["https://spdx.org/licenses/BSD-3-Clause"]},
          {"type": "Relationship", "from": "urn:np", "relationshipType": "hasDeclaredLicense", "to": ["urn:lic1"]},
          {"type": "Relationship", "from": "urn:d", "relationshipType": "hasDeclaredLicense", "to": ["https://spdx.org/rdf/3.0.1/terms/Expanded/NoAssertionLicense"]},
          {"type": "Relationship", "from": 5, "relationshipType": "dependsOn", "to": 7}
        ]}"#;
        let c = spdx(text);
        assert_eq!(c.len(), 5, "{c:#?}");
        let app = by_name(&c, "app");
        assert_eq!(app.kind, ComponentKind::Project);
        assert_eq!(
            app.depends_on,
            ["pkg:huggingface/org/m@r1", "pkg:pypi/numpy@1.19.5"]
        );
        let np = by_name(&c, "numpy");
        assert_eq!(np.ecosystem, Some(Ecosystem::PyPI));
        assert_eq!(np.version.as_deref(), Some("1.19.5"));
        assert_eq!(np.sha256().collect::<Vec<_>>(), ["0a0b"]);
        assert_eq!(np.licenses, ["MIT OR Apache-2.0", "BSD-3-Clause"]);
        let m = by_name(&c, "org/m");
        assert_eq!(m.kind, ComponentKind::Model);
        assert_eq!(m.depends_on, ["ds"]);
        let d = by_name(&c, "ds");
        assert_eq!(d.kind, ComponentKind::Dataset);
        assert!(d.licenses.is_empty());
        assert_eq!(by_name(&c, "w.bin").kind, ComponentKind::File);
    }

    #[test]
    fn spdx3_sniffing_and_type_names() {
        assert_eq!(
            sniff(
                r#"{"@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld", "@graph": []}"#
            ),
            Some(BomKind::Spdx)
        );
        assert_eq!(
            sniff(r#"{"@context": "https://schema.org", "@graph": []}"#),
            None
        );
        assert_eq!(spdx3_type("software_Package"), "software_Package");
        assert_eq!(spdx3_type("spdx:Core/Relationship"), "Relationship");
        assert_eq!(spdx3_type("spdx:AI/AIPackage"), "ai_AIPackage");
        assert_eq!(
            spdx3_type("https://spdx.org/rdf/3.0.1/terms/Software/File"),
            "software_File"
        );
        assert_eq!(license_from_iri("https://spdx.org/licenses/MIT"), "MIT");
        assert_eq!(license_from_iri("urn:x#LicenseRef-foo"), "LicenseRef-foo");
    }

    #[test]
    fn edge_count_is_bounded() {
        // Many dependency entries to distinct components: over MAX_EDGES is an error, not
        // an allocation driven by the input.
        let n = 1100;
        let mut text = String::from(r#"{"bomFormat": "CycloneDX", "components": ["#);
        for i in 0..n {
            if i > 0 {
                text.push(',');
            }
            text.push_str(&format!(r#"{{"bom-ref": "r{i}", "name": "n{i}"}}"#));
        }
        text.push_str(r#"], "dependencies": ["#);
        let targets: Vec<String> = (0..n).map(|i| format!("\"r{i}\"")).collect();
        let targets = targets.join(",");
        for i in 0..n {
            if i > 0 {
                text.push(',');
            }
            text.push_str(&format!(r#"{{"ref": "r{i}", "dependsOn": [{targets}]}}"#));
        }
        text.push_str("]}");
        // 1100 * 1099 edges > MAX_EDGES.
        let e = parse_cyclonedx(&text, Path::new("b"), "b")
            .unwrap_err()
            .to_string();
        assert!(e.contains("dependency edges"), "{e}");
    }

    #[test]
    fn licence_amplification_is_bounded() {
        // One 70 KB licence expression named by 1000 packages: 70 MB of licence strings.
        let big = "MIT OR ".repeat(10_000);
        let mut text = format!(
            r#"{{"@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld", "@graph": [
            {{"type": "simplelicensing_LicenseExpression", "spdxId": "urn:l", "simplelicensing_licenseExpression": "{big}"}}"#
        );
        for i in 0..1000 {
            text.push_str(&format!(
                r#",{{"type": "software_Package", "spdxId": "urn:p{i}", "name": "p{i}"}},
                {{"type": "Relationship", "from": "urn:p{i}", "relationshipType": "hasDeclaredLicense", "to": ["urn:l"]}}"#
            ));
        }
        text.push_str("]}");
        let e = parse_spdx(&text, Path::new("s"), "s")
            .unwrap_err()
            .to_string();
        assert!(e.contains("bytes of licences"), "{e}");
        // The same with 10 packages reads fine.
        let small: String = text
            .split(",{\"type\": \"software_Package\", \"spdxId\": \"urn:p10\"")
            .next()
            .unwrap()
            .to_owned()
            + "]}";
        let c = parse_spdx(&small, Path::new("s"), "s").unwrap();
        assert_eq!(c.len(), 10);
        assert!(c.iter().all(|c| c.licenses.len() == 1));
    }
}
