//! Incremental builds: a build over an existing output keeps every file that would come
//! out the same (a hard link to the published file: same inode, not rewritten) and makes
//! the rest, and its output is byte-identical to a clean build after any sequence of
//! edits. The record it keeps in `.shipboard/cache/` is never trusted when corrupt, from
//! another version or contradicted by the output on disk. The real binary runs on the
//! minimal fixture with a real git repository for the billing system.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::{
    all_files, git, minimal_with_billing_history, relative_files, run_at, Fixture,
    SOURCE_DATE_EPOCH,
};

/// Every file of an output folder: relative path -> (bytes, inode).
fn snapshot(dir: &Path) -> BTreeMap<String, (Vec<u8>, u64)> {
    relative_files(dir)
        .into_iter()
        .map(|(relative, path)| {
            let inode = std::os::unix::fs::MetadataExt::ino(&fs::metadata(&path).expect("stat"));
            (relative, (fs::read(&path).expect("read"), inode))
        })
        .collect()
}

/// Every folder under `dir`, relative to it: a clean build makes no empty one.
fn folders(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in fs::read_dir(&folder).expect("read_dir").flatten() {
            if entry.file_type().expect("type").is_dir() {
                let path = entry.path();
                found.push(
                    path.strip_prefix(dir)
                        .expect("inside")
                        .display()
                        .to_string(),
                );
                stack.push(path);
            }
        }
    }
    found.sort_unstable();
    found
}

fn build_into(fx: &Fixture, output: &Path, extra: &[&str]) -> String {
    let mut args = vec!["build", "-v"];
    let (dir, out) = (fx.dir().display().to_string(), output.display().to_string());
    args.extend([dir.as_str(), "--output", out.as_str()]);
    args.extend(extra);
    let result = run_at(&args, None, SOURCE_DATE_EPOCH);
    assert_eq!(result.code, Some(0), "build failed:\n{}", result.stderr);
    result.stderr
}

/// What an incremental build did, checked against a clean build of the same content.
struct Step {
    /// Files whose bytes changed (or are new): each must have been written anew.
    changed: Vec<String>,
    /// Files whose bytes did not change: each must be the same inode as before.
    unchanged: usize,
    /// Release pages whose data came from the build cache, and release pages (`-v`).
    remembered: (usize, usize),
    /// The search index was kept from the previous build rather than made (`-v`).
    index_kept: bool,
}

/// Whether `-v` output says the search index was kept from the last build.
fn index_kept(stderr: &str) -> bool {
    let line = stderr
        .lines()
        .find(|l| l.contains("search index: "))
        .unwrap_or_else(|| panic!("no word on the search index in:\n{stderr}"));
    assert!(
        line.contains("kept from the last build") || line.ends_with("search index: made"),
        "{line}"
    );
    line.contains("kept from the last build")
}

/// "release pages: the data of N of M came from the build cache" in `-v` output.
fn remembered(stderr: &str) -> (usize, usize) {
    let line = stderr
        .lines()
        .find_map(|l| {
            l.split_once("release pages: the data of ")
                .map(|(_, rest)| rest)
        })
        .unwrap_or_else(|| panic!("no count of remembered release pages in:\n{stderr}"));
    let mut numbers = line
        .split(' ')
        .filter_map(|word| word.parse::<usize>().ok());
    let (Some(n), Some(m)) = (numbers.next(), numbers.next()) else {
        panic!("no numbers in {line:?}");
    };
    (n, m)
}

