//! Helpers shared by the integration tests: fixture content repos copied into temp dirs,
//! and the real `shipboard` binary run on them.
#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The build date every test uses, so output does not depend on the day tests run.
pub const SOURCE_DATE_EPOCH: &str = "1795608000"; // 2026-11-25T12:00:00Z

/// A build date after the example's recorded checklist ticks (the latest is 2026-11-27), for
/// tests that build a copy of `content/` without its git history: there the history cannot
/// vouch for the ticks, and at `SOURCE_DATE_EPOCH` they are in the future (an error).
pub const AFTER_EXAMPLE_TICKS: &str = "1796126400"; // 2026-12-01T12:00:00Z

pub struct Output {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// Runs the shipboard binary with `args`.
pub fn run(args: &[&str]) -> Output {
    run_in(args, None)
}

pub fn run_in(args: &[&str], dir: Option<&Path>) -> Output {
    run_at(args, dir, SOURCE_DATE_EPOCH)
}

/// Runs the shipboard binary with `args` in `dir`, building at `epoch` (seconds).
pub fn run_at(args: &[&str], dir: Option<&Path>, epoch: &str) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_shipboard"));
    command
        .args(args)
        .env("SOURCE_DATE_EPOCH", epoch)
        .env_remove("NO_COLOR");
    if let Some(dir) = dir {
        command.current_dir(dir);
    }
    let output = command.output().expect("the shipboard binary runs");
    Output {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// A copy of `tests/fixtures/<name>` (or any path relative to it) in a temp dir.
pub struct Fixture {
    temp: tempfile::TempDir,
}

impl Fixture {
    pub fn new(name: &str) -> Fixture {
        let source = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name);
        let temp = tempfile::tempdir().expect("temp dir");
        copy_dir(&source, &temp.path().join("content"));
        Fixture { temp }
    }

    pub fn dir(&self) -> PathBuf {
        self.temp.path().join("content")
    }

    pub fn read(&self, file: &str) -> String {
        fs::read_to_string(self.dir().join(file)).expect("fixture file exists")
    }

    pub fn write(&self, file: &str, text: &str) {
        let path = self.dir().join(file);
        fs::create_dir_all(path.parent().expect("has a parent")).expect("mkdir");
        fs::write(path, text).expect("write fixture file");
    }

    pub fn build(&self) -> Output {
        run(&["build", &self.dir().display().to_string()])
    }

    /// Builds and returns the output dir; fails the test with the errors otherwise.
    pub fn build_ok(&self) -> PathBuf {
        self.build_ok_at(SOURCE_DATE_EPOCH)
    }

    /// `build_ok` at another build date (`SOURCE_DATE_EPOCH` seconds).
    pub fn build_ok_at(&self, epoch: &str) -> PathBuf {
        let result = run_at(&["build", &self.dir().display().to_string()], None, epoch);
        assert_eq!(result.code, Some(0), "build failed:\n{}", result.stderr);
        self.dir().join("public")
    }
}

/// Copies a directory tree, leaving out build output (`public/`).
pub fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("mkdir");
    for entry in fs::read_dir(from).expect("read fixture dir").flatten() {
        let path = entry.path();
        let target = to.join(entry.file_name());
        if path.is_dir() {
            if entry.file_name() != "public" {
                copy_dir(&path, &target);
            }
        } else {
            fs::copy(&path, &target).expect("copy fixture file");
        }
    }
}

/// Every file under `dir`: its path relative to `dir`, as text, and its full path.
pub fn relative_files(dir: &Path) -> Vec<(String, PathBuf)> {
    let relative = |path: &Path| {
        path.strip_prefix(dir)
            .expect("inside")
            .display()
            .to_string()
    };
    let files = all_files(dir).into_iter();
    files.map(|path| (relative(&path), path)).collect()
}

pub fn all_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(next) = stack.pop() {
        for entry in fs::read_dir(&next).expect("read output dir").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

pub fn html_files(dir: &Path) -> Vec<PathBuf> {
    all_files(dir)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "html"))
        .collect()
}

/// Runs git in `dir` with a fixed identity and date (1790000000, 2026-09-21 14:13:20 UTC),
/// failing the test on error.
pub fn git(dir: &Path, args: &[&str]) {
    git_at(dir, args, "1790000000 +0000");
}

/// `git` as [`git`] does, with author and committer date `date` (`"<unix seconds> +0000"`).
pub fn git_at(dir: &Path, args: &[&str], date: &str) {
    git_dated(dir, args, date, date);
}

/// `git` as [`git`] does, with its own author and committer dates (a rebase or an amend
/// keeps a commit's author date and gives it a new committer date).
pub fn git_dated(dir: &Path, args: &[&str], author_date: &str, committer_date: &str) {
    let output = Command::new("git")
        .args(["-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false"])
        .args(["-c", "init.defaultBranch=main"])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "Ana")
        .env("GIT_AUTHOR_EMAIL", "ana@example.com")
        .env("GIT_COMMITTER_NAME", "Ana")
        .env("GIT_COMMITTER_EMAIL", "ana@example.com")
        .env("GIT_AUTHOR_DATE", author_date)
        .env("GIT_COMMITTER_DATE", committer_date)
        .output()
        .expect("git runs");
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Runs `tests/ical_check.py` (Python's `icalendar`) on `files`, failing the test when a
/// feed does not parse. A missing `icalendar` fails the test too, unless
/// `SHIPBOARD_SKIP_ICALENDAR=1` says to skip; returns whether the check ran.
pub fn ical_check(files: &[PathBuf]) -> bool {
    let available = Command::new("python3")
        .args(["-c", "import icalendar"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !available {
        let opted_out = std::env::var("SHIPBOARD_SKIP_ICALENDAR").is_ok_and(|v| v == "1");
        assert!(
            opted_out,
            "python3 with icalendar is missing: pip install icalendar (.ci/run does), \
             or set SHIPBOARD_SKIP_ICALENDAR=1 to skip this test"
        );
        eprintln!("python3 with icalendar is missing and SHIPBOARD_SKIP_ICALENDAR=1: skipped");
        return false;
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ical_check.py");
    let output = Command::new("python3")
        .arg(script)
        .args(files)
        .output()
        .expect("python3 runs");
    assert!(
        output.status.success(),
        "ical_check.py failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    true
}

/// The `minimal` fixture with billing's code in a git repository (`repos/billing`, named by
/// portal.yaml's `repo:`): one commit and tag `v<version>` per `(version, message)`.
pub fn minimal_with_billing_history(tags: &[(&str, &str)]) -> Fixture {
    let fixture = Fixture::new("minimal");
    let repo = fixture.dir().join("repos/billing");
    fs::create_dir_all(&repo).expect("mkdir");
    git(&repo, &["init", "-q"]);
    for (version, message) in tags {
        fs::write(repo.join("invoice.txt"), message).expect("write");
        git(&repo, &["add", "invoice.txt"]);
        git(&repo, &["commit", "-q", "-m", message]);
        git(&repo, &["tag", &format!("v{version}")]);
    }
    let portal = fixture.read("portal.yaml").replace(
        "    escalation: billing\n",
        "    escalation: billing\n    repo: repos/billing\n",
    );
    fixture.write("portal.yaml", &portal);
    fixture
}
