//! Lockfiles: `uv.lock`, `poetry.lock`, `pdm.lock`, `Pipfile.lock`, `Cargo.lock`,
//! `package-lock.json` (v1, v2, v3).
//!
//! Each parser reads the whole text (already size-limited by the caller) into a lenient serde
//! model. Packages from a registry (or git, or a URL) are [`ComponentKind::Library`]; the
//! project's own, editable, path and workspace entries are [`ComponentKind::Project`], which
//! `vouch audit` never matches against advisories (those about a registry package of the same
//! name would not concern them). Line numbers are found by searching the text for the entry, so
//! SARIF can point at it.
//!
//! Where the lockfile records the dependency graph (all but `Pipfile.lock`), each component's
//! `depends_on` holds the [`Component::dep_ref`]s of the locked packages it depends on, resolved
//! as the tool resolves them (by name, and version and source where the tool disambiguates;
//! npm by Node's `node_modules` walk-up). An edge to something the file does not lock is
//! dropped, never guessed. Work is bounded: no recursion driven by the input,
//! [`MAX_EDGES_PER_PACKAGE`] dependency entries per package, hash-map lookups throughout.

use crate::component::{Component, ComponentKind, Ecosystem, Hash, Origin, pep503};
use crate::error::{Error, Result};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::path::Path;

/// The lines (1-based) of every `name = "…"` line of a TOML lockfile, per name, in file order:
/// one pass over the text; each `[[package]]` then takes the next line of its name.
fn toml_name_lines(text: &str) -> HashMap<&str, VecDeque<u32>> {
    let mut out: HashMap<&str, VecDeque<u32>> = HashMap::new();
    for (i, line) in text.lines().enumerate() {
        let Some(rest) = line.trim_start().strip_prefix("name") else {
            continue;
        };
        let Some(rest) = rest.trim_start().strip_prefix('=') else {
            continue;
        };
        let rest = rest.trim();
        let Some(quoted) = rest.strip_prefix('"').or_else(|| rest.strip_prefix('\'')) else {
            continue;
        };
        let Some(end) = quoted.find(['"', '\'']) else {
            continue;
        };
        if let (Some(name), Ok(n)) = (quoted.get(..end), u32::try_from(i + 1)) {
            out.entry(name).or_default().push_back(n);
        }
    }
    out
}

/// The line (1-based) of each JSON object key that starts a line (`"key": …`), first
/// occurrence wins: one pass over the text, for locating lockfile entries.
fn json_key_lines(text: &str) -> HashMap<&str, u32> {
    let mut out = HashMap::new();
    for (i, line) in text.lines().enumerate() {
        let t = line.trim_start();
        let Some(rest) = t.strip_prefix('"') else {
            continue;
        };
        let Some(end) = rest.find('"') else { continue };
        let (key, after) = rest.split_at(end);
        if after
            .get(1..)
            .is_some_and(|a| a.trim_start().starts_with(':'))
            && let Ok(n) = u32::try_from(i + 1)
        {
            out.entry(key).or_insert(n);
        }
    }
    out
}

fn toml_err(path: &Path, e: &toml::de::Error, text: &str) -> Error {
    let line = e.span().and_then(|s| {
        u32::try_from(text.get(..s.start)?.bytes().filter(|&b| b == b'\n').count() + 1).ok()
    });
    Error::parse(path, line, e.message().to_owned())
}

// ------------------------------------------------------------------ edges, shared

/// The most dependency entries read for one package: a hostile lockfile cannot make one
/// component's edge list (or the work spent resolving it) grow without bound.
pub const MAX_EDGES_PER_PACKAGE: usize = 10_000;

/// A name locked more often than this is not resolved (no real lockfile comes near it): keeps
/// the choice among same-named packages, done per dependency entry, cheap.
const MAX_SAME_NAME: usize = 64;

/// The most bytes of `depends_on` references made from one lockfile: a short entry can point
/// at a package with a huge version string, so the references, not the input, bound memory.
const MAX_EDGE_BYTES: usize = 64 << 20;

/// Turns per-component edge lists (indices into `out`) into each component's `depends_on`:
/// the targets' [`Component::dep_ref`], without self-edges, sorted, no duplicates. An index is
/// always one of `out`'s, so every reference resolves to a component of the same output.
/// Past [`MAX_EDGE_BYTES`] no more edges are set.
fn set_edges(out: &mut [Component], edges: &[Vec<usize>]) {
    let refs: Vec<String> = out.iter().map(Component::dep_ref).collect();
    let mut bytes = 0usize;
    for (i, c) in out.iter_mut().enumerate() {
        let Some(targets) = edges.get(i) else {
            continue;
        };
        let mut deps: Vec<String> = Vec::new();
        for r in targets
            .iter()
            .filter(|&&t| t != i)
            .filter_map(|&t| refs.get(t))
        {
            bytes = bytes.saturating_add(r.len());
            if bytes > MAX_EDGE_BYTES {
                break;
            }
            deps.push(r.clone());
        }
        deps.sort();
        deps.dedup();
        c.depends_on = deps;
    }
}

// ------------------------------------------------------------------ uv.lock / pdm.lock / poetry.lock

#[derive(Deserialize)]
struct PyLock {
    #[serde(default)]
    package: Vec<PyPackage>,
}

#[derive(Deserialize)]
struct PyPackage {
    name: Option<String>,
    version: Option<String>,
    #[serde(default)]
    source: Option<toml::Value>,
    #[serde(default)]
    sdist: Option<FileRef>,
    #[serde(default)]
    wheels: Vec<FileRef>,
    #[serde(default)]
    files: Vec<FileRef>,
    // pdm: local entries
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    editable: Option<bool>,
    // poetry
    #[serde(default)]
    category: Option<String>,
    #[serde(default)]
    groups: Vec<String>,
    /// uv: `[{ name, version?, source?, marker?, extra? }]`; poetry: a table of name →
    /// constraint (or `{ version, optional, markers }`, or an array of those); pdm: PEP 508
    /// strings.
    #[serde(default)]
    dependencies: Option<toml::Value>,
    /// uv: extra → the uv form of `dependencies`.
    #[serde(default, rename = "optional-dependencies")]
    optional_dependencies: Option<toml::Value>,
    /// uv: dependency group → the uv form of `dependencies` (the project's dev groups).
    #[serde(default, rename = "dev-dependencies")]
    dev_dependencies: Option<toml::Value>,
}

#[derive(Deserialize)]
struct FileRef {
    #[serde(default)]
    hash: Option<String>,
}

/// Which Python lockfile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PyLockKind {
    /// `uv.lock`
    Uv,
    /// `poetry.lock`
    Poetry,
    /// `pdm.lock`
    Pdm,
}

