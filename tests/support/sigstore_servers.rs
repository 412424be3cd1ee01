//! Fulcio, Rekor, an RFC 3161 timestamp authority and a GitHub-Actions-style token service
//! on 127.0.0.1, backed by the test instance ([`super::sigstore_stack::Stack`]), each able
//! to fail on purpose. They speak the public APIs gitseal's clients speak: Fulcio v2
//! `signingCert`, Rekor v1 entries and search, RFC 3161 over HTTP
//! (`application/timestamp-query` in, `application/timestamp-reply` out).

use super::sigstore_stack::{Identity, Stack};
use base64ct::{Base64, Encoding};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;
use tiny_http::{Header, Method, Response, Server};

/// How a service misbehaves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    None,
    /// Accepts the connection and never answers.
    Hang,
    /// HTTP 500 with a message.
    Error500,
    /// 201 with a body that is not what the API returns.
    Garbage,
    /// Fulcio: a valid certificate, for another key.
    OtherKey,
    /// Fulcio: a valid certificate, for another identity.
    OtherIdentity,
    /// Rekor: an entry whose SET does not verify.
    BadSet,
    /// TSA: a token echoing another nonce (a replayed answer).
    WrongNonce,
    /// TSA: a token over another imprint.
    WrongImprint,
    /// TSA: a well-formed token signed by an authority no trusted root lists.
    UntrustedKey,
}

/// An answer of endless or oversized length, as a hostile issuer sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flood {
    /// This many bytes, with their Content-Length.
    Sized(usize),
    /// Spaces until the client hangs up, chunked, no length said.
    Endless,
}

/// A login pending at the OIDC issuer: what the authorization request said, and how often
/// a device code has been polled.
#[derive(Clone, Default)]
struct Pending {
    challenge: String,
    redirect: String,
    nonce: Option<String>,
    polls: usize,
}

/// The shared state of the services.
pub struct Services {
    pub stack: Mutex<Stack>,
    pub fulcio_fault: Mutex<Fault>,
    pub rekor_fault: Mutex<Fault>,
    pub tsa_fault: Mutex<Fault>,
    pub fulcio_calls: AtomicUsize,
    pub rekor_calls: AtomicUsize,
    pub tsa_calls: AtomicUsize,
    /// What the token service hands out, and the bearer it wants.
    pub actions_token: Mutex<Option<(String, String)>>,
    /// The OIDC issuer's pending logins, by code (or device code).
    logins: Mutex<HashMap<String, Pending>>,
    /// The OIDC and token services that flood their answer: `discovery`, `device`,
    /// `token`, `actions`.
    pub floods: Mutex<HashMap<&'static str, Flood>>,
    /// What the device authorization endpoint answers instead of its own answer.
    pub device_answer: Mutex<Option<Value>>,
    /// What the token endpoint answers a device code instead of a token.
    pub device_refusal: Mutex<Option<Value>>,
    /// Who logs in through the issuer.
    pub oidc_user: Mutex<Identity>,
    /// This server's base URL (the OIDC issuer is `<url>/oidc`).
    base: Mutex<String>,
    /// Rekor's entries by UUID, as created (their proofs as of then).
    pub entries: Mutex<HashMap<String, Value>>,
    /// How the log misbehaves towards a monitor (rekor_index.rs).
    pub log_fault: Mutex<super::rekor_index::LogFault>,
}

impl Services {
    /// The flood this request's service is set to send, if any.
    fn flood_for(&self, url: &str) -> Option<Flood> {
        let service = match url {
            "/oidc/.well-known/openid-configuration" => "discovery",
            "/oidc/device" => "device",
            "/oidc/token" => "token",
            u if u.starts_with("/actions/token") => "actions",
            _ => return None,
        };
        self.floods.lock().expect("lock").get(service).copied()
    }
}

