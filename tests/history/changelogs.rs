//! Tags, changelogs, links, merges, include paths, shallow clones and Markdown.

use super::*;

#[test]
fn tags_of_every_kind_in_semver_order() {
    let p = payments();
    let (facts, diagnostics) = read(&p.root, &content(vec![payments_system()], vec![], vec![]));
    assert!(
        diagnostics.iter().all(|d| !d.is_error()),
        "{:?}",
        messages(&diagnostics)
    );
    let h = facts.system("payments").unwrap();
    assert!(h.available && !h.shallow);
    let versions: Vec<&str> = h.tags.iter().map(|t| t.version.as_str()).collect();
    assert_eq!(versions, ["1.2.0", "1.1.0", "1.0.1", "1.0.0"]);
    let tag = |v: &str| h.tags.iter().find(|t| t.version == v).unwrap();
    assert!(!tag("1.0.0").annotated);
    assert_eq!(tag("1.0.0").sha, p.c[0]);
    assert_eq!(tag("1.0.0").date, "2026-08-01");
    assert!(tag("1.1.0").annotated);
    assert_eq!(tag("1.1.0").datetime, "2026-08-12T20:30:00+00:00");
    // A tag of a tag: the outer message and date, the inner commit.
    assert_eq!(tag("1.2.0").sha, p.c[3]);
    assert_eq!(tag("1.2.0").message.as_deref(), Some("Faster card checks"));
    assert_eq!(tag("1.2.0").date, "2026-08-16");
    // Not reachable from HEAD, still a release.
    assert_eq!(tag("1.0.1").sha, p.h1);
    let debug = facts.debug.join("\n");
    assert!(debug.contains("ignored tag v2.0"), "{debug}");
    assert!(
        debug.contains("ignored pre-release tag v1.3.0-rc.1"),
        "{debug}"
    );
}

#[test]
fn changelog_is_the_commits_since_the_previous_semver_tag() {
    let p = payments();
    let (facts, _) = read(&p.root, &content(vec![payments_system()], vec![], vec![]));
    let h = facts.system("payments").unwrap();
    let version = |v: &str| h.changelog(&v.parse().unwrap()).unwrap();
    // 1.1.0 follows 1.0.1 in SemVer order; 1.0.1's history (c1, h1) is excluded.
    let v110 = version("1.1.0");
    assert_eq!(v110.previous_tag.as_deref(), Some("v1.0.1"));
    assert_eq!(
        shas(v110).into_iter().collect::<BTreeSet<_>>(),
        BTreeSet::from([p.c[1].clone(), p.c[2].clone()])
    );
    assert_eq!(
        v110.highlights.as_deref(),
        Some("Wallet top-ups\n\nPay from your wallet.")
    );
    assert_eq!(v110.commit_count, 2);
    assert_eq!(shas(version("1.0.1")), std::slice::from_ref(&p.h1));
    assert_eq!(shas(version("1.0.0")), [p.c[0].clone()]);
    assert_eq!(shas(version("1.2.0")), [p.c[3].clone()]);
    assert_eq!(shas(&h.unreleased), [p.c[4].clone()]);
    assert_eq!(h.unreleased.title, "Unreleased");
    assert_eq!(
        h.unreleased.compare_url.as_deref(),
        Some("https://git.example.com/payments/compare/v1.2.0...main")
    );
    // Newest first, in the same order as the tags.
    let order: Vec<&str> = h.changelogs.iter().map(|c| c.title.as_str()).collect();
    assert_eq!(order, ["1.2.0", "1.1.0", "1.0.1", "1.0.0"]);
}

