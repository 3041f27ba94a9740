//! Views: the plain, preformatted data that templates show (people, releases, runbooks,
//! checklists, ladders). Dates are formatted here, in the portal's timezone, so templates
//! never compute anything.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use super::live;
use crate::content::{
    Checklist, Content, Ladder, LadderContact, Person, RecordedTick, Release, ReleaseStatus,
    Runbook, System,
};
use crate::history::RunbookReview;
use crate::markdown::slugify;

/// A person as shown on pages, with ways to reach them.
#[derive(Debug, Clone, Serialize)]
pub struct PersonView {
    pub id: String,
    pub name: String,
    pub title: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// `tel:` URL with only digits and `+`.
    pub phone_href: Option<String>,
    pub chat: Option<String>,
}

impl PersonView {
    pub fn new(person: &Person) -> Self {
        PersonView {
            id: person.id.clone(),
            name: person.name.clone(),
            title: person.title.clone(),
            email: person.email.clone(),
            phone: person.phone.clone(),
            phone_href: person.phone.as_ref().map(|p| {
                let digits: String = p
                    .chars()
                    .filter(|c| c.is_ascii_digit() || *c == '+')
                    .collect();
                format!("tel:{digits}")
            }),
            chat: person.chat.clone(),
        }
    }

    /// Looks a person up; validation guarantees the id exists, but stay total.
    pub fn lookup(content: &Content, id: &str) -> Self {
        match content.person(id) {
            Some(person) => PersonView::new(person),
            None => PersonView::new(&Person {
                id: id.to_owned(),
                name: id.to_owned(),
                title: None,
                email: None,
                phone: None,
                chat: None,
            }),
        }
    }
}

/// Formats instants in the portal's timezone.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    pub zone: Tz,
}

impl Clock {
    /// `Sat 6 Dec 2026, 02:00 CET`
    pub fn date_time(&self, at: DateTime<Utc>) -> String {
        at.with_timezone(&self.zone)
            .format("%a %-d %b %Y, %H:%M %Z")
            .to_string()
    }

    /// `6 Dec 2026`
    pub fn date(&self, at: DateTime<Utc>) -> String {
        at.with_timezone(&self.zone).format("%-d %b %Y").to_string()
    }

    /// `Sat 6 Dec 2026, 02:00–03:30 CET` (or both full when the dates differ).
    pub fn range(&self, start: DateTime<Utc>, end: DateTime<Utc>) -> String {
        let (s, e) = (
            start.with_timezone(&self.zone),
            end.with_timezone(&self.zone),
        );
        if s.date_naive() == e.date_naive() {
            format!(
                "{}–{}",
                s.format("%a %-d %b %Y, %H:%M"),
                e.format("%H:%M %Z")
            )
        } else {
            format!(
                "{} – {}",
                s.format("%a %-d %b %Y, %H:%M %Z"),
                e.format("%a %-d %b %Y, %H:%M %Z")
            )
        }
    }

    /// `2026-12-06T02:00:00+01:00`, for `<time datetime>`.
    pub fn machine(&self, at: DateTime<Utc>) -> String {
        at.with_timezone(&self.zone).to_rfc3339()
    }
}

/// A release in lists: enough to find it and see its state.
#[derive(Debug, Clone, Serialize)]
pub struct ReleaseSummary {
    pub key: String,
    pub system: String,
    pub system_name: String,
    pub version: String,
    pub kind: &'static str,
    pub status: &'static str,
    pub status_label: &'static str,
    pub title: Option<String>,
    pub status_note: Option<String>,
    pub when: String,
    pub when_machine: String,
    /// `YYYY-MM` in the portal zone, for grouping by month.
    pub month: String,
    pub month_label: String,
    pub path: String,
    /// The window as `data-live-rel` (`start end`, Unix millis).
    pub window_ms: String,
    pub start_ms: i64,
    /// When the release is overdue (as `data-live-on`), for planned, approved and in-progress
    /// releases: a planned/approved one once its window has ended, an in-progress one 12 h
    /// after.
    pub overdue_on: Option<String>,
    /// Overdue at the build's "now".
    pub overdue: bool,
    /// "starts in 3 days" / "ended 25 min ago" at the build's "now".
    pub relative: String,
    /// In a list that the live layer filters: when the entry shows (`data-live-on`) and
    /// whether it shows at the build's "now". `None` in lists that do not change.
    pub on: Option<String>,
    pub shown: bool,
}

