//! Unit tests of the feeds: identity, change, status, time zones and the line format.

use std::path::PathBuf;

use chrono::{NaiveDate, NaiveTime, Weekday};

use super::*;
use crate::calendar::testutil::{content, release, utc};
use crate::content::{Schedule, WindowRule};
use crate::diagnostics::SourceRef;

/// The logical lines of a feed (unfolded), checking the physical format on the way.
fn logical_lines(feed: &str) -> Vec<String> {
    assert!(feed.ends_with("\r\n"));
    assert!(
        !feed.replace("\r\n", "").contains(['\r', '\n']),
        "bare CR or LF"
    );
    for physical in feed.split("\r\n") {
        assert!(
            physical.len() <= 75,
            "{} octets: {physical}",
            physical.len()
        );
    }
    feed.replace("\r\n ", "")
        .trim_end()
        .split("\r\n")
        .map(str::to_owned)
        .collect()
}

/// The logical lines of the event with `uid`.
fn event(feed: &str, uid: &str) -> Vec<String> {
    let lines = logical_lines(feed);
    let at = lines
        .iter()
        .position(|l| l == &format!("UID:{uid}"))
        .unwrap_or_else(|| panic!("no event {uid} in\n{feed}"));
    let begin = lines[..at]
        .iter()
        .rposition(|l| l == "BEGIN:VEVENT")
        .unwrap();
    let end = begin
        + lines[begin..]
            .iter()
            .position(|l| l == "END:VEVENT")
            .unwrap();
    lines[begin..=end].to_vec()
}

fn value<'a>(event: &'a [String], name: &str) -> Option<&'a str> {
    event.iter().find_map(|l| {
        let (head, value) = l.split_once(':')?;
        (head == name || head.starts_with(&format!("{name};"))).then_some(value)
    })
}

fn weekly(name: &str, days: Vec<Weekday>, from: Option<NaiveDate>) -> WindowRule {
    WindowRule {
        name: name.into(),
        reason: Some("Customers are most active, so: no releases.".into()),
        schedule: Schedule::Weekly {
            days,
            start: NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
            end: NaiveTime::from_hms_opt(17, 0, 0).unwrap(),
            from,
            until: NaiveDate::from_ymd_opt(2027, 6, 30),
        },
        source: SourceRef::new("portal.yaml", 30, 5),
    }
}

const UID: &str = "release-payments-2.4.0@releases.example.com";

#[test]
fn a_moved_release_keeps_its_uid_and_its_sequence_rises() {
    let mut c = content();
    c.releases = vec![release("payments", "2.4.0", utc(2026, 12, 6, 1, 0), 90)];
    let file = PathBuf::from("releases/payments-2.4.0.md");
    let mut facts = FeedFacts::default();
    facts.files.insert(
        file.clone(),
        Revision {
            changed_at: utc(2026, 11, 20, 14, 0),
        },
    );
    let before = portal_feed(&c, &facts);

    c.releases[0].window.start = utc(2026, 12, 13, 1, 0);
    c.releases[0].window.end = utc(2026, 12, 13, 2, 30);
    facts.insert(file, utc(2026, 12, 1, 9, 30));
    let after = portal_feed(&c, &facts);

    let (old, new) = (event(&before, UID), event(&after, UID));
    // Minutes from 2020-01-01T00:00Z to each commit.
    assert_eq!(value(&old, "SEQUENCE"), Some("3622440"));
    assert_eq!(value(&new, "SEQUENCE"), Some("3638010"));
    assert_eq!(value(&old, "DTSTART"), Some("20261206T010000Z"));
    assert_eq!(value(&new, "DTSTART"), Some("20261213T010000Z"));
    assert_eq!(value(&new, "DTEND"), Some("20261213T023000Z"));
    assert_eq!(value(&new, "DTSTAMP"), Some("20261201T093000Z"));
    assert_eq!(value(&new, "LAST-MODIFIED"), Some("20261201T093000Z"));
}

