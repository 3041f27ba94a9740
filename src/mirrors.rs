//! Mirrors: system repositories named by a clone URL in `repo:` (`https://`, `ssh://`,
//! `git://`, `file://` or `user@host:path`) are fetched into a cache of bare, blob-less
//! mirrors before the history stage reads them, so a content repo's CI needs no clone
//! scripts of its own.
//!
//! Fetching is done by the system `git` (`git clone --mirror --filter=blob:none`, then
//! `git fetch --prune` and `git ls-remote --symref`, so the mirror's `HEAD` follows the
//! remote's default branch): Shipboard has no network code, and credentials stay git's business
//! (credential helpers, SSH keys and deploy keys). The history stage only reads commits,
//! trees and tags, never blobs, so blob-less mirrors hold all it needs.
//!
//! The cache lives in `<content>/.shipboard/repos/` (or `$SHIPBOARD_CACHE_DIR/repos/`), one
//! folder per URL, named after the URL's last segment and a hash of the whole URL. A first
//! clone goes to a temporary folder renamed into place when complete, so a killed fetch never
//! leaves a half mirror. `--offline` uses the cache as it is. A fetch that fails with a mirror
//! in the cache is a warning that says how old the mirror is; without one it is an error.
//! URLs are printed with any user name or password replaced by `***`. Git never prompts
//! (`GIT_TERMINAL_PROMPT=0`, SSH in batch mode) and is stopped after a time limit, so a fetch
//! cannot hang a build. This stage writes only inside the cache and never renders.

use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStderr, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::calendar::time;
use crate::content::{Content, System};
use crate::diagnostics::{display_path, Diagnostic};

/// How long one `git clone` or `git fetch` may take (`SHIPBOARD_FETCH_TIMEOUT` seconds).
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);
/// Written into a mirror after each successful fetch: the time, in Unix seconds.
const FETCHED_AT: &str = "shipboard-fetched-at";

/// Whether remote repositories are fetched before reading, or read from the cache as is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Network {
    Fetch,
    Offline,
    /// Mirrors in the cache are read as they are; a URL without one is cloned (`serve`'s
    /// rebuilds: an edit does not wait for the network, but a `repo:` changed to a new URL
    /// is fetched, not reported as missing).
    NewOnly,
}

impl Network {
    /// `Offline` when `SHIPBOARD_OFFLINE` is set to anything but `0` or nothing.
    pub fn from_env() -> Network {
        match std::env::var("SHIPBOARD_OFFLINE") {
            Ok(value) if !value.is_empty() && value != "0" => Network::Offline,
            _ => Network::Fetch,
        }
    }
}

/// What syncing found: the local mirror of each remote URL that can be read, and notes for
/// `-v` (which mirror was fetched or used, and how old it is).
#[derive(Debug, Default)]
pub struct Synced {
    pub mirrors: BTreeMap<String, PathBuf>,
    pub notes: Vec<String>,
}

/// Whether a `repo:` value is a clone URL rather than a path in the content repo.
pub fn is_remote(repo: &str) -> bool {
    let schemes = ["https://", "http://", "ssh://", "git://", "file://"];
    if schemes
        .iter()
        .any(|s| repo.to_ascii_lowercase().starts_with(s))
    {
        return true;
    }
    // scp-like `user@host:path` (git's own rule: a colon before any slash).
    match (repo.find(':'), repo.find('/')) {
        (Some(colon), slash) => repo[..colon].contains('@') && slash.is_none_or(|s| colon < s),
        (None, _) => false,
    }
}

/// `https://***@host/x.git` for `https://user:token@host/x.git`: safe to print.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}://***@{}", &rest[at + 1..]),
        None => url.to_owned(),
    }
}

/// The folder holding the mirrors of the content repo at `content_root`.
pub fn cache_dir(content_root: &Path) -> PathBuf {
    let base = custom_cache()
        .map(PathBuf::from)
        .unwrap_or_else(|| content_root.join(".shipboard"));
    base.join("repos")
}

