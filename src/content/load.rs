//! Load: read every file of a content repo into raw, spanned structs.
//!
//! This is the only stage that reads content files. It splits Markdown front matter from the
//! body, parses YAML strictly, and turns every read or parse failure into a diagnostic with
//! file, line, column and field. It keeps going after a broken file so one run reports all
//! of them. It does not check meaning (references, dates, versions): see `validate`.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use serde::de::DeserializeOwned;

use super::raw::{
    RawChecklist, RawContacts, RawPortal, RawRelease, RawRunbook, RawSystemVersion, RawTrain,
};
use super::remembered::{Memory, Parse, Rememberable};
use super::yaml_hints;
use crate::diagnostics::{Diagnostic, Diagnostics, SourceRef};
use crate::markdown::{self, MAX_DOCUMENT_BYTES, MAX_NESTING};

/// The largest YAML or `.ics` file, in bytes: 8 MiB, far beyond a portal.yaml with
/// thousands of freezes or a year of a public holiday calendar. The YAML parser has its own
/// budgets (depth, events, aliases); this bounds the memory spent before it starts.
pub const MAX_DATA_FILE_BYTES: u64 = 8 * 1024 * 1024;

/// A YAML file and its parsed content.
#[derive(Debug)]
pub struct YamlFile<T> {
    /// Path relative to the content dir.
    pub path: PathBuf,
    pub data: T,
    /// Warnings about the text (values cut by ` #`), reported by `load`.
    pub warnings: Vec<Diagnostic>,
}

/// A Markdown file with YAML front matter.
#[derive(Debug)]
pub struct MarkdownFile<T> {
    /// Path relative to the content dir.
    pub path: PathBuf,
    /// The file stem: the slug of runbooks and the id of checklists.
    pub stem: String,
    pub front: T,
    /// Added to a front matter span's line to get the line in the file.
    pub front_line_offset: u32,
    pub body: String,
    /// 1-based line where the Markdown body starts.
    pub body_line: u32,
    /// The body's headings and links, read by the same parse that checked its nesting.
    pub outline: Arc<markdown::Outline>,
    /// Warnings about the front matter's text (values cut by ` #`), reported by `load`.
    pub warnings: Vec<Diagnostic>,
}

/// Everything read from a content repo, before validation.
#[derive(Debug, Default)]
pub struct RawContent {
    pub root: PathBuf,
    pub portal: Option<YamlFile<RawPortal>>,
    pub contacts: Option<YamlFile<RawContacts>>,
    pub releases: Vec<MarkdownFile<RawRelease>>,
    pub runbooks: Vec<MarkdownFile<RawRunbook>>,
    /// Checklist templates; the id is the file stem.
    pub checklists: Vec<(String, YamlFile<RawChecklist>)>,
    /// `system-versions/*.yaml`, one manifest each.
    pub system_versions: Vec<YamlFile<RawSystemVersion>>,
    /// `trains/*.yaml`; the id is the file stem.
    pub trains: Vec<(String, YamlFile<RawTrain>)>,
    /// Files that exist but could not be read or parsed (already reported). Validation
    /// treats what they define as known, so one broken file does not cascade into
    /// "unknown ..." errors everywhere else.
    pub unreadable: Vec<PathBuf>,
    /// External calendars named by portal.yaml `import_freezes`, read as text.
    pub calendars: Vec<ImportedCalendar>,
}

/// An `.ics` file whose events become freezes.
#[derive(Debug)]
pub struct ImportedCalendar {
    /// Relative to the content dir, as written in portal.yaml.
    pub path: PathBuf,
    pub text: String,
}

/// Reads the content repo at `root`. Problems are appended to `diagnostics`; whatever could
/// be read is returned so validation can report its own problems in the same run.
/// The error of a content directory that is not there (`build`, `check` and `serve` say
/// the same).
pub fn missing_root(root: &Path) -> Diagnostic {
    Diagnostic::error(SourceRef::file(root), None, "content directory not found").with_help(
        "pass the folder that holds portal.yaml, or create one with `shipboard init DIR`",
    )
}

