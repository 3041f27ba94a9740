//! Render: format the site model with the theme's tera templates, in parallel.
//!
//! Templates receive plain data only (`site`, `section`, `page_title`, `page`) and cannot
//! do I/O. Autoescaping is on for every template, so text from content is escaped; the
//! only raw HTML inserted (`| safe`) is Markdown output, which went through the sanitizer.
//!
//! Every page renders within a `Budget` (time, output size, memory; see `budget`). A page
//! that cannot be stopped from inside tera (a loop that writes nothing, or a page stopped
//! by the allocator) is reported by a `Watchdog` thread to its `OnStall` callback, which
//! ends the process for `build` and `check`; the watchdog also has the allocator park the
//! runaway thread at its next allocation, so it stops using the CPU in `serve`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rayon::prelude::*;
use tera::{Context, ErrorKind, Tera};
use thiserror::Error;

use crate::budget::{self, Budget, Exceeded, MemoryLimit, PageWriter};
use crate::diagnostics::{Diagnostic, SourceRef};
use crate::model::{Page, PageData, SiteModel};
use crate::theme::Theme;

/// Where in a template a problem is: its file (content-relative, or in the built-in theme)
/// and the 1-based line and column when tera knows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateAt {
    pub template: String,
    pub file: PathBuf,
    pub line: u32,
    pub column: u32,
}

/// A theme that cannot be used, or a page that cannot be rendered.
#[derive(Debug, Error)]
pub enum RenderError {
    /// A template has a syntax error or refers to a missing template.
    #[error("{}: error[template]: template error: {message}\n  help: fix the template (a custom template in templates/ or themes/ overrides the built-in one)", position(.at))]
    Template { at: TemplateAt, message: String },
    /// Rendering one page failed, usually a template using a variable that does not exist.
    #[error("{}: error[template]: cannot render page {page} with template {}: {message}\n  help: fix the template (a custom template in templates/ or themes/ overrides the built-in one)", position(.at), .at.template)]
    Page {
        page: String,
        at: TemplateAt,
        message: String,
    },
    /// A page went over its budget: a runaway template.
    #[error("{}: error[template]: page {page} with template {}: {exceeded}, so it was stopped\n  help: look for loops over large ranges or strings that grow in a loop (`set s = s ~ s`); see README, \"Limits\"", position(.at), .at.template)]
    Budget {
        page: String,
        at: TemplateAt,
        exceeded: Exceeded,
    },
}

fn position(at: &TemplateAt) -> String {
    SourceRef::new(&at.file, at.line, at.column).to_string()
}

impl RenderError {
    /// The problem as a diagnostic, for `check`.
    pub fn to_diagnostic(&self) -> Diagnostic {
        let (at, message) = match self {
            RenderError::Template { at, message } => (at, format!("template error: {message}")),
            RenderError::Page { page, at, message } => (
                at,
                format!(
                    "cannot render page {page} with template {}: {message}",
                    at.template
                ),
            ),
            RenderError::Budget { page, at, exceeded } => (
                at,
                format!(
                    "page {page} with template {}: {exceeded}, so it was stopped",
                    at.template
                ),
            ),
        };
        let text = self.to_string();
        let help = text
            .split_once("\n  help: ")
            .map(|(_, help)| help.to_owned());
        let mut diagnostic = Diagnostic::error(
            SourceRef::new(&at.file, at.line, at.column),
            Some("template"),
            message,
        );
        diagnostic.help = help;
        diagnostic
    }
}

/// Renders one page of the site `Renderer::render_each` goes over.
pub struct PageRender<'r> {
    renderer: &'r Renderer,
    site: &'r tera::Value,
}

impl PageRender<'_> {
    /// The page's HTML; `page` must have its data complete (`SiteModel::resolve`).
    pub fn render(&self, page: &Page) -> Result<String, RenderError> {
        self.renderer.render_with_site(self.site, page)
    }
}

/// Called with a page that overran its budget where tera could not stop it. The render
/// cannot continue: its thread is parked (no CPU) at its next allocation, for good, so
/// the page's `render_each` never returns. `build` and `check` end the process; `serve`
/// shows the error and leaves the parked thread (and the rebuild waiting on it) behind.
pub type OnStall = Arc<dyn Fn(RenderError) + Send + Sync>;

