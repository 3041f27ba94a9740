//! Views: the data of the HTML calendar — month grids, the upcoming list, feed links.
//!
//! Plain, serializable data for `calendar.html`; every date and time is already formatted
//! in the portal's zone (templates have no date filter). A month view exists for every month
//! in which a release or a one-off freeze or maintenance window falls, plus the month of
//! `today`; weekly windows are shown on the days they apply but do not create months.
//! "Today" is an input (the build date, reproducible with SOURCE_DATE_EPOCH): nothing here
//! reads the clock. Paths are relative to the site root (`releases/payments/2.4.0/`).

mod month;

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use super::windows::{self, Span};
use super::{ics, time};
use crate::content::{Content, Release, Schedule, WindowRule};
pub use month::{DayRelease, DayView, DayWindow, MonthRecurring, MonthView, WeekView};

/// How many releases and one-off windows the upcoming lists show.
pub const UPCOMING_RELEASES: usize = 20;
pub const UPCOMING_WINDOWS: usize = 10;

/// Everything the calendar pages show.
#[derive(Debug, Clone, Serialize)]
pub struct CalendarViews {
    pub timezone: String,
    /// `2026-12-03`.
    pub today: String,
    /// `Thursday 3 December 2026`.
    pub today_label: String,
    /// Today as `start end` Unix millis: the "today is" line holds only then.
    pub today_ms: String,
    /// Every month page, in order; `calendar/YYYY-MM/`.
    pub months: Vec<MonthView>,
    /// The month of `today` (also in `months`), shown on `/calendar/`.
    pub current: MonthView,
    /// The next releases from today on (running ones included), at most `UPCOMING_RELEASES`.
    pub upcoming: Vec<UpcomingRelease>,
    /// How many more upcoming releases the month views hold.
    pub upcoming_more: usize,
    /// One-off freezes and maintenance windows that have not ended.
    pub upcoming_windows: Vec<UpcomingWindow>,
    /// Weekly freezes and maintenance windows.
    pub recurring: Vec<RecurringWindow>,
    /// Release train departures that have not ended, by date.
    pub departures: Vec<UpcomingDeparture>,
    /// Subscribable feeds: the whole portal first, then per system, per release train, then
    /// on-call rotations.
    pub feeds: Vec<FeedLink>,
}

/// A release train departure on the calendar page.
#[derive(Debug, Clone, Serialize)]
pub struct UpcomingDeparture {
    /// `Wallet train, departure 2`.
    pub name: String,
    /// `trains/<id>/<number>/`.
    pub path: String,
    /// `Tue 1 Dec 2026 – Mon 14 Dec 2026`.
    pub when: String,
    pub when_machine: String,
    /// The system demo, `Fri 11 Dec 2026, 15:00 CET`.
    pub demo: Option<String>,
    /// Listed until the departure ends (`0 end`, Unix millis, for the live layer).
    pub listed_ms: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct UpcomingRelease {
    #[serde(flatten)]
    pub release: DayRelease,
    /// `Sun 6 Dec 2026, 02:00–03:30` (or across days: `Sat 5 Dec 2026 22:00 – Sun 6 Dec 01:00`).
    pub when: String,
    /// RFC 3339 start for `<time datetime>`.
    pub when_machine: String,
    /// Listed until the window ends (`0 end`, Unix millis, for the live layer).
    pub listed_ms: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct UpcomingWindow {
    pub name: String,
    /// `freeze` or `maintenance`.
    pub kind: &'static str,
    pub kind_label: &'static str,
    pub when: String,
    pub when_machine: String,
    pub reason: Option<String>,
    /// Whether the window has started (it is in force today).
    pub in_force: bool,
    /// The window as `start end` Unix millis (the live layer's "in force" badge).
    pub span_ms: String,
    pub listed_ms: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct RecurringWindow {
    pub name: String,
    pub kind: &'static str,
    pub kind_label: &'static str,
    /// `Mon–Fri 09:00–17:00`.
    pub when: String,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FeedLink {
    pub label: String,
    /// Relative to the site root: `calendar.ics`, `calendar/payments.ics`.
    pub path: String,
    /// Absolute `https://` URL, when `base_url` is absolute.
    pub url: Option<String>,
    /// The same as `webcal://`, which opens the subscribe dialog in Apple Calendar and Outlook.
    pub webcal: Option<String>,
}

/// A window rule with its kind, as the views need it.
#[derive(Clone, Copy)]
pub(crate) struct Rule<'a> {
    pub rule: &'a WindowRule,
    pub freeze: bool,
}

impl Rule<'_> {
    pub fn kind(&self) -> &'static str {
        if self.freeze {
            "freeze"
        } else {
            "maintenance"
        }
    }

    pub fn kind_label(&self) -> &'static str {
        if self.freeze {
            "Freeze"
        } else {
            "Maintenance"
        }
    }
}

