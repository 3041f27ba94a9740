//! Raw content: the YAML of every content file, deserialized as written, with spans.
//!
//! These structs mirror the files one to one (see the README's "Content format"). Unknown
//! fields are rejected so typos surface. Values that need checking later (ids, dates,
//! versions) are kept as `Spanned<String>` so that `validate` can point at them. Nothing here
//! interprets a value; that is `validate`'s job. The release and runbook enums also
//! serialize: the parse cache stores them (`content::remembered::stored`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_saphyr::Spanned;

/// A string with the line and column it was written at.
pub type Text = Spanned<String>;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPortal {
    pub title: Text,
    pub base_url: Text,
    pub timezone: Text,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub theme: Option<Text>,
    #[serde(default)]
    pub runbook_review_days: Option<u32>,
    #[serde(default)]
    pub stale_after_hours: Option<Spanned<u32>>,
    /// Hours before a release window its iCal event reminds (VALARM); 0: no reminder.
    #[serde(default)]
    pub reminder_hours: Option<Spanned<u32>>,
    /// Days an ended event stays in the iCal feeds.
    #[serde(default)]
    pub feed_history_days: Option<Spanned<u32>>,
    pub systems: Vec<RawSystem>,
    #[serde(default)]
    pub freezes: Vec<RawWindowRule>,
    #[serde(default)]
    pub maintenance_windows: Vec<RawWindowRule>,
    #[serde(default)]
    pub approval_policy: BTreeMap<String, Vec<Text>>,
    /// The checklist `shipboard new release` puts on a release of each type.
    #[serde(default)]
    pub checklists_by_type: BTreeMap<String, Text>,
    /// External `.ics` files whose events become freezes (calendar import).
    #[serde(default)]
    pub import_freezes: Vec<Text>,
    /// Template of a release file's edit page, with `{path}` (e.g. a GitHub edit URL).
    #[serde(default)]
    pub edit_url: Option<Text>,
    /// Release type -> checklist phase ids a `released` release must have ticked.
    #[serde(default)]
    pub required_phases: BTreeMap<String, Vec<Text>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSystem {
    pub id: Text,
    pub name: Text,
    #[serde(default)]
    pub description: Option<String>,
    pub owner: Text,
    pub rollback_runbook: Text,
    #[serde(default)]
    pub escalation: Option<Text>,
    #[serde(default)]
    pub repo: Option<Text>,
    #[serde(default)]
    pub tag_pattern: Option<Text>,
    #[serde(default)]
    pub commit_url: Option<Text>,
    #[serde(default)]
    pub compare_url: Option<Text>,
    #[serde(default)]
    pub ticket_url: Option<Text>,
    #[serde(default)]
    pub include_paths: Vec<String>,
    #[serde(default)]
    pub prereleases: bool,
    /// Changelogs follow first parents only: each merge stands for its branch.
    #[serde(default)]
    pub first_parent: bool,
}

/// A freeze or maintenance window: either one-off (`start`/`end`) or `weekly`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWindowRule {
    pub name: Text,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub start: Option<Text>,
    #[serde(default)]
    pub end: Option<Text>,
    #[serde(default)]
    pub weekly: Option<RawWeekly>,
    /// Weekly rules apply from this date (inclusive)...
    #[serde(default)]
    pub from: Option<Text>,
    /// ...until this date (inclusive).
    #[serde(default)]
    pub until: Option<Text>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWeekly {
    pub days: Vec<Text>,
    pub start: Text,
    pub end: Text,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRelease {
    pub system: Text,
    pub version: Text,
    #[serde(rename = "type")]
    pub kind: Spanned<ReleaseType>,
    pub status: Spanned<ReleaseStatus>,
    #[serde(default)]
    pub title: Option<Text>,
    #[serde(default)]
    pub status_note: Option<Text>,
    pub window: Spanned<RawWindow>,
    pub owner: Text,
    #[serde(default)]
    pub people: BTreeMap<String, Spanned<Vec<Text>>>,
    #[serde(default)]
    pub approvals: Vec<Spanned<RawApproval>>,
    #[serde(default)]
    pub tickets: Vec<Text>,
    #[serde(default)]
    pub checklist: Option<Text>,
    #[serde(default)]
    pub runbooks: Vec<Text>,
    #[serde(default)]
    pub rollout: Option<Rollout>,
    #[serde(default)]
    pub depends_on: Vec<RawDependency>,
    /// When stakeholders were told (emergency releases: within 1 hour of the window start).
    #[serde(default)]
    pub announced_at: Option<Text>,
    /// Checklist ticks recorded in the content repo (see `RawTick`).
    #[serde(default)]
    pub ticks: Vec<Spanned<RawTick>>,
}

/// One recorded checklist tick: `- item: ticket-filed, by: priya, at: 2026-12-01 16:20`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTick {
    pub item: Text,
    pub by: Text,
    pub at: Text,
    /// Digest of the item text when it was ticked (16 hex digits, as the widget keys by).
    #[serde(default)]
    pub wording: Option<Text>,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub evidence: Option<Text>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWindow {
    pub start: Text,
    pub end: Text,
    #[serde(default)]
    pub timezone: Option<Text>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawApproval {
    pub role: Text,
    pub by: Text,
    pub at: Text,
    #[serde(default)]
    pub ticket: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDependency {
    pub system: Text,
    pub version: Text,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReleaseType {
    Major,
    Minor,
    Patch,
    Emergency,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReleaseStatus {
    Planned,
    Approved,
    InProgress,
    Released,
    RolledBack,
    Cancelled,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rollout {
    Canary,
    BlueGreen,
    AllAtOnce,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRunbook {
    pub title: Text,
    pub kind: RunbookKind,
    #[serde(default)]
    pub system: Option<Text>,
    pub owner: Text,
    #[serde(default)]
    pub summary: Option<Text>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RunbookKind {
    Deploy,
    Rollback,
    Hotfix,
    Verification,
    Other,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawContacts {
    #[serde(default)]
    pub people: Vec<RawPerson>,
    #[serde(default)]
    pub roles: Vec<RawRole>,
    #[serde(default)]
    pub ladders: Vec<RawLadder>,
    #[serde(default)]
    pub rotations: Vec<RawRotation>,
}

impl RawContacts {
    /// Nothing defined: an empty file (or one of comments only).
    pub fn is_empty(&self) -> bool {
        self.people.is_empty()
            && self.roles.is_empty()
            && self.ladders.is_empty()
            && self.rotations.is_empty()
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPerson {
    pub id: Text,
    pub name: Text,
    #[serde(default)]
    pub title: Option<Text>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub chat: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRole {
    pub id: Text,
    pub name: Text,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub stages: RawStages,
}

/// Who is needed at which release stage: "needed", a condition, or absent (not needed).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStages {
    #[serde(default)]
    pub verify: Option<String>,
    #[serde(default)]
    pub deploy: Option<String>,
    #[serde(default)]
    pub monitor: Option<String>,
    #[serde(default)]
    pub failed_deploy: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLadder {
    pub id: Text,
    pub name: Text,
    pub steps: Vec<Spanned<RawLadderStep>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLadderStep {
    #[serde(default)]
    pub person: Option<Text>,
    #[serde(default)]
    pub rotation: Option<Text>,
    #[serde(default)]
    pub within: Option<Text>,
    #[serde(default)]
    pub how: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRotation {
    pub id: Text,
    pub name: Text,
    pub members: Vec<Text>,
    pub length_days: Spanned<u32>,
    pub start: Text,
    #[serde(default)]
    pub overrides: Vec<RawOverride>,
}

/// `- person: sam, start: ..., end: ...` under a rotation's `overrides:`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOverride {
    pub person: Text,
    pub start: Text,
    pub end: Text,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawChecklist {
    pub title: Text,
    #[serde(default)]
    pub description: Option<String>,
    pub phases: Vec<RawPhase>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPhase {
    pub id: Text,
    pub title: Text,
    pub items: Vec<RawChecklistItem>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawChecklistItem {
    pub id: Text,
    pub text: String,
    #[serde(default)]
    pub owner: Option<Text>,
    /// What the portal verifies instead of a person (`tag`, `approvals`, ...).
    #[serde(default)]
    pub verify: Option<Text>,
    /// `verify: runbook-reviewed`: how recent the review must be (default: the portal's
    /// `runbook_review_days`).
    #[serde(default)]
    pub within_days: Option<Spanned<u32>>,
}

/// `system-versions/*.yaml`: a named manifest of compatible component versions.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSystemVersion {
    pub name: Text,
    #[serde(default)]
    pub description: Option<String>,
    /// System id -> version, in the order written.
    pub versions: Vec<RawMember>,
}

/// `- system: payments` / `version: 2.4.0`: one release, in a manifest or a departure.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMember {
    pub system: Text,
    pub version: Text,
}

/// `trains/<id>.yaml`: a release train (the file stem is its id).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTrain {
    pub name: Text,
    #[serde(default)]
    pub description: Option<String>,
    /// Person id; a departure may name its own.
    #[serde(default)]
    pub delivery_manager: Option<Text>,
    pub cadence: RawCadence,
    #[serde(default)]
    pub departures: Vec<RawDeparture>,
}

/// Departures every `every_days` days from `start` (a date in the portal's zone); each
/// departure's window lasts `window_days` (default: until the next departure).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCadence {
    /// Signed so that a zero or negative cadence is reported as such, not as a type error.
    pub every_days: Spanned<i64>,
    pub start: Text,
    #[serde(default)]
    pub window_days: Option<Spanned<i64>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDeparture {
    /// The departure's date: one of the cadence's dates.
    pub date: Text,
    /// The system demo (date and time; one hour).
    #[serde(default)]
    pub demo: Option<Text>,
    #[serde(default)]
    pub delivery_manager: Option<Text>,
    #[serde(default)]
    pub members: Vec<RawMember>,
}
