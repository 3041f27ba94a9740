//! The home page: what is in progress, next and recent; freezes; rollback runbooks.

use chrono::{DateTime, Datelike, Utc};
use serde::Serialize;

use super::*;
use crate::calendar::windows::{occurrences, Span};
use crate::content::{Content, ReleaseStatus, Schedule, WindowRule};
use crate::model::live;

#[derive(Debug, Clone, Serialize)]
pub struct HomePage {
    pub in_progress: Vec<ReleaseSummary>,
    pub next: Vec<ReleaseSummary>,
    pub recent: Vec<ReleaseSummary>,
    /// When each list is empty (`data-live-on` of its "nothing" line) and whether it is at
    /// the build's "now".
    pub in_progress_none: EmptyLine,
    pub next_none: EmptyLine,
    pub recent_none: EmptyLine,
    pub rollbacks: Vec<SystemRollback>,
    pub freezes: Vec<WindowView>,
    pub on_call: Vec<OnCallNow>,
}

/// The "nothing here" line of a list the live layer filters.
#[derive(Debug, Clone, Serialize)]
pub struct EmptyLine {
    pub on: String,
    pub shown: bool,
}

impl EmptyLine {
    fn of(list: &[(ReleaseSummary, Vec<Spans>)]) -> Self {
        let spans: Vec<Spans> = list.iter().flat_map(|(_, s)| s.clone()).collect();
        EmptyLine {
            on: live::none_of(&spans),
            shown: list.iter().all(|(r, _)| !r.shown),
        }
    }
}

type Spans = (DateTime<Utc>, DateTime<Utc>);

#[derive(Debug, Clone, Serialize)]
pub struct WindowView {
    pub name: String,
    pub reason: Option<String>,
    pub when: String,
    /// "freeze" or "maintenance".
    pub kind: &'static str,
    pub in_force: bool,
    /// Occurrences from a day before the build to the data's end (`data-live-on`).
    pub on: String,
    /// "starts in 3 days" / "started ..., ends in ..." at the build's "now".
    pub relative: String,
}

/// A rotation and who holds it: everyone with a shift in the embedded span, the one on
/// call at the build's "now" shown, the others hidden until their shifts (live layer).
#[derive(Debug, Clone, Serialize)]
pub struct OnCallNow {
    pub rotation: String,
    pub rotation_name: String,
    pub people: Vec<live::OnCallPerson>,
}

pub(super) fn home(
    content: &Content,
    summaries: &[ReleaseSummary],
    clock: Clock,
    now: DateTime<Utc>,
) -> HomePage {
    let lists = ReleaseLists::new(content, summaries, now);
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
    let strip =
        |list: Vec<(ReleaseSummary, Vec<Spans>)>| list.into_iter().map(|(r, _)| r).collect();
    HomePage {
        in_progress_none: EmptyLine::of(&lists.in_progress),
        next_none: EmptyLine::of(&lists.next),
        recent_none: EmptyLine::of(&lists.recent),
        in_progress: strip(lists.in_progress),
        next: strip(lists.next),
        recent: strip(lists.recent),
        rollbacks: content
            .systems
            .iter()
            .map(|s| SystemRollback::new(content, s))
            .collect(),
        freezes,
        on_call: on_call_now(content, now),
    }
}

/// "In progress now", "Next releases" and "Recently released", each entry with when it
/// belongs in its list, so the live layer can move releases between lists as time passes.
/// The build's "now" decides what shows without JavaScript.
pub(super) struct ReleaseLists {
    pub in_progress: Vec<(ReleaseSummary, Vec<Spans>)>,
    pub next: Vec<(ReleaseSummary, Vec<Spans>)>,
    pub recent: Vec<(ReleaseSummary, Vec<Spans>)>,
}

/// How many releases a home list shows at a time.
const LIST_LENGTH: usize = 8;

impl ReleaseLists {
    pub(super) fn new(content: &Content, summaries: &[ReleaseSummary], now: DateTime<Utc>) -> Self {
        let (forever, dawn) = (far_future(), DateTime::<Utc>::UNIX_EPOCH);
        let entry = |summary: &ReleaseSummary, spans: Vec<Spans>| {
            (summary.shown_during(&spans, now), spans)
        };
        // Past the embedded data the live layer leaves the page as built, so a window that
        // starts after it can never show as in progress: embedding it only weighs the page
        // down (thousands of planned releases at 10,000).
        let horizon = live::data_until(now);
        let mut in_progress = Vec::new();
        let mut next = Vec::new();
        let mut recent = Vec::new();
        for (release, summary) in content.releases.iter().zip(summaries) {
            let (start, end) = (release.window.start, release.window.end);
            match release.status {
                // Under way until someone sets the status, overdue or not.
                ReleaseStatus::InProgress => {
                    in_progress.push(entry(summary, vec![(dawn, forever)]))
                }
                ReleaseStatus::Planned | ReleaseStatus::Approved => {
                    if end > now && start < horizon {
                        in_progress.push(entry(summary, vec![(start, end)]));
                    }
                    // Next before its window; after it, still listed, as overdue.
                    next.push(entry(summary, vec![(dawn, start), (end, forever)]));
                }
                status if status.has_shipped() => {
                    recent.push(entry(summary, vec![(start, forever)]))
                }
                _ => {}
            }
        }
        // Releases are in window order: "next" keeps the overdue and the first upcoming ones,
        // "recent" the latest that have started plus any still ahead.
        let keep_from = next
            .iter()
            .filter(|(r, _)| r.start_ms > now.timestamp_millis())
            .nth(LIST_LENGTH)
            .map(|(r, _)| r.start_ms);
        next.retain(|(r, _)| keep_from.is_none_or(|limit| r.start_ms < limit));
        recent.reverse();
        let started = recent.iter().filter(|(r, _)| r.shown).count();
        let ahead = recent.len() - started;
        recent.truncate(ahead + started.min(LIST_LENGTH));
        ReleaseLists {
            in_progress,
            next,
            recent,
        }
    }
}

