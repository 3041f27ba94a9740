//! Helpers of tests/serve.rs: `shipboard serve` as a child process on a free loopback
//! port, a minimal HTTP client and a Server-Sent Events reader. Every wait is bounded.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use crate::common::{Fixture, SOURCE_DATE_EPOCH};

/// Longest wait for the server to start or for a rebuild to reach the browser.
pub const PATIENCE: Duration = Duration::from_secs(60);

/// `shipboard serve DIR --port 0`, running.
pub struct Served {
    child: Child,
    pub addr: SocketAddr,
    stderr: Arc<Mutex<String>>,
}

impl Served {
    pub fn start(fx: &Fixture) -> Served {
        Served::start_dir(&fx.dir())
    }

    pub fn start_dir(dir: &Path) -> Served {
        Served::start_dir_at(dir, SOURCE_DATE_EPOCH)
    }

    /// `start_dir`, building at `epoch` (`SOURCE_DATE_EPOCH` seconds).
    pub fn start_dir_at(dir: &Path, epoch: &str) -> Served {
        let mut child = Command::new(env!("CARGO_BIN_EXE_shipboard"))
            .args(["serve", &dir.display().to_string(), "--port", "0"])
            .env("SOURCE_DATE_EPOCH", epoch)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the shipboard binary starts");
        let stderr = Arc::new(Mutex::new(String::new()));
        let sink = Arc::clone(&stderr);
        let err = child.stderr.take().expect("piped stderr");
        thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                let mut all = sink.lock().unwrap();
                all.push_str(&line);
                all.push('\n');
            }
        });
        let (tx, rx) = mpsc::channel();
        let out = child.stdout.take().expect("piped stdout");
        thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let line = rx.recv_timeout(PATIENCE).unwrap_or_else(|_| {
            let _ = child.kill();
            panic!("no URL printed; stderr:\n{}", stderr.lock().unwrap())
        });
        let url = line
            .strip_prefix("Serving http://")
            .and_then(|rest| rest.split('/').next())
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"));
        assert!(line.ends_with("/ — Ctrl-C to stop"), "{line}");
        let addr: SocketAddr = url.parse().expect("host:port in the URL");
        assert!(addr.ip().is_loopback(), "binds loopback by default: {addr}");
        Served {
            child,
            addr,
            stderr,
        }
    }

    pub fn get(&self, path: &str) -> Reply {
        request(self.addr, "GET", path)
    }

    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Whether the server printed `needle` (waiting a little: stderr is read on a thread).
    pub fn printed(&self, needle: &str) -> bool {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !self.stderr().contains(needle) {
            if Instant::now() > deadline {
                return false;
            }
            thread::sleep(Duration::from_millis(20));
        }
        true
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// How many threads the server process runs now (Linux only).
    pub fn threads(&self) -> Option<usize> {
        let tasks = std::fs::read_dir(format!("/proc/{}/task", self.child.id())).ok()?;
        Some(tasks.count())
    }

    /// The server process's peak resident memory in MiB (Linux only).
    pub fn peak_rss_mib(&self) -> Option<u64> {
        let pid = self.child.id();
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
        let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kib / 1024)
    }

    /// Ctrl-C, then the process must be gone promptly.
    pub fn interrupt(mut self) {
        #[cfg(unix)]
        let sent = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .is_ok_and(|s| s.success());
        #[cfg(not(unix))]
        let sent = self.child.kill().is_ok();
        assert!(sent, "could not interrupt the server");
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        panic!("the server did not stop on SIGINT");
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub struct Reply {
    pub status: u16,
    pub head: String,
    pub body: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case(name).then(|| value.trim())
        })
    }
}

fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).expect("connects");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    stream
        .set_write_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    stream
}

pub fn request(addr: SocketAddr, method: &str, path: &str) -> Reply {
    request_as(addr, &addr.to_string(), method, path)
}

/// A request with `host` as its `Host` header.
pub fn request_as(addr: SocketAddr, host: &str, method: &str, path: &str) -> Reply {
    let mut stream = connect(addr);
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("a complete response");
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = raw.split_once("\r\n\r\n").expect("a response head");
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status code");
    Reply {
        status,
        head: head.to_owned(),
        body: body.to_owned(),
    }
}

/// An open `/__shipboard/events` stream; events arrive through a channel.
/// Serves `fx` with the built-in `404.html` copied into its `templates/` (so a test can edit
/// a theme template), once the first build is live; returns the template's text too.
pub fn serve_with_own_404(fx: &Fixture) -> (String, Served, Events) {
    let builtin = Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/default/templates/404.html");
    let template = std::fs::read_to_string(builtin).expect("the built-in 404 template");
    assert!(template.contains("Page not found"));
    fx.write("templates/404.html", &template);
    let served = Served::start(fx);
    let events = Events::open(served.addr);
    assert_eq!(events.next(PATIENCE).map(|e| e.0).as_deref(), Some("hello"));
    (template, served, events)
}

pub struct Events {
    rx: Receiver<(String, String)>,
}

impl Events {
    pub fn open(addr: SocketAddr) -> Events {
        let mut stream = connect(addr);
        stream.set_read_timeout(Some(PATIENCE * 2)).unwrap();
        write!(
            stream,
            "GET /__shipboard/events HTTP/1.1\r\nHost: {addr}\r\n\r\n"
        )
        .unwrap();
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            let mut lines = BufReader::new(stream).lines().map_while(Result::ok);
            let head: Vec<String> = lines.by_ref().take_while(|l| !l.is_empty()).collect();
            assert!(head[0].contains(" 200 "), "{head:?}");
            assert!(
                head.iter().any(|h| h.contains("text/event-stream")),
                "{head:?}"
            );
            let (mut event, mut data) = (String::new(), String::new());
            for line in lines {
                if let Some(name) = line.strip_prefix("event: ") {
                    event = name.to_owned();
                } else if let Some(value) = line.strip_prefix("data: ") {
                    data = value.to_owned();
                } else if line.is_empty() && !event.is_empty() {
                    let next = (std::mem::take(&mut event), std::mem::take(&mut data));
                    if tx.send(next).is_err() {
                        return;
                    }
                }
            }
        });
        Events { rx }
    }

    /// The next event's name and data, waiting at most `wait`.
    pub fn next(&self, wait: Duration) -> Option<(String, String)> {
        self.rx.recv_timeout(wait).ok()
    }

    /// Waits for a reload event and returns its data (the new generation).
    pub fn reload(&self) -> String {
        match self.next(PATIENCE) {
            Some((event, data)) if event == "reload" => data,
            other => panic!("expected a reload event, got {other:?}"),
        }
    }
}