#[test]
fn sequence_is_minutes_since_2020_within_a_signed_32_bit_integer() {
    assert_eq!(sequence_at(utc(2020, 1, 1, 0, 0)), 0);
    assert_eq!(sequence_at(utc(2020, 1, 1, 0, 1)), 1);
    assert_eq!(
        sequence_at(utc(2020, 1, 1, 0, 1) + chrono::Duration::seconds(59)),
        1
    );
    assert_eq!(sequence_at(utc(2020, 1, 2, 0, 0)), 1440);
    // Before 2020 (an old commit, a clock set wrong) is 0, never negative.
    assert_eq!(sequence_at(utc(2019, 12, 31, 23, 59)), 0);
    assert_eq!(sequence_at(utc(1970, 1, 1, 0, 0)), 0);
    // A committer date far in the future stops at the largest signed 32-bit integer.
    let far = DateTime::from_timestamp(i64::from(i32::MAX) * 120, 0).unwrap();
    assert_eq!(sequence_at(far), i32::MAX as u32);
    let last = DateTime::from_timestamp(1_577_836_800 + i64::from(i32::MAX) * 60, 0).unwrap();
    assert_eq!(sequence_at(last), i32::MAX as u32);
    assert_eq!(
        sequence_at(last - chrono::Duration::minutes(1)),
        i32::MAX as u32 - 1
    );
}

#[test]
fn an_event_takes_the_latest_revision_of_its_file_and_portal_yaml() {
    let mut c = content();
    c.releases = vec![release("payments", "2.4.0", utc(2026, 12, 6, 1, 0), 90)];
    let file = "releases/payments-2.4.0.md";
    let mut facts = FeedFacts::default();
    facts.insert(file, utc(2026, 11, 20, 14, 0));
    facts.insert_author(file, "Ana");
    facts.insert("portal.yaml", utc(2026, 11, 1, 8, 0));
    let e = event(&portal_feed(&c, &facts), UID);
    assert_eq!(value(&e, "DTSTAMP"), Some("20261120T140000Z"));
    assert_eq!(value(&e, "SEQUENCE"), Some("3622440"));

    // portal.yaml changed later (its timezone places times without an offset): it decides.
    facts.insert("portal.yaml", utc(2026, 11, 20, 16, 45));
    let e = event(&portal_feed(&c, &facts), UID);
    assert_eq!(value(&e, "DTSTAMP"), Some("20261120T164500Z"));
    assert_eq!(value(&e, "SEQUENCE"), Some("3622605"));
    // "Last changed … by …" stays the release file's own last change.
    let description = value(&e, "DESCRIPTION").unwrap_or_default();
    assert!(
        description.contains("Last changed 2026-11-20 by Ana"),
        "{description}"
    );
}

#[test]
fn without_git_history_sequence_is_zero_and_dtstamp_is_the_window_start() {
    let mut c = content();
    c.releases = vec![release("payments", "2.4.0", utc(2026, 12, 6, 1, 0), 90)];
    let feed = portal_feed(&c, &FeedFacts::default());
    let e = event(&feed, UID);
    assert_eq!(value(&e, "SEQUENCE"), Some("0"));
    assert_eq!(value(&e, "DTSTAMP"), Some("20261206T010000Z"));
    assert_eq!(value(&e, "LAST-MODIFIED"), None);
    assert_eq!(
        feed,
        portal_feed(&c, &FeedFacts::default()),
        "not deterministic"
    );
}

#[test]
fn status_mapping_and_cancelled_releases() {
    let mut c = content();
    let mut planned = release("payments", "2.4.0", utc(2026, 12, 6, 1, 0), 60);
    planned.status = ReleaseStatus::Planned;
    let mut cancelled = release("ledger", "3.1.0", utc(2026, 12, 7, 1, 0), 60);
    cancelled.status = ReleaseStatus::Cancelled;
    let released = {
        let mut r = release("search", "1.9.0", utc(2026, 12, 8, 1, 0), 60);
        r.status = ReleaseStatus::Released;
        r
    };
    c.releases = vec![planned, cancelled, released];
    let feed = portal_feed(&c, &FeedFacts::default());
    assert_eq!(value(&event(&feed, UID), "STATUS"), Some("TENTATIVE"));
    let gone = event(&feed, "release-ledger-3.1.0@releases.example.com");
    assert_eq!(value(&gone, "STATUS"), Some("CANCELLED"));
    assert_eq!(value(&gone, "SUMMARY"), Some("Cancelled: Ledger 3.1.0"));
    let done = event(&feed, "release-search-1.9.0@releases.example.com");
    assert_eq!(value(&done, "STATUS"), Some("CONFIRMED"));
}

