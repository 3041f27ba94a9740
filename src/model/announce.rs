//! Announcements: ready-to-send texts for each release, a stakeholder e-mail (plain text: what
//! changes for users, when, whom to ask) and a chat message (Markdown), shown on the release
//! page, written beside it (`announce.txt`, `announce.md`) and listed with every release in
//! `/api/releases.json` so a bot can post them.
//!
//! A static portal cannot send mail: it hands people the text. This module only builds
//! strings from the content; it reads no clock and no files.

use chrono::{DateTime, Utc};
use rayon::prelude::*;
use serde::Serialize;

use super::views::{release_path, Clock};
use crate::content::{Content, Release, ReleaseType};

/// The texts of one release's announcement, and where their files are.
#[derive(Debug, Clone, Serialize)]
pub struct Announcement {
    /// The e-mail's subject line.
    pub subject: String,
    /// The e-mail: `Subject:` line, a blank line, the plain-text body.
    pub email: String,
    /// The chat message, Markdown.
    pub chat: String,
    /// `releases/<system>/<version>/announce.txt`, relative to the site root.
    pub email_path: String,
    /// `releases/<system>/<version>/announce.md`.
    pub chat_path: String,
    /// Emergency releases: "notify within 1 hour", verified from `announced_at`.
    pub notify_check: Option<NotifyCheck>,
}

/// The emergency checklist's "notify within 1 hour", as the portal verifies it: done when
/// `announced_at` is recorded no later than 1 hour after the window start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotifyCheck {
    pub done: bool,
    /// "verified by the portal: announced at …" or why it is not done.
    pub text: String,
}

/// How long after an emergency window's start stakeholders must have been told.
const NOTIFY_WITHIN_MINUTES: i64 = 60;

/// The notify check of `release`; `None` unless it is an emergency release.
pub fn notify_check(release: &Release, clock: Clock) -> Option<NotifyCheck> {
    if release.kind != ReleaseType::Emergency {
        return None;
    }
    let start = release.window.start;
    Some(match release.announced_at {
        None => NotifyCheck {
            done: false,
            text: "not verified: no `announced_at` is recorded in the release file".into(),
        },
        Some(at) => {
            let minutes = (at - start).num_minutes();
            let when = clock.date_time(at);
            if minutes <= NOTIFY_WITHIN_MINUTES {
                NotifyCheck {
                    done: true,
                    text: format!("verified by the portal: announced at {when}"),
                }
            } else {
                NotifyCheck {
                    done: false,
                    text: format!(
                        "not done: announced at {when}, {} h {} min after the window start (more than 1 hour)",
                        minutes / 60,
                        minutes % 60
                    ),
                }
            }
        }
    })
}

