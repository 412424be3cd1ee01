//! Picks the room for a signature by its own bytes (the armor header), never by name.
//! The only place the verifier names concrete backends.

use crate::signature::{
    Failure, FailureKind, Format, SignatureTime, TimeSource, Verdict, Verifier,
};

/// Checks a git object's signature with the room its armor names.
pub fn verify(payload: &[u8], signature: &[u8], committer_time: i64) -> Verdict {
    let Some(format) = Format::from_armor(signature) else {
        return unsupported(
            Format::OpenPgp,
            "signature has no known armor header",
            FailureKind::Malformed,
            committer_time,
        );
    };
    match format {
        Format::Ssh => crate::ssh::verifier::SshVerifier.verify(payload, signature, committer_time),
        other => unsupported(
            other,
            &format!("{other} signatures are not supported by this version of gitseal"),
            FailureKind::Malformed,
            committer_time,
        ),
    }
}

/// The verdict for an object with no signature.
pub fn unsigned(committer_time: i64) -> Verdict {
    Verdict {
        format: Format::Ssh,
        key: None,
        signer: None,
        time: Some(SignatureTime {
            unix: committer_time,
            source: TimeSource::Committer,
        }),
        outcome: Err(Failure {
            kind: FailureKind::Unsigned,
            detail: "unsigned".into(),
        }),
    }
}

/// The verdict for an object whose signature could not even be taken out.
pub fn malformed(committer_time: i64, detail: &str) -> Verdict {
    unsupported(Format::Ssh, detail, FailureKind::Malformed, committer_time)
}

fn unsupported(format: Format, detail: &str, kind: FailureKind, at: i64) -> Verdict {
    Verdict {
        format,
        key: None,
        signer: None,
        time: Some(SignatureTime {
            unix: at,
            source: TimeSource::Committer,
        }),
        outcome: Err(Failure {
            kind,
            detail: detail.to_string(),
        }),
    }
}
