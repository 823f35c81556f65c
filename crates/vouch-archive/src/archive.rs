//! Multi-entry archives (zip, tar, 7z): listing entries and reading one at a time.
//!
//! [`Archive::open`] lists entries without reading their data (a zip's listing comes from its
//! central directory, a tar's from headers seeked between) and records [`Issue`]s as it goes.
//! [`Archive::read`] then decodes one member under the caller's cap and the [`Limits`]. The
//! format-specific walking lives in `zip`, `tar` and `sevenz`; this module holds what they
//! share: the entry model, name checks, and the accounting of bytes read.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::io::{Read, Seek};

use vouch_core::Limits;

use crate::capped::{Drained, MemberData, Stop};
use crate::{ArchiveError, ContainerKind, Issue, is_safe_name};

/// A reader the archive can seek in. Implemented for every `Read + Seek + Send` type.
pub trait ReadSeek: Read + Seek + Send {}
impl<T: Read + Seek + Send> ReadSeek for T {}

/// What an archive entry is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryKind {
    /// A regular file: the only kind [`Archive::read`] reads.
    File,
    /// A directory.
    Dir,
    /// A symbolic link, or a tar hard link, and where it points.
    Symlink {
        /// Link target as stored (for zip and 7z, the first 4 KiB of the member's content).
        target: String,
    },
    /// Anything else: devices, FIFOs, sparse files, 7z anti-items.
    Other,
}

/// One entry of an archive, as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Position in [`Archive::entries`]; the handle for [`Archive::read`].
    pub index: usize,
    /// Name as stored (non-UTF-8 bytes replaced), unnormalised.
    pub name: String,
    /// Declared uncompressed size. Untrusted: reading never allocates from it.
    pub size: u64,
    /// Declared compressed size. For tar the same as `size`; for 7z the packed size of the whole
    /// block the entry is in (solid blocks hold several entries).
    pub compressed_size: u64,
    /// What it is.
    pub kind: EntryKind,
    /// Whether its content is encrypted (then it cannot be read).
    pub encrypted: bool,
    /// Offset of its (possibly compressed) data in the archive file, when the format has one:
    /// zip and tar do, 7z does not.
    pub data_offset: Option<u64>,
}

/// An opened zip, tar or 7z archive.
pub struct Archive {
    kind: ContainerKind,
    entries: Vec<Entry>,
    issues: Vec<Issue>,
    limits: Limits,
    /// Bytes decoded by reads so far, counted against `limits.max_total_bytes`.
    total_read: u64,
    backend: Backend,
}

enum Backend {
    Zip(crate::zip::ZipReader),
    Tar(crate::tar::TarReader),
    SevenZ(Box<crate::sevenz::SevenZReader>),
}

impl std::fmt::Debug for Archive {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Archive")
            .field("kind", &self.kind)
            .field("entries", &self.entries.len())
            .field("issues", &self.issues)
            .field("total_read", &self.total_read)
            .finish_non_exhaustive()
    }
}

impl Archive {
    /// Opens an archive of `kind` (zip, tar or 7z) and lists its entries.
    ///
    /// Reads only what listing needs: a zip's central directory and local headers, a tar's
    /// headers (seeking over data), a 7z's header. Broken structure is not an error: the
    /// entries listed before the break are kept and an [`Issue::Corrupt`] says what broke.
    /// `Err` means the reader failed, or `kind` is a stream kind.
    pub fn open(
        kind: ContainerKind,
        reader: Box<dyn ReadSeek>,
        limits: &Limits,
    ) -> Result<Archive, ArchiveError> {
        let mut listing = Listing::new(limits);
        let backend = match kind {
            ContainerKind::Zip => Backend::Zip(crate::zip::open(reader, &mut listing)?),
            ContainerKind::Tar => Backend::Tar(crate::tar::open(reader, &mut listing)?),
            ContainerKind::SevenZ => {
                Backend::SevenZ(Box::new(crate::sevenz::open(reader, &mut listing)?))
            }
            _ => return Err(ArchiveError::NotAnArchive { kind }),
        };
        Ok(Archive {
            kind,
            entries: listing.entries,
            issues: listing.issues,
            limits: *limits,
            total_read: 0,
            backend,
        })
    }

    /// The kind it was opened as.
    pub fn kind(&self) -> ContainerKind {
        self.kind
    }

    /// Entries listed, in archive order, at most `Limits::max_archive_entries`.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Issues found while listing. Issues found while reading come with each [`MemberData`].
    pub fn issues(&self) -> &[Issue] {
        &self.issues
    }

    /// Bytes decoded by [`Archive::read`] so far (including 7z data decoded to reach a member
    /// in a solid block), counted against `Limits::max_total_bytes`.
    pub fn total_read(&self) -> u64 {
        self.total_read
    }

