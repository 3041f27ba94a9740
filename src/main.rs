//! The `shipboard` command line: parses arguments and calls a command. Nothing else.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use shipboard::commands::build::{self, BuildError};
use shipboard::commands::check::{self, Format};
use shipboard::commands::{changelog, new, serve};
use shipboard::render::{OnStall, RenderError};

/// Counts each thread's memory, so a runaway template is stopped at its page's memory
/// budget instead of aborting the process (see `shipboard::budget`).
#[global_allocator]
static ALLOCATOR: shipboard::budget::CountingAllocator = shipboard::budget::CountingAllocator;

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
        /// Overrides `base_url` from portal.yaml (e.g. for a preview deploy).
        #[arg(long)]
        base_url: Option<String>,
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
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1")]
        bind: std::net::IpAddr,
    },
    /// Print a system's changelog from git as Markdown (Keep a Changelog).
    #[command(
        after_help = "Examples:\n  shipboard changelog payments --dir content > CHANGELOG.md\n  shipboard changelog payments --from v2.2.0 --to v2.4.0"
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
        /// The content repo.
        #[arg(long, default_value = ".")]
        dir: PathBuf,
    },
    /// Scaffold a release or runbook file that checks clean.
    #[command(subcommand)]
    New(NewCommand),
    /// Create a new content repo that builds and checks clean.
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
        /// The content repo.
        #[arg(long, default_value = ".")]
        dir: PathBuf,
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
        /// The content repo.
        #[arg(long, default_value = ".")]
        dir: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Build {
            dir,
            output,
            base_url,
        } => run_build(
            &dir,
            output.as_deref(),
            base_url.as_deref(),
            cli.quiet,
            cli.verbose,
        ),
        Command::Check {
            dir,
            format,
            deny_warnings,
        } => {
            // A runaway template cannot be stopped inside tera: report and end the process.
            let shown = dir.clone();
            let on_stall: check::OnStallReport = Arc::new(move |report| {
                let code = if print_check(&report, &shown, format) {
                    1
                } else {
                    2
                };
                std::process::exit(code);
            });
            let report = check::run_watched(&dir, Some(on_stall));
            if !print_check(&report, &dir, format) {
                return ExitCode::from(2);
            }
            if report.failed(deny_warnings) {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
        Command::Serve { dir, port, bind } => match serve::run(&dir, bind, port, cli.quiet) {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => {
                eprintln!("error: {err:#}");
                ExitCode::from(2)
            }
        },
        Command::Changelog {
            system,
            from,
            to,
            dir,
        } => match changelog::run(&dir, &system, from.as_deref(), to.as_deref()) {
            Ok(markdown) => {
                print!("{markdown}");
                ExitCode::SUCCESS
            }
            Err(err) => {
                eprintln!("error: {err:#}");
                ExitCode::from(1)
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
            report_written(new::release(&dir, &options).map(|p| vec![p]), cli.quiet)
        }
        Command::New(NewCommand::Runbook {
            slug,
            system,
            kind,
            dir,
        }) => report_written(
            new::runbook(&dir, &slug, system.as_deref(), &kind).map(|p| vec![p]),
            cli.quiet,
        ),
        Command::Init { dir, title } => report_written(new::init(&dir, &title), cli.quiet),
    }
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
    quiet: bool,
    verbose: bool,
) -> ExitCode {
    let started = std::time::Instant::now();
    match build::run(dir, output, base_url, Some(build_stalled())) {
        Ok(report) => {
            if verbose {
                for note in &report.notes {
                    eprintln!("note: {note}");
                }
                eprintln!("took {} ms", started.elapsed().as_millis());
            }
            for warning in report.warnings.sorted() {
                eprintln!("{warning}");
            }
            if !quiet {
                eprintln!(
                    "built {} files into {}",
                    report.files,
                    report.output.display()
                );
            }
            ExitCode::SUCCESS
        }
        Err(BuildError::Content { count, diagnostics }) => {
            for problem in diagnostics.sorted() {
                eprintln!("{problem}");
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
            ExitCode::from(1)
        }
    }
}
