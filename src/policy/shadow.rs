//! Rules that cannot (or cannot always) apply. Rules are tried in order and the first
//! whose `refs` pattern matches decides (DESIGN section 6), so a later rule gets only the
//! refs no earlier rule takes. A later, stricter rule placed after a broad one never
//! applies, and nothing says so: the class of gittuf's 2026 rule-precedence advisories.
//! gitseal keeps first-match-wins (stated in the docs and by `policy describe`) and warns:
//!
//! - [`Shadow::Whole`]: every ref the rule matches is matched first by earlier rules;
//! - [`Shadow::Pattern`]: one of its patterns is, though others are not;
//! - [`Shadow::Overlap`]: some refs a pattern names are taken by an earlier rule that
//!   also reaches beyond it (a ref is given as an example); an earlier rule wholly inside
//!   the later one is a deliberate exception (`main` before `refs/heads/*`) and is not
//!   warned about;
//! - [`Shadow::NoRef`]: a pattern that matches no ref name at all.
//!
//! The same search finds an `ssh_ca` entry's certificate-principal patterns that can never
//! allow a name ([`dead_principal_patterns`]): `erin@example.org` after `!*@example.org`.
//!
//! Patterns are compared as the languages they match, with the matcher's own semantics
//! (crate::pattern::match_pattern: `*` any run of bytes, `/` included, so `**` is `*`;
//! `?` one byte; everything else itself), restricted to names git accepts for refs: no
//! empty component, no control characters, space, `~^:?*[\`. Each question is a search
//! through the product of the patterns' automata for a shortest ref in one language and
//! not (or also) in others; the search is bounded, and a question it cannot settle within
//! the bound gives no warning.

use super::Rule;
use std::collections::{BTreeSet, HashSet, VecDeque};

/// Why a rule does not get every ref its patterns name. Rules are indexes into the
/// policy's `rules`; `by` lists earlier rules in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Shadow {
    Whole {
        rule: usize,
        by: Vec<usize>,
    },
    Pattern {
        rule: usize,
        pattern: String,
        by: Vec<usize>,
    },
    Overlap {
        rule: usize,
        by: usize,
        example: String,
    },
    NoRef {
        rule: usize,
        pattern: String,
    },
}

/// The shadows among `rules`, in rule order.
pub fn shadows(rules: &[Rule]) -> Vec<Shadow> {
    let globs: Vec<Vec<Glob>> = rules
        .iter()
        .map(|rule| rule.refs.iter().map(|p| Glob::new(p)).collect())
        .collect();
    let mut found = Vec::new();
    for (j, rule) in rules.iter().enumerate() {
        let earlier: Vec<&Glob> = globs[..j].iter().flatten().collect();
        let mut covered = Vec::new();
        let mut open = Vec::new();
        for (pattern, glob) in rule.refs.iter().zip(&globs[j]) {
            if search(&[Side::accepts(&[glob])]) == Search::Empty {
                found.push(Shadow::NoRef {
                    rule: j,
                    pattern: pattern.clone(),
                });
            } else if search(&[Side::accepts(&[glob]), Side::rejects(&earlier)]) == Search::Empty {
                covered.push((pattern, takers(&globs[..j], glob)));
            } else {
                open.push(glob);
            }
        }
        if !covered.is_empty() && open.is_empty() {
            let mut by: Vec<usize> = covered.iter().flat_map(|(_, by)| by.clone()).collect();
            by.sort_unstable();
            by.dedup();
            found.push(Shadow::Whole { rule: j, by });
            continue;
        }
        for (pattern, by) in covered {
            found.push(Shadow::Pattern {
                rule: j,
                pattern: pattern.clone(),
                by,
            });
        }
        let later: Vec<&Glob> = globs[j].iter().collect();
        for (i, earlier) in globs[..j].iter().enumerate() {
            let earlier: Vec<&Glob> = earlier.iter().collect();
            // A narrower rule placed first on purpose (`refs/heads/main`, then
            // `refs/heads/*`) is the exception the order exists for: only an earlier rule
            // that reaches beyond the later one takes refs by accident.
            if search(&[Side::accepts(&earlier), Side::rejects(&later)]) == Search::Empty {
                continue;
            }
            let example = open.iter().find_map(|glob| {
                match search(&[Side::accepts(&[glob]), Side::accepts(&earlier)]) {
                    Search::Found(example) => Some(example),
                    Search::Empty | Search::Unknown => None,
                }
            });
            if let Some(example) = example {
                found.push(Shadow::Overlap {
                    rule: j,
                    by: i,
                    example,
                });
            }
        }
    }
    found
}

