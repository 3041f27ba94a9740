//! Output: the only stage that writes. It builds the whole site in a staging directory
//! beside the output and publishes it in one atomic step only when every file was written,
//! so a failed or killed build never leaves a half-written or missing site.
//!
//! Publishing, in order:
//! 1. [`OutputLock`]: one build at a time per output folder (an exclusive `flock` on the
//!    output's parent directory, released by the kernel when the process dies).
//! 2. Leftovers of crashed builds are removed: only folders named `.<out>.shipboard-staging-*`
//!    or `.<out>.shipboard-old-*` that hold the [`MARKER`] file Shipboard writes first (or
//!    are empty). A folder Shipboard did not create is never touched.
//! 3. The site is written into `.<out>.shipboard-staging-<pid>`, marker first. With the
//!    previous build's record, that folder is the spare site (the one the previous build
//!    replaced, `.<out>.shipboard-spare`) renamed and corrected ([`Staging::begin_reusing`]).
//! 4. On Linux, `renameat2(RENAME_EXCHANGE)` swaps staging and output in one step; the
//!    staging name then holds the previous site, which becomes the spare site (removed
//!    where it cannot be kept). Where the exchange is not
//!    available (other systems, file systems without it) the fallback is two renames
//!    (output -> `.<out>.shipboard-old-<pid>`, staging -> output); a build killed between
//!    them leaves the previous site in the old folder, and the next build puts it back
//!    before anything else.
//!
//! It refuses paths that would leave the output directory, and refuses to replace a
//! non-empty directory that Shipboard did not create (a typo in `--output` must not
//! delete someone's files).

use std::collections::HashSet;
use std::fs::{self, File};
use std::io::{self, Write as _};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use rayon::prelude::*;
use thiserror::Error;

use crate::cache::Stamp;

/// Marks a directory as Shipboard output, safe to replace on the next build.
pub const MARKER: &str = ".shipboard-output";

/// How long a build waits for another build of the same output before giving up.
pub const LOCK_WAIT_LIMIT: Duration = Duration::from_secs(600);

/// Test hook: `SHIPBOARD_TEST_PAUSE_AT=<point>` makes a build stop for a minute at
/// `before-swap`, `after-swap` or `between-renames`, so a test can kill it exactly there.
const PAUSE_VARIABLE: &str = "SHIPBOARD_TEST_PAUSE_AT";
/// Test hook: `SHIPBOARD_TEST_NO_EXCHANGE=1` uses the two-rename fallback on Linux too.
const NO_EXCHANGE_VARIABLE: &str = "SHIPBOARD_TEST_NO_EXCHANGE";

/// Why the site could not be written.
#[derive(Debug, Error)]
pub enum OutputError {
    /// A generated path is absolute or contains `..`: a bug or hostile content; nothing written.
    #[error("refusing to write {0:?}: the path leaves the output directory")]
    UnsafePath(String),
    /// The output exists, is not empty and was not made by Shipboard.
    #[error("refusing to replace {0}: it is not empty and was not created by shipboard\n  help: choose another --output, or delete the folder yourself")]
    NotOurs(PathBuf),
    /// The output would replace the content itself.
    #[error("refusing to write the site to {0}: it contains the content repo\n  help: pass --output with a folder inside or beside the content, e.g. public/")]
    ContainsContent(PathBuf),
    /// The output is a symbolic link: the swap would replace the link, not the folder.
    #[error("refusing to write the site to {link}: it is a symbolic link (to {real})\n  help: pass the real folder as --output, e.g. --output {real}")]
    Symlink { link: PathBuf, real: String },
    /// The output lies in a folder the content loader reads (releases/, static/, ...).
    #[error("refusing to write the site to {output}: it is inside {folder}, which shipboard reads as content, so the next build would read the site\n  help: pass --output with a folder outside the content's folders, e.g. public/ in the content dir")]
    InsideContentFolder { output: PathBuf, folder: PathBuf },
    /// Another build holds the output's lock and `--no-wait` was given (or the wait ran out).
    #[error("another shipboard build is writing into {dir}; {waited}\n  help: wait for it to finish and build again{hint}")]
    Busy {
        dir: PathBuf,
        waited: &'static str,
        hint: &'static str,
    },
    /// Two files of the site have the same path (a static file named like a generated one).
    #[error("two files of the site would be written to {0}: a static file of the theme or content has the name of a generated file\n  help: rename or remove static/{0}")]
    Duplicate(String),
    /// A file system operation failed.
    #[error("cannot write {path}: {source}")]
    Io { path: PathBuf, source: io::Error },
}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> OutputError + '_ {
    move |source| OutputError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The folders of a content repo that loading reads (the theme's under `themes/`): an output
/// inside one would be read back as content by the next build.
pub const CONTENT_FOLDERS: [&str; 8] = [
    "releases",
    "runbooks",
    "checklists",
    "trains",
    "system-versions",
    "static",
    "templates",
    "themes",
];

/// Checks, before anything is created, that `output` may hold the site of the content at
/// `content_root`: not a symbolic link (publishing swaps the entry, so the link would be
/// replaced and its folder left as a stale copy) and not inside a folder the loader reads.
pub fn check_output(output: &Path, content_root: &Path) -> Result<(), OutputError> {
    if fs::symlink_metadata(output).is_ok_and(|m| m.file_type().is_symlink()) {
        let real = fs::canonicalize(output)
            .map(|p| p.display().to_string())
            .unwrap_or_else(|_| "a folder that does not exist".to_owned());
        return Err(OutputError::Symlink {
            link: output.to_path_buf(),
            real,
        });
    }
    // As written, and with links resolved (an output reached through a linked folder).
    let written = (
        lexical(&absolute(output)?),
        lexical(&absolute(content_root)?),
    );
    let real = resolved(output).zip(fs::canonicalize(content_root).ok());
    for (out, root) in std::iter::once(written).chain(real) {
        for folder in CONTENT_FOLDERS {
            if out.starts_with(root.join(folder)) {
                return Err(OutputError::InsideContentFolder {
                    output: output.to_path_buf(),
                    folder: content_root.join(folder),
                });
            }
        }
    }
    Ok(())
}

/// `path` (absolute) with `.` and `..` taken out, without reading the file system.
fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// `path` with its nearest existing ancestor's links resolved, when there is one.
fn resolved(path: &Path) -> Option<PathBuf> {
    let path = lexical(&absolute(path).ok()?);
    let mut rest = Vec::new();
    let mut at = path.as_path();
    loop {
        if let Ok(real) = fs::canonicalize(at) {
            return Some(rest.iter().rev().fold(real, |p, name| p.join(name)));
        }
        rest.push(at.file_name()?.to_owned());
        at = at.parent()?;
    }
}

/// Checks that `relative` stays inside the output directory.
pub fn check_relative(relative: &str) -> Result<PathBuf, OutputError> {
    let path = Path::new(relative);
    let safe = !relative.is_empty()
        && !relative.contains('\\')
        && path.components().all(|c| matches!(c, Component::Normal(_)));
    if safe {
        Ok(path.to_path_buf())
    } else {
        Err(OutputError::UnsafePath(relative.to_owned()))
    }
}

/// Where an output folder lives: its absolute path, its parent and its name.
#[derive(Debug, Clone)]
struct Target {
    output: PathBuf,
    parent: PathBuf,
    name: String,
}

impl Target {
    fn new(output: &Path) -> Result<Target, OutputError> {
        let output = absolute(output)?;
        let parent = output
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("/"));
        let name = output
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "public".into());
        Ok(Target {
            output,
            parent,
            name,
        })
    }

    fn staging_prefix(&self) -> String {
        format!(".{}.shipboard-staging-", self.name)
    }

    fn old_prefix(&self) -> String {
        format!(".{}.shipboard-old-", self.name)
    }

    /// Where the site a build replaces is kept for the next build to start from.
    fn spare(&self) -> PathBuf {
        self.parent.join(format!(".{}.shipboard-spare", self.name))
    }

    fn staging(&self) -> PathBuf {
        let pid = std::process::id();
        self.parent.join(format!("{}{pid}", self.staging_prefix()))
    }

    fn old(&self) -> PathBuf {
        let pid = std::process::id();
        self.parent.join(format!("{}{pid}", self.old_prefix()))
    }

    /// Removes a previous site (`old`): renamed first under the staging prefix, so a
    /// removal killed half way leaves a folder that is only ever cleaned, never put back
    /// as the output (an old site is, when the output is missing).
    fn discard_old(&self, old: &Path) {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let pid = std::process::id();
        let doomed = self
            .parent
            .join(format!("{}discard-{pid}-{n}", self.staging_prefix()));
        match fs::rename(old, &doomed) {
            Ok(()) => remove_ours(&doomed),
            Err(_) => remove_ours(old),
        }
    }
}

