//! On-call: who holds a rotation when, for the contact pages' tables, the on-call feeds and
//! every "on call now" (home, escalation ladders).
//!
//! A rotation hands over every `length_days` days at the wall-clock time of its `start` in
//! the portal's zone: a Monday 10:00 handoff stays at 10:00 local time across a DST change,
//! so that shift is an hour shorter or longer in absolute time. Members take turns in the
//! order listed; turn `n` (counted from the rotation's start) belongs to member
//! `n % members`, so the same turn always has the same number, whatever `from` is.
//!
//! Overrides (someone covering from one instant to another) are applied here, inside the
//! schedule, so that every consumer sees the same person: a turn that an override touches is
//! cut into stretches, each held by one person. An override spanning a handoff is cut at the
//! handoff too, so each stretch says whom it covers for.

use chrono::{DateTime, Days, Duration, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use super::time;
use crate::content::{Content, Rotation, RotationOverride};

/// One stretch of a rotation held by one person: a whole turn, or the part of a turn
/// before, during or after an override.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shift {
    /// Person id of whoever holds the rotation.
    pub person: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// The turn's number since the rotation's start (0 is the first turn); every stretch of
    /// a turn has the turn's number.
    pub number: u64,
    /// Person id of the member whose turn it is, when someone else covers (an override).
    pub covering: Option<String>,
}

/// A shift ready for a table: names resolved, times formatted in the portal's zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShiftRow {
    pub person: String,
    pub person_name: String,
    /// The name of the member whose turn it is, when `person` covers for them.
    pub covering: Option<String>,
    /// `Mon 2026-11-02 10:00`.
    pub start: String,
    pub end: String,
    /// Whether the shift is running at `from`.
    pub current: bool,
}

/// The shifts of `rotation` that overlap `[from, from + weeks)`, in order, overrides
/// applied; empty for a rotation without members or with a zero length.
pub fn schedule(rotation: &Rotation, zone: Tz, from: DateTime<Utc>, weeks: u32) -> Vec<Shift> {
    let until = from
        .checked_add_signed(Duration::weeks(i64::from(weeks)))
        .unwrap_or(DateTime::<Utc>::MAX_UTC);
    turns(rotation, zone, from, until)
        .into_iter()
        .flat_map(|turn| cover(turn, &rotation.overrides))
        .filter(|shift| shift.end > from && shift.start < until)
        .collect()
}

/// The shift running at `at` (nobody before the rotation starts).
pub fn holder_at(rotation: &Rotation, zone: Tz, at: DateTime<Utc>) -> Option<Shift> {
    schedule(rotation, zone, at, 1)
        .into_iter()
        .find(|shift| shift.start <= at && at < shift.end)
}

/// When turn `number` of `rotation` starts: the handoff that begins it.
pub fn turn_start(rotation: &Rotation, zone: Tz, number: u64) -> Option<DateTime<Utc>> {
    let days = number.checked_mul(u64::from(rotation.length_days))?;
    let local = time::to_local(rotation.start, zone).checked_add_days(Days::new(days))?;
    Some(time::local_to_utc_lenient(local, zone))
}

/// The turns (by the turn order alone) that overlap `[from, until)`.
fn turns(rotation: &Rotation, zone: Tz, from: DateTime<Utc>, until: DateTime<Utc>) -> Vec<Shift> {
    let length = u64::from(rotation.length_days);
    if rotation.members.is_empty() || length == 0 {
        return Vec::new();
    }
    // Start a turn early (DST can move boundaries by an hour) and skip what ended before.
    let elapsed = (from - rotation.start).num_days().max(0).unsigned_abs();
    let mut n = (elapsed / length).saturating_sub(1);
    let mut shifts = Vec::new();
    while let (Some(start), Some(end)) = (
        turn_start(rotation, zone, n),
        turn_start(rotation, zone, n + 1),
    ) {
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
                covering: None,
            });
        }
        n += 1;
    }
    shifts
}

