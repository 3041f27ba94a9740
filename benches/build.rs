//! Build benchmark (issue 2): `shipboard build` on a generated content repo of 10,000
//! releases and 1,000 runbooks (and a 1,000-release one for scale).
//!
//! Run with `cargo bench --bench build`. It is a benchmark, not a timed test: it asserts
//! nothing about speed, it prints a Markdown table (see BENCHMARKS.md).
//!
//! 1. Generates, deterministically (fixed seed, a small LCG), a valid content repo per size
//!    in `target/bench-content/<name>/`, reused when it was generated with the same
//!    parameters (`.bench-params` in it). Valid means: SemVer versions increasing per
//!    system, windows outside every freeze (one-off year-end freezes and a weekly Friday
//!    freeze) and not overlapping each other, approvals wherever the policy needs them,
//!    and every reference (system, person, role, runbook, checklist, ladder, rotation)
//!    resolving.
//! 2. Runs the real release binary as a child process,
//!    `shipboard build <dir> --output <out>` with `SOURCE_DATE_EPOCH=1795608000`, one
//!    warm-up and `RUNS` measured runs, under `/usr/bin/time -v` for the child's peak RSS
//!    and CPU time (wall time is measured here). The output folder is deleted before each
//!    run (untimed), so every run writes the whole site.
//! 3. Prints min/median wall time, median CPU time, peak RSS, files written and output
//!    size.
//!
//! The binary is the one `cargo bench` builds for this package (`CARGO_BIN_EXE_shipboard`,
//! the bench profile inherits `release`); otherwise `target/release/shipboard`, built with
//! `cargo build --release --bin shipboard` when missing.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use chrono::{
    Datelike, Duration as Days, NaiveDate, NaiveDateTime, NaiveTime, TimeZone as _, Weekday,
};

/// Bump when the generated content changes, so old generated repos are regenerated.
const GENERATOR_VERSION: u32 = 3;
const SEED: u64 = 0x5348_4950_424f_4152; // "SHIPBOAR"
const SOURCE_DATE_EPOCH: i64 = 1_795_608_000; // 2026-11-25 12:00 UTC
const RUNS: usize = 3;

/// One generated content repo.
#[derive(Clone, Copy)]
struct Params {
    name: &'static str,
    releases: usize,
    runbooks: usize,
    systems: usize,
    people: usize,
}

const SIZES: [Params; 2] = [
    Params {
        name: "releases-10000",
        releases: 10_000,
        runbooks: 1_000,
        systems: 20,
        people: 100,
    },
    Params {
        name: "releases-1000",
        releases: 1_000,
        runbooks: 100,
        systems: 20,
        people: 100,
    },
];

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let bench_dir = target.join("bench-content");
    let binary = locate_binary(&root, &target);
    let time = Path::new("/usr/bin/time");
    let time = time.exists().then_some(time);
    if time.is_none() {
        eprintln!("note: /usr/bin/time not found: peak RSS and CPU time are not reported");
    }
    println!("binary: {} ({})", binary.display(), git_revision(&root));
    println!(
        "machine: {} CPU(s) available, {} RAM, load average {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        mem_total(),
        load_average()
    );

    let mut rows = Vec::new();
    for params in SIZES {
        let dir = bench_dir.join(params.name);
        let started = Instant::now();
        let repo = ensure_content(&dir, &params);
        let input = repo.size;
        println!(
            "{}: {} content repo ({} files, {}; {}) in {:.1} s",
            params.name,
            if repo.reused { "reused" } else { "generated" },
            input.files,
            human_bytes(input.bytes),
            repo.history,
            started.elapsed().as_secs_f64()
        );
        let out = bench_dir.join(format!("out-{}", params.name));
        let mut runs = Vec::new();
        // Warm-up, RUNS fresh builds (output deleted first), then one rebuild over the
        // existing site (staging dir + swap + removing the old site, as on a laptop).
        let mut rebuild = None;
        for run in 0..=RUNS + 1 {
            let fresh = run <= RUNS;
            let load = load_average();
            let measured = build_once(&binary, time, &dir, &out, fresh);
            println!(
                "  {}: {:.2} s wall, {} CPU, {} peak RSS, {} warnings (load average before: {load})",
                match run {
                    0 => "warm-up".to_owned(),
                    _ if fresh => format!("run {run}"),
                    _ => "rebuild over the existing site".to_owned(),
                },
                measured.wall.as_secs_f64(),
                measured.cpu.map_or("n/a".into(), |c| format!("{c:.2} s")),
                measured.max_rss_kb.map_or("n/a".into(), |kb| human_bytes(kb * 1024)),
                measured.warnings
            );
            match run {
                0 => {}
                _ if fresh => runs.push(measured),
                _ => rebuild = Some(measured),
            }
        }
        let output = tree_size(&out);
        rows.push((params, input, runs, rebuild, output));
    }

    println!();
    println!(
        "| content repo | source files (size) | runs | wall min | wall median | CPU median (user+sys) | peak RSS (max) | rebuild over existing site | files on disk | output size |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for (params, input, runs, rebuild, output) in &rows {
        let mut walls: Vec<f64> = runs.iter().map(|r| r.wall.as_secs_f64()).collect();
        walls.sort_by(f64::total_cmp);
        let mut cpus: Vec<f64> = runs.iter().filter_map(|r| r.cpu).collect();
        cpus.sort_by(f64::total_cmp);
        let rss = runs.iter().filter_map(|r| r.max_rss_kb).max();
        println!(
            "| {} releases, {} runbooks, {} systems, {} people | {} ({}) | {} | {:.2} s | {:.2} s | {} | {} | {} | {} | {} |",
            thousands(params.releases),
            thousands(params.runbooks),
            params.systems,
            params.people,
            thousands(input.files),
            human_bytes(input.bytes),
            runs.len(),
            walls[0],
            median(&walls),
            if cpus.is_empty() {
                "n/a".to_owned()
            } else {
                format!("{:.2} s", median(&cpus))
            },
            rss.map_or("n/a".into(), |kb| human_bytes(kb * 1024)),
            rebuild.as_ref().map_or("n/a".into(), |r| format!(
                "{:.2} s wall, {} CPU",
                r.wall.as_secs_f64(),
                r.cpu.map_or("n/a".into(), |c| format!("{c:.2} s"))
            )),
            thousands(output.files),
            human_bytes(output.bytes),
        );
    }
}

fn median(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
}

// ---------------------------------------------------------------------------------------
// Running the binary
// ---------------------------------------------------------------------------------------

fn locate_binary(root: &Path, target: &Path) -> PathBuf {
    if let Some(path) = option_env!("CARGO_BIN_EXE_shipboard") {
        if Path::new(path).exists() {
            return PathBuf::from(path);
        }
    }
    let path = target
        .join("release")
        .join(format!("shipboard{}", std::env::consts::EXE_SUFFIX));
    if !path.exists() {
        eprintln!("building the release binary: cargo build --release --bin shipboard");
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "--release", "--bin", "shipboard"])
            .current_dir(root)
            .status()
            .expect("run cargo");
        assert!(status.success(), "cargo build --release failed");
    }
    path
}

