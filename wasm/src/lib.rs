//! Shipboard's checklist widget: turns the server-rendered checklists of a release page
//! (`<section data-checklist>` with plain HTML checkboxes) into live checklists whose ticks
//! persist in `localStorage`, with progress, reset and a Markdown export for the release ticket.
//!
//! [`state`] holds the logic (keys, digests, export) as plain, natively tested Rust; `dom` is the
//! thin browser layer, entered through [`start`], which the theme's `widget/checklist.js`
//! loader calls once the module is instantiated.

//!
//! On wasm32 the crate is `no_std` with a small allocator and a panic handler that traps: the
//! code has no intentional panics, and this keeps std's panic and formatting machinery (several
//! KiB) out of the module. Natively (unit tests) it links std as usual.

#![cfg_attr(target_arch = "wasm32", no_std)]

extern crate alloc;

mod dom;
pub mod state;

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

pub use dom::start;
