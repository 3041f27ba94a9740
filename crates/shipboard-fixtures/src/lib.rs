//! Generated content for Shipboard's benches and tests: a valid content repo of any size
//! (releases with YAML front matter and Markdown notes, runbooks, contacts, checklists,
//! `portal.yaml`, and a bare git repository per system with tagged history), and the same
//! Markdown as a Zola site for the build bench's comparison.
//!
//! Deterministic: one fixed-seed LCG ([`rng::Lcg`]), no clock. YAML is written through serde
//! ([`yaml`]), TOML likewise. Start at [`generate::generate`] (in memory),
//! [`repo::write_content`] (to a folder) or [`repo::ensure`] (cached across runs).

pub mod generate;
pub mod git;
pub mod history;
pub mod people;
pub mod release;
pub mod repo;
pub mod rng;
pub mod runbook;
pub mod site;
pub mod words;
pub mod yaml;
pub mod zola;

pub use generate::{generate, Generated, Params};
pub use repo::{ensure, write_content, ContentRepo, TreeSize, GENERATOR_VERSION};
pub use rng::Lcg;
