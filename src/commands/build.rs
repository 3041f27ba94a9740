//! `shipboard build`: load -> validate -> git history -> model -> render -> write.
//!
//! `prepare` (load, validate, theme, git history, site model, link checks) is shared with
//! `check` and `serve`, so all three report the same problems. `render_prepared_each`
//! hands over each file as it is rendered (`serve` keeps them, compressed, as its last good
//! build); `run` writes each file into the output's staging folder as soon as it is
//! rendered and publishes the site atomically; `render_and_discard` renders every page for
//! `check` and keeps none.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};

use crate::calendar::ics::{self, FeedFacts};
use crate::content::remembered::disk as parses;
use crate::content::{load, Content};
use crate::diagnostics::{Diagnostic, Diagnostics, SourceRef};
use crate::history::{self, Facts};
use crate::mirrors::{self, Network};
use crate::model::schedule::ON_CALL_WEEKS;
use crate::model::{self, BuildInputs, Page, PageData, SiteModel};
use crate::render::{OnStall, RenderError, Renderer};
use crate::theme::Theme;
use crate::{cache, feeds, output, search, timings, validate};

/// Content that was loaded and validated, with the theme it renders with, what git says
/// about it, and the site model built from it (when the content has no errors).
pub struct Prepared {
    pub root: PathBuf,
    pub content: Option<Content>,
    pub theme: Option<Theme>,
    pub history: Option<Facts>,
    pub model: Option<SiteModel>,
    pub diagnostics: Diagnostics,
    /// What loading noticed (a parse cache not used or not saved), for `--verbose`.
    pub notes: Vec<String>,
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
    prepare_with(root, base_url, Network::from_env(), HistoryCache::Use)
}

/// Whether the git history may come from the history cache and the parses of unchanged
/// release and runbook files from the parse cache (`build --full` reads git anew and
/// parses every file).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistoryCache {
    Use,
    Bypass,
}

/// `prepare`, saying whether remote system repositories are fetched first or read from the
/// mirror cache as they are (`--offline`, and `serve`'s rebuilds), and whether the git
/// history may come from the history cache.
pub fn prepare_with(
    root: &Path,
    base_url: Option<&str>,
    network: Network,
    history_cache: HistoryCache,
) -> Prepared {
    let mut prepared = validated(root, base_url, Some(history_cache));
    let Some(content) = &prepared.content else {
        return prepared;
    };
    let theme = prepared.theme.as_ref();
    let diagnostics = &mut prepared.diagnostics;
    let (facts, model) = enrich(root, content, theme, network, history_cache, diagnostics);
    if let (Some(model), Some(theme)) = (&model, theme) {
        // The documents' headings and links were read when they were loaded.
        let outlines = validate::links::Outlines::read(content);
        let _timing = timings::stage("links");
        let pages: BTreeSet<String> = model.pages.iter().map(|p| p.path.clone()).collect();
        let files = files_besides_pages(content, theme);
        let site = validate::links::SiteFiles {
            pages: &pages,
            files: &files,
        };
        prepared.diagnostics.extend(outlines.check(&site));
        prepared
            .diagnostics
            .extend(static_collisions(root, content, theme, model));
    }
    prepared.model = model;
    prepared.history = Some(facts);
    prepared
}

/// An error per static file (of the content or its theme) whose path is the path of a page
/// or feed the build generates: two files cannot have one path, and which one would be
/// published must not depend on timing. (`build` also refuses any other duplicate path
/// when it writes, see `StagingSink::claim`.)
fn static_collisions(
    root: &Path,
    content: &Content,
    theme: &Theme,
    model: &SiteModel,
) -> Vec<Diagnostic> {
    let pages: BTreeSet<String> = model.pages.iter().map(Page::output_file).collect();
    let builtin = Theme::builtin();
    let feeds = files_besides_pages(content, &builtin);
    let generated = |name: &String| {
        pages.contains(name) || (feeds.contains(name) && !builtin.static_files.contains_key(name))
    };
    theme
        .static_files
        .keys()
        .filter(|name| generated(name))
        .map(|name| {
            let file = match content.portal.theme.as_deref() {
                Some(t) if !root.join("static").join(name).is_file() => {
                    format!("themes/{t}/static/{name}")
                }
                _ => format!("static/{name}"),
            };
            let message = format!("{file} has the path of a file the build generates (/{name})");
            Diagnostic::error(SourceRef::file(&file), None, message)
                .with_help("rename or remove it: the generated file is published at that path")
        })
        .collect()
}

/// Fetches and reads the git history, runs the checks that need it and, when the content
/// has no errors, builds the site model.
fn enrich(
    root: &Path,
    content: &Content,
    theme: Option<&Theme>,
    network: Network,
    history_cache: HistoryCache,
    diagnostics: &mut Diagnostics,
) -> (Facts, Option<SiteModel>) {
    let (synced, fetch_problems) = {
        let _timing = timings::stage("fetch");
        mirrors::sync(root, content, network)
    };
    diagnostics.extend(fetch_problems);
    let (mut facts, problems) = {
        let _timing = timings::stage("history");
        let cache = history_cache == HistoryCache::Use;
        history::read_cached(root, content, synced.mirrors, cache)
    };
    facts.notes.extend(synced.notes);
    diagnostics.extend(problems);
    diagnostics.extend(stale_runbooks(content, &facts));
    diagnostics.extend(validate::overdue::overdue_statuses(content, build_time()));
    let dates = |file: &Path| {
        validate::ticks::FileDates {
            // A shallow clone's oldest commit is not the file's creation.
            created: facts.created(file).filter(|_| !facts.content_shallow),
            last_commit: facts.file(file).and_then(|f| f.last_commit_at),
        }
    };
    diagnostics.extend(validate::ticks::tick_dates(content, build_time(), &dates));
    diagnostics.extend(validate::train_members::missed_departures(
        content,
        build_time(),
    ));
    let model = theme.filter(|_| !diagnostics.has_errors()).map(|theme| {
        let inputs = BuildInputs { now: build_time() };
        let _timing = timings::stage("model");
        model::build(content, &inputs, css_version(theme), Some(&facts))
    });
    (facts, model)
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
    validated(root, base_url, None)
}

