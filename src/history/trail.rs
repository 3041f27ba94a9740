//! Audit trails: for each release file, what changed when and by whom (commit author), read
//! from the content repository's history: created, status changed, window moved, approvals
//! added or removed, ticks recorded or removed, renamed, other edits.
//!
//! Fed by the one walk of the content history that `files` makes (newest commit first), so
//! 10,000 releases cost one walk, not one per file. A rename is followed: older commits that
//! touched the old path are credited to the file's current path. Old revisions are read
//! leniently as plain YAML values (they may not validate today); one that is not YAML at all
//! becomes an "edited" entry. Never reads the working tree, the clock, or renders HTML.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chrono_tz::Tz;
use git2::{Delta, DiffFindOptions, Oid, Repository};
use rayon::prelude::*;
use serde_json::Value;

use super::changelog::{format_date, timestamp};
use super::facts::{Change, Trail, TrailEntry};
use super::files::Faults;
use super::graph::CommitData;
use super::integrity::{Fault, Kind};

/// One file change of a commit, with paths relative to the content folder.
#[derive(Debug, Clone)]
pub(crate) struct FileDelta {
    pub status: Delta,
    /// The new path (the old one for a deletion).
    pub path: String,
    /// For a rename: the path before.
    pub old_path: Option<String>,
    pub old_id: Oid,
    pub new_id: Oid,
}

/// Collects the trails of the tracked release files while `files` walks the history.
pub(crate) struct TrailBuilder<'r> {
    repo: &'r Repository,
    tz: Tz,
    /// Path at some point in history (relative to the content dir) -> the current path.
    alias: HashMap<String, String>,
    trails: BTreeMap<String, Trail>,
}

impl<'r> TrailBuilder<'r> {
    /// A builder for `releases` (current paths relative to the content dir).
    pub(crate) fn new(repo: &'r Repository, tz: Tz, releases: &BTreeSet<String>) -> Self {
        TrailBuilder {
            repo,
            tz,
            alias: releases.iter().map(|p| (p.clone(), p.clone())).collect(),
            trails: releases
                .iter()
                .map(|p| (p.clone(), Trail::default()))
                .collect(),
        }
    }

    /// Whether a commit that changed `paths` may concern a tracked release file.
    pub(crate) fn concerns(&self, paths: &HashSet<String>) -> bool {
        paths.iter().any(|p| self.alias.contains_key(p))
    }

    /// Records what `commit` (`sha`, `data`) did to tracked files: its content folder went
    /// from `old` (its first parent's, `None` for a root) to `new`, with the file changes
    /// `deltas` (no renames found yet); only `changed` paths count (for a merge: those
    /// changed relative to every parent). Blobs that cannot be read go to `faults`.
    pub(crate) fn record(
        &mut self,
        sha: Oid,
        data: &CommitData,
        author: &str,
        (old, new): (Option<Oid>, Oid),
        (changed, deltas): (&HashSet<String>, &[FileDelta]),
        faults: &mut Faults,
    ) {
        let renamed;
        let deltas = if self.may_rename(deltas) {
            renamed = self.with_renames(old, new);
            &renamed
        } else {
            deltas
        };
        let found = self.changes(deltas, changed, sha, faults);
        if found.is_empty() {
            return;
        }
        // Formatted once per commit: an initial commit may create 10,000 release files.
        let at = timestamp(data.commit_time);
        let (date, datetime) = format_date(at, self.tz);
        let sha = sha.to_string();
        let commit = TrailEntry {
            at,
            date,
            datetime,
            when: at
                .with_timezone(&self.tz)
                .format("%Y-%m-%d %H:%M")
                .to_string(),
            author: author.to_owned(),
            short_sha: sha.chars().take(7).collect(),
            sha,
            changes: Vec::new(),
        };
        for (current, changes) in found {
            if let Some(trail) = self.trails.get_mut(&current) {
                trail.entries.push(TrailEntry {
                    changes,
                    ..commit.clone()
                });
            }
        }
    }

    /// Whether `deltas` may hide a rename of a tracked file: one was added and some file
    /// deleted. Only then are renames looked for (that compares blobs).
    fn may_rename(&self, deltas: &[FileDelta]) -> bool {
        deltas.iter().any(|d| d.status == Delta::Deleted)
            && deltas
                .iter()
                .any(|d| d.status == Delta::Added && self.alias.contains_key(&d.path))
    }

