//! Live state of the preview: the last good site, the current content errors, and the
//! generation counter that open tabs follow over Server-Sent Events.
//!
//! Every HTML response gets `<script src="/__shipboard/reload.js">` injected before
//! `</body>` (an external script, so a `script-src 'self'` policy allows it). The script
//! opens `/__shipboard/events` and reloads the page when the generation it was served with
//! is no longer the current one. While the content has errors, HTML responses also get an
//! overlay listing them, escaped; without any good site, every path is an error page.

use std::io::{self, Write};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::http::COMMON_HEADERS;
use super::site::Site;

/// URL of the reload script.
pub const RELOAD_JS_PATH: &str = "/__shipboard/reload.js";
/// URL of the overlay stylesheet.
pub const OVERLAY_CSS_PATH: &str = "/__shipboard/overlay.css";
/// URL of the event stream.
pub const EVENTS_PATH: &str = "/__shipboard/events";
/// How often an idle event stream checks whether its tab went away: a closed tab must
/// give its thread and slot back at once, not at the next keep-alive.
pub const PEER_CHECK: Duration = Duration::from_millis(200);

/// Reloads the page when the server reports another generation than the page's own.
pub const RELOAD_JS: &str = r#"// Shipboard live reload (only in `shipboard serve`, never in built sites).
(function () {
  var script = document.currentScript;
  var seen = script ? script.getAttribute("data-generation") : null;
  if (!window.EventSource) return;
  var events = new EventSource("/__shipboard/events");
  function check(event) {
    if (event.data !== seen) {
      events.close();
      window.location.reload();
    }
  }
  events.addEventListener("hello", check);
  events.addEventListener("reload", check);
})();
"#;

/// Styles of the error overlay (external, so a `style-src 'self'` policy allows it).
pub const OVERLAY_CSS: &str = "#shipboard-errors{position:fixed;left:0;right:0;bottom:0;\
max-height:70vh;overflow:auto;z-index:2147483647;margin:0;padding:1rem 1.5rem;\
background:#2b0d0d;color:#fff;border-top:4px solid #e5484d;\
font:14px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;box-shadow:0 -4px 24px #0008}\
#shipboard-errors h2{font-size:1.1rem;margin:0 0 .4rem;color:#ffb4b4}\
#shipboard-errors p{margin:0 0 .6rem}\
#shipboard-errors pre{white-space:pre-wrap;margin:0;font:inherit}\n";

/// Why the current content does not build, as the terminal printed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildFailure {
    /// One-line summary, e.g. "the content has 2 error(s)".
    pub summary: String,
    /// The problems, one per entry, exactly as the CLI prints them.
    pub messages: Vec<String>,
}

#[derive(Default)]
struct State {
    site: Option<Arc<Site>>,
    failure: Option<Arc<BuildFailure>>,
    generation: u64,
}

/// What a request sees: one consistent snapshot of the state.
pub struct Snapshot {
    pub site: Option<Arc<Site>>,
    pub failure: Option<Arc<BuildFailure>>,
    pub token: String,
}

/// The state shared by the server threads and the rebuild loop.
pub struct Live {
    state: Mutex<State>,
    changed: Condvar,
    /// Distinguishes this server run, so a tab reconnecting to a restarted server reloads.
    run_id: String,
    stopping: Mutex<bool>,
}

impl Default for Live {
    fn default() -> Self {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        Live {
            state: Mutex::new(State::default()),
            changed: Condvar::new(),
            run_id: format!("{:x}", nanos & 0xffff_ffff_ffff),
            stopping: Mutex::new(false),
        }
    }
}

impl Live {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn token(&self, generation: u64) -> String {
        format!("{}-{generation}", self.run_id)
    }

    pub fn snapshot(&self) -> Snapshot {
        let state = self.lock();
        Snapshot {
            site: state.site.clone(),
            failure: state.failure.clone(),
            token: self.token(state.generation),
        }
    }

