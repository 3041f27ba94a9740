//! Calendar integration tests: every generated feed is read back by the `ical` crate's parser
//! and each event checked (UID, times in UTC, status, sequence); the example portal's feeds,
//! views and calendar pages are built end to end; and `tests/ical_check.py` (Python's
//! `icalendar`) judges the feeds independently.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::BufReader;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use ical::parser::ical::component::{IcalCalendar, IcalEvent};
use semver::Version;

use shipboard::calendar::ics::{self, FeedFacts};
use shipboard::calendar::{self, oncall, views};
use shipboard::content::{
    Content, Person, Portal, Release, ReleaseStatus, ReleaseType, ReleaseWindow, Rotation,
    Schedule, System, WindowRule,
};
use shipboard::diagnostics::{Diagnostics, SourceRef};

fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
}

/// A portal with every kind of event: statuses, a non-ASCII title, one-off, all-day and
/// weekly windows, a rotation.
fn fixture() -> Content {
    let system = |id: &str, name: &str| {
        System::new(
            id,
            name,
            "priya",
            &format!("{id}-rollback"),
            SourceRef::new("portal.yaml", 8, 7),
        )
    };
    let release = |system: &str, version: &str, status, start: DateTime<Utc>, minutes| {
        let file = format!("releases/{system}-{version}.md");
        let window = ReleaseWindow {
            start,
            end: start + Duration::minutes(minutes),
            timezone: chrono_tz::Europe::Berlin,
            source: SourceRef::new(&file, 6, 10),
        };
        Release::new(
            system,
            Version::parse(version).unwrap(),
            ReleaseType::Minor,
            status,
            window,
            "priya",
            &file,
        )
    };
    let mut releases = vec![
        release(
            "payments",
            "2.3.0",
            ReleaseStatus::Released,
            utc(2026, 10, 24, 22, 0),
            90,
        ),
        release(
            "payments",
            "2.4.0",
            ReleaseStatus::Approved,
            utc(2026, 12, 6, 1, 0),
            90,
        ),
        release(
            "ledger",
            "3.1.0",
            ReleaseStatus::Planned,
            utc(2026, 12, 5, 22, 0),
            120,
        ),
        release(
            "ledger",
            "3.2.0",
            ReleaseStatus::Cancelled,
            utc(2027, 2, 7, 1, 0),
            60,
        ),
        release(
            "payments",
            "2.5.0",
            ReleaseStatus::InProgress,
            utc(2027, 3, 28, 0, 30),
            120,
        ),
        release(
            "ledger",
            "3.1.1",
            ReleaseStatus::RolledBack,
            utc(2026, 11, 1, 1, 0),
            60,
        ),
    ];
    releases[1].title =
        Some("Überweisungen, Wallets; und Rückerstattungen für Geschäftskunden – 決済".into());
    releases.sort_by_key(|r| (r.window.start, r.system.clone()));
    Content {
        portal: Portal {
            title: "Nordwind Release-Portal".into(),
            base_url: "https://releases.example.com/".into(),
            timezone: chrono_tz::Europe::Berlin,
            description: None,
            theme: None,
            runbook_review_days: 180,
            stale_after_hours: 36,
            reminder_hours: 24,
            feed_history_days: 90,
            freezes: vec![
                WindowRule {
                    name: "Year-end freeze".into(),
                    reason: Some("Peak trading, reduced staff.".into()),
                    schedule: Schedule::Once {
                        start: utc(2026, 12, 17, 23, 0),
                        end: utc(2027, 1, 3, 23, 0),
                    },
                    source: SourceRef::new("portal.yaml", 30, 5),
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
                    source: SourceRef::new("portal.yaml", 35, 5),
                },
                WindowRule {
                    name: "Datacenter move".into(),
                    reason: None,
                    schedule: Schedule::Once {
                        start: utc(2027, 2, 13, 20, 0),
                        end: utc(2027, 2, 14, 6, 0),
                    },
                    source: SourceRef::new("calendars/platform.ics", 12, 1),
                },
            ],
            maintenance_windows: vec![WindowRule {
                name: "Sunday maintenance".into(),
                reason: None,
                schedule: Schedule::Weekly {
                    days: vec![Weekday::Sun],
                    start: NaiveTime::from_hms_opt(2, 0, 0).unwrap(),
                    end: NaiveTime::from_hms_opt(4, 0, 0).unwrap(),
                    from: NaiveDate::from_ymd_opt(2026, 9, 6),
                    until: NaiveDate::from_ymd_opt(2027, 12, 26),
                },
                source: SourceRef::new("portal.yaml", 40, 5),
            }],
            approval_policy: BTreeMap::new(),
            checklists_by_type: BTreeMap::new(),
            import_freezes: Vec::new(),
            edit_url: None,
            required_phases: Default::default(),
            source: SourceRef::file("portal.yaml"),
        },
        // Search has no release: its feed is empty but must still be valid.
        systems: vec![
            system("payments", "Payments API"),
            system("ledger", "Ledger"),
            system("search", "Product Search"),
        ],
        releases,
        runbooks: Vec::new(),
        people: ["priya", "li", "sam"]
            .iter()
            .map(|id| Person {
                id: (*id).into(),
                name: format!("{id} name"),
                title: None,
                email: None,
                phone: None,
                chat: None,
            })
            .collect(),
        roles: Vec::new(),
        ladders: Vec::new(),
        rotations: vec![Rotation {
            id: "platform-sre".into(),
            name: "Platform SRE on-call".into(),
            members: vec!["li".into(), "sam".into(), "priya".into()],
            length_days: 7,
            start: utc(2026, 11, 2, 9, 0),
            overrides: Vec::new(),
        }],
        checklists: Vec::new(),
        plan: Default::default(),
    }
}

