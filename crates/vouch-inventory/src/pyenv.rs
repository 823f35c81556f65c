//! An installed Python environment: what a virtualenv, a conda prefix or a `site-packages`
//! directory actually holds, from its `*.dist-info` (and `*.egg-info`) metadata.
//!
//! [`read_python_env`] takes a prefix (`lib/python3*/site-packages`, `lib64/python3*/…`,
//! `Lib/site-packages` are looked for) or a `site-packages` directory itself. Per
//! distribution:
//!
//! * `METADATA` (`PKG-INFO` for eggs), RFC 822 headers only, at most [`MAX_METADATA_BYTES`]
//!   read: `Name`, `Version`, licences (the first of: `License-Expression`; a one-line
//!   `License` other than `UNKNOWN`; the last segment of each `License ::` classifier) and
//!   `Requires-Dist`. A header section longer than the limit skips the distribution with a
//!   warning.
//! * Edges: each `Requires-Dist` whose marker does not mention `extra` becomes an edge to the
//!   installed distribution of that name (its purl, with the installed version). No other
//!   marker is evaluated (a requirement for another platform is still an edge if something
//!   of that name is installed); requirements that are not installed give no edge. For eggs
//!   the unconditional head of `requires.txt` is read.
//! * `RECORD`: only its number of entries is kept ([`Installed::files`]); nothing is
//!   verified. Read up to [`MAX_RECORD_BYTES`].
//! * `direct_url.json` (PEP 610): a distribution installed from a local directory
//!   (`dir_info`, editable or not) is the user's own code, not a registry package: it becomes a
//!   [`ComponentKind::Project`] (never audited). One installed from a VCS or an archive URL
//!   stays a library (the name and version it claims) with a warning saying where it came
//!   from (credentials in the URL are removed).
//!
//! Components are PyPI libraries, sorted by normalised name, then version, then path.
//! Symbolic links to `*.dist-info` entries are not followed; at most [`MAX_ENTRIES`] entries of
//! a `site-packages` directory are looked at.

use crate::Inventory;
use crate::component::{Component, ComponentKind, Ecosystem, Origin, pep503};
use crate::error::{Error, Result};
use crate::pyproject::{classifier_licenses, requirement_name};
use crate::walk::rel;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The most bytes of a `METADATA`/`PKG-INFO` file read (its headers must fit).
pub const MAX_METADATA_BYTES: u64 = 1 << 20;
/// The most bytes of a `RECORD` file read.
pub const MAX_RECORD_BYTES: u64 = 32 << 20;
/// The most bytes of a `direct_url.json` or `requires.txt` read.
pub const MAX_SMALL_FILE_BYTES: u64 = 256 << 10;
/// The most directory entries of one `site-packages` looked at.
pub const MAX_ENTRIES: usize = 200_000;
/// The most header lines of one `METADATA` read.
pub const MAX_HEADERS: usize = 20_000;

/// What a `METADATA` file's headers say.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Metadata {
    /// `Name`.
    pub name: Option<String>,
    /// `Version`.
    pub version: Option<String>,
    /// `License-Expression`, else a one-line `License`, else the licence classifiers.
    pub licenses: Vec<String>,
    /// `Requires-Dist` values, as written.
    pub requires_dist: Vec<String>,
    /// The header section did not end (no blank line) within the text.
    pub unterminated: bool,
}

/// Parse the RFC 822 headers of a `METADATA`/`PKG-INFO` text (the body, a long
/// description, is not read). At most [`MAX_HEADERS`] header lines are read.
pub fn parse_metadata(text: &str) -> Metadata {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut headers: Vec<(String, String)> = Vec::new();
    let mut ended = false;
    for line in text.lines() {
        // Only a truly empty line ends the headers: a continuation line of a multi-line
        // `License:` is made of spaces, and must not cut off the `Requires-Dist` after it.
        if line.is_empty() {
            ended = true;
            break;
        }
        if headers.len() >= MAX_HEADERS {
            break;
        }
        if line.starts_with([' ', '\t']) {
            if let Some((_, v)) = headers.last_mut() {
                v.push('\n');
                v.push_str(line.trim());
            }
            continue;
        }
        if let Some((k, v)) = line.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_owned()));
        }
    }
    let mut m = Metadata {
        unterminated: !ended,
        ..Metadata::default()
    };
    let mut expression = None;
    let mut license = None;
    let mut classifiers = Vec::new();
    for (k, v) in &headers {
        match k.as_str() {
            "name" if m.name.is_none() => m.name = Some(v.clone()).filter(|v| !v.is_empty()),
            "version" if m.version.is_none() => {
                m.version = Some(v.clone()).filter(|v| !v.is_empty());
            }
            "license-expression" if expression.is_none() => {
                expression = Some(v.clone()).filter(|v| !v.is_empty());
            }
            "license" if license.is_none() => {
                license = Some(v.clone()).filter(|v| {
                    !v.is_empty() && !v.contains('\n') && v.len() <= 100 && v != "UNKNOWN"
                });
            }
            "classifier" => classifiers.push(v.as_str()),
            "requires-dist" => m.requires_dist.push(v.clone()),
            _ => {}
        }
    }
    m.licenses = match (expression, license) {
        (Some(e), _) => vec![e],
        (None, Some(l)) => vec![l],
        (None, None) => classifier_licenses(classifiers),
    };
    m
}