/// `SHIPBOARD_CACHE_DIR`, when set to something (empty means unset).
fn custom_cache() -> Option<std::ffi::OsString> {
    std::env::var_os("SHIPBOARD_CACHE_DIR").filter(|dir| !dir.is_empty())
}

/// The mirror folder of one URL: `payments-<12 hex of the URL's SHA-1>`. The readable part
/// is the URL's last path segment, or its host when it has no path, never its user info
/// (the folder name is printed by `fetch` and `-v`).
pub fn mirror_dir(cache: &Path, url: &str) -> PathBuf {
    let hash = git2::Oid::hash_object(git2::ObjectType::Blob, url.as_bytes())
        .map(|oid| oid.to_string())
        .unwrap_or_default();
    let name: String = readable_part(url)
        .trim_end_matches(".git")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .take(40)
        .collect();
    let name = if name.is_empty() || name.starts_with('.') {
        "repo".to_owned()
    } else {
        name
    };
    cache.join(format!("{name}-{}", &hash[..12.min(hash.len())]))
}

/// The last path segment of `url`, else its host (no port): never the user info.
fn readable_part(url: &str) -> &str {
    let (authority, path) = match url.split_once("://") {
        Some((_, rest)) => rest.split_at(rest.find('/').unwrap_or(rest.len())),
        // scp-like `user@host:path`, or anything else: split at the first colon.
        None => url.split_at(url.find(':').unwrap_or(0)),
    };
    let last = path
        .trim_start_matches(':')
        .rsplit(['/', ':'])
        .find(|segment| !segment.is_empty());
    last.unwrap_or_else(|| {
        let host = authority.rsplit('@').next().unwrap_or_default();
        host.split(':').next().unwrap_or_default()
    })
}

/// Brings the mirror of every remote system repository up to date (or, offline, finds it).
pub fn sync(content_root: &Path, content: &Content, network: Network) -> (Synced, Vec<Diagnostic>) {
    let mut by_url: BTreeMap<&str, Vec<&System>> = BTreeMap::new();
    for system in &content.systems {
        if let Some(repo) = system.repo.as_deref().filter(|r| is_remote(r)) {
            by_url.entry(repo).or_default().push(system);
        }
    }
    let mut synced = Synced::default();
    let mut problems = Vec::new();
    if by_url.is_empty() {
        return (synced, problems);
    }
    let cache = cache_dir(content_root);
    if network != Network::Offline {
        if let Some(first) = by_url.values().flatten().next() {
            problems.extend(timeout_warning(first));
        }
        if custom_cache().is_none() {
            // Like build and check: `.shipboard/` ignores itself so mirrors are never committed.
            let _ = fs::create_dir_all(content_root.join(".shipboard"));
            let _ = crate::cache::ignored_by_git(content_root);
        }
    }
    for (url, systems) in by_url {
        let dir = mirror_dir(&cache, url);
        match sync_one(url, &dir, network) {
            Ok(note) => {
                synced.notes.push(note);
                synced.mirrors.insert(url.to_owned(), dir);
            }
            Err(Failure::Stale { reason, age }) => {
                for system in &systems {
                    problems.push(stale_warning(system, url, &reason, age));
                }
                synced.mirrors.insert(url.to_owned(), dir);
            }
            Err(Failure::NoMirror { reason }) => {
                for system in &systems {
                    problems.push(fetch_error(system, url, &reason, &cache, network));
                }
            }
        }
    }
    (synced, problems)
}

enum Failure {
    /// The fetch failed but an older mirror is there.
    Stale {
        reason: String,
        age: Option<Duration>,
    },
    /// Nothing to read.
    NoMirror { reason: String },
}

