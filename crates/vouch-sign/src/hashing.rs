//! Model serialization (spec §5): walk a model directory with the ignore and symlink rules, then hash every file or
//! shard in parallel into a [`Manifest`].
//!
//! Work is scheduled largest-first over all rayon threads (one unit = a file, or one shard of a file), reading with
//! positioned reads into a per-thread buffer, so a directory of big files keeps every core busy and a sharded single
//! file is hashed in parallel too. BLAKE3 additionally splits large buffers across idle threads.

use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use sha2::Digest as _;

use crate::manifest::{HashAlg, Manifest, ManifestItem, Serialization, canonical_order};

/// Root-level paths ignored by default (git metadata), as the Python tool does.
pub const GIT_PATHS: [&str; 4] = [".git", ".gitattributes", ".github", ".gitignore"];

/// Bytes read per call; large enough to amortise the syscall, small enough to stay in L2 cache.
const READ_CHUNK: usize = 1 << 20;

/// Receives hashing progress (for a progress bar). Called from several threads.
pub trait Progress: Sync {
    /// Hashing starts: `total_bytes` over `files` files.
    fn start(&self, total_bytes: u64, files: usize);
    /// `bytes` more were hashed.
    fn advance(&self, bytes: u64);
}

/// How to serialize a model.
#[derive(Clone, Copy, Default)]
pub struct HashOptions<'a> {
    /// Files or shards, and the hash.
    pub serialization: Serialization,
    /// Model-relative POSIX paths to leave out (with their subtrees).
    pub ignore_paths: &'a [String],
    /// Also ignore the root-level git paths ([`GIT_PATHS`]).
    pub ignore_git_paths: bool,
    /// Follow symlinks to files instead of refusing them.
    pub allow_symlinks: bool,
    /// Progress receiver.
    pub progress: Option<&'a dyn Progress>,
}

/// Why a model could not be hashed.
#[derive(Debug, thiserror::Error)]
pub enum HashError {
    /// An I/O error on a path.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The error.
        source: io::Error,
    },
    /// A symlink, and symlinks are not allowed.
    #[error("{} is a symbolic link; symlinks are refused unless allowed (--allow-symlinks)", path.display())]
    Symlink {
        /// The link.
        path: PathBuf,
    },
    /// A symlink whose target does not exist.
    #[error("{} is a dangling symbolic link", path.display())]
    DanglingSymlink {
        /// The link.
        path: PathBuf,
    },
    /// A FIFO, socket or device.
    #[error("{} is a {kind}, not a regular file or directory", path.display())]
    SpecialFile {
        /// The path.
        path: PathBuf,
        /// What it is.
        kind: &'static str,
    },
    /// A name that is not UTF-8 cannot be written into a manifest.
    #[error("{} has a file name that is not valid UTF-8; model signing needs UTF-8 names", path.display())]
    NonUtf8Name {
        /// The path.
        path: PathBuf,
    },
    /// `:` in a file name cannot be represented in shard item names.
    #[error(
        "{path:?} contains ':', which shard serialization cannot represent; use files serialization"
    )]
    ColonInShardedName {
        /// The model-relative path.
        path: String,
    },
    /// A file changed size while it was being hashed.
    #[error("{} changed while it was being hashed (expected {expected} bytes at offset {offset}, got {got})", path.display())]
    FileChanged {
        /// The file.
        path: PathBuf,
        /// Bytes expected.
        expected: u64,
        /// Start offset.
        offset: u64,
        /// Bytes read.
        got: u64,
    },
    /// A zero shard size.
    #[error("shard size must be at least 1 byte")]
    ZeroShardSize,
    /// The model path is neither a file nor a directory.
    #[error("{} is not a file or directory", path.display())]
    NotAModel {
        /// The path.
        path: PathBuf,
    },
}

