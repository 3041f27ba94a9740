//! Path filters (`include_paths`): which commits touch which monorepo paths.
//!
//! For every commit of a graph, each include path is resolved to the id of its tree entry
//! (tree or blob) by reading raw tree objects, sharing reads between paths with a common
//! prefix; a commit touches a path when that id differs from the one in each of its
//! parents (a merge that only brings in a branch's changes does not count: the branch's
//! own commits do). Paths are plain repository-relative paths of a file or folder; there
//! are no globs. Resolution is fed commit by commit (it can run on its own thread beside
//! the walk); this module never walks history itself. A tree that cannot be read is
//! returned to the caller (corruption), never taken for an empty folder in silence.

use git2::{ObjectType, Odb, Oid};

use super::graph::{Graph, OidMap};
use super::integrity::Fault;
use super::rawobj::tree_entries;

/// Normalises an include path: `./services/pay/` -> `services/pay`. Empty means the root.
pub(crate) fn normalise(path: &str) -> String {
    path.trim()
        .split(['/', '\\'])
        .filter(|c| !c.is_empty() && *c != ".")
        .collect::<Vec<_>>()
        .join("/")
}

/// The include paths as a tree of path components.
#[derive(Debug, Default)]
struct Trie {
    nodes: Vec<Node>,
}

#[derive(Debug, Default)]
struct Node {
    /// Sorted by name: (component, node index).
    children: Vec<(Box<[u8]>, usize)>,
    /// The include path ending here.
    path: Option<usize>,
}

impl Trie {
    fn new(paths: &[String]) -> Trie {
        let mut trie = Trie {
            nodes: vec![Node::default()],
        };
        for (index, path) in paths.iter().enumerate() {
            let mut node = 0;
            for component in path.split('/') {
                let name = component.as_bytes();
                let at = trie.nodes[node]
                    .children
                    .binary_search_by(|(n, _)| (**n).cmp(name));
                node = match at {
                    Ok(i) => trie.nodes[node].children[i].1,
                    Err(i) => {
                        trie.nodes.push(Node::default());
                        let child = trie.nodes.len() - 1;
                        trie.nodes[node].children.insert(i, (name.into(), child));
                        child
                    }
                };
            }
            trie.nodes[node].path = Some(index);
        }
        trie
    }
}

/// Resolves the include paths in one commit's tree after another.
pub(crate) struct Resolver {
    trie: Trie,
    count: usize,
}

/// Resolved entry ids of consecutive commits: (first commit index, `count` ids per commit).
pub(crate) type Rows = (usize, Vec<Option<Oid>>);

impl Resolver {
    pub(crate) fn new(paths: &[String]) -> Resolver {
        Resolver {
            trie: Trie::new(paths),
            count: paths.len(),
        }
    }

    /// Appends the ids of every path in the commit whose root tree is `tree` to `out`.
    /// `Err`: a tree on the way (its id) could not be read; the paths below it stay absent.
    pub(crate) fn push(
        &self,
        odb: &Odb<'_>,
        tree: Oid,
        out: &mut Vec<Option<Oid>>,
    ) -> Result<(), (Oid, Fault)> {
        let start = out.len();
        out.resize(start + self.count, None);
        resolve(odb, tree, &self.trie, 0, &mut out[start..])
    }
}

fn resolve(
    odb: &Odb<'_>,
    tree: Oid,
    trie: &Trie,
    node: usize,
    out: &mut [Option<Oid>],
) -> Result<(), (Oid, Fault)> {
    let children = &trie.nodes[node].children;
    if children.is_empty() {
        return Ok(());
    }
    let object = odb.read(tree).map_err(|e| (tree, Fault::of(&e)))?;
    if object.kind() != ObjectType::Tree {
        let fault = format!("a {} where a tree was expected", object.kind());
        return Err((tree, Fault::Damaged(fault)));
    }
    for entry in tree_entries(object.data()) {
        let Ok(i) = children.binary_search_by(|(n, _)| (**n).cmp(entry.name)) else {
            continue;
        };
        let Ok(id) = Oid::from_bytes(entry.id) else {
            continue;
        };
        let child = children[i].1;
        if let Some(path) = trie.nodes[child].path {
            out[path] = Some(id);
        }
        if entry.is_tree {
            resolve(odb, id, trie, child, out)?;
        }
    }
    Ok(())
}

/// For each commit, a bit set of the paths it touches.
#[derive(Debug, Default)]
pub(crate) struct PathMasks {
    /// The distinct normalised paths, in bit order.
    pub paths: Vec<String>,
    /// Per path: some commit of the history touches it (else it is probably a typo).
    pub seen: Vec<bool>,
    words: usize,
    masks: Vec<u64>,
}

impl PathMasks {
    /// Masks from resolved rows covering every commit of `graph` (in any order). Ids are
    /// interned to `u32` (0 = absent) so the table stays small. Incomplete rows give no
    /// masks (every commit is then outside every path).
    pub(crate) fn from_rows(graph: &Graph, paths: Vec<String>, mut rows: Vec<Rows>) -> PathMasks {
        let count = paths.len();
        let words = count.div_ceil(64).max(1);
        let mut masks = vec![0u64; graph.len() * words];
        let mut seen = vec![false; count];
        rows.sort_by_key(|(start, _)| *start);
        let mut ids: Vec<u32> = Vec::with_capacity(graph.len() * count);
        let mut interner: OidMap<u32> = OidMap::default();
        for (start, row) in &rows {
            if *start * count != ids.len() {
                return PathMasks {
                    paths,
                    seen,
                    words,
                    masks,
                };
            }
            ids.extend(row.iter().map(|found| match found {
                Some(oid) => {
                    let next = interner.len() as u32 + 1;
                    *interner.entry(*oid).or_insert(next)
                }
                None => 0,
            }));
        }
        if count == 0 || ids.len() != graph.len() * count {
            return PathMasks {
                paths,
                seen,
                words,
                masks,
            };
        }
        drop(interner);
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
                    seen[p] = true;
                }
            }
        }
        PathMasks {
            paths,
            seen,
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
        let Some(row) = self.masks.get(commit as usize * self.words..) else {
            return false;
        };
        bits.iter()
            .any(|&b| row.get(b / 64).is_some_and(|w| w & (1 << (b % 64)) != 0))
    }
}

/// The id of the entry at `path` (normalised, `/`-separated; empty = the tree itself):
/// `None` when there is none, `Err` with the tree on the way that could not be read.
pub(crate) fn entry_id(odb: &Odb<'_>, tree: Oid, path: &str) -> Result<Option<Oid>, (Oid, Fault)> {
    if path.is_empty() {
        return Ok(Some(tree));
    }
    let trie = Trie::new(&[path.to_owned()]);
    let mut out = [None];
    resolve(odb, tree, &trie, 0, &mut out)?;
    Ok(out[0])
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

    #[test]
    fn trie_shares_prefixes_and_keeps_children_sorted() {
        let trie = Trie::new(&["services/b".into(), "services/a".into(), "docs".into()]);
        let root = &trie.nodes[0];
        let names: Vec<&[u8]> = root.children.iter().map(|(n, _)| &**n).collect();
        assert_eq!(names, [&b"docs"[..], b"services"]);
        let services = &trie.nodes[root.children[1].1];
        assert_eq!(services.children.len(), 2);
        assert_eq!(trie.nodes[services.children[0].1].path, Some(1));
    }
}
