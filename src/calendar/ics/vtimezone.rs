//! VTIMEZONE: describe the portal's zone to calendar clients, from chrono-tz's own data.
//!
//! chrono-tz does not expose its transition table, so the transitions are found by probing
//! the UTC offset day by day over the covered years and narrowing each change down to the
//! second. Consecutive years whose transition follows the same rule ("last Sunday of March
//! at 02:00, +01:00 to +02:00") become one STANDARD or DAYLIGHT observance with a yearly
//! RRULE; a rule that still holds in the last covered year is left open-ended so recurring
//! events stay right after the covered years. For a zone like Europe/Berlin this yields the
//! classic one-DAYLIGHT-one-STANDARD shape, which Outlook requires (it maps a VTIMEZONE onto
//! a single yearly rule pair). A zone without transitions gets one STANDARD observance.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Offset, TimeZone, Timelike, Utc};
use chrono_tz::{OffsetComponents, OffsetName, Tz};

use super::writer::{local_stamp, utc_stamp, Writer};

/// One change of the zone's UTC offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    pub at: DateTime<Utc>,
    /// Seconds east of UTC before and after.
    pub from: i32,
    pub to: i32,
    /// Whether the new offset is daylight-saving time.
    pub dst: bool,
    pub name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Probe {
    offset: i32,
    dst: bool,
    name: Option<String>,
}

fn probe(zone: Tz, at: DateTime<Utc>) -> Probe {
    let offset = zone.offset_from_utc_datetime(&at.naive_utc());
    Probe {
        offset: offset.fix().local_minus_utc(),
        dst: !offset.dst_offset().is_zero(),
        name: offset.abbreviation().map(str::to_owned),
    }
}

/// The transitions of `zone` during the years `first..=last`, in order.
pub fn transitions(zone: Tz, first: i32, last: i32) -> Vec<Transition> {
    let start = year_start(first);
    let end = year_start(last.saturating_add(1));
    let mut found = Vec::new();
    let mut at = start;
    let mut before = probe(zone, at);
    while at < end {
        let next = at + Duration::days(1);
        let after = probe(zone, next);
        if after != before {
            // Narrow down to the first second with the new offset.
            let (mut low, mut high) = (at.timestamp(), next.timestamp());
            while high - low > 1 {
                let mid = low + (high - low) / 2;
                if probe(zone, from_seconds(mid)) == before {
                    low = mid;
                } else {
                    high = mid;
                }
            }
            let high = from_seconds(high);
            let now = probe(zone, high);
            found.push(Transition {
                at: high,
                from: before.offset,
                to: now.offset,
                dst: now.dst,
                name: now.name,
            });
        }
        at = next;
        before = after;
    }
    found
}

fn from_seconds(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(seconds, 0).unwrap_or(DateTime::<Utc>::MIN_UTC)
}

fn year_start(year: i32) -> DateTime<Utc> {
    let date = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(NaiveDate::MIN);
    Utc.from_utc_datetime(&date.and_time(chrono::NaiveTime::MIN))
}

/// `BYMONTH=3;BYDAY=-1SU`: the yearly rule a transition on local `date` follows.
fn yearly_rule(date: NaiveDate) -> String {
    let weekday =
        ["MO", "TU", "WE", "TH", "FR", "SA", "SU"][date.weekday().num_days_from_monday() as usize];
    let days_in_month = days_in_month(date);
    let nth = if date.day() + 7 > days_in_month {
        "-1".to_owned()
    } else {
        ((date.day() - 1) / 7 + 1).to_string()
    };
    format!("BYMONTH={};BYDAY={nth}{weekday}", date.month())
}

fn days_in_month(date: NaiveDate) -> u32 {
    let (y, m) = if date.month() == 12 {
        (date.year() + 1, 1)
    } else {
        (date.year(), date.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1)
        .and_then(|next| next.pred_opt())
        .map_or(31, |last| last.day())
}

/// `+0100`, `-0330`, `+054500`.
pub fn utc_offset(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let s = seconds.unsigned_abs();
    let (h, m, sec) = (s / 3600, s / 60 % 60, s % 60);
    if sec == 0 {
        format!("{sign}{h:02}{m:02}")
    } else {
        format!("{sign}{h:02}{m:02}{sec:02}")
    }
}

/// One observance: a run of yearly transitions following the same rule.
struct Run<'a> {
    first: &'a Transition,
    last: &'a Transition,
    rule: String,
    count: usize,
}

fn key(t: &Transition) -> (bool, i32, i32, Option<&str>, String, u32) {
    let local = (t.at + Duration::seconds(i64::from(t.from))).naive_utc();
    (
        t.dst,
        t.from,
        t.to,
        t.name.as_deref(),
        yearly_rule(local.date()),
        local.time().num_seconds_from_midnight(),
    )
}

