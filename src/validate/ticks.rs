//! Recorded checklist ticks (`ticks:` in a release file) and the portal settings around
//! them (`edit_url`, `required_phases`).
//!
//! Conversion checks what one file can tell: the item exists in the release's checklist,
//! one tick per item, the person exists, the date parses, the digest and evidence URL are
//! well-formed. The checks that need the build's "now" or the content repo's history (a tick
//! dated in the future, or before the release file was first committed) and the
//! `required_phases` warning are free functions over `Content`, run by `prepare` like the
//! overdue statuses; they never read the clock or git themselves.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, Utc};
use url::Url;

use super::{at, release_type, Validator};
use crate::calendar::time;
use crate::content::load::{MarkdownFile, YamlFile};
use crate::content::raw::{RawPortal, RawRelease};
use crate::content::{Checklist, Content, RecordedTick, Release, ReleaseStatus, ReleaseType};
use crate::diagnostics::{Diagnostic, SourceRef};

const EDIT_URL_HELP: &str =
    "write the https address of a file's edit page with {path} where the release file's path goes, e.g. https://github.com/org/portal/edit/main/{path}";

impl Validator<'_> {
    /// `edit_url`: an https URL template containing `{path}`.
    pub(super) fn edit_url(&mut self, path: &Path, raw: &RawPortal) -> Option<String> {
        let value = raw.edit_url.as_ref()?;
        let template = value.value.trim();
        let problem = if !template.contains("{path}") {
            Some("does not contain {path}".to_owned())
        } else if !template.to_ascii_lowercase().starts_with("https://") {
            Some("is not an https URL".to_owned())
        } else {
            web_url(&template.replace("{path}", "releases/x.md")).err()
        };
        match problem {
            Some(why) => {
                let message = format!("edit_url \"{template}\" {why}");
                self.error(at(path, 0, value), "edit_url", message, EDIT_URL_HELP);
                None
            }
            None => Some(template.to_owned()),
        }
    }

    /// `required_phases`: release type -> phase ids (whether the phases exist is checked
    /// once the checklists are read: [`Validator::required_phases_exist`]).
    pub(super) fn required_phases(
        &mut self,
        path: &Path,
        raw: &RawPortal,
    ) -> BTreeMap<ReleaseType, Vec<String>> {
        let mut required = BTreeMap::new();
        for (kind, phases) in &raw.required_phases {
            let Some(kind) = release_type(kind) else {
                let where_ = phases
                    .first()
                    .map(|p| at(path, 0, p))
                    .unwrap_or_else(|| SourceRef::file(path));
                self.error(
                    where_,
                    "required_phases",
                    format!("\"{kind}\" is not a release type"),
                    "use major, minor, patch or emergency",
                );
                continue;
            };
            let ids = phases
                .iter()
                .map(|p| self.slug(path, 0, p, "required_phases"))
                .collect();
            required.insert(kind, ids);
        }
        required
    }

    /// Every phase id in `required_phases` is a phase of some checklist.
    pub(super) fn required_phases_exist(
        &mut self,
        file: &YamlFile<RawPortal>,
        checklists: &[Checklist],
    ) {
        let mut known: Vec<&str> = checklists
            .iter()
            .flat_map(|c| c.phases.iter().map(|p| p.id.as_str()))
            .collect();
        known.sort_unstable();
        known.dedup();
        for phase in file.data.required_phases.values().flatten() {
            if known.contains(&phase.value.as_str()) {
                continue;
            }
            self.error(
                at(&file.path, 0, phase),
                "required_phases",
                format!("no checklist has a phase \"{}\"", phase.value),
                &format!(
                    "use a phase id from checklists/*.yaml: {}",
                    known.join(", ")
                ),
            );
        }
    }

    /// The `ticks:` of one release file, checked against `checklist` (the release's, if
    /// it names one that could be read).
    pub(super) fn ticks(
        &mut self,
        file: &MarkdownFile<RawRelease>,
        checklist: Option<&Checklist>,
        names_checklist: bool,
    ) -> Vec<RecordedTick> {
        let path = file.path.as_path();
        let offset = file.front_line_offset;
        let mut ticks: Vec<RecordedTick> = Vec::new();
        for raw in &file.front.ticks {
            let tick = &raw.value;
            let item = self.slug(path, offset, &tick.item, "ticks.item");
            let item_at = at(path, offset, &tick.item);
            match checklist {
                Some(list) if !has_item(list, &item) => {
                    let ids = item_ids(list);
                    self.error(
                        item_at.clone(),
                        "ticks.item",
                        format!("checklist \"{}\" has no item \"{item}\"", list.id),
                        &format!("use an item id of checklists/{}.yaml: {}", list.id, ids),
                    );
                }
                Some(list) if verified_item(list, &item) => {
                    let message = format!(
                        "\"{item}\" is verified by the portal (its `verify:` in checklists/{}.yaml): the page shows the portal's verdict, and a recorded tick does not change it",
                        list.id
                    );
                    self.diagnostics.push(
                        Diagnostic::warning(item_at.clone(), Some("ticks.item"), message)
                            .with_help(
                            "remove this tick; the portal checks the fact itself on every build",
                        ),
                    );
                }
                None if !names_checklist => self.error(
                    item_at.clone(),
                    "ticks.item",
                    "the release has no checklist, so there is nothing to tick",
                    "add `checklist: <id>` to the release, or remove `ticks:`",
                ),
                _ => {}
            }
            if ticks.iter().any(|t| t.item == item) {
                self.error(
                    item_at,
                    "ticks.item",
                    format!("\"{item}\" is ticked twice"),
                    "keep one tick per item: remove this one or the earlier one",
                );
                continue;
            }
            self.person_ref(path, offset, &tick.by, "ticks.by");
            let wording = tick.wording.as_ref().map(|w| {
                if !is_digest(&w.value) {
                    self.error(
                        at(path, offset, w),
                        "ticks.wording",
                        format!("\"{}\" is not an item text digest", w.value),
                        "copy the 16 hex digits \"Record ticks\" writes (or the item's data-digest), or leave `wording` out",
                    );
                }
                w.value.clone()
            });
            let evidence = tick.evidence.as_ref().and_then(|e| {
                web_url(e.value.trim())
                    .map_err(|why| {
                        self.error(
                            at(path, offset, e),
                            "ticks.evidence",
                            format!("evidence \"{}\" {why}", e.value.trim()),
                            "link the proof with an absolute https:// (or http://) URL",
                        )
                    })
                    .ok()
                    .map(|()| e.value.trim().to_owned())
            });
            let zone = self.zone;
            let Some(when) = self.datetime(path, offset, &tick.at, "ticks.at", zone) else {
                continue;
            };
            ticks.push(RecordedTick {
                item,
                by: tick.by.value.clone(),
                at: when,
                wording,
                note: tick.note.clone(),
                evidence,
                at_source: at(path, offset, &tick.at),
            });
        }
        ticks
    }
}

