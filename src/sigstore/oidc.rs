//! The interactive OIDC logins of keyless signing: the browser flow (authorization code
//! with PKCE, the redirect received on a loopback port) and, when no browser can be used,
//! the device flow (RFC 8628). Both start from the issuer's discovery document. Fulcio
//! authenticates the token before certifying anything (docs/sigstore.md, "Logins"); what
//! the logins check themselves is that the token answers *this* login: its audience is
//! our client id and (browser flow) its nonce is the one we sent, so that a code another
//! local user logged in with and delivered to our port is not used.
//!
//! Another local user can read every process's command line and connect to every
//! loopback port. So the browser is given only a one-time start URL on our own listener
//! (an unguessable path that redirects to the issuer's authorization URL and answers
//! once): the state, nonce, PKCE challenge and port never appear in an argument. The
//! listener ignores requests that do not carry this login's state and keeps waiting, and
//! the redirect URI names the IP literal it listens on (RFC 8252 section 7.3), never
//! `localhost`, which may resolve to another address first.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener};
use std::time::{Duration, Instant};

use base64ct::{Base64UrlUnpadded, Encoding};
use rand_core::RngCore;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::ExchangeFailure;
use super::sign::{SignError, SignSettings};
use crate::secret::Secret;

/// How long a person has to finish logging in.
pub const LOGIN_WAIT: Duration = Duration::from_secs(300);

/// The most an issuer's answer (discovery, device authorization, token, GitHub Actions'
/// token service) may be: each is a few KiB. Read whole first, they were unbounded (an
/// issuer answering 1.5 GiB made gitseal hold all of it).
pub const MAX_ANSWER_BYTES: usize = 1024 * 1024;

/// The issuer's discovery document, as far as the logins use it.
#[derive(Deserialize)]
pub struct Discovery {
    authorization_endpoint: Option<String>,
    token_endpoint: String,
    device_authorization_endpoint: Option<String>,
}

/// The token endpoint's answer: a token, or why not.
#[derive(Deserialize)]
pub struct TokenAnswer {
    id_token: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// An error of the logins: the issuer, then the cause on one line, escaped (it often
/// carries the issuer's own words).
fn oidc_error(settings: &SignSettings, cause: impl std::fmt::Display) -> SignError {
    SignError::Token(format!(
        "oidc ({}): {}",
        crate::output::escape::text(&settings.issuer),
        crate::output::escape::text(&super::one_line(&cause.to_string()))
    ))
}

fn random_url_safe(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand_core::OsRng.fill_bytes(&mut buf);
    Base64UrlUnpadded::encode_string(&buf)
}

/// Reads an issuer's answer, at most [`MAX_ANSWER_BYTES`] of it, whatever its status (the
/// token endpoint says why in a 400's body); `what` names the request in errors.
fn answer(
    settings: &SignSettings,
    runtime: &tokio::runtime::Runtime,
    request: reqwest::RequestBuilder,
    what: &str,
) -> Result<(u16, Vec<u8>), String> {
    super::read_answer(runtime, request, settings.timeout, MAX_ANSWER_BYTES).map_err(|failure| {
        match failure {
            ExchangeFailure::Transport(why) | ExchangeFailure::Status(why) => {
                format!("{what}: {why}")
            }
            ExchangeFailure::TooLarge(status) => format!(
                "{what}: HTTP {} with an answer of more than {MAX_ANSWER_BYTES} bytes; refused",
                status.as_u16()
            ),
        }
    })
}

fn discover(
    settings: &SignSettings,
    runtime: &tokio::runtime::Runtime,
    http: &reqwest::Client,
) -> Result<Discovery, SignError> {
    let url = format!("{}/.well-known/openid-configuration", settings.issuer);
    let (status, body) = answer(settings, runtime, http.get(&url), "discovery")
        .map_err(|e| oidc_error(settings, e))?;
    if !(200..300).contains(&status) {
        return Err(oidc_error(
            settings,
            format!("discovery answered HTTP {status}"),
        ));
    }
    discovery_document(&body)
        .ok_or_else(|| oidc_error(settings, "the discovery document is not OIDC's"))
}

/// The issuer's discovery document, if it is one. Public for the fuzz target
/// `oidc_answers` (`crate::fuzzing`), as are the other answers' readers.
pub fn discovery_document(body: &[u8]) -> Option<Discovery> {
    serde_json::from_slice(body).ok()
}

/// Logs in interactively: the browser flow, unless `gitseal.tokenProvider` is `device`
/// or no browser can be started; then the device flow.
pub fn login(
    settings: &SignSettings,
    runtime: &tokio::runtime::Runtime,
    http: &reqwest::Client,
    tell: &mut dyn FnMut(&str),
) -> Result<Secret, SignError> {
    let discovery = discover(settings, runtime, http)?;
    let device_only = settings.token_provider.as_deref() == Some("device");
    if !device_only && let Some(endpoint) = &discovery.authorization_endpoint {
        match browser(
            settings,
            runtime,
            http,
            endpoint,
            &discovery.token_endpoint,
            tell,
        )? {
            Some(token) => return Ok(token),
            None => tell("no browser could be started; using the device flow"),
        }
    }
    let Some(device_endpoint) = &discovery.device_authorization_endpoint else {
        return Err(oidc_error(
            settings,
            "no browser could be started and the issuer offers no device flow",
        ));
    };
    device(
        settings,
        runtime,
        http,
        device_endpoint,
        &discovery.token_endpoint,
        tell,
    )
}

/// `gitseal.redirectURL`: where the browser login listens and what it sends as its
/// redirect URI. Loopback only: a listener on another address (`0.0.0.0`) would take the
/// code from anyone on the network.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RedirectUrl {
    pub addr: SocketAddr,
    pub path: String,
}

