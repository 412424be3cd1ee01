//! gitseal: sign and verify Git history.
//!
//! Data flows one way: argv -> [`cli`] (which dialect, parsed) -> [`mode`] (settings,
//! files, clock) -> a room ([`ssh`], [`openpgp`], [`sigstore`]) -> verdict -> [`output`].

pub mod cli;
pub mod config;
pub mod error;
#[doc(hidden)]
pub mod fuzzing;
pub mod git;
pub mod mode;
pub mod monitor;
#[cfg(test)]
mod negative_corpus;
pub mod openpgp;
pub mod output;
pub mod pattern;
pub mod policy;
pub mod prompt;
pub mod secret;
pub mod signature;
pub mod sigstore;
pub mod ssh;
#[doc(hidden)]
pub mod testdata;
pub mod verify;

use cli::Invocation;
use output::exit::{Dialect, Status, finish};
use std::ffi::OsString;
use std::process::ExitCode;

/// Runs gitseal with `args` (without the program name) and returns the exit code.
/// This is the dispatch function: the one place that maps a dialect to its mode.
pub fn run(args: Vec<OsString>) -> ExitCode {
    output::log::begin(config::log_path_in_env(), &args);
    match cli::classify(&args) {
        Ok(Invocation::SshKeygen(command)) => {
            output::log::event("dialect", "ssh-keygen");
            finish(Dialect::SshKeygen, mode::ssh_keygen::run(command))
        }
        Ok(Invocation::Gpg(command)) => {
            output::log::event("dialect", "gpg");
            finish(Dialect::Gpg, mode::gpg::run(command))
        }
        Ok(Invocation::Own(cli)) => {
            output::log::event("dialect", "gitseal");
            finish(Dialect::Own, mode::commands::run(cli))
        }
        Ok(Invocation::Info(text)) => {
            output::info(&text);
            finish(Dialect::Own, Ok(Status::Success))
        }
        Err((dialect, error)) => finish(dialect, Err(error)),
    }
}
