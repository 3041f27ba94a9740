//! Import: freezes from external `.ics` files (a holiday calendar, a platform team's freezes).
//!
//! Every VEVENT becomes a freeze named after its SUMMARY, with its DESCRIPTION (first line)
//! as the reason, pointing at the line of its `BEGIN:VEVENT` so conflicts name it precisely.
//! - All-day events cover whole days in the portal's zone: DTSTART's day from midnight to
//!   midnight of DTEND's day (DTEND is exclusive; without DTEND, one day).
//! - Timed events use their TZID (IANA, vendor-prefixed IANA, or a common Windows name), UTC
//!   (`Z`), or the portal's zone when floating.
//! - A weekly RRULE in the portal's zone (or floating) stays a weekly freeze; other supported
//!   recurrences ([`rrule`]) with COUNT or UNTIL are expanded into one freeze per occurrence,
//!   minus EXDATEs. An endless non-weekly rule is refused: it cannot be listed.
//! - Cancelled events (STATUS:CANCELLED) and events of zero length are skipped.
//!
//! A file that cannot be used is one error naming file, line and property, never a panic.

pub mod rrule;
pub mod values;

use std::io::BufReader;
use std::path::Path;

use chrono::{NaiveDateTime, Timelike};
use chrono_tz::Tz;
use ical::parser::ical::component::IcalEvent;
use ical::parser::ParserError;
use ical::property::{Property, PropertyError};
use ical::IcalParser;

use super::ics::writer::unescape_text;
use super::time;
use crate::content::{Schedule, WindowRule};
use crate::diagnostics::{Diagnostic, SourceRef};
use values::When;

/// Reads the freezes in calendar `text`; `file` (relative to the content dir) is only used
/// in diagnostics and sources; dates and floating times are read in `zone`.
pub fn freezes_from_ics(text: &str, file: &Path, zone: Tz) -> Result<Vec<WindowRule>, Diagnostic> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let error = |line: usize, field: Option<&str>, message: String, help: &str| {
        let line = u32::try_from(line).unwrap_or(0);
        Diagnostic::error(SourceRef::new(file, line, 0), field, message).with_help(help)
    };
    if !text
        .lines()
        .any(|l| l.trim().eq_ignore_ascii_case("BEGIN:VCALENDAR"))
    {
        return Err(error(
            0,
            None,
            "this is not an iCalendar file: there is no BEGIN:VCALENDAR line".into(),
            "export the calendar as .ics (iCalendar), or remove it from `import_freezes`",
        ));
    }
    let event_lines: Vec<usize> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.trim().eq_ignore_ascii_case("BEGIN:VEVENT"))
        .map(|(i, _)| i + 1)
        .collect();
    let mut rules = Vec::new();
    let mut index = 0;
    for calendar in IcalParser::new(BufReader::new(text.as_bytes())) {
        let calendar = calendar.map_err(|err| {
            let (line, message) = parser_error(&err);
            error(
                line,
                None,
                format!("the calendar cannot be read: {message}"),
                "repair or re-export the file; every line must be NAME[;PARAM=VALUE]:VALUE and every BEGIN needs its END",
            )
        })?;
        for event in &calendar.events {
            let line = event_lines.get(index).copied().unwrap_or(0);
            index += 1;
            let source = SourceRef::new(file, u32::try_from(line).unwrap_or(0), 1);
            let found = event_rules(event, source, zone)
                .map_err(|(field, message, help)| error(line, Some(field), message, help))?;
            rules.extend(found);
        }
    }
    Ok(rules)
}

fn parser_error(err: &ParserError) -> (usize, String) {
    let line = match err {
        ParserError::PropertyError(
            PropertyError::MissingName { line }
            | PropertyError::MissingClosingQuote { line }
            | PropertyError::MissingDelimiter { line, .. }
            | PropertyError::MissingContentAfter { line, .. }
            | PropertyError::MissingParamKey { line },
        ) => *line,
        _ => 0,
    };
    let message = match err {
        ParserError::NotComplete => "it ends inside a component (a BEGIN without its END)".into(),
        ParserError::InvalidComponent => "it contains a component that is not allowed there".into(),
        ParserError::MissingHeader => "it does not start with BEGIN:VCALENDAR".into(),
        other => other.to_string(),
    };
    (line, message)
}

