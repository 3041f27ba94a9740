//! Audit trails of release files from the content repository's history: the content dir is
//! a subfolder (`content/`) of a real git repository, as in the example.

use std::path::Path;

use super::*;
use crate::support::git_in;
use shipboard::history::{Trail, TrailEntry};

/// A release file of `payments 1.0.0` with the given front matter lines.
fn release_file(status: &str, start: &str, extra: &str) -> String {
    format!(
        "---\nsystem: payments\nversion: 1.0.0\ntype: minor\nstatus: {status}\nwindow:\n  start: {start}\n  end: 2026-12-06 03:30\nowner: priya\n{extra}---\nNotes.\n"
    )
}

/// The content of a repo whose content dir is `root/content`, with one release file at
/// `file` (relative to the content dir).
fn trail_content(file: &str) -> shipboard::content::Content {
    let mut r = release(
        "payments",
        "1.0.0",
        Planned,
        "2026-12-06 02:00",
        "2026-12-06 03:30",
    );
    r.source = shipboard::diagnostics::SourceRef::file(file);
    content(Vec::new(), vec![r], Vec::new())
}

fn texts(entry: &TrailEntry) -> Vec<&str> {
    entry.changes.iter().map(|c| c.text.as_str()).collect()
}

fn trail_of(root: &Path, file: &str) -> Trail {
    let (facts, diagnostics) = history::read(&root.join("content"), &trail_content(file));
    assert!(
        !diagnostics.iter().any(|d| d.severity == Severity::Error),
        "{:#?}",
        messages(&diagnostics)
    );
    facts
        .trails
        .get(file)
        .cloned()
        .unwrap_or_else(|| panic!("no trail for {file}: {:?}", facts.trails.keys()))
}

/// created (Priya) -> approved + approval (Dana) -> window moved (Li) -> ticks (Priya) ->
/// notes edited (Li), with an unrelated commit in between.
fn history_repo(root: &Path) -> Repo {
    let repo = Repo::init(root);
    let file = "content/releases/payments-1.0.0.md";
    repo.commit(
        "2026-11-01 09:00",
        "Priya Raman",
        &[(file, &release_file("planned", "2026-12-06 02:00", ""))],
        "Plan payments 1.0.0",
    );
    let approval = "approvals:\n  - role: qa-lead\n    by: hannah\n    at: 2026-11-02 10:00\n";
    repo.commit(
        "2026-11-02 10:05",
        "Dana Scully",
        &[(
            file,
            &release_file("approved", "2026-12-06 02:00", approval),
        )],
        "Approve payments 1.0.0",
    );
    repo.commit(
        "2026-11-02 12:00",
        "Li Wei",
        &[("content/portal.yaml", "title: unrelated\n")],
        "Unrelated change",
    );
    repo.commit(
        "2026-11-03 11:00",
        "Li Wei",
        &[(
            file,
            &release_file("approved", "2026-12-07 02:00", approval),
        )],
        "Move the payments window",
    );
    let ticks = format!(
        "{approval}ticks:\n  - item: ticket-filed\n    by: priya\n    at: 2026-11-04 08:00\n"
    );
    repo.commit(
        "2026-11-04 08:10",
        "Priya Raman",
        &[(file, &release_file("approved", "2026-12-07 02:00", &ticks))],
        "Record ticks",
    );
    let notes = release_file("approved", "2026-12-07 02:00", &ticks).replace("Notes.", "More.");
    repo.commit(
        "2026-11-05 09:00",
        "Li Wei",
        &[(file, &notes)],
        "Edit notes",
    );
    repo
}

#[test]
fn the_trail_shows_status_changes_moved_windows_approvals_and_ticks_newest_first() {
    let root = TempDir::new().unwrap();
    history_repo(root.path());
    let trail = trail_of(root.path(), "releases/payments-1.0.0.md");
    assert!(!trail.partial);
    let rows: Vec<(&str, &str, Vec<&str>)> = trail
        .entries
        .iter()
        .map(|e| (e.when.as_str(), e.author.as_str(), texts(e)))
        .collect();
    assert_eq!(
        rows,
        [
            (
                "2026-11-05 09:00",
                "Li Wei",
                vec!["edited (notes or other fields)"]
            ),
            (
                "2026-11-04 08:10",
                "Priya Raman",
                vec!["tick recorded: ticket-filed by priya"]
            ),
            (
                "2026-11-03 11:00",
                "Li Wei",
                vec!["window moved from 2026-12-06 02:00 – 2026-12-06 03:30 to 2026-12-07 02:00 – 2026-12-06 03:30"]
            ),
            (
                "2026-11-02 10:05",
                "Dana Scully",
                vec![
                    "status planned → approved",
                    "approval added: qa-lead by hannah"
                ]
            ),
            (
                "2026-11-01 09:00",
                "Priya Raman",
                vec!["created (status planned)"]
            ),
        ]
    );
    assert_eq!(trail.entries[3].changes[0].kind, "status");
    assert_eq!(trail.entries[3].short_sha.len(), 7);
}

