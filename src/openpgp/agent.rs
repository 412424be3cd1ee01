//! A small Assuan client for gpg-agent: enough to sign with the secret keys people keep in
//! GnuPG, exactly as gpg does (GnuPG `g10/call-agent.c: agent_pksign`).
//!
//! Why not `sequoia-gpg-agent`: it brings tokio, futures, sequoia-ipc and a lalrpop build
//! step for what is five commands on a Unix socket.
//!
//! The protocol (Assuan, libassuan's doc "Assuan"): line based; the server greets with
//! `OK`; each command is answered by `D <percent-escaped data>` lines, `S` status lines,
//! `INQUIRE` requests, and a final `OK` or `ERR <code> <text>`. Signing is
//! `SIGKEY <keygrip>`, `SETKEYDESC <text for pinentry>`, `SETHASH <algo> <hex digest>`,
//! `PKSIGN`, answered with a canonical S-expression `(7:sig-val(<algo>(1:r..)(1:s..)))`.
//! A passphrase-protected key makes the agent ask through its own pinentry, as with gpg.

use super::OpenPgpError;
use super::keygrip::Keygrip;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;

/// The terminal and display the agent's pinentry should use: what gpg passes with
/// `OPTION` (GnuPG `common/session-env.c`). The caller reads these from the environment.
#[derive(Clone, Debug, Default)]
pub struct SessionOptions {
    pub ttyname: Option<String>,
    pub ttytype: Option<String>,
    pub display: Option<String>,
    pub xauthority: Option<String>,
    pub lc_ctype: Option<String>,
    pub lc_messages: Option<String>,
}

/// A connection to gpg-agent.
///
/// Commands are pipelined: Assuan servers read one command after the other from the
/// socket, so several commands written at once are answered in order, and a batch costs
/// one round trip (one wake-up of the agent) instead of one per command. On a loaded
/// machine each round trip can cost a scheduling delay; gpg itself makes one per command.
pub struct Agent {
    writer: UnixStream,
    reader: BufReader<UnixStream>,
    /// The server's greeting has not been read yet (it is read before the first answer).
    greeting_pending: bool,
    /// Commands whose answers do not matter (`OPTION`s), sent with the next batch.
    queued: Vec<String>,
}

impl Agent {
    /// Connects to the agent's socket. The greeting is read with the first answers.
    pub fn connect(socket: &Path) -> Result<Self, OpenPgpError> {
        let stream = UnixStream::connect(socket).map_err(|e| {
            OpenPgpError::Agent(format!("cannot connect to {}: {e}", socket.display()))
        })?;
        let reader = BufReader::new(
            stream
                .try_clone()
                .map_err(|e| OpenPgpError::Agent(e.to_string()))?,
        );
        Ok(Self {
            writer: stream,
            reader,
            greeting_pending: true,
            queued: Vec::new(),
        })
    }

    /// Tells the agent where its pinentry should appear (sent with the next command).
    pub fn set_session(&mut self, options: &SessionOptions) {
        let pairs = [
            ("ttyname", &options.ttyname),
            ("ttytype", &options.ttytype),
            ("display", &options.display),
            ("xauthority", &options.xauthority),
            ("lc-ctype", &options.lc_ctype),
            ("lc-messages", &options.lc_messages),
        ];
        for (name, value) in pairs {
            if let Some(value) = value {
                // An option the agent does not know is not fatal (gpg ignores it too).
                self.queued.push(format!("OPTION {name}={}", escape(value)));
            }
        }
        self.queued.push("OPTION allow-pinentry-notify".into());
        self.queued.push("OPTION agent-awareness=2.1.0".into());
    }

    /// For each keygrip, `None` if the agent does not hold the key, else what it says
    /// about it (one round trip).
    pub fn key_info(&mut self, grips: &[Keygrip]) -> Vec<Option<KeyInfo>> {
        let commands: Vec<String> = grips.iter().map(|g| format!("KEYINFO {g}")).collect();
        self.batch(&commands)
            .into_iter()
            .map(|answer| {
                answer.ok().map(|a| {
                    KeyInfo::parse(&a.status).unwrap_or(KeyInfo {
                        signs_silently: false,
                    })
                })
            })
            .collect()
    }

