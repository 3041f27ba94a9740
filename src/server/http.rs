//! Just enough HTTP/1.1 for a local preview: read one GET or HEAD request, write one
//! response, close the connection.
//!
//! Request targets are percent-decoded into a path that is only ever used as a key into the
//! in-memory site, never joined to a file system path; a target with a control character
//! is refused (it could end up in a `Location` header). Headers are read (to find the end
//! of the request: a blank line, `\r\n` or bare `\n`) and ignored but for `Host` and
//! `Content-Length`: a body up to [`MAX_BODY`] is read and discarded (a socket closed with
//! unread input is reset, which would cut the response short), a larger one gets 413.

use std::io::{self, Read, Write};

use super::site::Stored;
use thiserror::Error;

/// Longest request head accepted (request line + headers).
const MAX_HEAD: usize = 16 * 1024;
/// Largest request body read (and discarded); a larger one gets 413.
pub const MAX_BODY: u64 = 1024 * 1024;

/// The methods the preview answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Head,
}

/// One parsed request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: Method,
    /// The decoded path, starting with `/`.
    pub path: String,
    /// The raw query string, without `?`.
    pub query: Option<String>,
    /// The `Host` header, if sent.
    pub host: Option<String>,
}

/// Why a request could not be answered normally.
#[derive(Debug, Error)]
pub enum RequestError {
    #[error("the connection closed before a full request")]
    Closed,
    #[error("the request head did not arrive in time")]
    TimedOut,
    #[error("the request head is larger than {MAX_HEAD} bytes")]
    TooLarge,
    #[error("the request body is larger than {MAX_BODY} bytes (the preview takes no bodies)")]
    BodyTooLarge,
    #[error("malformed request: {0}")]
    Malformed(&'static str),
    #[error("method {0} is not allowed")]
    MethodNotAllowed(String),
    #[error(transparent)]
    Io(#[from] io::Error),
}

impl RequestError {
    /// The status to answer with, if the connection can still take an answer.
    pub fn status(&self) -> Option<u16> {
        match self {
            RequestError::Closed | RequestError::Io(_) => None,
            RequestError::TimedOut => Some(408),
            RequestError::TooLarge => Some(431),
            RequestError::BodyTooLarge => Some(413),
            RequestError::Malformed(_) => Some(400),
            RequestError::MethodNotAllowed(_) => Some(405),
        }
    }
}

/// Reads and parses one request head from `stream`. A read that times out ends it:
/// [`RequestError::TimedOut`], or [`RequestError::Closed`] when nothing was sent at all (an
/// idle connection a browser opened ahead of time gets no error response).
pub fn read_request(stream: &mut impl Read) -> Result<Request, RequestError> {
    let mut head = Vec::with_capacity(1024);
    let mut chunk = [0u8; 2048];
    loop {
        let n = match stream.read(&mut chunk) {
            Ok(n) => n,
            Err(err) if err.kind() == io::ErrorKind::TimedOut && head.is_empty() => {
                return Err(RequestError::Closed)
            }
            Err(err) if err.kind() == io::ErrorKind::TimedOut => {
                return Err(RequestError::TimedOut)
            }
            Err(err) => return Err(err.into()),
        };
        if n == 0 {
            return Err(RequestError::Closed);
        }
        head.extend_from_slice(&chunk[..n]);
        let end = head_end(&head);
        if end.map_or(head.len(), |(end, _)| end) > MAX_HEAD {
            return Err(RequestError::TooLarge);
        }
        if let Some((end, body_start)) = end {
            let read_ahead = (head.len() - body_start) as u64;
            head.truncate(end);
            // The body first: a refused request (405) must not leave it unread either.
            discard_body(stream, &head, read_ahead)?;
            return parse_head(&head);
        }
    }
}

/// Where the head in `bytes` ends (before its blank line) and its body starts, if the
/// blank line has arrived: `\r\n\r\n`, or bare line feeds as some clients send.
fn head_end(bytes: &[u8]) -> Option<(usize, usize)> {
    (0..bytes.len()).find_map(|i| {
        if bytes[i] != b'\n' {
            return None;
        }
        let blank = match bytes.get(i + 1..) {
            Some([b'\n', ..]) => 1,
            Some([b'\r', b'\n', ..]) => 2,
            _ => return None,
        };
        let end = if i > 0 && bytes[i - 1] == b'\r' {
            i - 1
        } else {
            i
        };
        Some((end, i + 1 + blank))
    })
}

/// Reads and drops the request's body (`Content-Length` bytes, `read_ahead` of them read
/// with the head already), so closing the socket sends the response whole.
fn discard_body(stream: &mut impl Read, head: &[u8], read_ahead: u64) -> Result<(), RequestError> {
    let head = String::from_utf8_lossy(head);
    let length = head.lines().skip(1).find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.trim()
            .eq_ignore_ascii_case("content-length")
            .then(|| value.trim().parse::<u64>())
    });
    let length = match length {
        None => return Ok(()),
        Some(Ok(length)) => length,
        Some(Err(_)) => return Err(RequestError::Malformed("bad Content-Length")),
    };
    if length > MAX_BODY {
        return Err(RequestError::BodyTooLarge);
    }
    let left = length.saturating_sub(read_ahead);
    let copied =
        io::copy(&mut stream.take(left), &mut io::sink()).map_err(|err| match err.kind() {
            io::ErrorKind::TimedOut => RequestError::TimedOut,
            _ => RequestError::Io(err),
        })?;
    if copied < left {
        return Err(RequestError::Closed);
    }
    Ok(())
}

