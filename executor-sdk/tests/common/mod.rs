//! Test helpers: a fake admin that records what executors send, and an executor under test
//! bound to a random port. Both sides talk real HTTP over 127.0.0.1.
#![allow(dead_code)] // each test binary uses a different part

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Uri};
use jobwheel_executor::protocol::{
    ACCESS_TOKEN_HEADER, APPNAME_HEADER, AdminApiReply, CallbackBody, CallbackItem,
};
use jobwheel_executor::{Executor, ExecutorBuilder};
use serde_json::{Value, json};
use tokio::sync::Notify;
use tokio::task::JoinHandle;

pub const TOKEN: &str = "test-token";
pub const APP: &str = "test-app";
/// Upper bound of every wait; generous, since the machine is shared.
pub const WAIT: Duration = Duration::from_secs(15);

/// How the fake admin answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Accepts everything, in either callback shape (like a Jobwheel admin).
    Up,
    /// Answers every call with HTTP 503 (an admin behind a proxy, down).
    Down,
    /// A 3.5 admin: a callback must be `{callbackList}`; an array gets Gson's failure.
    V3_5,
    /// A 2.x–3.4 admin: a callback must be an array.
    Legacy,
}

/// One request the fake admin received.
#[derive(Debug, Clone)]
pub struct Call {
    pub path: String,
    pub token: Option<String>,
    pub app_name: Option<String>,
    pub body: Value,
    /// True when the admin answered success.
    pub accepted: bool,
}

struct AdminState {
    calls: Mutex<Vec<Call>>,
    mode: Mutex<Mode>,
    changed: Notify,
}

/// An admin's executor API (`/api/registry`, `/api/registryRemove`, `/api/callback`).
pub struct FakeAdmin {
    pub base: String,
    state: Arc<AdminState>,
    task: JoinHandle<()>,
}

