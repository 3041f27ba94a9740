//! The stored form of a parse, for the parse cache on disk: the same values as
//! [`RawRelease`], [`RawRunbook`], the outline and the warnings, in types that postcard can
//! write and read back.
//!
//! Why a twin rather than serde on the raw types: `serde_saphyr::Spanned` serializes its
//! value only (its locations are lost), and its `Deserialize` asks the format for a map the
//! YAML parser makes up (`deserialize_any`), which postcard, a format without field names,
//! cannot give. `Location` has no public constructor and reads only from a map. So each
//! spanned value is stored as its value and the raw numbers of its two locations, and read
//! back through `Location`'s own `Deserialize`, fed by [`Part`]. The conversions destructure
//! every struct in full, so a field added to a raw type does not compile until it is stored.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use serde::de::value::{Error, MapDeserializer, SeqDeserializer};
use serde::de::{self, Deserialize, IntoDeserializer, Visitor};
use serde::{Deserializer, Serialize};
use serde_saphyr::{Location, Spanned};

use super::Parse;
use crate::content::raw::{
    RawApproval, RawDependency, RawRelease, RawRunbook, RawTick, RawWindow, ReleaseStatus,
    ReleaseType, Rollout, RunbookKind, Text,
};
use crate::diagnostics::{Diagnostic, Severity, SourceRef};
use crate::markdown::{Heading, Outline, WrittenLink};

/// A location's raw numbers: line, column, the span's character offset and length, its
/// byte offset and length (`u32::MAX` each when unknown, as the parser keeps them) and the
/// source id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
struct Loc([u32; 7]);

impl Loc {
    fn of(at: &Location) -> Loc {
        let span = at.span();
        let unknown = u64::from(u32::MAX);
        let number = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
        Loc([
            number(at.line()),
            number(at.column()),
            number(span.offset()),
            number(span.len()),
            number(span.byte_offset().unwrap_or(unknown)),
            number(span.byte_len().unwrap_or(unknown)),
            at.source_id(),
        ])
    }

    fn location(self) -> Result<Location, Error> {
        Location::deserialize(Part::Location(self.0))
    }
}

/// A spanned value: the value, where it is referenced and, when elsewhere (an alias),
/// where it is defined.
#[derive(Serialize, serde::Deserialize)]
struct S<T> {
    value: T,
    referenced: Loc,
    defined: Option<Loc>,
}

fn store<T, U>(spanned: &Spanned<T>, value: impl FnOnce(&T) -> U) -> S<U> {
    let referenced = Loc::of(&spanned.referenced);
    let defined = Loc::of(&spanned.defined);
    S {
        value: value(&spanned.value),
        referenced,
        defined: (defined != referenced).then_some(defined),
    }
}

fn text(spanned: &Text) -> S<String> {
    store(spanned, String::clone)
}

impl<U> S<U> {
    fn back<T>(self, value: impl FnOnce(U) -> Result<T, Error>) -> Result<Spanned<T>, Error> {
        let referenced = self.referenced.location()?;
        let defined = match self.defined {
            Some(defined) => defined.location()?,
            None => referenced,
        };
        Ok(Spanned::new(value(self.value)?, referenced, defined))
    }
}

impl S<String> {
    fn text(self) -> Result<Text, Error> {
        self.back(Ok)
    }
}

fn texts(list: &[Text]) -> Vec<S<String>> {
    list.iter().map(text).collect()
}

fn texts_back(list: Vec<S<String>>) -> Result<Vec<Text>, Error> {
    list.into_iter().map(S::text).collect()
}

fn text_back(text: Option<S<String>>) -> Result<Option<Text>, Error> {
    text.map(S::text).transpose()
}

/// Feeds `Location`'s (and `Span`'s) `Deserialize` the map it reads, from raw numbers.
enum Part {
    Location([u32; 7]),
    Span([u32; 4]),
    Pair(u32, u32),
    Number(u32),
}