/// One dependency a Python lockfile records for a package.
#[derive(Debug, Default)]
struct PyDep {
    /// PEP 503 normalised.
    name: String,
    /// The exact locked version (uv writes it when the name is locked more than once).
    version: Option<String>,
    /// The locked source (uv, alongside `version`).
    source: Option<toml::Value>,
    /// A version constraint (poetry, pdm), to choose among several locked versions.
    constraint: Option<String>,
    /// From uv's `dev-dependencies` (the project's dependency groups).
    dev: bool,
}

/// uv's dependency list: `[{ name = "x", version = "1", source = {…} }, …]`.
fn uv_deps(v: &toml::Value, out: &mut Vec<PyDep>) {
    let Some(items) = v.as_array() else { return };
    for item in items {
        if out.len() >= MAX_EDGES_PER_PACKAGE {
            return;
        }
        let Some(name) = item.get("name").and_then(toml::Value::as_str) else {
            continue;
        };
        out.push(PyDep {
            name: pep503(name),
            version: item
                .get("version")
                .and_then(toml::Value::as_str)
                .map(str::to_owned),
            source: item.get("source").cloned(),
            ..PyDep::default()
        });
    }
}

/// uv's `[package.optional-dependencies]` / `[package.dev-dependencies]`: a table of lists.
fn uv_grouped_deps(v: &toml::Value, out: &mut Vec<PyDep>) {
    let Some(groups) = v.as_table() else { return };
    for list in groups.values() {
        uv_deps(list, out);
    }
}

/// poetry's `[package.dependencies]`: `name = "constraint"`, `name = { version = … }` or
/// `name = [{ version = …, markers = … }, …]`.
fn poetry_deps(v: &toml::Value, out: &mut Vec<PyDep>) {
    let Some(table) = v.as_table() else { return };
    for (name, spec) in table {
        if out.len() >= MAX_EDGES_PER_PACKAGE {
            return;
        }
        let constraint_of = |s: &toml::Value| match s {
            toml::Value::String(c) => Some(c.clone()),
            toml::Value::Table(t) => t
                .get("version")
                .and_then(toml::Value::as_str)
                .map(str::to_owned),
            _ => None,
        };
        let constraint = match spec {
            // Several constraints under markers: any of them.
            toml::Value::Array(a) => {
                let cs: Vec<String> = a.iter().filter_map(constraint_of).collect();
                (!cs.is_empty() && cs.len() == a.len()).then(|| cs.join(" || "))
            }
            s => constraint_of(s),
        };
        out.push(PyDep {
            name: pep503(name),
            constraint,
            ..PyDep::default()
        });
    }
}

/// pdm's dependency list: PEP 508 strings.
fn pdm_deps(v: &toml::Value, out: &mut Vec<PyDep>) {
    let Some(items) = v.as_array() else { return };
    for item in items {
        if out.len() >= MAX_EDGES_PER_PACKAGE {
            return;
        }
        let Some((name, constraint)) = item.as_str().and_then(pep508_name) else {
            continue;
        };
        out.push(PyDep {
            name: pep503(name),
            constraint: constraint.map(str::to_owned),
            ..PyDep::default()
        });
    }
}

/// The name and version constraint of a PEP 508 requirement (`name[extra] (>=1,<2) ; marker`,
/// `name @ url`, pdm's `-e url#egg=name`): `None` when it does not start with a name.
fn pep508_name(s: &str) -> Option<(&str, Option<&str>)> {
    let s = s.trim();
    // pdm's editable form: `-e file:///${PROJECT_ROOT}/sub#egg=sub`.
    let s = match s.strip_prefix("-e ") {
        Some(r) => match r.split_once("#egg=") {
            Some((_, egg)) => egg.split('&').next().unwrap_or(""),
            None => r.trim_start(),
        },
        None => s,
    };
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
        .unwrap_or(s.len());
    let (name, rest) = s.split_at(end);
    if name.is_empty() {
        return None;
    }
    let mut rest = rest.trim_start();
    if let Some(r) = rest.strip_prefix('[') {
        rest = r
            .split_once(']')
            .map_or("", |(_, after)| after)
            .trim_start();
    }
    if rest.starts_with('@') {
        return Some((name, None));
    }
    let spec = rest.split(';').next().unwrap_or("").trim();
    let spec = spec
        .strip_prefix('(')
        .and_then(|x| x.strip_suffix(')'))
        .unwrap_or(spec)
        .trim();
    Some((name, (!spec.is_empty()).then_some(spec)))
}

/// A version as far as choosing among locked versions needs: the release numbers and whether
/// it is a pre-release (-1), final (0) or post-release (1). `None` when it does not parse.
fn py_version(v: &str) -> Option<(Vec<u64>, i8)> {
    let v = v.trim().to_ascii_lowercase();
    let v = v.strip_prefix('v').unwrap_or(&v);
    let v = v.split_once('!').map_or(v, |(_, r)| r);
    let v = v.split_once('+').map_or(v, |(l, _)| l);
    let end = v
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(v.len());
    let (release, rest) = v.split_at(end);
    let release = release.trim_end_matches('.');
    if release.is_empty() {
        return None;
    }
    let mut nums = Vec::new();
    for part in release.split('.').take(16) {
        nums.push(part.parse::<u64>().ok()?);
    }
    let rest = rest.trim_start_matches(['.', '-', '_']);
    let phase = if rest.is_empty() {
        0
    } else if [
        "a", "b", "c", "rc", "alpha", "beta", "pre", "preview", "dev",
    ]
    .iter()
    .any(|p| rest.starts_with(p))
    {
        -1
    } else if ["post", "rev", "r"].iter().any(|p| rest.starts_with(p))
        || rest.starts_with(|c: char| c.is_ascii_digit())
    {
        1
    } else {
        return None;
    };
    Some((nums, phase))
}

fn cmp_release(a: &[u64], b: &[u64]) -> std::cmp::Ordering {
    let n = a.len().max(b.len());
    (0..n)
        .map(|i| {
            a.get(i)
                .copied()
                .unwrap_or(0)
                .cmp(&b.get(i).copied().unwrap_or(0))
        })
        .find(|o| o.is_ne())
        .unwrap_or(std::cmp::Ordering::Equal)
}

