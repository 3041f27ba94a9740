//! Integration tests of bounded work (issue 16): pathological Markdown and runaway
//! templates are errors naming the file (and line, or template and page), found quickly,
//! instead of minutes of CPU, gigabytes of memory or an aborted process. The real binary
//! on fixture repos in temp dirs.

mod common;

use common::{run, Fixture};

/// The release note whose body the tests replace; its body starts on line 15.
const NOTE: &str = "releases/web-2.0.0.md";
const BODY_LINE: u32 = 15;

/// The fixture with the body of `NOTE` replaced by `body`.
fn with_note_body(body: &str) -> Fixture {
    let fx = Fixture::new("minimal");
    let note = fx.read(NOTE);
    let (front, _) = note
        .split_once("# New checkout")
        .expect("fixture note has a title");
    fx.write(NOTE, &format!("{front}{body}"));
    fx
}

fn check(fx: &Fixture) -> common::Output {
    run(&["check", &fx.dir().display().to_string()])
}

/// `check` and `build` both fail with `expected` (`line...: message` after the note's path;
/// `check` shows the path as given, `build` relative to the content dir) and `build`
/// writes nothing.
fn assert_rejected(fx: &Fixture, expected: &str) {
    let result = check(fx);
    assert_eq!(result.code, Some(1), "{}{}", result.stdout, result.stderr);
    let shown = format!("{}/{NOTE}:{expected}", fx.dir().display());
    assert!(result.stdout.contains(&shown), "{}", result.stdout);
    assert!(result.stdout.contains("help: "), "{}", result.stdout);
    let built = fx.build();
    assert_eq!(built.code, Some(1), "{}", built.stderr);
    let shown = format!("{NOTE}:{expected}");
    assert!(built.stderr.contains(&shown), "{}", built.stderr);
    assert!(!fx.dir().join("public").exists(), "nothing is written");
}

#[test]
fn a_100000_deep_list_is_an_error_at_its_line_and_column() {
    let fx = with_note_body(&format!("Intro.\n\n{}x\n", "- ".repeat(100_000)));
    // The 33rd list marker goes one level too deep.
    assert_rejected(
        &fx,
        &format!(
            "{}:65: error: the Markdown nests more than 32 levels deep here",
            BODY_LINE + 2
        ),
    );
}

#[test]
fn a_100000_deep_block_quote_is_an_error_at_its_line_and_column() {
    let fx = with_note_body(&format!("{}x\n", ">".repeat(100_000)));
    assert_rejected(
        &fx,
        &format!("{BODY_LINE}:33: error: the Markdown nests more than 32 levels deep here"),
    );
}

#[test]
fn a_100000_deep_html_block_is_an_error_at_its_line() {
    let fx = with_note_body(&format!("Intro.\n\n{}\n", "<div>".repeat(100_000)));
    // The 33rd `<div>` starts at byte 32 * 5 of its line.
    assert_rejected(
        &fx,
        &format!(
            "{}:161: error: the Markdown nests more than 32 levels deep here",
            BODY_LINE + 2
        ),
    );
}

#[test]
fn a_50_mb_note_is_an_error_at_the_line_where_it_crosses_1_mib() {
    // 100-byte lines: the front matter plus 10,456 of them stay under 1 MiB (1,048,576
    // bytes), the next one crosses it.
    let line = format!("{}\n", "a".repeat(99));
    let fx = with_note_body(&line.repeat(500_000));
    let front_bytes = fx.read(NOTE).find("aaa").expect("body written") as u32;
    let crossing = BODY_LINE + (1_048_576 - front_bytes) / 100;
    assert_rejected(
        &fx,
        &format!(
            "{crossing}: error: the file is larger than 1 MiB, the limit for this kind of file"
        ),
    );
}

