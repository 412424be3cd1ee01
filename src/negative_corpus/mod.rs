//! The negative corpus (DESIGN.md section 8): bad inputs, each made from a real good input
//! by one mutation, each refused with its own reason, none a panic, none a hang.
//!
//! Every area (SSH, OpenPGP, Sigstore, the policy, commit headers) builds its fixtures in
//! process and returns an [`Area`]: the good inputs (*bases*), which must be accepted, and
//! the cases made from them. A case's check returns a stable reason name (the error's
//! `reason()`/`kind()`/`name()`, prefixed by the area) or [`ACCEPTED`]; the runner asserts
//! that each base is accepted, that each case gives exactly its expected reason, that
//! nothing panics, and that every check ends within [`LIMIT`]. Checks run on their own
//! thread, so a hang fails its case instead of the whole test run.

mod headers;
mod openpgp;
mod policy;
mod rekor_v2;
mod sigstore;
mod ssh;

use std::collections::BTreeSet;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

/// What a check returns when the input was accepted.
pub(crate) const ACCEPTED: &str = "accepted";

/// The hang guard: no single check may take longer. Generous for a loaded two-core
/// machine and a debug build; a real hang takes forever, not a few seconds.
const LIMIT: Duration = Duration::from_secs(2);

/// The corpus must stay at least this large (the hardening issue asks for 150).
const MIN_CASES: usize = 150;

/// A check: runs one input through the code under test and names the outcome.
pub(crate) type Check = Arc<dyn Fn() -> String + Send + Sync>;

/// One bad input and the reason it must be refused with.
pub(crate) struct Case {
    pub name: String,
    pub expected: String,
    pub check: Check,
}

/// A good input the cases are made from; it must be accepted.
pub(crate) struct Base {
    pub name: String,
    pub check: Check,
}

/// The bases and cases of one area; reasons are prefixed with the area's name.
pub(crate) struct Area {
    pub name: &'static str,
    pub bases: Vec<Base>,
    pub cases: Vec<Case>,
}

impl Area {
    pub fn new(name: &'static str) -> Self {
        Self {
            name,
            bases: Vec::new(),
            cases: Vec::new(),
        }
    }

    pub fn base(&mut self, name: &str, check: impl Fn() -> String + Send + Sync + 'static) {
        self.bases.push(Base {
            name: name.to_string(),
            check: Arc::new(check),
        });
    }

    /// Adds a case; `expected` is the reason without the area prefix.
    pub fn case(
        &mut self,
        name: &str,
        expected: &str,
        check: impl Fn() -> String + Send + Sync + 'static,
    ) {
        assert!(
            !self.cases.iter().any(|c| c.name == name),
            "{}: two cases named {name}",
            self.name
        );
        self.cases.push(Case {
            name: name.to_string(),
            expected: format!("{}:{expected}", self.name),
            check: Arc::new(check),
        });
    }

    /// Runs every base and case; panics listing every failure.
    fn run(&self) {
        let mut failures = Vec::new();
        for base in &self.bases {
            match run_one(&base.check) {
                Ok((got, _)) if got == ACCEPTED => {}
                Ok((got, _)) => failures.push(format!("base {}: refused with {got}", base.name)),
                Err(problem) => failures.push(format!("base {}: {problem}", base.name)),
            }
        }
        assert!(
            failures.is_empty(),
            "{}: a good input is refused, so no case below would mean anything:\n{}",
            self.name,
            failures.join("\n")
        );
        for case in &self.cases {
            match run_one(&case.check) {
                Ok((got, _)) => {
                    let got = if got == ACCEPTED {
                        got
                    } else {
                        format!("{}:{got}", self.name)
                    };
                    if got != case.expected {
                        failures.push(format!(
                            "{}: expected {}, got {got}",
                            case.name, case.expected
                        ));
                    }
                }
                Err(problem) => failures.push(format!("{}: {problem}", case.name)),
            }
        }
        assert!(
            failures.is_empty(),
            "{}: {} of {} cases failed:\n{}",
            self.name,
            failures.len(),
            self.cases.len(),
            failures.join("\n")
        );
    }
}

/// Runs a check on its own thread: its outcome and time, or why there is none (a panic,
/// or no answer within [`LIMIT`]).
fn run_one(check: &Check) -> Result<(String, Duration), String> {
    let check = Arc::clone(check);
    let (tx, rx) = mpsc::channel();
    let start = Instant::now();
    std::thread::spawn(move || {
        let outcome = catch_unwind(AssertUnwindSafe(|| check()));
        // The receiver may have given up (a hang); nobody is left to tell.
        let _ = tx.send(outcome);
    });
    match rx.recv_timeout(LIMIT) {
        Ok(Ok(reason)) => {
            let took = start.elapsed();
            if took > LIMIT {
                return Err(format!("took {took:?}, over the {LIMIT:?} hang guard"));
            }
            Ok((reason, took))
        }
        Ok(Err(panic)) => {
            let text = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            Err(format!("panicked: {text}"))
        }
        Err(_) => Err(format!("no answer within {LIMIT:?} (a hang)")),
    }
}

fn areas() -> Vec<Area> {
    vec![
        ssh::corpus(),
        openpgp::corpus(),
        sigstore::corpus(),
        rekor_v2::corpus(),
        policy::corpus(),
        headers::corpus(),
    ]
}

#[test]
fn negative_corpus_ssh() {
    ssh::corpus().run();
}

#[test]
fn negative_corpus_openpgp() {
    openpgp::corpus().run();
}

#[test]
fn negative_corpus_sigstore() {
    sigstore::corpus().run();
}

#[test]
fn negative_corpus_rekor_v2() {
    rekor_v2::corpus().run();
}

#[test]
fn negative_corpus_policy() {
    policy::corpus().run();
}

#[test]
fn negative_corpus_headers() {
    headers::corpus().run();
}

/// The corpus is as large as the issue asks, and its reasons are many: a corpus whose
/// cases all expect one catch-all reason would prove little about which check fired.
#[test]
fn negative_corpus_is_large_and_specific() {
    let areas = areas();
    let total: usize = areas.iter().map(|a| a.cases.len()).sum();
    let reasons: BTreeSet<&str> = areas
        .iter()
        .flat_map(|a| a.cases.iter().map(|c| c.expected.as_str()))
        .collect();
    for area in &areas {
        let mine: BTreeSet<&str> = area.cases.iter().map(|c| c.expected.as_str()).collect();
        println!(
            "{}: {} cases, {} bases, {} distinct reasons",
            area.name,
            area.cases.len(),
            area.bases.len(),
            mine.len()
        );
        assert!(
            !area.bases.is_empty(),
            "{}: cases without a base",
            area.name
        );
    }
    println!("total: {total} cases, {} distinct reasons", reasons.len());
    assert!(total >= MIN_CASES, "only {total} cases");
    assert!(
        !reasons.iter().any(|r| r.ends_with(ACCEPTED)),
        "a case that expects acceptance is not a negative case"
    );
    // One reason for more than a quarter of the corpus would be a catch-all.
    for reason in &reasons {
        let uses = areas
            .iter()
            .flat_map(|a| &a.cases)
            .filter(|c| c.expected == *reason)
            .count();
        assert!(uses * 4 <= total, "{reason} covers {uses} of {total} cases");
    }
    assert!(
        reasons.len() >= 60,
        "only {} distinct reasons",
        reasons.len()
    );
}
