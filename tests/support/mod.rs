//! The test environment: every test gets its own temporary directory with its own HOME,
//! TMPDIR and GNUPGHOME, and runs programs with a cleared environment (after jj's
//! `test_environment.rs`). Real programs (git, ssh-keygen, ssh-agent) are the reference;
//! a test that needs one and cannot find it fails, saying what to install.

pub mod faulty;
pub mod rekor_index;
pub mod rekor_v2;
pub mod sigstore_servers;
pub mod sigstore_stack;
pub mod sigstore_world;
pub mod sshsig;

use std::collections::HashMap;
use std::ffi::OsStr;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// The binary under test.
pub const GITSEAL: &str = env!("CARGO_BIN_EXE_gitseal");

/// Every commit and tag is made at this instant (2023-11-14 22:13:20 UTC), so two
/// repositories built the same way get the same object ids.
pub const COMMIT_TIME: &str = "1700000000 +0000";

/// Signer identity used by the repositories and allowed_signers files.
pub const PRINCIPAL: &str = "signer@example.com";

/// Finds `program` on PATH, or fails the test saying which package provides it.
pub fn require(program: &str, package: &str) -> PathBuf {
    find_in_path(program)
        .unwrap_or_else(|| panic!("this test needs {program}: apt-get install {package}"))
}

pub fn find_in_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

fn path_var() -> std::ffi::OsString {
    std::env::var_os("PATH").unwrap_or_else(|| "/usr/local/bin:/usr/bin:/bin".into())
}

/// What a finished command printed and how it exited.
pub struct Run {
    /// What ran, for failure messages.
    pub what: String,
    pub code: i32,
    pub stdout: Vec<u8>,
    pub stderr: String,
}

impl Run {
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// stderr lines without ssh-keygen's `\r` (its log lines end in `\r\n`).
    pub fn stderr_lines(&self) -> Vec<String> {
        self.stderr
            .lines()
            .map(|l| l.trim_end_matches('\r').to_string())
            .filter(|l| !l.is_empty())
            .collect()
    }

    /// Fails the test unless the command exited 0.
    #[track_caller]
    pub fn success(self) -> Self {
        assert_eq!(self.code, 0, "{} failed\n{}", self.what, self.describe());
        self
    }

    /// Fails the test unless the command exited with `code`.
    #[track_caller]
    pub fn exit(self, code: i32) -> Self {
        assert_eq!(
            self.code,
            code,
            "{}: unexpected exit code\n{}",
            self.what,
            self.describe()
        );
        self
    }

    /// Fails the test if gitseal panicked.
    #[track_caller]
    pub fn no_panic(self) -> Self {
        assert!(
            !self.stderr.contains("panicked"),
            "{} panicked\n{}",
            self.what,
            self.describe()
        );
        self
    }

    pub fn describe(&self) -> String {
        format!(
            "exit: {}\nstdout:\n{}\nstderr:\n{}",
            self.code,
            self.stdout(),
            self.stderr
        )
    }
}

/// Runs `cmd` with stdin closed (already set up by [`TestEnv::command`]).
pub fn run(cmd: &mut Command) -> Run {
    run_with_stdin(cmd, None)
}

/// Runs `cmd` feeding `input` on stdin.
pub fn run_stdin(cmd: &mut Command, input: &[u8]) -> Run {
    run_with_stdin(cmd, Some(input))
}

