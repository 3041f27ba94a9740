//! Unit tests of the calendar import: all-day, timed, recurring and broken files.

use std::path::Path;

use chrono::{NaiveDate, NaiveTime, Weekday};

use super::*;
use crate::calendar::ics::{portal_feed, FeedFacts};
use crate::calendar::testutil::{content, utc};

const FILE: &str = "calendars/holidays.ics";

fn import(body: &str) -> Result<Vec<WindowRule>, Diagnostic> {
    let text =
        format!("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//EN\r\n{body}END:VCALENDAR\r\n");
    freezes_from_ics(&text, Path::new(FILE), chrono_tz::Europe::Berlin)
}

fn event(lines: &str) -> String {
    format!("BEGIN:VEVENT\r\nUID:x@test\r\nDTSTAMP:20260101T000000Z\r\n{lines}END:VEVENT\r\n")
}

fn once(rule: &WindowRule) -> (String, String) {
    match &rule.schedule {
        Schedule::Once { start, end } => (start.to_rfc3339(), end.to_rfc3339()),
        other => panic!("not once: {other:?}"),
    }
}

#[test]
fn all_day_events_cover_whole_days_in_the_portal_zone() {
    let rules = import(&event(
        "SUMMARY:Christmas\\, Boxing Day\r\nDESCRIPTION:Office closed.\\nSecond line\r\n\
         DTSTART;VALUE=DATE:20261224\r\nDTEND;VALUE=DATE:20261227\r\n",
    ))
    .unwrap();
    assert_eq!(rules.len(), 1);
    assert_eq!(rules[0].name, "Christmas, Boxing Day");
    assert_eq!(rules[0].reason.as_deref(), Some("Office closed."));
    assert_eq!(
        once(&rules[0]),
        (
            "2026-12-23T23:00:00+00:00".into(),
            "2026-12-26T23:00:00+00:00".into()
        )
    );
    // The event's BEGIN:VEVENT is line 4.
    assert_eq!(rules[0].source, SourceRef::new(FILE, 4, 1));
    let single = import(&event("SUMMARY:Holiday\r\nDTSTART;VALUE=DATE:20260501\r\n")).unwrap();
    assert_eq!(
        once(&single[0]),
        (
            "2026-04-30T22:00:00+00:00".into(),
            "2026-05-01T22:00:00+00:00".into()
        )
    );
}

#[test]
fn timed_events_in_utc_other_zones_and_windows_names() {
    let body = [
        event("SUMMARY:Z\r\nDTSTART:20261206T010000Z\r\nDURATION:PT2H\r\n"),
        event("SUMMARY:NY\r\nDTSTART;TZID=America/New_York:20261206T090000\r\nDTEND;TZID=America/New_York:20261206T100000\r\n"),
        event("SUMMARY:Outlook\r\nDTSTART;TZID=W. Europe Standard Time:20260706T090000\r\nDTEND;TZID=W. Europe Standard Time:20260706T100000\r\n"),
        event("SUMMARY:Floating\r\nDTSTART:20260706T090000\r\nDTEND:20260706T100000\r\nSTATUS:CONFIRMED\r\n"),
        event("SUMMARY:Gone\r\nDTSTART:20260706T090000\r\nDTEND:20260706T100000\r\nSTATUS:CANCELLED\r\n"),
    ]
    .concat();
    let rules = import(&body).unwrap();
    let spans: Vec<_> = rules.iter().map(once).collect();
    assert_eq!(rules.len(), 4);
    assert_eq!(spans[0].1, "2026-12-06T03:00:00+00:00");
    assert_eq!(spans[1].0, "2026-12-06T14:00:00+00:00");
    assert_eq!(spans[2].0, "2026-07-06T07:00:00+00:00");
    assert_eq!(spans[3].0, "2026-07-06T07:00:00+00:00");
}

#[test]
fn weekly_rules_in_the_portal_zone_stay_weekly() {
    let rules = import(&event(
        "SUMMARY:Change board\r\nDTSTART;TZID=Europe/Berlin:20260105T140000\r\n\
         DTEND;TZID=Europe/Berlin:20260105T160000\r\nRRULE:FREQ=WEEKLY;BYDAY=MO,TH;UNTIL=20260630T215959Z\r\n",
    ))
    .unwrap();
    assert_eq!(
        rules[0].schedule,
        Schedule::Weekly {
            days: vec![Weekday::Mon, Weekday::Thu],
            start: NaiveTime::from_hms_opt(14, 0, 0).unwrap(),
            end: NaiveTime::from_hms_opt(16, 0, 0).unwrap(),
            from: NaiveDate::from_ymd_opt(2026, 1, 5),
            until: NaiveDate::from_ymd_opt(2026, 6, 30),
        }
    );
}

