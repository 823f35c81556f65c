//! Third-party BOMs read back into components: CycloneDX 1.4/1.5/1.6 made by cyclonedx-py,
//! SPDX 2.3 made by sbom4python, hand-written CycloneDX / SPDX 2.3 / SPDX 3.0.1 documents,
//! the official SPDX 3.0.1 examples (read in place from the shared specs folder, never
//! copied: they are GPL) and vouch's own `vouch bom` output (read from vouch-bom's
//! snapshots). Fixtures: `tests/fixtures/boms/` (see its README; regenerate the tool-made ones
//! with `scripts/gen_bom_fixtures.py`).

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use vouch_inventory::bom::{self, BomKind};
use vouch_inventory::{Component, ComponentKind, Ecosystem, read_file};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/boms")
        .join(name)
}

fn read(name: &str) -> Vec<Component> {
    let p = fixture(name);
    read_file(&p, name).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn get<'a>(c: &'a [Component], name: &str) -> &'a Component {
    c.iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no component {name} in {:?}", names(c)))
}

fn names(c: &[Component]) -> Vec<&str> {
    c.iter().map(|c| c.name.as_str()).collect()
}

fn projects(c: &[Component]) -> Vec<&Component> {
    c.iter()
        .filter(|c| c.kind == ComponentKind::Project)
        .collect()
}

/// What an advisory match needs: an ecosystem, a name and a pinned version on every library
/// with a purl, and the purl's identity agreeing with them.
fn assert_matchable(file: &str, c: &[Component]) {
    assert!(!c.is_empty(), "{file}: no components");
    for x in c {
        assert!(!x.name.is_empty(), "{file}: empty name");
        assert_eq!(x.origin.path, file);
        if let Some(purl) = &x.purl {
            let p = vouch_inventory::purl::Purl::parse(purl).unwrap();
            assert!(x.ecosystem.is_some(), "{file}: {purl} has no ecosystem");
            assert_eq!(x.version, p.version, "{file}: {purl}");
        }
        // Every edge points at a component of the same input.
        let refs: BTreeSet<String> = c.iter().map(Component::dep_ref).collect();
        for d in &x.depends_on {
            assert!(refs.contains(d), "{file}: {} -> {d} dangles", x.name);
        }
        let mut sorted = x.depends_on.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted, x.depends_on, "{file}: {} edges unsorted", x.name);
    }
}

// ------------------------------------------------------------------ cyclonedx-py environment

#[test]
fn cyclonedx_py_environment_each_spec_version() {
    let mut sets = Vec::new();
    for v in ["1.4", "1.5", "1.6"] {
        let file = format!("cdx-{v}-env.json");
        let text = std::fs::read_to_string(fixture(&file)).unwrap();
        assert!(
            text.contains(&format!("\"specVersion\": \"{v}\"")),
            "{file}"
        );
        assert_eq!(bom::sniff(&text), Some(BomKind::CycloneDx));
        let c = read(&file);
        assert_matchable(&file, &c);

        // The root component from pyproject.toml is the Project, its edges the direct deps.
        let p = projects(&c);
        assert_eq!(p.len(), 1, "{file}");
        assert_eq!(p[0].name, "bom-fixture-app");
        assert_eq!(p[0].version.as_deref(), Some("0.1.0"));
        assert_eq!(p[0].licenses, ["MIT"]);
        assert_eq!(
            p[0].depends_on,
            ["pkg:pypi/jinja2@2.11.2", "pkg:pypi/requests@2.25.0"],
            "{file}"
        );

        let req = get(&c, "requests");
        assert_eq!(req.kind, ComponentKind::Library);
        assert_eq!(req.ecosystem, Some(Ecosystem::PyPI));
        assert_eq!(req.version.as_deref(), Some("2.25.0"));
        let deps: Vec<&str> = req
            .depends_on
            .iter()
            .map(|d| d.split('@').next().unwrap_or(d))
            .collect();
        assert_eq!(
            deps,
            [
                "pkg:pypi/certifi",
                "pkg:pypi/chardet",
                "pkg:pypi/idna",
                "pkg:pypi/urllib3"
            ],
            "{file}"
        );
        let jinja = get(&c, "jinja2");
        assert_eq!(jinja.purl.as_deref(), Some("pkg:pypi/jinja2@2.11.2"));
        assert!(jinja.licenses.iter().any(|l| l == "BSD-3-Clause"), "{file}");
        assert_eq!(jinja.depends_on.len(), 1);
        assert!(jinja.depends_on[0].starts_with("pkg:pypi/markupsafe@"));
        assert_eq!(
            get(&c, "chardet").licenses,
            ["License :: OSI Approved :: GNU Library or Lesser General Public License (LGPL)"]
        );

        let set: BTreeSet<(String, Option<String>)> =
            c.iter().map(|c| (c.name.clone(), c.purl.clone())).collect();
        sets.push(set);
    }
    // The three spec versions describe the same environment.
    assert_eq!(sets[0], sets[1]);
    assert_eq!(sets[1], sets[2]);
}

