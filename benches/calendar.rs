//! Calendar benchmark: conflicts, feeds and views for 10,000 releases, all in memory.
//!
//! Run with `cargo bench --bench calendar`. A benchmark, not a timed test: it asserts nothing
//! about speed and prints a Markdown table for BENCHMARKS.md. The content is generated
//! deterministically: 40 systems, 10,000 releases of 30–180 minutes every ~3.5 hours over
//! about four years (some overlapping, a few inside freezes, every tenth depending on another
//! system, 5% cancelled), three one-off year-end freezes, a weekday peak-hours freeze, a
//! Sunday maintenance window and a five-person rotation, in Europe/Berlin. Each step runs
//! once to warm up and then `RUNS` times; min and median wall times are printed.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use chrono::{DateTime, Duration as Span, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use semver::{Version, VersionReq};

use shipboard::calendar::ics::{self, FeedFacts, Revision};
use shipboard::calendar::{self, views};
use shipboard::content::{
    Content, Dependency, Person, Portal, Release, ReleaseStatus, ReleaseType, ReleaseWindow,
    Rotation, Schedule, System, WindowRule,
};
use shipboard::diagnostics::SourceRef;
use shipboard_fixtures::Lcg;

const RELEASES: usize = 10_000;
const SYSTEMS: usize = 40;
const RUNS: usize = 5;

/// A number below `n` from the shared generator (the draws this bench always made).
fn next(rng: &mut Lcg, n: u64) -> u64 {
    rng.below(n as usize) as u64
}

fn utc(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
}

fn generate() -> (Content, FeedFacts) {
    let mut rng = Lcg(0x5348_4950);
    let systems: Vec<System> = (0..SYSTEMS)
        .map(|i| {
            let id = format!("system-{i:02}");
            let source = SourceRef::new("portal.yaml", 10 + i as u32, 7);
            System::new(
                &id,
                &format!("System {i:02}"),
                &format!("person-{}", i % 10),
                &format!("{id}-rollback"),
                source,
            )
        })
        .collect();
    let mut facts = FeedFacts::default();
    let mut minor = vec![0u64; SYSTEMS];
    let mut start = utc(2026, 1, 1, 18);
    let mut releases = Vec::with_capacity(RELEASES);
    for n in 0..RELEASES {
        let s = next(&mut rng, SYSTEMS as u64) as usize;
        minor[s] += 1;
        start += Span::minutes(150 + next(&mut rng, 120) as i64);
        let file = format!("releases/system-{s:02}-1.{}.0.md", minor[s]);
        let status = match next(&mut rng, 20) {
            0 => ReleaseStatus::Cancelled,
            1..=4 => ReleaseStatus::Planned,
            _ => ReleaseStatus::Approved,
        };
        let depends_on = if n % 10 == 0 {
            vec![Dependency {
                system: format!("system-{:02}", (s + 1) % SYSTEMS),
                requirement: VersionReq::parse(">=1.0.0").unwrap(),
                source: SourceRef::new(&file, 20, 11),
            }]
        } else {
            Vec::new()
        };
        facts.files.insert(
            PathBuf::from(&file),
            Revision {
                changed_at: start - Span::days(10) - Span::minutes(next(&mut rng, 6) as i64),
            },
        );
        let window = ReleaseWindow {
            start,
            end: start + Span::minutes(30 + next(&mut rng, 150) as i64),
            timezone: chrono_tz::Europe::Berlin,
            source: SourceRef::new(&file, 6, 10),
        };
        let system = format!("system-{s:02}");
        let owner = format!("person-{}", n % 10);
        releases.push(Release {
            title: (n % 3 == 0).then(|| format!("Änderung Nummer {n} für Größenordnungen")),
            depends_on,
            ..Release::new(
                &system,
                Version::new(1, minor[s], 0),
                ReleaseType::Minor,
                status,
                window,
                &owner,
                &file,
            )
        });
    }
    let year_end = |y: i32| WindowRule {
        name: format!("Year-end freeze {y}"),
        reason: Some("Peak trading, reduced staff.".into()),
        schedule: Schedule::Once {
            start: utc(y, 12, 17, 23),
            end: utc(y + 1, 1, 3, 23),
        },
        source: SourceRef::new("portal.yaml", 100, 5),
    };
    let weekly = |name: &str, days: Vec<Weekday>, from: u32, to: u32| WindowRule {
        name: name.into(),
        reason: None,
        schedule: Schedule::Weekly {
            days,
            start: NaiveTime::from_hms_opt(from, 0, 0).unwrap(),
            end: NaiveTime::from_hms_opt(to, 0, 0).unwrap(),
            from: None,
            until: None,
        },
        source: SourceRef::new("portal.yaml", 110, 5),
    };
    let content = Content {
        portal: Portal {
            title: "Bench portal".into(),
            base_url: "https://releases.example.com/".into(),
            timezone: chrono_tz::Europe::Berlin,
            description: None,
            theme: None,
            runbook_review_days: 180,
            stale_after_hours: 36,
            reminder_hours: 24,
            feed_history_days: 90,
            freezes: vec![
                year_end(2026),
                year_end(2027),
                year_end(2028),
                weekly(
                    "Peak trading hours",
                    vec![
                        Weekday::Mon,
                        Weekday::Tue,
                        Weekday::Wed,
                        Weekday::Thu,
                        Weekday::Fri,
                    ],
                    9,
                    17,
                ),
            ],
            maintenance_windows: vec![weekly("Sunday maintenance", vec![Weekday::Sun], 2, 4)],
            approval_policy: BTreeMap::new(),
            checklists_by_type: BTreeMap::new(),
            import_freezes: Vec::new(),
            edit_url: None,
            required_phases: Default::default(),
            source: SourceRef::file("portal.yaml"),
        },
        systems,
        releases,
        runbooks: Vec::new(),
        people: (0..10)
            .map(|i| Person {
                id: format!("person-{i}"),
                name: format!("Person {i}"),
                title: None,
                email: None,
                phone: None,
                chat: None,
            })
            .collect(),
        roles: Vec::new(),
        ladders: Vec::new(),
        rotations: vec![Rotation {
            id: "sre".into(),
            name: "SRE on-call".into(),
            members: (0..5).map(|i| format!("person-{i}")).collect(),
            length_days: 7,
            start: utc(2026, 1, 5, 9),
            overrides: Vec::new(),
        }],
        checklists: Vec::new(),
        plan: Default::default(),
    };
    (content, facts)
}

