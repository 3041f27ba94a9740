//! Corrupt git repositories (issue 16): the real binary on content whose system repository
//! lost a commit, HEAD's commit or a tag object (loose object files deleted or
//! garbage-filled). Each is an error naming the system, the repository, the object and the
//! fix; a real shallow clone stays a warning.

mod common;
mod serve_client;
#[allow(dead_code)]
#[path = "history/support.rs"]
mod support;

use std::path::PathBuf;

use common::{run, Fixture};
use support::Repo;

/// The `minimal` fixture with billing's repository at `repos/billing` (every object loose):
///
/// ```text
/// main: c1 (v1.1.0) - c2 - c3 - c4 (v1.2.0, annotated) - c5 (HEAD, unreleased)
/// ```
struct Billing {
    fx: Fixture,
    repo: Repo,
    c: [String; 5],
    /// The annotated tag object of v1.2.0.
    tag_object: String,
}

fn billing() -> Billing {
    let fx = Fixture::new("minimal");
    let portal = fx.read("portal.yaml").replace(
        "    escalation: billing\n",
        "    escalation: billing\n    repo: repos/billing\n",
    );
    fx.write("portal.yaml", &portal);
    let repo = Repo::init(&fx.dir().join("repos/billing"));
    let c1 = repo.change("2026-10-01 10:00", "Ana", "api.txt", "feat: invoices");
    repo.tag("v1.1.0");
    let c2 = repo.change("2026-10-20 10:00", "Cy", "pdf.txt", "feat: PDF/A invoices");
    let c3 = repo.change("2026-10-21 10:00", "Ana", "api.txt", "fix: totals BIL-12");
    let c4 = repo.change("2026-10-22 10:00", "Cy", "pdf.txt", "perf: faster PDFs");
    repo.tag_annotated("2026-11-10 19:30", "v1.2.0", "HEAD", "PDF/A invoices");
    let c5 = repo.change("2026-11-12 10:00", "Ana", "api.txt", "docs: totals");
    let tag_object = repo.git(&["rev-parse", "refs/tags/v1.2.0"]);
    Billing {
        fx,
        repo,
        c: [c1, c2, c3, c4, c5],
        tag_object,
    }
}

impl Billing {
    fn object_file(&self, id: &str) -> PathBuf {
        let file = self
            .repo
            .dir
            .join(".git/objects")
            .join(&id[..2])
            .join(&id[2..]);
        assert!(file.is_file(), "{id} is a loose object");
        file
    }

    fn delete(&self, id: &str) {
        std::fs::remove_file(self.object_file(id)).unwrap();
    }

    /// Replaces the object's file by garbage of the same length.
    fn garble(&self, id: &str) {
        let file = self.object_file(id);
        let len = std::fs::metadata(&file).unwrap().len() as usize;
        std::fs::remove_file(&file).unwrap();
        std::fs::write(&file, vec![0xA5u8; len]).unwrap();
    }

    fn check(&self) -> common::Output {
        run(&["check", &self.fx.dir().display().to_string()])
    }

    /// Cuts the object's file to `len` bytes.
    fn truncate(&self, id: &str, len: u64) {
        let file = std::fs::OpenOptions::new()
            .write(true)
            .open(self.object_file(id))
            .unwrap();
        file.set_len(len).unwrap();
    }

    /// `check`, killed (and the test failed) if it runs longer than a minute: a damaged
    /// object must never make the history read hang.
    fn check_within_a_minute(&self) -> common::Output {
        check_dir_within_a_minute(&self.fx.dir())
    }
}

