//! Integration tests of `shipboard build`: the real binary on fixture content repos in
//! temp dirs, asserting on the pages it writes and on the errors it prints.

mod common;

use std::fs;
use std::path::Path;

use common::{html_files, run, Fixture};

#[test]
fn builds_every_page_of_the_minimal_fixture() {
    let fx = Fixture::new("minimal");
    let out = fx.build_ok();
    for page in [
        "index.html",
        "404.html",
        "releases/index.html",
        "releases/billing/index.html",
        "releases/billing/1.2.0/index.html",
        "releases/web/2.0.0/index.html",
        "releases/by-status/released/index.html",
        "releases/by-type/major/index.html",
        "systems/index.html",
        "systems/billing/index.html",
        "systems/web/index.html",
        "runbooks/index.html",
        "runbooks/billing-rollback/index.html",
        "runbooks/web-rollback/index.html",
        "checklists/basic/index.html",
        "contacts/index.html",
        "sitemap.xml",
        "releases.atom",
        "style.css",
    ] {
        assert!(out.join(page).is_file(), "missing {page}");
    }
    let release = fs::read_to_string(out.join("releases/billing/1.2.0/index.html")).unwrap();
    assert!(release.contains("<title>Billing 1.2.0 · Acme Releases</title>"));
    assert!(
        release.contains("href=\"/runbooks/billing-rollback/\""),
        "rollback runbook linked"
    );
    assert!(
        release.contains("data-item=\"deploy/canary\""),
        "checklist rendered as checkboxes"
    );
    assert!(
        release.contains("Not clear within <strong>30 s</strong>"),
        "escalation ladder on the page"
    );
    assert!(release.contains("<strong>PDF/A</strong>"), "notes rendered");
    let home = fs::read_to_string(out.join("index.html")).unwrap();
    assert!(home.contains("Roll back Billing") && home.contains("Roll back the web shop"));
}

/// Every link and script on every page that stays on the site (`/x`, or the portal's own
/// host as `https://` or `webcal://`, as calendar subscriptions are) names a page or file
/// the build wrote: calendar pages and feeds included.
#[test]
fn every_internal_link_resolves() {
    for (fixture, epoch) in [
        ("minimal", common::SOURCE_DATE_EPOCH),
        ("../../content", common::AFTER_EXAMPLE_TICKS),
    ] {
        let fx = Fixture::new(fixture);
        let out = fx.build_ok_at(epoch);
        let sitemap = fs::read_to_string(out.join("sitemap.xml")).unwrap();
        let base = sitemap
            .split("<loc>")
            .nth(1)
            .and_then(|rest| rest.split("</loc>").next())
            .expect("the sitemap lists the home page");
        let host = base.split_once("://").map(|(_, rest)| rest).unwrap();
        let mut checked = 0;
        for file in html_files(&out) {
            let html = fs::read_to_string(&file).unwrap();
            let targets = ["href=\"", "src=\""].into_iter().flat_map(|attribute| {
                html.split(attribute)
                    .skip(1)
                    .filter_map(|rest| rest.split('"').next())
            });
            for href in targets {
                let Some(path) = href
                    .strip_prefix(base)
                    .or_else(|| href.strip_prefix("webcal://")?.strip_prefix(host))
                    .or_else(|| href.strip_prefix('/'))
                else {
                    continue;
                };
                let path = path.split(['#', '?']).next().unwrap_or("");
                let target = out.join(path);
                let exists = if path.is_empty() || path.ends_with('/') {
                    target.join("index.html").is_file()
                } else {
                    target.is_file()
                };
                assert!(exists, "{}: broken link {href}", file.display());
                checked += 1;
            }
        }
        assert!(checked > 50, "only {checked} links checked in {fixture}");
    }
}

