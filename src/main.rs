//! The `shipboard` command line: parses arguments and calls a command. Nothing else.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use shipboard::commands::build::{self, BuildError};
use shipboard::commands::check::{self, Format};
use shipboard::commands::{changelog, fetch, new, serve};
use shipboard::diagnostics::Severity;
use shipboard::output::Wait;
use shipboard::render::{OnStall, RenderError};
use shipboard::validate::base_url;

/// Counts each thread's memory, so a runaway template is stopped at its page's memory
/// budget instead of aborting the process (see `shipboard::budget`).
#[global_allocator]
static ALLOCATOR: shipboard::budget::CountingAllocator = shipboard::budget::CountingAllocator;

/// Opts this process out of transparent huge pages. Where the kernel backs every anonymous
/// region with 2 MiB pages (`enabled = always`, common on servers and CI runners), a heap
/// of millions of small strings touched by several threads is held at twice its size: the
/// 10,000-release build peaked at 630 MiB resident for a 250 MiB heap. Nothing here gains
/// from huge pages. Best effort: an old kernel without the option changes nothing.
fn without_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes plain integers and affects only this process.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

/// Ends the process quietly, as other command-line tools do, when whoever reads its output
/// goes away (`shipboard build 2>&1 | head`): Rust ignores SIGPIPE, so every later write
/// would fail and `eprintln!` panic. Not for `serve`, which writes to browsers that may hang
/// up at any moment and must keep running.
fn end_quietly_on_closed_pipe() {
    #[cfg(unix)]
    // SAFETY: sets the default action of one signal, before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// `mi_option_purge_delay` in mimalloc's `mi_option_e` (the same in its v2 and v3; the
/// binding names no constant for it).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// How long (ms) the allocator keeps memory freed in bulk before giving it back to the
/// system (mimalloc's default is 1000). `serve` holds a site and its model for hours and
/// swaps in a new one on every edit, freeing the old one while the next is made. At 10,000
/// releases, over four edits: the default peaked at 561 MiB resident with reloads of
/// 2.2-2.4 s; 0 (give back at once) at 482 MiB but 2.9-3.1 s, memory given back and
/// faulted in again; 100 at 495 MiB and 2.4-2.5 s (BENCHMARKS, "Fifth round on issue 12").
/// A build frees each stage's scratch (texts, term maps, page data) while the next stage
/// allocates its own: at 10,000 releases 100 ms took its peak from 289-294 to 267-271 MiB,
/// with the same wall and CPU time, `--full` and incremental (BENCHMARKS, "Fifteenth
/// session").
const PURGE_DELAY_MS: std::ffi::c_long = 100;

/// Sets the purge delay, for every command. Call it before other threads start:
/// mimalloc's options are not synchronised.
fn purge_freed_memory_sooner() {
    // SAFETY: sets an integer option; called on the main thread before any other starts.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, PURGE_DELAY_MS) }
}

#[derive(Parser)]
#[command(
    name = "shipboard",
    version,
    about = "Build a release portal (calendar, changelogs, runbooks, contacts) from a content repo and tagged git history",
    after_help = "Start with `shipboard init my-portal`, then `shipboard serve my-portal`.\nContent format: see the README."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Print only errors.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    quiet: bool,
    /// Print more about what is done.
    #[arg(short, long, global = true)]
    verbose: bool,
    /// Read remote system repositories from the mirror cache as it is, without fetching
    /// (same as SHIPBOARD_OFFLINE=1).
    #[arg(long, global = true)]
    offline: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Build the portal into a folder (atomically: a failed build leaves the old site).
    #[command(
        after_help = "Examples:\n  shipboard build content\n  shipboard build . --output /tmp/site --base-url https://preview.example.com/"
    )]
    Build {
        /// The content repo (the folder with portal.yaml).
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// Where to write the site [default: DIR/public].
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Overrides `base_url` from portal.yaml (e.g. for a preview deploy): an absolute
        /// http(s) URL without query or fragment.
        #[arg(long)]
        base_url: Option<String>,
        /// Fail at once if another build is writing into the same output, instead of waiting.
        #[arg(long)]
        no_wait: bool,
        /// Make every file anew, ignoring what the last build of this output recorded
        /// (by default, files that would come out the same are kept).
        #[arg(long)]
        full: bool,
    },
    /// Run every check of a build without writing anything (for editors and CI).
    #[command(
        after_help = "Exit codes: 0 clean (warnings allowed), 1 errors (or warnings with --deny-warnings).\n\nExamples:\n  shipboard check content\n  shipboard check content --format github   # annotations in a GitHub pull request\n  shipboard check --format json > problems.json"
    )]
    Check {
        /// The content repo (the folder with portal.yaml).
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value = "human")]
        format: Format,
        /// Fail on warnings too.
        #[arg(long)]
        deny_warnings: bool,
    },
    /// Preview the portal locally, rebuilding and reloading the browser on every change.
    #[command(
        after_help = "Content errors show in the browser (and here) while the last good site keeps being served.\n\nExamples:\n  shipboard serve content\n  shipboard serve . --port 0          # any free port\n  shipboard serve . --bind 0.0.0.0    # reachable from other machines: only on trusted networks"
    )]
    Serve {
        /// The content repo (the folder with portal.yaml).
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// Port to listen on (0: any free port).
        #[arg(short, long, default_value_t = 1111)]
        port: u16,
        /// Address to listen on: an IP address (0.0.0.0: all interfaces) or localhost.
        #[arg(long, default_value = "127.0.0.1", value_parser = serve::parse_bind)]
        bind: std::net::IpAddr,
    },
    /// Print a system's changelog from git as Markdown (Keep a Changelog).
    #[command(
        after_help = "Examples:\n  shipboard changelog payments content > CHANGELOG.md\n  shipboard changelog payments --from v2.2.0 --to v2.4.0"
    )]
    Changelog {
        /// The system id (from portal.yaml).
        system: String,
        /// Start after this tag (exclusive).
        #[arg(long)]
        from: Option<String>,
        /// End at this tag (inclusive) [default: everything, with unreleased work].
        #[arg(long)]
        to: Option<String>,
        #[command(flatten)]
        dir: ContentDir,
    },
    /// Fetch the system repositories that `repo:` names by URL into the mirror cache, and
    /// nothing else (e.g. to warm a CI cache).
    #[command(
        after_help = "Mirrors are kept in DIR/.shipboard/repos/ (or $SHIPBOARD_CACHE_DIR/repos/); git does the fetching, with its own credential helpers and SSH keys.\n\nExamples:\n  shipboard fetch content\n  shipboard build content --offline   # later, without the network"
    )]
    Fetch {
        /// The content repo (the folder with portal.yaml).
        #[arg(default_value = ".")]
        dir: PathBuf,
    },
    /// Scaffold a release or runbook file: its placeholders are errors in `check` until you replace them.
    #[command(
        subcommand,
        after_help = "Examples:\n  shipboard new release payments 2.5.0 --date \"2027-02-09 21:00\" --type minor\n  shipboard new runbook search-rollback --system search --kind rollback"
    )]
    New(NewCommand),
    /// Create a new content repo that builds and checks without errors (one warning asks for the system's `repo:`).
    #[command(after_help = "Example:\n  shipboard init my-portal && shipboard serve my-portal")]
    Init {
        /// Where to create it (created if missing).
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// The portal's title.
        #[arg(long, default_value = "Release Portal")]
        title: String,
    },
}

