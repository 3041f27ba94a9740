//! Links: every internal link and anchor written in release notes and runbooks must point
//! at a page (and heading) the portal really has.
//!
//! It runs on the site model's list of pages and the list of files the build writes besides
//! them (static files, feeds), so it can never disagree with what `build` writes. External
//! links (`https:`, `mailto:`) are not fetched: builds stay offline.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use rayon::prelude::*;

use crate::content::Content;
use crate::diagnostics::{Diagnostic, SourceRef};
use crate::markdown::{self, WrittenLink};

/// A document whose links are checked, and the page it becomes.
struct Document<'a> {
    page: String,
    body: &'a str,
    /// Its headings and links, if loading read them.
    outline: Option<&'a Arc<markdown::Outline>>,
    source: &'a SourceRef,
    body_line: u32,
}

/// The site as links see it: page paths such as `runbooks/x/` (`index.html`-less
/// directories, as the model has them) and the other files the build writes
/// (`calendar.ics`, `files/plan.pdf` from the content's `static/`).
pub struct SiteFiles<'a> {
    pub pages: &'a BTreeSet<String>,
    pub files: &'a BTreeSet<String>,
}

/// The headings and links of every release note and runbook. Loading read them with the
/// parse that checked each document's nesting; a document built without loading (tools,
/// tests) is parsed here, in parallel.
pub struct Outlines<'a> {
    documents: Vec<Document<'a>>,
    outlines: Vec<Arc<markdown::Outline>>,
}