#[test]
fn bounded_recurrences_expand_minus_exdates() {
    let rules = import(&event(
        "SUMMARY:Inventory day\r\nDTSTART;VALUE=DATE:20261231\r\nDTEND;VALUE=DATE:20270101\r\n\
         RRULE:FREQ=YEARLY;COUNT=3\r\nEXDATE;VALUE=DATE:20271231\r\n",
    ))
    .unwrap();
    let starts: Vec<String> = rules.iter().map(|r| once(r).0).collect();
    assert_eq!(
        starts,
        vec!["2026-12-30T23:00:00+00:00", "2028-12-30T23:00:00+00:00"]
    );
    // A weekly rule in another zone cannot stay weekly: it is expanded.
    let ny = import(&event(
        "SUMMARY:NY standup\r\nDTSTART;TZID=America/New_York:20260302T090000\r\n\
         DTEND;TZID=America/New_York:20260302T093000\r\nRRULE:FREQ=WEEKLY;COUNT=3\r\n",
    ))
    .unwrap();
    let ny: Vec<String> = ny.iter().map(|r| once(r).0).collect();
    // US clocks change on 8 March: 14:00 UTC before, 13:00 UTC after.
    assert_eq!(
        ny,
        vec![
            "2026-03-02T14:00:00+00:00",
            "2026-03-09T13:00:00+00:00",
            "2026-03-16T13:00:00+00:00"
        ]
    );
}

#[test]
fn broken_files_give_one_precise_error() {
    let not_ics = freezes_from_ics("title: x\n", Path::new(FILE), chrono_tz::UTC).unwrap_err();
    assert!(not_ics.message.contains("not an iCalendar file"));
    assert_eq!(not_ics.at.file, Path::new(FILE));

    let unfinished = freezes_from_ics(
        "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:x\r\n",
        Path::new(FILE),
        chrono_tz::UTC,
    )
    .unwrap_err();
    assert!(
        unfinished.message.contains("BEGIN without its END"),
        "{unfinished}"
    );

    let no_colon = import(&event("SUMMARY x\r\n")).unwrap_err();
    assert!(
        no_colon.to_string().contains("cannot be read"),
        "{no_colon}"
    );
    assert!(no_colon.help.is_some());

    let bad_start = import(&event("SUMMARY:x\r\nDTSTART:2026-12-06\r\n")).unwrap_err();
    assert_eq!(bad_start.at, SourceRef::new(FILE, 4, 0));
    assert_eq!(bad_start.field.as_deref(), Some("DTSTART"));

    let zone = import(&event(
        "SUMMARY:x\r\nDTSTART;TZID=Custom:20261206T010000\r\n",
    ))
    .unwrap_err();
    assert!(zone.message.contains("TZID \"Custom\""));

    let endless = import(&event(
        "SUMMARY:New Year\r\nDTSTART;VALUE=DATE:20270101\r\nRRULE:FREQ=YEARLY\r\n",
    ))
    .unwrap_err();
    assert_eq!(endless.field.as_deref(), Some("RRULE"));
    assert!(endless.message.contains("\"New Year\" repeats without end"));

    let backwards = import(&event(
        "SUMMARY:x\r\nDTSTART:20261206T010000Z\r\nDTEND:20261206T000000Z\r\n",
    ))
    .unwrap_err();
    assert!(backwards.message.contains("ends before it starts"));
    let no_start = import(&event("SUMMARY:x\r\n")).unwrap_err();
    assert_eq!(no_start.field.as_deref(), Some("DTSTART"));
}

#[test]
fn the_portal_feed_imports_back_to_the_same_freezes() {
    let mut c = content();
    c.portal.freezes = vec![
        WindowRule {
            name: "Year-end freeze; really".into(),
            reason: Some("Peak trading, reduced staff".into()),
            schedule: Schedule::Once {
                start: utc(2026, 12, 17, 23, 0),
                end: utc(2027, 1, 3, 23, 0),
            },
            source: SourceRef::new("portal.yaml", 12, 5),
        },
        WindowRule {
            name: "Peak trading hours".into(),
            reason: None,
            schedule: Schedule::Weekly {
                days: vec![Weekday::Mon, Weekday::Fri],
                start: NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
                end: NaiveTime::from_hms_opt(17, 0, 0).unwrap(),
                from: NaiveDate::from_ymd_opt(2026, 3, 2),
                until: NaiveDate::from_ymd_opt(2027, 3, 26),
            },
            source: SourceRef::new("portal.yaml", 20, 5),
        },
    ];
    let feed = portal_feed(&c, &FeedFacts::default());
    let back =
        freezes_from_ics(&feed, Path::new("calendar.ics"), chrono_tz::Europe::Berlin).unwrap();
    assert_eq!(back.len(), 2);
    assert_eq!(back[0].name, "Release freeze: Year-end freeze; really");
    assert_eq!(back[0].schedule, c.portal.freezes[0].schedule);
    assert_eq!(back[1].schedule, c.portal.freezes[1].schedule);
}
