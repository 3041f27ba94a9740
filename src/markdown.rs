//! Markdown: release notes and runbooks to safe HTML.
//!
//! pulldown-cmark renders CommonMark with tables, task lists, footnotes and strikethrough.
//! Headings get stable anchor ids and move down one level (the page owns the `<h1>`).
//! Site-absolute links (`/runbooks/x/`) get the portal's base path. Links and anchors are
//! returned as data for `check`'s link validation.
//!
//! Safety without a second parse: pulldown-cmark escapes all text and attribute values it
//! writes, so the only ways script can enter are raw HTML written in the Markdown and link
//! or image URLs with a scheme such as `javascript:`. A document with either goes through
//! ammonia (which re-parses the HTML with html5ever and keeps only an allow-list). Every
//! other document is safe as pulldown-cmark writes it once the walk has removed the two
//! attributes ammonia would strip (table alignment styles, code-block language classes)
//! and `rel="noopener noreferrer"` is added to its links, as ammonia adds it; the URL
//! allow-list is ammonia's own, applied the way ammonia applies it (`url_allowed`). Most
//! notes and runbooks have no raw HTML, and ammonia was about half of the Markdown time.
//!
//! Work is bounded: loading rejects documents over `MAX_DOCUMENT_BYTES` and, with
//! `outline_checked`, documents nesting deeper than `MAX_NESTING`. pulldown-cmark is linear
//! in the input, but the sanitizer (html5ever) is quadratic in nesting depth: 8,000 nested
//! list items took 5.8 s to sanitize, 100,000 would take minutes.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::OnceLock;

use pulldown_cmark::{
    Alignment, CodeBlockKind, CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd,
};
use serde::Serialize;

/// The deepest a document may nest list items, block quotes, footnotes, emphasis, links
/// and HTML elements inside one another. Real notes and runbooks nest a few levels; 32 is
/// far beyond them and keeps sanitizing cheap (its cost grows with depth × elements).
pub const MAX_NESTING: usize = 32;

/// The largest Markdown file (front matter included), in bytes: 1 MiB, hundreds of times
/// a long release note or runbook. Rendering needs memory proportional to the document.
pub const MAX_DOCUMENT_BYTES: u64 = 1024 * 1024;

/// Where a document first nests deeper than `MAX_NESTING`: 1-based line and column of the
/// element that goes too deep, relative to the Markdown text checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooDeep {
    pub line: u32,
    pub column: u32,
}

/// A heading of a document, for anchors and tables of contents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Heading {
    pub level: u8,
    pub id: String,
    pub text: String,
}

/// A link written in the Markdown, with the line it is on (relative to the body).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrittenLink {
    pub destination: String,
    pub line: u32,
}

#[derive(Debug, Clone, Default)]
pub struct Rendered {
    pub html: String,
    pub headings: Vec<Heading>,
    pub links: Vec<WrittenLink>,
}

/// Renders `markdown`; `root` is the site's base path (`/` or `/portal/`). The document's
/// headings start at `<h{top}>` on the page (the page owns the levels above).
pub fn render(markdown: &str, root: &str, top: u8) -> Rendered {
    // Without a nesting limit the walk cannot fail.
    walk(markdown, root, top, true, None).unwrap_or_default()
}

/// A document's HTML, rendered when first read. A page's data carries its Markdown this
/// way so that a page the build or `check` does not render (its fingerprint is unchanged)
/// never renders its Markdown, and its fingerprint hashes the document's digest rather than
/// the HTML (see [`crate::cache::Fingerprint::value`]): the HTML is a function of the
/// Markdown, the base path and the heading level, in a given binary, which the
/// fingerprint names already.
#[derive(Debug, Clone)]
pub struct LazyHtml {
    markdown: String,
    root: String,
    top: u8,
    html: OnceLock<String>,
}

impl LazyHtml {
    /// `render(markdown, root, top)`, when it is first needed.
    pub fn new(markdown: &str, root: &str, top: u8) -> LazyHtml {
        LazyHtml {
            markdown: markdown.to_owned(),
            root: root.to_owned(),
            top,
            html: OnceLock::new(),
        }
    }

    pub fn html(&self) -> &str {
        self.html
            .get_or_init(|| render(&self.markdown, &self.root, self.top).html)
    }

    /// The digest of everything the HTML is rendered from.
    fn inputs_digest(&self) -> String {
        let mut inputs = crate::cache::Fingerprint::new("markdown");
        inputs
            .text(&self.markdown)
            .text(&self.root)
            .bytes(&[self.top]);
        crate::cache::hex(&inputs.finish())
    }
}