/// Whether a requirement applies only with an extra (`… ; extra == "socks"`).
fn needs_extra(req: &str) -> bool {
    req.split_once(';').is_some_and(|(_, marker)| {
        let m: String = marker.chars().filter(|c| !c.is_whitespace()).collect();
        m.contains("extra==")
            || m.contains("==extra")
            || m.contains("\"extra\"")
            || m.contains("'extra'")
    })
}

/// Where a distribution came from, per its `direct_url.json` (PEP 610).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DirectUrl {
    /// A local directory (`dir_info`).
    Dir {
        /// `pip install -e`.
        editable: bool,
        /// The URL, without credentials.
        url: String,
    },
    /// A version-control checkout (`vcs_info`).
    Vcs {
        /// The URL, without credentials.
        url: String,
        /// The commit.
        commit: Option<String>,
    },
    /// An archive (`archive_info`), local or remote.
    Archive {
        /// The URL, without credentials.
        url: String,
    },
}

/// `scheme://user:secret@host/…` → `scheme://host/…`.
fn strip_credentials(url: &str) -> String {
    let url: String = url.chars().take(500).collect();
    if let Some((scheme, rest)) = url.split_once("://") {
        let (auth, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        if let Some((_, host)) = auth.rsplit_once('@') {
            return format!("{scheme}://{host}{path}");
        }
    }
    url
}

/// Parse a `direct_url.json`; `None` when it is not one.
pub fn parse_direct_url(text: &str) -> Option<DirectUrl> {
    let v: serde_json::Value = serde_json::from_str(text).ok()?;
    let url = strip_credentials(v.get("url")?.as_str()?);
    if let Some(d) = v.get("dir_info") {
        let editable = d.get("editable").and_then(serde_json::Value::as_bool) == Some(true);
        return Some(DirectUrl::Dir { editable, url });
    }
    if let Some(d) = v.get("vcs_info") {
        let commit = d
            .get("commit_id")
            .and_then(serde_json::Value::as_str)
            .map(|s| s.chars().take(100).collect());
        return Some(DirectUrl::Vcs { url, commit });
    }
    v.get("archive_info").map(|_| DirectUrl::Archive { url })
}

/// One installed distribution.
#[derive(Debug, Clone, PartialEq)]
pub struct Installed {
    /// The component (edges already resolved).
    pub component: Component,
    /// Entries in `RECORD`, when it was read.
    pub files: Option<usize>,
    /// Its `direct_url.json`, if any.
    pub direct_url: Option<DirectUrl>,
}

fn read_capped(path: &Path, limit: u64) -> std::io::Result<(String, bool)> {
    let f = std::fs::File::open(path)?;
    let mut buf = Vec::new();
    f.take(limit + 1).read_to_end(&mut buf)?;
    let over = buf.len() as u64 > limit;
    buf.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    Ok((String::from_utf8_lossy(&buf).into_owned(), over))
}

/// The `site-packages` directories of a prefix, or the directory itself when it is one.
pub fn site_packages(dir: &Path) -> Result<Vec<PathBuf>> {
    let io = |e| Error::Io {
        path: dir.to_path_buf(),
        source: e,
    };
    let meta = std::fs::metadata(dir).map_err(io)?;
    if !meta.is_dir() {
        return Err(Error::parse(
            dir,
            None,
            "not a directory: give a virtualenv, a conda prefix or a site-packages directory",
        ));
    }
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let holds_dists = std::fs::read_dir(dir)
        .map_err(io)?
        .filter_map(std::result::Result::ok)
        .take(MAX_ENTRIES)
        .any(|e| e.file_name().to_string_lossy().ends_with(".dist-info"));
    if name == "site-packages" || name == "dist-packages" || holds_dists {
        return Ok(vec![dir.to_path_buf()]);
    }
    let mut found: Vec<PathBuf> = Vec::new();
    for lib in ["lib", "lib64"] {
        let Ok(rd) = std::fs::read_dir(dir.join(lib)) else {
            continue;
        };
        let mut pys: Vec<_> = rd
            .filter_map(std::result::Result::ok)
            .take(MAX_ENTRIES)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("python3") || n == "python")
            .collect();
        pys.sort();
        for p in pys {
            let sp = dir.join(lib).join(p).join("site-packages");
            if sp.is_dir() {
                found.push(sp);
            }
        }
    }
    let win = dir.join("Lib").join("site-packages");
    if win.is_dir() {
        found.push(win);
    }
    // lib64 is often a link to lib (and Lib is lib on case-insensitive file systems).
    let mut seen = std::collections::HashSet::new();
    found.retain(|p| seen.insert(std::fs::canonicalize(p).unwrap_or_else(|_| p.clone())));
    if found.is_empty() {
        return Err(Error::parse(
            dir,
            None,
            "no site-packages here: expected lib/python3.*/site-packages, Lib/site-packages, \
             or a site-packages directory holding *.dist-info",
        ));
    }
    Ok(found)
}

