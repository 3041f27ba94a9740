//! Text rules shared by the index writer and the browser: case and accent folding, words,
//! stop words, stemming and shard names. Both sides must agree exactly, which is why this
//! lives in one crate that the generator and the WebAssembly client both compile.
//!
//! **Accents.** Folding uses a table of Latin-1 Supplement and Latin Extended-A
//! (U+00C0–U+017F: `é` -> `e`, `ß` -> `ss`, `Ł` -> `l`, `œ` -> `oe`), which covers the names
//! and words of Western and Central European languages. Not `unicode-normalization`: its
//! decomposition tables would add tens of KiB to a client whose whole budget is 25 KiB
//! gzipped. Other scripts are kept as they are (searchable as written, not folded or
//! lowercased: Unicode's case tables would cost the client KiB too).

use alloc::string::String;
use alloc::vec::Vec;

/// Base letters of U+00C0..=U+017F, one per code point (`*` for the few that expand or are
/// not letters; see [`fold_char`]).
const LATIN: &[u8; 192] = b"aaaaaa*ceeeeiiiidnooooo*ouuuuyt*\
aaaaaa*ceeeeiiiidnooooo*ouuuuyty\
aaaaaaccccccccddddeeeeeeeeeegggg\
gggghhhhiiiiiiiiii**jjkkklllllll\
lllnnnnnnnnnoooooo**rrrrrrssssss\
ssttttttuuuuuuuuuuuuwwyyyzzzzzzs";

/// Appends `text` escaped for HTML element content and attribute values (`&`, `<`, `>`,
/// `"`, `'`): how the search box shows results and `serve` shows error pages, one rule for
/// both.
pub fn push_escaped_html(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
}

/// Longest word indexed or looked up, in bytes; longer runs are cut (a 10,000-character
/// query costs no more than a short one).
pub const MAX_WORD: usize = 40;

/// Longest query considered, in chars; the rest is ignored.
pub const MAX_QUERY: usize = 200;

/// Appends `c` folded: lowercase, accents removed for Latin letters.
pub fn fold_char(c: char, out: &mut String) {
    if c.is_ascii() {
        out.push(c.to_ascii_lowercase());
        return;
    }
    let code = c as u32;
    if (0xC0..=0x17F).contains(&code) {
        let base = LATIN.get((code - 0xC0) as usize).copied().unwrap_or(b'*');
        if base != b'*' {
            out.push(base as char);
            return;
        }
        match code {
            0xC6 | 0xE6 => out.push_str("ae"),
            0xDF => out.push_str("ss"),
            0x152 | 0x153 => out.push_str("oe"),
            0x132 | 0x133 => out.push_str("ij"),
            0x14A | 0x14B => out.push('n'),
            // × and ÷: not letters.
            _ => out.push(' '),
        }
        return;
    }
    out.push(c);
}

/// `s` folded (see [`fold_char`]).
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        fold_char(c, &mut out);
    }
    out
}

/// Whether `c` (already folded) is part of a word: ASCII letters and digits, and any char
/// from U+00C0 up except the blocks of punctuation, symbols, arrows, box drawing, emoji and
/// joiners (a range table, not Unicode's letter tables, which would cost the client KiB).
pub fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric();
    }
    let c = c as u32;
    c >= 0xC0
        && c != 0xD7
        && c != 0xF7
        && !(0x2000..=0x2BFF).contains(&c)
        && !(0x3000..=0x303F).contains(&c)
        && !(0xFE00..=0xFE0F).contains(&c)
        && !(0xFF00..=0xFF0F).contains(&c)
        && !(0x1F000..=0x1FFFF).contains(&c)
        && !(0xE0000..=0xE007F).contains(&c)
}

/// Whitespace between identifiers' words: ASCII and no-break spaces (not Unicode's table).
pub fn is_space(c: char) -> bool {
    c.is_ascii_whitespace() || matches!(c, '\u{a0}' | '\u{2007}' | '\u{202f}' | '\u{3000}')
}

