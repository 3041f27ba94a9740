//! Build benchmark (issues 2 and 12): `shipboard build` of a generated portal of 10,000
//! releases and 1,000 runbooks with git history (and a 1,000-release one), against Zola
//! building the very same Markdown, in paired, interleaved runs.
//!
//! Run with `cargo bench --bench build`. A benchmark, not a timed test: it asserts nothing
//! about speed and prints Markdown tables (see BENCHMARKS.md, "Scale (issue 12)").
//!
//! 1. `shipboard_fixtures::ensure` generates (or reuses, `.bench-params`) the content repo
//!    `target/bench-content/releases-<n>/` and the same Markdown as a Zola site,
//!    `target/bench-content/releases-<n>-zola/`.
//! 2. One warm-up build of each, then `BENCH_PAIRS` pairs: Shipboard, Zola, Shipboard, Zola,
//!    ... each writing a fresh output (deleted first, untimed, with the content repo's
//!    `.shipboard/cache/`: a fresh checkout's build) on tmpfs (`BENCH_OUT`,
//!    default `/dev/shm`), with `SOURCE_DATE_EPOCH=1795608000`, under `/usr/bin/time -v`
//!    for CPU time and peak RSS (wall time is measured here).
//! 3. A Shipboard rebuild over the existing output (staging dir, swap, old site removed),
//!    and `shipboard check` `CHECK_RUNS` times, first without any cache (a fresh checkout:
//!    it reads git and renders every page), then with the caches a build left (pages it
//!    rendered are skipped, repositories whose state is unchanged not read again).
//! 4. Incremental builds over the existing output (issue 12), each after one kind of edit
//!    (none, one release file, one runbook, one template), as ratios to the fresh builds'
//!    median; after each the edit is undone and an untimed build settles the output.
//!
//! Environment: `BENCH_SIZES` (release counts, default `10000,1000`; runbooks are a tenth),
//! `BENCH_PAIRS` (default 5), `BENCH_OUT` (default `/dev/shm`), `ZOLA` (the Zola binary,
//! else `zola` on `PATH`; without one the bench says so loudly and measures Shipboard alone),
//! `SHIPBOARD` (see below).
//!
//! The binary is `SHIPBOARD` when set (to bench another build on the same content), else the
//! one `cargo bench` builds for this package (`CARGO_BIN_EXE_shipboard`, the bench profile
//! inherits `release`), else `target/release/shipboard`, built with
//! `cargo build --release --bin shipboard` when missing.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use shipboard_fixtures::repo::thousands;
use shipboard_fixtures::{ensure, Params, TreeSize};

const SOURCE_DATE_EPOCH: &str = "1795608000"; // 2026-11-25 12:00 UTC
const CHECK_RUNS: usize = 3;

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let target = env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    let tools = Tools::find(&root, &target);
    print_machine(&root, &tools);
    let out_root = output_root();
    let mut results = Vec::new();
    for releases in sizes() {
        let params = Params::sized(releases);
        results.push(bench_size(
            &tools,
            &target.join("bench-content"),
            &out_root,
            &params,
        ));
    }
    let _ = fs::remove_dir_all(&out_root);
    print_summary(&results, tools.zola.is_some());
}

/// The programs the bench runs.
struct Tools {
    shipboard: PathBuf,
    zola: Option<PathBuf>,
    /// GNU time, for CPU time and peak RSS.
    time: Option<PathBuf>,
}

impl Tools {
    fn find(root: &Path, target: &Path) -> Tools {
        let time = Path::new("/usr/bin/time");
        let time = time.exists().then(|| time.to_path_buf());
        if time.is_none() {
            eprintln!(
                "note: /usr/bin/time not found (apt-get install time): no CPU time or peak RSS"
            );
        }
        let zola = find_zola();
        if zola.is_none() {
            let banner = "!!! NO ZOLA: set ZOLA=/path/to/zola or put `zola` on PATH. \
                          Measuring Shipboard ALONE: there is no Shipboard/Zola ratio in this run. !!!";
            eprintln!("\n{banner}\n");
            println!("\n{banner}\n");
        }
        Tools {
            shipboard: locate_binary(root, target),
            zola,
            time,
        }
    }
}

fn find_zola() -> Option<PathBuf> {
    if let Some(path) = env::var_os("ZOLA") {
        let path = PathBuf::from(path);
        if path.is_file() {
            return Some(path);
        }
        eprintln!("ZOLA={} is not a file", path.display());
        return None;
    }
    env::split_paths(&env::var_os("PATH")?)
        .map(|dir| dir.join("zola"))
        .find(|p| p.is_file())
}