pub fn load(root: &Path, diagnostics: &mut Diagnostics) -> RawContent {
    let mut content = RawContent {
        root: root.to_path_buf(),
        ..RawContent::default()
    };
    if !root.is_dir() {
        diagnostics.push(missing_root(root));
        return content;
    }
    let mut problems = Diagnostics::default();
    content.portal = load_yaml_file(root, Path::new("portal.yaml"), true, &mut problems);
    content.contacts = load_yaml_file(root, Path::new("contacts.yaml"), false, &mut problems);
    if content.contacts.as_ref().is_some_and(|c| c.data.is_empty()) {
        // Reported once here; listed as unreadable below, so the references to people and
        // roles it should define are not each reported as unknown.
        content.contacts = None;
        problems.push(
            Diagnostic::error(SourceRef::new("contacts.yaml", 1, 1), None, "no people, roles, ladders or rotations here: the file is empty or lists none")
                .with_help("add `people:` (and the `roles:` releases and checklists name), or copy contacts.yaml from `shipboard init`"),
        );
    }

    if let Some(portal) = &content.portal {
        content.calendars = load_calendars(root, &portal.data, &mut problems);
    }
    let (releases, failed) = load_markdown_dir::<RawRelease>(root, "releases");
    content.releases = releases;
    problems.extend(failed);
    let (runbooks, failed) = load_markdown_dir::<RawRunbook>(root, "runbooks");
    content.runbooks = runbooks;
    problems.extend(failed);

    for path in list_files(root, "checklists", &["yaml", "yml"], &mut problems) {
        let stem = file_stem(&path);
        if let Some(file) = load_yaml_file(root, &path, true, &mut problems) {
            content.checklists.push((stem, file));
        }
    }
    for path in list_files(root, "system-versions", &["yaml", "yml"], &mut problems) {
        if let Some(file) = load_yaml_file(root, &path, true, &mut problems) {
            content.system_versions.push(file);
        }
    }
    for path in list_files(root, "trains", &["yaml", "yml"], &mut problems) {
        let stem = file_stem(&path);
        if let Some(file) = load_yaml_file(root, &path, true, &mut problems) {
            content.trains.push((stem, file));
        }
    }
    content.unreadable = problems.sorted().into_iter().map(|d| d.at.file).collect();
    diagnostics.extend(problems);
    diagnostics.extend(take_warnings(&mut content));
    content
}

/// The text warnings every loaded file carries, moved out for reporting.
fn take_warnings(content: &mut RawContent) -> Vec<Diagnostic> {
    let mut warnings = Vec::new();
    for file in content.portal.iter_mut() {
        warnings.append(&mut file.warnings);
    }
    for file in content.contacts.iter_mut() {
        warnings.append(&mut file.warnings);
    }
    for (_, file) in &mut content.checklists {
        warnings.append(&mut file.warnings);
    }
    for file in &mut content.system_versions {
        warnings.append(&mut file.warnings);
    }
    for (_, file) in &mut content.trains {
        warnings.append(&mut file.warnings);
    }
    for file in &mut content.releases {
        warnings.append(&mut file.warnings);
    }
    for file in &mut content.runbooks {
        warnings.append(&mut file.warnings);
    }
    warnings
}

/// A warning for each value a ` #` cut short, with the text YAML dropped and the fix.
fn cut_value_warnings(yaml: &str, path: &Path, line_offset: u32) -> Vec<Diagnostic> {
    yaml_hints::cut_values(yaml)
        .into_iter()
        .map(|cut| {
            let subject = match &cut.key {
                Some(key) => format!("the value of `{key}`"),
                None => "this list item".to_owned(),
            };
            let whole = format!("{} {}", cut.kept, cut.dropped);
            let quoted = whole.replace('\\', "\\\\").replace('"', "\\\"");
            let fixed = match &cut.key {
                Some(key) => format!("{key}: \"{quoted}\""),
                None => format!("- \"{quoted}\""),
            };
            Diagnostic::warning(
                SourceRef::new(path, cut.line + line_offset, cut.column),
                cut.key.as_deref(),
                format!(
                    "{subject} ends before `{}`: YAML reads ` #` as the start of a comment, so the value is \"{}\"",
                    cut.dropped, cut.kept
                ),
            )
            .with_help(format!("put the whole value in quotes: {fixed}"))
        })
        .collect()
}

