//! The gpg dialect (gpg.program, gpg.x509.program).

use crate::cli::gpg::GpgCommand;
use crate::error::AppError;
use crate::output::exit::Status;
use crate::signature::Format;

/// Runs a gpg-dialect command. The OpenPGP and Sigstore rooms are not built yet, so this
/// says so plainly instead of pretending.
pub fn run(command: GpgCommand) -> Result<Status, AppError> {
    let format = match &command {
        GpgCommand::Sign { .. } => "openpgp or x509",
        GpgCommand::Verify { signature_file, .. } => {
            let head = std::fs::read(signature_file).unwrap_or_default();
            Format::from_armor(&head).map_or("unknown", Format::name)
        }
    };
    Err(AppError::operational(format!(
        "the {format} format is not available in this version of gitseal"
    ))
    .with_hint("gitseal signs and verifies SSH signatures today: gitseal setup --format ssh"))
}
