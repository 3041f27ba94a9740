//! Unit tests of the calendar views: which months exist, the grid, days, upcoming, feeds.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc, Weekday};

use super::*;
use crate::calendar::testutil::{content, release, utc};
use crate::content::{ReleaseStatus, Schedule, WindowRule};
use crate::diagnostics::SourceRef;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// The views as built at noon (in the portal's zone) on `day`, fresh for ten days.
fn views_on(c: &Content, day: NaiveDate) -> CalendarViews {
    let now = time::start_of_day(day, c.portal.timezone) + chrono::Duration::hours(12);
    build(c, now, now + chrono::Duration::days(10))
}

fn fixture() -> Content {
    let mut c = content();
    let mut cancelled = release("search", "1.9.0", utc(2027, 2, 10, 18, 0), 60);
    cancelled.status = ReleaseStatus::Cancelled;
    c.releases = vec![
        release("payments", "2.3.0", utc(2026, 10, 20, 18, 0), 60),
        // 23:00–01:00 local: spans two days.
        release("ledger", "3.1.0", utc(2026, 12, 5, 22, 0), 120),
        release("payments", "2.4.0", utc(2026, 12, 6, 1, 0), 90),
        cancelled,
    ];
    c.portal.freezes = vec![
        WindowRule {
            name: "Year-end freeze".into(),
            reason: Some("Peak trading.".into()),
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
                days: vec![
                    Weekday::Mon,
                    Weekday::Tue,
                    Weekday::Wed,
                    Weekday::Thu,
                    Weekday::Fri,
                ],
                start: NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
                end: NaiveTime::from_hms_opt(17, 0, 0).unwrap(),
                from: None,
                until: None,
            },
            source: SourceRef::new("portal.yaml", 20, 5),
        },
    ];
    c
}

fn day<'a>(views: &'a CalendarViews, iso: &str) -> &'a DayView {
    views
        .months
        .iter()
        .flat_map(|m| &m.weeks)
        .flat_map(|w| &w.days)
        .find(|d| d.date == iso && d.in_month)
        .unwrap_or_else(|| panic!("no day {iso}"))
}

#[test]
fn months_with_events_plus_the_current_one_linked_in_order() {
    let views = views_on(&fixture(), date(2026, 11, 15));
    let keys: Vec<&str> = views.months.iter().map(|m| m.key.as_str()).collect();
    // November has no event but is the current month; January only has the freeze.
    assert_eq!(
        keys,
        vec!["2026-10", "2026-11", "2026-12", "2027-01", "2027-02"]
    );
    assert_eq!(views.current.key, "2026-11");
    assert!(views.current.is_current);
    let december = &views.months[2];
    assert_eq!(december.title, "December 2026");
    assert_eq!(december.path, "calendar/2026-12/");
    assert_eq!(
        december.prev.as_ref().map(|l| l.path.as_str()),
        Some("calendar/2026-11/")
    );
    assert_eq!(
        december.next.as_ref().map(|l| l.title.as_str()),
        Some("January 2027")
    );
    assert!(views.months[0].prev.is_none());
    assert!(views.months[4].next.is_none());
    assert_eq!(december.release_count, 2);
}

#[test]
fn the_grid_is_monday_first_weeks_covering_the_month() {
    let views = views_on(&fixture(), date(2026, 11, 15));
    let december = &views.months[2];
    // 1 December 2026 is a Tuesday: the grid runs from Mon 30 Nov to Sun 3 Jan.
    assert_eq!(december.weeks.len(), 5);
    assert!(december.weeks.iter().all(|w| w.days.len() == 7));
    assert_eq!(december.weeks[0].days[0].date, "2026-11-30");
    assert!(!december.weeks[0].days[0].in_month);
    assert!(december.weeks[0].days[0].releases.is_empty());
    assert_eq!(december.weeks[4].days[6].date, "2027-01-03");
    assert_eq!(december.weeks[0].number, 49);
    // November's grid runs into December: those days list their releases, not an empty cell.
    let november = &views.months[1];
    let overflow = november
        .weeks
        .iter()
        .flat_map(|w| &w.days)
        .find(|d| d.date == "2026-12-06")
        .expect("the grid shows 6 December");
    assert!(!overflow.in_month);
    // ledger 3.1.0 runs past midnight into the 6th; payments 2.4.0 starts that night.
    assert_eq!(overflow.releases.len(), 2);
    assert!(
        overflow.windows.is_empty(),
        "windows stay on their own month"
    );
    // February 2027 starts on a Monday and has exactly four weeks.
    assert_eq!(views.months[4].weeks.len(), 4);
}

