//! The runbook index: one page while every runbook fits; past that, `runbooks/` lists what
//! an on-call engineer looks for first (each system's rollback runbook, and the runbooks of
//! no particular system) and links a page per system (`runbooks/by-system/<id>/`), so no
//! page of the index grows past what a phone opens quickly.

use std::collections::BTreeMap;

use super::{page, ChecklistLink, PageData, RunbookGroup, RunbooksPage};
use crate::content::Content;
use crate::model::views::RunbookLink;
use crate::model::Page;

/// The folder of the index's pages per system, under `runbooks/`; no runbook may use it as
/// its file name (validation says so).
pub const RUNBOOKS_BY_SYSTEM: &str = "by-system";

/// The most runbooks one page of the index lists (a row is about 0.4 KB of HTML).
pub const RUNBOOKS_PER_PAGE: usize = 200;

/// The pages of the runbook index.
pub(super) fn runbook_index_pages(
    content: &Content,
    runbooks: Vec<RunbookLink>,
    checklists: Vec<ChecklistLink>,
) -> Vec<Page> {
    let total = runbooks.len();
    if total <= RUNBOOKS_PER_PAGE {
        let data = RunbooksPage {
            heading: "Runbooks".into(),
            runbooks,
            systems: Vec::new(),
            total,
            up: None,
            checklists,
        };
        return vec![index_page("runbooks/", data)];
    }
    let mut by_system: BTreeMap<&str, Vec<RunbookLink>> = BTreeMap::new();
    let mut front = Vec::new();
    for runbook in &runbooks {
        let rollback = content
            .systems
            .iter()
            .any(|s| s.rollback_runbook == runbook.slug);
        if rollback || runbook.system.is_none() {
            front.push(runbook.clone());
        }
        if let Some(system) = &runbook.system {
            by_system
                .entry(system.as_str())
                .or_default()
                .push(runbook.clone());
        }
    }
    let mut pages = Vec::new();
    let mut systems = Vec::new();
    for system in &content.systems {
        let Some(listed) = by_system.remove(system.id.as_str()) else {
            continue;
        };
        let path = format!("runbooks/{RUNBOOKS_BY_SYSTEM}/{}/", system.id);
        systems.push(RunbookGroup {
            name: system.name.clone(),
            path: path.clone(),
            count: listed.len(),
        });
        let data = RunbooksPage {
            heading: format!("{} runbooks", system.name),
            runbooks: listed,
            systems: Vec::new(),
            total,
            up: Some("runbooks/".into()),
            checklists: Vec::new(),
        };
        pages.push(index_page(&path, data));
    }
    let data = RunbooksPage {
        heading: "Runbooks".into(),
        runbooks: front,
        systems,
        total,
        up: None,
        checklists,
    };
    pages.insert(0, index_page("runbooks/", data));
    pages
}

fn index_page(path: &str, data: RunbooksPage) -> Page {
    let title = data.heading.clone();
    page(
        path,
        "runbooks.html",
        "runbooks",
        &title,
        PageData::Runbooks(data),
    )
}
