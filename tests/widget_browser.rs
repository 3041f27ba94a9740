//! Real-browser test of the checklist widget: builds the fixture portal
//! (`tests/fixtures/widget/`) and the example portal (`content/`) with the real `shipboard`
//! binary, serves them from a tiny static file server on 127.0.0.1 (under the portal's CSP) and
//! drives headless Chromium through `chromedriver` (WebDriver, via fantoccini). On the fixture
//! it ticks items with mouse and keyboard, reloads, checks the progress text, exports Markdown,
//! resets, checks that two releases (and two checklists on one page) keep separate state, and
//! that the widget degrades to an in-page checklist with a notice when storage is full or
//! blocked. On the example portal it checks every checklist page against the HTML contract.
//! A second test makes the round trip of recorded ticks (issue 14): tick, "Record ticks",
//! paste the YAML into the release file, rebuild, and see them recorded in a fresh profile and
//! gone from the first profile's storage. It fails if the widget did not load.
//!
//! Needs `/usr/bin/chromium` and `chromedriver` (Debian: `chromium`, `chromium-driver`). Without
//! them the test fails, unless `SHIPBOARD_SKIP_BROWSER_TESTS=1` says to skip it.

mod browser;

use std::path::Path;
use std::time::{Duration, Instant};

use browser::static_site::serve;
use browser::{browser_tools, copy_dir, run_scenario, ChromeDriver, Scenario};
use fantoccini::{Client, Locator};
use serde_json::Value;

const WAIT: Duration = Duration::from_secs(15);

