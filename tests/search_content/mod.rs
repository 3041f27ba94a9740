//! A generated content repo for the search tests: `systems` systems with `per_system`
//! released versions each, every version with two commits and a tag in the system's own
//! bare git repository (written with `git fast-import`), a rollback runbook per system with
//! sections, and a few people with accented names and chat handles. Deterministic: the same
//! arguments give the same repo, so the SHAs are the same on every run.
#![allow(dead_code)]

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};

/// What a test needs to know about the generated repo.
pub struct Generated {
    /// `(system, version)` of every release.
    pub releases: Vec<(String, String)>,
}

pub const SYSTEMS: [(&str, &str); 6] = [
    ("atlas", "Atlas Gateway"),
    ("borealis", "Borealis Billing"),
    ("cobalt", "Cobalt Catalog"),
    ("delta", "Delta Dispatch"),
    ("ember", "Ember Identity"),
    ("fjord", "Fjord Files"),
];

/// The ticket id of release `n` (0-based) of system `s`.
pub fn ticket(system: &str, n: usize) -> String {
    format!("{}-{}", system[..3].to_ascii_uppercase(), 100 + n)
}

pub fn version(n: usize) -> String {
    format!("{}.{}.0", 1 + n / 10, n % 10)
}

/// Writes the content repo into `dir`.
pub fn generate(dir: &Path, systems: usize, per_system: usize) -> Generated {
    let systems = &SYSTEMS[..systems.min(SYSTEMS.len())];
    for sub in ["releases", "runbooks", "repos"] {
        std::fs::create_dir_all(dir.join(sub)).expect("create content dirs");
    }
    let mut portal = String::from(
        "title: Generated Portal\nbase_url: https://releases.generated.example/\ntimezone: Europe/Berlin\nsystems:\n",
    );
    for (id, name) in systems {
        let _ = write!(
            portal,
            "  - id: {id}\n    name: {name}\n    owner: zoe\n    rollback_runbook: {id}-rollback\n    repo: repos/{id}.git\n    ticket_url: \"https://tracker.example/browse/{{id}}\"\n"
        );
    }
    write(dir, "portal.yaml", &portal);
    write(
        dir,
        "contacts.yaml",
        "people:\n  - id: zoe\n    name: Zoë Müller\n    title: Platform lead\n    chat: \"@zoe\"\n  - id: olu\n    name: Oluwaseun Adeyemi\n    title: Release manager\n    chat: \"@olu\"\n  - id: lukasz\n    name: Łukasz Wiśniewski\n",
    );
    let mut releases = Vec::new();
    for (s, (id, name)) in systems.iter().enumerate() {
        write(
            dir,
            &format!("runbooks/{id}-rollback.md"),
            &format!(
                "---\ntitle: Roll back {name}\nkind: rollback\nsystem: {id}\nowner: zoe\nsummary: Return {name} to the previous version.\n---\n\
                 ## When to roll back\n\nWhen the error rate of {name} doubles after a release.\n\n\
                 ## Quiesce the {id} workers\n\nQuiesce every {id} worker before the rollback, then drain the queue.\n\n\
                 ## Verify\n\nCheck the dashboards of {name}.\n"
            ),
        );
        let mut commits = String::new();
        let mut mark = 0;
        for n in 0..per_system {
            let version = version(n);
            // One window a day per system, all in the past, early morning (after any DST gap).
            let day = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).expect("date")
                + chrono::Duration::days((n * systems.len() + s) as i64);
            let start = format!("{} 04:00", day.format("%Y-%m-%d"));
            let end = format!("{} 06:00", day.format("%Y-%m-%d"));
            let ticket = ticket(id, n);
            let payload = if s == 0 && n == 3 {
                "Escapes `<img src=x onerror=alert(1)>` and `<script>alert(2)</script>` as text: zanzibarite."
            } else {
                ""
            };
            write(
                dir,
                &format!("releases/{id}-{version}.md"),
                &format!(
                    "---\nsystem: {id}\nversion: {version}\ntype: minor\nstatus: released\ntitle: {name} change {n}\nwindow:\n  start: {start}\n  end: {end}\nowner: zoe\ntickets: [{ticket}]\n---\n\
                     Release {n} of {name}. It improves throughput of the {id} service. {payload}\n"
                ),
            );
            releases.push((id.to_string(), version.clone()));
            let at = day
                .and_hms_opt(1, 0, 0)
                .expect("time")
                .and_utc()
                .timestamp();
            for k in 0..2 {
                mark += 1;
                let message = format!("feat(api): change {n}.{k} of {id} for {ticket}\n");
                let parent = if mark > 1 {
                    format!("from :{}\n", mark - 1)
                } else {
                    String::new()
                };
                let _ = write!(
                    commits,
                    "commit refs/heads/main\nmark :{mark}\ncommitter Zoe <zoe@example.com> {} +0000\ndata {}\n{message}{parent}M 644 inline src/{k}.txt\ndata {}\n{n}.{k}\n\n",
                    at + k as i64 * 60,
                    message.len(),
                    format!("{n}.{k}").len() + 1,
                );
            }
            let _ = write!(
                commits,
                "tag v{version}\nfrom :{mark}\ntagger Zoe <zoe@example.com> {} +0000\ndata 0\n\n",
                at + 4200
            );
        }
        fast_import(&dir.join(format!("repos/{id}.git")), &commits);
    }
    Generated { releases }
}

fn write(dir: &Path, file: &str, text: &str) {
    std::fs::write(dir.join(file), text).unwrap_or_else(|e| panic!("write {file}: {e}"));
}

fn fast_import(repo: &Path, stream: &str) {
    let init = Command::new("git")
        .args(["init", "-q", "--bare", "-b", "main"])
        .arg(repo)
        .status()
        .expect("git init");
    assert!(init.success(), "git init {}", repo.display());
    let mut child = Command::new("git")
        .arg("--git-dir")
        .arg(repo)
        .args(["fast-import", "--quiet"])
        .stdin(Stdio::piped())
        .spawn()
        .expect("git fast-import");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stream.as_bytes())
        .expect("feed git fast-import");
    assert!(
        child.wait().expect("git fast-import").success(),
        "git fast-import {}",
        repo.display()
    );
}

/// The commit a tag points at, in a system repository of the generated repo.
pub fn tagged_commit(content: &Path, system: &str, tag: &str) -> String {
    let out = Command::new("git")
        .arg("--git-dir")
        .arg(content.join(format!("repos/{system}.git")))
        .args(["rev-parse", &format!("{tag}^{{commit}}")])
        .output()
        .expect("git rev-parse");
    assert!(out.status.success(), "git rev-parse {tag}");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}