#[test]
fn nesting_and_size_within_the_limits_build() {
    let nested: String = (0..12)
        .map(|level| format!("{}- level {level}\n", "  ".repeat(level)))
        .collect();
    let line = format!("{}\n", "a".repeat(99));
    let fx = with_note_body(&format!(
        "{nested}\n> > > quoted\n\n<details><div><div>x</div></div></details>\n\n{}",
        line.repeat(10_000)
    ));
    let out = fx.build_ok();
    let page = std::fs::read_to_string(out.join("releases/web/2.0.0/index.html"))
        .expect("the release page is written");
    assert!(page.contains("level 11"), "the deepest item is rendered");
}

/// The fixture with `templates/404.html` overriding the built-in 404 page's main block.
fn with_404_main(main: &str) -> Fixture {
    let fx = Fixture::new("minimal");
    fx.write(
        "templates/404.html",
        &format!("{{% extends \"base.html\" %}}{{% block main %}}{main}{{% endblock main %}}"),
    );
    fx
}

/// `check` exits 1 and `build` 2 (nothing written), both with `expected` after the
/// template's path (`check` shows it as given on the command line).
fn assert_template_fails(fx: &Fixture, expected: &str) {
    let result = check(fx);
    assert_eq!(result.code, Some(1), "{}{}", result.stdout, result.stderr);
    let shown = format!("{}/templates/404.html{expected}", fx.dir().display());
    assert!(result.stdout.contains(&shown), "{}", result.stdout);
    assert!(result.stdout.contains("1 error(s)"), "{}", result.stdout);
    let built = fx.build();
    assert_eq!(built.code, Some(2), "{}", built.stderr);
    let shown = format!("templates/404.html{expected}");
    assert!(built.stderr.contains(&shown), "{}", built.stderr);
    assert!(
        built.stderr.contains("nothing was written"),
        "{}",
        built.stderr
    );
    assert!(!fx.dir().join("public").exists(), "nothing is written");
}

#[test]
fn check_fails_on_a_template_syntax_error_as_build_does() {
    let fx = with_404_main("<h1>{{ page_title </h1>");
    assert_template_fails(
        &fx,
        ":1:60: error[template]: template error: Found `</` but expected }}.",
    );
}

#[test]
fn check_fails_on_a_missing_variable_naming_the_template_line_and_page() {
    let fx = with_404_main("\n<h1>{{ nope.nothing }}</h1>");
    assert_template_fails(
        &fx,
        ":2:8: error[template]: cannot render page 404.html with template 404.html: Variable `nope` is not defined.",
    );
}

#[test]
fn a_loop_that_writes_nothing_is_stopped_at_the_time_budget() {
    // 10^10 iterations without output: only the watchdog sees it.
    let fx = with_404_main(
        "{% for i in range(end=100000) %}{% for j in range(end=100000) %}{% endfor %}{% endfor %}",
    );
    assert_template_fails(
        &fx,
        ": error[template]: page 404.html with template 404.html: rendering took longer than 10s, so it was stopped",
    );
}

#[test]
fn a_loop_that_writes_past_the_output_budget_is_stopped() {
    // 100,000 × 1 KB: the page writer refuses the bytes past 64 MiB.
    let fx = with_404_main(&format!(
        "{{% for i in range(end=100000) %}}{}{{% endfor %}}",
        "x".repeat(1000)
    ));
    assert_template_fails(
        &fx,
        ": error[template]: page 404.html with template 404.html: the page grew larger than 64 MiB, so it was stopped",
    );
}

#[test]
fn a_string_doubled_a_hundred_times_is_stopped_at_the_memory_budget() {
    // Without a budget the 28th doubling asks for gigabytes and the process aborts.
    let doubling = "{% set_global s = s ~ s %}".repeat(100);
    let fx = with_404_main(&format!(
        "{{% set_global s = \"0123456789abcdef\" %}}{doubling}{{{{ s | length }}}}"
    ));
    assert_template_fails(
        &fx,
        ": error[template]: page 404.html with template 404.html: rendering used more than 512 MiB of memory, so it was stopped",
    );
}
