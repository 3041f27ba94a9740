//! The live layer's logic, free of any browser API so it is unit-tested natively: which
//! instant to show the page at (the browser's clock or `?at=`), whether the embedded data
//! still covers it, which embedded intervals hold at that instant, and the relative texts
//! ("starts in 2 h 10 min", "ended 25 min ago").
//!
//! The build embeds instants, never rules: every time-dependent fact on a page is an element
//! carrying UTC millisecond intervals (`data-live-on="start end start end ..."`), computed by
//! the generator in the portal's zone. So the browser needs no time-zone database; the only
//! zone data is the portal's UTC offsets over the embedded span (`data-offsets`), used to read
//! `?at=` (written in the portal's zone) and to tell whether the viewer's zone differs.
//! Written without `format!`, `str::parse` and panicking paths to keep the module small.

use alloc::string::String;
use alloc::vec::Vec;

use crate::state::{civil_from_days, push_2, push_u64};

const MINUTE: u64 = 60_000;
const HOUR: u64 = 60 * MINUTE;
const DAY: u64 = 24 * HOUR;

/// The page's embedded frame: when it was built and how far its data reaches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// Build time, Unix millis.
    pub built: u64,
    /// From this instant on the build counts as stale (`stale_after_hours`).
    pub stale: u64,
    /// The embedded data covers instants before this one (the last embedded shift).
    pub until: u64,
    /// The portal's UTC offset: `(from millis, minutes east)`, sorted by `from`.
    pub offsets: Vec<(u64, i32)>,
}

/// What the layer does at an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Recompute the page's facts at this instant.
    Live,
    /// Recompute, but the build is older than `stale_after_hours`: say so.
    Stale,
    /// Past the embedded data: leave the static text and say the data ran out.
    Ended,
    /// Before the build: the static page is what we know; leave it.
    Early,
}

impl Frame {
    /// Reads the frame from the status element's attribute values; `None` when any is
    /// missing or malformed (then the page keeps its static text).
    pub fn parse(built: &str, stale: &str, until: &str, offsets: &str) -> Option<Frame> {
        let built = parse_u64(built)?;
        let stale = parse_u64(stale)?;
        let until = parse_u64(until)?;
        let mut pairs = Vec::new();
        let mut words = offsets.split_ascii_whitespace();
        while let Some(from) = words.next() {
            let off = parse_i32(words.next()?)?;
            pairs.push((parse_u64(from)?, off));
        }
        if pairs.is_empty() || until < built || stale < built {
            return None;
        }
        Some(Frame {
            built,
            stale,
            until,
            offsets: pairs,
        })
    }

    pub fn mode(&self, at: u64) -> Mode {
        if at < self.built {
            Mode::Early
        } else if at >= self.until {
            Mode::Ended
        } else if at >= self.stale {
            Mode::Stale
        } else {
            Mode::Live
        }
    }

    /// The portal's offset (minutes east of UTC) at `at`.
    pub fn offset_at(&self, at: u64) -> i32 {
        let mut off = self.offsets.first().map_or(0, |o| o.1);
        for (from, o) in &self.offsets {
            if *from <= at {
                off = *o;
            }
        }
        off
    }

    /// UTC millis of a local wall-clock time (minutes since 1970 as if UTC) in the portal's
    /// zone: tried with the offset a day later, then a day earlier (the two sides of any
    /// change), keeping the first that is consistent; an ambiguous time (fall back) resolves
    /// to its first occurrence, as the generator reads content times.
    pub fn local_to_utc(&self, local_min: i64) -> Option<u64> {
        let local = local_min.checked_mul(MINUTE as i64)?;
        let mut found = None;
        for probe in [local + DAY as i64, local - DAY as i64] {
            let off = i64::from(self.offset_at(probe.max(0) as u64)) * MINUTE as i64;
            let utc = u64::try_from(local - off).ok()?;
            if i64::from(self.offset_at(utc)) * MINUTE as i64 == off {
                found = Some(found.map_or(utc, |f: u64| f.min(utc)));
            }
        }
        found.or_else(|| {
            u64::try_from(local - i64::from(self.offset_at(local.max(0) as u64)) * MINUTE as i64)
                .ok()
        })
    }
}

