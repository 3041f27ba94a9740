//! The search index as `shipboard build` writes it (the real binary, on a generated content
//! repo with git history): byte-identical across two builds, a manifest that lists exactly the
//! shards on disk, every record readable, queries answered from the files alone, and the
//! static `/tickets/` page listing every ticket with its releases; on a portal big enough to
//! split shards, the same answers as from whole two-char shards.

mod search_content;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use shipboard_search::index::{self, Manifest};
use shipboard_search::query::Query;

fn build(content: &Path, out: &Path) -> BTreeMap<String, Vec<u8>> {
    let status = Command::new(env!("CARGO_BIN_EXE_shipboard"))
        .arg("build")
        .arg(content)
        .arg("--output")
        .arg(out)
        .arg("-q")
        .env("SOURCE_DATE_EPOCH", "1795608000")
        .status()
        .expect("run shipboard build");
    assert!(status.success(), "shipboard build failed: {status}");
    let mut files = BTreeMap::new();
    for entry in walkdir::WalkDir::new(out.join("search")) {
        let entry = entry.expect("walk search/");
        if entry.file_type().is_file() {
            let rel = entry
                .path()
                .strip_prefix(out.join("search"))
                .expect("inside");
            let bytes = std::fs::read(entry.path()).expect("read index file");
            files.insert(rel.display().to_string(), bytes);
        }
    }
    files
}

fn text(files: &BTreeMap<String, Vec<u8>>, path: &str) -> String {
    let bytes = files
        .get(path)
        .unwrap_or_else(|| panic!("no search/{path}"));
    String::from_utf8(bytes.clone()).expect("index files are UTF-8")
}

#[test]
fn index_is_deterministic_complete_and_answers_queries() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let content = tmp.path().join("content");
    let generated = search_content::generate(&content, 3, 40);
    let first = build(&content, &tmp.path().join("a"));
    let second = build(&content, &tmp.path().join("b"));
    assert_eq!(
        first.keys().collect::<Vec<_>>(),
        second.keys().collect::<Vec<_>>()
    );
    for (path, bytes) in &first {
        assert!(
            bytes == &second[path],
            "search/{path} differs between two builds"
        );
    }

    // The manifest lists exactly the shard files there are.
    let manifest = Manifest::parse(&text(&first, "index.txt")).expect("manifest parses");
    let mut listed: Vec<String> = Vec::new();
    for (dir, names) in [
        ("k", &manifest.keys),
        ("t", &manifest.terms),
        ("c", &manifest.commits),
    ] {
        listed.extend(names.iter().map(|n| format!("{dir}/{n}.txt")));
    }
    let mut on_disk: Vec<String> = first
        .keys()
        .filter(|p| !p.starts_with("f/") && *p != "index.txt")
        .cloned()
        .collect();
    listed.sort();
    on_disk.sort();
    assert_eq!(listed, on_disk);
    assert!(!manifest.commits.is_empty(), "no commit shards");

    // Every document has a readable record, and releases say what a rollback returns to.
    let mut releases = 0;
    for doc in 0..manifest.docs {
        let fragment = text(&first, &manifest.fragment_path(doc));
        let record = index::record(&fragment, doc % manifest.bucket)
            .unwrap_or_else(|_| panic!("record {doc} does not parse"));
        if record.group == b'r' {
            releases += 1;
            let first_version = record.url.ends_with("/1.0.0/");
            assert_eq!(record.rollback.is_empty(), first_version, "{record:?}");
        }
    }
    assert_eq!(releases, generated.releases.len());

    // Queries answered from the files alone: the first hit's record.
    let sha = search_content::tagged_commit(&content, "borealis", "v1.4.0");
    let get = |p: &str| first.get(p).and_then(|b| std::str::from_utf8(b).ok());
    for (input, url) in [
        ("ATL-105", "releases/atlas/1.5.0/"),
        ("borealis 2.3", "releases/borealis/2.3.0/"),
        (&sha[..7], "releases/borealis/1.4.0/"),
        (&sha[..], "releases/borealis/1.4.0/"),
        (
            "quiesce cobalt",
            "runbooks/cobalt-rollback/#quiesce-the-cobalt-workers",
        ),
        ("Lukasz", "contacts/#person-lukasz"),
    ] {
        let query = Query::parse(input);
        let hits = query.hits(&manifest, &get).expect("shards parse");
        let top = hits.first().unwrap_or_else(|| panic!("no hit for {input}"));
        let fragment = text(&first, &manifest.fragment_path(top.doc));
        let record = index::record(&fragment, top.doc % manifest.bucket).expect("record");
        assert_eq!(record.url, url, "first hit for {input}");
    }
    let nothing = Query::parse("deadbeefdeadbeef");
    assert!(nothing.hits(&manifest, &get).expect("parse").is_empty());
}

