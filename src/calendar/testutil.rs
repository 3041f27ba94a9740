//! Test fixtures: small `Content` values built in memory for the calendar's unit tests.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, TimeZone, Utc};

use crate::content::{
    Content, Person, Portal, Release, ReleaseStatus, ReleaseType, ReleaseWindow, Rotation, System,
};
use crate::diagnostics::SourceRef;

pub fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
}

/// A portal in Europe/Berlin with three systems and two people, no releases or freezes.
pub fn content() -> Content {
    let system = |id: &str, name: &str| {
        System::new(
            id,
            name,
            "priya",
            &format!("{id}-rollback"),
            SourceRef::new("portal.yaml", 8, 7),
        )
    };
    let person = |id: &str, name: &str| Person {
        id: id.into(),
        name: name.into(),
        title: None,
        email: None,
        phone: None,
        chat: None,
    };
    Content {
        portal: Portal {
            title: "Northwind Release Portal".into(),
            base_url: "https://releases.example.com/".into(),
            timezone: chrono_tz::Europe::Berlin,
            description: None,
            theme: None,
            runbook_review_days: 180,
            stale_after_hours: 36,
            reminder_hours: 24,
            feed_history_days: 90,
            freezes: Vec::new(),
            maintenance_windows: Vec::new(),
            approval_policy: BTreeMap::new(),
            checklists_by_type: BTreeMap::new(),
            import_freezes: Vec::new(),
            edit_url: None,
            required_phases: Default::default(),
            source: SourceRef::file("portal.yaml"),
        },
        systems: vec![
            system("payments", "Payments API"),
            system("ledger", "Ledger"),
            system("search", "Product Search"),
        ],
        releases: Vec::new(),
        runbooks: Vec::new(),
        people: vec![person("priya", "Priya Raman"), person("li", "Li Wei")],
        roles: Vec::new(),
        ladders: Vec::new(),
        rotations: vec![Rotation {
            id: "platform-sre".into(),
            name: "Platform SRE on-call".into(),
            members: vec!["li".into(), "priya".into()],
            length_days: 7,
            start: utc(2026, 11, 2, 9, 0),
            overrides: Vec::new(),
        }],
        checklists: Vec::new(),
        plan: Default::default(),
    }
}

/// An approved minor release owned by priya, `minutes` long.
pub fn release(system: &str, version: &str, start: DateTime<Utc>, minutes: i64) -> Release {
    let file = format!("releases/{system}-{version}.md");
    let window = ReleaseWindow {
        start,
        end: start + Duration::minutes(minutes),
        timezone: chrono_tz::Europe::Berlin,
        source: SourceRef::new(&file, 8, 10),
    };
    let version = semver::Version::parse(version).unwrap();
    Release::new(
        system,
        version,
        ReleaseType::Minor,
        ReleaseStatus::Approved,
        window,
        "priya",
        &file,
    )
}

/// A train `x` (every 14 days from 2026-12-01, open 14 days, delivery manager li) with
/// departures on `dates`, each with `members` (system, version), numbered on the cadence.
pub fn train(departures: &[(chrono::NaiveDate, &[(&str, &str)])]) -> crate::content::plan::Train {
    use crate::content::plan::{Departure, Member, Train};
    let zone = chrono_tz::Europe::Berlin;
    let start = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
    let departures = departures
        .iter()
        .map(|(date, members)| Departure {
            number: u32::try_from((*date - start).num_days() / 14 + 1).unwrap(),
            date: *date,
            start: super::time::start_of_day(*date, zone),
            end: super::time::start_of_day(*date + Duration::days(14), zone),
            demo: None,
            delivery_manager: "li".into(),
            members: members
                .iter()
                .map(|(system, version)| Member {
                    system: (*system).into(),
                    version: semver::Version::parse(version).unwrap(),
                    source: SourceRef::new("trains/x.yaml", 10, 17),
                })
                .collect(),
            source: SourceRef::new("trains/x.yaml", 8, 11),
        })
        .collect();
    Train {
        id: "x".into(),
        name: "X train".into(),
        description: None,
        delivery_manager: Some("li".into()),
        every_days: 14,
        start,
        window_days: 14,
        departures,
        source: SourceRef::new("trains/x.yaml", 1, 7),
    }
}