#[test]
fn conventional_commits_are_grouped_with_links_authors_and_dates() {
    let p = payments();
    let (facts, _) = read(&p.root, &content(vec![payments_system()], vec![], vec![]));
    let h = facts.system("payments").unwrap();
    let v110 = h.changelog(&"1.1.0".parse().unwrap()).unwrap();
    let keys: Vec<&str> = v110.groups.iter().map(|g| g.key.as_str()).collect();
    assert_eq!(keys, ["breaking", "fix"]);
    let breaking = &v110.groups[0].commits[0];
    assert_eq!(breaking.kind.as_deref(), Some("feat"));
    assert_eq!(breaking.scope.as_deref(), Some("wallet"));
    assert_eq!(
        breaking.breaking_note.as_deref(),
        Some("amounts are in cents.")
    );
    let fix = &v110.groups[1].commits[0];
    assert_eq!(fix.text, "retry webhooks (PAY-441)");
    assert_eq!(fix.author, "Dana Scully");
    assert_eq!(fix.date, "2026-08-08");
    assert_eq!(fix.tickets[0].id, "PAY-441");
    assert_eq!(
        fix.tickets[0].url.as_deref(),
        Some("https://tracker.example.com/browse/PAY-441")
    );
    let linked: Vec<(&str, Option<&str>)> = fix
        .spans
        .iter()
        .map(|s| (s.text.as_str(), s.url.as_deref()))
        .collect();
    assert_eq!(
        linked,
        [
            ("retry webhooks (", None),
            (
                "PAY-441",
                Some("https://tracker.example.com/browse/PAY-441")
            ),
            (")", None)
        ]
    );
    assert_eq!(
        fix.url.as_deref(),
        Some(format!("https://git.example.com/payments/commit/{}", p.c[1]).as_str())
    );
    assert_eq!(fix.short_sha, &p.c[1][..7]);
    assert_eq!(
        v110.compare_url.as_deref(),
        Some("https://git.example.com/payments/compare/v1.0.1...v1.1.0")
    );
    let names: Vec<&str> = v110.contributors.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["Dana Scully", "Priya Raman"]);
    let hotfix = h.changelog(&"1.0.1".parse().unwrap()).unwrap();
    // `#7` is an issue number; the Jira-style tracker has no ticket 7, so it is not linked.
    assert_eq!(hotfix.groups[0].commits[0].tickets[0].id, "#7");
    assert_eq!(hotfix.groups[0].commits[0].tickets[0].url, None);
    assert_eq!(
        group(h.changelog(&"1.2.0".parse().unwrap()).unwrap(), "perf"),
        ["cache card BINs"]
    );
    assert_eq!(group(&h.unreleased, "docs"), ["explain refunds"]);
}

#[test]
fn shas_in_messages_link_to_commits_of_the_repository() {
    let p = payments();
    let repo = Repo {
        dir: p.root.path().join("repos/payments"),
    };
    let short = &p.c[1][..8];
    repo.change(
        "2026-08-21 10:00",
        "Li Wei",
        "refunds.txt",
        &format!("Revert \"fix(refunds): retry\"\n\nThis reverts {short}, not 1234567."),
    );
    repo.change(
        "2026-08-22 10:00",
        "Li Wei",
        "refunds.txt",
        &format!("fix: follow-up to {short} and abcdef1"),
    );
    let (facts, _) = read(&p.root, &content(vec![payments_system()], vec![], vec![]));
    let h = facts.system("payments").unwrap();
    let follow_up = &group(&h.unreleased, "fix");
    assert_eq!(
        follow_up,
        &[format!("follow-up to {short} and abcdef1").as_str()]
    );
    let commit = &h
        .unreleased
        .groups
        .iter()
        .find(|g| g.key == "fix")
        .unwrap()
        .commits[0];
    let link = commit.spans.iter().find(|s| s.text == short).unwrap();
    assert_eq!(
        link.url.as_deref(),
        Some(format!("https://git.example.com/payments/commit/{}", p.c[1]).as_str())
    );
    assert!(
        commit.spans.iter().all(|s| s.text != "abcdef1"),
        "unknown SHAs stay text"
    );
    assert_eq!(group(&h.unreleased, "revert"), ["fix(refunds): retry"]);
}

