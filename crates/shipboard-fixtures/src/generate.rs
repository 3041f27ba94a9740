//! The whole generated content repo, in memory: systems, people, runbooks, ten years of
//! releases with valid schedules and versions, and each system's git history.
//!
//! Valid means: SemVer versions increasing per system, windows outside every freeze
//! (year-end freezes and a weekly Friday freeze) and not overlapping each other,
//! approvals wherever the policy needs them, and every reference (system, person, role,
//! runbook, checklist, ladder, rotation) resolving.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Weekday};

use crate::history::{HistoryInput, RepoHistory};
use crate::people::{min_people, people, staff, Person, Staff};
use crate::release::{release, ReleaseDoc, ReleaseSpec};
use crate::rng::Lcg;
use crate::runbook::{runbook, RunbookDoc};
use crate::site::{checklists, contacts, portal, tag_prefix};
use crate::words::{SystemDef, SYSTEMS};
use crate::yaml::{front_matter, to_yaml, ChecklistFile, ContactsFile, PortalFile};

const SEED: u64 = 0x5348_4950_424f_4152; // "SHIPBOAR"

/// The size of a generated content repo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Params {
    pub releases: usize,
    pub runbooks: usize,
    pub systems: usize,
    pub people: usize,
}

impl Params {
    /// `releases` releases and a tenth as many runbooks (at least one per system), 20
    /// systems, 100 people: the shape of the build bench's repos.
    pub fn sized(releases: usize) -> Params {
        let systems = SYSTEMS.len();
        Params {
            releases,
            runbooks: (releases / 10).max(systems),
            systems,
            people: 100,
        }
    }

    /// `releases-<n>`, the folder name benches use.
    pub fn name(&self) -> String {
        format!("releases-{}", self.releases)
    }

    /// Panics with the reason when the generator cannot make a valid repo of this size.
    pub fn check(&self) {
        assert!(
            (1..=SYSTEMS.len()).contains(&self.systems),
            "1 to {} systems",
            SYSTEMS.len()
        );
        assert!(
            self.runbooks >= self.systems,
            "a rollback runbook per system"
        );
        assert!(self.people >= min_people(self.systems), "need more people");
        assert!(
            (1..=MAX_RELEASES).contains(&self.releases),
            "1 to {MAX_RELEASES} releases"
        );
    }
}

/// Release slots in 2020-2030 (4 a day, outside the freezes).
pub const MAX_RELEASES: usize = 14_000;