#[test]
fn checklist_widget_in_chromium() {
    let Some(chromedriver) = browser_tools("widget_browser") else {
        return;
    };
    let tmp = tempfile::tempdir().expect("temp dir");
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let site = tmp.path().join("site");
    build_portal(&manifest.join("tests/fixtures/widget"), &site);
    add_two_checklist_page(&site);
    let base = format!("http://127.0.0.1:{}", serve(site.clone()));
    let example = tmp.path().join("example");
    build_portal(&manifest.join("content"), &example);
    let example_pages = checklist_pages(&example);
    assert!(
        !example_pages.is_empty(),
        "the example portal has no checklist page"
    );
    let example_base = format!("http://127.0.0.1:{}", serve(example));
    let driver = ChromeDriver::start(&chromedriver, tmp.path());

    let runtime = browser::runtime();
    let outcome = runtime.block_on(async {
        let main = in_session(&driver, tmp.path(), "profile-main", false, {
            let base = base.clone();
            move |c| Box::pin(async move { main_scenario(&c, &base).await })
        })
        .await;
        let blocked = in_session(&driver, tmp.path(), "profile-blocked", true, {
            let base = base.clone();
            move |c| Box::pin(async move { blocked_storage_scenario(&c, &base).await })
        })
        .await;
        let example = in_session(&driver, tmp.path(), "profile-example", false, {
            move |c| {
                Box::pin(async move { example_scenario(&c, &example_base, &example_pages).await })
            }
        })
        .await;
        [main, blocked, example]
    });
    drop(driver);
    let failures: Vec<String> = outcome.into_iter().filter_map(Result::err).collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Issue 14's round trip: tick items in one browser, "Record ticks", paste the YAML into the
/// release file, rebuild; a fresh browser profile then sees them recorded with who and when,
/// and the first profile's local copies of those ticks are gone from `localStorage`.
#[test]
fn recorded_ticks_round_trip_in_chromium() {
    let Some(chromedriver) = browser_tools("widget_browser") else {
        return;
    };
    let tmp = tempfile::tempdir().expect("temp dir");
    let content = tmp.path().join("content");
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/widget");
    copy_dir(&fixture, &content);
    let site = tmp.path().join("site");
    // The real clock, not SOURCE_DATE_EPOCH: the browser stamps ticks with the real time, and
    // a tick later than the build is an error.
    build_portal(&content, &site);
    let base = format!("http://127.0.0.1:{}", serve(site.clone()));
    let url = format!("{base}/releases/payments/2.4.0/");
    let driver = ChromeDriver::start(&chromedriver, tmp.path());
    let runtime = browser::runtime();
    let outcome = runtime.block_on(async {
        let release_file = content.join("releases/payments-2.4.0.md");
        let first = in_session(&driver, tmp.path(), "profile-recorder", false, {
            let (url, content, site) = (url.clone(), content.clone(), site.clone());
            move |c| {
                Box::pin(async move {
                    let yaml = tick_and_record(&c, &url).await;
                    paste_ticks(&release_file, &yaml);
                    build_portal(&content, &site);
                    recorded_and_cleared(&c, &url).await;
                })
            }
        })
        .await;
        let fresh = in_session(&driver, tmp.path(), "profile-fresh", false, {
            let url = url.clone();
            move |c| Box::pin(async move { fresh_profile_sees_records(&c, &url).await })
        })
        .await;
        [first, fresh]
    });
    drop(driver);
    let failures: Vec<String> = outcome.into_iter().filter_map(Result::err).collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Ticks the first and third items as `priya`, presses "Record ticks" and returns the YAML.
async fn tick_and_record(c: &Client, url: &str) -> String {
    open(c, url).await;
    let name = c.find(Locator::Css("[data-cw-name]")).await.expect("name");
    name.send_keys("priya").await.expect("type the person id");
    let boxes = checkboxes(c).await;
    boxes[0].click().await.expect("tick ticket-filed");
    boxes[2].click().await.expect("tick canary");
    assert_eq!(count_text(c).await, "2 of 5 done");
    assert_eq!(storage_keys(c).await.len(), 3, "two ticks and the name");
    click(c, "[data-cw-record]").await;
    let area = c
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css("[data-cw-export]:not([hidden])"))
        .await
        .expect("Record ticks shows its YAML");
    let yaml = area.prop("value").await.expect("value").unwrap_or_default();
    assert!(
        yaml.starts_with("ticks:\n  - item: ticket-filed\n    by: priya\n    at: "),
        "{yaml}"
    );
    assert!(
        yaml.contains("\n  - item: canary\n    by: priya\n"),
        "{yaml}"
    );
    assert_eq!(yaml.matches("    wording: ").count(), 2, "{yaml}");
    let msg = wait_text(c, "[data-cw-msg]").await;
    assert!(msg.contains("YAML of your ticks"), "message: {msg:?}");
    yaml
}

/// Adds `yaml` at the end of the release file's front matter, as a person would.
fn paste_ticks(file: &Path, yaml: &str) {
    let text = std::fs::read_to_string(file).expect("release file");
    let end = text[4..]
        .find("\n---")
        .map(|i| i + 5)
        .expect("front matter end");
    let pasted = format!("{}{}{}", &text[..end], yaml, &text[end..]);
    std::fs::write(file, pasted).expect("write the release file");
}

/// After the rebuild, the first profile sees the ticks recorded and no longer keeps them.
async fn recorded_and_cleared(c: &Client, url: &str) {
    open(c, url).await;
    assert_eq!(recorded(c).await, [true, false, true, false, false]);
    assert_eq!(
        count_text(c).await,
        "2 of 5 done: 2 recorded, 0 on this device"
    );
    let keys = storage_keys(c).await;
    assert!(
        !keys
            .iter()
            .any(|k| k.contains("|planning/ticket-filed|") || k.contains("|deploy/canary|")),
        "recorded ticks are still in localStorage: {keys:?}"
    );
    assert!(
        keys.iter().any(|k| k.ends_with("|name")),
        "the name stays: {keys:?}"
    );
}

/// A new profile (nothing in storage) sees both ticks as recorded, with who and when.
async fn fresh_profile_sees_records(c: &Client, url: &str) {
    open(c, url).await;
    assert!(storage_keys(c).await.is_empty());
    assert_eq!(recorded(c).await, [true, false, true, false, false]);
    assert_eq!(selected(c).await, [true, false, true, false, false]);
    assert_eq!(
        count_text(c).await,
        "2 of 5 done: 2 recorded, 0 on this device"
    );
    let notes = texts(c, ".checklist-recorded").await;
    assert_eq!(notes.len(), 2);
    for note in &notes {
        assert!(note.starts_with("recorded by Priya Raman, "), "{note:?}");
    }
    let times = texts(c, ".checklist-recorded time").await;
    assert!(times.iter().all(|t| t.contains(":")), "{times:?}");
    // A recorded item cannot be unticked here.
    let first = &checkboxes(c).await[0];
    assert!(
        !first.is_enabled().await.expect("enabled"),
        "a recorded tick is disabled"
    );
}

/// Whether each checkbox is done by record (`data-done="recorded"`).
async fn recorded(c: &Client) -> Vec<bool> {
    let mut out = Vec::new();
    for b in checkboxes(c).await {
        out.push(b.attr("data-done").await.expect("data-done").as_deref() == Some("recorded"));
    }
    out
}

/// Builds the content repo `content` into `site` with the real binary, with the widget.
fn build_portal(content: &Path, site: &Path) {
    let expected = ["widget/checklist.js", "widget/shipboard_widget_bg.wasm"];
    browser::build_portal(content, site, None, None, &expected);
}

/// URL paths (`/releases/x/1.0.0/`) of the built pages that contain a checklist.
fn checklist_pages(site: &Path) -> Vec<String> {
    fn walk(site: &Path, dir: &Path, out: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(site, &path, out);
            } else if path.file_name().is_some_and(|n| n == "index.html")
                && std::fs::read_to_string(&path).is_ok_and(|s| s.contains("data-checklist "))
            {
                let rel = path.parent().and_then(|p| p.strip_prefix(site).ok());
                let rel = rel.map(|r| r.to_string_lossy().replace('\\', "/"));
                out.push(match rel.as_deref() {
                    None | Some("") => "/".to_string(),
                    Some(r) => format!("/{r}/"),
                });
            }
        }
    }
    let mut out = Vec::new();
    walk(site, site, &mut out);
    out.sort();
    out
}