/// The theme's templates, compiled once and shared by all rendering threads.
pub struct Renderer {
    tera: Tera,
    /// Template name -> its file, for errors.
    origins: BTreeMap<String, PathBuf>,
    /// Template name -> its text, to quote what an error points at.
    sources: BTreeMap<String, String>,
    budget: Budget,
    running: Arc<Running>,
    on_stall: Option<OnStall>,
}

impl Renderer {
    pub fn new(theme: &Theme) -> Result<Renderer, RenderError> {
        let origins: BTreeMap<String, PathBuf> = theme
            .templates
            .keys()
            .map(|name| (name.clone(), theme.origin(name)))
            .collect();
        let mut tera = Tera::new();
        tera.autoescape_on(vec![".html", ".xml", ".htm"]);
        tera.add_raw_templates(
            theme
                .templates
                .iter()
                .map(|(name, text)| (name.as_str(), text.as_str())),
        )
        .map_err(|err| {
            let (at, message) = locate(&err, "", &origins, &theme.templates);
            RenderError::Template { at, message }
        })?;
        Ok(Renderer {
            tera,
            origins,
            sources: theme.templates.clone(),
            budget: Budget::PAGE,
            running: Arc::default(),
            on_stall: None,
        })
    }

    /// Renders with `budget` per page instead of `Budget::PAGE`.
    pub fn with_budget(mut self, budget: Budget) -> Renderer {
        self.budget = budget;
        self
    }

    /// Watches every page while it renders and calls `on_stall` with a page that overruns
    /// its time or memory budget where tera cannot stop it. Without this, such a page
    /// hangs its rendering thread (time) or aborts the process (memory), as in `serve`.
    pub fn watched(mut self, on_stall: OnStall) -> Renderer {
        self.on_stall = Some(on_stall);
        self
    }