/// Whether `version` satisfies a PEP 440 specifier set (or a Poetry constraint: `^`, `~`,
/// `*`, `||`): `None` when either does not parse (the caller then keeps the candidate).
fn py_satisfies(version: &str, spec: &str) -> Option<bool> {
    use std::cmp::Ordering::{Equal, Greater, Less};
    let (v, vphase) = py_version(version)?;
    let cmp = |w: &(Vec<u64>, i8)| cmp_release(&v, &w.0).then(vphase.cmp(&w.1));
    let mut any = false;
    for alt in spec.split('|').filter(|a| !a.trim().is_empty()).take(64) {
        let mut all = true;
        for clause in alt.split(',').take(64) {
            let c = clause.trim();
            if c.is_empty() || c == "*" {
                continue;
            }
            let (op, operand) = ["===", "==", "!=", "~=", ">=", "<=", ">", "<", "^", "~", "="]
                .iter()
                .find_map(|op| c.strip_prefix(op).map(|r| (*op, r.trim())))
                .unwrap_or(("==", c));
            let ok = if let Some(prefix) = operand.strip_suffix(".*") {
                let (p, _) = py_version(prefix)?;
                let m = v.len() >= p.len() && v.iter().zip(&p).all(|(a, b)| a == b);
                match op {
                    "==" | "=" | "===" => m,
                    "!=" => !m,
                    _ => return None,
                }
            } else {
                let w = py_version(operand)?;
                let o = cmp(&w);
                match op {
                    "==" | "===" | "=" => o == Equal,
                    "!=" => o != Equal,
                    ">=" => o != Less,
                    "<=" => o != Greater,
                    ">" => o == Greater,
                    "<" => o == Less,
                    "~=" | "^" | "~" => {
                        // The upper bound: `~=1.4.5` → <1.5, `~1.2` → <1.3, `^0.2.3` → <0.3.
                        let keep = match op {
                            "~=" => w.0.len().saturating_sub(1).max(1),
                            "~" => w.0.len().clamp(1, 2),
                            _ => {
                                w.0.iter()
                                    .position(|&x| x != 0)
                                    .unwrap_or(w.0.len().saturating_sub(1))
                                    + 1
                            }
                        };
                        let mut upper: Vec<u64> = w.0.iter().copied().take(keep).collect();
                        if let Some(last) = upper.last_mut() {
                            *last = last.saturating_add(1);
                        }
                        o != Less && cmp_release(&v, &upper) == Less
                    }
                    _ => return None,
                }
            };
            all &= ok;
        }
        any |= all;
    }
    Some(any)
}

/// Parse `uv.lock`, `poetry.lock` or `pdm.lock` text.
///
/// Registry, git and URL packages are libraries; the project and other local packages (uv's
/// `editable`/`virtual`/`directory`/`path` sources, poetry's `directory`/`file`, pdm's `path`
/// or editable entries) are [`ComponentKind::Project`]s. Each component's `depends_on` lists
/// the locked packages it depends on: uv's `dependencies`, `optional-dependencies` and (for
/// the project) `dev-dependencies`, by name and, where uv recorded them, version and source;
/// poetry's and pdm's by PEP 503 name, choosing among several locked versions by the
/// dependency's constraint. pdm's per-extra duplicates of a package are merged into one.
/// `dev` comes from poetry's `category`/`groups` and pdm's `groups`; uv.lock has no such mark,
/// so a uv library is `dev` when only the projects' dependency groups reach it.
pub fn parse_pylock(
    text: &str,
    kind: PyLockKind,
    path: &Path,
    display: &str,
) -> Result<Vec<Component>> {
    let lock: PyLock = toml::from_str(text).map_err(|e| toml_err(path, &e, text))?;
    let mut out: Vec<Component> = Vec::new();
    // Per component: its source, the dependencies it records.
    let mut sources: Vec<Option<toml::Value>> = Vec::new();
    let mut deps: Vec<Vec<PyDep>> = Vec::new();
    // PEP 503 name → components of that name.
    let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
    let mut lines = toml_name_lines(text);
    for p in lock.package {
        let (Some(name), version) = (p.name, p.version) else {
            continue;
        };
        let line = lines.get_mut(name.as_str()).and_then(VecDeque::pop_front);
        // Local sources are the project itself.
        let local = match (&p.source, kind) {
            (Some(toml::Value::Table(t)), PyLockKind::Uv) => {
                t.contains_key("editable")
                    || t.contains_key("virtual")
                    || t.contains_key("path")
                    || t.contains_key("directory")
            }
            (Some(toml::Value::Table(t)), PyLockKind::Poetry) => matches!(
                t.get("type").and_then(toml::Value::as_str),
                Some("directory" | "file")
            ),
            _ => false,
        } || p.path.is_some()
            || p.editable == Some(true);
        let mut recorded = Vec::new();
        if let Some(d) = &p.dependencies {
            match kind {
                PyLockKind::Uv => uv_deps(d, &mut recorded),
                PyLockKind::Poetry => poetry_deps(d, &mut recorded),
                PyLockKind::Pdm => pdm_deps(d, &mut recorded),
            }
        }
        if kind == PyLockKind::Uv {
            if let Some(g) = &p.optional_dependencies {
                uv_grouped_deps(g, &mut recorded);
            }
            if let Some(g) = &p.dev_dependencies {
                let from = recorded.len();
                uv_grouped_deps(g, &mut recorded);
                for d in recorded.iter_mut().skip(from) {
                    d.dev = true;
                }
            }
        }
        let mut hashes: Vec<Hash> = p
            .sdist
            .iter()
            .chain(&p.wheels)
            .chain(&p.files)
            .filter_map(|f| f.hash.as_deref().and_then(Hash::from_prefixed))
            .collect();
        let dev = !local
            && (p.category.as_deref() == Some("dev")
                || (!p.groups.is_empty() && p.groups.iter().all(|g| g == "dev")));
        let key = pep503(&name);
        let vnorm = version.as_deref().map(str::trim).filter(|v| !v.is_empty());
        let kind_here = if local {
            ComponentKind::Project
        } else {
            ComponentKind::Library
        };
        // The same package again (pdm writes one entry per extra): one component.
        let same = by_name.get(&key).and_then(|idxs| {
            idxs.iter().take(MAX_SAME_NAME).copied().find(|&i| {
                out.get(i)
                    .is_some_and(|c| c.kind == kind_here && c.version.as_deref() == vnorm)
                    && sources.get(i).is_some_and(|s| *s == p.source)
            })
        });
        if let Some(i) = same {
            if let Some(c) = out.get_mut(i) {
                hashes.append(&mut c.hashes);
                hashes.sort();
                hashes.dedup();
                c.hashes = hashes;
                c.dev &= dev;
            }
            if let Some(d) = deps.get_mut(i) {
                let room = MAX_EDGES_PER_PACKAGE.saturating_sub(d.len());
                d.extend(recorded.into_iter().take(room));
            }
            continue;
        }
        let mut c = Component::library(
            Ecosystem::PyPI,
            &name,
            version.as_deref(),
            Origin {
                path: display.to_owned(),
                line,
            },
        );
        c.kind = kind_here;
        hashes.sort();
        hashes.dedup();
        c.hashes = hashes;
        c.dev = dev;
        by_name.entry(key).or_default().push(out.len());
        out.push(c);
        sources.push(p.source);
        deps.push(recorded);
    }

    let mut edges: Vec<Vec<usize>> = Vec::with_capacity(out.len());
    // Per component, the targets of its main and of its (uv) dev-dependencies entries.
    let mut split: Vec<(Vec<usize>, Vec<usize>)> = Vec::new();
    for recorded in &deps {
        let mut targets = Vec::new();
        let (mut main_targets, mut dev_targets) = (Vec::new(), Vec::new());
        for d in recorded {
            let Some(cands) = by_name.get(&d.name) else {
                continue; // not locked (another platform's, an extra not chosen): no edge
            };
            if cands.len() > MAX_SAME_NAME {
                continue;
            }
            let mut m: Vec<usize> = cands.clone();
            if let Some(v) = &d.version {
                m.retain(|&i| {
                    out.get(i)
                        .is_some_and(|c| c.version.as_deref() == Some(v.trim()))
                });
            }
            if m.len() > 1 && d.source.is_some() {
                m.retain(|&i| sources.get(i).is_some_and(|s| *s == d.source));
            }
            if m.len() > 1
                && let Some(spec) = &d.constraint
            {
                m.retain(|&i| {
                    out.get(i)
                        .and_then(|c| c.version.as_deref())
                        .and_then(|v| py_satisfies(v, spec))
                        != Some(false)
                });
            }
            // uv names the version whenever a name is locked more than once, so several
            // candidates left there means a damaged file: no edge rather than a guess. Poetry
            // and pdm lock one version per environment: the package depends on each of them.
            if m.len() > 1 && kind == PyLockKind::Uv {
                continue;
            }
            if d.dev {
                dev_targets.extend(m.iter().copied());
            } else {
                main_targets.extend(m.iter().copied());
            }
            targets.extend(m);
        }
        edges.push(targets);
        split.push((main_targets, dev_targets));
    }
    if kind == PyLockKind::Uv {
        mark_dev_only(&mut out, &edges, &split);
    }
    set_edges(&mut out, &edges);
    Ok(out)
}