/// Normalises an ignore path to model-relative POSIX form: drops `.` and empty components and a trailing slash.
/// Returns `None` for paths that leave the model (`..`) or name the root itself.
pub fn normalize_ignore_path(path: &str) -> Option<String> {
    let mut parts = Vec::new();
    for c in path.split('/') {
        match c {
            "" | "." => {}
            ".." => return None,
            c => parts.push(c),
        }
    }
    if parts.is_empty() {
        None
    } else {
        Some(parts.join("/"))
    }
}

/// The ignore set a serialization uses: git paths (when enabled) plus the normalised extra paths, sorted, deduplicated.
pub fn ignore_set(extra: &[String], ignore_git_paths: bool) -> Vec<String> {
    let mut set: Vec<String> = extra
        .iter()
        .filter_map(|p| normalize_ignore_path(p))
        .collect();
    if ignore_git_paths {
        set.extend(GIT_PATHS.iter().map(|s| (*s).to_owned()));
    }
    set.sort();
    set.dedup();
    set
}

/// A regular file (or symlink to one) to hash.
#[derive(Debug)]
struct Entry {
    rel: String,
    abs: PathBuf,
    size: u64,
}

fn is_ignored(rel: &str, ignore: &[Vec<&str>]) -> bool {
    ignore.iter().any(|prefix| {
        let mut comps = rel.split('/');
        prefix.iter().all(|p| comps.next() == Some(p))
    })
}

