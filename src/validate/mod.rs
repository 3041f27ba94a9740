//! Validate: turn raw, spanned content into typed `Content`, collecting every problem.
//!
//! Each value is checked where it is converted (ids are slugs, dates parse, versions are
//! SemVer) and every reference is resolved (systems, people, roles, runbooks, checklists,
//! ladders). Problems never stop the pass: all of them are reported in one run, each with
//! file, line, column and field. `build`, `check` and `serve` all go through here. This
//! module does no I/O.

pub mod base_url;
mod documents;
pub mod links;
pub mod overdue;
mod overrides;
mod people;
pub mod placeholders;
mod releases;
mod system_versions;
pub mod ticks;
pub mod train_members;
mod trains;
mod url_templates;
mod windows;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use chrono_tz::Tz;
use serde_saphyr::Spanned;

use crate::calendar::{
    self,
    time::{self, TimeError},
};
use crate::content::load::{RawContent, YamlFile};
use crate::content::raw::{RawPortal, RawSystem};
use crate::content::{Content, Portal, ReleaseType, RunbookKind, System};
use crate::diagnostics::{Diagnostic, Diagnostics, SourceRef};

/// The largest `stale_after_hours`: a year. A page that old is stale whatever the portal.
pub const MAX_STALE_AFTER_HOURS: u32 = 8760;
/// `feed_history_days` when portal.yaml does not say: about a quarter year of ended events.
pub const DEFAULT_FEED_HISTORY_DAYS: u32 = 90;
/// The largest `feed_history_days`: ten years.
pub const MAX_FEED_HISTORY_DAYS: u32 = 3650;

/// Converts `raw` into `Content`. Returns `None` when the content has errors that leave no
/// usable portal (for example a missing `portal.yaml`); otherwise returns the content even
/// when `diagnostics` holds errors, so callers decide (a build refuses, a check reports).
pub fn validate(raw: &RawContent, diagnostics: &mut Diagnostics) -> Option<Content> {
    let portal_file = raw.portal.as_ref()?;
    let mut v = Validator {
        diagnostics,
        zone: Tz::UTC,
        known: Known::collect(raw),
    };
    let (portal, systems) = v.portal(portal_file);
    v.zone = portal.timezone;
    let (people, roles, ladders, rotations) = match &raw.contacts {
        Some(file) => v.contacts(file),
        None => Default::default(),
    };
    let checklists = v.checklists(raw);
    v.required_phases_exist(portal_file, &checklists);
    let runbooks = v.runbooks(raw);
    let mut content = Content {
        portal,
        systems,
        releases: Vec::new(),
        runbooks,
        people,
        roles,
        ladders,
        rotations,
        checklists,
        plan: Default::default(),
    };
    content.releases = v.releases(raw, &content);
    for imported in &raw.calendars {
        match calendar::import::freezes_from_ics(
            &imported.text,
            &imported.path,
            content.portal.timezone,
        ) {
            Ok(freezes) => content.portal.freezes.extend(freezes),
            Err(problem) => v.diagnostics.push(problem),
        }
    }
    let lookup = crate::content::plan::ReleaseLookup::new(&content.releases);
    let system_versions = v.system_versions(raw, &lookup);
    let trains = v.trains(&raw.trains, &content, &lookup);
    drop(lookup);
    content.plan = crate::content::plan::Plan {
        system_versions,
        trains,
    };
    v.departures_named_like_system_versions(&content.plan);
    v.diagnostics.extend(calendar::conflicts(&content));
    v.diagnostics.extend(placeholders::check(raw));
    v.diagnostics.extend(ticks::required_phases_done(&content));
    Some(content)
}

/// A release type by its name (`major`, `minor`, `patch`, `emergency`).
pub fn release_type(name: &str) -> Option<ReleaseType> {
    match name {
        "major" => Some(ReleaseType::Major),
        "minor" => Some(ReleaseType::Minor),
        "patch" => Some(ReleaseType::Patch),
        "emergency" => Some(ReleaseType::Emergency),
        _ => None,
    }
}

/// Shared state of one validation pass.
struct Validator<'a> {
    diagnostics: &'a mut Diagnostics,
    zone: Tz,
    known: Known,
}

