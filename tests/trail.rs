//! Verified checklist items and the audit trail, end to end: the real binary builds the
//! `minimal` fixture kept in a real git repository (the content dir is its `content/`
//! folder, as in the example), with real system repositories beside it.

mod common;
#[allow(dead_code)]
#[path = "history/support.rs"]
mod support;

use std::fs;
use std::path::Path;

use common::Fixture;
use support::Repo;

const CHECKLIST: &str = "title: Verified\nphases:\n  - id: facts\n    title: Facts\n    items:\n      - id: tag\n        text: Tagged\n        verify: tag\n      - id: approvals\n        text: Approved by policy\n        verify: approvals\n      - id: freeze\n        text: Outside freezes\n        verify: freeze\n      - id: runbook\n        text: Rollback runbook reviewed\n        verify: runbook-reviewed\n        within_days: 60\n      - id: deps\n        text: Dependencies live\n        verify: dependencies\n      - id: changelog\n        text: Changelog written\n        verify: changelog\n      - id: announced\n        text: Announced\n        verify: announced\n      - id: by-hand\n        text: Ticked by a person\n";

/// Billing 1.2.0 passes every check: tagged with commits, approved as the policy asks,
/// outside the freeze, its runbook reviewed 24 days before the build, its dependency on
/// web 1.9.0 live at the window, announced.
const BILLING: &str = "---\nsystem: billing\nversion: 1.2.0\ntype: minor\nstatus: released\nwindow:\n  start: 2026-11-10 20:00\n  end: 2026-11-10 21:00\nowner: ana\nchecklist: verified\napprovals:\n  - role: qa-lead\n    by: cy\n    at: 2026-11-09 10:00\nannounced_at: 2026-11-09 12:00\ndepends_on:\n  - system: web\n    version: \">=1.9.0\"\n---\nPDF/A invoices.\n";

const WEB_1_9: &str = "---\nsystem: web\nversion: 1.9.0\ntype: patch\nstatus: released\nwindow:\n  start: 2026-10-01 02:00\n  end: 2026-10-01 03:00\nowner: ben\n---\nFixes.\n";

/// Web 2.0.0 fails every check: cancelled (so the freeze is no error) inside the year-end
/// freeze, not tagged, no approvals for a major release, its runbook reviewed 177 days
/// before the build, its dependency unmet, not announced.
const WEB_2_0: &str = "---\nsystem: web\nversion: 2.0.0\ntype: major\nstatus: cancelled\ntitle: New checkout\nwindow:\n  start: 2026-12-21 02:00\n  end: 2026-12-21 04:00\nowner: ben\nchecklist: verified\ndepends_on:\n  - system: billing\n    version: \">=2.0.0\"\n---\nOne page instead of four.\n";

/// The fixture with the files above, its system repositories, and the whole temp dir a
/// git repository whose history the trail reads.
fn portal() -> (Fixture, Repo) {
    let fx = Fixture::new("minimal");
    let billing = Repo::init(&fx.dir().join("repos/billing"));
    billing.change("2026-11-02 10:00", "Cy Tan", "pdf.txt", "feat(pdf): PDF/A");
    billing.tag_annotated("2026-11-10 20:30", "v1.2.0", "HEAD", "PDF/A invoices");
    let web = Repo::init(&fx.dir().join("repos/web"));
    web.change("2026-09-30 10:00", "Ben Okoro", "shop.txt", "fix: cart");
    web.tag("v1.9.0");
    let portal = fx.read("portal.yaml");
    let portal = portal
        .replace(
            "    escalation: billing\n",
            "    escalation: billing\n    repo: repos/billing\n    commit_url: \"https://git.acme.example/billing/commit/{sha}\"\n",
        )
        .replace(
            "    rollback_runbook: web-rollback\n",
            "    rollback_runbook: web-rollback\n    repo: repos/web\n",
        )
        .replace("approval_policy:\n", "approval_policy:\n  minor: [qa-lead]\n");
    let root = fx.dir().parent().expect("temp dir").to_path_buf();
    let repo = Repo::init(&root);
    fs::write(root.join(".gitignore"), "content/repos/\ncontent/public/\n").expect("ignore");
    // The first commit, long ago, has everything but the billing runbook and the releases.
    let billing_runbook = fx.read("runbooks/billing-rollback.md");
    for file in [
        "runbooks/billing-rollback.md",
        "releases/billing-1.2.0.md",
        "releases/web-2.0.0.md",
    ] {
        fs::remove_file(fx.dir().join(file)).expect("rm");
    }
    repo.commit("2026-05-30 09:00", "Ben Okoro", &[], "First content");
    repo.commit(
        "2026-11-01 09:00",
        "Ana Silva",
        &[
            ("content/portal.yaml", &portal),
            ("content/checklists/verified.yaml", CHECKLIST),
            ("content/runbooks/billing-rollback.md", &billing_runbook),
        ],
        "Portal with verified checklist",
    );
    repo.commit(
        "2026-11-02 09:00",
        "Ana Silva",
        &[
            (
                "content/releases/billing-1.2.0.md",
                &BILLING
                    .replace("status: released", "status: planned")
                    .replace(
                        "approvals:\n  - role: qa-lead\n    by: cy\n    at: 2026-11-09 10:00\n",
                        "",
                    ),
            ),
            ("content/releases/web-1.9.0.md", WEB_1_9),
            ("content/releases/web-2.0.0.md", WEB_2_0),
        ],
        "Plan releases",
    );
    repo.commit(
        "2026-11-09 10:05",
        "Cy Tan",
        &[("content/releases/billing-1.2.0.md", BILLING)],
        "Billing 1.2.0 approved and released",
    );
    (fx, repo)
}

