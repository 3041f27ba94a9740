//! RRULE: the part of RFC 5545 recurrence that freeze calendars use, and nothing more.
//!
//! Supported: FREQ=DAILY|WEEKLY|MONTHLY|YEARLY with INTERVAL, COUNT, UNTIL, WKST, and BYDAY
//! (plain weekdays) for WEEKLY. Monthly and yearly rules repeat DTSTART's day of the month
//! (and month); dates that do not exist (31 April, 29 February) are skipped, as RFC 5545
//! says. Anything else (BYMONTH, BYSETPOS, "2nd Tuesday", ...) is refused with a clear
//! message rather than expanded wrongly.

use chrono::{DateTime, Datelike, Days, Months, NaiveDateTime, Utc, Weekday};
use chrono_tz::Tz;

use super::values::{parse_when, When};
use crate::calendar::time;

/// At most this many occurrences per imported event.
pub const MAX_OCCURRENCES: usize = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freq {
    Daily,
    Weekly,
    Monthly,
    Yearly,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub freq: Freq,
    pub interval: u32,
    pub count: Option<u32>,
    pub until: Option<When>,
    /// Only for weekly rules; empty means DTSTART's weekday.
    pub byday: Vec<Weekday>,
}

impl Rule {
    pub fn is_bounded(&self) -> bool {
        self.count.is_some() || self.until.is_some()
    }
}

/// Parses an RRULE value; UNTIL dates without a zone are read in `zone`.
pub fn parse(value: &str, zone: Tz) -> Result<Rule, String> {
    let mut rule = Rule {
        freq: Freq::Daily,
        interval: 1,
        count: None,
        until: None,
        byday: Vec::new(),
    };
    let mut freq = None;
    for part in value.trim().split(';').filter(|p| !p.is_empty()) {
        let (key, val) = part
            .split_once('=')
            .ok_or_else(|| format!("\"{part}\" is not KEY=VALUE"))?;
        match key.to_ascii_uppercase().as_str() {
            "FREQ" => {
                freq = Some(match val.to_ascii_uppercase().as_str() {
                    "DAILY" => Freq::Daily,
                    "WEEKLY" => Freq::Weekly,
                    "MONTHLY" => Freq::Monthly,
                    "YEARLY" => Freq::Yearly,
                    other => return Err(format!("FREQ={other} is not supported")),
                })
            }
            "INTERVAL" => {
                rule.interval = val
                    .parse()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| format!("INTERVAL={val} is not a positive number"))?
            }
            "COUNT" => {
                rule.count = Some(
                    val.parse()
                        .map_err(|_| format!("COUNT={val} is not a number"))?,
                )
            }
            "UNTIL" => rule.until = Some(parse_when(val, None, None, zone)?),
            "WKST" => {}
            "BYDAY" => {
                rule.byday = val
                    .split(',')
                    .map(|d| weekday(d).ok_or_else(|| format!("BYDAY={d} is not supported")))
                    .collect::<Result<_, _>>()?
            }
            other => return Err(format!("the RRULE part {other} is not supported")),
        }
    }
    rule.freq = freq.ok_or("the RRULE has no FREQ")?;
    if !rule.byday.is_empty() && rule.freq != Freq::Weekly {
        return Err("BYDAY is only supported with FREQ=WEEKLY".into());
    }
    Ok(rule)
}

fn weekday(code: &str) -> Option<Weekday> {
    Some(match code.trim().to_ascii_uppercase().as_str() {
        "MO" => Weekday::Mon,
        "TU" => Weekday::Tue,
        "WE" => Weekday::Wed,
        "TH" => Weekday::Thu,
        "FR" => Weekday::Fri,
        "SA" => Weekday::Sat,
        "SU" => Weekday::Sun,
        _ => return None,
    })
}

