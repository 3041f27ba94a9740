//! Content: the typed, cross-checked model of a content repo.
//!
//! `load` reads files into `raw` structs; `validate` turns them into these types, in which
//! every reference resolves, every date is a UTC instant and every version is SemVer. Later
//! stages (git history, calendar, site model) only ever see these types. Each value that a
//! later check may complain about keeps its `SourceRef`.

pub mod load;
pub mod plan;
pub mod raw;
pub mod remembered;
pub(crate) mod yaml_hints;

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc, Weekday};
use chrono_tz::Tz;
use semver::{Version, VersionReq};

use crate::diagnostics::SourceRef;
use crate::markdown;
pub use raw::{ReleaseStatus, ReleaseType, Rollout, RunbookKind};

/// A whole, valid content repo.
#[derive(Debug, Clone)]
pub struct Content {
    pub portal: Portal,
    pub systems: Vec<System>,
    /// Sorted by window start, then system, then version.
    pub releases: Vec<Release>,
    /// Sorted by slug.
    pub runbooks: Vec<Runbook>,
    pub people: Vec<Person>,
    pub roles: Vec<Role>,
    pub ladders: Vec<Ladder>,
    pub rotations: Vec<Rotation>,
    /// Sorted by id.
    pub checklists: Vec<Checklist>,
    /// System versions and release trains.
    pub plan: plan::Plan,
}

#[derive(Debug, Clone)]
pub struct Portal {
    pub title: String,
    /// Always ends with `/`.
    pub base_url: String,
    pub timezone: Tz,
    pub description: Option<String>,
    /// `None` for the built-in default theme, else the theme folder name.
    pub theme: Option<String>,
    pub runbook_review_days: u32,
    /// Pages older than this say so (the live layer's staleness banner).
    pub stale_after_hours: u32,
    /// Release events in the iCal feeds remind this many hours before the window (VALARM);
    /// 0: no reminder.
    pub reminder_hours: u32,
    /// An event that ended more than this many days before the build is left out of the
    /// iCal feeds (they stay bounded however long the portal's history grows).
    pub feed_history_days: u32,
    pub freezes: Vec<WindowRule>,
    pub maintenance_windows: Vec<WindowRule>,
    /// Release type -> requirements; each requirement is satisfied by any of its roles.
    pub approval_policy: BTreeMap<ReleaseType, Vec<Vec<String>>>,
    /// The checklist `shipboard new release` scaffolds for each release type.
    pub checklists_by_type: BTreeMap<ReleaseType, String>,
    /// External `.ics` files (relative to the content dir) whose events are freezes.
    pub import_freezes: Vec<(String, SourceRef)>,
    /// A release file's edit page: an https URL template containing `{path}`.
    pub edit_url: Option<String>,
    /// Release type -> checklist phase ids that a `released` release must have done.
    pub required_phases: BTreeMap<ReleaseType, Vec<String>>,
    pub source: SourceRef,
}

#[derive(Debug, Clone)]
pub struct System {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub owner: String,
    pub rollback_runbook: String,
    pub escalation: Option<String>,
    /// Relative to the content dir; `None` means the content repo itself.
    pub repo: Option<String>,
    /// Contains `{version}`.
    pub tag_pattern: String,
    pub commit_url: Option<String>,
    pub compare_url: Option<String>,
    pub ticket_url: Option<String>,
    pub include_paths: Vec<String>,
    pub prereleases: bool,
    /// Changelogs follow first parents only (merge-heavy repositories).
    pub first_parent: bool,
    pub source: SourceRef,
    /// Where `repo:` is written, for the problems with the repository ([`System::repo_at`]).
    pub repo_source: Option<SourceRef>,
}

