//! Validation of a rotation's `overrides:` in contacts.yaml: who covers, from when to when.
//!
//! An override must name a member of its rotation, end after it starts and not overlap
//! another override of the same rotation (then two people would be "on call now"). Only
//! overrides without problems reach `Content`; the schedule itself lives in
//! `calendar::oncall`.

use std::path::Path;

use super::{at, Validator};
use crate::calendar::time;
use crate::content::raw::RawRotation;
use crate::content::RotationOverride;

impl Validator<'_> {
    /// The usable overrides of `rotation`, sorted by start; every problem reported.
    pub(super) fn rotation_overrides(
        &mut self,
        path: &Path,
        rotation: &RawRotation,
    ) -> Vec<RotationOverride> {
        let zone = self.zone;
        let mut overrides = Vec::new();
        for raw in &rotation.overrides {
            let member = self.override_person(path, rotation, &raw.person);
            let start = self.datetime(path, 0, &raw.start, "rotations.overrides.start", zone);
            let end = self.datetime(path, 0, &raw.end, "rotations.overrides.end", zone);
            let (Some(start), Some(end)) = (start, end) else {
                continue;
            };
            if end <= start {
                self.error(
                    at(path, 0, &raw.end),
                    "rotations.overrides.end",
                    format!(
                        "the override ends ({}) at or before its start ({})",
                        time::format_local(end, zone),
                        time::format_local(start, zone)
                    ),
                    "make `end` later than `start`",
                );
                continue;
            }
            if member {
                overrides.push(RotationOverride {
                    person: raw.person.value.clone(),
                    start,
                    end,
                    source: at(path, 0, &raw.person),
                });
            }
        }
        overrides.sort_by(|a, b| (a.start, a.end, &a.source).cmp(&(b.start, b.end, &b.source)));
        self.overlapping_overrides(&rotation.id.value, &overrides);
        overrides
    }

    /// Whether `person` may cover `rotation`: a known person who is one of its members.
    fn override_person(
        &mut self,
        path: &Path,
        rotation: &RawRotation,
        person: &serde_saphyr::Spanned<String>,
    ) -> bool {
        if !self.known.people.contains(&person.value) {
            self.person_ref(path, 0, person, "rotations.overrides.person");
            return false;
        }
        if rotation.members.iter().any(|m| m.value == person.value) {
            return true;
        }
        let members: Vec<&str> = rotation.members.iter().map(|m| m.value.as_str()).collect();
        self.error(
            at(path, 0, person),
            "rotations.overrides.person",
            format!(
                "\"{}\" is not a member of rotation \"{}\"",
                person.value, rotation.id.value
            ),
            &format!(
                "an override hands the rotation to one of its members ({}): pick one of them, or add \"{}\" to `members`",
                members.join(", "),
                person.value
            ),
        );
        false
    }

    /// One error per override that starts before an earlier one (by start) has ended.
    fn overlapping_overrides(&mut self, rotation: &str, sorted: &[RotationOverride]) {
        let zone = self.zone;
        let mut latest: Option<&RotationOverride> = None;
        for o in sorted {
            if let Some(earlier) = latest.filter(|e| o.start < e.end) {
                self.error(
                    o.source.clone(),
                    "rotations.overrides",
                    format!(
                        "this override of \"{rotation}\" ({}, {}) overlaps the one at line {} ({}, {})",
                        o.person,
                        time::format_range(o.start, o.end, zone),
                        earlier.source.line,
                        earlier.person,
                        time::format_range(earlier.start, earlier.end, zone),
                    ),
                    "one person covers at a time: end the earlier override when this one starts, or merge them",
                );
            }
            if latest.is_none_or(|e| o.end > e.end) {
                latest = Some(o);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use chrono_tz::Tz;

    use super::super::{Known, Validator};
    use crate::content::load::{parse_yaml, YamlFile};
    use crate::content::raw::RawContacts;
    use crate::content::Rotation;
    use crate::diagnostics::{Diagnostic, Diagnostics};

    const PEOPLE: &str = "people:
  - {id: li, name: Li Wei}
  - {id: sam, name: Sam Okafor}
  - {id: priya, name: Priya Raman}
  - {id: noor, name: Noor Haddad}
";

    /// Validates contacts.yaml `PEOPLE` + `rotations`; returns the rotations and problems.
    fn validate(rotations: &str) -> (Vec<Rotation>, Vec<Diagnostic>) {
        let text = format!("{PEOPLE}rotations:\n{rotations}");
        let path = Path::new("contacts.yaml");
        let data: RawContacts = parse_yaml(&text, path, 0).expect("test YAML parses");
        let known = Known {
            people: data.people.iter().map(|p| p.id.value.clone()).collect(),
            ..Known::default()
        };
        let mut diagnostics = Diagnostics::default();
        let mut v = Validator {
            diagnostics: &mut diagnostics,
            zone: Tz::Europe__Berlin,
            known,
        };
        let file = YamlFile {
            path: path.to_path_buf(),
            data,
            warnings: Vec::new(),
        };
        let (_, _, _, rotations) = v.contacts(&file);
        (rotations, diagnostics.sorted())
    }

    const ROTATION: &str = "  - id: sre
    name: SRE
    members: [li, sam, priya]
    length_days: 7
    start: 2026-11-02 10:00
    overrides:
";

    #[test]
    fn valid_overrides_reach_the_rotation_in_order() {
        let (rotations, problems) = validate(&format!(
            "{ROTATION}      - {{person: sam, start: 2026-11-20 10:00, end: 2026-11-21T10:00+01:00}}
      - {{person: priya, start: 2026-11-05 10:00, end: 2026-11-20 10:00}}
"
        ));
        assert!(problems.is_empty(), "{problems:#?}");
        let overrides = &rotations[0].overrides;
        let people: Vec<&str> = overrides.iter().map(|o| o.person.as_str()).collect();
        assert_eq!(people, ["priya", "sam"]);
        assert_eq!(overrides[1].start.to_rfc3339(), "2026-11-20T09:00:00+00:00");
        assert_eq!(overrides[1].source.line, 13);
    }

    #[test]
    fn an_override_by_someone_outside_the_rotation_is_an_error() {
        let (rotations, problems) = validate(&format!(
            "{ROTATION}      - {{person: noor, start: 2026-11-05 10:00, end: 2026-11-06 10:00}}
"
        ));
        assert_eq!(problems.len(), 1, "{problems:#?}");
        let text = problems[0].to_string();
        assert!(
            text.starts_with("contacts.yaml:13:18: error[rotations.overrides.person]: \"noor\" is not a member of rotation \"sre\""),
            "{text}"
        );
        assert!(
            text.contains(
                "help: an override hands the rotation to one of its members (li, sam, priya)"
            ),
            "{text}"
        );
        assert!(rotations[0].overrides.is_empty());
    }

    #[test]
    fn an_override_by_an_unknown_person_is_an_error() {
        let (_, problems) = validate(&format!(
            "{ROTATION}      - {{person: lena, start: 2026-11-05 10:00, end: 2026-11-06 10:00}}
"
        ));
        assert_eq!(problems.len(), 1, "{problems:#?}");
        assert_eq!(
            problems[0].to_string(),
            "contacts.yaml:13:18: error[rotations.overrides.person]: unknown person \"lena\"\n  help: define it in contacts.yaml `people:`, or fix the spelling"
        );
    }

    #[test]
    fn an_inverted_or_empty_override_is_an_error_at_its_end() {
        let (rotations, problems) = validate(&format!(
            "{ROTATION}      - {{person: sam, start: 2026-11-06 10:00, end: 2026-11-05 10:00}}
      - {{person: sam, start: 2026-11-08 10:00, end: 2026-11-08 10:00}}
"
        ));
        assert_eq!(problems.len(), 2, "{problems:#?}");
        assert_eq!(
            problems[0].to_string(),
            "contacts.yaml:13:53: error[rotations.overrides.end]: the override ends (2026-11-05 10:00) at or before its start (2026-11-06 10:00)\n  help: make `end` later than `start`"
        );
        assert_eq!(problems[1].at.line, 14);
        assert!(rotations[0].overrides.is_empty());
    }

    #[test]
    fn overlapping_overrides_are_an_error_at_the_later_one() {
        let (_, problems) = validate(&format!(
            "{ROTATION}      - {{person: sam, start: 2026-11-05 10:00, end: 2026-11-07 10:00}}
      - {{person: priya, start: 2026-11-07 10:00, end: 2026-11-08 10:00}}
      - {{person: li, start: 2026-11-06 18:00, end: 2026-11-06 20:00}}
"
        ));
        // Back to back (sam then priya) is fine; li's evening inside sam's days is not.
        assert_eq!(problems.len(), 1, "{problems:#?}");
        let text = problems[0].to_string();
        assert!(
            text.starts_with("contacts.yaml:15:18: error[rotations.overrides]: this override of \"sre\" (li, 2026-11-06 18:00 – 20:00) overlaps the one at line 13 (sam, 2026-11-05 10:00 – 2026-11-07 10:00)"),
            "{text}"
        );
        assert!(text.contains("help: one person covers at a time"), "{text}");
    }

    #[test]
    fn a_rotation_without_members_is_an_error() {
        let (_, problems) = validate(
            "  - {id: empty, name: Empty, members: [], length_days: 7, start: 2026-11-02 10:00}\n",
        );
        assert_eq!(problems.len(), 1, "{problems:#?}");
        assert_eq!(
            problems[0].to_string(),
            "contacts.yaml:7:10: error[rotations.members]: rotation \"empty\" has no members\n  help: list the person ids who take turns"
        );
    }
}