/// Builds `fx` incrementally into `output` and cleanly into a fresh folder; the two must
/// be byte-identical, files with the same bytes as before must not have been rewritten,
/// and files with new bytes must have been.
fn incremental_matches_clean(fx: &Fixture, output: &Path, what: &str) -> Step {
    let before = snapshot(output);
    let stderr = build_into(fx, output, &[]);
    let after = snapshot(output);
    let clean_dir = output.with_file_name(format!("clean-{}", what.replace(' ', "-")));
    build_into(fx, &clean_dir, &["--full"]);
    let clean = snapshot(&clean_dir);
    let bytes = |s: &BTreeMap<String, (Vec<u8>, u64)>| {
        s.iter()
            .map(|(k, v)| (k.clone(), v.0.clone()))
            .collect::<BTreeMap<_, _>>()
    };
    let (after_bytes, clean_bytes) = (bytes(&after), bytes(&clean));
    let differing: Vec<&String> = after_bytes
        .keys()
        .chain(clean_bytes.keys())
        .filter(|k| after_bytes.get(*k) != clean_bytes.get(*k))
        .collect();
    assert!(
        differing.is_empty(),
        "after {what}, incremental != clean: {differing:?}"
    );
    assert_eq!(
        folders(output),
        folders(&clean_dir),
        "after {what}, the folders differ"
    );
    let mut step = Step {
        changed: Vec::new(),
        unchanged: 0,
        remembered: remembered(&stderr),
        index_kept: index_kept(&stderr),
    };
    for (file, (bytes, inode)) in &after {
        if file == ".shipboard-output" {
            continue;
        }
        match before.get(file) {
            Some((old, old_inode)) if old == bytes => {
                assert_eq!(
                    old_inode, inode,
                    "after {what}, {file} was rewritten with the same bytes"
                );
                step.unchanged += 1;
            }
            Some((_, old_inode)) => {
                assert_ne!(old_inode, inode, "after {what}, {file} changed in place");
                step.changed.push(file.clone());
            }
            None => step.changed.push(file.clone()),
        }
    }
    step
}

/// The minimal fixture built once (at `SOURCE_DATE_EPOCH`) into `site/` of a temp dir.
fn minimal_built() -> (Fixture, tempfile::TempDir, PathBuf) {
    let fx = Fixture::new("minimal");
    let temp = tempfile::tempdir().expect("temp");
    let output = temp.path().join("site");
    build_into(&fx, &output, &[]);
    (fx, temp, output)
}

fn edit(fx: &Fixture, file: &str, from: &str, to: &str) {
    let text = fx.read(file);
    assert!(text.contains(from), "{file} has {from:?}");
    fx.write(file, &text.replacen(from, to, 1));
}

