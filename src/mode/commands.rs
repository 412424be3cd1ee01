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
        Command::SignBlob(args) => super::blob::sign(&args, &mut out),
        Command::VerifyBlob(args) => {
            drop(out);
            super::blob::verify(&args)
        }
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
        Command::Man(args) => man(&args, &mut out),
    }
}

/// `gitseal man [COMMAND...]` / `gitseal man --dir DIR`.
fn man(args: &crate::cli::commands::ManArgs, out: &mut dyn Write) -> Result<Status, AppError> {
    use crate::output::man;
    let root = Cli::command();
    if let Some(dir) = &args.dir {
        let written = man::write_all(&root, dir)
            .map_err(|e| AppError::operational(format!("cannot write the man pages: {e}")))?;
        let _ = writeln!(
            out,
            "wrote {} man pages to {}",
            written.len(),
            dir.display()
        );
        return Ok(Status::Success);
    }
    let wanted = std::iter::once("gitseal")
        .chain(args.command.iter().map(String::as_str))
        .collect::<Vec<_>>()
        .join("-")
        + ".1";
    let Some((_, cmd)) = man::pages(&root)
        .into_iter()
        .find(|(name, _)| *name == wanted)
    else {
        return Err(
            AppError::usage(format!("no man page for `{}`", args.command.join(" "))).with_hint(
                "gitseal --help lists the commands; gitseal man --dir DIR writes every page",
            ),
        );
    };
    man::render(&cmd, out)
        .map_err(|e| AppError::operational(format!("cannot write the man page: {e}")))?;
    Ok(Status::Success)
}