struct Measured {
    wall: Duration,
    /// User + system seconds of the child.
    cpu: Option<f64>,
    max_rss_kb: Option<u64>,
    /// Warnings the build printed (valid content can still have some).
    warnings: usize,
}

fn build_once(
    binary: &Path,
    time: Option<&Path>,
    content: &Path,
    out: &Path,
    fresh: bool,
) -> Measured {
    if fresh && out.exists() {
        fs::remove_dir_all(out).expect("remove the previous output");
    }
    let report = out.with_extension("time");
    let mut command = match time {
        Some(time) => {
            let mut c = Command::new(time);
            c.arg("-v").arg("-o").arg(&report).arg(binary);
            c
        }
        None => Command::new(binary),
    };
    command
        .arg("build")
        .arg(content)
        .arg("--output")
        .arg(out)
        .env("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH.to_string());
    let started = Instant::now();
    let result = command.output().expect("run shipboard");
    let wall = started.elapsed();
    if !result.status.success() {
        let stderr = String::from_utf8_lossy(&result.stderr);
        let head: Vec<&str> = stderr.lines().take(40).collect();
        panic!(
            "shipboard build {} failed ({}): the generator made invalid content\n{}",
            content.display(),
            result.status,
            head.join("\n")
        );
    }
    let stderr = String::from_utf8_lossy(&result.stderr);
    let warnings: Vec<&str> = stderr.lines().filter(|l| l.contains(": warning")).collect();
    for warning in warnings.iter().take(5) {
        println!("    {warning}");
    }
    let (mut cpu, mut max_rss_kb) = (None, None);
    if time.is_some() {
        let text = fs::read_to_string(&report).unwrap_or_default();
        let field = |name: &str| {
            text.lines()
                .find_map(|l| l.trim().strip_prefix(name))
                .and_then(|v| v.trim().parse::<f64>().ok())
        };
        if let (Some(user), Some(sys)) = (
            field("User time (seconds):"),
            field("System time (seconds):"),
        ) {
            cpu = Some(user + sys);
        }
        max_rss_kb = field("Maximum resident set size (kbytes):").map(|kb| kb as u64);
        let _ = fs::remove_file(&report);
    }
    Measured {
        wall,
        cpu,
        max_rss_kb,
        warnings: warnings.len(),
    }
}

#[derive(Default, Clone, Copy)]
struct TreeSize {
    files: usize,
    bytes: u64,
}

fn tree_size(dir: &Path) -> TreeSize {
    let mut size = TreeSize::default();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                stack.push(entry.path());
            } else if kind.is_file() {
                size.files += 1;
                size.bytes += entry.metadata().map_or(0, |m| m.len());
            }
        }
    }
    size
}

/// The 1-, 5- and 15-minute load averages: the machine may be shared.
fn load_average() -> String {
    fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|t| t.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| "unknown".into())
}

/// The commit the binary was built from, "+ uncommitted changes" when the tree is dirty.
fn git_revision(root: &Path) -> String {
    let git = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .current_dir(root)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
    };
    match git(&["rev-parse", "--short", "HEAD"]) {
        Some(rev) => match git(&["status", "--porcelain", "--untracked-files=no"]) {
            Some(status) if !status.is_empty() => format!("{rev} + uncommitted changes"),
            _ => rev,
        },
        None => "not a git checkout".into(),
    }
}

fn mem_total() -> String {
    fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map_or("unknown".into(), |kb| human_bytes(kb * 1024))
}

fn human_bytes(bytes: u64) -> String {
    let b = bytes as f64;
    if b >= 1024.0 * 1024.0 * 1024.0 {
        format!("{:.2} GiB", b / (1024.0 * 1024.0 * 1024.0))
    } else if b >= 1024.0 * 1024.0 {
        format!("{:.1} MiB", b / (1024.0 * 1024.0))
    } else {
        format!("{:.1} KiB", b / 1024.0)
    }
}

fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

// ---------------------------------------------------------------------------------------
// Generating the content repo
// ---------------------------------------------------------------------------------------

/// The content files proper (not the git repositories).
const CONTENT_PATHS: [&str; 5] = [
    "portal.yaml",
    "contacts.yaml",
    "checklists",
    "releases",
    "runbooks",
];

/// What `ensure_content` found or made.
struct ContentRepo {
    reused: bool,
    /// The content files (`CONTENT_PATHS`).
    size: TreeSize,
    /// "N commits, M tags in K system repositories".
    history: String,
}

fn ensure_content(dir: &Path, params: &Params) -> ContentRepo {
    let stamp = format!(
        "generator {GENERATOR_VERSION}, seed {SEED:#x}, releases {}, runbooks {}, systems {}, people {}\n",
        params.releases, params.runbooks, params.systems, params.people
    );
    let size = |dir: &Path| {
        CONTENT_PATHS.iter().fold(TreeSize::default(), |acc, p| {
            let s = tree_size(&dir.join(p));
            TreeSize {
                files: acc.files + s.files,
                bytes: acc.bytes + s.bytes,
            }
        })
    };
    let summary_file = dir.join(".bench-history");
    if fs::read_to_string(dir.join(".bench-params"))
        .ok()
        .as_deref()
        == Some(stamp.as_str())
    {
        return ContentRepo {
            reused: true,
            size: size(dir),
            history: fs::read_to_string(&summary_file)
                .unwrap_or_default()
                .trim()
                .to_owned(),
        };
    }
    let generated = generate(params);
    // Write beside, then swap, so an interrupted run never leaves a half repo that looks done.
    let staging = dir.with_extension("partial");
    if staging.exists() {
        fs::remove_dir_all(&staging).expect("remove staging");
    }
    for (relative, text) in &generated.files {
        let path = staging.join(relative);
        fs::create_dir_all(path.parent().unwrap()).expect("create dir");
        fs::write(&path, text).expect("write content file");
    }
    let people = people(params.people);
    let (mut commits, mut tags) = (0, 0);
    for history in &generated.histories {
        let repo = staging
            .join("repos")
            .join(format!("{}.git", history.system));
        write_system_repo(&repo, history, &people);
        commits += history.commits.len();
        tags += history.commits.iter().filter(|c| c.tag.is_some()).count();
    }
    commit_content(&staging);
    let history = format!(
        "{} commits, {} tags in {} system repositories",
        thousands(commits),
        thousands(tags),
        generated.histories.len()
    );
    fs::write(staging.join(".bench-history"), format!("{history}\n")).expect("write summary");
    fs::write(staging.join(".bench-params"), &stamp).expect("write stamp");
    if dir.exists() {
        fs::remove_dir_all(dir).expect("remove old content");
    }
    fs::rename(&staging, dir).expect("move content into place");
    ContentRepo {
        reused: false,
        size: size(dir),
        history,
    }
}

// ---------------------------------------------------------------------------------------
// Generating the git history
// ---------------------------------------------------------------------------------------

/// The history of one system's repository, oldest commit first.
struct RepoHistory {
    system: &'static str,
    tag_prefix: String,
    commits: Vec<GenCommit>,
}

