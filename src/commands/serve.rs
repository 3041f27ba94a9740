//! `shipboard serve`: builds the portal in memory, serves it, and rebuilds on every change.
//!
//! The site is built with `base_url` set to the server's own address, so links work
//! locally. A watcher (the `notify` crate) follows the content dir; changes are debounced,
//! changes that cannot affect the site (`public/`, `.git/`, hidden and editor files) are
//! skipped, anything else rebuilds the whole site (it is fast) and open tabs reload. When
//! the content has errors, the terminal prints them exactly like `build` and `check`, the
//! last good site keeps being served, and every page shows the errors until they are fixed.

use std::collections::BTreeMap;
use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener};
use std::path::{Component, Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use anyhow::Context;
use notify::event::{AccessKind, AccessMode, EventKind, MetadataKind, ModifyKind};
use notify::{RecommendedWatcher, RecursiveMode, Watcher};

use super::build::{prepare, render_prepared};
use crate::server::{BuildFailure, Live, Server};

/// Quiet time after the last change before rebuilding: one save often writes several times.
const DEBOUNCE: Duration = Duration::from_millis(100);
/// Rebuild at the latest this long after the first change, even if changes keep coming.
const MAX_DELAY: Duration = Duration::from_secs(1);
/// Top-level folders of the content dir that never affect the site.
const IGNORED_TOP_LEVEL: &[&str] = &["public", "target", "node_modules"];

/// Serves the content repo `dir` on `bind:port` (port 0 picks a free one) until the
/// process is stopped (Ctrl-C). `quiet` leaves out the rebuild notes (errors still print).
pub fn run(dir: &Path, bind: IpAddr, port: u16, quiet: bool) -> anyhow::Result<()> {
    let serving = start(dir, bind, port, quiet)?;
    println!("Serving {} — Ctrl-C to stop", serving.url());
    let _ = std::io::stdout().flush();
    serving.wait();
    Ok(())
}

/// A running preview: the server and the rebuild loop.
pub struct Serving {
    url: String,
    server: Server,
    rebuilder: Option<JoinHandle<()>>,
    stop: mpsc::Sender<()>,
}

impl Serving {
    /// The address the site is served at, e.g. `http://127.0.0.1:8000/`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Blocks until the rebuild loop ends (it only ends when stopped or the watcher dies).
    pub fn wait(mut self) {
        if let Some(rebuilder) = self.rebuilder.take() {
            let _ = rebuilder.join();
        }
    }

    /// Stops watching and serving.
    pub fn stop(mut self) {
        let _ = self.stop.send(());
        if let Some(rebuilder) = self.rebuilder.take() {
            let _ = rebuilder.join();
        }
        self.server.stop();
    }
}

/// Builds once, starts the server and the watcher, and returns without blocking.
pub fn start(dir: &Path, bind: IpAddr, port: u16, quiet: bool) -> anyhow::Result<Serving> {
    let root = dir
        .canonicalize()
        .with_context(|| format!("content directory {} not found", dir.display()))?;
    let listener = TcpListener::bind((bind, port))
        .with_context(|| format!("cannot listen on {}", SocketAddr::new(bind, port)))?;
    let url = base_url(listener.local_addr()?);
    let live = Arc::new(Live::default());
    let builder = Builder {
        root: root.clone(),
        url: url.clone(),
        quiet,
    };
    builder.rebuild(&live, "built");

    let (events_tx, events) = mpsc::channel();
    let mut watcher = notify::recommended_watcher(events_tx).context("cannot watch files")?;
    watch_content(&mut watcher, &root)?;
    let (stop, stopped) = mpsc::channel();
    let server = Server::start(listener, Arc::clone(&live))?;
    let rebuilder = thread::Builder::new()
        .name("shipboard-rebuild".into())
        .spawn(move || watch_loop(watcher, &events, &stopped, &builder, &live))?;
    Ok(Serving {
        url,
        server,
        rebuilder: Some(rebuilder),
        stop,
    })
}

/// `http://<addr>/`, with loopback instead of an unspecified address (0.0.0.0, ::).
fn base_url(mut addr: SocketAddr) -> String {
    if addr.ip().is_unspecified() {
        addr.set_ip(match addr.ip() {
            IpAddr::V4(_) => Ipv4Addr::LOCALHOST.into(),
            IpAddr::V6(_) => Ipv6Addr::LOCALHOST.into(),
        });
    }
    format!("http://{addr}/")
}

/// A good build: the site (output path -> bytes), its warnings, where the time went.
struct Built {
    files: BTreeMap<String, Vec<u8>>,
    warnings: Vec<String>,
    prepare: Duration,
    render: Duration,
}

/// Builds the site and publishes the result.
struct Builder {
    root: PathBuf,
    url: String,
    quiet: bool,
}

impl Builder {
    /// Builds, publishes, reports on the terminal. `verb` says what happened ("rebuilt").
    fn rebuild(&self, live: &Live, verb: &str) {
        let started = Instant::now();
        match self.build() {
            Ok(built) => {
                let count = built.files.len();
                let changed = live.publish_site(built.files);
                for warning in &built.warnings {
                    eprintln!("{warning}");
                }
                if !self.quiet {
                    let what = if changed { "" } else { ", no change" };
                    eprintln!(
                        "{verb} {count} files in {} ms (prepare {} ms, render {} ms{what})",
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

    /// The site, or what the browser and terminal should show instead.
    fn build(&self) -> Result<Built, BuildFailure> {
        let started = Instant::now();
        let prepared = prepare(&self.root, Some(&self.url));
        let prepare_time = started.elapsed();
        let messages = || -> Vec<String> {
            let sorted = prepared.diagnostics.sorted();
            sorted.iter().map(ToString::to_string).collect()
        };
        let Some(rendered) = render_prepared(&prepared) else {
            let count = prepared.diagnostics.error_count().max(1);
            return Err(BuildFailure {
                summary: format!("{count} problem(s) in the content"),
                messages: messages(),
            });
        };
        match rendered {
            Ok(files) => Ok(Built {
                files,
                warnings: messages(),
                prepare: prepare_time,
                render: started.elapsed() - prepare_time,
            }),
            Err(err) => Err(BuildFailure {
                summary: "the site could not be rendered".into(),
                messages: vec![format!("error: {err}")],
            }),
        }
    }
}

/// Watches the root's own entries, and every top-level folder that can matter recursively
/// (so `public/` and `.git/`, which can hold many folders, cost no watches).
fn watch_content(watcher: &mut RecommendedWatcher, root: &Path) -> anyhow::Result<()> {
    watcher
        .watch(root, RecursiveMode::NonRecursive)
        .with_context(|| format!("cannot watch {}", root.display()))?;
    let entries =
        std::fs::read_dir(root).with_context(|| format!("cannot read {}", root.display()))?;
    let git = git_dir(root);
    let places = Places {
        root,
        git_dir: git.as_deref(),
    };
    for entry in entries.flatten() {
        watch_if_folder(watcher, &places, &entry.path());
    }
    // Commits and tags change changelogs and "last reviewed" dates: follow the refs.
    if let Some(git_dir) = git {
        let refs = git_dir.join("refs");
        for (path, mode) in [
            (&git_dir, RecursiveMode::NonRecursive),
            (&refs, RecursiveMode::Recursive),
        ] {
            if let Err(err) = watcher.watch(path, mode) {
                eprintln!("warning: cannot watch {}: {err}", path.display());
            }
        }
    }
    Ok(())
}

/// The `.git` folder of the repository the content dir is in, if any.
fn git_dir(root: &Path) -> Option<PathBuf> {
    root.ancestors()
        .map(|dir| dir.join(".git"))
        .find(|git| git.is_dir())
}

/// Adds a recursive watch on `path` if it is a top-level folder that can matter.
fn watch_if_folder(watcher: &mut RecommendedWatcher, places: &Places<'_>, path: &Path) {
    if path.parent() == Some(places.root) && path.is_dir() && relevant(places, path) {
        if let Err(err) = watcher.watch(path, RecursiveMode::Recursive) {
            eprintln!("warning: cannot watch {}: {err}", path.display());
        }
    }
}

/// Waits for relevant changes, debounces them, and rebuilds, until stopped.
fn watch_loop(
    mut watcher: RecommendedWatcher,
    events: &Receiver<notify::Result<notify::Event>>,
    stopped: &Receiver<()>,
    builder: &Builder,
    live: &Live,
) {
    let root = builder.root.as_path();
    let git = git_dir(root);
    let places = Places {
        root,
        git_dir: git.as_deref(),
    };
    loop {
        if !matches!(stopped.try_recv(), Err(mpsc::TryRecvError::Empty)) {
            return;
        }
        match events.recv_timeout(Duration::from_millis(200)) {
            Ok(event) => {
                if !handle_event(&mut watcher, &places, event) {
                    continue;
                }
            }
            Err(RecvTimeoutError::Timeout) => continue,
            Err(RecvTimeoutError::Disconnected) => return,
        }
        let first = Instant::now();
        let mut quiet_since = Instant::now();
        while quiet_since.elapsed() < DEBOUNCE && first.elapsed() < MAX_DELAY {
            let wait = DEBOUNCE.saturating_sub(quiet_since.elapsed());
            match events.recv_timeout(wait) {
                Ok(event) => {
                    if handle_event(&mut watcher, &places, event) {
                        quiet_since = Instant::now();
                    }
                }
                Err(RecvTimeoutError::Timeout) => break,
                Err(RecvTimeoutError::Disconnected) => return,
            }
        }
        builder.rebuild(live, "rebuilt");
    }
}

/// Whether `event` calls for a rebuild; watches new top-level folders as they appear.
fn handle_event(
    watcher: &mut RecommendedWatcher,
    places: &Places<'_>,
    event: notify::Result<notify::Event>,
) -> bool {
    let event = match event {
        Ok(event) => event,
        Err(err) => {
            eprintln!("warning: file watching: {err}; rebuilding to be safe");
            return true;
        }
    };
    if event.need_rescan() {
        return true;
    }
    let kind_matters = match event.kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        EventKind::Access(_) => false,
        EventKind::Modify(ModifyKind::Metadata(MetadataKind::AccessTime)) => false,
        _ => true,
    };
    if !kind_matters {
        return false;
    }
    if matches!(
        event.kind,
        EventKind::Create(_) | EventKind::Modify(ModifyKind::Name(_))
    ) {
        for path in &event.paths {
            watch_if_folder(watcher, places, path);
        }
    }
    event.paths.iter().any(|path| relevant(places, path))
}

/// Where changes that matter happen: the content dir and its repository's `.git`.
pub struct Places<'a> {
    pub root: &'a Path,
    pub git_dir: Option<&'a Path>,
}

/// Whether a change at `path` can change the site: not build output, not a hidden or
/// editor file (swap, backup, lock and autosave files), and in `.git` only a moved branch,
/// tag or HEAD. Paths elsewhere (another system's repository) count.
pub fn relevant(places: &Places<'_>, path: &Path) -> bool {
    if let Some(git) = places.git_dir.and_then(|git| path.strip_prefix(git).ok()) {
        return git_ref_changed(git);
    }
    let Ok(relative) = path.strip_prefix(places.root) else {
        return true;
    };
    let names: Vec<String> = relative
        .components()
        .filter_map(|c| match c {
            Component::Normal(name) => Some(name.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect();
    let Some(file) = names.last() else {
        return true; // the root itself
    };
    if IGNORED_TOP_LEVEL.contains(&names[0].as_str())
        || names.iter().any(|name| name.starts_with('.'))
    {
        return false;
    }
    let editor_file = file.ends_with('~')
        || (file.starts_with('#') && file.ends_with('#'))
        || file == "4913"
        || [".swp", ".swo", ".swx", ".tmp", ".bak", ".orig"]
            .iter()
            .any(|ext| file.ends_with(ext));
    !editor_file
}

/// Whether a change inside `.git` (at `relative`) moved a branch, a tag or HEAD.
fn git_ref_changed(relative: &Path) -> bool {
    let mut names = relative.iter().filter_map(|n| n.to_str());
    let first = names.next();
    let locked = relative.extension().is_some_and(|ext| ext == "lock");
    !locked && matches!(first, Some("HEAD" | "packed-refs" | "refs"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skips_output_editor_files_and_git_internals() {
        let places = Places {
            root: Path::new("/r/c"),
            git_dir: Some(Path::new("/r/.git")),
        };
        for path in [
            "/r/c/public/index.html",
            "/r/c/public",
            "/r/c/.git/index",
            "/r/c/releases/.a.md.swp",
            "/r/c/releases/a.md~",
            "/r/c/releases/#a.md#",
            "/r/c/releases/4913",
            "/r/c/runbooks/x.md.tmp",
            "/r/c/.DS_Store",
            "/r/.git/index",
            "/r/.git/objects/ab/cdef",
            "/r/.git/refs/heads/main.lock",
            "/r/.git/ORIG_HEAD",
        ] {
            assert!(!relevant(&places, Path::new(path)), "{path}");
        }
        for path in [
            "/r/c/portal.yaml",
            "/r/c/releases/a.md",
            "/r/c/themes/x/templates/base.html",
            "/r/c/static/logo.svg",
            "/r/c/releases",
            "/r/c",
            "/r/.git/refs/tags/v1.2.0",
            "/r/.git/refs/heads/main",
            "/r/.git/packed-refs",
            "/r/.git/HEAD",
            "/elsewhere/repo/refs",
        ] {
            assert!(relevant(&places, Path::new(path)), "{path}");
        }
    }

    #[test]
    fn base_url_uses_loopback_for_unspecified_addresses() {
        assert_eq!(
            base_url("0.0.0.0:8080".parse().unwrap()),
            "http://127.0.0.1:8080/"
        );
        assert_eq!(base_url("[::]:81".parse().unwrap()), "http://[::1]:81/");
        assert_eq!(
            base_url("127.0.0.1:5".parse().unwrap()),
            "http://127.0.0.1:5/"
        );
    }
}
