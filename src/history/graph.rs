//! The commit graph of one repository: one walk from all release tags and HEAD, every
//! commit read and parsed exactly once, then set-difference queries answered in memory.
//!
//! Commits are numbered; parents are index lists; each commit has a generation number
//! (1 + the highest generation of its parents) so that "reachable from A but not from B"
//! can walk newest-first and stop as soon as only uninteresting commits are left, like
//! `git log B..A`. A parent missing from the object database below a commit listed as
//! shallow is a shallow clone's boundary: dropped, the commit marked. Any other tip or
//! parent that cannot be read is recorded as broken (corruption, see `integrity`). This
//! module knows nothing of systems, tags or changelogs.

use std::collections::{BinaryHeap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};

use git2::{ObjectType, Odb, Oid};

use super::conventional::breaking_footer;
use super::integrity::{Broken, Fault, Kind, ShallowCut, Via};
use super::rawobj::{self, merge_subject, split_message};

/// Hashes object ids by their first 8 bytes: they are already uniformly distributed.
#[derive(Debug, Default)]
pub(crate) struct OidHasher(u64);

impl Hasher for OidHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut head = [0u8; 8];
        let n = bytes.len().min(8);
        head[..n].copy_from_slice(&bytes[..n]);
        self.0 = self.0.rotate_left(5) ^ u64::from_le_bytes(head);
    }

    fn write_usize(&mut self, _length_prefix: usize) {}

    fn finish(&self) -> u64 {
        self.0
    }
}

/// A map keyed by object id.
pub(crate) type OidMap<V> = HashMap<Oid, V, BuildHasherDefault<OidHasher>>;

/// What the changelog needs of one commit, parsed once.
#[derive(Debug, Clone)]
pub(crate) struct CommitData {
    pub tree: Oid,
    /// Index into `Graph::authors`.
    pub author: u32,
    pub author_time: i64,
    pub commit_time: i64,
    /// First paragraph, lines joined.
    pub subject: Box<str>,
    /// The `BREAKING CHANGE:` footer of the body (the rest of the body is not kept).
    pub breaking_note: Option<Box<str>>,
    /// For merges with a generic subject: the first line of the body.
    pub merge_subject: Option<Box<str>>,
}

/// All commits reachable from the walk's tips.
#[derive(Debug, Default)]
pub(crate) struct Graph {
    pub ids: Vec<Oid>,
    index: OidMap<u32>,
    parent_start: Vec<u32>,
    parent_list: Vec<u32>,
    pub generation: Vec<u32>,
    pub data: Vec<CommitData>,
    /// Author names, interned.
    pub authors: Vec<String>,
    /// Commits whose parents a shallow clone did not fetch.
    pub boundary: Vec<bool>,
    /// Tips and parents that could not be read although no shallow cut explains it
    /// (corruption), in walk order, each object once.
    pub broken: Vec<Broken>,
}

/// Where a walk starts: a commit and the ref that names it (for error messages).
#[derive(Debug, Clone)]
pub(crate) struct Tip {
    pub id: Oid,
    /// `HEAD (refs/heads/main)`, `refs/tags/v1.2.0`.
    pub name: String,
}

impl Graph {
    /// Walks every commit reachable from `tips` once. Tips and parents that are not
    /// readable commits are left out: recorded in `broken`, or marked as `boundary` when
    /// `shallow` explains them. `on_commit` gets each commit's root tree, in index order,
    /// as soon as it is read (to resolve paths alongside the walk).
    pub(crate) fn walk(
        odb: &Odb<'_>,
        tips: &[Tip],
        shallow: &ShallowCut,
        on_commit: &mut dyn FnMut(Oid),
    ) -> Graph {
        let mut graph = Graph::default();
        let mut author_ids: HashMap<String, u32> = HashMap::new();
        let mut parent_ids: Vec<Vec<Oid>> = Vec::new();
        let mut failed: OidMap<Fault> = OidMap::default();
        let mut stack: Vec<Oid> = tips.iter().map(|t| t.id).collect();
        stack.sort();
        stack.dedup();
        while let Some(oid) = stack.pop() {
            if graph.index.contains_key(&oid) || failed.contains_key(&oid) {
                continue;
            }
            let read = read_commit(odb, oid, &mut graph.authors, &mut author_ids);
            let (data, parents) = match read {
                Ok(read) => read,
                Err(fault) => {
                    failed.insert(oid, fault);
                    continue;
                }
            };
            graph.index.insert(oid, graph.ids.len() as u32);
            graph.ids.push(oid);
            on_commit(data.tree);
            graph.data.push(data);
            stack.extend(
                parents
                    .iter()
                    .rev()
                    .filter(|p| !graph.index.contains_key(p)),
            );
            parent_ids.push(parents);
        }
        graph.link(&parent_ids, &failed, tips, shallow);
        graph.generation = generations(&graph);
        graph
    }