impl RedirectUrl {
    /// The default: a free port on 127.0.0.1, `/auth/callback`.
    pub fn loopback() -> RedirectUrl {
        RedirectUrl {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            path: "/auth/callback".into(),
        }
    }

    /// `http://127.0.0.1:PORT/PATH` or `http://[::1]:PORT/PATH`; `localhost` is taken
    /// as 127.0.0.1 (RFC 8252 section 8.3: the IP literal, not a name that may resolve
    /// elsewhere first). Port 0 is a free port.
    pub fn parse(text: &str) -> Result<RedirectUrl, String> {
        let url = reqwest::Url::parse(text).map_err(|e| format!("not a URL ({e})"))?;
        if url.scheme() != "http" {
            return Err("the loopback redirect is plain http".into());
        }
        let host = url.host_str().unwrap_or("");
        let ip: std::net::IpAddr = if host.eq_ignore_ascii_case("localhost") {
            std::net::Ipv4Addr::LOCALHOST.into()
        } else {
            host.trim_start_matches('[')
                .trim_end_matches(']')
                .parse()
                .map_err(|_| "its host is not a loopback address")?
        };
        if !ip.is_loopback() {
            return Err("its host is not a loopback address".into());
        }
        let port = url.port().ok_or("it names no port")?;
        Ok(RedirectUrl {
            addr: SocketAddr::new(ip, port),
            path: url.path().to_string(),
        })
    }
}

