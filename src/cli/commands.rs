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
    arg_required_else_help = true
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
    #[command(mut_arg("objects", |a| a
        .required(true)
        .value_name("TAG")
        .help("Annotated tags to verify")))]
    VerifyTag(VerifyObjectArgs),
    /// Show what is inside an object's signature, without judging it
    Show(ShowArgs),
    /// Export a commit's or tag's Sigstore signature as a standard Sigstore bundle (JSON)
    Bundle(BundleArgs),
    /// Sign release files the Sigstore way: a bundle FILE.sigstore.json beside each
    SignBlob(SignBlobArgs),
    /// Verify a file's Sigstore bundle (release files, attestations): cosign's verify-blob
    VerifyBlob(Box<VerifyBlobArgs>),
    /// Get a Sigstore signing certificate now and cache it for its ten minutes
    Login,
    /// Remove cached Sigstore signing certificates and keys
    Logout,
    /// Inspect the signing policy
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Find signing events in the transparency log for your identities that you did not make
    Monitor(MonitorArgs),
    /// Print gitseal's version
    Version,
    /// Print a shell completion script
    Completion {
        /// The shell to complete for
        shell: clap_complete::Shell,
    },
    /// Print a man page (roff) on stdout, or write them all into a directory
    Man(ManArgs),
}

#[derive(Debug, clap::Args)]
#[command(after_help = "\
Every subcommand has its page: gitseal-verify-commit(1), gitseal-policy-check(1) and so on.
`gitseal man --dir share/man/man1` writes them all (gitseal.1 and one per subcommand).")]
pub struct ManArgs {
    /// The subcommand whose page to print (e.g. verify-commit, or policy check); none for
    /// gitseal(1)
    #[arg(value_name = "COMMAND", conflicts_with = "dir")]
    pub command: Vec<String>,
    /// Write every page into this directory instead
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
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

#[derive(Debug, clap::Args)]
#[command(after_help = "\
The identities watched are the Sigstore principals of the policy (--policy, else
.gitseal/policy.toml at HEAD), or the one the --certificate-* flags name. Each entry the log
holds for them is verified (SET, inclusion proof, signed checkpoint, certificate chain at
the log's time) and sorted: known when it is the signature of a commit or tag reachable
from a ref of one of the repositories, else unknown. The checkpoint kept from the last run
(in the git directory, or --state FILE) must be extended by the new one: a log that forked
or rewrote its history is reported. The Rekor v1 search index is not verifiable: a log can
leave entries out of it. Exit status: 0 nothing unknown, 1 unknown entries or a log that
lied, 2 usage, configuration or network failure.")]
pub struct MonitorArgs {
    /// Another repository whose signatures are yours (repeatable; the current one is always read)
    #[arg(long = "repo", value_name = "PATH")]
    pub repos: Vec<PathBuf>,
    /// The policy file whose Sigstore principals to watch (default: .gitseal/policy.toml at HEAD)
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Watch this certificate identity (an e-mail address or URI) instead of the policy's
    #[arg(
        long,
        value_name = "IDENTITY",
        conflicts_with = "certificate_identity_regexp"
    )]
    pub certificate_identity: Option<String>,
    /// Watch the identities this regular expression matches (the whole identity)
    #[arg(long, value_name = "REGEX")]
    pub certificate_identity_regexp: Option<String>,
    /// The OIDC issuer of the watched identity
    #[arg(
        long,
        value_name = "URL",
        conflicts_with = "certificate_oidc_issuer_regexp"
    )]
    pub certificate_oidc_issuer: Option<String>,
    /// A regular expression the whole OIDC issuer must match
    #[arg(long, value_name = "REGEX")]
    pub certificate_oidc_issuer_regexp: Option<String>,
    /// Where to keep the state between runs (default: gitseal/monitor.json in the git directory)
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// On a first run, only entries logged at this time or later (RFC 3339, e.g. 2026-01-01T00:00:00Z)
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// On a first run, only entries at this log index or later
    #[arg(long, value_name = "N")]
    pub from_index: Option<u64>,
    /// Report format
    #[arg(long, value_enum, default_value = "text")]
    pub format: crate::output::report::ReportFormat,
}