/// Loads the content and validates it; with `caches`, through the parse cache (read
/// unless bypassed, written either way).
fn validated(root: &Path, base_url: Option<&str>, caches: Option<HistoryCache>) -> Prepared {
    let mut diagnostics = Diagnostics::default();
    let timing = timings::stage("load");
    // Only a content folder has a cache: a missing one must not be made by writing it.
    let parse_cache = caches.filter(|_| root.is_dir());
    let mut notes = match parse_cache {
        Some(caches) => parses::before_load(root, caches == HistoryCache::Use),
        None => Vec::new(),
    };
    let raw = load::load(root, &mut diagnostics);
    drop(timing);
    if parse_cache.is_some() && raw.portal.is_some() {
        let _timing = timings::stage("parse cache");
        notes.extend(parses::after_load(root));
    }
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
            Ok(mut theme) => {
                diagnostics.extend(std::mem::take(&mut theme.warnings));
                Some(theme)
            }
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
        notes,
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
    pinned_time().unwrap_or_else(Utc::now)
}

/// When pages of an earlier build may be kept although the moment moved: the moment the
/// model was built for, whether it is pinned, and the portal's staleness limit.
pub fn moment_rule(content: &Content, site: &SiteModel) -> cache::MomentRule {
    let stale_after_hours = content.portal.stale_after_hours;
    cache::MomentRule::new(site.now, moment_pinned(), stale_after_hours)
}

/// Whether the build moment is pinned by `SOURCE_DATE_EPOCH` rather than read from the clock.
pub fn moment_pinned() -> bool {
    pinned_time().is_some()
}

fn pinned_time() -> Option<DateTime<Utc>> {
    source_date_epoch().ok().flatten()
}

/// The latest `SOURCE_DATE_EPOCH` accepted: 9999-12-31 23:59:59 UTC, the last moment with a
/// four-digit year (dates are written `YYYY-MM-DD`).
const MAX_SOURCE_DATE_EPOCH: i64 = 253_402_300_799;

/// The build moment `SOURCE_DATE_EPOCH` pins, if it is set; an error saying what is wrong
/// when it is set but not whole seconds from 0 to 9999-12-31. `main` checks it before
/// `build`, `check` and `serve` so a typo is not silently replaced by the clock.
pub fn source_date_epoch() -> Result<Option<DateTime<Utc>>, String> {
    let Some(value) = std::env::var_os("SOURCE_DATE_EPOCH") else {
        return Ok(None);
    };
    let value = value.to_string_lossy();
    let digits = !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit());
    let secs = value
        .parse::<i64>()
        .ok()
        .filter(|secs| digits && *secs <= MAX_SOURCE_DATE_EPOCH);
    match secs.and_then(|secs| Utc.timestamp_opt(secs, 0).single()) {
        Some(time) => Ok(Some(time)),
        None => Err(format!(
            "SOURCE_DATE_EPOCH is \"{}\", not a number of seconds since 1970-01-01 00:00 UTC\n  help: set it to whole seconds from 0 to {MAX_SOURCE_DATE_EPOCH} (for example `SOURCE_DATE_EPOCH=$(git log -1 --format=%ct)`), or unset it to build at the current time",
            value.escape_debug()
        )),
    }
}

/// Where the files of a site go as they are made, from the rendering threads.
pub trait Sink: Sync {
    type Error: From<RenderError> + Send;

    /// A file made now (`path` relative to the site root).
    fn file(&self, path: String, bytes: Vec<u8>) -> Result<(), Self::Error>;

    /// A page rendered now with `template`; `mark` (its fingerprint) is set when
    /// [`Sink::fingerprints`] asked for it.
    fn page(
        &self,
        path: String,
        html: Vec<u8>,
        template: &'static str,
        mark: Option<cache::PageMark>,
    ) -> Result<(), Self::Error> {
        let _ = (template, mark);
        self.file(path, html)
    }

    /// Whether pages are fingerprinted (the digest of everything they render from): a sink
    /// that can keep pages of an earlier build says yes.
    fn fingerprints(&self) -> bool {
        false
    }

    /// Asked before a page is rendered: true when the sink kept the page with this
    /// fingerprint from an earlier build, so it is not rendered.
    fn kept(&self, path: &str, mark: &cache::PageMark) -> bool {
        let _ = (path, mark);
        false
    }

    /// The data digest an earlier build recorded for the release page at `path` when it
    /// made it from inputs whose digest is `key` (see `model::memo`).
    fn remembered(&self, path: &str, key: &cache::Digest) -> Option<cache::Digest> {
        let _ = (path, key);
        None
    }

    /// Whether a file too large to be held whole (`api/releases.json`) is handed over in
    /// parts (`append`, then `appended`) rather than whole (`file`): `build` writes parts
    /// to its staging folder; `serve` keeps whole files.
    fn streams(&self) -> bool {
        false
    }

