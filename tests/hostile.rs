//! Integration tests of hostile content: symbolic links out of the content repo, values
//! that would overflow, inject headers or terminal escapes, and absurd bounds. The real
//! binary runs on fixture repos in temp dirs.

mod common;

use std::fs;
use std::os::unix::fs::symlink;
use std::path::Path;

use common::{run, Fixture};

/// A folder outside the content repo holding `files/secret.txt` and a release.
fn outside(fx: &Fixture) -> std::path::PathBuf {
    let dir = fx.dir().parent().unwrap().join("outside");
    fs::create_dir_all(dir.join("files")).unwrap();
    fs::write(dir.join("files/secret.txt"), "SECRET").unwrap();
    fs::create_dir_all(dir.join("rel")).unwrap();
    let release = fx.read("releases/web-2.0.0.md");
    fs::write(
        dir.join("rel/web-3.0.0.md"),
        release.replace("version: 2.0.0", "version: 3.0.0"),
    )
    .unwrap();
    dir
}

fn assert_no_secret(out: &Path) {
    assert!(
        !out.join("files/secret.txt").exists(),
        "nothing from outside is published"
    );
}

#[test]
fn a_symlinked_static_folder_is_an_error_and_nothing_is_published() {
    let fx = Fixture::new("minimal");
    let outside = outside(&fx);
    symlink(&outside, fx.dir().join("static")).unwrap();
    let result = fx.build();
    assert_eq!(result.code, Some(1), "{}", result.stderr);
    assert!(
        result
            .stderr
            .contains("static: error: this folder is a symbolic link")
            && result
                .stderr
                .contains("help: replace the link with the folder itself"),
        "{}",
        result.stderr
    );
    assert_no_secret(&fx.dir().join("public"));
}

#[test]
fn a_symlinked_releases_folder_is_an_error_and_none_of_its_releases_is_read() {
    let fx = Fixture::new("minimal");
    let outside = outside(&fx);
    fs::remove_dir_all(fx.dir().join("releases")).unwrap();
    symlink(outside.join("rel"), fx.dir().join("releases")).unwrap();
    let result = run(&["check", &fx.dir().display().to_string()]);
    assert_eq!(result.code, Some(1), "{}", result.stdout);
    assert!(
        result
            .stdout
            .contains("releases: error: this folder is a symbolic link"),
        "{}",
        result.stdout
    );
    assert!(
        !result.stdout.contains("warning: symbolic link skipped"),
        "{}",
        result.stdout
    );
    let result = fx.build();
    assert_eq!(result.code, Some(1), "{}", result.stderr);
    assert!(!fx.dir().join("public/releases/web/3.0.0").exists());
}

#[test]
fn a_symlinked_top_level_yaml_file_is_an_error_at_that_file() {
    let fx = Fixture::new("minimal");
    let outside = outside(&fx);
    fs::rename(
        fx.dir().join("contacts.yaml"),
        outside.join("contacts.yaml"),
    )
    .unwrap();
    symlink(
        outside.join("contacts.yaml"),
        fx.dir().join("contacts.yaml"),
    )
    .unwrap();
    let result = run(&["check", &fx.dir().display().to_string()]);
    assert_eq!(result.code, Some(1), "{}", result.stdout);
    assert!(
        result
            .stdout
            .contains("contacts.yaml: error: this file is a symbolic link")
            && result
                .stdout
                .contains("help: replace the link with the file itself"),
        "{}",
        result.stdout
    );
}

#[test]
fn a_symlinked_file_inside_static_is_skipped_with_a_warning() {
    let fx = Fixture::new("minimal");
    let outside = outside(&fx);
    fx.write("static/ok.txt", "fine");
    symlink(
        outside.join("files/secret.txt"),
        fx.dir().join("static/secret.txt"),
    )
    .unwrap();
    let out = fx.build_ok();
    assert!(out.join("ok.txt").exists());
    assert!(!out.join("secret.txt").exists());
    let result = fx.build();
    assert!(
        result
            .stderr
            .contains("static/secret.txt: warning: symbolic link skipped"),
        "{}",
        result.stderr
    );
}

