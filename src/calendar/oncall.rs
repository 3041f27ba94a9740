//! On-call: who holds a rotation when, for the contact pages' tables and the on-call feeds.
//!
//! A rotation hands over every `length_days` days at the wall-clock time of its `start` in
//! the portal's zone: a Monday 10:00 handoff stays at 10:00 local time across a DST change,
//! so that shift is an hour shorter or longer in absolute time. Members take turns in the
//! order listed; shift `n` (counted from the rotation's start) belongs to member
//! `n % members`, so the same shift always has the same number, whatever `from` is.

use chrono::{DateTime, Days, Duration, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use super::time;
use crate::content::{Content, Rotation};

/// One shift of a rotation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shift {
    /// Person id.
    pub person: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// The shift's number since the rotation's start (0 is the first shift).
    pub number: u64,
}

/// A shift ready for a table: names resolved, times formatted in the portal's zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShiftRow {
    pub person: String,
    pub person_name: String,
    /// `Mon 2026-11-02 10:00`.
    pub start: String,
    pub end: String,
    /// Whether the shift is running at `from`.
    pub current: bool,
}

/// The shifts of `rotation` that overlap `[from, from + weeks)`, in order; empty for a
/// rotation without members or with a zero length.
pub fn schedule(rotation: &Rotation, zone: Tz, from: DateTime<Utc>, weeks: u32) -> Vec<Shift> {
    let length = u64::from(rotation.length_days);
    if rotation.members.is_empty() || length == 0 {
        return Vec::new();
    }
    let until = from
        .checked_add_signed(Duration::weeks(i64::from(weeks)))
        .unwrap_or(DateTime::<Utc>::MAX_UTC);
    let first_local = time::to_local(rotation.start, zone);
    let boundary = |n: u64| -> Option<DateTime<Utc>> {
        let days = n.checked_mul(length)?;
        let local = first_local.checked_add_days(Days::new(days))?;
        Some(time::local_to_utc_lenient(local, zone))
    };
    // Start a shift early (DST can move boundaries by an hour) and skip what ended before.
    let elapsed = (from - rotation.start).num_days().max(0).unsigned_abs();
    let mut n = (elapsed / length).saturating_sub(1);
    let mut shifts = Vec::new();
    while let (Some(start), Some(end)) = (boundary(n), boundary(n + 1)) {
        if start >= until {
            break;
        }
        if end > from {
            let member = usize::try_from(n % rotation.members.len() as u64).unwrap_or(0);
            shifts.push(Shift {
                person: rotation.members[member].clone(),
                start,
                end,
                number: n,
            });
        }
        n += 1;
    }
    shifts
}

/// The rows of the "who is on call" table for `rotation`.
pub fn rows(
    content: &Content,
    rotation: &Rotation,
    from: DateTime<Utc>,
    weeks: u32,
) -> Vec<ShiftRow> {
    let zone = content.portal.timezone;
    let format = |t: DateTime<Utc>| {
        time::to_local(t, zone)
            .format("%a %Y-%m-%d %H:%M")
            .to_string()
    };
    schedule(rotation, zone, from, weeks)
        .into_iter()
        .map(|shift| ShiftRow {
            person_name: content
                .person(&shift.person)
                .map_or_else(|| shift.person.clone(), |p| p.name.clone()),
            current: shift.start <= from && from < shift.end,
            start: format(shift.start),
            end: format(shift.end),
            person: shift.person,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::testutil::{content, utc};

    #[test]
    fn twelve_weeks_of_weekly_shifts_keep_the_local_handoff_time() {
        let c = content();
        let rotation = &c.rotations[0]; // li, priya; weekly from Mon 2026-11-02 10:00 Berlin
        let zone = c.portal.timezone;
        let shifts = schedule(rotation, zone, utc(2026, 10, 20, 0, 0), 12);
        // Nothing before the rotation starts; shifts then alternate.
        assert_eq!(shifts[0].start, rotation.start);
        assert_eq!(shifts[0].person, "li");
        assert_eq!(shifts[1].person, "priya");
        assert_eq!(shifts[0].number, 0);
        assert!(shifts.windows(2).all(|w| w[0].end == w[1].start));
        assert_eq!(
            shifts.last().map(|s| s.start < utc(2027, 1, 12, 0, 0)),
            Some(true)
        );
        // In summer time (from 2027-03-28) the 10:00 handoff is 08:00 UTC.
        let summer = schedule(rotation, zone, utc(2027, 4, 1, 0, 0), 2);
        assert_eq!(summer[0].start.to_rfc3339(), "2027-03-29T08:00:00+00:00");
        assert_eq!(summer[0].start - summer[0].end, -Duration::days(7));
        let across = schedule(rotation, zone, utc(2027, 3, 25, 0, 0), 1);
        assert_eq!(
            across[0].end - across[0].start,
            Duration::days(7) - Duration::hours(1)
        );
    }

    #[test]
    fn shift_numbers_do_not_depend_on_from() {
        let c = content();
        let rotation = &c.rotations[0];
        let zone = c.portal.timezone;
        let a = schedule(rotation, zone, utc(2026, 12, 1, 0, 0), 4);
        let b = schedule(rotation, zone, utc(2026, 12, 10, 0, 0), 4);
        let shared = b
            .iter()
            .find(|s| s.start < utc(2026, 12, 10, 0, 0))
            .unwrap();
        assert!(a.contains(shared));
        assert!(a[0].start <= utc(2026, 12, 1, 0, 0) && utc(2026, 12, 1, 0, 0) < a[0].end);
    }

    #[test]
    fn rows_resolve_names_and_mark_the_current_shift() {
        let c = content();
        let rows = rows(&c, &c.rotations[0], utc(2026, 11, 3, 0, 0), 2);
        assert_eq!(rows[0].person_name, "Li Wei");
        assert!(rows[0].current);
        assert_eq!(rows[0].start, "Mon 2026-11-02 10:00");
        assert!(!rows[1].current);
    }

    #[test]
    fn empty_rotations_have_no_shifts() {
        let mut c = content();
        c.rotations[0].members.clear();
        assert!(schedule(
            &c.rotations[0],
            c.portal.timezone,
            utc(2026, 11, 3, 0, 0),
            12
        )
        .is_empty());
    }
}