/// Grace after the window's end before an in-progress release counts as overdue.
pub const IN_PROGRESS_GRACE_HOURS: i64 = 12;

/// When `release` becomes overdue, if it can.
pub fn overdue_from(release: &Release) -> Option<DateTime<Utc>> {
    match release.status {
        ReleaseStatus::Planned | ReleaseStatus::Approved => Some(release.window.end),
        ReleaseStatus::InProgress => {
            Some(release.window.end + chrono::Duration::hours(IN_PROGRESS_GRACE_HOURS))
        }
        _ => None,
    }
}

impl ReleaseSummary {
    pub fn new(content: &Content, release: &Release, clock: Clock, now: DateTime<Utc>) -> Self {
        let local_start = release.window.start.with_timezone(&clock.zone);
        let overdue_at = overdue_from(release);
        ReleaseSummary {
            key: release.key(),
            system: release.system.clone(),
            system_name: system_name(content, &release.system),
            version: release.version.to_string(),
            kind: release.kind.as_str(),
            status: release.status.as_str(),
            status_label: release.status.label(),
            title: release.title.clone(),
            status_note: release.status_note.clone(),
            when: clock.range(release.window.start, release.window.end),
            when_machine: clock.machine(release.window.start),
            month: local_start.format("%Y-%m").to_string(),
            month_label: local_start.format("%B %Y").to_string(),
            path: release_path(&release.system, &release.version.to_string()),
            window_ms: live::intervals(&[(release.window.start, release.window.end)]),
            start_ms: release.window.start.timestamp_millis(),
            overdue_on: overdue_at.map(live::from),
            overdue: overdue_at.is_some_and(|at| at <= now),
            relative: live::window_text(&[(release.window.start, release.window.end)], now),
            on: None,
            shown: true,
        }
    }

    /// This summary in a list the live layer filters: shown during `spans`.
    pub fn shown_during(
        &self,
        spans: &[(DateTime<Utc>, DateTime<Utc>)],
        now: DateTime<Utc>,
    ) -> Self {
        ReleaseSummary {
            on: Some(live::intervals(spans)),
            shown: spans.iter().any(|(s, e)| *s <= now && now < *e),
            ..self.clone()
        }
    }
}

pub fn release_path(system: &str, version: &str) -> String {
    format!("releases/{system}/{version}/")
}

pub fn system_name(content: &Content, id: &str) -> String {
    content
        .system(id)
        .map(|s| s.name.clone())
        .unwrap_or_else(|| id.to_owned())
}

/// A value shared by several pages of the model (a release summary in every listing that
/// shows it, the calendar of every month page), held once and serialized as the value
/// itself (serde's own `Arc` support is a crate feature this build does not enable).
#[derive(Debug)]
pub struct Shared<T>(Arc<T>);

impl<T> Shared<T> {
    pub fn new(value: T) -> Shared<T> {
        Shared(Arc::new(value))
    }

    /// Whether both are the same value, not two equal ones.
    pub fn ptr_eq(a: &Shared<T>, b: &Shared<T>) -> bool {
        Arc::ptr_eq(&a.0, &b.0)
    }
}

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Shared<T> {
        Shared(Arc::clone(&self.0))
    }
}

impl<T> std::ops::Deref for Shared<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: Serialize> Serialize for Shared<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

/// Releases grouped by month, in the order given.
#[derive(Debug, Clone, Serialize)]
pub struct MonthGroup {
    pub month: String,
    pub label: String,
    /// Shared with the other listings that show them.
    pub releases: Vec<Shared<ReleaseSummary>>,
}