struct GenCommit {
    author: usize,
    /// Unix seconds.
    at: i64,
    subject: String,
    body: Option<String>,
    file: &'static str,
    /// An annotated tag on this commit: version and tagger time (Unix seconds).
    tag: Option<(String, i64)>,
}

/// Even systems tag `v1.2.3`, odd ones `<system>-v1.2.3`.
fn tag_prefix(index: usize, id: &str) -> String {
    if index.is_multiple_of(2) {
        "v".to_owned()
    } else {
        format!("{id}-v")
    }
}

struct HistoryInput {
    version: String,
    kind: &'static str,
    status: &'static str,
    start: NaiveDateTime,
    now: NaiveDateTime,
    written: Written,
}

const SOURCE_FILES: [&str; 8] = [
    "src/api.rs",
    "src/handlers.rs",
    "src/store.rs",
    "src/config.rs",
    "src/jobs.rs",
    "src/metrics.rs",
    "migrations/schema.sql",
    "docs/operations.md",
];
const SCOPES: [&str; 6] = ["api", "store", "jobs", "config", "ui", "deps"];

fn unix(local: NaiveDateTime, zone: &str) -> i64 {
    let tz: chrono_tz::Tz = zone.parse().expect("known zone");
    tz.from_local_datetime(&local)
        .earliest()
        .expect("release slots avoid DST gaps")
        .timestamp()
}

/// Adds the commits (1-4, conventional messages naming the release's tickets) of one
/// release and, once it shipped or is being deployed, its tag, dated in the window (5 %
/// slipped by 1-3 days). Cancelled releases leave their commits for the next tag; work
/// for releases more than two weeks ahead has not started.
fn history_of_release(rng: &mut Lcg, history: &mut RepoHistory, r: HistoryInput) {
    if r.start >= r.now + Days::days(14) {
        return;
    }
    let start = unix(r.start, r.written.zone);
    let end = unix(r.written.end, r.written.zone);
    let n = 1 + rng.below(4);
    for j in 0..n {
        let ticket = &r.written.tickets[j % r.written.tickets.len()];
        let change = rng.pick(&CHANGES).to_lowercase();
        let scope = rng.pick(&SCOPES);
        let (subject, body) = match (r.kind, j) {
            ("major", 0) => (
                format!(
                    "feat({scope})!: {} ({ticket})",
                    r.written.title.to_lowercase()
                ),
                Some("BREAKING CHANGE: the v1 endpoints are gone; clients use v2.".to_owned()),
            ),
            ("patch" | "emergency", _) => (format!("fix({scope}): {change} ({ticket})"), None),
            _ => {
                let kind = rng.pick(&["feat", "feat", "fix", "perf", "refactor", "docs", "chore"]);
                (format!("{kind}({scope}): {change} ({ticket})"), None)
            }
        };
        let earliest = history.commits.last().map_or(0, |c| c.at + 60);
        let at = (start - (n - j) as i64 * 5 * 3600 - rng.below(3600) as i64).max(earliest);
        history.commits.push(GenCommit {
            author: r.written.authors[j % 2],
            at,
            subject,
            body,
            file: SOURCE_FILES[rng.below(SOURCE_FILES.len())],
            tag: None,
        });
    }
    if matches!(r.status, "released" | "rolled-back" | "in-progress") {
        let at = if rng.chance(5) {
            end + (1 + rng.below(3) as i64) * 86_400
        } else {
            start + 600 + rng.below(1800) as i64
        };
        history.commits.last_mut().expect("just pushed").tag = Some((r.version, at));
    }
}

/// `git` isolated from the user's and the system's configuration.
fn git(dir: Option<&Path>) -> Command {
    let mut command = Command::new("git");
    if let Some(dir) = dir {
        command.current_dir(dir);
    }
    command
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .args([
            "-c",
            "core.hooksPath=/dev/null",
            "-c",
            "commit.gpgsign=false",
        ]);
    command
}

fn run(mut command: Command, what: &str) {
    let status = command
        .status()
        .unwrap_or_else(|e| panic!("{what}: cannot run git ({e}); the bench needs git"));
    assert!(status.success(), "{what} failed: {status}");
}

/// A bare repository with the system's history, written with `git fast-import`.
fn write_system_repo(path: &Path, history: &RepoHistory, people: &[Person]) {
    let mut init = git(None);
    init.args(["init", "-q", "--bare", "--initial-branch=main"])
        .arg(path);
    run(init, "git init --bare");
    let mut stream = String::new();
    let data = |stream: &mut String, text: &str| {
        let _ = write!(stream, "data {}\n{text}\n", text.len());
    };
    for (k, c) in history.commits.iter().enumerate() {
        let who = &people[c.author];
        let _ = writeln!(stream, "commit refs/heads/main\nmark :{}", k + 1);
        for role in ["author", "committer"] {
            let _ = writeln!(
                stream,
                "{role} {} <{}@bench.example> {} +0000",
                who.name, who.id, c.at
            );
        }
        let message = match &c.body {
            Some(body) => format!("{}\n\n{body}\n", c.subject),
            None => format!("{}\n", c.subject),
        };
        data(&mut stream, &message);
        if k == 0 {
            stream.push_str("M 100644 inline README.md\n");
            data(
                &mut stream,
                &format!("# {}\n\nGenerated by benches/build.rs.\n", history.system),
            );
        }
        let _ = writeln!(stream, "M 100644 inline {}", c.file);
        data(
            &mut stream,
            &format!(
                "// {} {}\n// {}\nchange = {k}\n",
                history.system, c.file, c.subject
            ),
        );
        stream.push('\n');
    }
    for (k, c) in history.commits.iter().enumerate() {
        if let Some((version, at)) = &c.tag {
            let who = &people[c.author];
            let _ = writeln!(
                stream,
                "tag {}{version}\nfrom :{}",
                history.tag_prefix,
                k + 1
            );
            let _ = writeln!(
                stream,
                "tagger {} <{}@bench.example> {at} +0000",
                who.name, who.id
            );
            data(&mut stream, &format!("{} {version}\n", history.system));
        }
    }
    let mut import = git(None);
    import
        .arg("--git-dir")
        .arg(path)
        .args(["fast-import", "--quiet"])
        .stdin(std::process::Stdio::piped());
    let mut child = import.spawn().expect("run git fast-import");
    {
        use std::io::Write as _;
        let mut stdin = child.stdin.take().expect("stdin");
        stdin
            .write_all(stream.as_bytes())
            .expect("feed git fast-import");
    }
    let status = child.wait().expect("wait for git fast-import");
    assert!(status.success(), "git fast-import failed: {status}");
}

/// Makes the content dir a git repository of its own (one commit, fixed dates), so the
/// build does not discover an enclosing repository and runbooks get a review date.
fn commit_content(dir: &Path) {
    let mut init = git(Some(dir));
    init.args(["init", "-q", "--initial-branch=main"]);
    run(init, "git init");
    fs::write(
        dir.join(".git/info/exclude"),
        "repos/\n.bench-params\n.bench-history\n",
    )
    .expect("write exclude");
    let mut add = git(Some(dir));
    add.arg("add").args(CONTENT_PATHS);
    run(add, "git add");
    let mut commit = git(Some(dir));
    commit
        .args([
            "commit",
            "-q",
            "-m",
            "Bench content generated by benches/build.rs",
        ])
        .env("GIT_AUTHOR_NAME", "Bench")
        .env("GIT_AUTHOR_EMAIL", "bench@bench.example")
        .env("GIT_AUTHOR_DATE", "2026-10-01T09:00:00+00:00")
        .env("GIT_COMMITTER_NAME", "Bench")
        .env("GIT_COMMITTER_EMAIL", "bench@bench.example")
        .env("GIT_COMMITTER_DATE", "2026-10-01T09:00:00+00:00");
    run(commit, "git commit");
}

