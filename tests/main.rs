//! gitseal's integration tests: one binary (DESIGN.md section 8). Every test runs in its own
//! hermetic environment (`support`) and, wherever a reference program exists, checks
//! gitseal against it: git for the signing contract, ssh-keygen for the `-Y` dialect.

mod support;

mod adversarial_openpgp;
mod adversarial_output;
mod adversarial_push;
mod adversarial_redteam;
mod adversarial_signing;
mod adversarial_sigstore;
mod adversarial_store;
mod allowed_signers;
mod ci_recipes;
mod cli;
mod credential_store;
mod cross_verify;
mod debug_log;
mod docs;
mod fault_injection;
mod fuzz_smoke;
mod git_ssh;
mod hostile;
mod monitor;
mod monitor_v2;
mod openpgp_brainpool;
mod openpgp_gnupg;
mod openpgp_gpg_text;
mod openpgp_push;
mod openpgp_sigcache;
mod openpgp_sign;
mod openpgp_verify;
mod passphrase;
mod policy_cli;
mod pre_receive;
mod revocation;
mod setup;
mod sigstore_blob;
mod sigstore_claims;
mod sigstore_conformance;
mod sigstore_interop;
mod sigstore_rekor_v2;
mod sigstore_sign;
mod sigstore_stack;
mod sigstore_tsa;
mod sigstore_vectors;
mod ssh_agent;
mod ssh_keygen_dialect;
mod third_party_data;
mod verify_object;
mod verify_openpgp;
mod verify_policy;
mod verify_ssh_ca;
