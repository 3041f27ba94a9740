//! Page data for what git says that pages show: the `/releases/slips/` report and a
//! release's audit trail. Filled in by `model::git`; defined here so pages do not depend on
//! the stage that joins git facts in.

use serde::Serialize;

use crate::history::{Slip, Trail, TrailEntry};

/// `/releases/slips/`: shipped releases whose tag came later than planned.
#[derive(Debug, Clone, Serialize)]
pub struct SlipsPage {
    pub systems: Vec<SystemSlips>,
    pub count: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct SystemSlips {
    pub system: String,
    pub system_name: String,
    pub slips: Vec<SlipView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SlipView {
    #[serde(flatten)]
    pub slip: Slip,
    pub path: String,
}

/// The newest trail entries a release page shows; older ones are counted.
pub const TRAIL_SHOWN: usize = 20;

/// A release's audit trail as its page shows it (section `#trail`).
#[derive(Debug, Clone, Serialize)]
pub struct TrailView {
    /// The newest `TRAIL_SHOWN` entries, newest first.
    pub entries: Vec<TrailEntry>,
    /// Entries left out.
    pub older: usize,
    /// The content repository is a shallow clone.
    pub partial: bool,
}

/// The page view of `trail`, bounded to `TRAIL_SHOWN` entries.
pub fn trail_view(trail: &Trail) -> TrailView {
    let shown = trail.entries.len().min(TRAIL_SHOWN);
    TrailView {
        entries: trail.entries[..shown].to_vec(),
        older: trail.entries.len() - shown,
        partial: trail.partial,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(n: usize) -> TrailEntry {
        TrailEntry {
            at: chrono::DateTime::UNIX_EPOCH,
            date: String::new(),
            datetime: String::new(),
            when: format!("entry {n}"),
            author: "Priya Raman".into(),
            sha: String::new(),
            short_sha: String::new(),
            changes: Vec::new(),
        }
    }

    #[test]
    fn release_pages_show_the_newest_trail_entries_and_count_the_rest() {
        let trail = Trail {
            entries: (0..25).map(entry).collect(),
            partial: true,
        };
        let view = trail_view(&trail);
        assert_eq!(view.entries.len(), TRAIL_SHOWN);
        assert_eq!(view.entries[0].when, "entry 0", "newest first, as read");
        assert_eq!((view.older, view.partial), (5, true));
        let short = Trail {
            entries: (0..3).map(entry).collect(),
            partial: false,
        };
        assert_eq!(trail_view(&short).older, 0);
    }
}
