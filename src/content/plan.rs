//! Release plans across systems: system versions (named manifests of compatible component
//! versions) and release trains (departures on a fixed cadence whose members ship together).
//!
//! Plain validated data, as `validate` leaves it: every member names a system and a version
//! that has a release file, every date is an instant. What a departure's readiness is, or
//! which system version comes before another, is computed later (`model::trains`).

use chrono::{DateTime, NaiveDate, Utc};
use semver::Version;

use crate::diagnostics::SourceRef;

/// Everything under `system-versions/` and `trains/`.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// Declared system versions, sorted by name.
    pub system_versions: Vec<SystemVersion>,
    /// Sorted by id.
    pub trains: Vec<Train>,
}

/// A named manifest: these versions of these systems work together.
#[derive(Debug, Clone)]
pub struct SystemVersion {
    pub name: String,
    /// The URL slug of `name`.
    pub slug: String,
    pub description: Option<String>,
    /// In the order written; one per system.
    pub members: Vec<Member>,
    /// Where `name:` is written.
    pub source: SourceRef,
}

/// One release of a system version or of a departure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub system: String,
    pub version: Version,
    /// Where `system:` is written.
    pub source: SourceRef,
}

/// A release train: departures every `every_days` days from `start`.
#[derive(Debug, Clone)]
pub struct Train {
    /// The file stem: `trains/wallet.yaml` is `wallet`.
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub delivery_manager: Option<String>,
    pub every_days: u32,
    /// The first cadence date, in the portal's zone.
    pub start: NaiveDate,
    pub window_days: u32,
    /// Sorted by date.
    pub departures: Vec<Departure>,
    pub source: SourceRef,
}

/// One departure of a train: its window, demo, delivery manager and members.
#[derive(Debug, Clone)]
pub struct Departure {
    /// 1-based number on the cadence: the first cadence date is departure 1.
    pub number: u32,
    pub date: NaiveDate,
    /// From local midnight of `date` for the train's `window_days`.
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub demo: Option<DateTime<Utc>>,
    /// The departure's own, else the train's (validation makes sure there is one).
    pub delivery_manager: String,
    pub members: Vec<Member>,
    /// Where `date:` is written.
    pub source: SourceRef,
}

/// How long a system demo's calendar event lasts.
pub const DEMO_MINUTES: i64 = 60;

impl Member {
    /// `Payments API 2.4.0`: the system's name (its id when unknown) and the version.
    pub fn label(&self, content: &super::Content) -> String {
        let name = content
            .system(&self.system)
            .map_or(self.system.as_str(), |s| s.name.as_str());
        format!("{name} {}", self.version)
    }
}

impl Departure {
    /// The system demo as an interval of `DEMO_MINUTES`, for feeds and calendars.
    pub fn demo_span(&self) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        self.demo
            .map(|t| (t, t + chrono::Duration::minutes(DEMO_MINUTES)))
    }
}

impl Train {
    /// `train-wallet-3`: the slug of the system version a fully released departure becomes.
    pub fn departure_slug(&self, departure: &Departure) -> String {
        format!("train-{}-{}", self.id, departure.number)
    }

    /// `Wallet train, departure 3`.
    pub fn departure_name(&self, departure: &Departure) -> String {
        format!("{}, departure {}", self.name, departure.number)
    }
}

/// Releases by system, sorted by version: finding a member's release or the releases that
/// meet a requirement without scanning every release (a portal may have 10,000).
pub struct ReleaseLookup<'a> {
    by_system: std::collections::BTreeMap<&'a str, Vec<&'a super::Release>>,
}

impl<'a> ReleaseLookup<'a> {
    pub fn new(releases: &'a [super::Release]) -> Self {
        let mut by_system: std::collections::BTreeMap<&str, Vec<&super::Release>> =
            std::collections::BTreeMap::new();
        for release in releases {
            by_system.entry(&release.system).or_default().push(release);
        }
        for list in by_system.values_mut() {
            list.sort_by(|a, b| a.version.cmp(&b.version));
        }
        ReleaseLookup { by_system }
    }

    /// The release of `system` at `version`, if it has a file.
    pub fn get(&self, system: &str, version: &Version) -> Option<&'a super::Release> {
        let list = self.by_system.get(system)?;
        let index = list.binary_search_by(|r| r.version.cmp(version)).ok()?;
        Some(list[index])
    }

    /// Every release of `system`, lowest version first.
    pub fn of(&self, system: &str) -> &[&'a super::Release] {
        self.by_system.get(system).map_or(&[], Vec::as_slice)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::testutil::{release, utc};

    #[test]
    fn the_lookup_finds_releases_by_system_and_version() {
        let releases = vec![
            release("payments", "2.5.0", utc(2027, 2, 9, 20, 0), 60),
            release("ledger", "3.1.0", utc(2026, 10, 11, 0, 0), 60),
            release("payments", "2.4.0", utc(2026, 12, 6, 1, 0), 60),
        ];
        let lookup = ReleaseLookup::new(&releases);
        let v = |s: &str| Version::parse(s).unwrap();
        assert_eq!(
            lookup.get("payments", &v("2.4.0")).map(|r| r.key()),
            Some("payments@2.4.0".into())
        );
        assert!(lookup.get("payments", &v("2.4.1")).is_none());
        assert!(lookup.get("search", &v("1.0.0")).is_none());
        let versions: Vec<String> = lookup
            .of("payments")
            .iter()
            .map(|r| r.version.to_string())
            .collect();
        assert_eq!(versions, ["2.4.0", "2.5.0"]);
        assert!(lookup.of("search").is_empty());
    }
}
