//! The example portal's generated repositories (content/repos/*.git), read through git2.

use super::*;
use shipboard::diagnostics::Diagnostics;

#[test]
fn the_example_portal_has_real_history_and_no_history_warnings() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("content");
    let mut problems = Diagnostics::default();
    let raw = shipboard::content::load::load(&root, &mut problems);
    let content = shipboard::validate::validate(&raw, &mut problems).expect("example content");
    let (facts, diagnostics) = history::read(&root, &content);
    assert!(diagnostics.is_empty(), "{:#?}", messages(&diagnostics));
    for system in &content.systems {
        let h = facts.system(&system.id).unwrap();
        assert!(h.available && !h.shallow, "{}", system.id);
        assert!(
            h.changelogs.len() >= 2,
            "{}: {} tags",
            system.id,
            h.tags.len()
        );
        for release in content.releases.iter().filter(|r| r.system == system.id) {
            let tagged = h.tag(&release.version).is_some();
            assert_eq!(tagged, release.status.has_shipped(), "{}", release.key());
        }
        assert!(
            h.unreleased.commit_count >= 1,
            "{} has unreleased work",
            system.id
        );
        assert_eq!(h.untracked.len(), 1, "{}: one pre-portal tag", system.id);
    }
    let slips: Vec<String> = facts
        .systems
        .values()
        .flat_map(|h| {
            h.slips
                .iter()
                .map(move |s| format!("{} {} {}", h.system, s.version, s.days))
        })
        .collect();
    assert_eq!(slips, ["notifications 1.5.0 1", "search 1.8.1 2"]);
    let ledger = facts
        .changelog("ledger", &"3.0.0".parse().unwrap())
        .unwrap();
    assert_eq!(ledger.groups[0].key, "breaking");
    let payments = facts
        .release("payments", &"2.3.1".parse().unwrap())
        .unwrap();
    let rollback = payments.rollback.as_ref().unwrap();
    assert_eq!(
        rollback.version.as_deref(),
        Some("2.2.0"),
        "2.3.0 was rolled back"
    );
    assert!(facts.files.contains_key("releases/payments-2.4.0.md"));
}
