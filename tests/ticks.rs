//! Recorded checklist ticks (issue 14): the real binary on fixture repos in temp dirs (and a
//! real git repository for "before the release was created"): every `check` rule with its
//! `file:line:col`, the `required_phases` warning, `edit_url`, and the release page showing
//! recorded ticks (who, when, note, evidence, "ticked against an older wording").

mod common;

use std::path::Path;
use std::process::Command;

use common::{run, Fixture};

const RELEASE: &str = "releases/billing-1.2.0.md";

/// The minimal fixture with `ticks` (YAML lines) at the end of billing 1.2.0's front
/// matter, which therefore start on line 15.
fn with_ticks(ticks: &str) -> Fixture {
    let fx = Fixture::new("minimal");
    let release = fx.read(RELEASE);
    let end = release[4..].find("\n---").expect("front matter end") + 5;
    fx.write(
        RELEASE,
        &format!("{}{}{}", &release[..end], ticks, &release[end..]),
    );
    fx
}

fn check(fx: &Fixture) -> common::Output {
    run(&["check", &fx.dir().display().to_string()])
}

/// Asserts that `out` has `problem` at `line:col` of the release file, with a help line.
fn has(out: &common::Output, line_col: &str, problem: &str) {
    let file = "releases/billing-1.2.0.md";
    let wanted = format!("{file}:{line_col}: {problem}");
    let at = out
        .stdout
        .lines()
        .position(|l| l.contains(&wanted))
        .unwrap_or_else(|| panic!("no {wanted:?} in:\n{}", out.stdout));
    let next = out.stdout.lines().nth(at + 1).unwrap_or_default();
    assert!(
        next.trim_start().starts_with("help: "),
        "no help after {wanted:?}:\n{}",
        out.stdout
    );
}

/// FNV-1a 64 of an item text, as `data-digest` and `wording:` carry it.
fn digest(text: &str) -> String {
    let hash = text.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    format!("{hash:016x}")
}

#[test]
fn valid_ticks_check_clean() {
    let fx = with_ticks(
        "ticks:\n  - item: canary\n    by: cy\n    at: 2026-11-10 20:20\n    note: Error rate flat.\n    evidence: https://ci.acme.example/runs/12\n",
    );
    let out = check(&fx);
    assert_eq!(out.code, Some(0), "{}", out.stdout);
    assert!(!out.stdout.contains("error["), "{}", out.stdout);
}

#[test]
fn a_tick_for_an_item_the_portal_verifies_is_a_warning() {
    let fx = with_ticks("ticks:\n  - item: canary\n    by: cy\n    at: 2026-11-10 20:20\n");
    let checklist = fx.read("checklists/basic.yaml");
    fx.write(
        "checklists/basic.yaml",
        &checklist.replace(
            "      - id: canary\n",
            "      - id: canary\n        verify: changelog\n",
        ),
    );
    let out = check(&fx);
    assert_eq!(out.code, Some(0), "a warning only:\n{}", out.stdout);
    has(
        &out,
        "16:11",
        "warning[ticks.item]: \"canary\" is verified by the portal",
    );
}

#[test]
fn unknown_item_duplicate_and_unknown_person_are_errors() {
    let fx = with_ticks(concat!(
        "ticks:\n",
        "  - item: canary\n    by: cy\n    at: 2026-11-10 20:20\n",
        "  - item: canary\n    by: ana\n    at: 2026-11-10 20:30\n",
        "  - item: smoke-test\n    by: cy\n    at: 2026-11-10 20:40\n",
        "  - item: full\n    by: dora\n    at: 2026-11-10 20:50\n",
    ));
    let out = check(&fx);
    assert_eq!(out.code, Some(1), "{}", out.stdout);
    has(
        &out,
        "19:11",
        "error[ticks.item]: \"canary\" is ticked twice",
    );
    has(
        &out,
        "22:11",
        "error[ticks.item]: checklist \"basic\" has no item \"smoke-test\"",
    );
    assert!(
        out.stdout
            .contains("help: use an item id of checklists/basic.yaml: canary, full"),
        "{}",
        out.stdout
    );
    has(&out, "26:9", "error[ticks.by]: unknown person \"dora\"");
}