    /// The file changes between two versions of the content folder, renames found.
    fn with_renames(&self, old: Option<Oid>, new: Oid) -> Vec<FileDelta> {
        let repo = self.repo;
        let old_tree = old.and_then(|id| repo.find_tree(id).ok());
        let Ok(new_tree) = repo.find_tree(new) else {
            return Vec::new();
        };
        let Ok(mut diff) = repo.diff_tree_to_tree(old_tree.as_ref(), Some(&new_tree), None) else {
            return Vec::new();
        };
        let _ = diff.find_similar(Some(DiffFindOptions::new().renames(true)));
        let path = |f: git2::DiffFile| f.path().and_then(|p| p.to_str()).map(str::to_owned);
        diff.deltas()
            .filter_map(|delta| {
                let (new_path, old_path) = (path(delta.new_file()), path(delta.old_file()));
                Some(FileDelta {
                    status: delta.status(),
                    path: new_path.or_else(|| old_path.clone())?,
                    old_path: old_path.filter(|_| delta.status() == Delta::Renamed),
                    old_id: delta.old_file().id(),
                    new_id: delta.new_file().id(),
                })
            })
            .collect()
    }

    /// The changes per current path that `deltas` made.
    fn changes(
        &mut self,
        deltas: &[FileDelta],
        changed: &HashSet<String>,
        sha: Oid,
        faults: &mut Faults,
    ) -> Vec<(String, Vec<Change>)> {
        let mut read = self.read_ahead(deltas, changed);
        let mut found = Vec::new();
        for (i, delta) in deltas.iter().enumerate() {
            if !changed.contains(&delta.path) {
                continue;
            }
            let Some(current) = self.alias.get(&delta.path).cloned() else {
                continue;
            };
            let read = read[i]
                .take()
                .unwrap_or_else(|| read_delta(self.repo, delta));
            for (id, fault) in read.faults {
                faults.push(id, Kind::Blob, fault, sha);
            }
            let mut changes = Vec::new();
            match delta.status {
                Delta::Added => {
                    let status = read.status.map(|s| format!(" (status {s})"));
                    found.push((current, vec![created(status.unwrap_or_default())]));
                    continue;
                }
                Delta::Renamed => {
                    if let Some(old_path) = delta.old_path.clone() {
                        changes.push(Change {
                            kind: "renamed",
                            text: format!("renamed from {old_path}"),
                        });
                        self.alias.insert(old_path, current.clone());
                    }
                }
                Delta::Modified | Delta::Copied | Delta::Typechange => {}
                _ => continue,
            }
            if let Some((old_value, new_value)) = read.compared {
                changes.extend(compare(Some(&old_value), &new_value));
            }
            if !changes.is_empty() {
                found.push((current, changes));
            }
        }
        found
    }

    /// The blobs of the tracked files among `deltas`, read and parsed ahead of `changes`,
    /// by position (`None`: not read ahead, read when needed). An initial commit may create
    /// 10,000 release files: then the blobs are read on every core, each thread with its
    /// own handle on the repository (a `Repository` is not `Sync`).
    fn read_ahead(&self, deltas: &[FileDelta], changed: &HashSet<String>) -> Vec<Option<Read>> {
        const PARALLEL_FROM: usize = 64;
        let mut read: Vec<Option<Read>> = deltas.iter().map(|_| None).collect();
        let tracked: Vec<(usize, &FileDelta)> = deltas
            .iter()
            .enumerate()
            .filter(|(_, d)| changed.contains(&d.path) && self.alias.contains_key(&d.path))
            .collect();
        if tracked.len() < PARALLEL_FROM {
            return read;
        }
        let path = self.repo.path();
        let ahead: Vec<(usize, Option<Read>)> = tracked
            .par_iter()
            .with_min_len(PARALLEL_FROM)
            .map_init(
                || Repository::open(path).ok(),
                |repo, &(i, delta)| (i, repo.as_ref().map(|repo| read_delta(repo, delta))),
            )
            .collect();
        for (i, done) in ahead {
            read[i] = done;
        }
        read
    }

    /// The trails, each newest first, marked partial when the history is.
    pub(crate) fn finish(self, partial: bool) -> BTreeMap<String, Trail> {
        let mut trails = self.trails;
        for trail in trails.values_mut() {
            trail.partial = partial;
        }
        trails.retain(|_, t| !t.entries.is_empty() || partial);
        trails
    }
}

/// What a file change's blobs say: a new file's status, or the front matter before and
/// after an edit (`None` when a revision is not readable; no pair when the content did not
/// change, as in a pure rename).
#[derive(Default)]
struct Read {
    status: Option<String>,
    compared: Option<(Option<Value>, Option<Value>)>,
    /// Blobs that could not be read (corruption, reported by the caller).
    faults: Vec<(Oid, Fault)>,
}

