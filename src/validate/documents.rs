//! Validation of checklist templates and runbooks: ids from file names, unique phases and
//! items, owners and systems that exist.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

use super::{at, is_slug, Validator};
use crate::content::load::RawContent;
use crate::content::raw::RawChecklistItem;
use crate::content::{Checklist, ChecklistItem, Phase, Runbook, Verify};
use crate::diagnostics::SourceRef;

impl Validator<'_> {
    pub(super) fn checklists(&mut self, raw: &RawContent) -> Vec<Checklist> {
        let mut checklists = Vec::new();
        for (id, file) in &raw.checklists {
            let path = file.path.as_path();
            if !is_slug(id) {
                self.error(SourceRef::file(path), "id", format!("checklist file name \"{id}\" is not a valid id"), "rename the file to lowercase letters, digits and '-', e.g. standard-rollout.yaml");
            }
            let mut phases = Vec::new();
            let mut phase_ids = BTreeSet::new();
            for phase in &file.data.phases {
                let phase_id = self.slug(path, 0, &phase.id, "phases.id");
                if !phase_ids.insert(phase_id.clone()) {
                    self.error(
                        at(path, 0, &phase.id),
                        "phases.id",
                        format!("phase \"{phase_id}\" appears twice"),
                        "give each phase a unique id",
                    );
                }
                let mut item_ids = BTreeSet::new();
                let items = phase
                    .items
                    .iter()
                    .map(|item| {
                        let item_id = self.slug(path, 0, &item.id, "items.id");
                        if !item_ids.insert(item_id.clone()) {
                            self.error(
                                at(path, 0, &item.id),
                                "items.id",
                                format!("item \"{item_id}\" appears twice in phase \"{phase_id}\""),
                                "item ids key the ticks people saved: keep them unique and stable",
                            );
                        }
                        if let Some(owner) = &item.owner {
                            self.role_ref(path, 0, owner, "items.owner");
                        }
                        ChecklistItem {
                            verify: self.verify(path, item),
                            id: item_id,
                            text: item.text.clone(),
                            owner: item.owner.as_ref().map(|o| o.value.clone()),
                        }
                    })
                    .collect();
                phases.push(Phase {
                    id: phase_id,
                    title: self.one_line(path, 0, &phase.title, "phases.title"),
                    items,
                });
            }
            if phases.iter().all(|p| p.items.is_empty()) {
                self.error(
                    SourceRef::file(path),
                    "phases",
                    "the checklist has no items",
                    "add phases with items, or delete the file",
                );
            }
            checklists.push(Checklist {
                id: id.clone(),
                title: self.one_line(path, 0, &file.data.title, "title"),
                description: file.data.description.clone(),
                phases,
                source: SourceRef::file(path),
            });
        }
        checklists.sort_by(|a, b| a.id.cmp(&b.id));
        checklists
    }

    /// An item's `verify:` (with `within_days:`); unknown values are errors that list the
    /// valid ones.
    fn verify(&mut self, path: &Path, item: &RawChecklistItem) -> Option<Verify> {
        if let (Some(days), None | Some(false)) = (
            &item.within_days,
            item.verify.as_ref().map(|v| v.value == "runbook-reviewed"),
        ) {
            self.error(
                at(path, 0, days),
                "items.within_days",
                "`within_days` only applies to `verify: runbook-reviewed`",
                "add `verify: runbook-reviewed` to the item, or remove `within_days`",
            );
        }
        let name = item.verify.as_ref()?;
        let within_days = item.within_days.as_ref().map(|d| d.value);
        let verify = Verify::parse(&name.value, within_days);
        if verify.is_none() {
            self.error(
                at(path, 0, name),
                "items.verify",
                format!(
                    "unknown `verify: {}`; valid values are: {}",
                    name.value,
                    Verify::NAMES.join(", ")
                ),
                "use one of the listed values (see the README's \"Verified checklist items\"), or remove `verify:` and let a person tick the item",
            );
        }
        verify
    }

    pub(super) fn runbooks(&mut self, raw: &RawContent) -> Vec<Runbook> {
        let mut runbooks: Vec<Runbook> = Vec::new();
        for file in &raw.runbooks {
            let path = file.path.as_path();
            if !is_slug(&file.stem) {
                self.error(SourceRef::file(path), "slug", format!("runbook file name \"{}\" is not a valid slug", file.stem), "rename the file to lowercase letters, digits and '-', e.g. payments-rollback.md");
                continue;
            }
            if file.stem == crate::model::RUNBOOKS_BY_SYSTEM {
                let message = format!("runbook file name \"{}\" is the name of the runbook index's pages per system (/runbooks/{}/)", file.stem, file.stem);
                self.error(
                    SourceRef::file(path),
                    "slug",
                    message,
                    "rename the file: its name is the runbook's address",
                );
                continue;
            }
            if let Some(other) = runbooks.iter().find(|r| r.slug == file.stem) {
                let message = format!(
                    "runbook \"{}\" is also defined in {}",
                    file.stem, other.source
                );
                self.error(
                    SourceRef::file(path),
                    "slug",
                    message,
                    "runbook slugs come from file names: rename one of them",
                );
                continue;
            }
            let front = &file.front;
            let offset = file.front_line_offset;
            self.person_ref(path, offset, &front.owner, "owner");
            if let Some(system) = &front.system {
                self.system_ref(path, offset, system, "system");
            }
            runbooks.push(Runbook {
                slug: file.stem.clone(),
                title: self.one_line(path, offset, &front.title, "title"),
                kind: front.kind,
                system: front.system.as_ref().map(|s| s.value.clone()),
                owner: front.owner.value.clone(),
                summary: front.summary.as_ref().map(|s| s.value.clone()),
                body: file.body.clone(),
                source: SourceRef::file(path),
                body_line: file.body_line,
                outline: Some(Arc::clone(&file.outline)),
            });
        }
        runbooks.sort_by(|a, b| a.slug.cmp(&b.slug));
        runbooks
    }
}
