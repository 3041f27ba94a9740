//! Real-browser test of the search box (issue 11): builds the example portal (`content/`,
//! under a base path) and a generated portal with git history (`search_content`, 6 systems ×
//! 50 releases) with the real binary, serves them on 127.0.0.1 under the portal's CSP and
//! drives headless Chromium through chromedriver. It types queries and asserts the first
//! result for a ticket id, a commit SHA prefix (the release that shipped it and the version
//! a rollback returns to), a version, a word from a runbook (landing on its section's
//! anchor) and a person; the keyboard (`/`, arrows, Enter); that the module loads only when
//! the box is used; bad input (quotes, regex characters, emoji, 10,000 characters, SHA-like
//! words that match nothing) answered without console errors; script payloads inert in
//! snippets; "Search is unavailable" for a corrupt and for a missing shard; and, with
//! JavaScript off, no box and the static `/tickets/` page. On a portal big enough that
//! shards are split (1,500 generated releases), short prefixes read the parts of a split
//! shard one after another: the box shows what the reader crate answers from all the files,
//! having fetched exactly the shards that answer needs.
//!
//! Needs `/usr/bin/chromium` and `chromedriver`, like `widget_browser`.

mod browser;
mod search_content;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use browser::static_site::serve;
use browser::{browser_tools, copy_dir, run_scenario, ChromeDriver, Scenario};
use fantoccini::key::Key;
use fantoccini::{Client, Locator};
use serde_json::{json, Value};

const WAIT: Duration = Duration::from_secs(20);

#[test]
fn search_box_in_chromium() {
    let Some(chromedriver) = browser_tools("search_browser") else {
        return;
    };
    let tmp = tempfile::tempdir().expect("temp dir");
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));

    // The example portal under a base path: served from /portal/.
    let example_root = tmp.path().join("example-root");
    let example_port = browser::free_port();
    let example_base = format!("http://127.0.0.1:{example_port}/portal/");
    build_portal(
        &manifest.join("content"),
        &example_root.join("portal"),
        Some(&example_base),
    );
    serve_on(example_root.clone(), example_port);

    // A copy with a corrupt shard and a missing one.
    let broken_root = tmp.path().join("broken-root");
    let broken = broken_root.join("portal");
    copy_dir(&example_root.join("portal"), &broken);
    let k = broken.join("search/k/7061.txt"); // "pa": pay-456, payments 2.4.0, ...
    std::fs::write(&k, "<!doctype html><title>gone</title>").expect("corrupt a shard");
    let ledger = broken.join("search/t/6c65.txt"); // "le": ledger, ...
    std::fs::remove_file(&ledger).expect("remove a shard");
    let broken_base = format!("http://127.0.0.1:{}/portal/", serve(broken_root));

    // The generated portal with git history.
    let generated = tmp.path().join("generated");
    let facts = search_content::generate(&generated, 6, 50);
    assert_eq!(facts.releases.len(), 300);
    let generated_site = tmp.path().join("generated-site");
    build_portal(&generated, &generated_site, None);
    let generated_base = format!("http://127.0.0.1:{}/", serve(generated_site));
    let sha = search_content::tagged_commit(&generated, "cobalt", "v2.7.0");

    // A portal whose shards are split.
    let split_content = tmp.path().join("split");
    let params = shipboard_fixtures::Params::sized(1_500);
    shipboard_fixtures::write_content(&split_content, &shipboard_fixtures::generate(&params));
    let split_site = tmp.path().join("split-site");
    build_portal(&split_content, &split_site, None);
    let split_answers = split_answers(&split_site.join("search"));
    let split_base = format!("http://127.0.0.1:{}/", serve(split_site));

    let driver = ChromeDriver::start(&chromedriver, tmp.path());
    let runtime = browser::runtime();
    let outcome = runtime.block_on(async {
        let mut results = Vec::new();
        let example = in_session(&driver, tmp.path(), "profile-example", None, {
            let base = example_base.clone();
            move |c| Box::pin(async move { example_scenario(&c, &base).await })
        });
        results.push(example.await);
        let large = in_session(&driver, tmp.path(), "profile-generated", None, {
            let base = generated_base.clone();
            move |c| Box::pin(async move { generated_scenario(&c, &base, &sha).await })
        });
        results.push(large.await);
        let broken = in_session(&driver, tmp.path(), "profile-broken", None, {
            move |c| Box::pin(async move { broken_scenario(&c, &broken_base).await })
        });
        results.push(broken.await);
        let split = in_session(&driver, tmp.path(), "profile-split", None, {
            move |c| Box::pin(async move { split_scenario(&c, &split_base, &split_answers).await })
        });
        results.push(split.await);
        let no_js = json!({ "profile.managed_default_content_settings.javascript": 2 });
        let static_only = in_session(&driver, tmp.path(), "profile-nojs", Some(no_js), {
            let base = example_base.clone();
            move |c| Box::pin(async move { no_javascript_scenario(&c, &base).await })
        });
        results.push(static_only.await);
        results
    });
    drop(driver);
    let failures: Vec<String> = outcome.into_iter().filter_map(Result::err).collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// --- Scenarios ------------------------------------------------------------------------------

