//! The release indexes of a large portal are split into pages small enough to load on a
//! phone (≤ 200 KB each), and every page of them is reachable from `releases/` with plain
//! links: no JavaScript needed to browse all releases. The home and system pages, which
//! list releases too, stay under the same size. The content repo is generated here,
//! in a temp dir (`SHIPBOARD_PAGINATION_RELEASES` sets how many releases, default 2,400;
//! `SHIPBOARD_PAGINATION_DIR` keeps the content and site there, to measure or look at).

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use chrono::{Duration, NaiveDate};
use common::{html_files, run};

const MAX_PAGE_BYTES: u64 = 200 * 1024;
const SYSTEMS: [(&str, &str); 3] = [
    ("payments", "Payments API"),
    ("ledger", "Ledger"),
    ("search", "Product search"),
];
/// The build's "now" (`common::SOURCE_DATE_EPOCH`): 2026-11-25.
const TODAY: (i32, u32, u32) = (2026, 11, 25);

fn portal_yaml() -> String {
    let mut yaml = String::from(
        "title: Large Portal\nbase_url: https://releases.example.com/\ntimezone: Europe/Berlin\nsystems:\n",
    );
    for (id, name) in SYSTEMS {
        yaml.push_str(&format!(
            "  - id: {id}\n    name: {name}\n    owner: ana\n    rollback_runbook: {id}-rollback\n"
        ));
    }
    yaml
}

const CONTACTS: &str = "people:\n  - id: ana\n    name: Ana Silva\n  - id: ben\n    name: Ben Okoro\nroles:\n  - id: developer\n    name: Developer\n";

/// Release `index` of `count`, spread evenly over 2020–2030: past ones shipped (some rolled
/// back or cancelled), later ones planned or approved. Every one has a title, every tenth a
/// status note, so rows are as long as real ones.
fn release_file(index: usize, count: usize) -> (String, String) {
    let first = NaiveDate::from_ymd_opt(2020, 1, 1).expect("date");
    let days = (NaiveDate::from_ymd_opt(2030, 12, 31).expect("date") - first).num_days();
    let day = first + Duration::days(days * index as i64 / count as i64);
    let (system, _) = SYSTEMS[index % SYSTEMS.len()];
    let version = format!("{}.{}.0", 1 + index / 300, index / SYSTEMS.len() % 100);
    let today = NaiveDate::from_ymd_opt(TODAY.0, TODAY.1, TODAY.2).expect("date");
    let status = match (day < today, index % 20) {
        (true, 0) => "rolled-back",
        (true, 1) => "cancelled",
        (true, _) => "released",
        (false, n) if n % 2 == 0 => "approved",
        (false, _) => "planned",
    };
    let kind = ["minor", "patch", "major", "emergency", "patch"][index % 5];
    let note = if index.is_multiple_of(10) {
        "status_note: Held back for a day while the payment provider investigated timeouts.\n"
    } else {
        ""
    };
    let text = format!(
        "---\nsystem: {system}\nversion: {version}\ntype: {kind}\nstatus: {status}\ntitle: Faster checkout and clearer receipts number {index}\n{note}window:\n  start: {day} 20:00\n  end: {day} 21:00\nowner: ben\n---\nRelease {index}.\n"
    );
    (format!("releases/{system}-{version}.md"), text)
}

fn generate(dir: &Path, count: usize) {
    let write = |file: &str, text: &str| {
        let path = dir.join(file);
        fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        fs::write(path, text).expect("write");
    };
    write("portal.yaml", &portal_yaml());
    write("contacts.yaml", CONTACTS);
    for (id, name) in SYSTEMS {
        write(
            &format!("runbooks/{id}-rollback.md"),
            &format!("---\ntitle: Roll back {name}\nkind: rollback\nsystem: {id}\nowner: ana\n---\nRoll back.\n"),
        );
    }
    for index in 0..count {
        let (file, text) = release_file(index, count);
        write(&file, &text);
    }
}

/// Site-relative paths of the links on a page that stay on the site.
fn links(html: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter_map(|href| href.strip_prefix('/'))
        .map(|path| path.split(['#', '?']).next().unwrap_or("").to_owned())
        .collect()
}

/// The `rel="prev"` / `rel="next"` target of a page's visible pager.
fn pager(html: &str, rel: &str) -> Option<String> {
    let marker = format!("<a rel=\"{rel}\" href=\"/");
    let rest = html.split_once(&marker)?.1;
    rest.split('"').next().map(str::to_owned)
}

/// Listing pages (the release indexes, not release pages) by site path, with their HTML.
fn listing_pages(out: &Path) -> BTreeMap<String, String> {
    html_files(&out.join("releases"))
        .into_iter()
        .filter_map(|file| {
            let html = fs::read_to_string(&file).expect("read page");
            let path = site_path(out, &file);
            html.contains("<nav class=\"facets\"")
                .then_some((path, html))
        })
        .collect()
}

fn site_path(out: &Path, file: &Path) -> String {
    let relative = file.strip_prefix(out).expect("inside the site");
    let relative = relative.display().to_string();
    relative
        .strip_suffix("index.html")
        .unwrap_or(&relative)
        .to_owned()
}

