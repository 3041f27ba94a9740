//! The search-text cache: the plain text the search index reads of each release's notes,
//! kept in `.shipboard/cache/search-text.bin` under the digest of what the text is made
//! from (the notes' Markdown and the site's base path), so a build that keeps a release page
//! without making its data (`model::memo`) does not render its notes again just for the
//! search index.
//!
//! The file is a magic, a key naming the format and the Shipboard binary (another binary
//! may render differently), the BLAKE3 checksum of the rest, then one entry per text: its
//! 16-byte digest, its length (u32, little-endian) and its UTF-8 bytes. Missing,
//! unreadable, corrupt, truncated or foreign, it is a miss (every text is made again, and
//! the file written anew), never an error. A text is taken out of the cache when it is
//! used, so the cache and the index's own copy are never both held; the file is rewritten,
//! into a temporary file renamed into place, only when a text was made anew or one it held
//! was not used.

use std::collections::HashMap;
use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};

use super::{Digest, Fingerprint};

/// The file's first bytes; another format is a miss.
const MAGIC: &[u8; 8] = b"SBTEXTS1";

/// The texts of one build: those the cache file held, until used.
pub struct Texts {
    file: PathBuf,
    held: Mutex<HashMap<Digest, String>>,
    /// Whether the file must be written again after the build.
    changed: AtomicBool,
}

impl Texts {
    /// The cache of the content repo at `root`, read now (empty when it cannot be used);
    /// `read` false (`build --full`) ignores what it holds (it is written anew).
    pub fn load(root: &Path, read: bool) -> Texts {
        let file = root
            .join(".shipboard")
            .join("cache")
            .join("search-text.bin");
        let held = fs::read(&file)
            .ok()
            .filter(|_| read)
            .and_then(|bytes| parse(&bytes))
            .unwrap_or_default();
        Texts {
            file,
            changed: AtomicBool::new(held.is_empty()),
            held: Mutex::new(held),
        }
    }

    /// The digest a release's text is kept under: of its notes and the site's base path
    /// (all its HTML, hence its text, is made from, with the binary).
    pub fn key(notes: &str, root: &str) -> Digest {
        let mut key = Fingerprint::new("search text");
        key.text(notes).text(root);
        key.finish()
    }

    /// The text kept under `key`, taken out of the cache; `None` if it holds none.
    pub fn take(&self, key: &Digest) -> Option<String> {
        let taken = lock(&self.held).remove(key);
        if taken.is_none() {
            self.changed.store(true, Ordering::Relaxed);
        }
        taken
    }

    /// Writes `texts` (digest and text of every release of this build) as the cache, if
    /// it changed: a text was made anew, or one the file held was not used.
    pub fn save<'t>(self, texts: impl Iterator<Item = (Digest, &'t str)>) -> io::Result<()> {
        let unused = !lock(&self.held).is_empty();
        if !unused && !self.changed.load(Ordering::Relaxed) {
            return Ok(());
        }
        // Two passes (the checksum, then the file) rather than the payload held whole: a
        // rebuild of `serve` is at its peak of memory here.
        let entries: Vec<(Digest, &str)> = texts.collect();
        let mut checksum = blake3::Hasher::new();
        each_entry(&entries, &mut |part| {
            checksum.update(part);
            Ok(())
        })?;
        write(&self.file, checksum.finalize().as_bytes(), &entries)
    }
}

/// Hands `out` the payload's parts for `entries`: digest, length, text of each.
fn each_entry(
    entries: &[(Digest, &str)],
    out: &mut dyn FnMut(&[u8]) -> io::Result<()>,
) -> io::Result<()> {
    for (digest, text) in entries {
        // A text of 4 GiB or more cannot be written: it is made again next time.
        let Ok(len) = u32::try_from(text.len()) else {
            continue;
        };
        out(digest)?;
        out(&len.to_le_bytes())?;
        out(text.as_bytes())?;
    }
    Ok(())
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The key of this format and binary.
fn format_key() -> Digest {
    Fingerprint::new("search text cache 1").finish()
}

fn write(file: &Path, checksum: &[u8; 32], entries: &[(Digest, &str)]) -> io::Result<()> {
    let dir = file.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir)?;
    if let Some(root) = dir.parent().and_then(Path::parent) {
        super::ignored_by_git(root)?;
    }
    let temporary = dir.join(format!(".search-text.{}.tmp", std::process::id()));
    let written = (|| {
        let mut out = io::BufWriter::new(fs::File::create(&temporary)?);
        out.write_all(MAGIC)?;
        out.write_all(&format_key())?;
        out.write_all(checksum)?;
        each_entry(entries, &mut |part| out.write_all(part))?;
        // Not forced to disk: a file cut short by a power loss fails its checksum.
        out.flush()
    })();
    written
        .and_then(|()| fs::rename(&temporary, file))
        .inspect_err(|_| {
            let _ = fs::remove_file(&temporary);
        })
}