#[test]
fn days_show_local_times_windows_and_freeze_overlaps() {
    let views = views_on(&fixture(), date(2026, 11, 15));
    let saturday = day(&views, "2026-12-05");
    assert_eq!(saturday.releases[0].time, "from 23:00");
    assert_eq!(saturday.label, "Saturday 5 December 2026");
    let sunday = day(&views, "2026-12-06");
    let times: Vec<&str> = sunday.releases.iter().map(|r| r.time.as_str()).collect();
    assert_eq!(times, vec!["until 01:00", "02:00–03:30"]);
    assert_eq!(sunday.releases[1].path, "releases/payments/2.4.0/");
    assert_eq!(sunday.releases[1].status_label, "Approved");
    assert!(sunday.windows.is_empty() && !sunday.frozen);
    // Weekly freeze on weekdays, same local time on both sides of the DST change.
    for iso in ["2026-10-23", "2026-10-26"] {
        let d = day(&views, iso);
        assert_eq!(d.windows.len(), 1);
        assert!(d.windows[0].recurring && d.frozen);
        assert_eq!(d.windows[0].time, "09:00–17:00");
    }
    // The one-off freeze: whole days.
    let christmas = day(&views, "2026-12-25");
    let year_end = christmas.windows.iter().find(|w| !w.recurring).unwrap();
    assert_eq!(year_end.time, "all day");
    assert_eq!(year_end.kind_label, "Freeze");
    // A release at 20:00 on a Tuesday is outside the weekday freeze.
    assert_eq!(day(&views, "2026-10-20").releases[0].freeze, None);
}

#[test]
fn agenda_lists_days_with_releases_or_one_off_windows() {
    let views = views_on(&fixture(), date(2026, 11, 15));
    let december = &views.months[2];
    let dates: Vec<&str> = december.agenda.iter().map(|d| d.date.as_str()).collect();
    assert_eq!(&dates[..2], &["2026-12-05", "2026-12-06"]);
    assert_eq!(dates.len(), 2 + 14); // plus 18–31 December, frozen
    assert!(views.months[1].agenda.is_empty());
}

#[test]
fn upcoming_lists_from_today_and_freezes_not_yet_over() {
    let views = views_on(&fixture(), date(2026, 12, 6));
    let keys: Vec<&str> = views
        .upcoming
        .iter()
        .map(|u| u.release.key.as_str())
        .collect();
    // The ledger release ended at 01:00 today: still listed (today's list starts at midnight).
    assert_eq!(keys, vec!["ledger@3.1.0", "payments@2.4.0", "search@1.9.0"]);
    assert_eq!(views.upcoming[1].when, "Sun 6 Dec 2026, 02:00–03:30");
    assert_eq!(views.upcoming[1].when_machine, "2026-12-06T02:00:00+01:00");
    assert_eq!(views.upcoming[2].release.status, "cancelled");
    assert!(views.upcoming.iter().all(|u| u.shown));
    assert!(views.upcoming_lines.more.is_none() && views.upcoming_lines.later.is_none());
    assert!(!views.upcoming_lines.none.shown);
    assert_eq!(views.upcoming_windows.len(), 1);
    assert!(!views.upcoming_windows[0].in_force);
    assert_eq!(views.recurring[0].when, "Mon–Fri 09:00–17:00");
    assert_eq!(views.today_label, "Sunday 6 December 2026");
}

#[test]
fn feed_links_and_serialization() {
    let views = views_on(&fixture(), date(2026, 12, 6));
    let paths: Vec<&str> = views.feeds.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        vec![
            "calendar.ics",
            "calendar/payments.ics",
            "calendar/ledger.ics",
            "calendar/search.ics",
            "calendar/oncall-platform-sre.ics"
        ]
    );
    assert_eq!(
        views.feeds[0].webcal.as_deref(),
        Some("webcal://releases.example.com/calendar.ics")
    );
    let json = serde_json::to_string(&views).unwrap();
    assert!(json.contains("\"status_label\":\"Approved\""));
    assert_eq!(
        json,
        serde_json::to_string(&views_on(&fixture(), date(2026, 12, 6))).unwrap()
    );
}

