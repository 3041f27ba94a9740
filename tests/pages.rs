//! Integration tests of what release and system pages show: neighbours (previous / next
//! release of the same system), dependencies by what was live at the window, the filter
//! pages, and the git facts (tag, changelog, rollback target). The real binary builds
//! fixture content repos in temp dirs; system repositories are real git repositories made
//! there with the git CLI.

mod common;
#[allow(dead_code)]
#[path = "history/support.rs"]
mod support;

use std::fs;
use std::path::Path;

use common::Fixture;
use support::Repo;

/// A billing release file of the minimal fixture with another version, status and window.
fn billing_release(version: &str, status: &str, start: &str, end: &str) -> String {
    format!(
        "---\nsystem: billing\nversion: {version}\ntype: patch\nstatus: {status}\nwindow:\n  start: {start}\n  end: {end}\nowner: ana\n---\nBilling {version}.\n"
    )
}

fn page(out: &Path, path: &str) -> String {
    fs::read_to_string(out.join(path).join("index.html")).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The `<li>` rows of the release lists on a page, each as its link text.
fn listed(html: &str) -> Vec<String> {
    html.split("<a class=\"release-link\" href=\"")
        .skip(1)
        .filter_map(|rest| rest.split_once("\">")?.1.split_once("</a>"))
        .map(|(text, _)| text.to_owned())
        .collect()
}

#[test]
fn release_pages_link_the_previous_and_next_release_of_the_same_system() {
    let fx = Fixture::new("minimal");
    // Written out of window order on purpose: neighbours follow the windows, and the web
    // release in between belongs to another system.
    fx.write(
        "releases/billing-1.3.0.md",
        &billing_release("1.3.0", "planned", "2026-12-13 20:00", "2026-12-13 21:00"),
    );
    fx.write(
        "releases/billing-1.1.0.md",
        &billing_release("1.1.0", "released", "2026-10-01 20:00", "2026-10-01 21:00"),
    );
    let out = fx.build_ok();
    let middle = page(&out, "releases/billing/1.2.0");
    assert!(
        middle.contains(
            "<dt>Previous</dt><dd><a href=\"/releases/billing/1.1.0/\">1.1.0</a> (released)</dd>"
        ),
        "{middle}"
    );
    assert!(
        middle.contains(
            "<dt>Next</dt><dd><a href=\"/releases/billing/1.3.0/\">1.3.0</a> (planned)</dd>"
        ),
        "{middle}"
    );
    let first = page(&out, "releases/billing/1.1.0");
    assert!(!first.contains("<dt>Previous</dt>"), "the first has none");
    assert!(first.contains("<dt>Next</dt><dd><a href=\"/releases/billing/1.2.0/\">1.2.0</a>"));
    let last = page(&out, "releases/billing/1.3.0");
    assert!(last.contains("<dt>Previous</dt><dd><a href=\"/releases/billing/1.2.0/\">1.2.0</a>"));
    assert!(!last.contains("<dt>Next</dt>"), "the last has none");
    let web = page(&out, "releases/web/2.0.0");
    assert!(
        !web.contains("<dt>Previous</dt>") && !web.contains("<dt>Next</dt>"),
        "another system's releases are not neighbours"
    );
}

/// (case, requirement, extra billing releases as (version, status, start), met by).
type DependencyCase = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str, &'static str)],
    Option<&'static str>,
);

/// The web release (window 2026-12-06 02:00) needs billing; what the page says for each
/// state of billing's releases.
#[test]
fn dependencies_are_met_only_by_a_release_live_at_the_window() {
    let met = |text: &str| format!("Billing</a> {text} — met by released ");
    let unmet = "— <strong>no released version meets this yet</strong>";
    let cases: &[DependencyCase] = &[
        ("met by the fixture's 1.2.0", ">=1.2.0", &[], Some("1.2.0")),
        (
            "the newest matching release live at the window",
            ">=1.2.0",
            &[("1.2.5", "released", "2026-11-20 20:00")],
            Some("1.2.5"),
        ),
        (
            "a match that is only planned does not count",
            ">=1.3.0",
            &[("1.3.0", "planned", "2026-11-30 20:00")],
            None,
        ),
        (
            "a release after the window is too late",
            ">=1.3.0",
            &[("1.3.0", "released", "2026-12-13 20:00")],
            None,
        ),
        ("no version matches", "^2", &[], None),
    ];
    for (case, requirement, extra, met_by) in cases {
        let fx = Fixture::new("minimal");
        fx.write(
            "releases/web-2.0.0.md",
            &fx.read("releases/web-2.0.0.md")
                .replace("\">=1.2.0\"", &format!("\"{requirement}\"")),
        );
        for (version, status, start) in *extra {
            let end = start.replace(" 20:00", " 21:00");
            fx.write(
                &format!("releases/billing-{version}.md"),
                &billing_release(version, status, start, &end),
            );
        }
        let html = page(&fx.build_ok(), "releases/web/2.0.0");
        let shown_requirement = requirement.replace('>', "&gt;");
        match met_by {
            Some(version) => assert!(
                html.contains(&format!("{}{version}</li>", met(&shown_requirement))),
                "{case}: expected met by {version}:\n{html}"
            ),
            None => assert!(
                html.contains(&format!("Billing</a> {shown_requirement} {unmet}")),
                "{case}: expected not met:\n{html}"
            ),
        }
    }
}

