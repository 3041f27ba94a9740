//! A query, from what was typed to ranked results: which shards it needs, the hits found in
//! them, and each result's title and highlighted snippet. Plain Rust, tested natively; the
//! browser layer (`dom`) only fetches files and draws.
//!
//! Ranking, best first: a commit whose SHA starts with the query (7+ hex digits); an
//! identifier equal to the query (ticket, `system version`, version, name, chat handle,
//! runbook title); an identifier that starts with it (shorter first); then documents
//! matching every word, by weight (title words count 16, facts 4, body words 1-4) times
//! how rare the word is; documents matching only some of the words come only when nothing
//! above matched.

use alloc::string::String;
use alloc::vec::Vec;

use crate::index::{self, Corrupt, Family, Manifest, Record};
use crate::text;

/// Results shown at most.
pub const LIMIT: usize = 12;
/// Words of a query looked up at most; the rest are ignored.
const MAX_WORDS: usize = 8;
/// Index terms one unfinished last word may expand to.
const MAX_EXPANSIONS: usize = 24;

/// A parsed query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// The whole query as an identifier (see [`text::key`]); empty when under 2 chars.
    pub key: String,
    /// Stemmed words; the last one also as a prefix while it is being typed.
    pub words: Vec<String>,
    pub prefix: Option<String>,
}

impl Query {
    pub fn parse(input: &str) -> Query {
        let end = input
            .char_indices()
            .nth(text::MAX_QUERY)
            .map_or(input.len(), |(i, _)| i);
        let input = text::sub(input, 0, end);
        let mut key = text::key(input);
        if key.chars().count() < 2 {
            key.clear();
        }
        let folded = text::fold(input);
        let mut words: Vec<String> = Vec::new();
        let mut prefix = None;
        let all: Vec<&str> = text::words(&folded)
            .map(|(_, w)| w)
            .filter(|w| w.len() >= 2)
            .collect();
        let typing = !input.ends_with(text::is_space);
        for (i, word) in all.iter().enumerate() {
            let last = i + 1 == all.len();
            if last && typing && word.len() >= 2 {
                prefix = Some(String::from(*word));
            }
            if text::is_stop_word(word) && !(last && prefix.is_some()) {
                continue;
            }
            let stem = String::from(text::stem(word));
            if !words.contains(&stem) && words.len() < MAX_WORDS {
                words.push(stem);
            }
        }
        Query { key, words, prefix }
    }

    pub fn is_empty(&self) -> bool {
        self.key.is_empty() && self.words.is_empty()
    }