#[test]
fn tickets_page_lists_every_ticket_with_its_releases() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let content = tmp.path().join("content");
    let generated = search_content::generate(&content, 2, 12);
    let out = tmp.path().join("site");
    build(&content, &out);
    let page = std::fs::read_to_string(out.join("tickets/index.html")).expect("tickets page");
    for (n, (system, version)) in generated.releases.iter().enumerate() {
        let ticket = search_content::ticket(system, n % 12);
        let row_start = page
            .find(&format!("<tr id=\"t-{}\">", ticket.to_ascii_lowercase()))
            .unwrap_or_else(|| panic!("no row for {ticket}"));
        let row = &page[row_start..];
        let row = &row[..row.find("</tr>").expect("row end")];
        assert!(
            row.contains(&format!("href=\"https://tracker.example/browse/{ticket}\"")),
            "{row}"
        );
        assert!(
            row.contains(&format!("href=\"/releases/{system}/{version}/\"")),
            "{ticket}: {row}"
        );
    }
    // Natural order: ATL-100, ATL-101, ..., ATL-111, then BOR-...
    let atl_109 = page.find("t-atl-109").expect("ATL-109");
    let atl_110 = page.find("t-atl-110").expect("ATL-110");
    let bor_100 = page.find("t-bor-100").expect("BOR-100");
    assert!(atl_109 < atl_110 && atl_110 < bor_100);
}

/// The first hit's record for `input`, from the index files alone.
fn top_record(files: &BTreeMap<String, Vec<u8>>, input: &str) -> (u8, String, String) {
    let manifest = Manifest::parse(&text(files, "index.txt")).expect("manifest parses");
    let get = |p: &str| files.get(p).and_then(|b| std::str::from_utf8(b).ok());
    let hits = Query::parse(input)
        .hits(&manifest, &get)
        .expect("shards parse");
    let top = hits.first().unwrap_or_else(|| panic!("no hit for {input}"));
    let fragment = text(files, &manifest.fragment_path(top.doc));
    let record = index::record(&fragment, top.doc % manifest.bucket).expect("record");
    (
        record.group,
        record.url.to_owned(),
        format!("{} | {} | {}", record.title, record.meta, record.text),
    )
}

/// The URLs of every hit for `input`, best first.
fn hit_urls(files: &BTreeMap<String, Vec<u8>>, input: &str) -> Vec<String> {
    let manifest = Manifest::parse(&text(files, "index.txt")).expect("manifest parses");
    let get = |p: &str| files.get(p).and_then(|b| std::str::from_utf8(b).ok());
    let hits = Query::parse(input)
        .hits(&manifest, &get)
        .expect("shards parse");
    hits.iter()
        .map(|hit| {
            let fragment = text(files, &manifest.fragment_path(hit.doc));
            let record = index::record(&fragment, hit.doc % manifest.bucket).expect("record");
            record.url.to_owned()
        })
        .collect()
}

