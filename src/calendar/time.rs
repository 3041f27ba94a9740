//! Time: parse the dates and times authors write, in the portal's timezone.
//!
//! Accepted: `YYYY-MM-DD HH:MM[:SS]` or with `T`, local in a given IANA zone, optionally
//! followed by `Z` or an offset (`+01:00`), which then wins over the zone. A local time
//! that does not exist (the hour skipped when clocks go forward) is an error; an ambiguous
//! one (the hour repeated when clocks go back) resolves to the earlier instant, the first
//! time the wall clock shows it. Everything is converted to UTC for the rest of the build.

use chrono::{
    DateTime, Duration, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset,
    TimeZone, Utc,
};
use chrono_tz::Tz;
use thiserror::Error;

/// Why a written date or time could not be used.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum TimeError {
    /// The text is not in one of the accepted formats.
    #[error("\"{0}\" is not a date and time")]
    Format(String),
    /// The local time falls in a daylight-saving gap.
    #[error("{time} does not exist in {zone}: the clocks skip that hour (daylight saving time)")]
    Nonexistent { time: String, zone: String },
    /// The timezone name is not in the IANA database.
    #[error("\"{0}\" is not an IANA timezone name")]
    UnknownZone(String),
}

impl TimeError {
    /// What the author should do about it.
    pub fn help(&self) -> &'static str {
        match self {
            TimeError::Format(_) => {
                "write YYYY-MM-DD HH:MM (local time), optionally with an offset such as +01:00 or Z"
            }
            TimeError::Nonexistent { .. } => {
                "pick a time outside the daylight-saving gap, e.g. one hour later"
            }
            TimeError::UnknownZone(_) => {
                "use a name from the IANA database such as Europe/Berlin, America/New_York or UTC"
            }
        }
    }
}

/// Parses an IANA timezone name.
pub fn parse_zone(name: &str) -> Result<Tz, TimeError> {
    name.trim()
        .parse::<Tz>()
        .map_err(|_| TimeError::UnknownZone(name.to_owned()))
}

/// Parses a date and time; local times are read in `zone`.
pub fn parse_datetime(text: &str, zone: Tz) -> Result<DateTime<Utc>, TimeError> {
    let text = text.trim();
    let normalized = text.replacen(' ', "T", 1);
    for format in ["%Y-%m-%dT%H:%M%:z", "%Y-%m-%dT%H:%M:%S%:z"] {
        if let Ok(fixed) = DateTime::<FixedOffset>::parse_from_str(&normalized, format) {
            return Ok(fixed.with_timezone(&Utc));
        }
    }
    if let Some(utc) = normalized.strip_suffix('Z') {
        let naive = parse_naive(utc).ok_or_else(|| TimeError::Format(text.to_owned()))?;
        return Ok(Utc.from_utc_datetime(&naive));
    }
    let naive = parse_naive(&normalized).ok_or_else(|| TimeError::Format(text.to_owned()))?;
    local_to_utc(naive, zone)
}

/// Converts a wall-clock time in `zone` to UTC (earlier instant when ambiguous).
pub fn local_to_utc(naive: NaiveDateTime, zone: Tz) -> Result<DateTime<Utc>, TimeError> {
    match zone.from_local_datetime(&naive) {
        LocalResult::Single(local) => Ok(local.with_timezone(&Utc)),
        LocalResult::Ambiguous(earlier, _) => Ok(earlier.with_timezone(&Utc)),
        LocalResult::None => Err(TimeError::Nonexistent {
            time: naive.format("%Y-%m-%d %H:%M").to_string(),
            zone: zone.name().to_owned(),
        }),
    }
}

