//! `vouch audit`: which known vulnerabilities and AI advisories affect what this project runs?
//!
//! Wiring only: the inventory comes from `vouch-inventory`, matching and rendering from
//! `vouch-osv`. Offline by default (the local advisory database); `--online` adds the OSV API.

use crate::output::{self, FailOn, Format, OutputArgs};
use anyhow::{Context, bail};
use clap::ValueEnum;
use sha2::{Digest, Sha256};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use vouch_core::Severity;
use vouch_inventory::{Component, ComponentKind, WalkOptions};
use vouch_osv::{
    AdvisorySource, AuditOptions, Database, DbLocation, Ecosystem, Location, Lookup, Query,
};

/// The default ignore file, looked for in the audited directory, then the current one.
pub const IGNORE_FILE: &str = "vouch-ignore.toml";

/// Output formats of `vouch audit`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum AuditFormat {
    /// A table grouped by package, with the smallest upgrade (the default on a terminal).
    Table,
    /// The `vouch.audit/v1` JSON report (the default when piped).
    Json,
    /// SARIF 2.1.0, each finding located at its lockfile line.
    Sarif,
    /// A CycloneDX 1.6 VEX document (affected components and their vulnerabilities).
    Cyclonedx,
}

/// Arguments of `vouch audit`.
#[derive(clap::Args)]
#[command(after_help = "\
INPUT is a project directory (walked for requirements*.txt, uv.lock, poetry.lock, pdm.lock,
Pipfile.lock, Cargo.lock, package-lock.json, *.cdx.json / *.spdx.json BOMs, model and dataset
files, Hugging Face caches), one of those files, or any CycloneDX (1.4-1.6) or SPDX 2.3 JSON BOM.

The advisory database is local: fill it once with `vouch db import` (OSV exports, pypa's and
GitHub's advisory databases, vouch's AI advisory feed), or point --db at a directory or zip of
OSV files. Nothing leaves the machine unless --online is given; then package names and versions
(never paths or digests) are sent to the OSV API (VOUCH_OSV_URL).

Advisories without any score count as --unscored (default high) for --fail-on. Accepted
advisories go in vouch-ignore.toml, each with a reason and optionally an expiry:
  [[ignore]]
  id = \"PYSEC-2021-98\"
  reason = \"admindocs is not enabled\"
  expires = \"2026-06-30\"
An entry that matched nothing, or has expired, is reported.

Exit status: 0 nothing at or above --fail-on; 1 findings at or above --fail-on;
             2 usage error, unreadable input or database.

Examples:
  vouch db import ~/osv/PyPI.zip              once, then:
  vouch audit .                               audit a project directory
  vouch audit requirements.txt --format json --output audit.json
  vouch audit bom.cdx.json --fail-on critical
  vouch audit uv.lock --db ./advisories/      a directory or zip of OSV files, indexed and cached
  vouch audit . --online                      also ask the OSV API
  vouch audit . --format cyclonedx -o vex.json    CycloneDX VEX")]
pub struct AuditArgs {
    /// Project directories, lockfiles or BOMs to audit.
    #[arg(value_name = "INPUT", default_value = ".")]
    pub inputs: Vec<PathBuf>,

    /// The advisory database: a directory made by `vouch db import`, or directly a directory
    /// or zip of OSV files (indexed on first use, then cached) [default: the user data
    /// directory, e.g. ~/.local/share/vouch/advisories].
    #[arg(long, env = "VOUCH_DB", value_name = "PATH")]
    pub db: Option<PathBuf>,

    /// Output format [default: table on a terminal, json otherwise].
    #[arg(long, short = 'f', value_enum, env = "VOUCH_FORMAT")]
    pub format: Option<AuditFormat>,

    /// Write the output to this file (atomically) instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Exit 1 when a finding is at or above this severity (info, low, medium, high, critical,
    /// or `never`).
    #[arg(
        long,
        default_value = "high",
        env = "VOUCH_FAIL_ON",
        value_name = "SEVERITY"
    )]
    pub fail_on: FailOn,

    /// The severity that advisories without any CVSS score or database rating count as for
    /// --fail-on (informational notices always count as info).
    #[arg(long, default_value = "high", value_name = "SEVERITY")]
    pub unscored: Severity,

    /// The ignore file [default: vouch-ignore.toml in the audited directory or the current one].
    #[arg(long, env = "VOUCH_AUDIT_IGNORE", value_name = "FILE")]
    pub ignore_file: Option<PathBuf>,

    /// Also ask the OSV API (querybatch, then each record); fails if it cannot be reached.
    #[arg(long)]
    pub online: bool,

    /// Base URL of the OSV API for --online.
    #[arg(long, env = "VOUCH_OSV_URL", value_name = "URL", default_value = vouch_osv::online::DEFAULT_OSV_URL)]
    pub osv_url: String,

    /// Leave out development-only dependencies (marked in poetry.lock, Pipfile.lock, package-lock.json).
    #[arg(long)]
    pub no_dev: bool,

    /// Do not hash model and dataset files found in directories (no digest matching).
    #[arg(long)]
    pub no_model_digests: bool,

    /// Leave timestamps out of the output (CycloneDX), for byte-identical reruns.
    #[arg(long)]
    pub reproducible: bool,
}