/// A named freeze or maintenance window.
#[derive(Debug, Clone)]
pub struct WindowRule {
    pub name: String,
    pub reason: Option<String>,
    pub schedule: Schedule,
    pub source: SourceRef,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Schedule {
    /// One span of time.
    Once {
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    },
    /// Every listed weekday from `start` to `end` wall-clock time in the portal's zone,
    /// optionally limited to dates `from..=until`.
    Weekly {
        days: Vec<Weekday>,
        start: NaiveTime,
        end: NaiveTime,
        from: Option<NaiveDate>,
        until: Option<NaiveDate>,
    },
}

#[derive(Debug, Clone)]
pub struct Release {
    pub system: String,
    pub version: Version,
    /// Where `version:` is written, for warnings about the version's tag.
    pub version_source: SourceRef,
    pub kind: ReleaseType,
    pub status: ReleaseStatus,
    /// Where `status:` is written, for warnings that ask to update it.
    pub status_source: SourceRef,
    pub title: Option<String>,
    pub status_note: Option<String>,
    pub window: ReleaseWindow,
    pub owner: String,
    /// Role id -> person ids, in the order written.
    pub people: BTreeMap<String, Vec<String>>,
    pub approvals: Vec<Approval>,
    pub tickets: Vec<String>,
    pub checklist: Option<String>,
    pub runbooks: Vec<String>,
    pub rollout: Option<Rollout>,
    pub depends_on: Vec<Dependency>,
    /// When stakeholders were told (`announced_at`), if recorded.
    pub announced_at: Option<DateTime<Utc>>,
    /// Checklist ticks recorded in the release file, in the order written; at most one per
    /// item.
    pub ticks: Vec<RecordedTick>,
    /// Markdown release notes.
    pub notes: String,
    /// The release file and the line where its notes start.
    pub source: SourceRef,
    pub notes_line: u32,
    /// The notes' headings and links, as loading read them (for the link check); `None`
    /// for a release built without loading, whose notes are then read when checked.
    pub outline: Option<Arc<markdown::Outline>>,
}

impl Release {
    /// Feeds `state` every field of the release file but its Markdown notes (and where
    /// they start, and their outline), as `Hash` does: destructured in full, so a new field
    /// must be decided on here. What the history cache and the release pages' memo key on
    /// (neither reads another release's notes; a notes edit is the common one). (`Hash`
    /// rather than `Debug`: 10,000 releases are fed in a few ms, where formatting them took
    /// 80 ms.)
    pub fn hash_without_notes<H: std::hash::Hasher>(&self, state: &mut H) {
        use std::hash::Hash;
        let Release {
            system,
            version,
            version_source,
            kind,
            status,
            status_source,
            title,
            status_note,
            window,
            owner,
            people,
            approvals,
            tickets,
            checklist,
            runbooks,
            rollout,
            depends_on,
            announced_at,
            ticks,
            source,
            notes: _,
            // Where the notes start: diagnostics point at it; no page or history reads it.
            notes_line: _,
            // The notes' headings and links, read from the notes.
            outline: _,
        } = self;
        (system, version, version_source, kind, status, status_source).hash(state);
        title.hash(state);
        (status_note, window, owner, people, approvals, tickets).hash(state);
        (
            checklist,
            runbooks,
            rollout,
            depends_on,
            announced_at,
            ticks,
        )
            .hash(state);
        source.hash(state);
    }
}

impl System {
    /// A system with its required fields; the optional settings empty (`v{version}` tags,
    /// no URL templates). For tools and tests that build content without YAML.
    pub fn new(
        id: &str,
        name: &str,
        owner: &str,
        rollback_runbook: &str,
        source: SourceRef,
    ) -> System {
        System {
            id: id.to_owned(),
            name: name.to_owned(),
            description: None,
            owner: owner.to_owned(),
            rollback_runbook: rollback_runbook.to_owned(),
            escalation: None,
            repo: None,
            tag_pattern: "v{version}".to_owned(),
            commit_url: None,
            compare_url: None,
            ticket_url: None,
            include_paths: Vec::new(),
            prereleases: false,
            first_parent: false,
            source,
            repo_source: None,
        }
    }

    /// Where a problem with the system's repository points: its `repo:` line, else the
    /// system's `id:` line (so a CI annotation lands on the line to fix).
    pub fn repo_at(&self) -> SourceRef {
        self.repo_source
            .clone()
            .unwrap_or_else(|| self.source.clone())
    }
}

impl Release {
    /// A release with its required fields, defined in `file`; the optional ones empty (no
    /// people, approvals, tickets, notes). For tools and tests that build content without
    /// YAML.
    pub fn new(
        system: &str,
        version: Version,
        kind: ReleaseType,
        status: ReleaseStatus,
        window: ReleaseWindow,
        owner: &str,
        file: &str,
    ) -> Release {
        Release {
            system: system.to_owned(),
            version,
            version_source: SourceRef::file(file),
            kind,
            status,
            status_source: SourceRef::file(file),
            title: None,
            status_note: None,
            window,
            owner: owner.to_owned(),
            people: BTreeMap::new(),
            approvals: Vec::new(),
            tickets: Vec::new(),
            checklist: None,
            runbooks: Vec::new(),
            rollout: None,
            depends_on: Vec::new(),
            announced_at: None,
            ticks: Vec::new(),
            notes: String::new(),
            source: SourceRef::file(file),
            notes_line: 1,
            outline: None,
        }
    }