/// Parses 1 to 19 ASCII digits.
pub fn parse_u64(s: &str) -> Option<u64> {
    if s.is_empty() || s.len() > 19 {
        return None;
    }
    s.bytes().try_fold(0u64, |n, b| {
        b.is_ascii_digit().then(|| n * 10 + u64::from(b - b'0'))
    })
}

fn parse_i32(s: &str) -> Option<i32> {
    let (neg, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let n = i32::try_from(parse_u64(digits).filter(|n| *n < 100_000)?).ok()?;
    Some(if neg { -n } else { n })
}

/// The intervals of a `data-live-on` value (`start end start end ...`, Unix millis), read
/// lazily; a malformed number or a missing end yields `None` (the caller then leaves the
/// element as it is).
pub fn intervals(s: &str) -> impl Iterator<Item = Option<(u64, u64)>> + '_ {
    let mut words = s.split_ascii_whitespace();
    core::iter::from_fn(move || {
        let start = words.next()?;
        Some(parse_u64(start).zip(words.next().and_then(parse_u64)))
    })
}

/// Whether `at` falls in one of the half-open intervals; `None` when they are malformed.
pub fn holds(s: &str, at: u64) -> Option<bool> {
    let mut on = false;
    for iv in intervals(s) {
        let (start, end) = iv?;
        on |= start <= at && at < end;
    }
    Some(on)
}

/// The interval that matters at `at`: the first that has not ended, else the last.
fn current_or_next(s: &str, at: u64) -> Option<(u64, u64)> {
    let mut last = None;
    for iv in intervals(s) {
        let (start, end) = iv?;
        if at < end {
            return Some((start, end));
        }
        last = Some((start, end));
    }
    last
}

/// "2 h 10 min", "3 days", "25 min", "less than a minute".
pub fn span_text(ms: u64) -> String {
    let mut out = String::new();
    if ms < MINUTE {
        out.push_str("less than a minute");
    } else if ms < HOUR {
        unit(&mut out, ms / MINUTE, "min");
    } else if ms < 2 * DAY {
        unit(&mut out, ms / HOUR, "h");
        let min = ms % HOUR / MINUTE;
        if min > 0 {
            out.push(' ');
            unit(&mut out, min, "min");
        }
    } else {
        push_u64(&mut out, ms / DAY);
        out.push_str(" days");
    }
    out
}

fn unit(out: &mut String, n: u64, name: &str) {
    push_u64(out, n);
    out.push(' ');
    out.push_str(name);
}

/// "starts in 3 days", "started 10 min ago, ends in 1 h 20 min", "ended 25 min ago" for the
/// interval of `intervals` that matters at `at`; "" when there is none.
pub fn window_text(intervals: &str, at: u64) -> String {
    let Some((start, end)) = current_or_next(intervals, at) else {
        return String::new();
    };
    let mut out = String::new();
    if at < start {
        out.push_str("starts in ");
        out.push_str(&span_text(start - at));
    } else if at < end {
        out.push_str("started ");
        out.push_str(&span_text(at - start));
        out.push_str(" ago, ends in ");
        out.push_str(&span_text(end - at));
    } else {
        out.push_str("ended ");
        out.push_str(&span_text(at - end));
        out.push_str(" ago");
    }
    out
}

/// "45 days ago" (or "in 2 h" for an instant after `at`).
pub fn ago_text(then: u64, at: u64) -> String {
    let mut out = String::new();
    if then <= at {
        out.push_str(&span_text(at - then));
        out.push_str(" ago");
    } else {
        out.push_str("in ");
        out.push_str(&span_text(then - at));
    }
    out
}

/// The `at` parameter of a query string (`?at=2026-12-06T02:00`), as written; `None` when
/// there is none.
pub fn at_param(search: &str) -> Option<&str> {
    let query = search.strip_prefix('?').unwrap_or(search);
    query.split('&').find_map(|pair| pair.strip_prefix("at="))
}

