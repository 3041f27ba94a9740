//! Edit-to-reload latency of `shipboard serve` (for BENCHMARKS.md): the real binary serves
//! the example portal and, when `cargo bench --bench build` generated them, the 1,000- and
//! 10,000-release repos; each file edit is timed until the live-reload event arrives.
//! Run with `cargo bench --bench serve`.

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "../tests/serve_client/mod.rs"]
mod serve_client;

use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};

use common::Fixture;
use serve_client::{Events, Served, PATIENCE};

fn main() {
    edit_to_reload_latency();
}

fn edit_to_reload_latency() {
    let mut repos = vec![(
        "example portal (content/)".to_owned(),
        Fixture::new("../../content"),
    )];
    for size in ["1000", "10000"] {
        let bench = format!("target/bench-content/releases-{size}");
        let portal = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(&bench)
            .join("portal.yaml");
        if portal.is_file() {
            repos.push((bench.clone(), Fixture::new(&format!("../../{bench}"))));
        } else {
            eprintln!("{bench} is missing: run `cargo bench --bench build` first");
        }
    }
    let builtin = Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/default/templates/base.html");
    let base = std::fs::read_to_string(builtin).expect("the built-in base template");
    println!("| content | pages | release edit -> reload event | template edit -> reload event | peak RSS |");
    println!("|---|---|---|---|---|");
    for (name, fx) in &repos {
        fx.write("templates/base.html", &base);
        // The example's copy has no git history to vouch for its recorded ticks: build it
        // after them (see `common::AFTER_EXAMPLE_TICKS`); the generated repos record none.
        let served = Served::start_dir_at(&fx.dir(), common::AFTER_EXAMPLE_TICKS);
        if served.get("/").status != 200 {
            let first = served.stderr().lines().next().unwrap_or("").to_owned();
            println!("| {name} | - | does not build: {first} | | |");
            continue;
        }
        let events = Events::open(served.addr);
        assert_eq!(events.next(PATIENCE).map(|e| e.0).as_deref(), Some("hello"));
        let mut releases: Vec<_> = std::fs::read_dir(fx.dir().join("releases"))
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .collect();
        releases.sort();
        let release = &releases[0];
        let notes = std::fs::read_to_string(release).unwrap();
        let content = measure(&served, &events, release, |run| {
            format!("{notes}\nEdited {run}.\n")
        });
        let template = fx.dir().join("templates/base.html");
        let theme = measure(&served, &events, &template, |run| {
            base.replace("</main>", &format!("<p>edit {run}</p></main>"))
        });
        let rss = served
            .peak_rss_mib()
            .map(|m| format!("{m} MiB"))
            .unwrap_or_default();
        let pages = served.get("/sitemap.xml").body.matches("<loc>").count();
        println!("| {name} | {pages} | {content} | {theme} | {rss} |");
        served.interrupt();
    }
}

/// Writes `file` seven times (`text(run)`), timing write -> reload event; then restores it.
/// Returns "median ms (min..max)".
fn measure(
    served: &Served,
    events: &Events,
    file: &Path,
    text: impl Fn(usize) -> String,
) -> String {
    let original = std::fs::read_to_string(file).unwrap();
    let mut times = Vec::new();
    for run in 0..7 {
        thread::sleep(Duration::from_millis(300));
        let started = Instant::now();
        std::fs::write(file, text(run)).unwrap();
        events.reload();
        times.push(started.elapsed().as_millis());
        assert_eq!(served.get("/").status, 200);
    }
    std::fs::write(file, original).unwrap();
    events.reload();
    times.sort();
    format!("{} ms ({}..{})", times[3], times[0], times[6])
}
