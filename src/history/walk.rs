//! The walk of one repository: list its tags, walk its history once from every release
//! tag of its systems and HEAD, resolve include paths alongside (on a second thread), then
//! build every system's history from that one graph (systems in parallel).
//!
//! Nothing here formats or joins release files (see `system` and `checks`); this module
//! decides what is read from git and how often: once.

use std::collections::BTreeSet;

use chrono_tz::Tz;
use git2::Repository;
use rayon::prelude::*;

use super::changelog::CommitCache;
use super::facts::SystemHistory;
use super::graph::{Graph, Tip};
use super::integrity::{Broken, Fault, Kind, ShallowCut, Via};
use super::links;
use super::paths::{normalise, PathMasks, Resolver};
use super::pattern::{TagMatch, TagPattern};
use super::{repo, system, ReadOptions};
use crate::content::{Content, System};
use crate::diagnostics::Diagnostic;

/// The result of walking one repository for its systems.
pub(crate) struct Walked {
    pub systems: Vec<(SystemHistory, Vec<Diagnostic>)>,
    pub graph: Graph,
    pub head: Option<u32>,
    pub debug: Vec<String>,
}

/// One repository, one walk: tags of all its systems and HEAD are the tips.
pub(crate) fn walk_repository(
    repo: &Repository,
    systems: &[&System],
    content: &Content,
    options: &ReadOptions,
    tz: Tz,
) -> Walked {
    let mut debug = Vec::new();
    let started = std::time::Instant::now();
    let repo::Tags {
        tags,
        broken,
        not_commits,
        unlisted,
    } = repo::list_tags(repo, &mut debug);
    let head_state = repo::head(repo);
    let head = head_state.commit();
    let shallow = ShallowCut::of(repo);
    let patterns: Vec<TagPattern> = systems
        .iter()
        .filter_map(|s| TagPattern::new(&s.tag_pattern))
        .collect();
    let mut tips: Vec<Tip> = tags
        .iter()
        .filter(|t| {
            patterns
                .iter()
                .any(|p| matches!(p.matches(&t.name), TagMatch::Version(_)))
        })
        .map(|t| Tip {
            id: t.commit,
            name: format!("refs/tags/{}", t.name),
        })
        .collect();
    tips.extend(head.as_ref().map(|(tip, _)| tip.clone()));
    for (name, damage) in &broken {
        if !patterns
            .iter()
            .any(|p| matches!(p.matches(name), TagMatch::Version(_)))
        {
            debug.push(format!("ignored tag {name} (no system's tag): {damage}"));
        }
    }
    let (graph, masks) = match repo.odb() {
        Ok(odb) => {
            let listed = started.elapsed();
            let paths = distinct_paths(systems);
            let fast = FastReads::start();
            let (graph, masks) = walk_and_resolve(repo, &odb, &tips, &shallow, paths);
            drop(fast);
            debug.push(format!(
                "{}: {} tags listed in {listed:.2?}, {} commits walked and {} include paths resolved in {:.2?}",
                repo.path().display(),
                tags.len(),
                graph.len(),
                masks.paths.len(),
                started.elapsed() - listed,
            ));
            (graph, masks)
        }
        Err(err) => {
            debug.push(format!(
                "could not open the object database: {}",
                err.message()
            ));
            (Graph::default(), PathMasks::default())
        }
    };
    let path_owners: Vec<(String, Vec<usize>)> = systems
        .iter()
        .map(|s| {
            let paths: Vec<String> = s.include_paths.iter().map(|p| normalise(p)).collect();
            (s.id.clone(), masks.bits_of(&paths))
        })
        .filter(|(_, bits)| !bits.is_empty())
        .collect();
    let head_index = head
        .as_ref()
        .and_then(|(tip, name)| Some((graph.get(tip.id)?, name.clone())));
    let state = system::Repo {
        graph: &graph,
        masks: &masks,
        tags: &tags,
        broken_tags: &broken,
        not_commits: &not_commits,
        unlisted: unlisted.as_deref(),
        head_state: &head_state,
        head: head_index.clone(),
        shallow: repo.is_shallow(),
        tz,
        path_owners: &path_owners,
    };
    let variants = systems.iter().map(|s| {
        let urls = links::UrlTemplates::new(
            s.commit_url.as_deref(),
            s.compare_url.as_deref(),
            s.ticket_url.as_deref(),
        );
        (urls, options.first_parent.contains(&s.id))
    });
    let cache = CommitCache::new(&graph, tz, variants);
    let built: Vec<system::Built> = systems
        .par_iter()
        .map(|system| {
            let releases: Vec<_> = content
                .releases
                .iter()
                .filter(|r| r.system == system.id)
                .collect();
            let first_parent = options.first_parent.contains(&system.id);
            system::build(&state, &cache, system, &releases, first_parent)
        })
        .collect();
    drop(cache);
    let mut out = Vec::new();
    for mut system in built {
        debug.append(&mut system.debug);
        out.push((system.history, system.diagnostics));
    }
    debug.push(format!(
        "{}: {} systems built, {:.2?} in all",
        repo.path().display(),
        systems.len(),
        started.elapsed()
    ));
    Walked {
        systems: out,
        head: head_index.map(|(i, _)| i),
        graph,
        debug,
    }
}

