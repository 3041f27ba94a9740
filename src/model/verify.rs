//! Verified checklist items: a checklist item with `verify:` is ticked by the build from facts
//! the model already holds (the tag, the approval policy, the freezes, the rollback
//! runbook's review, what was live at the window, the changelog, `announced_at`), with a link
//! to the evidence, or shows why it is not done.
//!
//! Runs on a release page after git facts are joined (`SiteModel::resolve`), reading the
//! page's own data where it has it, so a verified item never disagrees with what the page
//! shows. Reads no clock: "now" comes from the build; time-dependent results say "as of" it.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::announce::notify_check;
use super::pages::{safe_url, ReleasePage};
use super::views::{release_path, Clock};
use crate::calendar::windows::{self, Span};
use crate::content::{Content, Release, ReleaseType, Verify};
use crate::history::Facts;

/// The portal's verdict on one verified checklist item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verification {
    pub passed: bool,
    /// What was found: "tag v2.4.0 exists" or why the item is not done.
    pub text: String,
    /// Where the proof is: a URL, or a path under the site root (`/portal/runbooks/x/`), or
    /// a fragment of the release page itself (`#approvals-h`).
    pub evidence: Option<String>,
    /// Whether the result changes with time, so the page says "as of" the build moment
    /// (`site.built_at`). A flag, not the moment itself, so a page's data says nothing of
    /// when it was built and an incremental build can tell whether its facts changed.
    pub as_of: bool,
}

/// What the checks need besides the page.
pub struct VerifyContext<'a> {
    pub content: &'a Content,
    pub release: &'a Release,
    pub facts: Option<&'a Facts>,
    pub now: DateTime<Utc>,
    pub clock: Clock,
    /// The site's base path (`/` or `/portal/`).
    pub root: &'a str,
}

/// Sets `verified` on every checklist item of `page` that declares `verify:`.
pub fn apply(page: &mut ReleasePage, ctx: &VerifyContext) {
    let Some(checklist) = ctx
        .release
        .checklist
        .as_deref()
        .and_then(|id| ctx.content.checklist(id))
    else {
        return;
    };
    // The page's checklist view was built from this checklist, item for item.
    let results: Vec<Option<Verification>> = checklist
        .phases
        .iter()
        .flat_map(|phase| phase.items.iter())
        .map(|item| item.verify.map(|v| verify(v, page, ctx)))
        .collect();
    if let Some(view) = page.checklist.as_mut() {
        let items = view.phases.iter_mut().flat_map(|p| p.items.iter_mut());
        for (item, result) in items.zip(results) {
            item.verified = result;
        }
    }
}

/// The verdict of one `verify:` value on `page`.
pub fn verify(kind: Verify, page: &ReleasePage, ctx: &VerifyContext) -> Verification {
    match kind {
        Verify::Tag => tag(page, ctx),
        Verify::Approvals => approvals(ctx),
        Verify::Freeze => freeze(ctx),
        Verify::RunbookReviewed { within_days } => runbook_reviewed(page, ctx, within_days),
        Verify::Dependencies => dependencies(page, ctx),
        Verify::Changelog => changelog(page, ctx),
        Verify::Announced => announced(ctx),
    }
}

fn verdict(passed: bool, text: String, evidence: Option<String>) -> Verification {
    Verification {
        passed,
        text,
        evidence,
        as_of: false,
    }
}

fn no_history(ctx: &VerifyContext, what: &str) -> Verification {
    verdict(
        false,
        format!(
            "cannot verify {what}: the portal has no git history of {}",
            ctx.release.system
        ),
        None,
    )
}

fn tag(page: &ReleasePage, ctx: &VerifyContext) -> Verification {
    let Some(git) = &page.git else {
        return no_history(ctx, "the tag");
    };
    let found = ctx
        .facts
        .and_then(|f| f.system(&ctx.release.system))
        .and_then(|s| s.tag(&ctx.release.version));
    let mut result = match found {
        Some(tag) if git.tagged => verdict(
            true,
            format!(
                "tag {} exists ({}) and matches version {}",
                git.tag, tag.short_sha, ctx.release.version
            ),
            // A commit URL comes from a portal template: only http(s) becomes a link.
            tag.commit_url
                .as_deref()
                .and_then(safe_url)
                .or_else(|| changelog_anchor(page)),
        ),
        _ => verdict(
            false,
            format!(
                "no tag {} for version {} in the system's repository",
                git.tag, ctx.release.version
            ),
            None,
        ),
    };
    result.as_of = true;
    result
}

fn changelog_anchor(page: &ReleasePage) -> Option<String> {
    page.changelog
        .as_ref()
        .map(|c| format!("#changelog-{}", c.anchor))
}

