//! Dependency edges and project roots from lockfiles: the fixtures made by the real tools
//! (`tests/fixtures/rust-project`, `npm-project`, `pylocks`), hand-written cases for Node's
//! walk-up, duplicate versions and missing targets, and generated lockfiles (a 10,000-package
//! `uv.lock`, random graphs) whose edges must come back exactly.

use proptest::prelude::*;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};
use vouch_inventory::lockfiles::{
    MAX_EDGES_PER_PACKAGE, PyLockKind, parse_cargo_lock, parse_package_lock, parse_pylock,
};
use vouch_inventory::{Component, ComponentKind, Ecosystem, read_file};

fn fixture(rel: &str) -> Vec<Component> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel);
    read_file(&path, rel).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// Every `depends_on` entry names a component of the same output, sorted, once, not itself.
fn assert_closed(cs: &[Component]) {
    let refs: HashSet<String> = cs.iter().map(Component::dep_ref).collect();
    for c in cs {
        for d in &c.depends_on {
            assert!(refs.contains(d), "{}: {d} is not in the output", c.name);
        }
        assert!(
            c.depends_on.windows(2).all(|w| w[0] < w[1]),
            "{}: not sorted or not unique: {:?}",
            c.name,
            c.depends_on
        );
        assert!(
            !c.depends_on.contains(&c.dep_ref()),
            "{}: depends on itself",
            c.name
        );
    }
}

/// The component with this purl; exactly one.
fn one<'a>(cs: &'a [Component], purl: &str) -> &'a Component {
    let found: Vec<&Component> = cs
        .iter()
        .filter(|c| c.purl.as_deref() == Some(purl))
        .collect();
    assert_eq!(found.len(), 1, "{purl}: {} components", found.len());
    found[0]
}

fn deps(c: &Component) -> Vec<&str> {
    c.depends_on.iter().map(String::as_str).collect()
}

// ------------------------------------------------------------------ fixtures by the real tools

#[test]
fn uv_lock_edges_and_project() {
    let cs = fixture("pylocks/uv/uv.lock");
    assert_closed(&cs);
    let root = one(&cs, "pkg:pypi/edge-demo@0.1.0");
    assert_eq!(root.kind, ComponentKind::Project);
    assert_eq!(root.ecosystem, Some(Ecosystem::PyPI));
    assert_eq!(root.version.as_deref(), Some("0.1.0"));
    // Both forks of each direct dependency (uv wrote version and source in the entries), the
    // `color` extra's colorama, and the dev group's iniconfig.
    assert_eq!(
        deps(root),
        [
            "pkg:pypi/click@8.1.8",
            "pkg:pypi/click@8.5.1",
            "pkg:pypi/colorama@0.4.6",
            "pkg:pypi/iniconfig@2.1.0",
            "pkg:pypi/iniconfig@2.3.1",
            "pkg:pypi/requests@2.32.5",
            "pkg:pypi/requests@2.34.2",
        ]
    );
    // Each requests pins its own urllib3; the `socks` extra brings pysocks.
    assert_eq!(
        deps(one(&cs, "pkg:pypi/requests@2.32.5")),
        [
            "pkg:pypi/certifi@2026.10.18",
            "pkg:pypi/charset-normalizer@3.5.2",
            "pkg:pypi/idna@3.20",
            "pkg:pypi/pysocks@1.7.1",
            "pkg:pypi/urllib3@2.6.3",
        ]
    );
    assert!(
        one(&cs, "pkg:pypi/requests@2.34.2")
            .depends_on
            .contains(&"pkg:pypi/urllib3@2.8.0".to_owned())
    );
    assert_eq!(
        deps(one(&cs, "pkg:pypi/click@8.1.8")),
        ["pkg:pypi/colorama@0.4.6"]
    );
    assert!(one(&cs, "pkg:pypi/click@8.5.1").depends_on.is_empty());
    assert!(one(&cs, "pkg:pypi/urllib3@2.8.0").depends_on.is_empty());
    // uv.lock marks no dev packages, but only the dev group reaches iniconfig.
    let dev: Vec<&str> = cs
        .iter()
        .filter(|c| c.dev)
        .filter_map(|c| c.purl.as_deref())
        .collect();
    assert_eq!(
        dev,
        ["pkg:pypi/iniconfig@2.1.0", "pkg:pypi/iniconfig@2.3.1"]
    );
    // Only the root is a project; everything else a library.
    assert_eq!(
        cs.iter()
            .filter(|c| c.kind == ComponentKind::Project)
            .count(),
        1
    );
    assert_eq!(cs.len(), 14);
}