    /// One part of the file at `path`; parts come in order, from one thread.
    fn append(&self, path: &str, part: &[u8]) -> Result<(), Self::Error> {
        let _ = (path, part);
        Ok(())
    }

    /// The file at `path` has had all its parts.
    fn appended(&self, path: &str) -> Result<(), Self::Error> {
        let _ = path;
        Ok(())
    }

    /// Whether the search index waits for every other file (`serve`, which shows the pages
    /// before the index is made, so the index must not slow them down). Otherwise it is
    /// made as soon as the pages are, beside the files made from data alone.
    fn index_after_data_files(&self) -> bool {
        false
    }

    /// With [`Sink::index_after_data_files`], every file but the search index has been
    /// handed over: the index, made next from the pages' notes and runbooks, comes last.
    /// `serve` shows the pages at this point.
    fn before_search_index(&self) {}

    /// Asked before anything is made: true when the sink kept every file of the search
    /// index an earlier build made from inputs whose digest is `key` (see
    /// `model::memo::search_index_key`), so this build does not make the index.
    fn kept_search_index(&self, key: &cache::Digest) -> bool {
        let _ = key;
        false
    }

    /// A file of the search index made now, from inputs whose digest is `key` when it is
    /// known (a sink that can keep the index records it with the file).
    fn index_file(
        &self,
        path: String,
        bytes: Vec<u8>,
        key: Option<&cache::Digest>,
    ) -> Result<(), Self::Error> {
        let _ = key;
        self.file(path, bytes)
    }
}

/// Renders every file of a prepared site (see `emit_site`) and hands each to `sink` as it
/// is made, from the rendering threads; `serve` keeps them in memory. `None` when the
/// content has errors. `on_stall` gets a page that overran its budget where tera cannot
/// stop it (see `Renderer::watched`). Says whether the sink kept the search index.
pub fn render_prepared_each<S: Sink>(
    prepared: &Prepared,
    on_stall: Option<OnStall>,
    sink: &S,
) -> Option<Result<bool, S::Error>> {
    let (content, theme) = prepared.usable()?;
    let site = prepared.model.as_ref()?;
    let history = prepared.history.as_ref();
    let texts = Some((prepared.root.as_path(), true));
    Some(emit_site(content, theme, site, history, on_stall, texts, sink).map(|e| e.index_kept))
}

/// Renders every page of a prepared site and keeps none of it: `check`'s proof that every
/// page renders with the theme's templates, without holding the site in memory. The files
/// made from data alone (feeds, search index, JSON) cannot fail and are skipped, and so are
/// pages a build of this content rendered from the same fingerprint (its cache says which).
/// `None` when the content has errors.
pub fn render_and_discard(
    prepared: &Prepared,
    on_stall: Option<OnStall>,
) -> Option<Result<(), RenderError>> {
    let (content, theme) = prepared.usable()?;
    let site = prepared.model.as_ref()?;
    let history = prepared.history.as_ref();
    let sink = Discard {
        rendered: cache::rendered_pages(&prepared.root),
    };
    let gather = Gather {
        content_key: content_key(content, &sink),
        bodies: None,
    };
    Some(emit_pages(content, theme, site, history, on_stall, gather, &sink).map(|_| ()))
}

/// `check`'s sink: keeps nothing, and skips the pages a build already rendered from the
/// same fingerprint (the same templates and data render the same way).
struct Discard {
    rendered: cache::RenderedPages,
}

impl Sink for Discard {
    type Error = RenderError;

    fn file(&self, _: String, _: Vec<u8>) -> Result<(), RenderError> {
        Ok(())
    }

    fn fingerprints(&self) -> bool {
        !self.rendered.rendered.is_empty()
    }

    fn kept(&self, path: &str, mark: &cache::PageMark) -> bool {
        let page = (path.to_owned(), mark.fingerprint);
        self.rendered.rendered.contains(&page)
    }

    fn remembered(&self, path: &str, key: &cache::Digest) -> Option<cache::Digest> {
        self.rendered.memos.get(&(path.to_owned(), *key)).copied()
    }
}