/// Cuts `turn` into the stretches the overrides give it. Overrides are expected not to
/// overlap (validation rejects that); if they do, the earlier one wins where they meet.
fn cover(turn: Shift, overrides: &[RotationOverride]) -> Vec<Shift> {
    let mut touching: Vec<&RotationOverride> = overrides
        .iter()
        .filter(|o| o.start < turn.end && turn.start < o.end && o.person != turn.person)
        .collect();
    if touching.is_empty() {
        return vec![turn];
    }
    touching.sort_by_key(|o| (o.start, o.end));
    let stretch = |person: &str, start, end, covering: Option<&String>| Shift {
        person: person.to_owned(),
        start,
        end,
        number: turn.number,
        covering: covering.cloned(),
    };
    let mut pieces = Vec::new();
    let mut cursor = turn.start;
    for o in touching {
        let (start, end) = (o.start.max(cursor), o.end.min(turn.end));
        if start >= end {
            continue;
        }
        if cursor < start {
            pieces.push(stretch(&turn.person, cursor, start, None));
        }
        pieces.push(stretch(&o.person, start, end, Some(&turn.person)));
        cursor = end;
    }
    if cursor < turn.end {
        pieces.push(stretch(&turn.person, cursor, turn.end, None));
    }
    // Back-to-back overrides by the same person read as one stretch.
    pieces.dedup_by(|later, earlier| {
        let same = later.person == earlier.person && later.covering == earlier.covering;
        if same {
            earlier.end = later.end;
        }
        same
    });
    pieces
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
    let name = |id: &str| content.person_name(id);
    schedule(rotation, zone, from, weeks)
        .into_iter()
        .map(|shift| ShiftRow {
            person_name: name(&shift.person),
            covering: shift.covering.as_deref().map(name),
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

    /// li, priya, sam take weekly turns from Mon 2026-11-02 10:00 Berlin (09:00 UTC): li
    /// 11-02, priya 11-09, sam 11-16, li 11-23; with `overrides` (person, start, end in UTC).
    fn covered(overrides: &[(&str, DateTime<Utc>, DateTime<Utc>)]) -> (Content, Rotation) {
        let mut c = content();
        c.people.push(crate::content::Person {
            id: "sam".into(),
            name: "Sam Okafor".into(),
            title: None,
            email: None,
            phone: None,
            chat: None,
        });
        let mut rotation = c.rotations[0].clone();
        rotation.members.push("sam".into());
        rotation.overrides = overrides
            .iter()
            .map(|(person, start, end)| RotationOverride {
                person: (*person).into(),
                start: *start,
                end: *end,
                source: crate::diagnostics::SourceRef::file("contacts.yaml"),
            })
            .collect();
        (c, rotation)
    }

    /// (person, covering, start, end) of each shift from 2026-11-02 for three weeks.
    fn stretches(rotation: &Rotation) -> Vec<(String, Option<String>, String, String)> {
        let zone = chrono_tz::Europe::Berlin;
        let shifts = schedule(rotation, zone, utc(2026, 11, 2, 9, 0), 3);
        assert!(
            shifts.windows(2).all(|w| w[0].end == w[1].start),
            "{shifts:#?}"
        );
        shifts
            .into_iter()
            .map(|s| {
                let f = |t: DateTime<Utc>| t.format("%m-%d %H:%M").to_string();
                (s.person, s.covering, f(s.start), f(s.end))
            })
            .collect()
    }

    fn stretch(
        person: &str,
        covering: Option<&str>,
        start: &str,
        end: &str,
    ) -> (String, Option<String>, String, String) {
        (
            person.into(),
            covering.map(Into::into),
            start.into(),
            end.into(),
        )
    }

    #[test]
    fn an_override_spanning_a_handoff_covers_each_turn_separately() {
        // sam covers Sat 11-07 to Wed 11-11: the end of li's turn and the start of priya's.
        let (_, rotation) = covered(&[("sam", utc(2026, 11, 7, 9, 0), utc(2026, 11, 11, 9, 0))]);
        assert_eq!(
            stretches(&rotation),
            [
                stretch("li", None, "11-02 09:00", "11-07 09:00"),
                stretch("sam", Some("li"), "11-07 09:00", "11-09 09:00"),
                stretch("sam", Some("priya"), "11-09 09:00", "11-11 09:00"),
                stretch("priya", None, "11-11 09:00", "11-16 09:00"),
                stretch("sam", None, "11-16 09:00", "11-23 09:00"),
            ]
        );
    }

    #[test]
    fn a_handoff_inside_an_override_to_the_covering_person_ends_the_cover() {
        // priya takes over li's last two days and her own turn starts inside the override:
        // from the handoff on she holds her own turn, covering nobody.
        let (c, rotation) = covered(&[("priya", utc(2026, 11, 7, 9, 0), utc(2026, 11, 12, 9, 0))]);
        assert_eq!(
            stretches(&rotation)[..3],
            [
                stretch("li", None, "11-02 09:00", "11-07 09:00"),
                stretch("priya", Some("li"), "11-07 09:00", "11-09 09:00"),
                stretch("priya", None, "11-09 09:00", "11-16 09:00"),
            ]
        );
        let zone = c.portal.timezone;
        let at = utc(2026, 11, 8, 0, 0);
        assert_eq!(
            holder_at(&rotation, zone, at).map(|s| s.person),
            Some("priya".into())
        );
        assert_eq!(
            turn_start(&rotation, zone, 1),
            Some(utc(2026, 11, 9, 9, 0)),
            "turns keep their handoffs"
        );
    }

    #[test]
    fn back_to_back_overrides_follow_each_other_and_merge_when_the_same_person() {
        let (_, rotation) = covered(&[
            ("sam", utc(2026, 11, 3, 9, 0), utc(2026, 11, 4, 9, 0)),
            ("priya", utc(2026, 11, 4, 9, 0), utc(2026, 11, 5, 9, 0)),
            ("sam", utc(2026, 11, 17, 9, 0), utc(2026, 11, 18, 9, 0)), // sam's own turn
            ("li", utc(2026, 11, 19, 9, 0), utc(2026, 11, 20, 9, 0)),
            ("li", utc(2026, 11, 20, 9, 0), utc(2026, 11, 21, 9, 0)),
        ]);
        assert_eq!(
            stretches(&rotation),
            [
                stretch("li", None, "11-02 09:00", "11-03 09:00"),
                stretch("sam", Some("li"), "11-03 09:00", "11-04 09:00"),
                stretch("priya", Some("li"), "11-04 09:00", "11-05 09:00"),
                stretch("li", None, "11-05 09:00", "11-09 09:00"),
                stretch("priya", None, "11-09 09:00", "11-16 09:00"),
                stretch("sam", None, "11-16 09:00", "11-19 09:00"),
                stretch("li", Some("sam"), "11-19 09:00", "11-21 09:00"),
                stretch("sam", None, "11-21 09:00", "11-23 09:00"),
            ]
        );
    }

    #[test]
    fn a_schedule_from_inside_an_override_starts_with_it_and_rows_name_both() {
        let (c, rotation) = covered(&[("sam", utc(2026, 11, 7, 9, 0), utc(2026, 11, 11, 9, 0))]);
        let now = utc(2026, 11, 8, 12, 0);
        let shifts = schedule(&rotation, c.portal.timezone, now, 1);
        assert_eq!(shifts[0].start, utc(2026, 11, 7, 9, 0));
        assert_eq!(shifts[0].covering.as_deref(), Some("li"));
        let rows = rows(&c, &rotation, now, 1);
        assert_eq!(rows[0].person_name, "Sam Okafor");
        assert_eq!(rows[0].covering.as_deref(), Some("Li Wei"));
        assert!(rows[0].current);
        assert_eq!(rows[1].covering.as_deref(), Some("Priya Raman"));
        assert_eq!(rows[2].covering, None);
        assert_eq!(rows[2].start, "Wed 2026-11-11 10:00");
    }

    #[test]
    fn overrides_before_the_rotation_starts_change_nothing() {
        let (c, rotation) = covered(&[("sam", utc(2026, 10, 1, 9, 0), utc(2026, 11, 2, 9, 0))]);
        let plain = covered(&[]).1;
        let zone = c.portal.timezone;
        let from = utc(2026, 10, 20, 0, 0);
        assert_eq!(
            schedule(&rotation, zone, from, 4),
            schedule(&plain, zone, from, 4)
        );
    }
}
