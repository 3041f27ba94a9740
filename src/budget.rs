//! Budget: the time, output and memory one page's rendering may use, so a runaway template
//! (nested loops, a string doubled a hundred times) is an error naming the template and
//! the page instead of a hang or an aborted process.
//!
//! Tera has no hook to stop a render, so each limit is enforced where Tera touches us:
//! - output and time: the page is rendered into a `PageWriter` that refuses bytes past the
//!   output budget or the deadline (tera stops at the failed write);
//! - memory: the binary's allocator (`CountingAllocator`) counts the bytes of a thread
//!   while it renders a page; a page over its memory budget is stopped at the allocation
//!   that crosses it (the net bytes that thread allocates and frees during the page);
//! - a loop that writes nothing: only a watchdog thread sees it (`commands::build` ends the
//!   process with the error; see `render::Watchdog`). The watchdog also asks for the page to
//!   be halted (`halt`): the allocator parks the thread at its next allocation, so a runaway
//!   render in `serve`, which cannot end the process, stops using the CPU.

use std::alloc::{GlobalAlloc, Layout};

use mimalloc::MiMalloc;
use std::cell::Cell;
use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The limits of rendering one page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    pub time: Duration,
    pub output_bytes: usize,
    pub memory_bytes: usize,
}

impl Budget {
    /// The default: 10 s, 64 MiB of HTML and 512 MiB of memory per page. The largest page
    /// of the 10,000-release benchmark (the release index, 3.9 MB) renders in well under a
    /// second; these are 15× and more above any real page.
    pub const PAGE: Budget = Budget {
        time: Duration::from_secs(10),
        output_bytes: 64 * 1024 * 1024,
        memory_bytes: 512 * 1024 * 1024,
    };
}

/// Which limit a page crossed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exceeded {
    Time(Duration),
    Output(usize),
    Memory(usize),
}

impl std::fmt::Display for Exceeded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Exceeded::Time(limit) => write!(f, "rendering took longer than {limit:?}"),
            Exceeded::Output(limit) => {
                write!(f, "the page grew larger than {} MiB", limit >> 20)
            }
            Exceeded::Memory(limit) => {
                write!(f, "rendering used more than {} MiB of memory", limit >> 20)
            }
        }
    }
}

/// The page's HTML, refusing bytes past the output budget or the deadline.
pub struct PageWriter {
    pub html: Vec<u8>,
    limit: usize,
    budget: Duration,
    deadline: Instant,
    /// Writes since the clock was last read: tera writes in small pieces, and reading the
    /// clock on each was 3 % of a build.
    unclocked_writes: u32,
    /// Set when a write was refused: tera reports only an I/O error kind.
    pub exceeded: Option<Exceeded>,
}

/// The clock is read on every this many writes: a template that runs away while writing
/// writes far more often than that per millisecond.
const WRITES_PER_CLOCK_READ: u32 = 64;

impl PageWriter {
    pub fn new(budget: &Budget, started: Instant) -> PageWriter {
        PageWriter {
            html: Vec::with_capacity(16 * 1024),
            limit: budget.output_bytes,
            budget: budget.time,
            deadline: started + budget.time,
            // The first write reads the clock.
            unclocked_writes: WRITES_PER_CLOCK_READ - 1,
            exceeded: None,
        }
    }
}

impl PageWriter {
    fn clock_due(&mut self) -> bool {
        self.unclocked_writes += 1;
        if self.unclocked_writes < WRITES_PER_CLOCK_READ {
            return false;
        }
        self.unclocked_writes = 0;
        true
    }
}

impl io::Write for PageWriter {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        if self.html.len() + bytes.len() > self.limit {
            self.exceeded = Some(Exceeded::Output(self.limit));
        } else if self.clock_due() && Instant::now() > self.deadline {
            self.exceeded = Some(Exceeded::Time(self.budget));
        }
        if let Some(exceeded) = self.exceeded {
            return Err(io::Error::other(exceeded.to_string()));
        }
        self.html.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// `LEFT` when the thread renders no page under a memory budget: nothing is counted.
const UNLIMITED: isize = isize::MIN;

thread_local! {
    /// The bytes (allocated minus freed by this thread) the page rendering on this thread
    /// may still take; `UNLIMITED` outside such a page, so other work pays one check.
    static LEFT: Cell<isize> = const { Cell::new(UNLIMITED) };
    /// The running page's watchdog slot, reported when the page breaks its budget.
    static SLOT: Cell<usize> = const { Cell::new(0) };
}

/// The slot + 1 of a page that went over its memory budget (0: none).
static BREACHED: AtomicUsize = AtomicUsize::new(0);

/// How many pages may wait to be halted at once. An entry is freed when its thread parks
/// or its page ends, so this bounds only runaways halted together, not over a session.
const HALT_ENTRIES: usize = 64;

/// The slots + 1 of pages the watchdog asked to halt whose thread has not parked yet
/// (0: a free entry). Atomics only: the allocator reads them and must not allocate.
static HALTS: [AtomicUsize; HALT_ENTRIES] = [const { AtomicUsize::new(0) }; HALT_ENTRIES];

/// How many entries of `HALTS` are in use: all the allocator's fast path reads.
static PENDING_HALTS: AtomicUsize = AtomicUsize::new(0);

/// The global allocator of the `shipboard` binary: mimalloc, counting the bytes of pages
/// rendering under a memory budget (`MemoryLimit`).
///
/// Why mimalloc rather than the system allocator: a build allocates and frees millions of
/// small strings from every rendering thread, and glibc's per-thread arenas kept about
/// twice the live heap resident at 10,000 releases (650 MiB peak RSS for a 250 MiB heap);
/// allocation was also a fifth of the CPU time.
pub struct CountingAllocator;

impl CountingAllocator {
    fn charge(bytes: isize) {
        if PENDING_HALTS.load(Ordering::Relaxed) != 0 {
            Self::park_if_halted();
        }
        let over = LEFT
            .try_with(|left| {
                let before = left.get();
                if before == UNLIMITED {
                    return false;
                }
                let now = before.saturating_sub(bytes);
                left.set(now);
                bytes > 0 && now < 0
            })
            .unwrap_or(false);
        if over {
            Self::stop();
        }
    }

