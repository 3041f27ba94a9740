//! Documents and commits -> the index files (path under `search/` -> bytes), in the format
//! of `super` (see the module doc there). Everything is collected in sorted maps, so two
//! builds of the same content give the same bytes.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use ahash::HashMap;
use rayon::prelude::*;
use shipboard_search::index::MAGIC;
use shipboard_search::text;

use super::documents::{clean, CommitEntry, Document, TEXT_CHARS};

/// Records per fragment file: a result fetches one small file, and neighbouring documents
/// (versions of one system, sections of one runbook) are often fetched together.
pub const BUCKET: u32 = 4;

/// Postings kept per term: its best documents by weight (ties: lowest id). A query shows
/// 12 results, so a word in thousands of documents is cut to what can rank; it keeps shards
/// small however common a word is.
pub const MAX_POSTINGS: usize = 200;

/// Weights of a term in a document: in the title, in the facts line or hidden facts, and
/// per occurrence in the text (up to 4).
const TITLE: u32 = 16;
const FACTS: u32 = 4;
const TEXT_MAX: u32 = 4;

/// The index files, by path relative to `search/`, all at once (see [`encode_each`]).
#[cfg(test)]
pub fn encode(docs: &[Document], commits: &[CommitEntry]) -> BTreeMap<String, Vec<u8>> {
    encode_with(docs, commits, SHARD_BUDGET)
}

/// [`encode`] with shards split at `budget` bytes.
#[cfg(test)]
fn encode_with(
    docs: &[Document],
    commits: &[CommitEntry],
    budget: usize,
) -> BTreeMap<String, Vec<u8>> {
    let files = std::sync::Mutex::new(BTreeMap::new());
    let kept = encode_within(docs, commits, budget, &|path, bytes| {
        files.lock().unwrap().insert(path, bytes);
        Ok::<(), std::convert::Infallible>(())
    });
    match kept {
        Ok(()) => files.into_inner().unwrap(),
        Err(never) => match never {},
    }
}

/// The index files (path relative to `search/`, bytes), each handed to `emit` as soon as it
/// is made, from any thread and in no particular order: a build writes them and never
/// holds the whole index (the fragments alone are most of its bytes). The files and their
/// bytes are the same as [`encode`]'s.
pub fn encode_each<E: Send>(
    docs: &[Document],
    commits: &[CommitEntry],
    emit: &(dyn Fn(String, Vec<u8>) -> Result<(), E> + Sync),
) -> Result<(), E> {
    encode_within(docs, commits, SHARD_BUDGET, emit)
}

/// [`encode_each`] with shards split at `budget` bytes.
fn encode_within<E: Send>(
    docs: &[Document],
    commits: &[CommitEntry],
    budget: usize,
    emit: &(dyn Fn(String, Vec<u8>) -> Result<(), E> + Sync),
) -> Result<(), E> {
    let mut manifest = format!("{MAGIC}\ndocs {}\nbucket {BUCKET}\n", docs.len());
    emit_family(
        &mut manifest,
        "k",
        shard_lines(key_lines(docs), budget),
        emit,
    )?;
    emit_family(
        &mut manifest,
        "t",
        shard_lines(term_lines(docs), budget),
        emit,
    )?;
    let commit_lines = commits.iter().map(|c| {
        let line = format!("{}\t{}\t{}", c.sha, c.doc, clean(&c.subject));
        (c.sha.clone(), line)
    });
    emit_family(&mut manifest, "c", shard_lines(commit_lines, budget), emit)?;
    emit("index.txt".to_owned(), manifest.into_bytes())?;
    // Fragments are most of the index's files and bytes: each is made and handed over by
    // the thread that made it (`emit` takes files from any thread, in any order), so they
    // are never all held at once and none waits for another to be written.
    docs.par_chunks(BUCKET as usize)
        .enumerate()
        .try_for_each(|(index, bucket)| {
            let mut text = String::new();
            for doc in bucket {
                record(&mut text, doc);
            }
            emit(format!("f/{index}.txt"), text.into_bytes())
        })
}

