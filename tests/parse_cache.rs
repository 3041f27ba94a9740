//! The parse cache: `build` and `check` keep the parses of release and runbook files in
//! `.shipboard/cache/parses-*.bin` and parse only files whose text changed. A corrupt,
//! truncated or foreign cache is a miss, never an error and never trusted; an edited file
//! is parsed again, a deleted one forgotten; what a file's parse reports (a warning about
//! its text, an error `validate` finds at a line and column) is the same from the cache.
//! The real binary runs on copies of the `minimal` fixture.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use common::{all_files, run_at, Fixture, Output, SOURCE_DATE_EPOCH};

fn releases_cache(fx: &Fixture) -> PathBuf {
    fx.dir().join(".shipboard/cache/parses-releases.bin")
}

fn runbooks_cache(fx: &Fixture) -> PathBuf {
    fx.dir().join(".shipboard/cache/parses-runbooks.bin")
}

fn shipboard(fx: &Fixture, args: &[&str]) -> Output {
    let dir = fx.dir().display().to_string();
    let mut all = args.to_vec();
    all.extend(["-v", dir.as_str()]);
    run_at(&all, None, SOURCE_DATE_EPOCH)
}

fn build(fx: &Fixture, output: &Path, extra: &[&str]) -> String {
    let out = output.display().to_string();
    let mut args = vec!["build", "--output", out.as_str()];
    args.extend(extra);
    let result = shipboard(fx, &args);
    assert_eq!(result.code, Some(0), "build failed:\n{}", result.stderr);
    result.stderr
}

/// Every file of a site: relative path -> bytes.
fn site(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let files = all_files(dir).into_iter().map(|path| {
        let bytes = fs::read(&path).expect("read");
        (path.strip_prefix(dir).expect("inside").to_path_buf(), bytes)
    });
    files.collect()
}

/// The `-v` note saying how many parses the cache gave.
fn reused(stderr: &str) -> &str {
    stderr
        .lines()
        .find(|l| l.starts_with("note: parse cache: reused"))
        .unwrap_or_else(|| panic!("no parse cache note in:\n{stderr}"))
}

#[test]
fn a_second_build_reuses_every_parse_and_leaves_the_cache_as_it_is() {
    let fx = Fixture::new("minimal");
    let temp = tempfile::tempdir().expect("temp dir");
    let first = build(&fx, &temp.path().join("a"), &[]);
    assert_eq!(
        reused(&first),
        "note: parse cache: reused the parses of 0 of 2 release files and 0 of 2 runbook files"
    );
    assert!(first.contains("no parse cache of releases yet"), "{first}");
    let written = fs::read(releases_cache(&fx)).expect("the cache is written");
    let inode = |p: PathBuf| std::os::unix::fs::MetadataExt::ino(&fs::metadata(p).expect("stat"));
    let before = inode(releases_cache(&fx));
    let second = build(&fx, &temp.path().join("b"), &[]);
    assert_eq!(
        reused(&second),
        "note: parse cache: reused the parses of 2 of 2 release files and 2 of 2 runbook files"
    );
    assert_eq!(
        inode(releases_cache(&fx)),
        before,
        "nothing new: not written"
    );
    assert_eq!(fs::read(releases_cache(&fx)).expect("read"), written);
    assert_eq!(site(&temp.path().join("a")), site(&temp.path().join("b")));
    let full = build(&fx, &temp.path().join("c"), &["--full"]);
    assert!(reused(&full).contains("0 of 2 release files"), "{full}");
}

#[test]
fn a_corrupt_truncated_or_foreign_cache_builds_what_a_clean_build_builds() {
    let fx = Fixture::new("minimal");
    let temp = tempfile::tempdir().expect("temp dir");
    build(&fx, &temp.path().join("clean"), &["--full"]);
    let clean = site(&temp.path().join("clean"));
    let good = fs::read(releases_cache(&fx)).expect("the cache is written");
    let mut foreign_binary = good.clone();
    foreign_binary[10] ^= 0xff; // in the key that names the binary
    let mut foreign_format = good.clone();
    foreign_format[..8].copy_from_slice(b"SBPARSE0");
    let mut flipped = good.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 0x01;
    // Random bytes, the same each run (a linear congruential generator).
    let random: Vec<u8> = (0..good.len() as u32)
        .map(|i| (i.wrapping_mul(1_103_515_245).wrapping_add(12_345) >> 16) as u8)
        .collect();
    let cases = [
        ("random bytes", random),
        ("truncated", good[..good.len() / 2].to_vec()),
        ("truncated header", good[..20].to_vec()),
        ("empty", Vec::new()),
        ("another binary", foreign_binary),
        ("another format", foreign_format),
        ("a flipped bit", flipped),
    ];
    for (what, bytes) in cases {
        fs::write(releases_cache(&fx), &bytes).expect("write");
        fs::write(runbooks_cache(&fx), &bytes).expect("write");
        let output = temp.path().join(what.replace(' ', "-"));
        let stderr = build(&fx, &output, &[]);
        assert!(
            stderr.contains("is corrupt or from another version: ignored, written anew"),
            "{what}: {stderr}"
        );
        assert!(reused(&stderr).contains("0 of 2 release files"), "{what}");
        assert_eq!(
            site(&output),
            clean,
            "{what}: the site differs from a clean build"
        );
        assert_eq!(fs::read(releases_cache(&fx)).expect("read"), good, "{what}");
    }
}

