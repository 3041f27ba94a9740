//! Remembered parses: the release and runbook files this process has parsed, and those
//! the parse cache on disk holds, so a load parses only the files whose text changed.
//!
//! Parsing the front matter (YAML) and reading the Markdown's outline is most of loading a
//! big portal: at 10,000 releases about a second of CPU, on every `build`, `check` and
//! every edit `serve` rebuilds for. A file's parse depends only on its path and its text
//! (and the binary), so it is remembered under both: the path, and the BLAKE3 digest of
//! the text read this time. A file whose digest differs is parsed again; nothing is
//! trusted on time stamps. After each load of a folder, only what that load used is kept,
//! so deleted and renamed files are forgotten.
//!
//! Two users: `serve` keeps parses in memory across its rebuilds ([`remember_parses`]),
//! and `build`, `check` and `serve` read and write the parse cache on disk ([`disk`]),
//! which holds each parse in its stored form ([`stored`]), decoded only when a load
//! recalls it (by the loading threads, in parallel). `build` and `check` keep no decoded
//! parse: they load once.
//!
//! Written here rather than with a caching crate: the policy (what the key is, when to
//! forget) is the point, and it is a map behind a mutex.

pub mod disk;
pub mod stored;

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use super::raw::{RawRelease, RawRunbook};
use crate::diagnostics::Diagnostic;
use crate::markdown::Outline;
use stored::Storable;

/// Parses are kept decoded, in memory, across loads (`serve`).
static ON: AtomicBool = AtomicBool::new(false);
/// Parses are kept in their stored form, for the parse cache on disk.
static STORED: AtomicBool = AtomicBool::new(false);

/// From now on, this process remembers the release and runbook files it parses.
pub fn remember_parses() {
    ON.store(true, Ordering::Relaxed);
}

/// From now on, this process keeps the stored form of every parse, for the disk cache.
fn store_parses() {
    STORED.store(true, Ordering::Relaxed);
}

/// What parsing one file's text gave: its front matter, its outline, and the warnings
/// about its text.
#[derive(Debug, Clone)]
pub struct Parse<T> {
    pub front: T,
    pub outline: Arc<Outline>,
    pub warnings: Vec<Diagnostic>,
}

/// A front matter type whose parses can be remembered.
pub trait Rememberable: Storable + Clone + Send + 'static {
    /// The content folder its files are in, which also names its cache file.
    const FOLDER: &'static str;
    fn memory() -> &'static Memory<Self>;
}

impl Rememberable for RawRelease {
    const FOLDER: &'static str = "releases";
    fn memory() -> &'static Memory<Self> {
        static MEMORY: OnceLock<Memory<RawRelease>> = OnceLock::new();
        MEMORY.get_or_init(Memory::default)
    }
}

impl Rememberable for RawRunbook {
    const FOLDER: &'static str = "runbooks";
    fn memory() -> &'static Memory<Self> {
        static MEMORY: OnceLock<Memory<RawRunbook>> = OnceLock::new();
        MEMORY.get_or_init(Memory::default)
    }
}

/// A parse's stored form: a range of bytes read from the cache file, or of its own.
#[derive(Clone)]
pub struct Bytes {
    all: Arc<Vec<u8>>,
    range: Range<usize>,
}

impl Bytes {
    fn own(bytes: Vec<u8>) -> Bytes {
        let range = 0..bytes.len();
        Bytes {
            all: Arc::new(bytes),
            range,
        }
    }

    fn as_slice(&self) -> &[u8] {
        self.all.get(self.range.clone()).unwrap_or_default()
    }
}

/// One remembered file: the digest of its text, its parse when kept decoded, and its
/// stored form when kept for the disk (at least one of the two).
struct Entry<T> {
    digest: blake3::Hash,
    parse: Option<Parse<T>>,
    stored: Option<Bytes>,
}

/// The parses remembered for one front matter type, by the file's full path.
pub struct Memory<T> {
    files: Mutex<HashMap<PathBuf, Entry<T>>>,
    /// Files recalled and files parsed since [`Memory::counts`] was last asked.
    recalled: AtomicUsize,
    parsed: AtomicUsize,
    /// Counts the changes to what is held (a parse remembered, files forgotten), so that
    /// a load that changed nothing need not compare it with the disk.
    changes: AtomicU64,
}

impl<T> Default for Memory<T> {
    fn default() -> Self {
        Memory {
            files: Mutex::new(HashMap::new()),
            recalled: AtomicUsize::new(0),
            parsed: AtomicUsize::new(0),
            changes: AtomicU64::new(0),
        }
    }
}

impl<T: Rememberable> Memory<T> {
    /// The memory, when this process remembers parses (in memory or for the disk).
    pub fn if_on() -> Option<&'static Memory<T>> {
        let on = ON.load(Ordering::Relaxed) || STORED.load(Ordering::Relaxed);
        on.then(T::memory)
    }
}

impl<T: Storable + Clone> Memory<T> {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<PathBuf, Entry<T>>> {
        self.files.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The parse of `path` whose text had `digest`, if remembered. A stored form is decoded
    /// here, outside the lock, so the loading threads decode in parallel; one that does not
    /// decode is not a parse (the file is parsed again).
    pub fn recall(&self, path: &Path, digest: &blake3::Hash) -> Option<Parse<T>> {
        let parse = self.recall_uncounted(path, digest)?;
        self.recalled.fetch_add(1, Ordering::Relaxed);
        Some(parse)
    }