/// Reads the `.ics` files portal.yaml imports; they must lie inside the content dir.
fn load_calendars(
    root: &Path,
    portal: &RawPortal,
    problems: &mut Diagnostics,
) -> Vec<ImportedCalendar> {
    let mut calendars = Vec::new();
    for entry in &portal.import_freezes {
        let path = PathBuf::from(entry.value.trim());
        let at = SourceRef::new(
            "portal.yaml",
            entry.referenced.line() as u32,
            entry.referenced.column() as u32,
        );
        let inside = !entry.value.trim().is_empty()
            && path
                .components()
                .all(|c| matches!(c, std::path::Component::Normal(_)));
        if !inside {
            problems.push(Diagnostic::error(at, Some("import_freezes"), format!("\"{}\" is not a path inside the content directory", entry.value)).with_help("write a relative path such as calendars/holidays.ics and keep the file in the content repo"));
            continue;
        }
        if let Some(link) = linked_part(root, &path) {
            problems.push(symbolic_link_error(&link, "file"));
            continue;
        }
        if !root.join(&path).is_file() {
            problems.push(
                Diagnostic::error(
                    at,
                    Some("import_freezes"),
                    format!("calendar file {} not found", path.display()),
                )
                .with_help("add the .ics file to the content repo, or remove the entry"),
            );
            continue;
        }
        match read_text(root, &path, MAX_DATA_FILE_BYTES) {
            Ok(text) => calendars.push(ImportedCalendar { path, text }),
            Err(problem) => problems.push(problem),
        }
    }
    calendars
}

/// The first part of `relative` (a path below `root`) that is a symbolic link, relative to
/// `root`. Links are never followed: a linked folder or file could publish files from
/// anywhere on the machine that builds the portal.
pub fn linked_part(root: &Path, relative: &Path) -> Option<PathBuf> {
    let mut part = PathBuf::new();
    for component in relative.components() {
        part.push(component);
        match fs::symlink_metadata(root.join(&part)) {
            Ok(meta) if meta.file_type().is_symlink() => return Some(part),
            Ok(_) => {}
            Err(_) => return None,
        }
    }
    None
}

/// The error for a content folder or file (`what`) that is a symbolic link.
pub fn symbolic_link_error(link: &Path, what: &str) -> Diagnostic {
    Diagnostic::error(
        SourceRef::file(link),
        None,
        format!("this {what} is a symbolic link; Shipboard does not follow links in the content repo (they could publish files from elsewhere)"),
    )
    .with_help(format!("replace the link with the {what} itself"))
}

/// The warning for a symbolic link found inside a content folder: it is skipped.
pub fn skipped_link_warning(link: &Path) -> Diagnostic {
    Diagnostic::warning(SourceRef::file(link), None, "symbolic link skipped").with_help(
        "content files must be real files inside the content repo (links could publish files from elsewhere)",
    )
}

fn file_stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Files with one of `extensions` below `root/dir`, relative to `root`, sorted.
/// Hidden files and files starting with `_` are skipped (drafts, editor files).
fn list_files(
    root: &Path,
    dir: &str,
    extensions: &[&str],
    diagnostics: &mut Diagnostics,
) -> Vec<PathBuf> {
    if let Some(link) = linked_part(root, Path::new(dir)) {
        diagnostics.push(symbolic_link_error(&link, "folder"));
        return Vec::new();
    }
    let base = root.join(dir);
    if !base.is_dir() {
        return Vec::new();
    }
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(&base)
        .follow_root_links(false)
        .sort_by_file_name()
    {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                let path = err.path().unwrap_or(&base);
                let rel = path.strip_prefix(root).unwrap_or(path);
                diagnostics.push(Diagnostic::error(
                    SourceRef::file(rel),
                    None,
                    format!("cannot read: {err}"),
                ));
                continue;
            }
        };
        let name = entry.file_name().to_string_lossy();
        if entry.path_is_symlink() {
            if let Ok(rel) = entry.path().strip_prefix(root) {
                diagnostics.push(skipped_link_warning(rel));
            }
            continue;
        }
        let wanted = entry.file_type().is_file()
            && !name.starts_with('.')
            && !name.starts_with('_')
            && entry
                .path()
                .extension()
                .and_then(|ext| ext.to_str())
                // `.MD` from an editor on a case-insensitive disk is Markdown all the same.
                .is_some_and(|ext| extensions.iter().any(|e| ext.eq_ignore_ascii_case(e)));
        if wanted {
            if let Ok(rel) = entry.path().strip_prefix(root) {
                files.push(rel.to_path_buf());
            }
        }
    }
    files
}