#[test]
fn an_edited_release_is_parsed_again_and_a_deleted_one_forgotten() {
    let fx = Fixture::new("minimal");
    let temp = tempfile::tempdir().expect("temp dir");
    build(&fx, &temp.path().join("a"), &[]);
    let release = fx.read("releases/billing-1.2.0.md");
    let edited = release.replacen(
        "status: released\n",
        "status: released\ntitle: Invoices as PDF/A\n",
        1,
    );
    assert_ne!(edited, release);
    fx.write("releases/billing-1.2.0.md", &edited);
    let stderr = build(&fx, &temp.path().join("b"), &[]);
    assert!(reused(&stderr).contains("1 of 2 release files"), "{stderr}");
    let page = temp.path().join("b/releases/billing/1.2.0/index.html");
    let page = fs::read_to_string(page).expect("the release page");
    assert!(page.contains("Invoices as PDF/A"), "the new title shows");

    let cached = |fx: &Fixture, name: &str| {
        let bytes = fs::read(releases_cache(fx)).expect("read");
        bytes.windows(name.len()).any(|w| w == name.as_bytes())
    };
    assert!(cached(&fx, "releases/web-2.0.0.md"));
    fs::remove_file(fx.dir().join("releases/web-2.0.0.md")).expect("remove");
    let stderr = build(&fx, &temp.path().join("c"), &[]);
    assert!(reused(&stderr).contains("1 of 1 release files"), "{stderr}");
    assert!(
        !cached(&fx, "releases/web-2.0.0.md"),
        "a deleted file is forgotten"
    );
    assert!(cached(&fx, "releases/billing-1.2.0.md"));
    assert!(!temp.path().join("c/releases/web/2.0.0").exists());
}

#[test]
fn errors_and_warnings_read_the_same_from_the_cache() {
    let fx = Fixture::new("minimal");
    let release = fx.read("releases/billing-1.2.0.md");
    // A value cut by ` #` (a load warning) and an unknown person (a `validate` error at
    // the value's line and column).
    let broken = release
        .replacen("owner: ana\n", "owner: nobody-here\n", 1)
        .replacen(
            "rollout: canary\n",
            "rollout: canary\nstatus_note: waiting on #12 fix\n",
            1,
        );
    fx.write("releases/billing-1.2.0.md", &broken);
    let first = shipboard(&fx, &["check"]);
    assert!(
        reused(&first.stderr).contains("0 of 2 release files"),
        "{}",
        first.stderr
    );
    let second = shipboard(&fx, &["check"]);
    assert!(
        reused(&second.stderr).contains("2 of 2 release files"),
        "{}",
        second.stderr
    );
    assert_eq!(first.code, Some(1));
    assert_eq!(second.code, first.code);
    assert_eq!(second.stdout, first.stdout);
    let line = |needle: &str| {
        let found = second.stdout.lines().find(|l| l.contains(needle));
        found
            .unwrap_or_else(|| panic!("no {needle} in:\n{}", second.stdout))
            .trim()
            .to_owned()
    };
    assert!(
        line("error[owner]").ends_with(
            "releases/billing-1.2.0.md:9:8: error[owner]: unknown person \"nobody-here\""
        ),
        "{}",
        line("error[owner]")
    );
    assert!(
        line("warning[status_note]")
            .contains("releases/billing-1.2.0.md:15:25: warning[status_note]"),
        "{}",
        line("warning[status_note]")
    );
}

#[test]
fn a_read_only_cache_folder_is_no_error() {
    let fx = Fixture::new("minimal");
    let temp = tempfile::tempdir().expect("temp dir");
    let cache = fx.dir().join(".shipboard/cache");
    fs::create_dir_all(&cache).expect("mkdir");
    fs::write(fx.dir().join(".shipboard/.gitignore"), "*\n").expect("write");
    let mut permissions = fs::metadata(&cache).expect("stat").permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o555);
    fs::set_permissions(&cache, permissions).expect("chmod");
    let probe = cache.join("probe");
    if fs::write(&probe, "x").is_ok() {
        // Root ignores permissions: the folder cannot be made read-only here.
        fs::remove_file(&probe).expect("remove");
        fs::remove_dir_all(&cache).expect("remove");
        fs::write(fx.dir().join(".shipboard/cache"), "a file, not a folder").expect("write");
    }
    let stderr = build(&fx, &temp.path().join("a"), &[]);
    assert!(
        stderr.contains("could not save the parse cache"),
        "{stderr}"
    );
    assert!(temp.path().join("a/index.html").is_file());
}
