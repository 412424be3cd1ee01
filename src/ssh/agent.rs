//! ssh-agent: is the key there, and sign with it.

use ssh_agent_client_rs::{Client, Identity};
use ssh_key::Signature;
use std::path::Path;

/// A connection to the user's ssh-agent.
pub struct Agent {
    client: Client,
    identities: Vec<Identity<'static>>,
}

impl Agent {
    /// Connects to the agent at `socket` (`SSH_AUTH_SOCK`).
    pub fn connect(socket: &Path) -> Result<Self, String> {
        let client = Client::connect(socket).map_err(|e| e.to_string())?;
        Ok(Self {
            client,
            identities: Vec::new(),
        })
    }

    /// Whether the agent holds the key (or certificate) whose wire blob is `public_blob`.
    pub fn has_key(&mut self, public_blob: &[u8]) -> Result<bool, String> {
        self.identities = self
            .client
            .list_all_identities()
            .map_err(|e| e.to_string())?;
        Ok(self.find(public_blob).is_some())
    }

    fn find(&self, public_blob: &[u8]) -> Option<&Identity<'static>> {
        self.identities.iter().find(|identity| {
            identity_blob(identity).is_some_and(|blob| blob == public_blob)
                || plain_blob(identity).is_some_and(|blob| blob == public_blob)
        })
    }

    /// Asks the agent to sign `data` with the key whose blob is `public_blob`, or, when
    /// the agent's list could not be read, with the plain key `key`.
    ///
    /// ssh-key 0.6.7 cannot parse certificates without an expiry, so one such certificate
    /// in the agent makes the whole identity list unreadable; the agent still signs for a
    /// key it holds when asked by blob, which is all `-U` needs.
    pub fn sign(
        &mut self,
        public_blob: &[u8],
        key: &ssh_key::public::KeyData,
        data: &[u8],
    ) -> Result<Signature, String> {
        let identity = match self.find(public_blob).cloned() {
            Some(identity) => identity,
            None => Identity::from(ssh_key::PublicKey::new(key.clone(), "")),
        };
        self.client
            .sign_with_ref(&identity, data)
            .map_err(|e| e.to_string())
    }
}

fn identity_blob(identity: &Identity<'_>) -> Option<Vec<u8>> {
    match identity {
        Identity::PublicKey(key) => Some(super::key::to_blob(key.key_data())),
        Identity::Certificate(cert) => cert.to_bytes().ok(),
    }
}

/// A certificate in the agent also signs for its plain key.
fn plain_blob(identity: &Identity<'_>) -> Option<Vec<u8>> {
    match identity {
        Identity::PublicKey(_) => None,
        Identity::Certificate(cert) => Some(super::key::to_blob(cert.public_key())),
    }
}