/// The content repo as a positional `DIR`, like every other command; `--dir DIR` is still
/// accepted for scripts written before.
#[derive(clap::Args)]
struct ContentDir {
    /// The content repo (the folder with portal.yaml) [default: .]
    #[arg(value_name = "DIR")]
    dir: Option<PathBuf>,
    /// The same as DIR (the older spelling).
    #[arg(long = "dir", value_name = "DIR", conflicts_with = "dir", hide = true)]
    dir_flag: Option<PathBuf>,
}

impl ContentDir {
    fn path(&self) -> PathBuf {
        self.dir
            .clone()
            .or_else(|| self.dir_flag.clone())
            .unwrap_or_else(|| PathBuf::from("."))
    }
}

#[derive(Subcommand)]
enum NewCommand {
    /// A release file: releases/<system>-<version>.md
    #[command(
        after_help = "Example:\n  shipboard new release payments 2.5.0 --date \"2027-02-09 21:00\" --type minor"
    )]
    Release {
        system: String,
        version: String,
        /// Window start, local time `YYYY-MM-DD HH:MM` [default: a week from today, 20:00].
        #[arg(long)]
        date: Option<String>,
        /// major, minor, patch or emergency.
        #[arg(long = "type", default_value = "minor")]
        kind: String,
        #[command(flatten)]
        dir: ContentDir,
    },
    /// A runbook file: runbooks/<slug>.md
    #[command(
        after_help = "Example:\n  shipboard new runbook search-rollback --system search --kind rollback"
    )]
    Runbook {
        slug: String,
        /// The system it is for.
        #[arg(long)]
        system: Option<String>,
        /// deploy, rollback, hotfix, verification or other.
        #[arg(long, default_value = "other")]
        kind: String,
        #[command(flatten)]
        dir: ContentDir,
    },
}

