//! Content file facts: for each release, runbook and config file, how many commits changed
//! it and when the last one was (the runbook's "last reviewed", the iCal `SEQUENCE`).
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
use super::paths::entry_id;
use super::trail::{FileDelta, TrailBuilder};

/// What one walk of the content history gives: facts per wanted file, and the audit trail
/// per release file.
pub(crate) type ContentFacts = (BTreeMap<String, FileFacts>, BTreeMap<String, Trail>);

/// Facts for the `wanted` files (paths relative to the content dir, `/`-separated) of the
/// content folder `prefix` (relative to the repository root; empty = the root), and the
/// audit trails of the `releases` files, in one walk.
pub(crate) fn file_facts(
    repo: &Repository,
    graph: &Graph,
    head: Option<u32>,
    prefix: &str,
    (wanted, releases): (&BTreeSet<String>, &BTreeSet<String>),
    tz: Tz,
) -> ContentFacts {
    let mut facts: BTreeMap<String, FileFacts> = BTreeMap::new();
    let mut trails = TrailBuilder::new(repo, tz, releases);
    let (Some(head), Ok(odb)) = (head, repo.odb()) else {
        return (facts, trails.finish(repo.is_shallow()));
    };
    let commits = Walker::default().difference(graph, &[head], &[], false);
    let mut folder: HashMap<u32, Option<Oid>> = HashMap::new();
    let mut folder_of = |c: u32| {
        *folder
            .entry(c)
            .or_insert_with(|| entry_id(&odb, graph.data[c as usize].tree, prefix))
    };
    for commit in commits {
        let Some(now) = folder_of(commit) else {
            continue;
        };
        let parents = graph.parents(commit);
        let before: Vec<Option<Oid>> = parents.iter().map(|&p| folder_of(p)).collect();
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
            let paths = changed_paths(repo, old, now, keep);
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
            trails.record(id, data, author, (first_parent, now), (&changed, &deltas));
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
    (facts, trails.finish(repo.is_shallow()))
}

/// Paths (relative to the folder) that differ between two versions of the folder; with
/// `deltas`, each file change is also kept there (for the audit trail).
fn changed_paths(
    repo: &Repository,
    old: Option<Oid>,
    new: Oid,
    mut deltas: Option<&mut Vec<FileDelta>>,
) -> HashSet<String> {
    let mut paths = HashSet::new();
    let old = old.and_then(|id| repo.find_tree(id).ok());
    let Ok(new) = repo.find_tree(new) else {
        return paths;
    };
    let Ok(diff) = repo.diff_tree_to_tree(old.as_ref(), Some(&new), None) else {
        return paths;
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
