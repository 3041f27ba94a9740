//! Events: the VEVENT of a release, a freeze or maintenance window, and an on-call shift.

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Utc, Weekday};
use chrono_tz::Tz;

use std::path::Path;

use super::writer::{date_stamp, local_stamp, utc_stamp, Writer};
use super::{absolute_url, event_revision, host, release_uid, status, FeedFacts};
use crate::calendar::oncall::{self, Shift};
use crate::calendar::{time, windows};
use crate::content::{Content, Release, ReleaseStatus, Rotation, Schedule, WindowRule};

/// Which list a window rule comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowKind {
    Freeze,
    Maintenance,
}

impl WindowKind {
    pub fn uid_prefix(self) -> &'static str {
        match self {
            WindowKind::Freeze => "freeze",
            WindowKind::Maintenance => "maintenance",
        }
    }

    fn label(self) -> &'static str {
        match self {
            WindowKind::Freeze => "Release freeze",
            WindowKind::Maintenance => "Maintenance window",
        }
    }
}

/// How a window rule is written into a feed.
#[derive(Debug, Clone)]
pub enum Timing {
    /// A one-off window, in UTC.
    Utc {
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    },
    /// A one-off window from local midnight to local midnight: whole days, `end` exclusive.
    AllDay { start: NaiveDate, end: NaiveDate },
    /// A weekly rule: first occurrence on `first`, local times in the portal's zone.
    Weekly {
        first: NaiveDate,
        start: NaiveTime,
        end: NaiveTime,
        days: Vec<Weekday>,
        until: Option<NaiveDate>,
    },
}

/// A window rule planned for a feed.
#[derive(Debug, Clone)]
pub struct WindowPlan<'a> {
    pub kind: WindowKind,
    pub rule: &'a WindowRule,
    pub uid: String,
    pub timing: Timing,
}

impl<'a> WindowPlan<'a> {
    /// `None` for a weekly rule that never occurs (no days, or `until` before its start).
    pub fn new(
        kind: WindowKind,
        rule: &'a WindowRule,
        zone: Tz,
        anchor: NaiveDate,
    ) -> Option<Self> {
        let timing = match &rule.schedule {
            Schedule::Once { start, end } => {
                let (local_start, local_end) =
                    (time::to_local(*start, zone), time::to_local(*end, zone));
                if local_start.time() == NaiveTime::MIN && local_end.time() == NaiveTime::MIN {
                    Timing::AllDay {
                        start: local_start.date(),
                        end: local_end.date(),
                    }
                } else {
                    Timing::Utc {
                        start: *start,
                        end: *end,
                    }
                }
            }
            Schedule::Weekly {
                days,
                start,
                end,
                from,
                until,
            } => {
                let first = windows::first_weekly_date(days, from.unwrap_or(anchor))?;
                if until.is_some_and(|until| until < first) {
                    return None;
                }
                Timing::Weekly {
                    first,
                    start: *start,
                    end: *end,
                    days: days.clone(),
                    until: *until,
                }
            }
        };
        Some(WindowPlan {
            kind,
            rule,
            uid: String::new(),
            timing,
        })
    }

    pub fn weekly_first_year(&self) -> Option<i32> {
        match &self.timing {
            Timing::Weekly { first, .. } => Some(first.year()),
            _ => None,
        }
    }

    pub fn last_year(&self) -> i32 {
        match &self.timing {
            Timing::Utc { end, .. } => end.year(),
            Timing::AllDay { end, .. } => end.year(),
            Timing::Weekly { first, until, .. } => until.unwrap_or(*first).year(),
        }
    }

    /// When the window's last occurrence ends; `None` for a weekly rule without `until`
    /// (it never ends).
    pub fn last_end(&self, zone: Tz) -> Option<DateTime<Utc>> {
        match &self.timing {
            Timing::Utc { end, .. } => Some(*end),
            Timing::AllDay { end, .. } => Some(time::start_of_day(*end, zone)),
            Timing::Weekly { until, .. } => {
                let after = until.as_ref()?.succ_opt()?;
                Some(time::start_of_day(after, zone))
            }
        }
    }

