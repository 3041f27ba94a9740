//! `shipboard serve`: builds the portal in memory, serves it, and rebuilds on every change.
//!
//! The site is built with `base_url` set to the server's own address, so links work
//! locally. A watcher ([`watch`]) follows the content dir. Changes that cannot affect the
//! site (`public/`, `.git/` internals, hidden and editor files) are skipped. A change to
//! the theme alone (templates, static files other than the stylesheet) re-renders the last
//! prepared content with the new theme; anything else rebuilds the whole site. Open tabs
//! reload only when the output changed. When the content has errors, the terminal prints
//! them exactly like `build` and `check`, the last good site keeps being served, and every
//! page shows the errors until they are fixed. An edit never waits for a rebuild that is
//! still running: it starts a newer one at once ([`rebuild`]).

pub mod rebuild;
pub mod watch;

use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, UdpSocket};
use std::path::Path;
use std::sync::mpsc;
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::Duration;

use anyhow::Context;

use self::rebuild::Rebuilds;
use self::watch::{Change, Watch};
use crate::server::{Live, Server};

/// How long `serve` waits for the first build before serving anyway: a site that takes
/// longer (a slow fetch, a large site) shows a "Building…" page that reloads itself once
/// the build is done.
const FIRST_BUILD_PATIENCE: Duration = Duration::from_secs(30);

/// Serves the content repo `dir` on `bind:port` (port 0 picks a free one) until the
/// process is stopped (Ctrl-C). `quiet` leaves out the rebuild notes (errors still print).
pub fn run(dir: &Path, bind: IpAddr, port: u16, quiet: bool) -> anyhow::Result<()> {
    let serving = start(dir, bind, port, quiet)?;
    if bind.is_unspecified() {
        println!(
            "Serving {} on every interface of this machine — Ctrl-C to stop",
            serving.url()
        );
    } else {
        println!("Serving {} — Ctrl-C to stop", serving.url());
    }
    let _ = std::io::stdout().flush();
    serving.wait()
}

/// A running preview: the server and the loop that starts rebuilds on changes.
pub struct Serving {
    url: String,
    server: Server,
    watcher: Option<JoinHandle<()>>,
    stop: mpsc::Sender<()>,
}

impl Serving {
    /// The address the site is served at, e.g. `http://127.0.0.1:8000/`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Blocks until the watch loop ends, which it does only when the watcher fails.
    pub fn wait(mut self) -> anyhow::Result<()> {
        if let Some(watcher) = self.watcher.take() {
            let _ = watcher.join();
        }
        self.server.stop();
        anyhow::bail!("file watching stopped; restart `shipboard serve`")
    }

    /// Stops watching and serving (a rebuild still running is left to end on its own).
    pub fn stop(mut self) {
        let _ = self.stop.send(());
        if let Some(watcher) = self.watcher.take() {
            let _ = watcher.join();
        }
        self.server.stop();
    }
}

/// Builds once (waiting at most [`FIRST_BUILD_PATIENCE`]), starts the server and the
/// watcher, and returns without blocking.
pub fn start(dir: &Path, bind: IpAddr, port: u16, quiet: bool) -> anyhow::Result<Serving> {
    let root = dir
        .canonicalize()
        .with_context(|| format!("content directory {} not found", dir.display()))?;
    let listener = TcpListener::bind((bind, port)).map_err(|err| listen_error(bind, port, &err))?;
    let url = base_url(
        listener.local_addr()?,
        answers_ipv4(&listener),
        outward_address,
    );
    let live = Arc::new(Live::default());
    // Each rebuild parses only the release and runbook files whose text changed.
    crate::content::remembered::remember_parses();
    let rebuilds = Rebuilds::new(root.clone(), url.clone(), quiet, Arc::clone(&live));
    let mut watch = Watch::new(&root)?;
    rebuilds.start(Change::Content);
    if !rebuilds.wait_published(FIRST_BUILD_PATIENCE) {
        eprintln!(
            "note: the first build takes longer than {} s; serving meanwhile (pages say \
             \"Building…\" and reload when it is done)",
            FIRST_BUILD_PATIENCE.as_secs()
        );
    }
    let (stop, stopped) = mpsc::channel();
    let server = Server::start(listener, live)?;
    let watcher = thread::Builder::new()
        .name("shipboard-watch".into())
        .spawn(move || {
            while let Some(change) = watch.next_change(&stopped) {
                rebuilds.start(change);
            }
        })?;
    Ok(Serving {
        url,
        server,
        watcher: Some(watcher),
        stop,
    })
}

