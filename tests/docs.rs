//! The documentation cannot drift from the program. Every page (README.md and docs/*.md) is
//! held to the program itself, not to a list written here:
//! - a shell block marked `<!-- doctest -->` on the line before its fence runs, with
//!   gitseal on PATH in a temporary HOME, and must succeed. The comment may carry hidden
//!   set-up lines, run first: `<!-- doctest`, the lines, then `-->`;
//! - a `gitseal ...` command line (in shell blocks and inline code) may name only the
//!   subcommands and flags of clap's command tree (`gitseal::cli::commands::Cli`), or, in
//!   the ssh-keygen and gpg dialects, only what the dialect's parser accepts
//!   (`gitseal::cli::classify`);
//! - a `gitseal.*` or `gitsign.*` config key must be one gitseal reads
//!   (`gitseal::config::KEYS`, itself held to the code by a unit test);
//! - a path into the repository (`src/...`, `docs/...`, a bare `*.md`, a link) must exist,
//!   or be one the repository ignores (what builds and runs write, e.g. `fuzz/artifacts/`).
//!
//! A page may excuse a name with `<!-- doccheck: allow NAME -->`, saying why beside it.

use crate::support::{TestEnv, require, run};
use clap::CommandFactory;
use std::collections::BTreeSet;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// One page: its path from the repository root and its text.
struct Page {
    name: String,
    text: String,
}

/// A fenced block: the line of its opening fence, its info word, its lines (with their
/// line numbers), and the doctest marker before it, with its hidden set-up lines.
struct Block {
    line: usize,
    lang: String,
    lines: Vec<(usize, String)>,
    doctest: Option<String>,
}

/// A page taken apart: prose (outside blocks, HTML comments blanked), its inline code
/// spans, its blocks, and the names it excuses.
struct Parsed {
    prose: Vec<(usize, String)>,
    spans: Vec<(usize, String)>,
    blocks: Vec<Block>,
    allowed: BTreeSet<String>,
}

fn pages() -> Vec<Page> {
    let root = Path::new(ROOT);
    let mut names = vec!["README.md".to_string()];
    let mut docs: Vec<String> = std::fs::read_dir(root.join("docs"))
        .expect("docs/")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".md"))
        .map(|n| format!("docs/{n}"))
        .collect();
    docs.sort();
    names.extend(docs);
    names
        .into_iter()
        .map(|name| {
            let text = std::fs::read_to_string(root.join(&name)).expect("page");
            Page { name, text }
        })
        .collect()
}

/// `text` with every HTML comment replaced by spaces (newlines kept, so lines stay put).
fn blank_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("<!--") {
        out.push_str(&rest[..start]);
        let end = rest[start..]
            .find("-->")
            .map_or(rest.len(), |e| start + e + 3);
        out.extend(
            rest[start..end]
                .chars()
                .map(|c| if c == '\n' { '\n' } else { ' ' }),
        );
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// The fence a line opens or closes (```` ``` ```` or `~~~`, three or more), and its info.
fn fence(line: &str) -> Option<(char, usize, &str)> {
    let trimmed = line.trim_start();
    if line.len() - trimmed.len() > 3 {
        return None;
    }
    let c = trimmed.chars().next().filter(|c| *c == '`' || *c == '~')?;
    let n = trimmed.chars().take_while(|x| *x == c).count();
    (n >= 3).then(|| (c, n, trimmed[n..].trim()))
}

/// The doctest marker that ends on the line before `fence_line` (0-based), if any: its
/// hidden set-up lines.
fn doctest_marker(lines: &[&str], fence_line: usize) -> Option<String> {
    let last = fence_line.checked_sub(1)?;
    if !lines[last].trim_end().ends_with("-->") {
        return None;
    }
    let first = (0..=last)
        .rev()
        .find(|i| lines[*i].trim_start().starts_with("<!--"))?;
    let opening = lines[first].trim_start().trim_start_matches("<!--").trim();
    if !opening.starts_with("doctest") {
        return None;
    }
    let setup: Vec<&str> = if first == last {
        Vec::new()
    } else {
        lines[first + 1..last]
            .iter()
            .copied()
            .chain(std::iter::once(
                lines[last].trim_end().trim_end_matches("-->"),
            ))
            .collect()
    };
    Some(setup.join("\n"))
}

/// Inline code spans of a stretch of prose starting at `first_line` (CommonMark: a run of
/// n backticks up to the next run of exactly n; line breaks inside become spaces).
fn inline_spans(text: &str, first_line: usize) -> Vec<(usize, String)> {
    let bytes = text.as_bytes();
    let mut spans = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'`' {
            i += 1;
            continue;
        }
        let n = bytes[i..].iter().take_while(|b| **b == b'`').count();
        let start = i + n;
        let mut j = start;
        let mut close = None;
        while j < bytes.len() {
            if bytes[j] == b'`' {
                let m = bytes[j..].iter().take_while(|b| **b == b'`').count();
                if m == n {
                    close = Some(j);
                    break;
                }
                j += m;
            } else {
                j += 1;
            }
        }
        match close {
            Some(end) => {
                let line = first_line + text[..i].matches('\n').count();
                let content = text[start..end].replace('\n', " ");
                spans.push((line, content.trim().to_string()));
                i = end + n;
            }
            None => i = start,
        }
    }
    spans
}

