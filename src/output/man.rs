//! Man pages, from the clap definitions (so they cannot drift from the parser): one for
//! gitseal, one per subcommand (`gitseal-verify-commit(1)`, `gitseal-policy-check(1)`...),
//! each with the EXIT STATUS, ENVIRONMENT and FILES sections clap does not write.

use std::io::Write;
use std::path::Path;

/// Every page: `(file name, command)`, gitseal's first, then each subcommand's,
/// depth first. The `help` subcommand clap adds has none.
pub fn pages(root: &clap::Command) -> Vec<(String, clap::Command)> {
    fn walk(cmd: &clap::Command, path: &str, found: &mut Vec<(String, clap::Command)>) {
        for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
            let name = format!("{path}-{}", sub.get_name());
            let bin = name.replacen('-', " ", path.matches('-').count() + 1);
            found.push((
                format!("{name}.1"),
                sub.clone().name(name.clone()).bin_name(bin),
            ));
            walk(sub, &name, found);
        }
    }
    let mut found = vec![("gitseal.1".to_string(), root.clone())];
    walk(root, "gitseal", &mut found);
    found
}

/// One page in roff.
pub fn render(cmd: &clap::Command, out: &mut dyn Write) -> std::io::Result<()> {
    let top = cmd.get_name() == "gitseal";
    let man = clap_mangen::Man::new(cmd.clone()).manual("gitseal manual");
    man.render_title(out)?;
    man.render_name_section(out)?;
    man.render_synopsis_section(out)?;
    man.render_description_section(out)?;
    if cmd.get_arguments().any(|a| !a.is_hide_set()) {
        man.render_options_section(out)?;
    }
    if cmd.has_subcommands() {
        man.render_subcommands_section(out)?;
    }
    if cmd.get_after_help().is_some() || cmd.get_after_long_help().is_some() {
        man.render_extra_section(out)?;
    }
    exit_status(top, out)?;
    environment(out)?;
    files(out)?;
    see_also(cmd, out)?;
    if cmd.get_version().is_some() {
        man.render_version_section(out)?;
    }
    Ok(())
}

/// Writes every page into `dir` (created if needed); each file whole or not at all.
/// Returns the names written.
pub fn write_all(root: &clap::Command, dir: &Path) -> Result<Vec<String>, String> {
    std::fs::create_dir_all(dir)
        .map_err(|e| format!("{}: {}", dir.display(), crate::error::io_reason(&e)))?;
    let mut written = Vec::new();
    for (name, cmd) in pages(root) {
        let mut page = Vec::new();
        render(&cmd, &mut page).map_err(|e| format!("{name}: {e}"))?;
        let path = dir.join(&name);
        let temporary = dir.join(format!(".{name}.tmp"));
        std::fs::write(&temporary, &page)
            .and_then(|()| std::fs::rename(&temporary, &path))
            .map_err(|e| {
                let _ = std::fs::remove_file(&temporary);
                format!("{}: {}", path.display(), crate::error::io_reason(&e))
            })?;
        written.push(name);
    }
    Ok(written)
}

/// A roff section: a heading and paragraphs, each `(tag, text)` an indented paragraph
/// (a tag of `""` for plain text). Text is escaped for roff.
fn section(out: &mut dyn Write, heading: &str, items: &[(&str, &str)]) -> std::io::Result<()> {
    writeln!(out, ".SH \"{heading}\"")?;
    for (tag, text) in items {
        if tag.is_empty() {
            writeln!(out, ".PP\n{}", roff(text))?;
        } else {
            writeln!(out, ".TP\n\\fB{}\\fR\n{}", roff(tag), roff(text))?;
        }
    }
    Ok(())
}

