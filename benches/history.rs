//! History benchmark (issue 3): `history::read` on a generated monorepo of 100,000
//! commits and 1,000 release tags across 10 systems (each with `include_paths` and its own
//! tag pattern, all sharing the one repository), with a release file per tag.
//!
//! Run with `cargo bench --bench history`. It is a benchmark, not a timed test: it prints
//! figures (min/median wall time of `RUNS` runs, peak RSS from `VmHWM`) and asserts only
//! that the history was read. The repository is generated once with `git fast-import`
//! into `target/bench-history/repo-v<GENERATOR_VERSION>.git` and reused.

#[path = "history/generate.rs"]
mod generate;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::DateTime;
use semver::Version;
use shipboard::content::{
    Content, Portal, Release, ReleaseStatus, ReleaseType, ReleaseWindow, System,
};
use shipboard::diagnostics::SourceRef;
use shipboard::history;

const GENERATOR_VERSION: u32 = 2;
const RUNS: usize = 3;

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"))
}

/// A `/proc/self/status` figure in KiB (`VmHWM`, `RssAnon`, `RssFile`).
fn status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn peak_rss_kib() -> Option<u64> {
    status_kib("VmHWM:")
}

/// CPU time (user + system) of this process so far, from `/proc/self/stat`.
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after_name = stat.rsplit(')').next().unwrap_or("");
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // Fields 14 and 15 of the file (utime, stime) are 11 and 12 after the name.
    Duration::from_millis((ticks(11) + ticks(12)) * 10)
}

fn content(repo: &Path, tags: &[generate::Tag]) -> Content {
    let systems = (0..generate::SYSTEMS)
        .map(|n| System {
            repo: Some(repo.display().to_string()),
            tag_pattern: format!("sys{n}-v{{version}}"),
            commit_url: Some("https://git.example.com/mono/commit/{sha}".to_owned()),
            compare_url: Some("https://git.example.com/mono/compare/{from}...{to}".to_owned()),
            ticket_url: Some("https://tracker.example.com/browse/{id}".to_owned()),
            include_paths: if std::env::var_os("BENCH_NO_PATHS").is_some() {
                Vec::new()
            } else {
                vec![format!("services/sys{n}")]
            },
            ..System::new(
                &format!("sys{n}"),
                &format!("System {n}"),
                "priya",
                &format!("sys{n}-rollback"),
                SourceRef::new("portal.yaml", 3 + n as u32, 9),
            )
        })
        .collect();
    let releases = tags
        .iter()
        .map(|tag| {
            let file = format!("releases/sys{}-{}.md", tag.system, tag.version);
            let start = DateTime::from_timestamp(tag.time - 3600, 0).unwrap_or_default();
            let window = ReleaseWindow {
                start,
                end: start + chrono::Duration::hours(2),
                timezone: chrono_tz::UTC,
                source: SourceRef::new(&file, 6, 10),
            };
            let version = Version::parse(&tag.version).expect("generated version");
            Release::new(
                &format!("sys{}", tag.system),
                version,
                ReleaseType::Minor,
                ReleaseStatus::Released,
                window,
                "priya",
                &file,
            )
        })
        .collect();
    Content {
        portal: Portal {
            title: "Bench".to_owned(),
            base_url: "https://example.com/".to_owned(),
            timezone: chrono_tz::UTC,
            description: None,
            theme: None,
            runbook_review_days: 180,
            stale_after_hours: 36,
            reminder_hours: 24,
            feed_history_days: 90,
            freezes: Vec::new(),
            maintenance_windows: Vec::new(),
            approval_policy: BTreeMap::new(),
            checklists_by_type: BTreeMap::new(),
            import_freezes: Vec::new(),
            edit_url: None,
            required_phases: Default::default(),
            source: SourceRef::file("portal.yaml"),
        },
        systems,
        releases,
        runbooks: Vec::new(),
        people: Vec::new(),
        roles: Vec::new(),
        ladders: Vec::new(),
        rotations: Vec::new(),
        checklists: Vec::new(),
        plan: Default::default(),
    }
}

fn main() {
    let dir = target_dir().join("bench-history");
    let repo = dir.join(format!("repo-v{GENERATOR_VERSION}.git"));
    let started = Instant::now();
    let tags = if repo.join("HEAD").exists() && repo.join(".complete").exists() {
        generate::tags()
    } else {
        let _ = std::fs::remove_dir_all(&repo);
        let tags = generate::generate(&repo);
        std::fs::write(repo.join(".complete"), "").expect("mark generated repo complete");
        println!("generated {} in {:.1?}", repo.display(), started.elapsed());
        tags
    };
    let content = content(&repo, &tags);
    let content_root = tempfile::TempDir::new().expect("temp content dir");
    let rss_before = peak_rss_kib();
    let mut times: Vec<Duration> = Vec::new();
    let mut cpu: Vec<Duration> = Vec::new();
    let mut summary = String::new();
    for _ in 0..RUNS {
        let start = Instant::now();
        let cpu_start = cpu_time();
        let (facts, diagnostics) = history::read(content_root.path(), &content);
        times.push(start.elapsed());
        cpu.push(cpu_time() - cpu_start);
        let changelogs: usize = facts.systems.values().map(|s| s.changelogs.len()).sum();
        let listed: usize = facts
            .systems
            .values()
            .flat_map(|s| s.changelogs.iter().chain([&s.unreleased]))
            .map(|c| c.commit_count + c.merge_count)
            .sum();
        assert_eq!(changelogs, tags.len(), "every tag has a changelog");
        assert!(diagnostics.iter().all(|d| !d.is_error()), "{diagnostics:?}");
        for line in facts.debug.iter().filter(|l| l.contains(" in ")) {
            println!("  debug: {line}");
        }
        let resident = format!(
            "with the facts in memory: {} MiB anonymous, {} MiB file-backed",
            status_kib("RssAnon:").unwrap_or(0) / 1024,
            status_kib("RssFile:").unwrap_or(0) / 1024
        );
        summary = format!(
            "{} systems, {changelogs} changelogs, {listed} commits listed, {} warnings; {resident}",
            facts.systems.len(),
            diagnostics.len()
        );
    }
    times.sort();
    cpu.sort();
    println!(
        "history::read on {} commits / {} tags / {} systems:",
        generate::COMMITS,
        tags.len(),
        generate::SYSTEMS
    );
    println!("  {summary}");
    println!(
        "  wall time: min {:.3} s, median {:.3} s ({RUNS} runs)",
        times[0].as_secs_f64(),
        times[RUNS / 2].as_secs_f64()
    );
    println!(
        "  CPU time (user + system): median {:.2} s",
        cpu[RUNS / 2].as_secs_f64()
    );
    println!(
        "  peak RSS (VmHWM): {} MiB (before reading: {} MiB)",
        peak_rss_kib().unwrap_or(0) / 1024,
        rss_before.unwrap_or(0) / 1024
    );
}