/// A 64-bit LCG (Knuth's MMIX constants); the high bits are good enough for picking.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    /// True with probability `percent`/100.
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

#[rustfmt::skip]
const SYSTEMS: [(&str, &str, &str); 20] = [
    ("storefront", "Storefront", "The customer-facing web shop: product pages, basket and checkout screens."),
    ("payments", "Payments API", "Card, wallet and SEPA direct-debit payments, refunds and webhooks."),
    ("ledger", "Ledger", "Double-entry bookkeeping for orders, refunds and merchant payouts."),
    ("search", "Product Search", "Product search, filters and autocomplete."),
    ("identity", "Identity", "Customer accounts, login, sessions, passkeys and OAuth."),
    ("notifications", "Notifications", "Order and shipping e-mails, push notifications and SMS."),
    ("inventory", "Inventory", "Stock levels per warehouse and reservations for open baskets."),
    ("pricing", "Pricing", "Price lists, promotions and vouchers."),
    ("shipping", "Shipping", "Carrier selection, labels and tracking."),
    ("returns", "Returns", "Return requests, labels and refunds on receipt."),
    ("recommendations", "Recommendations", "Related products and personalised ranking."),
    ("loyalty", "Loyalty", "Points, tiers and member offers."),
    ("catalog", "Catalog", "Product data, media and categories."),
    ("checkout", "Checkout Service", "Basket to order: totals, taxes and order creation."),
    ("fraud", "Fraud Screening", "Risk scoring of orders and payments."),
    ("reporting", "Reporting", "Finance and operations reports, nightly exports."),
    ("warehouse", "Warehouse Integration", "Pick lists and dispatch confirmations from the warehouses."),
    ("mobile-api", "Mobile API", "Backend-for-frontend of the iOS and Android apps."),
    ("partner-api", "Partner API", "Marketplace sellers: listings, orders and payouts."),
    ("media", "Media Service", "Image resizing and the product image CDN origin."),
];

#[rustfmt::skip]
const FIRST: [&str; 25] = [
    "ada", "ben", "chioma", "dana", "elif", "farid", "greta", "hana", "ivan", "jonas", "kenji",
    "lea", "mateo", "noor", "olu", "priya", "quinn", "rahul", "sofia", "tomas", "uma", "vera",
    "wei", "yusuf", "zainab",
];
#[rustfmt::skip]
const LAST: [&str; 20] = [
    "becker", "raman", "okafor", "watanabe", "delgado", "nowak", "demir", "rossi", "yusuf",
    "haddad", "silva", "tan", "kowalski", "larsen", "moreau", "novak", "petrov", "schmidt",
    "costa", "ito",
];

#[rustfmt::skip]
const ROLES: [(&str, &str, [&str; 4]); 11] = [
    ("system-owner", "System owner", ["needed", "needed", "needed", "needed"]),
    ("developer", "Developer", ["needed", "needed", "needed", "needed"]),
    ("sre", "Site reliability engineer", ["", "needed", "needed", "needed"]),
    ("qa-lead", "QA lead", ["needed", "", "", "when the failure is a regression"]),
    ("product-owner", "Product owner", ["for major releases", "", "", "needed"]),
    ("release-manager", "Release manager", ["needed", "needed", "", "needed"]),
    ("deployment-engineer", "Deployment engineer", ["", "needed", "needed", "needed"]),
    ("cto", "CTO", ["", "", "", "for customer-facing outages over 30 minutes"]),
    ("tech-lead", "Tech lead", ["needed", "", "", "needed"]),
    ("support-lead", "Support lead", ["", "", "needed", "needed"]),
    ("security-engineer", "Security engineer", ["for security fixes", "", "", "for security incidents"]),
];

const STAGES: [&str; 4] = ["verify", "deploy", "monitor", "failed_deploy"];

/// The three checklist templates, as written in `checklists/<id>.yaml`.
const CHECKLISTS: [(&str, &str); 3] = [
    (
        "standard-rollout",
        r#"title: Standard rollout
description: Every minor and patch release.
phases:
  - id: planning
    title: Planning
    items:
      - {id: ticket-filed, text: "Release ticket filed with scope, versions and expected benefit.", owner: release-manager}
      - {id: window-booked, text: "Window booked on the calendar, outside every freeze.", owner: release-manager}
      - {id: dependencies-checked, text: "Versions of dependent systems confirmed live.", owner: developer}
  - id: testing
    title: Testing
    items:
      - {id: regression-green, text: "Regression suite green on the release candidate.", owner: qa-lead}
      - {id: staging-soak, text: "Release candidate ran on staging for 24 hours without new errors.", owner: qa-lead}
  - id: pre-deployment
    title: Pre-deployment
    items:
      - {id: rollback-tested, text: "Rollback runbook read; previous artifact in the registry.", owner: deployment-engineer}
      - {id: support-briefed, text: "Support briefed on visible changes.", owner: support-lead}
  - id: deployment
    title: Deployment
    items:
      - {id: canary, text: "Canary at 5 % for 15 minutes; error rate and latency flat.", owner: sre}
      - {id: full-rollout, text: "Rolled out to 100 %.", owner: deployment-engineer}
  - id: post-deployment
    title: Post-deployment
    items:
      - {id: smoke, text: "Smoke tests pass in production.", owner: developer}
      - {id: monitor-hour, text: "Dashboards watched for one hour.", owner: sre}
      - {id: announce, text: "Release announced in #releases.", owner: release-manager}
"#,
    ),
    (
        "production-readiness",
        r#"title: Production readiness
description: Every major release.
phases:
  - id: design
    title: Design
    items:
      - {id: review, text: "Architecture review held and recorded.", owner: tech-lead}
      - {id: threat-model, text: "Threat model updated.", owner: security-engineer}
  - id: operations
    title: Operations
    items:
      - {id: alerts, text: "Alerts for the golden signals, routed to the on-call rotation.", owner: sre}
      - {id: dashboards, text: "Dashboard linked from the runbook.", owner: sre}
      - {id: capacity, text: "Load test at twice the expected peak.", owner: developer}
  - id: rollout
    title: Rollout
    items:
      - {id: feature-flag, text: "New behaviour behind a flag that can be switched off.", owner: developer}
      - {id: rollback-plan, text: "Rollback rehearsed on staging.", owner: deployment-engineer}
      - {id: sign-off, text: "Product owner sign-off recorded.", owner: product-owner}
"#,
    ),
    (
        "hotfix",
        r#"title: Emergency hotfix
description: The short path for a critical fix that cannot wait for the next window.
phases:
  - id: approval
    title: Approval
    items:
      - {id: hotfix-ticket, text: "Ticket opened with a HOTFIX- prefix and a one-line justification.", owner: developer}
      - {id: approval, text: "CTO (or tech lead) approval recorded with time and name.", owner: release-manager}
  - id: deployment
    title: Deployment
    items:
      - {id: rollback-ready, text: "Previous artifact confirmed; rollback runbook open.", owner: deployment-engineer}
      - {id: deploy, text: "Fix deployed from a tagged build.", owner: deployment-engineer}
      - {id: watch, text: "Broken flow watched live while it rolls out.", owner: developer}
  - id: post-deployment
    title: Post-deployment
    items:
      - {id: notify, text: "Stakeholders told what broke and what was deployed.", owner: support-lead}
      - {id: merge-back, text: "Fix merged back to main with a test.", owner: developer}
"#,
    ),
];

