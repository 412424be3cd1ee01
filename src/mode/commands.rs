//! gitseal's own subcommands.

use crate::cli::commands::{Cli, Command};
use crate::error::AppError;
use crate::output::exit::Status;
use clap::CommandFactory;
use std::io::Write;

/// Runs one of our own subcommands.
pub fn run(cli: Cli) -> Result<Status, AppError> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match cli.command {
        Command::Setup(args) => super::setup::run(&args, &mut out),
        Command::Verify(args) => {
            drop(out);
            super::verify::run(&args)
        }
        Command::VerifyCommit(args) => {
            drop(out);
            super::verify_object::run(&args, super::verify_object::Kind::Commit)
        }
        Command::VerifyTag(args) => {
            drop(out);
            super::verify_object::run(&args, super::verify_object::Kind::Tag)
        }
        Command::Show(args) => {
            drop(out);
            super::show::run(&args)
        }
        Command::Bundle(args) => super::show::bundle(&args, &mut out),
        Command::Login => super::login::login(&mut out),
        Command::Logout => super::login::logout(&mut out),
        Command::Policy(command) => {
            drop(out);
            super::verify::policy(&command)
        }
        Command::Monitor(args) => {
            drop(out);
            super::monitor::run(&args)
        }
        Command::Version => {
            let _ = writeln!(out, "gitseal {}", env!("CARGO_PKG_VERSION"));
            Ok(Status::Success)
        }
        Command::Completion { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "gitseal", &mut out);
            Ok(Status::Success)
        }
        Command::Man => {
            clap_mangen::Man::new(Cli::command())
                .render(&mut out)
                .map_err(|e| AppError::operational(format!("cannot write the man page: {e}")))?;
            Ok(Status::Success)
        }
    }
}
