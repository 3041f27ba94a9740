//! Test support: real git repositories in temp dirs (git CLI, fixed identities and dates)
//! and `Content` values built directly.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use semver::Version;
use shipboard::content::{
    Content, Portal, Release, ReleaseStatus, ReleaseType, ReleaseWindow, Runbook, RunbookKind,
    System,
};
use shipboard::diagnostics::SourceRef;

pub struct Repo {
    pub dir: PathBuf,
}

/// `2026-09-22 21:00` (UTC) as an instant.
pub fn utc(text: &str) -> DateTime<Utc> {
    let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").expect("test date");
    Utc.from_utc_datetime(&naive)
}

pub fn git_in(dir: &Path, date: &str, author: &str, args: &[&str]) -> String {
    let when = format!("{} +0000", utc(date).timestamp());
    let email = format!("{}@example.com", author.to_lowercase().replace(' ', "."));
    let output = Command::new("git")
        .args(["-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false"])
        .args(["-c", "init.defaultBranch=main", "-c", "core.autocrlf=false"])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", author)
        .env("GIT_AUTHOR_EMAIL", &email)
        .env("GIT_COMMITTER_NAME", author)
        .env("GIT_COMMITTER_EMAIL", &email)
        .env("GIT_AUTHOR_DATE", &when)
        .env("GIT_COMMITTER_DATE", &when)
        .output()
        .expect("git runs");
    assert!(
        output.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

impl Repo {
    pub fn init(dir: &Path) -> Repo {
        std::fs::create_dir_all(dir).unwrap();
        git_in(dir, "2026-01-01 00:00", "Setup", &["init", "-q"]);
        Repo {
            dir: dir.to_path_buf(),
        }
    }

    pub fn git(&self, args: &[&str]) -> String {
        git_in(&self.dir, "2026-01-01 00:00", "Setup", args)
    }

    /// Writes `files` and commits them as `author` at `date`; returns the SHA.
    pub fn commit(
        &self,
        date: &str,
        author: &str,
        files: &[(&str, &str)],
        message: &str,
    ) -> String {
        for (path, text) in files {
            let path = self.dir.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        git_in(&self.dir, date, author, &["add", "-A"]);
        git_in(
            &self.dir,
            date,
            author,
            &["commit", "-q", "--allow-empty", "-m", message],
        );
        self.git(&["rev-parse", "HEAD"])
    }

    /// A commit that appends a line to `file`.
    pub fn change(&self, date: &str, author: &str, file: &str, message: &str) -> String {
        let path = self.dir.join(file);
        let mut text = std::fs::read_to_string(&path).unwrap_or_default();
        text.push_str(message);
        text.push('\n');
        self.commit(date, author, &[(file, &text)], message)
    }

    pub fn tag(&self, name: &str) {
        self.git(&["tag", name]);
    }

    pub fn tag_annotated(&self, date: &str, name: &str, target: &str, message: &str) {
        git_in(
            &self.dir,
            date,
            "Release Bot",
            &["tag", "-a", name, target, "-m", message],
        );
    }
}

pub fn portal() -> Portal {
    Portal {
        title: "Test portal".to_owned(),
        base_url: "https://releases.example.com/".to_owned(),
        timezone: chrono_tz::UTC,
        description: None,
        theme: None,
        runbook_review_days: 180,
        stale_after_hours: 36,
        reminder_hours: 24,
        feed_history_days: 90,
        freezes: Vec::new(),
        maintenance_windows: Vec::new(),
        approval_policy: BTreeMap::new(),
        checklists_by_type: BTreeMap::new(),
        import_freezes: Vec::new(),
        edit_url: None,
        required_phases: Default::default(),
        source: SourceRef::file("portal.yaml"),
    }
}

pub fn system(id: &str, repo: Option<&str>, pattern: &str) -> System {
    System {
        repo: repo.map(str::to_owned),
        tag_pattern: pattern.to_owned(),
        commit_url: Some(format!("https://git.example.com/{id}/commit/{{sha}}")),
        compare_url: Some(format!(
            "https://git.example.com/{id}/compare/{{from}}...{{to}}"
        )),
        ticket_url: Some("https://tracker.example.com/browse/{id}".to_owned()),
        ..System::new(
            id,
            &format!("{id} service"),
            "priya",
            &format!("{id}-rollback"),
            SourceRef::new("portal.yaml", 7, 9),
        )
    }
}

pub fn release(
    system: &str,
    version: &str,
    status: ReleaseStatus,
    start: &str,
    end: &str,
) -> Release {
    let file = format!("releases/{system}-{version}.md");
    let window = ReleaseWindow {
        start: utc(start),
        end: utc(end),
        timezone: chrono_tz::UTC,
        source: SourceRef::new(&file, 6, 10),
    };
    Release::new(
        system,
        Version::parse(version).unwrap(),
        ReleaseType::Minor,
        status,
        window,
        "priya",
        &file,
    )
}

pub fn runbook(slug: &str, system: Option<&str>) -> Runbook {
    Runbook {
        slug: slug.to_owned(),
        title: slug.to_owned(),
        kind: RunbookKind::Rollback,
        system: system.map(str::to_owned),
        owner: "priya".to_owned(),
        summary: None,
        body: String::new(),
        source: SourceRef::file(format!("runbooks/{slug}.md")),
        body_line: 6,
        outline: None,
    }
}

pub fn content(systems: Vec<System>, releases: Vec<Release>, runbooks: Vec<Runbook>) -> Content {
    Content {
        portal: portal(),
        systems,
        releases,
        runbooks,
        people: Vec::new(),
        roles: Vec::new(),
        ladders: Vec::new(),
        rotations: Vec::new(),
        checklists: Vec::new(),
        plan: Default::default(),
    }
}
