//! Remote system repositories end to end: `repo:` names a clone URL (here `file://`, a
//! "remote" in a temp dir), `build` and `check` fetch it into the mirror cache with the system
//! `git`, new tags and commits arrive on the next build, `--offline` reads the cache as it is,
//! an unreachable remote is a warning with the mirror's age (or an error without a mirror),
//! and a URL's credentials are never printed.

mod common;
mod serve_client;

use std::fs;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{git, Fixture, Output, SOURCE_DATE_EPOCH};

fn commit(work: &Path, file: &str, message: &str) {
    fs::write(work.join(file), message).unwrap();
    git(work, &["add", file]);
    git(work, &["commit", "-q", "-m", message]);
}

/// A work repo and its bare "remote" (what a team's Git server holds).
struct Upstream {
    work: std::path::PathBuf,
    remote: std::path::PathBuf,
}

impl Upstream {
    fn new(root: &Path) -> Upstream {
        let work = root.join("billing-work");
        let remote = root.join("billing.git");
        fs::create_dir_all(&work).unwrap();
        git(&work, &["init", "-q"]);
        commit(&work, "invoice.txt", "feat: invoices in PDF/A");
        git(&work, &["tag", "-a", "v1.2.0", "-m", "Billing 1.2.0"]);
        git(
            root,
            &["clone", "-q", "--bare", "billing-work", "billing.git"],
        );
        // Like GitHub and GitLab, serve partial clones, so the mirror is really blob-less.
        git(&remote, &["config", "uploadpack.allowFilter", "true"]);
        Upstream { work, remote }
    }

    fn url(&self) -> String {
        format!("file://{}", self.remote.display())
    }

    /// Commits in the work repo and pushes to the remote.
    fn push_commit(&self, message: &str) {
        commit(&self.work, "change.txt", message);
        let remote = self.remote.display().to_string();
        git(&self.work, &["push", "-q", &remote, "main", "--tags"]);
    }
}

fn with_repo(fx: &Fixture, repo: &str) {
    let portal = fx.read("portal.yaml");
    let portal = portal.replacen(
        "    rollback_runbook: billing-rollback\n",
        &format!("    rollback_runbook: billing-rollback\n    repo: \"{repo}\"\n"),
        1,
    );
    fx.write("portal.yaml", &portal);
}