#[test]
fn calendar_header_and_release_details() {
    let mut c = content();
    let mut r = release("payments", "2.4.0", utc(2026, 12, 6, 1, 0), 90);
    r.title = Some("Wallet top-ups, refunds; and more".into());
    c.releases = vec![r];
    let feed = portal_feed(&c, &FeedFacts::default());
    let lines = logical_lines(&feed);
    for expected in [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Shipboard//Shipboard release portal//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:Northwind Release Portal",
        "X-WR-TIMEZONE:Europe/Berlin",
    ] {
        assert!(lines.iter().any(|l| l == expected), "missing {expected}");
    }
    assert_eq!(lines.last().map(String::as_str), Some("END:VCALENDAR"));
    let e = event(&feed, UID);
    assert_eq!(
        value(&e, "SUMMARY"),
        Some("Payments API 2.4.0 – Wallet top-ups\\, refunds\\; and more")
    );
    let description = value(&e, "DESCRIPTION").unwrap();
    assert!(description.starts_with("Type: minor\\nStatus: Approved\\nOwner: Priya Raman\\n"));
    assert!(description.contains("Window: 2026-12-06 02:00 – 03:30"));
    assert_eq!(
        value(&e, "URL"),
        Some("https://releases.example.com/releases/payments/2.4.0/")
    );
    // No TZID anywhere: releases are UTC, so no VTIMEZONE is needed.
    assert!(!feed.contains("TZID"));
    assert!(!feed.contains("BEGIN:VTIMEZONE"));
}

#[test]
fn long_non_ascii_summaries_fold_at_75_octets() {
    let mut c = content();
    let mut r = release("payments", "2.4.0", utc(2026, 12, 6, 1, 0), 90);
    let title = "Überweisungen für Geschäftskunden – 決済の改善 – Größere Änderungen 🚀🚀";
    r.title = Some(title.into());
    c.releases = vec![r];
    let feed = portal_feed(&c, &FeedFacts::default());
    let summary = value(&event(&feed, UID), "SUMMARY").unwrap().to_owned();
    assert_eq!(summary, format!("Payments API 2.4.0 – {title}"));
    assert!(feed
        .lines()
        .any(|l| l.starts_with("SUMMARY:") && l.len() >= 74));
}

#[test]
fn weekly_freezes_use_tzid_rrule_and_a_vtimezone() {
    let mut c = content();
    c.releases = vec![release("payments", "2.4.0", utc(2026, 12, 6, 1, 0), 90)];
    c.portal.freezes = vec![weekly(
        "Peak trading hours",
        vec![Weekday::Fri, Weekday::Mon, Weekday::Tue],
        None,
    )];
    let feed = portal_feed(&c, &FeedFacts::default());
    let e = event(&feed, "freeze-peak-trading-hours@releases.example.com");
    // Anchored in the first week of 2026, the earliest year of the content.
    assert!(e.contains(&"DTSTART;TZID=Europe/Berlin:20260102T090000".to_owned()));
    assert!(e.contains(&"DTEND;TZID=Europe/Berlin:20260102T170000".to_owned()));
    assert_eq!(
        value(&e, "RRULE"),
        Some("FREQ=WEEKLY;WKST=MO;BYDAY=MO,TU,FR;UNTIL=20270630T215959Z")
    );
    assert_eq!(value(&e, "TRANSP"), Some("TRANSPARENT"));
    assert_eq!(value(&e, "DTSTAMP"), Some("20260102T080000Z"));
    let description = value(&e, "DESCRIPTION").unwrap();
    assert!(
        description.contains("No release may run in this window") && !description.contains(".yaml"),
        "stakeholders see what the freeze means, not where it is defined: {description}"
    );
    let lines = logical_lines(&feed);
    let tz = lines.iter().position(|l| l == "BEGIN:VTIMEZONE").unwrap();
    let first_event = lines.iter().position(|l| l == "BEGIN:VEVENT").unwrap();
    assert!(tz < first_event);
    assert_eq!(lines[tz + 1], "TZID:Europe/Berlin");
    assert!(lines.contains(&"DTSTART:20250330T020000".to_owned()));
}