/// Whether a build waits for another build of the same output or fails at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wait {
    /// Wait up to [`LOCK_WAIT_LIMIT`].
    Wait,
    /// Fail at once (`--no-wait`).
    NoWait,
}

/// Proof that this process is the only build writing into one output folder. The lock is
/// an exclusive `flock` on the output's parent directory (no lock file to leave behind); the
/// kernel drops it when the process ends, however it ends.
#[derive(Debug)]
pub struct OutputLock {
    target: Target,
    _held: File,
}

impl OutputLock {
    /// Takes the lock for `output`, creating its parent folder if needed. `on_wait` is called
    /// once if another build holds it and this one is going to wait.
    pub fn acquire(
        output: &Path,
        wait: Wait,
        on_wait: impl FnOnce(&Path),
    ) -> Result<OutputLock, OutputError> {
        let target = Target::new(output)?;
        fs::create_dir_all(&target.parent).map_err(io_error(&target.parent))?;
        let file = lock_handle(&target.parent)?;
        if try_lock(&file, &target.parent)? {
            return OutputLock::holding(target, file);
        }
        if wait == Wait::NoWait {
            return Err(busy(&target.parent, "--no-wait was given", ""));
        }
        on_wait(&target.parent);
        let started = Instant::now();
        while started.elapsed() < LOCK_WAIT_LIMIT {
            std::thread::sleep(Duration::from_millis(50));
            if try_lock(&file, &target.parent)? {
                return OutputLock::holding(target, file);
            }
        }
        Err(busy(
            &target.parent,
            "gave up after waiting 10 minutes",
            "; if no build is running, a process still holds the folder open",
        ))
    }

    /// With the lock held, no live build owns a leftover: clean them (and put back a site a
    /// killed build left in its old folder) before anything else, so even a build that then
    /// fails on its content leaves the site whole.
    fn holding(target: Target, file: File) -> Result<OutputLock, OutputError> {
        recover_leftovers(&target)?;
        Ok(OutputLock {
            target,
            _held: file,
        })
    }

    /// The absolute output folder this lock is for.
    pub fn output(&self) -> &Path {
        &self.target.output
    }
}

fn busy(dir: &Path, waited: &'static str, hint: &'static str) -> OutputError {
    OutputError::Busy {
        dir: dir.to_path_buf(),
        waited,
        hint,
    }
}

#[cfg(unix)]
fn lock_handle(parent: &Path) -> Result<File, OutputError> {
    File::open(parent).map_err(io_error(parent))
}

/// Elsewhere a directory cannot be opened as a file: a lock file beside the output.
#[cfg(not(unix))]
fn lock_handle(parent: &Path) -> Result<File, OutputError> {
    let path = parent.join(".shipboard-lock");
    fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(io_error(&path))
}

fn try_lock(file: &File, parent: &Path) -> Result<bool, OutputError> {
    match file.try_lock() {
        Ok(()) => Ok(true),
        Err(fs::TryLockError::WouldBlock) => Ok(false),
        Err(fs::TryLockError::Error(source)) => Err(OutputError::Io {
            path: parent.to_path_buf(),
            source,
        }),
    }
}

/// A site being written, file by file and from any thread, into the staging folder of a
/// locked output. `publish` swaps it in; dropped unpublished (an error, a panic), the
/// staging folder is removed and the output is left as it was.
pub struct Staging<'lock> {
    target: &'lock Target,
    dir: PathBuf,
    published: bool,
    /// Folders of the staging folder made so far: a file's folder is made before its
    /// first file rather than after a failed attempt (12,000 folders at 10,000 releases).
    folders: Mutex<HashSet<PathBuf>>,
    /// Started from the spare site ([`Staging::begin_reusing`]): its files still in the
    /// staging folder and not yet claimed by this build, by path relative to the site
    /// root. Each is a link to the published file of the same path, as the record
    /// describes it. `None` for a staging folder that started empty.
    left: Option<Mutex<ahash::HashMap<String, Stamp>>>,
    /// Folders that lost a file of the spare site: emptied ones are removed before
    /// publishing, as a clean build has no empty folder.
    emptied: Mutex<Vec<PathBuf>>,
}

/// What [`Staging::begin_reusing`] found in the spare site.
#[derive(Default)]
struct Spare {
    folders: Vec<PathBuf>,
    left: Vec<(String, Stamp)>,
    emptied: Vec<PathBuf>,
}

impl Spare {
    /// What a walk found in `dir` when it removed something there (or found it empty):
    /// the folder may be left empty, to be removed before publishing.
    fn emptying(dir: &Path) -> Spare {
        Spare {
            emptied: vec![dir.to_path_buf()],
            ..Spare::default()
        }
    }

    fn merge(mut self, other: Spare) -> Spare {
        self.folders.extend(other.folders);
        self.left.extend(other.left);
        self.emptied.extend(other.emptied);
        self
    }
}

/// Checks that `target`'s output may be replaced by a site built from `content_root`,
/// and frees this build's staging name (a folder of ours there is a killed build's).
fn staging_name(target: &Target, content_root: &Path) -> Result<PathBuf, OutputError> {
    if absolute(content_root)?.starts_with(&target.output) {
        return Err(OutputError::ContainsContent(target.output.clone()));
    }
    ensure_replaceable(&target.output)?;
    let dir = target.staging();
    if dir.exists() {
        remove_ours(&dir);
    }
    Ok(dir)
}

/// How the previous build's record describes a published file (`None`: not recorded).
pub type Published<'a> = &'a (dyn Fn(&str) -> Option<Stamp> + Sync);

impl<'lock> Staging<'lock> {
    /// Checks that the output may be replaced and creates the staging folder, marker first.
    pub fn begin(lock: &'lock OutputLock, content_root: &Path) -> Result<Self, OutputError> {
        let target = &lock.target;
        let dir = staging_name(target, content_root)?;
        fs::create_dir(&dir).map_err(io_error(&dir))?;
        let staging = Staging::new(target, dir, None);
        let marker = staging.dir.join(MARKER);
        fs::write(
            &marker,
            b"This folder is generated by shipboard build and replaced on every build.\n",
        )
        .map_err(io_error(&marker))?;
        Ok(staging)
    }

    fn new(target: &'lock Target, dir: PathBuf, spare: Option<Spare>) -> Self {
        let (folders, left, emptied) = match spare {
            Some(spare) => {
                let left = spare.left.into_iter().collect();
                (spare.folders, Some(Mutex::new(left)), spare.emptied)
            }
            None => (Vec::new(), None, Vec::new()),
        };
        Staging {
            target,
            dir,
            published: false,
            folders: Mutex::new(folders.into_iter().collect()),
            left,
            emptied: Mutex::new(emptied),
        }
    }

