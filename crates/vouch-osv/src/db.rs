//! The offline advisory index: a single `redb` file (an embedded, crash-safe B-tree store).
//!
//! Why redb: an audit looks up a few hundred to a few thousand package names and reads only
//! the advisories that name them, so a B-tree keyed by `ecosystem/normalised-name` answers
//! in microseconds without loading the database; writes are transactional, so an interrupted
//! import leaves the previous state intact; and it is pure Rust.
//!
//! Tables (layout version [`SCHEMA`]):
//! - `advisories`: id → JSON of the parsed [`Advisory`] and the file it came from;
//! - `packages`: `ecosystem\0normalised-name` → ids (multimap);
//! - `digests`: SHA-256 → ids (multimap), for the AI feed's file digests;
//! - `files`: `source\0relative-path` → what that file held last time (size, stamp, digest,
//!   ids), which makes re-imports incremental: an unchanged file (same size and modification
//!   time, or same CRC for zip members) is not read; a touched file with the same SHA-256 is
//!   not parsed; a deleted file's advisories are removed;
//! - `sources`: source path → when and what was imported;
//! - `meta`: the layout version.
//!
//! Architecture invariant: matching reads only through [`Reader`]; nothing outside this module
//! knows the table layout.

use crate::advisory::{Advisory, Encoding, MAX_RECORD_BYTES};
use crate::error::{Error, Result};
use crate::source::{Source, SourceKind, guess_layout};
use crate::time::now_unix;
use crate::version::Ecosystem;
use rayon::prelude::*;
use redb::{
    MultimapTableDefinition, ReadableDatabase, ReadableMultimapTable, ReadableTable,
    ReadableTableMetadata, TableDefinition,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The database file's name inside a database directory.
pub const DB_FILE: &str = "advisories.redb";
/// The layout version this build reads and writes.
pub const SCHEMA: &str = "vouch-osv/1";

const ADVISORIES: TableDefinition<&str, &[u8]> = TableDefinition::new("advisories");
const PACKAGES: MultimapTableDefinition<&str, &str> = MultimapTableDefinition::new("packages");
const DIGESTS: MultimapTableDefinition<&str, &str> = MultimapTableDefinition::new("digests");
const FILES: TableDefinition<&str, &[u8]> = TableDefinition::new("files");
const SOURCES: TableDefinition<&str, &[u8]> = TableDefinition::new("sources");
const META: TableDefinition<&str, &str> = TableDefinition::new("meta");

/// An advisory as stored: the record and the file that owns it.
#[derive(Serialize, Deserialize)]
struct Stored {
    origin: String,
    advisory: Advisory,
}

/// What one source file held at the last import.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct FileState {
    size: u64,
    stamp: String,
    sha256: String,
    ids: Vec<String>,
    withdrawn: u32,
    ecosystems: Vec<String>,
    newest_modified: Option<String>,
    error: Option<String>,
}

/// What `vouch db status` shows for one imported source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceInfo {
    /// The source's absolute path.
    pub path: String,
    /// `directory` or `zip`.
    pub kind: String,
    /// The layout recognised (`pypa/advisory-database`, ...).
    pub layout: String,
    /// When it was last imported (Unix seconds).
    pub imported_at: i64,
    /// Advisory files in it.
    pub files: u64,
    /// Advisories taken from it (withdrawn ones included).
    pub advisories: u64,
    /// Withdrawn advisories among them (never reported).
    pub withdrawn: u64,
    /// Files that could not be parsed.
    pub errors: u64,
    /// Advisories per ecosystem.
    pub ecosystems: BTreeMap<String, u64>,
    /// The newest `modified` time among its advisories: how fresh the data is.
    pub newest_modified: Option<String>,
}

/// The outcome of one import.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ImportSummary {
    /// Advisory files seen.
    pub files: u64,
    /// Files read and parsed this time (new or changed).
    pub parsed: u64,
    /// Files skipped because unchanged since the last import.
    pub unchanged: u64,
    /// Files that disappeared since the last import (their advisories were removed).
    pub removed: u64,
    /// Advisories added or replaced.
    pub advisories_written: u64,
    /// Files that failed to parse, with the reason (the import goes on without them).
    pub errors: Vec<String>,
    /// Parsed with remarks (ranges vouch cannot evaluate, malformed digests, ...).
    pub notes: Vec<String>,
    /// The source's totals after the import.
    pub source: Option<SourceInfo>,
}