/// uv.lock does not mark development packages, but its graph tells them: a library that only
/// the projects' dependency groups reach (not their dependencies or extras, directly or
/// through other packages) is `dev`. A library no project reaches is left as it is.
/// `starts[i]` are component `i`'s (main, dev) edges.
fn mark_dev_only(out: &mut [Component], edges: &[Vec<usize>], starts: &[(Vec<usize>, Vec<usize>)]) {
    if starts.iter().all(|(_, d)| d.is_empty()) {
        return;
    }
    // Breadth-first with an explicit queue: what `from` reaches along `edges`.
    let reach = |from: Vec<usize>| {
        let mut seen = vec![false; edges.len()];
        let mut queue: VecDeque<usize> = from.into();
        while let Some(i) = queue.pop_front() {
            let Some(v) = seen.get_mut(i) else { continue };
            if *v {
                continue;
            }
            *v = true;
            queue.extend(edges.get(i).into_iter().flatten().copied());
        }
        seen
    };
    let is_project = |i: &usize| {
        out.get(*i)
            .is_some_and(|c| c.kind == ComponentKind::Project)
    };
    let project_starts = |dev: bool| -> Vec<usize> {
        (0..out.len())
            .filter(is_project)
            .filter_map(|i| starts.get(i))
            .flat_map(|(m, d)| if dev { d } else { m })
            .copied()
            .collect()
    };
    let (main_from, dev_from) = (project_starts(false), project_starts(true));
    let main = reach(main_from);
    let dev = reach(dev_from);
    for (i, c) in out.iter_mut().enumerate() {
        if c.kind == ComponentKind::Library
            && dev.get(i) == Some(&true)
            && main.get(i) != Some(&true)
        {
            c.dev = true;
        }
    }
}

// ------------------------------------------------------------------ Pipfile.lock

#[derive(Deserialize)]
struct Pipfile {
    #[serde(default)]
    default: BTreeMap<String, PipEntry>,
    #[serde(default)]
    develop: BTreeMap<String, PipEntry>,
}

#[derive(Deserialize)]
struct PipEntry {
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    hashes: Vec<String>,
    #[serde(default)]
    markers: Option<String>,
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    editable: Option<bool>,
    #[serde(default)]
    git: Option<String>,
    #[serde(default)]
    file: Option<String>,
}

/// Parse `Pipfile.lock` text. Pipfile.lock records no dependency edges.
pub fn parse_pipfile_lock(text: &str, path: &Path, display: &str) -> Result<Vec<Component>> {
    let lock: Pipfile = serde_json::from_str(text)
        .map_err(|e| Error::parse(path, u32::try_from(e.line()).ok(), e.to_string()))?;
    let lines = json_key_lines(text);
    let mut out = Vec::new();
    for (section, dev) in [(lock.default, false), (lock.develop, true)] {
        for (name, e) in section {
            if e.path.is_some() || e.editable == Some(true) || e.git.is_some() || e.file.is_some() {
                continue;
            }
            let version = e
                .version
                .as_deref()
                .and_then(|v| {
                    v.trim()
                        .strip_prefix("===")
                        .or_else(|| v.trim().strip_prefix("=="))
                })
                .map(str::trim);
            let line = lines.get(name.as_str()).copied();
            let mut c = Component::library(
                Ecosystem::PyPI,
                &name,
                version,
                Origin {
                    path: display.to_owned(),
                    line,
                },
            );
            c.hashes = e
                .hashes
                .iter()
                .filter_map(|h| Hash::from_prefixed(h))
                .collect();
            c.markers = e.markers;
            c.dev = dev;
            out.push(c);
        }
    }
    Ok(out)
}

// ------------------------------------------------------------------ Cargo.lock

#[derive(Deserialize)]
struct CargoLock {
    #[serde(default)]
    package: Vec<CargoPackage>,
}

#[derive(Deserialize)]
struct CargoPackage {
    name: Option<String>,
    version: Option<String>,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    checksum: Option<String>,
    /// `"name"`, `"name version"` or `"name version (source)"`.
    #[serde(default)]
    dependencies: Option<toml::Value>,
}

/// A `Cargo.lock` dependency entry: name, then version and source when the name alone is
/// ambiguous.
fn cargo_dep(s: &str) -> Option<(&str, Option<&str>, Option<&str>)> {
    let s = s.trim();
    let (name, rest) = s.split_once(' ').unwrap_or((s, ""));
    if name.is_empty() {
        return None;
    }
    let rest = rest.trim_start();
    let (version, rest) = rest.split_once(' ').unwrap_or((rest, ""));
    let source = rest
        .trim()
        .strip_prefix('(')
        .and_then(|r| r.strip_suffix(')'));
    Some((name, (!version.is_empty()).then_some(version), source))
}