/// Adds `/two-checklists/`: two independent checklists on one page, in the generator's
/// HTML contract (the fixture portal has no such page of its own).
fn add_two_checklist_page(site: &Path) {
    let section = |release: &str, id: &str| {
        let mut s = format!(
            "<section class=\"checklist\" data-checklist data-portal=\"northwind\" \
             data-release=\"{release}\" data-checklist-id=\"{id}\" aria-labelledby=\"{id}-h\">\
             <h2 id=\"{id}-h\">Checklist: {id}</h2>\
             <div class=\"checklist-status\" data-checklist-status></div>\
             <fieldset class=\"checklist-phase\" data-phase=\"p\"><legend>Phase</legend><ul>"
        );
        for item in ["one", "two"] {
            s += &format!(
                "<li><input type=\"checkbox\" id=\"{id}-{item}\" data-item=\"p/{item}\" \
                 data-digest=\"00000000000000a1\"> <label for=\"{id}-{item}\">Item {item}</label> \
                 <span class=\"checklist-owner\">SRE</span></li>"
            );
        }
        s + "</ul></fieldset></section>"
    };
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Two</title>\
         <script type=\"module\" src=\"/widget/checklist.js\"></script></head><body><main>{}{}\
         </main></body></html>",
        section("payments@9.9.9", "first"),
        section("payments@9.9.9", "second")
    );
    let dir = site.join("two-checklists");
    std::fs::create_dir_all(&dir).expect("mkdir two-checklists");
    std::fs::write(dir.join("index.html"), html).expect("write two-checklists page");
}

// --- WebDriver session ----------------------------------------------------------------------

/// Runs `scenario` in a fresh Chromium session and always closes the session, also when the
/// scenario panics (it runs as its own task) or hangs (time limit).
async fn in_session(
    driver: &ChromeDriver,
    tmp: &Path,
    profile: &str,
    block_storage: bool,
    scenario: impl FnOnce(Client) -> Scenario,
) -> Result<(), String> {
    let client = driver
        .session(&tmp.join(profile), block_storage)
        .await
        .map_err(|e| format!("{profile}: {e}"))?;
    run_scenario(client, profile, Duration::from_secs(180), scenario).await
}

// --- Scenarios ------------------------------------------------------------------------------

