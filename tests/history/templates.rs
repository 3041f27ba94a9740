//! The changelog partials rendered with tera, as the renderer does.

use super::*;

/// The theme's changelog partials, compiled as the renderer does (autoescape on `.html`).
fn partials() -> tera::Tera {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/default/templates");
    let mut tera = tera::Tera::new();
    tera.autoescape_on(vec![".html"]);
    for name in ["partials/changelog.html", "partials/changelog-system.html"] {
        let text = std::fs::read_to_string(dir.join(name)).unwrap();
        tera.add_raw_template(name, &text).unwrap();
    }
    tera
}

#[test]
fn the_changelog_partial_renders_groups_links_and_escapes_text() {
    let p = payments();
    let repo = Repo {
        dir: p.root.path().join("repos/payments"),
    };
    repo.change(
        "2026-08-25 10:00",
        "Eve <script>",
        "x.txt",
        "fix(ui): <script>alert(1)</script> \"quoted\" PAY-9",
    );
    let (facts, _) = read(&p.root, &content(vec![payments_system()], vec![], vec![]));
    let tera = partials();
    let h = facts.system("payments").unwrap();
    let mut context = tera::Context::new();
    context.insert("changelog", h.changelog(&"1.1.0".parse().unwrap()).unwrap());
    let html = tera.render("partials/changelog.html", &context).unwrap();
    assert!(html.contains(r#"<section class="changelog" id="changelog-v1-1-0" aria-labelledby="changelog-v1-1-0-h">"#), "{html}");
    assert!(
        html.contains(r#"<h2 id="changelog-v1-1-0-h">Changelog</h2>"#),
        "{html}"
    );
    assert!(html
        .contains(r#"<h3 class="changelog-group changelog-group-breaking">Breaking changes</h3>"#));
    assert!(
        html.contains(
            r#"<span class="commit-kind">feat</span> <span class="commit-scope">wallet:</span>"#
        ),
        "{html}"
    );
    assert!(html.contains("<strong>Breaking change:</strong> amounts are in cents."));
    assert!(html.contains(r#"<a href="https://tracker.example.com/browse/PAY-441">PAY-441</a>"#));
    assert!(
        html.contains("<h3>Highlights</h3>\n<p>Wallet top-ups</p>\n<p>Pay from your wallet.</p>"),
        "{html}"
    );
    assert!(html.contains(r#"<a class="changelog-compare" href="https://git.example.com/payments/compare/v1.0.1...v1.1.0">Compare v1.0.1…v1.1.0</a>"#), "{html}");
    assert!(html.contains(r#"<time datetime="2026-08-08T11:00:00+00:00">2026-08-08</time>"#));
    assert!(html.contains("Contributors: Dana Scully (1), Priya Raman (1)"));
    assert!(!html.contains("History is partial"));

    let mut context = tera::Context::new();
    context.insert("changelog", &h.unreleased);
    context.insert("changelog_level", &3);
    let html = tera.render("partials/changelog.html", &context).unwrap();
    assert!(
        html.contains("<h3 id=\"changelog-unreleased-h\">Unreleased changes</h3>"),
        "{html}"
    );
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;&#x2F;script&gt;")
            || html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{html}"
    );
    assert!(!html.contains("<script"), "{html}");
    assert!(!html.contains("style="));
}

#[test]
fn the_system_partial_lists_every_release_newest_first_and_untracked_tags() {
    let p = payments();
    let releases = vec![release(
        "payments",
        "1.1.0",
        Released,
        "2026-08-12 20:00",
        "2026-08-12 22:00",
    )];
    let (facts, _) = read(&p.root, &content(vec![payments_system()], releases, vec![]));
    let mut context = tera::Context::new();
    context.insert("history", facts.system("payments").unwrap());
    let html = partials()
        .render("partials/changelog-system.html", &context)
        .unwrap();
    let at = |needle: &str| {
        html.find(needle)
            .unwrap_or_else(|| panic!("{needle} missing in {html}"))
    };
    let order = [
        "<h2 id=\"changelog-system-h\">Changelog</h2>",
        "<h3 id=\"changelog-unreleased-h\">Unreleased</h3>",
        "<h3 id=\"changelog-v1-2-0-h\">1.2.0</h3>",
        "<h4>Highlights</h4>",
        "<h3 id=\"changelog-v1-1-0-h\">1.1.0</h3>",
        "<h3 id=\"changelog-v1-0-1-h\">1.0.1</h3>",
        "<h3 id=\"changelog-v1-0-0-h\">1.0.0</h3>",
        "<h3 id=\"changelog-untracked-h\">Tagged, not in the portal</h3>",
    ];
    let positions: Vec<usize> = order.iter().map(|n| at(n)).collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{html}");
    assert!(html.contains("<code>v1.0.0</code></a>, <time datetime=\"2026-08-01T10:00:00+00:00\">2026-08-01</time>"), "{html}");
    assert!(!html.contains("History is partial"));
}

#[test]
fn partial_history_is_said_on_the_pages() {
    let root = TempDir::new().unwrap();
    let source = Repo::init(&root.path().join("src"));
    source.change("2026-05-01 10:00", "Li Wei", "a.txt", "feat: one");
    source.change("2026-05-02 10:00", "Li Wei", "a.txt", "feat: two");
    source.tag("v1.0.0");
    let url = format!("file://{}", source.dir.display());
    support::git_in(
        root.path(),
        "2026-05-03 00:00",
        "Setup",
        &["clone", "-q", "--depth", "1", &url, "shallow"],
    );
    let (facts, _) = read(
        &root,
        &content(
            vec![system("payments", Some("shallow"), "v{version}")],
            vec![],
            vec![],
        ),
    );
    let mut context = tera::Context::new();
    context.insert("history", facts.system("payments").unwrap());
    let html = partials()
        .render("partials/changelog-system.html", &context)
        .unwrap();
    assert!(
        html.contains("Run <code>git fetch --unshallow --tags</code>"),
        "{html}"
    );
    assert!(html.contains(r#"<p class="changelog-partial" role="note"><strong>History is partial:</strong> the repository is a shallow clone, so this list may miss older commits.</p>"#), "{html}");
}