#[test]
fn a_huge_stale_after_hours_is_an_error_not_a_panic() {
    let fx = Fixture::new("minimal");
    let portal = fx.read("portal.yaml");
    fx.write(
        "portal.yaml",
        &portal.replace("timezone:", "stale_after_hours: 4294967295\ntimezone:"),
    );
    let result = run(&["check", &fx.dir().display().to_string()]);
    assert_eq!(result.code, Some(1), "{}", result.stderr);
    assert!(
        result.stdout.contains(
            "portal.yaml:3:20: error[stale_after_hours]: stale_after_hours is 4294967295: more than a year (8760 hours)"
        ),
        "{}",
        result.stdout
    );
    fx.write(
        "portal.yaml",
        &portal.replace("timezone:", "stale_after_hours: 8760\ntimezone:"),
    );
    fx.build_ok();
}

#[test]
fn line_breaks_in_a_release_title_are_an_error_and_never_reach_the_announcement() {
    let fx = Fixture::new("minimal");
    let release = fx.read("releases/web-2.0.0.md");
    fx.write(
        "releases/web-2.0.0.md",
        &release.replace(
            "title: New checkout",
            "title: \"Wallet\\nBcc: all@x\\n\\nFAKE\"",
        ),
    );
    let result = fx.build();
    assert_eq!(result.code, Some(1), "{}", result.stderr);
    assert!(
        result.stderr.contains(
            "releases/web-2.0.0.md:6:8: error[title]: title contains U+000A (a line break): a one-line value cannot hold line breaks or control characters"
        ),
        "{}",
        result.stderr
    );
}

#[test]
fn control_characters_in_names_and_titles_are_errors_at_the_field() {
    let fx = Fixture::new("minimal");
    let release = fx.read("releases/web-2.0.0.md");
    fx.write(
        "releases/web-2.0.0.md",
        &release.replace("owner: ben", "owner: ben\nstatus_note: \"held\\u001b[2J\""),
    );
    let portal = fx.read("portal.yaml");
    fx.write(
        "portal.yaml",
        &portal.replace("name: Web shop", "name: \"Web\\0shop\""),
    );
    let contacts = fx.read("contacts.yaml");
    let ana = contacts.find("name:").expect("a person's name");
    let line_end = ana + contacts[ana..].find('\n').unwrap();
    fx.write(
        "contacts.yaml",
        &format!(
            "{}name: \"Ana\\uFFFE\"{}",
            &contacts[..ana],
            &contacts[line_end..]
        ),
    );
    let result = run(&["check", &fx.dir().display().to_string()]);
    assert_eq!(result.code, Some(1), "{}", result.stdout);
    for expected in [
        "error[status_note]: status_note contains U+001B (escape)",
        "error[systems.name]: systems.name contains U+0000",
        "error[people.name]: people.name contains U+FFFE",
    ] {
        assert!(
            result.stdout.contains(expected),
            "{expected}\n{}",
            result.stdout
        );
    }
}