/// The texts of a cache file, or `None` if it is not intact and ours.
fn parse(bytes: &[u8]) -> Option<HashMap<Digest, String>> {
    let rest = bytes.strip_prefix(MAGIC)?;
    let (key, rest) = rest.split_at_checked(16)?;
    let (checksum, mut payload) = rest.split_at_checked(32)?;
    if key != format_key() || checksum != blake3::hash(payload).as_bytes() {
        return None;
    }
    let mut texts = HashMap::new();
    while !payload.is_empty() {
        let (digest, rest) = payload.split_at_checked(16)?;
        let (len, rest) = rest.split_at_checked(4)?;
        let len = u32::from_le_bytes(len.try_into().ok()?) as usize;
        let (text, rest) = rest.split_at_checked(len)?;
        let text = std::str::from_utf8(text).ok()?.to_owned();
        texts.insert(digest.try_into().ok()?, text);
        payload = rest;
    }
    Some(texts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn saved(root: &Path, texts: &[(&str, &str)]) -> PathBuf {
        let cache = Texts::load(root, true);
        let entries: Vec<(Digest, &str)> = texts
            .iter()
            .map(|(notes, text)| (Texts::key(notes, "/"), *text))
            .collect();
        cache.save(entries.into_iter()).expect("saved");
        root.join(".shipboard/cache/search-text.bin")
    }

    #[test]
    fn saved_texts_are_taken_back_once_each() {
        let dir = tempfile::tempdir().expect("tempdir");
        saved(dir.path(), &[("**a**", "a"), ("b", "b – é")]);
        let cache = Texts::load(dir.path(), true);
        assert_eq!(cache.take(&Texts::key("b", "/")).as_deref(), Some("b – é"));
        assert_eq!(cache.take(&Texts::key("b", "/")), None, "taken once");
        assert_eq!(cache.take(&Texts::key("**a**", "/portal/")), None);
        assert!(dir.path().join(".shipboard/.gitignore").is_file());
    }

    #[test]
    fn a_cache_all_used_and_nothing_made_is_not_written_again() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = saved(dir.path(), &[("a", "a")]);
        let before = fs::metadata(&file)
            .and_then(|m| m.modified())
            .expect("mtime");
        std::thread::sleep(std::time::Duration::from_millis(20));
        let cache = Texts::load(dir.path(), true);
        let key = Texts::key("a", "/");
        let text = cache.take(&key).expect("held");
        cache
            .save([(key, text.as_str())].into_iter())
            .expect("saved");
        let after = fs::metadata(&file)
            .and_then(|m| m.modified())
            .expect("mtime");
        assert_eq!(before, after);
    }

    #[test]
    fn a_corrupt_truncated_or_foreign_file_is_a_miss() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = saved(dir.path(), &[("a", "alpha"), ("b", "beta")]);
        let good = fs::read(&file).expect("read");
        let mut flipped = good.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 1;
        let mut foreign = good.clone();
        foreign[10] ^= 1;
        for (what, bytes) in [
            ("flipped", flipped),
            ("truncated", good[..good.len() - 3].to_vec()),
            ("foreign", foreign),
            ("empty", Vec::new()),
        ] {
            fs::write(&file, &bytes).expect("write");
            let cache = Texts::load(dir.path(), true);
            assert_eq!(cache.take(&Texts::key("a", "/")), None, "{what}");
        }
    }
}
