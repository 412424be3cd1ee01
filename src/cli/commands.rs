//! gitseal's own subcommands (clap). The `--help`, man page and completions are generated
//! from these definitions, so the documentation cannot drift from the parser.

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

const ABOUT: &str = "Sign and verify Git history: SSH, OpenPGP and keyless Sigstore";

const LONG_ABOUT: &str = "\
Sign and verify Git history: SSH, OpenPGP and keyless Sigstore.

git runs gitseal as its signing program. Besides the subcommands below, gitseal understands
the command lines git writes for those programs:

  ssh-keygen (gpg.ssh.program):  -Y sign | verify | find-principals | check-novalidate ...
  gpg / gpgsm (gpg.program, gpg.x509.program):  --status-fd=N -bsau KEY | --verify SIG -

Run `gitseal setup --format ssh` to configure git to sign with your SSH key.";

/// The command line of gitseal's own subcommands.
#[derive(Debug, Parser)]
#[command(
    name = "gitseal",
    version,
    about = ABOUT,
    long_about = LONG_ABOUT,
    arg_required_else_help = true,
    disable_help_subcommand = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Configure git to sign commits and tags with gitseal
    Setup(SetupArgs),
    /// Check commit ranges against the signing policy (CI), or a push (pre-receive hook)
    Verify(VerifyArgs),
    /// Verify the signatures of commits, whatever their format (default: HEAD)
    VerifyCommit(VerifyObjectArgs),
    /// Verify the signatures of annotated tags, whatever their format
    VerifyTag(VerifyObjectArgs),
    /// Show what is inside an object's signature, without judging it
    Show(ShowArgs),
    /// Export a commit's or tag's Sigstore signature as a standard Sigstore bundle (JSON)
    Bundle(BundleArgs),
    /// Get a Sigstore signing certificate now and cache it for its ten minutes
    Login,
    /// Remove cached Sigstore signing certificates and keys
    Logout,
    /// Inspect the signing policy
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Print gitseal's version
    Version,
    /// Print a shell completion script
    Completion {
        /// The shell to complete for
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) on stdout
    Man,
}

#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// Ranges to verify: `A..B`, or a single revision for everything from the anchor to it
    #[arg(value_name = "RANGE", required_unless_present = "pre_receive")]
    pub ranges: Vec<String>,
    /// Judge every commit by this one policy file instead of the policy in each parent
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// The trusted commit verification starts from (default: git config gitseal.anchor)
    #[arg(long, value_name = "COMMIT")]
    pub anchor: Option<String>,
    /// The ref whose rule applies (e.g. refs/heads/main); without it no rule matches
    #[arg(long = "ref", value_name = "REF")]
    pub refname: Option<String>,
    /// Report format
    #[arg(long, value_enum, default_value = "text")]
    pub format: crate::output::report::ReportFormat,
    /// Run as a pre-receive hook: read `<old> <new> <ref>` lines on stdin
    #[arg(long, conflicts_with = "ranges")]
    pub pre_receive: bool,
    /// Do not read or write the verdict cache in the git directory
    #[arg(long)]
    pub no_cache: bool,
    /// Threads for signature checks (default: all cores)
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
}