fn locate_binary(root: &Path, target: &Path) -> PathBuf {
    if let Some(path) = env::var_os("SHIPBOARD") {
        let path = PathBuf::from(path);
        assert!(path.is_file(), "SHIPBOARD={} is not a file", path.display());
        return path;
    }
    if let Some(path) = option_env!("CARGO_BIN_EXE_shipboard") {
        if Path::new(path).exists() {
            return PathBuf::from(path);
        }
    }
    let path = target
        .join("release")
        .join(format!("shipboard{}", env::consts::EXE_SUFFIX));
    if !path.exists() {
        eprintln!("building the release binary: cargo build --release --bin shipboard");
        let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "--release", "--bin", "shipboard"])
            .current_dir(root)
            .status()
            .expect("run cargo");
        assert!(status.success(), "cargo build --release failed");
    }
    path
}

/// `BENCH_SIZES`: release counts, comma-separated.
fn sizes() -> Vec<usize> {
    let text = env::var("BENCH_SIZES").unwrap_or_else(|_| "10000,1000".into());
    text.split(',')
        .map(|n| n.trim().replace('_', ""))
        .map(|n| {
            n.parse()
                .unwrap_or_else(|_| panic!("BENCH_SIZES: {n:?} is not a number"))
        })
        .collect()
}

fn pairs() -> usize {
    env::var("BENCH_PAIRS")
        .ok()
        .map_or(5, |n| n.parse().expect("BENCH_PAIRS: a number"))
}

/// Where outputs go: `BENCH_OUT` (default `/dev/shm`), in a folder of this run.
fn output_root() -> PathBuf {
    let base = env::var_os("BENCH_OUT").map_or_else(|| PathBuf::from("/dev/shm"), PathBuf::from);
    let dir = base.join(format!("shipboard-bench-{}", std::process::id()));
    fs::create_dir_all(&dir).expect("create the output folder (BENCH_OUT)");
    println!("outputs in {} ({})", dir.display(), filesystem_of(&base));
    dir
}

fn print_machine(root: &Path, tools: &Tools) {
    println!(
        "shipboard: {} (commit {})",
        tools.shipboard.display(),
        git_revision(root)
    );
    if let Some(zola) = &tools.zola {
        println!("zola: {} ({})", zola.display(), version_of(zola));
    }
    println!(
        "machine: {} CPU(s) available, {} RAM, load average {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        mem_total(),
        load_average()
    );
}

// ---------------------------------------------------------------------------------------
// One size
// ---------------------------------------------------------------------------------------

