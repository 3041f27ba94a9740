//! The history cache: what reading one repository found, kept under `.shipboard/cache/` in
//! the content repo, so that a `build`, `check` or `serve` rebuild whose git state and
//! history-relevant content are unchanged does not walk that repository again.
//!
//! One entry per *unit*: a system repository (with the systems that live in it), or the
//! content repository (its file facts and audit trails). An entry is used only when its
//! key is the key of the read about to be made, a digest of everything the read depends
//! on:
//! - the repository as it is on disk: `HEAD`, `config`, `packed-refs`, `shallow`, and
//!   every file under `refs/`, `objects/` and `info/` (of the git dir and, for a linked
//!   work tree, the common dir), each by path, size, modification and change time (ns)
//!   and inode. So a new tag, commit or moved branch misses, and so does any damage to
//!   the object store (a truncated or garbled object or pack), which the read would
//!   report. A repository that borrows objects from elsewhere (`objects/info/alternates`)
//!   or has a symbolic link among those files is never cached;
//! - the content the read uses: the unit's systems (every field), every field of their
//!   release files but the Markdown notes, the portal's timezone and, for the content
//!   repository, the content files it reports on and where the content dir is in it;
//! - the Shipboard binary and this format (through [`crate::cache::Fingerprint`]).
//!
//! Each entry also keeps the digest of the facts it holds (not of its keys): the facts'
//! identity (`Facts::identity`), which incremental builds key pages by, is made of these, so
//! a read made again under a new key that finds what the last one found (a release title
//! edited: the key covers release files) leaves every page's key as it was.
//!
//! The history stage never reads the clock, so nothing cached depends on "now".
//! A read that found errors (a corrupt repository) is not stored, nor one during which
//! the repository changed. Entries are written to a temporary file renamed into place,
//! and carry a checksum: a corrupt, truncated, foreign or unreadable entry is a miss
//! (the repository is read, and the entry written again), never an error.

use std::cell::Cell;
use std::collections::HashMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Utc};
use git2::Repository;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::facts::{Change, CommitInfo, Shared, SystemHistory};
use super::files::ContentFacts;
use super::{FileSets, GroupRead, ReadOptions};
use crate::cache::{digest, hex, Digest, Feed, Fingerprint};
use crate::content::{Content, System};
use crate::diagnostics::{Diagnostic, Severity, SourceRef};

/// The entry's first bytes; a different format is a miss.
const MAGIC: &[u8; 8] = b"SBHIST02";

/// Where the entries of the content repo at `root` are kept, and how they are read and
/// written.
pub(crate) struct Store {
    root: PathBuf,
    dir: PathBuf,
}

impl Store {
    pub(crate) fn new(root: &Path) -> Store {
        Store {
            root: root.to_path_buf(),
            dir: root.join(".shipboard").join("cache"),
        }
    }

    fn path(&self, unit: &str) -> PathBuf {
        let name = hex(&digest(unit.as_bytes())[..8]);
        self.dir.join(format!("history-{name}.bin"))
    }

    /// The stored read of `unit` made under `key`, or `None` (no entry, another key, or
    /// an entry that is not intact).
    pub(crate) fn load(&self, unit: &str, key: &Digest) -> Option<GroupRead> {
        let bytes = fs::read(self.path(unit)).ok()?;
        let payload = intact(&bytes, key)?;
        let stored: Stored = postcard::from_bytes(payload).ok()?;
        Some(stored.into_read())
    }

    /// Stores `read` as the read of `unit` under `key`: written to a temporary file,
    /// then renamed over the old entry.
    pub(crate) fn save(&self, unit: &str, key: &Digest, read: &GroupRead) -> io::Result<()> {
        let payload = whole(|| postcard::to_stdvec(&Storing::of(read)));
        let payload = payload.map_err(io::Error::other)?;
        fs::create_dir_all(&self.dir)?;
        crate::cache::ignored_by_git(&self.root)?;
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let unique = NEXT.fetch_add(1, Ordering::Relaxed);
        let temporary = self
            .dir
            .join(format!(".history-{}-{unique}.tmp", std::process::id()));
        let mut bytes = Vec::with_capacity(payload.len() + 40);
        bytes.extend_from_slice(MAGIC);
        bytes.extend_from_slice(key);
        bytes.extend_from_slice(&digest(&payload));
        bytes.extend_from_slice(&payload);
        let written =
            fs::write(&temporary, &bytes).and_then(|()| fs::rename(&temporary, self.path(unit)));
        if written.is_err() {
            let _ = fs::remove_file(&temporary);
        }
        written
    }
}

