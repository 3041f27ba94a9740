//! The preview's site in memory: output path -> file, each file LZ4-compressed.
//!
//! `serve` holds the whole rendered site so any page answers at once, and while a rebuild
//! renders the next site the last good one is still served: two sites at a time. At
//! 10,000 releases a site is ~300 MB of HTML, so the two alone were over 600 MB. Pages
//! are repetitive markup and compress well with LZ4, which costs a fraction of
//! rendering them (each file is compressed by the thread that rendered it) and
//! decompresses a page in microseconds when it is requested. LZ4 (`lz4_flex`, safe Rust)
//! rather than gzip: gzip compresses better but several times slower, and a rebuild's
//! time is what an author waits for.
//!
//! A file is held as independent LZ4 blocks of [`BLOCK`] bytes each (most pages are one
//! block), so a response streams a large file block by block: a request for the 30 MB
//! `api/releases.json` of a 10,000-release portal holds one block decompressed, not the
//! file, however many clients download it at once.
//!
//! Each file is compressed with the dictionary of its kind (a page's template, a data
//! file's folder and extension): the start of the first file of that kind the site was
//! given ([`Dictionaries`]). A page compressed alone repeats the markup every page of its
//! template has (head, navigation, headings, class names), which LZ4 cannot find within
//! one page; with a page of the same template as its dictionary it finds it there. At
//! 10,000 releases a release page is ~26 KB and compresses 2.7x alone, about 7x with
//! the dictionary; the whole site, 358 MiB, is held in 129 MiB alone and 61 MiB with
//! dictionaries. `lz4_flex` takes a dictionary itself (LZ4's external dictionary); zstd
//! with a trained dictionary compresses further but would add a C library and a training
//! pass to the first build.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};

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
    /// The dictionary of each kind of file, for the next rebuild's files of that kind.
    dictionaries: HashMap<String, Dictionary>,
    /// The digest of what the search index was made from (`model::memo::search_index_key`),
    /// when it was made with one, and the index's files: a rebuild with the same key shares
    /// those files (and no other file of their folder, such as a static one).
    index: Option<(Digest, BTreeSet<String>)>,
    /// The digest of the theme's templates its pages were rendered with (`None`: not
    /// known): a rebuild with other templates starts new dictionaries (see
    /// [`Dictionaries::after`]).
    templates: Option<Digest>,
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

/// The most of a file's start that becomes its kind's dictionary: LZ4 looks back at most
/// 64 KiB, into the dictionary too.
const DICTIONARY: usize = 64 * 1024;

/// Bytes an LZ4 block may refer back into (see [`Dictionaries`]).
pub type Dictionary = Arc<[u8]>;

/// One file as the site holds it: its size, its LZ4 blocks and the dictionary they were
/// compressed with, shared between the site served and the one being built.
#[derive(Debug, Clone)]
pub struct Stored {
    size: usize,
    blocks: Arc<[Box<[u8]>]>,
    dictionary: Option<Dictionary>,
}

/// Files are equal when they hold the same bytes, however they were compressed.
impl PartialEq for Stored {
    fn eq(&self, other: &Stored) -> bool {
        if self.size != other.size {
            return false;
        }
        if Arc::ptr_eq(&self.blocks, &other.blocks) {
            return true;
        }
        let same_dictionary = match (&self.dictionary, &other.dictionary) {
            (None, None) => true,
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            _ => false,
        };
        // LZ4 is deterministic: the same bytes and dictionary give the same blocks.
        match same_dictionary {
            true => self.blocks == other.blocks,
            false => self.to_vec() == other.to_vec(),
        }
    }
}

impl Eq for Stored {}

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
        let dictionary = self.dictionary.as_deref().unwrap_or_default();
        for block in self.blocks.iter() {
            let size = decompress_into(block, &mut buffer, dictionary)?;
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
    /// `bytes` compressed without a dictionary.
    pub fn new(bytes: &[u8]) -> Compressed {
        Compressed::with_dictionary(bytes, None)
    }

    /// `bytes` compressed with `dictionary` (every block with the same one).
    fn with_dictionary(bytes: &[u8], dictionary: Option<Dictionary>) -> Compressed {
        let blocks: Vec<Box<[u8]>> = bytes
            .chunks(BLOCK)
            .map(|block| match &dictionary {
                Some(dictionary) => lz4_flex::block::compress_with_dict(block, dictionary),
                None => lz4_flex::block::compress(block),
            })
            .map(Vec::into_boxed_slice)
            .collect();
        Compressed(Stored {
            size: bytes.len(),
            blocks: blocks.into(),
            dictionary,
        })
    }
}

/// The dictionaries a rebuild compresses its files with, one per kind of file: those of
/// the site it replaces, and for a kind new to it the start of its first file of that
/// kind (which thread renders first does not matter: any page of a template shares its
/// markup with the others). Rebuilds with the same templates keep the dictionaries, so a
/// page shared with the site before, and a page rendered again, use the same one. A
/// rebuild with other templates renders every page again (templates are part of every
/// page's fingerprint) with markup the old dictionaries may lack: it starts new ones, or a
/// redesigned theme's pages would be held compressed against markup they no longer have
/// (at 10,000 releases, after a new header on every page and one more edit: 405 MB
/// resident with the old dictionaries, 381 MB with new ones; BENCHMARKS, "Seventeenth
/// session").
pub struct Dictionaries {
    by_kind: Mutex<HashMap<String, Dictionary>>,
}

