//! One system's history inside an already walked repository: its tags, a changelog per
//! tag, unreleased work, and the joins with its release files.
//!
//! Everything here is in-memory work on the shared graph (set differences, path masks,
//! shared commit infos); the repository was opened, its tags listed and its history walked
//! once by the caller, for all systems that use it.

use std::collections::HashMap;

use chrono_tz::Tz;

use super::changelog::{self, format_date, timestamp, CommitCache, Spec};
use super::checks;
use super::facts::{CommitInfo, Shared, SystemHistory, TagInfo};
use super::graph::{Graph, Walker};
use super::integrity::{self, Broken};
use super::links::UrlTemplates;
use super::paths::{normalise, PathMasks};
use super::pattern::{TagMatch, TagPattern};
use super::repo::{Head, RepoTag};
use crate::content::{Release, System};
use crate::diagnostics::Diagnostic;

/// The shared state of one walked repository.
pub(crate) struct Repo<'r> {
    pub graph: &'r Graph,
    pub masks: &'r PathMasks,
    pub tags: &'r [RepoTag],
    /// Tags whose objects are missing or damaged: (name, what is broken).
    pub broken_tags: &'r [(String, Broken)],
    /// Tags that name a tree or a blob: (name, `tree` or `blob`).
    pub not_commits: &'r [(String, &'static str)],
    /// Why the tags could not be listed (a damaged `packed-refs`).
    pub unlisted: Option<&'r str>,
    /// What HEAD names.
    pub head_state: &'r Head,
    /// HEAD's commit index and name.
    pub head: Option<(u32, String)>,
    pub shallow: bool,
    pub tz: Tz,
    /// Every system of this repository with include paths: (id, mask bits).
    pub path_owners: &'r [(String, Vec<usize>)],
}

/// What `build` returns for one system.
pub(crate) struct Built {
    pub history: SystemHistory,
    pub diagnostics: Vec<Diagnostic>,
    pub debug: Vec<String>,
}

/// A matched release tag and its commit.
struct SystemTag {
    info: TagInfo,
    commit: u32,
}

/// Which commits count for a system.
struct Selection<'a> {
    graph: &'a Graph,
    masks: &'a PathMasks,
    bits: Vec<usize>,
    first_parent: bool,
}

impl Selection<'_> {
    /// Reachable from `include` and from none of `exclude`, before path filtering.
    fn range(&self, walker: &mut Walker, include: u32, exclude: &[u32]) -> Vec<u32> {
        walker.difference(self.graph, &[include], exclude, self.first_parent)
    }

    /// The commits of `range` that touch the system's paths.
    fn filter(&self, range: Vec<u32>) -> Vec<u32> {
        if self.bits.is_empty() {
            return range;
        }
        range
            .into_iter()
            .filter(|&c| self.masks.touches(c, &self.bits))
            .collect()
    }
}

