//! The incremental build's record: what the last build wrote into an output folder, so the
//! next build of the same output keeps (hard-links) every file that would come out the
//! same instead of rendering and writing it again.
//!
//! For each file it holds the BLAKE3 digest of its bytes and how it was on disk (size,
//! modification time, inode); for a page also its *fingerprint*, the digest of everything
//! its HTML is rendered from (the theme's templates, the site's data and the page's data,
//! but not the build moment), and the moment it was rendered at. A page whose fingerprint
//! is unchanged is not rendered at all when its recorded moment may stand (see
//! [`MomentRule`]). The files of the search index carry the digest of everything the index
//! is made from (`model::memo::search_index_key`): when it is unchanged the whole index is
//! kept and not made. Any other file is made and kept only if its bytes are the same.
//!
//! The record lives in `.shipboard/cache/` in the content repo, one file per output folder.
//! It is never trusted blindly: the file starts with a format line naming the format, the
//! Shipboard binary (version, and its executable's size and time) and a checksum of the rest; any mismatch or malformed line makes it
//! a miss (everything is rendered, and a new record is written). An output file is kept only
//! while it is exactly as recorded (size, modification time and inode), so a file edited or
//! replaced in the output by hand is rewritten. The record is written after the site is
//! published, into a temporary file renamed into place: a build killed at any point leaves
//! either the old record (which still describes every file the new site shares with the old
//! one, because shared files are the same inodes) or the new one.
//!
//! Written here rather than with a crate: the record is a few dozen lines of tab-separated
//! text, and what matters (what to trust, when) is this module's own policy.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock, PoisonError};

use chrono::{DateTime, Utc};

pub mod texts;

/// The record's format; a different number is a miss.
const FORMAT: &str = "shipboard-build-cache 2";

/// The Shipboard binary this is: its version, and the size and modification time of its
/// executable, so a record made by another build of Shipboard (even of the same version,
/// whose rendering may differ) is never trusted.
fn binary() -> &'static str {
    static BINARY: OnceLock<String> = OnceLock::new();
    BINARY.get_or_init(|| {
        let stamp = std::env::current_exe()
            .and_then(|exe| Stamp::of(&exe))
            .map(|s| format!("{}.{}", s.len, s.modified_ns))
            // Unknown: a name no other run has, so nothing is trusted.
            .unwrap_or_else(|_| {
                format!(
                    "unknown-{}-{:?}",
                    std::process::id(),
                    std::time::SystemTime::now()
                )
            });
        format!("{}+{stamp}", env!("CARGO_PKG_VERSION"))
    })
}

/// A 128-bit BLAKE3 digest: of a file's bytes, or a page's fingerprint.
pub type Digest = [u8; 16];

/// The digest of `bytes`.
pub fn digest(bytes: &[u8]) -> Digest {
    truncate(blake3::hash(bytes))
}

fn truncate(hash: blake3::Hash) -> Digest {
    let mut out = [0; 16];
    out.copy_from_slice(&hash.as_bytes()[..16]);
    out
}

/// The digest of a file written in parts: the same as [`digest`] of the whole.
#[derive(Default, Clone)]
pub struct PartsDigest(blake3::Hasher);

impl PartsDigest {
    pub fn update(&mut self, part: &[u8]) {
        self.0.update(part);
    }

    pub fn finish(&self) -> Digest {
        truncate(self.0.finalize())
    }
}

/// Accumulates a fingerprint: parts, each followed by its length, so no two different
/// sequences of parts hash alike (read from the end, the lengths split them).
#[derive(Clone)]
pub struct Fingerprint(blake3::Hasher);

impl Fingerprint {
    pub fn new(kind: &str) -> Self {
        let mut fingerprint = Fingerprint(blake3::Hasher::new());
        fingerprint.text(FORMAT).text(binary()).text(kind);
        fingerprint
    }

    /// Adds raw bytes.
    pub fn bytes(&mut self, bytes: &[u8]) -> &mut Self {
        self.0.update(bytes);
        self.0.update(&(bytes.len() as u64).to_le_bytes());
        self
    }

