//! The live layer in a real browser: builds `tests/fixtures/live/` (a weekly rotation handing
//! off on Monday 7 Dec 2026 at 09:00 Berlin, a freeze on Saturday 5 Dec, a release window on
//! Thursday 3 Dec 10:00–11:00, a runbook reviewed on 1 Oct) with the real binary at a fixed
//! build time (Tue 1 Dec 2026, 13:00 CET), serves it under the portal's CSP and drives headless
//! Chromium with a controlled clock (chromedriver's CDP passthrough:
//! `Page.addScriptToEvaluateOnNewDocument` replaces `Date` before the page's scripts run).
//! At instants across the handoff, an override (Li covers Sam's night of 9 Dec), the freeze
//! start and the window's start and end it asserts the text of the home, contacts, runbook
//! and release pages; then `?at=`, a bad `?at=`, the
//! staleness and out-of-data banners, a viewer in another time zone, corrupt embedded data
//! (static text kept, no console errors) and a session with JavaScript off ("as of" labels).
//!
//! Needs `/usr/bin/chromium` and `chromedriver`, like `widget_browser`.

mod browser;
mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use browser::static_site::serve;
use browser::{browser_tools, ChromeDriver};
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, Locator};
use serde_json::{json, Value};

/// Tue 2026-12-01 12:00 UTC (13:00 in Berlin).
const BUILT: &str = "1796126400";
const BUILT_LABEL: &str = "as of Tue 1 Dec 2026, 13:00 CET";
const WAIT: Duration = Duration::from_secs(15);

/// Unix millis of a UTC time in 2026.
fn utc(month: u32, day: u32, hour: u32, minute: u32) -> u64 {
    let days_before = [0, 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
    let jan_1_2026 = 1_767_225_600u64;
    let day_of_year = days_before[month as usize] + u64::from(day) - 1;
    (jan_1_2026 + day_of_year * 86_400 + u64::from(hour) * 3600 + u64::from(minute) * 60) * 1000
}

#[test]
fn now_facts_read_as_of_the_build_in_the_html() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let site = build_fixture(tmp.path());
    let home = read(&site, "index.html");
    assert!(home.contains(&format!(
        "<span class=\"asof\" data-live-asof>{BUILT_LABEL}</span>"
    )));
    for (page, label) in [
        ("index.html", "On call now"),
        ("index.html", "In progress now"),
        ("index.html", "Next releases"),
        ("index.html", "Freezes and maintenance windows"),
        ("contacts/index.html", "On call now"),
        ("calendar/index.html", "Upcoming releases"),
        ("releases/payments/2.5.0/index.html", "starts in 45 h"),
        ("systems/payments/index.html", "Next release"),
        ("systems/index.html", "Next:"),
    ] {
        let html = read(&site, page);
        let at = html
            .find(label)
            .unwrap_or_else(|| panic!("{page} has no {label:?}"));
        let after = &html[at..html.len().min(at + 2000)];
        assert!(
            after.contains(BUILT_LABEL),
            "{page}: {label:?} is not followed by {BUILT_LABEL:?}: {after}"
        );
    }
    assert!(home.contains("Built Tue 1 Dec 2026, 13:00 CET"));
    assert!(home.contains("<script type=\"module\" src=\"/widget/checklist.js\"></script>"));
    let release = read(&site, "releases/payments/2.5.0/index.html");
    assert!(release.contains("On call during the window"));
    assert!(release.contains("Li Wei"));
    assert!(!home.contains("<script>"), "no inline script");
}