#[test]
fn a_release_inside_a_freeze_says_whether_its_exception_is_approved() {
    let mut c = fixture();
    let mut emergency = release("ledger", "3.1.1", utc(2026, 12, 22, 19, 0), 60);
    emergency.kind = crate::content::ReleaseType::Emergency;
    let plain = release("search", "1.9.1", utc(2026, 12, 23, 19, 0), 60);
    c.releases.extend([emergency.clone(), plain]);
    let views = views_on(&c, date(2026, 11, 15));
    let freeze = |iso: &str| day(&views, iso).releases[0].freeze.clone();
    assert_eq!(freeze("2026-12-22").as_deref(), Some("Year-end freeze"));
    assert_eq!(freeze("2026-12-23").as_deref(), Some("Year-end freeze"));
    // The same emergency with an approval on record.
    emergency.approvals = vec![crate::content::Approval {
        role: "cto".into(),
        by: "dana".into(),
        at: utc(2026, 12, 21, 9, 0),
        ticket: None,
    }];
    c.releases.retain(|r| r.key() != emergency.key());
    c.releases.push(emergency);
    let views = views_on(&c, date(2026, 11, 15));
    assert_eq!(
        day(&views, "2026-12-22").releases[0].freeze.as_deref(),
        Some("Year-end freeze (approved emergency)")
    );
}

#[test]
fn the_list_view_states_each_weekly_window_once_with_its_days() {
    let views = views_on(&fixture(), date(2026, 11, 15));
    let december = &views.months[2];
    assert_eq!(december.key, "2026-12");
    let weekly: Vec<(&str, &str, &str, &str)> = december
        .recurring
        .iter()
        .map(|w| (w.kind, w.name.as_str(), w.time.as_str(), w.days.as_str()))
        .collect();
    // 1 December 2026 is a Tuesday: every weekday, none of them in the agenda's days.
    assert_eq!(
        weekly,
        [(
            "freeze",
            "Peak trading hours",
            "09:00–17:00",
            "1–4, 7–11, 14–18, 21–25 and 28–31 December"
        )]
    );
    assert!(!december.agenda.iter().any(|d| d.date == "2026-12-04"));
}

#[test]
fn day_runs_name_runs_of_days_as_ranges() {
    assert_eq!(month::day_runs(&[4, 11, 18, 25]), "4, 11, 18 and 25");
    assert_eq!(month::day_runs(&[1, 2]), "1 and 2");
    assert_eq!(month::day_runs(&[1, 2, 3, 5, 6, 9]), "1–3, 5, 6 and 9");
    assert_eq!(month::day_runs(&[7]), "7");
    assert_eq!(month::day_runs(&[]), "");
}

/// Whether `on` (`data-live-on`: "start end start end ...", Unix millis) holds `at`.
fn holds(on: &str, at: DateTime<Utc>) -> bool {
    let ms: Vec<i64> = on.split(' ').filter_map(|n| n.parse().ok()).collect();
    let at = at.timestamp_millis();
    ms.chunks(2).any(|pair| pair[0] <= at && at < pair[1])
}

/// The releases of "Upcoming releases" the live layer shows at `at`.
fn upcoming_at(views: &CalendarViews, at: DateTime<Utc>) -> Vec<String> {
    views
        .upcoming
        .iter()
        .filter(|u| holds(&u.on, at))
        .map(|u| u.release.key.clone())
        .collect()
}

/// A busy portal: three releases a day (09:00, 13:00 and 17:00 UTC, an hour each) for 20
/// days from 1 Dec 2026, `payments@1.<n>.0` in order.
fn busy() -> (Content, Vec<DateTime<Utc>>) {
    let mut c = content();
    let starts: Vec<DateTime<Utc>> = (0..60)
        .map(|n| utc(2026, 12, 1 + n / 3, [9, 13, 17][n as usize % 3], 0))
        .collect();
    c.releases = starts
        .iter()
        .enumerate()
        .map(|(n, start)| release("payments", &format!("1.{n}.0"), *start, 60))
        .collect();
    (c, starts)
}

fn keys(range: std::ops::Range<usize>) -> Vec<String> {
    range.map(|n| format!("payments@1.{n}.0")).collect()
}