    /// The hits in the shards at hand (`shard(path)` gives a shard's text, `None` when it
    /// has not arrived), best first, at most [`LIMIT`]; complete once nothing is missing.
    pub fn hits<'a>(
        &self,
        manifest: &Manifest,
        shard: &dyn Fn(&str) -> Option<&'a str>,
    ) -> Result<Vec<Hit>, Corrupt> {
        Ok(self.search(manifest, shard)?.hits)
    }

    /// What the shards at hand answer, and the shards still missing. Lines are read in key
    /// order and only as far as ranking uses them (64 identifiers, [`LIMIT`] commits,
    /// [`MAX_EXPANSIONS`] terms per word), so a short prefix over a split shard reads its
    /// parts one after another and stops at the first that ranks nothing more: `missing`
    /// holds the next shard each lookup needs, and the caller asks again once they arrive.
    pub fn search<'a>(
        &self,
        manifest: &Manifest,
        shard: &dyn Fn(&str) -> Option<&'a str>,
    ) -> Result<Found, Corrupt> {
        let mut shards = Shards {
            manifest,
            shard,
            missing: Vec::new(),
        };
        let mut hits: Vec<Hit> = Vec::new();
        if !self.key.is_empty() {
            if text::is_sha_prefix(&self.key) {
                shards.scan(Family::Commits, &self.key, &mut |sha, value| {
                    let (doc, subject) = index::commit(value)?;
                    hits.push(Hit {
                        doc,
                        tier: 4,
                        score: u32::MAX - hits.len() as u32,
                        commit: Some((String::from(sha), String::from(subject))),
                    });
                    Ok(hits.len() < LIMIT)
                })?;
            }
            let mut keys = 0;
            shards.scan(Family::Keys, &self.key, &mut |key, docs| {
                let tier = if key == self.key { 3 } else { 2 };
                let score = u32::MAX - key.len() as u32;
                for doc in index::key_docs(docs)? {
                    push_best(&mut hits, doc, tier, score);
                }
                keys += 1;
                Ok(keys < MAX_KEYS)
            })?;
        }
        let identified = hits.len();
        for (doc, matched, score) in self.text_hits(&mut shards)? {
            let tier = u8::from(matched as usize == self.words.len());
            let score = matched * 1_000_000 + score;
            let known = hits.get(..identified).unwrap_or(&[]);
            if !known.iter().any(|h| h.doc == doc && h.commit.is_none()) {
                hits.push(Hit {
                    doc,
                    tier,
                    score,
                    commit: None,
                });
            }
        }
        // Documents with only some of the words are shown only when nothing better matched.
        if hits.iter().any(|h| h.tier > 0) {
            hits.retain(|h| h.tier > 0);
        }
        Ok(Found {
            hits: best_first(hits),
            missing: shards.missing,
        })
    }

    /// Documents matching some words: (document, words matched, score), by document.
    fn text_hits(&self, shards: &mut Shards<'_, '_>) -> Result<Vec<(u32, u32, u32)>, Corrupt> {
        let mut scores: Vec<(u32, u32, u32)> = Vec::new();
        let n = self.words.len();
        let docs = shards.manifest.docs;
        for (i, word) in self.words.iter().enumerate() {
            let prefix = self.prefix.as_deref().filter(|_| i + 1 == n);
            let lookup = prefix.unwrap_or(word);
            let mut best: Vec<(u32, u32)> = Vec::new();
            let add = |value: &str, best: &mut Vec<(u32, u32)>| -> Result<(), Corrupt> {
                let postings = index::postings(value)?;
                let idf = rarity(postings.len() as u32, docs);
                let scored = postings
                    .into_iter()
                    .map(|(doc, weight)| (doc, weight * idf));
                *best = merge(core::mem::take(best), scored, |a, b| a.max(b), |w| w);
                Ok(())
            };
            // Every term starting with the looked-up word (the exact stem first, when it
            // is the word looked up), up to MAX_EXPANSIONS others.
            let mut expansions = 0;
            shards.scan(Family::Terms, lookup, &mut |term, value| {
                if term != word.as_str() {
                    expansions += 1;
                }
                add(value, &mut best)?;
                Ok(expansions < MAX_EXPANSIONS)
            })?;
            // While typing, the exact stem when the typed word is longer ("rollbacks"
            // typed, "rollback" indexed): the prefix scan does not reach it.
            if lookup != word.as_str() {
                if let Some(value) = shards.exact(Family::Terms, word)? {
                    add(value, &mut best)?;
                }
            }
            scores = merge(
                scores.into_iter().map(|(d, m, s)| (d, (m, s))),
                best,
                |(m, s), score| (m + 1, s + score),
                |score| (1, score),
            )
            .into_iter()
            .map(|(d, (m, s))| (d, m, s))
            .collect();
        }
        Ok(scores)
    }
}

/// Identifiers that start with the query read at most.
const MAX_KEYS: usize = 64;

/// What a query found in the shards at hand ([`Query::search`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub hits: Vec<Hit>,
    /// Shards (paths relative to `search/`) the answer still needs; empty when complete.
    pub missing: Vec<String>,
}

/// The shards of one search: those at hand, and those found missing on the way.
struct Shards<'m, 'a> {
    manifest: &'m Manifest,
    shard: &'m dyn Fn(&str) -> Option<&'a str>,
    missing: Vec<String>,
}

