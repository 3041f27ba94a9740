//! The checklist widget's exports, a module of their own that the theme's loader
//! (`widget/checklist.js`) fetches the first time "Copy as Markdown" or "Record ticks" is
//! pressed, so a page that only shows a checklist never loads them:
//! - "Copy as Markdown": the checklist as a GitHub task list for the release ticket;
//! - "Record ticks": this browser's own ticks (not those recorded in the content repo) as the
//!   YAML to paste into the release file's `ticks:` ([`ticks`]), so they become everyone's.
//!
//! [`ticks`] is plain Rust, natively tested; `dom` (wasm32 only) reads the state the widget
//! keeps on the page (`checked`, `data-cw-at`, `data-cw-by`) and fills the section's text
//! area, copying to the clipboard where the browser allows. Like the widget it is `no_std`
//! on wasm32, with the widget's allocator and panic handler.

#![cfg_attr(target_arch = "wasm32", no_std)]

extern crate alloc;

#[cfg(target_arch = "wasm32")]
mod dom;
pub mod ticks;

// The allocator (lol_alloc) and the trapping panic handler come from `shipboard-widget`,
// which is linked in for its logic.
