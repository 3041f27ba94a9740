//! Integration tests of `shipboard check`, `new` and `init`: the real binary, fixture
//! repos in temp dirs, exact `file:line` output in every format.

mod common;

use common::{run, Fixture};

fn check(fx: &Fixture, extra: &[&str]) -> common::Output {
    let dir = fx.dir().display().to_string();
    let mut args = vec!["check", dir.as_str()];
    args.extend_from_slice(extra);
    run(&args)
}

#[test]
fn clean_content_exits_zero_and_writes_nothing() {
    let fx = Fixture::new("minimal");
    let result = check(&fx, &[]);
    assert_eq!(result.code, Some(0), "{}{}", result.stdout, result.stderr);
    // The fixture's systems name no `repo:`: check says which have no history, nothing else.
    assert!(
        result.stdout.contains("0 error(s), 2 warning(s)"),
        "{}",
        result.stdout
    );
    for system in ["billing", "web"] {
        assert!(
            result.stdout.contains(&format!(
                "warning[repo]: system {system} has no `repo:`: its pages show no changelog"
            )),
            "{}",
            result.stdout
        );
    }
    assert!(
        !fx.dir().join("public").exists(),
        "check must not write a site"
    );
}

#[test]
fn upper_case_extensions_are_read_like_lower_case_ones() {
    let fx = Fixture::new("minimal");
    let dir = fx.dir();
    for (from, to) in [
        ("releases/billing-1.2.0.md", "releases/billing-1.2.0.MD"),
        (
            "runbooks/billing-rollback.md",
            "runbooks/billing-rollback.Md",
        ),
    ] {
        std::fs::rename(dir.join(from), dir.join(to)).unwrap();
    }
    let result = check(&fx, &[]);
    assert_eq!(result.code, Some(0), "{}{}", result.stdout, result.stderr);
    assert!(
        result.stdout.contains("0 error(s), 2 warning(s)"),
        "read as before, nothing unknown: {}",
        result.stdout
    );
    let site = fx.build_ok();
    assert!(site.join("releases/billing/1.2.0/index.html").is_file());
    assert!(site.join("runbooks/billing-rollback/index.html").is_file());
}

#[test]
fn link_templates_that_cannot_make_links_are_errors_at_their_line() {
    let fx = Fixture::new("minimal");
    let portal = fx.read("portal.yaml").replace(
        "    escalation: billing\n",
        "    escalation: billing\n    commit_url: \"javascript:alert(1)//{sha}\"\n    compare_url: \"https://git.acme.example/compare/{from}\"\n    ticket_url: \"tracker.acme.example/browse/{id}\"\n",
    );
    fx.write("portal.yaml", &portal);
    let result = check(&fx, &[]);
    assert_eq!(result.code, Some(1), "{}", result.stdout);
    for expected in [
        "portal.yaml:10:17: error[commit_url]: `commit_url` \"javascript:alert(1)//{sha}\" is not an http(s) address",
        "portal.yaml:11:18: error[compare_url]: `compare_url` \"https://git.acme.example/compare/{from}\" has no {to}",
        "portal.yaml:12:17: error[ticket_url]: `ticket_url` \"tracker.acme.example/browse/{id}\" is not an absolute address",
    ] {
        assert!(result.stdout.contains(expected), "{expected}\n{}", result.stdout);
    }
    assert!(
        result
            .stdout
            .contains("help: write the address with its placeholders, e.g. https://"),
        "{}",
        result.stdout
    );
}

#[test]
fn a_problem_with_a_repository_points_at_its_repo_line() {
    let fx = Fixture::new("minimal");
    let portal = fx.read("portal.yaml").replace(
        "    escalation: billing\n",
        "    escalation: billing\n    repo: repos/missing\n",
    );
    fx.write("portal.yaml", &portal);
    let result = check(&fx, &[]);
    assert_eq!(result.code, Some(1), "{}", result.stdout);
    assert!(
        result.stdout.contains("portal.yaml:10:11: error[repo]: cannot read the git repository of system billing at repos/missing"),
        "{}",
        result.stdout
    );
}

