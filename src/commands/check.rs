//! `shipboard check`: every validation of a build, without writing a site.
//!
//! Output formats: `human` (grouped by file, coloured on a terminal), `json` (one array,
//! for tools) and `github` (workflow commands, so problems show inline in a pull request).
//! Exit code: 0 clean (or only warnings), 1 errors (or warnings with `--deny-warnings`).
//!
//! Like `build`, it renders every page with the theme's templates (in memory, writing
//! nothing), so a template with a syntax error, a missing variable or a runaway loop fails
//! `check` as it fails `build`.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::sync::Arc;

use serde::Serialize;

use super::build::{prepare, render_and_discard};
use crate::diagnostics::{display_path, printable, Diagnostic, Diagnostics, Severity};
use crate::render::{OnStall, RenderError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
    Github,
}

/// What `check` found.
pub struct CheckReport {
    pub diagnostics: Vec<Diagnostic>,
    pub errors: usize,
    pub warnings: usize,
    pub files_checked: usize,
    /// What loading noticed (the parse cache), for `--verbose`.
    pub notes: Vec<String>,
}

impl CheckReport {
    pub fn failed(&self, deny_warnings: bool) -> bool {
        self.errors > 0 || (deny_warnings && self.warnings > 0)
    }
}

/// Runs every check on the content repo at `root`.
pub fn run(root: &Path) -> CheckReport {
    run_watched(root, None)
}

/// Called with the report when a page's template runs away where tera cannot stop it; the
/// render cannot finish, so it is expected to print the report and end the process.
pub type OnStallReport = Arc<dyn Fn(CheckReport) + Send + Sync>;

/// `run`, with `on_stall` getting the report (the problems so far and the runaway page).
pub fn run_watched(root: &Path, on_stall: Option<OnStallReport>) -> CheckReport {
    let mut prepared = prepare(root, None);
    let files_checked = prepared.content.as_ref().map_or(0, |c| {
        let plan = c.plan.system_versions.len() + c.plan.trains.len();
        c.releases.len() + c.runbooks.len() + c.checklists.len() + plan + 2
    });
    let on_stall = on_stall.map(|report_to| {
        let known = prepared.diagnostics.clone();
        Arc::new(move |err: RenderError| {
            let mut diagnostics = known.clone();
            diagnostics.push(err.to_diagnostic());
            report_to(report(&diagnostics, files_checked));
        }) as OnStall
    });
    let rendered = {
        let _timing = crate::timings::stage("render");
        render_and_discard(&prepared, on_stall)
    };
    if let Some(Err(err)) = rendered {
        prepared.diagnostics.push(err.to_diagnostic());
    }
    CheckReport {
        notes: std::mem::take(&mut prepared.notes),
        ..report(&prepared.diagnostics, files_checked)
    }
}

fn report(diagnostics: &Diagnostics, files_checked: usize) -> CheckReport {
    CheckReport {
        errors: diagnostics.error_count(),
        warnings: diagnostics.warning_count(),
        diagnostics: diagnostics.sorted(),
        files_checked,
        notes: Vec::new(),
    }
}