/// Checks the physical format, parses the feed with the `ical` crate, and checks what every
/// event and the calendar need. Returns the calendar.
fn parse_feed(feed: &str) -> IcalCalendar {
    assert!(feed.ends_with("\r\n"), "the feed does not end with CRLF");
    for (n, line) in feed.split("\r\n").enumerate() {
        assert!(
            line.len() <= 75,
            "line {} has {} octets: {line}",
            n + 1,
            line.len()
        );
        assert!(
            !line.contains(['\r', '\n']),
            "bare CR or LF on line {}",
            n + 1
        );
    }
    let mut calendars = ical::IcalParser::new(BufReader::new(feed.as_bytes()));
    let calendar = calendars
        .next()
        .expect("no calendar")
        .unwrap_or_else(|err| panic!("the ical crate cannot parse the feed: {err}\n{feed}"));
    assert!(calendars.next().is_none(), "more than one VCALENDAR");
    for (name, value) in [
        ("VERSION", "2.0"),
        ("CALSCALE", "GREGORIAN"),
        ("METHOD", "PUBLISH"),
    ] {
        assert_eq!(prop(&calendar.properties, name), Some(value), "{name}");
    }
    for name in ["PRODID", "X-WR-CALNAME", "X-WR-TIMEZONE"] {
        assert!(prop(&calendar.properties, name).is_some(), "no {name}");
    }
    let zones: BTreeSet<&str> = calendar
        .timezones
        .iter()
        .filter_map(|tz| prop(&tz.properties, "TZID"))
        .collect();
    let mut uids = BTreeSet::new();
    for event in &calendar.events {
        let uid = prop(&event.properties, "UID").expect("event without UID");
        assert!(uids.insert(uid.to_owned()), "duplicate UID {uid}");
        assert!(
            utc_value(event, "DTSTAMP").is_some(),
            "{uid}: DTSTAMP not in UTC"
        );
        let sequence = prop(&event.properties, "SEQUENCE").expect("no SEQUENCE");
        assert!(
            sequence.parse::<u32>().is_ok(),
            "{uid}: SEQUENCE {sequence}"
        );
        let status = prop(&event.properties, "STATUS").expect("no STATUS");
        assert!(["TENTATIVE", "CONFIRMED", "CANCELLED"].contains(&status));
        assert!(prop(&event.properties, "SUMMARY").is_some());
        assert!(prop(&event.properties, "DTEND").is_some());
        for p in &event.properties {
            if let Some(tzid) = param(p, "TZID") {
                assert!(zones.contains(tzid), "{uid}: TZID {tzid} has no VTIMEZONE");
            }
        }
    }
    calendar
}