/// Parse `Cargo.lock` text (format v1–v4). Registry and git crates are libraries; crates
/// without a `source` (workspace members and path crates: Cargo.lock does not tell them
/// apart) are [`ComponentKind::Project`]s. `depends_on` follows each package's
/// `dependencies`, resolved by name, version and source as Cargo wrote them.
pub fn parse_cargo_lock(text: &str, path: &Path, display: &str) -> Result<Vec<Component>> {
    let lock: CargoLock = toml::from_str(text).map_err(|e| toml_err(path, &e, text))?;
    let mut out = Vec::new();
    let mut sources: Vec<Option<String>> = Vec::new();
    let mut recorded: Vec<Vec<String>> = Vec::new();
    let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
    let mut lines = toml_name_lines(text);
    for p in lock.package {
        let (Some(name), Some(version)) = (p.name, p.version) else {
            continue;
        };
        let line = lines.get_mut(name.as_str()).and_then(VecDeque::pop_front);
        let mut c = Component::library(
            Ecosystem::CratesIo,
            &name,
            Some(&version),
            Origin {
                path: display.to_owned(),
                line,
            },
        );
        if p.source.is_none() {
            c.kind = ComponentKind::Project;
        }
        c.hashes
            .extend(p.checksum.as_deref().and_then(|h| Hash::new("sha256", h)));
        let deps: Vec<String> = p
            .dependencies
            .as_ref()
            .and_then(toml::Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(toml::Value::as_str)
                    .take(MAX_EDGES_PER_PACKAGE)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        by_name.entry(name).or_default().push(out.len());
        out.push(c);
        sources.push(p.source);
        recorded.push(deps);
    }
    let mut edges = Vec::with_capacity(out.len());
    for deps in &recorded {
        let mut targets = Vec::new();
        for d in deps {
            let Some((name, version, source)) = cargo_dep(d) else {
                continue;
            };
            let Some(cands) = by_name.get(name).filter(|c| c.len() <= MAX_SAME_NAME) else {
                continue;
            };
            let m: Vec<usize> = cands
                .iter()
                .copied()
                .filter(|&i| {
                    version.is_none_or(|v| out.get(i).and_then(|c| c.version.as_deref()) == Some(v))
                        && source
                            .is_none_or(|s| sources.get(i).and_then(|x| x.as_deref()) == Some(s))
                })
                .collect();
            // Cargo writes version and source whenever the name alone is ambiguous.
            if let [one] = m.as_slice() {
                targets.push(*one);
            }
        }
        edges.push(targets);
    }
    set_edges(&mut out, &edges);
    Ok(out)
}

// ------------------------------------------------------------------ package-lock.json

#[derive(Deserialize)]
struct NpmLock {
    #[serde(default)]
    name: Option<serde_json::Value>,
    #[serde(default)]
    version: Option<serde_json::Value>,
    #[serde(default, rename = "lockfileVersion")]
    _version: Option<serde_json::Value>,
    #[serde(default)]
    packages: Option<BTreeMap<String, NpmPackage>>,
    #[serde(default)]
    dependencies: Option<BTreeMap<String, NpmDep>>,
}

#[derive(Deserialize)]
struct NpmPackage {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    integrity: Option<String>,
    #[serde(default)]
    link: Option<bool>,
    #[serde(default)]
    dev: Option<bool>,
    /// A link's target: the key of the linked package (`packages/a`).
    #[serde(default)]
    resolved: Option<serde_json::Value>,
    #[serde(default)]
    license: Option<serde_json::Value>,
    #[serde(default)]
    dependencies: Option<serde_json::Value>,
    #[serde(default, rename = "optionalDependencies")]
    optional_dependencies: Option<serde_json::Value>,
    #[serde(default, rename = "peerDependencies")]
    peer_dependencies: Option<serde_json::Value>,
    #[serde(default, rename = "devDependencies")]
    dev_dependencies: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct NpmDep {
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    integrity: Option<String>,
    #[serde(default)]
    dev: Option<bool>,
    #[serde(default)]
    dependencies: Option<BTreeMap<String, NpmDep>>,
    /// v1: name → range of what this package requires.
    #[serde(default)]
    requires: Option<serde_json::Value>,
}

/// How deep v1 `dependencies` trees are followed.
const MAX_NPM_DEPTH: usize = 64;

/// How many directories a package's dependency lookup walks up (Node's resolution).
const MAX_NPM_WALK: usize = 256;

/// Work allowed for resolving one package-lock's edges, in bytes hashed: far above any real
/// lockfile's needs (a 5,000-package lock uses a few MB), low enough that a hostile one with
/// deep paths and long dependency lists stays quick. Past it, further edges are not resolved.
const NPM_RESOLVE_BUDGET: usize = 256 << 20;

/// `sha512-<base64>` (Subresource Integrity) to a hex [`Hash`].
fn sri(s: &str) -> Option<Hash> {
    let (alg, b64) = s.trim().split(' ').next()?.split_once('-')?;
    Hash::new(alg, &hex::encode(base64_decode(b64)?))
}

fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' => break,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(((acc >> bits) & 0xff) as u8);
        }
    }
    Some(out)
}

/// A `packages` key split at its last `node_modules/` segment: (the directory holding that
/// `node_modules`, the package name). `node_modules/a/node_modules/@s/b` → (`node_modules/a`,
/// `@s/b`); `node_modules/x` → (``, `x`); `packages/a` → `None`.
fn npm_split(key: &str) -> Option<(&str, &str)> {
    const NM: &str = "node_modules/";
    let mut end = key.len();
    loop {
        let i = key.get(..end)?.rfind(NM)?;
        if i == 0 {
            return Some(("", key.get(NM.len()..)?));
        }
        if key.as_bytes().get(i - 1) == Some(&b'/') {
            return Some((key.get(..i - 1)?, key.get(i + NM.len()..)?));
        }
        end = i;
    }
}

/// The names of a `dependencies`-like object (`{"name": "range"}`).
fn npm_dep_names(v: Option<&serde_json::Value>) -> impl Iterator<Item = &str> {
    v.and_then(serde_json::Value::as_object)
        .into_iter()
        .flat_map(|m| m.keys().map(String::as_str))
}

