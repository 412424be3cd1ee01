//! ssh-keygen's words, exactly: git parses the first line of stdout ("Good ..."), and
//! people read the rest (reference/git-contract.md sections 3.4 and 6.4).
//!
//! Principals and comments come from allowed_signers and key files, hash names and
//! namespaces from signatures: escaped (escape::text) where ssh-keygen prints them raw, so
//! that a principal cannot add a line to find-principals' answer or drive the terminal.
//! A principal holding such characters therefore never round-trips through git's
//! find-principals-then-verify, and no honest one holds them.

use super::escape::text;
use crate::ssh::allowed_signers::LineProblem;
use crate::ssh::sshsig::SshSigError;
use crate::ssh::time::format_absolute_time;
use crate::ssh::verify::LineRejection;
use std::io::Write;

/// `Good "git" signature [for <principal>] with <TYPE> key SHA256:...`
pub fn good(
    out: &mut dyn Write,
    namespace: &str,
    principal: Option<&str>,
    key_type: &str,
    fingerprint: &str,
) {
    super::log::event(
        "verdict",
        &format!(
            "good {namespace} signature for {} with {key_type} key {fingerprint}",
            principal.unwrap_or("(no principal)")
        ),
    );
    let (namespace, key_type, fingerprint) = (text(namespace), text(key_type), text(fingerprint));
    let _ = match principal {
        Some(p) => writeln!(
            out,
            "Good \"{namespace}\" signature for {} with {key_type} key {fingerprint}",
            text(p)
        ),
        None => writeln!(
            out,
            "Good \"{namespace}\" signature with {key_type} key {fingerprint}"
        ),
    };
}

/// The one stdout line of any failed verification.
pub fn could_not_verify(out: &mut dyn Write) {
    super::log::event("verdict", "could not verify");
    let _ = writeln!(out, "Could not verify signature.");
}

/// A signature that failed its own check, in ssh-keygen's words.
pub fn signature_error(err: &mut dyn Write, error: &SshSigError) {
    super::log::event("verdict", &format!("bad signature: {error}"));
    let _ = match error {
        SshSigError::NamespaceMismatch => {
            writeln!(err, "Couldn't verify signature: namespace does not match")
        }
        other => writeln!(
            err,
            "Signature verification failed: {}",
            text(&other.to_string())
        ),
    };
}

/// Why a matching allowed_signers line did not allow the key.
pub fn line_rejection(err: &mut dyn Write, path: &str, rejection: &LineRejection) {
    let local = chrono::Local;
    let path = text(path);
    let _ = match rejection {
        LineRejection::Namespace { line, namespace } => writeln!(
            err,
            "{path}:{line}: key is not permitted for use in signature namespace \"{}\"",
            text(namespace)
        ),
        LineRejection::NotYetValid {
            line,
            time,
            valid_after,
        } => writeln!(
            err,
            "{path}:{line}: key is not yet valid: verify time {} < valid-after {}",
            format_absolute_time(*time, &local),
            format_absolute_time(*valid_after, &local)
        ),
        LineRejection::Expired {
            line,
            time,
            valid_before,
        } => writeln!(
            err,
            "{path}:{line}: key has expired: verify time {} > valid-before {}",
            format_absolute_time(*time, &local),
            format_absolute_time(*valid_before, &local)
        ),
        LineRejection::Certificate { line, reason } => {
            writeln!(
                err,
                "{path}:{line}: certificate not authorized: {}",
                text(&reason.to_string())
            )
        }
        LineRejection::NoValidPrincipals { line } => {
            writeln!(err, "{path}:{line}: no valid principals found")
        }
    };
}

/// A line of allowed_signers that could not be parsed (and is skipped, as ssh-keygen does).
pub fn allowed_signers_problem(err: &mut dyn Write, path: &str, problem: &LineProblem) {
    let _ = writeln!(err, "{}", text(&problem.describe(path)));
}

/// The key was revoked. ssh-keygen says nothing; we say why verification failed.
pub fn revoked(err: &mut dyn Write, fingerprint: &str) {
    let _ = writeln!(err, "Signature key {} is revoked", text(fingerprint));
}

/// find-principals' answer: one principal per line.
pub fn principals(out: &mut dyn Write, principals: &[String]) {
    for p in principals {
        let _ = writeln!(out, "{}", text(p));
    }
}

pub fn no_principal(err: &mut dyn Write) {
    let _ = writeln!(err, "No principal matched.");
}

/// Progress lines of `-Y sign` (on stderr; stdout belongs to git).
pub fn signing_file(err: &mut dyn Write, file: &str) {
    let _ = writeln!(err, "Signing file {}", text(file));
}

pub fn wrote_signature(err: &mut dyn Write, sig_file: &str) {
    super::log::event("signed", &format!("wrote {sig_file}"));
    let _ = writeln!(err, "Write signature to {}", text(sig_file));
}

pub fn signing_stdin(err: &mut dyn Write) {
    let _ = writeln!(err, "Signing data on standard input");
}

/// An armored signature on stdout (`-Y sign` without a file).
pub fn signature(out: &mut dyn Write, armored: &str) {
    super::log::event("signed", "signature written to stdout");
    let _ = out.write_all(armored.as_bytes());
}

/// `-Y check-novalidate -O print-pubkey`: the signer's key, as an OpenSSH public key line.
pub fn public_key(out: &mut dyn Write, openssh: &str) {
    let _ = writeln!(out, "{}", text(openssh));
}

/// `-l`: `<bits> SHA256:<b64> <comment> (<TYPE>)`.
pub fn fingerprint(
    out: &mut dyn Write,
    bits: u32,
    fingerprint: &str,
    comment: &str,
    key_type: &str,
) {
    let comment = if comment.is_empty() {
        "no comment"
    } else {
        comment
    };
    let _ = writeln!(
        out,
        "{bits} {} {} ({})",
        text(fingerprint),
        text(comment),
        text(key_type)
    );
}

/// Any other message in ssh-keygen's style (no prefix).
pub fn message(err: &mut dyn Write, message: &str) {
    let _ = writeln!(err, "{}", text(message));
}
