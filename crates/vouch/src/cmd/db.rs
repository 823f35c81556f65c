//! `vouch db`: the local advisory database `vouch audit` reads (import, status).

use crate::output;
use anyhow::bail;
use clap::{Subcommand, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;
use vouch_osv::{Database, DbLocation, ImportSummary};

/// Arguments of `vouch db`.
#[derive(clap::Args)]
#[command(after_help = "\
The database is one file (advisories.redb) in the user data directory (on Linux
~/.local/share/vouch/advisories), or wherever --db / VOUCH_DB says.

Examples:
  vouch db import ~/Downloads/PyPI.zip               an OSV export (osv-vulnerabilities bucket)
  vouch db import advisory-database/vulns            pypa/advisory-database (YAML)
  vouch db import advisory-database/advisories       github/advisory-database
  vouch db import docs/ai-advisories.sample          vouch's AI advisory feed
  vouch db import ~/Downloads/PyPI.zip               again later: only changed files are read
  vouch db status")]
pub struct DbArgs {
    #[command(subcommand)]
    pub command: DbCommand,
}

/// `vouch db` subcommands.
#[derive(Subcommand)]
pub enum DbCommand {
    /// Import OSV advisories (JSON or YAML) from directories or zip archives; re-importing
    /// the same source reads only what changed and drops what was deleted.
    Import(ImportArgs),
    /// Show the database's sources, advisory counts and age.
    Status(StatusArgs),
}

/// The database location, shared by the subcommands.
#[derive(clap::Args)]
pub struct DbPath {
    /// The database directory (or .redb file) [default: the user data directory].
    #[arg(long, env = "VOUCH_DB", value_name = "PATH")]
    pub db: Option<PathBuf>,
}

/// Arguments of `vouch db import`.
#[derive(clap::Args)]
pub struct ImportArgs {
    /// Directories or .zip files of OSV advisories (any layout: files are found recursively).
    #[arg(required = true, value_name = "SOURCE")]
    pub sources: Vec<PathBuf>,

    #[command(flatten)]
    pub db: DbPath,

    /// List every remark (ranges vouch cannot evaluate, malformed digests) and every file
    /// that failed to parse.
    #[arg(long, short = 'v')]
    pub verbose: bool,
}

/// Output format of `vouch db status`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum StatusFormat {
    /// For people.
    Table,
    /// Machine-readable.
    Json,
}

/// Arguments of `vouch db status`.
#[derive(clap::Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub db: DbPath,

    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value = "table")]
    pub format: StatusFormat,
}

/// Run `vouch db`.
pub fn run(args: DbArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        DbCommand::Import(a) => import(a),
        DbCommand::Status(a) => status(a),
    }
}

fn db_file(p: &DbPath) -> anyhow::Result<PathBuf> {
    // A database argument here is always a database (never a source to index).
    let cache = std::env::temp_dir();
    match vouch_osv::resolve(p.db.as_deref(), &cache)? {
        DbLocation::Database(f) => Ok(f),
        DbLocation::Source { source, .. } => bail!(
            "--db {} holds advisory files, not a vouch database: import them with \
             `vouch db import {}` (into the default database) or `vouch db import --db NEW_DIR {}`",
            source.display(),
            source.display(),
            source.display()
        ),
    }
}

fn import(args: ImportArgs) -> anyhow::Result<ExitCode> {
    for s in &args.sources {
        if std::fs::metadata(s).is_err() {
            bail!(
                "source not found: {} (give a directory or a .zip of OSV advisories)",
                s.display()
            );
        }
    }
    let file = db_file(&args.db)?;
    let mut db = Database::create(&file)?;
    let mut failed_everything = false;
    for source in &args.sources {
        let bar = output::progress_bar("importing");
        let started = std::time::Instant::now();
        let s = db.import(source, &|done, total| {
            bar.set_length(total);
            bar.set_position(done);
        })?;
        bar.finish_and_clear();
        report_import(source, &s, started.elapsed(), args.verbose);
        if s.files == 0 {
            eprintln!(
                "warning: {} holds no .json/.yaml advisory files",
                source.display()
            );
            failed_everything = true;
        } else if s.parsed > 0 && s.errors.len() as u64 >= s.parsed {
            failed_everything = true;
        }
    }
    let st = db.status()?;
    println!(
        "database {}: {} advisories for {} packages and {} file digests",
        st.path, st.advisories, st.packages, st.digests
    );
    if failed_everything {
        return Ok(ExitCode::from(2));
    }
    Ok(ExitCode::SUCCESS)
}

fn report_import(
    source: &std::path::Path,
    s: &ImportSummary,
    took: std::time::Duration,
    verbose: bool,
) {
    let info = s.source.as_ref();
    println!(
        "imported {} ({}): {} files, {} parsed, {} unchanged, {} removed; {} advisories written in {:.2}s",
        source.display(),
        info.map_or("?", |i| i.layout.as_str()),
        s.files,
        s.parsed,
        s.unchanged,
        s.removed,
        s.advisories_written,
        took.as_secs_f64()
    );
    let show = |what: &str, items: &[String]| {
        if items.is_empty() {
            return;
        }
        let limit = if verbose { usize::MAX } else { 5 };
        eprintln!("{} {what}:", items.len());
        for i in items.iter().take(limit) {
            eprintln!("  {i}");
        }
        if items.len() > limit {
            eprintln!(
                "  … and {} more (--verbose lists them all)",
                items.len() - limit
            );
        }
    };
    show("file(s) could not be parsed and were skipped", &s.errors);
    show("remark(s)", &s.notes);
}

fn status(args: StatusArgs) -> anyhow::Result<ExitCode> {
    let file = db_file(&args.db)?;
    let db = Database::open(&file)?;
    let st = db.status()?;
    if args.format == StatusFormat::Json {
        let mut v = serde_json::to_value(&st)?;
        v["schema"] = "vouch.db-status/v1".into();
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(ExitCode::SUCCESS);
    }
    let now = vouch_osv::time::now_unix();
    println!("database: {}", st.path);
    println!(
        "size: {:.1} MB; {} advisories, {} packages, {} file digests",
        st.size as f64 / 1e6,
        st.advisories,
        st.packages,
        st.digests
    );
    if st.sources.is_empty() {
        println!("no sources imported yet: run `vouch db import SOURCE`");
    }
    for s in &st.sources {
        println!("\nsource: {} ({}, {})", s.path, s.kind, s.layout);
        println!(
            "  imported: {} ({} ago)",
            vouch_osv::time::rfc3339(s.imported_at),
            vouch_osv::time::age(now - s.imported_at)
        );
        println!(
            "  {} files, {} advisories ({} withdrawn, never reported), {} unparsable files",
            s.files, s.advisories, s.withdrawn, s.errors
        );
        let ecos: Vec<String> = s
            .ecosystems
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect();
        println!("  ecosystems: {}", ecos.join(", "));
        if let Some(m) = &s.newest_modified {
            println!("  newest advisory modified: {m}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
