//! Validation of `contacts.yaml` and of every reference to people, roles, runbooks,
//! ladders and rotations made from other files.

use std::collections::BTreeSet;
use std::path::Path;

use serde_saphyr::Spanned;

use super::{at, Validator};
use crate::calendar::time;
use crate::content::load::YamlFile;
use crate::content::raw::{RawContacts, RawSystem};
use crate::content::yaml_hints::suggest;
use crate::content::{Ladder, LadderContact, LadderStep, Person, Role, Rotation, RunbookKind};
use crate::diagnostics::SourceRef;

type Contacts = (Vec<Person>, Vec<Role>, Vec<Ladder>, Vec<Rotation>);

impl Validator<'_> {
    pub(super) fn contacts(&mut self, file: &YamlFile<RawContacts>) -> Contacts {
        let path = file.path.as_path();
        let raw = &file.data;
        let mut ids = BTreeSet::new();
        let mut people = Vec::new();
        for person in &raw.people {
            let id = self.slug(path, 0, &person.id, "people.id");
            if !ids.insert(id.clone()) {
                self.error(
                    at(path, 0, &person.id),
                    "people.id",
                    format!("person \"{id}\" is listed twice"),
                    "keep one entry per person",
                );
                continue;
            }
            people.push(Person {
                id,
                name: self.one_line(path, 0, &person.name, "people.name"),
                title: person
                    .title
                    .as_ref()
                    .map(|title| self.one_line(path, 0, title, "people.title")),
                email: person.email.clone(),
                phone: person.phone.clone(),
                chat: person.chat.clone(),
            });
        }
        let mut role_ids = BTreeSet::new();
        let mut roles = Vec::new();
        for role in &raw.roles {
            let id = self.slug(path, 0, &role.id, "roles.id");
            if !role_ids.insert(id.clone()) {
                self.error(
                    at(path, 0, &role.id),
                    "roles.id",
                    format!("role \"{id}\" is defined twice"),
                    "keep one entry per role",
                );
                continue;
            }
            let s = &role.stages;
            roles.push(Role {
                id,
                name: self.one_line(path, 0, &role.name, "roles.name"),
                description: role.description.clone(),
                stages: [
                    s.verify.clone(),
                    s.deploy.clone(),
                    s.monitor.clone(),
                    s.failed_deploy.clone(),
                ],
            });
        }
        let mut rotations = Vec::new();
        for rotation in &raw.rotations {
            let id = self.slug(path, 0, &rotation.id, "rotations.id");
            for member in &rotation.members {
                self.person_ref(path, 0, member, "rotations.members");
            }
            if rotation.members.is_empty() {
                self.error(
                    at(path, 0, &rotation.id),
                    "rotations.members",
                    format!("rotation \"{id}\" has no members"),
                    "list the person ids who take turns",
                );
            }
            if rotation.length_days.value == 0 {
                self.error(
                    at(path, 0, &rotation.length_days),
                    "rotations.length_days",
                    "a rotation must last at least one day",
                    "e.g. length_days: 7 for weekly shifts",
                );
            }
            let zone = self.zone;
            let start = self.datetime(path, 0, &rotation.start, "rotations.start", zone);
            let overrides = self.rotation_overrides(path, rotation);
            if let Some(start) = start {
                rotations.push(Rotation {
                    id,
                    name: self.one_line(path, 0, &rotation.name, "rotations.name"),
                    members: rotation.members.iter().map(|m| m.value.clone()).collect(),
                    length_days: rotation.length_days.value.max(1),
                    start,
                    overrides,
                });
            }
        }
        let mut ladders = Vec::new();
        for ladder in &raw.ladders {
            let id = self.slug(path, 0, &ladder.id, "ladders.id");
            let mut steps = Vec::new();
            for step in &ladder.steps {
                let where_ = at(path, 0, step);
                let contact = match (&step.value.person, &step.value.rotation) {
                    (Some(person), None) => {
                        self.person_ref(path, 0, person, "ladders.steps.person");
                        LadderContact::Person(person.value.clone())
                    }
                    (None, Some(rotation)) => {
                        let exists = self.known.rotations.contains(&rotation.value);
                        self.reference(
                            path,
                            0,
                            rotation,
                            "ladders.steps.rotation",
                            "rotation",
                            exists,
                            "contacts.yaml `rotations:`",
                        );
                        LadderContact::Rotation(rotation.value.clone())
                    }
                    _ => {
                        self.error(
                            where_,
                            "ladders.steps",
                            "a step needs exactly one of `person` or `rotation`",
                            "e.g. `- person: priya` or `- rotation: platform-sre`",
                        );
                        continue;
                    }
                };
                let within_secs = step.value.within.as_ref().and_then(|w| {
                    let secs = time::parse_duration_secs(&w.value);
                    if secs.is_none() {
                        self.error(
                            at(path, 0, w),
                            "ladders.steps.within",
                            format!("\"{}\" is not a duration", w.value),
                            "write a number and a unit: 30s, 15m, 1h",
                        );
                    }
                    secs
                });
                steps.push(LadderStep {
                    contact,
                    within_secs,
                    how: step.value.how.clone(),
                });
            }
            ladders.push(Ladder {
                id,
                name: self.one_line(path, 0, &ladder.name, "ladders.name"),
                steps,
            });
        }
        (people, roles, ladders, rotations)
    }

    pub(super) fn unknown(
        &mut self,
        at: SourceRef,
        field: &str,
        what: &str,
        id: &str,
        where_defined: &str,
    ) {
        if self.known.contacts_unreadable && where_defined.starts_with("contacts.yaml") {
            return; // contacts.yaml is broken and reported: every lookup in it would fail
        }
        let suggestion = self
            .known
            .ids_of(what)
            .and_then(|ids| suggest(id, &ids))
            .map(|near| format!("did you mean \"{near}\"? "))
            .unwrap_or_default();
        self.error(
            at,
            field,
            format!("unknown {what} \"{id}\""),
            &format!("{suggestion}define it in {where_defined}, or fix the spelling"),
        );
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn reference(
        &mut self,
        path: &Path,
        offset: u32,
        value: &Spanned<String>,
        field: &str,
        what: &str,
        exists: bool,
        where_defined: &str,
    ) {
        if !exists {
            self.unknown(
                at(path, offset, value),
                field,
                what,
                &value.value,
                where_defined,
            );
        }
    }

    pub(super) fn person_ref(
        &mut self,
        path: &Path,
        offset: u32,
        value: &Spanned<String>,
        field: &str,
    ) {
        let exists = self.known.people.contains(&value.value);
        self.reference(
            path,
            offset,
            value,
            field,
            "person",
            exists,
            "contacts.yaml `people:`",
        );
    }

    pub(super) fn role_ref(
        &mut self,
        path: &Path,
        offset: u32,
        value: &Spanned<String>,
        field: &str,
    ) {
        let exists = self.known.roles.contains(&value.value);
        self.reference(
            path,
            offset,
            value,
            field,
            "role",
            exists,
            "contacts.yaml `roles:`",
        );
    }

    pub(super) fn system_ref(
        &mut self,
        path: &Path,
        offset: u32,
        value: &Spanned<String>,
        field: &str,
    ) {
        let exists = self.known.systems.contains(&value.value);
        self.reference(
            path,
            offset,
            value,
            field,
            "system",
            exists,
            "portal.yaml `systems:`",
        );
    }

    pub(super) fn runbook_ref(
        &mut self,
        path: &Path,
        offset: u32,
        value: &Spanned<String>,
        field: &str,
    ) {
        let exists = self.known.runbooks.contains_key(&value.value);
        let where_defined = format!("runbooks/{}.md", value.value);
        self.reference(
            path,
            offset,
            value,
            field,
            "runbook",
            exists,
            &where_defined,
        );
    }

    /// The owner, rollback runbook and escalation ladder a system names.
    pub(super) fn system_references(&mut self, path: &Path, system: &RawSystem) {
        self.person_ref(path, 0, &system.owner, "systems.owner");
        let rollback = &system.rollback_runbook;
        match self.known.runbooks.get(&rollback.value) {
            None => self.runbook_ref(path, 0, rollback, "systems.rollback_runbook"),
            Some(kind) if *kind != RunbookKind::Rollback => {
                let message = format!(
                    "runbook \"{}\" is a {} runbook, not a rollback runbook",
                    rollback.value,
                    kind.as_str()
                );
                self.error(
                    at(path, 0, rollback),
                    "systems.rollback_runbook",
                    message,
                    "point at a runbook with `kind: rollback`",
                );
            }
            Some(_) => {}
        }
        if let Some(ladder) = &system.escalation {
            let exists = self.known.ladders.contains(&ladder.value);
            self.reference(
                path,
                0,
                ladder,
                "systems.escalation",
                "escalation ladder",
                exists,
                "contacts.yaml `ladders:`",
            );
        }
    }
}
