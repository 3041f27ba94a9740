//! Feeds: `sitemap.xml` and `releases.atom`, generated from content and the site model.
//!
//! Plain string building with XML escaping; every timestamp comes from the content, and the
//! build moment only chooses which releases the Atom feed holds, so the same content, git
//! state and `SOURCE_DATE_EPOCH` give the same bytes.

use chrono::{DateTime, TimeDelta, Utc};

use crate::calendar::ics::FeedFacts;
use crate::content::{Content, Release};
use crate::markdown;
use crate::model::SiteModel;

/// How many releases the Atom feed carries (the nearest to the build moment).
const ATOM_ENTRIES: usize = 100;

/// `text` escaped for XML, without the characters XML 1.0 forbids (C0 controls other than
/// tab and line ends, U+FFFE, U+FFFF): validation rejects them in titles, and this keeps a
/// feed well-formed whatever reaches it.
pub fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\r' | '\t') => {}
            '\u{fffe}' | '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}

/// Every HTML page except the 404 page, as absolute URLs.
pub fn sitemap(model: &SiteModel) -> String {
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    let mut paths: Vec<&str> = model
        .pages
        .iter()
        .filter(|p| p.path.is_empty() || p.path.ends_with('/'))
        .map(|p| p.path.as_str())
        .collect();
    paths.sort_unstable();
    for path in paths {
        xml.push_str(&format!(
            "  <url><loc>{}</loc></url>\n",
            xml_escape(&format!("{}{path}", model.site.base_url))
        ));
    }
    xml.push_str("</urlset>\n");
    xml
}

/// An Atom feed of the releases a subscriber wants now (see [`atom_releases`]), latest
/// window first. An entry is `updated` when its release file last changed in git (so a feed
/// reader flags a cancellation or a moved window), or at its window's start for a file git
/// does not know; the feed is `updated` when its newest entry is.
pub fn releases_atom(content: &Content, model: &SiteModel, facts: &FeedFacts) -> String {
    let base = &model.site.base_url;
    let releases = atom_releases(content, facts, model.now);
    let changed = |release: &Release| {
        facts
            .revision(&release.source.file)
            .map_or(release.window.start, |r| r.changed_at)
    };
    let updated = releases
        .iter()
        .map(|r| changed(r))
        .max()
        .map(|t| t.to_rfc3339())
        .unwrap_or_else(|| "1970-01-01T00:00:00+00:00".into());
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
    xml.push_str(&format!(
        "  <title>{}: releases</title>\n",
        xml_escape(&model.site.title)
    ));
    xml.push_str(&format!("  <id>{}</id>\n", xml_escape(base)));
    xml.push_str(&format!(
        "  <link rel=\"self\" href=\"{}releases.atom\"/>\n",
        xml_escape(base)
    ));
    xml.push_str(&format!(
        "  <link rel=\"alternate\" type=\"text/html\" href=\"{}releases/\"/>\n",
        xml_escape(base)
    ));
    xml.push_str(&format!(
        "  <updated>{updated}</updated>\n  <generator version=\"{}\">Shipboard</generator>\n",
        env!("CARGO_PKG_VERSION")
    ));
    for release in releases {
        let system = content
            .system(&release.system)
            .map(|s| s.name.as_str())
            .unwrap_or(&release.system);
        let owner = content
            .person(&release.owner)
            .map(|p| p.name.as_str())
            .unwrap_or(&release.owner);
        let url = format!("{base}releases/{}/{}/", release.system, release.version);
        let mut title = format!(
            "{system} {} ({}, {})",
            release.version,
            release.kind.as_str(),
            release.status.label().to_lowercase()
        );
        if let Some(headline) = &release.title {
            title = format!("{title}: {headline}");
        }
        xml.push_str("  <entry>\n");
        xml.push_str(&format!("    <title>{}</title>\n", xml_escape(&title)));
        xml.push_str(&format!("    <id>{}</id>\n", xml_escape(&url)));
        xml.push_str(&format!("    <link href=\"{}\"/>\n", xml_escape(&url)));
        xml.push_str(&format!(
            "    <updated>{}</updated>\n",
            changed(release).to_rfc3339()
        ));
        xml.push_str(&format!(
            "    <author><name>{}</name></author>\n",
            xml_escape(owner)
        ));
        xml.push_str(&format!(
            "    <summary>{}</summary>\n",
            xml_escape(&markdown::excerpt(&release.notes, 280))
        ));
        xml.push_str("  </entry>\n");
    }
    xml.push_str("</feed>\n");
    xml
}