#[test]
fn poetry_lock_edges() {
    let cs = fixture("pylocks/poetry/poetry.lock");
    assert_closed(&cs);
    // `charset_normalizer` and `PySocks` are matched by PEP 503 name; the optional PySocks is
    // locked (the project asks for requests[socks]), so it is an edge.
    assert_eq!(
        deps(one(&cs, "pkg:pypi/requests@2.32.5")),
        [
            "pkg:pypi/certifi@2026.10.18",
            "pkg:pypi/charset-normalizer@3.5.2",
            "pkg:pypi/idna@3.20",
            "pkg:pypi/pysocks@1.7.1",
            "pkg:pypi/urllib3@2.6.3",
        ]
    );
    assert_eq!(
        deps(one(&cs, "pkg:pypi/click@8.1.8")),
        ["pkg:pypi/colorama@0.4.6"]
    );
    // `[package.extras]` are not edges: urllib3's `socks` extra names pysocks, which is locked.
    assert!(one(&cs, "pkg:pypi/urllib3@2.6.3").depends_on.is_empty());
    assert!(one(&cs, "pkg:pypi/idna@3.20").depends_on.is_empty());
    // poetry.lock has no root entry.
    assert!(cs.iter().all(|c| c.kind == ComponentKind::Library));
    assert!(one(&cs, "pkg:pypi/iniconfig@2.1.0").dev);
}

#[test]
fn pdm_lock_edges_and_extras_entry_merged() {
    let cs = fixture("pylocks/pdm/pdm.lock");
    assert_closed(&cs);
    // pdm writes requests twice (plain, and with extras = ["socks"] depending on PySocks and
    // on requests itself): one component, with the extra's edge and no self-edge.
    let req = one(&cs, "pkg:pypi/requests@2.32.5");
    assert_eq!(
        deps(req),
        [
            "pkg:pypi/certifi@2026.10.18",
            "pkg:pypi/charset-normalizer@3.5.2",
            "pkg:pypi/idna@3.20",
            "pkg:pypi/pysocks@1.7.1",
            "pkg:pypi/urllib3@2.6.3",
        ]
    );
    assert!(req.sha256().count() >= 2, "hashes kept");
    // click's importlib-metadata (python < 3.8) is not locked: no edge.
    assert_eq!(
        deps(one(&cs, "pkg:pypi/click@8.1.8")),
        ["pkg:pypi/colorama@0.4.6"]
    );
    assert!(one(&cs, "pkg:pypi/iniconfig@2.1.0").dev);
}

#[test]
fn cargo_workspace_edges_and_projects() {
    let cs = fixture("rust-project/Cargo.lock");
    assert_closed(&cs);
    let app = one(&cs, "pkg:cargo/edge-demo-app@0.1.0");
    assert_eq!(app.kind, ComponentKind::Project);
    assert_eq!(app.ecosystem, Some(Ecosystem::CratesIo));
    // `itoa 0.4.8` / `itoa 1.0.18`: Cargo names the version when a crate is locked twice.
    assert_eq!(
        deps(app),
        [
            "pkg:cargo/edge-demo-util@0.2.0",
            "pkg:cargo/itoa@0.4.8",
            "pkg:cargo/itoa@1.0.18",
            "pkg:cargo/smallvec@1.16.5",
        ]
    );
    let util = one(&cs, "pkg:cargo/edge-demo-util@0.2.0");
    assert_eq!(util.kind, ComponentKind::Project);
    assert_eq!(deps(util), ["pkg:cargo/memchr@2.8.3"]);
    for lib in [
        "itoa@0.4.8",
        "itoa@1.0.18",
        "memchr@2.8.3",
        "smallvec@1.16.5",
    ] {
        let c = one(&cs, &format!("pkg:cargo/{lib}"));
        assert_eq!(c.kind, ComponentKind::Library, "{lib}");
        assert_eq!(c.sha256().count(), 1, "{lib}");
    }
    assert_eq!(cs.len(), 6);
}

