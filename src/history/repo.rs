//! Repositories: open them and list their tags, each peeled to the commit it names.
//!
//! Lightweight and annotated tags are both read; a tag pointing at another tag is followed
//! to the commit (the outermost tag's message and date win); tags of trees or blobs are
//! returned apart (a tag that exists but is no release); a tag whose object (or whose
//! target) is missing or damaged is returned as broken, for an error; refs that cannot be
//! listed at all (a damaged `packed-refs`) and a HEAD that cannot be read are said, not
//! taken for "no tags" or "no unreleased work". This module does not match tags to
//! systems or walk history.

use std::path::Path;

use git2::{ErrorCode, ObjectType, Oid, Repository, RepositoryOpenFlags};

use super::graph::Tip;
use super::integrity::{Broken, Fault, Kind, Via};

/// A tag as git has it.
#[derive(Debug, Clone)]
pub(crate) struct RepoTag {
    /// Without `refs/tags/`.
    pub name: String,
    pub commit: Oid,
    pub annotated: bool,
    /// Annotated tag message without signature; `None` when empty or just the tag name.
    pub message: Option<String>,
    /// Tagger time (seconds) of an annotated tag.
    pub tagger_time: Option<i64>,
}

/// The tags of a repository: readable ones, and those whose objects are not.
#[derive(Debug, Default)]
pub(crate) struct Tags {
    /// Sorted by name.
    pub tags: Vec<RepoTag>,
    /// (name without `refs/tags/`, what is broken), sorted by name.
    pub broken: Vec<(String, Broken)>,
    /// (name, `blob` or `tree`): tags of objects that are not commits, sorted by name.
    pub not_commits: Vec<(String, &'static str)>,
    /// Why the tags could not be listed (libgit2's message), e.g. a damaged `packed-refs`.
    pub unlisted: Option<String>,
}

/// What HEAD names.
#[derive(Debug, Clone)]
pub(crate) enum Head {
    /// A commit, and a name for it (branch name, or the SHA when detached).
    Commit(Tip, String),
    /// A branch with no commits (`ref: refs/heads/nope`), e.g. a fresh repository or a
    /// bare one whose HEAD names `master` while pushes go to `main`.
    Unborn(String),
    /// HEAD itself cannot be read (garbage in the file): libgit2's message.
    Unreadable(String),
}

impl Head {
    /// HEAD's commit, when it names one.
    pub(crate) fn commit(&self) -> Option<(Tip, String)> {
        match self {
            Head::Commit(tip, name) => Some((tip.clone(), name.clone())),
            _ => None,
        }
    }
}

/// Opens the repository at exactly `path` (a work tree or a bare repository); never
/// searches parent folders, so a missing repo is reported instead of silently using an
/// enclosing one.
pub(crate) fn open(path: &Path) -> Result<Repository, git2::Error> {
    Repository::open_ext(
        path,
        RepositoryOpenFlags::NO_SEARCH,
        std::iter::empty::<&std::ffi::OsStr>(),
    )
}

/// What HEAD names. When HEAD's commit cannot be read, its id is returned all the same:
/// the walk reports it as broken.
pub(crate) fn head(repo: &Repository) -> Head {
    let head = match repo.head() {
        Ok(head) => head,
        Err(err) if err.code() == ErrorCode::UnbornBranch => {
            let branch = repo
                .find_reference("HEAD")
                .ok()
                .and_then(|r| r.symbolic_target().ok().flatten().map(str::to_owned));
            return Head::Unborn(branch.unwrap_or_else(|| "HEAD".to_owned()));
        }
        Err(err) => return Head::Unreadable(err.message().trim().to_owned()),
    };
    let commit = match head.peel_to_commit() {
        Ok(commit) => commit.id(),
        Err(err) => match head.target() {
            Some(id) => id,
            None => return Head::Unreadable(err.message().trim().to_owned()),
        },
    };
    let (name, label) = match head.name().ok() {
        Some(full) if head.is_branch() => (
            head.shorthand().unwrap_or("HEAD").to_owned(),
            format!("HEAD ({full})"),
        ),
        _ => (commit.to_string(), "HEAD".to_owned()),
    };
    let tip = Tip {
        id: commit,
        name: label,
    };
    Head::Commit(tip, name)
}

/// Every tag of the repository, sorted by name.
pub(crate) fn list_tags(repo: &Repository, debug: &mut Vec<String>) -> Tags {
    let mut tags = Tags::default();
    let references = match repo.references_glob("refs/tags/*") {
        Ok(references) => references,
        Err(err) => {
            tags.unlisted = Some(err.message().trim().to_owned());
            return tags;
        }
    };
    for reference in references {
        let reference = match reference {
            Ok(reference) => reference,
            Err(err) => {
                tags.unlisted.get_or_insert(err.message().trim().to_owned());
                continue;
            }
        };
        let Some(name) = reference
            .name()
            .ok()
            .and_then(|n| n.strip_prefix("refs/tags/"))
        else {
            debug.push("ignored a tag whose name is not UTF-8".to_owned());
            continue;
        };
        let Some(target) = reference.resolve().ok().and_then(|r| r.target()) else {
            debug.push(format!("ignored tag {name}: it does not resolve"));
            continue;
        };
        match peel(repo, target, name) {
            Ok(Peeled::Commit(tag)) => tags.tags.push(tag),
            Ok(Peeled::Not(kind)) => tags.not_commits.push((name.to_owned(), kind)),
            Ok(Peeled::TooDeep) => {
                debug.push(format!("ignored tag {name}: a chain of more than 16 tags"))
            }
            Err(broken) => tags.broken.push((name.to_owned(), broken)),
        }
    }
    tags.tags.sort_by(|a, b| a.name.cmp(&b.name));
    tags.broken.sort_by(|a, b| a.0.cmp(&b.0));
    tags.not_commits.sort();
    tags
}

/// Where a tag leads.
enum Peeled {
    Commit(RepoTag),
    /// A tree or a blob (`tree`, `blob`).
    Not(&'static str),
    /// A chain of more than 16 tags.
    TooDeep,
}

/// Follows the tag's ref to its commit. `Err`: an object on the way is missing or damaged.
fn peel(repo: &Repository, mut oid: Oid, name: &str) -> Result<Peeled, Broken> {
    let mut outer: Option<(Option<String>, Option<i64>)> = None;
    let mut kind = Kind::Unknown;
    let mut via = Via::Ref(format!("refs/tags/{name}"));
    for _ in 0..16 {
        let object = repo.find_object(oid, None).map_err(|err| Broken {
            id: oid,
            kind,
            fault: Fault::of(&err),
            via: via.clone(),
        })?;
        let Some(tag) = object.as_tag() else {
            match object.kind() {
                Some(ObjectType::Commit) => {}
                Some(ObjectType::Tree) => return Ok(Peeled::Not("tree")),
                _ => return Ok(Peeled::Not("blob")),
            }
            let (message, tagger_time) = outer.clone().unwrap_or((None, None));
            return Ok(Peeled::Commit(RepoTag {
                name: name.to_owned(),
                commit: oid,
                annotated: outer.is_some(),
                message,
                tagger_time,
            }));
        };
        if outer.is_none() {
            let message = tag
                .message_bytes()
                .map(|m| clean_message(&String::from_utf8_lossy(m), name))
                .unwrap_or(None);
            outer = Some((message, tag.tagger().map(|s| s.when().seconds())));
        }
        kind = match tag.target_type() {
            Some(ObjectType::Commit) => Kind::Commit,
            Some(ObjectType::Tag) => Kind::Tag,
            Some(ObjectType::Tree) => Kind::Tree,
            _ => Kind::Unknown,
        };
        via = Via::TagTarget(name.to_owned(), oid);
        oid = tag.target_id();
    }
    Ok(Peeled::TooDeep)
}

/// Drops a trailing PGP/SSH signature and whitespace; a message that only repeats the tag
/// name or version carries no highlights.
pub(crate) fn clean_message(message: &str, tag_name: &str) -> Option<String> {
    let end = message
        .find("-----BEGIN PGP SIGNATURE-----")
        .or_else(|| message.find("-----BEGIN SSH SIGNATURE-----"))
        .unwrap_or(message.len());
    let text = message[..end].trim();
    let trivial = text.is_empty()
        || text == tag_name
        || tag_name.trim_start_matches(|c: char| !c.is_ascii_digit()) == text;
    (!trivial).then(|| text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_messages_lose_signatures_and_trivial_text() {
        assert_eq!(
            clean_message(
                "Wallet top-ups\n\n-----BEGIN PGP SIGNATURE-----\nxx\n",
                "v2.4.0"
            )
            .as_deref(),
            Some("Wallet top-ups")
        );
        assert_eq!(clean_message("v2.4.0\n", "v2.4.0"), None);
        assert_eq!(clean_message("2.4.0", "payments-v2.4.0"), None);
        assert_eq!(clean_message("  \n", "v1"), None);
    }
}
