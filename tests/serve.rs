//! Integration tests of `shipboard serve`: the real binary on a fixture copy, on a free
//! loopback port: pages, content types, 404, traversal, live reload over Server-Sent
//! Events, the error overlay over the last good site, and shutdown on Ctrl-C.

mod common;
mod serve_client;

use std::time::Duration;

use common::Fixture;
use serve_client::{request, request_as, serve_with_own_404, Events, Served, PATIENCE};

#[test]
fn serves_the_site_and_reloads_tabs_on_every_change() {
    let fx = Fixture::new("minimal");
    let served = Served::start(&fx);

    let page = served.get("/releases/billing/1.2.0/");
    assert_eq!(page.status, 200);
    assert_eq!(
        page.header("Content-Type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(page.header("Cache-Control"), Some("no-store"));
    assert!(page.body.contains("<strong>PDF/A</strong>"));
    let base = format!("http://{}/", served.addr);
    assert!(
        served.get("/releases.atom").body.contains(&base),
        "base_url is overridden"
    );
    let script = "<script src=\"/__shipboard/reload.js\"";
    assert!(page.body.contains(script), "reload script injected");
    let script_at = page.body.find(script).unwrap();
    assert!(script_at < page.body.rfind("</body>").unwrap());
    let js = served.get("/__shipboard/reload.js");
    assert_eq!(
        js.header("Content-Type"),
        Some("text/javascript; charset=utf-8")
    );
    assert!(js.body.contains("new EventSource(\"/__shipboard/events\")"));

    for (path, kind) in [
        ("/style.css", "text/css; charset=utf-8"),
        ("/widget/shipboard_widget_bg.wasm", "application/wasm"),
        ("/widget/checklist.js", "text/javascript; charset=utf-8"),
        ("/releases.atom", "application/atom+xml; charset=utf-8"),
    ] {
        let reply = served.get(path);
        assert_eq!(
            (reply.status, reply.header("Content-Type")),
            (200, Some(kind)),
            "{path}"
        );
        assert!(
            !reply.body.contains(script),
            "{path}: only HTML gets the script"
        );
    }
    let head = request(served.addr, "HEAD", "/");
    assert_eq!((head.status, head.body.as_str()), (200, ""));
    let moved = served.get("/releases/billing/1.2.0?x=1");
    assert_eq!(moved.status, 301);
    assert_eq!(
        moved.header("Location"),
        Some("/releases/billing/1.2.0/?x=1")
    );
    let missing = served.get("/no/such/page/");
    assert_eq!(missing.status, 404);
    assert!(missing.body.contains("Page not found") && missing.body.contains(script));
    for path in [
        "/portal.yaml",
        "/../portal.yaml",
        "/%2e%2e/content/portal.yaml",
        "/..%2fportal.yaml",
    ] {
        let reply = served.get(path);
        assert_eq!(reply.status, 404, "{path}");
        assert!(
            !reply.body.contains("base_url"),
            "{path} leaked a source file"
        );
    }
    assert_eq!(request(served.addr, "POST", "/").status, 405);
    let port = served.addr.port();
    let rebound = request_as(served.addr, &format!("attacker.example:{port}"), "GET", "/");
    assert_eq!(rebound.status, 403, "DNS rebinding guard");
    assert_eq!(
        request_as(served.addr, &format!("localhost:{port}"), "GET", "/").status,
        200
    );

    let events = Events::open(served.addr);
    let (hello, first) = events.next(PATIENCE).expect("a hello event");
    assert_eq!(hello, "hello");
    assert!(page.body.contains(&format!("data-generation=\"{first}\"")));

    // An edit: new content, and open tabs are told to reload.
    let release = "releases/billing-1.2.0.md";
    let original = fx.read(release);
    fx.write(release, &original.replace("PDF/A", "ZUGFeRD"));
    let second = events.reload();
    assert_ne!(second, first);
    let page = served.get("/releases/billing/1.2.0/");
    assert!(page.body.contains("<strong>ZUGFeRD</strong>"));
    assert!(page.body.contains(&format!("data-generation=\"{second}\"")));
    assert!(
        served.printed("pages unchanged"),
        "pages the edit did not touch are not rendered again:\n{}",
        served.stderr()
    );

    // Changes that cannot matter do not rebuild.
    fx.write("public/index.html", "stale output");
    fx.write("releases/.billing-1.2.0.md.swp", "vim swap");
    fx.write("releases/billing-1.2.0.md~", "backup");
    assert_eq!(
        events.next(Duration::from_millis(1500)),
        None,
        "no reload for irrelevant files"
    );

    // An invalid edit: the errors, escaped, over the last good site; assets stay served.
    let broken = original
        .replace("PDF/A", "ZUGFeRD")
        .replace("version: 1.2.0", "version: 1.2<x>");
    fx.write(release, &broken);
    events.reload();
    let cli = fx.build();
    assert_eq!(cli.code, Some(1));
    let expected =
        "releases/billing-1.2.0.md:3:10: error[version]: \"1.2<x>\" is not a SemVer version";
    assert!(cli.stderr.contains(expected), "build says:\n{}", cli.stderr);
    let page = served.get("/releases/billing/1.2.0/");
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("<strong>ZUGFeRD</strong>"),
        "the last good page stays"
    );
    assert!(page.body.contains("id=\"shipboard-errors\""));
    let escaped = expected
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    assert!(
        page.body.contains(&escaped),
        "the CLI's message, escaped:\n{}",
        page.body
    );
    assert!(!page.body.contains("1.2<x>"));
    assert!(
        served.get("/").body.contains(&escaped),
        "every page shows the errors"
    );
    let css = served.get("/style.css");
    assert_eq!(css.status, 200);
    assert!(!css.body.contains("shipboard-errors"));
    assert!(
        served.printed(expected),
        "the terminal prints the same message:\n{}",
        served.stderr()
    );

    // Fixed: the overlay goes away and tabs reload.
    fx.write(release, &original);
    events.reload();
    let page = served.get("/releases/billing/1.2.0/");
    assert!(page.body.contains("<strong>PDF/A</strong>"));
    assert!(!page.body.contains("shipboard-errors"));

    served.interrupt();
}

#[test]
fn a_first_build_that_fails_serves_an_error_page_until_fixed() {
    let fx = Fixture::new("minimal");
    let portal = fx.read("portal.yaml");
    fx.write(
        "portal.yaml",
        &portal.replace("timezone: Europe/Berlin", "timezone: Mars/Olympus_Mons"),
    );
    let served = Served::start(&fx);
    for path in ["/", "/style.css", "/releases/billing/1.2.0/"] {
        let reply = served.get(path);
        assert_eq!(reply.status, 503, "{path}");
        assert!(reply.body.contains("The site could not be built"), "{path}");
        assert!(
            reply.body.contains("portal.yaml:3:"),
            "{path}: {}",
            reply.body
        );
        assert!(reply.body.contains("Mars/Olympus_Mons"), "{path}");
    }
    assert!(served.printed("portal.yaml:3:11: error[timezone]"));
    assert!(served.printed("nothing to serve until it builds"));
    let events = Events::open(served.addr);
    assert_eq!(events.next(PATIENCE).map(|e| e.0).as_deref(), Some("hello"));
    fx.write("portal.yaml", &portal);
    events.reload();
    let home = served.get("/");
    assert_eq!(home.status, 200);
    assert!(home.body.contains("Roll back Billing"));
    assert!(!home.body.contains("shipboard-errors"));
    served.interrupt();
}

#[test]
fn theme_edits_re_render_and_template_errors_show_over_the_last_good_site() {
    let fx = Fixture::new("minimal");
    let (template, served, events) = serve_with_own_404(&fx);

    fx.write(
        "templates/404.html",
        &template.replace("Page not found", "Nothing here, sorry"),
    );
    events.reload();
    let missing = served.get("/no/such/page/");
    assert_eq!(missing.status, 404);
    assert!(missing.body.contains("Nothing here, sorry"));
    // The index reads no template: it is shared with the site served before, not made.
    assert!(
        served.printed("search index unchanged"),
        "{}",
        served.stderr()
    );
    let manifest = served.get("/search/index.txt");
    assert_eq!(manifest.status, 200);
    assert!(manifest.body.starts_with("shipboard-search 2\n"));

    fx.write(
        "templates/404.html",
        "{% extends \"base.html\" %}{% block main %}{{ 1 + }}{% endblock main %}",
    );
    events.reload();
    let home = served.get("/");
    assert!(
        home.body.contains("Roll back Billing"),
        "the last good page stays"
    );
    assert!(
        home.body.contains("id=\"shipboard-errors\"") && home.body.contains("template error"),
        "{}",
        home.body
    );
    assert!(served
        .get("/no/such/page/")
        .body
        .contains("Nothing here, sorry"));

    fx.write("templates/404.html", &template);
    events.reload();
    assert!(!served.get("/").body.contains("shipboard-errors"));
    assert!(served.get("/no/such/page/").body.contains("Page not found"));
    assert!(
        served.printed("re-rendered"),
        "theme edits only re-render:\n{}",
        served.stderr()
    );
    assert!(served.printed("template error"));
    served.interrupt();
}

/// Sends `raw` as is on a new connection and reads the whole answer.
fn exchange(addr: std::net::SocketAddr, raw: &[u8]) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).expect("connects");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    stream.write_all(raw).expect("the request is sent");
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply).expect("a whole answer");
    String::from_utf8_lossy(&reply).into_owned()
}