/// `YYYY-MM-DDTHH:MM` (or with a space or `+` instead of `T`, and `%3A` for `:` as a form
/// may encode it) as minutes since 1970 on the local wall clock; `None` unless it is a real
/// date and time.
pub fn parse_local(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    let colon = match (b.len(), b.get(13..16)) {
        (16, _) if b.get(13) == Some(&b':') => 14,
        (18, Some(enc)) if enc.eq_ignore_ascii_case(b"%3A") => 16,
        _ => return None,
    };
    if b.get(4) != Some(&b'-')
        || b.get(7) != Some(&b'-')
        || !matches!(b.get(10), Some(b'T' | b' ' | b'+'))
    {
        return None;
    }
    let num = |from: usize, to: usize| text.get(from..to).and_then(parse_u64);
    let (year, month, day) = (num(0, 4)?, num(5, 7)?, num(8, 10)?);
    let (hour, minute) = (num(11, 13)?, num(colon, colon + 2)?);
    if !(1..=12).contains(&month) || hour > 23 || minute > 59 || day == 0 {
        return None;
    }
    let days = days_from_civil(year as i64, month as u32, day as u32);
    // Reject 2026-02-30 and the like: the date must come back unchanged.
    if civil_from_days(days) != (year as i64, month as u32, day as u32) {
        return None;
    }
    Some(days * 1440 + (hour * 60 + minute) as i64)
}

/// Days since 1970-01-01 of a Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `YYYY-MM-DD HH:MM` of `ms` at `offset_min` minutes east of UTC.
pub fn format_local(ms: u64, offset_min: i32) -> String {
    let secs = (ms / 1000) as i64 + i64::from(offset_min) * 60;
    let (year, month, day) = civil_from_days(secs.div_euclid(86_400));
    let of_day = secs.rem_euclid(86_400);
    let mut out = String::with_capacity(16);
    push_u64(&mut out, year.max(0) as u64);
    out.push('-');
    push_2(&mut out, month);
    out.push('-');
    push_2(&mut out, day);
    out.push(' ');
    push_2(&mut out, (of_day / 3600) as u32);
    out.push(':');
    push_2(&mut out, (of_day % 3600 / 60) as u32);
    out
}

