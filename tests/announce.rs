//! Announcements end to end: the real binary builds the `minimal` fixture; each release page
//! shows the stakeholder e-mail and the chat message in read-only text areas (selectable with
//! JavaScript off) and links the same texts written beside it, and `/api/releases.json` lists
//! every release with its window, status, links and announcement.

mod common;

use std::fs;

use common::Fixture;
use serde_json::Value;

#[test]
fn release_pages_carry_ready_to_send_texts_and_files() {
    let fixture = Fixture::new("minimal");
    let site = fixture.build_ok();
    let page = fs::read_to_string(site.join("releases/web/2.0.0/index.html")).expect("page");
    let email = fs::read_to_string(site.join("releases/web/2.0.0/announce.txt")).expect("txt");
    let chat = fs::read_to_string(site.join("releases/web/2.0.0/announce.md")).expect("md");
    assert!(email.starts_with(
        "Subject: [Acme Releases] Web shop 2.0.0 – New checkout: Sun 6 Dec 2026, 02:00–04:00 CET (Europe/Berlin)\n\nHello,\n"
    ));
    assert!(email.contains("Status: Planned. Window: Sun 6 Dec 2026, 02:00–04:00 CET"));
    assert!(
        email.contains("What changes for users:\n\n# New checkout\n\nOne page instead of four.\n")
    );
    assert!(
        email.contains("- Ben Okoro (release owner, owner of Web shop)\n"),
        "{email}"
    );
    assert!(email.ends_with("https://releases.acme.example/releases/web/2.0.0/\n"));
    assert!(chat.starts_with("**Web shop 2.0.0 – New checkout** · major · Planned\n"));
    // The page: the same texts, escaped, in labelled read-only text areas, and the files.
    assert!(page.contains("<textarea id=\"announce-email\" readonly rows=\"12\" spellcheck=\"false\">Subject: [Acme Releases] Web shop 2.0.0"));
    assert!(page.contains(
        "<textarea id=\"announce-chat\" readonly rows=\"5\" spellcheck=\"false\">**Web shop 2.0.0"
    ));
    assert!(page.contains("<label for=\"announce-email\">"));
    assert!(page.contains("href=\"/releases/web/2.0.0/announce.txt\" download>announce.txt</a>"));
    assert!(page.contains("href=\"/releases/web/2.0.0/announce.md\" download>announce.md</a>"));
    // No inline script: the CSP stays as it is.
    assert!(!page.contains("<script>") && !page.contains("onclick"));
}

#[test]
fn releases_json_lists_windows_statuses_links_and_texts() {
    let fixture = Fixture::new("minimal");
    let site = fixture.build_ok();
    let text = fs::read_to_string(site.join("api/releases.json")).expect("json");
    let doc: Value = serde_json::from_str(&text).expect("valid JSON");
    assert_eq!(doc["generated_at"], "2026-11-25T12:00:00Z");
    let releases = doc["releases"].as_array().expect("a list");
    let ids: Vec<String> = releases
        .iter()
        .map(|r| {
            format!(
                "{} {}",
                r["system"].as_str().unwrap_or(""),
                r["version"].as_str().unwrap_or("")
            )
        })
        .collect();
    assert_eq!(ids, ["billing 1.2.0", "web 2.0.0"], "by window start");
    let web = &releases[1];
    assert_eq!(web["status"], "planned");
    assert_eq!(web["type"], "major");
    assert_eq!(web["window_start"], "2026-12-06T01:00:00Z");
    assert_eq!(web["window_end"], "2026-12-06T03:00:00Z");
    assert_eq!(
        web["url"],
        "https://releases.acme.example/releases/web/2.0.0/"
    );
    assert_eq!(
        web["calendar_url"],
        "https://releases.acme.example/calendar/web.ics"
    );
    let a = &web["announcement"];
    let email = fs::read_to_string(site.join("releases/web/2.0.0/announce.txt")).expect("txt");
    assert_eq!(
        format!(
            "Subject: {}\n\n{}",
            a["subject"].as_str().unwrap_or(""),
            a["email"].as_str().unwrap_or("")
        ),
        email
    );
    assert_eq!(
        a["email_url"],
        "https://releases.acme.example/releases/web/2.0.0/announce.txt"
    );
    assert!(a["chat_markdown"].as_str().is_some_and(
        |c| c.contains("[Release page](https://releases.acme.example/releases/web/2.0.0/)")
    ));
}

fn emergency(announced_at: &str) -> String {
    format!(
        "---\nsystem: billing\nversion: 1.2.1\ntype: emergency\nstatus: released\nwindow:\n  \
         start: 2026-11-12 10:00\n  end: 2026-11-12 10:30\nowner: ana\n{announced_at}approvals:\n  \
         - role: cto\n    by: ana\n    at: 2026-11-12 09:50\n---\nFix.\n"
    )
}

#[test]
fn emergency_releases_show_the_notify_check_verified_from_announced_at() {
    let fixture = Fixture::new("minimal");
    fixture.write(
        "releases/billing-1.2.1.md",
        &emergency("announced_at: 2026-11-12 10:45\n"),
    );
    let site = fixture.build_ok();
    let page = fs::read_to_string(site.join("releases/billing/1.2.1/index.html")).expect("page");
    assert!(
        page.contains("<p class=\"notify-check done\"><strong>Done: notify stakeholders within 1 hour</strong> (emergency release) — verified by the portal: announced at Thu 12 Nov 2026, 10:45 CET.</p>"),
        "{page}"
    );
    fixture.write(
        "releases/billing-1.2.1.md",
        &emergency("announced_at: 2026-11-12 12:00\n"),
    );
    let site = fixture.build_ok();
    let page = fs::read_to_string(site.join("releases/billing/1.2.1/index.html")).expect("page");
    assert!(page.contains("<strong>Not done: notify stakeholders within 1 hour</strong> (emergency release) — not done: announced at Thu 12 Nov 2026, 12:00 CET, 2 h 0 min after the window start (more than 1 hour)."));
    fixture.write("releases/billing-1.2.1.md", &emergency(""));
    let site = fixture.build_ok();
    let page = fs::read_to_string(site.join("releases/billing/1.2.1/index.html")).expect("page");
    assert!(page.contains("not verified: no `announced_at` is recorded in the release file."));
    let web = fs::read_to_string(site.join("releases/web/2.0.0/index.html")).expect("page");
    assert!(
        !web.contains("notify-check"),
        "only emergency releases have the item"
    );
    // A bad value is an error naming the file, the line and the field.
    fixture.write(
        "releases/billing-1.2.1.md",
        &emergency("announced_at: yesterday\n"),
    );
    let out = fixture.build();
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert!(
        out.stderr
            .contains("releases/billing-1.2.1.md:10:15: error[announced_at]:"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("help:"), "{}", out.stderr);
}