#[test]
fn whole_day_windows_are_all_day_events_and_others_are_utc() {
    let mut c = content();
    c.portal.freezes = vec![
        WindowRule {
            name: "Year-end freeze".into(),
            reason: None,
            schedule: Schedule::Once {
                start: utc(2026, 12, 17, 23, 0),
                end: utc(2027, 1, 3, 23, 0),
            },
            source: SourceRef::new("portal.yaml", 12, 5),
        },
        WindowRule {
            name: "Year-end freeze".into(),
            reason: None,
            schedule: Schedule::Once {
                start: utc(2027, 12, 17, 12, 0),
                end: utc(2027, 12, 18, 12, 0),
            },
            source: SourceRef::new("portal.yaml", 16, 5),
        },
    ];
    c.portal.maintenance_windows = vec![weekly("Sunday maintenance", vec![Weekday::Sun], None)];
    let feed = portal_feed(&c, &FeedFacts::default());
    let host = "@releases.example.com";
    let all_day = event(&feed, &format!("freeze-year-end-freeze{host}"));
    assert!(all_day.contains(&"DTSTART;VALUE=DATE:20261218".to_owned()));
    // DTEND is exclusive: the day after the last frozen day.
    assert!(all_day.contains(&"DTEND;VALUE=DATE:20270104".to_owned()));
    let timed = event(&feed, &format!("freeze-year-end-freeze-2{host}"));
    assert_eq!(value(&timed, "DTSTART"), Some("20271217T120000Z"));
    let sunday = event(&feed, &format!("maintenance-sunday-maintenance{host}"));
    assert_eq!(
        value(&sunday, "SUMMARY"),
        Some("Maintenance window: Sunday maintenance")
    );
    assert!(value(&sunday, "RRULE").unwrap().contains("BYDAY=SU"));
}

#[test]
fn system_feeds_hold_only_their_releases() {
    let mut c = content();
    c.releases = vec![
        release("payments", "2.4.0", utc(2026, 12, 6, 1, 0), 90),
        release("ledger", "3.1.0", utc(2026, 12, 5, 1, 0), 90),
    ];
    c.portal.freezes = vec![weekly("Peak", vec![Weekday::Mon], None)];
    let feed = system_feed(&c, &FeedFacts::default(), "payments").unwrap();
    assert_eq!(feed.matches("BEGIN:VEVENT").count(), 1);
    assert!(feed.contains(&format!("UID:{UID}")));
    assert!(feed.contains("X-WR-CALNAME:Northwind Release Portal: Payments API"));
    assert!(!feed.contains("VTIMEZONE"));
    assert!(system_feed(&c, &FeedFacts::default(), "nope").is_none());
    // A feed without events still holds one component (RFC 5545): the VTIMEZONE.
    let empty = system_feed(&c, &FeedFacts::default(), "search").unwrap();
    assert!(!empty.contains("BEGIN:VEVENT"));
    assert!(empty.contains("BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\n"));
    assert!(empty.ends_with("END:VTIMEZONE\r\nEND:VCALENDAR\r\n"));
}

