//! What a dataset file holds, read cheaply and defensively.
//!
//! `vouch bom` records the datasets next to a model: hashes and sizes, and where it is cheap,
//! row counts and schemas. This crate answers "what is in this file" for the formats datasets
//! ship in, without the `parquet` or `arrow` crates and without reading the data itself:
//!
//! - **Parquet**: the Thrift compact-protocol `FileMetaData` in the footer (`num_rows`, the
//!   schema's leaf columns with dotted paths and a type from the logical, converted or physical
//!   type). Only the footer is read.
//! - **Arrow IPC** (`.arrow`, `.feather`): the file format (schema from the footer, rows summed
//!   over the record-batch blocks) and the stream format that Hugging Face `datasets` writes
//!   (schema message, then record and dictionary batches whose bodies are skipped by seeking).
//!   Only message headers are read.
//! - **CSV / TSV**: the header row gives the columns; rows are counted in one streaming pass
//!   that honours RFC 4180 quotes (a quoted field may span lines), up to
//!   [`Limits::max_count_bytes`].
//! - **JSON Lines**: rows are non-empty lines, columns the keys of the first object.
//! - **JSON**: the number of elements of a top-level array, counted by a streaming scanner,
//!   for files up to 64 MiB.
//! - **TFRecord**: records, counted by reading each 12-byte record header (its CRC-32C
//!   checked) and seeking over the data.
//! - **Text**: lines. **Images, audio, video**: the modality only.
//!
//! Column types use Arrow's names (`int64`, `double`, `string`, `list<int32>`, `struct`,
//! `timestamp[us, tz=UTC]`, `decimal(10, 2)`, `map<string, int32>`); a dictionary-encoded
//! column has its value type; CSV columns are `string`; JSON Lines columns get the kind of the
//! first object's values, as pyarrow infers it. The test corpus (`tests/fixtures`, made by
//! `scripts/gen_dataset_fixtures.py`) is checked against what pyarrow itself reads from each
//! file.
//!
//! Cost: Parquet, Arrow and TFRecord read metadata only, whatever the file's size; CSV, TSV,
//! JSON Lines and text read the whole file once, in 256 KiB chunks, in constant memory.
//!
//! A malformed file is not an error: [`inspect`] returns a [`FileInfo`] whose `notes` say what
//! could not be read and why, and keeps what was read before. Only failing to open a file is an
//! [`Error`].
//!
//! Defences: untrusted bytes never panic (no unwrap, expect or indexing outside tests); every
//! declared length or count is checked against the bytes left and against [`Limits`] before
//! anything is read or allocated; nesting is bounded by fixed depths; every loop over input is
//! bounded by the input's length or by a limit.

#![warn(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

mod arrow;
mod flatbuf;
mod parquet;
mod text;
mod tfrecord;
mod thrift;

use std::fs::File;
use std::io::{self, Read, Seek};
use std::path::{Path, PathBuf};

/// Bounds on what inspecting one file may read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest metadata block read and decoded at once: a Parquet footer, an Arrow footer or
    /// message header, the first line of a JSON Lines file. Default 16 MiB.
    pub max_footer_bytes: u64,
    /// Line counting (CSV, TSV, JSON Lines, text, JSON) reads at most this many bytes; a larger
    /// file gets a note and no row count. Default 4 GiB.
    pub max_count_bytes: u64,
    /// Columns kept per file; the rest are dropped with a note. Default 10 000.
    pub max_columns: usize,
    /// Arrow record and dictionary batches, or TFRecord records, read per file; beyond, no row
    /// count. Default 1 000 000.
    pub max_batches: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_footer_bytes: 16 << 20,
            max_count_bytes: 4 << 30,
            max_columns: 10_000,
            max_batches: 1_000_000,
        }
    }
}