fn run_with_stdin(cmd: &mut Command, input: Option<&[u8]>) -> Run {
    let what = describe(cmd);
    if input.is_some() {
        cmd.stdin(Stdio::piped());
    }
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {what}: {e}"));
    if let Some(input) = input {
        let mut stdin = child.stdin.take().expect("piped stdin");
        let input = input.to_vec();
        // A writer thread: the child may exit (or fill its stdout) before reading it all.
        std::thread::spawn(move || {
            let _ = stdin.write_all(&input);
        });
    }
    let output = child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("cannot wait for {what}: {e}"));
    let code = output
        .status
        .code()
        .unwrap_or_else(|| panic!("{what} was killed by a signal: {:?}", output.status));
    Run {
        what,
        code,
        stdout: output.stdout,
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn describe(cmd: &Command) -> String {
    let mut text = cmd.get_program().to_string_lossy().into_owned();
    for arg in cmd.get_args() {
        text.push(' ');
        let arg = arg.to_string_lossy();
        if arg.is_empty() || arg.contains(' ') {
            text.push_str(&format!("'{arg}'"));
        } else {
            text.push_str(&arg);
        }
    }
    text
}

/// One test's world: a temporary directory holding HOME, TMPDIR, GNUPGHOME and whatever
/// the test writes. Removed when dropped.
pub struct TestEnv {
    root: tempfile::TempDir,
    home: PathBuf,
    tmp: PathBuf,
    gnupghome: PathBuf,
}

impl TestEnv {
    pub fn new() -> Self {
        // Short paths: ssh-agent's socket lives here and sun_path holds 108 bytes.
        let root = tempfile::Builder::new()
            .prefix("gitseal-it")
            .tempdir()
            .expect("temporary directory");
        let home = root.path().join("home");
        let tmp = root.path().join("tmp");
        let gnupghome = home.join(".gnupg");
        for dir in [&home, &tmp, &gnupghome] {
            std::fs::create_dir_all(dir).expect("create test directory");
        }
        set_mode(&gnupghome, 0o700);
        Self {
            root,
            home,
            tmp,
            gnupghome,
        }
    }

    pub fn root(&self) -> &Path {
        self.root.path()
    }

    pub fn home(&self) -> &Path {
        &self.home
    }

    /// A path inside the test directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.root.path().join(name)
    }

    /// Writes a file in the test directory and returns its path.
    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path(name);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("create directory");
        }
        std::fs::write(&path, contents).expect("write test file");
        path
    }

    /// `program` with a cleared environment plus the hermetic variables, run in the test
    /// directory with stdin closed.
    pub fn command(&self, program: impl AsRef<OsStr>) -> Command {
        let mut cmd = Command::new(program);
        cmd.env_clear()
            .env("PATH", path_var())
            .env("HOME", &self.home)
            .env("TMPDIR", &self.tmp)
            .env("GNUPGHOME", &self.gnupghome)
            .env("TZ", "UTC")
            .env("LANG", "C")
            .env("LC_ALL", "C")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            // Never wait for a person to log in, whether or not a terminal is there; the
            // tests of the logins name the flow with gitseal.tokenProvider.
            .env("GITSEAL_INTERACTIVE", "false")
            .env("GIT_CONFIG_GLOBAL", self.home.join(".gitconfig"))
            .env("GIT_AUTHOR_NAME", "A U Thor")
            .env("GIT_AUTHOR_EMAIL", PRINCIPAL)
            .env("GIT_COMMITTER_NAME", "C O Mitter")
            .env("GIT_COMMITTER_EMAIL", PRINCIPAL)
            .env("GIT_AUTHOR_DATE", COMMIT_TIME)
            .env("GIT_COMMITTER_DATE", COMMIT_TIME)
            .current_dir(self.root.path())
            .stdin(Stdio::null());
        cmd
    }

    pub fn gitseal(&self) -> Command {
        self.command(GITSEAL)
    }

    pub fn ssh_keygen(&self) -> Command {
        require("ssh-keygen", "openssh-client");
        self.command("ssh-keygen")
    }

    /// The program under test or the reference, by name.
    pub fn program(&self, program: Program) -> Command {
        match program {
            Program::Gitseal => self.gitseal(),
            Program::SshKeygen => self.ssh_keygen(),
        }
    }

    /// git, run in `dir`.
    pub fn git(&self, dir: &Path) -> Command {
        require("git", "git");
        let mut cmd = self.command("git");
        cmd.current_dir(dir);
        cmd
    }

    /// A key of `kind` for the role `name`, in the test directory as `<name>-<kind>` and
    /// `<name>-<kind>.pub`. The key material comes from a process-wide cache: the same kind
    /// and role give the same key in every test, different roles give different keys, and
    /// each is generated once by the real ssh-keygen (RSA generation is slow).
    pub fn key(&self, kind: KeyType, name: &str) -> Key {
        let cached = cached_key(kind, name);
        let file = format!("{name}-{}", kind.slug());
        let key = Key {
            private: self.path(&file),
            public: self.path(&format!("{file}.pub")),
            kind,
        };
        std::fs::copy(&cached, &key.private).expect("copy private key");
        std::fs::copy(cached.with_extension("pub"), &key.public).expect("copy public key");
        set_mode(&key.private, 0o600);
        key
    }

    /// A newly generated Ed25519 key encrypted with `passphrase`.
    pub fn encrypted_key(&self, name: &str, passphrase: &str) -> Key {
        let private = self.path(name);
        run(self
            .ssh_keygen()
            .args(["-q", "-t", "ed25519", "-C", "encrypted@test", "-N"])
            .arg(passphrase)
            .arg("-f")
            .arg(&private))
        .success();
        Key {
            public: self.path(&format!("{name}.pub")),
            private,
            kind: KeyType::Ed25519,
        }
    }

    /// A new unencrypted P-521 key whose private scalar OpenSSH stored in fewer than 66
    /// bytes (an mpint drops leading zeros: about one key in four). Such keys have tripped
    /// ssh-key 0.6.7; generated until one turns up.
    pub fn p521_key_with_short_scalar(&self, name: &str) -> Key {
        let private = self.path(name);
        let public = self.path(&format!("{name}.pub"));
        for _ in 0..200 {
            let _ = std::fs::remove_file(&private);
            let _ = std::fs::remove_file(&public);
            run(self
                .ssh_keygen()
                .args([
                    "-q",
                    "-t",
                    "ecdsa",
                    "-b",
                    "521",
                    "-N",
                    "",
                    "-C",
                    "short@test",
                    "-f",
                ])
                .arg(&private))
            .success();
            if ecdsa_scalar_len(&private) < 66 {
                return Key {
                    private,
                    public,
                    kind: KeyType::Ecdsa521,
                };
            }
        }
        panic!("200 P-521 keys and none with a short scalar");
    }

    /// Has `ca` certify `key` as a user certificate (`ssh-keygen -s`), written beside the
    /// key as `<name>-cert.pub`. `validity` is ssh-keygen's `-V` interval (none: forever).
    pub fn certify(
        &self,
        ca: &Key,
        key: &Key,
        principals: &[&str],
        validity: Option<&str>,
    ) -> PathBuf {
        let mut cmd = self.ssh_keygen();
        cmd.args(["-q", "-s"]).arg(&ca.private).args([
            "-I",
            "test-certificate",
            "-n",
            &principals.join(","),
        ]);
        if let Some(validity) = validity {
            cmd.args(["-V", validity]);
        }
        run(cmd.arg(&key.public)).success();
        let cert = key.cert_path();
        assert!(cert.exists(), "ssh-keygen -s wrote no {}", cert.display());
        cert
    }

    /// Writes an allowed_signers file from whole lines.
    pub fn allowed_signers(&self, name: &str, lines: &[String]) -> PathBuf {
        let mut text = lines.join("\n");
        text.push('\n');
        self.write(name, text)
    }

    /// A repository whose `gpg.ssh.program` is `program`, signing with `signing_key` and
    /// verifying against `allowed_signers` (the config git's own tests use).
    pub fn init_repo(
        &self,
        name: &str,
        program: Program,
        signing_key: &Path,
        allowed_signers: &Path,
    ) -> Repo<'_> {
        let dir = self.path(name);
        std::fs::create_dir_all(&dir).expect("create repository directory");
        let repo = Repo {
            env: self,
            dir,
            program,
        };
        repo.git(&["init", "-q", "-b", "main"]).success();
        let program_path = match program {
            Program::Gitseal => GITSEAL.to_string(),
            Program::SshKeygen => require("ssh-keygen", "openssh-client")
                .display()
                .to_string(),
        };
        for (key, value) in [
            ("user.name", "A U Thor".to_string()),
            ("user.email", PRINCIPAL.to_string()),
            ("gpg.format", "ssh".to_string()),
            ("gpg.ssh.program", program_path),
            ("user.signingKey", signing_key.display().to_string()),
            (
                "gpg.ssh.allowedSignersFile",
                allowed_signers.display().to_string(),
            ),
        ] {
            repo.git(&["config", key, &value]).success();
        }
        repo
    }

    /// Starts a private ssh-agent for this test; it is killed when the guard drops, also
    /// when the test panics.
    pub fn start_agent(&self) -> AgentGuard {
        require("ssh-agent", "openssh-client");
        let socket = self.path("agent.sock");
        let child = self
            .command("ssh-agent")
            .arg("-D")
            .arg("-a")
            .arg(&socket)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start ssh-agent");
        let guard = AgentGuard { child, socket };
        // Until a connection is taken, not until the file exists: the agent binds the
        // socket (which makes the file) before it listens, and a client in between is
        // refused. A bound on waiting, not a timing assertion.
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::os::unix::net::UnixStream::connect(&guard.socket).is_err() {
            assert!(
                Instant::now() < deadline,
                "ssh-agent does not listen on its socket"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
        guard
    }
}

/// Kills the test's ssh-agent on drop.
pub struct AgentGuard {
    child: Child,
    pub socket: PathBuf,
}

impl AgentGuard {
    /// `cmd` talking to this agent.
    pub fn with<'c>(&self, cmd: &'c mut Command) -> &'c mut Command {
        cmd.env("SSH_AUTH_SOCK", &self.socket)
    }
}