#[test]
fn diagnostics_escape_terminal_sequences_and_invisible_characters() {
    let fx = Fixture::new("minimal");
    let release = fx.read("releases/web-2.0.0.md");
    fx.write(
        "releases/web-2.0.0.md",
        &release.replace("owner: ben", "owner: \"pri\\e[2J\\e]0;PWNED\\aya\""),
    );
    fx.write("runbooks/a\u{200b}b\u{202e}.md", "no front matter\n");
    for format in ["human", "github"] {
        let result = run(&["check", &fx.dir().display().to_string(), "--format", format]);
        assert_eq!(result.code, Some(1), "{}", result.stdout);
        assert!(
            !result.stdout.contains('\u{1b}'),
            "{format}: {:?}",
            result.stdout
        );
        assert!(
            !result.stdout.contains('\u{7}'),
            "{format}: {:?}",
            result.stdout
        );
        assert!(
            !result.stdout.contains('\u{200b}'),
            "{format}: {:?}",
            result.stdout
        );
        assert!(
            !result.stdout.contains('\u{202e}'),
            "{format}: {:?}",
            result.stdout
        );
        assert!(
            result
                .stdout
                .contains("pri\\u{1b}[2J\\u{1b}]0;PWNED\\u{7}ya"),
            "{format}: {}",
            result.stdout
        );
        assert!(
            result.stdout.contains("runbooks/a\\u{200b}b\\u{202e}.md"),
            "{format}: {}",
            result.stdout
        );
    }
    let result = fx.build();
    assert!(!result.stderr.contains('\u{1b}'), "{:?}", result.stderr);
    assert!(result.stderr.contains("pri\\u{1b}[2J"), "{}", result.stderr);
}

#[test]
fn a_malformed_source_date_epoch_is_refused() {
    let fx = Fixture::new("minimal");
    let dir = fx.dir().display().to_string();
    for bad in ["abc", "1e9", "99999999999999", "", "-5", " 17"] {
        for command in ["build", "check", "serve"] {
            let result = common::run_at(&[command, &dir], None, bad);
            assert_eq!(result.code, Some(2), "{command} {bad:?}: {}", result.stderr);
            assert!(
                result.stderr.contains("error: SOURCE_DATE_EPOCH is")
                    && result.stderr.contains("help: set it to whole seconds"),
                "{command} {bad:?}: {}",
                result.stderr
            );
        }
    }
    assert!(!fx.dir().join("public").exists());
}

#[test]
fn a_closed_pipe_ends_the_build_quietly() {
    use std::process::{Command, Stdio};
    let fx = Fixture::new("minimal");
    // Errors to print, into a pipe whose reader is gone before they are written.
    fx.write("releases/empty.md", "---\n---\n");
    let mut child = Command::new(env!("CARGO_BIN_EXE_shipboard"))
        .args(["build", &fx.dir().display().to_string()])
        .env("SOURCE_DATE_EPOCH", common::SOURCE_DATE_EPOCH)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    drop(child.stderr.take());
    let status = child.wait().unwrap();
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(status.code(), None, "{status:?}: not a panic (101)");
    assert_eq!(status.signal(), Some(13), "ended by SIGPIPE, quietly");
}

#[test]
fn an_empty_contacts_file_is_one_error_at_that_file() {
    let fx = Fixture::new("minimal");
    fx.write("contacts.yaml", "# to do\n");
    let result = run(&["check", &fx.dir().display().to_string()]);
    assert_eq!(result.code, Some(1), "{}", result.stdout);
    assert!(
        result.stdout.contains(
            "contacts.yaml:1:1: error: no people, roles, ladders or rotations here: the file is empty or lists none"
        ),
        "{}",
        result.stdout
    );
    assert!(
        result.stdout.contains("1 error") || result.stdout.matches("error").count() == 1,
        "the references to people and roles are not each reported:\n{}",
        result.stdout
    );
}

#[test]
fn a_release_window_longer_than_a_month_is_an_error_at_its_end() {
    let fx = Fixture::new("minimal");
    let release = fx.read("releases/web-2.0.0.md");
    fx.write(
        "releases/web-2.0.0.md",
        &release.replace("end: 2026-12-06 04:00", "end: 9999-12-31 23:00"),
    );
    let result = fx.build();
    assert_eq!(result.code, Some(1), "{}", result.stderr);
    assert!(
        result.stderr.contains(
            "releases/web-2.0.0.md:9:8: error[window.end]: the release window lasts longer than 31 days"
        ),
        "{}",
        result.stderr
    );
    assert!(!result.stderr.contains("64 MiB"), "{}", result.stderr);
    // 31 days exactly is allowed.
    fx.write(
        "releases/web-2.0.0.md",
        &release
            .replace("start: 2026-12-06 02:00", "start: 2027-01-10 02:00")
            .replace("end: 2026-12-06 04:00", "end: 2027-02-10 02:00"),
    );
    fx.build_ok();
}

