//! The SSH room: SSHSIG signatures as `ssh-keygen -Y` makes and checks them.

pub mod agent;
pub mod allowed_signers;
pub mod certificate;
pub mod key;
pub mod private_key;
pub mod public_key;
pub mod revocation;
pub mod sign;
pub mod sshsig;
pub mod time;
pub mod verifier;
pub mod verify;
pub mod webauthn;