impl Drop for AgentGuard {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Which program plays `gpg.ssh.program`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Program {
    Gitseal,
    SshKeygen,
}

impl Program {
    pub const BOTH: [Program; 2] = [Program::Gitseal, Program::SshKeygen];
}

/// A repository set up by [`TestEnv::init_repo`].
pub struct Repo<'a> {
    pub env: &'a TestEnv,
    pub dir: PathBuf,
    pub program: Program,
}

impl Repo<'_> {
    pub fn git(&self, args: &[&str]) -> Run {
        run(self.env.git(&self.dir).args(args))
    }

    /// git with `-c key=value` settings in front of `args`.
    pub fn git_with(&self, config: &[(&str, &str)], args: &[&str]) -> Run {
        let mut cmd = self.env.git(&self.dir);
        for (key, value) in config {
            cmd.arg("-c").arg(format!("{key}={value}"));
        }
        run(cmd.args(args))
    }

    /// git with `input` on stdin.
    pub fn git_stdin(&self, args: &[&str], input: &[u8]) -> Run {
        run_stdin(self.env.git(&self.dir).args(args), input)
    }

    /// The trimmed stdout of a git command that must succeed.
    #[track_caller]
    pub fn git_out(&self, args: &[&str]) -> String {
        self.git(args).success().stdout().trim_end().to_string()
    }

    /// Commits a file and signs the commit (`git commit -S`); returns the commit id.
    #[track_caller]
    pub fn signed_commit(&self, message: &str) -> String {
        std::fs::write(self.dir.join("file.txt"), format!("{message}\n")).expect("write file");
        self.git(&["add", "file.txt"]).success();
        self.git(&["commit", "-q", "-S", "-m", message]).success();
        self.git_out(&["rev-parse", "HEAD"])
    }

    /// Commits without a signature; returns the commit id.
    #[track_caller]
    pub fn unsigned_commit(&self, message: &str) -> String {
        std::fs::write(self.dir.join("file.txt"), format!("{message}\n")).expect("write file");
        self.git(&["add", "file.txt"]).success();
        self.git_with(
            &[("commit.gpgSign", "false")],
            &["commit", "-q", "-m", message],
        )
        .success();
        self.git_out(&["rev-parse", "HEAD"])
    }

    /// Writes a commit object as is (no checks beyond git's) and moves the branch to it.
    #[track_caller]
    pub fn write_commit(&self, raw: &[u8]) -> String {
        let id = self
            .git_stdin(&["hash-object", "-t", "commit", "-w", "--stdin"], raw)
            .success()
            .stdout()
            .trim()
            .to_string();
        self.git(&["update-ref", "HEAD", &id]).success();
        id
    }

    /// `git log -1 --format=%G?|%GS|%GK|%GF|%GP|%GT` for `rev`, with extra `-c` settings.
    pub fn signature_summary(&self, rev: &str, config: &[(&str, &str)]) -> String {
        self.git_with(
            config,
            &["log", "-1", "--format=%G?|%GS|%GK|%GF|%GP|%GT", rev],
        )
        .success()
        .stdout()
        .trim_end()
        .to_string()
    }
}