impl<'de> Deserializer<'de> for Part {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self {
            Part::Number(n) => visitor.visit_u32(n),
            Part::Pair(a, b) => visitor.visit_seq(SeqDeserializer::new([a, b].into_iter())),
            Part::Span([offset, len, byte_offset, byte_len]) => {
                let fields = [
                    ("offset", Part::Number(offset)),
                    ("len", Part::Number(len)),
                    ("byte_info", Part::Pair(byte_offset, byte_len)),
                ];
                visitor.visit_map(MapDeserializer::new(fields.into_iter()))
            }
            Part::Location([line, column, offset, len, byte_offset, byte_len, source]) => {
                let fields = [
                    ("line", Part::Number(line)),
                    ("column", Part::Number(column)),
                    ("span", Part::Span([offset, len, byte_offset, byte_len])),
                    ("source_id", Part::Number(source)),
                ];
                visitor.visit_map(MapDeserializer::new(fields.into_iter()))
            }
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map struct enum
        identifier ignored_any
    }
}

impl IntoDeserializer<'_, Error> for Part {
    type Deserializer = Part;

    fn into_deserializer(self) -> Part {
        self
    }
}

/// A parse as stored: generic over the front matter's stored form.
#[derive(Serialize, serde::Deserialize)]
struct StoredParse<F> {
    front: F,
    /// Headings (level, id, text) and links (destination, line).
    headings: Vec<(u8, String, String)>,
    links: Vec<(String, u32)>,
    warnings: Vec<StoredDiagnostic>,
}

#[derive(Serialize, serde::Deserialize)]
struct StoredDiagnostic {
    severity: Severity,
    file: PathBuf,
    line: u32,
    column: u32,
    field: Option<String>,
    message: String,
    help: Option<String>,
}

/// A front matter type with a stored form.
pub trait Storable: Sized {
    type Stored: Serialize + de::DeserializeOwned;
    fn to_stored(&self) -> Self::Stored;
    fn from_stored(stored: Self::Stored) -> Result<Self, Error>;
}

/// The bytes of `parse`, or `None` if it cannot be written (then it is simply not stored).
pub fn encode<T: Storable>(parse: &Parse<T>) -> Option<Vec<u8>> {
    let Outline { headings, links } = &*parse.outline;
    let stored = StoredParse {
        front: parse.front.to_stored(),
        headings: headings
            .iter()
            .map(|h| (h.level, h.id.clone(), h.text.clone()))
            .collect(),
        links: links
            .iter()
            .map(|l| (l.destination.clone(), l.line))
            .collect(),
        warnings: parse.warnings.iter().map(diagnostic).collect(),
    };
    postcard::to_stdvec(&stored).ok()
}

/// The parse `bytes` hold, or `None` if they are not one (then the file is parsed again).
pub fn decode<T: Storable>(bytes: &[u8]) -> Option<Parse<T>> {
    let stored: StoredParse<T::Stored> = postcard::from_bytes(bytes).ok()?;
    let headings = stored.headings.into_iter();
    let links = stored.links.into_iter();
    let outline = Outline {
        headings: headings
            .map(|(level, id, text)| Heading { level, id, text })
            .collect(),
        links: links
            .map(|(destination, line)| WrittenLink { destination, line })
            .collect(),
    };
    Some(Parse {
        front: T::from_stored(stored.front).ok()?,
        outline: Arc::new(outline),
        warnings: stored.warnings.into_iter().map(diagnostic_back).collect(),
    })
}

fn diagnostic(d: &Diagnostic) -> StoredDiagnostic {
    let Diagnostic {
        severity,
        at: SourceRef { file, line, column },
        field,
        message,
        help,
    } = d;
    StoredDiagnostic {
        severity: *severity,
        file: file.clone(),
        line: *line,
        column: *column,
        field: field.clone(),
        message: message.clone(),
        help: help.clone(),
    }
}

