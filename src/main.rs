//! The `shipboard` command line: parses arguments and calls a command. Nothing else.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use shipboard::commands::build::{self, BuildError};

#[derive(Parser)]
#[command(
    name = "shipboard",
    version,
    about = "Build a release portal from a content repo and tagged git history"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Print only errors.
    #[arg(short, long, global = true)]
    quiet: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Build the portal into a folder (atomically: a failed build leaves the old site).
    #[command(
        after_help = "Examples:\n  shipboard build content\n  shipboard build . --output /tmp/site --base-url http://localhost:8000/"
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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Build {
            dir,
            output,
            base_url,
        } => match build::run(&dir, output.as_deref(), base_url.as_deref()) {
            Ok(report) => {
                for warning in report.warnings.sorted() {
                    eprintln!("{warning}");
                }
                if !cli.quiet {
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
            Err(err) => {
                eprintln!("error: {err}");
                ExitCode::from(2)
            }
        },
    }
}