/// Inserts a `gpgsig` header (an armored SSH signature) into an unsigned commit object,
/// after the committer line, as git writes it.
pub fn commit_with_signature(unsigned: &str, armored: &str) -> String {
    let (headers, body) = unsigned
        .split_once("\n\n")
        .expect("commit object has a header/body separator");
    let mut signature = String::from("gpgsig");
    for (i, line) in armored.trim_end_matches('\n').lines().enumerate() {
        signature.push_str(if i == 0 { " " } else { "\n " });
        signature.push_str(line);
    }
    format!("{headers}\n{signature}\n\n{body}")
}

/// Key types ssh-keygen generates and gitseal signs with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyType {
    Ed25519,
    Ecdsa256,
    Ecdsa384,
    Ecdsa521,
    Rsa3072,
    Rsa4096,
}

impl KeyType {
    pub const ALL: [KeyType; 6] = [
        KeyType::Ed25519,
        KeyType::Ecdsa256,
        KeyType::Ecdsa384,
        KeyType::Ecdsa521,
        KeyType::Rsa3072,
        KeyType::Rsa4096,
    ];

    fn keygen_args(self) -> [&'static str; 4] {
        match self {
            KeyType::Ed25519 => ["-t", "ed25519", "-b", "256"],
            KeyType::Ecdsa256 => ["-t", "ecdsa", "-b", "256"],
            KeyType::Ecdsa384 => ["-t", "ecdsa", "-b", "384"],
            KeyType::Ecdsa521 => ["-t", "ecdsa", "-b", "521"],
            KeyType::Rsa3072 => ["-t", "rsa", "-b", "3072"],
            KeyType::Rsa4096 => ["-t", "rsa", "-b", "4096"],
        }
    }