#[test]
fn trains_departures_and_system_versions_are_found() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("content");
    let files = build(&example, &tmp.path().join("site"));

    let (group, url, shown) = top_record(&files, "checkout train");
    assert_eq!((group, url.as_str()), (b't', "trains/checkout/"), "{shown}");
    assert!(shown.contains("every 14 days"), "{shown}");

    // A departure by its slug, and by a member it carries.
    let (group, url, shown) = top_record(&files, "train-checkout-2");
    assert_eq!(
        (group, url.as_str()),
        (b't', "trains/checkout/2/"),
        "{shown}"
    );
    assert!(shown.contains("Departure · 2027-01-26"), "{shown}");
    assert!(shown.contains("1.6.0"), "members in the text: {shown}");

    // Departures by the words of their titles and the systems they carry.
    assert_eq!(
        hit_urls(&files, "checkout departure"),
        [
            "trains/checkout/1/",
            "trains/checkout/2/",
            "trains/checkout/3/"
        ]
    );
    assert_eq!(
        hit_urls(&files, "departure notifications"),
        ["trains/checkout/2/"]
    );

    let (group, url, shown) = top_record(&files, "2026.12");
    assert_eq!(
        (group, url.as_str()),
        (b'v', "system-versions/2026-12/"),
        "{shown}"
    );
    assert!(shown.contains("System version · 6 systems"), "{shown}");
    assert!(shown.contains("year-end freeze"), "description: {shown}");
}

#[test]
fn on_call_pages_tags_and_approval_tickets_are_found() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("content");
    let files = build(&example, &tmp.path().join("site"));
    for (input, group, url) in [
        // What an on-call reader types at 3 am.
        ("escalation", b'o', "contacts/"),
        ("on call", b'o', "contacts/"),
        ("Payments escalation", b'o', "contacts/#ladder-payments"),
        ("Platform SRE", b'o', "contacts/#rotation-platform-sre"),
        // A git tag, with and without the system's prefix.
        ("v2.3.2", b'r', "releases/payments/2.3.2/"),
        ("storefront-v4.8.0", b'r', "releases/storefront/4.8.0/"),
        // The ticket an approval cites.
        ("REL-812", b'r', "releases/payments/2.4.0/"),
    ] {
        let (got_group, got_url, shown) = top_record(&files, input);
        assert_eq!(
            (char::from(got_group), got_url.as_str()),
            (char::from(group), url),
            "{input}: {shown}"
        );
    }
}

