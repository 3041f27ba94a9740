//! What can be found: one [`Document`] per release, runbook, runbook section, system,
//! person, the contacts page, escalation ladder, on-call rotation, release train, train
//! departure and system version, with its identifiers, and the commits each release first shipped. Built from the
//! content (release notes and runbook bodies rendered as their pages render them, with the
//! pages' heading anchors), the site model and the git facts; it never reads files.
//!
//! Order is fixed (systems, people, runbooks each followed by its sections, the contacts
//! page, ladders, rotations, trains each followed by its departures, system versions,
//! releases by system then version), so document ids, and so the index, are the same for the same
//! content; neighbouring versions of a system share fragment files.

use std::collections::BTreeMap;

use rayon::prelude::*;
use shipboard_search::text;

use super::html_text::{self, Section};
use crate::content::{Content, LadderContact};
use crate::history::Facts;
use crate::markdown;
use crate::model::views::release_path;
use crate::model::SiteModel;

/// Snippet text kept per document, in chars: enough for a snippet around a match in the
/// first screenful of a note or section, small enough that a result costs about 1 kB.
pub const TEXT_CHARS: usize = 1_500;

/// One searchable thing, as a result shows it and as the index weighs it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Document {
    /// `r` release, `b` runbook or runbook section, `s` system, `p` person, `o` on call and
    /// escalation (the contacts page, a ladder, a rotation), `t` release train or departure,
    /// `v` system version.
    pub group: u8,
    /// Relative to the site root (no leading `/`), maybe with `#anchor`.
    pub url: String,
    pub title: String,
    /// One line of facts shown under the title.
    pub meta: String,
    /// Releases: the version a rollback returns to.
    pub rollback: String,
    /// Indexed with the meta's weight but not shown (slugs, ids, handles).
    pub hidden: String,
    /// The whole plain text (indexed); the record keeps its first [`TEXT_CHARS`].
    pub text: String,
    /// Identifiers, already in [`text::key`] form.
    pub keys: Vec<String>,
    /// A runbook section: where its own heading starts in `title` ("Roll back payments ›
    /// Steps"). Its title's runbook part, meta and hidden words are its runbook's and are
    /// not indexed for it: a search for the runbook's title, owner or slug finds the runbook
    /// once, not each of its sections (the sections' headings and text still find them).
    pub own_title_from: Option<usize>,
}

/// A commit and the release that first shipped it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct CommitEntry {
    pub sha: String,
    pub doc: u32,
    pub subject: String,
}

/// What the index reads of a page's Markdown body: a release note's text, a runbook's
/// sections. Made from the body's HTML by the thread that rendered the page, so a build
/// keeps neither the HTML nor the work of reading it for the index's serial tail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    /// A release note's text.
    Text(String),
    /// A runbook's sections (an intro without an anchor first, if it has one).
    Sections(Vec<Section>),
}

impl Body {
    /// The body of a release page, from its notes' HTML.
    pub fn of_release(html: &str) -> Body {
        Body::Text(html_text::text_of(html))
    }

    /// The body of a runbook page, from its HTML.
    pub fn of_runbook(html: &str) -> Body {
        Body::Sections(html_text::sections(html))
    }
}