fn shipboard(fx: &Fixture, args: &[&str]) -> Output {
    let output = Command::new(env!("CARGO_BIN_EXE_shipboard"))
        .args(args)
        .arg(fx.dir())
        .env("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
        .env("SHIPBOARD_FETCH_TIMEOUT", "60")
        .env_remove("SHIPBOARD_OFFLINE")
        .env_remove("SHIPBOARD_CACHE_DIR")
        .output()
        .expect("the shipboard binary runs");
    Output {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn system_page(fx: &Fixture) -> String {
    fs::read_to_string(fx.dir().join("public/systems/billing/index.html")).unwrap()
}

#[test]
fn a_remote_repository_is_cloned_fetched_and_read_offline() {
    let fx = Fixture::new("minimal");
    let upstream = Upstream::new(fx.dir().parent().unwrap());
    with_repo(&fx, &upstream.url());

    let built = shipboard(&fx, &["build"]);
    assert_eq!(built.code, Some(0), "{}", built.stderr);
    let release =
        fs::read_to_string(fx.dir().join("public/releases/billing/1.2.0/index.html")).unwrap();
    assert!(
        release.contains("invoices in PDF/A"),
        "the tag's commit is in the changelog"
    );
    let mirrors: Vec<_> = fs::read_dir(fx.dir().join(".shipboard/repos"))
        .unwrap()
        .flatten()
        .collect();
    assert_eq!(mirrors.len(), 1, "one mirror, no partial folders left");
    let config = fs::read_to_string(mirrors[0].path().join("config")).unwrap();
    assert!(
        config.contains("partialclonefilter = blob:none"),
        "{config}"
    );

    upstream.push_commit("fix: rounding of totals");
    let built = shipboard(&fx, &["build"]);
    assert_eq!(built.code, Some(0), "{}", built.stderr);
    assert!(
        system_page(&fx).contains("rounding of totals"),
        "fetched again"
    );

    upstream.push_commit("feat: dunning letters");
    let offline = shipboard(&fx, &["build", "--offline"]);
    assert_eq!(offline.code, Some(0), "{}", offline.stderr);
    assert!(
        !system_page(&fx).contains("dunning letters"),
        "offline: not fetched"
    );
    let fetched = shipboard(&fx, &["fetch"]);
    assert_eq!(fetched.code, Some(0), "{}", fetched.stderr);
    let offline = shipboard(&fx, &["build", "--offline"]);
    assert_eq!(offline.code, Some(0), "{}", offline.stderr);
    assert!(
        system_page(&fx).contains("dunning letters"),
        "fetch filled the cache"
    );
    let changelog = shipboard(&fx, &["changelog", "billing", "--offline"]);
    assert_eq!(changelog.code, Some(0), "{}", changelog.stderr);
    assert!(
        changelog.stdout.contains("## [1.2.0]") && changelog.stdout.contains("dunning letters"),
        "{}",
        changelog.stdout
    );
}

#[test]
fn an_unreachable_remote_warns_with_the_mirror_age_or_fails_without_one() {
    let fx = Fixture::new("minimal");
    let upstream = Upstream::new(fx.dir().parent().unwrap());
    with_repo(&fx, &upstream.url());
    assert_eq!(shipboard(&fx, &["build"]).code, Some(0));

    fs::rename(&upstream.remote, upstream.remote.with_extension("moved")).unwrap();
    let stale = shipboard(&fx, &["check"]);
    assert_eq!(stale.code, Some(0), "{}{}", stale.stdout, stale.stderr);
    assert!(
        stale.stdout.contains("warning[repo]: could not fetch")
            && stale
                .stdout
                .contains("using the mirror fetched less than a minute ago"),
        "{}",
        stale.stdout
    );
    assert!(system_page(&fx).contains("invoices in PDF/A"));

    fs::remove_dir_all(fx.dir().join(".shipboard")).unwrap();
    let failed = shipboard(&fx, &["check"]);
    assert_eq!(failed.code, Some(1), "{}{}", failed.stdout, failed.stderr);
    assert!(
        failed.stdout.contains(
            "error[repo]: cannot fetch the git repository of system billing from file://"
        ) && failed.stdout.contains("git says:"),
        "{}",
        failed.stdout
    );
    let offline = shipboard(&fx, &["check", "--offline"]);
    assert_eq!(offline.code, Some(1));
    assert!(
        offline.stdout.contains("--offline was given")
            && offline.stdout.contains("help: run `shipboard fetch`"),
        "{}",
        offline.stdout
    );
}

#[test]
fn credentials_in_a_url_are_never_printed() {
    let fx = Fixture::new("minimal");
    // Port 9 (discard) on loopback: refused at once, nothing leaves the machine.
    with_repo(
        &fx,
        "https://deploy:s3cret-token@127.0.0.1:9/acme/billing.git",
    );
    for args in [&["check"][..], &["fetch"], &["build"]] {
        let result = shipboard(&fx, args);
        assert_eq!(
            result.code,
            Some(1),
            "{args:?}: {}{}",
            result.stdout,
            result.stderr
        );
        let said = format!("{}{}", result.stdout, result.stderr);
        assert!(
            said.contains("https://***@127.0.0.1:9/acme/billing.git"),
            "{said}"
        );
        assert!(!said.contains("s3cret"), "{said}");
    }
}

/// The recipe's `run:` steps, in order, as (name, command), from the example workflow.
fn recipe_steps() -> Vec<(String, String)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("content/.github/workflows/portal.yml");
    let text = fs::read_to_string(path).expect("the recipe exists");
    let workflow: serde_json::Value = serde_saphyr::from_str(&text).expect("valid YAML");
    let steps = workflow["jobs"]["portal"]["steps"]
        .as_array()
        .expect("the portal job has steps");
    steps
        .iter()
        .filter_map(|step| {
            let run = step["run"].as_str()?;
            let name = step["name"].as_str().unwrap_or_default();
            Some((name.to_owned(), run.to_owned()))
        })
        .collect()
}

#[test]
fn the_ci_recipe_runs_its_steps_on_a_fixture() {
    let fx = Fixture::new("minimal");
    let upstream = Upstream::new(fx.dir().parent().unwrap());
    with_repo(&fx, &upstream.url());
    git(&fx.dir(), &["init", "-q"]);
    git(&fx.dir(), &["add", "."]);
    git(&fx.dir(), &["commit", "-q", "-m", "portal"]);
    let binary = Path::new(env!("CARGO_BIN_EXE_shipboard"));
    let path = format!(
        "{}:{}",
        binary.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let steps = recipe_steps();
    let names: Vec<&str> = steps.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(
        names,
        [
            "Install shipboard",
            "Fetch system repositories",
            "Check the portal",
            "Build the portal"
        ]
    );
    // Installing needs the network; the binary under test stands in for it.
    for (name, command) in steps.iter().filter(|(name, _)| name != "Install shipboard") {
        let output = Command::new("bash")
            .args(["-eo", "pipefail", "-c", command])
            .current_dir(fx.dir())
            .env("PATH", &path)
            .env("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
            .env_remove("SHIPBOARD_OFFLINE")
            .env_remove("SHIPBOARD_CACHE_DIR")
            .output()
            .expect("bash runs");
        assert!(
            output.status.success(),
            "step {name:?} failed: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    assert!(fx.dir().join(".shipboard/repos").is_dir(), "mirrors cached");
    let release = fs::read_to_string(fx.dir().join("public/releases/billing/1.2.0/index.html"))
        .expect("the site was built");
    assert!(release.contains("invoices in PDF/A"));
}

/// A server on loopback that accepts connections and never answers (a stalled Git host),
/// and the number of its connections still open (the client has not closed them).
/// Ports 18550-18599, the range this suite's servers may use.
fn silent_server() -> (u16, Arc<AtomicUsize>) {
    let listener = (18550..18600)
        .find_map(|port| std::net::TcpListener::bind(("127.0.0.1", port)).ok())
        .expect("a free port in 18550-18599");
    let port = listener.local_addr().unwrap().port();
    let open = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&open);
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            counter.fetch_add(1, Ordering::SeqCst);
            let counter = Arc::clone(&counter);
            // Reads (and drops) the request until the client closes the connection.
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut stream, &mut std::io::sink());
                counter.fetch_sub(1, Ordering::SeqCst);
            });
        }
    });
    (port, open)
}