/// The address `--bind` gives: an IP address, or `localhost` for 127.0.0.1.
pub fn parse_bind(text: &str) -> Result<IpAddr, String> {
    if text.eq_ignore_ascii_case("localhost") {
        return Ok(Ipv4Addr::LOCALHOST.into());
    }
    text.parse().map_err(|_| {
        format!(
            "{text:?} is not an IP address; give one such as 127.0.0.1 (this machine only, \
             the default; `localhost` means it too) or 0.0.0.0 (all interfaces)"
        )
    })
}

/// Why `serve` cannot listen on `bind:port`, with what to do about it.
fn listen_error(bind: IpAddr, port: u16, err: &std::io::Error) -> anyhow::Error {
    let addr = SocketAddr::new(bind, port);
    let help = match err.kind() {
        std::io::ErrorKind::AddrInUse => format!(
            "another program (perhaps another `shipboard serve`) listens on port {port}; \
             choose another with --port (--port 0 picks any free one)"
        ),
        std::io::ErrorKind::AddrNotAvailable => format!(
            "{bind} is not an address of this machine; use 127.0.0.1 (this machine only) or \
             0.0.0.0 (all interfaces)"
        ),
        std::io::ErrorKind::PermissionDenied => {
            "ports below 1024 need privileges; choose another with --port".into()
        }
        _ => "choose another address (--bind) or port (--port)".into(),
    };
    anyhow::anyhow!("cannot listen on {addr}: {err}\n  help: {help}")
}

/// `http://<addr>/`, the address the site's absolute URLs (feed subscriptions, the Atom
/// feed's links) are built with. For an unspecified address (0.0.0.0, ::) that is the
/// address other machines reach this one at (`outward`, [`outward_address`] but in
/// tests): `--bind 0.0.0.0` is chosen to show the preview to someone else, and a
/// subscribe link saying 127.0.0.1 would point their calendar at their own machine.
/// `--bind ::` on a socket that answers IPv4 too (`dual_stack`, Linux's default) falls
/// back to the IPv4 address when there is no IPv6 route out, as on many networks. Pages link by path, so they work under any address. Loopback when this machine
/// has no route out.
fn base_url(
    mut addr: SocketAddr,
    dual_stack: bool,
    outward: impl Fn(IpAddr) -> Option<IpAddr>,
) -> String {
    if addr.ip().is_unspecified() {
        let ipv4 = || outward(Ipv4Addr::UNSPECIFIED.into());
        let found = match outward(addr.ip()) {
            None if addr.is_ipv6() && dual_stack => ipv4(),
            found => found,
        };
        addr.set_ip(found.unwrap_or(match addr.ip() {
            IpAddr::V4(_) => Ipv4Addr::LOCALHOST.into(),
            IpAddr::V6(_) => Ipv6Addr::LOCALHOST.into(),
        }));
    }
    format!("http://{addr}/")
}

/// Whether `listener` answers IPv4 clients: an IPv4 socket, or an IPv6 one without
/// `IPV6_V6ONLY` (a dual-stack socket, which sees IPv4 clients as `::ffff:a.b.c.d`).
fn answers_ipv4(listener: &TcpListener) -> bool {
    match listener.local_addr() {
        Ok(SocketAddr::V4(_)) => true,
        Ok(SocketAddr::V6(_)) => v6_only(listener) == Some(false),
        Err(_) => false,
    }
}

/// The socket's `IPV6_V6ONLY` option (`None`: it could not be read).
fn v6_only(listener: &TcpListener) -> Option<bool> {
    socket2::SockRef::from(listener).only_v6().ok()
}