#[test]
fn two_builds_are_byte_identical() {
    let fx = Fixture::new("../../content");
    let first = fx.build_ok_at(common::AFTER_EXAMPLE_TICKS);
    let snapshot: Vec<(String, Vec<u8>)> = common::all_files(&first)
        .into_iter()
        .map(|p| {
            (
                p.strip_prefix(&first).unwrap().display().to_string(),
                fs::read(&p).unwrap(),
            )
        })
        .collect();
    let second = fx.build_ok_at(common::AFTER_EXAMPLE_TICKS);
    let again: Vec<(String, Vec<u8>)> = common::all_files(&second)
        .into_iter()
        .map(|p| {
            (
                p.strip_prefix(&second).unwrap().display().to_string(),
                fs::read(&p).unwrap(),
            )
        })
        .collect();
    assert_eq!(snapshot.len(), again.len());
    for ((name_a, a), (name_b, b)) in snapshot.iter().zip(&again) {
        assert_eq!(name_a, name_b);
        assert!(a == b, "{name_a} differs between two builds");
    }
}

#[test]
fn script_in_content_never_reaches_a_page() {
    let fx = Fixture::new("minimal");
    fx.write(
        "releases/billing-1.2.0.md",
        &fx.read("releases/billing-1.2.0.md").replace(
            "Invoices in",
            "<script>alert(1)</script><img src=x onerror=\"alert(2)\"> [click](javascript:alert(3)) <a href=\"jAvAscript:alert(4)\">x</a> <iframe src=\"https://evil.example\"></iframe>\n\nInvoices in",
        ),
    );
    fx.write(
        "runbooks/web-rollback.md",
        &fx.read("runbooks/web-rollback.md").replace(
            "title: Roll back the web shop",
            "title: \"<script>alert(5)</script>\"",
        ),
    );
    let out = fx.build_ok();
    for file in html_files(&out) {
        let html = fs::read_to_string(&file).unwrap().to_lowercase();
        assert!(!html.contains("<script>alert"), "{}", file.display());
        assert!(!html.contains("href=\"javascript"), "{}", file.display());
        assert!(!html.contains("<iframe"), "{}", file.display());
        assert!(!html.contains("onerror="), "{}", file.display());
    }
    let runbook = fs::read_to_string(out.join("runbooks/web-rollback/index.html")).unwrap();
    assert!(
        runbook.contains("&lt;script&gt;"),
        "titles are escaped, not dropped"
    );
}

