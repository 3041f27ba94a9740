//! One generated release: its front matter (approvals where the policy needs them, people
//! in every role, tickets, checklist, runbooks, dependencies) and its ~45-line Markdown
//! notes (headings, lists, a table, a code block, a task list, a footnote, site links).

use std::fmt::Write as _;

use chrono::{Duration, NaiveDateTime};

use crate::people::{Person, Staff};
use crate::rng::Lcg;
use crate::words::{SystemDef, CHANGES, FLAGS, NOUNS, SENTENCES, VERBS};
use crate::yaml::{flow, Approval, Dependency, ReleaseFront, ReleasePeople, Window};

/// What the generator decided about a release before writing it.
pub struct ReleaseSpec<'a> {
    pub system: SystemDef,
    pub version: (u64, u64, u64),
    pub kind: &'static str,
    pub status: &'static str,
    pub start: NaiveDateTime,
    /// Systems it depends on, with the version each had then.
    pub deps: Vec<(&'a str, (u64, u64, u64))>,
    /// The system's deploy and verification runbooks.
    pub runbooks: &'a [&'a str],
    pub owner: &'a str,
}

/// A written release: front matter and Markdown notes.
#[derive(Clone)]
pub struct ReleaseDoc {
    pub front: ReleaseFront,
    pub body: String,
}

/// What the git history generator needs to know about a release just written.
pub struct Written {
    pub end: NaiveDateTime,
    pub zone: &'static str,
    pub title: String,
    pub tickets: Vec<String>,
    pub authors: [usize; 2],
}

/// `YYYY-MM-DD HH:MM`, as content files write local times.
pub fn fmt_time(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M").to_string()
}

pub fn release(
    rng: &mut Lcg,
    r: ReleaseSpec,
    people: &[Person],
    staff: &Staff,
) -> (ReleaseDoc, Written) {
    let (system, system_name, _) = r.system;
    let (a, b, c) = r.version;
    let pid = |i: usize| people[i].id.clone();
    let title = format!("{} {}", rng.pick(&VERBS), rng.pick(&NOUNS));
    let minutes = [30, 45, 60, 75, 90][rng.below(5)];
    let end = r.start + Duration::minutes(minutes);
    let zone = match rng.below(20) {
        0 | 1 => "Europe/London",
        2 => "UTC",
        _ => "Europe/Berlin",
    };
    let dev1 = *rng.pick(&staff.developers);
    let dev2 = *rng.pick(&staff.developers);
    let developers = if dev1 == dev2 {
        vec![pid(dev1)]
    } else {
        vec![pid(dev1), pid(dev2)]
    };
    let sre = pid(*rng.pick(&staff.sres));
    let deployer = pid(*rng.pick(&staff.deployers));
    let qa = *rng.pick(&staff.qa_leads);
    let po = *rng.pick(&staff.product_owners);
    let approvals = approvals(rng, &r, staff, qa, po)
        .into_iter()
        .map(|(role, who)| Approval {
            role: role.into(),
            by: pid(who),
            at: approval_time(rng, &r),
            ticket: format!("REL-{}", 1000 + rng.below(90_000)),
        })
        .collect();
    let tickets = tickets(rng, system);
    let linked = linked_runbooks(rng, r.runbooks);
    let rollout = match r.kind {
        "emergency" => "all-at-once",
        _ => *rng.pick(&["canary", "canary", "blue-green", "all-at-once"]),
    };
    let notes = Notes {
        system,
        system_name,
        title: &title,
        tickets: &tickets,
        runbooks: &linked,
        rollout,
    };
    let body = notes.write(rng);
    let front = ReleaseFront {
        system: system.into(),
        version: format!("{a}.{b}.{c}"),
        kind: r.kind.into(),
        status: r.status.into(),
        title: title.clone(),
        status_note: status_note(r.status).map(Into::into),
        window: Window {
            start: fmt_time(r.start),
            end: fmt_time(end),
            timezone: (zone != "Europe/Berlin").then(|| zone.into()),
        },
        owner: r.owner.into(),
        people: ReleasePeople {
            developer: flow(developers),
            sre: flow([sre]),
            deployment_engineer: flow([deployer]),
            qa_lead: (r.kind != "emergency").then(|| flow([pid(qa)])),
        },
        approvals,
        tickets: flow(tickets.iter().cloned()),
        checklist: checklist(r.kind).into(),
        runbooks: flow(linked.iter().copied()),
        rollout: rollout.into(),
        depends_on: r
            .deps
            .iter()
            .map(|(dep, (da, db, _))| Dependency {
                system: (*dep).into(),
                version: format!(">={da}.{db}.0"),
            })
            .collect(),
    };
    let written = Written {
        end,
        zone,
        title,
        tickets,
        authors: [dev1, dev2],
    };
    (ReleaseDoc { front, body }, written)
}

fn status_note(status: &str) -> Option<&'static str> {
    match status {
        "rolled-back" => Some("Rolled back after elevated 5xx rates in the canary."),
        "cancelled" => Some("Cancelled; the changes ship with the next release."),
        _ => None,
    }
}

fn checklist(kind: &str) -> &'static str {
    match kind {
        "major" => "production-readiness",
        "emergency" => "hotfix",
        _ => "standard-rollout",
    }
}