#[test]
fn filter_pages_list_exactly_the_releases_of_their_status_or_type() {
    let fx = Fixture::new("minimal");
    fx.write(
        "releases/billing-1.1.0.md",
        &billing_release(
            "1.1.0",
            "rolled-back",
            "2026-10-01 20:00",
            "2026-10-01 21:00",
        ),
    );
    let out = fx.build_ok();
    let cases: &[(&str, &[&str])] = &[
        ("releases/by-status/released", &["Billing 1.2.0"]),
        ("releases/by-status/rolled-back", &["Billing 1.1.0"]),
        ("releases/by-status/planned", &["Web shop 2.0.0"]),
        ("releases/by-status/cancelled", &[]),
        ("releases/by-type/major", &["Web shop 2.0.0"]),
        ("releases/by-type/minor", &["Billing 1.2.0"]),
        ("releases/by-type/patch", &["Billing 1.1.0"]),
        ("releases/billing", &["Billing 1.1.0", "Billing 1.2.0"]),
        ("releases/billing/2026", &["Billing 1.1.0", "Billing 1.2.0"]),
        ("releases/by-type/patch/2026", &["Billing 1.1.0"]),
        (
            "releases/2026",
            &["Billing 1.1.0", "Billing 1.2.0", "Web shop 2.0.0"],
        ),
        (
            "releases",
            &["Billing 1.1.0", "Billing 1.2.0", "Web shop 2.0.0"],
        ),
    ];
    for (path, expected) in cases {
        let html = page(&out, path);
        let mut shown = listed(&html);
        shown.sort();
        assert_eq!(&shown, expected, "{path}");
        if expected.is_empty() {
            assert!(html.contains("No releases match."), "{path}");
        }
    }
    // On a year page the filters go to that year of each listing.
    let year = page(&out, "releases/2026");
    assert!(
        year.contains("<a href=\"/releases/billing/2026/\">Billing (2)</a>"),
        "{year}"
    );
    assert!(
        year.contains("<a href=\"/releases/2026/\">All releases</a>"),
        "{year}"
    );
    // The filter a page shows is marked in the facets, and only that one.
    let patch = page(&out, "releases/by-type/patch");
    assert!(
        patch.contains("<a href=\"/releases/by-type/patch/\" aria-current=\"page\">Patch (1)</a>"),
        "{patch}"
    );
    assert_eq!(
        patch.matches("aria-current=\"page\">").count(),
        2,
        "nav + facet"
    );
    let released = page(&out, "releases/by-status/released");
    assert!(released.contains(
        "<a href=\"/releases/by-status/released/\" aria-current=\"page\">Released (1)</a>"
    ));
    assert!(released.contains("<a href=\"/releases/by-status/rolled-back/\">Rolled back (1)</a>"));
}

/// billing's repository: v1.1.0 (annotated), two commits, v1.2.0, one unreleased commit,
/// and v1.2.1 that has no release file.
fn billing_repo(content: &Path) -> Repo {
    let repo = Repo::init(&content.join("repos/billing"));
    repo.change("2026-10-01 10:00", "Ana Silva", "api.txt", "feat: invoices");
    repo.tag_annotated("2026-10-01 19:00", "v1.1.0", "HEAD", "Invoices");
    repo.change(
        "2026-11-02 10:00",
        "Cy Tan",
        "pdf.txt",
        "feat(pdf): PDF/A output BIL-12",
    );
    repo.change(
        "2026-11-03 10:00",
        "Cy Tan",
        "pdf.txt",
        "fix(pdf): embed fonts",
    );
    repo.tag_annotated("2026-11-10 19:30", "v1.2.0", "HEAD", "PDF/A invoices");
    repo.change(
        "2026-11-12 10:00",
        "Ana Silva",
        "api.txt",
        "feat: credit notes",
    );
    repo.tag("v1.2.1");
    repo.change(
        "2026-11-20 10:00",
        "Ana Silva",
        "api.txt",
        "docs: explain dunning",
    );
    repo
}

