//! Admission of connections to the preview server: how many may be sending their request
//! head, being answered, or holding an event stream, and who gives way when too many are
//! still sending their head.
//!
//! Each phase has its own slots, so clients that trickle their request in (a byte a
//! second) can only ever fill the head slots, never the ones that answer requests or hold
//! the tabs' event streams. When the head slots are full, a new connection is still taken:
//! the oldest unfinished head of the address with the most of them gives way, if it has
//! had [`Limits::grace`] to send it. A normal client sends its head at once and is answered
//! within milliseconds, so it is never the one; a slow one has had its chance. With every
//! client on 127.0.0.1 (the default) that is simply the oldest unfinished head. A burst of
//! new connections (all within their grace) is taken beyond the head slots, up to
//! [`Limits::total`]; only there does a head within its grace give way, and only when no
//! connection at all sends a head, a new one is refused. A remote address (with `--bind`)
//! also has a share of its own (of heads and of event streams), so it cannot push out the
//! author's loopback connections or take every stream slot.
//!
//! Answers wait for a free answer slot (a short queue) rather than being refused.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// What a connection is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Sending its request head.
    Head,
    /// Being answered (one response, then closed).
    Answer,
    /// Holding a live-reload event stream.
    Stream,
}

/// How many connections each phase may hold at once.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Connections sending their head, before older ones give way.
    pub head: usize,
    /// Connections being answered at once; more wait for a slot.
    pub answer: usize,
    /// Open live-reload streams; more are refused.
    pub stream: usize,
    /// Connections in all (each is a thread and a file descriptor).
    pub total: usize,
    /// Unfinished heads, and event streams, one non-loopback address may hold.
    pub per_remote: usize,
    /// How long a head may take before a newer connection can push it out.
    pub grace: Duration,
}

/// The server's limits. `total` stays well under the usual 1024 open files.
pub const LIMITS: Limits = Limits {
    head: 256,
    answer: 64,
    stream: 128,
    total: 768,
    per_remote: 32,
    grace: Duration::from_millis(500),
};

struct Entry {
    ip: IpAddr,
    since: Instant,
    phase: Phase,
    dropped: Arc<AtomicBool>,
}

/// The connections being served; ids grow, so the first in the map is the oldest.
pub struct Slots {
    limits: Limits,
    table: Mutex<Table>,
    /// Signalled when an answer slot may have come free.
    freed: Condvar,
}

#[derive(Default)]
struct Table {
    next: u64,
    entries: BTreeMap<u64, Entry>,
}

/// One admitted connection; gives its slot back when dropped.
pub struct Ticket {
    slots: Arc<Slots>,
    id: u64,
    dropped: Arc<AtomicBool>,
}

