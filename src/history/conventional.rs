//! Conventional Commits: split a commit message into type, scope, breaking flag and
//! description, and say which changelog group it belongs to.
//!
//! Parsing is forgiving: a message that is not a Conventional Commit is kept whole and
//! lands in "Other". This module works on strings only; it never touches git or links.

/// Changelog groups in display order: `(key, title)`. Breaking changes come first whatever
/// their type; everything unrecognised is "Other".
pub const GROUPS: [(&str, &str); 14] = [
    ("breaking", "Breaking changes"),
    ("feat", "Features"),
    ("fix", "Fixes"),
    ("security", "Security"),
    ("perf", "Performance"),
    ("revert", "Reverts"),
    ("refactor", "Refactoring"),
    ("docs", "Documentation"),
    ("test", "Tests"),
    ("build", "Build"),
    ("ci", "Continuous integration"),
    ("style", "Style"),
    ("chore", "Chores"),
    ("other", "Other"),
];

/// One commit message, understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    /// Normalised type (`feat`, `fix`, ...) when the subject is a Conventional Commit header.
    pub kind: Option<String>,
    pub scope: Option<String>,
    /// `!` after the type/scope, or a `BREAKING CHANGE:` footer.
    pub breaking: bool,
    /// The subject without the `type(scope)!: ` header.
    pub description: String,
    /// The text of the `BREAKING CHANGE:` footer, if any.
    pub breaking_note: Option<String>,
}

/// Parses a subject line and the rest of the message.
pub fn parse(subject: &str, body: &str) -> Parsed {
    parse_with_note(subject, breaking_footer(body))
}

/// Parses a subject line whose body's `BREAKING CHANGE:` footer was already extracted
/// (see `breaking_footer`).
pub fn parse_with_note(subject: &str, breaking_note: Option<String>) -> Parsed {
    let subject = subject.trim();
    if let Some(reverted) = subject
        .strip_prefix("Revert \"")
        .and_then(|s| s.strip_suffix('"'))
    {
        return Parsed {
            kind: Some("revert".to_owned()),
            scope: None,
            breaking: breaking_note.is_some(),
            description: reverted.to_owned(),
            breaking_note,
        };
    }
    match header(subject) {
        Some((kind, scope, bang, description)) => Parsed {
            kind: Some(normalise(&kind)),
            scope,
            breaking: bang || breaking_note.is_some(),
            description: description.to_owned(),
            breaking_note,
        },
        None => Parsed {
            kind: None,
            scope: None,
            breaking: breaking_note.is_some(),
            description: subject.to_owned(),
            breaking_note,
        },
    }
}

/// `type(scope)!: description` -> parts; `None` when the subject is not such a header.
fn header(subject: &str) -> Option<(String, Option<String>, bool, &str)> {
    let colon = subject.find(": ")?;
    let (head, description) = (&subject[..colon], subject[colon + 2..].trim());
    if description.is_empty() {
        return None;
    }
    let (head, bang) = match head.strip_suffix('!') {
        Some(rest) => (rest, true),
        None => (head, false),
    };
    let (kind, scope) = match head.split_once('(') {
        Some((kind, rest)) => {
            let scope = rest.strip_suffix(')')?.trim();
            if scope.is_empty() || scope.contains(['(', ')']) {
                return None;
            }
            (kind, Some(scope.to_owned()))
        }
        None => (head, None),
    };
    let valid = kind.len() <= 20
        && kind.starts_with(|c: char| c.is_ascii_alphabetic())
        && kind
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    valid.then(|| (kind.to_owned(), scope, bang, description))
}

fn normalise(kind: &str) -> String {
    let lower = kind.to_ascii_lowercase();
    let canonical = match lower.as_str() {
        "feature" | "features" | "add" => "feat",
        "bug" | "bugfix" | "hotfix" | "fixes" => "fix",
        "doc" => "docs",
        "tests" => "test",
        "performance" => "perf",
        "sec" => "security",
        "refactoring" => "refactor",
        other => other,
    };
    canonical.to_owned()
}