impl Serialize for LazyHtml {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if crate::cache::fingerprinting() {
            serializer.serialize_str(&self.inputs_digest())
        } else {
            serializer.serialize_str(self.html())
        }
    }
}

/// Headings and links only, without producing HTML: cheap, for link checks.
pub fn outline(markdown: &str) -> Outline {
    // Without a nesting limit the read cannot fail.
    read_outline(markdown, None).unwrap_or_default()
}

fn options() -> Options {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_FOOTNOTES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    options.insert(Options::ENABLE_TASKLISTS);
    options
}

/// One parse of `markdown`: its headings, links and (`with_html`) HTML; with `nesting`,
/// stops at the first place it nests too deep.
fn walk(
    markdown: &str,
    root: &str,
    top: u8,
    with_html: bool,
    mut nesting: Option<&mut Nesting>,
) -> Result<Rendered, TooDeep> {
    let options = options();
    let line_starts = line_starts(markdown);
    let mut events: Vec<Event> = Vec::new();
    let mut headings = Vec::new();
    let mut links = Vec::new();
    let mut used_ids = UsedIds::default();
    let mut heading_start: Option<(usize, HeadingLevel)> = None;
    // Raw HTML or a URL outside the allow-list: only then is the sanitizer needed.
    let mut needs_sanitizer = false;
    // (start event, end event, level as written) of each heading, re-levelled at the end.
    let mut written: Vec<(usize, usize, HeadingLevel)> = Vec::new();

    for (event, range) in Parser::new_ext(markdown, options).into_offset_iter() {
        if let Some(nesting) = nesting.as_mut() {
            nesting.observe(&event, range.start)?;
        }
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                heading_start = Some((events.len(), level));
                events.push(Event::Text(CowStr::Borrowed("")));
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((start, level)) = heading_start.take() {
                    let text = plain_text(&events[start + 1..]);
                    let id = used_ids.unique(&slugify(&text));
                    events[start] = Event::Start(Tag::Heading {
                        level,
                        id: Some(CowStr::from(id.clone())),
                        classes: Vec::new(),
                        attrs: Vec::new(),
                    });
                    written.push((start, events.len(), level));
                    events.push(Event::End(TagEnd::Heading(level)));
                    headings.push(Heading {
                        level: level as u8,
                        id,
                        text,
                    });
                }
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let line = line_of(&line_starts, range.start);
                needs_sanitizer |= !url_allowed(&dest_url);
                links.push(WrittenLink {
                    destination: dest_url.to_string(),
                    line,
                });
                let dest_url = rebase(dest_url, root);
                events.push(Event::Start(Tag::Link {
                    link_type,
                    dest_url,
                    title,
                    id,
                }));
            }
            // Task list boxes are read-only records: say their state to screen readers.
            Event::TaskListMarker(done) => {
                events.push(Event::InlineHtml(CowStr::Borrowed(if done {
                    "<input type=\"checkbox\" disabled checked aria-label=\"done\"> "
                } else {
                    "<input type=\"checkbox\" disabled aria-label=\"not done\"> "
                })))
            }
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                needs_sanitizer |= !url_allowed(&dest_url);
                let dest_url = rebase(dest_url, root);
                events.push(Event::Start(Tag::Image {
                    link_type,
                    dest_url,
                    title,
                    id,
                }));
            }
            // The sanitizer drops `style` (alignment) and code-block classes: never write them.
            Event::Start(Tag::Table(alignments)) => events.push(Event::Start(Tag::Table(
                alignments.iter().map(|_| Alignment::None).collect(),
            ))),
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(_))) => events.push(Event::Start(
                Tag::CodeBlock(CodeBlockKind::Fenced(CowStr::Borrowed(""))),
            )),
            raw @ (Event::Html(_) | Event::InlineHtml(_)) => {
                needs_sanitizer = true;
                events.push(raw);
            }
            other => events.push(other),
        }
    }
    relevel(&mut events, &mut headings, &written, top);
    if !with_html {
        return Ok(Rendered {
            html: String::new(),
            headings,
            links,
        });
    }
    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    let html = if needs_sanitizer {
        sanitize(&html)
    } else {
        with_link_rel(&html)
    };
    Ok(Rendered {
        html,
        headings,
        links,
    })
}

/// A document's headings and links (as [`outline`] reads them), from the same single parse
/// that checks it nests at most `MAX_NESTING` levels: what loading keeps of each release
/// note and runbook for the link check, so the check needs no parse of its own. The check
/// must pass before a document is rendered, because sanitizing deep HTML is quadratic.
pub fn outline_checked(markdown: &str) -> Result<Outline, TooDeep> {
    read_outline(markdown, Some(&mut Nesting::new(markdown)))
}

