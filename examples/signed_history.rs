//! Writes a linear history of signed commits into a repository, in-process and fast, for
//! `scripts/bench-verify.sh` and `scripts/bench-sigstore.sh` (the `gitseal verify`
//! benchmarks): SSH-signed with `--key`; OpenPGP-signed with `--openpgp TSK` (an armored,
//! unencrypted secret key as `gpg --export-secret-keys --armor` writes it; the signature is
//! the one `gpg -bsau` makes, by gitseal's own OpenPGP signer, and the public certificate goes
//! into `.gitseal/keys/bench.asc` beside the policy); or, with `--sigstore-root FILE`, signed as
//! gitsign's offline mode signs by the tests' own Sigstore instance
//! (tests/support/sigstore_stack.rs: a fresh key and certificate per commit, the entry in a
//! real Merkle tree, SET and checkpoint), whose `trusted_root.json` is written to FILE.
//!
//! ```text
//! cargo run --release --example signed_history -- \
//!     --repo DIR (--key KEY | --openpgp TSK | --sigstore-root FILE) --count N [--start-time UNIX]
//!     [--name NAME --email EMAIL]
//! ```
//!
//! `DIR` must be an existing git repository (`git init`); `KEY` an unencrypted OpenSSH
//! private key (`KEY.pub` beside it). Writes `N` commits, each signed with the key through
//! gitseal's own signer (namespace "git", SHA-512, as git and ssh-keygen do), with the
//! signature in a `gpgsig` header exactly where and how git puts it. The first commit adds
//! `.gitseal/policy.toml`, allowing the key's principal on refs/heads/main and to change the
//! policy; every commit changes `counter.txt`, so every commit has its own root tree and a
//! verifier has to look `.gitseal` up again in each. Objects are written loose with gix;
//! pack them afterwards (`git repack -adq`). Prints `first <id>` and `tip <id>` on stdout and
//! sets nothing else: the caller points a ref at the tip (`git update-ref`).

#[allow(dead_code)]
#[path = "../tests/support/sigstore_stack.rs"]
mod sigstore_stack;

use gitseal::secret::Secret;
use gitseal::ssh::sign::{SignerRequest, SshSigner};
use gix::hash::ObjectId;
use gix::object::Kind;
use gix::objs::Write as _;
use ssh_key::HashAlg;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

struct Args {
    repo: PathBuf,
    key: PathBuf,
    openpgp: PathBuf,
    sigstore_root: PathBuf,
    count: usize,
    start_time: i64,
    name: String,
    email: String,
}

fn usage() -> ! {
    eprintln!(
        "usage: signed_history --repo DIR (--key KEY | --openpgp TSK | --sigstore-root FILE) --count N [--start-time UNIX] [--name NAME] [--email EMAIL]"
    );
    std::process::exit(2)
}

