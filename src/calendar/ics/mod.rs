//! ICS: the portal's subscribable iCalendar feeds (RFC 5545).
//!
//! Four kinds of feed: the portal's (`/calendar.ics`: every release, freeze and maintenance
//! window), one per system (`/calendar/<system>.ics`: that system's releases only), and one
//! per on-call rotation (`/calendar/oncall-<rotation>.ics`), and one per release train
//! (`/calendar/train-<id>.ics`: its departures and system demos, also in the portal's).
//! Same content and build moment, same bytes.
//!
//! Bounds: the build moment ([`FeedFacts::now`]) leaves out events that ended more than the
//! portal's `feed_history_days` before it, so ten years of releases do not make every
//! subscriber download ten years of events on each refresh, and keeps "starts in N h"
//! reminders to events still ahead.
//!
//! Time zones: one-off events (releases, one-off freezes, shifts) are written in UTC
//! (`DTSTART:20261206T010000Z`). UTC is exact whatever zone a release was written in and
//! cannot be misread: Outlook shows a TZID it has no VTIMEZONE for as floating time.
//! Weekly freezes and maintenance windows cannot be UTC: "09:00 every weekday" is 08:00 UTC
//! in winter and 07:00 UTC in summer, and an RRULE in UTC would be wrong for half the year.
//! Expanding them into single events in UTC would need an arbitrary horizon and thousands
//! of events. So they are `DTSTART;TZID=<portal zone>` with an RRULE, and the feed carries a
//! VTIMEZONE for that zone (the only TZID used), generated from chrono-tz over the covered
//! years in the one-STANDARD-one-DAYLIGHT shape Outlook understands. One-off windows that
//! run from local midnight to local midnight are all-day events (`VALUE=DATE`), with DTEND
//! the day after the last day, as RFC 5545 and Outlook want.
//!
//! Identity and change: UIDs derive only from what names an event (`release-<system>-
//! <version>@<host of base_url>`), never from its time, so a moved release updates in place
//! instead of showing up twice. SEQUENCE and DTSTAMP come from the git history of the files
//! that decide the event's time ([`FeedFacts::latest`]): DTSTAMP is the committer date of
//! the last commit that changed one of them and SEQUENCE that date in minutes since
//! 2020-01-01T00:00Z ([`sequence_at`]). Not a count of commits: squashing or rebasing the
//! content repository lowers a count, and clients ignore an update whose SEQUENCE went down,
//! while a rewrite gives the rewritten commits a later committer date. Without git history
//! SEQUENCE is 0 and DTSTAMP is the event's own start, so an event's bytes never depend on
//! the wall clock.

mod events;
mod trains;
pub mod vtimezone;
pub mod writer;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Datelike, Utc};

use crate::content::plan::{Departure, Train};
use crate::content::{Content, Release, ReleaseStatus};
use events::{WindowKind, WindowPlan};
use writer::Writer;

/// What git knows about a content file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Revision {
    /// The committer date of the last commit that changed the file (git moves it forward
    /// when that commit is rebased, amended or squashed; the author date it keeps).
    pub changed_at: DateTime<Utc>,
}

impl Revision {
    /// The iCal SEQUENCE of an event defined by this revision: see [`sequence_at`].
    pub fn sequence(&self) -> u32 {
        sequence_at(self.changed_at)
    }
}

/// Where SEQUENCE numbers count from: 2020-01-01T00:00:00Z, in Unix seconds.
const SEQUENCE_EPOCH: i64 = 1_577_836_800;

/// The SEQUENCE of an event whose files last changed at `changed_at` (a committer date):
/// whole minutes since 2020-01-01T00:00Z, so it rises with every later commit and, unlike a
/// count of commits, never falls when history is squashed or rebased (the new commits have
/// later committer dates). Bounded to 0..=2^31-1, a signed 32-bit integer as RFC 5545's
/// INTEGER and clients want (that lasts until the year 6103); a date before 2020 is 0.
/// Two commits within one minute share a SEQUENCE; their DTSTAMPs (to the second) differ,
/// and RFC 5546 breaks a SEQUENCE tie by the later DTSTAMP.
pub fn sequence_at(changed_at: DateTime<Utc>) -> u32 {
    let minutes = (changed_at.timestamp() - SEQUENCE_EPOCH).div_euclid(60);
    let bounded = minutes.clamp(0, i64::from(i32::MAX));
    u32::try_from(bounded).unwrap_or(0)
}