#[test]
fn live_layer_in_chromium() {
    let Some(chromedriver) = browser_tools("live_browser") else {
        return;
    };
    let tmp = tempfile::tempdir().expect("temp dir");
    let site = build_fixture(tmp.path());
    let corrupt = tmp.path().join("corrupt");
    common::copy_dir(&site, &corrupt);
    corrupt_frame(&corrupt.join("index.html"));
    let base = format!("http://127.0.0.1:{}", serve(site));
    let corrupt_base = format!("http://127.0.0.1:{}", serve(corrupt));
    let driver = ChromeDriver::start(&chromedriver, tmp.path());
    let runtime = browser::runtime();
    let failures: Vec<String> = runtime.block_on(async {
        let mut failures = Vec::new();
        let live = driver
            .session(&tmp.path().join("profile-live"), false)
            .await
            .expect("a Chromium session");
        let outcome = tokio::time::timeout(
            Duration::from_secs(300),
            live_scenario(&live, &base, &corrupt_base),
        )
        .await;
        let _ = live.close().await;
        if outcome.is_err() {
            failures.push("the live scenario timed out".to_owned());
        }
        let js_off = driver
            .session_with_prefs(
                &tmp.path().join("profile-nojs"),
                Some(json!({ "profile.managed_default_content_settings.javascript": 2 })),
            )
            .await
            .expect("a Chromium session without JavaScript");
        let outcome =
            tokio::time::timeout(Duration::from_secs(120), js_off_scenario(&js_off, &base)).await;
        let _ = js_off.close().await;
        if outcome.is_err() {
            failures.push("the JavaScript-off scenario timed out".to_owned());
        }
        failures
    });
    drop(driver);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Copies the fixture into a git repository committed on 2026-10-01 (the runbook's review)
/// and builds it at `BUILT`; returns the site.
fn build_fixture(tmp: &Path) -> PathBuf {
    build_fixture_with(tmp, &[])
}

/// [`build_fixture`] with more files (path in the content repo, text).
fn build_fixture_with(tmp: &Path, extra: &[(String, String)]) -> PathBuf {
    let content = tmp.join("content");
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/live");
    common::copy_dir(&source, &content);
    for (path, text) in extra {
        std::fs::write(content.join(path), text).unwrap_or_else(|e| panic!("{path}: {e}"));
    }
    let git = |args: &[&str]| {
        let out = Command::new("git")
            .args(args)
            .current_dir(&content)
            .env("GIT_AUTHOR_DATE", "2026-10-01T10:00:00Z")
            .env("GIT_COMMITTER_DATE", "2026-10-01T10:00:00Z")
            .env("GIT_AUTHOR_NAME", "Olu Test")
            .env("GIT_AUTHOR_EMAIL", "olu@example.com")
            .env("GIT_COMMITTER_NAME", "Olu Test")
            .env("GIT_COMMITTER_EMAIL", "olu@example.com")
            .output()
            .expect("git runs");
        assert!(out.status.success(), "git {args:?}: {out:?}");
    };
    git(&["init", "-q", "-b", "main"]);
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "content"]);
    git(&["tag", "v2.4.0"]);
    let site = tmp.join("site");
    let out = Command::new(env!("CARGO_BIN_EXE_shipboard"))
        .arg("build")
        .arg(&content)
        .arg("--output")
        .arg(&site)
        .env("SOURCE_DATE_EPOCH", BUILT)
        .output()
        .expect("run shipboard build");
    assert!(
        out.status.success(),
        "build failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    site
}

/// 45 planned releases of payments, three a day (10:00, 14:00 and 16:00 Berlin, half an
/// hour each) from Sun 6 Dec to Sun 20 Dec 2026: `3.<n>.0` in order.
fn busy_releases() -> Vec<(String, String)> {
    (0..45)
        .map(|n| {
            let (day, hour) = (6 + n / 3, [10, 14, 16][n % 3]);
            (
                format!("releases/payments-3.{n}.0.md"),
                format!(
                    "---\nsystem: payments\nversion: 3.{n}.0\ntype: minor\nstatus: planned\n\
                     window:\n  start: 2026-12-{day:02} {hour}:00\n  end: 2026-12-{day:02} {hour}:30\n\
                     owner: priya\n---\nBusy release {n}.\n"
                ),
            )
        })
        .collect()
}

/// "Upcoming releases" on `/calendar/` read days after the build of a busy portal: the rows
/// shown are the ones due then (the day's ended ones struck through, then the next 20),
/// not the build's 20 all ended; once the page's embedded releases run out it says later
/// ones are not on the page. Without JavaScript, the build's first 20.
#[test]
fn calendar_upcoming_rolls_on_in_chromium() {
    let Some(chromedriver) = browser_tools("live_browser") else {
        return;
    };
    let tmp = tempfile::tempdir().expect("temp dir");
    let site = build_fixture_with(tmp.path(), &busy_releases());
    let html = read(&site, "calendar/index.html");
    let list = &html[html.find("class=\"cal-upcoming\"").expect("the list")..];
    let list = &list[..list.find("</ol>").expect("the list's end")];
    let rows = list.matches("<li").count();
    let hidden = list.matches(" hidden>").count();
    assert_eq!(rows - hidden, 20, "as built: 2.5.0 and the next 19");
    assert!(hidden > 0, "later releases are embedded");
    let calendar = format!("http://127.0.0.1:{}/calendar/", serve(site));
    let driver = ChromeDriver::start(&chromedriver, tmp.path());
    let runtime = browser::runtime();
    runtime.block_on(async {
        let c = driver
            .session(&tmp.path().join("profile"), false)
            .await
            .expect("a Chromium session");
        let outcome =
            tokio::time::timeout(Duration::from_secs(120), calendar_scenario(&c, &calendar)).await;
        let _ = c.close().await;
        assert!(outcome.is_ok(), "the calendar scenario timed out");
    });
}

async fn calendar_scenario(c: &Client, calendar: &str) {
    let mut clock = Clock::default();
    cdp(
        c,
        "Emulation.setTimezoneOverride",
        json!({ "timezoneId": "Europe/Berlin" }),
    )
    .await;
    let names = |range: std::ops::RangeInclusive<usize>| -> Vec<String> {
        range.map(|n| format!("Payments API 3.{n}.0")).collect()
    };
    // An hour after the build nothing has changed: the list as built, nothing moves.
    clock.set(c, utc(12, 1, 13, 0)).await;
    open(c, calendar).await;
    let (rows, struck, lines) = upcoming(c).await;
    let mut as_built = vec!["Payments API 2.5.0".to_owned()];
    as_built.extend(names(0..=18));
    assert_eq!(rows, as_built);
    assert!(struck.iter().all(|s| !s), "{struck:?}");
    assert_eq!(lines, ["More releases are planned later: see the months."]);
    let shift = c.execute("return window.__shift;", vec![]).await;
    assert_eq!(
        shift.ok().and_then(|v| v.as_f64()),
        Some(0.0),
        "layout shift"
    );
    // A week on, Tue 8 Dec 13:00 CET: the day's 10:00 release has run (struck through),
    // the next 20 follow; earlier days' releases are gone.
    clock.set(c, utc(12, 8, 12, 0)).await;
    open(c, calendar).await;
    let (rows, struck, lines) = upcoming(c).await;
    assert_eq!(rows, names(6..=26));
    assert_eq!(struck.iter().filter(|s| **s).count(), 1, "{struck:?}");
    assert!(struck[0], "3.6.0 has ended: {struck:?}");
    assert_eq!(lines, ["More releases are planned later: see the months."]);
    // Sat 12 Dec 13:00 CET, the page old: the releases it embeds (up to 3.35.0, the last
    // to join before it turned old) run out before the next 20, and it says so.
    clock.set(c, utc(12, 12, 12, 0)).await;
    open(c, calendar).await;
    let (rows, _, lines) = upcoming(c).await;
    assert_eq!(rows, names(18..=35));
    assert_eq!(
        lines,
        ["Later releases are not on this page: see the months."]
    );
    assert_eq!(errors(c).await, Vec::<String>::new());
}

/// The "Upcoming releases" rows a reader sees (their links), whether each one's time is
/// struck through, and the lines under the list that show.
async fn upcoming(c: &Client) -> (Vec<String>, Vec<bool>, Vec<String>) {
    let value = c
        .execute(
            "const shown = (el) => el.getClientRects().length > 0;\
             const s = document.querySelector('section[aria-labelledby=upcoming-h]');\
             const rows = [...s.querySelectorAll('li')].filter(shown);\
             return [rows.map((li) => li.querySelector('a').textContent),\
               rows.map((li) => getComputedStyle(li.querySelector('time')).textDecorationLine === 'line-through'),\
               [...s.querySelectorAll('p')].filter(shown).map((p) => p.textContent)];",
            vec![],
        )
        .await
        .expect("read the upcoming list");
    serde_json::from_value(value).expect("rows, struck, lines")
}

fn read(site: &Path, page: &str) -> String {
    std::fs::read_to_string(site.join(page)).unwrap_or_else(|e| panic!("{page}: {e}"))
}

/// Breaks the home page's frame (its zone offsets), as a truncated upload might.
fn corrupt_frame(page: &Path) {
    let html = std::fs::read_to_string(page).expect("home page");
    let start = html.find("data-offsets=\"").expect("a frame") + "data-offsets=\"".len();
    let end = start + html[start..].find('"').expect("attribute end");
    let broken = format!("{}60 x{}", &html[..start], &html[end..]);
    std::fs::write(page, broken).expect("write corrupt page");
}

// --- Scenarios -----------------------------------------------------------------------------

async fn live_scenario(c: &Client, base: &str, corrupt_base: &str) {
    let home = format!("{base}/");
    let contacts = format!("{base}/contacts/");
    let runbook = format!("{base}/runbooks/payments-rollback/");
    let release = format!("{base}/releases/payments/2.5.0/");
    let system = format!("{base}/systems/payments/");
    let mut clock = Clock::default();
    // A viewer in the portal's zone first (the headless default is the machine's zone).
    let berlin = json!({ "timezoneId": "Europe/Berlin" });
    cdp(c, "Emulation.setTimezoneOverride", berlin).await;

    // An hour after the build: Li is on call, the release is two days ahead.
    clock.set(c, utc(12, 1, 13, 0)).await;
    open(c, &home).await;
    assert_eq!(
        attr(c, "[data-live-status]", "data-live-state").await,
        "live"
    );
    let on_call = text(c, ".on-call").await;
    assert!(
        on_call.contains("Li Wei") && !on_call.contains("Sam Okafor"),
        "{on_call}"
    );
    assert!(
        !on_call.contains("as of"),
        "live, the build's label is hidden: {on_call}"
    );
    assert!(text(c, "#next-h + ul").await.contains("Payments API 2.5.0"));
    assert!(!displayed(c, ".window-list .in-force").await);
    open(c, &release).await;
    assert_eq!(text(c, ".facts .relative").await, "starts in 44 h");
    assert!(!displayed(c, ".meta .overdue").await);
    open(c, &system).await;
    assert!(text(c, ".facts").await.contains("2.5.0, Thu 3 Dec 2026"));
    open(c, &runbook).await;
    assert_eq!(text(c, "[data-live-ago]").await, "61 days ago");
    assert!(!displayed(c, ".stale-warning").await);
    // Where the facts have not changed since the build, updating the page moves nothing.
    for page in [
        &home,
        &contacts,
        &runbook,
        &release,
        &system,
        &format!("{base}/calendar/"),
    ] {
        open(c, page).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let shift = c.execute("return window.__shift;", vec![]).await;
        let shift = shift.ok().and_then(|v| v.as_f64());
        let shifted = c.execute("return window.__shifted || [];", vec![]).await;
        assert_eq!(shift, Some(0.0), "{page}: layout shift of {shifted:?}");
    }
    // A slow machine paints the header before the rest of the page has arrived; the
    // scrollbar that appears then must not move the search box aligned to the right.
    open(c, &home).await;
    assert_eq!(
        search_box_x_as_page_grows(c).await,
        (true, true),
        "the search box moved when the page grew taller than the window"
    );

    // The window starts at 10:00 CET (09:00 UTC).
    clock.set(c, utc(12, 3, 9, 30)).await;
    open(c, &home).await;
    let in_progress = text(c, "section[aria-labelledby=now-h]").await;
    assert!(in_progress.contains("Payments API 2.5.0"), "{in_progress}");
    assert!(
        in_progress.contains("started 30 min ago, ends in 30 min"),
        "{in_progress}"
    );
    assert!(
        !in_progress.contains("Nothing is in progress"),
        "{in_progress}"
    );
    open(c, &release).await;
    assert_eq!(
        text(c, ".facts .relative").await,
        "started 30 min ago, ends in 30 min"
    );

    // The window has ended and the release is still only approved: overdue.
    clock.set(c, utc(12, 3, 10, 30)).await;
    open(c, &release).await;
    assert_eq!(text(c, ".facts .relative").await, "ended 30 min ago");
    assert!(displayed(c, ".meta .overdue").await);
    overdue_moves_nothing_on_a_phone(c, &release, &home).await;
    open(c, &home).await;
    let in_progress = text(c, "section[aria-labelledby=now-h]").await;
    assert!(
        in_progress.contains("Nothing is in progress"),
        "{in_progress}"
    );
    let next = text(c, "#next-h + ul").await;
    assert!(
        next.contains("Payments API 2.5.0") && next.contains("overdue"),
        "{next}"
    );
    open(c, &system).await;
    let facts = text(c, ".facts").await;
    assert!(
        facts.contains("none planned") && !facts.contains("2.5.0"),
        "{facts}"
    );
    // The calendar keeps the passed entry in place, its time struck through, instead of
    // removing it (which would move everything below it).
    open(c, &format!("{base}/calendar/")).await;
    assert!(text(c, ".cal-upcoming li")
        .await
        .contains("Payments API 2.5.0"));
    assert!(displayed(c, ".cal-upcoming li").await);
    assert!(!has_attr(c, ".cal-upcoming li time", "data-live-now").await);

    // The freeze starts at midnight Berlin (23:00 UTC).
    clock.set(c, utc(12, 4, 22, 59)).await;
    open(c, &home).await;
    assert!(!displayed(c, ".window-list .in-force").await);
    assert_eq!(text(c, ".window-list .relative").await, "starts in 1 min");
    clock.set(c, utc(12, 4, 23, 1)).await;
    open(c, &home).await;
    assert!(displayed(c, ".window-list .in-force").await);
    assert_eq!(
        text(c, ".window-list .relative").await,
        "started 1 min ago, ends in 23 h 59 min"
    );

    // The handoff, Monday 7 Dec 09:00 Berlin (08:00 UTC), then an override: Li covers Sam's
    // night, Wed 9 Dec 20:00 to Thu 10 Dec 08:00 Berlin. (instant, on call, not, covering)
    for (instant, holder, other, covering) in [
        (utc(12, 7, 7, 59), "Li Wei", "Sam Okafor", false),
        (utc(12, 7, 8, 1), "Sam Okafor", "Li Wei", false),
        (utc(12, 9, 18, 59), "Sam Okafor", "Li Wei", false),
        (utc(12, 9, 19, 1), "Li Wei", "Sam Okafor", true),
        (utc(12, 10, 7, 1), "Sam Okafor", "Li Wei", false),
    ] {
        clock.set(c, instant).await;
        open(c, &home).await;
        names_only(c, ".on-call", holder, other, "home").await;
        open(c, &contacts).await;
        names_only(c, ".on-call", holder, other, "contacts").await;
        let current = text(c, "tr[data-live-now]").await;
        assert!(
            current.contains(holder) && current.contains("(now)"),
            "{current}"
        );
        assert_eq!(
            current.contains("covering for Sam Okafor"),
            covering,
            "{current}"
        );
        names_only(c, ".ladder", holder, other, "contacts ladder").await;
        open(c, &runbook).await;
        names_only(c, ".ladder", holder, other, "runbook ladder").await;
        assert!(
            displayed(c, ".stale-warning").await,
            "reviewed 67 days ago and more"
        );
        open(c, &release).await;
        names_only(c, ".ladder", holder, other, "release ladder").await;
    }

    // `?at=` in the portal's zone, with the clock back at the build.
    clock.set(c, utc(12, 1, 13, 0)).await;
    open(c, &format!("{home}?at=2026-12-07T09:30")).await;
    assert_eq!(attr(c, "[data-live-status]", "data-live-state").await, "at");
    assert!(text(c, "[data-live-status]")
        .await
        .contains("2026-12-07 09:30"));
    let on_call = text(c, ".on-call").await;
    assert!(on_call.contains("Sam Okafor") && on_call.contains("as of 2026-12-07 09:30"));
    assert!(
        !displayed(c, "[data-live-msg=old]").await,
        "a fresh build is not called old"
    );
    // The calendar's control reloads the page with `?at=`.
    open(c, &format!("{base}/calendar/")).await;
    assert!(displayed(c, "[data-live-at-control]").await);
    c.execute(
        "document.querySelector('[data-live-at-input]').value = '2026-12-07T09:30';",
        vec![],
    )
    .await
    .expect("set the time");
    c.find(Locator::Css("[data-live-at-control] button"))
        .await
        .expect("the control's button")
        .click()
        .await
        .expect("click");
    c.wait()
        .at_most(WAIT)
        .for_element(Locator::Css("[data-live-state=at]"))
        .await
        .expect("the calendar at the chosen moment");
    let url = c.current_url().await.expect("url");
    assert_eq!(url.query(), Some("at=2026-12-07T09:30"));
    open(c, &format!("{home}?at=tomorrow")).await;
    assert_eq!(
        attr(c, "[data-live-status]", "data-live-state").await,
        "live"
    );
    let status = text(c, "[data-live-status]").await;
    assert!(status.contains("Ignored ?at=tomorrow"), "{status}");
    assert!(text(c, ".on-call").await.contains("Li Wei"));
    // The note has a line of its own: it is not printed over the live line.
    let overlap = c
        .execute(
            "const a = document.querySelector('[data-live-msg=live]').getBoundingClientRect();\
             const b = document.querySelector('[data-live-msg=bad-at]').getBoundingClientRect();\
             return a.bottom > b.top && b.bottom > a.top;",
            vec![],
        )
        .await
        .expect("rects");
    assert_eq!(
        overlap,
        json!(false),
        "the bad ?at= note overlaps the live line"
    );

    // A build older than stale_after_hours (240 h): a banner; the schedule still applies.
    clock.set(c, utc(12, 20, 12, 0)).await;
    open(c, &home).await;
    assert_eq!(
        attr(c, "[data-live-status]", "data-live-state").await,
        "stale"
    );
    assert!(text(c, "[data-live-status]")
        .await
        .contains("This page is old"));
    assert!(text(c, ".on-call").await.contains("Li Wei"));
    // A chosen moment on an old build keeps saying the build is old.
    open(c, &format!("{home}?at=2026-12-07T09:30")).await;
    assert_eq!(attr(c, "[data-live-status]", "data-live-state").await, "at");
    assert!(
        displayed(c, "[data-live-msg=old]").await,
        "old build under ?at="
    );
    assert!(text(c, "[data-live-msg=old]")
        .await
        .contains("This page is old"));
    // Past the embedded shifts (12 weeks): a banner, and the static text as built.
    clock.set(c, utc(12, 31, 12, 0) + 60 * 86_400_000).await;
    open(c, &home).await;
    assert_eq!(
        attr(c, "[data-live-status]", "data-live-state").await,
        "ended"
    );
    assert!(text(c, "[data-live-status]").await.contains("Out of date"));
    let on_call = text(c, ".on-call").await;
    assert!(
        on_call.contains("Li Wei") && on_call.contains(BUILT_LABEL),
        "{on_call}"
    );
    // A chosen moment past the data names that moment, not only "out of date".
    clock.set(c, utc(12, 1, 13, 0)).await;
    open(c, &format!("{home}?at=2027-06-01T10:00")).await;
    assert_eq!(
        attr(c, "[data-live-status]", "data-live-state").await,
        "at-ended"
    );
    let status = text(c, "[data-live-msg=at-ended]").await;
    assert!(
        status.contains("Past this build's data") && status.contains("2027-06-01 10:00"),
        "{status}"
    );

    // A viewer in New York sees their own time beside the portal's.
    clock.set(c, utc(12, 1, 13, 0)).await;
    cdp(
        c,
        "Emulation.setTimezoneOverride",
        json!({ "timezoneId": "America/New_York" }),
    )
    .await;
    open(c, &release).await;
    assert_eq!(
        text(c, ".facts .viewer-time").await,
        "(2026-12-03 04:00 your time)"
    );
    // Lists do not add the viewer's time: the home page does not move for them either.
    open(c, &home).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let shift = c.execute("return window.__shift;", vec![]).await;
    assert_eq!(
        shift.ok().and_then(|v| v.as_f64()),
        Some(0.0),
        "home, New York"
    );

    // Corrupt embedded data: the static text stays, the console stays clean.
    open(c, &format!("{corrupt_base}/")).await;
    assert!(!has_attr(c, "[data-live-status]", "data-live-state").await);
    let on_call = text(c, ".on-call").await;
    assert!(
        on_call.contains("Li Wei") && on_call.contains(BUILT_LABEL),
        "{on_call}"
    );
    assert_eq!(errors(c).await, Vec::<String>::new());
}

/// On a phone, the "overdue" badge the live layer reveals on the release page and in the
/// home page's list of next releases takes a box the page already kept for it: its row
/// (the badge row, the list item) is as tall with the badge hidden as with it shown, so
/// revealing it moves nothing below. (Measured by hiding it again: the runtime may run before
/// the first paint here, where a slow phone paints the static page first.)
async fn overdue_moves_nothing_on_a_phone(c: &Client, release: &str, home: &str) {
    let phone = json!({ "width": 320, "height": 640, "deviceScaleFactor": 2, "mobile": true });
    cdp(c, "Emulation.setDeviceMetricsOverride", phone).await;
    for (page, badge) in [
        (release, "p.meta .overdue"),
        (home, "#next-h + ul .overdue"),
    ] {
        open(c, page).await;
        assert!(displayed(c, badge).await, "{page}");
        let script = format!(
            "const b = document.querySelector('{badge}'); const row = b.closest('p, li'); \
             const shown = row.getBoundingClientRect().height; b.hidden = true; \
             const hidden = row.getBoundingClientRect().height; b.hidden = false; \
             return [shown, hidden];"
        );
        let heights = c.execute(&script, vec![]).await.expect("measure the row");
        assert_eq!(
            heights[0], heights[1],
            "{page}, 320 px: the row's height changes"
        );
    }
    // The case that shifted: at this width the release page's badges take two lines.
    open(c, release).await;
    let lines = c
        .execute(
            "const b = [...document.querySelectorAll('p.meta .badge')]; \
             return new Set(b.map((e) => e.getBoundingClientRect().top)).size;",
            vec![],
        )
        .await
        .ok()
        .and_then(|v| v.as_u64());
    assert_eq!(lines, Some(2), "the badge row wraps at 320 px");
    cdp(c, "Emulation.clearDeviceMetricsOverride", json!({})).await;
}

async fn js_off_scenario(c: &Client, base: &str) {
    c.goto(&format!("{base}/")).await.expect("open home");
    c.wait()
        .at_most(WAIT)
        .for_element(Locator::Css(".on-call"))
        .await
        .expect("the home page");
    let on_call = text(c, ".on-call").await;
    assert!(
        on_call.contains("Li Wei") && on_call.contains(BUILT_LABEL),
        "{on_call}"
    );
    assert!(!on_call.contains("Sam Okafor"));
    assert!(text(c, "#next-h").await.contains(BUILT_LABEL));
    assert!(text(c, "[data-live-status]")
        .await
        .contains("Built Tue 1 Dec 2026, 13:00 CET"));
    assert!(!has_attr(c, "[data-live-status]", "data-live-ready").await);
    c.goto(&format!("{base}/releases/payments/2.5.0/"))
        .await
        .expect("open release");
    let window = text(c, ".facts").await;
    assert!(
        window.contains("starts in 45 h") && window.contains(BUILT_LABEL),
        "{window}"
    );
}

// --- Controlled clock ----------------------------------------------------------------------

/// The page's `Date` stopped at a chosen instant, injected before any page script runs; also records console errors and uncaught exceptions in `window.__errors`.
#[derive(Default)]
struct Clock {
    script: Option<String>,
}

impl Clock {
    async fn set(&mut self, c: &Client, millis: u64) {
        if let Some(id) = self.script.take() {
            cdp(
                c,
                "Page.removeScriptToEvaluateOnNewDocument",
                json!({ "identifier": id }),
            )
            .await;
        }
        let source = format!(
            "(() => {{ const T = {millis}; const R = Date;\
             class F extends R {{ constructor(...a) {{ if (a.length) super(...a); else super(T); }}\
             static now() {{ return T; }} }}\
             globalThis.Date = F; window.__errors = [];\
             const e = console.error.bind(console);\
             console.error = (...a) => {{ window.__errors.push(a.map(String).join(' ')); e(...a); }};\
             const w = console.warn.bind(console);\
             console.warn = (...a) => {{ window.__errors.push(a.map(String).join(' ')); w(...a); }};\
             addEventListener('error', (ev) => window.__errors.push(String(ev.message)));\
             window.__shift = 0; new PerformanceObserver((l) => {{ for (const e of l.getEntries()) \
             if (!e.hadRecentInput) {{ window.__shift += e.value; window.__shifted = (window.__shifted || []).concat(e.sources.map((s) => s.node ? (s.node.nodeName + ':' + (s.node.textContent || '').slice(0, 40)) : '?')); }} }}).observe({{ type: 'layout-shift', buffered: true }});\
             addEventListener('unhandledrejection', (ev) => window.__errors.push(String(ev.reason)));\
             }})();"
        );
        let added = cdp(
            c,
            "Page.addScriptToEvaluateOnNewDocument",
            json!({ "source": source }),
        )
        .await;
        self.script = added["identifier"].as_str().map(str::to_owned);
        assert!(self.script.is_some(), "no script identifier: {added}");
    }
}

/// A Chrome DevTools Protocol command through chromedriver's passthrough.
#[derive(Debug)]
struct Cdp {
    cmd: &'static str,
    params: Value,
}

impl WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        let body = json!({ "cmd": self.cmd, "params": self.params });
        (http::Method::POST, Some(body.to_string()))
    }
}