fn has_item(checklist: &Checklist, item: &str) -> bool {
    checklist
        .phases
        .iter()
        .any(|p| p.items.iter().any(|i| i.id == item))
}

fn verified_item(checklist: &Checklist, item: &str) -> bool {
    checklist
        .phases
        .iter()
        .flat_map(|p| &p.items)
        .any(|i| i.id == item && i.verify.is_some())
}

fn item_ids(checklist: &Checklist) -> String {
    let ids: Vec<&str> = checklist
        .phases
        .iter()
        .flat_map(|p| p.items.iter().map(|i| i.id.as_str()))
        .collect();
    ids.join(", ")
}

/// A digest as the widget writes it: 16 lowercase hex digits (FNV-1a 64 of the item text).
pub fn is_digest(s: &str) -> bool {
    s.len() == 16
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// An absolute http(s) URL that is safe to put in a link; `Err` says why not.
pub fn web_url(input: &str) -> Result<(), String> {
    if let Some(why) = super::base_url::character_problem(input) {
        return Err(why.to_owned());
    }
    let url = Url::parse(input).map_err(|_| "is not an absolute URL".to_owned())?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("is not an http(s) URL".to_owned());
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("has no host name".to_owned());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("contains a user name or password".to_owned());
    }
    Ok(())
}

/// What the content repo's history says about a release file.
#[derive(Debug, Clone, Copy, Default)]
pub struct FileDates {
    /// The first commit that added the file (its creation); `None` when not committed, or
    /// unknown (a shallow clone).
    pub created: Option<DateTime<Utc>>,
    /// The last commit that changed it.
    pub last_commit: Option<DateTime<Utc>>,
}

