//! Checks that join git tags with the release files: missing tags, tags without a release
//! file, tags far from their window; plus plan vs actual (slips) and rollback targets.
//!
//! Works on plain values (tags already read, releases already validated); the commits a
//! rollback would revert come from a callback, so this module never touches git. It only
//! warns: history never makes a build fail except for an unreadable or corrupt repository.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::facts::{CommitInfo, PlanVsActual, ReleaseFacts, RollbackTarget, Shared, Slip, TagInfo};
use super::links::UrlTemplates;
use super::pattern::TagPattern;
use crate::content::{Release, ReleaseStatus, System};
use crate::diagnostics::Diagnostic;

/// A tag further than this from its release window is reported.
pub const FAR_FROM_WINDOW_DAYS: i64 = 7;

/// What the join produces for one system.
#[derive(Debug, Default)]
pub(crate) struct Joined {
    pub releases: Vec<ReleaseFacts>,
    pub slips: Vec<Slip>,
    pub untracked: Vec<TagInfo>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Joins `tags` (newest first) with the system's `releases`. `unreadable` tags exist but
/// their objects are broken (an error already): not reported as missing too.
pub(crate) fn join(
    system: &System,
    pattern: &TagPattern,
    tags: &[TagInfo],
    unreadable: &[&str],
    releases: &[&Release],
    urls: &UrlTemplates,
    rollback_commits: &mut dyn FnMut(&TagInfo, &TagInfo) -> Vec<Shared<CommitInfo>>,
) -> Joined {
    let mut out = Joined::default();
    // Indexes, not scans: with hundreds of releases and tags per system, finding each
    // release's tag and rollback target by scanning was quadratic (cubic for targets).
    let mut tag_by_version: BTreeMap<&semver::Version, &TagInfo> = BTreeMap::new();
    for tag in tags {
        tag_by_version.entry(&tag.semver).or_insert(tag);
    }
    let tag_of = |release: &Release| tag_by_version.get(&release.version).copied();
    let candidates = rollback_candidates(tags, releases);
    let mut ordered: Vec<&Release> = releases.to_vec();
    ordered.sort_by(|a, b| b.version.cmp(&a.version));
    for release in ordered {
        let tag = tag_of(release);
        let expected = pattern.tag_name(&release.version);
        if tag.is_none() && release.status.has_shipped() && !unreadable.contains(&&*expected) {
            out.diagnostics.push(
                Diagnostic::warning(
                    release.status_source.clone(),
                    Some("status"),
                    format!(
                        "{} {} is marked {} but the repository {} has no tag {expected}",
                        system.id,
                        release.version,
                        release.status.as_str(),
                        system
                            .repo
                            .as_deref()
                            .map_or_else(|| "(the content repo)".to_owned(), crate::mirrors::redact),
                    ),
                )
                .with_help(format!(
                    "tag the commit that was deployed (`git tag -a {expected} <commit> && git push origin {expected}`), or correct `status` or `version`; if the server has the tag, this clone lacks it: `git fetch --tags` (CI checkouts often fetch no tags)"
                )),
            );
        }
        let plan = tag
            .filter(|_| release.status.has_shipped())
            .map(|t| plan_vs_actual(release, t));
        if let (Some(tag), Some(plan)) = (tag, &plan) {
            far_from_window(release, tag, plan, &mut out.diagnostics);
            if plan.state == "slipped" {
                out.slips.push(Slip {
                    version: tag.version.clone(),
                    planned_date: plan.planned_date.clone(),
                    actual_date: plan.actual_date.clone(),
                    days: plan.days_late,
                });
            }
        }
        let rollback = (release.status != ReleaseStatus::Cancelled)
            .then(|| rollback_target(system, release, tag, &candidates, urls, rollback_commits));
        out.releases.push(ReleaseFacts {
            version: release.version.to_string(),
            tag: expected,
            tagged: tag.is_some(),
            plan,
            rollback,
        });
    }
    untracked_tags(system, tags, releases, &mut out);
    out
}

/// Tags with no release file. Tags older than the system's first release file are history
/// from before the portal: listed, not warned about. Pre-release tags are never warned.
fn untracked_tags(system: &System, tags: &[TagInfo], releases: &[&Release], out: &mut Joined) {
    let oldest = releases.iter().map(|r| &r.version).min();
    let mut warn = Vec::new();
    for tag in tags.iter().filter(|t| !t.in_portal) {
        out.untracked.push(tag.clone());
        if !tag.prerelease && oldest.is_some_and(|o| tag.semver > *o) {
            warn.push(tag.name.as_str());
        }
    }
    if warn.is_empty() {
        return;
    }
    let count = warn.len();
    let mut listed = warn[..count.min(10)].join(", ");
    if count > 10 {
        listed.push_str(&format!(" and {} more", count - 10));
    }
    let (noun, verb) = if count == 1 {
        ("tag", "has")
    } else {
        ("tags", "have")
    };
    out.diagnostics.push(
        Diagnostic::warning(
            system.source.clone(),
            Some("tag_pattern"),
            format!("{} {noun} of system {} {verb} no release file: {listed}", count, system.id),
        )
        .with_help("add a release file for each shipped version (`releases/<system>-<version>.md`, status: released), or delete tags made by mistake"),
    );
}

fn plan_vs_actual(release: &Release, tag: &TagInfo) -> PlanVsActual {
    let tz = release.window.timezone;
    let start = release.window.start.with_timezone(&tz);
    let end_day = release.window.end.with_timezone(&tz).date_naive();
    let actual = tag.at.with_timezone(&tz);
    let actual_day = actual.date_naive();
    let days_late = if actual_day > end_day {
        days_between(end_day, actual_day)
    } else if actual_day < start.date_naive() {
        -days_between(actual_day, start.date_naive())
    } else {
        0
    };
    let (state, label) = if days_late > 0 {
        let unit = if days_late == 1 { "day" } else { "days" };
        ("slipped", format!("Slipped by {days_late} {unit}"))
    } else {
        ("on-time", "On time".to_owned())
    };
    PlanVsActual {
        planned: start.format("%Y-%m-%d %H:%M").to_string(),
        planned_date: start.format("%Y-%m-%d").to_string(),
        actual: actual.format("%Y-%m-%d %H:%M").to_string(),
        actual_date: actual_day.format("%Y-%m-%d").to_string(),
        days_late,
        state: state.to_owned(),
        label,
    }
}

fn days_between(from: NaiveDate, to: NaiveDate) -> i64 {
    (to - from).num_days()
}

fn far_from_window(
    release: &Release,
    tag: &TagInfo,
    plan: &PlanVsActual,
    out: &mut Vec<Diagnostic>,
) {
    if plan.days_late.abs() <= FAR_FROM_WINDOW_DAYS {
        return;
    }
    let relation = if plan.days_late > 0 {
        format!("{} days after the release window ends", plan.days_late)
    } else {
        format!("{} days before the release window starts", -plan.days_late)
    };
    out.push(
        Diagnostic::warning(
            release.window.source.clone(),
            Some("window"),
            format!(
                "tag {} is dated {}, {relation} ({})",
                tag.name, plan.actual_date, plan.planned
            ),
        )
        .with_help("check that `version` names what was deployed in this window, or move `window` to when the release really happened"),
    );
}

/// The previous released version: the highest lower non-pre-release tag whose release file
/// (if any) says `released` (a rolled-back version is no safe place to return to).
/// The tags a rollback can return to, in SemVer order: not prereleases, and released (a
/// tag without a release file counts as shipped). Among tags of equal SemVer the last one
/// listed comes last.
fn rollback_candidates<'t>(tags: &'t [TagInfo], releases: &[&Release]) -> Vec<&'t TagInfo> {
    let mut status_by_version: BTreeMap<&semver::Version, ReleaseStatus> = BTreeMap::new();
    for release in releases {
        status_by_version
            .entry(&release.version)
            .or_insert(release.status);
    }
    let shipped = |t: &TagInfo| {
        status_by_version
            .get(&t.semver)
            .is_none_or(|status| *status == ReleaseStatus::Released)
    };
    let mut candidates: Vec<&TagInfo> = tags
        .iter()
        .filter(|t| !t.prerelease && shipped(t))
        .collect();
    candidates.sort_by(|a, b| a.semver.cmp(&b.semver));
    candidates
}

fn rollback_target(
    system: &System,
    release: &Release,
    tag: Option<&TagInfo>,
    candidates: &[&TagInfo],
    urls: &UrlTemplates,
    rollback_commits: &mut dyn FnMut(&TagInfo, &TagInfo) -> Vec<Shared<CommitInfo>>,
) -> RollbackTarget {
    // The newest candidate older than this release.
    let older = candidates.partition_point(|t| t.semver < release.version);
    let target = older.checked_sub(1).map(|i| candidates[i]);
    let (commits, compare_url) = match (target, tag) {
        (Some(target), Some(tag)) => (
            rollback_commits(target, tag),
            urls.compare_url(&target.name, &tag.name),
        ),
        _ => (Vec::new(), None),
    };
    RollbackTarget {
        version: target.map(|t| t.version.clone()),
        tag: target.map(|t| t.name.clone()),
        runbook: system.rollback_runbook.clone(),
        commits,
        compare_url,
    }
}
