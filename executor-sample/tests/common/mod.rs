//! Test helpers: a fake admin recording what the executor sends, an executor serving the
//! sample handlers, and a little web server for `httpJobHandler` to call. Everything talks
//! real HTTP over 127.0.0.1.
#![allow(dead_code)] // each test binary uses a different part

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use jobwheel_executor::protocol::{
    ACCESS_TOKEN_HEADER, AdminApiReply, CallbackBody, CallbackItem, TriggerParam,
};
use jobwheel_executor::{Executor, ExecutorBuilder};
use jobwheel_executor_sample::handlers::Options;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tokio::task::JoinHandle;

pub const TOKEN: &str = "sample-test-token";
pub const APP: &str = "sample-test-app";
/// Upper bound of every wait; generous, since the machine is shared.
pub const WAIT: Duration = Duration::from_secs(20);

/// One request a [`Recorder`] received.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

/// The requests a server received, with a way to wait for more.
#[derive(Default)]
pub struct Recorder {
    requests: Mutex<Vec<Request>>,
    changed: Notify,
}

impl Recorder {
    fn push(&self, method: Method, uri: &Uri, headers: HeaderMap, body: Bytes) {
        self.requests.lock().unwrap().push(Request {
            method: method.to_string(),
            path: uri.path().to_string(),
            query: uri.query().map(str::to_string),
            headers,
            body,
        });
        self.changed.notify_waiters();
    }

    pub fn requests(&self, path: &str) -> Vec<Request> {
        let all = self.requests.lock().unwrap();
        all.iter().filter(|r| r.path == path).cloned().collect()
    }

    /// Waits, woken by each request, until `check` finds what it looks for.
    pub async fn wait_for<T>(&self, what: &str, check: impl Fn(&Self) -> Option<T>) -> T {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let changed = self.changed.notified();
            if let Some(found) = check(self) {
                return found;
            }
            if tokio::time::timeout_at(deadline, changed).await.is_err() {
                panic!("timed out waiting for {what}");
            }
        }
    }
}

/// Serves `app` on 127.0.0.1 at a random port until dropped.
pub struct Server {
    pub base: String,
    task: JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Server {
    pub async fn start(app: Router) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self { base, task }
    }
}

/// An admin's executor API: records every call, accepts everything.
pub struct FakeAdmin {
    pub server: Server,
    pub recorder: Arc<Recorder>,
}

impl FakeAdmin {
    pub async fn start() -> Self {
        let recorder = Arc::new(Recorder::default());
        let app = Router::new()
            .fallback(admin_api)
            .with_state(Arc::clone(&recorder));
        let server = Server::start(app).await;
        Self { server, recorder }
    }

    pub fn base(&self) -> &str {
        &self.server.base
    }

    /// Results received so far.
    pub fn results(&self) -> Vec<CallbackItem> {
        results(&self.recorder)
    }

    /// Waits for the result of run `log_id`.
    pub async fn result(&self, log_id: i64) -> CallbackItem {
        self.recorder
            .wait_for(&format!("the result of run {log_id}"), |r| {
                results(r).into_iter().find(|item| item.log_id == log_id)
            })
            .await
    }
}

fn results(recorder: &Recorder) -> Vec<CallbackItem> {
    recorder
        .requests("/api/callback")
        .iter()
        .flat_map(|r| {
            serde_json::from_slice::<CallbackBody>(&r.body)
                .unwrap()
                .items
        })
        .collect()
}

async fn admin_api(
    State(recorder): State<Arc<Recorder>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> axum::Json<AdminApiReply> {
    recorder.push(method, &uri, headers, body);
    axum::Json(AdminApiReply::success())
}

/// A web server for `httpJobHandler`: `/echo` (200, echoes the body), `/status/{code}`,
/// `/hang` (never answers), `/redirect?{url}` (302 to that URL). Records every request.
pub struct WebServer {
    pub server: Server,
    pub recorder: Arc<Recorder>,
}

impl WebServer {
    pub async fn start() -> Self {
        let recorder = Arc::new(Recorder::default());
        let app = Router::new()
            .fallback(web)
            .with_state(Arc::clone(&recorder));
        let server = Server::start(app).await;
        Self { server, recorder }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.base)
    }
}