#[test]
fn a_tab_names_the_field_on_its_own_line() {
    let fx = Fixture::new("minimal");
    let portal = fx.read("portal.yaml").replacen(
        "    name: Billing\n",
        "    name: Billing\n\tdescription: Bills.\n",
        1,
    );
    fx.write("portal.yaml", &portal);
    let result = check(&fx, &[]);
    assert_eq!(result.code, Some(1), "{}", result.stdout);
    assert!(
        result
            .stdout
            .contains("portal.yaml:7:1: error[description]: a tab in the indentation"),
        "not the line above's field: {}",
        result.stdout
    );
}

#[test]
fn broken_link_and_anchor_are_found_with_their_line() {
    let fx = Fixture::new("minimal");
    let runbook = fx.read("runbooks/billing-rollback.md");
    fx.write("runbooks/billing-rollback.md", &format!("{runbook}\nSee [web](/runbooks/web-rolback/) and [steps](#stepz).\n\nAlso [the file](web-rollback.md).\n"));
    let result = check(&fx, &[]);
    assert_eq!(result.code, Some(1), "{}", result.stdout);
    let file = format!("{}/runbooks/billing-rollback.md", fx.dir().display());
    assert!(
        result.stdout.contains(&format!(
            "{file}:13: error[link]: broken link \"/runbooks/web-rolback/\""
        )),
        "{}",
        result.stdout
    );
    assert!(
        result.stdout.contains(&format!(
            "{file}:13: error[link]: link to \"#stepz\": no heading #stepz on that page"
        )),
        "{}",
        result.stdout
    );
    assert!(
        result.stdout.contains("help: headings there: #steps"),
        "{}",
        result.stdout
    );
    assert!(
        result.stdout.contains(&format!(
            "{file}:15: error[link]: broken link \"web-rollback.md\""
        )),
        "{}",
        result.stdout
    );
    assert!(
        result
            .stdout
            .contains("link to the page, not the file: /runbooks/web-rollback/"),
        "{}",
        result.stdout
    );
}

#[test]
fn a_valid_cross_page_anchor_passes() {
    let fx = Fixture::new("minimal");
    let release = fx.read("releases/web-2.0.0.md");
    fx.write("releases/web-2.0.0.md", &format!("{release}\nRoll back with [these steps](/runbooks/web-rollback/#steps) or [billing](../../billing/1.2.0/).\n"));
    let result = check(&fx, &[]);
    assert_eq!(result.code, Some(0), "{}", result.stdout);
}

#[test]
fn github_and_json_formats_carry_file_and_line() {
    let fx = Fixture::new("minimal");
    fx.write(
        "releases/web-2.0.0.md",
        &fx.read("releases/web-2.0.0.md")
            .replace("version: 2.0.0", "version: two"),
    );
    let result = common::run_in(
        &["check", "content", "--format", "github"],
        Some(fx.dir().parent().unwrap()),
    );
    assert_eq!(result.code, Some(1));
    assert!(result.stdout.lines().any(|l| l.starts_with("::error file=content/releases/web-2.0.0.md,line=3,col=10,title=version::\"two\" is not a SemVer version")), "{}", result.stdout);
    let result = common::run_in(
        &["check", "content", "--format", "json"],
        Some(fx.dir().parent().unwrap()),
    );
    assert_eq!(result.code, Some(1));
    let json: serde_json::Value = serde_json::from_str(&result.stdout).expect("valid JSON");
    let error = json
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["severity"] == "error")
        .expect("an error");
    assert_eq!(error["file"], "content/releases/web-2.0.0.md");
    assert_eq!(error["line"], 3);
    assert_eq!(error["column"], 10);
    assert_eq!(error["field"], "version");
}