impl<'a> Outlines<'a> {
    /// Reads the outline of every release and runbook of `content`, in parallel.
    pub fn read(content: &'a Content) -> Outlines<'a> {
        let documents: Vec<Document> = content
            .releases
            .iter()
            .map(|r| Document {
                page: format!("releases/{}/{}/", r.system, r.version),
                body: &r.notes,
                outline: r.outline.as_ref(),
                source: &r.source,
                body_line: r.notes_line,
            })
            .chain(content.runbooks.iter().map(|r| Document {
                page: format!("runbooks/{}/", r.slug),
                body: &r.body,
                outline: r.outline.as_ref(),
                source: &r.source,
                body_line: r.body_line,
            }))
            .collect();
        let outlines = documents
            .par_iter()
            .map(|d| match d.outline {
                Some(outline) => Arc::clone(outline),
                None => Arc::new(markdown::outline(d.body)),
            })
            .collect();
        Outlines {
            documents,
            outlines,
        }
    }

    /// Checks every link read against the pages and files of the site.
    pub fn check(&self, site: &SiteFiles) -> Vec<Diagnostic> {
        let Outlines {
            documents,
            outlines,
        } = self;
        let anchors: BTreeMap<&str, BTreeSet<&str>> = documents
            .iter()
            .zip(outlines)
            .map(|(d, o)| {
                (
                    d.page.as_str(),
                    o.headings.iter().map(|h| h.id.as_str()).collect(),
                )
            })
            .collect();
        let mut problems = Vec::new();
        for (document, outline) in documents.iter().zip(outlines) {
            for link in &outline.links {
                if let Some(problem) = check_link(document, link, site, &anchors) {
                    problems.push(problem);
                }
            }
        }
        problems
    }
}

/// Checks the links of every release and runbook against the pages and files of the site.
pub fn check_links(content: &Content, site: &SiteFiles) -> Vec<Diagnostic> {
    Outlines::read(content).check(site)
}

fn check_link(
    document: &Document,
    link: &WrittenLink,
    site: &SiteFiles,
    anchors: &BTreeMap<&str, BTreeSet<&str>>,
) -> Option<Diagnostic> {
    let destination = link.destination.trim();
    if destination.is_empty() || is_external(destination) {
        return None;
    }
    let at = SourceRef::new(&document.source.file, document.body_line + link.line - 1, 0);
    let (path, fragment) = match destination.split_once('#') {
        Some((path, fragment)) => (path, Some(fragment)),
        None => (destination, None),
    };
    let path = path.split('?').next().unwrap_or("");
    let target = if path.is_empty() {
        Some(document.page.clone())
    } else {
        resolve(&document.page, path)
    };
    let Some(target) = target else {
        return Some(broken(at, destination, suggestion(path)));
    };
    if site.files.contains(&target) {
        return None;
    }
    if !site.pages.contains(&target) {
        // A link to a Markdown file is almost always meant for the page it becomes.
        if is_file_like(&target) && !target.ends_with(".md") {
            return Some(missing_file(at, destination, &target));
        }
        return Some(broken(at, destination, suggestion(path)));
    }
    let known = anchors.get(target.as_str())?;
    match fragment {
        Some(fragment) if !fragment.is_empty() && !known.contains(fragment) => {
            let list: Vec<&str> = known.iter().copied().collect();
            let help = if list.is_empty() {
                "the page has no headings to link to".to_owned()
            } else {
                format!("headings there: #{}", list.join(", #"))
            };
            Some(
                Diagnostic::error(
                    at,
                    Some("link"),
                    format!("link to \"{destination}\": no heading #{fragment} on that page"),
                )
                .with_help(help),
            )
        }
        _ => None,
    }
}

fn broken(at: SourceRef, destination: &str, help: String) -> Diagnostic {
    Diagnostic::error(
        at,
        Some("link"),
        format!("broken link \"{destination}\": the portal has no such page"),
    )
    .with_help(help)
}

fn missing_file(at: SourceRef, destination: &str, target: &str) -> Diagnostic {
    Diagnostic::error(
        at,
        Some("link"),
        format!("link to \"{destination}\": the portal has no such file"),
    )
    .with_help(format!(
        "put the file in the content repo's static/ folder as static/{target} (it is published as /{target}), or fix the path; the build also writes /calendar.ics, /calendar/<system>.ics, /calendar/oncall-<rotation>.ics, /releases.atom and /sitemap.xml"
    ))
}

fn is_external(destination: &str) -> bool {
    destination.starts_with("//")
        || destination.split_once(':').is_some_and(|(scheme, _)| {
            !scheme.is_empty()
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
        })
}

/// A file rather than a page: the last part of the path has an extension with a letter in
/// it (`plan.pdf`, `calendar.ics`), which a version (`2.4.0`, `1.0.0-rc.1`) never has.
fn is_file_like(target: &str) -> bool {
    let name = target.rsplit('/').next().unwrap_or(target);
    name.rsplit_once('.').is_some_and(|(stem, extension)| {
        !stem.is_empty()
            && extension.chars().all(|c| c.is_ascii_alphanumeric())
            && extension.chars().any(|c| c.is_ascii_alphabetic())
    })
}

/// Resolves `path` written on the page at `page` (both site-relative) to a page path:
/// `/runbooks/x` -> `runbooks/x/`, `../x/` from `runbooks/y/` -> `runbooks/x/`.
fn resolve(page: &str, path: &str) -> Option<String> {
    let mut parts: Vec<&str> = if path.starts_with('/') {
        Vec::new()
    } else {
        page.split('/').filter(|p| !p.is_empty()).collect()
    };
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    let joined = joined
        .strip_suffix("index.html")
        .unwrap_or(&joined)
        .trim_end_matches('/')
        .to_owned();
    if joined.is_empty() {
        return Some(String::new());
    }
    if is_file_like(&joined) || joined.ends_with(".html") {
        Some(joined)
    } else {
        Some(format!("{joined}/"))
    }
}

/// Authors often link to the Markdown file instead of the page.
fn suggestion(path: &str) -> String {
    let name = path.rsplit('/').find(|p| !p.is_empty()).unwrap_or(path);
    match name.strip_suffix(".md") {
        Some(stem) if path.contains("runbooks") || !path.contains("releases") => format!("link to the page, not the file: /runbooks/{stem}/"),
        _ => "write site paths like /runbooks/<slug>/, /releases/<system>/<version>/ or /systems/<id>/".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_absolute_and_relative_paths() {
        assert_eq!(
            resolve("runbooks/a/", "/runbooks/b/").as_deref(),
            Some("runbooks/b/")
        );
        assert_eq!(
            resolve("runbooks/a/", "/runbooks/b").as_deref(),
            Some("runbooks/b/")
        );
        assert_eq!(
            resolve("runbooks/a/", "../b/").as_deref(),
            Some("runbooks/b/")
        );
        assert_eq!(
            resolve("releases/x/1.0.0/", "../../../systems/x/").as_deref(),
            Some("systems/x/")
        );
        assert_eq!(resolve("runbooks/a/", "/").as_deref(), Some(""));
        assert_eq!(
            resolve("runbooks/a/", "/calendar.ics").as_deref(),
            Some("calendar.ics")
        );
        assert_eq!(resolve("a/", "../../../x"), None);
    }

    #[test]
    fn external_links_are_not_checked() {
        for url in [
            "https://x.org",
            "mailto:a@b.c",
            "tel:+49",
            "//cdn.example/x",
        ] {
            assert!(is_external(url), "{url}");
        }
        assert!(!is_external("/runbooks/a/"));
        assert!(!is_external("../a/"));
    }

    #[test]
    fn files_are_told_from_pages_by_their_extension() {
        for file in [
            "files/plan.pdf",
            "calendar.ics",
            "img/flow.PNG",
            "a/b.tar.gz",
        ] {
            assert!(is_file_like(file), "{file}");
        }
        for page in [
            "releases/x/2.4.0",
            "releases/x/1.0.0-rc.1",
            "runbooks/a",
            ".hidden",
        ] {
            assert!(!is_file_like(page), "{page}");
        }
    }

    #[test]
    fn markdown_file_links_get_a_suggestion() {
        assert_eq!(
            suggestion("payments-rollback.md"),
            "link to the page, not the file: /runbooks/payments-rollback/"
        );
    }
}
