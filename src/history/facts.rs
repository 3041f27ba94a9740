//! Facts: the plain, serialisable result of reading git history, for the site model and
//! templates.
//!
//! Every date is kept twice: typed (for Rust callers; serialised only into the history
//! cache) and preformatted in the portal's timezone (`date` = `YYYY-MM-DD`, `datetime` =
//! RFC 3339, for templates, which have no date filter). Lists have a fixed order so
//! output is deterministic. Nothing here reads git or builds HTML.

use std::collections::BTreeMap;
use std::ops::Deref;
use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use semver::Version;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::cache::{for_templates, instant, maybe_instant, version};
use super::links::{Span, Ticket};
use crate::diagnostics::display_path;

/// Everything history knows about a content repo and its systems.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Facts {
    /// Per system id.
    pub systems: BTreeMap<String, SystemHistory>,
    /// Per content file, keyed by its path relative to the content dir with `/`
    /// (`releases/payments-2.4.0.md`, `runbooks/payments-rollback.md`).
    pub files: BTreeMap<String, FileFacts>,
    /// Per release file (same keys as `files`): its audit trail from the content history.
    /// Empty when the content dir is not in git.
    pub trails: BTreeMap<String, Trail>,
    /// Human notes about what could not be read (e.g. "the content dir is not in a git
    /// repository"), for a verbose mode or a footer.
    pub notes: Vec<String>,
    /// The content repository is a shallow clone: file creation dates are not known.
    #[serde(skip)]
    pub content_shallow: bool,
    /// Debug lines: ignored tags and why. Not serialised.
    #[serde(skip)]
    pub debug: Vec<String>,
    /// A digest of these facts (of what each repository's read found, and which systems
    /// are unavailable): two builds with the same identity have the same facts. `None` when
    /// some read was not keyed. Not serialised.
    #[serde(skip)]
    pub identity: Option<crate::cache::Digest>,
}

/// One system's history.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SystemHistory {
    pub system: String,
    /// The system's display name (portal.yaml `name`).
    pub name: String,
    /// The repository as configured (`repos/payments.git`), or `.` for the content repo; a
    /// URL's user name and password are `***` (this is printed and published).
    pub repo: String,
    /// The repository could be opened and walked.
    pub available: bool,
    /// The repository is a shallow clone: changelogs may miss commits.
    pub shallow: bool,
    pub tag_pattern: String,
    /// Release tags, newest (highest SemVer) first.
    pub tags: Vec<TagInfo>,
    /// One changelog per tag, newest first (same order as `tags`).
    pub changelogs: Vec<Changelog>,
    /// Commits after the newest tag.
    pub unreleased: Changelog,
    /// Tags without a release file ("tagged, not in the portal"), newest first.
    pub untracked: Vec<TagInfo>,
    /// Per release file of this system, newest version first: plan vs actual, rollback.
    pub releases: Vec<ReleaseFacts>,
    /// Shipped releases whose tag came after the planned window, newest first.
    pub slips: Vec<Slip>,
}

/// A release tag.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TagInfo {
    pub name: String,
    pub version: String,
    /// Kept by the history cache, left out for templates (they have `version`).
    #[serde(skip_serializing_if = "for_templates", with = "version")]
    pub semver: Version,
    pub prerelease: bool,
    /// The tagged commit.
    pub sha: String,
    pub short_sha: String,
    pub commit_url: Option<String>,
    /// Tagger date for annotated tags, commit date for lightweight ones.
    /// Kept by the history cache, left out for templates (they have the formatted twin).
    #[serde(skip_serializing_if = "for_templates", with = "instant")]
    pub at: DateTime<Utc>,
    pub date: String,
    pub datetime: String,
    pub annotated: bool,
    /// The annotated tag's message (signature removed), if any.
    pub message: Option<String>,
    /// A release file exists for this version.
    pub in_portal: bool,
}