#[test]
fn a_release_without_checklist_has_nothing_to_tick() {
    let fx = Fixture::new("minimal");
    let web = fx.read("releases/web-2.0.0.md").replace(
        "depends_on:",
        "ticks:\n  - item: canary\n    by: ben\n    at: 2026-11-20 10:00\ndepends_on:",
    );
    fx.write("releases/web-2.0.0.md", &web);
    let out = check(&fx);
    assert_eq!(out.code, Some(1), "{}", out.stdout);
    assert!(
        out.stdout.contains("releases/web-2.0.0.md:12:11: error[ticks.item]: the release has no checklist, so there is nothing to tick"),
        "{}",
        out.stdout
    );
}

#[test]
fn wrong_shapes_are_errors_with_their_place() {
    // A mapping instead of a list.
    let fx = with_ticks("ticks:\n  item: canary\n");
    let out = check(&fx);
    assert_eq!(out.code, Some(1), "{}", out.stdout);
    assert!(
        out.stdout.contains("releases/billing-1.2.0.md:16:"),
        "{}",
        out.stdout
    );
    // A misspelt field, a missing one and malformed values.
    let fx = with_ticks(concat!(
        "ticks:\n",
        "  - item: canary\n    by: cy\n    when: 2026-11-10 20:20\n",
    ));
    let out = check(&fx);
    assert_eq!(out.code, Some(1), "{}", out.stdout);
    assert!(
        out.stdout.contains("releases/billing-1.2.0.md:18:"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("when"), "{}", out.stdout);
    let fx = with_ticks(concat!(
        "ticks:\n",
        "  - item: Canary!\n    by: cy\n    at: yesterday\n    wording: 3f2a9c1e\n    evidence: javascript:alert(1)\n",
    ));
    let out = check(&fx);
    assert_eq!(out.code, Some(1), "{}", out.stdout);
    has(
        &out,
        "16:11",
        "error[ticks.item]: \"Canary!\" is not a valid id",
    );
    has(&out, "18:9", "error[ticks.at]:");
    has(
        &out,
        "19:14",
        "error[ticks.wording]: \"3f2a9c1e\" is not an item text digest",
    );
    has(
        &out,
        "20:15",
        "error[ticks.evidence]: evidence \"javascript:alert(1)\" is not an http(s) URL",
    );
}

#[test]
fn a_tick_after_the_build_is_an_error() {
    // The tests build at 2026-11-25 12:00 UTC (SOURCE_DATE_EPOCH).
    let fx = with_ticks("ticks:\n  - item: canary\n    by: cy\n    at: 2026-11-25 13:30\n");
    let out = check(&fx);
    assert_eq!(out.code, Some(1), "{}", out.stdout);
    has(
        &out,
        "18:9",
        "error[ticks.at]: the tick of \"canary\" is dated 2026-11-25 13:30, after this build (2026-11-25 13:00)",
    );
}

fn git(dir: &Path, args: &[&str], date: &str) {
    let out = Command::new("git")
        .args(["-c", "user.name=Ana", "-c", "user.email=ana@acme.example"])
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_DATE", date)
        .env("GIT_COMMITTER_DATE", date)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Makes the fixture a git repository whose one commit (2 Nov 2026, 10:00 UTC) adds it all.
fn commit_everything_on_2_november(dir: &Path) {
    let date = "2026-11-02T10:00:00Z";
    git(dir, &["init", "-q", "-b", "main"], date);
    git(dir, &["add", "."], date);
    git(dir, &["commit", "-q", "-m", "Billing 1.2.0"], date);
}

#[test]
fn a_tick_before_the_release_file_was_committed_is_an_error() {
    let fx = with_ticks(concat!(
        "ticks:\n",
        "  - item: canary\n    by: cy\n    at: 2026-11-01 09:00\n",
        "  - item: full\n    by: cy\n    at: 2026-11-03 09:00\n",
    ));
    let dir = fx.dir();
    commit_everything_on_2_november(&dir);
    let out = check(&fx);
    assert_eq!(out.code, Some(1), "{}", out.stdout);
    has(
        &out,
        "18:9",
        "error[ticks.at]: the tick of \"canary\" is dated 2026-11-01 09:00, before the release file was created (2026-11-02 11:00)",
    );
    assert!(
        !out.stdout.contains(":21:9: error"),
        "the later tick is fine:\n{}",
        out.stdout
    );
}

#[test]
fn a_renamed_release_file_was_created_when_its_first_name_was() {
    // Created on 2 Nov, ticked on 3 Nov, moved to a folder of its own on 10 Nov: the
    // tick is not "before the release file was created".
    let fx = with_ticks("ticks:\n  - item: canary\n    by: cy\n    at: 2026-11-03 09:00\n");
    let dir = fx.dir();
    commit_everything_on_2_november(&dir);
    std::fs::create_dir_all(dir.join("releases/billing")).unwrap();
    git(
        &dir,
        &["mv", RELEASE, "releases/billing/1.2.0.md"],
        "2026-11-10T10:00:00Z",
    );
    git(
        &dir,
        &["commit", "-q", "-m", "One folder per system"],
        "2026-11-10T10:00:00Z",
    );
    let out = check(&fx);
    assert_eq!(out.code, Some(0), "{}{}", out.stdout, out.stderr);
    assert!(
        !out.stdout.contains("before the release file was created"),
        "{}",
        out.stdout
    );

    // A tick before the first name's creation is still an error, at its new path.
    let moved = dir.join("releases/billing/1.2.0.md");
    let text = std::fs::read_to_string(&moved).unwrap();
    std::fs::write(
        &moved,
        text.replace("at: 2026-11-03 09:00", "at: 2026-11-01 09:00"),
    )
    .unwrap();
    let out = check(&fx);
    assert_eq!(out.code, Some(1), "{}", out.stdout);
    assert!(
        out.stdout.contains("releases/billing/1.2.0.md:18:9: error[ticks.at]: the tick of \"canary\" is dated 2026-11-01 09:00, before the release file was created (2026-11-02 11:00)"),
        "{}",
        out.stdout
    );
}

#[test]
fn released_with_unticked_required_phase_items_is_a_warning() {
    let fx = with_ticks("ticks:\n  - item: canary\n    by: cy\n    at: 2026-11-10 20:20\n");
    let portal = fx.read("portal.yaml");
    fx.write(
        "portal.yaml",
        &format!("{portal}required_phases:\n  minor: [deploy]\n"),
    );
    let out = check(&fx);
    assert_eq!(out.code, Some(0), "{}", out.stdout);
    has(
        &out,
        "5:9",
        "warning[ticks]: billing 1.2.0 is released but an item in phases a minor release requires (deploy) is not ticked: deploy/full",
    );
    // Ticking it too clears the warning.
    let fx = with_ticks("ticks:\n  - item: canary\n    by: cy\n    at: 2026-11-10 20:20\n  - item: full\n    by: cy\n    at: 2026-11-10 20:50\n");
    fx.write(
        "portal.yaml",
        &format!("{portal}required_phases:\n  minor: [deploy]\n"),
    );
    let out = check(&fx);
    assert!(!out.stdout.contains("warning[ticks]"), "{}", out.stdout);
}

#[test]
fn required_phases_must_name_real_types_and_phases() {
    let fx = Fixture::new("minimal");
    let portal = fx.read("portal.yaml");
    fx.write(
        "portal.yaml",
        &format!("{portal}required_phases:\n  minor: [deploy, planing]\n  hotfix: [deploy]\n"),
    );
    let out = check(&fx);
    assert_eq!(out.code, Some(1), "{}", out.stdout);
    assert!(
        out.stdout.contains(
            "portal.yaml:22:19: error[required_phases]: no checklist has a phase \"planing\""
        ),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("help: use a phase id from checklists/*.yaml: deploy"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("error[required_phases]: \"hotfix\" is not a release type"),
        "{}",
        out.stdout
    );
}

#[test]
fn edit_url_must_be_https_with_a_path_placeholder() {
    for bad in [
        "http://git.acme.example/edit/{path}",
        "https://git.acme.example/edit/main",
    ] {
        let fx = Fixture::new("minimal");
        let portal = fx.read("portal.yaml");
        fx.write("portal.yaml", &format!("{portal}edit_url: \"{bad}\"\n"));
        let out = check(&fx);
        assert_eq!(out.code, Some(1), "{}", out.stdout);
        assert!(
            out.stdout.contains("portal.yaml:21:11: error[edit_url]"),
            "{bad}: {}",
            out.stdout
        );
    }
}

#[test]
fn recorded_ticks_render_with_who_when_note_evidence_and_older_wording() {
    let fx = with_ticks(&format!(
        "ticks:\n  - item: canary\n    by: cy\n    at: 2026-11-10 20:20\n    wording: {}\n    note: Error rate flat.\n    evidence: https://ci.acme.example/runs/12\n  - item: full\n    by: ana\n    at: 2026-11-10T20:50Z\n    wording: 0123456789abcdef\n",
        digest("Canary at 10 % for 15 minutes")
    ));
    let portal = fx.read("portal.yaml");
    fx.write(
        "portal.yaml",
        &format!("{portal}edit_url: \"https://git.acme.example/portal/edit/main/{{path}}\"\n"),
    );
    let site = fx.build_ok();
    let page =
        std::fs::read_to_string(site.join("releases/billing/1.2.0/index.html")).expect("page");
    let items: Vec<&str> = page.split("<li><input type=\"checkbox\"").skip(1).collect();
    assert_eq!(items.len(), 2, "{page}");
    let (canary, full) = (items[0], items[1]);
    assert!(
        canary.contains("checked disabled data-done=\"recorded\">"),
        "{canary}"
    );
    let cy = "recorded by <a href=\"/contacts/#person-cy\">";
    assert!(canary.contains(cy), "{canary}");
    assert!(
        canary.contains("<time datetime=\"2026-11-10T20:20:00+01:00\">"),
        "{canary}"
    );
    assert!(
        canary.contains(
            ": Error rate flat. (<a href=\"https://ci.acme.example/runs/12\">evidence</a>)"
        ),
        "{canary}"
    );
    assert!(!canary.contains("older wording"), "{canary}");
    assert!(
        full.contains("data-done=\"recorded\" data-older>"),
        "{full}"
    );
    assert!(
        full.contains("<time datetime=\"2026-11-10T21:50:00+01:00\">"),
        "{full}"
    );
    assert!(full.contains("ticked against an older wording"), "{full}");
    assert!(
        page.contains("2 of 2 recorded in <code>releases/billing-1.2.0.md</code> (<a href=\"https://git.acme.example/portal/edit/main/releases/billing-1.2.0.md\" data-cw-edit>edit the release file</a>)"),
        "{page}"
    );
}

/// Bytes of `data` gzipped at the best level, as a static host would serve it.
fn gzipped(data: &[u8]) -> usize {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(data).expect("gzip");
    encoder.finish().expect("gzip").len()
}

#[test]
fn the_example_release_page_with_recorded_ticks_stays_within_30_kb_gzipped() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("content");
    let site = tmp.path().join("site");
    let out = run(&[
        "build",
        &example.display().to_string(),
        "--output",
        &site.display().to_string(),
    ]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let page = std::fs::read(site.join("releases/payments/2.4.0/index.html")).expect("page");
    let text = String::from_utf8_lossy(&page);
    assert_eq!(
        text.matches("data-done=\"recorded\"").count(),
        4,
        "the example records four ticks"
    );
    let css: usize = ["style.css", "widget/checklist.css"]
        .iter()
        .map(|f| gzipped(&std::fs::read(site.join(f)).expect("stylesheet")))
        .sum();
    let total = gzipped(&page) + css;
    assert!(
        total <= 30 * 1024,
        "payments 2.4.0: {total} bytes gzipped with its CSS"
    );
}
