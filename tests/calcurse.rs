//! The iCal feeds in a real calendar client: `calcurse -i` imports the `minimal` fixture's
//! feeds (built by the real binary) into a data folder in a temp dir, and the test reads back
//! calcurse's own appointment file: every release is there at its window in UTC, with the
//! reminder (VALARM, calcurse's `!` notify flag) unless it is cancelled or `reminder_hours:
//! 0` turns reminders off; a release train's feed has its departures as all-day events over
//! their days and its system demos (a reminder only for what is still ahead of the build).
//! Nothing is skipped by the import.
//!
//! Needs `calcurse` (Debian `calcurse`); a missing calcurse fails the test unless
//! `SHIPBOARD_SKIP_CALCURSE=1` says to skip it.

mod common;

use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use common::Fixture;

const SKIP_VARIABLE: &str = "SHIPBOARD_SKIP_CALCURSE";

/// `true` when calcurse is there; `false` to skip (only when opted out); panics otherwise.
fn calcurse_present() -> bool {
    let found = Command::new("calcurse")
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .is_ok_and(|o| o.status.success());
    if found {
        return true;
    }
    if std::env::var(SKIP_VARIABLE).is_ok_and(|v| v == "1") {
        let _ = writeln!(
            std::io::stderr(),
            "## SKIPPED calcurse: calcurse is missing and {SKIP_VARIABLE}=1 (apt-get install -y calcurse)"
        );
        return false;
    }
    panic!("calcurse is missing: apt-get install -y calcurse (or set {SKIP_VARIABLE}=1 to skip this test)");
}

/// Imports `feed` into a fresh calcurse data folder under `scratch`; returns the import
/// report and the appointments file.
fn import(feed: &Path, scratch: &Path) -> (String, String) {
    let data = scratch.join(feed.file_name().expect("a file").to_string_lossy().as_ref());
    fs::create_dir_all(&data).expect("mkdir");
    let output = Command::new("calcurse")
        .arg("-D")
        .arg(&data)
        .arg("-i")
        .arg(feed)
        .env("TZ", "UTC")
        .env("HOME", scratch)
        .stdin(Stdio::null())
        .output()
        .expect("calcurse runs");
    let report = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "calcurse -i {}: {report}{}",
        feed.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    let apts = fs::read_to_string(data.join("apts")).unwrap_or_default();
    (report, apts)
}

/// The appointment line whose text ends with `summary`.
fn line<'a>(apts: &'a str, summary: &str) -> &'a str {
    apts.lines()
        .find(|l| l.ends_with(summary))
        .unwrap_or_else(|| panic!("no appointment {summary} in\n{apts}"))
}

#[test]
fn calcurse_imports_every_feed_with_its_reminders() {
    if !calcurse_present() {
        return;
    }
    let fixture = Fixture::new("minimal");
    let cancelled = "---\nsystem: web\nversion: 1.9.0\ntype: minor\nstatus: cancelled\n\
                     window:\n  start: 2026-12-02 10:00\n  end: 2026-12-02 11:00\nowner: ben\n---\nx\n";
    fixture.write("releases/web-1.9.0.md", cancelled);
    let site = fixture.build_ok();
    let scratch = tempfile::tempdir().expect("temp dir");
    let (report, apts) = import(&site.join("calendar.ics"), scratch.path());
    assert!(report.contains(" 0 skipped"), "{report}");
    // 6 Dec 02:00-04:00 Berlin is 01:00-03:00 UTC; `!` is calcurse's reminder flag.
    let web = line(&apts, "Web shop 2.0.0 – New checkout");
    assert!(
        web.starts_with("12/06/2026 @ 01:00 -> 12/06/2026 @ 03:00>"),
        "{web}"
    );
    assert!(
        web.contains(" !Web shop"),
        "the VALARM became a reminder: {web}"
    );
    let billing = line(&apts, "Billing 1.2.0");
    assert!(
        billing.starts_with("11/10/2026 @ 19:00 -> 11/10/2026 @ 20:00>"),
        "{billing}"
    );
    let gone = line(&apts, "Cancelled: Web shop 1.9.0");
    assert!(
        !gone.contains(" !"),
        "no reminder for a cancelled release: {gone}"
    );
    assert!(
        apts.contains("Year-end freeze"),
        "the freeze is there too:\n{apts}"
    );
    for system in ["billing", "web"] {
        let (report, apts) = import(&site.join(format!("calendar/{system}.ics")), scratch.path());
        assert!(report.contains(" 0 skipped"), "{system}: {report}");
        assert!(!apts.is_empty(), "{system}: no appointments");
    }

    // reminder_hours: 0 turns the reminders off.
    let portal = fixture.read("portal.yaml");
    fixture.write("portal.yaml", &format!("{portal}reminder_hours: 0\n"));
    let site = fixture.build_ok();
    let quiet = scratch.path().join("quiet");
    let (_, apts) = import(&site.join("calendar.ics"), &quiet);
    let web = line(&apts, "Web shop 2.0.0 – New checkout");
    assert!(!web.contains(" !"), "{web}");
}

#[test]
fn calcurse_imports_a_release_train_feed() {
    if !calcurse_present() {
        return;
    }
    let fixture = Fixture::new("minimal");
    fixture.write(
        "trains/launch.yaml",
        "name: Launch train\ndelivery_manager: cy\ncadence:\n  every_days: 14\n  start: 2026-11-03\n\
         departures:\n  - date: 2026-11-03\n    demo: 2026-11-13 15:00\n    members:\n      \
         - system: billing\n        version: 1.2.0\n",
    );
    let site = fixture.build_ok();
    let scratch = tempfile::tempdir().expect("temp dir");
    let (report, apts) = import(&site.join("calendar/train-launch.ics"), scratch.path());
    assert!(report.contains(" 0 skipped"), "{report}");
    // The demo: 13 Nov 15:00-16:00 Berlin is 14:00-15:00 UTC; it was over by the build
    // (25 Nov), so it has no reminder (the release test above sees one become `!`).
    let demo = line(&apts, "Launch train: system demo of departure 1");
    assert!(
        demo.starts_with("11/13/2026 @ 14:00 -> 11/13/2026 @ 15:00>") && !demo.contains(" !"),
        "{demo}"
    );
    // The departure: all day from 3 Nov to 16 Nov (DTEND 17 Nov, exclusive), which calcurse
    // keeps as a day event repeated daily until the last day.
    let departure = line(&apts, "Launch train: departure 1");
    assert!(
        departure.starts_with("11/03/2026 [1] {1D -> 11/16/2026}"),
        "{departure}"
    );
}
