//! Git facts on pages: changelogs and plan vs actual on release pages, full history on
//! system pages, review dates on every runbook link, and the `/releases/slips/` report.
//!
//! Runs after the pages are built, so pages stay buildable without git; it only copies
//! facts the history stage computed.

use std::collections::{BTreeMap, HashSet};

use rayon::prelude::*;

use super::pages::{
    PageData, ReleasePage, SlipView, SlipsPage, SystemPage, SystemSlips, SYSTEM_PAGE_CHANGELOGS,
    SYSTEM_PAGE_UNTRACKED,
};
use super::views::{release_path, system_name, RunbookLink, SystemRollback};
use super::Page;
use crate::content::Content;
use crate::history::{Facts, RunbookReview, SystemHistory};

/// Adds what git says about a release to its page: tag, plan vs actual, changelog, and
/// the review dates of its runbooks.
pub fn join_release(
    data: &mut ReleasePage,
    facts: &Facts,
    reviews: &BTreeMap<String, RunbookReview>,
) {
    let system = facts.systems.get(&data.release.system);
    let version = data.release.version.as_str();
    data.git = system
        .and_then(|s| s.releases.iter().find(|r| r.version == version))
        .cloned();
    data.changelog = system
        .and_then(|s| {
            s.changelogs
                .iter()
                .find(|c| c.version.as_deref() == Some(version))
        })
        .filter(|c| c.commit_count > 0)
        .cloned();
    data.history_partial = system.is_some_and(|s| s.shallow);
    review_link(&mut data.rollback_runbook, reviews);
    data.runbooks
        .iter_mut()
        .for_each(|r| r.review = reviews.get(&r.slug).cloned());
}

/// Adds what git knows to `pages`, and the slips report page. Release and runbook pages
/// are still pending here: they get it when they are built (`SiteModel::resolve`).
pub fn attach(
    pages: &mut Vec<Page>,
    content: &Content,
    facts: &Facts,
    reviews: &BTreeMap<String, RunbookReview>,
) {
    // Pages are independent here; the system pages' histories are the costly part.
    pages.par_iter_mut().for_each(|page| match &mut page.data {
        PageData::System(data) => {
            data.history = facts
                .systems
                .get(&data.card.id)
                .filter(|h| h.available)
                .map(|h| newest_changelogs(content, h, data));
            data.trail_links = !facts.trails.is_empty();
            data.runbooks
                .iter_mut()
                .for_each(|r| r.review = reviews.get(&r.slug).cloned());
            review_rollback(&mut data.card.rollback, reviews);
        }
        PageData::Systems(data) => data
            .systems
            .iter_mut()
            .for_each(|card| review_rollback(&mut card.rollback, reviews)),
        PageData::Runbooks(data) => data
            .runbooks
            .iter_mut()
            .for_each(|r| r.review = reviews.get(&r.slug).cloned()),
        PageData::Home(data) => data
            .rollbacks
            .iter_mut()
            .for_each(|r| review_rollback(r, reviews)),
        _ => {}
    });
    let slips = slips_page(content, facts);
    pages.push(Page {
        path: "releases/slips/".into(),
        template: "slips.html",
        section: "releases",
        title: "Release slips: planned vs actual".into(),
        data: PageData::Slips(slips),
    });
}

/// `history` with only the newest `SYSTEM_PAGE_CHANGELOGS` changelogs and the newest
/// `SYSTEM_PAGE_UNTRACKED` tags without a release file; `page` learns how many older ones
/// were left out, those with a release page apart from the rest (a repository with
/// thousands of tags from before the portal must not swamp the page, nor be sent to
/// release pages that do not exist).
fn newest_changelogs(
    content: &Content,
    history: &SystemHistory,
    page: &mut SystemPage,
) -> SystemHistory {
    // Field by field, so only the changelogs shown are cloned (a system's whole history is
    // thousands of commits), and a field added later cannot be forgotten.
    let SystemHistory {
        system,
        name,
        repo,
        available,
        shallow,
        tag_pattern,
        tags,
        changelogs,
        unreleased,
        untracked,
        releases,
        slips,
    } = history;
    let newest = SystemHistory {
        system: system.clone(),
        name: name.clone(),
        repo: repo.clone(),
        available: *available,
        shallow: *shallow,
        tag_pattern: tag_pattern.clone(),
        tags: tags.clone(),
        changelogs: changelogs[..changelogs.len().min(SYSTEM_PAGE_CHANGELOGS)].to_vec(),
        unreleased: unreleased.clone(),
        untracked: untracked[..untracked.len().min(SYSTEM_PAGE_UNTRACKED)].to_vec(),
        releases: releases.clone(),
        slips: slips.clone(),
    };
    let with_page: HashSet<String> = content
        .releases
        .iter()
        .filter(|r| r.system == history.system)
        .map(|r| r.version.to_string())
        .collect();
    let (mut older, mut older_untracked) = (0, 0);
    for changelog in &history.changelogs[newest.changelogs.len()..] {
        match &changelog.version {
            Some(version) if with_page.contains(version) => older += 1,
            _ => older_untracked += 1,
        }
    }
    page.older_changelogs = older;
    page.older_untracked = older_untracked;
    page.untracked_more = history.untracked.len() - newest.untracked.len();
    newest
}

fn review_link(link: &mut Option<RunbookLink>, reviews: &BTreeMap<String, RunbookReview>) {
    if let Some(link) = link {
        link.review = reviews.get(&link.slug).cloned();
    }
}

fn review_rollback(rollback: &mut SystemRollback, reviews: &BTreeMap<String, RunbookReview>) {
    review_link(&mut rollback.runbook, reviews);
}

fn slips_page(content: &Content, facts: &Facts) -> SlipsPage {
    let systems: Vec<SystemSlips> = content
        .systems
        .iter()
        .filter_map(|system| {
            let history = facts.systems.get(&system.id)?;
            (!history.slips.is_empty()).then(|| SystemSlips {
                system: system.id.clone(),
                system_name: system_name(content, &system.id),
                slips: history
                    .slips
                    .iter()
                    .map(|slip| SlipView {
                        slip: slip.clone(),
                        path: release_path(&system.id, &slip.version),
                    })
                    .collect(),
            })
        })
        .collect();
    SlipsPage {
        count: systems.iter().map(|s| s.slips.len()).sum(),
        systems,
    }
}
