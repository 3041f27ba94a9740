//! Remembered parses: `serve`'s memory of the release and runbook files it has parsed, so
//! a rebuild after an edit parses only the files whose text changed.
//!
//! Parsing the front matter (YAML) and reading the Markdown's outline is most of loading a
//! big portal: at 10,000 releases about a second of CPU, on every edit `serve` rebuilds
//! for. A file's parse depends only on its path and its text, so it is remembered under
//! both: the path, and the BLAKE3 digest of the text read this time. A file whose digest
//! differs is parsed again; nothing is trusted on time stamps. Off unless `serve` turns it
//! on ([`remember_parses`]): `build` and `check` parse every file once per process, and the
//! memory would be held for nothing. After each load of a folder, only what that load
//! used is kept, so deleted and renamed files are forgotten.
//!
//! Written here rather than with a caching crate: the policy (what the key is, when to
//! forget) is the point, and it is a map behind a mutex.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use super::raw::{RawRelease, RawRunbook};
use crate::diagnostics::Diagnostic;
use crate::markdown::Outline;

static ON: AtomicBool = AtomicBool::new(false);

/// From now on, this process remembers the release and runbook files it parses.
pub fn remember_parses() {
    ON.store(true, Ordering::Relaxed);
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
pub trait Rememberable: Clone + Send + 'static {
    fn memory() -> &'static Memory<Self>;
}

impl Rememberable for RawRelease {
    fn memory() -> &'static Memory<Self> {
        static MEMORY: OnceLock<Memory<RawRelease>> = OnceLock::new();
        MEMORY.get_or_init(Memory::default)
    }
}

impl Rememberable for RawRunbook {
    fn memory() -> &'static Memory<Self> {
        static MEMORY: OnceLock<Memory<RawRunbook>> = OnceLock::new();
        MEMORY.get_or_init(Memory::default)
    }
}

/// The parses remembered for one front matter type, by the file's full path.
pub struct Memory<T> {
    files: Mutex<HashMap<PathBuf, (blake3::Hash, Parse<T>)>>,
}

impl<T> Default for Memory<T> {
    fn default() -> Self {
        Memory {
            files: Mutex::new(HashMap::new()),
        }
    }
}

impl<T: Rememberable> Memory<T> {
    /// The memory, when this process remembers parses.
    pub fn if_on() -> Option<&'static Memory<T>> {
        ON.load(Ordering::Relaxed).then(T::memory)
    }
}

impl<T: Clone> Memory<T> {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<PathBuf, (blake3::Hash, Parse<T>)>> {
        self.files.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The parse of `path` whose text had `digest`, if remembered.
    pub fn recall(&self, path: &Path, digest: &blake3::Hash) -> Option<Parse<T>> {
        let files = self.lock();
        let (remembered, parse) = files.get(path)?;
        (remembered == digest).then(|| parse.clone())
    }

    pub fn remember(&self, path: PathBuf, digest: blake3::Hash, parse: Parse<T>) {
        self.lock().insert(path, (digest, parse));
    }

    /// Forgets the files of `folder` that are not in `used`.
    pub fn keep_only(&self, folder: &Path, used: &HashSet<PathBuf>) {
        self.lock()
            .retain(|path, _| !path.starts_with(folder) || used.contains(path));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(title: &str) -> Parse<String> {
        Parse {
            front: title.to_owned(),
            outline: Arc::default(),
            warnings: Vec::new(),
        }
    }

    #[test]
    fn a_parse_is_recalled_only_for_the_same_path_and_text() {
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