fn prop<'a>(properties: &'a [ical::property::Property], name: &str) -> Option<&'a str> {
    properties
        .iter()
        .find(|p| p.name == name)
        .and_then(|p| p.value.as_deref())
}

fn param<'a>(p: &'a ical::property::Property, name: &str) -> Option<&'a str> {
    p.params
        .as_ref()?
        .iter()
        .find(|(k, _)| k == name)
        .and_then(|(_, v)| v.first())
        .map(String::as_str)
}

fn utc_value(event: &IcalEvent, name: &str) -> Option<DateTime<Utc>> {
    let value = prop(&event.properties, name)?.strip_suffix('Z')?;
    let naive = chrono::NaiveDateTime::parse_from_str(value, "%Y%m%dT%H%M%S").ok()?;
    Some(Utc.from_utc_datetime(&naive))
}

fn unescape(text: &str) -> String {
    ics::writer::unescape_text(text)
}

fn event_by_uid<'a>(calendar: &'a IcalCalendar, uid: &str) -> &'a IcalEvent {
    calendar
        .events
        .iter()
        .find(|e| prop(&e.properties, "UID") == Some(uid))
        .unwrap_or_else(|| panic!("no event {uid}"))
}

/// Every release of `releases` has its event in `calendar`, with the right UID, UTC times,
/// status, sequence and summary.
fn check_releases(
    content: &Content,
    facts: &FeedFacts,
    calendar: &IcalCalendar,
    releases: &[&Release],
) {
    for release in releases {
        let uid = ics::release_uid(content, release);
        let event = event_by_uid(calendar, &uid);
        assert_eq!(
            utc_value(event, "DTSTART"),
            Some(release.window.start),
            "{uid}"
        );
        assert_eq!(utc_value(event, "DTEND"), Some(release.window.end), "{uid}");
        assert_eq!(
            prop(&event.properties, "STATUS"),
            Some(ics::status(release))
        );
        let sequence = facts
            .revision(&release.source.file)
            .map_or(0, |r| r.sequence());
        assert_eq!(
            prop(&event.properties, "SEQUENCE"),
            Some(sequence.to_string().as_str())
        );
        let summary = unescape(prop(&event.properties, "SUMMARY").unwrap());
        let name = content
            .system(&release.system)
            .map_or(release.system.as_str(), |s| s.name.as_str());
        assert!(
            summary.contains(&format!("{name} {}", release.version)),
            "{summary}"
        );
        if let Some(title) = &release.title {
            assert!(summary.contains(title.as_str()), "title lost: {summary}");
        }
        let url = prop(&event.properties, "URL").unwrap_or_default();
        assert!(url.ends_with(&format!("releases/{}/{}/", release.system, release.version)));
    }
    assert_eq!(
        calendar
            .events
            .iter()
            .filter(|e| prop(&e.properties, "UID").is_some_and(|u| u.starts_with("release-")))
            .count(),
        releases.len()
    );
}

/// Every release file last committed `day` days after 2026-09-01 12:00 UTC.
fn facts_for(content: &Content, day: i64) -> FeedFacts {
    let mut facts = FeedFacts::default();
    for release in &content.releases {
        let at = utc(2026, 9, 1, 12, 0) + Duration::days(day);
        facts.insert(release.source.file.clone(), at);
    }
    facts
}