/// What `verify-commit` and `verify-tag` take: gitsign's `verify` flags.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Sigstore (x509) signatures need an identity (--certificate-identity or its -regexp form) and
an issuer (--certificate-oidc-issuer or its -regexp form): a signature only proves who signed
when you say whom you expect. Regular expressions must match the whole value: they are
anchored at both ends. SSH signatures are checked against gpg.ssh.allowedSignersFile (and
gpg.ssh.revocationFile) at the committer time, OpenPGP signatures against GnuPG's keyring,
as git would.")]
pub struct VerifyObjectArgs {
    /// Commits (or tags) to verify
    #[arg(value_name = "OBJECT")]
    pub objects: Vec<String>,
    /// The certificate identity (SAN e-mail or URI) a Sigstore signature must carry
    #[arg(
        long,
        value_name = "IDENTITY",
        conflicts_with = "certificate_identity_regexp"
    )]
    pub certificate_identity: Option<String>,
    /// A regular expression the whole certificate identity must match
    #[arg(long, value_name = "REGEX")]
    pub certificate_identity_regexp: Option<String>,
    /// The OIDC issuer that must have vouched for the identity
    #[arg(
        long,
        value_name = "URL",
        conflicts_with = "certificate_oidc_issuer_regexp"
    )]
    pub certificate_oidc_issuer: Option<String>,
    /// A regular expression the whole OIDC issuer must match
    #[arg(long, value_name = "REGEX")]
    pub certificate_oidc_issuer_regexp: Option<String>,
    /// Report format
    #[arg(long, value_enum, default_value = "text")]
    pub format: ObjectReportFormat,
}

/// How `verify-commit`, `verify-tag` and `show` print.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ObjectReportFormat {
    Text,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct ShowArgs {
    /// The commit or tag whose signature to show
    #[arg(value_name = "OBJECT", default_value = "HEAD")]
    pub object: String,
    /// Output format
    #[arg(long, value_enum, default_value = "text")]
    pub format: ObjectReportFormat,
}

#[derive(Debug, clap::Args)]
#[command(after_help = "\
The bundle (media type application/vnd.dev.sigstore.bundle.v0.3+json) signs the DER of the
CMS signed attributes, as gitsign's signature does; those attributes hold the SHA-256 of the
object without its signature. Give --artifact to write them, then verify with any Sigstore
client, e.g. `sigstore verify identity --bundle B.json --cert-identity ... --cert-oidc-issuer
... ARTIFACT`.")]
pub struct BundleArgs {
    /// The commit or tag whose signature to export
    #[arg(value_name = "OBJECT", default_value = "HEAD")]
    pub object: String,
    /// Also write the artifact the bundle signs (the DER signed attributes) to this file
    #[arg(long, value_name = "FILE")]
    pub artifact: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Parse the policy and report the first error with file:line
    Check(PolicySource),
    /// Print who may sign what
    Describe(PolicySource),
    /// Print an allowed_signers file with the policy's SSH keys (for plain git)
    ExportAllowedSigners(PolicySource),
}

#[derive(Debug, clap::Args)]
pub struct PolicySource {
    /// A policy file (default: .gitseal/policy.toml of the commit given by --rev)
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// The commit whose .gitseal/policy.toml to read
    #[arg(
        long,
        value_name = "REV",
        default_value = "HEAD",
        conflicts_with = "file"
    )]
    pub rev: String,
}

/// Signature formats gitseal can set git up for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SetupFormat {
    /// SSH keys (gpg.ssh.program)
    Ssh,
    /// OpenPGP keys (gpg.program)
    Openpgp,
    /// Keyless Sigstore certificates (gpg.x509.program)
    X509,
}

#[derive(Debug, clap::Args)]
pub struct SetupArgs {
    /// Which signature format git should use
    #[arg(long, value_enum)]
    pub format: SetupFormat,
    /// Write the user's global git config instead of this repository's
    #[arg(long)]
    pub global: bool,
    /// The signing key: for ssh a key file (default: ~/.ssh/id_ed25519.pub, then ecdsa, rsa);
    /// for openpgp a key id or fingerprint (default: gpg's first secret key for user.email)
    #[arg(long, value_name = "KEY")]
    pub key: Option<PathBuf>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn parses_setup() {
        let cli = Cli::try_parse_from(["gitseal", "setup", "--format", "ssh", "--global"]).unwrap();
        let Command::Setup(args) = cli.command else {
            panic!("not setup");
        };
        assert_eq!(args.format, SetupFormat::Ssh);
        assert!(args.global);
        assert!(args.key.is_none());
    }
}