#[test]
fn prereleases_order_before_their_release_when_enabled() {
    let p = payments();
    let repo = Repo {
        dir: p.root.path().join("repos/payments"),
    };
    let rc2 = repo.change("2026-08-23 10:00", "Li Wei", "api.txt", "fix: rc feedback");
    repo.tag("v1.3.0-rc.2");
    let last = repo.change("2026-08-24 10:00", "Li Wei", "api.txt", "fix: final polish");
    repo.tag("v1.3.0");
    let mut sys = payments_system();
    sys.prereleases = true;
    let (facts, _) = read(&p.root, &content(vec![sys], vec![], vec![]));
    let h = facts.system("payments").unwrap();
    let versions: Vec<&str> = h.tags.iter().map(|t| t.version.as_str()).collect();
    assert_eq!(
        versions,
        [
            "1.3.0",
            "1.3.0-rc.2",
            "1.3.0-rc.1",
            "1.2.0",
            "1.1.0",
            "1.0.1",
            "1.0.0"
        ]
    );
    let get = |v: &str| h.changelog(&v.parse().unwrap()).unwrap();
    assert_eq!(
        get("1.3.0-rc.2").previous_tag.as_deref(),
        Some("v1.3.0-rc.1")
    );
    assert_eq!(shas(get("1.3.0-rc.2")), std::slice::from_ref(&rc2));
    // The final release lists everything since the previous final release.
    assert_eq!(get("1.3.0").previous_tag.as_deref(), Some("v1.2.0"));
    assert_eq!(shas(get("1.3.0")), [last, rc2, p.c[4].clone()]);
    assert!(h.tags[1].prerelease);
}

#[test]
fn include_paths_split_a_monorepo_between_systems() {
    let root = TempDir::new().unwrap();
    let repo = Repo::init(&root.path().join("mono"));
    let a1 = repo.change(
        "2026-03-01 10:00",
        "Priya Raman",
        "services/a/main.rs",
        "feat(a): start A",
    );
    let b1 = repo.change(
        "2026-03-02 10:00",
        "Li Wei",
        "services/b/main.rs",
        "feat(b): start B",
    );
    repo.tag("a-v1.0.0");
    repo.tag("b-v1.0.0");
    let a2 = repo.change(
        "2026-03-03 10:00",
        "Priya Raman",
        "services/a/main.rs",
        "fix(a): A bug",
    );
    let _shared = repo.change("2026-03-04 10:00", "Li Wei", "docs/guide.md", "docs: guide");
    let b2 = repo.change(
        "2026-03-05 10:00",
        "Li Wei",
        "services/b/lib.rs",
        "fix(b): B bug",
    );
    repo.tag("a-v1.1.0");
    repo.tag("b-v1.1.0");
    let b3 = repo.change(
        "2026-03-06 10:00",
        "Li Wei",
        "services/b/lib.rs",
        "feat(b): only B here",
    );
    repo.tag("a-v1.2.0");
    let mut a = system("a", Some("mono"), "a-v{version}");
    a.include_paths = vec!["services/a/".to_owned()];
    let mut b = system("b", Some("mono"), "b-v{version}");
    b.include_paths = vec!["./services/b".to_owned()];
    let mut typo = system("c", Some("mono"), "c-v{version}");
    typo.include_paths = vec!["services/see".to_owned()];
    let releases = vec![release(
        "a",
        "1.2.0",
        Released,
        "2026-03-06 09:00",
        "2026-03-06 12:00",
    )];
    let (facts, diagnostics) = read(&root, &content(vec![a, b, typo], releases, vec![]));
    let get = |s: &str, v: &str| facts.changelog(s, &v.parse().unwrap()).unwrap().clone();
    assert_eq!(shas(&get("a", "1.0.0")), [a1]);
    assert_eq!(shas(&get("b", "1.0.0")), [b1]);
    assert_eq!(shas(&get("a", "1.1.0")), [a2]);
    assert_eq!(shas(&get("b", "1.1.0")), [b2]);
    assert_eq!(shas(&facts.system("b").unwrap().unreleased), [b3]);
    // a-v1.2.0 only contains a commit under services/b.
    assert!(get("a", "1.2.0").groups.is_empty());
    let warning = diagnostics
        .iter()
        .find(|d| d.field.as_deref() == Some("version"))
        .expect("foreign path warning");
    assert_eq!(warning.severity, Severity::Warning);
    assert!(
        warning
            .message
            .contains("a-v1.2.0 has no commits under a's include_paths"),
        "{warning}"
    );
    assert!(
        warning.message.contains("changes the paths of b"),
        "{warning}"
    );
    assert_eq!(warning.at.file.to_str(), Some("releases/a-1.2.0.md"));
    let typo = messages(&diagnostics)
        .into_iter()
        .find(|m| m.contains("[include_paths]"))
        .expect("typo warning");
    assert!(
        typo.contains("no commit of c's repository touches services/see"),
        "{typo}"
    );
}

