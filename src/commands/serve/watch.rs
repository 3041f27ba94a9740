//! Watching the content dir for `shipboard serve`: which changes matter, and how much must
//! be rebuilt for them.
//!
//! The content dir's own entries are watched, and every top-level folder that can matter
//! recursively (so `public/` and `.git/`, which can hold many folders, cost no watches),
//! plus the refs of the git repository the content is in (commits and tags change
//! changelogs and "last reviewed" dates). Changes are debounced: one save often writes
//! several times, a `git checkout` many files.
//!
//! A watch belongs to a folder, not to its path: when the content dir is deleted and made
//! again (`rm -rf c; cp -r c.copy c`), the new one is not watched. So the root's identity
//! (device and inode) is checked every [`ROOT_CHECK`]; when it changed, the watches are
//! set up again and the site rebuilt.

use std::path::{Component, Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use anyhow::Context;
use notify::event::{AccessKind, AccessMode, EventKind, MetadataKind, ModifyKind};
use notify::{RecommendedWatcher, RecursiveMode, Watcher};

/// Quiet time after the last change before rebuilding.
const DEBOUNCE: Duration = Duration::from_millis(100);
/// Rebuild at the latest this long after the first change, even if changes keep coming.
const MAX_DELAY: Duration = Duration::from_secs(1);
/// How often the content dir is checked for having been replaced.
const ROOT_CHECK: Duration = Duration::from_secs(1);
/// Top-level folders of the content dir that never affect the site.
const IGNORED_TOP_LEVEL: &[&str] = &["public", "target", "node_modules"];
/// Top-level folders that only hold the theme (templates and static files).
const THEME_TOP_LEVEL: &[&str] = &["templates", "static", "themes"];

/// How much a change calls for, least first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Change {
    /// Nothing that can change the site.
    None,
    /// Only the theme: templates or static files.
    Theme,
    /// Content, config or git history: everything.
    Content,
}

/// Where changes that matter happen: the content dir and its repository's `.git`.
pub struct Places {
    pub root: PathBuf,
    pub git_dir: Option<PathBuf>,
}

impl Places {
    pub fn new(root: &Path) -> Places {
        let git_dir = root
            .ancestors()
            .map(|dir| dir.join(".git"))
            .find(|git| git.is_dir());
        Places {
            root: root.to_path_buf(),
            git_dir,
        }
    }

    /// What a change at `path` calls for: not build output, not a hidden or editor file
    /// (swap, backup, lock and autosave files), in `.git` only a moved branch, tag or HEAD.
    /// Paths elsewhere (another system's repository) count as content.
    pub fn classify(&self, path: &Path) -> Change {
        if let Some(git) = self.git_dir.as_deref() {
            if let Ok(relative) = path.strip_prefix(git) {
                return if git_ref_changed(relative) {
                    Change::Content
                } else {
                    Change::None
                };
            }
        }
        let Ok(relative) = path.strip_prefix(&self.root) else {
            return Change::Content;
        };
        let names: Vec<String> = relative
            .components()
            .filter_map(|c| match c {
                Component::Normal(name) => Some(name.to_string_lossy().into_owned()),
                _ => None,
            })
            .collect();
        let Some(file) = names.last() else {
            return Change::Content; // the root itself
        };
        let top = names[0].as_str();
        if IGNORED_TOP_LEVEL.contains(&top) || names.iter().any(|name| name.starts_with('.')) {
            return Change::None;
        }
        let editor_file = file.ends_with('~')
            || (file.starts_with('#') && file.ends_with('#'))
            || file == "4913"
            || [".swp", ".swo", ".swx", ".tmp", ".bak", ".orig"]
                .iter()
                .any(|ext| file.ends_with(ext));
        if editor_file {
            Change::None
        } else if THEME_TOP_LEVEL.contains(&top) {
            Change::Theme
        } else {
            Change::Content
        }
    }
}

/// Whether a change inside `.git` (at `relative`) moved a branch, a tag or HEAD.
fn git_ref_changed(relative: &Path) -> bool {
    let first = relative.iter().next().and_then(|n| n.to_str());
    let locked = relative.extension().is_some_and(|ext| ext == "lock");
    !locked && matches!(first, Some("HEAD" | "packed-refs" | "refs"))
}

/// A running watcher and the changes it reports.
pub struct Watch {
    watcher: RecommendedWatcher,
    events: Receiver<notify::Result<notify::Event>>,
    places: Places,
    /// The content dir's identity when last checked (`None`: it was missing, or an event
    /// said it was removed or moved away).
    root_id: Option<Identity>,
    root_checked: Instant,
}

/// Which folder a path names: device, inode (Unix) and creation time where the file
/// system keeps it (an inode number can be reused at once for the new folder).
type Identity = (u64, u64, Option<std::time::SystemTime>);