/// " (2026-12-05 20:00 your time)" when the viewer's offset at `ms` differs from the portal's,
/// else "".
pub fn viewer_time(ms: u64, portal_off: i32, viewer_off: i32) -> String {
    let mut out = String::new();
    if portal_off != viewer_off {
        out.push_str(" (");
        out.push_str(&format_local(ms, viewer_off));
        out.push_str(" your time)");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const BUILT: u64 = 1_796_000_000_000;

    /// Europe/Berlin around the 2027 spring change (2027-03-28 01:00 UTC).
    fn frame() -> Frame {
        Frame::parse(
            "1796000000000",
            "1796129600000",
            "1803000000000",
            "0 60 1806195600000 120",
        )
        .expect("a valid frame")
    }

    #[test]
    fn frames_parse_and_reject_corrupt_data() {
        let f = frame();
        assert_eq!(f.built, BUILT);
        assert_eq!(f.offsets, [(0, 60), (1_806_195_600_000, 120)]);
        assert_eq!(Frame::parse("", "1", "2", "0 60"), None);
        assert_eq!(Frame::parse("5", "6", "7", "0"), None);
        assert_eq!(Frame::parse("5", "6", "7", "0 x"), None);
        assert_eq!(Frame::parse("5", "6", "7", ""), None);
        assert_eq!(
            Frame::parse("9", "10", "7", "0 60"),
            None,
            "until before built"
        );
        assert_eq!(Frame::parse("1e3", "6", "7", "0 60"), None);
    }

    #[test]
    fn the_mode_follows_the_build_the_staleness_limit_and_the_data() {
        let f = frame();
        assert_eq!(f.mode(BUILT - 1), Mode::Early);
        assert_eq!(f.mode(BUILT), Mode::Live);
        assert_eq!(f.mode(f.stale - 1), Mode::Live);
        assert_eq!(f.mode(f.stale), Mode::Stale);
        assert_eq!(f.mode(f.until - 1), Mode::Stale);
        assert_eq!(f.mode(f.until), Mode::Ended);
    }

    #[test]
    fn intervals_select_the_instant() {
        let iv = "10 20 30 40";
        assert_eq!(holds(iv, 9), Some(false));
        assert_eq!(holds(iv, 10), Some(true));
        assert_eq!(holds(iv, 19), Some(true));
        assert_eq!(
            holds(iv, 20),
            Some(false),
            "the end is exclusive: a handoff belongs to the next shift"
        );
        assert_eq!(holds(iv, 30), Some(true));
        assert_eq!(holds(iv, 45), Some(false));
        assert_eq!(holds("10 20 30", 15), None);
        assert_eq!(holds("10 x", 15), None);
        assert_eq!(holds("", 15), Some(false));
        assert_eq!(window_text("10 x", 5), "");
    }

    #[test]
    fn relative_texts_read_naturally() {
        assert_eq!(span_text(30_000), "less than a minute");
        assert_eq!(span_text(25 * MINUTE), "25 min");
        assert_eq!(span_text(2 * HOUR + 10 * MINUTE), "2 h 10 min");
        assert_eq!(span_text(3 * HOUR), "3 h");
        assert_eq!(span_text(3 * DAY + HOUR), "3 days");
        let iv = "360000000 367200000"; // hours 100 to 102
        assert_eq!(
            window_text(iv, 97 * HOUR - 10 * MINUTE),
            "starts in 3 h 10 min"
        );
        assert_eq!(
            window_text(iv, 100 * HOUR + 30 * MINUTE),
            "started 30 min ago, ends in 1 h 30 min"
        );
        assert_eq!(
            window_text(iv, 102 * HOUR + 25 * MINUTE),
            "ended 25 min ago"
        );
        assert_eq!(window_text("", 5), "");
        // Of several occurrences, the running or next one counts (days 10 and 17, 1 h each).
        let weekly = "864000000 867600000 1468800000 1472400000";
        assert_eq!(window_text(weekly, 12 * DAY), "starts in 5 days");
        assert_eq!(ago_text(0, 45 * DAY), "45 days ago");
        assert_eq!(ago_text(2 * HOUR, 0), "in 2 h");
    }

    #[test]
    fn the_at_parameter_is_read_in_the_portals_zone() {
        assert_eq!(at_param("?at=2026-12-06T02:00"), Some("2026-12-06T02:00"));
        assert_eq!(
            at_param("?x=1&at=2026-12-06T02%3A00"),
            Some("2026-12-06T02%3A00")
        );
        assert_eq!(at_param("?x=1"), None);
        assert_eq!(
            parse_local("2026-12-06T02%3A00"),
            parse_local("2026-12-06T02:00")
        );
        let f = frame();
        // 2026-12-06 02:00 in Berlin (CET, +1) is 01:00 UTC.
        let local = parse_local("2026-12-06T02:00").expect("valid");
        assert_eq!(f.local_to_utc(local), Some(1_796_518_800_000));
        assert_eq!(format_local(1_796_518_800_000, 60), "2026-12-06 02:00");
        // In summer time (+2): 2027-04-01 12:00 is 10:00 UTC.
        let summer = parse_local("2027-04-01 12:00").expect("valid");
        assert_eq!(f.local_to_utc(summer), Some(1_806_573_600_000));
        assert_eq!(format_local(1_806_573_600_000, 120), "2027-04-01 12:00");
        // Just after the change: 2027-03-28 03:30 CEST is 01:30 UTC.
        let after = parse_local("2027-03-28T03:30").expect("valid");
        assert_eq!(f.local_to_utc(after), Some(1_806_195_600_000 + 30 * MINUTE));
        for bad in [
            "2026-12-06",
            "2026-13-01T00:00",
            "2026-02-30T10:00",
            "2026-12-06T24:00",
            "tomorrow",
            "2026-12-06T02:00x",
            "2026-12-06T02%3B00",
        ] {
            assert_eq!(parse_local(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_viewers_time_shows_only_when_the_zones_differ() {
        assert_eq!(viewer_time(1_796_518_800_000, 60, 60), "");
        assert_eq!(
            viewer_time(1_796_518_800_000, 60, -300),
            " (2026-12-05 20:00 your time)"
        );
    }

    #[test]
    fn days_round_trip() {
        for days in [-1000, 0, 59, 365, 20_000, 20_793] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }
}
