//! Links: turn ticket ids and commit SHAs in commit messages into link data, and fill the
//! `commit_url` / `compare_url` / `ticket_url` templates of a system.
//!
//! Output is plain data (text spans with optional URLs) for templates to render and
//! escape; this module never builds HTML. It only links what it can recognise safely:
//! `ABC-123` and `#123` ticket ids, and SHAs that name a commit of the repository.

use serde::{Deserialize, Serialize};

/// A piece of a commit subject: plain text, or text with a link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    pub text: String,
    pub url: Option<String>,
}

/// A ticket id mentioned in a commit message.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Ticket {
    /// As written: `PAY-456` or `#123`.
    pub id: String,
    pub url: Option<String>,
}

/// A system's URL templates. Templates that are not http(s) URLs are dropped, so that
/// nothing in the content can produce a `javascript:` link.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub(crate) struct UrlTemplates {
    pub commit: Option<String>,
    pub compare: Option<String>,
    pub ticket: Option<String>,
}

/// Whether a URL template is safe to fill in (absolute http(s) or site-relative).
pub(crate) fn is_safe_template(template: &str) -> bool {
    let lower = template.trim_start().to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://") || lower.starts_with('/'))
        && !lower.starts_with("//")
}

impl UrlTemplates {
    pub(crate) fn new(
        commit: Option<&str>,
        compare: Option<&str>,
        ticket: Option<&str>,
    ) -> UrlTemplates {
        let keep = |t: Option<&str>| t.filter(|t| is_safe_template(t)).map(str::to_owned);
        UrlTemplates {
            commit: keep(commit),
            compare: keep(compare),
            ticket: keep(ticket),
        }
    }

    pub(crate) fn commit_url(&self, sha: &str) -> Option<String> {
        self.commit.as_ref().map(|t| t.replace("{sha}", sha))
    }

    pub(crate) fn compare_url(&self, from: &str, to: &str) -> Option<String> {
        self.compare
            .as_ref()
            .map(|t| t.replace("{from}", from).replace("{to}", to))
    }

    /// `PAY-456` fills `{id}` with `PAY-456`. `#123` (an issue or pull request number) fills
    /// it with `123` only when the template is a numbered tracker's (GitHub, GitLab, Gitea:
    /// `/issues/{id}`, `/pull/{id}`, `/merge_requests/{id}`); a key-based tracker such as
    /// Jira (`/browse/{id}`) has no ticket `57`, so `#57` stays plain text there.
    pub(crate) fn ticket_url(&self, id: &str) -> Option<String> {
        let template = self.ticket.as_ref()?;
        match id.strip_prefix('#') {
            Some(number) if numbered_tracker(template) => Some(template.replace("{id}", number)),
            Some(_) => None,
            None => Some(template.replace("{id}", id)),
        }
    }
}

fn numbered_tracker(template: &str) -> bool {
    [
        "/issues/{id}",
        "/pull/{id}",
        "/pulls/{id}",
        "/merge_requests/{id}",
    ]
    .iter()
    .any(|path| template.contains(path))
}

/// Upper-case prefixes that look like ticket keys but are standards (`UTF-8`, `ISO-8601`).
const NOT_TICKETS: [&str; 12] = [
    "UTF", "ISO", "SHA", "RFC", "CVE", "TLS", "SSL", "HTTP", "IPV", "MD", "ES", "AES",
];

/// What one token of a message is.
enum Token {
    Ticket,
    Sha(String),
}

/// Splits `text` into spans, linking ticket ids and known commit SHAs. `resolve_sha` turns
/// an abbreviated SHA into the full one when it names a commit of the repository. Returns
/// the spans and the tickets found, in order of appearance, without duplicates.
pub(crate) fn linkify(
    text: &str,
    urls: &UrlTemplates,
    resolve_sha: &mut dyn FnMut(&str) -> Option<String>,
) -> (Vec<Span>, Vec<Ticket>) {
    let mut spans: Vec<Span> = Vec::new();
    let mut tickets: Vec<Ticket> = Vec::new();
    let mut plain_start = 0;
    let mut i = 0;
    let bytes = text.as_bytes();
    while i < bytes.len() {
        let at_boundary = i == 0 || !is_word_byte(bytes[i - 1]);
        let found = if at_boundary {
            token_at(text, i, resolve_sha)
        } else {
            None
        };
        let Some((end, token)) = found else {
            i += 1;
            continue;
        };
        let word = &text[i..end];
        let url = match &token {
            Token::Ticket => urls.ticket_url(word),
            Token::Sha(full) => urls.commit_url(full),
        };
        if let Token::Ticket = token {
            if !tickets.iter().any(|t| t.id == word) {
                tickets.push(Ticket {
                    id: word.to_owned(),
                    url: url.clone(),
                });
            }
        }
        if url.is_some() {
            push_text(&mut spans, &text[plain_start..i]);
            spans.push(Span {
                text: word.to_owned(),
                url,
            });
            plain_start = end;
        }
        i = end;
    }
    push_text(&mut spans, &text[plain_start..]);
    (spans, tickets)
}

fn push_text(spans: &mut Vec<Span>, text: &str) {
    if text.is_empty() {
        return;
    }
    match spans.last_mut() {
        Some(last) if last.url.is_none() => last.text.push_str(text),
        _ => spans.push(Span {
            text: text.to_owned(),
            url: None,
        }),
    }
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'/' || b == b'#'
}