/// The earlier rules that take some of the refs `glob` matches.
fn takers(earlier: &[Vec<Glob>], glob: &Glob) -> Vec<usize> {
    earlier
        .iter()
        .enumerate()
        .filter(|(_, rule)| {
            let rule: Vec<&Glob> = rule.iter().collect();
            matches!(
                search(&[Side::accepts(&[glob]), Side::accepts(&rule)]),
                Search::Found(_)
            )
        })
        .map(|(i, _)| i)
        .collect()
}

/// Why a certificate-principal pattern of an `ssh_ca` entry can let no certificate in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeadPrincipal {
    /// Every name the pattern matches is refused by the entry's negated patterns `by`.
    Negated { pattern: String, by: Vec<String> },
    /// A pattern of 1023 bytes or more: OpenSSH's matcher (and so gitseal's) then matches
    /// nothing with the whole list.
    TooLong { pattern: String },
}

/// The patterns of an `ssh_ca` entry (one OpenSSH pattern list: a name is allowed when a
/// plain pattern matches it and no `!` pattern does) that can never allow a certificate
/// principal. A question the bounded search cannot settle gives nothing.
pub fn dead_principal_patterns(patterns: &[String]) -> Vec<DeadPrincipal> {
    if let Some(long) = patterns
        .iter()
        .find(|p| p.strip_prefix('!').unwrap_or(p).len() >= 1023)
    {
        return vec![DeadPrincipal::TooLong {
            pattern: long.clone(),
        }];
    }
    let negated: Vec<(&String, Glob)> = patterns
        .iter()
        .filter_map(|p| p.strip_prefix('!').map(|n| (p, Glob::new(n))))
        .collect();
    let refusers: Vec<&Glob> = negated.iter().map(|(_, g)| g).collect();
    patterns
        .iter()
        .filter(|p| !p.starts_with('!'))
        .filter_map(|pattern| {
            let glob = Glob::new(pattern);
            let sides = [Side::accepts(&[&glob]), Side::rejects(&refusers)];
            (search_names(&sides, Names::Any) == Search::Empty).then(|| DeadPrincipal::Negated {
                pattern: pattern.clone(),
                by: negated
                    .iter()
                    .filter(|(_, n)| {
                        search_names(&[Side::accepts(&[&glob]), Side::accepts(&[n])], Names::Any)
                            != Search::Empty
                    })
                    .map(|(p, _)| (*p).clone())
                    .collect(),
            })
        })
        .collect()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Token {
    /// `*`: any run of bytes, none included.
    Star,
    /// `?`: one byte.
    One,
    Byte(u8),
}

/// A pattern as a nondeterministic automaton: state `i` has matched its first `i` tokens.
#[derive(Debug)]
struct Glob {
    tokens: Vec<Token>,
}

impl Glob {
    fn new(pattern: &str) -> Glob {
        let tokens = pattern
            .bytes()
            .map(|b| match b {
                b'*' => Token::Star,
                b'?' => Token::One,
                b => Token::Byte(b),
            })
            .collect();
        Glob { tokens }
    }

    /// `states` with every state a `*` may be skipped from, followed (ascending, so a run
    /// of stars is followed to its end).
    fn close(&self, states: &mut States) {
        for state in 0..self.tokens.len() {
            if self.tokens[state] == Token::Star && states.contains(state) {
                states.insert(state + 1);
            }
        }
    }

    fn start(&self) -> States {
        let mut states = States::new(self.tokens.len());
        states.insert(0);
        self.close(&mut states);
        states
    }

    fn step(&self, states: &States, symbol: Symbol) -> States {
        let mut next = States::new(self.tokens.len());
        for state in states.iter() {
            match (self.tokens.get(state), symbol) {
                (Some(Token::Star), _) => next.insert(state),
                (Some(Token::One), _) => next.insert(state + 1),
                (Some(Token::Byte(b)), Symbol::Byte(c)) if *b == c => next.insert(state + 1),
                _ => {}
            }
        }
        self.close(&mut next);
        next
    }

    fn accepts(&self, states: &States) -> bool {
        states.contains(self.tokens.len())
    }

    fn literals(&self) -> impl Iterator<Item = u8> + '_ {
        self.tokens.iter().filter_map(|t| match t {
            Token::Byte(b) => Some(*b),
            _ => None,
        })
    }
}