/// Lists the shards of one family (`k`, `t`, `c`) in the manifest and emits their files.
fn emit_family<E>(
    manifest: &mut String,
    family: &str,
    shards: BTreeMap<String, String>,
    emit: &(dyn Fn(String, Vec<u8>) -> Result<(), E> + Sync),
) -> Result<(), E> {
    manifest.push_str(family);
    for name in shards.keys() {
        manifest.push(' ');
        manifest.push_str(name);
    }
    manifest.push('\n');
    for (name, text) in shards {
        emit(format!("{family}/{name}.txt"), text.into_bytes())?;
    }
    Ok(())
}

/// Two lines: `group \t url \t title \t meta \t rollback`, then the text.
fn record(out: &mut String, doc: &Document) {
    let body = text::cut(&doc.text, TEXT_CHARS * 4);
    let end = body
        .char_indices()
        .nth(TEXT_CHARS)
        .map_or(body.len(), |(i, _)| i);
    let _ = writeln!(
        out,
        "{}\t{}\t{}\t{}\t{}\n{}",
        char::from(doc.group),
        clean(&doc.url),
        clean(&doc.title),
        clean(&doc.meta),
        clean(&doc.rollback),
        clean(&body[..end]),
    );
}

/// `key \t ids` per identifier, ids ascending.
fn key_lines(docs: &[Document]) -> Vec<(String, String)> {
    let mut keys: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
    for (id, doc) in docs.iter().enumerate() {
        for key in &doc.keys {
            keys.entry(key).or_default().push(id as u32);
        }
    }
    keys.into_iter()
        .map(|(key, ids)| {
            let ids: Vec<String> = ids.iter().map(u32::to_string).collect();
            (key.to_owned(), format!("{key}\t{}", ids.join(",")))
        })
        .collect()
}

/// Documents whose term weights are computed at once (in parallel) before they are added
/// to the postings: bounds the per-document weights alive at a time, which for every
/// document at once were most of the index's memory.
const WEIGHTS_CHUNK: usize = 256;

/// The term weights of a run of documents, and the id of its first.
type Weighed = (usize, Vec<Weights>);

/// `term \t postings` per term: delta-coded document ids, `:weight` when not 1.
fn term_lines(docs: &[Document]) -> Vec<(String, String)> {
    // Hash maps for speed; the order comes from the document loop (ids ascend) and from
    // sorting the terms, never from iterating a hash map into the output.
    let mut terms: HashMap<String, Postings> = HashMap::default();
    let merge = |terms: &mut HashMap<String, Postings>, (first, per_doc): Weighed| {
        for (i, weights) in per_doc.iter().enumerate() {
            let id = (first + i) as u32;
            for (term, weight) in weights.terms() {
                // Looked up by the borrowed term: most terms are in many documents, and
                // only the first of them allocates the term's key.
                match terms.get_mut(term) {
                    Some(postings) => postings.push(id, weight),
                    None => {
                        let mut postings = Postings::default();
                        postings.push(id, weight);
                        terms.insert(term.to_owned(), postings);
                    }
                }
            }
        }
    };
    // The merge is serial: it runs while the next chunk's weights are computed, rather
    // than leaving a core idle (same merge order, so the same postings).
    let mut weighed: Option<Weighed> = None;
    for (chunk_index, chunk) in docs.chunks(WEIGHTS_CHUNK).enumerate() {
        let (next, ()) = rayon::join(
            || {
                let per_doc = chunk.par_iter().map(weights).collect();
                (chunk_index * WEIGHTS_CHUNK, per_doc)
            },
            || {
                if let Some(done) = weighed.take() {
                    merge(&mut terms, done);
                }
            },
        );
        weighed = Some(next);
    }
    if let Some(done) = weighed {
        merge(&mut terms, done);
    }
    let mut terms: Vec<(String, Postings)> = terms.into_iter().collect();
    terms.par_sort_unstable_by(|a, b| a.0.cmp(&b.0));
    terms
        .into_par_iter()
        .map(|(term, postings)| {
            let mut line = format!("{term}\t");
            let mut previous = 0;
            for (i, (doc, weight)) in postings.finish().into_iter().enumerate() {
                if i > 0 {
                    line.push(' ');
                }
                let _ = write!(line, "{}", doc - previous);
                if weight != 1 {
                    let _ = write!(line, ":{weight}");
                }
                previous = doc;
            }
            (term, line)
        })
        .collect()
}

