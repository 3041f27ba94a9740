//! `shipboard build`: load -> validate -> git history -> model -> render -> write.
//!
//! `prepare` (load, validate, theme, git history, site model, link checks) is shared with
//! `check` and `serve`, so all three report the same problems. `render_prepared_each`
//! hands over each file as it is rendered (`serve` keeps them, compressed, as its last good
//! build); `run` writes each file into the output's staging folder as soon as it is
//! rendered and publishes the site atomically; `render_and_discard` renders every page for
//! `check` and keeps none.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

use chrono::{DateTime, TimeZone, Utc};

use crate::calendar::ics::{self, FeedFacts};
use crate::content::{load, Content};
use crate::diagnostics::{Diagnostic, Diagnostics, SourceRef};
use crate::history::{self, Facts};
use crate::mirrors::{self, Network};
use crate::model::schedule::ON_CALL_WEEKS;
use crate::model::{self, BuildInputs, Page, PageData, SiteModel};
use crate::render::{OnStall, RenderError, Renderer};
use crate::theme::Theme;
use crate::{feeds, output, search, timings, validate};

/// Content that was loaded and validated, with the theme it renders with, what git says
/// about it, and the site model built from it (when the content has no errors).
pub struct Prepared {
    pub root: PathBuf,
    pub content: Option<Content>,
    pub theme: Option<Theme>,
    pub history: Option<Facts>,
    pub model: Option<SiteModel>,
    pub diagnostics: Diagnostics,
}

impl Prepared {
    /// Content and theme, only when there are no errors.
    pub fn usable(&self) -> Option<(&Content, &Theme)> {
        if self.diagnostics.has_errors() {
            return None;
        }
        Some((self.content.as_ref()?, self.theme.as_ref()?))
    }
}

/// Loads and validates the content repo at `root`, reads the git history, builds the site
/// model and checks its links, collecting every problem. `build`, `check` and `serve` all
/// start here.
/// Remote system repositories are fetched first unless `SHIPBOARD_OFFLINE` is set (the
/// global `--offline` flag sets it).
pub fn prepare(root: &Path, base_url: Option<&str>) -> Prepared {
    prepare_with(root, base_url, Network::from_env())
}

/// `prepare`, saying whether remote system repositories are fetched first or read from the
/// mirror cache as they are (`--offline`, and `serve`'s rebuilds).
pub fn prepare_with(root: &Path, base_url: Option<&str>, network: Network) -> Prepared {
    let mut prepared = load_and_validate(root, base_url);
    let Some(content) = &prepared.content else {
        return prepared;
    };
    let (synced, fetch_problems) = {
        let _timing = timings::stage("fetch");
        mirrors::sync(root, content, network)
    };
    prepared.diagnostics.extend(fetch_problems);
    let (mut facts, problems) = {
        let _timing = timings::stage("history");
        history::read_mirrored(root, content, synced.mirrors)
    };
    facts.notes.extend(synced.notes);
    prepared.diagnostics.extend(problems);
    prepared.diagnostics.extend(stale_runbooks(content, &facts));
    prepared
        .diagnostics
        .extend(validate::overdue::overdue_statuses(content, build_time()));
    let dates = |file: &Path| {
        let file = facts.file(file);
        validate::ticks::FileDates {
            // A shallow clone's oldest commit is not the file's creation.
            created: file
                .and_then(|f| f.first_commit_at)
                .filter(|_| !facts.content_shallow),
            last_commit: file.and_then(|f| f.last_commit_at),
        }
    };
    prepared
        .diagnostics
        .extend(validate::ticks::tick_dates(content, build_time(), &dates));
    prepared
        .diagnostics
        .extend(validate::train_members::missed_departures(
            content,
            build_time(),
        ));
    if let Some(theme) = &prepared.theme {
        if !prepared.diagnostics.has_errors() {
            let inputs = BuildInputs { now: build_time() };
            let timing = timings::stage("model");
            let model = model::build(content, &inputs, css_version(theme), Some(&facts));
            drop(timing);
            let _timing = timings::stage("links");
            let pages: BTreeSet<String> = model.pages.iter().map(|p| p.path.clone()).collect();
            let files = files_besides_pages(content, theme);
            let site = validate::links::SiteFiles {
                pages: &pages,
                files: &files,
            };
            prepared
                .diagnostics
                .extend(validate::links::check_links(content, &site));
            prepared.model = Some(model);
        }
    }
    prepared.history = Some(facts);
    prepared
}

