//! Keep a Changelog Markdown for one system, from its `Facts`: what `shipboard changelog
//! <system> [--from TAG] [--to TAG]` prints, so a team can commit a `CHANGELOG.md`.
//!
//! Pure formatting of already-read history; commit text is escaped for Markdown. It never
//! reads git and never writes files.

use std::fmt::Write;

use semver::Version;
use thiserror::Error;

use super::conventional::GROUPS;
use super::facts::{Changelog, CommitInfo, Facts, SystemHistory};

/// Why a changelog could not be produced.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum ChangelogError {
    /// The system id is not defined in portal.yaml.
    #[error("unknown system \"{system}\": check the id against portal.yaml (systems: {known})")]
    UnknownSystem { system: String, known: String },
    /// The system's repository could not be read (the build/check output says why).
    #[error("the git history of system \"{system}\" could not be read from {repo}: run `shipboard check` to see why")]
    NoHistory { system: String, repo: String },
    /// `--from` or `--to` names no release tag of the system.
    #[error(
        "\"{given}\" is not a release tag of {system}: give a tag name or version, e.g. {example}"
    )]
    UnknownTag {
        system: String,
        given: String,
        example: String,
    },
    /// `--from` is a newer version than `--to`.
    #[error("--from {from} is not older than --to {to}: --from is exclusive (the changelog starts after it); swap them or pick an older --from")]
    ReversedRange { from: String, to: String },
}

/// Keep a Changelog Markdown for `system`: releases after `from` (exclusive, like git's
/// `from..to`) up to `to` (inclusive), given as tag names or versions, newest first, plus
/// "Unreleased" when `to` is not given.
pub fn changelog_markdown(
    facts: &Facts,
    system: &str,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<String, ChangelogError> {
    let history = facts
        .system(system)
        .ok_or_else(|| ChangelogError::UnknownSystem {
            system: system.to_owned(),
            known: facts.systems.keys().cloned().collect::<Vec<_>>().join(", "),
        })?;
    if !history.available {
        return Err(ChangelogError::NoHistory {
            system: system.to_owned(),
            repo: history.repo.clone(),
        });
    }
    let low = from.map(|f| find_version(history, f)).transpose()?;
    let high = to.map(|t| find_version(history, t)).transpose()?;
    if let (Some(low), Some(high)) = (&low, &high) {
        if low >= high {
            return Err(ChangelogError::ReversedRange {
                from: low.to_string(),
                to: high.to_string(),
            });
        }
    }
    let mut out = String::from("# Changelog\n\n");
    let _ = writeln!(
        out,
        "All notable changes to {} are documented in this file, newest first.\n\nThe format is based on [Keep a Changelog](https://keepachangelog.com/en/1.1.0/),\nand this project adheres to [Semantic Versioning](https://semver.org/spec/v2.0.0.html).",
        escape(&history.name)
    );
    let mut links = Vec::new();
    if high.is_none() {
        section(&mut out, &history.unreleased, &mut links);
    }
    let selected = history.changelogs.iter().filter(|c| {
        let Some(v) = c.version.as_deref().and_then(|v| Version::parse(v).ok()) else {
            return false;
        };
        low.as_ref().is_none_or(|l| &v > l) && high.as_ref().is_none_or(|h| &v <= h)
    });
    for changelog in selected {
        section(&mut out, changelog, &mut links);
    }
    if !links.is_empty() {
        out.push('\n');
        for link in links {
            out.push_str(&link);
            out.push('\n');
        }
    }
    Ok(out)
}

fn find_version(history: &SystemHistory, given: &str) -> Result<Version, ChangelogError> {
    history
        .tags
        .iter()
        .find(|t| t.name == given || t.version == given)
        .map(|t| t.semver.clone())
        .ok_or_else(|| ChangelogError::UnknownTag {
            system: history.system.clone(),
            given: given.to_owned(),
            example: history
                .tags
                .first()
                .map(|t| t.name.clone())
                .unwrap_or_else(|| history.tag_pattern.replace("{version}", "1.0.0")),
        })
}

fn section(out: &mut String, changelog: &Changelog, links: &mut Vec<String>) {
    let _ = write!(out, "\n## [{}]", changelog.title);
    if let Some(date) = &changelog.date {
        let _ = write!(out, " - {date}");
    }
    out.push('\n');
    if let Some(url) = &changelog.compare_url {
        links.push(format!("[{}]: {url}", changelog.title));
    }
    if let Some(highlights) = &changelog.highlights {
        out.push('\n');
        for line in highlights.lines() {
            let _ = writeln!(out, "{}", escape(line).trim_end());
        }
    }
    if changelog.partial {
        out.push_str("\n_History is partial (shallow clone): some commits may be missing._\n");
    }
    for group in &changelog.groups {
        let title = match group.key.as_str() {
            "feat" => "Added",
            "fix" => "Fixed",
            _ => GROUPS
                .iter()
                .find(|(k, _)| *k == group.key)
                .map_or(group.title.as_str(), |(_, t)| t),
        };
        let _ = writeln!(out, "\n### {title}\n");
        for commit in &group.commits {
            entry(out, commit);
        }
    }
}

fn entry(out: &mut String, commit: &CommitInfo) {
    out.push_str("- ");
    if let Some(scope) = &commit.scope {
        let _ = write!(out, "**{}:** ", escape(scope));
    }
    for span in &commit.spans {
        match &span.url {
            Some(url) => {
                let _ = write!(out, "[{}]({url})", escape(&span.text));
            }
            None => out.push_str(&escape(&span.text)),
        }
    }
    match &commit.url {
        Some(url) => {
            let _ = write!(out, " ([{}]({url}))", commit.short_sha);
        }
        None => {
            let _ = write!(out, " ({})", commit.short_sha);
        }
    }
    out.push('\n');
    if let Some(note) = &commit.breaking_note {
        let _ = writeln!(out, "  - BREAKING CHANGE: {}", escape(note));
    }
}

/// Escapes characters that Markdown would read as markup (backticks are kept: commit
/// messages use them for code on purpose).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markdown() {
        assert_eq!(escape("a *b* [c] <d> `e`"), "a \\*b\\* \\[c\\] \\<d\\> `e`");
    }

    #[test]
    fn unknown_system_is_an_error_naming_the_known_ones() {
        let facts = Facts::default();
        let err = changelog_markdown(&facts, "nope", None, None).unwrap_err();
        assert!(err.to_string().contains("unknown system \"nope\""));
    }
}
