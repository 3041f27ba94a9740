//! Writing a generated content repo to disk (files, the systems' bare repositories, the
//! content dir's own commit), and keeping it across runs: `ensure` regenerates only when
//! the generator or the parameters changed (`.bench-params`).

use std::fs;
use std::path::{Path, PathBuf};

use crate::generate::{generate, Generated, Params};
use crate::git;
use crate::zola;

/// Bump when the generated content changes, so old generated repos are regenerated.
pub const GENERATOR_VERSION: u32 = 4;

/// The content files proper (not the git repositories).
pub const CONTENT_PATHS: [&str; 5] = [
    "portal.yaml",
    "contacts.yaml",
    "checklists",
    "releases",
    "runbooks",
];

/// The content dir's commit date: a minute before the benches' `SOURCE_DATE_EPOCH`
/// (2026-11-25 12:00 UTC), after every tag, so no runbook counts as unreviewed.
pub const CONTENT_COMMIT_DATE: &str = "2026-11-25T11:59:00+00:00";

/// Files and bytes under a folder.
#[derive(Debug, Default, Clone, Copy)]
pub struct TreeSize {
    pub files: usize,
    pub bytes: u64,
}

impl TreeSize {
    pub fn of(dir: &Path) -> TreeSize {
        let mut size = TreeSize::default();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(dir) = stack.pop() {
            let Ok(entries) = fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                match entry.file_type() {
                    Ok(kind) if kind.is_dir() => stack.push(entry.path()),
                    Ok(kind) if kind.is_file() => {
                        size.files += 1;
                        size.bytes += entry.metadata().map_or(0, |m| m.len());
                    }
                    _ => {}
                }
            }
        }
        size
    }

    /// The content files of a content dir (`CONTENT_PATHS`).
    pub fn of_content(dir: &Path) -> TreeSize {
        CONTENT_PATHS.iter().fold(TreeSize::default(), |acc, p| {
            let s = TreeSize::of(&dir.join(p));
            TreeSize {
                files: acc.files + s.files,
                bytes: acc.bytes + s.bytes,
            }
        })
    }
}

/// What `ensure` found or made.
pub struct ContentRepo {
    pub reused: bool,
    /// The content files (`CONTENT_PATHS`).
    pub size: TreeSize,
    /// "N commits, M tags in K system repositories".
    pub history: String,
}

/// Writes `generated` into `dir` (which must not exist): content files, `repos/<id>.git`
/// for each system, and the content dir's own git commit. Returns the history summary.
pub fn write_content(dir: &Path, generated: &Generated) -> String {
    for (relative, text) in generated.files() {
        let path = dir.join(relative);
        fs::create_dir_all(path.parent().expect("a file in a folder"))
            .expect("create a content folder");
        fs::write(&path, text).expect("write a content file");
    }
    let (mut commits, mut tags) = (0, 0);
    for history in &generated.histories {
        let repo = dir.join("repos").join(format!("{}.git", history.system));
        history.write_repo(&repo, &generated.people);
        commits += history.commits.len();
        tags += history.tags();
    }
    git::commit_all(
        dir,
        &CONTENT_PATHS,
        "repos/\n.bench-params\n.bench-history\n",
        CONTENT_COMMIT_DATE,
    );
    format!(
        "{} commits, {} tags in {} system repositories",
        thousands(commits),
        thousands(tags),
        generated.histories.len()
    )
}

/// The content repo of `params` in `dir`, and with `zola` the same Markdown as a Zola site
/// there: reused when `.bench-params` in both says they were made by this generator with
/// these parameters, else generated afresh (beside, then moved into place, so an
/// interrupted run never leaves a half repo that looks done).
pub fn ensure(dir: &Path, params: &Params, zola: Option<&Path>) -> ContentRepo {
    let stamp = format!(
        "generator {GENERATOR_VERSION}, releases {}, runbooks {}, systems {}, people {}\n",
        params.releases, params.runbooks, params.systems, params.people
    );
    let stamped = |dir: &Path| {
        fs::read_to_string(dir.join(".bench-params"))
            .ok()
            .as_deref()
            == Some(stamp.as_str())
    };
    if stamped(dir) && zola.is_none_or(stamped) {
        return ContentRepo {
            reused: true,
            size: TreeSize::of_content(dir),
            history: fs::read_to_string(dir.join(".bench-history"))
                .unwrap_or_default()
                .trim()
                .to_owned(),
        };
    }
    let generated = generate(params);
    let staging = fresh(dir.with_extension("partial"));
    let history = write_content(&staging, &generated);
    fs::write(staging.join(".bench-history"), format!("{history}\n"))
        .expect("write .bench-history");
    fs::write(staging.join(".bench-params"), &stamp).expect("write .bench-params");
    replace(dir, &staging);
    if let Some(site) = zola {
        let staging = fresh(site.with_extension("partial"));
        zola::write_site(&staging, &generated);
        fs::write(staging.join(".bench-params"), &stamp).expect("write .bench-params");
        replace(site, &staging);
    }
    ContentRepo {
        reused: false,
        size: TreeSize::of_content(dir),
        history,
    }
}

/// `path`, emptied.
fn fresh(path: PathBuf) -> PathBuf {
    if path.exists() {
        fs::remove_dir_all(&path).expect("remove a stale staging folder");
    }
    path
}

fn replace(dir: &Path, staging: &Path) {
    if dir.exists() {
        fs::remove_dir_all(dir).expect("remove the old generated folder");
    }
    fs::rename(staging, dir).expect("move the generated folder into place");
}

/// `12,345`.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