/// Builds every calendar view of `content` as seen on `today` (a date in the portal's zone).
pub fn build(content: &Content, today: NaiveDate) -> CalendarViews {
    let zone = content.portal.timezone;
    let rules: Vec<Rule> = content
        .portal
        .freezes
        .iter()
        .map(|rule| Rule { rule, freeze: true })
        .chain(content.portal.maintenance_windows.iter().map(|rule| Rule {
            rule,
            freeze: false,
        }))
        .collect();
    let index = month::DayIndex::new(content, &rules);
    let mut keys: BTreeSet<(i32, u32)> = index.months();
    keys.insert((today.year(), today.month()));
    let keys: Vec<(i32, u32)> = keys.into_iter().collect();
    let months: Vec<MonthView> = keys
        .iter()
        .enumerate()
        .map(|(i, &(year, month))| {
            let prev = i.checked_sub(1).and_then(|p| keys.get(p)).copied();
            let next = keys.get(i + 1).copied();
            month::month_view(content, &rules, &index, (year, month), today, prev, next)
        })
        .collect();
    let current = months
        .iter()
        .find(|m| m.is_current)
        .cloned()
        .unwrap_or_else(|| {
            month::month_view(
                content,
                &rules,
                &index,
                (today.year(), today.month()),
                today,
                None,
                None,
            )
        });

    let from = time::start_of_day(today, zone);
    let mut upcoming: Vec<&Release> = content
        .releases
        .iter()
        .filter(|r| r.window.end > from)
        .collect();
    upcoming.sort_by_key(|r| (r.window.start, r.system.as_str(), r.version.clone()));
    let upcoming_more = upcoming.len().saturating_sub(UPCOMING_RELEASES);
    let upcoming = upcoming
        .into_iter()
        .take(UPCOMING_RELEASES)
        .map(|r| upcoming_release(content, &rules, r))
        .collect();

    let mut upcoming_windows: Vec<(Span, Rule)> = rules
        .iter()
        .filter_map(|r| match r.rule.schedule {
            Schedule::Once { start, end } if end > from => Some((Span::new(start, end), *r)),
            _ => None,
        })
        .collect();
    upcoming_windows.sort_by_key(|(span, r)| (*span, r.rule.name.clone()));
    let upcoming_windows = upcoming_windows
        .into_iter()
        .take(UPCOMING_WINDOWS)
        .map(|(span, r)| UpcomingWindow {
            name: r.rule.name.clone(),
            kind: r.kind(),
            kind_label: r.kind_label(),
            when: readable_range(
                time::to_local(span.start, zone),
                time::to_local(span.end, zone),
            ),
            when_machine: span.start.with_timezone(&zone).to_rfc3339(),
            reason: r.rule.reason.clone(),
            in_force: time::to_local(span.start, zone).date() <= today,
            span_ms: format!(
                "{} {}",
                span.start.timestamp_millis().max(0),
                span.end.timestamp_millis().max(0)
            ),
            listed_ms: format!("0 {}", span.end.timestamp_millis().max(0)),
        })
        .collect();
    let recurring = rules
        .iter()
        .filter(|r| matches!(r.rule.schedule, Schedule::Weekly { .. }))
        .map(|r| RecurringWindow {
            name: r.rule.name.clone(),
            kind: r.kind(),
            kind_label: r.kind_label(),
            when: windows::describe(&r.rule.schedule, zone),
            reason: r.rule.reason.clone(),
        })
        .collect();

    CalendarViews {
        timezone: zone.name().to_owned(),
        today: today.format("%Y-%m-%d").to_string(),
        today_label: today.format("%A %-d %B %Y").to_string(),
        today_ms: month::day_span_ms(today, zone),
        months,
        current,
        upcoming,
        upcoming_more,
        upcoming_windows,
        recurring,
        departures: departures(content, from),
        feeds: feeds(content),
    }
}