/// Renders every file of the site (pages, static files, feeds, the search index, the JSON
/// API) and hands each to `sink` (relative path, bytes) as soon as it exists: pages from the
/// rendering threads, in no particular order. `build` writes them straight into its
/// staging folder, so memory stays bounded by the model, not the site.
///
/// The files made from data alone are made while the pages render (one worker takes them,
/// the others render pages), so their serial parts leave no core idle; only the search
/// index, which reads the rendered notes and runbooks, waits for the pages.
///
/// With `texts` (the content's root, and whether the cache may be read), release notes'
/// search texts go through the search-text cache (`cache::texts`). When the sink keeps the
/// search index of an earlier build made from the same inputs, no text is gathered for it
/// and it is not made.
fn emit_site<S: Sink>(
    content: &Content,
    theme: &Theme,
    site: &SiteModel,
    history: Option<&Facts>,
    on_stall: Option<OnStall>,
    texts: Option<(&Path, bool)>,
    sink: &S,
) -> Result<Emitted, S::Error> {
    let timing = timings::stage("search index key");
    let content_key = content_key(content, sink);
    let index_key =
        content_key.and_then(|key| model::memo::search_index_key(&key, content, site, history));
    let index_kept = index_key.is_some_and(|key| sink.kept_search_index(&key));
    drop(timing);
    let bodies = (!index_kept).then(|| SearchBodies::new(texts));
    let pages = |bodies: Option<&SearchBodies>| {
        let gather = Gather {
            content_key,
            bodies,
        };
        emit_pages(content, theme, site, history, on_stall, gather, sink)
    };
    let data = || emit_data_files(content, site, history, sink);
    let index = |bodies: Option<SearchBodies>| {
        let Some(bodies) = bodies else {
            return Ok(());
        };
        let bodies = bodies.finish();
        let _timing = timings::stage("search index");
        search::index_files_each(content, history, bodies, &|path, bytes| {
            sink.index_file(path, bytes, index_key.as_ref())
        })
    };
    let remembered = if sink.index_after_data_files() {
        let (pages, data) = rayon::join(|| pages(bodies.as_ref()), data);
        let remembered = pages?;
        data?;
        sink.before_search_index();
        index(bodies)?;
        remembered
    } else {
        // The index reads the pages' bodies only: when most pages are kept, it is made
        // while the announcements and feeds still are, its serial parts beside theirs.
        let (pages_and_index, data) = rayon::join(
            || {
                let remembered = pages(bodies.as_ref())?;
                index(bodies)?;
                Ok::<usize, S::Error>(remembered)
            },
            data,
        );
        let remembered = pages_and_index?;
        data?;
        remembered
    };
    Ok(Emitted {
        remembered,
        index_kept,
    })
}

/// The content's digests (`model::memo::ContentKey`), where pages are fingerprinted: the
/// release pages' memo keys and the search index's key are made from them.
fn content_key<S: Sink>(content: &Content, sink: &S) -> Option<model::memo::ContentKey> {
    sink.fingerprints()
        .then(|| model::memo::ContentKey::of(content))
        .flatten()
}

/// What `emit_pages` keeps track of besides the pages: the content's key, for the release
/// pages' memo keys (`None`: nothing is remembered), and where the Markdown bodies the
/// search index reads go (`None`: the index is not made).
#[derive(Clone, Copy)]
struct Gather<'a> {
    content_key: Option<model::memo::ContentKey>,
    bodies: Option<&'a SearchBodies>,
}

/// What `emit_site` made from an earlier build's record rather than anew.
struct Emitted {
    /// Release pages kept without their data being made (`model::memo`).
    remembered: usize,
    /// The search index was kept whole: its inputs are those of the earlier build.
    index_kept: bool,
}

/// What the search index reads of release notes and runbooks as their pages show them, by
/// page path, kept while the pages render. A release's text comes from the search-text
/// cache when it holds it (its notes are then not rendered for the index).
struct SearchBodies {
    bodies: Mutex<BTreeMap<String, search::Body>>,
    /// Each release page's key in the search-text cache.
    keys: Mutex<Vec<(String, cache::Digest)>>,
    texts: Option<cache::texts::Texts>,
}

impl SearchBodies {
    fn new(texts: Option<(&Path, bool)>) -> Self {
        let texts = texts.filter(|(root, _)| root.is_dir());
        SearchBodies {
            bodies: Mutex::default(),
            keys: Mutex::default(),
            texts: texts.map(|(root, read)| cache::texts::Texts::load(root, read)),
        }
    }

    fn keep(&self, path: &str, body: search::Body) {
        let mut bodies = self.bodies.lock().unwrap_or_else(PoisonError::into_inner);
        bodies.insert(path.to_owned(), body);
    }

    /// Keeps the text of `release`'s page at `path`: from the cache, else made by `make`.
    fn keep_release(
        &self,
        path: &str,
        release: &crate::content::Release,
        root: &str,
        make: &dyn Fn() -> Option<search::Body>,
    ) {
        let Some(texts) = &self.texts else {
            if let Some(body) = make() {
                self.keep(path, body);
            }
            return;
        };
        let key = cache::texts::Texts::key(&release.notes, root);
        let body = texts.take(&key).map(search::Body::Text).or_else(make);
        if let Some(body) = body {
            self.keep(path, body);
            let mut keys = self.keys.lock().unwrap_or_else(PoisonError::into_inner);
            keys.push((path.to_owned(), key));
        }
    }

    /// The bodies, after the cache was saved with this build's texts (a cache that
    /// cannot be written is only a slower next build).
    fn finish(self) -> BTreeMap<String, search::Body> {
        let bodies = self
            .bodies
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(texts) = self.texts {
            let mut keys = self
                .keys
                .into_inner()
                .unwrap_or_else(PoisonError::into_inner);
            // In page order, not the order the threads got to them: the same file each time.
            keys.sort_unstable();
            let kept = keys
                .iter()
                .filter_map(|(path, key)| match bodies.get(path)? {
                    search::Body::Text(text) => Some((*key, text.as_str())),
                    search::Body::Sections(_) => None,
                });
            let _ = texts.save(kept);
        }
        bodies
    }
}

/// What the search index reads of the Markdown on `page`, if it is a release or runbook
/// page: made here, by the rendering thread, rather than in the index's serial tail.
fn search_body(page: &Page) -> Option<search::Body> {
    match &page.data {
        PageData::Release(data) => Some(search::Body::of_release(data.notes_html.html())),
        PageData::Runbook(data) => Some(search::Body::of_runbook(&data.body_html)),
        _ => None,
    }
}