fn diagnostic_back(d: StoredDiagnostic) -> Diagnostic {
    Diagnostic {
        severity: d.severity,
        at: SourceRef::new(d.file, d.line, d.column),
        field: d.field,
        message: d.message,
        help: d.help,
    }
}

#[derive(Serialize, serde::Deserialize)]
pub struct StoredRelease {
    system: S<String>,
    version: S<String>,
    kind: S<ReleaseType>,
    status: S<ReleaseStatus>,
    title: Option<S<String>>,
    status_note: Option<S<String>>,
    window: S<StoredWindow>,
    owner: S<String>,
    people: Vec<(String, S<Vec<S<String>>>)>,
    approvals: Vec<S<StoredApproval>>,
    tickets: Vec<S<String>>,
    checklist: Option<S<String>>,
    runbooks: Vec<S<String>>,
    rollout: Option<Rollout>,
    depends_on: Vec<(S<String>, S<String>)>,
    announced_at: Option<S<String>>,
    ticks: Vec<S<StoredTick>>,
}

#[derive(Serialize, serde::Deserialize)]
struct StoredWindow {
    start: S<String>,
    end: S<String>,
    timezone: Option<S<String>>,
}

#[derive(Serialize, serde::Deserialize)]
struct StoredApproval {
    role: S<String>,
    by: S<String>,
    at: S<String>,
    ticket: Option<String>,
}

#[derive(Serialize, serde::Deserialize)]
struct StoredTick {
    item: S<String>,
    by: S<String>,
    at: S<String>,
    wording: Option<S<String>>,
    note: Option<String>,
    evidence: Option<S<String>>,
}

impl Storable for RawRelease {
    type Stored = StoredRelease;

    fn to_stored(&self) -> StoredRelease {
        let RawRelease {
            system,
            version,
            kind,
            status,
            title,
            status_note,
            window,
            owner,
            people,
            approvals,
            tickets,
            checklist,
            runbooks,
            rollout,
            depends_on,
            announced_at,
            ticks,
        } = self;
        StoredRelease {
            system: text(system),
            version: text(version),
            kind: store(kind, |k| *k),
            status: store(status, |s| *s),
            title: title.as_ref().map(text),
            status_note: status_note.as_ref().map(text),
            window: store(window, window_stored),
            owner: text(owner),
            people: people
                .iter()
                .map(|(role, names)| (role.clone(), store(names, |n| texts(n))))
                .collect(),
            approvals: approvals
                .iter()
                .map(|a| store(a, approval_stored))
                .collect(),
            tickets: texts(tickets),
            checklist: checklist.as_ref().map(text),
            runbooks: texts(runbooks),
            rollout: *rollout,
            depends_on: depends_on
                .iter()
                .map(|RawDependency { system, version }| (text(system), text(version)))
                .collect(),
            announced_at: announced_at.as_ref().map(text),
            ticks: ticks.iter().map(|t| store(t, tick_stored)).collect(),
        }
    }

    fn from_stored(s: StoredRelease) -> Result<RawRelease, Error> {
        let people = s.people.into_iter().map(|(role, names)| {
            let names = names.back(texts_back)?;
            Ok((role, names))
        });
        let depends_on = s.depends_on.into_iter().map(|(system, version)| {
            Ok(RawDependency {
                system: system.text()?,
                version: version.text()?,
            })
        });
        Ok(RawRelease {
            system: s.system.text()?,
            version: s.version.text()?,
            kind: s.kind.back(Ok)?,
            status: s.status.back(Ok)?,
            title: text_back(s.title)?,
            status_note: text_back(s.status_note)?,
            window: s.window.back(window_back)?,
            owner: s.owner.text()?,
            people: people.collect::<Result<BTreeMap<_, _>, Error>>()?,
            approvals: s
                .approvals
                .into_iter()
                .map(|a| a.back(approval_back))
                .collect::<Result<_, _>>()?,
            tickets: texts_back(s.tickets)?,
            checklist: text_back(s.checklist)?,
            runbooks: texts_back(s.runbooks)?,
            rollout: s.rollout,
            depends_on: depends_on.collect::<Result<_, Error>>()?,
            announced_at: text_back(s.announced_at)?,
            ticks: s
                .ticks
                .into_iter()
                .map(|t| t.back(tick_back))
                .collect::<Result<_, _>>()?,
        })
    }
}

