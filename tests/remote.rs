//! Remote system repositories end to end: `repo:` names a clone URL (here `file://`, a
//! "remote" in a temp dir), `build` and `check` fetch it into the mirror cache with the system
//! `git`, new tags and commits arrive on the next build, `--offline` reads the cache as it is,
//! an unreachable remote is a warning with the mirror's age (or an error without a mirror),
//! and a URL's credentials are never printed.

mod common;

use std::fs;
use std::path::Path;
use std::process::Command;

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
        offline.stdout.contains("--offline was given"),
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
