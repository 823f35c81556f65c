//! `vouch bom`: an AI bill of materials in CycloneDX 1.6 or SPDX 3.0.1. Wiring only: the
//! inventory and rendering live in `vouch-bom`.

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
    /// SPDX 3.0.1 JSON-LD (Core, Software, AI and Dataset profiles).
    Spdx,
}

/// Arguments of `vouch bom`.
#[derive(clap::Args)]
#[command(after_help = "\
What goes in:
  libraries  lockfiles and manifests found in PATH (requirements*.txt, pyproject.toml, uv.lock,
             poetry.lock, pdm.lock, Pipfile.lock, environment.yml, conda lock files,
             Cargo.lock, package-lock.json), installed environments (--python-env), and
             other tools' BOMs (CycloneDX 1.4-1.6, SPDX 2.3/3.0 JSON), with dependency edges
  models     one component per model directory (weights + config.json / model card /
             adapter_config.json, or a Hugging Face cache snapshot, whose repo id and revision
             become the purl pkg:huggingface/org/name@rev) or per loose weight file: formats,
             SHA-256 per file, tensors, parameters, dtypes, quantisation, architecture, card
             (licence, base model, datasets, metrics), training configuration
             (training_args.json, trainer_state.json, hparams.yaml, ...)
  datasets   directories with a dataset card, or holding parquet/arrow/csv/tsv/jsonl files:
             files, hashes, sizes, row counts and schema where cheap, card licence and tasks
Warnings (unreadable files, links leaving PATH, broken lockfiles) go to stderr; the BOM is
still written. Exit status: 0 written, 2 usage or I/O error.

Examples:
  vouch bom .                                   CycloneDX 1.6 on stdout
  vouch bom . --format spdx --output bom.spdx.json
  vouch bom . --python-env .venv                add what is installed in .venv
  vouch bom ~/.cache/huggingface/hub            every cached model and dataset
  vouch bom . --reproducible                    no timestamp; serial number from the content")]
pub struct BomArgs {
    /// Project directory, lockfile, manifest or BOM (converted), or one model or data file.
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

    /// Also inventory an installed Python environment (a virtualenv, a prefix or a
    /// site-packages directory): its `*.dist-info` METADATA and RECORD. Repeatable.
    #[arg(long, value_name = "DIR")]
    pub python_env: Vec<PathBuf>,

    /// Do not print warnings on stderr.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// Run `vouch bom`.
pub fn run(args: BomArgs) -> anyhow::Result<ExitCode> {
    if std::fs::symlink_metadata(&args.path).is_err() {
        bail!(
            "path not found: {} (check the spelling, or the current directory)",
            args.path.display()
        );
    }
    for env in &args.python_env {
        if !env.is_dir() {
            bail!(
                "--python-env {}: not a directory (give a virtualenv, a prefix or a site-packages directory)",
                env.display()
            );
        }
    }
    let opts = vouch_bom::Options {
        python_envs: args.python_env.clone(),
        ..vouch_bom::Options::default()
    };
    let bar = crate::output::progress_bar("bom");
    let progress = |p: vouch_bom::Progress| match p {
        vouch_bom::Progress::Start { files, .. } => bar.set_length(files),
        vouch_bom::Progress::File { .. } => bar.inc(1),
    };
    let built = vouch_bom::build_with(&args.path, &opts, &progress);
    bar.finish_and_clear();
    let bom = built.with_context(|| format!("cannot inventory {}", args.path.display()))?;
    if !args.quiet {
        for w in &bom.warnings {
            eprintln!("warning: {w}");
        }
    }
    let doc = match args.format {
        BomFormat::Cyclonedx => vouch_bom::to_cyclonedx(&bom, args.reproducible),
        BomFormat::Spdx => vouch_bom::to_spdx3(&bom, args.reproducible),
    };
    match &args.output {
        None => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            serde_json::to_writer_pretty(&mut out, &doc)?;
            out.write_all(b"\n")?;
            out.flush()?;
        }
        Some(path) => {
            let mut text = serde_json::to_string_pretty(&doc)?;
            text.push('\n');
            let out = crate::output::OutputArgs {
                format: None,
                output: Some(path.clone()),
            };
            out.write(&text)?;
        }
    }
    // The process ends here: freeing a 10,000-package BOM's trees one by one only costs time
    // (about a tenth of the run); the operating system takes the memory back at once.
    std::mem::forget(doc);
    std::mem::forget(bom);
    Ok(ExitCode::SUCCESS)
}