fn read_outline(markdown: &str, nesting: Option<&mut Nesting>) -> Result<Outline, TooDeep> {
    let read = walk(markdown, "/", 2, false, nesting)?;
    Ok(Outline {
        headings: read.headings,
        links: read.links,
    })
}

/// The headings and links of a document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outline {
    pub headings: Vec<Heading>,
    pub links: Vec<WrittenLink>,
}

/// Follows a document's parse events and says where it first nests deeper than
/// `MAX_NESTING`.
struct Nesting<'m> {
    markdown: &'m str,
    starts: Vec<usize>,
    depth: usize,
    html: HtmlDepth,
}

impl<'m> Nesting<'m> {
    fn new(markdown: &'m str) -> Nesting<'m> {
        Nesting {
            markdown,
            starts: line_starts(markdown),
            depth: 0,
            html: HtmlDepth::default(),
        }
    }

    fn at(&self, offset: usize) -> TooDeep {
        let line = line_of(&self.starts, offset);
        let start = self.starts[line as usize - 1];
        let column = self.markdown[start..offset].chars().count() as u32 + 1;
        TooDeep { line, column }
    }

    /// Takes the next event (found at byte `offset`).
    fn observe(&mut self, event: &Event, offset: usize) -> Result<(), TooDeep> {
        match event {
            Event::Start(tag) if nests(&tag.to_end()) => {
                self.depth += 1;
                if self.depth + self.html.depth > MAX_NESTING {
                    return Err(self.at(offset));
                }
            }
            Event::End(end) if nests(end) => self.depth = self.depth.saturating_sub(1),
            Event::Html(text) | Event::InlineHtml(text) => {
                let room = MAX_NESTING.saturating_sub(self.depth);
                if let Some(found) = self.html.scan(text, room) {
                    // Inside containers the event text lacks their prefixes (`> `), so
                    // count lines within it rather than adding the offset.
                    let lines = text[..found].matches('\n').count() as u32;
                    let mut place = self.at(offset);
                    if lines > 0 {
                        place = TooDeep {
                            line: place.line + lines,
                            column: 0,
                        };
                    } else {
                        place.column += text[..found].chars().count() as u32;
                    }
                    return Err(place);
                }
            }
            _ => {}
        }
        Ok(())
    }
}

/// The Markdown elements that can contain themselves and so nest without bound. Lists,
/// paragraphs and table parts always sit in or around one of these, adding at most a
/// constant to the depth.
fn nests(end: &TagEnd) -> bool {
    matches!(
        end,
        TagEnd::BlockQuote(_)
            | TagEnd::Item
            | TagEnd::FootnoteDefinition
            | TagEnd::Emphasis
            | TagEnd::Strong
            | TagEnd::Strikethrough
            | TagEnd::Superscript
            | TagEnd::Subscript
            | TagEnd::Link
            | TagEnd::Image
            | TagEnd::DefinitionListDefinition
    )
}

/// The nesting of raw HTML elements across a document's HTML events. An estimate that
/// never undercounts deep nesting: void elements, self-closing tags, and elements whose
/// end tag is optional (they close themselves when a sibling starts) do not count.
#[derive(Default)]
struct HtmlDepth {
    depth: usize,
    /// Inside an HTML comment that an earlier event opened (comments span lines).
    in_comment: bool,
}

impl HtmlDepth {
    /// Reads the tags in `html`; returns the byte offset of the first opening tag that
    /// takes the depth above `room`. Linear: every byte is looked at a bounded number of
    /// times.
    fn scan(&mut self, html: &str, room: usize) -> Option<usize> {
        let bytes = html.as_bytes();
        let mut i = 0;
        if self.in_comment {
            i = self.skip_comment(html, 0);
        }
        while let Some(found) = bytes[i..].iter().position(|b| *b == b'<') {
            let start = i + found;
            i = start + 1;
            if html[i..].starts_with("!--") {
                self.in_comment = true;
                i = self.skip_comment(html, i + 3);
                continue;
            }
            let closing = bytes.get(i) == Some(&b'/');
            let name_start = if closing { i + 1 } else { i };
            let name_len = bytes[name_start..]
                .iter()
                .take_while(|b| b.is_ascii_alphanumeric() || **b == b'-')
                .count();
            let name = &html[name_start..name_start + name_len];
            if name.is_empty() || !name.as_bytes()[0].is_ascii_alphabetic() {
                continue;
            }
            // The tag ends at the next `>`; stopping at a `<` keeps the scan linear.
            let rest = &bytes[name_start + name_len..];
            let end = rest.iter().position(|b| *b == b'>' || *b == b'<');
            let self_closing = end.is_some_and(|e| rest[e] == b'>' && e > 0 && rest[e - 1] == b'/');
            i = name_start + name_len + end.unwrap_or(rest.len());
            if closing {
                self.depth = self.depth.saturating_sub(usize::from(counts(name)));
            } else if counts(name) && !self_closing {
                self.depth += 1;
                if self.depth > room {
                    return Some(start);
                }
            }
        }
        None
    }

