//! The preview's site in memory: output path -> file, each file LZ4-compressed.
//!
//! `serve` holds the whole rendered site so any page answers at once, and while a rebuild
//! renders the next site the last good one is still served: two sites at a time. At
//! 10,000 releases a site is ~300 MB of HTML, so the two alone were over 600 MB. Pages
//! are repetitive markup and compress about fivefold with LZ4, which costs a fraction of
//! rendering them (each file is compressed by the thread that rendered it) and
//! decompresses a page in microseconds when it is requested. LZ4 (`lz4_flex`, safe Rust)
//! rather than gzip: gzip compresses better but several times slower, and a rebuild's
//! time is what an author waits for.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use crate::cache::Digest;

/// A rendered site, compressed file by file.
///
/// A rebuild's site shares every page it did not render again (same fingerprint, see
/// `commands::build::Sink`) with the site it replaces: files are reference-counted, so
/// the site being served and the one being built hold one copy of what they have in
/// common.
#[derive(Debug, Default, Clone)]
pub struct Site {
    files: BTreeMap<String, Arc<[u8]>>,
    /// Uncompressed bytes in all, for the terminal's report.
    size: usize,
    /// Each page's fingerprint and the moment (Unix millis) it was rendered at.
    pages: HashMap<String, (Digest, i64)>,
    /// The BLAKE3 digest of each file made from data (feeds, JSON, search index, static
    /// files), so the next rebuild shares a file whose bytes come out the same.
    digests: HashMap<String, Digest>,
}

/// Sites are equal when they serve the same bytes (however they were made).
impl PartialEq for Site {
    fn eq(&self, other: &Site) -> bool {
        self.files == other.files
    }
}

impl Eq for Site {}

/// One file, compressed: made by the thread that rendered it, outside any lock.
pub struct Compressed(Arc<[u8]>);

impl Compressed {
    pub fn new(bytes: &[u8]) -> Compressed {
        Compressed(compress(bytes).into())
    }
}

impl Site {
    /// Adds (or replaces) the file at `path`.
    pub fn insert(&mut self, path: String, bytes: &[u8]) {
        self.insert_compressed(path, Compressed::new(bytes));
    }

    /// Adds (or replaces) the file at `path`, compressed already.
    pub fn insert_compressed(&mut self, path: String, file: Compressed) {
        // Whatever digest the path had described the bytes it replaces.
        self.digests.remove(&path);
        self.size += stored_size(&file.0);
        if let Some(old) = self.files.insert(path, file.0) {
            self.size -= stored_size(&old);
        }
    }

    /// Records that the page at `path` was rendered from `fingerprint` at `moment`.
    pub fn set_fingerprint(&mut self, path: String, fingerprint: Digest, moment: i64) {
        self.pages.insert(path, (fingerprint, moment));
    }

    /// Adds (or replaces) the file at `path`, compressed already, whose bytes have
    /// `digest` (see [`Site::same_file`]).
    pub fn insert_digested(&mut self, path: String, file: Compressed, digest: Digest) {
        self.insert_compressed(path.clone(), file);
        self.digests.insert(path, digest);
    }

    /// The file at `path`, if its bytes have `digest`: a rebuild shares it rather than
    /// compressing the same bytes again.
    pub fn same_file(&self, path: &str, digest: &Digest) -> Option<Compressed> {
        if self.digests.get(path) != Some(digest) {
            return None;
        }
        let file = self.files.get(path)?;
        Some(Compressed(Arc::clone(file)))
    }

    /// The page at `path` as this site holds it (compressed) with its fingerprint and
    /// moment, for a rebuild that keeps it.
    pub fn page(&self, path: &str) -> Option<(Compressed, Digest, i64)> {
        let (fingerprint, moment) = self.pages.get(path)?;
        let file = self.files.get(path)?;
        Some((Compressed(Arc::clone(file)), *fingerprint, *moment))
    }

    /// The file at `path`, decompressed.
    pub fn get(&self, path: &str) -> Option<Vec<u8>> {
        self.files.get(path).map(|stored| decompress(stored))
    }

    /// Whether the site has a file at `path`.
    pub fn contains(&self, path: &str) -> bool {
        self.files.contains_key(path)
    }

    /// How many files the site has.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether the site has no files.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Whether an open tab shows the same thing from `other`: the same paths, and every
    /// file but the data files ([`is_data_file`]) the same bytes. A save that changes
    /// nothing still makes new JSON (it carries its generation time), and that alone must
    /// not reload every tab.
    pub fn shows_same(&self, other: &Site) -> bool {
        self.files.len() == other.files.len()
            && self.files.iter().zip(&other.files).all(
                |((path, bytes), (other_path, other_bytes))| {
                    path == other_path && (is_data_file(path) || bytes == other_bytes)
                },
            )
    }

