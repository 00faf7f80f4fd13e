//! Real servers on 127.0.0.1:0 that alarms are delivered to, recording what arrives: an
//! HTTP server for webhooks and a minimal SMTP server for mail.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::routing::post;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Everything received so far, and a counter to wait on.
struct Recorded<T> {
    items: Mutex<Vec<T>>,
    count: watch::Sender<usize>,
}

impl<T: Clone> Recorded<T> {
    fn new() -> Arc<Self> {
        Arc::new(Self {
            items: Mutex::default(),
            count: watch::Sender::new(0),
        })
    }

    fn push(&self, item: T) {
        self.items.lock().unwrap().push(item);
        self.count.send_modify(|c| *c += 1);
    }

    async fn wait_for(&self, n: usize, within: Duration) -> Vec<T> {
        let mut count = self.count.subscribe();
        let reached = tokio::time::timeout(within, count.wait_for(|c| *c >= n)).await;
        let items = self.items.lock().unwrap().clone();
        assert!(
            reached.is_ok(),
            "got {} within {within:?}, expected {n}",
            items.len()
        );
        items
    }
}

/// A webhook receiver: records every JSON body POSTed to `/hook`.
pub struct WebhookSink {
    /// `http://127.0.0.1:<port>/hook`.
    pub url: String,
    recorded: Arc<Recorded<Value>>,
    server: JoinHandle<()>,
}

impl WebhookSink {
    pub async fn start() -> Self {
        let recorded = Recorded::new();
        let app = Router::new()
            .route("/hook", post(hook))
            .with_state(recorded.clone());
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("serve");
        });
        Self {
            url,
            recorded,
            server,
        }
    }

    /// Waits (bounded) for `n` bodies; returns all so far.
    pub async fn wait_for(&self, n: usize, within: Duration) -> Vec<Value> {
        self.recorded.wait_for(n, within).await
    }

    pub fn received(&self) -> Vec<Value> {
        self.recorded.items.lock().unwrap().clone()
    }
}

impl Drop for WebhookSink {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn hook(State(recorded): State<Arc<Recorded<Value>>>, body: String) -> &'static str {
    let json = serde_json::from_str(&body).unwrap_or(Value::String(body));
    recorded.push(json);
    "ok"
}

/// One message as the SMTP server got it.
#[derive(Debug, Clone)]
pub struct Mail {
    pub from: String,
    pub to: Vec<String>,
    /// The DATA section (headers and body), dot-unstuffed.
    pub data: String,
}

/// A plain SMTP server (no TLS, no auth) that accepts every message.
pub struct SmtpSink {
    pub port: u16,
    recorded: Arc<Recorded<Mail>>,
    server: JoinHandle<()>,
}

impl SmtpSink {
    pub async fn start() -> Self {
        let recorded = Recorded::new();
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let sink = recorded.clone();
        let server = tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(session(socket, sink.clone()));
            }
        });
        Self {
            port,
            recorded,
            server,
        }
    }

    pub async fn wait_for(&self, n: usize, within: Duration) -> Vec<Mail> {
        self.recorded.wait_for(n, within).await
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// One SMTP conversation (RFC 5321's happy path).
async fn session(socket: tokio::net::TcpStream, sink: Arc<Recorded<Mail>>) {
    let (read, mut write) = socket.into_split();
    let mut lines = BufReader::new(read).lines();
    let _ = write.write_all(b"220 localhost test SMTP\r\n").await;
    let mut mail = Mail {
        from: String::new(),
        to: Vec::new(),
        data: String::new(),
    };
    while let Ok(Some(line)) = lines.next_line().await {
        let upper = line.to_ascii_uppercase();
        let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
            b"250-localhost\r\n250 8BITMIME\r\n"
        } else if upper.starts_with("MAIL FROM:") {
            mail.from = line[10..].trim().to_string();
            b"250 OK\r\n"
        } else if upper.starts_with("RCPT TO:") {
            mail.to.push(line[8..].trim().to_string());
            b"250 OK\r\n"
        } else if upper == "DATA" {
            let _ = write.write_all(b"354 end with .\r\n").await;
            let mut data = String::new();
            while let Ok(Some(line)) = lines.next_line().await {
                if line == "." {
                    break;
                }
                let line = line.strip_prefix('.').unwrap_or(&line);
                data.push_str(line);
                data.push('\n');
            }
            mail.data = data;
            sink.push(mail.clone());
            b"250 OK queued\r\n"
        } else if upper == "QUIT" {
            let _ = write.write_all(b"221 bye\r\n").await;
            break;
        } else if upper == "RSET" || upper == "NOOP" {
            b"250 OK\r\n"
        } else {
            b"502 not implemented\r\n"
        };
        let _ = write.write_all(reply).await;
    }
}
