//! Scanning one file: recognise what its bytes are, open containers, run the pickle VM on
//! every pickle inside, and turn what the parsers report into findings.
//!
//! Recognition is by content only. Containers nest (a `.tar.gz` holding a zip holding a
//! pickle) up to `Limits::max_archive_depth`; members are read only when their first bytes say
//! they can hold code, so the tensor storage of a PyTorch checkpoint is never read.

use crate::judge;
use crate::npy;
use crate::rules;
use std::io::{BufReader, Cursor, Read, Seek, SeekFrom};
use vouch_archive::{Archive, ContainerKind, EntryKind, Issue, ReadSeek};
use vouch_core::{Finding, Limits};
use vouch_pickle::Trace;

/// Bytes read to recognise a format.
const HEAD: usize = 512;

/// What one file turned out to be.
pub(crate) struct Outcome {
    /// Format label of the top level (`pytorch-zip`, `pickle`, `joblib`, `numpy`, ...).
    pub format: String,
    /// Whether anything vouch understands (a pickle, an array, a model container) was found.
    pub recognised: bool,
    /// Findings.
    pub findings: Vec<Finding>,
    /// What the file is (format, version, tensor counts, ...), for `FileEntry::metadata`.
    pub metadata: serde_json::Map<String, serde_json::Value>,
}

/// State shared while descending through one top-level file.
pub(crate) struct Ctx<'a> {
    path: &'a str,
    limits: &'a Limits,
    findings: Vec<Finding>,
    recognised: bool,
    metadata: serde_json::Map<String, serde_json::Value>,
}

impl<'a> Ctx<'a> {
    pub(crate) fn new(path: &'a str, limits: &'a Limits) -> Self {
        Ctx {
            path,
            limits,
            findings: Vec::new(),
            recognised: false,
            metadata: serde_json::Map::new(),
        }
    }

    /// The file's metadata, filled by the format scanners.
    pub(crate) fn metadata(&mut self) -> &mut serde_json::Map<String, serde_json::Value> {
        &mut self.metadata
    }

    /// The limits in force.
    pub(crate) fn limits(&self) -> &'a Limits {
        self.limits
    }

    /// The top-level file's path as shown in the report.
    pub(crate) fn path(&self) -> &'a str {
        self.path
    }

    pub(crate) fn push(
        &mut self,
        rule: &rules::Rule,
        member: Option<&str>,
        message: String,
    ) -> &mut Finding {
        self.findings.push(
            Finding::new(self.path, rule.code, rule.severity, message)
                .with_member(member.map(str::to_owned)),
        );
        let last = self.findings.len() - 1;
        &mut self.findings[last]
    }

    /// Push a finding at `offset` whose evidence is a JSON object; `null` entries are dropped.
    pub(crate) fn push_at(
        &mut self,
        rule: &rules::Rule,
        member: Option<&str>,
        message: String,
        offset: Option<u64>,
        evidence: serde_json::Value,
    ) {
        let f = self.push(rule, member, message);
        f.location = offset.map(vouch_core::Location::offset);
        if let serde_json::Value::Object(map) = evidence {
            f.evidence = map.into_iter().filter(|(_, v)| !v.is_null()).collect();
        }
    }

    pub(crate) fn finish(self, format: String) -> Outcome {
        Outcome {
            format,
            recognised: self.recognised,
            findings: self.findings,
            metadata: self.metadata,
        }
    }
}

fn join(parent: Option<&str>, name: &str) -> String {
    match parent {
        Some(p) if !p.is_empty() => format!("{p}!/{name}"),
        _ => name.to_owned(),
    }
}

fn read_head(r: &mut dyn ReadSeek) -> std::io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(HEAD);
    Read::take(&mut *r, HEAD as u64).read_to_end(&mut head)?;
    r.seek(SeekFrom::Start(0))?;
    Ok(head)
}

/// How confident the first bytes are that a stream is a pickle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PickleSniff {
    /// `PROTO` 2..5 first: certainly meant as a pickle.
    Strong,
    /// A protocol 0/1 opcode first: confirmed only if the VM finds pickle structure.
    Weak,
    No,
}

pub(crate) fn sniff_pickle(head: &[u8]) -> PickleSniff {
    match head {
        [0x80, p, ..] if *p <= 5 => PickleSniff::Strong,
        [b, ..] if b"(]}cNIJKLSVXUTFGdlt)".contains(b) => PickleSniff::Weak,
        _ => PickleSniff::No,
    }
}