#[test]
fn cyclonedx_py_requirements_hashes_from_distribution_refs() {
    let c = read("cdx-1.6-requirements.json");
    assert_matchable("cdx-1.6-requirements.json", &c);
    assert!(projects(&c).is_empty());
    assert_eq!(names(&c), ["requests", "torch", "urllib3"]);
    assert_eq!(
        get(&c, "requests").sha256().collect::<Vec<_>>(),
        ["7f1a0b932f4a60a1a65caa4263921bb7d9ee911957e0ae4a23a6dd08185ad5f8"]
    );
    assert_eq!(get(&c, "torch").version.as_deref(), Some("1.13.0"));
    assert!(c.iter().all(|c| c.depends_on.is_empty()));
}

#[test]
fn cyclonedx_handwritten_aibom() {
    let file = "cdx-1.6-aibom-handwritten.json";
    let c = read(file);
    assert_matchable(file, &c);
    assert_eq!(
        names(&c),
        [
            "ticket-router",
            "distilbert/distilbert-base-uncased",
            "model.safetensors",
            "tickets-train",
            "torch",
            "transformers",
            "@babel/traverse",
            "torch-duplicate-ref"
        ]
    );
    let app = get(&c, "ticket-router");
    assert_eq!(app.kind, ComponentKind::Project);
    assert_eq!(app.licenses, ["Apache-2.0 OR MIT"]);
    // The unknown ref is dropped.
    assert_eq!(
        app.depends_on,
        [
            "pkg:huggingface/distilbert/distilbert-base-uncased@12040accade4e8a0f71eabdb258fecc2e7e948be",
            "pkg:npm/%40babel/traverse@7.22.0",
            "pkg:pypi/transformers@4.30.0"
        ]
    );
    let model = get(&c, "distilbert/distilbert-base-uncased");
    assert_eq!(model.kind, ComponentKind::Model);
    assert_eq!(model.ecosystem, Some(Ecosystem::HuggingFace));
    assert_eq!(model.licenses, ["Apache-2.0"]);
    assert_eq!(
        model.depends_on,
        ["model.safetensors", "tickets-train@2024-01"]
    );
    let w = get(&c, "model.safetensors");
    assert_eq!(w.kind, ComponentKind::File);
    assert_eq!(
        w.sha256().collect::<Vec<_>>(),
        ["dc84597161ed2cff0461437912bf99d9753d625a7f27f4ac0aab050ea162013d"]
    );
    let d = get(&c, "tickets-train");
    assert_eq!(d.kind, ComponentKind::Dataset);
    assert_eq!(
        d.hashes.iter().map(|h| h.alg.as_str()).collect::<Vec<_>>(),
        ["sha256", "sha512"]
    );
    assert_eq!(d.licenses, ["CC-BY-4.0"]);
    // A cycle torch <-> transformers is kept as written.
    assert_eq!(
        get(&c, "torch").depends_on,
        ["pkg:pypi/transformers@4.30.0"]
    );
    assert_eq!(
        get(&c, "transformers").depends_on,
        ["pkg:pypi/torch@1.13.0"]
    );
    assert_eq!(get(&c, "torch").licenses, ["BSD-3-Clause-like"]);
    // scope: excluded → a development dependency.
    let babel = get(&c, "@babel/traverse");
    assert!(babel.dev);
    assert_eq!(babel.ecosystem, Some(Ecosystem::Npm));
    // The duplicate bom-ref is still a component (audited), without the first one's edges.
    let dup = get(&c, "torch-duplicate-ref");
    assert_eq!(dup.kind, ComponentKind::Library);
    assert!(dup.depends_on.is_empty());
}

