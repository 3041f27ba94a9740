//! Joins with release files (missing tags, untracked tags, slips, rollback targets) and
//! content file facts (commit counts, last reviewed, staleness).

use super::*;

#[test]
fn release_files_are_joined_with_tags() {
    let p = payments();
    let repo = Repo {
        dir: p.root.path().join("repos/payments"),
    };
    repo.git(&["tag", "v0.9.0", &p.c[0]]);
    let releases = vec![
        release(
            "payments",
            "1.0.0",
            Released,
            "2026-08-01 09:00",
            "2026-08-01 11:00",
        ),
        release(
            "payments",
            "1.1.0",
            RolledBack,
            "2026-08-10 20:00",
            "2026-08-10 21:00",
        ),
        release(
            "payments",
            "1.2.0",
            Released,
            "2026-09-20 20:00",
            "2026-09-20 21:00",
        ),
        release(
            "payments",
            "1.5.0",
            Released,
            "2026-10-01 20:00",
            "2026-10-01 21:00",
        ),
        release(
            "payments",
            "1.6.0",
            Planned,
            "2026-11-01 20:00",
            "2026-11-01 21:00",
        ),
    ];
    let (facts, diagnostics) = read(&p.root, &content(vec![payments_system()], releases, vec![]));
    let all = messages(&diagnostics);
    let h = facts.system("payments").unwrap();
    // Released without a tag.
    assert!(all.iter().any(|m| m.starts_with("releases/payments-1.5.0.md: warning[status]: payments 1.5.0 is marked released but the repository repos/payments has no tag v1.5.0")), "{all:#?}");
    assert!(
        !all.iter().any(|m| m.contains("1.6.0")),
        "planned releases need no tag: {all:#?}"
    );
    // Tags without a release file: v1.0.1 is warned; v0.9.0 predates the portal.
    let untracked: Vec<&str> = h.untracked.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(untracked, ["v1.0.1", "v0.9.0"]);
    assert!(all.iter().any(|m| m.starts_with("portal.yaml:7:9: warning[tag_pattern]: 1 tag of system payments has no release file: v1.0.1")), "{all:#?}");
    // Plan vs actual: 1.1.0 was tagged two days after its window.
    let plan = |v: &str| {
        facts
            .release("payments", &v.parse().unwrap())
            .unwrap()
            .plan
            .clone()
    };
    let slipped = plan("1.1.0").unwrap();
    assert_eq!((slipped.state.as_str(), slipped.days_late), ("slipped", 2));
    assert_eq!(slipped.label, "Slipped by 2 days");
    assert_eq!(slipped.planned, "2026-08-10 20:00");
    assert_eq!(slipped.actual_date, "2026-08-12");
    assert_eq!(plan("1.0.0").unwrap().label, "On time");
    assert!(plan("1.6.0").is_none());
    let slips: Vec<(&str, i64)> = h
        .slips
        .iter()
        .map(|s| (s.version.as_str(), s.days))
        .collect();
    assert_eq!(slips, [("1.1.0", 2)]);
    // 1.2.0 was tagged 35 days before its window: far from it.
    assert_eq!(plan("1.2.0").unwrap().days_late, -35);
    assert!(all.iter().any(|m| m.starts_with("releases/payments-1.2.0.md:6:10: warning[window]: tag v1.2.0 is dated 2026-08-16, 35 days before the release window starts")), "{all:#?}");
    // Rollback: 1.2.0 returns to 1.0.1 (1.1.0 was rolled back; 1.0.1 has no file: shipped).
    let rollback = facts
        .release("payments", &"1.2.0".parse().unwrap())
        .unwrap()
        .rollback
        .clone()
        .unwrap();
    assert_eq!(rollback.version.as_deref(), Some("1.0.1"));
    assert_eq!(rollback.runbook, "payments-rollback");
    let reverted: BTreeSet<String> = rollback.commits.iter().map(|c| c.sha.clone()).collect();
    assert_eq!(
        reverted,
        BTreeSet::from([p.c[1].clone(), p.c[2].clone(), p.c[3].clone()])
    );
    assert_eq!(
        rollback.compare_url.as_deref(),
        Some("https://git.example.com/payments/compare/v1.0.1...v1.2.0")
    );
    let first = facts
        .release("payments", &"1.0.0".parse().unwrap())
        .unwrap()
        .rollback
        .clone()
        .unwrap();
    assert_eq!(first.version.as_deref(), Some("0.9.0"));
    let untagged = facts
        .release("payments", &"1.6.0".parse().unwrap())
        .unwrap();
    assert!(!untagged.tagged);
    assert_eq!(
        untagged.rollback.as_ref().unwrap().version.as_deref(),
        Some("1.2.0")
    );
    assert!(untagged.rollback.as_ref().unwrap().commits.is_empty());
    assert!(
        h.tags
            .iter()
            .find(|t| t.version == "1.1.0")
            .unwrap()
            .in_portal
    );
}

