//! Loose object check benchmark (libgit2 hangs on a truncated loose object, so every
//! history read that misses the cache first inflates each loose object, see
//! `src/history/loose.rs`): the check alone on a repository of 5,000 commits whose 25,000
//! objects are all loose (`git unpack-objects`), and on the same repository packed.
//!
//! Run with `cargo bench --bench loose`. It is a benchmark, not a timed test: it prints
//! min/median wall time of `RUNS` runs and asserts only that the objects were checked and
//! found whole. The repositories are generated once with `git fast-import` into
//! `target/bench-loose/` and reused.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use shipboard::history;

const GENERATOR_VERSION: u32 = 1;
const COMMITS: u32 = 5_000;
const RUNS: usize = 5;

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"))
}

fn git(dir: &Path, args: &[&str], stdin: Option<&[u8]>) {
    let mut child = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .stdin(Stdio::piped())
        .spawn()
        .expect("git runs");
    if let Some(bytes) = stdin {
        use std::io::Write;
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(bytes)
            .expect("feed git");
    }
    drop(child.stdin.take());
    assert!(child.wait().expect("git ends").success(), "git {args:?}");
}

/// A fast-import stream: `COMMITS` commits, each changing one of 50 files in 10 folders.
fn stream() -> Vec<u8> {
    let mut out = String::new();
    for i in 1..=COMMITS {
        let data = format!("line {i}\n").repeat(5 + (i as usize * 37) % 200);
        let message = format!("feat: change {i}");
        out.push_str(&format!(
            "commit refs/heads/main\nmark :{i}\ncommitter A <a@example.com> {} +0000\ndata {}\n{message}\n",
            1_700_000_000 + i * 600,
            message.len()
        ));
        if i > 1 {
            out.push_str(&format!("from :{}\n", i - 1));
        }
        out.push_str(&format!(
            "M 644 inline services/s{}/file{}.txt\ndata {}\n{data}\n",
            i % 10,
            i % 50,
            data.len()
        ));
    }
    out.into_bytes()
}

/// The loose and the packed repository, generated when missing.
fn repositories() -> (PathBuf, PathBuf) {
    let dir = target_dir().join("bench-loose");
    let loose = dir.join(format!("loose-v{GENERATOR_VERSION}.git"));
    let packed = dir.join(format!("packed-v{GENERATOR_VERSION}.git"));
    if loose.join(".complete").exists() && packed.join(".complete").exists() {
        return (loose, packed);
    }
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("bench dir");
    for repo in [&loose, &packed] {
        git(
            &dir,
            &["init", "-q", "--bare", repo.to_str().expect("utf-8")],
            None,
        );
        git(repo, &["fast-import", "--quiet"], Some(&stream()));
    }
    let pack_dir = loose.join("objects/pack");
    let mut packs: Vec<PathBuf> = std::fs::read_dir(&pack_dir)
        .expect("pack dir")
        .flatten()
        .map(|e| e.path())
        .collect();
    packs.sort();
    let pack = packs
        .iter()
        .find(|p| p.extension().is_some_and(|e| e == "pack"))
        .expect("a pack")
        .clone();
    let bytes = std::fs::read(&pack).expect("read the pack");
    for file in &packs {
        std::fs::remove_file(file).expect("drop the pack");
    }
    git(&loose, &["unpack-objects", "-q"], Some(&bytes));
    for repo in [&loose, &packed] {
        std::fs::write(repo.join(".complete"), "").expect("mark complete");
    }
    (loose, packed)
}

fn measure(name: &str, objects: &Path) {
    let mut times: Vec<Duration> = Vec::new();
    let mut found = (0, 0, 0);
    for _ in 0..RUNS {
        let start = Instant::now();
        found = history::check_loose_objects(objects);
        times.push(start.elapsed());
    }
    let (checked, bytes, damaged) = found;
    assert_eq!(damaged, 0, "every object is whole");
    times.sort();
    println!(
        "{name}: {checked} loose objects ({} KiB compressed) checked: min {:.1?}, median {:.1?} of {RUNS}",
        bytes / 1024,
        times[0],
        times[RUNS / 2]
    );
}

fn main() {
    let (loose, packed) = repositories();
    measure("all loose", &loose.join("objects"));
    measure("packed", &packed.join("objects"));
}