    /// Turns parent ids into indices; a parent that was not read is the shallow cut's
    /// boundary when `shallow` explains it, else broken (as are unreadable tips).
    fn link(
        &mut self,
        parent_ids: &[Vec<Oid>],
        failed: &OidMap<Fault>,
        tips: &[Tip],
        shallow: &ShallowCut,
    ) {
        let mut reported: OidMap<()> = OidMap::default();
        let mut report = |broken: &mut Vec<Broken>, id: Oid, fault: &Fault, via: Via| {
            if reported.insert(id, ()).is_none() {
                broken.push(Broken {
                    id,
                    kind: Kind::Commit,
                    fault: fault.clone(),
                    via,
                });
            }
        };
        for tip in tips {
            if let Some(fault) = failed.get(&tip.id) {
                report(&mut self.broken, tip.id, fault, Via::Ref(tip.name.clone()));
            }
        }
        self.parent_start.reserve(self.ids.len() + 1);
        self.boundary = vec![false; self.ids.len()];
        for (i, parents) in parent_ids.iter().enumerate() {
            self.parent_start.push(self.parent_list.len() as u32);
            for parent in parents {
                if let Some(&p) = self.index.get(parent) {
                    self.parent_list.push(p);
                    continue;
                }
                let child = self.ids[i];
                let fault = failed.get(parent).cloned().unwrap_or(Fault::Missing);
                if shallow.explains(child, &fault) {
                    self.boundary[i] = true;
                } else {
                    report(&mut self.broken, *parent, &fault, Via::Child(child));
                }
            }
        }
        self.parent_start.push(self.parent_list.len() as u32);
    }

    pub(crate) fn len(&self) -> usize {
        self.ids.len()
    }

    pub(crate) fn get(&self, oid: Oid) -> Option<u32> {
        self.index.get(&oid).copied()
    }

    pub(crate) fn parents(&self, i: u32) -> &[u32] {
        let i = i as usize;
        &self.parent_list[self.parent_start[i] as usize..self.parent_start[i + 1] as usize]
    }

    pub(crate) fn is_merge(&self, i: u32) -> bool {
        self.parents(i).len() > 1
    }
}

/// Reads and parses one commit; any failure is a fault of that object.
fn read_commit(
    odb: &Odb<'_>,
    oid: Oid,
    authors: &mut Vec<String>,
    author_ids: &mut HashMap<String, u32>,
) -> Result<(CommitData, Vec<Oid>), Fault> {
    let object = odb.read(oid).map_err(|e| Fault::of(&e))?;
    if object.kind() != ObjectType::Commit {
        return Err(Fault::Damaged(format!(
            "a {} where a commit was expected",
            object.kind()
        )));
    }
    let malformed = || Fault::Damaged("not a well-formed commit".to_owned());
    let raw = rawobj::parse_commit(object.data()).ok_or_else(malformed)?;
    let parents = raw
        .parents
        .iter()
        .map(|p| Oid::from_str(p))
        .collect::<Result<Vec<Oid>, _>>()
        .map_err(|_| malformed())?;
    let tree = Oid::from_str(raw.tree).map_err(|_| malformed())?;
    let author = match author_ids.get(&raw.author.name) {
        Some(&id) => id,
        None => {
            let id = authors.len() as u32;
            authors.push(raw.author.name.clone());
            author_ids.insert(raw.author.name.clone(), id);
            id
        }
    };
    let message = String::from_utf8_lossy(raw.message);
    let (subject, body) = split_message(&message);
    let data = CommitData {
        tree,
        author,
        author_time: raw.author.time,
        commit_time: raw.commit_time,
        breaking_note: breaking_footer(body).map(String::into_boxed_str),
        merge_subject: if parents.len() > 1 {
            merge_subject(&subject, body).map(Box::from)
        } else {
            None
        },
        subject: subject.into_boxed_str(),
    };
    Ok((data, parents))
}