/// The portal's config file, relative to the content dir (as the feed facts name files):
/// its `timezone` places every time written without an offset, so it decides every event's
/// time along with the event's own file.
const PORTAL_FILE: &str = "portal.yaml";

/// The revision that gives an event defined in `own` its SEQUENCE and DTSTAMP: the latest
/// of `own` and `portal.yaml` ([`FeedFacts::latest`]).
fn event_revision(facts: &FeedFacts, own: &Path) -> Option<Revision> {
    facts.latest(&[own, Path::new(PORTAL_FILE)])
}

/// Facts from outside the content files that the feeds need.
#[derive(Debug, Clone, Default)]
pub struct FeedFacts {
    /// Content-relative file path (as in `SourceRef::file`, e.g. `releases/payments-2.4.0.md`,
    /// `portal.yaml`, or an imported `.ics`) -> its revision. Events whose files are all
    /// missing use SEQUENCE 0.
    pub files: BTreeMap<PathBuf, Revision>,
    /// Content-relative file path -> the author of its last commit (a release event's
    /// "Last changed … by …" line).
    pub authors: BTreeMap<PathBuf, String>,
    /// The build moment (`SOURCE_DATE_EPOCH` or the clock). With it, an event that ended
    /// more than the portal's `feed_history_days` before it is left out, and only an event
    /// still to start gets a reminder; `None` (content alone, as in unit tests of an event's
    /// shape) keeps every event and every reminder.
    pub now: Option<DateTime<Utc>>,
}

impl FeedFacts {
    /// Records what git knows about `file`: the last commit that changed it was committed
    /// at `changed_at`.
    pub fn insert(&mut self, file: impl Into<PathBuf>, changed_at: DateTime<Utc>) {
        self.files.insert(file.into(), Revision { changed_at });
    }

    pub fn revision(&self, file: &Path) -> Option<Revision> {
        self.files.get(file).copied()
    }

    /// The latest revision of `files`, the files that decide an event's time (its own file
    /// and `portal.yaml`, whose timezone places times written without an offset): a change
    /// to any of them raises the event's SEQUENCE and DTSTAMP. `None` when none is in git.
    pub fn latest(&self, files: &[&Path]) -> Option<Revision> {
        files
            .iter()
            .filter_map(|file| self.revision(file))
            .max_by_key(|r| r.changed_at)
    }

    /// Records who made the last commit that changed `file`.
    pub fn insert_author(&mut self, file: impl Into<PathBuf>, author: &str) {
        self.authors.insert(file.into(), author.to_owned());
    }

    pub fn author(&self, file: &Path) -> Option<&str> {
        self.authors.get(file).map(String::as_str)
    }

    /// Whether an event ending at `end` belongs in the feeds: it has not ended, or ended at
    /// most `history_days` before the build moment. Past that it is left out, so a feed
    /// stays bounded however many years of releases the portal holds.
    pub fn keeps(&self, end: DateTime<Utc>, history_days: u32) -> bool {
        self.now
            .is_none_or(|now| end >= now - chrono::Duration::days(i64::from(history_days)))
    }

    /// Whether an event starting at `start` may carry a "starts in N h" reminder: it has
    /// not started by the build moment (a reminder of the past is noise, or wrong).
    pub fn ahead(&self, start: DateTime<Utc>) -> bool {
        self.now.is_none_or(|now| start > now)
    }
}

/// `/calendar.ics`: every release, freeze, maintenance window and train departure that
/// [`FeedFacts::keeps`].
pub fn portal_feed(content: &Content, facts: &FeedFacts) -> String {
    let portal = &content.portal;
    let zone = portal.timezone;
    let plans: Vec<_> = window_plans(content)
        .into_iter()
        .filter(|p| {
            p.last_end(zone)
                .is_none_or(|end| facts.keeps(end, portal.feed_history_days))
        })
        .collect();
    let mut w = Writer::new();
    let description = portal.description.clone().unwrap_or_else(|| {
        format!(
            "Releases, freezes and maintenance windows: {}",
            portal.title
        )
    });
    header(&mut w, content, &portal.title, &description);
    if let Some((first, last)) = covered_years(content, &plans) {
        vtimezone::write(&mut w, portal.timezone, first, last);
    }
    let mut empty = plans.is_empty();
    for release in kept_releases(content, facts, |_| true) {
        events::release(&mut w, content, facts, release);
        empty = false;
    }
    for plan in &plans {
        events::window(&mut w, content, facts, plan);
    }
    for train in &content.plan.trains {
        for departure in kept_departures(content, facts, train) {
            trains::departure(&mut w, content, facts, train, departure);
            empty = false;
        }
    }
    finish(w, content, empty)
}