fn window_stored(w: &RawWindow) -> StoredWindow {
    let RawWindow {
        start,
        end,
        timezone,
    } = w;
    StoredWindow {
        start: text(start),
        end: text(end),
        timezone: timezone.as_ref().map(text),
    }
}

fn window_back(w: StoredWindow) -> Result<RawWindow, Error> {
    Ok(RawWindow {
        start: w.start.text()?,
        end: w.end.text()?,
        timezone: text_back(w.timezone)?,
    })
}

fn approval_stored(a: &RawApproval) -> StoredApproval {
    let RawApproval {
        role,
        by,
        at,
        ticket,
    } = a;
    StoredApproval {
        role: text(role),
        by: text(by),
        at: text(at),
        ticket: ticket.clone(),
    }
}

fn approval_back(a: StoredApproval) -> Result<RawApproval, Error> {
    Ok(RawApproval {
        role: a.role.text()?,
        by: a.by.text()?,
        at: a.at.text()?,
        ticket: a.ticket,
    })
}

fn tick_stored(t: &RawTick) -> StoredTick {
    let RawTick {
        item,
        by,
        at,
        wording,
        note,
        evidence,
    } = t;
    StoredTick {
        item: text(item),
        by: text(by),
        at: text(at),
        wording: wording.as_ref().map(text),
        note: note.clone(),
        evidence: evidence.as_ref().map(text),
    }
}

fn tick_back(t: StoredTick) -> Result<RawTick, Error> {
    Ok(RawTick {
        item: t.item.text()?,
        by: t.by.text()?,
        at: t.at.text()?,
        wording: text_back(t.wording)?,
        note: t.note,
        evidence: text_back(t.evidence)?,
    })
}

#[derive(Serialize, serde::Deserialize)]
pub struct StoredRunbook {
    title: S<String>,
    kind: RunbookKind,
    system: Option<S<String>>,
    owner: S<String>,
    summary: Option<S<String>>,
}

impl Storable for RawRunbook {
    type Stored = StoredRunbook;

    fn to_stored(&self) -> StoredRunbook {
        let RawRunbook {
            title,
            kind,
            system,
            owner,
            summary,
        } = self;
        StoredRunbook {
            title: text(title),
            kind: *kind,
            system: system.as_ref().map(text),
            owner: text(owner),
            summary: summary.as_ref().map(text),
        }
    }

