//! Rolling lists and the live layer's intervals: the shared rule behind the lists of
//! upcoming releases a page embeds (the home page's "Next releases", the calendar's
//! "Upcoming releases"), so a page read days after its build still lists what is next.
//!
//! A rolling list shows `length` upcoming entries at any moment: the k-th upcoming entry
//! joins the list when the one `length` places before it starts. The page embeds entries up
//! to the moment it says it is old, and at most a cap of them (the page's weight); past
//! that, a line says later entries are not on the page. Entries and lines carry when they
//! hold as `data-live-on` intervals (Unix millis), which this module also formats.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;

/// An interval end that never comes (year 2286), for facts that hold from an instant on.
pub const FOREVER: i64 = 9_999_999_999_999;

/// [`FOREVER`] as an instant.
pub fn far_future() -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp_millis(FOREVER).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// Intervals as `data-live-on` / `data-live-rel` values: `start end start end`.
pub fn intervals(spans: &[(DateTime<Utc>, DateTime<Utc>)]) -> String {
    let mut out = String::new();
    for (start, end) in spans {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&format!(
            "{} {}",
            start.timestamp_millis().max(0),
            end.timestamp_millis().max(0)
        ));
    }
    out
}

/// When none of `spans` holds (the "nothing here" line of a list the live layer filters),
/// as `data-live-on`.
pub fn none_of(spans: &[(DateTime<Utc>, DateTime<Utc>)]) -> String {
    let mut sorted = spans.to_vec();
    sorted.sort();
    let mut gaps = Vec::new();
    let mut from = DateTime::<Utc>::UNIX_EPOCH;
    for (start, end) in sorted {
        if start > from {
            gaps.push((from, start));
        }
        from = from.max(end);
    }
    let forever = far_future();
    if from < forever {
        gaps.push((from, forever));
    }
    intervals(&gaps)
}

/// The embedded part of a rolling list.
#[derive(Debug, Clone, PartialEq)]
pub struct Rolling {
    /// When each embedded entry joins the list, in list order (the epoch for the first
    /// `length`: they are on the page as built).
    pub appears: Vec<DateTime<Utc>>,
    /// From when the list lacks entries the page left out, if it left any out: the moment
    /// the first of them would have joined.
    pub later: Option<DateTime<Utc>>,
}

/// The rolling list of upcoming entries starting at `starts` (in list order, each after
/// the build's "now"): which to embed and when each joins. Entries are embedded while they
/// join before `cover_until` (the moment the page says it is old), at most `cap` of them.
pub fn rolling(
    starts: &[DateTime<Utc>],
    length: usize,
    cap: usize,
    cover_until: DateTime<Utc>,
) -> Rolling {
    let appears = |k: usize| {
        k.checked_sub(length)
            .and_then(|j| starts.get(j).copied())
            .unwrap_or(DateTime::<Utc>::UNIX_EPOCH)
    };
    let embedded = (0..starts.len())
        .take_while(|&k| k < cap && (k < length || appears(k) < cover_until))
        .count();
    Rolling {
        appears: (0..embedded).map(appears).collect(),
        later: (embedded < starts.len()).then(|| appears(embedded)),
    }
}

/// The line under a rolling list once its embedded entries run out: from `from`
/// (`data-live-on`) the list lacks entries planned later, and says so.
#[derive(Debug, Clone, Serialize)]
pub struct LaterLine {
    pub on: String,
    /// Whether it holds at the build's "now" (shown without JavaScript).
    pub shown: bool,
    /// `Sat 6 Dec 2026, 02:00 CET`
    pub from: String,
}

impl LaterLine {
    /// The line of a list built at `now` that lacks entries from `from` on.
    pub fn new(from: DateTime<Utc>, now: DateTime<Utc>, zone: Tz) -> Self {
        LaterLine {
            on: intervals(&[(from, far_future())]),
            shown: from <= now,
            from: from
                .with_timezone(&zone)
                .format("%a %-d %b %Y, %H:%M %Z")
                .to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::testutil::utc;

    /// One entry a day at 09:00 from 1 Dec 2026, `n` of them.
    fn daily(n: i64) -> Vec<DateTime<Utc>> {
        (0..n)
            .map(|d| utc(2026, 12, 1, 9, 0) + chrono::Duration::days(d))
            .collect()
    }

    #[test]
    fn each_entry_joins_when_the_one_length_places_before_it_starts() {
        let starts = daily(10);
        let roll = rolling(&starts, 3, 40, utc(2026, 12, 5, 0, 0));
        let dawn = DateTime::<Utc>::UNIX_EPOCH;
        // Three as built; then the 4th when the 1st starts, ... up to the one joining
        // before the cover ends (the 7th joins on 4 Dec, the 8th would on 5 Dec).
        assert_eq!(
            roll.appears,
            [dawn, dawn, dawn, starts[0], starts[1], starts[2], starts[3]]
        );
        assert_eq!(roll.later, Some(starts[4]));
    }

    #[test]
    fn the_cap_bounds_the_embedded_entries_and_few_entries_are_all_embedded() {
        let starts = daily(10);
        let roll = rolling(&starts, 3, 5, far_future());
        assert_eq!(roll.appears.len(), 5);
        assert_eq!(roll.later, Some(starts[2]));
        let roll = rolling(&starts[..2], 3, 5, utc(2026, 11, 30, 0, 0));
        assert_eq!(roll.appears.len(), 2);
        assert_eq!(roll.later, None);
    }

    #[test]
    fn a_later_line_holds_from_its_moment_on() {
        let now = utc(2026, 12, 1, 12, 0);
        let line = LaterLine::new(utc(2026, 12, 3, 8, 0), now, chrono_tz::Europe::Berlin);
        assert!(!line.shown);
        assert_eq!(line.from, "Thu 3 Dec 2026, 09:00 CET");
        assert_eq!(
            line.on,
            format!("{} {FOREVER}", utc(2026, 12, 3, 8, 0).timestamp_millis())
        );
    }
}
