//! One generated runbook: front matter and Markdown steps (a list with a code block, a
//! table of dashboards, a quote, links to contacts and the rollback runbook).

use std::fmt::Write as _;

use crate::rng::Lcg;
use crate::words::{SystemDef, SENTENCES};
use crate::yaml::RunbookFront;

/// A written runbook, `runbooks/<slug>.md`.
#[derive(Clone)]
pub struct RunbookDoc {
    pub slug: String,
    pub front: RunbookFront,
    pub body: String,
}

pub fn runbook(
    rng: &mut Lcg,
    slug: &str,
    kind: &str,
    system: Option<SystemDef>,
    owner: &str,
) -> RunbookDoc {
    let (sys_id, sys_name) = system.map_or(("platform", "the platform"), |s| (s.0, s.1));
    let title = match kind {
        "rollback" => format!("Roll back {sys_name}"),
        "deploy" => format!("Deploy {sys_name}"),
        "verification" => format!("Verify a {sys_name} release"),
        "hotfix" => format!("Hotfix {sys_name}"),
        _ => format!("Operate {sys_name}"),
    };
    let front = RunbookFront {
        title: format!("{title} ({slug})"),
        kind: kind.into(),
        system: system.map(|s| s.0.into()),
        owner: owner.into(),
        summary: (*rng.pick(&SENTENCES)).into(),
    };
    let mut y = String::new();
    steps(rng, &mut y, kind, sys_id, sys_name);
    dashboards(rng, &mut y, sys_id);
    let _ = writeln!(y, "## If it goes wrong\n");
    let _ = writeln!(
        y,
        "> **Stop** and escalate: see the [contacts](/contacts/) page.\n"
    );
    if system.is_some() {
        let _ = writeln!(
            y,
            "Roll back with the [rollback runbook](/runbooks/{sys_id}-rollback/)."
        );
    }
    RunbookDoc {
        slug: slug.into(),
        front,
        body: y,
    }
}

fn steps(rng: &mut Lcg, y: &mut String, kind: &str, sys_id: &str, sys_name: &str) {
    let (s1, s2) = (rng.pick(&SENTENCES), rng.pick(&SENTENCES));
    let _ = writeln!(y, "## When to use this\n\n{s1} {s2}\n");
    let _ = writeln!(y, "## Before you start\n");
    let _ = writeln!(
        y,
        "- You are on the release bridge and have said so in `#releases`."
    );
    let _ = writeln!(y, "- The previous version is known: check the system page.");
    let _ = writeln!(y, "- You have production deploy rights for {sys_name}.\n");
    let _ = writeln!(y, "## Steps\n");
    let _ = writeln!(y, "1. Announce the start in `#releases`.");
    let _ = writeln!(y, "2. Run:\n\n   ```sh\n   nwdeploy {kind} {sys_id} --env prod --version <version>\n   kubectl -n {sys_id} rollout status deploy/{sys_id} --timeout=10m\n   ```\n");
    let _ = writeln!(
        y,
        "3. Watch the error rate for {} minutes.",
        5 + rng.below(26)
    );
    let _ = writeln!(y, "4. {}", rng.pick(&SENTENCES));
    let _ = writeln!(y, "5. Record the outcome in the release ticket.\n");
}

fn dashboards(rng: &mut Lcg, y: &mut String, sys_id: &str) {
    let _ = writeln!(y, "## Dashboards\n");
    let _ = writeln!(y, "| Signal | Where | Normal |\n|---|---|---|");
    let _ = writeln!(y, "| Error rate | Grafana / {sys_id} / errors | < 0.5 % |");
    let _ = writeln!(
        y,
        "| p99 latency | Grafana / {sys_id} / latency | < {} ms |",
        200 + 50 * rng.below(10)
    );
    let _ = writeln!(
        y,
        "| Queue depth | Grafana / {sys_id} / queues | < 1,000 |\n"
    );
}