/// Reads what `changes` needs of `delta`'s blobs.
fn read_delta(repo: &Repository, delta: &FileDelta) -> Read {
    match delta.status {
        // A new file: only its status is needed, so it is not parsed as YAML.
        Delta::Added => {
            let mut faults = Vec::new();
            let status = blob_text(repo, delta.new_id, &mut faults).and_then(|t| status_line(&t));
            Read {
                status,
                compared: None,
                faults,
            }
        }
        Delta::Renamed | Delta::Modified | Delta::Copied | Delta::Typechange
            if delta.old_id != delta.new_id =>
        {
            let mut faults = Vec::new();
            let mut front_matter = |blob| parse_front_matter(&blob_text(repo, blob, &mut faults)?);
            let compared = (front_matter(delta.old_id), front_matter(delta.new_id));
            Read {
                status: None,
                compared: Some(compared),
                faults,
            }
        }
        _ => Read::default(),
    }
}

/// The blob's text; `None` when it is not UTF-8, or cannot be read (then in `faults`).
fn blob_text(repo: &Repository, blob: Oid, faults: &mut Vec<(Oid, Fault)>) -> Option<String> {
    let found = repo
        .find_blob(blob)
        .map_err(|err| faults.push((blob, Fault::of(&err))));
    String::from_utf8(found.ok()?.content().to_vec()).ok()
}

fn created(status: String) -> Change {
    Change {
        kind: "created",
        text: format!("created{status}"),
    }
}

/// The top-level `status:` of a release file's front matter, found without parsing the
/// YAML (a new file needs nothing else, and at 10,000 files parsing was most of the cost).
fn status_line(text: &str) -> Option<String> {
    let front = text.strip_prefix("---")?;
    let value = front
        .lines()
        .skip(1)
        .take_while(|line| line.trim_end() != "---")
        .find_map(|line| line.strip_prefix("status:"))?;
    let value = value.split(" #").next().unwrap_or("").trim();
    let value = value.trim_matches(|c| c == '"' || c == '\'');
    (!value.is_empty()).then(|| value.to_owned())
}

/// The YAML between the leading `---` lines of a Markdown file, as a value.
pub(crate) fn parse_front_matter(text: &str) -> Option<Value> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let rest = text
        .strip_prefix("---\n")
        .or_else(|| text.strip_prefix("---\r\n"))?;
    let end = rest
        .match_indices("\n---")
        .map(|(i, _)| i + 1)
        .find(|&i| {
            rest[i + 3..].starts_with('\n')
                || rest[i + 3..].starts_with("\r\n")
                || rest[i + 3..].is_empty()
        })
        .or_else(|| rest.starts_with("---").then_some(0))?;
    serde_saphyr::from_str::<Value>(&rest[..end]).ok()
}

/// What changed between two revisions of a release's front matter (`old`: `None` when the
/// file was created; `Some(None)` when the old revision could not be read).
pub(crate) fn compare(old: Option<&Option<Value>>, new: &Option<Value>) -> Vec<Change> {
    let change = |kind, text: String| Change { kind, text };
    let Some(old) = old else {
        let status = field(new.as_ref(), "status")
            .map(|s| format!(" (status {s})"))
            .unwrap_or_default();
        return vec![created(status)];
    };
    let (Some(old), Some(new)) = (old.as_ref(), new.as_ref()) else {
        return vec![change(
            "edited",
            "edited (not compared: a revision is not readable YAML)".to_owned(),
        )];
    };
    let (old, new) = (Some(old), Some(new));
    let mut changes = Vec::new();
    let (was, is) = (field(old, "status"), field(new, "status"));
    if was != is {
        let show = |s: Option<String>| s.unwrap_or_else(|| "none".to_owned());
        changes.push(change(
            "status",
            format!("status {} → {}", show(was), show(is)),
        ));
    }
    let (was, is) = (window(old), window(new));
    if was != is {
        let show = |s: Option<String>| s.unwrap_or_else(|| "no window".to_owned());
        changes.push(change(
            "window",
            format!("window moved from {} to {}", show(was), show(is)),
        ));
    }
    let (was, is) = (
        records(old, "approvals", "role"),
        records(new, "approvals", "role"),
    );
    for (role, by) in is.difference(&was) {
        changes.push(change(
            "approval-added",
            format!("approval added: {role} by {by}"),
        ));
    }
    for (role, by) in was.difference(&is) {
        changes.push(change(
            "approval-removed",
            format!("approval removed: {role} by {by}"),
        ));
    }
    let (was, is) = (records(old, "ticks", "item"), records(new, "ticks", "item"));
    for (item, by) in is.difference(&was) {
        changes.push(change(
            "tick-recorded",
            format!("tick recorded: {item} by {by}"),
        ));
    }
    for (item, by) in was.difference(&is) {
        changes.push(change(
            "tick-removed",
            format!("tick removed: {item} by {by}"),
        ));
    }
    if changes.is_empty() {
        changes.push(change(
            "edited",
            "edited (notes or other fields)".to_owned(),
        ));
    }
    changes
}