/// The authorization code flow with PKCE. `None` when no browser could be started.
fn browser(
    settings: &SignSettings,
    runtime: &tokio::runtime::Runtime,
    http: &reqwest::Client,
    authorization_endpoint: &str,
    token_endpoint: &str,
    tell: &mut dyn FnMut(&str),
) -> Result<Option<Secret>, SignError> {
    let redirect = settings
        .redirect
        .clone()
        .unwrap_or_else(RedirectUrl::loopback);
    // Settings are checked where they are read; the listener is checked where it opens.
    if !redirect.addr.ip().is_loopback() {
        return Err(oidc_error(
            settings,
            format!(
                "the login listener must be on a loopback address, not {}",
                redirect.addr.ip()
            ),
        ));
    }
    let listener = TcpListener::bind(redirect.addr)
        .map_err(|e| oidc_error(settings, format!("cannot listen for the redirect: {e}")))?;
    // `http://127.0.0.1:PORT` or `http://[::1]:PORT`: exactly what is listened on.
    let origin = format!(
        "http://{}",
        listener.local_addr().map_err(|e| oidc_error(settings, e))?
    );
    let redirect_uri = format!("{origin}{}", redirect.path);
    let verifier = random_url_safe(32);
    let challenge = Base64UrlUnpadded::encode_string(&Sha256::digest(verifier.as_bytes()));
    let state = random_url_safe(16);
    let nonce = random_url_safe(16);
    let mut url = reqwest::Url::parse(authorization_endpoint)
        .map_err(|e| oidc_error(settings, format!("authorization endpoint: {e}")))?;
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &settings.client_id)
        .append_pair("redirect_uri", &redirect_uri)
        .append_pair("scope", "openid email")
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256")
        .append_pair("state", &state)
        .append_pair("nonce", &nonce);
    if let Some(connector) = &settings.connector_id {
        url.query_pairs_mut().append_pair("connector_id", connector);
    }
    let start_path = format!("/login/{}", random_url_safe(32));
    let start_url = format!("{origin}{start_path}");
    if !open_browser(settings, &start_url) {
        return Ok(None);
    }
    tell(&format!(
        "Your browser will now be opened to:\n{start_url}\n(it leads once to {}'s login page)",
        crate::output::escape::text(&settings.issuer)
    ));
    let loopback = Loopback {
        start_path: &start_path,
        authorization_url: url.as_str(),
        callback_path: &redirect.path,
        state: &state,
    };
    let code =
        receive_code(&listener, &loopback, LOGIN_WAIT).map_err(|e| oidc_error(settings, e))?;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.expose()),
        ("redirect_uri", redirect_uri.as_str()),
        ("client_id", settings.client_id.as_str()),
        ("code_verifier", verifier.as_str()),
    ];
    let answer = token_request(settings, runtime, http, token_endpoint, &form)
        .map_err(|e| oidc_error(settings, e))?;
    match answer.id_token {
        Some(token) => {
            let token = Secret::new(token);
            check_claims(&token, &settings.client_id, Some(&nonce))
                .map_err(|e| oidc_error(settings, e))?;
            Ok(Some(token))
        }
        None => Err(oidc_error(
            settings,
            answer
                .error_description
                .or(answer.error)
                .unwrap_or_else(|| "no ID token in the answer".into()),
        )),
    }
}

/// Checks that an ID token a login was handed answers that login: its audience is our
/// client id and, when we sent one, its nonce is ours (OpenID Connect Core 3.1.3.7).
/// The signature is Fulcio's to check; these claims are what only we can check. Public
/// for the fuzz target `oidc_token`.
pub fn check_claims(token: &Secret, client_id: &str, nonce: Option<&str>) -> Result<(), String> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Audience {
        One(String),
        Many(Vec<String>),
    }
    #[derive(Deserialize)]
    struct Claims {
        aud: Option<Audience>,
        nonce: Option<String>,
    }
    let claims = token
        .expose()
        .split('.')
        .nth(1)
        .and_then(|c| Base64UrlUnpadded::decode_vec(c.trim_end_matches('=')).ok())
        .and_then(|c| serde_json::from_slice::<Claims>(&c).ok())
        .ok_or("the identity token is not a JWT")?;
    let audiences = match claims.aud {
        Some(Audience::One(one)) => vec![one],
        Some(Audience::Many(many)) => many,
        None => Vec::new(),
    };
    if !audiences.iter().any(|a| a == client_id) {
        return Err(format!(
            "the ID token is for {}, not for this client ({client_id}); not used",
            match audiences.as_slice() {
                [] => "no audience".to_string(),
                some => format!("audience {}", some.join(", ")),
            }
        ));
    }
    if let Some(ours) = nonce {
        match claims.nonce.as_deref() {
            Some(theirs) if theirs == ours => {}
            Some(_) => {
                return Err(
                    "the ID token's nonce is not this login's: it answers another \
                            login (delivered by another program?); not used"
                        .into(),
                );
            }
            None => {
                return Err(
                    "the ID token carries no nonce, so it cannot be told to answer \
                            this login; not used"
                        .into(),
                );
            }
        }
    }
    Ok(())
}

/// `$BROWSER URL` when set, else the desktop's opener; whether one started.
fn open_browser(settings: &SignSettings, url: &str) -> bool {
    let mut candidates: Vec<String> = settings.browser.iter().cloned().collect();
    if candidates.is_empty() {
        candidates.push("xdg-open".into());
    }
    candidates.iter().any(|program| {
        std::process::Command::new(program)
            .arg(url)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .is_ok()
    })
}

/// The most of a loopback connection's request line that is read (the authorization code
/// and state are a few hundred bytes).
const MAX_REQUEST_LINE: u64 = 16 * 1024;