/// Each broken input: exit 1, a `file:line` message naming the field, no panic, and the
/// previous site left as it was.
#[test]
fn bad_input_is_reported_precisely_and_leaves_the_old_site() {
    let cases: &[(&str, &str, &str, &str, &str)] = &[
        // (name, file, from, to, expected message fragment)
        ("malformed yaml", "portal.yaml", "timezone: Europe/Berlin", "timezone: [Europe/Berlin", "portal.yaml:3:"),
        ("wrong type", "contacts.yaml", "length_days: 7", "length_days: weekly", "contacts.yaml:35:18: error[length_days]: expected a whole number"),
        ("unknown field", "releases/web-2.0.0.md", "title: New checkout", "titel: New checkout", "releases/web-2.0.0.md:6:1: error[titel]: unknown field `titel`"),
        ("missing field", "releases/web-2.0.0.md", "owner: ben\n", "", "releases/web-2.0.0.md:2:1: error[owner]: missing field `owner`"),
        ("invalid date", "releases/web-2.0.0.md", "start: 2026-12-06 02:00", "start: 2026-13-06 02:00", "releases/web-2.0.0.md:8:10: error[window.start]: \"2026-13-06 02:00\" is not a date and time"),
        ("not semver", "releases/web-2.0.0.md", "version: 2.0.0", "version: 2.0", "releases/web-2.0.0.md:3:10: error[version]: \"2.0\" is not a SemVer version"),
        ("unknown system", "releases/web-2.0.0.md", "system: web", "system: webb", "releases/web-2.0.0.md:2:9: error[system]: unknown system \"webb\""),
        ("unknown contact", "releases/web-2.0.0.md", "owner: ben", "owner: bob", "releases/web-2.0.0.md:10:8: error[owner]: unknown person \"bob\""),
        ("unknown runbook", "portal.yaml", "rollback_runbook: web-rollback", "rollback_runbook: web-rolback", "portal.yaml:13:23: error[systems.rollback_runbook]: unknown runbook \"web-rolback\""),
        ("unknown checklist", "releases/billing-1.2.0.md", "checklist: basic", "checklist: basics", "releases/billing-1.2.0.md:12:12: error[checklist]: unknown checklist \"basics\""),
        ("escaping slug", "portal.yaml", "systems:\n", "systems:\n  - id: ../../etc\n    name: Evil\n    owner: ana\n    rollback_runbook: web-rollback\n", "portal.yaml:5:9: error[systems.id]: \"../../etc\" is not a valid id"),
        ("dst gap", "releases/web-2.0.0.md", "start: 2026-12-06 02:00", "start: 2026-03-29 02:30", "does not exist in Europe/Berlin"),
        ("end before start", "releases/web-2.0.0.md", "end: 2026-12-06 04:00", "end: 2026-12-06 01:00", "error[window.end]: the release window ends before it starts"),
        ("freeze of no time", "portal.yaml", "end: 2027-01-03 00:00", "end: 2026-12-20 00:00", "portal.yaml:17:10: error[freezes.end]: the window ends when it starts: it would last no time"),
        ("weekly freeze without days", "portal.yaml", "    start: 2026-12-20 00:00\n    end: 2027-01-03 00:00\n", "    weekly: {days: [], start: \"09:00\", end: \"17:00\"}\n", "error[freezes.weekly.days]: \"Year-end freeze\" has no days: a weekly window without days never applies"),
        ("stale after zero hours", "portal.yaml", "timezone: Europe/Berlin\n", "timezone: Europe/Berlin\nstale_after_hours: 0\n", "portal.yaml:4:20: error[stale_after_hours]: stale_after_hours is 0"),
        ("reminder too early", "portal.yaml", "timezone: Europe/Berlin\n", "timezone: Europe/Berlin\nreminder_hours: 1000\n", "portal.yaml:4:17: error[reminder_hours]: reminder_hours is 1000: more than 4 weeks"),
        ("feed history too long", "portal.yaml", "timezone: Europe/Berlin\n", "timezone: Europe/Berlin\nfeed_history_days: 4000\n", "portal.yaml:4:20: error[feed_history_days]: feed_history_days is 4000: more than ten years (3650 days)"),
        ("stale after words", "portal.yaml", "timezone: Europe/Berlin\n", "timezone: Europe/Berlin\nstale_after_hours: soon\n", "portal.yaml:4:20: error[stale_after_hours]: expected a whole number"),
        ("missing approval", "releases/web-2.0.0.md", "status: planned", "status: approved", "releases/web-2.0.0.md:5:9: error[approvals]: a major release that is approved needs approvals by product-owner and qa-lead (none recorded for product-owner and qa-lead)"),
    ];
    for (name, file, from, to, expected) in cases {
        let fx = Fixture::new("minimal");
        let out = fx.build_ok();
        let before = fs::read(out.join("index.html")).unwrap();
        let original = fx.read(file);
        assert!(original.contains(from), "{name}: fixture lacks {from:?}");
        fx.write(file, &original.replacen(from, to, 1));
        let result = fx.build();
        assert_eq!(
            result.code,
            Some(1),
            "{name}: exit code; stderr:\n{}",
            result.stderr
        );
        assert!(
            result.stderr.contains(expected),
            "{name}: expected {expected:?} in:\n{}",
            result.stderr
        );
        assert!(!result.stderr.contains("panicked"), "{name}: panic");
        let problems = result
            .stderr
            .lines()
            .filter(|l| l.contains(": error"))
            .count();
        assert_eq!(
            problems, 1,
            "{name}: one problem, one message (no cascade):\n{}",
            result.stderr
        );
        assert_eq!(
            fs::read(out.join("index.html")).unwrap(),
            before,
            "{name}: old site changed"
        );
    }
}