fn load_markdown_dir<T: DeserializeOwned + Rememberable>(
    root: &Path,
    dir: &str,
) -> (Vec<MarkdownFile<T>>, Vec<Diagnostic>) {
    let mut diagnostics = Diagnostics::default();
    let paths = list_files(root, dir, &["md", "markdown"], &mut diagnostics);
    let results: Vec<Result<MarkdownFile<T>, Diagnostic>> = paths
        .par_iter()
        .map(|path| load_markdown_file(root, path))
        .collect();
    if let Some(memory) = Memory::<T>::if_on() {
        let used = paths.iter().map(|path| root.join(path)).collect();
        memory.keep_only(&root.join(dir), &used);
    }
    let mut files = Vec::with_capacity(results.len());
    for result in results {
        match result {
            Ok(file) => files.push(file),
            Err(problem) => diagnostics.push(problem),
        }
    }
    (files, diagnostics.into_iter().collect())
}

fn load_markdown_file<T: DeserializeOwned + Rememberable>(
    root: &Path,
    path: &Path,
) -> Result<MarkdownFile<T>, Diagnostic> {
    let text = read_text(root, path, MAX_DOCUMENT_BYTES)?;
    let split = split_front_matter(&text).ok_or_else(|| no_front_matter(&text, path))?;
    let parse = match Memory::<T>::if_on() {
        Some(memory) => {
            let full = root.join(path);
            let digest = blake3::hash(text.as_bytes());
            match memory.recall(&full, &digest) {
                Some(parse) => parse,
                None => {
                    let parse = parse_markdown_file(path, &split)?;
                    memory.remember(full, digest, parse.clone());
                    parse
                }
            }
        }
        None => parse_markdown_file(path, &split)?,
    };
    Ok(MarkdownFile {
        path: path.to_path_buf(),
        stem: file_stem(path),
        front: parse.front,
        front_line_offset: split.yaml_line - 1,
        body: split.body.to_owned(),
        body_line: split.body_line,
        outline: parse.outline,
        warnings: parse.warnings,
    })
}

/// The parse of a Markdown file's whole text, as a load makes it (for tests of what is
/// made of parses).
#[cfg(test)]
pub(crate) fn parse_markdown_text<T: DeserializeOwned>(
    path: &Path,
    text: &str,
) -> Result<Parse<T>, Diagnostic> {
    let split = split_front_matter(text).ok_or_else(|| no_front_matter(text, path))?;
    parse_markdown_file(path, &split)
}

/// The front matter, the body's outline (checking its nesting) and the warnings about the
/// text of the Markdown file at `path`.
fn parse_markdown_file<T: DeserializeOwned>(
    path: &Path,
    split: &FrontMatter,
) -> Result<Parse<T>, Diagnostic> {
    let front = parse_yaml(split.yaml, path, split.yaml_line - 1)?;
    let outline = markdown::outline_checked(split.body).map_err(|deep| {
        let at = SourceRef::new(path, split.body_line + deep.line - 1, deep.column);
        Diagnostic::error(at, None, format!("the Markdown nests more than {MAX_NESTING} levels deep here (list items, block quotes, emphasis, links and HTML elements inside one another)"))
            .with_help("flatten the structure: use headings or a table instead of deeper lists, and close HTML elements; the limit keeps builds fast (README, \"Limits\")")
    })?;
    Ok(Parse {
        front,
        outline: Arc::new(outline),
        warnings: cut_value_warnings(split.yaml, path, split.yaml_line - 1),
    })
}

fn load_yaml_file<T: DeserializeOwned>(
    root: &Path,
    path: &Path,
    required: bool,
    diagnostics: &mut Diagnostics,
) -> Option<YamlFile<T>> {
    if let Some(link) = linked_part(root, path) {
        diagnostics.push(symbolic_link_error(&link, "file"));
        return None;
    }
    if !root.join(path).exists() {
        if required {
            diagnostics.push(
                Diagnostic::error(SourceRef::file(path), None, "file not found").with_help(
                    "is this a Shipboard content repo? `shipboard init DIR` creates one",
                ),
            );
        }
        return None;
    }
    let parsed = read_text(root, path, MAX_DATA_FILE_BYTES).and_then(|text| {
        Ok((
            parse_yaml(&text, path, 0)?,
            cut_value_warnings(&text, path, 0),
        ))
    });
    match parsed {
        Ok((data, warnings)) => Some(YamlFile {
            path: path.to_path_buf(),
            data,
            warnings,
        }),
        Err(problem) => {
            diagnostics.push(problem);
            None
        }
    }
}