/// What the loopback listener of one login answers to.
pub struct Loopback<'a> {
    /// The one-time start URL's path (unguessable): redirects to the authorization URL.
    pub start_path: &'a str,
    pub authorization_url: &'a str,
    /// Where the issuer redirects to (`/auth/callback`).
    pub callback_path: &'a str,
    /// This login's state: only the browser that followed the start URL, and the issuer,
    /// know it.
    pub state: &'a str,
}

/// Serves the login's loopback port until the redirect that carries this login's state
/// comes, or `wait` ends: the start URL once, then the callback. A request without the
/// state, or with another, is answered and ignored (any local process can send one); a
/// second request for the start URL ends the login, since someone else has it too.
fn receive_code(
    listener: &TcpListener,
    login: &Loopback,
    wait: Duration,
) -> Result<Secret, String> {
    listener.set_nonblocking(true).map_err(|e| e.to_string())?;
    let deadline = Instant::now() + wait;
    let mut started = false;
    loop {
        let (stream, _) = match listener.accept() {
            Ok(accepted) => accepted,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                if Instant::now() > deadline {
                    return Err(format!("no login within {} s", wait.as_secs()));
                }
                std::thread::sleep(Duration::from_millis(50));
                continue;
            }
            Err(e) => return Err(e.to_string()),
        };
        stream.set_nonblocking(false).map_err(|e| e.to_string())?;
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .map_err(|e| e.to_string())?;
        // Any local process can connect: a request line is read only so far (a browser's
        // is well under this), and one that cannot be read is dropped, not fatal, so a
        // stray connection cannot end the person's login.
        let mut reader = BufReader::new(std::io::Read::take(&stream, MAX_REQUEST_LINE));
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).is_err() {
            continue;
        }
        let answer = |status: &str, extra: &str, page: &str| {
            let response = format!(
                "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nCache-Control: no-store\r\nReferrer-Policy: no-referrer\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n{page}",
                page.len()
            );
            let _ = (&stream).write_all(response.as_bytes());
        };
        match redirect(&request_line, login) {
            Redirect::Unreadable => {}
            Redirect::OtherPath => answer("404 Not Found", "", ""),
            Redirect::Start if !started => {
                started = true;
                answer(
                    "302 Found",
                    &format!("Location: {}\r\n", login.authorization_url),
                    "",
                );
            }
            Redirect::Start => {
                answer("410 Gone", "", PAGE_USED);
                return Err("the login link was opened twice: another program on this \
                            machine may have it too; log in again"
                    .into());
            }
            Redirect::Stranger => answer("400 Bad Request", "", PAGE_STRANGER),
            Redirect::Login(page, outcome) => {
                answer("200 OK", "", page);
                return outcome;
            }
        }
    }
}