    pub fn text(&mut self, text: &str) -> &mut Self {
        self.bytes(text.as_bytes())
    }

    /// Adds a value as CBOR, streamed into the hash. serde's output for the data templates
    /// get is deterministic (structs in field order, maps as the model sorts them), and
    /// CBOR is unambiguous like JSON (field names, typed and length-prefixed items, so a
    /// field left out cannot make two values look alike) but writes strings as they are
    /// and numbers in binary: hashing page data this way is faster than as JSON, where
    /// every string is scanned for characters to escape.
    pub fn value<T: serde::Serialize + ?Sized>(&mut self, value: &T) -> Result<&mut Self, String> {
        let _fingerprinting = Fingerprinting::start();
        let counting = Counting {
            hasher: &mut self.0,
            written: 0,
        };
        // The encoder writes item by item; the hash is fast on long runs, not on bytes.
        let mut writer = io::BufWriter::with_capacity(16 * 1024, counting);
        ciborium::into_writer(value, &mut writer).map_err(|err| err.to_string())?;
        let written = writer
            .into_inner()
            .map_err(|err| err.into_error().to_string())?
            .written;
        self.0.update(&written.to_le_bytes());
        Ok(self)
    }

    pub fn finish(&self) -> Digest {
        truncate(self.0.finalize())
    }
}

/// Feeds a [`Fingerprint`] what `Hash` and `Debug` write, gathered into parts (`Hash` and
/// `Debug` write many short pieces, and the hash is fast on long runs; a `Hasher`'s own 64
/// bits would be too few to trust). A part ends at [`Feed::part`] (its length marks the
/// end, so two parts never run into each other) or when it reaches about 64 KiB of text.
pub struct Feed<'f> {
    into: &'f mut Fingerprint,
    buffer: Vec<u8>,
}

impl<'f> Feed<'f> {
    const PART: usize = 64 * 1024;

    pub fn new(into: &'f mut Fingerprint) -> Self {
        Feed {
            into,
            buffer: Vec::new(),
        }
    }

    /// Hashes what is gathered as one part; call it after the last write too.
    pub fn part(&mut self) {
        self.into.bytes(&self.buffer);
        self.buffer.clear();
    }
}

impl std::hash::Hasher for Feed<'_> {
    fn write(&mut self, bytes: &[u8]) {
        self.buffer.extend_from_slice(bytes);
    }

    fn finish(&self) -> u64 {
        0
    }
}

impl std::fmt::Write for Feed<'_> {
    fn write_str(&mut self, text: &str) -> std::fmt::Result {
        self.buffer.extend_from_slice(text.as_bytes());
        if self.buffer.len() >= Self::PART {
            self.part();
        }
        Ok(())
    }
}

thread_local! {
    static FINGERPRINTING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether this thread is serializing a value into a fingerprint: a value that is a pure
/// function of smaller inputs (rendered Markdown: [`crate::markdown::LazyHtml`]) then
/// serializes a digest of those inputs instead of itself, which is cheaper to hash and
/// spares computing it. serde has no way to tell a serializer's purpose, hence the flag.
pub fn fingerprinting() -> bool {
    FINGERPRINTING.with(std::cell::Cell::get)
}

/// Sets the flag for one `Fingerprint::value`, and puts back what was there when dropped
/// (also when serialization fails midway).
struct Fingerprinting(bool);

impl Fingerprinting {
    fn start() -> Fingerprinting {
        Fingerprinting(FINGERPRINTING.with(|flag| flag.replace(true)))
    }
}

impl Drop for Fingerprinting {
    fn drop(&mut self) {
        FINGERPRINTING.with(|flag| flag.set(self.0));
    }
}

/// Feeds what is written into the hash and counts it.
struct Counting<'h> {
    hasher: &'h mut blake3::Hasher,
    written: u64,
}

impl io::Write for Counting<'_> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.hasher.update(bytes);
        self.written += bytes.len() as u64;
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// How a file is on disk; a kept file must still be exactly so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    pub len: u64,
    pub modified_ns: i128,
    pub inode: u64,
}

impl Stamp {
    pub fn of(path: &Path) -> io::Result<Stamp> {
        Stamp::of_metadata(&fs::symlink_metadata(path)?)
    }