fn parse(text: &str) -> Parsed {
    let raw: Vec<&str> = text.lines().collect();
    let allowed = regex::Regex::new(r"<!--\s*doccheck:\s*allow\s+(.*?)\s*-->")
        .expect("regex")
        .captures_iter(text)
        .flat_map(|c| {
            c[1].split_whitespace()
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect();
    let visible = blank_comments(text);
    let lines: Vec<&str> = visible.lines().collect();
    let mut parsed = Parsed {
        prose: Vec::new(),
        spans: Vec::new(),
        blocks: Vec::new(),
        allowed,
    };
    let mut stretch: Vec<(usize, &str)> = Vec::new();
    let flush = |stretch: &mut Vec<(usize, &str)>, parsed: &mut Parsed| {
        if let Some((first, _)) = stretch.first() {
            let text: Vec<&str> = stretch.iter().map(|(_, l)| *l).collect();
            parsed.spans.extend(inline_spans(&text.join("\n"), *first));
            parsed
                .prose
                .extend(stretch.iter().map(|(n, l)| (*n, l.to_string())));
        }
        stretch.clear();
    };
    let mut i = 0;
    while i < lines.len() {
        let Some((c, n, info)) = fence(lines[i]) else {
            stretch.push((i + 1, lines[i]));
            i += 1;
            continue;
        };
        flush(&mut stretch, &mut parsed);
        let mut block = Block {
            line: i + 1,
            lang: info.split_whitespace().next().unwrap_or("").to_string(),
            lines: Vec::new(),
            doctest: doctest_marker(&raw, i),
        };
        i += 1;
        while i < lines.len() {
            if let Some((c2, n2, rest)) = fence(lines[i])
                && c2 == c
                && n2 >= n
                && rest.is_empty()
            {
                break;
            }
            block.lines.push((i + 1, lines[i].to_string()));
            i += 1;
        }
        parsed.blocks.push(block);
        i += 1;
    }
    flush(&mut stretch, &mut parsed);
    parsed
}

// ---------------------------------------------------------------- config keys

/// Every `gitseal.*` / `gitsign.*` key named in `text` (not a JSON schema such as
/// `gitseal.verify/v1`, not part of a longer name).
fn config_keys(text: &str) -> Vec<String> {
    let key = regex::Regex::new(r"(?:gitseal|gitsign)\.[A-Za-z][A-Za-z0-9]*").expect("regex");
    key.find_iter(text)
        .filter(|m| {
            let before = text[..m.start()].chars().next_back();
            let mut after = text[m.end()..].chars();
            let next = after.next();
            let then = after.next();
            let inside_a_name =
                before.is_some_and(|c| c.is_ascii_alphanumeric() || "_./-".contains(c));
            let longer = next.is_some_and(|c| c == '/' || c == '-' || c == '_')
                || next == Some('.') && then.is_some_and(|c| c.is_ascii_alphanumeric());
            !inside_a_name && !longer
        })
        .map(|m| m.as_str().to_string())
        .collect()
}

// ---------------------------------------------------------------- paths

/// The first components of every file git tracks (`src`, `docs`, `README.md`, ...).
fn top_level() -> BTreeSet<String> {
    let env = TestEnv::new();
    let listed = run(env.git(Path::new(ROOT)).args(["ls-files", "-z"]))
        .success()
        .stdout;
    listed
        .split(|b| *b == 0)
        .filter(|n| !n.is_empty())
        .filter_map(|n| {
            String::from_utf8_lossy(n)
                .split('/')
                .next()
                .map(str::to_string)
        })
        .collect()
}

/// The words of a line that may be paths: split where paths cannot continue (a comma
/// only outside `{a,b}`), trimmed of the punctuation and emphasis around them.
fn words(line: &str) -> Vec<&str> {
    let mut words = Vec::new();
    let (mut start, mut depth) = (0, 0);
    for (i, c) in line.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth > 0 => {}
            c if c.is_whitespace() || "`\"'()[],;|=".contains(c) => {
                words.push(&line[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    words.push(&line[start..]);
    words
        .into_iter()
        .map(|w| w.trim_matches(|c: char| "*_".contains(c)))
        .map(|w| w.trim_end_matches(|c: char| ".:!?".contains(c)))
        .filter(|w| !w.is_empty())
        .collect()
}

/// The paths a word with `{a,b}` stands for (the word itself without braces).
fn expand(path: &str) -> Vec<String> {
    match (path.find('{'), path.find('}')) {
        (Some(open), Some(close)) if open < close => path[open + 1..close]
            .split(',')
            .flat_map(|alt| expand(&format!("{}{alt}{}", &path[..open], &path[close + 1..])))
            .collect(),
        _ => vec![path.to_string()],
    }
}

/// Whether a path component stands for something (`<target>`, `$DIR`, `...`).
fn placeholder(component: &str) -> bool {
    component.contains(['<', '>', '{', '}', '$']) || component == "..."
}

/// The repository path a word names, if it names one: `dir/...` under a tracked top-level
/// name, or a bare `*.md`. URLs, absolute paths, `~/` and `../` are not the repository's.
fn repository_path<'a>(word: &'a str, top: &BTreeSet<String>) -> Option<&'a str> {
    let word = word.strip_prefix("./").unwrap_or(word);
    if word.contains("://") || word.starts_with(['/', '~', '$', '-', '@', '.']) {
        return None;
    }
    match word.split_once('/') {
        Some((first, _)) => top.contains(first).then_some(word),
        None => {
            (word.ends_with(".md") && !placeholder(word) && !word.contains('*')).then_some(word)
        }
    }
}

/// Whether `pattern` (with `*`) matches `name`.
fn glob(pattern: &str, name: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !name.starts_with(first) || name.len() < first.len() + last.len() {
        return false;
    }
    let mut at = first.len();
    for part in &parts[1..parts.len() - 1] {
        match name[at..].find(part) {
            Some(found) => at += found + part.len(),
            None => return false,
        }
    }
    name.len() >= at + last.len() && name.ends_with(last)
}

/// Whether `path` (relative to `base`) exists, placeholders and globs taken as such: the
/// part before a placeholder must exist; a glob must match something.
fn exists(base: &Path, path: &str) -> bool {
    let mut at = base.to_path_buf();
    for component in path.trim_end_matches('/').split('/') {
        if placeholder(component) {
            return at.exists();
        }
        if component.contains('*') {
            let Ok(entries) = std::fs::read_dir(&at) else {
                return false;
            };
            let matched = entries
                .filter_map(|e| e.ok())
                .find(|e| glob(component, &e.file_name().to_string_lossy()));
            match matched {
                Some(entry) => at = entry.path(),
                None => return false,
            }
        } else {
            at.push(component);
        }
    }
    at.exists()
}

/// Whether git ignores `path` (something a build or a run writes).
fn ignored(path: &str) -> bool {
    let stem: Vec<&str> = path
        .split('/')
        .take_while(|c| !placeholder(c) && !c.contains('*'))
        .collect();
    if stem.is_empty() {
        return false;
    }
    let env = TestEnv::new();
    run(env
        .git(Path::new(ROOT))
        .args(["check-ignore", "-q", "--no-index", &stem.join("/")]))
    .code
        == 0
}

// ---------------------------------------------------------------- command lines

/// A shell line's words, quotes removed (`'...'`, `"..."`, `\x`).
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                word.extend(chars.by_ref().take_while(|c| *c != '\''));
            }
            '"' => {
                in_word = true;
                word.extend(chars.by_ref().take_while(|c| *c != '"'));
            }
            '\\' => {
                in_word = true;
                word.extend(chars.next());
            }
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

/// The gitseal command lines in one shell line: each command after `&&`, `||`, `;`, `|`,
/// `$(` whose program is `gitseal`, its arguments up to a redirection or a comment.
fn gitseal_commands(line: &str) -> Vec<Vec<String>> {
    let line = match line.find(" #") {
        Some(comment) => &line[..comment],
        None => line,
    };
    let mut commands = Vec::new();
    for part in line.split(['|', ';', '&', '(', ')']) {
        let words = shell_words(part.trim_start_matches('$').trim());
        if words.first().map(String::as_str) != Some("gitseal") {
            continue;
        }
        let args = words[1..]
            .iter()
            .take_while(|w| !redirection(w))
            .cloned()
            .collect();
        commands.push(args);
    }
    commands
}

/// Whether a word redirects (`<`, `> file`, `2>/dev/null`, `<<EOF`), not a placeholder
/// such as `<key>`.
fn redirection(word: &str) -> bool {
    let word = word.trim_start_matches(|c: char| c.is_ascii_digit());
    word.starts_with('>')
        || word.starts_with("<<")
        || word.starts_with('<') && !(word.len() > 2 && word.ends_with('>'))
}

/// Whether an argument is a placeholder for a subcommand or value (`<COMMAND>`, `FILE`).
fn stands_for_something(word: &str) -> bool {
    word.starts_with('<')
        || word.contains("...")
        || word
            .chars()
            .all(|c| c.is_ascii_uppercase() || c == '_' || c == '-')
}

/// Checks one gitseal command line against clap's command tree (own subcommands) or the
/// dialect parsers (`-Y ...`, `--status-fd ...`).
fn check_command(args: &[String]) -> Result<(), String> {
    // Before any subcommand, the program's own entry point decides: the ssh-keygen and
    // gpg dialects, `--help`, `--version`.
    if args.first().is_some_and(|a| a.starts_with('-')) {
        let argv: Vec<OsString> = args.iter().map(OsString::from).collect();
        return match gitseal::cli::classify(&argv) {
            Ok(_) => Ok(()),
            Err((_, e)) => Err(format!("`gitseal {}`: {}", args.join(" "), e.message)),
        };
    }
    let mut tree = gitseal::cli::commands::Cli::command();
    tree.build();
    let mut current = &tree;
    let mut path = vec!["gitseal".to_string()];
    let mut i = 0;
    while i < args.len() {
        // Synopses write options as `[--flag VALUE]` and choices as `a|b`.
        let word = args[i].trim_start_matches('[').trim_end_matches(']');
        i += 1;
        if word == "--" {
            break;
        }
        let arg = if let Some(long) = word.strip_prefix("--") {
            let (name, inline) = match long.split_once('=') {
                Some((name, _)) => (name, true),
                None => (long, false),
            };
            let found = current.get_arguments().find(|a| {
                a.get_long_and_visible_aliases()
                    .is_some_and(|names| names.contains(&name))
            });
            let Some(found) = found else {
                return Err(format!("`{}` has no flag --{name}", path.join(" ")));
            };
            (!inline).then_some(found)
        } else if let Some(shorts) = word.strip_prefix('-').filter(|s| !s.is_empty()) {
            let mut wants_value = None;
            for (k, c) in shorts.char_indices() {
                let found = current.get_arguments().find(|a| {
                    a.get_short_and_visible_aliases()
                        .is_some_and(|names| names.contains(&c))
                });
                let Some(found) = found else {
                    return Err(format!("`{}` has no flag -{c}", path.join(" ")));
                };
                if found.get_action().takes_values() {
                    // The rest of the word is the value, or the next word is.
                    wants_value = (k + c.len_utf8() == shorts.len()).then_some(found);
                    break;
                }
            }
            wants_value
        } else {
            if current.has_subcommands() && !stands_for_something(word) {
                match current.find_subcommand(word) {
                    Some(sub) => {
                        current = sub;
                        path.push(word.to_string());
                    }
                    None => {
                        return Err(format!("`{}` has no subcommand {word}", path.join(" ")));
                    }
                }
            }
            None
        };
        if arg.is_some_and(|a| a.get_action().takes_values()) {
            i += 1;
        }
    }
    Ok(())
}

/// The command lines of a page: in inline code, and in shell (and CI YAML) blocks, where a
/// line ending in `\` continues on the next and a console block's commands follow `$ `.
fn command_lines(parsed: &Parsed) -> Vec<(usize, Vec<String>)> {
    let mut found = Vec::new();
    for (line, span) in &parsed.spans {
        found.extend(gitseal_commands(span).into_iter().map(|c| (*line, c)));
    }
    for block in &parsed.blocks {
        let lang = block.lang.as_str();
        if !["", "sh", "bash", "shell", "console", "yaml", "yml"].contains(&lang) {
            continue;
        }
        let mut joined: Option<(usize, String)> = None;
        for (n, text) in &block.lines {
            let (start, mut so_far) = joined.take().unwrap_or((*n, String::new()));
            let mut text = text.trim();
            if lang == "console" && so_far.is_empty() {
                match text.strip_prefix("$ ") {
                    Some(command) => text = command,
                    None => continue,
                }
            }
            if lang.starts_with("y") {
                text = text
                    .trim_start_matches("- ")
                    .trim_start_matches("run:")
                    .trim();
            }
            match text.strip_suffix('\\') {
                Some(head) => {
                    so_far.push_str(head);
                    so_far.push(' ');
                    joined = Some((start, so_far));
                }
                None => {
                    so_far.push_str(text);
                    found.extend(gitseal_commands(&so_far).into_iter().map(|c| (start, c)));
                }
            }
        }
    }
    found
}

// ---------------------------------------------------------------- the checks

/// Everything a page names that does not exist, as `page:line: what`.
fn problems(page: &Page, top: &BTreeSet<String>) -> Vec<String> {
    let parsed = parse(&page.text);
    let here = Path::new(ROOT)
        .join(&page.name)
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(ROOT));
    let keys: BTreeSet<String> = gitseal::config::KEYS
        .iter()
        .map(|k| k.to_ascii_lowercase())
        .collect();
    let mut lines: Vec<(usize, String)> = parsed.prose.clone();
    for block in &parsed.blocks {
        lines.extend(block.lines.iter().cloned());
    }
    let mut found = Vec::new();
    let mut report = |line: usize, name: &str, what: String| {
        if !parsed.allowed.contains(name) {
            found.push(format!("{}:{line}: {what}", page.name));
        }
    };
    for (line, text) in &lines {
        for key in config_keys(text) {
            if !keys.contains(&key.to_ascii_lowercase()) {
                report(
                    *line,
                    &key,
                    format!("config key {key} is not one gitseal reads"),
                );
            }
        }
        for word in words(text) {
            let Some(path) = repository_path(word, top) else {
                continue;
            };
            let path = path.split('#').next().unwrap_or(path);
            for path in expand(path) {
                let path = path.as_str();
                if !exists(Path::new(ROOT), path) && !exists(&here, path) && !ignored(path) {
                    report(*line, path, format!("{path} does not exist"));
                }
            }
        }
    }
    for (line, args) in command_lines(&parsed) {
        if let Err(why) = check_command(&args) {
            let name = format!("gitseal {}", args.join(" "));
            report(line, &name, why);
        }
    }
    found
}

#[test]
fn the_docs_name_only_what_exists() {
    let top = top_level();
    let found: Vec<String> = pages().iter().flat_map(|p| problems(p, &top)).collect();
    assert!(
        found.is_empty(),
        "the documentation names what does not exist:\n{}",
        found.join("\n")
    );
}

/// The checker finds each kind of drift, and passes what is true (so that a clean run of
/// the test above means something).
#[test]
fn the_checker_finds_each_kind_of_drift() {
    let top = top_level();
    let page = |text: &str| Page {
        name: "docs/example.md".into(),
        text: text.into(),
    };
    let bad = page(
        "See `src/nowhere.rs`, DESIGN.md, `src/{lib,gone}.rs` and [the guide](missing.md).\n\
         Set `gitseal.noSuchKey` or gitsign.otherKey.\n\
         Run `gitseal frobnicate` or `gitseal verify --no-such-flag`.\n\
         \n\
         ```sh\n\
         gitseal policy nonsense\n\
         gitseal verify-commit -Q HEAD\n\
         gitseal -Y frobnicate -n git\n\
         ```\n",
    );
    let found = problems(&bad, &top);
    for expected in [
        "docs/example.md:1: src/nowhere.rs does not exist",
        "docs/example.md:1: DESIGN.md does not exist",
        "docs/example.md:1: missing.md does not exist",
        "docs/example.md:1: src/gone.rs does not exist",
        "docs/example.md:2: config key gitseal.noSuchKey is not one gitseal reads",
        "docs/example.md:2: config key gitsign.otherKey is not one gitseal reads",
        "docs/example.md:3: `gitseal` has no subcommand frobnicate",
        "docs/example.md:3: `gitseal verify` has no flag --no-such-flag",
        "docs/example.md:6: `gitseal policy` has no subcommand nonsense",
        "docs/example.md:7: `gitseal verify-commit` has no flag -Q",
    ] {
        assert!(
            found.iter().any(|f| f == expected),
            "{expected}\nfound: {found:#?}"
        );
    }
    assert!(
        found
            .iter()
            .any(|f| f.starts_with("docs/example.md:8: `gitseal -Y frobnicate")),
        "the ssh-keygen dialect's parser refuses -Y frobnicate: {found:#?}"
    );
    assert_eq!(found.len(), 11, "{found:#?}");

    let good = page(
        "See `src/main.rs`, [the SSH guide](ssh.md), `fuzz/corpus/<target>/`,\n\
         `tests/*.rs`, `src/{main,lib}.rs`, `fuzz/artifacts/<target>` (written by runs) and\n\
         <https://example.org/src/x.rs>. Set `gitseal.trustedRoot` (or gitsign.rekor); the\n\
         JSON says `\"schema\": \"gitseal.verify/v1\"`.\n\
         `gitseal verify --pre-receive`, `gitseal policy check --file p.toml`,\n\
         `gitseal verify-commit --certificate-identity a@b.c HEAD`.\n\
         <!-- doccheck: allow gitseal.excused -->Also gitseal.excused.\n\
         \n\
         ```sh\n\
         gitseal verify --format json --anchor v1 main~3..main | jq .\n\
         gitseal -Y verify -n git -f allowed_signers -I alice -s sig < file\n\
         gitseal --status-fd=2 -bsau KEY\n\
         gitseal verify-commit --certificate-identity alice@example.org \\\n\
             --certificate-oidc-issuer https://github.com/login/oauth HEAD\n\
         ```\n\
         \n\
         ```\n\
         gitseal verify [--policy FILE] [--format text|json|github] <range>...\n\
         ```\n",
    );
    assert_eq!(problems(&good, &top), Vec::<String>::new());
}

/// A temporary HOME and directory with gitseal on PATH, as a person would have it.
fn run_snippet(env: &TestEnv, script: &str) -> crate::support::Run {
    let bin = env.path("bin");
    std::fs::create_dir_all(&bin).expect("bin directory");
    let link = bin.join("gitseal");
    if !link.exists() {
        std::os::unix::fs::symlink(crate::support::GITSEAL, &link).expect("gitseal on PATH");
    }
    let path = std::env::join_paths(std::iter::once(bin).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_else(|| "/usr/bin:/bin".into()),
    )))
    .expect("PATH");
    let work = env.path("work");
    std::fs::create_dir_all(&work).expect("work directory");
    let mut cmd = env.command(require("bash", "bash"));
    // A person's environment: git finds who they are and their global config as it would
    // (the hermetic identity and config path of the other tests would hide mistakes).
    for name in [
        "GIT_AUTHOR_NAME",
        "GIT_AUTHOR_EMAIL",
        "GIT_AUTHOR_DATE",
        "GIT_COMMITTER_NAME",
        "GIT_COMMITTER_EMAIL",
        "GIT_COMMITTER_DATE",
        "GIT_CONFIG_GLOBAL",
    ] {
        cmd.env_remove(name);
    }
    run(cmd
        .env("PATH", path)
        .current_dir(&work)
        .args(["-e", "-u", "-o", "pipefail", "-c", script]))
}

