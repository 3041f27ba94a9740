//! The parse cache on disk: the remembered parses of a content repo's release and runbook
//! files, kept in `.shipboard/cache/parses-releases.bin` and `parses-runbooks.bin` beside
//! the build record and the history cache, so `build`, `check` and the first build of
//! `serve` parse only the files whose text changed since any of them last ran.
//!
//! A file is the format's magic, a key naming the format and the Shipboard binary
//! ([`crate::cache::Fingerprint`], as the history cache: another binary may parse
//! differently), the checksum of the rest, then one entry per file: its path relative to
//! the content dir, the BLAKE3 digest of its text, and its parse's stored form. Missing,
//! unreadable, corrupt, truncated or foreign, it is a miss (every file is parsed, and the
//! file written anew), never an error. It is written, to a temporary file renamed into
//! place, only when what is remembered for the content repo differs from what the file
//! holds, and a failure to write it (a read-only checkout) is a note, not an error.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::ops::Range;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use super::{store_parses, Bytes, Rememberable};
use crate::cache::{digest, Digest, Fingerprint};
use crate::content::raw::{RawRelease, RawRunbook};

/// The file's first bytes; another format is a miss.
const MAGIC: &[u8; 8] = b"SBPARSE1";

/// What the cache file of each (content repo, folder) holds, as the digest of its index
/// (paths and text digests; `None` when unknown: not read, or not intact), and the
/// memory's count of changes when that was last made sure of. A content repo is in here
/// once its cache was opened by this process.
type OnDisk = BTreeMap<(PathBuf, &'static str), Held>;

#[derive(Clone, Copy, PartialEq, Eq)]
struct Held {
    index: Option<blake3::Hash>,
    seen: u64,
}

static ON_DISK: Mutex<OnDisk> = Mutex::new(BTreeMap::new());

fn on_disk() -> std::sync::MutexGuard<'static, OnDisk> {
    ON_DISK.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Before a load of `root`: from now on parses are kept for the disk, and, unless `read`
/// is false (`build --full`) or this process opened it already (`serve`'s rebuilds),
/// the parses the cache holds are remembered. Says why the cache was not used, if not.
pub fn before_load(root: &Path, read: bool) -> Vec<String> {
    store_parses();
    [
        open::<RawRelease>(root, read),
        open::<RawRunbook>(root, read),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// After a load of `root`: writes its cache files whose content changed (a file parsed
/// anew, or forgotten). Says why one could not be written, if so.
pub fn after_load(root: &Path) -> Vec<String> {
    let reused =
        |(recalled, parsed): (usize, usize)| format!("{recalled} of {}", recalled + parsed);
    let releases = reused(RawRelease::memory().counts());
    let runbooks = reused(RawRunbook::memory().counts());
    let counts = format!(
        "parse cache: reused the parses of {releases} release files and {runbooks} runbook files"
    );
    let saved = [save::<RawRelease>(root), save::<RawRunbook>(root)];
    RawRelease::memory().let_go_once_loaded(&root.join(RawRelease::FOLDER));
    RawRunbook::memory().let_go_once_loaded(&root.join(RawRunbook::FOLDER));
    std::iter::once(counts)
        .chain(saved.into_iter().flatten())
        .collect()
}

/// Where the cache of `T`'s files of the content repo at `root` is.
pub fn cache_path<T: Rememberable>(root: &Path) -> PathBuf {
    let name = format!("parses-{}.bin", T::FOLDER);
    root.join(".shipboard").join("cache").join(name)
}

/// The key of a cache file: this format, this binary and the kind of file.
fn key<T: Rememberable>() -> Digest {
    Fingerprint::new(&format!("parses-{}", T::FOLDER)).finish()
}

fn open<T: Rememberable>(root: &Path, read: bool) -> Option<String> {
    let slot = (root.to_path_buf(), T::FOLDER);
    if on_disk().contains_key(&slot) {
        return None;
    }
    let (index_held, note) = match read {
        false => (None, None),
        true => match read_cache::<T>(root) {
            Ok(entries) => {
                let held = index(root, &entries);
                T::memory().add_stored(entries);
                (Some(held), None)
            }
            Err((held, note)) => (held, Some(note)),
        },
    };
    let seen = T::memory().changes();
    let held = Held {
        index: index_held,
        seen,
    };
    on_disk().insert(slot, held);
    note
}

/// The entries of the cache file of `T` (full path, digest, stored form), or what it is
/// known to hold and why it was not used.
type Entries = Vec<(PathBuf, blake3::Hash, Bytes)>;

fn read_cache<T: Rememberable>(root: &Path) -> Result<Entries, (Option<blake3::Hash>, String)> {
    let path = cache_path::<T>(root);
    let bytes = match fs::read(&path) {
        Ok(bytes) => bytes,
        Err(err) if err.kind() == io::ErrorKind::NotFound => {
            let nothing = index(root, &[]);
            return Err((
                Some(nothing),
                format!("no parse cache of {} yet: every file is parsed", T::FOLDER),
            ));
        }
        Err(err) => {
            let note = format!("parse cache {} unreadable ({err}): ignored", path.display());
            return Err((None, note));
        }
    };
    let all = Arc::new(bytes);
    entries::<T>(root, &all).ok_or_else(|| {
        let note = format!(
            "parse cache {} is corrupt or from another version: ignored, written anew",
            path.display()
        );
        (None, note)
    })
}

/// The entries of a cache file's bytes, if they are intact and of this binary.
fn entries<T: Rememberable>(root: &Path, all: &Arc<Vec<u8>>) -> Option<Entries> {
    let bytes = all.as_slice();
    let rest = bytes.strip_prefix(MAGIC)?;
    let rest = rest.strip_prefix(key::<T>().as_slice())?;
    let (checksum, payload) = rest.split_at_checked(16)?;
    if checksum != digest(payload) {
        return None;
    }
    let mut reader = Reader {
        bytes,
        at: bytes.len() - payload.len(),
    };
    let count = reader.number()?;
    let mut entries = Vec::new();
    for _ in 0..count {
        let path = std::str::from_utf8(reader.piece()?).ok()?;
        let relative = Path::new(path);
        let in_folder = relative.strip_prefix(T::FOLDER);
        let inside = in_folder.is_ok_and(|rest| rest.components().next().is_some())
            && relative
                .components()
                .all(|c| matches!(c, Component::Normal(_)));
        if !inside {
            return None;
        }
        let text: [u8; 32] = reader.bytes(32)?.try_into().ok()?;
        let range = reader.range()?;
        let stored = Bytes {
            all: Arc::clone(all),
            range,
        };
        entries.push((root.join(relative), blake3::Hash::from(text), stored));
    }
    (reader.at == bytes.len()).then_some(entries)
}

/// Reads a cache file's payload, never past its end.
struct Reader<'b> {
    bytes: &'b [u8],
    at: usize,
}

impl<'b> Reader<'b> {
    fn range_of(&mut self, len: usize) -> Option<Range<usize>> {
        let range = self.at..self.at.checked_add(len)?;
        self.bytes.get(range.clone())?;
        self.at = range.end;
        Some(range)
    }

    fn bytes(&mut self, len: usize) -> Option<&'b [u8]> {
        let range = self.range_of(len)?;
        self.bytes.get(range)
    }

    fn number(&mut self) -> Option<usize> {
        let bytes: [u8; 4] = self.bytes(4)?.try_into().ok()?;
        usize::try_from(u32::from_le_bytes(bytes)).ok()
    }

    /// A length, then that many bytes.
    fn range(&mut self) -> Option<Range<usize>> {
        let len = self.number()?;
        self.range_of(len)
    }

    fn piece(&mut self) -> Option<&'b [u8]> {
        let range = self.range()?;
        self.bytes.get(range)
    }
}

