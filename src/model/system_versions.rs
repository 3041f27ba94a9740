//! System versions: the declared manifests (`system-versions/*.yaml`) and the ones release
//! trains make (a departure whose members are all released), in the order they took
//! effect, with the pages `/system-versions/` and `/system-versions/<slug>/`.
//!
//! A system version takes effect when the last of its members' release windows ends; the
//! one before it is its "previous" for the diff of versions and the changelogs. Changelogs
//! come from the history stage's facts (none without git). Data only: no I/O, no clock.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use semver::Version;
use serde::Serialize;

use super::views::{release_path, system_name, Clock};
use crate::content::plan::{Departure, Member, Train};
use crate::content::Content;
use crate::history::{Changelog, Facts};

/// A system version as the pages need it: declared or made by a departure.
#[derive(Debug, Clone)]
pub struct Manifest<'a> {
    pub name: String,
    pub slug: String,
    pub description: Option<String>,
    /// The train and departure it comes from, when a train made it.
    pub departure: Option<(&'a Train, &'a Departure)>,
    /// Sorted by system id.
    pub members: Vec<Member>,
    /// When the last member's window ends; `None` when a member has no release file.
    pub effective: Option<DateTime<Utc>>,
}

/// Every system version, oldest first: by when it takes effect, then name.
pub fn manifests(content: &Content) -> Vec<Manifest<'_>> {
    let declared = content.plan.system_versions.iter().map(|v| Manifest {
        name: v.name.clone(),
        slug: v.slug.clone(),
        description: v.description.clone(),
        departure: None,
        members: sorted(v.members.clone()),
        effective: effective(content, &v.members),
    });
    let mut all: Vec<Manifest> = declared.chain(from_trains(content)).collect();
    all.sort_by(|a, b| (a.effective, &a.name).cmp(&(b.effective, &b.name)));
    all
}

fn sorted(mut members: Vec<Member>) -> Vec<Member> {
    members.sort_by(|a, b| a.system.cmp(&b.system));
    members
}

fn effective(content: &Content, members: &[Member]) -> Option<DateTime<Utc>> {
    members
        .iter()
        .map(|m| content.release(&m.system, &m.version).map(|r| r.window.end))
        .collect::<Option<Vec<_>>>()?
        .into_iter()
        .max()
}

/// Whether every member of `departure` is released.
pub fn departure_complete(content: &Content, departure: &Departure) -> bool {
    !departure.members.is_empty()
        && departure.members.iter().all(|m| {
            content
                .release(&m.system, &m.version)
                .is_some_and(|r| r.status == crate::content::ReleaseStatus::Released)
        })
}

/// The system versions of complete departures: each holds its members and, for systems
/// the train shipped on earlier departures only, their latest version from those.
fn from_trains(content: &Content) -> Vec<Manifest<'_>> {
    let mut made = Vec::new();
    for train in &content.plan.trains {
        let mut state: BTreeMap<String, Member> = BTreeMap::new();
        for departure in &train.departures {
            for member in &departure.members {
                state.insert(member.system.clone(), member.clone());
            }
            if !departure_complete(content, departure) {
                continue;
            }
            let members: Vec<Member> = state.values().cloned().collect();
            made.push(Manifest {
                name: train.departure_name(departure),
                slug: train.departure_slug(departure),
                description: train.description.clone(),
                departure: Some((train, departure)),
                effective: effective(content, &members),
                members,
            });
        }
    }
    made
}