fn main() -> ExitCode {
    without_huge_pages();
    purge_freed_memory_sooner();
    let cli = Cli::parse();
    if !matches!(cli.command, Command::Serve { .. }) {
        end_quietly_on_closed_pipe();
    }
    if matches!(
        cli.command,
        Command::Build { .. } | Command::Check { .. } | Command::Serve { .. }
    ) {
        if let Err(message) = build::source_date_epoch() {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    }
    if cli.offline {
        // Read by `prepare` in every command; set before any thread starts.
        std::env::set_var("SHIPBOARD_OFFLINE", "1");
    }
    match cli.command {
        Command::Fetch { dir } => run_fetch(&dir, cli.quiet),
        Command::Build {
            dir,
            output,
            base_url,
            no_wait,
            full,
        } => run_build(
            &dir,
            output.as_deref(),
            base_url.as_deref(),
            (no_wait, full),
            cli.quiet,
            cli.verbose,
        ),
        Command::Check {
            dir,
            format,
            deny_warnings,
        } => {
            // `-q` prints only errors (machine formats keep everything).
            let errors_only = cli.quiet && format == Format::Human;
            // A runaway template cannot be stopped inside tera: report and end the process.
            let shown = dir.clone();
            let on_stall: check::OnStallReport = Arc::new(move |report| {
                let report = shown_report(report, errors_only);
                let code = if print_check(&report, &shown, format) {
                    1
                } else {
                    2
                };
                std::process::exit(code);
            });
            let report = shown_report(check::run_watched(&dir, Some(on_stall)), errors_only);
            if cli.verbose {
                for note in &report.notes {
                    eprintln!("note: {note}");
                }
            }
            if !print_check(&report, &dir, format) {
                return ExitCode::from(2);
            }
            if report.failed(deny_warnings) {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
        Command::Serve { dir, port, bind } => {
            if !dir.is_dir() {
                // A content problem, as `build` and `check` report it (exit 1), not an I/O
                // error of the server (exit 2).
                eprintln!("{}", shipboard::content::load::missing_root(&dir));
                return ExitCode::from(1);
            }
            match serve::run(&dir, bind, port, cli.quiet) {
                Ok(()) => ExitCode::SUCCESS,
                Err(err) => {
                    eprintln!("error: {err:#}");
                    ExitCode::from(2)
                }
            }
        }
        Command::Changelog {
            system,
            from,
            to,
            dir,
        } => match changelog::run(&dir.path(), &system, from.as_deref(), to.as_deref()) {
            Ok(markdown) => {
                print!("{markdown}");
                ExitCode::SUCCESS
            }
            Err(err) => {
                eprintln!("error: {err:#}");
                ExitCode::from(changelog_exit_code(&err))
            }
        },
        Command::New(NewCommand::Release {
            system,
            version,
            date,
            kind,
            dir,
        }) => {
            let options = new::NewRelease {
                system: &system,
                version: &version,
                start: date.as_deref(),
                kind: &kind,
            };
            report_written(
                new::release(&dir.path(), &options).map(|p| vec![p]),
                cli.quiet,
            )
        }
        Command::New(NewCommand::Runbook {
            slug,
            system,
            kind,
            dir,
        }) => report_written(
            new::runbook(&dir.path(), &slug, system.as_deref(), &kind).map(|p| vec![p]),
            cli.quiet,
        ),
        Command::Init { dir, title } => report_written(new::init(&dir, &title), cli.quiet),
    }
}

/// `changelog`'s exit code for `err`: 2 for its arguments (an unknown system or tag, a
/// reversed range), as for every other usage error; 1 for the content or its history.
fn changelog_exit_code(err: &anyhow::Error) -> u8 {
    use shipboard::history::ChangelogError;
    match err.downcast_ref::<ChangelogError>() {
        Some(
            ChangelogError::UnknownSystem { .. }
            | ChangelogError::UnknownTag { .. }
            | ChangelogError::ReversedRange { .. },
        ) => 2,
        _ => 1,
    }
}

fn run_fetch(dir: &Path, quiet: bool) -> ExitCode {
    if std::env::var_os("SHIPBOARD_OFFLINE").is_some_and(|v| !v.is_empty() && v != "0") {
        eprintln!("error: `shipboard fetch` fetches; it cannot run --offline");
        return ExitCode::from(2);
    }
    match fetch::run(dir) {
        Ok(report) => {
            for problem in report.diagnostics.sorted() {
                eprintln!("{problem}");
            }
            if !quiet {
                for note in &report.notes {
                    eprintln!("{note}");
                }
            }
            if report.diagnostics.has_errors() {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(diagnostics) => {
            for problem in diagnostics.sorted() {
                eprintln!("{problem}");
            }
            ExitCode::from(1)
        }
    }
}

/// The report as `check` prints it: only its errors under `-q`.
fn shown_report(mut report: check::CheckReport, errors_only: bool) -> check::CheckReport {
    if errors_only {
        report.diagnostics.retain(|d| d.severity == Severity::Error);
    }
    report
}

/// Prints `check`'s report on stdout; false when it cannot be written.
fn print_check(report: &check::CheckReport, dir: &Path, format: Format) -> bool {
    let mut stdout = std::io::stdout().lock();
    if let Err(err) = check::print(report, dir, format, &mut stdout) {
        eprintln!("error: cannot write the report: {err}");
        return false;
    }
    stdout.flush().is_ok()
}

/// What `build` does with a page whose template ran away where tera cannot stop it: the
/// render cannot finish and nothing has been written, so report and end the process.
fn build_stalled() -> OnStall {
    Arc::new(|err: RenderError| {
        eprintln!("{err}");
        eprintln!("error: the site could not be rendered; nothing was written");
        std::process::exit(2);
    })
}

fn run_build(
    dir: &Path,
    output: Option<&Path>,
    base_url: Option<&str>,
    (no_wait, full): (bool, bool),
    quiet: bool,
    verbose: bool,
) -> ExitCode {
    let started = std::time::Instant::now();
    let base_url = match base_url.map(base_url::normalise).transpose() {
        Ok(url) => url,
        Err(base_url::BadBaseUrl(message)) => {
            eprintln!("error: --base-url {message}\n  help: {}", base_url::HELP);
            return ExitCode::from(2);
        }
    };
    let options = build::BuildOptions {
        output,
        base_url: base_url.as_deref(),
        wait: if no_wait { Wait::NoWait } else { Wait::Wait },
        full,
    };
    let on_wait = |dir: &Path| {
        if !quiet {
            eprintln!(
                "waiting for another shipboard build writing into {} to finish (--no-wait fails instead)",
                dir.display()
            );
        }
    };
    match build::run(dir, options, &on_wait, Some(build_stalled())) {
        Ok(report) => {
            if verbose {
                for note in &report.notes {
                    eprintln!("note: {note}");
                }
                eprintln!("took {} ms", started.elapsed().as_millis());
            }
            if !quiet {
                for warning in report.warnings.sorted() {
                    eprintln!("{warning}");
                }
            }
            if !quiet {
                eprintln!(
                    "built {} files into {} ({} written, {} unchanged)",
                    report.files,
                    report.output.display(),
                    report.files - report.unchanged,
                    report.unchanged
                );
            }
            ExitCode::SUCCESS
        }
        Err(BuildError::Content { count, diagnostics }) => {
            // `-q` prints only errors, as `check -q` does.
            for problem in diagnostics.sorted() {
                if !quiet || problem.is_error() {
                    eprintln!("{problem}");
                }
            }
            eprintln!("error: {count} problem(s) in the content; nothing was written");
            ExitCode::from(1)
        }
        Err(BuildError::Render(err)) => {
            eprintln!("{err}");
            eprintln!("error: the site could not be rendered; nothing was written");
            ExitCode::from(2)
        }
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::from(2)
        }
    }
}

fn report_written(result: anyhow::Result<Vec<PathBuf>>, quiet: bool) -> ExitCode {
    match result {
        Ok(paths) => {
            if !quiet {
                for path in paths {
                    println!("created {}", path.display());
                }
            }
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: {err:#}");
            // Unreadable content is exit 1 (as for `check`); usage and I/O errors are 2.
            if err.downcast_ref::<new::ContentProblems>().is_some() {
                ExitCode::from(1)
            } else {
                ExitCode::from(2)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The option number names mimalloc's purge delay: it reads as that option's default
    /// (1000 ms in mimalloc v3; `MIMALLOC_VERBOSE=1` lists it as `purge_delay`) until set,
    /// and the options around it have other defaults.
    #[test]
    fn the_purge_delay_option_is_the_one_set() {
        // SAFETY: reads and sets integer options; this test is alone in touching them.
        unsafe {
            assert_eq!(libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY), 1000);
            purge_freed_memory_sooner();
            assert_eq!(
                libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY),
                PURGE_DELAY_MS
            );
        }
    }
}
