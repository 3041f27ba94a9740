//! Values: read iCalendar dates, date-times, durations and TZIDs as other tools write them.
//!
//! Accepted TZIDs: IANA names (`Europe/Berlin`), IANA names behind a vendor prefix
//! (`/mozilla.org/20050126_1/Europe/Berlin`, as old Thunderbird writes), and the Windows
//! names Outlook and Exchange export (`W. Europe Standard Time`) for the common zones.
//! Anything else is an error rather than a guess.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::calendar::time;

/// A DTSTART/DTEND/UNTIL/EXDATE value as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// `VALUE=DATE`: a whole day, in the portal's zone.
    Date(NaiveDate),
    /// `...Z`: an instant.
    Utc(DateTime<Utc>),
    /// A wall-clock time in a zone (from TZID, or the portal's zone for floating times).
    Local(NaiveDateTime, Tz),
}

impl When {
    /// The instant this value stands for; dates are the start of the day in `zone`.
    pub fn instant(self, zone: Tz) -> DateTime<Utc> {
        match self {
            When::Date(date) => time::start_of_day(date, zone),
            When::Utc(instant) => instant,
            When::Local(naive, tz) => time::local_to_utc_lenient(naive, tz),
        }
    }

    pub fn is_date(self) -> bool {
        matches!(self, When::Date(_))
    }
}

/// Parses a date or date-time `value` with the property's `VALUE` and `TZID` parameters;
/// floating times are read in `zone`. The error says what was wrong, for the diagnostic.
pub fn parse_when(
    value: &str,
    value_type: Option<&str>,
    tzid: Option<&str>,
    zone: Tz,
) -> Result<When, String> {
    let value = value.trim();
    let is_date = value_type.is_some_and(|v| v.eq_ignore_ascii_case("DATE"))
        || (value.len() == 8 && !value.contains('T'));
    if is_date {
        return NaiveDate::parse_from_str(value, "%Y%m%d")
            .map(When::Date)
            .map_err(|_| format!("\"{value}\" is not a date (YYYYMMDD)"));
    }
    let (text, utc) = match value.strip_suffix(['Z', 'z']) {
        Some(text) => (text, true),
        None => (value, false),
    };
    let naive = NaiveDateTime::parse_from_str(text, "%Y%m%dT%H%M%S")
        .map_err(|_| format!("\"{value}\" is not a date-time (YYYYMMDDTHHMMSS[Z])"))?;
    if utc {
        return Ok(When::Utc(Utc.from_utc_datetime(&naive)));
    }
    match tzid {
        Some(tzid) => resolve_tzid(tzid)
            .map(|tz| When::Local(naive, tz))
            .ok_or_else(|| format!("TZID \"{tzid}\" is not a time zone Shipboard knows")),
        None => Ok(When::Local(naive, zone)),
    }
}

/// Parses an RFC 5545 duration such as `PT1H30M`, `P1D` or `P2W`.
pub fn parse_duration(value: &str) -> Result<Duration, String> {
    let text = value.trim();
    let bad = || format!("\"{text}\" is not a duration (e.g. PT1H30M, P1D)");
    let (negative, rest) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let rest = rest.strip_prefix(['P', 'p']).ok_or_else(bad)?;
    let mut total = Duration::zero();
    let mut number = String::new();
    let mut in_time = false;
    let mut any = false;
    for c in rest.chars() {
        match c.to_ascii_uppercase() {
            d if d.is_ascii_digit() => number.push(d),
            'T' if number.is_empty() && !in_time => in_time = true,
            unit => {
                let n: i64 = number.parse().map_err(|_| bad())?;
                number.clear();
                any = true;
                total += match (unit, in_time) {
                    ('W', false) => Duration::try_weeks(n),
                    ('D', false) => Duration::try_days(n),
                    ('H', true) => Duration::try_hours(n),
                    ('M', true) => Duration::try_minutes(n),
                    ('S', true) => Duration::try_seconds(n),
                    _ => None,
                }
                .ok_or_else(bad)?;
            }
        }
    }
    if !number.is_empty() || !any {
        return Err(bad());
    }
    Ok(if negative { -total } else { total })
}

