//! The checklist widget's state logic, free of any browser API so it is unit-tested natively:
//! item digests, `localStorage` keys and values, progress text, time stamps and the Markdown
//! export. Written without `format!` and without panicking paths (no indexing, no unwrap) to
//! keep the WebAssembly module small.

use alloc::borrow::ToOwned;
use alloc::string::String;

/// FNV-1a 64-bit offset basis.
const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
/// FNV-1a 64-bit prime.
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// Prefix of every key the widget writes; bump the version when the value format changes.
const PREFIX: &str = "shipboard|v1|";

/// Key used once at start to find out whether `localStorage` accepts writes.
pub const PROBE_KEY: &str = "shipboard|v1|probe";

/// FNV-1a 64-bit hash of the UTF-8 bytes of `text`; the generator writes the same value as
/// `data-digest`.
pub fn fnv1a64(text: &str) -> u64 {
    text.bytes().fold(FNV_OFFSET, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(FNV_PRIME)
    })
}

/// `value` as 16 lowercase hex digits, the format of `data-digest`.
pub fn hex16(value: u64) -> String {
    let mut out = String::with_capacity(16);
    let mut shift = 64;
    while shift > 0 {
        shift -= 4;
        let nibble = ((value >> shift) & 0xf) as u8;
        out.push(char::from(if nibble < 10 {
            b'0' + nibble
        } else {
            b'a' + nibble - 10
        }));
    }
    out
}

/// Whether `s` is a well-formed digest: exactly 16 lowercase hex digits.
pub fn is_digest(s: &str) -> bool {
    s.len() == 16
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The digest to key an item by: the page's `data-digest` when well-formed, otherwise the
/// FNV-1a of the item's visible text (so a page without digests still keys by text).
pub fn item_digest(attr: Option<&str>, text: &str) -> String {
    match attr {
        Some(d) if is_digest(d) => d.to_owned(),
        _ => hex16(fnv1a64(collapse(text).as_str())),
    }
}

/// Where an item's tick lives in storage. Includes the checklist id (a page may show several
/// checklists) and the text digest (a changed item text must not inherit the old tick).
pub fn item_key(portal: &str, release: &str, checklist: &str, item: &str, digest: &str) -> String {
    let mut key = String::from(PREFIX);
    for part in [portal, release, checklist, item] {
        key.push_str(part);
        key.push('|');
    }
    key.push_str(digest);
    key
}

/// Where the user's name (given once, used for every later tick) lives for a portal.
pub fn name_key(portal: &str) -> String {
    let mut key = String::from(PREFIX);
    key.push_str(portal);
    key.push_str("|name");
    key
}

/// A tick as stored: when (Unix milliseconds) and by whom (may be empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tick<'a> {
    /// Unix time in milliseconds.
    pub at: u64,
    /// The name the user gave, or "".
    pub by: &'a str,
}

/// Storage value of a tick: `<millis>` or `<millis> <name>`.
pub fn encode_tick(at: u64, by: &str) -> String {
    let mut out = String::new();
    push_u64(&mut out, at);
    let by = by.trim_ascii();
    if !by.is_empty() {
        out.push(' ');
        out.push_str(by);
    }
    out
}

/// Reads a stored tick; `None` for anything malformed (treated as not ticked).
pub fn decode_tick(value: &str) -> Option<Tick<'_>> {
    let (at, by) = value.split_once(' ').unwrap_or((value, ""));
    Some(Tick {
        at: parse_digits(at)?,
        by: by.trim_ascii(),
    })
}

/// Parses 1 to 19 ASCII digits (19 digits cannot overflow a `u64`); `None` otherwise.
fn parse_digits(s: &str) -> Option<u64> {
    if s.is_empty() || s.len() > 19 {
        return None;
    }
    let mut n = 0u64;
    for b in s.bytes() {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u64::from(b - b'0');
    }
    Some(n)
}

/// Parses a decimal millisecond count kept in a data attribute.
pub fn parse_millis(value: &str) -> Option<u64> {
    decode_tick(value).map(|t| t.at)
}

/// `"n of m done"`, the text announced by the live region.
pub fn progress_text(done: u32, total: u32) -> String {
    let mut out = String::new();
    push_u64(&mut out, u64::from(done));
    out.push_str(" of ");
    push_u64(&mut out, u64::from(total));
    out.push_str(" done");
    out
}