#[test]
fn merges_list_their_branch_or_stand_for_it_with_first_parent() {
    let root = TempDir::new().unwrap();
    let repo = Repo::init(&root.path().join("repo"));
    repo.change("2026-04-01 10:00", "Priya Raman", "a.txt", "feat: base");
    repo.tag("v1.0.0");
    repo.git(&["checkout", "-q", "-b", "feature/wallet"]);
    let f1 = repo.change(
        "2026-04-02 10:00",
        "Dana Scully",
        "w.txt",
        "feat(wallet): balance",
    );
    let f2 = repo.change(
        "2026-04-03 10:00",
        "Dana Scully",
        "w.txt",
        "fix(wallet): rounding",
    );
    repo.git(&["checkout", "-q", "main"]);
    let m1 = repo.change(
        "2026-04-03 12:00",
        "Priya Raman",
        "a.txt",
        "fix: main-line fix",
    );
    support::git_in(
        &repo.dir,
        "2026-04-04 10:00",
        "Priya Raman",
        &[
            "merge",
            "-q",
            "--no-ff",
            "feature/wallet",
            "-m",
            "Merge branch 'feature/wallet'",
            "-m",
            "feat(wallet): wallet top-ups (PAY-456)",
        ],
    );
    let merge = repo.git(&["rev-parse", "HEAD"]);
    repo.tag("v1.1.0");
    let sys = system("payments", Some("repo"), "v{version}");
    let c = content(vec![sys], vec![], vec![]);
    let (facts, _) = read(&root, &c);
    let full = facts
        .changelog("payments", &"1.1.0".parse().unwrap())
        .unwrap();
    assert_eq!(
        shas(full).into_iter().collect::<BTreeSet<_>>(),
        BTreeSet::from([f1.clone(), f2.clone(), m1.clone()])
    );
    assert_eq!(full.merge_count, 1);
    assert_eq!(full.commit_count, 3);

    let options = ReadOptions {
        first_parent: BTreeSet::from(["payments".to_owned()]),
        ..ReadOptions::default()
    };
    let (facts, _) = history::read_with(root.path(), &c, &options);
    let fp = facts
        .changelog("payments", &"1.1.0".parse().unwrap())
        .unwrap();
    assert_eq!(
        shas(fp).into_iter().collect::<BTreeSet<_>>(),
        BTreeSet::from([merge.clone(), m1])
    );
    let merged = fp.groups.iter().find(|g| g.key == "feat").unwrap();
    assert_eq!(merged.commits[0].sha, merge);
    assert_eq!(merged.commits[0].text, "wallet top-ups (PAY-456)");
    assert!(merged.commits[0].merge);

    // The same, asked for in portal.yaml (`first_parent: true` on the system).
    let mut sys = system("payments", Some("repo"), "v{version}");
    sys.first_parent = true;
    let c = content(vec![sys], vec![], vec![]);
    let (facts, _) = read(&root, &c);
    let configured = facts
        .changelog("payments", &"1.1.0".parse().unwrap())
        .unwrap();
    assert_eq!(shas(configured), shas(fp));
}

#[test]
fn shallow_clones_are_detected_and_their_changelogs_marked_partial() {
    let p = payments();
    let source = p.root.path().join("repos/payments");
    let url = format!("file://{}", source.display());
    let clone_dir = p.root.path().join("repos/shallow");
    support::git_in(
        p.root.path(),
        "2026-09-01 00:00",
        "Setup",
        &[
            "clone",
            "-q",
            "--depth",
            "1",
            "--no-single-branch",
            &url,
            clone_dir.to_str().unwrap(),
        ],
    );
    let sys = system("payments", Some("repos/shallow"), "v{version}");
    let (facts, diagnostics) = read(&p.root, &content(vec![sys], vec![], vec![]));
    let h = facts.system("payments").unwrap();
    assert!(h.shallow);
    // Every tag was fetched at depth 1: 1.1.0's range lost c2, 1.2.0's range is complete.
    let get = |v: &str| h.changelog(&v.parse().unwrap()).unwrap();
    assert!(get("1.1.0").partial);
    assert_eq!(shas(get("1.1.0")), [p.c[2].clone()]);
    assert!(!get("1.2.0").partial);
    assert_eq!(shas(get("1.2.0")), [p.c[3].clone()]);
    let warning = diagnostics
        .iter()
        .find(|d| d.field.as_deref() == Some("repo"))
        .expect("shallow warning");
    assert_eq!(warning.severity, Severity::Warning);
    assert!(warning.message.contains("shallow clone"));
    assert!(warning
        .help
        .as_deref()
        .unwrap()
        .contains("git fetch --unshallow --tags"));
    assert!(warning
        .to_string()
        .starts_with("portal.yaml:7:9: warning[repo]"));
}

