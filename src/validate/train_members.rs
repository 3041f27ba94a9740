//! Validation of a train's members: each release inside its departure's window, not
//! cancelled or rolled back, on one departure only, with its dependencies met on the same
//! or an earlier departure; and, at a given "now", members that missed their departure.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use semver::Version;

use super::Validator;
use crate::calendar::time;
use crate::content::plan::{Departure, Member, ReleaseLookup, Train};
use crate::content::{Content, Release, ReleaseStatus};
use crate::diagnostics::Diagnostic;

impl Validator<'_> {
    /// A member's release window must lie inside its departure's window, and a cancelled or
    /// rolled-back member has missed it.
    pub(super) fn member_on_time(
        &mut self,
        departure: &Departure,
        member: &Member,
        releases: &ReleaseLookup<'_>,
    ) {
        let Some(release) = releases.get(&member.system, &member.version) else {
            return;
        };
        let zone = self.zone;
        let number = departure.number;
        if release.window.start < departure.start || release.window.end > departure.end {
            self.error(
                member.source.clone(),
                "departures.members",
                format!(
                    "{} {} is scheduled {} ({}), outside departure {number}'s window {}",
                    member.system,
                    member.version,
                    time::format_range(release.window.start, release.window.end, zone),
                    release.window.source,
                    time::format_range(departure.start, departure.end, zone)
                ),
                "move the release's window into the departure's, or put the release on the departure whose window holds it",
            );
        }
        if matches!(
            release.status,
            ReleaseStatus::Cancelled | ReleaseStatus::RolledBack
        ) {
            self.error(
                member.source.clone(),
                "departures.members",
                format!(
                    "{} {} is {}: it misses departure {number}",
                    member.system,
                    member.version,
                    release.status.label().to_lowercase()
                ),
                "put the version that replaces it on this or a later departure, or remove the member",
            );
        }
    }

    /// A release rides one departure of a train, once.
    pub(super) fn members_listed_twice(&mut self, train: &Train) {
        let mut seen: Vec<(&Member, u32)> = Vec::new();
        for departure in &train.departures {
            for member in &departure.members {
                let first = seen
                    .iter()
                    .find(|(m, _)| m.system == member.system && m.version == member.version);
                if let Some((first, number)) = first {
                    self.error(
                        member.source.clone(),
                        "departures.members",
                        format!(
                            "{} {} is already a member of departure {number} (line {})",
                            member.system, member.version, first.source.line
                        ),
                        "a release rides one departure: keep it on the departure whose window holds its release window",
                    );
                    continue;
                }
                seen.push((member, departure.number));
            }
        }
    }

    /// Every dependency of a member must be met by a release on the same or an earlier
    /// departure, or by one outside the train that ships before this departure ends.
    pub(super) fn member_dependencies(&mut self, train: &Train, releases: &ReleaseLookup<'_>) {
        // Which departure each release rides, looked up once per train.
        let mut rides: BTreeMap<(&str, &Version), &Departure> = BTreeMap::new();
        for departure in &train.departures {
            for member in &departure.members {
                rides
                    .entry((&member.system, &member.version))
                    .or_insert(departure);
            }
        }
        let departure_of = |r: &Release| rides.get(&(r.system.as_str(), &r.version)).copied();
        for departure in &train.departures {
            for member in &departure.members {
                let Some(release) = releases.get(&member.system, &member.version) else {
                    continue;
                };
                for dependency in &release.depends_on {
                    let candidates: Vec<&Release> = releases
                        .of(&dependency.system)
                        .iter()
                        .filter(|r| dependency.requirement.matches(&r.version))
                        .copied()
                        .collect();
                    let met = candidates.iter().any(|r| match departure_of(r) {
                        Some(other) => other.number <= departure.number,
                        None => {
                            !matches!(
                                r.status,
                                ReleaseStatus::Cancelled | ReleaseStatus::RolledBack
                            ) && r.window.end <= departure.end
                        }
                    });
                    if met {
                        continue;
                    }
                    let later = candidates
                        .iter()
                        .find_map(|r| departure_of(r).map(|d| (r, d)))
                        .map(|(r, d)| {
                            format!(
                                " ({} {} is on departure {}, {})",
                                r.system, r.version, d.number, d.date
                            )
                        })
                        .unwrap_or_default();
                    self.error(
                        member.source.clone(),
                        "departures.members",
                        format!(
                            "{} {} depends on {} {} ({}), which is not on departure {} or an earlier one{later}",
                            member.system,
                            member.version,
                            dependency.system,
                            dependency.requirement,
                            dependency.source,
                            departure.number
                        ),
                        &format!("put a version of {} matching {} on this departure or an earlier one, or move {} {} to a later departure", dependency.system, dependency.requirement, member.system, member.version),
                    );
                }
            }
        }
    }
}

/// A warning per member still not released when its departure's window has ended at
/// `now`. A warning, like an overdue status: the release may have shipped and its file not
/// been updated yet, and a portal that stops building over a stale status helps nobody.
/// A member that is cancelled or rolled back has missed its departure for certain: that is
/// an error of `validate`.
pub fn missed_departures(content: &Content, now: DateTime<Utc>) -> Vec<Diagnostic> {
    let zone = content.portal.timezone;
    let lookup = ReleaseLookup::new(&content.releases);
    let mut found = Vec::new();
    for train in &content.plan.trains {
        for departure in train.departures.iter().filter(|d| d.end <= now) {
            for member in &departure.members {
                let Some(release) = lookup.get(&member.system, &member.version) else {
                    continue;
                };
                if release.status.has_shipped() || release.status == ReleaseStatus::Cancelled {
                    continue;
                }
                let message = format!(
                    "{} {} is still {} but departure {} of {} ended {}: it missed its departure",
                    member.system,
                    member.version,
                    release.status.as_str(),
                    departure.number,
                    train.name,
                    time::format_local(departure.end, zone)
                );
                found.push(
                    Diagnostic::warning(member.source.clone(), Some("departures.members"), message)
                        .with_help("set the release's status if it shipped, or move it to a later departure (and its window into that departure's)"),
                );
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::calendar::testutil::{content, release, train, utc};

    #[test]
    fn a_member_unreleased_after_its_departure_is_a_warning_at_the_member() {
        let mut c = content();
        let mut shipped = release("payments", "2.4.0", utc(2026, 12, 6, 1, 0), 90);
        shipped.status = ReleaseStatus::Released;
        let late = release("ledger", "3.1.1", utc(2026, 12, 8, 19, 0), 60);
        c.releases = vec![shipped, late];
        let dec1 = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        c.plan.trains = vec![train(&[(
            dec1,
            &[("payments", "2.4.0"), ("ledger", "3.1.1")],
        )])];
        // The departure is open until 15 Dec 00:00 Berlin: nothing is missed before.
        assert!(missed_departures(&c, utc(2026, 12, 14, 22, 0)).is_empty());
        let missed = missed_departures(&c, utc(2026, 12, 15, 0, 0));
        assert_eq!(missed.len(), 1, "{missed:?}");
        assert!(!missed[0].is_error());
        assert_eq!(
            missed[0].at,
            crate::diagnostics::SourceRef::new("trains/x.yaml", 10, 17)
        );
        assert!(
            missed[0]
                .message
                .starts_with("ledger 3.1.1 is still approved but departure 1 of X train ended"),
            "{}",
            missed[0].message
        );
    }
}
