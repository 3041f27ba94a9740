//! "Production now": per system, which version is live, since when, what a rollback would
//! return to and what is in flight, as the `/production/` page and `/api/production.json`.
//!
//! The portal is static, so "now" is the build's input: the page says "as of" the build
//! time, and embeds, per system, the intervals during which each version is live (UTC
//! instants, `data-live-on`) so the live layer shows the row that holds at the reader's
//! moment (or `?at=`). Rules, from the release files' statuses and windows:
//! - a `released` release makes its version live at the end of its window;
//! - a `rolled-back` release makes its rollback target live at the end of its window (the
//!   highest lower version that is `released`, or tagged without a release file);
//! - a release is in flight during its window unless it is cancelled; an `in-progress`
//!   one from the build on until its status changes (that needs a rebuild).
//!
//! This module computes data only; it reads no clock, no files and no git (tags come from
//! the history stage's facts, when there are any).

use chrono::{DateTime, Utc};
use semver::Version;
use serde::Serialize;

use super::live::{intervals, none_of, FOREVER};
use super::views::{release_path, Clock};
use crate::content::{Content, Release, ReleaseStatus, System};
use crate::history::Facts;

/// Where the JSON and its schema are written, relative to the site root.
pub const JSON_PATH: &str = "api/production.json";
pub const SCHEMA_PATH: &str = "api/production.schema.json";
/// The JSON schema of `api/production.json`, written beside it.
pub const SCHEMA: &str = include_str!("production.schema.json");

/// The `/production/` page.
#[derive(Debug, Clone, Serialize)]
pub struct ProductionPage {
    pub systems: Vec<SystemProduction>,
    pub json_path: &'static str,
    pub schema_path: &'static str,
}

/// One system's row group: the live version over time, and what is in flight.
#[derive(Debug, Clone, Serialize)]
pub struct SystemProduction {
    pub system: String,
    pub system_name: String,
    pub system_path: String,
    /// One row per span during which one version is live, from the build on.
    pub rows: Vec<LiveRow>,
    /// When no row holds (nothing released yet), as `data-live-on`.
    pub none_on: String,
    pub none_now: bool,
    pub in_flight: Vec<InFlight>,
    pub in_flight_none_on: String,
    pub in_flight_none_now: bool,
}

/// A version that is live from `from` to `until`.
#[derive(Debug, Clone, Serialize)]
pub struct LiveRow {
    pub version: String,
    /// When this version went live (before a rollback that returned to it, if any).
    pub since: String,
    pub since_machine: String,
    pub tag: String,
    /// `Some(false)` when git history was read and has no such tag.
    pub tagged: Option<bool>,
    pub release_path: Option<String>,
    pub changelog_path: Option<String>,
    pub rollback_to: Option<VersionLink>,
    /// The rolled-back release this row follows, if it does.
    pub after_rollback_of: Option<VersionLink>,
    /// `data-live-on` of the row; `current` is whether it holds at the build.
    pub on: String,
    pub current: bool,
}

/// A version, linked to its release page when it has one.
#[derive(Debug, Clone, Serialize)]
pub struct VersionLink {
    pub version: String,
    pub tag: String,
    pub path: Option<String>,
}

/// A release in flight.
#[derive(Debug, Clone, Serialize)]
pub struct InFlight {
    pub version: String,
    pub status: String,
    pub path: String,
    pub when: String,
    pub on: String,
    pub current: bool,
}

/// The facts of one system, shared by the page and the JSON.
struct SystemFacts<'a> {
    spans: Vec<Span<'a>>,
    in_flight: Vec<(&'a Release, DateTime<Utc>, DateTime<Utc>)>,
}

/// One version live from `from` to `until` (`None`: still live).
struct Span<'a> {
    version: Version,
    since: DateTime<Utc>,
    from: DateTime<Utc>,
    until: Option<DateTime<Utc>>,
    after_rollback_of: Option<&'a Release>,
}

fn forever() -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp_millis(FOREVER).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

fn tag_name(system: &System, version: &Version) -> String {
    system
        .tag_pattern
        .replace("{version}", &version.to_string())
}

