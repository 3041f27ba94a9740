//! Live reload in a real browser: `shipboard serve` on a fixture copy, a release page open in
//! headless Chromium (WebDriver via chromedriver and fantoccini). Editing the release reloads
//! the tab by itself; an invalid edit shows the error overlay over the old page; fixing it
//! takes the overlay away.
//!
//! Needs `/usr/bin/chromium` and `chromedriver` (Debian: `chromium`, `chromium-driver`).
//! Without them the test fails, unless `SHIPBOARD_SKIP_BROWSER_TESTS=1` says to skip it.

mod browser;
mod common;
mod serve_client;

use std::time::{Duration, Instant};

use common::Fixture;
use fantoccini::{Client, Locator};
use serde_json::json;
use serve_client::Served;

/// Longest wait for the tab to show a change.
const WAIT: Duration = Duration::from_secs(30);

#[test]
fn open_tabs_reload_and_show_content_errors() {
    let Some(chromedriver) = browser::browser_tools("serve_browser") else {
        return;
    };
    let fx = Fixture::new("minimal");
    let served = Served::start(&fx);
    let page = format!("http://{}/releases/billing/1.2.0/", served.addr);
    let tmp = tempfile::tempdir().expect("temp dir");
    let driver = browser::ChromeDriver::start(&chromedriver, tmp.path());
    let runtime = browser::runtime();
    let outcome = runtime.block_on(async {
        let client = driver
            .session(&tmp.path().join("profile"), false)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let run = tokio::time::timeout(Duration::from_secs(120), scenario(&client, &page, &fx));
        let result = run
            .await
            .unwrap_or_else(|_| Err("the scenario timed out".into()));
        let _ = client.close().await;
        result
    });
    drop(driver);
    served.interrupt();
    if let Err(problem) = outcome {
        panic!("{problem}");
    }
}

async fn scenario(c: &Client, page: &str, fx: &Fixture) -> Result<(), String> {
    c.goto(page)
        .await
        .map_err(|e| format!("open {page}: {e}"))?;
    wait_for(c, "the page", |html| html.contains("PDF/A")).await?;
    // Set by hand; a reload clears it.
    c.execute("window.shipboardMarker = 1;", vec![])
        .await
        .map_err(|e| e.to_string())?;
    let release = "releases/billing-1.2.0.md";
    let original = fx.read(release);

    fx.write(release, &original.replace("PDF/A", "ZUGFeRD"));
    wait_for(c, "the edit", |html| html.contains("ZUGFeRD")).await?;
    let marker = c
        .execute("return window.shipboardMarker || 0;", vec![])
        .await;
    if marker.map_err(|e| e.to_string())? != json!(0) {
        return Err("the new content arrived without a reload".into());
    }

    fx.write(
        release,
        &original.replace("version: 1.2.0", "version: 1.2<x>"),
    );
    let overlay = "id=\"shipboard-errors\"";
    wait_for(c, "the error overlay", |html| html.contains(overlay)).await?;
    let shown = c
        .find(Locator::Css("#shipboard-errors pre"))
        .await
        .map_err(|e| format!("no overlay: {e}"))?
        .text()
        .await
        .map_err(|e| e.to_string())?;
    let expected =
        "releases/billing-1.2.0.md:3:10: error[version]: \"1.2<x>\" is not a SemVer version";
    if !shown.contains(expected) {
        return Err(format!("the overlay shows {shown:?}, not {expected:?}"));
    }
    if !c
        .source()
        .await
        .map_err(|e| e.to_string())?
        .contains("ZUGFeRD")
    {
        return Err("the last good page is not under the overlay".into());
    }

    fx.write(release, &original);
    wait_for(c, "the fix", |html| {
        html.contains("PDF/A") && !html.contains(overlay)
    })
    .await
}

/// Polls the page source until `done` says so.
async fn wait_for(c: &Client, what: &str, done: impl Fn(&str) -> bool) -> Result<(), String> {
    let start = Instant::now();
    loop {
        if let Ok(html) = c.source().await {
            if done(&html) {
                return Ok(());
            }
        }
        if start.elapsed() > WAIT {
            let html = c.source().await.unwrap_or_default();
            return Err(format!(
                "the tab did not show {what} within {WAIT:?}:\n{html}"
            ));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