/// The identity of `path`, if it exists.
fn identity(path: &Path) -> Option<Identity> {
    let metadata = std::fs::metadata(path).ok()?;
    let created = metadata.created().ok();
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some((metadata.dev(), metadata.ino(), created))
    }
    #[cfg(not(unix))]
    {
        Some((0, 0, created))
    }
}

impl Watch {
    /// Starts watching the content dir `root` (and its git refs).
    pub fn new(root: &Path) -> anyhow::Result<Watch> {
        let (tx, events) = mpsc::channel();
        let mut watcher = notify::recommended_watcher(tx).context("cannot watch files")?;
        watcher
            .watch(root, RecursiveMode::NonRecursive)
            .with_context(|| format!("cannot watch {}", root.display()))?;
        let places = Places::new(root);
        let mut watch = Watch {
            watcher,
            events,
            places,
            root_id: identity(root),
            root_checked: Instant::now(),
        };
        let entries =
            std::fs::read_dir(root).with_context(|| format!("cannot read {}", root.display()))?;
        for entry in entries.flatten() {
            watch.watch_if_folder(&entry.path());
        }
        watch.watch_git();
        Ok(watch)
    }

    fn watch_git(&mut self) {
        if let Some(git) = self.places.git_dir.clone() {
            self.add(&git, RecursiveMode::NonRecursive);
            self.add(&git.join("refs"), RecursiveMode::Recursive);
        }
    }

    /// Whether the content dir was replaced (or came back) since the last check, at most
    /// every [`ROOT_CHECK`]; if so, watches it, its folders and its git refs again.
    fn root_replaced(&mut self) -> bool {
        if self.root_checked.elapsed() < ROOT_CHECK {
            return false;
        }
        self.root_checked = Instant::now();
        let root = self.places.root.clone();
        let now = identity(&root);
        let replaced = now.is_some() && now != self.root_id;
        self.root_id = now;
        if !replaced {
            return false;
        }
        // The old watches died with the old folder; forget them before adding new ones.
        let _ = self.watcher.unwatch(&root);
        self.add(&root, RecursiveMode::NonRecursive);
        self.places = Places::new(&root);
        if let Ok(entries) = std::fs::read_dir(&root) {
            for entry in entries.flatten() {
                let _ = self.watcher.unwatch(&entry.path());
                self.watch_if_folder(&entry.path());
            }
        }
        if let Some(git) = self.places.git_dir.clone() {
            let _ = self.watcher.unwatch(&git);
            let _ = self.watcher.unwatch(&git.join("refs"));
        }
        self.watch_git();
        true
    }

    fn add(&mut self, path: &Path, mode: RecursiveMode) {
        if let Err(err) = self.watcher.watch(path, mode) {
            eprintln!("warning: cannot watch {}: {err}", path.display());
        }
    }

    /// Adds a recursive watch on `path` if it is a top-level folder that can matter.
    fn watch_if_folder(&mut self, path: &Path) {
        let top_level = path.parent() == Some(self.places.root.as_path());
        if top_level && path.is_dir() && self.places.classify(path) != Change::None {
            self.add(path, RecursiveMode::Recursive);
        }
    }

    /// Waits for changes that matter, then for a quiet moment; returns what they call for.
    /// `None` once `stopped` says so or the watcher is gone.
    pub fn next_change(&mut self, stopped: &Receiver<()>) -> Option<Change> {
        let mut change = Change::None;
        while change == Change::None {
            if !matches!(stopped.try_recv(), Err(mpsc::TryRecvError::Empty)) {
                return None;
            }
            match self.events.recv_timeout(Duration::from_millis(200)) {
                Ok(event) => change = self.handle(event),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return None,
            }
            if self.root_replaced() {
                change = Change::Content;
            }
        }
        let first = Instant::now();
        let mut quiet_since = Instant::now();
        while quiet_since.elapsed() < DEBOUNCE && first.elapsed() < MAX_DELAY {
            let wait = DEBOUNCE.saturating_sub(quiet_since.elapsed());
            match self.events.recv_timeout(wait) {
                Ok(event) => {
                    let more = self.handle(event);
                    if more != Change::None {
                        change = change.max(more);
                        quiet_since = Instant::now();
                    }
                }
                Err(RecvTimeoutError::Timeout) => break,
                Err(RecvTimeoutError::Disconnected) => return None,
            }
        }
        Some(change)
    }

