//! Generates the history benchmark's repository with `git fast-import`: a monorepo of
//! `SYSTEMS` services (`services/sysN/`), `COMMITS` commits on `main` (with a merged side
//! branch every `MERGE_EVERY` commits) and `TAGS` release tags spread over the systems
//! (`sysN-v1.M.0`, every other one annotated). Deterministic: fixed identities, dates and
//! messages; no randomness.

use std::io::Write;
use std::path::Path;

use shipboard_fixtures::git::{self, data};

pub const COMMITS: usize = 100_000;
pub const SYSTEMS: usize = 10;
pub const TAGS: usize = 1_000;
const MERGE_EVERY: usize = 250;
const SIDE_COMMITS: usize = 3;
/// 2024-01-01 00:00 UTC; one commit every ten minutes.
pub const START: i64 = 1_704_067_200;
pub const STEP: i64 = 600;

const AUTHORS: [&str; 12] = [
    "Priya Raman",
    "Li Wei",
    "Dana Scully",
    "Amara Okafor",
    "Kenji Watanabe",
    "Sofia Delgado",
    "Lukas Nowak",
    "Elif Demir",
    "Mateo Rossi",
    "Zainab Yusuf",
    "Noor Haddad",
    "Sam O'Brien",
];
const KINDS: [&str; 10] = [
    "feat", "fix", "perf", "refactor", "docs", "chore", "test", "fix", "feat", "",
];

/// One tag the generator made: (system index, version, commit number).
pub struct Tag {
    pub system: usize,
    pub version: String,
    pub time: i64,
}

fn system_of(i: usize) -> usize {
    (i * 7919 + i / 3) % SYSTEMS
}

fn message(i: usize, system: usize) -> String {
    let kind = KINDS[i % KINDS.len()];
    let ticket = format!("SYS{system}-{}", 100 + i % 9000);
    let mut text = if kind.is_empty() {
        format!("Update sys{system} module {} ({ticket})", i % 20)
    } else {
        format!(
            "{kind}(sys{system}): change {i} in module {} ({ticket})",
            i % 20
        )
    };
    if i % 50 == 49 {
        text.push_str("\n\nBREAKING CHANGE: the module API changed.");
    }
    text
}

fn commit(
    out: &mut impl Write,
    branch: &str,
    mark: usize,
    from: Option<usize>,
    merge: Option<usize>,
    i: usize,
    time: i64,
) -> std::io::Result<()> {
    let system = system_of(i);
    let author = AUTHORS[i % AUTHORS.len()];
    let email = author.to_lowercase().replace([' ', '\''], ".");
    writeln!(out, "commit refs/heads/{branch}\nmark :{mark}")?;
    writeln!(out, "author {author} <{email}@example.com> {time} +0000")?;
    writeln!(out, "committer {author} <{email}@example.com> {time} +0000")?;
    match merge {
        Some(_) => data(out, &format!("Merge branch 'side' (work {i})"))?,
        None => data(out, &message(i, system))?,
    }
    if let Some(from) = from {
        writeln!(out, "from :{from}")?;
    }
    if let Some(merge) = merge {
        writeln!(out, "merge :{merge}")?;
        return writeln!(out);
    }
    let path = if i.is_multiple_of(13) {
        format!("docs/guide-{}.md", i % 7)
    } else {
        format!("services/sys{system}/src/mod{}.rs", i % 20)
    };
    writeln!(out, "M 100644 inline {path}")?;
    data(out, &format!("// change {i}\n"))?;
    writeln!(out)
}

/// Creates the repository at `dir` (which must not exist) and returns its tags.
pub fn generate(dir: &Path) -> Vec<Tag> {
    std::fs::create_dir_all(dir).expect("create bench repo dir");
    git::init_bare(dir);
    let tags = git::fast_import(dir, |out| write_stream(out));
    let mut repack = git::command(Some(dir));
    repack.args(["-c", "pack.threads=2", "repack", "-a", "-d", "-q"]);
    git::run(repack, "git repack");
    tags
}

/// The tags `generate` makes, without making the repository (for a cached one).
pub fn tags() -> Vec<Tag> {
    write_stream(std::io::sink()).expect("writing to a sink cannot fail")
}

fn write_stream(mut out: impl Write) -> std::io::Result<Vec<Tag>> {
    let mut tags = Vec::new();
    let mut per_system = [0usize; SYSTEMS];
    let mut mark = 0;
    let mut head: Option<usize> = None;
    let mut i = 0;
    while i < COMMITS {
        let time = START + i as i64 * STEP;
        if i % MERGE_EVERY == MERGE_EVERY - 1 && i + SIDE_COMMITS < COMMITS {
            let base = head;
            let mut side = base;
            for s in 0..SIDE_COMMITS {
                mark += 1;
                commit(&mut out, "side", mark, side, None, i + s, time + s as i64)?;
                side = Some(mark);
            }
            mark += 1;
            commit(
                &mut out,
                "main",
                mark,
                head,
                side,
                i,
                time + SIDE_COMMITS as i64,
            )?;
            i += SIDE_COMMITS + 1;
        } else {
            mark += 1;
            commit(&mut out, "main", mark, head, None, i, time)?;
            i += 1;
        }
        head = Some(mark);
        let per_tag = COMMITS / TAGS;
        if i / per_tag > tags.len() && tags.len() < TAGS {
            let system = tags.len() % SYSTEMS;
            let n = per_system[system];
            per_system[system] += 1;
            let version = format!("1.{n}.0");
            let name = format!("sys{system}-v{version}");
            if tags.len().is_multiple_of(2) {
                writeln!(out, "tag {name}\nfrom :{mark}")?;
                writeln!(
                    out,
                    "tagger Release Bot <bot@example.com> {} +0000",
                    time + 60
                )?;
                data(&mut out, &format!("Release {version} of sys{system}"))?;
            } else {
                writeln!(out, "reset refs/tags/{name}\nfrom :{mark}\n")?;
            }
            tags.push(Tag {
                system,
                version,
                time: time + 60,
            });
        }
    }
    writeln!(out, "done")?;
    out.flush()?;
    Ok(tags)
}