// ------------------------------------------------------------------ SPDX 2.3

#[test]
fn sbom4python_spdx23() {
    let file = "spdx-2.3-sbom4python.json";
    let c = read(file);
    assert_matchable(file, &c);
    assert_eq!(
        names(&c),
        ["requests", "chardet", "idna", "urllib3", "certifi"]
    );
    // The document DESCRIBES requests: it is the subject.
    let req = get(&c, "requests");
    assert_eq!(req.kind, ComponentKind::Project);
    assert_eq!(req.licenses, ["Apache-2.0"]);
    assert_eq!(req.depends_on.len(), 4);
    assert!(
        req.depends_on
            .contains(&"pkg:pypi/chardet@3.0.4".to_owned())
    );
    assert!(req.depends_on.contains(&"pkg:pypi/idna@2.10".to_owned()));
    assert_eq!(get(&c, "chardet").licenses, ["LGPL-2.0-or-later"]);
    // NOASSERTION licences are dropped.
    assert!(get(&c, "idna").licenses.is_empty());
    assert!(
        c.iter()
            .filter(|c| c.kind == ComponentKind::Library)
            .all(|c| c.ecosystem == Some(Ecosystem::PyPI) && c.version.is_some())
    );
}

#[test]
fn spdx23_handwritten() {
    let file = "spdx-2.3-handwritten.json";
    let c = read(file);
    assert_matchable(file, &c);
    assert_eq!(c.len(), 6);
    let app = get(&c, "ticket-router");
    assert_eq!(app.kind, ComponentKind::Project);
    assert_eq!(app.licenses, ["Apache-2.0 OR MIT"]);
    // DEPENDS_ON, DEPENDENCY_OF and DEV_DEPENDENCY_OF; not CONTAINS.
    assert_eq!(
        app.depends_on,
        [
            "pkg:cargo/smallvec@1.6.0",
            "pkg:pypi/django@3.2.1",
            "pytest@8.0.0"
        ]
    );
    let dj = get(&c, "django");
    assert_eq!(dj.ecosystem, Some(Ecosystem::PyPI));
    assert_eq!(dj.licenses, ["BSD-3-Clause"]);
    assert_eq!(
        dj.hashes.iter().map(|h| h.alg.as_str()).collect::<Vec<_>>(),
        ["sha256", "sha1"]
    );
    // The external-document edge is dropped; the cycle is kept.
    assert_eq!(dj.depends_on, ["pkg:pypi/sqlparse@0.4.1"]);
    assert_eq!(get(&c, "sqlparse").depends_on, ["pkg:pypi/django@3.2.1"]);
    assert!(get(&c, "sqlparse").licenses.is_empty());
    assert_eq!(get(&c, "smallvec").ecosystem, Some(Ecosystem::CratesIo));
    assert_eq!(get(&c, "smallvec").licenses, ["MIT OR Apache-2.0"]);
    let blob = get(&c, "vendored-blob");
    assert_eq!(
        (blob.kind, blob.version.as_deref()),
        (ComponentKind::File, None)
    );
    assert_eq!(blob.sha256().count(), 1);
}

// ------------------------------------------------------------------ SPDX 3.0.1

