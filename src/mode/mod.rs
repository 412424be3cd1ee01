//! The modes: one per dialect. Each takes a parsed command, gathers what the backend needs
//! (settings, files, the clock, the terminal), calls the room, and hands results to output.

pub mod blob;
pub mod commands;
pub mod gpg;
mod gpg_sigcache;
mod gpg_x509;
pub mod gpg_x509_policy;
pub mod login;
pub mod monitor;
pub mod policy_edit;
pub mod setup;
pub mod show;
pub mod ssh_keygen;
pub mod verify;
pub mod verify_object;
mod verify_object_keys;
