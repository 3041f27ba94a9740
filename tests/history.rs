//! Integration tests of `shipboard::history` against real git repositories made in temp
//! dirs with the git CLI (fixed identities and dates).

#[path = "history/changelogs.rs"]
mod changelogs;
#[path = "history/example.rs"]
mod example;
#[path = "history/joins.rs"]
mod joins;
#[path = "history/support.rs"]
mod support;
#[path = "history/templates.rs"]
mod templates;
#[path = "history/trail.rs"]
mod trail;

use std::collections::BTreeSet;

use shipboard::content::ReleaseStatus::{self, Cancelled, Planned, Released, RolledBack};
use shipboard::diagnostics::{Diagnostic, Severity};
use shipboard::history::{self, Changelog, Facts, ReadOptions};
use support::{content, release, runbook, system, Repo};
use tempfile::TempDir;

/// The payments repository used by most tests (content dir = `root`, repo at
/// `root/repos/payments`):
///
/// ```text
/// main:    c1 (v1.0.0, lightweight) - c2 - c3 (v1.1.0, annotated) - c4 (v1.2.0: tag of a tag) - c5 (unreleased)
/// hotfix:  c1 - h1 (v1.0.1, not reachable from HEAD)
/// ignored: release-2026 (no match), v2.0 (not SemVer), v1.3.0-rc.1 (pre-release)
/// ```
struct Payments {
    root: TempDir,
    c: [String; 5],
    h1: String,
}

fn payments() -> Payments {
    let root = TempDir::new().unwrap();
    let repo = Repo::init(&root.path().join("repos/payments"));
    let c1 = repo.change(
        "2026-08-01 10:00",
        "Priya Raman",
        "api.txt",
        "feat(api): first endpoint PAY-100",
    );
    repo.tag("v1.0.0");
    repo.git(&["checkout", "-q", "-b", "hotfix"]);
    let h1 = repo.change(
        "2026-08-05 09:00",
        "Li Wei",
        "api.txt",
        "fix: stop double charges (#7)",
    );
    repo.tag("v1.0.1");
    repo.git(&["checkout", "-q", "main"]);
    let c2 = repo.change(
        "2026-08-08 11:00",
        "Dana Scully",
        "refunds.txt",
        "fix(refunds): retry webhooks (PAY-441)",
    );
    let c3 = repo.change(
        "2026-08-09 12:00",
        "Priya Raman",
        "wallet.txt",
        "feat(wallet): top-ups\n\nBREAKING CHANGE: amounts are in cents.",
    );
    repo.tag_annotated(
        "2026-08-12 20:30",
        "v1.1.0",
        "HEAD",
        "Wallet top-ups\n\nPay from your wallet.",
    );
    let c4 = repo.change(
        "2026-08-15 08:00",
        "Dana Scully",
        "api.txt",
        "perf(api): cache card BINs",
    );
    repo.tag_annotated("2026-08-16 09:00", "inner", "HEAD", "inner tag");
    repo.tag_annotated("2026-08-16 09:30", "v1.2.0", "inner", "Faster card checks");
    repo.tag("release-2026");
    repo.tag("v2.0");
    let c5 = repo.change(
        "2026-08-20 10:00",
        "Li Wei",
        "README.md",
        "docs: explain refunds",
    );
    repo.tag("v1.3.0-rc.1");
    Payments {
        root,
        c: [c1, c2, c3, c4, c5],
        h1,
    }
}

fn read(root: &TempDir, content: &shipboard::content::Content) -> (Facts, Vec<Diagnostic>) {
    history::read(root.path(), content)
}

fn shas(changelog: &Changelog) -> Vec<String> {
    changelog
        .groups
        .iter()
        .flat_map(|g| g.commits.iter().map(|c| c.sha.clone()))
        .collect()
}

fn group<'a>(changelog: &'a Changelog, key: &str) -> Vec<&'a str> {
    changelog
        .groups
        .iter()
        .filter(|g| g.key == key)
        .flat_map(|g| g.commits.iter().map(|c| c.text.as_str()))
        .collect()
}

fn messages(diagnostics: &[Diagnostic]) -> Vec<String> {
    diagnostics.iter().map(|d| d.to_string()).collect()
}

fn payments_system() -> shipboard::content::System {
    system("payments", Some("repos/payments"), "v{version}")
}