/// Errors for ticks dated after the build (`now`) or before their release file was first
/// committed. When `now` is earlier than the file's last commit (a build pinned to a past
/// moment with `SOURCE_DATE_EPOCH`), that commit stands for "now": a tick it records cannot
/// be later than it, and the file cannot be younger than the build.
pub fn tick_dates(
    content: &Content,
    now: DateTime<Utc>,
    dates: &dyn Fn(&Path) -> FileDates,
) -> Vec<Diagnostic> {
    let zone = content.portal.timezone;
    let mut problems = Vec::new();
    for release in &content.releases {
        let file = dates(&release.source.file);
        let now = file.last_commit.map_or(now, |last| last.max(now));
        for tick in &release.ticks {
            let when = time::format_local(tick.at, zone);
            let (message, help) = if tick.at > now {
                (
                    format!(
                        "the tick of \"{}\" is dated {when}, after this build ({})",
                        tick.item,
                        time::format_local(now, zone)
                    ),
                    "write when the item was actually done (portal time zone unless an offset is given)",
                )
            } else if let Some(born) = file.created.filter(|born| tick.at < *born) {
                (
                    format!(
                        "the tick of \"{}\" is dated {when}, before the release file was created ({})",
                        tick.item,
                        time::format_local(born, zone)
                    ),
                    "a tick cannot precede its release: fix the date (the release was created by the file's first commit)",
                )
            } else {
                continue;
            };
            problems.push(
                Diagnostic::error(tick.at_source.clone(), Some("ticks.at"), message)
                    .with_help(help),
            );
        }
    }
    problems
}

/// Warnings for `released` releases whose checklist has items not done in a phase their
/// type requires (`required_phases`): items without a recorded tick.
pub fn required_phases_done(content: &Content) -> Vec<Diagnostic> {
    content
        .releases
        .iter()
        .filter(|r| r.status == ReleaseStatus::Released)
        .filter_map(|release| unticked_required(content, release))
        .collect()
}

