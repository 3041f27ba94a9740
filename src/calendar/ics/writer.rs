//! Writer: RFC 5545 content lines — escaping, folding and date formats, nothing else.
//!
//! Why not the `ical` crate's generator: in 0.11 it folds by characters instead of octets
//! (a line of umlauts ends up far over 75 octets), does not escape property values, and
//! puts a TZID on DTSTAMP. Google drops a whole subscribed feed over one malformed line, so
//! this writer is small and strict instead:
//! - every line ends in CRLF;
//! - lines are folded at 75 octets (continuations: one space + at most 74 octets), never
//!   inside a UTF-8 sequence, and never right after a space or tab, so that parsers that
//!   trim line ends (the `ical` crate does) still read the value back exactly, and never
//!   inside an escape such as `\n`;
//! - TEXT values escape `\`, `;`, `,` and newlines, and drop other control characters,
//!   which RFC 5545 does not allow in TEXT;
//! - parameter values are quoted when they contain `:`, `;` or `,`.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

/// Octets per physical line, without the CRLF.
const MAX_OCTETS: usize = 75;

/// Accumulates the lines of one iCalendar object.
#[derive(Debug, Default)]
pub struct Writer {
    out: String,
}

impl Writer {
    pub fn new() -> Writer {
        Writer::default()
    }

    /// `BEGIN:<component>`.
    pub fn begin(&mut self, component: &str) {
        self.raw("BEGIN", &[], component);
    }

    /// `END:<component>`.
    pub fn end(&mut self, component: &str) {
        self.raw("END", &[], component);
    }

    /// A property whose value is already in its RFC 5545 form (dates, numbers, URIs, RRULEs).
    pub fn raw(&mut self, name: &str, params: &[(&str, &str)], value: &str) {
        let mut line = String::with_capacity(name.len() + value.len() + 16);
        line.push_str(name);
        for (key, param) in params {
            line.push(';');
            line.push_str(key);
            line.push('=');
            line.push_str(&param_value(param));
        }
        line.push(':');
        line.push_str(value);
        fold_into(&mut self.out, &line);
    }

    /// A TEXT property, escaped.
    pub fn text(&mut self, name: &str, text: &str) {
        self.raw(name, &[], &escape_text(text));
    }

    /// A TEXT list property such as CATEGORIES: each value escaped, joined with commas.
    pub fn text_list(&mut self, name: &str, values: &[&str]) {
        let joined: Vec<String> = values.iter().map(|v| escape_text(v)).collect();
        self.raw(name, &[], &joined.join(","));
    }

    /// A UTC date-time property: `DTSTART:20261206T010000Z`.
    pub fn utc(&mut self, name: &str, instant: DateTime<Utc>) {
        self.raw(name, &[], &utc_stamp(instant));
    }

    pub fn finish(self) -> String {
        self.out
    }
}

/// Escapes a TEXT value (RFC 5545 section 3.3.11).
pub fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("\\n");
            }
            '\t' => out.push('\t'),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Reverses [`escape_text`] (for reading feeds back, and imported calendars).
pub fn unescape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n' | 'N') => out.push('\n'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

/// A parameter value: control characters and double quotes dropped, quoted when needed.
fn param_value(value: &str) -> String {
    let clean: String = value
        .chars()
        .filter(|c| !c.is_control() && *c != '"')
        .collect();
    if clean.contains([':', ';', ',']) {
        format!("\"{clean}\"")
    } else {
        clean
    }
}

/// Folds one logical line into physical lines ending in CRLF.
pub fn fold(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 8);
    fold_into(&mut out, line);
    out
}

fn fold_into(out: &mut String, line: &str) {
    let mut rest = line;
    let mut limit = MAX_OCTETS;
    while rest.len() > limit {
        let mut cut = limit;
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        // Keep trailing blanks for the next line, unless the piece is nothing but blanks.
        let kept = rest[..cut].trim_end_matches([' ', '\t']).len();
        if kept > 0 {
            cut = kept;
        }
        // Keep an escape such as `\n` or `\,` on one line: some readers unescape per line.
        let backslashes = rest[..cut]
            .bytes()
            .rev()
            .take_while(|b| *b == b'\\')
            .count();
        if backslashes % 2 == 1 && cut > 1 {
            cut -= 1;
        }
        out.push_str(&rest[..cut]);
        out.push_str("\r\n ");
        rest = &rest[cut..];
        limit = MAX_OCTETS - 1;
    }
    out.push_str(rest);
    out.push_str("\r\n");
}