/// Everything measured on one generated portal.
struct SizeResult {
    params: Params,
    input: TreeSize,
    shipboard: Vec<Measured>,
    zola: Vec<Measured>,
    rebuild: Measured,
    zola_rebuild: Option<Measured>,
    /// Without the build cache, then with it.
    check_uncached: Vec<Measured>,
    check: Vec<Measured>,
    /// (edit, measured) for each incremental build.
    incremental: Vec<(&'static str, Measured)>,
    shipboard_output: TreeSize,
    zola_output: Option<TreeSize>,
}

fn bench_size(tools: &Tools, bench_dir: &Path, out_root: &Path, params: &Params) -> SizeResult {
    let name = params.name();
    let content = bench_dir.join(&name);
    let site = bench_dir.join(format!("{name}-zola"));
    let started = Instant::now();
    let repo = ensure(&content, params, Some(&site));
    println!(
        "\n{name}: {} content repo {} ({} files, {}; {}) and Zola site {} in {:.1} s",
        if repo.reused { "reused" } else { "generated" },
        content.display(),
        thousands(repo.size.files),
        human_bytes(repo.size.bytes),
        repo.history,
        site.display(),
        started.elapsed().as_secs_f64()
    );
    let ship_out = out_root.join(format!("shipboard-{name}"));
    let zola_out = out_root.join(format!("zola-{name}"));
    let cache = content.join(".shipboard/cache");
    let ship = |fresh: bool, label: &str| {
        // A fresh build is a fresh checkout's: no build record and no history cache (Zola
        // has none either).
        if fresh {
            let _ = fs::remove_dir_all(&cache);
        }
        let run = Run {
            label,
            fresh,
            out: &ship_out,
        };
        run.measure(tools, shipboard_build(tools, &content, &ship_out))
    };
    let zola = |fresh: bool, label: &str| {
        let zola = tools.zola.as_ref()?;
        let run = Run {
            label,
            fresh,
            out: &zola_out,
        };
        Some(run.measure(tools, zola_build(zola, &site, &zola_out)))
    };
    ship(true, "warm-up shipboard");
    zola(true, "warm-up zola");
    let (mut shipboard, mut zolas) = (Vec::new(), Vec::new());
    for pair in 1..=pairs() {
        shipboard.push(ship(true, &format!("pair {pair} shipboard")));
        zolas.extend(zola(true, &format!("pair {pair} zola")));
    }
    let rebuild = ship(false, "shipboard rebuild over existing output");
    let zola_rebuild = zola(false, "zola rebuild over existing output (--force)");
    let check_run = |label: &str| {
        Run {
            label,
            fresh: false,
            out: &ship_out,
        }
        .measure(tools, shipboard_check(tools, &content))
    };
    let check_uncached = (1..=CHECK_RUNS)
        .map(|k| {
            let _ = fs::remove_dir_all(&cache);
            check_run(&format!(
                "shipboard check {k}, no cache (build record or history)"
            ))
        })
        .collect();
    ship(false, "shipboard build (untimed: writes the build cache)");
    let check = (1..=CHECK_RUNS)
        .map(|k| check_run(&format!("shipboard check {k}, after a build")))
        .collect();
    let incremental = incremental_builds(&content, &|label| ship(false, label));
    SizeResult {
        params: *params,
        input: repo.size,
        shipboard,
        zola: zolas,
        rebuild,
        zola_rebuild,
        check_uncached,
        check,
        incremental,
        shipboard_output: TreeSize::of(&ship_out),
        zola_output: tools.zola.as_ref().map(|_| TreeSize::of(&zola_out)),
    }
}

/// Makes an edit to the content and returns what undoes it.
type Edit = dyn Fn() -> Box<dyn Fn()>;

/// One incremental build after each kind of edit. Each edit is undone afterwards and an
/// untimed build brings the output back to the unedited content, so every measured build
/// sees exactly one edit.
fn incremental_builds(
    content: &Path,
    build: &dyn Fn(&str) -> Measured,
) -> Vec<(&'static str, Measured)> {
    let first_in = |dir: &str| {
        let mut files: Vec<PathBuf> = fs::read_dir(content.join(dir))
            .expect("content folder")
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "md"))
            .collect();
        files.sort();
        files.into_iter().next().expect("a Markdown file")
    };
    let appended = |file: PathBuf| {
        move || {
            let text = fs::read_to_string(&file).expect("read");
            fs::write(&file, format!("{text}\nOne more sentence.\n")).expect("edit");
            let file = file.clone();
            Box::new(move || fs::write(&file, &text).expect("undo")) as Box<dyn Fn()>
        }
    };
    let template = content.join("templates/404.html");
    let template_edit = move || {
        let theme = Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/default/templates/404.html");
        let text = fs::read_to_string(theme).expect("theme template");
        fs::create_dir_all(template.parent().expect("parent")).expect("mkdir");
        fs::write(&template, text.replace("Page not found", "No such page")).expect("edit");
        let template = template.clone();
        Box::new(move || {
            let _ = fs::remove_file(&template);
            let _ = fs::remove_dir(template.parent().expect("parent"));
        }) as Box<dyn Fn()>
    };
    let edits: Vec<(&'static str, Box<Edit>)> = vec![
        (
            "nothing changed",
            Box::new(|| Box::new(|| ()) as Box<dyn Fn()>),
        ),
        (
            "one release file edited",
            Box::new(appended(first_in("releases"))),
        ),
        (
            "one runbook edited",
            Box::new(appended(first_in("runbooks"))),
        ),
        ("one template edited (404.html)", Box::new(template_edit)),
    ];
    edits
        .into_iter()
        .map(|(what, edit)| {
            let undo = edit();
            let measured = build(&format!("incremental build, {what}"));
            undo();
            build("incremental build (untimed: undoes the edit)");
            (what, measured)
        })
        .collect()
}