async fn example_scenario(c: &Client, base: &str) {
    open(c, &format!("{base}releases/")).await;
    assert!(
        displayed(c, "#search-q").await && !displayed(c, ".search-fallback").await,
        "with JavaScript the box replaces the Tickets link"
    );
    assert!(
        !resources(c)
            .await
            .iter()
            .any(|r| r.contains("shipboard_search")),
        "the search module loaded before the box was used"
    );
    // `/` focuses the box.
    let body = c.find(Locator::Css("body")).await.expect("body");
    body.send_keys("/").await.expect("type /");
    let focused = c
        .execute(
            "return document.activeElement && document.activeElement.id;",
            vec![],
        )
        .await
        .expect("active element");
    assert_eq!(
        focused,
        json!("search-q"),
        "`/` did not focus the search box"
    );

    let first = search(c, "PAY-456").await;
    first.expect(Group::Releases, "/portal/releases/payments/2.4.0/");
    assert!(first.titles[0].contains("2.4.0"), "{first:?}");
    assert!(
        resources(c)
            .await
            .iter()
            .any(|r| r.ends_with("shipboard_search_bg.wasm")),
        "the search module was not loaded"
    );
    search(c, "payments 2.4")
        .await
        .expect(Group::Releases, "/portal/releases/payments/2.4.0/");
    search(c, "2.3.2")
        .await
        .expect(Group::Releases, "/portal/releases/payments/2.3.2/");

    // The commit tagged v2.3.2 in the example's payments repository: shipped by 2.3.2, whose
    // rollback returns to 2.3.1.
    let sha = git_rev(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("content/repos/payments.git"),
        "v2.3.2",
    );
    let commit = search(c, &sha[..7]).await;
    commit.expect(Group::Commits, "/portal/releases/payments/2.3.2/");
    assert!(
        commit.snippets[0].contains("First shipped in Payments API 2.3.2")
            && commit.snippets[0].contains("a rollback returns to 2.3.1"),
        "{commit:?}"
    );
    // A word only runbooks (and one release note) use: the runbook section, on its anchor.
    let word = search(c, "snapshot").await;
    word.expect(
        Group::Runbooks,
        "/portal/runbooks/ledger-rollback/#database-migrations",
    );
    assert!(
        word.marks
            .iter()
            .any(|m| m.eq_ignore_ascii_case("snapshot")),
        "{word:?}"
    );
    // People by first name (accents and case folded) and by chat handle.
    search(c, "oluwaseun")
        .await
        .expect(Group::People, "/portal/contacts/#person-olu");
    search(c, "@olu")
        .await
        .expect(Group::People, "/portal/contacts/#person-olu");
    // A broad query says the list is cut, not that these are all the results.
    let broad = search(c, "rollback").await;
    assert_eq!(
        broad.status, "The 12 best results: add a word to narrow them.",
        "{broad:?}"
    );
    // Release trains, their departures and system versions.
    search(c, "checkout train")
        .await
        .expect(Group::ReleaseTrains, "/portal/trains/checkout/");
    search(c, "train-checkout-2")
        .await
        .expect(Group::ReleaseTrains, "/portal/trains/checkout/2/");
    search(c, "2026.12")
        .await
        .expect(Group::SystemVersions, "/portal/system-versions/2026-12/");

    // Keyboard: arrows select, Enter follows, the page lands on the anchor.
    search(c, "snapshot").await;
    let input = c.find(Locator::Css("#search-q")).await.expect("search box");
    input
        .send_keys(&Key::Down.to_string())
        .await
        .expect("arrow down");
    let active = attr(c, "#search-q", "aria-activedescendant").await;
    assert_eq!(active, "so-0", "ArrowDown selects the first option");
    assert_eq!(attr(c, "#so-0", "aria-selected").await, "true");
    input
        .send_keys(&Key::Enter.to_string())
        .await
        .expect("enter");
    wait_until(
        c,
        "location.pathname + location.hash",
        "/portal/runbooks/ledger-rollback/#database-migrations",
    )
    .await;
    let target = c
        .execute(
            "return !!document.getElementById('database-migrations');",
            vec![],
        )
        .await
        .expect("anchor");
    assert_eq!(
        target,
        json!(true),
        "the result's anchor is not on the page"
    );

    bad_input(c).await;
}

