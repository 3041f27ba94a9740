//! Release-page memo keys: the digest of everything a release page's data is made from.
//!
//! Making a release page's data (`SiteModel::resolve`) and fingerprinting it is most of what
//! an incremental build or a `serve` rebuild spends on release pages. A build records, per
//! release page, this key and the digest of the data it came to (`cache::Memo`); the next
//! build that computes the same key knows the data's digest, hence the page's fingerprint,
//! without making the data, and keeps the page if its fingerprint and moment allow.
//!
//! What a release page reads, and so what the key is made of:
//! - the content: every file but the release files (portal, systems, contacts, checklists,
//!   the plan, and the runbooks without their bodies: a release page links its runbooks by
//!   title, kind, owner and summary, and shows none of their steps), and the page's own
//!   release file, notes included. No release page reads another release's file: what it
//!   shows of other releases (its neighbours, the versions that meet its dependencies, who
//!   is on call) comes through the release index below, whose parts are in the key. So an
//!   edit of one release's front matter changes the keys of that release and of the pages
//!   that show its summary (its neighbours), not the other 9,997; a test checks, edit by
//!   edit, that a page whose key stays has the same data;
//! - the release index (neighbours, released versions, who is on call over the embedded
//!   span, the clock, the base path), the runbook reviews, and the site's base path; the
//!   summaries (one line per release) the page shows, its own and its neighbours', per page
//!   (they read "now" to the minute, so the summaries of all releases would change the key
//!   of every page every minute);
//! - the git facts, by their identity (`Facts::identity`: the digest of what each
//!   repository's read found, kept in the history cache, so a read made again because its
//!   key changed, and finding the same, keeps the identity). Facts without an identity
//!   (a read not keyed: `--full`, an error) give no key, so nothing is remembered;
//! - "now", where the page's data reads it: the window text ("starts in 3 days", per page)
//!   and the date in the portal's zone (how many days ago a rollback runbook was reviewed).
//!
//! Everything is hashed through its `Debug` form, which covers every field (the structs
//! are destructured exhaustively below, so a field added later cannot be forgotten) and is
//! deterministic (only ordered collections); the record it is compared with was made by
//! this same binary, so the form never changes under it.

use std::fmt::{self, Write as _};

use crate::cache::{Digest, Feed, Fingerprint};
use crate::content::Content;
use crate::history::Facts;
use crate::model::{live, Page, PageData, PendingPage, ReleaseIndex, SiteModel};

/// The part of every release page's key that all of them share, hashed once per build.
pub struct ReleaseMemo {
    shared: Fingerprint,
}

/// The digests of the content, computed once per build: what every release page reads
/// (for their memo keys, which add the page's own release), and the content without
/// release notes (for the search index's key, which adds the notes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContentKey {
    /// Every file but the release files, runbooks without their bodies (see
    /// `content_for_release_pages`).
    without_releases: Digest,
    /// That, the runbooks whole, and every release file without its notes.
    without_notes: Digest,
}

impl ContentKey {
    /// `None` only if formatting failed (it does not for these types).
    pub fn of(content: &Content) -> Option<ContentKey> {
        let mut key = Fingerprint::new("content for release pages");
        let mut text = Feed::new(&mut key);
        content_for_release_pages(&mut text, content).ok()?;
        text.part();
        let without_releases = key.finish();
        let mut key = Fingerprint::new("content without notes");
        key.bytes(&without_releases);
        let mut text = Feed::new(&mut key);
        write!(text, "{:?}", content.runbooks).ok()?;
        text.part();
        // One part per release, as the history cache keys them.
        for release in &content.releases {
            release.hash_without_notes(&mut text);
            text.part();
        }
        Some(ContentKey {
            without_releases,
            without_notes: key.finish(),
        })
    }
}

impl ReleaseMemo {
    /// `None` when the git facts have no identity (nothing can be remembered then).
    /// `content` is the key of the content the site was built from.
    pub fn new(content: &ContentKey, site: &SiteModel, history: Option<&Facts>) -> Option<Self> {
        let identity = match history {
            Some(facts) => facts.identity?,
            None => [0; 16],
        };
        let mut shared = Fingerprint::new("release page memo");
        shared
            .bytes(&identity)
            .bytes(&[u8::from(history.is_some())]);
        shared.bytes(&content.without_releases);
        let mut text = Feed::new(&mut shared);
        index_without_now(&mut text, &site.releases).ok()?;
        write!(text, "{:?}", site.reviews).ok()?;
        write!(text, "{:?}", site.site.root).ok()?;
        let zone = site.releases.clock.zone;
        write!(text, "{}", site.now.with_timezone(&zone).date_naive()).ok()?;
        text.part();
        Some(ReleaseMemo { shared })
    }