async fn main_scenario(c: &Client, base: &str) {
    let a = format!("{base}/releases/payments/2.4.0/");
    let b = format!("{base}/releases/payments/2.5.0/");

    open(c, &a).await;
    let styled = c
        .execute(
            "return [...document.styleSheets].some(s => (s.href || '').endsWith('/widget/checklist.css'));",
            vec![],
        )
        .await
        .expect("list style sheets");
    assert_eq!(
        styled,
        Value::Bool(true),
        "the loader added widget/checklist.css"
    );
    assert_eq!(count_text(c).await, "0 of 5 done");
    let boxes = checkboxes(c).await;
    assert_eq!(boxes.len(), 5, "the fixture checklist has five items");

    // Give a name once, then tick one item with the mouse and one with the keyboard.
    let name = c
        .find(Locator::Css("[data-cw-name]"))
        .await
        .expect("name field");
    name.send_keys("Priya Raman").await.expect("type name");
    boxes[0].click().await.expect("click first item");
    boxes[2].send_keys(" ").await.expect("space on third item");
    assert_eq!(count_text(c).await, "2 of 5 done");
    assert_eq!(attr(c, "[data-cw-bar]", "value").await, "2");
    assert_eq!(attr(c, "[data-cw-bar]", "max").await, "5");
    let phases = texts(c, "[data-cw-phase]").await;
    assert_eq!(
        phases,
        [" (1 of 2 done)", " (1 of 2 done)", " (0 of 1 done)"],
        "per-phase progress"
    );
    let notes = texts(c, "[data-cw-when]").await;
    assert!(
        notes[0].starts_with("ticked ") && notes[0].ends_with(" by Priya Raman"),
        "note beside a ticked item: {:?}",
        notes[0]
    );
    assert_eq!(notes[1], "", "no note beside an unticked item");

    // The storage key holds portal, release, checklist, item id and the item's digest.
    let digest = boxes[0]
        .attr("data-digest")
        .await
        .expect("digest")
        .unwrap_or_default();
    let keys = storage_keys(c).await;
    let key = format!(
        "shipboard|v1|northwind|payments@2.4.0|standard-rollout|planning/ticket-filed|{digest}"
    );
    assert!(
        keys.contains(&key),
        "expected storage key {key:?} in {keys:?}"
    );

    // Reload: the ticks and the name are still there.
    c.refresh().await.expect("reload");
    wait_ready(c, &a).await;
    assert_eq!(selected(c).await, [true, false, true, false, false]);
    assert_eq!(count_text(c).await, "2 of 5 done");
    assert_eq!(prop(c, "[data-cw-name]", "value").await, "Priya Raman");

    // Export as Markdown.
    c.find(Locator::Css("[data-cw-copy]"))
        .await
        .expect("copy button")
        .click()
        .await
        .expect("click copy");
    let area = c
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css("[data-cw-export]:not([hidden])"))
        .await
        .expect("the Markdown text area is shown");
    let md = area.prop("value").await.expect("value").unwrap_or_default();
    for line in [
        "### Checklist: Standard rollout (payments@2.4.0)",
        "2 of 5 done",
        "**Planning**",
        "- [ ] Rollback tested on staging. (SRE)",
        "- [ ] Full rollout complete & dashboards green. (SRE)",
    ] {
        assert!(
            md.lines().any(|l| l == line),
            "Markdown lacks {line:?}:\n{md}"
        );
    }
    for start in [
        "- [x] Release ticket filed with scope, versions and expected benefit. (Release manager) — ticked ",
        "- [x] Canary at 5 % for 15 minutes with error rate at baseline. (SRE) — ticked ",
    ] {
        assert!(
            md.lines()
                .any(|l| l.starts_with(start) && l.ends_with(" by Priya Raman")),
            "Markdown lacks a line starting {start:?} with the name:\n{md}"
        );
    }
    let msg = wait_text(c, "[data-cw-msg]").await;
    assert!(
        msg.starts_with("Copied") || msg == "Copy the Markdown below.",
        "copy message: {msg:?}"
    );

    // The other release starts empty and keeps its own state; the name is per portal.
    open(c, &b).await;
    assert_eq!(count_text(c).await, "0 of 5 done");
    assert_eq!(selected(c).await, [false; 5]);
    assert_eq!(prop(c, "[data-cw-name]", "value").await, "Priya Raman");
    checkboxes(c).await[4].click().await.expect("tick on 2.5.0");
    assert_eq!(count_text(c).await, "1 of 5 done");
    open(c, &a).await;
    assert_eq!(selected(c).await, [true, false, true, false, false]);

    // Reset asks first: cancel keeps the ticks, accept clears them (and only on this release).
    click(c, "[data-cw-reset]").await;
    c.dismiss_alert()
        .await
        .expect("a confirmation dialog to cancel");
    assert_eq!(count_text(c).await, "2 of 5 done");
    click(c, "[data-cw-reset]").await;
    c.accept_alert()
        .await
        .expect("a confirmation dialog to accept");
    assert_eq!(count_text(c).await, "0 of 5 done");
    assert_eq!(selected(c).await, [false; 5]);
    c.refresh().await.expect("reload");
    wait_ready(c, &a).await;
    assert_eq!(selected(c).await, [false; 5]);
    open(c, &b).await;
    assert_eq!(selected(c).await, [false, false, false, false, true]);

    // Two checklists on one page are independent.
    let two = format!("{base}/two-checklists/");
    open(c, &two).await;
    let sections = c
        .find_all(Locator::Css("[data-checklist][data-checklist-ready]"))
        .await
        .expect("sections");
    assert_eq!(sections.len(), 2, "both checklists enhanced");
    checkboxes(c).await[0]
        .click()
        .await
        .expect("tick in the first checklist");
    assert_eq!(
        texts(c, "[data-cw-count]").await,
        ["1 of 2 done", "0 of 2 done"]
    );
    c.refresh().await.expect("reload");
    wait_ready(c, &two).await;
    assert_eq!(selected(c).await, [true, false, false, false]);

    // Storage full: ticking still works in the page and a notice says it is not saved;
    // after a reload the ticks saved before are still read.
    open(c, &a).await;
    assert!(
        !displayed(c, "[data-cw-warn]").await,
        "no storage notice yet"
    );
    checkboxes(c).await[4]
        .click()
        .await
        .expect("tick before storage is full");
    c.execute(
        "let n = 0; for (const size of [1 << 20, 1 << 16, 1 << 12, 256, 16, 1]) { \
         const s = 'x'.repeat(size); \
         try { for (;;) localStorage.setItem('f' + n++, s); } catch (e) {} } return n;",
        vec![],
    )
    .await
    .expect("fill localStorage");
    checkboxes(c).await[1]
        .click()
        .await
        .expect("tick with full storage");
    assert_eq!(count_text(c).await, "2 of 5 done");
    assert!(
        displayed(c, "[data-cw-warn]").await,
        "storage notice when storage is full"
    );
    c.refresh().await.expect("reload");
    wait_ready(c, &a).await;
    assert!(
        displayed(c, "[data-cw-warn]").await,
        "storage notice at load when storage is full"
    );
    assert_eq!(selected(c).await, [false, false, false, false, true]);

    // Nothing but the portal's own origin was requested.
    assert_same_origin(c, base).await;
}