type Problem = (&'static str, String, &'static str);

fn property<'a>(event: &'a IcalEvent, name: &str) -> Option<&'a Property> {
    event
        .properties
        .iter()
        .find(|p| p.name.eq_ignore_ascii_case(name))
}

fn param<'a>(property: &'a Property, name: &str) -> Option<&'a str> {
    property
        .params
        .as_ref()?
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .and_then(|(_, values)| values.first())
        .map(String::as_str)
}

fn when(property: &Property, zone: Tz, field: &'static str) -> Result<When, Problem> {
    let value = property.value.as_deref().unwrap_or_default();
    values::parse_when(
        value,
        param(property, "VALUE"),
        param(property, "TZID"),
        zone,
    )
    .map_err(|message| {
        (
            field,
            message,
            "write dates as YYYYMMDD and times as YYYYMMDDTHHMMSS with Z or an IANA TZID",
        )
    })
}

const RULE_HELP: &str =
    "use a weekly rule, add COUNT or UNTIL, or list the dates as separate events";

/// The freezes of one event (none, one, or one per occurrence).
fn event_rules(event: &IcalEvent, source: SourceRef, zone: Tz) -> Result<Vec<WindowRule>, Problem> {
    let text = |name: &str| {
        property(event, name)
            .and_then(|p| p.value.as_deref())
            .map(unescape_text)
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())
    };
    if text("STATUS").is_some_and(|s| s.eq_ignore_ascii_case("CANCELLED")) {
        return Ok(Vec::new());
    }
    let name = text("SUMMARY").unwrap_or_else(|| "Imported freeze".to_owned());
    let reason = text("DESCRIPTION").and_then(|d| {
        d.lines()
            .next()
            .map(|l| l.chars().take(200).collect::<String>())
    });
    let dtstart = property(event, "DTSTART").ok_or((
        "DTSTART",
        format!("the event \"{name}\" has no DTSTART"),
        "give every event a start (DTSTART)",
    ))?;
    let start = when(dtstart, zone, "DTSTART")?;
    let end = match (property(event, "DTEND"), property(event, "DURATION")) {
        (Some(dtend), _) => when(dtend, zone, "DTEND")?,
        (None, Some(duration)) => {
            let length = values::parse_duration(duration.value.as_deref().unwrap_or_default())
                .map_err(|m| ("DURATION", m, "write a duration such as PT2H or P1D"))?;
            shift(start, length)
        }
        (None, None) if start.is_date() => shift(start, chrono::Duration::days(1)),
        (None, None) => start,
    };
    let (first, last) = (start.instant(zone), end.instant(zone));
    if last < first {
        return Err((
            "DTEND",
            format!("the event \"{name}\" ends before it starts"),
            "fix DTEND (it is exclusive: an all-day event on 24 December ends on the 25th)",
        ));
    }
    if last == first {
        return Ok(Vec::new());
    }
    let rule = |schedule| WindowRule {
        name: name.clone(),
        reason: reason.clone(),
        schedule,
        source: source.clone(),
    };
    let Some(rrule) = property(event, "RRULE") else {
        return Ok(vec![rule(Schedule::Once {
            start: first,
            end: last,
        })]);
    };
    let recurrence = rrule::parse(rrule.value.as_deref().unwrap_or_default(), zone)
        .map_err(|m| ("RRULE", m, RULE_HELP))?;
    let has_exdate = property(event, "EXDATE").is_some();
    if property(event, "RDATE").is_some() {
        return Err(("RDATE", "RDATE is not supported".into(), RULE_HELP));
    }
    if let Some(weekly) = as_weekly(&recurrence, start, end, zone, has_exdate) {
        return Ok(vec![rule(weekly)]);
    }
    if !recurrence.is_bounded() {
        let message = format!(
            "the event \"{name}\" repeats without end (no COUNT or UNTIL); only a weekly \
             rule in {} without EXDATE can be imported like that",
            zone.name()
        );
        return Err(("RRULE", message, RULE_HELP));
    }
    let (start_naive, end_naive, basis) = naive(start, end, zone);
    let to_instant = |n: NaiveDateTime| basis.place(n);
    let starts = rrule::expand(&recurrence, start_naive, &to_instant, zone)
        .map_err(|m| ("RRULE", m, RULE_HELP))?;
    let excluded = exdates(event, zone)?;
    let length = end_naive - start_naive;
    Ok(starts
        .into_iter()
        .filter(|s| !excluded.contains(&to_instant(*s)))
        .map(|s| {
            rule(Schedule::Once {
                start: to_instant(s),
                end: to_instant(s + length),
            })
        })
        .collect())
}

