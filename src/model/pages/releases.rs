//! Release pages: one page per release, and the filter links (facets) of the release
//! indexes (`release_index` builds those pages).

use serde::Serialize;
use std::collections::BTreeMap;

use crate::history::{Changelog, ReleaseFacts};

use super::*;
use chrono::{DateTime, Utc};

use crate::calendar::oncall;
use crate::content::{Content, LadderContact, Release, ReleaseStatus};
use crate::markdown;
use crate::model::live;

/// A group of filter links (by system, type, status).
#[derive(Debug, Clone, Serialize)]
pub struct Facet {
    pub label: &'static str,
    pub options: Vec<FacetOption>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FacetOption {
    pub label: String,
    pub path: String,
    pub count: usize,
    pub current: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReleasePage {
    pub release: ReleaseSummary,
    pub system_path: String,
    pub owner: PersonView,
    pub people: Vec<RoleGroup>,
    pub approvals: Vec<ApprovalView>,
    pub tickets: Vec<LinkView>,
    pub checklist: Option<ChecklistView>,
    pub rollback_runbook: Option<RunbookLink>,
    pub runbooks: Vec<RunbookLink>,
    pub rollout: Option<&'static str>,
    pub depends_on: Vec<DependencyView>,
    pub notes_html: markdown::LazyHtml,
    pub written_timezone: Option<String>,
    pub previous: Option<ReleaseSummary>,
    pub next: Option<ReleaseSummary>,
    pub escalation: Option<LadderView>,
    /// Who is on call during the window (the system's ladder rotations, else every rotation).
    pub window_on_call: Vec<WindowShiftView>,
    /// "starts in 3 days" at the build's "now".
    pub window_relative: String,
    /// What git says (set by `model::git`): tag, plan vs actual, rollback target.
    pub git: Option<ReleaseFacts>,
    /// The commits of this release, grouped (set by `model::git`).
    pub changelog: Option<Changelog>,
    /// The repository is a shallow clone: history shown may be incomplete.
    pub history_partial: bool,
    /// Ready-to-send texts (`model::announce`).
    pub announce: crate::model::announce::Announcement,
    /// The train departures it rides and the system versions that hold it.
    pub plan: Vec<crate::model::trains::PlanLink>,
    /// Who changed the release file when, newest first (set by `model::git`).
    pub trail: Option<super::TrailView>,
}

/// Part of a release window and who holds a rotation then.
#[derive(Debug, Clone, Serialize)]
pub struct WindowShiftView {
    pub rotation_name: String,
    pub person: PersonView,
    /// The part of the window this shift covers, in the portal's zone.
    pub when: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct RoleGroup {
    pub role: String,
    pub role_name: String,
    pub people: Vec<PersonView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ApprovalView {
    pub role_name: String,
    pub by: PersonView,
    pub at: String,
    pub at_machine: String,
    /// The approval's ticket, linked through the system's `ticket_url` like release tickets.
    pub ticket: Option<LinkView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LinkView {
    pub text: String,
    pub url: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DependencyView {
    pub system: String,
    pub system_name: String,
    pub requirement: String,
    pub system_path: String,
    /// The newest version of that system released before this release that meets it.
    pub satisfied_by: Option<String>,
}

pub(super) fn facets(content: &Content, summaries: &[ReleaseSummary]) -> Vec<Facet> {
    let count =
        |keep: &dyn Fn(&ReleaseSummary) -> bool| summaries.iter().filter(|s| keep(s)).count();
    let option = |label: String, path: String, count: usize| FacetOption {
        label,
        path,
        count,
        current: false,
    };
    let systems = content
        .systems
        .iter()
        .map(|s| {
            option(
                s.name.clone(),
                format!("releases/{}/", s.id),
                count(&|r| r.system == s.id),
            )
        })
        .collect();
    let types = ["major", "minor", "patch", "emergency"]
        .iter()
        .map(|k| {
            option(
                capitalize(k),
                format!("releases/by-type/{k}/"),
                count(&|r| r.kind == *k),
            )
        })
        .collect();
    let statuses = [
        ReleaseStatus::Planned,
        ReleaseStatus::Approved,
        ReleaseStatus::InProgress,
        ReleaseStatus::Released,
        ReleaseStatus::RolledBack,
        ReleaseStatus::Cancelled,
    ]
    .iter()
    .map(|s| {
        option(
            s.label().to_owned(),
            format!("releases/by-status/{}/", s.as_str()),
            count(&|r| r.status == s.as_str()),
        )
    })
    .collect();
    vec![
        Facet {
            label: "System",
            options: systems,
        },
        Facet {
            label: "Type",
            options: types,
        },
        Facet {
            label: "Status",
            options: statuses,
        },
    ]
}

pub(super) fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// What every release page needs, computed once for all of them. The site model keeps it,
/// and each release page is built from it when it is rendered (`SiteModel::resolve`), so
/// 10,000 release pages are never in memory at once.
#[derive(Debug, Clone)]
pub struct ReleaseIndex {
    /// Per release, same index as `content.releases`.
    pub summaries: Vec<ReleaseSummary>,
    /// Per release: the previous and next release of the same system.
    pub neighbours: Vec<(Option<usize>, Option<usize>)>,
    pub released: ReleasedVersions,
    /// Who holds each rotation over the embedded span, by rotation id.
    pub on_call: BTreeMap<String, Vec<crate::model::live::OnCallPerson>>,
    pub clock: Clock,
    /// The site's base path.
    pub root: String,
    pub now: DateTime<Utc>,
}

impl ReleaseIndex {
    /// Links each release to its system's previous and next one, in one pass.
    pub fn neighbours(content: &Content) -> Vec<(Option<usize>, Option<usize>)> {
        let mut last_of_system: BTreeMap<&str, usize> = BTreeMap::new();
        let mut neighbours = vec![(None, None); content.releases.len()];
        for (index, release) in content.releases.iter().enumerate() {
            if let Some(previous) = last_of_system.insert(release.system.as_str(), index) {
                neighbours[index].0 = Some(previous);
                neighbours[previous].1 = Some(index);
            }
        }
        neighbours
    }

    /// The notes of `release` as its page shows them (rendered when first read).
    pub fn notes_html(&self, release: &Release) -> markdown::LazyHtml {
        markdown::LazyHtml::new(&release.notes, &self.root, 3)
    }

    /// Who is on call for `rotation` (empty for an unknown one).
    pub fn on_call(&self, rotation: &str) -> Vec<crate::model::live::OnCallPerson> {
        self.on_call.get(rotation).cloned().unwrap_or_default()
    }
}

/// The page of `content.releases[index]`, without what git says (see `model::git`).
///
/// It reads no other release file: what it shows of other releases comes through `ctx`
/// (summaries, neighbours, released versions, on-call). Incremental builds rely on that:
/// a release page's memo key (`model::memo`) holds its own release file and `ctx`, not the
/// other releases, so reading another release here must add it to that key.
pub fn release_page(content: &Content, ctx: &ReleaseIndex, index: usize) -> ReleasePage {
    let release = &content.releases[index];
    let (summaries, clock) = (&ctx.summaries, ctx.clock);
    let on_call = &|rotation: &str| ctx.on_call(rotation);
    let system = content.system(&release.system);
    let link = |template: Option<&String>, id: &str| {
        template.and_then(|t| safe_url(&t.replace("{id}", id)))
    };
    let (previous, next) = ctx.neighbours[index];
    let neighbour = |i: Option<usize>| i.map(|i| summaries[i].clone());
    let rollback_runbook = system.and_then(|s| RunbookLink::lookup(content, &s.rollback_runbook));
    ReleasePage {
        release: summaries[index].clone(),
        system_path: format!("systems/{}/", release.system),
        owner: PersonView::lookup(content, &release.owner),
        people: release
            .people
            .iter()
            .map(|(role, people)| RoleGroup {
                role: role.clone(),
                role_name: content
                    .role(role)
                    .map(|r| r.name.clone())
                    .unwrap_or_else(|| role.clone()),
                people: people
                    .iter()
                    .map(|p| PersonView::lookup(content, p))
                    .collect(),
            })
            .collect(),
        approvals: release
            .approvals
            .iter()
            .map(|a| ApprovalView {
                role_name: content
                    .role(&a.role)
                    .map(|r| r.name.clone())
                    .unwrap_or_else(|| a.role.clone()),
                by: PersonView::lookup(content, &a.by),
                at: clock.date_time(a.at),
                at_machine: clock.machine(a.at),
                ticket: a.ticket.as_ref().map(|t| LinkView {
                    text: t.clone(),
                    // A ticket written as a URL links to itself; an id through `ticket_url`.
                    url: safe_url(t)
                        .or_else(|| link(system.and_then(|s| s.ticket_url.as_ref()), t)),
                }),
            })
            .collect(),
        tickets: release
            .tickets
            .iter()
            .map(|t| LinkView {
                text: t.clone(),
                url: link(system.and_then(|s| s.ticket_url.as_ref()), t),
            })
            .collect(),
        checklist: release
            .checklist
            .as_ref()
            .and_then(|c| content.checklist(c))
            .map(|c| ChecklistView::for_release(content, c, release)),
        runbooks: release
            .runbooks
            .iter()
            .filter(|slug| {
                Some(slug.as_str()) != rollback_runbook.as_ref().map(|r| r.slug.as_str())
            })
            .filter_map(|slug| RunbookLink::lookup(content, slug))
            .collect(),
        rollback_runbook,
        rollout: release.rollout.map(|r| r.label()),
        depends_on: release
            .depends_on
            .iter()
            .map(|d| dependency_view(content, &ctx.released, d, release))
            .collect(),
        notes_html: ctx.notes_html(release),
        announce: crate::model::announce::for_release(content, release),
        plan: crate::model::trains::plan_links(content, release),
        written_timezone: (release.window.timezone != content.portal.timezone)
            .then(|| release.window.timezone.name().to_owned()),
        previous: neighbour(previous),
        next: neighbour(next),
        escalation: system
            .and_then(|s| s.escalation.as_ref())
            .and_then(|l| content.ladder(l))
            .map(|l| LadderView::new(content, l, on_call)),
        window_on_call: window_on_call(content, release, clock),
        window_relative: live::window_text(&[(release.window.start, release.window.end)], ctx.now),
        git: None,
        changelog: None,
        history_partial: false,
        trail: None,
    }
}

/// Who holds each relevant rotation during `release`'s window, shift by shift, from the
/// calendar's schedule (so a handoff inside the window shows as two rows).
fn window_on_call(content: &Content, release: &Release, clock: Clock) -> Vec<WindowShiftView> {
    let ladder_rotations: Vec<&str> = content
        .system(&release.system)
        .and_then(|s| s.escalation.as_ref())
        .and_then(|l| content.ladder(l))
        .map(|l| {
            l.steps
                .iter()
                .filter_map(|step| match &step.contact {
                    LadderContact::Rotation(id) => Some(id.as_str()),
                    LadderContact::Person(_) => None,
                })
                .collect()
        })
        .unwrap_or_default();
    let (start, end) = (release.window.start, release.window.end);
    let weeks = u32::try_from((end - start).num_weeks() + 1).unwrap_or(1);
    content
        .rotations
        .iter()
        .filter(|r| ladder_rotations.is_empty() || ladder_rotations.contains(&r.id.as_str()))
        .flat_map(|rotation| {
            oncall::schedule(rotation, clock.zone, start, weeks)
                .into_iter()
                .filter(move |shift| shift.start < end && start < shift.end)
                .map(move |shift| WindowShiftView {
                    rotation_name: rotation.name.clone(),
                    person: PersonView::lookup(content, &shift.person),
                    when: clock.range(shift.start.max(start), shift.end.min(end)),
                })
        })
        .collect()
}

/// Only http(s) URLs become links: a URL template must not smuggle `javascript:` in.
pub fn safe_url(url: &str) -> Option<String> {
    let lower = url.trim().to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://")).then(|| url.trim().to_owned())
}

/// The released versions of each system, by window start: what was live when, for
/// `depends_on`. Built once; finding it per dependency by scanning every release made the
/// model quadratic.
#[derive(Debug, Clone)]
pub struct ReleasedVersions {
    by_system: BTreeMap<String, Vec<(DateTime<Utc>, semver::Version)>>,
}

impl ReleasedVersions {
    pub fn new(content: &Content) -> Self {
        let mut by_system: BTreeMap<String, Vec<_>> = BTreeMap::new();
        for release in &content.releases {
            if release.status == ReleaseStatus::Released {
                let versions = by_system.entry(release.system.clone()).or_default();
                versions.push((release.window.start, release.version.clone()));
            }
        }
        for versions in by_system.values_mut() {
            versions.sort_by_key(|(start, _)| *start);
        }
        ReleasedVersions { by_system }
    }

    /// The newest version of `system` released at or before `at` that `requirement` accepts.
    fn newest_meeting(
        &self,
        system: &str,
        requirement: &semver::VersionReq,
        at: DateTime<Utc>,
    ) -> Option<&semver::Version> {
        let versions = self.by_system.get(system)?;
        let live = versions.partition_point(|(start, _)| *start <= at);
        versions[..live]
            .iter()
            .map(|(_, version)| version)
            .filter(|version| requirement.matches(version))
            .max()
    }
}

/// What `dependent` needs from another system, and the newest version of that system
/// released before `dependent`'s window that meets it (what was live at the time).
pub(super) fn dependency_view(
    content: &Content,
    released: &ReleasedVersions,
    dependency: &crate::content::Dependency,
    dependent: &Release,
) -> DependencyView {
    let satisfied_by = released
        .newest_meeting(
            &dependency.system,
            &dependency.requirement,
            dependent.window.start,
        )
        .map(|v| v.to_string());
    DependencyView {
        system: dependency.system.clone(),
        system_name: system_name(content, &dependency.system),
        requirement: dependency.requirement.to_string(),
        system_path: format!("systems/{}/", dependency.system),
        satisfied_by,
    }
}