/// The whole database, for `vouch db status`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Status {
    /// The database file.
    pub path: String,
    /// Its size in bytes.
    pub size: u64,
    /// Advisories stored (withdrawn included).
    pub advisories: u64,
    /// Distinct packages indexed.
    pub packages: u64,
    /// Distinct file digests indexed (AI feed).
    pub digests: u64,
    /// Imported sources.
    pub sources: Vec<SourceInfo>,
}

enum Handle {
    Write(redb::Database),
    Read(redb::ReadOnlyDatabase),
}

/// An open advisory database.
pub struct Database {
    handle: Handle,
    path: PathBuf,
}

/// Turns the store's (and serde's) errors into [`Error::Store`], naming the database file.
trait StoreResult<T> {
    fn store(self, path: &Path) -> Result<T>;
}

impl<T, E: std::fmt::Display> StoreResult<T> for std::result::Result<T, E> {
    fn store(self, path: &Path) -> Result<T> {
        self.map_err(|e| Error::Store {
            path: path.to_path_buf(),
            message: e.to_string(),
        })
    }
}

fn open_err(path: &Path, e: redb::DatabaseError) -> Error {
    match e {
        redb::DatabaseError::DatabaseAlreadyOpen => Error::Locked {
            path: path.to_path_buf(),
        },
        other => Error::Store {
            path: path.to_path_buf(),
            message: other.to_string(),
        },
    }
}

/// Retry while another process holds the file, up to ~10 s.
fn with_lock_retry<T>(path: &Path, mut f: impl FnMut() -> Result<T>) -> Result<T> {
    let mut waited = 0u64;
    loop {
        match f() {
            Err(Error::Locked { .. }) if waited < 10_000 => {
                std::thread::sleep(std::time::Duration::from_millis(50));
                waited += 50;
            }
            Err(Error::Locked { .. }) => {
                return Err(Error::Locked {
                    path: path.to_path_buf(),
                });
            }
            other => return other,
        }
    }
}

impl Database {
    /// Open for reading. The file must exist.
    pub fn open(file: &Path) -> Result<Database> {
        if !file.is_file() {
            return Err(Error::NoDatabase {
                path: file.parent().unwrap_or(file).to_path_buf(),
            });
        }
        let db = with_lock_retry(file, || {
            redb::ReadOnlyDatabase::open(file).map_err(|e| open_err(file, e))
        })?;
        let this = Database {
            handle: Handle::Read(db),
            path: file.to_path_buf(),
        };
        this.check_schema()?;
        Ok(this)
    }