#[test]
fn the_marked_snippets_run() {
    require("git", "git");
    require("ssh-keygen", "openssh-client");
    let mut ran = Vec::new();
    let mut failed = Vec::new();
    for page in pages() {
        for block in parse(&page.text).blocks {
            let Some(setup) = &block.doctest else {
                continue;
            };
            let place = format!("{}:{}", page.name, block.line);
            if !["sh", "bash", "shell"].contains(&block.lang.as_str()) {
                failed.push(format!(
                    "{place}: a doctest must be a sh block, not `{}`",
                    block.lang
                ));
                continue;
            }
            let body: Vec<&str> = block.lines.iter().map(|(_, l)| l.as_str()).collect();
            let script = format!("{setup}\n{}\n", body.join("\n"));
            let env = TestEnv::new();
            let outcome = run_snippet(&env, &script);
            if outcome.code != 0 {
                failed.push(format!(
                    "{place}: exit {}\n{script}\n{}",
                    outcome.code,
                    outcome.describe()
                ));
            }
            ran.push(place);
        }
    }
    assert!(
        failed.is_empty(),
        "snippets that do not run:\n{}",
        failed.join("\n\n")
    );
    // README.md's walk-through and docs/ssh.md's "Using gitseal directly", at least.
    assert!(ran.len() >= 2, "too few marked snippets: {ran:?}");
}

/// A marked snippet that fails fails the test: the runner reports a non-zero exit.
#[test]
fn a_failing_snippet_is_reported() {
    let parsed = parse(
        "<!-- doctest\ntouch made-by-setup\n-->\n```sh\ntest -e made-by-setup\ngitseal no-such-command\n```\n",
    );
    let block = &parsed.blocks[0];
    let setup = block.doctest.as_deref().expect("marked");
    assert_eq!(setup.trim(), "touch made-by-setup");
    let body: Vec<&str> = block.lines.iter().map(|(_, l)| l.as_str()).collect();
    let env = TestEnv::new();
    let outcome = run_snippet(&env, &format!("{setup}\n{}\n", body.join("\n")));
    assert_ne!(outcome.code, 0, "{}", outcome.describe());
    let env = TestEnv::new();
    let passing = run_snippet(&env, &format!("{setup}\n{}\n", body[0]));
    assert_eq!(passing.code, 0, "{}", passing.describe());
}
