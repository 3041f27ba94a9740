//! What went wrong in an author's YAML, in their words: the parser's message is accurate but
//! written for parser authors ("mapping values are not allowed in this context"). This module
//! looks at the text around the failure and says what the author most likely did: indented a
//! line differently from its neighbours, indented with a tab, wrote `: ` inside a value, or
//! misspelt a field or a value (with a "did you mean"). It only explains; `load` decides.

/// A value that a ` #` cut short: YAML starts a comment at ` #`, so
/// `text: Announced in #releases` reads as "Announced in".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CutValue {
    /// 1-based line and column of the `#`.
    pub line: u32,
    pub column: u32,
    /// The field, or `None` for a list item.
    pub key: Option<String>,
    /// What YAML keeps, and what it drops as a comment.
    pub kept: String,
    pub dropped: String,
}

/// Every plain value in `yaml` followed by a comment that starts right after its `#` (as
/// in `#releases` or `#57`), which is almost always part of the value. Comments written
/// `# like this` are left alone, as are quoted values and block scalars (`|`, `>`).
pub fn cut_values(yaml: &str) -> Vec<CutValue> {
    let mut found = Vec::new();
    let mut block_indent: Option<usize> = None;
    for (number, line) in (1..).zip(yaml.lines()) {
        let indent = indentation(line);
        if let Some(parent) = block_indent {
            if line.trim().is_empty() || indent > parent {
                continue;
            }
            block_indent = None;
        }
        let body = line.trim_start();
        let (key, value) = match body.split_once(": ") {
            Some((key, value)) if is_key(key.trim_start_matches("- ")) => {
                (Some(key.trim_start_matches("- ").to_owned()), value)
            }
            _ => match body.strip_prefix("- ") {
                Some(item) => (None, item),
                None => continue,
            },
        };
        let value_trimmed = value.trim_start();
        if value_trimmed.starts_with(['|', '>']) {
            block_indent = Some(indent);
            continue;
        }
        if value_trimmed.starts_with(['"', '\'', '[', '{', '&', '*', '!', '#']) {
            continue;
        }
        let Some(hash) = value.find(" #") else {
            continue;
        };
        let dropped = &value[hash + 1..];
        let starts_comment = dropped[1..]
            .chars()
            .next()
            .is_some_and(|c| !c.is_whitespace());
        let kept = value[..hash].trim();
        if starts_comment && !kept.is_empty() {
            let column = line.len() - value.len() + hash + 2;
            found.push(CutValue {
                line: number,
                column: column as u32,
                key,
                kept: kept.to_owned(),
                dropped: dropped.to_owned(),
            });
        }
    }
    found
}

fn is_key(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// A tab in a line's indentation, which YAML forbids: `(line, column)`, 1-based.
pub fn tab_in_indentation(yaml: &str) -> Option<(u32, u32)> {
    for (number, line) in (1..).zip(yaml.lines()) {
        let indentation: &str = &line[..line.len() - line.trim_start().len()];
        if let Some(index) = indentation.find('\t') {
            return Some((number, index as u32 + 1));
        }
    }
    None
}

/// A better message and help for a parser error at `line` (1-based) of `yaml`, when the
/// text shows the likely cause.
pub fn explain(yaml: &str, line: u32, parser_message: &str) -> Option<(String, String)> {
    if parser_message.contains("mapping values are not allowed") {
        return explain_mapping_value(yaml, line);
    }
    None
}

fn explain_mapping_value(yaml: &str, line: u32) -> Option<(String, String)> {
    let lines: Vec<&str> = yaml.lines().collect();
    let here = *lines.get(line.checked_sub(1)? as usize)?;
    let indent = indentation(here);
    let previous = lines[..line as usize - 1]
        .iter()
        .rev()
        .find(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))?;
    let previous_indent = indentation(previous);
    let previous_opens_block = previous.trim_end().ends_with(':');
    if indent > previous_indent && !previous_opens_block {
        return Some((
            format!(
                "this line is indented by {indent} spaces, more than the line above ({previous_indent}): YAML reads it as part of the value above"
            ),
            format!(
                "indent it like the field above ({previous_indent} spaces); indentation decides which fields belong together"
            ),
        ));
    }
    let (key, value) = here
        .trim_start()
        .trim_start_matches("- ")
        .split_once(": ")?;
    let value = value.trim();
    if value.contains(": ") && !value.starts_with(['"', '\'']) {
        let quoted = value.replace('\\', "\\\\").replace('"', "\\\"");
        return Some((
            format!("the value of `{key}` contains `: `, which YAML reads as the start of another field"),
            format!("put the value in quotes: {key}: \"{quoted}\""),
        ));
    }
    None
}