    /// Signs a digest with the key `grip`; `description` is shown by pinentry if a
    /// passphrase is needed. Returns the S-expression's values by name (`r`, `s`). Whether
    /// the agent holds the key is asked in the same round trip (`NoSecretKey` if not), so a
    /// caller that has one candidate key need not ask first.
    pub fn sign(
        &mut self,
        grip: &Keygrip,
        description: &str,
        hash_algo: u8,
        digest: &[u8],
    ) -> Result<SigVal, OpenPgpError> {
        let hex: String = digest.iter().map(|b| format!("{b:02X}")).collect();
        let mut answers = self
            .batch(&[
                format!("HAVEKEY {grip}"),
                "RESET".into(),
                format!("SIGKEY {grip}"),
                format!("SETKEYDESC {}", plus_escape(description)),
                format!("SETHASH {hash_algo} {hex}"),
                "PKSIGN".into(),
            ])
            .into_iter();
        if answers.next().is_none_or(|held| held.is_err()) {
            return Err(OpenPgpError::NoSecretKey(grip.to_string()));
        }
        let mut data = Vec::new();
        for answer in answers {
            data = answer?.data;
        }
        SigVal::parse(&data)
    }

    /// Sends the queued commands and `commands` in one write and reads every answer, in
    /// order; returns the answers to `commands`.
    fn batch(&mut self, commands: &[String]) -> Vec<Result<Answer, OpenPgpError>> {
        let queued = std::mem::take(&mut self.queued);
        let mut text = String::new();
        for line in queued.iter().chain(commands) {
            text.push_str(line);
            text.push('\n');
        }
        if let Err(e) = self.writer.write_all(text.as_bytes()) {
            let reason = format!("writing to gpg-agent: {e}");
            return commands
                .iter()
                .map(|_| Err(OpenPgpError::Agent(reason.clone())))
                .collect();
        }
        if self.greeting_pending {
            self.greeting_pending = false;
            if let Err(e) = self.response() {
                let reason = e.to_string();
                return commands
                    .iter()
                    .map(|_| Err(OpenPgpError::Agent(reason.clone())))
                    .collect();
            }
        }
        for _ in &queued {
            let _ = self.response();
        }
        commands.iter().map(|_| self.response()).collect()
    }

    fn response(&mut self) -> Result<Answer, OpenPgpError> {
        let mut answer = Answer::default();
        loop {
            let mut line = Vec::new();
            let n = self
                .reader
                .read_until(b'\n', &mut line)
                .map_err(|e| OpenPgpError::Agent(format!("reading from gpg-agent: {e}")))?;
            if n == 0 {
                return Err(OpenPgpError::Agent(
                    "gpg-agent closed the connection".into(),
                ));
            }
            while line.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
                line.pop();
            }
            if line == b"OK" || line.starts_with(b"OK ") {
                return Ok(answer);
            } else if let Some(rest) = line.strip_prefix(b"D ") {
                answer.data.extend(unescape(rest));
            } else if let Some(rest) = line.strip_prefix(b"S ") {
                answer
                    .status
                    .push(String::from_utf8_lossy(rest).into_owned());
            } else if let Some(rest) = line.strip_prefix(b"ERR ") {
                return Err(agent_error(&String::from_utf8_lossy(rest)));
            } else if let Some(rest) = line.strip_prefix(b"INQUIRE ") {
                // PINENTRY_LAUNCHED is a notification; anything else (a loopback
                // passphrase request) we cannot answer, and say so.
                let answer = if rest.starts_with(b"PINENTRY_LAUNCHED") {
                    "END\n"
                } else {
                    "CAN\n"
                };
                self.writer
                    .write_all(answer.as_bytes())
                    .map_err(|e| OpenPgpError::Agent(e.to_string()))?;
            }
            // "# ..." comments carry nothing we need.
        }
    }
}

/// What a command returned besides `OK`: its data and its status lines.
#[derive(Debug, Default)]
struct Answer {
    data: Vec<u8>,
    status: Vec<String>,
}

/// What gpg-agent's `KEYINFO` says about a key it holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyInfo {
    /// A key on disk that is unprotected or whose passphrase is cached: signing with it
    /// will not ask anybody anything.
    pub signs_silently: bool,
}

impl KeyInfo {
    /// What the start of gpg-agent's own key file, `private-keys-v1.d/<GRIP>.key`, says:
    /// the agent holds the key (that file is what `HAVEKEY` looks for) and signs with it
    /// without asking if it is a `private-key` rather than a `protected-private-key` or a
    /// `shadowed-private-key` (a smartcard's). Both the canonical S-expression format
    /// (`(11:private-key...`) and the extended one (`Key: (private-key ...`) are read.
    /// `None` for anything else.
    pub fn from_key_file(head: &[u8]) -> Option<KeyInfo> {
        let sexp = if head.first() == Some(&b'(') {
            let rest = &head[1..];
            let colon = rest.iter().position(|b| *b == b':')?;
            rest.get(colon + 1..)?
        } else {
            let mut key = None;
            for line in head.split(|b| *b == b'\n') {
                if let Some(value) = line.strip_prefix(b"Key:") {
                    key = Some(value.trim_ascii_start().strip_prefix(b"(")?);
                    break;
                }
            }
            key?
        };
        if sexp.starts_with(b"private-key") {
            Some(KeyInfo {
                signs_silently: true,
            })
        } else if sexp.starts_with(b"protected-private-key")
            || sexp.starts_with(b"shadowed-private-key")
        {
            Some(KeyInfo {
                signs_silently: false,
            })
        } else {
            None
        }
    }