/// Every document in id order, and the commits. `bodies` holds what the index reads of
/// each release note and runbook body, by page path, as its page shows it (`page_bodies`).
pub fn collect(
    content: &Content,
    facts: Option<&Facts>,
    mut bodies: BTreeMap<String, Body>,
) -> (Vec<Document>, Vec<CommitEntry>) {
    let mut docs = Vec::new();
    for system in &content.systems {
        let owner = content.person(&system.owner).map(|p| p.name.as_str());
        docs.push(Document {
            group: b's',
            url: format!("systems/{}/", system.id),
            title: system.name.clone(),
            meta: join(&["System", &system.id, &owned_by(owner)]),
            text: system.description.clone().unwrap_or_default(),
            keys: keys([system.id.as_str(), system.name.as_str()]),
            ..Document::default()
        });
    }
    for person in &content.people {
        let chat = person.chat.as_deref().unwrap_or("");
        let mut names: Vec<&str> = vec![&person.name, &person.id, chat];
        names.extend(person.name.split_whitespace());
        names.push(chat.trim_start_matches('@'));
        docs.push(Document {
            group: b'p',
            url: format!("contacts/#person-{}", person.id),
            title: person.name.clone(),
            meta: join(&[
                person.title.as_deref().unwrap_or(""),
                chat,
                person.email.as_deref().unwrap_or(""),
            ]),
            hidden: person.id.clone(),
            keys: keys(names),
            ..Document::default()
        });
    }
    for runbook in &content.runbooks {
        let url = format!("runbooks/{}/", runbook.slug);
        let system = runbook.system.as_deref().and_then(|s| content.system(s));
        let owner = content.person(&runbook.owner).map(|p| p.name.as_str());
        let meta = join(&[
            &format!("{} runbook", capitalise(runbook.kind.as_str())),
            system.map_or("", |s| s.name.as_str()),
            &owned_by(owner),
        ]);
        let sections = match bodies.remove(url.as_str()) {
            Some(Body::Sections(sections)) => sections,
            _ => Vec::new(),
        };
        let mut sections = sections.into_iter().peekable();
        let intro = sections.next_if(|s| s.anchor.is_empty());
        let summary = runbook.summary.as_deref().unwrap_or("");
        let intro = intro.map_or(String::new(), |s| s.text);
        docs.push(Document {
            group: b'b',
            url: url.clone(),
            title: runbook.title.clone(),
            meta: meta.clone(),
            hidden: runbook.slug.replace('-', " "),
            text: join_text(summary, &intro),
            keys: keys([runbook.title.as_str(), runbook.slug.as_str()]),
            ..Document::default()
        });
        for Section {
            anchor,
            heading,
            text,
        } in sections
        {
            let runbook_part = format!("{} › ", runbook.title);
            docs.push(Document {
                group: b'b',
                url: format!("{url}#{anchor}"),
                own_title_from: Some(runbook_part.len()),
                title: runbook_part + &heading,
                meta: meta.clone(),
                text,
                ..Document::default()
            });
        }
    }
    docs.extend(on_call_documents(content));
    docs.extend(train_documents(content));
    docs.extend(system_version_documents(content));
    let mut releases: Vec<_> = content.releases.iter().collect();
    releases.sort_by(|a, b| (&a.system, &a.version).cmp(&(&b.system, &b.version)));
    let first_release = docs.len() as u32;
    // Each note's text moves into its document: held once, not twice, while indexing.
    let notes: Vec<String> = releases
        .iter()
        .map(|release| {
            let url = release_path(&release.system, &release.version.to_string());
            match bodies.remove(url.as_str()) {
                Some(Body::Text(text)) => text,
                _ => String::new(),
            }
        })
        .collect();
    drop(bodies);
    let release_docs: Vec<Document> = releases
        .par_iter()
        .zip(notes)
        .map(|(release, notes)| {
            let system = content.system(&release.system);
            let name = system.map_or(release.system.as_str(), |s| s.name.as_str());
            let version = release.version.to_string();
            let url = release_path(&release.system, &version);
            let release_facts = facts.and_then(|f| f.release(&release.system, &release.version));
            let rollback = release_facts
                .and_then(|r| r.rollback.as_ref())
                .and_then(|r| r.version.clone())
                .unwrap_or_default();
            // The git tag (`v2.3.2`, `storefront-v4.8.1`) finds its release too.
            let tag = release_facts.map(|r| r.tag.as_str()).unwrap_or("");
            let mut tickets = release.tickets.clone();
            // So do the tickets its approvals cite (`REL-812`).
            tickets.extend(release.approvals.iter().filter_map(|a| a.ticket.clone()));
            if let Some(changelog) =
                facts.and_then(|f| f.changelog(&release.system, &release.version))
            {
                for commit in changelog.groups.iter().flat_map(|g| &g.commits) {
                    tickets.extend(commit.tickets.iter().map(|t| t.id.clone()));
                }
            }
            tickets.sort();
            tickets.dedup();
            let title = match &release.title {
                Some(t) => format!("{name} {version}: {t}"),
                None => format!("{name} {version}"),
            };
            let when = release
                .window
                .start
                .with_timezone(&content.portal.timezone)
                .format("%Y-%m-%d")
                .to_string();
            let meta = join(&[
                release.status.label(),
                &format!("{} release", release.kind.as_str()),
                &when,
                &release.tickets.join(", "),
            ]);
            let note = release.status_note.as_deref().unwrap_or("");
            let system_version = format!("{} {version}", release.system);
            let name_version = format!("{name} {version}");
            let mut ids: Vec<&str> = vec![&system_version, &name_version, &version, tag];
            ids.extend(tickets.iter().map(String::as_str));
            Document {
                group: b'r',
                url,
                title,
                meta,
                rollback,
                hidden: release.system.clone(),
                text: join_text(note, &notes),
                keys: keys(ids),
                own_title_from: None,
            }
        })
        .collect();
    let by_version: BTreeMap<(&str, String), u32> = releases
        .iter()
        .enumerate()
        .map(|(i, r)| {
            (
                (r.system.as_str(), r.version.to_string()),
                first_release + i as u32,
            )
        })
        .collect();
    docs.extend(release_docs);
    (docs, commits(facts, &by_version))
}