fn approvals(ctx: &VerifyContext) -> Verification {
    let evidence = Some("#approvals-h".to_owned());
    let release = ctx.release;
    if !ctx
        .content
        .portal
        .approval_policy
        .contains_key(&release.kind)
    {
        return verdict(
            true,
            format!(
                "the approval policy requires no approvals for {} releases",
                release.kind.as_str()
            ),
            evidence,
        );
    }
    let missing: Vec<String> = ctx
        .content
        .unmet_approvals(release)
        .into_iter()
        .map(|roles| roles.join(" or "))
        .collect();
    if missing.is_empty() {
        let count = release.approvals.len();
        verdict(
            true,
            format!(
                "{count} approval{} the {} policy",
                if count == 1 {
                    " satisfies"
                } else {
                    "s satisfy"
                },
                release.kind.as_str()
            ),
            evidence,
        )
    } else {
        verdict(
            false,
            format!(
                "the {} policy needs an approval by {}",
                release.kind.as_str(),
                missing.join(" and ")
            ),
            evidence,
        )
    }
}

fn freeze(ctx: &VerifyContext) -> Verification {
    let release = ctx.release;
    let zone = ctx.content.portal.timezone;
    let span = Span::new(release.window.start, release.window.end);
    let month = release.window.start.with_timezone(&zone).format("%Y-%m");
    let calendar = Some(format!("{}calendar/{month}/", ctx.root));
    let hit = ctx
        .content
        .portal
        .freezes
        .iter()
        .find(|freeze| !windows::occurrences(&freeze.schedule, zone, span).is_empty());
    match hit {
        None => verdict(
            true,
            format!(
                "the window is outside every freeze ({} defined)",
                ctx.content.portal.freezes.len()
            ),
            calendar,
        ),
        Some(freeze) if release.kind == ReleaseType::Emergency && !release.approvals.is_empty() => {
            verdict(
                true,
                format!(
                    "the window is inside the freeze \"{}\" with an approved emergency exception",
                    freeze.name
                ),
                Some("#approvals-h".to_owned()),
            )
        }
        Some(freeze) => verdict(
            false,
            format!("the window overlaps the freeze \"{}\"", freeze.name),
            calendar,
        ),
    }
}

fn runbook_reviewed(
    page: &ReleasePage,
    ctx: &VerifyContext,
    within_days: Option<u32>,
) -> Verification {
    let days = within_days.unwrap_or(ctx.content.portal.runbook_review_days);
    let Some(runbook) = &page.rollback_runbook else {
        return verdict(false, "the system has no rollback runbook".into(), None);
    };
    let evidence = Some(format!("{}{}", ctx.root, runbook.path));
    let reviewed = runbook.review.as_ref().and_then(|r| r.last_reviewed_at);
    let mut result = match reviewed {
        None if ctx.facts.is_none() => no_history(ctx, "the runbook review"),
        None => verdict(
            false,
            format!("the rollback runbook {} was never committed", runbook.title),
            evidence,
        ),
        Some(at) => {
            let zone = ctx.clock.zone;
            let age = (ctx.now.with_timezone(&zone).date_naive()
                - at.with_timezone(&zone).date_naive())
            .num_days();
            let text = format!(
                "the rollback runbook {} was last reviewed on {}, {age} days ago (limit {days})",
                runbook.title,
                ctx.clock.date(at)
            );
            verdict(age <= i64::from(days), text, evidence)
        }
    };
    result.as_of = true;
    result
}

fn dependencies(page: &ReleasePage, ctx: &VerifyContext) -> Verification {
    if page.depends_on.is_empty() {
        return verdict(true, "the release depends on no other system".into(), None);
    }
    let unmet: Vec<String> = page
        .depends_on
        .iter()
        .filter(|d| d.satisfied_by.is_none())
        .map(|d| format!("{} {}", d.system_name, d.requirement))
        .collect();
    if let Some(first) = page.depends_on.iter().find(|d| d.satisfied_by.is_none()) {
        return verdict(
            false,
            format!("nothing released by the window meets {}", unmet.join(", ")),
            Some(format!("{}{}", ctx.root, first.system_path)),
        );
    }
    let met: Vec<String> = page
        .depends_on
        .iter()
        .filter_map(|d| Some(format!("{} {}", d.system_name, d.satisfied_by.as_ref()?)))
        .collect();
    let first = &page.depends_on[0];
    let evidence = first
        .satisfied_by
        .as_ref()
        .map(|v| format!("{}{}", ctx.root, release_path(&first.system, v)));
    verdict(
        true,
        format!("live at the window: {}", met.join(", ")),
        evidence,
    )
}

fn changelog(page: &ReleasePage, ctx: &VerifyContext) -> Verification {
    match &page.changelog {
        Some(log) => verdict(
            true,
            format!(
                "the changelog lists {} commit{}",
                log.commit_count,
                if log.commit_count == 1 { "" } else { "s" }
            ),
            changelog_anchor(page),
        ),
        None if page.git.is_none() => no_history(ctx, "the changelog"),
        None if page.history_partial => verdict(
            false,
            "the changelog is empty or not tagged yet (history is partial: the repository is a shallow clone)".into(),
            None,
        ),
        None => verdict(
            false,
            "the changelog is empty or the release is not tagged yet".into(),
            None,
        ),
    }
}