    /// The stamp of a file whose metadata (not following links) was read already.
    pub fn of_metadata(meta: &fs::Metadata) -> io::Result<Stamp> {
        if !meta.is_file() {
            return Err(io::Error::other("not a regular file"));
        }
        let modified_ns = meta
            .modified()?
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as i128)
            .unwrap_or(-1);
        Ok(Stamp {
            len: meta.len(),
            modified_ns,
            inode: inode(meta),
        })
    }
}

#[cfg(unix)]
fn inode(meta: &fs::Metadata) -> u64 {
    std::os::unix::fs::MetadataExt::ino(meta)
}

#[cfg(not(unix))]
fn inode(_: &fs::Metadata) -> u64 {
    0
}

/// What the record says of one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub bytes: Digest,
    pub stamp: Stamp,
    /// For a page: its fingerprint and the moment (Unix millis) it was rendered at. For a
    /// file of the search index: the digest of what the index was made from, and the
    /// moment of the build that made it.
    pub page: Option<(Digest, i64)>,
    /// For a release page: what its data was made from, and what it came to.
    pub memo: Option<Memo>,
}

/// A release page's data, remembered: the digest of everything it is made from (`key`,
/// see `model::memo`) and the digest of the data it came to (`data`). A later build whose
/// key for the page is the same knows the page's data digest, and so its fingerprint,
/// without making the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Memo {
    pub key: Digest,
    pub data: Digest,
}

/// What a build knows of a page it made or kept: its fingerprint and, for a release page,
/// its memo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageMark {
    pub fingerprint: Digest,
    pub memo: Option<Memo>,
}

/// When a page rendered at an earlier moment may be kept although the build moment moved.
/// The page's data (its facts) is unchanged; only its "built"/"as of" labels are older.
#[derive(Debug, Clone, Copy)]
pub struct MomentRule {
    /// This build's moment, Unix millis.
    pub now: i64,
    /// `SOURCE_DATE_EPOCH` is set: the output must be a function of the content, git and
    /// that moment, so only pages rendered at this very moment are kept.
    pub pinned: bool,
    /// With the real clock, how old a page's moment may be: half the portal's
    /// `stale_after_hours`, so a kept page never reads as stale in the browser while the
    /// portal is being rebuilt.
    pub refresh_ms: i64,
}

impl MomentRule {
    pub fn new(now: DateTime<Utc>, pinned: bool, stale_after_hours: u32) -> Self {
        MomentRule {
            now: now.timestamp_millis(),
            pinned,
            refresh_ms: i64::from(stale_after_hours) * 3_600_000 / 2,
        }
    }

    pub fn allows(&self, rendered_at: i64) -> bool {
        if self.pinned {
            rendered_at == self.now
        } else {
            rendered_at <= self.now && self.now - rendered_at <= self.refresh_ms
        }
    }
}

/// The previous build's record of one output folder.
#[derive(Debug, Default)]
pub struct Record {
    /// Hashed with ahash: looked up for every file of every build.
    entries: ahash::HashMap<String, Entry>,
}

/// Why a record was not used, for `--verbose`.
pub type Miss = String;

