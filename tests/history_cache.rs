//! The history cache: a build or check whose git state and history-relevant content are
//! unchanged reads each repository's history from `.shipboard/cache/history-*.bin`
//! instead of walking it; any change to the repository (a tag, a commit, a moved branch,
//! a damaged object) or to what history reads (a release window) is read anew, an edited
//! release note is not, and a corrupt or foreign entry is ignored. Every cached build's
//! output is compared with a `--full` build, which reads git anew. The real binary runs
//! on the minimal fixture with a real git repository for the billing system.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use common::{all_files, git, minimal_with_billing_history, run_at, Fixture, SOURCE_DATE_EPOCH};

const HIT: &str = "repos/billing: history from the cache";

fn fixture() -> Fixture {
    minimal_with_billing_history(&[("1.1.0", "feat: invoices"), ("1.2.0", "fix(pdf): fonts")])
}

/// Builds into `output` (`-v`, so the build says which histories came from the cache).
fn build(fx: &Fixture, output: &Path, extra: &[&str]) -> String {
    let (dir, out) = (fx.dir().display().to_string(), output.display().to_string());
    let mut args = vec!["build", "-v", dir.as_str(), "--output", out.as_str()];
    args.extend(extra);
    let result = run_at(&args, None, SOURCE_DATE_EPOCH);
    assert_eq!(result.code, Some(0), "build failed:\n{}", result.stderr);
    result.stderr
}

/// Every file of a folder: relative path -> bytes.
fn bytes_of(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    all_files(dir)
        .into_iter()
        .map(|path| {
            let relative = path.strip_prefix(dir).expect("inside").display();
            (relative.to_string(), fs::read(&path).expect("read"))
        })
        .collect()
}

/// Builds with the cache into a fresh folder and with `--full` (git read anew) into
/// another; the two must be byte-identical. Returns the cached build's stderr and output.
fn cached_matches_full(
    fx: &Fixture,
    temp: &Path,
    step: &str,
) -> (String, BTreeMap<String, Vec<u8>>) {
    let cached = temp.join(format!("cached-{step}"));
    let stderr = build(fx, &cached, &[]);
    let full = temp.join(format!("full-{step}"));
    let full_stderr = build(fx, &full, &["--full"]);
    assert!(
        !full_stderr.contains("from the cache"),
        "--full used the cache:\n{full_stderr}"
    );
    let (cached, full) = (bytes_of(&cached), bytes_of(&full));
    let differing: Vec<&String> = cached
        .keys()
        .chain(full.keys())
        .filter(|k| cached.get(*k) != full.get(*k))
        .collect();
    assert!(
        differing.is_empty(),
        "after {step}, cached != full: {differing:?}"
    );
    (stderr, cached)
}

/// The history cache's entries: path -> (bytes, inode).
fn entries(fx: &Fixture) -> BTreeMap<PathBuf, (Vec<u8>, u64)> {
    let dir = fx.dir().join(".shipboard/cache");
    fs::read_dir(dir)
        .expect("cache dir")
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("history-"))
        })
        .map(|p| {
            let inode = std::os::unix::fs::MetadataExt::ino(&fs::metadata(&p).expect("stat"));
            let bytes = fs::read(&p).expect("read");
            (p, (bytes, inode))
        })
        .collect()
}

fn billing(fx: &Fixture) -> PathBuf {
    fx.dir().join("repos/billing")
}

fn system_page(output: &BTreeMap<String, Vec<u8>>) -> String {
    let page = output
        .get("systems/billing/index.html")
        .expect("billing's page");
    String::from_utf8_lossy(page).into_owned()
}

#[test]
fn a_second_build_reads_the_history_from_the_cache_and_leaves_it_as_it_was() {
    let fx = fixture();
    let temp = tempfile::tempdir().expect("temp");
    let first = build(&fx, &temp.path().join("first"), &[]);
    assert!(!first.contains(HIT), "nothing cached yet:\n{first}");
    let stored = entries(&fx);
    assert_eq!(
        stored.len(),
        1,
        "one entry, billing's repository: {stored:?}"
    );
    let (second, output) = cached_matches_full(&fx, temp.path(), "second");
    assert!(second.contains(HIT), "{second}");
    // Not rewritten (a miss writes a new file and renames it over the old one).
    assert_eq!(entries(&fx), stored);
    assert!(
        system_page(&output).contains("fonts"),
        "billing's changelog is there"
    );
    assert_eq!(bytes_of(&temp.path().join("first")), output);
}