fn departures(content: &Content, from: chrono::DateTime<chrono::Utc>) -> Vec<UpcomingDeparture> {
    let zone = content.portal.timezone;
    let mut list: Vec<(chrono::NaiveDate, UpcomingDeparture)> = Vec::new();
    for train in &content.plan.trains {
        for d in train.departures.iter().filter(|d| d.end > from) {
            let last = time::to_local(d.end, zone)
                .date()
                .pred_opt()
                .unwrap_or(d.date);
            list.push((
                d.date,
                UpcomingDeparture {
                    name: train.departure_name(d),
                    path: format!("trains/{}/{}/", train.id, d.number),
                    when: format!(
                        "{} – {}",
                        d.date.format("%a %-d %b %Y"),
                        last.format("%a %-d %b %Y")
                    ),
                    when_machine: d.date.format("%Y-%m-%d").to_string(),
                    demo: d.demo.map(|t| {
                        t.with_timezone(&zone)
                            .format("%a %-d %b %Y, %H:%M %Z")
                            .to_string()
                    }),
                    listed_ms: format!("0 {}", d.end.timestamp_millis().max(0)),
                },
            ));
        }
    }
    list.sort_by(|a, b| (a.0, &a.1.name).cmp(&(b.0, &b.1.name)));
    list.into_iter().map(|(_, d)| d).collect()
}

/// `Sun 6 Dec 2026, 02:00–03:30`, or `Fri 27 Nov 2026 00:00 – Tue 1 Dec 00:00` across days:
/// how the upcoming lists say when, releases and freezes alike.
fn readable_range(start: chrono::NaiveDateTime, end: chrono::NaiveDateTime) -> String {
    if start.date() == end.date() {
        format!(
            "{}, {}–{}",
            start.format("%a %-d %b %Y"),
            start.format("%H:%M"),
            end.format("%H:%M")
        )
    } else {
        format!(
            "{} – {}",
            start.format("%a %-d %b %Y %H:%M"),
            end.format("%a %-d %b %H:%M")
        )
    }
}

fn upcoming_release(content: &Content, rules: &[Rule], release: &Release) -> UpcomingRelease {
    let zone = content.portal.timezone;
    let (start, end) = (
        time::to_local(release.window.start, zone),
        time::to_local(release.window.end, zone),
    );
    let when = readable_range(start, end);
    UpcomingRelease {
        release: month::day_release(content, rules, release, start.date()),
        when,
        when_machine: release.window.start.with_timezone(&zone).to_rfc3339(),
        listed_ms: format!("0 {}", release.window.end.timestamp_millis().max(0)),
    }
}

fn feeds(content: &Content) -> Vec<FeedLink> {
    let link = |label: String, path: String| {
        let url = ics_url(content, &path);
        FeedLink {
            label,
            webcal: url.as_ref().map(|u| {
                u.replacen("https://", "webcal://", 1)
                    .replacen("http://", "webcal://", 1)
            }),
            url,
            path,
        }
    };
    let mut feeds = vec![link(
        "All releases, freezes and maintenance windows".into(),
        "calendar.ics".into(),
    )];
    feeds.extend(content.systems.iter().map(|s| {
        link(
            format!("{} releases", s.name),
            format!("calendar/{}.ics", s.id),
        )
    }));
    feeds.extend(content.plan.trains.iter().map(|t| {
        link(
            format!("{} (release train departures and demos)", t.name),
            format!("calendar/train-{}.ics", t.id),
        )
    }));
    feeds.extend(content.rotations.iter().map(|r| {
        link(
            format!("{} (on-call shifts)", r.name),
            format!("calendar/oncall-{}.ics", r.id),
        )
    }));
    feeds
}

fn ics_url(content: &Content, path: &str) -> Option<String> {
    let base = &content.portal.base_url;
    (ics::host(base) != "shipboard.invalid").then(|| format!("{base}{path}"))
}

#[cfg(test)]
mod tests;
