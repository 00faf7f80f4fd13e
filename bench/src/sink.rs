//! A minimal admin for the executor scenario: it answers `api/registry`,
//! `api/registryRemove` and `api/callback` (at the root and under `/xxl-job-admin`) and
//! counts the results called back, whatever the executor's protocol generation.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::Result;
use axum::Router;
use axum::extract::State;
use axum::routing::post;
use serde_json::{Value, json};
use tokio::task::JoinHandle;

/// A running callback sink; stops when dropped.
pub struct CallbackSink {
    /// Base URL executors are given as their admin.
    pub url: String,
    count: Arc<AtomicU64>,
    server: JoinHandle<()>,
}

impl CallbackSink {
    /// Starts on a free loopback port.
    pub async fn start() -> Result<Self> {
        let count = Arc::new(AtomicU64::new(0));
        let api = Router::new()
            .route("/api/callback", post(callback))
            .route("/api/registry", post(ok))
            .route("/api/registryRemove", post(ok))
            .with_state(count.clone());
        let app = api.clone().nest("/xxl-job-admin", api);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self { url, count, server })
    }

    /// Results called back so far.
    pub fn count(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }
}

impl Drop for CallbackSink {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn ok() -> axum::Json<Value> {
    axum::Json(json!({"code": 200, "msg": null}))
}

/// Counts a callback: an array of results (≤ 3.4) or `{callbackList: […]}` (3.5).
async fn callback(
    State(count): State<Arc<AtomicU64>>,
    body: axum::body::Bytes,
) -> axum::Json<Value> {
    let results = match serde_json::from_slice::<Value>(&body) {
        Ok(Value::Array(list)) => list.len(),
        Ok(Value::Object(map)) => map
            .get("callbackList")
            .and_then(Value::as_array)
            .map_or(1, Vec::len),
        _ => 0,
    };
    count.fetch_add(results as u64, Ordering::Relaxed);
    axum::Json(json!({"code": 200, "msg": null}))
}
