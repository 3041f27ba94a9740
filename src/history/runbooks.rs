//! Runbook reviews: "last reviewed" is the last commit that changed the runbook file; a
//! runbook is stale when that is older than `runbook_review_days`, or when a system it
//! belongs to has released since ("not reviewed since 2.3.0").
//!
//! Pure computation over `Facts` and `Content` relative to a `today` the caller passes
//! (builds are reproducible: this module never reads the clock).

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::facts::Facts;
use crate::content::{Content, Runbook};

/// The review state of one runbook.
#[derive(Debug, Clone, Serialize)]
pub struct RunbookReview {
    pub slug: String,
    #[serde(skip)]
    pub last_reviewed_at: Option<DateTime<Utc>>,
    /// `YYYY-MM-DD` in the portal's timezone; `None` when the file is not committed.
    pub last_reviewed: Option<String>,
    pub last_reviewed_datetime: Option<String>,
    /// Author of that commit.
    pub reviewed_by: Option<String>,
    /// Days from the last review to `today`.
    pub age_days: Option<i64>,
    /// The portal's `runbook_review_days`.
    pub review_days: u32,
    pub stale: bool,
    /// The first release of the runbook's systems after its last review.
    pub not_reviewed_since: Option<String>,
    /// Releases since the last review, oldest first.
    pub releases_since: Vec<ReleasedSince>,
    /// Why it is stale, one sentence each (empty when fresh).
    pub reasons: Vec<String>,
    /// The last review in Unix millis, for the live layer's "45 days ago".
    pub reviewed_ms: Option<i64>,
    /// "45 days ago" at `today`'s build.
    pub age_text: Option<String>,
    /// When the runbook is (or turns) stale, as `data-live-on`: from the start of the first
    /// local day past `runbook_review_days`, or always when a release since makes it stale.
    pub stale_on: Option<String>,
}

/// A release of one of the runbook's systems after its last review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReleasedSince {
    pub system: String,
    pub version: String,
    pub date: String,
}

/// Reviews every runbook of `content`, keyed by slug.
pub fn review_runbooks(
    facts: &Facts,
    content: &Content,
    today: NaiveDate,
) -> BTreeMap<String, RunbookReview> {
    content
        .runbooks
        .iter()
        .map(|r| (r.slug.clone(), review(facts, content, r, today)))
        .collect()
}

fn review(facts: &Facts, content: &Content, runbook: &Runbook, today: NaiveDate) -> RunbookReview {
    let tz = content.portal.timezone;
    let limit = content.portal.runbook_review_days;
    let file = facts.file(&runbook.source.file);
    let at = file.and_then(|f| f.last_commit_at);
    let age_days = at.map(|at| (today - at.with_timezone(&tz).date_naive()).num_days());
    let mut reasons = Vec::new();
    if let Some(age) = age_days.filter(|age| *age > i64::from(limit)) {
        reasons.push(format!(
            "Last reviewed {age} days ago; runbooks are reviewed every {limit} days."
        ));
    }
    let mut releases_since: Vec<(DateTime<Utc>, ReleasedSince)> = Vec::new();
    if let Some(at) = at {
        for system in content.systems.iter().filter(|s| {
            runbook.system.as_deref() == Some(s.id.as_str()) || s.rollback_runbook == runbook.slug
        }) {
            let Some(history) = facts.system(&system.id) else {
                continue;
            };
            let released = |t: &&super::facts::TagInfo| {
                !t.prerelease && t.at > at && t.at.with_timezone(&tz).date_naive() <= today
            };
            for tag in history.tags.iter().filter(released) {
                releases_since.push((
                    tag.at,
                    ReleasedSince {
                        system: system.id.clone(),
                        version: tag.version.clone(),
                        date: tag.date.clone(),
                    },
                ));
            }
        }
    }
    releases_since
        .sort_by(|a, b| (a.0, &a.1.system, &a.1.version).cmp(&(b.0, &b.1.system, &b.1.version)));
    let releases_since: Vec<ReleasedSince> = releases_since.into_iter().map(|(_, r)| r).collect();
    let not_reviewed_since = releases_since.first().map(|r| r.version.clone());
    if let Some(first) = releases_since.first() {
        let more = match releases_since.len() {
            1 => String::new(),
            n => format!("; {n} releases since"),
        };
        reasons.push(format!(
            "Not reviewed since {} {} ({}){more}.",
            first.system, first.version, first.date
        ));
    }
    let stale_on = if !releases_since.is_empty() {
        Some(format!("0 {}", crate::model::live::FOREVER))
    } else {
        at.map(|at| {
            let due = at.with_timezone(&tz).date_naive() + chrono::Days::new(u64::from(limit) + 1);
            crate::model::live::from(crate::calendar::time::start_of_day(due, tz))
        })
    };
    RunbookReview {
        slug: runbook.slug.clone(),
        reviewed_ms: at.map(|at| at.timestamp_millis()),
        age_text: age_days.map(|days| match days {
            0 => "today".to_owned(),
            1 => "1 day ago".to_owned(),
            n => format!("{n} days ago"),
        }),
        stale_on,
        last_reviewed_at: at,
        last_reviewed: file.and_then(|f| f.last_commit_date.clone()),
        last_reviewed_datetime: file.and_then(|f| f.last_commit_datetime.clone()),
        reviewed_by: file.and_then(|f| f.last_author.clone()),
        age_days,
        review_days: limit,
        stale: !reasons.is_empty(),
        not_reviewed_since,
        releases_since,
        reasons,
    }
}
