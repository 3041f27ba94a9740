//! Links from release notes and runbooks to files (a PDF, an image, a calendar feed) must
//! name a file the portal publishes: one in the content's `static/` folder, or a feed the
//! build writes. The real binary on a fixture in a temp dir.

mod common;

use common::{run, Fixture};

#[test]
fn links_to_files_must_name_a_published_file() {
    let fx = Fixture::new("minimal");
    let runbook = fx.read("runbooks/billing-rollback.md");
    fx.write(
        "runbooks/billing-rollback.md",
        &format!(
            "{runbook}\nThe [plan](/files/plan.pdf), the [diagram](../../img/flow.png) and \
             the [feed](/calendar/billing.ics).\n\nAlso [on call](/calendar/oncall-sre.ics), \
             [everything](/calendar.ics) and [a typo](/calendar/biling.ics).\n"
        ),
    );
    fx.write("static/img/flow.png", "not really a PNG");
    let dir = fx.dir().display().to_string();
    let result = run(&["check", &dir]);
    assert_eq!(result.code, Some(1), "{}", result.stdout);
    let file = format!("{dir}/runbooks/billing-rollback.md");
    for expected in [
        format!("{file}:13: error[link]: link to \"/files/plan.pdf\": the portal has no such file"),
        "help: put the file in the content repo's static/ folder as static/files/plan.pdf (it is published as /files/plan.pdf), or fix the path".to_owned(),
        format!("{file}:15: error[link]: link to \"/calendar/biling.ics\": the portal has no such file"),
    ] {
        assert!(result.stdout.contains(&expected), "{expected:?} not in:\n{}", result.stdout);
    }
    assert_eq!(
        result.stdout.matches("error[link]").count(),
        2,
        "the static image and the feeds the build writes are fine:\n{}",
        result.stdout
    );
    // With the file in static/ the content is clean, and the build publishes it.
    fx.write("static/files/plan.pdf", "%PDF-1.4");
    fx.write(
        "runbooks/billing-rollback.md",
        &fx.read("runbooks/billing-rollback.md")
            .replace("biling.ics", "billing.ics"),
    );
    let out = fx.build_ok();
    assert!(out.join("files/plan.pdf").is_file() && out.join("img/flow.png").is_file());
}
