//! Writes a linear history of Sigstore-signed commits into a repository, in-process, for
//! `scripts/bench-sigstore.sh` (the `gitseal verify` benchmark over Sigstore history): every
//! commit signed as gitsign's offline mode signs, by the tests' own Sigstore instance
//! (tests/support/sigstore_stack.rs: a fresh key and certificate per commit, the entry in a
//! real Merkle tree, SET and checkpoint), its `trusted_root.json` written beside.
//!
//! ```text
//! cargo run --release --example sigstore_history -- --repo DIR --count N --root FILE
//! ```
//!
//! Prints `first <id>` and `tip <id>`; the first commit adds `.gitseal/policy.toml`
//! allowing the signer's identity on refs/heads/main.

#[allow(dead_code)]
#[path = "../tests/support/sigstore_stack.rs"]
mod sigstore_stack;

use gix::hash::ObjectId;
use gix::object::Kind;
use gix::objs::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

struct Args {
    repo: PathBuf,
    root: PathBuf,
    count: usize,
    start_time: i64,
    name: String,
    email: String,
}

fn usage() -> ! {
    eprintln!(
        "usage: sigstore_history --repo DIR --root FILE --count N [--start-time UNIX] [--name NAME] [--email EMAIL]"
    );
    std::process::exit(2)
}

fn parse_args() -> Args {
    let mut args = Args {
        repo: PathBuf::new(),
        root: PathBuf::new(),
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
            "--root" => args.root = value.into(),
            "--count" => args.count = value.parse().unwrap_or_else(|_| usage()),
            "--start-time" => args.start_time = value.parse().unwrap_or_else(|_| usage()),
            "--name" => args.name = value,
            "--email" => args.email = value,
            _ => usage(),
        }
    }
    if args.count == 0 || args.repo.as_os_str().is_empty() || args.root.as_os_str().is_empty() {
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

fn run() -> Result<(), String> {
    let args = parse_args();
    let started = Instant::now();
    let repo = gix::open(&args.repo).map_err(|e| format!("{}: {e}", args.repo.display()))?;
    let write = |kind: Kind, bytes: &[u8]| -> Result<ObjectId, String> {
        repo.objects
            .write_buf(kind, bytes)
            .map_err(|e| format!("cannot write object: {e}"))
    };

    let mut stack = sigstore_stack::Stack::new();
    std::fs::write(&args.root, stack.trusted_root())
        .map_err(|e| format!("{}: {e}", args.root.display()))?;
    let who = sigstore_stack::Identity {
        email: args.email.clone(),
        issuer: "https://issuer.gitseal.test".into(),
    };

    // The policy, in the first commit's tree and never changed afterwards.
    let policy = format!(
        "version = 1\n\n[principals.bench]\nsigstore = [{{ issuer = \"{issuer}\", subject = \"{email}\" }}]\n\n\
         [[rules]]\nrefs = [\"refs/heads/main\"]\ncommits = [\"bench\"]\n\n\
         [policy_changes]\nsigners = [\"bench\"]\n",
        email = args.email,
        issuer = who.issuer
    );
    let policy_blob = write(Kind::Blob, policy.as_bytes())?;
    let gitseal_tree = write(
        Kind::Tree,
        &tree_bytes(&mut [("100644", b"policy.toml", policy_blob)]),
    )?;
    let readme = write(
        Kind::Blob,
        b"A generated history of Sigstore-signed commits for benchmarking `gitseal verify`.\n",
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

        // Certified from the commit's time, logged two seconds later.
        let armor = stack.sign(&commit, &who, time);

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
                "sigstore_history: {} commits ({:.1}s)",
                i + 1,
                started.elapsed().as_secs_f64()
            );
        }
    }
    println!("first {}", first.expect("count > 0"));
    println!("tip {}", parent.expect("count > 0"));
    eprintln!(
        "sigstore_history: wrote {} signed commits in {:.1}s",
        args.count,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sigstore_history: {e}");
            ExitCode::from(1)
        }
    }
}
