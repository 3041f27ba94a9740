//! Pages: which pages the portal has and the data of each.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Utc};
use rayon::prelude::*;
use serde::Serialize;

use super::views::*;
use super::schedule::{self, CalendarPage, RotationView};
use super::{BuildInputs, Page, SiteInfo};
use crate::content::{Content, Release, ReleaseStatus, Schedule, WindowRule, STAGES};
use crate::markdown;

/// The data of one page; the template picks what it needs.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum PageData {
    Home(HomePage),
    Releases(ReleasesPage),
    Release(Box<ReleasePage>),
    Systems(SystemsPage),
    System(Box<SystemPage>),
    Runbooks(RunbooksPage),
    Runbook(Box<RunbookPage>),
    Contacts(ContactsPage),
    Checklist(ChecklistView),
    Calendar(Box<CalendarPage>),
    Empty {},
}

#[derive(Debug, Clone, Serialize)]
pub struct HomePage {
    pub in_progress: Vec<ReleaseSummary>,
    pub next: Vec<ReleaseSummary>,
    pub recent: Vec<ReleaseSummary>,
    pub rollbacks: Vec<SystemRollback>,
    pub freezes: Vec<WindowView>,
    pub on_call: Vec<OnCallNow>,
}

#[derive(Debug, Clone, Serialize)]
pub struct WindowView {
    pub name: String,
    pub reason: Option<String>,
    pub when: String,
    /// "freeze" or "maintenance".
    pub kind: &'static str,
    pub in_force: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct OnCallNow {
    pub rotation: String,
    pub rotation_name: String,
    pub person: PersonView,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReleasesPage {
    pub heading: String,
    /// The filter this page shows, e.g. "status: released"; `None` for all releases.
    pub filter: Option<String>,
    pub months: Vec<MonthGroup>,
    pub count: usize,
    pub facets: Vec<Facet>,
}

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
    pub notes_html: String,
    pub written_timezone: Option<String>,
    pub previous: Option<ReleaseSummary>,
    pub next: Option<ReleaseSummary>,
    pub escalation: Option<LadderView>,
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
    pub ticket: Option<String>,
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
    pub rollback: SystemRollback,
}

#[derive(Debug, Clone, Serialize)]
pub struct SystemPage {
    pub card: SystemCard,
    pub releases: Vec<ReleaseSummary>,
    pub runbooks: Vec<RunbookLink>,
    pub escalation: Option<LadderView>,
    /// Per release, what it needs from other systems (the compatibility manifest).
    pub manifest: Vec<ManifestRow>,
    /// On-call rotations its escalation ladder calls on.
    pub rotations: Vec<RotationView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ManifestRow {
    pub release: ReleaseSummary,
    pub needs: Vec<DependencyView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RunbooksPage {
    pub runbooks: Vec<RunbookLink>,
    pub checklists: Vec<ChecklistLink>,
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

#[derive(Debug, Clone, Serialize)]
pub struct ContactsPage {
    pub people: Vec<PersonView>,
    pub stages: Vec<&'static str>,
    pub roles: Vec<RoleRow>,
    pub ladders: Vec<LadderView>,
    pub on_call: Vec<OnCallNow>,
    pub rotations: Vec<RotationView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RoleRow {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    /// One cell per stage: "needed", a condition, or "" (not needed).
    pub cells: Vec<String>,
}

/// Every page of the portal, in a stable order.
pub(super) fn all_pages(content: &Content, inputs: &BuildInputs, site: &SiteInfo) -> Vec<Page> {
    let clock = Clock {
        zone: content.portal.timezone,
    };
    let now = inputs.now;
    let summaries: Vec<ReleaseSummary> = content
        .releases
        .iter()
        .map(|r| ReleaseSummary::new(content, r, clock))
        .collect();
    let on_call = |rotation: &str| content.rotation(rotation).and_then(|r| on_call_at(r, now));
    let mut pages = vec![page(
        "",
        "index.html",
        "home",
        &site.title,
        PageData::Home(home(content, &summaries, clock, now)),
    )];
    pages.extend(schedule::calendar_pages(content, now));
    pages.extend(release_index_pages(content, &summaries));
    // Release notes are the bulk of the Markdown: render them in parallel.
    let release_pages: Vec<Page> = content
        .releases
        .par_iter()
        .enumerate()
        .map(|(index, release)| {
            let data = release_page(content, release, &summaries, index, clock, &site.root, &on_call);
            let title = format!("{} {}", data.release.system_name, data.release.version);
            page(&data.release.path.clone(), "release.html", "releases", &title, PageData::Release(Box::new(data)))
        })
        .collect();
    pages.extend(release_pages);
    let cards: Vec<SystemCard> = content
        .systems
        .iter()
        .map(|s| system_card(content, s, &summaries, now))
        .collect();
    pages.push(page(
        "systems/",
        "systems.html",
        "systems",
        "Systems",
        PageData::Systems(SystemsPage {
            systems: cards.clone(),
        }),
    ));
    for card in cards {
        let mut data = system_page(content, card, &summaries, &on_call);
        data.rotations = schedule::system_rotations(content, &data.card.id, now);
        let title = data.card.name.clone();
        pages.push(page(
            &data.card.path.clone(),
            "system.html",
            "systems",
            &title,
            PageData::System(Box::new(data)),
        ));
    }
    let checklists = content
        .checklists
        .iter()
        .map(|c| ChecklistLink {
            id: c.id.clone(),
            title: c.title.clone(),
            description: c.description.clone(),
            path: format!("checklists/{}/", c.id),
            item_count: c.phases.iter().map(|p| p.items.len()).sum(),
        })
        .collect();
    let runbooks: Vec<RunbookLink> = content
        .runbooks
        .iter()
        .map(|r| RunbookLink::new(content, r))
        .collect();
    pages.push(page(
        "runbooks/",
        "runbooks.html",
        "runbooks",
        "Runbooks",
        PageData::Runbooks(RunbooksPage {
            runbooks,
            checklists,
        }),
    ));
    for runbook in &content.runbooks {
        let rendered = markdown::render(&runbook.body, &site.root, 2);
        let system = runbook.system.as_ref().and_then(|s| content.system(s));
        let escalation = system
            .and_then(|s| s.escalation.as_ref())
            .and_then(|l| content.ladder(l))
            .map(|l| LadderView::new(content, l, &on_call));
        let data = RunbookPage {
            runbook: RunbookLink::new(content, runbook),
            body_html: rendered.html,
            headings: rendered.headings,
            escalation,
            system_path: system.map(|s| format!("systems/{}/", s.id)),
        };
        pages.push(page(
            &data.runbook.path.clone(),
            "runbook.html",
            "runbooks",
            &runbook.title,
            PageData::Runbook(Box::new(data)),
        ));
    }
    for checklist in &content.checklists {
        let view = ChecklistView::new(content, checklist, &format!("template:{}", checklist.id));
        pages.push(page(
            &format!("checklists/{}/", checklist.id),
            "checklist.html",
            "runbooks",
            &checklist.title,
            PageData::Checklist(view),
        ));
    }
    pages.push(page(
        "contacts/",
        "contacts.html",
        "contacts",
        "Contacts and escalation",
        PageData::Contacts(contacts(content, now, &on_call)),
    ));
    pages.push(page(
        "404.html",
        "404.html",
        "",
        "Page not found",
        PageData::Empty {},
    ));
    pages
}

fn page(
    path: &str,
    template: &'static str,
    section: &'static str,
    title: &str,
    data: PageData,
) -> Page {
    Page {
        path: path.to_owned(),
        template,
        section,
        title: title.to_owned(),
        data,
    }
}

fn home(
    content: &Content,
    summaries: &[ReleaseSummary],
    clock: Clock,
    now: DateTime<Utc>,
) -> HomePage {
    let releases = &content.releases;
    let pick = |keep: &dyn Fn(&Release) -> bool| -> Vec<ReleaseSummary> {
        releases
            .iter()
            .zip(summaries)
            .filter(|(r, _)| keep(r))
            .map(|(_, s)| s.clone())
            .collect()
    };
    let in_progress = pick(&|r| r.status == ReleaseStatus::InProgress);
    let next: Vec<_> = pick(&|r| {
        matches!(r.status, ReleaseStatus::Planned | ReleaseStatus::Approved) && r.window.end >= now
    })
    .into_iter()
    .take(8)
    .collect();
    let mut recent = pick(&|r| r.status.has_shipped() && r.window.start <= now);
    recent.reverse();
    recent.truncate(8);
    let freezes = content
        .portal
        .freezes
        .iter()
        .map(|f| window_view(f, "freeze", clock, now))
        .chain(
            content
                .portal
                .maintenance_windows
                .iter()
                .map(|m| window_view(m, "maintenance", clock, now)),
        )
        .filter(|w| w.kind == "maintenance" || !w.when.is_empty())
        .collect();
    HomePage {
        in_progress,
        next,
        recent,
        rollbacks: content
            .systems
            .iter()
            .map(|s| SystemRollback::new(content, s))
            .collect(),
        freezes,
        on_call: on_call_now(content, now),
    }
}

fn window_view(
    rule: &WindowRule,
    kind: &'static str,
    clock: Clock,
    now: DateTime<Utc>,
) -> WindowView {
    let (when, in_force) = match &rule.schedule {
        Schedule::Once { start, end } => (clock.range(*start, *end), *start <= now && now < *end),
        Schedule::Weekly {
            days, start, end, ..
        } => {
            let names: Vec<String> = days.iter().map(|d| d.to_string()).collect();
            let local = now.with_timezone(&clock.zone);
            let today =
                days.contains(&local.weekday()) && local.time() >= *start && local.time() < *end;
            (
                format!(
                    "Every {} {}–{}",
                    names.join(", "),
                    start.format("%H:%M"),
                    end.format("%H:%M")
                ),
                today,
            )
        }
    };
    WindowView {
        name: rule.name.clone(),
        reason: rule.reason.clone(),
        when,
        kind,
        in_force,
    }
}

fn on_call_now(content: &Content, now: DateTime<Utc>) -> Vec<OnCallNow> {
    content
        .rotations
        .iter()
        .filter_map(|r| {
            let person = on_call_at(r, now)?;
            Some(OnCallNow {
                rotation: r.id.clone(),
                rotation_name: r.name.clone(),
                person: PersonView::lookup(content, &person),
            })
        })
        .collect()
}

/// Who holds `rotation` at `at` (the first member before the rotation starts).
fn on_call_at(rotation: &crate::content::Rotation, at: DateTime<Utc>) -> Option<String> {
    let shift_secs = i64::from(rotation.length_days) * 86_400;
    let elapsed = (at - rotation.start).num_seconds().max(0);
    let index = (elapsed / shift_secs) as usize % rotation.members.len().max(1);
    rotation.members.get(index).cloned()
}

fn release_index_pages(content: &Content, summaries: &[ReleaseSummary]) -> Vec<Page> {
    let mut pages = Vec::new();
    let mut variants: Vec<(
        String,
        String,
        Option<String>,
        Box<dyn Fn(&ReleaseSummary) -> bool>,
    )> = vec![(
        "releases/".into(),
        "All releases".into(),
        None,
        Box::new(|_| true),
    )];
    for system in &content.systems {
        let id = system.id.clone();
        variants.push((
            format!("releases/{}/", system.id),
            format!("{} releases", system.name),
            Some(format!("system: {}", system.name)),
            Box::new(move |s| s.system == id),
        ));
    }
    for kind in ["major", "minor", "patch", "emergency"] {
        variants.push((
            format!("releases/by-type/{kind}/"),
            format!("{} releases", capitalize(kind)),
            Some(format!("type: {kind}")),
            Box::new(move |s| s.kind == kind),
        ));
    }
    for status in [
        "planned",
        "approved",
        "in-progress",
        "released",
        "rolled-back",
        "cancelled",
    ] {
        variants.push((
            format!("releases/by-status/{status}/"),
            format!("Releases: {}", status.replace('-', " ")),
            Some(format!("status: {status}")),
            Box::new(move |s| s.status == status),
        ));
    }
    let facets = facets(content, summaries);
    for (path, heading, filter, keep) in variants {
        let selected: Vec<ReleaseSummary> = summaries.iter().filter(|s| keep(s)).cloned().collect();
        let facets = facets
            .iter()
            .map(|f| Facet {
                label: f.label,
                options: f
                    .options
                    .iter()
                    .map(|o| FacetOption {
                        current: o.path == path,
                        ..o.clone()
                    })
                    .collect(),
            })
            .collect();
        let data = ReleasesPage {
            heading: heading.clone(),
            filter,
            count: selected.len(),
            months: group_by_month(selected),
            facets,
        };
        pages.push(page(
            &path,
            "releases.html",
            "releases",
            &heading,
            PageData::Releases(data),
        ));
    }
    pages
}

fn facets(content: &Content, summaries: &[ReleaseSummary]) -> Vec<Facet> {
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

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn release_page(
    content: &Content,
    release: &Release,
    summaries: &[ReleaseSummary],
    index: usize,
    clock: Clock,
    root: &str,
    on_call: &(dyn Fn(&str) -> Option<String> + Sync),
) -> ReleasePage {
    let system = content.system(&release.system);
    let link = |template: Option<&String>, id: &str| {
        template.and_then(|t| safe_url(&t.replace("{id}", id)))
    };
    let same_system: Vec<usize> = content
        .releases
        .iter()
        .enumerate()
        .filter(|(_, r)| r.system == release.system)
        .map(|(i, _)| i)
        .collect();
    let position = same_system.iter().position(|i| *i == index);
    let neighbour = |offset: isize| {
        position
            .and_then(|p| same_system.get(p.checked_add_signed(offset)?))
            .map(|i| summaries[*i].clone())
    };
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
                ticket: a.ticket.clone(),
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
            .map(|c| ChecklistView::new(content, c, &release.key())),
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
            .map(|d| dependency_view(content, d, release))
            .collect(),
        notes_html: markdown::render(&release.notes, root, 3).html,
        written_timezone: (release.window.timezone != content.portal.timezone)
            .then(|| release.window.timezone.name().to_owned()),
        previous: neighbour(-1),
        next: neighbour(1),
        escalation: system
            .and_then(|s| s.escalation.as_ref())
            .and_then(|l| content.ladder(l))
            .map(|l| LadderView::new(content, l, on_call)),
    }
}

/// Only http(s) URLs become links: a URL template must not smuggle `javascript:` in.
pub fn safe_url(url: &str) -> Option<String> {
    let lower = url.trim().to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://")).then(|| url.trim().to_owned())
}

/// What `dependent` needs from another system, and the newest version of that system
/// released before `dependent`'s window that meets it (what was live at the time).
fn dependency_view(
    content: &Content,
    dependency: &crate::content::Dependency,
    dependent: &Release,
) -> DependencyView {
    let satisfied_by = content
        .releases
        .iter()
        .filter(|r| {
            r.system == dependency.system
                && r.status == ReleaseStatus::Released
                && r.window.start <= dependent.window.start
                && dependency.requirement.matches(&r.version)
        })
        .map(|r| &r.version)
        .max()
        .map(|v| v.to_string());
    DependencyView {
        system: dependency.system.clone(),
        system_name: system_name(content, &dependency.system),
        requirement: dependency.requirement.to_string(),
        system_path: format!("systems/{}/", dependency.system),
        satisfied_by,
    }
}

fn system_card(
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
    SystemCard {
        id: system.id.clone(),
        name: system.name.clone(),
        description: system.description.clone(),
        owner: PersonView::lookup(content, &system.owner),
        path: format!("systems/{}/", system.id),
        latest: of_system()
            .filter(|(r, _)| r.status == ReleaseStatus::Released)
            .last()
            .map(|(_, s)| s.clone()),
        next: of_system()
            .find(|(r, _)| is_open(r.status) && r.window.end >= now)
            .map(|(_, s)| s.clone()),
        rollback: SystemRollback::new(content, system),
    }
}

fn system_page(
    content: &Content,
    card: SystemCard,
    summaries: &[ReleaseSummary],
    on_call: &(dyn Fn(&str) -> Option<String> + Sync),
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
                .map(|d| dependency_view(content, d, r))
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
    }
}

fn contacts(
    content: &Content,
    now: DateTime<Utc>,
    on_call: &(dyn Fn(&str) -> Option<String> + Sync),
) -> ContactsPage {
    let mut people: Vec<PersonView> = content.people.iter().map(PersonView::new).collect();
    people.sort_by(|a, b| a.name.cmp(&b.name));
    let roles = content
        .roles
        .iter()
        .map(|r| RoleRow {
            id: r.id.clone(),
            name: r.name.clone(),
            description: r.description.clone(),
            cells: r
                .stages
                .iter()
                .map(|s| s.clone().unwrap_or_default())
                .collect(),
        })
        .collect();
    let ladders: BTreeMap<&str, LadderView> = content
        .ladders
        .iter()
        .map(|l| (l.id.as_str(), LadderView::new(content, l, on_call)))
        .collect();
    ContactsPage {
        people,
        stages: STAGES.iter().map(|(_, label)| *label).collect(),
        roles,
        ladders: ladders.into_values().collect(),
        on_call: on_call_now(content, now),
        rotations: schedule::rotations(content, now),
    }
}