/// A term's postings while the index is built, `(document, weight)`: cut back to the best
/// [`MAX_POSTINGS`] whenever they reach twice that, so a word in every document holds a few
/// hundred entries, not one per document. The best of all postings are the best of any
/// part that contains them, so cutting early keeps exactly what one cut at the end keeps.
#[derive(Debug, Default)]
struct Postings(Vec<(u32, u32)>);

impl Postings {
    fn push(&mut self, doc: u32, weight: u32) {
        self.0.push((doc, weight));
        if self.0.len() >= 2 * MAX_POSTINGS {
            self.keep_best();
        }
    }

    /// The best [`MAX_POSTINGS`] by weight (ties: lowest id), in no particular order.
    fn keep_best(&mut self) {
        if self.0.len() > MAX_POSTINGS {
            self.0
                .sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            self.0.truncate(MAX_POSTINGS);
        }
    }

    /// The postings kept, by document id.
    fn finish(mut self) -> Vec<(u32, u32)> {
        self.keep_best();
        self.0.sort_unstable();
        self.0
    }
}

/// `text::fold`, with ASCII text lowercased in one call (what `text::fold_char` does to an
/// ASCII char): release notes are mostly ASCII, and this is the index's hottest loop. Kept
/// here rather than in `shipboard_search`, whose change would rebuild the browser client.
fn fold(source: &str) -> String {
    if source.is_ascii() {
        source.to_ascii_lowercase()
    } else {
        text::fold(source)
    }
}

/// A document's terms and their weights. Each term is a slice of one of the document's
/// folded fields, held here, so that weighing a document allocates its fields and one
/// table, not a string per term (those allocations and their frees were most of the
/// index's CPU time); a term is copied only when the merge first meets it.
struct Weights {
    /// The folded fields the terms are slices of: text, title, facts, and stems that
    /// are not a prefix of their word (none with today's rules, see [`Weights::place`]).
    fields: [String; 4],
    /// Per term: its field, where it starts and ends there, and its weight.
    spans: Vec<(u8, u32, u32, u32)>,
}

/// The field of [`Weights::fields`] that holds stems that are not a slice of their word.
const STEMS: usize = 3;

impl Weights {
    /// The document's terms and their weights, in no particular order.
    fn terms(&self) -> impl Iterator<Item = (&str, u32)> {
        self.spans
            .iter()
            .filter_map(|&(field, start, end, weight)| {
                let field = self.fields.get(usize::from(field))?;
                Some((field.get(start as usize..end as usize)?, weight))
            })
    }

    /// Where `term`, the stem of the word at `start` in field `field`, is found: at the
    /// word's start when it is a prefix of the word (every stem of `text::stem` is),
    /// otherwise copied into the stems field.
    fn place(&mut self, field: usize, start: usize, word: &str, term: &str) -> (u8, u32, u32) {
        if word.starts_with(term) {
            return (field as u8, start as u32, (start + term.len()) as u32);
        }
        let stems = &mut self.fields[STEMS];
        let at = stems.len();
        stems.push_str(term);
        (STEMS as u8, at as u32, stems.len() as u32)
    }
}