#[test]
fn cancelled_releases_have_no_rollback_and_need_no_tag() {
    let p = payments();
    let releases = vec![
        release(
            "payments",
            "1.0.0",
            Released,
            "2026-08-01 09:00",
            "2026-08-01 11:00",
        ),
        release(
            "payments",
            "1.9.0",
            Cancelled,
            "2026-12-01 09:00",
            "2026-12-01 11:00",
        ),
    ];
    let (facts, diagnostics) = read(&p.root, &content(vec![payments_system()], releases, vec![]));
    assert!(facts
        .release("payments", &"1.9.0".parse().unwrap())
        .unwrap()
        .rollback
        .is_none());
    assert!(!messages(&diagnostics).iter().any(|m| m.contains("1.9.0")));
}

fn status_release(status: ReleaseStatus) -> shipboard::content::Release {
    release(
        "payments",
        "1.0.0",
        status,
        "2026-08-01 09:00",
        "2026-08-01 11:00",
    )
}

/// A content repo (the temp dir itself) with a runbook and a release file, plus the
/// payments repository under `repos/`.
fn content_repo() -> (Payments, Repo) {
    let p = payments();
    let repo = Repo::init(p.root.path());
    std::fs::write(p.root.path().join(".gitignore"), "repos/\n").unwrap();
    repo.commit(
        "2026-01-10 09:00",
        "Priya Raman",
        &[
            ("runbooks/payments-rollback.md", "v1\n"),
            ("runbooks/general.md", "v1\n"),
            ("portal.yaml", "x\n"),
        ],
        "docs: runbooks",
    );
    repo.commit(
        "2026-07-01 09:00",
        "Olu Adeyemi",
        &[("releases/payments-1.0.0.md", "window 1\n")],
        "release: plan payments 1.0.0",
    );
    repo.commit(
        "2026-07-20 09:00",
        "Olu Adeyemi",
        &[("releases/payments-1.0.0.md", "window 2\n")],
        "release: move payments 1.0.0",
    );
    repo.commit(
        "2026-07-21 09:00",
        "Olu Adeyemi",
        &[("notes.txt", "unrelated\n")],
        "chore: unrelated",
    );
    (p, repo)
}

#[test]
fn content_files_get_commit_counts_and_last_dates() {
    let (p, repo) = content_repo();
    repo.git(&["checkout", "-q", "-b", "side"]);
    repo.commit(
        "2026-07-25 09:00",
        "Li Wei",
        &[("releases/payments-1.0.0.md", "window 3\n")],
        "release: approve",
    );
    repo.git(&["checkout", "-q", "main"]);
    repo.commit(
        "2026-07-26 09:00",
        "Li Wei",
        &[("contacts.yaml", "people\n")],
        "chore: contacts",
    );
    support::git_in(
        &repo.dir,
        "2026-07-27 09:00",
        "Li Wei",
        &[
            "merge",
            "-q",
            "--no-ff",
            "side",
            "-m",
            "Merge branch 'side'",
        ],
    );
    let c = content(
        vec![payments_system()],
        vec![status_release(Released)],
        vec![runbook("payments-rollback", Some("payments"))],
    );
    let (facts, _) = read(&p.root, &c);
    let release = facts
        .file(std::path::Path::new("releases/payments-1.0.0.md"))
        .unwrap();
    assert_eq!(release.commits, 3, "the merge does not count again");
    assert_eq!(release.last_commit_date.as_deref(), Some("2026-07-25"));
    assert_eq!(release.last_author.as_deref(), Some("Li Wei"));
    let rb = &facts.files["runbooks/payments-rollback.md"];
    assert_eq!(
        (rb.commits, rb.last_commit_date.as_deref()),
        (1, Some("2026-01-10"))
    );
    assert_eq!(facts.files["contacts.yaml"].commits, 1);
    assert!(!facts.files.contains_key("notes.txt"));
    assert!(facts.notes.is_empty());
}