#[test]
fn oncall_feeds_list_shifts_with_stable_uids() {
    let c = content();
    let feed = oncall_feed(
        &c,
        &FeedFacts::default(),
        "platform-sre",
        utc(2026, 11, 10, 0, 0),
        2,
    )
    .unwrap();
    let e = event(&feed, "oncall-platform-sre-1@releases.example.com");
    assert_eq!(
        value(&e, "SUMMARY"),
        Some("On call: Priya Raman (Platform SRE on-call)")
    );
    assert_eq!(value(&e, "DTSTART"), Some("20261109T090000Z"));
    assert!(value(&e, "DESCRIPTION")
        .unwrap()
        .contains("Hand over to Li Wei."));
    assert_eq!(feed.matches("BEGIN:VEVENT").count(), 3);
    assert!(oncall_feed(
        &c,
        &FeedFacts::default(),
        "nope",
        utc(2026, 11, 10, 0, 0),
        2
    )
    .is_none());
    // Without git: SEQUENCE 0, stamped with the rotation's start, no LAST-MODIFIED.
    assert_eq!(value(&e, "SEQUENCE"), Some("0"));
    assert_eq!(value(&e, "LAST-MODIFIED"), None);
}

#[test]
fn oncall_shifts_take_their_revision_from_contacts_yaml() {
    let c = content();
    let mut facts = FeedFacts::default();
    facts.insert("contacts.yaml", utc(2026, 11, 20, 16, 45));
    let feed = oncall_feed(&c, &facts, "platform-sre", utc(2026, 11, 10, 0, 0), 2).unwrap();
    let e = event(&feed, "oncall-platform-sre-1@releases.example.com");
    assert_eq!(value(&e, "SEQUENCE"), Some("3622605"));
    assert_eq!(value(&e, "DTSTAMP"), Some("20261120T164500Z"));
    assert_eq!(value(&e, "LAST-MODIFIED"), Some("20261120T164500Z"));
}

#[test]
fn an_override_is_its_own_event_and_names_whom_it_covers() {
    let mut c = content();
    // li's turn from Mon 2026-11-02 10:00 Berlin; priya covers Wed 10:00 to Thu 10:00.
    c.rotations[0].overrides = vec![crate::content::RotationOverride {
        person: "priya".into(),
        start: utc(2026, 11, 4, 9, 0),
        end: utc(2026, 11, 5, 9, 0),
        source: SourceRef::file("contacts.yaml"),
    }];
    let feed = oncall_feed(
        &c,
        &FeedFacts::default(),
        "platform-sre",
        utc(2026, 11, 2, 9, 0),
        1,
    )
    .unwrap();
    let host = "releases.example.com";
    let before = event(&feed, &format!("oncall-platform-sre-0@{host}"));
    assert_eq!(value(&before, "DTEND"), Some("20261104T090000Z"));
    assert!(value(&before, "DESCRIPTION")
        .unwrap()
        .contains("Hand over to Priya Raman."));
    let cover = event(
        &feed,
        &format!("oncall-platform-sre-0-20261104T090000Z@{host}"),
    );
    assert_eq!(
        value(&cover, "SUMMARY"),
        Some("On call: Priya Raman\\, covering for Li Wei (Platform SRE on-call)")
    );
    assert!(value(&cover, "DESCRIPTION")
        .unwrap()
        .contains("Hand over to Li Wei."));
    let after = event(
        &feed,
        &format!("oncall-platform-sre-0-20261105T090000Z@{host}"),
    );
    assert_eq!(value(&after, "DTEND"), Some("20261109T090000Z"));
    assert_eq!(feed.matches("BEGIN:VEVENT").count(), 3);
}

#[test]
fn hosts_and_slugs() {
    assert_eq!(
        host("https://releases.example.com/"),
        "releases.example.com"
    );
    assert_eq!(host("http://user@Example.com:8080/portal/"), "example.com");
    assert_eq!(host("/portal/"), "shipboard.invalid");
    assert_eq!(slug("Year-end freeze"), "year-end-freeze");
    let umlaut = slug("  Öffnungszeiten / Peak!  ");
    assert!(
        umlaut.starts_with("ffnungszeiten-peak-") && umlaut.len() == 27,
        "{umlaut}"
    );
    assert_ne!(slug("Größe"), slug("Grüße"));
    assert_eq!(slug("???"), "window");
}

