//! `shipboard new release|runbook` and `shipboard init`: scaffold files that check clean.
//!
//! Scaffolds are filled from the portal's own config (the system's owner, its rollback
//! runbook, the first checklist) so a new file is valid before the author edits it.
//! Existing files are never overwritten.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _, Result};
use chrono::{Duration, NaiveTime};

use super::build::{build_time, load_and_validate};
use crate::calendar::time;
use crate::calendar::windows::{self, Span};
use crate::content::{Content, ReleaseType};
use crate::validate::placeholders::{
    RELEASE_SUMMARY, RELEASE_TITLE, RUNBOOK_SUMMARY, RUNBOOK_TITLE,
};
use crate::validate::{is_slug, release_type};

/// The content cannot be read, so nothing can be scaffolded: exit 1 like `check` (every
/// other failure of `new` is a usage or I/O error: exit 2).
#[derive(Debug)]
pub struct ContentProblems(pub String);

impl std::fmt::Display for ContentProblems {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ContentProblems {}

/// Loads the portal at `dir` (without git: scaffolding fetches nothing); scaffolding needs
/// valid config to fill in.
fn portal(dir: &Path) -> Result<Content> {
    let prepared = load_and_validate(dir, None);
    match prepared.content {
        Some(content) => Ok(content),
        None => {
            let problems: Vec<String> = prepared
                .diagnostics
                .sorted()
                .iter()
                .map(ToString::to_string)
                .collect();
            Err(ContentProblems(format!(
                "cannot read the portal in {}:\n{}",
                dir.display(),
                problems.join("\n")
            ))
            .into())
        }
    }
}

fn write_new(path: &Path, text: &str) -> Result<()> {
    if path.exists() {
        bail!("{} already exists; not overwriting it", path.display());
    }
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}

/// Options of `shipboard new release`.
pub struct NewRelease<'a> {
    pub system: &'a str,
    pub version: &'a str,
    /// `YYYY-MM-DD HH:MM` local time; default: a week from today at 20:00.
    pub start: Option<&'a str>,
    pub kind: &'a str,
}

/// Writes `releases/<system>-<version>.md`; returns its path.
pub fn release(dir: &Path, options: &NewRelease) -> Result<PathBuf> {
    let content = portal(dir)?;
    let Some(system) = content.system(options.system) else {
        let known: Vec<&str> = content.systems.iter().map(|s| s.id.as_str()).collect();
        bail!(
            "unknown system \"{}\"; the portal has: {}",
            options.system,
            known.join(", ")
        );
    };
    let version =
        semver::Version::parse(options.version.trim_start_matches('v')).with_context(|| {
            format!(
                "\"{}\" is not a SemVer version (write e.g. 2.4.0)",
                options.version
            )
        })?;
    if content
        .releases
        .iter()
        .any(|r| r.system == system.id && r.version == version)
    {
        bail!("{} {version} already has a release file", system.id);
    }
    let start = match options.start {
        Some(text) => text.to_owned(),
        None => {
            let day = build_time()
                .with_timezone(&content.portal.timezone)
                .date_naive()
                + Duration::days(7);
            format!("{} 20:00", day.format("%Y-%m-%d"))
        }
    };
    let tz = content.portal.timezone;
    let start_at = crate::calendar::time::parse_datetime(&start, tz)
        .map_err(|err| anyhow::anyhow!("--date: {err}; {}", err.help()))?;
    let end_at = start_at + Duration::hours(1);
    let end = end_at.with_timezone(&tz).format("%Y-%m-%d %H:%M");
    let Some(kind) = release_type(options.kind) else {
        bail!(
            "\"{}\" is not a release type: use major, minor, patch or emergency",
            options.kind
        );
    };
    refuse_freezes(&content, kind, Span::new(start_at, end_at))?;
    let checklist = checklist_for(&content, kind, options.kind)
        .map(|id| format!("checklist: {id}\n"))
        .unwrap_or_default();
    let text = format!(
        "---\nsystem: {system}\nversion: {version}\ntype: {kind}\nstatus: planned\ntitle: {RELEASE_TITLE}\nwindow:\n  start: {start}\n  end: {end}\nowner: {owner}\npeople: {{}}\napprovals: []\ntickets: []\n{checklist}runbooks: [{rollback}]\nrollout: canary\n---\n## Summary\n\n{RELEASE_SUMMARY}\n\n## Risks\n\n- \n\n## Verification\n\n1. \n",
        system = system.id,
        kind = options.kind,
        owner = system.owner,
        rollback = system.rollback_runbook,
    );
    let path = dir
        .join("releases")
        .join(format!("{}-{version}.md", system.id));
    write_new(&path, &text)?;
    Ok(path)
}