/// `shipboard check DIR`, failing the test instead of waiting when it hangs.
fn check_dir_within_a_minute(dir: &std::path::Path) -> common::Output {
    use std::process::{Command, Stdio};
    let out = tempfile::tempdir().unwrap();
    let (stdout, stderr) = (out.path().join("stdout"), out.path().join("stderr"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_shipboard"))
        .args(["check", &dir.display().to_string()])
        .env("SOURCE_DATE_EPOCH", common::SOURCE_DATE_EPOCH)
        .stdout(Stdio::from(std::fs::File::create(&stdout).unwrap()))
        .stderr(Stdio::from(std::fs::File::create(&stderr).unwrap()))
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > std::time::Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("check hung on a damaged object (killed after 60 s)");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    common::Output {
        code: status.code(),
        stdout: std::fs::read_to_string(stdout).unwrap(),
        stderr: std::fs::read_to_string(stderr).unwrap(),
    }
}

/// The `check` output has an error line for billing's repository containing `object`.
fn assert_corrupt(result: &common::Output, object: &str) {
    let all = format!("{}{}", result.stdout, result.stderr);
    assert_eq!(result.code, Some(1), "{all}");
    let line = result
        .stdout
        .lines()
        .find(|l| l.contains("error[repo]") && l.contains(object))
        .unwrap_or_else(|| panic!("no error naming {object}:\n{all}"));
    assert!(
        line.contains("the git repository of system billing at repos/billing is corrupt: "),
        "{line}"
    );
    assert!(
        result
            .stdout
            .contains("help: run `git fsck --full` in repos/billing"),
        "{all}"
    );
    assert!(result.stdout.contains("re-clone"), "{all}");
    assert!(
        !all.contains("shallow clone"),
        "not blamed on a shallow clone:\n{all}"
    );
}

#[test]
fn the_intact_repository_checks_clean() {
    let b = billing();
    let result = b.check();
    assert_eq!(result.code, Some(0), "{}{}", result.stdout, result.stderr);
    assert!(!result.stdout.contains("error[repo]"), "{}", result.stdout);
}

#[test]
fn a_deleted_commit_in_the_middle_of_history_is_an_error() {
    let b = billing();
    b.delete(&b.c[2]);
    let result = b.check();
    assert_corrupt(
        &result,
        &format!("commit {}, parent of commit {}, is missing", b.c[2], b.c[3]),
    );
    let dir = b.fx.dir().display().to_string();
    let changelog = run(&["changelog", "billing", "--dir", &dir]);
    assert_eq!(changelog.code, Some(1), "{}", changelog.stdout);
    assert!(
        changelog.stderr.contains(&format!("commit {}", b.c[2])),
        "{}",
        changelog.stderr
    );
    let build = b.fx.build();
    assert_ne!(build.code, Some(0), "build fails: {}", build.stderr);
    assert!(
        build.stderr.contains(&format!("commit {}", b.c[2])),
        "{}",
        build.stderr
    );
}

#[test]
fn serve_shows_the_corruption_instead_of_a_shorter_changelog() {
    let b = billing();
    b.delete(&b.c[2]);
    let served = serve_client::Served::start(&b.fx);
    let reply = served.get("/systems/billing/");
    assert_eq!(reply.status, 503, "{}", reply.body);
    assert!(
        reply.body.contains("The site could not be built"),
        "{}",
        reply.body
    );
    let named = format!("commit {}, parent of commit {}, is missing", b.c[2], b.c[3]);
    assert!(reply.body.contains(&named), "{}", reply.body);
    assert!(served.printed(&named), "{}", served.stderr());
    served.interrupt();
}

#[test]
fn a_garbage_filled_commit_is_an_error_saying_damaged() {
    let b = billing();
    b.garble(&b.c[2]);
    let result = b.check();
    // Found by the loose object check, before libgit2 reads (and would trust) it.
    let path = format!("objects/{}/{}", &b.c[2][..2], &b.c[2][2..]);
    assert_corrupt(
        &result,
        &format!(
            "object {}, stored as {path}, is damaged (not a valid zlib stream)",
            b.c[2]
        ),
    );
}

#[test]
fn a_truncated_loose_commit_is_an_error_not_a_hang() {
    // libgit2 1.9 loops forever inflating a truncated loose object.
    for cut in [Cut::To(20), Cut::Half] {
        let b = billing();
        let file = b.object_file(&b.c[2]);
        let len = std::fs::metadata(&file).unwrap().len();
        b.truncate(&b.c[2], cut.of(len));
        let result = b.check_within_a_minute();
        let path = format!("objects/{}/{}", &b.c[2][..2], &b.c[2][2..]);
        assert_corrupt(
            &result,
            &format!(
                "{}, stored as {path}, is damaged (truncated: its compressed data ends early)",
                b.c[2]
            ),
        );
    }
}

#[test]
fn a_truncated_head_commit_is_an_error_not_a_hang() {
    let b = billing();
    b.truncate(&b.c[4], 10);
    let result = b.check_within_a_minute();
    assert_corrupt(&result, &format!("{}, stored as objects/", b.c[4]));
    assert!(result.stdout.contains("is damaged"), "{}", result.stdout);
}

enum Cut {
    To(u64),
    Half,
}

impl Cut {
    fn of(&self, len: u64) -> u64 {
        match self {
            Cut::To(n) => *n,
            Cut::Half => len / 2,
        }
    }
}

#[test]
fn a_deleted_head_commit_is_an_error() {
    let b = billing();
    b.delete(&b.c[4]);
    let result = b.check();
    assert_corrupt(
        &result,
        &format!(
            "commit {}, named by HEAD (refs/heads/main), is missing",
            b.c[4]
        ),
    );
}

#[test]
fn a_deleted_annotated_tag_object_is_an_error_naming_the_tag() {
    let b = billing();
    b.delete(&b.tag_object);
    let result = b.check();
    assert_corrupt(
        &result,
        &format!(
            "object {}, named by refs/tags/v1.2.0, is missing",
            b.tag_object
        ),
    );
    // The tag exists: "released but has no tag v1.2.0" would be wrong.
    assert!(!result.stdout.contains("has no tag"), "{}", result.stdout);
}

#[test]
fn a_deleted_tree_read_for_include_paths_is_an_error() {
    let b = billing();
    let portal = b.fx.read("portal.yaml");
    b.fx.write(
        "portal.yaml",
        &portal.replace(
            "repo: repos/billing\n",
            "repo: repos/billing\n    include_paths: [pdf.txt]\n",
        ),
    );
    let tree = b.repo.git(&["rev-parse", &format!("{}^{{tree}}", b.c[2])]);
    b.delete(&tree);
    let result = b.check();
    assert_corrupt(
        &result,
        &format!("tree {tree}, in the files of commit {}, is missing", b.c[2]),
    );
}

#[test]
fn a_deleted_commit_of_the_content_repository_is_an_error() {
    // Every system has its own repository: the content repository's history only dates
    // runbook reviews and calendar SEQUENCE numbers, and is checked all the same.
    let b = billing();
    let portal = b.fx.read("portal.yaml").replace(
        "    rollback_runbook: web-rollback\n",
        "    rollback_runbook: web-rollback\n    repo: repos/billing\n",
    );
    b.fx.write("portal.yaml", &portal);
    b.fx.write(".gitignore", "repos/\n");
    let content = Repo::init(&b.fx.dir());
    content.commit("2026-11-01 10:00", "Ana", &[], "portal");
    let middle = content.change("2026-11-02 10:00", "Ana", "notes.txt", "notes");
    let last = content.change("2026-11-03 10:00", "Ana", "notes.txt", "more notes");
    let object =
        b.fx.dir()
            .join(".git/objects")
            .join(&middle[..2])
            .join(&middle[2..]);
    std::fs::remove_file(object).unwrap();
    let result = b.check();
    let all = format!("{}{}", result.stdout, result.stderr);
    assert_eq!(result.code, Some(1), "{all}");
    assert!(
        result.stdout.contains(&format!(
            "portal.yaml: error: the content repository is corrupt: commit {middle}, parent of commit {last}, is missing"
        )),
        "{all}"
    );
    assert!(
        result
            .stdout
            .contains("help: run `git fsck --full` in the content repository"),
        "{all}"
    );
}

/// The `billing` fixture whose content is its own git repository (billing's repository
/// ignored), with two commits; the content repository's helper and its HEAD.
fn content_in_git(b: &Billing) -> (Repo, String) {
    let portal = b.fx.read("portal.yaml").replace(
        "    rollback_runbook: web-rollback\n",
        "    rollback_runbook: web-rollback\n    repo: repos/billing\n",
    );
    b.fx.write("portal.yaml", &portal);
    b.fx.write(".gitignore", "repos/\n");
    let content = Repo::init(&b.fx.dir());
    content.commit("2026-11-01 10:00", "Ana", &[], "portal");
    let head = content.change("2026-11-02 10:00", "Ana", "notes.txt", "notes");
    (content, head)
}

/// The `check` output has the content repository's corruption error naming `object`.
fn assert_content_corrupt(result: &common::Output, object: &str) {
    let all = format!("{}{}", result.stdout, result.stderr);
    assert_eq!(result.code, Some(1), "{all}");
    assert!(
        result.stdout.contains(&format!(
            "portal.yaml: error: the content repository is corrupt: {object}"
        )),
        "{all}"
    );
    assert!(
        result
            .stdout
            .contains("help: run `git fsck --full` in the content repository"),
        "{all}"
    );
}

fn remove_object(dir: &std::path::Path, id: &str) {
    let file = dir.join(".git/objects").join(&id[..2]).join(&id[2..]);
    std::fs::remove_file(file).unwrap();
}

#[test]
fn a_deleted_root_tree_of_the_content_repository_is_an_error() {
    // It was read as "not in git": no trails, runbooks unreviewed, SEQUENCE 0, exit 0.
    let b = billing();
    let (content, head) = content_in_git(&b);
    let tree = content.git(&["rev-parse", "HEAD^{tree}"]);
    remove_object(&b.fx.dir(), &tree);
    let result = b.check();
    assert_content_corrupt(
        &result,
        &format!("tree {tree}, in the files of commit {head}, is missing"),
    );
}

#[test]
fn a_deleted_blob_of_a_release_file_is_an_error() {
    // Its trail entry read "created" without the status, and no error.
    let b = billing();
    let (content, _) = content_in_git(&b);
    let first = content.git(&["rev-list", "--max-parents=0", "HEAD"]);
    let blob = content.git(&["rev-parse", "HEAD:releases/billing-1.2.0.md"]);
    remove_object(&b.fx.dir(), &blob);
    let result = b.check();
    assert_content_corrupt(
        &result,
        &format!("blob {blob}, in the files of commit {first}, is missing"),
    );
}

#[test]
fn a_truncated_loose_object_of_the_content_repository_is_an_error_not_a_hang() {
    let b = billing();
    let (content, head) = content_in_git(&b);
    let file =
        b.fx.dir()
            .join(".git/objects")
            .join(&head[..2])
            .join(&head[2..]);
    let len = std::fs::metadata(&file).unwrap().len();
    let writable = std::fs::OpenOptions::new().write(true).open(&file).unwrap();
    writable.set_len(len / 2).unwrap();
    drop(content);
    let result = check_dir_within_a_minute(&b.fx.dir());
    let path = format!("objects/{}/{}", &head[..2], &head[2..]);
    assert_content_corrupt(
        &result,
        &format!(
            "commit {head}, stored as {path}, is damaged (truncated: its compressed data ends early)"
        ),
    );
}

#[test]
fn a_real_shallow_clone_is_still_only_a_warning() {
    let b = billing();
    let url = format!("file://{}", b.repo.dir.display());
    let clone = b.fx.dir().join("repos/shallow");
    support::git_in(
        &b.fx.dir(),
        "2026-11-20 00:00",
        "Setup",
        &["clone", "-q", "--depth", "2", &url, clone.to_str().unwrap()],
    );
    assert!(clone.join(".git/shallow").is_file());
    let portal = b.fx.read("portal.yaml");
    b.fx.write(
        "portal.yaml",
        &portal.replace("repo: repos/billing\n", "repo: repos/shallow\n"),
    );
    let result = b.check();
    let all = format!("{}{}", result.stdout, result.stderr);
    assert_eq!(result.code, Some(0), "{all}");
    assert!(
        result.stdout.contains(
            "warning[repo]: the repository of system billing is a shallow clone: changelogs may be missing commits"
        ),
        "{all}"
    );
    assert!(!all.contains("corrupt"), "{all}");
    assert!(result.stdout.contains("0 error(s)"), "{all}");
}

#[test]
fn a_garbage_line_in_packed_refs_is_an_error_not_missing_tags() {
    // git says "fatal: unexpected line"; every tag looked missing ("has no tag v1.2.0",
    // with the advice to create a tag that exists).
    let b = billing();
    b.repo.git(&["pack-refs", "--all"]);
    let packed = b.repo.dir.join(".git/packed-refs");
    let mut text = std::fs::read_to_string(&packed).unwrap();
    text.push_str("garbage line\n");
    std::fs::write(&packed, text).unwrap();
    let result = b.check();
    let all = format!("{}{}", result.stdout, result.stderr);
    assert_eq!(result.code, Some(1), "{all}");
    assert!(
        result.stdout.contains(
            "error[repo]: the git repository of system billing at repos/billing has refs that cannot be read ("
        ),
        "{all}"
    );
    assert!(result.stdout.contains("its tags cannot be listed"), "{all}");
    assert!(
        result
            .stdout
            .contains("`packed-refs` file or a tag's file under `refs/tags/` is probably damaged: run `git fsck` in repos/billing"),
        "{all}"
    );
    assert!(result.stdout.contains("`git pack-refs --all`"), "{all}");
    assert!(!result.stdout.contains("has no tag"), "{all}");
}

#[test]
fn a_garbage_head_is_an_error() {
    // The "Unreleased" section vanished without a word.
    let b = billing();
    std::fs::write(b.repo.dir.join(".git/HEAD"), "garbage\n").unwrap();
    let result = b.check();
    let all = format!("{}{}", result.stdout, result.stderr);
    assert_eq!(result.code, Some(1), "{all}");
    assert!(
        result.stdout.contains(
            "error[repo]: the git repository of system billing at repos/billing has a HEAD that cannot be read ("
        ),
        "{all}"
    );
    assert!(
        result
            .stdout
            .contains("`git symbolic-ref HEAD refs/heads/main` in repos/billing"),
        "{all}"
    );
}

#[test]
fn an_unborn_head_with_tags_is_a_warning_saying_how_to_fix_it() {
    // A bare repository's HEAD at master while pushes go to main.
    let b = billing();
    b.repo.git(&["symbolic-ref", "HEAD", "refs/heads/nope"]);
    let result = b.check();
    let all = format!("{}{}", result.stdout, result.stderr);
    assert_eq!(result.code, Some(0), "{all}");
    assert!(
        result.stdout.contains(
            "warning[repo]: the HEAD of the git repository of system billing at repos/billing names refs/heads/nope, which has no commits: unreleased work cannot be shown"
        ),
        "{all}"
    );
    assert!(
        result
            .stdout
            .contains("`git symbolic-ref HEAD refs/heads/main` in repos/billing"),
        "{all}"
    );
}

#[test]
fn a_release_tag_of_a_tree_or_blob_says_so_not_that_the_tag_is_missing() {
    for (target, kind) in [("HEAD^{tree}", "tree"), ("HEAD:api.txt", "blob")] {
        let b = billing();
        let object = b.repo.git(&["rev-parse", target]);
        b.repo.git(&["tag", "-f", "v1.2.0", &object]);
        let result = b.check();
        let all = format!("{}{}", result.stdout, result.stderr);
        assert!(
            result.stdout.contains(&format!(
                "releases/billing-1.2.0.md:3:10: warning[version]: tag v1.2.0 of system billing exists in repos/billing but points at a {kind}, not a commit: it cannot mark release 1.2.0"
            )),
            "{all}"
        );
        assert!(
            result
                .stdout
                .contains("`git tag -f v1.2.0 <commit> && git push --force origin v1.2.0`"),
            "{all}"
        );
        assert!(!result.stdout.contains("has no tag"), "{all}");
    }
}

#[test]
fn a_garbage_head_of_the_content_repository_is_an_error() {
    let b = billing();
    let _content = content_in_git(&b);
    std::fs::write(b.fx.dir().join(".git/HEAD"), "garbage\n").unwrap();
    let result = b.check();
    let all = format!("{}{}", result.stdout, result.stderr);
    assert_eq!(result.code, Some(1), "{all}");
    assert!(
        result.stdout.contains(
            "portal.yaml: error: the content repository has a HEAD that cannot be read ("
        ),
        "{all}"
    );
}

/// A partial clone (`git clone --filter=blob:none`, as some CI checkouts are) lacks old
/// blobs by design: that is a warning that the facts may be incomplete, not corruption.
#[test]
fn a_partial_clone_of_the_content_is_a_warning_not_corruption() {
    let fx = Fixture::new("minimal");
    let origin = Repo::init(&fx.dir());
    origin.commit("2026-11-01 10:00", "Ana", &[], "content");
    let release = fx.read("releases/web-2.0.0.md");
    origin.commit(
        "2026-11-02 10:00",
        "Ana",
        &[(
            "releases/web-2.0.0.md",
            &release.replace("status: planned", "status: cancelled"),
        )],
        "cancel web 2.0.0",
    );
    origin.git(&["config", "uploadpack.allowFilter", "true"]);
    let clone = tempfile::tempdir().unwrap();
    let url = format!("file://{}", fx.dir().display());
    support::git_in(
        clone.path(),
        "2026-11-20 00:00",
        "Setup",
        &["clone", "-q", "--filter=blob:none", &url, "content"],
    );
    let dir = clone.path().join("content");
    let result = run(&["check", &dir.display().to_string()]);
    let all = format!("{}{}", result.stdout, result.stderr);
    assert_eq!(result.code, Some(0), "{all}");
    assert!(!all.contains("corrupt"), "{all}");
    assert!(
        result
            .stdout
            .contains("warning: the content repository is a partial clone: "),
        "{all}"
    );
}

/// A content repository whose HEAD names a branch without commits while another branch has
/// them: its history is there but not read, which is said. A repository with no commits
/// yet is simply new, and says nothing.
#[test]
fn an_unborn_head_of_the_content_repository_is_a_warning_unless_it_is_new() {
    let fx = Fixture::new("minimal");
    let content = Repo::init(&fx.dir());
    let dir = fx.dir().display().to_string();
    let fresh = run(&["check", &dir]);
    assert_eq!(fresh.code, Some(0), "{}", fresh.stdout);
    assert!(
        !fresh.stdout.contains("HEAD of the content"),
        "{}",
        fresh.stdout
    );
    content.commit("2026-11-01 10:00", "Ana", &[], "content");
    content.git(&["symbolic-ref", "HEAD", "refs/heads/nope"]);
    let result = run(&["check", &dir]);
    let all = format!("{}{}", result.stdout, result.stderr);
    assert_eq!(result.code, Some(0), "{all}");
    assert!(
        result.stdout.contains(
            "warning: the HEAD of the content repository names refs/heads/nope, which has no commits"
        ),
        "{all}"
    );
}

#[test]
fn a_released_version_without_its_tag_is_a_warning_at_its_status_line() {
    let b = billing();
    b.repo.git(&["tag", "-d", "v1.2.0"]);
    let result = b.check();
    let all = format!("{}{}", result.stdout, result.stderr);
    assert_eq!(result.code, Some(0), "{all}");
    // `status: released` is line 5, its value at column 9, like the other status warnings.
    assert!(
        result.stdout.contains(
            "releases/billing-1.2.0.md:5:9: warning[status]: billing 1.2.0 is marked released but the repository repos/billing has no tag v1.2.0"
        ),
        "{all}"
    );
}