fn releases_of<'a>(content: &'a Content, system: &str) -> Vec<&'a Release> {
    content
        .releases
        .iter()
        .filter(|r| r.system == system)
        .collect()
}

/// The highest version below `version` that is `released`, or tagged (not a pre-release)
/// without a release file: what a rollback of `version` returns to. The same rule as the
/// history stage's rollback target, so both pages agree.
pub fn rollback_target(
    content: &Content,
    facts: Option<&Facts>,
    system: &str,
    version: &Version,
) -> Option<Version> {
    let releases = releases_of(content, system);
    let from_files = releases
        .iter()
        .filter(|r| r.status == ReleaseStatus::Released && r.version < *version)
        .map(|r| r.version.clone());
    let tags = facts
        .and_then(|f| f.systems.get(system))
        .map(|h| h.tags.as_slice())
        .unwrap_or_default();
    let from_tags = tags
        .iter()
        .filter(|t| !t.prerelease && t.semver < *version)
        .filter(|t| !releases.iter().any(|r| r.version == t.semver))
        .map(|t| t.semver.clone());
    from_files.chain(from_tags).max()
}

fn system_facts<'a>(
    content: &'a Content,
    facts: Option<&Facts>,
    system: &'a System,
    now: DateTime<Utc>,
) -> SystemFacts<'a> {
    let mut shipped: Vec<&Release> = releases_of(content, &system.id)
        .into_iter()
        .filter(|r| {
            matches!(
                r.status,
                ReleaseStatus::Released | ReleaseStatus::RolledBack
            )
        })
        .collect();
    shipped.sort_by(|a, b| (a.window.end, &a.version).cmp(&(b.window.end, &b.version)));
    let mut spans: Vec<Span> = Vec::new();
    for release in shipped {
        let at = release.window.end;
        let (version, after) = match release.status {
            ReleaseStatus::RolledBack => {
                match rollback_target(content, facts, &system.id, &release.version) {
                    Some(target) => (target, Some(release)),
                    // Nothing to return to that the portal knows of: the previous span
                    // (if any) goes on.
                    None => continue,
                }
            }
            _ => (release.version.clone(), None),
        };
        let since = match spans.last_mut() {
            Some(last) => {
                last.until = Some(at);
                if last.version == version {
                    last.since
                } else {
                    at
                }
            }
            None => at,
        };
        spans.push(Span {
            version,
            since,
            from: at,
            until: None,
            after_rollback_of: after,
        });
    }
    let mut in_flight: Vec<_> = releases_of(content, &system.id)
        .into_iter()
        .filter_map(|r| match r.status {
            ReleaseStatus::Cancelled => None,
            ReleaseStatus::InProgress => Some((r, r.window.start.min(now), forever())),
            _ => (r.window.end > now).then_some((r, r.window.start, r.window.end)),
        })
        .collect();
    in_flight.sort_by(|a, b| (a.1, &a.0.version).cmp(&(b.1, &b.0.version)));
    SystemFacts { spans, in_flight }
}

fn version_link(content: &Content, system: &System, version: &Version) -> VersionLink {
    VersionLink {
        version: version.to_string(),
        tag: tag_name(system, version),
        path: content
            .release(&system.id, version)
            .map(|r| release_path(&r.system, &r.version.to_string())),
    }
}

/// Where the changelog of `version` is shown: on its release page when it has one, else
/// in the system page's history; `None` without git facts for it.
fn changelog_path(
    content: &Content,
    facts: Option<&Facts>,
    system: &System,
    version: &Version,
) -> Option<String> {
    let history = facts?.systems.get(&system.id).filter(|h| h.available)?;
    let text = version.to_string();
    let changelog = history
        .changelogs
        .iter()
        .find(|c| c.version.as_deref() == Some(text.as_str()))?;
    let anchor = format!("#changelog-{}", changelog.anchor);
    match content.release(&system.id, version) {
        Some(_) if changelog.commit_count > 0 => {
            Some(format!("{}{anchor}", release_path(&system.id, &text)))
        }
        Some(_) => None,
        None => Some(format!("systems/{}/{anchor}", system.id)),
    }
}

