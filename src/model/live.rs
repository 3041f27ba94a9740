//! Live data: what the client runtime's live layer needs to recompute a page's now-facts in
//! the browser, as UTC instants (never rules), so the browser needs no time-zone database.
//!
//! Every time-dependent element of a page carries the intervals during which it holds
//! (`data-live-on="start end ..."`, Unix milliseconds); the page's frame says when it was
//! built, when it turns stale and how far the embedded data reaches (the last embedded on-call
//! shift). This module computes those values; templates only print them. It never reads the
//! clock: "now" is the build's input.

use chrono::{DateTime, Duration, Offset, TimeZone, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use super::schedule::ON_CALL_WEEKS;
use super::views::PersonView;
use crate::calendar::oncall;
use crate::content::{Content, Rotation};

pub use crate::calendar::rolling::{intervals, none_of, FOREVER};

/// The page's frame, printed on `[data-live-status]`.
#[derive(Debug, Clone, Serialize)]
pub struct LiveFrame {
    /// Build time, Unix millis.
    pub built: i64,
    /// From this instant the build is older than `stale_after_hours`.
    pub stale: i64,
    /// The embedded data covers instants before this one.
    pub until: i64,
    /// The portal's UTC offset over the embedded span: `from minutes-east from minutes-east`.
    pub offsets: String,
}

impl LiveFrame {
    pub fn new(now: DateTime<Utc>, zone: Tz, stale_after_hours: u32) -> Self {
        let until = data_until(now);
        LiveFrame {
            built: now.timestamp_millis(),
            stale: stale_from(now, stale_after_hours).timestamp_millis(),
            until: until.timestamp_millis(),
            offsets: offsets(zone, now - Duration::days(1), until + Duration::days(1)),
        }
    }
}

impl LiveFrame {
    /// A frame with no moment in it, for what must not depend on the build moment (a
    /// page's fingerprint, see `commands::build`).
    pub fn timeless() -> Self {
        LiveFrame {
            built: 0,
            stale: 0,
            until: 0,
            offsets: String::new(),
        }
    }
}

/// The moment a page built at `now` turns old: `stale_after_hours` later.
pub fn stale_from(now: DateTime<Utc>, stale_after_hours: u32) -> DateTime<Utc> {
    now.checked_add_signed(Duration::hours(i64::from(stale_after_hours)))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// The moment a page built at `now` says it is old, and at the latest the end of its
/// embedded data: how far its rolling lists of upcoming releases reach.
pub fn covered_until(now: DateTime<Utc>, stale_after_hours: u32) -> DateTime<Utc> {
    stale_from(now, stale_after_hours).min(data_until(now))
}

/// How far the embedded data reaches: the on-call tables' horizon. Every rotation's shifts
/// overlapping `[now, until)` are embedded, so the holder of any instant before it is known.
pub fn data_until(now: DateTime<Utc>) -> DateTime<Utc> {
    now + Duration::weeks(i64::from(ON_CALL_WEEKS))
}

/// The zone's offsets from `from` to `to`: the first, then every change (scanned every 15
/// minutes, the finest step any zone uses).
fn offsets(zone: Tz, from: DateTime<Utc>, to: DateTime<Utc>) -> String {
    let offset_at = |t: DateTime<Utc>| {
        zone.offset_from_utc_datetime(&t.naive_utc())
            .fix()
            .local_minus_utc()
            / 60
    };
    let step = Duration::minutes(15);
    let mut t = from;
    let mut current = offset_at(t);
    let mut out = format!("{} {current}", t.timestamp_millis());
    while t < to {
        let next = t + step;
        let off = offset_at(next);
        if off != current {
            // The change lies in (t, next]: find the exact minute.
            let mut at = t + Duration::minutes(1);
            while offset_at(at) == current {
                at += Duration::minutes(1);
            }
            out.push_str(&format!(" {} {off}", at.timestamp_millis()));
            current = off;
        }
        t = next;
    }
    out
}

/// From `at` on, for good.
pub fn from(at: DateTime<Utc>) -> String {
    format!("{} {FOREVER}", at.timestamp_millis().max(0))
}

/// Until `at` (from the beginning of time).
pub fn until(at: DateTime<Utc>) -> String {
    format!("0 {}", at.timestamp_millis().max(0))
}

/// `[start, end)`.
type Span = (DateTime<Utc>, DateTime<Utc>);

/// One person who holds a rotation at some point in the embedded span.
#[derive(Debug, Clone, Serialize)]
pub struct OnCallPerson {
    pub person: PersonView,
    /// Their shifts, as `data-live-on`.
    pub on: String,
    /// On call at the build's "now".
    pub current: bool,
}

/// Everyone who holds `rotation` from `now` to the data's end, in order of their first
/// shift, with their shifts (from `oncall::schedule`, so overrides apply wherever it does).
pub fn on_call(content: &Content, rotation: &Rotation, now: DateTime<Utc>) -> Vec<OnCallPerson> {
    let zone = content.portal.timezone;
    let mut people: Vec<(String, Vec<Span>)> = Vec::new();
    for shift in oncall::schedule(rotation, zone, now, ON_CALL_WEEKS) {
        match people.iter_mut().find(|(id, _)| *id == shift.person) {
            Some((_, spans)) => spans.push((shift.start, shift.end)),
            None => people.push((shift.person.clone(), vec![(shift.start, shift.end)])),
        }
    }
    people
        .into_iter()
        .map(|(id, spans)| OnCallPerson {
            person: PersonView::lookup(content, &id),
            current: spans.iter().any(|(s, e)| *s <= now && now < *e),
            on: intervals(&spans),
        })
        .collect()
}

/// "2 h 10 min", "3 days", "25 min", "less than a minute" (the live layer writes the same).
pub fn span_text(span: Duration) -> String {
    let minutes = span.num_minutes().max(0);
    match minutes {
        0 => "less than a minute".to_owned(),
        m if m < 60 => format!("{m} min"),
        m if m < 48 * 60 && m % 60 == 0 => format!("{} h", m / 60),
        m if m < 48 * 60 => format!("{} h {} min", m / 60, m % 60),
        m => format!("{} days", m / (24 * 60)),
    }
}

/// "starts in 3 days", "started 10 min ago, ends in 1 h 20 min", "ended 25 min ago" for the
/// first of `spans` that has not ended at `now` (else the last); "" without spans.
pub fn window_text(spans: &[(DateTime<Utc>, DateTime<Utc>)], now: DateTime<Utc>) -> String {
    let Some((start, end)) = spans.iter().find(|(_, e)| now < *e).or(spans.last()) else {
        return String::new();
    };
    if now < *start {
        format!("starts in {}", span_text(*start - now))
    } else if now < *end {
        format!(
            "started {} ago, ends in {}",
            span_text(now - *start),
            span_text(*end - now)
        )
    } else {
        format!("ended {} ago", span_text(now - *end))
    }
}

/// "45 days ago".
pub fn ago_text(then: DateTime<Utc>, now: DateTime<Utc>) -> String {
    if then <= now {
        format!("{} ago", span_text(now - then))
    } else {
        format!("in {}", span_text(then - now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::testutil::{content, utc};

    #[test]
    fn the_stale_moment_never_overflows() {
        // The latest build moment SOURCE_DATE_EPOCH allows, and more hours than validation.
        let now = utc(9999, 12, 31, 23, 59);
        let frame = LiveFrame::new(now, Tz::UTC, u32::MAX);
        // Beyond the last date chrono knows: the frame says "stale at the end of time".
        assert_eq!(frame.stale, DateTime::<Utc>::MAX_UTC.timestamp_millis());
    }

    #[test]
    fn the_frame_covers_the_on_call_horizon_and_the_zones_offsets() {
        let c = content();
        let now = utc(2027, 3, 1, 12, 0);
        let frame = LiveFrame::new(now, c.portal.timezone, 36);
        assert_eq!(frame.built, now.timestamp_millis());
        assert_eq!(frame.stale - frame.built, 36 * 3_600_000);
        assert_eq!(frame.until, (now + Duration::weeks(12)).timestamp_millis());
        // Berlin: +60 until 2027-03-28 01:00 UTC, then +120.
        let change = utc(2027, 3, 28, 1, 0).timestamp_millis();
        assert_eq!(
            frame.offsets,
            format!(
                "{} 60 {change} 120",
                (now - Duration::days(1)).timestamp_millis()
            )
        );
    }

    #[test]
    fn on_call_people_carry_their_shifts() {
        let c = content();
        let now = utc(2026, 11, 3, 0, 0); // li's first shift (from Mon 2 Nov 10:00)
        let people = on_call(&c, &c.rotations[0], now);
        assert_eq!(people.len(), 2);
        assert_eq!(people[0].person.id, "li");
        assert!(people[0].current);
        assert!(!people[1].current);
        let first = utc(2026, 11, 2, 9, 0).timestamp_millis();
        let handoff = utc(2026, 11, 9, 9, 0).timestamp_millis();
        assert!(people[0].on.starts_with(&format!("{first} {handoff} ")));
        assert!(people[1].on.starts_with(&format!("{handoff} ")));
    }

    #[test]
    fn relative_texts_match_the_live_layers() {
        assert_eq!(span_text(Duration::seconds(30)), "less than a minute");
        assert_eq!(span_text(Duration::minutes(25)), "25 min");
        assert_eq!(span_text(Duration::minutes(130)), "2 h 10 min");
        assert_eq!(span_text(Duration::hours(3)), "3 h");
        assert_eq!(span_text(Duration::hours(73)), "3 days");
        let (s, e) = (utc(2026, 12, 6, 1, 0), utc(2026, 12, 6, 2, 30));
        assert_eq!(
            window_text(&[(s, e)], utc(2026, 12, 3, 1, 0)),
            "starts in 3 days"
        );
        assert_eq!(
            window_text(&[(s, e)], utc(2026, 12, 6, 1, 30)),
            "started 30 min ago, ends in 1 h"
        );
        assert_eq!(
            window_text(&[(s, e)], utc(2026, 12, 6, 2, 55)),
            "ended 25 min ago"
        );
        assert_eq!(ago_text(s, utc(2027, 1, 20, 1, 0)), "45 days ago");
    }

    #[test]
    fn open_intervals() {
        let at = utc(2026, 12, 6, 1, 0);
        assert_eq!(from(at), format!("{} {FOREVER}", at.timestamp_millis()));
        assert_eq!(until(at), format!("0 {}", at.timestamp_millis()));
        assert_eq!(intervals(&[]), "");
        let (a, b, c) = (
            utc(2026, 12, 1, 0, 0),
            utc(2026, 12, 2, 0, 0),
            utc(2026, 12, 3, 0, 0),
        );
        let ms = |t: DateTime<Utc>| t.timestamp_millis();
        assert_eq!(
            none_of(&[(b, c), (a, b)]),
            format!("0 {} {} {FOREVER}", ms(a), ms(c))
        );
        assert_eq!(none_of(&[]), format!("0 {FOREVER}"));
    }
}