    /// The offset after the `-->` ending the comment at `from`, or the end of `html`.
    fn skip_comment(&mut self, html: &str, from: usize) -> usize {
        match html[from..].find("-->") {
            Some(end) => {
                self.in_comment = false;
                from + end + 3
            }
            None => html.len(),
        }
    }
}

/// Whether an HTML element, once opened, stays open until its end tag.
fn counts(name: &str) -> bool {
    const SELF_ENDING: [&str; 30] = [
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
        "source", "track", "wbr", "p", "li", "dt", "dd", "tr", "td", "th", "thead", "tbody",
        "tfoot", "option", "optgroup", "colgroup", "caption", "rt", "rp",
    ];
    !SELF_ENDING.iter().any(|tag| name.eq_ignore_ascii_case(tag))
}

/// Adds `rel="noopener noreferrer"` at the end of every `<a …>` tag, where ammonia puts it.
/// Only for HTML that pulldown-cmark wrote from Markdown without raw HTML: there every `<a`
/// starts a link tag, and its attribute values are escaped, so the first `>` ends it.
fn with_link_rel(html: &str) -> String {
    const REL: &str = " rel=\"noopener noreferrer\"";
    let mut out = String::with_capacity(html.len() + 64);
    let mut rest = html;
    while let Some(start) = rest.find("<a ") {
        let Some(end) = rest[start..].find('>').map(|e| start + e) else {
            break;
        };
        out.push_str(&rest[..end]);
        out.push_str(REL);
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// URL schemes a link or image may use: ammonia's default allow-list, which `sanitize`
/// applies to documents with raw HTML.
const URL_SCHEMES: [&str; 25] = [
    "bitcoin",
    "ftp",
    "ftps",
    "geo",
    "http",
    "https",
    "im",
    "irc",
    "ircs",
    "magnet",
    "mailto",
    "mms",
    "mx",
    "news",
    "nntp",
    "openpgp4fpr",
    "sip",
    "sms",
    "smsto",
    "ssh",
    "tel",
    "url",
    "webcal",
    "wtai",
    "xmpp",
];

/// Whether the sanitizer would keep `url` as a link or image address: an absolute URL with
/// an allowed scheme, or a relative one. The same rule as ammonia's: the WHATWG parser
/// decides what the scheme is (it removes tabs and newlines, as browsers do), and a URL it
/// cannot parse for another reason is dropped.
fn url_allowed(url: &str) -> bool {
    match url::Url::parse(url) {
        Ok(parsed) => URL_SCHEMES.contains(&parsed.scheme()),
        Err(url::ParseError::RelativeUrlWithoutBase) => true,
        Err(_) => false,
    }
}

/// Removes everything that could run script or break the page from rendered HTML.
pub fn sanitize(html: &str) -> String {
    static CLEANER: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    CLEANER
        .get_or_init(|| {
            let mut builder = ammonia::Builder::default();
            builder
                .add_tags(["input", "details", "summary", "section"])
                .add_generic_attributes(["id"])
                .add_tag_attributes("input", ["type", "checked", "disabled", "aria-label"])
                .add_tag_attributes("th", ["align"])
                .add_tag_attributes("td", ["align"])
                .add_tag_attributes("ol", ["start"])
                .add_tag_attribute_values("input", "type", ["checkbox"])
                .add_allowed_classes("li", ["task-list-item"])
                .add_allowed_classes("div", ["footnote-definition"])
                .add_allowed_classes("sup", ["footnote-reference", "footnote-definition-label"])
                .add_allowed_classes("span", ["footnote-definition-label"])
                .link_rel(Some("noopener noreferrer"));
            builder
        })
        .clean(html)
        .to_string()
}

/// Maps the heading levels a document uses, in order, to `top`, `top + 1`, ...: a runbook
/// written with `##` and `####` gets `<h2>` and `<h3>`, so the page's outline never skips a
/// level (screen readers navigate by it; validators flag skips). `written` holds each
/// heading's start and end event and its level as written.
fn relevel(
    events: &mut [Event],
    headings: &mut [Heading],
    written: &[(usize, usize, HeadingLevel)],
    top: u8,
) {
    let used: BTreeSet<HeadingLevel> = written.iter().map(|(_, _, level)| *level).collect();
    let levels: BTreeMap<HeadingLevel, HeadingLevel> = used
        .into_iter()
        .enumerate()
        .map(|(rank, level)| {
            let page_level =
                HeadingLevel::try_from(usize::from(top) + rank).unwrap_or(HeadingLevel::H6);
            (level, page_level)
        })
        .collect();
    for ((start, end, level), heading) in written.iter().zip(headings) {
        let page_level = levels.get(level).copied().unwrap_or(HeadingLevel::H6);
        if let Some(Event::Start(Tag::Heading { level, .. })) = events.get_mut(*start) {
            *level = page_level;
        }
        if let Some(event) = events.get_mut(*end) {
            *event = Event::End(TagEnd::Heading(page_level));
        }
        heading.level = page_level as u8;
    }
}

/// Site-absolute links get the base path so the portal works under a sub-path.
fn rebase<'a>(url: CowStr<'a>, root: &str) -> CowStr<'a> {
    if url.starts_with('/') && !url.starts_with("//") && root != "/" {
        CowStr::from(format!("{}{}", root.trim_end_matches('/'), url))
    } else {
        url
    }
}

fn plain_text(events: &[Event]) -> String {
    let mut text = String::new();
    for event in events {
        match event {
            Event::Text(t) | Event::Code(t) => text.push_str(t),
            Event::SoftBreak | Event::HardBreak => text.push(' '),
            _ => {}
        }
    }
    text.trim().to_owned()
}

/// An anchor id from heading text: lowercase words joined by `-`, like GitHub's.
pub fn slugify(text: &str) -> String {
    let mut slug = String::new();
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            slug.push(c);
        } else if (c == ' ' || c == '-' || c == '_') && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug = slug.trim_matches('-');
    if slug.is_empty() {
        "section".to_owned()
    } else {
        slug.to_owned()
    }
}

