//! Feeds: `sitemap.xml` and `releases.atom`, generated from content and the site model.
//!
//! Plain string building with XML escaping; every timestamp comes from the content, so the
//! bytes only change when the content does.

use crate::calendar::ics::FeedFacts;
use crate::content::{Content, Release};
use crate::markdown;
use crate::model::SiteModel;

/// How many releases the Atom feed carries (newest window first).
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

/// An Atom feed of releases, newest planned window first. An entry is `updated` when its
/// release file last changed in git (so a feed reader flags a cancellation or a moved
/// window), or at its window's start for a file git does not know; the feed is `updated`
/// when its newest entry is.
pub fn releases_atom(content: &Content, model: &SiteModel, facts: &FeedFacts) -> String {
    let base = &model.site.base_url;
    let mut releases: Vec<_> = content.releases.iter().collect();
    releases.sort_by(|a, b| {
        (b.window.start, &b.system, &b.version).cmp(&(a.window.start, &a.system, &a.version))
    });
    releases.truncate(ATOM_ENTRIES);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_drops_control_characters() {
        assert_eq!(xml_escape("a<b>&\"c'\u{1}"), "a&lt;b&gt;&amp;&quot;c&apos;");
        assert_eq!(xml_escape("x\u{0}\u{1b}\u{b}\u{fffe}\u{ffff}y\tz"), "xy\tz");
    }
}
