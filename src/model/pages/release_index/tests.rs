//! Unit tests of the release index pages: what each page of a listing holds and how the
//! pages link to each other.

use super::*;
use crate::calendar::testutil::{content, release, utc};
use crate::content::Release;

/// `per_month` payments releases in every month of `years`, and the pages of the
/// listing of all releases, built at 2026-11-25.
fn pages_of(years: std::ops::RangeInclusive<i32>, per_month: u32) -> Vec<Page> {
    let mut releases: Vec<Release> = Vec::new();
    for year in years {
        for month in 1..=12 {
            for day in 1..=per_month {
                let version = format!("{}.{month}.{day}", year - 2000);
                releases.push(release(
                    "payments",
                    &version,
                    utc(year, month, day, 8, 0),
                    60,
                ));
            }
        }
    }
    let content = Content {
        releases,
        ..content()
    };
    let now = utc(2026, 11, 25, 12, 0);
    let summaries = summaries_of(&content, now);
    release_index_pages(&content, &summaries, now)
        .into_iter()
        .filter(|p| p.title.starts_with("All releases"))
        .collect()
}

fn data<'a>(pages: &'a [Page], path: &str) -> &'a ReleasesPage {
    match pages.iter().find(|p| p.path == path).map(|p| &p.data) {
        Some(PageData::Releases(data)) => data,
        _ => panic!("no listing page {path}"),
    }
}

fn path(link: &Option<PageLink>) -> Option<&str> {
    link.as_ref().map(|l| l.path.as_str())
}

#[test]
fn a_listing_that_fits_is_shown_whole_and_has_its_year_pages_too() {
    let pages = pages_of(2026..=2027, 8);
    assert_eq!(pages.len(), 3, "releases/ and a page per year");
    let all = data(&pages, "releases/");
    assert_eq!(
        (all.count, all.total, all.period.as_deref()),
        (192, 192, None)
    );
    assert!(all.front && all.previous.is_none() && all.next.is_none());
    assert_eq!(all.years.len(), 2);
    let year = data(&pages, "releases/2026/");
    assert_eq!((year.count, year.months.len()), (96, 12));
    assert!(!year.overview && year.year_months.is_empty());
    assert_eq!(path(&year.next), Some("releases/2027/"));
}

#[test]
fn years_that_do_not_fit_are_split_by_month() {
    // 24 a month: 288 a year, more than a page holds.
    let pages = pages_of(2026..=2027, 24);
    let year = data(&pages, "releases/2026/");
    assert!(year.overview && year.months.is_empty());
    assert_eq!(year.year_months.len(), 12);
    assert_eq!(year.year_months[10].path, "releases/2026/11/");
    assert_eq!(
        (path(&year.previous), path(&year.next)),
        (None, Some("releases/2027/"))
    );
    let november = data(&pages, "releases/2026/11/");
    assert_eq!((november.count, november.total), (24, 576));
    assert_eq!(path(&november.previous), Some("releases/2026/10/"));
    assert_eq!(path(&november.next), Some("releases/2026/12/"));
    let december = data(&pages, "releases/2026/12/");
    assert_eq!(
        path(&december.next),
        Some("releases/2027/01/"),
        "across the year"
    );
    assert_eq!(
        november
            .breadcrumbs
            .iter()
            .map(|c| c.path.as_str())
            .collect::<Vec<_>>(),
        ["releases/", "releases/2026/"]
    );
    assert_eq!(pages.len(), 1 + 2 + 24, "front, two years, their months");
}

#[test]
fn the_listings_own_page_shows_this_month_and_the_next_ones_that_fit() {
    let pages = pages_of(2026..=2027, 24);
    let front = data(&pages, "releases/");
    let months: Vec<&str> = front.months.iter().map(|m| m.month.as_str()).collect();
    // November 2026 onwards, whole months up to 200 releases: 8 months of 24.
    assert_eq!(months.first().copied(), Some("2026-11"));
    assert_eq!(months.len(), 8);
    assert!(front.count <= PAGE_ROWS && front.front && front.upcoming);
    assert_eq!(path(&front.previous), Some("releases/2026/10/"));
    assert_eq!(path(&front.next), Some("releases/2027/07/"));
    assert_eq!(front.period.as_deref(), Some("November 2026 to June 2027"));
}

#[test]
fn with_few_releases_ahead_the_own_page_shows_recent_months_too() {
    let pages = pages_of(2025..=2026, 24);
    let front = data(&pages, "releases/");
    let months: Vec<&str> = front.months.iter().map(|m| m.month.as_str()).collect();
    assert_eq!(months.first().copied(), Some("2026-05"));
    assert_eq!(months.last().copied(), Some("2026-12"));
    assert!(front.upcoming && front.next.is_none());
    assert_eq!(path(&front.previous), Some("releases/2026/04/"));
}