/// Text safe in roff: backslashes doubled, and no line may begin with `.` or `'`.
fn roff(text: &str) -> String {
    text.replace('\\', "\\e")
        .lines()
        .map(|line| {
            if line.starts_with('.') || line.starts_with('\'') {
                format!("\\&{line}")
            } else {
                line.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn exit_status(top: bool, out: &mut dyn Write) -> std::io::Result<()> {
    let mut items = vec![
        (
            "0",
            "Success: every signature checked is good, every commit passes.",
        ),
        (
            "1",
            "A verification or policy failure: a signature is bad or untrusted, or a commit breaks the policy (the report says which and why).",
        ),
        (
            "2",
            "A usage, configuration or I/O error: one line naming what was wrong, then a hint: line naming the next step.",
        ),
    ];
    if top {
        items.push((
            "gpg and ssh-keygen",
            "Run by git as gpg.program or gpg.x509.program, gitseal exits as gpg does (0 good, 1 bad signature, 2 any other error); as gpg.ssh.program, as ssh-keygen does (0 good, 1 for a command line it cannot use, 255 any other failure).",
        ));
    }
    section(out, "EXIT STATUS", &items)
}

fn environment(out: &mut dyn Write) -> std::io::Result<()> {
    let sigstore = crate::config::SIGSTORE_ENV.join(", ");
    let items = [
        (
            "GITSEAL_LOG, GITSIGN_LOG",
            "A debug log each run appends to: what it decided and how long it took, never a secret (owner-only). Also git config gitseal.logPath (gitsign.logPath).",
        ),
        (
            "GITSEAL_FORMAT",
            "The signing format (openpgp, x509, ssh), read before git config.",
        ),
        (
            "GNUPGHOME",
            "GnuPG's home: its keyring and trustdb (default ~/.gnupg).",
        ),
        (
            "SIGSTORE_ID_TOKEN, ACTIONS_ID_TOKEN_REQUEST_TOKEN",
            "An OIDC token for keyless signing; GitHub Actions' request token for its ambient one. Never logged or printed.",
        ),
        (
            "SSH_ASKPASS, SSH_ASKPASS_REQUIRE",
            "Where a passphrase for an encrypted SSH key comes from without a terminal.",
        ),
        ("Sigstore", &sigstore),
    ];
    section(out, "ENVIRONMENT", &items)
}

fn files(out: &mut dyn Write) -> std::io::Result<()> {
    section(
        out,
        "FILES",
        &[
            (
                ".gitseal/policy.toml, .gitseal/keys/",
                "The signing policy of a commit (its tree's), and the OpenPGP certificates it names.",
            ),
            (
                "$GIT_DIR/gitseal/verdicts",
                "gitseal verify's cache of signature verdicts (--no-cache skips it).",
            ),
            (
                "~/.cache/gitseal/ (GITSEAL_CACHE_DIR, $XDG_CACHE_HOME/gitseal)",
                "credentials/: the Sigstore credential cache (owner-only); tuf/: the trusted root; openpgp-signatures/: OpenPGP verification cache.",
            ),
            (
                "gpg.ssh.allowedSignersFile, gpg.ssh.revocationFile",
                "Whose SSH keys git trusts, as in ssh-keygen(1); verify-commit reads them as git does.",
            ),
            ("~/.gnupg/", "GnuPG's keyring and trustdb, for OpenPGP."),
        ],
    )
}

fn see_also(cmd: &clap::Command, out: &mut dyn Write) -> std::io::Result<()> {
    let mut refs = vec!["git(1)".to_string(), "ssh-keygen(1)".to_string()];
    if cmd.get_name() != "gitseal" {
        refs.insert(0, "gitseal(1)".to_string());
    }
    writeln!(out, ".SH \"SEE ALSO\"\n{}", roff(&refs.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn every_subcommand_has_a_page_with_the_sections() {
        let root = crate::cli::commands::Cli::command();
        let pages = pages(&root);
        let names: Vec<&str> = pages.iter().map(|(n, _)| n.as_str()).collect();
        for expected in [
            "gitseal.1",
            "gitseal-verify-commit.1",
            "gitseal-verify-tag.1",
            "gitseal-policy.1",
            "gitseal-policy-check.1",
            "gitseal-man.1",
        ] {
            assert!(names.contains(&expected), "{expected}: {names:?}");
        }
        assert!(!names.iter().any(|n| n.contains("help")), "{names:?}");
        for (name, cmd) in &pages {
            let mut page = Vec::new();
            render(cmd, &mut page).expect("render");
            let text = String::from_utf8(page).expect("utf8");
            let stem = name.trim_end_matches(".1");
            assert!(text.contains(&format!("\n.TH {stem} 1")), "{name}");
            for heading in ["EXIT STATUS", "ENVIRONMENT", "FILES", "SYNOPSIS"] {
                assert!(
                    text.contains(&format!(".SH \"{heading}\""))
                        || text.contains(&format!(".SH {heading}")),
                    "{name} lacks {heading}"
                );
            }
        }
    }

    #[test]
    fn roff_text_cannot_start_a_request() {
        assert_eq!(roff(".SH x\n'y\na\\b"), "\\&.SH x\n\\&'y\na\\eb");
    }
}
