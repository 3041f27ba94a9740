//! The contacts page: people, the stage matrix, escalation ladders and rotations.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::*;
use crate::content::{Content, STAGES};
use crate::model::schedule::{self, RotationView};

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

pub(super) fn contacts(
    content: &Content,
    now: DateTime<Utc>,
    on_call: &(dyn Fn(&str) -> Vec<crate::model::live::OnCallPerson> + Sync),
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