/// A document's terms and their weights: text first (one per occurrence, up to
/// [`TEXT_MAX`]), then the title ([`TITLE`]) and the facts ([`FACTS`]), each once per
/// document.
fn weights(doc: &Document) -> Weights {
    let (title, facts) = match doc.own_title_from {
        Some(at) => (doc.title.get(at..).unwrap_or(&doc.title), String::new()),
        None => (doc.title.as_str(), format!("{} {}", doc.meta, doc.hidden)),
    };
    let fields = [fold(&doc.text), fold(title), fold(&facts), String::new()];
    // Index in `spans` by term; sized for a typical note (a word in ~8 bytes, most once).
    let mut found: HashMap<&str, usize> = HashMap::default();
    found.reserve(fields[0].len() / 8 + 16);
    let mut out = Weights {
        fields: Default::default(),
        spans: Vec::with_capacity(fields[0].len() / 8 + 16),
    };
    for (field, weight) in [(0, None), (1, Some(TITLE)), (2, Some(FACTS))] {
        let folded: &str = &fields[field];
        let mut seen: Vec<&str> = Vec::new();
        for (start, word) in text::words(folded) {
            if word.len() < 2 || text::is_stop_word(word) {
                continue;
            }
            let term = text::stem(word);
            match (found.get(term), weight) {
                // Text: one per occurrence, up to TEXT_MAX.
                (Some(&at), None) => {
                    let n = &mut out.spans[at].3;
                    *n = (*n + 1).min(TEXT_MAX);
                }
                // Title and facts: once per document.
                (Some(&at), Some(weight)) if !seen.contains(&term) => {
                    seen.push(term);
                    out.spans[at].3 += weight;
                }
                (Some(_), Some(_)) => {}
                (None, weight) => {
                    if weight.is_some() {
                        seen.push(term);
                    }
                    let (field, start, end) = out.place(field, start, word, term);
                    found.insert(term, out.spans.len());
                    out.spans.push((field, start, end, weight.unwrap_or(1)));
                }
            }
        }
    }
    drop(found);
    let [text, title, facts, _] = fields;
    let stems = std::mem::take(&mut out.fields[STEMS]);
    out.fields = [text, title, facts, stems];
    out
}

/// Bytes a shard may hold before it is split (uncompressed; about 4-5 KiB gzipped). A
/// query reads one shard per family and word, plus the fragments of its results (12 at
/// most, about 1.5 KiB gzipped each), so a shard of this size costs about what the results
/// do; smaller shards would mostly lengthen the manifest (every shard name is in it, and
/// every search reads it) and add round trips for short prefixes.
pub const SHARD_BUDGET: usize = 16 * 1024;

/// Lines grouped into shards, in key order: by the first [`text::SHARD_CHARS`] chars of
/// their key, and a group over `budget` bytes split again by one char more, and so on
/// (the key equal to a split group's prefix stays in the shard of that prefix). A shard
/// is over budget only when it holds a single key, or keys that cannot be told apart by
/// a longer prefix. Shard names are [`text::hex`] of their prefix.
fn shard_lines(
    lines: impl IntoIterator<Item = (String, String)>,
    budget: usize,
) -> BTreeMap<String, String> {
    let mut sorted: Vec<(String, String)> = lines.into_iter().collect();
    sorted.par_sort_unstable();
    let mut shards: BTreeMap<String, String> = BTreeMap::new();
    split(&mut shards, &sorted, text::SHARD_CHARS, budget);
    shards
}

/// Shards of `lines` (sorted, sharing their first `chars - 1` chars) by their first
/// `chars` chars, each split further while it is over `budget`.
fn split(
    shards: &mut BTreeMap<String, String>,
    lines: &[(String, String)],
    chars: usize,
    budget: usize,
) {
    let mut rest = lines;
    while let Some((first, _)) = rest.first() {
        let prefix = text::prefix_chars(first, chars);
        let end = rest
            .iter()
            .position(|(key, _)| text::prefix_chars(key, chars) != prefix)
            .unwrap_or(rest.len());
        let (group, after) = rest.split_at(end);
        let bytes: usize = group.iter().map(|(_, line)| line.len() + 1).sum();
        // Sorted, so the keys equal to the prefix come first; the others are longer.
        let exact = group.iter().take_while(|(key, _)| key == prefix).count();
        if bytes > budget && exact < group.len() {
            if exact > 0 {
                push_lines(shards, prefix, &group[..exact]);
            }
            split(shards, &group[exact..], chars + 1, budget);
        } else {
            push_lines(shards, prefix, group);
        }
        rest = after;
    }
}