fn special_kind(ft: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt as _;
    if ft.is_fifo() {
        "FIFO"
    } else if ft.is_socket() {
        "socket"
    } else if ft.is_block_device() {
        "block device"
    } else if ft.is_char_device() {
        "character device"
    } else {
        "special file"
    }
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> HashError + '_ {
    move |source| HashError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Walks a model directory (spec §5.1): ignores first, then refuses symlinks (unless allowed) and special files.
fn walk(root: &Path, ignore: &[String], allow_symlinks: bool) -> Result<Vec<Entry>, HashError> {
    let ignore: Vec<Vec<&str>> = ignore.iter().map(|p| p.split('/').collect()).collect();
    let mut out = Vec::new();
    let mut stack = vec![(root.to_path_buf(), String::new())];
    while let Some((dir, prefix)) = stack.pop() {
        for entry in std::fs::read_dir(&dir).map_err(io_err(&dir))? {
            let entry = entry.map_err(io_err(&dir))?;
            let abs = entry.path();
            let Ok(name) = entry.file_name().into_string() else {
                return Err(HashError::NonUtf8Name { path: abs });
            };
            let rel = if prefix.is_empty() {
                name
            } else {
                format!("{prefix}/{name}")
            };
            if is_ignored(&rel, &ignore) {
                continue;
            }
            let ft = entry.file_type().map_err(io_err(&abs))?;
            if ft.is_dir() {
                stack.push((abs, rel));
            } else if ft.is_file() {
                let size = entry.metadata().map_err(io_err(&abs))?.len();
                out.push(Entry { rel, abs, size });
            } else if ft.is_symlink() {
                if !allow_symlinks {
                    return Err(HashError::Symlink { path: abs });
                }
                match std::fs::metadata(&abs) {
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {
                        return Err(HashError::DanglingSymlink { path: abs });
                    }
                    Err(e) => {
                        return Err(HashError::Io {
                            path: abs,
                            source: e,
                        });
                    }
                    Ok(m) if m.is_file() => out.push(Entry {
                        rel,
                        abs,
                        size: m.len(),
                    }),
                    Ok(m) if m.is_dir() => {} // not followed, produces nothing
                    Ok(m) => {
                        return Err(HashError::SpecialFile {
                            path: abs,
                            kind: special_kind(&m.file_type()),
                        });
                    }
                }
            } else {
                return Err(HashError::SpecialFile {
                    path: abs,
                    kind: special_kind(&ft),
                });
            }
        }
    }
    Ok(out)
}

/// A streaming hasher for one of the format's algorithms.
pub(crate) enum Hasher {
    Sha256(sha2::Sha256),
    Blake2b(Box<blake2::Blake2b512>),
    Blake3(Box<blake3::Hasher>),
}

impl Hasher {
    pub(crate) fn new(alg: HashAlg) -> Self {
        match alg {
            HashAlg::Sha256 => Hasher::Sha256(sha2::Sha256::new()),
            HashAlg::Blake2b => Hasher::Blake2b(Box::default()),
            HashAlg::Blake3 => Hasher::Blake3(Box::default()),
        }
    }

    pub(crate) fn update(&mut self, data: &[u8]) {
        match self {
            Hasher::Sha256(h) => h.update(data),
            Hasher::Blake2b(h) => blake2::Digest::update(h.as_mut(), data),
            Hasher::Blake3(h) => {
                // Splits the buffer over idle rayon threads (all of them once the work queue is empty).
                if data.len() >= 256 * 1024 {
                    h.update_rayon(data);
                } else {
                    h.update(data);
                }
            }
        }
    }

    pub(crate) fn finalize(self) -> Vec<u8> {
        match self {
            Hasher::Sha256(h) => h.finalize().to_vec(),
            Hasher::Blake2b(h) => blake2::Digest::finalize(*h).to_vec(),
            Hasher::Blake3(h) => h.finalize().as_bytes().to_vec(),
        }
    }
}

/// Hashes `len` bytes from `offset` (or to end of file when `len` is `None`).
fn hash_range(
    path: &Path,
    alg: HashAlg,
    offset: u64,
    len: Option<u64>,
    buf: &mut [u8],
    progress: Option<&dyn Progress>,
) -> Result<Vec<u8>, HashError> {
    let file = File::open(path).map_err(io_err(path))?;
    let mut hasher = Hasher::new(alg);
    let mut pos = offset;
    let end = len.map(|l| offset.saturating_add(l));
    loop {
        let want = match end {
            Some(e) => usize::try_from(e.saturating_sub(pos))
                .unwrap_or(usize::MAX)
                .min(buf.len()),
            None => buf.len(),
        };
        if want == 0 {
            break;
        }
        let Some(chunk) = buf.get_mut(..want) else {
            break;
        };
        let n = match file.read_at(chunk, pos) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                return Err(HashError::Io {
                    path: path.to_owned(),
                    source: e,
                });
            }
        };
        if n == 0 {
            if let (Some(e), Some(l)) = (end, len) {
                return Err(HashError::FileChanged {
                    path: path.to_owned(),
                    expected: l,
                    offset,
                    got: l - (e - pos),
                });
            }
            break;
        }
        hasher.update(chunk.get(..n).unwrap_or_default());
        pos += n as u64;
        if let Some(p) = progress {
            p.advance(n as u64);
        }
    }
    Ok(hasher.finalize())
}

/// Hashes a whole file with one algorithm (single-threaded; for attestation materials and small files).
pub fn hash_file(path: &Path, alg: HashAlg) -> Result<Vec<u8>, HashError> {
    let mut buf = vec![0u8; READ_CHUNK];
    hash_range(path, alg, 0, None, &mut buf, None)
}

/// One unit of hashing work.
struct Unit {
    entry: usize,
    range: Option<(u64, u64)>,
}

