//! Conflicts: release windows that collide with freezes or with the releases they depend on.
//!
//! Two checks, both on validated `Content` and both reported at the release's
//! `window.start`:
//! - a release window that overlaps a freeze (one-off or weekly, weekly ones expanded in the
//!   portal's zone so a "09:00–17:00" freeze is 09:00 local on both sides of a DST change)
//!   is an error, unless the release is `type: emergency` with at least one approval
//!   recorded: then it is a warning naming the approved exception. Cancelled releases are
//!   exempt. Each release is reported once per freeze (its first overlapping occurrence).
//! - two overlapping release windows where one release `depends_on` the other's system is a
//!   warning on the dependent release.
//!
//! Windows that end before they start never get here: `validate` rejects them.

use std::collections::BTreeMap;

use crate::calendar::time;
use crate::calendar::windows::{self, Span};
use crate::content::{Content, Release, ReleaseStatus, ReleaseType, Schedule, WindowRule};
use crate::diagnostics::Diagnostic;

/// Every freeze and dependency conflict in `content`, in release order.
pub fn conflicts(content: &Content) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    let by_system = releases_by_system(content);
    for release in content.releases.iter().filter(|r| is_active(r)) {
        for freeze in &content.portal.freezes {
            if let Some(hit) = first_overlap(content, release, freeze) {
                found.extend(freeze_diagnostic(content, release, freeze, hit));
            }
        }
        for dependency in &release.depends_on {
            let Some(others) = by_system.get(dependency.system.as_str()) else {
                continue;
            };
            for other in overlapping(others, release) {
                found.push(dependency_diagnostic(content, release, other));
            }
        }
    }
    found
}

fn is_active(release: &Release) -> bool {
    release.status != ReleaseStatus::Cancelled
}

fn window(release: &Release) -> Span {
    Span::new(release.window.start, release.window.end)
}

/// Active releases per system, sorted by window start (content order already is).
fn releases_by_system(content: &Content) -> BTreeMap<&str, Vec<&Release>> {
    let mut map: BTreeMap<&str, Vec<&Release>> = BTreeMap::new();
    for release in content.releases.iter().filter(|r| is_active(r)) {
        map.entry(release.system.as_str())
            .or_default()
            .push(release);
    }
    for list in map.values_mut() {
        list.sort_by_key(|r| (r.window.start, r.window.end));
    }
    map
}

/// The releases in `sorted` (by start) whose windows overlap `release`'s.
fn overlapping<'a>(sorted: &[&'a Release], release: &Release) -> Vec<&'a Release> {
    let span = window(release);
    // Only releases starting before our end can overlap.
    let end = sorted.partition_point(|r| r.window.start < span.end);
    sorted[..end]
        .iter()
        .filter(|other| window(other).overlaps(&span))
        .copied()
        .collect()
}

fn first_overlap(content: &Content, release: &Release, freeze: &WindowRule) -> Option<Span> {
    windows::occurrences(&freeze.schedule, content.portal.timezone, window(release))
        .into_iter()
        .next()
}

/// The problem of a release window inside a freeze; `None` for an emergency release whose
/// approval is recorded: the exception is decided and on record (its release page lists the
/// approval), so warning about it on every check would only teach people to ignore warnings.
fn freeze_diagnostic(
    content: &Content,
    release: &Release,
    freeze: &WindowRule,
    hit: Span,
) -> Option<Diagnostic> {
    let zone = content.portal.timezone;
    let when = match &freeze.schedule {
        Schedule::Once { .. } => windows::describe(&freeze.schedule, zone),
        Schedule::Weekly { .. } => format!(
            "{}, here on {}",
            windows::describe(&freeze.schedule, zone),
            time::to_local(hit.start, zone).format("%A %Y-%m-%d")
        ),
    };
    let subject = format!(
        "the release window {} ({}) overlaps the freeze \"{}\" ({when}, {}) defined at {}",
        time::format_range(release.window.start, release.window.end, zone),
        zone.name(),
        freeze.name,
        zone.name(),
        freeze.source
    );
    let at = release.window.source.clone();
    let field = Some("window.start");
    if release.kind == ReleaseType::Emergency {
        if !release.approvals.is_empty() {
            return None;
        }
        return Some(Diagnostic::error(at, field, subject).with_help(
            "an emergency release may go ahead inside a freeze only with an approval: add \
             `approvals: [{role: <role>, by: <person>, at: <date time>, ticket: <ref>}]`",
        ));
    }
    let reason = freeze
        .reason
        .as_deref()
        .map(|r| format!(" (reason: {r})"))
        .unwrap_or_default();
    Some(
        Diagnostic::error(at, field, format!("{subject}{reason}")).with_help(
            "move the window outside the freeze; if it cannot wait, make it `type: emergency` \
             and record an approval",
        ),
    )
}

