//! Search of the Shipboard release portal, in two halves that must agree:
//! - [`text`] (folding, words, stemming, shard names) and [`index`] (reading the index
//!   files) are shared with the generator, which writes the index with the same rules
//!   (`src/search/` in the `shipboard` crate documents the format);
//! - [`query`] ranks and presents results, and `dom` (wasm32 only) is the search box of every
//!   page: an ARIA combobox whose module the theme's `widget/search/search.js` loader fetches
//!   only when the box is first used, so pages that are not searched load nothing of it.
//!
//! On wasm32 the crate is `no_std` with a small allocator and a trapping panic handler,
//! like the checklist widget (`wasm/src/lib.rs`), to keep the module small.

#![cfg_attr(target_arch = "wasm32", no_std)]

extern crate alloc;

#[cfg(target_arch = "wasm32")]
mod dom;
pub mod index;
pub mod query;
pub mod text;

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