/// A warning per runbook that is overdue for review or older than its system's releases.
fn stale_runbooks(content: &Content, facts: &Facts) -> Vec<Diagnostic> {
    let today = build_time()
        .with_timezone(&content.portal.timezone)
        .date_naive();
    history::review_runbooks(facts, content, today)
        .values()
        .filter(|review| review.stale)
        .filter_map(|review| {
            let runbook = content.runbook(&review.slug)?;
            let at = SourceRef::new(&runbook.source.file, 1, 1);
            let message = format!("runbook may be out of date: {}", review.reasons.join(" "));
            let help = "check every step against the system as it is now, then commit the runbook (the last commit touching it counts as its review)";
            Some(Diagnostic::warning(at, Some("reviewed"), message).with_help(help))
        })
        .collect()
}

/// Loads and validates the content (and its theme) without reading git.
pub fn load_and_validate(root: &Path, base_url: Option<&str>) -> Prepared {
    let mut diagnostics = Diagnostics::default();
    let timing = timings::stage("load");
    let raw = load::load(root, &mut diagnostics);
    drop(timing);
    let timing = timings::stage("validate");
    let mut content = validate::validate(&raw, &mut diagnostics);
    drop(timing);
    if let (Some(content), Some(url)) = (content.as_mut(), base_url) {
        content.portal.base_url = if url.ends_with('/') {
            url.to_owned()
        } else {
            format!("{url}/")
        };
    }
    let theme = content
        .as_ref()
        .and_then(|c| match Theme::load(root, c.portal.theme.as_deref()) {
            Ok(theme) => Some(theme),
            Err(problem) => {
                diagnostics.push(problem);
                None
            }
        });
    if raw.portal.is_none() && !diagnostics.has_errors() {
        diagnostics.push(Diagnostic::error(
            SourceRef::file("portal.yaml"),
            None,
            "no portal.yaml",
        ));
    }
    Prepared {
        root: root.to_path_buf(),
        content,
        theme,
        history: None,
        model: None,
        diagnostics,
    }
}

fn css_version(theme: &Theme) -> String {
    let css = theme.static_files.get("style.css");
    css.map(|css| format!("{:08x}", model::views::fnv1a64(css) as u32))
        .unwrap_or_default()
}

/// What a build writes besides the pages (the theme's and the content's static files, the
/// feeds), which links may point at; `render_model` and `calendar_feeds` write the same.
fn files_besides_pages(content: &Content, theme: &Theme) -> BTreeSet<String> {
    let feeds = ["calendar.ics", "sitemap.xml", "releases.atom"].map(str::to_owned);
    let systems = content
        .systems
        .iter()
        .map(|s| format!("calendar/{}.ics", s.id));
    let rotations = content
        .rotations
        .iter()
        .map(|r| format!("calendar/oncall-{}.ics", r.id));
    let trains = content.plan.trains.iter().map(model::trains::feed_path);
    theme
        .static_files
        .keys()
        .cloned()
        .chain(feeds)
        .chain(systems)
        .chain(rotations)
        .chain(trains)
        .collect()
}

/// "Now" for a build: `SOURCE_DATE_EPOCH` (seconds) when set, for reproducible builds.
pub fn build_time() -> DateTime<Utc> {
    std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .and_then(|secs| Utc.timestamp_opt(secs, 0).single())
        .unwrap_or_else(Utc::now)
}