/// Ids the default theme gives elements of the pages Markdown is shown on (release,
/// runbook, ...): a heading never takes one, or `## Trail` would make `#trail` jump to the
/// note instead of the audit trail, and `## Main` would capture the skip link. Besides
/// these, every id ending in `-h` (the theme's section headings), `changelog-...` (the
/// changelogs on release pages) and `so-<n>` (the search box's options) is the page's.
const PAGE_IDS: &[&str] = &[
    "announce-chat",
    "announce-email",
    "changelogs",
    "diff",
    "main",
    "members",
    "on-call",
    "search-list",
    "search-q",
    "search-status",
    "trail",
];

/// Whether `id` is one the page itself uses (see [`PAGE_IDS`]).
fn page_id(id: &str) -> bool {
    PAGE_IDS.contains(&id)
        || id.ends_with("-h")
        || id.starts_with("changelog-")
        || search_option(id)
}

/// `so-0`, `so-1`, ...: the search box's result options.
fn search_option(id: &str) -> bool {
    id.strip_prefix("so-")
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// The heading ids given so far, and for each base the next suffix to try: `base`, then
/// `base-1`, `base-2`, ... without trying every smaller suffix again for each repeat (20,000
/// headings of the same text would otherwise take minutes).
#[derive(Default)]
struct UsedIds {
    used: HashSet<String>,
    next_suffix: HashMap<String, u32>,
}

impl UsedIds {
    fn unique(&mut self, base: &str) -> String {
        // An id in a family the page makes from a prefix (`changelog-…`, `so-<n>`) stays in
        // it whatever suffix it gets: it moves out under `section-` instead.
        let base = if base.starts_with("changelog-") || search_option(base) {
            format!("section-{base}")
        } else {
            base.to_owned()
        };
        if !page_id(&base) && self.used.insert(base.clone()) {
            return base;
        }
        let next = self.next_suffix.entry(base.clone()).or_insert(1);
        loop {
            let id = format!("{base}-{next}");
            *next += 1;
            if !page_id(&id) && self.used.insert(id.clone()) {
                return id;
            }
        }
    }
}

fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect()
}

fn line_of(starts: &[usize], offset: usize) -> u32 {
    starts.partition_point(|start| *start <= offset) as u32
}

/// Plain-text excerpt of Markdown (first paragraph), for feeds and meta descriptions.
pub fn excerpt(markdown: &str, max_chars: usize) -> String {
    let mut text = String::new();
    for event in Parser::new(markdown) {
        match event {
            Event::Text(t) | Event::Code(t) => text.push_str(&t),
            Event::SoftBreak | Event::HardBreak => text.push(' '),
            Event::End(TagEnd::Paragraph) if !text.trim().is_empty() => break,
            Event::End(TagEnd::Heading(_)) => text.push_str(": "),
            _ => {}
        }
    }
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() <= max_chars {
        return text;
    }
    let cut: String = text.chars().take(max_chars).collect();
    format!("{}…", cut.trim_end())
}