fn sync_one(url: &str, dir: &Path, network: Network) -> Result<String, Failure> {
    let have_mirror = is_mirror(dir);
    let shown = redact(url);
    if network == Network::Offline || (network == Network::NewOnly && have_mirror) {
        return if have_mirror {
            Ok(format!(
                "offline: read {shown} from its mirror, fetched {}",
                age_words(mirror_age(dir))
            ))
        } else {
            Err(Failure::NoMirror {
                reason: "--offline was given and the cache has no mirror of it yet".to_owned(),
            })
        };
    }
    remove_abandoned_partials(dir);
    let result = if have_mirror {
        fetch(url, dir)
    } else {
        clone(url, dir)
    };
    match result {
        Ok(()) => {
            let _ = fs::write(dir.join(FETCHED_AT), unix_now().to_string());
            Ok(format!("fetched {shown} into {}", display_path(dir)))
        }
        Err(reason) if have_mirror => Err(Failure::Stale {
            reason,
            age: mirror_age(dir),
        }),
        Err(reason) => Err(Failure::NoMirror { reason }),
    }
}

/// Clones into a temporary folder, then renames it into place. Another run may have put its
/// own clone there meanwhile (`check` and `build` started together): that one is used.
fn clone(url: &str, dir: &Path) -> Result<(), String> {
    let parent = dir.parent().ok_or("the cache folder has no parent")?;
    fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    remove_broken_mirror(dir)?;
    let partial = parent.join(format!(".{name}{PARTIAL}{}", std::process::id()));
    let _ = fs::remove_dir_all(&partial);
    let mut command = git();
    command
        .args(["clone", "--mirror", "--filter=blob:none", "--quiet", "--"])
        .arg(url)
        .arg(&partial);
    let result = run_git(command, url).and_then(|()| move_into_place(&partial, dir));
    let _ = fs::remove_dir_all(&partial);
    result
}

/// Between a temporary clone's name and the PID of the run making it.
const PARTIAL: &str = ".partial-";

/// Renames the finished clone `partial` to `dir`, or keeps the mirror already at `dir`.
fn move_into_place(partial: &Path, dir: &Path) -> Result<(), String> {
    match fs::rename(partial, dir) {
        Ok(()) => Ok(()),
        // Another run finished its clone first: the mirror is there, this one is not needed.
        Err(_) if is_mirror(dir) => Ok(()),
        Err(e) => Err(format!(
            "cannot move the new mirror into place at {}: {e}",
            display_path(dir)
        )),
    }
}

fn is_mirror(dir: &Path) -> bool {
    dir.join("HEAD").is_file()
}

/// A mirror folder without `HEAD` (a cache restored in part, a copy cut short) is not a
/// mirror and would block the rename of a new clone: it is removed before cloning.
fn remove_broken_mirror(dir: &Path) -> Result<(), String> {
    let removed = match fs::symlink_metadata(dir) {
        Err(_) => return Ok(()),
        Ok(_) if is_mirror(dir) => return Ok(()),
        Ok(meta) if meta.is_dir() => fs::remove_dir_all(dir),
        Ok(_) => fs::remove_file(dir),
    };
    removed.map_err(|e| {
        format!(
            "{} is in the way of the mirror (it is not one: it has no HEAD) and cannot be removed ({e}); delete it",
            display_path(dir)
        )
    })
}

/// Removes the temporary clones of `dir` (`.<name>.partial-<pid>`) that runs killed midway
/// left: their process is gone, or they are older than the time limit allows any clone to be.
fn remove_abandoned_partials(dir: &Path) {
    let (Some(parent), Some(name)) = (dir.parent(), dir.file_name()) else {
        return;
    };
    let prefix = format!(".{}{PARTIAL}", name.to_string_lossy());
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(pid) = file_name
            .to_str()
            .and_then(|n| n.strip_prefix(&prefix))
            .and_then(|pid| pid.parse::<u32>().ok())
        else {
            continue;
        };
        let too_old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|modified| modified.elapsed().ok())
            .is_some_and(|age| age > timeout() + Duration::from_secs(60));
        if pid != std::process::id() && (too_old || !process_alive(pid)) {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

/// Whether a process with this PID exists (on other systems: assumed so).
fn process_alive(pid: u32) -> bool {
    #[cfg(unix)]
    if let Ok(pid) = libc::pid_t::try_from(pid) {
        // SAFETY: signal 0 only checks that the process exists; nothing is sent.
        let result = unsafe { libc::kill(pid, 0) };
        return result == 0 || std::io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH);
    }
    let _ = pid;
    true
}

