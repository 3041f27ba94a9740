//! The preview server of `shipboard serve`: serves a site held in memory over HTTP/1.1,
//! with live reload.
//!
//! Paths are looked up in the in-memory site (output path -> bytes, held compressed: see
//! [`site`]) and nowhere else, so
//! no request can reach a file on disk. `/x/` serves `x/index.html`, `/x` redirects to
//! `/x/` when that page exists, unknown paths get the site's `404.html`. Every response
//! says `Cache-Control: no-store`. Each connection is handled by its own thread and closed
//! after one response, except the event stream that tabs keep open (see [`live`]).
//!
//! Load cannot starve the author's tab: the whole request head must arrive within
//! [`HEAD_DEADLINE`] and the whole response be taken within [`RESPONSE_DEADLINE`] (see
//! [`deadline`]); connections sending their head, being answered, and holding event
//! streams have separate slots, and when too many are still sending their head the
//! oldest of them gives way (see [`slots`]). An event stream whose tab closed is noticed
//! within [`live::PEER_CHECK`] and its thread ends.
//!
//! The server never builds anything: the driver (`commands::serve`) publishes sites and
//! failures through [`Live`].

pub mod deadline;
pub mod http;
pub mod live;
pub mod site;
pub mod slots;

use std::io::{self, BufWriter, Read};
use std::net::{IpAddr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::Duration;

use self::deadline::Timed;
use self::http::{content_type, read_request, Body, Method, Request, Response};
use self::live::{decorate, error_page, Snapshot, EVENTS_PATH, OVERLAY_CSS, OVERLAY_CSS_PATH};
pub use self::live::{BuildFailure, Live};
use self::live::{RELOAD_JS, RELOAD_JS_PATH};
pub use self::site::Site;
use self::site::Stored;
use self::slots::{Phase, Slots, Ticket, LIMITS};

/// How long a client may take to send its whole request head.
pub const HEAD_DEADLINE: Duration = Duration::from_secs(5);
/// How long a client may take to accept a whole response.
pub const RESPONSE_DEADLINE: Duration = Duration::from_secs(10);
/// How long a request may wait for a free answer slot before it gets a 503.
const ANSWER_QUEUE: Duration = Duration::from_secs(2);
/// How long one write of an event stream may wait for the client.
const STREAM_WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// How often an idle event stream sends a comment (to notice closed tabs).
const KEEPALIVE: Duration = Duration::from_secs(15);

/// A running server: accepts connections on a thread until [`Server::stop`].
pub struct Server {
    addr: SocketAddr,
    live: Arc<Live>,
    accept: Option<JoinHandle<()>>,
}

impl Server {
    /// Starts serving on `listener` whatever `live` holds.
    pub fn start(listener: TcpListener, live: Arc<Live>) -> io::Result<Server> {
        let addr = listener.local_addr()?;
        let shared = Arc::clone(&live);
        let accept = thread::Builder::new()
            .name("shipboard-http".into())
            .spawn(move || accept_loop(&listener, addr, &shared))?;
        Ok(Server {
            addr,
            live,
            accept: Some(accept),
        })
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn live(&self) -> &Arc<Live> {
        &self.live
    }

    /// Stops accepting, ends event streams, and waits for the accept thread.
    pub fn stop(&mut self) {
        self.live.stop();
        // Wake the blocking accept() with a connection of our own.
        let mut wake = self.addr;
        if wake.ip().is_unspecified() {
            wake.set_ip(match wake {
                SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
                SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
            });
        }
        let _ = TcpStream::connect_timeout(&wake, Duration::from_secs(1));
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.accept.is_some() {
            self.stop();
        }
    }
}

/// `listening` is the address the server was bound to (unspecified for all interfaces):
/// what `host_allowed` judges by, not an accepted socket's own, always concrete, address.
fn accept_loop(listener: &TcpListener, listening: SocketAddr, live: &Arc<Live>) {
    let slots = Slots::new(LIMITS);
    for stream in listener.incoming() {
        if live.is_stopping() {
            break;
        }
        let Ok(stream) = stream else {
            // Out of file descriptors or similar: do not spin.
            thread::sleep(Duration::from_millis(20));
            continue;
        };
        let Ok(peer) = stream.peer_addr() else {
            continue; // already gone
        };
        let Some(ticket) = slots.admit(peer.ip()) else {
            let _ = answer_briefly(&stream, busy("connections"));
            continue;
        };
        let live = Arc::clone(live);
        // If no thread can be started, the ticket and the connection are dropped here.
        let _ = thread::Builder::new()
            .name("shipboard-conn".into())
            .spawn(move || {
                let _ = handle_connection(stream, listening, &live, &ticket);
            });
    }
}

/// A short answer that must not hold the thread: the client may not be reading.
fn answer_briefly(stream: &TcpStream, response: Response) -> io::Result<()> {
    let not_dropped = std::sync::atomic::AtomicBool::new(false);
    let mut timed = Timed::new(stream, Duration::from_secs(1), &not_dropped);
    response.write_to(&mut timed, false)
}

/// How long a refused request's unread input (a body over [`http::MAX_BODY`], a head cut
/// short) is drained after the answer.
const LINGER: Duration = Duration::from_secs(1);

/// Ends the connection so the answer arrives: closing a socket with unread input resets
/// it, and a reset can discard the answer before the client reads it. So: send our end
/// (FIN), then read and drop what the client still sends, for at most [`LINGER`].
fn close_gracefully(mut stream: &TcpStream) {
    let _ = stream.shutdown(Shutdown::Write);
    let until = std::time::Instant::now() + LINGER;
    let mut scratch = [0u8; 16 * 1024];
    loop {
        let left = until.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() || stream.set_read_timeout(Some(left)).is_err() {
            return;
        }
        match stream.read(&mut scratch) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
    }
}

fn busy(what: &str) -> Response {
    Response::text(503, &format!("too many {what}; try again"))
        .with_header("Retry-After", "1".into())
}

fn handle_connection(
    stream: TcpStream,
    listening: SocketAddr,
    live: &Live,
    ticket: &Ticket,
) -> io::Result<()> {
    let dropped = ticket.flag();
    let request = match read_request(&mut Timed::new(&stream, HEAD_DEADLINE, dropped)) {
        Ok(request) => request,
        Err(err) => {
            if let Some(status) = err.status() {
                let mut response = Response::text(status, &err.to_string());
                if status == 405 {
                    response = response.with_header("Allow", "GET, HEAD".into());
                }
                answer_briefly(&stream, response)?;
                close_gracefully(&stream);
            }
            return Ok(());
        }
    };
    let head_only = request.method == Method::Head;
    if request.path == EVENTS_PATH && !head_only {
        if !ticket.enter(Phase::Stream, Duration::ZERO) {
            return answer_briefly(&stream, busy("open live-reload streams"));
        }
        return serve_events(&stream, &request, listening, live);
    }
    if !ticket.enter(Phase::Answer, ANSWER_QUEUE) {
        return answer_briefly(&stream, busy("requests at once"));
    }
    let response = if host_allowed(request.host.as_deref(), Some(listening)) {
        respond(&request, &live.snapshot())
    } else {
        rebinding_refused()
    };
    let mut writer = BufWriter::new(Timed::new(&stream, RESPONSE_DEADLINE, dropped));
    response.write_to(&mut writer, head_only)
}

fn rebinding_refused() -> Response {
    let text = "shipboard serve answers to localhost and IP addresses only (a guard against \
                DNS rebinding); to serve other host names, listen with --bind 0.0.0.0";
    Response::text(403, text)
}

/// Streams reload events until the tab goes away (noticed within [`live::PEER_CHECK`])
/// or the server stops.
fn serve_events(
    stream: &TcpStream,
    request: &Request,
    listening: SocketAddr,
    live: &Live,
) -> io::Result<()> {
    if !host_allowed(request.host.as_deref(), Some(listening)) {
        return answer_briefly(stream, rebinding_refused());
    }
    stream.set_write_timeout(Some(STREAM_WRITE_TIMEOUT))?;
    let mut writer = BufWriter::new(stream);
    let result = live.stream_events(&mut writer, KEEPALIVE, || peer_closed(stream));
    drop(writer);
    let _ = stream.shutdown(Shutdown::Both);
    result
}

/// Whether the client closed its side. An event-stream client sends nothing after its
/// request, so anything readable is discarded; end-of-stream or an error means gone.
fn peer_closed(mut stream: &TcpStream) -> bool {
    if stream
        .set_read_timeout(Some(Duration::from_millis(1)))
        .is_err()
    {
        return true;
    }
    let mut scratch = [0u8; 512];
    match stream.read(&mut scratch) {
        Ok(0) => true,
        Ok(_) => false,
        Err(err) => !matches!(
            err.kind(),
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::Interrupted
        ),
    }
}

/// Whether a request for `host` may be answered by a server listening on `local` (the
/// address it was bound to, unspecified for all interfaces): a web
/// page from another origin must not reach the preview through a DNS name that it points
/// at 127.0.0.1 (DNS rebinding). Loopback names and IP literals pass; any name passes when
/// the server listens on all interfaces, which the user chose explicitly.
pub fn host_allowed(host: Option<&str>, local: Option<SocketAddr>) -> bool {
    let Some(host) = host else {
        return true; // HTTP/1.0 without Host: not from a browser
    };
    if local.is_some_and(|addr| addr.ip().is_unspecified()) {
        return true;
    }
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split_once(']').map_or("", |(name, _)| name),
        None => match host.rsplit_once(':') {
            Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
            _ => host,
        },
    };
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    if name == "localhost" || name.ends_with(".localhost") {
        return true;
    }
    match name.parse::<IpAddr>() {
        // An IPv4 host reaching a socket bound to an IPv6 address arrives IPv4-mapped.
        Ok(ip) => {
            ip.is_loopback()
                || local.is_some_and(|addr| addr.ip().to_canonical() == ip.to_canonical())
        }
        Err(_) => false,
    }
}

/// The response to one request, given the current state.
pub fn respond(request: &Request, snapshot: &Snapshot) -> Response {
    match request.path.as_str() {
        RELOAD_JS_PATH => {
            return Response::new(200, content_type("x.js"), RELOAD_JS.as_bytes().to_vec())
        }
        OVERLAY_CSS_PATH => {
            return Response::new(200, content_type("x.css"), OVERLAY_CSS.as_bytes().to_vec())
        }
        EVENTS_PATH => return Response::new(200, "text/event-stream; charset=utf-8", Vec::new()),
        _ => {}
    }
    let failure = snapshot.failure.as_deref();
    let Some(site) = snapshot.site.as_deref() else {
        return Response::new(
            503,
            content_type("x.html"),
            error_page(&snapshot.token, failure),
        );
    };
    let relative = request.path.strip_prefix('/').unwrap_or(&request.path);
    let key = if relative.is_empty() || relative.ends_with('/') {
        format!("{relative}index.html")
    } else {
        relative.to_owned()
    };
    if let Some(file) = site.stored(&key) {
        return page(200, &key, file, snapshot);
    }
    if site.contains(&format!("{key}/index.html")) {
        let query = request
            .query
            .as_deref()
            .map(|q| format!("?{q}"))
            .unwrap_or_default();
        let location = format!("/{}/{query}", encode_path(relative));
        return Response::text(301, &format!("moved to {location}"))
            .with_header("Location", location);
    }
    match site.stored("404.html") {
        Some(file) => page(404, "404.html", file, snapshot),
        None => Response::text(404, "not found"),
    }
}

/// A site file as a response; HTML gets the reload script and any error overlay, every
/// other file streams as held (a listing page is at most a few hundred KB; a data file can
/// be tens of MB).
fn page(status: u16, key: &str, file: Stored, snapshot: &Snapshot) -> Response {
    let kind = content_type(key);
    if kind.starts_with("text/html") {
        let body = decorate(&file.to_vec(), &snapshot.token, snapshot.failure.as_deref());
        return Response::new(status, kind, body);
    }
    Response::with_body(status, kind, Body::Stored(file))
}

/// Percent-encodes what cannot stand in a `Location` path as is.
fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || b"/-._~!$&'()*+,;=:@".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot(failure: Option<BuildFailure>) -> Snapshot {
        let site: Site = [
            ("index.html", "<body>home</body>"),
            ("404.html", "<body>missing</body>"),
            ("releases/a/1.0.0/index.html", "<body>a 1.0.0</body>"),
            ("style.css", "body{}"),
        ]
        .into_iter()
        .collect();
        Snapshot {
            site: Some(Arc::new(site)),
            failure: failure.map(Arc::new),
            token: "t-1".into(),
        }
    }

    fn get(path: &str, snapshot: &Snapshot) -> Response {
        let (path, query) = http::parse_target(path).unwrap();
        let request = Request {
            method: Method::Get,
            path,
            query,
            host: None,
        };
        respond(&request, snapshot)
    }

    fn body(response: &Response) -> String {
        String::from_utf8_lossy(&response.body.to_vec()).into_owned()
    }

    #[test]
    fn serves_index_pages_redirects_and_404() {
        let snap = snapshot(None);
        let home = get("/", &snap);
        assert_eq!(
            (home.status, home.content_type),
            (200, "text/html; charset=utf-8")
        );
        assert!(body(&home).contains("home<script src=\"/__shipboard/reload.js\""));
        assert_eq!(get("/releases/a/1.0.0/?x", &snap).status, 200);
        let moved = get("/releases/a/1.0.0?tab=1", &snap);
        assert_eq!(moved.status, 301);
        assert_eq!(moved.headers[0].1, "/releases/a/1.0.0/?tab=1");
        let css = get("/style.css", &snap);
        assert_eq!(
            (body(&css).as_str(), css.content_type),
            ("body{}", "text/css; charset=utf-8")
        );
        let missing = get("/nope/", &snap);
        assert_eq!(missing.status, 404);
        assert!(body(&missing).contains("missing"));
    }

    #[test]
    fn paths_outside_the_site_are_never_served() {
        let snap = snapshot(None);
        for path in [
            "/../Cargo.toml",
            "/%2e%2e/portal.yaml",
            "//etc/passwd",
            "/releases/../index.html",
        ] {
            assert_eq!(get(path, &snap).status, 404, "{path}");
        }
    }

    #[test]
    fn failures_overlay_html_but_not_assets() {
        let failure = BuildFailure {
            summary: "the content has 1 error(s)".into(),
            messages: vec!["releases/a.md:3:10: error[version]: <bad>".into()],
        };
        let snap = snapshot(Some(failure));
        let home = body(&get("/", &snap));
        assert!(home.contains("home") && home.contains("error[version]: &lt;bad&gt;"));
        assert_eq!(body(&get("/style.css", &snap)), "body{}");
        let mut none = snap;
        none.site = None;
        let page = get("/style.css", &none);
        assert_eq!(page.status, 503);
        assert!(body(&page).contains("The site could not be built"));
        assert!(body(&page).contains("&lt;bad&gt;"));
    }

    #[test]
    fn only_loopback_names_and_ip_literals_reach_a_loopback_server() {
        let local = Some("127.0.0.1:1111".parse().unwrap());
        for host in [
            "127.0.0.1:1111",
            "localhost:1111",
            "LOCALHOST",
            "a.localhost:1",
            "[::1]:1111",
            "127.0.0.1",
        ] {
            assert!(host_allowed(Some(host), local), "{host}");
        }
        for host in [
            "evil.example:1111",
            "evil.example",
            "127.0.0.1.nip.io:1111",
            "[::1",
            "192.168.1.5:1111",
        ] {
            assert!(!host_allowed(Some(host), local), "{host}");
        }
        assert!(host_allowed(None, local));
        let lan = Some("192.168.1.5:80".parse().unwrap());
        assert!(host_allowed(Some("192.168.1.5"), lan));
        assert!(!host_allowed(Some("box.lan"), lan));
        let all = Some("0.0.0.0:80".parse().unwrap());
        assert!(host_allowed(Some("box.lan"), all));
    }

    #[test]
    fn serves_the_reload_script_and_overlay_styles() {
        let snap = snapshot(None);
        let js = get(RELOAD_JS_PATH, &snap);
        assert_eq!(js.content_type, "text/javascript; charset=utf-8");
        assert!(body(&js).contains("EventSource(\"/__shipboard/events\")"));
        assert_eq!(
            get(OVERLAY_CSS_PATH, &snap).content_type,
            "text/css; charset=utf-8"
        );
    }

    /// A real listener on all interfaces: each accepted socket has a concrete local
    /// address, yet any host name is allowed, as `--bind 0.0.0.0` promises.
    #[test]
    fn a_server_bound_to_all_interfaces_answers_any_host_name() {
        use std::io::Write;
        let listener = TcpListener::bind("0.0.0.0:0").expect("binds 0.0.0.0");
        let live = Arc::new(Live::default());
        live.publish_site(
            [("index.html", &b"<body>home</body>"[..])]
                .into_iter()
                .collect(),
        );
        let mut server = Server::start(listener, Arc::clone(&live)).expect("starts");
        let port = server.local_addr().port();
        let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connects");
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        write!(
            stream,
            "GET / HTTP/1.1\r\nHost: portal.lan:{port}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut reply = String::new();
        stream.read_to_string(&mut reply).expect("a response");
        assert!(reply.starts_with("HTTP/1.1 200 "), "{reply}");
        assert!(reply.contains("home"), "{reply}");
        server.stop();
    }

    #[test]
    fn an_ipv4_host_reaches_a_server_bound_to_its_ipv4_mapped_address() {
        let mapped = Some("[::ffff:192.168.1.5]:80".parse().unwrap());
        assert!(host_allowed(Some("192.168.1.5:80"), mapped));
        assert!(!host_allowed(Some("192.168.1.6:80"), mapped));
    }
}
