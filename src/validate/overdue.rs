//! Overdue statuses: releases whose `status` no longer matches the clock.
//!
//! A status is written by hand and forgotten easily; the portal then shows a release "in
//! progress" days after its window or drops a planned one that never happened. These are
//! warnings (the content is still valid), pinned to the `status:` line with the fix. `now` is
//! the build's time (`SOURCE_DATE_EPOCH` or the clock), passed in: nothing here reads it.

use chrono::{DateTime, Duration, Utc};

use crate::calendar::time;
use crate::content::{Content, Release, ReleaseStatus};
use crate::diagnostics::Diagnostic;

/// How long after its window an in-progress release may stay in progress (a rollout that
/// runs late, or a status updated the next morning) before it counts as overdue.
pub const IN_PROGRESS_GRACE_HOURS: i64 = 12;

const SETTLE: &str =
    "set `status: released` (or `rolled-back` / `cancelled`), or move the window to when it will happen";

/// One warning per release whose status is overdue at `now`.
pub fn overdue_statuses(content: &Content, now: DateTime<Utc>) -> Vec<Diagnostic> {
    content
        .releases
        .iter()
        .filter_map(|release| overdue(content, release, now))
        .collect()
}

fn overdue(content: &Content, release: &Release, now: DateTime<Utc>) -> Option<Diagnostic> {
    let window = &release.window;
    let name = format!("{} {}", release.system, release.version);
    let status = release.status.as_str();
    let ended = || {
        format!(
            "{} ({}, {})",
            time::format_local(window.end, window.timezone),
            window.timezone.name(),
            time::ago(now - window.end)
        )
    };
    let (message, help) = match release.status {
        ReleaseStatus::Planned | ReleaseStatus::Approved if window.end <= now => (
            format!("{name} is still `{status}` but its window ended {}", ended()),
            SETTLE.to_owned(),
        ),
        ReleaseStatus::InProgress
            if now - window.end > Duration::hours(IN_PROGRESS_GRACE_HOURS) =>
        {
            (
                format!("{name} is still `in-progress` but its window ended {}", ended()),
                SETTLE.to_owned(),
            )
        }
        ReleaseStatus::InProgress if starts_after_today(content, release, now) => (
            format!(
                "{name} is `in-progress` but has no window today: its window starts {} ({})",
                time::format_local(window.start, window.timezone),
                window.timezone.name()
            ),
            "set `status: approved` (or `planned`) until the window starts, or move the window to today".to_owned(),
        ),
        _ => return None,
    };
    Some(
        Diagnostic::warning(release.status_source.clone(), Some("status"), message).with_help(help),
    )
}

/// Whether the window starts on a later day than `now` (days in the portal's zone).
fn starts_after_today(content: &Content, release: &Release, now: DateTime<Utc>) -> bool {
    let zone = content.portal.timezone;
    time::to_local(release.window.start, zone).date() > time::to_local(now, zone).date()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::testutil::{content, release, utc};

    /// The example's situation: payments 2.4.0 with a window Sun 2026-12-06 02:00–03:30
    /// Berlin (01:00–02:30 UTC), checked at `now` with `status`.
    fn check(status: ReleaseStatus, now: DateTime<Utc>) -> Vec<String> {
        let mut c = content();
        let mut r = release("payments", "2.4.0", utc(2026, 12, 6, 1, 0), 90);
        r.status = status;
        c.releases.push(r);
        overdue_statuses(&c, now)
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn planned_and_approved_releases_are_overdue_once_the_window_has_ended() {
        for status in [ReleaseStatus::Planned, ReleaseStatus::Approved] {
            assert!(check(status, utc(2026, 12, 6, 2, 29)).is_empty());
            let found = check(status, utc(2026, 12, 9, 12, 0));
            assert_eq!(found.len(), 1);
            assert_eq!(
                found[0],
                format!(
                    "releases/payments-2.4.0.md: warning[status]: payments 2.4.0 is still `{}` but its window ended 2026-12-06 03:30 (Europe/Berlin, 3 days ago)\n  help: {SETTLE}",
                    status.as_str()
                )
            );
        }
    }

    #[test]
    fn in_progress_is_overdue_twelve_hours_after_the_window() {
        assert!(check(ReleaseStatus::InProgress, utc(2026, 12, 6, 1, 30)).is_empty());
        assert!(check(ReleaseStatus::InProgress, utc(2026, 12, 6, 14, 30)).is_empty());
        let found = check(ReleaseStatus::InProgress, utc(2026, 12, 6, 14, 31));
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(
            found[0].contains("payments 2.4.0 is still `in-progress` but its window ended 2026-12-06 03:30 (Europe/Berlin, 12 h ago)"),
            "{}",
            found[0]
        );
    }

    #[test]
    fn in_progress_before_the_day_of_the_window_is_a_warning() {
        // Sat 2026-12-05 23:30 Berlin: the window is tomorrow.
        let found = check(ReleaseStatus::InProgress, utc(2026, 12, 5, 22, 30));
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(
            found[0].contains("payments 2.4.0 is `in-progress` but has no window today: its window starts 2026-12-06 02:00 (Europe/Berlin)"),
            "{}",
            found[0]
        );
        assert!(found[0].contains("help: set `status: approved`"));
        // Sun 00:30 Berlin: the window is today.
        assert!(check(ReleaseStatus::InProgress, utc(2026, 12, 5, 23, 30)).is_empty());
    }

    #[test]
    fn settled_statuses_are_never_overdue() {
        let later = utc(2027, 3, 1, 0, 0);
        for status in [
            ReleaseStatus::Released,
            ReleaseStatus::RolledBack,
            ReleaseStatus::Cancelled,
        ] {
            assert!(check(status, later).is_empty());
        }
    }
}