#[test]
fn after_each_kind_of_edit_the_incremental_output_is_the_clean_output() {
    let fx = minimal_with_billing_history(&[("1.1.0", "fix: totals"), ("1.2.0", "feat: PDF/A")]);
    let temp = tempfile::tempdir().expect("temp");
    let output = temp.path().join("site");
    let first = build_into(&fx, &output, &[]);
    assert!(first.contains("no cache yet"), "{first}");

    let nothing = incremental_matches_clean(&fx, &output, "no edit");
    assert!(
        nothing.changed.is_empty(),
        "nothing edited, yet {:?}",
        nothing.changed
    );
    assert!(nothing.unchanged > 50);
    // Nothing edited: no release page's data is made again.
    let (kept, releases) = nothing.remembered;
    assert!(
        releases >= 2 && kept == releases,
        "{:?}",
        nothing.remembered
    );
    assert!(
        nothing.index_kept,
        "same content and git: the index is kept"
    );

    edit(
        &fx,
        "releases/billing-1.2.0.md",
        "Invoices in **PDF/A**.",
        "Invoices in **PDF/A-3**.",
    );
    let release = incremental_matches_clean(&fx, &output, "release edit");
    assert!(release
        .changed
        .contains(&"releases/billing/1.2.0/index.html".to_owned()));
    assert!(
        !release
            .changed
            .contains(&"releases/web/2.0.0/index.html".to_owned()),
        "another system's release page is untouched: {:?}",
        release.changed
    );
    assert!(
        release.unchanged > release.changed.len(),
        "{:?}",
        release.changed
    );
    // Only notes were edited: every other release page's data is remembered.
    assert_eq!(release.remembered, (releases - 1, releases));
    assert!(
        !release.index_kept,
        "the notes are indexed: the index is made"
    );
    assert!(
        release.changed.iter().any(|f| f.starts_with("search/")),
        "the notes' snippet text is in the index: {:?}",
        release.changed
    );

    // Front matter of the release in a system repository: that repository is read again
    // (the read depends on release files) and finds the same, so the git facts keep their
    // identity, and the other release page (web 2.0.0, whose page shows billing only
    // through what is released) is not made again.
    edit(
        &fx,
        "releases/billing-1.2.0.md",
        "tickets: [BIL-12]",
        "tickets: [BIL-12, BIL-13]",
    );
    let front = incremental_matches_clean(&fx, &output, "release front matter edit");
    assert!(front
        .changed
        .contains(&"releases/billing/1.2.0/index.html".to_owned()));
    assert_eq!(front.remembered, (releases - 1, releases));

    let runbook = fx.read("runbooks/billing-rollback.md");
    fx.write(
        "runbooks/billing-rollback.md",
        &format!("{runbook}\nAsk the on-call first.\n"),
    );
    let runbook = incremental_matches_clean(&fx, &output, "runbook edit");
    assert!(runbook
        .changed
        .contains(&"runbooks/billing-rollback/index.html".to_owned()));
    assert!(!runbook.index_kept);
    // Release pages link runbooks by title and show none of their steps.
    assert_eq!(runbook.remembered, (releases, releases));

    edit(&fx, "contacts.yaml", "Ben Okoro", "Ben Okoro-Lee");
    let contacts = incremental_matches_clean(&fx, &output, "contacts edit");
    assert!(contacts.changed.contains(&"contacts/index.html".to_owned()));
    // Release pages show people: every one is made again.
    assert_eq!(contacts.remembered, (0, releases));

    fx.write(
        "templates/404.html",
        "{% extends \"base.html\" %}{% block main %}<h1>Gone</h1>{% endblock main %}",
    );
    let theme = incremental_matches_clean(&fx, &output, "theme edit");
    assert_eq!(
        theme.changed,
        vec!["404.html".to_owned()],
        "only the 404 page's bytes change"
    );
    assert!(theme.index_kept, "the index reads no template");

    edit(&fx, "portal.yaml", "title: ", "title: New ");
    let portal = incremental_matches_clean(&fx, &output, "portal edit");
    assert!(portal.changed.contains(&"index.html".to_owned()));

    // A setting that only the live layer's frame shows (when a page counts as stale).
    let portal = fx.read("portal.yaml");
    fx.write("portal.yaml", &format!("{portal}stale_after_hours: 2\n"));
    let stale = incremental_matches_clean(&fx, &output, "staleness edit");
    assert!(
        stale.changed.contains(&"index.html".to_owned()),
        "{:?}",
        stale.changed
    );

    let repo = fx.dir().join("repos/billing");
    fs::write(repo.join("invoice.txt"), "fix: rounding").expect("write");
    git(&repo, &["commit", "-q", "-am", "fix: rounding"]);
    git(&repo, &["tag", "v1.2.1"]);
    let tag = incremental_matches_clean(&fx, &output, "new tag");
    assert_eq!(tag.remembered, (0, releases), "the git facts changed");
    assert!(!tag.index_kept, "commits are indexed: the index is made");
    assert!(
        tag.changed
            .iter()
            .any(|f| f.starts_with("systems/billing/")),
        "the new tag's commit is unreleased work on the billing page: {:?}",
        tag.changed
    );

    // A release added, then removed: its folders come and go with it.
    let added = fx
        .read("releases/billing-1.2.0.md")
        .replace("version: 1.2.0", "version: 1.3.0")
        .replace("2026-11-10", "2026-11-24");
    fx.write("releases/billing-1.3.0.md", &added);
    let add = incremental_matches_clean(&fx, &output, "release added");
    assert!(
        add.changed
            .iter()
            .any(|f| f.starts_with("releases/billing/1.3.0/")),
        "{:?}",
        add.changed
    );
    fs::remove_file(fx.dir().join("releases/billing-1.3.0.md")).expect("rm");
    incremental_matches_clean(&fx, &output, "release removed");
    assert!(!output.join("releases/billing/1.3.0").exists());
    // The next build starts from the site that still had it.
    incremental_matches_clean(&fx, &output, "no edit after a removal");
    assert!(!output.join("releases/billing/1.3.0").exists());
}