async fn generated_scenario(c: &Client, base: &str, sha: &str) {
    open(c, base).await;
    search(c, "BOR-117")
        .await
        .expect(Group::Releases, "/releases/borealis/2.7.0/");
    search(c, "cobalt 4.2")
        .await
        .expect(Group::Releases, "/releases/cobalt/4.2.0/");
    let commit = search(c, &sha[..9]).await;
    commit.expect(Group::Commits, "/releases/cobalt/2.7.0/");
    assert!(
        commit.snippets[0].contains("Cobalt Catalog 2.7.0")
            && commit.snippets[0].contains("returns to 2.6.0"),
        "{commit:?}"
    );
    search(c, "quiesce delta").await.expect(
        Group::Runbooks,
        "/runbooks/delta-rollback/#quiesce-the-delta-workers",
    );
    search(c, "ZOE MULLER")
        .await
        .expect(Group::People, "/contacts/#person-zoe");
    search(c, "wisniewski")
        .await
        .expect(Group::People, "/contacts/#person-lukasz");
    // Content with markup stays text: the snippet shows it, the list has no such element.
    let payload = search(c, "zanzibarite").await;
    payload.expect(Group::Releases, "/releases/atlas/1.3.0/");
    assert!(
        payload.snippets[0].contains("<script>alert(2)</script>"),
        "{payload:?}"
    );
    let injected = c
        .execute(
            "return document.querySelectorAll('#search-list img, #search-list script').length;",
            vec![],
        )
        .await
        .expect("count elements");
    assert_eq!(
        injected,
        json!(0),
        "markup from the content became elements"
    );
    bad_input(c).await;
}

async fn broken_scenario(c: &Client, base: &str) {
    open(c, base).await;
    record_errors(c).await;
    for query in ["PAY-456", "ledger"] {
        let shown = search(c, query).await;
        assert_eq!(shown.status, "Search is unavailable.", "{query}: {shown:?}");
        assert!(shown.hrefs.is_empty(), "{query}: {shown:?}");
    }
    // Queries that need neither shard still work.
    search(c, "oluwaseun")
        .await
        .expect(Group::People, "/portal/contacts/#person-olu");
    let errors = c
        .execute("return window.__errors;", vec![])
        .await
        .expect("errors");
    assert_eq!(errors, json!([]), "console errors or exceptions");
}

/// Queries on the split portal: short prefixes of split shards and longer words.
const SPLIT_QUERIES: [&str; 5] = ["re", "rel", "rel-1", "payments 2", "rollb"];

/// What the reader crate answers for a query, fetching as the box does (the missing
/// shards, again until none is missing): the result links, and the shard files read.
#[derive(Debug)]
struct Answer {
    input: String,
    hrefs: Vec<String>,
    shards: BTreeSet<String>,
    /// Identifier shards listed under the query's prefix (the parts it could read).
    listed_keys_under: usize,
}

impl Answer {
    fn key_parts(&self) -> usize {
        self.shards.iter().filter(|s| s.starts_with("k/")).count()
    }

    fn split_parts(&self) -> usize {
        self.shards
            .iter()
            .filter(|s| s.len() > "k/7265.txt".len())
            .count()
    }
}