/// The payload of an entry whose magic, key and checksum are right.
fn intact<'b>(bytes: &'b [u8], key: &Digest) -> Option<&'b [u8]> {
    let rest = bytes.strip_prefix(MAGIC)?;
    let rest = rest.strip_prefix(key.as_slice())?;
    let (checksum, payload) = rest.split_at_checked(16)?;
    (checksum == digest(payload)).then_some(payload)
}

/// The key of reading `repo` for `systems` (the content repository when `prefix`, the
/// content dir's path in it, is given); `None` when the repository's state cannot be
/// told from its files (then it is not cached).
pub(crate) fn key(
    repo: &Repository,
    systems: &[&System],
    content: &Content,
    options: &ReadOptions,
    files: Option<(&str, FileSets)>,
) -> Option<Digest> {
    let mut key = Fingerprint::new("history");
    repository_state(repo, &mut key)?;
    key.text(&format!("{:?}", content.portal.timezone));
    for system in systems {
        key.text(&format!("{system:?}"));
        key.text(match options.first_parent.contains(&system.id) {
            true => "first parent",
            false => "all parents",
        });
        let releases = content.releases.iter().filter(|r| r.system == system.id);
        let mut feed = Feed::new(&mut key);
        for release in releases {
            release.hash_without_notes(&mut feed);
            feed.part();
        }
    }
    if let Some((prefix, (wanted, releases))) = files {
        key.text(prefix).text(&format!("{wanted:?} {releases:?}"));
        key.text(&format!("{:?}", content.portal.source));
    }
    Some(key.finish())
}

/// Adds the state of the repository's files that a read depends on; `None` when it
/// cannot be read or borrows objects from another repository.
fn repository_state(repo: &Repository, key: &mut Fingerprint) -> Option<()> {
    let mut dirs = vec![repo.path()];
    if repo.commondir() != repo.path() {
        dirs.push(repo.commondir());
    }
    for dir in dirs {
        if dir.join("objects/info/alternates").exists() {
            return None;
        }
        key.text(&dir.to_string_lossy());
        for name in ["HEAD", "config", "packed-refs", "shallow", "commondir"] {
            stamp(&dir.join(name), name, key)?;
        }
        for tree in ["refs", "objects", "info"] {
            stamp_tree(dir, Path::new(tree), key)?;
        }
    }
    Some(())
}

/// Adds every file under `dir/tree`, in name order.
fn stamp_tree(dir: &Path, tree: &Path, key: &mut Fingerprint) -> Option<()> {
    let entries = match fs::read_dir(dir.join(tree)) {
        Ok(entries) => entries,
        Err(err) if err.kind() == io::ErrorKind::NotFound => {
            key.text(&tree.to_string_lossy()).text("absent");
            return Some(());
        }
        Err(_) => return None,
    };
    // The entry's type comes with the listing: no second `stat` per file.
    let listed = entries.map(|entry| entry.and_then(|e| Ok((e.file_name(), e.file_type()?))));
    let mut listed = listed.collect::<io::Result<Vec<_>>>().ok()?;
    listed.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, kind) in listed {
        let path = tree.join(name);
        if kind.is_symlink() {
            // What it points to would not be stamped: such a repository is not cached.
            return None;
        } else if kind.is_dir() {
            stamp_tree(dir, &path, key)?;
        } else {
            stamp(&dir.join(&path), &path.to_string_lossy(), key)?;
        }
    }
    Some(())
}

/// Adds one file's name, size, modification and change times and inode.
fn stamp(path: &Path, name: &str, key: &mut Fingerprint) -> Option<()> {
    key.text(name);
    let meta = match fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(err) if err.kind() == io::ErrorKind::NotFound => {
            key.text("absent");
            return Some(());
        }
        Err(_) => return None,
    };
    let modified = meta.modified().ok()?;
    let nanos = modified
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    key.bytes(&meta.len().to_le_bytes());
    key.bytes(&nanos.to_le_bytes());
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        key.bytes(&meta.ino().to_le_bytes());
        key.bytes(&meta.ctime().to_le_bytes());
        key.bytes(&meta.ctime_nsec().to_le_bytes());
    }
    Some(())
}