/// The digest of what `entries` are (paths and text digests): whether the file on disk
/// holds the same files, parsed from the same texts.
fn index(root: &Path, entries: &[(PathBuf, blake3::Hash, Bytes)]) -> blake3::Hash {
    let mut listed: Vec<(&[u8], &blake3::Hash)> = entries
        .iter()
        .filter_map(|(path, text, _)| Some((relative(root, path)?, text)))
        .collect();
    listed.sort_unstable_by(|a, b| a.0.cmp(b.0));
    let mut hasher = blake3::Hasher::new();
    for (path, text) in listed {
        hasher.update(&(path.len() as u64).to_le_bytes());
        hasher.update(path);
        hasher.update(text.as_bytes());
    }
    hasher.finalize()
}

/// The bytes of `path` (a remembered file of the content repo at `root`) relative to
/// `root`, if UTF-8 (the format's paths are). Bytes, not `Path`s: comparing, sorting and
/// stripping `Path`s goes component by component, and at 10,000 files took a tenth of
/// the load's time.
fn relative<'p>(root: &Path, path: &'p Path) -> Option<&'p [u8]> {
    let bytes = path.as_os_str().as_encoded_bytes();
    let rest = bytes.strip_prefix(root.as_os_str().as_encoded_bytes())?;
    let rest = rest.strip_prefix(b"/").unwrap_or(rest);
    std::str::from_utf8(rest).is_ok().then_some(rest)
}