    /// `payments@2.4.0`: unique across the portal.
    pub fn key(&self) -> String {
        format!("{}@{}", self.system, self.version)
    }
}

#[derive(Debug, Clone, Hash)]
pub struct ReleaseWindow {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// The zone the window was written in (for display).
    pub timezone: Tz,
    pub source: SourceRef,
}

#[derive(Debug, Clone, Hash)]
pub struct Approval {
    pub role: String,
    pub by: String,
    pub at: DateTime<Utc>,
    pub ticket: Option<String>,
}

/// A checklist tick recorded in the content repo (`ticks:` in a release file): done for
/// everyone, with who and when.
#[derive(Debug, Clone, Hash)]
pub struct RecordedTick {
    /// Checklist item id (unique within the release's checklist).
    pub item: String,
    /// Person id.
    pub by: String,
    pub at: DateTime<Utc>,
    /// Digest of the item text when ticked (16 hex digits, as `data-digest`), if given.
    pub wording: Option<String>,
    pub note: Option<String>,
    /// An http(s) URL.
    pub evidence: Option<String>,
    /// Where `at:` is written (for the date checks that need the build time or git).
    pub at_source: SourceRef,
}

#[derive(Debug, Clone, Hash)]
pub struct Dependency {
    pub system: String,
    pub requirement: VersionReq,
    pub source: SourceRef,
}

#[derive(Debug, Clone)]
pub struct Runbook {
    pub slug: String,
    pub title: String,
    pub kind: RunbookKind,
    pub system: Option<String>,
    pub owner: String,
    pub summary: Option<String>,
    pub body: String,
    /// The runbook file, relative to the content dir.
    pub source: SourceRef,
    pub body_line: u32,
    /// The body's headings and links, as loading read them (see `Release::outline`).
    pub outline: Option<Arc<markdown::Outline>>,
}

#[derive(Debug, Clone)]
pub struct Person {
    pub id: String,
    pub name: String,
    pub title: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub chat: Option<String>,
}

/// Release stages from the seeds' matrix, in order.
pub const STAGES: [(&str, &str); 4] = [
    ("verify", "Verify code"),
    ("deploy", "Deploy"),
    ("monitor", "Monitor production"),
    ("failed_deploy", "Failed deploy"),
];

#[derive(Debug, Clone)]
pub struct Role {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    /// Per stage in `STAGES` order: `None` not needed, `Some("needed")` or a condition.
    pub stages: [Option<String>; 4],
}

#[derive(Debug, Clone)]
pub struct Ladder {
    pub id: String,
    pub name: String,
    pub steps: Vec<LadderStep>,
}

#[derive(Debug, Clone)]
pub struct LadderStep {
    pub contact: LadderContact,
    /// Escalate to the next step when the problem is not clear within this many seconds.
    pub within_secs: Option<u64>,
    pub how: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LadderContact {
    Person(String),
    Rotation(String),
}

#[derive(Debug, Clone)]
pub struct Rotation {
    pub id: String,
    pub name: String,
    pub members: Vec<String>,
    pub length_days: u32,
    /// The first handoff.
    pub start: DateTime<Utc>,
    /// Stand-ins who hold the rotation instead of the turn order, sorted by start; they
    /// never overlap.
    pub overrides: Vec<RotationOverride>,
}

/// Someone covering a rotation over `[start, end)` instead of whoever the turn order names
/// (a swap, a sick day, a holiday).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RotationOverride {
    /// Person id; always a member of the rotation.
    pub person: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// Where the override is written (its `person:` line).
    pub source: SourceRef,
}

#[derive(Debug, Clone)]
pub struct Checklist {
    pub id: String,
    pub title: String,
    pub description: Option<String>,
    pub phases: Vec<Phase>,
    pub source: SourceRef,
}

#[derive(Debug, Clone)]
pub struct Phase {
    pub id: String,
    pub title: String,
    pub items: Vec<ChecklistItem>,
}

#[derive(Debug, Clone)]
pub struct ChecklistItem {
    pub id: String,
    pub text: String,
    /// Role id.
    pub owner: Option<String>,
    /// What the portal verifies for this item on each release page, if anything.
    pub verify: Option<Verify>,
}

/// A fact the portal checks at build time instead of a person ticking the item
/// (`verify:` on a checklist item; see the README).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verify {
    /// The release's tag exists in its system's repository.
    Tag,
    /// The approvals satisfy the `approval_policy` of the release's type.
    Approvals,
    /// The window is outside every freeze, or is an emergency release with an approval.
    Freeze,
    /// The system's rollback runbook was reviewed (committed) within this many days
    /// (`None`: the portal's `runbook_review_days`).
    RunbookReviewed { within_days: Option<u32> },
    /// Every `depends_on` is met by a version released at or before the window start.
    Dependencies,
    /// The release's changelog has at least one commit.
    Changelog,
    /// `announced_at` is recorded (for emergency releases: within 1 hour of the window).
    Announced,
}