    /// [`Staging::begin`], but starting from the site the previous build replaced (kept
    /// beside the output as `.<out>.shipboard-spare`) rather than from an empty folder.
    /// Its files that are links to the published ones, exactly as `published` (the
    /// previous build's record) describes them, stay; every other file goes. A file kept
    /// then costs a lookup instead of a folder, a link and later an unlink of the site it
    /// replaced: at 10,000 releases ~37,000 links, 12,000 folders and 49,000 removals
    /// per build. Falls back to an empty folder when there is no spare site of ours or
    /// it cannot be read.
    pub fn begin_reusing(
        lock: &'lock OutputLock,
        content_root: &Path,
        published: Published<'_>,
    ) -> Result<Self, OutputError> {
        let target = &lock.target;
        let spare = target.spare();
        if !is_ours(&spare) {
            return Staging::begin(lock, content_root);
        }
        let dir = staging_name(target, content_root)?;
        // Renamed first: a build killed from here on leaves a staging folder, which the
        // next build removes; the spare is never half pruned.
        if fs::rename(&spare, &dir).is_err() {
            return Staging::begin(lock, content_root);
        }
        let _ = fs::remove_file(dir.join(".gitignore"));
        match prune(&dir, "", published) {
            Ok(found) => Ok(Staging::new(target, dir, Some(found))),
            Err(_) => {
                remove_ours(&dir);
                Staging::begin(lock, content_root)
            }
        }
    }

    /// Takes `relative` out of the spare site's files left, saying how it was if it was
    /// there: this build claims the path.
    fn take_left(&self, relative: &str) -> Option<Stamp> {
        let left = self.left.as_ref()?;
        let mut left = left.lock().unwrap_or_else(PoisonError::into_inner);
        left.remove(relative)
    }

    /// Removes the spare site's file at `relative` (`path` in the staging folder), if it
    /// is still there: a file about to be written anew must not be written through a link
    /// into the published site.
    fn clear_left(&self, relative: &str, path: &Path) -> Result<(), OutputError> {
        match self.take_left(relative) {
            Some(_) => remove_file_if_any(path).map_err(io_error(path)),
            None => Ok(()),
        }
    }

    /// Writes one new file (`relative` to the site root; checked to stay inside it). A
    /// file this build staged there already is an error, never overwritten: it may be a
    /// hard link to the published site, which must not change before it is replaced (a
    /// spare site's file there is removed first).
    pub fn write(&self, relative: &str, bytes: &[u8]) -> Result<(), OutputError> {
        let path = self.dir.join(check_relative(relative)?);
        self.in_folder(&path)?;
        self.clear_left(relative, &path)?;
        let mut options = fs::OpenOptions::new();
        options.write(true).create_new(true);
        self.create_new(&options, &path, relative)
            .and_then(|mut file| file.write_all(bytes))
            .map_err(io_error(&path))
    }

    /// Opens `path` (`relative` in the site) with `options`, which create a new file. A
    /// folder of the spare site there, holding nothing this build made, is removed first;
    /// anything else there is the error it was.
    fn create_new(
        &self,
        options: &fs::OpenOptions,
        path: &Path,
        relative: &str,
    ) -> io::Result<File> {
        match options.open(path) {
            Err(err) if err.kind() == io::ErrorKind::AlreadyExists => {
                match self.remove_spare_folder(path, relative) {
                    Ok(true) => options.open(path),
                    _ => Err(err),
                }
            }
            other => other,
        }
    }

    /// Removes the folder at `path` (`relative` in the site) if it is the spare site's,
    /// holding only its files left: this site has a file there. `false` if it holds
    /// anything this build made (two files of this site would clash there, an error).
    fn remove_spare_folder(&self, path: &Path, relative: &str) -> io::Result<bool> {
        let Some(left) = &self.left else {
            return Ok(false);
        };
        if !fs::symlink_metadata(path)?.is_dir() {
            return Ok(false);
        }
        let inside: Vec<String> = relative_files(path)?
            .into_iter()
            .map(|file| format!("{relative}/{file}"))
            .collect();
        {
            let mut left = left.lock().unwrap_or_else(PoisonError::into_inner);
            if !inside.iter().all(|file| left.contains_key(file)) {
                return Ok(false);
            }
            for file in &inside {
                left.remove(file);
            }
        }
        fs::remove_dir_all(path)?;
        Ok(true)
    }

    /// Makes the folder of `path` (in the staging folder), unless it was made already.
    fn in_folder(&self, path: &Path) -> Result<(), OutputError> {
        let Some(dir) = path.parent().filter(|dir| *dir != self.dir) else {
            return Ok(());
        };
        let mut folders = self.folders.lock().unwrap_or_else(PoisonError::into_inner);
        if folders.contains(dir) {
            return Ok(());
        }
        // Made under the lock: another thread waits rather than racing to make it too.
        let made = fs::create_dir_all(dir).or_else(|err| match self.left {
            Some(_) => {
                self.clear_files_on_the_way(dir)?;
                fs::create_dir_all(dir)
            }
            None => Err(err),
        });
        made.map_err(io_error(dir))?;
        folders.insert(dir.to_path_buf());
        Ok(())
    }

    /// Removes the spare site's files where this site has folders on the way to `dir`;
    /// a file this build made there is an error (two files of this site clash).
    fn clear_files_on_the_way(&self, dir: &Path) -> io::Result<()> {
        let Ok(inside) = dir.strip_prefix(&self.dir) else {
            return Ok(());
        };
        let mut path = self.dir.clone();
        let mut relative = String::new();
        for part in inside.components() {
            path.push(part);
            if !relative.is_empty() {
                relative.push('/');
            }
            relative.push_str(&part.as_os_str().to_string_lossy());
            let is_file = fs::symlink_metadata(&path).is_ok_and(|m| !m.is_dir());
            if is_file {
                if self.take_left(&relative).is_none() {
                    return Err(io::Error::from(io::ErrorKind::AlreadyExists));
                }
                fs::remove_file(&path)?;
            }
        }
        Ok(())
    }

    /// Writes one file and says how it is on disk, for the incremental build's record.
    pub fn write_stamped(&self, relative: &str, bytes: &[u8]) -> Result<Stamp, OutputError> {
        self.write(relative, bytes)?;
        let path = self.dir.join(relative);
        Stamp::of(&path).map_err(io_error(&path))
    }

    /// How the staged file `relative` is on disk, for the incremental build's record.
    pub fn stamp(&self, relative: &str) -> Result<Stamp, OutputError> {
        let path = self.dir.join(check_relative(relative)?);
        Stamp::of(&path).map_err(io_error(&path))
    }

    /// Replaces the staged file `relative` (written in parts) with the published site's file
    /// of the same bytes, if that file is still as `expected`: linked under a temporary name
    /// first, checked, then renamed over the staged one, so the written file stands if not.
    pub fn keep_over(&self, relative: &str, expected: &Stamp) -> Result<Stamp, OutputError> {
        let relative = check_relative(relative)?;
        let (from, to) = (self.target.output.join(&relative), self.dir.join(&relative));
        let name = relative
            .file_name()
            .map(|n| n.to_string_lossy().into_owned());
        let temporary = to.with_file_name(format!(".{}.kept", name.unwrap_or_default()));
        fs::hard_link(&from, &temporary).map_err(io_error(&temporary))?;
        match Stamp::of(&temporary) {
            Ok(stamp) if stamp == *expected => {
                fs::rename(&temporary, &to).map_err(io_error(&to))?;
                Ok(stamp)
            }
            other => {
                let _ = fs::remove_file(&temporary);
                let source = other.err().unwrap_or_else(|| io::Error::other("changed"));
                Err(OutputError::Io { path: from, source })
            }
        }
    }

