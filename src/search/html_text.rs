//! Plain text from the sanitized HTML the site model already holds (release notes, runbook
//! bodies), and runbook bodies cut into sections at their headings, so search neither
//! parses the Markdown again nor shows markup in snippets.
//!
//! The input is always the output of `crate::markdown` (ammonia-sanitized, well formed), not
//! arbitrary HTML: tags are skipped, the five entities ammonia and pulldown-cmark write plus
//! numeric ones are decoded, whitespace is collapsed. `<script>`/`<style>` cannot occur.

/// The text of an HTML fragment, whitespace collapsed to single spaces.
pub fn text_of(html: &str) -> String {
    let mut out = String::with_capacity(html.len() / 2);
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        push_text(&mut out, &rest[..lt]);
        match rest[lt..].find('>') {
            Some(gt) => {
                // Tags separate words ("<li>a</li><li>b</li>" is "a b"), except inline ones.
                let tag = &rest[lt + 1..lt + gt];
                if !is_inline(tag) {
                    push_space(&mut out);
                }
                rest = &rest[lt + gt + 1..];
            }
            None => rest = "",
        }
    }
    push_text(&mut out, rest);
    out.trim_end().to_owned()
}

fn is_inline(tag: &str) -> bool {
    let name = tag.trim_start_matches('/');
    let name = name.split(|c: char| c.is_whitespace() || c == '/').next();
    matches!(
        name,
        Some("a" | "em" | "strong" | "code" | "del" | "s" | "sup" | "sub" | "span" | "mark")
    )
}

fn push_space(out: &mut String) {
    if !out.is_empty() && !out.ends_with(' ') {
        out.push(' ');
    }
}

fn push_text(out: &mut String, text: &str) {
    let mut rest = text;
    while !rest.is_empty() {
        let (chunk, entity) = match rest.find('&') {
            Some(amp) => (&rest[..amp], Some(&rest[amp..])),
            None => (rest, None),
        };
        for c in chunk.chars() {
            if c.is_whitespace() {
                push_space(out);
            } else {
                out.push(c);
            }
        }
        rest = match entity {
            Some(entity) => {
                let (c, len) = decode(entity);
                out.push(c);
                &entity[len..]
            }
            None => "",
        };
    }
}

/// The char an entity at the start of `s` stands for, and its length (a lone `&` is 1).
fn decode(s: &str) -> (char, usize) {
    let Some(semi) = s[..s.len().min(12)].find(';') else {
        return ('&', 1);
    };
    let name = &s[1..semi];
    let c = match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        "nbsp" => Some(' '),
        _ => {
            let number = if let Some(hex) = name.strip_prefix("#x").or(name.strip_prefix("#X")) {
                u32::from_str_radix(hex, 16).ok()
            } else {
                name.strip_prefix('#').and_then(|d| d.parse().ok())
            };
            number.and_then(char::from_u32)
        }
    };
    match c {
        Some(c) => (c, semi + 1),
        None => ('&', 1),
    }
}

/// A part of a runbook: the text before its first heading (`anchor` empty), or a heading
/// and the text up to the next one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub anchor: String,
    pub heading: String,
    pub text: String,
}

/// `html` cut at every `<h2>`..`<h6>` with an `id` (the anchors `crate::markdown` gives
/// headings), in order.
pub fn sections(html: &str) -> Vec<Section> {
    let mut out = Vec::new();
    let mut anchor = String::new();
    let mut heading = String::new();
    let mut rest = html;
    loop {
        let next = find_heading(rest);
        let body = next.map_or(rest, |(at, ..)| &rest[..at]);
        if !anchor.is_empty() || !body.trim().is_empty() {
            out.push(Section {
                anchor: std::mem::take(&mut anchor),
                heading: std::mem::take(&mut heading),
                text: text_of(body),
            });
        }
        let Some((_, id, title, after)) = next else {
            return out;
        };
        anchor = id.to_owned();
        heading = text_of(title);
        rest = &rest[after..];
    }
}

/// The next heading with an id: (its start, id, inner HTML, the index after its end tag).
fn find_heading(html: &str) -> Option<(usize, &str, &str, usize)> {
    let mut from = 0;
    while let Some(lt) = html[from..].find("<h").map(|i| from + i) {
        from = lt + 2;
        let level = html.as_bytes().get(lt + 2).copied();
        if !matches!(level, Some(b'2'..=b'6')) {
            continue;
        }
        let gt = html[lt..].find('>').map(|i| lt + i)?;
        let open = &html[lt..gt];
        let Some(id) = open
            .split_once(" id=\"")
            .and_then(|(_, v)| v.split_once('"'))
            .map(|(id, _)| id)
        else {
            continue;
        };
        let close = format!("</h{}>", char::from(level.unwrap_or(b'2')));
        let end = html[gt..].find(&close).map(|i| gt + i)?;
        return Some((lt, id, &html[gt + 1..end], end + close.len()));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_of_html() {
        let html = "<p>Roll <strong>back</strong> if<br>lag &gt; 5&nbsp;min &amp; more &#39;x&#x27; &bogus; a&b</p>\n<ul><li>one</li><li>two</li></ul>";
        assert_eq!(
            text_of(html),
            "Roll back if lag > 5 min & more 'x' &bogus; a&b one two"
        );
        assert_eq!(
            text_of("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "<script>alert(1)</script>"
        );
        assert_eq!(text_of("unclosed <b"), "unclosed");
    }

    #[test]
    fn runbook_sections() {
        let html = "<p>Intro.</p>\n<h3 id=\"when\">When <code>now</code></h3>\n<p>If lag.</p>\n<h4 id=\"steps\">Steps</h4><ol><li>Stop.</li></ol><h3>No id</h3><p>tail</p>";
        let got = sections(html);
        assert_eq!(got.len(), 3);
        assert_eq!(
            (got[0].anchor.as_str(), got[0].text.as_str()),
            ("", "Intro.")
        );
        assert_eq!(got[1].heading, "When now");
        assert_eq!(got[1].text, "If lag.");
        assert_eq!(got[2].anchor, "steps");
        assert_eq!(got[2].text, "Stop. No id tail");
        assert!(sections("").is_empty());
    }
}
