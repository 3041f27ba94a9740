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
//!
//! A file is held as independent LZ4 blocks of [`BLOCK`] bytes each (most pages are one
//! block), so a response streams a large file block by block: a request for the 30 MB
//! `api/releases.json` of a 10,000-release portal holds one block decompressed, not the
//! file, however many clients download it at once.

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
    files: BTreeMap<String, Stored>,
    /// Uncompressed bytes in all, for the terminal's report.
    size: usize,
    /// Each page's fingerprint and the moment (Unix millis) it was rendered at.
    pages: HashMap<String, (Digest, i64)>,
    /// Each release page's memo (what its data was made from and came to).
    memos: HashMap<String, crate::cache::Memo>,
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

/// The uncompressed size of a block of a stored file: small enough that a request holds
/// little, large enough that LZ4 sees the repetition of a page's markup.
pub const BLOCK: usize = 256 * 1024;

/// One file as the site holds it: its size and its LZ4 blocks, shared between the site
/// served and the one being built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    size: usize,
    blocks: Arc<[Box<[u8]>]>,
}

impl Stored {
    /// The file's size, uncompressed.
    pub fn len(&self) -> usize {
        self.size
    }

    /// Whether the file is empty.
    pub fn is_empty(&self) -> bool {
        self.size == 0
    }

    /// Bytes held in memory for it.
    fn held(&self) -> usize {
        self.blocks.iter().map(|block| block.len()).sum()
    }

    /// Writes the file block by block, decompressing each into one reused buffer.
    pub fn write_to(&self, out: &mut impl std::io::Write) -> std::io::Result<()> {
        let mut buffer = vec![0; BLOCK.min(self.size)];
        for block in self.blocks.iter() {
            let size = decompress_into(block, &mut buffer)?;
            out.write_all(&buffer[..size])?;
        }
        Ok(())
    }

    /// The whole file, decompressed.
    pub fn to_vec(&self) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(self.size);
        // Writing into a Vec cannot fail, and a block that does not decompress leaves what
        // came before it: only this module compresses, so that never happens.
        let _ = self.write_to(&mut bytes);
        bytes
    }
}

/// One file, compressed: made by the thread that rendered it, outside any lock.
pub struct Compressed(Stored);

impl Compressed {
    pub fn new(bytes: &[u8]) -> Compressed {
        let blocks: Vec<Box<[u8]>> = bytes
            .chunks(BLOCK)
            .map(|block| lz4_flex::block::compress(block).into_boxed_slice())
            .collect();
        Compressed(Stored {
            size: bytes.len(),
            blocks: blocks.into(),
        })
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
        self.size += file.0.len();
        if let Some(old) = self.files.insert(path, file.0) {
            self.size -= old.len();
        }
    }

    /// Records that the page at `path` was rendered with `mark` (its fingerprint, and its
    /// memo for a release page) at `moment`.
    pub fn set_mark(&mut self, path: String, mark: crate::cache::PageMark, moment: i64) {
        match mark.memo {
            Some(memo) => self.memos.insert(path.clone(), memo),
            None => self.memos.remove(&path),
        };
        self.pages.insert(path, (mark.fingerprint, moment));
    }

    /// The data digest of the release page at `path` if it was made from inputs whose
    /// digest is `key` (see `model::memo`).
    pub fn remembered(&self, path: &str, key: &Digest) -> Option<Digest> {
        let memo = self.memos.get(path)?;
        (memo.key == *key).then_some(memo.data)
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
        Some(Compressed(file.clone()))
    }

    /// Adds the files of `other` under `folder` (`"search/"`) that this site does not have,
    /// shared, not copied: a rebuild shows its pages with the search index served before
    /// until its own is made.
    pub fn borrow_folder(&mut self, other: &Site, folder: &str) {
        let files = other.files.range(folder.to_owned()..);
        for (path, file) in files.take_while(|(path, _)| path.starts_with(folder)) {
            if self.files.contains_key(path) {
                continue;
            }
            self.insert_compressed(path.clone(), Compressed(file.clone()));
            if let Some(digest) = other.digests.get(path) {
                self.digests.insert(path.clone(), *digest);
            }
        }
    }