/// Renders every file of a prepared site (see `emit_site`) and hands each to `emit` as it
/// is made, from the rendering threads; `serve` keeps them in memory. `None` when the
/// content has errors. `on_stall` gets a page that overran its budget where tera cannot
/// stop it (see `Renderer::watched`).
pub fn render_prepared_each(
    prepared: &Prepared,
    on_stall: Option<OnStall>,
    emit: &(dyn Fn(String, Vec<u8>) -> Result<(), RenderError> + Sync),
) -> Option<Result<(), RenderError>> {
    let (content, theme) = prepared.usable()?;
    let site = prepared.model.as_ref()?;
    let history = prepared.history.as_ref();
    Some(emit_site(
        content, theme, site, history, on_stall, emit, None,
    ))
}

/// Renders every page of a prepared site and keeps none of it: `check`'s proof that every
/// page renders with the theme's templates, without holding the site in memory. The files
/// made from data alone (feeds, search index, JSON) cannot fail and are skipped. `None`
/// when the content has errors.
pub fn render_and_discard(
    prepared: &Prepared,
    on_stall: Option<OnStall>,
) -> Option<Result<(), RenderError>> {
    let (content, theme) = prepared.usable()?;
    let site = prepared.model.as_ref()?;
    let history = prepared.history.as_ref();
    let discard = |_: String, _: Vec<u8>| Ok::<(), RenderError>(());
    Some(emit_pages(
        content, theme, site, history, on_stall, None, &discard,
    ))
}

/// Renders every file of the site (pages, static files, feeds, the search index, the JSON
/// API) and hands each to `emit` (relative path, bytes) as soon as it exists: pages from the
/// rendering threads, in no particular order. `build` writes them straight into its
/// staging folder, so memory stays bounded by the model, not the site.
///
/// The files made from data alone are made while the pages render (one worker takes them,
/// the others render pages), so their serial parts leave no core idle; only the search
/// index, which reads the rendered notes and runbooks, waits for the pages.
fn emit_site<E>(
    content: &Content,
    theme: &Theme,
    site: &SiteModel,
    history: Option<&Facts>,
    on_stall: Option<OnStall>,
    emit: &(dyn Fn(String, Vec<u8>) -> Result<(), E> + Sync),
    append: Option<&Append<'_, E>>,
) -> Result<(), E>
where
    E: From<RenderError> + Send,
{
    let bodies = Mutex::new(BTreeMap::new());
    let (pages, data) = rayon::join(
        || emit_pages(content, theme, site, history, on_stall, Some(&bodies), emit),
        || emit_data_files(content, site, history, emit, append),
    );
    pages?;
    data?;
    let bodies = bodies.into_inner().unwrap_or_else(PoisonError::into_inner);
    let _timing = timings::stage("search index");
    search::index_files_each(content, history, bodies, &mut |path, bytes| {
        emit(path, bytes)
    })
}

/// Appends bytes to a file of the site, creating it: how a file too large to be held whole
/// (`api/releases.json`, 30 MB at 10,000 releases) is written, in parts, in order. `build`
/// appends to its staging folder; without it (`serve` keeps whole files) such a file is
/// put together in memory and emitted whole.
type Append<'a, E> = dyn Fn(&str, &[u8]) -> Result<(), E> + Sync + 'a;

/// What the search index reads of release notes and runbooks as their pages show them, by
/// page path, kept while the pages render.
type Bodies = Mutex<BTreeMap<String, search::Body>>;

/// What the search index reads of the Markdown on `page`, if it is a release or runbook
/// page: made here, by the rendering thread, rather than in the index's serial tail.
fn search_body(page: &Page) -> Option<search::Body> {
    match &page.data {
        PageData::Release(data) => Some(search::Body::of_release(&data.notes_html)),
        PageData::Runbook(data) => Some(search::Body::of_runbook(&data.body_html)),
        _ => None,
    }
}