/// A distribution read, before edges are resolved.
struct Raw {
    installed: Installed,
    requires: Vec<String>,
}

/// Read one `*.dist-info` or `*.egg-info` (directory or file).
fn read_dist(
    root: &Path,
    entry: &Path,
    is_dir: bool,
    warnings: &mut Vec<String>,
) -> Option<(Raw, String)> {
    let egg = entry
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("egg-info"));
    let meta_path = match (is_dir, egg) {
        (true, false) => entry.join("METADATA"),
        (true, true) => entry.join("PKG-INFO"),
        (false, _) => entry.to_path_buf(),
    };
    let shown = rel(root, &meta_path);
    let (text, over) = match read_capped(&meta_path, MAX_METADATA_BYTES) {
        Ok(t) => t,
        Err(e) => {
            warnings.push(format!("{shown}: cannot read: {e}"));
            return None;
        }
    };
    let md = parse_metadata(&text);
    if over && md.unterminated {
        warnings.push(format!(
            "{shown}: headers longer than {MAX_METADATA_BYTES} bytes: distribution skipped"
        ));
        return None;
    }
    let Some(name) = md.name.clone() else {
        warnings.push(format!("{shown}: no Name header: distribution skipped"));
        return None;
    };
    let mut requires: Vec<String> = md
        .requires_dist
        .iter()
        .filter(|r| !needs_extra(r))
        .filter_map(|r| requirement_name(r))
        .map(pep503)
        .collect();
    let mut files = None;
    let mut direct_url = None;
    if is_dir && !egg {
        let record = entry.join("RECORD");
        if record.is_file() {
            match read_capped(&record, MAX_RECORD_BYTES) {
                Ok((_, true)) => warnings.push(format!(
                    "{}: over {MAX_RECORD_BYTES} bytes: file count not kept",
                    rel(root, &record)
                )),
                Ok((t, false)) => files = Some(t.lines().filter(|l| !l.trim().is_empty()).count()),
                Err(e) => warnings.push(format!("{}: cannot read: {e}", rel(root, &record))),
            }
        }
        let du = entry.join("direct_url.json");
        if du.is_file() {
            match read_capped(&du, MAX_SMALL_FILE_BYTES) {
                Ok((t, false)) => direct_url = parse_direct_url(&t),
                Ok((_, true)) => {
                    warnings.push(format!(
                        "{}: over {MAX_SMALL_FILE_BYTES} bytes: ignored",
                        rel(root, &du)
                    ));
                }
                Err(e) => warnings.push(format!("{}: cannot read: {e}", rel(root, &du))),
            }
            if direct_url.is_none() {
                warnings.push(format!(
                    "{}: not a PEP 610 direct URL record",
                    rel(root, &du)
                ));
            }
        }
    } else if is_dir
        && egg
        && let Ok((t, false)) = read_capped(&entry.join("requires.txt"), MAX_SMALL_FILE_BYTES)
    {
        requires.extend(
            t.lines()
                .map(str::trim)
                .take_while(|l| !l.starts_with('['))
                .filter_map(requirement_name)
                .map(pep503),
        );
    }
    let mut c = Component::library(
        Ecosystem::PyPI,
        &name,
        md.version.as_deref(),
        Origin {
            path: shown.clone(),
            line: None,
        },
    );
    c.licenses = md.licenses;
    match &direct_url {
        Some(DirectUrl::Dir { .. }) => c.kind = ComponentKind::Project,
        Some(DirectUrl::Vcs { url, .. } | DirectUrl::Archive { url }) => warnings.push(format!(
            "{shown}: {name} was installed from {url}, not from a package index: its purl names \
             the PyPI release of the same version"
        )),
        None => {}
    }
    Some((
        Raw {
            installed: Installed {
                component: c,
                files,
                direct_url,
            },
            requires,
        },
        shown,
    ))
}

