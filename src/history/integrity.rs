//! Integrity: git objects the history needed but could not read, told apart from the cut
//! of a shallow clone.
//!
//! A parent commit that is missing below a commit listed in the repository's `shallow`
//! file is where a shallow clone stops (a warning elsewhere: history is partial). Every
//! other missing or unreadable object (a commit, an annotated tag, a tree named by a ref or
//! by another object) is corruption: the changelogs built from it would silently lose
//! commits, so it becomes an error naming the object, what points at it and the fix. This
//! module classifies and words; it never walks history.

use std::collections::HashSet;
use std::fmt;

use git2::{ErrorCode, Oid, Repository};

use crate::content::System;
use crate::diagnostics::Diagnostic;

/// What the missing or damaged object was expected to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Commit,
    Tag,
    Tree,
    Blob,
    /// A ref's target that could not be read: nothing says what it was.
    Unknown,
}

/// What is wrong with the object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Fault {
    /// Not in the object database.
    Missing,
    /// There but unreadable (bad compression, wrong type, malformed): why.
    Damaged(String),
}

impl Fault {
    /// A libgit2 read error as a fault: "not found" is missing, anything else is damage.
    pub(crate) fn of(err: &git2::Error) -> Fault {
        if err.code() == ErrorCode::NotFound {
            Fault::Missing
        } else {
            Fault::Damaged(err.message().trim().to_owned())
        }
    }
}

/// What points at the object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Via {
    /// A reference, e.g. `refs/tags/v1.2.0` or `HEAD (refs/heads/main)`.
    Ref(String),
    /// It is a parent of this commit.
    Child(Oid),
    /// It is the target of this annotated tag object (tag name, tag object id).
    TagTarget(String, Oid),
    /// A tree read for this commit's files (its root tree or a folder in it).
    InCommit(Oid),
    /// Nothing yet: found damaged in its loose object file (this path), before any read.
    Loose(String),
}

/// One object the history could not use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Broken {
    pub id: Oid,
    pub kind: Kind,
    pub fault: Fault,
    pub via: Via,
}

impl fmt::Display for Broken {
    /// `commit 1a2b…, parent of commit 3c4d…, is missing`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            Kind::Commit => "commit",
            Kind::Tag => "tag object",
            Kind::Tree => "tree",
            Kind::Blob => "blob",
            Kind::Unknown => "object",
        };
        write!(f, "{kind} {}, ", self.id)?;
        match &self.via {
            Via::Ref(name) => write!(f, "named by {name}")?,
            Via::Child(child) => write!(f, "parent of commit {child}")?,
            Via::TagTarget(name, tag) => write!(f, "target of tag {name} (tag object {tag})")?,
            Via::InCommit(commit) => write!(f, "in the files of commit {commit}")?,
            Via::Loose(path) => write!(f, "stored as {path}")?,
        }
        match &self.fault {
            Fault::Missing => write!(f, ", is missing"),
            Fault::Damaged(why) if why.is_empty() => write!(f, ", is damaged"),
            Fault::Damaged(why) => write!(f, ", is damaged ({why})"),
        }
    }
}

/// The commits a shallow clone has without their parents (the repository's `shallow`
/// file). Empty for a complete repository.
#[derive(Debug, Default, Clone)]
pub(crate) struct ShallowCut(HashSet<Oid>);

impl ShallowCut {
    /// Reads `shallow` in the repository's git dir; a missing file is an empty cut.
    pub(crate) fn of(repo: &Repository) -> ShallowCut {
        match std::fs::read_to_string(repo.path().join("shallow")) {
            Ok(text) => ShallowCut::parse(&text),
            Err(_) => ShallowCut::default(),
        }
    }

    /// One hex id per line; other lines are ignored.
    pub(crate) fn parse(text: &str) -> ShallowCut {
        ShallowCut(
            text.lines()
                .filter_map(|l| Oid::from_str(l.trim()).ok())
                .filter(|id| !id.is_zero())
                .collect(),
        )
    }

    /// A parent of `child` that cannot be read with `fault` is the clone's boundary (not
    /// corruption) when it is missing and `child` is listed as shallow.
    pub(crate) fn explains(&self, child: Oid, fault: &Fault) -> bool {
        *fault == Fault::Missing && self.0.contains(&child)
    }
}

/// At most this many broken objects are listed per system; the rest are counted.
pub(crate) const LISTED: usize = 5;

/// The errors for `broken` objects of `system`'s repository (its `repo:`, or the content
/// repository when it has none).
pub(crate) fn errors(system: &System, broken: &[&Broken]) -> Vec<Diagnostic> {
    let (what, place) = match system.repo.as_deref() {
        Some(url) if crate::mirrors::is_remote(url) => {
            let url = crate::mirrors::redact(url);
            (
                format!("the mirror of {url} (system {})", system.id),
                format!("its folder under .shipboard/repos/ (or delete it: the next fetch clones {url} again)"),
            )
        }
        Some(path) => (
            format!("the git repository of system {} at {path}", system.id),
            format!("{path} (relative to the content dir)"),
        ),
        None => (
            format!("the content repository (history of system {})", system.id),
            "the content repository".to_owned(),
        ),
    };
    let error = |problem: String| {
        Diagnostic::error(
            system.repo_at(),
            Some("repo"),
            format!("{what} is corrupt: {problem}"),
        )
        .with_help(fix(&place))
    };
    let mut out: Vec<Diagnostic> = broken
        .iter()
        .take(LISTED)
        .map(|b| error(b.to_string()))
        .collect();
    if broken.len() > LISTED {
        let more = broken.len() - LISTED;
        out.push(error(format!("{more} more objects are missing or damaged")));
    }
    out
}