fn fetch(url: &str, dir: &Path) -> Result<(), String> {
    let mut command = git();
    command
        .arg("-C")
        .arg(dir)
        .args(["fetch", "--prune", "--prune-tags", "--quiet", "origin"]);
    run_git(command, url)?;
    follow_remote_head(url, dir)
}

/// A mirror's `HEAD` names the branch that was the remote's default when it was cloned,
/// and `fetch` never moves it: when the remote's default became another branch (`master` ->
/// `main`, whether or not `master` is still there), the mirror kept reading the old one, or
/// nothing once `fetch --prune` removed it. So after every fetch the remote is asked for its
/// `HEAD` (`ls-remote --symref`, under the same time limit) and the mirror's `HEAD` pointed
/// at the branch it names. A remote that names no branch (a detached `HEAD`) leaves the
/// mirror's `HEAD` as it is.
fn follow_remote_head(url: &str, dir: &Path) -> Result<(), String> {
    let Some(branch) = remote_head(url, dir)? else {
        return Ok(());
    };
    let current = fs::read_to_string(dir.join("HEAD")).unwrap_or_default();
    if current.trim() == format!("ref: {branch}") {
        // Unchanged: `HEAD` is not rewritten, so the history cache's key stays the same.
        return Ok(());
    }
    let mut command = git();
    command
        .arg("-C")
        .arg(dir)
        .args(["symbolic-ref", "HEAD", &branch]);
    run_git(command, url)
}

/// The branch the remote's `HEAD` names (`refs/heads/main`), or `None` when it names none.
fn remote_head(url: &str, dir: &Path) -> Result<Option<String>, String> {
    let answer = dir.join("shipboard-remote-head");
    let file =
        fs::File::create(&answer).map_err(|e| format!("cannot write {}: {e}", answer.display()))?;
    let mut command = git();
    command
        .arg("-C")
        .arg(dir)
        .args(["ls-remote", "--symref", "origin", "HEAD"])
        .stdout(file);
    let asked = run_git(command, url);
    let said = fs::read_to_string(&answer).unwrap_or_default();
    let _ = fs::remove_file(&answer);
    asked?;
    Ok(symref_target(&said).map(str::to_owned))
}

/// The branch in `ls-remote --symref … HEAD`'s answer (`ref: refs/heads/main\tHEAD`).
fn symref_target(said: &str) -> Option<&str> {
    said.lines().find_map(|line| {
        let target = line.strip_prefix("ref: ")?.strip_suffix("\tHEAD")?;
        target.starts_with("refs/heads/").then_some(target)
    })
}

/// `git` that never waits for a person: no password prompts, SSH in batch mode.
fn git() -> Command {
    let mut command = Command::new("git");
    command
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GCM_INTERACTIVE", "never")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if std::env::var_os("GIT_SSH_COMMAND").is_none() {
        command.env(
            "GIT_SSH_COMMAND",
            "ssh -o BatchMode=yes -o ConnectTimeout=30",
        );
    }
    command
}

/// Runs git to the end or to the time limit; the error is git's own message, redacted.
///
/// Git runs in a process group of its own, and the whole group is killed at the limit: git
/// hands the network to helpers (`git remote-https`, `ssh`) that outlive a killed `git` and
/// keep its stderr open, so killing `git` alone (or waiting for its stderr to close) hung.
fn run_git(mut command: Command, url: &str) -> Result<(), String> {
    let limit = timeout();
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let mut child = command.spawn().map_err(|e| {
        format!("cannot run git ({e}); install git, which Shipboard uses to fetch repositories")
    })?;
    #[cfg(unix)]
    interrupts::running(child.id());
    let messages = read_in_background(child.stderr.take());
    let deadline = Instant::now() + limit;
    let finished = match wait_until(&mut child, deadline) {
        Ok(finished) => finished,
        Err(e) => {
            stop(&mut child);
            #[cfg(unix)]
            interrupts::running(0);
            return Err(format!("cannot wait for git: {e}"));
        }
    };
    // A helper that outlived git may still hold stderr: wait for it only up to the limit
    // (and a moment, for the reader to pass on what a git that ended just in time said).
    let grace = remaining(deadline).max(Duration::from_secs(1));
    let message = match finished.map(|_| messages.recv_timeout(grace)) {
        Some(Ok(text)) => Some(text),
        _ => {
            stop(&mut child);
            // Killed: take what git said if it comes at once, never wait for it.
            messages.recv_timeout(Duration::from_millis(200)).ok();
            None
        }
    };
    #[cfg(unix)]
    interrupts::running(0);
    match (finished, message) {
        (Some(status), Some(_)) if status.success() => Ok(()),
        (Some(_), Some(text)) if text.trim().is_empty() => {
            Err("git failed without a message".to_owned())
        }
        (Some(_), Some(text)) => Err(format!("git says: {}", scrub(text.trim(), url))),
        _ => Err(format!(
            "git did not finish within {} s (SHIPBOARD_FETCH_TIMEOUT)",
            limit.as_secs()
        )),
    }
}