/// With site data blocked, the widget still loads, shows the notice and works in the page.
async fn blocked_storage_scenario(c: &Client, base: &str) {
    let a = format!("{base}/releases/payments/2.4.0/");
    open(c, &a).await;
    assert!(
        displayed(c, "[data-cw-warn]").await,
        "storage notice when storage is blocked"
    );
    let boxes = checkboxes(c).await;
    boxes[0].click().await.expect("tick");
    boxes[1].send_keys(" ").await.expect("space");
    assert_eq!(count_text(c).await, "2 of 5 done");
    click(c, "[data-cw-copy]").await;
    let md = c
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css("[data-cw-export]:not([hidden])"))
        .await
        .expect("Markdown shown")
        .prop("value")
        .await
        .expect("value")
        .unwrap_or_default();
    assert!(
        md.contains("\n2 of 5 done\n"),
        "Markdown without storage:\n{md}"
    );
}

/// Every checklist page of the example portal: the widget enhances every checklist, counts
/// all its items, and each `data-digest` is the FNV-1a of the item's label text (the HTML
/// contract). Then ticks persist on one release page.
async fn example_scenario(c: &Client, base: &str, pages: &[String]) {
    const AUDIT: &str = r#"
        const fnv = (s) => {
            let h = 0xcbf29ce484222325n;
            for (const b of new TextEncoder().encode(s)) {
                h = ((h ^ BigInt(b)) * 0x100000001b3n) & 0xffffffffffffffffn;
            }
            return h.toString(16).padStart(16, '0');
        };
        const problems = [];
        for (const sec of document.querySelectorAll('[data-checklist]')) {
            const id = sec.dataset.checklistId;
            if (!sec.hasAttribute('data-checklist-ready')) problems.push(id + ': not enhanced');
            if (!sec.dataset.portal || !sec.dataset.release || !id) problems.push(id + ': missing data-portal/release/checklist-id');
            const boxes = sec.querySelectorAll('input[data-item]');
            const count = sec.querySelector('[data-cw-count]');
            const rec = sec.querySelectorAll('input[data-done]').length;
            const want = rec + ' of ' + boxes.length + ' done' + (rec ? ': ' + rec + ' recorded, 0 on this device' : '');
            if (!boxes.length) problems.push(id + ': no items');
            if (!count || count.textContent !== want) problems.push(id + ': count ' + (count && count.textContent) + ', want ' + want);
            const seen = new Set();
            for (const b of boxes) {
                const label = b.closest('li') && b.closest('li').querySelector('label');
                if (!label) { problems.push(id + ': no label for ' + b.dataset.item); continue; }
                if (b.dataset.digest !== fnv(label.textContent)) problems.push(id + ': digest of ' + b.dataset.item + ' is not FNV-1a of ' + JSON.stringify(label.textContent));
                if (seen.has(b.dataset.item)) problems.push(id + ': duplicate item ' + b.dataset.item);
                seen.add(b.dataset.item);
            }
        }
        return problems;"#;
    let mut problems = Vec::new();
    for page in pages {
        let url = format!("{base}{page}");
        open(c, &url).await;
        let found = c.execute(AUDIT, vec![]).await.expect("audit checklists");
        if let Value::Array(list) = found {
            problems.extend(
                list.iter()
                    .map(|p| format!("{page}: {}", p.as_str().unwrap_or("?"))),
            );
        }
    }
    assert!(
        problems.is_empty(),
        "example portal checklists:\n{}",
        problems.join("\n")
    );

    let release = pages
        .iter()
        .find(|p| p.starts_with("/releases/identity/"))
        .expect("a release page with a checklist");
    let url = format!("{base}{release}");
    open(c, &url).await;
    // Items done by record (recorded ticks, facts the portal verified) are not the
    // reader's to tick; the first of the others is ticked and survives a reload alone.
    let by_reader = "input[data-item]:not([data-done]):not([disabled])";
    let boxes = c.find_all(Locator::Css(by_reader)).await.expect(by_reader);
    boxes[0].click().await.expect("tick");
    c.refresh().await.expect("reload");
    wait_ready(c, &url).await;
    let mut ticked = Vec::new();
    for b in c.find_all(Locator::Css(by_reader)).await.expect(by_reader) {
        ticked.push(b.is_selected().await.expect("is_selected"));
    }
    assert!(
        ticked[0] && !ticked[1..].contains(&true),
        "{release}: {ticked:?}"
    );
    announcement_copy_buttons(c, &url).await;
    assert_same_origin(c, base).await;
}