impl<'a> Shards<'_, 'a> {
    /// Shard `name`'s text, or `None` (noted missing) while it is not at hand.
    fn get(&mut self, family: Family, name: &str) -> Option<&'a str> {
        let mut path = String::from(family.dir());
        path.push_str(name);
        path.push_str(".txt");
        let text = (self.shard)(&path);
        if text.is_none() && !self.missing.contains(&path) {
            self.missing.push(path);
        }
        text
    }

    /// Hands `each` the lines whose key starts with `prefix`, in key order, until it says
    /// stop (`false`) or a shard is not at hand. Parts of a split shard are asked for in
    /// rounds of 1, 1, 2, 4, ... (as many as were read before): a scan that stops in its
    /// first part fetches nothing more, and one through many small parts takes a few round
    /// trips, not one per part.
    fn scan(
        &mut self,
        family: Family,
        prefix: &str,
        each: &mut dyn FnMut(&'a str, &'a str) -> Result<bool, Corrupt>,
    ) -> Result<(), Corrupt> {
        let names: Vec<String> = self
            .manifest
            .shards(family, prefix)
            .into_iter()
            .map(String::from)
            .collect();
        for (read, name) in names.iter().enumerate() {
            let Some(text) = self.get(family, name) else {
                for next in names.iter().skip(read + 1).take(read.saturating_sub(1)) {
                    self.get(family, next);
                }
                return Ok(());
            };
            for line in index::lines_with_prefix(text, prefix) {
                let (key, value) = line?;
                if !each(key, value)? {
                    return Ok(());
                }
            }
        }
        Ok(())
    }

    /// The value of `key` itself, from the one shard that can hold it.
    fn exact(&mut self, family: Family, key: &str) -> Result<Option<&'a str>, Corrupt> {
        let Some(name) = self.manifest.home(family, key).map(String::from) else {
            return Ok(None);
        };
        let Some(text) = self.get(family, &name) else {
            return Ok(None);
        };
        for line in index::lines_with_prefix(text, key) {
            match line? {
                (k, value) if k == key => return Ok(Some(value)),
                _ => {}
            }
        }
        Ok(None)
    }
}

/// Two lists sorted by document merged into one: `both` where a document is in both,
/// `only_b` where it is only in `b` (allocation-free of `Vec::insert`, which would also pull
/// panic formatting into the client).
fn merge<A: Copy, B: Copy>(
    a: impl IntoIterator<Item = (u32, A)>,
    b: impl IntoIterator<Item = (u32, B)>,
    both: impl Fn(A, B) -> A,
    only_b: impl Fn(B) -> A,
) -> Vec<(u32, A)> {
    let mut out = Vec::new();
    let mut a = a.into_iter().peekable();
    let mut b = b.into_iter().peekable();
    loop {
        let next = match (a.peek().copied(), b.peek().copied()) {
            (Some((da, va)), Some((db, vb))) if da == db => {
                a.next();
                b.next();
                (da, both(va, vb))
            }
            (Some((da, va)), Some((db, _))) if da < db => {
                a.next();
                (da, va)
            }
            (Some((da, va)), None) => {
                a.next();
                (da, va)
            }
            (_, Some((db, vb))) => {
                b.next();
                (db, only_b(vb))
            }
            (None, None) => return out,
        };
        out.push(next);
    }
}

/// The best [`LIMIT`] hits, best first: tier, then score, then lowest document, then SHA.
/// A selection, not a sort: the client carries no sort code.
fn best_first(hits: Vec<Hit>) -> Vec<Hit> {
    let better = |a: &Hit, b: &Hit| {
        (
            a.tier,
            a.score,
            core::cmp::Reverse(a.doc),
            core::cmp::Reverse(&a.commit),
        ) > (
            b.tier,
            b.score,
            core::cmp::Reverse(b.doc),
            core::cmp::Reverse(&b.commit),
        )
    };
    let mut taken: Vec<usize> = Vec::new();
    let mut out = Vec::new();
    while out.len() < LIMIT {
        let mut best: Option<(usize, &Hit)> = None;
        for (i, hit) in hits.iter().enumerate() {
            if !taken.contains(&i) && best.is_none_or(|(_, b)| better(hit, b)) {
                best = Some((i, hit));
            }
        }
        let Some((i, hit)) = best else {
            break;
        };
        taken.push(i);
        out.push(hit.clone());
    }
    out
}