/// The announcement of `release`, with links under the portal's `base_url`.
pub fn for_release(content: &Content, release: &Release) -> Announcement {
    let clock = Clock {
        zone: content.portal.timezone,
    };
    let system = content.system(&release.system);
    let system_name = system.map_or(release.system.as_str(), |s| s.name.as_str());
    let mut name = format!("{system_name} {}", release.version);
    if let Some(title) = &release.title {
        name.push_str(&format!(" – {title}"));
    }
    let when = format!(
        "{} ({})",
        clock.range(release.window.start, release.window.end),
        content.portal.timezone.name()
    );
    let path = release_path(&release.system, &release.version.to_string());
    let url = format!("{}{path}", content.portal.base_url);
    let status = release.status.label();
    let subject = format!("[{}] {name}: {when}", content.portal.title);

    // Whom to ask: the release owner, then the system owner (one line per person).
    let mut asked: Vec<(&str, Vec<String>)> =
        vec![(release.owner.as_str(), vec!["release owner".into()])];
    if let Some(system) = system {
        let role = format!("owner of {}", system.name);
        match asked.iter_mut().find(|(id, _)| *id == system.owner) {
            Some((_, roles)) => roles.push(role),
            None => asked.push((system.owner.as_str(), vec![role])),
        }
    }
    let contacts: Vec<String> = asked
        .iter()
        .filter_map(|(id, roles)| {
            let person = content.person(id)?;
            let roles = roles.join(", ");
            Some(match &person.email {
                Some(email) => format!("{} ({roles}), {email}", person.name),
                None => format!("{} ({roles})", person.name),
            })
        })
        .collect();

    let changes = user_changes(&release.notes, &content.portal.base_url);
    let mut email = format!("Subject: {subject}\n\nHello,\n\n");
    let kind = release.kind.as_str();
    let article = if kind.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    email.push_str(&format!(
        "{name}, {article} {kind} release. Status: {status}. Window: {when}.\n"
    ));
    if let Some(note) = &release.status_note {
        email.push_str(&format!("{status}: {note}\n"));
    }
    email.push_str(&format!("\nWhat changes for users:\n\n{changes}\n\n"));
    email.push_str("Questions? Ask:\n");
    for line in &contacts {
        email.push_str(&format!("- {line}\n"));
    }
    email.push_str(&format!("\nDetails, runbooks and status: {url}\n"));

    let mut chat = format!("**{name}** · {} · {status}\n", release.kind.as_str());
    chat.push_str(&format!("When: {when}\n"));
    if let Some(note) = &release.status_note {
        chat.push_str(&format!("{status}: {note}\n"));
    }
    if let Some(first) = contacts.first() {
        chat.push_str(&format!("Ask: {first}\n"));
    }
    chat.push_str(&format!("[Release page]({url})\n"));

    Announcement {
        subject,
        email,
        chat,
        email_path: format!("{path}announce.txt"),
        chat_path: format!("{path}announce.md"),
        notify_check: notify_check(release, clock),
    }
}

/// What changes for users, from the release notes: the section under a heading "What changes
/// for users" (any level, any case) when the notes have one, else the whole notes; site
/// links (`](/releases/...)`) made absolute, since the text leaves the portal.
fn user_changes(notes: &str, base_url: &str) -> String {
    let heading_level = |line: &str| {
        let hashes = line.chars().take_while(|c| *c == '#').count();
        (hashes > 0 && line[hashes..].starts_with(' ')).then_some(hashes)
    };
    let lines: Vec<&str> = notes.lines().collect();
    let section = lines.iter().position(|l| {
        heading_level(l).is_some()
            && l.trim_start_matches('#')
                .trim()
                .eq_ignore_ascii_case("what changes for users")
    });
    let text = match section {
        Some(at) => {
            let level = heading_level(lines[at]).unwrap_or(1);
            lines[at + 1..]
                .iter()
                .take_while(|l| heading_level(l).is_none_or(|h| h > level))
                .copied()
                .collect::<Vec<_>>()
                .join("\n")
        }
        // Lines joined again, so notes saved with CRLF do not bring their CRs into an
        // announcement whose other lines end in LF.
        None => lines.join("\n"),
    };
    let text = text.trim();
    if text.is_empty() {
        return "See the release page.".to_owned();
    }
    strip_tags(text).replace("](/", &format!("]({base_url}"))
}

