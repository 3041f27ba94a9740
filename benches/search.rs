//! Search benchmark (issue 11): Shipboard's search index and client against Pagefind on the
//! same built site, the 10,000-release / 1,000-runbook portal of `benches/build.rs` with its
//! git history. Prints Markdown tables (see BENCHMARKS.md, "Search (issue 11)").
//!
//! Run with `cargo bench --bench search`. It asserts nothing about speed.
//!
//! 1. Uses the content repo `benches/build.rs` generates (`target/bench-content/releases-10000`;
//!    run `cargo bench --bench build` once first). The generator is not copied here: it is
//!    being moved into a module shared by the benches; until then this bench reads its output.
//! 2. Builds the site with the release binary (`shipboard build`, `SOURCE_DATE_EPOCH` fixed),
//!    twice, and measures in-process what the index costs: `search::index_files` on the
//!    prepared site (median of 3) plus writing those files, against the whole build.
//! 3. Index size on disk: `search/` (files, bytes, gzip -9 bytes) and Pagefind's `pagefind/`.
//! 4. Runs Pagefind 1.6.0 on the same site (`SHIPBOARD_PAGEFIND` names its binary, else it is
//!    installed with npm into `target/bench-pagefind/`): `pagefind --site <site>`, timed.
//! 5. Serves the site from a loopback HTTP server that gzips text, JS and wasm responses as a
//!    static host does (Pagefind's own files are gzip already and are sent as they are) and
//!    logs every response; drives headless Chromium (chromedriver). For each kind of query
//!    (ticket id, commit SHA prefix, version, word from a runbook) a fresh page load, a wait
//!    until the network is quiet, then the first query: Shipboard's box (focus + input, as
//!    the first keystroke) until it shows results; Pagefind's JS API (`import pagefind.js`,
//!    `search`, `data()` of the first 5 results, what its default UI shows). Reported: every
//!    byte the page fetched after load, the time from the keystroke to results, and the time
//!    from the last index file's arrival (Resource Timing `responseEnd`) to results.
//!    Only loopback traffic.

#[path = "../tests/browser/mod.rs"]
mod browser;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fantoccini::Client;
use serde_json::{json, Value};
use shipboard_search::index::{self, Manifest};