/// How rare a term is: 1 (in every document) to 20 (in one).
fn rarity(df: u32, docs: u32) -> u32 {
    let bits = |n: u32| 32 - n.max(1).leading_zeros();
    1 + (bits(docs) * 19 / 20)
        .saturating_sub(bits(df).saturating_sub(1))
        .min(19)
}

fn push_best(hits: &mut Vec<Hit>, doc: u32, tier: u8, score: u32) {
    match hits.iter_mut().find(|h| h.doc == doc && h.commit.is_none()) {
        Some(hit) => {
            if (tier, score) > (hit.tier, hit.score) {
                hit.tier = tier;
                hit.score = score;
            }
        }
        None => hits.push(Hit {
            doc,
            tier,
            score,
            commit: None,
        }),
    }
}

/// A document found, and how well it matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub doc: u32,
    /// 4 commit, 3 exact identifier, 2 identifier prefix, 1 every word, 0 some words.
    pub tier: u8,
    pub score: u32,
    /// A commit hit: its SHA and subject; `doc` is the release that first shipped it.
    pub commit: Option<(String, String)>,
}

/// A result group, in the words of the page.
pub fn group_label(group: u8) -> &'static str {
    match group {
        b'r' => "Releases",
        b'b' => "Runbooks",
        b's' => "Systems",
        b'p' => "People",
        b'o' => "On call and escalation",
        b't' => "Release trains",
        b'v' => "System versions",
        _ => "Commits",
    }
}

/// One result as shown: a link with a title and a snippet (text, highlighted) parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    /// `r`, `b`, `s`, `p`, `o`, `t`, `v`, or `c` for a commit.
    pub group: u8,
    pub url: String,
    pub title: String,
    pub snippet: Vec<(String, bool)>,
}

/// Characters of context in a snippet.
const SNIPPET: usize = 160;

impl Query {
    /// What a hit shows, from its document's record.
    pub fn show(&self, hit: &Hit, record: &Record<'_>) -> Shown {
        if let Some((sha, subject)) = &hit.commit {
            let mut title = String::from("Commit ");
            title.push_str(text::cut(sha, 10));
            let mut facts = String::from("First shipped in ");
            facts.push_str(record.title);
            if record.rollback.is_empty() {
                facts.push_str("; a rollback has no earlier release to return to. ");
            } else {
                facts.push_str("; a rollback returns to ");
                facts.push_str(record.rollback);
                facts.push_str(". ");
            }
            facts.push_str(subject);
            return Shown {
                group: b'c',
                url: String::from(record.url),
                title,
                snippet: self.snippet(&facts),
            };
        }
        let source = if hit.tier < 2 && !record.text.is_empty() {
            record.text
        } else {
            record.meta
        };
        Shown {
            group: record.group,
            url: String::from(record.url),
            title: String::from(record.title),
            snippet: self.snippet(source),
        }
    }

    /// Whether a folded word of a page matches the query.
    fn matches(&self, folded: &str) -> bool {
        let stem = text::stem(folded);
        self.words.iter().any(|w| w == stem)
            || self
                .prefix
                .as_deref()
                .is_some_and(|p| folded.starts_with(p))
    }