#[test]
fn npm_workspace_edges_nesting_and_links() {
    let cs = fixture("npm-project/package-lock.json");
    assert_closed(&cs);
    let root = one(&cs, "pkg:npm/edge-demo@1.0.0");
    assert_eq!(root.kind, ComponentKind::Project);
    // The workspace member through its link, and the dev dependencies of the root.
    assert_eq!(
        deps(root),
        [
            "pkg:npm/%40edge-demo/util@0.1.0",
            "pkg:npm/debug@2.6.9",
            "pkg:npm/is-number@7.0.0",
            "pkg:npm/is-odd@3.0.1",
            "pkg:npm/ms@2.1.3",
        ]
    );
    // debug@2 gets its own nested ms@2.0.0, not the hoisted 2.1.3.
    assert_eq!(deps(one(&cs, "pkg:npm/debug@2.6.9")), ["pkg:npm/ms@2.0.0"]);
    assert_eq!(
        deps(one(&cs, "pkg:npm/is-odd@3.0.1")),
        ["pkg:npm/is-number@6.0.0"]
    );
    // The workspace member (key `packages/util`) is a project; its ms is found walking up to
    // the root's node_modules.
    let util = one(&cs, "pkg:npm/%40edge-demo/util@0.1.0");
    assert_eq!(util.kind, ComponentKind::Project);
    assert_eq!(deps(util), ["pkg:npm/ms@2.1.3"]);
    assert!(one(&cs, "pkg:npm/is-odd@3.0.1").dev);
    assert!(one(&cs, "pkg:npm/is-number@6.0.0").dev);
    assert!(!one(&cs, "pkg:npm/debug@2.6.9").dev);
    assert_eq!(one(&cs, "pkg:npm/debug@2.6.9").licenses, ["MIT"]);
    assert_eq!(cs.len(), 8);
}

// ------------------------------------------------------------------ npm: Node's walk-up

fn npm(text: &str) -> Vec<Component> {
    let cs = parse_package_lock(text, Path::new("package-lock.json"), "package-lock.json")
        .expect("parses");
    assert_closed(&cs);
    cs
}

#[test]
fn npm_walk_up_prefers_the_nearest_node_modules() {
    let cs = npm(r#"{
  "name": "root", "version": "1.0.0", "lockfileVersion": 3,
  "packages": {
    "": {"name": "root", "version": "1.0.0", "dependencies": {"a": "*", "c": "*"},
         "devDependencies": {"d": "*"}},
    "node_modules/a": {"version": "1.0.0", "dependencies": {"b": "*", "c": "*", "@s/e": "*"}},
    "node_modules/a/node_modules/b": {"version": "1.0.0",
         "dependencies": {"c": "*", "@s/e": "*", "gone": "*"},
         "devDependencies": {"d": "*"},
         "peerDependencies": {"absent-peer": "*", "a": "*"},
         "optionalDependencies": {"opt": "*"}},
    "node_modules/a/node_modules/c": {"version": "2.0.0"},
    "node_modules/a/node_modules/@s/e": {"version": "3.0.0", "dependencies": {"c": "*"}},
    "node_modules/c": {"version": "1.0.0"},
    "node_modules/d": {"version": "1.0.0", "dev": true},
    "node_modules/@s/e": {"version": "1.0.0"},
    "node_modules/opt": {"version": "1.0.0", "optional": true}
  }
}"#);
    let root = one(&cs, "pkg:npm/root@1.0.0");
    assert_eq!(
        deps(root),
        ["pkg:npm/a@1.0.0", "pkg:npm/c@1.0.0", "pkg:npm/d@1.0.0"]
    );
    // a's c and @s/e are the ones nested under a.
    assert_eq!(
        deps(one(&cs, "pkg:npm/a@1.0.0")),
        ["pkg:npm/%40s/e@3.0.0", "pkg:npm/b@1.0.0", "pkg:npm/c@2.0.0"]
    );
    // b (under a) finds a's c and a's @s/e one level up, the peer `a` at the top, its optional
    // `opt` at the top; `gone` and `absent-peer` are nowhere (dropped), and a non-project's
    // devDependencies are not edges.
    assert_eq!(
        deps(one(&cs, "pkg:npm/b@1.0.0")),
        [
            "pkg:npm/%40s/e@3.0.0",
            "pkg:npm/a@1.0.0",
            "pkg:npm/c@2.0.0",
            "pkg:npm/opt@1.0.0"
        ]
    );
    // The scoped package's own lookups start in its directory, then walk up past `@s`.
    assert_eq!(deps(one(&cs, "pkg:npm/%40s/e@3.0.0")), ["pkg:npm/c@2.0.0"]);
}