/// The checklist a new release of `kind` gets: `checklists_by_type` in portal.yaml, else a
/// template named after the type (`emergency`), else none (the author picks one). Never
/// simply the first template: that put the emergency checklist on every release.
fn checklist_for(content: &Content, kind: ReleaseType, name: &str) -> Option<String> {
    if let Some(id) = content.portal.checklists_by_type.get(&kind) {
        return Some(id.clone());
    }
    content
        .checklists
        .iter()
        .find(|c| c.id == name)
        .map(|c| c.id.clone())
}

/// A window inside a freeze is refused with the reason, unless the release is an emergency
/// (which then needs a recorded approval, as `check` says).
fn refuse_freezes(content: &Content, kind: ReleaseType, window: Span) -> Result<()> {
    if kind == ReleaseType::Emergency {
        return Ok(());
    }
    let zone = content.portal.timezone;
    for freeze in &content.portal.freezes {
        if windows::occurrences(&freeze.schedule, zone, window).is_empty() {
            continue;
        }
        let reason = freeze
            .reason
            .as_deref()
            .map(|r| format!(" ({r})"))
            .unwrap_or_default();
        bail!(
            "the window {} ({}) falls in the freeze \"{}\"{reason}, {}; pick a --date outside it, or --type emergency if it cannot wait (it then needs a recorded approval)",
            time::format_range(window.start, window.end, zone),
            zone.name(),
            freeze.name,
            windows::describe(&freeze.schedule, zone),
        );
    }
    Ok(())
}

/// Writes `runbooks/<slug>.md`; returns its path.
pub fn runbook(dir: &Path, slug: &str, system: Option<&str>, kind: &str) -> Result<PathBuf> {
    if !is_slug(slug) {
        bail!("\"{slug}\" is not a valid slug: use lowercase letters, digits and '-' (e.g. payments-rollback)");
    }
    if slug == crate::model::RUNBOOKS_BY_SYSTEM {
        bail!("\"{slug}\" is the name of the runbook index's pages per system (/runbooks/{slug}/): pick another slug, e.g. {slug}-runbook");
    }
    if !["deploy", "rollback", "hotfix", "verification", "other"].contains(&kind) {
        bail!(
            "\"{kind}\" is not a runbook kind: use deploy, rollback, hotfix, verification or other"
        );
    }
    let content = portal(dir)?;
    let owner = match system {
        Some(id) => match content.system(id) {
            Some(system) => system.owner.clone(),
            None => bail!("unknown system \"{id}\""),
        },
        None => match content.people.first() {
            Some(person) => person.id.clone(),
            None => bail!("contacts.yaml lists no people to own the runbook"),
        },
    };
    let system_line = system.map(|s| format!("system: {s}\n")).unwrap_or_default();
    let text = format!(
        "---\ntitle: {RUNBOOK_TITLE}\nkind: {kind}\n{system_line}owner: {owner}\nsummary: {RUNBOOK_SUMMARY}\n---\n## When to use it\n\n- \n\n## Steps\n\n1. \n\n## Verify\n\n1. \n\n## If it does not work\n\nNot clear within 30 seconds: escalate (the ladder is on this page).\n"
    );
    let path = dir.join("runbooks").join(format!("{slug}.md"));
    write_new(&path, &text)?;
    Ok(path)
}