    /// Bytes held in memory (compressed) and the bytes they stand for.
    pub fn sizes(&self) -> (usize, usize) {
        let held = self.files.values().map(|file| file.len()).sum();
        (held, self.size)
    }
}

impl<P: Into<String>, B: AsRef<[u8]>> FromIterator<(P, B)> for Site {
    fn from_iter<I: IntoIterator<Item = (P, B)>>(iter: I) -> Self {
        let mut site = Site::default();
        for (path, bytes) in iter {
            site.insert(path.into(), bytes.as_ref());
        }
        site
    }
}

/// Files made for programs and calendars rather than shown in a tab: the JSON API, feeds,
/// the sitemap, the search index and the announcement texts.
fn is_data_file(path: &str) -> bool {
    let extension = path.rsplit_once('.').map_or("", |(_, ext)| ext);
    matches!(extension, "json" | "ics" | "atom" | "xml" | "txt" | "md")
}

fn compress(bytes: &[u8]) -> Vec<u8> {
    lz4_flex::block::compress_prepend_size(bytes)
}

/// The size a stored file stands for, from its LZ4 size prefix.
fn stored_size(stored: &[u8]) -> usize {
    stored
        .get(..4)
        .and_then(|prefix| <[u8; 4]>::try_from(prefix).ok())
        .map_or(0, |prefix| u32::from_le_bytes(prefix) as usize)
}

/// Only this module compresses, so a stored file always decompresses; were it ever not
/// to, an empty file is served rather than a panic in a request thread.
fn decompress(stored: &[u8]) -> Vec<u8> {
    lz4_flex::block::decompress_size_prepended(stored).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_shared_only_while_its_recorded_digest_describes_its_bytes() {
        let feed = b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n";
        let digest = crate::cache::digest(feed);
        let mut site = Site::default();
        site.insert_digested("calendar.ics".into(), Compressed::new(feed), digest);
        let shared = site.same_file("calendar.ics", &digest).expect("same bytes");
        assert!(Arc::ptr_eq(&shared.0, &site.files["calendar.ics"]));
        let other = crate::cache::digest(b"BEGIN:VCALENDAR\r\n");
        assert!(site.same_file("calendar.ics", &other).is_none());
        assert!(site.same_file("other.ics", &digest).is_none());
        // Replaced without a digest: the old digest no longer vouches for the file.
        site.insert("calendar.ics".into(), b"changed");
        assert!(site.same_file("calendar.ics", &digest).is_none());
    }

    #[test]
    fn only_pages_and_assets_count_for_what_a_tab_shows() {
        let site: Site = [
            ("index.html", &b"<p>a</p>"[..]),
            ("api/releases.json", b"{1}"),
        ]
        .into_iter()
        .collect();
        let new_json: Site = [
            ("index.html", &b"<p>a</p>"[..]),
            ("api/releases.json", b"{2}"),
        ]
        .into_iter()
        .collect();
        assert!(site.shows_same(&new_json));
        let new_page: Site = [
            ("index.html", &b"<p>b</p>"[..]),
            ("api/releases.json", b"{1}"),
        ]
        .into_iter()
        .collect();
        assert!(!site.shows_same(&new_page));
        let new_file: Site = [
            ("index.html", &b"<p>a</p>"[..]),
            ("api/releases.json", b"{1}"),
            ("calendar.ics", b"x"),
        ]
        .into_iter()
        .collect();
        assert!(!site.shows_same(&new_file), "a file added is a change");
    }

    #[test]
    fn files_come_back_as_they_went_in() {
        let page = "<p>release notes</p>".repeat(500);
        let site: Site = [("index.html", page.as_bytes()), ("empty.txt", b"")]
            .into_iter()
            .collect();
        assert_eq!(site.get("index.html").as_deref(), Some(page.as_bytes()));
        assert_eq!(site.get("empty.txt").as_deref(), Some(&b""[..]));
        assert_eq!(site.get("missing.html"), None);
        assert!(site.contains("index.html") && !site.contains("missing.html"));
        assert_eq!(site.len(), 2);
    }

    #[test]
    fn repetitive_pages_are_held_compressed() {
        let page =
            "<li><a href=\"/releases/payments/2.4.0/\">payments 2.4.0</a></li>\n".repeat(400);
        let site: Site = [("index.html", page.as_bytes())].into_iter().collect();
        let (held, stands_for) = site.sizes();
        assert_eq!(stands_for, page.len());
        assert!(held * 5 < stands_for, "held {held} of {stands_for} bytes");
    }

    #[test]
    fn replacing_a_file_keeps_the_size_right_and_equal_sites_compare_equal() {
        let mut site = Site::default();
        site.insert("a".into(), b"first version");
        site.insert("a".into(), b"second");
        assert_eq!(site.sizes().1, b"second".len());
        let same: Site = [("a", b"second")].into_iter().collect();
        assert_eq!(site, same);
        let other: Site = [("a", b"third!")].into_iter().collect();
        assert_ne!(site, other);
    }
}
