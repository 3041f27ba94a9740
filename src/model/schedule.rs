//! Schedule data for pages: the release calendar's page data and the on-call tables, from
//! the calendar stage's views. Data only; the pages themselves are made in `pages`.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::live;
use super::views::Shared;
use crate::calendar::oncall::{self, ShiftRow};
use crate::calendar::views::{CalendarViews, MonthView};
use crate::content::{Content, LadderContact, Rotation};

/// How far ahead on-call tables and feeds look.
pub const ON_CALL_WEEKS: u32 = 12;

/// A calendar page: the index (`month` is `None`) or one month.
#[derive(Debug, Clone, Serialize)]
pub struct CalendarPage {
    /// One copy shared by every month page.
    pub calendar: Shared<CalendarViews>,
    pub month: Option<MonthView>,
}

/// A rotation with its shifts in the coming weeks.
#[derive(Debug, Clone, Serialize)]
pub struct RotationView {
    pub id: String,
    pub name: String,
    /// `calendar/oncall-<id>.ics`
    pub feed_path: String,
    pub shifts: Vec<LiveShiftRow>,
}

/// A row of an on-call table with its shift as `data-live-on`, so the live layer moves the
/// "(now)" marker at each handoff.
#[derive(Debug, Clone, Serialize)]
pub struct LiveShiftRow {
    #[serde(flatten)]
    pub row: ShiftRow,
    pub on: String,
}

/// Every rotation's shifts from `now` on.
pub fn rotations(content: &Content, now: DateTime<Utc>) -> Vec<RotationView> {
    content
        .rotations
        .iter()
        .map(|rotation| RotationView {
            id: rotation.id.clone(),
            name: rotation.name.clone(),
            feed_path: format!("calendar/oncall-{}.ics", rotation.id),
            shifts: live_rows(content, rotation, now),
        })
        .collect()
}

/// The table rows of `rotation` with their instants: `oncall::rows` and `oncall::schedule`
/// list the same shifts in the same order.
fn live_rows(content: &Content, rotation: &Rotation, now: DateTime<Utc>) -> Vec<LiveShiftRow> {
    let shifts = oncall::schedule(rotation, content.portal.timezone, now, ON_CALL_WEEKS);
    oncall::rows(content, rotation, now, ON_CALL_WEEKS)
        .into_iter()
        .zip(shifts)
        .map(|(row, shift)| LiveShiftRow {
            row,
            on: live::intervals(&[(shift.start, shift.end)]),
        })
        .collect()
}

/// The rotations a system's escalation ladder calls on.
pub fn system_rotations(content: &Content, system: &str, now: DateTime<Utc>) -> Vec<RotationView> {
    let Some(ladder) = content
        .system(system)
        .and_then(|s| s.escalation.as_ref())
        .and_then(|l| content.ladder(l))
    else {
        return Vec::new();
    };
    let ids: Vec<&str> = ladder
        .steps
        .iter()
        .filter_map(|s| match &s.contact {
            LadderContact::Rotation(id) => Some(id.as_str()),
            LadderContact::Person(_) => None,
        })
        .collect();
    rotations(content, now)
        .into_iter()
        .filter(|r| ids.contains(&r.id.as_str()))
        .collect()
}
