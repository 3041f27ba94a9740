//! Integration tests of `shipboard serve` under load and under runaway content (issue 16):
//! slow clients cannot starve a normal one, closed event streams give their threads back at
//! once, and a template that renders for ever cannot stop an edit from being served. The
//! real binary on a fixture copy, on 127.0.0.1 only; every wait is bounded.
//!
//! The slow-client test opens 300 sockets in this process and as many in the server: the
//! soft limit on open files (`ulimit -n`) must be at least 1024 (it is checked first).

mod common;
mod serve_client;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{mpsc, Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use common::Fixture;
use serve_client::{serve_with_own_404, Served};

const SLOW_CLIENTS: usize = 300;
const STREAMS: usize = 100;
const QUICK_REQUESTS: usize = 2_000;
/// Clients connecting at once, in each of `QUICK_REQUESTS / QUICK_CLIENTS` bursts.
const QUICK_CLIENTS: usize = 200;

fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).expect("connects");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream
        .set_write_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    stream
}

/// `GET /` on a new connection: the status (0 when the connection broke before one came)
/// and how long connecting, sending and reading the whole response took.
fn timed_get(addr: SocketAddr) -> (u16, Duration) {
    let started = Instant::now();
    let status = get_on(connect(addr), addr);
    (status, started.elapsed())
}