/// A scalar field as text (`None` when absent or not a scalar).
fn field(value: Option<&Value>, key: &str) -> Option<String> {
    scalar(value?.get(key)?)
}

fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// `2026-12-06 02:00 – 2026-12-06 03:30` as written (with its zone if one is written).
fn window(value: Option<&Value>) -> Option<String> {
    let window = value?.get("window")?;
    let part = |key| {
        window
            .get(key)
            .and_then(scalar)
            .unwrap_or_else(|| "?".into())
    };
    let zone = window
        .get("timezone")
        .and_then(scalar)
        .map(|z| format!(" {z}"))
        .unwrap_or_default();
    Some(format!("{} – {}{zone}", part("start"), part("end")))
}

/// The `(key, by)` pairs of a list of records (`approvals`, `ticks`); entries of other
/// shapes are left out.
fn records(value: Option<&Value>, list: &str, key: &str) -> BTreeSet<(String, String)> {
    let Some(Value::Array(items)) = value.and_then(|v| v.get(list)) else {
        return BTreeSet::new();
    };
    items
        .iter()
        .filter_map(|item| {
            let id = scalar(item.get(key)?)?;
            let by = item
                .get("by")
                .and_then(scalar)
                .unwrap_or_else(|| "?".into());
            Some((id, by))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yaml(text: &str) -> Option<Value> {
        parse_front_matter(&format!("---\n{text}---\nNotes\n"))
    }

    fn kinds(changes: &[Change]) -> Vec<&str> {
        changes.iter().map(|c| c.kind).collect()
    }

    #[test]
    fn front_matter_is_read_leniently() {
        let value = yaml("status: planned\nwindow: {start: 2026-12-06 02:00}\n").unwrap();
        assert_eq!(field(Some(&value), "status").as_deref(), Some("planned"));
        assert!(parse_front_matter("no front matter").is_none());
        assert!(parse_front_matter("---\n: : [\n---\n").is_none());
        assert!(parse_front_matter("---\nstatus: x\n---").is_some());
    }

    #[test]
    fn creation_names_the_status() {
        let new = yaml("status: planned\n");
        let changes = compare(None, &new);
        assert_eq!(changes[0].text, "created (status planned)");
        let file = "---\nsystem: a\nstatus: \"approved\"  # set by the CAB\n---\nstatus: notes\n";
        assert_eq!(status_line(file).as_deref(), Some("approved"));
        assert_eq!(status_line("---\nsystem: a\n---\nstatus: x\n"), None);
        assert_eq!(status_line("no front matter"), None);
    }

    #[test]
    fn status_window_approvals_and_ticks_are_compared() {
        let old = yaml("status: planned\nwindow: {start: 2026-12-06 02:00, end: 2026-12-06 03:00}\napprovals: [{role: qa-lead, by: hannah}]\n");
        let new = yaml("status: approved\nwindow: {start: 2026-12-07 02:00, end: 2026-12-07 03:00}\napprovals: [{role: sre, by: li}]\nticks: [{item: ticket-filed, by: priya}, wrong-shape]\n");
        let changes = compare(Some(&old), &new);
        assert_eq!(
            kinds(&changes),
            [
                "status",
                "window",
                "approval-added",
                "approval-removed",
                "tick-recorded"
            ]
        );
        assert_eq!(changes[0].text, "status planned → approved");
        assert_eq!(
            changes[1].text,
            "window moved from 2026-12-06 02:00 – 2026-12-06 03:00 to 2026-12-07 02:00 – 2026-12-07 03:00"
        );
        assert_eq!(changes[4].text, "tick recorded: ticket-filed by priya");
    }

    #[test]
    fn other_edits_and_unreadable_revisions_are_edits() {
        let same = yaml("status: planned\n");
        assert_eq!(kinds(&compare(Some(&same), &same)), ["edited"]);
        let unreadable: Option<Value> = None;
        let changes = compare(Some(&unreadable), &same);
        assert_eq!(kinds(&changes), ["edited"]);
        assert!(changes[0].text.contains("not readable YAML"));
    }
}