/// Converts a computed wall-clock time in `zone` to UTC, never failing (RFC 5545 §3.3.5):
/// ambiguous times take the first occurrence, times in a gap are read with the UTC offset in
/// force before the gap, which moves them forward by the length of the gap.
pub fn local_to_utc_lenient(naive: NaiveDateTime, zone: Tz) -> DateTime<Utc> {
    match zone.from_local_datetime(&naive) {
        LocalResult::Single(local) => local.with_timezone(&Utc),
        LocalResult::Ambiguous(earlier, _) => earlier.with_timezone(&Utc),
        LocalResult::None => {
            // The offset a day earlier is the one before the gap (zones never change twice a day).
            let before = naive - Duration::days(1);
            let offset = zone.offset_from_utc_datetime(&before).fix();
            let seconds = i64::from(offset.local_minus_utc());
            Utc.from_utc_datetime(&(naive - Duration::seconds(seconds)))
        }
    }
}

/// The start of local day `date` in `zone` (midnight, or the first minute after a gap).
pub fn start_of_day(date: NaiveDate, zone: Tz) -> DateTime<Utc> {
    local_to_utc_lenient(date.and_time(NaiveTime::MIN), zone)
}

/// The wall-clock time of `instant` in `zone`.
pub fn to_local(instant: DateTime<Utc>, zone: Tz) -> NaiveDateTime {
    instant.with_timezone(&zone).naive_local()
}

/// `2026-12-06 02:00`: an instant as wall-clock time in `zone`, for messages and pages.
pub fn format_local(instant: DateTime<Utc>, zone: Tz) -> String {
    to_local(instant, zone).format("%Y-%m-%d %H:%M").to_string()
}

/// `2026-12-06 02:00 – 03:30`, or `2026-12-06 22:00 – 2026-12-07 01:00` across midnight.
pub fn format_range(start: DateTime<Utc>, end: DateTime<Utc>, zone: Tz) -> String {
    let (from, to) = (to_local(start, zone), to_local(end, zone));
    if from.date() == to.date() {
        format!("{} – {}", from.format("%Y-%m-%d %H:%M"), to.format("%H:%M"))
    } else {
        format!(
            "{} – {}",
            from.format("%Y-%m-%d %H:%M"),
            to.format("%Y-%m-%d %H:%M")
        )
    }
}

fn parse_naive(text: &str) -> Option<NaiveDateTime> {
    ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
}

/// Parses `YYYY-MM-DD`.
pub fn parse_date(text: &str) -> Result<NaiveDate, TimeError> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| TimeError::Format(text.to_owned()))
}

/// Parses `HH:MM` (24-hour clock).
pub fn parse_time_of_day(text: &str) -> Result<NaiveTime, TimeError> {
    NaiveTime::parse_from_str(text.trim(), "%H:%M").map_err(|_| TimeError::Format(text.to_owned()))
}

/// Parses a duration such as `30s`, `15m`, `2h` or `1d` into seconds.
pub fn parse_duration_secs(text: &str) -> Option<u64> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit())?;
    let (number, unit) = text.split_at(split);
    let number: u64 = number.parse().ok()?;
    let factor = match unit.trim() {
        "s" | "sec" | "secs" | "seconds" => 1,
        "m" | "min" | "mins" | "minutes" => 60,
        "h" | "hour" | "hours" => 3600,
        "d" | "day" | "days" => 86_400,
        _ => return None,
    };
    number.checked_mul(factor)
}