#[test]
fn a_new_commit_a_new_tag_and_a_moved_branch_are_seen() {
    let fx = fixture();
    let temp = tempfile::tempdir().expect("temp");
    build(&fx, &temp.path().join("first"), &[]);
    let repo = billing(&fx);

    fs::write(repo.join("invoice.txt"), "credit notes").expect("write");
    git(&repo, &["commit", "-q", "-am", "feat: credit notes"]);
    let (stderr, output) = cached_matches_full(&fx, temp.path(), "commit");
    assert!(!stderr.contains(HIT), "{stderr}");
    assert!(
        system_page(&output).contains("credit notes"),
        "unreleased work shows"
    );
    let (stderr, _) = cached_matches_full(&fx, temp.path(), "commit-again");
    assert!(
        stderr.contains(HIT),
        "the new state is cached in turn:\n{stderr}"
    );

    git(&repo, &["tag", "v1.3.0"]);
    let (stderr, output) = cached_matches_full(&fx, temp.path(), "tag");
    assert!(!stderr.contains(HIT), "{stderr}");
    assert!(
        stderr.contains("v1.3.0"),
        "the untracked tag is reported:\n{stderr}"
    );
    assert!(system_page(&output).contains("1.3.0"));
    let (again, _) = cached_matches_full(&fx, temp.path(), "tag-again");
    assert!(again.contains(HIT), "{again}");
    let warnings = |stderr: &str| -> Vec<String> {
        let lines = stderr
            .lines()
            .filter(|l| l.contains("warning") || l.contains("help:"));
        lines.map(str::to_owned).collect()
    };
    assert!(!warnings(&stderr).is_empty(), "{stderr}");
    assert_eq!(
        warnings(&again),
        warnings(&stderr),
        "the same warnings from the cache"
    );

    git(&repo, &["tag", "-d", "v1.3.0"]);
    git(&repo, &["reset", "-q", "--hard", "v1.2.0"]);
    let (stderr, output) = cached_matches_full(&fx, temp.path(), "reset");
    assert!(!stderr.contains(HIT), "{stderr}");
    assert!(
        !system_page(&output).contains("credit notes"),
        "the branch moved back"
    );
}

#[test]
fn an_edited_window_is_read_anew_and_an_edited_release_note_is_not() {
    let fx = fixture();
    let temp = tempfile::tempdir().expect("temp");
    build(&fx, &temp.path().join("first"), &[]);
    let file = "releases/billing-1.2.0.md";

    let notes = fx
        .read(file)
        .replace("Invoices in", "Invoices, at last, in");
    fx.write(file, &notes);
    let (stderr, output) = cached_matches_full(&fx, temp.path(), "notes");
    assert!(stderr.contains(HIT), "{stderr}");
    let release =
        String::from_utf8_lossy(&output["releases/billing/1.2.0/index.html"]).into_owned();
    assert!(release.contains("at last"), "the note is rendered");

    // History compares the window with the tag (plan vs actual): it must be read anew.
    let window = fx
        .read(file)
        .replace("2026-11-10 20:00", "2026-11-09 20:00");
    fx.write(file, &window);
    let (stderr, output) = cached_matches_full(&fx, temp.path(), "window");
    assert!(!stderr.contains(HIT), "{stderr}");
    let release =
        String::from_utf8_lossy(&output["releases/billing/1.2.0/index.html"]).into_owned();
    assert!(release.contains("2026-11-09 20:00"), "{release}");
}

/// The `check` output of the content, without its history cache's entries.
fn check(fx: &Fixture) -> (Option<i32>, String) {
    let result = run_at(
        &["check", &fx.dir().display().to_string()],
        None,
        SOURCE_DATE_EPOCH,
    );
    (result.code, result.stdout)
}