    /// Serves `files` from now on and clears any failure. Returns whether anything changed
    /// (open tabs are told to reload only then). Only one thread (the rebuild loop)
    /// publishes.
    pub fn publish_site(&self, files: Site) -> bool {
        // Compare outside the lock: a large site takes a while, and requests need the lock.
        let (current, failing) = {
            let state = self.lock();
            (state.site.clone(), state.failure.is_some())
        };
        if !failing && current.as_deref() == Some(&files) {
            // The same bytes, but the new site knows more of how they were made (the key
            // of a search index made since it was shown early), for the next rebuild.
            self.lock().site = Some(Arc::new(files));
            return false;
        }
        // New data files alone (JSON with a new generation time) are served from now on,
        // but open tabs are not reloaded for them.
        let reload = failing || !current.as_deref().is_some_and(|c| c.shows_same(&files));
        drop(current);
        let mut state = self.lock();
        state.site = Some(Arc::new(files));
        state.failure = None;
        if reload {
            self.bump(state);
        }
        reload
    }

    /// Keeps the last good site and shows `failure` on every HTML page.
    pub fn publish_failure(&self, failure: BuildFailure) -> bool {
        let mut state = self.lock();
        if state.failure.as_deref() == Some(&failure) {
            return false;
        }
        state.failure = Some(Arc::new(failure));
        self.bump(state);
        true
    }

    fn bump(&self, mut state: MutexGuard<'_, State>) {
        state.generation += 1;
        drop(state);
        self.changed.notify_all();
    }

    /// Ends every event stream.
    pub fn stop(&self) {
        *self.stopping.lock().unwrap_or_else(|p| p.into_inner()) = true;
        // Take the state lock so no stream is between its check and its wait.
        drop(self.lock());
        self.changed.notify_all();
    }

    pub fn is_stopping(&self) -> bool {
        *self.stopping.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Streams generation changes to one client until it goes away or the server stops.
    /// An idle stream sends a comment every `keepalive` and asks `peer_gone` every
    /// [`PEER_CHECK`] whether the client closed the connection.
    pub fn stream_events(
        &self,
        stream: &mut impl Write,
        keepalive: Duration,
        mut peer_gone: impl FnMut() -> bool,
    ) -> io::Result<()> {
        let header = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\n{COMMON_HEADERS}\r\n"
        );
        stream.write_all(header.as_bytes())?;
        let mut seen = self.lock().generation;
        let hello = format!(
            "retry: 1000\n\nevent: hello\ndata: {}\n\n",
            self.token(seen)
        );
        stream.write_all(hello.as_bytes())?;
        stream.flush()?;
        loop {
            let Some(generation) = self.wait_for_change(seen, keepalive, &mut peer_gone) else {
                return Ok(());
            };
            let message = if generation == seen {
                ": keep-alive\n\n".to_owned()
            } else {
                seen = generation;
                format!("event: reload\ndata: {}\n\n", self.token(generation))
            };
            stream.write_all(message.as_bytes())?;
            stream.flush()?;
        }
    }

    /// Waits until the generation differs from `seen` or `keepalive` passed, and returns
    /// the generation then; `None` when the server stops or the client went away.
    fn wait_for_change(
        &self,
        seen: u64,
        keepalive: Duration,
        peer_gone: &mut impl FnMut() -> bool,
    ) -> Option<u64> {
        let until = Instant::now() + keepalive;
        loop {
            let mut state = self.lock();
            let left = until.saturating_duration_since(Instant::now());
            if state.generation == seen && !self.is_stopping() && !left.is_zero() {
                let wait = left.min(PEER_CHECK);
                state = self
                    .changed
                    .wait_timeout(state, wait)
                    .unwrap_or_else(|p| p.into_inner())
                    .0;
            }
            let generation = state.generation;
            drop(state);
            if self.is_stopping() || peer_gone() {
                return None;
            }
            if generation != seen || Instant::now() >= until {
                return Some(generation);
            }
        }
    }
}

/// Most problems listed in the browser; the terminal always has all of them.
const MAX_SHOWN: usize = 100;

/// Adds the reload script (and the error overlay, when there is a failure) to a page.
pub fn decorate(html: &[u8], token: &str, failure: Option<&BuildFailure>) -> Vec<u8> {
    let note = "The last good build is shown. Fix the content; this page reloads when it builds.";
    inject(html, token, failure.map(|f| (f, note)))
}