/// Heading ids per rendered document, for anchor checks: path -> ids.
pub type Anchors = BTreeMap<String, BTreeSet<String>>;

#[cfg(test)]
mod tests {
    use super::*;

    /// Where `markdown` first nests too deep, as loading finds it.
    fn check_nesting(markdown: &str) -> Result<(), TooDeep> {
        outline_checked(markdown).map(|_| ())
    }

    #[test]
    fn lazy_html_renders_for_templates_and_stands_for_its_inputs_in_fingerprints() {
        let fingerprint = |html: &LazyHtml| {
            let mut fingerprint = crate::cache::Fingerprint::new("test");
            fingerprint.value(html).expect("serializable");
            fingerprint.finish()
        };
        let notes = LazyHtml::new("## Rollout\n\nCanary first.\n", "/portal/", 3);
        let first = fingerprint(&notes);
        assert!(
            notes.html.get().is_none(),
            "fingerprinting rendered the Markdown"
        );
        assert_eq!(first, fingerprint(&notes.clone()));
        let changed = [
            LazyHtml::new("## Rollout\n\nCanary second.\n", "/portal/", 3),
            LazyHtml::new("## Rollout\n\nCanary first.\n", "/", 3),
            LazyHtml::new("## Rollout\n\nCanary first.\n", "/portal/", 2),
        ];
        for other in &changed {
            assert_ne!(first, fingerprint(other), "{other:?}");
        }
        let json = serde_json::to_string(&notes).expect("serializable");
        let html = render("## Rollout\n\nCanary first.\n", "/portal/", 3).html;
        assert_eq!(json, serde_json::to_string(&html).expect("serializable"));
        assert!(!crate::cache::fingerprinting());
    }

    #[test]
    fn renders_tables_tasks_footnotes_and_demotes_headings() {
        let out = render(
            "# Title\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n- [x] done\n\nNote[^1]\n\n[^1]: here\n",
            "/",
            2,
        );
        assert!(
            out.html.contains("<h2 id=\"title\">Title</h2>"),
            "{}",
            out.html
        );
        assert!(out.html.contains("<table>"));
        assert!(out.html.contains("type=\"checkbox\""));
        assert!(out.html.contains("aria-label=\"done\""), "{}", out.html);
        assert!(out.html.contains("footnote-definition"));
        assert_eq!(
            out.headings[0],
            Heading {
                level: 2,
                id: "title".into(),
                text: "Title".into()
            }
        );
    }

    #[test]
    fn script_and_javascript_links_never_survive() {
        let md = "<script>alert(1)</script>\n\n[x](javascript:alert(1)) <img src=x onerror=alert(1)>\n\n<a href=\"JaVaScRiPt:alert(1)\">y</a>";
        let html = render(md, "/", 2).html;
        let lower = html.to_lowercase();
        assert!(!lower.contains("<script"), "{html}");
        assert!(!lower.contains("javascript:"), "{html}");
        assert!(!lower.contains("onerror"), "{html}");
    }

    /// Markdown without raw HTML, using every construct the renderer supports.
    const PLAIN_SAMPLES: [&str; 6] = [
        "# T\n\n| left | centre | right |\n|:--|:-:|--:|\n| 1 | 2 | 3 |\n\n- [x] done\n- [ ] open\n",
        "Intro with *em*, **strong**, ~~gone~~, `code` and a footnote[^n].\n\n[^n]: The note, with [a link](https://example.com \"its title\").\n",
        "```rust\nfn main() { println!(\"<script>\"); }\n```\n\n    indented code\n\n> quote\n> > nested\n",
        "See <https://example.com/a?b=c&d=e>, <ops@example.com>, [relative](../x/#y), [mail](mailto:a@b.c) and ![diagram](/img/a.png \"t\").\n",
        "1. one\n2. two\n\n3) three\n\n---\n\nline  \nbreak & < > \" ' text\n\n[ref][r]\n\n[r]: https://example.com/'quoted'\n",
        "## Steps\n\n#### Detail with `code` & [link](/runbooks/a/#b)\n\n| a |\n|---|\n| [x](tel:+123) |\n",
    ];

    /// ammonia configured to keep everything: only its serialization, for comparison.
    fn keep_everything(html: &str) -> String {
        let mut builder = ammonia::Builder::default();
        builder
            .add_tags(["input", "details", "summary", "section"])
            .add_generic_attributes([
                "id",
                "class",
                "style",
                "rel",
                "type",
                "checked",
                "disabled",
                "aria-label",
                "start",
                "align",
            ])
            .link_rel(None);
        builder.clean(html).to_string()
    }

