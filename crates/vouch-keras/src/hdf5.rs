//! HDF5 through the pure-Rust `hdf5-reader`: the root attributes Keras writes
//! (`model_config`, `training_config`, `keras_version`, `backend`) and a census of the
//! datasets (weights) without reading their data.
//!
//! The file is read through positional reads on the caller's stream, never loaded whole.
//! `hdf5-reader` is hardened against malformed input; as defence in depth, a panic inside it
//! is caught and reported as a malformed file.

use hdf5_reader::storage::{Storage, StorageBuffer};
use std::io::{Read, Seek, SeekFrom};
use std::sync::{Arc, Mutex};

/// `\x89HDF\r\n\x1a\n`.
pub const MAGIC: &[u8; 8] = b"\x89HDF\r\n\x1a\n";

/// Bounds on the walk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Groups and datasets visited.
    pub max_objects: u64,
    /// Group nesting.
    pub max_depth: usize,
    /// Bytes of one attribute string kept.
    pub max_attribute_bytes: usize,
    /// Bytes `hdf5-reader` may read for one request.
    pub max_read_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_objects: 200_000,
            max_depth: 32,
            max_attribute_bytes: 64 << 20,
            max_read_bytes: 256 << 20,
        }
    }
}

/// What an HDF5 file holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct H5Facts {
    /// String attributes of the root group (name, value), values truncated to the limit.
    pub root_attributes: Vec<(String, String)>,
    /// Datasets found.
    pub datasets: u64,
    /// Groups found.
    pub groups: u64,
    /// Elements in all datasets.
    pub elements: u64,
    /// Why the walk stopped early or the file could not be read.
    pub errors: Vec<String>,
    /// Whether a limit stopped the walk.
    pub limited: bool,
}

impl H5Facts {
    /// A root attribute's value.
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.root_attributes
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Positional reads on a shared stream.
struct StreamStorage<R> {
    inner: Mutex<R>,
    len: u64,
    max: usize,
}

impl<R: Read + Seek + Send> Storage for StreamStorage<R> {
    fn len(&self) -> u64 {
        self.len
    }

    fn read_range(&self, offset: u64, len: usize) -> hdf5_reader::error::Result<StorageBuffer> {
        if len > self.max || offset.saturating_add(len as u64) > self.len {
            return Err(hdf5_reader::error::Error::Io(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                format!("read of {len} bytes at {offset} outside the file or over the limit"),
            )));
        }
        let mut r = self
            .inner
            .lock()
            .map_err(|_| std::io::Error::other("poisoned"))?;
        r.seek(SeekFrom::Start(offset))?;
        let mut buf = Vec::new();
        Read::take(&mut *r, len as u64).read_to_end(&mut buf)?;
        Ok(StorageBuffer::from_vec(buf))
    }
}

/// Where the HDF5 superblock is (0, or a user block of 512, 1024, 2048 ... bytes), if any.
pub fn find_superblock<R: Read + Seek + ?Sized>(r: &mut R) -> std::io::Result<Option<u64>> {
    let len = r.seek(SeekFrom::End(0))?;
    let mut at = 0u64;
    let mut found = None;
    while at.saturating_add(8) <= len && at <= 1 << 20 {
        r.seek(SeekFrom::Start(at))?;
        let mut b = [0u8; 8];
        r.read_exact(&mut b)?;
        if &b == MAGIC {
            found = Some(at);
            break;
        }
        at = if at == 0 { 512 } else { at * 2 };
    }
    r.seek(SeekFrom::Start(0))?;
    Ok(found)
}

/// Read an HDF5 stream (any position; it is read by offset).
pub fn read<R: Read + Seek + Send + 'static>(mut r: R, limits: &Limits) -> H5Facts {
    let mut facts = H5Facts::default();
    let len = match r.seek(SeekFrom::End(0)) {
        Ok(l) => l,
        Err(e) => {
            facts.errors.push(e.to_string());
            return facts;
        }
    };
    let storage = Arc::new(StreamStorage {
        inner: Mutex::new(r),
        len,
        max: limits.max_read_bytes,
    });
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        walk_file(storage, limits, &mut facts);
    }));
    if result.is_err() {
        facts
            .errors
            .push("the HDF5 reader failed on this file".into());
    }
    facts
}

fn walk_file<R: Read + Seek + Send + 'static>(
    storage: Arc<StreamStorage<R>>,
    limits: &Limits,
    facts: &mut H5Facts,
) {
    let options = hdf5_reader::OpenOptions {
        max_read_bytes: limits.max_read_bytes,
        ..hdf5_reader::OpenOptions::default()
    };
    let file = match hdf5_reader::Hdf5File::from_storage_with_options(storage, options) {
        Ok(f) => f,
        Err(e) => {
            facts.errors.push(format!("cannot open: {e}"));
            return;
        }
    };
    let root = match file.root_group() {
        Ok(g) => g,
        Err(e) => {
            facts
                .errors
                .push(format!("cannot read the root group: {e}"));
            return;
        }
    };
    match root.attributes() {
        Ok(attrs) => {
            for a in attrs {
                if let Ok(mut v) = a.read_string() {
                    if v.len() > limits.max_attribute_bytes {
                        let mut cut = limits.max_attribute_bytes;
                        while !v.is_char_boundary(cut) {
                            cut -= 1;
                        }
                        v.truncate(cut);
                    }
                    facts.root_attributes.push((a.name.clone(), v));
                }
            }
        }
        Err(e) => facts
            .errors
            .push(format!("cannot read the root attributes: {e}")),
    }
    walk_group(&root, 0, limits, facts);
}

fn walk_group(g: &hdf5_reader::group::Group, depth: usize, limits: &Limits, facts: &mut H5Facts) {
    if depth > limits.max_depth {
        facts.limited = true;
        return;
    }
    let (groups, datasets) = match g.members() {
        Ok(m) => m,
        Err(e) => {
            if facts.errors.len() < 10 {
                facts
                    .errors
                    .push(format!("cannot list group {:?}: {e}", g.name()));
            }
            return;
        }
    };
    for d in &datasets {
        facts.datasets += 1;
        let n = d
            .shape()
            .iter()
            .try_fold(1u64, |a, &x| a.checked_mul(x))
            .unwrap_or(u64::MAX);
        facts.elements = facts.elements.saturating_add(n);
    }
    for sub in &groups {
        facts.groups += 1;
        if facts.groups + facts.datasets > limits.max_objects {
            facts.limited = true;
            return;
        }
        walk_group(sub, depth + 1, limits, facts);
    }
}
