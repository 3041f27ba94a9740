//! Views: the data of the HTML calendar — month grids, the upcoming list, feed links.
//!
//! Plain, serializable data for `calendar.html`; every date and time is already formatted
//! in the portal's zone (templates have no date filter). A month view exists for every month
//! in which a release or a one-off freeze or maintenance window falls, plus the month of
//! `today`; weekly windows are shown on the days they apply but do not create months.
//! "Today" is an input (the build date, reproducible with SOURCE_DATE_EPOCH): nothing here
//! reads the clock. Paths are relative to the site root (`releases/payments/2.4.0/`).

mod month;
mod upcoming;

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, Utc};
use serde::Serialize;

use super::rolling::intervals;
use super::windows::{self, Span};
use super::{ics, time};
use crate::content::{Content, Release, Schedule, WindowRule};
pub use month::{DayRelease, DayView, DayWindow, MonthRecurring, MonthView, WeekView};
pub use upcoming::{ListLines, LiveLine};

/// How many releases and one-off windows the upcoming lists show ahead at any moment.
pub const UPCOMING_RELEASES: usize = 20;
pub const UPCOMING_WINDOWS: usize = 10;

/// The most upcoming releases and windows `/calendar/` embeds (each row about 0.4 KB), for
/// a page read days after its build: at 30 releases a day, a day and more ahead.
const RELEASES_EMBEDDED: usize = 40;
const WINDOWS_EMBEDDED: usize = 20;

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
    /// Today's releases that have started and the next `UPCOMING_RELEASES`, shown as
    /// built; then the ones that join as those start (hidden as built, see `upcoming`).
    pub upcoming: Vec<UpcomingRelease>,
    /// "More later", "not on this page" and "none planned" under the releases.
    pub upcoming_lines: ListLines,
    /// One-off freezes and maintenance windows that have not ended, rolled likewise.
    pub upcoming_windows: Vec<UpcomingWindow>,
    pub window_lines: ListLines,
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
    /// Current until the window ends (`0 end`, Unix millis): struck through after it.
    pub listed_ms: String,
    /// When it is in the list (`data-live-on`), and whether at the build's "now".
    pub on: String,
    pub shown: bool,
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
    pub on: String,
    pub shown: bool,
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

/// Builds every calendar view of `content` as seen at `now`; the upcoming lists embed what
/// they show until `cover_until` (when the page says it is old).
pub fn build(content: &Content, now: DateTime<Utc>, cover_until: DateTime<Utc>) -> CalendarViews {
    let zone = content.portal.timezone;
    let today = now.with_timezone(&zone).date_naive();
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
    let (upcoming, upcoming_lines) = upcoming_releases(content, &rules, now, from, cover_until);
    let (upcoming_windows, window_lines) = upcoming_windows(&rules, zone, now, from, cover_until);
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
        upcoming_lines,
        upcoming_windows,
        window_lines,
        recurring,
        departures: departures(content, from),
        feeds: feeds(content),
    }
}

/// The releases not ended before today, rolled (see `upcoming`).
fn upcoming_releases(
    content: &Content,
    rules: &[Rule],
    now: DateTime<Utc>,
    from: DateTime<Utc>,
    cover_until: DateTime<Utc>,
) -> (Vec<UpcomingRelease>, ListLines) {
    let mut releases: Vec<&Release> = content
        .releases
        .iter()
        .filter(|r| r.window.end > from)
        .collect();
    releases.sort_by_key(|r| (r.window.start, r.system.as_str(), r.version.clone()));
    let items = releases
        .into_iter()
        .map(|r| (r, r.window.start, r.window.end))
        .collect();
    let zone = content.portal.timezone;
    let limits = (UPCOMING_RELEASES, RELEASES_EMBEDDED);
    let (rolled, lines) = upcoming::roll(items, now, zone, limits, cover_until);
    let list = rolled
        .into_iter()
        .map(|r| upcoming_release(content, rules, r))
        .collect();
    (list, lines)
}

/// The one-off freezes and maintenance windows not ended before today, rolled.
fn upcoming_windows(
    rules: &[Rule],
    zone: chrono_tz::Tz,
    now: DateTime<Utc>,
    from: DateTime<Utc>,
    cover_until: DateTime<Utc>,
) -> (Vec<UpcomingWindow>, ListLines) {
    let mut windows: Vec<(Span, Rule)> = rules
        .iter()
        .filter_map(|r| match r.rule.schedule {
            Schedule::Once { start, end } if end > from => Some((Span::new(start, end), *r)),
            _ => None,
        })
        .collect();
    windows.sort_by_key(|(span, r)| (*span, r.rule.name.clone()));
    let items = windows
        .into_iter()
        .map(|(span, r)| ((span, r), span.start, span.end))
        .collect();
    let limits = (UPCOMING_WINDOWS, WINDOWS_EMBEDDED);
    let (rolled, lines) = upcoming::roll(items, now, zone, limits, cover_until);
    let today = time::to_local(now, zone).date();
    let list = rolled
        .into_iter()
        .map(|rolled| upcoming_window(zone, today, rolled))
        .collect();
    (list, lines)
}

fn upcoming_window(
    zone: chrono_tz::Tz,
    today: chrono::NaiveDate,
    rolled: upcoming::Rolled<(Span, Rule)>,
) -> UpcomingWindow {
    let (span, r) = rolled.item;
    let (start, end) = (
        time::to_local(span.start, zone),
        time::to_local(span.end, zone),
    );
    UpcomingWindow {
        name: r.rule.name.clone(),
        kind: r.kind(),
        kind_label: r.kind_label(),
        when: readable_range(start, end),
        when_machine: span.start.with_timezone(&zone).to_rfc3339(),
        reason: r.rule.reason.clone(),
        in_force: start.date() <= today,
        span_ms: intervals(&[(span.start, span.end)]),
        listed_ms: format!("0 {}", span.end.timestamp_millis().max(0)),
        on: rolled.on,
        shown: rolled.shown,
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

fn upcoming_release(
    content: &Content,
    rules: &[Rule],
    rolled: upcoming::Rolled<&Release>,
) -> UpcomingRelease {
    let release = rolled.item;
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
        on: rolled.on,
        shown: rolled.shown,
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