/// The starts of a bounded rule's occurrences (wall-clock values in the event's own time
/// basis), DTSTART first. `to_instant` places such a value in time, for UNTIL.
pub fn expand(
    rule: &Rule,
    start: NaiveDateTime,
    to_instant: &dyn Fn(NaiveDateTime) -> DateTime<Utc>,
    zone: Tz,
) -> Result<Vec<NaiveDateTime>, String> {
    if !rule.is_bounded() {
        return Err("the recurrence has neither COUNT nor UNTIL".into());
    }
    let limit = match rule.until {
        Some(When::Date(date)) => date
            .succ_opt()
            .map(|next| time::start_of_day(next, zone) - chrono::Duration::seconds(1)),
        Some(other) => Some(other.instant(zone)),
        None => None,
    };
    let wanted = rule.count.map_or(usize::MAX, |c| c as usize);
    let mut days = rule.byday.clone();
    if days.is_empty() {
        days.push(start.weekday());
    }
    days.sort_by_key(|d| d.num_days_from_monday());
    let monday = start - Days::new(u64::from(start.weekday().num_days_from_monday()));
    let mut found = Vec::new();
    let step = u64::from(rule.interval);
    // Each period (day, week, month, year) yields zero or more candidates, in order.
    for period in 0u64.. {
        if period > 100_000 {
            break;
        }
        let candidates: Vec<NaiveDateTime> = match rule.freq {
            Freq::Daily => start
                .checked_add_days(Days::new(period * step))
                .into_iter()
                .collect(),
            Freq::Weekly => days
                .iter()
                .filter_map(|d| {
                    monday.checked_add_days(Days::new(
                        period * step * 7 + u64::from(d.num_days_from_monday()),
                    ))
                })
                .filter(|c| *c >= start)
                .collect(),
            Freq::Monthly => months_later(start, period * step).into_iter().collect(),
            Freq::Yearly => months_later(start, period * step * 12)
                .into_iter()
                .collect(),
        };
        for candidate in candidates {
            if limit.is_some_and(|limit| to_instant(candidate) > limit) || found.len() >= wanted {
                return Ok(found);
            }
            if found.len() >= MAX_OCCURRENCES {
                return Err(format!(
                    "the recurrence has more than {MAX_OCCURRENCES} occurrences"
                ));
            }
            found.push(candidate);
        }
    }
    Ok(found)
}

/// DTSTART moved on by whole months, `None` when that day does not exist in the month.
fn months_later(start: NaiveDateTime, months: u64) -> Option<NaiveDateTime> {
    let months = u32::try_from(months).ok()?;
    let moved = start.checked_add_months(Months::new(months))?;
    // chrono clamps 31 January + 1 month to 28 February; RFC 5545 skips it instead.
    (moved.day() == start.day()).then_some(moved)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, TimeZone};
    use chrono_tz::Europe::Berlin;

    fn at(y: i32, m: u32, d: u32, h: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d)
            .and_then(|d| d.and_hms_opt(h, 0, 0))
            .unwrap()
    }

    fn berlin(naive: NaiveDateTime) -> DateTime<Utc> {
        time::local_to_utc_lenient(naive, Berlin)
    }

    #[test]
    fn parses_supported_rules_and_refuses_the_rest() {
        let rule = parse(
            "FREQ=WEEKLY;BYDAY=MO,FR;UNTIL=20270101T000000Z;WKST=MO",
            Berlin,
        )
        .unwrap();
        assert_eq!(rule.freq, Freq::Weekly);
        assert_eq!(rule.byday, vec![Weekday::Mon, Weekday::Fri]);
        assert_eq!(
            rule.until,
            Some(When::Utc(
                Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap()
            ))
        );
        assert!(parse("FREQ=MONTHLY;BYDAY=2TU", Berlin)
            .unwrap_err()
            .contains("2TU"));
        assert!(parse("FREQ=YEARLY;BYMONTH=12", Berlin)
            .unwrap_err()
            .contains("BYMONTH"));
        assert!(parse("FREQ=HOURLY", Berlin).is_err());
        assert!(parse("INTERVAL=2", Berlin).unwrap_err().contains("FREQ"));
        assert!(parse("FREQ=DAILY;INTERVAL=0", Berlin).is_err());
    }

    #[test]
    fn weekly_with_count_and_interval() {
        let rule = parse("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH;COUNT=5", Berlin).unwrap();
        let starts = expand(&rule, at(2026, 12, 3, 9), &berlin, Berlin).unwrap();
        // Thu 3 Dec; then Tue 15, Thu 17, Tue 29, Thu 31 Dec (every other week).
        let days: Vec<u32> = starts.iter().map(|s| s.day()).collect();
        assert_eq!(days, vec![3, 15, 17, 29, 31]);
    }

    #[test]
    fn monthly_and_yearly_skip_missing_days_and_stop_at_until() {
        let monthly = parse("FREQ=MONTHLY;UNTIL=20270601", Berlin).unwrap();
        let starts = expand(&monthly, at(2027, 1, 31, 0), &berlin, Berlin).unwrap();
        let months: Vec<u32> = starts.iter().map(|s| s.month()).collect();
        assert_eq!(months, vec![1, 3, 5]);
        let yearly = parse("FREQ=YEARLY;COUNT=2", Berlin).unwrap();
        let leap = expand(&yearly, at(2028, 2, 29, 0), &berlin, Berlin).unwrap();
        assert_eq!(leap, vec![at(2028, 2, 29, 0), at(2032, 2, 29, 0)]);
    }

    #[test]
    fn unbounded_and_huge_rules_are_refused() {
        let daily = parse("FREQ=DAILY", Berlin).unwrap();
        assert!(expand(&daily, at(2026, 1, 1, 0), &berlin, Berlin).is_err());
        let huge = parse("FREQ=DAILY;COUNT=5000", Berlin).unwrap();
        assert!(expand(&huge, at(2026, 1, 1, 0), &berlin, Berlin)
            .unwrap_err()
            .contains("more than 1000"));
    }
}