    /// The instant the window first starts (the DTSTAMP when git has no history).
    fn first_start(&self, zone: Tz) -> DateTime<Utc> {
        match &self.timing {
            Timing::Utc { start, .. } => *start,
            Timing::AllDay { start, .. } => time::start_of_day(*start, zone),
            Timing::Weekly { first, start, .. } => {
                time::local_to_utc_lenient(first.and_time(*start), zone)
            }
        }
    }
}

/// Weekly rules without `from` start in the first week of the earliest year that any release
/// or one-off window of the content touches (2024 for content without either): a date that
/// depends only on the content, so DTSTART is the same in every build.
pub fn weekly_anchor(content: &Content) -> NaiveDate {
    let portal = &content.portal;
    let once = portal
        .freezes
        .iter()
        .chain(&portal.maintenance_windows)
        .filter_map(|rule| match rule.schedule {
            Schedule::Once { start, .. } => Some(start),
            Schedule::Weekly { .. } => None,
        });
    let year = content
        .releases
        .iter()
        .map(|r| r.window.start)
        .chain(once)
        .map(|t| time::to_local(t, portal.timezone).year())
        .min()
        .unwrap_or(2024);
    NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(NaiveDate::MIN)
}

pub(super) fn identity(
    w: &mut Writer,
    uid: &str,
    sequence: u32,
    stamp: DateTime<Utc>,
    modified: bool,
) {
    w.text("UID", uid);
    w.raw("SEQUENCE", &[], &sequence.to_string());
    w.utc("DTSTAMP", stamp);
    if modified {
        w.utc("LAST-MODIFIED", stamp);
    }
}

/// The VEVENT of one release.
pub fn release(w: &mut Writer, content: &Content, facts: &FeedFacts, release: &Release) {
    let zone = content.portal.timezone;
    // "Last changed … by …" is about the release file alone, whose author is known.
    let own = facts.revision(&release.source.file);
    let system_name = content
        .system(&release.system)
        .map_or(release.system.as_str(), |s| s.name.as_str());
    let path = format!("releases/{}/{}/", release.system, release.version);
    let url = absolute_url(content, &path);

    let mut summary = format!("{system_name} {}", release.version);
    if let Some(title) = &release.title {
        summary.push_str(&format!(" – {title}"));
    }
    match release.status {
        ReleaseStatus::Cancelled => summary.insert_str(0, "Cancelled: "),
        ReleaseStatus::RolledBack => summary.insert_str(0, "Rolled back: "),
        _ => {}
    }

    let owner = content
        .person(&release.owner)
        .map_or(release.owner.as_str(), |p| p.name.as_str());
    let mut lines = vec![
        format!("Type: {}", release.kind.as_str()),
        match &release.status_note {
            Some(note) => format!("Status: {} – {note}", release.status.label()),
            None => format!("Status: {}", release.status.label()),
        },
        format!("Owner: {owner}"),
        format!(
            "Window: {} ({})",
            time::format_range(release.window.start, release.window.end, zone),
            zone.name()
        ),
    ];
    if let Some(rollout) = release.rollout {
        lines.push(format!("Rollout: {}", rollout.label()));
    }
    if !release.depends_on.is_empty() {
        let deps: Vec<String> = release
            .depends_on
            .iter()
            .map(|d| format!("{} {}", d.system, d.requirement))
            .collect();
        lines.push(format!("Depends on: {}", deps.join(", ")));
    }
    if let (Some(own), Some(author)) = (own, facts.author(&release.source.file)) {
        let date = time::to_local(own.changed_at, zone).format("%Y-%m-%d");
        lines.push(format!("Last changed {date} by {author}"));
    }
    lines.push(url.clone().unwrap_or(path));

    w.begin("VEVENT");
    let revision = event_revision(facts, &release.source.file);
    let (sequence, stamp) =
        revision.map_or((0, release.window.start), |r| (r.sequence(), r.changed_at));
    identity(
        w,
        &release_uid(content, release),
        sequence,
        stamp,
        revision.is_some(),
    );
    w.utc("DTSTART", release.window.start);
    w.utc("DTEND", release.window.end);
    describe(w, &summary, &lines, url.as_deref(), status(release));
    w.text_list("CATEGORIES", &["Release", &release.system]);
    let hours = content.portal.reminder_hours;
    if hours > 0 && still_to_run(release) && facts.ahead(release.window.start) {
        reminder(w, &summary, hours);
    }
    w.end("VEVENT");
}

