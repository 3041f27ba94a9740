//! Pages: which pages the portal has and the data of each.

use chrono::{DateTime, Utc};
use rayon::prelude::*;
use serde::Serialize;

use super::schedule::{self, CalendarPage};
use super::views::*;
use super::{BuildInputs, Page, SiteInfo};
use crate::content::Content;
use crate::markdown;

mod calendar;
mod contacts;
mod history;
mod home;
mod release_index;
mod releases;
mod runbook_index;
mod systems;
mod tickets;

use calendar::calendar_pages;
pub use contacts::*;
pub use history::*;
pub use home::*;
pub use release_index::*;
pub use releases::*;
use runbook_index::runbook_index_pages;
pub use runbook_index::{RUNBOOKS_BY_SYSTEM, RUNBOOKS_PER_PAGE};
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
    Slips(SlipsPage),
    Production(Box<crate::model::production::ProductionPage>),
    Tickets(TicketsPage),
    SystemVersions(crate::model::system_versions::SystemVersionsPage),
    SystemVersion(Box<crate::model::system_versions::SystemVersionPage>),
    Trains(crate::model::trains::TrainsPage),
    Train(Box<crate::model::trains::TrainPage>),
    Departure(Box<crate::model::trains::DeparturePage>),
    Empty {},
    /// Built when rendered (`SiteModel::resolve`); never serialized.
    #[serde(skip)]
    Pending(PendingPage),
}

/// A page whose data is built only when it is rendered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PendingPage {
    /// The page of `content.releases[i]`.
    Release(usize),
    /// The page of `content.runbooks[i]`.
    Runbook(usize),
}

/// The page of `content.runbooks[index]`, without its review date (see `model::git`).
pub fn runbook_page(content: &Content, ctx: &ReleaseIndex, index: usize) -> RunbookPage {
    let runbook = &content.runbooks[index];
    let rendered = markdown::render(&runbook.body, &ctx.root, 2);
    let system = runbook.system.as_ref().and_then(|s| content.system(s));
    let on_call = &|rotation: &str| ctx.on_call(rotation);
    let escalation = system
        .and_then(|s| s.escalation.as_ref())
        .and_then(|l| content.ladder(l))
        .map(|l| LadderView::new(content, l, on_call));
    RunbookPage {
        runbook: RunbookLink::new(content, runbook),
        body_html: rendered.html,
        headings: rendered.headings,
        escalation,
        system_path: system.map(|s| format!("systems/{}/", s.id)),
    }
}

/// Every page of the portal, in a stable order, and what release pages are built from:
/// they are listed here as `PageData::Pending` and built one by one as they are rendered.
pub(super) fn all_pages(
    content: &Content,
    inputs: &BuildInputs,
    site: &SiteInfo,
) -> (Vec<Page>, ReleaseIndex) {
    let clock = Clock {
        zone: content.portal.timezone,
    };
    let now = inputs.now;
    // What every page needs, computed once: release summaries, neighbours, released versions
    // per system, and who holds each rotation over the embedded span (every ladder shows it).
    let index = ReleaseIndex {
        summaries: content
            .releases
            .par_iter()
            .map(|r| ReleaseSummary::new(content, r, clock, now))
            .collect(),
        neighbours: ReleaseIndex::neighbours(content),
        released: ReleasedVersions::new(content),
        on_call: content
            .rotations
            .iter()
            .map(|r| (r.id.clone(), crate::model::live::on_call(content, r, now)))
            .collect(),
        clock,
        root: site.root.clone(),
        now,
    };
    let summaries = &index.summaries;
    let on_call = |rotation: &str| index.on_call(rotation);
    let mut pages = vec![page(
        "",
        "index.html",
        "home",
        &site.title,
        PageData::Home(home(content, summaries, clock, now)),
    )];
    // The calendar, the release listings, the system pages and the ticket index are
    // independent of one another, and each a serial join over every release: built on both
    // cores, then added in the same order as ever.
    let ((calendar, listings), (systems, tickets)) = rayon::join(
        || {
            rayon::join(
                || calendar_pages(content, now),
                || release_index_pages(content, summaries, now),
            )
        },
        || {
            rayon::join(
                || system_pages(content, &index, now),
                || ticket_pages(content),
            )
        },
    );
    pages.extend(calendar);
    pages.extend(listings);
    pages.extend(summaries.iter().enumerate().map(|(index, summary)| {
        let title = format!("{} {}", summary.system_name, summary.version);
        page(
            &summary.path,
            "release.html",
            "releases",
            &title,
            PageData::Pending(PendingPage::Release(index)),
        )
    }));
    pages.extend(systems);
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
    pages.extend(runbook_index_pages(content, runbooks, checklists));
    pages.extend(content.runbooks.iter().enumerate().map(|(index, runbook)| {
        page(
            &format!("runbooks/{}/", runbook.slug),
            "runbook.html",
            "runbooks",
            &runbook.title,
            PageData::Pending(PendingPage::Runbook(index)),
        )
    }));
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
    for (path, data) in tickets {
        let title = match &data.range {
            Some(range) => format!("Tickets {range}"),
            None => "Tickets".to_owned(),
        };
        pages.push(page(
            &path,
            "tickets.html",
            "releases",
            &title,
            PageData::Tickets(data),
        ));
    }
    pages.push(page(
        "404.html",
        "404.html",
        "",
        "Page not found",
        PageData::Empty {},
    ));
    (pages, index)
}

/// `/systems/` and one page per system.
fn system_pages(content: &Content, index: &ReleaseIndex, now: DateTime<Utc>) -> Vec<Page> {
    let (summaries, released) = (&index.summaries, &index.released);
    let on_call = |rotation: &str| index.on_call(rotation);
    let cards: Vec<SystemCard> = content
        .systems
        .iter()
        .map(|s| system_card(content, s, summaries, now))
        .collect();
    let mut pages = vec![page(
        "systems/",
        "systems.html",
        "systems",
        "Systems",
        PageData::Systems(SystemsPage {
            systems: cards.clone(),
        }),
    )];
    for card in cards {
        let mut data = system_page(content, card, summaries, &on_call, released);
        release_history(&mut data, now);
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

#[cfg(test)]
mod tests;