impl Record {
    /// The record for `output`, or why there is none to trust.
    pub fn load(root: &Path, output: &Path) -> Result<Record, Miss> {
        let path = record_path(root, output);
        let text = match fs::read_to_string(&path) {
            Ok(text) => text,
            Err(err) if err.kind() == io::ErrorKind::NotFound => {
                return Err("no cache yet: every file is made".into())
            }
            Err(err) => {
                return Err(format!(
                    "cache {} unreadable ({err}): ignored",
                    path.display()
                ))
            }
        };
        parse(&text).ok_or_else(|| {
            format!(
                "cache {} is corrupt or from another version: ignored, rebuilt",
                path.display()
            )
        })
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entry of a page that may be kept without rendering: same fingerprint and a
    /// moment `rule` allows. The caller keeps it only if the file it links in the output is
    /// still as the entry records (`Entry::stamp`): checked on the link itself, so nothing
    /// can change between the check and the link.
    pub fn keepable_page(
        &self,
        file: &str,
        fingerprint: &Digest,
        rule: &MomentRule,
    ) -> Option<&Entry> {
        let entry = self.entries.get(file)?;
        let (recorded, moment) = entry.page.as_ref()?;
        (recorded == fingerprint && rule.allows(*moment)).then_some(entry)
    }

    /// The data digest recorded for the page `file` when it was made from the inputs
    /// whose digest is `key` (see [`Memo`]).
    pub fn remembered(&self, file: &str, key: &Digest) -> Option<Digest> {
        let memo = self.entries.get(file)?.memo?;
        (memo.key == *key).then_some(memo.data)
    }

    /// Every file under `folder` (`search/`), if each was made from inputs whose digest is
    /// `key`: files made from their inputs alone, never from "now", so any moment is kept.
    /// `None` when the folder has no file, or one made from other inputs or without a key.
    pub fn keepable_folder(&self, folder: &str, key: &Digest) -> Option<Vec<(&str, &Entry)>> {
        let mut files = Vec::new();
        for (file, entry) in &self.entries {
            if !file.starts_with(folder) {
                continue;
            }
            let (made_from, _) = entry.page.as_ref()?;
            if made_from != key {
                return None;
            }
            files.push((file.as_str(), entry));
        }
        files.sort_unstable_by_key(|(file, _)| *file);
        (!files.is_empty()).then_some(files)
    }

    /// How the published file `file` was on disk when this record was saved.
    pub fn stamp(&self, file: &str) -> Option<Stamp> {
        self.entries.get(file).map(|entry| entry.stamp)
    }

    /// The entry of a file whose bytes are `bytes`; kept on the same condition as a page.
    pub fn keepable_file(&self, file: &str, bytes: &Digest) -> Option<&Entry> {
        let entry = self.entries.get(file)?;
        (entry.bytes == *bytes).then_some(entry)
    }
}

/// Every page (output file and fingerprint) that some build of the content at `root`
/// rendered and published, from every trusted record in its cache: `check` need not
/// render these again to know that they render.
pub fn rendered_pages(root: &Path) -> RenderedPages {
    let dir = root.join(".shipboard").join("cache");
    let Ok(entries) = fs::read_dir(&dir) else {
        return RenderedPages::default();
    };
    let records = entries.flatten().filter_map(|entry| {
        let name = entry.file_name();
        let name = name.to_str()?;
        let ours = name.starts_with("build-") && name.ends_with(".txt");
        ours.then(|| fs::read_to_string(entry.path()).ok())
            .flatten()
            .and_then(|text| parse(&text))
    });
    let mut pages = RenderedPages::default();
    for record in records {
        for (file, entry) in record.entries {
            if let Some(memo) = entry.memo {
                pages.memos.insert((file.clone(), memo.key), memo.data);
            }
            if let Some((fingerprint, _)) = entry.page {
                pages.rendered.insert((file, fingerprint));
            }
        }
    }
    pages
}

/// What the records of earlier builds say was rendered: pages by output file and
/// fingerprint, and release pages' data digests by output file and memo key.
#[derive(Debug, Default)]
pub struct RenderedPages {
    pub rendered: HashSet<(String, Digest)>,
    pub memos: HashMap<(String, Digest), Digest>,
}

/// Where the record of `output` lives: `.shipboard/cache/build-<digest of the output's
/// absolute path>.txt` in the content repo.
pub fn record_path(root: &Path, output: &Path) -> PathBuf {
    let absolute = std::path::absolute(output).unwrap_or_else(|_| output.to_path_buf());
    let key = hex(&digest(absolute.to_string_lossy().as_bytes())[..8]);
    root.join(".shipboard")
        .join("cache")
        .join(format!("build-{key}.txt"))
}

/// The entries of the build being made, collected from the writing threads.
#[derive(Debug, Default)]
pub struct Recorder(Mutex<Vec<(String, Entry)>>);

impl Recorder {
    pub fn add(&self, file: String, entry: Entry) {
        let mut entries = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        entries.push((file, entry));
    }

