//! A network service that fails on purpose, for any client: a loopback TCP listener that
//! misbehaves the same way whatever is asked of it (the path, method and body do not
//! matter), so one server stands in for any of Fulcio, Rekor, an OIDC issuer, a token
//! service, a TUF mirror or a TSA. Point the one service under test at [`Faulty::url`] and
//! the others at working servers.
//!
//! ```ignore
//! let broken = Faulty::start(Mode::SlowDrip);
//! git config gitseal.fulcio <broken.url()>
//! ... assert!(broken.connections() > 0, "the fault was reached");
//! ```

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// How the service fails.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Nothing listens, so a connect is refused: a port held by the local end of a
    /// loopback connection, which no other server can be given while the service lives.
    Refused,
    /// Accepts, reads the request, never answers.
    Hang,
    /// `HTTP/1.1 500` with a JSON error body.
    Error500,
    /// `HTTP/1.1 200` with a body that is no protocol's (HTML).
    Garbage,
    /// A valid-looking `200` status line and headers promising a 4 KiB JSON body (small
    /// enough for any client's size limit), then one body byte every [`DRIP_EVERY`]:
    /// every single read succeeds, only the total takes 20 minutes.
    SlowDrip,
    /// The URL says `https://` but the listener speaks plain HTTP: it answers the TLS
    /// ClientHello with an HTTP 400, as a server behind a misconfigured port does.
    TlsFailure,
}

impl Mode {
    pub const ALL: [Mode; 6] = [
        Mode::Refused,
        Mode::Hang,
        Mode::Error500,
        Mode::Garbage,
        Mode::SlowDrip,
        Mode::TlsFailure,
    ];

    /// Whether the failure only shows when a time bound expires.
    pub fn times_out(self) -> bool {
        matches!(self, Mode::Hang | Mode::SlowDrip)
    }
}

/// The pause between two bytes of [`Mode::SlowDrip`].
pub const DRIP_EVERY: Duration = Duration::from_millis(300);

/// A running faulty service; stops (and closes every connection) when dropped.
pub struct Faulty {
    mode: Mode,
    port: u16,
    stop: Arc<AtomicBool>,
    connections: Arc<AtomicUsize>,
    requests: Arc<std::sync::Mutex<Vec<String>>>,
    thread: Option<JoinHandle<()>>,
    /// [`Mode::Refused`]: both ends of the connection whose local port is the service's.
    _held: Option<(TcpStream, TcpStream)>,
}

impl Faulty {
    pub fn start(mode: Mode) -> Faulty {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let port = listener.local_addr().expect("local address").port();
        let stop = Arc::new(AtomicBool::new(false));
        let connections = Arc::new(AtomicUsize::new(0));
        let requests = Arc::new(std::sync::Mutex::new(Vec::new()));
        if mode == Mode::Refused {
            // The kernel refuses connections to a port nobody listens on. A listener's
            // port, closed, was free for the next server of any test that binds port 0
            // (which would then answer); the local port of a connection stays taken while
            // the connection is open, and nothing listens on it.
            let client = TcpStream::connect(("127.0.0.1", port)).expect("connect to 127.0.0.1");
            let (server, _) = listener.accept().expect("accept on 127.0.0.1");
            drop(listener);
            let port = client.local_addr().expect("local address").port();
            return Faulty {
                mode,
                port,
                stop,
                connections,
                requests,
                thread: None,
                _held: Some((client, server)),
            };
        }
        listener
            .set_nonblocking(true)
            .expect("non-blocking listener");
        let thread = {
            let (stop, connections, requests) =
                (stop.clone(), connections.clone(), requests.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    match listener.accept() {
                        Ok((stream, _)) => {
                            connections.fetch_add(1, Ordering::SeqCst);
                            let (stop, requests) = (stop.clone(), requests.clone());
                            // One thread per connection: a hanging answer blocks nobody.
                            std::thread::spawn(move || serve(mode, stream, &stop, &requests));
                        }
                        Err(_) => std::thread::sleep(Duration::from_millis(5)),
                    }
                }
            })
        };
        Faulty {
            mode,
            port,
            stop,
            connections,
            requests,
            thread: Some(thread),
            _held: None,
        }
    }

    /// The service's base URL (`https://` for [`Mode::TlsFailure`]).
    pub fn url(&self) -> String {
        let scheme = if self.mode == Mode::TlsFailure {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://127.0.0.1:{}", self.port)
    }

    /// Connections accepted so far (a refusing service accepts none).
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    /// The first line of every plain-HTTP request received (`GET /path HTTP/1.1`).
    pub fn requests(&self) -> Vec<String> {
        self.requests
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }
}

impl Drop for Faulty {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Reads what the client sends first: an HTTP request's head (up to the blank line, and
/// the body when small), or a TLS ClientHello (whatever one read returns).
fn read_request(stream: &mut TcpStream) -> Vec<u8> {
    // A bound for a client that sends less than a head; a client sends its request as it
    // connects, but on a busy machine that may be a while after the connection is taken.
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => data.extend_from_slice(&buf[..n]),
        }
        // A TLS record starts with content type 22 (handshake): one read holds the hello.
        if data.first() == Some(&22) || data.windows(4).any(|w| w == b"\r\n\r\n") {
            break;
        }
    }
    data
}

fn serve(
    mode: Mode,
    mut stream: TcpStream,
    stop: &AtomicBool,
    requests: &std::sync::Mutex<Vec<String>>,
) {
    let request = read_request(&mut stream);
    if request.first() != Some(&22) {
        let line = String::from_utf8_lossy(&request);
        let line = line.lines().next().unwrap_or("").to_string();
        requests
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push(line);
    }
    // Until the server stops or the client goes away.
    let hold = |stream: &mut TcpStream, every: Duration, drip: Option<&[u8]>| {
        while !stop.load(Ordering::SeqCst) {
            std::thread::sleep(every);
            if let Some(byte) = drip
                && stream.write_all(byte).is_err()
            {
                return;
            }
        }
    };
    match mode {
        Mode::Refused => {}
        Mode::Hang => hold(&mut stream, Duration::from_millis(20), None),
        Mode::Error500 => {
            let body = br#"{"code":500,"message":"internal error"}"#;
            let _ = stream.write_all(&response(
                "500 Internal Server Error",
                "application/json",
                body,
            ));
        }
        Mode::Garbage => {
            let body = b"<html><body>This is not the API you are looking for</body></html>";
            let _ = stream.write_all(&response("200 OK", "text/html", body));
        }
        Mode::SlowDrip => {
            let head =
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 4096\r\n\r\n";
            if stream.write_all(head.as_bytes()).is_ok() && stream.write_all(b"{").is_ok() {
                hold(&mut stream, DRIP_EVERY, Some(b" "));
            }
        }
        Mode::TlsFailure => {
            let body = b"This port speaks plain HTTP.";
            let _ = stream.write_all(&response("400 Bad Request", "text/plain", body));
        }
    }
}

fn response(status: &str, content_type: &str, body: &[u8]) -> Vec<u8> {
    let mut answer = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    answer.extend_from_slice(body);
    answer
}
