//! The home page: what is in progress, next and recent; freezes; rollback runbooks.

use chrono::{DateTime, Datelike, Utc};
use serde::Serialize;

use super::*;
use crate::calendar::rolling::{far_future, rolling, LaterLine};
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
    /// Once the upcoming releases the page embeds run out (a page read long after its
    /// build, at a portal with many releases).
    pub next_later: Option<LaterLine>,
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
        EmptyLine::of_with(list, None)
    }

    /// The line of `list`, also hidden during `other` (when another line speaks).
    fn of_with(list: &[(ReleaseSummary, Vec<Spans>)], other: Option<Spans>) -> Self {
        let spans: Vec<Spans> = list
            .iter()
            .flat_map(|(_, s)| s.clone())
            .chain(other)
            .collect();
        EmptyLine {
            on: live::none_of(&spans),
            shown: list.iter().all(|(r, _)| !r.shown),
        }
    }
}

type Spans = (DateTime<Utc>, DateTime<Utc>);

/// A list entry and the spans it shows during (`data-live-on`).
type Listed = (ReleaseSummary, Vec<Spans>);

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
    let cover_until = live::covered_until(now, content.portal.stale_after_hours);
    let lists = ReleaseLists::new(content, summaries, now, cover_until);
    let freezes = content
        .portal
        .freezes
        .iter()
        .filter(|f| not_over(f, now))
        .map(|f| window_view(f, "freeze", clock, now))
        .chain(
            content
                .portal
                .maintenance_windows
                .iter()
                .filter(|m| not_over(m, now))
                .map(|m| window_view(m, "maintenance", clock, now)),
        )
        .collect();
    let strip =
        |list: Vec<(ReleaseSummary, Vec<Spans>)>| list.into_iter().map(|(r, _)| r).collect();
    let later = lists.next_later.map(|from| (from, far_future()));
    HomePage {
        in_progress_none: EmptyLine::of(&lists.in_progress),
        // "No releases are planned" is not true while releases left out are due.
        next_none: EmptyLine::of_with(&lists.next, later),
        next_later: later.map(|(from, _)| LaterLine::new(from, now, clock.zone)),
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
    /// From when "next" lacks releases it left out (see [`next_releases`]).
    pub next_later: Option<DateTime<Utc>>,
    pub recent: Vec<(ReleaseSummary, Vec<Spans>)>,
}

/// How many releases a home list shows at a time.
const LIST_LENGTH: usize = 8;

/// The most upcoming releases "Next releases" embeds (about 20 KB of HTML): enough for a
/// week and more at 10,000 releases (2-3 a day), so a page read days after its build still
/// lists what is next, while the home page stays small.
const NEXT_EMBEDDED: usize = 40;

impl ReleaseLists {
    pub(super) fn new(
        content: &Content,
        summaries: &[ReleaseSummary],
        now: DateTime<Utc>,
        cover_until: DateTime<Utc>,
    ) -> Self {
        let (forever, dawn) = (far_future(), DateTime::<Utc>::UNIX_EPOCH);
        let entry = |summary: &ReleaseSummary, spans: Vec<Spans>| {
            (summary.shown_during(&spans, now), spans)
        };
        // Past the embedded data the live layer leaves the page as built, so a window that
        // starts after it can never show as in progress: embedding it only weighs the page
        // down (thousands of planned releases at 10,000).
        let horizon = live::data_until(now);
        let mut in_progress = Vec::new();
        let mut planned = Vec::new();
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
                    planned.push((summary, start, end));
                }
                status if status.has_shipped() => {
                    recent.push(entry(summary, vec![(start, forever)]))
                }
                _ => {}
            }
        }
        let (next, next_later) = next_releases(&planned, now, cover_until, entry);
        // Releases are in window order: "recent" keeps the latest that have started plus any
        // still ahead.
        recent.reverse();
        let started = recent.iter().filter(|(r, _)| r.shown).count();
        let ahead = recent.len() - started;
        recent.truncate(ahead + started.min(LIST_LENGTH));
        ReleaseLists {
            in_progress,
            next,
            next_later,
            recent,
        }
    }
}

/// "Next releases": every planned or approved release whose window started by `now` (shown
/// again after its window, as overdue), and the upcoming ones as a rolling list: the k-th
/// upcoming release appears when the one `LIST_LENGTH` places before it starts, so the live
/// layer always shows the next `LIST_LENGTH`, however late the page is read. Upcoming
/// releases are embedded until `cover_until` (the moment the page says it is old) and at
/// most `NEXT_EMBEDDED` of them; the second value is when the list stops being whole, if
/// releases are left out, for the line that says so.
fn next_releases(
    planned: &[(&ReleaseSummary, DateTime<Utc>, DateTime<Utc>)],
    now: DateTime<Utc>,
    cover_until: DateTime<Utc>,
    entry: impl Fn(&ReleaseSummary, Vec<Spans>) -> Listed,
) -> (Vec<Listed>, Option<DateTime<Utc>>) {
    let (forever, dawn) = (far_future(), DateTime::<Utc>::UNIX_EPOCH);
    let (started, upcoming): (Vec<_>, Vec<_>) =
        planned.iter().partition(|(_, start, _)| *start <= now);
    let mut next: Vec<_> = started
        .into_iter()
        .map(|(summary, start, end)| entry(summary, vec![(dawn, start), (end, forever)]))
        .collect();
    let starts: Vec<_> = upcoming.iter().map(|(_, start, _)| *start).collect();
    let roll = rolling(&starts, LIST_LENGTH, NEXT_EMBEDDED, cover_until);
    for ((summary, start, end), appears) in upcoming.iter().zip(roll.appears) {
        next.push(entry(summary, vec![(appears, *start), (*end, forever)]));
    }
    (next, roll.later)
}