/// Run `vouch audit`.
pub fn run(args: AuditArgs) -> anyhow::Result<ExitCode> {
    for p in &args.inputs {
        if std::fs::metadata(p).is_err() {
            bail!(
                "input not found: {} (give a project directory, a lockfile or a BOM)",
                p.display()
            );
        }
    }
    // Inventory.
    let walk = WalkOptions {
        hash_models: !args.no_model_digests,
        ..WalkOptions::default()
    };
    let mut queries = Vec::new();
    for input in &args.inputs {
        let inv = vouch_inventory::read_path(input, &walk)
            .with_context(|| format!("cannot audit {}", input.display()))?;
        for w in &inv.warnings {
            eprintln!("warning: {w}");
        }
        let prefix = if input.is_dir() && input != Path::new(".") {
            Some(input.as_path())
        } else {
            None
        };
        queries.extend(
            inv.components
                .into_iter()
                .filter(|c| c.kind != ComponentKind::Project && !(args.no_dev && c.dev))
                .map(|c| to_query(c, prefix)),
        );
    }

    // Ignore file.
    let ignore_path = match &args.ignore_file {
        Some(p) => Some(p.clone()),
        None => args
            .inputs
            .iter()
            .filter(|p| p.is_dir())
            .map(|d| d.join(IGNORE_FILE))
            .chain(std::iter::once(PathBuf::from(IGNORE_FILE)))
            .find(|p| p.is_file()),
    };
    let ignores = match &ignore_path {
        Some(p) => vouch_osv::read_ignore_file(p)?,
        None => Vec::new(),
    };

    // Advisories: the local database, then the API.
    let cache_dir = match std::env::var_os("VOUCH_CACHE_DIR") {
        Some(d) => PathBuf::from(d),
        None => vouch_osv::default_cache_dir()?,
    };
    let location = vouch_osv::resolve(args.db.as_deref(), &cache_dir)?;
    let db = open_database(&location, args.online)?;
    let reader = db.as_ref().map(Database::reader).transpose()?;
    if let (Some(d), DbLocation::Database(_)) = (&db, &location) {
        warn_if_stale(d);
    }
    let online = if args.online {
        let client = vouch_osv::online::OsvClient::new(&args.osv_url);
        // The API's answers are keyed by query index: de-duplicate (and so sort) first, as
        // `audit` does; de-duplicating again keeps that order.
        let deduped = vouch_osv::audit::dedup_queries(queries.clone());
        let r = client.query(&deduped)?;
        queries = deduped;
        Some(r)
    } else {
        None
    };
    let mut sources: Vec<AdvisorySource<'_>> = Vec::new();
    if let Some(r) = &reader {
        sources.push(AdvisorySource {
            lookup: r as &dyn Lookup,
            claims: None,
        });
    }
    if let Some(o) = &online {
        sources.push(AdvisorySource {
            lookup: &o.index,
            claims: Some(&o.claims),
        });
    }
    let opts = AuditOptions {
        unscored: args.unscored,
        ignores,
        tool_version: env!("CARGO_PKG_VERSION").to_owned(),
        ..AuditOptions::default()
    };
    let report = vouch_osv::audit(queries, &sources, &opts)?;

    // Output.
    let plain = OutputArgs {
        format: match args.format {
            Some(AuditFormat::Table) => Some(Format::Table),
            Some(AuditFormat::Sarif) => Some(Format::Sarif),
            Some(AuditFormat::Json | AuditFormat::Cyclonedx) => Some(Format::Json),
            None => None,
        },
        output: args.output.clone(),
    };
    let format = match (args.format, plain.format()) {
        (Some(f), _) => f,
        (None, Format::Table) => AuditFormat::Table,
        (None, _) => AuditFormat::Json,
    };
    let text = match format {
        AuditFormat::Table => vouch_osv::render::table(&report, output::terminal_width()),
        AuditFormat::Json => vouch_osv::render::json(&report),
        AuditFormat::Sarif => vouch_osv::render::sarif(&report),
        AuditFormat::Cyclonedx => {
            let json = vouch_osv::render::json(&report);
            let serial = uuid_from(&Sha256::digest(json.as_bytes()));
            let ts =
                (!args.reproducible).then(|| vouch_osv::time::rfc3339(vouch_osv::time::now_unix()));
            vouch_osv::render::cyclonedx_vex(&report, &serial, ts.as_deref())
        }
    };
    plain.write(&text)?;
    if format != AuditFormat::Table || args.output.is_some() {
        for s in &report.stale_ignores {
            let file = ignore_path
                .as_deref()
                .map_or_else(|| IGNORE_FILE.to_owned(), |p| p.display().to_string());
            match s.problem {
                "expired" => eprintln!(
                    "warning: {file}: ignore entry #{} ({}) expired on {}; it no longer suppresses anything",
                    s.entry.index,
                    s.entry.id,
                    s.entry.expires.as_deref().unwrap_or("?")
                ),
                _ => eprintln!(
                    "warning: {file}: ignore entry #{} ({}) matched nothing; delete it or fix the id",
                    s.entry.index, s.entry.id
                ),
            }
        }
    }
    if args.fail_on.is_met(report.max_severity()) {
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

/// A component as the matcher sees it; its origin is made relative to the current directory.
fn to_query(c: Component, prefix: Option<&Path>) -> Query {
    let path = match prefix {
        Some(p) => p.join(&c.origin.path).to_string_lossy().replace('\\', "/"),
        None => c.origin.path.clone(),
    };
    let path = path.strip_prefix("./").map(str::to_owned).unwrap_or(path);
    let sha256 = c.sha256().map(str::to_owned).collect();
    let ecosystem = c.ecosystem.as_ref().map(|e| Ecosystem::parse(e.as_str()));
    // A file found by the directory walk is named by its path (relative to the current
    // directory); a file listed in a BOM keeps the BOM's name.
    let name = if c.ecosystem.is_none() && c.name == c.origin.path {
        path.clone()
    } else {
        c.name.clone()
    };
    Query {
        ecosystem,
        name,
        version: c.version,
        sha256,
        format: c.format,
        locations: vec![Location {
            path,
            line: c.origin.line,
        }],
    }
}

/// Open (or index, for a source) the database. `None` when there is none and `--online` was
/// given.
fn open_database(location: &DbLocation, online: bool) -> anyhow::Result<Option<Database>> {
    match location {
        DbLocation::Database(file) => {
            if !file.is_file() {
                if online {
                    return Ok(None);
                }
                let dir = file.parent().unwrap_or(file);
                bail!(
                    "no advisory database at {}: import advisories first with `vouch db import SOURCE` \
                     (an OSV export zip, pypa/advisory-database's vulns/, github/advisory-database's advisories/), \
                     point --db at a directory or zip of OSV files, or use --online",
                    dir.display()
                );
            }
            Ok(Some(Database::open(file)?))
        }
        DbLocation::Source { source, cache } => {
            let mut db = Database::create(cache)?;
            let bar = output::progress_bar("indexing advisories");
            let summary = db.import(source, &|done, total| {
                bar.set_length(total);
                bar.set_position(done);
            })?;
            bar.finish_and_clear();
            if summary.parsed > 0 && std::io::stderr().is_terminal() {
                eprintln!(
                    "indexed {} advisory file(s) from {} ({} unchanged)",
                    summary.parsed,
                    source.display(),
                    summary.unchanged
                );
            }
            if summary.files == 0 {
                bail!(
                    "{} holds no OSV advisory files (.json, .yaml): is it the right --db?",
                    source.display()
                );
            }
            Ok(Some(db))
        }
    }
}

/// Warn when the newest import is more than 30 days old.
fn warn_if_stale(db: &Database) {
    let Ok(status) = db.status() else { return };
    let newest = status.sources.iter().map(|s| s.imported_at).max();
    if let Some(t) = newest {
        let age = vouch_osv::time::now_unix() - t;
        if age > 30 * 86_400 {
            eprintln!(
                "warning: the advisory database was last imported {} ago; re-run `vouch db import` to refresh it",
                vouch_osv::time::age(age)
            );
        }
    }
}

/// A version-4-shaped UUID URN from a digest (deterministic, so identical reports get the
/// same serial number).
fn uuid_from(d: &[u8]) -> String {
    let mut b = [0u8; 16];
    for (o, i) in b.iter_mut().zip(d) {
        *o = *i;
    }
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!(
        "urn:uuid:{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}
