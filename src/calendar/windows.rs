//! Windows: turn freeze and maintenance rules into concrete spans of time.
//!
//! A one-off rule is one span. A weekly rule is expanded day by day in the portal's zone, so
//! "Mon–Fri 09:00–17:00" stays 09:00 local time on both sides of a daylight-saving change
//! (07:00 UTC in summer, 08:00 UTC in winter in Berlin). Computed times that fall in a gap
//! or an overlap are resolved as RFC 5545 does ([`time::local_to_utc_lenient`]), so the
//! build's conflict check and calendar clients expanding the feed's RRULE agree.

use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveTime, Utc, Weekday};
use chrono_tz::Tz;

use super::time;
use crate::content::Schedule;

/// A half-open span of time `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Span {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl Span {
    pub fn new(start: DateTime<Utc>, end: DateTime<Utc>) -> Span {
        Span { start, end }
    }

    /// Whether the two spans share at least one instant (touching ends do not overlap).
    pub fn overlaps(&self, other: &Span) -> bool {
        self.start < other.end && other.start < self.end
    }
}

/// The spans of `schedule` that overlap `range`, in time order.
pub fn occurrences(schedule: &Schedule, zone: Tz, range: Span) -> Vec<Span> {
    match schedule {
        Schedule::Once { start, end } => {
            let span = Span::new(*start, *end);
            if span.overlaps(&range) {
                vec![span]
            } else {
                Vec::new()
            }
        }
        Schedule::Weekly {
            days,
            start,
            end,
            from,
            until,
        } => {
            let first = time::to_local(range.start, zone).date() - Days::new(1);
            let last = time::to_local(range.end, zone).date() + Days::new(1);
            let mut spans = Vec::new();
            let mut date = first;
            while date <= last {
                if weekly_applies(days, *from, *until, date) {
                    let span = weekly_span(date, *start, *end, zone);
                    if span.overlaps(&range) {
                        spans.push(span);
                    }
                }
                match date.succ_opt() {
                    Some(next) => date = next,
                    None => break,
                }
            }
            spans
        }
    }
}

/// Whether a weekly rule has an occurrence on local `date`.
pub fn weekly_applies(
    days: &[Weekday],
    from: Option<NaiveDate>,
    until: Option<NaiveDate>,
    date: NaiveDate,
) -> bool {
    days.contains(&date.weekday())
        && from.is_none_or(|from| date >= from)
        && until.is_none_or(|until| date <= until)
}

/// The occurrence of a weekly rule on local `date`.
pub fn weekly_span(date: NaiveDate, start: NaiveTime, end: NaiveTime, zone: Tz) -> Span {
    Span::new(
        time::local_to_utc_lenient(date.and_time(start), zone),
        time::local_to_utc_lenient(date.and_time(end), zone),
    )
}

/// The first date on or after `date` on which a weekly rule applies, looking one week ahead.
pub fn first_weekly_date(days: &[Weekday], date: NaiveDate) -> Option<NaiveDate> {
    (0..7)
        .filter_map(|n| date.checked_add_days(Days::new(n)))
        .find(|d| days.contains(&d.weekday()))
}

/// `Mon–Fri 09:00–17:00`, `2026-12-18 00:00 – 2027-01-04 00:00`: a schedule for people.
pub fn describe(schedule: &Schedule, zone: Tz) -> String {
    match schedule {
        Schedule::Once { start, end } => format!(
            "{} – {}",
            time::format_local(*start, zone),
            time::format_local(*end, zone)
        ),
        Schedule::Weekly {
            days,
            start,
            end,
            from,
            until,
        } => {
            let mut text = format!(
                "{} {}–{}",
                describe_days(days),
                start.format("%H:%M"),
                end.format("%H:%M")
            );
            if let Some(from) = from {
                text.push_str(&format!(" from {from}"));
            }
            if let Some(until) = until {
                text.push_str(&format!(" until {until}"));
            }
            text
        }
    }
}