    fn from_stored(s: StoredRunbook) -> Result<RawRunbook, Error> {
        Ok(RawRunbook {
            title: s.title.text()?,
            kind: s.kind,
            system: text_back(s.system)?,
            owner: s.owner.text()?,
            summary: text_back(s.summary)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::fmt::Debug;
    use std::path::Path;

    use serde::de::DeserializeOwned;

    use super::*;
    use crate::content::load::parse_markdown_text;

    /// A release with every field, an alias (a value defined elsewhere than it is used),
    /// text beyond ASCII (character and byte offsets differ), a value cut by ` #` (a
    /// warning) and notes with headings and links.
    const EVERY_FIELD: &str = "---
system: payments
version: 2.4.0
type: emergency
status: in-progress
title: Wallet top-ups — für Zoë
status_note: paused for the ledger #2 fix
window:
  start: 2026-12-06 02:00
  end: 2026-12-06 03:30
  timezone: Europe/Berlin
owner: &owner priya
people:
  developer: [elif, zainab]
  sre: [*owner]
approvals:
  - role: qa-lead
    by: hannah
    at: 2026-11-24 17:30
    ticket: REL-812
  - {role: sre, by: li, at: 2026-11-25 09:00}
tickets: [PAY-456, PAY-470]
checklist: standard-rollout
runbooks: [payments-deploy, post-deploy-verification]
rollout: blue-green
depends_on:
  - system: ledger
    version: \">=3.1.0\"
announced_at: 2026-12-06 01:30
ticks:
  - item: ticket-filed
    by: olu
    at: 2026-11-26 10:15
    wording: 0123456789abcdef
    note: Filed as REL-812.
    evidence: https://tracker.example/PAY-472
---
## Summary

Top-ups by card ([Storefront](/releases/storefront/5.0.0/)), see [below](#rollback).

### Rollback — Zoë's steps

[Runbook](/runbooks/payments-deploy/)
";

    const RUNBOOK: &str = "---
title: Payments deploy
kind: deploy
system: payments
owner: priya
summary: Deploy payments #1 of 2
---
# Steps

1. [Drain](https://example.com/drain)
";

    fn round_trips<T: Storable + DeserializeOwned + Debug>(path: &str, text: &str) -> Parse<T> {
        let parse: Parse<T> = parse_markdown_text(Path::new(path), text).expect("parses");
        let bytes = encode(&parse).expect("encodes");
        let back = decode::<T>(&bytes).expect("decodes");
        assert_eq!(format!("{back:#?}"), format!("{parse:#?}"), "{path}");
        for cut in 0..bytes.len() {
            assert!(decode::<T>(&bytes[..cut]).is_none(), "{path} cut at {cut}");
        }
        parse
    }

    #[test]
    fn a_release_with_every_field_comes_back_the_same_spans_included() {
        let parse = round_trips::<RawRelease>("releases/payments-2.4.0.md", EVERY_FIELD);
        let release = &parse.front;
        assert_ne!(
            release.people["sre"].value[0].defined, release.people["sre"].value[0].referenced,
            "an alias is defined where the anchor is"
        );
        assert_eq!(release.title.as_ref().map(|t| t.referenced.line()), Some(5));
        let title = release.title.as_ref().map(|t| t.referenced.span());
        assert_ne!(title.map(|s| s.len()), title.and_then(|s| s.byte_len()));
        assert_eq!(parse.warnings.len(), 1, "{:?}", parse.warnings);
        assert_eq!(parse.outline.headings.len(), 2);
        assert_eq!(parse.outline.links.len(), 3);
    }

    #[test]
    fn a_runbook_with_every_field_comes_back_the_same() {
        let parse = round_trips::<RawRunbook>("runbooks/payments-deploy.md", RUNBOOK);
        assert!(parse.front.system.is_some() && parse.front.summary.is_some());
        assert_eq!(parse.warnings.len(), 1, "{:?}", parse.warnings);
    }

    #[test]
    fn the_example_portals_releases_and_runbooks_come_back_the_same() {
        let content = Path::new(env!("CARGO_MANIFEST_DIR")).join("content");
        let mut count = 0;
        for folder in ["releases", "runbooks"] {
            let entries = std::fs::read_dir(content.join(folder)).expect("example content");
            for entry in entries {
                let path = entry.expect("entry").path();
                let text = std::fs::read_to_string(&path).expect("read");
                let relative = path.strip_prefix(&content).expect("inside");
                let relative = relative.to_str().expect("UTF-8");
                match folder {
                    "releases" => drop(round_trips::<RawRelease>(relative, &text)),
                    _ => drop(round_trips::<RawRunbook>(relative, &text)),
                }
                count += 1;
            }
        }
        assert!(count > 30, "{count} files");
    }

    #[test]
    fn an_unknown_location_comes_back_unknown() {
        let unknown = Location::UNKNOWN;
        let back = Loc::of(&unknown).location().expect("a location");
        assert_eq!(format!("{back:?}"), format!("{unknown:?}"));
    }
}
