//! Validation of release files: fields, references, duplicates and the approval policy.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use rayon::prelude::*;
use semver::{Version, VersionReq};

use super::{at, Validator};
use crate::calendar::time;
use crate::content::load::{MarkdownFile, RawContent};
use crate::content::raw::RawRelease;
use crate::content::{Approval, Content, Dependency, Release, ReleaseStatus, ReleaseWindow};
use crate::diagnostics::{Diagnostic, Diagnostics, SourceRef};

/// The longest release window, in days: a month. Real deploy windows last hours; without a
/// bound a window to 9999 made a build run for seconds and grow pages past 64 MiB.
pub const MAX_WINDOW_DAYS: i64 = 31;

/// A release file converted (`None`: unusable) and the problems found converting it.
type Converted = (Option<Release>, Vec<Diagnostic>);

/// What two releases of one system share when they are the same release or would share a
/// page: the version without build metadata (SemVer gives `2.5.0` and `2.5.0+b` equal
/// precedence), in lowercase (paths differing only in case collide on macOS and Windows).
fn same_release_key(system: &str, version: &Version) -> String {
    let mut version = version.clone();
    version.build = semver::BuildMetadata::EMPTY;
    format!("{system}@{version}").to_lowercase()
}

/// The error message and help for `release`, the same release as `first_version` in `first`.
fn duplicate(
    release: &Release,
    first: &SourceRef,
    first_version: &Version,
) -> (String, &'static str) {
    let (system, version) = (&release.system, &release.version);
    let file = first.file.display();
    if version == first_version {
        return (
            format!("{system} {version} is already defined in {file}"),
            "each system + version has one release file: merge them or fix the version",
        );
    }
    if !version.build.is_empty() || !first_version.build.is_empty() {
        return (
            format!("{system} {version} is the release {first_version} already defined in {file}: versions that differ only in build metadata (after `+`) are the same release"),
            "each release has one file: drop the `+...` build metadata, or give the release its own version",
        );
    }
    (
        format!("{system} {version} differs from {first_version}, already defined in {file}, only in letter case: their pages would be one file on macOS and Windows"),
        "write pre-release tags in one case (e.g. lowercase `-rc.1`), or give the release its own version",
    )
}

