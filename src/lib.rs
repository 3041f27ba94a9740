//! Shipboard: a release portal generator.
//!
//! The pipeline runs one way: `content::load` reads files -> `validate` checks and types
//! them -> `model` builds every page's data -> `render` formats it with templates ->
//! `output` writes it aside and swaps it in. `commands` are thin drivers over it.

pub mod budget;
pub mod cache;
pub mod calendar;
pub mod commands;
pub mod content;
pub mod diagnostics;
pub mod feeds;
pub mod history;
pub mod markdown;
pub mod mirrors;
pub mod model;
pub mod output;
pub mod render;
pub mod search;
pub mod server;
pub mod theme;
pub mod timings;
pub mod validate;
