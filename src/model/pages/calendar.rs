//! The release calendar's pages (`/calendar/`, `/calendar/YYYY-MM/`).

use chrono::{DateTime, Utc};

use crate::calendar::views::{self, CalendarViews, MonthView};
use crate::content::Content;
use crate::model::live;
use crate::model::schedule::CalendarPage;
use crate::model::views::Shared;
use crate::model::Page;

use super::PageData;

/// The calendar index page and one page per month.
pub fn calendar_pages(content: &Content, now: DateTime<Utc>) -> Vec<Page> {
    let cover_until = live::covered_until(now, content.portal.stale_after_hours);
    let mut full = views::build(content, now, cover_until);
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
        recurring: Vec::new(),
        release_count: month.release_count,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::testutil::{content, release, utc};
    use crate::model::PageData;

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
