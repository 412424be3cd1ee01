//! Text from outside (certificate identities and issuers, OpenPGP user ids, SSH principals
//! and comments, ref names, names in a policy, failure details that quote any of these) is
//! escaped where gitseal writes it, here in `output` and nowhere else, so that it can
//! neither start a line of its own (a fake `ok` line, a second `[GNUPG:]` status line)
//! nor drive what shows it: the terminal (ESC and C1 sequences, bidi overrides) or a CI
//! runner (GitHub's `::command::` and `##[command]` lines). Issue 12, R1.
//!
//! One rule per output dialect:
//! - [`text`] for everything a person reads: the reports, pre-receive lines, `show`,
//!   `verify-commit`, `policy describe`, the gpg and ssh-keygen dialects' human text,
//!   errors;
//! - [`status`] for gpg's `[GNUPG:]` lines (gpg's own `%XX` rule);
//! - [`workflow_data`] and [`workflow_property`] for GitHub workflow commands;
//! - [`json`] for JSON documents, which serde_json has already escaped.

use std::borrow::Cow;
use std::fmt::{self, Write as _};

/// Outside text for people: control characters and the characters that reorder or break
/// lines are shown as visible escapes, and nothing in it is a CI runner's command.
///
/// - C0 controls and DEL as gpg writes them in its human-readable output
///   (GnuPG `common/utf8conv.c`, `do_utf8_to_native`): `\n`, `\r`, `\f`, `\v`, `\b`, `\0`,
///   else `\xHH` (so a tab is `\x09` and ESC is `\x1b`);
/// - C1 controls (U+0080 to U+009F: a terminal may read U+009B as CSI), the bidi embedding,
///   override and isolate controls of "Trojan Source" (CVE-2021-42574: U+202A to U+202E,
///   U+2066 to U+2069) and the line and paragraph separators (U+2028, U+2029) as
///   `\u{XXXX}`, which gpg leaves alone;
/// - the GitHub Actions runner reads `::command::` at the start of any line it is shown
///   (after blanks, which it trims) and the older `##[command]` anywhere in a line
///   (actions/runner `ActionCommand.TryParseV2` and `TryParse`): a value that starts with
///   `::` after blanks has its first `:` written `\x3a`, and the `[` of `##[` is `\x5b`.
///
/// A backslash is written as it is: the escapes are for seeing, not for reading back, and
/// regular expressions in a policy keep their looks.
pub fn text(value: &str) -> Text<'_> {
    Text(value)
}

/// See [`text`]: a value that writes itself escaped, without allocating when it is clean.
#[derive(Clone, Copy, Debug)]
pub struct Text<'a>(&'a str);

impl fmt::Display for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let value = self.0;
        let blanks = value.len() - value.trim_start().len();
        let command_at = value[blanks..].starts_with("::").then_some(blanks);
        let mut clean_from = 0;
        for (at, c) in value.char_indices() {
            let visible = visible_escape(c)
                .or_else(|| (Some(at) == command_at).then_some(Visible::Hex(b':')))
                .or_else(|| {
                    (c == '[' && value[..at].ends_with("##")).then_some(Visible::Hex(b'['))
                });
            if let Some(visible) = visible {
                f.write_str(&value[clean_from..at])?;
                visible.write(f)?;
                clean_from = at + c.len_utf8();
            }
        }
        f.write_str(&value[clean_from..])
    }
}

enum Visible {
    Short(char),
    Hex(u8),
    Unicode(char),
}

impl Visible {
    fn write(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Visible::Short(letter) => write!(f, "\\{letter}"),
            Visible::Hex(byte) => write!(f, "\\x{byte:02x}"),
            Visible::Unicode(c) => write!(f, "\\u{{{:04x}}}", u32::from(*c)),
        }
    }
}

fn visible_escape(c: char) -> Option<Visible> {
    Some(match c {
        '\n' => Visible::Short('n'),
        '\r' => Visible::Short('r'),
        '\x0c' => Visible::Short('f'),
        '\x0b' => Visible::Short('v'),
        '\x08' => Visible::Short('b'),
        '\0' => Visible::Short('0'),
        '\x01'..='\x1f' | '\x7f' => Visible::Hex(c as u8),
        c if reorders_or_controls(c) => Visible::Unicode(c),
        _ => return None,
    })
}

/// Characters beyond ASCII that a terminal or a viewer acts on instead of showing: C1
/// controls, bidi embeddings, overrides and isolates, line and paragraph separators, and
/// the invisible ones that hide text between visible characters (zero-width space, word
/// joiner, invisible operators, byte order mark, interlinear annotation marks). Joiners
/// and direction marks are text: scripts and emoji need them.
fn reorders_or_controls(c: char) -> bool {
    matches!(
        c,
        '\u{80}'..='\u{9f}'
            | '\u{200b}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2060}'..='\u{2069}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{feff}'
            | '\u{fff9}'..='\u{fffb}'
    )
}

