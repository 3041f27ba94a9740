//! Release index pages: every release, and the filters by system, type and status, each
//! split into pages small enough to load on a phone at 10,000 releases.
//!
//! Every listing has a page per year (`releases/2026/`), so a year's address works whatever
//! the portal's size; a year that does not fit on a page (`PAGE_ROWS`) is split by month
//! (`releases/2026/11/`), its year page then listing the months. The listing's own page
//! (`releases/`) shows all of it when it fits, else the months around the build's "now"
//! (see `current_period`). Pages link to each other with plain links (breadcrumbs,
//! year and month navigation, previous / next): nothing needs JavaScript. This module only
//! decides what each page holds; templates format it.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::releases::{capitalize, facets, Facet, FacetOption};
use super::*;
use crate::content::Content;

/// The most releases one listing page shows. At about 400 bytes a row (up to twice that with
/// a title and a status note) plus the page's navigation, a page stays under 200 KB.
pub const PAGE_ROWS: usize = 200;

#[derive(Debug, Clone, Serialize)]
pub struct ReleasesPage {
    pub heading: String,
    /// The filter this page shows, e.g. "status: released"; `None` for all releases.
    pub filter: Option<String>,
    /// The part of the listing this page shows ("2026", "November 2026",
    /// "November 2026 to February 2027"); `None` when it shows the whole listing.
    pub period: Option<String>,
    pub months: Vec<MonthGroup>,
    /// Releases on this page.
    pub count: usize,
    /// Releases in the whole listing.
    pub total: usize,
    /// The filters; on a year or month page each goes to the same year or month of its
    /// listing when that page exists (else its year's, else the listing's own page).
    pub facets: Vec<Facet>,
    /// The "All releases" link: `releases/`, or on a year or month page that period of it.
    pub all_path: String,
    /// Up links, from "Releases" to the page above this one.
    pub breadcrumbs: Vec<PageLink>,
    /// Every year of the listing (empty when the listing is one page).
    pub years: Vec<PeriodLink>,
    /// The months of the year shown, when that year is split by month.
    pub year_months: Vec<PeriodLink>,
    /// A year split by month: its page lists the months instead of the releases.
    pub overview: bool,
    /// The listing's own page (`releases/`, `releases/by-type/major/`), which its filter
    /// link marks as current.
    pub front: bool,
    /// On a split listing's own page: it shows the build's month or later ones (else nothing
    /// is that recent, and it shows the latest months).
    pub upcoming: bool,
    pub previous: Option<PageLink>,
    pub next: Option<PageLink>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PageLink {
    pub label: String,
    pub path: String,
}

/// A year or month of a listing, with how many releases it has.
#[derive(Debug, Clone, Serialize)]
pub struct PeriodLink {
    pub label: String,
    pub path: String,
    pub count: usize,
    pub current: bool,
}

/// One listing: its page, heading, filter, and the releases it keeps (in window order).
struct Listing {
    base: String,
    heading: String,
    filter: Option<String>,
    releases: Vec<Shared<ReleaseSummary>>,
}

/// A year of a listing, grouped by month.
struct Year {
    year: String,
    months: Vec<MonthGroup>,
    count: usize,
}

impl Year {
    fn split(&self) -> bool {
        self.count > PAGE_ROWS
    }
}

pub(super) fn release_index_pages(
    content: &Content,
    summaries: &[ReleaseSummary],
    now: DateTime<Utc>,
) -> Vec<Page> {
    let current_month = now
        .with_timezone(&content.portal.timezone)
        .format("%Y-%m")
        .to_string();
    let facets = facets(content, summaries);
    // One copy of each summary for every listing that shows it (all, its system, type and
    // status, and their front pages) rather than one each.
    let shared: Vec<Shared<ReleaseSummary>> = summaries.iter().cloned().map(Shared::new).collect();
    let mut pages: Vec<(String, Page)> = listings(content, &shared)
        .into_iter()
        .flat_map(|listing| {
            let facets = current_facet(&facets, &listing.base);
            listing_pages(&listing, facets, &current_month)
                .into_iter()
                .map(move |page| (listing.base.clone(), page))
        })
        .collect();
    let existing: HashSet<String> = pages.iter().map(|(_, p)| p.path.clone()).collect();
    for (base, page) in &mut pages {
        let period = page.path.strip_prefix(base.as_str()).unwrap_or_default();
        if let (false, PageData::Releases(data)) = (period.is_empty(), &mut page.data) {
            filters_in_period(data, period, &existing);
        }
    }
    pages.into_iter().map(|(_, page)| page).collect()
}

/// Points a year or month page's filters (`period` is `2023/` or `2026/11/`) at the same
/// period of each listing: a reader looking at 2023 who picks a system wants its 2023.
fn filters_in_period(data: &mut ReleasesPage, period: &str, existing: &HashSet<String>) {
    // A month page falls back to its year's page (that listing's year is not split).
    let year = period.get(..5).unwrap_or(period);
    let in_period = |base: &str| {
        [period, year]
            .iter()
            .map(|p| format!("{base}{p}"))
            .find(|path| existing.contains(path))
            .unwrap_or_else(|| base.to_owned())
    };
    for option in data.facets.iter_mut().flat_map(|f| f.options.iter_mut()) {
        option.path = in_period(&option.path);
    }
    data.all_path = in_period("releases/");
}

/// Every listing: all releases, then by system, type and status.
fn listings(content: &Content, summaries: &[Shared<ReleaseSummary>]) -> Vec<Listing> {
    let listing = |base: String,
                   heading: String,
                   filter: Option<String>,
                   keep: &dyn Fn(&ReleaseSummary) -> bool| Listing {
        base,
        heading,
        filter,
        releases: summaries.iter().filter(|s| keep(s)).cloned().collect(),
    };
    let mut listings = vec![listing(
        "releases/".into(),
        "All releases".into(),
        None,
        &|_| true,
    )];
    for system in &content.systems {
        listings.push(listing(
            format!("releases/{}/", system.id),
            format!("{} releases", system.name),
            Some(format!("system: {}", system.name)),
            &|s| s.system == system.id,
        ));
    }
    for kind in ["major", "minor", "patch", "emergency"] {
        listings.push(listing(
            format!("releases/by-type/{kind}/"),
            format!("{} releases", capitalize(kind)),
            Some(format!("type: {kind}")),
            &|s| s.kind == kind,
        ));
    }
    for status in [
        "planned",
        "approved",
        "in-progress",
        "released",
        "rolled-back",
        "cancelled",
    ] {
        listings.push(listing(
            format!("releases/by-status/{status}/"),
            format!("Releases: {}", status.replace('-', " ")),
            Some(format!("status: {status}")),
            &|s| s.status == status,
        ));
    }
    listings
}

/// The facets with the listing at `base` marked as the current one.
fn current_facet(facets: &[Facet], base: &str) -> Vec<Facet> {
    facets
        .iter()
        .map(|f| Facet {
            label: f.label,
            options: f
                .options
                .iter()
                .map(|o| FacetOption {
                    current: o.path == base,
                    ..o.clone()
                })
                .collect(),
        })
        .collect()
}

/// The pages of one listing: its own page, each year, and each month of a split year.
fn listing_pages(listing: &Listing, facets: Vec<Facet>, current_month: &str) -> Vec<Page> {
    let total = listing.releases.len();
    let template = ReleasesPage {
        heading: listing.heading.clone(),
        filter: listing.filter.clone(),
        period: None,
        months: Vec::new(),
        count: 0,
        total,
        facets,
        all_path: "releases/".into(),
        breadcrumbs: Vec::new(),
        years: Vec::new(),
        year_months: Vec::new(),
        overview: false,
        front: false,
        upcoming: false,
        previous: None,
        next: None,
    };
    let all_months = group_by_month(listing.releases.clone());
    if all_months.is_empty() {
        let data = ReleasesPage {
            front: true,
            ..template
        };
        return vec![releases_page(&listing.base, data)];
    }
    let years = by_year(all_months);
    let mut pages = vec![front_page(listing, &years, &template, current_month)];
    for (index, year) in years.iter().enumerate() {
        pages.push(year_page(listing, &years, index, &template));
        if year.split() {
            for month in 0..year.months.len() {
                pages.push(month_page(listing, &years, (index, month), &template));
            }
        }
    }
    pages
}

fn releases_page(path: &str, data: ReleasesPage) -> Page {
    let title = match &data.period {
        Some(period) => format!("{}, {period}", data.heading),
        None => data.heading.clone(),
    };
    page(
        path,
        "releases.html",
        "releases",
        &title,
        PageData::Releases(data),
    )
}

/// Months grouped by year (`YYYY` of `YYYY-MM`), in order.
fn by_year(months: Vec<MonthGroup>) -> Vec<Year> {
    let mut years: Vec<Year> = Vec::new();
    for month in months {
        let year = month.month.get(..4).unwrap_or_default().to_owned();
        match years.last_mut() {
            Some(last) if last.year == year => {
                last.count += month.releases.len();
                last.months.push(month);
            }
            _ => years.push(Year {
                year,
                count: month.releases.len(),
                months: vec![month],
            }),
        }
    }
    years
}

fn year_path(base: &str, year: &Year) -> String {
    format!("{base}{}/", year.year)
}

/// `2026-11` -> `releases/2026/11/`.
fn month_path(base: &str, month: &MonthGroup) -> String {
    format!("{base}{}/", month.month.replace('-', "/"))
}

/// The page a month's releases are listed on: its own in a split year, else its year's.
fn leaf(base: &str, year: &Year, month: &MonthGroup) -> PageLink {
    if year.split() {
        PageLink {
            label: month.label.clone(),
            path: month_path(base, month),
        }
    } else {
        PageLink {
            label: year.year.clone(),
            path: year_path(base, year),
        }
    }
}

fn year_links(base: &str, years: &[Year], current: Option<usize>) -> Vec<PeriodLink> {
    years
        .iter()
        .enumerate()
        .map(|(index, year)| PeriodLink {
            label: year.year.clone(),
            path: year_path(base, year),
            count: year.count,
            current: Some(index) == current,
        })
        .collect()
}

fn month_links(base: &str, year: &Year, current: Option<usize>) -> Vec<PeriodLink> {
    year.months
        .iter()
        .enumerate()
        .map(|(index, month)| PeriodLink {
            // "November 2026" -> "November": the year is said around it.
            label: month.label.split(' ').next().unwrap_or_default().to_owned(),
            path: month_path(base, month),
            count: month.releases.len(),
            current: Some(index) == current,
        })
        .collect()
}

fn base_crumbs(listing: &Listing) -> Vec<PageLink> {
    let mut crumbs = vec![PageLink {
        label: "Releases".into(),
        path: "releases/".into(),
    }];
    if listing.filter.is_some() {
        crumbs.push(PageLink {
            label: listing.heading.clone(),
            path: listing.base.clone(),
        });
    }
    crumbs
}

/// The listing's own page: the months around the build's (see `current_period`).
fn front_page(
    listing: &Listing,
    years: &[Year],
    template: &ReleasesPage,
    current_month: &str,
) -> Page {
    let months: Vec<(usize, &MonthGroup)> = years
        .iter()
        .enumerate()
        .flat_map(|(y, year)| year.months.iter().map(move |m| (y, m)))
        .collect();
    let (from, to) = current_period(&months, current_month);
    let upcoming = months[to - 1].1.month.as_str() >= current_month;
    let shown = &months[from..to];
    let link = |(y, month): &(usize, &MonthGroup)| leaf(&listing.base, &years[*y], month);
    let period = match (shown.first(), shown.last()) {
        // A listing that fits shows all of itself: no period to name.
        _ if from == 0 && to == months.len() => None,
        (Some(first), Some(last)) if first.1.month != last.1.month => {
            Some(format!("{} to {}", first.1.label, last.1.label))
        }
        (Some(first), _) => Some(first.1.label.clone()),
        _ => None,
    };
    let data = ReleasesPage {
        period,
        months: shown.iter().map(|(_, m)| (*m).clone()).collect(),
        count: shown.iter().map(|(_, m)| m.releases.len()).sum(),
        // Up from a filter is all releases; all releases is the top.
        breadcrumbs: base_crumbs(listing)
            .into_iter()
            .take(usize::from(listing.filter.is_some()))
            .collect(),
        years: year_links(&listing.base, years, None),
        front: true,
        upcoming,
        previous: from.checked_sub(1).map(|i| link(&months[i])),
        next: months.get(to).map(link),
        ..template.clone()
    };
    let mut page = releases_page(&listing.base, data);
    // The listing's own page keeps its plain title: it is what the navigation calls it.
    page.title = listing.heading.clone();
    page
}

/// The range of `months` (each with its year's index) the front page shows: from the
/// build's month on, as many whole months as fit (at least one), then, with room left, the
/// months before it; when nothing is that recent, the latest months that fit.
fn current_period(months: &[(usize, &MonthGroup)], current_month: &str) -> (usize, usize) {
    let rows = |i: usize| months[i].1.releases.len();
    let start = months
        .iter()
        .position(|(_, m)| m.month.as_str() >= current_month)
        .unwrap_or(months.len().saturating_sub(1));
    let (mut from, mut to, mut count) = (start, start + 1, rows(start));
    while to < months.len() && count + rows(to) <= PAGE_ROWS {
        count += rows(to);
        to += 1;
    }
    while from > 0 && count + rows(from - 1) <= PAGE_ROWS {
        count += rows(from - 1);
        from -= 1;
    }
    (from, to)
}

/// A year of the listing: its releases, or (split) the list of its months.
fn year_page(listing: &Listing, years: &[Year], index: usize, template: &ReleasesPage) -> Page {
    let year = &years[index];
    let neighbour = |i: Option<usize>| {
        i.and_then(|i| years.get(i)).map(|y| PageLink {
            label: y.year.clone(),
            path: year_path(&listing.base, y),
        })
    };
    let data = ReleasesPage {
        period: Some(year.year.clone()),
        months: if year.split() {
            Vec::new()
        } else {
            year.months.clone()
        },
        count: year.count,
        breadcrumbs: base_crumbs(listing),
        years: year_links(&listing.base, years, Some(index)),
        year_months: if year.split() {
            month_links(&listing.base, year, None)
        } else {
            Vec::new()
        },
        overview: year.split(),
        previous: neighbour(index.checked_sub(1)),
        next: neighbour(Some(index + 1)),
        ..template.clone()
    };
    releases_page(&year_path(&listing.base, year), data)
}

/// A month of a split year. Previous / next go to the pages of the months around it, which
/// may be in the years around it.
fn month_page(
    listing: &Listing,
    years: &[Year],
    (y, m): (usize, usize),
    template: &ReleasesPage,
) -> Page {
    let (year, month) = (&years[y], &years[y].months[m]);
    let previous = match m.checked_sub(1) {
        Some(before) => Some(leaf(&listing.base, year, &year.months[before])),
        None => y.checked_sub(1).and_then(|before| {
            let year = &years[before];
            year.months
                .last()
                .map(|last| leaf(&listing.base, year, last))
        }),
    };
    let next = match year.months.get(m + 1) {
        Some(after) => Some(leaf(&listing.base, year, after)),
        None => years.get(y + 1).and_then(|year| {
            year.months
                .first()
                .map(|first| leaf(&listing.base, year, first))
        }),
    };
    let mut breadcrumbs = base_crumbs(listing);
    breadcrumbs.push(PageLink {
        label: year.year.clone(),
        path: year_path(&listing.base, year),
    });
    let data = ReleasesPage {
        period: Some(month.label.clone()),
        months: vec![month.clone()],
        count: month.releases.len(),
        breadcrumbs,
        years: year_links(&listing.base, years, Some(y)),
        year_months: month_links(&listing.base, year, Some(m)),
        previous,
        next,
        ..template.clone()
    };
    releases_page(&month_path(&listing.base, month), data)
}

#[cfg(test)]
mod tests;