/// Serializes the model at `path` into a manifest (spec §5): a directory, or a single regular file (item `.`).
pub fn hash_model(path: &Path, opts: &HashOptions<'_>) -> Result<Manifest, HashError> {
    if let Serialization::Shards { shard_size: 0, .. } = opts.serialization {
        return Err(HashError::ZeroShardSize);
    }
    let meta = std::fs::metadata(path).map_err(io_err(path))?;
    let ignore = ignore_set(opts.ignore_paths, opts.ignore_git_paths);
    let mut entries = if meta.is_dir() {
        walk(path, &ignore, opts.allow_symlinks)?
    } else if meta.is_file() {
        vec![Entry {
            rel: ".".into(),
            abs: path.to_path_buf(),
            size: meta.len(),
        }]
    } else {
        return Err(HashError::NotAModel {
            path: path.to_path_buf(),
        });
    };
    entries.sort_by(|a, b| crate::manifest::compare_paths(&a.rel, &b.rel));

    let mut units = Vec::new();
    match opts.serialization {
        Serialization::Files { .. } => {
            units.extend((0..entries.len()).map(|entry| Unit { entry, range: None }))
        }
        Serialization::Shards { shard_size, .. } => {
            for (i, e) in entries.iter().enumerate() {
                if e.rel.contains(':') {
                    return Err(HashError::ColonInShardedName {
                        path: e.rel.clone(),
                    });
                }
                let mut start = 0;
                while start < e.size {
                    let end = start.saturating_add(shard_size).min(e.size);
                    units.push(Unit {
                        entry: i,
                        range: Some((start, end)),
                    });
                    start = end;
                }
            }
        }
    }
    let total_bytes: u64 = entries.iter().map(|e| e.size).sum();
    if let Some(p) = opts.progress {
        p.start(total_bytes, entries.len());
    }
    let digests = run_units(&entries, &units, opts.serialization.hash(), opts.progress)?;

    let mut items: Vec<ManifestItem> = units
        .iter()
        .zip(digests)
        .filter_map(|(u, d)| {
            entries.get(u.entry).map(|e| ManifestItem {
                path: e.rel.clone(),
                range: u.range,
                digest: d,
            })
        })
        .collect();
    items.sort_by(canonical_order);
    Ok(Manifest {
        serialization: opts.serialization,
        allow_symlinks: opts.allow_symlinks,
        ignore_paths: ignore,
        items,
        total_bytes,
    })
}

fn unit_len(entries: &[Entry], u: &Unit) -> u64 {
    match u.range {
        Some((s, e)) => e - s,
        None => entries.get(u.entry).map_or(0, |e| e.size),
    }
}

/// The digest of one unit, or why it failed.
type UnitResult = Result<Vec<u8>, HashError>;