#[test]
fn an_approval_removed_and_an_old_revision_that_is_not_yaml_are_listed() {
    let root = TempDir::new().unwrap();
    let repo = history_repo(root.path());
    let file = "content/releases/payments-1.0.0.md";
    repo.commit(
        "2026-11-06 09:00",
        "Dana Scully",
        &[(file, "---\nstatus: [unclosed\n---\n")],
        "Broken edit",
    );
    repo.commit(
        "2026-11-07 09:00",
        "Dana Scully",
        &[(file, &release_file("approved", "2026-12-07 02:00", ""))],
        "Fix the file, drop the approval",
    );
    let trail = trail_of(root.path(), "releases/payments-1.0.0.md");
    // Compared with an unreadable revision, the fixed file shows as an edit; the broken
    // one too (nothing could be compared).
    let not_compared = ["edited (not compared: a revision is not readable YAML)"];
    assert_eq!(texts(&trail.entries[0]), not_compared);
    assert_eq!(texts(&trail.entries[1]), not_compared);
    assert_eq!(trail.entries.len(), 7);
    // Without the broken revision in between, removing the approval is named.
    let root = TempDir::new().unwrap();
    let repo = history_repo(root.path());
    repo.commit(
        "2026-11-07 09:00",
        "Dana Scully",
        &[(file, &release_file("approved", "2026-12-07 02:00", ""))],
        "Drop the approval and ticks",
    );
    let trail = trail_of(root.path(), "releases/payments-1.0.0.md");
    assert_eq!(
        texts(&trail.entries[0]),
        [
            "approval removed: qa-lead by hannah",
            "tick removed: ticket-filed by priya"
        ]
    );
}

#[test]
fn the_trail_follows_a_renamed_release_file() {
    let root = TempDir::new().unwrap();
    let repo = Repo::init(root.path());
    let old = "content/releases/pay-1.0.0.md";
    repo.commit(
        "2026-11-01 09:00",
        "Priya Raman",
        &[(old, &release_file("planned", "2026-12-06 02:00", ""))],
        "Plan",
    );
    repo.commit(
        "2026-11-02 09:00",
        "Dana Scully",
        &[(old, &release_file("approved", "2026-12-06 02:00", ""))],
        "Approve",
    );
    git_in(
        root.path(),
        "2026-11-03 09:00",
        "Li Wei",
        &[
            "mv",
            "content/releases/pay-1.0.0.md",
            "content/releases/payments-1.0.0.md",
        ],
    );
    git_in(
        root.path(),
        "2026-11-03 09:00",
        "Li Wei",
        &["commit", "-q", "-m", "Rename the release file"],
    );
    let trail = trail_of(root.path(), "releases/payments-1.0.0.md");
    let rows: Vec<(&str, Vec<&str>)> = trail
        .entries
        .iter()
        .map(|e| (e.author.as_str(), texts(e)))
        .collect();
    assert_eq!(
        rows,
        [
            ("Li Wei", vec!["renamed from releases/pay-1.0.0.md"]),
            ("Dana Scully", vec!["status planned → approved"]),
            ("Priya Raman", vec!["created (status planned)"]),
        ]
    );
}

#[test]
fn a_shallow_content_clone_gives_a_partial_trail() {
    let origin = TempDir::new().unwrap();
    history_repo(origin.path());
    let clone = TempDir::new().unwrap();
    let url = format!("file://{}", origin.path().display());
    git_in(
        clone.path(),
        "2026-11-10 00:00",
        "Setup",
        &["clone", "-q", "--depth", "2", &url, "shallow"],
    );
    let root = clone.path().join("shallow");
    let file = "releases/payments-1.0.0.md";
    let (facts, diagnostics) = history::read(&root.join("content"), &trail_content(file));
    let trail = facts.trails.get(file).expect("a trail");
    assert!(trail.partial, "a shallow clone's trail says it is partial");
    // Only the newest commit's change is known: the boundary commit has no parent here.
    assert_eq!(trail.entries.len(), 1);
    assert_eq!(texts(&trail.entries[0]), ["edited (notes or other fields)"]);
    let all = messages(&diagnostics);
    assert!(
        all.iter().any(|m| m.contains("release audit trails")),
        "{all:#?}"
    );
}

#[test]
fn content_outside_git_has_no_trail_and_says_so_once() {
    let root = TempDir::new().unwrap();
    std::fs::create_dir_all(root.path().join("content")).unwrap();
    let file = "releases/payments-1.0.0.md";
    let (facts, diagnostics) = history::read(&root.path().join("content"), &trail_content(file));
    assert!(facts.trails.is_empty());
    assert!(!diagnostics.iter().any(|d| d.severity == Severity::Error));
    let notes: Vec<&String> = facts
        .notes
        .iter()
        .filter(|n| n.contains("no audit trail"))
        .collect();
    assert_eq!(notes.len(), 1, "{:?}", facts.notes);
}