/// What an entry holds: a [`GroupRead`], its diagnostics in a form the format can hold
/// (it has no `flatten`). Written from [`Storing`], which borrows the read.
#[derive(Deserialize)]
struct Stored {
    systems: Vec<SystemHistory>,
    diagnostics: Vec<StoredDiagnostic>,
    debug: Vec<String>,
    files: Option<ContentFacts>,
    facts: Option<Digest>,
}

/// [`Stored`], as written: the same fields in the same order.
#[derive(Serialize)]
struct Storing<'a> {
    systems: &'a [SystemHistory],
    diagnostics: Vec<StoredDiagnostic>,
    debug: &'a [String],
    files: &'a Option<ContentFacts>,
    facts: Option<Digest>,
}

#[derive(Serialize, Deserialize)]
struct StoredDiagnostic {
    severity: Severity,
    at: SourceRef,
    field: Option<String>,
    message: String,
    help: Option<String>,
}

impl Storing<'_> {
    fn of(read: &GroupRead) -> Storing<'_> {
        let diagnostics = read.diagnostics.iter().map(|d| StoredDiagnostic {
            severity: d.severity,
            at: d.at.clone(),
            field: d.field.clone(),
            message: d.message.clone(),
            help: d.help.clone(),
        });
        Storing {
            systems: &read.systems,
            diagnostics: diagnostics.collect(),
            debug: &read.debug,
            files: &read.files,
            facts: read.facts,
        }
    }
}

impl Stored {
    fn into_read(self) -> GroupRead {
        let diagnostics = self.diagnostics.into_iter().map(|d| Diagnostic {
            severity: d.severity,
            at: d.at,
            field: d.field,
            message: d.message,
            help: d.help,
        });
        let mut systems = self.systems;
        share_commits(&mut systems);
        GroupRead {
            systems,
            diagnostics: diagnostics.collect(),
            debug: self.debug,
            files: self.files,
            facts: self.facts,
        }
    }
}

/// Makes equal commits one shared value again, as the read made them (a commit shows in
/// its changelog and in the rollback lists of later releases): read back, each copy
/// would be held separately.
fn share_commits(systems: &mut [SystemHistory]) {
    let mut seen: HashMap<String, Vec<Shared<CommitInfo>>> = HashMap::new();
    let mut share = |commit: &mut Shared<CommitInfo>| {
        let same = seen.entry(commit.sha.clone()).or_default();
        match same.iter().find(|c| ***c == **commit) {
            Some(found) => *commit = found.clone(),
            None => same.push(commit.clone()),
        }
    };
    for system in systems {
        let changelogs = system
            .changelogs
            .iter_mut()
            .chain(std::iter::once(&mut system.unreleased));
        for group in changelogs.flat_map(|c| c.groups.iter_mut()) {
            group.commits.iter_mut().for_each(&mut share);
        }
        let rollbacks = system
            .releases
            .iter_mut()
            .filter_map(|r| r.rollback.as_mut());
        for rollback in rollbacks {
            rollback.commits.iter_mut().for_each(&mut share);
        }
    }
}

thread_local! {
    /// Serialising for the cache (not for templates) on this thread.
    static WHOLE: Cell<bool> = const { Cell::new(false) };
}

/// Whether a typed twin (a date, a version) is left out: for templates, which get its
/// formatted twin, yes; for the cache, which must give it back, no.
pub(crate) fn for_templates<T>(_: &T) -> bool {
    !WHOLE.with(Cell::get)
}

/// Runs `serialise` with the typed twins included.
fn whole<R>(serialise: impl FnOnce() -> R) -> R {
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            WHOLE.with(|w| w.set(false));
        }
    }
    WHOLE.with(|w| w.set(true));
    let _reset = Reset;
    serialise()
}

/// A moment as seconds and nanoseconds since 1970.
pub(crate) mod instant {
    use super::*;