fn parse_args() -> Args {
    let mut args = Args {
        repo: PathBuf::new(),
        key: PathBuf::new(),
        openpgp: PathBuf::new(),
        sigstore_root: PathBuf::new(),
        count: 0,
        start_time: 1_700_000_000,
        name: "Bench Signer".into(),
        email: "bench@example.org".into(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().unwrap_or_else(|| usage());
        match flag.as_str() {
            "--repo" => args.repo = value.into(),
            "--key" => args.key = value.into(),
            "--openpgp" => args.openpgp = value.into(),
            "--sigstore-root" => args.sigstore_root = value.into(),
            "--count" => args.count = value.parse().unwrap_or_else(|_| usage()),
            "--start-time" => args.start_time = value.parse().unwrap_or_else(|_| usage()),
            "--name" => args.name = value,
            "--email" => args.email = value,
            _ => usage(),
        }
    }
    let signers = [&args.key, &args.openpgp, &args.sigstore_root]
        .iter()
        .filter(|p| !p.as_os_str().is_empty())
        .count();
    if args.count == 0 || args.repo.as_os_str().is_empty() || signers != 1 {
        usage();
    }
    args
}

/// A tree entry: mode, name, id. Trees are written by hand (the bytes git writes).
fn tree_bytes(entries: &mut [(&str, &[u8], ObjectId)]) -> Vec<u8> {
    // git sorts tree entries by name, with a '/' appended to the names of subtrees.
    let key = |(mode, name, _): &(&str, &[u8], ObjectId)| {
        let mut k = name.to_vec();
        if *mode == "40000" {
            k.push(b'/');
        }
        k
    };
    entries.sort_by_key(key);
    let mut out = Vec::with_capacity(entries.len() * 40);
    for (mode, name, id) in entries.iter() {
        out.extend_from_slice(mode.as_bytes());
        out.push(b' ');
        out.extend_from_slice(name);
        out.push(0);
        out.extend_from_slice(id.as_bytes());
    }
    out
}

/// Who signs the history.
enum HistorySigner {
    Ssh(Box<SshSigner>),
    OpenPgp(Box<sequoia_openpgp::crypto::KeyPair>, String),
    Sigstore(Box<sigstore_stack::Stack>, sigstore_stack::Identity),
}

impl HistorySigner {
    /// The armored signature of `payload`, a commit made at `time`.
    fn sign(&mut self, payload: &[u8], time: i64) -> Result<String, String> {
        match self {
            HistorySigner::Ssh(signer) => signer
                .sign("git", HashAlg::Sha512, payload)
                .map_err(|e| e.to_string()),
            HistorySigner::OpenPgp(pair, uid) => gitseal::openpgp::sign::sign_detached(
                pair.as_mut(),
                payload,
                gitseal::openpgp::at(time),
                Some(uid),
            )
            .map(|made| made.armored)
            .map_err(|e| e.to_string()),
            // Certified from the commit's time, logged two seconds later.
            HistorySigner::Sigstore(stack, who) => Ok(stack.sign(payload, who, time)),
        }
    }
}

/// The SSH signer of `--key`, and a policy naming its key.
fn ssh_signer(args: &Args) -> Result<(HistorySigner, String), String> {
    let signer = SshSigner::load(
        &SignerRequest {
            key_path: &args.key,
            require_agent: false,
            agent_socket: None,
        },
        &mut |_prompt: &str| -> Result<Secret, String> {
            Err("the benchmark key must not have a passphrase".into())
        },
    )
    .map_err(|e| e.to_string())?;
    let public = std::fs::read_to_string(format!("{}.pub", args.key.display()))
        .map_err(|e| format!("{}.pub: {e}", args.key.display()))?;
    let public: String = public
        .split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ");

    // The policy, in the first commit's tree and never changed afterwards.
    let policy = format!(
        "version = 1\n\n[principals.bench]\nssh = [\"{public} {email}\"]\n\n\
         [[rules]]\nrefs = [\"refs/heads/main\"]\ncommits = [\"bench\"]\n\n\
         [policy_changes]\nsigners = [\"bench\"]\n",
        email = args.email
    );
    Ok((HistorySigner::Ssh(Box::new(signer)), policy))
}

/// The OpenPGP signer of `--openpgp` (its signing-capable key), a policy naming the
/// certificate's fingerprint, and the public certificate, armored, for `.gitseal/keys/`.
fn openpgp_signer(args: &Args) -> Result<(HistorySigner, String, Vec<u8>), String> {
    use sequoia_openpgp::Cert;
    use sequoia_openpgp::parse::Parse;
    use sequoia_openpgp::serialize::SerializeInto;
    let cert =
        Cert::from_file(&args.openpgp).map_err(|e| format!("{}: {e}", args.openpgp.display()))?;
    let policy = gitseal::openpgp::policy();
    let key = cert
        .keys()
        .with_policy(&policy, None)
        .alive()
        .revoked(false)
        .for_signing()
        .secret()
        .next()
        .ok_or_else(|| format!("{}: no secret signing key", args.openpgp.display()))?;
    let pair = key.key().clone().into_keypair().map_err(|e| {
        format!(
            "{}: {e} (the key must not be encrypted)",
            args.openpgp.display()
        )
    })?;
    let public = cert
        .armored()
        .to_vec()
        .map_err(|e| format!("cannot armor the certificate: {e}"))?;
    let policy = format!(
        "version = 1\n\n[principals.bench]\nopenpgp = [\"{fingerprint}\"]\n\n\
         [[rules]]\nrefs = [\"refs/heads/main\"]\ncommits = [\"bench\"]\n\n\
         [policy_changes]\nsigners = [\"bench\"]\n",
        fingerprint = cert.fingerprint().to_hex()
    );
    Ok((
        HistorySigner::OpenPgp(Box::new(pair), args.email.clone()),
        policy,
        public,
    ))
}

/// The test Sigstore instance (its trusted root written to `--sigstore-root`), and a policy
/// naming the signer's identity.
fn sigstore_signer(args: &Args) -> Result<(HistorySigner, String), String> {
    let stack = sigstore_stack::Stack::new();
    std::fs::write(&args.sigstore_root, stack.trusted_root())
        .map_err(|e| format!("{}: {e}", args.sigstore_root.display()))?;
    let who = sigstore_stack::Identity {
        email: args.email.clone(),
        issuer: "https://issuer.gitseal.test".into(),
    };
    let policy = format!(
        "version = 1\n\n[principals.bench]\nsigstore = [{{ issuer = \"{issuer}\", subject = \"{email}\" }}]\n\n\
         [[rules]]\nrefs = [\"refs/heads/main\"]\ncommits = [\"bench\"]\n\n\
         [policy_changes]\nsigners = [\"bench\"]\n",
        email = args.email,
        issuer = who.issuer
    );
    Ok((HistorySigner::Sigstore(Box::new(stack), who), policy))
}

fn run() -> Result<(), String> {
    let args = parse_args();
    let started = Instant::now();
    let repo = gix::open(&args.repo).map_err(|e| format!("{}: {e}", args.repo.display()))?;
    let write = |kind: Kind, bytes: &[u8]| -> Result<ObjectId, String> {
        repo.objects
            .write_buf(kind, bytes)
            .map_err(|e| format!("cannot write object: {e}"))
    };

    let (mut signer, policy, certificate) = if !args.openpgp.as_os_str().is_empty() {
        let (signer, policy, certificate) = openpgp_signer(&args)?;
        (signer, policy, Some(certificate))
    } else if args.sigstore_root.as_os_str().is_empty() {
        let (signer, policy) = ssh_signer(&args)?;
        (signer, policy, None)
    } else {
        let (signer, policy) = sigstore_signer(&args)?;
        (signer, policy, None)
    };
    let policy_blob = write(Kind::Blob, policy.as_bytes())?;
    let mut gitseal_entries = vec![("100644", &b"policy.toml"[..], policy_blob)];
    if let Some(certificate) = &certificate {
        let blob = write(Kind::Blob, certificate)?;
        let keys = write(
            Kind::Tree,
            &tree_bytes(&mut [("100644", b"bench.asc", blob)]),
        )?;
        gitseal_entries.push(("40000", &b"keys"[..], keys));
    }
    let gitseal_tree = write(Kind::Tree, &tree_bytes(&mut gitseal_entries))?;
    let readme = write(
        Kind::Blob,
        b"A generated history of signed commits for benchmarking `gitseal verify`.\n",
    )?;

    let ident = format!("{} <{}>", args.name, args.email);
    let mut parent: Option<ObjectId> = None;
    let mut first = None;
    let mut commit = Vec::with_capacity(1024);
    let mut signed = Vec::with_capacity(2048);
    for i in 0..args.count {
        let counter = write(Kind::Blob, format!("{i}\n").as_bytes())?;
        let tree = write(
            Kind::Tree,
            &tree_bytes(&mut [
                ("40000", b".gitseal", gitseal_tree),
                ("100644", b"README", readme),
                ("100644", b"counter.txt", counter),
            ]),
        )?;
        let time = args.start_time + i as i64 * 60;

        // The payload git hands the signer: the commit without its signature header.
        commit.clear();
        commit.extend_from_slice(format!("tree {tree}\n").as_bytes());
        if let Some(parent) = parent {
            commit.extend_from_slice(format!("parent {parent}\n").as_bytes());
        }
        commit.extend_from_slice(format!("author {ident} {time} +0000\n").as_bytes());
        commit.extend_from_slice(format!("committer {ident} {time} +0000\n").as_bytes());
        let headers_end = commit.len();
        let message = if i == 0 {
            "Add the signing policy\n".to_string()
        } else {
            format!("Commit {i}\n\nCounter is now {i}.\n")
        };
        commit.push(b'\n');
        commit.extend_from_slice(message.as_bytes());

        let armor = signer
            .sign(&commit, time)
            .map_err(|e| format!("signing commit {i}: {e}"))?;

        // git's add_header_signature: "gpgsig <first line>", then every further line of the
        // signature prefixed with one space, inserted at the end of the headers.
        signed.clear();
        signed.extend_from_slice(&commit[..headers_end]);
        signed.extend_from_slice(b"gpgsig");
        for line in armor.lines() {
            signed.push(b' ');
            signed.extend_from_slice(line.as_bytes());
            signed.push(b'\n');
        }
        signed.extend_from_slice(&commit[headers_end..]);

        let id = write(Kind::Commit, &signed)?;
        first.get_or_insert(id);
        parent = Some(id);
        if (i + 1) % 10_000 == 0 {
            eprintln!(
                "signed_history: {} commits ({:.1}s)",
                i + 1,
                started.elapsed().as_secs_f64()
            );
        }
    }
    println!("first {}", first.expect("count > 0"));
    println!("tip {}", parent.expect("count > 0"));
    eprintln!(
        "signed_history: wrote {} signed commits in {:.1}s",
        args.count,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("signed_history: {e}");
            ExitCode::from(1)
        }
    }
}