/// The theme's static files and every page, rendered with the theme's templates: what can
/// fail because of a template, and so what `check` renders. With `gather.bodies`, the
/// Markdown bodies of release and runbook pages are kept there. A page the sink kept from an
/// earlier build (same fingerprint) is not rendered, and a release page whose data the
/// sink remembers (`model::memo`) is not even made: returns how many were not.
fn emit_pages<S: Sink>(
    content: &Content,
    theme: &Theme,
    site: &SiteModel,
    history: Option<&Facts>,
    on_stall: Option<OnStall>,
    gather: Gather<'_>,
    sink: &S,
) -> Result<usize, S::Error> {
    let bodies = gather.bodies;
    let mut renderer = Renderer::new(theme)?;
    if let Some(on_stall) = on_stall {
        renderer = renderer.watched(on_stall);
    }
    for (path, bytes) in &theme.static_files {
        sink.file(path.clone(), bytes.clone())?;
    }
    let fingerprints = sink
        .fingerprints()
        .then(|| PageFingerprints::new(theme, &site.site))
        .flatten();
    // Release pages' data is remembered only where pages are fingerprinted.
    let memo = fingerprints
        .as_ref()
        .and(gather.content_key)
        .and_then(|key| model::memo::ReleaseMemo::new(&key, site, history));
    // Made only when the search index is made (not for `check`).
    let keep_body = |page: &Page, body: &dyn Fn() -> Option<search::Body>| {
        let Some(bodies) = bodies else {
            return;
        };
        match pending_release(content, page) {
            Some(release) => bodies.keep_release(&page.path, release, &site.releases.root, body),
            None => {
                if let Some(body) = body() {
                    bodies.keep(&page.path, body);
                }
            }
        }
    };
    let per_template = timings::per_template();
    let remembered = AtomicUsize::new(0);
    renderer.render_each(site, &|page, render| {
        let started = Instant::now();
        let file = page.output_file();
        let key = memo.as_ref().and_then(|m| m.key(content, site, page));
        if let (Some(key), Some(fingerprints)) = (key, &fingerprints) {
            if kept_as_remembered(sink, fingerprints, &file, key) {
                remembered.fetch_add(1, Ordering::Relaxed);
                // Its data was not made: the search index reads its notes all the same.
                keep_body(page, &|| remembered_body(content, site, page));
                if let Some(tally) = &per_template {
                    tally.add(
                        page.template,
                        [started.elapsed(), Duration::ZERO, Duration::ZERO],
                    );
                }
                return Ok(());
            }
        }
        let pending = page;
        let page = site.resolve(content, history, page);
        keep_body(pending, &|| search_body(&page));
        let resolved = Instant::now();
        let mark = fingerprints.as_ref().and_then(|f| f.mark(&page, key));
        let kept = mark.is_some_and(|m| sink.kept(&file, &m));
        let fingerprinted = Instant::now();
        let tally = |rendered: Duration| {
            if let Some(tally) = &per_template {
                let times = [resolved - started, fingerprinted - resolved, rendered];
                tally.add(page.template, times);
            }
        };
        if kept {
            tally(Duration::ZERO);
            return Ok(());
        }
        let html = render.render(&page)?;
        tally(fingerprinted.elapsed());
        sink.page(file, html.into_bytes(), page.template, mark)
    })?;
    Ok(remembered.into_inner())
}

/// Whether `sink` kept the release page at `file` whose memo key is `key` without its data
/// being made: it remembers the data digest of that key, so the page's fingerprint is
/// known, and kept the page with that fingerprint.
fn kept_as_remembered<S: Sink>(
    sink: &S,
    fingerprints: &PageFingerprints,
    file: &str,
    key: cache::Digest,
) -> bool {
    let Some(data) = sink.remembered(file, &key) else {
        return false;
    };
    let mark = cache::PageMark {
        fingerprint: fingerprints.combine(&data),
        memo: Some(cache::Memo { key, data }),
    };
    sink.kept(file, &mark)
}

/// What the search index reads of a release page kept without its data being made: its
/// notes as the page shows them.
fn remembered_body(content: &Content, site: &SiteModel, page: &Page) -> Option<search::Body> {
    let notes = site.releases.notes_html(pending_release(content, page)?);
    Some(search::Body::of_release(notes.html()))
}

/// The release of a release page not made yet.
fn pending_release<'c>(content: &'c Content, page: &Page) -> Option<&'c crate::content::Release> {
    let PageData::Pending(model::PendingPage::Release(index)) = page.data else {
        return None;
    };
    content.releases.get(index)
}

/// Fingerprints pages: the digest of everything a page's HTML is rendered from, that is
/// the theme's templates, the site's data and the page's own data, but not the build
/// moment (`built_on`, `built_at` and the live frame), so a page whose facts are unchanged
/// has the same fingerprint at another moment.
struct PageFingerprints {
    /// Templates and site data, hashed once.
    base: cache::Fingerprint,
}

impl PageFingerprints {
    /// `None` if the site's data cannot be serialized (it then fails to render anyway).
    fn new(theme: &Theme, site: &model::SiteInfo) -> Option<Self> {
        let mut base = cache::Fingerprint::new("page");
        base.bytes(&theme.templates_digest());
        let timeless = model::SiteInfo {
            built_on: String::new(),
            built_at: String::new(),
            // The staleness window is a setting, not the moment: it stays in.
            live: model::live::LiveFrame {
                stale: site.live.stale - site.live.built,
                ..model::live::LiveFrame::timeless()
            },
            ..site.clone()
        };
        base.value(&timeless).ok()?;
        Some(PageFingerprints { base })
    }