/// The request line and headers (without the blank line).
fn parse_head(head: &[u8]) -> Result<Request, RequestError> {
    let head = std::str::from_utf8(head).map_err(|_| RequestError::Malformed("not UTF-8"))?;
    let line = head.lines().next().unwrap_or_default();
    let mut parts = line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(RequestError::Malformed("bad request line"));
    };
    if !version.starts_with("HTTP/1.") {
        return Err(RequestError::Malformed("unsupported HTTP version"));
    }
    let method = match method {
        "GET" => Method::Get,
        "HEAD" => Method::Head,
        other => return Err(RequestError::MethodNotAllowed(other.to_owned())),
    };
    let (path, query) = parse_target(target)?;
    let host = head.lines().skip(1).find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.trim()
            .eq_ignore_ascii_case("host")
            .then(|| value.trim().to_owned())
    });
    Ok(Request {
        method,
        path,
        query,
        host,
    })
}

/// Splits a request target into its decoded path and raw query.
pub fn parse_target(target: &str) -> Result<(String, Option<String>), RequestError> {
    let target = target.split('#').next().unwrap_or_default();
    let (raw_path, query) = match target.split_once('?') {
        Some((path, query)) => (path, Some(query.to_owned())),
        None => (target, None),
    };
    if target.chars().any(char::is_control) {
        return Err(RequestError::Malformed("control character in the target"));
    }
    if !raw_path.starts_with('/') {
        return Err(RequestError::Malformed("the target must start with /"));
    }
    let path = percent_decode(raw_path).ok_or(RequestError::Malformed("bad percent-encoding"))?;
    if path.contains('\0') {
        return Err(RequestError::Malformed("NUL in path"));
    }
    Ok((path, query))
}

/// Decodes `%XX` escapes; `None` for a broken escape or a result that is not UTF-8.
pub fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// A complete response; the body is sent unless the request was HEAD.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Body,
    pub headers: Vec<(&'static str, String)>,
}

/// A response's body: bytes made for it, or a site file streamed as it is held.
#[derive(Debug)]
pub enum Body {
    Bytes(Vec<u8>),
    Stored(Stored),
}