/// Read every distribution of one `site-packages` directory; paths are shown relative to
/// `root`. Edges are not resolved yet.
fn read_dir_dists(
    root: &Path,
    sp: &Path,
    out: &mut Vec<(Raw, String)>,
    warnings: &mut Vec<String>,
) -> Result<()> {
    let rd = std::fs::read_dir(sp).map_err(|e| Error::Io {
        path: sp.to_path_buf(),
        source: e,
    })?;
    let mut entries: Vec<(PathBuf, bool)> = Vec::new();
    for (i, e) in rd.filter_map(std::result::Result::ok).enumerate() {
        if i >= MAX_ENTRIES {
            warnings.push(format!(
                "{}: more than {MAX_ENTRIES} entries: the rest not read",
                rel(root, sp)
            ));
            break;
        }
        let n = e.file_name().to_string_lossy().to_ascii_lowercase();
        if !(n.ends_with(".dist-info") || n.ends_with(".egg-info")) {
            continue;
        }
        // Symbolic links are not followed.
        let Ok(ft) = e.file_type() else { continue };
        if ft.is_dir() || ft.is_file() {
            entries.push((e.path(), ft.is_dir()));
        }
    }
    entries.sort();
    for (p, is_dir) in entries {
        out.extend(read_dist(root, &p, is_dir, warnings));
    }
    Ok(())
}

/// Read an installed environment with [`RECORD`](Installed::files) counts and PEP 610 origins.
pub fn read_installed(dir: &Path) -> Result<(Vec<Installed>, Vec<String>, Vec<String>)> {
    let mut raws = Vec::new();
    let mut warnings = Vec::new();
    for sp in site_packages(dir)? {
        read_dir_dists(dir, &sp, &mut raws, &mut warnings)?;
    }
    raws.sort_by(|(a, pa), (b, pb)| {
        let ka = (
            pep503(&a.installed.component.name),
            &a.installed.component.version,
            pa,
        );
        let kb = (
            pep503(&b.installed.component.name),
            &b.installed.component.version,
            pb,
        );
        ka.cmp(&kb)
    });
    // name → the first installed distribution's purl (sorted order, so deterministic).
    let mut by_name: BTreeMap<String, String> = BTreeMap::new();
    for (r, _) in &raws {
        let c = &r.installed.component;
        by_name
            .entry(pep503(&c.name))
            .or_insert_with(|| c.dep_ref());
    }
    let mut out = Vec::with_capacity(raws.len());
    let mut inputs = Vec::with_capacity(raws.len());
    for (mut r, shown) in raws {
        let me = r.installed.component.dep_ref();
        let mut deps: Vec<String> = r
            .requires
            .iter()
            .filter_map(|n| by_name.get(n))
            .filter(|p| **p != me)
            .cloned()
            .collect();
        deps.sort();
        deps.dedup();
        r.installed.component.depends_on = deps;
        out.push(r.installed);
        inputs.push(shown);
    }
    Ok((out, inputs, warnings))
}