/// A generated portal big enough that shards are split (1,500 releases: identifiers such as
/// `rel-...` tickets pass the budget), built by the real binary: no shard over the budget
/// unless it is one line, every key where the manifest says, and every query answered
/// exactly as from the same index in whole two-char shards (the version 1 layout, rebuilt
/// here by joining the parts): ids, versions, names, words, SHAs, one- and two-char
/// prefixes and every split prefix.
#[test]
fn split_shards_answer_every_query_as_whole_two_char_shards_do() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let content = tmp.path().join("portal");
    let params = shipboard_fixtures::Params::sized(1_500);
    shipboard_fixtures::write_content(&content, &shipboard_fixtures::generate(&params));
    let files = build(&content, &tmp.path().join("out"));
    let manifest = Manifest::parse(&text(&files, "index.txt")).expect("manifest parses");
    assert!(
        manifest.keys.iter().any(|n| n.len() > 4),
        "no identifier shard was split: the portal is too small to test splitting"
    );
    let whole = whole_shards(&files, &manifest);
    let whole_manifest = Manifest::parse(&text(&whole, "index.txt")).expect("whole manifest");
    assert!(whole_manifest.keys.len() < manifest.keys.len());

    let mut queries: Vec<String> = [
        "re",
        "rel",
        "release",
        "pa",
        "payments 2",
        "rollb",
        "e",
        "2",
    ]
    .map(String::from)
    .to_vec();
    for (dir, names) in [
        ("k", &manifest.keys),
        ("t", &manifest.terms),
        ("c", &manifest.commits),
    ] {
        for name in names {
            let shard = text(&files, &format!("{dir}/{name}.txt"));
            assert!(
                shard.len() <= 16 * 1024 || shard.lines().count() == 1,
                "{dir}/{name}.txt is {} bytes",
                shard.len()
            );
            let prefix = unhex(name);
            // Commits are found from 7 hex digits on: short SHA prefixes find nothing.
            if name.len() > 4 && dir != "c" {
                queries.push(prefix);
            }
            for (i, line) in shard.lines().enumerate() {
                let key = line.split('\t').next().expect("a key");
                let family = match dir {
                    "k" => index::Family::Keys,
                    "t" => index::Family::Terms,
                    _ => index::Family::Commits,
                };
                assert_eq!(manifest.home(family, key), Some(name.as_str()), "{key}");
                if i % 97 == 0 {
                    let chars: Vec<char> = key.chars().collect();
                    queries.push(key.to_owned());
                    if dir == "c" {
                        queries.push(key[..7].to_owned());
                    } else {
                        queries.push(chars.iter().take(2).collect());
                        queries.push(chars.iter().take(3).collect());
                    }
                }
            }
        }
    }
    queries.sort();
    queries.dedup();
    assert!(queries.len() > 300, "{} queries", queries.len());
    let mut answered = 0;
    for input in &queries {
        let split = hits(&files, &manifest, input);
        assert_eq!(split, hits(&whole, &whole_manifest, input), "{input:?}");
        answered += usize::from(!split.is_empty());
    }
    assert!(
        answered * 10 > queries.len() * 9,
        "{answered} of {} answered",
        queries.len()
    );
}

/// Every hit of `input`, from all the shards it needs.
fn hits(
    files: &BTreeMap<String, Vec<u8>>,
    manifest: &Manifest,
    input: &str,
) -> Vec<shipboard_search::query::Hit> {
    let get = |p: &str| files.get(p).and_then(|b| std::str::from_utf8(b).ok());
    let found = Query::parse(input)
        .search(manifest, &get)
        .expect("shards parse");
    assert!(found.missing.is_empty(), "{input}: {:?}", found.missing);
    found.hits
}

/// The index with each family's shards joined by their first two chars (in name order,
/// which is key order), as version 1 wrote them.
fn whole_shards(
    files: &BTreeMap<String, Vec<u8>>,
    manifest: &Manifest,
) -> BTreeMap<String, Vec<u8>> {
    let mut whole: BTreeMap<String, Vec<u8>> = files
        .iter()
        .filter(|(p, _)| p.starts_with("f/"))
        .map(|(p, b)| (p.clone(), b.clone()))
        .collect();
    let mut index = format!(
        "{}\ndocs {}\nbucket {}\n",
        index::MAGIC,
        manifest.docs,
        manifest.bucket
    );
    for (dir, names) in [
        ("k", &manifest.keys),
        ("t", &manifest.terms),
        ("c", &manifest.commits),
    ] {
        let mut joined: BTreeMap<String, Vec<u8>> = BTreeMap::new();
        for name in names {
            let root = shipboard_search::text::shard_name(&unhex(name));
            let part = &files[&format!("{dir}/{name}.txt")];
            joined.entry(root).or_default().extend_from_slice(part);
        }
        index.push_str(dir);
        for (root, bytes) in joined {
            index.push(' ');
            index.push_str(&root);
            whole.insert(format!("{dir}/{root}.txt"), bytes);
        }
        index.push('\n');
    }
    whole.insert("index.txt".to_owned(), index.into_bytes());
    whole
}

/// The prefix a shard name stands for.
fn unhex(name: &str) -> String {
    let bytes: Vec<u8> = (0..name.len() / 2)
        .map(|i| u8::from_str_radix(&name[i * 2..i * 2 + 2], 16).expect("hex"))
        .collect();
    String::from_utf8(bytes).expect("a UTF-8 prefix")
}
