//! Publishing that cannot lose the site: builds killed at each step of the swap, concurrent
//! builds of one output, leftovers of crashed builds, and the checks on `base_url`. The real
//! binary runs on the minimal fixture; `SHIPBOARD_TEST_PAUSE_AT` stops a build at a chosen
//! step so it can be killed exactly there.

mod common;

use std::fs;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use common::{run, Fixture, SOURCE_DATE_EPOCH};

fn build_command(fx: &Fixture) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_shipboard"));
    command
        .args(["build", &fx.dir().display().to_string()])
        .env("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    command
}

/// Starts a build that stops at `point`, waits until it says so, and returns it running.
fn build_paused_at(fx: &Fixture, point: &str, extra_env: &[(&str, &str)]) -> Child {
    let mut command = build_command(fx);
    command.env("SHIPBOARD_TEST_PAUSE_AT", point);
    for (key, value) in extra_env {
        command.env(key, value);
    }
    let mut child = command.spawn().expect("the shipboard binary starts");
    let stderr = child.stderr.take().expect("stderr is piped");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let paused = line.contains("paused at");
            let _ = tx.send(line);
            if paused {
                break;
            }
        }
    });
    let mut seen = Vec::new();
    while let Ok(line) = rx.recv_timeout(Duration::from_secs(60)) {
        if line.contains(&format!("paused at {point}")) {
            return child;
        }
        seen.push(line);
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the build never reached {point}: {seen:?}");
}

fn kill(mut child: Child) {
    child.kill().expect("SIGKILL");
    child.wait().expect("reaped");
}

/// What killed builds left beside the output: folders of Shipboard's other than the site
/// the last build replaced, which is kept for the next build to start from.
fn leftovers(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains(".shipboard-") && name != SPARE)
        .collect()
}

const SPARE: &str = ".public.shipboard-spare";

fn home(fx: &Fixture) -> String {
    fs::read_to_string(fx.dir().join("public/index.html")).expect("the site is there")
}

/// Builds once, then renames the portal so the next build's pages differ from the first.
fn built_then_retitled(fx: &Fixture) {
    fx.build_ok();
    let portal = fx.read("portal.yaml");
    fx.write(
        "portal.yaml",
        &portal.replacen("title:", "title: Zebracorn", 1),
    );
    assert!(
        !home(fx).contains("Zebracorn"),
        "the first build has the old title"
    );
}

#[test]
fn a_build_killed_before_the_swap_leaves_the_old_site_and_the_next_cleans_up() {
    let fx = Fixture::new("minimal");
    built_then_retitled(&fx);
    kill(build_paused_at(&fx, "before-swap", &[]));
    assert!(
        !home(&fx).contains("Zebracorn"),
        "the old site is still served"
    );
    assert_eq!(leftovers(&fx.dir()).len(), 1, "the staging folder is left");
    fx.build_ok();
    assert!(home(&fx).contains("Zebracorn"));
    assert_eq!(leftovers(&fx.dir()), Vec::<String>::new());
}

#[test]
fn a_build_from_the_spare_site_killed_before_the_swap_leaves_the_old_site_whole() {
    let fx = Fixture::new("minimal");
    fx.build_ok();
    built_then_retitled(&fx); // a second build first: the first site is the spare one
    let published = snapshot(&fx.dir().join("public"));
    assert!(fx.dir().join(SPARE).is_dir());
    kill(build_paused_at(&fx, "before-swap", &[]));
    // The spare site became the staging folder and was corrected there: the published
    // site is byte for byte what it was.
    assert!(
        snapshot(&fx.dir().join("public")) == published,
        "the site changed"
    );
    assert_eq!(leftovers(&fx.dir()).len(), 1, "the staging folder is left");
    assert!(!fx.dir().join(SPARE).exists());
    fx.build_ok();
    assert!(home(&fx).contains("Zebracorn"));
    assert_eq!(leftovers(&fx.dir()), Vec::<String>::new());
    assert!(fx.dir().join(SPARE).is_dir());
}

/// Every file of a site and its bytes.
fn snapshot(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let files = common::relative_files(dir).into_iter();
    files
        .map(|(relative, path)| (relative, fs::read(&path).expect("read")))
        .collect()
}

#[test]
fn a_build_killed_after_the_swap_leaves_the_new_site_and_the_next_cleans_up() {
    let fx = Fixture::new("minimal");
    built_then_retitled(&fx);
    kill(build_paused_at(&fx, "after-swap", &[]));
    assert!(home(&fx).contains("Zebracorn"), "the new site is in place");
    assert_eq!(leftovers(&fx.dir()).len(), 1, "the previous site is left");
    fx.build_ok();
    assert_eq!(leftovers(&fx.dir()), Vec::<String>::new());
    // The site that build replaced is kept whole for the next one, and git ignores it.
    let spare = fx.dir().join(SPARE);
    assert!(spare.join(".shipboard-output").is_file());
    assert!(spare.join("index.html").is_file());
    assert_eq!(fs::read_to_string(spare.join(".gitignore")).unwrap(), "*\n");
    common::git(&fx.dir(), &["init", "-q"]);
    let status = std::process::Command::new("git")
        .args(["status", "--porcelain", "--untracked-files=all"])
        .current_dir(fx.dir())
        .output()
        .expect("git status");
    assert!(status.status.success());
    let status = String::from_utf8_lossy(&status.stdout);
    assert!(status.contains("public/index.html"), "{status}");
    assert!(!status.contains("shipboard-spare"), "{status}");
}