impl Slots {
    pub fn new(limits: Limits) -> Arc<Slots> {
        Arc::new(Slots {
            limits,
            table: Mutex::new(Table::default()),
            freed: Condvar::new(),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Table> {
        self.table.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Takes a new connection from `ip` in the head phase, pushing out another unfinished
    /// head if the slots are full (see the module doc); `None` when it cannot be taken.
    pub fn admit(self: &Arc<Self>, ip: IpAddr) -> Option<Ticket> {
        self.admit_at(ip, Instant::now())
    }

    fn admit_at(self: &Arc<Self>, ip: IpAddr, now: Instant) -> Option<Ticket> {
        let limits = &self.limits;
        let mut guard = self.lock();
        let table = &mut *guard;
        if !ip.is_loopback() && table.count(Phase::Head, Some(ip)) >= limits.per_remote {
            let victim = table.oldest_head(ip, None);
            table.push_out(victim);
        } else if table.count(Phase::Head, None) >= limits.head {
            if let Some(had_grace) = now.checked_sub(limits.grace) {
                let victim = table.victim(Some(had_grace));
                table.push_out(victim);
            }
        }
        if table.entries.len() >= limits.total {
            let victim = table.victim(None);
            table.push_out(victim);
            if table.entries.len() >= limits.total {
                return None;
            }
        }
        let id = table.next;
        table.next += 1;
        let dropped = Arc::new(AtomicBool::new(false));
        let entry = Entry {
            ip,
            since: now,
            phase: Phase::Head,
            dropped: Arc::clone(&dropped),
        };
        table.entries.insert(id, entry);
        Some(Ticket {
            slots: Arc::clone(self),
            id,
            dropped,
        })
    }

    /// How many connections are in `phase` now.
    pub fn count(&self, phase: Phase) -> usize {
        self.lock().count(phase, None)
    }
}

impl Table {
    fn count(&self, phase: Phase, ip: Option<IpAddr>) -> usize {
        let matches = |e: &&Entry| e.phase == phase && ip.is_none_or(|ip| e.ip == ip);
        self.entries.values().filter(matches).count()
    }

    /// Drops connection `id`, if any: its reads see the flag and end.
    fn push_out(&mut self, id: Option<u64>) {
        if let Some(entry) = id.and_then(|id| self.entries.remove(&id)) {
            entry.dropped.store(true, Ordering::SeqCst);
        }
    }

    /// Unfinished heads (started before `before`, if given).
    fn heads(&self, before: Option<Instant>) -> impl Iterator<Item = (&u64, &Entry)> {
        let started_before = move |e: &Entry| before.is_none_or(|at| e.since <= at);
        let heads = self.entries.iter();
        heads.filter(move |(_, e)| e.phase == Phase::Head && started_before(e))
    }

    fn oldest_head(&self, ip: IpAddr, before: Option<Instant>) -> Option<u64> {
        let mut heads = self.heads(before);
        heads.find(|(_, e)| e.ip == ip).map(|(id, _)| *id)
    }

    /// The oldest unfinished head (started before `before`, if given) of the address with
    /// the most of them (a remote address before loopback on a tie).
    fn victim(&self, before: Option<Instant>) -> Option<u64> {
        let mut per_ip: HashMap<IpAddr, usize> = HashMap::new();
        for (_, entry) in self.heads(before) {
            *per_ip.entry(entry.ip).or_default() += 1;
        }
        let (ip, _) = per_ip
            .into_iter()
            .max_by_key(|&(ip, count)| (count, !ip.is_loopback(), ip))?;
        self.oldest_head(ip, before)
    }
}

impl Ticket {
    /// Whether the server dropped this connection to make room for a newer one.
    pub fn dropped(&self) -> bool {
        self.dropped.load(Ordering::SeqCst)
    }

    /// The flag behind [`Ticket::dropped`], for reads to watch.
    pub fn flag(&self) -> &AtomicBool {
        &self.dropped
    }

    /// Moves the connection to `phase` if that phase has a free slot within `wait` (and
    /// it was not dropped meanwhile).
    pub fn enter(&self, phase: Phase, wait: Duration) -> bool {
        let slots = &self.slots;
        let limit = match phase {
            Phase::Head => slots.limits.head,
            Phase::Answer => slots.limits.answer,
            Phase::Stream => slots.limits.stream,
        };
        let until = Instant::now() + wait;
        let mut table = slots.lock();
        let Some(ip) = table.entries.get(&self.id).map(|e| e.ip) else {
            return false; // dropped
        };
        let remote = !ip.is_loopback();
        if phase == Phase::Stream
            && remote
            && table.count(phase, Some(ip)) >= slots.limits.per_remote
        {
            return false;
        }
        while table.count(phase, None) >= limit {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            let woken = slots.freed.wait_timeout(table, left);
            table = woken.unwrap_or_else(|p| p.into_inner()).0;
        }
        match table.entries.get_mut(&self.id) {
            Some(entry) => {
                entry.phase = phase;
                true
            }
            None => false,
        }
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        self.slots.lock().entries.remove(&self.id);
        self.slots.freed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: Limits = Limits {
        head: 3,
        answer: 1,
        stream: 1,
        total: 5,
        per_remote: 2,
        grace: Duration::from_secs(1),
    };
    const NO_WAIT: Duration = Duration::ZERO;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    /// Admits from `ip` at `t0 + seconds`.
    fn admit(slots: &Arc<Slots>, ip: IpAddr, t0: Instant, seconds: u64) -> Ticket {
        let at = t0 + Duration::from_secs(seconds);
        slots.admit_at(ip, at).expect("admitted")
    }

    #[test]
    fn full_head_slots_push_out_the_oldest_head_past_its_grace() {
        let slots = Slots::new(SMALL);
        let (local, t0) = (ip("127.0.0.1"), Instant::now());
        let first = admit(&slots, local, t0, 0);
        let second = admit(&slots, local, t0, 0);
        let third = admit(&slots, local, t0, 1);
        assert!(
            second.enter(Phase::Answer, NO_WAIT),
            "answered: no longer a head"
        );
        let fourth = admit(&slots, local, t0, 1);
        assert!(!first.dropped() && !third.dropped());
        let fifth = admit(&slots, local, t0, 2);
        assert!(first.dropped(), "the oldest head gives way");
        assert!(!second.dropped() && !third.dropped() && !fourth.dropped());
        assert!(
            !first.enter(Phase::Answer, NO_WAIT),
            "a dropped connection is not answered"
        );
        assert_eq!(slots.count(Phase::Head), 3);
        drop((first, fifth));
        assert_eq!(slots.count(Phase::Head), 2);
    }

    #[test]
    fn a_burst_within_its_grace_goes_past_the_head_slots_up_to_the_total() {
        let slots = Slots::new(SMALL);
        let (local, t0) = (ip("::1"), Instant::now());
        let burst: Vec<Ticket> = (0..5).map(|_| admit(&slots, local, t0, 0)).collect();
        assert!(
            burst.iter().all(|t| !t.dropped()),
            "nobody had a chance yet"
        );
        let sixth = admit(&slots, local, t0, 0);
        assert!(
            burst[0].dropped(),
            "at the total, the oldest head gives way"
        );
        assert!(burst[1..].iter().all(|t| !t.dropped()) && !sixth.dropped());
        assert_eq!(slots.count(Phase::Head), 5);
    }

    #[test]
    fn only_a_full_house_without_heads_refuses_a_connection() {
        let slots = Slots::new(Limits { answer: 5, ..SMALL });
        let (local, t0) = (ip("127.0.0.1"), Instant::now());
        let busy: Vec<Ticket> = (0..5).map(|_| admit(&slots, local, t0, 0)).collect();
        assert!(busy.iter().all(|t| t.enter(Phase::Answer, NO_WAIT)));
        assert!(slots.admit_at(local, t0).is_none(), "every slot answers");
        drop(busy);
        assert!(slots.admit_at(local, t0).is_some());
    }

    #[test]
    fn answers_wait_for_a_slot_and_streams_have_their_own() {
        let slots = Slots::new(SMALL);
        let (local, t0) = (ip("::1"), Instant::now());
        let a = admit(&slots, local, t0, 0);
        let b = admit(&slots, local, t0, 0);
        assert!(a.enter(Phase::Answer, NO_WAIT));
        assert!(
            !b.enter(Phase::Answer, Duration::from_millis(20)),
            "one answer slot"
        );
        assert!(b.enter(Phase::Stream, NO_WAIT), "streams have their own");
        let c = admit(&slots, local, t0, 0);
        std::thread::scope(|scope| {
            scope.spawn(|| {
                std::thread::sleep(Duration::from_millis(30));
                drop(a);
            });
            assert!(
                c.enter(Phase::Answer, Duration::from_secs(10)),
                "the slot came back"
            );
        });
        assert_eq!(slots.count(Phase::Stream), 1);
    }

    #[test]
    fn a_remote_address_gives_way_before_loopback() {
        let slots = Slots::new(SMALL);
        let t0 = Instant::now();
        let remote = ip("192.0.2.7");
        let author = admit(&slots, ip("127.0.0.1"), t0, 0);
        let early: Vec<Ticket> = (0..2).map(|_| admit(&slots, remote, t0, 0)).collect();
        let third = admit(&slots, remote, t0, 0);
        assert!(
            early[0].dropped(),
            "past its own share, a remote drops its own oldest"
        );
        assert!(!author.dropped() && !early[1].dropped() && !third.dropped());
        let other = admit(&slots, ip("198.51.100.1"), t0, 2);
        assert!(
            early[1].dropped(),
            "the address with the most heads gives way"
        );
        assert!(!author.dropped() && !other.dropped());
    }

    #[test]
    fn a_remote_address_cannot_take_every_stream_slot() {
        let slots = Slots::new(Limits { stream: 3, ..SMALL });
        let (remote, local, t0) = (ip("192.0.2.7"), ip("127.0.0.1"), Instant::now());
        let streams: Vec<Ticket> = (0..2).map(|_| admit(&slots, remote, t0, 0)).collect();
        assert!(streams.iter().all(|t| t.enter(Phase::Stream, NO_WAIT)));
        let third = admit(&slots, remote, t0, 0);
        assert!(!third.enter(Phase::Stream, NO_WAIT), "its share is 2");
        let author = admit(&slots, local, t0, 0);
        assert!(author.enter(Phase::Stream, NO_WAIT));
    }
}