/// Builds the history of `system` from the walked repository `repo`.
pub(crate) fn build(
    repo: &Repo<'_>,
    cache: &CommitCache<'_>,
    system: &System,
    releases: &[&Release],
    first_parent: bool,
) -> Built {
    let mut diagnostics = Vec::new();
    let mut debug = Vec::new();
    let mut walker = Walker::default();
    let urls = UrlTemplates::new(
        system.commit_url.as_deref(),
        system.compare_url.as_deref(),
        system.ticket_url.as_deref(),
    );
    let mut history = SystemHistory {
        system: system.id.clone(),
        name: system.name.clone(),
        repo: system
            .repo
            .as_deref()
            .map_or_else(|| ".".to_owned(), crate::mirrors::redact),
        available: true,
        shallow: repo.shallow,
        tag_pattern: system.tag_pattern.clone(),
        ..SystemHistory::default()
    };
    let Some(pattern) = TagPattern::new(&system.tag_pattern) else {
        return Built {
            history,
            diagnostics,
            debug,
        };
    };
    let tags = match_tags(repo, system, &pattern, releases, &urls, &mut debug);
    diagnostics.extend(corruption(repo, system, &pattern));
    diagnostics.extend(refs_problems(repo, system, !tags.is_empty()));
    let odd = not_commit_tags(repo, system, &pattern, releases);
    diagnostics.extend(odd.iter().map(|(_, d)| d.clone()));
    let selection = Selection {
        graph: repo.graph,
        masks: repo.masks,
        bits: repo.masks.bits_of(&include_paths(system)),
        first_parent,
    };
    // Filtered ranges by (from, to) commit, reused for rollback targets.
    let mut ranges: HashMap<(u32, u32), Vec<u32>> = HashMap::new();
    for (i, tag) in tags.iter().enumerate() {
        let previous = previous_tag(&tags, i);
        let exclude: Vec<u32> = previous.map(|p| p.commit).into_iter().collect();
        let range = selection.range(&mut walker, tag.commit, &exclude);
        let foreign = if selection.bits.is_empty() || range.is_empty() {
            None
        } else {
            Some(range.clone())
        };
        let commits = selection.filter(range);
        if let Some(previous) = previous {
            ranges.insert((previous.commit, tag.commit), commits.clone());
        }
        if let Some(range) = foreign.filter(|_| commits.is_empty()) {
            diagnostics.extend(foreign_paths(repo, system, tag, &range, releases));
        }
        let spec = Spec {
            system: &system.id,
            tag: Some(&tag.info),
            previous: previous.map(|p| &p.info),
            head: None,
            urls: &urls,
            first_parent,
        };
        history
            .changelogs
            .push(changelog::build(cache, &commits, &spec));
    }
    let newest = tags.iter().max_by(|a, b| a.info.semver.cmp(&b.info.semver));
    let head_commits = match &repo.head {
        Some((head, _)) => {
            let all_tags: Vec<u32> = tags.iter().map(|t| t.commit).collect();
            selection.filter(selection.range(&mut walker, *head, &all_tags))
        }
        None => Vec::new(),
    };
    history.unreleased = changelog::build(
        cache,
        &head_commits,
        &Spec {
            system: &system.id,
            tag: None,
            previous: newest.map(|t| &t.info),
            head: repo.head.as_ref().map(|(_, name)| name.as_str()),
            urls: &urls,
            first_parent,
        },
    );
    history.changelogs.reverse();
    history.tags = tags.iter().rev().map(|t| t.info.clone()).collect();
    let commit_of = |info: &TagInfo| {
        tags.iter()
            .find(|t| t.info.name == info.name)
            .map(|t| t.commit)
    };
    let mut rollback = |target: &TagInfo, tag: &TagInfo| -> Vec<Shared<CommitInfo>> {
        let (Some(from), Some(to)) = (commit_of(target), commit_of(tag)) else {
            return Vec::new();
        };
        let range = match ranges.get(&(from, to)) {
            Some(range) => range.clone(),
            None => selection.filter(selection.range(&mut walker, to, &[from])),
        };
        range
            .into_iter()
            .map(|c| cache.commit(c, &urls, first_parent))
            .filter(|c| first_parent || !c.merge)
            .collect()
    };
    // Tags that exist but cannot be used (said above) are not also "missing"; with no tag
    // list at all, none is.
    let mut unreadable: Vec<String> = repo.broken_tags.iter().map(|(n, _)| n.clone()).collect();
    unreadable.extend(odd.into_iter().map(|(name, _)| name));
    if repo.unlisted.is_some() {
        unreadable.extend(releases.iter().map(|r| pattern.tag_name(&r.version)));
    }
    let unreadable: Vec<&str> = unreadable.iter().map(String::as_str).collect();
    let joined = checks::join(
        system,
        &pattern,
        &history.tags,
        &unreadable,
        releases,
        &urls,
        &mut rollback,
    );
    history.releases = joined.releases;
    history.slips = joined.slips;
    history.untracked = joined.untracked;
    diagnostics.extend(joined.diagnostics);
    diagnostics.extend(glob_warning(system));
    diagnostics.extend(unknown_paths(repo, system));
    if repo.shallow {
        diagnostics.push(
            Diagnostic::warning(
                system.repo_at(),
                Some("repo"),
                format!(
                    "the repository of system {} is a shallow clone: changelogs may be missing commits",
                    system.id
                ),
            )
            .with_help("fetch the full history with `git fetch --unshallow --tags` (in CI: clone with full depth, e.g. `fetch-depth: 0`)"),
        );
    }
    Built {
        history,
        diagnostics,
        debug,
    }
}

/// For a final release: the previous final release (so `2.4.0` lists everything since
/// `2.3.x`, not just since `2.4.0-rc.2`). For a pre-release: the tag just before it.
fn previous_tag(tags: &[SystemTag], i: usize) -> Option<&SystemTag> {
    let earlier = &tags[..i];
    if tags[i].info.prerelease {
        earlier.last()
    } else {
        earlier.iter().rev().find(|t| !t.info.prerelease)
    }
}

fn include_paths(system: &System) -> Vec<String> {
    let paths: Vec<String> = system.include_paths.iter().map(|p| normalise(p)).collect();
    if paths.iter().any(String::is_empty) {
        Vec::new() // the repository root: everything counts
    } else {
        paths
    }
}