/// A free-text field of a `[GNUPG:]` status line (a user id, a key spec): gpg's rule
/// (DETAILS, "Format of the status codes"; `write_status_text_and_buffer`) percent-escapes
/// `%`, the C0 controls and DEL as `%XX`, so that nothing starts a second line. The
/// characters [`text`] shows as `\u{...}` are percent-escaped too, byte by byte of their
/// UTF-8, where gpg passes them: `git log --format=%GS` prints the field on a terminal.
pub fn status(value: &str) -> Cow<'_, str> {
    let needs = |c: char| c == '%' || c < ' ' || c == '\x7f' || reorders_or_controls(c);
    if !value.chars().any(needs) {
        return Cow::Borrowed(value);
    }
    let mut out = String::with_capacity(value.len() + 8);
    for c in value.chars() {
        if needs(c) {
            let mut utf8 = [0u8; 4];
            for byte in c.encode_utf8(&mut utf8).bytes() {
                let _ = write!(out, "%{byte:02X}");
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// The message of a GitHub workflow command (`::error title=...::MESSAGE`): visible
/// escapes as for people ([`text`]: GitHub's log viewer acts on ANSI sequences), then the
/// runner's own escaping of data, `%`, CR and LF (actions/toolkit `escapeData`).
pub fn workflow_data(value: &str) -> String {
    percent_workflow(&text(value).to_string(), false)
}

/// A property of a GitHub workflow command (`title=VALUE`): as [`workflow_data`], and `:`
/// and `,` too, which would end the property list or the property (actions/toolkit
/// `escapeProperty`).
pub fn workflow_property(value: &str) -> String {
    percent_workflow(&text(value).to_string(), true)
}

fn percent_workflow(value: &str, property: bool) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            ':' if property => out.push_str("%3A"),
            ',' if property => out.push_str("%2C"),
            c => out.push(c),
        }
    }
    out
}

