//! Commands: thin drivers over the pipeline stages, one per CLI command.

pub mod build;
pub mod changelog;
pub mod check;
pub mod fetch;
pub mod new;
pub mod serve;
