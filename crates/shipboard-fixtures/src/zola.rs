//! The same generated Markdown as a Zola site, to compare build times with: one page per
//! release and per runbook with the very same body, equivalent front matter in TOML
//! (`+++`), sections listing every release and every runbook, taxonomies for the
//! per-system, per-status and per-type indexes Shipboard also builds, and minimal
//! templates that render the title and the content.

use std::fs;
use std::path::Path;

use serde::Serialize;
use toml::value::Datetime;

use crate::generate::Generated;
use crate::release::ReleaseDoc;
use crate::runbook::RunbookDoc;

#[derive(Serialize)]
struct Config {
    base_url: String,
    title: String,
    compile_sass: bool,
    build_search_index: bool,
    generate_feeds: bool,
    taxonomies: Vec<Taxonomy>,
}

#[derive(Serialize)]
struct Taxonomy {
    name: &'static str,
}

#[derive(Serialize)]
struct Section {
    title: String,
    sort_by: &'static str,
    template: &'static str,
}

#[derive(Serialize)]
struct Page<E: Serialize> {
    title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    date: Option<Datetime>,
    path: String,
    taxonomies: Taxonomies,
    extra: E,
}

#[derive(Serialize, Default)]
struct Taxonomies {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    systems: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    statuses: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    types: Vec<String>,
}

#[derive(Serialize)]
struct ReleaseExtra {
    system: String,
    version: String,
    status: String,
    owner: String,
    window_start: String,
    window_end: String,
    timezone: String,
    tickets: Vec<String>,
    rollout: String,
}

#[derive(Serialize)]
struct RunbookExtra {
    kind: String,
    system: String,
    owner: String,
    summary: String,
}

const TEMPLATES: [(&str, &str); 6] = [
    (
        "base.html",
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{% block title %}{{ config.title }}{% endblock %}</title></head>\n<body><main>{% block content %}{% endblock %}</main></body></html>\n",
    ),
    (
        "index.html",
        "{% extends \"base.html\" %}\n{% block content %}<h1>{{ config.title }}</h1>\n<ul>{% for s in section.subsections %}{% set sub = get_section(path=s) %}<li><a href=\"{{ sub.permalink }}\">{{ sub.title }}</a> ({{ sub.pages | length }})</li>{% endfor %}</ul>{% endblock %}\n",
    ),
    (
        "section.html",
        "{% extends \"base.html\" %}\n{% block title %}{{ section.title }}{% endblock %}\n{% block content %}<h1>{{ section.title }}</h1>\n<table>{% for page in section.pages %}<tr><td><a href=\"{{ page.permalink }}\">{{ page.title }}</a></td><td>{{ page.date }}</td><td>{{ page.extra.status | default(value=page.extra.kind) }}</td></tr>\n{% endfor %}</table>{% endblock %}\n",
    ),
    (
        "page.html",
        "{% extends \"base.html\" %}\n{% block title %}{{ page.title }}{% endblock %}\n{% block content %}<h1>{{ page.title }}</h1>\n{{ page.content | safe }}{% endblock %}\n",
    ),
    (
        "taxonomy_list.html",
        "{% extends \"base.html\" %}\n{% block content %}<h1>{{ taxonomy.name }}</h1>\n<ul>{% for term in terms %}<li><a href=\"{{ term.permalink }}\">{{ term.name }}</a> ({{ term.pages | length }})</li>{% endfor %}</ul>{% endblock %}\n",
    ),
    (
        "taxonomy_single.html",
        "{% extends \"base.html\" %}\n{% block content %}<h1>{{ taxonomy.name }}: {{ term.name }}</h1>\n<table>{% for page in term.pages %}<tr><td><a href=\"{{ page.permalink }}\">{{ page.title }}</a></td><td>{{ page.date }}</td></tr>\n{% endfor %}</table>{% endblock %}\n",
    ),
];