/// The services' clock: the real one, as Fulcio's and Rekor's (clients check that a log
/// time is not in their future).
fn clock() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Running services; stopped when dropped.
pub struct Running {
    pub services: Arc<Services>,
    pub url: String,
    server: Arc<Server>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Running {
    pub fn fulcio_url(&self) -> String {
        format!("{}/fulcio", self.url)
    }
    pub fn rekor_url(&self) -> String {
        format!("{}/rekor", self.url)
    }
    pub fn tsa_url(&self) -> String {
        format!("{}/tsa", self.url)
    }
    /// The OIDC issuer (discovery, authorization code with PKCE, device flow).
    pub fn issuer_url(&self) -> String {
        format!("{}/oidc", self.url)
    }
    pub fn actions_url(&self) -> String {
        format!("{}/actions/token?api-version=2.0", self.url)
    }
    pub fn set_fulcio(&self, fault: Fault) {
        *self.services.fulcio_fault.lock().expect("lock") = fault;
    }
    pub fn set_rekor(&self, fault: Fault) {
        *self.services.rekor_fault.lock().expect("lock") = fault;
    }
    /// Makes `service` (`discovery`, `device`, `token`, `actions`) flood its answer.
    pub fn flood(&self, service: &'static str, flood: Flood) {
        self.services
            .floods
            .lock()
            .expect("lock")
            .insert(service, flood);
    }
    pub fn set_tsa(&self, fault: Fault) {
        *self.services.tsa_fault.lock().expect("lock") = fault;
    }
    pub fn tsa_calls(&self) -> usize {
        self.services.tsa_calls.load(Ordering::SeqCst)
    }
    pub fn fulcio_calls(&self) -> usize {
        self.services.fulcio_calls.load(Ordering::SeqCst)
    }
    pub fn rekor_calls(&self) -> usize {
        self.services.rekor_calls.load(Ordering::SeqCst)
    }
    pub fn trusted_root(&self) -> String {
        self.services.stack.lock().expect("lock").trusted_root()
    }
    pub fn token(&self, who: &Identity, expires: i64) -> String {
        self.services
            .stack
            .lock()
            .expect("lock")
            .token(who, expires)
    }
}

/// Starts the services on a free loopback port.
pub fn start(stack: Stack) -> Running {
    let server = Arc::new(Server::http("127.0.0.1:0").expect("bind 127.0.0.1"));
    let port = server
        .server_addr()
        .to_ip()
        .map(|a| a.port())
        .expect("ip listener");
    let services = Arc::new(Services {
        stack: Mutex::new(stack),
        fulcio_fault: Mutex::new(Fault::None),
        rekor_fault: Mutex::new(Fault::None),
        tsa_fault: Mutex::new(Fault::None),
        fulcio_calls: AtomicUsize::new(0),
        rekor_calls: AtomicUsize::new(0),
        tsa_calls: AtomicUsize::new(0),
        actions_token: Mutex::new(None),
        entries: Mutex::new(HashMap::new()),
        log_fault: Mutex::new(super::rekor_index::LogFault::None),
        logins: Mutex::new(HashMap::new()),
        floods: Mutex::new(HashMap::new()),
        device_answer: Mutex::new(None),
        device_refusal: Mutex::new(None),
        oidc_user: Mutex::new(Identity {
            email: "alice@example.org".into(),
            issuer: String::new(),
        }),
        base: Mutex::new(format!("http://127.0.0.1:{port}")),
    });
    let thread = {
        let server = server.clone();
        let services = services.clone();
        std::thread::spawn(move || {
            for mut request in server.incoming_requests() {
                let services = services.clone();
                // One thread per request, so that a hanging answer blocks nobody else.
                std::thread::spawn(move || {
                    let mut body = Vec::new();
                    let _ = request.as_reader().read_to_end(&mut body);
                    let url = request.url().to_string();
                    if let Some(flood) = services.flood_for(&url) {
                        let json =
                            Header::from_bytes("Content-Type", "application/json").expect("header");
                        let _ = match flood {
                            Flood::Sized(size) => request
                                .respond(Response::from_data(vec![b' '; size]).with_header(json)),
                            Flood::Endless => request.respond(Response::new(
                                tiny_http::StatusCode(200),
                                vec![json],
                                std::io::repeat(b' '),
                                None,
                                None,
                            )),
                        };
                        return;
                    }
                    let auth = request
                        .headers()
                        .iter()
                        .find(|h| h.field.equiv("Authorization"))
                        .map(|h| h.value.to_string());
                    let (status, answer) =
                        route(&services, request.method(), &url, auth.as_deref(), &body);
                    if status == 0 {
                        // Hang: hold the connection open well past any client timeout.
                        std::thread::sleep(Duration::from_secs(120));
                        return;
                    }
                    let response = if status == 302 {
                        let location = Header::from_bytes("Location", answer).expect("header");
                        Response::from_data(Vec::new())
                            .with_status_code(302)
                            .with_header(location)
                    } else {
                        let kind = if url.starts_with("/tsa") && status == 200 {
                            "application/timestamp-reply"
                        } else {
                            "application/json"
                        };
                        let header = Header::from_bytes("Content-Type", kind).expect("header");
                        Response::from_data(answer)
                            .with_status_code(status)
                            .with_header(header)
                    };
                    let _ = request.respond(response);
                });
            }
        })
    };
    Running {
        services,
        url: format!("http://127.0.0.1:{port}"),
        server,
        thread: Some(thread),
    }
}

fn route(
    s: &Services,
    method: &Method,
    url: &str,
    auth: Option<&str>,
    body: &[u8],
) -> (u16, Vec<u8>) {
    // What a monitor reads: log info, consistency proofs, the index by e-mail, entries
    // with fresh proofs.
    if let Some(answer) = super::rekor_index::route(s, method, url, body) {
        return answer;
    }
    match (method, url) {
        // sigstore-python joins Fulcio's endpoint to the host (`urljoin(url,
        // "/api/v2/signingCert")`), dropping the URL's path: both places are Fulcio.
        (Method::Post, "/fulcio/api/v2/signingCert" | "/api/v2/signingCert") => {
            s.fulcio_calls.fetch_add(1, Ordering::SeqCst);
            let fault = *s.fulcio_fault.lock().expect("lock");
            fault_or(fault, || fulcio(s, auth, body))
        }
        (Method::Post, "/rekor/api/v1/log/entries") => {
            s.rekor_calls.fetch_add(1, Ordering::SeqCst);
            let fault = *s.rekor_fault.lock().expect("lock");
            fault_or(fault, || rekor_create(s, body))
        }
        (Method::Post, "/rekor/api/v1/index/retrieve") => rekor_search(s, body),
        (Method::Post, "/tsa") => {
            s.tsa_calls.fetch_add(1, Ordering::SeqCst);
            let fault = *s.tsa_fault.lock().expect("lock");
            fault_or(fault, || tsa(s, fault, body))
        }
        (Method::Get, path) if path.starts_with("/rekor/api/v1/log/entries/") => {
            let uuid = &path["/rekor/api/v1/log/entries/".len()..];
            match s.entries.lock().expect("lock").get(uuid) {
                Some(entry) => (200, json!({ uuid: entry }).to_string().into_bytes()),
                None => (404, br#"{"code":404,"message":"not found"}"#.to_vec()),
            }
        }
        (Method::Get, "/oidc/.well-known/openid-configuration") => {
            let issuer = format!("{}/oidc", s.base.lock().expect("lock"));
            (
                200,
                json!({
                    "issuer": issuer,
                    "authorization_endpoint": format!("{issuer}/auth"),
                    "token_endpoint": format!("{issuer}/token"),
                    "device_authorization_endpoint": format!("{issuer}/device"),
                    "jwks_uri": format!("{issuer}/keys"),
                    "response_types_supported": ["code"],
                    "code_challenge_methods_supported": ["S256"],
                })
                .to_string()
                .into_bytes(),
            )
        }
        (Method::Get, path) if path.starts_with("/oidc/auth?") => oidc_authorize(s, path),
        (Method::Post, "/oidc/token") => oidc_token(s, body),
        (Method::Post, "/oidc/device") => {
            let issuer = format!("{}/oidc", s.base.lock().expect("lock"));
            let code = format!("device-{}", s.logins.lock().expect("lock").len());
            s.logins
                .lock()
                .expect("lock")
                .insert(code.clone(), Pending::default());
            let mut answer = json!({
                "device_code": code, "user_code": "WDJB-MJHT",
                "verification_uri": format!("{issuer}/activate"), "interval": 1, "expires_in": 60,
            });
            if let Some(Value::Object(instead)) = s.device_answer.lock().expect("lock").clone() {
                for (k, v) in instead {
                    answer[k] = v;
                }
            }
            (200, answer.to_string().into_bytes())
        }
        (Method::Get, path) if path.starts_with("/actions/token") => {
            let wanted = s.actions_token.lock().expect("lock").clone();
            match wanted {
                Some((bearer, token))
                    if auth == Some(&format!("Bearer {bearer}"))
                        && path.contains("audience=sigstore") =>
                {
                    (200, json!({ "value": token }).to_string().into_bytes())
                }
                _ => (401, b"{}".to_vec()),
            }
        }
        _ => (404, b"{}".to_vec()),
    }
}

fn form(text: &str) -> HashMap<String, String> {
    reqwest::Url::parse(&format!("http://x/?{text}"))
        .map(|u| {
            u.query_pairs()
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect()
        })
        .unwrap_or_default()
}

/// The authorization endpoint approves at once: 302 to the redirect URI with a code.
fn oidc_authorize(s: &Services, path: &str) -> (u16, Vec<u8>) {
    let query = form(path.split_once('?').map_or("", |(_, q)| q));
    let (Some(redirect), Some(state), Some(challenge)) = (
        query.get("redirect_uri"),
        query.get("state"),
        query.get("code_challenge"),
    ) else {
        return (400, b"{}".to_vec());
    };
    if query.get("code_challenge_method").map(String::as_str) != Some("S256") {
        return (400, br#"{"error":"PKCE S256 required"}"#.to_vec());
    }
    let code = format!("code-{}", s.logins.lock().expect("lock").len());
    s.logins.lock().expect("lock").insert(
        code.clone(),
        Pending {
            challenge: challenge.clone(),
            redirect: redirect.clone(),
            nonce: query.get("nonce").cloned(),
            polls: 0,
        },
    );
    // A 302's body is its Location (see `start`).
    (
        302,
        format!("{redirect}?code={code}&state={state}").into_bytes(),
    )
}

fn oidc_token(s: &Services, body: &[u8]) -> (u16, Vec<u8>) {
    let query = form(&String::from_utf8_lossy(body));
    let issuer = format!("{}/oidc", s.base.lock().expect("lock"));
    // An ID token echoes the authorization request's nonce (OpenID Connect Core 3.1.3.6).
    let mint = |nonce: Option<String>| {
        let mut who = s.oidc_user.lock().expect("lock").clone();
        who.issuer = issuer.clone();
        let token = s
            .stack
            .lock()
            .expect("lock")
            .token_with(&who, clock() + 300, nonce.as_deref());
        (
            200,
            json!({"id_token": token, "access_token": "unused", "token_type": "Bearer"})
                .to_string()
                .into_bytes(),
        )
    };
    match query.get("grant_type").map(String::as_str) {
        Some("authorization_code") => {
            let code = query.get("code").cloned().unwrap_or_default();
            let Some(pending) = s.logins.lock().expect("lock").remove(&code) else {
                return (400, br#"{"error":"invalid_grant"}"#.to_vec());
            };
            let verifier = query.get("code_verifier").cloned().unwrap_or_default();
            let computed =
                base64ct::Base64UrlUnpadded::encode_string(&Sha256::digest(verifier.as_bytes()));
            if computed != pending.challenge || query.get("redirect_uri") != Some(&pending.redirect)
            {
                return (
                    400,
                    br#"{"error":"invalid_grant","error_description":"PKCE or redirect mismatch"}"#
                        .to_vec(),
                );
            }
            mint(pending.nonce)
        }
        Some("urn:ietf:params:oauth:grant-type:device_code") => {
            let code = query.get("device_code").cloned().unwrap_or_default();
            let mut logins = s.logins.lock().expect("lock");
            let Some(entry) = logins.get_mut(&code) else {
                return (400, br#"{"error":"expired_token"}"#.to_vec());
            };
            entry.polls += 1;
            if let Some(refusal) = s.device_refusal.lock().expect("lock").clone() {
                return (400, refusal.to_string().into_bytes());
            }
            // The person approves after the first poll.
            if entry.polls < 2 {
                return (400, br#"{"error":"authorization_pending"}"#.to_vec());
            }
            logins.remove(&code);
            drop(logins);
            mint(None)
        }
        _ => (400, br#"{"error":"unsupported_grant_type"}"#.to_vec()),
    }
}

fn fault_or(fault: Fault, ok: impl FnOnce() -> (u16, Vec<u8>)) -> (u16, Vec<u8>) {
    match fault {
        Fault::Hang => (0, Vec::new()),
        Fault::Error500 => (500, br#"{"code":500,"message":"internal error"}"#.to_vec()),
        Fault::Garbage => (201, b"<html>not an API</html>".to_vec()),
        _ => ok(),
    }
}

/// The key of a CSR (base64 of its PEM) whose self-signature (P-256, SHA-256) holds: the
/// proof of possession of that form.
fn csr_key(b64: &str) -> Option<Vec<u8>> {
    use der::{Decode, Encode};
    use p256::ecdsa::signature::Verifier;
    use p256::pkcs8::DecodePublicKey;
    let pem_text = Base64::decode_vec(b64).ok()?;
    let (_, der_bytes) = der::pem::decode_vec(&pem_text).ok()?;
    let request = x509_cert::request::CertReq::from_der(&der_bytes).ok()?;
    let spki = request.info.public_key.to_der().ok()?;
    let key = p256::ecdsa::VerifyingKey::from_public_key_der(&spki).ok()?;
    let signature = p256::ecdsa::DerSignature::from_bytes(request.signature.raw_bytes()).ok()?;
    let signed = request.info.to_der().ok()?;
    key.verify(&signed, &signature).ok()?;
    Some(spki)
}

fn pem(label: &str, der: &[u8]) -> String {
    der::pem::encode_string(label, der::pem::LineEnding::LF, der).expect("pem")
}

/// Fulcio's two request forms: a public key with a signed identity as proof (gitseal's),
/// or a CSR, self-signed, with the token as a bearer credential (sigstore-python's).
fn fulcio(s: &Services, auth: Option<&str>, body: &[u8]) -> (u16, Vec<u8>) {
    let Ok(request) = serde_json::from_slice::<Value>(body) else {
        return (400, b"{}".to_vec());
    };
    let csr = request["certificateSigningRequest"].as_str();
    let token = match csr {
        Some(_) => auth.and_then(|a| a.strip_prefix("Bearer ")).unwrap_or(""),
        None => request["credentials"]["oidcIdentityToken"]
            .as_str()
            .unwrap_or(""),
    };
    let mut stack = s.stack.lock().expect("lock");
    let who = match stack.check_token(token, clock()) {
        Ok(who) => who,
        Err(why) => {
            return (
                401,
                json!({ "code": 401, "message": why })
                    .to_string()
                    .into_bytes(),
            );
        }
    };
    let spki = match csr {
        Some(csr) => match csr_key(csr) {
            Some(spki) => spki,
            None => {
                return (
                    400,
                    br#"{"code":400,"message":"bad certificate signing request"}"#.to_vec(),
                );
            }
        },
        None => {
            let key_pem = request["publicKeyRequest"]["publicKey"]["content"]
                .as_str()
                .unwrap_or("");
            let Ok((_, spki)) = der::pem::decode_vec(key_pem.as_bytes()) else {
                return (400, br#"{"code":400,"message":"bad public key"}"#.to_vec());
            };
            // Proof of possession: the identity, signed with the key to be certified.
            let proof = request["publicKeyRequest"]["proofOfPossession"]
                .as_str()
                .and_then(|p| Base64::decode_vec(p).ok())
                .unwrap_or_default();
            use p256::ecdsa::signature::Verifier;
            use p256::pkcs8::DecodePublicKey;
            let verified = p256::ecdsa::VerifyingKey::from_public_key_der(&spki)
                .ok()
                .zip(p256::ecdsa::DerSignature::from_bytes(&proof).ok())
                .is_some_and(|(key, sig)| key.verify(who.email.as_bytes(), &sig).is_ok());
            if !verified {
                return (
                    400,
                    br#"{"code":400,"message":"proof of possession failed"}"#.to_vec(),
                );
            }
            spki
        }
    };
    let fault = *s.fulcio_fault.lock().expect("lock");
    let (spki, who) = match fault {
        Fault::OtherKey => {
            let other = p256::ecdsa::SigningKey::random(&mut rand_core::OsRng);
            use p256::pkcs8::EncodePublicKey;
            let der = other.verifying_key().to_public_key_der().expect("spki");
            (der.as_bytes().to_vec(), who)
        }
        Fault::OtherIdentity => (
            spki,
            Identity {
                email: "someone-else@example.org".into(),
                issuer: who.issuer,
            },
        ),
        _ => (spki, who),
    };
    let leaf = stack.certificate_for(&spki, &who, clock());
    let chain = [
        pem("CERTIFICATE", &leaf),
        pem("CERTIFICATE", stack.ca_certificate()),
    ];
    (
        201,
        json!({ "signedCertificateEmbeddedSct": { "chain": { "certificates": chain } } })
            .to_string()
            .into_bytes(),
    )
}

pub fn rekor_create(s: &Services, body: &[u8]) -> (u16, Vec<u8>) {
    let Ok(request) = serde_json::from_slice::<Value>(body) else {
        return (400, b"{}".to_vec());
    };
    let spec = &request["spec"];
    let hash = spec["data"]["hash"]["value"].as_str().unwrap_or("");
    let signature = spec["signature"]["content"]
        .as_str()
        .and_then(|c| Base64::decode_vec(c).ok())
        .unwrap_or_default();
    let key = spec["signature"]["publicKey"]["content"]
        .as_str()
        .and_then(|c| Base64::decode_vec(c).ok())
        .and_then(|c| String::from_utf8(c).ok())
        .unwrap_or_default();
    if hash.len() != 64 || signature.is_empty() || key.is_empty() {
        return (
            400,
            br#"{"code":400,"message":"not a hashedrekord"}"#.to_vec(),
        );
    }
    let canonical = gitseal::sigstore::tlog::hashedrekord_body(hash, &signature, &key);
    let mut logged = s.stack.lock().expect("lock").log(&canonical, clock()).entry;
    if *s.rekor_fault.lock().expect("lock") == Fault::BadSet
        && let Some(promise) = logged.inclusion_promise.as_mut()
    {
        promise.signed_entry_timestamp[10] ^= 1;
    }
    let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
    let proof = logged.inclusion_proof.as_ref().expect("proof");
    let uuid = hex(&Sha256::digest([&[0u8][..], canonical.as_bytes()].concat()));
    let entry = json!({
        "body": Base64::encode_string(canonical.as_bytes()),
        "integratedTime": logged.integrated_time,
        "logID": hex(&logged.log_id.as_ref().expect("log id").key_id),
        "logIndex": logged.log_index,
        "verification": {
            "inclusionProof": {
                "checkpoint": proof.checkpoint.as_ref().map(|c| c.envelope.clone()).unwrap_or_default(),
                "hashes": proof.hashes.iter().map(|h| hex(h)).collect::<Vec<_>>(),
                "logIndex": proof.log_index,
                "rootHash": hex(&proof.root_hash),
                "treeSize": proof.tree_size,
            },
            "signedEntryTimestamp": Base64::encode_string(
                &logged.inclusion_promise.as_ref().expect("SET").signed_entry_timestamp),
        }
    });
    s.entries
        .lock()
        .expect("lock")
        .insert(uuid.clone(), entry.clone());
    (201, json!({ uuid: entry }).to_string().into_bytes())
}

fn rekor_search(s: &Services, body: &[u8]) -> (u16, Vec<u8>) {
    let wanted = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| {
            v["hash"]
                .as_str()
                .map(|h| h.trim_start_matches("sha256:").to_string())
        })
        .unwrap_or_default();
    let entries = s.entries.lock().expect("lock");
    let found: Vec<&String> = entries
        .iter()
        .filter(|(_, entry)| {
            entry["body"]
                .as_str()
                .and_then(|b| Base64::decode_vec(b).ok())
                .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
                .is_some_and(|b| b["spec"]["data"]["hash"]["value"] == wanted.as_str())
        })
        .map(|(uuid, _)| uuid)
        .collect();
    (200, json!(found).to_string().into_bytes())
}

/// RFC 3161: a granted TimeStampResp for the request, or a rejection when the request is
/// not one (status 2, badDataFormat, as a TSA answers).
fn tsa(s: &Services, fault: Fault, body: &[u8]) -> (u16, Vec<u8>) {
    use der::{Decode, Encode};
    use x509_tsp::{TimeStampReq, TimeStampResp};
    let Ok(request) = TimeStampReq::from_der(body) else {
        let refused = TimeStampResp {
            status: cmpv2::status::PkiStatusInfo {
                status: cmpv2::status::PkiStatus::Rejection,
                status_string: Some(vec![
                    der::asn1::Utf8StringRef::new("not a TimeStampReq").expect("utf8"),
                ]),
                fail_info: None,
            },
            time_stamp_token: None,
        };
        return (200, refused.to_der().expect("DER"));
    };
    let mut imprint = request.message_imprint;
    let mut nonce = request.nonce;
    match fault {
        Fault::WrongImprint => imprint = super::sigstore_stack::imprint_of(b"another signature"),
        Fault::WrongNonce => {
            nonce = Some(der::asn1::Int::new(&[0x42]).expect("nonce"));
        }
        _ => {}
    }
    let token = if fault == Fault::UntrustedKey {
        super::sigstore_stack::Tsa::new("gitseal-test-tsa").token(
            imprint,
            nonce,
            clock(),
            request.cert_req,
        )
    } else {
        s.stack
            .lock()
            .expect("lock")
            .tsa
            .token(imprint, nonce, clock(), request.cert_req)
    };
    let response = TimeStampResp {
        status: cmpv2::status::PkiStatusInfo {
            status: cmpv2::status::PkiStatus::Accepted,
            status_string: None,
            fail_info: None,
        },
        time_stamp_token: Some(cms::content_info::ContentInfo::from_der(&token).expect("token")),
    };
    (200, response.to_der().expect("DER"))
}