impl Drop for FakeAdmin {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakeAdmin {
    pub async fn start(mode: Mode) -> Self {
        let state = Arc::new(AdminState {
            calls: Mutex::new(Vec::new()),
            mode: Mutex::new(mode),
            changed: Notify::new(),
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let app = Router::new()
            .fallback(record)
            .with_state(Arc::clone(&state));
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self { base, state, task }
    }

    pub fn set_mode(&self, mode: Mode) {
        *self.state.mode.lock().unwrap() = mode;
    }

    pub fn calls(&self, path: &str) -> Vec<Call> {
        self.state
            .calls
            .lock()
            .unwrap()
            .iter()
            .filter(|c| c.path == path)
            .cloned()
            .collect()
    }

    /// Waits until `path` was called at least `n` times; returns those calls.
    pub async fn wait_calls(&self, path: &str, n: usize) -> Vec<Call> {
        self.wait_for(|admin| {
            let calls = admin.calls(path);
            (calls.len() >= n).then_some(calls)
        })
        .await
    }

    /// Results accepted so far, in arrival order.
    pub fn results(&self) -> Vec<CallbackItem> {
        self.calls("/api/callback")
            .into_iter()
            .filter(|c| c.accepted)
            .flat_map(|c| {
                serde_json::from_value::<CallbackBody>(c.body)
                    .unwrap()
                    .items
            })
            .collect()
    }

    /// Waits for the accepted result of run `log_id`.
    pub async fn result(&self, log_id: i64) -> CallbackItem {
        self.wait_for(|admin| admin.results().into_iter().find(|r| r.log_id == log_id))
            .await
    }

    /// Polls `check` after every request the admin receives, up to [`WAIT`].
    pub async fn wait_for<T>(&self, check: impl Fn(&Self) -> Option<T>) -> T {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let changed = self.state.changed.notified();
            if let Some(found) = check(self) {
                return found;
            }
            if tokio::time::timeout_at(deadline, changed).await.is_err() {
                panic!("the fake admin did not see what the test waited for");
            }
        }
    }
}

async fn record(
    State(state): State<Arc<AdminState>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> (axum::http::StatusCode, axum::Json<Value>) {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let mode = *state.mode.lock().unwrap();
    let path = uri.path().to_string();
    let (status, reply) = match mode {
        Mode::Down => (503, AdminApiReply::fail("down")),
        Mode::V3_5 if path == "/api/callback" && body.is_array() => (
            200,
            AdminApiReply::fail("openapi invoke error: Expected BEGIN_OBJECT but was BEGIN_ARRAY"),
        ),
        Mode::Legacy if path == "/api/callback" && !body.is_array() => (
            200,
            AdminApiReply::fail("Expected BEGIN_ARRAY but was BEGIN_OBJECT"),
        ),
        _ => (200, AdminApiReply::success()),
    };
    state.calls.lock().unwrap().push(Call {
        path,
        token: header(ACCESS_TOKEN_HEADER),
        app_name: header(APPNAME_HEADER),
        body,
        accepted: reply.code == 200 && status == 200,
    });
    state.changed.notify_waiters();
    (
        axum::http::StatusCode::from_u16(status).unwrap(),
        axum::Json(serde_json::to_value(reply).unwrap()),
    )
}

/// A builder with the test token, app name, fast timings and the usual test handlers:
/// `echo` (logs and returns its param), `fail` (an error), `panic`, and `sleep` (param = ms).
pub fn builder(admin_base: &str, dir: &Path) -> ExecutorBuilder {
    Executor::builder()
        .admin_address(admin_base)
        .app_name(APP)
        .access_token(TOKEN)
        .bind_ip([127, 0, 0, 1].into())
        .port(0)
        .log_path(dir.join("logs"))
        .heartbeat_interval(Duration::from_millis(100))
        .callback_retry_interval(Duration::from_millis(100))
        .shutdown_grace(Duration::from_secs(5))
        .admin_timeout(Duration::from_secs(2))
        .handler("echo", |ctx| async move {
            ctx.log(format!("echo got {}", ctx.param()));
            Ok::<_, String>(format!("echo:{}", ctx.param()))
        })
        .handler("fail", |_ctx| async move {
            Err::<String, _>("it failed on purpose")
        })
        .handler("panic", |_ctx| async move {
            if true {
                panic!("boom");
            }
            Ok::<_, String>(String::new())
        })
        .handler("sleep", |ctx| async move {
            let ms: u64 = ctx.param().parse().unwrap_or(100);
            tokio::time::sleep(Duration::from_millis(ms)).await;
            Ok::<_, String>("slept".to_string())
        })
}

/// An executor under test, serving on 127.0.0.1 at a random port.
pub struct TestExecutor {
    pub base: String,
    pub address: String,
    pub http: reqwest::Client,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<JoinHandle<jobwheel_executor::Result<()>>>,
}

impl TestExecutor {
    pub async fn start(builder: ExecutorBuilder) -> Self {
        let bound = builder.build().unwrap().bind().await.unwrap();
        let base = format!("http://{}", bound.local_addr());
        let address = bound.address().to_string();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(bound.run(async move {
            let _ = stopped.await;
        }));
        Self {
            base,
            address,
            http: reqwest::Client::new(),
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// POSTs JSON with the right token; returns the reply body.
    pub async fn post(&self, path: &str, body: Value) -> Value {
        let (status, reply) = self
            .raw(path, &[(ACCESS_TOKEN_HEADER, TOKEN)], body.to_string())
            .await;
        assert_eq!(status, 200);
        reply
    }

    /// POSTs a raw body with the given headers; returns status and parsed body.
    pub async fn raw(&self, path: &str, headers: &[(&str, &str)], body: String) -> (u16, Value) {
        let mut request = self.http.post(format!("{}{path}", self.base)).body(body);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// Triggers a run the way a 3.4 admin does (`/run`).
    pub async fn trigger(&self, job_id: i32, log_id: i64, handler: &str, param: &str) -> Value {
        self.post(
            "/run",
            trigger_body(job_id, log_id, handler, param, "SERIAL_EXECUTION", 0),
        )
        .await
    }

    /// Stops the executor the way `run(shutdown)` is meant to be stopped, and waits for it.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            tokio::time::timeout(WAIT, task)
                .await
                .expect("executor did not stop in time")
                .unwrap()
                .unwrap();
        }
    }
}

/// A TriggerParam as every admin generation sends it.
pub fn trigger_body(
    job_id: i32,
    log_id: i64,
    handler: &str,
    param: &str,
    strategy: &str,
    timeout_secs: i32,
) -> Value {
    json!({
        "jobId": job_id,
        "executorHandler": handler,
        "executorParams": param,
        "executorBlockStrategy": strategy,
        "executorTimeout": timeout_secs,
        "logId": log_id,
        "logDateTime": now_millis(),
        "glueType": "BEAN",
        "glueUpdatetime": now_millis(),
        "broadcastIndex": 0,
        "broadcastTotal": 1
    })
}

pub fn now_millis() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Files with extension `ext` in `dir` (none if the directory does not exist).
pub fn files_in(dir: &Path, ext: &str) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == ext))
                .collect()
        })
        .unwrap_or_default()
}

/// Polls `check` every 20 ms up to [`WAIT`], for state no notification reports (files,
/// processes).
pub async fn eventually<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        if let Some(found) = check() {
            return found;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