fn dependency_diagnostic(content: &Content, release: &Release, other: &Release) -> Diagnostic {
    let zone = content.portal.timezone;
    let message = format!(
        "the release window overlaps that of {} {} ({}, {}), and this release depends on {}",
        other.system,
        other.version,
        time::format_range(other.window.start, other.window.end, zone),
        other.source,
        other.system
    );
    Diagnostic::warning(release.window.source.clone(), Some("window.start"), message).with_help(
        "ship the dependency first and verify it before this window starts, or record why \
         both may run together",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::testutil::{content, release, utc};
    use crate::content::{Approval, Dependency, Schedule};
    use crate::diagnostics::{Severity, SourceRef};
    use chrono::{NaiveTime, Weekday};

    fn peak_hours() -> WindowRule {
        WindowRule {
            name: "Peak trading hours".into(),
            reason: Some("Customers are most active.".into()),
            schedule: Schedule::Weekly {
                days: vec![Weekday::Mon, Weekday::Tue, Weekday::Wed],
                start: NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
                end: NaiveTime::from_hms_opt(17, 0, 0).unwrap(),
                from: None,
                until: None,
            },
            source: SourceRef::new("portal.yaml", 40, 5),
        }
    }

    #[test]
    fn weekly_freeze_across_the_dst_change() {
        let mut c = content();
        c.portal.freezes = vec![peak_hours()];
        // Mon 2026-10-26 (winter time): 08:30–09:30 local is 07:30–08:30 UTC: overlaps 09:00.
        let winter = release("payments", "2.4.0", utc(2026, 10, 26, 7, 30), 60);
        // Mon 2026-10-19 (summer time): 07:30–08:30 UTC is 09:30 local: inside the freeze.
        let summer = release("payments", "2.3.0", utc(2026, 10, 19, 7, 30), 60);
        // Mon 2026-10-26 06:30–07:30 UTC is 07:30–08:30 local: before the freeze.
        let early = release("search", "1.0.0", utc(2026, 10, 26, 6, 30), 60);
        // The same UTC time a week earlier (summer) is 08:30–09:30 local: overlaps.
        let early_summer = release("search", "0.9.0", utc(2026, 10, 19, 6, 30), 60);
        c.releases = vec![early_summer, summer, early, winter];
        let found = conflicts(&c);
        let versions: Vec<_> = found.iter().map(|d| d.at.file.clone()).collect();
        assert_eq!(found.len(), 3, "{found:#?}");
        assert!(!versions.contains(&"releases/search-1.0.0.md".into()));
        assert!(found.iter().all(Diagnostic::is_error));
        let first = &found[0];
        assert_eq!(first.field.as_deref(), Some("window.start"));
        assert!(first.message.contains("\"Peak trading hours\""));
        assert!(first.message.contains("portal.yaml:40:5"));
        assert!(first.message.contains("Monday 2026-10-19"));
        assert!(first.help.is_some());
    }

    #[test]
    fn approved_emergencies_and_cancelled_releases_are_exempt() {
        let mut c = content();
        c.portal.freezes = vec![peak_hours()];
        let start = utc(2026, 12, 7, 10, 0); // Monday 11:00 Berlin
        let mut emergency = release("payments", "2.4.1", start, 30);
        emergency.kind = ReleaseType::Emergency;
        emergency.approvals = vec![Approval {
            role: "cto".into(),
            by: "amara".into(),
            at: start,
            ticket: None,
        }];
        let mut unapproved = release("payments", "2.4.2", start, 30);
        unapproved.kind = ReleaseType::Emergency;
        let mut cancelled = release("payments", "2.5.0", start, 30);
        cancelled.status = ReleaseStatus::Cancelled;
        c.releases = vec![emergency, unapproved, cancelled];
        let found = conflicts(&c);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].severity, Severity::Error);
        assert!(found[0].help.as_deref().unwrap_or("").contains("approval"));
    }

    #[test]
    fn one_off_freeze() {
        let mut c = content();
        c.portal.freezes = vec![WindowRule {
            name: "Year-end freeze".into(),
            reason: None,
            schedule: Schedule::Once {
                start: utc(2026, 12, 17, 23, 0),
                end: utc(2027, 1, 3, 23, 0),
            },
            source: SourceRef::new("portal.yaml", 12, 5),
        }];
        // Starts before the freeze and runs into it.
        let into = release("ledger", "3.1.0", utc(2026, 12, 17, 22, 0), 120);
        let after = release("ledger", "3.2.0", utc(2027, 1, 3, 23, 0), 60);
        c.releases = vec![into, after];
        let found = conflicts(&c);
        assert_eq!(found.len(), 1);
        assert!(found[0]
            .message
            .contains("2026-12-18 00:00 – 2027-01-04 00:00"));
    }

    #[test]
    fn overlapping_dependencies_warn_on_the_dependent_release() {
        let mut c = content();
        let start = utc(2026, 12, 6, 1, 0);
        let ledger = release("ledger", "3.1.0", start, 90);
        let mut payments = release("payments", "2.4.0", utc(2026, 12, 6, 2, 0), 60);
        payments.depends_on = vec![Dependency {
            system: "ledger".into(),
            requirement: semver::VersionReq::parse(">=3.1.0").unwrap(),
            source: SourceRef::new("releases/payments-2.4.0.md", 20, 11),
        }];
        let unrelated = release("search", "1.0.0", start, 90);
        let later = release("ledger", "3.2.0", utc(2026, 12, 6, 3, 0), 60);
        c.releases = vec![ledger, unrelated, payments, later];
        let found = conflicts(&c);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(found[0].severity, Severity::Warning);
        assert_eq!(
            found[0].at.file,
            std::path::PathBuf::from("releases/payments-2.4.0.md")
        );
        assert!(found[0].message.contains("ledger 3.1.0"));
    }
}