/// What `verify-commit` and `verify-tag` take: gitsign's `verify` flags.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Sigstore (x509) signatures need an identity (--certificate-identity or its -regexp form) and
an issuer (--certificate-oidc-issuer or its -regexp form): a signature only proves who signed
when you say whom you expect. Regular expressions must match the whole value: they are
anchored at both ends. The --certificate-github-workflow-* flags check the claims Fulcio
copies from a GitHub Actions token (extensions 1.3.6.1.4.1.57264.1.2-.6 and their successors
.12, .13, .14, .20): every copy the certificate carries must match, and one must be there.
With gitseal.matchCommitter true, the certificate's e-mail must also be the committer's
(tagger's), or its URI the committer's name. SSH signatures are checked against gpg.ssh.allowedSignersFile (and
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
    /// The event that triggered the GitHub workflow that signed (e.g. push)
    #[arg(long, value_name = "EVENT")]
    pub certificate_github_workflow_trigger: Option<String>,
    /// The commit the signing GitHub workflow ran on
    #[arg(long, value_name = "SHA")]
    pub certificate_github_workflow_sha: Option<String>,
    /// The name of the signing GitHub workflow
    #[arg(long, value_name = "NAME")]
    pub certificate_github_workflow_name: Option<String>,
    /// The repository of the signing GitHub workflow (owner/name)
    #[arg(long, value_name = "OWNER/NAME")]
    pub certificate_github_workflow_repository: Option<String>,
    /// The ref the signing GitHub workflow ran on (e.g. refs/heads/main)
    #[arg(long, value_name = "REF")]
    pub certificate_github_workflow_ref: Option<String>,
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

#[derive(Debug, clap::Args)]
#[command(after_help = "\
Signing uses what signing commits uses: the same login (SIGSTORE_ID_TOKEN, GitHub Actions,
the cached certificate of `gitseal login`, else the browser), Fulcio, Rekor and timestamp
authority (gitseal.fulcio, gitseal.rekor, gitseal.timestampURL, gitseal.signingConfig).
Each bundle is a standard Sigstore bundle (v0.3), verified before it is written; check one
with `gitseal verify-blob FILE --bundle FILE.sigstore.json` or any Sigstore client.")]
pub struct SignBlobArgs {
    /// The files to sign
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,
}

#[derive(Debug, clap::Args)]
#[command(after_help = "\
The bundle is a standard Sigstore bundle (v0.1 to v0.3): a message signature or a DSSE
envelope (in-toto statement whose subject is the file), logged in Rekor v1 or Rekor v2.
Say whom you expect with --certificate-identity (or --certificate-identity-regexp) and
--certificate-oidc-issuer (or --certificate-oidc-issuer-regexp), or give --key for a bundle
signed with a managed key. Or let the signing policy say: --policy FILE (default: the
repository's .gitseal/policy.toml at HEAD) and its [release_files] signers, or --principal
NAME; the certificate must be one of those principals' Sigstore identities, valid and not
revoked at the signing time. Regular expressions must match the whole value. A Rekor v2
entry's time comes only from an RFC 3161 timestamp in the bundle. Without --trusted-root
the configured Sigstore root is used (gitseal.trustedRoot, else the public-good root).")]
pub struct VerifyBlobArgs {
    /// The signed file, or its digest written sha256:<64 hex digits>
    #[arg(value_name = "FILE_OR_DIGEST")]
    pub artifact: String,
    /// The Sigstore bundle (JSON)
    #[arg(long, value_name = "FILE")]
    pub bundle: PathBuf,
    /// The certificate identity (SAN e-mail or URI) the signature must carry
    #[arg(
        long,
        value_name = "IDENTITY",
        conflicts_with_all = ["certificate_identity_regexp", "key"]
    )]
    pub certificate_identity: Option<String>,
    /// A regular expression the whole certificate identity must match
    #[arg(long, value_name = "REGEX", conflicts_with = "key")]
    pub certificate_identity_regexp: Option<String>,
    /// The OIDC issuer that must have vouched for the identity
    #[arg(
        long,
        value_name = "URL",
        conflicts_with_all = ["certificate_oidc_issuer_regexp", "key"]
    )]
    pub certificate_oidc_issuer: Option<String>,
    /// A regular expression the whole OIDC issuer must match
    #[arg(long, value_name = "REGEX", conflicts_with = "key")]
    pub certificate_oidc_issuer_regexp: Option<String>,
    /// A PEM public key the bundle must be signed with (a managed-key bundle)
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,
    /// A signing policy whose principals may sign (default: .gitseal/policy.toml at HEAD)
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with_all = ["certificate_identity", "certificate_identity_regexp", "certificate_oidc_issuer", "certificate_oidc_issuer_regexp", "key"]
    )]
    pub policy: Option<PathBuf>,
    /// A principal (NAME) or group (@GROUP) of the policy that may sign, in place of its
    /// [release_files] signers; more than once for several
    #[arg(
        long,
        value_name = "NAME",
        conflicts_with_all = ["certificate_identity", "certificate_identity_regexp", "certificate_oidc_issuer", "certificate_oidc_issuer_regexp", "key"]
    )]
    pub principal: Vec<String>,
    /// The event that triggered the GitHub workflow that signed (e.g. push)
    #[arg(long, value_name = "EVENT", conflicts_with = "key")]
    pub certificate_github_workflow_trigger: Option<String>,
    /// The commit the signing GitHub workflow ran on
    #[arg(long, value_name = "SHA", conflicts_with = "key")]
    pub certificate_github_workflow_sha: Option<String>,
    /// The name of the signing GitHub workflow
    #[arg(long, value_name = "NAME", conflicts_with = "key")]
    pub certificate_github_workflow_name: Option<String>,
    /// The repository of the signing GitHub workflow (owner/name)
    #[arg(long, value_name = "OWNER/NAME", conflicts_with = "key")]
    pub certificate_github_workflow_repository: Option<String>,
    /// The ref the signing GitHub workflow ran on (e.g. refs/heads/main)
    #[arg(long, value_name = "REF", conflicts_with = "key")]
    pub certificate_github_workflow_ref: Option<String>,
    /// The Sigstore trusted root (trusted_root.json) to verify against
    #[arg(long, value_name = "FILE")]
    pub trusted_root: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Parse the policy and report the first error with file:line
    Check(PolicySource),
    /// Print who may sign what
    Describe(PolicySource),
    /// Print an allowed_signers file with the policy's SSH keys (for plain git)
    ExportAllowedSigners(PolicySource),
    /// Write a first policy naming you, from your configured signing key
    Init(PolicyInitArgs),
    /// Add a principal to the policy file, or a credential to one
    AddPrincipal(AddPrincipalArgs),
    /// Add a rule saying who may sign commits, merges or tags on some refs
    AddRule(AddRuleArgs),
    /// Show who gains or loses what between two policies
    Diff(PolicyDiffArgs),
}