/// Windows zone names (as Outlook/Exchange export them) for common zones.
const WINDOWS_ZONES: [(&str, &str); 32] = [
    ("UTC", "UTC"),
    ("Coordinated Universal Time", "UTC"),
    ("GMT Standard Time", "Europe/London"),
    ("Greenwich Standard Time", "Atlantic/Reykjavik"),
    ("W. Europe Standard Time", "Europe/Berlin"),
    ("Romance Standard Time", "Europe/Paris"),
    ("Central Europe Standard Time", "Europe/Budapest"),
    ("Central European Standard Time", "Europe/Warsaw"),
    ("E. Europe Standard Time", "Europe/Chisinau"),
    ("FLE Standard Time", "Europe/Kiev"),
    ("GTB Standard Time", "Europe/Bucharest"),
    ("Turkey Standard Time", "Europe/Istanbul"),
    ("Russian Standard Time", "Europe/Moscow"),
    ("Israel Standard Time", "Asia/Jerusalem"),
    ("South Africa Standard Time", "Africa/Johannesburg"),
    ("Arabian Standard Time", "Asia/Dubai"),
    ("India Standard Time", "Asia/Kolkata"),
    ("China Standard Time", "Asia/Shanghai"),
    ("Singapore Standard Time", "Asia/Singapore"),
    ("Tokyo Standard Time", "Asia/Tokyo"),
    ("AUS Eastern Standard Time", "Australia/Sydney"),
    ("New Zealand Standard Time", "Pacific/Auckland"),
    ("Eastern Standard Time", "America/New_York"),
    ("Central Standard Time", "America/Chicago"),
    ("Mountain Standard Time", "America/Denver"),
    ("US Mountain Standard Time", "America/Phoenix"),
    ("Pacific Standard Time", "America/Los_Angeles"),
    ("Alaskan Standard Time", "America/Anchorage"),
    ("Hawaiian Standard Time", "Pacific/Honolulu"),
    ("Atlantic Standard Time", "America/Halifax"),
    ("E. South America Standard Time", "America/Sao_Paulo"),
    ("Canada Central Standard Time", "America/Regina"),
];

/// The zone a TZID names, if Shipboard can tell without guessing.
pub fn resolve_tzid(tzid: &str) -> Option<Tz> {
    let name = tzid.trim().trim_matches('"');
    if let Ok(zone) = name.parse::<Tz>() {
        return Some(zone);
    }
    if let Some((_, iana)) = WINDOWS_ZONES
        .iter()
        .find(|(windows, _)| windows.eq_ignore_ascii_case(name))
    {
        return iana.parse().ok();
    }
    // A vendor prefix before an IANA name: try ever shorter suffixes of two or more parts.
    let parts: Vec<&str> = name.split('/').collect();
    (1..parts.len().saturating_sub(1)).find_map(|i| parts[i..].join("/").parse::<Tz>().ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Europe::Berlin;

    #[test]
    fn dates_and_date_times() {
        assert_eq!(
            parse_when("20261224", Some("DATE"), None, Berlin),
            Ok(When::Date(NaiveDate::from_ymd_opt(2026, 12, 24).unwrap()))
        );
        let utc = parse_when("20261206T010000Z", None, None, Berlin).unwrap();
        assert_eq!(
            utc.instant(Berlin).to_rfc3339(),
            "2026-12-06T01:00:00+00:00"
        );
        let floating = parse_when("20261206T020000", None, None, Berlin).unwrap();
        assert_eq!(
            floating.instant(Berlin).to_rfc3339(),
            "2026-12-06T01:00:00+00:00"
        );
        let ny = parse_when("20261206T020000", None, Some("America/New_York"), Berlin).unwrap();
        assert_eq!(ny.instant(Berlin).to_rfc3339(), "2026-12-06T07:00:00+00:00");
        assert!(parse_when("2026-12-06", None, None, Berlin).is_err());
        assert!(parse_when("20261206T0200", None, None, Berlin).is_err());
        assert!(
            parse_when("20261206T020000", None, Some("Mars/Base"), Berlin)
                .unwrap_err()
                .contains("Mars/Base")
        );
    }

    #[test]
    fn tzids_from_other_tools() {
        assert_eq!(resolve_tzid("Europe/Berlin"), Some(Berlin));
        assert_eq!(resolve_tzid("W. Europe Standard Time"), Some(Berlin));
        assert_eq!(
            resolve_tzid("/mozilla.org/20050126_1/America/New_York"),
            Some(chrono_tz::America::New_York)
        );
        assert_eq!(resolve_tzid("Customized Time Zone"), None);
        assert_eq!(resolve_tzid("Some/Thing/Else"), None);
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("PT1H30M"), Ok(Duration::minutes(90)));
        assert_eq!(parse_duration("P1D"), Ok(Duration::days(1)));
        assert_eq!(parse_duration("P2W"), Ok(Duration::weeks(2)));
        assert_eq!(parse_duration("P1DT12H"), Ok(Duration::hours(36)));
        assert_eq!(parse_duration("-PT15M"), Ok(Duration::minutes(-15)));
        assert!(parse_duration("P").is_err());
        assert!(parse_duration("1H").is_err());
        assert!(parse_duration("PT1D").is_err());
        assert!(parse_duration("P1H").is_err());
    }
}