/// `GET /` on the connection `stream`: the status (0 when none came).
fn get_on(mut stream: TcpStream, addr: SocketAddr) -> u16 {
    let _ = stream.write_all(format!("GET / HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes());
    let mut raw = Vec::new();
    // A server that answers before reading the request may reset the connection after
    // its answer: what arrived still counts.
    let _ = stream.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw);
    text.split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

/// The soft limit on open files, from /proc (Linux).
fn open_files_limit() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

#[test]
fn slow_clients_do_not_starve_a_normal_client() {
    let limit = open_files_limit().expect("/proc/self/limits (Linux) gives the open-file limit");
    assert!(
        limit >= 1024,
        "this test needs `ulimit -n` of at least 1024 (it is {limit}): raise it and rerun"
    );
    let fx = Fixture::new("minimal");
    let served = Served::start(&fx);
    assert_eq!(served.get("/").status, 200);

    // 300 clients start a request and then send one byte per second.
    let head = format!("GET / HTTP/1.1\r\nHost: {}\r\n\r\n", served.addr);
    let connecting = Instant::now();
    let mut slow: Vec<TcpStream> = (0..SLOW_CLIENTS).map(|_| connect(served.addr)).collect();
    let connected = connecting.elapsed();
    let started = Instant::now();
    let mut replies = Vec::new();
    for second in 0..3 {
        for stream in &mut slow {
            // A client the server dropped fails here; it stays dropped.
            let _ = stream.write_all(&head.as_bytes()[second..=second]);
        }
        // The server has had time to take every byte; now a normal client asks.
        thread::sleep(Duration::from_millis(300));
        replies.push(timed_get(served.addr));
        let next = Duration::from_secs(second as u64 + 1);
        thread::sleep(next.saturating_sub(started.elapsed()));
    }
    let held = slow.iter().filter(|s| still_open(s)).count();
    eprintln!(
        "normal client while {SLOW_CLIENTS} slow clients send a byte per second: {replies:?}; \
         slow connections (connected in {connected:?}) still open after 3 s: {held}"
    );
    for (status, took) in &replies {
        assert_eq!(
            *status, 200,
            "the normal client was not served: {replies:?}"
        );
        assert!(
            *took < Duration::from_millis(100),
            "the normal client waited {took:?}: {replies:?}"
        );
    }
    drop(slow);
    assert!(started.elapsed() < Duration::from_secs(20));
    served.interrupt();
}

#[test]
fn a_request_head_must_arrive_whole_within_its_deadline() {
    let fx = Fixture::new("minimal");
    let served = Served::start(&fx);
    let mut stream = connect(served.addr);
    let head = format!("GET / HTTP/1.1\r\nHost: {}\r\n\r\n", served.addr);
    let started = Instant::now();
    let (tx, rx) = mpsc::channel();
    let mut reader = stream.try_clone().unwrap();
    thread::spawn(move || {
        let mut answer = Vec::new();
        let _ = reader.read_to_end(&mut answer);
        let _ = tx.send(String::from_utf8_lossy(&answer).into_owned());
    });
    // A byte every 250 ms never lets a single read wait long, but the head never ends.
    let answer = (0..head.len() - 2).find_map(|i| {
        let _ = stream.write_all(&head.as_bytes()[i..=i]);
        rx.recv_timeout(Duration::from_millis(250)).ok()
    });
    let took = started.elapsed();
    eprintln!("a head sent a byte every 250 ms: {answer:?} after {took:?}");
    let answer = answer.expect("the server cut the trickling head");
    assert!(answer.starts_with("HTTP/1.1 408 "), "{answer}");
    assert!(took < Duration::from_secs(7), "cut after {took:?}");
    served.interrupt();
}

/// Whether the server has not closed `stream` (nothing to read yet).
fn still_open(stream: &TcpStream) -> bool {
    stream.set_nonblocking(true).unwrap();
    let mut byte = [0u8; 1];
    let open =
        matches!(stream.peek(&mut byte), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock);
    stream.set_nonblocking(false).unwrap();
    open
}

/// Opens `/__shipboard/events` and waits for its `hello`.
fn open_stream(addr: SocketAddr) -> TcpStream {
    let mut stream = connect(addr);
    write!(
        stream,
        "GET /__shipboard/events HTTP/1.1\r\nHost: {addr}\r\n\r\n"
    )
    .unwrap();
    let mut seen = Vec::new();
    let mut chunk = [0u8; 1024];
    while !String::from_utf8_lossy(&seen).contains("event: hello") {
        let n = stream.read(&mut chunk).expect("the event stream answers");
        assert!(
            n > 0,
            "the event stream closed: {:?}",
            String::from_utf8_lossy(&seen)
        );
        seen.extend_from_slice(&chunk[..n]);
    }
    assert!(String::from_utf8_lossy(&seen).starts_with("HTTP/1.1 200 "));
    stream
}

/// Waits until the server runs at most `threads` threads; how long that took, if it did
/// within `patience`.
fn threads_down_to(served: &Served, threads: usize, patience: Duration) -> Option<Duration> {
    let started = Instant::now();
    while started.elapsed() < patience {
        if served.threads().expect("/proc/PID/task (Linux)") <= threads {
            return Some(started.elapsed());
        }
        thread::sleep(Duration::from_millis(20));
    }
    None
}

/// `QUICK_REQUESTS` requests of `/` in bursts of `QUICK_CLIENTS`: every client connects,
/// then all send their request at once. Their statuses.
fn quick_requests(addr: SocketAddr) -> Vec<u16> {
    let (tx, rx) = mpsc::channel();
    let together = Arc::new(Barrier::new(QUICK_CLIENTS));
    let clients: Vec<_> = (0..QUICK_CLIENTS)
        .map(|_| {
            let tx = tx.clone();
            let together = Arc::clone(&together);
            thread::spawn(move || {
                for _ in 0..QUICK_REQUESTS / QUICK_CLIENTS {
                    let stream = connect(addr);
                    together.wait();
                    let _ = tx.send(get_on(stream, addr));
                }
            })
        })
        .collect();
    drop(tx);
    for client in clients {
        client.join().expect("a client thread");
    }
    rx.iter().collect()
}

#[test]
fn closed_event_streams_are_released_at_once_and_quick_requests_get_no_503() {
    let fx = Fixture::new("minimal");
    let served = Served::start(&fx);
    assert_eq!(served.get("/").status, 200);
    let idle = served.threads().expect("/proc/PID/task (Linux)");

    let streams: Vec<TcpStream> = (0..STREAMS).map(|_| open_stream(served.addr)).collect();
    let streaming = served.threads().unwrap();
    // (Give or take a thread of the pool that served the first request.)
    assert!(
        streaming + 5 >= idle + STREAMS,
        "each open stream is served by a thread: {idle} idle, {streaming} with {STREAMS} streams"
    );
    drop(streams);
    let released = threads_down_to(&served, idle + 5, Duration::from_secs(2));

    let statuses = quick_requests(served.addr);
    let busy = statuses.iter().filter(|&&s| s == 503).count();
    let other: Vec<u16> = statuses.iter().copied().filter(|&s| s != 200).collect();
    eprintln!(
        "{STREAMS} event streams closed: threads released after {released:?}; \
         {QUICK_REQUESTS} requests in bursts of {QUICK_CLIENTS}: {busy} got 503, \
         {} not 200",
        other.len()
    );
    assert!(
        released.is_some(),
        "closed event streams still held their threads 2 s later"
    );
    assert_eq!(statuses.len(), QUICK_REQUESTS);
    assert_eq!(busy, 0, "{busy} of {QUICK_REQUESTS} requests got 503");
    assert!(other.is_empty(), "statuses other than 200: {other:?}");
    served.interrupt();
}

#[test]
fn an_edit_after_a_runaway_template_is_served_within_seconds() {
    let fx = Fixture::new("minimal");
    let (template, served, events) = serve_with_own_404(&fx);

    // 10^12 loop iterations: this page would render for days.
    let forever = "{% for a in range(end=10000) %}{% for b in range(end=10000) %}\
                   {% for c in range(end=10000) %}{% endfor %}{% endfor %}{% endfor %}";
    fx.write(
        "templates/404.html",
        &template.replace("Page not found", &format!("{forever}Page not found")),
    );
    // Past the debounce: the runaway rebuild is rendering now.
    thread::sleep(Duration::from_millis(1500));
    fx.write(
        "templates/404.html",
        &template.replace("Page not found", "Nothing here, sorry"),
    );
    let edited = Instant::now();
    let reload = events.next(Duration::from_secs(15));
    let took = edited.elapsed();
    eprintln!("edit after a runaway template -> reload event: {took:?} ({reload:?})");
    assert_eq!(
        reload.map(|e| e.0).as_deref(),
        Some("reload"),
        "the fix was not picked up within 15 s:\n{}",
        served.stderr()
    );
    let page = served.get("/no/such/page/");
    assert_eq!(page.status, 404);
    assert!(page.body.contains("Nothing here, sorry"), "{}", page.body);
    assert!(took < Duration::from_secs(10), "the fix took {took:?}");
    served.interrupt();
}

#[test]
fn a_template_over_its_memory_budget_is_an_error_in_the_browser_and_serve_lives_on() {
    let fx = Fixture::new("minimal");
    let (template, served, events) = serve_with_own_404(&fx);

    // A string doubled a hundred times: without a budget, a multi-gigabyte allocation
    // aborts the whole preview.
    let doubling = format!(
        "{{% set_global s = \"xxxxxxxx\" %}}{}",
        "{% set_global s = s ~ s %}".repeat(100)
    );
    fx.write(
        "templates/404.html",
        &template.replace("Page not found", &format!("{doubling}Page not found")),
    );
    let failed = events.next(Duration::from_secs(30));
    assert_eq!(
        failed.map(|e| e.0).as_deref(),
        Some("reload"),
        "no failure shown:\n{}",
        served.stderr()
    );
    let page = served.get("/");
    assert!(
        page.body.contains("memory") && page.body.contains("404.html"),
        "the error names the budget and the template: {}",
        page.body
    );
    fx.write(
        "templates/404.html",
        &template.replace("Page not found", "Nothing here, sorry"),
    );
    let reload = events.next(Duration::from_secs(15));
    assert_eq!(
        reload.map(|e| e.0).as_deref(),
        Some("reload"),
        "{}",
        served.stderr()
    );
    let page = served.get("/no/such/page/");
    assert!(page.body.contains("Nothing here, sorry"), "{}", page.body);
    served.interrupt();
}

/// The CPU time (user + system) the process `pid` has used so far (Linux only).
fn cpu_time(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("/proc/PID/stat");
    // Fields after the command name (which may hold spaces), from field 3 on.
    let after = &stat[stat.rfind(')').expect("a command name") + 2..];
    let fields: Vec<&str> = after.split(' ').collect();
    let ticks = |i: usize| fields[i - 3].parse::<u64>().expect("a tick count");
    // utime and stime (fields 14 and 15), in USER_HZ ticks: 100 a second on Linux.
    Duration::from_millis((ticks(14) + ticks(15)) * 10)
}

#[test]
fn a_runaway_template_stops_using_the_cpu_once_reported_stopped() {
    let fx = Fixture::new("minimal");
    let (template, served, events) = serve_with_own_404(&fx);
    let forever = "{% for i in range(end=100000) %}{% for j in range(end=100000) %}\
                   {% endfor %}{% endfor %}";
    fx.write(
        "templates/404.html",
        &template.replace("Page not found", &format!("{forever}Page not found")),
    );
    // The watchdog reports the page past its 10 s budget (and a 1 s grace).
    let failed = events.next(Duration::from_secs(60));
    assert_eq!(
        failed.map(|e| e.0).as_deref(),
        Some("reload"),
        "no failure shown:\n{}",
        served.stderr()
    );
    let page = served.get("/");
    assert!(
        page.body.contains("longer than") && page.body.contains("stopped"),
        "{}",
        page.body
    );
    // The runaway parks at its next allocation: one outer iteration at most.
    thread::sleep(Duration::from_secs(2));
    let before = cpu_time(served.pid());
    thread::sleep(Duration::from_secs(4));
    let used = cpu_time(served.pid()) - before;
    // Spinning, the thread took a core (4 s, or well over 1 s on a shared machine).
    assert!(
        used < Duration::from_millis(500),
        "the stopped render still used {used:?} of CPU in 4 s"
    );
    served.interrupt();
}

/// A runaway in a template every page uses (`base.html`) catches every worker of the
/// rebuild in turn: each one is halted, and no page starts once the render has failed.
#[test]
fn a_runaway_shared_template_stops_every_worker() {
    let fx = Fixture::new("minimal");
    let (_, served, events) = serve_with_own_404(&fx);
    let builtin =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/default/templates/base.html");
    let base = std::fs::read_to_string(builtin).expect("the built-in base template");
    let forever = "{% for i in range(end=100000) %}{% for j in range(end=100000) %}\
                   {% endfor %}{% endfor %}";
    assert!(base.contains("<body"), "{base}");
    fx.write(
        "templates/base.html",
        &base.replacen("<body", &format!("{forever}<body"), 1),
    );
    let failed = events.next(Duration::from_secs(60));
    assert_eq!(
        failed.map(|e| e.0).as_deref(),
        Some("reload"),
        "no failure shown:\n{}",
        served.stderr()
    );
    // Every worker that took a page parks within an outer iteration of its loop.
    thread::sleep(Duration::from_secs(4));
    let before = cpu_time(served.pid());
    thread::sleep(Duration::from_secs(4));
    let used = cpu_time(served.pid()) - before;
    assert!(
        used < Duration::from_millis(500),
        "the stopped render still used {used:?} of CPU in 4 s"
    );
    served.interrupt();
}

/// Bytes that LZ4 cannot shrink (a 64-bit LCG's high bytes), so the file is held at its
/// full size and every request that decompressed it whole would hold a copy.
fn incompressible(len: usize) -> Vec<u8> {
    let mut state: u64 = 0x5eed;
    (0..len)
        .map(|_| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 56) as u8
        })
        .collect()
}