#[test]
fn init_checks_clean_and_scaffolds_are_errors_until_filled_in() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("portal");
    let d = dir.display().to_string();
    let result = run(&["init", &d, "--title", "Team \"Rocket\" Releases"]);
    assert_eq!(result.code, Some(0), "{}", result.stderr);
    assert_eq!(run(&["check", &d]).code, Some(0));
    // A second init refuses and writes nothing; so does one over a folder holding any of
    // its files.
    let again = run(&["init", &d]);
    assert_eq!(again.code, Some(2), "{}", again.stderr);
    let other = temp.path().join("other");
    std::fs::create_dir_all(other.join("releases")).unwrap();
    std::fs::write(other.join("releases/api-1.0.0.md"), "keep").unwrap();
    let refused = run(&["init", &other.display().to_string()]);
    assert_eq!(refused.code, Some(2), "{}", refused.stderr);
    assert!(
        refused.stderr.contains("nothing was written"),
        "{}",
        refused.stderr
    );
    let left: Vec<_> = std::fs::read_dir(&other).unwrap().flatten().collect();
    assert_eq!(left.len(), 1, "only releases/ is there: {left:?}");
    let result = run(&[
        "new",
        "release",
        "api",
        "1.1.0",
        &d,
        "--date",
        "2030-01-08 20:00",
        "--type",
        "patch",
    ]);
    assert_eq!(result.code, Some(0), "{}", result.stderr);
    let release = std::fs::read_to_string(dir.join("releases/api-1.1.0.md")).unwrap();
    assert!(
        release.contains("checklist: standard\n"),
        "by type: {release}"
    );
    let result = run(&[
        "new",
        "runbook",
        "api-deploy",
        &d,
        "--system",
        "api",
        "--kind",
        "deploy",
    ]);
    assert_eq!(result.code, Some(0), "{}", result.stderr);

    // Scaffolds have the right shape, but their placeholders must not be published.
    let result = run(&["check", &d]);
    assert_eq!(result.code, Some(1), "{}", result.stdout);
    for expected in [
        "releases/api-1.1.0.md:6:8: error[title]: `title` is still the placeholder from `shipboard new`",
        "releases/api-1.1.0.md:20:1: error: \"What changes, for whom, and why.\" is still the placeholder",
        "releases/api-1.1.0.md:24:1: error: an empty list item (left from `shipboard new`)",
        "runbooks/api-deploy.md:2:8: error[title]: `title` is still the placeholder",
        "runbooks/api-deploy.md:6:10: error[summary]: `summary` is still the placeholder",
        "runbooks/api-deploy.md:14:1: error: an empty list item",
    ] {
        assert!(result.stdout.contains(expected), "{expected}\n{}", result.stdout);
    }
    let filled = |text: &str| {
        text.replace("What users get, in one line", "Faster search")
            .replace(
                "What changes, for whom, and why.",
                "Search answers in half the time.",
            )
            .replace("A title that says what this runbook does", "Deploy the API")
            .replace(
                "One sentence on what this does and how long it takes.",
                "Ten minutes.",
            )
            .replace("\n- \n", "\n- Slower cold start.\n")
            .replace("\n1. \n", "\n1. Run the deploy job.\n")
    };
    for file in ["releases/api-1.1.0.md", "runbooks/api-deploy.md"] {
        let text = std::fs::read_to_string(dir.join(file)).unwrap();
        std::fs::write(dir.join(file), filled(&text)).unwrap();
    }
    let result = run(&["check", &d]);
    assert_eq!(result.code, Some(0), "{}", result.stdout);
    let out = temp.path().join("site");
    let result = run(&["build", &d, "--output", &out.display().to_string()]);
    assert_eq!(result.code, Some(0), "{}", result.stderr);
    assert!(out.join("releases/api/1.1.0/index.html").is_file());
    assert!(std::fs::read_to_string(out.join("index.html"))
        .unwrap()
        .contains("Team &quot;Rocket&quot; Releases"));
}