    fn recall_uncounted(&self, path: &Path, digest: &blake3::Hash) -> Option<Parse<T>> {
        let stored = {
            let files = self.lock();
            let entry = files.get(path).filter(|e| e.digest == *digest)?;
            if let Some(parse) = &entry.parse {
                return Some(parse.clone());
            }
            entry.stored.clone()?
        };
        let parse = stored::decode::<T>(stored.as_slice())?;
        if ON.load(Ordering::Relaxed) {
            let mut files = self.lock();
            if let Some(entry) = files.get_mut(path).filter(|e| e.digest == *digest) {
                entry.parse = Some(parse.clone());
            }
        }
        Some(parse)
    }

    /// Remembers the parse of `path` whose text had `digest`: decoded for `serve`, and in
    /// its stored form (encoded here, by the loading thread) for the disk.
    pub fn remember(&self, path: PathBuf, digest: blake3::Hash, parse: Parse<T>) {
        self.parsed.fetch_add(1, Ordering::Relaxed);
        let stored = STORED.load(Ordering::Relaxed);
        let stored = stored.then(|| stored::encode(&parse)).flatten();
        let parse = ON.load(Ordering::Relaxed).then_some(parse);
        let mut files = self.lock();
        self.changes.fetch_add(1, Ordering::Relaxed);
        if parse.is_none() && stored.is_none() {
            files.remove(&path);
            return;
        }
        let stored = stored.map(Bytes::own);
        files.insert(
            path,
            Entry {
                digest,
                parse,
                stored,
            },
        );
    }

    /// Forgets the files of `folder` that are not in `used`.
    pub fn keep_only(&self, folder: &Path, used: &HashSet<PathBuf>) {
        let mut files = self.lock();
        let before = files.len();
        files.retain(|path, _| !path.starts_with(folder) || used.contains(path));
        if files.len() != before {
            self.changes.fetch_add(1, Ordering::Relaxed);
        }
    }
}

impl<T> Memory<T> {
    /// The count of changes so far: read it before looking at what is held.
    fn changes(&self) -> u64 {
        self.changes.load(Ordering::Relaxed)
    }

    /// How many files were recalled and how many parsed since last asked.
    fn counts(&self) -> (usize, usize) {
        let recalled = self.recalled.swap(0, Ordering::Relaxed);
        (recalled, self.parsed.swap(0, Ordering::Relaxed))
    }

    /// The stored forms of the files under `folder`: full path, digest, bytes.
    fn stored_under(&self, folder: &Path) -> Vec<(PathBuf, blake3::Hash, Bytes)> {
        let files = self.files.lock().unwrap_or_else(PoisonError::into_inner);
        let under = files.iter().filter(|(path, _)| path.starts_with(folder));
        let stored = under.filter_map(|(path, entry)| {
            let bytes = entry.stored.clone()?;
            Some((path.clone(), entry.digest, bytes))
        });
        stored.collect()
    }

    /// Lets go of what is remembered under `folder` unless `serve` keeps parses across
    /// loads: `build` and `check` load once, and the stored forms (the cache file, read
    /// whole) would be held for nothing while the site is made. Dropped on another thread,
    /// as 10,000 entries take a few ms.
    fn let_go_once_loaded(&self, folder: &Path)
    where
        T: Send + 'static,
    {
        if ON.load(Ordering::Relaxed) {
            return;
        }
        let mut files = self.files.lock().unwrap_or_else(PoisonError::into_inner);
        let gone: Vec<_> = files
            .extract_if(|path, _| path.starts_with(folder))
            .collect();
        drop(files);
        std::thread::spawn(move || drop(gone));
    }

    /// Adds stored forms read from the disk, for files not remembered already (what this
    /// process parsed itself is as new or newer).
    fn add_stored(&self, entries: Vec<(PathBuf, blake3::Hash, Bytes)>) {
        let mut files = self.files.lock().unwrap_or_else(PoisonError::into_inner);
        files.reserve(entries.len());
        for (path, digest, bytes) in entries {
            files.entry(path).or_insert(Entry {
                digest,
                parse: None,
                stored: Some(bytes),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    impl Storable for String {
        type Stored = String;
        fn to_stored(&self) -> String {
            self.clone()
        }
        fn from_stored(stored: String) -> Result<String, serde::de::value::Error> {
            Ok(stored)
        }
    }

    fn parse(title: &str) -> Parse<String> {
        Parse {
            front: title.to_owned(),
            outline: Arc::default(),
            warnings: Vec::new(),
        }
    }

    #[test]
    fn a_parse_is_recalled_only_for_the_same_path_and_text() {
        remember_parses();
        let memory: Memory<String> = Memory::default();
        let text = blake3::hash(b"title: one");
        let path = PathBuf::from("/portal/releases/a.md");
        memory.remember(path.clone(), text, parse("one"));
        let recalled = memory.recall(&path, &text).map(|p| p.front);
        assert_eq!(recalled.as_deref(), Some("one"));
        let edited = blake3::hash(b"title: two");
        assert!(memory.recall(&path, &edited).is_none());
        let other = PathBuf::from("/portal/releases/b.md");
        assert!(memory.recall(&other, &text).is_none());
    }

    #[test]
    fn files_the_last_load_of_their_folder_did_not_use_are_forgotten() {
        remember_parses();
        let memory: Memory<String> = Memory::default();
        let text = blake3::hash(b"x");
        let kept = PathBuf::from("/portal/releases/kept.md");
        let gone = PathBuf::from("/portal/releases/gone.md");
        let elsewhere = PathBuf::from("/portal/runbooks/r.md");
        for path in [&kept, &gone, &elsewhere] {
            memory.remember(path.clone(), text, parse("x"));
        }
        let used = HashSet::from([kept.clone()]);
        memory.keep_only(Path::new("/portal/releases"), &used);
        assert!(memory.recall(&kept, &text).is_some());
        assert!(memory.recall(&gone, &text).is_none());
        assert!(memory.recall(&elsewhere, &text).is_some());
    }
}