fn match_tags(
    repo: &Repo<'_>,
    system: &System,
    pattern: &TagPattern,
    releases: &[&Release],
    urls: &UrlTemplates,
    debug: &mut Vec<String>,
) -> Vec<SystemTag> {
    let mut tags = Vec::new();
    let mut other = 0;
    for tag in repo.tags {
        let version = match pattern.matches(&tag.name) {
            TagMatch::Other => {
                other += 1;
                continue;
            }
            TagMatch::NotSemver(text) => {
                debug.push(format!(
                    "{}: ignored tag {}: \"{text}\" is not a SemVer version",
                    system.id, tag.name
                ));
                continue;
            }
            TagMatch::Version(version) => version,
        };
        let prerelease = !version.pre.is_empty();
        if prerelease && !system.prereleases {
            debug.push(format!(
                "{}: ignored pre-release tag {} (prereleases: false)",
                system.id, tag.name
            ));
            continue;
        }
        let Some(commit) = repo.graph.get(tag.commit) else {
            debug.push(format!(
                "{}: ignored tag {}: its commit could not be read",
                system.id, tag.name
            ));
            continue;
        };
        let data = &repo.graph.data[commit as usize];
        let at = timestamp(tag.tagger_time.unwrap_or(data.commit_time));
        let (date, datetime) = format_date(at, repo.tz);
        let sha = tag.commit.to_string();
        tags.push(SystemTag {
            info: TagInfo {
                name: tag.name.clone(),
                version: version.to_string(),
                in_portal: releases.iter().any(|r| r.version == version),
                semver: version,
                prerelease,
                short_sha: sha[..7].to_owned(),
                commit_url: urls.commit_url(&sha),
                sha,
                at,
                date,
                datetime,
                annotated: tag.annotated,
                message: tag.message.clone(),
            },
            commit,
        });
    }
    if other > 0 {
        debug.push(format!(
            "{}: {other} tags do not match {}",
            system.id, system.tag_pattern
        ));
    }
    tags.sort_by(|a, b| {
        a.info
            .semver
            .cmp(&b.info.semver)
            .then_with(|| a.info.name.cmp(&b.info.name))
    });
    tags
}

/// Errors for the repository's broken objects: every unreadable commit of the walk (any
/// of them can drop commits from this system's ranges) and the broken tags this system
/// would read.
fn corruption(repo: &Repo<'_>, system: &System, pattern: &TagPattern) -> Vec<Diagnostic> {
    let read = |name: &str| match pattern.matches(name) {
        TagMatch::Version(version) => version.pre.is_empty() || system.prereleases,
        _ => false,
    };
    let tags = repo
        .broken_tags
        .iter()
        .filter(|(name, _)| read(name))
        .map(|(_, broken)| broken);
    let broken: Vec<&Broken> = tags.chain(&repo.graph.broken).collect();
    integrity::errors(system, &broken)
}

/// The system's repository as said in messages and where to run git on it: a path
/// relative to the content dir, or for a clone URL (its credentials redacted) its mirror,
/// which `shipboard fetch` makes again once deleted.
fn repo_path(system: &System) -> String {
    let repo = system.repo.as_deref().unwrap_or(".");
    if crate::mirrors::is_remote(repo) {
        format!(
            "the mirror of {} (under .shipboard/repos/; delete it and the next fetch clones it again)",
            crate::mirrors::redact(repo)
        )
    } else {
        repo.to_owned()
    }
}

/// Refs that cannot be read: tags that cannot be listed (an error: every tag would look
/// missing), a HEAD that cannot be read (an error) or that names a branch without commits
/// while the system has tags (a warning: its unreleased work cannot be shown).
fn refs_problems(repo: &Repo<'_>, system: &System, tagged: bool) -> Vec<Diagnostic> {
    let path = repo_path(system);
    let what = format!("the git repository of system {} at {path}", system.id);
    let mut out = Vec::new();
    if let Some(why) = repo.unlisted {
        out.push(
            Diagnostic::error(
                system.repo_at(),
                Some("repo"),
                format!("{what} has refs that cannot be read ({why}): its tags cannot be listed"),
            )
            .with_help(format!(
                "its `packed-refs` file or a tag's file under `refs/tags/` is probably damaged: run `git fsck` in {path} (relative to the content dir) to find it, remove the bad line or file (or restore it from a good clone, `git fetch --tags`), then run `git pack-refs --all` there"
            )),
        );
    }
    let set_head = format!(
        "point HEAD at the branch that is pushed to: `git symbolic-ref HEAD refs/heads/main` in {path} (with your main branch's name)"
    );
    match repo.head_state {
        Head::Unreadable(why) => out.push(
            Diagnostic::error(
                system.repo_at(),
                Some("repo"),
                format!("{what} has a HEAD that cannot be read ({why}): its unreleased work cannot be shown"),
            )
            .with_help(set_head),
        ),
        Head::Unborn(branch) if tagged => out.push(
            Diagnostic::warning(
                system.repo_at(),
                Some("repo"),
                format!("the HEAD of {what} names {branch}, which has no commits: unreleased work cannot be shown"),
            )
            .with_help(set_head),
        ),
        _ => {}
    }
    out
}

