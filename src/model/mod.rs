//! Site model: every page of the portal as plain data, sorted and linked.
//!
//! This is the contract between the enrich stages (validation, git history, calendar) and
//! rendering: `build` turns `Content` into a `SiteModel`; templates only format it. No I/O
//! happens here, and nothing here reads the clock: "now" is an input, so builds are
//! reproducible.

pub mod announce;
pub mod git;
pub mod live;
pub mod memo;
mod pages;
pub mod production;
pub mod schedule;
pub mod system_versions;
pub mod trains;
pub mod verify;
pub mod views;

use std::borrow::Cow;
use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::content::Content;
use crate::history::{Facts, RunbookReview};
use crate::markdown::slugify;
pub use pages::*;

/// Inputs of a build besides the content.
#[derive(Debug, Clone)]
pub struct BuildInputs {
    /// "Today" for upcoming/recent lists, staleness and the calendar's current month.
    pub now: DateTime<Utc>,
}

/// Data every template gets as `site`.
#[derive(Debug, Clone, Serialize)]
pub struct SiteInfo {
    pub title: String,
    pub description: String,
    pub base_url: String,
    /// The path part of `base_url`: `/` or `/portal/`. Internal links start with it.
    pub root: String,
    /// Slug of the title: the widget's storage namespace.
    pub portal_key: String,
    pub timezone: String,
    pub built_on: String,
    /// The exact build time in the portal's zone: `Mon 30 Nov 2026, 07:13 CET`; now-facts
    /// read "as of" it without JavaScript.
    pub built_at: String,
    /// The live layer's frame (build time, staleness, data horizon, zone offsets).
    pub live: live::LiveFrame,
    pub generator_version: &'static str,
    /// Changes when the stylesheet changes, to bust caches.
    pub css_version: String,
    pub nav: Vec<NavItem>,
}

#[derive(Debug, Clone, Serialize)]
pub struct NavItem {
    pub label: &'static str,
    pub path: &'static str,
    pub section: &'static str,
}

/// One HTML page to render.
#[derive(Debug, Clone)]
pub struct Page {
    /// Output path relative to the site root: `releases/a/1.0.0/` (a directory, written as
    /// `index.html` inside it), `` for the home page, or a file name such as `404.html`.
    pub path: String,
    pub template: &'static str,
    /// Which navigation entry is current.
    pub section: &'static str,
    pub title: String,
    pub data: PageData,
}

impl Page {
    /// Whether the page shows time-dependent facts, so it gets the live layer (its frame and
    /// the client runtime).
    pub fn is_live(&self) -> bool {
        matches!(
            self.template,
            "index.html"
                | "calendar.html"
                | "contacts.html"
                | "system.html"
                | "systems.html"
                | "release.html"
                | "releases.html"
                | "runbook.html"
                | "production.html"
        )
    }

    /// Feeds `fingerprint` what names the page, apart from its data: its template,
    /// section, title and path. Page fingerprints and release memo keys both start so.
    pub fn feed_name<'f>(
        &self,
        fingerprint: &'f mut crate::cache::Fingerprint,
    ) -> &'f mut crate::cache::Fingerprint {
        fingerprint
            .text(self.template)
            .text(self.section)
            .text(&self.title)
            .text(&self.path)
    }

    /// The file this page is written to, relative to the output dir.
    pub fn output_file(&self) -> String {
        if self.path.is_empty() || self.path.ends_with('/') {
            format!("{}index.html", self.path)
        } else {
            self.path.clone()
        }
    }
}

#[derive(Debug, Clone)]
pub struct SiteModel {
    pub site: SiteInfo,
    /// Every page; release pages as `PageData::Pending` until `resolve`d.
    pub pages: Vec<Page>,
    /// "Now" of this build, for feeds that look ahead (on-call shifts).
    pub now: DateTime<Utc>,
    /// What release pages are built from.
    pub releases: ReleaseIndex,
    /// When each runbook was last reviewed (empty without git history).
    pub reviews: BTreeMap<String, RunbookReview>,
}

impl SiteModel {
    /// `page` with all its data: a pending release or runbook page is built here, with what
    /// git says about it joined in, so those pages (and their Markdown) exist one at a time
    /// while the site renders, in parallel.
    /// `content` and `history` must be the ones the model was built from.
    pub fn resolve<'p>(
        &self,
        content: &Content,
        history: Option<&Facts>,
        page: &'p Page,
    ) -> Cow<'p, Page> {
        match page.data {
            PageData::Pending(PendingPage::Release(index)) => {
                let mut data = release_page(content, &self.releases, index);
                if let Some(facts) = history {
                    git::join_release(&mut data, facts, &self.reviews);
                    let file = &content.releases[index].source.file;
                    data.trail = facts.trail(file).map(pages::trail_view);
                }
                let context = verify::VerifyContext {
                    content,
                    release: &content.releases[index],
                    facts: history,
                    now: self.now,
                    clock: self.releases.clock,
                    root: &self.site.root,
                };
                verify::apply(&mut data, &context);
                Cow::Owned(Page {
                    data: PageData::Release(Box::new(data)),
                    ..page.clone()
                })
            }
            PageData::Pending(PendingPage::Runbook(index)) => {
                let mut data = runbook_page(content, &self.releases, index);
                data.runbook.review = self.reviews.get(&data.runbook.slug).cloned();
                Cow::Owned(Page {
                    data: PageData::Runbook(Box::new(data)),
                    ..page.clone()
                })
            }
            _ => Cow::Borrowed(page),
        }
    }
}