/// Writes the Zola site of `generated` into `dir`: `config.toml`, `templates/`, `content/`.
pub fn write_site(dir: &Path, generated: &Generated) {
    let config = Config {
        base_url: generated.portal.base_url.clone(),
        title: generated.portal.title.clone(),
        compile_sass: false,
        build_search_index: false,
        generate_feeds: false,
        taxonomies: vec![
            Taxonomy { name: "systems" },
            Taxonomy { name: "statuses" },
            Taxonomy { name: "types" },
        ],
    };
    write(&dir.join("config.toml"), &to_toml(&config));
    for (name, text) in TEMPLATES {
        write(&dir.join("templates").join(name), text);
    }
    let content = dir.join("content");
    write(
        &content.join("_index.md"),
        &format!(
            "+++\n{}+++\n",
            to_toml(&section(&generated.portal.title, "none"))
        ),
    );
    write(
        &content.join("releases/_index.md"),
        &format!("+++\n{}+++\n", to_toml(&section("Releases", "date"))),
    );
    write(
        &content.join("runbooks/_index.md"),
        &format!("+++\n{}+++\n", to_toml(&section("Runbooks", "title"))),
    );
    for (path, release) in &generated.releases {
        let name = Path::new(path).file_name().expect("releases/<file>.md");
        write(&content.join("releases").join(name), &release_page(release));
    }
    for runbook in &generated.runbooks {
        write(
            &content.join(format!("runbooks/{}.md", runbook.slug)),
            &runbook_page(runbook),
        );
    }
}

/// A section's front matter: releases sort by date, runbooks (which have none) by title.
fn section(title: &str, sort_by: &'static str) -> Section {
    Section {
        title: title.into(),
        sort_by,
        template: "section.html",
    }
}

fn release_page(r: &ReleaseDoc) -> String {
    let f = &r.front;
    let page = Page {
        title: format!("{} {}: {}", f.system, f.version, f.title),
        date: Some(datetime(&f.window.start)),
        path: format!("releases/{}/{}/", f.system, f.version),
        taxonomies: Taxonomies {
            systems: vec![f.system.clone()],
            statuses: vec![f.status.clone()],
            types: vec![f.kind.clone()],
        },
        extra: ReleaseExtra {
            system: f.system.clone(),
            version: f.version.clone(),
            status: f.status.clone(),
            owner: f.owner.clone(),
            window_start: f.window.start.clone(),
            window_end: f.window.end.clone(),
            timezone: f
                .window
                .timezone
                .clone()
                .unwrap_or_else(|| "Europe/Berlin".into()),
            tickets: f.tickets.0.clone(),
            rollout: f.rollout.clone(),
        },
    };
    format!("+++\n{}+++\n{}", to_toml(&page), r.body)
}

fn runbook_page(r: &RunbookDoc) -> String {
    let f = &r.front;
    let page = Page {
        title: f.title.clone(),
        date: None,
        path: format!("runbooks/{}/", r.slug),
        taxonomies: Taxonomies {
            systems: f.system.iter().cloned().collect(),
            ..Taxonomies::default()
        },
        extra: RunbookExtra {
            kind: f.kind.clone(),
            system: f.system.clone().unwrap_or_default(),
            owner: f.owner.clone(),
            summary: f.summary.clone(),
        },
    };
    format!("+++\n{}+++\n{}", to_toml(&page), r.body)
}

/// `YYYY-MM-DD HH:MM` as a TOML local date-time.
fn datetime(local: &str) -> Datetime {
    format!("{}:00", local.replacen(' ', "T", 1))
        .parse()
        .expect("generated times are valid TOML date-times")
}

fn to_toml<T: Serialize>(value: &T) -> String {
    toml::to_string(value).expect("generated front matter serializes to TOML")
}

fn write(path: &Path, text: &str) {
    fs::create_dir_all(path.parent().expect("a file in a folder"))
        .expect("create a Zola site folder");
    fs::write(path, text).expect("write a Zola site file");
}
