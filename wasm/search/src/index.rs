//! Reading the search index (the format is documented in the generator's `src/search/mod.rs`,
//! which writes it): the manifest, the three kinds of shard and the record fragments. Every
//! reader returns `Err(Corrupt)` on anything unexpected instead of guessing, so a damaged
//! file makes search say it is unavailable rather than show wrong results.

use alloc::string::String;
use alloc::vec::Vec;

use crate::text;

/// A file of the index that is not in the documented format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Corrupt;

/// First line of `index.txt`; a client refuses any other version.
/// Version 2: shard names are prefixes of any length (a shard over the writer's budget is
/// split by longer prefixes); a version 1 client reading it would miss the split keys.
pub const MAGIC: &str = "shipboard-search 2";

/// `index.txt`: how many documents, how many records per fragment file, and which shards
/// exist (a shard not listed has no entries; a listed one that fails to load is an error).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Manifest {
    pub docs: u32,
    pub bucket: u32,
    /// Sorted shard names per family: identifiers, terms, commits.
    pub keys: Vec<String>,
    pub terms: Vec<String>,
    pub commits: Vec<String>,
}

/// A shard family: its folder in `search/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Keys,
    Terms,
    Commits,
}

impl Family {
    pub fn dir(self) -> &'static str {
        match self {
            Family::Keys => "k/",
            Family::Terms => "t/",
            Family::Commits => "c/",
        }
    }
}

impl Manifest {
    pub fn parse(text: &str) -> Result<Manifest, Corrupt> {
        let mut lines = text.lines();
        if lines.next() != Some(MAGIC) {
            return Err(Corrupt);
        }
        let mut manifest = Manifest::default();
        let mut seen = 0u8;
        for line in lines {
            let (field, rest) = line.split_once(' ').unwrap_or((line, ""));
            match field {
                "docs" => manifest.docs = number(rest)?,
                "bucket" => manifest.bucket = number(rest)?,
                "k" => manifest.keys = names(rest)?,
                "t" => manifest.terms = names(rest)?,
                "c" => manifest.commits = names(rest)?,
                _ => return Err(Corrupt),
            }
            seen += 1;
        }
        if seen != 5 || manifest.bucket == 0 {
            return Err(Corrupt);
        }
        Ok(manifest)
    }

    fn list(&self, family: Family) -> &[String] {
        match family {
            Family::Keys => &self.keys,
            Family::Terms => &self.terms,
            Family::Commits => &self.commits,
        }
    }

    /// Whether shard `name` of `family` exists.
    pub fn has(&self, family: Family, name: &str) -> bool {
        self.list(family)
            .binary_search_by(|n| n.as_str().cmp(name))
            .is_ok()
    }

    /// The shard holding `key` if it is indexed: the longest listed prefix of it (a split
    /// shard keeps only the key equal to its prefix; longer keys are in its parts).
    pub fn home(&self, family: Family, key: &str) -> Option<&str> {
        let list = self.list(family);
        let name = text::hex(key);
        (1..=name.len() / 2).rev().find_map(|chars| {
            let prefix = text::sub(&name, 0, chars * 2);
            let i = list.binary_search_by(|n| n.as_str().cmp(prefix)).ok()?;
            list.get(i).map(String::as_str)
        })
    }

    /// The shards holding the keys that start with `prefix`, in key order: every listed
    /// shard named by `prefix` or a longer one (the parts of a split shard), or else the
    /// [`Manifest::home`] of `prefix`. Names sort as their prefixes do, so reading them in
    /// order reads the keys in order.
    pub fn shards(&self, family: Family, prefix: &str) -> Vec<&str> {
        let list = self.list(family);
        let name = text::hex(prefix);
        if name.is_empty() {
            // Every shard starts with the empty prefix: no query reads them all.
            return Vec::new();
        }
        let from = list.partition_point(|n| n.as_str() < name.as_str());
        let under: Vec<&str> = list
            .get(from..)
            .unwrap_or(&[])
            .iter()
            .take_while(|n| n.starts_with(name.as_str()))
            .map(String::as_str)
            .collect();
        // A listed shorter prefix was split when there are parts under `prefix`: it holds
        // only its own key, which does not start with `prefix`.
        if under.is_empty() {
            self.home(family, prefix).into_iter().collect()
        } else {
            under
        }
    }

    /// The fragment file holding document `doc`'s record, relative to `search/`.
    pub fn fragment_path(&self, doc: u32) -> String {
        let mut path = String::from("f/");
        push_number(&mut path, doc.checked_div(self.bucket).unwrap_or(0));
        path.push_str(".txt");
        path
    }
}

/// A family's shard names: lowercase hex, whole bytes, strictly ascending (the client
/// binary-searches them).
fn names(text: &str) -> Result<Vec<String>, Corrupt> {
    let mut out: Vec<String> = Vec::new();
    for name in text.split_whitespace() {
        let hex = name.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        let ascending = out.last().is_none_or(|last| last.as_str() < name);
        if !hex || name.len() % 2 != 0 || !ascending {
            return Err(Corrupt);
        }
        out.push(String::from(name));
    }
    Ok(out)
}