fn shipboard_build(tools: &Tools, content: &Path, out: &Path) -> Command {
    let mut command = Command::new(&tools.shipboard);
    command.arg("build").arg(content).arg("--output").arg(out);
    command.env("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH);
    command
}

fn shipboard_check(tools: &Tools, content: &Path) -> Command {
    let mut command = Command::new(&tools.shipboard);
    command
        .arg("check")
        .arg(content)
        .env("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH);
    command
}

fn zola_build(zola: &Path, site: &Path, out: &Path) -> Command {
    let mut command = Command::new(zola);
    command
        .arg("--root")
        .arg(site)
        .args(["build", "--force", "--output-dir"])
        .arg(out);
    command
}

// ---------------------------------------------------------------------------------------
// Running and measuring
// ---------------------------------------------------------------------------------------

/// One measured run of a command.
struct Run<'a> {
    label: &'a str,
    /// Delete the output first (untimed), so the run writes the whole site.
    fresh: bool,
    out: &'a Path,
}

struct Measured {
    wall: Duration,
    /// User + system seconds of the child.
    cpu: Option<f64>,
    max_rss_kb: Option<u64>,
    /// Warning lines the command printed (Shipboard's `: warning[...]`, Zola's `Warning`).
    warnings: usize,
}

impl Run<'_> {
    fn measure(&self, tools: &Tools, command: Command) -> Measured {
        if self.fresh && self.out.exists() {
            fs::remove_dir_all(self.out).expect("remove the previous output");
        }
        let load = load_average();
        let report = self.out.with_extension("time");
        let mut timed = match &tools.time {
            Some(time) => {
                let mut c = Command::new(time);
                c.arg("-v")
                    .arg("-o")
                    .arg(&report)
                    .arg(command.get_program());
                c.args(command.get_args());
                c.envs(command.get_envs().filter_map(|(k, v)| Some((k, v?))));
                c
            }
            None => command,
        };
        let started = Instant::now();
        let result = timed.output().expect("run the command");
        let wall = started.elapsed();
        let stderr = String::from_utf8_lossy(&result.stderr);
        assert!(
            result.status.success(),
            "{} failed ({}):\n{}",
            self.label,
            result.status,
            stderr.lines().take(40).collect::<Vec<_>>().join("\n")
        );
        let warnings: Vec<&str> = stderr
            .lines()
            .filter(|l| l.contains(": warning") || l.trim_start().starts_with("Warning"))
            .collect();
        for warning in warnings.iter().take(5) {
            println!("    {warning}");
        }
        let (cpu, max_rss_kb) = read_time_report(&report);
        let measured = Measured {
            wall,
            cpu,
            max_rss_kb,
            warnings: warnings.len(),
        };
        println!(
            "  {}: {} (load average before: {load})",
            self.label,
            measured.describe()
        );
        measured
    }
}

impl Measured {
    fn describe(&self) -> String {
        format!(
            "{:.2} s wall, {} CPU, {} peak RSS, {} warnings",
            self.wall.as_secs_f64(),
            self.cpu.map_or("n/a".into(), |c| format!("{c:.2} s")),
            self.max_rss_kb
                .map_or("n/a".into(), |kb| human_bytes(kb * 1024)),
            self.warnings
        )
    }
}

/// CPU seconds (user + system) and peak RSS from a `/usr/bin/time -v` report.
fn read_time_report(report: &Path) -> (Option<f64>, Option<u64>) {
    let Ok(text) = fs::read_to_string(report) else {
        return (None, None);
    };
    let _ = fs::remove_file(report);
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.trim().strip_prefix(name))
            .and_then(|v| v.trim().parse::<f64>().ok())
    };
    let cpu = field("User time (seconds):")
        .zip(field("System time (seconds):"))
        .map(|(u, s)| u + s);
    let rss = field("Maximum resident set size (kbytes):").map(|kb| kb as u64);
    (cpu, rss)
}

// ---------------------------------------------------------------------------------------
// Summary
// ---------------------------------------------------------------------------------------

