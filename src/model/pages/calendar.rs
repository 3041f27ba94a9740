//! The release calendar's pages (`/calendar/`, `/calendar/YYYY-MM/`).

use chrono::{DateTime, Utc};

use crate::calendar::views::{self, CalendarViews};
use crate::content::Content;
use crate::model::schedule::CalendarPage;
use crate::model::Page;

use super::PageData;

/// The calendar index page and one page per month.
pub fn calendar_pages(content: &Content, now: DateTime<Utc>) -> Vec<Page> {
    let today = now.with_timezone(&content.portal.timezone).date_naive();
    let full = views::build(content, today);
    // Month pages only need the calendar's small fields, not every other month again.
    let light = CalendarViews {
        months: Vec::new(),
        ..full.clone()
    };
    let mut pages: Vec<Page> = full
        .months
        .iter()
        .map(|month| Page {
            path: month.path.clone(),
            template: "calendar.html",
            section: "calendar",
            title: format!("{} · Release calendar", month.title),
            data: PageData::Calendar(Box::new(CalendarPage {
                calendar: light.clone(),
                month: Some(month.clone()),
            })),
        })
        .collect();
    pages.insert(
        0,
        Page {
            path: "calendar/".into(),
            template: "calendar.html",
            section: "calendar",
            title: "Release calendar".into(),
            data: PageData::Calendar(Box::new(CalendarPage {
                calendar: full,
                month: None,
            })),
        },
    );
    pages
}