/// The end of open intervals (see `live::FOREVER`).
fn far_future() -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp_millis(crate::model::live::FOREVER)
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
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
    let range = Span::new(now - chrono::Duration::days(1), live::data_until(now));
    let spans: Vec<_> = occurrences(&rule.schedule, clock.zone, range)
        .into_iter()
        .map(|s| (s.start, s.end))
        .collect();
    WindowView {
        name: rule.name.clone(),
        reason: rule.reason.clone(),
        when,
        kind,
        in_force,
        on: live::intervals(&spans),
        relative: live::window_text(&spans, now),
    }
}

pub(super) fn on_call_now(content: &Content, now: DateTime<Utc>) -> Vec<OnCallNow> {
    content
        .rotations
        .iter()
        .filter_map(|r| {
            let people = live::on_call(content, r, now);
            (!people.is_empty()).then(|| OnCallNow {
                rotation: r.id.clone(),
                rotation_name: r.name.clone(),
                people,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::testutil::{content, release, utc};

    fn lists(now: DateTime<Utc>) -> HomePage {
        let mut c = content();
        let mut shipped = release("payments", "1.0.0", utc(2026, 11, 20, 9, 0), 60);
        shipped.status = ReleaseStatus::Released;
        let mut stuck = release("payments", "1.1.0", utc(2026, 11, 25, 9, 0), 60);
        stuck.status = ReleaseStatus::InProgress;
        let ahead = release("payments", "1.2.0", utc(2026, 12, 3, 9, 0), 60);
        c.releases = vec![shipped, stuck, ahead];
        home_of(&c, now)
    }

    /// The home page of `c` at `now`.
    fn home_of(c: &Content, now: DateTime<Utc>) -> HomePage {
        let clock = Clock {
            zone: c.portal.timezone,
        };
        let summaries: Vec<ReleaseSummary> = c
            .releases
            .iter()
            .map(|r| ReleaseSummary::new(c, r, clock, now))
            .collect();
        home(c, &summaries, clock, now)
    }

    fn shown(list: &[ReleaseSummary]) -> Vec<&str> {
        list.iter()
            .filter(|r| r.shown)
            .map(|r| r.version.as_str())
            .collect()
    }

    #[test]
    fn releases_move_between_the_lists_with_their_windows() {
        let before = lists(utc(2026, 12, 1, 12, 0));
        assert_eq!(shown(&before.in_progress), ["1.1.0"]);
        assert_eq!(shown(&before.next), ["1.2.0"]);
        assert_eq!(shown(&before.recent), ["1.0.0"]);
        assert!(!before.in_progress_none.shown);
        // The in-progress release ended more than 12 h ago: overdue; the approved one not yet.
        assert!(before.in_progress[0].overdue);
        assert!(!before.next[0].overdue);
        // The approved one is listed as in progress during its window (hidden at the build),
        // and each list entry carries the instants it holds between.
        let window = format!(
            "{} {}",
            utc(2026, 12, 3, 9, 0).timestamp_millis(),
            utc(2026, 12, 3, 10, 0).timestamp_millis()
        );
        let during = before.in_progress.iter().find(|r| r.version == "1.2.0");
        assert_eq!(during.and_then(|r| r.on.clone()), Some(window));
        assert_eq!(during.map(|r| r.shown), Some(false));
        // After its window it is still "next", and overdue.
        let after = lists(utc(2026, 12, 3, 10, 30));
        assert_eq!(shown(&after.next), ["1.2.0"]);
        assert!(after.next[0].overdue);
        assert!(!after
            .in_progress
            .iter()
            .any(|r| r.version == "1.2.0" && r.shown));
    }

    #[test]
    fn windows_past_the_embedded_data_are_not_embedded_as_in_progress() {
        let mut c = content();
        let now = utc(2026, 11, 25, 12, 0);
        let horizon = live::data_until(now);
        c.releases = vec![
            release(
                "payments",
                "1.0.0",
                horizon - chrono::Duration::hours(2),
                60,
            ),
            release(
                "payments",
                "1.1.0",
                horizon + chrono::Duration::hours(1),
                60,
            ),
        ];
        let page = home_of(&c, now);
        let during: Vec<&str> = page
            .in_progress
            .iter()
            .map(|r| r.version.as_str())
            .collect();
        assert_eq!(during, ["1.0.0"], "the later window could never show");
        assert_eq!(shown(&page.next), ["1.0.0", "1.1.0"], "both are next");
    }

    #[test]
    fn an_empty_list_says_so_exactly_when_nothing_in_it_holds() {
        let page = lists(utc(2026, 12, 1, 12, 0));
        let dawn = DateTime::<Utc>::UNIX_EPOCH;
        let start = utc(2026, 11, 20, 9, 0).timestamp_millis();
        // "Nothing released yet" holds until the first shipped release's window starts.
        assert_eq!(
            page.recent_none.on,
            format!("{} {start}", dawn.timestamp_millis())
        );
        assert!(!page.recent_none.shown);
    }
}