/// A protocol 0/1 candidate is a pickle when the VM saw real pickle structure in it.
fn confirms_weak_pickle(t: &Trace) -> bool {
    let ident = |s: &str| {
        !s.is_empty()
            && s.split('.').all(|p| {
                let mut c = p.chars();
                c.next()
                    .is_some_and(|f| f == '_' || f.is_ascii_alphabetic())
                    && c.all(|x| x == '_' || x.is_ascii_alphanumeric())
            })
    };
    let completed = t.pickles > 1 || (t.pickles == 1 && t.malformed.is_none() && t.limit.is_none());
    completed
        || (!t.globals.is_empty() && t.globals.iter().all(|g| ident(&g.module) && ident(&g.name)))
}

/// Scan one readable stream (a file, a member, a decompressed stream). Returns its format label,
/// or `None` when the bytes are no format vouch knows.
pub(crate) fn scan_reader(
    ctx: &mut Ctx<'_>,
    member: Option<&str>,
    mut r: Box<dyn ReadSeek>,
    depth: usize,
    hint: Hint,
) -> Option<String> {
    let max_depth = ctx.limits.max_archive_depth;
    if depth > max_depth {
        ctx.push(
            &rules::ARCHIVE_TOO_DEEP,
            member,
            format!("containers nested deeper than {max_depth} levels; inner levels not scanned"),
        )
        .evidence
        .insert("limit".into(), (max_depth as u64).into());
        return None;
    }
    let head = match read_head(&mut *r) {
        Ok(h) => h,
        Err(e) => {
            ctx.push(&rules::FILE_UNREADABLE, member, format!("cannot read: {e}"));
            return None;
        }
    };
    if head.starts_with(npy::MAGIC) {
        ctx.recognised = true;
        npy::scan(ctx, member, r);
        return Some("numpy".into());
    }
    if let Some(f) = crate::formats::scan_format(ctx, member, &mut r, &head, depth) {
        ctx.recognised = true;
        return Some(f);
    }
    if let Some(kind) = vouch_archive::sniff(&head) {
        return if kind.is_stream() {
            scan_stream(ctx, member, r, kind, depth)
        } else {
            scan_archive(ctx, member, r, kind, depth)
        };
    }
    let sniff = sniff_pickle(&head);
    if sniff == PickleSniff::No && hint != Hint::Pickle {
        return None;
    }
    let trace = run_pickle(&mut r, ctx.limits, hint);
    if sniff != PickleSniff::Strong && hint != Hint::Pickle && !confirms_weak_pickle(&trace) {
        return None;
    }
    ctx.recognised = true;
    let format = if trace.torch_legacy {
        "pytorch-legacy"
    } else if trace.joblib_arrays > 0
        || trace
            .globals
            .iter()
            .any(|g| g.module.starts_with("joblib."))
    {
        "joblib"
    } else {
        "pickle"
    };
    judge::pickle(ctx, member, &trace);
    Some(format.into())
}

/// What a container's layout says about a member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Hint {
    /// Nothing: recognise by bytes.
    None,
    /// The container's loader unpickles this member whatever its bytes look like.
    Pickle,
    /// Like [`Hint::Pickle`], but only the first two pickles (legacy PyTorch tar `storages`/`tensors`
    /// interleave pickles with raw data).
    PickleHeader,
}

fn run_pickle(r: &mut Box<dyn ReadSeek>, limits: &Limits, hint: Hint) -> Trace {
    let opts = vouch_pickle::Options {
        limits: *limits,
        joblib: true,
        extensions: Vec::new(),
        max_pickles: (hint == Hint::PickleHeader).then_some(2),
        // Arguments are evidence only for callables that get reported.
        render_args: Some(|callable| {
            crate::pickle_policy::classify(callable) != crate::pickle_policy::Verdict::Safe
        }),
    };
    let mut buf = BufReader::with_capacity(64 * 1024, r);
    vouch_pickle::scan(&mut buf, &opts)
}