/// The commits of one release (or of "Unreleased"), grouped.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Changelog {
    pub system: String,
    /// `None` for unreleased work.
    pub version: Option<String>,
    /// `2.4.0` or `Unreleased`.
    pub title: String,
    /// HTML id fragment, unique per system: `v2-4-0`, `unreleased`.
    pub anchor: String,
    pub tag: Option<String>,
    pub previous_version: Option<String>,
    pub previous_tag: Option<String>,
    /// Kept by the history cache, left out for templates (they have `datetime`).
    #[serde(skip_serializing_if = "for_templates", with = "maybe_instant")]
    pub at: Option<DateTime<Utc>>,
    pub date: Option<String>,
    pub datetime: Option<String>,
    /// Annotated tag message: the release's highlights.
    pub highlights: Option<String>,
    /// Non-empty groups in display order.
    pub groups: Vec<Group>,
    /// Commits listed in `groups`.
    pub commit_count: usize,
    /// Merge commits left out of `groups` (their branches' commits are listed).
    pub merge_count: usize,
    /// Authors by number of commits (most first), then name.
    pub contributors: Vec<Contributor>,
    /// `compare_url` from the previous tag to this one (or to HEAD for unreleased).
    pub compare_url: Option<String>,
    /// History is partial (shallow clone): the list may be incomplete.
    pub partial: bool,
}

/// Commits of one kind: "Features", "Fixes", ...
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Group {
    /// `breaking`, `feat`, `fix`, `perf`, ..., `other`.
    pub key: String,
    pub title: String,
    pub commits: Vec<Shared<CommitInfo>>,
}

/// One commit, as shown in a changelog.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommitInfo {
    pub sha: String,
    pub short_sha: String,
    pub url: Option<String>,
    /// Conventional Commit type (`feat`, `fix`, ...), if the subject has one.
    pub kind: Option<String>,
    pub scope: Option<String>,
    pub breaking: bool,
    /// The description (subject without `type(scope):`), as plain text.
    pub text: String,
    /// The same, split into spans with ticket and commit links.
    pub spans: Vec<Span>,
    /// The `BREAKING CHANGE:` footer text.
    pub breaking_note: Option<String>,
    pub tickets: Vec<Ticket>,
    pub author: String,
    /// Kept by the history cache, left out for templates (they have the formatted twin).
    #[serde(skip_serializing_if = "for_templates", with = "instant")]
    pub at: DateTime<Utc>,
    pub date: String,
    pub datetime: String,
    pub merge: bool,
}

/// Someone who wrote commits in a changelog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contributor {
    pub name: String,
    pub commits: usize,
}

/// What git says about one release file's release.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReleaseFacts {
    pub version: String,
    /// The expected tag name (whether or not it exists).
    pub tag: String,
    pub tagged: bool,
    /// Planned window vs tag date, for shipped releases that have a tag.
    pub plan: Option<PlanVsActual>,
    /// What a rollback of this release returns to.
    pub rollback: Option<RollbackTarget>,
}

/// Planned window vs the real tag date.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PlanVsActual {
    /// Planned window start, in the window's timezone: `2026-09-22 21:00`.
    pub planned: String,
    pub planned_date: String,
    /// Tag date in the window's timezone.
    pub actual: String,
    pub actual_date: String,
    /// Calendar days from the window's last day to the tag (negative: tagged before the
    /// window started; 0 inside the window).
    pub days_late: i64,
    /// `on-time` or `slipped`.
    pub state: String,
    /// `On time`, `Slipped by 2 days`.
    pub label: String,
}

/// The version a rollback returns to, and the commits it would revert.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RollbackTarget {
    /// The previous released version, `None` when there is none (first release).
    pub version: Option<String>,
    pub tag: Option<String>,
    /// The system's rollback runbook slug.
    pub runbook: String,
    /// Commits between the target and this release's tag (empty when this release is not
    /// tagged yet), newest first.
    pub commits: Vec<Shared<CommitInfo>>,
    pub compare_url: Option<String>,
}

/// A shipped release whose tag came later than planned.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Slip {
    pub version: String,
    pub planned_date: String,
    pub actual_date: String,
    pub days: i64,
}