/// Reads a file as UTF-8, naming the line of the first invalid byte otherwise. A file over
/// `limit` bytes is an error at the line where it crosses the limit; no more than `limit`
/// + 1 bytes are ever read, whatever the file's size.
fn read_text(root: &Path, path: &Path, limit: u64) -> Result<String, Diagnostic> {
    let cannot_read = |err: std::io::Error| {
        Diagnostic::error(
            SourceRef::file(path),
            None,
            format!("cannot read file: {err}"),
        )
    };
    let file = fs::File::open(root.join(path)).map_err(cannot_read)?;
    // Sized from the file's length (capped by the limit), so a file is read in one call
    // and an end-of-file one, not in reads that double from 32 bytes (at 11,000 content
    // files that was 88,000 reads instead of 22,000).
    let expected = file.metadata().map_or(0, |m| m.len().min(limit + 1));
    let mut bytes = Vec::with_capacity(usize::try_from(expected).unwrap_or(0) + 1);
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot_read)?;
    if bytes.len() as u64 > limit {
        return Err(too_large(path, &bytes, limit));
    }
    String::from_utf8(bytes).map_err(|err| {
        let valid = &err.as_bytes()[..err.utf8_error().valid_up_to()];
        let line = valid.iter().filter(|b| **b == b'\n').count() as u32 + 1;
        let column = valid.iter().rev().take_while(|b| **b != b'\n').count() as u32 + 1;
        Diagnostic::error(
            SourceRef::new(path, line, column),
            None,
            "the file is not valid UTF-8",
        )
        .with_help("save the file as UTF-8 (most editors have an \"encoding\" setting)")
    })
}

fn too_large(path: &Path, bytes: &[u8], limit: u64) -> Diagnostic {
    let within = &bytes[..bytes.len().min(limit as usize)];
    let line = within.iter().filter(|b| **b == b'\n').count() as u32 + 1;
    let mib = limit / (1024 * 1024);
    Diagnostic::error(
        SourceRef::new(path, line, 0),
        None,
        format!("the file is larger than {mib} MiB, the limit for this kind of file; it crosses the limit on this line"),
    )
    .with_help("split it into several files, or link to long logs and generated lists instead of pasting them (README, \"Limits\")")
}

struct FrontMatter<'a> {
    yaml: &'a str,
    /// 1-based line of the first YAML line.
    yaml_line: u32,
    body: &'a str,
    body_line: u32,
}

/// Why a Markdown file has no front matter: none at all, or one that is never closed.
fn no_front_matter(text: &str, path: &Path) -> Diagnostic {
    let opened = text
        .strip_prefix('\u{feff}')
        .unwrap_or(text)
        .lines()
        .next()
        .is_some_and(|first| first.trim_end() == "---");
    if opened {
        let lines = text.lines().count() as u32;
        return Diagnostic::error(
            SourceRef::new(path, 1, 1),
            None,
            format!("the front matter opened on line 1 is never closed: no line `---` follows in the file's {lines} lines"),
        )
        .with_help("add a line `---` after the last YAML field, before the Markdown");
    }
    Diagnostic::error(SourceRef::new(path, 1, 1), None, "missing front matter").with_help(
        "start the file with a line `---`, then the YAML fields, then a line `---`, then the Markdown",
    )
}

/// Splits `---\nyaml\n---\nbody`. Accepts a BOM and CRLF line ends.
fn split_front_matter(text: &str) -> Option<FrontMatter<'_>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let rest = text
        .strip_prefix("---\n")
        .or_else(|| text.strip_prefix("---\r\n"))?;
    let mut offset = 0;
    for (line, raw_line) in (2..).zip(rest.split_inclusive('\n')) {
        if raw_line.trim_end_matches(['\r', '\n']) == "---" {
            let body = &rest[offset + raw_line.len()..];
            return Some(FrontMatter {
                yaml: &rest[..offset],
                yaml_line: 2,
                body,
                body_line: line + 1,
            });
        }
        offset += raw_line.len();
    }
    None
}