    /// Reads one file entry's uncompressed bytes, at most `max` of them (and never more than
    /// `Limits::max_member_bytes`, nor what is left of `Limits::max_total_bytes`).
    ///
    /// Memory grows with bytes actually decoded, never with declared sizes. `truncated` is set
    /// when more data remained; CRC mismatches, early ends and bombs come back as issues with
    /// the bytes decoded so far. `Err` for a bad index, a non-file entry, an encrypted member,
    /// an unsupported compression method, or a failing reader.
    pub fn read(&mut self, index: usize, max: u64) -> Result<MemberData, ArchiveError> {
        let entry = self.entries.get(index).ok_or(ArchiveError::NoSuchEntry {
            index,
            count: self.entries.len(),
        })?;
        let what = match entry.kind {
            EntryKind::File => None,
            EntryKind::Dir => Some("directory"),
            EntryKind::Symlink { .. } => Some("link"),
            EntryKind::Other => Some("special entry"),
        };
        if let Some(what) = what {
            return Err(ArchiveError::NotAFile {
                index,
                name: entry.name.clone(),
                what,
            });
        }
        if entry.encrypted {
            return Err(ArchiveError::Encrypted {
                name: entry.name.clone(),
            });
        }
        let cap = Cap::new(max, &self.limits, self.total_read);
        let entry = entry.clone();
        let (data, work) = match &mut self.backend {
            Backend::Zip(zip) => zip.read(&entry, &cap, &self.limits)?,
            Backend::Tar(tar) => tar.read(&entry, &cap)?,
            Backend::SevenZ(sevenz) => sevenz.read(&entry, &cap, &self.limits)?,
        };
        self.total_read = self.total_read.saturating_add(work);
        Ok(data)
    }
}

/// How many bytes a read may produce, and which limit set that number.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Cap {
    pub(crate) bytes: u64,
    /// What is left of `Limits::max_total_bytes` before this read.
    pub(crate) remaining: u64,
    reason: CapReason,
}

#[derive(Debug, Clone, Copy)]
enum CapReason {
    Caller,
    Member(u64),
    Total(u64),
}

impl Cap {
    /// The cap for a read asking for `max` bytes when `used` of the total budget are spent.
    pub(crate) fn new(max: u64, limits: &Limits, used: u64) -> Cap {
        let remaining = limits.max_total_bytes.saturating_sub(used);
        let (bytes, reason) = if max <= limits.max_member_bytes && max <= remaining {
            (max, CapReason::Caller)
        } else if remaining < limits.max_member_bytes {
            (remaining, CapReason::Total(limits.max_total_bytes))
        } else {
            (
                limits.max_member_bytes,
                CapReason::Member(limits.max_member_bytes),
            )
        };
        Cap {
            bytes,
            remaining,
            reason,
        }
    }
}

/// Turns a drain's result into [`MemberData`], translating why it stopped into issues.
///
/// `what` names the thing for messages ("member \"a\"", "gzip stream"); `name` is the member
/// name for issues (empty for a stream); `declared` is the size the format declares, if any.
pub(crate) fn finish(
    drained: Drained,
    cap: &Cap,
    name: &str,
    what: &str,
    declared: Option<u64>,
    mut issues: Vec<Issue>,
) -> MemberData {
    let mut truncated = false;
    match drained.stop {
        Stop::End => {}
        Stop::Cap => {
            truncated = true;
            match cap.reason {
                CapReason::Caller => {}
                CapReason::Member(limit) => issues.push(Issue::MemberTooLarge {
                    name: name.to_owned(),
                    size: declared
                        .filter(|d| *d > cap.bytes)
                        .unwrap_or(cap.bytes.saturating_add(1)),
                    limit,
                }),
                CapReason::Total(limit) => issues.push(Issue::TotalTooLarge { limit }),
            }
        }
        Stop::Bomb(size, compressed, ratio) => {
            truncated = true;
            issues.push(Issue::Bomb {
                name: name.to_owned(),
                size,
                compressed,
                ratio,
            });
        }
        Stop::Corrupt(detail) => issues.push(Issue::corrupt(format!(
            "{what} broken after {} decoded bytes: {detail}",
            drained.produced
        ))),
    }
    MemberData {
        bytes: drained.bytes,
        truncated,
        issues,
    }
}

/// Entries and issues being collected by a format walker, with the checks every format shares.
pub(crate) struct Listing {
    pub(crate) entries: Vec<Entry>,
    pub(crate) issues: Vec<Issue>,
    pub(crate) limits: Limits,
    /// Entry indices by a (randomly keyed) hash of their name: finds duplicates without a
    /// second copy of every name.
    seen: HashMap<u64, Vec<usize>>,
    hasher: RandomState,
    /// For each link entry listed without its target yet, the index of its `Issue::Symlink`.
    link_issues: HashMap<usize, usize>,
}

