//! Content file facts: for each release, runbook and config file, how many commits changed
//! it and when the last one was committed (the runbook's "last reviewed", the iCal `SEQUENCE`).
//!
//! Uses the content repository's graph (already walked): commits reachable from HEAD,
//! newest first; a commit whose content folder is identical to a parent's is skipped, a
//! merge counts only for files it changed relative to every parent. Uncommitted edits are
//! not counted. This module reads trees and diffs, never the working tree.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chrono_tz::Tz;
use git2::{Oid, Repository};

use super::changelog::{format_date, timestamp};
use super::facts::{FileFacts, Trail};
use super::graph::{Graph, Walker};
use super::integrity::{Broken, Fault, Kind, Via};
use super::paths::entry_id;
use super::trail::{FileDelta, TrailBuilder};

/// What one walk of the content history gives: facts per wanted file, and the audit trail
/// per release file.
pub(crate) type ContentFacts = (BTreeMap<String, FileFacts>, BTreeMap<String, Trail>);

/// Trees and blobs of the content history that could not be read (corruption: the facts
/// and trails built without them would silently miss changes), each object once.
#[derive(Debug, Default)]
pub(crate) struct Faults {
    pub broken: Vec<Broken>,
    seen: HashSet<Oid>,
}

impl Faults {
    pub(crate) fn push(&mut self, id: Oid, kind: Kind, fault: Fault, commit: Oid) {
        if self.seen.insert(id) {
            self.broken.push(Broken {
                id,
                kind,
                fault,
                via: Via::InCommit(commit),
            });
        }
    }
}

/// Facts for the `wanted` files (paths relative to the content dir, `/`-separated) of the
/// content folder `prefix` (relative to the repository root; empty = the root), and the
/// audit trails of the `releases` files, in one walk; and the objects that could not be
/// read on the way.
pub(crate) fn file_facts(
    repo: &Repository,
    graph: &Graph,
    head: Option<u32>,
    prefix: &str,
    (wanted, releases): (&BTreeSet<String>, &BTreeSet<String>),
    tz: Tz,
) -> (ContentFacts, Vec<Broken>) {
    let mut facts: BTreeMap<String, FileFacts> = BTreeMap::new();
    let mut trails = TrailBuilder::new(repo, tz, releases);
    let (Some(head), Ok(odb)) = (head, repo.odb()) else {
        return ((facts, trails.finish(repo.is_shallow())), Vec::new());
    };
    let commits = Walker::default().difference(graph, &[head], &[], false);
    let mut faults = Faults::default();
    let mut folder: HashMap<u32, Option<Oid>> = HashMap::new();
    let mut folder_of = |c: u32, faults: &mut Faults| {
        *folder.entry(c).or_insert_with(|| {
            let read = entry_id(&odb, graph.data[c as usize].tree, prefix);
            read.unwrap_or_else(|(id, fault)| {
                faults.push(id, Kind::Tree, fault, graph.ids[c as usize]);
                None
            })
        })
    };
    for commit in commits {
        let Some(now) = folder_of(commit, &mut faults) else {
            continue;
        };
        let parents = graph.parents(commit);
        let before: Vec<Option<Oid>> = parents.iter().map(|&p| folder_of(p, &mut faults)).collect();
        if before.contains(&Some(now)) {
            continue;
        }
        let mut changed: Option<HashSet<String>> = None;
        let first_parent = before.first().copied().flatten();
        let olds = if before.is_empty() {
            vec![None]
        } else {
            before
        };
        // The first parent's file changes, which the trail reads.
        let mut deltas = Vec::new();
        for old in olds {
            let keep = changed.is_none().then_some(&mut deltas);
            let id = graph.ids[commit as usize];
            let paths = changed_paths(repo, (old, now), keep, id, &mut faults);
            changed = Some(match changed {
                None => paths,
                Some(previous) => previous.intersection(&paths).cloned().collect(),
            });
        }
        let data = &graph.data[commit as usize];
        let changed = changed.unwrap_or_default();
        let author = graph.authors.get(data.author as usize);
        // A shallow clone's boundary commit has no parents here: what it changed is unknown.
        let boundary = graph
            .boundary
            .get(commit as usize)
            .copied()
            .unwrap_or(false);
        if !boundary && trails.concerns(&changed) {
            let author = author.map_or("", String::as_str);
            let id = graph.ids[commit as usize];
            let found = (&changed, &deltas[..]);
            trails.record(id, data, author, (first_parent, now), found, &mut faults);
        }
        for path in changed {
            if !wanted.contains(&path) {
                continue;
            }
            let entry = facts.entry(path).or_default();
            entry.commits += 1;
            let at = timestamp(data.commit_time);
            if entry.first_commit_at.is_none_or(|first| at < first) {
                entry.first_commit_at = Some(at);
            }
            if entry.last_commit_at.is_none_or(|last| at > last) {
                let (date, datetime) = format_date(at, tz);
                entry.last_commit_at = Some(at);
                entry.last_commit_date = Some(date);
                entry.last_commit_datetime = Some(datetime);
                entry.last_author = author.cloned();
            }
        }
    }
    ((facts, trails.finish(repo.is_shallow())), faults.broken)
}

/// Paths (relative to the folder) that differ between two versions of the folder (of
/// `commit`); with `deltas`, each file change is also kept there (for the audit trail).
/// A tree that cannot be read goes to `faults`.
fn changed_paths(
    repo: &Repository,
    (old, new): (Option<Oid>, Oid),
    mut deltas: Option<&mut Vec<FileDelta>>,
    commit: Oid,
    faults: &mut Faults,
) -> HashSet<String> {
    let mut paths = HashSet::new();
    let mut tree = |id: Oid| match repo.find_tree(id) {
        Ok(tree) => Some(tree),
        Err(err) => {
            faults.push(id, Kind::Tree, Fault::of(&err), commit);
            None
        }
    };
    let old = match old {
        Some(id) => match tree(id) {
            Some(tree) => Some(tree),
            None => return paths,
        },
        None => None,
    };
    let Some(new_tree) = tree(new) else {
        return paths;
    };
    let diff = match repo.diff_tree_to_tree(old.as_ref(), Some(&new_tree), None) {
        Ok(diff) => diff,
        Err(err) => {
            // A tree below the folder is missing or damaged: the diff names it.
            let why = format!("a tree inside it cannot be read: {}", err.message().trim());
            faults.push(new, Kind::Tree, Fault::Damaged(why), commit);
            return paths;
        }
    };
    let path = |file: git2::DiffFile| {
        file.path()
            .and_then(|p| p.to_str())
            .map(|p| p.replace('\\', "/"))
    };
    for delta in diff.deltas() {
        let (new_path, old_path) = (path(delta.new_file()), path(delta.old_file()));
        if let Some(deltas) = deltas.as_deref_mut() {
            deltas.push(FileDelta {
                status: delta.status(),
                path: new_path
                    .clone()
                    .or_else(|| old_path.clone())
                    .unwrap_or_default(),
                old_path: None,
                old_id: delta.old_file().id(),
                new_id: delta.new_file().id(),
            });
        }
        paths.extend(new_path);
        paths.extend(old_path);
    }
    paths
}