/// Writes the VTIMEZONE of `zone` covering the years `first..=last`.
pub fn write(w: &mut Writer, zone: Tz, first: i32, last: i32) {
    let all = transitions(zone, first, last);
    w.begin("VTIMEZONE");
    w.text("TZID", zone.name());
    if all.is_empty() {
        let p = probe(zone, year_start(first));
        let kind = "STANDARD";
        w.begin(kind);
        if let Some(name) = &p.name {
            w.text("TZNAME", name);
        }
        w.raw("TZOFFSETFROM", &[], &utc_offset(p.offset));
        w.raw("TZOFFSETTO", &[], &utc_offset(p.offset));
        w.raw("DTSTART", &[], &local_stamp(year_start(first).naive_utc()));
        w.end(kind);
        w.end("VTIMEZONE");
        return;
    }
    // Group each kind of transition (e.g. spring forward) into runs of consecutive years.
    let mut runs: Vec<Run> = Vec::new();
    for t in &all {
        let k = key(t);
        let extends = runs.iter_mut().rev().find(|r| {
            key(r.last) == k && r.last.at.year() + 1 == t.at.year() && r.first.dst == t.dst
        });
        match extends {
            Some(run) => {
                run.last = t;
                run.count += 1;
            }
            None => runs.push(Run {
                first: t,
                last: t,
                rule: k.4,
                count: 1,
            }),
        }
    }
    let final_year = all.last().map_or(last, |t| t.at.year());
    runs.sort_by_key(|r| r.first.at);
    for run in &runs {
        let kind = if run.first.dst {
            "DAYLIGHT"
        } else {
            "STANDARD"
        };
        w.begin(kind);
        if let Some(name) = &run.first.name {
            w.text("TZNAME", name);
        }
        w.raw("TZOFFSETFROM", &[], &utc_offset(run.first.from));
        w.raw("TZOFFSETTO", &[], &utc_offset(run.first.to));
        let local = (run.first.at + Duration::seconds(i64::from(run.first.from))).naive_utc();
        w.raw("DTSTART", &[], &local_stamp(local));
        let open = run.last.at.year() >= final_year && run.last.at.year() >= last;
        if open {
            w.raw("RRULE", &[], &format!("FREQ=YEARLY;{}", run.rule));
        } else if run.count > 1 {
            let until = utc_stamp(run.last.at);
            w.raw(
                "RRULE",
                &[],
                &format!("FREQ=YEARLY;{};UNTIL={until}", run.rule),
            );
        }
        w.end(kind);
    }
    w.end("VTIMEZONE");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(zone: Tz, first: i32, last: i32) -> String {
        let mut w = Writer::new();
        write(&mut w, zone, first, last);
        w.finish()
    }

    #[test]
    fn berlin_transitions_are_found_to_the_second() {
        let found = transitions(chrono_tz::Europe::Berlin, 2026, 2026);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].at.to_rfc3339(), "2026-03-29T01:00:00+00:00");
        assert_eq!(
            (found[0].from, found[0].to, found[0].dst),
            (3600, 7200, true)
        );
        assert_eq!(found[0].name.as_deref(), Some("CEST"));
        assert_eq!(found[1].at.to_rfc3339(), "2026-10-25T01:00:00+00:00");
    }

    #[test]
    fn berlin_becomes_one_daylight_and_one_standard_rule() {
        let text = written(chrono_tz::Europe::Berlin, 2025, 2028);
        assert_eq!(
            text,
            "BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\n\
             BEGIN:DAYLIGHT\r\nTZNAME:CEST\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\n\
             DTSTART:20250330T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nEND:DAYLIGHT\r\n\
             BEGIN:STANDARD\r\nTZNAME:CET\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\n\
             DTSTART:20251026T030000\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nEND:STANDARD\r\n\
             END:VTIMEZONE\r\n"
        );
    }

    #[test]
    fn new_york_uses_nth_sunday_rules() {
        let text = written(chrono_tz::America::New_York, 2026, 2027);
        assert!(text.contains("RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU"));
        assert!(text.contains("RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU"));
        assert!(text.contains("TZOFFSETFROM:-0500"));
    }

    #[test]
    fn zones_without_dst_and_abolished_dst() {
        let tokyo = written(chrono_tz::Asia::Tokyo, 2026, 2027);
        assert!(tokyo.contains("BEGIN:STANDARD\r\nTZNAME:JST\r\nTZOFFSETFROM:+0900\r\nTZOFFSETTO:+0900\r\nDTSTART:20260101T000000\r\n"));
        assert!(!tokyo.contains("RRULE"));
        let utc = written(chrono_tz::UTC, 2026, 2027);
        assert!(utc.contains("TZID:UTC\r\nBEGIN:STANDARD\r\nTZNAME:UTC\r\nTZOFFSETFROM:+0000\r\nTZOFFSETTO:+0000\r\n"), "{utc}");
        // Istanbul last changed in 2016 (to permanent +03): the old rules get an UNTIL.
        let istanbul = written(chrono_tz::Europe::Istanbul, 2013, 2018);
        assert!(istanbul.contains("UNTIL="));
        assert!(!istanbul.contains("BYDAY=-1SU\r\n"), "{istanbul}");
    }

    #[test]
    fn offsets() {
        assert_eq!(utc_offset(3600), "+0100");
        assert_eq!(utc_offset(-12600), "-0330");
        assert_eq!(utc_offset(20700), "+0545");
        assert_eq!(utc_offset(0), "+0000");
        assert_eq!(utc_offset(-1), "-000001");
    }
}
