//! Changelog assembly: commit indices of the graph -> grouped, linked, dated `Changelog`s.
//!
//! Each commit is turned into a `CommitInfo` once per set of URL templates and shared by
//! every list that shows it. Merge commits are left out of the groups (their branches'
//! commits are listed) unless the system follows first parents only, where the merge
//! stands for its branch and its message body supplies the description. This module never
//! walks history; it is given the commits.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::conventional::{self, GROUPS};
use super::facts::{Changelog, CommitInfo, Contributor, Group, Shared, TagInfo};
use super::graph::Graph;
use super::links::{self, UrlTemplates};

/// Formats an instant as (`YYYY-MM-DD`, RFC 3339) in `tz`.
pub(crate) fn format_date(at: DateTime<Utc>, tz: Tz) -> (String, String) {
    let local = at.with_timezone(&tz);
    (
        local.format("%Y-%m-%d").to_string(),
        local.format("%Y-%m-%dT%H:%M:%S%:z").to_string(),
    )
}

pub(crate) fn timestamp(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(seconds, 0).unwrap_or_default()
}

/// One variant of commit infos: URL templates, first-parent flag, commits built so far.
type Variant = (UrlTemplates, bool, Vec<Option<Shared<CommitInfo>>>);

/// Builds and shares `CommitInfo`s of one graph.
pub(crate) struct CommitCache<'g> {
    graph: &'g Graph,
    tz: Tz,
    /// Per (URL templates, first-parent) variant: the commits built so far, by index.
    built: Vec<Variant>,
    /// All commit ids in hex, sorted, for resolving abbreviated SHAs in messages.
    hex: Option<Vec<String>>,
}

impl<'g> CommitCache<'g> {
    pub(crate) fn new(graph: &'g Graph, tz: Tz) -> Self {
        CommitCache {
            graph,
            tz,
            built: Vec::new(),
            hex: None,
        }
    }

    pub(crate) fn commit(
        &mut self,
        i: u32,
        urls: &UrlTemplates,
        first_parent: bool,
    ) -> Shared<CommitInfo> {
        let variant = match self
            .built
            .iter()
            .position(|(u, fp, _)| u == urls && *fp == first_parent)
        {
            Some(v) => v,
            None => {
                let slots = vec![None; self.graph.len()];
                self.built.push((urls.clone(), first_parent, slots));
                self.built.len() - 1
            }
        };
        if let Some(found) = &self.built[variant].2[i as usize] {
            return found.clone();
        }
        let info = Shared(Arc::new(self.build(i, urls, first_parent)));
        self.built[variant].2[i as usize] = Some(info.clone());
        info
    }

    fn build(&mut self, i: u32, urls: &UrlTemplates, first_parent: bool) -> CommitInfo {
        let graph = self.graph;
        let data = &graph.data[i as usize];
        let merge = graph.is_merge(i);
        let (subject, body, merge_subject) = if merge && first_parent {
            merge_message(&data.subject, &data.body)
        } else {
            (&*data.subject, &*data.body, None)
        };
        let parsed = conventional::parse(subject, body);
        let sha = graph.ids[i as usize].to_string();
        let hex = &mut self.hex;
        let mut resolve = |prefix: &str| resolve_sha(graph, hex, prefix);
        let (spans, mut tickets) = links::linkify(&parsed.description, urls, &mut resolve);
        if let Some(original) = merge_subject {
            let (_, more) = links::linkify(original, urls, &mut resolve);
            for ticket in more {
                if !tickets.contains(&ticket) {
                    tickets.push(ticket);
                }
            }
        }
        let at = timestamp(data.author_time);
        let (date, datetime) = format_date(at, self.tz);
        CommitInfo {
            short_sha: sha[..7].to_owned(),
            url: urls.commit_url(&sha),
            sha,
            kind: parsed.kind,
            scope: parsed.scope,
            breaking: parsed.breaking,
            text: parsed.description,
            spans,
            breaking_note: parsed.breaking_note,
            tickets,
            author: graph.authors[data.author as usize].clone(),
            at,
            date,
            datetime,
            merge,
        }
    }
}

/// For a merge followed as first parent: `Merge pull request #12 from x` with a body
/// `feat: y` describes itself by the body; the original subject is kept for its tickets.
fn merge_message<'a>(subject: &'a str, body: &'a str) -> (&'a str, &'a str, Option<&'a str>) {
    let generic = subject.starts_with("Merge ");
    let first = body.split("\n\n").next().unwrap_or("").trim();
    if generic && !first.is_empty() {
        let rest = body.get(first.len()..).unwrap_or("").trim_start();
        (first.lines().next().unwrap_or(first), rest, Some(subject))
    } else {
        (subject, body, None)
    }
}

