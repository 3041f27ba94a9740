//! "Record ticks": this browser's ticks as the YAML of a release file's `ticks:` (see the
//! README's "Recorded ticks"), ready to paste. Every value written is a slug, digits or a
//! time stamp, so nothing needs quoting and nothing from the page can break the YAML.

use alloc::string::String;

use shipboard_widget::state::{format_time, is_digest};

/// `by:` when the name given in the widget is not a person id: `check` rejects it as an
/// unknown person until it is replaced.
pub const PLACEHOLDER: &str = "your-person-id";

/// One local tick to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalTick {
    /// The checkbox's `data-item`, `<phase>/<item>`.
    pub key: String,
    /// When it was ticked: Unix milliseconds and the local UTC offset in minutes then.
    pub at: (u64, i32),
    /// The item text's digest (`data-digest`).
    pub digest: String,
}

/// The person id to write as `by:`: the name given in the widget when it is an id
/// (`priya`), otherwise [`PLACEHOLDER`].
pub fn person_id(name: &str) -> &str {
    let name = name.trim_ascii();
    let slug = !name.is_empty()
        && name.len() <= 64
        && !name.starts_with('-')
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if slug {
        name
    } else {
        PLACEHOLDER
    }
}

/// `2026-12-01 16:20+01:00`: the time with the offset it was ticked at, so the portal reads
/// it right whatever its own zone.
pub fn stamp(millis: u64, offset_min: i32) -> String {
    let text = format_time(millis, offset_min);
    match text.rsplit_once(' ') {
        Some((local, offset)) => {
            let mut out = String::from(local);
            out.push_str(offset);
            out
        }
        None => text,
    }
}

/// The YAML for `ticks`, all by `by` (see [`person_id`]). With `header`, it starts with
/// `ticks:` (the release file has none yet); otherwise it is the list items alone, to add
/// under the existing key.
pub fn yaml(ticks: &[LocalTick], by: &str, header: bool) -> String {
    let mut out = String::new();
    if header {
        out.push_str("ticks:\n");
    }
    for tick in ticks {
        let item = tick.key.rsplit('/').next().unwrap_or_default();
        out.push_str("  - item: ");
        out.push_str(item);
        out.push_str("\n    by: ");
        out.push_str(person_id(by));
        out.push_str("\n    at: ");
        out.push_str(&stamp(tick.at.0, tick.at.1));
        if is_digest(&tick.digest) {
            out.push_str("\n    wording: ");
            out.push_str(&tick.digest);
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tick(key: &str, at: u64, offset: i32) -> LocalTick {
        LocalTick {
            key: key.into(),
            at: (at, offset),
            digest: "9325e3ca0c1d9b85".into(),
        }
    }

    #[test]
    fn person_ids_pass_and_names_become_the_placeholder() {
        assert_eq!(person_id(" priya "), "priya");
        assert_eq!(person_id("sre-2"), "sre-2");
        assert_eq!(person_id("Priya Raman"), PLACEHOLDER);
        assert_eq!(person_id(""), PLACEHOLDER);
        assert_eq!(person_id("a: b"), PLACEHOLDER);
    }

    #[test]
    fn stamps_carry_the_offset_without_a_space() {
        // 2026-12-01T15:20:00Z
        assert_eq!(stamp(1_796_138_400_000, 60), "2026-12-01 16:20+01:00");
        assert_eq!(stamp(1_796_138_400_000, -330), "2026-12-01 09:50-05:30");
    }

    #[test]
    fn yaml_lists_each_tick_with_item_person_time_and_wording() {
        let ticks = [
            tick("planning/ticket-filed", 1_796_138_400_000, 60),
            tick("testing/deployed-to-staging", 1_796_142_000_000, 0),
        ];
        assert_eq!(
            yaml(&ticks, "priya", true),
            "ticks:\n  - item: ticket-filed\n    by: priya\n    at: 2026-12-01 16:20+01:00\n    wording: 9325e3ca0c1d9b85\n  - item: deployed-to-staging\n    by: priya\n    at: 2026-12-01 16:20+00:00\n    wording: 9325e3ca0c1d9b85\n"
        );
    }

    #[test]
    fn yaml_without_header_and_without_a_valid_digest() {
        let mut t = tick("planning/ticket-filed", 1_796_138_400_000, 60);
        t.digest = "not-a-digest".into();
        assert_eq!(
            yaml(&[t], "Priya Raman", false),
            "  - item: ticket-filed\n    by: your-person-id\n    at: 2026-12-01 16:20+01:00\n"
        );
    }
}