    /// The page is over its memory budget. An allocator cannot fail softly (a null pointer
    /// aborts the process), so the thread stops here, before the allocation, and the
    /// watchdog watching it reports the page and ends the process. Only pages rendered
    /// under a watchdog get a limit (`MemoryLimit`).
    #[cold]
    fn stop() {
        let slot = SLOT.try_with(Cell::get).unwrap_or(0);
        BREACHED.store(slot + 1, Ordering::SeqCst);
        sleep_for_good();
    }

    /// Parks this thread for good when the page it renders was asked to halt (`halt`): it
    /// frees the entry, then sleeps without allocating, holding no lock of ours (the
    /// page's render holds none). Threads outside a page are never parked.
    #[cold]
    fn park_if_halted() {
        let in_page = LEFT.try_with(|left| left.get() != UNLIMITED);
        if in_page != Ok(true) {
            return;
        }
        let Ok(slot) = SLOT.try_with(Cell::get) else {
            return;
        };
        if !release_halt(slot) {
            return;
        }
        sleep_for_good();
    }
}

/// Parks the calling thread: `sleep` does not allocate, so it waits, using no CPU, until
/// the process ends (`build`, `check`) or for good (`serve`).
fn sleep_for_good() -> ! {
    loop {
        std::thread::sleep(Duration::from_secs(3600));
    }
}

/// Asks that the page rendering as `slot` be stopped: its thread parks at its next
/// allocation (tera allocates on every loop iteration that makes a range or a string).
/// Whether the request could be recorded (not when `HALT_ENTRIES` halts are pending).
pub fn halt(slot: usize) -> bool {
    for entry in &HALTS {
        if entry
            .compare_exchange(0, slot + 1, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok()
        {
            PENDING_HALTS.fetch_add(1, Ordering::SeqCst);
            return true;
        }
    }
    false
}

/// Withdraws a halt request of `slot` (its thread parks, or its page ended first);
/// whether there was one.
pub fn release_halt(slot: usize) -> bool {
    for entry in &HALTS {
        if entry
            .compare_exchange(slot + 1, 0, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok()
        {
            PENDING_HALTS.fetch_sub(1, Ordering::SeqCst);
            return true;
        }
    }
    false
}

// SAFETY: every call is forwarded to `MiMalloc` unchanged; the counting touches only
// const-initialised thread-locals (no allocation, no destructor) and an atomic.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        Self::charge(layout.size() as isize);
        // SAFETY: the caller's contract is passed on as is.
        unsafe { MiMalloc.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        Self::charge(layout.size() as isize);
        // SAFETY: as for `alloc`.
        unsafe { MiMalloc.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        Self::charge(-(layout.size() as isize));
        // SAFETY: as for `alloc`.
        unsafe { MiMalloc.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        Self::charge(new_size as isize - layout.size() as isize);
        // SAFETY: as for `alloc`.
        unsafe { MiMalloc.realloc(ptr, layout, new_size) }
    }
}

/// While alive, this thread may allocate at most `bytes` more (net) before it is stopped
/// and reported as `slot`. Without `CountingAllocator` as the global allocator (unit tests,
/// other binaries) it limits nothing.
pub struct MemoryLimit(());

impl MemoryLimit {
    pub fn new(slot: usize, bytes: usize) -> MemoryLimit {
        SLOT.with(|s| s.set(slot));
        LEFT.with(|left| left.set(bytes.min(isize::MAX as usize) as isize));
        MemoryLimit(())
    }
}

impl Drop for MemoryLimit {
    fn drop(&mut self) {
        LEFT.with(|left| left.set(UNLIMITED));
    }
}

/// The slot of a page stopped for going over its memory budget, if any.
pub fn memory_breach() -> Option<usize> {
    BREACHED.load(Ordering::SeqCst).checked_sub(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn the_page_writer_refuses_bytes_past_the_output_budget() {
        let budget = Budget {
            output_bytes: 10,
            ..Budget::PAGE
        };
        let mut writer = PageWriter::new(&budget, Instant::now());
        writer.write_all(b"0123456789").unwrap();
        assert!(writer.write_all(b"x").is_err());
        assert_eq!(writer.exceeded, Some(Exceeded::Output(10)));
        assert_eq!(writer.html, b"0123456789");
    }

    #[test]
    fn the_page_writer_refuses_bytes_after_the_deadline() {
        let budget = Budget {
            time: Duration::from_millis(1),
            ..Budget::PAGE
        };
        let mut writer = PageWriter::new(&budget, Instant::now() - Duration::from_secs(1));
        assert!(writer.write_all(b"x").is_err());
        assert_eq!(writer.exceeded, Some(Exceeded::Time(budget.time)));
        assert_eq!(
            writer.exceeded.unwrap().to_string(),
            "rendering took longer than 1ms"
        );
    }

    #[test]
    fn a_halt_request_is_pending_until_withdrawn_once() {
        // A slot no page of this test process uses (slots count up from 0).
        let slot = usize::MAX / 2;
        assert!(halt(slot));
        assert!(PENDING_HALTS.load(Ordering::SeqCst) >= 1);
        // A thread outside a page is never parked, even with a request pending.
        CountingAllocator::park_if_halted();
        assert!(release_halt(slot), "the request was still there");
        assert!(!release_halt(slot), "withdrawn once only");
    }
}