#[test]
fn spdx3_handwritten() {
    let file = "spdx-3.0.1-handwritten.json";
    let text = std::fs::read_to_string(fixture(file)).unwrap();
    assert_eq!(bom::sniff(&text), Some(BomKind::Spdx));
    let c = read(file);
    assert_matchable(file, &c);
    // README.md has no hash: not a component.
    assert_eq!(
        names(&c),
        [
            "ticket-router",
            "transformers",
            "distilbert/distilbert-base-uncased",
            "tickets-train",
            "model.safetensors"
        ]
    );
    let app = get(&c, "ticket-router");
    assert_eq!(app.kind, ComponentKind::Project);
    assert_eq!(app.licenses, ["Apache-2.0 OR MIT"]);
    assert_eq!(
        app.depends_on,
        [
            "pkg:huggingface/distilbert/distilbert-base-uncased@12040accade4e8a0f71eabdb258fecc2e7e948be",
            "pkg:pypi/transformers@4.30.0"
        ]
    );
    let tf = get(&c, "transformers");
    assert_eq!(
        (
            tf.ecosystem.clone(),
            tf.version.as_deref(),
            tf.sha256().count()
        ),
        (Some(Ecosystem::PyPI), Some("4.30.0"), 1)
    );
    let m = get(&c, "distilbert/distilbert-base-uncased");
    assert_eq!(m.kind, ComponentKind::Model);
    assert_eq!(m.ecosystem, Some(Ecosystem::HuggingFace));
    assert_eq!(m.licenses, ["Apache-2.0"]);
    // trainedOn is a dependency; hasDataFile is not.
    assert_eq!(m.depends_on, ["tickets-train@2024-01"]);
    let d = get(&c, "tickets-train");
    assert_eq!(d.kind, ComponentKind::Dataset);
    assert!(d.licenses.is_empty(), "NoAssertionLicense is dropped");
    assert_eq!(get(&c, "model.safetensors").kind, ComponentKind::File);
}

fn spdx_example(name: &str) -> Vec<Component> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/specs/spdx-3.0.1/examples")
        .join(name);
    assert!(
        p.exists(),
        "{} is missing: the SPDX 3.0.1 examples live in the shared specs folder beside the repository",
        p.display()
    );
    let c = read_file(&p, name).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_matchable(name, &c);
    c
}

#[test]
fn spdx3_official_package_sbom() {
    let c = spdx_example("package_sbom.json");
    // The only file has no hash; the package is the Sbom's root.
    assert_eq!(c.len(), 1);
    assert_eq!(
        (c[0].name.as_str(), c[0].version.as_deref(), c[0].kind),
        ("my-package", Some("1.0"), ComponentKind::Project)
    );
}

#[test]
fn spdx3_official_ai_example01() {
    let c = spdx_example("spdx-examples-ai/ai-example01-simplehtr.spdx3.json");
    let p = projects(&c);
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].name, "SimpleHTR");
    assert_eq!(p[0].licenses, ["MIT"]);
    // Seven libraries (one of them misnamed "lmdb" upstream, version 3.2.1).
    assert_eq!(
        p[0].depends_on,
        [
            "editdistance@0.5.2",
            "lmdb@1.0.0",
            "lmdb@3.2.1",
            "numpy@1.19.5",
            "opencv-python@4.4.0.46",
            "path@15.0.0",
            "tensorflow@2.4.0"
        ]
    );
    assert_eq!(get(&c, "editdistance").licenses, ["MIT"]);
    assert_eq!(get(&c, "numpy").licenses, ["BSD-2-Clause-FreeBSD"]);
    for m in ["word-model", "line-model"] {
        let models: Vec<_> = c
            .iter()
            .filter(|c| c.name == m && c.kind == ComponentKind::Model)
            .collect();
        // A software_Package with purpose "model" and an ai_AIPackage of the same name.
        assert_eq!(models.len(), 2, "{m}");
        assert!(
            models
                .iter()
                .any(|x| x.depends_on == ["IAMdataset"] && x.licenses == ["MIT"]),
            "{m}: {models:?}"
        );
    }
    let ds = get(&c, "IAMdataset");
    assert_eq!(ds.kind, ComponentKind::Dataset);
    assert_eq!(ds.licenses.len(), 1);
    assert!(ds.licenses[0].starts_with("CustomLicense-"));
    // No file has a hash.
    assert!(c.iter().all(|c| c.kind != ComponentKind::File));
}