/// Generation numbers, computed iteratively (histories are too deep for recursion).
fn generations(graph: &Graph) -> Vec<u32> {
    let mut generation = vec![0u32; graph.len()];
    let mut stack = Vec::new();
    for start in 0..graph.len() as u32 {
        if generation[start as usize] != 0 {
            continue;
        }
        stack.push(start);
        while let Some(&top) = stack.last() {
            if generation[top as usize] != 0 {
                stack.pop();
                continue;
            }
            let mut ready = true;
            let mut highest = 0;
            for &p in graph.parents(top) {
                match generation[p as usize] {
                    0 => {
                        stack.push(p);
                        ready = false;
                    }
                    g => highest = highest.max(g),
                }
            }
            if ready {
                generation[top as usize] = highest + 1;
                stack.pop();
            }
        }
    }
    generation
}

const INTERESTING: u8 = 1;
const UNINTERESTING: u8 = 2;

/// Scratch space for difference queries; reuse one per thread.
#[derive(Debug, Default)]
pub(crate) struct Walker {
    epoch: u32,
    stamp: Vec<u32>,
    flags: Vec<u8>,
    heap: BinaryHeap<(u32, u32)>,
}

impl Walker {
    /// Commits reachable from `include` and from none of `exclude`, newest (highest
    /// generation) first. With `first_parent`, only first parents are followed on both
    /// sides, like `git log --first-parent`.
    pub(crate) fn difference(
        &mut self,
        graph: &Graph,
        include: &[u32],
        exclude: &[u32],
        first_parent: bool,
    ) -> Vec<u32> {
        if self.stamp.len() != graph.len() || self.epoch == u32::MAX {
            self.stamp = vec![0; graph.len()];
            self.flags = vec![0; graph.len()];
            self.epoch = 0;
        }
        self.epoch += 1;
        self.heap.clear();
        let mut interesting = 0usize;
        for &i in exclude {
            self.mark(graph, i, UNINTERESTING, &mut interesting);
        }
        for &i in include {
            self.mark(graph, i, INTERESTING, &mut interesting);
        }
        let mut out = Vec::new();
        while interesting > 0 {
            let Some((_, i)) = self.heap.pop() else { break };
            let flag = self.flags[i as usize];
            if flag == INTERESTING {
                interesting -= 1;
                out.push(i);
            }
            let parents = graph.parents(i);
            let parents = if first_parent && !parents.is_empty() {
                &parents[..1]
            } else {
                parents
            };
            for &p in parents {
                self.mark(graph, p, flag, &mut interesting);
            }
        }
        out
    }