fn unticked_required(content: &Content, release: &Release) -> Option<Diagnostic> {
    let phases = content.portal.required_phases.get(&release.kind)?;
    let checklist = content.checklist(release.checklist.as_deref()?)?;
    let missing: Vec<String> = checklist
        .phases
        .iter()
        .filter(|phase| phases.contains(&phase.id))
        .flat_map(|phase| {
            phase
                .items
                .iter()
                // Items the portal verifies show their verdict on the page; only the
                // items people tick can be missing here.
                .filter(|item| item.verify.is_none())
                .filter(|item| !release.ticks.iter().any(|t| t.item == item.id))
                .map(move |item| format!("{}/{}", phase.id, item.id))
        })
        .collect();
    if missing.is_empty() {
        return None;
    }
    let message = format!(
        "{} {} is released but {} in phases a {} release requires ({}) {} not ticked: {}",
        release.system,
        release.version,
        if missing.len() == 1 {
            "an item"
        } else {
            "items"
        },
        release.kind.as_str(),
        phases.join(", "),
        if missing.len() == 1 { "is" } else { "are" },
        missing.join(", ")
    );
    Some(
        Diagnostic::warning(release.status_source.clone(), Some("ticks"), message).with_help(
            "record the ticks in the release file's `ticks:` (the checklist's \"Record ticks\" writes them), or fix the status",
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::testutil::{content, release, utc};
    use crate::content::{ChecklistItem, Phase, Verify};

    fn tick(item: &str, at: DateTime<Utc>) -> RecordedTick {
        RecordedTick {
            item: item.into(),
            by: "priya".into(),
            at,
            wording: None,
            note: None,
            evidence: None,
            at_source: SourceRef::new("releases/payments-2.4.0.md", 30, 9),
        }
    }

    /// The example portal with payments 2.4.0 on a two-phase checklist, ticked as given.
    fn ticked(ticks: Vec<RecordedTick>) -> Content {
        let mut c = content();
        let item = |id: &str| ChecklistItem {
            id: id.into(),
            text: id.into(),
            owner: None,
            verify: None,
        };
        let phase = |id: &str, items: Vec<ChecklistItem>| Phase {
            id: id.into(),
            title: id.into(),
            items,
        };
        c.checklists.push(Checklist {
            id: "rollout".into(),
            title: "Rollout".into(),
            description: None,
            phases: vec![
                phase("planning", vec![item("ticket-filed"), item("scope")]),
                phase("deploy", vec![item("canary")]),
            ],
            source: SourceRef::file("checklists/rollout.yaml"),
        });
        let mut r = release("payments", "2.4.0", utc(2026, 11, 20, 9, 0), 60);
        r.checklist = Some("rollout".into());
        r.ticks = ticks;
        c.releases.push(r);
        c
    }

    fn dates(created: Option<DateTime<Utc>>, last: Option<DateTime<Utc>>) -> FileDates {
        FileDates {
            created,
            last_commit: last,
        }
    }

    #[test]
    fn ticks_after_now_or_before_creation_are_errors() {
        let c = ticked(vec![
            tick("ticket-filed", utc(2026, 11, 1, 9, 0)),
            tick("scope", utc(2026, 11, 10, 9, 0)),
            tick("canary", utc(2026, 11, 26, 9, 0)),
        ]);
        let now = utc(2026, 11, 25, 12, 0);
        let found = tick_dates(&c, now, &|_| dates(Some(utc(2026, 11, 5, 0, 0)), None));
        let messages: Vec<&str> = found.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(messages.len(), 2, "{messages:?}");
        assert!(messages[0].contains("\"ticket-filed\" is dated 2026-11-01 10:00, before the release file was created (2026-11-05 01:00)"));
        assert!(messages[1]
            .contains("\"canary\" is dated 2026-11-26 10:00, after this build (2026-11-25 13:00)"));
    }

    #[test]
    fn without_history_only_the_future_counts_and_a_later_commit_stands_for_now() {
        let c = ticked(vec![tick("canary", utc(2026, 11, 26, 9, 0))]);
        let now = utc(2026, 11, 25, 12, 0);
        assert_eq!(tick_dates(&c, now, &|_| FileDates::default()).len(), 1);
        // A build pinned before the file's last commit: that commit is "now".
        let pinned = dates(Some(utc(2026, 11, 20, 0, 0)), Some(utc(2026, 11, 27, 0, 0)));
        assert!(tick_dates(&c, now, &|_| pinned).is_empty());
    }

    #[test]
    fn released_releases_warn_about_unticked_items_of_required_phases() {
        let mut c = ticked(vec![tick("ticket-filed", utc(2026, 11, 1, 9, 0))]);
        c.portal
            .required_phases
            .insert(ReleaseType::Minor, vec!["planning".into()]);
        assert!(required_phases_done(&c).is_empty(), "approved: no warning");
        c.releases[0].status = ReleaseStatus::Released;
        let found = required_phases_done(&c);
        assert_eq!(found.len(), 1);
        assert!(
            found[0]
                .message
                .ends_with("(planning) is not ticked: planning/scope"),
            "{}",
            found[0].message
        );
        c.releases[0]
            .ticks
            .push(tick("scope", utc(2026, 11, 2, 9, 0)));
        assert!(
            required_phases_done(&c).is_empty(),
            "deploy is not required"
        );
    }

    #[test]
    fn items_the_portal_verifies_are_not_asked_of_people() {
        let mut c = ticked(vec![tick("ticket-filed", utc(2026, 11, 1, 9, 0))]);
        c.portal
            .required_phases
            .insert(ReleaseType::Minor, vec!["planning".into()]);
        c.releases[0].status = ReleaseStatus::Released;
        c.checklists[0].phases[0].items[1].verify = Some(Verify::Changelog);
        assert!(required_phases_done(&c).is_empty());
    }

    #[test]
    fn digests_are_sixteen_lowercase_hex_digits() {
        assert!(is_digest("3f2a9c1e00ab45cd"));
        assert!(!is_digest("3f2a9c1e"));
        assert!(!is_digest("3F2A9C1E00AB45CD"));
        assert!(!is_digest("3f2a9c1e00ab45cg"));
    }

    #[test]
    fn evidence_urls_must_be_absolute_web_links() {
        assert!(web_url("https://ci.example.com/run/12").is_ok());
        assert!(web_url("http://ci.example.com/").is_ok());
        assert!(web_url("javascript:alert(1)").is_err());
        assert!(web_url("/relative/path").is_err());
        assert!(web_url("https://user:pw@example.com/").is_err());
        assert!(web_url("https://example.com/a b").is_err());
        assert!(web_url("https://example.com/\"onmouseover=").is_err());
    }
}