#[derive(Debug, clap::Args)]
#[command(after_help = "\
The policy names you as its one principal, with the key git signs with: user.signingKey
for the ssh format (a key file, or `key::` and the key), the OpenPGP key gpg would use
(user.signingKey, else your committer identity; its certificate is written to the keys
directory beside the policy), or your Sigstore identity (--identity and --issuer, else the
certificate `gitseal login` cached). Its rules: only the group maintainers (you) may sign
on the branch HEAD names, which may not be force-pushed or deleted; tags v* are signed by
maintainers; only you may change .gitseal/. Commit the policy signed, then set the anchor:
git config gitseal.anchor \"$(git rev-parse HEAD)\".")]
pub struct PolicyInitArgs {
    /// The policy file to write (default: .gitseal/policy.toml at the top of the work tree)
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Your principal's name (default: user.email)
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Which of your keys to name (default: gitseal.format, else gpg.format)
    #[arg(long, value_enum)]
    pub format: Option<SetupFormat>,
    /// Your Sigstore identity: the certificate's e-mail address or URI (with --issuer)
    #[arg(long, value_name = "IDENTITY", requires = "issuer")]
    pub identity: Option<String>,
    /// The OIDC issuer that vouches for --identity (e.g. https://github.com/login/oauth)
    #[arg(long, value_name = "URL", requires = "identity")]
    pub issuer: Option<String>,
    /// The branch to protect (default: the branch HEAD names)
    #[arg(long, value_name = "BRANCH")]
    pub branch: Option<String>,
    /// Replace an existing policy (and certificate file)
    #[arg(long)]
    pub force: bool,
}