/// Whether "starts in N h" can be true of a release: it is planned or approved. One in
/// progress has started, a released or rolled-back one has run, a cancelled one never will.
pub fn still_to_run(release: &Release) -> bool {
    matches!(
        release.status,
        ReleaseStatus::Planned | ReleaseStatus::Approved
    )
}

/// What every event says of itself, in this order: SUMMARY, DESCRIPTION (`lines`), URL
/// (when there is a page), STATUS, and TRANSP (a release never blocks time in a calendar).
pub(super) fn describe(
    w: &mut Writer,
    summary: &str,
    lines: &[String],
    url: Option<&str>,
    status: &str,
) {
    w.text("SUMMARY", summary);
    w.text("DESCRIPTION", &lines.join("\n"));
    if let Some(url) = url {
        w.raw("URL", &[], url);
    }
    w.raw("STATUS", &[], status);
    w.raw("TRANSP", &[], "TRANSPARENT");
}

/// A VALARM `hours` before the event's start: RFC 5545 section 3.6.6, where a DISPLAY alarm
/// needs a DESCRIPTION (the text the client shows).
pub(super) fn reminder(w: &mut Writer, summary: &str, hours: u32) {
    w.begin("VALARM");
    w.raw("ACTION", &[], "DISPLAY");
    w.text("DESCRIPTION", &format!("{summary} starts in {hours} h"));
    w.raw("TRIGGER", &[], &format!("-PT{hours}H"));
    w.end("VALARM");
}

/// The VEVENT of a freeze or maintenance window (with an RRULE when weekly).
pub fn window(w: &mut Writer, content: &Content, facts: &FeedFacts, plan: &WindowPlan) {
    let zone = content.portal.timezone;
    let rule = plan.rule;
    let revision = event_revision(facts, &rule.source.file);
    let mut lines = Vec::new();
    if let Some(reason) = &rule.reason {
        lines.push(reason.clone());
    }
    lines.push(format!(
        "When: {} ({})",
        windows::describe(&rule.schedule, zone),
        zone.name()
    ));
    if plan.kind == WindowKind::Freeze {
        lines.push(
            "No release may run in this window, except an emergency release with a recorded approval."
                .to_owned(),
        );
    }
    let url = absolute_url(content, "calendar/");
    if let Some(url) = &url {
        lines.push(url.clone());
    }

    w.begin("VEVENT");
    let (sequence, stamp) = revision.map_or((0, plan.first_start(zone)), |r| {
        (r.sequence(), r.changed_at)
    });
    identity(w, &plan.uid, sequence, stamp, revision.is_some());
    match &plan.timing {
        Timing::Utc { start, end } => {
            w.utc("DTSTART", *start);
            w.utc("DTEND", *end);
        }
        Timing::AllDay { start, end } => {
            w.raw("DTSTART", &[("VALUE", "DATE")], &date_stamp(*start));
            w.raw("DTEND", &[("VALUE", "DATE")], &date_stamp(*end));
        }
        Timing::Weekly {
            first,
            start,
            end,
            days,
            until,
        } => {
            let tzid = [("TZID", zone.name())];
            w.raw("DTSTART", &tzid, &local_stamp(first.and_time(*start)));
            w.raw("DTEND", &tzid, &local_stamp(first.and_time(*end)));
            w.raw("RRULE", &[], &weekly_rrule(days, *until, zone));
        }
    }
    describe(
        w,
        &format!("{}: {}", plan.kind.label(), rule.name),
        &lines,
        url.as_deref(),
        "CONFIRMED",
    );
    let category = match plan.kind {
        WindowKind::Freeze => "Freeze",
        WindowKind::Maintenance => "Maintenance",
    };
    w.text_list("CATEGORIES", &[category]);
    w.end("VEVENT");
}

