//! The calendar's upcoming lists as rolling lists (see `calendar::rolling`): the page lists
//! the next entries at its build and embeds the ones after them, each shown by the live
//! layer from when it becomes one of the next `length`, so the list read days later is not
//! all entries that have ended. An entry that has ended stays listed (struck through) until
//! the end of its day, as on the page built that day.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use super::time;
use crate::calendar::rolling::{far_future, intervals, none_of, rolling, LaterLine};

/// A line under a list that the live layer shows during `on` (`data-live-on`).
#[derive(Debug, Clone, Serialize)]
pub struct LiveLine {
    pub on: String,
    /// Whether it holds at the build's "now" (shown without JavaScript).
    pub shown: bool,
}

/// The lines under a rolling list: at most one holds at any moment.
#[derive(Debug, Clone, Serialize)]
pub struct ListLines {
    /// "More ... later: see the months": while entries after the listed ones exist and
    /// the page still has them to show.
    pub more: Option<LiveLine>,
    /// Once the entries the page embeds run out: later ones are not on this page.
    pub later: Option<LaterLine>,
    /// Nothing listed and nothing left out: nothing is planned.
    pub none: LiveLine,
}

/// An entry of a rolled list: when it shows (`data-live-on`) and whether it does at the
/// build's "now".
pub(super) struct Rolled<T> {
    pub item: T,
    pub on: String,
    pub shown: bool,
}

/// Rolls `items` (each with its start and end, in start order, none ended before the day of
/// `now`): the ones started by `now` and the next `length` show as built, later ones join
/// as earlier ones start, up to `cover_until` and at most `cap` of them.
pub(super) fn roll<T>(
    items: Vec<(T, DateTime<Utc>, DateTime<Utc>)>,
    now: DateTime<Utc>,
    zone: Tz,
    (length, cap): (usize, usize),
    cover_until: DateTime<Utc>,
) -> (Vec<Rolled<T>>, ListLines) {
    let dawn = DateTime::<Utc>::UNIX_EPOCH;
    let started = items
        .iter()
        .take_while(|(_, start, _)| *start <= now)
        .count();
    let starts: Vec<_> = items[started..]
        .iter()
        .map(|(_, start, _)| *start)
        .collect();
    let roll = rolling(&starts, length, cap, cover_until);
    // The last moment an entry joins while the page still lists more after it.
    let more_until = roll.later.or_else(|| {
        (starts.len() > length)
            .then(|| roll.appears.last().copied())
            .flatten()
    });
    let appears = std::iter::repeat_n(dawn, started).chain(roll.appears);
    let mut spans = Vec::new();
    let rolled = items
        .into_iter()
        .zip(appears)
        .map(|((item, _, end), appears)| {
            let span = (appears, end_of_day(end, zone));
            spans.push(span);
            Rolled {
                item,
                on: intervals(&[span]),
                shown: span.0 <= now && now < span.1,
            }
        })
        .collect::<Vec<_>>();
    let later = roll.later.map(|from| (from, far_future()));
    let lines = ListLines {
        more: more_until.map(|until| LiveLine {
            on: intervals(&[(dawn, until)]),
            shown: now < until,
        }),
        later: roll.later.map(|from| LaterLine::new(from, now, zone)),
        none: LiveLine {
            on: none_of(&spans.iter().copied().chain(later).collect::<Vec<_>>()),
            shown: !rolled.iter().any(|r| r.shown),
        },
    };
    (rolled, lines)
}

/// The first midnight (in `zone`) at or after `end`: an entry that ended stays listed until
/// then, like on a page built that day ("from today on").
fn end_of_day(end: DateTime<Utc>, zone: Tz) -> DateTime<Utc> {
    let day = time::to_local(end, zone).date();
    let midnight = time::start_of_day(day, zone);
    if midnight >= end {
        return midnight;
    }
    day.succ_opt()
        .map_or_else(far_future, |next| time::start_of_day(next, zone))
}
