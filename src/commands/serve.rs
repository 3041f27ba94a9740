//! `shipboard serve`: builds the portal in memory, serves it, and rebuilds on every change.
//!
//! The site is built with `base_url` set to the server's own address, so links work
//! locally. A watcher ([`watch`]) follows the content dir. Changes that cannot affect the
//! site (`public/`, `.git/` internals, hidden and editor files) are skipped. A change to
//! the theme alone (templates, static files other than the stylesheet) re-renders the last
//! prepared content with the new theme; anything else rebuilds the whole site. Open tabs
//! reload only when the output changed. When the content has errors, the terminal prints
//! them exactly like `build` and `check`, the last good site keeps being served, and every
//! page shows the errors until they are fixed.

pub mod watch;

use std::collections::BTreeMap;
use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener};
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use anyhow::Context;

use self::watch::{Change, Watch};
use super::build::{prepare, render_prepared, Prepared};
use crate::server::{BuildFailure, Live, Server};
use crate::theme::Theme;

/// Serves the content repo `dir` on `bind:port` (port 0 picks a free one) until the
/// process is stopped (Ctrl-C). `quiet` leaves out the rebuild notes (errors still print).
pub fn run(dir: &Path, bind: IpAddr, port: u16, quiet: bool) -> anyhow::Result<()> {
    let serving = start(dir, bind, port, quiet)?;
    println!("Serving {} — Ctrl-C to stop", serving.url());
    let _ = std::io::stdout().flush();
    serving.wait()
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

    /// Blocks until the rebuild loop ends, which it does only when the watcher fails.
    pub fn wait(mut self) -> anyhow::Result<()> {
        if let Some(rebuilder) = self.rebuilder.take() {
            let _ = rebuilder.join();
        }
        self.server.stop();
        anyhow::bail!("file watching stopped; restart `shipboard serve`")
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
    let mut builder = Builder {
        root: root.clone(),
        url: url.clone(),
        quiet,
        last: None,
        warnings: Vec::new(),
    };
    let mut watch = Watch::new(&root)?;
    builder.rebuild_guarded(&live, Change::Content);
    let (stop, stopped) = mpsc::channel();
    let server = Server::start(listener, Arc::clone(&live))?;
    let rebuilder = thread::Builder::new()
        .name("shipboard-rebuild".into())
        .spawn(move || {
            while let Some(change) = watch.next_change(&stopped) {
                builder.rebuild_guarded(&live, change);
            }
        })?;
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

/// A site in memory: output path -> bytes.
type Site = BTreeMap<String, Vec<u8>>;

/// A good build: the site, its warnings, where the time went.
struct Built {
    files: Site,
    warnings: Vec<String>,
    /// Load, validate, git history, model, link checks; zero when only re-rendered.
    prepare: Duration,
    render: Duration,
}

/// Builds the site and publishes the result.
struct Builder {
    root: PathBuf,
    url: String,
    quiet: bool,
    /// The last content that built, kept to re-render it when only the theme changes.
    last: Option<Prepared>,
    /// The warnings printed last.
    warnings: Vec<String>,
}

impl Builder {
    /// `rebuild`, but a bug in the pipeline (a panic) must not end the preview: it shows in
    /// the browser, the panic message in the terminal, and the next change retries.
    fn rebuild_guarded(&mut self, live: &Live, change: Change) {
        let built = panic::catch_unwind(AssertUnwindSafe(|| self.rebuild(live, change)));
        if built.is_err() {
            self.last = None;
            live.publish_failure(BuildFailure {
                summary: "shipboard crashed while building (a bug: please report it)".into(),
                messages: vec!["the terminal shows where; the next change retries".into()],
            });
        }
    }

    /// Builds what `change` calls for, publishes it and reports on the terminal.
    fn rebuild(&mut self, live: &Live, change: Change) {
        let started = Instant::now();
        let (verb, result) = match self.rerender(change) {
            Some(result) => ("re-rendered", result),
            None => ("built", self.build()),
        };
        match result {
            Ok(built) => {
                let count = built.files.len();
                let changed = live.publish_site(built.files);
                // Warnings print when they change, not on every save.
                if built.warnings != self.warnings {
                    for warning in &built.warnings {
                        eprintln!("{warning}");
                    }
                    self.warnings = built.warnings;
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
                self.warnings.clear();
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

    /// Re-renders the last good content with a reloaded theme, when only the theme changed
    /// and the stylesheet (whose digest every page links) did not. `None`: build it all.
    fn rerender(&mut self, change: Change) -> Option<Result<Built, BuildFailure>> {
        if change != Change::Theme {
            return None;
        }
        let prepared = self.last.as_mut()?;
        let name = prepared.content.as_ref()?.portal.theme.clone();
        // A broken theme is reported by a full build, like `build` and `check` report it.
        let theme = Theme::load(&self.root, name.as_deref()).ok()?;
        let stylesheet = |theme: &Theme| theme.static_files.get("style.css").cloned();
        if stylesheet(&theme) != stylesheet(prepared.theme.as_ref()?) {
            return None;
        }
        prepared.theme = Some(theme);
        let started = Instant::now();
        Some(render(prepared).map(|(files, warnings)| Built {
            files,
            warnings,
            prepare: Duration::ZERO,
            render: started.elapsed(),
        }))
    }

    /// Builds everything: prepare, then render.
    fn build(&mut self) -> Result<Built, BuildFailure> {
        self.last = None; // free the old model before building the next one
        let started = Instant::now();
        let prepared = prepare(&self.root, Some(&self.url));
        let prepare_time = started.elapsed();
        let result = render(&prepared);
        // Good content is kept even when a template broke: fixing it only re-renders.
        if !prepared.diagnostics.has_errors() && prepared.model.is_some() {
            self.last = Some(prepared);
        }
        result.map(|(files, warnings)| Built {
            files,
            warnings,
            prepare: prepare_time,
            render: started.elapsed() - prepare_time,
        })
    }
}

/// The site and its warnings, or what the browser and terminal show instead.
fn render(prepared: &Prepared) -> Result<(Site, Vec<String>), BuildFailure> {
    let messages = || -> Vec<String> {
        let sorted = prepared.diagnostics.sorted();
        sorted.iter().map(ToString::to_string).collect()
    };
    match render_prepared(prepared) {
        Some(Ok(files)) => Ok((files, messages())),
        Some(Err(err)) => Err(BuildFailure {
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
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