    /// Puts the published site's file `relative` into the staging folder unchanged, as a
    /// hard link: the same inode, so the file is not rewritten and keeps its modification
    /// time. Says how it is on disk then; an error where the file system refuses links (the
    /// caller writes the file instead). Never over a staged file: that may be a link to the
    /// published site, which must not change before it is replaced.
    ///
    /// Started from the spare site, a file of it that is the published file as the record
    /// describes it (`expected`) is kept as it is, without a link.
    pub fn keep(&self, relative: &str, expected: &Stamp) -> Result<Stamp, OutputError> {
        let checked = check_relative(relative)?;
        let (from, to) = (self.target.output.join(&checked), self.dir.join(&checked));
        match self.take_left(relative) {
            Some(stamp) if stamp == *expected => return Ok(stamp),
            Some(_) => remove_file_if_any(&to).map_err(io_error(&to))?,
            None => {}
        }
        self.in_folder(&to)?;
        fs::hard_link(&from, &to).map_err(io_error(&to))?;
        Stamp::of(&to).map_err(io_error(&to))
    }

    /// Removes the staged file `relative`, if there is one: a file about to be written anew
    /// must not be written through a link into the published site.
    pub fn unstage(&self, relative: &str) -> Result<(), OutputError> {
        let path = self.dir.join(check_relative(relative)?);
        self.take_left(relative);
        remove_file_if_any(&path).map_err(io_error(&path))
    }

    /// Appends `bytes` to one file (`relative` to the site root; checked to stay inside it),
    /// creating it and its folder on the first call, which returns `true`: a file too large
    /// to be held whole is written in parts, in order, from one thread.
    pub fn append(&self, relative: &str, bytes: &[u8]) -> Result<bool, OutputError> {
        let path = self.dir.join(check_relative(relative)?);
        self.in_folder(&path)?;
        self.clear_left(relative, &path)?;
        let mut options = fs::OpenOptions::new();
        options.append(true).create_new(true);
        let (mut file, created) = match self.create_new(&options, &path, relative) {
            Ok(file) => (file, true),
            Err(err) if err.kind() == io::ErrorKind::AlreadyExists => {
                let later_part = options.create_new(false).open(&path);
                (later_part.map_err(io_error(&path))?, false)
            }
            Err(source) => return Err(OutputError::Io { path, source }),
        };
        file.write_all(bytes).map_err(io_error(&path))?;
        Ok(created)
    }

    /// Puts the staging folder in place of the output, in one atomic step where possible.
    pub fn publish(self) -> Result<(), OutputError> {
        self.publish_then(|| ())
    }

    /// [`Staging::publish`], then `then` while the previous site is removed (tens of
    /// thousands of unlinks at 10,000 releases), rather than after it; `then` runs only
    /// once the new site is in place, and not at all if it could not be put there.
    pub fn publish_then<T: Send>(
        mut self,
        then: impl FnOnce() -> T + Send,
    ) -> Result<T, OutputError> {
        self.drop_left()?;
        let result = publish(&self.dir, self.target, then);
        self.published = result.is_ok();
        result
    }

    /// Removes the spare site's files this build did not claim, then the folders left
    /// empty: the site published is exactly the one built, as from an empty folder.
    fn drop_left(&self) -> Result<(), OutputError> {
        let Some(left) = &self.left else {
            return Ok(());
        };
        let left = std::mem::take(&mut *left.lock().unwrap_or_else(PoisonError::into_inner));
        let mut emptied =
            std::mem::take(&mut *self.emptied.lock().unwrap_or_else(PoisonError::into_inner));
        let removed = left
            .into_par_iter()
            .map(|(relative, _)| {
                let path = self.dir.join(relative);
                match remove_file_if_any(&path) {
                    // A folder on its way was replaced by a file of this site.
                    Err(err) if err.kind() == io::ErrorKind::NotADirectory => Ok(None),
                    Err(source) => Err(OutputError::Io { path, source }),
                    Ok(()) => Ok(path.parent().map(Path::to_path_buf)),
                }
            })
            .collect::<Result<Vec<_>, OutputError>>()?;
        emptied.extend(removed.into_iter().flatten());
        // Deepest first, so a folder whose only content was an emptied folder goes too.
        emptied.sort_unstable_by(|a, b| {
            let depth = |dir: &PathBuf| dir.components().count();
            depth(b).cmp(&depth(a)).then_with(|| a.cmp(b))
        });
        emptied.dedup();
        for dir in &emptied {
            let mut dir = dir.as_path();
            // A folder that still holds something stays (the error is ENOTEMPTY).
            while dir != self.dir && dir.starts_with(&self.dir) && fs::remove_dir(dir).is_ok() {
                dir = dir.parent().unwrap_or(&self.dir);
            }
        }
        Ok(())
    }
}

/// Walks the spare site at `dir` (at `relative` in the site, `""` for its root) and
/// keeps each file that is the published file of its path as `published` describes it
/// (the same inode, size and modification time: a link made by an earlier build); every
/// other file, link or special file goes. Folders are walked in parallel.
fn prune(dir: &Path, relative: &str, published: Published<'_>) -> io::Result<Spare> {
    let entries = fs::read_dir(dir)?.collect::<io::Result<Vec<_>>>()?;
    if entries.is_empty() {
        // Not made by a build (a build makes a folder for a file): it goes too.
        return Ok(Spare::emptying(dir));
    }
    entries
        .par_iter()
        .map(|entry| {
            let name = entry.file_name();
            if relative.is_empty() && name == MARKER {
                return Ok(Spare::default());
            }
            let (path, kind) = (entry.path(), entry.file_type()?);
            let Some(name) = name.to_str() else {
                remove_entry(&path, kind.is_dir())?;
                return Ok(Spare::emptying(dir));
            };
            let inner = match relative {
                "" => name.to_owned(),
                _ => format!("{relative}/{name}"),
            };
            // Checked again just before reading it: a folder replaced by a link since it
            // was listed is removed as a link, never followed.
            if kind.is_dir() && fs::symlink_metadata(&path)?.is_dir() {
                let found = prune(&path, &inner, published)?;
                let folder = Spare {
                    folders: vec![path],
                    ..Spare::default()
                };
                return Ok(folder.merge(found));
            }
            let stamp = match kind.is_file() {
                true => Stamp::of_metadata(&entry.metadata()?).ok(),
                false => None,
            };
            match stamp {
                Some(stamp) if published(&inner) == Some(stamp) => Ok(Spare {
                    left: vec![(inner, stamp)],
                    ..Spare::default()
                }),
                _ => {
                    fs::remove_file(&path)?;
                    Ok(Spare::emptying(dir))
                }
            }
        })
        .try_reduce(Spare::default, |a, b| Ok(a.merge(b)))
}

/// The files (anything but folders; links are not followed) under `dir`, by path
/// relative to it, `/`-separated.
fn relative_files(dir: &Path) -> io::Result<Vec<String>> {
    let mut found = Vec::new();
    for entry in walkdir::WalkDir::new(dir).min_depth(1) {
        let entry = entry?;
        if entry.file_type().is_dir() {
            continue;
        }
        let relative = entry.path().strip_prefix(dir).map_err(io::Error::other)?;
        let names: Vec<_> = relative
            .components()
            .map(|part| part.as_os_str().to_string_lossy())
            .collect();
        found.push(names.join("/"));
    }
    Ok(found)
}

/// Removes the file at `path`; one that is not there is no error.
fn remove_file_if_any(path: &Path) -> io::Result<()> {
    match fs::remove_file(path) {
        Err(err) if err.kind() != io::ErrorKind::NotFound => Err(err),
        _ => Ok(()),
    }
}

