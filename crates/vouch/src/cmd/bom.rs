//! `vouch bom`: an AI bill of materials (a first slice of issue 4; see the README).

use anyhow::{Context, bail};
use clap::ValueEnum;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// BOM formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum BomFormat {
    /// CycloneDX 1.6 JSON (ML-BOM).
    Cyclonedx,
    /// SPDX 3.0.1 JSON-LD (AI and Dataset profiles; schema-valid, profile rules incomplete).
    Spdx,
}

/// Arguments of `vouch bom`.
#[derive(clap::Args)]
#[command(after_help = "\
Libraries come from lockfiles and BOMs (requirements*.txt, uv.lock, poetry.lock, pdm.lock,
Pipfile.lock, Cargo.lock, package-lock.json, CycloneDX/SPDX 2.3 JSON); models from every file
`vouch scan` recognises (format, size, SHA-256, format metadata, model card, config.json);
datasets from csv/tsv/jsonl/parquet/arrow/tfrecord files and their cards.

Examples:
  vouch bom .                                   CycloneDX 1.6 on stdout
  vouch bom . --format spdx --output bom.spdx.json
  vouch bom . --reproducible                    no timestamp; serial number from the content")]
pub struct BomArgs {
    /// Project directory, lockfile or BOM to inventory.
    #[arg(default_value = ".", value_name = "PATH")]
    pub path: PathBuf,

    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value = "cyclonedx")]
    pub format: BomFormat,

    /// Write the BOM to this file (atomically) instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Leave out timestamps; derive serial numbers from the content (byte-identical reruns).
    #[arg(long)]
    pub reproducible: bool,
}

/// Run `vouch bom`.
pub fn run(args: BomArgs) -> anyhow::Result<ExitCode> {
    if std::fs::symlink_metadata(&args.path).is_err() {
        bail!(
            "path not found: {} (check the spelling, or the current directory)",
            args.path.display()
        );
    }
    let bom = vouch_bom::build(&args.path)
        .with_context(|| format!("cannot inventory {}", args.path.display()))?;
    let doc = match args.format {
        BomFormat::Cyclonedx => vouch_bom::to_cyclonedx(&bom, args.reproducible),
        BomFormat::Spdx => vouch_bom::to_spdx3(&bom, args.reproducible),
    };
    let mut text = serde_json::to_string_pretty(&doc)?;
    text.push('\n');
    match &args.output {
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())?;
            out.flush()?;
        }
        Some(path) => {
            let out = crate::output::OutputArgs {
                format: None,
                output: Some(path.clone()),
            };
            out.write(&text)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