/// `Mon–Fri`, `Sat, Sun`, `Mon, Wed, Fri`: runs of three or more days are shortened.
pub fn describe_days(days: &[Weekday]) -> String {
    let mut sorted: Vec<u32> = days.iter().map(|d| d.num_days_from_monday()).collect();
    sorted.sort_unstable();
    sorted.dedup();
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < sorted.len() {
        let mut j = i;
        while j + 1 < sorted.len() && sorted[j + 1] == sorted[j] + 1 {
            j += 1;
        }
        if j - i >= 2 {
            parts.push(format!("{}–{}", day_abbr(sorted[i]), day_abbr(sorted[j])));
        } else {
            parts.extend((i..=j).map(|k| day_abbr(sorted[k]).to_owned()));
        }
        i = j + 1;
    }
    parts.join(", ")
}

fn day_abbr(n: u32) -> &'static str {
    ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
        .get(n as usize)
        .copied()
        .unwrap_or("?")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use Weekday::*;

    fn berlin() -> Tz {
        chrono_tz::Europe::Berlin
    }

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
    }

    fn peak_hours() -> Schedule {
        Schedule::Weekly {
            days: vec![Mon, Tue, Wed, Thu, Fri],
            start: NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
            end: NaiveTime::from_hms_opt(17, 0, 0).unwrap(),
            from: None,
            until: None,
        }
    }

    #[test]
    fn weekly_rules_keep_local_time_across_dst() {
        // Week of the autumn change: Fri 2026-10-23 is summer time, Mon 2026-10-26 winter.
        let range = Span::new(utc(2026, 10, 23, 0, 0), utc(2026, 10, 27, 0, 0));
        let spans = occurrences(&peak_hours(), berlin(), range);
        assert_eq!(spans.len(), 2);
        assert_eq!(spans[0].start, utc(2026, 10, 23, 7, 0));
        assert_eq!(spans[1].start, utc(2026, 10, 26, 8, 0));
        assert_eq!(spans[1].end, utc(2026, 10, 26, 16, 0));
    }

    #[test]
    fn weekly_rules_respect_from_and_until() {
        let Schedule::Weekly {
            days, start, end, ..
        } = peak_hours()
        else {
            unreachable!()
        };
        let limited = Schedule::Weekly {
            days,
            start,
            end,
            from: NaiveDate::from_ymd_opt(2026, 12, 1),
            until: NaiveDate::from_ymd_opt(2026, 12, 2),
        };
        let range = Span::new(utc(2026, 11, 1, 0, 0), utc(2027, 1, 1, 0, 0));
        assert_eq!(occurrences(&limited, berlin(), range).len(), 2);
    }

    #[test]
    fn once_rules_and_touching_ends() {
        let freeze = Schedule::Once {
            start: utc(2026, 12, 17, 23, 0),
            end: utc(2027, 1, 3, 23, 0),
        };
        let before = Span::new(utc(2026, 12, 17, 21, 0), utc(2026, 12, 17, 23, 0));
        assert!(occurrences(&freeze, berlin(), before).is_empty());
        let inside = Span::new(utc(2026, 12, 20, 1, 0), utc(2026, 12, 20, 2, 0));
        assert_eq!(occurrences(&freeze, berlin(), inside).len(), 1);
    }

    #[test]
    fn descriptions() {
        assert_eq!(describe(&peak_hours(), berlin()), "Mon–Fri 09:00–17:00");
        assert_eq!(describe_days(&[Sun, Sat]), "Sat, Sun");
        assert_eq!(describe_days(&[Mon, Wed, Fri]), "Mon, Wed, Fri");
        let once = Schedule::Once {
            start: utc(2026, 12, 17, 23, 0),
            end: utc(2027, 1, 3, 23, 0),
        };
        assert_eq!(
            describe(&once, berlin()),
            "2026-12-18 00:00 – 2027-01-04 00:00"
        );
        let monday = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        let saturday = NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
        assert_eq!(first_weekly_date(&[Mon], saturday), Some(monday));
    }
}