    fn slug(self) -> &'static str {
        match self {
            KeyType::Ed25519 => "ed25519",
            KeyType::Ecdsa256 => "ecdsa256",
            KeyType::Ecdsa384 => "ecdsa384",
            KeyType::Ecdsa521 => "ecdsa521",
            KeyType::Rsa3072 => "rsa3072",
            KeyType::Rsa4096 => "rsa4096",
        }
    }

    /// Ed25519 and RSA PKCS#1 v1.5 signatures are deterministic: two correct signers
    /// produce the same bytes.
    pub fn deterministic(self) -> bool {
        matches!(self, KeyType::Ed25519 | KeyType::Rsa3072 | KeyType::Rsa4096)
    }

    /// The type as ssh-keygen prints it in "Good ... with <TYPE> key".
    pub fn type_name(self) -> &'static str {
        match self {
            KeyType::Ed25519 => "ED25519",
            KeyType::Ecdsa256 | KeyType::Ecdsa384 | KeyType::Ecdsa521 => "ECDSA",
            KeyType::Rsa3072 | KeyType::Rsa4096 => "RSA",
        }
    }
}

/// A key pair on disk.
pub struct Key {
    pub private: PathBuf,
    pub public: PathBuf,
    pub kind: KeyType,
}

impl Key {
    /// `<type> <base64>` without the comment, as in allowed_signers.
    pub fn public_line(&self) -> String {
        let text = std::fs::read_to_string(&self.public).expect("read public key");
        let mut fields = text.split_whitespace();
        format!(
            "{} {}",
            fields.next().expect("key type"),
            fields.next().expect("key body")
        )
    }

    /// An allowed_signers line for `principals` with `options` (may be empty).
    pub fn allowed(&self, principals: &str, options: &str) -> String {
        if options.is_empty() {
            format!("{principals} {}", self.public_line())
        } else {
            format!("{principals} {options} {}", self.public_line())
        }
    }

