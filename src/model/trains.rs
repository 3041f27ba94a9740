//! Release trains: `/trains/`, a page per train (`/trains/<id>/`) and per departure
//! (`/trains/<id>/<number>/`): members and their readiness (status, checklist, approvals
//! against the portal's policy), the system demo, the delivery manager, who is on call
//! during the window (the on-call schedule the contact pages use) and, once every member
//! is released, the system version the departure became. Data only: no I/O, no clock.

use chrono::Days;
use serde::Serialize;

use super::system_versions::{self, member_view, MemberView};
use super::views::{Clock, PersonView};
use crate::calendar::oncall;
use crate::content::plan::{Departure, Train};
use crate::content::{Content, LadderContact, Release, ReleaseStatus};

pub fn train_path(train: &Train) -> String {
    format!("trains/{}/", train.id)
}

pub fn departure_path(train: &Train, departure: &Departure) -> String {
    format!("trains/{}/{}/", train.id, departure.number)
}

/// `calendar/train-<id>.ics`
pub fn feed_path(train: &Train) -> String {
    format!("calendar/train-{}.ics", train.id)
}

/// `/trains/`.
#[derive(Debug, Clone, Serialize)]
pub struct TrainsPage {
    pub trains: Vec<TrainPage>,
}

/// `/trains/<id>/` (and one entry of `/trains/`).
#[derive(Debug, Clone, Serialize)]
pub struct TrainPage {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub path: String,
    pub feed_path: String,
    /// `every 14 days from Tue 1 Dec 2026, each departure open 14 days`.
    pub cadence: String,
    pub delivery_manager: Option<PersonView>,
    pub departures: Vec<DepartureRow>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DepartureRow {
    pub number: u32,
    pub path: String,
    pub when: String,
    pub when_machine: String,
    pub demo: Option<String>,
    pub members: Vec<MemberView>,
    /// `complete`, `ready` or `not-ready`.
    pub state: &'static str,
    pub state_label: &'static str,
}

/// `/trains/<id>/<number>/`.
#[derive(Debug, Clone, Serialize)]
pub struct DeparturePage {
    pub train: TrainLink,
    pub row: DepartureRow,
    pub demo_machine: Option<String>,
    pub delivery_manager: Option<PersonView>,
    pub members: Vec<Readiness>,
    pub on_call: Vec<OnCallDuring>,
    /// The system version the departure became (every member released).
    pub system_version: Option<String>,
    pub previous: Option<String>,
    pub next: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TrainLink {
    pub name: String,
    pub path: String,
    pub feed_path: String,
}

/// A member's readiness for its departure.
#[derive(Debug, Clone, Serialize)]
pub struct Readiness {
    #[serde(flatten)]
    pub member: MemberView,
    pub when: String,
    pub checklist: Option<String>,
    pub checklist_items: usize,
    /// Items of the checklist with a tick recorded in the release file.
    pub checklist_recorded: usize,
    /// `QA lead: Ana Costa`.
    pub approvals: Vec<String>,
    /// Role names the approval policy asks for and no approval names.
    pub missing_approvals: Vec<String>,
    pub ready: bool,
}

/// Who holds a rotation during the departure's window.
#[derive(Debug, Clone, Serialize)]
pub struct OnCallDuring {
    pub rotation: String,
    pub feed_path: String,
    pub shifts: Vec<ShiftDuring>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ShiftDuring {
    pub person: String,
    pub covering: Option<String>,
    pub when: String,
}

fn person(content: &Content, id: Option<&str>) -> Option<PersonView> {
    id.and_then(|id| content.person(id)).map(PersonView::new)
}

/// `Tue 1 Dec – Mon 14 Dec 2026`: the departure's days (its window ends at the midnight
/// after the last one).
fn days(clock: Clock, departure: &Departure) -> String {
    let last = departure
        .end
        .with_timezone(&clock.zone)
        .date_naive()
        .checked_sub_days(Days::new(1))
        .unwrap_or(departure.date);
    format!(
        "{} – {}",
        departure.date.format("%a %-d %b %Y"),
        last.format("%a %-d %b %Y")
    )
}

pub fn train_page(content: &Content, train: &Train, clock: Clock) -> TrainPage {
    TrainPage {
        id: train.id.clone(),
        name: train.name.clone(),
        description: train.description.clone(),
        path: train_path(train),
        feed_path: feed_path(train),
        cadence: format!(
            "every {} days from {}, each departure open {} day{}",
            train.every_days,
            train.start.format("%a %-d %b %Y"),
            train.window_days,
            if train.window_days == 1 { "" } else { "s" }
        ),
        delivery_manager: person(content, train.delivery_manager.as_deref()),
        departures: train
            .departures
            .iter()
            .map(|d| departure_row(content, train, d, clock))
            .collect(),
    }
}

fn departure_row(content: &Content, train: &Train, d: &Departure, clock: Clock) -> DepartureRow {
    let ready = d.members.iter().all(|m| readiness(content, m, clock).ready);
    let (state, state_label) = if system_versions::departure_complete(content, d) {
        ("complete", "Complete: every member released")
    } else if ready && !d.members.is_empty() {
        ("ready", "Ready")
    } else {
        ("not-ready", "Not ready yet")
    };
    DepartureRow {
        number: d.number,
        path: departure_path(train, d),
        when: days(clock, d),
        when_machine: clock.machine(d.start),
        demo: d.demo.map(|t| clock.date_time(t)),
        members: d.members.iter().map(|m| member_view(content, m)).collect(),
        state,
        state_label,
    }
}

pub fn departure_page(
    content: &Content,
    train: &Train,
    index: usize,
    clock: Clock,
) -> DeparturePage {
    let d = &train.departures[index];
    let neighbour = |i: Option<usize>| {
        i.and_then(|i| train.departures.get(i))
            .map(|n| departure_path(train, n))
    };
    DeparturePage {
        train: TrainLink {
            name: train.name.clone(),
            path: train_path(train),
            feed_path: feed_path(train),
        },
        row: departure_row(content, train, d, clock),
        demo_machine: d.demo.map(|t| clock.machine(t)),
        delivery_manager: person(content, Some(&d.delivery_manager)),
        members: d
            .members
            .iter()
            .map(|m| readiness(content, m, clock))
            .collect(),
        on_call: on_call_during(content, d),
        system_version: system_versions::departure_complete(content, d)
            .then(|| system_versions::path(&train.departure_slug(d))),
        previous: neighbour(index.checked_sub(1)),
        next: neighbour(Some(index + 1)),
    }
}

/// Ready: approved or further along, and every approval the policy asks for recorded.
fn readiness(content: &Content, member: &crate::content::plan::Member, clock: Clock) -> Readiness {
    let view = member_view(content, member);
    let Some(release) = content.release(&member.system, &member.version) else {
        return Readiness {
            member: view,
            when: String::new(),
            checklist: None,
            checklist_items: 0,
            checklist_recorded: 0,
            approvals: Vec::new(),
            missing_approvals: Vec::new(),
            ready: false,
        };
    };
    let role_name = |id: &str| content.role(id).map_or(id.to_owned(), |r| r.name.clone());
    let person_name = |id: &str| content.person(id).map_or(id.to_owned(), |p| p.name.clone());
    let missing: Vec<String> = content
        .unmet_approvals(release)
        .into_iter()
        .map(|any_of| {
            any_of
                .iter()
                .map(|r| role_name(r))
                .collect::<Vec<_>>()
                .join(" or ")
        })
        .collect();
    let checklist = release
        .checklist
        .as_deref()
        .and_then(|c| content.checklist(c));
    let far_enough = matches!(
        release.status,
        ReleaseStatus::Approved | ReleaseStatus::InProgress | ReleaseStatus::Released
    );
    Readiness {
        member: view,
        when: clock.range(release.window.start, release.window.end),
        checklist: checklist.map(|c| c.title.clone()),
        checklist_items: checklist.map_or(0, |c| c.phases.iter().map(|p| p.items.len()).sum()),
        checklist_recorded: checklist.map_or(0, |c| {
            c.phases
                .iter()
                .flat_map(|p| &p.items)
                .filter(|item| release.ticks.iter().any(|t| t.item == item.id))
                .count()
        }),
        approvals: release
            .approvals
            .iter()
            .map(|a| format!("{}: {}", role_name(&a.role), person_name(&a.by)))
            .collect(),
        ready: far_enough && missing.is_empty(),
        missing_approvals: missing,
    }
}

/// The rotations the members' escalation ladders call on, with their shifts during the
/// departure's window.
fn on_call_during(content: &Content, d: &Departure) -> Vec<OnCallDuring> {
    let zone = content.portal.timezone;
    let mut ids: Vec<&str> = d
        .members
        .iter()
        .filter_map(|m| content.system(&m.system)?.escalation.as_deref())
        .filter_map(|l| content.ladder(l))
        .flat_map(|l| &l.steps)
        .filter_map(|s| match &s.contact {
            LadderContact::Rotation(id) => Some(id.as_str()),
            LadderContact::Person(_) => None,
        })
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let weeks = u32::try_from((d.end - d.start).num_weeks() + 1).unwrap_or(1);
    let name = |id: &str| content.person(id).map_or(id.to_owned(), |p| p.name.clone());
    ids.into_iter()
        .filter_map(|id| content.rotation(id))
        .map(|rotation| OnCallDuring {
            rotation: rotation.name.clone(),
            feed_path: format!("calendar/oncall-{}.ics", rotation.id),
            shifts: oncall::schedule(rotation, zone, d.start, weeks)
                .into_iter()
                .filter(|s| s.start < d.end)
                .map(|s| ShiftDuring {
                    person: name(&s.person),
                    covering: s.covering.as_deref().map(name),
                    when: Clock { zone }.range(s.start.max(d.start), s.end.min(d.end)),
                })
                .collect(),
        })
        .collect()
}

/// A link from a release page to a departure it rides or a system version holding it.
#[derive(Debug, Clone, Serialize)]
pub struct PlanLink {
    /// `Rides Checkout train, departure 1` or `In system version 2026.12`.
    pub label: String,
    pub path: String,
}

/// The departures `release` rides and the declared system versions that hold it. (A
/// departure's own system version is one click on from the departure.)
pub fn plan_links(content: &Content, release: &Release) -> Vec<PlanLink> {
    let holds = |m: &crate::content::plan::Member| {
        m.system == release.system && m.version == release.version
    };
    let rides = content.plan.trains.iter().flat_map(|train| {
        train
            .departures
            .iter()
            .filter(move |d| d.members.iter().any(holds))
            .map(move |d| PlanLink {
                label: format!("Rides {}", train.departure_name(d)),
                path: departure_path(train, d),
            })
    });
    let versions = content
        .plan
        .system_versions
        .iter()
        .filter(|v| v.members.iter().any(holds))
        .map(|v| PlanLink {
            label: format!("In system version {}", v.name),
            path: system_versions::path(&v.slug),
        });
    rides.chain(versions).collect()
}
