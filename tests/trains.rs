//! System versions and release trains end to end: the real binary builds the `minimal`
//! fixture plus system versions, a train with three departures and billing's history in a
//! real git repository made in a temp dir; the pages, the diff between system versions, the
//! train's iCal feed (judged by Python's `icalendar` through `tests/ical_check.py`) and
//! every `check` error of the two formats, each with its position, help and nothing
//! written.

mod common;

use std::fs;
use std::path::Path;

use common::{git, git_at, ical_check, minimal_with_billing_history, run, Fixture};

fn release(
    system: &str,
    version: &str,
    kind: &str,
    status: &str,
    when: (&str, &str, &str),
) -> String {
    let (day, from, to) = when;
    format!(
        "---\nsystem: {system}\nversion: {version}\ntype: {kind}\nstatus: {status}\nwindow:\n  \
         start: {day} {from}\n  end: {day} {to}\nowner: ana\nchecklist: basic\n---\n{system} {version}.\n"
    )
}

const SYSTEM_VERSION_NOV: &str =
    "name: \"2026.11\"\nversions:\n  - system: billing\n    version: 1.2.0\n";

const SYSTEM_VERSION_DEC: &str = "name: \"2026.12\"\ndescription: Billing 1.3.0 with the new checkout.\nversions:\n  - system: billing\n    version: 1.3.0\n  - system: web\n    version: 2.0.0\n";

/// Every 14 days from Tue 3 Nov 2026: departure 1 (billing 1.2.0, released), departure 3
/// (billing 1.3.0 and web 2.0.0), departure 6 (web 2.1.0); the cadence dates between fall
/// in the year-end freeze (20 Dec - 3 Jan) or have nothing to ship.
const TRAIN: &str = "name: Launch train
description: The new checkout across billing and the web shop.
delivery_manager: cy
cadence:
  every_days: 14
  start: 2026-11-03
departures:
  - date: 2026-11-03
    demo: 2026-11-13 15:00
    members:
      - system: billing
        version: 1.2.0
  - date: 2026-12-01
    demo: 2026-12-11 15:00
    members:
      - system: billing
        version: 1.3.0
      - system: web
        version: 2.0.0
  - date: 2027-01-12
    members:
      - system: web
        version: 2.1.0
";

/// The `minimal` fixture with billing's history (tags v1.1.0, v1.2.0), billing 1.3.0
/// (8 Dec), web 2.1.0 (12 Jan, needs billing 1.3.0), two system versions and the train.
fn fixture() -> Fixture {
    let fixture = minimal_with_billing_history(&[
        ("1.1.0", "feat: invoices"),
        ("1.2.0", "feat: invoices in PDF/A"),
    ]);
    // One of its two checklist items has a recorded tick.
    let billing = release(
        "billing",
        "1.3.0",
        "minor",
        "approved",
        ("2026-12-08", "20:00", "21:00"),
    )
    .replace(
        "checklist: basic\n",
        "checklist: basic\nticks:\n  - item: canary\n    by: ana\n    at: 2026-11-20 10:00\n",
    );
    fixture.write("releases/billing-1.3.0.md", &billing);
    let web = release(
        "web",
        "2.1.0",
        "minor",
        "planned",
        ("2027-01-12", "20:00", "21:00"),
    )
    .replace(
        "checklist: basic\n",
        "depends_on:\n  - system: billing\n    version: \">=1.3.0\"\n",
    );
    fixture.write("releases/web-2.1.0.md", &web);
    fixture.write("system-versions/2026-11.yaml", SYSTEM_VERSION_NOV);
    fixture.write("system-versions/2026-12.yaml", SYSTEM_VERSION_DEC);
    fixture.write("trains/launch.yaml", TRAIN);
    fixture
}

fn page(out: &Path, path: &str) -> String {
    fs::read_to_string(out.join(path)).unwrap_or_else(|_| panic!("{path} was written"))
}

