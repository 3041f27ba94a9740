//! History: the tagged git history of each system, read with `git2` and joined with the
//! release files.
//!
//! `read` opens each distinct repository once, lists its tags, walks its history once from
//! every release tag and HEAD (each commit read and parsed once), and from that in-memory
//! graph builds, per system: release tags (SemVer order), a grouped Conventional Commits
//! changelog per tag, unreleased work, tags missing from the portal, plan vs actual and
//! rollback targets; and, per content file, how often and when it last changed. Problems
//! come back as `Diagnostic`s (warnings; errors for unreadable or corrupt repositories).
//!
//! What reading one repository found is kept in the history cache (`cache`) and reused
//! while neither the repository nor the content it reads changed (`read_cached`).
//!
//! This stage enriches, it never renders HTML (only `partials/changelog*.html` templates
//! format its `Facts`), never reads the clock (callers pass `today`), and never runs `git`.

mod cache;
mod changelog;
mod checks;
pub mod conventional;
mod facts;
mod files;
mod graph;
mod integrity;
mod links;
mod loose;
mod markdown;
mod paths;
mod pattern;
mod rawobj;
mod repo;
mod runbooks;
mod system;
mod trail;
mod walk;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use git2::Repository;
use rayon::prelude::*;

pub use checks::FAR_FROM_WINDOW_DAYS;
pub use facts::{
    Change, Changelog, CommitInfo, Contributor, Facts, FileFacts, Group, PlanVsActual,
    ReleaseFacts, RollbackTarget, Shared, Slip, SystemHistory, TagInfo, Trail, TrailEntry,
};
pub use links::{Span, Ticket};
pub use markdown::{changelog_markdown, ChangelogError};
pub use runbooks::{review_runbooks, ReleasedSince, RunbookReview};

use crate::content::{Content, System};
use crate::diagnostics::{display_path, Diagnostic};
use graph::Graph;
use integrity::ShallowCut;

/// How to read the history (from the systems' settings in portal.yaml).
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// Systems whose changelogs follow first parents only (merge-heavy repositories: each
    /// merge stands for its branch, described by the merge message's body).
    pub first_parent: BTreeSet<String>,
    /// Local mirrors of remote `repo:` URLs (from [`crate::mirrors::sync`]), read in their
    /// place; a remote URL without one here cannot be read.
    pub mirrors: BTreeMap<String, PathBuf>,
    /// Reuse and keep what reading each repository found in the history cache under
    /// `.shipboard/cache/` of the content dir (see `cache`).
    pub cache: bool,
}

/// Reads the history of every system of `content` (its content dir is `content_root`),
/// following first parents only for systems with `first_parent: true`.
pub fn read(content_root: &Path, content: &Content) -> (Facts, Vec<Diagnostic>) {
    read_mirrored(content_root, content, BTreeMap::new())
}

/// `read`, with remote repositories read from their local `mirrors` (URL -> folder).
pub fn read_mirrored(
    content_root: &Path,
    content: &Content,
    mirrors: BTreeMap<String, PathBuf>,
) -> (Facts, Vec<Diagnostic>) {
    read_cached(content_root, content, mirrors, false)
}