impl Dictionaries {
    /// Starting from the dictionaries of `previous`, the site being served, if any, when
    /// it was rendered with the same `templates` (their digest, [`Site::rendered_with`]).
    pub fn after(previous: Option<&Site>, templates: Option<Digest>) -> Dictionaries {
        let same_templates = |site: &&Site| templates.is_some() && site.templates == templates;
        let by_kind = previous
            .filter(same_templates)
            .map(|site| site.dictionaries.clone());
        Dictionaries {
            by_kind: Mutex::new(by_kind.unwrap_or_default()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Dictionary>> {
        self.by_kind.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// `bytes`, a file of `kind` (see [`page_kind`], [`data_kind`]), compressed with the
    /// dictionary of its kind; the first file of a kind makes its dictionary.
    pub fn compress(&self, kind: String, bytes: &[u8]) -> Compressed {
        let known = self.lock().get(&kind).cloned();
        let dictionary = known.unwrap_or_else(|| {
            let start: Dictionary = bytes[..bytes.len().min(DICTIONARY)].into();
            Arc::clone(self.lock().entry(kind).or_insert(start))
        });
        Compressed::with_dictionary(bytes, Some(dictionary))
    }

    /// Hands the dictionaries to `site`, for the rebuild after it.
    pub fn give_to(self, site: &mut Site) {
        site.dictionaries = self.by_kind.into_inner().unwrap_or_else(|p| p.into_inner());
    }

    /// Gives `site` the dictionaries made so far (a site shown before its rebuild ends
    /// may be the one the next rebuild starts from).
    pub fn copy_to(&self, site: &mut Site) {
        site.dictionaries = self.lock().clone();
    }
}

/// The kind of a page rendered with `template`.
pub fn page_kind(template: &str) -> String {
    format!("page {template}")
}

/// The kind of a file made from data (or a static file): its top folder and extension,
/// e.g. `releases/*.txt` for every announcement e-mail.
pub fn data_kind(path: &str) -> String {
    let folder = path.split_once('/').map_or("", |(top, _)| top);
    let file = path.rsplit('/').next().unwrap_or(path);
    let extension = file.rsplit_once('.').map_or("", |(_, ext)| ext);
    format!("{folder}/*.{extension}")
}

impl Site {
    /// An empty site whose pages are rendered with templates whose digest is `templates`.
    pub fn rendered_with(templates: Option<Digest>) -> Site {
        Site {
            templates,
            ..Site::default()
        }
    }

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
            if !self.files.contains_key(path) {
                self.share(other, path, file);
            }
        }
    }

    /// Adds `other`'s `file` at `path`, shared (not copied), with its digest if it has one.
    fn share(&mut self, other: &Site, path: &str, file: &Stored) {
        self.insert_compressed(path.to_owned(), Compressed(file.clone()));
        if let Some(digest) = other.digests.get(path) {
            self.digests.insert(path.to_owned(), *digest);
        }
    }

    /// Notes that the file at `path` is part of the search index, made from inputs whose
    /// digest is `key` (an index made from other inputs before is forgotten).
    pub fn add_index_file(&mut self, path: String, key: Digest) {
        let index = self.index.get_or_insert_with(|| (key, BTreeSet::new()));
        if index.0 != key {
            *index = (key, BTreeSet::new());
        }
        index.1.insert(path);
    }

    /// Shares the search index of `other` if it was made from inputs whose digest is `key`
    /// (see [`Site::add_index_file`]) and this site has none of its files yet: true when it
    /// did, and the index need not be made.
    pub fn keep_index_of(&mut self, other: &Site, key: &Digest) -> bool {
        let Some((made_from, paths)) = &other.index else {
            return false;
        };
        let present = paths
            .iter()
            .all(|path| other.files.contains_key(path) && !self.files.contains_key(path));
        if made_from != key || paths.is_empty() || !present {
            return false;
        }
        for path in paths {
            if let Some(file) = other.files.get(path) {
                self.share(other, path, file);
            }
        }
        self.index = other.index.clone();
        true
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
fn decompress_into(block: &[u8], buffer: &mut [u8], dictionary: &[u8]) -> std::io::Result<usize> {
    lz4_flex::block::decompress_into_with_dict(block, buffer, dictionary)
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

    #[test]
    fn an_index_is_kept_only_from_a_site_that_made_it_from_the_same_inputs() {
        let key = crate::cache::digest(b"index inputs");
        let mut served: Site = [
            ("search/index.txt", &b"manifest"[..]),
            ("search/help.txt", b"a static file"),
            ("index.html", b"a"),
        ]
        .into_iter()
        .collect();
        let mut next = Site::default();
        assert!(!next.keep_index_of(&served, &key), "no key yet");
        served.add_index_file("search/index.txt".into(), key);
        let other = crate::cache::digest(b"other inputs");
        assert!(!next.keep_index_of(&served, &other));
        assert!(next.is_empty());
        assert!(next.keep_index_of(&served, &key));
        assert_eq!(
            next.get("search/index.txt").as_deref(),
            Some(&b"manifest"[..])
        );
        assert!(!next.contains("index.html"));
        assert!(!next.contains("search/help.txt"), "only the index's files");
        // The kept index carries its key on to the next rebuild.
        assert!(Site::default().keep_index_of(&next, &key));
        // An index made anew from other inputs replaces what is known of the old one.
        next.add_index_file("search/k/6162.txt".into(), other);
        assert!(!Site::default().keep_index_of(&next, &key));
        assert!(
            !Site::default().keep_index_of(&next, &other),
            "its file is missing"
        );
    }

    /// A release-like page: the same markup around different notes.
    fn release_page(i: usize) -> Vec<u8> {
        let head = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>";
        let nav = "<nav class=\"site\"><a href=\"/releases/\">Releases</a><a href=\"/runbooks/\">Runbooks</a><a href=\"/calendar/\">Calendar</a></nav>";
        let facts: String = (0..40)
            .map(|n| format!("<dt class=\"fact-{n}\">Fact {n}</dt><dd class=\"value\">value</dd>"))
            .collect();
        format!("{head}Release {i}</title></head><body>{nav}<main><h1>Release {i}</h1><dl>{facts}</dl><p>Notes of release {i}: {}</p></main></body></html>", i * 7919)
            .into_bytes()
    }

    #[test]
    fn files_of_a_kind_share_its_dictionary_and_come_back_whole() {
        let templates = Some(crate::cache::digest(b"templates"));
        let dictionaries = Dictionaries::after(None, templates);
        let first = dictionaries.compress(page_kind("release.html"), &release_page(1));
        let second = dictionaries.compress(page_kind("release.html"), &release_page(2));
        let (Some(a), Some(b)) = (&first.0.dictionary, &second.0.dictionary) else {
            panic!("compressed without a dictionary");
        };
        assert!(Arc::ptr_eq(a, b), "one dictionary per kind");
        assert_eq!(&a[..], &release_page(1)[..], "the first file of the kind");
        let alone = Compressed::new(&release_page(2));
        assert!(
            second.0.held() * 3 < alone.0.held(),
            "the markup is found in the dictionary: {} bytes, {} alone",
            second.0.held(),
            alone.0.held()
        );
        let other = dictionaries.compress(data_kind("releases/a/1/announce.txt"), b"Subject: x");
        let other_dictionary = other.0.dictionary.as_ref().expect("its own");
        assert!(
            !Arc::ptr_eq(a, other_dictionary),
            "another kind, another dictionary"
        );

        // A large file: every block with the dictionary, streamed back whole.
        let large: Vec<u8> = (0..BLOCK * 2 + 99).map(|i| (i % 251) as u8).collect();
        let kind = data_kind("api/releases.json");
        let _ = dictionaries.compress(kind.clone(), &large[..5000]);
        let mut site = Site::rendered_with(templates);
        site.insert_compressed(
            "api/releases.json".into(),
            dictionaries.compress(kind, &large),
        );
        site.insert_compressed("releases/a/2/index.html".into(), second);
        dictionaries.give_to(&mut site);
        assert_eq!(site.get("api/releases.json"), Some(large));
        assert_eq!(site.get("releases/a/2/index.html"), Some(release_page(2)));

        // The next rebuild starts from the same dictionaries.
        let next = Dictionaries::after(Some(&site), templates);
        let again = next.compress(page_kind("release.html"), &release_page(3));
        assert!(Arc::ptr_eq(a, again.0.dictionary.as_ref().expect("kept")));

        // With other templates (or unknown ones) it starts new ones: the first page it
        // compresses of a kind is that kind's dictionary again.
        for other in [Some(crate::cache::digest(b"new header")), None] {
            let redesigned = Dictionaries::after(Some(&site), other);
            let page = redesigned.compress(page_kind("release.html"), &release_page(7));
            let dictionary = page.0.dictionary.as_ref().expect("a dictionary");
            assert!(!Arc::ptr_eq(a, dictionary), "a new dictionary");
            assert_eq!(&dictionary[..], &release_page(7)[..]);
        }
    }

    #[test]
    fn files_are_equal_when_their_bytes_are_whatever_they_were_compressed_with() {
        let page = release_page(5);
        let alone = Compressed::new(&page).0;
        let dictionaries = Dictionaries::after(None, None);
        let _ = dictionaries.compress(page_kind("release.html"), &release_page(4));
        let with_dictionary = dictionaries.compress(page_kind("release.html"), &page).0;
        assert_ne!(alone.blocks, with_dictionary.blocks);
        assert_eq!(alone, with_dictionary);
        let other = dictionaries
            .compress(page_kind("release.html"), &release_page(6))
            .0;
        assert_ne!(other, with_dictionary);
        assert_ne!(Compressed::new(&release_page(6)).0, with_dictionary);
    }
}