fn push_lines(shards: &mut BTreeMap<String, String>, prefix: &str, lines: &[(String, String)]) {
    let shard = shards.entry(text::hex(prefix)).or_default();
    for (_, line) in lines {
        shard.push_str(line);
        shard.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shipboard_search::index::{self, Family, Manifest};
    use shipboard_search::query::Query;

    #[test]
    fn the_ascii_fold_is_the_shared_fold() {
        let every_ascii: String = (0u8..128).map(char::from).collect();
        assert_eq!(fold(&every_ascii), text::fold(&every_ascii));
        assert_eq!(fold("Roll BACK Ledger 2.4"), "roll back ledger 2.4");
        assert_eq!(fold("Ærø Straße"), text::fold("Ærø Straße"));
    }

    fn docs() -> Vec<Document> {
        vec![
            Document {
                group: b'b',
                url: "runbooks/ledger-rollback/".into(),
                title: "Roll back the Ledger".into(),
                meta: "Rollback runbook".into(),
                text: "Stop the posting workers.\tThen roll back.".into(),
                keys: vec!["roll back the ledger".into()],
                ..Document::default()
            },
            Document {
                group: b'r',
                url: "releases/payments/2.4.0/".into(),
                title: "Payments API 2.4.0: Wallet top-ups".into(),
                rollback: "2.3.1".into(),
                text: "Customers can top up <script>alert(1)</script> wallets.".into(),
                keys: vec!["payments 2.4.0".into(), "pay-456".into(), "2.4.0".into()],
                ..Document::default()
            },
        ]
    }

    fn text(files: &BTreeMap<String, Vec<u8>>, path: &str) -> String {
        String::from_utf8(files[path].clone()).unwrap()
    }

    #[test]
    fn round_trip_through_the_client_reader() {
        let commits = vec![CommitEntry {
            sha: "3f9c2ab0d1".into(),
            doc: 1,
            subject: "fix(refunds): retry\ton timeout".into(),
        }];
        let files = encode(&docs(), &commits);
        let manifest = Manifest::parse(&text(&files, "index.txt")).unwrap();
        assert_eq!((manifest.docs, manifest.bucket), (2, BUCKET));
        let get = |p: &str| files.get(p).and_then(|b| std::str::from_utf8(b).ok());
        for (input, doc, tier) in [
            ("PAY-456", 1, 3),
            ("payments 2.4", 1, 2),
            ("3f9c2ab", 1, 4),
            ("posting", 0, 1),
        ] {
            let q = Query::parse(input);
            let found = q.search(&manifest, &get).unwrap();
            assert!(found.missing.is_empty(), "{:?}", found.missing);
            let hits = found.hits;
            assert_eq!((hits[0].doc, hits[0].tier), (doc, tier), "{input}");
        }
        let fragment = text(&files, "f/0.txt");
        let record = index::record(&fragment, 1).unwrap();
        assert_eq!(record.rollback, "2.3.1");
        assert!(
            record.text.contains("<script>"),
            "text is stored as text; the client sets it with textContent"
        );
        assert_eq!(
            text(&files, "c/3366.txt"),
            "3f9c2ab0d1\t1\tfix(refunds): retry on timeout\n"
        );
    }

    #[test]
    fn common_terms_keep_their_best_postings() {
        let mut many = Vec::new();
        for i in 0..MAX_POSTINGS + 50 {
            many.push(Document {
                group: b'r',
                url: format!("releases/a/{i}.0.0/"),
                title: if i == MAX_POSTINGS + 10 {
                    "Ledger".into()
                } else {
                    "x".into()
                },
                text: "ledger".into(),
                ..Document::default()
            });
        }
        let files = encode(&many, &[]);
        let shard = text(&files, "t/6c65.txt");
        let (_, value) = shard.lines().next().unwrap().split_once('\t').unwrap();
        let postings = index::postings(value).unwrap();
        assert_eq!(postings.len(), MAX_POSTINGS);
        assert!(postings.contains(&((MAX_POSTINGS + 10) as u32, TITLE + 1)));
    }

    #[test]
    fn a_runbook_section_is_found_by_its_own_words_not_its_runbooks() {
        let runbook = Document {
            group: b'b',
            url: "runbooks/ops-hotfix-220/".into(),
            title: "Hotfix the platform".into(),
            meta: "Deploy runbook · owner Yusuf Haddad".into(),
            hidden: "ops hotfix 220".into(),
            ..Document::default()
        };
        let part = "Hotfix the platform › ";
        let section = Document {
            group: b'b',
            url: "runbooks/ops-hotfix-220/#dashboards".into(),
            title: format!("{part}Dashboards"),
            meta: runbook.meta.clone(),
            text: "Open the latency board.".into(),
            own_title_from: Some(part.len()),
            ..Document::default()
        };
        let files = encode(&[runbook, section], &[]);
        let manifest = Manifest::parse(&text(&files, "index.txt")).unwrap();
        let get = |p: &str| files.get(p).and_then(|b| std::str::from_utf8(b).ok());
        let found = |input: &str| -> Vec<u32> {
            let hits = Query::parse(input).hits(&manifest, &get).unwrap();
            hits.iter().map(|h| h.doc).collect()
        };
        assert_eq!(found("Haddad"), [0], "the owner finds the runbook once");
        assert_eq!(found("hotfix platform"), [0]);
        assert_eq!(found("dashboards"), [1], "the heading finds its section");
        assert_eq!(found("latency"), [1]);
    }

    /// Many documents whose identifiers and words share prefixes (`re...`, `pay...`), and
    /// commits, so that a small budget splits every family several levels deep.
    fn many() -> (Vec<Document>, Vec<CommitEntry>) {
        let words = [
            "release", "relay", "rollback", "payments", "payout", "re", "ledger",
        ];
        let mut docs = Vec::new();
        let mut commits = Vec::new();
        for i in 0..300u32 {
            let word = words[i as usize % words.len()];
            docs.push(Document {
                group: b'r',
                url: format!("releases/{word}/{i}.0.0/"),
                title: format!("{word} {i}.0.0: {} rework", words[(i as usize / 7) % 7]),
                text: format!("{word}{} relocates {word} records re {i}", i % 13),
                keys: vec![
                    format!("{word} {i}.0.0"),
                    format!("re-{i}"),
                    format!("{i}.0.0"),
                ],
                ..Document::default()
            });
            commits.push(CommitEntry {
                sha: format!("{:040x}", u128::from(i).wrapping_mul(0x9e37_79b9_7f4a_7c15)),
                doc: i,
                subject: format!("fix: {word} {i}"),
            });
        }
        (docs, commits)
    }

    #[test]
    fn no_shard_is_over_budget_unless_it_holds_one_line_and_the_manifest_lists_them_all() {
        let (docs, commits) = many();
        let budget = 600;
        let files = encode_with(&docs, &commits, budget);
        let manifest = Manifest::parse(&text(&files, "index.txt")).unwrap();
        let mut listed: Vec<String> = Vec::new();
        for (family, dir, names) in [
            (Family::Keys, "k", &manifest.keys),
            (Family::Terms, "t", &manifest.terms),
            (Family::Commits, "c", &manifest.commits),
        ] {
            let deeper = names.iter().filter(|n| n.len() > 4).count();
            assert!(deeper > 0, "{dir}: nothing was split");
            for name in names {
                let path = format!("{dir}/{name}.txt");
                let shard = text(&files, &path);
                let lines = shard.lines().count();
                assert!(
                    shard.len() <= budget || lines == 1,
                    "{path}: {} bytes",
                    shard.len()
                );
                // Every key is where a reader looks for it.
                for line in shard.lines() {
                    let key = line.split('\t').next().unwrap();
                    assert_eq!(manifest.home(family, key), Some(name.as_str()), "{key}");
                }
                listed.push(path);
            }
        }
        let written: Vec<&String> = files
            .keys()
            .filter(|p| !p.starts_with("f/") && *p != "index.txt")
            .collect();
        listed.sort();
        assert_eq!(written, listed.iter().collect::<Vec<_>>());
    }

    #[test]
    fn split_shards_give_the_same_results_as_whole_ones() {
        let (docs, commits) = many();
        let whole = encode_with(&docs, &commits, usize::MAX);
        let split = encode_with(&docs, &commits, 600);
        let whole_manifest = Manifest::parse(&text(&whole, "index.txt")).unwrap();
        assert!(whole_manifest.keys.iter().all(|n| n.len() <= 4));
        let split_manifest = Manifest::parse(&text(&split, "index.txt")).unwrap();
        let sha = &commits[17].sha;
        for input in [
            "re",
            "rel",
            "rela",
            "release",
            "re-1",
            "re-12",
            "re-123",
            "pa",
            "pay",
            "payments 2",
            "payments 21.0.0",
            "21.0.0",
            "2",
            "ledger rework",
            "relocates",
            "relocat",
            "rollb",
            "rollbacks",
            "payout5 ",
            &sha[..7],
            &sha[..9],
            sha,
            "nothing here",
        ] {
            let q = Query::parse(input);
            let hits = |files: &BTreeMap<String, Vec<u8>>, manifest: &Manifest| {
                let get = |p: &str| files.get(p).and_then(|b| std::str::from_utf8(b).ok());
                let found = q.search(manifest, &get).unwrap();
                assert!(found.missing.is_empty(), "{input}: {:?}", found.missing);
                found.hits
            };
            let want = hits(&whole, &whole_manifest);
            // One char is not a query (nothing to show while it is all that is typed).
            let empty = ["nothing here", "2"].contains(&input);
            assert_eq!(want.is_empty(), empty, "{input}");
            assert_eq!(hits(&split, &split_manifest), want, "{input}");
        }
    }

    fn weights_of(doc: &Document) -> Vec<(String, u32)> {
        let weights = weights(doc);
        let mut terms: Vec<(String, u32)> =
            weights.terms().map(|(t, w)| (t.to_owned(), w)).collect();
        terms.sort();
        terms
    }

    #[test]
    fn text_counts_up_to_four_and_title_and_facts_count_once() {
        let doc = Document {
            title: "Ledger rollback: ledger".into(),
            meta: "Ledger runbook".into(),
            hidden: "ops".into(),
            text: "ledger LEDGER ledgers ledger ledger; the rollback rolled".into(),
            ..Document::default()
        };
        let want = [
            ("ledger", TEXT_MAX + TITLE + FACTS),
            ("ops", FACTS),
            ("roll", 1),
            ("rollback", 1 + TITLE),
            ("runbook", FACTS),
        ];
        let want: Vec<(String, u32)> = want.iter().map(|(t, w)| (t.to_string(), *w)).collect();
        assert_eq!(weights_of(&doc), want);
    }

    #[test]
    fn a_section_weighs_its_own_title_and_no_facts() {
        let part = "Hotfix › ";
        let doc = Document {
            title: format!("{part}Dashboards"),
            meta: "Deploy runbook".into(),
            text: "Open the boards".into(),
            own_title_from: Some(part.len()),
            ..Document::default()
        };
        let want = [("board", 1), ("dashboard", TITLE), ("open", 1)];
        let want: Vec<(String, u32)> = want.iter().map(|(t, w)| (t.to_string(), *w)).collect();
        assert_eq!(weights_of(&doc), want);
    }

    #[test]
    fn a_stem_that_is_not_a_prefix_of_its_word_is_kept_whole() {
        let mut weights = Weights {
            fields: Default::default(),
            spans: Vec::new(),
        };
        let (field, start, end) = weights.place(0, 5, "entries", "entry");
        weights.spans.push((field, start, end, 1));
        let (field, start, end) = weights.place(0, 4, "ledgers", "ledger");
        weights.fields[0] = "the ledgers".into();
        weights.spans.push((field, start, end, 2));
        let terms: Vec<(&str, u32)> = weights.terms().collect();
        assert_eq!(terms, [("entry", 1), ("ledger", 2)]);
    }

    #[test]
    fn same_documents_same_bytes() {
        assert_eq!(encode(&docs(), &[]), encode(&docs(), &[]));
    }
}
