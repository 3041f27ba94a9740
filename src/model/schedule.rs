//! Schedule pages: the release calendar (`/calendar/`, `/calendar/YYYY-MM/`) and the
//! on-call tables, from the calendar stage's views. Data only.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::live;
use super::pages::PageData;
use super::views::Shared;
use super::Page;
use crate::calendar::oncall::{self, ShiftRow};
use crate::calendar::views::{self, CalendarViews, MonthView};
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

/// The calendar index page and one page per month.
pub fn calendar_pages(content: &Content, now: DateTime<Utc>) -> Vec<Page> {
    let today = now.with_timezone(&content.portal.timezone).date_naive();
    let mut full = views::build(content, today);
    let months = std::mem::take(&mut full.months);
    // Month pages only need the calendar's small fields (one copy for all of them), not
    // every other month again; the index lists the months as links. Every month's days are
    // on its own page only: the index holding them too doubled the model's calendar and
    // made rendering the index convert every release of every month into template values.
    let index = CalendarViews {
        months: months.iter().map(month_link).collect(),
        ..full.clone()
    };
    let light = Shared::new(full);
    let mut pages = vec![Page {
        path: "calendar/".into(),
        template: "calendar.html",
        section: "calendar",
        title: "Release calendar".into(),
        data: PageData::Calendar(Box::new(CalendarPage {
            calendar: Shared::new(index),
            month: None,
        })),
    }];
    pages.extend(months.into_iter().map(|month| Page {
        path: month.path.clone(),
        template: "calendar.html",
        section: "calendar",
        title: format!("{} · Release calendar", month.title),
        data: PageData::Calendar(Box::new(CalendarPage {
            calendar: light.clone(),
            month: Some(month),
        })),
    }));
    pages
}

/// A month as the calendar index lists it: its name, link and release count, without its
/// weeks and days (empty here; they are on the month's own page).
fn month_link(month: &MonthView) -> MonthView {
    MonthView {
        key: month.key.clone(),
        title: month.title.clone(),
        path: month.path.clone(),
        is_current: month.is_current,
        prev: month.prev.clone(),
        next: month.next.clone(),
        weeks: Vec::new(),
        agenda: Vec::new(),
        release_count: month.release_count,
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::testutil::{content, release, utc};

    fn calendar(page: &Page) -> &CalendarPage {
        match &page.data {
            PageData::Calendar(calendar) => calendar,
            _ => panic!("{} is not a calendar page", page.path),
        }
    }

    #[test]
    fn the_index_links_every_month_and_month_pages_share_one_calendar() {
        let mut c = content();
        c.releases = vec![
            release("payments", "2.4.0", utc(2026, 10, 6, 9, 0), 60),
            release("ledger", "1.2.0", utc(2026, 11, 20, 9, 0), 60),
            release("payments", "2.5.0", utc(2026, 12, 3, 9, 0), 60),
        ];
        let pages = calendar_pages(&c, utc(2026, 11, 25, 12, 0));
        let index = calendar(&pages[0]);
        assert_eq!(pages[0].path, "calendar/");
        assert!(index.month.is_none());
        let months: Vec<&MonthView> = pages[1..]
            .iter()
            .map(|p| {
                calendar(p)
                    .month
                    .as_ref()
                    .expect("a month page has its month")
            })
            .collect();
        assert_eq!(index.calendar.months.len(), months.len());
        assert!(months.len() >= 3, "{}", months.len());
        for (link, month) in index.calendar.months.iter().zip(&months) {
            assert_eq!(
                (&link.key, &link.path, &link.title, link.release_count),
                (&month.key, &month.path, &month.title, month.release_count)
            );
            assert!(link.weeks.is_empty() && link.agenda.is_empty());
        }
        assert!(
            months
                .iter()
                .any(|m| !m.weeks.is_empty() && !m.agenda.is_empty()),
            "month pages keep their days"
        );
        assert!(
            !index.calendar.current.weeks.is_empty(),
            "this month in full"
        );
        let first = &calendar(&pages[1]).calendar;
        for page in &pages[1..] {
            assert!(Shared::ptr_eq(first, &calendar(page).calendar));
        }
        assert!(first.months.is_empty());
        assert_eq!(first.current.key, index.calendar.current.key);
    }
}