/// The theme's static files and every page, rendered with the theme's templates: what can
/// fail because of a template, and so what `check` renders. With `bodies`, the Markdown
/// bodies of release and runbook pages are kept there.
fn emit_pages<E>(
    content: &Content,
    theme: &Theme,
    site: &SiteModel,
    history: Option<&Facts>,
    on_stall: Option<OnStall>,
    bodies: Option<&Bodies>,
    emit: &(dyn Fn(String, Vec<u8>) -> Result<(), E> + Sync),
) -> Result<(), E>
where
    E: From<RenderError> + Send,
{
    let mut renderer = Renderer::new(theme)?;
    if let Some(on_stall) = on_stall {
        renderer = renderer.watched(on_stall);
    }
    for (path, bytes) in &theme.static_files {
        emit(path.clone(), bytes.clone())?;
    }
    let resolve: &(dyn Fn(&Page) -> Cow<'_, Page> + Sync) = &|page| {
        let page = site.resolve(content, history, page);
        if let Some(bodies) = bodies {
            if let Some(body) = search_body(&page) {
                let mut bodies = bodies.lock().unwrap_or_else(PoisonError::into_inner);
                bodies.insert(page.path.clone(), body);
            }
        }
        page
    };
    renderer.render_each(site, resolve, &|path, html| emit(path, html.into_bytes()))
}

/// The files written from data alone, without templates (all but the search index):
/// calendar feeds, the sitemap, the Atom feed, the announcements and the JSON API.
fn emit_data_files<E: Send>(
    content: &Content,
    site: &SiteModel,
    history: Option<&Facts>,
    emit: &(dyn Fn(String, Vec<u8>) -> Result<(), E> + Sync),
    append: Option<&Append<'_, E>>,
) -> Result<(), E> {
    let timing = timings::stage("calendar feeds");
    calendar_feeds(content, site, &feed_facts(history), emit)?;
    drop(timing);
    let timing = timings::stage("sitemap, atom, production");
    emit("sitemap.xml".into(), feeds::sitemap(site).into_bytes())?;
    let atom = feeds::releases_atom(content, site);
    emit("releases.atom".into(), atom.into_bytes())?;
    for (path, bytes) in model::production::api_files(content, history, site.now) {
        emit(path, bytes)?;
    }
    drop(timing);
    let _timing = timings::stage("announcements and releases.json");
    // Each release's texts are composed once, for its two files and its JSON entry; the
    // files are written as they are made, never all held at once.
    let write_files = |a: &model::announce::Announcement| {
        let [email, chat] = model::announce::release_files(a);
        emit(email.0, email.1)?;
        emit(chat.0, chat.1)
    };
    match append {
        Some(append) => {
            let json = model::announce::RELEASES_JSON;
            let mut part = |bytes: &[u8]| append(json, bytes);
            model::announce::releases_json_parts(content, site.now, &write_files, &mut part)
        }
        None => {
            let (path, bytes) =
                model::announce::releases_json_file(content, site.now, &write_files)?;
            emit(path, bytes)
        }
    }
}

/// What git says about each content file, as the iCal feeds need it (SEQUENCE, DTSTAMP).
fn feed_facts(history: Option<&Facts>) -> FeedFacts {
    let mut facts = FeedFacts::default();
    for (path, file) in history.map(|h| &h.files).into_iter().flatten() {
        if let Some(at) = file.last_commit_at {
            facts.insert(path, file.commits, at);
        }
        if let Some(author) = &file.last_author {
            facts.insert_author(path, author);
        }
    }
    facts
}

/// `calendar.ics`, one feed per system, per release train and per on-call rotation, each
/// handed to `emit` as soon as it is made (together they are tens of MB at 10,000 releases).
fn calendar_feeds<E>(
    content: &Content,
    site: &SiteModel,
    facts: &FeedFacts,
    emit: &(dyn Fn(String, Vec<u8>) -> Result<(), E> + Sync),
) -> Result<(), E> {
    let portal = ics::portal_feed(content, facts);
    emit("calendar.ics".to_owned(), portal.into_bytes())?;
    for system in &content.systems {
        if let Some(feed) = ics::system_feed(content, facts, &system.id) {
            emit(format!("calendar/{}.ics", system.id), feed.into_bytes())?;
        }
    }
    for train in &content.plan.trains {
        if let Some(feed) = ics::train_feed(content, facts, &train.id) {
            emit(crate::model::trains::feed_path(train), feed.into_bytes())?;
        }
    }
    for rotation in &content.rotations {
        if let Some(feed) = ics::oncall_feed(content, &rotation.id, site.now, ON_CALL_WEEKS) {
            emit(
                format!("calendar/oncall-{}.ics", rotation.id),
                feed.into_bytes(),
            )?;
        }
    }
    Ok(())
}