/// The address of this machine on the interface of its default route, of `bind`'s family:
/// what the kernel picks as the source when a UDP socket is connected to a documentation
/// address (RFC 5737, RFC 3849). Connecting a UDP socket sends nothing; it only asks the
/// routing table. `None` without such a route (an offline machine).
fn outward_address(bind: IpAddr) -> Option<IpAddr> {
    let (local, remote): (SocketAddr, SocketAddr) = match bind {
        IpAddr::V4(_) => (
            (Ipv4Addr::UNSPECIFIED, 0).into(),
            (Ipv4Addr::new(192, 0, 2, 1), 9).into(),
        ),
        IpAddr::V6(_) => (
            (Ipv6Addr::UNSPECIFIED, 0).into(),
            (Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1), 9).into(),
        ),
    };
    let socket = UdpSocket::bind(local).ok()?;
    socket.connect(remote).ok()?;
    let ip = socket.local_addr().ok()?.ip();
    (!ip.is_unspecified() && !ip.is_loopback()).then_some(ip)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `base_url` with this machine's routing table.
    fn url_of(addr: &str, dual_stack: bool) -> String {
        base_url(addr.parse().unwrap(), dual_stack, outward_address)
    }

    #[test]
    fn base_url_of_an_unspecified_address_is_one_other_machines_reach() {
        // The outward address is whatever this machine's default route uses, so the test
        // asks the same routing table; with no route out, loopback is the only answer.
        let v4 = outward_address(Ipv4Addr::UNSPECIFIED.into())
            .map_or_else(|| "127.0.0.1".to_string(), |ip| ip.to_string());
        assert_eq!(url_of("0.0.0.0:8080", true), format!("http://{v4}:8080/"));
        assert!(!url_of("0.0.0.0:8080", true).contains("0.0.0.0"));
        let v6 = outward_address(Ipv6Addr::UNSPECIFIED.into())
            .map_or_else(|| "::1".to_string(), |ip| ip.to_string());
        assert_eq!(url_of("[::]:81", false), format!("http://[{v6}]:81/"));
        assert_eq!(url_of("127.0.0.1:5", true), "http://127.0.0.1:5/");
        assert_eq!(url_of("192.0.2.7:5", true), "http://192.0.2.7:5/");
    }

    #[test]
    fn a_dual_stack_bind_without_an_ipv6_route_names_the_ipv4_address() {
        let ipv4_only = |bind: IpAddr| bind.is_ipv4().then(|| "10.1.2.3".parse().unwrap());
        let any = "[::]:81".parse().unwrap();
        assert_eq!(base_url(any, true, ipv4_only), "http://10.1.2.3:81/");
        // A socket that answers IPv6 only: an IPv4 address would not reach it.
        assert_eq!(base_url(any, false, ipv4_only), "http://[::1]:81/");
        let both = |bind: IpAddr| {
            Some(match bind {
                IpAddr::V4(_) => "10.1.2.3".parse().unwrap(),
                IpAddr::V6(_) => "fd00::5".parse().unwrap(),
            })
        };
        assert_eq!(base_url(any, true, both), "http://[fd00::5]:81/");
        let offline = |_: IpAddr| None;
        assert_eq!(base_url(any, true, offline), "http://[::1]:81/");
        assert_eq!(
            base_url("0.0.0.0:1".parse().unwrap(), true, offline),
            "http://127.0.0.1:1/"
        );
    }

    #[test]
    fn a_socket_says_whether_it_answers_ipv4() {
        let v4 = TcpListener::bind("0.0.0.0:0").unwrap();
        assert!(answers_ipv4(&v4));
        // On Linux an IPv6 socket is dual-stack unless the system says otherwise (a
        // machine without IPv6 cannot open one: there is nothing to ask then).
        #[cfg(target_os = "linux")]
        if let Ok(v6) = TcpListener::bind("[::]:0") {
            let setting = std::fs::read_to_string("/proc/sys/net/ipv6/bindv6only")
                .expect("Linux with IPv6 has the setting");
            assert_eq!(answers_ipv4(&v6), setting.trim() == "0");
            assert_eq!(v6_only(&v6), Some(setting.trim() == "1"));
        }
    }

    #[test]
    fn the_outward_address_is_one_of_this_machine_s_own() {
        match outward_address(Ipv4Addr::UNSPECIFIED.into()) {
            Some(ip) => {
                assert!(!ip.is_loopback() && !ip.is_unspecified(), "{ip}");
                // An address of this machine can be listened on; one of another cannot.
                TcpListener::bind((ip, 0)).unwrap_or_else(|err| panic!("{ip} is not ours: {err}"));
            }
            None => assert_eq!(url_of("0.0.0.0:1", true), "http://127.0.0.1:1/"),
        }
    }

    #[test]
    fn bind_takes_localhost_and_explains_what_else_it_takes() {
        assert_eq!(parse_bind("localhost"), Ok(Ipv4Addr::LOCALHOST.into()));
        assert_eq!(parse_bind("0.0.0.0"), Ok(Ipv4Addr::UNSPECIFIED.into()));
        assert_eq!(parse_bind("::"), Ok(Ipv6Addr::UNSPECIFIED.into()));
        let err = parse_bind("portal.lan").unwrap_err();
        assert!(
            err.contains("127.0.0.1") && err.contains("0.0.0.0"),
            "{err}"
        );
    }

    #[test]
    fn a_port_in_use_says_to_choose_another() {
        let taken = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = taken.local_addr().unwrap().port();
        let dir = std::env::temp_dir();
        let Err(err) = start(&dir, Ipv4Addr::LOCALHOST.into(), port, true) else {
            panic!("the port is taken");
        };
        let text = format!("{err:#}");
        assert!(
            text.contains(&format!("cannot listen on 127.0.0.1:{port}")),
            "{text}"
        );
        assert!(text.contains("help: ") && text.contains("--port"), "{text}");
    }
}