/// A decimal `u32`, nothing else.
pub fn number(text: &str) -> Result<u32, Corrupt> {
    if text.is_empty() || text.len() > 9 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Corrupt);
    }
    Ok(text.bytes().fold(0, |n, b| n * 10 + u32::from(b - b'0')))
}

/// Appends `n` in decimal (without `format!`, which costs KiB in the client).
pub fn push_number(out: &mut String, n: u32) {
    if n >= 10 {
        push_number(out, n / 10);
    }
    out.push(char::from(b'0' + (n % 10) as u8));
}

/// Lines `key \t value` of a shard whose key starts with `prefix` (shards are sorted by key,
/// so the scan stops at the first key past it).
pub fn lines_with_prefix<'a: 'p, 'p>(
    shard: &'a str,
    prefix: &'p str,
) -> impl Iterator<Item = Result<(&'a str, &'a str), Corrupt>> + 'p {
    shard
        .lines()
        .map(|line| line.split_once('\t').ok_or(Corrupt))
        .skip_while(move |r| matches!(r, Ok((k, _)) if *k < prefix && !k.starts_with(prefix)))
        .take_while(move |r| match r {
            Ok((k, _)) => k.starts_with(prefix),
            Err(_) => true,
        })
}

/// `k/` values: comma-separated document ids.
pub fn key_docs(value: &str) -> Result<Vec<u32>, Corrupt> {
    value.split(',').map(number).collect()
}

/// `t/` values: postings `delta[:weight]`, space-separated, as (document, weight).
pub fn postings(value: &str) -> Result<Vec<(u32, u32)>, Corrupt> {
    let mut doc = 0u32;
    let mut out = Vec::new();
    for posting in value.split(' ') {
        let (delta, weight) = match posting.split_once(':') {
            Some((d, w)) => (number(d)?, number(w)?),
            None => (number(posting)?, 1),
        };
        doc = doc.checked_add(delta).ok_or(Corrupt)?;
        out.push((doc, weight));
    }
    Ok(out)
}

/// `c/` values: `document \t subject`.
pub fn commit(value: &str) -> Result<(u32, &str), Corrupt> {
    let (doc, subject) = value.split_once('\t').ok_or(Corrupt)?;
    Ok((number(doc)?, subject))
}

/// What a result shows: one document's record from a fragment file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record<'a> {
    /// `r` release, `b` runbook (or a section of one), `s` system, `p` person.
    pub group: u8,
    /// Relative to the portal's base path; may end in `#anchor`.
    pub url: &'a str,
    pub title: &'a str,
    /// One line of facts (status, date, owner, ...).
    pub meta: &'a str,
    /// Releases: the version a rollback returns to (may be empty).
    pub rollback: &'a str,
    /// Plain text for snippets (may be empty).
    pub text: &'a str,
}

