//! The `vouch` command line: argument parsing, exit codes and wiring; no analysis lives here.
//!
//! Exit codes: `0` nothing at or above `--fail-on`; `1` findings at or above it (or a failed
//! verification); `2` usage, I/O or input errors. A closed stdout (`vouch scan | head`) is not an error.

mod cmd;
mod output;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// vouch: can I trust this model, dataset or library?
///
/// Scans model files for code that runs on load, without ever loading them.
#[derive(Parser)]
#[command(name = "vouch", version, about, long_about = None, propagate_version = true)]
#[command(
    after_help = "Examples:\n  vouch scan ./models                 scan every file under ./models\n  vouch scan model.bin --format json  machine-readable report (schema vouch.scan/v1)\n  vouch rules                         list every rule code\n  vouch rules pickle.dangerous-callable   explain one rule"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Scan model files and directories for malicious or unsafe content, without loading them.
    Scan(cmd::scan::ScanArgs),
    /// List every rule vouch can report, or explain one.
    Rules(cmd::rules::RulesArgs),
    /// Check libraries, models and datasets against known vulnerabilities and AI advisories, offline.
    Audit(cmd::audit::AuditArgs),
    /// Manage the local advisory database `vouch audit` reads (import OSV advisories, status).
    Db(cmd::db::DbArgs),
    /// Write an AI bill of materials (CycloneDX 1.6 or SPDX 3.0.1): libraries, models, datasets.
    Bom(cmd::bom::BomArgs),
    /// Sign a model (OpenSSF model-signing bundle) with a private key or certificate.
    Sign(cmd::sign::SignArgs),
    /// Verify a model's signature, and optionally its provenance attestations.
    Verify(cmd::sign::VerifyArgs),
    /// Create DSSE-signed in-toto attestations (SLSA provenance of a training run, datasets).
    Attest(cmd::sign::AttestArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Scan(args) => cmd::scan::run(args),
        Command::Rules(args) => cmd::rules::run(args),
        Command::Audit(args) => cmd::audit::run(args),
        Command::Db(args) => cmd::db::run(args),
        Command::Bom(args) => cmd::bom::run(args),
        Command::Sign(args) => cmd::sign::run_sign(args),
        Command::Verify(args) => cmd::sign::run_verify(args),
        Command::Attest(args) => cmd::sign::run_attest(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            if output::is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            eprintln!("error: {err}");
            for cause in err.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            ExitCode::from(2)
        }
    }
}
