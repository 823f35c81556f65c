//! `pyproject.toml`: the project itself and its direct dependencies.
//!
//! Read: PEP 621 `[project]` (`name`, `version`, `dependencies`, `optional-dependencies`,
//! `license` as a PEP 639 SPDX expression string or a `{text = …}` table, and `License ::`
//! classifiers when no licence is declared), PEP 735 `[dependency-groups]` (with
//! `{include-group = …}`: a missing group, a cycle or nesting deeper than
//! [`MAX_GROUP_DEPTH`] is an error, as PEP 735 says) and Poetry's `[tool.poetry]` (`name`,
//! `version`, `license`, `dependencies` without `python`, `group.<g>.dependencies`, the legacy
//! `dev-dependencies`). `[project]` wins over `[tool.poetry]` for name, version and licence;
//! dependencies are the union of both.
//!
//! The output is at most ONE [`ComponentKind::Project`] component (ecosystem PyPI, a purl
//! with the version when the file states it) whose `depends_on` are the unversioned purls
//! `pkg:pypi/<PEP 503 name>` of every direct dependency, extras, optional and development
//! groups included (the lockfile pins versions; a BOM resolves them). No library components
//! come from a manifest. A file without a project name (only `[tool.*]` settings, a
//! workspace root) gives nothing. `license = {file = …}` names a file this pure parser does
//! not read, so it gives no licence.

use crate::component::{Component, ComponentKind, Ecosystem, Origin, pep503, purl_for};
use crate::error::{Error, Result};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use toml::{Table, Value};

/// How deep `{include-group = …}` references may nest.
pub const MAX_GROUP_DEPTH: usize = 32;

/// The most dependency entries one manifest may list (all tables together).
pub const MAX_DEPENDENCIES: usize = 100_000;

fn toml_err(path: &Path, e: &toml::de::Error, text: &str) -> Error {
    let line = e.span().and_then(|s| {
        let before = text.get(..s.start)?;
        u32::try_from(before.matches('\n').count() + 1).ok()
    });
    Error::parse(path, line, e.message().trim().to_owned())
}

/// The distribution name at the start of a PEP 508 requirement (`requests[socks]>=2 ; …`),
/// or `None` when the string does not start with one.
pub fn requirement_name(req: &str) -> Option<&str> {
    let req = req.trim();
    let end = req
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
        .unwrap_or(req.len());
    let name = req.get(..end)?;
    let ok = name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric());
    ok.then_some(name)
}

/// Licences from trove classifiers: the last segment of each `License :: …` classifier
/// (`License :: OSI Approved :: MIT License` → `MIT License`), as spelled.
pub fn classifier_licenses<'a>(classifiers: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for c in classifiers {
        let parts: Vec<&str> = c.split("::").map(str::trim).collect();
        if parts.first() != Some(&"License") || parts.len() < 2 {
            continue;
        }
        if let Some(last) = parts.last()
            && !last.is_empty()
            && *last != "OSI Approved"
            && !out.iter().any(|o| o == last)
        {
            out.push((*last).to_owned());
        }
    }
    out
}

struct Ctx<'a> {
    path: &'a Path,
    deps: BTreeSet<String>,
}

impl Ctx<'_> {
    fn err(&self, message: String) -> Error {
        Error::parse(self.path, None, message)
    }

    fn add(&mut self, name: &str) -> Result<()> {
        if self.deps.len() >= MAX_DEPENDENCIES {
            return Err(self.err(format!(
                "more than {MAX_DEPENDENCIES} dependencies: not a real manifest"
            )));
        }
        if let Some(p) = purl_for(&Ecosystem::PyPI, name, None) {
            self.deps.insert(p);
        }
        Ok(())
    }

    /// A list of PEP 508 strings at `what`.
    fn pep508_list(&mut self, v: &Value, what: &str) -> Result<()> {
        let Some(items) = v.as_array() else {
            return Err(self.err(format!(
                "`{what}` must be an array of requirement strings, found {}",
                v.type_str()
            )));
        };
        for item in items {
            let Some(s) = item.as_str() else {
                return Err(self.err(format!(
                    "`{what}` holds a {} where a requirement string was expected",
                    item.type_str()
                )));
            };
            if let Some(name) = requirement_name(s) {
                self.add(name)?;
            }
        }
        Ok(())
    }

    /// A Poetry dependency table (`name = "^1.0"` or `name = {version = …}` or a list of those).
    fn poetry_table(&mut self, v: &Value, what: &str) -> Result<()> {
        let Some(t) = v.as_table() else {
            return Err(self.err(format!(
                "`{what}` must be a table of name = constraint, found {}",
                v.type_str()
            )));
        };
        for name in t.keys() {
            if name.eq_ignore_ascii_case("python") {
                continue;
            }
            if requirement_name(name) == Some(name.as_str()) {
                self.add(name)?;
            }
        }
        Ok(())
    }
}