/// One measured step: returns the size of what it produced.
type Step<'a> = Box<dyn FnMut() -> usize + 'a>;

/// Runs `step` once to warm up and `RUNS` times; returns (min, median, last result size).
fn measure(mut step: impl FnMut() -> usize) -> (Duration, Duration, usize) {
    let mut size = step();
    let mut times: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let started = Instant::now();
            size = black_box(step());
            started.elapsed()
        })
        .collect();
    times.sort();
    (times[0], times[RUNS / 2], size)
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}

fn main() {
    let started = Instant::now();
    let (content, facts) = generate();
    let generated = started.elapsed();
    let first = content
        .releases
        .first()
        .map(|r| r.window.start.date_naive());
    let last = content.releases.last().map(|r| r.window.start.date_naive());
    let today = NaiveDate::from_ymd_opt(2027, 6, 1).unwrap();
    // The calendar as built at noon that day, fresh for ten days.
    let now = Utc.from_utc_datetime(&today.and_time(NaiveTime::from_hms_opt(12, 0, 0).unwrap()));
    let fresh_until = now + Span::days(10);
    println!(
        "calendar bench: {} releases, {} systems, {:?} to {:?}, generated in {} ms\n",
        content.releases.len(),
        content.systems.len(),
        first,
        last,
        ms(generated)
    );
    println!("| step | min ms | median ms | output |");
    println!("|---|---:|---:|---|");
    let rows: Vec<(&str, Step, &str)> = vec![
        (
            "conflicts (freezes + dependencies)",
            Box::new(|| calendar::conflicts(&content).len()),
            "diagnostics",
        ),
        (
            "portal feed `calendar.ics`",
            Box::new(|| ics::portal_feed(&content, &facts).len()),
            "bytes",
        ),
        (
            "40 system feeds",
            Box::new(|| {
                content
                    .systems
                    .iter()
                    .filter_map(|s| ics::system_feed(&content, &facts, &s.id))
                    .map(|f| f.len())
                    .sum()
            }),
            "bytes",
        ),
        (
            "on-call feed (12 weeks)",
            Box::new(|| {
                ics::oncall_feed(
                    &content,
                    &ics::FeedFacts::default(),
                    "sre",
                    utc(2027, 6, 1, 0),
                    12,
                )
                .map_or(0, |f| f.len())
            }),
            "bytes",
        ),
        (
            "views (all months, upcoming)",
            Box::new(|| views::build(&content, now, fresh_until).months.len()),
            "months",
        ),
        (
            "views serialized to JSON",
            Box::new(|| {
                serde_json::to_string(&views::build(&content, now, fresh_until))
                    .map_or(0, |j| j.len())
            }),
            "bytes",
        ),
    ];
    let mut total = Duration::ZERO;
    for (name, mut step, unit) in rows {
        let (min, median, size) = measure(&mut step);
        if !name.contains("JSON") {
            total += median;
        }
        println!("| {name} | {} | {} | {size} {unit} |", ms(min), ms(median));
    }
    println!("| **conflicts + feeds + views** | | **{}** | |", ms(total));
}
