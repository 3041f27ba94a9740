//! Unit tests of the release pages' pure logic through the site model (`model::build`), so
//! they hold whatever indexes compute it: neighbours and dependencies by what was live.

use chrono::{DateTime, Utc};

use crate::calendar::testutil::{content, release, utc};
use crate::content::{Content, Dependency, Release, ReleaseStatus};
use crate::diagnostics::SourceRef;
use crate::model::{self, BuildInputs, PageData, ReleasePage};

fn released(system: &str, version: &str, start: DateTime<Utc>) -> Release {
    Release {
        status: ReleaseStatus::Released,
        ..release(system, version, start, 60)
    }
}

fn needs(mut dependent: Release, system: &str, requirement: &str) -> Release {
    dependent.depends_on.push(Dependency {
        system: system.to_owned(),
        requirement: semver::VersionReq::parse(requirement).expect("test requirement"),
        source: SourceRef::file("releases/x.md"),
    });
    dependent
}

/// The release pages of `releases` (sorted as validation sorts them), by `system version`.
fn release_pages(mut releases: Vec<Release>) -> Vec<(String, ReleasePage)> {
    releases.sort_by(|a, b| {
        (a.window.start, &a.system, &a.version).cmp(&(b.window.start, &b.system, &b.version))
    });
    let content = Content {
        releases,
        ..content()
    };
    let inputs = BuildInputs {
        now: utc(2026, 11, 25, 12, 0),
    };
    let site = model::build(&content, &inputs, "test".into(), None);
    // Release pages are built when they are rendered: resolve each as the render does.
    site.pages
        .iter()
        .filter_map(
            |page| match site.resolve(&content, None, page).into_owned().data {
                PageData::Release(data) => Some((
                    format!("{} {}", data.release.system, data.release.version),
                    *data,
                )),
                _ => None,
            },
        )
        .collect()
}

fn find<'a>(pages: &'a [(String, ReleasePage)], key: &str) -> &'a ReleasePage {
    &pages
        .iter()
        .find(|(k, _)| k == key)
        .unwrap_or_else(|| panic!("no page for {key}"))
        .1
}

fn version(summary: &Option<crate::model::views::ReleaseSummary>) -> Option<&str> {
    summary.as_ref().map(|s| s.version.as_str())
}

#[test]
fn neighbours_are_the_same_systems_releases_in_window_order() {
    let pages = release_pages(vec![
        release("payments", "1.2.0", utc(2026, 12, 3, 20, 0), 60),
        release("ledger", "3.0.0", utc(2026, 11, 2, 20, 0), 60),
        released("payments", "1.0.0", utc(2026, 11, 1, 20, 0)),
        released("payments", "1.1.0", utc(2026, 11, 3, 20, 0)),
    ]);
    let middle = find(&pages, "payments 1.1.0");
    assert_eq!(version(&middle.previous), Some("1.0.0"));
    assert_eq!(version(&middle.next), Some("1.2.0"));
    let first = find(&pages, "payments 1.0.0");
    assert_eq!(
        (version(&first.previous), version(&first.next)),
        (None, Some("1.1.0"))
    );
    let last = find(&pages, "payments 1.2.0");
    assert_eq!(
        (version(&last.previous), version(&last.next)),
        (Some("1.1.0"), None)
    );
    let alone = find(&pages, "ledger 3.0.0");
    assert!(alone.previous.is_none() && alone.next.is_none());
}

/// The one dependency of `payments 2.0.0` (window 2026-12-01 20:00) on ledger, with
/// `ledger` releases around it.
fn satisfied_by(requirement: &str, ledger: Vec<Release>) -> Option<String> {
    let dependent = needs(
        release("payments", "2.0.0", utc(2026, 12, 1, 20, 0), 60),
        "ledger",
        requirement,
    );
    let mut releases = ledger;
    releases.push(dependent);
    let pages = release_pages(releases);
    let page = find(&pages, "payments 2.0.0");
    assert_eq!(page.depends_on.len(), 1);
    assert_eq!(page.depends_on[0].system_name, "Ledger");
    assert_eq!(page.depends_on[0].system_path, "systems/ledger/");
    page.depends_on[0].satisfied_by.clone()
}

#[test]
fn a_dependency_is_met_by_the_newest_matching_release_live_at_the_window() {
    let before = utc(2026, 11, 20, 20, 0);
    let met = satisfied_by(
        ">=3.1.0, <4",
        vec![
            released("ledger", "3.0.0", utc(2026, 11, 1, 20, 0)),
            released("ledger", "3.1.0", utc(2026, 11, 10, 20, 0)),
            released("ledger", "3.2.0", before),
            released("ledger", "4.0.0", utc(2026, 11, 21, 20, 0)),
        ],
    );
    assert_eq!(met.as_deref(), Some("3.2.0"), "4.0.0 does not match");
}

