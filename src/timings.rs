//! Timings: with `SHIPBOARD_TIMINGS=1`, each stage of a build prints how long it took to
//! stderr, and on Linux the process's resident memory when it ended
//! (`timing: history 412 ms, 96 MiB resident`), so a slow or large portal can be profiled
//! without a profiler and the benchmarks can say where the time and memory go. Off, a
//! stage costs one cached check.

use std::collections::BTreeMap;
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

/// The variable that turns timings on.
pub const VARIABLE: &str = "SHIPBOARD_TIMINGS";

fn enabled() -> bool {
    static ENABLED: OnceLock<bool> = OnceLock::new();
    *ENABLED.get_or_init(|| std::env::var_os(VARIABLE).is_some_and(|v| v != "0"))
}

/// Prints the stage's duration when dropped (if timings are on).
pub struct Stage {
    name: &'static str,
    started: Option<Instant>,
}

/// Starts timing `name`; the duration is printed when the returned guard is dropped.
pub fn stage(name: &'static str) -> Stage {
    Stage {
        name,
        started: enabled().then(Instant::now),
    }
}

impl Drop for Stage {
    fn drop(&mut self) {
        if let Some(started) = self.started {
            let elapsed = started.elapsed().as_millis();
            match resident_mib() {
                Some(mib) => eprintln!("timing: {} {elapsed} ms, {mib} MiB resident", self.name),
                None => eprintln!("timing: {} {elapsed} ms", self.name),
            }
        }
    }
}

/// CPU time per page template, summed over the rendering threads: which kind of page a
/// build spends its render stage on. `None` when timings are off.
pub fn per_template() -> Option<PerTemplate> {
    enabled().then(PerTemplate::default)
}

/// Pages, time completing their data (`SiteModel::resolve`), time fingerprinting them (an
/// incremental build's digest of what they render from; for a page kept from the last
/// build, also the time to keep it) and time rendering and writing them (zero for a kept
/// page), by template.
#[derive(Default)]
pub struct PerTemplate {
    tally: Mutex<BTreeMap<&'static str, (usize, [Duration; 3])>>,
}

impl PerTemplate {
    /// Counts one page of `template`: its data, fingerprint and render times.
    pub fn add(&self, template: &'static str, times: [Duration; 3]) {
        let mut tally = self.tally.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = tally.entry(template).or_default();
        entry.0 += 1;
        for (sum, time) in entry.1.iter_mut().zip(times) {
            *sum += time;
        }
    }
}

impl Drop for PerTemplate {
    fn drop(&mut self) {
        let tally = self.tally.lock().unwrap_or_else(PoisonError::into_inner);
        for (template, (pages, [data, fingerprint, render])) in tally.iter() {
            eprintln!(
                "timing: template {template}: {pages} pages, data {} ms, fingerprint {} ms, render {} ms (CPU)",
                data.as_millis(),
                fingerprint.as_millis(),
                render.as_millis()
            );
        }
    }
}

/// Resident memory now, from `/proc/self/statm` (in pages; Linux only).
#[cfg(target_os = "linux")]
fn resident_mib() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    // SAFETY: sysconf only reads a system constant.
    let page_size = u64::try_from(unsafe { libc::sysconf(libc::_SC_PAGESIZE) }).ok()?;
    Some(pages * page_size / (1024 * 1024))
}

#[cfg(not(target_os = "linux"))]
fn resident_mib() -> Option<u64> {
    None
}