/// `20261206T010000Z`.
pub fn utc_stamp(instant: DateTime<Utc>) -> String {
    instant.format("%Y%m%dT%H%M%SZ").to_string()
}

/// `20261206T020000` (a wall-clock time, used with a TZID parameter).
pub fn local_stamp(naive: NaiveDateTime) -> String {
    naive.format("%Y%m%dT%H%M%S").to_string()
}

/// `20261206` (a VALUE=DATE).
pub fn date_stamp(date: NaiveDate) -> String {
    date.format("%Y%m%d").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn physical_lines(folded: &str) -> Vec<&str> {
        assert!(folded.ends_with("\r\n"));
        folded[..folded.len() - 2].split("\r\n").collect()
    }

    fn unfold(folded: &str) -> String {
        folded.trim_end_matches("\r\n").replace("\r\n ", "")
    }

    #[test]
    fn short_lines_are_left_alone() {
        assert_eq!(fold("VERSION:2.0"), "VERSION:2.0\r\n");
        let exactly = format!("SUMMARY:{}", "x".repeat(67));
        assert_eq!(exactly.len(), 75);
        assert_eq!(fold(&exactly), format!("{exactly}\r\n"));
    }

    #[test]
    fn non_ascii_lines_fold_at_75_octets_without_splitting_characters() {
        // 2-, 3- and 4-octet characters, far over 75 octets.
        let value = "Zahlungsdienst Größenänderung – 決済サービス 🚀 ".repeat(6) + "Ende";
        let line = format!("SUMMARY:{}", escape_text(&value));
        let folded = fold(&line);
        let lines = physical_lines(&folded);
        assert!(lines.len() > 4);
        for (i, physical) in lines.iter().enumerate() {
            assert!(
                physical.len() <= 75,
                "line {i} has {} octets",
                physical.len()
            );
            if i > 0 {
                assert!(physical.starts_with(' '));
            }
            assert!(!physical.ends_with(' '), "line {i} ends with a blank");
        }
        // Every piece is valid UTF-8 on its own (str slices guarantee it) and unfolds back.
        assert_eq!(unfold(&folded), line);
    }

    #[test]
    fn folding_never_leaves_a_blank_at_the_end_of_a_line() {
        let line = format!("DESCRIPTION:{}", "word ".repeat(40));
        let folded = fold(line.trim_end());
        for physical in physical_lines(&folded) {
            assert!(!physical.ends_with(' '));
            assert!(physical.len() <= 75);
        }
        assert_eq!(unfold(&folded), line.trim_end());
        // A run of blanks longer than a line still folds (and still unfolds exactly).
        let blanks = format!("X-TEST:a{}b", " ".repeat(200));
        assert_eq!(unfold(&fold(&blanks)), blanks);
    }

    #[test]
    fn folding_keeps_escapes_whole() {
        for pad in 0..6 {
            let line = format!(
                "DESCRIPTION:{}{}",
                "x".repeat(60 + pad),
                "a\\nb\\,c\\\\d".repeat(8)
            );
            let folded = fold(&line);
            for physical in physical_lines(&folded) {
                let trailing = physical.bytes().rev().take_while(|b| *b == b'\\').count();
                assert_eq!(trailing % 2, 0, "split escape: {physical}");
                assert!(physical.len() <= 75);
            }
            assert_eq!(unfold(&folded), line);
        }
    }

    #[test]
    fn text_escaping() {
        assert_eq!(
            escape_text("a, b; c\\d\nnext\r\nthird\rfourth"),
            "a\\, b\\; c\\\\d\\nnext\\nthird\\nfourth"
        );
        assert_eq!(escape_text("bell\u{7}\ttab"), "bell\ttab");
        let original = "Wallet top-ups, refunds; and \\ backslashes\nover two lines";
        assert_eq!(unescape_text(&escape_text(original)), original);
        assert_eq!(unescape_text("A\\NB\\,C"), "A\nB,C");
    }

    #[test]
    fn writer_builds_crlf_lines_with_params() {
        let mut w = Writer::new();
        w.begin("VEVENT");
        w.raw("DTSTART", &[("TZID", "Europe/Berlin")], "20261206T020000");
        w.raw("X-TEST", &[("X-NOTE", "a:b\"c")], "1");
        w.text_list("CATEGORIES", &["Release", "a,b"]);
        w.end("VEVENT");
        assert_eq!(
            w.finish(),
            "BEGIN:VEVENT\r\nDTSTART;TZID=Europe/Berlin:20261206T020000\r\n\
             X-TEST;X-NOTE=\"a:bc\":1\r\nCATEGORIES:Release,a\\,b\r\nEND:VEVENT\r\n"
        );
    }
}