#[test]
fn spdx3_official_ai_example02_model_subject_stays_a_model() {
    let c = spdx_example("spdx-examples-ai/ai-example02-sbom.spdx3.json");
    assert!(projects(&c).is_empty());
    let m = get(
        &c,
        "Sentiment Demo: A Simple AI Application and its AI BOM Example",
    );
    assert_eq!(m.kind, ComponentKind::Model);
    assert_eq!(m.licenses, ["CC0-1.0"]);
    assert_eq!(
        get(&c, "Data after preprocessing").kind,
        ComponentKind::Dataset
    );
}

#[test]
fn spdx3_official_dataset_example01() {
    let c = spdx_example("spdx-examples-ai/dataset-example01.spdx3.json");
    assert_eq!(c.len(), 1);
    let d = &c[0];
    assert_eq!(d.kind, ComponentKind::Dataset);
    assert_eq!(d.version.as_deref(), Some("2024-04-15"));
    assert_eq!(d.licenses, ["CC-BY-4.0"]);
    assert!(d.hashes.iter().any(|h| h.alg == "sha1"));
}

// ------------------------------------------------------------------ vouch's own output

/// The JSON of an insta snapshot of vouch-bom (after the `---` header). The snapshots are
/// views of `vouch bom`'s output that change as vouch-bom does (CycloneDX: libraries folded
/// into a `libraries` list of strings; SPDX 3: a subset of the `@graph`), so these tests
/// check properties of whatever elements the view keeps, not exact lists.
fn vouch_snapshot(name: &str) -> Value {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../vouch-bom/tests/snapshots")
        .join(name);
    let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    let body = text
        .strip_prefix("---\n")
        .and_then(|t| t.split_once("\n---\n"))
        .map(|(_, b)| b)
        .expect("an insta snapshot: a --- header, then the value");
    serde_json::from_str(body).expect("the snapshot's value is JSON")
}

#[test]
fn vouch_bom_cyclonedx_reads_back() {
    let doc = vouch_snapshot("export__fixture_project_snapshot.snap");
    let text = serde_json::to_string_pretty(&doc).unwrap();
    assert_eq!(bom::sniff(&text), Some(BomKind::CycloneDx));
    let c = bom::parse_cyclonedx(&text, Path::new("vouch.cdx.json"), "vouch.cdx.json").unwrap();
    assert_matchable("vouch.cdx.json", &c);
    let mut listed: Vec<&Value> = doc["components"].as_array().unwrap().iter().collect();
    assert!(!listed.is_empty());
    let subject = doc["metadata"].get("component");
    listed.extend(subject);
    for v in &listed {
        let name = v["name"].as_str().unwrap();
        let got = c
            .iter()
            .find(|c| {
                c.name == name || (c.purl.is_some() && c.purl.as_deref() == v["purl"].as_str())
            })
            .unwrap_or_else(|| panic!("{name} did not come back"));
        if let Some(purl) = v["purl"].as_str() {
            assert_eq!(got.purl.as_deref(), Some(purl));
            assert!(got.ecosystem.is_some());
        }
        for h in v["hashes"].as_array().into_iter().flatten() {
            let want = h["content"].as_str().unwrap().to_ascii_lowercase();
            assert!(got.hashes.iter().any(|x| x.value == want), "{name}");
        }
        for l in v["licenses"].as_array().into_iter().flatten() {
            let id = l["license"]["id"]
                .as_str()
                .or(l["license"]["name"].as_str())
                .or(l["expression"].as_str())
                .unwrap();
            assert!(got.licenses.iter().any(|x| x == id), "{name}: {id}");
        }
        let want = match v["type"].as_str() {
            Some("machine-learning-model") => ComponentKind::Model,
            Some("data") => ComponentKind::Dataset,
            _ if Some(*v) == subject => ComponentKind::Project,
            _ => got.kind,
        };
        assert_eq!(got.kind, want, "{name}");
    }
    // Every recorded edge between listed components comes back (bom-ref → dep_ref).
    let by_ref = |r: &Value| {
        listed
            .iter()
            .find(|v| v["bom-ref"] == *r)
            .and_then(|v| c.iter().find(|c| c.name == v["name"].as_str().unwrap()))
    };
    let mut edges = 0;
    for d in doc["dependencies"].as_array().into_iter().flatten() {
        let Some(from) = by_ref(&d["ref"]) else {
            continue;
        };
        for t in d["dependsOn"].as_array().into_iter().flatten() {
            if let Some(to) = by_ref(t) {
                assert!(
                    from.depends_on.contains(&to.dep_ref()),
                    "{} -> {}",
                    from.name,
                    to.name
                );
                edges += 1;
            }
        }
    }
    assert!(edges > 0, "no edge between the snapshot's components");
}