/// `/calendar/<system>.ics`: the releases of one system, as `/calendar.ics` has them; `None`
/// for an unknown system.
pub fn system_feed(content: &Content, facts: &FeedFacts, system_id: &str) -> Option<String> {
    let system = content.system(system_id)?;
    let mut w = Writer::new();
    let name = format!("{}: {}", content.portal.title, system.name);
    let description = format!("Release windows of {}", system.name);
    header(&mut w, content, &name, &description);
    let mut empty = true;
    for release in kept_releases(content, facts, |r| r.system == system.id) {
        events::release(&mut w, content, facts, release);
        empty = false;
    }
    Some(finish(w, content, empty))
}

/// `/calendar/train-<id>.ics`: the departures and system demos of one release train, as
/// `/calendar.ics` has them; `None` for an unknown train.
pub fn train_feed(content: &Content, facts: &FeedFacts, train_id: &str) -> Option<String> {
    let train = content.plan.trains.iter().find(|t| t.id == train_id)?;
    let mut w = Writer::new();
    let name = format!("{}: {}", content.portal.title, train.name);
    let description = format!("Departures and system demos of {}", train.name);
    header(&mut w, content, &name, &description);
    let mut empty = true;
    for departure in kept_departures(content, facts, train) {
        trains::departure(&mut w, content, facts, train, departure);
        empty = false;
    }
    Some(finish(w, content, empty))
}

/// The releases matching `pick` whose window the feeds keep (one rule for every feed, so a
/// system's feed holds exactly its events of the portal's).
fn kept_releases<'a>(
    content: &'a Content,
    facts: &'a FeedFacts,
    pick: impl Fn(&Release) -> bool + 'a,
) -> impl Iterator<Item = &'a Release> + 'a {
    let days = content.portal.feed_history_days;
    content
        .releases
        .iter()
        .filter(move |r| pick(r) && facts.keeps(r.window.end, days))
}

/// The departures of `train` the feeds keep: a departure goes when both its days and its
/// demo ended long enough ago.
fn kept_departures<'a>(
    content: &'a Content,
    facts: &'a FeedFacts,
    train: &'a Train,
) -> impl Iterator<Item = &'a Departure> + 'a {
    let days = content.portal.feed_history_days;
    train.departures.iter().filter(move |d| {
        let end = d
            .demo_span()
            .map_or(d.end, |(_, demo_end)| demo_end.max(d.end));
        facts.keeps(end, days)
    })
}

/// `/calendar/oncall-<rotation>.ics`: the shifts of one rotation overlapping
/// `[from, from + weeks)`; `None` for an unknown rotation.
pub fn oncall_feed(
    content: &Content,
    facts: &FeedFacts,
    rotation_id: &str,
    from: DateTime<Utc>,
    weeks: u32,
) -> Option<String> {
    let rotation = content.rotation(rotation_id)?;
    let mut w = Writer::new();
    let name = format!("{}: {}", content.portal.title, rotation.name);
    let description = format!("Who is on call for {}", rotation.name);
    header(&mut w, content, &name, &description);
    let shifts = super::oncall::schedule(rotation, content.portal.timezone, from, weeks);
    for shift in &shifts {
        events::shift(&mut w, content, facts, rotation, shift);
    }
    Some(finish(w, content, shifts.is_empty()))
}

/// Closes the calendar. RFC 5545 wants at least one component in a VCALENDAR, so a feed
/// without events carries the portal's VTIMEZONE, which every client ignores harmlessly.
fn finish(mut w: Writer, content: &Content, empty: bool) -> String {
    if empty {
        let year = events::weekly_anchor(content).year();
        vtimezone::write(&mut w, content.portal.timezone, year, year + 1);
    }
    w.end("VCALENDAR");
    w.finish()
}