/// Keeps the site just replaced, now at `old`, as the next build's spare site (see
/// [`Staging::begin_reusing`]), with a `.gitignore` of `*` so that git never shows it in
/// the content repo. Removed instead where that cannot be done.
fn keep_as_spare(target: &Target, old: &Path) {
    let spare = target.spare();
    if spare.exists() {
        if !is_ours(&spare) {
            remove_ours(old); // someone else's folder: never touched
            return;
        }
        target.discard_old(&spare);
    }
    if !is_ours(old) {
        remove_ours(old);
        return;
    }
    // Ignored before it takes the spare name, so git never sees it. Never written
    // through: a `.gitignore` of the site itself is a link to the published one.
    let ignore = old.join(".gitignore");
    let ignored = remove_file_if_any(&ignore).and_then(|()| {
        let mut options = fs::OpenOptions::new();
        options.write(true).create_new(true);
        options.open(&ignore)?.write_all(b"*\n")
    });
    if ignored.is_err() || fs::rename(old, &spare).is_err() {
        remove_ours(old);
    }
}

impl Drop for Staging<'_> {
    fn drop(&mut self) {
        if !self.published {
            remove_ours(&self.dir);
        }
    }
}

fn absolute(path: &Path) -> Result<PathBuf, OutputError> {
    std::path::absolute(path).map_err(io_error(path))
}

fn ensure_replaceable(output: &Path) -> Result<(), OutputError> {
    if !output.exists() {
        return Ok(());
    }
    if is_ours(output) || is_empty_dir(output) {
        Ok(())
    } else {
        Err(OutputError::NotOurs(output.to_path_buf()))
    }
}

fn is_ours(dir: &Path) -> bool {
    let real_dir = fs::symlink_metadata(dir).is_ok_and(|m| m.is_dir());
    real_dir && dir.join(MARKER).is_file()
}

fn is_empty_dir(dir: &Path) -> bool {
    fs::read_dir(dir)
        .map(|mut entries| entries.next().is_none())
        .unwrap_or(false)
}

/// Removes a folder only if Shipboard made it (marker inside) or it is empty. The marker
/// goes last, after everything else in the folder: a build killed while removing leaves a
/// folder still marked as ours, which the next build cleans (`recover_leftovers`).
fn remove_ours(dir: &Path) {
    if is_ours(dir) {
        let _ = remove_marked(dir, &remove_entry);
    }
    let _ = fs::remove_dir(dir);
}

/// Removes everything in `dir` with `remove`, then the marker. Stops at the first failure,
/// so the marker stays as long as anything else does. The folders in `dir` are emptied in
/// parallel, a level down (see [`remove_entry`]).
fn remove_marked(
    dir: &Path,
    remove: &(dyn Fn(&Path, bool) -> io::Result<()> + Sync),
) -> io::Result<()> {
    let mut entries = Vec::new();
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_name() != MARKER {
            // `file_type` does not follow links: a link is removed, never its target.
            entries.push((entry.path(), entry.file_type()?.is_dir()));
        }
    }
    entries
        .par_iter()
        .try_for_each(|(path, is_dir)| remove(path, *is_dir))?;
    fs::remove_file(dir.join(MARKER))
}

/// Removes a file, or a folder with everything in it: the folder's own entries in
/// parallel, each by `fs::remove_dir_all` (which never follows a link). An old site of
/// 10,000 releases is ~37,000 files, 31,000 of them under `releases/`, and their unlinks
/// on one thread were a fifth of an incremental build's CPU time.
fn remove_entry(path: &Path, is_dir: bool) -> io::Result<()> {
    if !is_dir {
        return fs::remove_file(path);
    }
    // Checked again just before reading it: a folder replaced by a link since it was
    // listed is removed as a link, its target untouched.
    if fs::symlink_metadata(path)?.file_type().is_symlink() {
        return fs::remove_file(path);
    }
    let mut entries = Vec::new();
    for entry in fs::read_dir(path)? {
        let entry = entry?;
        entries.push((entry.path(), entry.file_type()?.is_dir()));
    }
    entries.par_iter().try_for_each(|(entry, is_dir)| {
        if *is_dir {
            fs::remove_dir_all(entry)
        } else {
            fs::remove_file(entry)
        }
    })?;
    fs::remove_dir(path)
}

/// Cleans what killed builds of this output left beside it. Runs under the lock (see
/// [`OutputLock::holding`]), so no live build owns any of these folders. If the output itself is missing (a fallback
/// publish killed between its two renames), the newest previous site is put back first.
fn recover_leftovers(target: &Target) -> Result<(), OutputError> {
    let entries = match fs::read_dir(&target.parent) {
        Ok(entries) => entries,
        Err(source) if source.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(source) => {
            return Err(OutputError::Io {
                path: target.parent.clone(),
                source,
            })
        }
    };
    let (staging_prefix, old_prefix) = (target.staging_prefix(), target.old_prefix());
    let mut olds = Vec::new();
    let mut stagings = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with(&old_prefix) {
            olds.push(entry.path());
        } else if name.starts_with(&staging_prefix) {
            stagings.push(entry.path());
        }
    }
    if !target.output.exists() {
        olds.sort_by_key(|dir| {
            fs::metadata(dir.join(MARKER))
                .and_then(|m| m.modified())
                .ok()
        });
        if let Some(newest) = olds.iter().rposition(|dir| is_ours(dir)) {
            let previous = olds.remove(newest);
            fs::rename(&previous, &target.output).map_err(io_error(&target.output))?;
        }
    }
    for dir in &olds {
        target.discard_old(dir);
    }
    for dir in &stagings {
        remove_ours(dir);
    }
    Ok(())
}

/// Puts the staging folder in place of the output, in one atomic step where possible, then
/// runs `then` beside the removal of the previous site.
fn publish<T: Send>(
    staging: &Path,
    target: &Target,
    then: impl FnOnce() -> T + Send,
) -> Result<T, OutputError> {
    let output = &target.output;
    pause_for_tests("before-swap");
    if !output.exists() {
        fs::rename(staging, output).map_err(io_error(output))?;
        return Ok(then());
    }
    if exchange_allowed() {
        match exchange(staging, output) {
            Ok(()) => {
                pause_for_tests("after-swap");
                // The staging name now holds the previous site.
                let ((), done) = rayon::join(|| keep_as_spare(target, staging), then);
                return Ok(done);
            }
            Err(source) if !exchange_unsupported(&source) => {
                return Err(OutputError::Io {
                    path: output.clone(),
                    source,
                })
            }
            Err(_) => {}
        }
    }
    swap_with_two_renames(staging, target, then)
}

/// The fallback: output -> old, staging -> output; restores the old site if that fails.
fn swap_with_two_renames<T: Send>(
    staging: &Path,
    target: &Target,
    then: impl FnOnce() -> T + Send,
) -> Result<T, OutputError> {
    let output = &target.output;
    let old = target.old();
    if old.exists() {
        target.discard_old(&old);
    }
    fs::rename(output, &old).map_err(io_error(output))?;
    pause_for_tests("between-renames");
    if let Err(source) = fs::rename(staging, output) {
        let _ = fs::rename(&old, output);
        return Err(OutputError::Io {
            path: output.clone(),
            source,
        });
    }
    pause_for_tests("after-swap");
    let ((), done) = rayon::join(|| target.discard_old(&old), then);
    Ok(done)
}

fn exchange_allowed() -> bool {
    std::env::var_os(NO_EXCHANGE_VARIABLE).is_none()
}

/// Swaps two directory entries atomically (`renameat2` with `RENAME_EXCHANGE`).
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let a = CString::new(a.as_os_str().as_bytes())?;
    let b = CString::new(b.as_os_str().as_bytes())?;
    // SAFETY: both paths are valid NUL-terminated strings that outlive the call; the
    // directory descriptors are AT_FDCWD and the paths are absolute.
    let status = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if status == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_a: &Path, _b: &Path) -> io::Result<()> {
    Err(io::Error::from(io::ErrorKind::Unsupported))
}