#[test]
fn a_corrupt_or_foreign_cache_is_rebuilt_never_trusted() {
    let (fx, temp, output) = minimal_built();
    let record = only_record(&fx.dir());
    let good = fs::read_to_string(&record).expect("record");
    // Claim every page is the home page's bytes: trusted, this would publish wrong pages.
    let home_digest = good
        .lines()
        .find(|l| l.starts_with("index.html\t"))
        .and_then(|l| l.split('\t').nth(1))
        .expect("home page entry")
        .to_owned();
    let lying: String = good
        .lines()
        .map(|line| {
            let mut fields: Vec<&str> = line.split('\t').collect();
            if fields.len() > 1 {
                fields[1] = &home_digest;
            }
            fields.join("\t") + "\n"
        })
        .collect();
    let foreign = good.replacen("shipboard-build-cache 2 ", "shipboard-build-cache 9 ", 1);
    for (what, text) in [
        ("checksum", lying.as_str()),
        ("version", &foreign),
        ("garbage", "\u{0}PK\u{3}"),
    ] {
        fs::write(&record, text).expect("corrupt the record");
        edit(&fx, "releases/web-2.0.0.md", "---\n", "---\n# edited\n");
        let stderr = build_into(&fx, &output, &[]);
        assert!(
            stderr.contains("corrupt or from another version: ignored, rebuilt"),
            "{what}: {stderr}"
        );
        assert!(
            stderr.contains(", 0 unchanged)"),
            "{what}: nothing kept: {stderr}"
        );
        let clean = temp.path().join(format!("clean-{what}"));
        build_into(&fx, &clean, &["--full"]);
        assert_eq!(bytes_of(&output), bytes_of(&clean), "{what}");
    }
    let next = build_into(&fx, &output, &[]);
    assert!(
        !next.contains("ignored"),
        "a new record was written: {next}"
    );
}

#[test]
fn an_output_file_changed_by_hand_is_made_again() {
    let (fx, _temp, output) = minimal_built();
    let page = output.join("releases/billing/1.2.0/index.html");
    let original = fs::read(&page).expect("page");
    // Same length, so only the modification time and inode tell.
    let mut tampered = original.clone();
    tampered[0] = b'X';
    fs::remove_file(&page).expect("rm");
    fs::write(&page, &tampered).expect("tamper");
    fs::remove_file(output.join("calendar.ics")).expect("rm");
    build_into(&fx, &output, &[]);
    assert_eq!(fs::read(&page).expect("page"), original);
    assert!(output.join("calendar.ics").is_file());
}

#[test]
fn a_search_index_file_changed_or_removed_by_hand_makes_the_index_again() {
    let (fx, _temp, output) = minimal_built();
    let manifest = output.join("search/index.txt");
    let original = fs::read(&manifest).expect("manifest");
    fs::remove_file(&manifest).expect("rm");
    fs::write(&manifest, b"shipboard-search 2\ndocs 0\n").expect("tamper");
    let stderr = build_into(&fx, &output, &[]);
    assert!(!index_kept(&stderr), "{stderr}");
    assert_eq!(fs::read(&manifest).expect("manifest"), original);
    // Whole again: the next build keeps it.
    assert!(index_kept(&build_into(&fx, &output, &[])));

    let shard = all_files(&output.join("search/t"))
        .into_iter()
        .next()
        .expect("a term shard");
    let original = fs::read(&shard).expect("shard");
    fs::remove_file(&shard).expect("rm");
    // The site the last build replaced still holds the very file the record describes
    // (the same inode, size and time), so the build restores it from there.
    build_into(&fx, &output, &[]);
    assert_eq!(fs::read(&shard).expect("shard"), original);
    // Without that site too, the index is made again.
    fs::remove_file(&shard).expect("rm");
    let spare = output.with_file_name(".site.shipboard-spare");
    assert!(
        spare.join(".shipboard-output").is_file(),
        "the replaced site is kept"
    );
    fs::remove_dir_all(&spare).expect("rm spare");
    let stderr = build_into(&fx, &output, &[]);
    assert!(!index_kept(&stderr), "{stderr}");
    assert_eq!(fs::read(&shard).expect("shard"), original);
}