#[test]
fn new_release_picks_the_checklist_by_type_and_refuses_a_freeze() {
    let fx = Fixture::new("../../content");
    let d = fx.dir().display().to_string();
    let scaffold = |version: &str, date: &str, kind: &str| {
        run(&[
            "new", "release", "payments", version, &d, "--date", date, "--type", kind,
        ])
    };
    let made = scaffold("9.1.0", "2027-02-09 21:00", "major");
    assert_eq!(made.code, Some(0), "{}", made.stderr);
    assert!(fx
        .read("releases/payments-9.1.0.md")
        .contains("checklist: production-readiness\n"));
    let made = scaffold("9.1.1", "2027-02-10 21:00", "patch");
    assert_eq!(made.code, Some(0), "{}", made.stderr);
    assert!(fx
        .read("releases/payments-9.1.1.md")
        .contains("checklist: standard-rollout\n"));

    let frozen = scaffold("9.2.0", "2026-12-24 21:00", "minor");
    assert_eq!(frozen.code, Some(2), "{}", frozen.stderr);
    assert!(
        frozen
            .stderr
            .contains("falls in the freeze \"Year-end freeze\"")
            && frozen.stderr.contains("--type emergency"),
        "{}",
        frozen.stderr
    );
    assert!(!fx.dir().join("releases/payments-9.2.0.md").exists());
    let emergency = scaffold("9.2.0", "2026-12-24 21:00", "emergency");
    assert_eq!(emergency.code, Some(0), "{}", emergency.stderr);
    assert!(fx
        .read("releases/payments-9.2.0.md")
        .contains("checklist: hotfix\n"));
}

#[test]
fn new_refuses_to_overwrite_or_to_invent() {
    let temp = tempfile::tempdir().unwrap();
    let d = temp.path().display().to_string();
    assert_eq!(run(&["init", &d]).code, Some(0));
    // Usage errors exit 2, as the README says.
    assert_eq!(run(&["init", &d]).code, Some(2), "init twice");
    let dup = run(&["new", "release", "api", "1.0.0", "--dir", &d]);
    assert_eq!(dup.code, Some(2));
    assert!(
        dup.stderr.contains("already has a release file"),
        "{}",
        dup.stderr
    );
    let unknown = run(&["new", "release", "apii", "1.0.1", "--dir", &d]);
    assert_eq!(unknown.code, Some(2));
    assert!(
        unknown
            .stderr
            .contains("unknown system \"apii\"; the portal has: api"),
        "{}",
        unknown.stderr
    );
    let bad = run(&["new", "runbook", "../escape", "--dir", &d]);
    assert_eq!(bad.code, Some(2));
    // A slug `check` would refuse is refused here, before a file is written.
    let reserved = run(&["new", "runbook", "by-system", "--dir", &d]);
    assert_eq!(reserved.code, Some(2), "{}", reserved.stderr);
    assert!(
        reserved.stderr.contains("runbook index's pages per system"),
        "{}",
        reserved.stderr
    );
    assert!(!temp.path().join("runbooks/by-system.md").exists());
    let empty = tempfile::tempdir().unwrap();
    let unreadable = run(&[
        "new",
        "runbook",
        "x",
        "--dir",
        &empty.path().display().to_string(),
    ]);
    assert_eq!(
        unreadable.code,
        Some(1),
        "content problems exit 1 like check"
    );
    assert!(bad.stderr.contains("not a valid slug"), "{}", bad.stderr);
    assert!(!temp.path().parent().unwrap().join("escape.md").exists());
}

#[test]
fn help_and_version_work() {
    let help = run(&["check", "--help"]);
    assert_eq!(help.code, Some(0));
    assert!(help.stdout.contains("--format github"));
    // Every command, `new` included, shows an example of itself.
    let new = run(&["new", "--help"]);
    assert_eq!(new.code, Some(0));
    assert!(new.stdout.contains("shipboard new release payments 2.5.0"));
    let version = run(&["--version"]);
    assert!(version.stdout.starts_with("shipboard "));
}