/// A set of a glob's states `0..=tokens`, as bits.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct States(Vec<u64>);

impl States {
    fn new(tokens: usize) -> States {
        States(vec![0; tokens / 64 + 1])
    }

    fn insert(&mut self, state: usize) {
        self.0[state / 64] |= 1 << (state % 64);
    }

    fn contains(&self, state: usize) -> bool {
        self.0[state / 64] & (1 << (state % 64)) != 0
    }

    fn is_empty(&self) -> bool {
        self.0.iter().all(|w| *w == 0)
    }

    fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.0.iter().enumerate().flat_map(|(i, word)| {
            (0..64)
                .filter(move |bit| word & (1 << bit) != 0)
                .map(move |bit| i * 64 + bit)
        })
    }
}

/// A byte of the alphabet: one that some pattern names, or any other (all of which every
/// pattern treats alike, so one stands for them all).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Symbol {
    Byte(u8),
    Other,
}

/// One side of a search: the union of some patterns, which the ref must be in (or not).
struct Side<'g> {
    globs: Vec<&'g Glob>,
    accept: bool,
}

impl<'g> Side<'g> {
    fn accepts(globs: &[&'g Glob]) -> Self {
        Side {
            globs: globs.to_vec(),
            accept: true,
        }
    }

    fn rejects(globs: &[&'g Glob]) -> Self {
        Side {
            globs: globs.to_vec(),
            accept: false,
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Search {
    /// The shortest ref name that is in every accepting side and in no rejecting one.
    Found(String),
    /// There is none.
    Empty,
    /// The bound was reached first.
    Unknown,
}

/// How many product states a search may visit: patterns in policies are short, and a
/// hostile one must not make `policy check` or `verify` slow.
const MAX_STATES: usize = 20_000;

/// Git's ref name rules that matter here (git-check-ref-format): no empty component (so
/// no `//` and no trailing `/`), none of these bytes.
fn allowed_in_ref(byte: u8) -> bool {
    byte > b' ' && byte != 0x7f && !b"~^:?*[\\".contains(&byte)
}

/// The names a search is over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Names {
    /// Ref names git allows ([`allowed_in_ref`], no empty component).
    Refs,
    /// Any byte string without NUL, the empty one included: certificate principals as
    /// OpenSSH compares them (C strings).
    Any,
}

impl Names {
    fn allows(self, byte: u8) -> bool {
        match self {
            Names::Refs => allowed_in_ref(byte),
            Names::Any => byte != 0,
        }
    }
}

/// [`search_names`] over ref names.
fn search(sides: &[Side<'_>]) -> Search {
    search_names(sides, Names::Refs)
}

/// A breadth-first search of the product of the sides' automata and, for refs, a ref name
/// checker (whether the name so far ends with `/` or is empty), for the shortest name
/// accepted as the sides ask.
fn search_names(sides: &[Side<'_>], names: Names) -> Search {
    let literals: BTreeSet<u8> = sides
        .iter()
        .flat_map(|side| side.globs.iter().flat_map(|g| g.literals()))
        .filter(|b| names.allows(*b))
        .collect();
    let mut alphabet: Vec<Symbol> = literals.iter().map(|&b| Symbol::Byte(b)).collect();
    // What stands for every other byte when a name is shown.
    let other = (b'a'..=b'z')
        .chain(b'0'..=b'9')
        .chain(b'!'..=b'~')
        .chain(0x80..=0xff)
        .find(|b| names.allows(*b) && !literals.contains(b));
    if other.is_some() {
        alphabet.push(Symbol::Other);
    }
    type State = (Vec<Vec<States>>, bool);
    let start: State = (
        sides
            .iter()
            .map(|side| side.globs.iter().map(|g| g.start()).collect())
            .collect(),
        names == Names::Refs,
    );
    let accepted = |state: &State| {
        !state.1
            && sides.iter().zip(&state.0).all(|(side, sets)| {
                let any = side.globs.iter().zip(sets).any(|(g, s)| g.accepts(s));
                any == side.accept
            })
    };
    // An accepting side none of whose patterns can go on is a dead end.
    let alive = |state: &State| {
        sides
            .iter()
            .zip(&state.0)
            .all(|(side, sets)| !side.accept || sets.iter().any(|s| !s.is_empty()))
    };
    // Breadth first, each state once; a name is read back through its states' parents.
    let mut seen: HashSet<State> = HashSet::from([start.clone()]);
    let mut visited: Vec<(Option<usize>, Option<Symbol>)> = vec![(None, None)];
    let mut queue: VecDeque<(State, usize)> = VecDeque::from([(start, 0)]);
    while let Some((state, at)) = queue.pop_front() {
        if accepted(&state) {
            let mut bytes = Vec::new();
            let mut node = Some(at);
            while let Some((parent, Some(symbol))) = node.map(|n| visited[n]) {
                bytes.push(match symbol {
                    Symbol::Byte(b) => b,
                    Symbol::Other => other.unwrap_or(b'x'),
                });
                node = parent;
            }
            bytes.reverse();
            return Search::Found(String::from_utf8_lossy(&bytes).into_owned());
        }
        for &symbol in &alphabet {
            let at_component_start = names == Names::Refs && matches!(symbol, Symbol::Byte(b'/'));
            if state.1 && at_component_start {
                continue;
            }
            let sets = sides
                .iter()
                .zip(&state.0)
                .map(|(side, sets)| {
                    side.globs
                        .iter()
                        .zip(sets)
                        .map(|(g, s)| g.step(s, symbol))
                        .collect()
                })
                .collect();
            let next: State = (sets, at_component_start);
            if alive(&next) && !seen.contains(&next) {
                if seen.len() >= MAX_STATES {
                    return Search::Unknown;
                }
                seen.insert(next.clone());
                visited.push((Some(at), Some(symbol)));
                queue.push_back((next, visited.len() - 1));
            }
        }
    }
    Search::Empty
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pattern::match_pattern;

    fn rule(refs: &[&str]) -> Rule {
        Rule {
            refs: refs.iter().map(|r| r.to_string()).collect(),
            commits: None,
            merges: None,
            tags: None,
            allow_force_push: false,
            allow_delete: false,
        }
    }

    fn of(rules: &[&[&str]]) -> Vec<Shadow> {
        shadows(&rules.iter().map(|r| rule(r)).collect::<Vec<_>>())
    }

    fn whole(rule: usize, by: &[usize]) -> Shadow {
        Shadow::Whole {
            rule,
            by: by.to_vec(),
        }
    }

    fn overlap(rule: usize, by: usize, example: &str) -> Shadow {
        Shadow::Overlap {
            rule,
            by,
            example: example.into(),
        }
    }

    /// The gittuf class: a stricter rule after a broad one never applies.
    #[test]
    fn a_rule_after_a_broader_one_never_applies() {
        assert_eq!(
            of(&[&["refs/heads/*"], &["refs/heads/main"]]),
            [whole(1, &[0])]
        );
        assert_eq!(
            of(&[&["refs/heads/*"], &["refs/heads/release/*"]]),
            [whole(1, &[0])]
        );
        assert_eq!(of(&[&["refs/*"], &["refs/tags/v?*"]]), [whole(1, &[0])]);
        // The same pattern twice.
        assert_eq!(
            of(&[&["refs/heads/main"], &["refs/heads/main"]]),
            [whole(1, &[0])]
        );
        // Covered by two earlier rules together, by neither alone.
        assert_eq!(
            of(&[
                &["refs/heads/a*"],
                &["refs/tags/*"],
                &["refs/heads/ab", "refs/tags/v1"]
            ]),
            [whole(2, &[0, 1])]
        );
        // `refs/heads/*` covers `refs/heads/?*`; `?*` does not cover `*` only through the
        // empty name `refs/heads/`, which is no ref.
        assert_eq!(
            of(&[&["refs/heads/?*"], &["refs/heads/*"]]),
            [whole(1, &[0])]
        );
    }

    /// `*` crosses `/`, so `**` means what `*` means: each shadows the other.
    #[test]
    fn double_star_is_star() {
        assert_eq!(
            of(&[&["refs/heads/**"], &["refs/heads/*"]]),
            [whole(1, &[0])]
        );
        assert_eq!(
            of(&[&["refs/heads/*"], &["refs/heads/**"]]),
            [whole(1, &[0])]
        );
        assert_eq!(
            of(&[&["refs/heads/*"], &["refs/heads/team/**/main"]]),
            [whole(1, &[0])]
        );
    }

    #[test]
    fn one_pattern_of_a_rule_never_applies() {
        assert_eq!(
            of(&[&["refs/heads/*"], &["refs/heads/main", "refs/tags/v*"]]),
            [Shadow::Pattern {
                rule: 1,
                pattern: "refs/heads/main".into(),
                by: vec![0],
            }]
        );
    }

    /// Partly shadowed: an earlier rule that reaches beyond a later one takes some of the
    /// refs the later names.
    #[test]
    fn overlaps_name_both_rules_and_a_ref() {
        assert_eq!(
            of(&[&["refs/heads/*/main"], &["refs/heads/team/*"]]),
            [overlap(1, 0, "refs/heads/team/main")]
        );
        assert_eq!(
            of(&[&["refs/heads/r?", "refs/tags/*"], &["refs/heads/*"]]),
            [overlap(1, 0, "refs/heads/ra")]
        );
    }

    /// A narrower rule first is the order's purpose, not an accident.
    #[test]
    fn a_narrow_exception_before_a_broad_rule_is_no_warning() {
        assert_eq!(of(&[&["refs/heads/main"], &["refs/heads/*"]]), []);
        assert_eq!(
            of(&[&["refs/heads/r?"], &["refs/heads/*"], &["refs/tags/*"]]),
            []
        );
        assert_eq!(
            of(&[
                &["refs/heads/main", "refs/heads/release/*"],
                &["refs/heads/*"]
            ]),
            []
        );
    }

    #[test]
    fn disjoint_rules_shadow_nothing() {
        assert_eq!(
            of(&[
                &["refs/heads/main", "refs/heads/release/*"],
                &["refs/tags/v*"],
                &["refs/heads/feature/*"],
                &["refs/heads/mainline"],
            ]),
            []
        );
        // Literal characters differ: `?` matches one byte, not two.
        assert_eq!(of(&[&["refs/tags/v?"], &["refs/tags/v10"]]), []);
        // An earlier rule matching only part of a name does not match the name.
        assert_eq!(of(&[&["refs/heads/ma"], &["refs/heads/main"]]), []);
        assert_eq!(of(&[]), []);
    }

    #[test]
    fn a_pattern_no_ref_can_match() {
        assert_eq!(
            of(&[&["refs/heads/a b"], &["refs/heads//x"], &["refs/heads/"]]),
            [
                Shadow::NoRef {
                    rule: 0,
                    pattern: "refs/heads/a b".into()
                },
                Shadow::NoRef {
                    rule: 1,
                    pattern: "refs/heads//x".into()
                },
                Shadow::NoRef {
                    rule: 2,
                    pattern: "refs/heads/".into()
                }
            ]
        );
    }

    #[test]
    fn the_automaton_matches_what_the_matcher_matches() {
        let patterns = [
            "refs/*",
            "refs/h?ads/*",
            "*a*b",
            "refs/**/x?",
            "refs/a",
            "?*?",
        ];
        let names = [
            "refs/heads/main",
            "refs/a",
            "refs/ab",
            "xab",
            "refs/t/u/xy",
            "ab",
            "refs/hxads/q",
            "a",
            "",
        ];
        for pattern in patterns {
            let glob = Glob::new(pattern);
            for name in names {
                let mut states = glob.start();
                for b in name.bytes() {
                    states = glob.step(&states, Symbol::Byte(b));
                }
                assert_eq!(
                    glob.accepts(&states),
                    match_pattern(name, pattern),
                    "{pattern} {name}"
                );
            }
        }
    }

    /// Every answer agrees with trying all short ref names: `refs/` and up to 6 bytes of
    /// `a`, `b`, `c` and `/` (a witness for these patterns, if any, is no longer).
    #[test]
    fn answers_agree_with_brute_force() {
        let mut suffixes = vec![String::new()];
        for len in 1..=3 {
            let pieces: &[&str] = if len < 3 {
                &["a", "b", "*", "?", "/"]
            } else {
                &["a", "*", "/"]
            };
            let mut longer = Vec::new();
            for s in suffixes.iter().filter(|s| s.len() == len - 1) {
                for p in pieces {
                    longer.push(format!("{s}{p}"));
                }
            }
            suffixes.extend(longer);
        }
        let patterns: Vec<String> = suffixes.iter().map(|s| format!("refs/{s}")).collect();
        let mut words = vec![String::new()];
        let mut names = Vec::new();
        for _ in 0..6 {
            let mut longer = Vec::new();
            for w in &words {
                for c in ["a", "b", "c", "/"] {
                    longer.push(format!("{w}{c}"));
                }
            }
            names.extend(
                longer
                    .iter()
                    .filter(|w| !w.starts_with('/') && !w.contains("//") && !w.ends_with('/'))
                    .map(|w| format!("refs/{w}")),
            );
            words = longer;
        }
        let matched: Vec<Vec<bool>> = patterns
            .iter()
            .map(|p| names.iter().map(|n| match_pattern(n, p)).collect())
            .collect();
        for (i, p) in patterns.iter().enumerate() {
            for (j, q) in patterns.iter().enumerate() {
                let (gp, gq) = (Glob::new(p), Glob::new(q));
                let both = (0..names.len()).any(|n| matched[i][n] && matched[j][n]);
                let only_p = (0..names.len()).any(|n| matched[i][n] && !matched[j][n]);
                let found_both = search(&[Side::accepts(&[&gp]), Side::accepts(&[&gq])]);
                let found_only = search(&[Side::accepts(&[&gp]), Side::rejects(&[&gq])]);
                assert_eq!(matches!(found_both, Search::Found(_)), both, "{p} & {q}");
                assert_eq!(matches!(found_only, Search::Found(_)), only_p, "{p} - {q}");
                if let Search::Found(name) = found_only {
                    assert!(
                        match_pattern(&name, p) && !match_pattern(&name, q),
                        "{name}"
                    );
                }
            }
        }
    }

    #[test]
    fn hostile_patterns_end_the_search_without_a_warning() {
        let star_soup = format!("refs/{}", "*a".repeat(40));
        let other = format!("refs/{}", "*b*a".repeat(30));
        let rules = [&[star_soup.as_str()][..], &[other.as_str()][..]];
        let start = std::time::Instant::now();
        let found = of(&rules);
        assert!(start.elapsed() < std::time::Duration::from_secs(30));
        assert!(
            found.iter().all(|s| !matches!(s, Shadow::Whole { .. })),
            "{found:?}"
        );
    }

    fn dead(patterns: &[&str]) -> Vec<DeadPrincipal> {
        dead_principal_patterns(&patterns.iter().map(|p| p.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn principal_patterns_refused_by_negations_are_dead() {
        let negated = |pattern: &str, by: &[&str]| DeadPrincipal::Negated {
            pattern: pattern.into(),
            by: by.iter().map(|b| b.to_string()).collect(),
        };
        assert_eq!(dead(&["erin", "*@example.org", "!mallory@example.org"]), []);
        assert_eq!(
            dead(&["!*@example.org", "erin@example.org", "erin"]),
            [negated("erin@example.org", &["!*@example.org"])]
        );
        assert_eq!(dead(&["!*", "bob"]), [negated("bob", &["!*"])]);
        // Covered only by two negations together; a name neither takes keeps it alive.
        assert_eq!(
            dead(&["a?c", "!a*", "!*c", "!zz"]),
            [negated("a?c", &["!a*", "!*c"])]
        );
        assert_eq!(dead(&["a?c", "!a*b", "!*cc"]), []);
        // The empty name is a name: `*` is not covered by `?*`.
        assert_eq!(dead(&["*", "!?*"]), []);
        let long = "x".repeat(1023);
        assert_eq!(
            dead(&["erin", &format!("!{long}")]),
            [DeadPrincipal::TooLong {
                pattern: format!("!{long}")
            }]
        );
        assert_eq!(dead(&["erin", &"x".repeat(1022)]), []);
    }

    /// Every answer agrees with OpenSSH's list matcher on all names of up to 6 bytes of
    /// `a`, `b`, `c` (a witness for these patterns, if any, is no longer), for a plain
    /// pattern and a negated one of up to 3 tokens each.
    #[test]
    fn dead_principal_patterns_agree_with_brute_force() {
        use crate::pattern::{PatternMatch, match_pattern_list};
        let mut patterns = vec![String::new()];
        for _ in 0..3 {
            let longer: Vec<String> = patterns
                .iter()
                .flat_map(|p| ["a", "b", "*", "?"].map(|t| format!("{p}{t}")))
                .collect();
            patterns.extend(longer);
        }
        patterns.sort();
        patterns.dedup();
        patterns.retain(|p| !p.is_empty());
        let mut names = vec![String::new()];
        let mut words = vec![String::new()];
        for _ in 0..6 {
            words = words
                .iter()
                .flat_map(|w| ["a", "b", "c"].map(|c| format!("{w}{c}")))
                .collect();
            names.extend(words.iter().cloned());
        }
        for p in &patterns {
            for n in &patterns {
                let list = format!("{p},!{n}");
                let alive = names
                    .iter()
                    .any(|name| match_pattern_list(name, &list) == PatternMatch::Matched);
                let found = dead(&[p, &format!("!{n}")]);
                assert_eq!(found.is_empty(), alive, "{list}: {found:?}");
            }
        }
    }
}