/// Warnings for the system's release tags that name a tree or a blob (the tag exists, so
/// "no tag" would be wrong, and `git tag -a` would fail); with each tag's name.
fn not_commit_tags(
    repo: &Repo<'_>,
    system: &System,
    pattern: &TagPattern,
    releases: &[&Release],
) -> Vec<(String, Diagnostic)> {
    let mut out = Vec::new();
    for (name, kind) in repo.not_commits {
        let TagMatch::Version(version) = pattern.matches(name) else {
            continue;
        };
        if !version.pre.is_empty() && !system.prereleases {
            continue;
        }
        let release = releases.iter().find(|r| r.version == version);
        let (source, field) = match release {
            Some(release) => (release.version_source.clone(), Some("version")),
            None => (system.source.clone(), Some("tag_pattern")),
        };
        let diagnostic = Diagnostic::warning(
            source,
            field,
            format!(
                "tag {name} of system {} exists in {} but points at a {kind}, not a commit: it cannot mark release {version}",
                system.id,
                repo_path(system)
            ),
        )
        .with_help(format!(
            "point the tag at the released commit: `git tag -f {name} <commit> && git push --force origin {name}`"
        ));
        out.push((name.clone(), diagnostic));
    }
    out
}

/// A tag of a path-filtered system whose commits touch none of its paths: usually a
/// release file naming a version that was tagged for another system.
fn foreign_paths(
    repo: &Repo<'_>,
    system: &System,
    tag: &SystemTag,
    range: &[u32],
    releases: &[&Release],
) -> Option<Diagnostic> {
    let release = releases.iter().find(|r| r.version == tag.info.semver)?;
    let owners: Vec<&str> = repo
        .path_owners
        .iter()
        .filter(|(id, bits)| *id != system.id && range.iter().any(|&c| repo.masks.touches(c, bits)))
        .map(|(id, _)| id.as_str())
        .collect();
    let elsewhere = if owners.is_empty() {
        String::new()
    } else {
        format!("; its commit changes the paths of {}", owners.join(", "))
    };
    Some(
        Diagnostic::warning(
            release.version_source.clone(),
            Some("version"),
            format!(
                "tag {} has no commits under {}'s include_paths ({}){elsewhere}",
                tag.info.name,
                system.id,
                system.include_paths.join(", ")
            ),
        )
        .with_help("check that `version` and the tag belong to this system, or fix `include_paths` in portal.yaml"),
    )
}

/// Include paths that no commit of the history ever touched: usually a typo.
fn unknown_paths(repo: &Repo<'_>, system: &System) -> Option<Diagnostic> {
    if repo.graph.len() == 0 {
        return None;
    }
    let missing: Vec<&str> = system
        .include_paths
        .iter()
        .filter(|p| {
            let p = normalise(p);
            !p.is_empty()
                && repo
                    .masks
                    .paths
                    .iter()
                    .position(|q| *q == p)
                    .is_some_and(|i| !repo.masks.seen.get(i).copied().unwrap_or(false))
        })
        .map(String::as_str)
        .collect();
    if missing.is_empty() {
        return None;
    }
    Some(
        Diagnostic::warning(
            system.source.clone(),
            Some("include_paths"),
            format!(
                "no commit of {}'s repository touches {}",
                system.id,
                missing.join(", ")
            ),
        )
        .with_help("include_paths are relative to the repository root, e.g. services/payments; check the spelling"),
    )
}

fn glob_warning(system: &System) -> Option<Diagnostic> {
    let glob = system
        .include_paths
        .iter()
        .find(|p| p.contains(['*', '?', '[']))?;
    Some(
        Diagnostic::warning(
            system.source.clone(),
            Some("include_paths"),
            format!("include path \"{glob}\" looks like a glob; include_paths are plain folder or file paths"),
        )
        .with_help("write the folder, e.g. services/payments"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_a_remote_repository_by_its_mirror_without_credentials() {
        let mut system = crate::calendar::testutil::content().systems[0].clone();
        system.repo = Some("repos/payments".into());
        assert_eq!(repo_path(&system), "repos/payments");
        system.repo = Some("https://ci:s3cret@git.example.com/payments.git".into());
        let said = repo_path(&system);
        assert!(!said.contains("s3cret"), "{said}");
        assert!(said.starts_with("the mirror of https://"), "{said}");
    }
}