    pub fn serialize<S: Serializer>(at: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        (at.timestamp(), at.timestamp_subsec_nanos()).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let (seconds, nanos) = <(i64, u32)>::deserialize(d)?;
        DateTime::from_timestamp(seconds, nanos)
            .ok_or_else(|| serde::de::Error::custom("a moment out of range"))
    }
}

/// An optional moment, as [`instant`].
pub(crate) mod maybe_instant {
    use super::*;

    pub fn serialize<S: Serializer>(at: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
        at.map(|at| (at.timestamp(), at.timestamp_subsec_nanos()))
            .serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        let Some((seconds, nanos)) = Option::<(i64, u32)>::deserialize(d)? else {
            return Ok(None);
        };
        DateTime::from_timestamp(seconds, nanos)
            .map(Some)
            .ok_or_else(|| serde::de::Error::custom("a moment out of range"))
    }
}

/// A SemVer version as its text.
pub(crate) mod version {
    use super::*;

    pub fn serialize<S: Serializer>(version: &semver::Version, s: S) -> Result<S::Ok, S::Error> {
        version.to_string().serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<semver::Version, D::Error> {
        let text = String::deserialize(d)?;
        semver::Version::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// A trail change, its kind one of the fixed set the trail writes.
impl<'de> Deserialize<'de> for Change {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Change, D::Error> {
        const KINDS: [&str; 9] = [
            "created",
            "status",
            "window",
            "approval-added",
            "approval-removed",
            "tick-recorded",
            "tick-removed",
            "renamed",
            "edited",
        ];
        #[derive(Deserialize)]
        struct Written {
            kind: String,
            text: String,
        }
        let Written { kind, text } = Written::deserialize(d)?;
        let kind = KINDS.into_iter().find(|k| *k == kind);
        let kind = kind.ok_or_else(|| serde::de::Error::custom("an unknown trail change"))?;
        Ok(Change { kind, text })
    }
}

/// `read()`, or what it returned before when `store` has it under the key `key()` gives
/// now. A new read is stored unless it found errors (a corrupt repository is read anew
/// every time, and reported as such) or the key moved while it ran (the repository
/// changed under it).
pub(crate) fn through(
    store: Option<&Store>,
    unit: &str,
    key: impl Fn() -> Option<Digest>,
    read: impl FnOnce() -> GroupRead,
) -> GroupRead {
    let Some(store) = store else {
        return read();
    };
    let started = std::time::Instant::now();
    let before = key();
    let keyed = started.elapsed();
    if let Some(mut hit) = before.as_ref().and_then(|k| store.load(unit, k)) {
        let (keyed, loaded) = (keyed, started.elapsed() - keyed);
        let timing = format!("key {keyed:.2?}, load {loaded:.2?}");
        hit.debug
            .push(format!("{unit}: history from the cache ({timing})"));
        return hit;
    }
    let mut fresh = read();
    let clean = !fresh.diagnostics.iter().any(Diagnostic::is_error);
    let Some(before) = before.filter(|_| clean) else {
        return fresh;
    };
    if key() == Some(before) {
        // Unchanged while it was read: these facts are the ones of that key.
        fresh.facts = facts_digest(&fresh);
        if let Err(err) = store.save(unit, &before, &fresh) {
            fresh
                .debug
                .push(format!("{unit}: history cache not saved: {err}"));
        }
    }
    fresh
}

/// The digest of what `read` found that pages show: the systems' histories and the content
/// files' facts (not its diagnostics and debug lines, which carry timings). Two reads
/// with the same digest found the same facts, whatever their keys: an edit of a release
/// title changes its repository's key (the read depends on release files), and the read
/// it causes usually finds what the last one did. `None` if it cannot be serialized.
fn facts_digest(read: &GroupRead) -> Option<Digest> {
    let facts = whole(|| postcard::to_stdvec(&(&read.systems, &read.files))).ok()?;
    Some(digest(&facts))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::testutil::{release, utc};
    use crate::history::facts::{
        Changelog, Group, ReleaseFacts, RollbackTarget, TagInfo, Trail, TrailEntry,
    };

    fn commit(sha: &str, at: DateTime<Utc>) -> Shared<CommitInfo> {
        Shared(std::sync::Arc::new(CommitInfo {
            sha: sha.to_owned(),
            short_sha: sha[..7].to_owned(),
            url: None,
            kind: Some("feat".to_owned()),
            scope: None,
            breaking: false,
            text: "invoices".to_owned(),
            spans: Vec::new(),
            breaking_note: None,
            tickets: Vec::new(),
            author: "Ana".to_owned(),
            at,
            date: "2026-09-21".to_owned(),
            datetime: "2026-09-21T16:13:20+02:00".to_owned(),
            merge: false,
        }))
    }

    /// A read with a tag, a changelog and a rollback list holding the same commit (two
    /// separate values, as a reader that did not share them would hold), a trail and a
    /// warning.
    fn read() -> GroupRead {
        let at = utc(2026, 9, 21, 14, 13) + chrono::Duration::nanoseconds(5);
        let sha = "0123456789abcdef0123456789abcdef01234567";
        let tag = TagInfo {
            name: "v1.2.0-rc.1+b7".to_owned(),
            version: "1.2.0-rc.1+b7".to_owned(),
            semver: "1.2.0-rc.1+b7".parse().expect("semver"),
            prerelease: true,
            sha: sha.to_owned(),
            short_sha: sha[..7].to_owned(),
            commit_url: None,
            at,
            date: "2026-09-21".to_owned(),
            datetime: "2026-09-21T16:13:20+02:00".to_owned(),
            annotated: false,
            message: None,
            in_portal: true,
        };
        let changelog = Changelog {
            at: Some(at),
            groups: vec![Group {
                key: "feat".to_owned(),
                title: "Features".to_owned(),
                commits: vec![commit(sha, at)],
            }],
            ..Changelog::default()
        };
        let rollback = RollbackTarget {
            version: None,
            tag: None,
            runbook: "billing-rollback".to_owned(),
            commits: vec![commit(sha, at)],
            compare_url: None,
        };
        let system = SystemHistory {
            system: "billing".to_owned(),
            tags: vec![tag],
            changelogs: vec![changelog],
            releases: vec![ReleaseFacts {
                version: "1.2.0".to_owned(),
                tag: "v1.2.0".to_owned(),
                tagged: false,
                plan: None,
                rollback: Some(rollback),
            }],
            ..SystemHistory::default()
        };
        let trail = Trail {
            entries: vec![TrailEntry {
                at,
                date: String::new(),
                datetime: String::new(),
                when: String::new(),
                author: "Ana".to_owned(),
                sha: sha.to_owned(),
                short_sha: sha[..7].to_owned(),
                changes: vec![Change {
                    kind: "tick-recorded",
                    text: "tick recorded: smoke".to_owned(),
                }],
            }],
            partial: false,
        };
        let warning = Diagnostic::warning(SourceRef::new("portal.yaml", 5, 5), Some("repo"), "w")
            .with_help("h");
        GroupRead {
            systems: vec![system],
            diagnostics: vec![warning],
            debug: vec!["walked".to_owned()],
            files: Some((
                Default::default(),
                [("releases/a.md".to_owned(), trail)].into(),
            )),
            facts: None,
        }
    }

    #[test]
    fn a_stored_read_comes_back_whole_with_its_commits_shared_again() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::new(dir.path());
        let key = digest(b"key");
        store.save("unit", &key, &read()).expect("saved");
        let back = store.load("unit", &key).expect("a hit");
        let (system, original) = (&back.systems[0], &read().systems[0]);
        assert_eq!(system.tags[0].semver, original.tags[0].semver);
        assert_eq!(system.tags[0].at, original.tags[0].at, "to the nanosecond");
        assert_eq!(system.changelogs[0].at, original.changelogs[0].at);
        let logged = &system.changelogs[0].groups[0].commits[0];
        let reverted = &system.releases[0]
            .rollback
            .as_ref()
            .expect("rollback")
            .commits[0];
        assert_eq!(**logged, *original.changelogs[0].groups[0].commits[0]);
        assert!(
            std::sync::Arc::ptr_eq(&logged.0, &reverted.0),
            "one value again"
        );
        assert_eq!(back.diagnostics, read().diagnostics);
        assert_eq!(back.debug, read().debug);
        let trail = &back.files.expect("files").1["releases/a.md"];
        assert_eq!(
            trail.entries[0].changes,
            read().files.unwrap().1["releases/a.md"].entries[0].changes
        );
        assert_eq!(
            trail.entries[0].at,
            read().files.unwrap().1["releases/a.md"].entries[0].at
        );
    }

    #[test]
    fn a_read_made_again_that_finds_the_same_keeps_its_facts_digest() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Some(Store::new(dir.path()));
        let under = |key: &'static [u8]| move || Some(digest(key));
        let first = through(store.as_ref(), "unit", under(b"one"), read);
        let facts = first.facts.expect("a keyed read has a digest");
        let hit = through(store.as_ref(), "unit", under(b"one"), || {
            panic!("a hit reads nothing")
        });
        assert_eq!(hit.facts, Some(facts), "stored with the entry");
        // Another key (a release title changed), the same facts; other debug lines.
        let again = through(store.as_ref(), "unit", under(b"two"), || GroupRead {
            debug: vec!["walked in 3 ms".to_owned()],
            ..read()
        });
        assert_eq!(again.facts, Some(facts));
        let mut renamed = read();
        renamed.systems[0].name = "Payments 2".to_owned();
        let other = through(store.as_ref(), "unit", under(b"three"), || renamed);
        assert!(other.facts.is_some_and(|f| f != facts));
        let unkeyed = through(store.as_ref(), "unit", || None, read);
        assert_eq!(unkeyed.facts, None);
    }

    #[test]
    fn an_entry_under_another_key_or_damaged_is_a_miss() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::new(dir.path());
        let key = digest(b"key");
        store.save("unit", &key, &read()).expect("saved");
        assert!(store.load("unit", &digest(b"other")).is_none());
        assert!(store.load("other unit", &key).is_none());
        let path = store.path("unit");
        let good = fs::read(&path).expect("read");
        for at in [0, 8, 24, 40, good.len() - 1] {
            let mut bad = good.clone();
            bad[at] ^= 0x40;
            fs::write(&path, &bad).expect("write");
            assert!(store.load("unit", &key).is_none(), "byte {at} flipped");
        }
        fs::write(&path, &good[..good.len() - 1]).expect("write");
        assert!(store.load("unit", &key).is_none(), "truncated");
        assert!(fs::read_to_string(dir.path().join(".shipboard/.gitignore"))
            .expect("ignored by git")
            .contains('*'));
    }