/// `[dependency-groups]` (PEP 735): every group's requirements. Includes are checked (missing
/// groups, cycles and depth are errors) with an explicit stack, never recursion.
fn dependency_groups(groups: &Table, ctx: &mut Ctx<'_>) -> Result<()> {
    let norm: BTreeMap<String, &Value> = groups.iter().map(|(k, v)| (pep503(k), v)).collect();
    let mut done: BTreeSet<String> = BTreeSet::new();
    for (start, _) in norm.iter() {
        if done.contains(start) {
            continue;
        }
        // Depth-first walk of includes; `stack` is the current include path.
        let mut stack: Vec<(String, usize)> = vec![(start.clone(), 0)];
        while let Some((group, next)) = stack.last().cloned() {
            let Some(value) = norm.get(&group) else {
                return Err(ctx.err(format!("dependency group `{group}` does not exist")));
            };
            let Some(items) = value.as_array() else {
                return Err(ctx.err(format!(
                    "dependency group `{group}` must be an array, found {}",
                    value.type_str()
                )));
            };
            let Some(item) = items.get(next) else {
                done.insert(group);
                stack.pop();
                continue;
            };
            if let Some(top) = stack.last_mut() {
                top.1 += 1;
            }
            if let Some(s) = item.as_str() {
                // Each group is walked once (`done`), so each string is read once.
                if let Some(name) = requirement_name(s) {
                    ctx.add(name)?;
                }
                continue;
            }
            let Some(inc) = item
                .as_table()
                .and_then(|t| t.get("include-group"))
                .and_then(Value::as_str)
            else {
                return Err(ctx.err(format!(
                    "dependency group `{group}` holds an entry that is neither a requirement \
                     string nor {{include-group = \"…\"}}"
                )));
            };
            let inc = pep503(inc);
            if stack.iter().any(|(g, _)| *g == inc) {
                let path: Vec<&str> = stack.iter().map(|(g, _)| g.as_str()).collect();
                return Err(ctx.err(format!(
                    "dependency groups include each other in a cycle: {} -> {inc}",
                    path.join(" -> ")
                )));
            }
            if !norm.contains_key(&inc) {
                return Err(ctx.err(format!(
                    "dependency group `{group}` includes `{inc}`, which does not exist"
                )));
            }
            if done.contains(&inc) {
                continue;
            }
            if stack.len() >= MAX_GROUP_DEPTH {
                return Err(ctx.err(format!(
                    "dependency groups include each other more than {MAX_GROUP_DEPTH} levels deep"
                )));
            }
            stack.push((inc, 0));
        }
    }
    Ok(())
}

fn string_at<'a>(t: &'a Table, key: &str) -> Option<&'a str> {
    t.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// PEP 621 / PEP 639 `license`: a string (SPDX expression) or `{text = …}`; `{file = …}` gives nothing.
fn pep621_license(project: &Table) -> Option<String> {
    match project.get("license")? {
        Value::String(s) => Some(s.trim().to_owned()).filter(|s| !s.is_empty()),
        Value::Table(t) => string_at(t, "text").map(str::to_owned),
        _ => None,
    }
}

