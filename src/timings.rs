//! Timings: with `SHIPBOARD_TIMINGS=1`, each stage of a build prints how long it took to
//! stderr (`timing: history 412 ms`), so a slow portal can be profiled without a profiler
//! and the benchmarks can say where the time goes. Off, a stage costs one cached check.

use std::sync::OnceLock;
use std::time::Instant;

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
            eprintln!("timing: {} {} ms", self.name, started.elapsed().as_millis());
        }
    }
}