const NAV: [NavItem; 7] = [
    NavItem {
        label: "Home",
        path: "",
        section: "home",
    },
    NavItem {
        label: "Production",
        path: "production/",
        section: "production",
    },
    NavItem {
        label: "Calendar",
        path: "calendar/",
        section: "calendar",
    },
    NavItem {
        label: "Releases",
        path: "releases/",
        section: "releases",
    },
    NavItem {
        label: "Systems",
        path: "systems/",
        section: "systems",
    },
    NavItem {
        label: "Runbooks",
        path: "runbooks/",
        section: "runbooks",
    },
    NavItem {
        label: "Contacts",
        path: "contacts/",
        section: "contacts",
    },
];

/// Builds the site model. `css_version` identifies the stylesheet in use.
pub fn build(
    content: &Content,
    inputs: &BuildInputs,
    css_version: String,
    history: Option<&Facts>,
) -> SiteModel {
    let portal = &content.portal;
    let site = SiteInfo {
        title: portal.title.clone(),
        description: portal.description.clone().unwrap_or_else(|| {
            format!(
                "Releases, calendar, runbooks and contacts of {}",
                portal.title
            )
        }),
        base_url: portal.base_url.clone(),
        root: base_path(&portal.base_url),
        portal_key: slugify(&portal.title),
        timezone: portal.timezone.name().to_owned(),
        built_on: inputs
            .now
            .with_timezone(&portal.timezone)
            .format("%-d %b %Y")
            .to_string(),
        built_at: views::Clock {
            zone: portal.timezone,
        }
        .date_time(inputs.now),
        live: live::LiveFrame::new(inputs.now, portal.timezone, portal.stale_after_hours),
        generator_version: env!("CARGO_PKG_VERSION"),
        css_version,
        nav: NAV.to_vec(),
    };
    // The production page, the plan pages and the runbook reviews read no other page:
    // made beside the pages (parts of which are serial), not after them.
    let ((mut pages, releases), (production, plan, reviews)) = rayon::join(
        || pages::all_pages(content, inputs, &site),
        || {
            let production = production::page(content, history, inputs.now);
            let today = inputs.now.with_timezone(&portal.timezone).date_naive();
            let reviews = history
                .map(|facts| crate::history::review_runbooks(facts, content, today))
                .unwrap_or_default();
            (production, plan_pages(content, history), reviews)
        },
    );
    pages.push(Page {
        path: "production/".into(),
        template: "production.html",
        section: "production",
        title: "Production now".into(),
        data: PageData::Production(Box::new(production)),
    });
    pages.extend(plan);
    if let Some(facts) = history {
        git::attach(&mut pages, content, facts, &reviews);
    }
    SiteModel {
        site,
        pages,
        now: inputs.now,
        releases,
        reviews,
    }
}

/// `/system-versions/`, `/trains/` and the pages below them.
fn plan_pages(content: &Content, history: Option<&Facts>) -> Vec<Page> {
    let clock = views::Clock {
        zone: content.portal.timezone,
    };
    let page = |path: String, template, title: String, data| Page {
        path,
        template,
        section: "production",
        title,
        data,
    };
    let manifests = system_versions::manifests(content);
    let mut pages = vec![page(
        "system-versions/".into(),
        "system-versions.html",
        "System versions".into(),
        PageData::SystemVersions(system_versions::index_page(content, &manifests, clock)),
    )];
    for (index, manifest) in manifests.iter().enumerate() {
        let data = system_versions::page(content, history, &manifests, index, clock);
        pages.push(page(
            system_versions::path(&manifest.slug),
            "system-version.html",
            format!("System version {}", manifest.name),
            PageData::SystemVersion(Box::new(data)),
        ));
    }
    let trains: Vec<trains::TrainPage> = content
        .plan
        .trains
        .iter()
        .map(|t| trains::train_page(content, t, clock))
        .collect();
    pages.push(page(
        "trains/".into(),
        "trains.html",
        "Release trains".into(),
        PageData::Trains(trains::TrainsPage {
            trains: trains.clone(),
        }),
    ));
    for (train, data) in content.plan.trains.iter().zip(trains) {
        pages.push(page(
            data.path.clone(),
            "train.html",
            train.name.clone(),
            PageData::Train(Box::new(data)),
        ));
        for (index, departure) in train.departures.iter().enumerate() {
            let data = trains::departure_page(content, train, index, clock);
            pages.push(page(
                trains::departure_path(train, departure),
                "departure.html",
                format!("{}, departure {}", train.name, departure.number),
                PageData::Departure(Box::new(data)),
            ));
        }
    }
    pages
}

/// The path of a base URL: `https://x.org/portal` -> `/portal/`.
pub fn base_path(base_url: &str) -> String {
    crate::validate::base_url::path(base_url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_paths() {
        assert_eq!(base_path("https://releases.example.com/"), "/");
        assert_eq!(base_path("https://releases.example.com"), "/");
        assert_eq!(base_path("https://example.com/portal"), "/portal/");
        assert_eq!(base_path("http://127.0.0.1:1111/"), "/");
        assert_eq!(base_path("/sub/"), "/sub/");
    }
}