    /// Writes the record of `output` (after it was published): into a temporary file, then
    /// renamed over the old record.
    pub fn save(self, root: &Path, output: &Path) -> io::Result<()> {
        let mut entries = self.0.into_inner().unwrap_or_else(PoisonError::into_inner);
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        let body = serialize(&entries);
        let path = record_path(root, output);
        let dir = path.parent().unwrap_or(root);
        fs::create_dir_all(dir)?;
        ignored_by_git(root)?;
        let temporary = dir.join(format!(".{}.tmp", std::process::id()));
        let mut file = fs::File::create(&temporary)?;
        writeln!(
            file,
            "{FORMAT} {} {}",
            binary(),
            hex(&digest(body.as_bytes()))
        )?;
        file.write_all(body.as_bytes())?;
        file.sync_all()?;
        drop(file);
        fs::rename(&temporary, &path).inspect_err(|_| {
            let _ = fs::remove_file(&temporary);
        })
    }
}

/// Makes `.shipboard/` ignore itself in git (a `.gitignore` of `*` inside it, as Cargo does
/// for `target/`), so a content repo whose own `.gitignore` predates the cache never shows
/// it as a change to commit.
pub(crate) fn ignored_by_git(root: &Path) -> io::Result<()> {
    let ignore = root.join(".shipboard").join(".gitignore");
    if ignore.exists() {
        return Ok(());
    }
    fs::write(ignore, "# Shipboard's caches: never commit them.\n*\n")
}

fn serialize(entries: &[(String, Entry)]) -> String {
    let mut body = String::with_capacity(entries.len() * 120);
    for (file, entry) in entries {
        // A name the line format cannot hold is left out: that file is simply made again.
        if file.contains(['\t', '\n', '\r']) {
            continue;
        }
        let Stamp {
            len,
            modified_ns,
            inode,
        } = entry.stamp;
        let _ = write!(
            body,
            "{file}\t{}\t{len}\t{modified_ns}\t{inode}",
            hex(&entry.bytes)
        );
        if let Some((fingerprint, moment)) = &entry.page {
            let _ = write!(body, "\t{}\t{moment}", hex(fingerprint));
            if let Some(memo) = &entry.memo {
                let _ = write!(body, "\t{}\t{}", hex(&memo.key), hex(&memo.data));
            }
        }
        body.push('\n');
    }
    body
}

fn parse(text: &str) -> Option<Record> {
    let (header, body) = text.split_once('\n')?;
    let expected = format!("{FORMAT} {} ", binary());
    let checksum = header.strip_prefix(&expected)?;
    if checksum != hex(&digest(body.as_bytes())) {
        return None;
    }
    let mut entries = ahash::HashMap::default();
    for line in body.lines() {
        let (file, entry) = parse_line(line)?;
        entries.insert(file.to_owned(), entry);
    }
    Some(Record { entries })
}

fn parse_line(line: &str) -> Option<(&str, Entry)> {
    let fields: Vec<&str> = line.split('\t').collect();
    let (file, bytes, len, modified, inode) = match fields[..] {
        [f, b, l, m, i] | [f, b, l, m, i, _, _] | [f, b, l, m, i, _, _, _, _] => (f, b, l, m, i),
        _ => return None,
    };
    let page = match fields[..] {
        [_, _, _, _, _, fingerprint, moment, ..] => {
            Some((unhex(fingerprint)?, moment.parse().ok()?))
        }
        _ => None,
    };
    let memo = match fields[..] {
        [.., key, data] if fields.len() == 9 => Some(Memo {
            key: unhex(key)?,
            data: unhex(data)?,
        }),
        _ => None,
    };
    let stamp = Stamp {
        len: len.parse().ok()?,
        modified_ns: modified.parse().ok()?,
        inode: inode.parse().ok()?,
    };
    let entry = Entry {
        bytes: unhex(bytes)?,
        stamp,
        page,
        memo,
    };
    Some((file, entry))
}

/// Lowercase hex of `bytes` (the build record writes three digests per page: `write!`
/// per byte was 2 % of an incremental build).
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

fn unhex(text: &str) -> Option<Digest> {
    if text.len() != 32 || !text.is_ascii() {
        return None;
    }
    let mut out = [0; 16];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_is_lowercase_two_digits_a_byte_and_reads_back() {
        assert_eq!(hex(&[0x00, 0x0f, 0xa5, 0xff]), "000fa5ff");
        let digest = digest(b"x");
        assert_eq!(unhex(&hex(&digest)), Some(digest));
    }

    fn entry(page: bool) -> Entry {
        Entry {
            bytes: digest(b"<p>hello</p>"),
            stamp: Stamp {
                len: 12,
                modified_ns: 1_795_608_000_123_456_789,
                inode: 42,
            },
            page: page.then(|| (digest(b"fingerprint"), 1_795_608_000_000)),
            memo: page.then(|| Memo {
                key: digest(b"inputs"),
                data: digest(b"data"),
            }),
        }
    }

    fn saved(dir: &Path, output: &Path) -> PathBuf {
        let recorder = Recorder::default();
        recorder.add("releases/a/1.0.0/index.html".into(), entry(true));
        recorder.add("calendar.ics".into(), entry(false));
        recorder.add("bad\tname".into(), entry(false));
        recorder.save(dir, output).expect("saved");
        record_path(dir, output)
    }

    #[test]
    fn a_saved_record_loads_back_without_names_it_cannot_hold() {
        let dir = tempfile::tempdir().expect("tempdir");
        let output = dir.path().join("public");
        saved(dir.path(), &output);
        let record = Record::load(dir.path(), &output).expect("loads");
        assert_eq!(record.len(), 2);
        assert_eq!(record.entries["releases/a/1.0.0/index.html"], entry(true));
        assert_eq!(record.entries["calendar.ics"], entry(false));
        let page = "releases/a/1.0.0/index.html";
        let data = record.remembered(page, &digest(b"inputs"));
        assert_eq!(data, Some(digest(b"data")));
        assert_eq!(record.remembered(page, &digest(b"other inputs")), None);
        assert_eq!(record.remembered("calendar.ics", &digest(b"inputs")), None);
    }

    #[test]
    fn a_folder_is_keepable_only_when_every_file_has_the_key() {
        let key = digest(b"index inputs");
        let index_file = |made_from: Option<Digest>| Entry {
            page: made_from.map(|k| (k, 1)),
            memo: None,
            ..entry(false)
        };
        let record = |files: &[(&str, Option<Digest>)]| Record {
            entries: files
                .iter()
                .map(|(file, made_from)| ((*file).to_owned(), index_file(*made_from)))
                .collect(),
        };
        let whole = record(&[
            ("search/t/6162.txt", Some(key)),
            ("search/index.txt", Some(key)),
            ("searching/index.html", None),
            ("calendar.ics", None),
        ]);
        let files = whole.keepable_folder("search/", &key).expect("kept");
        let names: Vec<&str> = files.iter().map(|(file, _)| *file).collect();
        assert_eq!(names, ["search/index.txt", "search/t/6162.txt"]);
        assert!(whole
            .keepable_folder("search/", &digest(b"other"))
            .is_none());
        let mixed = record(&[
            ("search/index.txt", Some(key)),
            ("search/t/6162.txt", Some(digest(b"older"))),
        ]);
        assert!(mixed.keepable_folder("search/", &key).is_none());
        let unkeyed = record(&[("search/index.txt", Some(key)), ("search/x.txt", None)]);
        assert!(unkeyed.keepable_folder("search/", &key).is_none());
        assert!(record(&[]).keepable_folder("search/", &key).is_none());
    }

    #[test]
    fn a_corrupt_truncated_or_foreign_record_is_a_miss() {
        let dir = tempfile::tempdir().expect("tempdir");
        let output = dir.path().join("public");
        let path = saved(dir.path(), &output);
        let good = fs::read_to_string(&path).expect("read");
        let flipped = good.replacen("calendar.ics", "calendar.icz", 1);
        let truncated = &good[..good.len() - 10];
        let other_version = good.replacen(binary(), "0.0.0-other", 1);
        for bad in [
            flipped.as_str(),
            truncated,
            other_version.as_str(),
            "",
            "\u{0}\u{1}garbage",
        ] {
            fs::write(&path, bad).expect("write");
            let miss = Record::load(dir.path(), &output).expect_err("not trusted");
            assert!(miss.contains("corrupt or from another version"), "{miss}");
        }
        fs::remove_file(&path).expect("remove");
        assert!(Record::load(dir.path(), &output)
            .unwrap_err()
            .contains("no cache yet"));
    }

    #[test]
    fn fingerprints_tell_apart_parts_split_differently() {
        let of = |parts: &[&str]| {
            let mut f = Fingerprint::new("test");
            for part in parts {
                f.text(part);
            }
            f.finish()
        };
        assert_eq!(of(&["ab", "c"]), of(&["ab", "c"]));
        assert_ne!(of(&["ab", "c"]), of(&["a", "bc"]));
        assert_ne!(of(&["ab"]), of(&["ab", ""]));
        let mut streamed = Fingerprint::new("test");
        streamed
            .value(&serde_json::json!({"a": [1, 2]}))
            .expect("json");
        let mut cbor = Vec::new();
        ciborium::into_writer(&serde_json::json!({"a": [1, 2]}), &mut cbor).expect("cbor");
        // A map of one text key "a" and an array of two small integers.
        assert_eq!(cbor, [0xa1, 0x61, b'a', 0x82, 0x01, 0x02]);
        let mut whole = Fingerprint::new("test");
        whole.bytes(&cbor);
        assert_eq!(
            streamed.finish(),
            whole.finish(),
            "a value is hashed as its CBOR encoding"
        );
    }

    #[test]
    fn a_file_digested_in_parts_has_the_digest_of_the_whole() {
        let mut parts = PartsDigest::default();
        parts.update(b"[{\"a\": 1},");
        parts.update(b" {\"b\": 2}]");
        assert_eq!(parts.finish(), digest(b"[{\"a\": 1}, {\"b\": 2}]"));
    }

    #[test]
    fn each_output_folder_has_its_own_record() {
        let root = Path::new("/content");
        assert_ne!(
            record_path(root, Path::new("/content/public")),
            record_path(root, Path::new("/tmp/site"))
        );
    }

    #[test]
    fn a_pinned_moment_keeps_only_its_own_pages_and_the_clock_keeps_recent_ones() {
        let now = DateTime::from_timestamp(1_795_608_000, 0).expect("time");
        let pinned = MomentRule::new(now, true, 36);
        assert!(pinned.allows(now.timestamp_millis()));
        assert!(!pinned.allows(now.timestamp_millis() - 1));
        let clock = MomentRule::new(now, false, 36);
        let hour = 3_600_000;
        assert!(clock.allows(now.timestamp_millis() - 18 * hour));
        assert!(!clock.allows(now.timestamp_millis() - 18 * hour - 1));
        assert!(
            !clock.allows(now.timestamp_millis() + 1),
            "a moment in the future"
        );
    }

    #[test]
    fn a_page_is_keepable_only_with_its_fingerprint_and_an_allowed_moment() {
        let fingerprint = digest(b"data");
        let now = DateTime::from_timestamp(1_795_608_000, 0).expect("time");
        let mut record = Record::default();
        record.entries.insert(
            "index.html".into(),
            Entry {
                bytes: digest(b"<p>hello</p>"),
                stamp: entry(false).stamp,
                page: Some((fingerprint, now.timestamp_millis())),
                memo: None,
            },
        );
        let rule = MomentRule::new(now, true, 36);
        assert!(record
            .keepable_page("index.html", &fingerprint, &rule)
            .is_some());
        assert!(record
            .keepable_page("index.html", &digest(b"other"), &rule)
            .is_none());
        assert!(record
            .keepable_page("other.html", &fingerprint, &rule)
            .is_none());
        let later = MomentRule::new(now + chrono::Duration::seconds(1), true, 36);
        assert!(record
            .keepable_page("index.html", &fingerprint, &later)
            .is_none());
        assert!(record
            .keepable_file("index.html", &digest(b"<p>hello</p>"))
            .is_some());
        assert!(record
            .keepable_file("index.html", &digest(b"<p>HELLO</p>"))
            .is_none());
    }
}