fn tagged(facts: Option<&Facts>, system: &str, version: &Version) -> Option<bool> {
    let history = facts?.systems.get(system).filter(|h| h.available)?;
    Some(history.tags.iter().any(|t| t.semver == *version))
}

/// The `/production/` page's data as of `now`.
pub fn page(content: &Content, facts: Option<&Facts>, now: DateTime<Utc>) -> ProductionPage {
    let clock = Clock {
        zone: content.portal.timezone,
    };
    let systems = content
        .systems
        .iter()
        .map(|system| {
            let f = system_facts(content, facts, system, now);
            let holds = |from: DateTime<Utc>, until: Option<DateTime<Utc>>| {
                from <= now && until.is_none_or(|u| now < u)
            };
            // Spans that ended before the build are history (the JSON has them); the live
            // layer never shows a moment before the build, nor one past the data it embeds
            // (`live::data_until`: it says the page is out of date then), so spans that
            // start after that are left out too: at 500 releases a system, embedding years
            // of planned versions made the page 1.9 MB.
            let horizon = crate::model::live::data_until(now);
            let rows: Vec<LiveRow> = f
                .spans
                .iter()
                .filter(|s| s.until.is_none_or(|u| u > now) && s.from < horizon)
                .map(|s| LiveRow {
                    version: s.version.to_string(),
                    since: clock.date_time(s.since),
                    since_machine: clock.machine(s.since),
                    tag: tag_name(system, &s.version),
                    tagged: tagged(facts, &system.id, &s.version),
                    release_path: content
                        .release(&system.id, &s.version)
                        .map(|r| release_path(&r.system, &r.version.to_string())),
                    changelog_path: changelog_path(content, facts, system, &s.version),
                    rollback_to: rollback_target(content, facts, &system.id, &s.version)
                        .map(|v| version_link(content, system, &v)),
                    after_rollback_of: s
                        .after_rollback_of
                        .map(|r| version_link(content, system, &r.version)),
                    on: intervals(&[(s.from, s.until.unwrap_or_else(forever))]),
                    current: holds(s.from, s.until),
                })
                .collect();
            let spans: Vec<_> = f
                .spans
                .iter()
                .filter(|s| s.from < horizon)
                .map(|s| (s.from, s.until.unwrap_or_else(forever)))
                .collect();
            let flights: Vec<_> = f
                .in_flight
                .iter()
                .filter(|(_, start, _)| *start < horizon)
                .map(|(_, s, e)| (*s, *e))
                .collect();
            let in_flight = f
                .in_flight
                .iter()
                .filter(|(_, start, _)| *start < horizon)
                .map(|(r, start, end)| InFlight {
                    version: r.version.to_string(),
                    status: r.status.as_str().to_owned(),
                    path: release_path(&r.system, &r.version.to_string()),
                    when: clock.range(r.window.start, r.window.end),
                    on: intervals(&[(*start, *end)]),
                    current: *start <= now && now < *end,
                })
                .collect::<Vec<_>>();
            SystemProduction {
                system: system.id.clone(),
                system_name: system.name.clone(),
                system_path: format!("systems/{}/", system.id),
                none_now: !rows.iter().any(|r| r.current),
                rows,
                none_on: none_of(&spans),
                in_flight_none_now: !f.in_flight.iter().any(|(_, s, e)| *s <= now && now < *e),
                in_flight_none_on: none_of(&flights),
                in_flight,
            }
        })
        .collect();
    ProductionPage {
        systems,
        json_path: JSON_PATH,
        schema_path: SCHEMA_PATH,
    }
}

/// `api/production.json`: documented in the README, its schema in `production.schema.json`.
#[derive(Debug, Serialize)]
pub struct ProductionJson {
    pub generated_at: String,
    pub timezone: String,
    pub systems: Vec<SystemJson>,
}