#[test]
fn versions_differing_only_in_build_metadata_or_case_are_duplicates() {
    let fx = Fixture::new("minimal");
    let release = fx.read("releases/web-2.0.0.md");
    fx.write(
        "releases/web-2.0.0-b.md",
        &release.replace("version: 2.0.0", "version: 2.0.0+b"),
    );
    fx.write(
        "releases/web-2.6.0-rc.md",
        &release.replace("version: 2.0.0", "version: 2.6.0-rc.1"),
    );
    fx.write(
        "releases/web-2.6.0-rc-upper.md",
        &release.replace("version: 2.0.0", "version: 2.6.0-RC.1"),
    );
    let result = run(&["check", &fx.dir().display().to_string()]);
    assert_eq!(result.code, Some(1), "{}", result.stdout);
    for expected in [
        "web-2.0.0.md:3:10: error[version]: web 2.0.0 is the release 2.0.0+b already defined in releases/web-2.0.0-b.md: versions that differ only in build metadata",
        "web-2.6.0-rc.md:3:10: error[version]: web 2.6.0-rc.1 differs from 2.6.0-RC.1, already defined in releases/web-2.6.0-rc-upper.md, only in letter case",
    ] {
        assert!(result.stdout.contains(expected), "{expected}\n{}", result.stdout);
    }
}

#[test]
fn an_output_that_is_a_link_or_inside_a_content_folder_is_refused_before_anything_is_written() {
    let fx = Fixture::new("minimal");
    let dir = fx.dir().display().to_string();
    let www = fx.dir().parent().unwrap().join("www");
    fs::create_dir_all(&www).unwrap();
    let link = fx.dir().join("public");
    symlink(&www, &link).unwrap();
    let result = run(&["build", &dir, "--output", &link.display().to_string()]);
    assert_eq!(result.code, Some(2), "{}", result.stderr);
    assert!(
        result.stderr.contains("it is a symbolic link")
            && result.stderr.contains(&format!(
                "help: pass the real folder as --output, e.g. --output {}",
                www.display()
            )),
        "{}",
        result.stderr
    );
    assert!(fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(
        fs::read_dir(&www).unwrap().count(),
        0,
        "nothing written through the link"
    );
    let leftovers = fs::read_dir(fx.dir())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains("shipboard"))
        .count();
    assert_eq!(leftovers, 0);

    for inside in ["releases/site", "static/site", "templates"] {
        let out = fx.dir().join(inside);
        let result = run(&["build", &dir, "--output", &out.display().to_string()]);
        assert_eq!(result.code, Some(2), "{inside}: {}", result.stderr);
        assert!(
            result.stderr.contains("which shipboard reads as content"),
            "{inside}: {}",
            result.stderr
        );
        assert!(!out.exists(), "{inside} was not created");
    }
    assert!(!fx.dir().join("static").exists());
}

/// A long title written as a folded YAML scalar (`title: >` over two lines) is one line:
/// the line break YAML keeps at its end is not part of it.
#[test]
fn a_folded_title_is_one_line() {
    let fx = Fixture::new("minimal");
    let release = fx.read("releases/web-2.0.0.md");
    fx.write(
        "releases/web-2.0.0.md",
        &release.replace(
            "title: New checkout",
            "title: >\n  New checkout with a much longer\n  title than fits on a line",
        ),
    );
    let out = fx.build_ok();
    let announce = fs::read_to_string(out.join("releases/web/2.0.0/announce.txt")).unwrap();
    let subject = announce.lines().next().unwrap_or_default();
    assert!(
        subject.contains("– New checkout with a much longer title than fits on a line: "),
        "{announce}"
    );
    assert!(announce.lines().nth(1) == Some(""), "{announce}");
}
