//! The home page: what is in progress, next and recent; freezes; rollback runbooks.

use chrono::{DateTime, Datelike, Utc};
use serde::Serialize;

use super::*;
use crate::content::{Content, Release, ReleaseStatus, Schedule, WindowRule};

#[derive(Debug, Clone, Serialize)]
pub struct HomePage {
    pub in_progress: Vec<ReleaseSummary>,
    pub next: Vec<ReleaseSummary>,
    pub recent: Vec<ReleaseSummary>,
    pub rollbacks: Vec<SystemRollback>,
    pub freezes: Vec<WindowView>,
    pub on_call: Vec<OnCallNow>,
}

#[derive(Debug, Clone, Serialize)]
pub struct WindowView {
    pub name: String,
    pub reason: Option<String>,
    pub when: String,
    /// "freeze" or "maintenance".
    pub kind: &'static str,
    pub in_force: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct OnCallNow {
    pub rotation: String,
    pub rotation_name: String,
    pub person: PersonView,
}

pub(super) fn home(
    content: &Content,
    summaries: &[ReleaseSummary],
    clock: Clock,
    now: DateTime<Utc>,
) -> HomePage {
    let releases = &content.releases;
    let pick = |keep: &dyn Fn(&Release) -> bool| -> Vec<ReleaseSummary> {
        releases
            .iter()
            .zip(summaries)
            .filter(|(r, _)| keep(r))
            .map(|(_, s)| s.clone())
            .collect()
    };
    let in_progress = pick(&|r| r.status == ReleaseStatus::InProgress);
    let next: Vec<_> = pick(&|r| {
        matches!(r.status, ReleaseStatus::Planned | ReleaseStatus::Approved) && r.window.end >= now
    })
    .into_iter()
    .take(8)
    .collect();
    let mut recent = pick(&|r| r.status.has_shipped() && r.window.start <= now);
    recent.reverse();
    recent.truncate(8);
    let freezes = content
        .portal
        .freezes
        .iter()
        .map(|f| window_view(f, "freeze", clock, now))
        .chain(
            content
                .portal
                .maintenance_windows
                .iter()
                .map(|m| window_view(m, "maintenance", clock, now)),
        )
        .filter(|w| w.kind == "maintenance" || !w.when.is_empty())
        .collect();
    HomePage {
        in_progress,
        next,
        recent,
        rollbacks: content
            .systems
            .iter()
            .map(|s| SystemRollback::new(content, s))
            .collect(),
        freezes,
        on_call: on_call_now(content, now),
    }
}

pub(super) fn window_view(
    rule: &WindowRule,
    kind: &'static str,
    clock: Clock,
    now: DateTime<Utc>,
) -> WindowView {
    let (when, in_force) = match &rule.schedule {
        Schedule::Once { start, end } => (clock.range(*start, *end), *start <= now && now < *end),
        Schedule::Weekly {
            days, start, end, ..
        } => {
            let names: Vec<String> = days.iter().map(|d| d.to_string()).collect();
            let local = now.with_timezone(&clock.zone);
            let today =
                days.contains(&local.weekday()) && local.time() >= *start && local.time() < *end;
            (
                format!(
                    "Every {} {}–{}",
                    names.join(", "),
                    start.format("%H:%M"),
                    end.format("%H:%M")
                ),
                today,
            )
        }
    };
    WindowView {
        name: rule.name.clone(),
        reason: rule.reason.clone(),
        when,
        kind,
        in_force,
    }
}

pub(super) fn on_call_now(content: &Content, now: DateTime<Utc>) -> Vec<OnCallNow> {
    content
        .rotations
        .iter()
        .filter_map(|r| {
            let person = on_call_at(r, content.portal.timezone, now)?;
            Some(OnCallNow {
                rotation: r.id.clone(),
                rotation_name: r.name.clone(),
                person: PersonView::lookup(content, &person),
            })
        })
        .collect()
}

/// Who holds `rotation` at `at`: the calendar's shift schedule, overrides applied
/// (handoffs keep their local time across DST); nobody before the rotation starts.
pub(super) fn on_call_at(
    rotation: &crate::content::Rotation,
    zone: chrono_tz::Tz,
    at: DateTime<Utc>,
) -> Option<String> {
    crate::calendar::oncall::holder_at(rotation, zone, at).map(|shift| shift.person)
}