fn announced(ctx: &VerifyContext) -> Verification {
    let evidence = Some("#announce-h".to_owned());
    if let Some(check) = notify_check(ctx.release, ctx.clock) {
        let text = check
            .text
            .trim_start_matches("verified by the portal: ")
            .to_owned();
        return verdict(check.done, text, evidence);
    }
    match ctx.release.announced_at {
        Some(at) => verdict(
            true,
            format!("announced at {}", ctx.clock.date_time(at)),
            evidence,
        ),
        None => verdict(
            false,
            "no `announced_at` is recorded in the release file".into(),
            evidence,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::testutil::{content, release, utc};
    use crate::content::{
        Approval, Checklist, ChecklistItem, Phase, ReleaseStatus, Schedule, WindowRule,
    };
    use crate::diagnostics::SourceRef;
    use crate::model::{self, BuildInputs, PageData};

    const KINDS: [Verify; 7] = [
        Verify::Tag,
        Verify::Approvals,
        Verify::Freeze,
        Verify::RunbookReviewed { within_days: None },
        Verify::Dependencies,
        Verify::Changelog,
        Verify::Announced,
    ];

    /// The verdicts of every `verify:` value on the page of `release` (no git history).
    fn verdicts(release: Release, edit: impl FnOnce(&mut Content)) -> Vec<Verification> {
        let items = KINDS
            .iter()
            .enumerate()
            .map(|(i, kind)| ChecklistItem {
                id: format!("item-{i}"),
                text: format!("Item {i}"),
                owner: None,
                verify: Some(*kind),
            })
            .collect();
        let mut content = content();
        content.checklists = vec![Checklist {
            id: "verified".into(),
            title: "Verified".into(),
            description: None,
            phases: vec![Phase {
                id: "facts".into(),
                title: "Facts".into(),
                items,
            }],
            source: SourceRef::file("checklists/verified.yaml"),
        }];
        content.releases = vec![Release {
            checklist: Some("verified".into()),
            ..release
        }];
        edit(&mut content);
        let inputs = BuildInputs {
            now: utc(2026, 11, 25, 12, 0),
        };
        let site = model::build(&content, &inputs, "test".into(), None);
        let page = site
            .pages
            .iter()
            .find_map(
                |page| match site.resolve(&content, None, page).into_owned().data {
                    PageData::Release(data) => Some(*data),
                    _ => None,
                },
            )
            .expect("a release page");
        let checklist = page.checklist.expect("a checklist");
        checklist.phases[0]
            .items
            .iter()
            .map(|item| item.verified.clone().expect("verified"))
            .collect()
    }

    fn freeze(content: &mut Content) {
        content.portal.freezes.push(WindowRule {
            name: "Year-end".into(),
            reason: None,
            schedule: Schedule::Once {
                start: utc(2026, 12, 20, 0, 0),
                end: utc(2027, 1, 3, 0, 0),
            },
            source: SourceRef::file("portal.yaml"),
        });
        content
            .portal
            .approval_policy
            .insert(ReleaseType::Minor, vec![vec!["qa-lead".into()]]);
    }

    #[test]
    fn facts_from_the_content_pass_or_fail_with_reasons() {
        let planned = release("payments", "2.4.0", utc(2026, 12, 21, 1, 0), 60);
        let v = verdicts(planned.clone(), freeze);
        assert_eq!(v[1].text, "the minor policy needs an approval by qa-lead");
        assert_eq!(v[2].text, "the window overlaps the freeze \"Year-end\"");
        assert_eq!(v[2].evidence.as_deref(), Some("/calendar/2026-12/"));
        assert!(v[4].passed, "no dependencies: {:?}", v[4]);
        assert_eq!(
            v[6].text,
            "no `announced_at` is recorded in the release file"
        );
        assert!(![1, 2, 6].iter().any(|&i| v[i].passed));
        // Approved, announced, and an emergency with an approval: the freeze's exception.
        let done = Release {
            kind: ReleaseType::Emergency,
            status: ReleaseStatus::Released,
            approvals: vec![Approval {
                role: "qa-lead".into(),
                by: "li".into(),
                at: utc(2026, 12, 21, 0, 30),
                ticket: None,
            }],
            announced_at: Some(utc(2026, 12, 21, 1, 20)),
            ..planned
        };
        let v = verdicts(done, freeze);
        assert!(v[1].passed, "{:?}", v[1]);
        assert_eq!(
            v[1].text,
            "the approval policy requires no approvals for emergency releases"
        );
        assert!(v[2].passed && v[2].text.contains("approved emergency exception"));
        assert!(v[6].passed, "{:?}", v[6]);
        assert_eq!(v[6].text, "announced at Mon 21 Dec 2026, 02:20 CET");
    }

    #[test]
    fn git_facts_without_history_say_they_cannot_be_verified() {
        let planned = release("payments", "2.4.0", utc(2026, 12, 1, 1, 0), 60);
        let v = verdicts(planned, |_| {});
        for i in [0, 5] {
            assert!(!v[i].passed);
            assert!(v[i].text.starts_with("cannot verify"), "{:?}", v[i]);
        }
        // The rollback runbook does not exist in this content.
        assert_eq!(v[3].text, "the system has no rollback runbook");
    }
}