    #[test]
    fn the_key_of_a_release_is_every_field_but_its_notes() {
        let fed = |release: &crate::content::Release| {
            let mut key = Fingerprint::new("release");
            let mut feed = Feed::new(&mut key);
            release.hash_without_notes(&mut feed);
            feed.part();
            key.finish()
        };
        let base = release("billing", "1.2.0", utc(2026, 11, 10, 19, 0), 60);
        let mut notes = base.clone();
        notes.notes = "Invoices, at last.".to_owned();
        notes.notes_line = 40;
        assert_eq!(fed(&notes), fed(&base));
        let mut window = base.clone();
        window.window.start = utc(2026, 11, 9, 19, 0);
        assert_ne!(fed(&window), fed(&base));
        let mut status = base.clone();
        status.status = crate::content::ReleaseStatus::Cancelled;
        assert_ne!(fed(&status), fed(&base));
        let mut moved = base.clone();
        moved.source.line = 2;
        assert_ne!(fed(&moved), fed(&base), "diagnostics point there");
        let mut ticket = base.clone();
        ticket.tickets = vec!["BIL-1".to_owned(), "2".to_owned()];
        let mut joined = base.clone();
        joined.tickets = vec!["BIL-12".to_owned()];
        assert_ne!(fed(&ticket), fed(&joined), "lists are delimited");
    }

    #[test]
    fn typed_twins_are_left_out_for_templates_only() {
        let tag = read().systems[0].tags[0].clone();
        let json = serde_json::to_value(&tag).expect("json");
        assert!(
            json.get("semver").is_none() && json.get("at").is_none(),
            "{json}"
        );
        let cached = whole(|| postcard::to_stdvec(&tag)).expect("postcard");
        let plain = postcard::to_stdvec(&tag).expect("postcard");
        assert!(cached.len() > plain.len(), "the cache form has them");
        assert!(for_templates(&()), "reset after serialising");
    }
}
