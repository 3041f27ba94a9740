//! `shipboard fetch`: brings the mirrors of remote system repositories up to date and does
//! nothing else, so a CI job can warm (and cache) them before `check` and `build --offline`.

use std::path::Path;

use super::build::load_and_validate;
use crate::diagnostics::Diagnostics;
use crate::mirrors::{self, Network};

/// What fetching did: a note per mirror, and the problems (errors when a repository could
/// not be fetched and has no mirror yet).
pub struct FetchReport {
    pub notes: Vec<String>,
    pub diagnostics: Diagnostics,
}

/// Fetches every `repo:` URL of the content repo at `root`. `Err` when the content itself
/// cannot be read (the systems and their URLs are not known).
pub fn run(root: &Path) -> Result<FetchReport, Diagnostics> {
    let prepared = load_and_validate(root, None);
    let Some(content) = prepared.content.as_ref() else {
        return Err(prepared.diagnostics);
    };
    let (synced, problems) = mirrors::sync(root, content, Network::Fetch);
    let mut diagnostics = Diagnostics::default();
    diagnostics.extend(problems);
    let mut notes = synced.notes;
    if synced.mirrors.is_empty() && !diagnostics.has_errors() {
        notes.push("no system names its repository by URL: nothing to fetch".to_owned());
    }
    Ok(FetchReport { notes, diagnostics })
}
