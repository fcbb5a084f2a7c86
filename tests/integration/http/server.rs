//! A scripted HTTP/1.1 server on 127.0.0.1 (port 0) for the adapter
//! tests: it answers each request with the next reply of its script
//! (bodies written by hand, in the ledgers' shapes), records every
//! request, and answers 500 once the script is spent. Keep-alive is
//! served, so a pooled client reuses its connection.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The most bytes of request head read; the most requests per connection.
const MAX_HEAD: usize = 64 * 1024;
const MAX_REQUESTS_PER_CONNECTION: usize = 10_000;

/// One canned answer.
#[derive(Debug, Clone)]
pub(super) struct Reply {
    pub(super) status: u16,
    pub(super) headers: Vec<(String, String)>,
    pub(super) body: Vec<u8>,
}

impl Reply {
    pub(super) fn new(status: u16, body: impl AsRef<[u8]>) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: body.as_ref().to_vec(),
        }
    }

    pub(super) fn json(status: u16, body: impl AsRef<[u8]>) -> Self {
        Self::new(status, body).header("Content-Type", "application/json")
    }

    pub(super) fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }
}

/// One request as received.
#[derive(Debug, Clone)]
pub(super) struct Seen {
    pub(super) method: String,
    /// Path and query, as sent.
    pub(super) target: String,
    /// Header names lower-cased.
    pub(super) headers: Vec<(String, String)>,
    pub(super) body: String,
}

impl Seen {
    pub(super) fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }
}

struct State {
    script: Vec<Reply>,
    next: usize,
    seen: Vec<Seen>,
}

/// Answers held until the test lets them go ([`Scripted::release`]).
type Gate = Option<Arc<tokio::sync::Semaphore>>;

/// A running scripted server; it stops when dropped.
pub(super) struct Scripted {
    pub(super) base: String,
    state: Arc<Mutex<State>>,
    gate: Gate,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Scripted {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Scripted {
    pub(super) async fn start(script: Vec<Reply>) -> Self {
        Self::spawn(script, None).await
    }

    /// A server that records each request at once but answers none until
    /// [`release`](Self::release) lets answers go, one per permit.
    pub(super) async fn start_gated(script: Vec<Reply>) -> Self {
        Self::spawn(script, Some(Arc::new(tokio::sync::Semaphore::new(0)))).await
    }

    /// Lets `n` held answers go.
    pub(super) fn release(&self, n: usize) {
        if let Some(g) = &self.gate {
            g.add_permits(n);
        }
    }

    async fn spawn(script: Vec<Reply>, gate: Gate) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(State {
            script,
            next: 0,
            seen: Vec::new(),
        }));
        let shared = state.clone();
        let held = gate.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                tokio::spawn(serve(stream, shared.clone(), held.clone()));
            }
        });
        Self {
            base,
            state,
            gate,
            task,
        }
    }

    /// Every request so far, in order.
    pub(super) fn seen(&self) -> Vec<Seen> {
        self.state.lock().unwrap().seen.clone()
    }
}

async fn serve(mut stream: TcpStream, state: Arc<Mutex<State>>, gate: Gate) {
    let mut buf = Vec::new();
    for _ in 0..MAX_REQUESTS_PER_CONNECTION {
        let Some(seen) = read_request(&mut stream, &mut buf).await else {
            return;
        };
        let reply = {
            let mut s = state.lock().unwrap();
            s.seen.push(seen);
            let r = s.script.get(s.next).cloned();
            s.next += 1;
            r.unwrap_or_else(|| Reply::new(500, "script ended"))
        };
        if let Some(g) = &gate {
            let Ok(permit) = g.acquire().await else {
                return;
            };
            permit.forget();
        }
        let mut out = format!(
            "HTTP/1.1 {} Scripted\r\nContent-Length: {}\r\n",
            reply.status,
            reply.body.len()
        );
        for (k, v) in &reply.headers {
            out.push_str(&format!("{k}: {v}\r\n"));
        }
        out.push_str("\r\n");
        let mut bytes = out.into_bytes();
        bytes.extend_from_slice(&reply.body);
        if stream.write_all(&bytes).await.is_err() {
            return;
        }
    }
}

/// Reads one request (head and `Content-Length` body); `None` at the end
/// of the connection.
async fn read_request(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Option<Seen> {
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        if buf.len() > MAX_HEAD {
            return None;
        }
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_owned();
    let target = first.next()?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| {
            let (k, v) = l.split_once(':')?;
            Some((k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        })
        .collect();
    let len: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let body_start = head_end + 4;
    while buf.len() < body_start + len {
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = String::from_utf8_lossy(&buf[body_start..body_start + len]).into_owned();
    buf.drain(..body_start + len);
    Some(Seen {
        method,
        target,
        headers,
        body,
    })
}
