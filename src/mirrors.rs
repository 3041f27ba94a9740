//! Mirrors: system repositories named by a clone URL in `repo:` (`https://`, `ssh://`,
//! `git://`, `file://` or `user@host:path`) are fetched into a cache of bare, blob-less
//! mirrors before the history stage reads them, so a content repo's CI needs no clone
//! scripts of its own.
//!
//! Fetching is done by the system `git` (`git clone --mirror --filter=blob:none`, then
//! `git fetch --prune`): Shipboard has no network code, and credentials stay git's business
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
use std::process::{Command, Stdio};
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
    let base = std::env::var_os("SHIPBOARD_CACHE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| content_root.join(".shipboard"));
    base.join("repos")
}

/// The mirror folder of one URL: `payments-<12 hex of the URL's SHA-1>`.
pub fn mirror_dir(cache: &Path, url: &str) -> PathBuf {
    let hash = git2::Oid::hash_object(git2::ObjectType::Blob, url.as_bytes())
        .map(|oid| oid.to_string())
        .unwrap_or_default();
    let name: String = url
        .trim_end_matches('/')
        .rsplit(['/', ':'])
        .next()
        .unwrap_or("repo")
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
                    problems.push(fetch_error(system, url, &reason, &cache));
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
    let have_mirror = dir.join("HEAD").is_file();
    let shown = redact(url);
    if network == Network::Offline {
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

fn clone(url: &str, dir: &Path) -> Result<(), String> {
    let parent = dir.parent().ok_or("the cache folder has no parent")?;
    fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    let partial = parent.join(format!(
        ".{}.partial-{}",
        dir.file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default(),
        std::process::id()
    ));
    let _ = fs::remove_dir_all(&partial);
    let mut command = git();
    command
        .args(["clone", "--mirror", "--filter=blob:none", "--quiet", "--"])
        .arg(url)
        .arg(&partial);
    let result = run_git(command, url).and_then(|()| {
        fs::rename(&partial, dir).map_err(|e| format!("cannot move the new mirror into place: {e}"))
    });
    if result.is_err() {
        let _ = fs::remove_dir_all(&partial);
    }
    result
}

fn fetch(url: &str, dir: &Path) -> Result<(), String> {
    let mut command = git();
    command
        .arg("-C")
        .arg(dir)
        .args(["fetch", "--prune", "--prune-tags", "--quiet", "origin"]);
    run_git(command, url)
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
fn run_git(mut command: Command, url: &str) -> Result<(), String> {
    let mut child = command.spawn().map_err(|e| {
        format!("cannot run git ({e}); install git, which Shipboard uses to fetch repositories")
    })?;
    let mut stderr = child.stderr.take();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(stderr) = stderr.as_mut() {
            let _ = stderr.read_to_string(&mut text);
        }
        text
    });
    let limit = timeout();
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if started.elapsed() >= limit => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(format!("cannot wait for git: {e}")),
        }
    };
    let message = scrub(reader.join().unwrap_or_default().trim(), url);
    match status {
        Some(status) if status.success() => Ok(()),
        Some(_) if message.is_empty() => Err("git failed without a message".to_owned()),
        Some(_) => Err(format!("git says: {message}")),
        None => Err(format!(
            "git did not finish within {} s (SHIPBOARD_FETCH_TIMEOUT)",
            limit.as_secs()
        )),
    }
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
    std::env::var("SHIPBOARD_FETCH_TIMEOUT")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .filter(|&s| s > 0)
        .map(Duration::from_secs)
        .unwrap_or(DEFAULT_TIMEOUT)
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
        system.source.clone(),
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

fn fetch_error(system: &System, url: &str, reason: &str, cache: &Path) -> Diagnostic {
    Diagnostic::error(
        system.source.clone(),
        Some("repo"),
        format!(
            "cannot fetch the git repository of system {} from {}: {reason}",
            system.id,
            redact(url)
        ),
    )
    .with_help(format!(
        "check the URL and that this machine can reach it (git's credential helper or SSH key); mirrors are kept in {}",
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