    /// About [`SNIPPET`] chars of `source` around its first match, matches highlighted.
    pub fn snippet(&self, source: &str) -> Vec<(String, bool)> {
        // Words of the original text (byte ranges), each folded.
        let mut marks: Vec<(usize, usize)> = Vec::new();
        let mut start = None;
        let mut folded = String::new();
        let check = |s: usize, e: usize, folded: &mut String, marks: &mut Vec<(usize, usize)>| {
            if !folded.is_empty() && self.matches(text::cut(folded, text::MAX_WORD)) {
                marks.push((s, e));
            }
            folded.clear();
        };
        for (i, c) in source.char_indices() {
            let mut one = String::new();
            text::fold_char(c, &mut one);
            if one.chars().all(text::is_word_char) && !one.is_empty() {
                start.get_or_insert(i);
                folded.push_str(&one);
            } else if let Some(s) = start.take() {
                check(s, i, &mut folded, &mut marks);
            }
        }
        if let Some(s) = start {
            check(s, source.len(), &mut folded, &mut marks);
        }
        let first = marks.first().map_or(0, |m| m.0);
        let from = char_back(source, first, SNIPPET / 3);
        let from = if from == 0 {
            0
        } else {
            text::sub(source, from, first)
                .find(' ')
                .map_or(from, |sp| from + sp + 1)
        };
        let to = char_forward(source, from, SNIPPET);
        let mut parts: Vec<(String, bool)> = Vec::new();
        let mut at = from;
        if from > 0 {
            parts.push((String::from("…"), false));
        }
        for &(s, e) in marks.iter().filter(|m| m.0 >= from && m.1 <= to) {
            if s > at {
                parts.push((String::from(text::sub(source, at, s)), false));
            }
            parts.push((String::from(text::sub(source, s, e)), true));
            at = e;
        }
        if to > at {
            parts.push((String::from(text::sub(source, at, to)), false));
        }
        if to < source.len() {
            parts.push((String::from("…"), false));
        }
        parts
    }
}

/// The byte index `n` chars before `at` (or 0).
fn char_back(s: &str, at: usize, n: usize) -> usize {
    text::sub(s, 0, at)
        .char_indices()
        .rev()
        .nth(n.saturating_sub(1))
        .map_or(0, |(i, _)| i)
}