impl Body {
    pub fn len(&self) -> usize {
        match self {
            Body::Bytes(bytes) => bytes.len(),
            Body::Stored(stored) => stored.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The whole body, for tests and callers that read it.
    pub fn to_vec(&self) -> Vec<u8> {
        match self {
            Body::Bytes(bytes) => bytes.clone(),
            Body::Stored(stored) => stored.to_vec(),
        }
    }

    fn write_to(&self, stream: &mut impl Write) -> io::Result<()> {
        match self {
            Body::Bytes(bytes) => stream.write_all(bytes),
            Body::Stored(stored) => stored.write_to(stream),
        }
    }
}

impl Response {
    pub fn new(status: u16, content_type: &'static str, body: Vec<u8>) -> Response {
        Response::with_body(status, content_type, Body::Bytes(body))
    }

    pub fn with_body(status: u16, content_type: &'static str, body: Body) -> Response {
        Response {
            status,
            content_type,
            body,
            headers: Vec::new(),
        }
    }

    /// A short plain-text response, for errors without a page.
    pub fn text(status: u16, text: &str) -> Response {
        Response::new(
            status,
            "text/plain; charset=utf-8",
            format!("{text}\n").into_bytes(),
        )
    }

    pub fn with_header(mut self, name: &'static str, value: String) -> Response {
        self.headers.push((name, value));
        self
    }

    /// Writes the response; `head_only` leaves out the body.
    pub fn write_to(&self, stream: &mut impl Write, head_only: bool) -> io::Result<()> {
        let mut head = status_line(self.status);
        head.push_str(&format!(
            "Content-Type: {}\r\nContent-Length: {}\r\n",
            self.content_type,
            self.body.len()
        ));
        for (name, value) in &self.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str(COMMON_HEADERS);
        head.push_str("\r\n");
        stream.write_all(head.as_bytes())?;
        if !head_only {
            self.body.write_to(stream)?;
        }
        stream.flush()
    }
}

/// Sent with every response: a preview must never be cached, and it runs under the same
/// Content-Security-Policy as the deployed portal (netlify.toml), so a theme change that
/// the policy would block shows up in the preview, not after deploying.
pub const COMMON_HEADERS: &str = "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\nContent-Security-Policy: default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'\r\n";

/// `HTTP/1.1 <status> <reason>\r\n`.
pub fn status_line(status: u16) -> String {
    let reason = match status {
        200 => "OK",
        301 => "Moved Permanently",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        413 => "Content Too Large",
        431 => "Request Header Fields Too Large",
        503 => "Service Unavailable",
        _ => "Unknown",
    };
    format!("HTTP/1.1 {status} {reason}\r\n")
}

/// The Content-Type of a site file, by extension; text types are UTF-8.
pub fn content_type(path: &str) -> &'static str {
    let name = path.rsplit('/').next().unwrap_or(path);
    let extension = name
        .rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase());
    match extension.as_deref() {
        Some("html" | "htm") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("wasm") => "application/wasm",
        Some("ics") => "text/calendar; charset=utf-8",
        Some("atom") => "application/atom+xml; charset=utf-8",
        Some("xml") => "application/xml; charset=utf-8",
        Some("json" | "map") => "application/json",
        Some("md") => "text/markdown; charset=utf-8",
        Some("txt") => "text/plain; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("gif") => "image/gif",
        Some("webp") => "image/webp",
        Some("ico") => "image/x-icon",
        Some("woff2") => "font/woff2",
        Some("woff") => "font/woff",
        Some("pdf") => "application/pdf",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(raw: &str) -> Result<Request, RequestError> {
        read_request(&mut raw.as_bytes())
    }

    #[test]
    fn parses_get_and_head_with_decoded_path_and_query() {
        let request = parse("GET /a%20b/c.html?x=1#frag HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        assert_eq!(request.method, Method::Get);
        assert_eq!(request.path, "/a b/c.html");
        assert_eq!(request.query.as_deref(), Some("x=1"));
        assert_eq!(request.host.as_deref(), Some("x"));
        let request = parse("HEAD / HTTP/1.0\r\n\r\n").unwrap();
        assert_eq!((request.method, request.path.as_str()), (Method::Head, "/"));
    }

    #[test]
    fn rejects_other_methods_bad_targets_and_huge_heads() {
        assert_eq!(
            parse("POST / HTTP/1.1\r\n\r\n").unwrap_err().status(),
            Some(405)
        );
        for bad in [
            "GET http://x/ HTTP/1.1\r\n\r\n",
            "GET /%zz HTTP/1.1\r\n\r\n",
            "GET /%ff HTTP/1.1\r\n\r\n",
            "GET /a%00 HTTP/1.1\r\n\r\n",
            "GET / HTTP/2\r\n\r\n",
            "GET /  HTTP/1.1\r\n\r\n",
        ] {
            assert_eq!(parse(bad).unwrap_err().status(), Some(400), "{bad:?}");
        }
        let huge = format!("GET / HTTP/1.1\r\nX: {}\r\n\r\n", "a".repeat(MAX_HEAD));
        assert_eq!(parse(&huge).unwrap_err().status(), Some(431));
        assert!(matches!(
            parse("GET / HTTP/1.1\r\n"),
            Err(RequestError::Closed)
        ));
    }

    /// Gives `sent`, then times out.
    struct Trickle(&'static [u8]);

    impl Read for Trickle {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.0.is_empty() {
                return Err(io::Error::new(io::ErrorKind::TimedOut, "deadline passed"));
            }
            let n = self.0.len().min(buf.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn a_head_cut_by_its_deadline_gets_408_and_an_idle_connection_nothing() {
        let cut = read_request(&mut Trickle(b"GET / HT")).unwrap_err();
        assert!(matches!(cut, RequestError::TimedOut));
        assert_eq!(cut.status(), Some(408));
        assert_eq!(status_line(408), "HTTP/1.1 408 Request Timeout\r\n");
        let idle = read_request(&mut Trickle(b"")).unwrap_err();
        assert!(matches!(idle, RequestError::Closed));
        assert_eq!(idle.status(), None);
    }

    #[test]
    fn content_types_follow_the_extension() {
        assert_eq!(content_type("a/index.html"), "text/html; charset=utf-8");
        assert_eq!(
            content_type("widget/x.js"),
            "text/javascript; charset=utf-8"
        );
        assert_eq!(content_type("widget/x_bg.wasm"), "application/wasm");
        assert_eq!(content_type("calendar.ics"), "text/calendar; charset=utf-8");
        assert_eq!(content_type("style.CSS"), "text/css; charset=utf-8");
        assert_eq!(content_type("v1.2/blob"), "application/octet-stream");
    }

    #[test]
    fn writes_head_without_body() {
        let response = Response::text(404, "gone").with_header("Allow", "GET".into());
        let mut out = Vec::new();
        response.write_to(&mut out, true).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("HTTP/1.1 404 Not Found\r\n"));
        assert!(text.contains("Content-Length: 5\r\nAllow: GET\r\nCache-Control: no-store\r\n"));
        assert!(text.ends_with("\r\n\r\n"));
    }

    #[test]
    fn a_control_character_in_the_target_is_refused() {
        for bad in [
            "GET /releases?a\rSet-Cookie:x=1 HTTP/1.1\r\n\r\n",
            "GET /a\tb HTTP/1.1\r\n\r\n",
            "GET /a?\x7f HTTP/1.1\r\n\r\n",
        ] {
            let err = parse(bad).unwrap_err();
            assert_eq!(err.status(), Some(400), "{bad:?}");
            assert!(err.to_string().contains("control character"), "{err}");
        }
    }

    #[test]
    fn a_head_may_end_with_bare_line_feeds() {
        let request = parse("GET /a HTTP/1.1\nHost: x\n\n").unwrap();
        assert_eq!(
            (request.path.as_str(), request.host.as_deref()),
            ("/a", Some("x"))
        );
        let mixed = parse("GET / HTTP/1.1\r\nHost: y\r\n\n").unwrap();
        assert_eq!(mixed.host.as_deref(), Some("y"));
        assert_eq!(
            head_end(b"GET / HTTP/1.1\r\nHost: y\r\n\r\nbody"),
            Some((23, 27))
        );
        assert_eq!(head_end(b"GET / HTTP/1.1\r\nHost: y\r\n\r"), None);
    }

    #[test]
    fn a_body_is_read_whole_and_a_large_one_refused() {
        let body = "x".repeat(200 * 1024);
        let raw = format!(
            "GET / HTTP/1.1\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        let mut input = raw.as_bytes();
        assert_eq!(read_request(&mut input).unwrap().path, "/");
        assert!(
            input.is_empty(),
            "{} bytes of the body left unread",
            input.len()
        );
        let huge = format!("GET / HTTP/1.1\r\nContent-Length: {}\r\n\r\n", MAX_BODY + 1);
        assert_eq!(parse(&huge).unwrap_err().status(), Some(413));
        let cut = "GET / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc";
        assert!(matches!(parse(cut), Err(RequestError::Closed)));
        let bad = "GET / HTTP/1.1\r\nContent-Length: ten\r\n\r\n";
        assert_eq!(parse(bad).unwrap_err().status(), Some(400));
    }
}
