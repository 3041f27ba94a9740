//! Shipboard's client runtime, one module for two jobs:
//! - the checklist widget turns the server-rendered checklists of a release page
//!   (`<section data-checklist>` with plain HTML checkboxes) into live checklists whose ticks
//!   persist in `localStorage`, with progress, reset and a Markdown export for the ticket;
//! - the live layer recomputes the page's time-dependent facts (on call now, in progress,
//!   freezes in force, relative times, staleness) with the browser's clock or `?at=`.
//!
//! [`state`] and [`live`] hold the logic as plain, natively tested Rust; `dom` and `live_dom`
//! are the thin browser layers, entered through [`start`], which the theme's
//! `widget/checklist.js` loader calls once the module is instantiated. One module rather than
//! two: they share the allocator, wasm-bindgen's runtime and the DOM bindings, which are most
//! of the bytes.

//!
//! On wasm32 the crate is `no_std` with a small allocator and a panic handler that traps: the
//! code has no intentional panics, and this keeps std's panic and formatting machinery (several
//! KiB) out of the module. Natively (unit tests) it links std as usual.

#![cfg_attr(target_arch = "wasm32", no_std)]

extern crate alloc;

#[cfg(feature = "dom")]
mod dom;
pub mod live;
#[cfg(feature = "dom")]
mod live_dom;
pub mod state;

// The browser parts (feature `dom`, on by default) are left out when another module links
// this crate for its logic only (`wasm/export`); that module has entry points of its own and
// uses this crate's allocator and panic handler.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    // SAFETY: wasm32-unknown-unknown without the atomics feature runs on a single thread.
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };

#[cfg(target_arch = "wasm32")]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}

#[cfg(feature = "dom")]
use wasm_bindgen::prelude::wasm_bindgen;

/// The runtime's one entry point, called by the theme's loader: enhances the page's
/// checklists and starts the live layer (each does nothing on a page without its markup).
#[cfg(feature = "dom")]
#[wasm_bindgen]
pub fn start() {
    dom::start_checklists();
    live_dom::start();
}
