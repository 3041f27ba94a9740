//! `shipboard changelog`: a system's changelog from git as Keep a Changelog Markdown on
//! stdout, so a team can also commit a `CHANGELOG.md`.

use std::path::Path;

use anyhow::{bail, Result};

use crate::content::load;
use crate::diagnostics::Diagnostics;
use crate::mirrors::{self, Network};
use crate::{history, validate};

/// The Markdown changelog of `system`, optionally limited to the tags after `from` up to
/// `to`.
pub fn run(dir: &Path, system: &str, from: Option<&str>, to: Option<&str>) -> Result<String> {
    let mut diagnostics = Diagnostics::default();
    let raw = load::load(dir, &mut diagnostics);
    let content = validate::validate(&raw, &mut diagnostics);
    let Some(content) = content.filter(|_| !diagnostics.has_errors()) else {
        let problems: Vec<String> = diagnostics
            .sorted()
            .iter()
            .map(ToString::to_string)
            .collect();
        bail!(
            "the content has errors; fix them first (`shipboard check`):\n{}",
            problems.join("\n")
        );
    };
    // A system named by URL is read from its mirror (fetched first unless --offline).
    let (synced, mut problems) = mirrors::sync(dir, &content, Network::from_env());
    let (facts, read_problems) = history::read_mirrored(dir, &content, synced.mirrors);
    problems.extend(read_problems);
    // A corrupt repository would print a changelog that silently lacks commits.
    // The system's problems point at its `id:` line, or at its `repo:` line.
    let places: Vec<_> = content
        .system(system)
        .map(|s| vec![s.source.clone(), s.repo_at()])
        .unwrap_or_default();
    let errors: Vec<String> = problems
        .iter()
        .filter(|d| d.is_error() && places.contains(&d.at))
        .map(ToString::to_string)
        .collect();
    if !errors.is_empty() {
        bail!(
            "the history of {system} cannot be read:\n{}",
            errors.join("\n")
        );
    }
    Ok(history::changelog_markdown(&facts, system, from, to)?)
}