#[test]
fn vouch_bom_spdx3_reads_back() {
    let view = vouch_snapshot("export__fixture_project_spdx3_snapshot.snap");
    // The view is (a subset of) the @graph; a full document is read as it is.
    let doc = if view.is_array() {
        serde_json::json!({
            "@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld",
            "@graph": view,
        })
    } else {
        view
    };
    let text = serde_json::to_string_pretty(&doc).unwrap();
    assert_eq!(bom::sniff(&text), Some(BomKind::Spdx));
    let c = bom::parse_spdx(&text, Path::new("vouch.spdx.json"), "vouch.spdx.json").unwrap();
    assert_matchable("vouch.spdx.json", &c);
    let graph = doc["@graph"].as_array().unwrap();
    let packages: Vec<&Value> = graph
        .iter()
        .filter(|e| {
            matches!(
                e["type"].as_str(),
                Some("software_Package" | "ai_AIPackage" | "dataset_DatasetPackage")
            )
        })
        .collect();
    assert!(!packages.is_empty());
    for e in &packages {
        let name = e["name"].as_str().unwrap();
        let purl = e["software_packageUrl"].as_str().or_else(|| {
            e["externalIdentifier"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|x| x["externalIdentifierType"] == "packageUrl")
                .and_then(|x| x["identifier"].as_str())
        });
        // With a purl the purl names the component (a Hugging Face dataset is
        // `datasets/org/name`, as advisories name it); without one, the element's name.
        let got = match purl {
            Some(p) => c
                .iter()
                .find(|x| x.purl.as_deref() == Some(p))
                .unwrap_or_else(|| panic!("no component with purl {p} in {:?}", names(&c))),
            None => get(&c, name),
        };
        if let Some(purl) = purl {
            assert_eq!(got.purl.as_deref(), Some(purl));
            assert!(got.ecosystem.is_some());
        }
        for h in e["verifiedUsing"].as_array().into_iter().flatten() {
            assert!(
                got.hashes
                    .iter()
                    .any(|x| Some(x.value.as_str()) == h["hashValue"].as_str()),
                "{name}"
            );
        }
        match e["type"].as_str() {
            Some("ai_AIPackage") => assert_eq!(got.kind, ComponentKind::Model),
            Some("dataset_DatasetPackage") => assert_eq!(got.kind, ComponentKind::Dataset),
            _ => {}
        }
    }
    // Every dependency-like relationship between kept packages comes back.
    let by_id = |id: &Value| packages.iter().find(|p| p["spdxId"] == *id);
    for r in graph.iter().filter(|e| {
        matches!(
            e["relationshipType"].as_str(),
            Some("dependsOn" | "trainedOn" | "testedOn")
        )
    }) {
        let from = by_id(&r["from"]).map(|p| get(&c, p["name"].as_str().unwrap()));
        for t in r["to"].as_array().into_iter().flatten() {
            if let (Some(from), Some(to)) = (from, by_id(t)) {
                let to = get(&c, to["name"].as_str().unwrap());
                assert!(
                    from.depends_on.contains(&to.dep_ref()),
                    "{} -> {}",
                    from.name,
                    to.name
                );
            }
        }
    }
    // Declared licences whose licence element is kept come back.
    for r in graph
        .iter()
        .filter(|e| e["relationshipType"] == "hasDeclaredLicense")
    {
        let Some(p) = by_id(&r["from"]) else { continue };
        let Some(lic) = graph
            .iter()
            .find(|e| e["spdxId"] == r["to"][0])
            .and_then(|e| e["simplelicensing_licenseExpression"].as_str())
        else {
            continue;
        };
        assert!(
            get(&c, p["name"].as_str().unwrap())
                .licenses
                .iter()
                .any(|l| l == lic)
        );
    }
}