fn resolve_sha(graph: &Graph, hex: &mut Option<Vec<String>>, prefix: &str) -> Option<String> {
    let all = hex.get_or_insert_with(|| {
        let mut all: Vec<String> = graph.ids.iter().map(|id| id.to_string()).collect();
        all.sort();
        all
    });
    let start = all.partition_point(|h| h.as_str() < prefix);
    let first = all.get(start).filter(|h| h.starts_with(prefix))?;
    let unique = all
        .get(start + 1)
        .is_none_or(|next| !next.starts_with(prefix));
    unique.then(|| first.clone())
}

/// What a changelog is of.
pub(crate) struct Spec<'a> {
    pub system: &'a str,
    pub tag: Option<&'a TagInfo>,
    pub previous: Option<&'a TagInfo>,
    /// For unreleased work: what `{to}` is in the compare URL (branch name or SHA).
    pub head: Option<&'a str>,
    pub urls: &'a UrlTemplates,
    pub first_parent: bool,
}

/// Builds a changelog from commits (newest first).
pub(crate) fn build(cache: &mut CommitCache<'_>, commits: &[u32], spec: &Spec<'_>) -> Changelog {
    let mut groups: Vec<Vec<Shared<CommitInfo>>> = vec![Vec::new(); GROUPS.len()];
    let mut merge_count = 0;
    let mut authors: HashMap<String, usize> = HashMap::new();
    for &i in commits {
        let info = cache.commit(i, spec.urls, spec.first_parent);
        if info.merge && !spec.first_parent {
            merge_count += 1;
            continue;
        }
        *authors.entry(info.author.clone()).or_default() += 1;
        groups[conventional::group_index(info.kind.as_deref(), info.breaking)].push(info);
    }
    let commit_count = groups.iter().map(Vec::len).sum();
    let mut contributors: Vec<Contributor> = authors
        .into_iter()
        .map(|(name, commits)| Contributor { name, commits })
        .collect();
    contributors.sort_by(|a, b| b.commits.cmp(&a.commits).then_with(|| a.name.cmp(&b.name)));
    let groups = groups
        .into_iter()
        .zip(GROUPS)
        .filter(|(commits, _)| !commits.is_empty())
        .map(|(commits, (key, title))| Group {
            key: key.to_owned(),
            title: title.to_owned(),
            commits,
        })
        .collect();
    let partial = commits
        .iter()
        .any(|&i| cache.graph.boundary.get(i as usize) == Some(&true));
    let to = spec.tag.map(|t| t.name.as_str()).or(spec.head);
    let compare_url = match (spec.previous, to) {
        (Some(from), Some(to)) => spec.urls.compare_url(&from.name, to),
        _ => None,
    };
    let (title, anchor) = match spec.tag {
        Some(tag) => (tag.version.clone(), format!("v{}", anchor_of(&tag.version))),
        None => ("Unreleased".to_owned(), "unreleased".to_owned()),
    };
    Changelog {
        system: spec.system.to_owned(),
        version: spec.tag.map(|t| t.version.clone()),
        title,
        anchor,
        tag: spec.tag.map(|t| t.name.clone()),
        previous_version: spec.previous.map(|t| t.version.clone()),
        previous_tag: spec.previous.map(|t| t.name.clone()),
        at: spec.tag.map(|t| t.at),
        date: spec.tag.map(|t| t.date.clone()),
        datetime: spec.tag.map(|t| t.datetime.clone()),
        highlights: spec.tag.and_then(|t| t.message.clone()),
        groups,
        commit_count,
        merge_count,
        contributors,
        compare_url,
        partial,
    }
}

/// `2.4.0-rc.1` -> `2-4-0-rc-1`: safe in an HTML id.
pub(crate) fn anchor_of(version: &str) -> String {
    version
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_messages_use_their_body_when_generic() {
        let (s, b, orig) = merge_message(
            "Merge pull request #12 from dana/wallets",
            "feat(wallet): top-ups\n\nMore text.",
        );
        assert_eq!(s, "feat(wallet): top-ups");
        assert_eq!(b, "More text.");
        assert_eq!(orig, Some("Merge pull request #12 from dana/wallets"));
        let (s, _, orig) = merge_message("Merge branch 'x'", "");
        assert_eq!(s, "Merge branch 'x'");
        assert_eq!(orig, None);
        let (s, _, _) = merge_message("feat: squash-merged", "body");
        assert_eq!(s, "feat: squash-merged");
    }

    #[test]
    fn anchors_are_id_safe() {
        assert_eq!(anchor_of("2.4.0-rc.1+b7"), "2-4-0-rc-1-b7");
    }

    #[test]
    fn dates_are_formatted_in_the_portal_zone() {
        let at = timestamp(1_758_567_600); // 2025-09-22T19:00:00Z
        let (date, datetime) = format_date(at, chrono_tz::Europe::Berlin);
        assert_eq!(date, "2025-09-22");
        assert_eq!(datetime, "2025-09-22T21:00:00+02:00");
    }
}