/// Parses YAML into `T`, turning a failure into a diagnostic at the file's real line.
pub fn parse_yaml<T: DeserializeOwned>(
    yaml: &str,
    path: &Path,
    line_offset: u32,
) -> Result<T, Diagnostic> {
    let mut options = serde_saphyr::Options::default();
    options.with_snippet = false;
    serde_saphyr::from_str_with_options(yaml, options).map_err(|err| {
        let (line, column) = err
            .location()
            .map(|l| (l.line() as u32, l.column() as u32))
            .unwrap_or((1, 1));
        let text = err.to_string();
        // serde reports a missing field where the mapping ends; for a top-level mapping
        // the start of the document is the more useful place, and the field is the one
        // that is missing, not the key written on that line.
        let missing = text
            .strip_prefix("missing field `")
            .and_then(|rest| rest.split('`').next());
        let (line, column) = match missing {
            Some(_) if column <= 1 => (1, 1),
            _ => (line, column),
        };
        let (line, column, message, help) = explained(yaml, line, column, &text);
        // The field on the line the error points at, after `explained` may have moved it
        // (to a tab the parser stumbled over a line later).
        let field = missing
            .map(str::to_owned)
            .or_else(|| field_on_line(yaml, line));
        Diagnostic::error(
            SourceRef::new(path, line + line_offset, column),
            field.as_deref(),
            message,
        )
        .with_help(help)
    })
}

/// The parser's error as an author would want it: a tab in the indentation where there is
/// one, the likely cause of "mapping values are not allowed", and a "did you mean".
fn explained(yaml: &str, line: u32, column: u32, text: &str) -> (u32, u32, String, String) {
    if let Some((tab_line, tab_column)) = yaml_hints::tab_in_indentation(yaml) {
        return (
            tab_line,
            tab_column,
            "a tab in the indentation: YAML indents with spaces only".to_owned(),
            "replace the tab with spaces, as many as the lines around it use".to_owned(),
        );
    }
    if let Some((message, help)) = yaml_hints::explain(yaml, line, text) {
        return (line, column, message, help);
    }
    let message = plain_message(&strip_position_suffix(text));
    let help = match yaml_hints::did_you_mean(text) {
        Some(suggestion) => format!("{suggestion} {}", yaml_help(text)),
        None => yaml_help(text).to_owned(),
    };
    (line, column, message, help)
}

/// The mapping key written on `line` (1-based), if any: authors think in fields.
fn field_on_line(yaml: &str, line: u32) -> Option<String> {
    let text = yaml.lines().nth(line.checked_sub(1)? as usize)?;
    let text = text.trim_start().trim_start_matches("- ").trim_start();
    let (key, _) = text.split_once(':')?;
    let valid = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    valid.then(|| key.to_owned())
}

fn strip_position_suffix(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(index) => message[..index].to_owned(),
        None => message.to_owned(),
    }
}

/// serde's type names mean little to authors: say what is expected instead.
fn plain_message(message: &str) -> String {
    const TYPES: [(&str, &str); 9] = [
        ("invalid u32", "expected a whole number"),
        ("invalid u64", "expected a whole number"),
        ("invalid i64", "expected a whole number"),
        ("invalid bool", "expected true or false"),
        ("expected string scalar", "expected a text value"),
        (
            "expected sequence start",
            "expected a list, e.g. [dana, li], or one `- item` per line",
        ),
        (
            "expected mapping start",
            "expected fields (`name: value` lines) here",
        ),
        (
            "unexpected end of input",
            "no fields here: the YAML is empty or ends too early",
        ),
        (
            "invalid type: sequence, expected a string",
            "expected a text value, found a list",
        ),
    ];
    for (from, to) in TYPES {
        if let Some(rest) = message.strip_prefix(from) {
            return format!("{to}{rest}");
        }
    }
    // The parser's advice to programmers ("set DuplicateKeyPolicy in Options", "use
    // from_str_multiple") means nothing to an author: say what is in the file.
    if let Some(rest) = message.strip_prefix("duplicate mapping key: ") {
        let key = rest.split(',').next().unwrap_or(rest).trim();
        return format!("the field `{key}` is written twice");
    }
    if message.starts_with("multiple YAML documents") {
        return "more than one YAML document: a `---` line inside it starts a second one"
            .to_owned();
    }
    message.to_owned()
}