/// How to repair a repository; `place` says where it is.
pub(crate) fn fix(place: &str) -> String {
    format!(
        "run `git fsck --full` in {place} to list the damaged objects, then re-clone the repository (or restore the objects from a good clone); its history cannot be trusted until then"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use git2::ErrorClass;

    fn id(byte: u8) -> Oid {
        Oid::from_bytes(&[byte; 20]).unwrap()
    }

    #[test]
    fn not_found_is_missing_and_any_other_read_error_is_damage() {
        let missing = git2::Error::new(ErrorCode::NotFound, ErrorClass::Odb, "object not found");
        assert_eq!(Fault::of(&missing), Fault::Missing);
        let zlib = git2::Error::new(
            ErrorCode::GenericError,
            ErrorClass::Zlib,
            "failed to inflate\n",
        );
        assert_eq!(
            Fault::of(&zlib),
            Fault::Damaged("failed to inflate".to_owned())
        );
    }

    #[test]
    fn only_a_missing_parent_of_a_listed_shallow_commit_is_the_clone_boundary() {
        let text = format!("{}\n\nnot an id\n{}\n", id(1), Oid::ZERO_SHA1);
        let cut = ShallowCut::parse(&text);
        assert!(cut.explains(id(1), &Fault::Missing));
        // A damaged parent is corruption even in a shallow clone.
        assert!(!cut.explains(id(1), &Fault::Damaged("bad".to_owned())));
        // A commit not on the cut: its parent is missing because the repo is corrupt.
        assert!(!cut.explains(id(2), &Fault::Missing));
        assert!(!ShallowCut::default().explains(id(1), &Fault::Missing));
    }

    #[test]
    fn broken_objects_say_what_they_are_and_what_points_at_them() {
        let parent = Broken {
            id: id(0xaa),
            kind: Kind::Commit,
            fault: Fault::Missing,
            via: Via::Child(id(0xbb)),
        };
        assert_eq!(
            parent.to_string(),
            format!(
                "commit {}, parent of commit {}, is missing",
                id(0xaa),
                id(0xbb)
            )
        );
        let tag = Broken {
            id: id(0xcc),
            kind: Kind::Unknown,
            fault: Fault::Damaged("failed to inflate".to_owned()),
            via: Via::Ref("refs/tags/v2.3.1".to_owned()),
        };
        assert_eq!(
            tag.to_string(),
            format!(
                "object {}, named by refs/tags/v2.3.1, is damaged (failed to inflate)",
                id(0xcc)
            )
        );
        let target = Broken {
            id: id(0xdd),
            kind: Kind::Tag,
            fault: Fault::Damaged(String::new()),
            via: Via::TagTarget("v1.2.0".to_owned(), id(0xee)),
        };
        let tree = Broken {
            id: id(0x11),
            kind: Kind::Tree,
            fault: Fault::Missing,
            via: Via::InCommit(id(0x22)),
        };
        assert_eq!(
            tree.to_string(),
            format!(
                "tree {}, in the files of commit {}, is missing",
                id(0x11),
                id(0x22)
            )
        );
        assert_eq!(
            target.to_string(),
            format!(
                "tag object {}, target of tag v1.2.0 (tag object {}), is damaged",
                id(0xdd),
                id(0xee)
            )
        );
    }

    #[test]
    fn errors_name_system_repository_object_and_fix_and_are_capped() {
        let system = System::new(
            "billing",
            "Billing",
            "ana",
            "billing-rollback",
            crate::diagnostics::SourceRef::new("portal.yaml", 5, 5),
        );
        let system = System {
            repo: Some("repos/billing".to_owned()),
            ..system
        };
        let broken: Vec<Broken> = (1..=7)
            .map(|i| Broken {
                id: id(i),
                kind: Kind::Commit,
                fault: Fault::Missing,
                via: Via::Child(id(i + 100)),
            })
            .collect();
        let refs: Vec<&Broken> = broken.iter().collect();
        let found = errors(&system, &refs);
        assert_eq!(found.len(), LISTED + 1);
        assert!(found.iter().all(Diagnostic::is_error));
        assert_eq!(
            found[0].to_string(),
            format!(
                "portal.yaml:5:5: error[repo]: the git repository of system billing at repos/billing is corrupt: commit {}, parent of commit {}, is missing\n  help: {}",
                id(1),
                id(101),
                fix("repos/billing (relative to the content dir)")
            )
        );
        assert!(found[LISTED]
            .message
            .ends_with("2 more objects are missing or damaged"));
        assert!(errors(&system, &[]).is_empty());
        let content_repo = System {
            repo: None,
            ..system
        };
        let found = errors(&content_repo, &refs[..1]);
        assert!(found[0]
            .message
            .starts_with("the content repository (history of system billing) is corrupt: commit"));
        assert_eq!(
            found[0].help.as_deref(),
            Some(fix("the content repository").as_str())
        );
    }
}