/// The contacts page, each escalation ladder and each on-call rotation: what an on-call
/// reader types at 3 am ("escalation", "on call", "payments escalation") lands there.
fn on_call_documents(content: &Content) -> Vec<Document> {
    let rotation = |id: &str| {
        content
            .rotation(id)
            .map_or_else(|| id.to_owned(), |r| r.name.clone())
    };
    let mut docs = vec![Document {
        group: b'o',
        url: "contacts/".to_owned(),
        title: "Contacts, on call and escalation".to_owned(),
        meta: join(&[
            &count(content.people.len(), "person"),
            &count(content.rotations.len(), "rotation"),
            &count(content.ladders.len(), "escalation ladder"),
        ]),
        text: "Who is on call now, the on-call rotations and their shifts, the escalation \
               ladders (who to call, in what order) and everyone's phone and e-mail."
            .to_owned(),
        keys: keys(["contacts", "on call", "escalation", "oncall"]),
        ..Document::default()
    }];
    for ladder in &content.ladders {
        let steps: Vec<String> = ladder
            .steps
            .iter()
            .map(|step| match &step.contact {
                LadderContact::Person(id) => content.person_name(id),
                LadderContact::Rotation(id) => format!("{} (on call)", rotation(id)),
            })
            .collect();
        docs.push(Document {
            group: b'o',
            url: format!("contacts/#ladder-{}", ladder.id),
            title: ladder.name.clone(),
            meta: join(&["Escalation ladder", &count(ladder.steps.len(), "level")]),
            hidden: ladder.id.replace('-', " "),
            text: format!("Who to call, in what order: {}.", steps.join(", then ")),
            keys: keys([ladder.id.as_str(), ladder.name.as_str()]),
            ..Document::default()
        });
    }
    for rota in &content.rotations {
        let members: Vec<String> = rota
            .members
            .iter()
            .map(|m| content.person_name(m))
            .collect();
        docs.push(Document {
            group: b'o',
            url: format!("contacts/#rotation-{}", rota.id),
            title: rota.name.clone(),
            meta: join(&[
                "On-call rotation",
                &format!("{}-day shifts", rota.length_days),
            ]),
            hidden: rota.id.replace('-', " "),
            text: format!("Takes turns: {}.", members.join(", ")),
            keys: keys([rota.id.as_str(), rota.name.as_str()]),
            ..Document::default()
        });
    }
    docs
}

/// Each release train, then each of its departures, in the order of the files and dates:
/// found by the train's name or id and by the systems and versions a departure carries.
/// Only what the content says goes in (no state such as "Ready", which moves with time).
fn train_documents(content: &Content) -> Vec<Document> {
    let mut docs = Vec::new();
    for train in &content.plan.trains {
        let manager = train
            .delivery_manager
            .as_deref()
            .and_then(|id| content.person(id))
            .map(|p| format!("delivery manager {}", p.name));
        docs.push(Document {
            group: b't',
            url: format!("trains/{}/", train.id),
            title: train.name.clone(),
            meta: join(&[
                "Release train",
                &format!("every {} days", train.every_days),
                manager.as_deref().unwrap_or(""),
            ]),
            hidden: train.id.replace('-', " "),
            text: train.description.clone().unwrap_or_default(),
            keys: keys([train.id.as_str(), train.name.as_str()]),
            ..Document::default()
        });
        for departure in &train.departures {
            let members = departure
                .members
                .iter()
                .map(|m| m.label(content))
                .collect::<Vec<_>>();
            docs.push(Document {
                group: b't',
                url: crate::model::trains::departure_path(train, departure),
                title: train.departure_name(departure),
                meta: join(&[
                    "Departure",
                    &departure.date.to_string(),
                    &count(departure.members.len(), "release"),
                ]),
                hidden: train.id.replace('-', " "),
                text: members.join(", "),
                keys: keys([train.departure_slug(departure).as_str()]),
                ..Document::default()
            });
        }
    }
    docs
}

/// Each system version (declared, or made by a complete departure), in the order they
/// take effect: found by name or slug and by the systems and versions it holds.
fn system_version_documents(content: &Content) -> Vec<Document> {
    crate::model::system_versions::manifests(content)
        .iter()
        .map(|manifest| {
            let members = manifest
                .members
                .iter()
                .map(|m| m.label(content))
                .collect::<Vec<_>>();
            let departure = manifest
                .departure
                .map(|(train, d)| format!("made by {}", train.departure_name(d)));
            Document {
                group: b'v',
                url: crate::model::system_versions::path(&manifest.slug),
                title: manifest.name.clone(),
                meta: join(&[
                    "System version",
                    &count(manifest.members.len(), "system"),
                    departure.as_deref().unwrap_or(""),
                ]),
                hidden: manifest.slug.replace('-', " "),
                text: join_text(
                    manifest.description.as_deref().unwrap_or(""),
                    &members.join(", "),
                ),
                keys: keys([manifest.slug.as_str(), manifest.name.as_str()]),
                ..Document::default()
            }
        })
        .collect()
}