    /// `KEYINFO <grip> <type> <serialno> <idstr> <cached> <protection> ...` (GnuPG
    /// `agent/command.c: do_one_keyinfo`): type `D` is a key on disk (`T` a smartcard),
    /// cached `1` a cached passphrase, protection `C` a key in the clear.
    fn parse(status: &[String]) -> Option<KeyInfo> {
        let line = status.iter().find_map(|l| l.strip_prefix("KEYINFO "))?;
        let fields: Vec<&str> = line.split(' ').collect();
        let on_disk = fields.get(1) == Some(&"D");
        let cached = fields.get(4) == Some(&"1");
        let clear = fields.get(5) == Some(&"C");
        Some(KeyInfo {
            signs_silently: on_disk && (cached || clear),
        })
    }
}

/// The directory name GnuPG gives the sockets of a non-default home directory inside
/// `/run/user/<uid>/gnupg`: `d.` and the z-base-32 encoding of the first 120 bits of the
/// SHA-1 of the home directory's absolute name (GnuPG `common/homedir.c:
/// _gnupg_socketdir_internal`, `common/zb32.c`).
pub fn socket_subdir(homedir: &str) -> String {
    use sha1::{Digest, Sha1};
    const ZB32: &[u8; 32] = b"ybndrfg8ejkmcpqxot1uwisza345h769";
    let digest = Sha1::digest(homedir.as_bytes());
    let mut out = String::from("d.");
    // 15 octets = 120 bits = 24 five-bit groups, most significant first.
    let mut acc: u32 = 0;
    let mut bits = 0;
    for byte in &digest[..15] {
        acc = (acc << 8) | u32::from(*byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(ZB32[((acc >> bits) & 31) as usize] as char);
        }
    }
    out
}

/// gpg-agent's `ERR <gpg-error code> <text>`: cancellation and bad passphrases get their
/// own words because people see them inside `git commit`.
fn agent_error(rest: &str) -> OpenPgpError {
    let (code, text) = rest.split_once(' ').unwrap_or((rest, ""));
    let code: u32 = code.parse().unwrap_or(0);
    // The low 16 bits are the error code proper (libgpg-error).
    match code & 0xFFFF {
        99 => OpenPgpError::Agent("operation cancelled".into()),
        11 => OpenPgpError::Agent("bad passphrase".into()),
        17 => OpenPgpError::NoSecretKey(String::new()),
        _ => OpenPgpError::Agent(text.trim().to_lowercase()),
    }
}

/// The values of a `sig-val` S-expression, e.g. `(7:sig-val(5:eddsa(1:r32:..)(1:s32:..)))`.
#[derive(Debug, Default)]
pub struct SigVal {
    pub algo: String,
    pub values: Vec<(String, Vec<u8>)>,
}

impl SigVal {
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        self.values
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_slice())
    }

    /// Parses the canonical S-expression gpg-agent answers PKSIGN with.
    pub fn parse(data: &[u8]) -> Result<Self, OpenPgpError> {
        let bad = || OpenPgpError::Agent("gpg-agent's signature is not a sig-val".into());
        let mut p = Sexp { data, at: 0 };
        p.open().ok_or_else(bad)?;
        if p.atom().ok_or_else(bad)? != b"sig-val" {
            return Err(bad());
        }
        p.open().ok_or_else(bad)?;
        let algo = String::from_utf8_lossy(p.atom().ok_or_else(bad)?).into_owned();
        let mut values = Vec::new();
        while p.peek() == Some(b'(') {
            p.open().ok_or_else(bad)?;
            let name = String::from_utf8_lossy(p.atom().ok_or_else(bad)?).into_owned();
            let value = p.atom().ok_or_else(bad)?.to_vec();
            // Skip anything else in this list, then its closing parenthesis.
            while p.peek().is_some_and(|c| c != b')') {
                p.atom().ok_or_else(bad)?;
            }
            p.close().ok_or_else(bad)?;
            values.push((name, value));
        }
        Ok(Self { algo, values })
    }
}

struct Sexp<'a> {
    data: &'a [u8],
    at: usize,
}

impl<'a> Sexp<'a> {
    fn peek(&self) -> Option<u8> {
        self.data.get(self.at).copied()
    }

