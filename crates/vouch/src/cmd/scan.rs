//! `vouch scan`: is this model file safe to load?

use crate::output::{self, Format};
use anyhow::{Context, bail};
use clap::ValueEnum;
use std::path::PathBuf;
use std::process::ExitCode;
use vouch_core::{FileStatus, Limits, ScanReport};
use vouch_scan::{HashMode, ScanOptions};

/// When to hash files.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum HashArg {
    /// Files up to --hash-max bytes (default); bigger files get `sha256: null`.
    Auto,
    /// Every file (reads all tensor bytes of big checkpoints).
    Always,
    /// No file.
    Never,
}

/// Arguments of `vouch scan`.
#[derive(clap::Args)]
#[command(after_help = "\
What is scanned (recognised by content, never by file extension):
  pickle streams (protocols 0-5, several per file), PyTorch zip checkpoints (.bin/.pt/.pth/.ckpt),
  legacy PyTorch files and tar archives, joblib files (plain, zlib, gzip, bz2, xz, lzma, lz4),
  NumPy .npy (object arrays) and .npz, gzip/bz2/xz/lz4-compressed pickles, zip, tar and 7z
  archives nested up to --max-depth levels. Everything else is reported as `skipped`.

Exit status: 0 nothing at or above --fail-on; 1 findings at or above --fail-on;
             2 usage error, missing path or unreadable file.

Examples:
  vouch scan ~/Downloads/model.bin
  vouch scan ./models --format json --output scan.json
  vouch scan . --format sarif --output vouch.sarif --fail-on medium
  vouch rules pickle.dangerous-callable     explain a finding")]
pub struct ScanArgs {
    /// Files or directories to scan.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    #[command(flatten)]
    pub out: output::OutputArgs,

    /// Exit 1 when a finding is at or above this severity (info, low, medium, high, critical,
    /// or `never`).
    #[arg(
        long,
        default_value = "high",
        env = "VOUCH_FAIL_ON",
        value_name = "SEVERITY"
    )]
    pub fail_on: output::FailOn,

    /// Follow symbolic links found inside directories (paths you name are always followed).
    #[arg(long)]
    pub follow_symlinks: bool,

    /// When to compute each file's SHA-256.
    #[arg(long, value_enum, default_value = "auto")]
    pub hash: HashArg,

    /// Largest file hashed with --hash auto, in bytes.
    #[arg(long, default_value_t = 512 << 20, value_name = "BYTES")]
    pub hash_max: u64,

    /// Parallel workers (default: one per core).
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,

    /// Largest pickle stream, archive member or decompressed stream read, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().max_member_bytes)]
    pub max_member_bytes: u64,

    /// Most pickle opcodes executed per stream.
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_opcodes)]
    pub max_opcodes: u64,

    /// Deepest nesting of containers followed (a zip in a tar in a gzip ...).
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_archive_depth)]
    pub max_depth: usize,
}

/// Run `vouch scan`.
pub fn run(args: ScanArgs) -> anyhow::Result<ExitCode> {
    for p in &args.paths {
        if std::fs::symlink_metadata(p).is_err() {
            bail!(
                "path not found: {} (check the spelling, or the current directory)",
                p.display()
            );
        }
    }
    let limits = Limits {
        max_member_bytes: args.max_member_bytes,
        max_pickle_bytes: args.max_member_bytes,
        max_opcodes: args.max_opcodes,
        max_archive_depth: args.max_depth,
        ..Limits::default()
    };
    let opts = ScanOptions {
        limits,
        follow_symlinks: args.follow_symlinks,
        hash: match args.hash {
            HashArg::Auto => HashMode::UpTo(args.hash_max),
            HashArg::Always => HashMode::Always,
            HashArg::Never => HashMode::Never,
        },
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.jobs.unwrap_or(0))
        .build()
        .context("cannot start worker threads")?;
    let bar = output::progress_bar("scanning");
    let results = pool.install(|| {
        vouch_scan::scan_paths(&args.paths, &opts, &|done, total| {
            bar.set_length(total);
            bar.set_position(done);
        })
    });
    bar.finish_and_clear();
    let (files, findings): (Vec<_>, Vec<_>) =
        results.into_iter().map(|r| (r.entry, r.findings)).unzip();
    let report = ScanReport::new(
        env!("CARGO_PKG_VERSION"),
        files,
        findings.into_iter().flatten().collect(),
    );
    let format = args.out.format();
    let text = match format {
        Format::Table => vouch_report::table(&report, output::terminal_width()),
        Format::Json => vouch_report::json(&report),
        Format::Sarif => vouch_report::sarif(&report, &crate::cmd::rules::rule_docs()),
    };
    args.out.write(&text)?;
    if args.fail_on.is_met(report.max_severity()) {
        return Ok(ExitCode::from(1));
    }
    if report.files.iter().any(|f| f.status == FileStatus::Error) {
        if format == Format::Table || args.out.output.is_some() {
            eprintln!("error: some files could not be read; see the `file.unreadable` findings");
        }
        return Ok(ExitCode::from(2));
    }
    Ok(ExitCode::SUCCESS)
}
