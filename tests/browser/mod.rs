//! Shared by the real-browser tests: finding Chromium and chromedriver (a missing tool fails
//! the test unless `SHIPBOARD_SKIP_BROWSER_TESTS=1` says to skip), a chromedriver process
//! killed on drop, and WebDriver sessions of headless Chromium started with the flags this
//! machine needs.
#![allow(dead_code)]

pub mod static_site;

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder};
use serde_json::json;

pub const CHROMIUM: &str = "/usr/bin/chromium";

/// How long chromedriver may take to listen.
const DRIVER_START: Duration = Duration::from_secs(30);

/// The variable that lets the browser tests skip when Chromium or chromedriver is missing;
/// without it a missing tool fails the test, so a run never passes by skipping unasked.
pub const SKIP_VARIABLE: &str = "SHIPBOARD_SKIP_BROWSER_TESTS";

/// The single-threaded tokio runtime a browser test drives its WebDriver client on.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// Returns the chromedriver to use; `None` to skip, only when the tools are missing and
/// `SHIPBOARD_SKIP_BROWSER_TESTS=1` is set; panics when they are missing otherwise. `test`
/// names the test in the skip message.
pub fn browser_tools(test: &str) -> Option<PathBuf> {
    let driver = find_in_path("chromedriver");
    let chromium = Path::new(CHROMIUM).is_file();
    if let (Some(driver), true) = (&driver, chromium) {
        return Some(driver.clone());
    }
    let opted_out = std::env::var(SKIP_VARIABLE).is_ok_and(|v| v == "1");
    let missing = match (chromium, driver.is_some()) {
        (false, false) => "/usr/bin/chromium and chromedriver are",
        (false, true) => "/usr/bin/chromium is",
        _ => "chromedriver is",
    };
    if !opted_out {
        panic!(
            "{missing} missing: apt-get install -y chromium chromium-driver \
             (or set {SKIP_VARIABLE}=1 to skip the browser tests)"
        );
    }
    // Straight to stderr, not `eprintln!`: the test harness would capture that of a passing test.
    let _ = writeln!(
        std::io::stderr(),
        "\n{bar}\n## SKIPPED {test}: {missing} missing and {SKIP_VARIABLE}=1.\n\
         ## Install them (apt-get install -y chromium chromium-driver) to run this test.\n{bar}",
        bar = "#".repeat(80)
    );
    None
}

fn find_in_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A running chromedriver, killed on drop (also when the test panics).
pub struct ChromeDriver {
    child: Child,
    pub port: u16,
}

impl ChromeDriver {
    /// Starts `binary` on a free port, logging to `tmp/chromedriver.log`.
    pub fn start(binary: &Path, tmp: &Path) -> Self {
        let port = free_port();
        let log = tmp.join("chromedriver.log");
        let child = Command::new(binary)
            .arg(format!("--port={port}"))
            .arg(format!("--log-path={}", log.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", binary.display()));
        let driver = ChromeDriver { child, port };
        let start = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if start.elapsed() > DRIVER_START {
                let log = std::fs::read_to_string(&log).unwrap_or_default();
                panic!("chromedriver did not listen on port {port}:\n{log}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        driver
    }

    /// A new headless Chromium session with a fresh profile in `profile_dir`; with
    /// `block_storage`, sites may not save data (localStorage throws).
    pub async fn session(&self, profile_dir: &Path, block_storage: bool) -> Result<Client, String> {
        let prefs = block_storage.then(|| {
            // "Block sites from saving data": localStorage access throws a SecurityError.
            json!({ "profile.default_content_setting_values.cookies": 2 })
        });
        self.session_with_prefs(profile_dir, prefs).await
    }

    /// A new headless Chromium session with Chromium preferences `prefs` (e.g. JavaScript
    /// off: `{"profile.managed_default_content_settings.javascript": 2}`).
    pub async fn session_with_prefs(
        &self,
        profile_dir: &Path,
        prefs: Option<serde_json::Value>,
    ) -> Result<Client, String> {
        let mut options = json!({
            "binary": CHROMIUM,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                format!("--user-data-dir={}", profile_dir.display()),
            ],
        });
        if let Some(prefs) = prefs {
            options["prefs"] = prefs;
        }
        let mut caps = serde_json::Map::new();
        caps.insert("goog:chromeOptions".into(), options);
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        ClientBuilder::new(connector)
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .map_err(|e| format!("could not start a Chromium session: {e}"))
    }
}

impl Drop for ChromeDriver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A browser scenario: what a test does with one session.
pub type Scenario = std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>;

/// Runs `scenario` with `client` as its own task, so a panic fails the test instead of
/// leaving the browser open, within `limit`; then always closes the session. `profile`
/// names the session in errors.
pub async fn run_scenario(
    client: Client,
    profile: &str,
    limit: Duration,
    scenario: impl FnOnce(Client) -> Scenario,
) -> Result<(), String> {
    let task = tokio::spawn(tokio::time::timeout(limit, scenario(client.clone())));
    let outcome = match task.await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(_)) => Err(format!("{profile}: the browser scenario timed out")),
        Err(e) => Err(format!("{profile}: the browser scenario failed: {e}")),
    };
    if let Err(e) = client.close().await {
        eprintln!("closing the WebDriver session failed: {e}");
    }
    outcome
}

/// Builds the content repo `content` into `site` with the real binary (`--base-url` when
/// given; `SOURCE_DATE_EPOCH` when given, else the real clock), failing the test with the
/// build's output if it fails or if one of the `expected` files is not in the site.
pub fn build_portal(
    content: &Path,
    site: &Path,
    base_url: Option<&str>,
    source_date_epoch: Option<&str>,
    expected: &[&str],
) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_shipboard"));
    command.arg("build").arg(content).arg("--output").arg(site);
    if let Some(url) = base_url {
        command.arg("--base-url").arg(url);
    }
    // Without an epoch the build reads the real clock, also where the caller's environment
    // pins one (CI sets SOURCE_DATE_EPOCH for its example build): the browser stamps ticks
    // with the real time, and a tick later than the build is an error.
    match source_date_epoch {
        Some(epoch) => command.env("SOURCE_DATE_EPOCH", epoch),
        None => command.env_remove("SOURCE_DATE_EPOCH"),
    };
    let out = command.output().expect("run shipboard build");
    assert!(
        out.status.success(),
        "shipboard build {} failed ({}):\n{}{}",
        content.display(),
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    for file in expected {
        assert!(site.join(file).is_file(), "the build has no {file}");
    }
}

/// Copies a directory tree (a fixture or the example portal) to build a changed copy of it.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create copy");
    for entry in std::fs::read_dir(from).expect("read dir").flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy file");
        }
    }
}
