//! Placeholders: the sentences `shipboard new` writes so a new release or runbook has the
//! right shape (a title "that says what this runbook does", empty steps). They are errors
//! until replaced, so a scaffold can never be published as it is, least of all as the
//! rollback runbook an on-call engineer opens at 3 am. `commands::new` writes these very
//! constants, so the two cannot drift apart.

use std::path::Path;

use serde_saphyr::Spanned;

use super::at;
use crate::content::load::{MarkdownFile, RawContent};
use crate::diagnostics::{Diagnostic, SourceRef};

/// The title `new release` writes.
pub const RELEASE_TITLE: &str = "What users get, in one line";
/// The first sentence of the notes `new release` writes.
pub const RELEASE_SUMMARY: &str = "What changes, for whom, and why.";
/// The title `new runbook` writes.
pub const RUNBOOK_TITLE: &str = "A title that says what this runbook does";
/// The summary `new runbook` writes.
pub const RUNBOOK_SUMMARY: &str = "One sentence on what this does and how long it takes.";

const BODY_SENTENCES: [&str; 2] = [RELEASE_SUMMARY, RUNBOOK_SUMMARY];

/// Every placeholder left in the releases and runbooks of `raw`.
pub fn check(raw: &RawContent) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    for file in &raw.releases {
        let offset = file.front_line_offset;
        if let Some(title) = &file.front.title {
            found.extend(field(&file.path, offset, title, RELEASE_TITLE, "title"));
        }
        found.extend(body(file));
    }
    for file in &raw.runbooks {
        let offset = file.front_line_offset;
        let front = &file.front;
        found.extend(field(
            &file.path,
            offset,
            &front.title,
            RUNBOOK_TITLE,
            "title",
        ));
        if let Some(summary) = &front.summary {
            found.extend(field(
                &file.path,
                offset,
                summary,
                RUNBOOK_SUMMARY,
                "summary",
            ));
        }
        found.extend(body(file));
    }
    found
}

fn field(
    path: &Path,
    offset: u32,
    value: &Spanned<String>,
    placeholder: &str,
    name: &str,
) -> Option<Diagnostic> {
    (value.value.trim() == placeholder).then(|| {
        Diagnostic::error(
            at(path, offset, value),
            Some(name),
            format!("`{name}` is still the placeholder from `shipboard new`: \"{placeholder}\""),
        )
        .with_help(format!(
            "write the real {name}: readers see it on the portal"
        ))
    })
}

/// Placeholder sentences and the empty list items (`- `, `1. `) the scaffolds leave.
fn body<T>(file: &MarkdownFile<T>) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    for (line, text) in (file.body_line..).zip(file.body.lines()) {
        let trimmed = text.trim();
        let where_ = SourceRef::new(&file.path, line, 1);
        if BODY_SENTENCES.contains(&trimmed) {
            found.push(
                Diagnostic::error(
                    where_,
                    None,
                    format!("\"{trimmed}\" is still the placeholder from `shipboard new`"),
                )
                .with_help("replace it with the real text"),
            );
        } else if is_empty_list_item(trimmed) {
            found.push(
                Diagnostic::error(
                    where_,
                    None,
                    "an empty list item (left from `shipboard new`)",
                )
                .with_help("write the step, risk or check it stands for, or delete the line"),
            );
        }
    }
    found
}

fn is_empty_list_item(line: &str) -> bool {
    matches!(line, "-" | "*" | "+")
        || line
            .strip_suffix('.')
            .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_list_items_are_only_bare_markers() {
        for empty in ["-", "*", "+", "1.", "12."] {
            assert!(is_empty_list_item(empty), "{empty}");
        }
        for full in ["- a", "1. Redeploy", "---", "a.", "-x"] {
            assert!(!is_empty_list_item(full), "{full}");
        }
    }
}