#[test]
fn the_two_rename_fallback_killed_between_renames_is_repaired_by_the_next_build() {
    let fx = Fixture::new("minimal");
    built_then_retitled(&fx);
    kill(build_paused_at(
        &fx,
        "between-renames",
        &[("SHIPBOARD_TEST_NO_EXCHANGE", "1")],
    ));
    assert!(!fx.dir().join("public").exists(), "the fallback's one gap");
    // Even a build that fails on its content puts the previous site back first.
    fx.write("releases/broken.md", "---\nsystem: nope\n---\n");
    let failed = fx.build();
    assert_eq!(failed.code, Some(1), "{}", failed.stderr);
    assert!(
        !home(&fx).contains("Zebracorn"),
        "the previous site is back"
    );
    assert_eq!(leftovers(&fx.dir()), Vec::<String>::new());
}

#[test]
fn folders_shipboard_did_not_create_are_never_touched() {
    let fx = Fixture::new("minimal");
    let lookalike = fx.dir().join(".public.shipboard-staging-1");
    fs::create_dir(&lookalike).unwrap();
    fs::write(lookalike.join("thesis.tex"), "precious").unwrap();
    fx.build_ok();
    fx.build_ok();
    assert_eq!(
        fs::read_to_string(lookalike.join("thesis.tex")).unwrap(),
        "precious"
    );
}

#[test]
fn concurrent_builds_of_one_output_all_succeed_one_after_another() {
    let fx = Fixture::new("minimal");
    fx.build_ok();
    let builds: Vec<Child> = (0..6)
        .map(|_| build_command(&fx).spawn().expect("starts"))
        .collect();
    for build in builds {
        let output = build.wait_with_output().expect("finishes");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    assert!(home(&fx).contains("<title>"));
    assert_eq!(leftovers(&fx.dir()), Vec::<String>::new());
}

#[test]
fn no_wait_fails_at_once_while_another_build_holds_the_output() {
    let fx = Fixture::new("minimal");
    fx.build_ok();
    let holder = build_paused_at(&fx, "before-swap", &[]);
    let dir = fx.dir().display().to_string();
    let busy = run(&["build", &dir, "--no-wait"]);
    kill(holder);
    assert_eq!(busy.code, Some(2), "{}", busy.stderr);
    assert!(
        busy.stderr
            .contains("another shipboard build is writing into"),
        "{}",
        busy.stderr
    );
    fx.build_ok();
    assert_eq!(leftovers(&fx.dir()), Vec::<String>::new());
}

#[test]
fn base_urls_that_break_links_are_refused_wherever_they_come_from() {
    let fx = Fixture::new("minimal");
    let dir = fx.dir().display().to_string();
    for bad in [
        "javascript:alert(1)//",
        "//evil.example/",
        "https://example.com/portal/?x=1",
        "https://example.com/#x",
        "/portal/",
    ] {
        let result = run(&["build", &dir, "--base-url", bad]);
        assert_eq!(result.code, Some(2), "{bad}: {}", result.stderr);
        assert!(
            result.stderr.contains("error: --base-url") && result.stderr.contains("help:"),
            "{bad}: {}",
            result.stderr
        );
    }
    assert!(!fx.dir().join("public").exists(), "nothing was written");

    let portal = fx.read("portal.yaml");
    let line = portal
        .lines()
        .position(|l| l.starts_with("base_url:"))
        .expect("the fixture has a base_url")
        + 1;
    let with = |url: &str| {
        portal
            .lines()
            .map(|l| {
                if l.starts_with("base_url:") {
                    format!("base_url: \"{url}\"")
                } else {
                    l.to_owned()
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    fx.write("portal.yaml", &with("https://example.com/portal/?x=1"));
    let result = run(&["check", &dir]);
    assert_eq!(result.code, Some(1), "{}", result.stderr);
    assert!(
        result
            .stdout
            .contains(&format!("portal.yaml:{line}:11: error[base_url]")),
        "{}",
        result.stdout
    );

    fx.write("portal.yaml", &with("HTTPS://EXAMPLE.COM/Portal"));
    let out = fx.build_ok();
    let release = fs::read_to_string(out.join("releases/billing/1.2.0/index.html")).unwrap();
    assert!(release.contains("href=\"/Portal/runbooks/billing-rollback/\""));
    let atom = fs::read_to_string(out.join("releases.atom")).unwrap();
    assert!(
        atom.contains("https://example.com/Portal/releases/"),
        "{atom}"
    );

    fx.write("portal.yaml", &with("http://[::1]:8080/"));
    let out = fx.build_ok();
    let feed = fs::read_to_string(out.join("calendar.ics")).unwrap();
    assert!(feed.contains("@[::1]\r\n"), "{feed}");
    assert!(!feed.contains("@[\r\n"));
}