#[test]
fn a_build_killed_before_publishing_leaves_a_record_the_next_build_can_use() {
    let (fx, temp, output) = minimal_built();
    edit(
        &fx,
        "releases/billing-1.2.0.md",
        "Invoices",
        "Invoices and receipts",
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_shipboard"))
        .args([
            "build",
            &fx.dir().display().to_string(),
            "--output",
            &output.display().to_string(),
        ])
        .env("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
        .env("SHIPBOARD_TEST_PAUSE_AT", "after-swap")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    wait_for_pause(&mut child);
    child.kill().expect("kill");
    child.wait().expect("reaped");
    // Killed after the new site was swapped in and before its record was written: the
    // old record describes the old site; the next build must not be fooled by it.
    build_into(&fx, &output, &[]);
    let clean = temp.path().join("clean");
    build_into(&fx, &clean, &["--full"]);
    assert_eq!(bytes_of(&output), bytes_of(&clean));
}

fn wait_for_pause(child: &mut std::process::Child) {
    use std::io::{BufRead, BufReader};
    let stderr = child.stderr.take().expect("piped");
    for line in BufReader::new(stderr).lines().map_while(Result::ok) {
        if line.contains("paused at after-swap") {
            return;
        }
    }
    panic!("the build never paused");
}

#[test]
fn a_moved_pinned_moment_renders_every_page_again() {
    let (fx, temp, output) = minimal_built();
    let (dir, out) = (fx.dir().display().to_string(), output.display().to_string());
    let later = (SOURCE_DATE_EPOCH.parse::<i64>().expect("epoch") + 60).to_string();
    let result = run_at(&["build", &dir, "--output", &out], None, &later);
    assert_eq!(result.code, Some(0), "{}", result.stderr);
    let clean = temp.path().join("clean");
    let result = run_at(
        &[
            "build",
            &dir,
            "--output",
            &clean.display().to_string(),
            "--full",
        ],
        None,
        &later,
    );
    assert_eq!(result.code, Some(0), "{}", result.stderr);
    assert_eq!(
        bytes_of(&output),
        bytes_of(&clean),
        "with SOURCE_DATE_EPOCH the output is a function of it"
    );
}

#[test]
fn with_the_real_clock_unchanged_pages_keep_the_moment_they_were_built_at() {
    let fx = Fixture::new("minimal");
    let temp = tempfile::tempdir().expect("temp");
    let output = temp.path().join("site");
    let build = || {
        let result = Command::new(env!("CARGO_BIN_EXE_shipboard"))
            .args([
                "build",
                &fx.dir().display().to_string(),
                "--output",
                &output.display().to_string(),
            ])
            .env_remove("SOURCE_DATE_EPOCH")
            .output()
            .expect("runs");
        assert!(
            result.status.success(),
            "{}",
            String::from_utf8_lossy(&result.stderr)
        );
        String::from_utf8_lossy(&result.stderr).into_owned()
    };
    build();
    let page = output.join("checklists/basic/index.html");
    let before = snapshot(&output)["checklists/basic/index.html"].clone();
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let second = build();
    assert!(!second.contains(", 0 unchanged)"), "{second}");
    // The page's facts did not change, so it was not rendered again: the same file, with
    // the first build's moment in it.
    let after = snapshot(&output)["checklists/basic/index.html"].clone();
    assert_eq!(after, before, "{} was made again", page.display());
}

/// The build record (the history cache's entries beside it are not build records).
fn only_record(root: &Path) -> PathBuf {
    let dir = root.join(".shipboard/cache");
    let records: Vec<PathBuf> = fs::read_dir(&dir)
        .expect("cache dir")
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            // The history, parse and search-text caches live beside the build record.
            !p.file_name().is_some_and(|n| {
                let n = n.to_string_lossy();
                n.starts_with("history-") || n.starts_with("parses-") || n == "search-text.bin"
            })
        })
        .collect();
    assert_eq!(records.len(), 1, "{records:?}");
    records.into_iter().next().expect("one")
}

fn bytes_of(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    snapshot(dir).into_iter().map(|(k, v)| (k, v.0)).collect()
}