/// The [`ATOM_ENTRIES`] releases nearest the build moment `now`, latest window first.
/// A release is as near as the nearer of its window (0 while it runs) and its release
/// file's last change in git: so the feed holds what runs this week, what comes next and
/// what was just changed (a window moved, a release cancelled or rolled back), however far
/// its window. Ties (one commit that touched every release file) go to the nearer window,
/// then to the earlier system id and version, so the choice is deterministic.
fn atom_releases<'a>(
    content: &'a Content,
    facts: &FeedFacts,
    now: DateTime<Utc>,
) -> Vec<&'a Release> {
    let distances = |release: &Release| {
        let window = if release.window.start > now {
            release.window.start - now
        } else {
            (now - release.window.end).max(TimeDelta::zero())
        };
        let change = facts
            .revision(&release.source.file)
            .map(|r| (now - r.changed_at).abs());
        (change.map_or(window, |change| change.min(window)), window)
    };
    let mut ranked: Vec<((TimeDelta, TimeDelta), &Release)> =
        content.releases.iter().map(|r| (distances(r), r)).collect();
    ranked
        .sort_by(|(da, a), (db, b)| (da, &a.system, &a.version).cmp(&(db, &b.system, &b.version)));
    ranked.truncate(ATOM_ENTRIES);
    let mut releases: Vec<&Release> = ranked.into_iter().map(|(_, r)| r).collect();
    releases.sort_by(|a, b| {
        (b.window.start, &b.system, &b.version).cmp(&(a.window.start, &a.system, &a.version))
    });
    releases
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::calendar::testutil::{content, release, utc};
    use chrono::Duration;

    fn versions(releases: &[&Release]) -> Vec<String> {
        releases
            .iter()
            .map(|r| format!("{} {}", r.system, r.version))
            .collect()
    }

    /// 150 releases planned years ahead, one a week from 2030, and a few near the build.
    fn crowded() -> crate::content::Content {
        let mut c = content();
        c.releases = (0..150)
            .map(|i| {
                release(
                    "search",
                    &format!("9.{i}.0"),
                    utc(2030, 1, 7, 1, 0) + Duration::weeks(i),
                    60,
                )
            })
            .collect();
        c.releases
            .push(release("payments", "2.3.0", utc(2026, 11, 23, 1, 0), 60));
        c.releases
            .push(release("payments", "2.4.0", utc(2026, 11, 27, 1, 0), 60));
        c.releases
            .push(release("ledger", "1.0.0", utc(2019, 3, 4, 1, 0), 60));
        c
    }

    #[test]
    fn the_atom_feed_holds_the_releases_nearest_the_build_not_the_furthest_planned() {
        let c = crowded();
        let now = utc(2026, 11, 25, 12, 0);
        let chosen = atom_releases(&c, &FeedFacts::default(), now);
        assert_eq!(chosen.len(), ATOM_ENTRIES);
        let names = versions(&chosen);
        // Latest window first: the furthest planned of the 98 nearest 2030 releases leads.
        assert_eq!(names[0], "search 9.97.0");
        assert_eq!(names[98..], ["payments 2.4.0", "payments 2.3.0"]);
        assert!(!names.contains(&"ledger 1.0.0".to_owned()), "{names:?}");
        assert!(!names.contains(&"search 9.149.0".to_owned()), "{names:?}");
    }

    #[test]
    fn a_release_whose_file_just_changed_is_in_the_atom_feed_however_far_its_window() {
        let c = crowded();
        let now = utc(2026, 11, 25, 12, 0);
        let mut facts = FeedFacts::default();
        // Every file committed in 2025, one edited (moved, cancelled) yesterday.
        for r in &c.releases {
            facts.insert(&r.source.file, utc(2025, 1, 1, 0, 0));
        }
        facts.insert("releases/search-9.149.0.md", now - Duration::days(1));
        facts.insert("releases/ledger-1.0.0.md", now - Duration::hours(1));
        let names = versions(&atom_releases(&c, &facts, now));
        assert_eq!(names[0], "search 9.149.0", "{names:?}");
        assert_eq!(names[ATOM_ENTRIES - 1], "ledger 1.0.0", "{names:?}");
        assert!(names.contains(&"payments 2.3.0".to_owned()), "{names:?}");
        assert!(!names.contains(&"search 9.97.0".to_owned()), "{names:?}");
    }

    #[test]
    fn after_one_commit_of_every_release_file_the_nearest_windows_win() {
        let c = crowded();
        let now = utc(2026, 11, 25, 12, 0);
        let mut facts = FeedFacts::default();
        for r in &c.releases {
            facts.insert(&r.source.file, now - Duration::minutes(1));
        }
        assert_eq!(
            versions(&atom_releases(&c, &facts, now)),
            versions(&atom_releases(&c, &FeedFacts::default(), now)),
            "all changed a minute ago: as without git, by window"
        );
    }

    #[test]
    fn escapes_markup_and_drops_control_characters() {
        assert_eq!(xml_escape("a<b>&\"c'\u{1}"), "a&lt;b&gt;&amp;&quot;c&apos;");
        assert_eq!(xml_escape("x\u{0}\u{1b}\u{b}\u{fffe}\u{ffff}y\tz"), "xy\tz");
    }
}