/// A generated content repo in memory.
pub struct Generated {
    pub portal: PortalFile,
    pub contacts: ContactsFile,
    pub checklists: Vec<(&'static str, ChecklistFile)>,
    /// `releases/<system>-<version>.md` -> the release.
    pub releases: Vec<(String, ReleaseDoc)>,
    pub runbooks: Vec<RunbookDoc>,
    pub histories: Vec<RepoHistory>,
    pub people: Vec<Person>,
}

impl Generated {
    /// Every content file: path relative to the content dir -> text.
    pub fn files(&self) -> BTreeMap<String, String> {
        let mut files = BTreeMap::new();
        files.insert("portal.yaml".to_owned(), to_yaml(&self.portal));
        files.insert("contacts.yaml".to_owned(), to_yaml(&self.contacts));
        for (id, checklist) in &self.checklists {
            files.insert(format!("checklists/{id}.yaml"), to_yaml(checklist));
        }
        for (path, r) in &self.releases {
            files.insert(path.clone(), front_matter(&r.front, &r.body));
        }
        for r in &self.runbooks {
            files.insert(
                format!("runbooks/{}.md", r.slug),
                front_matter(&r.front, &r.body),
            );
        }
        files
    }
}

/// Generates the content repo of `params`, deterministically.
pub fn generate(params: &Params) -> Generated {
    params.check();
    let mut rng = Lcg(SEED ^ params.releases as u64);
    let people = people(params.people);
    let staff = staff(params.systems, params.people);
    let systems = &SYSTEMS[..params.systems];
    let plan = runbook_plan(params.runbooks, systems);
    let runbooks = plan
        .iter()
        .map(|(slug, kind, system)| {
            let owner = match system {
                Some(s) => staff.owners[*s],
                None => *rng.pick(&staff.sres),
            };
            runbook(
                &mut rng,
                slug,
                kind,
                system.map(|s| systems[s]),
                &people[owner].id,
            )
        })
        .collect();
    let deploy_runbooks = deploy_runbooks(&plan, systems.len());
    let context = Context {
        systems,
        people: &people,
        staff: &staff,
        deploy_runbooks: &deploy_runbooks,
    };
    let (releases, histories) = releases(&mut rng, params, &context);
    Generated {
        portal: portal(systems, &people, &staff),
        contacts: contacts(systems, &people, &staff),
        checklists: checklists(),
        releases,
        runbooks,
        histories,
        people,
    }
}

/// Runbooks: slug, kind, system index. Each system gets its rollback runbook; the rest
/// rotate over systems and kinds, with every 20th one not tied to a system.
fn runbook_plan(count: usize, systems: &[SystemDef]) -> Vec<(String, &'static str, Option<usize>)> {
    let mut plan: Vec<(String, &'static str, Option<usize>)> = systems
        .iter()
        .enumerate()
        .map(|(i, s)| (format!("{}-rollback", s.0), "rollback", Some(i)))
        .collect();
    let kinds = [
        "deploy",
        "verification",
        "hotfix",
        "rollback",
        "other",
        "deploy",
    ];
    let mut k = 0;
    while plan.len() < count {
        let n = plan.len();
        let kind = kinds[k % kinds.len()];
        if n.is_multiple_of(20) {
            plan.push((format!("ops-{kind}-{n}"), kind, None));
        } else {
            let sys = k % systems.len();
            plan.push((format!("{}-{kind}-{n}", systems[sys].0), kind, Some(sys)));
        }
        k += 1;
    }
    plan
}

/// Per system, the slugs of its deploy and verification runbooks (releases link them).
fn deploy_runbooks(
    plan: &[(String, &'static str, Option<usize>)],
    systems: usize,
) -> Vec<Vec<String>> {
    let mut lists = vec![Vec::new(); systems];
    for (slug, kind, system) in plan {
        if let Some(s) = system {
            if matches!(*kind, "deploy" | "verification") {
                lists[*s].push(slug.clone());
            }
        }
    }
    lists
}

struct Context<'a> {
    systems: &'a [SystemDef],
    people: &'a [Person],
    staff: &'a Staff,
    deploy_runbooks: &'a [Vec<String>],
}

/// "Now" for statuses and history: 2026-11-25 13:00 in Berlin (winter time), the benches'
/// `SOURCE_DATE_EPOCH`.
pub fn now() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 11, 25)
        .and_then(|d| d.and_hms_opt(13, 0, 0))
        .expect("a valid date")
}

/// Release windows: 4 slots a day (local time of the window's zone), skipping the year-end
/// freezes (20 Dec 00:00 - 3 Jan 00:00) and Fridays (weekly freeze). Slots are at least 4 h
/// apart and windows last at most 90 min, so no two windows overlap even when a window is
/// written in London or UTC time (at most 2 h from Berlin), and no slot is near a DST
/// change (02:00/03:00).
fn slots() -> Vec<NaiveDateTime> {
    let mut slots = Vec::new();
    let mut day = NaiveDate::from_ymd_opt(2020, 1, 1).expect("a valid date");
    let last = NaiveDate::from_ymd_opt(2030, 12, 31).expect("a valid date");
    while day <= last {
        let frozen = (day.month() == 12 && day.day() >= 20) || (day.month() == 1 && day.day() < 3);
        if !frozen && day.weekday() != Weekday::Fri {
            for (h, m) in [(5, 0), (10, 0), (14, 0), (20, 0)] {
                slots.push(day.and_time(NaiveTime::from_hms_opt(h, m, 0).expect("a valid time")));
            }
        }
        day += Duration::days(1);
    }
    slots
}

type Version = (u64, u64, u64);

fn releases(
    rng: &mut Lcg,
    params: &Params,
    cx: &Context,
) -> (Vec<(String, ReleaseDoc)>, Vec<RepoHistory>) {
    let slots = slots();
    assert!(slots.len() >= params.releases, "not enough slots");
    let now = now();
    let starts: Vec<NaiveDateTime> = (0..params.releases)
        .map(|i| slots[i * slots.len() / params.releases])
        .collect();
    let past = starts.iter().filter(|s| **s < now).count();
    let mut versions: Vec<Option<Version>> = vec![None; cx.systems.len()];
    let mut histories: Vec<RepoHistory> = cx
        .systems
        .iter()
        .enumerate()
        .map(|(i, s)| RepoHistory {
            system: s.0,
            tag_prefix: tag_prefix(i, s.0),
            commits: Vec::new(),
        })
        .collect();
    let mut out = Vec::with_capacity(params.releases);
    for (i, slot) in starts.iter().enumerate() {
        let sys = rng.below(cx.systems.len());
        let (kind, version) = next_version(rng, versions[sys]);
        versions[sys] = Some(version);
        // The last release before now is being deployed: its window moves to two hours ago
        // (11:00, ending by 12:30 local: before the next slot at 14:00 even in London time).
        let in_progress = i + 1 == past;
        let start = &if in_progress {
            now - Duration::hours(2)
        } else {
            *slot
        };
        let status = status(rng, *start, now, in_progress);
        let deps = dependency(rng, sys, &versions);
        let runbooks: Vec<&str> = cx.deploy_runbooks[sys].iter().map(String::as_str).collect();
        let spec = ReleaseSpec {
            system: cx.systems[sys],
            version,
            kind,
            status,
            start: *start,
            deps: deps.iter().map(|(o, v)| (cx.systems[*o].0, *v)).collect(),
            runbooks: &runbooks,
            owner: &cx.people[cx.staff.owners[sys]].id,
        };
        let (doc, written) = release(rng, spec, cx.people, cx.staff);
        let (a, b, c) = version;
        out.push((
            format!("releases/{}-{a}.{b}.{c}.md", cx.systems[sys].0),
            doc,
        ));
        let input = HistoryInput {
            version: format!("{a}.{b}.{c}"),
            kind,
            status,
            start: *start,
            now,
            written,
        };
        histories[sys].add_release(rng, input);
    }
    (out, histories)
}

/// The type and version of a system's next release (its first is 1.0.0, a major).
fn next_version(rng: &mut Lcg, previous: Option<Version>) -> (&'static str, Version) {
    let kind = match rng.below(100) {
        0..=7 => "major",
        8..=44 => "minor",
        45..=93 => "patch",
        _ => "emergency",
    };
    match (previous, kind) {
        (None, _) => ("major", (1, 0, 0)),
        (Some((a, _, _)), "major") => (kind, (a + 1, 0, 0)),
        (Some((a, b, _)), "minor") => (kind, (a, b + 1, 0)),
        (Some((a, b, c)), _) => (kind, (a, b, c + 1)),
    }
}

/// A realistic status for a window starting at `start`; `last_past` marks the last three
/// that started before now.
fn status(
    rng: &mut Lcg,
    start: NaiveDateTime,
    now: NaiveDateTime,
    last_past: bool,
) -> &'static str {
    if start < now {
        if last_past {
            return "in-progress";
        }
        return match rng.below(100) {
            0..=85 => "released",
            86..=93 => "rolled-back",
            _ => "cancelled",
        };
    }
    if start < now + Duration::days(30) {
        match rng.below(100) {
            0..=59 => "approved",
            60..=91 => "planned",
            _ => "cancelled",
        }
    } else {
        match rng.below(100) {
            0..=84 => "planned",
            85..=94 => "approved",
            _ => "cancelled",
        }
    }
}