/// The answers to [`SPLIT_QUERIES`] from the index in `search`.
fn split_answers(search: &Path) -> Vec<Answer> {
    let mut files: BTreeMap<String, String> = BTreeMap::new();
    for entry in walkdir::WalkDir::new(search) {
        let entry = entry.expect("walk search/");
        if entry.file_type().is_file() {
            let rel = entry.path().strip_prefix(search).expect("inside");
            let text = std::fs::read_to_string(entry.path()).expect("read index file");
            files.insert(rel.display().to_string(), text);
        }
    }
    SPLIT_QUERIES
        .iter()
        .map(|q| reader_answer(&files, q))
        .collect()
}

fn reader_answer(files: &BTreeMap<String, String>, input: &str) -> Answer {
    use shipboard_search::index::{self, Family, Manifest};
    use shipboard_search::query::Query;
    let manifest = Manifest::parse(&files["index.txt"]).expect("manifest");
    let query = Query::parse(input);
    let mut shards: BTreeSet<String> = BTreeSet::new();
    let hits = loop {
        let get = |p: &str| {
            shards
                .contains(p)
                .then(|| files.get(p).map(String::as_str))
                .flatten()
        };
        let found = query.search(&manifest, &get).expect("shards parse");
        if found.missing.is_empty() {
            break found.hits;
        }
        for path in found.missing {
            assert!(files.contains_key(&path), "{path} is listed, not written");
            shards.insert(path);
        }
    };
    let hrefs = hits
        .iter()
        .map(|hit| {
            let fragment = &files[&manifest.fragment_path(hit.doc)];
            let record = index::record(fragment, hit.doc % manifest.bucket).expect("record");
            format!("/{}", record.url)
        })
        .collect();
    let listed_keys_under = manifest.shards(Family::Keys, &query.key).len();
    Answer {
        input: input.to_owned(),
        hrefs,
        shards,
        listed_keys_under,
    }
}

async fn split_scenario(c: &Client, base: &str, answers: &[Answer]) {
    // `re`: what ranking uses (64 identifiers) is in its first parts, not in all of them.
    let re = &answers[0];
    assert!(
        re.key_parts() >= 1 && re.key_parts() < re.listed_keys_under,
        "`re` should read some, not all, of the {} identifier parts under it: {re:?}",
        re.listed_keys_under
    );
    let split = answers.iter().filter(|a| a.split_parts() > 0).count();
    assert!(
        split >= 3,
        "most queries should read parts of split shards: {answers:#?}"
    );
    for answer in answers {
        // A fresh page: its resource list is this query's fetches alone.
        open(c, base).await;
        set_query(c, &answer.input).await;
        wait_answered(c, &answer.input).await;
        let hrefs = c
            .execute(
                "return [...document.querySelectorAll('#search-list [role=option]')]\
                 .map(o => o.getAttribute('href'));",
                vec![],
            )
            .await
            .expect("read results");
        assert!(!answer.hrefs.is_empty(), "{answer:?}");
        assert_eq!(hrefs, json!(answer.hrefs), "{}", answer.input);
        let fetched: BTreeSet<String> = resources(c)
            .await
            .iter()
            .filter_map(|r| r.split_once("/search/").map(|(_, p)| p.to_owned()))
            .filter(|p| ["k/", "t/", "c/"].iter().any(|dir| p.starts_with(dir)))
            .collect();
        assert_eq!(
            fetched, answer.shards,
            "shards fetched for {}",
            answer.input
        );
    }
}

async fn no_javascript_scenario(c: &Client, base: &str) {
    c.goto(base).await.expect("open home");
    assert!(
        !displayed(c, "#search-q").await,
        "the box shows without JavaScript"
    );
    let link = c
        .find(Locator::Css(".search-fallback"))
        .await
        .expect("tickets link");
    assert!(link.is_displayed().await.expect("displayed"));
    link.click().await.expect("follow the Tickets link");
    let row = c
        .find(Locator::Css("#t-pay-456"))
        .await
        .expect("the PAY-456 row");
    let html = row.html(false).await.expect("row html");
    assert!(
        html.contains("href=\"/portal/releases/payments/2.4.0/\""),
        "PAY-456 does not list payments 2.4.0: {html}"
    );
}

