//! `/production/` and `/api/production.json` end to end: the real binary builds the `minimal`
//! fixture plus releases that were rolled back and are in flight, with the billing system's
//! history in a real git repository made in a temp dir; the table and the JSON are checked
//! against what the release files say, the JSON against its schema (`production.schema.json`,
//! by a small validator of the keywords the schema uses), and in Chromium the live layer
//! shows the row that holds at `?at=`.

mod browser;
mod common;

use std::fs;
use std::process::Command;
use std::time::Duration;

use browser::static_site::serve;
use browser::{browser_tools, ChromeDriver};
use common::{minimal_with_billing_history, Fixture};
use fantoccini::{Client, Locator};
use serde_json::Value;

fn release(system: &str, version: &str, status: &str, day: &str, from: &str, to: &str) -> String {
    format!(
        "---\nsystem: {system}\nversion: {version}\ntype: minor\nstatus: {status}\nwindow:\n  \
         start: {day} {from}\n  end: {day} {to}\nowner: ana\n---\n{system} {version}.\n"
    )
}

/// Billing: 1.1.0 and 1.2.0 released (10 Nov), 1.3.0 rolled back (20 Nov), its history in
/// `repos/billing` (tags v1.1.0 and v1.2.0). Web: 1.9.0 in progress across the build
/// (25 Nov 13:00 Berlin), 2.0.0 planned (6 Dec).
fn fixture() -> Fixture {
    let fixture =
        minimal_with_billing_history(&[("1.1.0", "feat: invoices"), ("1.2.0", "feat: PDF/A")]);
    let files = [
        (
            "billing-1.1.0",
            "billing",
            "1.1.0",
            "released",
            "2026-11-01",
            "20:00",
            "21:00",
        ),
        (
            "billing-1.3.0",
            "billing",
            "1.3.0",
            "rolled-back",
            "2026-11-20",
            "20:00",
            "21:00",
        ),
        (
            "web-1.9.0",
            "web",
            "1.9.0",
            "in-progress",
            "2026-11-25",
            "12:00",
            "14:00",
        ),
    ];
    for (file, system, version, status, day, from, to) in files {
        let text = release(system, version, status, day, from, to);
        fixture.write(&format!("releases/{file}.md"), &text);
    }
    fixture
}

#[test]
fn the_production_table_shows_rolled_back_and_in_flight_states() {
    let fixture = fixture();
    let site = fixture.build_ok();
    let html = fs::read_to_string(site.join("production/index.html")).expect("the page");
    let billing = section(&html, "system-billing");
    // The row shown without JavaScript: 1.2.0, live again after 1.3.0 was rolled back,
    // since its own window ended (10 Nov 21:00 CET); a rollback returns to 1.1.0.
    let shown: Vec<&str> = shown_rows(billing);
    assert_eq!(shown.len(), 1, "{billing}");
    let row = shown[0];
    assert!(row.contains("data-version=\"1.2.0\""), "{row}");
    assert!(
        row.contains("<a href=\"/releases/billing/1.2.0/\">1.2.0</a>"),
        "{row}"
    );
    assert!(row.contains("tag <code>v1.2.0</code>"), "{row}");
    assert!(!row.contains("not found in git"), "{row}");
    assert!(row.contains("href=\"/releases/billing/1.2.0/#changelog-v1-2-0\">Changelog"));
    assert!(row.contains(
        "live again after <a href=\"/releases/billing/1.3.0/\">1.3.0</a> was rolled back"
    ));
    assert!(row.contains("Tue 10 Nov 2026, 21:00 CET"), "{row}");
    assert!(
        row.contains("<a href=\"/releases/billing/1.1.0/\">1.1.0</a>"),
        "{row}"
    );
    // Web: nothing released, 1.9.0 in flight now, 2.0.0 embedded for its window (hidden).
    let web = section(&html, "system-web");
    let shown: Vec<&str> = shown_rows(web);
    assert_eq!(shown.len(), 1, "{web}");
    assert!(shown[0].contains("nothing released yet"), "{web}");
    assert!(shown[0].contains("class=\"in-flight\" data-live-on=\"1795604400000 9999999999999\""));
    assert!(shown[0].contains(">1.9.0</a> <span class=\"badge status-in-progress\">"));
    assert!(shown[0].contains("class=\"in-flight\" data-live-on=\"1796518800000 1796526000000\" hidden><a href=\"/releases/web/2.0.0/\">2.0.0</a>"));
    // Labelled as of the build, linked from the header and the home page.
    assert!(html.contains("data-live-asof>as of Wed 25 Nov 2026, 13:00 CET</span>"));
    let home = fs::read_to_string(site.join("index.html")).expect("home");
    assert!(home.contains("<a href=\"/production/\">Production</a>"));
    assert!(
        home.contains("href=\"/production/\">Production now</a>"),
        "the home page links it"
    );
}

