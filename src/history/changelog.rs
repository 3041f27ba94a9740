//! Changelog assembly: commit indices of the graph -> grouped, linked, dated `Changelog`s.
//!
//! Each commit is turned into a `CommitInfo` once per set of URL templates and shared by
//! every list that shows it. Merge commits are left out of the groups (their branches'
//! commits are listed) unless the system follows first parents only, where the merge
//! stands for its branch and its message body supplies the description. This module never
//! walks history; it is given the commits.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use chrono::{DateTime, Datelike, Offset, Timelike, Utc};
use chrono_tz::Tz;

use super::conventional::{self, GROUPS};
use super::facts::{Changelog, CommitInfo, Contributor, Group, Shared, TagInfo};
use super::graph::Graph;
use super::links::{self, UrlTemplates};

/// Formats an instant as (`YYYY-MM-DD`, RFC 3339) in `tz`.
pub(crate) fn format_date(at: DateTime<Utc>, tz: Tz) -> (String, String) {
    let local = at.with_timezone(&tz);
    let date = format!(
        "{:04}-{:02}-{:02}",
        local.year(),
        local.month(),
        local.day()
    );
    let offset = local.offset().fix().local_minus_utc();
    let sign = if offset < 0 { '-' } else { '+' };
    let offset = offset.abs();
    let datetime = format!(
        "{date}T{:02}:{:02}:{:02}{sign}{:02}:{:02}",
        local.hour(),
        local.minute(),
        local.second(),
        offset / 3600,
        offset % 3600 / 60
    );
    (date, datetime)
}

pub(crate) fn timestamp(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(seconds, 0).unwrap_or_default()
}

/// One variant of commit infos: URL templates, first-parent flag, one slot per commit.
type Variant = (UrlTemplates, bool, Vec<OnceLock<Shared<CommitInfo>>>);

/// Builds and shares `CommitInfo`s of one graph; safe to use from several threads.
pub(crate) struct CommitCache<'g> {
    graph: &'g Graph,
    tz: Tz,
    /// Per (URL templates, first-parent) variant used by the repository's systems.
    variants: Vec<Variant>,
    /// All commit ids in hex, sorted, for resolving abbreviated SHAs in messages.
    hex: OnceLock<Vec<String>>,
}

impl<'g> CommitCache<'g> {
    /// A cache for the given variants (duplicates are merged).
    pub(crate) fn new(
        graph: &'g Graph,
        tz: Tz,
        variants: impl IntoIterator<Item = (UrlTemplates, bool)>,
    ) -> Self {
        let mut unique: Vec<Variant> = Vec::new();
        for (urls, first_parent) in variants {
            if !unique
                .iter()
                .any(|(u, f, _)| *u == urls && *f == first_parent)
            {
                let slots = (0..graph.len()).map(|_| OnceLock::new()).collect();
                unique.push((urls, first_parent, slots));
            }
        }
        CommitCache {
            graph,
            tz,
            variants: unique,
            hex: OnceLock::new(),
        }
    }

    pub(crate) fn commit(
        &self,
        i: u32,
        urls: &UrlTemplates,
        first_parent: bool,
    ) -> Shared<CommitInfo> {
        let slot = self
            .variants
            .iter()
            .find(|(u, f, _)| u == urls && *f == first_parent)
            .and_then(|(_, _, slots)| slots.get(i as usize));
        match slot {
            Some(slot) => slot
                .get_or_init(|| Shared(Arc::new(self.build(i, urls, first_parent))))
                .clone(),
            None => Shared(Arc::new(self.build(i, urls, first_parent))),
        }
    }

    fn build(&self, i: u32, urls: &UrlTemplates, first_parent: bool) -> CommitInfo {
        let graph = self.graph;
        let data = &graph.data[i as usize];
        let merge = graph.is_merge(i);
        let (subject, merge_subject) = match (&data.merge_subject, merge && first_parent) {
            (Some(own), true) => (&**own, Some(&*data.subject)),
            _ => (&*data.subject, None),
        };
        let note = data.breaking_note.as_deref().map(str::to_owned);
        let parsed = conventional::parse_with_note(subject, note);
        let sha = graph.ids[i as usize].to_string();
        let hex = &self.hex;
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

fn resolve_sha(graph: &Graph, hex: &OnceLock<Vec<String>>, prefix: &str) -> Option<String> {
    let all = hex.get_or_init(|| {
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
pub(crate) fn build(cache: &CommitCache<'_>, commits: &[u32], spec: &Spec<'_>) -> Changelog {
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
