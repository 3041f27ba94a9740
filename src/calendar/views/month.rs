//! Month: one month as a Monday-first grid of weeks, and the same days as an agenda list.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, Days, NaiveDate, NaiveTime};
use serde::Serialize;

use super::Rule;
use crate::calendar::time;
use crate::calendar::windows::{self, Span};
use crate::content::{Content, Release, Schedule};

/// A release or window longer than this many days is only shown on its first days.
const MAX_DAYS: u64 = 1000;

#[derive(Debug, Clone, Serialize)]
pub struct MonthView {
    /// `2026-12`.
    pub key: String,
    /// `December 2026`.
    pub title: String,
    /// `calendar/2026-12/`.
    pub path: String,
    pub is_current: bool,
    pub prev: Option<MonthLink>,
    pub next: Option<MonthLink>,
    /// Monday-first weeks covering the month; days of other months are empty.
    pub weeks: Vec<WeekView>,
    /// The days of this month that have a release or a one-off window, for the list view.
    pub agenda: Vec<DayView>,
    /// The weekly windows on days of this month, each with those days: the list view
    /// states them once, where the grid shows them on every day they apply.
    pub recurring: Vec<MonthRecurring>,
    /// Releases starting in this month.
    pub release_count: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct MonthLink {
    pub key: String,
    pub title: String,
    pub path: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct WeekView {
    /// ISO week number.
    pub number: u32,
    pub days: Vec<DayView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DayView {
    /// `2026-12-06`, for `<time datetime>`.
    pub date: String,
    pub day: u32,
    /// `Sunday 6 December 2026`.
    pub label: String,
    pub in_month: bool,
    pub is_today: bool,
    pub is_past: bool,
    /// Whether a freeze applies during some part of the day.
    pub frozen: bool,
    /// The day as `start end` Unix millis, for the live layer's today marker.
    pub span_ms: String,
    pub releases: Vec<DayRelease>,
    pub windows: Vec<DayWindow>,
    /// Release train departures leaving and system demos held on this day.
    pub trains: Vec<DayTrain>,
}

/// A release train departure (on its first day) or its system demo.
#[derive(Debug, Clone, Serialize)]
pub struct DayTrain {
    /// `Checkout train, departure 2 departs` or `Checkout train, departure 2: system demo`.
    pub label: String,
    /// `trains/<id>/<number>/`.
    pub path: String,
    /// `15:00` for a demo; empty for a departure (it runs for days).
    pub time: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct DayRelease {
    /// `payments@2.4.0`.
    pub key: String,
    pub system: String,
    pub system_name: String,
    pub version: String,
    pub title: Option<String>,
    /// `approved`, and its label `Approved`.
    pub status: &'static str,
    pub status_label: &'static str,
    /// `minor`.
    pub kind: &'static str,
    /// `releases/payments/2.4.0/`.
    pub path: String,
    /// Local time on this day: `02:00–03:30`, `from 22:00`, `until 01:00` or `all day`.
    pub time: String,
    /// The first freeze the window overlaps (cancelled releases never do).
    pub freeze: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DayWindow {
    pub name: String,
    /// `freeze` or `maintenance`.
    pub kind: &'static str,
    pub kind_label: &'static str,
    pub time: String,
    pub reason: Option<String>,
    /// Weekly rules are shown small: they apply on many days.
    pub recurring: bool,
}

/// A weekly window in one month: `Freeze: No Friday deploys 12:00–23:59 on 4, 11, 18 and
/// 25 December`. One per name, kind and time of day.
#[derive(Debug, Clone, Serialize)]
pub struct MonthRecurring {
    pub name: String,
    pub kind: &'static str,
    pub kind_label: &'static str,
    pub time: String,
    /// The days it applies, runs of days as ranges: `1–4, 7–11 and 14 December`.
    pub days: String,
}

/// Releases and one-off windows by the local dates they touch.
pub(crate) struct DayIndex<'a> {
    releases: BTreeMap<NaiveDate, Vec<&'a Release>>,
    windows: BTreeMap<NaiveDate, Vec<(Span, Rule<'a>)>>,
    trains: BTreeMap<NaiveDate, Vec<DayTrain>>,
}

impl<'a> DayIndex<'a> {
    pub fn new(content: &'a Content, rules: &[Rule<'a>]) -> Self {
        let zone = content.portal.timezone;
        let mut index = DayIndex {
            releases: BTreeMap::new(),
            windows: BTreeMap::new(),
            trains: train_days(content),
        };
        for release in &content.releases {
            let span = Span::new(release.window.start, release.window.end);
            for date in dates(span, zone) {
                index.releases.entry(date).or_default().push(release);
            }
        }
        for rule in rules {
            if let Schedule::Once { start, end } = rule.rule.schedule {
                let span = Span::new(start, end);
                for date in dates(span, zone) {
                    index.windows.entry(date).or_default().push((span, *rule));
                }
            }
        }
        index
    }

    /// Every (year, month) with a release or a one-off window.
    pub fn months(&self) -> BTreeSet<(i32, u32)> {
        self.releases
            .keys()
            .chain(self.windows.keys())
            .chain(self.trains.keys())
            .map(|d| (d.year(), d.month()))
            .collect()
    }
}

/// Each departure on its date and each system demo on its day, in the portal's zone.
fn train_days(content: &Content) -> BTreeMap<NaiveDate, Vec<DayTrain>> {
    let zone = content.portal.timezone;
    let mut days: BTreeMap<NaiveDate, Vec<DayTrain>> = BTreeMap::new();
    for train in &content.plan.trains {
        for d in &train.departures {
            let name = train.departure_name(d);
            let path = format!("trains/{}/{}/", train.id, d.number);
            days.entry(d.date).or_default().push(DayTrain {
                label: format!("{name} departs"),
                path: path.clone(),
                time: String::new(),
            });
            if let Some(demo) = d.demo {
                let local = time::to_local(demo, zone);
                days.entry(local.date()).or_default().push(DayTrain {
                    label: format!("{name}: system demo"),
                    path,
                    time: local.format("%H:%M").to_string(),
                });
            }
        }
    }
    days
}

/// The local dates `span` touches (an end at midnight does not touch that day).
fn dates(span: Span, zone: chrono_tz::Tz) -> Vec<NaiveDate> {
    let first = time::to_local(span.start, zone).date();
    let end = time::to_local(span.end, zone);
    let last = if end.time() == NaiveTime::MIN && end.date() > first {
        end.date().pred_opt().unwrap_or(first)
    } else {
        end.date()
    };
    first
        .iter_days()
        .take_while(|d| *d <= last)
        .take(MAX_DAYS as usize)
        .collect()
}

/// `02:00–03:30`, `from 22:00`, `until 01:00`, `all day`: a span as seen on local `date`.
fn time_label(span: Span, date: NaiveDate, zone: chrono_tz::Tz) -> String {
    let (start, end) = (
        time::to_local(span.start, zone),
        time::to_local(span.end, zone),
    );
    let next = date.succ_opt();
    let starts = start.date() == date;
    let ends_at_midnight = end.time() == NaiveTime::MIN && Some(end.date()) == next;
    let ends = end.date() == date || ends_at_midnight;
    let hm = |t: chrono::NaiveDateTime| t.format("%H:%M").to_string();
    match (starts, ends) {
        (true, true) if start.time() == NaiveTime::MIN && ends_at_midnight => "all day".into(),
        (true, true) if ends_at_midnight => format!("from {}", hm(start)),
        (true, true) => format!("{}–{}", hm(start), hm(end)),
        (true, false) => format!("from {}", hm(start)),
        (false, true) if ends_at_midnight => "all day".into(),
        (false, true) => format!("until {}", hm(end)),
        (false, false) => "all day".into(),
    }
}

/// A release as listed on local `date`.
pub(crate) fn day_release(
    content: &Content,
    rules: &[Rule],
    release: &Release,
    date: NaiveDate,
) -> DayRelease {
    let zone = content.portal.timezone;
    let span = Span::new(release.window.start, release.window.end);
    let freeze = (release.status != crate::content::ReleaseStatus::Cancelled)
        .then(|| {
            rules
                .iter()
                .filter(|r| r.freeze)
                .find(|r| !windows::occurrences(&r.rule.schedule, zone, span).is_empty())
        })
        .flatten()
        .map(|r| {
            // Only an emergency release with a recorded approval passes `check` inside a
            // freeze: say the exception is approved, or it reads as a violation.
            let approved = release.kind == crate::content::ReleaseType::Emergency
                && !release.approvals.is_empty();
            if approved {
                format!("{} (approved emergency)", r.rule.name)
            } else {
                r.rule.name.clone()
            }
        });
    DayRelease {
        key: release.key(),
        system: release.system.clone(),
        system_name: content
            .system(&release.system)
            .map_or_else(|| release.system.clone(), |s| s.name.clone()),
        version: release.version.to_string(),
        title: release.title.clone(),
        status: release.status.as_str(),
        status_label: release.status.label(),
        kind: release.kind.as_str(),
        path: format!("releases/{}/{}/", release.system, release.version),
        time: time_label(span, date, zone),
        freeze,
    }
}

fn link((year, month): (i32, u32)) -> Option<MonthLink> {
    let first = NaiveDate::from_ymd_opt(year, month, 1)?;
    Some(MonthLink {
        key: first.format("%Y-%m").to_string(),
        title: first.format("%B %Y").to_string(),
        path: format!("calendar/{}/", first.format("%Y-%m")),
    })
}

/// The view of one month.
pub(crate) fn month_view(
    content: &Content,
    rules: &[Rule],
    index: &DayIndex,
    (year, month): (i32, u32),
    today: NaiveDate,
    prev: Option<(i32, u32)>,
    next: Option<(i32, u32)>,
) -> MonthView {
    let zone = content.portal.timezone;
    let first = NaiveDate::from_ymd_opt(year, month, 1).unwrap_or(today);
    let grid_start = first - Days::new(u64::from(first.weekday().num_days_from_monday()));
    let mut weeks = Vec::new();
    let mut agenda = Vec::new();
    let mut release_count = 0;
    let mut date = grid_start;
    loop {
        let mut days = Vec::with_capacity(7);
        let number = date.iso_week().week();
        for _ in 0..7 {
            let in_month = date.year() == year && date.month() == month;
            let day = day_view(content, rules, index, date, in_month, today);
            if in_month {
                release_count += index.releases.get(&date).map_or(0, |rs| {
                    rs.iter()
                        .filter(|r| time::to_local(r.window.start, zone).date() == date)
                        .count()
                });
                let listed = !day.releases.is_empty() || !day.trains.is_empty();
                if listed || day.windows.iter().any(|w| !w.recurring) {
                    agenda.push(day.clone());
                }
            }
            days.push(day);
            date = date.succ_opt().unwrap_or(date);
        }
        weeks.push(WeekView { number, days });
        if date.year() > year || (date.year() == year && date.month() > month) || weeks.len() >= 6 {
            break;
        }
    }
    let key = first.format("%Y-%m").to_string();
    let recurring = month_recurring(&weeks, &first.format("%B").to_string());
    MonthView {
        title: first.format("%B %Y").to_string(),
        path: format!("calendar/{key}/"),
        key,
        is_current: (year, month) == (today.year(), today.month()),
        prev: prev.and_then(link),
        next: next.and_then(link),
        weeks,
        agenda,
        recurring,
        release_count,
    }
}

/// The weekly windows of the month's days, each once with the days it applies.
fn month_recurring(weeks: &[WeekView], month_name: &str) -> Vec<MonthRecurring> {
    let mut found: Vec<(&DayWindow, Vec<u32>)> = Vec::new();
    let days = weeks.iter().flat_map(|w| &w.days).filter(|d| d.in_month);
    for day in days {
        for window in day.windows.iter().filter(|w| w.recurring) {
            let same = |(w, _): &&mut (&DayWindow, Vec<u32>)| {
                (w.name.as_str(), w.kind, w.time.as_str())
                    == (window.name.as_str(), window.kind, window.time.as_str())
            };
            match found.iter_mut().find(same) {
                Some((_, numbers)) => numbers.push(day.day),
                None => found.push((window, vec![day.day])),
            }
        }
    }
    found
        .into_iter()
        .map(|(w, numbers)| MonthRecurring {
            name: w.name.clone(),
            kind: w.kind,
            kind_label: w.kind_label,
            time: w.time.clone(),
            days: format!("{} {month_name}", day_runs(&numbers)),
        })
        .collect()
}

/// `[1, 2, 3, 4, 7, 14]` -> `1–4, 7 and 14`: ascending day numbers, runs as ranges.
pub(super) fn day_runs(numbers: &[u32]) -> String {
    let mut runs: Vec<(u32, u32)> = Vec::new();
    for &n in numbers {
        match runs.last_mut() {
            Some((_, end)) if *end + 1 == n => *end = n,
            _ => runs.push((n, n)),
        }
    }
    // Two days in a row read better as two days than as a range.
    let text: Vec<String> = runs
        .iter()
        .flat_map(|&(a, b)| match b - a {
            0 => vec![a.to_string()],
            1 => vec![a.to_string(), b.to_string()],
            _ => vec![format!("{a}–{b}")],
        })
        .collect();
    match text.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        Some((last, _)) => last.clone(),
        None => String::new(),
    }
}

fn day_view(
    content: &Content,
    rules: &[Rule],
    index: &DayIndex,
    date: NaiveDate,
    in_month: bool,
    today: NaiveDate,
) -> DayView {
    let zone = content.portal.timezone;
    let mut view = DayView {
        date: date.format("%Y-%m-%d").to_string(),
        day: date.day(),
        label: date.format("%A %-d %B %Y").to_string(),
        in_month,
        is_today: date == today,
        is_past: date < today,
        frozen: false,
        span_ms: day_span_ms(date, zone),
        releases: Vec::new(),
        windows: Vec::new(),
        trains: Vec::new(),
    };
    // Days of the neighbouring months that fill the grid list their releases too (an
    // empty cell would read as "nothing that day"); their windows stay on their own month.
    if let Some(releases) = index.releases.get(&date) {
        view.releases = releases
            .iter()
            .map(|r| day_release(content, rules, r, date))
            .collect();
    }
    if !in_month {
        return view;
    }
    view.trains = index.trains.get(&date).cloned().unwrap_or_default();
    for (span, rule) in index.windows.get(&date).into_iter().flatten() {
        view.windows
            .push(day_window(*rule, time_label(*span, date, zone), false));
    }
    for rule in rules {
        if let Schedule::Weekly {
            days,
            start,
            end,
            from,
            until,
        } = &rule.rule.schedule
        {
            if windows::weekly_applies(days, *from, *until, date) {
                let span = windows::weekly_span(date, *start, *end, zone);
                view.windows
                    .push(day_window(*rule, time_label(span, date, zone), true));
            }
        }
    }
    view.frozen = view.windows.iter().any(|w| w.kind == "freeze");
    view
}

fn day_window(rule: Rule, time: String, recurring: bool) -> DayWindow {
    DayWindow {
        name: rule.rule.name.clone(),
        kind: rule.kind(),
        kind_label: rule.kind_label(),
        time,
        reason: rule.rule.reason.clone(),
        recurring,
    }
}

/// `[start, end)` of a local day as Unix millis (`start end`), as the live layer reads it.
pub fn day_span_ms(date: NaiveDate, zone: chrono_tz::Tz) -> String {
    let next = date.succ_opt().unwrap_or(date);
    format!(
        "{} {}",
        time::start_of_day(date, zone).timestamp_millis().max(0),
        time::start_of_day(next, zone).timestamp_millis().max(0)
    )
}