/// `1 release`, `3 releases`.
fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// Commits of every changelog whose version has a release page, with that release.
fn commits(facts: Option<&Facts>, releases: &BTreeMap<(&str, String), u32>) -> Vec<CommitEntry> {
    let mut out = Vec::new();
    for (system, history) in facts.map(|f| &f.systems).into_iter().flatten() {
        for changelog in &history.changelogs {
            let Some(version) = &changelog.version else {
                continue;
            };
            let Some(&doc) = releases.get(&(system.as_str(), version.clone())) else {
                continue;
            };
            for commit in changelog.groups.iter().flat_map(|g| &g.commits) {
                let kind = match (&commit.kind, &commit.scope) {
                    (Some(k), Some(s)) => format!("{k}({s}): "),
                    (Some(k), None) => format!("{k}: "),
                    _ => String::new(),
                };
                out.push(CommitEntry {
                    sha: commit.sha.to_ascii_lowercase(),
                    doc,
                    subject: clean(&format!("{kind}{}", commit.text)),
                });
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Each release note and runbook body, by page path, rendered as their pages render them
/// (same base path and heading levels, so the same anchors): for callers that have not
/// rendered the site (a build collects them while it renders).
pub fn page_bodies(content: &Content, site: &SiteModel) -> BTreeMap<String, Body> {
    let root = site.site.root.as_str();
    let releases = content.releases.par_iter().map(|release| {
        let path = release_path(&release.system, &release.version.to_string());
        let html = markdown::render(&release.notes, root, 3).html;
        (path, Body::of_release(&html))
    });
    let runbooks = content.runbooks.par_iter().map(|runbook| {
        let path = format!("runbooks/{}/", runbook.slug);
        let html = markdown::render(&runbook.body, root, 2).html;
        (path, Body::of_runbook(&html))
    });
    releases.chain(runbooks).collect()
}

fn keys<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = names
        .into_iter()
        .map(text::key)
        .filter(|k| k.chars().count() >= 2)
        .collect();
    out.sort();
    out.dedup();
    out
}

fn owned_by(owner: Option<&str>) -> String {
    owner.map(|o| format!("owner {o}")).unwrap_or_default()
}

/// Non-empty parts joined with ` · `.
fn join(parts: &[&str]) -> String {
    let parts: Vec<&str> = parts.iter().copied().filter(|p| !p.is_empty()).collect();
    clean(&parts.join(" · "))
}

fn join_text(first: &str, second: &str) -> String {
    clean(&format!("{first} {second}"))
}

/// Whitespace (tabs and newlines included) collapsed to single spaces: the index is
/// line- and tab-separated.
pub fn clean(s: &str) -> String {
    if s.is_ascii() {
        return clean_ascii(s);
    }
    let mut out = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// [`clean`] of ASCII text, byte by byte (whole release notes go through `clean`, mostly
/// ASCII, and decoding each char to ask whether it is Unicode whitespace was most of its
/// cost). The ASCII whitespace is what `char::is_whitespace` says it is, vertical tab
/// included.
fn clean_ascii(s: &str) -> String {
    let mut out = Vec::with_capacity(s.len());
    let mut space = false;
    for &byte in s.as_bytes() {
        if matches!(byte, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r') {
            space = !out.is_empty();
        } else {
            if space {
                out.push(b' ');
                space = false;
            }
            out.push(byte);
        }
    }
    // Only ASCII bytes of `s` were copied.
    String::from_utf8(out).unwrap_or_default()
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_collapses_every_whitespace_run_to_one_space() {
        assert_eq!(
            clean("  Roll\tback\n\n the  ledger \u{a0}now "),
            "Roll back the ledger now"
        );
        assert_eq!(clean(" \n\t "), "");
        // ASCII text takes a path of its own, with the same rules.
        let ascii = " Roll\x0bback\r\n\x0cthe\t ledger ";
        assert_eq!(clean(ascii), "Roll back the ledger");
        let every_ascii: String = (0u8..128).map(char::from).collect();
        let by_chars: Vec<&str> = every_ascii.split_whitespace().collect();
        assert_eq!(clean(&every_ascii), by_chars.join(" "));
    }

    #[test]
    fn keys_are_folded_unique_and_long_enough() {
        assert_eq!(
            keys(["PAY-456", "pay-456", "x", " Oluwaseun  Adéyemi "]),
            ["oluwaseun adeyemi", "pay-456"]
        );
    }

    #[test]
    fn joins_and_cleans() {
        assert_eq!(
            join(&["Released", "", "minor\trelease\n"]),
            "Released · minor release"
        );
        assert_eq!(capitalise("rollback"), "Rollback");
    }
}