    /// The page's fingerprint, with its memo when it has a memo `key` (a release page);
    /// `None` for data that cannot be serialized (it will fail to render, and say why).
    fn mark(&self, page: &Page, key: Option<cache::Digest>) -> Option<cache::PageMark> {
        let data = Self::data(page)?;
        Some(cache::PageMark {
            fingerprint: self.combine(&data),
            memo: key.map(|key| cache::Memo { key, data }),
        })
    }

    /// The digest of the page's own data (and its template, section, title and path).
    fn data(page: &Page) -> Option<cache::Digest> {
        let mut data = cache::Fingerprint::new("page data");
        page.feed_name(&mut data).bytes(&[u8::from(page.is_live())]);
        data.value(&page.data).ok()?;
        Some(data.finish())
    }

    /// The fingerprint of a page whose own data has the digest `data`.
    fn combine(&self, data: &cache::Digest) -> cache::Digest {
        let mut fingerprint = self.base.clone();
        fingerprint.bytes(data);
        fingerprint.finish()
    }
}

/// The files written from data alone, without templates (all but the search index):
/// calendar feeds, the sitemap, the Atom feed, the announcements and the JSON API. The
/// three groups are made side by side: when most pages are kept from an earlier build,
/// these files are what the pages wait for.
fn emit_data_files<S: Sink>(
    content: &Content,
    site: &SiteModel,
    history: Option<&Facts>,
    sink: &S,
) -> Result<(), S::Error> {
    let emit = &|path, bytes| sink.file(path, bytes);
    let facts = feed_facts(history, site.now);
    let feeds = || {
        let _timing = timings::stage("calendar feeds");
        calendar_feeds(content, site, &facts, emit)
    };
    let listings = || {
        let _timing = timings::stage("sitemap, atom, production");
        emit("sitemap.xml".into(), feeds::sitemap(site).into_bytes())?;
        let atom = feeds::releases_atom(content, site, &facts);
        emit("releases.atom".into(), atom.into_bytes())?;
        for (path, bytes) in model::production::api_files(content, history, site.now) {
            emit(path, bytes)?;
        }
        Ok(())
    };
    let announcements = || {
        let _timing = timings::stage("announcements and releases.json");
        announcements_and_releases_json(content, site, sink)
    };
    let (announced, (fed, listed)) = rayon::join(announcements, || rayon::join(feeds, listings));
    announced.and(fed).and(listed)
}

/// Each release's announcement files, and `api/releases.json`: each release's texts are
/// composed once, for its two files and its JSON entry; the files are written as they are
/// made, never all held at once.
fn announcements_and_releases_json<S: Sink>(
    content: &Content,
    site: &SiteModel,
    sink: &S,
) -> Result<(), S::Error> {
    let write_files = |a: &model::announce::Announcement| {
        let [email, chat] = model::announce::release_files(a);
        sink.file(email.0, email.1)?;
        sink.file(chat.0, chat.1)
    };
    if sink.streams() {
        // `api/releases.json` (30 MB at 10,000 releases) is written in parts, in order.
        let json = model::announce::RELEASES_JSON;
        let mut part = |bytes: &[u8]| sink.append(json, bytes);
        model::announce::releases_json_parts(content, site.now, &write_files, &mut part)?;
        sink.appended(json)
    } else {
        let (path, bytes) = model::announce::releases_json_file(content, site.now, &write_files)?;
        sink.file(path, bytes)
    }
}

/// What git says about each content file, as the iCal feeds need it (SEQUENCE, DTSTAMP:
/// the committer date of its last commit, which history rewrites only move forward), and
/// the build moment `now` that bounds the feeds.
fn feed_facts(history: Option<&Facts>, now: DateTime<Utc>) -> FeedFacts {
    let mut facts = FeedFacts {
        now: Some(now),
        ..FeedFacts::default()
    };
    for (path, file) in history.map(|h| &h.files).into_iter().flatten() {
        if let Some(at) = file.last_commit_at {
            facts.insert(path, at);
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
        if let Some(feed) = ics::oncall_feed(content, facts, &rotation.id, site.now, ON_CALL_WEEKS)
        {
            emit(
                format!("calendar/oncall-{}.ics", rotation.id),
                feed.into_bytes(),
            )?;
        }
    }
    Ok(())
}

/// Notes of loading (the parse cache) and the notes and debug lines of the git stage, for
/// `--verbose`.
pub fn history_notes(prepared: &Prepared) -> Vec<String> {
    let mut notes = prepared.notes.clone();
    if let Some(facts) = &prepared.history {
        notes.extend(facts.notes.iter().chain(&facts.debug).cloned());
    }
    notes
}

/// What a successful build did.
pub struct BuildReport {
    pub output: PathBuf,
    pub files: usize,
    /// Files kept from the previous build (unchanged, not rewritten).
    pub unchanged: usize,
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
    /// Make every file, without reading the previous build's record (`--full`).
    pub full: bool,
}

/// The build's sink: writes into the staging folder, but keeps (hard-links) from the
/// published site every file the previous build's record shows would come out the same,
/// and records what it did for the next build.
struct StagingSink<'s> {
    staging: &'s output::Staging<'s>,
    previous: Option<&'s cache::Record>,
    rule: cache::MomentRule,
    recorder: cache::Recorder,
    written: AtomicUsize,
    kept: AtomicUsize,
    /// Files being written in parts, with the digest of what they have had so far.
    streamed: Mutex<std::collections::HashMap<String, cache::PartsDigest>>,
    /// Every path made or kept so far (hashed: an ordered set of 37,000 paths sharing
    /// long prefixes spent its time comparing them, under the lock every writer takes).
    claimed: Mutex<ahash::HashSet<String>>,
}