/// Queries of any length and content: an answer (results or "No results.") and a quiet console.
async fn bad_input(c: &Client) {
    record_errors(c).await;
    let long = "a".repeat(10_000);
    let queries = [
        "\"quoted\" 'single'",
        ".*+?^${}()|[]\\",
        "🚀🔥 emoji ünïcödé",
        "deadbeefcafe",
        "0000000",
        "<script>alert(1)</script>",
        "   ",
        long.as_str(),
    ];
    for query in queries {
        set_query(c, query).await;
        let status = wait_answered(c, query).await;
        if query.trim().is_empty() {
            continue;
        }
        assert!(
            status == "No results."
                || status.ends_with(" results.")
                || status == "1 result."
                || status == "The 12 best results: add a word to narrow them.",
            "{:.40}: {status}",
            query
        );
    }
    let shown = search(c, "deadbee").await;
    assert_eq!(shown.status, "No results.", "{shown:?}");
    let errors = c
        .execute("return window.__errors;", vec![])
        .await
        .expect("errors");
    assert_eq!(errors, json!([]), "console errors or exceptions");
}

// --- Search helpers -------------------------------------------------------------------------

#[derive(Debug, PartialEq, Eq, Clone, Copy)]
enum Group {
    Releases,
    Runbooks,
    People,
    Commits,
    ReleaseTrains,
    SystemVersions,
}

impl Group {
    /// The group's heading in the results.
    fn label(self) -> &'static str {
        match self {
            Group::Releases => "Releases",
            Group::Runbooks => "Runbooks",
            Group::People => "People",
            Group::Commits => "Commits",
            Group::ReleaseTrains => "Release trains",
            Group::SystemVersions => "System versions",
        }
    }
}

/// What the box shows for a query.
#[derive(Debug, Default)]
struct Shown {
    query: String,
    status: String,
    groups: Vec<String>,
    hrefs: Vec<String>,
    titles: Vec<String>,
    snippets: Vec<String>,
    marks: Vec<String>,
}

impl Shown {
    /// The first result is in `group` and links to `href` (a path).
    fn expect(&self, group: Group, href: &str) {
        assert_eq!(
            (
                self.groups.first().map(String::as_str),
                self.hrefs.first().map(String::as_str)
            ),
            (Some(group.label()), Some(href)),
            "first result for {:?}: {self:#?}",
            self.query
        );
    }
}

/// Types `query` into the box (after clearing it) and reads the answer.
async fn search(c: &Client, query: &str) -> Shown {
    set_query(c, "").await;
    let input = c.find(Locator::Css("#search-q")).await.expect("search box");
    input.send_keys(query).await.expect("type the query");
    let status = wait_answered(c, query).await;
    let v = c
        .execute(
            "const opts = [...document.querySelectorAll('#search-list [role=option]')];\
             return { hrefs: opts.map(o => o.getAttribute('href')),\
                      groups: opts.map(o => o.closest('[role=group]').querySelector('.search-group').textContent),\
                      titles: opts.map(o => o.querySelector('.search-title').textContent),\
                      snippets: opts.map(o => o.querySelector('.search-snip').textContent),\
                      marks: [...document.querySelectorAll('#search-list mark')].map(m => m.textContent) };",
            vec![],
        )
        .await
        .expect("read results");
    let list = |k: &str| -> Vec<String> {
        v[k].as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    };
    Shown {
        query: query.to_owned(),
        status,
        groups: list("groups"),
        hrefs: list("hrefs"),
        titles: list("titles"),
        snippets: list("snippets"),
        marks: list("marks"),
    }
}

/// Sets the box's value directly (a 10,000-character query is not typed key by key) and
/// fires `input`, as typing does; also loads the module, like a first keystroke.
async fn set_query(c: &Client, query: &str) {
    c.execute(
        "const i = document.getElementById('search-q'); i.focus(); i.value = arguments[0];\
         i.dispatchEvent(new Event('input', { bubbles: true }));",
        vec![json!(query)],
    )
    .await
    .expect("set the query");
}