    /// The key of `page` if it is a release page still to be made (`None` otherwise).
    pub fn key(&self, content: &Content, site: &SiteModel, page: &Page) -> Option<Digest> {
        let PageData::Pending(PendingPage::Release(index)) = page.data else {
            return None;
        };
        let release = content.releases.get(index)?;
        let window = [(release.window.start, release.window.end)];
        let mut key = self.shared.clone();
        page.feed_name(&mut key)
            .text(&release.notes)
            .text(&live::window_text(&window, site.now));
        let mut text = Feed::new(&mut key);
        release.hash_without_notes(&mut text);
        text.part();
        // The summaries the page shows: its own and its neighbours' (they read "now").
        let releases = &site.releases;
        let (previous, next) = *releases.neighbours.get(index)?;
        for shown in [Some(index), previous, next] {
            let summary = shown.and_then(|i| releases.summaries.get(i));
            write!(text, "{summary:?}").ok()?;
        }
        text.part();
        Some(key.finish())
    }
}

/// The digest of everything the search index is made from (`search::index_files_each`):
/// the whole content, every release's notes included, the base paths the notes and runbooks
/// are rendered under, and the git facts by their identity. The index never reads the
/// clock, so a build with the same key would make the same index files, and keeps the
/// previous build's instead. `None` when the git facts have no identity.
pub fn search_index_key(
    content_key: &ContentKey,
    content: &Content,
    site: &SiteModel,
    history: Option<&Facts>,
) -> Option<Digest> {
    use rayon::prelude::*;
    let identity = match history {
        Some(facts) => facts.identity?,
        None => [0; 16],
    };
    // The notes (25 MB at 10,000 releases) are hashed in parallel, by runs of releases.
    let notes: Vec<Digest> = content
        .releases
        .par_chunks(256)
        .map(|run| {
            let mut notes = Fingerprint::new("release notes");
            for release in run {
                notes.text(&release.notes);
            }
            notes.finish()
        })
        .collect();
    let mut key = Fingerprint::new("search index");
    key.bytes(&identity).bytes(&[u8::from(history.is_some())]);
    key.text(&site.site.root).text(&site.releases.root);
    key.bytes(&content_key.without_notes);
    for run in &notes {
        key.bytes(run);
    }
    Some(key.finish())
}

/// The `Debug` form of what every release page reads of the content: every file but the
/// release files, and the runbooks without their bodies.
fn content_for_release_pages(out: &mut Feed, content: &Content) -> fmt::Result {
    let Content {
        portal,
        systems,
        releases: _,
        runbooks,
        people,
        roles,
        ladders,
        rotations,
        checklists,
        plan,
    } = content;
    write!(out, "{portal:?}{systems:?}{people:?}{roles:?}")?;
    write!(out, "{ladders:?}{rotations:?}{checklists:?}{plan:?}")?;
    for runbook in runbooks {
        runbook_without_body(out, runbook)?;
    }
    Ok(())
}

/// A runbook's `Debug` form without its body (and what is read from it: the outline, where
/// it starts), as release pages link it.
fn runbook_without_body(out: &mut Feed, runbook: &crate::content::Runbook) -> fmt::Result {
    let crate::content::Runbook {
        slug,
        title,
        kind,
        system,
        owner,
        summary,
        source,
        body: _,
        body_line: _,
        outline: _,
    } = runbook;
    write!(
        out,
        "{slug:?}{title:?}{kind:?}{system:?}{owner:?}{summary:?}{source:?}"
    )
}

