//! OpenSSH pattern lists (match.c): `*`, `?`, `!` negation. Shared by allowed_signers and
//! the policy's ref globs.
//!
//! allowed_signers uses these for the principals field and for `namespaces=`. The rules:
//! `*` matches any run of bytes (including none), `?` matches exactly one byte, everything else
//! matches itself, case-sensitively. There are no escapes and no character classes.
//!
//! Matching is done on bytes, not on `char`s, because that is what OpenSSH does: `?` does not
//! match `é` (two bytes in UTF-8) but `??` does (checked against ssh-keygen 9.2).

/// Outcome of matching a string against a comma-separated pattern list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatternMatch {
    /// A non-negated element matched and no negated element did (OpenSSH returns 1).
    Matched,
    /// Nothing matched, or only negated elements were present (OpenSSH returns 0).
    NotMatched,
    /// A `!`-negated element matched; this vetoes the whole list (OpenSSH returns -1).
    Negated,
}

/// Longest element OpenSSH can hold: `match_pattern_list` copies each element into a 1024-byte
/// buffer and gives up on the *whole list* (no match) once an element reaches 1023 bytes, even if
/// an earlier element already matched. We reproduce that so a file behaves identically under
/// both programs (confirmed with ssh-keygen 9.2: 1022 bytes work, 1023 do not).
const MAX_ELEMENT_LEN: usize = 1023;

/// Whether `s` matches the single glob `pattern` (`*` and `?` wildcards, byte-wise,
/// case-sensitive, no list or negation handling).
///
/// Runs in O(len(s) * len(pattern)) time: on a mismatch we only ever resume from the most
/// recent `*`, which is enough for globs without character classes and avoids the exponential
/// blow-up of naive recursion on patterns like `*a*a*a*a*b`.
pub fn match_pattern(s: &str, pattern: &str) -> bool {
    let s = s.as_bytes();
    let p = pattern.as_bytes();
    let (mut si, mut pi) = (0usize, 0usize);
    // Position just after the last `*` seen, and the string position that `*` currently
    // stretches to. An earlier `*` never needs revisiting: the later one can absorb anything the
    // earlier one could have.
    let mut star: Option<(usize, usize)> = None;

    while si < s.len() {
        match p.get(pi) {
            Some(b'*') => {
                pi += 1;
                star = Some((pi, si));
            }
            Some(&c) if c == b'?' || c == s[si] => {
                pi += 1;
                si += 1;
            }
            _ => match star {
                // Let the last `*` swallow one more byte and retry from there.
                Some((star_pi, star_si)) => {
                    pi = star_pi;
                    si = star_si + 1;
                    star = Some((star_pi, si));
                }
                None => return false,
            },
        }
    }
    // The string is used up; what is left of the pattern must be able to match nothing.
    p[pi..].iter().all(|&c| c == b'*')
}