impl StagingSink<'_> {
    /// Records a file of the staging folder, or keeps the published one instead when it
    /// has the same bytes (`keep` does it).
    fn record(
        &self,
        path: String,
        digest: cache::Digest,
        mark: Option<cache::PageMark>,
        keep: impl FnOnce(&cache::Entry) -> Result<cache::Stamp, output::OutputError>,
        written: impl FnOnce() -> Result<cache::Stamp, output::OutputError>,
    ) -> Result<(), BuildError> {
        let unchanged = self.previous.and_then(|r| r.keepable_file(&path, &digest));
        // Kept only if the link works and links the very file the record describes (it
        // may have been replaced since it was looked at); otherwise the new file stands.
        let kept = unchanged.and_then(|entry| self.linked_as_recorded(&path, entry, keep));
        let stamp = match kept {
            Some(stamp) => {
                self.kept.fetch_add(1, Ordering::Relaxed);
                stamp
            }
            None => {
                self.written.fetch_add(1, Ordering::Relaxed);
                written()?
            }
        };
        let entry = cache::Entry {
            bytes: digest,
            stamp,
            page: mark.map(|m| (m.fingerprint, self.rule.now)),
            memo: mark.and_then(|m| m.memo),
        };
        self.recorder.add(path, entry);
        Ok(())
    }

    /// Keeps the published file at `path` with `keep`, if what it linked is still the
    /// file `entry` records; otherwise takes the link back.
    fn linked_as_recorded(
        &self,
        path: &str,
        entry: &cache::Entry,
        keep: impl FnOnce(&cache::Entry) -> Result<cache::Stamp, output::OutputError>,
    ) -> Option<cache::Stamp> {
        match keep(entry) {
            Ok(stamp) if stamp == entry.stamp => Some(stamp),
            Ok(_) => {
                let _ = self.staging.unstage(path);
                None
            }
            Err(_) => None,
        }
    }

    /// Gives back a claim on `path` whose file was not made after all.
    fn release(&self, path: &str) {
        let mut claimed = self.claimed.lock().unwrap_or_else(PoisonError::into_inner);
        claimed.remove(path);
    }

    /// Claims `path` for one file of the site: a second file with the same path (a static
    /// file named like a generated one) is an error, not a race for who writes last.
    fn claim(&self, path: &str) -> Result<(), BuildError> {
        let mut claimed = self.claimed.lock().unwrap_or_else(PoisonError::into_inner);
        if claimed.insert(path.to_owned()) {
            Ok(())
        } else {
            Err(output::OutputError::Duplicate(path.to_owned()).into())
        }
    }

    fn store(
        &self,
        path: String,
        bytes: Vec<u8>,
        mark: Option<cache::PageMark>,
    ) -> Result<(), BuildError> {
        self.claim(&path)?;
        let digest = cache::digest(&bytes);
        let keep = |entry: &cache::Entry| self.staging.keep(&path, &entry.stamp);
        let write = || self.staging.write_stamped(&path, &bytes);
        self.record(path.clone(), digest, mark, keep, write)
    }
}

