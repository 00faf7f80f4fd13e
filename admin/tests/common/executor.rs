//! A recording executor: a real HTTP server on 127.0.0.1:0 that speaks the legacy (`/run`)
//! executor protocol and remembers every TriggerParam it receives, with the instant it
//! arrived, so scheduling stories can check what fired, where, and how late.
#![allow(dead_code)] // each test binary uses a different part

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::routing::post;
use jobwheel_admin::time::now_ms;
use jobwheel_executor::protocol::{TriggerParam, messages};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// One trigger as the executor saw it.
#[derive(Debug, Clone)]
pub struct Received {
    /// The body.
    pub param: TriggerParam,
    /// Arrival, epoch ms.
    pub at: i64,
}

struct Shared {
    received: Mutex<Vec<Received>>,
    count: watch::Sender<usize>,
    delay: Mutex<Duration>,
    busy: Mutex<bool>,
}

/// A running recording executor; stops when dropped.
pub struct RecordingExecutor {
    /// Base URL, as executors register it (trailing slash).
    pub address: String,
    shared: Arc<Shared>,
    server: JoinHandle<()>,
}

impl RecordingExecutor {
    /// An executor that accepts every trigger at once.
    pub async fn start() -> Self {
        let shared = Arc::new(Shared {
            received: Mutex::default(),
            count: watch::Sender::new(0),
            delay: Mutex::default(),
            busy: Mutex::new(false),
        });
        let app = Router::new()
            .route("/run", post(run))
            .route("/beat", post(|| async { Json(json!({"code": 200})) }))
            .route("/idleBeat", post(idle_beat))
            .with_state(shared.clone());
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = format!("http://{}/", listener.local_addr().expect("addr"));
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("serve");
        });
        Self {
            address,
            shared,
            server,
        }
    }

    /// Makes every later `/run` answer only after `delay`.
    pub fn set_delay(&self, delay: Duration) {
        *self.shared.delay.lock().unwrap() = delay;
    }

    /// Makes `/idleBeat` report busy (BUSYOVER skips this executor).
    pub fn set_busy(&self, busy: bool) {
        *self.shared.busy.lock().unwrap() = busy;
    }

    /// Everything received so far, in arrival order.
    pub fn received(&self) -> Vec<Received> {
        self.shared.received.lock().unwrap().clone()
    }

    /// Waits (bounded) until at least `n` triggers arrived; returns them all.
    pub async fn wait_for(&self, n: usize, within: Duration) -> Vec<Received> {
        let mut count = self.shared.count.subscribe();
        let reached = tokio::time::timeout(within, count.wait_for(|c| *c >= n)).await;
        let received = self.received();
        assert!(
            reached.is_ok(),
            "executor {} got {} triggers within {within:?}, expected {n}",
            self.address,
            received.len()
        );
        received
    }
}

impl Drop for RecordingExecutor {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn run(State(shared): State<Arc<Shared>>, Json(param): Json<TriggerParam>) -> Json<Value> {
    let received = Received {
        param,
        at: now_ms(),
    };
    shared.received.lock().unwrap().push(received);
    shared.count.send_modify(|c| *c += 1);
    let delay = *shared.delay.lock().unwrap();
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    Json(json!({"code": 200}))
}

async fn idle_beat(State(shared): State<Arc<Shared>>) -> Json<Value> {
    if *shared.busy.lock().unwrap() {
        Json(json!({"code": 500, "msg": messages::JOB_BUSY}))
    } else {
        Json(json!({"code": 200}))
    }
}