#[test]
fn npm_links_and_root_name_from_top_level() {
    let cs = npm(r#"{
  "name": "top", "version": "2.0.0", "lockfileVersion": 2,
  "packages": {
    "": {"dependencies": {"w": "*", "dangling": "*"}},
    "node_modules/w": {"resolved": "libs/w", "link": true},
    "node_modules/dangling": {"resolved": "libs/missing", "link": true},
    "libs/w": {"name": "w", "version": "0.3.0", "dependencies": {"x": "*"}},
    "libs/w/node_modules/x": {"version": "9.0.0"},
    "node_modules/x": {"version": "1.0.0"}
  }
}"#);
    let root = one(&cs, "pkg:npm/top@2.0.0");
    assert_eq!(root.kind, ComponentKind::Project);
    // The link to a package that is not in the file is dropped.
    assert_eq!(deps(root), ["pkg:npm/w@0.3.0"]);
    let w = one(&cs, "pkg:npm/w@0.3.0");
    assert_eq!(w.kind, ComponentKind::Project);
    assert_eq!(deps(w), ["pkg:npm/x@9.0.0"]);
    assert_eq!(cs.len(), 4);
}

#[test]
fn npm_v1_requires_follow_the_nesting() {
    let cs = npm(r#"{
  "name": "old", "version": "0.0.1", "lockfileVersion": 1, "requires": true,
  "dependencies": {
    "a": {"version": "1.0.0", "requires": {"b": "^2", "c": "*"},
          "dependencies": {
            "b": {"version": "2.0.0", "requires": {"c": "*", "missing": "*"}}
          }},
    "b": {"version": "1.0.0"},
    "c": {"version": "1.0.0", "dev": true}
  }
}"#);
    assert_eq!(
        cs.iter()
            .map(|c| format!("{}@{}", c.name, c.version.as_deref().unwrap_or("-")))
            .collect::<Vec<_>>(),
        ["old@0.0.1", "a@1.0.0", "b@2.0.0", "b@1.0.0", "c@1.0.0"]
    );
    assert_eq!(one(&cs, "pkg:npm/old@0.0.1").kind, ComponentKind::Project);
    assert_eq!(
        deps(one(&cs, "pkg:npm/a@1.0.0")),
        ["pkg:npm/b@2.0.0", "pkg:npm/c@1.0.0"]
    );
    assert_eq!(deps(one(&cs, "pkg:npm/b@2.0.0")), ["pkg:npm/c@1.0.0"]);
    assert!(one(&cs, "pkg:npm/c@1.0.0").dev);
}