fn header(w: &mut Writer, content: &Content, name: &str, description: &str) {
    w.begin("VCALENDAR");
    w.raw("VERSION", &[], "2.0");
    w.text("PRODID", "-//Shipboard//Shipboard release portal//EN");
    w.raw("CALSCALE", &[], "GREGORIAN");
    w.raw("METHOD", &[], "PUBLISH");
    w.text("NAME", name);
    w.text("X-WR-CALNAME", name);
    w.text("X-WR-CALDESC", description);
    w.text("X-WR-TIMEZONE", content.portal.timezone.name());
    // Hints only: Outlook and Apple honour them, Google refreshes on its own schedule.
    w.raw("REFRESH-INTERVAL", &[("VALUE", "DURATION")], "PT1H");
    w.raw("X-PUBLISHED-TTL", &[], "PT1H");
}

/// The STATUS of a release's event.
pub fn status(release: &Release) -> &'static str {
    match release.status {
        ReleaseStatus::Planned => "TENTATIVE",
        ReleaseStatus::Cancelled => "CANCELLED",
        ReleaseStatus::Approved
        | ReleaseStatus::InProgress
        | ReleaseStatus::Released
        | ReleaseStatus::RolledBack => "CONFIRMED",
    }
}

/// The host of the portal's `base_url`, the right-hand side of every UID (`[::1]` for an
/// IPv6 literal); `shipboard.invalid` when the base URL has no host.
pub fn host(base_url: &str) -> String {
    crate::validate::base_url::host(base_url)
}

/// `release-payments-2.4.0@releases.example.com`: stable across builds and moves.
pub fn release_uid(content: &Content, release: &Release) -> String {
    format!(
        "release-{}-{}@{}",
        release.system,
        release.version,
        host(&content.portal.base_url)
    )
}

/// An absolute URL for a site path, when the base URL is absolute.
fn absolute_url(content: &Content, path: &str) -> Option<String> {
    let base = &content.portal.base_url;
    (base.starts_with("https://") || base.starts_with("http://")).then(|| format!("{base}{path}"))
}

/// Every freeze and maintenance window with its UID and, for weekly rules, its first date.
fn window_plans(content: &Content) -> Vec<WindowPlan<'_>> {
    let portal = &content.portal;
    let anchor = events::weekly_anchor(content);
    let host = host(&portal.base_url);
    let mut used: BTreeMap<String, u32> = BTreeMap::new();
    let rules = portal
        .freezes
        .iter()
        .map(|r| (WindowKind::Freeze, r))
        .chain(
            portal
                .maintenance_windows
                .iter()
                .map(|r| (WindowKind::Maintenance, r)),
        );
    let mut plans = Vec::new();
    for (kind, rule) in rules {
        let Some(mut plan) = WindowPlan::new(kind, rule, portal.timezone, anchor) else {
            continue;
        };
        let base = format!("{}-{}", kind.uid_prefix(), slug(&rule.name));
        let count = used.entry(base.clone()).or_insert(0);
        *count += 1;
        plan.uid = match *count {
            1 => format!("{base}@{host}"),
            n => format!("{base}-{n}@{host}"),
        };
        plans.push(plan);
    }
    plans
}

/// The years a VTIMEZONE must cover: from the year before the first weekly rule starts to
/// the last year any event of the content touches. `None` when no event uses a TZID.
fn covered_years(content: &Content, plans: &[WindowPlan]) -> Option<(i32, i32)> {
    let first = plans.iter().filter_map(|p| p.weekly_first_year()).min()?;
    let last_event = content
        .releases
        .iter()
        .map(|r| r.window.end.year())
        .chain(plans.iter().map(|p| p.last_year()))
        .max()
        .unwrap_or(first);
    Some((first - 1, last_event.max(first) + 1))
}

/// `year-end-freeze`: lowercase ASCII letters and digits, other runs become one `-`. A name
/// with non-ASCII letters or digits gets a hash of the whole name appended, so that
/// "Größe" and "Grüße" keep distinct UIDs.
pub fn slug(text: &str) -> String {
    let mut out = String::new();
    let mut lossy = false;
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
            continue;
        }
        lossy |= c.is_alphanumeric();
        if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let mut slug = out.trim_end_matches('-').to_owned();
    if lossy {
        // FNV-1a: stable across builds and platforms, unlike std's hasher.
        let hash = text.bytes().fold(0x811c_9dc5_u32, |h, b| {
            (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
        });
        if !slug.is_empty() {
            slug.push('-');
        }
        slug.push_str(&format!("{hash:08x}"));
    }
    if slug.is_empty() {
        "window".to_owned()
    } else {
        slug
    }
}

#[cfg(test)]
mod tests;