#[test]
fn duplicate_release_names_both_files() {
    let fx = Fixture::new("minimal");
    fx.write(
        "releases/billing-again.md",
        &fx.read("releases/billing-1.2.0.md"),
    );
    let result = fx.build();
    assert_eq!(result.code, Some(1));
    assert!(result.stderr.contains("releases/billing-again.md:3:10: error[version]: billing 1.2.0 is already defined in releases/billing-1.2.0.md"), "{}", result.stderr);
}

#[test]
fn all_problems_are_reported_in_one_run() {
    let fx = Fixture::new("minimal");
    fx.write(
        "releases/web-2.0.0.md",
        &fx.read("releases/web-2.0.0.md")
            .replace("owner: ben", "owner: nobody"),
    );
    fx.write("releases/broken.md", "no front matter here\n");
    fs::write(
        fx.dir().join("runbooks/latin1.md"),
        b"---\ntitle: Caf\xe9\nkind: other\nowner: ana\n---\n",
    )
    .unwrap();
    fx.write(
        "checklists/basic.yaml",
        &fx.read("checklists/basic.yaml")
            .replace("owner: developer", "owner: devloper"),
    );
    let result = fx.build();
    assert_eq!(result.code, Some(1));
    for expected in [
        "releases/web-2.0.0.md:10:8: error[owner]: unknown person \"nobody\"",
        "releases/broken.md:1:1: error: missing front matter",
        "runbooks/latin1.md:2:11: error: the file is not valid UTF-8",
        "checklists/basic.yaml:8:16: error[items.owner]: unknown role \"devloper\"",
    ] {
        assert!(
            result.stderr.contains(expected),
            "expected {expected:?} in:\n{}",
            result.stderr
        );
    }
}

#[test]
fn empty_or_missing_content_dir_is_a_clear_error() {
    let empty = tempfile::tempdir().unwrap();
    let result = run(&["build", &empty.path().display().to_string()]);
    assert_eq!(result.code, Some(1));
    assert!(
        result.stderr.contains("portal.yaml: error: file not found"),
        "{}",
        result.stderr
    );
    assert!(
        result.stderr.contains("shipboard init"),
        "{}",
        result.stderr
    );
    let missing = empty.path().join("nope");
    let result = run(&["build", &missing.display().to_string()]);
    assert_eq!(result.code, Some(1));
    assert!(
        result.stderr.contains("content directory not found"),
        "{}",
        result.stderr
    );
}

#[test]
fn refuses_to_overwrite_a_folder_it_did_not_make() {
    let fx = Fixture::new("minimal");
    let precious = fx.dir().join("precious");
    fs::create_dir(&precious).unwrap();
    fs::write(precious.join("notes.txt"), "keep me").unwrap();
    let result = run(&[
        "build",
        &fx.dir().display().to_string(),
        "--output",
        &precious.display().to_string(),
    ]);
    assert_eq!(result.code, Some(2), "{}", result.stderr);
    assert!(
        result.stderr.contains("was not created by shipboard"),
        "{}",
        result.stderr
    );
    assert_eq!(
        fs::read_to_string(precious.join("notes.txt")).unwrap(),
        "keep me"
    );
}

#[test]
fn base_url_override_rewrites_links_to_a_sub_path() {
    let fx = Fixture::new("minimal");
    let out = fx.dir().join("public");
    let result = run(&[
        "build",
        &fx.dir().display().to_string(),
        "--base-url",
        "https://example.org/preview/",
    ]);
    assert_eq!(result.code, Some(0), "{}", result.stderr);
    let release = fs::read_to_string(out.join("releases/billing/1.2.0/index.html")).unwrap();
    assert!(release.contains("href=\"/preview/runbooks/billing-rollback/\""));
    assert!(release.contains("href=\"/preview/style.css"));
    assert!(!Path::new(&out.join("preview")).exists());
}