/// The release index's `Debug` form without "now" and the summaries (they read "now" to
/// the minute: the pages' keys carry those they show, and what they are made from is in
/// the content).
fn index_without_now(out: &mut Feed, index: &ReleaseIndex) -> fmt::Result {
    let ReleaseIndex {
        summaries: _,
        neighbours,
        released,
        on_call,
        clock,
        root,
        now: _,
    } = index;
    write!(out, "{neighbours:?}{released:?}{on_call:?}")?;
    write!(out, "{clock:?}{root:?}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::testutil::{content, release, utc};
    use crate::model::{self, BuildInputs};

    /// Two payments releases and one ledger release, with notes.
    fn portal() -> Content {
        let mut content = content();
        let mut first = release("payments", "2.4.0", utc(2026, 12, 3, 8, 0), 60);
        first.notes = "Faster invoices.".into();
        let mut second = release("payments", "2.5.0", utc(2026, 12, 10, 8, 0), 60);
        second.notes = "Refunds in bulk.".into();
        let mut other = release("ledger", "1.2.0", utc(2026, 12, 4, 8, 0), 60);
        other.notes = "Ledger exports.".into();
        content.releases = vec![first, other, second];
        content
    }

    /// The memo key of every release page, by path, for `content` at `now`.
    fn keys(content: &Content, now: chrono::DateTime<chrono::Utc>) -> Vec<(String, Digest)> {
        let site = model::build(content, &BuildInputs { now }, "test".into(), None);
        let key = ContentKey::of(content).expect("a content key");
        let memo = ReleaseMemo::new(&key, &site, None).expect("a memo without git facts");
        site.pages
            .iter()
            .filter_map(|page| Some((page.path.clone(), memo.key(content, &site, page)?)))
            .collect()
    }

    fn changed(before: &[(String, Digest)], after: &[(String, Digest)]) -> Vec<String> {
        assert_eq!(before.len(), after.len());
        before
            .iter()
            .zip(after)
            .filter(|(b, a)| b.1 != a.1)
            .map(|(b, _)| b.0.clone())
            .collect()
    }

    #[test]
    fn every_release_page_has_a_key_and_no_other_page_has_one() {
        let content = portal();
        let keys = keys(&content, utc(2026, 12, 1, 9, 0));
        let paths: Vec<&str> = keys.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(
            paths,
            [
                "releases/payments/2.4.0/",
                "releases/ledger/1.2.0/",
                "releases/payments/2.5.0/"
            ]
        );
    }

    #[test]
    fn a_release_s_notes_change_only_its_own_key() {
        let now = utc(2026, 12, 1, 9, 0);
        let before = keys(&portal(), now);
        let mut edited = portal();
        edited.releases[1].notes.push_str(" And imports.");
        let after = keys(&edited, now);
        assert_eq!(changed(&before, &after), ["releases/ledger/1.2.0/"]);
    }

    #[test]
    fn a_release_file_s_front_matter_changes_its_key_and_its_neighbours_only() {
        let now = utc(2026, 12, 1, 9, 0);
        let before = keys(&portal(), now);
        // ledger 1.2.0 has no neighbour (the only ledger release).
        let mut edited = portal();
        edited.releases[1].title = Some("Exports".into());
        assert_eq!(
            changed(&before, &keys(&edited, now)),
            ["releases/ledger/1.2.0/"]
        );
        // payments 2.4.0's summary shows on 2.5.0's page, its next release.
        let mut edited = portal();
        edited.releases[0].title = Some("Invoices".into());
        assert_eq!(
            changed(&before, &keys(&edited, now)),
            ["releases/payments/2.4.0/", "releases/payments/2.5.0/"]
        );
        // Any other file may show on every release page.
        let mut edited = portal();
        edited.people[1].name = "Li Wei-Chen".into();
        assert_eq!(changed(&before, &keys(&edited, now)).len(), 3);
    }

    /// The memo's promise, edit by edit: a release page whose key did not change has the
    /// same data. Each edit is of one release file (the case the finer key is for), and
    /// several reach other pages: the status and window of a release another one depends
    /// on, the window that orders neighbours.
    #[test]
    fn a_page_whose_key_stays_has_the_same_data() {
        use crate::content::{Dependency, ReleaseStatus};
        let now = utc(2026, 12, 1, 9, 0);
        let base = || {
            let mut content = portal();
            // payments 2.5.0 needs ledger >= 1.2: met once ledger 1.2.0 is released.
            let source = content.releases[2].window.source.clone();
            content.releases[2].depends_on.push(Dependency {
                system: "ledger".into(),
                requirement: semver::VersionReq::parse(">=1.2").expect("a requirement"),
                source,
            });
            content
        };
        type Edit = fn(&mut Content);
        let edits: [(&str, Edit); 8] = [
            ("title", |c| c.releases[1].title = Some("Exports".into())),
            ("neighbour's title", |c| {
                c.releases[0].title = Some("Invoices".into())
            }),
            ("status", |c| c.releases[1].status = ReleaseStatus::Released),
            ("window", |c| {
                c.releases[1].window.start = utc(2026, 11, 20, 8, 0);
                c.releases[1].window.end = utc(2026, 11, 20, 9, 0);
            }),
            ("order", |c| {
                c.releases[0].window.start = utc(2026, 12, 20, 8, 0);
                c.releases[0].window.end = utc(2026, 12, 20, 9, 0);
            }),
            ("owner", |c| c.releases[0].owner = "li".into()),
            ("notes", |c| c.releases[2].notes.push_str(" Also exports.")),
            ("tickets", |c| c.releases[2].tickets.push("PAY-7".into())),
        ];
        let before = data_by_key(&base(), now);
        for (name, edit) in edits {
            let mut content = base();
            edit(&mut content);
            let after = data_by_key(&content, now);
            let mut kept = 0;
            for (path, (key, data)) in &after {
                if let Some((old_key, old_data)) = before.get(path) {
                    if old_key == key {
                        kept += 1;
                        assert_eq!(old_data, data, "{name}: {path} kept its key, not its data");
                    }
                }
            }
            assert!(kept < after.len(), "{name}: the edit changed no key");
        }
    }

    #[test]
    fn a_runbook_s_body_changes_no_release_page_s_key_nor_data() {
        use crate::content::{Runbook, RunbookKind};
        use crate::diagnostics::SourceRef;
        let now = utc(2026, 12, 1, 9, 0);
        let base = || {
            let mut content = portal();
            content.runbooks.push(Runbook {
                slug: "payments-deploy".into(),
                title: "Deploy payments".into(),
                kind: RunbookKind::Deploy,
                system: Some("payments".into()),
                owner: "priya".into(),
                summary: Some("Blue-green".into()),
                body: "## Steps\n\nSwitch the router.".into(),
                source: SourceRef::new("runbooks/payments-deploy.md", 1, 1),
                body_line: 7,
                outline: None,
            });
            content.releases[0].runbooks.push("payments-deploy".into());
            content
        };
        let before = data_by_key(&base(), now);
        let mut edited = base();
        edited.runbooks[0].body.push_str(" Then watch the errors.");
        edited.runbooks[0].body_line = 9;
        assert_eq!(data_by_key(&edited, now), before);
        // Its title shows on the release page that links it.
        let mut retitled = base();
        retitled.runbooks[0].title = "Deploy payments safely".into();
        let after = data_by_key(&retitled, now);
        let path = "releases/payments/2.4.0/";
        assert_ne!(after[path].0, before[path].0);
        assert_ne!(after[path].1, before[path].1);
    }

    /// Each release page's memo key and the digest of the data it resolves to, by path.
    fn data_by_key(
        content: &Content,
        now: chrono::DateTime<chrono::Utc>,
    ) -> std::collections::BTreeMap<String, (Digest, Digest)> {
        let site = model::build(content, &BuildInputs { now }, "test".into(), None);
        let key = ContentKey::of(content).expect("a content key");
        let memo = ReleaseMemo::new(&key, &site, None).expect("a memo without git facts");
        site.pages
            .iter()
            .filter_map(|page| {
                let key = memo.key(content, &site, page)?;
                let page = site.resolve(content, None, page);
                let mut data = Fingerprint::new("test page data");
                data.value(&page.data).expect("serializable page data");
                Some((page.path.clone(), (key, data.finish())))
            })
            .collect()
    }

    #[test]
    fn the_same_content_at_the_same_moment_has_the_same_keys() {
        let now = utc(2026, 12, 1, 9, 0);
        assert_eq!(keys(&portal(), now), keys(&portal(), now));
    }

    #[test]
    fn moving_now_changes_the_keys_whose_window_text_or_date_changes() {
        let before = keys(&portal(), utc(2026, 12, 1, 9, 0));
        // A minute later: ledger 1.2.0 still "starts in 2 days"; payments 2.4.0 starts
        // within 48 h, counted to the minute, and 2.5.0 shows it as its previous release.
        let later = keys(&portal(), utc(2026, 12, 1, 9, 1));
        assert_eq!(
            changed(&before, &later),
            ["releases/payments/2.4.0/", "releases/payments/2.5.0/"]
        );
        // Another day: every window text and the date move.
        let next_day = keys(&portal(), utc(2026, 12, 2, 9, 0));
        assert_eq!(changed(&before, &next_day).len(), 3);
    }

    #[test]
    fn facts_without_an_identity_give_no_memo() {
        let content = portal();
        let now = utc(2026, 12, 1, 9, 0);
        let site = model::build(&content, &BuildInputs { now }, "test".into(), None);
        let facts = Facts::default();
        let key = ContentKey::of(&content).expect("a content key");
        assert!(ReleaseMemo::new(&key, &site, Some(&facts)).is_none());
        let keyed = Facts {
            identity: Some([7; 16]),
            ..Facts::default()
        };
        assert!(ReleaseMemo::new(&key, &site, Some(&keyed)).is_some());
    }
}