/// Git facts about one content file.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct FileFacts {
    /// Commits that changed the file. Not the iCal `SEQUENCE`: a squash or rebase lowers
    /// this count, and calendar clients ignore a SEQUENCE that went down.
    pub commits: u32,
    /// Committer date of the last commit that changed the file (never the author date: a
    /// rebase keeps that). The iCal `SEQUENCE` and `DTSTAMP` derive from it.
    #[serde(skip_serializing_if = "for_templates", with = "maybe_instant")]
    pub last_commit_at: Option<DateTime<Utc>>,
    pub last_commit_date: Option<String>,
    pub last_commit_datetime: Option<String>,
    pub last_author: Option<String>,
    /// Committer date of the first commit that added the file at this path (its creation,
    /// for "ticked before the release existed"); `None` when not committed.
    #[serde(skip_serializing_if = "for_templates", with = "maybe_instant")]
    pub first_commit_at: Option<DateTime<Utc>>,
}

/// The audit trail of one release file: its commits, newest first.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Trail {
    pub entries: Vec<TrailEntry>,
    /// The content repository is a shallow clone: older changes are missing.
    pub partial: bool,
}

/// One commit that changed a release file, and what it changed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TrailEntry {
    /// Committer date.
    /// Kept by the history cache, left out for templates (they have the formatted twin).
    #[serde(skip_serializing_if = "for_templates", with = "instant")]
    pub at: DateTime<Utc>,
    pub date: String,
    pub datetime: String,
    /// `2026-12-01 16:20` in the portal's timezone.
    pub when: String,
    /// The commit's author.
    pub author: String,
    pub sha: String,
    pub short_sha: String,
    pub changes: Vec<Change>,
}

/// One change a commit made to a release file.
/// (Read back from the history cache by `cache`, which knows the kinds.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// `created`, `status`, `window`, `approval-added`, `approval-removed`,
    /// `tick-recorded`, `tick-removed`, `renamed`, `edited`.
    pub kind: &'static str,
    /// A sentence for people: "status planned → approved".
    pub text: String,
}

/// A shared, immutable value that serialises as the value itself: commits are built once
/// and referenced from every changelog, rollback list and system page that shows them.
#[derive(Debug)]
pub struct Shared<T>(pub Arc<T>);

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Shared(Arc::clone(&self.0))
    }
}

impl<T> Deref for Shared<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: Serialize> Serialize for Shared<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

/// Read back from the history cache, each value gets its own `Arc`;
/// [`super::cache`] shares equal commits again.
impl<'de, T: Deserialize<'de>> Deserialize<'de> for Shared<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize(deserializer).map(|value| Shared(Arc::new(value)))
    }
}

impl Facts {
    pub fn system(&self, id: &str) -> Option<&SystemHistory> {
        self.systems.get(id)
    }

    /// The changelog of a tagged version.
    pub fn changelog(&self, system: &str, version: &Version) -> Option<&Changelog> {
        self.system(system)?.changelog(version)
    }

    /// Plan vs actual and rollback target of a release file's release.
    pub fn release(&self, system: &str, version: &Version) -> Option<&ReleaseFacts> {
        let version = version.to_string();
        self.system(system)?
            .releases
            .iter()
            .find(|r| r.version == version)
    }

    /// Facts about a content file, by its path relative to the content dir.
    pub fn file(&self, path: &Path) -> Option<&FileFacts> {
        self.files.get(&display_path(path))
    }

    /// The audit trail of a release file, by its path relative to the content dir.
    pub fn trail(&self, path: &Path) -> Option<&Trail> {
        self.trails.get(&display_path(path))
    }

    /// When the file at `path` was first committed, following renames for a release file
    /// (its trail credits commits under older names to it): a release moved to another
    /// folder was still created when its first name was.
    pub fn created(&self, path: &Path) -> Option<DateTime<Utc>> {
        let under_its_names = self.trail(path).and_then(|trail| {
            trail
                .entries
                .iter()
                .filter(|entry| entry.changes.iter().any(|c| c.kind == "created"))
                .map(|entry| entry.at)
                .min()
        });
        under_its_names.or_else(|| self.file(path).and_then(|f| f.first_commit_at))
    }
}

impl SystemHistory {
    pub fn changelog(&self, version: &Version) -> Option<&Changelog> {
        let version = version.to_string();
        self.changelogs
            .iter()
            .find(|c| c.version.as_deref() == Some(version.as_str()))
    }

    pub fn tag(&self, version: &Version) -> Option<&TagInfo> {
        self.tags.iter().find(|t| &t.semver == version)
    }
}