/// `FREQ=WEEKLY;WKST=MO;BYDAY=MO,TU;UNTIL=20270101T225959Z`. With a TZID on DTSTART, RFC
/// 5545 wants UNTIL in UTC: the last second of the `until` day in the portal's zone.
pub fn weekly_rrule(days: &[Weekday], until: Option<NaiveDate>, zone: Tz) -> String {
    let mut sorted: Vec<Weekday> = days.to_vec();
    sorted.sort_by_key(|d| d.num_days_from_monday());
    sorted.dedup();
    let byday: Vec<&str> = sorted.iter().map(|d| byday(*d)).collect();
    let mut rule = format!("FREQ=WEEKLY;WKST=MO;BYDAY={}", byday.join(","));
    if let Some(next) = until.and_then(|u| u.succ_opt()) {
        let last_second = time::start_of_day(next, zone) - chrono::Duration::seconds(1);
        rule.push_str(&format!(";UNTIL={}", utc_stamp(last_second)));
    }
    rule
}

pub fn byday(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "MO",
        Weekday::Tue => "TU",
        Weekday::Wed => "WE",
        Weekday::Thu => "TH",
        Weekday::Fri => "FR",
        Weekday::Sat => "SA",
        Weekday::Sun => "SU",
    }
}

/// The VEVENT of one on-call shift (a whole turn, or a stretch an override cuts out).
/// Where rotations are defined, relative to the content dir (as the feed facts name files).
const CONTACTS_FILE: &str = "contacts.yaml";

/// One shift of `rotation`. Rotations, their members and overrides live in contacts.yaml,
/// so its git history gives the SEQUENCE and DTSTAMP: a shift that changes hands (members
/// reordered, an override added) is announced as a new revision, as a moved release is.
pub fn shift(
    w: &mut Writer,
    content: &Content,
    facts: &FeedFacts,
    rotation: &Rotation,
    shift: &Shift,
) {
    let zone = content.portal.timezone;
    let name = |id: &str| content.person_name(id);
    let person = name(&shift.person);
    let covering = shift
        .covering
        .as_deref()
        .map(|id| format!(", covering for {}", name(id)))
        .unwrap_or_default();
    let mut lines = vec![format!(
        "{person} is on call for {}{covering}: {} ({}).",
        rotation.name,
        time::format_range(shift.start, shift.end, zone),
        zone.name()
    )];
    // The next holder from the schedule itself, so an override after this shift is named.
    let next = oncall::holder_at(rotation, zone, shift.end).filter(|n| n.person != shift.person);
    if let Some(next) = next {
        lines.push(format!("Hand over to {}.", name(&next.person)));
    }
    let url = absolute_url(content, "contacts/");
    if let Some(url) = &url {
        lines.push(url.clone());
    }
    w.begin("VEVENT");
    let uid = format!(
        "oncall-{}-{}{}@{}",
        rotation.id,
        shift.number,
        stretch_suffix(rotation, zone, shift),
        host(&content.portal.base_url)
    );
    let revision = event_revision(facts, Path::new(CONTACTS_FILE));
    let (sequence, stamp) = revision.map_or((0, rotation.start), |r| (r.sequence(), r.changed_at));
    identity(w, &uid, sequence, stamp, revision.is_some());
    w.utc("DTSTART", shift.start);
    w.utc("DTEND", shift.end);
    let summary = match &shift.covering {
        Some(id) => format!(
            "On call: {person}, covering for {} ({})",
            name(id),
            rotation.name
        ),
        None => format!("On call: {person} ({})", rotation.name),
    };
    describe(w, &summary, &lines, url.as_deref(), "CONFIRMED");
    w.text_list("CATEGORIES", &["On call"]);
    w.end("VEVENT");
}

/// Empty for a shift that begins its turn (its UID stays `oncall-<rotation>-<turn>`, as
/// before any override); `-<start in UTC>` for a stretch that an override cut out later in
/// the turn, so every stretch has its own UID and the same stretch keeps it.
fn stretch_suffix(rotation: &Rotation, zone: Tz, shift: &Shift) -> String {
    let begins_turn = shift.covering.is_none()
        && oncall::turn_start(rotation, zone, shift.number) == Some(shift.start);
    if begins_turn {
        String::new()
    } else {
        format!("-{}", utc_stamp(shift.start))
    }
}