#[test]
fn an_object_damaged_after_a_cached_build_is_reported_as_an_uncached_read_reports_it() {
    let fx = fixture();
    let temp = tempfile::tempdir().expect("temp");
    build(&fx, &temp.path().join("first"), &[]);
    assert_eq!(check(&fx).0, Some(0), "clean before the damage");
    let repo = billing(&fx);
    let head = std::process::Command::new("git")
        .args(["rev-parse", "v1.1.0"])
        .current_dir(&repo)
        .output()
        .expect("git runs");
    let sha = String::from_utf8(head.stdout)
        .expect("utf-8")
        .trim()
        .to_owned();
    let object = repo.join(".git/objects").join(&sha[..2]).join(&sha[2..]);
    let len = fs::metadata(&object).expect("a loose object").len() as usize;
    let mut permissions = fs::metadata(&object).expect("stat").permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    permissions.set_readonly(false);
    fs::set_permissions(&object, permissions).expect("chmod");
    fs::write(&object, vec![b'x'; len]).expect("garble the object, same length");

    let cached = check(&fx);
    assert_eq!(cached.0, Some(1), "{}", cached.1);
    assert!(cached.1.contains("corrupt"), "{}", cached.1);
    fs::remove_dir_all(fx.dir().join(".shipboard")).expect("drop the cache");
    assert_eq!(check(&fx), cached, "the cache changed nothing");
    assert!(
        !fx.dir().join(".shipboard/cache").exists() || entries(&fx).is_empty(),
        "a corrupt read is not stored"
    );
}

#[test]
fn a_loose_object_truncated_after_a_cached_build_is_reported_not_hidden_by_the_cache() {
    // The loose object check runs only when the cache misses: the cut file's new size
    // must make it miss, and the read that finds it must not be stored.
    let fx = fixture();
    let temp = tempfile::tempdir().expect("temp");
    build(&fx, &temp.path().join("first"), &[]);
    let before = entries(&fx);
    let repo = billing(&fx);
    let head = std::process::Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(&repo)
        .output()
        .expect("git runs");
    let sha = String::from_utf8(head.stdout)
        .expect("utf-8")
        .trim()
        .to_owned();
    let object = repo.join(".git/objects").join(&sha[..2]).join(&sha[2..]);
    let len = fs::metadata(&object).expect("a loose object").len();
    let mut permissions = fs::metadata(&object).expect("stat").permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    permissions.set_readonly(false);
    fs::set_permissions(&object, permissions).expect("chmod");
    let file = fs::OpenOptions::new()
        .write(true)
        .open(&object)
        .expect("open");
    file.set_len(len / 2).expect("truncate");
    drop(file);
    let (code, stdout) = check(&fx);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(
        stdout.contains(&format!("{sha}, stored as objects/")) && stdout.contains("truncated"),
        "{stdout}"
    );
    assert_eq!(check(&fx), (code, stdout), "the same on a second check");
    assert_eq!(entries(&fx), before, "a corrupt read is not stored");
}

#[test]
fn a_corrupt_entry_or_one_from_another_binary_is_ignored_and_rebuilt() {
    let fx = fixture();
    let temp = tempfile::tempdir().expect("temp");
    build(&fx, &temp.path().join("first"), &[]);
    let (path, (good, _)) = entries(&fx).into_iter().next().expect("an entry");

    let mut flipped = good.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 1;
    for bad in [
        flipped,
        good[..good.len() / 2].to_vec(),
        b"garbage".to_vec(),
        Vec::new(),
    ] {
        fs::write(&path, &bad).expect("damage the entry");
        let (stderr, _) = cached_matches_full(&fx, temp.path(), "corrupt");
        assert!(!stderr.contains(HIT), "{stderr}");
        let (stderr, _) = cached_matches_full(&fx, temp.path(), "rebuilt");
        assert!(stderr.contains(HIT), "written again, and used:\n{stderr}");
    }

    // Another build of Shipboard (here: a copy of the binary, another executable stamp).
    let other = temp.path().join("other-shipboard");
    fs::copy(env!("CARGO_BIN_EXE_shipboard"), &other).expect("copy the binary");
    let dir = fx.dir().display().to_string();
    let out = temp.path().join("other").display().to_string();
    let foreign = std::process::Command::new(&other)
        .args(["build", "-v", &dir, "--output", &out])
        .env("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
        .output()
        .expect("the copy runs");
    let stderr = String::from_utf8_lossy(&foreign.stderr);
    assert!(foreign.status.success(), "{stderr}");
    assert!(
        !stderr.contains(HIT),
        "another binary's entry is not trusted:\n{stderr}"
    );
    assert_ne!(entries(&fx)[&path].0, good, "the copy wrote its own entry");
    let (stderr, _) = cached_matches_full(&fx, temp.path(), "foreign");
    assert!(!stderr.contains(HIT), "{stderr}");
}