fn save<T: Rememberable>(root: &Path) -> Option<String> {
    let slot = (root.to_path_buf(), T::FOLDER);
    let seen = T::memory().changes();
    let unchanged = |held: &Held| held.index.is_some() && held.seen == seen;
    if on_disk().get(&slot).is_some_and(unchanged) {
        // Nothing parsed anew or forgotten since the file was read or written.
        return None;
    }
    let mut entries = T::memory().stored_under(&root.join(T::FOLDER));
    // A path the format cannot hold is left out: that file is simply parsed again.
    entries.retain(|(path, _, _)| relative(root, path).is_some());
    entries.sort_unstable_by(|a, b| relative(root, &a.0).cmp(&relative(root, &b.0)));
    let held = Held {
        index: Some(index(root, &entries)),
        seen,
    };
    let mut on_disk = on_disk();
    if on_disk.get(&slot).is_some_and(|h| h.index == held.index) {
        on_disk.insert(slot, held);
        return None;
    }
    match write::<T>(root, &entries) {
        Ok(()) => {
            on_disk.insert(slot, held);
            None
        }
        Err(err) => Some(format!(
            "could not save the parse cache {}: {err}",
            cache_path::<T>(root).display()
        )),
    }
}

fn write<T: Rememberable>(root: &Path, entries: &Entries) -> io::Result<()> {
    let payload = payload(root, entries)?;
    let mut bytes = Vec::with_capacity(payload.len() + 40);
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&key::<T>());
    bytes.extend_from_slice(&digest(&payload));
    bytes.extend_from_slice(&payload);
    let path = cache_path::<T>(root);
    let dir = path.parent().unwrap_or(root);
    fs::create_dir_all(dir)?;
    crate::cache::ignored_by_git(root)?;
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let unique = NEXT.fetch_add(1, Ordering::Relaxed);
    let temporary = dir.join(format!(".parses-{}-{unique}.tmp", std::process::id()));
    let written = fs::write(&temporary, &bytes).and_then(|()| fs::rename(&temporary, &path));
    if written.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    written
}

fn payload(root: &Path, entries: &Entries) -> io::Result<Vec<u8>> {
    let size: usize = entries.iter().map(|e| e.2.range.len() + 100).sum();
    let mut payload = Vec::with_capacity(size + 4);
    let number = |n: usize| {
        u32::try_from(n)
            .map(u32::to_le_bytes)
            .map_err(io::Error::other)
    };
    payload.extend_from_slice(&number(entries.len())?);
    for (path, text, stored) in entries {
        let relative = relative(root, path).ok_or_else(|| io::Error::other("path not UTF-8"))?;
        payload.extend_from_slice(&number(relative.len())?);
        payload.extend_from_slice(relative);
        payload.extend_from_slice(text.as_bytes());
        let stored = stored.as_slice();
        payload.extend_from_slice(&number(stored.len())?);
        payload.extend_from_slice(stored);
    }
    Ok(payload)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(root: &Path, relative: &str, stored: &[u8]) -> (PathBuf, blake3::Hash, Bytes) {
        let text = blake3::hash(relative.as_bytes());
        (root.join(relative), text, Bytes::own(stored.to_vec()))
    }

    fn read_back(root: &Path) -> Option<Vec<(PathBuf, blake3::Hash, Vec<u8>)>> {
        let all = Arc::new(fs::read(cache_path::<RawRunbook>(root)).ok()?);
        let entries = entries::<RawRunbook>(root, &all)?;
        let plain = entries
            .into_iter()
            .map(|(p, t, b)| (p, t, b.as_slice().to_vec()));
        Some(plain.collect())
    }

    #[test]
    fn written_entries_read_back_as_they_were() {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path();
        let entries = vec![
            entry(root, "runbooks/a.md", b"one"),
            entry(root, "runbooks/deep/b.md", b""),
        ];
        write::<RawRunbook>(root, &entries).expect("written");
        let expected: Vec<_> = entries
            .iter()
            .map(|(p, t, b)| (p.clone(), *t, b.as_slice().to_vec()))
            .collect();
        assert_eq!(read_back(root), Some(expected));
        let ignore = fs::read_to_string(root.join(".shipboard/.gitignore")).expect("ignored");
        assert!(ignore.contains('*'));
    }

    #[test]
    fn an_intact_file_naming_a_path_outside_its_folder_is_not_trusted() {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path();
        for outside in ["runbooks/../../etc/passwd", "releases/a.md", "runbooks"] {
            let entries = vec![entry(root, outside, b"x")];
            write::<RawRunbook>(root, &entries).expect("written");
            assert_eq!(read_back(root), None, "{outside}");
        }
        let entries = vec![entry(root, "runbooks/a.md", b"x")];
        write::<RawRunbook>(root, &entries).expect("written");
        assert!(read_back(root).is_some());
    }

    #[test]
    fn a_path_is_relative_to_the_content_dir_however_it_was_named() {
        for root in [".", "/portal", "/portal/", "portal"] {
            let root = Path::new(root);
            let path = root.join("releases/a.md");
            assert_eq!(
                relative(root, &path),
                Some(&b"releases/a.md"[..]),
                "{root:?}"
            );
        }
    }
}