    /// `SHA256:<unpadded base64>` of the key blob, computed here (not by either program).
    pub fn fingerprint(&self) -> String {
        use base64ct::{Base64Unpadded, Encoding};
        use sha2::Digest;
        let line = self.public_line();
        let body = line.split_whitespace().nth(1).expect("key body");
        let blob = base64ct::Base64::decode_vec(body).expect("key base64");
        format!(
            "SHA256:{}",
            Base64Unpadded::encode_string(&sha2::Sha256::digest(&blob))
        )
    }

    /// Where `ssh-keygen -s` writes this key's certificate.
    pub fn cert_path(&self) -> PathBuf {
        let name = self.private.file_name().expect("key file name");
        self.private
            .with_file_name(format!("{}-cert.pub", name.to_string_lossy()))
    }
}

type KeySlot = Arc<OnceLock<PathBuf>>;

/// The process-wide key cache: a directory under cargo's test tmpdir, named by our pid;
/// directories of test runs that have ended are removed when the first key is made.
fn cached_key(kind: KeyType, name: &str) -> PathBuf {
    static SLOTS: OnceLock<Mutex<HashMap<(KeyType, String), KeySlot>>> = OnceLock::new();
    let slot = {
        let mut slots = SLOTS
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        slots.entry((kind, name.to_string())).or_default().clone()
    };
    slot.get_or_init(|| {
        let dir = cache_dir();
        let path = dir.join(format!("{name}-{}", kind.slug()));
        // ssh-keygen asks before overwriting; a reused pid may have left files here.
        let _ = std::fs::remove_file(&path);
        let _ = std::fs::remove_file(path.with_extension("pub"));
        require("ssh-keygen", "openssh-client");
        let mut cmd = Command::new("ssh-keygen");
        cmd.env_clear()
            .env("PATH", path_var())
            .stdin(Stdio::null())
            .args(["-q", "-N", "", "-C", &format!("{name}@test")])
            .args(kind.keygen_args())
            .arg("-f")
            .arg(&path);
        run(&mut cmd).success();
        path
    })
    .clone()
}

fn cache_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let base = Path::new(env!("CARGO_TARGET_TMPDIR"));
        if let Ok(entries) = std::fs::read_dir(base) {
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                if let Some(pid) = name.strip_prefix("keys-")
                    && !Path::new("/proc").join(pid).exists()
                {
                    let _ = std::fs::remove_dir_all(entry.path());
                }
            }
        }
        let dir = base.join(format!("keys-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create key cache");
        dir
    })
}

/// Sets a file's Unix permission bits.
pub fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

/// The length of the private scalar in an unencrypted OpenSSH ECDSA private key file
/// (PROTOCOL.key: the private section holds check ints, key type, curve, Q, then d).
pub fn ecdsa_scalar_len(private_key: &Path) -> usize {
    use base64ct::{Base64, Encoding};
    fn string<'a>(data: &mut &'a [u8]) -> &'a [u8] {
        let len = u32::from_be_bytes(data[..4].try_into().unwrap()) as usize;
        let (value, rest) = data[4..].split_at(len);
        *data = rest;
        value
    }
    let text = std::fs::read_to_string(private_key).expect("read private key");
    let body: String = text.lines().filter(|l| !l.starts_with("-----")).collect();
    let container = Base64::decode_vec(&body).expect("private key base64");
    let mut data = container
        .strip_prefix(b"openssh-key-v1\0".as_slice())
        .expect("openssh private key");
    assert_eq!(string(&mut data), b"none", "encrypted key");
    string(&mut data); // kdf name
    string(&mut data); // kdf options
    let keys = u32::from_be_bytes(data[..4].try_into().unwrap());
    data = &data[4..];
    for _ in 0..keys {
        string(&mut data);
    }
    let mut private = string(&mut data);
    private = &private[8..]; // check ints
    assert!(
        string(&mut private).starts_with(b"ecdsa-sha2-"),
        "not ECDSA"
    );
    string(&mut private); // curve
    string(&mut private); // Q
    string(&mut private).len()
}