const SOURCE_DATE_EPOCH: &str = "1795608000";
const PAGEFIND_VERSION: &str = "1.6.0";

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let content = target.join("bench-content/releases-10000");
    if !content.join(".bench-params").is_file() {
        eprintln!(
            "{} is missing: run `cargo bench --bench build` once (it generates the 10,000-release portal)",
            content.display()
        );
        std::process::exit(2);
    }
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_shipboard"));
    let site = target.join("bench-content/out-search-10000");

    // Build time: the real binary, twice; then the index alone, in-process.
    let mut walls = Vec::new();
    for _ in 0..2 {
        let _ = std::fs::remove_dir_all(&site);
        let started = Instant::now();
        let out = Command::new(&binary)
            .arg("build")
            .arg(&content)
            .arg("--output")
            .arg(&site)
            .arg("-q")
            .env("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
            .output()
            .expect("run shipboard build");
        assert!(
            out.status.success(),
            "build failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        walls.push(started.elapsed().as_secs_f64());
    }
    walls.sort_by(f64::total_cmp);
    let (index_secs, write_secs, index_files) = time_index(&content);
    let build = walls[0];
    println!("## Build");
    println!();
    println!("| | time |");
    println!("|---|---|");
    println!("| `shipboard build`, whole site with the index (min of 2) | {build:.2} s |");
    println!("| of which the index: documents + encoding (`search::index_files`, median of 3) | {index_secs:.3} s |");
    println!(
        "| writing the index files ({index_files} files, measured apart) | {write_secs:.3} s |"
    );
    let added = index_secs + write_secs;
    println!(
        "| added by search | {added:.2} s = {:.1} % of the build without it |",
        100.0 * added / (build - added)
    );

    // Pagefind on the same site.
    let pagefind = pagefind_binary(&target);
    let _ = std::fs::remove_dir_all(site.join("pagefind"));
    let started = Instant::now();
    let out = Command::new(&pagefind)
        .arg("--site")
        .arg(&site)
        .output()
        .expect("run pagefind");
    let pagefind_secs = started.elapsed().as_secs_f64();
    assert!(
        out.status.success(),
        "pagefind failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    println!("| `pagefind --site` on the built site, for comparison | {pagefind_secs:.2} s |");
    println!();
    let ours = tree(&site.join("search"));
    let theirs = tree(&site.join("pagefind"));
    println!("## Index on disk");
    println!();
    println!("| index | files | bytes | gzip -9 bytes |");
    println!("|---|---|---|---|");
    println!(
        "| Shipboard `search/` | {} | {} | {} |",
        ours.0, ours.1, ours.2
    );
    println!(
        "| Pagefind `pagefind/` | {} | {} | (stored gzip) |",
        theirs.0, theirs.1
    );
    println!();

    let queries = pick_queries(&site);
    let log: Log = Arc::new(Mutex::new(Vec::new()));
    let port = serve(site.clone(), log.clone());
    let base = format!("http://127.0.0.1:{port}/");
    let chromedriver = browser::browser_tools("bench search").expect("chromedriver");
    let tmp = tempfile::tempdir().expect("temp dir");
    let driver = browser::ChromeDriver::start(&chromedriver, tmp.path());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let rows = runtime.block_on(async {
        let c = driver
            .session(&tmp.path().join("profile"), false)
            .await
            .expect("Chromium session");
        let mut rows = Vec::new();
        for (kind, query) in &queries {
            let ours = first_query(&c, &base, &log, query, SHIPBOARD).await;
            let theirs = first_query(&c, &base, &log, query, PAGEFIND).await;
            rows.push((kind, query.clone(), ours, theirs));
        }
        let _ = c.close().await;
        rows
    });
    println!("## First query (fresh page load, everything fetched after load)");
    println!();
    println!("| query | Shipboard bytes (requests) | Pagefind bytes (requests) | ratio | Shipboard keystroke -> results | after last index file | Pagefind search + 5 × data() | after last index file | Shipboard first result | Pagefind first result |");
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for (kind, query, ours, theirs) in rows {
        println!(
            "| {kind}: `{query}` | {} ({}) | {} ({}) | {:.2} | {:.0} ms | {:.1} ms | {:.0} ms | {:.1} ms | {} | {} |",
            ours.bytes,
            ours.requests,
            theirs.bytes,
            theirs.requests,
            ours.bytes as f64 / theirs.bytes.max(1) as f64,
            ours.total_ms,
            ours.after_last_ms,
            theirs.total_ms,
            theirs.after_last_ms,
            ours.first,
            theirs.first,
        );
        for (path, bytes) in &ours.files {
            println!("<!-- shipboard {kind}: {path} {bytes} -->");
        }
    }
    drop(driver);
}

/// In-process: the index of the prepared site, median of 3, and writing its files.
fn time_index(content: &Path) -> (f64, f64, usize) {
    let prepared = shipboard::commands::build::prepare(content, None);
    let (Some(c), Some(model)) = (prepared.content.as_ref(), prepared.model.as_ref()) else {
        panic!("the bench content has errors");
    };
    let mut times = Vec::new();
    let mut files = Vec::new();
    for _ in 0..3 {
        let started = Instant::now();
        files = shipboard::search::index_files(c, model, prepared.history.as_ref());
        times.push(started.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    let dir = tempfile::tempdir().expect("temp dir");
    let started = Instant::now();
    for (path, bytes) in &files {
        let file = dir.path().join(path);
        if let Some(parent) = file.parent() {
            std::fs::create_dir_all(parent).expect("create dir");
        }
        std::fs::write(&file, bytes).expect("write index file");
    }
    (times[1], started.elapsed().as_secs_f64(), files.len())
}

fn pagefind_binary(target: &Path) -> PathBuf {
    if let Some(path) = std::env::var_os("SHIPBOARD_PAGEFIND") {
        return PathBuf::from(path);
    }
    let prefix = target.join("bench-pagefind");
    let bin = prefix.join("node_modules/.bin/pagefind");
    if !bin.exists() {
        let status = Command::new("npm")
            .args(["install", "--silent", "--no-audit", "--no-fund", "--prefix"])
            .arg(&prefix)
            .arg(format!("pagefind@{PAGEFIND_VERSION}"))
            .status()
            .expect("npm install pagefind");
        assert!(status.success(), "npm install pagefind failed");
    }
    bin
}

/// (files, bytes, gzip -9 bytes) of a folder.
fn tree(dir: &Path) -> (usize, u64, u64) {
    let mut out = (0, 0, 0);
    for entry in walkdir::WalkDir::new(dir).into_iter().flatten() {
        if entry.file_type().is_file() {
            let bytes = std::fs::read(entry.path()).expect("read");
            out.0 += 1;
            out.1 += bytes.len() as u64;
            out.2 += gzip(&bytes).len() as u64;
        }
    }
    out
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).expect("gzip");
    encoder.finish().expect("gzip")
}

/// One query of each kind, taken from the built index so they exist: a ticket id, a SHA
/// prefix (7 digits), a `system major.minor` version prefix and a word from a runbook
/// section's heading.
fn pick_queries(site: &Path) -> Vec<(&'static str, String)> {
    let dir = site.join("search");
    let read = |p: &str| std::fs::read_to_string(dir.join(p)).unwrap_or_default();
    let manifest = Manifest::parse(&read("index.txt")).expect("manifest");
    let mut ticket = None;
    let mut version = None;
    for name in &manifest.keys {
        for line in read(&format!("k/{name}.txt")).lines() {
            let key = line.split('\t').next().unwrap_or("");
            let parts: Vec<&str> = key.split(['-', ' ']).collect();
            if ticket.is_none()
                && parts.len() == 2
                && parts[0].chars().all(|c| c.is_ascii_alphabetic())
                && parts[1].len() >= 3
                && parts[1].chars().all(|c| c.is_ascii_digit())
            {
                ticket = Some(key.to_ascii_uppercase());
            }
            if version.is_none() && key.contains(' ') && key.matches('.').count() == 2 {
                if let Some((system, v)) = key.rsplit_once(' ') {
                    let minor = v.rsplit_once('.').map_or(v, |(m, _)| m);
                    if system.chars().all(|c| c.is_ascii_alphabetic()) {
                        version = Some(format!("{system} {minor}"));
                    }
                }
            }
        }
    }
    let sha = manifest
        .commits
        .get(manifest.commits.len() / 2)
        .and_then(|name| {
            read(&format!("c/{name}.txt"))
                .lines()
                .next()
                .map(|l| l[..7].to_owned())
        })
        .expect("a commit");
    let mut word = None;
    for doc in 0..manifest.docs {
        let fragment = read(&manifest.fragment_path(doc));
        if let Ok(record) = index::record(&fragment, doc % manifest.bucket) {
            if record.group == b'b' && record.url.contains('#') {
                let heading = record.title.rsplit('›').next().unwrap_or("");
                word = heading
                    .split(|c: char| !c.is_alphanumeric())
                    .rfind(|w| w.len() >= 6)
                    .map(str::to_lowercase);
                if word.is_some() {
                    break;
                }
            }
        }
    }
    vec![
        ("ticket id", ticket.expect("a ticket key")),
        ("commit SHA prefix", sha),
        ("version", version.expect("a version key")),
        ("runbook word", word.expect("a runbook word")),
    ]
}

// --- Browser ------------------------------------------------------------------------------

/// What one first query cost.
struct Measured {
    bytes: usize,
    requests: usize,
    total_ms: f64,
    after_last_ms: f64,
    first: String,
    files: Vec<(String, usize)>,
}

const SHIPBOARD: &str = "const [q, done] = arguments; const box = document.querySelector('[data-search]');\
    const input = document.getElementById('search-q'); const t0 = performance.now();\
    new MutationObserver((m, o) => { if (box.getAttribute('data-answered') !== q) return; o.disconnect();\
      const t1 = performance.now();\
      const last = Math.max(0, ...performance.getEntriesByType('resource').filter(e => e.name.includes('/search/') || e.name.includes('/widget/search/')).map(e => e.responseEnd));\
      const first = box.querySelector('[role=option]');\
      done({ total: t1 - t0, after: t1 - last, first: first ? first.getAttribute('href') : '' });\
    }).observe(box, { attributes: true, attributeFilter: ['data-answered'] });\
    input.focus(); input.value = q; input.dispatchEvent(new Event('input', { bubbles: true }));";

const PAGEFIND: &str = "const [q, done] = arguments; const t0 = performance.now();\
    import('/pagefind/pagefind.js').then(async (pf) => { const r = await pf.search(q);\
      const data = await Promise.all(r.results.slice(0, 5).map((x) => x.data()));\
      const t1 = performance.now();\
      const last = Math.max(0, ...performance.getEntriesByType('resource').filter(e => e.name.includes('/pagefind/')).map(e => e.responseEnd));\
      done({ total: t1 - t0, after: t1 - last, first: data.length ? data[0].url : '' }); })\
    .catch((e) => done({ total: -1, after: -1, first: String(e) }));";

async fn first_query(c: &Client, base: &str, log: &Log, query: &str, script: &str) -> Measured {
    c.goto(base).await.expect("open the home page");
    // Quiet: nothing fetched for 1 s (the page's own client runtime has loaded).
    let mut seen = usize::MAX;
    loop {
        tokio::time::sleep(Duration::from_millis(1000)).await;
        let now = log.lock().map(|l| l.len()).unwrap_or(0);
        if now == seen {
            break;
        }
        seen = now;
    }
    let mark = seen;
    let v: Value = c
        .execute_async(script, vec![json!(query)])
        .await
        .expect("run the query");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let files: Vec<(String, usize)> = log.lock().map(|l| l[mark..].to_vec()).unwrap_or_default();
    Measured {
        bytes: files.iter().map(|f| f.1).sum(),
        requests: files.len(),
        total_ms: v["total"].as_f64().unwrap_or(-1.0),
        after_last_ms: v["after"].as_f64().unwrap_or(-1.0),
        first: v["first"].as_str().unwrap_or("").to_owned(),
        files,
    }
}

// --- Loopback server ------------------------------------------------------------------------

/// Every response sent: (path, bytes on the wire: headers and body).
type Log = Arc<Mutex<Vec<(String, usize)>>>;

fn serve(root: PathBuf, log: Log) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let (root, log) = (root.clone(), log.clone());
            std::thread::spawn(move || {
                let _ = respond(stream, &root, &log);
            });
        }
    });
    port
}