fn shift(when: When, by: chrono::Duration) -> When {
    match when {
        When::Date(d) => When::Date(d + by),
        When::Utc(t) => When::Utc(t + by),
        When::Local(n, tz) => When::Local(n + by, tz),
    }
}

/// How wall-clock values of an event are placed in time.
#[derive(Clone, Copy)]
enum Basis {
    Zone(Tz),
    Utc,
}

impl Basis {
    fn place(self, naive: NaiveDateTime) -> chrono::DateTime<chrono::Utc> {
        match self {
            Basis::Zone(tz) => time::local_to_utc_lenient(naive, tz),
            Basis::Utc => naive.and_utc(),
        }
    }
}

fn naive(start: When, end: When, zone: Tz) -> (NaiveDateTime, NaiveDateTime, Basis) {
    let n = |w: When| match w {
        When::Date(d) => d.and_time(chrono::NaiveTime::MIN),
        When::Utc(t) => t.naive_utc(),
        When::Local(n, _) => n,
    };
    let basis = match start {
        When::Date(_) => Basis::Zone(zone),
        When::Utc(_) => Basis::Utc,
        When::Local(_, tz) => Basis::Zone(tz),
    };
    // Bring the end into the start's basis (it may be written differently).
    let end_naive = match (basis, end) {
        (Basis::Utc, other) => other.instant(zone).naive_utc(),
        (Basis::Zone(tz), When::Utc(t)) => time::to_local(t, tz),
        (Basis::Zone(tz), When::Local(n, other)) if other != tz => {
            time::to_local(time::local_to_utc_lenient(n, other), tz)
        }
        (_, other) => n(other),
    };
    (n(start), end_naive, basis)
}

/// A weekly rule in the portal's zone with an occurrence within one day stays weekly.
fn as_weekly(
    rule: &rrule::Rule,
    start: When,
    end: When,
    zone: Tz,
    has_exdate: bool,
) -> Option<Schedule> {
    let When::Local(first, tz) = start else {
        return None;
    };
    let When::Local(last, end_tz) = end else {
        return None;
    };
    let simple = rule.freq == rrule::Freq::Weekly && rule.interval == 1 && !has_exdate;
    if !simple || tz != zone || end_tz != zone || last.date() != first.date() || last <= first {
        return None;
    }
    let until = match (rule.until, rule.count) {
        (Some(When::Date(d)), _) => Some(d),
        (Some(When::Utc(t)), _) => Some(time::to_local(t, zone).date()),
        (Some(When::Local(n, tz)), _) => {
            Some(time::to_local(time::local_to_utc_lenient(n, tz), zone).date())
        }
        (None, Some(_)) => {
            let place = |n: NaiveDateTime| time::local_to_utc_lenient(n, zone);
            rrule::expand(rule, first, &place, zone)
                .ok()?
                .last()
                .map(|n| n.date())
        }
        (None, None) => None,
    };
    let days = if rule.byday.is_empty() {
        vec![chrono::Datelike::weekday(&first)]
    } else {
        rule.byday.clone()
    };
    Some(Schedule::Weekly {
        days,
        start: first.time().with_nanosecond(0)?,
        end: last.time().with_nanosecond(0)?,
        from: Some(first.date()),
        until,
    })
}

/// Every EXDATE instant of an event (one property may list several, comma-separated).
fn exdates(event: &IcalEvent, zone: Tz) -> Result<Vec<chrono::DateTime<chrono::Utc>>, Problem> {
    let mut found = Vec::new();
    for p in event
        .properties
        .iter()
        .filter(|p| p.name.eq_ignore_ascii_case("EXDATE"))
    {
        for value in p.value.as_deref().unwrap_or_default().split(',') {
            let when = values::parse_when(value, param(p, "VALUE"), param(p, "TZID"), zone)
                .map_err(|m| ("EXDATE", m, "write EXDATE like DTSTART"))?;
            found.push(when.instant(zone));
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests;
