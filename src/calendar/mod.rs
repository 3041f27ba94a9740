//! Calendar: time parsing in the portal's timezone, freezes, and the iCal feeds.
//!
//! Everything here works on validated `Content` and plain data; it never renders HTML and
//! never reads content files.
//!
//! - [`time`]: parse written dates and times, DST rules.
//! - [`windows`]: expand freeze and maintenance rules into spans of time.
//! - [`conflicts`]: releases inside freezes, overlapping dependent releases.

pub mod conflict;
pub mod ics;
pub mod import;
pub mod oncall;
pub mod time;
pub mod windows;

#[cfg(test)]
mod testutil;

pub use conflict::conflicts;