/// A JSON document as serde_json wrote it, with the characters [`text`] shows as
/// `\u{...}` (and DEL) written as JSON `\uXXXX` escapes, and the `[` of `##[` as `\u005b`:
/// the same document to a parser, values exact, and nothing in the bytes that a terminal
/// or a CI runner acts on when the document is printed to a log (the runner reads
/// `##[command]` anywhere in a line). serde_json escapes the C0 controls itself; outside
/// strings a JSON text is ASCII without `#`, so every character replaced here was inside
/// a string.
pub fn json(serialized: &str) -> Cow<'_, str> {
    let needs = |c: char| c == '\x7f' || reorders_or_controls(c);
    if !serialized.chars().any(needs) && !serialized.contains("##[") {
        return Cow::Borrowed(serialized);
    }
    let mut out = String::with_capacity(serialized.len() + 16);
    for (at, c) in serialized.char_indices() {
        if needs(c) || (c == '[' && serialized[..at].ends_with("##")) {
            let _ = write!(out, "\\u{:04x}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(value: &str) -> String {
        text(value).to_string()
    }

    /// What an OIDC issuer's device flow once sent (set the title, write the clipboard with
    /// OSC 52, reverse the text) and text hidden between zero-width characters.
    #[test]
    fn terminal_commands_and_hidden_text_are_shown() {
        assert_eq!(
            shown("a\u{1b}]52;c;ZXZpbA==\u{7}b\u{202e}d\u{9b}e"),
            "a\\x1b]52;c;ZXZpbA==\\x07b\\u{202e}d\\u{009b}e"
        );
        assert_eq!(
            shown("pay\u{200b}pal\u{2060}.com\u{feff}"),
            "pay\\u{200b}pal\\u{2060}.com\\u{feff}"
        );
    }

    #[test]
    fn honest_text_is_unchanged() {
        for honest in [
            "alice@example.org",
            "https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1.0",
            "Ålice Émile <alice@example.org>",
            "אליס <alice@example.org>",
            r"^https://github\.com/acme/.*$",
            "refs/heads/release/*",
            "key SHA256:AVbuM9fMKiR1UEbujGStWRNlLOUsU3DBak/ncDKrH+4 is revoked (laptop stolen)",
            "a: b :: c # [d] ##",
            "",
        ] {
            assert_eq!(shown(honest), honest);
            assert!(matches!(status(honest), Cow::Borrowed(_)) || honest.contains('%'));
            assert!(matches!(json(honest), Cow::Borrowed(_)));
        }
    }

    #[test]
    fn line_breaks_cannot_start_a_line() {
        assert_eq!(
            shown("mallory\nok   0123456789ab alice ssh SHA256:x\r\n"),
            r"mallory\nok   0123456789ab alice ssh SHA256:x\r\n"
        );
        assert_eq!(
            shown("a\u{2028}b\u{2029}c\u{85}d"),
            r"a\u{2028}b\u{2029}c\u{0085}d"
        );
        assert!(!shown("x\ny\rz\u{2028}").contains(['\n', '\r', '\u{2028}']));
    }

    #[test]
    fn c0_and_del_are_written_as_gpg_writes_them() {
        assert_eq!(
            shown("\x1b[31mred\x1b[0m\t\x07\x0c\x0b\x08\0\x7f"),
            r"\x1b[31mred\x1b[0m\x09\x07\f\v\b\0\x7f"
        );
        // An OSC 52 clipboard write, a title change.
        assert_eq!(
            shown("\x1b]52;c;ZXZpbA==\x07\x1b]0;title\x07"),
            r"\x1b]52;c;ZXZpbA==\x07\x1b]0;title\x07"
        );
    }

    #[test]
    fn c1_controls_and_bidi_controls_are_visible() {
        assert_eq!(shown("\u{9b}31m"), r"\u{009b}31m");
        assert_eq!(shown("\u{80}\u{9f}\u{a0}"), "\\u{0080}\\u{009f}\u{a0}");
        assert_eq!(
            shown("alice\u{202e}gro.elpmaxe@\u{202c}"),
            r"alice\u{202e}gro.elpmaxe@\u{202c}"
        );
        for c in [
            '\u{202a}', '\u{202b}', '\u{202d}', '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}',
        ] {
            assert_eq!(
                shown(&c.to_string()),
                format!("\\u{{{:04x}}}", u32::from(c))
            );
        }
        // Marks that do not override (LRM, RLM, ALM) are text.
        assert_eq!(
            shown("a\u{200e}b\u{200f}c\u{61c}"),
            "a\u{200e}b\u{200f}c\u{61c}"
        );
    }

    #[test]
    fn no_workflow_command_at_the_start_of_a_value() {
        assert_eq!(shown("::error::pwned"), r"\x3a:error::pwned");
        assert_eq!(
            shown("  \u{3000}::warning::x"),
            "  \u{3000}\\x3a:warning::x"
        );
        assert_eq!(shown("::"), r"\x3a:");
        // In the middle of a value `::` starts nothing.
        assert_eq!(shown("subject ::error::x"), "subject ::error::x");
        assert_eq!(shown(":x"), ":x");
        // After an escaped line break the rest is on the same line: left as it is.
        assert_eq!(shown("a\n::error::x"), r"a\n::error::x");
    }

    #[test]
    fn no_legacy_runner_command_anywhere() {
        assert_eq!(shown("x ##[error]pwned"), r"x ##\x5berror]pwned");
        assert_eq!(shown("##[stop-commands]t"), r"##\x5bstop-commands]t");
        assert_eq!(shown("###[x"), r"###\x5bx");
        assert_eq!(shown("#[x] # [y]"), "#[x] # [y]");
    }

    #[test]
    fn status_fields_are_percent_escaped_as_gpg_does() {
        assert_eq!(
            status("Mallory\n[GNUPG:] GOODSIG 100%"),
            "Mallory%0A[GNUPG:] GOODSIG 100%25"
        );
        assert_eq!(status("a\rb\x1b[2Jc\x7f"), "a%0Db%1B[2Jc%7F");
        // Beyond ASCII: byte by byte of the UTF-8.
        assert_eq!(status("x\u{9b}y\u{202e}z"), "x%C2%9By%E2%80%AEz");
        assert_eq!(status("Ålice"), "Ålice");
    }

    #[test]
    fn workflow_commands_follow_githubs_escaping() {
        assert_eq!(workflow_data("50%\nnext\r"), r"50%25\nnext\r");
        assert_eq!(workflow_data("a::b, c"), "a::b, c");
        assert_eq!(workflow_data("::error::x"), r"\x3a:error::x");
        assert_eq!(
            workflow_property("gitseal: refs/heads/a,b%"),
            "gitseal%3A refs/heads/a%2Cb%25"
        );
        assert!(!workflow_data("\x1b[1m").contains('\x1b'));
    }

    #[test]
    fn json_keeps_values_and_shows_no_raw_controls() {
        let value = "a\u{9b}b\u{202e}c\u{7f}d\u{2028}e\n\x1b ##[error]x";
        let serialized = serde_json::json!({ "identity": value }).to_string();
        let safe = json(&serialized);
        assert!(
            !safe
                .chars()
                .any(|c| c < ' ' || c == '\x7f' || reorders_or_controls(c)),
            "{safe}"
        );
        let back: serde_json::Value = serde_json::from_str(&safe).expect("still JSON");
        assert_eq!(back["identity"], value);
    }
}