    /// Goes over every page in parallel, handing each to `each` with a [`PageRender`] that
    /// renders it: the caller completes the page's data, decides whether it needs rendering
    /// (an incremental build keeps unchanged pages) and does what it wants with the HTML, as
    /// soon as it is made, so a build never holds the whole site in memory. Stops at the
    /// first error.
    pub fn render_each<E>(
        &self,
        model: &SiteModel,
        each: &(dyn Fn(&Page, &PageRender<'_>) -> Result<(), E> + Sync),
    ) -> Result<(), E>
    where
        E: From<RenderError> + Send,
    {
        let _watchdog = self.watchdog();
        let Some(first) = model.pages.first() else {
            return Ok(());
        };
        let site = self.template_value(&model.site, first)?;
        let render = PageRender {
            renderer: self,
            site: &site,
        };
        model
            .pages
            .par_iter()
            .try_for_each(|page| each(page, &render))
    }

    fn watchdog(&self) -> Option<Watchdog> {
        self.on_stall.as_ref().map(|on_stall| {
            Watchdog::start(
                Arc::clone(&self.running),
                self.budget,
                self.origins.clone(),
                Arc::clone(on_stall),
            )
        })
    }

    pub fn render_page(&self, model: &SiteModel, page: &Page) -> Result<String, RenderError> {
        let site = self.template_value(&model.site, page)?;
        self.render_with_site(&site, page)
    }

    /// Data as tera holds it. Serializing can only fail for data the model never hands
    /// to a template (a page not yet resolved); that is an error, never a panic.
    fn template_value<T: serde::Serialize>(
        &self,
        data: &T,
        page: &Page,
    ) -> Result<tera::Value, RenderError> {
        tera::Value::try_from_serializable(data).map_err(|err| RenderError::Page {
            page: page.output_file(),
            at: self.template_at(page.template),
            message: format!("its data cannot be passed to the template: {err}"),
        })
    }

    /// Renders `page`; `site` is the site's data, converted once for all pages (tera
    /// shares its maps and lists between clones).
    fn render_with_site(&self, site: &tera::Value, page: &Page) -> Result<String, RenderError> {
        let mut context = Context::new();
        context.insert_value("site", site.clone());
        context.insert("section", &page.section);
        context.insert("page_title", &page.title);
        context.insert("page_path", &page.path);
        context.insert_value("page", self.template_value(&page.data, page)?);
        context.insert("page_live", &page.is_live());
        if let PageData::Calendar(calendar) = &page.data {
            // The calendar templates take these at the top level.
            context.insert("calendar", &calendar.calendar);
            context.insert("month", &calendar.month);
        }
        let started = Instant::now();
        let mut writer = PageWriter::new(&self.budget, started);
        let Some(slot) = self
            .running
            .enter(page.output_file(), page.template, started)
        else {
            // Another page of this render went over its budget: it has failed already.
            return Err(RenderError::Budget {
                page: page.output_file(),
                at: self.template_at(page.template),
                exceeded: Exceeded::Time(self.budget.time),
            });
        };
        let result = {
            let _limit = self
                .on_stall
                .is_some()
                .then(|| MemoryLimit::new(slot, self.budget.memory_bytes));
            self.tera.render_to(page.template, &context, &mut writer)
        };
        self.running.leave(slot);
        match (result, writer.exceeded) {
            (Ok(()), _) => String::from_utf8(writer.html).map_err(|_| RenderError::Page {
                page: page.output_file(),
                at: self.template_at(page.template),
                message: "the output is not valid UTF-8".into(),
            }),
            (Err(_), Some(exceeded)) => Err(RenderError::Budget {
                page: page.output_file(),
                at: self.template_at(page.template),
                exceeded,
            }),
            (Err(err), None) => {
                let (at, message) = locate(&err, page.template, &self.origins, &self.sources);
                Err(RenderError::Page {
                    page: page.output_file(),
                    at,
                    message,
                })
            }
        }
    }

    fn template_at(&self, template: &str) -> TemplateAt {
        TemplateAt {
            template: template.to_owned(),
            file: file_of(template, &self.origins),
            line: 0,
            column: 0,
        }
    }
}

fn file_of(template: &str, origins: &BTreeMap<String, PathBuf>) -> PathBuf {
    origins
        .get(template)
        .cloned()
        .unwrap_or_else(|| Path::new("templates").join(template))
}

/// The template, line and message of a tera error (quoting the template text it points
/// at); `fallback` names the template when the error has no position.
fn locate(
    err: &tera::Error,
    fallback: &str,
    origins: &BTreeMap<String, PathBuf>,
    sources: &BTreeMap<String, String>,
) -> (TemplateAt, String) {
    match err.kind() {
        ErrorKind::SyntaxError(report) | ErrorKind::RenderingError(report) => {
            let template = report.filename().to_owned();
            let span = report.span();
            let quoted = sources
                .get(&template)
                .and_then(|text| text.get(span.range.clone()))
                .filter(|code| !code.trim().is_empty() && code.len() <= 200);
            let message = match quoted {
                Some(code) => format!("{} (`{}`)", report.message(), code.trim()),
                None => report.message().to_owned(),
            };
            let at = TemplateAt {
                file: file_of(&template, origins),
                template,
                line: span.start_line as u32,
                column: span.start_col as u32 + 1,
            };
            (at, message)
        }
        _ => {
            let at = TemplateAt {
                template: fallback.to_owned(),
                file: file_of(fallback, origins),
                line: 0,
                column: 0,
            };
            (at, error_chain(err))
        }
    }
}

/// Tera nests the useful message in its error sources.
fn error_chain(err: &dyn std::error::Error) -> String {
    let mut message = err.to_string();
    let mut source = err.source();
    while let Some(inner) = source {
        message.push_str(": ");
        message.push_str(&inner.to_string());
        source = inner.source();
    }
    message
}

/// The next page's slot. Slots are unique in the process, not per renderer: the memory
/// breach and halt requests (`budget`) are process-wide and name a page by its slot.
static NEXT_SLOT: AtomicUsize = AtomicUsize::new(0);

/// The pages rendering now, by slot: what the watchdog looks at.
#[derive(Default)]
struct Running {
    pages: Mutex<BTreeMap<usize, (String, String, Instant)>>,
    /// A page of this render went over its budget: no page starts any more (in `serve`,
    /// a runaway in a shared template would otherwise catch every worker in turn).
    stalled: AtomicBool,
}

/// A page over its budget: slot, page, template and the limit it crossed.
type Overrun = (usize, String, String, Exceeded);

impl Running {
    /// Registers a page starting now; `None` once the render has stalled.
    fn enter(&self, page: String, template: &str, started: Instant) -> Option<usize> {
        if self.stalled.load(Ordering::SeqCst) {
            return None;
        }
        let slot = NEXT_SLOT.fetch_add(1, Ordering::Relaxed);
        let mut pages = self.pages.lock().unwrap_or_else(PoisonError::into_inner);
        pages.insert(slot, (page, template.to_owned(), started));
        Some(slot)
    }

    fn leave(&self, slot: usize) {
        let mut pages = self.pages.lock().unwrap_or_else(PoisonError::into_inner);
        pages.remove(&slot);
        drop(pages);
        // A halt asked for after the page's last allocation: withdrawn, after the page is
        // gone from `pages`, so the watchdog cannot ask again for this slot.
        budget::release_halt(slot);
    }

    /// Every page over its budget not in `seen` yet (which it joins): the page stopped for
    /// memory (parked already), and pages over their time, each asked to halt while it is
    /// still known to run (under the lock `leave` takes, so no request outlives its page).
    fn overruns(&self, budget: &Budget, seen: &mut BTreeSet<usize>) -> Vec<Overrun> {
        let pages = self.pages.lock().unwrap_or_else(PoisonError::into_inner);
        let mut found = Vec::new();
        if let Some(slot) = budget::memory_breach() {
            if let Some((page, template, _)) = pages.get(&slot) {
                if seen.insert(slot) {
                    let exceeded = Exceeded::Memory(budget.memory_bytes);
                    found.push((slot, page.clone(), template.clone(), exceeded));
                }
            }
        }
        // The writer stops a page that writes past the deadline; a grace period lets it.
        let limit = budget.time + Duration::from_secs(1);
        for (slot, (page, template, started)) in pages.iter() {
            if started.elapsed() > limit && seen.insert(*slot) {
                budget::halt(*slot);
                let exceeded = Exceeded::Time(budget.time);
                found.push((*slot, page.clone(), template.clone(), exceeded));
            }
        }
        if !found.is_empty() {
            self.stalled.store(true, Ordering::SeqCst);
        }
        found
    }
}

/// A thread that checks the running pages ten times a second until dropped.
struct Watchdog {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Watchdog {
    fn start(
        running: Arc<Running>,
        budget: Budget,
        origins: BTreeMap<String, PathBuf>,
        on_stall: OnStall,
    ) -> Watchdog {
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            // Every page that overruns is halted, not only the first: the first is
            // reported (the render has failed), the others only stopped.
            let mut seen = BTreeSet::new();
            let mut reported = false;
            while !stopped.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(100));
                let overruns = running.overruns(&budget, &mut seen);
                if let Some((_, page, template, exceeded)) = overruns.into_iter().next() {
                    if !reported {
                        reported = true;
                        let at = TemplateAt {
                            file: file_of(&template, &origins),
                            template,
                            line: 0,
                            column: 0,
                        };
                        on_stall(RenderError::Budget { page, at, exceeded });
                    }
                }
            }
        });
        Watchdog {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_syntax_error_names_the_overriding_file_line_and_column() {
        let mut theme = Theme::builtin();
        theme
            .templates
            .insert("404.html".into(), "ok\n  {{ 1 + }}".into());
        theme.origins.insert(
            "404.html".into(),
            PathBuf::from("themes/dark/templates/404.html"),
        );
        let Err(err) = Renderer::new(&theme) else {
            panic!("the template has a syntax error");
        };
        let diagnostic = err.to_diagnostic();
        assert_eq!(
            diagnostic.at,
            SourceRef::new("themes/dark/templates/404.html", 2, 10)
        );
        assert_eq!(diagnostic.field.as_deref(), Some("template"));
        assert!(
            diagnostic.message.starts_with("template error: "),
            "{}",
            diagnostic.message
        );
        assert!(diagnostic.help.is_some_and(|h| h.contains("templates/")));
    }

    #[test]
    fn built_in_templates_are_named_as_such() {
        let renderer = Renderer::new(&Theme::builtin()).expect("the built-in theme compiles");
        assert_eq!(
            file_of("base.html", &renderer.origins),
            Path::new("(built-in theme)/templates/base.html")
        );
    }
}