async fn cdp(c: &Client, cmd: &'static str, params: Value) -> Value {
    c.issue_cmd(Cdp { cmd, params })
        .await
        .unwrap_or_else(|e| panic!("CDP {cmd}: {e}"))
}

// --- Page helpers --------------------------------------------------------------------------

/// Opens `url` and waits until the live layer has run (its status element is marked ready)
/// with no console errors.
async fn open(c: &Client, url: &str) {
    c.goto(url)
        .await
        .unwrap_or_else(|e| panic!("open {url}: {e}"));
    c.wait()
        .at_most(WAIT)
        .for_element(Locator::Css("[data-live-status][data-live-ready]"))
        .await
        .unwrap_or_else(|e| panic!("{url}: the live layer did not run: {e}"));
    let errors = errors(c).await;
    assert!(errors.is_empty(), "{url}: console errors: {errors:?}");
}

async fn errors(c: &Client) -> Vec<String> {
    let value = c
        .execute("return window.__errors || [];", vec![])
        .await
        .expect("read errors");
    serde_json::from_value(value).unwrap_or_default()
}

/// The rendered (visible) text of the first match.
/// Asserts that the element at `css` names `holder` and not `other` (`page` for the message).
async fn names_only(c: &Client, css: &str, holder: &str, other: &str, page: &str) {
    let shown = text(c, css).await;
    assert!(
        shown.contains(holder) && !shown.contains(other),
        "{page}: {shown}"
    );
}

