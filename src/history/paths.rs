//! Path filters (`include_paths`): which commits touch which monorepo paths.
//!
//! For every commit of a graph, each include path is resolved to the id of its tree entry
//! (tree or blob) by reading raw tree objects; a commit touches a path when that id differs
//! from the one in each of its parents (a merge that only brings in a branch's changes does
//! not count: the branch's own commits do). Paths are plain repository-relative paths of a
//! file or folder; there are no globs. This module never walks history itself.

use std::collections::HashMap;

use git2::{ObjectType, Odb, Oid};

use super::graph::Graph;
use super::rawobj::tree_entries;

/// Normalises an include path: `./services/pay/` -> `services/pay`. Empty means the root.
pub(crate) fn normalise(path: &str) -> String {
    path.trim()
        .split(['/', '\\'])
        .filter(|c| !c.is_empty() && *c != ".")
        .collect::<Vec<_>>()
        .join("/")
}

/// For each commit, a bit set of the paths it touches.
#[derive(Debug, Default)]
pub(crate) struct PathMasks {
    /// The distinct normalised paths, in bit order.
    pub paths: Vec<String>,
    words: usize,
    masks: Vec<u64>,
}

impl PathMasks {
    /// Resolves `paths` in every commit of `graph`.
    pub(crate) fn compute(odb: &Odb<'_>, graph: &Graph, paths: Vec<String>) -> PathMasks {
        let count = paths.len();
        let words = count.div_ceil(64).max(1);
        let mut masks = vec![0u64; graph.len() * words];
        if count == 0 {
            return PathMasks {
                paths,
                words,
                masks,
            };
        }
        let split: Vec<Vec<&[u8]>> = paths
            .iter()
            .map(|p| p.split('/').map(str::as_bytes).collect())
            .collect();
        let order: Vec<usize> = (0..count).collect();
        let mut interner: HashMap<Oid, u32> = HashMap::new();
        // Entry ids per commit and path, interned to u32 (0 = absent).
        let mut ids = vec![0u32; graph.len() * count];
        let mut scratch = vec![None; count];
        for commit in 0..graph.len() {
            scratch.iter_mut().for_each(|s| *s = None);
            resolve(
                odb,
                graph.data[commit].tree,
                &split,
                &order,
                0,
                &mut scratch,
            );
            for (p, found) in scratch.iter().enumerate() {
                if let Some(oid) = found {
                    let next = interner.len() as u32 + 1;
                    ids[commit * count + p] = *interner.entry(*oid).or_insert(next);
                }
            }
        }
        for commit in 0..graph.len() as u32 {
            let parents = graph.parents(commit);
            let row = commit as usize * count;
            for p in 0..count {
                let id = ids[row + p];
                let touched = if parents.is_empty() {
                    id != 0
                } else {
                    parents.iter().all(|&q| ids[q as usize * count + p] != id)
                };
                if touched {
                    masks[commit as usize * words + p / 64] |= 1 << (p % 64);
                }
            }
        }
        PathMasks {
            paths,
            words,
            masks,
        }
    }

    /// Bit indices of `paths` (normalised) in this set.
    pub(crate) fn bits_of(&self, paths: &[String]) -> Vec<usize> {
        paths
            .iter()
            .filter_map(|p| self.paths.iter().position(|q| q == p))
            .collect()
    }

    /// Whether `commit` touches any of the paths `bits`.
    pub(crate) fn touches(&self, commit: u32, bits: &[usize]) -> bool {
        let row = &self.masks[commit as usize * self.words..][..self.words];
        bits.iter().any(|&b| row[b / 64] & (1 << (b % 64)) != 0)
    }
}

/// The id of the entry at `path` (normalised, `/`-separated; empty = the tree itself).
pub(crate) fn entry_id(odb: &Odb<'_>, tree: Oid, path: &str) -> Option<Oid> {
    if path.is_empty() {
        return Some(tree);
    }
    let split = vec![path.split('/').map(str::as_bytes).collect::<Vec<_>>()];
    let mut out = [None];
    resolve(odb, tree, &split, &[0], 0, &mut out);
    out[0]
}

/// Resolves the paths `which` (component lists) below `tree` at component `depth`, sharing
/// each tree read between paths with a common prefix.
fn resolve(
    odb: &Odb<'_>,
    tree: Oid,
    split: &[Vec<&[u8]>],
    which: &[usize],
    depth: usize,
    out: &mut [Option<Oid>],
) {
    let Ok(object) = odb.read(tree) else { return };
    if object.kind() != ObjectType::Tree {
        return;
    }
    let mut deeper: HashMap<&[u8], (Oid, Vec<usize>)> = HashMap::new();
    for entry in tree_entries(object.data()) {
        for &p in which {
            if split[p][depth] != entry.name {
                continue;
            }
            let Ok(id) = Oid::from_bytes(entry.id) else {
                continue;
            };
            if split[p].len() == depth + 1 {
                out[p] = Some(id);
            } else if entry.is_tree {
                deeper
                    .entry(split[p][depth])
                    .or_insert((id, Vec::new()))
                    .1
                    .push(p);
            }
        }
    }
    let mut deeper: Vec<(Oid, Vec<usize>)> = deeper.into_values().collect();
    deeper.sort_by_key(|(id, _)| *id);
    for (id, paths) in deeper {
        resolve(odb, id, split, &paths, depth + 1, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_paths() {
        assert_eq!(normalise("./services/pay/"), "services/pay");
        assert_eq!(normalise("/a//b"), "a/b");
        assert_eq!(normalise("."), "");
    }
}