pub fn group_by_month(releases: Vec<Shared<ReleaseSummary>>) -> Vec<MonthGroup> {
    let mut groups: Vec<MonthGroup> = Vec::new();
    for release in releases {
        match groups.last_mut() {
            Some(group) if group.month == release.month => group.releases.push(release),
            _ => groups.push(MonthGroup {
                month: release.month.clone(),
                label: release.month_label.clone(),
                releases: vec![release],
            }),
        }
    }
    groups
}

/// A runbook link with what an on-call engineer needs to pick the right one.
#[derive(Debug, Clone, Serialize)]
pub struct RunbookLink {
    pub slug: String,
    pub title: String,
    pub kind: &'static str,
    pub system: Option<String>,
    pub system_name: Option<String>,
    pub owner: PersonView,
    pub summary: Option<String>,
    pub path: String,
    /// Last reviewed and staleness, from git (set by `model::git`).
    pub review: Option<RunbookReview>,
}

impl RunbookLink {
    pub fn new(content: &Content, runbook: &Runbook) -> Self {
        RunbookLink {
            slug: runbook.slug.clone(),
            title: runbook.title.clone(),
            kind: runbook.kind.as_str(),
            system: runbook.system.clone(),
            system_name: runbook.system.as_ref().map(|s| system_name(content, s)),
            owner: PersonView::lookup(content, &runbook.owner),
            summary: runbook.summary.clone(),
            path: format!("runbooks/{}/", runbook.slug),
            review: None,
        }
    }

    pub fn lookup(content: &Content, slug: &str) -> Option<Self> {
        content.runbook(slug).map(|r| RunbookLink::new(content, r))
    }
}

/// A system's rollback runbook, as the home page lists them.
#[derive(Debug, Clone, Serialize)]
pub struct SystemRollback {
    pub system: String,
    pub system_name: String,
    pub system_path: String,
    pub runbook: Option<RunbookLink>,
    pub owner: PersonView,
}

impl SystemRollback {
    pub fn new(content: &Content, system: &System) -> Self {
        SystemRollback {
            system: system.id.clone(),
            system_name: system.name.clone(),
            system_path: format!("systems/{}/", system.id),
            runbook: RunbookLink::lookup(content, &system.rollback_runbook),
            owner: PersonView::lookup(content, &system.owner),
        }
    }
}