/// How long ago, in the words `check` prints: `less than a minute ago`, `20 min ago`,
/// `13 h ago` (under two days), `5 days ago`.
pub fn ago(elapsed: Duration) -> String {
    let minutes = elapsed.num_minutes().max(0);
    match minutes {
        0 => "less than a minute ago".to_owned(),
        1..=59 => format!("{minutes} min ago"),
        60..=2879 => format!("{} h ago", minutes / 60),
        _ => format!("{} days ago", minutes / 1440),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ago_reads_naturally() {
        assert_eq!(ago(Duration::seconds(20)), "less than a minute ago");
        assert_eq!(ago(Duration::minutes(25)), "25 min ago");
        assert_eq!(ago(Duration::hours(13)), "13 h ago");
        assert_eq!(ago(Duration::hours(47)), "47 h ago");
        assert_eq!(ago(Duration::seconds(3 * 3600 + 5)), "3 h ago");
        assert_eq!(ago(Duration::days(5)), "5 days ago");
    }

    fn berlin() -> Tz {
        parse_zone("Europe/Berlin").unwrap()
    }

    #[test]
    fn local_time_uses_the_zone() {
        let t = parse_datetime("2026-12-02 22:00", berlin()).unwrap();
        assert_eq!(t.to_rfc3339(), "2026-12-02T21:00:00+00:00");
        let summer = parse_datetime("2026-07-01T22:00", berlin()).unwrap();
        assert_eq!(summer.to_rfc3339(), "2026-07-01T20:00:00+00:00");
    }

    #[test]
    fn explicit_offset_and_z_win_over_the_zone() {
        let t = parse_datetime("2026-12-02T22:00+05:30", berlin()).unwrap();
        assert_eq!(t.to_rfc3339(), "2026-12-02T16:30:00+00:00");
        let z = parse_datetime("2026-12-02 22:00Z", berlin()).unwrap();
        assert_eq!(z.to_rfc3339(), "2026-12-02T22:00:00+00:00");
    }

    #[test]
    fn a_time_in_the_spring_gap_is_an_error() {
        let err = parse_datetime("2026-03-29 02:30", berlin()).unwrap_err();
        assert!(matches!(err, TimeError::Nonexistent { .. }));
        assert!(err.to_string().contains("does not exist in Europe/Berlin"));
    }

    #[test]
    fn an_ambiguous_autumn_time_takes_the_earlier_instant() {
        // 02:30 happens twice on 2026-10-25 in Berlin: first at +02:00, then at +01:00.
        let t = parse_datetime("2026-10-25 02:30", berlin()).unwrap();
        assert_eq!(t.to_rfc3339(), "2026-10-25T00:30:00+00:00");
    }

    #[test]
    fn rejects_garbage_and_impossible_dates() {
        assert!(parse_datetime("next tuesday", berlin()).is_err());
        assert!(parse_datetime("2026-02-30 10:00", berlin()).is_err());
        assert!(parse_zone("Mars/Olympus").is_err());
    }

    #[test]
    fn lenient_conversion_follows_rfc_5545() {
        let gap = NaiveDate::from_ymd_opt(2026, 3, 29)
            .and_then(|d| d.and_hms_opt(2, 30, 0))
            .unwrap();
        // Read with the winter offset (+01:00): 01:30 UTC, which is 03:30 summer time.
        assert_eq!(
            local_to_utc_lenient(gap, berlin()).to_rfc3339(),
            "2026-03-29T01:30:00+00:00"
        );
        let twice = NaiveDate::from_ymd_opt(2026, 10, 25)
            .and_then(|d| d.and_hms_opt(2, 30, 0))
            .unwrap();
        assert_eq!(
            local_to_utc_lenient(twice, berlin()).to_rfc3339(),
            "2026-10-25T00:30:00+00:00"
        );
        let day = NaiveDate::from_ymd_opt(2026, 7, 1).unwrap();
        assert_eq!(
            start_of_day(day, berlin()).to_rfc3339(),
            "2026-06-30T22:00:00+00:00"
        );
        assert_eq!(
            format_local(start_of_day(day, berlin()), berlin()),
            "2026-07-01 00:00"
        );
        let start = start_of_day(day, berlin());
        let hours = |h| start + Duration::hours(h);
        assert_eq!(
            format_range(hours(2), hours(3), berlin()),
            "2026-07-01 02:00 – 03:00"
        );
        assert_eq!(
            format_range(hours(22), hours(25), berlin()),
            "2026-07-01 22:00 – 2026-07-02 01:00"
        );
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration_secs("30s"), Some(30));
        assert_eq!(parse_duration_secs("15m"), Some(900));
        assert_eq!(parse_duration_secs("2 h"), Some(7200));
        assert_eq!(parse_duration_secs("soon"), None);
    }
}
