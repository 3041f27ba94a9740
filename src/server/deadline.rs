//! A TCP connection with a deadline for a whole exchange, not for each read or write: a
//! client sending its request a byte at a time (or reading the response that way) cannot
//! hold a server thread longer than the deadline, however often it sends.
//!
//! Reads wait in short slices so that a connection the server dropped for a newer one
//! (see [`super::slots`]) notices within one slice.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Longest single wait of a read, so a dropped connection is noticed promptly.
const SLICE: Duration = Duration::from_millis(100);

/// `stream` until `deadline`; reads end early once `dropped` is set.
pub struct Timed<'a> {
    stream: &'a TcpStream,
    deadline: Instant,
    dropped: &'a AtomicBool,
}

impl<'a> Timed<'a> {
    pub fn new(stream: &'a TcpStream, within: Duration, dropped: &'a AtomicBool) -> Timed<'a> {
        Timed {
            stream,
            deadline: Instant::now() + within,
            dropped,
        }
    }

    /// The time left, or a `TimedOut` error when there is none.
    fn left(&self) -> io::Result<Duration> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::Error::new(io::ErrorKind::TimedOut, "deadline passed"));
        }
        Ok(left)
    }
}

impl Read for Timed<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if self.dropped.load(Ordering::SeqCst) {
                let why = "dropped for a newer connection";
                return Err(io::Error::new(io::ErrorKind::ConnectionAborted, why));
            }
            let wait = self.left()?.min(SLICE);
            self.stream.set_read_timeout(Some(wait))?;
            match self.stream.read(buf) {
                Err(err) if is_timeout(&err) => continue,
                other => return other,
            }
        }
    }
}

impl Write for Timed<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let wait = self.left()?;
        self.stream.set_write_timeout(Some(wait))?;
        match self.stream.write(buf) {
            Err(err) if is_timeout(&err) => {
                Err(io::Error::new(io::ErrorKind::TimedOut, "deadline passed"))
            }
            other => other,
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        self.stream.flush()
    }
}

/// A socket timeout reads as `WouldBlock` on Unix and `TimedOut` on Windows.
fn is_timeout(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::Interrupted
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;
    use std::thread;

    /// A connected pair on loopback: (client, server side).
    fn pair() -> (TcpStream, TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (server, _) = listener.accept().unwrap();
        (client, server)
    }

    #[test]
    fn a_trickling_sender_is_cut_at_the_deadline_not_per_read() {
        let (mut client, server) = pair();
        let trickle = thread::spawn(move || {
            for _ in 0..20 {
                if client.write_all(b"x").is_err() {
                    return;
                }
                thread::sleep(Duration::from_millis(50));
            }
        });
        let dropped = AtomicBool::new(false);
        let mut timed = Timed::new(&server, Duration::from_millis(300), &dropped);
        let started = Instant::now();
        let mut got = 0;
        let err = loop {
            let mut buf = [0u8; 16];
            match timed.read(&mut buf) {
                Ok(n) => got += n,
                Err(err) => break err,
            }
        };
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
        assert!(got >= 2, "bytes before the deadline are read: {got}");
        let took = started.elapsed();
        assert!(took < Duration::from_millis(600), "{took:?}");
        drop(server);
        trickle.join().unwrap();
    }

    #[test]
    fn a_dropped_connection_stops_reading_within_a_slice() {
        let (_client, server) = pair();
        let dropped = AtomicBool::new(false);
        thread::scope(|scope| {
            scope.spawn(|| {
                thread::sleep(Duration::from_millis(50));
                dropped.store(true, Ordering::SeqCst);
            });
            let mut timed = Timed::new(&server, Duration::from_secs(30), &dropped);
            let started = Instant::now();
            let err = timed.read(&mut [0u8; 4]).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::ConnectionAborted);
            assert!(started.elapsed() < SLICE * 3, "{:?}", started.elapsed());
        });
    }
}