#[test]
fn check_after_a_build_still_renders_every_page_whose_templates_or_data_changed() {
    let (fx, _temp, _) = minimal_built();
    let dir = fx.dir().display().to_string();
    let clean = run_at(&["check", &dir], None, SOURCE_DATE_EPOCH);
    assert_eq!(clean.code, Some(0), "{}", clean.stderr);
    // A template error that only the release pages meet: they were rendered before, with
    // other templates, so check must render them again and fail.
    let release = fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/default/templates/release.html"),
    )
    .expect("template");
    fx.write(
        "templates/release.html",
        &release.replacen("{{ r.version }}", "{{ r.no_such_field }}", 1),
    );
    let broken = run_at(&["check", &dir], None, SOURCE_DATE_EPOCH);
    let said = format!("{}{}", broken.stdout, broken.stderr);
    assert_eq!(broken.code, Some(1), "{said}");
    assert!(said.contains("no_such_field"), "{said}");
}

#[test]
fn a_static_file_named_like_a_generated_one_stops_the_build_and_the_site_stays() {
    let (fx, _temp, output) = minimal_built();
    let before = snapshot(&output);
    let dir = fx.dir().display().to_string();
    let out = output.display().to_string();
    for name in [
        "404.html",
        "sitemap.xml",
        "releases/billing/1.2.0/index.html",
    ] {
        fx.write(&format!("static/{name}"), "<p>mine</p>");
        for command in [vec!["build", &dir, "--output", &out], vec!["check", &dir]] {
            let result = run_at(&command, None, SOURCE_DATE_EPOCH);
            let said = format!("{}{}", result.stdout, result.stderr);
            assert_eq!(result.code, Some(1), "{name}: {said}");
            let expected = format!(
                "static/{name}: error: static/{name} has the path of a file the build generates"
            );
            assert!(said.contains(&expected), "{name}: {said}");
        }
        assert_eq!(snapshot(&output), before, "the published site is untouched");
        fs::remove_file(fx.dir().join("static").join(name)).expect("rm");
    }
    // Files only the build itself names are caught as it writes them, in whichever order.
    fx.write("static/api/releases.json", "[]");
    let result = run_at(&["build", &dir, "--output", &out], None, SOURCE_DATE_EPOCH);
    assert_eq!(result.code, Some(2), "{}", result.stderr);
    assert!(
        result
            .stderr
            .contains("two files of the site would be written to api/releases.json"),
        "{}",
        result.stderr
    );
    assert_eq!(snapshot(&output), before, "the published site is untouched");
}

#[test]
fn the_cache_never_shows_as_a_change_in_the_content_repo() {
    let fx = Fixture::new("minimal");
    git(&fx.dir(), &["init", "-q"]);
    git(&fx.dir(), &["add", "-A"]);
    git(&fx.dir(), &["commit", "-q", "-m", "content"]);
    let temp = tempfile::tempdir().expect("temp");
    build_into(&fx, &temp.path().join("site"), &[]);
    assert_eq!(
        only_record(&fx.dir()).extension().and_then(|e| e.to_str()),
        Some("txt")
    );
    let status = Command::new("git")
        .args(["status", "--porcelain", "--ignored=no"])
        .current_dir(fx.dir())
        .output()
        .expect("git status");
    let changes = String::from_utf8_lossy(&status.stdout);
    assert!(
        changes.trim().is_empty(),
        "the build left changes: {changes}"
    );
}

#[test]
fn a_corrupt_search_text_cache_is_made_again_and_the_site_is_the_clean_site() {
    let (fx, temp, output) = minimal_built();
    let texts = fx.dir().join(".shipboard/cache/search-text.bin");
    let good = fs::read(&texts).expect("the build keeps the release notes' search texts");
    // Lies about a text but keeps the length: only the checksum can tell.
    let mut lying = good.clone();
    let last = lying.len() - 1;
    lying[last] = if lying[last] == b'x' { b'y' } else { b'x' };
    for (what, bytes) in [("checksum", lying), ("truncated", good[..40].to_vec())] {
        fs::write(&texts, &bytes).expect("corrupt the cache");
        build_into(&fx, &output, &[]);
        let clean = temp.path().join(format!("clean-{what}"));
        build_into(&fx, &clean, &["--full"]);
        assert_eq!(bytes_of(&output), bytes_of(&clean), "{what}");
        assert_eq!(fs::read(&texts).expect("rewritten"), good, "{what}");
    }
}