/// Hashes every unit, largest first, on all rayon threads; returns digests in unit order.
fn run_units(
    entries: &[Entry],
    units: &[Unit],
    alg: HashAlg,
    progress: Option<&dyn Progress>,
) -> Result<Vec<Vec<u8>>, HashError> {
    let hash_unit = |u: &Unit, buf: &mut [u8]| -> Result<Vec<u8>, HashError> {
        let Some(e) = entries.get(u.entry) else {
            return Ok(Vec::new());
        };
        match u.range {
            None => hash_range(&e.abs, alg, 0, None, buf, progress),
            Some((s, end)) => hash_range(&e.abs, alg, s, Some(end - s), buf, progress),
        }
    };
    let total: u64 = units.iter().map(|u| unit_len(entries, u)).sum();
    // Small models: no thread hand-off at all (start-up time dominates).
    if units.len() <= 1 || total < 4 * READ_CHUNK as u64 {
        let mut buf = vec![
            0u8;
            READ_CHUNK
                .min(usize::try_from(total).unwrap_or(READ_CHUNK))
                .max(4096)
        ];
        return units.iter().map(|u| hash_unit(u, &mut buf)).collect();
    }
    let mut order: Vec<usize> = (0..units.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(units.get(i).map_or(0, |u| unit_len(entries, u))));
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let results: Mutex<Vec<Option<UnitResult>>> =
        Mutex::new(std::iter::repeat_with(|| None).take(units.len()).collect());
    rayon::broadcast(|_| {
        let mut buf = vec![0u8; READ_CHUNK];
        while !failed.load(Ordering::Relaxed) {
            let k = next.fetch_add(1, Ordering::Relaxed);
            let Some(&i) = order.get(k) else { break };
            let Some(u) = units.get(i) else { break };
            let r = hash_unit(u, &mut buf);
            if r.is_err() {
                failed.store(true, Ordering::Relaxed);
            }
            if let Ok(mut guard) = results.lock()
                && let Some(slot) = guard.get_mut(i)
            {
                *slot = Some(r);
            }
        }
    });
    let results = results
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut out = Vec::with_capacity(results.len());
    let mut first_err = None;
    for r in results {
        match r {
            Some(Ok(d)) => out.push(d),
            Some(Err(e)) => {
                first_err.get_or_insert(e);
            }
            None => {}
        }
    }
    match first_err {
        Some(e) => Err(e),
        None if out.len() == units.len() => Ok(out),
        None => Err(HashError::Io {
            path: PathBuf::from("."),
            source: io::Error::other("a hashing worker stopped early"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn opts(serialization: Serialization) -> HashOptions<'static> {
        HashOptions {
            serialization,
            ignore_git_paths: true,
            ..Default::default()
        }
    }

    #[test]
    fn worked_example_tiny() {
        let dir = tempfile::tempdir().unwrap();
        let tiny = dir.path().join("tiny");
        fs::create_dir_all(tiny.join("a")).unwrap();
        fs::write(tiny.join("a/b"), "slash\n").unwrap();
        fs::write(tiny.join("a-b"), "dash\n").unwrap();
        fs::write(tiny.join("e"), "").unwrap();
        fs::create_dir_all(tiny.join(".git/objects")).unwrap();
        fs::write(tiny.join(".git/HEAD"), "x").unwrap();
        fs::create_dir_all(tiny.join("empty-dir")).unwrap();
        let m = hash_model(&tiny, &opts(Serialization::default())).unwrap();
        let names: Vec<String> = m.items.iter().map(ManifestItem::name).collect();
        assert_eq!(names, ["a/b", "a-b", "e"]);
        assert_eq!(
            hex::encode(m.root_digest()),
            "4b990605594e7ac5e6066d900621336dd07bec75e238fe8a91085b86890bc00d"
        );
        // Shards drop the empty file.
        let s = hash_model(
            &tiny,
            &opts(Serialization::Shards {
                hash: HashAlg::Sha256,
                shard_size: 4,
            }),
        )
        .unwrap();
        let names: Vec<String> = s.items.iter().map(ManifestItem::name).collect();
        assert_eq!(names, ["a/b:0:4", "a/b:4:6", "a-b:0:4", "a-b:4:5"]);
    }

    #[test]
    fn big_shards_parallel_match_serial() {
        let dir = tempfile::tempdir().unwrap();
        let data: Vec<u8> = (0..9_000_000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        fs::write(dir.path().join("w"), &data).unwrap();
        fs::write(dir.path().join("v"), &data[..5_000_000]).unwrap();
        for hash in [HashAlg::Sha256, HashAlg::Blake3, HashAlg::Blake2b] {
            let m = hash_model(
                dir.path(),
                &opts(Serialization::Shards {
                    hash,
                    shard_size: 1_000_000,
                }),
            )
            .unwrap();
            assert_eq!(m.items.len(), 14);
            let item = m
                .items
                .iter()
                .find(|i| i.path == "w" && i.range == Some((3_000_000, 4_000_000)))
                .unwrap();
            let mut h = Hasher::new(hash);
            h.update(&data[3_000_000..4_000_000]);
            assert_eq!(item.digest, h.finalize());
            let f = hash_model(dir.path(), &opts(Serialization::Files { hash })).unwrap();
            assert_eq!(
                f.items[1].digest,
                hash_file(&dir.path().join("w"), hash).unwrap()
            );
            assert_eq!(f.items[1].digest.len(), hash.digest_len());
        }
    }

    #[test]
    fn single_file_model_is_dot() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("model.bin");
        fs::write(&f, vec![7u8; 2500]).unwrap();
        let m = hash_model(&f, &opts(Serialization::default())).unwrap();
        assert_eq!(m.items.len(), 1);
        assert_eq!(m.items[0].name(), ".");
        let s = hash_model(
            &f,
            &opts(Serialization::Shards {
                hash: HashAlg::Sha256,
                shard_size: 1000,
            }),
        )
        .unwrap();
        let names: Vec<String> = s.items.iter().map(ManifestItem::name).collect();
        assert_eq!(names, [".:0:1000", ".:1000:2000", ".:2000:2500"]);
    }

    #[test]
    fn ignore_paths_match_whole_components_at_root() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path();
        for f in [
            "foo",
            "foobar",
            "sub/foo",
            "x/y/z",
            "x/yy",
            "sub/.gitattributes",
        ] {
            fs::create_dir_all(p.join(f).parent().unwrap()).unwrap();
            fs::write(p.join(f), f).unwrap();
        }
        let ignore = vec!["foo".to_owned(), "./x/y/".to_owned()];
        let m = hash_model(
            p,
            &HashOptions {
                ignore_paths: &ignore,
                ignore_git_paths: true,
                ..Default::default()
            },
        )
        .unwrap();
        let names: Vec<String> = m.items.iter().map(ManifestItem::name).collect();
        assert_eq!(names, ["foobar", "sub/.gitattributes", "sub/foo", "x/yy"]);
        assert_eq!(
            m.ignore_paths,
            [
                ".git",
                ".gitattributes",
                ".github",
                ".gitignore",
                "foo",
                "x/y"
            ]
        );
    }

    #[test]
    fn symlinks_refused_unless_allowed() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("m");
        fs::create_dir_all(p.join("d")).unwrap();
        fs::write(dir.path().join("outside"), "target").unwrap();
        std::os::unix::fs::symlink(dir.path().join("outside"), p.join("link")).unwrap();
        std::os::unix::fs::symlink(p.join("d"), p.join("dirlink")).unwrap();
        assert!(matches!(
            hash_model(&p, &opts(Serialization::default())),
            Err(HashError::Symlink { .. })
        ));
        let m = hash_model(
            &p,
            &HashOptions {
                allow_symlinks: true,
                ..Default::default()
            },
        )
        .unwrap();
        let names: Vec<String> = m.items.iter().map(ManifestItem::name).collect();
        assert_eq!(names, ["link"]);
        assert_eq!(m.items[0].digest, sha2::Sha256::digest(b"target").to_vec());
        std::os::unix::fs::symlink(dir.path().join("nowhere"), p.join("dangling")).unwrap();
        assert!(matches!(
            hash_model(
                &p,
                &HashOptions {
                    allow_symlinks: true,
                    ..Default::default()
                }
            ),
            Err(HashError::DanglingSymlink { .. })
        ));
        // An ignored symlink is fine even when symlinks are refused (ignores are checked first).
        let ignore = vec![
            "link".to_owned(),
            "dirlink".to_owned(),
            "dangling".to_owned(),
        ];
        assert!(
            hash_model(
                &p,
                &HashOptions {
                    ignore_paths: &ignore,
                    ..Default::default()
                }
            )
            .is_ok()
        );
    }

    #[test]
    fn colon_names_refused_in_shards() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("a:b"), "x").unwrap();
        assert!(matches!(
            hash_model(
                dir.path(),
                &opts(Serialization::Shards {
                    hash: HashAlg::Sha256,
                    shard_size: 10
                })
            ),
            Err(HashError::ColonInShardedName { .. })
        ));
        assert!(hash_model(dir.path(), &opts(Serialization::default())).is_ok());
    }

    #[test]
    fn normalize() {
        assert_eq!(normalize_ignore_path("./a//b/"), Some("a/b".into()));
        assert_eq!(normalize_ignore_path("../a"), None);
        assert_eq!(normalize_ignore_path("."), None);
    }
}