impl Verify {
    /// Every `verify:` value, as written in checklist files.
    pub const NAMES: [&'static str; 7] = [
        "tag",
        "approvals",
        "freeze",
        "runbook-reviewed",
        "dependencies",
        "changelog",
        "announced",
    ];

    /// The value written as `name`; `within_days` only matters for `runbook-reviewed`.
    pub fn parse(name: &str, within_days: Option<u32>) -> Option<Verify> {
        Some(match name {
            "tag" => Verify::Tag,
            "approvals" => Verify::Approvals,
            "freeze" => Verify::Freeze,
            "runbook-reviewed" => Verify::RunbookReviewed { within_days },
            "dependencies" => Verify::Dependencies,
            "changelog" => Verify::Changelog,
            "announced" => Verify::Announced,
            _ => return None,
        })
    }
}

impl Content {
    /// The requirements of `approval_policy` for the release's type (each a set of roles,
    /// any one of which approves) that none of its approvals meets; empty when the policy
    /// is met or has nothing for its type.
    pub fn unmet_approvals(&self, release: &Release) -> Vec<&[String]> {
        self.portal
            .approval_policy
            .get(&release.kind)
            .into_iter()
            .flatten()
            .filter(|any_of| !release.approvals.iter().any(|a| any_of.contains(&a.role)))
            .map(Vec::as_slice)
            .collect()
    }

    /// The release file of `system` at `version`, if there is one.
    pub fn release(&self, system: &str, version: &Version) -> Option<&Release> {
        self.releases
            .iter()
            .find(|r| r.system == system && r.version == *version)
    }

    pub fn system(&self, id: &str) -> Option<&System> {
        self.systems.iter().find(|s| s.id == id)
    }

    pub fn person(&self, id: &str) -> Option<&Person> {
        self.people.iter().find(|p| p.id == id)
    }

    /// The name of person `id`, or the id itself for someone contacts.yaml does not list.
    pub fn person_name(&self, id: &str) -> String {
        self.person(id)
            .map_or_else(|| id.to_owned(), |p| p.name.clone())
    }

    pub fn role(&self, id: &str) -> Option<&Role> {
        self.roles.iter().find(|r| r.id == id)
    }

    pub fn runbook(&self, slug: &str) -> Option<&Runbook> {
        self.runbooks.iter().find(|r| r.slug == slug)
    }

    pub fn checklist(&self, id: &str) -> Option<&Checklist> {
        self.checklists.iter().find(|c| c.id == id)
    }

    pub fn ladder(&self, id: &str) -> Option<&Ladder> {
        self.ladders.iter().find(|l| l.id == id)
    }

    pub fn rotation(&self, id: &str) -> Option<&Rotation> {
        self.rotations.iter().find(|r| r.id == id)
    }
}

impl ReleaseType {
    pub fn as_str(self) -> &'static str {
        match self {
            ReleaseType::Major => "major",
            ReleaseType::Minor => "minor",
            ReleaseType::Patch => "patch",
            ReleaseType::Emergency => "emergency",
        }
    }
}

impl ReleaseStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ReleaseStatus::Planned => "planned",
            ReleaseStatus::Approved => "approved",
            ReleaseStatus::InProgress => "in-progress",
            ReleaseStatus::Released => "released",
            ReleaseStatus::RolledBack => "rolled-back",
            ReleaseStatus::Cancelled => "cancelled",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ReleaseStatus::Planned => "Planned",
            ReleaseStatus::Approved => "Approved",
            ReleaseStatus::InProgress => "In progress",
            ReleaseStatus::Released => "Released",
            ReleaseStatus::RolledBack => "Rolled back",
            ReleaseStatus::Cancelled => "Cancelled",
        }
    }

    /// Whether the release has happened (its tag should exist).
    pub fn has_shipped(self) -> bool {
        matches!(self, ReleaseStatus::Released | ReleaseStatus::RolledBack)
    }
}

impl Rollout {
    pub fn label(self) -> &'static str {
        match self {
            Rollout::Canary => "Canary",
            Rollout::BlueGreen => "Blue-green",
            Rollout::AllAtOnce => "All at once",
        }
    }
}

impl RunbookKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RunbookKind::Deploy => "deploy",
            RunbookKind::Rollback => "rollback",
            RunbookKind::Hotfix => "hotfix",
            RunbookKind::Verification => "verification",
            RunbookKind::Other => "other",
        }
    }
}