/// What a request to the loopback port is.
pub enum Redirect {
    /// Not a request for a URL: dropped unanswered.
    Unreadable,
    /// Another path (a browser asks for `/favicon.ico`): answered 404.
    OtherPath,
    /// The one-time start URL.
    Start,
    /// The callback without this login's state (none, or another): answered, ignored.
    Stranger,
    /// The login's redirect: the page to answer with, and the code or the issuer's error.
    Login(&'static str, Result<Secret, String>),
}

/// Reads the request line of a connection to the loopback port (`GET /auth/callback?code=
/// ...&state=... HTTP/1.1`), which any local process can send. Public for the fuzz target
/// `oidc_redirect` (`crate::fuzzing`).
pub fn redirect(request_line: &str, login: &Loopback) -> Redirect {
    let target = request_line.split_whitespace().nth(1).unwrap_or("");
    if !target.starts_with('/') {
        return Redirect::Unreadable;
    }
    let Ok(url) = reqwest::Url::parse(&format!("http://127.0.0.1{target}")) else {
        return Redirect::Unreadable;
    };
    if url.path() == login.start_path {
        return Redirect::Start;
    }
    if url.path() != login.callback_path {
        return Redirect::OtherPath;
    }
    let param = |name: &str| {
        url.query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    if param("state").as_deref() != Some(login.state) {
        return Redirect::Stranger;
    }
    match (param("code"), param("error")) {
        (_, Some(error)) => {
            let why = param("error_description").unwrap_or(error);
            Redirect::Login(PAGE_FAILED, Err(format!("the login failed: {why}")))
        }
        (Some(code), None) => Redirect::Login(PAGE_DONE, Ok(Secret::new(code))),
        (None, None) => Redirect::Login(
            PAGE_FAILED,
            Err("the issuer's redirect carries neither a code nor an error".into()),
        ),
    }
}

const PAGE_DONE: &str = "<!doctype html><title>gitseal</title><p>Logged in. You can close this page and return to the terminal.</p>";
const PAGE_FAILED: &str = "<!doctype html><title>gitseal</title><p>The login failed. Return to the terminal to see why.</p>";
const PAGE_STRANGER: &str =
    "<!doctype html><title>gitseal</title><p>This is not the login gitseal is waiting for.</p>";
const PAGE_USED: &str = "<!doctype html><title>gitseal</title><p>This login link was already used. Return to the terminal.</p>";

/// The device authorization endpoint's answer (RFC 8628 section 3.2).
#[derive(Deserialize)]
pub struct DeviceAnswer {
    device_code: String,
    user_code: String,
    verification_uri: Option<String>,
    verification_uri_complete: Option<String>,
    #[serde(default)]
    interval: Option<u64>,
    #[serde(default)]
    expires_in: Option<u64>,
}

/// RFC 8628: a code to enter on another device, then polling until the person has.
fn device(
    settings: &SignSettings,
    runtime: &tokio::runtime::Runtime,
    http: &reqwest::Client,
    device_endpoint: &str,
    token_endpoint: &str,
    tell: &mut dyn FnMut(&str),
) -> Result<Secret, SignError> {
    let request = http.post(device_endpoint).form(&[
        ("client_id", settings.client_id.as_str()),
        ("scope", "openid email"),
    ]);
    let (status, body) = answer(settings, runtime, request, "device authorization")
        .map_err(|e| oidc_error(settings, e))?;
    if !(200..300).contains(&status) {
        return Err(oidc_error(
            settings,
            format!("device authorization answered HTTP {status}"),
        ));
    }
    let started = device_answer(&body).map_err(|e| oidc_error(settings, e))?;
    let visit = started
        .verification_uri_complete
        .clone()
        .or(started.verification_uri.clone())
        .unwrap_or_default();
    // The issuer's words go to the person's terminal: escaped, so that they cannot set
    // its title, hide text or write the clipboard.
    tell(&device_prompt(&visit, &started.user_code));
    let (mut interval, window) = poll_schedule(&started);
    let deadline = Instant::now() + window;
    loop {
        std::thread::sleep(interval);
        let form = [
            ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
            ("device_code", started.device_code.as_str()),
            ("client_id", settings.client_id.as_str()),
        ];
        let answer = token_request(settings, runtime, http, token_endpoint, &form)
            .map_err(|e| oidc_error(settings, e))?;
        if let Some(token) = answer.id_token {
            let token = Secret::new(token);
            check_claims(&token, &settings.client_id, None).map_err(|e| oidc_error(settings, e))?;
            return Ok(token);
        }
        match answer.error.as_deref() {
            Some("authorization_pending") => {}
            Some("slow_down") => interval = slowed_down(interval),
            Some(other) => {
                return Err(oidc_error(
                    settings,
                    format!(
                        "the device login failed: {}",
                        answer
                            .error_description
                            .unwrap_or_else(|| other.to_string())
                    ),
                ));
            }
            None => return Err(oidc_error(settings, "no ID token in the answer")),
        }
        if Instant::now() > deadline {
            return Err(oidc_error(
                settings,
                "the device code expired before the login finished",
            ));
        }
    }
}

/// What the person is told to do in the device flow, the issuer's words escaped. Public
/// for the tests.
pub fn device_prompt(visit: &str, user_code: &str) -> String {
    format!(
        "To sign, visit {} on any device and enter the code {}",
        crate::output::escape::text(visit),
        crate::output::escape::text(user_code)
    )
}

/// How often to poll the token endpoint, and for how long, by the device answer (RFC 8628:
/// the interval defaults to 5 s). Neither is ever longer than the login window: the issuer
/// chooses the interval, and one of years (fuzz target `oidc_answers`) left the signing
/// command asleep instead of failing when the window closed.
pub fn poll_schedule(answer: &DeviceAnswer) -> (Duration, Duration) {
    let interval = Duration::from_secs(answer.interval.unwrap_or(5).clamp(1, LOGIN_WAIT.as_secs()));
    let window = Duration::from_secs(answer.expires_in.unwrap_or(600)).min(LOGIN_WAIT);
    (interval, window)
}

/// The interval after a `slow_down` answer (RFC 8628 section 3.5: 5 s more), within the
/// login window (unbounded, a huge interval overflowed `Duration` and panicked).
pub fn slowed_down(interval: Duration) -> Duration {
    interval
        .saturating_add(Duration::from_secs(5))
        .min(LOGIN_WAIT)
}

/// The device authorization endpoint's answer, if it is RFC 8628's.
pub fn device_answer(body: &[u8]) -> Result<DeviceAnswer, String> {
    serde_json::from_slice(body)
        .map_err(|_| "the device authorization answer is not RFC 8628's".to_string())
}

/// The token endpoint's answer (HTTP `status`, for the error), whatever its status.
pub fn token_answer(status: u16, body: &[u8]) -> Result<TokenAnswer, String> {
    match serde_json::from_slice::<TokenAnswer>(body) {
        Ok(token) => Ok(token),
        Err(_) => Err(format!(
            "the token endpoint answered HTTP {status} without JSON"
        )),
    }
}

fn token_request(
    settings: &SignSettings,
    runtime: &tokio::runtime::Runtime,
    http: &reqwest::Client,
    endpoint: &str,
    form: &[(&str, &str)],
) -> Result<TokenAnswer, String> {
    let (status, body) = answer(
        settings,
        runtime,
        http.post(endpoint).form(form),
        "token endpoint",
    )?;
    token_answer(status, &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A local process that connects first and sends bytes that are not a request line
    /// (invalid UTF-8, far too long) neither ends the login nor makes it read without
    /// bound; the browser's redirect after it still gives the code.
    #[test]
    fn stray_connections_to_the_loopback_port_do_not_end_the_login() {
        use std::io::{Read, Write};
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let client = std::thread::spawn(move || {
            let connect = || std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
            let mut garbage = connect();
            let _ = garbage.write_all(&[0xff, 0xfe, 0x00, b'\n']);
            drop(garbage);
            let mut flood = connect();
            // More than the limit, with no line end: the reader stops at the limit.
            let _ = flood.write_all(&vec![b'A'; 64 * 1024]);
            drop(flood);
            let mut browser = connect();
            browser
                .write_all(b"GET /auth/callback?code=the-code&state=s1 HTTP/1.1\r\n\r\n")
                .expect("request");
            let mut page = String::new();
            let _ = browser.read_to_string(&mut page);
            page
        });
        let code = receive_code(&listener, &LOGIN, LOGIN_WAIT).expect("the code");
        assert_eq!(code.expose(), "the-code");
        let page = client.join().expect("client");
        assert!(page.starts_with("HTTP/1.1 200 OK"), "{page}");
    }

    const LOGIN: Loopback = Loopback {
        start_path: "/login/secret",
        authorization_url: "https://issuer.test/auth?state=s1",
        callback_path: "/auth/callback",
        state: "s1",
    };

    #[test]
    fn requests_without_this_logins_state_are_strangers() {
        let kind = |line: &str| match redirect(line, &LOGIN) {
            Redirect::Unreadable => "unreadable",
            Redirect::OtherPath => "other",
            Redirect::Start => "start",
            Redirect::Stranger => "stranger",
            Redirect::Login(_, Ok(_)) => "code",
            Redirect::Login(_, Err(_)) => "error",
        };
        for (line, expected) in [
            ("GET /auth/callback?code=c HTTP/1.1", "stranger"),
            ("GET /auth/callback?code=c&state=s2 HTTP/1.1", "stranger"),
            (
                "GET /auth/callback?error=access_denied HTTP/1.1",
                "stranger",
            ),
            ("GET /auth/callback?error=x&state=S1 HTTP/1.1", "stranger"),
            ("GET /auth/callback?code=c&state=s1 HTTP/1.1", "code"),
            (
                "GET /auth/callback?error=access_denied&state=s1 HTTP/1.1",
                "error",
            ),
            ("GET /auth/callback?state=s1 HTTP/1.1", "error"),
            ("GET /login/secret HTTP/1.1", "start"),
            ("GET /login/secre HTTP/1.1", "other"),
            ("GET /favicon.ico HTTP/1.1", "other"),
            (
                "GET http://evil/auth/callback?code=c&state=s1 HTTP/1.1",
                "unreadable",
            ),
            ("\u{1b}]0;x\u{7}", "unreadable"),
        ] {
            assert_eq!(kind(line), expected, "{line}");
        }
    }

    #[test]
    fn redirect_urls_are_loopback_only() {
        let ok = |t: &str| RedirectUrl::parse(t).expect(t);
        assert_eq!(
            ok("http://localhost:8765/auth/callback"),
            RedirectUrl {
                addr: "127.0.0.1:8765".parse().expect("addr"),
                path: "/auth/callback".into()
            }
        );
        assert_eq!(
            ok("http://[::1]:0/cb").addr,
            "[::1]:0".parse().expect("addr")
        );
        assert_eq!(ok("http://127.0.0.1:1/x").path, "/x");
        for bad in [
            "http://0.0.0.0:8765/auth/callback",
            "http://[::]:8765/auth/callback",
            "http://192.168.1.2:8765/auth/callback",
            "http://example.org:8765/auth/callback",
            "https://127.0.0.1:8765/auth/callback",
            "http://127.0.0.1/auth/callback",
            "not a url",
        ] {
            assert!(RedirectUrl::parse(bad).is_err(), "{bad}");
        }
    }

    fn jwt(claims: serde_json::Value) -> Secret {
        Secret::new(format!(
            "eyJhbGciOiJFUzI1NiJ9.{}.c2ln",
            Base64UrlUnpadded::encode_string(claims.to_string().as_bytes())
        ))
    }

    #[test]
    fn an_id_token_must_answer_this_login() {
        let ok = jwt(serde_json::json!({"aud": "sigstore", "nonce": "n1"}));
        assert_eq!(check_claims(&ok, "sigstore", Some("n1")), Ok(()));
        assert_eq!(check_claims(&ok, "sigstore", None), Ok(()));
        let many = jwt(serde_json::json!({"aud": ["other", "sigstore"], "nonce": "n1"}));
        assert_eq!(check_claims(&many, "sigstore", Some("n1")), Ok(()));
        let err = check_claims(&ok, "sigstore", Some("n2")).expect_err("another nonce");
        assert!(err.contains("nonce is not this login's"), "{err}");
        let none = jwt(serde_json::json!({"aud": "sigstore"}));
        let err = check_claims(&none, "sigstore", Some("n1")).expect_err("no nonce");
        assert!(err.contains("carries no nonce"), "{err}");
        let err = check_claims(&ok, "gitseal", Some("n1")).expect_err("another audience");
        assert!(
            err.contains("audience sigstore, not for this client (gitseal)"),
            "{err}"
        );
        let err = check_claims(&Secret::new("x".into()), "sigstore", None).expect_err("no JWT");
        assert!(err.contains("not a JWT"), "{err}");
    }

    fn device(json: &str) -> DeviceAnswer {
        device_answer(json.as_bytes()).expect("a device answer")
    }

    /// fuzz/regressions/oidc_answers/: an issuer's interval never makes the login wait
    /// past its window, and `slow_down` neither overflows nor grows past it.
    #[test]
    fn the_issuers_polling_interval_is_bounded_by_the_login_window() {
        let (interval, window) = poll_schedule(&device(
            r#"{"device_code":"d","user_code":"u","interval":100000}"#,
        ));
        assert_eq!((interval, window), (LOGIN_WAIT, Duration::from_secs(300)));
        let huge = device(r#"{"device_code":"d","user_code":"u","interval":18446744073709551615}"#);
        let (interval, _) = poll_schedule(&huge);
        assert_eq!(slowed_down(interval), LOGIN_WAIT);
        assert_eq!(slowed_down(Duration::MAX), LOGIN_WAIT);
        let (interval, window) = poll_schedule(&device(r#"{"device_code":"d","user_code":"u"}"#));
        assert_eq!(
            (interval, window),
            (Duration::from_secs(5), Duration::from_secs(300))
        );
        assert_eq!(slowed_down(interval), Duration::from_secs(10));
        let (interval, _) = poll_schedule(&device(
            r#"{"device_code":"d","user_code":"u","interval":0}"#,
        ));
        assert_eq!(interval, Duration::from_secs(1));
    }
}