#[test]
fn changelog_prints_keep_a_changelog_markdown_from_the_example_history() {
    let fx = Fixture::new("../../content");
    let dir = fx.dir().display().to_string();
    let result = run(&["changelog", "payments", "--dir", &dir]);
    assert_eq!(result.code, Some(0), "{}", result.stderr);
    assert!(
        result.stdout.starts_with("# Changelog\n"),
        "{}",
        result.stdout
    );
    assert!(
        result.stdout.contains("## [2.3.2] - 2026-10-14"),
        "{}",
        result.stdout
    );
    assert!(result
        .stdout
        .contains("[PAY-456](https://tracker.northwind.example/browse/PAY-456)"));
    let range = run(&[
        "changelog",
        "payments",
        &dir,
        "--from",
        "v2.2.0",
        "--to",
        "v2.3.0",
    ]);
    assert!(
        range.stdout.contains("## [2.3.0]") && !range.stdout.contains("## [2.2.0]"),
        "--from is exclusive: {}",
        range.stdout
    );
    // Usage errors exit 2, like every other command's.
    let unknown = run(&["changelog", "payment", "--dir", &dir]);
    assert_eq!(unknown.code, Some(2));
    assert!(
        unknown.stderr.contains("unknown system \"payment\""),
        "{}",
        unknown.stderr
    );
    let tag = run(&["changelog", "payments", &dir, "--from", "nope"]);
    assert_eq!(tag.code, Some(2), "{}", tag.stderr);
    let reversed = run(&[
        "changelog",
        "payments",
        &dir,
        "--from",
        "v2.3.0",
        "--to",
        "v2.2.0",
    ]);
    assert_eq!(reversed.code, Some(2), "{}", reversed.stderr);
}

#[test]
fn a_runbook_not_reviewed_for_months_is_a_warning_and_flagged_on_its_page() {
    let fx = Fixture::new("minimal");
    let git = |args: &[&str], date: &str| {
        let status = std::process::Command::new("git")
            .args(["-c", "user.name=Ana", "-c", "user.email=ana@acme.example"])
            .args(args)
            .current_dir(fx.dir())
            .env("GIT_AUTHOR_DATE", date)
            .env("GIT_COMMITTER_DATE", date)
            .status()
            .expect("git runs");
        assert!(status.success(), "git {args:?}");
    };
    git(&["init", "-q"], "2025-01-10T10:00:00Z");
    git(&["add", "-A"], "2025-01-10T10:00:00Z");
    git(&["commit", "-qm", "portal"], "2025-01-10T10:00:00Z");
    let result = check(&fx, &["--deny-warnings"]);
    assert_eq!(result.code, Some(1), "{}", result.stdout);
    assert!(
        result.stdout.contains("runbooks/billing-rollback.md:1:1: warning[reviewed]: runbook may be out of date: Last reviewed 684 days ago; runbooks are reviewed every 180 days."),
        "{}",
        result.stdout
    );
    assert_eq!(
        check(&fx, &[]).code,
        Some(0),
        "warnings alone pass without --deny-warnings"
    );
    let out = fx.build_ok();
    let page = std::fs::read_to_string(out.join("runbooks/billing-rollback/index.html")).unwrap();
    assert!(
        page.contains("This runbook may be out of date."),
        "stale banner"
    );
    assert!(
        page.contains("<time datetime=\"2025-01-10T11:00:00+01:00\">2025-01-10</time> by Ana"),
        "last reviewed from git"
    );
}

#[test]
fn a_content_repo_can_override_templates_and_add_static_files() {
    let fx = Fixture::new("minimal");
    fx.write(
        "templates/404.html",
        "{% extends \"base.html\" %}{% block main %}<h1>Lost at sea</h1>{% endblock main %}",
    );
    fx.write(
        "static/logo.svg",
        "<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
    );
    let out = fx.build_ok();
    assert!(std::fs::read_to_string(out.join("404.html"))
        .unwrap()
        .contains("<h1>Lost at sea</h1>"));
    assert!(out.join("logo.svg").is_file());
    assert!(out.join("style.css").is_file(), "built-in files stay");
    fx.write(
        "templates/404.html",
        "{% extends \"base.html\" %}{% block main %}{{ nope.nothing }}{% endblock main %}",
    );
    let result = fx.build();
    assert_eq!(result.code, Some(2), "{}", result.stderr);
    assert!(result.stderr.contains("404.html"), "{}", result.stderr);
}