/// One column of a dataset file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Column {
    /// The column name; nested Parquet leaves are dotted paths (`meta.tags.list.element`).
    pub name: String,
    /// The value type in Arrow's vocabulary: `int64`, `double`, `string`, `bool`,
    /// `list<double>`, `struct`, `timestamp[us, tz=UTC]`, `decimal(10, 2)`, ...
    pub dtype: String,
}

/// What one dataset file holds.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FileInfo {
    /// `parquet`, `arrow`, `csv`, `tsv`, `jsonl`, `json`, `text`, `tfrecord`, `image`, `audio`,
    /// `video` or `unknown`.
    pub format: &'static str,
    /// The SPDX `datasetType` vocabulary: `structured`, `text`, `image`, `audio`, `video`;
    /// `None` when the format does not say (TFRecord, unknown).
    pub modality: Option<&'static str>,
    /// The number of rows (records, lines, array elements), when it was cheap and certain.
    pub rows: Option<u64>,
    /// The columns, in file order (at most [`Limits::max_columns`]).
    pub columns: Vec<Column>,
    /// Why rows or columns are missing or partial ("larger than ..., not counted",
    /// "malformed footer: ...").
    pub notes: Vec<String>,
}

impl FileInfo {
    fn new(format: &'static str) -> Self {
        FileInfo {
            format,
            modality: modality_of(format),
            rows: None,
            columns: Vec::new(),
            notes: Vec::new(),
        }
    }

    fn note(&mut self, note: impl Into<String>) {
        self.notes.push(note.into());
    }

    /// Adds a column unless `max_columns` is reached; returns false (once noted) when full.
    /// Names and types are cut to [`MAX_NAME_BYTES`], so columns take at most
    /// `max_columns` × 2 KiB.
    fn push_column(&mut self, mut name: String, mut dtype: String, limits: &Limits) -> bool {
        truncate(&mut name, MAX_NAME_BYTES);
        truncate(&mut dtype, MAX_NAME_BYTES);
        if self.columns.len() >= limits.max_columns {
            let note = format!(
                "more than {} columns; the rest are not listed (limit max_columns)",
                limits.max_columns
            );
            if !self.notes.contains(&note) {
                self.notes.push(note);
            }
            return false;
        }
        self.columns.push(Column { name, dtype });
        true
    }
}

/// Longest column name or type kept; longer ones are cut (at a character boundary) and end
/// with `...`.
pub const MAX_NAME_BYTES: usize = 1024;

/// Cuts `s` to at most `max` bytes at a character boundary, marking the cut with `...`.
fn truncate(s: &mut String, max: usize) {
    if s.len() > max {
        let mut end = max.saturating_sub(3);
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
        s.push_str("...");
    }
}

/// Why a file could not be inspected at all.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file could not be opened or its size read.
    #[error("cannot read dataset file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },
}

/// Every format name [`data_format`] returns, with its modality.
const FORMATS: &[(&str, &str)] = &[
    ("parquet", "structured"),
    ("arrow", "structured"),
    ("csv", "structured"),
    ("tsv", "structured"),
    ("jsonl", "structured"),
    ("json", "structured"),
    ("text", "text"),
    ("image", "image"),
    ("audio", "audio"),
    ("video", "video"),
];

/// Extensions (lower case, without the dot) and the format each means.
const EXTENSIONS: &[(&str, &str)] = &[
    ("parquet", "parquet"),
    ("pq", "parquet"),
    ("arrow", "arrow"),
    ("feather", "arrow"),
    ("ipc", "arrow"),
    ("arrows", "arrow"),
    ("csv", "csv"),
    ("tsv", "tsv"),
    ("tab", "tsv"),
    ("jsonl", "jsonl"),
    ("ndjson", "jsonl"),
    ("json", "json"),
    ("txt", "text"),
    ("tfrecord", "tfrecord"),
    ("tfrecords", "tfrecord"),
    ("png", "image"),
    ("jpg", "image"),
    ("jpeg", "image"),
    ("gif", "image"),
    ("bmp", "image"),
    ("webp", "image"),
    ("tif", "image"),
    ("tiff", "image"),
    ("wav", "audio"),
    ("flac", "audio"),
    ("mp3", "audio"),
    ("ogg", "audio"),
    ("mp4", "video"),
    ("webm", "video"),
    ("mkv", "video"),
];

