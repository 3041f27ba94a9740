//! Integration tests of `shipboard serve`: the real binary on a fixture copy, on a free
//! loopback port: pages, content types, 404, traversal, live reload over Server-Sent
//! Events, the error overlay over the last good site, and shutdown on Ctrl-C.

mod common;
mod serve_client;

use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};

use common::Fixture;
use serve_client::{request, Events, Served, PATIENCE};

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
        served.stderr().contains(expected),
        "the terminal prints the same message"
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
    assert!(served.stderr().contains("portal.yaml:3:"));
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

/// Edit-to-reload latency (for BENCHMARKS.md, not a timed test): on the example portal and,
/// when `cargo bench --bench build` generated it, the 10,000-release repo. Run with
/// `cargo test --release --test serve -- --ignored --nocapture`.
#[test]
#[ignore = "a measurement; run it explicitly"]
fn edit_to_reload_latency() {
    let bench = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-content/releases-10000");
    let mut repos = vec![("example portal (content/)", Fixture::new("../../content"))];
    if bench.join("portal.yaml").is_file() {
        repos.push((
            "10,000 releases (target/bench-content)",
            Fixture::new("../../target/bench-content/releases-10000"),
        ));
    } else {
        eprintln!(
            "{} is missing: run `cargo bench --bench build` first",
            bench.display()
        );
    }
    println!("| content | pages | edit -> reload event (median, min..max) | edit -> page fetched (median) | peak RSS |");
    println!("|---|---|---|---|---|");
    for (name, fx) in &repos {
        let served = Served::start(fx);
        if served.get("/").status != 200 {
            println!(
                "| {name} | - | does not build: {} | | |",
                served.stderr().lines().next().unwrap_or("")
            );
            continue;
        }
        let events = Events::open(served.addr);
        assert_eq!(events.next(PATIENCE).map(|e| e.0).as_deref(), Some("hello"));
        let mut releases: Vec<_> = std::fs::read_dir(fx.dir().join("releases"))
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .collect();
        releases.sort();
        let file = &releases[0];
        let original = std::fs::read_to_string(file).unwrap();
        let (mut to_event, mut to_page) = (Vec::new(), Vec::new());
        for run in 0..7 {
            thread::sleep(Duration::from_millis(300));
            let started = Instant::now();
            std::fs::write(file, format!("{original}\nEdited {run}.\n")).unwrap();
            events.reload();
            to_event.push(started.elapsed());
            assert_eq!(served.get("/").status, 200);
            to_page.push(started.elapsed());
        }
        std::fs::write(file, &original).unwrap();
        events.reload();
        to_event.sort();
        to_page.sort();
        let pages = served.get("/sitemap.xml").body.matches("<loc>").count();
        let ms = |d: Duration| d.as_millis();
        let rss = served
            .peak_rss_mib()
            .map(|m| format!("{m} MiB"))
            .unwrap_or_default();
        println!(
            "| {name} | {pages} | {} ms ({}..{}) | {} ms | {rss} |",
            ms(to_event[3]),
            ms(to_event[0]),
            ms(to_event[6]),
            ms(to_page[3])
        );
        eprintln!(
            "{}",
            served
                .stderr()
                .lines()
                .rfind(|l| l.contains("built"))
                .unwrap_or("")
        );
        served.interrupt();
    }
}

#[test]
fn theme_edits_re_render_and_template_errors_show_over_the_last_good_site() {
    let fx = Fixture::new("minimal");
    let builtin = Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/default/templates/404.html");
    let template = std::fs::read_to_string(builtin).expect("the built-in 404 template");
    fx.write("templates/404.html", &template);
    let served = Served::start(&fx);
    let events = Events::open(served.addr);
    assert_eq!(events.next(PATIENCE).map(|e| e.0).as_deref(), Some("hello"));

    fx.write(
        "templates/404.html",
        &template.replace("Page not found", "Nothing here, sorry"),
    );
    events.reload();
    let missing = served.get("/no/such/page/");
    assert_eq!(missing.status, 404);
    assert!(missing.body.contains("Nothing here, sorry"));

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
    let stderr = served.stderr();
    assert!(
        stderr.contains("re-rendered") || stderr.contains("1.2<x>"),
        "{stderr}"
    );
    served.interrupt();
}