    /// Open for writing, creating the file (and its directory) when missing.
    pub fn create(file: &Path) -> Result<Database> {
        if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| Error::io("create directory", dir, e))?;
        }
        let db = with_lock_retry(file, || {
            redb::Database::create(file).map_err(|e| open_err(file, e))
        })?;
        let p: &Path = file;
        let txn = db.begin_write().store(p)?;
        {
            let mut meta = txn.open_table(META).store(p)?;
            let existing = meta.get("schema").store(p)?.map(|g| g.value().to_owned());
            match existing {
                Some(s) if s != SCHEMA => {
                    return Err(Error::SchemaMismatch {
                        path: file.to_path_buf(),
                        found: s,
                        expected: SCHEMA.into(),
                    });
                }
                Some(_) => {}
                None => {
                    meta.insert("schema", SCHEMA).store(p)?;
                }
            }
            txn.open_table(ADVISORIES).store(p)?;
            txn.open_multimap_table(PACKAGES).store(p)?;
            txn.open_multimap_table(DIGESTS).store(p)?;
            txn.open_table(FILES).store(p)?;
            txn.open_table(SOURCES).store(p)?;
        }
        txn.commit().store(p)?;
        Ok(Database {
            handle: Handle::Write(db),
            path: file.to_path_buf(),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn begin_read(&self) -> Result<redb::ReadTransaction> {
        let r = match &self.handle {
            Handle::Write(d) => d.begin_read(),
            Handle::Read(d) => d.begin_read(),
        };
        r.store(&self.path)
    }

    fn check_schema(&self) -> Result<()> {
        let p: &Path = &self.path;
        let txn = self.begin_read()?;
        let found = match txn.open_table(META) {
            Ok(t) => t.get("schema").store(p)?.map(|g| g.value().to_owned()),
            Err(redb::TableError::TableDoesNotExist(_)) => None,
            Err(e) => return Err(e).store(p),
        };
        match found {
            Some(s) if s == SCHEMA => Ok(()),
            other => Err(Error::SchemaMismatch {
                path: self.path.clone(),
                found: other.unwrap_or_else(|| "none".into()),
                expected: SCHEMA.into(),
            }),
        }
    }

    /// A consistent snapshot for lookups.
    pub fn reader(&self) -> Result<Reader> {
        let p: &Path = &self.path;
        let txn = self.begin_read()?;
        Ok(Reader {
            advisories: txn.open_table(ADVISORIES).store(p)?,
            packages: txn.open_multimap_table(PACKAGES).store(p)?,
            digests: txn.open_multimap_table(DIGESTS).store(p)?,
            path: self.path.clone(),
        })
    }

    /// Import (or re-import incrementally) a directory or zip of OSV files.
    ///
    /// Files that fail to parse are listed in the summary and skipped; the import fails only
    /// when the source cannot be read at all or the store fails.
    pub fn import(
        &mut self,
        source_path: &Path,
        progress: &(dyn Fn(u64, u64) + Sync),
    ) -> Result<ImportSummary> {
        let Handle::Write(db) = &self.handle else {
            return Err(Error::Store {
                path: self.path.clone(),
                message: "opened read-only".into(),
            });
        };
        let p: &Path = &self.path;
        let abs =
            std::fs::canonicalize(source_path).map_err(|e| Error::io("read", source_path, e))?;
        let key = abs.display().to_string();
        let mut source = Source::open(&abs)?;
        let entries = source.entries()?;

        // What each file held last time.
        let mut previous: HashMap<String, FileState> = HashMap::new();
        {
            let txn = self.begin_read()?;
            let files = txn.open_table(FILES).store(p)?;
            let prefix = format!("{key}\0");
            for item in files.range(prefix.as_str()..).store(p)? {
                let (k, v) = item.store(p)?;
                let Some(rel) = k.value().strip_prefix(&prefix) else {
                    break;
                };
                if let Ok(state) = serde_json::from_slice::<FileState>(v.value()) {
                    previous.insert(rel.to_owned(), state);
                }
            }
        }

        let mut summary = ImportSummary {
            files: entries.len() as u64,
            ..ImportSummary::default()
        };
        // Read what changed (sequential: zip members need the archive), parse in parallel.
        let mut to_parse: Vec<(String, Vec<u8>, String, u64, String)> = Vec::new();
        let mut touched: Vec<(String, FileState)> = Vec::new();
        let mut read_errors: Vec<(String, FileState)> = Vec::new();
        for e in &entries {
            let prev = previous.get(&e.rel);
            if let Some(p) = prev
                && p.size == e.size
                && p.stamp == e.stamp
            {
                summary.unchanged += 1;
                continue;
            }
            let bytes = match source.read(e, MAX_RECORD_BYTES) {
                Ok(b) => b,
                Err(x) => {
                    summary.errors.push(x.to_string());
                    read_errors.push((
                        e.rel.clone(),
                        FileState {
                            size: e.size,
                            stamp: e.stamp.clone(),
                            error: Some(x.to_string()),
                            ..FileState::default()
                        },
                    ));
                    continue;
                }
            };
            let digest = hex::encode(Sha256::digest(&bytes));
            if let Some(p) = prev
                && p.sha256 == digest
                && p.error.is_none()
            {
                summary.unchanged += 1;
                let mut s = p.clone();
                s.size = e.size;
                s.stamp = e.stamp.clone();
                touched.push((e.rel.clone(), s));
                continue;
            }
            to_parse.push((e.rel.clone(), bytes, e.stamp.clone(), e.size, digest));
        }
        let total = to_parse.len() as u64;
        let done = std::sync::atomic::AtomicU64::new(0);
        let parsed: Vec<(String, FileState, Result<Advisory>)> = to_parse
            .into_par_iter()
            .map(|(rel, bytes, stamp, size, sha256)| {
                let origin = source_origin(&abs, source.kind, &rel);
                let enc = Encoding::of(&rel).unwrap_or(Encoding::Json);
                let adv = Advisory::parse(&bytes, enc, &origin);
                let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                progress(n, total);
                let state = FileState {
                    size,
                    stamp,
                    sha256,
                    ..FileState::default()
                };
                (rel, state, adv)
            })
            .collect();
        summary.parsed = parsed.len() as u64;

        let seen: BTreeSet<&str> = entries.iter().map(|e| e.rel.as_str()).collect();
        let removed: Vec<String> = previous
            .keys()
            .filter(|k| !seen.contains(k.as_str()))
            .cloned()
            .collect();
        summary.removed = removed.len() as u64;

        let txn = db.begin_write().store(p)?;
        {
            let mut advisories = txn.open_table(ADVISORIES).store(p)?;
            let mut packages = txn.open_multimap_table(PACKAGES).store(p)?;
            let mut digests = txn.open_multimap_table(DIGESTS).store(p)?;
            let mut files = txn.open_table(FILES).store(p)?;
            let mut sources = txn.open_table(SOURCES).store(p)?;

            let drop_owned = |rel: &str,
                              advisories: &mut redb::Table<&str, &[u8]>,
                              packages: &mut redb::MultimapTable<&str, &str>,
                              digests: &mut redb::MultimapTable<&str, &str>|
             -> Result<()> {
                let origin = format!("{key}\0{rel}");
                if let Some(state) = previous.get(rel) {
                    for id in &state.ids {
                        remove_if_owned(id, &origin, advisories, packages, digests, &self.path)?;
                    }
                }
                Ok(())
            };

            for rel in &removed {
                drop_owned(rel, &mut advisories, &mut packages, &mut digests)?;
                files.remove(format!("{key}\0{rel}").as_str()).store(p)?;
            }
            for (rel, state) in read_errors {
                drop_owned(&rel, &mut advisories, &mut packages, &mut digests)?;
                put_json(&mut files, &format!("{key}\0{rel}"), &state, &self.path)?;
            }
            for (rel, state) in &touched {
                put_json(&mut files, &format!("{key}\0{rel}"), state, &self.path)?;
            }
            for (rel, mut state, adv) in parsed {
                drop_owned(&rel, &mut advisories, &mut packages, &mut digests)?;
                let origin = format!("{key}\0{rel}");
                match adv {
                    Err(e) => {
                        summary.errors.push(e.to_string());
                        state.error = Some(e.to_string());
                    }
                    Ok(adv) => {
                        for n in &adv.notes {
                            summary.notes.push(format!("{}: {n}", adv.id));
                        }
                        // A record with the same id from another file is replaced.
                        if let Some(old) = get_stored(&advisories, &adv.id, &self.path)? {
                            unindex(&old.advisory, &mut packages, &mut digests, &self.path)?;
                        }
                        index(&adv, &mut packages, &mut digests, &self.path)?;
                        state.ids = vec![adv.id.clone()];
                        state.withdrawn = u32::from(adv.is_withdrawn());
                        state.newest_modified = adv.modified.clone();
                        let mut ecos: Vec<String> = adv
                            .affected
                            .iter()
                            .map(|a| a.ecosystem.as_str().to_owned())
                            .collect();
                        ecos.sort();
                        ecos.dedup();
                        state.ecosystems = ecos;
                        let stored = Stored {
                            origin: origin.clone(),
                            advisory: adv,
                        };
                        let bytes = serde_json::to_vec(&stored).store(p)?;
                        advisories
                            .insert(stored.advisory.id.as_str(), bytes.as_slice())
                            .store(p)?;
                        summary.advisories_written += 1;
                    }
                }
                put_json(&mut files, &origin, &state, &self.path)?;
            }

            // Totals for this source, from the file states.
            let mut info = SourceInfo {
                path: key.clone(),
                kind: match source.kind {
                    SourceKind::Directory => "directory",
                    SourceKind::Zip => "zip",
                }
                .into(),
                layout: guess_layout(
                    source.kind,
                    &entries.iter().map(|e| e.rel.clone()).collect::<Vec<_>>(),
                )
                .into(),
                imported_at: now_unix(),
                files: 0,
                advisories: 0,
                withdrawn: 0,
                errors: 0,
                ecosystems: BTreeMap::new(),
                newest_modified: None,
            };
            let prefix = format!("{key}\0");
            for item in files.range(prefix.as_str()..).store(p)? {
                let (k, v) = item.store(p)?;
                if !k.value().starts_with(&prefix) {
                    break;
                }
                let Ok(s) = serde_json::from_slice::<FileState>(v.value()) else {
                    continue;
                };
                info.files += 1;
                info.advisories += s.ids.len() as u64;
                info.withdrawn += u64::from(s.withdrawn);
                info.errors += u64::from(s.error.is_some());
                for e in s.ecosystems {
                    *info.ecosystems.entry(e).or_default() += 1;
                }
                if s.newest_modified > info.newest_modified {
                    info.newest_modified = s.newest_modified;
                }
            }
            put_json(&mut sources, &key, &info, &self.path)?;
            summary.source = Some(info);
        }
        txn.commit().store(p)?;
        Ok(summary)
    }

    /// Sources, counts and sizes.
    pub fn status(&self) -> Result<Status> {
        let p: &Path = &self.path;
        let txn = self.begin_read()?;
        let mut sources = Vec::new();
        let st = txn.open_table(SOURCES).store(p)?;
        for item in st.iter().store(p)? {
            let (_, v) = item.store(p)?;
            if let Ok(info) = serde_json::from_slice::<SourceInfo>(v.value()) {
                sources.push(info);
            }
        }
        let advisories = txn.open_table(ADVISORIES).store(p)?.len().store(p)?;
        let packages = count_keys(&txn.open_multimap_table(PACKAGES).store(p)?, &self.path)?;
        let digests = count_keys(&txn.open_multimap_table(DIGESTS).store(p)?, &self.path)?;
        Ok(Status {
            path: self.path.display().to_string(),
            size: std::fs::metadata(&self.path).map(|m| m.len()).unwrap_or(0),
            advisories,
            packages,
            digests,
            sources,
        })
    }
}

fn source_origin(root: &Path, kind: SourceKind, rel: &str) -> String {
    match kind {
        SourceKind::Directory => root.join(rel).display().to_string(),
        SourceKind::Zip => format!("{}!{rel}", root.display()),
    }
}

fn count_keys(t: &redb::ReadOnlyMultimapTable<&str, &str>, path: &Path) -> Result<u64> {
    let p: &Path = path;
    let mut n = 0;
    for item in t.iter().store(p)? {
        item.store(p)?;
        n += 1;
    }
    Ok(n)
}

fn put_json<T: Serialize>(
    t: &mut redb::Table<&str, &[u8]>,
    key: &str,
    value: &T,
    path: &Path,
) -> Result<()> {
    let p: &Path = path;
    let bytes = serde_json::to_vec(value).store(p)?;
    t.insert(key, bytes.as_slice()).store(p)?;
    Ok(())
}

fn get_stored(t: &redb::Table<&str, &[u8]>, id: &str, path: &Path) -> Result<Option<Stored>> {
    let p: &Path = path;
    Ok(t.get(id)
        .store(p)?
        .and_then(|g| serde_json::from_slice::<Stored>(g.value()).ok()))
}

fn package_keys(adv: &Advisory) -> BTreeSet<String> {
    adv.affected
        .iter()
        .map(|a| package_key(&a.ecosystem, &a.name))
        .collect()
}

/// The index key of a package.
pub(crate) fn package_key(eco: &Ecosystem, name: &str) -> String {
    format!("{}\0{}", eco.as_str(), eco.normalize_name(name))
}

fn digest_keys(adv: &Advisory) -> BTreeSet<String> {
    adv.affected
        .iter()
        .flat_map(|a| a.artifacts.iter().map(|x| x.sha256.clone()))
        .collect()
}

fn index(
    adv: &Advisory,
    packages: &mut redb::MultimapTable<&str, &str>,
    digests: &mut redb::MultimapTable<&str, &str>,
    path: &Path,
) -> Result<()> {
    let p: &Path = path;
    for k in package_keys(adv) {
        packages.insert(k.as_str(), adv.id.as_str()).store(p)?;
    }
    for k in digest_keys(adv) {
        digests.insert(k.as_str(), adv.id.as_str()).store(p)?;
    }
    Ok(())
}

fn unindex(
    adv: &Advisory,
    packages: &mut redb::MultimapTable<&str, &str>,
    digests: &mut redb::MultimapTable<&str, &str>,
    path: &Path,
) -> Result<()> {
    let p: &Path = path;
    for k in package_keys(adv) {
        packages.remove(k.as_str(), adv.id.as_str()).store(p)?;
    }
    for k in digest_keys(adv) {
        digests.remove(k.as_str(), adv.id.as_str()).store(p)?;
    }
    Ok(())
}

fn remove_if_owned(
    id: &str,
    origin: &str,
    advisories: &mut redb::Table<&str, &[u8]>,
    packages: &mut redb::MultimapTable<&str, &str>,
    digests: &mut redb::MultimapTable<&str, &str>,
    path: &Path,
) -> Result<()> {
    let p: &Path = path;
    if let Some(old) = get_stored(advisories, id, path)?
        && old.origin == origin
    {
        unindex(&old.advisory, packages, digests, path)?;
        advisories.remove(id).store(p)?;
    }
    Ok(())
}

/// Where advisories are looked up: the offline index, or records held in memory (the OSV
/// API's answers, tests).
pub trait Lookup {
    /// Advisories naming this package (any version), withdrawn ones included.
    fn by_package(&self, ecosystem: &Ecosystem, name: &str) -> Result<Vec<Arc<Advisory>>>;
    /// Advisories naming a file with this SHA-256 (lower-case hex).
    fn by_digest(&self, sha256: &str) -> Result<Vec<Arc<Advisory>>>;
    /// How many advisories can be checked.
    fn count(&self) -> Result<u64>;
}

/// A read snapshot of a [`Database`].
pub struct Reader {
    advisories: redb::ReadOnlyTable<&'static str, &'static [u8]>,
    packages: redb::ReadOnlyMultimapTable<&'static str, &'static str>,
    digests: redb::ReadOnlyMultimapTable<&'static str, &'static str>,
    path: PathBuf,
}

impl Reader {
    fn load(&self, id: &str) -> Result<Option<Arc<Advisory>>> {
        let p: &Path = &self.path;
        let Some(g) = self.advisories.get(id).store(p)? else {
            return Ok(None);
        };
        let stored: Stored = serde_json::from_slice(g.value()).store(p)?;
        Ok(Some(Arc::new(stored.advisory)))
    }

    fn ids(
        &self,
        t: &redb::ReadOnlyMultimapTable<&'static str, &'static str>,
        key: &str,
    ) -> Result<Vec<String>> {
        let p: &Path = &self.path;
        let mut out = Vec::new();
        for v in t.get(key).store(p)? {
            out.push(v.store(p)?.value().to_owned());
        }
        Ok(out)
    }
}

impl Lookup for Reader {
    fn by_package(&self, ecosystem: &Ecosystem, name: &str) -> Result<Vec<Arc<Advisory>>> {
        let mut out = Vec::new();
        for id in self.ids(&self.packages, &package_key(ecosystem, name))? {
            out.extend(self.load(&id)?);
        }
        Ok(out)
    }

    fn by_digest(&self, sha256: &str) -> Result<Vec<Arc<Advisory>>> {
        let mut out = Vec::new();
        for id in self.ids(&self.digests, &sha256.to_ascii_lowercase())? {
            out.extend(self.load(&id)?);
        }
        Ok(out)
    }

    fn count(&self) -> Result<u64> {
        self.advisories.len().store(&self.path)
    }
}

/// Advisories held in memory, indexed like the database.
#[derive(Default)]
pub struct MemoryIndex {
    advisories: Vec<Arc<Advisory>>,
    packages: HashMap<String, Vec<usize>>,
    digests: HashMap<String, Vec<usize>>,
}

impl MemoryIndex {
    /// An index of these advisories (a later record with the same id replaces an earlier one).
    pub fn new(advisories: impl IntoIterator<Item = Advisory>) -> MemoryIndex {
        let mut by_id: BTreeMap<String, Advisory> = BTreeMap::new();
        for a in advisories {
            by_id.insert(a.id.clone(), a);
        }
        let mut idx = MemoryIndex::default();
        for (i, a) in by_id.into_values().enumerate() {
            for k in package_keys(&a) {
                idx.packages.entry(k).or_default().push(i);
            }
            for k in digest_keys(&a) {
                idx.digests.entry(k).or_default().push(i);
            }
            idx.advisories.push(Arc::new(a));
        }
        idx
    }

    fn get(&self, map: &HashMap<String, Vec<usize>>, key: &str) -> Vec<Arc<Advisory>> {
        map.get(key)
            .map(|v| {
                v.iter()
                    .filter_map(|&i| self.advisories.get(i).cloned())
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl Lookup for MemoryIndex {
    fn by_package(&self, ecosystem: &Ecosystem, name: &str) -> Result<Vec<Arc<Advisory>>> {
        Ok(self.get(&self.packages, &package_key(ecosystem, name)))
    }
    fn by_digest(&self, sha256: &str) -> Result<Vec<Arc<Advisory>>> {
        Ok(self.get(&self.digests, &sha256.to_ascii_lowercase()))
    }
    fn count(&self) -> Result<u64> {
        Ok(self.advisories.len() as u64)
    }
}