/// Where the search box starts horizontally with the page's main part hidden (no scrollbar)
/// and shown again (a scrollbar): whether the box stayed put, and whether the page scrolls.
async fn search_box_x_as_page_grows(c: &Client) -> (bool, bool) {
    let value = c
        .execute(
            "const main = document.querySelector('main');\
             const x = () => document.querySelector('.search').getBoundingClientRect().x;\
             main.style.display = 'none'; const short = x();\
             main.style.display = ''; const tall = x();\
             return [short === tall, document.documentElement.scrollHeight > innerHeight];",
            vec![],
        )
        .await
        .expect("measure the search box");
    serde_json::from_value(value).expect("two booleans")
}

async fn text(c: &Client, css: &str) -> String {
    let el = c
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css}: {e}"));
    el.text().await.unwrap_or_default()
}

async fn displayed(c: &Client, css: &str) -> bool {
    let el = c
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css}: {e}"));
    el.is_displayed().await.unwrap_or(false)
}

async fn attr(c: &Client, css: &str, name: &str) -> String {
    let el = c
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css}: {e}"));
    el.attr(name).await.ok().flatten().unwrap_or_default()
}

async fn has_attr(c: &Client, css: &str, name: &str) -> bool {
    let el = c
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css}: {e}"));
    el.attr(name).await.ok().flatten().is_some()
}