/// Every id defined anywhere, collected before conversion so that each reference can be
/// checked where it is written, with its span.
#[derive(Default, Clone)]
struct Known {
    systems: BTreeSet<String>,
    people: BTreeSet<String>,
    roles: BTreeSet<String>,
    ladders: BTreeSet<String>,
    rotations: BTreeSet<String>,
    runbooks: BTreeMap<String, RunbookKind>,
    checklists: BTreeSet<String>,
    /// A release file is broken: a version without a release file may be in it.
    releases_unreadable: bool,
    /// contacts.yaml exists but is broken: people, roles, ladders and rotations are unknown.
    contacts_unreadable: bool,
}

impl Known {
    /// The ids defined for a kind of reference (`"system"`, `"person"`, ...), for
    /// "did you mean" suggestions.
    fn ids_of(&self, what: &str) -> Option<Vec<&str>> {
        let ids: Vec<&str> = match what {
            "system" => self.systems.iter().map(String::as_str).collect(),
            "person" => self.people.iter().map(String::as_str).collect(),
            "role" => self.roles.iter().map(String::as_str).collect(),
            "ladder" => self.ladders.iter().map(String::as_str).collect(),
            "rotation" => self.rotations.iter().map(String::as_str).collect(),
            "runbook" => self.runbooks.keys().map(String::as_str).collect(),
            "checklist" => self.checklists.iter().map(String::as_str).collect(),
            _ => return None,
        };
        Some(ids)
    }

    fn collect(raw: &RawContent) -> Known {
        let mut known = Known::default();
        if let Some(portal) = &raw.portal {
            known.systems = portal
                .data
                .systems
                .iter()
                .map(|s| s.id.value.clone())
                .collect();
        }
        if let Some(contacts) = &raw.contacts {
            let c = &contacts.data;
            known.people = c.people.iter().map(|p| p.id.value.clone()).collect();
            known.roles = c.roles.iter().map(|r| r.id.value.clone()).collect();
            known.ladders = c.ladders.iter().map(|l| l.id.value.clone()).collect();
            known.rotations = c.rotations.iter().map(|r| r.id.value.clone()).collect();
        }
        known.runbooks = raw
            .runbooks
            .iter()
            .map(|r| (r.stem.clone(), r.front.kind))
            .collect();
        known.checklists = raw.checklists.iter().map(|(id, _)| id.clone()).collect();
        // What a broken file defines is unknown: accept references to it, since the
        // file's own error is already reported.
        for path in &raw.unreadable {
            let stem = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            if path.starts_with("runbooks") {
                known.runbooks.insert(stem, RunbookKind::Rollback);
            } else if path.starts_with("checklists") {
                known.checklists.insert(stem);
            } else if path.starts_with("releases") {
                known.releases_unreadable = true;
            } else if path.as_os_str() == "contacts.yaml" {
                known.contacts_unreadable = true;
            }
        }
        known
    }
}

/// The position of a spanned value in `path`, whose YAML starts `offset` lines in.
fn at<T>(path: &Path, offset: u32, value: &Spanned<T>) -> SourceRef {
    SourceRef::new(
        path,
        value.referenced.line() as u32 + offset,
        value.referenced.column() as u32,
    )
}

/// Whether `c` may not appear in a one-line value: line breaks and other control characters
/// (C0, DEL, C1, U+2028/U+2029), bidirectional overrides and isolates (they reorder what a
/// reader sees), and noncharacters (U+FDD0-U+FDEF, U+xFFFE, U+xFFFF).
pub fn not_in_one_line(c: char) -> bool {
    let code = c as u32;
    c.is_control()
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        || (0xfdd0..=0xfdef).contains(&code)
        || code & 0xfffe == 0xfffe
}

/// A character named for an error message: its code point, and its name when it is common.
fn describe_char(c: char) -> String {
    let name = match c {
        '\n' => " (a line break)",
        '\r' => " (a carriage return)",
        '\t' => " (a tab)",
        '\u{1b}' => " (escape)",
        _ => "",
    };
    format!("U+{:04X}{name}", c as u32)
}

/// Ids appear in URLs and file names: keep them to lowercase slugs.
pub fn is_slug(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !id.starts_with('-')
}

/// `/releases/<system>/` shares its folder with the release index's own pages: the filters
/// (`by-type/`, `by-status/`), the slips report and the year pages (`2026/`).
fn is_release_index_name(id: &str) -> bool {
    matches!(id, "by-type" | "by-status" | "slips")
        || (id.len() == 4 && id.bytes().all(|b| b.is_ascii_digit()))
}