/// Roles and approvers: required once a release is past `planned` (and not cancelled) for
/// the types in the policy; recorded for most planned ones too, as teams do.
fn approvals(
    rng: &mut Lcg,
    r: &ReleaseSpec,
    staff: &Staff,
    qa: usize,
    po: usize,
) -> Vec<(&'static str, usize)> {
    let needs = !matches!(r.status, "planned" | "cancelled") || rng.chance(40);
    if !needs {
        return Vec::new();
    }
    match r.kind {
        "major" => vec![("product-owner", po), ("qa-lead", qa)],
        "minor" => vec![("qa-lead", qa)],
        "emergency" if rng.chance(70) => vec![("cto", staff.cto)],
        "emergency" => vec![("tech-lead", *rng.pick(&staff.tech_leads))],
        _ if rng.chance(30) => vec![("qa-lead", qa)],
        _ => Vec::new(),
    }
}

/// Emergencies are approved 40 minutes before the window, others 1-6 days before at 16:xx.
fn approval_time(rng: &mut Lcg, r: &ReleaseSpec) -> String {
    if r.kind == "emergency" {
        return fmt_time(r.start - Duration::minutes(40));
    }
    let day = r.start.date() - Duration::days(1 + rng.below(6) as i64);
    let minute = (rng.below(4) * 15) as u32;
    fmt_time(
        day.and_hms_opt(16, minute, 0)
            .expect("16:xx is a valid time"),
    )
}

/// 1-3 tickets named after the system (`PAY-123`, `MOBAPI-456`).
fn tickets(rng: &mut Lcg, system: &str) -> Vec<String> {
    let prefix: String = system
        .split('-')
        .map(|w| w[..w.len().min(3)].to_ascii_uppercase())
        .collect();
    let n = 1 + rng.below(3);
    (0..n)
        .map(|_| format!("{prefix}-{}", 100 + rng.below(9_000)))
        .collect()
}

/// One or two of the system's deploy/verification runbooks.
fn linked_runbooks<'a>(rng: &mut Lcg, runbooks: &[&'a str]) -> Vec<&'a str> {
    let mut linked = Vec::new();
    if runbooks.is_empty() {
        return linked;
    }
    linked.push(*rng.pick(runbooks));
    let second = *rng.pick(runbooks);
    if !linked.contains(&second) && rng.chance(50) {
        linked.push(second);
    }
    linked
}

/// The facts release notes are written from.
struct Notes<'a> {
    system: &'a str,
    system_name: &'a str,
    title: &'a str,
    tickets: &'a [String],
    runbooks: &'a [&'a str],
    rollout: &'a str,
}

impl Notes<'_> {
    fn write(&self, rng: &mut Lcg) -> String {
        let mut y = String::new();
        let flag = *rng.pick(&FLAGS);
        self.summary(rng, &mut y);
        self.rollout_plan(rng, &mut y);
        self.configuration(rng, &mut y, flag);
        self.closing(&mut y, flag);
        y
    }

    fn summary(&self, rng: &mut Lcg, y: &mut String) {
        let mut sentence = || *rng.pick(&SENTENCES);
        let (s1, s2, s3) = (sentence(), sentence(), sentence());
        let _ = writeln!(y, "## Summary\n");
        let _ = writeln!(
            y,
            "{} for {}. {s1} {s2}\n{s3}\n",
            self.title, self.system_name
        );
        let _ = writeln!(y, "## What changes\n");
        for _ in 0..4 {
            let change = rng.pick(&CHANGES);
            let _ = writeln!(y, "- {change} ({}).", rng.pick(self.tickets));
        }
        let _ = writeln!(
            y,
            "- ~~Temporary workaround~~ removed: {}\n",
            rng.pick(&SENTENCES).to_lowercase()
        );
    }

    fn rollout_plan(&self, rng: &mut Lcg, y: &mut String) {
        let _ = writeln!(y, "## Rollout plan\n");
        let _ = writeln!(y, "Strategy: **{}**.\n", self.rollout);
        let _ = writeln!(
            y,
            "| Step | Traffic | Watch for | Duration |\n|---|---:|---|---|"
        );
        for (step, traffic) in [("Canary", 5), ("Widen", 25), ("Half", 50), ("Full", 100)] {
            let minutes = [10, 15, 20, 30][rng.below(4)];
            let _ = writeln!(
                y,
                "| {step} | {traffic} % | 5xx rate, p99 latency | {minutes} min |"
            );
        }
    }

    fn configuration(&self, rng: &mut Lcg, y: &mut String, flag: &str) {
        let (on, pool, timeout) = (rng.chance(50), 8 + rng.below(56), 250 * (1 + rng.below(8)));
        let _ = writeln!(y, "\n## Configuration\n");
        let _ = writeln!(
            y,
            "```yaml\n{}:\n  flags:\n    {flag}: {on}\n  pool_size: {pool}\n  timeout_ms: {timeout}\n```\n",
            self.system
        );
    }

    fn closing(&self, y: &mut String, flag: &str) {
        let _ = writeln!(y, "## Verification\n");
        let _ = writeln!(y, "- [ ] Smoke tests green in production.");
        let _ = writeln!(y, "- [ ] Dashboards flat for one hour.[^watch]");
        let _ = writeln!(y, "- [ ] Support confirms no new tickets.\n");
        let _ = writeln!(y, "## Rolling back\n");
        let _ = write!(
            y,
            "Follow the [rollback runbook](/runbooks/{}-rollback/)",
            self.system
        );
        if let Some(rb) = self.runbooks.first() {
            let _ = write!(y, "; deployment steps are in [{rb}](/runbooks/{rb}/)");
        }
        let _ = writeln!(y, ".\n");
        let _ = writeln!(
            y,
            "[^watch]: Error rate, latency and the `{flag}` counters."
        );
    }
}