// ------------------------------------------------------------------ every fixture, hostile input

#[test]
fn every_fixture_is_read_and_matchable() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/boms");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_none_or(|x| x != "json") {
            continue;
        }
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        let c = read(&name);
        assert_matchable(&name, &c);
        // What `vouch audit` matches on: libraries with an ecosystem, a name and a version.
        assert!(
            c.iter().any(|c| c.kind == ComponentKind::Library
                && c.ecosystem.is_some()
                && c.version.is_some()),
            "{name}"
        );
        // No registry or mirror host in a committed fixture (project home pages are fine).
        let text = std::fs::read_to_string(&p).unwrap();
        for url in text.split("://").skip(1) {
            let host: String = url
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'))
                .collect::<String>()
                .to_ascii_lowercase();
            let registry_like = ["pypi", "pythonhosted", "npmjs", "crates.io", "mirror"]
                .iter()
                .any(|w| host.contains(w));
            assert!(
                host.ends_with(".invalid") || !registry_like,
                "{name} names the host {host}"
            );
        }
        n += 1;
    }
    assert!(n >= 8, "only {n} fixtures");
}

#[test]
fn malformed_boms_fail_cleanly() {
    let t = tempfile::tempdir().unwrap();
    let deep_cdx = format!(
        r#"{{"bomFormat": "CycloneDX", "components": {}{}}}"#,
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let mut deep_nested = String::from(r#"{"bomFormat": "CycloneDX", "components": "#);
    for _ in 0..100_000 {
        deep_nested.push_str(r#"[{"name": "x", "components": "#);
    }
    deep_nested.push_str("[]");
    for _ in 0..100_000 {
        deep_nested.push_str("}]");
    }
    deep_nested.push('}');
    let deep_spdx3 = format!(
        r#"{{"@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld", "@graph": [{}{}]}}"#,
        "{\"a\":".repeat(100_000),
        "}".repeat(100_000)
    );
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "trunc.cdx.json",
            r#"{"bomFormat": "CycloneDX", "components": [{"#.into(),
            "not valid CycloneDX JSON",
        ),
        ("deep.cdx.json", deep_cdx, "nested more than 128 levels"),
        ("deepc.cdx.json", deep_nested, "nested more than 128 levels"),
        ("deep.spdx.json", deep_spdx3, "nested more than 128 levels"),
        (
            "arr.cdx.json",
            r#"["bomFormat", "CycloneDX"]"#.into(),
            "is an array",
        ),
        (
            "types.spdx.json",
            r#"{"spdxVersion": "SPDX-2.3", "relationships": "x"}"#.into(),
            "must be an array",
        ),
        (
            "types3.spdx.json",
            r#"{"@context": "https://spdx.org/rdf/3.0.1/x", "@graph": 1}"#.into(),
            "must be an array",
        ),
    ];
    for (name, text, want) in cases {
        let p = t.path().join(name);
        std::fs::write(&p, &text).unwrap();
        let e = read_file(&p, name).unwrap_err().to_string();
        assert!(e.contains(want), "{name}: {e}");
        assert!(
            e.contains(name),
            "{name}: error does not name the file: {e}"
        );
    }
    // Missing fields: an empty but valid BOM of each kind reads as nothing.
    for (name, text) in [
        (
            "empty.cdx.json",
            r#"{"bomFormat": "CycloneDX", "specVersion": "1.6"}"#,
        ),
        ("empty.spdx.json", r#"{"spdxVersion": "SPDX-2.3"}"#),
        (
            "empty3.spdx.json",
            r#"{"@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld", "@graph": []}"#,
        ),
    ] {
        let p = t.path().join(name);
        std::fs::write(&p, text).unwrap();
        assert_eq!(read_file(&p, name).unwrap(), vec![], "{name}");
    }
}

#[test]
fn truncated_fixtures_never_panic() {
    // Every prefix length at a coarse step, and every byte flipped to a quote in a window:
    // an error or a partial read, never a panic.
    for name in [
        "cdx-1.6-aibom-handwritten.json",
        "spdx-2.3-handwritten.json",
        "spdx-3.0.1-handwritten.json",
    ] {
        let text = std::fs::read_to_string(fixture(name)).unwrap();
        let p = Path::new(name);
        for cut in (0..text.len()).step_by(97) {
            let Some(s) = text.get(..cut) else { continue };
            let _ = bom::parse_cyclonedx(s, p, name);
            let _ = bom::parse_spdx(s, p, name);
        }
        let mut bytes = text.clone().into_bytes();
        for i in (0..bytes.len()).step_by(13) {
            let old = bytes[i];
            bytes[i] = b'"';
            if let Ok(s) = std::str::from_utf8(&bytes) {
                let _ = bom::parse_cyclonedx(s, p, name);
                let _ = bom::parse_spdx(s, p, name);
            }
            bytes[i] = old;
        }
    }
}

// ------------------------------------------------------------------ live cyclonedx-py

/// The Python with cyclonedx-bom (`scripts/test.sh` sets `VOUCH_TEST_PYTHON`); `None` (skip)
/// outside CI.
fn test_python() -> Option<PathBuf> {
    match std::env::var_os("VOUCH_TEST_PYTHON") {
        Some(p) => Some(PathBuf::from(p)),
        None if std::env::var_os("CI").is_some() => {
            panic!("VOUCH_TEST_PYTHON is not set: run scripts/test.sh")
        }
        None => {
            eprintln!("skipped: set VOUCH_TEST_PYTHON to a python with cyclonedx-bom==7.5.0");
            None
        }
    }
}

/// cyclonedx-py describes the test venv itself in each spec version; every component with a
/// purl and every dependency edge it records comes back.
#[test]
fn live_cyclonedx_py_environment_round_trip() {
    let Some(python) = test_python() else { return };
    for sv in ["1.4", "1.5", "1.6"] {
        let out = std::process::Command::new(&python)
            .args(["-m", "cyclonedx_py", "environment", "--sv", sv])
            .args([
                "--of",
                "JSON",
                "--output-reproducible",
                "--no-validate",
                "-o",
                "-",
            ])
            .arg(&python)
            .output()
            .expect("run python -m cyclonedx_py");
        assert!(
            out.status.success(),
            "cyclonedx-py failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).unwrap();
        let c = bom::parse_cyclonedx(&text, Path::new("live.json"), "live.json").unwrap();
        assert_matchable("live.json", &c);
        let doc: Value = serde_json::from_str(&text).unwrap();
        let comps = doc["components"].as_array().unwrap();
        assert!(
            comps.len() > 3,
            "{sv}: a venv with cyclonedx-bom has dependencies"
        );
        let purl_of = |r: &Value| {
            comps
                .iter()
                .find(|v| v["bom-ref"] == *r)
                .and_then(|v| v["purl"].as_str())
        };
        for v in comps {
            if let Some(p) = v["purl"].as_str() {
                let got = c.iter().find(|c| c.purl.as_deref() == Some(p));
                let got = got.unwrap_or_else(|| panic!("{sv}: {p} did not come back"));
                assert_eq!(got.ecosystem, Some(Ecosystem::PyPI));
                assert!(got.version.is_some(), "{sv}: {p}");
            }
        }
        let mut edges = 0;
        for d in doc["dependencies"].as_array().into_iter().flatten() {
            let Some(from) = purl_of(&d["ref"]) else {
                continue;
            };
            let from = c.iter().find(|c| c.purl.as_deref() == Some(from)).unwrap();
            for t in d["dependsOn"].as_array().into_iter().flatten() {
                if let Some(to) = purl_of(t) {
                    assert!(
                        from.depends_on.iter().any(|x| x == to),
                        "{sv}: {} -> {to}",
                        from.name
                    );
                    edges += 1;
                }
            }
        }
        assert!(edges > 0, "{sv}: no edges recorded");
    }
}
