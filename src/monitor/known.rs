//! The signatures in the monitored repositories: what a log entry is matched against.
//! gitsign and gitseal log a hashedrekord over the SHA-256 of the CMS signed attributes
//! (offline mode, the default of both) or over the SHA-256 of the object's hex id
//! (gitsign's online mode); both digests of every Sigstore signature of every commit and
//! annotated tag reachable from a ref are kept.

use std::collections::HashMap;
use std::path::Path;

use gix::hash::ObjectId;
use sha2::{Digest, Sha256};

use crate::git::signed;
use crate::git::{GitError, Repo};
use crate::signature::Format;
use crate::sigstore::verify::hex;

/// Where a signature was found: `commit <id>` or `tag <id>`, and the repository.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Place {
    pub object: String,
    pub repository: String,
}

/// Digests of signed content (hex) to the objects they sign, each with the SHA-256 of the
/// certificate that signed it: an entry is known only when both match, so that someone
/// who signs the same content again with a certificate of their own (a stolen session
/// replaying your commit) is not taken for you.
#[derive(Debug, Default)]
pub struct Known {
    digests: HashMap<String, Vec<(Place, [u8; 32])>>,
    /// How many Sigstore signatures were read.
    pub signatures: usize,
}

impl Known {
    /// The object whose signature is the logged `digest` signed with the certificate of
    /// SHA-256 `certificate`.
    pub fn find(&self, digest: &str, certificate: &[u8; 32]) -> Option<&Place> {
        self.digests
            .get(digest)?
            .iter()
            .find(|(_, cert)| cert == certificate)
            .map(|(place, _)| place)
    }

    /// Reads every commit and annotated tag reachable from the refs of the repository at
    /// `dir`.
    pub fn add_repository(&mut self, dir: &Path) -> Result<(), GitError> {
        let repo = Repo::open_in(dir, None)?;
        let mut reader = repo.reader()?;
        let name = dir.display().to_string();
        let hash = reader.hash_kind();
        let targets = reader.ref_targets()?;
        let mut tips = Vec::new();
        for target in targets {
            // Annotated tags (a tag of a tag too) down to what they name.
            let mut id = target;
            for _ in 0..32 {
                let (kind, raw) = reader.object(id)?;
                if kind != gix::object::Kind::Tag {
                    break;
                }
                if let Ok(Some(signed)) = signed::split_tag(&raw) {
                    self.add(&signed.signature, id, "tag", &name);
                }
                match tag_target(&raw) {
                    Some(next) => id = next,
                    None => break,
                }
            }
            if let Ok(commit) = reader.peel_to_commit(target) {
                tips.push(commit);
            }
        }
        let range = reader.walk(&tips, &[])?;
        for i in 0..range.len() {
            let id = range.id(i);
            let raw = reader.commit_bytes(id)?;
            if let Ok(Some(signed)) = signed::split_commit(&raw, hash) {
                self.add(&signed.signature, id, "commit", &name);
            }
        }
        Ok(())
    }

    fn add(&mut self, signature: &[u8], id: ObjectId, kind: &str, repository: &str) {
        if Format::from_armor(signature) != Some(Format::X509) {
            return;
        }
        let Ok(cms) = crate::sigstore::cms::parse(signature) else {
            return;
        };
        self.signatures += 1;
        let place = Place {
            object: format!("{kind} {id}"),
            repository: repository.to_string(),
        };
        let id_hex = id.to_string();
        let certificate: [u8; 32] = Sha256::digest(&cms.certificate).into();
        for digest in [
            Sha256::digest(&cms.signed_attrs),
            Sha256::digest(id_hex.as_bytes()),
        ] {
            self.digests
                .entry(hex(&digest))
                .or_default()
                .push((place.clone(), certificate));
        }
    }
}

/// The `object` line of a tag.
fn tag_target(raw: &[u8]) -> Option<ObjectId> {
    let line = raw.split(|b| *b == b'\n').next()?;
    ObjectId::from_hex(line.strip_prefix(b"object ")?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::git::signed::HashKind;

    /// The digest gitsign logged for its upstream fixture (rekor-oid-tlog.json) is the one
    /// read from the commit's signature.
    #[test]
    fn the_logged_digest_is_the_signed_attributes_digest() {
        let tlog: serde_json::Value = serde_json::from_slice(&crate::testdata::read_gitsign(
            "testdata/rekor-oid-tlog.json",
        ))
        .expect("json");
        let body = base64ct::Base64::decode_vec(tlog["body"].as_str().expect("body"));
        use base64ct::Encoding;
        let body: serde_json::Value = serde_json::from_slice(&body.expect("b64")).expect("json");
        let commit = crate::testdata::read_gitsign("testdata/rekor-oid-commit.txt");
        let signed = signed::split_commit(&commit, HashKind::Sha1)
            .ok()
            .flatten()
            .expect("signed");
        let mut known = Known::default();
        let id = ObjectId::from_hex(&[b'0'; 40]).expect("id");
        known.add(&signed.signature, id, "commit", "r");
        let logged = body["spec"]["data"]["hash"]["value"]
            .as_str()
            .expect("digest");
        let pem = base64ct::Base64::decode_vec(
            body["spec"]["signature"]["publicKey"]["content"]
                .as_str()
                .expect("key"),
        )
        .expect("b64");
        let (_, cert) = der::pem::decode_vec(&pem).expect("pem");
        let cert: [u8; 32] = Sha256::digest(&cert).into();
        assert_eq!(
            known.find(logged, &cert).map(|p| p.object.as_str()),
            Some(&*format!("commit {id}"))
        );
        assert_eq!(known.signatures, 1);
        assert!(known.find(&"0".repeat(64), &cert).is_none());
        // The same content signed again under another certificate is not this signature.
        assert!(known.find(logged, &[7; 32]).is_none());
    }
}