/// Runs shipboard and waits at most `limit`: `None` (after killing it) if it is still running.
fn shipboard_within(
    fx: &Fixture,
    args: &[&str],
    env: &[(&str, &str)],
    limit: Duration,
) -> Option<Output> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_shipboard"))
        .args(args)
        .arg(fx.dir())
        .env("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
        .env_remove("SHIPBOARD_OFFLINE")
        .env_remove("SHIPBOARD_CACHE_DIR")
        .envs(env.iter().copied())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the shipboard binary runs");
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let output = child.wait_with_output().unwrap();
    Some(Output {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    })
}

#[test]
fn a_remote_that_never_answers_is_given_up_at_the_time_limit() {
    let fx = Fixture::new("minimal");
    let (port, _) = silent_server();
    with_repo(
        &fx,
        &format!("http://deploy:s3cret-token@127.0.0.1:{port}/ledger.git"),
    );
    let limit = Duration::from_secs(20);
    for args in [&["fetch"][..], &["check"]] {
        let started = Instant::now();
        let result = shipboard_within(&fx, args, &[("SHIPBOARD_FETCH_TIMEOUT", "2")], limit)
            .unwrap_or_else(|| panic!("{args:?} still running after {limit:?}"));
        let said = format!("{}{}", result.stdout, result.stderr);
        assert_eq!(result.code, Some(1), "{args:?}: {said}");
        assert!(said.contains("did not finish within 2 s"), "{said}");
        assert!(started.elapsed() >= Duration::from_secs(2));
        assert!(!said.contains("s3cret"), "{said}");
    }
}

