//! Pages: which pages the portal has and the data of each.

use rayon::prelude::*;
use serde::Serialize;

use super::schedule::{self, CalendarPage};
use super::views::*;
use super::{BuildInputs, Page, SiteInfo};
use crate::content::Content;
use crate::markdown;

mod contacts;
mod home;
mod releases;
mod systems;
mod tickets;

pub use contacts::*;
pub use home::*;
pub use releases::*;
pub use systems::*;
pub use tickets::*;

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
    Slips(crate::model::git::SlipsPage),
    Tickets(TicketsPage),
    Empty {},
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
        .map(|r| ReleaseSummary::new(content, r, clock, now))
        .collect();
    // Who holds each rotation over the embedded span, once: every ladder on every page
    // shows it.
    let on_call_by_rotation: std::collections::BTreeMap<&str, Vec<_>> = content
        .rotations
        .iter()
        .map(|r| (r.id.as_str(), crate::model::live::on_call(content, r, now)))
        .collect();
    let on_call = |rotation: &str| {
        on_call_by_rotation
            .get(rotation)
            .cloned()
            .unwrap_or_default()
    };
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
    let ctx = ReleaseContext {
        content,
        summaries: &summaries,
        neighbours: ReleaseContext::neighbours(content),
        clock,
        root: &site.root,
        now,
        on_call: &on_call,
    };
    let release_pages: Vec<Page> = content
        .releases
        .par_iter()
        .enumerate()
        .map(|(index, release)| {
            let data = release_page(&ctx, release, index);
            let title = format!("{} {}", data.release.system_name, data.release.version);
            page(
                &data.release.path.clone(),
                "release.html",
                "releases",
                &title,
                PageData::Release(Box::new(data)),
            )
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
        "tickets/",
        "tickets.html",
        "releases",
        "Tickets",
        PageData::Tickets(tickets_page(content)),
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