#[derive(Debug, Serialize)]
pub struct SystemJson {
    pub system: String,
    pub name: String,
    pub url: String,
    pub live: Option<LiveJson>,
    pub rollback_to: Option<VersionJson>,
    pub in_flight: Vec<InFlightJson>,
    pub history: Vec<SpanJson>,
}

#[derive(Debug, Serialize)]
pub struct LiveJson {
    pub version: String,
    pub since: String,
    pub tag: String,
    pub tagged: Option<bool>,
    pub release_url: Option<String>,
    pub changelog_url: Option<String>,
    pub after_rollback_of: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct VersionJson {
    pub version: String,
    pub tag: String,
    pub release_url: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct InFlightJson {
    pub version: String,
    pub status: String,
    pub window_start: String,
    pub window_end: String,
    pub release_url: String,
}

#[derive(Debug, Serialize)]
pub struct SpanJson {
    pub version: String,
    pub from: String,
    pub until: Option<String>,
    pub after_rollback_of: Option<String>,
}

fn rfc3339(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// The JSON document as of `now`, with absolute URLs under `base_url`.
pub fn json(content: &Content, facts: Option<&Facts>, now: DateTime<Utc>) -> ProductionJson {
    let base = &content.portal.base_url;
    let url = |path: &str| format!("{base}{path}");
    let systems = content
        .systems
        .iter()
        .map(|system| {
            let f = system_facts(content, facts, system, now);
            let current = f
                .spans
                .iter()
                .find(|s| s.from <= now && s.until.is_none_or(|u| now < u));
            SystemJson {
                system: system.id.clone(),
                name: system.name.clone(),
                url: url(&format!("systems/{}/", system.id)),
                live: current.map(|s| LiveJson {
                    version: s.version.to_string(),
                    since: rfc3339(s.since),
                    tag: tag_name(system, &s.version),
                    tagged: tagged(facts, &system.id, &s.version),
                    release_url: content
                        .release(&system.id, &s.version)
                        .map(|r| url(&release_path(&r.system, &r.version.to_string()))),
                    changelog_url: changelog_path(content, facts, system, &s.version)
                        .map(|p| url(&p)),
                    after_rollback_of: s.after_rollback_of.map(|r| r.version.to_string()),
                }),
                rollback_to: current
                    .and_then(|s| rollback_target(content, facts, &system.id, &s.version))
                    .map(|v| {
                        let link = version_link(content, system, &v);
                        VersionJson {
                            version: link.version,
                            tag: link.tag,
                            release_url: link.path.map(|p| url(&p)),
                        }
                    }),
                in_flight: f
                    .in_flight
                    .iter()
                    .filter(|(_, s, e)| *s <= now && now < *e)
                    .map(|(r, _, _)| InFlightJson {
                        version: r.version.to_string(),
                        status: r.status.as_str().to_owned(),
                        window_start: rfc3339(r.window.start),
                        window_end: rfc3339(r.window.end),
                        release_url: url(&release_path(&r.system, &r.version.to_string())),
                    })
                    .collect(),
                history: f
                    .spans
                    .iter()
                    .map(|s| SpanJson {
                        version: s.version.to_string(),
                        from: rfc3339(s.from),
                        until: s.until.map(rfc3339),
                        after_rollback_of: s.after_rollback_of.map(|r| r.version.to_string()),
                    })
                    .collect(),
            }
        })
        .collect();
    ProductionJson {
        generated_at: rfc3339(now),
        timezone: content.portal.timezone.name().to_owned(),
        systems,
    }
}

/// The files of the API: the JSON (pretty, newline-terminated) and its schema.
pub fn api_files(
    content: &Content,
    facts: Option<&Facts>,
    now: DateTime<Utc>,
) -> Vec<(String, Vec<u8>)> {
    let doc = json(content, facts, now);
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_else(|_| "{}".to_owned());
    text.push('\n');
    vec![
        (JSON_PATH.to_owned(), text.into_bytes()),
        (SCHEMA_PATH.to_owned(), SCHEMA.as_bytes().to_vec()),
    ]
}

#[cfg(test)]
mod tests;