/// While alive, libgit2 neither caches objects nor re-hashes them on read: the walk reads
/// each object once, so the cache would only cost time and memory, and verification a
/// SHA-1 per object. Both are process-wide settings, restored to libgit2's defaults on drop.
struct FastReads;

impl FastReads {
    fn start() -> FastReads {
        git2::opts::enable_caching(false);
        git2::opts::strict_hash_verification(false);
        FastReads
    }
}

impl Drop for FastReads {
    fn drop(&mut self) {
        git2::opts::strict_hash_verification(true);
        git2::opts::enable_caching(true);
    }
}

/// Walks the history and, when there are include paths, resolves them alongside: commits'
/// root trees go in batches to a second thread (with its own handle on the repository);
/// once the walk is done this thread helps drain the queue.
fn walk_and_resolve(
    repo: &Repository,
    odb: &git2::Odb<'_>,
    tips: &[Tip],
    shallow: &ShallowCut,
    paths: Vec<String>,
) -> (Graph, PathMasks) {
    if paths.is_empty() {
        let graph = Graph::walk(odb, tips, shallow, &mut |_| {});
        let masks = PathMasks::from_rows(&graph, paths, Vec::new());
        return (graph, masks);
    }
    const BATCH: usize = 512;
    let resolver = Resolver::new(&paths);
    let (sender, receiver) = std::sync::mpsc::channel::<(usize, Vec<git2::Oid>)>();
    let queue = std::sync::Mutex::new(receiver);
    let drain = |odb: &git2::Odb<'_>| {
        let mut rows = Vec::new();
        let mut faults = TreeFaults::new();
        loop {
            let next = match queue.lock() {
                Ok(receiver) => receiver.recv(),
                Err(_) => break,
            };
            let Ok((start, trees)) = next else { break };
            let mut row = Vec::with_capacity(trees.len() * paths.len());
            for (i, tree) in trees.into_iter().enumerate() {
                if let Err((id, fault)) = resolver.push(odb, tree, &mut row) {
                    faults.push((start + i, id, fault));
                }
            }
            rows.push((start, row));
        }
        (rows, faults)
    };
    let second = repo::open(repo.path());
    let (mut graph, mut rows, mut faults) = std::thread::scope(|scope| {
        let worker = second.ok().map(|second| {
            let drain = &drain;
            scope.spawn(move || match second.odb() {
                Ok(odb) => drain(&odb),
                Err(_) => (Vec::new(), TreeFaults::new()),
            })
        });
        let mut batch = Vec::with_capacity(BATCH);
        let mut start = 0;
        let graph = Graph::walk(odb, tips, shallow, &mut |tree| {
            batch.push(tree);
            if batch.len() == BATCH {
                let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                let _ = sender.send((start, full));
                start += BATCH;
            }
        });
        let _ = sender.send((start, batch));
        drop(sender);
        let (mut rows, mut faults) = drain(odb);
        if let Some(Ok((more, more_faults))) = worker.map(|w| w.join()) {
            rows.extend(more);
            faults.extend(more_faults);
        }
        (graph, rows, faults)
    });
    let resolved: usize = rows.iter().map(|(_, r)| r.len()).sum();
    if resolved != graph.len() * paths.len() {
        // The worker failed: resolve everything here.
        let mut row = Vec::new();
        faults.clear();
        for (i, data) in graph.data.iter().enumerate() {
            if let Err((id, fault)) = resolver.push(odb, data.tree, &mut row) {
                faults.push((i, id, fault));
            }
        }
        rows = vec![(0, row)];
    }
    record_tree_faults(&mut graph, faults);
    let masks = PathMasks::from_rows(&graph, paths, rows);
    (graph, masks)
}

/// Trees that could not be read while resolving include paths: (commit index, tree, fault).
type TreeFaults = Vec<(usize, git2::Oid, Fault)>;

/// Adds unreadable trees to the graph's broken objects, in commit order (the two threads
/// finish in any order), each tree once.
fn record_tree_faults(graph: &mut Graph, mut faults: TreeFaults) {
    faults.sort_by_key(|(commit, _, _)| *commit);
    let mut seen = BTreeSet::new();
    for (commit, id, fault) in faults {
        let Some(&owner) = graph.ids.get(commit) else {
            continue;
        };
        if seen.insert(id) {
            graph.broken.push(Broken {
                id,
                kind: Kind::Tree,
                fault,
                via: Via::InCommit(owner),
            });
        }
    }
}

fn distinct_paths(systems: &[&System]) -> Vec<String> {
    let set: BTreeSet<String> = systems
        .iter()
        .flat_map(|s| s.include_paths.iter().map(|p| normalise(p)))
        .filter(|p| !p.is_empty())
        .collect();
    set.into_iter().collect()
}
