//! System, runbook and checklist pages.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::history::SystemHistory;

use super::*;
use crate::content::{Content, Release, ReleaseStatus};
use crate::markdown;
use crate::model::live;
use crate::model::schedule::RotationView;

#[derive(Debug, Clone, Serialize)]
pub struct SystemsPage {
    pub systems: Vec<SystemCard>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SystemCard {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub owner: PersonView,
    pub path: String,
    pub latest: Option<ReleaseSummary>,
    pub next: Option<ReleaseSummary>,
    /// Every release that is "next" at some moment from the build on, each shown (live
    /// layer) from the end of the one before it until its own window ends.
    pub next_live: Vec<ReleaseSummary>,
    /// When there is no next release (`data-live-on`), and whether at the build.
    pub next_none_on: String,
    pub next_none: bool,
    pub rollback: SystemRollback,
}

#[derive(Debug, Clone, Serialize)]
pub struct SystemPage {
    pub card: SystemCard,
    /// The latest and next releases, newest first (`release_history` picks them).
    pub releases: Vec<ReleaseSummary>,
    /// How many releases the system has, and the pages of its release listing by year.
    pub release_count: usize,
    pub release_years: Vec<PeriodLink>,
    pub runbooks: Vec<RunbookLink>,
    pub escalation: Option<LadderView>,
    /// Per release, what it needs from other systems (the compatibility manifest).
    pub manifest: Vec<ManifestRow>,
    /// On-call rotations its escalation ladder calls on.
    pub rotations: Vec<RotationView>,
    /// Tags, changelogs, slips and unreleased work from git (set by `model::git`), with the
    /// changelogs of the newest `SYSTEM_PAGE_CHANGELOGS` releases only.
    pub history: Option<SystemHistory>,
    /// How many older releases' changelogs are left out (each is on its release page).
    pub older_changelogs: usize,
    /// How many older changelogs of tags without a release file are left out (no page has
    /// them; `shipboard changelog` prints them).
    pub older_untracked: usize,
    /// How many tags without a release file are left out of "Tagged, not in the portal"
    /// (only the newest `SYSTEM_PAGE_UNTRACKED` are listed).
    pub untracked_more: usize,
    /// Release pages have an audit trail (`#trail`) to link: the content is in git (set by
    /// `model::git`).
    pub trail_links: bool,
}

/// How many release changelogs a system page shows: a phone must be able to open the
/// page of a system with hundreds of releases (their full changelog was 700 KB of HTML at
/// 500 releases). Every release page has its own; `shipboard changelog` prints them all.
pub const SYSTEM_PAGE_CHANGELOGS: usize = 10;
/// How many tags without a release file a system page lists, newest first.
pub const SYSTEM_PAGE_UNTRACKED: usize = 20;

#[derive(Debug, Clone, Serialize)]
pub struct ManifestRow {
    pub release: ReleaseSummary,
    pub needs: Vec<DependencyView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RunbooksPage {
    /// `Runbooks`, or `Billing runbooks` on a system's page of the index.
    pub heading: String,
    /// The runbooks listed here: all of them while they fit on one page; else, on
    /// `runbooks/`, the rollback runbooks and those of no system, and on each system's page
    /// that system's.
    pub runbooks: Vec<RunbookLink>,
    /// The index's pages per system (empty while one page holds every runbook).
    pub systems: Vec<RunbookGroup>,
    /// How many runbooks the portal has.
    pub total: usize,
    /// On a system's page of the index: the index's front page.
    pub up: Option<String>,
    /// Checklist templates (on `runbooks/` only).
    pub checklists: Vec<ChecklistLink>,
}

/// A system's page of the runbook index.
#[derive(Debug, Clone, Serialize)]
pub struct RunbookGroup {
    pub name: String,
    pub path: String,
    pub count: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChecklistLink {
    pub id: String,
    pub title: String,
    pub description: Option<String>,
    pub path: String,
    pub item_count: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct RunbookPage {
    pub runbook: RunbookLink,
    pub body_html: String,
    pub headings: Vec<markdown::Heading>,
    pub escalation: Option<LadderView>,
    pub system_path: Option<String>,
}

pub(super) fn system_card(
    content: &Content,
    system: &crate::content::System,
    summaries: &[ReleaseSummary],
    now: DateTime<Utc>,
) -> SystemCard {
    let of_system = || {
        content
            .releases
            .iter()
            .zip(summaries)
            .filter(|(r, _)| r.system == system.id)
    };
    // Releases are in window order: the next one at `t` is the first open one not ended.
    let mut last_end = DateTime::<Utc>::UNIX_EPOCH;
    let mut next_live = Vec::new();
    let horizon = live::data_until(now);
    for (release, summary) in of_system().filter(|(r, _)| is_open(r.status) && r.window.end >= now)
    {
        // Past the embedded data the live layer leaves the page as built: a release that
        // would only become "next" then can never show.
        if last_end >= horizon {
            break;
        }
        let end = release.window.end.max(last_end);
        next_live.push(summary.shown_during(&[(last_end, end)], now));
        last_end = end;
    }
    SystemCard {
        id: system.id.clone(),
        name: system.name.clone(),
        description: system.description.clone(),
        owner: PersonView::lookup(content, &system.owner),
        path: format!("systems/{}/", system.id),
        latest: of_system()
            .rev()
            .find(|(r, _)| r.status == ReleaseStatus::Released)
            .map(|(_, s)| s.clone()),
        next: of_system()
            .find(|(r, _)| is_open(r.status) && r.window.end >= now)
            .map(|(_, s)| s.clone()),
        next_live,
        next_none_on: live::from(last_end),
        next_none: last_end <= now,
        rollback: SystemRollback::new(content, system),
    }
}

pub(super) fn system_page(
    content: &Content,
    card: SystemCard,
    summaries: &[ReleaseSummary],
    on_call: &(dyn Fn(&str) -> Vec<crate::model::live::OnCallPerson> + Sync),
    released: &ReleasedVersions,
) -> SystemPage {
    let system = content.system(&card.id);
    let mut releases: Vec<(&Release, &ReleaseSummary)> = content
        .releases
        .iter()
        .zip(summaries)
        .filter(|(r, _)| r.system == card.id)
        .collect();
    releases.reverse();
    let manifest = releases
        .iter()
        .filter(|(r, _)| !r.depends_on.is_empty())
        .map(|(r, s)| ManifestRow {
            release: (*s).clone(),
            needs: r
                .depends_on
                .iter()
                .map(|d| dependency_view(content, released, d, r))
                .collect(),
        })
        .collect();
    SystemPage {
        runbooks: content
            .runbooks
            .iter()
            .filter(|r| r.system.as_deref() == Some(card.id.as_str()))
            .map(|r| RunbookLink::new(content, r))
            .collect(),
        escalation: system
            .and_then(|s| s.escalation.as_ref())
            .and_then(|l| content.ladder(l))
            .map(|l| LadderView::new(content, l, on_call)),
        releases: releases.into_iter().map(|(_, s)| s.clone()).collect(),
        manifest,
        card,
        rotations: Vec::new(),
        history: None,
        older_changelogs: 0,
        older_untracked: 0,
        untracked_more: 0,
        trail_links: false,
        release_count: 0,
        release_years: Vec::new(),
    }
}

/// How many releases a system page lists: the rest are on the system's release listing.
const SYSTEM_PAGE_RELEASES: usize = 20;
/// Of which at most this many are still ahead, when there are past ones to show.
const SYSTEM_PAGE_UPCOMING: usize = 5;

/// Keeps on a system page the releases an on-call engineer looks for (the next few and the
/// latest ones) and links the full history by year: listing every release made the page
/// megabytes long at 10,000 releases.
pub(super) fn release_history(page: &mut SystemPage, now: DateTime<Utc>) {
    let releases = &page.releases;
    page.release_count = releases.len();
    page.release_years = years_of(releases, &format!("releases/{}/", page.card.id));
    // Newest first: the ones not started yet come before `started`.
    let now_ms = now.timestamp_millis();
    let started = releases.iter().position(|r| r.start_ms <= now_ms);
    let started = started.unwrap_or(releases.len());
    let end =
        (started.saturating_sub(SYSTEM_PAGE_UPCOMING) + SYSTEM_PAGE_RELEASES).min(releases.len());
    let start = end.saturating_sub(SYSTEM_PAGE_RELEASES);
    page.releases = page.releases[start..end].to_vec();
}

/// Each year of `releases` with its count, linked to its page under `base`, oldest first.
fn years_of(releases: &[ReleaseSummary], base: &str) -> Vec<PeriodLink> {
    let mut counts: std::collections::BTreeMap<&str, usize> = Default::default();
    for release in releases {
        *counts
            .entry(release.month.get(..4).unwrap_or_default())
            .or_default() += 1;
    }
    counts
        .into_iter()
        .map(|(year, count)| PeriodLink {
            label: year.to_owned(),
            path: format!("{base}{year}/"),
            count,
            current: false,
        })
        .collect()
}