/// Creates a new content repo in `dir` that builds and checks without errors (its system
/// has no `repo:` yet, which `check` warns about), or refuses before writing anything.
pub fn init(dir: &Path, title: &str) -> Result<Vec<PathBuf>> {
    if dir.join("portal.yaml").exists() {
        bail!("{} already has a portal.yaml", dir.display());
    }
    let tz = "UTC";
    let now = build_time();
    let next = (now + Duration::days(7)).date_naive();
    let time = NaiveTime::from_hms_opt(20, 0, 0).unwrap_or_default();
    let start = next.and_time(time);
    let end = start + Duration::hours(1);
    let title_yaml = serde_json::to_string(title)?;
    let files: Vec<(&str, String)> = vec![
        ("portal.yaml", format!("title: {title_yaml}\nbase_url: https://releases.example.com/\ntimezone: {tz}\ndescription: What ships when, who owns it, and how to roll it back.\nsystems:\n  - id: api\n    name: API\n    owner: alex\n    rollback_runbook: api-rollback\n    escalation: api\n    tag_pattern: \"v{{version}}\"\nfreezes: []\nchecklists_by_type: {{major: standard, minor: standard, patch: standard, emergency: standard}}\napproval_policy:\n  major: [product-owner]\n  emergency: [\"tech-lead\"]\n")),
        ("contacts.yaml", "people:\n  - id: alex\n    name: Alex Doe\n    title: API owner\n    email: alex@example.com\n    phone: \"+1 555 0100\"\n  - id: sam\n    name: Sam Roe\n    title: Site reliability engineer\nroles:\n  - id: system-owner\n    name: System owner\n    stages: {verify: needed, deploy: needed, monitor: needed, failed_deploy: needed}\n  - id: developer\n    name: Developer\n    stages: {verify: needed, deploy: needed, monitor: needed}\n  - id: sre\n    name: SRE\n    stages: {verify: if the owner lacks confidence, deploy: if the owner lacks confidence, failed_deploy: needed}\n  - id: product-owner\n    name: Product owner\n  - id: tech-lead\n    name: Tech lead\nladders:\n  - id: api\n    name: API escalation\n    steps:\n      - person: alex\n        within: 30s\n        how: Call by phone.\n      - person: sam\n        within: 15m\n".to_owned()),
        ("checklists/standard.yaml", "title: Standard rollout\ndescription: For every release.\nphases:\n  - id: verify\n    title: Verify\n    items:\n      - id: reviewed\n        text: The owner has reviewed every change going out.\n        owner: system-owner\n  - id: deploy\n    title: Deploy\n    items:\n      - id: canary\n        text: Canary healthy for 15 minutes.\n        owner: developer\n  - id: monitor\n    title: Monitor\n    items:\n      - id: watch\n        text: Error rate and latency watched for 30 minutes after release.\n        owner: developer\n".to_owned()),
        ("runbooks/api-rollback.md", "---\ntitle: Roll back the API\nkind: rollback\nsystem: api\nowner: alex\nsummary: Return the API to the previous release.\n---\n## When to roll back\n\nError rate above normal and the cause is not clear within 30 seconds.\n\n## Steps\n\n1. Redeploy the previous tag.\n2. Confirm the error rate falls.\n".to_owned()),
        ("releases/api-1.0.0.md", format!("---\nsystem: api\nversion: 1.0.0\ntype: minor\nstatus: planned\ntitle: First release\nwindow:\n  start: {}\n  end: {}\nowner: alex\npeople:\n  developer: [sam]\nchecklist: standard\nrollout: canary\n---\nThe first release planned in this portal.\n", start.format("%Y-%m-%d %H:%M"), end.format("%Y-%m-%d %H:%M"))),
        (".gitignore", "/public\n/.shipboard\n".to_owned()),
    ];
    // Every file is checked before any is written: a refusal leaves the folder as it was,
    // not half a portal that the next `init` refuses for its portal.yaml.
    let taken: Vec<String> = files
        .iter()
        .map(|(name, _)| dir.join(name))
        .filter(|path| path.exists())
        .map(|path| path.display().to_string())
        .collect();
    if !taken.is_empty() {
        bail!(
            "{} already exist{}; not overwriting, and nothing was written (move {} aside, or init another folder)",
            taken.join(", "),
            if taken.len() == 1 { "s" } else { "" },
            if taken.len() == 1 { "it" } else { "them" }
        );
    }
    let mut written = Vec::new();
    for (name, text) in files {
        let path = dir.join(name);
        write_new(&path, &text)?;
        written.push(path);
    }
    Ok(written)
}