/// Read an installed Python environment (a virtualenv, a conda prefix, or a
/// `site-packages` directory): one component per installed distribution, with licences and
/// dependency edges; `inputs` are the metadata files read.
pub fn read_python_env(dir: &Path) -> Result<Inventory> {
    let (installed, inputs, warnings) = read_installed(dir)?;
    Ok(Inventory {
        components: installed.into_iter().map(|i| i.component).collect(),
        inputs,
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whitespace_continuation_lines_do_not_end_the_headers() {
        let m = parse_metadata(
            "Metadata-Version: 2.1\nName: scipy\nVersion: 1.17.1\nLicense: Copyright (c) 2001\n        \n        All rights reserved.\nRequires-Dist: numpy<2.7,>=1.25.2\n\nbody\nRequires-Dist: not-a-header\n",
        );
        assert_eq!(m.requires_dist, ["numpy<2.7,>=1.25.2"]);
        assert_eq!(m.version.as_deref(), Some("1.17.1"));
    }

    #[test]
    fn metadata_headers() {
        let m = parse_metadata(
            "Metadata-Version: 2.1\nName: requests\nVersion: 2.32.3\nLicense: Apache-2.0\n\
             Classifier: License :: OSI Approved :: Apache Software License\n\
             Requires-Dist: idna <4,>=2.5\nRequires-Dist: PySocks !=1.5.7 ; extra == 'socks'\n\nName: body\n",
        );
        assert_eq!(m.name.as_deref(), Some("requests"));
        assert_eq!(m.version.as_deref(), Some("2.32.3"));
        assert_eq!(m.licenses, ["Apache-2.0"]);
        assert_eq!(m.requires_dist.len(), 2);
        assert!(!m.unterminated);
        // A multi-line License is licence text: classifiers are used instead.
        let m = parse_metadata(
            "Name: x\nLicense: Copyright (c) 2020\n        Permission is hereby granted\nClassifier: License :: OSI Approved :: MIT License\n",
        );
        assert_eq!(m.licenses, ["MIT License"]);
        assert!(m.unterminated);
        let m = parse_metadata("Name: x\nLicense-Expression: MIT\nLicense: BSD\n\n");
        assert_eq!(m.licenses, ["MIT"]);
        assert_eq!(
            parse_metadata("garbage\0\u{1}"),
            Metadata {
                unterminated: true,
                ..Metadata::default()
            }
        );
    }

    #[test]
    fn extras_and_credentials() {
        assert!(needs_extra("a ; extra == 'x'"));
        assert!(needs_extra(
            "b; (python_version < '3.14') and extra == \"zstd\""
        ));
        assert!(!needs_extra("c ; python_version < '3.8'"));
        assert_eq!(
            strip_credentials("git+https://user:tok@example.invalid/r.git"),
            "git+https://example.invalid/r.git"
        );
        assert_eq!(
            parse_direct_url(r#"{"url":"file:///src/x","dir_info":{"editable":true}}"#),
            Some(DirectUrl::Dir {
                editable: true,
                url: "file:///src/x".into()
            })
        );
        assert_eq!(parse_direct_url("[]"), None);
    }

    #[test]
    fn egg_info_and_limits() {
        let t = tempfile::tempdir().unwrap();
        let sp = t.path().join("site-packages");
        std::fs::create_dir_all(sp.join("old-1.0-py3.11.egg-info")).unwrap();
        std::fs::write(
            sp.join("old-1.0-py3.11.egg-info/PKG-INFO"),
            "Name: old\nVersion: 1.0\n\n",
        )
        .unwrap();
        std::fs::write(
            sp.join("old-1.0-py3.11.egg-info/requires.txt"),
            "six\n[test]\npytest\n",
        )
        .unwrap();
        std::fs::write(
            sp.join("six-1.16.0.egg-info"),
            "Name: six\nVersion: 1.16.0\nLicense: MIT\n",
        )
        .unwrap();
        std::fs::create_dir_all(sp.join("huge-1.dist-info")).unwrap();
        let mut big = String::from("Name: huge\n");
        while big.len() as u64 <= MAX_METADATA_BYTES {
            big.push_str("Classifier: Topic :: Software Development\n");
        }
        std::fs::write(sp.join("huge-1.dist-info/METADATA"), big).unwrap();
        let inv = read_python_env(&sp).unwrap();
        let got: Vec<_> = inv
            .components
            .iter()
            .map(|c| (c.purl.as_deref().unwrap_or(""), c.depends_on.clone()))
            .collect();
        assert_eq!(
            got,
            [
                ("pkg:pypi/old@1.0", vec!["pkg:pypi/six@1.16.0".to_owned()]),
                ("pkg:pypi/six@1.16.0", vec![]),
            ]
        );
        assert_eq!(inv.warnings.len(), 1, "{:?}", inv.warnings);
        assert!(
            inv.warnings[0].contains("huge-1.dist-info/METADATA: headers longer than"),
            "{:?}",
            inv.warnings
        );
        let e = read_python_env(t.path()).unwrap_err().to_string();
        assert!(e.contains("no site-packages here"), "{e}");
    }
}