    #[test]
    fn markdown_without_raw_html_skips_the_sanitizer_and_loses_nothing_to_it() {
        for sample in PLAIN_SAMPLES {
            let html = render(sample, "/portal/", 2).html;
            // The sanitizer removes nothing from what the fast path wrote.
            assert_eq!(sanitize(&html), keep_everything(&html), "{sample}");
            assert!(!html.contains("style="), "{html}");
            assert!(!html.contains("language-"), "{html}");
        }
        let html = render(PLAIN_SAMPLES[3], "/", 2).html;
        assert_eq!(
            html.matches(" rel=\"noopener noreferrer\"").count(),
            4,
            "{html}"
        );
        assert!(html.contains("href=\"mailto:ops@example.com\""), "{html}");
    }

    #[test]
    fn raw_html_and_unknown_url_schemes_go_through_the_sanitizer() {
        for md in [
            "<b onclick=x>bold</b>",
            "text <!-- comment --> text",
            "[x](<java\tscript:alert(1)>)",
            "[x](<jav&#x09;ascript:alert(1)>)",
            "![x](data:text/html,<script>alert(1)</script>)",
            "<vbscript:msgbox(1)>",
            "[x](javascript&#58;alert(1))",
        ] {
            let html = render(md, "/", 2).html;
            assert_eq!(sanitize(&html), html, "{md}: {html}");
            let lower = html.to_lowercase();
            for scheme in ["=\"javascript:", "=\"vbscript:", "=\"data:"] {
                assert!(!lower.contains(scheme), "{md}: {html}");
            }
            assert!(!lower.contains("onclick"), "{md}: {html}");
        }
        assert!(!url_allowed("javascript:alert(1)"));
        assert!(!url_allowed(" JAVASCRIPT:x"));
        assert!(!url_allowed("http://[::1"));
        assert!(url_allowed("../a/#b"));
        assert!(url_allowed("HTTPS://example.com"));
    }

    #[test]
    fn heading_levels_never_skip() {
        let out = render("## Steps\n\n#### Detail\n\n## Verify\n", "/", 3);
        let levels: Vec<u8> = out.headings.iter().map(|h| h.level).collect();
        assert_eq!(levels, [3, 4, 3]);
        assert!(out.html.contains("<h4 id=\"detail\">"), "{}", out.html);
    }

    #[test]
    fn duplicate_headings_get_unique_ids() {
        let out = render("## Verify\n\n## Verify\n", "/", 2);
        let ids: Vec<_> = out.headings.iter().map(|h| h.id.as_str()).collect();
        assert_eq!(ids, ["verify", "verify-1"]);
        // A heading written like a later suffix keeps it; the repeat moves past it.
        let out = render("## A\n\n## A 1\n\n## A\n\n## A\n", "/", 2);
        let ids: Vec<_> = out.headings.iter().map(|h| h.id.as_str()).collect();
        assert_eq!(ids, ["a", "a-1", "a-2", "a-3"]);
    }

    #[test]
    fn thousands_of_repeated_headings_get_unique_ids_in_linear_time() {
        let markdown = "## h\n".repeat(20_000);
        let out = outline(&markdown);
        let ids: BTreeSet<&str> = out.headings.iter().map(|h| h.id.as_str()).collect();
        assert_eq!(ids.len(), 20_000);
        assert!(ids.contains("h-19999"));
    }