/// ~15 % of releases depend on another system, at the version it had then.
fn dependency(rng: &mut Lcg, sys: usize, versions: &[Option<Version>]) -> Vec<(usize, Version)> {
    let n = versions.len();
    if !rng.chance(15) || n < 2 {
        return Vec::new();
    }
    let other = (sys + 1 + rng.below(n - 1)) % n;
    versions[other]
        .map(|v| vec![(other, v)])
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::{generate, Params};

    #[test]
    fn the_same_parameters_make_the_same_files() {
        let params = Params::sized(60);
        let (a, b) = (generate(&params).files(), generate(&params).files());
        assert_eq!(a, b);
        assert_eq!(a.keys().filter(|k| k.starts_with("releases/")).count(), 60);
        assert_eq!(a.keys().filter(|k| k.starts_with("runbooks/")).count(), 20);
    }

    #[test]
    fn values_yaml_would_misread_are_quoted() {
        let files = generate(&Params::sized(20)).files();
        let checklist = &files["checklists/standard-rollout.yaml"];
        assert!(
            checklist.contains("text: \"Release announced in #releases.\""),
            "{checklist}"
        );
        let portal = &files["portal.yaml"];
        assert!(portal.contains("start: \"12:00\""), "{portal}");
        let release = files
            .iter()
            .find(|(k, _)| k.starts_with("releases/"))
            .map(|(_, v)| v);
        assert!(release.is_some_and(|r| r.contains("version: \"1.0.0\"")));
    }
}