/// Parse a `pyproject.toml`. `path` is used in errors, `display` in the origin.
pub fn parse_pyproject(text: &str, path: &Path, display: &str) -> Result<Vec<Component>> {
    let doc: Table = toml::from_str(text).map_err(|e| toml_err(path, &e, text))?;
    let project = match doc.get("project") {
        None => None,
        Some(Value::Table(t)) => Some(t),
        Some(v) => {
            return Err(Error::parse(
                path,
                None,
                format!("`[project]` must be a table, found {}", v.type_str()),
            ));
        }
    };
    let poetry = doc
        .get("tool")
        .and_then(Value::as_table)
        .and_then(|t| t.get("poetry"))
        .and_then(Value::as_table);
    let name = project
        .and_then(|p| string_at(p, "name"))
        .or_else(|| poetry.and_then(|p| string_at(p, "name")));
    let Some(name) = name else {
        return Ok(Vec::new());
    };
    let version = project
        .and_then(|p| string_at(p, "version"))
        .or_else(|| poetry.and_then(|p| string_at(p, "version")));
    let mut licenses: Vec<String> = project.and_then(pep621_license).into_iter().collect();
    if licenses.is_empty()
        && let Some(l) = poetry.and_then(|p| string_at(p, "license"))
    {
        licenses.push(l.to_owned());
    }
    if licenses.is_empty() {
        let classifiers = project
            .and_then(|p| p.get("classifiers"))
            .or_else(|| poetry.and_then(|p| p.get("classifiers")))
            .and_then(Value::as_array);
        if let Some(c) = classifiers {
            licenses = classifier_licenses(c.iter().filter_map(Value::as_str));
        }
    }

    let mut ctx = Ctx {
        path,
        deps: BTreeSet::new(),
    };
    if let Some(p) = project {
        if let Some(d) = p.get("dependencies") {
            ctx.pep508_list(d, "project.dependencies")?;
        }
        if let Some(opt) = p.get("optional-dependencies") {
            let Some(t) = opt.as_table() else {
                return Err(ctx.err(format!(
                    "`project.optional-dependencies` must be a table, found {}",
                    opt.type_str()
                )));
            };
            for (extra, list) in t {
                ctx.pep508_list(list, &format!("project.optional-dependencies.{extra}"))?;
            }
        }
    }
    match doc.get("dependency-groups") {
        None => {}
        Some(Value::Table(groups)) => dependency_groups(groups, &mut ctx)?,
        Some(v) => {
            return Err(ctx.err(format!(
                "`[dependency-groups]` must be a table, found {}",
                v.type_str()
            )));
        }
    }
    if let Some(p) = poetry {
        if let Some(d) = p.get("dependencies") {
            ctx.poetry_table(d, "tool.poetry.dependencies")?;
        }
        if let Some(d) = p.get("dev-dependencies") {
            ctx.poetry_table(d, "tool.poetry.dev-dependencies")?;
        }
        if let Some(groups) = p.get("group").and_then(Value::as_table) {
            for (g, body) in groups {
                if let Some(d) = body.as_table().and_then(|b| b.get("dependencies")) {
                    ctx.poetry_table(d, &format!("tool.poetry.group.{g}.dependencies"))?;
                }
            }
        }
    }
    let own = purl_for(&Ecosystem::PyPI, name, None);
    let mut c = Component::library(
        Ecosystem::PyPI,
        name,
        version,
        Origin {
            path: display.to_owned(),
            line: None,
        },
    );
    c.kind = ComponentKind::Project;
    c.licenses = licenses;
    c.depends_on = ctx
        .deps
        .into_iter()
        .filter(|d| Some(d) != own.as_ref())
        .collect();
    Ok(vec![c])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Vec<Component>> {
        parse_pyproject(text, Path::new("pyproject.toml"), "pyproject.toml")
    }

    #[test]
    fn pep621_with_groups() {
        let c = parse(
            r#"
[project]
name = "My_App"
version = "1.2.0"
license = "MIT OR Apache-2.0"
dependencies = ["Requests[socks]>=2.31 ; python_version >= '3.8'", "numpy", "torch @ https://example.invalid/t.whl"]
[project.optional-dependencies]
cli = ["click>=8"]
[dependency-groups]
test = ["pytest", {include-group = "lint"}]
lint = ["ruff==0.5"]
dev = [{include-group = "test"}, "my-app[cli]"]
"#,
        )
        .unwrap();
        assert_eq!(c.len(), 1);
        let p = &c[0];
        assert_eq!(p.kind, ComponentKind::Project);
        assert_eq!(p.name, "My_App");
        assert_eq!(p.purl.as_deref(), Some("pkg:pypi/my-app@1.2.0"));
        assert_eq!(p.licenses, ["MIT OR Apache-2.0"]);
        assert_eq!(
            p.depends_on,
            [
                "pkg:pypi/click",
                "pkg:pypi/numpy",
                "pkg:pypi/pytest",
                "pkg:pypi/requests",
                "pkg:pypi/ruff",
                "pkg:pypi/torch"
            ]
        );
    }

    #[test]
    fn licence_table_and_classifiers() {
        let c = parse("[project]\nname='a'\nlicense={text='BSD-3-Clause'}\n").unwrap();
        assert_eq!(c[0].licenses, ["BSD-3-Clause"]);
        assert_eq!(c[0].purl.as_deref(), Some("pkg:pypi/a"));
        let c = parse("[project]\nname='a'\nlicense={file='LICENSE'}\n").unwrap();
        assert!(c[0].licenses.is_empty());
        let c = parse(
            "[project]\nname='a'\nclassifiers=['License :: OSI Approved :: MIT License', 'Programming Language :: Python']\n",
        )
        .unwrap();
        assert_eq!(c[0].licenses, ["MIT License"]);
    }

    #[test]
    fn poetry() {
        let c = parse(
            r#"
[tool.poetry]
name = "poetry-demo"
version = "0.1.0"
license = "GPL-3.0-only"
[tool.poetry.dependencies]
python = "^3.11"
pendulum = "^3.0"
httpx = {version = "^0.27", extras = ["http2"]}
foo = [{version = "<2", python = "<3.12"}, {version = ">=2", python = ">=3.12"}]
[tool.poetry.dev-dependencies]
black = "*"
[tool.poetry.group.test.dependencies]
pytest = "^8"
"#,
        )
        .unwrap();
        let p = &c[0];
        assert_eq!(p.purl.as_deref(), Some("pkg:pypi/poetry-demo@0.1.0"));
        assert_eq!(p.licenses, ["GPL-3.0-only"]);
        assert_eq!(
            p.depends_on,
            [
                "pkg:pypi/black",
                "pkg:pypi/foo",
                "pkg:pypi/httpx",
                "pkg:pypi/pendulum",
                "pkg:pypi/pytest"
            ]
        );
    }

    #[test]
    fn nameless_and_errors() {
        assert!(
            parse("[tool.ruff]\nline-length = 100\n")
                .unwrap()
                .is_empty()
        );
        assert!(parse("").unwrap().is_empty());
        let e = parse("[project\nname='x'").unwrap_err().to_string();
        assert!(e.starts_with("pyproject.toml:1:"), "{e}");
        let e = parse("[project]\nname='x'\ndependencies='requests'\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("`project.dependencies` must be an array"), "{e}");
        let e = parse("project = 3\n").unwrap_err().to_string();
        assert!(
            e.contains("`[project]` must be a table, found integer"),
            "{e}"
        );
    }

    #[test]
    fn group_cycles_missing_and_depth() {
        let e = parse(
            "[project]\nname='x'\n[dependency-groups]\na=[{include-group='b'}]\nb=[{include-group='c'}]\nc=[{include-group='a'}]\n",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("cycle: a -> b -> c -> a"), "{e}");
        let e = parse("[project]\nname='x'\n[dependency-groups]\na=[{include-group='zz'}]\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("includes `zz`, which does not exist"), "{e}");
        let mut t = String::from("[project]\nname='x'\n[dependency-groups]\n");
        for i in 0..100 {
            t.push_str(&format!("g{i}=['p{i}', {{include-group='g{}'}}]\n", i + 1));
        }
        t.push_str("g100=['last']\n");
        let e = parse(&t).unwrap_err().to_string();
        assert!(e.contains("more than 32 levels deep"), "{e}");
        // A diamond is fine and each group is read once.
        let c = parse(
            "[project]\nname='x'\n[dependency-groups]\na=[{include-group='b'},{include-group='c'}]\nb=[{include-group='d'}]\nc=[{include-group='d'}]\nd=['six']\n",
        )
        .unwrap();
        assert_eq!(c[0].depends_on, ["pkg:pypi/six"]);
    }

    #[test]
    fn names() {
        assert_eq!(requirement_name("requests[socks]>=2"), Some("requests"));
        assert_eq!(
            requirement_name(" zope.interface ; x"),
            Some("zope.interface")
        );
        assert_eq!(requirement_name("-e ."), None);
        assert_eq!(requirement_name("foo-"), None);
    }
}