fn respond(mut stream: TcpStream, root: &Path, log: &Log) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request = String::new();
    reader.read_line(&mut request)?;
    let mut headers = BTreeMap::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_owned());
        }
    }
    let path = request.split_whitespace().nth(1).unwrap_or("/").to_owned();
    let file = browser::static_site::resolve(root, path.split('?').next().unwrap_or("/"));
    let (status, kind, mut body) = match file.and_then(|f| std::fs::read(&f).ok().map(|b| (f, b))) {
        Some((f, body)) => ("200 OK", browser::static_site::content_type(&f), body),
        None => ("404 Not Found", "text/plain", b"not found".to_vec()),
    };
    let compressible =
        kind.starts_with("text/") || kind.contains("javascript") || kind == "application/wasm";
    let gzip_ok = headers
        .get("accept-encoding")
        .is_some_and(|v| v.contains("gzip"));
    let mut encoding = "";
    if compressible && gzip_ok {
        body = gzip(&body);
        encoding = "Content-Encoding: gzip\r\n";
    }
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\n{encoding}Content-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes())?;
    stream.write_all(&body)?;
    stream.flush()?;
    if let Ok(mut log) = log.lock() {
        log.push((path, head.len() + body.len()));
    }
    let _ = stream.set_read_timeout(Some(Duration::from_millis(10)));
    let _ = reader.read(&mut [0u8; 512]);
    Ok(())
}