#[test]
fn every_feed_round_trips_through_the_ical_parser() {
    let content = fixture();
    let facts = facts_for(&content, 4);
    let portal = ics::portal_feed(&content, &facts);
    let calendar = parse_feed(&portal);
    let all: Vec<&Release> = content.releases.iter().collect();
    check_releases(&content, &facts, &calendar, &all);
    // 6 releases + 3 freezes + 1 maintenance window, and one VTIMEZONE for the weekly rules.
    assert_eq!(calendar.events.len(), 10);
    assert_eq!(calendar.timezones.len(), 1);
    let weekly = event_by_uid(&calendar, "freeze-peak-trading-hours@releases.example.com");
    let dtstart = weekly
        .properties
        .iter()
        .find(|p| p.name == "DTSTART")
        .unwrap();
    assert_eq!(param(dtstart, "TZID"), Some("Europe/Berlin"));
    assert!(prop(&weekly.properties, "RRULE")
        .unwrap()
        .starts_with("FREQ=WEEKLY"));
    let all_day = event_by_uid(&calendar, "freeze-year-end-freeze@releases.example.com");
    assert_eq!(prop(&all_day.properties, "DTEND"), Some("20270104"));

    for system in &content.systems {
        let feed = ics::system_feed(&content, &facts, &system.id).unwrap();
        let calendar = parse_feed(&feed);
        let own: Vec<&Release> = content
            .releases
            .iter()
            .filter(|r| r.system == system.id)
            .collect();
        check_releases(&content, &facts, &calendar, &own);
        assert_eq!(calendar.events.len(), own.len());
    }

    let from = utc(2026, 12, 3, 0, 0);
    let feed = ics::oncall_feed(
        &content,
        &ics::FeedFacts::default(),
        "platform-sre",
        from,
        12,
    )
    .unwrap();
    let calendar = parse_feed(&feed);
    let shifts = oncall::schedule(&content.rotations[0], content.portal.timezone, from, 12);
    assert_eq!(calendar.events.len(), shifts.len());
    for (event, shift) in calendar.events.iter().zip(&shifts) {
        assert_eq!(utc_value(event, "DTSTART"), Some(shift.start));
        assert_eq!(utc_value(event, "DTEND"), Some(shift.end));
        let summary = unescape(prop(&event.properties, "SUMMARY").unwrap());
        assert!(summary.contains(&format!("{} name", shift.person)));
    }
}

#[test]
fn a_moved_release_updates_in_place() {
    let mut content = fixture();
    let before = parse_feed(&ics::portal_feed(&content, &facts_for(&content, 1)));
    let index = content
        .releases
        .iter()
        .position(|r| r.key() == "payments@2.4.0")
        .unwrap();
    content.releases[index].window.start += Duration::days(7);
    content.releases[index].window.end += Duration::days(7);
    let after = parse_feed(&ics::portal_feed(&content, &facts_for(&content, 2)));
    let uid = ics::release_uid(&content, &content.releases[index]);
    let (old, new) = (event_by_uid(&before, &uid), event_by_uid(&after, &uid));
    let sequence = |e: &IcalEvent| prop(&e.properties, "SEQUENCE").map(str::parse::<u32>);
    let (Some(Ok(old_sequence)), Some(Ok(new_sequence))) = (sequence(old), sequence(new)) else {
        panic!("SEQUENCE missing or not a number");
    };
    // A day later in minutes.
    assert_eq!(new_sequence - old_sequence, 24 * 60);
    assert_eq!(
        utc_value(new, "DTSTART").unwrap() - utc_value(old, "DTSTART").unwrap(),
        Duration::days(7)
    );
    let uids = |c: &IcalCalendar| -> BTreeSet<String> {
        c.events
            .iter()
            .filter_map(|e| prop(&e.properties, "UID").map(str::to_owned))
            .collect()
    };
    assert_eq!(
        uids(&before),
        uids(&after),
        "a move must not change any UID"
    );
}

#[test]
fn conflicts_views_and_feeds_are_deterministic() {
    let content = fixture();
    let facts = facts_for(&content, 3);
    let today = NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
    assert_eq!(
        ics::portal_feed(&content, &facts),
        ics::portal_feed(&content, &facts)
    );
    let a = serde_json::to_string(&views_on(&content, today)).unwrap();
    let b = serde_json::to_string(&views_on(&content, today)).unwrap();
    assert_eq!(a, b);
    // payments 2.5.0 (Sun 2027-03-28, 01:30–03:30 local, across the spring gap) meets the
    // Sunday maintenance window, which is not a freeze; ledger 3.2.0 is cancelled.
    let found = calendar::conflicts(&content);
    assert!(found.is_empty(), "{found:#?}");
}

