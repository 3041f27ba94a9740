//! Diagnostics: one problem in the content, pinned to a file, line, column and field.
//!
//! Every stage reports through this type so that `build`, `check` and `serve` print the
//! same messages. A diagnostic always says how to fix the problem (`help`) when there is a
//! fix worth saying. This module only formats; it never decides what is wrong.

use std::borrow::Cow;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// How bad a problem is: errors stop a build, warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// Where a value came from: a file relative to the content dir, 1-based line and column.
/// Line 0 means "the whole file" (for example an unreadable file).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
pub struct SourceRef {
    pub file: PathBuf,
    pub line: u32,
    pub column: u32,
}

impl SourceRef {
    pub fn new(file: impl Into<PathBuf>, line: u32, column: u32) -> Self {
        SourceRef {
            file: file.into(),
            line,
            column,
        }
    }

    /// A reference to a whole file, for problems that have no better position.
    pub fn file(file: impl Into<PathBuf>) -> Self {
        SourceRef::new(file, 0, 0)
    }
}

impl fmt::Display for SourceRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let file = display_path(&self.file);
        let file = printable(&file);
        match (self.line, self.column) {
            (0, _) => write!(f, "{file}"),
            (line, 0) => write!(f, "{file}:{line}"),
            (line, column) => write!(f, "{file}:{line}:{column}"),
        }
    }
}

/// Paths print with forward slashes on every platform, as authors see them in a PR. Only
/// Windows separates with `\\`; elsewhere a backslash is part of a file name
/// (`runbooks/a\\b.md`) and is printed as it is.
pub fn display_path(path: &Path) -> String {
    let text = path.to_string_lossy();
    if cfg!(windows) {
        text.replace('\\', "/")
    } else {
        text.into_owned()
    }
}

/// `text` with every character that would act on a terminal or hide from a reader written
/// as `\u{..}`: control characters (escape sequences could clear the screen or set the
/// window title), zero-width and bidirectional formatting characters (they hide or reorder
/// text) and noncharacters. Line breaks and tabs stay, for messages of several lines.
/// Every diagnostic is printed through this, since messages quote content and file names.
pub fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(hidden) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if hidden(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Whether `printable` escapes `c`.
fn hidden(c: char) -> bool {
    let code = c as u32;
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(
            c,
            '\u{61c}'
                | '\u{180e}'
                // Zero-width space and the bidi marks; not ZWNJ/ZWJ (U+200C, U+200D),
                // which Persian, Indic names and emoji sequences need.
                | '\u{200b}'
                | '\u{200e}'..='\u{200f}'
                | '\u{2028}'..='\u{202e}'
                | '\u{2060}'..='\u{2069}'
                | '\u{feff}'
        )
        || (0xfdd0..=0xfdef).contains(&code)
        || code & 0xfffe == 0xfffe
}

/// One problem found in the content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    #[serde(flatten)]
    pub at: SourceRef,
    /// The field the problem is about (`window.start`, `system`), when there is one.
    pub field: Option<String>,
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn error(at: SourceRef, field: Option<&str>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            at,
            field: field.map(str::to_owned),
            message: message.into(),
            help: None,
        }
    }

    pub fn warning(at: SourceRef, field: Option<&str>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(at, field, message)
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// A copy whose text (field, message, help) is safe to print: see `printable`.
    pub fn printable(&self) -> Diagnostic {
        let shown = |text: &str| printable(text).into_owned();
        Diagnostic {
            severity: self.severity,
            at: self.at.clone(),
            field: self.field.as_deref().map(shown),
            message: shown(&self.message),
            help: self.help.as_deref().map(shown),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = self.printable();
        let level = match shown.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{}: {level}", shown.at)?;
        if let Some(field) = &shown.field {
            write!(f, "[{field}]")?;
        }
        write!(f, ": {}", shown.message)?;
        if let Some(help) = &shown.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

/// All problems of one run, in a stable order (file, line, column) so output is deterministic.
#[derive(Debug, Default, Clone)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.items.push(diagnostic);
    }

    pub fn extend(&mut self, other: impl IntoIterator<Item = Diagnostic>) {
        self.items.extend(other);
    }

    pub fn has_errors(&self) -> bool {
        self.items.iter().any(Diagnostic::is_error)
    }

    pub fn error_count(&self) -> usize {
        self.items.iter().filter(|d| d.is_error()).count()
    }

    pub fn warning_count(&self) -> usize {
        self.items.len() - self.error_count()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The diagnostics sorted by file, position, then message; duplicates removed.
    pub fn sorted(&self) -> Vec<Diagnostic> {
        let mut items = self.items.clone();
        items.sort_by(|a, b| {
            (&a.at, a.severity, &a.field, &a.message)
                .cmp(&(&b.at, b.severity, &b.field, &b.message))
        });
        items.dedup();
        items
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printing_escapes_terminal_and_invisible_characters_once_for_every_field() {
        let d = Diagnostic::error(
            SourceRef::new("runbooks/a\u{200b}b\u{202e}.md", 2, 3),
            Some("owner\u{7}"),
            "pri\u{1b}[2J\u{1b}]0;PWNED\u{7}ya, \u{fffe}",
        )
        .with_help("line one\nline two\r");
        assert_eq!(
            d.to_string(),
            "runbooks/a\\u{200b}b\\u{202e}.md:2:3: error[owner\\u{7}]: pri\\u{1b}[2J\\u{1b}]0;PWNED\\u{7}ya, \\u{fffe}\n  help: line one\nline two\\u{d}"
        );
        assert!(matches!(printable("plain text, ünïcode"), Cow::Borrowed(_)));
        // Joiners that names and emoji need are printed as they are.
        for kept in ["a\u{200c}b", "👩\u{200d}💻"] {
            assert!(matches!(printable(kept), Cow::Borrowed(_)), "{kept}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_backslash_in_a_unix_file_name_is_not_a_folder() {
        assert_eq!(
            display_path(Path::new("runbooks/a\\b.md")),
            "runbooks/a\\b.md"
        );
    }

    #[test]
    fn formats_file_line_column_field_and_help() {
        let d = Diagnostic::error(
            SourceRef::new("releases/a.md", 4, 10),
            Some("version"),
            "\"2.4\" is not a SemVer version",
        )
        .with_help("write MAJOR.MINOR.PATCH, e.g. 2.4.0");
        assert_eq!(
            d.to_string(),
            "releases/a.md:4:10: error[version]: \"2.4\" is not a SemVer version\n  help: write MAJOR.MINOR.PATCH, e.g. 2.4.0"
        );
    }

    #[test]
    fn whole_file_references_print_only_the_path() {
        let d = Diagnostic::warning(SourceRef::file("portal.yaml"), None, "x");
        assert_eq!(d.to_string(), "portal.yaml: warning: x");
    }

    #[test]
    fn sorted_orders_by_position_and_drops_duplicates() {
        let mut all = Diagnostics::default();
        let late = Diagnostic::error(SourceRef::new("b.md", 9, 1), None, "late");
        let early = Diagnostic::error(SourceRef::new("a.md", 2, 1), None, "early");
        all.push(late.clone());
        all.push(early.clone());
        all.push(late.clone());
        assert_eq!(all.sorted(), vec![early, late]);
    }
}