#[test]
fn symlinks_are_not_followed_and_empty_files_are_named() {
    let fx = Fixture::new("minimal");
    std::os::unix::fs::symlink("/etc/passwd", fx.dir().join("runbooks/passwd.md")).unwrap();
    fx.write("releases/empty.md", "---\n---\n");
    let result = fx.build();
    assert_eq!(result.code, Some(1), "{}", result.stderr);
    assert!(
        result
            .stderr
            .contains("runbooks/passwd.md: warning: symbolic link skipped"),
        "{}",
        result.stderr
    );
    assert!(
        result
            .stderr
            .contains("releases/empty.md:2:1: error: no fields here"),
        "{}",
        result.stderr
    );
    assert!(
        !result.stderr.contains("root:"),
        "nothing from the link target is read"
    );
}

#[test]
fn an_override_shows_on_the_contacts_page_home_and_the_oncall_feed() {
    // The build's "now" is Wed 2026-11-25 12:00 UTC, in Cy's turn (from Mon 11-23 10:00);
    // Ben covers Tuesday to Thursday.
    let fx = Fixture::new("minimal");
    let contacts = fx.read("contacts.yaml");
    fx.write(
        "contacts.yaml",
        &format!(
            "{contacts}    overrides:\n      - person: ben\n        start: 2026-11-24 10:00\n        end: 2026-11-26T10:00+01:00\n"
        ),
    );
    let out = fx.build_ok();
    let page = fs::read_to_string(out.join("contacts/index.html")).unwrap();
    // The table starts at the shift running now: Cy's Monday is over.
    for row in [
        "<tr data-live-on=\"1795510800000 1795683600000\" data-live-mark data-live-now><td>Ben Okoro (covering for Cy Tan)<span data-live-on=\"1795510800000 1795683600000\"> (now)</span></td><td>Tue 2026-11-24 10:00</td><td>Thu 2026-11-26 10:00</td></tr>",
        "<tr data-live-on=\"1795683600000 1796029200000\" data-live-mark><td>Cy Tan<span data-live-on=\"1795683600000 1796029200000\" hidden> (now)</span></td><td>Thu 2026-11-26 10:00</td><td>Mon 2026-11-30 10:00</td></tr>",
    ] {
        assert!(page.contains(row), "{row}\nnot in\n{page}");
    }
    // An e-mail address may break after its `@` on a narrow screen, not mid-word; the
    // link itself is the address as written.
    assert!(
        page.contains("<a href=\"mailto:ana@acme.example\">ana@<wbr>acme.example</a>"),
        "{page}"
    );
    let home = fs::read_to_string(out.join("index.html")).unwrap();
    // Ben is shown at the build; the live layer switches to Cy at the override's end.
    assert!(
        home.contains("<span data-live-on=\"1795510800000 1795683600000 ")
            && home.contains("\"><strong>Ben Okoro</strong></span><span data-live-on=\"1795683600000 1796029200000 ")
            && home.contains(" hidden><strong>Cy Tan</strong></span> (SRE on call)"),
        "{home}"
    );
    let feed = fs::read_to_string(out.join("calendar/oncall-sre.ics")).unwrap();
    let unfolded = feed.replace("\r\n ", "");
    assert!(
        unfolded.contains("UID:oncall-sre-3-20261124T090000Z@releases.acme.example\r\n"),
        "{feed}"
    );
    assert!(
        unfolded.contains("SUMMARY:On call: Ben Okoro\\, covering for Cy Tan (SRE on call)\r\n"),
        "{feed}"
    );
    assert!(
        unfolded.contains("DTSTART:20261124T090000Z\r\nDTEND:20261126T090000Z\r\n"),
        "{feed}"
    );
}

