//! A tiny static file server on 127.0.0.1 for the browser tests: serves a built site with the
//! portal's Content-Security-Policy (no inline code, no eval, no inline styles), so a test
//! fails if the client runtime needs anything the real CSP forbids.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

/// The portal's policy: the runtime must work without inline code, eval or inline styles.
pub const CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'";

/// Serves `root` on an ephemeral 127.0.0.1 port for the rest of the test process; returns
/// the port. GET/HEAD only, `index.html` for directories, 404 for anything outside `root`.
pub fn serve(root: PathBuf) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind static server");
    let port = listener.local_addr().expect("server address").port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let root = root.clone();
            std::thread::spawn(move || {
                let _ = respond(stream, &root);
            });
        }
    });
    port
}

pub fn respond(mut stream: TcpStream, root: &Path) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request = String::new();
    reader.read_line(&mut request)?;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header == "\r\n" || header == "\n" {
            break;
        }
    }
    let mut parts = request.split_whitespace();
    let method = parts.next().unwrap_or("");
    let target = parts.next().unwrap_or("/");
    let path = target.split(['?', '#']).next().unwrap_or("/");
    let file = resolve(root, path);
    let (status, kind, body) = match file.and_then(|f| std::fs::read(&f).ok().map(|b| (f, b))) {
        Some((f, body)) if method == "GET" || method == "HEAD" => {
            ("200 OK", content_type(&f), body)
        }
        Some(_) => (
            "405 Method Not Allowed",
            "text/plain",
            b"method not allowed".to_vec(),
        ),
        None => ("404 Not Found", "text/plain", b"not found".to_vec()),
    };
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\n\
         Content-Security-Policy: {CSP}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    if method != "HEAD" {
        stream.write_all(&body)?;
    }
    stream.flush()?;
    // Drain anything left so the close is clean.
    let _ = stream.set_read_timeout(Some(Duration::from_millis(10)));
    let _ = reader.read(&mut [0u8; 512]);
    Ok(())
}

pub fn resolve(root: &Path, url_path: &str) -> Option<PathBuf> {
    let decoded = percent_decode(url_path)?;
    let rel = Path::new(decoded.trim_start_matches('/'));
    if rel.components().any(|c| !matches!(c, Component::Normal(_))) {
        return None;
    }
    let mut file = root.join(rel);
    if file.is_dir() {
        file.push("index.html");
    }
    file.is_file().then_some(file)
}

/// The preview server's own decoder: the test server reads paths the same way.
pub fn percent_decode(s: &str) -> Option<String> {
    shipboard::server::http::percent_decode(s)
}

pub fn content_type(file: &Path) -> &'static str {
    match file.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "ics" => "text/calendar; charset=utf-8",
        "atom" | "xml" => "application/xml",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "md" | "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}