/// The words of folded text, with their byte ranges in it, cut to [`MAX_WORD`].
pub fn words(folded: &str) -> impl Iterator<Item = (usize, &str)> {
    folded
        .split(|c: char| !is_word_char(c))
        .filter(|w| !w.is_empty())
        .map(move |w| {
            let start = w.as_ptr() as usize - folded.as_ptr() as usize;
            (start, cut(w, MAX_WORD))
        })
}

/// `s` cut to at most `max` bytes, on a char boundary.
pub fn cut(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    sub(s, 0, end)
}

/// `s[from..to]`, or `""` when that is not a slice of `s`. The client slices only through
/// this (and `get`): a panicking slice would pull Rust's panic formatting, several KiB,
/// into the module.
pub fn sub(s: &str, from: usize, to: usize) -> &str {
    s.get(from..to).unwrap_or("")
}

const STOP: [&str; 24] = [
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "has", "in", "is", "it", "its",
    "of", "on", "or", "that", "the", "this", "to", "was", "with",
];

/// Words too common to index.
pub fn is_stop_word(word: &str) -> bool {
    STOP.contains(&word)
}

/// A folded word reduced to its stem by a few English suffix rules (plurals, `-ing`,
/// `-ed`, `-ly`), so "rollbacks", "rolled" and "rolling" find "roll"/"rollback". Words with
/// digits are identifiers and stay as they are. Both sides stem, so the rules only need to
/// be consistent, not linguistically perfect.
pub fn stem(word: &str) -> &str {
    let n = word.len();
    if n < 4 || word.bytes().any(|b| b.is_ascii_digit()) || !word.is_ascii() {
        return word;
    }
    let strip = |suffix: &str, keep: usize| -> Option<&str> {
        (word.ends_with(suffix) && n - suffix.len() >= keep).then(|| sub(word, 0, n - suffix.len()))
    };
    if let Some(stem) = strip("ies", 3) {
        // "entries" -> "entri", "retries" -> "retri": consistent, good enough.
        return sub(word, 0, stem.len() + 1);
    }
    if let Some(stem) = strip("sses", 2) {
        return sub(word, 0, stem.len() + 2);
    }
    for suffix in ["ing", "ed"] {
        if let Some(stem) = strip(suffix, 3) {
            return undouble(stem);
        }
    }
    if let Some(stem) = strip("ly", 3) {
        return stem;
    }
    if word.ends_with('s')
        && !word.ends_with("ss")
        && !word.ends_with("us")
        && !word.ends_with("is")
    {
        return sub(word, 0, n - 1);
    }
    word
}

/// "runn" -> "run", "stopp" -> "stop"; "roll", "pass", "buzz" stay.
fn undouble(stem: &str) -> &str {
    let n = stem.len();
    match stem.as_bytes() {
        [.., a, b]
            if n >= 3
                && a == b
                && !matches!(b, b'l' | b's' | b'z' | b'a' | b'e' | b'i' | b'o' | b'u') =>
        {
            sub(stem, 0, n - 1)
        }
        _ => stem,
    }
}

/// The indexed terms of `text`: folded, split into words, one-letter and stop words
/// dropped, stemmed.
pub fn terms(text: &str) -> Vec<String> {
    let folded = fold(text);
    words(&folded)
        .filter(|(_, w)| w.len() >= 2 && !is_stop_word(w))
        .map(|(_, w)| String::from(stem(w)))
        .collect()
}

/// An identifier as it is looked up: folded, runs of whitespace as one space, trimmed.
pub fn key(text: &str) -> String {
    let folded = fold(text);
    let mut out = String::with_capacity(folded.len());
    for part in folded.split(is_space).filter(|p| !p.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(part);
    }
    out
}