impl Listing {
    pub(crate) fn new(limits: &Limits) -> Listing {
        Listing {
            entries: Vec::new(),
            issues: Vec::new(),
            limits: *limits,
            seen: HashMap::new(),
            hasher: RandomState::new(),
            link_issues: HashMap::new(),
        }
    }

    /// True when no more entries may be listed.
    pub(crate) fn full(&self) -> bool {
        self.entries.len() as u64 >= self.limits.max_archive_entries
    }

    /// Records that listing stopped at the limit; `declared` is the archive's own count if any.
    pub(crate) fn too_many(&mut self, declared: Option<u64>) {
        let limit = self.limits.max_archive_entries;
        let count = declared
            .filter(|d| *d > limit)
            .unwrap_or(limit.saturating_add(1));
        self.issues.push(Issue::TooManyEntries { count, limit });
    }

    pub(crate) fn corrupt(&mut self, detail: impl Into<String>) {
        self.issues.push(Issue::corrupt(detail));
    }

    /// Adds an entry (its `index` is assigned here) and the name, duplicate, link and
    /// encryption issues it raises. Returns the index.
    pub(crate) fn push(&mut self, mut entry: Entry) -> usize {
        let index = self.entries.len();
        entry.index = index;
        if !is_safe_name(&entry.name) {
            self.issues.push(Issue::PathTraversal {
                name: entry.name.clone(),
            });
        }
        let same_hash = self
            .seen
            .entry(self.hasher.hash_one(&entry.name))
            .or_default();
        let entries = &self.entries;
        if same_hash
            .iter()
            .any(|i| entries.get(*i).is_some_and(|e| e.name == entry.name))
        {
            self.issues.push(Issue::DuplicateName {
                name: entry.name.clone(),
            });
        }
        same_hash.push(index);
        if let EntryKind::Symlink { target } = &entry.kind {
            if target.is_empty() {
                self.link_issues.insert(index, self.issues.len());
            }
            self.issues.push(Issue::Symlink {
                name: entry.name.clone(),
                target: target.clone(),
            });
        }
        if entry.encrypted {
            self.issues.push(Issue::Encrypted {
                name: entry.name.clone(),
            });
        }
        self.entries.push(entry);
        index
    }

    /// Sets a link's target once it is known, in the entry and in its [`Issue::Symlink`].
    /// Reads the targets of link entries stored as content (zip, 7z), `max` bytes each, through
    /// the container's own `read`. A member that cannot be read gets an empty target; only a
    /// failing reader is an error.
    pub(crate) fn resolve_links(
        &mut self,
        max: u64,
        mut read: impl FnMut(&Entry, &Cap, &Limits) -> Result<(MemberData, u64), ArchiveError>,
    ) -> Result<(), ArchiveError> {
        let links: Vec<Entry> = self
            .entries
            .iter()
            .filter(|e| matches!(e.kind, EntryKind::Symlink { .. }) && !e.encrypted)
            .cloned()
            .collect();
        let limits = self.limits;
        for entry in links {
            let cap = Cap::new(max, &limits, 0);
            let target = match read(&entry, &cap, &limits) {
                Ok((data, _)) => lossy(&data.bytes),
                Err(ArchiveError::Io { context, source }) => {
                    return Err(ArchiveError::Io { context, source });
                }
                Err(_) => String::new(),
            };
            self.set_link_target(entry.index, target);
        }
        Ok(())
    }

    pub(crate) fn set_link_target(&mut self, index: usize, new_target: String) {
        let Some(entry) = self.entries.get_mut(index) else {
            return;
        };
        if let EntryKind::Symlink { target } = &mut entry.kind {
            target.clone_from(&new_target);
        }
        let issue = self
            .link_issues
            .remove(&index)
            .and_then(|i| self.issues.get_mut(i));
        if let Some(Issue::Symlink { target, .. }) = issue {
            *target = new_target;
        }
    }
}

/// Lossy UTF-8 of a stored name (non-UTF-8 bytes become U+FFFD).
pub(crate) fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(member: u64, total: u64) -> Limits {
        Limits {
            max_member_bytes: member,
            max_total_bytes: total,
            ..Limits::default()
        }
    }

    #[test]
    fn cap_reasons() {
        let l = limits(100, 1000);
        assert!(matches!(Cap::new(50, &l, 0).reason, CapReason::Caller));
        assert!(matches!(
            Cap::new(500, &l, 0).reason,
            CapReason::Member(100)
        ));
        assert_eq!(Cap::new(500, &l, 0).bytes, 100);
        let c = Cap::new(500, &l, 950);
        assert!(matches!(c.reason, CapReason::Total(1000)));
        assert_eq!(c.bytes, 50);
        assert_eq!(Cap::new(u64::MAX, &l, u64::MAX).bytes, 0);
    }

    #[test]
    fn archive_is_send() {
        fn is_send<T: Send>() {}
        is_send::<Archive>();
    }
}