/// The text of `html` without tags and with runs of whitespace as one space.
fn text(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn train_and_departure_pages_show_members_readiness_demo_and_on_call() {
    let fx = fixture();
    let out = fx.build_ok();
    let train = text(&page(&out, "trains/launch/index.html"));
    for expected in [
        "Launch train",
        "every 14 days from Tue 3 Nov 2026, each departure open 14 days",
        "Cy Tan",
        "Departure 1 Tue 3 Nov 2026 – Mon 16 Nov 2026 Fri 13 Nov 2026, 15:00 CET Billing 1.2.0 Complete: every member released",
        "Departure 3 Tue 1 Dec 2026 – Mon 14 Dec 2026 Fri 11 Dec 2026, 15:00 CET Billing 1.3.0 , Web shop 2.0.0 Not ready yet",
        "Departure 6 Tue 12 Jan 2027 – Mon 25 Jan 2027",
    ] {
        assert!(train.contains(expected), "{expected:?} not in:\n{train}");
    }
    let departure = text(&page(&out, "trains/launch/3/index.html"));
    for expected in [
        "Launch train, departure 3",
        "System demo Fri 11 Dec 2026, 15:00 CET",
        "Delivery manager Cy Tan",
        // billing 1.3.0: minor, approved, no approval required by the policy: ready.
        "Billing 1.3.0 Tue 8 Dec 2026, 20:00–21:00 CET Approved Basic rollout (1 of 2 items recorded) none needed yes",
        // web 2.0.0: major and planned; the policy asks for a product owner and a QA lead.
        "Web shop 2.0.0 New checkout Sun 6 Dec 2026, 02:00–04:00 CET Planned none missing: Product owner, QA lead not yet",
        // Billing's ladder calls the SRE rotation (ben, cy, weekly from Mon 2 Nov 10:00).
        "On call during the departure SRE on call",
        "Ben Okoro: Tue 1 Dec 2026, 00:00 CET – Mon 7 Dec 2026, 10:00 CET",
        "Cy Tan: Mon 7 Dec 2026, 10:00 CET – Mon 14 Dec 2026, 10:00 CET",
        "← Previous departure",
        "Next departure →",
    ] {
        assert!(departure.contains(expected), "{expected:?} not in:\n{departure}");
    }
    let first = page(&out, "trains/launch/1/index.html");
    assert!(
        first.contains("href=\"/system-versions/train-launch-1/\""),
        "a complete departure links to the system version it became:\n{first}"
    );
    let index = text(&page(&out, "trains/index.html"));
    assert!(
        index.contains("Launch train") && index.contains("Departure 6"),
        "{index}"
    );
    let calendar = text(&page(&out, "calendar/index.html"));
    assert!(
        calendar.contains("Release train departures")
            && calendar.contains("Launch train, departure 3 Tue 1 Dec 2026 – Mon 14 Dec 2026 System demo: Fri 11 Dec 2026, 15:00 CET"),
        "{calendar}"
    );
    // The live layer drops it from the list when it ends (15 Dec 00:00 Berlin).
    assert!(page(&out, "calendar/index.html").contains(
        "<li data-live-on=\"0 1797289200000\" data-live-mark data-live-now><a href=\"/trains/launch/3/\">"
    ));
    let upcoming = &calendar[calendar.find("Release train departures").unwrap_or(0)..];
    let upcoming = &upcoming[..upcoming.find("Month view").unwrap_or(upcoming.len())];
    assert!(
        !upcoming.contains("departure 1 "),
        "a departure that has ended is not upcoming:\n{upcoming}"
    );
    assert!(
        calendar.contains("Launch train, departure 1 departs"),
        "November's grid shows departure 1 on its date:\n{calendar}"
    );
    assert!(page(&out, "production/index.html").contains("href=\"/system-versions/\""));
    let billing = text(&page(&out, "releases/billing/1.3.0/index.html"));
    assert!(
        billing.contains("Release train and system versions Rides Launch train, departure 3 In system version 2026.12"),
        "a member's release page links its departure and system versions:\n{billing}"
    );
    let december = text(&page(&out, "calendar/2026-12/index.html"));
    for expected in [
        "Launch train, departure 3 departs",
        "Launch train, departure 3: system demo 15:00",
    ] {
        assert!(
            december.contains(expected),
            "{expected:?} not in:\n{december}"
        );
    }
}

#[test]
fn system_version_pages_diff_against_the_previous_one_and_show_changelogs() {
    let fx = fixture();
    let out = fx.build_ok();
    // In order of taking effect: 2026.11 and the train's departure 1 (both billing 1.2.0,
    // 10 Nov 21:00; by name), then 2026.12 (8 Dec 21:00).
    let index = text(&page(&out, "system-versions/index.html"));
    let newest = index.find("2026.12").expect("2026.12 listed");
    let derived = index
        .find("Launch train, departure 1")
        .expect("the departure's listed");
    let oldest = index.find("2026.11").expect("2026.11 listed");
    assert!(
        newest < derived && derived < oldest,
        "newest first:\n{index}"
    );

    let dec = text(&page(&out, "system-versions/2026-12/index.html"));
    for expected in [
        "System version 2026.12",
        "Billing 1.3.0 with the new checkout.",
        "Previous Launch train, departure 1",
        "Changes since Launch train, departure 1",
        "Billing 1.2.0 1.3.0 upgraded",
        "Web shop — 2.0.0 added",
        "Billing 1.2.0 → 1.3.0 No changelog: 1.3.0 is not tagged yet.",
    ] {
        assert!(dec.contains(expected), "{expected:?} not in:\n{dec}");
    }
    let nov = text(&page(&out, "system-versions/2026-11/index.html"));
    for expected in [
        "Previous none: this is the first",
        "Billing — 1.2.0 added",
        "invoices in PDF/A",
    ] {
        assert!(nov.contains(expected), "{expected:?} not in:\n{nov}");
    }
    let derived = text(&page(&out, "system-versions/train-launch-1/index.html"));
    assert!(
        derived.contains("Made by Launch train, departure 1")
            && derived.contains("Billing 1.2.0 1.2.0 unchanged"),
        "{derived}"
    );
    // A departure that is not complete is no system version.
    assert!(!out.join("system-versions/train-launch-3").exists());
}

#[test]
fn the_train_feed_has_each_departure_and_demo_with_reminders() {
    let fx = fixture();
    let out = fx.build_ok();
    let feed = page(&out, "calendar/train-launch.ics");
    for expected in [
        "UID:train-launch-3@releases.acme.example",
        "DTSTART;VALUE=DATE:20261201",
        "DTEND;VALUE=DATE:20261215",
        "SUMMARY:Launch train: departure 3",
        "UID:train-launch-3-demo@releases.acme.example",
        "DTSTART:20261211T140000Z",
        "DTEND:20261211T150000Z",
        "TRIGGER:-PT24H",
        "UID:train-launch-6@releases.acme.example",
    ] {
        assert!(feed.contains(expected), "{expected:?} not in:\n{feed}");
    }
    assert_eq!(
        feed.matches("BEGIN:VEVENT").count(),
        5,
        "3 departures, 2 demos:\n{feed}"
    );
    assert_eq!(
        feed.matches("BEGIN:VALARM").count(),
        3,
        "departures 3 and 6 and demo 3 are ahead of the build (25 Nov); departure 1 and its demo are over:\n{feed}"
    );
    assert!(
        !feed.contains("UID:train-launch-6-demo"),
        "departure 6 has no demo:\n{feed}"
    );
    let portal = page(&out, "calendar.ics");
    assert!(portal.contains("UID:train-launch-3@releases.acme.example"));
    assert!(page(&out, "calendar/index.html").contains("calendar/train-launch.ics"));
    ical_check(&[
        out.join("calendar/train-launch.ics"),
        out.join("calendar.ics"),
    ]);
}

/// The line and column of `value` on the first line that holds `prefix` + `value`.
fn value_at(text: &str, prefix: &str, value: &str) -> (usize, usize) {
    let needle = format!("{prefix}{value}");
    text.lines()
        .enumerate()
        .find_map(|(i, l)| l.find(&needle).map(|c| (i + 1, c + prefix.len() + 1)))
        .unwrap_or_else(|| panic!("{needle:?} not in the file"))
}

/// Where a member `- system: S` / `version: V` is reported: its `system:` value.
fn member_at(text: &str, system: &str, version: &str) -> (usize, usize) {
    let lines: Vec<&str> = text.lines().collect();
    let index = lines
        .windows(2)
        .position(|w| {
            w[0].ends_with(&format!("- system: {system}"))
                && w[1].ends_with(&format!("version: {version}"))
        })
        .unwrap_or_else(|| panic!("member {system} {version} not in the file"));
    (index + 1, lines[index].find(system).unwrap_or(0) + 1)
}

/// Writes `file` with `text` into the fixture, runs `check` and `build`, and asserts both
/// fail with `error` at `file:line:col` followed by `help`, and that the build wrote
/// nothing.
fn assert_check_error(
    fx: &Fixture,
    file: &str,
    text: &str,
    at: (usize, usize),
    error: &str,
    help: &str,
) {
    fx.write(file, text);
    let (line, column) = at;
    let dir = fx.dir().display().to_string();
    let result = run(&["check", &dir]);
    assert_eq!(result.code, Some(1), "{}", result.stdout);
    let expected = format!("{dir}/{file}:{line}:{column}: {error}");
    let Some(found) = result.stdout.find(&expected) else {
        panic!("{expected:?} not in:\n{}", result.stdout);
    };
    let next = result.stdout[found..]
        .lines()
        .nth(1)
        .unwrap_or_default()
        .trim();
    assert_eq!(next, format!("help: {help}"), "in:\n{}", result.stdout);
    let build = fx.build();
    assert_eq!(build.code, Some(1), "{}", build.stderr);
    assert!(!fx.dir().join("public").exists(), "nothing is written");
}

#[test]
fn the_fixture_checks_clean() {
    let fx = fixture();
    let result = run(&["check", &fx.dir().display().to_string()]);
    assert_eq!(result.code, Some(0), "{}", result.stdout);
}

#[test]
fn a_system_version_with_an_unknown_system_is_an_error() {
    let fx = fixture();
    let text = SYSTEM_VERSION_NOV.replace("- system: billing", "- system: biling");
    assert_check_error(
        &fx,
        "system-versions/2026-11.yaml",
        &text,
        value_at(&text, "- system: ", "biling"),
        "error[versions.system]: unknown system \"biling\"",
        "did you mean \"billing\"? define it in portal.yaml `systems:`, or fix the spelling",
    );
}

#[test]
fn a_system_version_naming_a_version_without_a_release_file_is_an_error() {
    let fx = fixture();
    let text = SYSTEM_VERSION_NOV.replace("1.2.0", "1.2.9");
    assert_check_error(
        &fx,
        "system-versions/2026-11.yaml",
        &text,
        value_at(&text, "version: ", "1.2.9"),
        "error[versions.version]: billing 1.2.9 has no release file",
        "add releases/billing-1.2.9.md (`shipboard new release billing 1.2.9`), or name a version that has one",
    );
}

#[test]
fn two_system_versions_with_the_same_name_are_an_error() {
    let fx = fixture();
    let text = SYSTEM_VERSION_DEC.replace("\"2026.12\"", "\"2026.11\"");
    // Files are read in name order: the second one is reported, naming the first.
    assert_check_error(
        &fx,
        "system-versions/2026-12.yaml",
        &text,
        value_at(&text, "name: ", "\"2026.11\""),
        "error[name]: the system version \"2026.11\" is already defined at system-versions/2026-11.yaml:1:7",
        "give each system version its own name (names are compared as their URL slugs, ignoring case and punctuation)",
    )
}

#[test]
fn a_member_whose_dependency_the_system_version_does_not_meet_is_an_error() {
    let fx = fixture();
    // web 2.0.0 depends on billing >=1.2.0; 2026.12 without billing cannot satisfy it.
    let text = "name: \"2026.12\"\nversions:\n  - system: web\n    version: 2.0.0\n";
    assert_check_error(
        &fx,
        "system-versions/2026-12.yaml",
        text,
        value_at(text, "- system: ", "web"),
        "error[versions]: web 2.0.0 depends on billing >=1.2.0 (releases/web-2.0.0.md:12:13), which this system version does not include",
        "add `- system: billing` with a version matching >=1.2.0 to `versions:`",
    );
}

/// The train with `from` replaced by `to`.
fn train(from: &str, to: &str) -> String {
    assert!(TRAIN.contains(from), "{from:?}");
    TRAIN.replacen(from, to, 1)
}

#[test]
fn a_member_scheduled_outside_its_departures_window_is_an_error() {
    let fx = fixture();
    // web 2.1.0 (12 Jan) put on departure 3 (1-14 Dec) instead of billing 1.3.0.
    let text = train(
        "      - system: billing\n        version: 1.3.0\n      - system: web\n        version: 2.0.0\n",
        "      - system: billing\n        version: 1.3.0\n      - system: web\n        version: 2.0.0\n      - system: web\n        version: 2.1.0\n",
    )
    .replace("  - date: 2027-01-12\n    members:\n      - system: web\n        version: 2.1.0\n", "");
    fx.write("trains/launch.yaml", &text);
    let (line, _) = member_at(&text, "web", "2.1.0");
    let dir = fx.dir().display().to_string();
    let result = run(&["check", &dir]);
    assert_eq!(result.code, Some(1), "{}", result.stdout);
    let expected = format!(
        "{dir}/trains/launch.yaml:{line}:17: error[departures.members]: web 2.1.0 is scheduled 2027-01-12 20:00 – 21:00 (releases/web-2.1.0.md:7:10), outside departure 3's window 2026-12-01 00:00 – 2026-12-15 00:00"
    );
    assert!(
        result.stdout.contains(&expected),
        "{expected:?} not in:\n{}",
        result.stdout
    );
    assert!(result.stdout.contains("help: move the release's window into the departure's, or put the release on the departure whose window holds it"));
    assert_eq!(fx.build().code, Some(1));
    assert!(!fx.dir().join("public").exists());
}

#[test]
fn a_cancelled_member_misses_its_departure() {
    let fx = fixture();
    let cancelled = fx
        .read("releases/billing-1.3.0.md")
        .replace("status: approved", "status: cancelled");
    fx.write("releases/billing-1.3.0.md", &cancelled);
    assert_check_error(
        &fx,
        "trains/launch.yaml",
        TRAIN,
        member_at(TRAIN, "billing", "1.3.0"),
        "error[departures.members]: billing 1.3.0 is cancelled: it misses departure 3",
        "put the version that replaces it on this or a later departure, or remove the member",
    );
}

#[test]
fn a_departure_without_a_delivery_manager_is_an_error() {
    let fx = fixture();
    let text = train("delivery_manager: cy\n", "");
    assert_check_error(
        &fx,
        "trains/launch.yaml",
        &text,
        value_at(&text, "- date: ", "2026-11-03"),
        "error[delivery_manager]: departure 1 (2026-11-03) has no delivery manager",
        "a train needs a dedicated delivery manager: add `delivery_manager: <person>` to the train, or to this departure",
    );
}

#[test]
fn a_dependency_on_a_later_departure_is_an_error() {
    let fx = fixture();
    // web 2.0.0 (departure 3) comes to need billing 1.4.0, which ships on departure 6
    // (billing 1.3.0 leaves the train).
    let text = train(
        "      - system: billing\n        version: 1.3.0\n      - system: web\n",
        "      - system: web\n",
    )
    .replace("    members:\n      - system: web\n        version: 2.1.0\n", "    members:\n      - system: web\n        version: 2.1.0\n      - system: billing\n        version: 1.4.0\n");
    fx.write(
        "releases/billing-1.4.0.md",
        &release(
            "billing",
            "1.4.0",
            "minor",
            "planned",
            ("2027-01-13", "20:00", "21:00"),
        ),
    );
    let web = fx
        .read("releases/web-2.0.0.md")
        .replace(">=1.2.0", ">=1.4.0");
    fx.write("releases/web-2.0.0.md", &web);
    assert_check_error(
        &fx,
        "trains/launch.yaml",
        &text,
        member_at(&text, "web", "2.0.0"),
        "error[departures.members]: web 2.0.0 depends on billing >=1.4.0 (releases/web-2.0.0.md:12:13), which is not on departure 3 or an earlier one (billing 1.4.0 is on departure 6, 2027-01-12)",
        "put a version of billing matching >=1.4.0 on this departure or an earlier one, or move web 2.0.0 to a later departure",
    );
}

#[test]
fn a_zero_or_negative_cadence_is_an_error() {
    for days in ["0", "-14"] {
        let fx = fixture();
        let text = train("every_days: 14", &format!("every_days: {days}"));
        let what = "zero or negative";
        assert_check_error(
            &fx,
            "trains/launch.yaml",
            &text,
            value_at(&text, "every_days: ", days),
            &format!("error[cadence.every_days]: cadence.every_days is {days}: {what}"),
            "give a whole number of days from 1 to 366, e.g. 14 for a departure every two weeks",
        );
    }
}

#[test]
fn a_departure_in_a_freeze_is_an_error_naming_the_freeze() {
    let fx = fixture();
    // 29 Dec is a cadence date (3 Nov + 8 x 14 days) inside the year-end freeze.
    let text = format!("{TRAIN}  - date: 2026-12-29\n    members: []\n");
    assert_check_error(
        &fx,
        "trains/launch.yaml",
        &text,
        value_at(&text, "- date: ", "2026-12-29"),
        "error[departures.date]: departure 5 (2026-12-29 00:00 – 2027-01-12 00:00) falls in the freeze \"Year-end freeze\" (2026-12-20 00:00 – 2027-01-03 00:00, defined at portal.yaml:16:11)",
        "skip this cadence date: move the departure to a later cadence date after the freeze (or shorten `cadence.window_days`)",
    );
}

#[test]
fn overlapping_departures_are_an_error() {
    let fx = fixture();
    // Windows of 28 days on a 14-day cadence: departure 3 (1 Dec) runs into 17 Nov's.
    let text = train(
        "  start: 2026-11-03\n",
        "  start: 2026-11-03\n  window_days: 28\n",
    )
    .replace(
        "  - date: 2027-01-12\n    members:\n      - system: web\n        version: 2.1.0\n",
        "",
    );
    let text = text.replace(
        "  - date: 2026-12-01\n",
        "  - date: 2026-11-17\n    members: []\n  - date: 2026-12-01\n",
    );
    assert_check_error(
        &fx,
        "trains/launch.yaml",
        &text,
        value_at(&text, "- date: ", "2026-11-17"),
        "error[departures.date]: departure 2 (2026-11-17 00:00 – 2026-12-15 00:00) overlaps departure 1 (2026-11-03 00:00 – 2026-12-01 00:00, line 9)",
        "each cadence date has one departure: merge the two, or shorten `cadence.window_days` to at most `every_days`",
    );
}

#[test]
fn a_departure_off_the_cadence_is_an_error() {
    let fx = fixture();
    let text = train("date: 2026-12-01", "date: 2026-12-02");
    assert_check_error(
        &fx,
        "trains/launch.yaml",
        &text,
        value_at(&text, "- date: ", "2026-12-02"),
        "error[departures.date]: 2026-12-02 is not a departure date of the cadence (every 14 days from 2026-11-03)",
        "use a cadence date, e.g. 2026-12-01 or 2026-12-15",
    );
}

#[test]
fn a_release_on_two_departures_is_an_error() {
    let fx = fixture();
    let text = train(
        "    members:\n      - system: web\n        version: 2.1.0\n",
        "    members:\n      - system: web\n        version: 2.1.0\n      - system: billing\n        version: 1.3.0\n",
    );
    let lines: Vec<&str> = text.lines().collect();
    let last = lines.len(); // the second billing 1.3.0 ends the file
    assert_check_error(
        &fx,
        "trains/launch.yaml",
        &text,
        (last - 1, 17),
        &format!(
            "error[departures.members]: billing 1.3.0 is already a member of departure 3 (line {})",
            member_at(TRAIN, "billing", "1.3.0").0
        ),
        "a release rides one departure: keep it on the departure whose window holds its release window",
    );
}

#[test]
fn a_member_unreleased_after_its_departure_is_a_warning() {
    let fx = fixture();
    let billing = fx
        .read("releases/billing-1.2.0.md")
        .replace("status: released", "status: approved");
    fx.write("releases/billing-1.2.0.md", &billing);
    let dir = fx.dir().display().to_string();
    let result = run(&["check", &dir]);
    assert_eq!(
        result.code,
        Some(0),
        "a warning, not an error:\n{}",
        result.stdout
    );
    let (line, column) = member_at(TRAIN, "billing", "1.2.0");
    let expected = format!(
        "{dir}/trains/launch.yaml:{line}:{column}: warning[departures.members]: billing 1.2.0 is still approved but departure 1 of Launch train ended 2026-11-17 00:00: it missed its departure"
    );
    assert!(
        result.stdout.contains(&expected),
        "{expected:?} not in:\n{}",
        result.stdout
    );
    let strict = run(&["check", &dir, "--deny-warnings"]);
    assert_eq!(strict.code, Some(1));
    // Not complete any more: departure 1 is no system version.
    let out = fx.build_ok();
    assert!(!out.join("system-versions/train-launch-1").exists());
}

#[test]
fn a_demo_outside_its_departure_is_an_error() {
    let fx = fixture();
    let text = train("demo: 2026-12-11 15:00", "demo: 2026-12-15 15:00");
    assert_check_error(
        &fx,
        "trains/launch.yaml",
        &text,
        value_at(&text, "demo: ", "2026-12-15 15:00"),
        "error[departures.demo]: the system demo is outside departure 3's window (2026-12-01 00:00 – 2026-12-15 00:00)",
        "hold the demo while the departure is on: between its date and the end of its window",
    );
}

#[test]
fn a_system_listed_twice_in_a_system_version_is_an_error() {
    let fx = fixture();
    let text = format!("{SYSTEM_VERSION_DEC}  - system: billing\n    version: 1.2.0\n");
    let (first, _) = value_at(&text, "- system: ", "billing");
    let (line, _) = member_at(&text, "billing", "1.2.0");
    assert_check_error(
        &fx,
        "system-versions/2026-12.yaml",
        &text,
        (line, 13),
        &format!("error[versions.system]: billing is listed twice (also at line {first})"),
        "a system version holds one version of each system: keep one",
    );
}

#[test]
fn a_system_version_named_like_a_departure_is_an_error() {
    let fx = fixture();
    let text = SYSTEM_VERSION_NOV.replace("\"2026.11\"", "train-launch-3");
    let (line, _) = value_at(TRAIN, "- date: ", "2026-12-01");
    assert_check_error(
        &fx,
        "system-versions/2026-11.yaml",
        &text,
        value_at(&text, "name: ", "train-launch-3"),
        &format!("error[name]: the system version \"train-launch-3\" has the name of Launch train, departure 3 (trains/launch.yaml:{line}:11), which becomes a system version when its members are released"),
        "rename this system version: names `train-<train>-<number>` belong to departures",
    );
}

#[test]
fn the_same_content_builds_the_same_bytes() {
    let fx = fixture();
    let out = fx.build_ok();
    let read_all = |dir: &Path| -> Vec<(std::path::PathBuf, Vec<u8>)> {
        common::all_files(dir)
            .into_iter()
            .map(|p| {
                (
                    p.strip_prefix(dir).expect("inside").to_path_buf(),
                    fs::read(&p).expect("read"),
                )
            })
            .collect()
    };
    let first = read_all(&out);
    let out = fx.build_ok();
    let second = read_all(&out);
    assert!(first.iter().any(|(p, _)| p.starts_with("trains")));
    assert_eq!(first.len(), second.len());
    for ((path, a), (_, b)) in first.iter().zip(&second) {
        assert!(a == b, "{} differs between two builds", path.display());
    }
}

#[test]
fn a_departure_event_changes_sequence_with_each_commit_of_the_train_file() {
    let fx = fixture();
    let dir = fx.dir();
    git(&dir, &["init", "-q"]);
    git(
        &dir,
        &[
            "add",
            "portal.yaml",
            "contacts.yaml",
            "releases",
            "runbooks",
            "checklists",
            "system-versions",
            "trains",
        ],
    );
    git(&dir, &["commit", "-q", "-m", "content"]);
    fx.write(
        "trains/launch.yaml",
        &TRAIN.replace("demo: 2026-12-11 15:00", "demo: 2026-12-10 15:00"),
    );
    // An hour after the first commit (the helper's 1790000000).
    git_at(
        &dir,
        &["commit", "-q", "-am", "demo a day earlier"],
        "1790003600 +0000",
    );
    let out = fx.build_ok();
    let feed = page(&out, "calendar/train-launch.ics");
    let event = &feed[feed
        .find("UID:train-launch-3-demo@")
        .expect("the demo's event")..];
    // Minutes from 2020-01-01T00:00Z to the train file's last commit.
    assert!(
        event.contains("SEQUENCE:3536113\r\n"),
        "the train file's last commit gives the SEQUENCE:\n{event}"
    );
    assert!(event.contains("DTSTART:20261210T140000Z"), "{event}");
}

#[test]
fn two_train_files_with_the_same_id_are_an_error() {
    let fx = fixture();
    let text = TRAIN.replace("Launch train", "Launch train again");
    assert_check_error(
        &fx,
        "trains/launch.yml",
        &text,
        value_at(&text, "name: ", "Launch train again"),
        "error[name]: the train id \"launch\" is already taken by trains/launch.yaml",
        "rename one of the two files: the file name is the train's id and URL",
    );
}