fn scan_stream(
    ctx: &mut Ctx<'_>,
    member: Option<&str>,
    mut r: Box<dyn ReadSeek>,
    kind: ContainerKind,
    depth: usize,
) -> Option<String> {
    let data =
        match vouch_archive::decompress(kind, &mut r, ctx.limits.max_member_bytes, ctx.limits) {
            Ok(d) => d,
            Err(e) => {
                ctx.push(
                    &rules::FILE_UNREADABLE,
                    member,
                    format!("cannot read the {} stream: {e}", kind.name()),
                );
                return Some(kind.name().into());
            }
        };
    report_issues(ctx, member, &data.issues);
    report_truncation(ctx, member, &data);
    let inner = scan_reader(
        ctx,
        member,
        Box::new(Cursor::new(data.bytes)),
        depth + 1,
        Hint::None,
    );
    Some(match inner {
        Some(f) => format!("{f}+{}", kind.name()),
        None => kind.name().into(),
    })
}

/// Whether a zip member is a tensor storage of a PyTorch checkpoint (`<top>/data/<n>`).
fn is_torch_storage(name: &str) -> bool {
    let mut parts = name.rsplit('/');
    let (Some(last), Some(dir)) = (parts.next(), parts.next()) else {
        return false;
    };
    dir == "data" && !last.is_empty() && last.bytes().all(|b| b.is_ascii_digit())
}

fn scan_archive(
    ctx: &mut Ctx<'_>,
    member: Option<&str>,
    r: Box<dyn ReadSeek>,
    kind: ContainerKind,
    depth: usize,
) -> Option<String> {
    let mut archive = match Archive::open(kind, r, ctx.limits) {
        Ok(a) => a,
        Err(e) => {
            ctx.push(
                &rules::ARCHIVE_CORRUPT,
                member,
                format!("cannot open the {} archive: {e}", kind.name()),
            );
            return Some(kind.name().into());
        }
    };
    report_issues(ctx, member, archive.issues());
    let files: Vec<(usize, String)> = archive
        .entries()
        .iter()
        .filter(|e| e.kind == EntryKind::File && !e.encrypted)
        .map(|e| (e.index, e.name.clone()))
        .collect();
    let torch_zip = kind == ContainerKind::Zip
        && files
            .iter()
            .any(|(_, n)| n == "data.pkl" || n.ends_with("/data.pkl"));
    let torch_tar = kind == ContainerKind::Tar
        && ["pickle", "storages", "tensors"]
            .iter()
            .all(|m| files.iter().any(|(_, n)| n == m));
    let npz = kind == ContainerKind::Zip
        && !files.is_empty()
        && files.iter().all(|(_, n)| n.ends_with(".npy"));
    if torch_zip || torch_tar {
        ctx.recognised = true;
    }
    for (index, name) in files {
        if torch_zip && is_torch_storage(&name) {
            continue; // raw tensor bytes: PyTorch never unpickles them
        }
        let hint = if (torch_zip && name.ends_with(".pkl"))
            || (torch_tar && (name == "pickle" || name == "sys_info"))
        {
            Hint::Pickle
        } else if torch_tar && (name == "storages" || name == "tensors") {
            Hint::PickleHeader
        } else {
            Hint::None
        };
        let full = join(member, &name);
        if hint == Hint::None {
            // Look at the first bytes before reading a whole member.
            let head = match archive.read(index, HEAD as u64) {
                Ok(d) => d.bytes,
                Err(e) => {
                    ctx.push(
                        &rules::ARCHIVE_CORRUPT,
                        Some(&full),
                        format!("cannot read member: {e}"),
                    );
                    continue;
                }
            };
            let interesting = head.starts_with(npy::MAGIC)
                || vouch_archive::sniff(&head).is_some()
                || sniff_pickle(&head) != PickleSniff::No;
            if !interesting {
                continue;
            }
        }
        let data = match archive.read(index, ctx.limits.max_member_bytes) {
            Ok(d) => d,
            Err(e) => {
                ctx.push(
                    &rules::ARCHIVE_CORRUPT,
                    Some(&full),
                    format!("cannot read member: {e}"),
                );
                continue;
            }
        };
        report_issues(ctx, Some(&full), &data.issues);
        report_truncation(ctx, Some(&full), &data);
        scan_reader(
            ctx,
            Some(&full),
            Box::new(Cursor::new(data.bytes)),
            depth + 1,
            hint,
        );
    }
    Some(
        if torch_zip {
            "pytorch-zip"
        } else if torch_tar {
            "pytorch-tar"
        } else if npz {
            "numpy-npz"
        } else {
            kind.name()
        }
        .into(),
    )
}

