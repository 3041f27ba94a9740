//! The shapes of the content repo's YAML files (`portal.yaml`, `contacts.yaml`,
//! `checklists/*.yaml`, release and runbook front matter) as serde types, and the one
//! function that writes them: YAML comes out of serde, never out of `format!`.
//!
//! Field names and order follow the README's "Content format"; short lists are written in
//! flow style (`[a, b]`) as people write them.

use serde::Serialize;
use serde_saphyr::{FlowMap, FlowSeq};

/// `value` as a YAML document (no `---`), ending in a newline.
pub fn to_yaml<T: Serialize>(value: &T) -> String {
    let mut text = serde_saphyr::to_string(value).expect("generated content serializes to YAML");
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text
}

/// A Markdown file with YAML front matter.
pub fn front_matter<T: Serialize>(front: &T, body: &str) -> String {
    format!("---\n{}---\n{body}", to_yaml(front))
}

/// A short list written `[a, b]`.
pub type Flow = FlowSeq<Vec<String>>;

pub fn flow(items: impl IntoIterator<Item = impl Into<String>>) -> Flow {
    FlowSeq(items.into_iter().map(Into::into).collect())
}

#[derive(Serialize)]
pub struct PortalFile {
    pub title: String,
    pub base_url: String,
    pub timezone: String,
    pub description: String,
    pub runbook_review_days: u32,
    pub systems: Vec<SystemEntry>,
    pub freezes: Vec<WindowEntry>,
    pub maintenance_windows: Vec<WindowEntry>,
    pub approval_policy: ApprovalPolicy,
}

#[derive(Serialize)]
pub struct SystemEntry {
    pub id: String,
    pub name: String,
    pub description: String,
    pub owner: String,
    pub rollback_runbook: String,
    pub escalation: String,
    pub repo: String,
    pub tag_pattern: String,
    pub commit_url: String,
    pub compare_url: String,
    pub ticket_url: String,
}

/// A freeze or maintenance window: one-off (`start`/`end`) or weekly.
#[derive(Serialize)]
pub struct WindowEntry {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weekly: Option<FlowMap<Weekly>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Serialize)]
pub struct Weekly {
    pub days: Flow,
    pub start: String,
    pub end: String,
}

#[derive(Serialize)]
pub struct ApprovalPolicy {
    pub major: Flow,
    pub minor: Flow,
    pub emergency: Flow,
}

#[derive(Serialize)]
pub struct ContactsFile {
    pub people: Vec<PersonEntry>,
    pub roles: Vec<RoleEntry>,
    pub ladders: Vec<Ladder>,
    pub rotations: Vec<RotationEntry>,
}

#[derive(Serialize)]
pub struct PersonEntry {
    pub id: String,
    pub name: String,
    pub title: String,
    pub email: String,
    pub phone: String,
    pub chat: String,
}

#[derive(Serialize)]
pub struct RoleEntry {
    pub id: String,
    pub name: String,
    pub description: String,
    pub stages: Stages,
}

/// Stage -> "needed" or a condition; a stage the role has no part in is left out.
#[derive(Serialize, Default)]
pub struct Stages {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verify: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deploy: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub monitor: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failed_deploy: Option<String>,
}

#[derive(Serialize)]
pub struct Ladder {
    pub id: String,
    pub name: String,
    pub steps: Vec<LadderStep>,
}

#[derive(Serialize)]
pub struct LadderStep {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub person: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rotation: Option<String>,
    pub within: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub how: Option<String>,
}

#[derive(Serialize)]
pub struct RotationEntry {
    pub id: String,
    pub name: String,
    pub members: Flow,
    pub length_days: u32,
    pub start: String,
}

#[derive(Serialize)]
pub struct ChecklistFile {
    pub title: String,
    pub description: String,
    pub phases: Vec<Phase>,
}

#[derive(Serialize)]
pub struct Phase {
    pub id: String,
    pub title: String,
    pub items: Vec<FlowMap<Item>>,
}

#[derive(Serialize)]
pub struct Item {
    pub id: String,
    pub text: String,
    pub owner: String,
}

/// A release file's front matter.
#[derive(Serialize, Clone)]
pub struct ReleaseFront {
    pub system: String,
    pub version: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub status: String,
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_note: Option<String>,
    pub window: Window,
    pub owner: String,
    pub people: ReleasePeople,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub approvals: Vec<Approval>,
    pub tickets: Flow,
    pub checklist: String,
    #[serde(skip_serializing_if = "runbooks_empty")]
    pub runbooks: Flow,
    pub rollout: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<Dependency>,
}

fn runbooks_empty(list: &Flow) -> bool {
    list.0.is_empty()
}

#[derive(Serialize, Clone)]
pub struct Window {
    pub start: String,
    pub end: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
}

/// Role id -> person ids, in the order the generator assigns them.
#[derive(Serialize, Clone)]
pub struct ReleasePeople {
    pub developer: Flow,
    pub sre: Flow,
    #[serde(rename = "deployment-engineer")]
    pub deployment_engineer: Flow,
    #[serde(rename = "qa-lead", skip_serializing_if = "Option::is_none")]
    pub qa_lead: Option<Flow>,
}

#[derive(Serialize, Clone)]
pub struct Approval {
    pub role: String,
    pub by: String,
    pub at: String,
    pub ticket: String,
}

#[derive(Serialize, Clone)]
pub struct Dependency {
    pub system: String,
    pub version: String,
}

/// A runbook file's front matter.
#[derive(Serialize, Clone)]
pub struct RunbookFront {
    pub title: String,
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    pub owner: String,
    pub summary: String,
}
