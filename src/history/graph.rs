//! The commit graph of one repository: one walk from all release tags and HEAD, every
//! commit read and parsed exactly once, then set-difference queries answered in memory.
//!
//! Commits are numbered; parents are index lists; each commit has a generation number
//! (1 + the highest generation of its parents) so that "reachable from A but not from B"
//! can walk newest-first and stop as soon as only uninteresting commits are left, like
//! `git log B..A`. A parent missing from the object database (a shallow clone's boundary)
//! is dropped and the graph is marked truncated. This module knows nothing of systems,
//! tags or changelogs.

use std::collections::{BinaryHeap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};

use git2::{ObjectType, Odb, Oid};

use super::conventional::breaking_footer;
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
    /// Commits with a parent missing from the object database (a shallow clone's cut).
    pub boundary: Vec<bool>,
    /// Some commit could not be read: history stops early.
    pub truncated: bool,
}

impl Graph {
    /// Walks every commit reachable from `tips` once. Tips that are not readable commits
    /// are skipped (and reported as truncation). `on_commit` gets each commit's root tree,
    /// in index order, as soon as it is read (to resolve paths alongside the walk).
    pub(crate) fn walk(odb: &Odb<'_>, tips: &[Oid], on_commit: &mut dyn FnMut(Oid)) -> Graph {
        let mut graph = Graph::default();
        let mut author_ids: HashMap<String, u32> = HashMap::new();
        let mut parent_ids: Vec<Vec<Oid>> = Vec::new();
        let mut stack: Vec<Oid> = tips.to_vec();
        stack.sort();
        stack.dedup();
        while let Some(oid) = stack.pop() {
            if graph.index.contains_key(&oid) {
                continue;
            }
            let Some((data, parents)) = read_commit(odb, oid, &mut graph.authors, &mut author_ids)
            else {
                graph.truncated = true;
                continue;
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
        graph.parent_start.reserve(graph.ids.len() + 1);
        graph.boundary = vec![false; graph.ids.len()];
        for (i, parents) in parent_ids.iter().enumerate() {
            graph.parent_start.push(graph.parent_list.len() as u32);
            for parent in parents {
                match graph.index.get(parent) {
                    Some(&p) => graph.parent_list.push(p),
                    None => {
                        graph.truncated = true;
                        graph.boundary[i] = true;
                    }
                }
            }
        }
        graph.parent_start.push(graph.parent_list.len() as u32);
        graph.generation = generations(&graph);
        graph
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

fn read_commit(
    odb: &Odb<'_>,
    oid: Oid,
    authors: &mut Vec<String>,
    author_ids: &mut HashMap<String, u32>,
) -> Option<(CommitData, Vec<Oid>)> {
    let object = odb.read(oid).ok()?;
    if object.kind() != ObjectType::Commit {
        return None;
    }
    let raw = rawobj::parse_commit(object.data())?;
    let parents: Vec<Oid> = raw
        .parents
        .iter()
        .filter_map(|p| Oid::from_str(p).ok())
        .collect();
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
        tree: Oid::from_str(raw.tree).ok()?,
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
    Some((data, parents))
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
