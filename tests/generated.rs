//! The benches' generated portal (`shipboard-fixtures`), small: 300 releases, 30 runbooks,
//! 20 systems with git history. It must check clean, or the benches measure broken content.

mod common;

use shipboard_fixtures::{generate, write_content, Params};

#[test]
fn a_generated_300_release_portal_checks_with_no_error_or_warning() {
    let temp = tempfile::tempdir().expect("temp dir");
    let dir = temp.path().join("portal");
    write_content(&dir, &generate(&Params::sized(300)));
    let out = common::run(&["check", dir.to_str().expect("a UTF-8 temp path")]);
    let text = format!("{}{}", out.stdout, out.stderr);
    assert_eq!(out.code, Some(0), "{text}");
    assert!(text.contains("0 error(s), 0 warning(s)"), "{text}");
}
