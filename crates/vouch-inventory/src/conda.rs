//! conda inputs: `environment.yml`, explicit lock files (`@EXPLICIT`) and `conda-lock.yml`.
//!
//! conda packages get ecosystem [`Ecosystem::Conda`] and purl `pkg:conda/<name>@<version>`
//! (no `channel`/`subdir`/`build` qualifiers: the same package on several platforms is one
//! component, its per-platform files' digests listed together). pip packages (an
//! `environment.yml` `pip:` list, conda-lock's `manager: pip` entries) are PyPI components.
//!
//! * `environment.yml`: each `dependencies` item is a conda match spec. A version is pinned by
//!   `name=1.2.3`, `name=1.2.3=build`, `name==1.2.3`, `name 1.2.3 [build]` or
//!   `name[version='1.2.3']` when it has no wildcard or operator (conda reads `=1.2.3` as the
//!   prefix `1.2.3*`; like every lock tool this reads it as the pin it is meant to be);
//!   `>=`, `1.2.*` and friends leave it unpinned. `channel::name` and `channel/subdir::name`
//!   prefixes are accepted and dropped. The `pip:` list is read as requirement lines; `-r`
//!   and `-e` lines in it are not followed.
//! * explicit files: an `@EXPLICIT` line, then one package URL per line,
//!   `…/<channel>/<subdir>/<name>-<version>-<build>.conda` (or `.tar.bz2`) with an optional
//!   `#<md5>`, `#<sha256>` or `#sha256:<hex>` fragment. Anything else after the marker is an
//!   error naming the line.
//! * `conda-lock.yml` (version 1, the unified format): `package:` entries with `name`,
//!   `version`, `manager`, `platform`, `dependencies`, `hash`. Dependencies become edges to
//!   the package of that name on the same platform (the same manager first, then the other;
//!   pip names compared after PEP 503 normalisation); virtual packages (`__glibc`) and names
//!   not in the lock give no edge. `optional: true` marks a component `dev`.
//!
//! YAML is read with serde-saphyr under its default budget (events, nodes, depth, aliases);
//! the file size is bounded by [`crate::MAX_LOCKFILE_BYTES`] before it gets here.

use crate::component::{Component, Ecosystem, Hash, Origin, pep503, purl_for};
use crate::error::{Error, Result};
use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_saphyr::Spanned;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::path::Path;

/// A conda match spec, split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchSpec<'a> {
    /// `conda-forge` in `conda-forge::numpy` (with any `/subdir`).
    pub channel: Option<&'a str>,
    /// The package name.
    pub name: &'a str,
    /// The exact version, when the spec pins one.
    pub version: Option<&'a str>,
}

fn is_exact_version(v: &str) -> bool {
    !v.is_empty()
        && !v.contains([
            '*', '<', '>', '!', '~', ',', '|', ' ', '=', '(', ')', '[', ']', '\'', '"',
        ])
}

/// Split a conda match spec (`conda-forge::numpy=1.26.4=py311h64a7726_0`, `python>=3.11`,
/// `numpy 1.26.4 py311_0`, `numpy[version='1.26.4']`). `None` when it has no name.
pub fn parse_match_spec(spec: &str) -> Option<MatchSpec<'_>> {
    let spec = spec.trim();
    let (channel, rest) = match spec.split_once("::") {
        Some((c, r)) => (Some(c.trim()).filter(|c| !c.is_empty()), r.trim()),
        None => (None, spec),
    };
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')))
        .unwrap_or(rest.len());
    let name = rest.get(..end)?;
    if name.is_empty() || !name.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_') {
        return None;
    }
    let tail = rest.get(end..).unwrap_or("");
    let version = if let Some(b) = tail.trim_start().strip_prefix('[') {
        // name[version='1.2', build=...]
        b.split(',').find_map(|kv| {
            let (k, v) = kv.split_once('=')?;
            (k.trim() == "version").then(|| {
                v.trim()
                    .trim_end_matches(']')
                    .trim()
                    .trim_matches(['\'', '"'])
            })
        })
    } else if let Some(v) = tail.strip_prefix("==") {
        Some(v.trim())
    } else if let Some(v) = tail.strip_prefix('=') {
        Some(v.split('=').next().unwrap_or("").trim())
    } else if tail.starts_with(' ') {
        tail.split_whitespace().next()
    } else {
        None
    };
    Some(MatchSpec {
        channel,
        name,
        version: version.filter(|v| is_exact_version(v)),
    })
}