#[test]
fn release_and_system_pages_show_tag_changelog_and_rollback_target() {
    let fx = Fixture::new("minimal");
    billing_repo(&fx.dir());
    fx.write(
        "portal.yaml",
        &fx.read("portal.yaml").replacen(
            "    escalation: billing\n",
            "    escalation: billing\n    repo: repos/billing\n    commit_url: \"https://git.acme.example/billing/commit/{sha}\"\n",
            1,
        ),
    );
    fx.write(
        "releases/billing-1.1.0.md",
        &billing_release("1.1.0", "released", "2026-10-01 18:00", "2026-10-01 19:30"),
    );
    let out = fx.build_ok();
    let release = page(&out, "releases/billing/1.2.0");
    assert!(
        release.contains("<dt>Tag</dt><dd><code>v1.2.0</code>, <time"),
        "the tag and its date:\n{release}"
    );
    assert!(release.contains("PDF/A output") && release.contains("embed fonts"));
    assert!(
        !release.contains("credit notes"),
        "later commits are not in this release's changelog"
    );
    assert!(
        release.contains(
            "A rollback returns to <strong>1.1.0</strong> (<code>v1.1.0</code>) and reverts 2 commits"
        ),
        "{release}"
    );
    assert!(release.contains("<summary>Commits a rollback reverts</summary>"));
    let first = page(&out, "releases/billing/1.1.0");
    assert!(first.contains(
        "<strong>Rolling back is still possible:</strong> this is the system's first release"
    ));
    let system = page(&out, "systems/billing");
    for expected in [
        "id=\"changelog-system-h\">Changelog</h2>",
        "<code>v1.2.0</code>, tagged <time",
        "<code>v1.1.0</code>, tagged <time",
        "Unreleased",
        "explain dunning",
        "id=\"changelog-untracked-h\">Tagged, not in the portal</h3>",
        "<code>v1.2.1</code></a>",
    ] {
        assert!(system.contains(expected), "{expected:?} not on:\n{system}");
    }
    assert!(
        system.contains(
            "<a class=\"rollback-link\" href=\"/runbooks/billing-rollback/\">Roll back Billing</a>"
        ),
        "the system's rollback runbook"
    );
}

/// A repository with many tags from before the portal: the system page lists the newest
/// 20 tags without a release file and counts the rest, and does not send readers to
/// release pages that do not exist for the changelogs it leaves out.
#[test]
fn many_tags_without_release_files_do_not_swamp_the_system_page() {
    let fx = Fixture::new("minimal");
    let repo = billing_repo(&fx.dir());
    for n in 0..30 {
        repo.tag(&format!("v9.0.{n}"));
    }
    fx.write(
        "portal.yaml",
        &fx.read("portal.yaml").replacen(
            "    escalation: billing\n",
            "    escalation: billing\n    repo: repos/billing\n",
            1,
        ),
    );
    fx.write(
        "releases/billing-1.1.0.md",
        &billing_release("1.1.0", "released", "2026-10-01 18:00", "2026-10-01 19:30"),
    );
    let out = fx.build_ok();
    let system = page(&out, "systems/billing");
    let untracked = &system[system.find("changelog-untracked-h").expect("untracked")..];
    // v9.0.29 ... v9.0.10 are listed; v9.0.9 ... v9.0.0 and v1.2.1 are counted.
    assert_eq!(untracked.matches("<li>").count(), 20, "{untracked}");
    assert!(untracked.contains("<code>v9.0.29</code>"), "{untracked}");
    assert!(!untracked.contains("<code>v9.0.9</code>"), "{untracked}");
    assert!(
        untracked.contains("And 11 older tags without a release file."),
        "{untracked}"
    );
    // The newest 10 changelogs are v9.0.29 ... v9.0.20; of the older ones, two have a
    // release page (1.2.0, 1.1.0) and 21 do not (v9.0.19 ... v9.0.0, v1.2.1).
    assert!(
        system.contains("2 older releases: each has its changelog on its release page"),
        "{system}"
    );
    assert!(
        system.contains("21 older tags without a release file"),
        "{system}"
    );
}

