//! The interactive OIDC logins of keyless signing: the browser flow (authorization code
//! with PKCE, the redirect received on a loopback port) and, when no browser can be used,
//! the device flow (RFC 8628). Both start from the issuer's discovery document. The token
//! they return is not verified here: Fulcio authenticates it before certifying anything
//! (docs/sigstore.md, "Logins").

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::time::{Duration, Instant};

use base64ct::{Base64UrlUnpadded, Encoding};
use rand_core::RngCore;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::sign::{SignError, SignSettings};
use crate::secret::Secret;

/// How long a person has to finish logging in.
pub const LOGIN_WAIT: Duration = Duration::from_secs(300);

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

fn oidc_error(settings: &SignSettings, cause: impl std::fmt::Display) -> SignError {
    SignError::Token(format!(
        "oidc ({}): {}",
        settings.issuer,
        super::one_line(&cause.to_string())
    ))
}

fn random_url_safe(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand_core::OsRng.fill_bytes(&mut buf);
    Base64UrlUnpadded::encode_string(&buf)
}

async fn discover(settings: &SignSettings, http: &reqwest::Client) -> Result<Discovery, SignError> {
    let url = format!("{}/.well-known/openid-configuration", settings.issuer);
    let failed = |e: reqwest::Error| {
        oidc_error(
            settings,
            format!("discovery: {}", super::http_failure(&e, settings.timeout)),
        )
    };
    let answer = http.get(&url).send().await.map_err(failed)?;
    if !answer.status().is_success() {
        return Err(oidc_error(
            settings,
            format!("discovery answered HTTP {}", answer.status().as_u16()),
        ));
    }
    // Read whole first, so that a timeout while reading is told apart from a document
    // that is not OIDC's.
    let body = answer.bytes().await.map_err(failed)?;
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
    let discovery = runtime.block_on(discover(settings, http))?;
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

/// The authorization code flow with PKCE. `None` when no browser could be started.
fn browser(
    settings: &SignSettings,
    runtime: &tokio::runtime::Runtime,
    http: &reqwest::Client,
    authorization_endpoint: &str,
    token_endpoint: &str,
    tell: &mut dyn FnMut(&str),
) -> Result<Option<Secret>, SignError> {
    let listener = TcpListener::bind(settings.redirect_listen.as_deref().unwrap_or("127.0.0.1:0"))
        .map_err(|e| oidc_error(settings, format!("cannot listen for the redirect: {e}")))?;
    let port = listener
        .local_addr()
        .map_err(|e| oidc_error(settings, e))?
        .port();
    let redirect_uri = format!("http://localhost:{port}/auth/callback");
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
    if !open_browser(settings, url.as_str()) {
        return Ok(None);
    }
    tell(&format!("Your browser will now be opened to:\n{url}"));
    let code = receive_code(&listener, &state).map_err(|e| oidc_error(settings, e))?;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.expose()),
        ("redirect_uri", redirect_uri.as_str()),
        ("client_id", settings.client_id.as_str()),
        ("code_verifier", verifier.as_str()),
    ];
    let answer = runtime
        .block_on(token_request(http, token_endpoint, &form, settings.timeout))
        .map_err(|e| oidc_error(settings, e))?;
    match answer.id_token {
        Some(token) => Ok(Some(Secret::new(token))),
        None => Err(oidc_error(
            settings,
            answer
                .error_description
                .or(answer.error)
                .unwrap_or_else(|| "no ID token in the answer".into()),
        )),
    }
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