/// The checklist row of `item` on `page`.
fn row<'a>(page: &'a str, item: &str) -> &'a str {
    let start = page
        .find(&format!("data-item=\"facts/{item}\""))
        .unwrap_or_else(|| panic!("no item {item}"));
    let start = page[..start].rfind("<li").expect("li");
    let end = start + page[start..].find("</li>").expect("end");
    &page[start..end]
}

fn page(out: &Path, path: &str) -> String {
    fs::read_to_string(out.join(path).join("index.html")).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn each_verify_value_passes_with_its_evidence() {
    let (fx, _repo) = portal();
    let out = fx.build_ok();
    let billing = page(&out, "releases/billing/1.2.0");
    let passed = |item: &str, text: &str, evidence: &str| {
        let row = row(&billing, item);
        assert!(
            row.contains("checked disabled data-done=\"verified\""),
            "{item}: {row}"
        );
        assert!(
            row.contains(&format!("verified by the portal: {text}")),
            "{item}: {row}"
        );
        assert!(
            row.contains(&format!("(<a href=\"{evidence}\">evidence</a>)")),
            "{item}: {row}"
        );
    };
    let row_tag = row(&billing, "tag");
    assert!(
        row_tag.contains("verified by the portal: tag v1.2.0 exists ("),
        "{row_tag}"
    );
    assert!(
        row_tag.contains("<a href=\"https://git.acme.example/billing/commit/"),
        "{row_tag}"
    );
    assert!(
        row_tag.contains("as of Wed 25 Nov 2026, 13:00 CET"),
        "{row_tag}"
    );
    passed(
        "approvals",
        "1 approval satisfies the minor policy",
        "#approvals-h",
    );
    passed(
        "freeze",
        "the window is outside every freeze (1 defined)",
        "/calendar/2026-11/",
    );
    passed(
        "runbook",
        "the rollback runbook Roll back Billing was last reviewed on 1 Nov 2026, 24 days ago (limit 60)",
        "/runbooks/billing-rollback/",
    );
    passed(
        "deps",
        "live at the window: Web shop 1.9.0",
        "/releases/web/1.9.0/",
    );
    passed(
        "changelog",
        "the changelog lists 1 commit",
        "#changelog-v1-2-0",
    );
    passed(
        "announced",
        "announced at Mon 9 Nov 2026, 12:00 CET",
        "#announce-h",
    );
    // An item without `verify:` stays for people to tick.
    let by_hand = row(&billing, "by-hand");
    assert!(
        !by_hand.contains("disabled") && !by_hand.contains("class=\"verification\""),
        "{by_hand}"
    );
}

#[test]
fn each_verify_value_fails_with_the_reason() {
    let (fx, _repo) = portal();
    let out = fx.build_ok();
    let web = page(&out, "releases/web/2.0.0");
    let failed = |item: &str, text: &str| {
        let row = row(&web, item);
        assert!(
            row.contains("disabled data-verify=\"failed\""),
            "{item}: {row}"
        );
        assert!(!row.contains("checked"), "{item}: {row}");
        assert!(
            row.contains(&format!("not verified: {text}")),
            "{item}: {row}"
        );
    };
    failed(
        "tag",
        "no tag v2.0.0 for version 2.0.0 in the system&#39;s repository",
    );
    failed(
        "approvals",
        "the major policy needs an approval by product-owner and qa-lead",
    );
    failed(
        "freeze",
        "the window overlaps the freeze &quot;Year-end freeze&quot;",
    );
    failed(
        "runbook",
        "the rollback runbook Roll back the web shop was last reviewed on 30 May 2026, 179 days ago (limit 60)",
    );
    failed(
        "deps",
        "nothing released by the window meets Billing &gt;=2.0.0",
    );
    failed(
        "changelog",
        "the changelog is empty or the release is not tagged yet",
    );
    failed(
        "announced",
        "no `announced_at` is recorded in the release file",
    );
}

#[test]
fn release_pages_show_the_audit_trail_and_feeds_and_system_pages_point_at_it() {
    let (fx, _repo) = portal();
    let out = fx.build_ok();
    let billing = page(&out, "releases/billing/1.2.0");
    let start = billing.find("id=\"trail\"").expect("a trail section");
    let trail = &billing[start..];
    let first = trail.find("Cy Tan").expect("newest entry");
    let second = trail.find("Ana Silva").expect("creation");
    assert!(first < second, "newest first: {trail}");
    assert!(
        trail.contains(
            "<time datetime=\"2026-11-09T11:05:00+01:00\">2026-11-09 11:05</time>, by Cy Tan (commit <code>"
        ),
        "{trail}"
    );
    assert!(trail.contains("status planned → released"), "{trail}");
    assert!(trail.contains("approval added: qa-lead by cy"), "{trail}");
    assert!(trail.contains("created (status planned)"), "{trail}");
    // The iCal event says when the file last changed and who changed it.
    let ics = fs::read_to_string(out.join("calendar.ics")).expect("feed");
    let unfolded = ics.replace("\r\n ", "");
    assert!(
        unfolded.contains("Last changed 2026-11-09 by Cy Tan\\n"),
        "{unfolded}"
    );
    // The system page links each release's trail.
    let system = page(&out, "systems/billing");
    assert!(
        system.contains(
            "<a class=\"trail-link\" href=\"/releases/billing/1.2.0/#trail\">audit trail</a>"
        ),
        "{system}"
    );
}

#[test]
fn content_outside_git_builds_without_a_trail() {
    let fx = Fixture::new("minimal");
    let out = fx.build_ok();
    let billing = page(&out, "releases/billing/1.2.0");
    assert!(!billing.contains("id=\"trail\""));
    assert!(!page(&out, "systems/billing").contains("trail-link"));
}

#[test]
fn an_unknown_verify_value_is_an_error_listing_the_valid_ones() {
    let fx = Fixture::new("minimal");
    fx.write(
        "checklists/basic.yaml",
        "title: Basic\nphases:\n  - id: deploy\n    title: Deployment\n    items:\n      - id: canary\n        text: Canary\n        verify: tagged\n      - id: full\n        text: Full rollout\n        within_days: 3\n",
    );
    let out = fx.build();
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert!(
        out.stderr.contains("checklists/basic.yaml:8:17: error[items.verify]: unknown `verify: tagged`; valid values are: tag, approvals, freeze, runbook-reviewed, dependencies, changelog, announced"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("checklists/basic.yaml:11:22: error[items.within_days]: `within_days` only applies to `verify: runbook-reviewed`"),
        "{}",
        out.stderr
    );
}

/// One commit creating many release files (as a portal's first commit does): their blobs
/// are read on several threads, and each file still gets its own creation entry with the
/// status it was created with, and the commit's author.
#[test]
fn a_commit_creating_many_release_files_gives_each_its_creation_entry() {
    const MANY: usize = 150;
    let fx = Fixture::new("minimal");
    let template = fx.read("releases/billing-1.2.0.md");
    let status = |i: usize| {
        if i.is_multiple_of(3) {
            "cancelled"
        } else {
            "released"
        }
    };
    for i in 0..MANY {
        let window = format!("2026-{:02}-{:02}", 3 + i / 28, 1 + i % 28);
        let text = template
            .replace("version: 1.2.0", &format!("version: 0.{i}.0"))
            .replace("status: released", &format!("status: {}", status(i)))
            .replace("2026-11-10", &window);
        fx.write(&format!("releases/billing-0.{i}.0.md"), &text);
    }
    let root = fx.dir().parent().expect("temp dir").to_path_buf();
    let repo = Repo::init(&root);
    fs::write(root.join(".gitignore"), "content/public/\n").expect("ignore");
    repo.commit(
        "2026-05-30 09:00",
        "Dana Reyes",
        &[],
        "All releases at once",
    );
    let out = fx.build_ok();
    for i in 0..MANY {
        let release = page(&out, &format!("releases/billing/0.{i}.0"));
        let start = release.find("id=\"trail\"").expect("a trail section");
        let trail = &release[start..];
        let created = format!("created (status {})", status(i));
        assert!(trail.contains(&created), "0.{i}.0: {trail}");
        assert!(trail.contains("Dana Reyes"), "0.{i}.0: {trail}");
    }
}