/// Waits until the box has answered `query` (its `data-answered`); returns the status line.
async fn wait_answered(c: &Client, query: &str) -> String {
    let start = Instant::now();
    loop {
        let v = c
            .execute(
                "const s = document.querySelector('[data-search]');\
                 return [s.getAttribute('data-answered'), s.querySelector('[role=status]').textContent];",
                vec![],
            )
            .await
            .expect("read the box");
        if v[0].as_str() == Some(query) {
            return v[1].as_str().unwrap_or("").to_owned();
        }
        assert!(
            start.elapsed() < WAIT,
            "no answer for {:.60?} (box: {v})",
            query
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Collects console errors and warnings, uncaught exceptions and rejections in `window.__errors`.
async fn record_errors(c: &Client) {
    c.execute(
        "window.__errors = [];\
         const e = console.error.bind(console); console.error = (...a) => { window.__errors.push(a.map(String).join(' ')); e(...a); };\
         const w = console.warn.bind(console); console.warn = (...a) => { window.__errors.push(a.map(String).join(' ')); w(...a); };\
         addEventListener('error', (ev) => window.__errors.push(String(ev.message)));\
         addEventListener('unhandledrejection', (ev) => window.__errors.push(String(ev.reason)));",
        vec![],
    )
    .await
    .expect("record errors");
}

// --- Page helpers ---------------------------------------------------------------------------

/// Runs `scenario` in a fresh Chromium session and always closes it, also when the
/// scenario panics or hangs.
async fn in_session(
    driver: &ChromeDriver,
    tmp: &Path,
    profile: &str,
    prefs: Option<Value>,
    scenario: impl FnOnce(Client) -> Scenario,
) -> Result<(), String> {
    let client = driver
        .session_with_prefs(&tmp.join(profile), prefs)
        .await
        .map_err(|e| format!("{profile}: {e}"))?;
    run_scenario(client, profile, Duration::from_secs(240), scenario).await
}

async fn open(c: &Client, url: &str) {
    c.goto(url)
        .await
        .unwrap_or_else(|e| panic!("open {url}: {e}"));
    if c.wait()
        .at_most(WAIT)
        .for_element(Locator::Css(".search-box:not([hidden])"))
        .await
        .is_err()
    {
        panic!("the search loader did not show the box on {url}");
    }
}

async fn wait_until(c: &Client, expression: &str, want: &str) {
    let start = Instant::now();
    loop {
        let v = c
            .execute(&format!("return {expression};"), vec![])
            .await
            .expect("evaluate");
        if v.as_str() == Some(want) {
            return;
        }
        assert!(start.elapsed() < WAIT, "{expression} is {v}, not {want}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn displayed(c: &Client, css: &str) -> bool {
    let e = c.find(Locator::Css(css)).await.expect(css);
    e.is_displayed().await.expect(css)
}

async fn attr(c: &Client, css: &str, name: &str) -> String {
    let e = c.find(Locator::Css(css)).await.expect(css);
    e.attr(name).await.expect(css).unwrap_or_default()
}

async fn resources(c: &Client) -> Vec<String> {
    let v = c
        .execute(
            "return performance.getEntriesByType('resource').map(e => e.name);",
            vec![],
        )
        .await
        .expect("resource timing");
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

// --- Building and serving -------------------------------------------------------------------

/// Builds `content` into `site` as of the tests' build date, with the search files.
fn build_portal(content: &Path, site: &Path, base_url: Option<&str>) {
    let expected = [
        "search/index.txt",
        "widget/search/search.js",
        "tickets/index.html",
    ];
    browser::build_portal(content, site, base_url, Some("1795608000"), &expected);
}

/// Serves `root` on `port` (chosen before the build, which needs the base URL).
fn serve_on(root: std::path::PathBuf, port: u16) {
    let listener = std::net::TcpListener::bind(("127.0.0.1", port)).expect("bind static server");
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let root = root.clone();
            std::thread::spawn(move || {
                let _ = browser::static_site::respond(stream, &root);
            });
        }
    });
}

fn git_rev(repo: &Path, tag: &str) -> String {
    let out = Command::new("git")
        .arg("--git-dir")
        .arg(repo)
        .args(["rev-parse", &format!("{tag}^{{commit}}")])
        .output()
        .expect("git rev-parse");
    assert!(out.status.success(), "git rev-parse {tag}");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}