    /// What one event calls for; watches new top-level folders as they appear.
    fn handle(&mut self, event: notify::Result<notify::Event>) -> Change {
        let event = match event {
            Ok(event) => event,
            Err(err) => {
                eprintln!("warning: file watching: {err}; rebuilding to be safe");
                return Change::Content;
            }
        };
        if event.need_rescan() {
            return Change::Content;
        }
        let kind_matters = match event.kind {
            EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
            EventKind::Access(_) => false,
            EventKind::Modify(ModifyKind::Metadata(MetadataKind::AccessTime)) => false,
            _ => true,
        };
        if !kind_matters {
            return Change::None;
        }
        let root_gone = matches!(
            event.kind,
            EventKind::Remove(_) | EventKind::Modify(ModifyKind::Name(_))
        ) && event.paths.iter().any(|path| path == &self.places.root);
        if root_gone {
            // Whatever comes back at its path is a new folder to watch.
            self.root_id = None;
        }
        if matches!(
            event.kind,
            EventKind::Create(_) | EventKind::Modify(ModifyKind::Name(_))
        ) {
            for path in &event.paths {
                self.watch_if_folder(path);
            }
        }
        let changes = event.paths.iter().map(|path| self.places.classify(path));
        changes.max().unwrap_or(Change::None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_changes_by_what_they_can_affect() {
        let places = Places {
            root: PathBuf::from("/r/c"),
            git_dir: Some(PathBuf::from("/r/.git")),
        };
        let cases = [
            ("/r/c/public/index.html", Change::None),
            ("/r/c/public", Change::None),
            ("/r/c/.git/index", Change::None),
            ("/r/c/releases/.a.md.swp", Change::None),
            ("/r/c/releases/a.md~", Change::None),
            ("/r/c/releases/#a.md#", Change::None),
            ("/r/c/releases/4913", Change::None),
            ("/r/c/runbooks/x.md.tmp", Change::None),
            ("/r/c/.DS_Store", Change::None),
            ("/r/c/templates/.base.html.swp", Change::None),
            ("/r/.git/index", Change::None),
            ("/r/.git/objects/ab/cdef", Change::None),
            ("/r/.git/refs/heads/main.lock", Change::None),
            ("/r/.git/ORIG_HEAD", Change::None),
            ("/r/c/templates/base.html", Change::Theme),
            ("/r/c/static/logo.svg", Change::Theme),
            ("/r/c/themes/x/templates/base.html", Change::Theme),
            ("/r/c/themes", Change::Theme),
            ("/r/c/portal.yaml", Change::Content),
            ("/r/c/releases/a.md", Change::Content),
            ("/r/c/releases", Change::Content),
            ("/r/c", Change::Content),
            ("/r/.git/refs/tags/v1.2.0", Change::Content),
            ("/r/.git/refs/heads/main", Change::Content),
            ("/r/.git/packed-refs", Change::Content),
            ("/r/.git/HEAD", Change::Content),
            ("/elsewhere/repo/refs", Change::Content),
        ];
        for (path, expected) in cases {
            assert_eq!(places.classify(Path::new(path)), expected, "{path}");
        }
    }

    #[test]
    fn finds_the_git_dir_of_an_enclosing_repository() {
        let temp = std::env::temp_dir().join(format!("shipboard-watch-{}", std::process::id()));
        let content = temp.join("repo/content");
        std::fs::create_dir_all(&content).unwrap();
        std::fs::create_dir_all(temp.join("repo/.git")).unwrap();
        let places = Places::new(&content);
        assert_eq!(places.git_dir, Some(temp.join("repo/.git")));
        let _ = std::fs::remove_dir_all(&temp);
    }

    /// The next change, or `None` when none comes within `patience`.
    fn change_within(watch: &mut Watch, patience: Duration) -> Option<Change> {
        let (stop, stopped) = mpsc::channel();
        let timer = std::thread::spawn(move || {
            std::thread::sleep(patience);
            let _ = stop.send(());
        });
        let change = watch.next_change(&stopped);
        drop(stopped);
        let _ = timer.join();
        change
    }

    #[test]
    fn a_content_dir_deleted_and_made_again_is_watched_again() {
        let temp = std::env::temp_dir().join(format!("shipboard-rewatch-{}", std::process::id()));
        let root = temp.join("content");
        std::fs::create_dir_all(root.join("releases")).unwrap();
        std::fs::write(root.join("releases/a.md"), "a").unwrap();
        let mut watch = Watch::new(&root).expect("watches");

        std::fs::remove_dir_all(&root).unwrap();
        std::fs::create_dir_all(root.join("releases")).unwrap();
        std::fs::write(root.join("releases/a.md"), "a").unwrap();
        // The deletion, then the new folder found: changes until all is quiet.
        let mut seen = Vec::new();
        while let Some(change) = change_within(&mut watch, Duration::from_secs(3)) {
            seen.push(change);
            assert!(seen.len() < 20, "changes never stop: {seen:?}");
        }
        assert!(seen.contains(&Change::Content), "{seen:?}");

        std::fs::write(root.join("releases/b.md"), "b").unwrap();
        let after = change_within(&mut watch, Duration::from_secs(10));
        assert_eq!(
            after,
            Some(Change::Content),
            "an edit in the new folder is seen"
        );
        let _ = std::fs::remove_dir_all(&temp);
    }
}