#[rustfmt::skip]
const VERBS: [&str; 16] = [
    "Faster", "Safer", "Simpler", "Cheaper", "Quieter", "Smarter", "Leaner", "Clearer", "Better",
    "Resilient", "Batched", "Cached", "Streamed", "Retried", "Audited", "Localised",
];
#[rustfmt::skip]
const NOUNS: [&str; 24] = [
    "refunds", "basket totals", "order e-mails", "search ranking", "wallet top-ups", "payouts",
    "login sessions", "stock reservations", "voucher checks", "carrier labels", "image resizing",
    "price lists", "return labels", "webhook delivery", "fraud scores", "nightly exports",
    "push notifications", "product feeds", "partner listings", "tax rounding", "address lookup",
    "passkeys", "pick lists", "member offers",
];
#[rustfmt::skip]
const SENTENCES: [&str; 16] = [
    "The change is behind a feature flag that defaults to off for the first hour.",
    "Customers see no difference until the flag is switched on per market.",
    "Latency at the 99th percentile drops by roughly a third in the staging load test.",
    "The database migration only adds columns; it is safe to roll back the code without it.",
    "Old clients keep working: the previous response fields are still sent.",
    "Support has a short note with the visible changes and the known limitations.",
    "Error handling now retries twice with jitter before giving up.",
    "Metrics for the new path are on the system dashboard under \"Release\".",
    "The rollout starts with one market and widens after the canary is clean.",
    "Configuration moved from environment variables to the config service.",
    "A nightly job cleans up the records the old code left behind.",
    "Alert thresholds were tuned after the last incident review.",
    "This release removes a dependency that reached end of life.",
    "Logs no longer contain full card numbers or e-mail addresses.",
    "The API returns `409 Conflict` instead of `500` for duplicate requests.",
    "Translations for the new screens are complete in all shop languages.",
];
#[rustfmt::skip]
const CHANGES: [&str; 16] = [
    "New endpoint for partial refunds", "Idempotency keys on every write",
    "Retry with exponential backoff on carrier timeouts", "Cached price lookups for 60 seconds",
    "Smaller images on slow connections", "Audit log entries for admin changes",
    "Dark-launch of the new ranking model", "Removed the legacy XML export",
    "Pagination on the order history", "Rate limits per partner key",
    "Structured logs with request ids", "Graceful shutdown within 20 seconds",
    "Connection pool sized per pod", "Time zones stored as IANA names",
    "Health check covers the message queue", "Fewer database round trips on checkout",
];
#[rustfmt::skip]
const FLAGS: [&str; 8] = [
    "partial_refunds", "new_ranking", "fast_checkout", "async_labels", "passkey_login",
    "batched_payouts", "smart_retry", "image_avif",
];

struct Person {
    id: String,
    name: String,
}

fn people(count: usize) -> Vec<Person> {
    (0..count)
        .map(|i| {
            let first = FIRST[i % FIRST.len()];
            let last = LAST[(i / FIRST.len() + i) % LAST.len()];
            let cap = |s: &str| {
                let mut c = s.chars();
                c.next()
                    .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                    .unwrap_or_default()
            };
            Person {
                id: format!("{first}-{last}"),
                name: format!("{} {}", cap(first), cap(last)),
            }
        })
        .collect()
}

/// Who holds which role. People 0.. are assigned in blocks so that every role has holders.
struct Staff {
    owners: Vec<usize>, // system i -> person
    cto: usize,
    tech_leads: Vec<usize>,
    qa_leads: Vec<usize>,
    product_owners: Vec<usize>,
    release_managers: Vec<usize>,
    sres: Vec<usize>,
    deployers: Vec<usize>,
    developers: Vec<usize>,
}

fn staff(systems: usize, people: usize) -> Staff {
    assert!(people >= systems + 40, "need more people");
    let range = |from: usize, n: usize| (from..from + n).collect::<Vec<_>>();
    let s = systems;
    Staff {
        owners: range(0, s),
        cto: s,
        tech_leads: range(s + 1, 4),
        qa_leads: range(s + 5, 6),
        product_owners: range(s + 11, 6),
        release_managers: range(s + 17, 3),
        sres: range(s + 20, 10),
        deployers: range(s + 30, 6),
        developers: range(s + 36, people - s - 36),
    }
}

/// A generated content repo: its files, and the git history of each system's repository.
struct Generated {
    files: BTreeMap<String, String>,
    histories: Vec<RepoHistory>,
}