#[test]
fn with_nothing_this_recent_the_own_page_shows_the_latest_months() {
    let pages = pages_of(2020..=2021, 24);
    let front = data(&pages, "releases/");
    assert!(!front.upcoming);
    assert_eq!(
        front.months.last().map(|m| m.month.as_str()),
        Some("2021-12")
    );
    assert_eq!(front.count, 192);
    assert!(front.next.is_none());
    assert_eq!(path(&front.previous), Some("releases/2021/04/"));
}

#[test]
fn every_listing_shows_one_shared_copy_of_each_summary() {
    let content = Content {
        releases: vec![
            release("payments", "2.4.0", utc(2026, 10, 6, 9, 0), 60),
            release("ledger", "1.2.0", utc(2026, 11, 20, 9, 0), 60),
        ],
        ..content()
    };
    let now = utc(2026, 11, 25, 12, 0);
    let summaries = summaries_of(&content, now);
    let pages = release_index_pages(&content, &summaries, now);
    let shown: Vec<&Shared<ReleaseSummary>> = pages
        .iter()
        .filter_map(|p| match &p.data {
            PageData::Releases(data) => Some(data),
            _ => None,
        })
        .flat_map(|data| data.months.iter().flat_map(|m| &m.releases))
        .filter(|s| s.version == "2.4.0")
        .collect();
    // All releases, its system, its type and its status; each a front and a year page.
    assert!(shown.len() >= 4, "{}", shown.len());
    assert!(shown.iter().all(|s| Shared::ptr_eq(s, shown[0])));
    assert_eq!(shown[0].path, summaries[0].path);
}

/// Every release's summary, as the model makes them.
fn summaries_of(content: &Content, now: DateTime<Utc>) -> Vec<ReleaseSummary> {
    let clock = Clock {
        zone: content.portal.timezone,
    };
    content
        .releases
        .iter()
        .map(|r| ReleaseSummary::new(content, r, clock, now))
        .collect()
}

/// The filter (and "All releases") links of `path`, by label.
fn filter_links(pages: &[Page], path: &str) -> Vec<(String, String)> {
    let page = data(pages, path);
    let mut links = vec![("All".to_owned(), page.all_path.clone())];
    for option in page.facets.iter().flat_map(|f| &f.options) {
        links.push((option.label.clone(), option.path.clone()));
    }
    links
}

fn link_of<'a>(links: &'a [(String, String)], label: &str) -> &'a str {
    links
        .iter()
        .find(|(l, _)| l == label)
        .map(|(_, p)| p.as_str())
        .unwrap_or_else(|| panic!("no filter {label}"))
}

#[test]
fn filters_on_a_year_or_month_page_go_to_that_period_of_each_listing() {
    // Payments: 20 a month in 2026 (a split year); ledger: one in 2025, one in Nov 2026.
    let mut releases: Vec<Release> = (1..=12)
        .flat_map(|month| {
            (1..=20).map(move |day| {
                let version = format!("26.{month}.{day}");
                release("payments", &version, utc(2026, month, day, 8, 0), 60)
            })
        })
        .collect();
    releases.push(release("ledger", "1.0.0", utc(2025, 3, 2, 8, 0), 60));
    releases.push(release("ledger", "1.1.0", utc(2026, 11, 3, 8, 0), 60));
    let content = Content {
        releases,
        ..content()
    };
    let now = utc(2026, 11, 25, 12, 0);
    let pages = release_index_pages(&content, &summaries_of(&content, now), now);
    let year = filter_links(&pages, "releases/2025/");
    assert_eq!(link_of(&year, "All"), "releases/2025/");
    assert_eq!(link_of(&year, "Ledger"), "releases/ledger/2025/");
    // Payments has no 2025 page: its own page.
    assert_eq!(link_of(&year, "Payments API"), "releases/payments/");
    // A month of a split year: the month where that listing splits it, else its year.
    let month = filter_links(&pages, "releases/2026/11/");
    assert_eq!(
        link_of(&month, "Payments API"),
        "releases/payments/2026/11/"
    );
    assert_eq!(link_of(&month, "Ledger"), "releases/ledger/2026/");
    assert_eq!(link_of(&month, "All"), "releases/2026/11/");
    // From a system's year page, "All releases" and the other filters keep the year.
    let ledger = filter_links(&pages, "releases/ledger/2025/");
    assert_eq!(link_of(&ledger, "All"), "releases/2025/");
    assert_eq!(link_of(&ledger, "Minor"), "releases/by-type/minor/2025/");
    // The listings' own pages link to the listings' own pages.
    let front = filter_links(&pages, "releases/");
    assert_eq!(link_of(&front, "All"), "releases/");
    assert_eq!(link_of(&front, "Ledger"), "releases/ledger/");
}