/// Git's own process group is out of reach of Ctrl-C at a terminal (which signals the
/// foreground group) and of a signal to Shipboard alone (a CI job cancelled): on SIGINT,
/// SIGTERM and SIGHUP the running git's group is killed first, then the signal ends
/// Shipboard as it always did. A signal that was ignored (`nohup`) stays ignored.
#[cfg(unix)]
mod interrupts {
    use std::sync::atomic::{AtomicI32, Ordering};
    use std::sync::Once;

    /// The process group of the git running now; 0 when none is.
    static GROUP: AtomicI32 = AtomicI32::new(0);

    /// Records the group of the git just started (its pid), or 0 once it is over.
    pub(super) fn running(pid: u32) {
        static INSTALL: Once = Once::new();
        INSTALL.call_once(install);
        GROUP.store(i32::try_from(pid).unwrap_or(0), Ordering::SeqCst);
    }

    fn install() {
        for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
            // SAFETY: sigaction reads and sets this signal's disposition; both structs are
            // initialised (zeroed is a valid sigaction) and live across the calls.
            unsafe {
                let mut old: libc::sigaction = std::mem::zeroed();
                if libc::sigaction(signal, std::ptr::null(), &mut old) != 0
                    || old.sa_sigaction != libc::SIG_DFL
                {
                    continue;
                }
                let mut new: libc::sigaction = std::mem::zeroed();
                let handler: extern "C" fn(libc::c_int) = on_signal;
                new.sa_sigaction = handler as libc::sighandler_t;
                libc::sigemptyset(&mut new.sa_mask);
                libc::sigaction(signal, &new, std::ptr::null_mut());
            }
        }
    }

    extern "C" fn on_signal(signal: libc::c_int) {
        let group = GROUP.load(Ordering::SeqCst);
        // SAFETY: kill, signal and raise are async-signal-safe.
        unsafe {
            if group > 0 {
                libc::kill(-group, libc::SIGKILL);
            }
            libc::signal(signal, libc::SIG_DFL);
            libc::raise(signal);
        }
    }
}

/// Everything `stderr` says until it closes, sent once on the returned channel.
fn read_in_background(stderr: Option<ChildStderr>) -> Receiver<String> {
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(mut stderr) = stderr {
            let _ = stderr.read_to_string(&mut text);
        }
        let _ = sender.send(text);
    });
    receiver
}