#[test]
fn release_events_remind_before_the_window_unless_cancelled_or_turned_off() {
    let mut c = content();
    let mut cancelled = release("ledger", "3.1.0", utc(2026, 12, 7, 1, 0), 60);
    cancelled.status = ReleaseStatus::Cancelled;
    c.releases = vec![
        release("payments", "2.4.0", utc(2026, 12, 6, 1, 0), 90),
        cancelled,
    ];
    let feed = portal_feed(&c, &FeedFacts::default());
    let e = event(&feed, UID);
    let alarm: Vec<&str> = e
        .iter()
        .skip_while(|l| *l != "BEGIN:VALARM")
        .take_while(|l| *l != "END:VEVENT")
        .map(String::as_str)
        .collect();
    assert_eq!(
        alarm,
        [
            "BEGIN:VALARM",
            "ACTION:DISPLAY",
            "DESCRIPTION:Payments API 2.4.0 starts in 24 h",
            "TRIGGER:-PT24H",
            "END:VALARM"
        ]
    );
    let gone = event(&feed, "release-ledger-3.1.0@releases.example.com");
    assert!(!gone.iter().any(|l| l == "BEGIN:VALARM"));
    c.portal.reminder_hours = 2;
    let e = event(&portal_feed(&c, &FeedFacts::default()), UID);
    assert!(e.iter().any(|l| l == "TRIGGER:-PT2H"));
    c.portal.reminder_hours = 0;
    let e = event(&portal_feed(&c, &FeedFacts::default()), UID);
    assert!(!e.iter().any(|l| l == "BEGIN:VALARM"));
}

/// The build moment of the bound tests: 2026-11-25 12:00 UTC (the integration tests' too).
fn facts_at_build() -> FeedFacts {
    FeedFacts {
        now: Some(utc(2026, 11, 25, 12, 0)),
        ..FeedFacts::default()
    }
}

fn uids(feed: &str) -> Vec<String> {
    logical_lines(feed)
        .into_iter()
        .filter_map(|l| l.strip_prefix("UID:").map(str::to_owned))
        .collect()
}

