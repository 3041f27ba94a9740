//! History: the tagged git history of each system, read with `git2` and joined with the
//! release files.
//!
//! `read` opens each distinct repository once, lists its tags, walks its history once from
//! every release tag and HEAD (each commit read and parsed once), and from that in-memory
//! graph builds, per system: release tags (SemVer order), a grouped Conventional Commits
//! changelog per tag, unreleased work, tags missing from the portal, plan vs actual and
//! rollback targets; and, per content file, how often and when it last changed. Problems
//! come back as `Diagnostic`s (warnings, and errors for unreadable repositories).
//!
//! This stage enriches, it never renders HTML (only `partials/changelog*.html` templates
//! format its `Facts`), never reads the clock (callers pass `today`), and never runs `git`.

mod changelog;
mod checks;
pub mod conventional;
mod facts;
mod files;
mod graph;
mod links;
mod markdown;
mod paths;
mod pattern;
mod rawobj;
mod repo;
mod runbooks;
mod system;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use chrono_tz::Tz;
use git2::Repository;
use rayon::prelude::*;

pub use checks::FAR_FROM_WINDOW_DAYS;
pub use facts::{
    Changelog, CommitInfo, Contributor, Facts, FileFacts, Group, PlanVsActual, ReleaseFacts,
    RollbackTarget, Shared, Slip, SystemHistory, TagInfo,
};
pub use links::{Span, Ticket};
pub use markdown::{changelog_markdown, ChangelogError};
pub use runbooks::{review_runbooks, ReleasedSince, RunbookReview};

use crate::content::{Content, System};
use crate::diagnostics::{display_path, Diagnostic};
use changelog::CommitCache;
use graph::Graph;
use paths::{normalise, PathMasks, Resolver};
use pattern::{TagMatch, TagPattern};

/// Options that are not (yet) part of the content format.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// Systems whose changelogs follow first parents only (merge-heavy repositories: each
    /// merge stands for its branch, described by the merge message's body).
    pub first_parent: BTreeSet<String>,
}

/// Reads the history of every system of `content` (its content dir is `content_root`).
pub fn read(content_root: &Path, content: &Content) -> (Facts, Vec<Diagnostic>) {
    read_with(content_root, content, &ReadOptions::default())
}

/// `read` with options.
pub fn read_with(
    content_root: &Path,
    content: &Content,
    options: &ReadOptions,
) -> (Facts, Vec<Diagnostic>) {
    let mut facts = Facts::default();
    let mut diagnostics = Vec::new();
    let tz = content.portal.timezone;
    let content_repo = discover_content_repo(content_root);
    if let Err(note) = &content_repo {
        facts.notes.push(note.clone());
    }
    // Systems grouped by repository: `None` is the content repository.
    let mut groups: BTreeMap<Option<PathBuf>, Vec<&System>> = BTreeMap::new();
    for system in &content.systems {
        match &system.repo {
            None => groups.entry(None).or_default().push(system),
            Some(path) => match content_root.join(path).canonicalize() {
                Ok(found) => groups.entry(Some(found)).or_default().push(system),
                Err(err) => {
                    diagnostics.push(repo_error(system, content_root, &err.to_string()));
                    facts.systems.insert(system.id.clone(), unavailable(system));
                }
            },
        }
    }
    let wanted = content_files(content);
    let mut content_done = false;
    for (location, systems) in &groups {
        let opened;
        let (repo, file_prefix) = match (location, &content_repo) {
            (None, Ok((repo, prefix))) => (repo, Some(prefix.as_str())),
            (None, Err(_)) => {
                for system in systems {
                    diagnostics.push(no_content_repo(system));
                    facts.systems.insert(system.id.clone(), unavailable(system));
                }
                continue;
            }
            (Some(path), _) => match repo::open(path) {
                Ok(repo) => {
                    opened = repo;
                    (&opened, None)
                }
                Err(err) => {
                    for system in systems {
                        diagnostics.push(repo_error(system, content_root, err.message()));
                        facts.systems.insert(system.id.clone(), unavailable(system));
                    }
                    continue;
                }
            },
        };
        let walked = walk_repository(repo, systems, content, options, tz);
        for (history, found) in walked.systems {
            diagnostics.extend(found);
            facts.systems.insert(history.system.clone(), history);
        }
        facts.debug.extend(walked.debug);
        if let Some(prefix) = file_prefix {
            facts.files = files::file_facts(repo, &walked.graph, walked.head, prefix, &wanted, tz);
            content_done = true;
        }
    }
    if let (false, Ok((repo, prefix))) = (content_done, &content_repo) {
        let head = repo::head(repo);
        if let (Some((head, _)), Ok(odb)) = (head, repo.odb()) {
            let graph = Graph::walk(&odb, &[head], &mut |_| {});
            let head = graph.get(head);
            facts.files = files::file_facts(repo, &graph, head, prefix, &wanted, tz);
        }
    }
    (facts, diagnostics)
}