/// The errors that mean "this system or file system cannot exchange": use the fallback.
fn exchange_unsupported(error: &io::Error) -> bool {
    if error.kind() == io::ErrorKind::Unsupported {
        return true;
    }
    #[cfg(target_os = "linux")]
    {
        matches!(
            error.raw_os_error(),
            Some(libc::EINVAL | libc::ENOSYS | libc::EOPNOTSUPP)
        )
    }
    #[cfg(not(target_os = "linux"))]
    false
}

fn pause_for_tests(point: &str) {
    if std::env::var(PAUSE_VARIABLE).is_ok_and(|wanted| wanted == point) {
        eprintln!("shipboard: paused at {point} ({PAUSE_VARIABLE})");
        std::thread::sleep(Duration::from_secs(60));
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[test]
    fn a_removal_cut_short_leaves_the_marker_and_the_next_build_cleans_the_folder() {
        let temp = tempfile::tempdir().unwrap();
        let target = Target::new(&temp.path().join("public")).unwrap();
        let staging = temp.path().join(".public.shipboard-staging-4242");
        for file in ["a/index.html", "b/index.html", "c.css"] {
            fs::create_dir_all(staging.join(file).parent().unwrap()).unwrap();
            fs::write(staging.join(file), "x").unwrap();
        }
        fs::write(staging.join(MARKER), "ours").unwrap();
        // The process is killed after removing some files: here, a removal fails.
        let killed = |path: &Path, is_dir: bool| {
            if path.ends_with("c.css") {
                return Err(io::Error::other("killed"));
            }
            remove_entry(path, is_dir)
        };
        assert!(remove_marked(&staging, &killed).is_err());
        assert!(is_ours(&staging), "what is left is still marked");
        recover_leftovers(&target).unwrap();
        assert!(!staging.exists(), "the next build removed it");
    }

    #[test]
    fn an_old_site_is_discarded_under_a_name_that_is_never_put_back() {
        let temp = tempfile::tempdir().unwrap();
        let target = Target::new(&temp.path().join("public")).unwrap();
        let old = temp.path().join(".public.shipboard-old-4242");
        fs::create_dir_all(old.join("a")).unwrap();
        fs::write(old.join("a/index.html"), "x").unwrap();
        fs::write(old.join(MARKER), "ours").unwrap();
        target.discard_old(&old);
        assert!(!old.exists());
        let left: Vec<_> = fs::read_dir(temp.path()).unwrap().flatten().collect();
        assert!(left.is_empty(), "{left:?}");
        // A discard killed half way: a marked folder under the staging prefix. With the
        // output missing, it is removed, not put back as the output.
        let cut = temp.path().join(".public.shipboard-staging-discard-4242-0");
        fs::create_dir_all(cut.join("b")).unwrap();
        fs::write(cut.join(MARKER), "ours").unwrap();
        recover_leftovers(&target).unwrap();
        assert!(!cut.exists());
        assert!(
            !temp.path().join("public").exists(),
            "half a site was published"
        );
    }

    #[cfg(unix)]
    #[test]
    fn removing_an_old_site_removes_links_in_it_never_what_they_point_to() {
        let temp = tempfile::tempdir().unwrap();
        let outside = temp.path().join("precious");
        fs::create_dir_all(outside.join("deep")).unwrap();
        fs::write(outside.join("deep/file.txt"), "keep me").unwrap();
        let old = temp.path().join(".public.shipboard-old-1");
        for file in [
            "releases/a/1/index.html",
            "releases/b/index.html",
            "style.css",
        ] {
            fs::create_dir_all(old.join(file).parent().unwrap()).unwrap();
            fs::write(old.join(file), "x").unwrap();
        }
        // Links at every level the removal walks in parallel.
        std::os::unix::fs::symlink(&outside, old.join("top-link")).unwrap();
        std::os::unix::fs::symlink(&outside, old.join("releases/link")).unwrap();
        std::os::unix::fs::symlink(&outside, old.join("releases/a/link")).unwrap();
        fs::write(old.join(MARKER), "ours").unwrap();
        remove_ours(&old);
        assert!(!old.exists(), "the old site is gone");
        let kept = fs::read_to_string(outside.join("deep/file.txt")).unwrap();
        assert_eq!(kept, "keep me");
    }

    #[cfg(unix)]
    #[test]
    fn an_output_that_is_a_link_or_inside_a_content_folder_is_refused() {
        let temp = tempfile::tempdir().unwrap();
        let content = temp.path().join("content");
        fs::create_dir_all(content.join("releases")).unwrap();
        fs::create_dir_all(temp.path().join("www")).unwrap();
        let link = temp.path().join("public");
        std::os::unix::fs::symlink(temp.path().join("www"), &link).unwrap();
        let err = check_output(&link, &content).unwrap_err();
        assert!(matches!(err, OutputError::Symlink { .. }), "{err}");
        assert!(err.to_string().contains("www"), "{err}");
        for inside in [
            "releases/site",
            "static",
            "themes/x/out",
            "releases/../templates/a",
        ] {
            let err = check_output(&content.join(inside), &content).unwrap_err();
            assert!(
                matches!(err, OutputError::InsideContentFolder { .. }),
                "{inside}: {err}"
            );
        }
        // Through a linked folder outside the content.
        let via = temp.path().join("via");
        std::os::unix::fs::symlink(content.join("releases"), &via).unwrap();
        assert!(check_output(&via.join("site"), &content).is_err());
        for fine in ["public", "releases-site", "releases/../public"] {
            check_output(&content.join(fine), &content).unwrap();
        }
        check_output(&temp.path().join("elsewhere"), &content).unwrap();
    }

    fn write_site(
        out: &Path,
        content: &Path,
        files: &BTreeMap<String, Vec<u8>>,
    ) -> Result<(), OutputError> {
        let lock = OutputLock::acquire(out, Wait::NoWait, |_| {})?;
        // Every path is checked before anything is written, as a build checks each one.
        for name in files.keys() {
            check_relative(name)?;
        }
        let staging = Staging::begin(&lock, content)?;
        for (name, bytes) in files {
            staging.write(name, bytes)?;
        }
        staging.publish()
    }

    /// A temporary folder with an empty content folder in it, and where its output goes.
    fn content_and_output() -> (tempfile::TempDir, PathBuf, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let content = dir.path().join("content");
        fs::create_dir(&content).unwrap();
        let out = dir.path().join("public");
        (dir, content, out)
    }

    /// Every file under `dir` and what it holds, and every folder that holds nothing.
    fn tree(dir: &Path) -> (BTreeMap<String, String>, Vec<String>) {
        let (mut found, mut empty) = (BTreeMap::new(), Vec::new());
        let mut stack = vec![dir.to_path_buf()];
        while let Some(folder) = stack.pop() {
            let entries: Vec<_> = fs::read_dir(&folder).unwrap().flatten().collect();
            if entries.is_empty() {
                empty.push(folder.strip_prefix(dir).unwrap().display().to_string());
            }
            for entry in entries {
                let path = entry.path();
                let name = path.strip_prefix(dir).unwrap().display().to_string();
                match entry.file_type().unwrap().is_dir() {
                    true => stack.push(path),
                    false => drop(found.insert(name, fs::read_to_string(&path).unwrap())),
                }
            }
        }
        (found, empty)
    }

    /// How the published files are on disk now: what a build's record says of them.
    fn stamps_of(out: &Path, names: &[&str]) -> BTreeMap<String, Stamp> {
        let stamp = |name: &&str| {
            Stamp::of(&out.join(name))
                .ok()
                .map(|s| (name.to_string(), s))
        };
        names.iter().filter_map(stamp).collect()
    }

    /// The next build's staging folder, from the spare site, with `published` as the
    /// previous build's record of the published files.
    fn from_spare<'l>(
        lock: &'l OutputLock,
        content: &Path,
        published: &BTreeMap<String, Stamp>,
    ) -> Staging<'l> {
        let lookup = |file: &str| published.get(file).copied();
        Staging::begin_reusing(lock, content, &lookup).unwrap()
    }

    #[test]
    fn a_build_from_the_spare_site_publishes_exactly_the_site_built() {
        let (_dir, content, out) = content_and_output();
        let first = [
            ("a", "1"),
            ("b", "1"),
            ("d/c", "1"),
            ("gone/x", "1"),
            ("f", "1"),
        ];
        write_site(&out, &content, &files(&first)).unwrap();
        // The second build keeps a, d/c, gone/x and f and writes b and h/i: the first
        // site becomes the spare one.
        let names = ["a", "b", "d/c", "gone/x", "f", "h/i"];
        let lock = OutputLock::acquire(&out, Wait::NoWait, |_| {}).unwrap();
        let staging = Staging::begin(&lock, &content).unwrap();
        let published = stamps_of(&out, &names);
        for name in ["a", "d/c", "gone/x", "f"] {
            staging.keep(name, &published[name]).unwrap();
        }
        staging.write("b", b"2").unwrap();
        staging.write("h/i", b"2").unwrap();
        staging.publish().unwrap();
        let spare = out.with_file_name(".public.shipboard-spare");
        assert!(is_ours(&spare), "the replaced site is kept, marked as ours");
        assert_eq!(fs::read_to_string(spare.join(".gitignore")).unwrap(), "*\n");

        // The third build starts from the spare site: `a` and `d/c` are links to the
        // published files, `b` is the first site's own (written anew since).
        let published = stamps_of(&out, &names);
        let staging = from_spare(&lock, &content, &published);
        assert!(!spare.exists(), "the spare site became the staging folder");
        let left = staging.left.as_ref().unwrap().lock().unwrap().clone();
        let mut left: Vec<&str> = left.keys().map(String::as_str).collect();
        left.sort_unstable();
        assert_eq!(left, ["a", "d/c", "f", "gone/x"]);
        staging.keep("a", &published["a"]).unwrap();
        staging.write("d/c", b"3").unwrap(); // over a link to the published file
        staging.write("b", b"3").unwrap();
        staging.write("f/g", b"3").unwrap(); // a folder where the spare has a file
        staging.write("new/y", b"3").unwrap();
        // Nothing written so far went through a link into the published site.
        let (before, _) = tree(&out);
        assert_eq!(before["d/c"], "1");
        assert_eq!(before["b"], "2");
        staging.publish().unwrap();
        let (site, empty) = tree(&out);
        let built = [
            ("a", "1"),
            ("b", "3"),
            ("d/c", "3"),
            ("f/g", "3"),
            ("new/y", "3"),
        ];
        let mut expected: BTreeMap<String, String> = built
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        expected.insert(MARKER.into(), fs::read_to_string(out.join(MARKER)).unwrap());
        assert_eq!(
            site, expected,
            "exactly the files built, gone/x and h/i gone"
        );
        assert!(empty.is_empty(), "no empty folder is published: {empty:?}");
        // The site it replaced is the spare one now, whole.
        let (kept, _) = tree(&spare);
        assert_eq!(kept["h/i"], "2");
        assert_eq!(kept["b"], "2");
    }

    /// Builds `site` twice into `out` (the second keeping every file), so that the spare
    /// site holds a link to every published file, and takes the lock for the next build.
    fn built_twice(out: &Path, content: &Path, site: &[(&str, &str)]) -> OutputLock {
        write_site(out, content, &files(site)).unwrap();
        let lock = OutputLock::acquire(out, Wait::NoWait, |_| {}).unwrap();
        let staging = Staging::begin(&lock, content).unwrap();
        for (name, _) in site {
            let published = Stamp::of(&out.join(name)).unwrap();
            staging.keep(name, &published).unwrap();
        }
        staging.publish().unwrap();
        lock
    }

    #[test]
    fn a_spare_folder_where_this_site_has_a_file_goes_and_a_clash_of_this_site_is_an_error() {
        let (_dir, content, out) = content_and_output();
        let site = [
            ("downloads/v1/a.zip", "1"),
            ("api/releases.json/x", "1"),
            ("k", "1"),
        ];
        let names: Vec<&str> = site.iter().map(|(name, _)| *name).collect();
        let lock = built_twice(&out, &content, &site);
        let published = stamps_of(&out, &names);
        let staging = from_spare(&lock, &content, &published);
        assert_eq!(staging.left.as_ref().unwrap().lock().unwrap().len(), 3);
        staging.write("downloads", b"file").unwrap();
        assert!(
            staging.append("api/releases.json", b"[").unwrap(),
            "made anew"
        );
        assert!(!staging.append("api/releases.json", b"]").unwrap());
        staging.keep("k", &published["k"]).unwrap();
        staging.publish().unwrap();
        let (built, empty) = tree(&out);
        let names: Vec<(&str, &str)> = built
            .iter()
            .filter(|(name, _)| *name != MARKER)
            .map(|(name, bytes)| (name.as_str(), bytes.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                ("api/releases.json", "[]"),
                ("downloads", "file"),
                ("k", "1")
            ]
        );
        assert!(empty.is_empty(), "{empty:?}");

        // Two files of this site where one needs a folder: an error, as from an empty
        // folder, whichever comes first; never one removing the other.
        let published = stamps_of(&out, &["downloads", "api/releases.json", "k"]);
        let staging = from_spare(&lock, &content, &published);
        staging.write("c/d", b"1").unwrap();
        assert!(
            staging.write("c", b"2").is_err(),
            "a file where this build made a folder"
        );
        staging.write("e", b"1").unwrap();
        assert!(
            staging.write("e/f", b"2").is_err(),
            "a folder where this build made a file"
        );
        assert_eq!(fs::read_to_string(staging.dir.join("c/d")).unwrap(), "1");
        assert_eq!(fs::read_to_string(staging.dir.join("e")).unwrap(), "1");
    }

    #[test]
    fn a_spare_file_changed_since_or_not_recorded_is_not_kept() {
        let (_dir, content, out) = content_and_output();
        write_site(&out, &content, &files(&[("a", "1"), ("b", "1")])).unwrap();
        write_site(&out, &content, &files(&[("a", "2"), ("b", "2")])).unwrap();
        let spare = out.with_file_name(".public.shipboard-spare");
        let lock = OutputLock::acquire(&out, Wait::NoWait, |_| {}).unwrap();
        // Links to the published files, one of them since changed in place.
        for name in ["a", "b"] {
            fs::remove_file(spare.join(name)).unwrap();
            fs::hard_link(out.join(name), spare.join(name)).unwrap();
        }
        let published = stamps_of(&out, &["a", "b"]);
        fs::write(spare.join("b"), "tampered").unwrap();
        fs::write(spare.join("stray"), "x").unwrap();
        fs::create_dir_all(spare.join("empty/deeper")).unwrap();
        let staging = from_spare(&lock, &content, &published);
        let left = staging.left.as_ref().unwrap().lock().unwrap().clone();
        assert_eq!(left.keys().collect::<Vec<_>>(), ["a"]);
        assert!(!staging.dir.join("b").exists() && !staging.dir.join("stray").exists());
        staging.keep("a", &published["a"]).unwrap();
        staging.write("b", b"3").unwrap();
        staging.publish().unwrap();
        let (site, empty) = tree(&out);
        let names: Vec<&str> = site.keys().map(String::as_str).collect();
        assert_eq!(names, [MARKER, "a", "b"]);
        assert!(empty.is_empty(), "{empty:?}");
    }

    #[test]
    fn a_build_from_the_spare_site_that_fails_leaves_the_published_site_and_no_spare() {
        let (_dir, content, out) = content_and_output();
        write_site(&out, &content, &files(&[("a", "1")])).unwrap();
        write_site(&out, &content, &files(&[("a", "2")])).unwrap();
        let lock = OutputLock::acquire(&out, Wait::NoWait, |_| {}).unwrap();
        let published = stamps_of(&out, &["a"]);
        let staging = from_spare(&lock, &content, &published);
        staging.write("a", b"3").unwrap();
        drop(staging); // an error before publishing
        drop(lock);
        assert_eq!(fs::read_to_string(out.join("a")).unwrap(), "2");
        let beside: Vec<_> = fs::read_dir(out.parent().unwrap())
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|name| name.contains("shipboard"))
            .collect();
        assert!(beside.is_empty(), "{beside:?}");
        // The next build starts from an empty folder.
        write_site(&out, &content, &files(&[("a", "4")])).unwrap();
        assert_eq!(fs::read_to_string(out.join("a")).unwrap(), "4");
    }

    fn files(pairs: &[(&str, &str)]) -> BTreeMap<String, Vec<u8>> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.as_bytes().to_vec()))
            .collect()
    }

    #[test]
    fn rejects_paths_that_escape() {
        for bad in ["../x", "/etc/passwd", "a/../../b", "", "a\\..\\b", "./a"] {
            assert!(check_relative(bad).is_err(), "{bad}");
        }
        assert!(check_relative("releases/a/1.0.0/index.html").is_ok());
    }

    #[test]
    fn replaces_a_previous_site_and_keeps_nothing_stale() {
        let (dir, content, out) = content_and_output();
        write_site(
            &out,
            &content,
            &files(&[("a.html", "1"), ("old.html", "x")]),
        )
        .unwrap();
        write_site(&out, &content, &files(&[("a.html", "2")])).unwrap();
        assert_eq!(fs::read_to_string(out.join("a.html")).unwrap(), "2");
        assert!(!out.join("old.html").exists());
        let mut beside: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        beside.sort_unstable();
        // Besides the content and the site, only the site replaced, kept for the next build.
        assert_eq!(beside, [".public.shipboard-spare", "content", "public"]);
    }

    #[test]
    fn what_runs_after_publishing_sees_the_new_site_and_nothing_runs_if_it_fails() {
        let (_dir, content, out) = content_and_output();
        write_site(&out, &content, &files(&[("a.html", "1")])).unwrap();
        for with_exchange in [true, false] {
            let lock = OutputLock::acquire(&out, Wait::NoWait, |_| {}).unwrap();
            let staging = Staging::begin(&lock, &content).unwrap();
            staging.write("a.html", b"2").unwrap();
            let seen = match with_exchange {
                true => staging.publish_then(|| fs::read_to_string(out.join("a.html"))),
                false => {
                    // The fallback of two renames, as where the exchange is unsupported.
                    let then = || fs::read_to_string(out.join("a.html"));
                    swap_with_two_renames(&staging.dir, &lock.target, then)
                }
            };
            assert_eq!(seen.unwrap().unwrap(), "2");
            fs::write(out.join("a.html"), "1").unwrap();
        }
        // A staging folder that cannot be swapped in (gone here): an error, the published
        // site as it was, and `then` never runs.
        let ran = std::sync::atomic::AtomicBool::new(false);
        let lock = OutputLock::acquire(&out, Wait::NoWait, |_| {}).unwrap();
        let staging = Staging::begin(&lock, &content).unwrap();
        staging.write("a.html", b"3").unwrap();
        fs::remove_dir_all(&staging.dir).unwrap();
        let published = staging.publish_then(|| ran.store(true, Ordering::Relaxed));
        assert!(published.is_err());
        assert!(!ran.load(Ordering::Relaxed));
        assert_eq!(fs::read_to_string(out.join("a.html")).unwrap(), "1");
    }

    #[test]
    fn files_of_one_new_folder_written_and_kept_from_many_threads_are_all_there() {
        let (_dir, content, out) = content_and_output();
        let names: Vec<String> = (0..64)
            .map(|i| format!("releases/s{}/v{i}/index.html", i % 4))
            .collect();
        let first: BTreeMap<String, Vec<u8>> = names
            .iter()
            .map(|n| (n.clone(), n.as_bytes().to_vec()))
            .collect();
        write_site(&out, &content, &first).unwrap();
        let lock = OutputLock::acquire(&out, Wait::NoWait, |_| {}).unwrap();
        let staging = Staging::begin(&lock, &content).unwrap();
        // Half kept from the published site (hard links), half written anew, all at once.
        names.par_iter().enumerate().for_each(|(i, name)| {
            match i % 2 {
                0 => {
                    let published = Stamp::of(&out.join(name)).unwrap();
                    assert_eq!(staging.keep(name, &published).unwrap(), published);
                }
                _ => staging.write(name, b"new").unwrap(),
            };
            staging
                .write(&name.replace("index.html", "announce.txt"), b"a")
                .unwrap();
        });
        staging.publish().unwrap();
        for (i, name) in names.iter().enumerate() {
            let expected = if i % 2 == 0 { name.as_str() } else { "new" };
            assert_eq!(fs::read_to_string(out.join(name)).unwrap(), expected);
            let announce = out.join(name.replace("index.html", "announce.txt"));
            assert_eq!(fs::read_to_string(announce).unwrap(), "a");
        }
    }

    #[test]
    fn a_file_appended_in_parts_is_created_once_and_published_whole() {
        let (dir, content, out) = content_and_output();
        let lock = OutputLock::acquire(&out, Wait::NoWait, |_| {}).unwrap();
        let staging = Staging::begin(&lock, &content).unwrap();
        assert!(staging.append("api/big.json", b"{\n").unwrap(), "created");
        assert!(!staging.append("api/big.json", b"  \"a\": 1\n").unwrap());
        assert!(!staging.append("api/big.json", b"}\n").unwrap());
        let err = staging.append("../evil.json", b"x").unwrap_err();
        assert!(matches!(err, OutputError::UnsafePath(_)), "{err}");
        staging.publish().unwrap();
        let text = fs::read_to_string(out.join("api/big.json")).unwrap();
        assert_eq!(text, "{\n  \"a\": 1\n}\n");
        assert!(!dir.path().join("evil.json").exists());
    }

    #[test]
    fn an_unsafe_path_leaves_the_old_site_untouched() {
        let (dir, content, out) = content_and_output();
        write_site(&out, &content, &files(&[("a.html", "1")])).unwrap();
        let err =
            write_site(&out, &content, &files(&[("a.html", "2"), ("../evil", "x")])).unwrap_err();
        assert!(matches!(err, OutputError::UnsafePath(_)));
        assert_eq!(fs::read_to_string(out.join("a.html")).unwrap(), "1");
        assert!(!dir.path().join("evil").exists());
    }

    #[test]
    fn refuses_to_replace_foreign_folders_or_the_content() {
        let dir = tempfile::tempdir().unwrap();
        let content = dir.path().join("content");
        fs::create_dir(&content).unwrap();
        fs::write(content.join("portal.yaml"), "x").unwrap();
        let err = write_site(dir.path(), &content, &files(&[("a.html", "1")])).unwrap_err();
        assert!(matches!(err, OutputError::ContainsContent(_)), "{err}");
        let foreign = dir.path().join("docs");
        fs::create_dir(&foreign).unwrap();
        fs::write(foreign.join("thesis.tex"), "precious").unwrap();
        let err = write_site(&foreign, &content, &files(&[("a.html", "1")])).unwrap_err();
        assert!(matches!(err, OutputError::NotOurs(_)));
        assert_eq!(
            fs::read_to_string(foreign.join("thesis.tex")).unwrap(),
            "precious"
        );
    }
}