/// The checklist's progress when some items are done by record (`data-done`: ticks
/// recorded in the content repo, or verified by the portal): `"5 of 8 done: 3 recorded, 2 on
/// this device"`; without any, plain `"n of m done"`. `done` counts both.
pub fn progress_label(done: u32, total: u32, recorded: u32) -> String {
    let mut out = progress_text(done, total);
    if recorded > 0 {
        out.push_str(": ");
        push_u64(&mut out, u64::from(recorded));
        out.push_str(" recorded, ");
        push_u64(&mut out, u64::from(done.saturating_sub(recorded)));
        out.push_str(" on this device");
    }
    out
}

/// Collapses runs of ASCII whitespace (including newlines) into single spaces and trims, so a
/// text fits on one Markdown list line. (ASCII only: Unicode tables would cost module size.)
pub fn collapse(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_ascii_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Formats Unix milliseconds as local time `YYYY-MM-DD HH:MM ±HH:MM`, where `offset_min` is
/// the local offset east of UTC in minutes (JavaScript's `-getTimezoneOffset()`).
pub fn format_time(millis: u64, offset_min: i32) -> String {
    let mut out = crate::live::format_local(millis, offset_min);
    out.push(' ');
    out.push(if offset_min < 0 { '-' } else { '+' });
    let off = offset_min.unsigned_abs();
    push_2(&mut out, off / 60);
    out.push(':');
    push_2(&mut out, off % 60);
    out
}

/// Gregorian date of a day count since 1970-01-01 (Howard Hinnant's algorithm).
pub(crate) fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Appends `n` in decimal.
pub fn push_u64(out: &mut String, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut len = 0;
    loop {
        if let Some(slot) = buf.get_mut(len) {
            *slot = b'0' + (n % 10) as u8;
        }
        len += 1;
        n /= 10;
        if n == 0 || len >= buf.len() {
            break;
        }
    }
    for digit in buf.iter().take(len).rev() {
        out.push(char::from(*digit));
    }
}

/// Appends `n` as at least two decimal digits.
pub(crate) fn push_2(out: &mut String, n: u32) {
    if n < 10 {
        out.push('0');
    }
    push_u64(out, u64::from(n));
}

/// `"ticked <when> by <who>"`, shown beside a ticked item and in the export; either part may
/// be missing (no time stamp when the tick was restored by the browser, no name when none was
/// given), and both missing gives "".
pub fn ticked_note(at: Option<(u64, i32)>, by: &str) -> String {
    let mut out = String::new();
    if let Some((at, offset)) = at {
        out.push_str("ticked ");
        out.push_str(&format_time(at, offset));
    }
    let by = collapse(by);
    if !by.is_empty() {
        out.push_str(if out.is_empty() { "by " } else { " by " });
        out.push_str(&by);
    }
    out
}

/// One checklist item as the Markdown export needs it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ItemView {
    /// Title of the item's phase (the fieldset legend).
    pub phase: String,
    /// The item text.
    pub text: String,
    /// Owner role shown beside the item, or "".
    pub owner: String,
    /// Whether it is ticked.
    pub done: bool,
    /// When it was ticked: Unix milliseconds and the local UTC offset in minutes then.
    pub at: Option<(u64, i32)>,
    /// Who ticked it, or "".
    pub by: String,
}