fn inject(html: &[u8], token: &str, failure: Option<(&BuildFailure, &str)>) -> Vec<u8> {
    let mut snippet = String::new();
    if let Some((failure, note)) = failure {
        snippet.push_str(&overlay(failure, note));
    }
    snippet.push_str(&format!(
        "<script src=\"{RELOAD_JS_PATH}\" data-generation=\"{token}\" defer></script>\n"
    ));
    let at = rfind_ignore_case(html, b"</body>").unwrap_or(html.len());
    let mut out = Vec::with_capacity(html.len() + snippet.len());
    out.extend_from_slice(&html[..at]);
    out.extend_from_slice(snippet.as_bytes());
    out.extend_from_slice(&html[at..]);
    out
}

/// The overlay markup listing the problems, escaped.
fn overlay(failure: &BuildFailure, note: &str) -> String {
    let mut listed: Vec<String> = failure
        .messages
        .iter()
        .take(MAX_SHOWN)
        .map(|m| escape(m))
        .collect();
    if failure.messages.len() > MAX_SHOWN {
        let more = failure.messages.len() - MAX_SHOWN;
        listed.push(format!("… and {more} more: see the terminal"));
    }
    format!(
        "<link rel=\"stylesheet\" href=\"{OVERLAY_CSS_PATH}\">\n<div id=\"shipboard-errors\" role=\"alert\">\
<h2>{}</h2><p>{}</p><pre>{}</pre></div>\n",
        escape(&failure.summary),
        escape(note),
        listed.join("\n")
    )
}

/// A whole page for when no good build exists yet: the failure of the last build, or,
/// while the first build is still running, a "Building…" page (nothing failed).
pub fn error_page(token: &str, failure: Option<&BuildFailure>) -> Vec<u8> {
    let Some(failure) = failure else {
        let page = bare_page(
            "Building… · Shipboard",
            "<h1>Building the site…</h1>\n<p>The first build is still running (the terminal \
             says what it is doing). This page reloads itself when the build is done.</p>",
        );
        return inject(page.as_bytes(), token, None);
    };
    let page = bare_page(
        "Build failed · Shipboard",
        "<h1>The site could not be built</h1>",
    );
    let note = "Nothing was built yet. Fix the content; this page reloads when it builds.";
    inject(page.as_bytes(), token, Some((failure, note)))
}

/// A minimal HTML page (`title` and `body` are markup written here, not content).
fn bare_page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
<title>{title}</title>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )
}

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    shipboard_search::text::push_escaped_html(&mut out, text);
    out
}