impl Validator<'_> {
    /// A departure whose members are all released becomes the system version
    /// `train-<id>-<n>`: a declared system version must not take that name.
    fn departures_named_like_system_versions(&mut self, plan: &crate::content::plan::Plan) {
        for version in &plan.system_versions {
            let taken = plan.trains.iter().find_map(|train| {
                train
                    .departures
                    .iter()
                    .find(|d| train.departure_slug(d) == version.slug)
                    .map(|d| (train, d))
            });
            if let Some((train, departure)) = taken {
                let message = format!(
                    "the system version \"{}\" has the name of {} ({}), which becomes a system version when its members are released",
                    version.name,
                    train.departure_name(departure),
                    departure.source
                );
                self.error(
                    version.source.clone(),
                    "name",
                    message,
                    "rename this system version: names `train-<train>-<number>` belong to departures",
                );
            }
        }
    }

    fn error(&mut self, at: SourceRef, field: &str, message: impl Into<String>, help: &str) {
        self.diagnostics
            .push(Diagnostic::error(at, Some(field), message).with_help(help));
    }

    /// Checks that a one-line value (a title, a name: what goes into an e-mail subject, an
    /// iCal SUMMARY or an Atom title) has no line break or control character, which could
    /// add headers to an announcement or make a feed invalid. Returns it either way.
    fn one_line(
        &mut self,
        path: &Path,
        offset: u32,
        value: &Spanned<String>,
        field: &str,
    ) -> String {
        // A folded scalar (`title: >` over several lines) ends with the one line break
        // YAML keeps by default: that is not part of the value.
        let text = value.value.trim_end_matches(['\n', '\r']);
        if let Some(bad) = text.chars().find(|c| not_in_one_line(*c)) {
            self.error(
                at(path, offset, value),
                field,
                format!(
                    "{field} contains {}: a one-line value cannot hold line breaks or control characters",
                    describe_char(bad)
                ),
                "write it on one line without special characters (a YAML escape such as \\n or \\x1b in double quotes counts too)",
            );
        }
        text.to_owned()
    }

    /// Checks that a spanned id is a slug; returns it either way so later checks go on.
    fn slug(&mut self, path: &Path, offset: u32, value: &Spanned<String>, field: &str) -> String {
        if !is_slug(&value.value) {
            self.error(
                at(path, offset, value),
                field,
                format!("\"{}\" is not a valid id", value.value),
                "use lowercase letters, digits and '-' only (it becomes part of a URL), e.g. payments-api",
            );
        }
        value.value.clone()
    }

    fn datetime(
        &mut self,
        path: &Path,
        offset: u32,
        value: &Spanned<String>,
        field: &str,
        zone: Tz,
    ) -> Option<chrono::DateTime<chrono::Utc>> {
        self.timed(
            path,
            offset,
            value,
            field,
            time::parse_datetime(&value.value, zone),
        )
    }

    fn timed<T>(
        &mut self,
        path: &Path,
        offset: u32,
        value: &Spanned<String>,
        field: &str,
        result: Result<T, TimeError>,
    ) -> Option<T> {
        result
            .map_err(|err| self.error(at(path, offset, value), field, err.to_string(), err.help()))
            .ok()
    }

    fn portal(&mut self, file: &YamlFile<RawPortal>) -> (Portal, Vec<System>) {
        let raw = &file.data;
        let path = file.path.as_path();
        let timezone = self
            .timed(
                path,
                0,
                &raw.timezone,
                "timezone",
                time::parse_zone(&raw.timezone.value),
            )
            .unwrap_or(Tz::UTC);
        self.zone = timezone;
        let base_url = self.base_url(path, &raw.base_url);
        self.one_line(path, 0, &raw.title, "title");
        if raw.title.value.trim().is_empty() {
            self.error(
                at(path, 0, &raw.title),
                "title",
                "the title is empty",
                "give the portal a name, e.g. \"Acme Release Portal\"",
            );
        }
        let theme = raw.theme.as_ref().and_then(|theme| {
            if theme.value == "default" {
                None
            } else {
                Some(self.slug(path, 0, theme, "theme"))
            }
        });
        let approval_policy = self.approval_policy(path, raw);
        let checklists_by_type = self.checklists_by_type(path, raw);
        let portal = Portal {
            title: raw.title.value.trim().to_owned(),
            base_url,
            timezone,
            description: raw.description.clone(),
            theme,
            runbook_review_days: raw.runbook_review_days.unwrap_or(180),
            stale_after_hours: self.stale_after_hours(path, raw),
            reminder_hours: self.reminder_hours(path, raw),
            feed_history_days: self.feed_history_days(path, raw),
            freezes: self.window_rules(path, &raw.freezes, "freezes"),
            maintenance_windows: self.window_rules(
                path,
                &raw.maintenance_windows,
                "maintenance_windows",
            ),
            approval_policy,
            checklists_by_type,
            import_freezes: raw
                .import_freezes
                .iter()
                .map(|f| (f.value.clone(), at(path, 0, f)))
                .collect(),
            edit_url: self.edit_url(path, raw),
            required_phases: self.required_phases(path, raw),
            source: SourceRef::file(path),
        };
        let systems = self.systems(path, &raw.systems);
        (portal, systems)
    }

    /// `stale_after_hours`: default 36; at least 1 (0 would call every page stale); at most
    /// a year (8760), so the moment it names is always a real date.
    fn stale_after_hours(&mut self, path: &Path, raw: &RawPortal) -> u32 {
        let Some(value) = &raw.stale_after_hours else {
            return 36;
        };
        if value.value > MAX_STALE_AFTER_HOURS {
            self.error(
                at(path, 0, value),
                "stale_after_hours",
                format!(
                    "stale_after_hours is {}: more than a year ({MAX_STALE_AFTER_HOURS} hours)",
                    value.value
                ),
                "give the number of hours after which a page should say it is out of date, e.g. 36 for a daily build",
            );
            return 36;
        }
        if value.value == 0 {
            self.error(
                at(path, 0, value),
                "stale_after_hours",
                "stale_after_hours is 0: every page would be stale as soon as it is built",
                "give the number of hours after which a page should say it is out of date, e.g. 36 for a daily build",
            );
            return 36;
        }
        value.value
    }

    /// `reminder_hours`: default 24; 0 turns reminders off; at most 4 weeks (672).
    fn reminder_hours(&mut self, path: &Path, raw: &RawPortal) -> u32 {
        let Some(value) = &raw.reminder_hours else {
            return 24;
        };
        if value.value > 672 {
            self.error(
                at(path, 0, value),
                "reminder_hours",
                format!(
                    "reminder_hours is {}: more than 4 weeks (672 hours) before the window",
                    value.value
                ),
                "give the hours before a release window that calendar clients should remind, e.g. 24; 0 turns reminders off",
            );
            return 24;
        }
        value.value
    }

    /// `feed_history_days`: default 90; 0 keeps no ended event; at most ten years (3650),
    /// past which the bound would no longer keep a feed small.
    fn feed_history_days(&mut self, path: &Path, raw: &RawPortal) -> u32 {
        let Some(value) = &raw.feed_history_days else {
            return DEFAULT_FEED_HISTORY_DAYS;
        };
        if value.value > MAX_FEED_HISTORY_DAYS {
            self.error(
                at(path, 0, value),
                "feed_history_days",
                format!(
                    "feed_history_days is {}: more than ten years ({MAX_FEED_HISTORY_DAYS} days)",
                    value.value
                ),
                "give the days an ended release or window stays in the iCal feeds, e.g. 90; 0 keeps only events that have not ended",
            );
            return DEFAULT_FEED_HISTORY_DAYS;
        }
        value.value
    }

    fn base_url(&mut self, path: &Path, value: &Spanned<String>) -> String {
        match base_url::normalise(&value.value) {
            Ok(url) => url,
            Err(base_url::BadBaseUrl(message)) => {
                self.error(at(path, 0, value), "base_url", message, base_url::HELP);
                "https://shipboard.invalid/".to_owned()
            }
        }
    }

    fn checklists_by_type(
        &mut self,
        path: &Path,
        raw: &RawPortal,
    ) -> BTreeMap<ReleaseType, String> {
        let mut by_type = BTreeMap::new();
        for (kind, checklist) in &raw.checklists_by_type {
            let Some(kind) = release_type(kind) else {
                self.error(
                    at(path, 0, checklist),
                    "checklists_by_type",
                    format!("\"{kind}\" is not a release type"),
                    "use major, minor, patch or emergency",
                );
                continue;
            };
            if !self.known.checklists.contains(&checklist.value) {
                self.unknown(
                    at(path, 0, checklist),
                    "checklists_by_type",
                    "checklist",
                    &checklist.value,
                    "checklists/",
                );
            }
            by_type.insert(kind, checklist.value.clone());
        }
        by_type
    }

    fn approval_policy(
        &mut self,
        path: &Path,
        raw: &RawPortal,
    ) -> BTreeMap<ReleaseType, Vec<Vec<String>>> {
        let mut policy = BTreeMap::new();
        for (kind, requirements) in &raw.approval_policy {
            let kind = match release_type(kind) {
                Some(kind) => kind,
                None => {
                    let other = kind.as_str();
                    let where_ = requirements
                        .first()
                        .map(|r| at(path, 0, r))
                        .unwrap_or_else(|| SourceRef::file(path));
                    self.error(
                        where_,
                        "approval_policy",
                        format!("\"{other}\" is not a release type"),
                        "use major, minor, patch or emergency",
                    );
                    continue;
                }
            };
            let parsed = requirements
                .iter()
                .map(|req| {
                    let roles: Vec<String> = req
                        .value
                        .split('|')
                        .map(|r| r.trim().to_owned())
                        .filter(|r| !r.is_empty())
                        .collect();
                    for role in &roles {
                        if !self.known.roles.contains(role) {
                            self.unknown(
                                at(path, 0, req),
                                "approval_policy",
                                "role",
                                role,
                                "contacts.yaml `roles:`",
                            );
                        }
                    }
                    roles
                })
                .collect();
            policy.insert(kind, parsed);
        }
        policy
    }

    fn systems(&mut self, path: &Path, raw: &[RawSystem]) -> Vec<System> {
        let mut seen = BTreeSet::new();
        let mut systems = Vec::new();
        if raw.is_empty() {
            self.error(
                SourceRef::file(path),
                "systems",
                "no systems are defined",
                "list at least one system under `systems:` (id, name, owner, rollback_runbook)",
            );
        }
        for system in raw {
            let id = self.slug(path, 0, &system.id, "systems.id");
            if !seen.insert(id.clone()) {
                self.error(
                    at(path, 0, &system.id),
                    "systems.id",
                    format!("system \"{id}\" is defined twice"),
                    "give each system a unique id",
                );
                continue;
            }
            if is_release_index_name(&id) {
                self.error(
                    at(path, 0, &system.id),
                    "systems.id",
                    format!("system id \"{id}\" is the name of a release index page (/releases/{id}/)"),
                    "pick another id: by-type, by-status, slips and years (4 digits) name pages under /releases/",
                );
            }
            let tag_pattern = match &system.tag_pattern {
                Some(pattern) if pattern.value.matches("{version}").count() != 1 => {
                    self.error(
                        at(path, 0, pattern),
                        "tag_pattern",
                        format!(
                            "\"{}\" must contain {{version}} exactly once",
                            pattern.value
                        ),
                        "e.g. v{version} or payments-v{version}",
                    );
                    pattern.value.clone()
                }
                Some(pattern) => pattern.value.clone(),
                None => "v{version}".to_owned(),
            };
            self.system_references(path, system);
            systems.push(System {
                id,
                name: self.one_line(path, 0, &system.name, "systems.name"),
                description: system.description.clone(),
                owner: system.owner.value.clone(),
                rollback_runbook: system.rollback_runbook.value.clone(),
                escalation: system.escalation.as_ref().map(|e| e.value.clone()),
                repo: system.repo.as_ref().map(|r| r.value.clone()),
                tag_pattern,
                commit_url: self.url_template(path, &system.commit_url, "commit_url"),
                compare_url: self.url_template(path, &system.compare_url, "compare_url"),
                ticket_url: self.url_template(path, &system.ticket_url, "ticket_url"),
                include_paths: system.include_paths.clone(),
                prereleases: system.prereleases,
                first_parent: system.first_parent,
                source: at(path, 0, &system.id),
                repo_source: system.repo.as_ref().map(|repo| at(path, 0, repo)),
            });
        }
        systems
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_values_refuse_breaks_controls_bidi_and_noncharacters() {
        for bad in [
            '\n',
            '\r',
            '\t',
            '\0',
            '\u{1b}',
            '\u{7f}',
            '\u{85}',
            '\u{2028}',
            '\u{202e}',
            '\u{2066}',
            '\u{fdd0}',
            '\u{fffe}',
            '\u{ffff}',
            '\u{1fffe}',
        ] {
            assert!(not_in_one_line(bad), "{bad:?}");
        }
        for good in ['a', 'é', ' ', '—', '\u{1f680}', '\u{fffd}'] {
            assert!(!not_in_one_line(good), "{good:?}");
        }
    }

    #[test]
    fn slugs() {
        assert!(is_slug("payments-api"));
        assert!(is_slug("2fa"));
        assert!(!is_slug(""));
        assert!(!is_slug("../etc"));
        assert!(!is_slug("Payments"));
        assert!(!is_slug("a/b"));
        assert!(!is_slug("-x"));
    }
}
