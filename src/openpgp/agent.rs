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
pub struct Agent {
    writer: UnixStream,
    reader: BufReader<UnixStream>,
}

impl Agent {
    /// Connects to the agent's socket and reads its greeting.
    pub fn connect(socket: &Path) -> Result<Self, OpenPgpError> {
        let stream = UnixStream::connect(socket).map_err(|e| {
            OpenPgpError::Agent(format!("cannot connect to {}: {e}", socket.display()))
        })?;
        let reader = BufReader::new(
            stream
                .try_clone()
                .map_err(|e| OpenPgpError::Agent(e.to_string()))?,
        );
        let mut agent = Self {
            writer: stream,
            reader,
        };
        agent.response()?;
        Ok(agent)
    }

    /// Tells the agent where its pinentry should appear.
    pub fn set_session(&mut self, options: &SessionOptions) -> Result<(), OpenPgpError> {
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
                let _ = self.command(&format!("OPTION {name}={}", escape(value)));
            }
        }
        let _ = self.command("OPTION allow-pinentry-notify");
        let _ = self.command("OPTION agent-awareness=2.1.0");
        Ok(())
    }

    /// Whether the agent holds the secret key with this keygrip.
    pub fn has_key(&mut self, grip: &Keygrip) -> bool {
        self.command(&format!("HAVEKEY {grip}")).is_ok()
    }

    /// Signs a digest with the key `grip`; `description` is shown by pinentry if a
    /// passphrase is needed. Returns the S-expression's values by name (`r`, `s`).
    pub fn sign(
        &mut self,
        grip: &Keygrip,
        description: &str,
        hash_algo: u8,
        digest: &[u8],
    ) -> Result<SigVal, OpenPgpError> {
        self.command("RESET")?;
        self.command(&format!("SIGKEY {grip}"))?;
        self.command(&format!("SETKEYDESC {}", plus_escape(description)))?;
        let hex: String = digest.iter().map(|b| format!("{b:02X}")).collect();
        self.command(&format!("SETHASH {hash_algo} {hex}"))?;
        let data = self.command("PKSIGN")?;
        SigVal::parse(&data)
    }

    /// Sends one command and collects its data until `OK`.
    fn command(&mut self, line: &str) -> Result<Vec<u8>, OpenPgpError> {
        self.writer
            .write_all(format!("{line}\n").as_bytes())
            .map_err(|e| OpenPgpError::Agent(format!("writing to gpg-agent: {e}")))?;
        self.response()
    }

    fn response(&mut self) -> Result<Vec<u8>, OpenPgpError> {
        let mut data = Vec::new();
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
                return Ok(data);
            } else if let Some(rest) = line.strip_prefix(b"D ") {
                data.extend(unescape(rest));
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
            // "S ..." status and "# ..." comments carry nothing we need.
        }
    }
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
    fn escapes_both_ways() {
        assert_eq!(unescape(b"a%0Ab%25c%2"), b"a\nb%c%2");
        assert_eq!(plus_escape("a \"b\"\n+"), "a+%22b%22%0A%2B");
        assert_eq!(escape("x%\n"), "x%25%0A");
    }
}