/// `/system-versions/`.
#[derive(Debug, Clone, Serialize)]
pub struct SystemVersionsPage {
    /// Newest first.
    pub versions: Vec<SystemVersionLink>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SystemVersionLink {
    pub name: String,
    pub path: String,
    pub effective: Option<String>,
    pub effective_machine: Option<String>,
    /// `Wallet train, departure 2`, when a train made it.
    pub departure: Option<String>,
    pub departure_path: Option<String>,
    /// `payments 2.4.0, ledger 3.1.1`.
    pub summary: String,
}

/// `/system-versions/<slug>/`.
#[derive(Debug, Clone, Serialize)]
pub struct SystemVersionPage {
    pub version: SystemVersionLink,
    pub description: Option<String>,
    pub members: Vec<MemberView>,
    pub previous: Option<SystemVersionLink>,
    pub next: Option<SystemVersionLink>,
    /// One row per system in this or the previous system version.
    pub diff: Vec<DiffRow>,
    /// Per member whose version changed: the changelogs since the previous system version.
    pub changelogs: Vec<MemberChangelogs>,
    /// Git history was read (changelogs are known).
    pub history: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct MemberView {
    pub system: String,
    pub system_name: String,
    pub system_path: String,
    pub version: String,
    pub release_path: String,
    pub status: &'static str,
    pub status_label: &'static str,
    pub title: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DiffRow {
    pub system_name: String,
    pub from: Option<String>,
    pub to: Option<String>,
    /// `added`, `removed`, `upgraded`, `downgraded` or `unchanged`.
    pub change: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct MemberChangelogs {
    pub system_name: String,
    pub from: Option<String>,
    pub to: String,
    /// Newest first; anchors made unique on the page (`<system>-v2-4-0`).
    pub changelogs: Vec<Changelog>,
}

pub fn path(slug: &str) -> String {
    format!("system-versions/{slug}/")
}

pub fn link(content: &Content, manifest: &Manifest, clock: Clock) -> SystemVersionLink {
    let summary: Vec<String> = manifest.members.iter().map(|m| m.label(content)).collect();
    SystemVersionLink {
        name: manifest.name.clone(),
        path: path(&manifest.slug),
        effective: manifest.effective.map(|t| clock.date_time(t)),
        effective_machine: manifest.effective.map(|t| t.to_rfc3339()),
        departure: manifest.departure.map(|(train, d)| train.departure_name(d)),
        departure_path: manifest
            .departure
            .map(|(train, d)| super::trains::departure_path(train, d)),
        summary: summary.join(", "),
    }
}

pub fn index_page(content: &Content, all: &[Manifest], clock: Clock) -> SystemVersionsPage {
    SystemVersionsPage {
        versions: all.iter().rev().map(|m| link(content, m, clock)).collect(),
    }
}

/// The page of `all[index]`.
pub fn page(
    content: &Content,
    history: Option<&Facts>,
    all: &[Manifest],
    index: usize,
    clock: Clock,
) -> SystemVersionPage {
    let manifest = &all[index];
    let previous = index.checked_sub(1).and_then(|i| all.get(i));
    let members = manifest
        .members
        .iter()
        .map(|m| member_view(content, m))
        .collect();
    let diff = diff(
        content,
        previous.map(|p| p.members.as_slice()),
        &manifest.members,
    );
    let changelogs = manifest
        .members
        .iter()
        .filter_map(|m| member_changelogs(content, history, previous, m))
        .collect();
    SystemVersionPage {
        version: link(content, manifest, clock),
        description: manifest.description.clone(),
        members,
        previous: previous.map(|p| link(content, p, clock)),
        next: all.get(index + 1).map(|n| link(content, n, clock)),
        diff,
        changelogs,
        history: history.is_some_and(|h| h.systems.values().any(|s| s.available)),
    }
}

pub fn member_view(content: &Content, member: &Member) -> MemberView {
    let release = content.release(&member.system, &member.version);
    MemberView {
        system: member.system.clone(),
        system_name: system_name(content, &member.system),
        system_path: format!("systems/{}/", member.system),
        version: member.version.to_string(),
        release_path: release_path(&member.system, &member.version.to_string()),
        status: release.map_or("planned", |r| r.status.as_str()),
        status_label: release.map_or("Planned", |r| r.status.label()),
        title: release.and_then(|r| r.title.clone()),
    }
}

/// Per system of either side, how its version changed from `previous` to `current`.
pub fn diff(content: &Content, previous: Option<&[Member]>, current: &[Member]) -> Vec<DiffRow> {
    let mut systems: BTreeMap<&str, (Option<&Version>, Option<&Version>)> = BTreeMap::new();
    for m in previous.unwrap_or_default() {
        systems.entry(&m.system).or_default().0 = Some(&m.version);
    }
    for m in current {
        systems.entry(&m.system).or_default().1 = Some(&m.version);
    }
    systems
        .into_iter()
        .map(|(system, (from, to))| DiffRow {
            system_name: system_name(content, system),
            from: from.map(Version::to_string),
            to: to.map(Version::to_string),
            change: match (from, to) {
                (None, _) => "added",
                (_, None) => "removed",
                (Some(a), Some(b)) if a < b => "upgraded",
                (Some(a), Some(b)) if a > b => "downgraded",
                _ => "unchanged",
            },
        })
        .collect()
}

/// The changelogs of `member`'s system after the previous system version's version of it,
/// up to and including the member's (the member's own when there is no previous system
/// version holding the system); `None` when the version did not change.
fn member_changelogs(
    content: &Content,
    history: Option<&Facts>,
    previous: Option<&Manifest>,
    member: &Member,
) -> Option<MemberChangelogs> {
    let from = previous
        .and_then(|p| p.members.iter().find(|m| m.system == member.system))
        .map(|m| &m.version);
    if from.is_some_and(|f| *f >= member.version) {
        return None;
    }
    let system = history?.systems.get(&member.system)?;
    let changelogs = system
        .changelogs
        .iter()
        .filter(|c| {
            let version = c.version.as_deref().and_then(|v| Version::parse(v).ok());
            // Without a previous system version, the member's own version only.
            version.is_some_and(|v| match from {
                Some(f) => v > *f && v <= member.version,
                None => v == member.version,
            })
        })
        .map(|c| Changelog {
            anchor: format!("{}-{}", member.system, c.anchor),
            ..c.clone()
        })
        .collect();
    Some(MemberChangelogs {
        system_name: system_name(content, &member.system),
        from: from.map(Version::to_string),
        to: member.version.to_string(),
        changelogs,
    })
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::calendar::testutil::{content, release, train, utc};
    use crate::content::plan::SystemVersion;
    use crate::content::ReleaseStatus;
    use crate::diagnostics::SourceRef;

    fn member(system: &str, version: &str) -> Member {
        Member {
            system: system.into(),
            version: Version::parse(version).unwrap(),
            source: SourceRef::file("system-versions/a.yaml"),
        }
    }

    #[test]
    fn a_complete_departure_becomes_a_system_version_ordered_by_when_it_takes_effect() {
        let mut c = content();
        let mut ledger = release("ledger", "3.1.0", utc(2026, 10, 11, 1, 0), 90);
        ledger.status = ReleaseStatus::Released;
        let mut payments = release("payments", "2.4.0", utc(2026, 12, 6, 1, 0), 90);
        payments.status = ReleaseStatus::Released;
        let later = release("ledger", "3.2.0", utc(2026, 12, 16, 19, 0), 60);
        c.releases = vec![ledger, payments, later];
        c.plan.system_versions = vec![SystemVersion {
            name: "2026.10".into(),
            slug: "2026-10".into(),
            description: None,
            members: vec![member("ledger", "3.1.0")],
            source: SourceRef::file("system-versions/a.yaml"),
        }];
        let dec1 = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let dec15 = NaiveDate::from_ymd_opt(2026, 12, 15).unwrap();
        c.plan.trains = vec![train(&[
            (dec1, &[("payments", "2.4.0")]),
            (dec15, &[("ledger", "3.2.0")]),
        ])];
        let all = manifests(&c);
        let names: Vec<&str> = all.iter().map(|m| m.name.as_str()).collect();
        // Departure 2 is not complete (ledger 3.2.0 is only approved): no system version.
        assert_eq!(names, ["2026.10", "X train, departure 1"]);
        assert_eq!(all[1].slug, "train-x-1");
        assert_eq!(all[1].effective, Some(utc(2026, 12, 6, 2, 30)));
        let page = page(
            &c,
            None,
            &all,
            1,
            Clock {
                zone: c.portal.timezone,
            },
        );
        let changes: Vec<(&str, &str)> = page
            .diff
            .iter()
            .map(|d| (d.system_name.as_str(), d.change))
            .collect();
        assert_eq!(changes, [("Ledger", "removed"), ("Payments API", "added")]);
        assert_eq!(
            page.previous.map(|p| p.path),
            Some("system-versions/2026-10/".into())
        );
    }

    #[test]
    fn the_diff_says_how_each_version_moved() {
        let c = content();
        let before = [
            member("ledger", "3.1.0"),
            member("payments", "2.4.0"),
            member("search", "1.8.0"),
        ];
        let after = [
            member("ledger", "3.2.0"),
            member("payments", "2.3.2"),
            member("search", "1.8.0"),
        ];
        let rows = diff(&c, Some(&before), &after);
        let changes: Vec<&str> = rows.iter().map(|r| r.change).collect();
        assert_eq!(changes, ["upgraded", "downgraded", "unchanged"]);
        assert_eq!(rows[0].from.as_deref(), Some("3.1.0"));
        assert_eq!(rows[0].to.as_deref(), Some("3.2.0"));
        let first = diff(&c, None, &after);
        assert!(first
            .iter()
            .all(|r| r.change == "added" && r.from.is_none()));
    }
}