fn mirror_folders(fx: &Fixture) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(fx.dir().join(".shipboard/repos"))
        .unwrap()
        .flatten()
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn runs_that_clone_at_once_all_use_the_one_mirror() {
    let fx = Fixture::new("minimal");
    let upstream = Upstream::new(fx.dir().parent().unwrap());
    with_repo(&fx, &upstream.url());
    let limit = Duration::from_secs(120);
    let runs = [&["fetch"][..], &["fetch"], &["check"], &["fetch"]];
    let results: Vec<_> = std::thread::scope(|scope| {
        let fx = &fx;
        let handles: Vec<_> = runs
            .into_iter()
            .map(|args| {
                scope.spawn(move || {
                    let env = [("SHIPBOARD_FETCH_TIMEOUT", "60")];
                    (args, shipboard_within(fx, args, &env, limit))
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (args, result) in results {
        let result = result.unwrap_or_else(|| panic!("{args:?} still running after {limit:?}"));
        assert_eq!(
            result.code,
            Some(0),
            "{args:?}: {}{}",
            result.stdout,
            result.stderr
        );
    }
    let names = mirror_folders(&fx);
    assert_eq!(names.len(), 1, "one mirror, no partial folders: {names:?}");
    assert!(fx.dir().join(".shipboard/.gitignore").is_file());
}

#[test]
fn a_mirror_folder_restored_in_part_or_a_killed_clone_is_replaced() {
    let fx = Fixture::new("minimal");
    let upstream = Upstream::new(fx.dir().parent().unwrap());
    with_repo(&fx, &upstream.url());
    assert_eq!(shipboard(&fx, &["fetch"]).code, Some(0));
    let name = mirror_folders(&fx).remove(0);
    let repos = fx.dir().join(".shipboard/repos");
    // A cache restore that brought back only some files, and a clone killed midway (its
    // process, PID 999999999, cannot exist: Linux PIDs stop at 2^22).
    fs::remove_file(repos.join(&name).join("HEAD")).unwrap();
    let partial = repos.join(format!(".{name}.partial-999999999"));
    fs::create_dir_all(partial.join("objects")).unwrap();

    // An empty SHIPBOARD_CACHE_DIR is unset (the cache stays in .shipboard/); a time limit
    // that is not seconds is a warning, and the default limit applies.
    let env = [
        ("SHIPBOARD_CACHE_DIR", ""),
        ("SHIPBOARD_FETCH_TIMEOUT", "abc"),
    ];
    let fetched = shipboard_within(&fx, &["fetch"], &env, Duration::from_secs(120)).unwrap();
    assert_eq!(
        fetched.code,
        Some(0),
        "{}{}",
        fetched.stdout,
        fetched.stderr
    );
    assert!(
        fetched
            .stderr
            .contains("warning[repo]: SHIPBOARD_FETCH_TIMEOUT is \"abc\""),
        "{}",
        fetched.stderr
    );
    assert!(repos.join(&name).join("HEAD").is_file());
    assert_eq!(mirror_folders(&fx), [name]);
    let built = shipboard(&fx, &["build", "--offline"]);
    assert_eq!(built.code, Some(0), "{}", built.stderr);
    assert!(system_page(&fx).contains("invoices in PDF/A"));
}

#[test]
fn credentials_are_never_printed_or_published_when_the_fetch_works() {
    let fx = Fixture::new("minimal");
    let upstream = Upstream::new(fx.dir().parent().unwrap());
    // billing 1.2.0 is `released`: without its tag, check warns and names the repository.
    git(&upstream.remote, &["tag", "-d", "v1.2.0"]);
    // A URL with user info and no path; git's `insteadOf` sends it to the local remote.
    let url = "https://deploy:s3cret-token@git.example/";
    with_repo(&fx, url);
    let rewrite = format!("url.{}.insteadOf", upstream.url());
    let env = [
        ("SHIPBOARD_FETCH_TIMEOUT", "60"),
        ("GIT_CONFIG_COUNT", "1"),
        ("GIT_CONFIG_KEY_0", rewrite.as_str()),
        ("GIT_CONFIG_VALUE_0", url),
    ];
    let limit = Duration::from_secs(120);
    let mut said = String::new();
    for args in [&["fetch"][..], &["check"], &["build", "-v"]] {
        let result = shipboard_within(&fx, args, &env, limit).expect("ends");
        assert_eq!(
            result.code,
            Some(0),
            "{args:?}: {}{}",
            result.stdout,
            result.stderr
        );
        said.push_str(&result.stdout);
        said.push_str(&result.stderr);
    }
    assert!(
        said.contains("fetched https://***@git.example/ into")
            && said.contains("has no tag v1.2.0"),
        "{said}"
    );
    assert!(!said.contains("s3cret"), "{said}");
    for file in common::all_files(&fx.dir().join("public")) {
        let bytes = fs::read(&file).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains("s3cret"), "{}", file.display());
    }
}

#[test]
fn stopping_shipboard_stops_the_git_it_started() {
    let fx = Fixture::new("minimal");
    let (port, open) = silent_server();
    with_repo(&fx, &format!("http://127.0.0.1:{port}/ledger.git"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_shipboard"))
        .args(["fetch"])
        .arg(fx.dir())
        .env("SHIPBOARD_FETCH_TIMEOUT", "600")
        .env_remove("SHIPBOARD_CACHE_DIR")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("the shipboard binary runs");
    let waited = Instant::now();
    while open.load(Ordering::SeqCst) == 0 {
        assert!(
            waited.elapsed() < Duration::from_secs(20),
            "git never connected"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // What a cancelled CI job does: SIGTERM to shipboard alone.
    let pid = child.id().to_string();
    let sent = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(sent.success());
    let stopped = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if stopped.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            panic!("shipboard still running 10 s after SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    while open.load(Ordering::SeqCst) > 0 {
        assert!(
            stopped.elapsed() < Duration::from_secs(10),
            "git's connection is still open 10 s after shipboard ended"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn serve_fetches_a_repo_url_changed_while_it_serves() {
    let fx = Fixture::new("minimal");
    let root = fx.dir().parent().unwrap().to_path_buf();
    let upstream = Upstream::new(&root);
    with_repo(&fx, &upstream.url());
    // The same history under another URL, which no mirror holds yet.
    git(
        &root,
        &["clone", "-q", "--bare", "billing.git", "moved.git"],
    );
    let moved = format!("file://{}", root.join("moved.git").display());
    let served = serve_client::Served::start(&fx);
    assert_eq!(served.get("/").status, 200, "{}", served.stderr());
    let portal = fx.read("portal.yaml").replace(&upstream.url(), &moved);
    fx.write("portal.yaml", &portal);
    let deadline = Instant::now() + Duration::from_secs(60);
    while served.stderr().matches(" files in ").count() < 2 && Instant::now() < deadline {
        assert!(
            !served
                .stderr()
                .contains("still serving the last good build"),
            "{}",
            served.stderr()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let said = served.stderr();
    assert_eq!(said.matches(" files in ").count(), 2, "rebuilt: {said}");
    assert!(!said.contains("--offline"), "{said}");
    assert!(
        fs::read_dir(fx.dir().join(".shipboard/repos"))
            .unwrap()
            .flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with("moved")),
        "the new URL has its mirror"
    );
    served.interrupt();
}

#[test]
fn a_mirror_follows_the_remote_renaming_its_default_branch() {
    let fx = Fixture::new("minimal");
    let upstream = Upstream::new(fx.dir().parent().unwrap());
    with_repo(&fx, &upstream.url());
    let fetched = shipboard(&fx, &["fetch"]);
    assert_eq!(fetched.code, Some(0), "{}", fetched.stderr);
    upstream.push_commit("feat: refunds by bank transfer");
    // The team renames its default branch on the server.
    git(&upstream.remote, &["branch", "-m", "main", "trunk"]);
    git(
        &upstream.remote,
        &["symbolic-ref", "HEAD", "refs/heads/trunk"],
    );
    let fetched = shipboard(&fx, &["fetch"]);
    assert_eq!(fetched.code, Some(0), "{}", fetched.stderr);
    let checked = shipboard(&fx, &["check", "--offline"]);
    assert!(!checked.stdout.contains("HEAD"), "{}", checked.stdout);
    let system = {
        let built = shipboard(&fx, &["build", "--offline"]);
        assert_eq!(built.code, Some(0), "{}", built.stderr);
        system_page(&fx)
    };
    assert!(
        system.contains("refunds by bank transfer"),
        "the unreleased work on trunk is shown"
    );
}

/// The remote's default branch moves to a new branch while the old one stays (`master` ->
/// `main` without deleting `master`): each fetch follows the remote's `HEAD`, so the new
/// branch's work is shown and the old branch's is not; `--offline` asks nothing.
#[test]
fn a_mirror_follows_the_remote_head_to_a_new_branch_while_the_old_one_stays() {
    let fx = Fixture::new("minimal");
    let upstream = Upstream::new(fx.dir().parent().unwrap());
    with_repo(&fx, &upstream.url());
    let fetched = shipboard(&fx, &["fetch"]);
    assert_eq!(fetched.code, Some(0), "{}", fetched.stderr);

    // The team starts `trunk` with a release and new work, and makes it the default on the
    // server; `main` stays, and gets a commit of its own.
    let remote = upstream.remote.display().to_string();
    git(&upstream.work, &["checkout", "-q", "-b", "trunk"]);
    commit(&upstream.work, "vat.txt", "feat: VAT per country");
    git(
        &upstream.work,
        &["tag", "-a", "v1.3.0", "-m", "Billing 1.3.0"],
    );
    commit(
        &upstream.work,
        "refund.txt",
        "feat: refunds by bank transfer",
    );
    git(&upstream.work, &["push", "-q", &remote, "trunk", "--tags"]);
    git(&upstream.work, &["checkout", "-q", "main"]);
    commit(&upstream.work, "old.txt", "fix: only on the old branch");
    git(&upstream.work, &["push", "-q", &remote, "main"]);
    git(
        &upstream.remote,
        &["symbolic-ref", "HEAD", "refs/heads/trunk"],
    );

    let fetched = shipboard(&fx, &["fetch"]);
    assert_eq!(fetched.code, Some(0), "{}", fetched.stderr);
    let built = shipboard(&fx, &["build", "--offline"]);
    assert_eq!(built.code, Some(0), "{}", built.stderr);
    let system = system_page(&fx);
    assert!(
        system.contains("refunds by bank transfer"),
        "the unreleased work on trunk, the remote's HEAD, is shown"
    );
    assert!(
        !system.contains("only on the old branch"),
        "main is no longer read"
    );

    // Offline, the mirror is read as it is: the remote moving back is not seen.
    git(
        &upstream.remote,
        &["symbolic-ref", "HEAD", "refs/heads/main"],
    );
    let offline = shipboard(&fx, &["build", "--offline"]);
    assert_eq!(offline.code, Some(0), "{}", offline.stderr);
    assert!(
        system_page(&fx).contains("refunds by bank transfer"),
        "--offline asks the remote nothing"
    );
    // The next fetch follows it back.
    let built = shipboard(&fx, &["build"]);
    assert_eq!(built.code, Some(0), "{}", built.stderr);
    let system = system_page(&fx);
    assert!(system.contains("only on the old branch"), "back on main");
    assert!(!system.contains("refunds by bank transfer"));
}