/// Node's module resolution over a lockfile's package keys, bounded by a work budget.
struct NpmResolver<'a> {
    /// Directory key → (package name → package key) of the packages in its `node_modules`.
    by_dir: HashMap<&'a str, HashMap<&'a str, &'a str>>,
    /// Link key → the key it points at.
    links: HashMap<&'a str, &'a str>,
    /// Package key → component index.
    comps: HashMap<&'a str, usize>,
    budget: usize,
}

impl<'a> NpmResolver<'a> {
    fn new() -> Self {
        NpmResolver {
            by_dir: HashMap::new(),
            links: HashMap::new(),
            comps: HashMap::new(),
            budget: NPM_RESOLVE_BUDGET,
        }
    }

    /// Records a package key (`node_modules/…` ones become findable from their directory).
    fn add_key(&mut self, key: &'a str) {
        if let Some((dir, name)) = npm_split(key) {
            self.by_dir.entry(dir).or_default().insert(name, key);
        }
    }

    /// The component indices of `names` as required from the package at `key`: for each, the
    /// nearest `node_modules/<name>` walking up from the package's directory (a loop, at most
    /// [`MAX_NPM_WALK`] levels), a link followed to its target. Names found nowhere are dropped.
    fn resolve<'n>(&mut self, key: &str, names: impl Iterator<Item = &'n str>) -> Vec<usize> {
        let mut budget = self.budget;
        let found = self.lookup(key, names, &mut budget);
        self.budget = budget;
        found
    }

    fn lookup<'n>(
        &self,
        key: &str,
        names: impl Iterator<Item = &'n str>,
        budget: &mut usize,
    ) -> Vec<usize> {
        let mut spend = |n: usize| match budget.checked_sub(n.saturating_add(1)) {
            Some(b) => {
                *budget = b;
                true
            }
            None => {
                *budget = 0;
                false
            }
        };
        // The directories to look in, nearest first; `…/node_modules` itself is never one.
        let mut dirs: Vec<&HashMap<&'a str, &'a str>> = Vec::new();
        let mut d = key;
        for _ in 0..MAX_NPM_WALK {
            if !spend(d.len()) {
                return Vec::new();
            }
            let base = d.rsplit('/').next().unwrap_or(d);
            if base != "node_modules"
                && let Some(m) = self.by_dir.get(d)
            {
                dirs.push(m);
            }
            if d.is_empty() {
                break;
            }
            d = d.rfind('/').and_then(|i| d.get(..i)).unwrap_or("");
        }
        let mut found = Vec::new();
        for name in names.take(MAX_EDGES_PER_PACKAGE) {
            if !spend(dirs.len().saturating_mul(name.len() + 1)) {
                break;
            }
            let Some(target) = dirs.iter().find_map(|m| m.get(name).copied()) else {
                continue;
            };
            let target = self.links.get(target).copied().unwrap_or(target);
            if let Some(&i) = self.comps.get(target) {
                found.push(i);
            }
        }
        found
    }
}