/// `read_mirrored`, reusing (when `cache`) the reads of repositories whose git state and
/// history-relevant content did not change since they were stored in the history cache.
pub fn read_cached(
    content_root: &Path,
    content: &Content,
    mirrors: BTreeMap<String, PathBuf>,
    cache: bool,
) -> (Facts, Vec<Diagnostic>) {
    let first_parent = content
        .systems
        .iter()
        .filter(|s| s.first_parent)
        .map(|s| s.id.clone())
        .collect();
    let options = ReadOptions {
        first_parent,
        mirrors,
        cache,
    };
    read_with(content_root, content, &options)
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
    // Systems grouped by repository: `None` is the content repository (`repo: .`).
    let mut groups: BTreeMap<Option<PathBuf>, Vec<&System>> = BTreeMap::new();
    for system in &content.systems {
        match &system.repo {
            // No silent default: only `repo: .` means the content repository itself.
            None => diagnostics.push(no_repo(system)),
            Some(dot) if dot.trim_end_matches('/') == "." => {
                groups.entry(None).or_default().push(system)
            }
            Some(url) if crate::mirrors::is_remote(url) => match options.mirrors.get(url) {
                Some(mirror) => groups.entry(Some(mirror.clone())).or_default().push(system),
                // `mirrors::sync` already said why it has no mirror.
                None => {
                    facts.systems.insert(system.id.clone(), unavailable(system));
                }
            },
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
    let releases = release_files(content);
    let store = options.cache.then(|| cache::Store::new(content_root));
    let store = store.as_ref();
    // Repositories are independent: read them in parallel, each with its own handle (a
    // `Repository` is not `Sync`), and merge in the groups' order so output stays stable.
    let read_group = |(location, systems): (&Option<PathBuf>, &Vec<&System>)| {
        read_group(
            content_root,
            location.as_deref(),
            systems,
            content,
            options,
            (&wanted, &releases),
            store,
        )
    };
    // The content repository's own walk (when no system lives in it) is independent of the
    // system repositories too: it runs alongside them rather than after them.
    let content_alone = !groups.contains_key(&None);
    let content_shallow = content_repo
        .as_ref()
        .is_ok_and(|(repo, _)| repo.is_shallow());
    let wanted = (&wanted, &releases);
    let (groups, content_read) = rayon::join(
        || {
            groups
                .iter()
                .collect::<Vec<_>>()
                .into_par_iter()
                .map(read_group)
                .collect::<Vec<GroupRead>>()
        },
        || {
            let (repo, prefix) = content_repo.ok().filter(|_| content_alone)?;
            let read = || content_repo_facts(content, &repo, &prefix, wanted, tz);
            let key = || cache::key(&repo, &[], content, options, Some((&prefix, wanted)));
            Some(cache::through(store, "content repository files", key, read))
        },
    );
    let mut identity = Some(crate::cache::Fingerprint::new("history identity"));
    for group in &groups {
        identity = keyed(identity, group.facts);
    }
    if let Some(read) = &content_read {
        identity = keyed(identity, read.facts);
    }
    for group in groups {
        diagnostics.extend(group.diagnostics);
        for history in group.systems {
            facts.systems.insert(history.system.clone(), history);
        }
        facts.debug.extend(group.debug);
        if let Some((files, trails)) = group.files {
            facts.files = files;
            facts.trails = trails;
        }
    }
    if let Some(read) = content_read {
        diagnostics.extend(read.diagnostics);
        facts.debug.extend(read.debug);
        (facts.files, facts.trails) = read.files.unwrap_or_default();
    }
    if content_shallow {
        facts.content_shallow = true;
        let message = "the content repository is a shallow clone: runbook review dates, release audit trails and calendar SEQUENCE numbers only see the fetched commits (the oldest one looks like a change to every file)";
        facts.notes.push(message.to_owned());
        diagnostics.push(
            Diagnostic::warning(content.portal.source.clone(), None, message)
                .with_help("fetch the full history before building (`git fetch --unshallow`; in CI: clone with full depth)"),
        );
    }
    facts.identity = identity.map(|mut identity| {
        // Systems without a read of their own (no mirror, a path that does not resolve)
        // are unavailable: that too is part of what the facts say.
        for (id, history) in &facts.systems {
            identity.text(id).bytes(&[u8::from(history.available)]);
        }
        identity.bytes(&[u8::from(facts.content_shallow)]);
        identity.finish()
    });
    (facts, diagnostics)
}

/// Adds the digest of what one repository's read found to the identity of the facts; a
/// read without one (not keyed) leaves the facts without an identity.
fn keyed(
    identity: Option<crate::cache::Fingerprint>,
    facts: Option<crate::cache::Digest>,
) -> Option<crate::cache::Fingerprint> {
    let (mut identity, facts) = (identity?, facts?);
    identity.bytes(&facts);
    Some(identity)
}

/// The content repository read when no system lives in it: only its commits of the
/// content folder count (file facts and audit trails). Problems of a corrupt repository,
/// and the facts (`None` without a HEAD or an object database).
fn content_repo_facts(
    content: &Content,
    repo: &Repository,
    prefix: &str,
    wanted: FileSets,
    tz: chrono_tz::Tz,
) -> GroupRead {
    let mut debug = Vec::new();
    let damaged = check_loose(repo, &mut debug);
    if !damaged.is_empty() {
        let diagnostics = content_repo_corrupt(content, &damaged);
        return GroupRead {
            diagnostics,
            debug,
            ..GroupRead::default()
        };
    }
    let head = repo::head(repo);
    let (Some((head, _)), Ok(odb)) = (head.commit(), repo.odb()) else {
        // A HEAD that cannot be read is not "no history": the facts would silently go.
        let diagnostics = match head {
            repo::Head::Unreadable(why) => vec![Diagnostic::error(
                content.portal.source.clone(),
                None,
                format!("the content repository has a HEAD that cannot be read ({why}): runbook review dates, audit trails and calendar SEQUENCE numbers cannot be read"),
            )
            .with_help("point HEAD at your main branch: `git symbolic-ref HEAD refs/heads/main` in the content repository")],
            // A HEAD naming a branch without commits while other branches have some: the
            // content's history is there but not read. (A repository with no commits yet
            // is simply new: nothing to say.)
            repo::Head::Unborn(branch) if has_branches(repo) => vec![Diagnostic::warning(
                content.portal.source.clone(),
                None,
                format!("the HEAD of the content repository names {branch}, which has no commits: runbook review dates, audit trails and calendar SEQUENCE numbers are not read"),
            )
            .with_help("point HEAD at the branch you commit to: `git symbolic-ref HEAD refs/heads/main` in the content repository (with your main branch's name)")],
            _ => Vec::new(),
        };
        return GroupRead {
            diagnostics,
            debug,
            ..GroupRead::default()
        };
    };
    let shallow = ShallowCut::of(repo);
    let graph = Graph::walk(&odb, std::slice::from_ref(&head), &shallow, &mut |_| {});
    let head = graph.get(head.id);
    let (files, faults) = files::file_facts(repo, &graph, head, prefix, wanted, tz);
    let broken: Vec<integrity::Broken> = graph.broken.into_iter().chain(faults).collect();
    let problems = content_facts_problems(content, repo, broken);
    GroupRead {
        diagnostics: problems,
        files: Some(files),
        debug,
        ..GroupRead::default()
    }
}

/// Checks the loose objects of the object folder `objects` as a history read does before
/// walking (see `loose`): (objects checked, their compressed bytes, damaged ones). For
/// `benches/loose.rs`.
pub fn check_loose_objects(objects: &Path) -> (usize, u64, usize) {
    let scan = loose::scan(objects, loose::BUDGET);
    (scan.checked, scan.bytes, scan.damaged.len())
}

/// The damaged loose objects of `repo` (see `loose`): libgit2 must not read a repository
/// that has any, it would hang. What was checked goes to `debug`.
fn check_loose(repo: &Repository, debug: &mut Vec<String>) -> Vec<integrity::Broken> {
    let started = std::time::Instant::now();
    let scan = loose::scan(&repo.commondir().join("objects"), loose::BUDGET);
    debug.push(scan.summary(repo.path(), started.elapsed()));
    scan.damaged
}

/// The content files whose facts are read, and among them the release files (their audit
/// trails), relative to the content dir.
pub(crate) type FileSets<'a> = (&'a BTreeSet<String>, &'a BTreeSet<String>);

/// What reading one repository found: its systems' histories, problems, debug lines, and
/// for the content repository the facts of the content files.
#[derive(Default)]
pub(crate) struct GroupRead {
    systems: Vec<SystemHistory>,
    diagnostics: Vec<Diagnostic>,
    debug: Vec<String>,
    files: Option<files::ContentFacts>,
    /// The digest of what the read found (`cache::facts_digest`), kept with it in the
    /// history cache. `None` when the read was not keyed (no cache, `--full`, errors, or
    /// the repository changed while it was read).
    facts: Option<crate::cache::Digest>,
}

/// Reads the repository at `location` (`None`: the content repository) for `systems`.
fn read_group(
    content_root: &Path,
    location: Option<&Path>,
    systems: &[&System],
    content: &Content,
    options: &ReadOptions,
    wanted: FileSets,
    store: Option<&cache::Store>,
) -> GroupRead {
    let mut read = GroupRead::default();
    let unreadable = |read: &mut GroupRead, problem: &dyn Fn(&System) -> Diagnostic| {
        for system in systems {
            read.diagnostics.push(problem(system));
            read.systems.push(unavailable(system));
        }
    };
    let (repo, file_prefix) = match location {
        None => match discover_content_repo(content_root) {
            Ok((repo, prefix)) => (repo, Some(prefix)),
            Err(_) => {
                unreadable(&mut read, &no_content_repo);
                return read;
            }
        },
        Some(path) => match repo::open(path) {
            Ok(repo) => (repo, None),
            Err(err) => {
                let problem = |system: &System| repo_error(system, content_root, err.message());
                unreadable(&mut read, &problem);
                return read;
            }
        },
    };
    let unit = match location {
        None => "content repository".to_owned(),
        Some(path) => format!("repository {}", display_path(path)),
    };
    let files = file_prefix.as_deref().map(|prefix| (prefix, wanted));
    let key = || cache::key(&repo, systems, content, options, files);
    let walk = || {
        walk_group(
            &repo,
            systems,
            content,
            options,
            file_prefix.as_deref(),
            wanted,
        )
    };
    cache::through(store, &unit, key, walk)
}

/// Walks `repo` for `systems` and, for the content repository (its content dir at
/// `file_prefix`), reads the facts of the content files.
fn walk_group(
    repo: &Repository,
    systems: &[&System],
    content: &Content,
    options: &ReadOptions,
    file_prefix: Option<&str>,
    wanted: FileSets,
) -> GroupRead {
    let mut read = GroupRead::default();
    let damaged = check_loose(repo, &mut read.debug);
    if !damaged.is_empty() {
        let damaged: Vec<&integrity::Broken> = damaged.iter().collect();
        for system in systems {
            read.diagnostics.extend(integrity::errors(system, &damaged));
            read.systems.push(unavailable(system));
        }
        return read;
    }
    let walked = walk::walk_repository(repo, systems, content, options, content.portal.timezone);
    for (history, found) in walked.systems {
        read.diagnostics.extend(found);
        read.systems.push(history);
    }
    read.debug.extend(walked.debug);
    if let Some(prefix) = file_prefix {
        let tz = content.portal.timezone;
        let graph = &walked.graph;
        let (files, faults) = files::file_facts(repo, graph, walked.head, prefix, wanted, tz);
        // The systems' errors already name broken commits; these are the files' trees
        // and blobs (audit trails, review dates, SEQUENCE numbers).
        read.diagnostics
            .extend(content_facts_problems(content, repo, faults));
        read.files = Some(files);
    }
    read
}

/// The repository holding the content dir, and the content dir's path inside it.
fn discover_content_repo(content_root: &Path) -> Result<(Repository, String), String> {
    let not_in_git = || {
        format!(
            "{} is not in a git repository: runbooks have no last-reviewed date, releases have no audit trail and calendar SEQUENCE numbers stay 0",
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

/// Every release file (its audit trail is read), relative to the content dir.
fn release_files(content: &Content) -> BTreeSet<String> {
    content
        .releases
        .iter()
        .map(|r| display_path(&r.source.file))
        .collect()
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
        .chain(content.checklists.iter().map(|c| &c.source.file))
        .chain(content.plan.trains.iter().map(|t| &t.source.file));
    files.extend(sources.map(|p| display_path(p)));
    files
}

fn unavailable(system: &System) -> SystemHistory {
    SystemHistory {
        system: system.id.clone(),
        name: system.name.clone(),
        repo: system
            .repo
            .as_deref()
            .map_or_else(|| ".".to_owned(), crate::mirrors::redact),
        available: false,
        tag_pattern: system.tag_pattern.clone(),
        ..SystemHistory::default()
    }
}

fn repo_error(system: &System, content_root: &Path, reason: &str) -> Diagnostic {
    let path = crate::mirrors::redact(system.repo.as_deref().unwrap_or("."));
    Diagnostic::error(
        system.repo_at(),
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

/// Problems of the content history's facts in `repo`: errors for broken objects, except
/// that in a partial clone (`git clone --filter=blob:none`, as some CI checkouts are)
/// objects that are simply not there are expected, and are one warning instead.
fn content_facts_problems(
    content: &Content,
    repo: &Repository,
    broken: Vec<integrity::Broken>,
) -> Vec<Diagnostic> {
    if !partial_clone(repo) {
        return content_repo_corrupt(content, &broken);
    }
    let (missing, damaged): (Vec<_>, Vec<_>) = broken
        .into_iter()
        .partition(|b| b.fault == integrity::Fault::Missing);
    let mut problems = content_repo_corrupt(content, &damaged);
    if !missing.is_empty() {
        problems.push(
            Diagnostic::warning(
                content.portal.source.clone(),
                None,
                format!(
                    "the content repository is a partial clone: {} objects of its history are not here, so audit trails, runbook review dates and calendar SEQUENCE numbers may miss changes",
                    missing.len()
                ),
            )
            .with_help("build from a clone with the full history (no `--filter`), or fetch it: `git fetch --refetch` in the content repository"),
        );
    }
    problems
}

/// Whether `repo` has a local branch (with commits: a ref always names one).
fn has_branches(repo: &Repository) -> bool {
    repo.branches(Some(git2::BranchType::Local))
        .is_ok_and(|mut branches| branches.next().is_some())
}

/// Whether `repo` is a partial clone: objects the filter left out are fetched on demand
/// by git, and are absent here until then.
fn partial_clone(repo: &Repository) -> bool {
    let configured = repo.config().is_ok_and(|config| {
        config.get_string("extensions.partialclone").is_ok()
            || config
                .entries(Some("remote\\..*\\.promisor"))
                .is_ok_and(|mut entries| entries.next().is_some())
    });
    let promisor_pack = std::fs::read_dir(repo.path().join("objects/pack")).is_ok_and(|dir| {
        dir.flatten()
            .any(|e| e.path().extension().is_some_and(|ext| ext == "promisor"))
    });
    configured || promisor_pack
}

/// Errors for broken objects of the content repository's history as the content files
/// read it (commits when no system uses it; trees and blobs of the content folder).
fn content_repo_corrupt(content: &Content, broken: &[integrity::Broken]) -> Vec<Diagnostic> {
    let error = |problem: String| {
        Diagnostic::error(
            content.portal.source.clone(),
            None,
            format!("the content repository is corrupt: {problem}"),
        )
        .with_help(integrity::fix("the content repository"))
    };
    let listed = broken.iter().take(integrity::LISTED);
    let mut out: Vec<Diagnostic> = listed.map(|b| error(b.to_string())).collect();
    if broken.len() > integrity::LISTED {
        let more = broken.len() - integrity::LISTED;
        out.push(error(format!("{more} more objects are missing or damaged")));
    }
    out
}

fn no_repo(system: &System) -> Diagnostic {
    Diagnostic::warning(
        system.repo_at(),
        Some("repo"),
        format!(
            "system {} has no `repo:`: its pages show no changelog, tags or rollback targets",
            system.id
        ),
    )
    .with_help("set `repo:` to the system's git repository (a path relative to the content dir, or a clone URL), or `repo: .` if the system's code lives in this content repository")
}

fn no_content_repo(system: &System) -> Diagnostic {
    Diagnostic::warning(
        system.repo_at(),
        Some("repo"),
        format!(
            "system {} has `repo: .` but the content dir is not in a git repository: it has no changelog",
            system.id
        ),
    )
    .with_help("keep the content in git, or set `repo:` to the system's own git repository")
}