#[test]
fn content_in_a_subfolder_of_a_larger_repository() {
    let root = TempDir::new().unwrap();
    let repo = Repo::init(root.path());
    repo.commit(
        "2026-02-01 09:00",
        "Priya Raman",
        &[
            ("site/runbooks/a.md", "x\n"),
            ("runbooks/a.md", "outside\n"),
        ],
        "docs: a",
    );
    repo.commit(
        "2026-02-03 09:00",
        "Priya Raman",
        &[("runbooks/a.md", "outside 2\n")],
        "docs: outside only",
    );
    let c = content(vec![], vec![], vec![runbook("a", None)]);
    let (facts, diagnostics) = history::read(&root.path().join("site"), &c);
    assert!(diagnostics.is_empty());
    assert_eq!(facts.files["runbooks/a.md"].commits, 1);
    assert_eq!(
        facts.files["runbooks/a.md"].last_commit_date.as_deref(),
        Some("2026-02-01")
    );
}

#[test]
fn content_outside_git_gets_a_note_not_an_error() {
    let root = TempDir::new().unwrap();
    let c = content(
        vec![system("site", None, "v{version}")],
        vec![],
        vec![runbook("a", None)],
    );
    let (facts, diagnostics) = read(&root, &c);
    assert!(facts.files.is_empty());
    assert!(
        facts.notes[0].contains("is not in a git repository"),
        "{:?}",
        facts.notes
    );
    assert!(diagnostics.iter().all(|d| !d.is_error()));
    assert!(messages(&diagnostics)[0].contains("system site has no `repo:`"));
}

#[test]
fn runbooks_go_stale_by_age_and_by_releases_since_review() {
    let (p, _repo) = content_repo();
    let runbooks = vec![
        runbook("general", None),
        runbook("payments-rollback", None),
        runbook("payments-deploy", Some("payments")),
    ];
    let c = content(
        vec![payments_system()],
        vec![status_release(Released)],
        runbooks,
    );
    let (facts, _) = read(&p.root, &c);
    let on = |y, m, d| {
        history::review_runbooks(
            &facts,
            &c,
            chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap(),
        )
    };
    let early = on(2026, 7, 1);
    let general = &early["general"];
    assert_eq!(general.last_reviewed.as_deref(), Some("2026-01-10"));
    assert_eq!(general.age_days, Some(172));
    assert!(!general.stale, "{:?}", general.reasons);
    // Payments has not released by 2026-07-01 (its tags are from August).
    assert!(
        !early["payments-rollback"].stale,
        "{:?}",
        early["payments-rollback"].reasons
    );
    let later = on(2026, 7, 20);
    assert!(later["general"].stale);
    assert_eq!(
        later["general"].reasons,
        ["Last reviewed 191 days ago; runbooks are reviewed every 180 days."]
    );
    // The system's rollback runbook (linked from portal.yaml) is behind its releases.
    let autumn = on(2026, 8, 10);
    let since = &autumn["payments-rollback"];
    assert_eq!(since.not_reviewed_since.as_deref(), Some("1.0.0"));
    let versions: Vec<&str> = since
        .releases_since
        .iter()
        .map(|r| r.version.as_str())
        .collect();
    assert_eq!(versions, ["1.0.0", "1.0.1"]);
    assert!(
        since
            .reasons
            .iter()
            .any(|r| r == "Not reviewed since payments 1.0.0 (2026-08-01); 2 releases since."),
        "{:?}",
        since.reasons
    );
    // Not committed: no date, not stale.
    assert_eq!(autumn["payments-deploy"].last_reviewed, None);
    assert!(!autumn["payments-deploy"].stale);
}

#[test]
fn a_shallow_content_repository_is_reported() {
    let (p, repo) = content_repo();
    let url = format!("file://{}", repo.dir.display());
    let clone = p.root.path().join("clone");
    support::git_in(
        p.root.path(),
        "2026-08-01 00:00",
        "Setup",
        &["clone", "-q", "--depth", "1", &url, clone.to_str().unwrap()],
    );
    let c = content(vec![], vec![status_release(Released)], vec![]);
    let (facts, diagnostics) = history::read(&clone, &c);
    let all = messages(&diagnostics);
    assert!(
        all.iter()
            .any(|m| m
                .starts_with("portal.yaml: warning: the content repository is a shallow clone")),
        "{all:?}"
    );
    assert_eq!(facts.files["releases/payments-1.0.0.md"].commits, 1);
}