/// A string JSON value.
fn json_str(v: Option<&serde_json::Value>) -> Option<&str> {
    v.and_then(serde_json::Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// Parse `package-lock.json` / `npm-shrinkwrap.json` text: v2/v3 `packages` (installed paths
/// under `node_modules/`), or the v1 `dependencies` tree.
///
/// The root (`packages[""]`, or the lock's top-level name and version) and workspace members
/// or other local packages (keys outside `node_modules/`) are [`ComponentKind::Project`]s;
/// links are not components, edges go through them to their target. `depends_on` follows
/// `dependencies`, `optionalDependencies` and `peerDependencies` (plus a project's
/// `devDependencies`; v1: `requires`), each resolved as Node does: the nearest
/// `node_modules/<name>` walking up from the package's directory.
pub fn parse_package_lock(text: &str, path: &Path, display: &str) -> Result<Vec<Component>> {
    let lock: NpmLock = serde_json::from_str(text)
        .map_err(|e| Error::parse(path, u32::try_from(e.line()).ok(), e.to_string()))?;
    let mut out = Vec::new();
    let lines = json_key_lines(text);
    let origin = |key: &str| Origin {
        path: display.to_owned(),
        line: lines.get(key).copied(),
    };
    let top_name = json_str(lock.name.as_ref());
    let top_version = json_str(lock.version.as_ref());
    if let Some(packages) = &lock.packages {
        let mut r = NpmResolver::new();
        // (component index, key) of each package whose edges are resolved below.
        let mut members: Vec<(usize, &str, &NpmPackage)> = Vec::new();
        for (key, p) in packages {
            r.add_key(key);
            if p.link == Some(true) {
                if let Some(t) = json_str(p.resolved.as_ref()) {
                    r.links.insert(key, t);
                }
                continue;
            }
            let local = npm_split(key).is_none();
            let name = match (&p.name, key.as_str(), npm_split(key)) {
                (Some(n), _, _) if !n.trim().is_empty() => n.clone(),
                (_, "", _) => top_name.unwrap_or("").to_owned(),
                (_, _, Some((_, n))) => n.to_owned(),
                (_, k, None) => k.rsplit('/').next().unwrap_or(k).to_owned(),
            };
            if name.is_empty() {
                continue;
            }
            let version = p
                .version
                .as_deref()
                .or(if key.is_empty() { top_version } else { None });
            let mut c = Component::library(Ecosystem::Npm, &name, version, origin(key));
            if local {
                c.kind = ComponentKind::Project;
            }
            c.hashes.extend(p.integrity.as_deref().and_then(sri));
            c.dev = p.dev == Some(true);
            c.licenses
                .extend(json_str(p.license.as_ref()).map(str::to_owned));
            r.comps.insert(key, out.len());
            members.push((out.len(), key, p));
            out.push(c);
        }
        let mut edges: Vec<Vec<usize>> = vec![Vec::new(); out.len()];
        for (i, key, p) in members {
            let project = out.get(i).is_some_and(|c| c.kind == ComponentKind::Project);
            let names = npm_dep_names(p.dependencies.as_ref())
                .chain(npm_dep_names(p.optional_dependencies.as_ref()))
                .chain(npm_dep_names(p.peer_dependencies.as_ref()))
                .chain(npm_dep_names(p.dev_dependencies.as_ref()).filter(move |_| project));
            let found = r.resolve(key, names);
            if let Some(e) = edges.get_mut(i) {
                *e = found;
            }
        }
        set_edges(&mut out, &edges);
    } else if let Some(deps) = lock.dependencies {
        if let Some(name) = top_name {
            let mut c = Component::library(Ecosystem::Npm, name, top_version, origin("name"));
            c.kind = ComponentKind::Project;
            out.push(c);
        }
        // Depth-first, in name order, with an explicit stack: (key, name, entry, depth).
        let mut stack: Vec<(String, String, NpmDep, usize)> = deps
            .into_iter()
            .rev()
            .map(|(n, d)| (format!("node_modules/{n}"), n, d, 0))
            .collect();
        let mut keys: Vec<String> = Vec::new();
        let mut requires: Vec<(usize, usize, Vec<String>)> = Vec::new();
        while let Some((key, name, mut d, depth)) = stack.pop() {
            let mut c =
                Component::library(Ecosystem::Npm, &name, d.version.as_deref(), origin(&name));
            // v1 git/file dependencies carry a URL as version.
            if c.version
                .as_deref()
                .is_some_and(|v| v.contains(':') || v.contains('/'))
            {
                c.version = None;
                c.purl = crate::component::purl_for(&Ecosystem::Npm, &name, None);
            }
            c.hashes.extend(d.integrity.as_deref().and_then(sri));
            c.dev = d.dev == Some(true);
            let req: Vec<String> = npm_dep_names(d.requires.as_ref())
                .take(MAX_EDGES_PER_PACKAGE)
                .map(str::to_owned)
                .collect();
            requires.push((out.len(), keys.len(), req));
            if depth < MAX_NPM_DEPTH
                && let Some(sub) = d.dependencies.take()
            {
                stack.extend(
                    sub.into_iter()
                        .rev()
                        .map(|(n, s)| (format!("{key}/node_modules/{n}"), n, s, depth + 1)),
                );
            }
            keys.push(key);
            out.push(c);
        }
        let mut r = NpmResolver::new();
        for (ci, ki, _) in &requires {
            if let Some(k) = keys.get(*ki) {
                r.add_key(k);
                r.comps.insert(k, *ci);
            }
        }
        let mut edges: Vec<Vec<usize>> = vec![Vec::new(); out.len()];
        for (ci, ki, req) in &requires {
            let Some(k) = keys.get(*ki) else { continue };
            let found = r.resolve(k, req.iter().map(String::as_str));
            if let Some(e) = edges.get_mut(*ci) {
                *e = found;
            }
        }
        set_edges(&mut out, &edges);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(c: &[Component]) -> Vec<String> {
        c.iter()
            .map(|c| {
                format!(
                    "{}{} {} line={:?} hashes={} dev={}",
                    if c.kind == ComponentKind::Project {
                        "project "
                    } else {
                        ""
                    },
                    c.name,
                    c.version.as_deref().unwrap_or("-"),
                    c.origin.line,
                    c.hashes.len(),
                    c.dev
                )
            })
            .collect()
    }

    #[test]
    fn uv_lock() {
        let text = r#"version = 1
requires-python = ">=3.11"

[[package]]
name = "myproj"
version = "0.1.0"
source = { editable = "." }

[[package]]
name = "django"
version = "3.2.1"
source = { registry = "https://registry.invalid/simple" }
sdist = { url = "https://example.invalid/Django-3.2.1.tar.gz", hash = "sha256:00aa", size = 1 }
wheels = [
    { url = "https://example.invalid/Django-3.2.1-py3-none-any.whl", hash = "sha256:11bb", size = 1 },
]
"#;
        let c = parse_pylock(text, PyLockKind::Uv, Path::new("uv.lock"), "uv.lock").unwrap();
        assert_eq!(
            summary(&c),
            [
                "project myproj 0.1.0 line=Some(5) hashes=0 dev=false",
                "django 3.2.1 line=Some(10) hashes=2 dev=false"
            ]
        );
    }

    #[test]
    fn poetry_and_pdm() {
        let poetry = "[[package]]\nname = \"requests\"\nversion = \"2.25.0\"\ncategory = \"dev\"\nfiles = [{file = \"r.whl\", hash = \"sha256:cc\"}]\n\n[[package]]\nname = \"local\"\nversion = \"0\"\n[package.source]\ntype = \"directory\"\nurl = \"../local\"\n";
        let c = parse_pylock(
            poetry,
            PyLockKind::Poetry,
            Path::new("poetry.lock"),
            "poetry.lock",
        )
        .unwrap();
        assert_eq!(
            summary(&c),
            [
                "requests 2.25.0 line=Some(2) hashes=1 dev=true",
                "project local 0 line=Some(8) hashes=0 dev=false"
            ]
        );
        let pdm = "[[package]]\nname = \"jinja2\"\nversion = \"2.10\"\ngroups = [\"default\"]\nfiles = [{url = \"x\", hash = \"sha256:dd\"}]\n[[package]]\nname = \"me\"\nversion = \"1\"\npath = \".\"\n";
        let c = parse_pylock(pdm, PyLockKind::Pdm, Path::new("pdm.lock"), "pdm.lock").unwrap();
        assert_eq!(
            summary(&c),
            [
                "jinja2 2.10 line=Some(2) hashes=1 dev=false",
                "project me 1 line=Some(7) hashes=0 dev=false"
            ]
        );
    }

    #[test]
    fn pipfile_lock() {
        // pipenv writes one key per line, as every real lockfile has.
        let text = r#"{
    "_meta": {},
    "default": {
        "mine": {"editable": true, "path": "."},
        "urllib3": {
            "hashes": ["sha256:ee"],
            "markers": "python_version >= '3'",
            "version": "==1.26.4"
        }
    },
    "develop": {
        "pytest": {"version": "==7.0.0"}
    }
}"#;
        let c = parse_pipfile_lock(text, Path::new("Pipfile.lock"), "Pipfile.lock").unwrap();
        assert_eq!(
            summary(&c),
            [
                "urllib3 1.26.4 line=Some(5) hashes=1 dev=false",
                "pytest 7.0.0 line=Some(12) hashes=0 dev=true"
            ]
        );
    }

    #[test]
    fn cargo_lock() {
        let text = "version = 4\n\n[[package]]\nname = \"me\"\nversion = \"0.1.0\"\n\n[[package]]\nname = \"smallvec\"\nversion = \"1.6.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\nchecksum = \"fe0f37c9e8f3c5a4a66ad655a93c74daac4ad00c441533bf5c6e7990bb42604e\"\n";
        let c = parse_cargo_lock(text, Path::new("Cargo.lock"), "Cargo.lock").unwrap();
        assert_eq!(
            summary(&c),
            [
                "project me 0.1.0 line=Some(4) hashes=0 dev=false",
                "smallvec 1.6.0 line=Some(8) hashes=1 dev=false"
            ]
        );
        assert_eq!(c[1].purl.as_deref(), Some("pkg:cargo/smallvec@1.6.0"));
        assert_eq!(c[0].purl.as_deref(), Some("pkg:cargo/me@0.1.0"));
    }

    #[test]
    fn package_lock_v3_and_v1() {
        let v3 = r#"{
  "name": "app",
  "lockfileVersion": 3,
  "packages": {
    "": {"name": "app", "version": "1.0.0"},
    "node_modules/lodash": {"version": "4.17.20", "integrity": "sha512-AAAA", "dev": true},
    "node_modules/@babel/core": {"version": "7.0.0"},
    "node_modules/a/node_modules/lodash": {"version": "3.0.0"},
    "node_modules/ws": {"link": true, "resolved": "packages/ws"},
    "packages/ws": {"name": "ws", "version": "0.0.1"}
  }
}"#;
        let c =
            parse_package_lock(v3, Path::new("package-lock.json"), "package-lock.json").unwrap();
        assert_eq!(
            summary(&c),
            [
                "project app 1.0.0 line=Some(5) hashes=0 dev=false",
                "@babel/core 7.0.0 line=Some(7) hashes=0 dev=false",
                "lodash 3.0.0 line=Some(8) hashes=0 dev=false",
                "lodash 4.17.20 line=Some(6) hashes=1 dev=true",
                "project ws 0.0.1 line=Some(10) hashes=0 dev=false",
            ]
        );
        let v1 = r#"{
  "lockfileVersion": 1,
  "dependencies": {
    "minimist": {
      "version": "1.2.0",
      "dependencies": {
        "x": {"version": "github:a/b"}
      }
    }
  }
}"#;
        let c = parse_package_lock(v1, Path::new("p.json"), "p.json").unwrap();
        assert_eq!(
            summary(&c),
            [
                "minimist 1.2.0 line=Some(4) hashes=0 dev=false",
                "x - line=Some(7) hashes=0 dev=false"
            ]
        );
    }

    #[test]
    fn pep508_names() {
        for (req, want) in [
            ("requests>=2.0", Some(("requests", Some(">=2.0")))),
            (
                "Foo.Bar[x,y] (>=1,<2) ; python_version < \"3.8\"",
                Some(("Foo.Bar", Some(">=1,<2"))),
            ),
            (
                "colorama; platform_system == \"Windows\"",
                Some(("colorama", None)),
            ),
            ("lib @ file:///${PROJECT_ROOT}/lib", Some(("lib", None))),
            (
                "-e file:///${PROJECT_ROOT}/sub#egg=sub",
                Some(("sub", None)),
            ),
            ("-e sub @ file:///x", Some(("sub", None))),
            ("bad[x", Some(("bad", None))),
            (">=1", None),
            ("", None),
        ] {
            assert_eq!(pep508_name(req), want, "{req}");
        }
    }

    #[test]
    fn version_constraints() {
        for (v, spec, want) in [
            ("2.32.5", ">=2.31", Some(true)),
            ("2.32.5", ">=1.21.1,<3", Some(true)),
            ("3.0", ">=1.21.1,<3", Some(false)),
            ("1.5.7", ">=1.5.6,!=1.5.7", Some(false)),
            ("1.24.4", "^1.24", Some(true)),
            ("2.0.0", "^1.24", Some(false)),
            ("0.2.9", "^0.2.3", Some(true)),
            ("0.3.0", "^0.2.3", Some(false)),
            ("1.2.9", "~1.2", Some(true)),
            ("1.3", "~1.2", Some(false)),
            ("1.4.9", "~=1.4.5", Some(true)),
            ("1.5", "~=1.4.5", Some(false)),
            ("2.5", "~=2.1", Some(true)),
            ("1.2.3", "==1.2.*", Some(true)),
            ("1.3", "!=1.2.*", Some(true)),
            ("2.0rc1", ">=2.0", Some(false)),
            ("2.0.post1", ">2.0", Some(true)),
            ("1.0", "*", Some(true)),
            ("1.0", "<1 || >=1.0", Some(true)),
            ("1.0+local", "==1.0", Some(true)),
            ("1!2.0", ">=1.0", Some(true)),
            ("weird", ">=1", None),
            ("1.0", ">=banana", None),
        ] {
            assert_eq!(py_satisfies(v, spec), want, "{v} {spec}");
        }
    }

    #[test]
    fn cargo_dep_entries() {
        assert_eq!(cargo_dep("serde"), Some(("serde", None, None)));
        assert_eq!(
            cargo_dep("serde 1.0.0"),
            Some(("serde", Some("1.0.0"), None))
        );
        assert_eq!(
            cargo_dep("serde 1.0.0 (registry+https://github.com/rust-lang/crates.io-index)"),
            Some((
                "serde",
                Some("1.0.0"),
                Some("registry+https://github.com/rust-lang/crates.io-index")
            ))
        );
        assert_eq!(cargo_dep("  "), None);
    }

    #[test]
    fn npm_keys_split() {
        assert_eq!(npm_split("node_modules/a"), Some(("", "a")));
        assert_eq!(npm_split("node_modules/@s/a"), Some(("", "@s/a")));
        assert_eq!(
            npm_split("node_modules/a/node_modules/@s/b"),
            Some(("node_modules/a", "@s/b"))
        );
        assert_eq!(
            npm_split("packages/w/node_modules/x"),
            Some(("packages/w", "x"))
        );
        assert_eq!(npm_split("packages/w"), None);
        assert_eq!(npm_split(""), None);
        // Only at a path segment: `my_node_modules/x` is a directory of its own.
        assert_eq!(npm_split("my_node_modules/x"), None);
        assert_eq!(
            npm_split("node_modules/a/my_node_modules/x"),
            Some(("", "a/my_node_modules/x"))
        );
    }

    #[test]
    fn npm_resolver_budget_runs_out_quietly() {
        let keys = ["node_modules/a", "node_modules/b"];
        let mut r = NpmResolver::new();
        for (i, k) in keys.iter().enumerate() {
            r.add_key(k);
            r.comps.insert(k, i);
        }
        assert_eq!(r.resolve("", ["a", "b", "zz"].into_iter()), [0, 1]);
        r.budget = 3;
        assert_eq!(r.resolve("", ["a", "b"].into_iter()), Vec::<usize>::new());
        assert_eq!(r.budget, 0);
    }

    #[test]
    fn sri_decodes() {
        // sha1 of "" = da39a3ee5e6b4b0d3255bfef95601890afd80709
        let h = sri("sha1-2jmj7l5rSw0yVb/vlWAYkK/YBwk=").unwrap();
        assert_eq!(h.value, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
        assert_eq!(h.alg, "sha1");
        assert!(sri("garbage").is_none());
    }

    #[test]
    fn errors_carry_lines() {
        let e = parse_cargo_lock(
            "[[package]]\nname = 1 2\n",
            Path::new("Cargo.lock"),
            "Cargo.lock",
        )
        .unwrap_err();
        assert!(e.to_string().starts_with("Cargo.lock:2:"), "{e}");
    }
}