#[test]
fn the_example_passes_deny_warnings_with_its_approved_freeze_exceptions() {
    let example = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("content");
    let portal = std::fs::read_to_string(example.join("releases/payments-2.3.2.md")).unwrap();
    assert!(
        portal.contains("type: emergency") && portal.contains("approvals:"),
        "the example keeps an approved emergency release inside a freeze"
    );
    let result = run(&["check", &example.display().to_string(), "--deny-warnings"]);
    assert_eq!(result.code, Some(0), "{}{}", result.stdout, result.stderr);
    assert!(
        !result.stdout.contains("freeze"),
        "a recorded exception is not a warning: {}",
        result.stdout
    );
}

#[test]
fn quiet_prints_only_errors() {
    let fx = Fixture::new("minimal");
    let loud = check(&fx, &[]);
    assert!(loud.stdout.contains("warning"), "the fixture has warnings");
    let quiet = run(&["-q", "check", &fx.dir().display().to_string()]);
    assert_eq!(quiet.code, Some(0));
    assert!(!quiet.stdout.contains("warning["), "{}", quiet.stdout);
    let built = run(&["build", "-q", &fx.dir().display().to_string()]);
    assert_eq!(built.code, Some(0), "{}", built.stderr);
    assert_eq!(built.stderr, "", "nothing but errors");
    fx.write("releases/broken.md", "---\nsystem: nope\n---\n");
    let failed = run(&["-q", "check", &fx.dir().display().to_string()]);
    assert!(failed.stdout.contains("error["), "{}", failed.stdout);
}

#[test]
fn yaml_mistakes_are_explained_at_their_line_with_suggestions() {
    let fx = Fixture::new("minimal");
    let release = fx.read("releases/billing-1.2.0.md");
    let variant = |version: &str, from: &str, to: &str| {
        assert!(release.contains(from), "{from}");
        release
            .replace("version: 1.2.0", &format!("version: {version}"))
            .replace(from, to)
    };
    fx.write(
        "releases/tab.md",
        &variant("1.2.1", "  developer: [cy]", "\tdeveloper: [cy]"),
    );
    fx.write(
        "releases/indent.md",
        &variant(
            "1.2.2",
            "  end: 2026-11-10 21:00",
            "   end: 2026-11-10 21:00",
        ),
    );
    fx.write(
        "releases/unclosed.md",
        "---\nsystem: billing\nversion: 1.2.3\n\nNotes\n",
    );
    fx.write(
        "releases/typo.md",
        &variant("1.2.4", "status: released", "stauts: released"),
    );
    fx.write(
        "releases/enum.md",
        &variant("1.2.5", "status: released", "status: scheduled"),
    );
    fx.write(
        "releases/colon.md",
        &variant("1.2.6", "rollout: canary", "rollout: canary: 10%"),
    );
    let checklist = fx.read("checklists/basic.yaml");
    fx.write(
        "checklists/basic.yaml",
        &checklist.replace(
            "text: Full rollout",
            "text: Announced in #releases, then full rollout",
        ),
    );
    let result = check(&fx, &[]);
    assert_eq!(result.code, Some(1));
    for expected in [
        "checklists/basic.yaml:10:28: warning[text]: the value of `text` ends before `#releases, then full rollout`",
        "help: put the whole value in quotes: text: \"Announced in #releases, then full rollout\"",
        "releases/tab.md:11:1: error[developer]: a tab in the indentation",
        "releases/indent.md:8:7: error[end]: this line is indented by 3 spaces, more than the line above (2)",
        "releases/unclosed.md:1:1: error: the front matter opened on line 1 is never closed",
        "help: did you mean `status`?",
        "help: did you mean `planned`?",
        "help: put the value in quotes: rollout: \"canary: 10%\"",
    ] {
        assert!(result.stdout.contains(expected), "{expected}\n{}", result.stdout);
    }
}