/// The `BREAKING CHANGE:` (or `BREAKING-CHANGE:`) footer's text, up to the next footer
/// token or blank line.
pub fn breaking_footer(body: &str) -> Option<String> {
    let mut lines = body.lines();
    while let Some(line) = lines.next() {
        let Some(rest) = line
            .strip_prefix("BREAKING CHANGE:")
            .or_else(|| line.strip_prefix("BREAKING-CHANGE:"))
        else {
            continue;
        };
        let mut note = rest.trim().to_owned();
        for next in lines.by_ref() {
            if next.trim().is_empty() || is_footer_token(next) {
                break;
            }
            if !note.is_empty() {
                note.push(' ');
            }
            note.push_str(next.trim());
        }
        return Some(note);
    }
    None
}

/// `Refs: X`, `Reviewed-by: Y`, `Closes #12`: a git trailer starts a new footer.
fn is_footer_token(line: &str) -> bool {
    let token_end = line.find(": ").or_else(|| line.find(" #"));
    match token_end {
        Some(end) => {
            let token = &line[..end];
            !token.is_empty()
                && token
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == ' ')
                && (token == "BREAKING CHANGE" || !token.contains(' '))
        }
        None => false,
    }
}

/// Index into `GROUPS` for a commit.
pub fn group_index(kind: Option<&str>, breaking: bool) -> usize {
    if breaking {
        return 0;
    }
    let key = kind.unwrap_or("other");
    GROUPS
        .iter()
        .position(|(k, _)| *k == key)
        .unwrap_or(GROUPS.len() - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_type_scope_and_description() {
        let p = parse("feat(refunds): partial refunds from the admin", "");
        assert_eq!(p.kind.as_deref(), Some("feat"));
        assert_eq!(p.scope.as_deref(), Some("refunds"));
        assert!(!p.breaking);
        assert_eq!(p.description, "partial refunds from the admin");
        assert_eq!(GROUPS[group_index(p.kind.as_deref(), p.breaking)].0, "feat");
    }

    #[test]
    fn bang_and_footer_mark_breaking_changes() {
        let p = parse("refactor(api)!: drop v1 endpoints", "");
        assert!(p.breaking);
        assert_eq!(group_index(p.kind.as_deref(), p.breaking), 0);

        let body = "Details.\n\nBREAKING CHANGE: the `amount` field is now in minor\nunits (cents).\nRefs: PAY-456\n";
        let p = parse("feat: amounts in minor units", body);
        assert!(p.breaking);
        assert_eq!(
            p.breaking_note.as_deref(),
            Some("the `amount` field is now in minor units (cents).")
        );
        let p = parse("fix: x", "BREAKING-CHANGE: y");
        assert_eq!(p.breaking_note.as_deref(), Some("y"));
    }

    #[test]
    fn other_messages_are_kept_whole() {
        for subject in [
            "Update README",
            "fix(: nope",
            "feat():x",
            "feat: ",
            "Merge branch 'main'",
        ] {
            let p = parse(subject, "");
            assert_eq!(p.kind, None, "{subject}");
            assert_eq!(p.description, subject.trim());
            assert_eq!(GROUPS[group_index(None, false)].0, "other");
        }
    }

    #[test]
    fn normalises_common_type_spellings_and_unknown_types_go_to_other() {
        assert_eq!(parse("Feature: x", "").kind.as_deref(), Some("feat"));
        assert_eq!(parse("bugfix(ui): x", "").kind.as_deref(), Some("fix"));
        let p = parse("wip: x", "");
        assert_eq!(p.kind.as_deref(), Some("wip"));
        assert_eq!(GROUPS[group_index(p.kind.as_deref(), false)].0, "other");
    }

    #[test]
    fn git_revert_messages_are_reverts() {
        let p = parse("Revert \"feat: wallets\"", "This reverts commit abc.");
        assert_eq!(p.kind.as_deref(), Some("revert"));
        assert_eq!(p.description, "feat: wallets");
    }
}