fn indentation(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

/// "did you mean `status`?" for serde's "unknown field `stauts`, expected one of …" and
/// "unknown variant `scheduled`, expected one of …".
pub fn did_you_mean(parser_message: &str) -> Option<String> {
    let given = parser_message
        .strip_prefix("unknown field `")
        .or_else(|| parser_message.strip_prefix("unknown variant `"))?
        .split('`')
        .next()?;
    let expected = parser_message.split_once("expected one of ")?.1;
    let candidates: Vec<&str> = expected
        .split(',')
        .map(|c| c.trim().trim_matches('`'))
        .filter(|c| !c.is_empty())
        .collect();
    suggest(given, &candidates).map(|best| format!("did you mean `{best}`?"))
}

/// The candidate closest to `given`: a known synonym, or one within a small edit distance.
pub fn suggest<'a>(given: &str, candidates: &[&'a str]) -> Option<&'a str> {
    const SYNONYMS: [(&str, &str); 9] = [
        ("scheduled", "planned"),
        ("done", "released"),
        ("shipped", "released"),
        ("deployed", "released"),
        ("live", "released"),
        ("canceled", "cancelled"),
        ("rollback", "rolled-back"),
        ("in_progress", "in-progress"),
        ("wip", "in-progress"),
    ];
    let lower = given.to_ascii_lowercase();
    if let Some((_, to)) = SYNONYMS.iter().find(|(from, _)| *from == lower) {
        if let Some(found) = candidates.iter().find(|c| *c == to) {
            return Some(found);
        }
    }
    let limit = (given.chars().count() / 3).clamp(1, 3);
    candidates
        .iter()
        .map(|c| (distance(&lower, &c.to_ascii_lowercase()), *c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Optimal string alignment distance: edits, with a swap of two neighbours counting once
/// (`stauts` -> `status` is 1), which is the typo authors make most.
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut rows = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (rows[i - 1][j] + 1)
                .min(rows[i][j - 1] + 1)
                .min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = best;
        }
    }
    rows[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_values_cut_by_a_hash_but_not_real_comments() {
        let yaml = "text: Announced in #releases at 10:00\nowner: priya  # person id\nnote: |\n  see #57 here\nquoted: \"a #b\"\nitems:\n  - Fixes #57\n";
        let cut = cut_values(yaml);
        assert_eq!(cut.len(), 2, "{cut:?}");
        assert_eq!(cut[0].line, 1);
        assert_eq!(cut[0].column, 20);
        assert_eq!(cut[0].key.as_deref(), Some("text"));
        assert_eq!(cut[0].kept, "Announced in");
        assert_eq!(cut[0].dropped, "#releases at 10:00");
        assert_eq!((cut[1].line, cut[1].key.as_deref()), (7, None));
        assert_eq!(cut[1].kept, "Fixes");
    }

    #[test]
    fn finds_tabs_only_in_indentation() {
        assert_eq!(tab_in_indentation("a: 1\nb:\n\t- x\n"), Some((3, 1)));
        assert_eq!(tab_in_indentation("a: 1\n  \tb: 2\n"), Some((2, 3)));
        assert_eq!(tab_in_indentation("a: \"x\ty\"\n"), None);
    }

    #[test]
    fn explains_over_indented_lines_and_colons_in_values() {
        let yaml = "window:\n  start: 2026-11-10 20:00\n   end: 2026-11-10 21:00\n";
        let (message, help) =
            explain(yaml, 3, "mapping values are not allowed in this context").unwrap();
        assert!(
            message.contains("indented by 3 spaces, more than the line above (2)"),
            "{message}"
        );
        assert!(help.contains("2 spaces"), "{help}");
        let yaml = "owner: ana\nrollout: canary: 10%\n";
        let (message, help) =
            explain(yaml, 2, "mapping values are not allowed in this context").unwrap();
        assert!(message.contains("`rollout` contains `: `"), "{message}");
        assert_eq!(help, "put the value in quotes: rollout: \"canary: 10%\"");
    }

    #[test]
    fn suggests_close_fields_and_known_synonyms() {
        let fields = "unknown field `stauts`, expected one of system, version, status, title";
        assert_eq!(
            did_you_mean(fields).as_deref(),
            Some("did you mean `status`?")
        );
        let values = "unknown variant `scheduled`, expected one of planned, approved, released";
        assert_eq!(
            did_you_mean(values).as_deref(),
            Some("did you mean `planned`?")
        );
        let far = "unknown field `colour`, expected one of title, kind, owner";
        assert_eq!(did_you_mean(far), None);
        assert_eq!(suggest("mya", &["may", "maya", "ana"]), Some("may"));
    }
}