fn example_content() -> Option<Content> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("content");
    if !dir.join("portal.yaml").exists() {
        return None;
    }
    let mut diagnostics = Diagnostics::default();
    let raw = shipboard::content::load::load(&dir, &mut diagnostics);
    shipboard::validate::validate(&raw, &mut diagnostics)
}

fn example_feeds(content: &Content) -> Vec<(String, String)> {
    let facts = FeedFacts::default();
    let mut feeds = vec![("calendar.ics".to_owned(), ics::portal_feed(content, &facts))];
    for system in &content.systems {
        let feed = ics::system_feed(content, &facts, &system.id).unwrap();
        feeds.push((format!("calendar/{}.ics", system.id), feed));
    }
    for train in &content.plan.trains {
        let feed = ics::train_feed(content, &facts, &train.id).unwrap();
        feeds.push((format!("calendar/train-{}.ics", train.id), feed));
    }
    let from = content
        .releases
        .first()
        .map_or(utc(2026, 12, 1, 0, 0), |r| r.window.start);
    for rotation in &content.rotations {
        let feed =
            ics::oncall_feed(content, &ics::FeedFacts::default(), &rotation.id, from, 12).unwrap();
        feeds.push((format!("calendar/oncall-{}.ics", rotation.id), feed));
    }
    feeds
}

#[test]
fn the_example_portal_feeds_round_trip() {
    let Some(content) = example_content() else {
        eprintln!("no example content: skipped");
        return;
    };
    let facts = FeedFacts::default();
    for (name, feed) in example_feeds(&content) {
        let calendar = parse_feed(&feed);
        let releases: Vec<&Release> = if name == "calendar.ics" {
            content.releases.iter().collect()
        } else if let Some(system) = name
            .strip_prefix("calendar/")
            .and_then(|n| n.strip_suffix(".ics"))
        {
            content
                .releases
                .iter()
                .filter(|r| r.system == system)
                .collect()
        } else {
            continue;
        };
        if !name.contains("oncall-") && !name.contains("train-") {
            check_releases(&content, &facts, &calendar, &releases);
        }
    }
}

/// The calendar views as built at noon (UTC) on `today`, fresh for ten days.
fn views_on(content: &Content, today: NaiveDate) -> views::CalendarViews {
    let now = Utc.from_utc_datetime(&today.and_time(NaiveTime::from_hms_opt(12, 0, 0).unwrap()));
    views::build(content, now, now + Duration::days(10))
}

fn render_calendar_pages(content: &Content, today: NaiveDate) -> Vec<(String, String)> {
    let templates = Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/default/templates");
    let read = |name: &str| std::fs::read_to_string(templates.join(name)).unwrap();
    let names = [
        "base.html",
        "calendar.html",
        "partials/calendar-month.html",
        "partials/calendar-day.html",
        "partials/calendar-upcoming.html",
        "partials/calendar-subscribe.html",
        "partials/live-status.html",
        "partials/asof.html",
        "partials/search.html",
    ];
    let mut tera = tera::Tera::new();
    tera.autoescape_on(vec![".html"]);
    let sources: Vec<(&str, String)> = names.iter().map(|n| (*n, read(n))).collect();
    tera.add_raw_templates(sources.iter().map(|(n, s)| (*n, s.as_str())))
        .unwrap_or_else(|err| panic!("templates do not compile: {err:?}"));
    let site = serde_json::json!({
        "title": content.portal.title, "description": "d", "base_url": content.portal.base_url,
        "root": "/", "portal_key": "p", "timezone": content.portal.timezone.name(),
        "built_on": "3 Dec 2026", "generator_version": "0", "css_version": "1",
        "built_at": "Thu 3 Dec 2026, 12:00 CET",
        "live": {"built": 1, "stale": 2, "until": 3, "offsets": "0 60"},
        "nav": [{"label": "Calendar", "path": "calendar/", "section": "calendar"}],
    });
    let views = views_on(content, today);
    let mut pages = Vec::new();
    let mut render = |path: String, month: Option<&views::MonthView>| {
        let mut context = tera::Context::new();
        context.insert("site", &site);
        context.insert("section", "calendar");
        context.insert("calendar", &views);
        context.insert("month", &month);
        context.insert("page_live", &true);
        let html = tera
            .render("calendar.html", &context)
            .unwrap_or_else(|err| panic!("{path}: {err:?}"));
        pages.push((path, html));
    };
    render("calendar/".into(), None);
    for month in &views.months {
        render(month.path.clone(), Some(month));
    }
    pages
}