#[test]
fn a_dependency_is_not_met_by_releases_that_are_not_live() {
    let planned = release("ledger", "3.1.0", utc(2026, 11, 20, 20, 0), 60);
    assert_eq!(satisfied_by(">=3.1.0", vec![planned]), None, "only planned");
    let old = released("ledger", "3.0.0", utc(2026, 11, 1, 20, 0));
    assert_eq!(satisfied_by(">=3.1.0", vec![old]), None, "no match");
    let rolled_back = Release {
        status: ReleaseStatus::RolledBack,
        ..release("ledger", "3.1.0", utc(2026, 11, 20, 20, 0), 60)
    };
    assert_eq!(
        satisfied_by(">=3.1.0", vec![rolled_back]),
        None,
        "rolled back"
    );
}

#[test]
fn a_dependency_released_after_the_window_is_met_too_late() {
    let late = released("ledger", "3.1.0", utc(2026, 12, 2, 20, 0));
    let early = released("ledger", "3.0.5", utc(2026, 11, 2, 20, 0));
    assert_eq!(satisfied_by(">=3.1.0", vec![late.clone()]), None);
    assert_eq!(
        satisfied_by(">=3.0.0", vec![late, early]).as_deref(),
        Some("3.0.5"),
        "the version live at the window, not the later one"
    );
}

#[test]
fn a_system_card_embeds_next_releases_only_up_to_the_live_data_horizon() {
    let content = Content {
        releases: vec![
            release("payments", "1.0.0", utc(2026, 12, 9, 20, 0), 60),
            release("payments", "2.0.0", utc(2027, 4, 14, 20, 0), 60),
            release("payments", "3.0.0", utc(2027, 6, 23, 20, 0), 60),
        ],
        ..content()
    };
    let inputs = BuildInputs {
        now: utc(2026, 11, 25, 12, 0),
    };
    let model = model::build(&content, &inputs, "test".into(), None);
    let card = model
        .pages
        .iter()
        .find_map(|page| match &page.data {
            PageData::System(data) if data.card.id == "payments" => Some(&data.card),
            _ => None,
        })
        .expect("the payments page");
    // 1.0.0 is next now; 2.0.0 from 1.0.0's end on, past the horizon (12 weeks, February
    // 2027); 3.0.0 would be next only after 2.0.0, when the live layer no longer applies.
    let next: Vec<&str> = card.next_live.iter().map(|s| s.version.as_str()).collect();
    assert_eq!(next, ["1.0.0", "2.0.0"]);
    assert_eq!(
        card.next.as_ref().map(|s| s.version.as_str()),
        Some("1.0.0")
    );
}

/// The payments system page of a portal with `past` releases before the build (weekly, up
/// to 2026-11-18) and `ahead` after it (weekly, from 2026-12-02).
fn system_page_with(past: i64, ahead: i64) -> crate::model::SystemPage {
    let week = chrono::Duration::weeks(1);
    let releases = (0..past)
        .map(|n| {
            released(
                "payments",
                &format!("1.{n}.0"),
                utc(2026, 11, 18, 20, 0) - week * (past - 1 - n) as i32,
            )
        })
        .chain((0..ahead).map(|n| {
            release(
                "payments",
                &format!("2.{n}.0"),
                utc(2026, 12, 2, 20, 0) + week * n as i32,
                60,
            )
        }))
        .collect();
    let content = Content {
        releases,
        ..content()
    };
    let inputs = BuildInputs {
        now: utc(2026, 11, 25, 12, 0),
    };
    model::build(&content, &inputs, "test".into(), None)
        .pages
        .into_iter()
        .find_map(|page| match page.data {
            PageData::System(data) if data.card.id == "payments" => Some(*data),
            _ => None,
        })
        .expect("the payments page")
}

#[test]
fn a_system_page_lists_the_next_few_and_the_latest_releases_and_links_the_rest() {
    let page = system_page_with(40, 10);
    let versions: Vec<&str> = page.releases.iter().map(|r| r.version.as_str()).collect();
    // Newest first: the five next ones, then the latest fifteen shipped.
    assert_eq!(versions.len(), 20);
    assert_eq!(
        &versions[..6],
        ["2.4.0", "2.3.0", "2.2.0", "2.1.0", "2.0.0", "1.39.0"]
    );
    assert_eq!(versions.last().copied(), Some("1.25.0"));
    assert_eq!(page.release_count, 50);
    let years: Vec<(&str, &str, usize)> = page
        .release_years
        .iter()
        .map(|y| (y.label.as_str(), y.path.as_str(), y.count))
        .collect();
    assert_eq!(
        years,
        [
            ("2026", "releases/payments/2026/", 45),
            ("2027", "releases/payments/2027/", 5)
        ]
    );
}

#[test]
fn a_system_page_with_few_releases_ahead_or_past_fills_up_with_the_others() {
    let mostly_ahead = system_page_with(2, 30);
    let versions: Vec<&str> = mostly_ahead
        .releases
        .iter()
        .map(|r| r.version.as_str())
        .collect();
    assert_eq!(versions.len(), 20);
    assert_eq!(&versions[16..], ["2.1.0", "2.0.0", "1.1.0", "1.0.0"]);
    let small = system_page_with(3, 2);
    assert_eq!(small.releases.len(), 5, "all of them");
    assert_eq!(small.release_count, 5);
}