fn modality_of(format: &str) -> Option<&'static str> {
    FORMATS
        .iter()
        .find(|(f, _)| *f == format)
        .map(|(_, modality)| *modality)
}

fn static_format(format: &str) -> &'static str {
    FORMATS
        .iter()
        .map(|(f, _)| *f)
        .chain(EXTENSIONS.iter().map(|(e, _)| *e))
        .find(|f| f.eq_ignore_ascii_case(format))
        .map(|f| {
            EXTENSIONS
                .iter()
                .find(|(e, _)| *e == f)
                .map_or(f, |(_, fmt)| *fmt)
        })
        .unwrap_or("unknown")
}

/// The dataset format a file name implies by its extension (case-insensitive), or `None` for
/// a file that is not a dataset file. `data.parquet` → `parquet`, `train.ndjson` → `jsonl`,
/// `cat.JPG` → `image`.
pub fn data_format(file_name: &str) -> Option<&'static str> {
    // Sharded TFRecords: `train.tfrecord-00000-of-00064`.
    if file_name.to_ascii_lowercase().contains(".tfrecord-") {
        return Some("tfrecord");
    }
    let ext = file_name.rsplit_once('.')?.1;
    EXTENSIONS
        .iter()
        .find(|(e, _)| e.eq_ignore_ascii_case(ext))
        .map(|(_, format)| *format)
}

/// Inspects the dataset file at `path`, its format chosen by [`data_format`]; a file with no
/// known extension is recognised by its magic bytes (Parquet, Arrow) or reported as `unknown`.
///
/// Only opening the file is an error; whatever its content, the answer is a [`FileInfo`] whose
/// notes say what could not be read.
pub fn inspect(path: &Path, limits: &Limits) -> Result<FileInfo, Error> {
    let io_err = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = File::open(path).map_err(io_err)?;
    let len = file.metadata().map_err(io_err)?.len();
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
    let format = match name.as_deref().and_then(data_format) {
        Some(format) => format,
        None => sniff(&mut file).map_err(io_err)?,
    };
    Ok(inspect_reader(format, file, len, limits))
}

/// Recognises Parquet and Arrow by their first bytes.
fn sniff<R: Read + Seek>(r: &mut R) -> io::Result<&'static str> {
    let mut head = [0u8; 8];
    let mut n = 0;
    while n < head.len() {
        let Some(rest) = head.get_mut(n..) else { break };
        match r.read(rest) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    r.rewind()?;
    let head = head.get(..n).unwrap_or_default();
    Ok(if head.starts_with(b"PAR1") {
        "parquet"
    } else if head.starts_with(b"ARROW1") || head.starts_with(&[0xFF, 0xFF, 0xFF, 0xFF]) {
        "arrow"
    } else {
        "unknown"
    })
}

/// Inspects `len` bytes of `format` (a name [`data_format`] returns, or an extension) read from
/// `r`, positioned at the start. Never fails: read errors and malformed content become notes.
pub fn inspect_reader<R: Read + Seek>(format: &str, r: R, len: u64, limits: &Limits) -> FileInfo {
    let format = static_format(format);
    let mut info = FileInfo::new(format);
    match format {
        "parquet" => parquet::inspect(r, len, limits, &mut info),
        "arrow" => arrow::inspect(r, len, limits, &mut info),
        "csv" => text::inspect_csv(r, len, b',', limits, &mut info),
        "tsv" => text::inspect_csv(r, len, b'\t', limits, &mut info),
        "jsonl" => text::inspect_jsonl(r, len, limits, &mut info),
        "json" => text::inspect_json(r, len, limits, &mut info),
        "text" => text::inspect_text(r, len, limits, &mut info),
        "tfrecord" => tfrecord::inspect(r, len, limits, &mut info),
        "image" | "audio" | "video" => {}
        _ => info.note("not a recognised dataset format; nothing read"),
    }
    info
}