fn generate(params: &Params) -> Generated {
    let mut rng = Lcg(SEED ^ params.releases as u64);
    let people = people(params.people);
    let staff = staff(params.systems, params.people);
    let systems = &SYSTEMS[..params.systems];
    let mut files = BTreeMap::new();

    // Runbooks first: releases link to them. Each system gets its rollback runbook; the rest
    // rotate over systems and kinds, with every 20th one not tied to a system.
    let mut runbooks: Vec<(String, &str, Option<usize>)> = Vec::new(); // slug, kind, system
    for (i, _) in systems.iter().enumerate() {
        runbooks.push((format!("{}-rollback", systems[i].0), "rollback", Some(i)));
    }
    let kinds = [
        "deploy",
        "verification",
        "hotfix",
        "rollback",
        "other",
        "deploy",
    ];
    let mut k = 0;
    while runbooks.len() < params.runbooks {
        let n = runbooks.len();
        let kind = kinds[k % kinds.len()];
        if n.is_multiple_of(20) {
            runbooks.push((format!("ops-{kind}-{n}"), kind, None));
        } else {
            let sys = k % systems.len();
            runbooks.push((format!("{}-{kind}-{n}", systems[sys].0), kind, Some(sys)));
        }
        k += 1;
    }
    let mut deploy_runbooks: Vec<Vec<&str>> = vec![Vec::new(); systems.len()];
    for (slug, kind, system) in &runbooks {
        if let Some(s) = system {
            if *kind == "deploy" || *kind == "verification" {
                deploy_runbooks[*s].push(slug);
            }
        }
    }
    for (slug, kind, system) in &runbooks {
        let owner = match system {
            Some(s) => staff.owners[*s],
            None => *rng.pick(&staff.sres),
        };
        let text = runbook_file(
            &mut rng,
            slug,
            kind,
            system.map(|s| systems[s]),
            &people[owner].id,
        );
        files.insert(format!("runbooks/{slug}.md"), text);
    }

    files.insert("portal.yaml".into(), portal_yaml(systems, &people, &staff));
    files.insert(
        "contacts.yaml".into(),
        contacts_yaml(systems, &people, &staff),
    );
    for (id, yaml) in CHECKLISTS {
        files.insert(format!("checklists/{id}.yaml"), yaml.to_owned());
    }

    // Release windows: 4 slots a day (local time of the window's zone), skipping the
    // year-end freezes (20 Dec 00:00 - 3 Jan 00:00) and Fridays (weekly freeze). Slots are
    // at least 4 h apart and windows last at most 90 min, so no two windows overlap even
    // when a window is written in London or UTC time (at most 2 h from Berlin), and no
    // slot is near a DST change (02:00/03:00).
    let slot_times = [(5, 0), (10, 0), (14, 0), (20, 0)];
    let mut slots: Vec<NaiveDateTime> = Vec::new();
    let mut day = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap();
    let last = NaiveDate::from_ymd_opt(2030, 12, 31).unwrap();
    while day <= last {
        let frozen = (day.month() == 12 && day.day() >= 20) || (day.month() == 1 && day.day() < 3);
        if !frozen && day.weekday() != Weekday::Fri {
            for (h, m) in slot_times {
                slots.push(day.and_time(NaiveTime::from_hms_opt(h, m, 0).unwrap()));
            }
        }
        day += Days::days(1);
    }
    assert!(slots.len() >= params.releases, "not enough slots");
    // "Now" in Berlin winter time, for realistic statuses.
    let now = NaiveDate::from_ymd_opt(2026, 11, 25)
        .unwrap()
        .and_hms_opt(13, 0, 0)
        .unwrap();
    let starts: Vec<NaiveDateTime> = (0..params.releases)
        .map(|i| slots[i * slots.len() / params.releases])
        .collect();
    let past = starts.iter().filter(|s| **s < now).count();

    let mut versions: Vec<Option<(u64, u64, u64)>> = vec![None; systems.len()];
    let mut histories: Vec<RepoHistory> = systems
        .iter()
        .enumerate()
        .map(|(i, s)| RepoHistory {
            system: s.0,
            tag_prefix: tag_prefix(i, s.0),
            commits: Vec::new(),
        })
        .collect();
    for (i, start) in starts.iter().enumerate() {
        let sys = rng.below(systems.len());
        let mut kind = match rng.below(100) {
            0..=7 => "major",
            8..=44 => "minor",
            45..=93 => "patch",
            _ => "emergency",
        };
        let version = match (versions[sys], kind) {
            (None, _) => {
                kind = "major";
                (1, 0, 0)
            }
            (Some((a, _, _)), "major") => (a + 1, 0, 0),
            (Some((a, b, _)), "minor") => (a, b + 1, 0),
            (Some((a, b, c)), _) => (a, b, c + 1),
        };
        versions[sys] = Some(version);
        // The last three releases that started before "now" are in progress.
        let status = if *start < now {
            if i + 3 >= past {
                "in-progress"
            } else {
                match rng.below(100) {
                    0..=85 => "released",
                    86..=93 => "rolled-back",
                    _ => "cancelled",
                }
            }
        } else if *start < now + Days::days(30) {
            match rng.below(100) {
                0..=59 => "approved",
                60..=91 => "planned",
                _ => "cancelled",
            }
        } else {
            match rng.below(100) {
                0..=84 => "planned",
                85..=94 => "approved",
                _ => "cancelled",
            }
        };
        let deps: Vec<(usize, (u64, u64, u64))> = if rng.chance(15) {
            let other = (sys + 1 + rng.below(systems.len() - 1)) % systems.len();
            versions[other]
                .map(|v| vec![(other, v)])
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        let (text, written) = release_file(
            &mut rng,
            ReleaseSpec {
                system: systems[sys],
                version,
                kind,
                status,
                start: *start,
                deps: deps.iter().map(|(o, v)| (systems[*o].0, *v)).collect(),
                runbooks: &deploy_runbooks[sys],
                owner: &people[staff.owners[sys]].id,
            },
            &people,
            &staff,
        );
        let (a, b, c) = version;
        files.insert(format!("releases/{}-{a}.{b}.{c}.md", systems[sys].0), text);
        history_of_release(
            &mut rng,
            &mut histories[sys],
            HistoryInput {
                version: format!("{a}.{b}.{c}"),
                kind,
                status,
                start: *start,
                now,
                written,
            },
        );
    }
    Generated { files, histories }
}

fn portal_yaml(systems: &[(&str, &str, &str)], people: &[Person], staff: &Staff) -> String {
    let mut y = String::from(
        "title: Bench Commerce Release Portal\n\
         base_url: https://releases.bench.example/\n\
         timezone: Europe/Berlin\n\
         description: Generated by benches/build.rs (10 years of releases).\n\
         runbook_review_days: 180\n\
         systems:\n",
    );
    for (i, (id, name, description)) in systems.iter().enumerate() {
        let _ = writeln!(
            y,
            "  - id: {id}\n    name: {name}\n    description: \"{description}\"\n    owner: {}\n    rollback_runbook: {id}-rollback\n    escalation: {id}\n    repo: repos/{id}.git\n    tag_pattern: \"{}{{version}}\"\n    commit_url: \"https://git.bench.example/{id}/commit/{{sha}}\"\n    compare_url: \"https://git.bench.example/{id}/compare/{{from}}...{{to}}\"\n    ticket_url: \"https://tracker.bench.example/browse/{{id}}\"",
            people[staff.owners[i]].id,
            tag_prefix(i, id),
        );
    }
    y.push_str("freezes:\n");
    for year in 2019..=2030 {
        let _ = writeln!(
            y,
            "  - name: Year-end freeze {}\n    start: {year}-12-20 00:00\n    end: {}-01-03 00:00\n    reason: Peak trading and reduced staffing.",
            year + 1,
            year + 1
        );
    }
    y.push_str(
        "  - name: No Friday deploys\n    weekly: { days: [fri], start: \"12:00\", end: \"23:59\" }\n    reason: Nobody wants a broken weekend.\n\
         maintenance_windows:\n  - name: Sunday maintenance\n    weekly: { days: [sun], start: \"02:00\", end: \"04:00\" }\n\
         approval_policy:\n  major: [product-owner, qa-lead]\n  minor: [qa-lead]\n  emergency: [\"cto | tech-lead\"]\n",
    );
    y
}

fn contacts_yaml(systems: &[(&str, &str, &str)], people: &[Person], staff: &Staff) -> String {
    let mut y = String::from("people:\n");
    for (i, p) in people.iter().enumerate() {
        let title = if let Some(s) = staff.owners.iter().position(|o| *o == i) {
            format!("Engineering lead, {}", systems[s].1)
        } else if i == staff.cto {
            "CTO".into()
        } else if staff.tech_leads.contains(&i) {
            "Tech lead".into()
        } else if staff.qa_leads.contains(&i) {
            "QA lead".into()
        } else if staff.product_owners.contains(&i) {
            "Product owner".into()
        } else if staff.release_managers.contains(&i) {
            "Release manager".into()
        } else if staff.sres.contains(&i) {
            "Site reliability engineer".into()
        } else if staff.deployers.contains(&i) {
            "Deployment engineer".into()
        } else {
            "Developer".into()
        };
        let _ = writeln!(
            y,
            "  - id: {}\n    name: {}\n    title: {title}\n    email: {}@bench.example\n    phone: \"+49 30 5550 {:04}\"\n    chat: \"@{}\"",
            p.id, p.name, p.id, 1000 + i, p.id
        );
    }
    y.push_str("roles:\n");
    for (id, name, stages) in ROLES {
        let _ = writeln!(
            y,
            "  - id: {id}\n    name: {name}\n    description: {name} of the release.\n    stages:"
        );
        for (stage, value) in STAGES.iter().zip(stages) {
            if !value.is_empty() {
                let _ = writeln!(y, "      {stage}: {value}");
            }
        }
    }
    y.push_str("ladders:\n");
    for (i, (id, name, _)) in systems.iter().enumerate() {
        let rotation = if i % 2 == 0 {
            "platform-sre"
        } else {
            "data-oncall"
        };
        let _ = writeln!(
            y,
            "  - id: {id}\n    name: {name} escalation\n    steps:\n      - person: {}\n        within: 5m\n        how: Call by phone; say it is a production problem.\n      - rotation: {rotation}\n        within: 15m\n      - person: {}\n        within: 30m\n      - person: {}\n        within: 1h\n        how: Only for customer-facing outages.",
            people[staff.owners[i]].id,
            people[staff.tech_leads[i % staff.tech_leads.len()]].id,
            people[staff.cto].id,
        );
    }
    let members = |list: &[usize]| {
        list.iter()
            .map(|i| people[*i].id.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let _ = writeln!(
        y,
        "rotations:\n  - id: platform-sre\n    name: Platform SRE on-call\n    members: [{}]\n    length_days: 7\n    start: 2020-01-06 10:00\n  - id: data-oncall\n    name: Data on-call\n    members: [{}]\n    length_days: 7\n    start: 2020-01-08 10:00",
        members(&staff.sres[..6]),
        members(&staff.sres[6..]),
    );
    y
}

struct ReleaseSpec<'a> {
    system: (&'a str, &'a str, &'a str),
    version: (u64, u64, u64),
    kind: &'a str,
    status: &'a str,
    start: NaiveDateTime,
    deps: Vec<(&'a str, (u64, u64, u64))>,
    runbooks: &'a [&'a str],
    owner: &'a str,
}

fn fmt_time(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M").to_string()
}

/// What the git history generator needs to know about a release file it just wrote.
struct Written {
    end: NaiveDateTime,
    zone: &'static str,
    title: String,
    tickets: Vec<String>,
    authors: [usize; 2],
}

fn release_file(
    rng: &mut Lcg,
    r: ReleaseSpec,
    people: &[Person],
    staff: &Staff,
) -> (String, Written) {
    let (system, system_name, _) = r.system;
    let (a, b, c) = r.version;
    let pid = |i: usize| people[i].id.as_str();
    let title = format!("{} {}", rng.pick(&VERBS), rng.pick(&NOUNS));
    let minutes = [30, 45, 60, 75, 90][rng.below(5)];
    let end = r.start + Days::minutes(minutes);
    let mut y = String::from("---\n");
    let _ = writeln!(
        y,
        "system: {system}\nversion: {a}.{b}.{c}\ntype: {}\nstatus: {}\ntitle: {title}",
        r.kind, r.status
    );
    match r.status {
        "rolled-back" => {
            y.push_str("status_note: Rolled back after elevated 5xx rates in the canary.\n")
        }
        "cancelled" => {
            y.push_str("status_note: Cancelled; the changes ship with the next release.\n")
        }
        _ => {}
    }
    let _ = writeln!(
        y,
        "window:\n  start: {}\n  end: {}",
        fmt_time(r.start),
        fmt_time(end)
    );
    let zone = match rng.below(20) {
        0 | 1 => "Europe/London",
        2 => "UTC",
        _ => "Europe/Berlin",
    };
    if zone != "Europe/Berlin" {
        let _ = writeln!(y, "  timezone: {zone}");
    }
    let _ = writeln!(y, "owner: {}", r.owner);
    let dev1 = *rng.pick(&staff.developers);
    let dev2 = *rng.pick(&staff.developers);
    let _ = writeln!(y, "people:");
    if dev1 == dev2 {
        let _ = writeln!(y, "  developer: [{}]", pid(dev1));
    } else {
        let _ = writeln!(y, "  developer: [{}, {}]", pid(dev1), pid(dev2));
    }
    let _ = writeln!(y, "  sre: [{}]", pid(*rng.pick(&staff.sres)));
    let _ = writeln!(
        y,
        "  deployment-engineer: [{}]",
        pid(*rng.pick(&staff.deployers))
    );
    let qa = *rng.pick(&staff.qa_leads);
    let po = *rng.pick(&staff.product_owners);
    if r.kind != "emergency" {
        let _ = writeln!(y, "  qa-lead: [{}]", pid(qa));
    }
    // Approvals: required once a release is past `planned` (and not cancelled) for the types
    // in the policy; recorded for most planned ones too, as teams do.
    let needs = !matches!(r.status, "planned" | "cancelled") || rng.chance(40);
    let approval_day = |rng: &mut Lcg| {
        let d = r.start.date() - Days::days(1 + rng.below(6) as i64);
        fmt_time(d.and_hms_opt(16, (rng.below(4) * 15) as u32, 0).unwrap())
    };
    let ticket = |rng: &mut Lcg| format!("REL-{}", 1000 + rng.below(90_000));
    let mut approvals: Vec<(&str, usize)> = Vec::new();
    if needs {
        match r.kind {
            "major" => {
                approvals.push(("product-owner", po));
                approvals.push(("qa-lead", qa));
            }
            "minor" => approvals.push(("qa-lead", qa)),
            "emergency" => {
                if rng.chance(70) {
                    approvals.push(("cto", staff.cto));
                } else {
                    approvals.push(("tech-lead", *rng.pick(&staff.tech_leads)));
                }
            }
            _ => {
                if rng.chance(30) {
                    approvals.push(("qa-lead", qa));
                }
            }
        }
    }
    if !approvals.is_empty() {
        y.push_str("approvals:\n");
        for (role, who) in approvals {
            let at = if r.kind == "emergency" {
                fmt_time(r.start - Days::minutes(40))
            } else {
                approval_day(rng)
            };
            let _ = writeln!(
                y,
                "  - role: {role}\n    by: {}\n    at: {at}\n    ticket: {}",
                pid(who),
                ticket(rng)
            );
        }
    }
    let prefix: String = system
        .split('-')
        .map(|w| w[..w.len().min(3)].to_ascii_uppercase())
        .collect();
    let n_tickets = 1 + rng.below(3);
    let tickets: Vec<String> = (0..n_tickets)
        .map(|_| format!("{prefix}-{}", 100 + rng.below(9_000)))
        .collect();
    let _ = writeln!(y, "tickets: [{}]", tickets.join(", "));
    let checklist = match r.kind {
        "major" => "production-readiness",
        "emergency" => "hotfix",
        _ => "standard-rollout",
    };
    let _ = writeln!(y, "checklist: {checklist}");
    let mut linked: Vec<&str> = Vec::new();
    if !r.runbooks.is_empty() {
        linked.push(*rng.pick(r.runbooks));
        let second = *rng.pick(r.runbooks);
        if !linked.contains(&second) && rng.chance(50) {
            linked.push(second);
        }
    }
    if !linked.is_empty() {
        let _ = writeln!(y, "runbooks: [{}]", linked.join(", "));
    }
    let rollout = match r.kind {
        "emergency" => "all-at-once",
        _ => *rng.pick(&["canary", "canary", "blue-green", "all-at-once"]),
    };
    let _ = writeln!(y, "rollout: {rollout}");
    if !r.deps.is_empty() {
        y.push_str("depends_on:\n");
        for (dep, (da, db, _)) in &r.deps {
            let _ = writeln!(y, "  - system: {dep}\n    version: \">={da}.{db}.0\"");
        }
    }
    y.push_str("---\n");
    release_notes(
        rng,
        &mut y,
        system,
        system_name,
        &title,
        &tickets,
        &linked,
        rollout,
    );
    let written = Written {
        end,
        zone,
        title,
        tickets,
        authors: [dev1, dev2],
    };
    (y, written)
}

#[allow(clippy::too_many_arguments)]
fn release_notes(
    rng: &mut Lcg,
    y: &mut String,
    system: &str,
    system_name: &str,
    title: &str,
    tickets: &[String],
    runbooks: &[&str],
    rollout: &str,
) {
    let sentence = |rng: &mut Lcg| *rng.pick(&SENTENCES);
    let flag = rng.pick(&FLAGS);
    let _ = writeln!(y, "## Summary\n");
    let _ = writeln!(
        y,
        "{title} for {system_name}. {} {}\n{}\n",
        sentence(rng),
        sentence(rng),
        sentence(rng)
    );
    let _ = writeln!(y, "## What changes\n");
    for _ in 0..4 {
        let _ = writeln!(y, "- {} ({}).", rng.pick(&CHANGES), rng.pick(tickets));
    }
    let _ = writeln!(
        y,
        "- ~~Temporary workaround~~ removed: {}\n",
        sentence(rng).to_lowercase()
    );
    let _ = writeln!(y, "## Rollout plan\n");
    let _ = writeln!(y, "Strategy: **{rollout}**.\n");
    let _ = writeln!(
        y,
        "| Step | Traffic | Watch for | Duration |\n|---|---:|---|---|"
    );
    for (step, traffic) in [("Canary", 5), ("Widen", 25), ("Half", 50), ("Full", 100)] {
        let _ = writeln!(
            y,
            "| {step} | {traffic} % | 5xx rate, p99 latency | {} min |",
            [10, 15, 20, 30][rng.below(4)]
        );
    }
    let _ = writeln!(y, "\n## Configuration\n");
    let _ = writeln!(
        y,
        "```yaml\n{system}:\n  flags:\n    {flag}: {}\n  pool_size: {}\n  timeout_ms: {}\n```\n",
        rng.chance(50),
        8 + rng.below(56),
        250 * (1 + rng.below(8))
    );
    let _ = writeln!(y, "## Verification\n");
    let _ = writeln!(y, "- [ ] Smoke tests green in production.");
    let _ = writeln!(y, "- [ ] Dashboards flat for one hour.[^watch]");
    let _ = writeln!(y, "- [ ] Support confirms no new tickets.\n");
    let _ = writeln!(y, "## Rolling back\n");
    let _ = write!(
        y,
        "Follow the [rollback runbook](/runbooks/{system}-rollback/)"
    );
    if let Some(rb) = runbooks.first() {
        let _ = write!(y, "; deployment steps are in [{rb}](/runbooks/{rb}/)");
    }
    let _ = writeln!(y, ".\n");
    let _ = writeln!(
        y,
        "[^watch]: Error rate, latency and the `{flag}` counters."
    );
}

fn runbook_file(
    rng: &mut Lcg,
    slug: &str,
    kind: &str,
    system: Option<(&str, &str, &str)>,
    owner: &str,
) -> String {
    let (sys_id, sys_name) = system.map_or(("platform", "the platform"), |s| (s.0, s.1));
    let title = match kind {
        "rollback" => format!("Roll back {sys_name}"),
        "deploy" => format!("Deploy {sys_name}"),
        "verification" => format!("Verify a {sys_name} release"),
        "hotfix" => format!("Hotfix {sys_name}"),
        _ => format!("Operate {sys_name}"),
    };
    let mut y = String::from("---\n");
    let _ = writeln!(y, "title: \"{title} ({slug})\"\nkind: {kind}");
    if let Some(s) = system {
        let _ = writeln!(y, "system: {}", s.0);
    }
    let _ = writeln!(
        y,
        "owner: {owner}\nsummary: \"{}\"\n---",
        rng.pick(&SENTENCES).replace('"', "'")
    );
    let _ = writeln!(
        y,
        "## When to use this\n\n{} {}\n",
        rng.pick(&SENTENCES),
        rng.pick(&SENTENCES)
    );
    let _ = writeln!(y, "## Before you start\n");
    let _ = writeln!(
        y,
        "- You are on the release bridge and have said so in `#releases`."
    );
    let _ = writeln!(y, "- The previous version is known: check the system page.");
    let _ = writeln!(y, "- You have production deploy rights for {sys_name}.\n");
    let _ = writeln!(y, "## Steps\n");
    let _ = writeln!(y, "1. Announce the start in `#releases`.");
    let _ = writeln!(y, "2. Run:\n\n   ```sh\n   nwdeploy {kind} {sys_id} --env prod --version <version>\n   kubectl -n {sys_id} rollout status deploy/{sys_id} --timeout=10m\n   ```\n");
    let _ = writeln!(
        y,
        "3. Watch the error rate for {} minutes.",
        5 + rng.below(26)
    );
    let _ = writeln!(y, "4. {}", rng.pick(&SENTENCES));
    let _ = writeln!(y, "5. Record the outcome in the release ticket.\n");
    let _ = writeln!(y, "## Dashboards\n");
    let _ = writeln!(y, "| Signal | Where | Normal |\n|---|---|---|");
    let _ = writeln!(y, "| Error rate | Grafana / {sys_id} / errors | < 0.5 % |");
    let _ = writeln!(
        y,
        "| p99 latency | Grafana / {sys_id} / latency | < {} ms |",
        200 + 50 * rng.below(10)
    );
    let _ = writeln!(
        y,
        "| Queue depth | Grafana / {sys_id} / queues | < 1,000 |\n"
    );
    let _ = writeln!(y, "## If it goes wrong\n");
    let _ = writeln!(
        y,
        "> **Stop** and escalate: see the [contacts](/contacts/) page.\n"
    );
    if system.is_some() {
        let _ = writeln!(
            y,
            "Roll back with the [rollback runbook](/runbooks/{sys_id}-rollback/)."
        );
    }
    y
}
