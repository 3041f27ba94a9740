//! Raw git objects: parse commit headers and tree entries straight from object bytes.
//!
//! The history walk reads every commit once through the object database and parses it
//! here, instead of asking libgit2 for a parsed (and cached) commit: one parse per commit,
//! nothing kept that is not needed. Only SHA-1 repositories are supported (as by `git2`
//! without its unstable SHA-256 feature). This module does no I/O.

/// The parts of a commit object the history needs.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct RawCommit<'a> {
    /// Hex id of the root tree.
    pub tree: &'a str,
    /// Hex ids of the parents, in order.
    pub parents: Vec<&'a str>,
    pub author: Signature,
    /// Committer time, seconds since the epoch.
    pub commit_time: i64,
    /// Everything after the header (decode lossily: legacy encodings exist).
    pub message: &'a [u8],
}

/// `Name <email> 1700000000 +0100`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Signature {
    pub name: String,
    pub email: String,
    pub time: i64,
    /// Offset from UTC in minutes.
    pub offset_minutes: i32,
}

/// Parses a commit object. `None` when the bytes are not a well-formed commit.
pub(crate) fn parse_commit(data: &[u8]) -> Option<RawCommit<'_>> {
    let split = find(data, b"\n\n").unwrap_or(data.len());
    let message = data.get(split + 2..).unwrap_or(&[]);
    let mut tree = None;
    let mut parents = Vec::new();
    let mut author = None;
    let mut commit_time = None;
    for line in data[..split].split(|b| *b == b'\n') {
        if let Some(id) = line.strip_prefix(b"tree ") {
            tree = Some(std::str::from_utf8(id).ok()?.trim());
        } else if let Some(id) = line.strip_prefix(b"parent ") {
            parents.push(std::str::from_utf8(id).ok()?.trim());
        } else if let Some(sig) = line.strip_prefix(b"author ") {
            author = parse_signature(&String::from_utf8_lossy(sig));
        } else if let Some(sig) = line.strip_prefix(b"committer ") {
            commit_time = parse_signature(&String::from_utf8_lossy(sig)).map(|s| s.time);
        }
    }
    let author = author?;
    Some(RawCommit {
        tree: tree?,
        parents,
        commit_time: commit_time.unwrap_or(author.time),
        author,
        message,
    })
}

/// Parses `Name <email> seconds +hhmm`.
pub(crate) fn parse_signature(text: &str) -> Option<Signature> {
    let open = text.rfind('<')?;
    let close = open + text[open..].find('>')?;
    let name = text[..open].trim();
    let email = &text[open + 1..close];
    let mut rest = text[close + 1..].split_whitespace();
    let time = rest.next()?.parse::<i64>().ok()?;
    let offset_minutes = rest.next().map(parse_offset).unwrap_or(Some(0))?;
    Some(Signature {
        name: name.to_owned(),
        email: email.to_owned(),
        time,
        offset_minutes,
    })
}

fn parse_offset(text: &str) -> Option<i32> {
    let (sign, digits) = match text.as_bytes().first()? {
        b'+' => (1, &text[1..]),
        b'-' => (-1, &text[1..]),
        _ => (1, text),
    };
    if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let hours: i32 = digits[..2].parse().ok()?;
    let minutes: i32 = digits[2..].parse().ok()?;
    Some(sign * (hours * 60 + minutes))
}

/// One entry of a tree object.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct TreeEntry<'a> {
    pub is_tree: bool,
    pub name: &'a [u8],
    pub id: &'a [u8],
}