/// The byte index `n` chars after `at` (or the end).
fn char_forward(s: &str, at: usize, n: usize) -> usize {
    text::sub(s, at, s.len())
        .char_indices()
        .nth(n)
        .map_or(s.len(), |(i, _)| at + i)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::collections::BTreeMap;

    fn manifest() -> Manifest {
        Manifest::parse("shipboard-search 2\ndocs 4\nbucket 2\nk 3266 7061\nt 6c65 726f\nc 3366\n")
            .unwrap()
    }

    fn shards() -> BTreeMap<&'static str, &'static str> {
        BTreeMap::from([
            (
                "k/7061.txt",
                "pay-456\t1,2\npay-4567\t3\npayments 2.4.0\t1\n",
            ),
            ("k/3266.txt", "2f\t0\n"),
            ("t/6c65.txt", "ledger\t0:16 3:2\n"),
            ("t/726f.txt", "roll\t2\nrollback\t0:16 1 1\nrollout\t3\n"),
            (
                "c/3366.txt",
                "3f9c2ab1\t2\tfix: retry\n3f9c2ab9\t1\tfeat: more\n",
            ),
        ])
    }

    fn hits(input: &str) -> Vec<(u32, u8)> {
        let shards = shards();
        let q = Query::parse(input);
        let got = q.hits(&manifest(), &|p| shards.get(p).copied()).unwrap();
        got.iter().map(|h| (h.doc, h.tier)).collect()
    }

    #[test]
    fn parses() {
        let q = Query::parse("The Ledger rollbacks");
        assert_eq!(q.key, "the ledger rollbacks");
        assert_eq!(q.words, ["ledger", "rollback"]);
        assert_eq!(q.prefix.as_deref(), Some("rollbacks"));
        assert_eq!(Query::parse("ledger ").prefix, None);
        assert!(Query::parse("x").key.is_empty());
        assert!(Query::parse("🚀 ").is_empty());
        let long = "word ".repeat(2_000);
        assert!(Query::parse(&long).words.len() <= MAX_WORDS);
    }

    #[test]
    fn shards_needed_exist() {
        let none = |_: &str| None;
        let missing = |input: &str| Query::parse(input).search(&manifest(), &none).unwrap();
        assert_eq!(missing("3f9c2ab").missing, ["c/3366.txt"]);
        assert_eq!(
            missing("payments rollb").missing,
            ["k/7061.txt", "t/726f.txt"]
        );
        let shards = shards();
        let all = Query::parse("payments rollb").search(&manifest(), &|p| shards.get(p).copied());
        assert!(all.unwrap().missing.is_empty());
    }

    /// `shards()` with `ro` of the terms split into `ro` (the term "ro"), `rol` and `rou`,
    /// and `pa` of the identifiers into `pay-`, `paym`.
    fn split_index() -> (Manifest, BTreeMap<&'static str, &'static str>) {
        let manifest = Manifest::parse(
            "shipboard-search 2\ndocs 4\nbucket 2\nk 3266 7061792d 7061796d\nt 6c65 726f 726f6c 726f75\nc 3366\n",
        )
        .unwrap();
        let mut split = shards();
        split.remove("k/7061.txt");
        split.remove("t/726f.txt");
        split.insert("k/7061792d.txt", "pay-456\t1,2\npay-4567\t3\n");
        split.insert("k/7061796d.txt", "payments 2.4.0\t1\n");
        split.insert("t/726f.txt", "ro\t1\n");
        split.insert("t/726f6c.txt", "roll\t2\nrollback\t0:16 1 1\nrollout\t3\n");
        split.insert("t/726f75.txt", "route\t1:4\n");
        (manifest, split)
    }

    #[test]
    fn split_shards_answer_as_the_whole_one() {
        let mut whole = shards();
        whole.insert(
            "t/726f.txt",
            "ro\t1\nroll\t2\nrollback\t0:16 1 1\nrollout\t3\nroute\t1:4\n",
        );
        let (split_manifest, split) = split_index();
        for input in [
            "pa",
            "pay",
            "PAY-456",
            "payments 2",
            "ro",
            "rol",
            "roll",
            "rollbacks",
            "rou",
            "ledger ro",
        ] {
            let q = Query::parse(input);
            let a = q.search(&manifest(), &|p| whole.get(p).copied()).unwrap();
            let b = q
                .search(&split_manifest, &|p| split.get(p).copied())
                .unwrap();
            assert!(a.missing.is_empty() && b.missing.is_empty(), "{input}");
            assert_eq!(a.hits, b.hits, "{input}");
            assert!(!a.hits.is_empty(), "{input}");
        }
    }

    /// The shards a search fetches, round by round, each round what was missing after
    /// the one before arrived (as the box does).
    fn rounds(
        q: &Query,
        manifest: &Manifest,
        files: &BTreeMap<String, String>,
    ) -> Vec<Vec<String>> {
        let mut have: Vec<String> = Vec::new();
        let mut rounds = Vec::new();
        loop {
            let got = |p: &str| have.iter().any(|h| h == p).then(|| files[p].as_str());
            let found = q.search(manifest, &got).unwrap();
            if found.missing.is_empty() {
                return rounds;
            }
            have.extend(found.missing.iter().cloned());
            rounds.push(found.missing);
        }
    }

    #[test]
    fn a_short_prefix_reads_the_parts_in_order_while_it_needs_more() {
        let (manifest, split) = split_index();
        let files = split
            .iter()
            .map(|(k, v)| (String::from(*k), String::from(*v)))
            .collect();
        let asked = rounds(&Query::parse("ro"), &manifest, &files);
        assert_eq!(asked, [["t/726f.txt"], ["t/726f6c.txt"], ["t/726f75.txt"]]);
        // Ten parts of one term each, all needed: rounds of 1, 1, 2, 4, then the last 2.
        let mut files = BTreeMap::new();
        let mut names = String::new();
        for c in b'a'..b'k' {
            let name = alloc::format!("6162{c:x}");
            names.push(' ');
            names.push_str(&name);
            files.insert(
                alloc::format!("t/{name}.txt"),
                alloc::format!("ab{}\t1\n", char::from(c)),
            );
        }
        let index = alloc::format!("shipboard-search 2\ndocs 4\nbucket 2\nk\nt{names}\nc\n");
        let manifest = Manifest::parse(&index).unwrap();
        let sizes: Vec<usize> = rounds(&Query::parse("ab"), &manifest, &files)
            .iter()
            .map(Vec::len)
            .collect();
        assert_eq!(sizes, [1, 1, 2, 4, 2]);
    }

    #[test]
    fn a_prefix_stops_reading_parts_once_ranking_has_enough() {
        // 30 terms under `ab` in `ab`'s first part: a second part is never read.
        let mut first = String::new();
        for i in 0..30 {
            first.push_str(&alloc::format!("ab{i:02}\t1\n"));
        }
        let manifest =
            Manifest::parse("shipboard-search 2\ndocs 4\nbucket 2\nk\nt 616230 616231 616232\nc\n")
                .unwrap();
        let q = Query::parse("ab");
        let found = q
            .search(&manifest, &|p| {
                (p == "t/616230.txt").then_some(first.as_str())
            })
            .unwrap();
        assert!(found.missing.is_empty(), "{:?}", found.missing);
        assert_eq!(found.hits.len(), 1);
    }

    #[test]
    fn exact_identifiers_first_then_prefixes() {
        assert_eq!(hits("PAY-456"), [(1, 3), (2, 3), (3, 2)]);
        assert_eq!(hits("payments 2.4")[0], (1, 2));
    }

    #[test]
    fn commits_by_prefix() {
        let shards = shards();
        let q = Query::parse("3F9C2AB");
        let got = q.hits(&manifest(), &|p| shards.get(p).copied()).unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(
            got[0].commit.as_ref().map(|c| c.0.as_str()),
            Some("3f9c2ab1")
        );
        assert!(hits("3f9c2ac").is_empty());
        assert!(hits("deadbeefdeadbeef").is_empty());
    }

    #[test]
    fn words_all_before_some_and_titles_first() {
        assert_eq!(hits("ledger rollback "), [(0, 1)]);
        // Some words only, when nothing has them all.
        assert_eq!(hits("ledger nothing "), [(0, 0), (3, 0)]);
        // The last word as a prefix while typing: "roll" finds roll, rollback, rollout.
        let got = hits("roll");
        assert_eq!(got.len(), 4);
        assert_eq!(got[0], (0, 1));
    }

    #[test]
    fn corrupt_shards_are_errors() {
        let q = Query::parse("ledger");
        let bad = |_: &str| Some("ledger\t0:x\n");
        assert_eq!(q.hits(&manifest(), &bad), Err(Corrupt));
        let bad = |_: &str| Some("ledger 0\n");
        assert_eq!(q.hits(&manifest(), &bad), Err(Corrupt));
    }

    #[test]
    fn snippets_highlight_matches() {
        let q = Query::parse("rollback ledger");
        let parts = q.snippet("Run the Ledger rollbacks now.");
        let marked: Vec<&str> = parts.iter().filter(|p| p.1).map(|p| p.0.as_str()).collect();
        assert_eq!(marked, ["Ledger", "rollbacks"]);
        let joined: String = parts.iter().map(|p| p.0.as_str()).collect();
        assert_eq!(joined, "Run the Ledger rollbacks now.");
        let long = alloc::format!(
            "{} Crème ledger {}",
            "word ".repeat(100),
            "tail ".repeat(100)
        );
        let parts = q.snippet(&long);
        assert_eq!(parts[0].0, "…");
        assert!(parts.iter().any(|p| p.1 && p.0 == "ledger"));
        assert_eq!(parts.last().map(|p| p.0.as_str()), Some("…"));
        let accented = Query::parse("creme").snippet("La Crème");
        assert_eq!(accented[1], (String::from("Crème"), true));
    }

    #[test]
    fn commit_results_say_release_and_rollback() {
        let q = Query::parse("3f9c2ab");
        let hit = Hit {
            doc: 2,
            tier: 4,
            score: 0,
            commit: Some((String::from("3f9c2ab1ff"), String::from("fix: retry"))),
        };
        let record = Record {
            group: b'r',
            url: "releases/payments/2.4.0/",
            title: "Payments API 2.4.0",
            meta: "",
            rollback: "2.3.1",
            text: "",
        };
        let shown = q.show(&hit, &record);
        assert_eq!(shown.group, b'c');
        let text: String = shown.snippet.iter().map(|p| p.0.as_str()).collect();
        assert_eq!(
            text,
            "First shipped in Payments API 2.4.0; a rollback returns to 2.3.1. fix: retry"
        );
    }
}
