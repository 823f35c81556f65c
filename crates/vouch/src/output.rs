//! Output plumbing shared by subcommands: format choice, atomic `--output`, `--fail-on`,
//! progress bars and broken pipes.

use anyhow::Context;
use clap::ValueEnum;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::str::FromStr;
use vouch_core::Severity;

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A table for people (the default on a terminal).
    Table,
    /// Machine-readable JSON (the default when piped); `vouch.scan/v1` for scans.
    Json,
    /// SARIF 2.1.0 for code-scanning dashboards.
    Sarif,
}

/// `--format` and `--output`.
#[derive(clap::Args)]
pub struct OutputArgs {
    /// Output format [default: table on a terminal, json otherwise].
    #[arg(long, short = 'f', value_enum, env = "VOUCH_FORMAT")]
    pub format: Option<Format>,

    /// Write the output to this file (atomically) instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

impl OutputArgs {
    /// The chosen format.
    pub fn format(&self) -> Format {
        self.format.unwrap_or_else(|| {
            if self.output.is_none() && std::io::stdout().is_terminal() {
                Format::Table
            } else {
                Format::Json
            }
        })
    }

    /// Write to `--output` atomically (temporary file in the same directory, then rename), or to stdout.
    pub fn write(&self, text: &str) -> anyhow::Result<()> {
        match &self.output {
            None => {
                let mut out = std::io::stdout().lock();
                out.write_all(text.as_bytes())?;
                out.flush()?;
                Ok(())
            }
            Some(path) => {
                let dir = match path.parent() {
                    Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
                    _ => PathBuf::from("."),
                };
                let mut tmp = tempfile::NamedTempFile::new_in(&dir).with_context(|| {
                    format!(
                        "cannot create a file in {} (does the directory exist?)",
                        dir.display()
                    )
                })?;
                tmp.write_all(text.as_bytes())?;
                tmp.as_file().sync_all()?;
                tmp.persist(path)
                    .with_context(|| format!("cannot write {}", path.display()))?;
                Ok(())
            }
        }
    }
}

/// `--fail-on`: a severity, or `never`.
#[derive(Clone, Copy, Debug)]
pub struct FailOn(Option<Severity>);

impl FromStr for FailOn {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.eq_ignore_ascii_case("never") || s.eq_ignore_ascii_case("none") {
            return Ok(FailOn(None));
        }
        s.parse::<Severity>()
            .map(|s| FailOn(Some(s)))
            .map_err(|e| format!("{e}, or never"))
    }
}

impl FailOn {
    /// Whether the worst finding reaches the threshold.
    pub fn is_met(self, worst: Option<Severity>) -> bool {
        matches!((self.0, worst), (Some(t), Some(w)) if w >= t)
    }
}

/// A progress bar on stderr, drawn only when stderr is a terminal.
pub fn progress_bar(what: &str) -> ProgressBar {
    let target = if std::io::stderr().is_terminal() {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    };
    let bar = ProgressBar::with_draw_target(None, target);
    if let Ok(style) =
        ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} files ({per_sec}, {eta} left)")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(what.to_owned());
    bar
}

/// Terminal width for tables, when stdout is a terminal.
pub fn terminal_width() -> Option<u16> {
    if !std::io::stdout().is_terminal() {
        return None;
    }
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .or(Some(120))
}

/// Whether an error is a closed pipe (`vouch scan | head`), which is not a failure.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