    #[test]
    fn headings_never_take_the_pages_own_ids() {
        let out = render(
            "## Trail\n\n## Main\n\n## Notes H\n\n## Changelog 2.4.0\n\n## SO 1\n\n## Trail\n",
            "/",
            2,
        );
        let ids: Vec<_> = out.headings.iter().map(|h| h.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "trail-1",
                "main-1",
                "notes-h-1",
                "section-changelog-240",
                "section-so-1",
                "trail-2"
            ]
        );
    }

    /// Every literal id in the default theme's templates is one a heading cannot take.
    #[test]
    fn page_ids_cover_the_default_templates() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/default/templates");
        let mut checked = 0;
        for entry in walkdir::WalkDir::new(&dir) {
            let entry = entry.expect("walk the templates");
            if !entry.file_type().is_file() {
                continue;
            }
            let text = std::fs::read_to_string(entry.path()).expect("read a template");
            for literal in text.split("id=\"").skip(1) {
                let id = &literal[..literal.find('"').unwrap_or(0)];
                if id.contains("{{") || id.contains("{%") {
                    continue;
                }
                checked += 1;
                assert!(
                    page_id(id),
                    "{}: id {id:?} is not in PAGE_IDS",
                    entry.path().display()
                );
            }
        }
        assert!(checked > 30, "only {checked} ids found");
    }

    #[test]
    fn site_absolute_links_get_the_base_path_and_are_recorded_with_lines() {
        let out = render(
            "intro\n\nsee [rollback](/runbooks/pay-rollback/)\n",
            "/portal/",
            2,
        );
        assert!(
            out.html.contains("href=\"/portal/runbooks/pay-rollback/\""),
            "{}",
            out.html
        );
        assert_eq!(
            out.links,
            vec![WrittenLink {
                destination: "/runbooks/pay-rollback/".into(),
                line: 3
            }]
        );
    }

    #[test]
    fn slugify_handles_punctuation_and_unicode() {
        assert_eq!(slugify("Step 1: Roll back!"), "step-1-roll-back");
        assert_eq!(slugify("Größe prüfen"), "größe-prüfen");
        assert_eq!(slugify("!!!"), "section");
    }

    #[test]
    fn nesting_within_the_limit_passes() {
        let list: String = (0..MAX_NESTING)
            .map(|level| format!("{}- level {level}\n", "  ".repeat(level)))
            .collect();
        assert_eq!(check_nesting(&list), Ok(()));
        let html = "<div>".repeat(MAX_NESTING) + &"</div>".repeat(MAX_NESTING);
        assert_eq!(check_nesting(&format!("{html}\n\n{html}\n")), Ok(()));
        let normal = "# T\n\n> quote *with **strong** text*\n\n<details><summary>x</summary>\n\n- [a](b)\n\n</details>\n<br><img src=x><p>para<p>para\n";
        assert_eq!(check_nesting(normal), Ok(()));
    }

    #[test]
    fn deep_lists_quotes_and_html_are_found_at_their_line_and_column() {
        let deep_list = format!("intro\n\n{}x\n", "- ".repeat(100));
        assert_eq!(
            check_nesting(&deep_list),
            Err(TooDeep {
                line: 3,
                column: 2 * MAX_NESTING as u32 + 1
            })
        );
        let quotes = format!("a\n\n{}b\n", ">".repeat(1000));
        assert_eq!(
            check_nesting(&quotes),
            Err(TooDeep {
                line: 3,
                column: MAX_NESTING as u32 + 1
            })
        );
        let divs = format!("a\n\n<section>\n{}\n", "<div>".repeat(1000));
        assert_eq!(
            check_nesting(&divs),
            Err(TooDeep {
                line: 4,
                column: 5 * (MAX_NESTING as u32 - 1) + 1
            })
        );
        let inline = format!("text {} end\n", "<span>".repeat(40));
        assert_eq!(check_nesting(&inline).map_err(|e| e.line), Err(1));
    }

    #[test]
    fn outline_checked_reads_what_outline_reads_unless_too_deep() {
        // (document, nests too deep)
        let documents = [
            ("# Rollback\n\nSee [the runbook](/runbooks/pay/#steps) and [b](#rollback).\n\n## Steps\n".to_owned(), false),
            (format!("intro\n\n{}x\n", "- ".repeat(100)), true),
            (format!("a\n\n<section>\n{}\n", "<div>".repeat(1000)), true),
            (format!("# A\n\n[x](y)\n\ntext {} end\n", "<span>".repeat(40)), true),
            ("<details><summary>x</summary>\n\n- [a](b)\n\n</details>\n".to_owned(), false),
        ];
        for (document, too_deep) in &documents {
            match outline_checked(document) {
                Ok(checked) => {
                    assert!(!too_deep, "{document}");
                    assert_eq!(checked, outline(document));
                }
                Err(_) => assert!(too_deep, "{document}"),
            }
        }
        let first = outline_checked(&documents[0].0).expect("shallow");
        assert_eq!(first.links.len(), 2);
        assert_eq!(first.headings.len(), 2);
    }

    #[test]
    fn html_depth_ignores_void_self_closing_and_comment_tags() {
        let mut depth = HtmlDepth::default();
        let html = "<br><img src=\"a>b\"><x-y/><!-- <div><div> --><p><li>";
        assert_eq!(depth.scan(&html.repeat(100), 0), None);
        assert_eq!(depth.depth, 0);
        assert_eq!(depth.scan("<div><div></div>", 2), None);
        assert_eq!(depth.depth, 1);
        assert_eq!(depth.scan("<<<<div", 1), Some(3));
        let mut depth = HtmlDepth::default();
        assert_eq!(depth.scan("<div><!-- a comment over lines", 1), None);
        assert_eq!(depth.scan("<div><div><div>", 1), None);
        assert_eq!(depth.scan("--><div>", 1), Some(3));
    }

    #[test]
    fn excerpt_takes_the_first_paragraph() {
        assert_eq!(
            excerpt("# H\n\nFirst *para*.\n\nSecond.", 100),
            "H: First para."
        );
        assert_eq!(excerpt("abcdef", 3), "abc…");
    }
}