/// Notes and debug lines of the git stage, for `--verbose`.
pub fn history_notes(prepared: &Prepared) -> Vec<String> {
    let Some(facts) = &prepared.history else {
        return Vec::new();
    };
    facts.notes.iter().chain(&facts.debug).cloned().collect()
}

/// What a successful build did.
pub struct BuildReport {
    pub output: PathBuf,
    pub files: usize,
    pub warnings: Diagnostics,
    /// What git reading noticed (ignored tags, missing history), for `--verbose`.
    pub notes: Vec<String>,
}

/// Why a build produced no site.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The content has errors; they are in the diagnostics.
    #[error("the content has {count} error(s); nothing was written")]
    Content {
        count: usize,
        diagnostics: Diagnostics,
    },
    #[error(transparent)]
    Render(#[from] RenderError),
    #[error(transparent)]
    Output(#[from] output::OutputError),
}

/// Where and how `shipboard build` writes.
#[derive(Debug, Clone, Copy)]
pub struct BuildOptions<'a> {
    /// The output folder; `root/public` when `None`.
    pub output: Option<&'a Path>,
    /// Replaces `base_url` from portal.yaml; already checked by the caller.
    pub base_url: Option<&'a str>,
    /// Wait for another build of the same output, or fail at once.
    pub wait: output::Wait,
}

/// Builds the portal of `root`. The output's lock is taken first, so a concurrent build of
/// the same output waits (or fails at once with `--no-wait`) before doing any work;
/// `on_wait` is told when this build starts waiting. `on_stall` gets a page whose template
/// ran away where tera could not stop it (see `Renderer::watched`); nothing has been
/// written then.
pub fn run(
    root: &Path,
    options: BuildOptions<'_>,
    on_wait: &dyn Fn(&Path),
    on_stall: Option<OnStall>,
) -> Result<BuildReport, BuildError> {
    let output = options
        .output
        .map(Path::to_path_buf)
        .unwrap_or_else(|| root.join("public"));
    let lock = |wait| output::OutputLock::acquire(&output, wait, on_wait);
    // A missing content folder is reported by `prepare`; locking first would create the
    // output's parent, which is inside it by default.
    let early_lock = root.is_dir().then(|| lock(options.wait)).transpose()?;
    let mut prepared = prepare(root, options.base_url);
    let (Some((content, theme)), Some(site)) = (prepared.usable(), prepared.model.as_ref()) else {
        let count = prepared.diagnostics.error_count().max(1);
        return Err(BuildError::Content {
            count,
            diagnostics: prepared.diagnostics,
        });
    };
    let lock = match early_lock {
        Some(lock) => lock,
        None => lock(options.wait)?,
    };
    let staging = output::Staging::begin(&lock, root)?;
    let written = AtomicUsize::new(0);
    let write = |path: String, bytes: Vec<u8>| {
        staging.write(&path, &bytes)?;
        written.fetch_add(1, Ordering::Relaxed);
        Ok::<(), BuildError>(())
    };
    let append = |path: &str, bytes: &[u8]| {
        if staging.append(path, bytes)? {
            written.fetch_add(1, Ordering::Relaxed);
        }
        Ok::<(), BuildError>(())
    };
    let history = prepared.history.as_ref();
    let timing = timings::stage("render and write");
    emit_site(
        content,
        theme,
        site,
        history,
        on_stall,
        &write,
        Some(&append),
    )?;
    drop(timing);
    let timing = timings::stage("publish");
    staging.publish()?;
    drop(timing);
    let report = BuildReport {
        output,
        files: written.into_inner(),
        notes: history_notes(&prepared),
        warnings: std::mem::take(&mut prepared.diagnostics),
    };
    // Freeing the model and the git facts is a serial tail of a tenth of a second or more
    // at 10,000 releases; the caller does not wait for it (a CLI exits first).
    std::thread::spawn(move || drop(prepared));
    Ok(report)
}