fn rfind_ignore_case(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if haystack.len() < needle.len() {
        return None;
    }
    (0..=haystack.len() - needle.len())
        .rev()
        .find(|&i| haystack[i..i + needle.len()].eq_ignore_ascii_case(needle))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(message: &str) -> BuildFailure {
        BuildFailure {
            summary: "the content has 1 error(s)".into(),
            messages: vec![message.into()],
        }
    }

    #[test]
    fn injects_the_script_before_the_last_body_end() {
        let html = b"<html><body><p>x</p></BODY></html>";
        let out = String::from_utf8(decorate(html, "t-1", None)).unwrap();
        assert_eq!(
            out,
            "<html><body><p>x</p><script src=\"/__shipboard/reload.js\" data-generation=\"t-1\" defer></script>\n</BODY></html>"
        );
        let out = String::from_utf8(decorate(b"<p>no body", "t", None)).unwrap();
        assert!(out.starts_with("<p>no body<script"));
    }

    #[test]
    fn overlay_messages_are_escaped() {
        let out = decorate(
            b"<body></body>",
            "t",
            Some(&failure(
                "a.md:1:1: error[x]: \"<script>alert(1)</script>\"",
            )),
        );
        let out = String::from_utf8(out).unwrap();
        assert!(out.contains("&quot;&lt;script&gt;alert(1)&lt;/script&gt;&quot;"));
        assert!(!out.contains("<script>alert"));
        assert!(out.contains("id=\"shipboard-errors\""));
    }

    #[test]
    fn long_error_lists_are_cut_in_the_browser() {
        let many = BuildFailure {
            summary: "s".into(),
            messages: (0..250).map(|i| format!("m{i}")).collect(),
        };
        let page = String::from_utf8(error_page("t", Some(&many))).unwrap();
        assert!(page.contains("m99\n… and 150 more: see the terminal"));
        assert!(!page.contains("m100"));
        assert!(page.contains("Nothing was built yet"));
    }

    #[test]
    fn publishing_bumps_the_generation_only_on_change() {
        let live = Live::default();
        let site: Site = [("a", b"1")].into_iter().collect();
        assert!(live.publish_site(site.clone()));
        let first = live.snapshot().token;
        assert!(!live.publish_site(site.clone()), "same bytes: no reload");
        assert!(live.publish_failure(failure("x")));
        assert!(!live.publish_failure(failure("x")));
        let snapshot = live.snapshot();
        assert_ne!(snapshot.token, first);
        assert!(snapshot.site.is_some(), "the last good site is kept");
        assert!(
            live.publish_site(site),
            "fixing the content clears the failure"
        );
        assert!(live.snapshot().failure.is_none());
    }

    #[test]
    fn a_site_with_the_same_bytes_is_served_for_what_it_knows_without_a_reload() {
        let live = Live::default();
        let shown: Site = [("search/index.txt", b"manifest")].into_iter().collect();
        assert!(live.publish_site(shown.clone()));
        let token = live.snapshot().token;
        // The same files, now known to be an index made from inputs with this key.
        let key = crate::cache::digest(b"index inputs");
        let mut made = shown;
        made.add_index_file("search/index.txt".into(), key);
        assert!(!live.publish_site(made), "same bytes: no reload");
        let snapshot = live.snapshot();
        assert_eq!(snapshot.token, token);
        let served = snapshot.site.expect("a site");
        assert!(Site::default().keep_index_of(&served, &key));
    }

    #[test]
    fn new_data_files_alone_are_served_without_a_reload() {
        let live = Live::default();
        let site = |json: &'static [u8]| -> Site {
            [
                ("index.html", &b"<p>a</p>"[..]),
                ("api/releases.json", json),
            ]
            .into_iter()
            .collect()
        };
        assert!(live.publish_site(site(b"{1}")));
        let token = live.snapshot().token;
        assert!(!live.publish_site(site(b"{2}")), "no reload for JSON alone");
        let snapshot = live.snapshot();
        assert_eq!(snapshot.token, token);
        let served = snapshot
            .site
            .as_ref()
            .and_then(|s| s.get("api/releases.json"));
        assert_eq!(
            served.as_deref(),
            Some(&b"{2}"[..]),
            "the new JSON is served"
        );
    }

    #[test]
    fn event_stream_says_hello_then_ends_on_stop() {
        let live = Arc::new(Live::default());
        let stopper = Arc::clone(&live);
        let handle = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            stopper.stop();
        });
        let mut out = Vec::new();
        live.stream_events(&mut out, Duration::from_secs(5), || false)
            .unwrap();
        handle.join().unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("text/event-stream"));
        assert!(text.contains(&format!("event: hello\ndata: {}-0\n\n", live.run_id)));
    }

    #[test]
    fn event_stream_ends_soon_after_the_client_goes_away() {
        let live = Live::default();
        let started = Instant::now();
        let mut checks = 0;
        let mut out = Vec::new();
        let gone_on_third_check = || {
            checks += 1;
            checks >= 3
        };
        live.stream_events(&mut out, Duration::from_secs(60), gone_on_third_check)
            .unwrap();
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "not at the keep-alive"
        );
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("event: hello") && !text.contains("keep-alive"));
    }

    #[test]
    fn event_stream_reports_a_new_generation_and_keeps_alive() {
        let live = Arc::new(Live::default());
        let publisher = Arc::clone(&live);
        let handle = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            publisher.publish_failure(BuildFailure {
                summary: "s".into(),
                messages: Vec::new(),
            });
        });
        let mut out = Vec::new();
        let mut checks = 0;
        live.stream_events(&mut out, Duration::from_millis(100), || {
            checks += 1;
            checks > 8
        })
        .unwrap();
        handle.join().unwrap();
        let text = String::from_utf8(out).unwrap();
        let reload = format!("event: reload\ndata: {}-1\n\n", live.run_id);
        assert!(text.contains(&reload), "{text}");
        assert!(text.contains(": keep-alive\n\n"), "{text}");
    }

    #[test]
    fn a_first_build_still_running_is_building_not_failed() {
        let page = String::from_utf8(error_page("t-0", None)).unwrap();
        assert!(page.contains("Building the site"), "{page}");
        assert!(!page.contains("could not be built") && !page.contains("Fix the content"));
        assert!(
            page.contains("data-generation=\"t-0\""),
            "it reloads when built"
        );
    }
}