#[test]
fn clients_downloading_a_large_file_at_once_do_not_each_hold_a_copy() {
    const MIB: usize = 1024 * 1024;
    const DOWNLOADS: usize = 32;
    let fx = Fixture::new("minimal");
    let big = incompressible(24 * MIB);
    let path = fx.dir().join("static/files/big.bin");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, &big).unwrap();
    let served = Served::start(&fx);
    let before = served.peak_rss_mib().expect("VmHWM (Linux)");

    // Clients that ask for the file and then read nothing: the server is stuck mid-body
    // with each of them until its write deadline.
    let head = format!(
        "GET /files/big.bin HTTP/1.1\r\nHost: {}\r\n\r\n",
        served.addr
    );
    let stalled: Vec<TcpStream> = (0..DOWNLOADS)
        .map(|_| {
            let mut stream = connect(served.addr);
            stream
                .write_all(head.as_bytes())
                .expect("the request is sent");
            stream
        })
        .collect();
    thread::sleep(Duration::from_secs(2));
    // One client reads it whole meanwhile, and gets every byte.
    let mut whole = connect(served.addr);
    whole
        .write_all(head.as_bytes())
        .expect("the request is sent");
    let mut raw = Vec::new();
    whole.read_to_end(&mut raw).expect("the whole answer");
    let body_at = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a head")
        + 4;
    assert!(raw[body_at..] == big[..], "the file came back changed");

    let peak = served.peak_rss_mib().expect("VmHWM (Linux)");
    eprintln!("peak resident memory: {before} MiB served, {peak} MiB with {DOWNLOADS} stalled downloads of a 24 MiB file");
    // Each download decompressing the file whole would add 24 MiB apiece (768 MiB).
    assert!(
        peak < before + 96,
        "{DOWNLOADS} downloads of a 24 MiB file took the server from {before} to {peak} MiB"
    );
    drop(stalled);
    served.interrupt();
}
