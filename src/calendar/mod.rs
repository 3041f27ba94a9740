//! Calendar: time parsing in the portal's timezone, freezes, and the iCal feeds.
//!
//! Everything here works on validated `Content` and plain data; it never renders HTML and
//! never reads content files.

pub mod time;