/// The "Copy" buttons beside a release page's announcement texts (issue 15): shown only with
/// JavaScript, each copies its own text area's text; when the browser refuses the clipboard
/// the reader is told to copy by hand. The clipboard is a stub the test controls, so what was
/// copied can be read back and a refusal made on purpose.
async fn announcement_copy_buttons(c: &Client, url: &str) {
    const STUB: &str = r#"
        window.copied = [];
        navigator.clipboard.writeText = (text) => arguments[0]
            ? (window.copied.push(text), Promise.resolve())
            : Promise.reject(new Error('denied'));"#;
    const COPY: &str = ".announce [data-copy]";
    open(c, url).await;
    assert!(displayed(c, COPY).await, "{url}: Copy buttons are hidden");
    let areas = texts_of(c, ".announce textarea").await;
    assert_eq!(areas.len(), 2, "{url}: two announcement texts");
    let buttons = c.find_all(Locator::Css(COPY)).await.expect(COPY);
    assert_eq!(buttons.len(), 2, "{url}: a Copy button per text");
    c.execute(STUB, vec![Value::Bool(true)])
        .await
        .expect("stub");
    buttons[1].click().await.expect("copy the chat message");
    let msg = wait_text(c, "#announce-chat ~ [data-copy-msg]").await;
    assert_eq!(msg, "Copied.", "{url}: chat copy message");
    let copied = c
        .execute("return window.copied;", vec![])
        .await
        .expect("copied");
    assert_eq!(
        copied,
        Value::from(vec![areas[1].clone()]),
        "{url}: what was copied"
    );
    assert!(!areas[1].trim().is_empty(), "{url}: an empty chat message");
    c.execute(STUB, vec![Value::Bool(false)])
        .await
        .expect("refusing stub");
    buttons[0].click().await.expect("copy the e-mail");
    let msg = wait_text(c, "#announce-email ~ [data-copy-msg]").await;
    assert!(
        msg.contains("select the text and copy it"),
        "{url}: refusal message {msg:?}"
    );
}