#[test]
fn a_system_id_that_names_a_release_index_page_is_an_error() {
    for id in ["slips", "by-type", "2026"] {
        let fx = Fixture::new("minimal");
        fx.write(
            "portal.yaml",
            &fx.read("portal.yaml")
                .replace("  - id: web\n", &format!("  - id: \"{id}\"\n")),
        );
        for file in ["releases/web-2.0.0.md", "runbooks/web-rollback.md"] {
            fx.write(
                file,
                &fx.read(file)
                    .replace("system: web", &format!("system: \"{id}\"")),
            );
        }
        let result = fx.build();
        assert_eq!(result.code, Some(1), "{id}: {}", result.stderr);
        let expected = format!(
            "portal.yaml:10:9: error[systems.id]: system id \"{id}\" is the name of a release index page (/releases/{id}/)"
        );
        assert!(
            result.stderr.contains(&expected),
            "{expected}\nnot in:\n{}",
            result.stderr
        );
    }
}

#[test]
fn a_system_page_shows_the_newest_ten_changelogs_and_says_where_the_others_are() {
    let fx = Fixture::new("minimal");
    let repo = Repo::init(&fx.dir().join("repos/billing"));
    for minor in 1..=12 {
        let day = format!("2026-10-{minor:02} 10:00");
        repo.change(&day, "Ana Silva", "api.txt", &format!("feat: step {minor}"));
        repo.tag_annotated(&day, &format!("v1.{minor}.0"), "HEAD", "Release");
    }
    fx.write(
        "portal.yaml",
        &fx.read("portal.yaml").replacen(
            "    escalation: billing\n",
            "    escalation: billing\n    repo: repos/billing\n",
            1,
        ),
    );
    let out = fx.build_ok();
    let system = page(&out, "systems/billing");
    for minor in 3..=12 {
        let heading = format!("<code>v1.{minor}.0</code>, tagged <time");
        assert!(system.contains(&heading), "{heading:?} not on:\n{system}");
    }
    for minor in 1..=2 {
        assert!(!system.contains(&format!("<code>v1.{minor}.0</code>, tagged <time")));
    }
    assert!(
        system.contains("1 older release: its changelog is on its release page (<a href=\"/releases/billing/\">all releases, by year</a>); <code>shipboard changelog billing</code> prints them all."),
        "{system}"
    );
    // v1.1.0 has no release file (the fixture has billing 1.2.0 only): no page to point to.
    assert!(
        system.contains("1 older tag without a release file: <code>shipboard changelog billing</code> prints its changelog."),
        "{system}"
    );
}

/// A runbook file of the minimal fixture: `system` is `billing`, `web` or none.
fn runbook(title: &str, system: Option<&str>) -> String {
    let system = system.map_or(String::new(), |s| format!("system: {s}\n"));
    format!("---\ntitle: {title}\nkind: other\n{system}owner: ana\n---\n## Steps\n\nDo it.\n")
}

#[test]
fn a_large_runbook_index_keeps_rollbacks_up_front_and_splits_the_rest_by_system() {
    let fx = Fixture::new("minimal");
    for n in 0..150 {
        fx.write(
            &format!("runbooks/billing-{n:03}.md"),
            &runbook(&format!("Billing task {n:03}"), Some("billing")),
        );
        fx.write(
            &format!("runbooks/web-{n:03}.md"),
            &runbook(&format!("Web task {n:03}"), Some("web")),
        );
    }
    fx.write(
        "runbooks/incident-call.md",
        &runbook("Run an incident call", None),
    );
    let out = fx.build_ok();
    let front = page(&out, "runbooks");
    for expected in [
        "303 runbooks.",
        "<a href=\"/runbooks/by-system/billing/\">Billing</a> (151)",
        "<a href=\"/runbooks/web-rollback/\">Roll back the web shop</a>",
        "<a href=\"/runbooks/billing-rollback/\">Roll back Billing</a>",
        "<a href=\"/runbooks/incident-call/\">Run an incident call</a>",
    ] {
        assert!(front.contains(expected), "{expected:?} not on:\n{front}");
    }
    assert!(
        !front.contains("Billing task"),
        "the front page lists no system's other runbooks"
    );
    let billing = page(&out, "runbooks/by-system/billing");
    assert!(billing.contains("<a href=\"/runbooks/\">All runbooks</a>"));
    assert_eq!(billing.matches("<a href=\"/runbooks/billing-").count(), 151);
    assert!(!billing.contains("Web task"));
    let web = page(&out, "runbooks/by-system/web");
    assert_eq!(web.matches("<a href=\"/runbooks/web-").count(), 151);
}

#[test]
fn a_runbook_named_like_the_index_pages_is_an_error() {
    let fx = Fixture::new("minimal");
    fx.write("runbooks/by-system.md", &runbook("Clash", None));
    let output = fx.build();
    let stderr = &output.stderr;
    assert_eq!(output.code, Some(1), "{stderr}");
    assert!(
        stderr.contains("runbooks/by-system.md:")
            && stderr.contains("is the name of the runbook index's pages per system"),
        "{stderr}"
    );
}