impl Validator<'_> {
    pub(super) fn releases(&mut self, raw: &RawContent, content: &Content) -> Vec<Release> {
        let mut releases: Vec<Release> = Vec::new();
        let mut seen: BTreeMap<String, (SourceRef, Version)> = BTreeMap::new();
        for (file, (converted, problems)) in raw.releases.iter().zip(self.convert(raw, content)) {
            self.diagnostics.extend(problems);
            let Some(release) = converted else {
                continue;
            };
            let offset = file.front_line_offset;
            let key = same_release_key(&release.system, &release.version);
            if let Some((first, first_version)) = seen.get(&key) {
                let (message, help) = duplicate(&release, first, first_version);
                self.error(
                    at(&file.path, offset, &file.front.version),
                    "version",
                    message,
                    help,
                );
                continue;
            }
            seen.insert(key, (release.source.clone(), release.version.clone()));
            self.approval_policy_met(&release, content, file);
            releases.push(release);
        }
        releases.sort_by(|a, b| {
            (a.window.start, &a.system, &a.version).cmp(&(b.window.start, &b.system, &b.version))
        });
        releases
    }

    /// Each release file converted with its ticks, and the problems found doing so, in the
    /// files' order. Files are independent of one another until duplicates and the approval
    /// policy are checked, so they are converted on every core (10,000 files were most of
    /// the validate stage), each group of files with its own validator.
    fn convert(&self, raw: &RawContent, content: &Content) -> Vec<Converted> {
        raw.releases
            .par_iter()
            .with_min_len(256)
            .map_init(
                || self.known.clone(),
                |known, file| {
                    let mut problems = Diagnostics::default();
                    let mut v = Validator {
                        diagnostics: &mut problems,
                        zone: self.zone,
                        known: std::mem::take(known),
                    };
                    let release = v.release(file).map(|mut release| {
                        let checklist = release.checklist.as_deref();
                        release.ticks = v.ticks(
                            file,
                            checklist.and_then(|id| content.checklist(id)),
                            checklist.is_some(),
                        );
                        release
                    });
                    *known = v.known;
                    (release, problems.into_iter().collect())
                },
            )
            .collect()
    }

    /// Converts one release file; `None` when a field needed to place it is unusable.
    fn release(&mut self, file: &MarkdownFile<RawRelease>) -> Option<Release> {
        let path = file.path.as_path();
        let offset = file.front_line_offset;
        let front = &file.front;
        let system = self.slug(path, offset, &front.system, "system");
        self.system_ref(path, offset, &front.system, "system");
        let version = self.version(path, offset, &front.version);
        let window = self.release_window(file);
        self.person_ref(path, offset, &front.owner, "owner");
        let mut people = BTreeMap::new();
        for (role, persons) in &front.people {
            if !self.known.roles.contains(role) {
                self.unknown(
                    at(path, offset, persons),
                    "people",
                    "role",
                    role,
                    "contacts.yaml `roles:`",
                );
            }
            for person in &persons.value {
                self.person_ref(path, offset, person, &format!("people.{role}"));
            }
            people.insert(
                role.clone(),
                persons.value.iter().map(|p| p.value.clone()).collect(),
            );
        }
        let approvals = front
            .approvals
            .iter()
            .filter_map(|approval| {
                let a = &approval.value;
                self.role_ref(path, offset, &a.role, "approvals.role");
                self.person_ref(path, offset, &a.by, "approvals.by");
                let zone = self.zone;
                let at_time = self.datetime(path, offset, &a.at, "approvals.at", zone)?;
                Some(Approval {
                    role: a.role.value.clone(),
                    by: a.by.value.clone(),
                    at: at_time,
                    ticket: a.ticket.clone(),
                })
            })
            .collect();
        if let Some(checklist) = &front.checklist {
            let exists = self.known.checklists.contains(&checklist.value);
            let where_defined = format!("checklists/{}.yaml", checklist.value);
            self.reference(
                path,
                offset,
                checklist,
                "checklist",
                "checklist",
                exists,
                &where_defined,
            );
        }
        for runbook in &front.runbooks {
            self.runbook_ref(path, offset, runbook, "runbooks");
        }
        let depends_on = front
            .depends_on
            .iter()
            .filter_map(|dep| {
                self.system_ref(path, offset, &dep.system, "depends_on.system");
                if dep.system.value == system {
                    self.error(
                        at(path, offset, &dep.system),
                        "depends_on.system",
                        "a release cannot depend on its own system",
                        "remove this entry",
                    );
                }
                let requirement = VersionReq::parse(&dep.version.value)
                    .map_err(|err| {
                        self.error(
                            at(path, offset, &dep.version),
                            "depends_on.version",
                            format!(
                                "\"{}\" is not a SemVer requirement: {err}",
                                dep.version.value
                            ),
                            "write e.g. \">=3.1.0\", \"^2.4\" or \"=1.2.3\"",
                        )
                    })
                    .ok()?;
                Some(Dependency {
                    system: dep.system.value.clone(),
                    requirement,
                    source: at(path, offset, &dep.system),
                })
            })
            .collect();
        let zone = self.zone;
        let announced_at = front
            .announced_at
            .as_ref()
            .and_then(|t| self.datetime(path, offset, t, "announced_at", zone));
        Some(Release {
            system,
            version: version?,
            version_source: at(path, offset, &front.version),
            kind: front.kind.value,
            status: front.status.value,
            status_source: at(path, offset, &front.status),
            title: front
                .title
                .as_ref()
                .map(|t| self.one_line(path, offset, t, "title")),
            status_note: front
                .status_note
                .as_ref()
                .map(|n| self.one_line(path, offset, n, "status_note")),
            window: window?,
            owner: front.owner.value.clone(),
            people,
            approvals,
            tickets: front.tickets.iter().map(|t| t.value.clone()).collect(),
            checklist: front.checklist.as_ref().map(|c| c.value.clone()),
            runbooks: front.runbooks.iter().map(|r| r.value.clone()).collect(),
            rollout: front.rollout,
            depends_on,
            announced_at,
            ticks: Vec::new(),
            notes: file.body.clone(),
            source: SourceRef::file(path),
            notes_line: file.body_line,
            outline: Some(Arc::clone(&file.outline)),
        })
    }

    pub(super) fn version(
        &mut self,
        path: &Path,
        offset: u32,
        value: &serde_saphyr::Spanned<String>,
    ) -> Option<Version> {
        let text = value.value.trim();
        let text = text.strip_prefix('v').unwrap_or(text);
        Version::parse(text)
            .map_err(|err| {
                self.error(
                    at(path, offset, value),
                    "version",
                    format!("\"{}\" is not a SemVer version: {err}", value.value),
                    "write MAJOR.MINOR.PATCH, e.g. 2.4.0 (pre-releases: 2.4.0-rc.1)",
                )
            })
            .ok()
    }

    /// A release's window: valid dates, `end` after `start`, at most `MAX_WINDOW_DAYS`
    /// long (calendars, pages and feeds expand a window day by day; checked before any do).
    fn release_window(&mut self, file: &MarkdownFile<RawRelease>) -> Option<ReleaseWindow> {
        let path = file.path.as_path();
        let offset = file.front_line_offset;
        let window = &file.front.window;
        let zone = match &window.value.timezone {
            Some(name) => self.timed(
                path,
                offset,
                name,
                "window.timezone",
                time::parse_zone(&name.value),
            )?,
            None => self.zone,
        };
        let start = self.datetime(path, offset, &window.value.start, "window.start", zone);
        let end = self.datetime(path, offset, &window.value.end, "window.end", zone);
        let (start, end) = (start?, end?);
        if end <= start {
            self.error(
                at(path, offset, &window.value.end),
                "window.end",
                "the release window ends before it starts",
                "make `end` later than `start`",
            );
            return None;
        }
        if end - start > chrono::Duration::days(MAX_WINDOW_DAYS) {
            self.error(
                at(path, offset, &window.value.end),
                "window.end",
                format!("the release window lasts longer than {MAX_WINDOW_DAYS} days, the limit for one release"),
                "give the time the deploy itself takes (a staged rollout over weeks is several releases, or one window per stage); see README, \"Limits\"",
            );
            return None;
        }
        Some(ReleaseWindow {
            start,
            end,
            timezone: zone,
            source: at(path, offset, &window.value.start),
        })
    }

    /// A release that is approved or further along needs the approvals its type requires.
    fn approval_policy_met(
        &mut self,
        release: &Release,
        content: &Content,
        file: &MarkdownFile<RawRelease>,
    ) {
        let needs_approval = !matches!(
            release.status,
            ReleaseStatus::Planned | ReleaseStatus::Cancelled
        );
        let Some(requirements) = content.portal.approval_policy.get(&release.kind) else {
            return;
        };
        if !needs_approval {
            return;
        }
        let missing = content.unmet_approvals(release);
        let Some(first) = missing.first() else { return };
        let roles: Vec<String> = missing.iter().map(|r| r.join(" or ")).collect();
        let message = format!(
            "a {} release that is {} needs approvals by {} (none recorded for {})",
            release.kind.as_str(),
            release.status.label().to_lowercase(),
            requirements
                .iter()
                .map(|r| r.join(" or "))
                .collect::<Vec<_>>()
                .join(" and "),
            roles.join(" and "),
        );
        let help = format!("add `approvals: [{{role: {}, by: <person>, at: <date time>, ticket: <ref>}}]` for each, or set `status: planned`", first[0]);
        self.error(
            at(&file.path, file.front_line_offset, &file.front.status),
            "approvals",
            message,
            &help,
        );
    }
}