/// A read cut short by a cap must never pass silently, even when the reader named no issue.
fn report_truncation(ctx: &mut Ctx<'_>, member: Option<&str>, data: &vouch_archive::MemberData) {
    let explained = data.issues.iter().any(|i| {
        matches!(
            i,
            Issue::MemberTooLarge { .. } | Issue::Bomb { .. } | Issue::TotalTooLarge { .. }
        )
    });
    if data.truncated && !explained {
        let limit = ctx.limits.max_member_bytes;
        ctx.push(
            &rules::ARCHIVE_MEMBER_TOO_LARGE,
            member,
            format!("more than {limit} bytes; only the first {limit} were scanned"),
        )
        .evidence
        .insert("limit".into(), limit.into());
    }
}

fn report_issues(ctx: &mut Ctx<'_>, member: Option<&str>, issues: &[Issue]) {
    for issue in issues {
        let at = |name: &str| -> Option<String> {
            if name.is_empty() {
                member.map(str::to_owned)
            } else {
                Some(join(member, name))
            }
        };
        let (rule, msg, m): (&rules::Rule, String, Option<String>) = match issue {
            Issue::PathTraversal { name } => (
                &rules::ARCHIVE_PATH_TRAVERSAL,
                format!("member name {name:?} escapes the extraction directory"),
                at(name),
            ),
            Issue::TooManyEntries { count, limit } => (
                &rules::ARCHIVE_TOO_MANY_ENTRIES,
                format!("archive holds {count} entries; only the first {limit} were scanned"),
                member.map(str::to_owned),
            ),
            Issue::Bomb {
                name,
                size,
                compressed,
                ratio,
            } => (
                &rules::ARCHIVE_BOMB,
                format!(
                    "expands {compressed} bytes to {size} (ratio {ratio}:1): a decompression bomb"
                ),
                at(name),
            ),
            Issue::MemberTooLarge { name, size, limit } => (
                &rules::ARCHIVE_MEMBER_TOO_LARGE,
                format!("{size} bytes; only the first {limit} were scanned"),
                at(name),
            ),
            Issue::DuplicateName { name } => (
                &rules::ARCHIVE_DUPLICATE_NAME,
                format!("member name {name:?} appears more than once"),
                at(name),
            ),
            Issue::Symlink { name, target } => (
                &rules::ARCHIVE_SYMLINK,
                format!("member {name:?} is a link to {target:?}"),
                at(name),
            ),
            Issue::Encrypted { name } => (
                &rules::ARCHIVE_ENCRYPTED,
                "encrypted content cannot be scanned".to_string(),
                at(name),
            ),
            Issue::Corrupt { detail } => (
                &rules::ARCHIVE_CORRUPT,
                detail.clone(),
                member.map(str::to_owned),
            ),
            Issue::TotalTooLarge { limit } => (
                &rules::ARCHIVE_MEMBER_TOO_LARGE,
                format!(
                    "more than {limit} bytes decoded from this file in total; the rest was not scanned"
                ),
                member.map(str::to_owned),
            ),
        };
        ctx.push(rule, m.as_deref(), msg);
    }
}

/// A view of a reader from `start` on, seen as a stream of its own (an `.npy` body).
pub(crate) struct Sub {
    inner: Box<dyn ReadSeek>,
    start: u64,
}

impl Sub {
    pub(crate) fn new(inner: Box<dyn ReadSeek>, start: u64) -> Self {
        Sub { inner, start }
    }
}

impl Read for Sub {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.inner.read(buf)
    }
}

impl Seek for Sub {
    fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
        let abs = match pos {
            SeekFrom::Start(n) => SeekFrom::Start(self.start.saturating_add(n)),
            other => other,
        };
        let at = self.inner.seek(abs)?;
        if at < self.start {
            self.inner.seek(SeekFrom::Start(self.start))?;
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "seek before the start of the stream",
            ));
        }
        Ok(at - self.start)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn torch_storage_names() {
        assert!(is_torch_storage("archive/data/0"));
        assert!(is_torch_storage("my model/data/123"));
        assert!(!is_torch_storage("archive/data.pkl"));
        assert!(!is_torch_storage("archive/data/0.pkl"));
        assert!(!is_torch_storage("data"));
    }

    #[test]
    fn pickle_sniffing() {
        assert_eq!(sniff_pickle(b"\x80\x04\x95"), PickleSniff::Strong);
        assert_eq!(sniff_pickle(b"\x80\x07"), PickleSniff::No);
        assert_eq!(sniff_pickle(b"(dp0\n"), PickleSniff::Weak);
        assert_eq!(sniff_pickle(b"hello"), PickleSniff::No);
    }
}