    fn open(&mut self) -> Option<()> {
        (self.peek()? == b'(').then(|| self.at += 1)
    }

    fn close(&mut self) -> Option<()> {
        (self.peek()? == b')').then(|| self.at += 1)
    }

    /// `<decimal length>:<bytes>`.
    fn atom(&mut self) -> Option<&'a [u8]> {
        let start = self.at;
        while self.peek()?.is_ascii_digit() {
            self.at += 1;
        }
        let len: usize = std::str::from_utf8(&self.data[start..self.at])
            .ok()?
            .parse()
            .ok()?;
        if self.peek()? != b':' {
            return None;
        }
        self.at += 1;
        let value = self.data.get(self.at..self.at.checked_add(len)?)?;
        self.at += len;
        Some(value)
    }
}

/// Assuan data escaping: `%XX` for `%`, CR, LF (and any control character).
fn escape(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c == '%' || (c as u32) < 0x20 {
            out.push_str(&format!("%{:02X}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// SETKEYDESC's "plus-percent" escaping: spaces become `+`.
fn plus_escape(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        match c {
            ' ' => out.push('+'),
            '+' | '%' | '"' => out.push_str(&format!("%{:02X}", c as u32)),
            c if (c as u32) < 0x20 => out.push_str(&format!("%{:02X}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

fn unescape(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len());
    let mut i = 0;
    while i < data.len() {
        if data[i] == b'%'
            && let Some(byte) = data
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(data[i]);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_agent_signatures() {
        let mut sexp = b"(7:sig-val(5:eddsa(1:r4:\x01\x02\x03\x04)(1:s2:\x05\x06)))".to_vec();
        let v = SigVal::parse(&sexp).unwrap();
        assert_eq!(v.algo, "eddsa");
        assert_eq!(v.get("r"), Some(&[1u8, 2, 3, 4][..]));
        assert_eq!(v.get("s"), Some(&[5u8, 6][..]));
        sexp.truncate(20);
        assert!(SigVal::parse(&sexp).is_err());
        assert!(SigVal::parse(b"(7:sig-val(3:rsa(1:s999:ab)))").is_err());
    }

    #[test]
    fn keyinfo_says_when_signing_asks_nobody() {
        let info = |line: &str| KeyInfo::parse(&[line.to_string()]).map(|i| i.signs_silently);
        let grip = "F053751C7569C061C747F11BA2B5933BCDAB32C6";
        assert_eq!(info(&format!("KEYINFO {grip} D - - - C - - -")), Some(true));
        assert_eq!(info(&format!("KEYINFO {grip} D - - 1 P - - -")), Some(true));
        assert_eq!(
            info(&format!("KEYINFO {grip} D - - - P - - -")),
            Some(false)
        );
        assert_eq!(
            info(&format!("KEYINFO {grip} T D2760001 OPENPGP.1 - - - - -")),
            Some(false)
        );
        assert_eq!(info("PROGRESS x"), None);
    }

    #[test]
    fn key_files_say_whether_signing_asks() {
        let info = |head: &[u8]| KeyInfo::from_key_file(head).map(|i| i.signs_silently);
        assert_eq!(info(b"(11:private-key(3:ecc(5:curve7:Ed25519)"), Some(true));
        assert_eq!(info(b"(21:protected-private-key(3:rsa"), Some(false));
        assert_eq!(info(b"(20:shadowed-private-key(3:rsa"), Some(false));
        assert_eq!(
            info(b"Created: 20261124T230025\nKey: (private-key (ecc (curve Ed25519)"),
            Some(true)
        );
        assert_eq!(
            info(b"Description: x\nKey: (protected-private-key (rsa (n #00"),
            Some(false)
        );
        assert_eq!(info(b"garbage"), None);
        assert_eq!(info(b""), None);
    }

    #[test]
    fn socket_subdirs_are_gnupgs() {
        // `GNUPGHOME=/tmp/pgpw/g gpgconf --list-dirs agent-socket` (GnuPG 2.2.40, with a
        // /run/user/0 directory) printed /run/user/0/gnupg/d.uxgrkgz5eoif5yci7w76nyic/S.gpg-agent.
        assert_eq!(socket_subdir("/tmp/pgpw/g"), "d.uxgrkgz5eoif5yci7w76nyic");
    }

    #[test]
    fn escapes_both_ways() {
        assert_eq!(unescape(b"a%0Ab%25c%2"), b"a\nb%c%2");
        assert_eq!(plus_escape("a \"b\"\n+"), "a+%22b%22%0A%2B");
        assert_eq!(escape("x%\n"), "x%25%0A");
    }
}