#[test]
fn a_missing_or_unreadable_repository_is_an_error_naming_system_and_path() {
    let root = TempDir::new().unwrap();
    std::fs::create_dir_all(root.path().join("repos/not-a-repo")).unwrap();
    let missing = system("payments", Some("repos/missing.git"), "v{version}");
    let plain = system("ledger", Some("repos/not-a-repo"), "v{version}");
    let (facts, diagnostics) = read(&root, &content(vec![missing, plain], vec![], vec![]));
    let errors: Vec<String> = diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.to_string())
        .collect();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors[0].starts_with("portal.yaml:7:9: error[repo]: cannot read the git repository of system payments at repos/missing.git"), "{}", errors[0]);
    assert!(
        errors[1].contains("system ledger at repos/not-a-repo"),
        "{}",
        errors[1]
    );
    assert!(!facts.system("payments").unwrap().available);
    let err = history::changelog_markdown(&facts, "payments", None, None).unwrap_err();
    assert!(err.to_string().contains("could not be read"));
}

#[test]
fn changelog_markdown_follows_keep_a_changelog() {
    let p = payments();
    let (facts, _) = read(&p.root, &content(vec![payments_system()], vec![], vec![]));
    let md = history::changelog_markdown(&facts, "payments", None, None).unwrap();
    assert!(md.starts_with("# Changelog\n"));
    let unreleased = md.find("## [Unreleased]").unwrap();
    let v120 = md.find("## [1.2.0] - 2026-08-16").unwrap();
    let v100 = md.find("## [1.0.0] - 2026-08-01").unwrap();
    assert!(unreleased < v120 && v120 < v100);
    assert!(
        md.contains("### Breaking changes\n\n- **wallet:** top-ups ("),
        "{md}"
    );
    assert!(md.contains("  - BREAKING CHANGE: amounts are in cents."));
    assert!(md.contains("### Fixed\n\n- **refunds:** retry webhooks ([PAY-441](https://tracker.example.com/browse/PAY-441))"), "{md}");
    assert!(md.contains("[1.1.0]: https://git.example.com/payments/compare/v1.0.1...v1.1.0"));
    let range =
        history::changelog_markdown(&facts, "payments", Some("v1.0.1"), Some("1.1.0")).unwrap();
    assert!(
        !range.contains("[Unreleased]")
            && !range.contains("## [1.2.0]")
            && !range.contains("## [1.0.0]")
    );
    // --from is exclusive: the range starts after v1.0.1, like git's v1.0.1..v1.1.0.
    assert!(
        range.contains("## [1.1.0]") && !range.contains("## [1.0.1]"),
        "{range}"
    );
    let err = history::changelog_markdown(&facts, "payments", Some("v9"), None).unwrap_err();
    assert!(err
        .to_string()
        .contains("\"v9\" is not a release tag of payments"));
    let err =
        history::changelog_markdown(&facts, "payments", Some("1.2.0"), Some("1.0.0")).unwrap_err();
    assert!(err.to_string().contains("swap them"));
}

#[test]
fn facts_serialize_for_templates() {
    let p = payments();
    let (facts, _) = read(&p.root, &content(vec![payments_system()], vec![], vec![]));
    let json = serde_json::to_value(&facts).unwrap();
    let first = &json["systems"]["payments"]["changelogs"][1];
    assert_eq!(first["title"], "1.1.0");
    assert_eq!(first["groups"][0]["title"], "Breaking changes");
    assert_eq!(
        first["groups"][1]["commits"][0]["tickets"][0]["id"],
        "PAY-441"
    );
    assert!(first.get("at").is_none(), "typed dates are not serialised");
    // Same input, same output.
    let (again, _) = read(&p.root, &content(vec![payments_system()], vec![], vec![]));
    assert_eq!(
        serde_json::to_string(&facts).unwrap(),
        serde_json::to_string(&again).unwrap()
    );
}