/// Recognises a ticket id or a SHA starting at byte `i` (a word boundary).
fn token_at(
    text: &str,
    i: usize,
    resolve_sha: &mut dyn FnMut(&str) -> Option<String>,
) -> Option<(usize, Token)> {
    let bytes = text.as_bytes();
    let run = |from: usize, pred: fn(u8) -> bool| {
        from + bytes[from..].iter().take_while(|b| pred(**b)).count()
    };
    let ends_word = |end: usize| end == bytes.len() || !is_word_byte(bytes[end]);
    if bytes[i] == b'#' {
        let end = run(i + 1, |b| b.is_ascii_digit());
        return (end > i + 1 && end - i <= 10 && ends_word(end)).then_some((end, Token::Ticket));
    }
    if bytes[i].is_ascii_uppercase() {
        let key_end = run(i, |b| b.is_ascii_uppercase() || b.is_ascii_digit());
        let key = &text[i..key_end];
        if key.len() >= 2 && key.len() <= 10 && bytes.get(key_end) == Some(&b'-') {
            let end = run(key_end + 1, |b| b.is_ascii_digit());
            let is_ticket = end > key_end + 1
                && end - key_end <= 10
                && ends_word(end)
                && !NOT_TICKETS.contains(&key);
            if is_ticket {
                return Some((end, Token::Ticket));
            }
        }
        return None;
    }
    let end = run(i, |b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    let word = &text[i..end];
    let plausible = (7..=40).contains(&word.len())
        && ends_word(end)
        && word.bytes().any(|b| b.is_ascii_digit())
        && word.bytes().any(|b| b.is_ascii_alphabetic());
    if plausible {
        return resolve_sha(word).map(|full| (end, Token::Sha(full)));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn urls() -> UrlTemplates {
        UrlTemplates::new(
            Some("https://git.example/c/{sha}"),
            Some("https://git.example/compare/{from}...{to}"),
            Some("https://t.example/browse/{id}"),
        )
    }

    fn no_shas(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn links_ticket_ids_and_collects_them_once() {
        let (spans, tickets) = linkify(
            "retry refund webhooks (PAY-441, #12) PAY-441",
            &urls(),
            &mut no_shas,
        );
        let texts: Vec<(&str, Option<&str>)> = spans
            .iter()
            .map(|s| (s.text.as_str(), s.url.as_deref()))
            .collect();
        assert_eq!(
            texts,
            [
                ("retry refund webhooks (", None),
                ("PAY-441", Some("https://t.example/browse/PAY-441")),
                // A Jira-style template has no ticket 12: `#12` stays text.
                (", #12) ", None),
                ("PAY-441", Some("https://t.example/browse/PAY-441")),
            ]
        );
        let ids: Vec<&str> = tickets.iter().map(|t| t.id.as_str()).collect();
        assert_eq!(ids, ["PAY-441", "#12"]);
    }

    #[test]
    fn ignores_standards_and_words_inside_other_words() {
        let (spans, tickets) = linkify(
            "UTF-8 and ISO-8601, x-PAY-1, PAY-12a, a#3, PAY-",
            &urls(),
            &mut no_shas,
        );
        assert!(tickets.is_empty());
        assert_eq!(spans.len(), 1);
    }

    #[test]
    fn links_only_shas_that_resolve() {
        let mut resolve = |s: &str| (s == "abc1234").then(|| "abc1234".repeat(5) + "abcde");
        let (spans, _) = linkify("reverts abc1234, not deadbee1", &urls(), &mut resolve);
        assert_eq!(spans[1].text, "abc1234");
        assert_eq!(
            spans[1].url.as_deref(),
            Some("https://git.example/c/abc1234abc1234abc1234abc1234abc1234abcde")
        );
        assert_eq!(spans.len(), 3);
    }

    #[test]
    fn numbers_link_only_to_numbered_trackers() {
        let jira = urls();
        assert_eq!(jira.ticket_url("#57"), None, "Jira has no ticket 57");
        assert_eq!(
            jira.ticket_url("PAY-456").as_deref(),
            Some("https://t.example/browse/PAY-456")
        );
        let github = UrlTemplates::new(None, None, Some("https://github.com/acme/pay/issues/{id}"));
        assert_eq!(
            github.ticket_url("#57").as_deref(),
            Some("https://github.com/acme/pay/issues/57")
        );
        let (_, tickets) = linkify("closes #57", &jira, &mut no_shas);
        assert_eq!(tickets[0].id, "#57");
        assert_eq!(tickets[0].url, None);
    }

    #[test]
    fn without_templates_tickets_are_found_but_not_linked() {
        let (spans, tickets) = linkify("fix PAY-1", &UrlTemplates::default(), &mut no_shas);
        assert_eq!(spans.len(), 1);
        assert_eq!(tickets[0].url, None);
    }

    #[test]
    fn unsafe_templates_are_dropped() {
        let t = UrlTemplates::new(
            Some("javascript:alert('{sha}')"),
            Some("//evil/{from}"),
            None,
        );
        assert_eq!(t.commit_url("abc"), None);
        assert_eq!(t.compare_url("a", "b"), None);
        assert_eq!(
            urls().compare_url("v1", "v2").as_deref(),
            Some("https://git.example/compare/v1...v2")
        );
    }
}