#[test]
fn npm_hostile_depth_and_width_stay_bounded() {
    // A 3,000-level deep key and a package with 30,000 dependencies: quick, capped, no panic.
    let mut key = String::from("node_modules/p0");
    let mut packages = String::from(r#""": {"name": "r", "version": "1.0.0", "dependencies": {"#);
    for i in 0..30_000 {
        let _ = write!(packages, r#""d{i}": "*","#);
    }
    packages.push_str(r#""p0": "*"}}, "node_modules/p0": {"version": "1.0.0"}"#);
    for i in 1..3_000 {
        let _ = write!(key, "/node_modules/p{i}");
        let _ = write!(
            packages,
            r#", "{key}": {{"version": "1.0.0", "dependencies": {{"p0": "*", "q": "*"}}}}"#
        );
    }
    for i in 0..30_000 {
        let _ = write!(packages, r#", "node_modules/d{i}": {{"version": "1.0.0"}}"#);
    }
    let text = format!(r#"{{"lockfileVersion": 3, "packages": {{{packages}}}}}"#);
    let t = Instant::now();
    let cs = npm(&text);
    assert!(t.elapsed() < Duration::from_secs(20), "{:?}", t.elapsed());
    let root = one(&cs, "pkg:npm/r@1.0.0");
    assert_eq!(root.depends_on.len(), MAX_EDGES_PER_PACKAGE);
    // Shallow packages still find p0 at the top.
    let deep = cs.iter().filter(|c| c.depends_on.len() == 1).count();
    assert!(deep > 100, "{deep}");
}

// ------------------------------------------------------------------ duplicates and misses

fn uv(text: &str) -> Vec<Component> {
    let cs = parse_pylock(text, PyLockKind::Uv, Path::new("uv.lock"), "uv.lock").expect("parses");
    assert_closed(&cs);
    cs
}

#[test]
fn uv_duplicates_need_a_version_and_misses_are_dropped() {
    let cs = uv(r#"version = 1
[[package]]
name = "app"
version = "1.0"
source = { editable = "." }
dependencies = [
    { name = "six", version = "1.0", source = { registry = "https://registry.invalid/simple" } },
    { name = "six", version = "1.0", source = { git = "https://example.invalid/six" } },
    { name = "Typing_Extensions" },
    { name = "not-locked" },
]
[package.optional-dependencies]
x = [{ name = "app", extra = ["y"] }]

[[package]]
name = "six"
version = "1.0"
source = { registry = "https://registry.invalid/simple" }

[[package]]
name = "six"
version = "1.0"
source = { git = "https://example.invalid/six" }
dependencies = [{ name = "dup" }]

[[package]]
name = "dup"
version = "1"
source = { registry = "https://registry.invalid/simple" }

[[package]]
name = "dup"
version = "2"
source = { registry = "https://registry.invalid/simple" }

[[package]]
name = "typing-extensions"
version = "4.0"
source = { registry = "https://registry.invalid/simple" }
"#);
    let app = one(&cs, "pkg:pypi/app@1.0");
    assert_eq!(app.kind, ComponentKind::Project);
    // Both sixes (same purl, told apart by source), typing-extensions by PEP 503 name; the
    // self-reference through an extra and the unlocked name are gone.
    assert_eq!(
        deps(app),
        ["pkg:pypi/six@1.0", "pkg:pypi/typing-extensions@4.0"]
    );
    // `dup` is locked twice and the entry names no version: ambiguous, no edge.
    assert!(
        cs.iter()
            .filter(|c| c.name == "six")
            .all(|c| c.depends_on.is_empty())
    );
}

#[test]
fn uv_dev_only_packages_are_marked() {
    let cs = uv(r#"version = 1
[[package]]
name = "app"
version = "1"
source = { editable = "." }
dependencies = [{ name = "shared" }, { name = "lib" }]
[package.dev-dependencies]
test = [{ name = "pytest" }, { name = "lib" }]

[[package]]
name = "member"
version = "1"
source = { editable = "member" }
[package.dev-dependencies]
dev = [{ name = "only-member-dev" }]

[[package]]
name = "pytest"
version = "8"
source = { registry = "https://registry.invalid/simple" }
dependencies = [{ name = "pluggy" }, { name = "shared" }]

[[package]]
name = "pluggy"
version = "1"
source = { registry = "https://registry.invalid/simple" }

[[package]]
name = "shared"
version = "1"
source = { registry = "https://registry.invalid/simple" }

[[package]]
name = "lib"
version = "1"
source = { registry = "https://registry.invalid/simple" }

[[package]]
name = "only-member-dev"
version = "1"
source = { registry = "https://registry.invalid/simple" }

[[package]]
name = "orphan"
version = "1"
source = { registry = "https://registry.invalid/simple" }
"#);
    let dev: Vec<&str> = cs
        .iter()
        .filter(|c| c.dev)
        .map(|c| c.name.as_str())
        .collect();
    // `shared` and `lib` are also main dependencies; the orphan is reached by nothing.
    assert_eq!(dev, ["pytest", "pluggy", "only-member-dev"]);
    assert_eq!(
        deps(one(&cs, "pkg:pypi/app@1")),
        ["pkg:pypi/lib@1", "pkg:pypi/pytest@8", "pkg:pypi/shared@1"]
    );
}

#[test]
fn poetry_and_pdm_duplicates_chosen_by_constraint() {
    let poetry = r#"
[[package]]
name = "numpy"
version = "1.24.4"
[[package]]
name = "numpy"
version = "2.1.0"
[[package]]
name = "old-user"
version = "1"
[package.dependencies]
numpy = ">=1.22,<2"
[[package]]
name = "any-user"
version = "1"
[package.dependencies]
numpy = [{version = "^1.24", markers = "python_version < '3.10'"}, {version = ">=2.0", markers = "python_version >= '3.10'"}]
missing = "*"
[[package]]
name = "new-user"
version = "1"
[package.dependencies]
NumPy = {version = "~=2.1", optional = true}
[package.extras]
all = ["numpy (>=2.1)"]
"#;
    let cs = parse_pylock(
        poetry,
        PyLockKind::Poetry,
        Path::new("poetry.lock"),
        "poetry.lock",
    )
    .expect("parses");
    assert_closed(&cs);
    assert_eq!(
        deps(one(&cs, "pkg:pypi/old-user@1")),
        ["pkg:pypi/numpy@1.24.4"]
    );
    assert_eq!(
        deps(one(&cs, "pkg:pypi/new-user@1")),
        ["pkg:pypi/numpy@2.1.0"]
    );
    assert_eq!(
        deps(one(&cs, "pkg:pypi/any-user@1")),
        ["pkg:pypi/numpy@1.24.4", "pkg:pypi/numpy@2.1.0"]
    );

    let pdm = r#"
[[package]]
name = "numpy"
version = "1.24.4"
groups = ["default"]
[[package]]
name = "numpy"
version = "2.1.0rc1"
groups = ["default"]
[[package]]
name = "user"
version = "1"
groups = ["default"]
dependencies = ["numpy<2; python_version < \"3.9\"", "-e file:///${PROJECT_ROOT}/lib#egg=lib", "unlocked[x]>=1"]
[[package]]
name = "pre-user"
version = "1"
groups = ["default"]
dependencies = ["numpy (>=2.0.0a1)"]
[[package]]
name = "lib"
version = "0.1"
path = "./lib"
"#;
    let cs = parse_pylock(pdm, PyLockKind::Pdm, Path::new("pdm.lock"), "pdm.lock").expect("parses");
    assert_closed(&cs);
    assert_eq!(
        deps(one(&cs, "pkg:pypi/user@1")),
        ["pkg:pypi/lib@0.1", "pkg:pypi/numpy@1.24.4"]
    );
    assert_eq!(
        deps(one(&cs, "pkg:pypi/pre-user@1")),
        ["pkg:pypi/numpy@2.1.0rc1"]
    );
    assert_eq!(one(&cs, "pkg:pypi/lib@0.1").kind, ComponentKind::Project);
}

#[test]
fn cargo_duplicates_by_version_and_source() {
    let text = r#"version = 4
[[package]]
name = "me"
version = "0.1.0"
dependencies = [
 "dup 1.0.0 (registry+https://github.com/rust-lang/crates.io-index)",
 "dup 1.0.0 (git+https://example.invalid/dup#0123)",
 "other 2.0.0",
 "ghost",
 "plain",
]
[[package]]
name = "dup"
version = "1.0.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
[[package]]
name = "dup"
version = "1.0.0"
source = "git+https://example.invalid/dup#0123"
dependencies = ["plain"]
[[package]]
name = "other"
version = "1.0.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
[[package]]
name = "other"
version = "2.0.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = ["dup"]
[[package]]
name = "plain"
version = "0.5.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
"#;
    let cs = parse_cargo_lock(text, Path::new("Cargo.lock"), "Cargo.lock").expect("parses");
    assert_closed(&cs);
    assert_eq!(
        deps(one(&cs, "pkg:cargo/me@0.1.0")),
        [
            "pkg:cargo/dup@1.0.0",
            "pkg:cargo/other@2.0.0",
            "pkg:cargo/plain@0.5.0"
        ]
    );
    // The git copy of dup depends on plain; `other 2.0.0`'s bare "dup" is ambiguous: no edge.
    let dups: Vec<&Component> = cs.iter().filter(|c| c.name == "dup").collect();
    assert_eq!(dups.len(), 2);
    assert!(dups[0].depends_on.is_empty());
    assert_eq!(deps(dups[1]), ["pkg:cargo/plain@0.5.0"]);
    assert!(one(&cs, "pkg:cargo/other@2.0.0").depends_on.is_empty());
}

// ------------------------------------------------------------------ generated lockfiles

/// A uv.lock of `n` packages, each depending on up to `fanout` others (some names locked twice,
/// so the entries carry versions), with the edges each must end up with.
fn generated_uv(n: usize, fanout: usize) -> (String, HashMap<String, BTreeSet<String>>) {
    let name = |i: usize| format!("pkg-{i}");
    let twice = |i: usize| i % 10 == 3; // locked at 1.0 and 2.0
    let mut text = String::from("version = 1\nrevision = 3\nrequires-python = \">=3.9\"\n");
    let mut expect: HashMap<String, BTreeSet<String>> = HashMap::new();
    for i in 0..n {
        let targets: BTreeSet<usize> = (1..=fanout)
            .map(|k| (i * 7919 + k * 104_729) % n)
            .filter(|&t| t != i)
            .collect();
        let versions: &[&str] = if twice(i) { &["1.0", "2.0"] } else { &["1.0"] };
        for v in versions {
            let _ = write!(
                text,
                "\n[[package]]\nname = \"{}\"\nversion = \"{v}\"\nsource = {{ registry = \"https://registry.invalid/simple\" }}\n",
                name(i)
            );
            let mut edges = BTreeSet::new();
            if !targets.is_empty() {
                text.push_str("dependencies = [\n");
                for &t in &targets {
                    if twice(t) {
                        let _ = writeln!(
                            text,
                            "    {{ name = \"{}\", version = \"2.0\", source = {{ registry = \"https://registry.invalid/simple\" }} }},",
                            name(t)
                        );
                        edges.insert(format!("pkg:pypi/{}@2.0", name(t)));
                    } else {
                        let _ = writeln!(text, "    {{ name = \"{}\" }},", name(t));
                        edges.insert(format!("pkg:pypi/{}@1.0", name(t)));
                    }
                }
                text.push_str("]\n");
            }
            let _ = writeln!(
                text,
                "sdist = {{ url = \"https://example.invalid/{0}-{v}.tar.gz\", hash = \"sha256:{1:064x}\", size = 1 }}",
                name(i),
                i
            );
            expect.insert(format!("pkg:pypi/{}@{v}", name(i)), edges);
        }
    }
    (text, expect)
}

#[test]
fn ten_thousand_package_uv_lock_is_fast_and_exact() {
    let (text, expect) = generated_uv(10_000, 4);
    let t = Instant::now();
    let cs = parse_pylock(&text, PyLockKind::Uv, Path::new("uv.lock"), "uv.lock").expect("parses");
    let took = t.elapsed();
    eprintln!("10,000-package uv.lock ({} bytes): {took:?}", text.len());
    // Well under a second in a release build; this bound also holds for the slower debug build.
    assert!(took < Duration::from_secs(10), "{took:?}");
    assert_eq!(cs.len(), expect.len());
    assert_closed(&cs);
    for c in &cs {
        let want = &expect[c.purl.as_deref().expect("purl")];
        let got: BTreeSet<String> = c.depends_on.iter().cloned().collect();
        assert_eq!(&got, want, "{}", c.dep_ref());
    }
}

#[test]
fn edge_lists_are_capped() {
    let mut text = String::from("[[package]]\nname = \"hub\"\nversion = \"1\"\ndependencies = [\n");
    for i in 0..(MAX_EDGES_PER_PACKAGE + 500) {
        let _ = writeln!(text, "    {{ name = \"leaf-{i}\" }},");
    }
    text.push_str("]\n");
    for i in 0..(MAX_EDGES_PER_PACKAGE + 500) {
        let _ = write!(text, "[[package]]\nname = \"leaf-{i}\"\nversion = \"1\"\n");
    }
    let cs = uv(&text);
    assert_eq!(cs[0].depends_on.len(), MAX_EDGES_PER_PACKAGE);
}

/// A random graph over `n` packages: for each, the indices it depends on.
fn graph() -> impl Strategy<Value = Vec<BTreeSet<usize>>> {
    (1usize..40).prop_flat_map(|n| {
        proptest::collection::vec(proptest::collection::btree_set(0..n, 0..6), n)
    })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 64,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Cargo.lock and uv.lock renderings of a random graph (package `i` locked at version
    /// `i % 3`, so names repeat only through the suffix) come back edge for edge.
    #[test]
    fn random_graphs_round_trip(g in graph()) {
        let n = g.len();
        let mut cargo = String::from("version = 4\n");
        let mut uvl = String::from("version = 1\n");
        for (i, targets) in g.iter().enumerate() {
            let deps: Vec<String> = targets.iter().filter(|&&t| t != i).map(|t| format!("\"c{t}\"")).collect();
            let _ = write!(cargo, "[[package]]\nname = \"c{i}\"\nversion = \"0.{}.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\ndependencies = [{}]\n", i % 3, deps.join(", "));
            let deps: Vec<String> = targets.iter().map(|t| format!("{{ name = \"P_{t}\" }}")).collect();
            let _ = write!(uvl, "[[package]]\nname = \"p-{i}\"\nversion = \"{}.0\"\nsource = {{ registry = \"https://registry.invalid/simple\" }}\ndependencies = [{}]\n", i % 3, deps.join(", "));
        }
        let cs = parse_cargo_lock(&cargo, Path::new("Cargo.lock"), "Cargo.lock").expect("cargo");
        let us = parse_pylock(&uvl, PyLockKind::Uv, Path::new("uv.lock"), "uv.lock").expect("uv");
        prop_assert_eq!(cs.len(), n);
        prop_assert_eq!(us.len(), n);
        assert_closed(&cs);
        assert_closed(&us);
        for (i, targets) in g.iter().enumerate() {
            let want: Vec<String> = targets.iter().filter(|&&t| t != i).map(|&t| format!("pkg:cargo/c{t}@0.{}.0", t % 3)).collect::<BTreeSet<_>>().into_iter().collect();
            prop_assert_eq!(&cs[i].depends_on, &want);
            let want: Vec<String> = targets.iter().filter(|&&t| t != i).map(|&t| format!("pkg:pypi/p-{t}@{}.0", t % 3)).collect::<BTreeSet<_>>().into_iter().collect();
            prop_assert_eq!(&us[i].depends_on, &want);
        }
    }

    /// Arbitrary text never panics any lockfile parser, and whatever parses has closed edges.
    #[test]
    fn arbitrary_text_never_panics(s in "\\PC{0,400}") {
        for kind in [PyLockKind::Uv, PyLockKind::Poetry, PyLockKind::Pdm] {
            if let Ok(cs) = parse_pylock(&s, kind, Path::new("x"), "x") {
                assert_closed(&cs);
            }
        }
        if let Ok(cs) = parse_cargo_lock(&s, Path::new("x"), "x") {
            assert_closed(&cs);
        }
        if let Ok(cs) = parse_package_lock(&s, Path::new("x"), "x") {
            assert_closed(&cs);
        }
    }
}

#[test]
fn many_same_named_packages_stay_linear() {
    // 20,000 entries of one name, and a package with 10,000 dependency entries on it: the name
    // is past the same-name limit, so no edges, and no quadratic work.
    let mut text =
        String::from("[[package]]\nname = \"user\"\nversion = \"1\"\ndependencies = [\n");
    for _ in 0..MAX_EDGES_PER_PACKAGE {
        text.push_str("    { name = \"x\" },\n");
    }
    text.push_str("]\n");
    for i in 0..20_000 {
        let _ = write!(text, "[[package]]\nname = \"x\"\nversion = \"{i}\"\n");
    }
    let t = Instant::now();
    let cs = uv(&text);
    assert!(t.elapsed() < Duration::from_secs(20), "{:?}", t.elapsed());
    assert_eq!(cs.len(), 20_001);
    assert!(cs[0].depends_on.is_empty());
}

#[test]
fn long_versions_do_not_amplify() {
    // Every entry points at a package whose version is 100 kB: the references made are capped.
    let big = "1".repeat(100_000);
    let mut text = format!("[[package]]\nname = \"big\"\nversion = \"{big}\"\n");
    for i in 0..2_000 {
        let _ = write!(
            text,
            "[[package]]\nname = \"u{i}\"\nversion = \"1\"\ndependencies = [{{ name = \"big\" }}]\n"
        );
    }
    let cs = uv(&text);
    let bytes: usize = cs.iter().flat_map(|c| &c.depends_on).map(String::len).sum();
    assert!(bytes <= 64 << 20, "{bytes}");
    assert!(cs.iter().filter(|c| !c.depends_on.is_empty()).count() > 100);
}