#[test]
fn overdue_statuses_are_warnings_on_the_status_line_with_the_fix() {
    // The build's "now" is SOURCE_DATE_EPOCH: Wed 2026-11-25 12:00 UTC (13:00 in Berlin).
    let fx = Fixture::new("minimal");
    let web = fx.read("releases/web-2.0.0.md");
    fx.write(
        "releases/web-2.0.0.md",
        &web.replace("2026-12-06", "2026-11-20"),
    );
    let billing = fx.read("releases/billing-1.2.0.md");
    fx.write(
        "releases/billing-1.2.0.md",
        &billing.replace("status: released", "status: in-progress"),
    );
    let result = check(&fx, &["--deny-warnings"]);
    assert_eq!(result.code, Some(1), "{}", result.stdout);
    for expected in [
        "releases/web-2.0.0.md:5:9: warning[status]: web 2.0.0 is still `planned` but its window ended 2026-11-20 04:00 (Europe/Berlin, 5 days ago)\n    help: set `status: released` (or `rolled-back` / `cancelled`), or move the window to when it will happen",
        "releases/billing-1.2.0.md:5:9: warning[status]: billing 1.2.0 is still `in-progress` but its window ended 2026-11-10 21:00 (Europe/Berlin, 14 days ago)",
    ] {
        assert!(result.stdout.contains(expected), "{expected}\nnot in\n{}", result.stdout);
    }
    assert_eq!(check(&fx, &[]).code, Some(0), "warnings alone pass");

    // In progress today, its window this evening: fine. In progress, window on Friday: not.
    let tonight = billing
        .replace("status: released", "status: in-progress")
        .replace("2026-11-10", "2026-11-25");
    fx.write("releases/billing-1.2.0.md", &tonight);
    fx.write("releases/web-2.0.0.md", &web);
    let result = check(&fx, &["--deny-warnings", "--format", "json"]);
    assert!(!result.stdout.contains("\"status\""), "{}", result.stdout);
    fx.write(
        "releases/billing-1.2.0.md",
        &tonight.replace("2026-11-25", "2026-11-27"),
    );
    let result = check(&fx, &["--format", "github"]);
    assert_eq!(result.code, Some(0), "{}", result.stdout);
    assert!(
        result.stdout.lines().any(|l| l.ends_with("releases/billing-1.2.0.md,line=5,col=9,title=status::billing 1.2.0 is `in-progress` but has no window today: its window starts 2026-11-27 20:00 (Europe/Berlin)%0Ahelp: set `status: approved` (or `planned`) until the window starts, or move the window to today")),
        "{}",
        result.stdout
    );
}

#[test]
fn bad_rotation_overrides_are_errors_with_line_and_help() {
    let fx = Fixture::new("minimal");
    let contacts = fx.read("contacts.yaml");
    fx.write(
        "contacts.yaml",
        &format!(
            "{contacts}    overrides:
      - {{person: cy, start: 2026-11-03 10:00, end: 2026-11-05 10:00}}
      - {{person: ben, start: 2026-11-04 18:00, end: 2026-11-04 20:00}}
      - {{person: ana, start: 2026-11-10 10:00, end: 2026-11-11 10:00}}
      - {{person: dee, start: 2026-11-12 10:00, end: 2026-11-13 10:00}}
      - {{person: cy, start: 2026-11-20 10:00, end: 2026-11-19 10:00}}
"
        ),
    );
    let result = check(&fx, &[]);
    assert_eq!(result.code, Some(1), "{}", result.stdout);
    for expected in [
        "contacts.yaml:39:18: error[rotations.overrides]: this override of \"sre\" (ben, 2026-11-04 18:00 – 20:00) overlaps the one at line 38 (cy, 2026-11-03 10:00 – 2026-11-05 10:00)\n    help: one person covers at a time",
        "contacts.yaml:40:18: error[rotations.overrides.person]: \"ana\" is not a member of rotation \"sre\"\n    help: an override hands the rotation to one of its members (ben, cy): pick one of them, or add \"ana\" to `members`",
        "contacts.yaml:41:18: error[rotations.overrides.person]: unknown person \"dee\"\n    help: define it in contacts.yaml `people:`, or fix the spelling",
        "contacts.yaml:42:52: error[rotations.overrides.end]: the override ends (2026-11-19 10:00) at or before its start (2026-11-20 10:00)\n    help: make `end` later than `start`",
    ] {
        assert!(result.stdout.contains(expected), "{expected}\nnot in\n{}", result.stdout);
    }
    assert!(result.stdout.contains("4 error(s)"), "{}", result.stdout);
}