fn print_summary(results: &[SizeResult], with_zola: bool) {
    println!("\n| portal | source | tool | runs | wall median (min-max) | CPU median | peak RSS (max) | rebuild over output | files written | output size |");
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for r in results {
        let portal = format!(
            "{} releases, {} runbooks",
            thousands(r.params.releases),
            thousands(r.params.runbooks)
        );
        let source = format!(
            "{} files, {}",
            thousands(r.input.files),
            human_bytes(r.input.bytes)
        );
        println!(
            "{}",
            row(
                &portal,
                &source,
                "Shipboard",
                &r.shipboard,
                Some(&r.rebuild),
                &r.shipboard_output
            )
        );
        if let Some(output) = &r.zola_output {
            println!(
                "{}",
                row(
                    &portal,
                    &source,
                    "Zola",
                    &r.zola,
                    r.zola_rebuild.as_ref(),
                    output
                )
            );
        }
    }
    println!("\n| portal | Shipboard / Zola (median of per-pair ratios, min-max) | `shipboard check` wall median (min-max) | check peak RSS |");
    println!("|---|---|---|---|");
    for r in results {
        let ratios: Vec<f64> = r
            .shipboard
            .iter()
            .zip(&r.zola)
            .map(|(s, z)| s.wall.as_secs_f64() / z.wall.as_secs_f64())
            .collect();
        let ratio = if with_zola {
            spread(&ratios, "")
        } else {
            "no Zola in this run".into()
        };
        let walls = |runs: &[Measured]| {
            runs.iter()
                .map(|m| m.wall.as_secs_f64())
                .collect::<Vec<_>>()
        };
        let rss = r.check_uncached.iter().filter_map(|m| m.max_rss_kb).max();
        println!(
            "| {} releases | {ratio} | {} without a cache, {} after a build | {} |",
            thousands(r.params.releases),
            spread(&walls(&r.check_uncached), " s"),
            spread(&walls(&r.check), " s"),
            rss.map_or("n/a".into(), |kb| human_bytes(kb * 1024))
        );
    }
    println!("\n| portal | incremental build after | wall | ratio to a fresh build (median) | CPU | peak RSS |");
    println!("|---|---|---|---|---|---|");
    for r in results {
        let fresh: Vec<f64> = r.shipboard.iter().map(|m| m.wall.as_secs_f64()).collect();
        let fresh = median(&fresh);
        for (what, m) in &r.incremental {
            println!(
                "| {} releases | {what} | {:.2} s | {:.2} | {} | {} |",
                thousands(r.params.releases),
                m.wall.as_secs_f64(),
                m.wall.as_secs_f64() / fresh,
                m.cpu.map_or("n/a".into(), |c| format!("{c:.2} s")),
                m.max_rss_kb
                    .map_or("n/a".into(), |kb| human_bytes(kb * 1024))
            );
        }
    }
}

fn row(
    portal: &str,
    source: &str,
    tool: &str,
    runs: &[Measured],
    rebuild: Option<&Measured>,
    output: &TreeSize,
) -> String {
    let walls: Vec<f64> = runs.iter().map(|r| r.wall.as_secs_f64()).collect();
    let cpus: Vec<f64> = runs.iter().filter_map(|r| r.cpu).collect();
    let rss = runs.iter().filter_map(|r| r.max_rss_kb).max();
    format!(
        "| {portal} | {source} | {tool} | {} | {} | {} | {} | {} | {} | {} |",
        runs.len(),
        spread(&walls, " s"),
        if cpus.is_empty() {
            "n/a".into()
        } else {
            format!("{:.2} s", median(&cpus))
        },
        rss.map_or("n/a".into(), |kb| human_bytes(kb * 1024)),
        rebuild.map_or("n/a".into(), |m| format!(
            "{:.2} s wall, {} CPU",
            m.wall.as_secs_f64(),
            m.cpu.map_or("n/a".into(), |c| format!("{c:.2} s"))
        )),
        thousands(output.files),
        human_bytes(output.bytes),
    )
}

/// "median (min-max)" of `values`, each with `unit`.
fn spread(values: &[f64], unit: &str) -> String {
    if values.is_empty() {
        return "n/a".into();
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    format!(
        "{:.2}{unit} ({:.2}-{:.2})",
        median(&sorted),
        sorted[0],
        sorted[sorted.len() - 1]
    )
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
}

// ---------------------------------------------------------------------------------------
// The machine
// ---------------------------------------------------------------------------------------

/// The 1-, 5- and 15-minute load averages: the machine may be shared.
fn load_average() -> String {
    fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|t| t.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| "unknown".into())
}

/// The file system type of the mount holding `path` (`tmpfs` is what the bench wants).
fn filesystem_of(path: &Path) -> String {
    let path = fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let mounts = fs::read_to_string("/proc/mounts").unwrap_or_default();
    mounts
        .lines()
        .filter_map(|l| {
            let mut fields = l.split_whitespace();
            let (_, point, kind) = (fields.next()?, fields.next()?, fields.next()?);
            path.starts_with(point)
                .then(|| (point.len(), format!("{kind} at {point}")))
        })
        .max()
        .map_or("unknown file system".into(), |(_, what)| what)
}

fn version_of(program: &Path) -> String {
    Command::new(program)
        .arg("--version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|| "unknown version".into())
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