/// Whether a freeze or maintenance window is in force or still ahead at `now`: the home
/// page lists those only (a portal keeps its past year-end freezes in portal.yaml, and the
/// list would grow every year). A weekly window always comes again.
fn not_over(rule: &WindowRule, now: DateTime<Utc>) -> bool {
    match &rule.schedule {
        Schedule::Once { end, .. } => *end > now,
        Schedule::Weekly { .. } => true,
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

    /// Whether `on` (`data-live-on`: "start end start end ...", Unix millis) holds `at`.
    fn holds(on: &str, at: DateTime<Utc>) -> bool {
        let ms: Vec<i64> = on.split(' ').filter_map(|n| n.parse().ok()).collect();
        let at = at.timestamp_millis();
        ms.chunks(2).any(|pair| pair[0] <= at && at < pair[1])
    }

    /// The releases "Next releases" shows at `at`, as the live layer decides.
    fn next_at(page: &HomePage, at: DateTime<Utc>) -> Vec<String> {
        page.next
            .iter()
            .filter(|r| r.on.as_deref().is_some_and(|on| holds(on, at)))
            .map(|r| r.version.clone())
            .collect()
    }

    /// 40 planned releases of payments, one a day at 09:00 from 1 Dec 2026: 1.0.0, 1.1.0, ...
    fn daily_releases(stale_after_hours: u32) -> Content {
        let mut c = content();
        c.portal.stale_after_hours = stale_after_hours;
        c.releases = (0..40)
            .map(|day| {
                let start = utc(2026, 12, 1, 9, 0) + chrono::Duration::days(day);
                release("payments", &format!("1.{day}.0"), start, 60)
            })
            .collect();
        c
    }

    #[test]
    fn next_releases_roll_on_as_the_page_is_read_later() {
        let now = utc(2026, 11, 30, 12, 0);
        let page = home_of(&daily_releases(24 * 7), now);
        let versions = |days: std::ops::Range<i64>| -> Vec<String> {
            days.map(|d| format!("1.{d}.0")).collect()
        };
        assert_eq!(shown(&page.next), versions(0..8), "as built");
        // Five days on: the five whose windows passed are overdue (still planned), and the
        // next eight follow them.
        let later = next_at(&page, utc(2026, 12, 5, 12, 0));
        assert_eq!(later, versions(0..13));
        // During 1.4.0's window it is in progress, not next.
        let during = next_at(&page, utc(2026, 12, 5, 9, 30));
        assert!(!during.contains(&"1.4.0".to_owned()), "{during:?}");
        assert_eq!(during.len(), 4 + 8, "{during:?}");
        // Every upcoming release within the week the page is fresh is embedded, and eight
        // more; nothing is left out that the week needs, so no "later" line until then.
        assert_eq!(page.next.len(), 7 + 8);
        let later_line = page.next_later.as_ref().expect("releases left out");
        assert!(!later_line.shown);
        // The 16th upcoming release, left out, would have joined the list when the 8th
        // started (8 Dec, 09:00): from then the line says releases are missing.
        assert!(holds(&later_line.on, utc(2026, 12, 8, 9, 0)));
        assert!(!holds(&later_line.on, utc(2026, 12, 8, 8, 59)));
        assert!(
            !holds(&page.next_none.on, utc(2026, 12, 20, 0, 0)),
            "never \"no releases are planned\" while some are left out"
        );
    }

    #[test]
    fn next_releases_embed_a_bounded_number_and_all_when_few() {
        let now = utc(2026, 11, 30, 12, 0);
        // Fresh for a year: at most NEXT_EMBEDDED upcoming releases are embedded.
        let page = home_of(&daily_releases(24 * 365), now);
        assert_eq!(page.next.len(), NEXT_EMBEDDED);
        // Few releases: all of them, and no line about releases left out.
        let mut c = daily_releases(24);
        c.releases.truncate(5);
        let page = home_of(&c, now);
        assert_eq!(page.next.len(), 5);
        assert!(page.next_later.is_none());
    }

    #[test]
    fn ended_freezes_are_not_listed_and_weekly_ones_always_are() {
        let mut c = content();
        let freeze = |name: &str, schedule: Schedule| WindowRule {
            name: name.to_owned(),
            reason: None,
            schedule,
            source: crate::diagnostics::SourceRef::new("portal.yaml", 1, 1),
        };
        c.portal.freezes = vec![
            freeze(
                "Year-end 2025",
                Schedule::Once {
                    start: utc(2025, 12, 20, 0, 0),
                    end: utc(2026, 1, 3, 0, 0),
                },
            ),
            freeze(
                "Year-end 2026",
                Schedule::Once {
                    start: utc(2026, 12, 20, 0, 0),
                    end: utc(2027, 1, 3, 0, 0),
                },
            ),
            freeze(
                "Fridays",
                Schedule::Weekly {
                    days: vec![chrono::Weekday::Fri],
                    start: chrono::NaiveTime::from_hms_opt(12, 0, 0).unwrap(),
                    end: chrono::NaiveTime::from_hms_opt(23, 59, 0).unwrap(),
                    from: None,
                    until: None,
                },
            ),
        ];
        let page = home_of(&c, utc(2026, 12, 25, 12, 0));
        let names: Vec<&str> = page.freezes.iter().map(|w| w.name.as_str()).collect();
        assert_eq!(names, ["Year-end 2026", "Fridays"]);
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