/// Record `index` (0-based within the file) of a fragment file.
pub fn record(fragment: &str, index: u32) -> Result<Record<'_>, Corrupt> {
    let mut lines = fragment.lines().skip(index as usize * 2);
    let head = lines.next().ok_or(Corrupt)?;
    let text = lines.next().ok_or(Corrupt)?;
    let mut fields = head.split('\t');
    let mut field = || fields.next().ok_or(Corrupt);
    let group = match field()?.as_bytes() {
        [g @ (b'r' | b'b' | b's' | b'p' | b'o' | b't' | b'v')] => *g,
        _ => return Err(Corrupt),
    };
    let (url, title, meta, rollback) = (field()?, field()?, field()?, field()?);
    let double_slash = url.as_bytes().windows(2).any(|w| w == b"//");
    if fields.next().is_some() || url.starts_with('/') || double_slash {
        return Err(Corrupt);
    }
    Ok(Record {
        group,
        url,
        title,
        meta,
        rollback,
        text,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_round() {
        let m = Manifest::parse("shipboard-search 2\ndocs 12\nbucket 4\nk 6162 7061\nt\nc 3366\n");
        let m = m.unwrap();
        assert_eq!((m.docs, m.bucket), (12, 4));
        assert!(m.has(Family::Keys, "7061"));
        assert!(!m.has(Family::Terms, "7061"));
        assert_eq!(m.fragment_path(9), "f/2.txt");
        assert_eq!(Manifest::parse("shipboard-search 2\ndocs 1"), Err(Corrupt));
        // A version 1 index (two-char shards only) is refused, not half read.
        assert_eq!(
            Manifest::parse("shipboard-search 1\ndocs 12\nbucket 4\nk 6162\nt\nc\n"),
            Err(Corrupt)
        );
        assert_eq!(
            Manifest::parse("shipboard-search 2\ndocs x\nbucket 4\nk\nt\nc"),
            Err(Corrupt)
        );
        assert_eq!(
            Manifest::parse("shipboard-search 2\ndocs 1\nbucket 0\nk\nt\nc"),
            Err(Corrupt)
        );
        for names in ["7061 6162", "7061 7061", "706", "70zz", "7O61"] {
            let text = alloc::format!("shipboard-search 2\ndocs 1\nbucket 4\nk {names}\nt\nc\n");
            assert_eq!(Manifest::parse(&text), Err(Corrupt), "{names}");
        }
        assert_eq!(Manifest::parse("<html>"), Err(Corrupt));
    }

    /// `re` was split into `re` (the key "re" alone), `rea` and `rel`, and `rel` into
    /// `rele` and `relo`; `pa` was not split.
    fn split() -> Manifest {
        let names = "7061 7265 726561 72656c65 72656c6f";
        let text = alloc::format!("shipboard-search 2\ndocs 1\nbucket 4\nk {names}\nt\nc\n");
        Manifest::parse(&text).unwrap()
    }

    #[test]
    fn shard_choice_follows_the_splits() {
        let m = split();
        let shards = |prefix: &str| m.shards(Family::Keys, prefix);
        // Longer than every split: the longest listed prefix.
        assert_eq!(shards("release"), ["72656c65"]);
        assert_eq!(shards("payments 2"), ["7061"]);
        assert_eq!(shards("reader"), ["726561"]);
        // Shorter than a split: every part under it, in key order.
        assert_eq!(shards("rel"), ["72656c65", "72656c6f"]);
        assert_eq!(shards("re"), ["7265", "726561", "72656c65", "72656c6f"]);
        // Nothing indexed under it: the split parent holds only its own key, which is the
        // only shard to read (and does not match); no shard at all is none.
        assert_eq!(shards("rex"), ["7265"]);
        assert!(shards("zz").is_empty());
        assert!(shards("").is_empty());
        assert!(m.shards(Family::Terms, "re").is_empty());
        // The home of one key: where the writer put it.
        assert_eq!(m.home(Family::Keys, "re"), Some("7265"));
        assert_eq!(m.home(Family::Keys, "relay"), Some("7265"));
        assert_eq!(m.home(Family::Keys, "rollout"), None);
        assert_eq!(m.home(Family::Keys, "relocate"), Some("72656c6f"));
    }

    #[test]
    fn numbers() {
        assert_eq!(number("0"), Ok(0));
        assert_eq!(number("123456789"), Ok(123_456_789));
        assert_eq!(number("1234567890"), Err(Corrupt));
        assert_eq!(number("-1"), Err(Corrupt));
        assert_eq!(number(""), Err(Corrupt));
        let mut s = String::new();
        push_number(&mut s, 4_294_967_295);
        push_number(&mut s, 0);
        assert_eq!(s, "42949672950");
    }

    #[test]
    fn prefix_scan() {
        let shard = "pa\t1\npay-4\t2\npay-456\t3\npayments 2.4.0\t4\npe\t5\n";
        let got: Vec<_> = lines_with_prefix(shard, "pay").collect();
        assert_eq!(
            got,
            [
                Ok(("pay-4", "2")),
                Ok(("pay-456", "3")),
                Ok(("payments 2.4.0", "4"))
            ]
        );
        let broken: Vec<_> = lines_with_prefix("pa\t1\nbroken\n", "pb").collect();
        assert_eq!(broken, [Err(Corrupt)]);
    }

    #[test]
    fn values() {
        assert_eq!(key_docs("1,5,9"), Ok(alloc::vec![1, 5, 9]));
        assert_eq!(
            postings("3 2:16 10"),
            Ok(alloc::vec![(3, 1), (5, 16), (15, 1)])
        );
        assert_eq!(postings("3 x"), Err(Corrupt));
        assert_eq!(commit("7\tfix: it"), Ok((7, "fix: it")));
    }

    #[test]
    fn records() {
        let f = "r\treleases/a/1.0.0/\ta 1.0.0\tReleased\t0.9.0\nnotes\np\tcontacts/#person-x\tX\t\t\n\n";
        let r = record(f, 1).unwrap();
        assert_eq!(
            (r.group, r.url, r.title, r.text),
            (b'p', "contacts/#person-x", "X", "")
        );
        assert_eq!(record(f, 0).unwrap().rollback, "0.9.0");
        assert_eq!(record(f, 2), Err(Corrupt));
        let plan = "t\ttrains/checkout/1/\tCheckout train, departure 1\tDeparture\t\nIdentity 3.3.0\nv\tsystem-versions/q1/\tQ1\tSystem version\t\n\n";
        assert_eq!(record(plan, 0).unwrap().group, b't');
        assert_eq!(record(plan, 1).unwrap().url, "system-versions/q1/");
        assert_eq!(record("x\ta\tb\tc\td\n\n", 0), Err(Corrupt));
        assert_eq!(record("r\t//evil.example/\tb\tc\td\n\n", 0), Err(Corrupt));
    }
}