/// Whether `query` (a folded key) looks like a commit SHA prefix: 7 to 40 hex digits.
pub fn is_sha_prefix(query: &str) -> bool {
    (7..=40).contains(&query.len()) && query.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Chars of a key that name its shard at first; a shard over the writer's budget is split
/// by longer prefixes (see `index::Manifest::shards`).
pub const SHARD_CHARS: usize = 2;

/// The shard a term or key belongs to before any split: its first [`SHARD_CHARS`] chars
/// (or the whole of a shorter one), as [`hex`]: `pa` -> `7061`.
pub fn shard_name(term: &str) -> String {
    hex(prefix_chars(term, SHARD_CHARS))
}

/// The first `n` chars of `s` (all of a shorter one).
pub fn prefix_chars(s: &str, n: usize) -> &str {
    let end = s.char_indices().nth(n).map_or(s.len(), |(i, _)| i);
    sub(s, 0, end)
}

/// A shard's name for the keys starting with `prefix`: lowercase hex of its UTF-8 bytes,
/// safe as a file name, and sorted as the prefixes are (`pay` -> `706179`).
pub fn hex(prefix: &str) -> String {
    let mut out = String::with_capacity(prefix.len() * 2);
    for b in prefix.bytes() {
        for nibble in [b >> 4, b & 15] {
            out.push(char::from(if nibble < 10 {
                b'0' + nibble
            } else {
                b'a' + nibble - 10
            }));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_html_text_and_attribute_values() {
        let mut out = String::from("x ");
        push_escaped_html(&mut out, "<a href=\"j\" title='t'>&amp;</a> é");
        assert_eq!(
            out,
            "x &lt;a href=&quot;j&quot; title=&#39;t&#39;&gt;&amp;amp;&lt;/a&gt; é"
        );
    }

    #[test]
    fn folds_case_and_accents() {
        assert_eq!(fold("Crème BRÛLÉE"), "creme brulee");
        assert_eq!(
            fold("Łukasz Øster Straße Æsir Œuvre"),
            "lukasz oster strasse aesir oeuvre"
        );
        assert_eq!(fold("İstanbul Śmigły Żaneta Ğ"), "istanbul smigly zaneta g");
        // Other scripts: kept as written.
        assert_eq!(fold("Δέλτα 東京"), "Δέλτα 東京");
        assert!(words("東京 🚀 ok").map(|(_, w)| w).eq(["東京", "ok"]));
        assert_eq!(fold("a×b"), "a b");
    }

    #[test]
    fn latin_table_is_one_letter_per_code_point() {
        assert_eq!(LATIN.len(), 0x180 - 0xC0);
        assert_eq!(fold("ÀÿĀžſ"), "ayazs");
    }

    #[test]
    fn words_split_on_punctuation_and_emoji() {
        let folded = fold("PAY-456 (rollback)🚀naïve");
        let got: Vec<_> = words(&folded).collect();
        assert_eq!(
            got,
            [(0, "pay"), (4, "456"), (9, "rollback"), (22, "naive")]
        );
    }

    #[test]
    fn long_words_are_cut_on_a_char_boundary() {
        let long = "é".repeat(30);
        assert_eq!(cut(&long, 41).len(), 40);
        let folded = fold(&"x".repeat(10_000));
        assert_eq!(words(&folded).next().map(|(_, w)| w.len()), Some(MAX_WORD));
    }

    #[test]
    fn stems() {
        for (word, want) in [
            ("rollbacks", "rollback"),
            ("rolling", "roll"),
            ("rolled", "roll"),
            ("running", "run"),
            ("stopped", "stop"),
            ("entries", "entri"),
            ("entry", "entry"),
            ("passes", "pass"),
            ("status", "status"),
            ("quickly", "quick"),
            ("v2s", "v2s"),
            ("bus", "bus"),
            ("is", "is"),
        ] {
            assert_eq!(stem(word), want, "{word}");
        }
    }

    #[test]
    fn terms_drop_stop_words() {
        assert_eq!(terms("The Ledger's rollbacks"), ["ledger", "rollback"]);
    }

    #[test]
    fn keys_and_shas() {
        assert_eq!(key("  Payments\t 2.4 "), "payments 2.4");
        assert!(is_sha_prefix("3f9c2ab"));
        assert!(!is_sha_prefix("3f9c2a"));
        assert!(!is_sha_prefix("3f9c2ag"));
        assert!(!is_sha_prefix(&"a".repeat(41)));
    }

    #[test]
    fn shard_names() {
        assert_eq!(shard_name("payments"), "7061");
        assert_eq!(shard_name("p"), "70");
        assert_eq!(shard_name("éa"), "c3a961");
        assert_eq!(shard_name(""), "");
        assert_eq!(hex("pay"), "706179");
        assert_eq!(prefix_chars("éab", 2), "éa");
    }
}
