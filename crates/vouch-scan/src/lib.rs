//! Scanning model files: recognise formats by their bytes, parse them with the format crates,
//! and judge what the parsers found against the rule catalog.
//!
//! The door is small: [`scan_paths`] (files and directories, in parallel) and [`scan_file`]
//! (one file). Parsers describe, this crate judges: severities and allow/deny lists live here
//! ([`rules`], [`pickle_policy`]), never in the format crates.

#![warn(missing_docs)]

mod engine;
mod formats;
mod judge;
mod npy;
pub mod pickle_policy;
pub mod rules;
pub mod walk;

use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};
use vouch_core::{FileEntry, FileStatus, Finding, Limits};

/// Files up to this size are read into memory once and scanned from there.
const SMALL_FILE: u64 = 8 << 20;

/// When to compute a file's SHA-256 (it reads the whole file, tensors included).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashMode {
    /// Files up to this many bytes; bigger ones get `sha256: null` so that scanning a huge
    /// checkpoint costs only its pickles.
    UpTo(u64),
    /// Every file.
    Always,
    /// None.
    Never,
}

/// Options of a scan.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Resource limits for every parser.
    pub limits: Limits,
    /// Follow symbolic links met while walking directories.
    pub follow_symlinks: bool,
    /// Hashing policy.
    pub hash: HashMode,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            limits: Limits::default(),
            follow_symlinks: false,
            hash: HashMode::UpTo(512 << 20),
        }
    }
}

/// The result for one file.
#[derive(Debug, Clone)]
pub struct FileResult {
    /// What the file is.
    pub entry: FileEntry,
    /// What is wrong with it.
    pub findings: Vec<Finding>,
}

/// Scan one regular file; `display` is the path shown in the report.
pub fn scan_file(path: &Path, display: &str, opts: &ScanOptions) -> FileResult {
    let unreadable = |e: std::io::Error, size: u64| FileResult {
        entry: FileEntry {
            path: display.to_owned(),
            format: "unknown".into(),
            sha256: None,
            size,
            status: FileStatus::Error,
            metadata: Default::default(),
        },
        findings: vec![Finding::new(
            display,
            rules::FILE_UNREADABLE.code,
            rules::FILE_UNREADABLE.severity,
            format!("cannot read {display}: {e}"),
        )],
    };
    let mut file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) => return unreadable(e, 0),
    };
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let want_hash = match opts.hash {
        HashMode::Never => false,
        HashMode::UpTo(max) => size <= max,
        HashMode::Always => true,
    };
    let mut ctx = engine::Ctx::new(display, &opts.limits);
    let (format, sha256) = if size <= SMALL_FILE {
        // Small files: one read serves both the hash and the scan.
        let mut data = Vec::with_capacity(size as usize);
        if let Err(e) = file.read_to_end(&mut data) {
            return unreadable(e, size);
        }
        let sha256 = want_hash.then(|| hex::encode(Sha256::digest(&data)));
        let reader = Box::new(std::io::Cursor::new(data));
        (
            engine::scan_reader(&mut ctx, None, reader, 0, engine::Hint::None),
            sha256,
        )
    } else {
        let format = engine::scan_reader(&mut ctx, None, Box::new(file), 0, engine::Hint::None);
        let sha256 = if want_hash {
            match sha256_file(path) {
                Ok(h) => Some(h),
                Err(e) => return unreadable(e, size),
            }
        } else {
            None
        };
        (format, sha256)
    };
    let outcome = ctx.finish(format.unwrap_or_else(|| "unknown".into()));
    let status = if outcome
        .findings
        .iter()
        .any(|f| f.rule == rules::FILE_UNREADABLE.code)
    {
        FileStatus::Error
    } else if outcome.recognised || !outcome.findings.is_empty() {
        FileStatus::Scanned
    } else {
        FileStatus::Skipped
    };
    FileResult {
        entry: FileEntry {
            path: display.to_owned(),
            format: outcome.format,
            sha256,
            size,
            status,
            metadata: outcome.metadata,
        },
        findings: outcome.findings,
    }
}

/// Scan files and directories in parallel. `progress` is called once per file scanned, with
/// the number done and the total.
pub fn scan_paths(
    paths: &[PathBuf],
    opts: &ScanOptions,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Vec<FileResult> {
    let inputs = walk::collect(paths, opts.follow_symlinks);
    let total = inputs.len() as u64;
    let done = std::sync::atomic::AtomicU64::new(0);
    inputs
        .into_par_iter()
        .map(|input| {
            let r = match input {
                walk::Input::File { path, display } => scan_file(&path, &display, opts),
                walk::Input::Symlink { display, target } => FileResult {
                    entry: FileEntry {
                        path: display,
                        format: "symlink".into(),
                        sha256: None,
                        size: 0,
                        status: FileStatus::Skipped,
                        metadata: Default::default(),
                    },
                    findings: {
                        let _ = target;
                        Vec::new()
                    },
                },
                walk::Input::Unreadable { display, reason } => FileResult {
                    findings: vec![Finding::new(
                        display.clone(),
                        rules::FILE_UNREADABLE.code,
                        rules::FILE_UNREADABLE.severity,
                        format!("cannot read {display}: {reason}"),
                    )],
                    entry: FileEntry {
                        path: display,
                        format: "unknown".into(),
                        sha256: None,
                        size: 0,
                        status: FileStatus::Error,
                        metadata: Default::default(),
                    },
                },
            };
            let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            progress(n, total);
            r
        })
        .collect()
}

/// SHA-256 of a file, lowercase hex.
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex::encode(h.finalize()))
}

/// Scan bytes held in memory, as if they were a file called `display` (for fuzzing and tests).
pub fn scan_bytes(data: &[u8], display: &str, limits: &Limits) -> (String, Vec<Finding>) {
    let mut ctx = engine::Ctx::new(display, limits);
    let format = engine::scan_reader(
        &mut ctx,
        None,
        Box::new(std::io::Cursor::new(data.to_vec())),
        0,
        engine::Hint::None,
    );
    let outcome = ctx.finish(format.unwrap_or_else(|| "unknown".into()));
    (outcome.format, outcome.findings)
}