/// The one credential `policy add-principal` adds.
#[derive(Debug, clap::Args)]
#[group(required = true, multiple = false)]
pub struct CredentialArgs {
    /// An SSH public key: a key file, or the key itself (`ssh-ed25519 AAAA...`)
    #[arg(long, value_name = "KEY")]
    pub ssh: Option<String>,
    /// An SSH certificate authority's public key (a key file or the key itself): user
    /// certificates it signed for a --cert-principal
    #[arg(long, value_name = "KEY")]
    pub ssh_ca: Option<String>,
    /// An OpenPGP certificate's primary fingerprint (its certificate from --cert, or
    /// already in the keys directory)
    #[arg(long, value_name = "FINGERPRINT")]
    pub openpgp: Option<String>,
    /// A Sigstore identity: the OIDC issuer's URL and the certificate's e-mail or URI
    #[arg(long, num_args = 2, value_names = ["ISSUER", "SUBJECT"])]
    pub sigstore: Option<Vec<String>>,
    /// A Sigstore identity by pattern: the issuer's URL and a regular expression anchored
    /// with ^ and $ (e.g. a CI workflow's URI)
    #[arg(long, num_args = 2, value_names = ["ISSUER", "REGEX"])]
    pub sigstore_regex: Option<Vec<String>>,
}

#[derive(Debug, clap::Args)]
pub struct AddPrincipalArgs {
    /// The principal's name: letters, digits and . _ - + @ (not first)
    #[arg(value_name = "NAME")]
    pub name: String,
    #[command(flatten)]
    pub credential: CredentialArgs,
    /// The certificate file for --openpgp: the certificate with that fingerprint is
    /// written (public parts only) to the keys directory beside the policy
    #[arg(long, value_name = "FILE", requires = "openpgp")]
    pub cert: Option<PathBuf>,
    /// For --ssh-ca: a certificate principal (a name or an OpenSSH pattern, `*@example.org`)
    /// the CA's certificates may speak for; repeat for more
    #[arg(long, value_name = "NAME", requires = "ssh_ca")]
    pub cert_principal: Vec<String>,
    /// Also make the principal a member of this group (created if absent)
    #[arg(long, value_name = "GROUP")]
    pub group: Vec<String>,
    /// The policy file to change (default: .gitseal/policy.toml at the top of the work tree)
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Replace a certificate file of the keys directory that holds something else
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, clap::Args)]
#[command(after_help = "\
WHO is a principal's name, @GROUP, or * (any principal). A list left out allows any
principal; --merges defaults to --commits. Rules are tried in order and the first whose refs
match decides: a rule is added last unless --first is given, and one that could never apply
is refused.")]
pub struct AddRuleArgs {
    /// Full ref names or glob patterns (refs/heads/main, refs/tags/v*)
    #[arg(long, value_name = "PATTERN", num_args = 1.., required = true)]
    pub refs: Vec<String>,
    /// Who may sign commits on these refs
    #[arg(long, value_name = "WHO", num_args = 1..)]
    pub commits: Option<Vec<String>>,
    /// Who may sign merge commits (default: as --commits)
    #[arg(long, value_name = "WHO", num_args = 1..)]
    pub merges: Option<Vec<String>>,
    /// Who may sign annotated tags
    #[arg(long, value_name = "WHO", num_args = 1..)]
    pub tags: Option<Vec<String>>,
    /// Allow pushes that are not fast-forwards
    #[arg(long)]
    pub allow_force_push: bool,
    /// Allow deleting these refs
    #[arg(long)]
    pub allow_delete: bool,
    /// Try this rule before the others
    #[arg(long)]
    pub first: bool,
    /// The policy file to change (default: .gitseal/policy.toml at the top of the work tree)
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
#[command(after_help = "\
OLD and NEW are each a revision (its .gitseal/policy.toml and .gitseal/keys) or a policy
file (with the keys directory beside it); a revision without a policy is an empty one.
Lines start with + (gained, added), - (lost, removed) or ~ (changed). Names that are not
plain (blanks, quotes, commas, a leading @, anything beyond ASCII) are shown quoted.")]
pub struct PolicyDiffArgs {
    /// The policy before: a revision or a file
    #[arg(value_name = "OLD")]
    pub old: String,
    /// The policy after: a revision or a file
    #[arg(value_name = "NEW")]
    pub new: String,
    /// Exit with 1 when the policies differ
    #[arg(long)]
    pub exit_code: bool,
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