/// Match `s` against a comma-separated pattern list where each element may start with `!`.
///
/// Semantics follow OpenSSH's `match_pattern_list`: elements are tried left to right; a
/// negated element that matches returns [`PatternMatch::Negated`] at once; otherwise the result
/// is [`PatternMatch::Matched`] if any plain element matched. Consequences worth knowing:
/// a list of only negations never matches; only one leading `!` is stripped (`!!a` is the
/// negation of the literal pattern `!a`); an empty element (`a,,b`) matches the empty string,
/// but a single trailing comma does not add an empty element; the empty list matches nothing;
/// an element of 1023 bytes or more makes the whole list fail (an OpenSSH buffer limit).
pub fn match_pattern_list(s: &str, list: &str) -> PatternMatch {
    if list.is_empty() {
        return PatternMatch::NotMatched;
    }
    // OpenSSH's loop consumes "element[,]" while input remains, so a single trailing comma
    // ends the list instead of adding an empty element (whereas "," alone is one empty element).
    let list = list.strip_suffix(',').unwrap_or(list);
    let mut got_positive = false;
    for element in list.split(',') {
        let (negated, pattern) = match element.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, element),
        };
        if pattern.len() >= MAX_ELEMENT_LEN {
            return PatternMatch::NotMatched;
        }
        if match_pattern(s, pattern) {
            if negated {
                return PatternMatch::Negated;
            }
            got_positive = true;
        }
    }
    if got_positive {
        PatternMatch::Matched
    } else {
        PatternMatch::NotMatched
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Obviously-correct (and exponential) reference matcher to check the fast one against.
    fn naive(s: &[u8], p: &[u8]) -> bool {
        match p.split_first() {
            None => s.is_empty(),
            Some((b'*', rest)) => (0..=s.len()).any(|i| naive(&s[i..], rest)),
            Some((&c, rest)) => match s.split_first() {
                Some((&d, s_rest)) => (c == b'?' || c == d) && naive(s_rest, rest),
                None => false,
            },
        }
    }

    /// Tiny deterministic PRNG (xorshift64) so tests need no extra crates.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    #[test]
    fn literals_are_exact_and_case_sensitive() {
        assert!(match_pattern("alice@example.com", "alice@example.com"));
        assert!(!match_pattern("Alice@example.com", "alice@example.com"));
        assert!(!match_pattern("alice", "alice@example.com"));
        assert!(!match_pattern("alice@example.com", "alice"));
        assert!(match_pattern("", ""));
        assert!(!match_pattern("a", ""));
    }

    #[test]
    fn star_and_question_mark() {
        assert!(match_pattern("alice@example.com", "*@example.com"));
        assert!(match_pattern("@example.com", "*@example.com"));
        assert!(!match_pattern("alice@example.org", "*@example.com"));
        assert!(match_pattern("anything", "*"));
        assert!(match_pattern("", "*"));
        assert!(match_pattern("", "***"));
        assert!(match_pattern("abc", "a?c"));
        assert!(!match_pattern("ac", "a?c"));
        assert!(!match_pattern("", "?"));
        assert!(match_pattern("abcabd", "*ab?"));
        assert!(match_pattern("mississippi", "m*iss*ppi"));
        assert!(!match_pattern("mississippi", "m*iss*ppx"));
        assert!(
            match_pattern("a*b", "a*b"),
            "a literal star is still a wildcard"
        );
    }

    #[test]
    fn question_mark_is_one_byte_not_one_char() {
        // As in OpenSSH (observed with ssh-keygen -Y verify -I é).
        assert!(!match_pattern("é", "?"));
        assert!(match_pattern("é", "??"));
        assert!(match_pattern("xéy", "x*y"));
    }

    #[test]
    fn agrees_with_reference_on_random_inputs() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let alphabet = b"ab*?";
        for _ in 0..20_000 {
            let s: Vec<u8> = (0..rng.below(8)).map(|_| b"ab"[rng.below(2)]).collect();
            let p: Vec<u8> = (0..rng.below(7)).map(|_| alphabet[rng.below(4)]).collect();
            let (s, p) = (String::from_utf8(s).unwrap(), String::from_utf8(p).unwrap());
            assert_eq!(
                match_pattern(&s, &p),
                naive(s.as_bytes(), p.as_bytes()),
                "{s:?} {p:?}"
            );
        }
    }

    #[test]
    fn hostile_patterns_are_fast() {
        let s = "a".repeat(100_000);
        let start = std::time::Instant::now();
        assert!(!match_pattern(&s, "*a*a*a*a*a*a*a*a*b"));
        assert!(!match_pattern(&s, &format!("{}b", "*a".repeat(500))));
        assert!(match_pattern(&s, "*a*a*a*a*a*a*a*a"));
        assert!(start.elapsed() < std::time::Duration::from_secs(5));
    }

    #[test]
    fn lists_and_negation() {
        use PatternMatch::*;
        assert_eq!(match_pattern_list("bob", "alice,bob"), Matched);
        assert_eq!(match_pattern_list("carol", "alice,bob"), NotMatched);
        assert_eq!(match_pattern_list("bob", "*,!bob"), Negated);
        assert_eq!(match_pattern_list("bob", "!bob,*"), Negated);
        assert_eq!(match_pattern_list("alice", "*,!bob"), Matched);
        // Negations alone never produce a match.
        assert_eq!(match_pattern_list("alice", "!bob"), NotMatched);
        assert_eq!(match_pattern_list("alice", "!bob,!carol"), NotMatched);
        // Only one `!` is stripped: `!!b` is "not the literal `!b`".
        assert_eq!(match_pattern_list("!b", "!!b"), Negated);
        assert_eq!(match_pattern_list("b", "!!b"), NotMatched);
        assert_eq!(match_pattern_list("x!y", "x!y"), Matched);
        assert_eq!(match_pattern_list("BOB", "bob"), NotMatched);
    }

    #[test]
    fn empty_elements_and_trailing_commas() {
        use PatternMatch::*;
        assert_eq!(match_pattern_list("", ""), NotMatched);
        assert_eq!(match_pattern_list("x", ""), NotMatched);
        assert_eq!(match_pattern_list("", ","), Matched);
        assert_eq!(match_pattern_list("", "a,,b"), Matched);
        assert_eq!(match_pattern_list("", "a,"), NotMatched);
        assert_eq!(match_pattern_list("", "a,,"), Matched);
        assert_eq!(match_pattern_list("a", "a,"), Matched);
        assert_eq!(match_pattern_list("", "*,!"), Negated);
    }

    #[test]
    fn overlong_element_fails_the_whole_list() {
        use PatternMatch::*;
        let ok = "a".repeat(1022);
        let long = "a".repeat(1023);
        assert_eq!(match_pattern_list("x", &format!("{ok},x")), Matched);
        assert_eq!(match_pattern_list("x", &format!("{long},x")), NotMatched);
        assert_eq!(match_pattern_list("x", &format!("x,{long}")), NotMatched);
        assert_eq!(match_pattern_list(&ok, &ok), Matched);
        // The `!` does not count towards the limit.
        assert_eq!(match_pattern_list(&ok, &format!("*,!{ok}")), Negated);
    }
}