/// Reads exactly `buf.len()` bytes at `offset`; an error names what was being read.
fn read_at<R: Read + Seek>(
    r: &mut R,
    offset: u64,
    buf: &mut [u8],
    what: &str,
) -> Result<(), String> {
    r.seek(io::SeekFrom::Start(offset))
        .and_then(|_| r.read_exact(buf))
        .map_err(|e| format!("cannot read {what} at offset {offset}: {e}"))
}

/// Reads `n` bytes at `offset` into a fresh buffer; `n` must already be checked against the
/// limits and the file length.
fn read_vec_at<R: Read + Seek>(
    r: &mut R,
    offset: u64,
    n: u64,
    what: &str,
) -> Result<Vec<u8>, String> {
    let n = usize::try_from(n).map_err(|_| format!("{what} of {n} bytes is too large"))?;
    let mut buf = vec![0u8; n];
    read_at(r, offset, &mut buf, what)?;
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_names_are_cut() {
        let mut s = "é".repeat(1000);
        truncate(&mut s, 1024);
        assert!(s.len() <= 1024 && s.ends_with("..."), "{}", s.len());
        let mut info = FileInfo::new("csv");
        let limits = Limits::default();
        assert!(info.push_column("x".repeat(5000), "string".into(), &limits));
        assert_eq!(info.columns[0].name.len(), 1024);
    }

    #[test]
    fn formats_by_extension() {
        assert_eq!(data_format("train-00000-of-00002.parquet"), Some("parquet"));
        assert_eq!(data_format("data.ARROW"), Some("arrow"));
        assert_eq!(data_format("x.feather"), Some("arrow"));
        assert_eq!(data_format("a.ndjson"), Some("jsonl"));
        assert_eq!(data_format("a.tsv"), Some("tsv"));
        assert_eq!(data_format("cat.JPG"), Some("image"));
        assert_eq!(data_format("a.flac"), Some("audio"));
        assert_eq!(data_format("a.mp4"), Some("video"));
        assert_eq!(data_format("train.tfrecord"), Some("tfrecord"));
        assert_eq!(
            data_format("train.tfrecord-00003-of-00064"),
            Some("tfrecord")
        );
        assert_eq!(data_format("model.safetensors"), None);
        assert_eq!(data_format("README"), None);
    }

    #[test]
    fn static_formats() {
        assert_eq!(static_format("ndjson"), "jsonl");
        assert_eq!(static_format("CSV"), "csv");
        assert_eq!(static_format("png"), "image");
        assert_eq!(static_format("feather"), "arrow");
        assert_eq!(static_format("nope"), "unknown");
    }

    #[test]
    fn media_has_modality_only() {
        let info = inspect_reader("png", io::Cursor::new(b"\x89PNG"), 4, &Limits::default());
        assert_eq!(info.format, "image");
        assert_eq!(info.modality, Some("image"));
        assert_eq!(info.rows, None);
        assert!(info.notes.is_empty());
        let info = inspect_reader("bin", io::Cursor::new(b""), 0, &Limits::default());
        assert_eq!(info.format, "unknown");
        assert_eq!(info.notes.len(), 1);
    }

    #[test]
    fn inspect_missing_file_is_io_error() {
        let err = inspect(Path::new("/nonexistent/x.csv"), &Limits::default()).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/x.csv"), "{err}");
    }

    #[test]
    fn sniffs_without_extension() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("blob");
        std::fs::write(&p, b"PAR1garbagePAR1").unwrap();
        let info = inspect(&p, &Limits::default()).unwrap();
        assert_eq!(info.format, "parquet");
        assert!(!info.notes.is_empty());
        std::fs::write(&p, b"hello").unwrap();
        assert_eq!(inspect(&p, &Limits::default()).unwrap().format, "unknown");
    }
}