#[test]
fn the_example_portal_has_no_overdue_status_at_the_ci_date() {
    // CI builds the example with the same SOURCE_DATE_EPOCH as these tests (2026-11-25
    // 12:00 UTC): its two in-progress releases have their windows that evening.
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/content");
    let result = run(&["check", example, "--format", "json"]);
    assert_eq!(result.code, Some(0), "{}", result.stdout);
    let items: serde_json::Value = serde_json::from_str(&result.stdout).unwrap();
    let statuses: Vec<&serde_json::Value> = items
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["field"] == "status")
        .collect();
    assert!(statuses.is_empty(), "{statuses:#?}");
}

#[test]
fn unknown_ids_suggest_the_one_meant() {
    let fx = Fixture::new("minimal");
    let release = fx.read("releases/billing-1.2.0.md");
    fx.write(
        "releases/billing-1.2.0.md",
        &release
            .replacen("system: billing", "system: biling", 1)
            .replacen("owner: ana", "owner: anna", 1),
    );
    let result = check(&fx, &[]);
    assert_eq!(result.code, Some(1));
    assert!(
        result.stdout.contains(
            "error[system]: unknown system \"biling\"\n    help: did you mean \"billing\"?"
        ),
        "{}",
        result.stdout
    );
    assert!(
        result.stdout.contains("help: did you mean \"ana\"?"),
        "{}",
        result.stdout
    );
    assert_eq!(
        result.stdout.matches("error[").count(),
        2,
        "no cascade from the wrong system id: {}",
        result.stdout
    );
}

#[test]
fn a_system_without_repo_never_borrows_the_content_repositorys_history() {
    let fx = Fixture::new("minimal");
    let git = |args: &[&str]| {
        let status = std::process::Command::new("git")
            .args(["-c", "user.name=A", "-c", "user.email=a@example.com"])
            .args([
                "-c",
                "commit.gpgsign=false",
                "-c",
                "init.defaultBranch=main",
            ])
            .args(args)
            .current_dir(fx.dir())
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .status()
            .expect("git runs");
        assert!(status.success(), "git {args:?}");
    };
    git(&["init", "-q"]);
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "docs: the portal's own commit"]);
    let out = fx.build_ok();
    let page = std::fs::read_to_string(out.join("systems/billing/index.html")).unwrap();
    assert!(
        !page.contains("the portal&#x27;s own commit") && !page.contains("the portal's own commit"),
        "the content repo's commits are not billing's: {page}"
    );
    let result = check(&fx, &[]);
    assert!(
        result.stdout.contains("system billing has no `repo:`"),
        "{}",
        result.stdout
    );
    assert!(
        !result.stdout.contains("no tag"),
        "no advice to tag the content repo: {}",
        result.stdout
    );

    // `repo: .` says it on purpose: then the content repository's history is the system's.
    let portal = fx.read("portal.yaml");
    fx.write(
        "portal.yaml",
        &portal.replacen(
            "    rollback_runbook: billing-rollback\n",
            "    rollback_runbook: billing-rollback\n    repo: .\n",
            1,
        ),
    );
    git(&["commit", "-q", "-am", "docs: billing lives here"]);
    let out = fx.build_ok();
    let page = std::fs::read_to_string(out.join("systems/billing/index.html")).unwrap();
    assert!(page.contains("billing lives here"), "{page}");
}