fn yaml_help(message: &str) -> &'static str {
    if message.contains("unknown field") {
        "remove the field or fix its spelling; the README's \"Content format\" lists every field"
    } else if message.contains("missing field") {
        "add the field; the README's \"Content format\" shows an example"
    } else if message.contains("unknown variant") {
        "use one of the values listed"
    } else if message.contains("duplicate mapping key") {
        "a field is written twice: keep one"
    } else if message.contains("multiple YAML documents") {
        "remove the extra `---` line (a release or runbook's front matter is what stands between its first two `---` lines)"
    } else {
        "check the YAML syntax and the value's type at this position (quote strings that contain `: ` or start with a special character)"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::raw::RawRunbook;

    #[test]
    fn parser_advice_for_programmers_is_said_in_the_authors_terms() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Two {
            kind: Option<String>,
        }
        let path = Path::new("portal.yaml");
        let twice = parse_yaml::<Two>("kind: a\nkind: b\n", path, 0).unwrap_err();
        assert_eq!(twice.message, "the field `kind` is written twice");
        assert_eq!(
            twice.help.as_deref(),
            Some("a field is written twice: keep one")
        );
        let documents = parse_yaml::<Two>("kind: a\n---\nkind: b\n", path, 0).unwrap_err();
        assert!(
            documents.message.starts_with("more than one YAML document"),
            "{documents:?}"
        );
        for diagnostic in [&twice, &documents] {
            let text = format!("{} {:?}", diagnostic.message, diagnostic.help);
            assert!(
                !text.contains("Options") && !text.contains("from_str"),
                "{text}"
            );
        }
    }

    #[test]
    fn splits_front_matter_and_counts_lines() {
        let split = split_front_matter("---\na: 1\nb: 2\n---\nbody\n").unwrap();
        assert_eq!(split.yaml, "a: 1\nb: 2\n");
        assert_eq!(split.yaml_line, 2);
        assert_eq!(split.body, "body\n");
        assert_eq!(split.body_line, 5);
    }

    #[test]
    fn front_matter_with_crlf_and_bom() {
        let split = split_front_matter("\u{feff}---\r\na: 1\r\n---\r\nbody").unwrap();
        assert_eq!(split.yaml, "a: 1\r\n");
        assert_eq!(split.body, "body");
    }

    #[test]
    fn no_front_matter_is_none() {
        assert!(split_front_matter("# Title\n").is_none());
        assert!(split_front_matter("---\na: 1\n").is_none());
    }

    #[test]
    fn yaml_errors_point_at_file_line_and_field() {
        let yaml = "title: T\nkind: rollback\nowner: x\ncolour: red\n";
        let err = parse_yaml::<RawRunbook>(yaml, Path::new("runbooks/a.md"), 1).unwrap_err();
        assert_eq!(err.at, SourceRef::new("runbooks/a.md", 5, 1));
        assert_eq!(err.field.as_deref(), Some("colour"));
        assert!(
            err.message.starts_with("unknown field `colour`"),
            "{}",
            err.message
        );
    }

    #[test]
    fn wrong_enum_value_names_the_field() {
        let yaml = "title: T\nkind: rolback\nowner: x\n";
        let err = parse_yaml::<RawRunbook>(yaml, Path::new("r.md"), 0).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("kind"));
        assert_eq!(err.at.line, 2);
    }

    #[test]
    fn a_file_over_its_limit_is_an_error_at_the_line_crossing_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("a.yaml"), "ab\ncd\nef\n").expect("write");
        let err = read_text(dir.path(), Path::new("a.yaml"), 4).unwrap_err();
        assert_eq!(err.at, SourceRef::new("a.yaml", 2, 0));
        assert!(err.message.contains("larger than"), "{}", err.message);
        assert!(read_text(dir.path(), Path::new("a.yaml"), 9).is_ok());
    }

    #[test]
    fn a_yaml_alias_bomb_is_an_error_not_a_hang() {
        let mut yaml = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..30 {
            let p = i - 1;
            yaml.push_str(&format!("a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"));
        }
        let result = parse_yaml::<serde_json::Value>(&yaml, Path::new("portal.yaml"), 0);
        assert!(result.is_err(), "10^30 nodes must hit the parser's budget");
    }
}