    fn mark(&mut self, graph: &Graph, i: u32, flag: u8, interesting: &mut usize) {
        let at = i as usize;
        if self.stamp[at] != self.epoch {
            self.stamp[at] = self.epoch;
            self.flags[at] = 0;
        }
        let old = self.flags[at];
        let new = old | flag;
        if new == old {
            return;
        }
        self.flags[at] = new;
        if old == 0 {
            self.heap.push((graph.generation[at], i));
            if new == INTERESTING {
                *interesting += 1;
            }
        } else if old == INTERESTING {
            // Queued as interesting, now reachable from an excluded tip too.
            *interesting -= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A graph from parent lists (index order is arbitrary, as after a real walk).
    pub(crate) fn graph(parents: &[&[u32]]) -> Graph {
        let mut g = Graph::default();
        for (i, ps) in parents.iter().enumerate() {
            g.ids.push(Oid::from_bytes(&[i as u8 + 1; 20]).unwrap());
            g.parent_start.push(g.parent_list.len() as u32);
            g.parent_list.extend_from_slice(ps);
        }
        g.parent_start.push(g.parent_list.len() as u32);
        g.generation = generations(&g);
        g.boundary = vec![false; parents.len()];
        g
    }

    /// A commit object with `parents`, written to `odb` when `write`; its id either way.
    fn commit(odb: &Odb<'_>, parents: &[Oid], write: bool) -> Oid {
        let mut text = "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n".to_owned();
        for parent in parents {
            text.push_str(&format!("parent {parent}\n"));
        }
        text.push_str(
            "author A <a@example.com> 1 +0000\ncommitter A <a@example.com> 1 +0000\n\nx\n",
        );
        if write {
            odb.write(ObjectType::Commit, text.as_bytes()).unwrap()
        } else {
            Oid::hash_object(ObjectType::Commit, text.as_bytes()).unwrap()
        }
    }

    fn tip(id: Oid) -> Tip {
        Tip {
            id,
            name: "HEAD (refs/heads/main)".to_owned(),
        }
    }

    #[test]
    fn unreadable_commits_are_broken_unless_a_shallow_cut_explains_them() {
        let dir = tempfile::tempdir().unwrap();
        let repo = git2::Repository::init_bare(dir.path()).unwrap();
        let odb = repo.odb().unwrap();
        let root = commit(&odb, &[], true);
        let lost = commit(&odb, &[root], false);
        let child = commit(&odb, &[lost], true);
        let none = ShallowCut::default();
        let graph = Graph::walk(&odb, &[tip(child)], &none, &mut |_| {});
        assert_eq!(graph.len(), 1);
        assert_eq!(graph.boundary, [false]);
        assert_eq!(
            graph.broken,
            [Broken {
                id: lost,
                kind: Kind::Commit,
                fault: Fault::Missing,
                via: Via::Child(child),
            }]
        );
        // The same commit on a shallow clone's cut: its parent was never fetched.
        let cut = ShallowCut::parse(&child.to_string());
        let graph = Graph::walk(&odb, &[tip(child)], &cut, &mut |_| {});
        assert!(graph.broken.is_empty());
        assert_eq!(graph.boundary, [true]);
        // A missing tip is named by its ref.
        let graph = Graph::walk(&odb, &[tip(lost)], &cut, &mut |_| {});
        assert_eq!(graph.len(), 0);
        assert_eq!(
            graph.broken[0].via,
            Via::Ref("HEAD (refs/heads/main)".to_owned())
        );
        // A parent that is not a commit is damaged, even on the cut.
        let blob = odb.write(ObjectType::Blob, b"not a commit").unwrap();
        let odd = commit(&odb, &[blob], true);
        let cut = ShallowCut::parse(&odd.to_string());
        let graph = Graph::walk(&odb, &[tip(odd)], &cut, &mut |_| {});
        assert_eq!(
            graph.broken[0].fault,
            Fault::Damaged("a blob where a commit was expected".to_owned())
        );
    }

    #[test]
    fn generations_follow_the_longest_path() {
        // 0 <- 1 <- 2, and 3 merges 2 with 0.
        let g = graph(&[&[], &[0], &[1], &[2, 0]]);
        assert_eq!(g.generation, [1, 2, 3, 4]);
    }

    #[test]
    fn difference_is_like_git_log_range() {
        // Linear 0..=4, branch 5 from 2, merge 6 = (4, 5).
        let g = graph(&[&[], &[0], &[1], &[2], &[3], &[2], &[4, 5]]);
        let mut w = Walker::default();
        assert_eq!(w.difference(&g, &[4], &[2], false), [4, 3]);
        assert_eq!(w.difference(&g, &[6], &[4], false), [6, 5]);
        assert_eq!(w.difference(&g, &[6], &[4], true), [6]);
        assert_eq!(w.difference(&g, &[2], &[], false), [2, 1, 0]);
        assert!(w.difference(&g, &[2], &[4], false).is_empty());
        // Excluded tip not an ancestor: only the shared part is removed.
        assert_eq!(w.difference(&g, &[4], &[5], false), [4, 3]);
        assert_eq!(w.difference(&g, &[6], &[3, 5], false), [6, 4]);
    }
}
