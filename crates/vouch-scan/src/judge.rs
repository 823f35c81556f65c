//! Turning a pickle [`Trace`] into findings: the only place where pickle facts get severities.

use crate::engine::Ctx;
use crate::pickle_policy::{Verdict, classify};
use crate::rules;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use vouch_pickle::Trace;

/// One grouped finding under construction: the first occurrence plus a count.
struct Group {
    offset: u64,
    count: u64,
    args: Vec<String>,
    via: Vec<String>,
    how: &'static str,
    reason: Option<&'static str>,
}

fn kind_name(kind: vouch_pickle::CallKind) -> &'static str {
    use vouch_pickle::CallKind::*;
    match kind {
        Reduce => "REDUCE",
        NewObj => "NEWOBJ",
        NewObjEx => "NEWOBJ_EX",
        Inst => "INST",
        Obj => "OBJ",
        BuildSetstate => "BUILD (__setstate__)",
        Wrapped => "wrapper call",
    }
}

/// Canonical dotted path used to compare calls and imports (`posix.system` == `os.system`).
fn canon(path: &str) -> String {
    let (module, name) = path.rsplit_once('.').unwrap_or(("", path));
    let module = crate::pickle_policy::canonical_module(module);
    if module.is_empty() {
        name.to_owned()
    } else {
        format!("{module}.{name}")
    }
}

/// Judge one pickle stream's trace.
pub(crate) fn pickle(ctx: &mut Ctx<'_>, member: Option<&str>, t: &Trace) {
    let mut invoked: BTreeMap<(String, &'static str), (Group, &'static rules::Rule)> =
        BTreeMap::new();
    let mut called = BTreeSet::new();
    // Real checkpoints call the same few callables thousands of times: classify each once.
    let mut verdicts: HashMap<&str, (String, Verdict)> = HashMap::new();
    for call in &t.calls {
        let (path, verdict) = verdicts
            .entry(call.callable.as_str())
            .or_insert_with(|| {
                let path = canon(&call.callable);
                let verdict = classify(&path);
                (path, verdict)
            })
            .clone();
        called.insert(path.clone());
        if path.starts_with("copyreg-extension.") {
            continue; // reported by pickle.extension-code
        }
        let (rule, reason) = match verdict {
            Verdict::Safe => continue,
            Verdict::Dangerous(reason) => (&rules::PICKLE_DANGEROUS_CALLABLE, Some(reason)),
            Verdict::Unknown => (&rules::PICKLE_UNKNOWN_CALLABLE, None),
        };
        invoked
            .entry((path, rule.code))
            .and_modify(|(g, _)| g.count += 1)
            .or_insert((
                Group {
                    offset: call.offset,
                    count: 1,
                    args: call.args.clone(),
                    via: call.via.clone(),
                    how: kind_name(call.kind),
                    reason,
                },
                rule,
            ));
    }
    let mut referenced: BTreeMap<(String, &'static str), (Group, &'static rules::Rule)> =
        BTreeMap::new();
    for g in &t.globals {
        let path = canon(&g.path());
        if called.contains(&path) {
            continue;
        }
        let (rule, reason) = match classify(&path) {
            Verdict::Safe => continue,
            Verdict::Dangerous(reason) => (&rules::PICKLE_DANGEROUS_IMPORT, Some(reason)),
            Verdict::Unknown => (&rules::PICKLE_UNKNOWN_IMPORT, None),
        };
        referenced
            .entry((path, rule.code))
            .and_modify(|(x, _)| x.count += 1)
            .or_insert((
                Group {
                    offset: g.offset,
                    count: 1,
                    args: Vec::new(),
                    via: Vec::new(),
                    how: "import",
                    reason,
                },
                rule,
            ));
    }
    for ((path, _), (g, rule)) in invoked.into_iter().chain(referenced) {
        let message = match (rule.code, g.reason) {
            ("pickle.dangerous-callable", Some(r)) => format!("calls {path} when loaded: {r}"),
            ("pickle.dangerous-import", Some(r)) => {
                format!("imports {path} ({r}) without a visible call")
            }
            ("pickle.unknown-callable", _) => {
                format!("calls {path}, which is not on the allow list")
            }
            _ => format!("imports {path}, which is not on the allow list"),
        };
        let f = ctx.push(rule, member, message);
        f.location = Some(vouch_core::Location::offset(g.offset));
        f.evidence.insert("callable".into(), path.into());
        if rule.code.ends_with("callable") {
            f.evidence.insert("args".into(), json!(g.args));
            f.evidence.insert("opcode".into(), g.how.into());
        }
        if !g.via.is_empty() {
            f.evidence.insert("via".into(), json!(g.via));
        }
        if let Some(r) = g.reason {
            f.evidence.insert("reason".into(), r.into());
        }
        if g.count > 1 {
            f.evidence.insert("count".into(), g.count.into());
        }
    }
    if !t.extensions.is_empty() {
        let codes: Vec<i64> = t.extensions.iter().map(|(c, _)| *c).collect();
        let offset = t.extensions.first().map(|(_, o)| *o);
        let f = ctx.push(
            &rules::PICKLE_EXTENSION_CODE,
            member,
            format!("uses copyreg extension codes {codes:?}, which hide the names they import"),
        );
        f.location = offset.map(vouch_core::Location::offset);
        f.evidence.insert("codes".into(), json!(codes));
    }
    if let Some(m) = &t.malformed {
        let f = ctx.push(
            &rules::PICKLE_MALFORMED,
            member,
            format!(
                "broken pickle: {} (pickle #{} of the stream)",
                m.detail,
                m.pickle + 1
            ),
        );
        f.location = Some(vouch_core::Location::offset(m.offset));
        f.evidence.insert("detail".into(), m.detail.clone().into());
    }
    if let Some(l) = &t.limit {
        let f = ctx.push(
            &rules::PICKLE_LIMIT_EXCEEDED,
            member,
            format!(
                "stopped at limit {} = {}; the rest of the stream was not scanned",
                l.limit, l.value
            ),
        );
        f.location = Some(vouch_core::Location::offset(l.offset));
        f.evidence.insert("limit".into(), l.limit.into());
        f.evidence.insert("value".into(), l.value.into());
    }
    if let Some(off) = t.trailing_data {
        let f = ctx.push(
            &rules::PICKLE_TRAILING_DATA,
            member,
            "non-pickle bytes follow the last pickle".to_string(),
        );
        f.location = Some(vouch_core::Location::offset(off));
    }
}