#[test]
fn every_release_index_page_is_small_and_linked_without_javascript() {
    let count = std::env::var("SHIPBOARD_PAGINATION_RELEASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(2_400);
    let temp = tempfile::tempdir().expect("temp dir");
    let dir = std::env::var_os("SHIPBOARD_PAGINATION_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| temp.path().join("content"));
    generate(&dir, count);
    let result = run(&["build", &dir.display().to_string()]);
    assert_eq!(result.code, Some(0), "{}", result.stderr);
    let out = dir.join("public");
    let pages = listing_pages(&out);
    let mut sizes: Vec<(u64, &String)> = pages
        .keys()
        .map(|path| {
            let file = out.join(path).join("index.html");
            (fs::metadata(&file).expect("page").len(), path)
        })
        .collect();
    sizes.sort();
    println!(
        "{count} releases: {} listing pages, largest {:?}",
        sizes.len(),
        &sizes[sizes.len().saturating_sub(5)..]
    );
    for (size, path) in &sizes {
        assert!(*size <= MAX_PAGE_BYTES, "{path} is {size} bytes");
    }
    // Split as designed: years, and months of the years that do not fit.
    for path in [
        "releases/2026/",
        "releases/2026/11/",
        "releases/payments/2026/",
    ] {
        assert!(pages.contains_key(path), "no page {path}");
    }
    // The other pages that list releases stay small too: home (next, in progress, recent),
    // the systems overview and a system page (its latest and next releases).
    let systems = SYSTEMS.iter().map(|(id, _)| format!("systems/{id}/"));
    for path in [String::new(), "systems/".to_owned()]
        .into_iter()
        .chain(systems)
    {
        let size = fs::metadata(out.join(&path).join("index.html"))
            .expect("page")
            .len();
        assert!(size <= MAX_PAGE_BYTES, "{path} is {size} bytes");
    }
    let system = fs::read_to_string(out.join("systems/payments/index.html")).expect("page");
    assert!(system.contains("<a href=\"/releases/payments/\">All Payments API releases</a>, by year: <a href=\"/releases/payments/2020/\">2020 ("));
    let sitemap = fs::read_to_string(out.join("sitemap.xml")).expect("sitemap");
    for path in pages.keys() {
        let loc = format!("<loc>https://releases.example.com/{path}</loc>");
        assert!(sitemap.contains(&loc), "{path} not in the sitemap");
    }
    assert_reachable_without_javascript(&pages);
    assert_every_release_listed(&out, &pages);
    assert_pager_is_consistent(&pages);
}

/// Following plain links from `releases/` reaches every listing page.
fn assert_reachable_without_javascript(pages: &BTreeMap<String, String>) {
    let mut seen = BTreeSet::from(["releases/".to_owned()]);
    let mut queue = vec!["releases/".to_owned()];
    while let Some(path) = queue.pop() {
        for link in links(&pages[&path]) {
            if pages.contains_key(&link) && seen.insert(link.clone()) {
                queue.push(link);
            }
        }
    }
    let missing: Vec<&String> = pages.keys().filter(|p| !seen.contains(*p)).collect();
    assert!(
        missing.is_empty(),
        "not reachable from releases/: {missing:?}"
    );
    for html in pages.values() {
        assert!(!html.contains("href=\"javascript"), "links are plain links");
    }
}

/// Every release page is linked from the listing pages (all releases shown somewhere).
fn assert_every_release_listed(out: &Path, pages: &BTreeMap<String, String>) {
    let listed: BTreeSet<String> = pages
        .values()
        .flat_map(|html| links(html))
        .filter(|l| l.split('/').nth(2).is_some_and(|v| v.contains('.')))
        .collect();
    let release_pages: BTreeSet<String> = html_files(&out.join("releases"))
        .iter()
        .map(|file| site_path(out, file))
        .filter(|path| !pages.contains_key(path) && path != "releases/slips/")
        .collect();
    assert!(!release_pages.is_empty());
    let unlisted: Vec<&String> = release_pages.difference(&listed).collect();
    assert!(unlisted.is_empty(), "on no listing page: {unlisted:?}");
}

/// Previous / next go both ways: the page after A says A comes before it.
fn assert_pager_is_consistent(pages: &BTreeMap<String, String>) {
    let mut checked = 0;
    for (path, html) in pages {
        if let Some(next) = pager(html, "next") {
            let back = pages.get(&next).and_then(|h| pager(h, "prev"));
            // A year page's "next" is the next year; that year's first month page (or the
            // year itself) comes back to this year's last month or to this year.
            if path.split('/').count() == next.split('/').count() {
                assert_eq!(back.as_deref(), Some(path.as_str()), "{path} -> {next}");
                checked += 1;
            }
            let head = format!("<link rel=\"next\" href=\"/{next}\">");
            assert!(html.contains(&head), "{path}: {head}");
        }
    }
    assert!(checked > 10, "only {checked} pager links checked");
}