#[test]
fn approval_tickets_link_through_the_systems_ticket_url() {
    let fx = Fixture::new("minimal");
    let portal = fx.read("portal.yaml");
    fx.write(
        "portal.yaml",
        &portal.replacen(
            "    rollback_runbook: web-rollback\n",
            "    rollback_runbook: web-rollback\n    ticket_url: \"https://tracker.acme.example/browse/{id}\"\n",
            1,
        ),
    );
    let release = fx.read("releases/web-2.0.0.md");
    fx.write(
        "releases/web-2.0.0.md",
        &release.replacen(
            "owner: ben\n",
            "owner: ben\napprovals:\n  - {role: product-owner, by: ana, at: 2026-11-20 10:00, ticket: CAB-12}\n  - {role: qa-lead, by: cy, at: 2026-11-21 10:00, ticket: \"https://cab.acme.example/r/7\"}\n",
            1,
        ),
    );
    let out = fx.build_ok();
    let page = fs::read_to_string(out.join("releases/web/2.0.0/index.html")).unwrap();
    assert!(
        page.contains(r#"<a href="https://tracker.acme.example/browse/CAB-12">CAB-12</a>"#),
        "{page}"
    );
    assert!(
        page.contains(r#"<a href="https://cab.acme.example/r/7">https://cab.acme.example/r/7</a>"#)
    );
}

/// With the content in git, the Atom feed's entries are `updated` when their release file
/// last changed (not at the window's start, which may be in the future), and the on-call
/// feeds take SEQUENCE and DTSTAMP from contacts.yaml's history, as release events take
/// theirs from the release file's.
#[test]
fn atom_and_oncall_feeds_follow_the_content_history() {
    let fx = Fixture::new("minimal");
    let dir = fx.dir();
    common::git(&dir, &["init", "-q"]);
    common::git(&dir, &["add", "."]);
    common::git(&dir, &["commit", "-q", "-m", "content"]);
    // The helper commits at 1790000000 (2026-09-21 14:13:20 UTC); contacts.yaml changes
    // again ten minutes later.
    let contacts = fx.read("contacts.yaml");
    fx.write("contacts.yaml", &format!("{contacts}\n"));
    common::git_at(
        &dir,
        &["commit", "-q", "-am", "contacts again"],
        "1790000600 +0000",
    );
    let out = fx.build_ok();

    let atom = fs::read_to_string(out.join("releases.atom")).unwrap();
    let entries = atom.matches("<entry>").count();
    assert!(entries > 0, "{atom}");
    assert_eq!(
        atom.matches("<updated>2026-09-21T14:13:20+00:00</updated>")
            .count(),
        entries + 1,
        "every entry and the feed: {atom}"
    );

    let feeds: Vec<_> = fs::read_dir(out.join("calendar"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("oncall-"))
        })
        .collect();
    assert!(!feeds.is_empty(), "no on-call feed");
    for feed in feeds {
        let text = fs::read_to_string(&feed).unwrap();
        assert!(text.contains("BEGIN:VEVENT"), "{text}");
        // Minutes from 2020-01-01T00:00Z to contacts.yaml's last commit (1790000600).
        assert_eq!(
            text.matches("BEGIN:VEVENT").count(),
            text.matches("SEQUENCE:3536063\r\n").count(),
            "{}: contacts.yaml's last commit gives every shift its SEQUENCE",
            feed.display()
        );
        assert!(text.contains("DTSTAMP:20260921T142320Z\r\n"), "{text}");
        assert!(!text.contains("SEQUENCE:0\r\n"), "{text}");
    }
}

/// The SEQUENCE of the event `uid` in the feed `calendar.ics` of `out`.
fn sequence_of(out: &Path, uid: &str) -> u32 {
    let feed = fs::read_to_string(out.join("calendar.ics")).unwrap();
    let at = feed
        .find(&format!("UID:{uid}"))
        .unwrap_or_else(|| panic!("no {uid} in\n{feed}"));
    let begin = feed[..at].rfind("BEGIN:VEVENT").expect("inside a VEVENT");
    let event = &feed[begin..];
    let event = &event[..event.find("END:VEVENT").expect("a whole VEVENT")];
    let line = event
        .lines()
        .find_map(|l| l.strip_prefix("SEQUENCE:"))
        .unwrap_or_else(|| panic!("no SEQUENCE in\n{event}"));
    line.trim_end().parse().expect("SEQUENCE is a number")
}

/// Commits an edit of the web release's notes at `date` (Unix seconds).
fn edit_web_release(fx: &Fixture, note: &str, date: u32) {
    let file = "releases/web-2.0.0.md";
    let text = fx.read(file);
    fx.write(file, &format!("{text}\n{note}\n"));
    let date = format!("{date} +0000");
    common::git_at(&fx.dir(), &["commit", "-q", "-am", note], &date);
}

/// Calendar clients ignore an update whose SEQUENCE is lower than the one they hold. A
/// count of commits fell when the content repository's history was squashed; the
/// committer date of the release file's last commit does not (a rewrite gives new
/// committer dates and keeps author dates, so this squash keeps the oldest author date).
#[test]
fn a_release_events_sequence_never_falls_when_history_is_squashed() {
    const START: u32 = 1_790_000_000;
    const HOUR: u32 = 3600;
    let fx = Fixture::new("minimal");
    let dir = fx.dir();
    common::git(&dir, &["init", "-q"]);
    common::git(&dir, &["add", "."]);
    common::git(&dir, &["commit", "-q", "-m", "content"]);
    for n in 1..=3 {
        edit_web_release(&fx, &format!("Note {n}."), START + n * HOUR);
    }
    let uid = "release-web-2.0.0@";
    let first = fx.build_ok();
    let before = sequence_of(&first, uid);
    let feed = fs::read(first.join("calendar.ics")).unwrap();

    // Unchanged content and history: the same SEQUENCE, the same bytes.
    let again = fx.build_ok();
    assert_eq!(sequence_of(&again, uid), before);
    assert_eq!(fs::read(again.join("calendar.ics")).unwrap(), feed);

    // Squash the four commits into one, committed later; the release file's commit count
    // drops from 4 to 1.
    common::git(&dir, &["reset", "-q", "--soft", "HEAD~3"]);
    let squashed_at = format!("{} +0000", START + 4 * HOUR);
    let amend = ["commit", "-q", "--amend", "-m", "content, squashed"];
    common::git_dated(&dir, &amend, &format!("{START} +0000"), &squashed_at);
    let log = std::process::Command::new("git")
        .args(["rev-list", "--count", "HEAD"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&log.stdout).trim(), "1");
    let out = fx.build_ok();
    let squashed = sequence_of(&out, uid);
    // Python's icalendar takes it (it rejects a SEQUENCE above 2^31-1).
    common::ical_check(&[out.join("calendar.ics")]);
    assert!(
        squashed > before,
        "SEQUENCE {squashed} after the squash, {before} before"
    );

    // A later edit raises it again.
    edit_web_release(&fx, "Note 4.", START + 5 * HOUR);
    let edited = sequence_of(&fx.build_ok(), uid);
    assert!(
        edited > squashed,
        "SEQUENCE {edited} after an edit, {squashed} before"
    );
}

/// `build -q` prints only the errors, as `check -q` does, also when the build fails.
#[test]
fn quiet_build_prints_errors_without_warnings() {
    let fx = Fixture::new("minimal");
    // A warning: a symbolic link inside runbooks/ is skipped.
    std::os::unix::fs::symlink(
        fx.dir().join("runbooks/web-rollback.md"),
        fx.dir().join("runbooks/linked.md"),
    )
    .unwrap();
    let loud = fx.build();
    assert_eq!(loud.code, Some(0), "{}", loud.stderr);
    assert!(loud.stderr.contains("warning"), "{}", loud.stderr);
    // An error besides it: an owner who is not in contacts.yaml.
    let release = fx.read("releases/web-2.0.0.md");
    fx.write(
        "releases/web-2.0.0.md",
        &release.replacen("owner: ", "owner: nobody-", 1),
    );
    let dir = fx.dir().display().to_string();
    let quiet = run(&["build", &dir, "-q"]);
    assert_eq!(quiet.code, Some(1), "{}", quiet.stderr);
    assert!(quiet.stderr.contains("error[owner]"), "{}", quiet.stderr);
    assert!(!quiet.stderr.contains("warning"), "{}", quiet.stderr);
    let loud = run(&["build", &dir]);
    assert!(loud.stderr.contains("warning"), "{}", loud.stderr);
}