/// The result of walking one repository for its systems.
struct Walked {
    systems: Vec<(SystemHistory, Vec<Diagnostic>)>,
    graph: Graph,
    head: Option<u32>,
    debug: Vec<String>,
}

/// One repository, one walk: tags of all its systems and HEAD are the tips.
fn walk_repository(
    repo: &Repository,
    systems: &[&System],
    content: &Content,
    options: &ReadOptions,
    tz: Tz,
) -> Walked {
    let mut debug = Vec::new();
    let started = std::time::Instant::now();
    let tags = repo::list_tags(repo, &mut debug);
    let head = repo::head(repo);
    let patterns: Vec<TagPattern> = systems
        .iter()
        .filter_map(|s| TagPattern::new(&s.tag_pattern))
        .collect();
    let mut tips: Vec<git2::Oid> = tags
        .iter()
        .filter(|t| {
            patterns
                .iter()
                .any(|p| matches!(p.matches(&t.name), TagMatch::Version(_)))
        })
        .map(|t| t.commit)
        .collect();
    tips.extend(head.as_ref().map(|(oid, _)| *oid));
    let (graph, masks) = match repo.odb() {
        Ok(odb) => {
            let listed = started.elapsed();
            let paths = distinct_paths(systems);
            let fast = FastReads::start();
            let (graph, masks) = walk_and_resolve(repo, &odb, &tips, paths);
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
        .and_then(|(oid, name)| Some((graph.get(*oid)?, name.clone())));
    let state = system::Repo {
        graph: &graph,
        masks: &masks,
        tags: &tags,
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
    tips: &[git2::Oid],
    paths: Vec<String>,
) -> (Graph, PathMasks) {
    if paths.is_empty() {
        let graph = Graph::walk(odb, tips, &mut |_| {});
        let masks = PathMasks::from_rows(&graph, paths, Vec::new());
        return (graph, masks);
    }
    const BATCH: usize = 512;
    let resolver = Resolver::new(&paths);
    let (sender, receiver) = std::sync::mpsc::channel::<(usize, Vec<git2::Oid>)>();
    let queue = std::sync::Mutex::new(receiver);
    let drain = |odb: &git2::Odb<'_>| {
        let mut rows = Vec::new();
        loop {
            let next = match queue.lock() {
                Ok(receiver) => receiver.recv(),
                Err(_) => break,
            };
            let Ok((start, trees)) = next else { break };
            let mut row = Vec::with_capacity(trees.len() * paths.len());
            for tree in trees {
                resolver.push(odb, tree, &mut row);
            }
            rows.push((start, row));
        }
        rows
    };
    let second = repo::open(repo.path());
    let (graph, mut rows) = std::thread::scope(|scope| {
        let worker = second.ok().map(|second| {
            let drain = &drain;
            scope.spawn(move || match second.odb() {
                Ok(odb) => drain(&odb),
                Err(_) => Vec::new(),
            })
        });
        let mut batch = Vec::with_capacity(BATCH);
        let mut start = 0;
        let graph = Graph::walk(odb, tips, &mut |tree| {
            batch.push(tree);
            if batch.len() == BATCH {
                let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                let _ = sender.send((start, full));
                start += BATCH;
            }
        });
        let _ = sender.send((start, batch));
        drop(sender);
        let mut rows = drain(odb);
        if let Some(Ok(more)) = worker.map(|w| w.join()) {
            rows.extend(more);
        }
        (graph, rows)
    });
    let resolved: usize = rows.iter().map(|(_, r)| r.len()).sum();
    if resolved != graph.len() * paths.len() {
        // The worker failed: resolve everything here.
        let mut row = Vec::new();
        for data in &graph.data {
            resolver.push(odb, data.tree, &mut row);
        }
        rows = vec![(0, row)];
    }
    let masks = PathMasks::from_rows(&graph, paths, rows);
    (graph, masks)
}

fn distinct_paths(systems: &[&System]) -> Vec<String> {
    let set: BTreeSet<String> = systems
        .iter()
        .flat_map(|s| s.include_paths.iter().map(|p| normalise(p)))
        .filter(|p| !p.is_empty())
        .collect();
    set.into_iter().collect()
}

/// The repository holding the content dir, and the content dir's path inside it.
fn discover_content_repo(content_root: &Path) -> Result<(Repository, String), String> {
    let not_in_git = || {
        format!(
            "{} is not in a git repository: runbooks have no last-reviewed date and calendar SEQUENCE numbers stay 0",
            display_path(content_root)
        )
    };
    let repo = Repository::discover(content_root).map_err(|_| not_in_git())?;
    let workdir = repo.workdir().ok_or_else(not_in_git)?;
    let (Ok(root), Ok(workdir)) = (content_root.canonicalize(), workdir.canonicalize()) else {
        return Err(not_in_git());
    };
    let inside = root.strip_prefix(&workdir).map_err(|_| not_in_git())?;
    let prefix = inside
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/");
    Ok((repo, prefix))
}

/// Every content file whose history matters, relative to the content dir.
fn content_files(content: &Content) -> BTreeSet<String> {
    let mut files: BTreeSet<String> = ["portal.yaml", "contacts.yaml"]
        .into_iter()
        .map(str::to_owned)
        .collect();
    let sources = content
        .releases
        .iter()
        .map(|r| &r.source.file)
        .chain(content.runbooks.iter().map(|r| &r.source.file))
        .chain(content.checklists.iter().map(|c| &c.source.file));
    files.extend(sources.map(|p| display_path(p)));
    files
}

fn unavailable(system: &System) -> SystemHistory {
    SystemHistory {
        system: system.id.clone(),
        repo: system.repo.clone().unwrap_or_else(|| ".".to_owned()),
        available: false,
        tag_pattern: system.tag_pattern.clone(),
        ..SystemHistory::default()
    }
}

fn repo_error(system: &System, content_root: &Path, reason: &str) -> Diagnostic {
    let path = system.repo.as_deref().unwrap_or(".");
    Diagnostic::error(
        system.source.clone(),
        Some("repo"),
        format!(
            "cannot read the git repository of system {} at {path}: {reason}",
            system.id
        ),
    )
    .with_help(format!(
        "`repo:` is relative to the content dir ({}) and must be a git repository (a clone or a bare repo); check the path",
        display_path(content_root)
    ))
}

fn no_content_repo(system: &System) -> Diagnostic {
    Diagnostic::warning(
        system.source.clone(),
        Some("repo"),
        format!(
            "system {} has no `repo:` and the content dir is not in a git repository: it has no changelog",
            system.id
        ),
    )
    .with_help("set `repo:` to the system's git repository (relative to the content dir), or keep the content in git")
}