/// The child's exit status, or `None` when `deadline` passed first.
fn wait_until(child: &mut Child, deadline: Instant) -> std::io::Result<Option<ExitStatus>> {
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Some(status));
        }
        if Instant::now() >= deadline {
            return Ok(None);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn remaining(deadline: Instant) -> Duration {
    deadline.saturating_duration_since(Instant::now())
}

/// Kills git and every helper it started (its process group), and reaps git.
fn stop(child: &mut Child) {
    #[cfg(unix)]
    if let Ok(group) = libc::pid_t::try_from(child.id()) {
        // SAFETY: kill(2) with a negative pid signals that process group and touches no
        // memory; the group is git's own (process_group(0) made it with git's pid).
        unsafe {
            libc::kill(-group, libc::SIGKILL);
        }
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// Git's message with the URL's credentials taken out, wherever git repeated them.
fn scrub(message: &str, url: &str) -> String {
    let mut text = message.replace(url, &redact(url));
    if let Some((_, rest)) = url.split_once("://") {
        let authority = &rest[..rest.find('/').unwrap_or(rest.len())];
        if let Some(at) = authority.rfind('@') {
            let userinfo = &authority[..at];
            if !userinfo.is_empty() {
                text = text.replace(userinfo, "***");
            }
        }
    }
    text
}

fn timeout() -> Duration {
    parse_timeout(std::env::var_os("SHIPBOARD_FETCH_TIMEOUT").as_deref()).unwrap_or(DEFAULT_TIMEOUT)
}

/// `SHIPBOARD_FETCH_TIMEOUT`: unset or empty is the default; otherwise whole seconds above 0.
fn parse_timeout(value: Option<&std::ffi::OsStr>) -> Result<Duration, String> {
    let Some(value) = value.filter(|v| !v.is_empty()) else {
        return Ok(DEFAULT_TIMEOUT);
    };
    value
        .to_str()
        .and_then(|s| s.trim().parse::<u64>().ok())
        .filter(|&s| s > 0)
        .map(Duration::from_secs)
        .ok_or_else(|| {
            format!(
                "SHIPBOARD_FETCH_TIMEOUT is \"{}\", not a whole number of seconds above 0; fetching with the default limit of {} s",
                value.to_string_lossy(),
                DEFAULT_TIMEOUT.as_secs()
            )
        })
}

/// A warning when `SHIPBOARD_FETCH_TIMEOUT` is set but not a usable number of seconds,
/// placed at the first system fetched (the limit only matters when there is one).
fn timeout_warning(system: &System) -> Option<Diagnostic> {
    let problem = parse_timeout(std::env::var_os("SHIPBOARD_FETCH_TIMEOUT").as_deref()).err()?;
    Some(
        Diagnostic::warning(system.repo_at(), Some("repo"), problem).with_help(
            "set SHIPBOARD_FETCH_TIMEOUT to whole seconds, for example `SHIPBOARD_FETCH_TIMEOUT=120`, or unset it",
        ),
    )
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn mirror_age(dir: &Path) -> Option<Duration> {
    let fetched: u64 = fs::read_to_string(dir.join(FETCHED_AT))
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Some(Duration::from_secs(unix_now().saturating_sub(fetched)))
}

/// "3 h ago", "2 days ago" (`calendar::time::ago`), or "at an unknown time".
pub fn age_words(age: Option<Duration>) -> String {
    age.and_then(|age| chrono::Duration::from_std(age).ok())
        .map_or_else(|| "at an unknown time".to_owned(), time::ago)
}

fn stale_warning(system: &System, url: &str, reason: &str, age: Option<Duration>) -> Diagnostic {
    Diagnostic::warning(
        system.repo_at(),
        Some("repo"),
        format!(
            "could not fetch {} for system {}: {reason}; using the mirror fetched {}",
            redact(url),
            system.id,
            age_words(age)
        ),
    )
    .with_help("check the URL and that this machine can reach it (git's credential helper or SSH key); `shipboard fetch` retries")
}

fn fetch_error(
    system: &System,
    url: &str,
    reason: &str,
    cache: &Path,
    network: Network,
) -> Diagnostic {
    let help = match network {
        Network::Offline => "run `shipboard fetch` (or this command without --offline and SHIPBOARD_OFFLINE) to make the mirror",
        Network::Fetch | Network::NewOnly => "check the URL and that this machine can reach it (git's credential helper or SSH key)",
    };
    Diagnostic::error(
        system.repo_at(),
        Some("repo"),
        format!(
            "cannot fetch the git repository of system {} from {}: {reason}",
            system.id,
            redact(url)
        ),
    )
    .with_help(format!(
        "{help}; mirrors are kept in {}",
        display_path(cache)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_urls_from_paths() {
        for remote in [
            "https://github.com/acme/payments.git",
            "HTTPS://example.com/x",
            "ssh://git@example.com/acme/x.git",
            "git@github.com:acme/payments.git",
            "file:///srv/git/payments.git",
            "git://example.com/x",
        ] {
            assert!(is_remote(remote), "{remote}");
        }
        for local in [
            "repos/payments.git",
            ".",
            "../payments",
            "a:b/c",
            "dir/user@host:x",
        ] {
            assert!(!is_remote(local), "{local}");
        }
    }

    #[test]
    fn credentials_are_never_shown() {
        let url = "https://deploy:s3cret@git.example.com/acme/x.git";
        assert_eq!(redact(url), "https://***@git.example.com/acme/x.git");
        assert_eq!(
            redact("git@github.com:acme/x.git"),
            "git@github.com:acme/x.git"
        );
        let said = format!("fatal: unable to access '{url}/': 403 for deploy:s3cret");
        let scrubbed = scrub(&said, url);
        assert!(!scrubbed.contains("s3cret"), "{scrubbed}");
    }

    #[test]
    fn mirror_folders_are_named_and_distinct_per_url() {
        let cache = Path::new("/c");
        let a = mirror_dir(cache, "https://example.com/acme/payments.git");
        let b = mirror_dir(cache, "https://example.org/acme/payments.git");
        assert_ne!(a, b);
        let name = a.file_name().unwrap().to_string_lossy().into_owned();
        assert!(name.starts_with("payments-") && name.len() == "payments-".len() + 12);
        let odd = mirror_dir(cache, "file:///../../.git");
        assert!(
            odd.starts_with(cache)
                && odd
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .starts_with("repo-")
        );
    }

    #[test]
    fn mirror_folders_never_carry_credentials() {
        let cache = Path::new("/c");
        for (url, start) in [
            ("https://alice:SECRET@git.example/", "git.example-"),
            ("https://alice:SECRET@git.example", "git.example-"),
            ("http://user:SECRET@127.0.0.1:18501/", "127.0.0.1-"),
            (
                "https://alice:SECRET@git.example/acme/ledger.git",
                "ledger-",
            ),
            ("ssh://SECRET@git.example:22/", "git.example-"),
            ("git@git.example:acme/ledger.git", "ledger-"),
            ("SECRET@git.example:", "git.example-"),
        ] {
            let dir = mirror_dir(cache, url);
            let name = dir.file_name().unwrap().to_string_lossy().into_owned();
            assert!(!name.contains("SECRET"), "{url}: {name}");
            assert!(name.starts_with(start), "{url}: {name}");
        }
    }

    #[test]
    fn a_time_limit_is_whole_seconds_above_zero() {
        use std::ffi::OsStr;
        assert_eq!(parse_timeout(None), Ok(DEFAULT_TIMEOUT));
        assert_eq!(parse_timeout(Some(OsStr::new(""))), Ok(DEFAULT_TIMEOUT));
        assert_eq!(
            parse_timeout(Some(OsStr::new("3"))),
            Ok(Duration::from_secs(3))
        );
        for bad in ["abc", "0", "-1", "2.5"] {
            let said = parse_timeout(Some(OsStr::new(bad))).unwrap_err();
            assert!(said.contains(&format!("\"{bad}\"")), "{said}");
        }
    }

    #[test]
    fn the_remote_head_is_the_branch_its_symref_names() {
        let said = "ref: refs/heads/main\tHEAD\n1a2b3c4d\tHEAD\n";
        assert_eq!(symref_target(said), Some("refs/heads/main"));
        // A detached HEAD (no `ref:` line) or a symref outside refs/heads names no branch.
        assert_eq!(symref_target("1a2b3c4d\tHEAD\n"), None);
        assert_eq!(symref_target("ref: refs/tags/v1\tHEAD\n"), None);
        assert_eq!(symref_target(""), None);
    }

    #[test]
    fn ages_read_as_words() {
        assert_eq!(
            age_words(Some(Duration::from_secs(3 * 3600 + 5))),
            "3 h ago"
        );
        assert_eq!(
            age_words(Some(Duration::from_secs(5 * 86400))),
            "5 days ago"
        );
        assert_eq!(age_words(None), "at an unknown time");
    }
}