#[test]
fn calendar_pages_render_accessibly() {
    let content = fixture();
    let pages = render_calendar_pages(&content, NaiveDate::from_ymd_opt(2026, 12, 3).unwrap());
    assert_eq!(pages.len(), 1 + 6); // index + Oct 2026 .. Mar 2027
    let (_, index) = &pages[0];
    assert!(index.contains("<h1>Release calendar</h1>"));
    assert!(index.contains("webcal://releases.example.com/calendar.ics"));
    assert!(index.contains("https://releases.example.com/calendar/payments.ics"));
    assert!(index.contains("every several hours"));
    assert!(index.contains("aria-current=\"date\""));
    let december = &pages
        .iter()
        .find(|(p, _)| p == "calendar/2026-12/")
        .unwrap()
        .1;
    assert!(december.contains("<caption>December 2026"));
    assert!(december.contains("<th scope=\"col\"><abbr title=\"Monday\">Mon</abbr></th>"));
    assert!(december.contains("href=\"/releases/payments/2.4.0/\""));
    assert!(december.contains("href=\"/calendar/2026-11/\" rel=\"prev\""));
    assert!(december.contains("Planned"), "status as text");
    assert!(december.contains("Freeze:</span> Year-end freeze"));
    // The phone's list view states the weekly windows the grid shows on their days (a day
    // with nothing else is not in the list of days).
    let agenda = &december[december.find("December 2026, day by day").unwrap()..];
    assert!(
        agenda.contains("<span class=\"cal-kind\">Freeze:</span> Peak trading hours <span class=\"cal-time\">09:00–17:00</span> on 1–4, 7–11, 14–18, 21–25 and 28–31 December"),
        "{agenda}"
    );
    assert!(agenda.contains("on 6, 13, 20 and 27 December"), "{agenda}");
    // Text from content is escaped, and nothing needs inline styles or scripts.
    assert!(december.contains("Überweisungen") || december.contains("Payments API 2.4.0"));
    for (path, html) in &pages {
        assert!(!html.contains(" style="), "{path}: inline style");
        // Scripts only by reference (the client runtime's loader), never inline.
        for tag in html.split("<script").skip(1) {
            let tag = &tag[..tag.find('>').unwrap_or(tag.len())];
            assert!(tag.contains(" src=\""), "{path}: inline script");
        }
        assert_eq!(
            html.matches("<table").count(),
            html.matches("</table>").count()
        );
    }
}

#[test]
fn the_example_portal_renders_and_checks_without_panics() {
    let Some(content) = example_content() else {
        eprintln!("no example content: skipped");
        return;
    };
    let today = content
        .releases
        .first()
        .map_or(NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(), |r| {
            r.window.start.date_naive()
        });
    let pages = render_calendar_pages(&content, today);
    assert!(pages.len() >= 2);
    let _ = calendar::conflicts(&content);
}