/// Iterates the entries of a tree object (`mode SP name NUL id20`), stopping at the first
/// malformed entry.
pub(crate) fn tree_entries(data: &[u8]) -> impl Iterator<Item = TreeEntry<'_>> {
    let mut rest = data;
    std::iter::from_fn(move || {
        let space = rest.iter().position(|b| *b == b' ')?;
        let nul = space + rest[space..].iter().position(|b| *b == 0)?;
        let id = rest.get(nul + 1..nul + 21)?;
        let entry = TreeEntry {
            is_tree: &rest[..space] == b"40000",
            name: &rest[space + 1..nul],
            id,
        };
        rest = &rest[nul + 21..];
        Some(entry)
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Splits a message into subject (first paragraph, joined) and body.
pub(crate) fn split_message(message: &str) -> (String, &str) {
    let message = message.trim_start_matches(['\n', '\r']);
    let (first, body) = match message.find("\n\n") {
        Some(at) => (&message[..at], &message[at + 2..]),
        None => (message, ""),
    };
    let subject = first.lines().map(str::trim).collect::<Vec<_>>().join(" ");
    (subject, body)
}

/// A merge's own description: `Merge pull request #12 from x` with the body `feat: y`
/// is described by `feat: y`. `None` when the subject is not a generic merge subject or
/// the body is empty.
pub(crate) fn merge_subject<'a>(subject: &str, body: &'a str) -> Option<&'a str> {
    if !subject.starts_with("Merge ") {
        return None;
    }
    body.lines().map(str::trim).find(|l| !l.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    const COMMIT: &[u8] = b"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n\
parent 1111111111111111111111111111111111111111\n\
parent 2222222222222222222222222222222222222222\n\
author Priya Raman <priya@example.com> 1758567600 +0200\n\
committer Li Wei <li@example.com> 1758571200 -0130\n\
gpgsig -----BEGIN PGP SIGNATURE-----\n \n -----END PGP SIGNATURE-----\n\
\n\
feat(refunds): partial refunds\n\nBody.\n";

    #[test]
    fn parses_commit_headers() {
        let c = parse_commit(COMMIT).unwrap();
        assert_eq!(c.tree, "4b825dc642cb6eb9a060e54bf8d69288fbee4904");
        assert_eq!(c.parents.len(), 2);
        assert_eq!(c.author.name, "Priya Raman");
        assert_eq!(c.author.email, "priya@example.com");
        assert_eq!(c.author.time, 1758567600);
        assert_eq!(c.author.offset_minutes, 120);
        assert_eq!(c.commit_time, 1758571200);
        assert_eq!(c.message, b"feat(refunds): partial refunds\n\nBody.\n");
    }

    #[test]
    fn rejects_garbage_without_panicking() {
        assert_eq!(parse_commit(b""), None);
        assert_eq!(parse_commit(b"tree x\n\nmsg"), None);
        assert_eq!(parse_signature("no email 12"), None);
        assert_eq!(parse_signature("A <a> notanumber"), None);
        assert_eq!(parse_offset("-0130"), Some(-90));
        assert_eq!(parse_offset("+01"), None);
    }

    #[test]
    fn iterates_tree_entries() {
        let mut data = b"40000 services\0".to_vec();
        data.extend([7u8; 20]);
        data.extend(b"100644 README.md\0");
        data.extend([9u8; 20]);
        let entries: Vec<TreeEntry> = tree_entries(&data).collect();
        assert_eq!(entries.len(), 2);
        assert!(entries[0].is_tree);
        assert_eq!(entries[0].name, b"services");
        assert_eq!(entries[1].id, &[9u8; 20]);
        assert_eq!(tree_entries(&data[..40]).count(), 1);
    }

    #[test]
    fn merges_are_described_by_their_body() {
        assert_eq!(
            merge_subject(
                "Merge pull request #12 from d/w",
                "\nfeat(wallet): top-ups\n\nMore."
            ),
            Some("feat(wallet): top-ups")
        );
        assert_eq!(merge_subject("Merge branch 'x'", ""), None);
        assert_eq!(merge_subject("feat: squash-merged", "body"), None);
    }

    #[test]
    fn splits_subject_and_body() {
        assert_eq!(
            split_message("a\nb\n\nbody\n"),
            ("a b".to_owned(), "body\n")
        );
        assert_eq!(split_message("only"), ("only".to_owned(), ""));
    }
}