fn conda(name: &str, version: Option<&str>, origin: Origin) -> Component {
    Component::library(Ecosystem::Conda, name, version, origin)
}

/// Any YAML scalar as the text it is written as.
#[derive(Debug, Clone, Default)]
struct Text(String);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Text;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<Text, E> {
                Ok(Text(v.to_owned()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> std::result::Result<Text, E> {
                Ok(Text(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> std::result::Result<Text, E> {
                Ok(Text(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> std::result::Result<Text, E> {
                Ok(Text(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> std::result::Result<Text, E> {
                Ok(Text(v.to_string()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> std::result::Result<Text, E> {
                Ok(Text(v.to_string()))
            }
            fn visit_unit<E: de::Error>(self) -> std::result::Result<Text, E> {
                Ok(Text(String::new()))
            }
        }
        d.deserialize_string(V)
    }
}

fn yaml_err(path: &Path, e: &serde_saphyr::Error, what: &str) -> Error {
    let msg = e.to_string();
    let first = msg.lines().next().unwrap_or("").trim();
    let first: String = first.chars().take(300).collect();
    Error::parse(path, None, format!("not a valid {what} (YAML): {first}"))
}

// ---------------------------------------------------------------- environment.yml

/// One `dependencies` item: a match spec, or a `{pip: [...]}` map.
enum EnvItem {
    Spec(String),
    Pip(Vec<Spanned<Text>>),
    Other,
}

impl<'de> Deserialize<'de> for EnvItem {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = EnvItem;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a match spec or a `pip:` list")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<EnvItem, E> {
                Ok(EnvItem::Spec(v.to_owned()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> std::result::Result<EnvItem, E> {
                Ok(EnvItem::Spec(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> std::result::Result<EnvItem, E> {
                Ok(EnvItem::Spec(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> std::result::Result<EnvItem, E> {
                Ok(EnvItem::Spec(v.to_string()))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> std::result::Result<EnvItem, E> {
                Ok(EnvItem::Other)
            }
            fn visit_unit<E: de::Error>(self) -> std::result::Result<EnvItem, E> {
                Ok(EnvItem::Other)
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                mut m: A,
            ) -> std::result::Result<EnvItem, A::Error> {
                let mut pip = None;
                while let Some(k) = m.next_key::<Text>()? {
                    if k.0 == "pip" {
                        pip = Some(
                            m.next_value::<Option<Vec<Spanned<Text>>>>()?
                                .unwrap_or_default(),
                        );
                    } else {
                        m.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(pip.map_or(EnvItem::Other, EnvItem::Pip))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(
                self,
                mut s: A,
            ) -> std::result::Result<EnvItem, A::Error> {
                while s.next_element::<IgnoredAny>()?.is_some() {}
                Ok(EnvItem::Other)
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Deserialize)]
struct EnvFile {
    #[serde(default)]
    dependencies: Option<Vec<Spanned<EnvItem>>>,
}

fn line_of(s: &serde_saphyr::Location) -> Option<u32> {
    u32::try_from(s.line()).ok().filter(|&l| l > 0)
}

/// Parse an `environment.yml`.
pub fn parse_environment(text: &str, path: &Path, display: &str) -> Result<Vec<Component>> {
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    let env: EnvFile =
        serde_saphyr::from_str(text).map_err(|e| yaml_err(path, &e, "conda environment file"))?;
    let mut out = Vec::new();
    for item in env.dependencies.unwrap_or_default() {
        let line = line_of(&item.referenced);
        match item.value {
            EnvItem::Spec(s) => {
                let Some(ms) = parse_match_spec(&s) else {
                    return Err(Error::parse(
                        path,
                        line,
                        format!(
                            "`{}` is not a conda match spec",
                            s.chars().take(80).collect::<String>()
                        ),
                    ));
                };
                out.push(conda(
                    ms.name,
                    ms.version,
                    Origin {
                        path: display.to_owned(),
                        line,
                    },
                ));
            }
            EnvItem::Pip(lines) => {
                for l in lines {
                    let pline = line_of(&l.referenced);
                    for mut c in crate::requirements::parse_str(&l.value.0, display).components {
                        c.origin.line = pline;
                        out.push(c);
                    }
                }
            }
            EnvItem::Other => {}
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------- explicit files

/// Whether a text is a conda explicit file (an `@EXPLICIT` line before any package URL).
pub fn is_explicit(text: &str) -> bool {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .take(1)
        .any(|l| l == "@EXPLICIT")
}

/// `(channel, name, version, build)` from a package URL's path
/// (`…/conda-forge/linux-64/numpy-1.26.4-py311h64a7726_0.conda`).
pub fn split_package_url(url: &str) -> Option<(Option<&str>, &str, &str, &str)> {
    let no_frag = url.split('#').next().unwrap_or(url);
    let no_query = no_frag.split('?').next().unwrap_or(no_frag);
    let mut segs = no_query.rsplit('/');
    let file = segs.next()?;
    let _subdir = segs.next();
    let channel = segs.next().filter(|c| !c.is_empty() && !c.contains(':'));
    let stem = file
        .strip_suffix(".conda")
        .or_else(|| file.strip_suffix(".tar.bz2"))?;
    let mut parts = stem.rsplitn(3, '-');
    let build = parts.next()?;
    let version = parts.next()?;
    let name = parts.next()?;
    if name.is_empty() || version.is_empty() || build.is_empty() {
        return None;
    }
    Some((channel, name, version, build))
}

fn fragment_hash(frag: &str) -> Option<Hash> {
    let f = frag.trim();
    if let Some(h) = Hash::from_prefixed(f) {
        return Some(h);
    }
    match f.len() {
        32 => Hash::new("md5", f),
        64 => Hash::new("sha256", f),
        _ => None,
    }
}

/// Parse a conda explicit file.
pub fn parse_explicit(text: &str, path: &Path, display: &str) -> Result<Vec<Component>> {
    let mut out = Vec::new();
    let mut seen_marker = false;
    for (i, raw) in text.lines().enumerate() {
        let n = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let l = raw.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        if l == "@EXPLICIT" {
            seen_marker = true;
            continue;
        }
        if !seen_marker {
            return Err(Error::parse(
                path,
                Some(n),
                "a conda explicit file starts with an `@EXPLICIT` line before its package URLs",
            ));
        }
        let Some((_, name, version, _)) = split_package_url(l) else {
            return Err(Error::parse(
                path,
                Some(n),
                format!(
                    "expected a package URL ending in <name>-<version>-<build>.conda or .tar.bz2, found `{}`",
                    l.chars().take(120).collect::<String>()
                ),
            ));
        };
        let mut c = conda(
            name,
            Some(version),
            Origin {
                path: display.to_owned(),
                line: Some(n),
            },
        );
        if let Some((_, frag)) = l.split_once('#') {
            c.hashes.extend(fragment_hash(frag));
        }
        out.push(c);
    }
    if !seen_marker {
        return Err(Error::parse(
            path,
            None,
            "no `@EXPLICIT` line: not a conda explicit file",
        ));
    }
    Ok(out)
}

// ---------------------------------------------------------------- conda-lock.yml

#[derive(Deserialize)]
struct CondaLock {
    #[serde(default)]
    version: Option<Text>,
    #[serde(default)]
    package: Option<Vec<LockPackage>>,
}

#[derive(Deserialize)]
struct LockPackage {
    name: Text,
    version: Text,
    #[serde(default)]
    manager: Option<Text>,
    #[serde(default)]
    platform: Option<Text>,
    #[serde(default)]
    dependencies: Option<BTreeMap<String, IgnoredAny>>,
    #[serde(default)]
    hash: Option<BTreeMap<String, Text>>,
    #[serde(default)]
    optional: Option<bool>,
}

/// Parse a `conda-lock.yml`.
pub fn parse_conda_lock(text: &str, path: &Path, display: &str) -> Result<Vec<Component>> {
    let lock: CondaLock =
        serde_saphyr::from_str(text).map_err(|e| yaml_err(path, &e, "conda-lock.yml"))?;
    if let Some(v) = &lock.version
        && v.0.trim() != "1"
    {
        return Err(Error::parse(
            path,
            None,
            format!(
                "conda-lock file version {} is not supported (only version 1)",
                v.0.chars().take(20).collect::<String>()
            ),
        ));
    }
    let Some(packages) = lock.package else {
        return Err(Error::parse(
            path,
            None,
            "no `package:` list: not a conda-lock.yml (version 1) file",
        ));
    };
    let origin = Origin {
        path: display.to_owned(),
        line: None,
    };
    struct Entry {
        pip: bool,
        platform: String,
        purl: String,
        deps: Vec<String>,
        idx: usize,
    }
    // One component per (manager, name, version); edges by name within each platform.
    let mut components: Vec<Component> = Vec::new();
    let mut by_id: HashMap<(bool, String, String), usize> = HashMap::new();
    let mut entries: Vec<Entry> = Vec::with_capacity(packages.len().min(1 << 16));
    for p in packages {
        let pip = p.manager.as_ref().is_some_and(|m| m.0.trim() == "pip");
        let name = p.name.0.trim().to_owned();
        let version = p.version.0.trim().to_owned();
        if name.is_empty() {
            return Err(Error::parse(
                path,
                None,
                "a package entry has an empty `name`",
            ));
        }
        let key_name = if pip { pep503(&name) } else { name.clone() };
        let idx = *by_id
            .entry((pip, key_name, version.clone()))
            .or_insert_with(|| {
                let eco = if pip {
                    Ecosystem::PyPI
                } else {
                    Ecosystem::Conda
                };
                let mut c = Component::library(eco, &name, Some(&version), origin.clone());
                c.dev = p.optional.unwrap_or(false);
                components.push(c);
                components.len() - 1
            });
        let Some(c) = components.get_mut(idx) else {
            continue;
        };
        for (alg, v) in p.hash.iter().flatten() {
            if let Some(h) = Hash::new(alg, &v.0)
                && !c.hashes.contains(&h)
            {
                c.hashes.push(h);
            }
        }
        entries.push(Entry {
            pip,
            platform: p.platform.map(|t| t.0).unwrap_or_default(),
            purl: c.dep_ref(),
            deps: p
                .dependencies
                .map(|d| d.into_keys().collect())
                .unwrap_or_default(),
            idx,
        });
    }
    // (platform, pip?, name) exact, then (platform, pep503 name) for either manager.
    let mut exact: HashMap<(&str, bool, &str), &str> = HashMap::new();
    let mut loose: HashMap<(&str, String), Vec<(bool, &str)>> = HashMap::new();
    for (e, c) in entries
        .iter()
        .filter_map(|e| Some((e, components.get(e.idx)?)))
    {
        exact
            .entry((&e.platform, e.pip, c.name.as_str()))
            .or_insert(&e.purl);
        loose
            .entry((&e.platform, pep503(&c.name)))
            .or_default()
            .push((e.pip, &e.purl));
    }
    let mut edges: Vec<BTreeSet<String>> = vec![BTreeSet::new(); components.len()];
    for e in &entries {
        for d in &e.deps {
            let target = exact
                .get(&(e.platform.as_str(), e.pip, d.as_str()))
                .copied()
                .or_else(|| {
                    let cands = loose.get(&(e.platform.as_str(), pep503(d)))?;
                    cands
                        .iter()
                        .find(|(pip, _)| *pip == e.pip)
                        .or_else(|| cands.first())
                        .map(|(_, p)| *p)
                });
            if let (Some(t), Some(set)) = (target, edges.get_mut(e.idx))
                && t != e.purl
            {
                set.insert(t.to_owned());
            }
        }
    }
    for (c, set) in components.iter_mut().zip(edges) {
        c.depends_on = set.into_iter().collect();
    }
    Ok(components)
}

/// The purl a conda package would have (used by tests and callers that build edges).
pub fn conda_purl(name: &str, version: Option<&str>) -> Option<String> {
    purl_for(&Ecosystem::Conda, name, version)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn match_specs() {
        let m = |s| parse_match_spec(s).map(|m| (m.channel, m.name, m.version));
        assert_eq!(
            m("numpy=1.26.4=py311h64a7726_0"),
            Some((None, "numpy", Some("1.26.4")))
        );
        assert_eq!(m("numpy==1.26.4"), Some((None, "numpy", Some("1.26.4"))));
        assert_eq!(m("python>=3.11"), Some((None, "python", None)));
        assert_eq!(m("numpy=1.26.*"), Some((None, "numpy", None)));
        assert_eq!(
            m("conda-forge::pytorch=2.3.1"),
            Some((Some("conda-forge"), "pytorch", Some("2.3.1")))
        );
        assert_eq!(
            m("numpy 1.26.4 py311_0"),
            Some((None, "numpy", Some("1.26.4")))
        );
        assert_eq!(
            m("numpy[version='1.26.4']"),
            Some((None, "numpy", Some("1.26.4")))
        );
        assert_eq!(m("numpy[version='>=1.26']"), Some((None, "numpy", None)));
        assert_eq!(m("_libgcc_mutex"), Some((None, "_libgcc_mutex", None)));
        assert_eq!(m(">=1"), None);
    }

    #[test]
    fn environment() {
        let text = "name: demo\nchannels:\n  - conda-forge\ndependencies:\n  - python>=3.11\n  - numpy=1.26.4=py311h64a7726_0\n  - conda-forge::scipy==1.13.1\n  - pip\n  - pip:\n      - requests==2.32.3\n      - -e .\n      - rich>=13\n";
        let c = parse_environment(text, Path::new("environment.yml"), "environment.yml").unwrap();
        let got: Vec<_> = c
            .iter()
            .map(|c| (c.purl.as_deref().unwrap_or(""), c.origin.line))
            .collect();
        assert_eq!(
            got,
            [
                ("pkg:conda/python", Some(5)),
                ("pkg:conda/numpy@1.26.4", Some(6)),
                ("pkg:conda/scipy@1.13.1", Some(7)),
                ("pkg:conda/pip", Some(8)),
                ("pkg:pypi/requests@2.32.3", Some(10)),
                ("pkg:pypi/rich", Some(12)),
            ]
        );
        assert!(
            parse_environment("", Path::new("e"), "e")
                .unwrap()
                .is_empty()
        );
        let e = parse_environment("dependencies: [\n", Path::new("e.yml"), "e")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("e.yml: not a valid conda environment file (YAML): "),
            "{e}"
        );
        let e = parse_environment("dependencies:\n  - '>=1'\n", Path::new("e.yml"), "e")
            .unwrap_err()
            .to_string();
        assert_eq!(e, "e.yml:2: `>=1` is not a conda match spec");
    }

    #[test]
    fn explicit() {
        let text = "# platform: linux-64\n@EXPLICIT\nhttps://conda.invalid/conda-forge/linux-64/_libgcc_mutex-0.1-conda_forge.tar.bz2#d7c89558ba9fa0495403155b64376d81\nhttps://conda.invalid/conda-forge/noarch/tzdata-2024a-h0c530f3_0.conda#sha256:abcd\n";
        let c = parse_explicit(text, Path::new("x"), "x").unwrap();
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].purl.as_deref(), Some("pkg:conda/_libgcc_mutex@0.1"));
        assert_eq!(c[0].hashes[0].alg, "md5");
        assert_eq!(c[1].purl.as_deref(), Some("pkg:conda/tzdata@2024a"));
        assert_eq!(c[1].sha256().collect::<Vec<_>>(), ["abcd"]);
        assert_eq!(c[1].origin.line, Some(4));
        let e = parse_explicit("@EXPLICIT\nnot a url\n", Path::new("x"), "x")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("x:2: expected a package URL"), "{e}");
        assert!(parse_explicit("numpy\n", Path::new("x"), "x").is_err());
        assert!(is_explicit("# c\n@EXPLICIT\n"));
        assert!(!is_explicit("numpy==1\n@EXPLICIT\n"));
    }

    #[test]
    fn lock_versions_stay_text() {
        let text = "version: 1\npackage:\n- name: a\n  version: 1.10\n  manager: conda\n  platform: linux-64\n  dependencies: {}\n";
        let c = parse_conda_lock(text, Path::new("l"), "l").unwrap();
        assert_eq!(c[0].version.as_deref(), Some("1.10"));
        let e = parse_conda_lock("version: 2\npackage: []\n", Path::new("l"), "l")
            .unwrap_err()
            .to_string();
        assert!(e.contains("version 2 is not supported"), "{e}");
        assert!(parse_conda_lock("a: b\n", Path::new("l"), "l").is_err());
    }
}