/// Waits for the one redirect to the loopback port; answers it with a page telling the
/// person to go back to the terminal.
fn receive_code(listener: &TcpListener, state: &str) -> Result<Secret, String> {
    listener.set_nonblocking(true).map_err(|e| e.to_string())?;
    let deadline = Instant::now() + LOGIN_WAIT;
    loop {
        let (stream, _) = match listener.accept() {
            Ok(accepted) => accepted,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                if Instant::now() > deadline {
                    return Err(format!("no login within {} s", LOGIN_WAIT.as_secs()));
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
        let (page, outcome) = match redirect(&request_line, state) {
            Redirect::Unreadable => continue,
            Redirect::OtherPath => {
                let _ = (&stream).write_all(
                    b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                );
                continue;
            }
            Redirect::Login(page, outcome) => (page, outcome),
        };
        let response = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{page}",
            page.len()
        );
        let _ = (&stream).write_all(response.as_bytes());
        return outcome;
    }
}

/// What a request to the loopback port is.
pub enum Redirect {
    /// Not a request for a URL: dropped unanswered.
    Unreadable,
    /// Another path (a browser asks for `/favicon.ico`): answered 404.
    OtherPath,
    /// The login's redirect: the page to answer with, and the code or why there is none.
    Login(&'static str, Result<Secret, String>),
}

/// Reads the request line of a connection to the loopback port (`GET /auth/callback?code=
/// ...&state=... HTTP/1.1`), which any local process can send. Public for the fuzz target
/// `oidc_redirect` (`crate::fuzzing`).
pub fn redirect(request_line: &str, state: &str) -> Redirect {
    let target = request_line.split_whitespace().nth(1).unwrap_or("");
    let Ok(url) = reqwest::Url::parse(&format!("http://localhost{target}")) else {
        return Redirect::Unreadable;
    };
    if url.path() != "/auth/callback" {
        return Redirect::OtherPath;
    }
    let param = |name: &str| {
        url.query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    let (page, outcome) = match (param("code"), param("state"), param("error")) {
        (Some(code), Some(got), None) if got == state => (PAGE_DONE, Ok(Secret::new(code))),
        (_, _, Some(error)) => (PAGE_FAILED, Err(format!("the login failed: {error}"))),
        _ => (
            PAGE_FAILED,
            Err("the redirect does not carry this login's state".to_string()),
        ),
    };
    Redirect::Login(page, outcome)
}

const PAGE_DONE: &str = "<!doctype html><title>gitseal</title><p>Logged in. You can close this page and return to the terminal.</p>";
const PAGE_FAILED: &str = "<!doctype html><title>gitseal</title><p>The login failed. Return to the terminal to see why.</p>";

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
    let started: DeviceAnswer = runtime
        .block_on(async {
            let answer = http
                .post(device_endpoint)
                .form(&[
                    ("client_id", settings.client_id.as_str()),
                    ("scope", "openid email"),
                ])
                .send()
                .await
                .map_err(|e| {
                    format!(
                        "device authorization: {}",
                        super::http_failure(&e, settings.timeout)
                    )
                })?;
            if !answer.status().is_success() {
                return Err(format!(
                    "device authorization answered HTTP {}",
                    answer.status().as_u16()
                ));
            }
            let body = answer.bytes().await.map_err(|e| {
                format!(
                    "device authorization: {}",
                    super::http_failure(&e, settings.timeout)
                )
            })?;
            device_answer(&body)
        })
        .map_err(|e| oidc_error(settings, e))?;
    let visit = started
        .verification_uri_complete
        .clone()
        .or(started.verification_uri.clone())
        .unwrap_or_default();
    tell(&format!(
        "To sign, visit {visit} on any device and enter the code {}",
        started.user_code
    ));
    let (mut interval, window) = poll_schedule(&started);
    let deadline = Instant::now() + window;
    loop {
        std::thread::sleep(interval);
        let form = [
            ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
            ("device_code", started.device_code.as_str()),
            ("client_id", settings.client_id.as_str()),
        ];
        let answer = runtime
            .block_on(token_request(http, token_endpoint, &form, settings.timeout))
            .map_err(|e| oidc_error(settings, e))?;
        if let Some(token) = answer.id_token {
            return Ok(Secret::new(token));
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

async fn token_request(
    http: &reqwest::Client,
    endpoint: &str,
    form: &[(&str, &str)],
    timeout: Duration,
) -> Result<TokenAnswer, String> {
    let failed =
        |e: reqwest::Error| format!("token endpoint: {}", super::http_failure(&e, timeout));
    let answer = http
        .post(endpoint)
        .form(form)
        .send()
        .await
        .map_err(failed)?;
    let status = answer.status();
    let body = answer.bytes().await.map_err(failed)?;
    token_answer(status.as_u16(), &body)
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
        let code = receive_code(&listener, "s1").expect("the code");
        assert_eq!(code.expose(), "the-code");
        let page = client.join().expect("client");
        assert!(page.starts_with("HTTP/1.1 200 OK"), "{page}");
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