impl Sink for StagingSink<'_> {
    type Error = BuildError;

    fn file(&self, path: String, bytes: Vec<u8>) -> Result<(), BuildError> {
        self.store(path, bytes, None)
    }

    fn page(
        &self,
        path: String,
        html: Vec<u8>,
        _template: &'static str,
        mark: Option<cache::PageMark>,
    ) -> Result<(), BuildError> {
        self.store(path, html, mark)
    }

    /// Always: the record is written for the next build even when this one had none.
    fn fingerprints(&self) -> bool {
        true
    }

    fn streams(&self) -> bool {
        true
    }

    fn append(&self, path: &str, part: &[u8]) -> Result<(), BuildError> {
        let mut streamed = self.streamed.lock().unwrap_or_else(PoisonError::into_inner);
        if !streamed.contains_key(path) {
            self.claim(path)?;
        }
        self.staging.append(path, part)?;
        streamed.entry(path.to_owned()).or_default().update(part);
        Ok(())
    }

    fn appended(&self, path: &str) -> Result<(), BuildError> {
        let streamed = {
            let mut streamed = self.streamed.lock().unwrap_or_else(PoisonError::into_inner);
            streamed.remove(path)
        };
        let Some(digest) = streamed.map(|parts| parts.finish()) else {
            // No part at all: an empty file.
            return self.store(path.to_owned(), Vec::new(), None);
        };
        let keep = |entry: &cache::Entry| self.staging.keep_over(path, &entry.stamp);
        let written = || self.staging.stamp(path);
        self.record(path.to_owned(), digest, None, keep, written)
    }

    fn remembered(&self, path: &str, key: &cache::Digest) -> Option<cache::Digest> {
        self.previous?.remembered(path, key)
    }

    fn index_file(
        &self,
        path: String,
        bytes: Vec<u8>,
        key: Option<&cache::Digest>,
    ) -> Result<(), BuildError> {
        let mark = key.map(|key| cache::PageMark {
            fingerprint: *key,
            memo: None,
        });
        self.store(path, bytes, mark)
    }

    /// Links every file of the previous build's index, or none: a file that cannot be
    /// claimed or linked as recorded takes back the ones linked before it, and the index
    /// is made.
    fn kept_search_index(&self, key: &cache::Digest) -> bool {
        let Some(files) = self
            .previous
            .and_then(|r| r.keepable_folder(search::FOLDER, key))
        else {
            return false;
        };
        let mut linked = Vec::with_capacity(files.len());
        for (path, entry) in &files {
            let stamp = self.claim(path).ok().and_then(|()| {
                let keep = |entry: &cache::Entry| self.staging.keep(path, &entry.stamp);
                let kept = self.linked_as_recorded(path, entry, keep);
                if kept.is_none() {
                    self.release(path);
                }
                kept
            });
            let Some(stamp) = stamp else {
                for (path, _) in linked {
                    let _ = self.staging.unstage(path);
                    self.release(path);
                }
                return false;
            };
            linked.push((
                *path,
                cache::Entry {
                    stamp,
                    ..(*entry).clone()
                },
            ));
        }
        self.kept.fetch_add(linked.len(), Ordering::Relaxed);
        for (path, entry) in linked {
            self.recorder.add(path.to_owned(), entry);
        }
        true
    }

    fn kept(&self, path: &str, mark: &cache::PageMark) -> bool {
        let Some(entry) = self
            .previous
            .and_then(|r| r.keepable_page(path, &mark.fingerprint, &self.rule))
        else {
            return false;
        };
        if self.claim(path).is_err() {
            // Rendered, so that writing it reports the duplicate.
            return false;
        }
        // If the link fails (or links another file than recorded) the page is rendered.
        let keep = |entry: &cache::Entry| self.staging.keep(path, &entry.stamp);
        let Some(stamp) = self.linked_as_recorded(path, entry, keep) else {
            self.release(path);
            return false;
        };
        // The memo is this build's: a page kept after its data was made anew (the
        // inputs changed, the data did not) is remembered under its new key.
        let entry = cache::Entry {
            stamp,
            memo: mark.memo,
            ..entry.clone()
        };
        self.recorder.add(path.to_owned(), entry);
        self.kept.fetch_add(1, Ordering::Relaxed);
        true
    }
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
    output::check_output(&output, root)?;
    let lock = |wait| output::OutputLock::acquire(&output, wait, on_wait);
    // A missing content folder is reported by `prepare`; locking first would create the
    // output's parent, which is inside it by default.
    let early_lock = root.is_dir().then(|| lock(options.wait)).transpose()?;
    let history_cache = match options.full {
        true => HistoryCache::Bypass,
        false => HistoryCache::Use,
    };
    let network = Network::from_env();
    let load_record = |lock: &output::OutputLock| match options.full {
        true => (None, Some("--full: every file is made".to_owned())),
        false => match cache::Record::load(root, lock.output()) {
            Ok(record) => (Some(record), None),
            Err(miss) => (None, Some(miss)),
        },
    };
    // Under the lock, the previous build's record cannot change: it is read while the
    // content is prepared (mostly on one core) rather than after.
    let (mut prepared, early_record) = rayon::join(
        || prepare_with(root, options.base_url, network, history_cache),
        || early_lock.as_ref().map(load_record),
    );
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
    let (previous, cache_note) = early_record.unwrap_or_else(|| load_record(&lock));
    // With a record, the site the previous build replaced is corrected into this one;
    // without one, no file is kept and the build starts from an empty folder.
    let timing = timings::stage("staging folder");
    let staging = match &previous {
        Some(record) => output::Staging::begin_reusing(&lock, root, &|file| record.stamp(file))?,
        None => output::Staging::begin(&lock, root)?,
    };
    drop(timing);
    let sink = StagingSink {
        staging: &staging,
        previous: previous.as_ref(),
        rule: moment_rule(content, site),
        recorder: cache::Recorder::default(),
        written: AtomicUsize::new(0),
        kept: AtomicUsize::new(0),
        streamed: Mutex::default(),
        claimed: Mutex::default(),
    };
    let history = prepared.history.as_ref();
    let timing = timings::stage("render and write");
    let texts = Some((root, !options.full));
    let emitted = emit_site(content, theme, site, history, on_stall, texts, &sink)?;
    drop(timing);
    let StagingSink {
        recorder,
        written,
        kept,
        ..
    } = sink;
    let timing = timings::stage("publish and build cache record");
    // The record describes the new site, so it is saved once that is in place; a build
    // killed before it is saved leaves the previous record, which still describes every
    // file the two sites share (the same inodes).
    let saved = staging.publish_then(|| recorder.save(root, &output))?;
    drop(timing);
    let (written, kept) = (written.into_inner(), kept.into_inner());
    let mut notes = history_notes(&prepared);
    notes.extend(cache_note);
    notes.push(format!(
        "release pages: the data of {} of {} came from the build cache",
        emitted.remembered,
        content.releases.len()
    ));
    notes.push(
        match emitted.index_kept {
            true => "search index: kept from the last build (made from the same content and git)",
            false => "search index: made",
        }
        .to_owned(),
    );
    if let Err(err) = saved {
        // The site is published; without a record the next build just makes every file.
        notes.push(format!("could not save the build cache: {err}"));
    }
    let report = BuildReport {
        output,
        files: written + kept,
        unchanged: kept,
        notes,
        warnings: std::mem::take(&mut prepared.diagnostics),
    };
    // Freeing the model and the git facts is a serial tail of a tenth of a second or more
    // at 10,000 releases; the caller does not wait for it (a CLI exits first).
    std::thread::spawn(move || drop(prepared));
    Ok(report)
}