/// Runs `tests/ical_check.py` (Python's `icalendar`) on every feed. A missing `icalendar`
/// fails the test unless `SHIPBOARD_SKIP_ICALENDAR=1` says to skip it (`common::ical_check`).
#[test]
fn python_icalendar_accepts_every_feed() {
    let dir = tempfile::tempdir().unwrap();
    let mut files: Vec<PathBuf> = Vec::new();
    let content = fixture();
    let mut feeds = vec![(
        "fixture.ics".to_owned(),
        ics::portal_feed(&content, &facts_for(&content, 2)),
    )];
    feeds.push((
        "fixture-empty.ics".to_owned(),
        ics::system_feed(&content, &FeedFacts::default(), "search").unwrap(),
    ));
    feeds.push((
        "fixture-oncall.ics".to_owned(),
        ics::oncall_feed(
            &content,
            &ics::FeedFacts::default(),
            "platform-sre",
            utc(2026, 12, 1, 0, 0),
            12,
        )
        .unwrap(),
    ));
    if let Some(example) = example_content() {
        feeds.extend(example_feeds(&example));
    }
    for (i, (_, feed)) in feeds.iter().enumerate() {
        let path = dir.path().join(format!("feed-{i}.ics"));
        std::fs::write(&path, feed).unwrap();
        files.push(path);
    }
    common::ical_check(&files);
}

/// The real binary's feeds at the build moment (2026-11-25): a release that ended more than
/// `feed_history_days` before is in no feed, one that ended within them stays without a
/// reminder (released, rolled back), one still ahead reminds; each system's feed holds the
/// portal's events of that system, and Python's `icalendar` accepts them all.
#[test]
fn built_feeds_leave_out_old_events_and_remind_only_of_what_is_ahead() {
    let fx = common::Fixture::new("minimal");
    let billing = fx.read("releases/billing-1.2.0.md");
    let old = billing
        .replace("version: 1.2.0", "version: 1.1.0")
        .replace("2026-11-10", "2026-08-20");
    fx.write("releases/billing-1.1.0.md", &old);
    let rolled_back = billing
        .replace("version: 1.2.0", "version: 1.1.5")
        .replace("status: released", "status: rolled-back")
        .replace("2026-11-10", "2026-08-30");
    fx.write("releases/billing-1.1.5.md", &rolled_back);
    let portal = fx.read("portal.yaml");
    fx.write("portal.yaml", &format!("{portal}feed_history_days: 90\n"));
    let out = fx.build_ok();

    let read = |path: &str| std::fs::read_to_string(out.join(path)).unwrap();
    let uid = |v: &str| format!("UID:release-billing-{v}@releases.acme.example");
    let calendar = parse_feed(&read("calendar.ics"));
    let billing_feed = parse_feed(&read("calendar/billing.ics"));
    for feed in [&calendar, &billing_feed] {
        let uids: Vec<&str> = feed
            .events
            .iter()
            .filter_map(|e| prop(&e.properties, "UID"))
            .filter(|u| u.starts_with("release-billing-"))
            .collect();
        assert_eq!(
            uids,
            [
                "release-billing-1.1.5@releases.acme.example",
                "release-billing-1.2.0@releases.acme.example"
            ],
            "1.1.0 ended 97 days before the build"
        );
    }
    let text = read("calendar.ics");
    let alarms_of = |v: &str| {
        let at = text.find(&uid(v)).unwrap();
        let end = at + text[at..].find("END:VEVENT").unwrap();
        text[at..end].contains("BEGIN:VALARM")
    };
    assert!(!alarms_of("1.1.5"), "rolled back in August: no reminder");
    assert!(!alarms_of("1.2.0"), "released on 10 November: no reminder");
    let web = text.find("UID:release-web-2.0.0@").unwrap();
    assert!(
        text[web..]
            .split("END:VEVENT")
            .next()
            .unwrap()
            .contains("BEGIN:VALARM"),
        "the planned release ahead reminds"
    );
    let files = [out.join("calendar.ics"), out.join("calendar/billing.ics")];
    common::ical_check(&files);

    // A longer history brings 1.1.0 back.
    fx.write("portal.yaml", &format!("{portal}feed_history_days: 120\n"));
    let out = fx.build_ok();
    let text = std::fs::read_to_string(out.join("calendar/billing.ics")).unwrap();
    assert!(text.contains(&uid("1.1.0")), "{text}");
}