    /// The page at `path` as this site holds it (compressed) with its fingerprint and
    /// moment, for a rebuild that keeps it.
    pub fn page(&self, path: &str) -> Option<(Compressed, Digest, i64)> {
        let (fingerprint, moment) = self.pages.get(path)?;
        let file = self.files.get(path)?;
        Some((Compressed(file.clone()), *fingerprint, *moment))
    }

    /// The file at `path`, decompressed.
    pub fn get(&self, path: &str) -> Option<Vec<u8>> {
        self.files.get(path).map(Stored::to_vec)
    }

    /// The file at `path` as held, for a response that streams it ([`Stored::write_to`]).
    pub fn stored(&self, path: &str) -> Option<Stored> {
        self.files.get(path).cloned()
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

    /// Whether an open tab shows the same thing from `other`: the same pages and assets,
    /// byte for byte, whatever the data files ([`is_data_file`]) are. A save that changes
    /// nothing still makes new JSON (it carries its generation time), and a rebuild's
    /// search index follows its pages with other shard files: neither must reload a tab.
    pub fn shows_same(&self, other: &Site) -> bool {
        fn shown(site: &Site) -> impl Iterator<Item = (&String, &Stored)> {
            site.files.iter().filter(|(path, _)| !is_data_file(path))
        }
        shown(self).eq(shown(other))
    }

    /// Bytes held in memory (compressed) and the bytes they stand for.
    pub fn sizes(&self) -> (usize, usize) {
        let held = self.files.values().map(Stored::held).sum();
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

/// Decompresses one block into `buffer` (at least [`BLOCK`] bytes, or the file's size),
/// giving its size. Only this module compresses, so a block always decompresses; were one
/// ever not to, the response fails with an I/O error rather than a panic in a request
/// thread.
fn decompress_into(block: &[u8], buffer: &mut [u8]) -> std::io::Result<usize> {
    lz4_flex::block::decompress_into(block, buffer)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
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
        assert!(Arc::ptr_eq(
            &shared.0.blocks,
            &site.files["calendar.ics"].blocks
        ));
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
        assert!(site.shows_same(&new_file), "a data file added is not");
        let new_asset: Site = [
            ("index.html", &b"<p>a</p>"[..]),
            ("api/releases.json", b"{1}"),
            ("logo.svg", b"<svg/>"),
        ]
        .into_iter()
        .collect();
        assert!(!site.shows_same(&new_asset), "an asset added is a change");
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
    fn a_large_file_is_held_in_blocks_and_streams_back_whole() {
        // Three blocks and a bit, varied so that a block boundary in the wrong place shows.
        let json: Vec<u8> = (0..BLOCK * 3 + 1000)
            .map(|i| b"{\"releases\": [1, 2, 3]}"[i % 23] ^ (i / BLOCK) as u8)
            .collect();
        let site: Site = [("api/releases.json", &json[..])].into_iter().collect();
        let stored = site.stored("api/releases.json").expect("stored");
        assert_eq!(stored.blocks.len(), 4);
        assert_eq!(stored.len(), json.len());
        let mut streamed = Vec::new();
        stored.write_to(&mut streamed).expect("streams");
        assert!(streamed == json, "the streamed bytes are the file's");
        assert_eq!(site.get("api/releases.json"), Some(json));
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

    #[test]
    fn a_borrowed_folder_adds_only_what_the_site_lacks_under_it() {
        let served: Site = [
            ("search/index.txt", &b"old manifest"[..]),
            ("search/k/1.txt", b"old shard"),
            ("searching.html", b"not in the folder"),
            ("index.html", b"old page"),
        ]
        .into_iter()
        .collect();
        let mut next: Site = [
            ("index.html", &b"new page"[..]),
            ("search/index.txt", b"new"),
        ]
        .into_iter()
        .collect();
        next.borrow_folder(&served, "search/");
        assert_eq!(next.get("search/index.txt").as_deref(), Some(&b"new"[..]));
        assert_eq!(
            next.get("search/k/1.txt").as_deref(),
            Some(&b"old shard"[..])
        );
        assert_eq!(next.get("index.html").as_deref(), Some(&b"new page"[..]));
        assert!(!next.contains("searching.html"));
        assert_eq!(next.len(), 3);
        assert_eq!(
            next.sizes().1,
            b"new page".len() + b"new".len() + b"old shard".len()
        );
    }
}