#[test]
fn the_json_matches_its_schema_and_the_release_files() {
    let fixture = fixture();
    let site = fixture.build_ok();
    let doc: Value =
        serde_json::from_slice(&fs::read(site.join("api/production.json")).expect("json"))
            .expect("valid JSON");
    let schema: Value =
        serde_json::from_slice(&fs::read(site.join("api/production.schema.json")).expect("schema"))
            .expect("valid JSON");
    let problems = validate(&schema, &doc, "$");
    assert!(problems.is_empty(), "{problems:#?}");
    assert_eq!(doc["generated_at"], "2026-11-25T12:00:00Z");
    let billing = &doc["systems"][0];
    assert_eq!(billing["system"], "billing");
    assert_eq!(billing["live"]["version"], "1.2.0");
    assert_eq!(billing["live"]["since"], "2026-11-10T20:00:00Z");
    assert_eq!(billing["live"]["tagged"], true);
    assert_eq!(billing["live"]["after_rollback_of"], "1.3.0");
    assert_eq!(
        billing["live"]["changelog_url"],
        "https://releases.acme.example/releases/billing/1.2.0/#changelog-v1-2-0"
    );
    assert_eq!(billing["rollback_to"]["version"], "1.1.0");
    assert_eq!(billing["in_flight"], Value::Array(Vec::new()));
    let spans: Vec<(&str, &str)> = billing["history"]
        .as_array()
        .expect("history")
        .iter()
        .map(|s| {
            (
                s["version"].as_str().unwrap_or(""),
                s["from"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        spans,
        [
            ("1.1.0", "2026-11-01T20:00:00Z"),
            ("1.2.0", "2026-11-10T20:00:00Z"),
            ("1.2.0", "2026-11-20T20:00:00Z"),
        ]
    );
    let web = &doc["systems"][1];
    assert_eq!(web["live"], Value::Null);
    assert_eq!(web["rollback_to"], Value::Null);
    assert_eq!(web["in_flight"][0]["version"], "1.9.0");
    assert_eq!(web["in_flight"][0]["status"], "in-progress");
    assert_eq!(web["in_flight"][0]["window_start"], "2026-11-25T11:00:00Z");
    assert_eq!(web["in_flight"].as_array().map(Vec::len), Some(1));
    // The same content and build time give the same bytes.
    let again = fixture.build_ok();
    assert_eq!(
        fs::read(site.join("api/production.json")).ok(),
        fs::read(again.join("api/production.json")).ok()
    );
}

#[test]
fn the_validator_rejects_what_the_schema_forbids() {
    let schema: Value =
        serde_json::from_str(include_str!("../src/model/production.schema.json")).expect("JSON");
    let bad = serde_json::json!({
        "generated_at": "2026-11-25T12:00:00Z",
        "timezone": 3,
        "systems": [{ "system": "Billing!", "name": "B", "url": "u", "live": null,
                      "rollback_to": null, "in_flight": [{ "status": "shipped" }],
                      "history": [], "extra": true }]
    });
    let problems = validate(&schema, &bad, "$");
    for expected in [
        "$.timezone: not of type [\"string\"]",
        "$.systems[0].system: does not match",
        "$.systems[0]: unknown property extra",
        "$.systems[0].in_flight[0]: missing version",
        "$.systems[0].in_flight[0].status: not one of",
    ] {
        assert!(
            problems.iter().any(|p| p.starts_with(expected)),
            "{expected} in {problems:#?}"
        );
    }
}

/// The keywords `production.schema.json` uses: type (one or a list), required, properties,
/// additionalProperties: false, items, enum, pattern (only `^[a-z0-9][a-z0-9-]*$`). A full
/// JSON-schema crate (`jsonschema`) would add dozens of crates (regex engines, URL and
/// date-time parsers, an HTTP client by default) to a build shared by two cores; this
/// checks what the schema says and fails on a keyword it does not know.
fn validate(schema: &Value, value: &Value, at: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let known = [
        "$schema",
        "$id",
        "title",
        "description",
        "format",
        "type",
        "required",
        "properties",
        "additionalProperties",
        "items",
        "enum",
        "pattern",
    ];
    for key in schema.as_object().map(|o| o.keys()).into_iter().flatten() {
        assert!(
            known.contains(&key.as_str()),
            "unknown schema keyword {key}"
        );
    }
    if let Some(types) = schema.get("type") {
        let types: Vec<&str> = match types {
            Value::String(t) => vec![t.as_str()],
            Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        let is = |t: &str| match t {
            "object" => value.is_object(),
            "array" => value.is_array(),
            "string" => value.is_string(),
            "boolean" => value.is_boolean(),
            "null" => value.is_null(),
            _ => false,
        };
        if !types.iter().any(|t| is(t)) {
            problems.push(format!("{at}: not of type {types:?}"));
            return problems;
        }
    }
    if let Some(options) = schema.get("enum").and_then(Value::as_array) {
        if !options.contains(value) {
            problems.push(format!("{at}: not one of {options:?}"));
        }
    }
    if let (Some(pattern), Some(text)) = (schema.get("pattern"), value.as_str()) {
        assert_eq!(
            pattern, "^[a-z0-9][a-z0-9-]*$",
            "a pattern this validator knows"
        );
        let slug = text.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
            && text
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !slug {
            problems.push(format!("{at}: does not match {pattern}"));
        }
    }
    if let Some(object) = value.as_object() {
        for name in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(name) = name.as_str().filter(|n| !object.contains_key(*n)) {
                problems.push(format!("{at}: missing {name}"));
            }
        }
        let properties = schema.get("properties").and_then(Value::as_object);
        for (name, field) in object {
            match properties.and_then(|p| p.get(name)) {
                Some(sub) => problems.extend(validate(sub, field, &format!("{at}.{name}"))),
                None if schema.get("additionalProperties") == Some(&Value::Bool(false)) => {
                    problems.push(format!("{at}: unknown property {name}"))
                }
                None => {}
            }
        }
    }
    if let (Some(items), Some(array)) = (schema.get("items"), value.as_array()) {
        for (i, item) in array.iter().enumerate() {
            problems.extend(validate(items, item, &format!("{at}[{i}]")));
        }
    }
    problems
}

/// The `<tbody id="...">` of the table.
fn section<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!("<tbody id=\"{id}\">"))
        .unwrap_or_else(|| panic!("no tbody {id}"));
    let end = html[start..]
        .find("</tbody>")
        .map_or(html.len(), |e| start + e);
    &html[start..end]
}

/// The `<tr ...>` rows of a tbody not hidden as built (each from its opening tag to the
/// next).
fn shown_rows(tbody: &str) -> Vec<&str> {
    tbody
        .split("<tr ")
        .skip(1)
        .filter(|row| !row[..row.find('>').unwrap_or(row.len())].ends_with(" hidden"))
        .collect()
}

/// Built before billing 1.2.0's window (Thu 5 Nov 2026, 12:00 UTC): the live layer must move
/// the live version on at the window's end and show the rollback at `?at=`.
const EARLY_BUILD: &str = "1793880000";

#[test]
fn the_live_layer_shows_the_version_live_at_the_moment_asked() {
    let Some(chromedriver) = browser_tools("production") else {
        return;
    };
    let fixture = fixture();
    let result = Command::new(env!("CARGO_BIN_EXE_shipboard"))
        .args(["build", &fixture.dir().display().to_string()])
        .env("SOURCE_DATE_EPOCH", EARLY_BUILD)
        .output()
        .expect("shipboard runs");
    assert!(
        result.status.success(),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
    let base = format!("http://127.0.0.1:{}", serve(fixture.dir().join("public")));
    let tmp = tempfile::tempdir().expect("temp dir");
    let driver = ChromeDriver::start(&chromedriver, tmp.path());
    let runtime = browser::runtime();
    let seen = runtime.block_on(async {
        let client = driver
            .session(&tmp.path().join("profile"), false)
            .await
            .expect("a Chromium session");
        let mut seen = Vec::new();
        for at in [
            "2026-11-08T12:00",
            "2026-11-12T12:00",
            "2026-11-20T21:30",
            "2026-11-25T13:00",
        ] {
            let url = format!("{base}/production/?at={at}");
            client.goto(&url).await.expect("open the page");
            client
                .wait()
                .at_most(Duration::from_secs(15))
                .for_element(Locator::Css("[data-live-status][data-live-ready]"))
                .await
                .expect("the live layer ran");
            seen.push((
                at,
                visible_text(&client, "#system-billing").await,
                visible_text(&client, "#system-web").await,
            ));
        }
        let _ = client.close().await;
        seen
    });
    drop(driver);
    let billing: Vec<&str> = seen.iter().map(|(_, b, _)| b.as_str()).collect();
    assert!(
        billing[0].contains("1.1.0") && !billing[0].contains("1.2.0"),
        "{billing:?}"
    );
    assert!(
        billing[1].contains("1.2.0") && !billing[1].contains("rolled back"),
        "{billing:?}"
    );
    assert!(
        billing[2].contains("live again after 1.3.0 was rolled back"),
        "{billing:?}"
    );
    let web: Vec<&str> = seen.iter().map(|(_, _, w)| w.as_str()).collect();
    // In progress counts from the build on, until its status changes.
    assert!(
        web[0].contains("nothing released yet") && web[0].contains("1.9.0 in-progress"),
        "{web:?}"
    );
    assert!(
        !web[0].contains("2.0.0"),
        "2.0.0's window is in December: {web:?}"
    );
    assert!(web[3].contains("1.9.0 in-progress"), "{web:?}");
}

async fn visible_text(client: &Client, css: &str) -> String {
    let element = client.find(Locator::Css(css)).await.expect("the element");
    element.text().await.unwrap_or_default()
}