#[test]
fn feeds_leave_out_events_that_ended_more_than_the_history_bound_before_the_build() {
    let mut c = content();
    // Ends exactly 90 days before the build: kept; a minute earlier: left out.
    let bound = utc(2026, 11, 25, 12, 0) - chrono::Duration::days(90);
    c.releases = vec![
        release("payments", "1.0.0", utc(2025, 3, 1, 1, 0), 60),
        release(
            "payments",
            "2.0.0",
            bound - chrono::Duration::minutes(61),
            60,
        ),
        release(
            "payments",
            "2.1.0",
            bound - chrono::Duration::minutes(60),
            60,
        ),
        release("payments", "2.4.0", utc(2026, 12, 6, 1, 0), 90),
        release("ledger", "3.0.0", utc(2030, 12, 6, 1, 0), 90),
    ];
    let mut old_weekly = weekly(
        "Old peak",
        vec![Weekday::Mon],
        NaiveDate::from_ymd_opt(2024, 1, 1),
    );
    if let Schedule::Weekly { until, .. } = &mut old_weekly.schedule {
        *until = NaiveDate::from_ymd_opt(2025, 6, 30);
    }
    let once = |name: &str, start, end| WindowRule {
        name: name.into(),
        reason: None,
        schedule: Schedule::Once { start, end },
        source: SourceRef::new("portal.yaml", 40, 5),
    };
    c.portal.freezes = vec![
        once(
            "Old freeze",
            utc(2025, 12, 18, 23, 0),
            utc(2026, 1, 3, 23, 0),
        ),
        once("Year-end", utc(2026, 12, 17, 23, 0), utc(2027, 1, 3, 23, 0)),
        old_weekly,
    ];
    c.portal.maintenance_windows = vec![WindowRule {
        schedule: Schedule::Weekly {
            days: vec![Weekday::Sun],
            start: NaiveTime::from_hms_opt(2, 0, 0).unwrap(),
            end: NaiveTime::from_hms_opt(4, 0, 0).unwrap(),
            from: None,
            until: None,
        },
        ..weekly("Sunday night", vec![Weekday::Sun], None)
    }];
    let d = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap();
    let mut x = crate::calendar::testutil::train(&[
        (d(12, 1), &[("payments", "2.4.0")]),
        (d(12, 15), &[("ledger", "3.0.0")]),
    ]);
    // Departure 1 moved back to January 2025, long over by the build.
    let first = &mut x.departures[0];
    first.date = NaiveDate::from_ymd_opt(2025, 1, 7).unwrap();
    (first.start, first.end) = (utc(2025, 1, 6, 23, 0), utc(2025, 1, 20, 23, 0));
    c.plan.trains = vec![x];

    let feed = portal_feed(&c, &facts_at_build());
    let host = "@releases.example.com";
    let want: Vec<String> = [
        "release-payments-2.1.0",
        "release-payments-2.4.0",
        "release-ledger-3.0.0",
        "freeze-year-end",
        "maintenance-sunday-night",
        "train-x-2",
    ]
    .iter()
    .map(|u| format!("{u}{host}"))
    .collect();
    assert_eq!(uids(&feed), want, "{feed}");

    let payments = system_feed(&c, &facts_at_build(), "payments").unwrap();
    assert_eq!(uids(&payments), want[..2], "the portal's payments events");
    let train = train_feed(&c, &facts_at_build(), "x").unwrap();
    assert_eq!(uids(&train), ["train-x-2@releases.example.com"]);

    // Without a build moment (content alone) every event stays.
    assert_eq!(uids(&portal_feed(&c, &FeedFacts::default())).len(), 11);
    // 0 days: only what has not ended.
    c.portal.feed_history_days = 0;
    let feed = portal_feed(&c, &facts_at_build());
    assert!(!feed.contains("release-payments-2.1.0"), "{feed}");
    assert!(feed.contains("release-payments-2.4.0"), "{feed}");
}

#[test]
fn only_releases_still_to_run_and_still_ahead_carry_a_reminder() {
    let mut c = content();
    let with_status = |version: &str, start, status| {
        let mut r = release("payments", version, start, 60);
        r.status = status;
        r
    };
    let future = utc(2026, 12, 6, 1, 0);
    let past = utc(2026, 11, 20, 1, 0);
    c.releases = vec![
        with_status("1.0.0", past, ReleaseStatus::Released),
        with_status("1.0.1", past, ReleaseStatus::RolledBack),
        with_status("1.0.2", past, ReleaseStatus::Approved),
        with_status(
            "1.0.3",
            utc(2026, 11, 25, 11, 30),
            ReleaseStatus::InProgress,
        ),
        with_status("1.0.4", utc(2026, 11, 25, 11, 30), ReleaseStatus::Approved),
        with_status("2.0.0", future, ReleaseStatus::Planned),
        with_status("2.0.1", future, ReleaseStatus::Approved),
        with_status("2.0.2", future, ReleaseStatus::Cancelled),
        with_status("2.0.3", future, ReleaseStatus::RolledBack),
        with_status("2.0.4", future, ReleaseStatus::Released),
        with_status("2.0.5", future, ReleaseStatus::InProgress),
    ];
    let feed = portal_feed(&c, &facts_at_build());
    let reminded: Vec<String> = c
        .releases
        .iter()
        .map(|r| r.version.to_string())
        .filter(|v| {
            let uid = format!("release-payments-{v}@releases.example.com");
            event(&feed, &uid).iter().any(|l| l == "BEGIN:VALARM")
        })
        .collect();
    assert_eq!(reminded, ["2.0.0", "2.0.1"], "{feed}");
    // The system's feed says the same.
    let system = system_feed(&c, &facts_at_build(), "payments").unwrap();
    assert_eq!(system.matches("BEGIN:VALARM").count(), 2, "{system}");
}