async fn web(
    State(recorder): State<Arc<Recorder>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    recorder.push(method, &uri, headers, body.clone());
    let path = uri.path();
    if path == "/hang" {
        std::future::pending::<()>().await;
    }
    if path == "/redirect" {
        return Redirect::to(uri.query().unwrap_or("/")).into_response();
    }
    if let Some(code) = path.strip_prefix("/status/") {
        let status = StatusCode::from_u16(code.parse().unwrap()).unwrap();
        return (status, format!("answered {code}")).into_response();
    }
    (
        StatusCode::OK,
        format!("echo: {}", String::from_utf8_lossy(&body)),
    )
        .into_response()
}

/// An in-process executor serving the sample handlers on a random port.
pub struct SampleExecutor {
    pub base: String,
    http: reqwest::Client,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<JoinHandle<jobwheel_executor::Result<()>>>,
}

pub fn builder(admin: &str, dir: &Path) -> ExecutorBuilder {
    Executor::builder()
        .admin_address(admin)
        .app_name(APP)
        .access_token(TOKEN)
        .bind_ip([127, 0, 0, 1].into())
        .port(0)
        .log_path(dir.join("logs"))
        .heartbeat_interval(Duration::from_millis(200))
        .callback_retry_interval(Duration::from_millis(100))
        .shutdown_grace(Duration::from_secs(2))
}

impl SampleExecutor {
    pub async fn start(admin: &str, dir: &Path, options: Options) -> Self {
        let builder = jobwheel_executor_sample::register(builder(admin, dir), options);
        let bound = builder.build().unwrap().bind().await.unwrap();
        let base = format!("http://{}", bound.local_addr());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(bound.run(async move {
            let _ = stopped.await;
        }));
        Self {
            base,
            http: reqwest::Client::new(),
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// POSTs a protocol request with the token; returns the reply.
    pub async fn post(&self, path: &str, body: Value) -> Value {
        post(&self.http, &self.base, path, body).await
    }

    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            tokio::time::timeout(WAIT, task)
                .await
                .unwrap()
                .unwrap()
                .unwrap();
        }
    }
}

/// POSTs `body` to an executor at `base` with the test token; returns the reply.
pub async fn post(http: &reqwest::Client, base: &str, path: &str, body: Value) -> Value {
    let response = http
        .post(format!("{base}{path}"))
        .header(ACCESS_TOKEN_HEADER, TOKEN)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

/// A trigger of `handler` as an admin sends it.
pub fn trigger(job_id: i32, log_id: i64, handler: &str, param: &str, timeout_secs: i32) -> Value {
    serde_json::to_value(TriggerParam {
        job_id,
        executor_handler: Some(handler.to_string()),
        executor_params: Some(param.to_string()),
        executor_block_strategy: Some("SERIAL_EXECUTION".to_string()),
        executor_timeout: timeout_secs,
        log_id,
        log_date_time: chrono_now_millis(),
        glue_type: Some("BEAN".to_string()),
        broadcast_index: 0,
        broadcast_total: 1,
        ..TriggerParam::default()
    })
    .unwrap()
}

pub fn chrono_now_millis() -> i64 {
    i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis(),
    )
    .unwrap()
}

/// Reads a run's whole log over `/log`.
pub async fn read_log(
    http: &reqwest::Client,
    base: &str,
    log_date_time: i64,
    log_id: i64,
) -> String {
    let reply = post(
        http,
        base,
        "/log",
        json!({"logDateTim": log_date_time, "logId": log_id, "fromLineNum": 1}),
    )
    .await;
    assert_eq!(reply["code"], 200, "{reply}");
    reply["content"]["logContent"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}