async fn texts_of(c: &Client, css: &str) -> Vec<String> {
    let mut out = Vec::new();
    for e in c.find_all(Locator::Css(css)).await.expect(css) {
        out.push(e.prop("value").await.expect(css).unwrap_or_default());
    }
    out
}

// --- Page helpers ---------------------------------------------------------------------------

async fn open(c: &Client, url: &str) {
    c.goto(url)
        .await
        .unwrap_or_else(|e| panic!("open {url}: {e}"));
    wait_ready(c, url).await;
}

async fn wait_ready(c: &Client, url: &str) {
    if c.wait()
        .at_most(WAIT)
        .for_element(Locator::Css("[data-checklist][data-checklist-ready]"))
        .await
        .is_err()
    {
        panic!("the checklist widget did not load on {url} (no [data-checklist-ready])");
    }
}

async fn checkboxes(c: &Client) -> Vec<fantoccini::elements::Element> {
    c.find_all(Locator::Css("input[data-item]"))
        .await
        .expect("checkboxes")
}

async fn selected(c: &Client) -> Vec<bool> {
    let mut out = Vec::new();
    for b in checkboxes(c).await {
        out.push(b.is_selected().await.expect("is_selected"));
    }
    out
}

async fn count_text(c: &Client) -> String {
    texts(c, "[data-cw-count]").await.remove(0)
}

/// `textContent` of every match (also of hidden or empty elements, unlike WebDriver's text).
async fn texts(c: &Client, css: &str) -> Vec<String> {
    let mut out = Vec::new();
    for e in c.find_all(Locator::Css(css)).await.expect(css) {
        out.push(e.prop("textContent").await.expect(css).unwrap_or_default());
    }
    assert!(!out.is_empty(), "nothing matches {css}");
    out
}

async fn wait_text(c: &Client, css: &str) -> String {
    let start = Instant::now();
    loop {
        let t = texts(c, css).await.remove(0);
        if !t.is_empty() || start.elapsed() > WAIT {
            return t;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn attr(c: &Client, css: &str, name: &str) -> String {
    let e = c.find(Locator::Css(css)).await.expect(css);
    e.attr(name).await.expect(css).unwrap_or_default()
}

async fn prop(c: &Client, css: &str, name: &str) -> String {
    let e = c.find(Locator::Css(css)).await.expect(css);
    e.prop(name).await.expect(css).unwrap_or_default()
}

async fn displayed(c: &Client, css: &str) -> bool {
    let e = c.find(Locator::Css(css)).await.expect(css);
    e.is_displayed().await.expect(css)
}

async fn click(c: &Client, css: &str) {
    let e = c.find(Locator::Css(css)).await.expect(css);
    e.click()
        .await
        .unwrap_or_else(|err| panic!("click {css}: {err}"));
}

async fn storage_keys(c: &Client) -> Vec<String> {
    let v = c
        .execute("return Object.keys(localStorage);", vec![])
        .await
        .expect("read localStorage keys");
    match v {
        Value::Array(a) => a
            .into_iter()
            .filter_map(|k| k.as_str().map(String::from))
            .collect(),
        other => panic!("localStorage keys: {other}"),
    }
}

async fn assert_same_origin(c: &Client, base: &str) {
    let v = c
        .execute(
            "return performance.getEntriesByType('resource').map(e => e.name);",
            vec![],
        )
        .await
        .expect("resource timing");
    let names: Vec<String> = match v {
        Value::Array(a) => a
            .into_iter()
            .filter_map(|k| k.as_str().map(String::from))
            .collect(),
        other => panic!("resource entries: {other}"),
    };
    assert!(
        names.iter().any(|n| n.ends_with("_bg.wasm")),
        "the .wasm was not requested: {names:?}"
    );
    let outside: Vec<_> = names.iter().filter(|n| !n.starts_with(base)).collect();
    assert!(
        outside.is_empty(),
        "requests outside the portal: {outside:?}"
    );
}

// --- chromedriver -------------------------------------------------------------------------
