//! Rebuilds for `shipboard serve` that never stall the preview.
//!
//! Every change starts a rebuild at once, numbered by generation, on its own thread and
//! its own rayon pool: a rebuild that is still running (a template that renders for
//! ever, a slow build) holds up neither the next rebuild nor its parallel work. A rebuild
//! that a newer one has overtaken stops at its next checkpoint (after `prepare`, and at
//! each file it makes until its pages are made, so two renders do not run side by side),
//! and a result is published only when it is newer than the one shown, so an older site
//! never replaces a newer one. A newer rebuild also does at least what the older
//! unfinished ones had to (a content change followed by a template change is a full
//! build), since those may never finish.
//!
//! Threads cannot be killed: a render past its budget (`render`'s watchdog) is parked at
//! its next allocation, for good, using no CPU; its rebuild never finishes, but the
//! preview serves, and rebuilds, without waiting for it.

use std::panic::{self, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

use super::watch::Change;
use crate::cache::{Digest, MomentRule, PageMark};
use crate::commands::build::{
    moment_rule, prepare_with, render_prepared_each, HistoryCache, Prepared, Sink,
};
use crate::mirrors::Network;
use crate::render::{OnStall, RenderError};
use crate::server::site::{data_kind, page_kind, Dictionaries};
use crate::server::{BuildFailure, Live, Site};
use crate::theme::Theme;

/// A rebuild running longer than this is reported on the terminal.
const SLOW: Duration = Duration::from_secs(15);

/// Starts rebuilds and publishes their results to [`Live`].
pub struct Rebuilds {
    shared: Arc<Shared>,
}

struct Shared {
    root: PathBuf,
    url: String,
    quiet: bool,
    live: Arc<Live>,
    state: Mutex<State>,
    finished: Condvar,
}

struct State {
    /// The newest generation started.
    started: u64,
    /// The newest generation whose result is shown.
    published: u64,
    /// Rebuilds started and not finished.
    running: usize,
    /// What the rebuilds started since the newest one finished had to do, together.
    owed: Change,
    /// The last content that built, kept to re-render it when only the theme changes. A
    /// rebuild takes it while it runs; `last_generation` says which rebuild left it.
    last: Option<Prepared>,
    last_generation: u64,
    /// The warnings printed last.
    warnings: Vec<String>,
    /// What the newest rebuild that said so is doing: its generation and stage.
    stage: (u64, &'static str),
    /// Rebuilds whose render was stopped (a runaway page): their threads stay parked and
    /// they never finish, so they no longer count as running and are not noted as slow.
    stalled: std::collections::BTreeSet<u64>,
    /// The rebuild whose pages are shown while its search index is still being made.
    early: Option<Early>,
}

/// Pages shown before their rebuild's search index was made (see [`Shared::show_early`]).
struct Early {
    generation: u64,
    /// Whether showing them reloaded the open tabs.
    reloaded: bool,
    /// When they were shown, from the rebuild's start.
    after: Duration,
}

/// A good build: the site, its warnings, where the time went.
struct Built {
    files: Site,
    warnings: Vec<String>,
    /// Pages taken unchanged from the site served before.
    unchanged: usize,
    /// The search index was shared with the site served before (same inputs).
    index_kept: bool,
    /// Load, validate, git history, model, link checks; zero when only re-rendered.
    prepare: Duration,
    render: Duration,
}

/// What one rebuild came to.
struct Outcome {
    verb: &'static str,
    started: Instant,
    result: Result<Built, BuildFailure>,
    /// The content to keep for re-rendering (none when it has errors).
    keep: Option<Prepared>,
}

impl Rebuilds {
    /// Rebuilds of the content dir `root` (built for `url`), published to `live`.
    pub fn new(root: PathBuf, url: String, quiet: bool, live: Arc<Live>) -> Rebuilds {
        let state = State {
            started: 0,
            published: 0,
            running: 0,
            stalled: std::collections::BTreeSet::new(),
            early: None,
            owed: Change::None,
            last: None,
            last_generation: 0,
            warnings: Vec::new(),
            stage: (0, ""),
        };
        let shared = Shared {
            root,
            url,
            quiet,
            live,
            state: Mutex::new(state),
            finished: Condvar::new(),
        };
        Rebuilds {
            shared: Arc::new(shared),
        }
    }

    /// Starts a rebuild for `change` now, whatever else is running.
    pub fn start(&self, change: Change) {
        let (generation, change, last) = self.shared.begin(change);
        let shared = Arc::clone(&self.shared);
        let spawned = thread::Builder::new()
            .name(format!("shipboard-rebuild-{generation}"))
            .spawn(move || shared.run(generation, change, last));
        if let Err(err) = spawned {
            self.shared.lock().running -= 1;
            eprintln!("error: cannot start a rebuild ({err}); the next change retries");
        }
    }

    /// Waits until some rebuild's result is shown, at most `patience`; whether one is.
    pub fn wait_published(&self, patience: Duration) -> bool {
        let until = Instant::now() + patience;
        let mut state = self.shared.lock();
        while state.published == 0 {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            state = self
                .shared
                .finished
                .wait_timeout(state, left)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
        true
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Numbers a new rebuild: its generation, what it must do (`change` and whatever the
    /// unfinished ones had to), and the content to re-render, which it takes.
    fn begin(&self, change: Change) -> (u64, Change, Option<Prepared>) {
        let mut state = self.lock();
        state.started += 1;
        state.owed = state.owed.max(change);
        if state.running > 0 && !self.quiet {
            eprintln!("changed while a rebuild is still running: starting a new one");
        }
        state.running += 1;
        (state.started, state.owed, state.last.take())
    }

    /// Whether a newer rebuild has started since `generation`.
    fn overtaken(&self, generation: u64) -> bool {
        self.lock().started > generation
    }

    /// One rebuild, on its own rayon pool (a stuck pool must not hold up the next
    /// rebuild's parallel work). A bug in the pipeline (a panic) must not end the
    /// preview: it shows in the browser, the panic message in the terminal.
    fn run(self: &Arc<Self>, generation: u64, change: Change, last: Option<Prepared>) {
        let pool = rayon::ThreadPoolBuilder::new()
            .thread_name(move |i| format!("shipboard-build-{generation}-{i}"))
            .build();
        let work = || self.rebuild(generation, change, last);
        let (done, finished) = mpsc::channel::<()>();
        thread::scope(|scope| {
            scope.spawn(move || self.note_if_slow(generation, finished));
            let outcome = panic::catch_unwind(AssertUnwindSafe(|| match &pool {
                Ok(pool) => pool.install(work),
                Err(_) => work(),
            }));
            drop(done);
            self.finish(generation, outcome.ok());
        });
    }

    /// Says so when rebuild `generation` is still the newest after [`SLOW`], with the
    /// stage it is in: nothing else tells the author what the wait is for, or that an
    /// edit will be picked up. (A page that renders past its budget is stopped and
    /// reported by itself.)
    fn note_if_slow(&self, generation: u64, finished: mpsc::Receiver<()>) {
        let still_running = finished.recv_timeout(SLOW) == Err(RecvTimeoutError::Timeout);
        let stalled = self.lock().stalled.contains(&generation);
        if still_running && !stalled && !self.overtaken(generation) && !self.quiet {
            let (of, stage) = self.lock().stage;
            let stage = (of == generation).then_some(stage);
            eprintln!("{}", slow_note(stage));
        }
    }

    /// Records what rebuild `generation` is doing now, for [`Shared::note_if_slow`].
    fn at_stage(&self, generation: u64, stage: &'static str) {
        let mut state = self.lock();
        if generation >= state.stage.0 {
            state.stage = (generation, stage);
        }
    }

    /// Builds what `change` calls for; `None` when a newer rebuild overtook this one.
    fn rebuild(
        self: &Arc<Self>,
        generation: u64,
        change: Change,
        mut last: Option<Prepared>,
    ) -> Option<Outcome> {
        let started = Instant::now();
        if let (Change::Theme, Some(prepared)) = (change, last.as_mut()) {
            self.at_stage(generation, "rendering pages");
            let previous = self.live.snapshot().site;
            let on_stall = self.on_stall(generation);
            let show = |site: Site| self.show_early(generation, started, site);
            let overtaken = || self.overtaken(generation);
            let sites = Sites::new(previous.as_deref(), &show, &overtaken);
            if let Some(rendered) = rerender(&self.root, prepared, sites, on_stall) {
                let Ok(result) = rendered else {
                    return None;
                };
                let keep = last;
                let verb = "re-rendered";
                return Some(Outcome {
                    verb,
                    started,
                    result,
                    keep,
                });
            }
        }
        drop(last); // free the old model before building the next one
        drop(self.wait_for_search_index(generation));
        // Remote repositories are fetched for the first build only: an edit must not wait
        // for the network (restart `serve` to fetch again). A URL with no mirror yet
        // (a `repo:` changed while serving) is cloned.
        let network = match Network::from_env() {
            Network::Offline => Network::Offline,
            _ if generation == 1 => Network::Fetch,
            _ => Network::NewOnly,
        };
        self.at_stage(
            generation,
            match network {
                Network::Fetch => {
                    "loading the content, fetching remote repositories, reading git history"
                }
                Network::Offline | Network::NewOnly => "loading the content, reading git history",
            },
        );
        let prepared = prepare_with(&self.root, Some(&self.url), network, HistoryCache::Use);
        let prepare_time = started.elapsed();
        if self.overtaken(generation) {
            return None;
        }
        let previous = self.live.snapshot().site;
        let on_stall = self.on_stall(generation);
        self.at_stage(generation, "rendering pages");
        let show = |site: Site| self.show_early(generation, started, site);
        let overtaken = || self.overtaken(generation);
        let sites = Sites::new(previous.as_deref(), &show, &overtaken);
        let Ok(rendered) = render(&prepared, sites, on_stall) else {
            return None;
        };
        let result = rendered.map(|r| Built {
            files: r.site,
            warnings: r.warnings,
            unchanged: r.unchanged,
            index_kept: r.index_kept,
            prepare: prepare_time,
            render: started.elapsed() - prepare_time,
        });
        // Good content is kept even when a template broke: fixing it only re-renders.
        let usable = !prepared.diagnostics.has_errors() && prepared.model.is_some();
        Some(Outcome {
            verb: "built",
            started,
            result,
            keep: usable.then_some(prepared),
        })
    }

    /// What a page whose template ran away where tera cannot stop it (a loop that writes
    /// nothing, a string doubled past the memory budget) does to rebuild `generation`: its
    /// render thread stays parked, and its error is shown like any build failure unless a
    /// newer rebuild is shown already. The next edit starts a new rebuild as usual.
    fn on_stall(self: &Arc<Self>, generation: u64) -> OnStall {
        let shared = Arc::clone(self);
        Arc::new(move |err: RenderError| {
            let mut state = shared.lock();
            if state.stalled.insert(generation) {
                state.running = state.running.saturating_sub(1);
            }
            if generation > state.published {
                state.published = generation;
                let failure = BuildFailure {
                    summary: "the site could not be rendered".into(),
                    messages: vec![format!("error: {err}")],
                };
                shared.report(&mut state, "built", Instant::now(), Err(failure), None);
            }
            drop(state);
            // `wait_published` (the first build) serves the error at once.
            shared.finished.notify_all();
        })
    }

    /// Shows the outcome of rebuild `generation` unless a newer one is shown already.
    /// `None`: it was overtaken, or it panicked (`outcome` of `None` and still newest).
    fn finish(&self, generation: u64, outcome: Option<Option<Outcome>>) {
        let mut state = self.lock();
        // A stalled rebuild stopped counting when it stalled.
        if !state.stalled.remove(&generation) {
            state.running = state.running.saturating_sub(1);
        }
        if generation == state.started {
            state.owed = Change::None;
        }
        // Pages shown early still count as this rebuild's until a newer one shows its own.
        let early = state.early.take_if(|e| e.generation == generation);
        let newest =
            generation > state.published || (early.is_some() && generation == state.published);
        match outcome {
            None if newest => {
                state.published = generation;
                self.live.publish_failure(BuildFailure {
                    summary: "shipboard crashed while building (a bug: please report it)".into(),
                    messages: vec!["the terminal shows where; the next change retries".into()],
                });
            }
            Some(Some(outcome)) => {
                if generation > state.last_generation {
                    state.last = outcome.keep;
                    state.last_generation = generation;
                }
                if newest {
                    state.published = generation;
                    let (verb, started) = (outcome.verb, outcome.started);
                    self.report(&mut state, verb, started, outcome.result, early);
                }
            }
            None | Some(None) => {}
        }
        drop(state);
        self.finished.notify_all();
    }

    /// Shows the pages of rebuild `generation` before its search index is made (unless a
    /// newer rebuild is shown already), with the index served until now: the index is made
    /// from every page's text and takes a third of a large rebuild, which an author who
    /// saved a page need not wait for. The whole site follows; tabs are not reloaded again
    /// for it (the index is data, see `Site::shows_same`).
    fn show_early(&self, generation: u64, started: Instant, site: Site) {
        let mut state = self.lock();
        if generation <= state.published {
            return;
        }
        state.published = generation;
        let reloaded = self.live.publish_site(site);
        let after = started.elapsed();
        state.early = Some(Early {
            generation,
            reloaded,
            after,
        });
    }

    /// Waits while an older rebuild whose pages are shown makes its search index (a
    /// fraction of a second, see [`Shared::show_early`]), and takes the model it kept,
    /// which rebuild `generation` builds anew: an author who saves again at once would
    /// otherwise have two models in memory. Never waits for long.
    fn wait_for_search_index(&self, generation: u64) -> Option<Prepared> {
        let until = Instant::now() + Duration::from_secs(2);
        let mut state = self.lock();
        while state
            .early
            .as_ref()
            .is_some_and(|e| e.generation < generation)
        {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            state = self
                .finished
                .wait_timeout(state, left)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
        // Kept for re-rendering, by an older rebuild: superseded by this one's.
        (state.last_generation < generation)
            .then(|| state.last.take())
            .flatten()
    }

    /// Publishes a result and reports it on the terminal; `early` when its pages were
    /// shown already ([`Shared::show_early`]).
    fn report(
        &self,
        state: &mut State,
        verb: &str,
        started: Instant,
        result: Result<Built, BuildFailure>,
        early: Option<Early>,
    ) {
        let live = &self.live;
        match result {
            Ok(built) => {
                let count = built.files.len();
                let reloaded = early.as_ref().is_some_and(|e| e.reloaded);
                let changed = live.publish_site(built.files) || reloaded;
                // Warnings print when they change, not on every save, nor again after a
                // failure and its fix (the failure listed them with its errors): at 1,500
                // warnings that was thousands of lines per cycle.
                let same_warnings = built.warnings == state.warnings;
                if !same_warnings {
                    for warning in &built.warnings {
                        eprintln!("{warning}");
                    }
                    state.warnings = built.warnings;
                }
                if !self.quiet {
                    let what = if changed { "" } else { ", no page changed" };
                    let kept = match built.unchanged {
                        0 => String::new(),
                        n => format!(", {n} pages unchanged"),
                    };
                    let kept = match built.index_kept {
                        true => format!("{kept}, search index unchanged"),
                        false => kept,
                    };
                    let kept = match state.warnings.len() {
                        n if same_warnings && n > 0 => format!("{kept}, {n} warning(s) as before"),
                        _ => kept,
                    };
                    let shown = match &early {
                        Some(early) => {
                            format!(", pages shown after {} ms", early.after.as_millis())
                        }
                        None => String::new(),
                    };
                    eprintln!(
                        "{verb} {count} files in {} ms (prepare {} ms, render {} ms{shown}{kept}{what})",
                        started.elapsed().as_millis(),
                        built.prepare.as_millis(),
                        built.render.as_millis(),
                    );
                }
            }
            Err(failure) => {
                for message in &failure.messages {
                    eprintln!("{message}");
                }
                let serving = match live.snapshot().site {
                    Some(_) => "still serving the last good build",
                    None => "nothing to serve until it builds",
                };
                eprintln!("error: {}; {serving}", failure.summary);
                live.publish_failure(failure);
            }
        }
    }
}

/// The terminal note on a rebuild still running after [`SLOW`], naming its `stage` when
/// known. It guesses no cause: a slow fetch, a large site and a runaway page (which its
/// render budget stops) all look alike from here.
fn slow_note(stage: Option<&str>) -> String {
    let doing = stage.map(|s| format!(" ({s})")).unwrap_or_default();
    format!(
        "note: still building after {} s{doing}; an edit starts a new rebuild at once",
        SLOW.as_secs()
    )
}

/// Re-renders the last good content with a reloaded theme, when the stylesheet (whose
/// digest every page links) did not change. `None`: build it all.
fn rerender(
    root: &std::path::Path,
    prepared: &mut Prepared,
    sites: Sites<'_>,
    on_stall: OnStall,
) -> Option<Result<Result<Built, BuildFailure>, Overtaken>> {
    let name = prepared.content.as_ref()?.portal.theme.clone();
    // A broken theme is reported by a full build, like `build` and `check` report it.
    let theme = Theme::load(root, name.as_deref()).ok()?;
    let stylesheet = |theme: &Theme| theme.static_files.get("style.css").cloned();
    if stylesheet(&theme) != stylesheet(prepared.theme.as_ref()?) {
        return None;
    }
    prepared.theme = Some(theme);
    let started = Instant::now();
    Some(render(prepared, sites, on_stall).map(|rendered| {
        rendered.map(|r| Built {
            files: r.site,
            warnings: r.warnings,
            unchanged: r.unchanged,
            index_kept: r.index_kept,
            prepare: Duration::ZERO,
            render: started.elapsed(),
        })
    }))
}

/// The site a rebuild starts from, and what shows its pages before its search index.
struct Sites<'p> {
    /// The site being served, if any.
    previous: Option<&'p Site>,
    /// Shows the new pages, with the index of `previous` (see [`Shared::show_early`]).
    show_early: &'p (dyn Fn(Site) + Sync),
    /// Whether a newer rebuild has started: until its pages are made, this one stops.
    overtaken: &'p (dyn Fn() -> bool + Sync),
}

/// A render stopped because a newer rebuild started before its pages were made: the
/// newer rebuild's site would replace its site soon after, and two renders at once hold
/// two sites in the making and share the cores (at 10,000 releases, a template
/// override created while serving started two rebuilds that peaked at 567-610 MB side by
/// side, over `serve`'s 500 MiB goal; 477 MB with this stop).
#[derive(Debug)]
struct Overtaken;

impl<'p> Sites<'p> {
    fn new(
        previous: Option<&'p Site>,
        show_early: &'p (dyn Fn(Site) + Sync),
        overtaken: &'p (dyn Fn() -> bool + Sync),
    ) -> Self {
        Sites {
            previous,
            show_early,
            overtaken,
        }
    }
}

/// Why a rebuild's sink stopped taking files.
#[derive(Debug)]
enum SinkError {
    Render(RenderError),
    Overtaken,
}

impl From<RenderError> for SinkError {
    fn from(err: RenderError) -> Self {
        SinkError::Render(err)
    }
}

/// Where a rebuild's files go: into a new site, compressed by the rendering threads. A
/// page whose fingerprint is the one it has in the site being served (and whose moment
/// may stand, as in `build`) is shared with it instead of rendered.
struct SiteSink<'p> {
    site: Mutex<Site>,
    previous: Option<&'p Site>,
    show_early: &'p (dyn Fn(Site) + Sync),
    overtaken: &'p (dyn Fn() -> bool + Sync),
    /// Every file but the search index has been made: from now on the rebuild finishes
    /// even when overtaken (its pages may be shown; a newer rebuild waits for its index).
    pages_made: AtomicBool,
    /// `None` when there is no model (nothing renders then).
    rule: Option<MomentRule>,
    /// Pages shared with `previous`, not rendered.
    unchanged: AtomicUsize,
    /// What new files are compressed with.
    dictionaries: Dictionaries,
}

impl SiteSink<'_> {
    fn lock(&self) -> MutexGuard<'_, Site> {
        self.site.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Stops the render (every rendering thread, at its next file) when a newer rebuild
    /// started before this one's pages were made.
    fn stop_if_overtaken(&self) -> Result<(), SinkError> {
        match !self.pages_made.load(Ordering::Relaxed) && (self.overtaken)() {
            true => Err(SinkError::Overtaken),
            false => Ok(()),
        }
    }
}

impl Sink for SiteSink<'_> {
    type Error = SinkError;

    /// A file made from data: shared with the served site when its bytes are the same
    /// (most feeds, JSON and search files after an edit), else compressed.
    fn file(&self, path: String, bytes: Vec<u8>) -> Result<(), SinkError> {
        self.stop_if_overtaken()?;
        let digest = crate::cache::digest(&bytes);
        let same = self
            .previous
            .and_then(|site| site.same_file(&path, &digest));
        let file = same.unwrap_or_else(|| self.dictionaries.compress(data_kind(&path), &bytes));
        drop(bytes);
        self.lock().insert_digested(path, file, digest);
        Ok(())
    }

    fn page(
        &self,
        path: String,
        html: Vec<u8>,
        template: &'static str,
        mark: Option<PageMark>,
    ) -> Result<(), SinkError> {
        self.stop_if_overtaken()?;
        if let (Some(mark), Some(rule)) = (mark, &self.rule) {
            self.lock().set_mark(path.clone(), mark, rule.now);
        }
        // Compressed by the thread that rendered it; the lock only inserts.
        let file = self.dictionaries.compress(page_kind(template), &html);
        drop(html);
        self.lock().insert_compressed(path, file);
        Ok(())
    }

    fn fingerprints(&self) -> bool {
        true
    }

    fn remembered(&self, path: &str, key: &Digest) -> Option<Digest> {
        self.previous?.remembered(path, key)
    }

    /// The pages are shown before the search index is made (see `before_search_index`).
    fn index_after_data_files(&self) -> bool {
        true
    }

    /// Every page is made: they are shown now, with the search index served before (the
    /// first build, with none, shows its site whole).
    fn before_search_index(&self) {
        self.pages_made.store(true, Ordering::Relaxed);
        let Some(previous) = self.previous else {
            return;
        };
        let mut site = self.lock().clone();
        site.borrow_folder(previous, crate::search::FOLDER);
        self.dictionaries.copy_to(&mut site);
        (self.show_early)(site);
    }

    /// Shares the index of the site being served when it was made from the same inputs.
    fn kept_search_index(&self, key: &Digest) -> bool {
        let Some(previous) = self.previous else {
            return false;
        };
        self.lock().keep_index_of(previous, key)
    }

    fn index_file(
        &self,
        path: String,
        bytes: Vec<u8>,
        key: Option<&Digest>,
    ) -> Result<(), SinkError> {
        if let Some(key) = key {
            self.lock().add_index_file(path.clone(), *key);
        }
        self.file(path, bytes)
    }

    fn kept(&self, path: &str, mark: &PageMark) -> bool {
        let Some((file, recorded, moment)) = self.previous.and_then(|site| site.page(path)) else {
            return false;
        };
        let allowed = self.rule.as_ref().is_some_and(|rule| rule.allows(moment));
        if recorded != mark.fingerprint || !allowed {
            return false;
        }
        let mut site = self.lock();
        site.insert_compressed(path.to_owned(), file);
        site.set_mark(path.to_owned(), *mark, moment);
        self.unchanged.fetch_add(1, Ordering::Relaxed);
        true
    }
}

/// A rendered site, its warnings, and how many of its pages (and whether its search
/// index) were shared unchanged.
struct Rendered {
    site: Site,
    warnings: Vec<String>,
    unchanged: usize,
    index_kept: bool,
}

/// The site and its warnings, or what the browser and terminal show instead; `Overtaken`
/// when a newer rebuild started before the pages were made. Pages unchanged since
/// `previous` (the site being served) are taken from it.
fn render(
    prepared: &Prepared,
    sites: Sites<'_>,
    on_stall: OnStall,
) -> Result<Result<Rendered, BuildFailure>, Overtaken> {
    let messages = || -> Vec<String> {
        let sorted = prepared.diagnostics.sorted();
        sorted.iter().map(ToString::to_string).collect()
    };
    // The moment the pages are rendered for is the model's (a theme-only re-render
    // renders the model built earlier, with its moment), not this instant. No model: the
    // content has errors and nothing is rendered.
    let rule = prepared
        .content
        .as_ref()
        .zip(prepared.model.as_ref())
        .map(|(content, model)| moment_rule(content, model));
    let templates = prepared.usable().map(|(_, theme)| theme.templates_digest());
    let sink = SiteSink {
        site: Mutex::new(Site::rendered_with(templates)),
        previous: sites.previous,
        show_early: sites.show_early,
        overtaken: sites.overtaken,
        pages_made: AtomicBool::new(false),
        rule,
        unchanged: AtomicUsize::new(0),
        dictionaries: Dictionaries::after(sites.previous, templates),
    };
    Ok(
        match render_prepared_each(prepared, Some(on_stall), &sink) {
            Some(Ok(index_kept)) => {
                let mut site = sink.site.into_inner().unwrap_or_else(|p| p.into_inner());
                sink.dictionaries.give_to(&mut site);
                Ok(Rendered {
                    unchanged: sink.unchanged.into_inner(),
                    index_kept,
                    site,
                    warnings: messages(),
                })
            }
            Some(Err(SinkError::Overtaken)) => return Err(Overtaken),
            Some(Err(SinkError::Render(err))) => Err(BuildFailure {
                summary: "the site could not be rendered".into(),
                messages: vec![format!("error: {err}")],
            }),
            None => {
                let count = prepared.diagnostics.error_count().max(1);
                Err(BuildFailure {
                    summary: format!("{count} problem(s) in the content"),
                    messages: messages(),
                })
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rebuilds() -> Rebuilds {
        let live = Arc::new(Live::default());
        Rebuilds::new(
            "/nonexistent".into(),
            "http://127.0.0.1:1/".into(),
            true,
            live,
        )
    }

    fn built(page: &str) -> Option<Option<Outcome>> {
        let files: Site = [("index.html", page.as_bytes())].into_iter().collect();
        let built = Built {
            files,
            warnings: Vec::new(),
            unchanged: 0,
            index_kept: false,
            prepare: Duration::ZERO,
            render: Duration::ZERO,
        };
        Some(Some(Outcome {
            verb: "built",
            started: Instant::now(),
            result: Ok(built),
            keep: None,
        }))
    }

    fn shown(rebuilds: &Rebuilds) -> Option<Vec<u8>> {
        let site = rebuilds.shared.live.snapshot().site?;
        site.get("index.html")
    }

    /// A portal made by `shipboard init`, prepared as a rebuild prepares it.
    fn prepared_portal() -> (tempfile::TempDir, Prepared) {
        let dir = tempfile::tempdir().expect("temp");
        crate::commands::new::init(dir.path(), "Overtaken").expect("init");
        let url = Some("http://127.0.0.1:1/");
        let prepared = prepare_with(dir.path(), url, Network::Offline, HistoryCache::Bypass);
        assert!(prepared.model.is_some(), "{:?}", prepared.diagnostics);
        (dir, prepared)
    }

    #[test]
    fn a_render_overtaken_before_its_pages_are_made_stops_and_one_after_finishes() {
        let (_dir, prepared) = prepared_portal();
        let on_stall: OnStall = Arc::new(|_| {});
        let no_show = |_: Site| {};
        let never = || false;
        let whole = render(
            &prepared,
            Sites::new(None, &no_show, &never),
            on_stall.clone(),
        );
        let site = whole.expect("not overtaken").expect("rendered").site;
        assert!(site.contains("index.html") && site.contains("search/index.txt"));

        // A newer rebuild started: the render stops at its first file, with nothing made.
        let at_once = || true;
        let sites = Sites::new(Some(&site), &no_show, &at_once);
        assert!(render(&prepared, sites, on_stall.clone()).is_err());

        // Overtaken once its pages are shown: only the search index is left, it finishes.
        let shown = AtomicBool::new(false);
        let show = |_: Site| shown.store(true, Ordering::Relaxed);
        let after_shown = || shown.load(Ordering::Relaxed);
        let sites = Sites::new(Some(&site), &show, &after_shown);
        let rendered = render(&prepared, sites, on_stall).expect("finished");
        assert!(shown.into_inner(), "the pages were shown");
        assert!(rendered.expect("rendered").site == site, "the same site");
    }

    #[test]
    fn an_older_result_never_replaces_a_newer_one() {
        let rebuilds = rebuilds();
        let shared = &rebuilds.shared;
        let (first, ..) = shared.begin(Change::Content);
        let (second, ..) = shared.begin(Change::Content);
        assert!(shared.overtaken(first) && !shared.overtaken(second));
        shared.finish(second, built("new"));
        assert!(rebuilds.wait_published(Duration::ZERO));
        shared.finish(first, built("old"));
        assert_eq!(shown(&rebuilds).as_deref(), Some(&b"new"[..]));
        assert_eq!(shared.lock().running, 0);
    }

    #[test]
    fn a_result_newer_than_the_one_shown_is_shown_while_newer_rebuilds_run() {
        let rebuilds = rebuilds();
        let shared = &rebuilds.shared;
        let (first, ..) = shared.begin(Change::Content);
        let (second, ..) = shared.begin(Change::Content);
        shared.finish(first, built("first"));
        assert_eq!(shown(&rebuilds).as_deref(), Some(&b"first"[..]));
        shared.finish(second, Some(None)); // overtaken: nothing to show
        assert_eq!(shown(&rebuilds).as_deref(), Some(&b"first"[..]));
    }

    #[test]
    fn a_newer_rebuild_does_what_unfinished_ones_had_to() {
        let rebuilds = rebuilds();
        let shared = &rebuilds.shared;
        let (content, change, _) = shared.begin(Change::Content);
        assert_eq!(change, Change::Content);
        let (theme, change, _) = shared.begin(Change::Theme);
        assert_eq!(
            change,
            Change::Content,
            "the content build may never finish"
        );
        shared.finish(content, Some(None));
        shared.finish(theme, built("both"));
        let (_, change, _) = shared.begin(Change::Theme);
        assert_eq!(
            change,
            Change::Theme,
            "all caught up: a theme change re-renders"
        );
    }

    #[test]
    fn a_crash_shows_in_the_browser_unless_a_newer_result_is_shown() {
        let rebuilds = rebuilds();
        let shared = &rebuilds.shared;
        let (first, ..) = shared.begin(Change::Content);
        let (second, ..) = shared.begin(Change::Content);
        shared.finish(second, built("good"));
        shared.finish(first, None);
        assert!(shared.live.snapshot().failure.is_none());
        let (third, ..) = shared.begin(Change::Content);
        shared.finish(third, None);
        let failure = shared.live.snapshot().failure.expect("the crash is shown");
        assert!(failure.summary.contains("crashed"));
    }

    #[test]
    fn a_first_build_stopped_by_the_watchdog_is_served_at_once() {
        let rebuilds = rebuilds();
        let (first, ..) = rebuilds.shared.begin(Change::Content);
        let on_stall = rebuilds.shared.on_stall(first);
        let (told, waited) = mpsc::channel();
        let shared = Arc::clone(&rebuilds.shared);
        let waiter = thread::spawn(move || {
            let waiting = Rebuilds { shared };
            let _ = told.send(waiting.wait_published(Duration::from_secs(120)));
        });
        thread::sleep(Duration::from_millis(100)); // let it wait
        on_stall(RenderError::Budget {
            page: "404.html".into(),
            at: crate::render::TemplateAt {
                template: "404.html".into(),
                file: "templates/404.html".into(),
                line: 0,
                column: 0,
            },
            exceeded: crate::budget::Exceeded::Time(Duration::from_secs(10)),
        });
        // Generous: without a notification it would wait out its 120 s.
        let published = waited.recv_timeout(Duration::from_secs(20));
        assert_eq!(published, Ok(true), "the wait was not woken");
        let _ = waiter.join();
        let failure = rebuilds.shared.live.snapshot().failure.expect("shown");
        assert!(failure.messages[0].contains("longer than 10s"));
        // Its parked threads never finish it: it no longer counts as running.
        let state = rebuilds.shared.lock();
        assert_eq!(state.running, 0);
        assert!(state.stalled.contains(&first));
    }

    #[test]
    fn a_slow_rebuild_is_noted_with_its_stage_and_no_guess() {
        let rebuilds = rebuilds();
        let shared = &rebuilds.shared;
        let (first, ..) = shared.begin(Change::Content);
        shared.at_stage(first, "reading git history");
        assert_eq!(shared.lock().stage, (first, "reading git history"));
        let note = slow_note(Some("reading git history"));
        assert!(
            note.contains("still building after 15 s (reading git history)"),
            "{note}"
        );
        assert!(!note.contains("template"), "{note}");
        assert_eq!(
            slow_note(None),
            "note: still building after 15 s; an edit starts a new rebuild at once"
        );
    }
}