/// One rung of an escalation ladder.
#[derive(Debug, Clone, Serialize)]
pub struct LadderStepView {
    pub number: usize,
    /// The person to call; for a rotation, whoever is on call now.
    pub person: Option<PersonView>,
    /// For a rotation: everyone on call in the embedded span, for the live layer.
    pub on_call: Vec<live::OnCallPerson>,
    pub rotation: Option<String>,
    pub rotation_name: Option<String>,
    /// "30 s", "15 min": when to move on to the next step.
    pub within: Option<String>,
    pub how: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LadderView {
    pub id: String,
    pub name: String,
    pub steps: Vec<LadderStepView>,
}

impl LadderView {
    /// `on_call` resolves a rotation id to who holds it (now and in the embedded span).
    pub fn new(
        content: &Content,
        ladder: &Ladder,
        on_call: &dyn Fn(&str) -> Vec<live::OnCallPerson>,
    ) -> Self {
        let steps = ladder
            .steps
            .iter()
            .enumerate()
            .map(|(index, step)| {
                let (person, rotation, people) = match &step.contact {
                    LadderContact::Person(id) => {
                        (Some(PersonView::lookup(content, id)), None, Vec::new())
                    }
                    LadderContact::Rotation(id) => {
                        let people = on_call(id);
                        let now = people.iter().find(|p| p.current).map(|p| p.person.clone());
                        (now, Some(id.clone()), people)
                    }
                };
                LadderStepView {
                    number: index + 1,
                    person,
                    on_call: people,
                    rotation_name: rotation
                        .as_ref()
                        .and_then(|r| content.rotation(r))
                        .map(|r| r.name.clone()),
                    rotation,
                    within: step.within_secs.map(human_duration),
                    how: step.how.clone(),
                }
            })
            .collect();
        LadderView {
            id: ladder.id.clone(),
            name: ladder.name.clone(),
            steps,
        }
    }
}

pub fn human_duration(secs: u64) -> String {
    match secs {
        s if s < 60 => format!("{s} s"),
        s if s < 3600 && s % 60 == 0 => format!("{} min", s / 60),
        s if s % 3600 == 0 => format!("{} h", s / 3600),
        s => format!("{} min", s.div_ceil(60)),
    }
}

/// A checklist rendered as plain checkboxes; the widget enhances it.
#[derive(Debug, Clone, Serialize)]
pub struct ChecklistView {
    pub id: String,
    pub title: String,
    pub description: Option<String>,
    /// `payments@2.4.0` or `template:<id>`: the widget's storage scope.
    pub scope: String,
    pub heading_id: String,
    pub phases: Vec<PhaseView>,
    pub item_count: usize,
    /// Items done by a recorded tick.
    pub recorded_count: usize,
    /// The release file's edit page (`edit_url` with `{path}` filled in), to record ticks.
    pub edit_url: Option<String>,
    /// The release file, relative to the content dir (`releases/payments-2.4.0.md`).
    pub file: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PhaseView {
    pub id: String,
    pub title: String,
    pub items: Vec<ItemView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ItemView {
    /// Unique on the page.
    pub dom_id: String,
    /// `<phase>/<item>`: stable key of the item.
    pub key: String,
    pub digest: String,
    pub text: String,
    pub owner: Option<String>,
    /// The tick recorded in the release file, if any: done for everyone.
    pub recorded: Option<RecordedView>,
    /// Set for `verify:` items on release pages (`model::verify`): the portal's verdict.
    pub verified: Option<super::verify::Verification>,
}

/// A tick recorded in the content repo, as the page shows it.
#[derive(Debug, Clone, Serialize)]
pub struct RecordedView {
    pub by: PersonView,
    /// In the portal's zone, and as a `datetime` attribute.
    pub at: String,
    pub at_machine: String,
    pub note: Option<String>,
    pub evidence: Option<String>,
    /// The tick names a digest other than the current item text's: the text has changed
    /// since it was ticked.
    pub older_wording: bool,
}

impl RecordedView {
    fn new(content: &Content, tick: &RecordedTick, digest: &str) -> Self {
        let clock = Clock {
            zone: content.portal.timezone,
        };
        RecordedView {
            by: PersonView::lookup(content, &tick.by),
            at: clock.date_time(tick.at),
            at_machine: clock.machine(tick.at),
            note: tick.note.clone(),
            evidence: tick.evidence.clone(),
            older_wording: tick.wording.as_deref().is_some_and(|w| w != digest),
        }
    }
}

impl ChecklistView {
    /// The checklist of a release page: its recorded ticks marked done, and the release
    /// file's edit link when the portal has an `edit_url`.
    pub fn for_release(content: &Content, checklist: &Checklist, release: &Release) -> Self {
        let mut view = ChecklistView::new(content, checklist, &release.key());
        for item in view.phases.iter_mut().flat_map(|p| p.items.iter_mut()) {
            let id = item.key.rsplit('/').next().unwrap_or_default();
            item.recorded = release
                .ticks
                .iter()
                .find(|t| t.item == id)
                .map(|t| RecordedView::new(content, t, &item.digest));
        }
        view.recorded_count = view
            .phases
            .iter()
            .flat_map(|p| &p.items)
            .filter(|i| i.recorded.is_some())
            .count();
        let file = crate::diagnostics::display_path(&release.source.file);
        view.edit_url = content
            .portal
            .edit_url
            .as_ref()
            .map(|t| t.replace("{path}", &encode_path(&file)));
        view.file = Some(file);
        view
    }

    pub fn new(content: &Content, checklist: &Checklist, scope: &str) -> Self {
        let prefix = slugify(&format!("{scope} {}", checklist.id));
        let phases: Vec<PhaseView> = checklist
            .phases
            .iter()
            .map(|phase| PhaseView {
                id: phase.id.clone(),
                title: phase.title.clone(),
                items: phase
                    .items
                    .iter()
                    .map(|item| ItemView {
                        dom_id: format!("{prefix}-{}-{}", phase.id, item.id),
                        key: format!("{}/{}", phase.id, item.id),
                        digest: format!("{:016x}", fnv1a64(item.text.as_bytes())),
                        text: item.text.clone(),
                        owner: item.owner.as_ref().map(|o| {
                            content
                                .role(o)
                                .map(|r| r.name.clone())
                                .unwrap_or_else(|| o.clone())
                        }),
                        recorded: None,
                        verified: None,
                    })
                    .collect(),
            })
            .collect();
        ChecklistView {
            id: checklist.id.clone(),
            title: checklist.title.clone(),
            description: checklist.description.clone(),
            scope: scope.to_owned(),
            heading_id: format!("{prefix}-h"),
            item_count: phases.iter().map(|p| p.items.len()).sum(),
            phases,
            recorded_count: 0,
            edit_url: None,
            file: None,
        }
    }
}

/// A file path for a URL: every byte but unreserved characters and `/` percent-encoded.
fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// FNV-1a, 64 bit: a tiny, stable digest of checklist item texts (not for security).
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Whether a release is still ahead or under way (for "next" lists).
pub fn is_open(status: ReleaseStatus) -> bool {
    matches!(
        status,
        ReleaseStatus::Planned | ReleaseStatus::Approved | ReleaseStatus::InProgress
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv_matches_reference_values() {
        assert_eq!(fnv1a64(b""), 0xcbf29ce484222325);
        assert_eq!(fnv1a64(b"a"), 0xaf63dc4c8601ec8c);
    }

    #[test]
    fn release_checklists_mark_recorded_ticks_and_older_wordings() {
        use crate::calendar::testutil::{content, release, utc};
        use crate::content::{ChecklistItem, Phase};
        use crate::diagnostics::SourceRef;
        let mut c = content();
        c.portal.edit_url = Some("https://git.example.com/edit/main/{path}".into());
        let item = |id: &str| ChecklistItem {
            id: id.into(),
            text: format!("Do {id}."),
            owner: None,
            verify: None,
        };
        let list = Checklist {
            id: "rollout".into(),
            title: "Rollout".into(),
            description: None,
            phases: vec![Phase {
                id: "plan".into(),
                title: "Plan".into(),
                items: vec![item("a"), item("b"), item("c")],
            }],
            source: SourceRef::file("checklists/rollout.yaml"),
        };
        let tick = |id: &str, wording: Option<String>| RecordedTick {
            item: id.into(),
            by: "li".into(),
            at: utc(2026, 11, 20, 9, 0),
            wording,
            note: None,
            evidence: None,
            at_source: SourceRef::file("releases/payments-2.4.0.md"),
        };
        let mut r = release("payments", "2.4.0", utc(2026, 12, 6, 1, 0), 60);
        let current = format!("{:016x}", fnv1a64(b"Do a."));
        r.ticks = vec![
            tick("a", Some(current)),
            tick("b", Some("0123456789abcdef".into())),
        ];
        let view = ChecklistView::for_release(&c, &list, &r);
        let items = &view.phases[0].items;
        let a = items[0].recorded.as_ref().expect("a is recorded");
        assert_eq!(
            (a.by.name.as_str(), a.at.as_str()),
            ("Li Wei", "Fri 20 Nov 2026, 10:00 CET")
        );
        assert!(!a.older_wording);
        assert!(items[1].recorded.as_ref().is_some_and(|b| b.older_wording));
        assert!(items[2].recorded.is_none());
        assert_eq!(view.recorded_count, 2);
        assert_eq!(
            view.edit_url.as_deref(),
            Some("https://git.example.com/edit/main/releases/payments-2.4.0.md")
        );
    }

    #[test]
    fn edit_paths_are_percent_encoded() {
        assert_eq!(
            encode_path("releases/payments-2.4.0.md"),
            "releases/payments-2.4.0.md"
        );
        assert_eq!(encode_path("releases/a b?.md"), "releases/a%20b%3F.md");
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(human_duration(30), "30 s");
        assert_eq!(human_duration(900), "15 min");
        assert_eq!(human_duration(7200), "2 h");
        assert_eq!(human_duration(90), "2 min");
    }
}