#[test]
fn upcoming_releases_roll_on_as_the_page_is_read_later() {
    let (c, starts) = busy();
    // Built Tue 1 Dec 12:00 UTC, after the day's first release; fresh for a week.
    let now = utc(2026, 12, 1, 12, 0);
    let views = build(&c, now, now + chrono::Duration::days(7));
    let as_built: Vec<String> = views
        .upcoming
        .iter()
        .filter(|u| u.shown)
        .map(|u| u.release.key.clone())
        .collect();
    // Without JavaScript: the day's release that has run, then the next 20.
    assert_eq!(as_built, keys(0..21));
    assert_eq!(upcoming_at(&views, now), as_built, "the live layer agrees");
    // Three days on (Fri 4 Dec, 12:00 UTC): earlier days' releases are gone, today's first
    // has run (struck through), and the next 20 follow it: not a list of ended releases.
    let later = utc(2026, 12, 4, 12, 0);
    assert_eq!(upcoming_at(&views, later), keys(9..30));
    let ended: Vec<&UpcomingRelease> = views
        .upcoming
        .iter()
        .filter(|u| holds(&u.on, later) && !holds(&u.listed_ms, later))
        .collect();
    assert_eq!(ended.len(), 1, "only 1.9.0 has ended");
    // Each release joins when the one 20 places ahead of it starts.
    let joins = utc(2026, 12, 2, 9, 0);
    assert_eq!(starts[3], joins);
    let at = |t: DateTime<Utc>| upcoming_at(&views, t);
    assert!(!at(joins - chrono::Duration::minutes(1)).contains(&keys(23..24)[0]));
    assert!(at(joins).contains(&keys(23..24)[0]));
    // Ended releases stay (struck through) until midnight in the portal's zone (Berlin).
    assert!(at(utc(2026, 12, 2, 22, 59)).contains(&keys(3..4)[0]));
    assert!(!at(utc(2026, 12, 2, 23, 0)).contains(&keys(3..4)[0]));
}

#[test]
fn upcoming_releases_embed_a_bounded_number_and_say_when_later_ones_are_missing() {
    let (c, starts) = busy();
    let now = utc(2026, 12, 1, 12, 0);
    let views = build(&c, now, now + chrono::Duration::days(30));
    // The started one and RELEASES_EMBEDDED upcoming: 1.1.0 to 1.40.0.
    assert_eq!(views.upcoming.len(), 1 + RELEASES_EMBEDDED);
    let lines = &views.upcoming_lines;
    let (more, later) = (
        lines.more.as_ref().expect("more releases than listed"),
        lines.later.as_ref().expect("releases left out"),
    );
    assert!(more.shown && !later.shown && !lines.none.shown);
    // 1.41.0 would have joined when 1.21.0 started: from then the page says it lacks
    // releases, and never that nothing is planned.
    let gap = starts[21];
    for (at, says_more, says_later) in [
        (gap - chrono::Duration::minutes(1), true, false),
        (gap, false, true),
        (utc(2027, 3, 1, 0, 0), false, true),
    ] {
        assert_eq!(holds(&more.on, at), says_more, "{at}");
        assert_eq!(holds(&later.on, at), says_later, "{at}");
        assert!(!holds(&lines.none.on, at), "{at}");
    }
    // A page fresh for a day embeds fewer: those joining before it turns old.
    let views = build(&c, now, now + chrono::Duration::days(1));
    assert_eq!(views.upcoming.len(), 1 + 20 + 3);
}

#[test]
fn a_short_list_says_nothing_is_planned_once_its_releases_are_over() {
    let c = fixture();
    let views = views_on(&c, date(2026, 12, 6));
    let lines = &views.upcoming_lines;
    assert!(lines.more.is_none() && lines.later.is_none());
    // The last one (cancelled) is on 10 Feb 2027: listed until that day ends.
    assert!(!holds(&lines.none.on, utc(2027, 2, 10, 22, 59)));
    assert!(holds(&lines.none.on, utc(2027, 2, 10, 23, 0)));
}

#[test]
fn one_off_windows_roll_like_releases() {
    let mut c = content();
    c.portal.freezes = (0..15)
        .map(|n| WindowRule {
            name: format!("Freeze {n}"),
            reason: None,
            schedule: Schedule::Once {
                start: utc(2026, 12, 1 + n, 9, 0),
                end: utc(2026, 12, 1 + n, 10, 0),
            },
            source: SourceRef::new("portal.yaml", 10 + n, 5),
        })
        .collect();
    let now = utc(2026, 12, 1, 8, 0);
    let views = build(&c, now, now + chrono::Duration::days(10));
    let shown = |at: DateTime<Utc>| -> Vec<String> {
        views
            .upcoming_windows
            .iter()
            .filter(|w| holds(&w.on, at))
            .map(|w| w.name.clone())
            .collect()
    };
    let names =
        |r: std::ops::Range<u32>| -> Vec<String> { r.map(|n| format!("Freeze {n}")).collect() };
    assert_eq!(shown(now), names(0..UPCOMING_WINDOWS as u32));
    assert!(views.upcoming_windows.iter().take(10).all(|w| w.shown));
    // Four days on, after that day's freeze: it (ended today) and the next ten.
    assert_eq!(shown(utc(2026, 12, 5, 12, 0)), names(4..15));
    assert!(views.window_lines.later.is_none(), "all 15 are embedded");
}