/// The checklist as a GitHub task list for the release ticket: a heading (with the release,
/// `system@version`, unless it is a template page's `template:<id>`), the progress, then one
/// bold line per phase and one task per item with when (and by whom) it was ticked.
pub fn markdown(title: &str, release: &str, items: &[ItemView]) -> String {
    let done = items.iter().filter(|i| i.done).count() as u32;
    let mut out = String::from("### ");
    out.push_str(&collapse(title));
    let release = release.trim_ascii();
    if !release.is_empty() && !release.starts_with("template:") {
        out.push_str(" (");
        out.push_str(release);
        out.push(')');
    }
    out.push_str("\n\n");
    out.push_str(&progress_text(done, items.len() as u32));
    out.push('\n');
    let mut phase: Option<&str> = None;
    for item in items {
        if phase != Some(item.phase.as_str()) {
            phase = Some(item.phase.as_str());
            out.push_str("\n**");
            out.push_str(&collapse(&item.phase));
            out.push_str("**\n\n");
        }
        out.push_str(if item.done { "- [x] " } else { "- [ ] " });
        out.push_str(&collapse(&item.text));
        let owner = collapse(&item.owner);
        if !owner.is_empty() {
            out.push_str(" (");
            out.push_str(&owner);
            out.push(')');
        }
        if item.done {
            let note = ticked_note(item.at, &item.by);
            if !note.is_empty() {
                out.push_str(" — ");
                out.push_str(&note);
            }
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a64_matches_reference_vectors() {
        // Published FNV-1a 64 test vectors.
        assert_eq!(hex16(fnv1a64("")), "cbf29ce484222325");
        assert_eq!(hex16(fnv1a64("a")), "af63dc4c8601ec8c");
        assert_eq!(hex16(fnv1a64("foobar")), "85944171f73967e8");
    }

    #[test]
    fn fnv1a64_hashes_utf8_bytes() {
        assert_ne!(fnv1a64("café"), fnv1a64("cafe"));
        assert_eq!(hex16(fnv1a64("café")).len(), 16);
    }

    #[test]
    fn hex16_pads_with_zeros() {
        assert_eq!(hex16(0), "0000000000000000");
        assert_eq!(hex16(0xab), "00000000000000ab");
        assert_eq!(hex16(u64::MAX), "ffffffffffffffff");
    }

    #[test]
    fn digest_format_is_checked() {
        assert!(is_digest("9f3a0c1d2b4e5f60"));
        assert!(!is_digest("9F3A0C1D2B4E5F60"));
        assert!(!is_digest("9f3a0c1d2b4e5f6"));
        assert!(!is_digest("9f3a0c1d2b4e5f60a"));
        assert!(!is_digest("9f3a0c1d2b4e5f6g"));
        assert!(!is_digest(""));
    }

    #[test]
    fn item_digest_prefers_page_digest_and_falls_back_to_text() {
        assert_eq!(
            item_digest(Some("9f3a0c1d2b4e5f60"), "whatever"),
            "9f3a0c1d2b4e5f60"
        );
        let from_text = hex16(fnv1a64("Ticket filed."));
        assert_eq!(item_digest(None, "  Ticket\n filed. "), from_text);
        assert_eq!(item_digest(Some("bogus"), "Ticket filed."), from_text);
    }

    #[test]
    fn item_key_includes_every_part() {
        let key = item_key(
            "northwind",
            "payments@2.4.0",
            "standard-rollout",
            "planning/ticket-filed",
            "9f3a0c1d2b4e5f60",
        );
        assert_eq!(
            key,
            "shipboard|v1|northwind|payments@2.4.0|standard-rollout|planning/ticket-filed|9f3a0c1d2b4e5f60"
        );
    }

    #[test]
    fn item_keys_differ_by_release_checklist_and_digest() {
        let base = item_key("p", "s@1.0.0", "c", "a/b", "0000000000000001");
        assert_ne!(
            base,
            item_key("p", "s@1.1.0", "c", "a/b", "0000000000000001")
        );
        assert_ne!(
            base,
            item_key("p", "s@1.0.0", "d", "a/b", "0000000000000001")
        );
        assert_ne!(
            base,
            item_key("p", "s@1.0.0", "c", "a/b", "0000000000000002")
        );
        assert_ne!(
            base,
            item_key("q", "s@1.0.0", "c", "a/b", "0000000000000001")
        );
        assert_ne!(name_key("p"), base);
        assert_eq!(name_key("northwind"), "shipboard|v1|northwind|name");
    }

    #[test]
    fn ticks_round_trip() {
        let v = encode_tick(1_765_000_000_123, " Priya Raman ");
        assert_eq!(v, "1765000000123 Priya Raman");
        assert_eq!(
            decode_tick(&v),
            Some(Tick {
                at: 1_765_000_000_123,
                by: "Priya Raman"
            })
        );
        assert_eq!(encode_tick(5, ""), "5");
        assert_eq!(decode_tick("5"), Some(Tick { at: 5, by: "" }));
    }

    #[test]
    fn malformed_ticks_are_ignored() {
        for bad in [
            "",
            " ",
            "x",
            "12a",
            "-5",
            "+5",
            "1.5",
            "99999999999999999999999 x",
            "18446744073709551616",
            " 5",
        ] {
            assert_eq!(decode_tick(bad), None, "{bad:?}");
        }
        assert_eq!(parse_millis("42"), Some(42));
        assert_eq!(
            parse_millis("9999999999999999999"),
            Some(9_999_999_999_999_999_999)
        );
        assert_eq!(parse_millis("nope"), None);
    }

    #[test]
    fn progress_text_reads_n_of_m() {
        assert_eq!(progress_text(0, 0), "0 of 0 done");
        assert_eq!(progress_text(3, 12), "3 of 12 done");
        assert_eq!(progress_text(120, 120), "120 of 120 done");
    }

    #[test]
    fn progress_label_splits_recorded_from_local_ticks() {
        assert_eq!(progress_label(2, 8, 0), "2 of 8 done");
        assert_eq!(
            progress_label(5, 8, 3),
            "5 of 8 done: 3 recorded, 2 on this device"
        );
        assert_eq!(
            progress_label(3, 8, 3),
            "3 of 8 done: 3 recorded, 0 on this device"
        );
    }

    #[test]
    fn push_u64_writes_decimal() {
        for n in [0u64, 7, 10, 99, 1_000_000, u64::MAX] {
            let mut s = String::new();
            push_u64(&mut s, n);
            assert_eq!(s, n.to_string());
        }
    }

    #[test]
    fn format_time_handles_offsets_and_dates() {
        assert_eq!(format_time(0, 0), "1970-01-01 00:00 +00:00");
        // 2026-12-06T02:14:30Z
        let ms = 1_796_523_270_000;
        assert_eq!(format_time(ms, 0), "2026-12-06 02:14 +00:00");
        assert_eq!(format_time(ms, 60), "2026-12-06 03:14 +01:00");
        assert_eq!(format_time(ms, -330), "2026-12-05 20:44 -05:30");
        // Leap day and year end.
        assert_eq!(format_time(1_709_164_800_000, 0), "2024-02-29 00:00 +00:00");
        assert_eq!(format_time(1_798_761_599_000, 0), "2026-12-31 23:59 +00:00");
        assert_eq!(
            format_time(1_798_761_599_000, 60),
            "2027-01-01 00:59 +01:00"
        );
    }

    #[test]
    fn collapse_makes_one_line() {
        assert_eq!(collapse("  a\n  b\tc  "), "a b c");
        assert_eq!(collapse(""), "");
    }

    fn item(phase: &str, text: &str, done: bool) -> ItemView {
        ItemView {
            phase: phase.into(),
            text: text.into(),
            done,
            ..ItemView::default()
        }
    }

    #[test]
    fn markdown_is_a_task_list_grouped_by_phase() {
        let mut ticked = item("Planning", "Ticket filed.", true);
        ticked.owner = "Release manager".into();
        ticked.at = Some((1_796_523_270_000, 60));
        ticked.by = "Priya".into();
        let mut nameless = item("Deploy", "Canary at 5 %.", true);
        nameless.at = Some((1_796_523_270_000, 0));
        let items = [
            ticked,
            item("Planning", "Rollback\n tested.", false),
            nameless,
            item("Deploy", "Dashboards green.", false),
        ];
        let md = markdown("Checklist: Standard rollout", "payments@2.4.0", &items);
        assert_eq!(
            md,
            "### Checklist: Standard rollout (payments@2.4.0)\n\
             \n\
             2 of 4 done\n\
             \n\
             **Planning**\n\
             \n\
             - [x] Ticket filed. (Release manager) — ticked 2026-12-06 03:14 +01:00 by Priya\n\
             - [ ] Rollback tested.\n\
             \n\
             **Deploy**\n\
             \n\
             - [x] Canary at 5 %. — ticked 2026-12-06 02:14 +00:00\n\
             - [ ] Dashboards green.\n"
        );
    }

    #[test]
    fn ticked_note_combines_time_and_name() {
        let at = Some((1_796_523_270_000, 0));
        assert_eq!(
            ticked_note(at, "Li"),
            "ticked 2026-12-06 02:14 +00:00 by Li"
        );
        assert_eq!(ticked_note(at, " "), "ticked 2026-12-06 02:14 +00:00");
        assert_eq!(ticked_note(None, "Li"), "by Li");
        assert_eq!(ticked_note(None, ""), "");
    }

    #[test]
    fn markdown_ticked_without_time_still_names_who() {
        let mut i = item("P", "T", true);
        i.by = "Li".into();
        let md = markdown("C", "", &[i]);
        assert_eq!(md, "### C\n\n1 of 1 done\n\n**P**\n\n- [x] T — by Li\n");
    }

    #[test]
    fn markdown_of_a_template_page_names_no_release() {
        let md = markdown("Checklist: Hotfix", "template:hotfix", &[]);
        assert!(md.starts_with("### Checklist: Hotfix\n"), "{md}");
    }

    #[test]
    fn markdown_of_empty_checklist() {
        assert_eq!(markdown("C", "r", &[]), "### C (r)\n\n0 of 0 done\n");
    }
}
