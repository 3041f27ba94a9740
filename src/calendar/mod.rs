//! Calendar: time in the portal's zone, freezes and conflicts, the HTML calendar's data, and
//! the iCal feeds.
//!
//! Everything here works on validated `Content` and plain data; it never renders HTML and
//! never reads files or the clock ("today" and "now" are inputs).
//!
//! - [`time`]: parse written dates and times; DST gaps and overlaps.
//! - [`windows`]: expand freeze and maintenance rules into spans of time.
//! - [`conflicts`]: releases inside freezes, overlapping releases of dependent systems.
//! - [`ics`]: `/calendar.ics`, `/calendar/<system>.ics`, `/calendar/oncall-<rotation>.ics`.
//! - [`import`]: freezes from external `.ics` files.
//! - [`oncall`]: who is on call when.
//! - [`views`]: month grids, the upcoming list and feed links for `calendar.html`.

pub mod conflict;
pub mod ics;
pub mod import;
pub mod oncall;
pub mod rolling;
pub mod time;
pub mod views;
pub mod windows;

#[cfg(test)]
pub(crate) mod testutil;

pub use conflict::conflicts;
