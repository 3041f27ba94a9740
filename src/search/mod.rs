//! Search index: what the search box of every page reads, written by `shipboard build`
//! into `search/` beside the pages. This module collects the documents ([`documents`]) from
//! the content, the site model and the git facts, and encodes them ([`encode`]); it never
//! writes files (`build` writes each file [`index_files_each`] hands it) and never
//! reads the clock, so the same content gives byte-identical files.
//!
//! The text rules (folding, words, stemming, shard names) and the reader live in the
//! `shipboard-search` crate (`wasm/search/`), which the browser client is built from, so
//! the writer and the reader cannot disagree.
//!
//! # Format (version 2)
//!
//! Every file is UTF-8 text, lines ending in `\n`, fields separated by `\t`; no field
//! contains a tab or a line break (whitespace is collapsed to single spaces). Numbers are
//! decimal. Paths are relative to `search/`.
//!
//! - `index.txt`, the manifest, read first:
//!   ```text
//!   shipboard-search 2
//!   docs <number of documents>
//!   bucket <records per fragment file>
//!   k <shard> <shard> ...      identifier shards that exist, sorted
//!   t <shard> ...              term shards
//!   c <shard> ...              commit shards
//!   ```
//!   A shard is named by a prefix of the keys it holds, as lowercase hex of its UTF-8
//!   (`pa` -> `7061`); names sort as the prefixes do. Keys go by their first two chars; a
//!   shard that would exceed [`encode::SHARD_BUDGET`] bytes is split by one char more
//!   (`7265` into `726561`, `72656c`, ...), recursively, and the key equal to the split
//!   prefix, if any, stays in the shard of that prefix (so a listed shard is either whole or
//!   holds just that key). A key is in the shard named by its longest listed prefix; the
//!   keys starting with a query word are in the listed shards named by it or a longer
//!   prefix, or else in its longest listed prefix's (see `shipboard_search::index::
//!   Manifest::shards`). A query fetches the manifest plus, per family and word, one shard,
//!   or, for a word shorter than a split, the parts under it in key order (in rounds of 1,
//!   1, 2, 4, ... parts) until ranking has what it uses (1–3 files in practice). Version 1 named shards by two chars only; a
//!   client of one version refuses the other's manifest. A shard that is not listed holds
//!   nothing; one listed that fails to load, or any file that does not parse, makes the
//!   client say "Search is unavailable".
//! - `k/<shard>.txt`, identifiers: `key \t id,id,...`, sorted by key. Keys are folded
//!   (lowercase, accents removed, whitespace collapsed): ticket ids (`pay-456`, from front
//!   matter and from the release's commits), `system version` and `System Name version`,
//!   bare versions, person names, first and last names, ids and chat handles (with and
//!   without `@`), runbook titles and slugs, system ids and names. Queried by prefix.
//! - `t/<shard>.txt`, full text: `term \t postings`, sorted by term. Terms are folded,
//!   stemmed words of titles, facts and text (see `shipboard_search::text`). Postings are
//!   `delta[:weight]` separated by spaces: document ids ascending, each as the difference
//!   to the previous one, with a weight when it is not 1 (title 16, facts 4, text 1 per
//!   occurrence up to 4, summed). A term keeps its best [`encode::MAX_POSTINGS`] documents.
//! - `c/<shard>.txt`, commits: `sha \t id \t subject`, sorted by SHA (full 40 hex digits,
//!   lowercase); `id` is the release that first shipped the commit (whose changelog lists
//!   it). Queried by prefix with 7 or more hex digits.
//! - `f/<n>.txt`, records of documents `n*bucket .. n*bucket+bucket-1`, two lines each:
//!   `group \t url \t title \t meta \t rollback`, then up to
//!   [`documents::TEXT_CHARS`] chars of plain text for snippets. `group` is `r` release,
//!   `b` runbook or runbook section, `s` system, `p` person, `o` the contacts page, an
//!   escalation ladder or an on-call rotation, `t` release train or departure, `v` system
//!   version; `url` is relative to the
//!   portal's base path (the client prefixes it) and may end in `#anchor` (runbook
//!   sections); `rollback` is the version a rollback of a release returns to.
//!
//! Document ids follow a fixed order: systems, people, runbooks (each followed by its
//! sections), releases by system then version.

mod documents;
mod encode;
mod html_text;

use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};

use crate::content::Content;
use crate::history::Facts;
use crate::model::SiteModel;

pub use documents::{Body, CommitEntry, Document};

/// The folder of the output that holds the index, and nothing else.
pub const FOLDER: &str = "search/";

/// The index files, by output path (`search/index.txt`, `search/k/7061.txt`, ...),
/// rendering the release notes and runbook bodies it indexes.
pub fn index_files(
    content: &Content,
    site: &SiteModel,
    facts: Option<&Facts>,
) -> Vec<(String, Vec<u8>)> {
    let bodies = documents::page_bodies(content, site);
    let files = Mutex::new(Vec::new());
    let kept = index_files_each(content, facts, bodies, &|path, bytes| {
        files
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((path, bytes));
        Ok::<(), std::convert::Infallible>(())
    });
    if let Err(never) = kept {
        match never {}
    }
    let mut files = files.into_inner().unwrap_or_else(PoisonError::into_inner);
    files.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    files
}

/// The index files of `index_files` (path under `search/`, bytes), handed to `emit` as
/// they are made, from any thread and in no particular order, from every release note and
/// runbook body (by page path) as the pages were rendered: `build` collects the bodies
/// while it renders, so no Markdown is rendered twice, and writes each file at once, so
/// the index is never held whole.
pub fn index_files_each<E: Send>(
    content: &Content,
    facts: Option<&Facts>,
    bodies: BTreeMap<String, Body>,
    emit: &(dyn Fn(String, Vec<u8>) -> Result<(), E> + Sync),
) -> Result<(), E> {
    let (docs, commits) = documents::collect(content, facts, bodies);
    encode::encode_each(&docs, &commits, &|path, bytes| {
        emit(format!("{FOLDER}{path}"), bytes)
    })
}