/// The text without raw HTML tags (`<b>`, `</b>`, `<!-- -->`, `<img ...>`): Markdown notes
/// may hold sanitized HTML, which has no place in a plain-text e-mail or a chat message.
fn strip_tags(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('<') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let is_tag = after.starts_with(|c: char| c.is_ascii_alphabetic() || c == '/' || c == '!');
        match after.find('>').filter(|_| is_tag) {
            Some(end) => rest = &after[end + 1..],
            None => {
                out.push('<');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// `announce.txt` and `announce.md` of one release's announcement (path, bytes).
pub fn release_files(a: &Announcement) -> [(String, Vec<u8>); 2] {
    [
        (a.email_path.clone(), a.email.clone().into_bytes()),
        (a.chat_path.clone(), a.chat.clone().into_bytes()),
    ]
}

/// `api/releases.json`: every release with its window, status, links and announcement.
#[derive(Debug, Serialize)]
pub struct ReleasesJson {
    pub generated_at: String,
    pub timezone: String,
    pub releases: Vec<ReleaseJson>,
}

#[derive(Debug, Serialize)]
pub struct ReleaseJson {
    pub system: String,
    pub version: String,
    pub title: Option<String>,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub status: &'static str,
    pub status_note: Option<String>,
    pub window_start: String,
    pub window_end: String,
    pub url: String,
    pub calendar_url: String,
    pub announcement: AnnouncementJson,
}

#[derive(Debug, Serialize)]
pub struct AnnouncementJson {
    pub subject: String,
    /// The plain-text e-mail body (without the `Subject:` line).
    pub email: String,
    pub chat_markdown: String,
    pub email_url: String,
    pub chat_url: String,
}

fn utc(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Where the API document is written, relative to the site root.
pub const RELEASES_JSON: &str = "api/releases.json";

/// Releases per part of `api/releases.json` (see [`releases_json_parts`]): their texts are
/// composed in parallel, then the part is handed on and dropped.
const JSON_PART: usize = 256;

/// The releases in the API document's order: by window start, then system and version.
fn by_window(content: &Content) -> Vec<&Release> {
    let mut releases: Vec<&Release> = content.releases.iter().collect();
    releases.sort_by(|a, b| {
        (a.window.start, &a.system, &a.version).cmp(&(b.window.start, &b.system, &b.version))
    });
    releases
}

/// The API document (releases by window start, then system and version), handing each
/// release's announcement to `each` as it is made (in parallel), so its `announce.txt` and
/// `announce.md` are written from the same texts rather than composed a second time. A
/// build writes the document with [`releases_json_parts`], which never holds it whole.
pub fn releases_json_with<E: Send>(
    content: &Content,
    now: DateTime<Utc>,
    each: &(dyn Fn(&Announcement) -> Result<(), E> + Sync),
) -> Result<ReleasesJson, E> {
    let releases = by_window(content)
        .into_par_iter()
        .map(|r| {
            let a = for_release(content, r);
            each(&a)?;
            Ok(release_json(content, r, a))
        })
        .collect::<Result<Vec<_>, E>>()?;
    Ok(ReleasesJson {
        generated_at: utc(now),
        timezone: content.portal.timezone.name().to_owned(),
        releases,
    })
}

/// One release's entry, with its announcement's texts.
fn release_json(content: &Content, r: &Release, a: Announcement) -> ReleaseJson {
    let base = &content.portal.base_url;
    let body = a
        .email
        .split_once("\n\n")
        .map_or(a.email.as_str(), |(_, body)| body)
        .to_owned();
    ReleaseJson {
        system: r.system.clone(),
        version: r.version.to_string(),
        title: r.title.clone(),
        kind: r.kind.as_str(),
        status: r.status.as_str(),
        status_note: r.status_note.clone(),
        window_start: utc(r.window.start),
        window_end: utc(r.window.end),
        url: format!("{base}{}", release_path(&r.system, &r.version.to_string())),
        calendar_url: format!("{base}calendar/{}.ics", r.system),
        announcement: AnnouncementJson {
            subject: a.subject,
            email: body,
            chat_markdown: a.chat,
            email_url: format!("{base}{}", a.email_path),
            chat_url: format!("{base}{}", a.chat_path),
        },
    }
}

/// `api/releases.json` in parts, in order: together the bytes `serde_json` pretty-prints
/// for [`releases_json_with`]'s document, newline-terminated, handed to `part` a few
/// hundred releases at a time, so a build never holds the document (30 MB at 10,000
/// releases) whole, neither as values nor as text. Each release's announcement goes to
/// `each` as it is made, as in [`releases_json_with`].
pub fn releases_json_parts<E: Send>(
    content: &Content,
    now: DateTime<Utc>,
    each: &(dyn Fn(&Announcement) -> Result<(), E> + Sync),
    part: &mut dyn FnMut(&[u8]) -> Result<(), E>,
) -> Result<(), E> {
    let releases = by_window(content);
    let mut text = format!(
        "{{\n  \"generated_at\": {},\n  \"timezone\": {},\n  \"releases\": [",
        json_string(&utc(now)),
        json_string(content.portal.timezone.name())
    );
    for (chunk_index, chunk) in releases.chunks(JSON_PART).enumerate() {
        let entries = chunk
            .par_iter()
            .map(|r| {
                let a = for_release(content, r);
                each(&a)?;
                Ok(array_element(&release_json(content, r, a)))
            })
            .collect::<Result<Vec<String>, E>>()?;
        for (i, entry) in entries.iter().enumerate() {
            text.push_str(if chunk_index == 0 && i == 0 {
                "\n"
            } else {
                ",\n"
            });
            text.push_str(entry);
        }
        part(text.as_bytes())?;
        text.clear();
    }
    text.push_str(if releases.is_empty() {
        "]\n}\n"
    } else {
        "\n  ]\n}\n"
    });
    part(text.as_bytes())
}

/// `api/releases.json` whole (path, bytes), for callers that keep whole files (`serve`).
pub fn releases_json_file<E: Send>(
    content: &Content,
    now: DateTime<Utc>,
    each: &(dyn Fn(&Announcement) -> Result<(), E> + Sync),
) -> Result<(String, Vec<u8>), E> {
    let mut bytes = Vec::new();
    releases_json_parts(content, now, each, &mut |part| {
        bytes.extend_from_slice(part);
        Ok(())
    })?;
    Ok((RELEASES_JSON.to_owned(), bytes))
}

/// A JSON string literal.
fn json_string(s: &str) -> String {
    serde_json::Value::from(s).to_string()
}

/// An entry pretty-printed as an element of the document's `releases` array: indented by
/// two levels. Every line break in pretty JSON is structure (a string's are escaped), so
/// indenting after each one is what the pretty printer does at that depth.
fn array_element(entry: &ReleaseJson) -> String {
    let pretty = serde_json::to_string_pretty(entry).unwrap_or_else(|_| "{}".to_owned());
    format!("    {}", pretty.replace('\n', "\n    "))
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::calendar::testutil::{content, release, utc as at};

    #[test]
    fn emergency_releases_verify_notify_within_an_hour_from_announced_at() {
        let clock = Clock {
            zone: chrono_tz::Europe::Berlin,
        };
        let mut r = release("payments", "2.3.2", at(2026, 10, 14, 9, 40), 50);
        assert_eq!(
            notify_check(&r, clock),
            None,
            "a minor release has no such item"
        );
        r.kind = ReleaseType::Emergency;
        let check = notify_check(&r, clock).expect("an emergency release has it");
        let email = for_release(&content(), &r).email;
        assert!(email.contains("2.3.2, an emergency release."), "{email}");
        assert!(!check.done);
        assert!(check.text.contains("no `announced_at`"), "{}", check.text);
        r.announced_at = Some(at(2026, 10, 14, 10, 25));
        let check = notify_check(&r, clock).expect("checked");
        assert!(check.done);
        assert_eq!(
            check.text,
            "verified by the portal: announced at Wed 14 Oct 2026, 12:25 CEST"
        );
        r.announced_at = Some(at(2026, 10, 14, 11, 55));
        let check = notify_check(&r, clock).expect("checked");
        assert!(!check.done);
        assert!(check
            .text
            .ends_with("2 h 15 min after the window start (more than 1 hour)"));
    }

    #[test]
    fn user_changes_are_the_section_of_that_name_with_absolute_links() {
        let crlf = "Customers can top up.\r\n\r\n- Wallets\r\n- Cards\r\n";
        assert_eq!(
            user_changes(crlf, "https://r.example/"),
            "Customers can top up.\n\n- Wallets\n- Cards"
        );
        let notes = "## Summary\n\nWallets.\n\n## What changes for users\n\n- Top-ups, see \
                     [the runbook](/runbooks/x/).\n\n### Detail\n\nkept\n\n## Risks\n\nnone\n";
        assert_eq!(
            user_changes(notes, "https://r.example/"),
            "- Top-ups, see [the runbook](https://r.example/runbooks/x/).\n\n### Detail\n\nkept"
        );
        assert_eq!(user_changes("Just this.", "/"), "Just this.");
        assert_eq!(
            user_changes("a <b>bold</b> <img src=x onerror=\"alert(2)\"> 1 < 2", "/"),
            "a bold  1 < 2"
        );
        assert_eq!(user_changes("  ", "/"), "See the release page.");
    }

    #[test]
    fn the_email_says_what_changes_when_and_whom_to_ask() {
        let mut c = content();
        let mut r = release("payments", "2.4.0", at(2026, 12, 6, 1, 0), 90);
        r.title = Some("Wallet top-ups".into());
        r.notes = "Customers can top up their wallet.\n".into();
        c.releases = vec![r];
        let a = for_release(&c, &c.releases[0]);
        assert_eq!(
            a.subject,
            "[Northwind Release Portal] Payments API 2.4.0 – Wallet top-ups: \
             Sun 6 Dec 2026, 02:00–03:30 CET (Europe/Berlin)"
        );
        assert!(a
            .email
            .starts_with(&format!("Subject: {}\n\nHello,\n", a.subject)));
        assert!(a
            .email
            .contains("What changes for users:\n\nCustomers can top up their wallet.\n"));
        assert!(a
            .email
            .contains("- Priya Raman (release owner, owner of Payments API)\n"));
        assert!(a
            .email
            .contains("Wallet top-ups, a minor release. Status: Approved."));
        assert!(a
            .email
            .ends_with("status: https://releases.example.com/releases/payments/2.4.0/\n"));
        assert!(a
            .chat
            .starts_with("**Payments API 2.4.0 – Wallet top-ups** · minor · Approved\n"));
        assert!(a
            .chat
            .contains("[Release page](https://releases.example.com/releases/payments/2.4.0/)"));
        assert_eq!(a.email_path, "releases/payments/2.4.0/announce.txt");
        let files = std::sync::Mutex::new(Vec::new());
        let keep = |a: &Announcement| {
            files.lock().expect("lock").extend(release_files(a));
            Ok::<(), ()>(())
        };
        let json = releases_json_file(&c, at(2026, 11, 25, 12, 0), &keep).expect("no error");
        let mut files = files.into_inner().expect("lock");
        files.push(json);
        let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "releases/payments/2.4.0/announce.txt",
                "releases/payments/2.4.0/announce.md",
                "api/releases.json"
            ]
        );
        let doc: serde_json::Value = serde_json::from_slice(&files[2].1).expect("JSON");
        assert_eq!(doc["releases"][0]["announcement"]["subject"], a.subject);
        assert_eq!(doc["releases"][0]["window_start"], "2026-12-06T01:00:00Z");
    }

    #[test]
    fn the_document_in_parts_is_the_pretty_printed_document() {
        let mut c = content();
        let whole = |c: &Content| {
            let none = |_: &Announcement| Ok::<(), ()>(());
            let doc = releases_json_with(c, at(2026, 11, 25, 12, 0), &none).expect("no error");
            let mut text = serde_json::to_string_pretty(&doc).expect("serializable");
            text.push('\n');
            text
        };
        let in_parts = |c: &Content| {
            let count = AtomicUsize::new(0);
            let counted = |_: &Announcement| {
                count.fetch_add(1, Ordering::Relaxed);
                Ok::<(), ()>(())
            };
            let mut parts: Vec<Vec<u8>> = Vec::new();
            releases_json_parts(c, at(2026, 11, 25, 12, 0), &counted, &mut |part| {
                parts.push(part.to_vec());
                Ok(())
            })
            .expect("no error");
            assert_eq!(
                count.into_inner(),
                c.releases.len(),
                "one announcement each"
            );
            (
                String::from_utf8(parts.concat()).expect("UTF-8"),
                parts.len(),
            )
        };
        let (empty, _) = in_parts(&c);
        assert_eq!(empty, whole(&c));
        assert!(empty.contains("\"releases\": []"), "{empty}");
        for i in 0..JSON_PART + 3 {
            let start = at(2026, 1, 1, 9, 0) + chrono::Duration::hours(i as i64 * 7);
            let mut r = release(
                ["payments", "ledger"][i % 2],
                &format!("1.{i}.0"),
                start,
                30,
            );
            r.title = Some(format!("Wallet \"top-ups\" {i}\tüber\nall"));
            r.status_note = (i % 3 == 0).then(|| "held: {\"x\": [1]}\\".to_owned());
            c.releases.push(r);
        }
        let (text, parts) = in_parts(&c);
        assert!(parts > 2, "several parts: {parts}");
        assert_eq!(text, whole(&c));
        let doc: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        assert_eq!(
            doc["releases"].as_array().map(Vec::len),
            Some(JSON_PART + 3)
        );
    }
}