/// Writes the report; paths are shown relative to where the command runs (`dir` + file),
/// so editors and CI annotations find the files.
pub fn print(
    report: &CheckReport,
    dir: &Path,
    format: Format,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let shown = |d: &Diagnostic| {
        printable(&display_path(&dir.join(&d.at.file)))
            .trim_start_matches("./")
            .to_owned()
    };
    // What reaches a terminal or a CI log has control and invisible characters escaped.
    let escaped;
    let report = match format {
        Format::Json => report,
        Format::Human | Format::Github => {
            escaped = CheckReport {
                diagnostics: report
                    .diagnostics
                    .iter()
                    .map(Diagnostic::printable)
                    .collect(),
                errors: report.errors,
                warnings: report.warnings,
                files_checked: report.files_checked,
                notes: Vec::new(),
            };
            &escaped
        }
    };
    match format {
        Format::Human => human(report, &shown, out),
        Format::Json => {
            let items: Vec<JsonDiagnostic> = report
                .diagnostics
                .iter()
                .map(|d| JsonDiagnostic {
                    file: shown(d),
                    line: d.at.line,
                    column: d.at.column,
                    severity: d.severity,
                    field: d.field.as_deref(),
                    message: &d.message,
                    help: d.help.as_deref(),
                })
                .collect();
            let json = serde_json::to_string_pretty(&items).map_err(std::io::Error::other)?;
            writeln!(out, "{json}")
        }
        Format::Github => {
            for d in &report.diagnostics {
                let level = if d.severity == Severity::Error {
                    "error"
                } else {
                    "warning"
                };
                let mut message = d.message.clone();
                if let Some(help) = &d.help {
                    message = format!("{message}\nhelp: {help}");
                }
                let title = d
                    .field
                    .as_deref()
                    .map(|f| format!(",title={}", escape_property(f)))
                    .unwrap_or_default();
                let position = match (d.at.line, d.at.column) {
                    (0, _) => String::new(),
                    (line, 0) => format!(",line={line}"),
                    (line, col) => format!(",line={line},col={col}"),
                };
                writeln!(
                    out,
                    "::{level} file={}{position}{title}::{}",
                    escape_property(&shown(d)),
                    escape_data(&message)
                )?;
            }
            Ok(())
        }
    }
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    /// Path as given on the command line plus the file inside the content dir.
    file: String,
    line: u32,
    column: u32,
    severity: Severity,
    field: Option<&'a str>,
    message: &'a str,
    help: Option<&'a str>,
}

fn human(
    report: &CheckReport,
    shown: &dyn Fn(&Diagnostic) -> String,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let colour = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let paint = |code: &str, text: &str| {
        if colour {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    };
    let mut current_file = None;
    for d in &report.diagnostics {
        let file = shown(d);
        if current_file.as_ref() != Some(&file) {
            writeln!(out, "{}", paint("1", &file))?;
            current_file = Some(file.clone());
        }
        let position = match (d.at.line, d.at.column) {
            (0, _) => file.clone(),
            (line, 0) => format!("{file}:{line}"),
            (line, col) => format!("{file}:{line}:{col}"),
        };
        let level = match d.severity {
            Severity::Error => paint("1;31", "error"),
            Severity::Warning => paint("1;33", "warning"),
        };
        let field = d
            .field
            .as_deref()
            .map(|f| format!("[{f}]"))
            .unwrap_or_default();
        writeln!(out, "  {position}: {level}{field}: {}", d.message)?;
        if let Some(help) = &d.help {
            writeln!(out, "    {} {help}", paint("36", "help:"))?;
        }
    }
    let summary = format!(
        "checked {} files: {} error(s), {} warning(s)",
        report.files_checked, report.errors, report.warnings
    );
    writeln!(
        out,
        "{}",
        if report.errors > 0 {
            paint("1;31", &summary)
        } else {
            paint("1;32", &summary)
        }
    )
}

/// GitHub workflow command escaping (message part).
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// GitHub workflow command escaping (property part).
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::SourceRef;

    fn report() -> CheckReport {
        let d = Diagnostic::error(
            SourceRef::new("releases/a.md", 3, 9),
            Some("version"),
            "bad: 50%, really",
        )
        .with_help("fix it");
        CheckReport {
            diagnostics: vec![d],
            errors: 1,
            warnings: 0,
            files_checked: 1,
            notes: Vec::new(),
        }
    }

    #[test]
    fn github_annotations_escape_and_carry_position() {
        let mut out = Vec::new();
        print(&report(), Path::new("content"), Format::Github, &mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "::error file=content/releases/a.md,line=3,col=9,title=version::bad: 50%25, really%0Ahelp: fix it\n");
    }

    #[test]
    fn json_is_an_array_with_file_and_position() {
        let mut out = Vec::new();
        print(&report(), Path::new("."), Format::Json, &mut out).unwrap();
        let value: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(value[0]["file"], "releases/a.md");
        assert_eq!(value[0]["line"], 3);
        assert_eq!(value[0]["severity"], "error");
        assert_eq!(value[0]["field"], "version");
    }

    #[test]
    fn human_output_groups_by_file() {
        let mut out = Vec::new();
        print(&report(), Path::new("content"), Format::Human, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("content/releases/a.md\n  content/releases/a.md:3:9: error[version]: bad: 50%, really\n    help: fix it\n"), "{text}");
    }
}