#[test]
fn odd_requests_get_clean_answers() {
    let fx = Fixture::new("minimal");
    let served = Served::start(&fx);
    let host = served.addr;

    // A bare CR must never reach the redirect's Location header.
    let split = format!("GET /releases?a\rSet-Cookie:x=1 HTTP/1.1\r\nHost: {host}\r\n\r\n");
    let reply = exchange(host, split.as_bytes());
    assert!(reply.starts_with("HTTP/1.1 400 "), "{reply}");
    assert!(!reply.contains("Set-Cookie"), "{reply}");

    // A head of bare line feeds is answered, not timed out.
    let reply = exchange(host, format!("GET / HTTP/1.1\nHost: {host}\n\n").as_bytes());
    assert!(reply.starts_with("HTTP/1.1 200 "), "{reply}");

    // A GET with a body gets its whole answer.
    let body = "x".repeat(200 * 1024);
    let raw = format!(
        "GET / HTTP/1.1\r\nHost: {host}\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let reply = exchange(host, raw.as_bytes());
    let (head, page) = reply.split_once("\r\n\r\n").expect("a head");
    assert!(head.starts_with("HTTP/1.1 200 "), "{head}");
    let length = head
        .lines()
        .find_map(|l| l.strip_prefix("Content-Length: "))
        .and_then(|n| n.parse::<usize>().ok())
        .expect("a Content-Length");
    assert_eq!(page.len(), length, "the answer was cut short");
    served.interrupt();
}

#[test]
fn a_bad_bind_address_or_a_port_in_use_says_what_to_do() {
    let fx = Fixture::new("minimal");
    let dir = fx.dir().display().to_string();
    let named = common::run(&["serve", &dir, "--bind", "portal.lan"]);
    assert_eq!(named.code, Some(2), "{}", named.stderr);
    assert!(
        named.stderr.contains("such as 127.0.0.1") && named.stderr.contains("0.0.0.0"),
        "{}",
        named.stderr
    );
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let busy = common::run(&["serve", &dir, "--bind", "localhost", "--port", &port]);
    assert_eq!(busy.code, Some(2), "{}", busy.stderr);
    assert!(
        busy.stderr
            .contains(&format!("cannot listen on 127.0.0.1:{port}")),
        "localhost is 127.0.0.1: {}",
        busy.stderr
    );
    assert!(
        busy.stderr.contains("help: ") && busy.stderr.contains("--port"),
        "{}",
        busy.stderr
    );
}

#[test]
fn a_missing_content_folder_is_reported_as_build_reports_it() {
    let temp = tempfile::tempdir().expect("temp");
    let missing = temp.path().join("no-such-portal");
    let dir = missing.display().to_string();
    let served = common::run(&["serve", &dir, "--port", "0"]);
    let built = common::run(&["build", &dir]);
    assert_eq!(served.code, Some(1), "{}", served.stderr);
    assert_eq!(served.code, built.code);
    let line = format!("{dir}: error: content directory not found");
    assert!(served.stderr.contains(&line), "{}", served.stderr);
    assert!(built.stderr.contains(&line), "{}", built.stderr);
    assert!(!missing.exists(), "nothing was created");
}

#[test]
fn an_edit_shows_its_pages_before_the_search_index_which_follows_without_a_reload() {
    let fx = Fixture::new("minimal");
    let served = Served::start(&fx);
    let events = Events::open(served.addr);
    assert_eq!(events.next(PATIENCE).map(|e| e.0).as_deref(), Some("hello"));
    let documents = || {
        let manifest = served.get("/search/index.txt").body;
        let line = manifest.lines().find(|l| l.starts_with("docs "));
        line.map(str::to_owned).unwrap_or_default()
    };
    let before = documents();
    assert!(before.starts_with("docs "), "{before}");

    // A new release: a new page, and a new document in the index.
    let release = fx.read("releases/billing-1.2.0.md");
    fx.write(
        "releases/billing-1.2.1.md",
        &release.replace("version: 1.2.0", "version: 1.2.1"),
    );
    events.reload();
    assert_eq!(served.get("/releases/billing/1.2.1/").status, 200);
    // The index is made after the pages are shown; it is served as soon as it is made.
    let waited = std::time::Instant::now();
    while documents() == before && waited.elapsed() < PATIENCE {
        std::thread::sleep(Duration::from_millis(20));
    }
    let count = |line: &str| line.trim_start_matches("docs ").parse::<usize>().ok();
    assert_eq!(count(&documents()), count(&before).map(|n| n + 1));
    assert!(
        served.printed("pages shown after"),
        "the terminal says when the pages were shown:\n{}",
        served.stderr()
    );
    // Open tabs reloaded once, for the pages: the index that followed is data.
    assert_eq!(events.next(Duration::from_millis(1500)), None);
    served.interrupt();
}
